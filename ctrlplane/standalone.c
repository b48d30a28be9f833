/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Standalone mode (see standalone.h).
 *
 * Implementation notes.
 *  - One thread; epoll, level-triggered. A connection is: socket, handshake engine, the record
 *    deframer (with its own assembly buffer), two record directions (RX/TX) that receive the
 *    engine's key installs, a responder, and an output queue (wbuf) of sealed bytes.
 *  - Until the engine reports DONE, whole records go to cp_hs_input; after it, application data
 *    records are opened here and go to the responder, while handshake and alert records (a
 *    KeyUpdate, close_notify) are opened here and go to cp_hs_input_inner.
 *  - Back-pressure: the responder produces only while wbuf is below WBUF_HIGH; reading stops while
 *    wbuf is above it.
 *  - Every connection is on one list in accept order; a periodic sweep times out the handshakes
 *    among them, and a stop frees them all.
 *  - The peer's FIN stops reading; what is queued and what the responder still owes is sent,
 *    then the connection closes.
 */
#include "ctrlplane/standalone.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "common/ct.h"
#include "common/log.h"
#include "common/record.h"
#include "ctrlplane/hs.h"
#include "ctrlplane/listener.h"
#include "ctrlplane/pki/x509_verify.h"
#include "ctrlplane/responder.h"

enum {
	WBUF_HIGH = 256 * 1024,
	READ_CHUNK = 64 * 1024,
	MAX_EVENTS = 64,
	SWEEP_MS = 200,
};

struct lsn {
	int fd;
	const struct ftls_cfg_listener *cfg;
	struct cp_listener l;
	struct cp_certs certs;
	unsigned nb_conns;
};

struct conn {
	int fd;
	struct lsn *lsn;
	struct cp_hs *hs;
	struct ftls_rec_dir rx, tx;
	struct ftls_deframer df;
	uint8_t *asm_buf;
	uint8_t *wbuf;
	size_t wlen, woff, wcap;
	struct cp_resp resp;
	bool established, closing, peer_eof, reading_paused, want_out;
	uint64_t deadline_ms;
	struct conn *prev, *next;         /* every connection, in accept order */
};

static volatile sig_atomic_t stop;
static struct ftls_crypto_dev *dev;
static int ep;
static struct conn *conns_head, *conns_tail;
static uint8_t rbuf[READ_CHUNK];
static uint8_t pt[FTLS_REC12_MAX_CIPHER];   /* TLS 1.2 CBC records may carry 255 bytes of padding */
static uint8_t sealed[FTLS_REC_HDR_LEN + FTLS_REC12_MAX_CIPHER];
static uint32_t next_conn_id;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static uint64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static void list_del(struct conn *c)
{
	if (c->prev)
		c->prev->next = c->next;
	else
		conns_head = c->next;
	if (c->next)
		c->next->prev = c->prev;
	else
		conns_tail = c->prev;
	c->prev = c->next = NULL;
}

static void conn_free(struct conn *c)
{
	list_del(c);
	epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	cp_hs_free(c->hs);
	ftls_rec_dir_clear(&c->rx);
	ftls_rec_dir_clear(&c->tx);
	free(c->asm_buf);
	free(c->wbuf);
	c->lsn->nb_conns--;
	free(c);
}

static int wbuf_put(struct conn *c, const uint8_t *p, size_t n)
{
	if (c->woff && c->woff == c->wlen)
		c->woff = c->wlen = 0;
	if (c->wlen + n > c->wcap) {
		if (c->woff) {
			memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
			c->wlen -= c->woff;
			c->woff = 0;
		}
		if (c->wlen + n > c->wcap) {
			size_t cap = c->wcap ? c->wcap * 2 : 32768;
			while (cap < c->wlen + n)
				cap *= 2;
			uint8_t *nb = realloc(c->wbuf, cap);
			if (!nb)
				return -1;
			c->wbuf = nb;
			c->wcap = cap;
		}
	}
	memcpy(c->wbuf + c->wlen, p, n);
	c->wlen += n;
	return 0;
}

static int seal_out(struct conn *c, uint8_t type, const uint8_t *p, size_t n)
{
	size_t max = cp_hs_peer_max_plain(c->hs), rl;
	do {
		size_t k = n < max ? n : max;
		if (ftls_rec_seal(&c->tx, type, p, k, sealed, sizeof(sealed), &rl) ||
		    wbuf_put(c, sealed, rl))
			return -1;
		p += k;
		n -= k;
	} while (n);
	return 0;
}

