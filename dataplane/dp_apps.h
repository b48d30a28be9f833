/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The plain TCP responders that sit on the event interface until the TLS layer arrives: echo
 * (every byte back, half-close honoured) and a small HTTP/1.1 server whose body size is the
 * request path (GET /<bytes>, or /bytes/<n>), with keep-alive and pipelining. Body bytes follow
 * a fixed pattern (dp_app_http_byte) so clients can verify them. Not for: TLS or proxying.
 */
#ifndef FTLS_DP_APPS_H
#define FTLS_DP_APPS_H

#include <stdint.h>

#include "dataplane/dp_stack.h"

extern const struct dp_tcp_app dp_app_echo;
extern const struct dp_tcp_app dp_app_http;

/* Byte i of every HTTP body. */
static inline uint8_t dp_app_http_byte(uint64_t i) { return (uint8_t)('a' + i % 26); }

/* Responder by name ("echo", "http"); NULL when unknown. */
const struct dp_tcp_app *dp_app_by_name(const char *name);

#endif
