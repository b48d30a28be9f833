/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Logging with levels, to stderr or a file, one line per event with a subsystem tag. There is no
 * call that formats a key, secret or raw record: log what happened and its length, never the
 * bytes. (Key-log files for debugging with Wireshark are a separate, explicit opt-in in tests
 * only.) Not for: counters (those are per-lcore structs read by the CLI).
 */
#ifndef FTLS_LOG_H
#define FTLS_LOG_H

#include <stdio.h>

enum ftls_log_level {
	FTLS_LOG_ERR = 0,
	FTLS_LOG_WARN,
	FTLS_LOG_INFO,
	FTLS_LOG_DEBUG,
};

/* Sets the threshold; messages above it are dropped before formatting. */
void ftls_log_set_level(enum ftls_log_level level);
enum ftls_log_level ftls_log_get_level(void);
/* Sends log lines to f (stderr when NULL). */
void ftls_log_set_file(FILE *f);
/* "err", "warn", "info", "debug" -> level; -1 when unknown. */
int ftls_log_level_parse(const char *name);

void ftls_log(enum ftls_log_level level, const char *subsys, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#define FTLS_LOG(level, subsys, ...)                                       \
	do {                                                               \
		if ((level) <= ftls_log_get_level())                       \
			ftls_log((level), (subsys), __VA_ARGS__);          \
	} while (0)
#define LOG_ERR(subsys, ...) FTLS_LOG(FTLS_LOG_ERR, subsys, __VA_ARGS__)
#define LOG_WARN(subsys, ...) FTLS_LOG(FTLS_LOG_WARN, subsys, __VA_ARGS__)
#define LOG_INFO(subsys, ...) FTLS_LOG(FTLS_LOG_INFO, subsys, __VA_ARGS__)
#define LOG_DEBUG(subsys, ...) FTLS_LOG(FTLS_LOG_DEBUG, subsys, __VA_ARGS__)

#endif
