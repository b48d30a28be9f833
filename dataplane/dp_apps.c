/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Echo and HTTP/1.1 responders on the dp_stack event interface (see dp_apps.h). Both keep their
 * state in the connection's scratch area, so they allocate nothing; both push as much as the send
 * buffer takes and resume on the writable event, which is how backpressure reaches the peer.
 * Echo is zero copy (received views go straight back into the send queue); HTTP copies its
 * pattern into pool buffers through dp_tcp_send().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_apps.h"

/* ------------------------------------------------------------------ echo */

struct echo_state {
	bool peer_done;
};

/* Zero copy end to end: the received buffers themselves are queued to be sent back. */
static void echo_pump(struct dp_tcp_conn *c)
{
	struct echo_state *e = dp_tcp_scratch(c);
	struct dp_iov v[16];
	unsigned n;

	while ((n = dp_tcp_recv_segs(c, v, 16)) > 0) {
		size_t want = 0;
		for (unsigned i = 0; i < n; i++)
			want += v[i].len;
		size_t sent = dp_tcp_send_pkts(c, v, n);
		dp_tcp_recv_consume(c, sent);
		if (sent < want)
			return;   /* resumes on writable */
	}
	if (e->peer_done)
		dp_tcp_close(c);
}

static bool echo_accept(struct dp_tcp_conn *c, void *arg)
{
	(void)c;
	(void)arg;
	return true;
}

static void echo_peer_closed(struct dp_tcp_conn *c)
{
	struct echo_state *e = dp_tcp_scratch(c);
	e->peer_done = true;
	echo_pump(c);
}

const struct dp_tcp_app dp_app_echo = {
	.accept = echo_accept,
	.connected = echo_pump,
	.data = echo_pump,
	.writable = echo_pump,
	.peer_closed = echo_peer_closed,
};

/* ------------------------------------------------------------------ HTTP */

enum { HTTP_MAX_HEAD = 8192 };

struct http_state {
	uint64_t body_left, body_pos;
	bool sending, close_after, peer_done, head_only;
};

static const char *const http_status_text[] = {
	[0] = "200 OK", [1] = "400 Bad Request", [2] = "405 Method Not Allowed",
	[3] = "431 Request Header Fields Too Large",
};

/* Case-insensitive search for a header line "name: value" containing token. */
static bool header_has(const char *head, const char *name, const char *token)
{
	size_t nl = strlen(name);
	const char *p = strstr(head, "\r\n");

	while (p && p[2] != '\r') {
		const char *line = p + 2, *end = strstr(line, "\r\n");
		if (!end)
			break;
		if ((size_t)(end - line) > nl && strncasecmp(line, name, nl) == 0 && line[nl] == ':') {
			for (const char *q = line + nl + 1; q + strlen(token) <= end; q++)
				if (strncasecmp(q, token, strlen(token)) == 0)
					return true;
		}
		p = end;
	}
	return false;
}

static void http_respond(struct dp_tcp_conn *c, int status, uint64_t len)
{
	struct http_state *h = dp_tcp_scratch(c);
	char hdr[256];
	int n = snprintf(hdr, sizeof(hdr),
			 "HTTP/1.1 %s\r\nServer: ftls\r\nContent-Type: application/octet-stream\r\n"
			 "Content-Length: %llu\r\n%s\r\n",
			 http_status_text[status], (unsigned long long)len,
			 h->close_after ? "Connection: close\r\n" : "");
	/* http_pump() only starts a response with room for its head. */
	if (dp_tcp_send(c, hdr, (size_t)n) != (size_t)n) {
		dp_tcp_abort(c);
		return;
	}
	h->sending = true;
	h->body_left = h->head_only ? 0 : len;
	h->body_pos = 0;
}

/* Parses one request at the head of the receive buffer; false when incomplete. */
static bool http_parse(struct dp_tcp_conn *c)
{
	struct http_state *h = dp_tcp_scratch(c);
	char head[HTTP_MAX_HEAD + 1];
	size_t n = dp_tcp_recv_copy(c, 0, head, HTTP_MAX_HEAD), hl;
	char *end, method[8], path[128], version[16];
	unsigned long long size = 0;

	head[n] = 0;
	end = memchr(head, 0, n) ? NULL : strstr(head, "\r\n\r\n");
	if (!end) {
		if (n == HTTP_MAX_HEAD || memchr(head, 0, n)) {
			h->close_after = true;
			dp_tcp_recv_consume(c, dp_tcp_recv_avail(c));
			http_respond(c, n == HTTP_MAX_HEAD ? 3 : 1, 0);
			return true;
		}
		return false;
	}
	hl = (size_t)(end - head) + 4;
	end[2] = 0;
	dp_tcp_recv_consume(c, hl);
	if (sscanf(head, "%7s %127s %15s", method, path, version) != 3 ||
	    strncmp(version, "HTTP/1.", 7) != 0) {
		h->close_after = true;
		http_respond(c, 1, 0);
		return true;
	}
	h->close_after = strcmp(version, "HTTP/1.0") == 0 ? !header_has(head, "connection", "keep-alive")
							    : header_has(head, "connection", "close");
	h->head_only = strcmp(method, "HEAD") == 0;
	if (strcmp(method, "GET") != 0 && !h->head_only) {
		h->close_after = true;
		http_respond(c, 2, 0);
		return true;
	}
	const char *num = strncmp(path, "/bytes/", 7) == 0 ? path + 7 : path + 1;
	char *stop;
	if (*num) {
		size = strtoull(num, &stop, 10);
		if (*stop != 0 || *num < '0' || *num > '9' || size > (1ull << 40)) {
			h->close_after = true;
			http_respond(c, 1, 0);
			return true;
		}
	}
	http_respond(c, 0, size);
	return true;
}

/* Body bytes, filled once before any lcore runs (constructor): lcores only read it. */
static uint8_t pattern[16384 + 26];

__attribute__((constructor)) static void fill_pattern(void)
{
	for (size_t i = 0; i < sizeof(pattern); i++)
		pattern[i] = dp_app_http_byte(i);
}

static void http_pump(struct dp_tcp_conn *c)
{
	struct http_state *h = dp_tcp_scratch(c);

	for (;;) {
		if (h->sending) {
			while (h->body_left > 0) {
				size_t want = h->body_left < 16384 ? (size_t)h->body_left : 16384;
				size_t sent = dp_tcp_send(c, pattern + h->body_pos % 26, want);
				h->body_left -= sent;
				h->body_pos += sent;
				if (sent < want)
					return;   /* resumes on writable */
			}
			h->sending = false;
			if (h->close_after) {
				dp_tcp_close(c);
				return;
			}
		}
		/* The previous body may still fill the send buffer: wait for room for a head. */
		if (dp_tcp_send_space(c) < 512 && dp_tcp_recv_avail(c) > 0) {
			dp_tcp_want_writable(c);
			return;
		}
		if (!http_parse(c))
			break;
	}
	if (h->peer_done && !h->sending)
		dp_tcp_close(c);
}

static void http_peer_closed(struct dp_tcp_conn *c)
{
	struct http_state *h = dp_tcp_scratch(c);
	h->peer_done = true;
	http_pump(c);
}

const struct dp_tcp_app dp_app_http = {
	.accept = echo_accept,
	.data = http_pump,
	.writable = http_pump,
	.peer_closed = http_peer_closed,
};

const struct dp_tcp_app *dp_app_by_name(const char *name)
{
	if (strcmp(name, "echo") == 0)
		return &dp_app_echo;
	if (strcmp(name, "http") == 0)
		return &dp_app_http;
	return NULL;
}
