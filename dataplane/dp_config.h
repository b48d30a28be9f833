/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The dataplane's part of the appliance config: the top-level `dataplane:` section (EAL options,
 * lcores, mempool and ring sizes, ports with PMD devargs and addresses, TCP limits, plain
 * listeners), read with libcyaml; every other top-level key belongs to other readers and is
 * ignored. Errors name the file, the line and the key. An embedded default (one net_tap port,
 * ftls0, 10.99.0.1/24 and fd00:99::1/64, echo on 7 and HTTP on 80) is used without --config.
 * Not for: the rest of the appliance config (common/config.c).
 */
#ifndef FTLS_DP_CONFIG_H
#define FTLS_DP_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "dataplane/dp_stack.h"

enum { DP_CFG_MAX_EAL = 32, DP_CFG_MAX_LISTENERS = DP_MAX_LISTENERS };

struct dp_config {
	char eal[DP_CFG_MAX_EAL][128];
	unsigned n_eal;
	uint32_t lcores;
	uint32_t mbufs;
	uint16_t rx_desc, tx_desc;
	uint32_t poll_idle_us;          /* sleep after 1024 empty polls (0: pure polling) */
	bool csum_offload;              /* use the port's checksum offloads when it has them */
	char port_name[64];
	char devargs[256];
	struct dp_stack_conf stack;     /* addresses and TCP limits; MAC comes from the port */
	struct {
		uint16_t port;
		const struct dp_tcp_app *app;
		char responder[16];
	} lst[DP_CFG_MAX_LISTENERS];
	unsigned n_lst;
};

/* The embedded default, as YAML text. */
extern const char dp_config_default_yaml[];

/*
 * Loads the dataplane section of the YAML in data (len bytes; name is the file name for
 * messages). On error writes "file:line: key: what" into err and returns FTLS_ERR_CONFIG.
 */
enum ftls_err dp_config_load(struct dp_config *cfg, const char *name, const char *data, size_t len,
			     char *err, size_t errcap) FTLS_MUST_CHECK;
/* Same, from a file. */
enum ftls_err dp_config_load_file(struct dp_config *cfg, const char *path, char *err,
				  size_t errcap) FTLS_MUST_CHECK;

#endif
