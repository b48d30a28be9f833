/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Responders: what a standalone listener answers with once TLS is up. echo returns every byte; http
 * is a small HTTP/1.1 server for benchmarks and tests: GET /bytes/N returns N bytes, GET / a short
 * text, anything else 404; requests may carry a Content-Length body (read and counted, e.g. for
 * upload tests: the reply says how many bytes came); keep-alive unless "Connection: close". With
 * client authentication every response carries the client's verified subject (X-Client-Subject)
 * and subject alternative names (X-Client-SAN).
 * Responders see plaintext only and produce plaintext; sealing is the caller's.
 */
#ifndef CP_RESPONDER_H
#define CP_RESPONDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/config.h"

enum { CP_HTTP_REQ_MAX = 8192 };

struct cp_resp {
	enum ftls_cfg_responder kind;
	/* http */
	char req[CP_HTTP_REQ_MAX];
	size_t req_len;
	uint64_t body_left;      /* request body still to read */
	uint64_t body_got;
	uint64_t out_left;       /* response body still to produce */
	bool close_after;        /* Connection: close, or a protocol error */
	bool want_close;         /* close once everything is sent */
	const char *client_subject;   /* verified client certificate subject (mTLS), or NULL:
				       * sent back as X-Client-Subject */
	char client_san[384];    /* its SANs ("email:a@b, DNS:x"), "" for none: X-Client-SAN */
	char head[1536];         /* pending response head */
	size_t head_len, head_off;
	const char *fixed;       /* a fixed body (/, 404) */
	size_t fixed_len, fixed_off;
};

/* Takes plaintext from the client. Returns false on a request it cannot parse (close). */
bool cp_resp_input(struct cp_resp *r, const uint8_t *p, size_t n, uint8_t *echo_out,
		   size_t *echo_len);
/* Produces up to cap bytes of response; returns how many (0: nothing pending). */
size_t cp_resp_output(struct cp_resp *r, uint8_t *out, size_t cap);
/* True when the responder has nothing more to send and the connection should close. */
bool cp_resp_done_closing(const struct cp_resp *r);

#endif
