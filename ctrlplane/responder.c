/* SPDX-License-Identifier: BSD-3-Clause */
/* The echo and HTTP/1.1 responders of the standalone mode; see responder.h. */
#include "ctrlplane/responder.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { MAX_BODY = 1u << 30 };

static const char root_body[] = "ftls standalone\n";
static const char not_found[] = "not found\n";
static const char bad_request[] = "bad request\n";

static void respond(struct cp_resp *r, int status, const char *reason, uint64_t len,
		    const char *fixed)
{
	r->head_len = (size_t)snprintf(r->head, sizeof(r->head),
				       "HTTP/1.1 %d %s\r\nContent-Length: %llu\r\n"
				       "Content-Type: %s\r\n%s%s%s%s%s%s%s\r\n",
				       status, reason, (unsigned long long)len,
				       fixed ? "text/plain" : "application/octet-stream",
				       r->client_subject ? "X-Client-Subject: " : "",
				       r->client_subject ? r->client_subject : "",
				       r->client_subject ? "\r\n" : "",
				       r->client_san[0] ? "X-Client-SAN: " : "", r->client_san,
				       r->client_san[0] ? "\r\n" : "",
				       r->close_after ? "Connection: close\r\n" : "");
	if (r->head_len >= sizeof(r->head))
		r->head_len = sizeof(r->head) - 1;
	r->head_off = 0;
	r->fixed = fixed;
	r->fixed_len = fixed ? (size_t)len : 0;
	r->fixed_off = 0;
	r->out_left = fixed ? 0 : len;
}

static bool header_value(const char *head, const char *name, char *val, size_t cap)
{
	size_t nl = strlen(name);
	for (const char *p = strstr(head, "\r\n"); p; p = strstr(p + 2, "\r\n")) {
		const char *h = p + 2;
		if (strncasecmp(h, name, nl) == 0 && h[nl] == ':') {
			h += nl + 1;
			while (*h == ' ' || *h == '\t')
				h++;
			size_t n = strcspn(h, "\r");
			if (n >= cap)
				n = cap - 1;
			memcpy(val, h, n);
			val[n] = 0;
			return true;
		}
	}
	return false;
}