/* Applies the engine's events. -1: the connection is beyond saving (free it). */
/* The verified client identity, for the responder's X-Client-Subject and X-Client-SAN. */
static void set_identity(struct cp_resp *r, const struct cp_x509_identity *id)
{
	size_t n = 0;
	r->client_subject = id->subject;
	r->client_san[0] = 0;
	for (unsigned i = 0; i < id->nb_san && n < sizeof(r->client_san); i++) {
		int k = snprintf(r->client_san + n, sizeof(r->client_san) - n, "%s%s:%s", i ? ", " : "",
				 cp_x509_san_type_name(id->san[i].type), id->san[i].value);
		if (k < 0 || (size_t)k >= sizeof(r->client_san) - n) {
			r->client_san[n] = 0;   /* whole entries only */
			break;
		}
		n += (size_t)k;
	}
}

static int pump_events(struct conn *c)
{
	struct cp_hs_event ev;
	int rc = 0;

	while (cp_hs_next_event(c->hs, &ev)) {
		switch (ev.type) {
		case CP_HS_EV_SEND:
			if (wbuf_put(c, ev.data, ev.len))
				rc = -1;
			break;
		case CP_HS_EV_SEND_PROTECTED:
			if (seal_out(c, ev.content_type, ev.data, ev.len))
				rc = -1;
			break;
		case CP_HS_EV_KEY_INSTALL:
			if (ftls_rec_dir_install(ev.ki.dir == FTLS_DIR_TX ? &c->tx : &c->rx, dev, 0,
						 &ev.ki))
				rc = -1;
			ftls_wipe(&ev.ki, sizeof(ev.ki));
			break;
		case CP_HS_EV_DONE:
			c->established = true;
			if (cp_hs_peer_identity(c->hs))
				set_identity(&c->resp, cp_hs_peer_identity(c->hs));
			LOG_DEBUG("standalone", "conn %d: handshake done (%s, suite 0x%04x, alpn %s)",
				  c->fd, ftls_group_name(cp_hs_group(c->hs)), cp_hs_suite(c->hs),
				  cp_hs_alpn(c->hs) ? cp_hs_alpn(c->hs) : "-");
			break;
		case CP_HS_EV_ALERT_SENT:
			FTLS_LOG(ev.alert == FTLS_ALERT_CLOSE_NOTIFY ? FTLS_LOG_DEBUG : FTLS_LOG_INFO,
				 "standalone", "conn %d: sent alert %s (%s)", c->fd, ftls_alert_name(ev.alert),
				 ftls_err_str(cp_hs_error(c->hs)));
			break;
		case CP_HS_EV_ALERT_RECEIVED:
			LOG_DEBUG("standalone", "conn %d: peer alert %s", c->fd,
				  ftls_alert_name(ev.alert));
			break;
		case CP_HS_EV_CLOSED:
			c->closing = true;
			break;
		}
	}
	return rc;
}

static void update_interest(struct conn *c)
{
	struct epoll_event e = { .data.ptr = c };
	bool out = c->wlen > c->woff;
	bool pause = c->wlen - c->woff > WBUF_HIGH || c->closing || c->peer_eof;
	if (out == c->want_out && pause == c->reading_paused)
		return;
	c->want_out = out;
	c->reading_paused = pause;
	e.events = (pause ? 0 : EPOLLIN) | (out ? EPOLLOUT : 0) | EPOLLRDHUP;
	epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &e);
}

/* Writes what is queued; refills from the responder. -1: free the connection. */
static int flush(struct conn *c)
{
	for (;;) {
		while (c->woff < c->wlen) {
			ssize_t n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL);
			if (n < 0) {
				if (errno == EAGAIN || errno == EWOULDBLOCK)
					goto out;
				if (errno == EINTR)
					continue;
				return -1;
			}
			c->woff += (size_t)n;
		}
		c->woff = c->wlen = 0;
		if (!c->established || c->closing)
			break;
		/* Refill from the responder. */
		size_t max = cp_hs_peer_max_plain(c->hs), k, produced = 0;
		while (c->wlen < WBUF_HIGH && (k = cp_resp_output(&c->resp, pt, max)) > 0) {
			if (seal_out(c, FTLS_CT_APPLICATION_DATA, pt, k))
				return -1;
			produced += k;
		}
		if (cp_resp_done_closing(&c->resp) && c->wlen == 0) {
			cp_hs_close(c->hs);
			if (pump_events(c))
				return -1;
			continue;
		}
		if (!produced) {
			if (c->peer_eof)
				return -1;   /* the peer is gone and we owe nothing more */
			break;
		}
	}
