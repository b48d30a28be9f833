/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ftls-ctrlplane: the control plane. Today it runs in standalone mode only (--standalone: TLS over
 * the kernel's TCP, see standalone.h); attaching to the dataplane as a DPDK secondary process
 * arrives with the dataplane. Exit status: 0 clean stop, 1 runtime failure, 2 bad usage or config.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "common/config.h"
#include "common/log.h"
#include "ctrlplane/standalone.h"

static void usage(FILE *f)
{
	fprintf(f, "usage: ftls-ctrlplane --standalone --config FILE"
		   " [--log-level err|warn|info|debug]\n"
		   "       ftls-ctrlplane --check-config FILE\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "standalone", no_argument, NULL, 's' },
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", required_argument, NULL, 'k' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *config = NULL, *level = NULL;
	bool standalone = false, check_only = false;
	struct ftls_config *cfg;
	char err[1024];
	int o;

	while ((o = getopt_long(argc, argv, "sc:k:l:h", opts, NULL)) != -1) {
		switch (o) {
		case 's': standalone = true; break;
		case 'c': config = optarg; break;
		case 'k': config = optarg; check_only = true; break;
		case 'l': level = optarg; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (!config || optind != argc || (!standalone && !check_only)) {
		if (config && !standalone && !check_only)
			fprintf(stderr, "ftls-ctrlplane: only --standalone mode exists until the "
					"dataplane lands\n");
		usage(stderr);
		return 2;
	}
	if (ftls_config_load(config, &cfg, err, sizeof(err))) {
		fprintf(stderr, "ftls-ctrlplane: %s\n", err);
		return 2;
	}
	if (check_only) {
		printf("%s: ok (%u listener%s)\n", config, cfg->listeners_count,
		       cfg->listeners_count == 1 ? "" : "s");
		ftls_config_free(cfg);
		return 0;
	}
	if (cfg->logging)
		ftls_log_set_level((enum ftls_log_level)cfg->logging->level);
	if (level) {
		int l = ftls_log_level_parse(level);
		if (l < 0) {
			fprintf(stderr, "ftls-ctrlplane: unknown log level '%s'\n", level);
			ftls_config_free(cfg);
			return 2;
		}
		ftls_log_set_level((enum ftls_log_level)l);
	}
	FILE *logf = NULL;
	if (cfg->logging && cfg->logging->file) {
		logf = fopen(cfg->logging->file, "a");
		if (!logf) {
			fprintf(stderr, "ftls-ctrlplane: cannot open log file %s\n",
				cfg->logging->file);
			ftls_config_free(cfg);
			return 2;
		}
		setvbuf(logf, NULL, _IOLBF, 0);
		ftls_log_set_file(logf);
	}
	int rc = cp_standalone_run(cfg);
	if (logf) {
		ftls_log_set_file(NULL);
		fclose(logf);
		if (rc)   /* the reason is in the log file; say where */
			fprintf(stderr, "ftls-ctrlplane: stopped with errors, see %s\n",
				cfg->logging->file);
	}
	ftls_config_free(cfg);
	return rc;
}
