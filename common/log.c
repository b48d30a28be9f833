/* SPDX-License-Identifier: BSD-3-Clause */
/* Levelled logging; see log.h for what must never be logged. */
#include "common/log.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

static enum ftls_log_level log_level = FTLS_LOG_INFO;
static FILE *log_file;

static const char *const level_names[] = { "err", "warn", "info", "debug" };

void ftls_log_set_level(enum ftls_log_level level) { log_level = level; }
enum ftls_log_level ftls_log_get_level(void) { return log_level; }
void ftls_log_set_file(FILE *f) { log_file = f; }

int ftls_log_level_parse(const char *name)
{
	for (int i = 0; i < (int)(sizeof(level_names) / sizeof(level_names[0])); i++)
		if (strcmp(name, level_names[i]) == 0)
			return i;
	return -1;
}

void ftls_log(enum ftls_log_level level, const char *subsys, const char *fmt, ...)
{
	FILE *f = log_file ? log_file : stderr;
	struct timespec ts;
	char line[1024];
	va_list ap;
	int n;

	if (level > log_level)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	n = snprintf(line, sizeof(line), "%lld.%03ld %s %s: ", (long long)ts.tv_sec,
		     ts.tv_nsec / 1000000, level_names[level], subsys);
	if (n < 0 || (size_t)n >= sizeof(line))
		return;
	va_start(ap, fmt);
	vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
	va_end(ap);
	/* One write per line so lines from several lcores do not interleave. */
	fprintf(f, "%s\n", line);
}