out:
	if ((c->closing || (c->peer_eof && !c->established)) && c->woff == c->wlen)
		return -1;   /* everything said: done */
	update_interest(c);
	return 0;
}

static int on_app_record(struct conn *c, const uint8_t *rec, size_t len)
{
	uint8_t type;
	size_t pl, echo_len;

	enum ftls_err e = ftls_rec_open(&c->rx, rec, len, pt, sizeof(pt), &type, &pl);
	if (e) {
		/* A record that fails to open ends the connection; the engine sends the alert. */
		LOG_INFO("standalone", "conn %d: record: %s", c->fd, ftls_err_str(e));
		cp_hs_abort(c->hs, e);
		return pump_events(c);
	}
	if (type == FTLS_CT_APPLICATION_DATA) {
		static uint8_t echo[FTLS_REC12_MAX_CIPHER];
		if (!cp_resp_input(&c->resp, pt, pl, echo, &echo_len)) {
			c->resp.want_close = true;
			return 0;
		}
		if (echo_len && seal_out(c, FTLS_CT_APPLICATION_DATA, echo, echo_len))
			return -1;
		return 0;
	}
	e = cp_hs_input_inner(c->hs, type, pt, pl);   /* errors and closes arrive as events */
	(void)e;
	return pump_events(c);
}

/* Reads what the socket has. -1: free the connection. */
static int on_readable(struct conn *c)
{
	for (int i = 0; i < 4 && !c->closing && !c->peer_eof; i++) {
		ssize_t n = recv(c->fd, rbuf, sizeof(rbuf), 0);
		if (n == 0) {
			c->peer_eof = true;
			break;
		}
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			if (errno == EINTR)
				continue;
			return -1;
		}
		ftls_deframer_feed(&c->df, rbuf, (size_t)n);
		for (;;) {
			const uint8_t *rec;
			size_t rl;
			enum ftls_err e = ftls_deframer_next(&c->df, &rec, &rl);
			if (e == FTLS_ERR_AGAIN)
				break;
			if (e) {
				/* A header nobody can parse: the engine sends the alert. */
				cp_hs_abort(c->hs, e);
				if (pump_events(c))
					return -1;
				c->closing = true;
				break;
			}
			if (!c->established) {
				e = cp_hs_input(c->hs, rec, rl);   /* errors arrive as events */
				(void)e;
				if (pump_events(c))
					return -1;
				if (c->established)
					cp_hs_trim(c->hs);
			} else if (on_app_record(c, rec, rl)) {
				return -1;
			}
			if (c->closing)
				break;
		}
		if ((size_t)n < sizeof(rbuf))
			break;
	}
	return flush(c);
}

static void on_accept(struct lsn *l)
{
	for (;;) {
		int fd = accept4(l->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
				LOG_WARN("standalone", "accept: %s", strerror(errno));
			return;
		}
		if (l->nb_conns >= l->cfg->max_connections) {
			close(fd);
			continue;
		}
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		struct conn *c = calloc(1, sizeof(*c));
		if (!c || !(c->asm_buf = malloc(FTLS_REC_MAX_LEN)) ||
		    !(c->hs = cp_hs_new(&l->l, ++next_conn_id))) {
			if (c) {
				free(c->asm_buf);
				free(c);
			}
			close(fd);
			continue;
		}
		c->fd = fd;
		c->lsn = l;
		c->resp.kind = l->cfg->responder;
		c->rx.version = c->tx.version = FTLS_V_TLS13;
		ftls_deframer_init(&c->df, c->asm_buf, FTLS_REC_MAX_LEN);
		c->deadline_ms = now_ms() + l->cfg->handshake_timeout_ms;
		c->prev = conns_tail;
		if (conns_tail)
			conns_tail->next = c;
		else
			conns_head = c;
		conns_tail = c;
		l->nb_conns++;
		struct epoll_event e = { .events = EPOLLIN | EPOLLRDHUP, .data.ptr = c };
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)) {
			conn_free(c);
			continue;
		}
	}
}