/* One complete request head in r->req[0..end). */
static bool handle_request(struct cp_resp *r, size_t end)
{
	char method[16], target[256], version[16], v[64];
	char head[CP_HTTP_REQ_MAX + 1];

	memcpy(head, r->req, end);
	head[end] = 0;
	if (sscanf(head, "%15s %255s %15s", method, target, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		r->close_after = true;
		respond(r, 400, "Bad Request", sizeof(bad_request) - 1, bad_request);
		return true;
	}
	r->close_after = strcmp(version, "HTTP/1.0") == 0;
	if (header_value(head, "Connection", v, sizeof(v)))
		r->close_after = strcasecmp(v, "close") == 0 ? true
				 : strcasecmp(v, "keep-alive") == 0 ? false : r->close_after;
	r->body_left = 0;
	r->body_got = 0;
	if (header_value(head, "Content-Length", v, sizeof(v))) {
		char *e;
		unsigned long long n = strtoull(v, &e, 10);
		if (*e || n > MAX_BODY) {
			r->close_after = true;
			respond(r, 400, "Bad Request", sizeof(bad_request) - 1, bad_request);
			return true;
		}
		r->body_left = n;
	}
	/* HEAD: the head GET would send, without its body (RFC 9110 §9.3.2). */
	bool head_only = strcmp(method, "HEAD") == 0;
	if (head_only)
		strcpy(method, "GET");
	if (strcmp(method, "GET") == 0 && strncmp(target, "/bytes/", 7) == 0) {
		char *e;
		unsigned long long n = strtoull(target + 7, &e, 10);
		if (*e || target[7] == 0 || n > MAX_BODY) {
			respond(r, 400, "Bad Request", sizeof(bad_request) - 1, bad_request);
			return true;
		}
		respond(r, 200, "OK", n, NULL);
	} else if (strcmp(method, "GET") == 0 && strcmp(target, "/") == 0) {
		respond(r, 200, "OK", sizeof(root_body) - 1, root_body);
	} else if (strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0) {
		/* The reply is written once the body has been read (see cp_resp_input). */
		r->head_len = 0;
		return true;
	} else {
		respond(r, 404, "Not Found", sizeof(not_found) - 1, not_found);
	}
	if (head_only) {
		r->fixed_len = 0;
		r->out_left = 0;
	}
	return true;
}

bool cp_resp_input(struct cp_resp *r, const uint8_t *p, size_t n, uint8_t *echo_out,
		   size_t *echo_len)
{
	*echo_len = 0;
	if (r->kind == FTLS_RESP_ECHO) {
		memcpy(echo_out, p, n);
		*echo_len = n;
		return true;
	}
	while (n) {
		if (r->body_left) {
			size_t k = n < r->body_left ? n : (size_t)r->body_left;
			r->body_left -= k;
			r->body_got += k;
			p += k;
			n -= k;
			if (!r->body_left && !r->head_len && !r->out_left) {
				static _Thread_local char msg[64];
				int m = snprintf(msg, sizeof(msg), "received %llu bytes\n",
						 (unsigned long long)r->body_got);
				respond(r, 200, "OK", (uint64_t)m, msg);
			}
			continue;
		}
		if (r->head_len || r->out_left || r->fixed_len)
			return false;   /* pipelining: this responder takes one request at a time */
		size_t k = CP_HTTP_REQ_MAX - r->req_len;
		if (k == 0)
			return false;
		if (k > n)
			k = n;
		memcpy(r->req + r->req_len, p, k);
		r->req_len += k;
		p += k;
		n -= k;
		char *end = memmem(r->req, r->req_len, "\r\n\r\n", 4);
		if (!end) {
			if (r->req_len == CP_HTTP_REQ_MAX)
				return false;
			continue;
		}
		size_t hl = (size_t)(end - r->req) + 4;
		if (!handle_request(r, hl))
			return false;
		/* Bytes after the head belong to the body (or are a pipelined request: refused). */
		size_t rest = r->req_len - hl;
		uint8_t tmp[CP_HTTP_REQ_MAX];
		memcpy(tmp, r->req + hl, rest);
		r->req_len = 0;
		if (rest) {
			if (!r->body_left)
				return false;
			if (!cp_resp_input(r, tmp, rest, echo_out, echo_len))
				return false;
		} else if (!r->body_left && !r->head_len && !r->out_left && !r->fixed_len) {
			/* POST with an empty body */
			static const char zero[] = "received 0 bytes\n";
			respond(r, 200, "OK", sizeof(zero) - 1, zero);
		}
	}
	return true;
}

size_t cp_resp_output(struct cp_resp *r, uint8_t *out, size_t cap)
{
	size_t n = 0;
	if (r->kind == FTLS_RESP_ECHO)
		return 0;
	if (r->head_off < r->head_len) {
		size_t k = r->head_len - r->head_off < cap ? r->head_len - r->head_off : cap;
		memcpy(out, r->head + r->head_off, k);
		r->head_off += k;
		n += k;
	}
	if (r->fixed && r->fixed_off < r->fixed_len && n < cap) {
		size_t k = r->fixed_len - r->fixed_off;
		if (k > cap - n)
			k = cap - n;
		memcpy(out + n, r->fixed + r->fixed_off, k);
		r->fixed_off += k;
		n += k;
	}
	while (r->out_left && n < cap) {
		size_t k = r->out_left < cap - n ? (size_t)r->out_left : cap - n;
		memset(out + n, 'x', k);
		r->out_left -= k;
		n += k;
	}
	if (r->head_len && r->head_off == r->head_len &&
	    (!r->fixed || r->fixed_off == r->fixed_len) && !r->out_left) {
		/* Response complete. */
		r->head_len = r->head_off = 0;
		r->fixed = NULL;
		r->fixed_len = r->fixed_off = 0;
		if (r->close_after)
			r->want_close = true;
	}
	return n;
}

bool cp_resp_done_closing(const struct cp_resp *r)
{
	return r->want_close && !r->head_len && !r->out_left;
}