static void sweep(void)
{
	uint64_t t = now_ms();
	for (struct conn *c = conns_head, *next; c; c = next) {
		next = c->next;
		if (c->established || c->deadline_ms > t)
			continue;
		LOG_INFO("standalone", "conn %d: handshake timed out", c->fd);
		cp_hs_timeout(c->hs);
		(void)pump_events(c);
		conn_free(c);
	}
}

static int open_listener(struct lsn *l)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	int one = 1;

	memset(&ss, 0, sizeof(ss));
	if (inet_pton(AF_INET, l->cfg->address, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(l->cfg->port);
		sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, l->cfg->address, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(l->cfg->port);
		sl = sizeof(*a6);
	} else {
		LOG_ERR("standalone", "listener %s: bad address '%s'", l->cfg->name,
			l->cfg->address);
		return -1;
	}
	l->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (l->fd < 0)
		return -1;
	setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l->fd, (struct sockaddr *)&ss, sl) || listen(l->fd, 1024)) {
		LOG_ERR("standalone", "listener %s: %s:%u: %s", l->cfg->name, l->cfg->address,
			l->cfg->port, strerror(errno));
		return -1;
	}
	struct epoll_event e = { .events = EPOLLIN, .data.ptr = l };
	if (epoll_ctl(ep, EPOLL_CTL_ADD, l->fd, &e))
		return -1;
	LOG_INFO("standalone", "listener %s: listening on %s:%u (%s responder)", l->cfg->name,
		 l->cfg->address, l->cfg->port,
		 l->cfg->responder == FTLS_RESP_HTTP ? "http" : "echo");
	return 0;
}

int cp_standalone_run(const struct ftls_config *cfg)
{
	struct lsn *lsns = calloc(cfg->listeners_count, sizeof(*lsns));
	struct epoll_event evs[MAX_EVENTS];
	uint32_t slots = 16;
	char err[1024];
	int rc = 1;
	unsigned nb_lsn = 0;
	uint64_t last_sweep = now_ms();

	if (!lsns)
		return 1;
	for (unsigned i = 0; i < cfg->listeners_count; i++)
		slots += 4 * cfg->listeners[i].max_connections;
	struct ftls_crypto_conf cc = { .nb_qp = 1, .qp_depth = 64, .nb_slots = slots,
				       .dev_path = cfg->crypto->dev_path };
	const char *backend = ftls_cfg_backend_name(cfg->crypto->backend);
	if (ftls_crypto_open(backend, &cc, &dev)) {
		LOG_ERR("standalone", "crypto backend '%s' is not available", backend);
		free(lsns);
		return 1;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	for (; nb_lsn < cfg->listeners_count; nb_lsn++) {
		struct lsn *l = &lsns[nb_lsn];
		l->fd = -1;
		l->cfg = &cfg->listeners[nb_lsn];
		if (cp_listener_build(cfg, l->cfg, dev, &l->l, &l->certs, err, sizeof(err))) {
			LOG_ERR("standalone", "%s", err);
			rc = 2;   /* a config error: the caller's exit status says so */
			goto out;
		}
		if (open_listener(l))
			goto out_one;
	}
	rc = 0;
	while (!stop) {
		int n = epoll_wait(ep, evs, MAX_EVENTS, SWEEP_MS);
		if (n < 0 && errno != EINTR)
			break;
		for (int i = 0; i < n; i++) {
			void *p = evs[i].data.ptr;
			if (p >= (void *)lsns && p < (void *)(lsns + cfg->listeners_count)) {
				on_accept(p);
				continue;
			}
			struct conn *c = p;
			int r = 0;
			if (evs[i].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))
				r = on_readable(c);
			if (!r && (evs[i].events & EPOLLOUT))
				r = flush(c);
			if (r)
				conn_free(c);
		}
		if (now_ms() - last_sweep >= SWEEP_MS) {
			sweep();
			last_sweep = now_ms();
		}
	}
	LOG_INFO("standalone", "stopping");
	goto out;
out_one:
	nb_lsn++;
	rc = 1;
out:
	/* Connections first (they point at listeners), then listeners, then the device. */
	while (conns_head)
		conn_free(conns_head);
	for (unsigned i = 0; i < nb_lsn; i++)
		if (lsns[i].fd >= 0)
			close(lsns[i].fd);
	for (unsigned i = 0; i < nb_lsn; i++)
		cp_listener_release(&lsns[i].l, &lsns[i].certs);
	close(ep);
	ftls_crypto_close(dev);
	free(lsns);
	return rc;
}
