/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP, the parts that are not input, output or timers: the per-lcore connection table (a fixed
 * array with a free list and a hash of 4-tuples), listeners, the application API of dp_stack.h
 * (send, receive, close, abort, connect), initial sequence numbers (RFC 6528) and SYN cookies.
 * The keyed hash is SipHash-2-4, so neither the table nor the cookies can be steered by a peer
 * who does not know the per-stack key. Not for: segment processing (dp_tcp_in.c, dp_tcp_out.c).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "dataplane/dp_int.h"

static const char *const state_names[] = {
#define DP_TCP_STATE(name) #name,
#include "dataplane/dp_tcp_state.def"
#undef DP_TCP_STATE
};

/* ------------------------------------------------------------------ SipHash-2-4 */

#define ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))
#define SIPROUND                                                              \
	do {                                                                  \
		v0 += v1; v1 = ROTL(v1, 13); v1 ^= v0; v0 = ROTL(v0, 32);     \
		v2 += v3; v3 = ROTL(v3, 16); v3 ^= v2;                        \
		v0 += v3; v3 = ROTL(v3, 21); v3 ^= v0;                        \
		v2 += v1; v1 = ROTL(v1, 17); v1 ^= v2; v2 = ROTL(v2, 32);     \
	} while (0)

uint64_t dp_siphash(const uint64_t key[2], const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t v0 = 0x736f6d6570736575ull ^ key[0], v1 = 0x646f72616e646f6dull ^ key[1];
	uint64_t v2 = 0x6c7967656e657261ull ^ key[0], v3 = 0x7465646279746573ull ^ key[1];
	uint64_t b = (uint64_t)len << 56, m;
	size_t i;

	for (; len >= 8; len -= 8, p += 8) {
		m = 0;
		for (i = 0; i < 8; i++)
			m |= (uint64_t)p[i] << (8 * i);
		v3 ^= m;
		SIPROUND;
		SIPROUND;
		v0 ^= m;
	}
	for (i = 0; i < len; i++)
		b |= (uint64_t)p[i] << (8 * i);
	v3 ^= b;
	SIPROUND;
	SIPROUND;
	v0 ^= b;
	v2 ^= 0xff;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	SIPROUND;
	return v0 ^ v1 ^ v2 ^ v3;
}

/* ------------------------------------------------------------------ table */

static uint32_t key_hash(const struct dp_stack *st, const struct dp_flow_key *k)
{
	/* The key struct has no padding: 2 x 16 + 2 x 2 bytes. */
	return (uint32_t)dp_siphash(st->hash_key, k, sizeof(*k));
}

struct dp_tcp_conn *dp_conn_lookup(struct dp_stack *st, const struct dp_flow_key *k)
{
	uint32_t i = st->htab[key_hash(st, k) & st->hmask];

	while (i) {
		struct dp_tcp_conn *c = &st->conns[i - 1];
		if (c->key.rport == k->rport && c->key.lport == k->lport &&
		    memcmp(&c->key.raddr, &k->raddr, 16) == 0 && memcmp(&c->key.laddr, &k->laddr, 16) == 0)
			return c;
		i = c->hnext;
	}
	return NULL;
}

struct dp_tcp_conn *dp_conn_alloc(struct dp_stack *st, const struct dp_flow_key *k)
{
	struct dp_tcp_conn *c;
	uint32_t h;

	if (!st->free_head)
		return NULL;
	c = &st->conns[st->free_head - 1];
	st->free_head = c->hnext;
	const struct dp_vq sq = { .v = c->sq.v, .cap = c->sq.cap }, rq = { .v = c->rq.v, .cap = c->rq.cap };
	struct dp_view *oq = c->oq;
	const uint32_t idx = c->idx, oq_cap = c->oq_cap;
	memset(c, 0, sizeof(*c));
	c->idx = idx;
	c->st = st;
	c->sq = sq;
	c->rq = rq;
	c->oq = oq;
	c->oq_cap = oq_cap;
	c->key = *k;
	h = key_hash(st, k) & st->hmask;
	c->hnext = st->htab[h];
	st->htab[h] = idx + 1;
	c->anext = st->active_head;
	c->aprev = 0;
	if (st->active_head)
		st->conns[st->active_head - 1].aprev = idx + 1;
	st->active_head = idx + 1;
	st->in_use++;
	return c;
}

/* ------------------------------------------------------------------ buffers held */

bool dp_mem_ok(const struct dp_stack *st, uint32_t nbufs)
{
	return st->mem_held + (uint64_t)nbufs * st->truesize <= st->conf.mem_max;
}

void dp_view_drop(struct dp_stack *st, struct dp_view *v)
{
	st->io.free(st->io.ctx, v->pkt);
	st->mem_held -= st->truesize;
	v->pkt = NULL;
}

void dp_conn_drop_rcv(struct dp_tcp_conn *c)
{
	struct dp_stack *st = c->st;

	for (; c->rq.head != c->rq.tail; c->rq.head++)
		dp_view_drop(st, DP_VQ_AT(&c->rq, c->rq.head));
	for (uint32_t i = 0; i < c->n_oq; i++)
		dp_view_drop(st, &c->oq[i]);
	c->rq.head = c->rq.tail = 0;
	c->n_oq = 0;
	c->r_len = c->r_true = c->o_true = 0;
	c->n_ooo = 0;
}

void dp_conn_drop_bufs(struct dp_tcp_conn *c)
{
	dp_conn_drop_rcv(c);
	for (; c->sq.head != c->sq.tail; c->sq.head++)
		dp_view_drop(c->st, DP_VQ_AT(&c->sq, c->sq.head));
	c->sq.head = c->sq.tail = 0;
	c->s_true = 0;
	c->s_tail_end = NULL;
}

void dp_pkt_ref(struct dp_stack *st, void *pkt) { st->io.ref(st->io.ctx, pkt); }
void dp_pkt_free(struct dp_stack *st, void *pkt) { st->io.free(st->io.ctx, pkt); }
uint8_t *dp_pkt_alloc(struct dp_stack *st, void **pkt) { return st->io.alloc(st->io.ctx, pkt); }

void dp_tcp_mem(const struct dp_tcp_conn *c, size_t *rcv, size_t *snd)
{
	*rcv = (size_t)c->r_true + c->o_true;
	*snd = c->s_true;
}

void dp_conn_release(struct dp_tcp_conn *c)
{
	struct dp_stack *st = c->st;
	uint32_t h = key_hash(st, &c->key) & st->hmask;
	uint32_t *pp = &st->htab[h];

	dp_conn_drop_bufs(c);
	while (*pp && *pp != c->idx + 1)
		pp = &st->conns[*pp - 1].hnext;
	if (*pp)
		*pp = c->hnext;
	if (c->aprev)
		st->conns[c->aprev - 1].anext = c->anext;
	else
		st->active_head = c->anext;
	if (c->anext)
		st->conns[c->anext - 1].aprev = c->aprev;
	if (c->state == DP_TCP_SYN_RECEIVED && c->lst && c->lst->syn_recv)
		c->lst->syn_recv--;
	c->state = DP_TCP_CLOSED;
	c->hnext = st->free_head;
	st->free_head = c->idx + 1;
	st->in_use--;
}

void dp_conn_set_state(struct dp_tcp_conn *c, enum dp_tcp_state s)
{
	if (c->state == DP_TCP_SYN_RECEIVED && s != DP_TCP_SYN_RECEIVED && c->lst && c->lst->syn_recv)
		c->lst->syn_recv--;
	if (s == DP_TCP_SYN_RECEIVED && c->state != DP_TCP_SYN_RECEIVED && c->lst)
		c->lst->syn_recv++;
	c->state = (uint8_t)s;
}

const char *dp_tcp_state_name(const struct dp_tcp_conn *c)
{
	return c->state < DP_TCP__STATES ? state_names[c->state] : "?";
}

void dp_stack_conn_states(const struct dp_stack *st, uint64_t *counts)
{
	for (uint32_t i = st->active_head; i; i = st->conns[i - 1].anext)
		counts[st->conns[i - 1].state]++;
}

void dp_stack_dump_conns(const struct dp_stack *st, void *file, unsigned max)
{
	FILE *f = file;
	unsigned n = 0;

	for (uint32_t i = st->active_head; i && n < max; i = st->conns[i - 1].anext, n++) {
		const struct dp_tcp_conn *c = &st->conns[i - 1];
		const uint64_t now = st->now_us;
		fprintf(f, "dp-conn: %u->%u %s una %u nxt +%u max +%u unsent %u wnd %u cwnd %u ssth %u "
			"rto %uus(in %lldms) backoff %u rec %d sacked %u persist %lld rlen %u rwnd %u ooo %u "
			"fin q%d s%d r%d bufs r%u o%u s%u\n",
			c->key.rport, c->key.lport, state_names[c->state], c->snd_una, c->snd_nxt - c->snd_una,
			c->snd_max - c->snd_una, c->s_seq + c->s_len - c->snd_nxt, c->snd_wnd, c->cwnd,
			c->ssthresh, c->rto_us, c->rto_at ? (long long)(c->rto_at - now) / 1000 : -1,
			c->backoff, c->in_recovery, c->n_sacked,
			c->persist_at ? (long long)(c->persist_at - now) / 1000 : -1, c->r_len,
			dp_tcp_rcv_window(c), c->n_ooo, c->fin_queued, c->fin_sent, c->fin_rcvd,
			c->r_true / st->truesize, c->o_true / st->truesize, c->s_true / st->truesize);
	}
}

unsigned dp_tcp_state_count(void) { return DP_TCP__STATES; }
const char *dp_tcp_state_str(unsigned s) { return s < DP_TCP__STATES ? state_names[s] : "?"; }

struct dp_listener *dp_listener_find(struct dp_stack *st, uint16_t port)
{
	for (unsigned i = 0; i < st->n_lst; i++)
		if (st->lst[i].port == port)
			return &st->lst[i];
	return NULL;
}

enum ftls_err dp_tcp_listen(struct dp_stack *st, uint16_t port, const struct dp_tcp_app *app, void *arg)
{
	if (port == 0 || !app || dp_listener_find(st, port))
		return FTLS_ERR_CONFIG;
	if (st->n_lst == DP_MAX_LISTENERS)
		return FTLS_ERR_FULL;
	st->lst[st->n_lst++] = (struct dp_listener){ .port = port, .app = app, .arg = arg };
	return FTLS_OK;
}

/* ------------------------------------------------------------------ ISS and cookies */

uint32_t dp_iss(struct dp_stack *st, const struct dp_flow_key *k)
{
	/* RFC 6528: a 4 µs clock plus a keyed hash of the connection id. */
	return (uint32_t)(st->now_us / 4) + (uint32_t)dp_siphash(st->cookie_key, k, sizeof(*k));
}

static const uint16_t cookie_mss[8] = { 536, 1200, 1280, 1360, 1400, 1420, 1440, 1460 };

static uint32_t cookie_hash(struct dp_stack *st, const struct dp_flow_key *k, uint32_t peer_seq, uint32_t t)
{
	uint8_t m[sizeof(*k) + 8];

	memcpy(m, k, sizeof(*k));
	memcpy(m + sizeof(*k), &peer_seq, 4);
	memcpy(m + sizeof(*k) + 4, &t, 4);
	return (uint32_t)dp_siphash(st->cookie_key, m, sizeof(m));
}

/* Time slots of 64 s; a cookie is good in its slot and the next. */
static uint32_t cookie_time(const struct dp_stack *st) { return (uint32_t)(st->now_us >> 26); }

uint32_t dp_cookie_make(struct dp_stack *st, const struct dp_flow_key *k, uint32_t peer_seq, uint16_t mss)
{
	uint32_t t = cookie_time(st), i = 0;

	for (uint32_t j = 0; j < 8; j++)
		if (cookie_mss[j] <= mss)
			i = j;
	return (t & 31) << 27 | i << 24 | (cookie_hash(st, k, peer_seq, t) & 0xffffff);
}

bool dp_cookie_check(struct dp_stack *st, const struct dp_flow_key *k, uint32_t peer_seq,
		     uint32_t cookie, uint16_t *mss)
{
	uint32_t now = cookie_time(st);

	for (uint32_t t = now; t + 2 > now && t <= now; t--) {
		if ((cookie >> 27) != (t & 31))
			continue;
		if ((cookie & 0xffffff) != (cookie_hash(st, k, peer_seq, t) & 0xffffff))
			return false;
		*mss = cookie_mss[(cookie >> 24) & 7];
		return true;
	}
	return false;
}

/* ------------------------------------------------------------------ lifecycle */

void dp_conn_init_tcb(struct dp_tcp_conn *c)
{
	const struct dp_stack_conf *cf = &c->st->conf;

	c->s_seq = c->iss + 1;
	c->snd_una = c->snd_nxt = c->snd_max = c->iss;
	c->mss = dp_addr_is_v4(&c->key.raddr) ? 536 : 1220;
	c->rto_us = cf->rto_init_ms * 1000;
	c->ssthresh = 0x7fffffff;
	c->rcv_wscale = 0;
	while ((cf->rcvbuf >> c->rcv_wscale) > 65535 && c->rcv_wscale < 14)
		c->rcv_wscale++;
	c->idle_at = cf->idle_timeout_ms ? c->st->now_us + (uint64_t)cf->idle_timeout_ms * 1000 : 0;
}

void dp_conn_finish(struct dp_tcp_conn *c, int how)
{
	struct dp_stack *st = c->st;

	if (c->release)
		return;
	if (how == DP_FIN_CLOSED)
		DP_CNT_INC(st, TCP_CLOSED);
	else
		DP_CNT_INC(st, TCP_ABORTED);
	if (how == DP_FIN_TIMEOUT)
		DP_CNT_INC(st, TCP_TIMEOUT);
	c->release = true;
	if (c->app && !c->app_gone) {
		c->app_gone = true;
		if (how == DP_FIN_CLOSED && c->app->closed)
			c->app->closed(c);
		else if (how == DP_FIN_RESET && c->app->reset)
			c->app->reset(c);
		else if (how == DP_FIN_TIMEOUT && c->app->timeout)
			c->app->timeout(c);
	}
}

void dp_conn_after(struct dp_tcp_conn *c)
{
	if (c->release) {
		dp_conn_release(c);
		return;
	}
	if (c->need_output || c->ack_now) {
		c->need_output = false;
		dp_tcp_output(c);
	}
}

static void api_done(struct dp_tcp_conn *c)
{
	if (c->st->depth == 0)
		dp_conn_after(c);
}

/* ------------------------------------------------------------------ application API */

static bool can_send(const struct dp_tcp_conn *c)
{
	return !c->fin_queued && !c->release &&
	       (c->state == DP_TCP_ESTABLISHED || c->state == DP_TCP_CLOSE_WAIT ||
		c->state == DP_TCP_SYN_RECEIVED || c->state == DP_TCP_SYN_SENT);
}

/* New send buffers the caps allow: slots, the flow's memory (2 x sndbuf) and the global cap. */
static uint32_t snd_bufs_free(const struct dp_tcp_conn *c)
{
	const struct dp_stack *st = c->st;
	uint64_t slots = c->sq.cap - (c->sq.tail - c->sq.head);
	uint64_t cap = 2ull * st->conf.sndbuf, flow = c->s_true >= cap ? 0 : (cap - c->s_true) / st->truesize;
	uint64_t glob = st->mem_held >= st->conf.mem_max ? 0 : (st->conf.mem_max - st->mem_held) / st->truesize;
	uint64_t n = slots < flow ? slots : flow;
	return (uint32_t)(n < glob ? n : glob);
}

static size_t tail_room(const struct dp_tcp_conn *c)
{
	if (!c->s_tail_end || c->sq.head == c->sq.tail)
		return 0;
	const struct dp_view *t = DP_VQ_AT(&c->sq, c->sq.tail - 1);
	return (size_t)(c->s_tail_end - (t->p + t->len));
}

size_t dp_tcp_send_space(const struct dp_tcp_conn *c)
{
	if (!can_send(c) || c->s_len >= c->st->conf.sndbuf)
		return 0;
	size_t bytes = c->st->conf.sndbuf - c->s_len;
	size_t bufs = (size_t)snd_bufs_free(c) * DP_FRAME_MAX + tail_room(c);
	return bytes < bufs ? bytes : bufs;
}

void dp_tcp_want_writable(struct dp_tcp_conn *c) { c->want_writable = true; }

static void sq_push(struct dp_tcp_conn *c, void *pkt, const uint8_t *p, uint32_t len)
{
	struct dp_view *v = DP_VQ_AT(&c->sq, c->sq.tail);

	*v = (struct dp_view){ .pkt = pkt, .p = p, .len = len, .seq = c->s_seq + c->s_len };
	c->sq.tail++;
	c->s_len += len;
	c->s_true += c->st->truesize;
	c->st->mem_held += c->st->truesize;
}

size_t dp_tcp_send(struct dp_tcp_conn *c, const void *data, size_t len)
{
	struct dp_stack *st = c->st;
	const uint8_t *src = data;
	size_t done = 0;

	if (!can_send(c)) {
		if (len)
			c->want_writable = true;
		return 0;
	}
	while (done < len && c->s_len < st->conf.sndbuf) {
		size_t want = len - done, room = tail_room(c);
		if (want > st->conf.sndbuf - c->s_len)
			want = st->conf.sndbuf - c->s_len;
		if (room) {
			/* Small writes share the buffer the last one started. */
			struct dp_view *t = DP_VQ_AT(&c->sq, c->sq.tail - 1);
			size_t k = want < room ? want : room;
			memcpy((uint8_t *)t->p + t->len, src + done, k);
			t->len += (uint32_t)k;
			c->s_len += (uint32_t)k;
			done += k;
			continue;
		}
		void *pkt;
		uint8_t *b;
		if (snd_bufs_free(c) == 0 || (b = st->io.alloc(st->io.ctx, &pkt)) == NULL)
			break;
		sq_push(c, pkt, b, 0);
		c->s_tail_end = b + DP_FRAME_MAX;
	}
	if (done < len)
		c->want_writable = true;
	if (done == 0)
		return 0;
	c->need_output = true;
	api_done(c);
	return done;
}

size_t dp_tcp_send_pkts(struct dp_tcp_conn *c, const struct dp_iov *v, unsigned n)
{
	struct dp_stack *st = c->st;
	size_t done = 0, total = 0;

	for (unsigned i = 0; i < n; i++)
		total += v[i].len;
	if (!st->io.ref) {
		/* An I/O side without references: copying is all there is. */
		for (unsigned i = 0; i < n; i++) {
			size_t k = dp_tcp_send(c, v[i].p, v[i].len);
			done += k;
			if (k < v[i].len)
				break;
		}
		return done;
	}
	if (!can_send(c)) {
		if (total)
			c->want_writable = true;
		return 0;
	}
	for (unsigned i = 0; i < n; i++) {
		uint32_t k = v[i].len;
		if (k == 0)
			continue;
		if (c->s_len >= st->conf.sndbuf || snd_bufs_free(c) == 0)
			break;
		if (k > st->conf.sndbuf - c->s_len)
			k = st->conf.sndbuf - c->s_len;
		st->io.ref(st->io.ctx, v[i].pkt);
		sq_push(c, v[i].pkt, v[i].p, k);
		c->s_tail_end = NULL;
		done += k;
		if (k < v[i].len)
			break;
	}
	if (done < total)
		c->want_writable = true;
	if (done == 0)
		return 0;
	c->need_output = true;
	api_done(c);
	return done;
}

size_t dp_tcp_recv_avail(const struct dp_tcp_conn *c) { return c->r_len; }

unsigned dp_tcp_recv_segs(const struct dp_tcp_conn *c, struct dp_iov *v, unsigned max)
{
	unsigned k = 0;

	for (uint32_t pos = c->rq.head; pos != c->rq.tail && k < max; pos++) {
		const struct dp_view *r = &c->rq.v[pos % c->rq.cap];
		if (r->len)
			v[k++] = (struct dp_iov){ .pkt = r->pkt, .p = r->p, .len = r->len };
	}
	return k;
}

size_t dp_tcp_recv_peek(const struct dp_tcp_conn *c, const uint8_t **p)
{
	struct dp_iov v;

	if (dp_tcp_recv_segs(c, &v, 1) == 0) {
		*p = NULL;
		return 0;
	}
	*p = v.p;
	return v.len;
}

size_t dp_tcp_recv_copy(const struct dp_tcp_conn *c, size_t off, void *dst, size_t n)
{
	uint8_t *d = dst;
	size_t done = 0;

	for (uint32_t pos = c->rq.head; pos != c->rq.tail && done < n; pos++) {
		const struct dp_view *r = &c->rq.v[pos % c->rq.cap];
		if (off >= r->len) {
			off -= r->len;
			continue;
		}
		size_t k = r->len - off < n - done ? r->len - off : n - done;
		memcpy(d + done, r->p + off, k);
		done += k;
		off = 0;
	}
	return done;
}

void dp_tcp_recv_consume(struct dp_tcp_conn *c, size_t n)
{
	struct dp_stack *st = c->st;
	const uint32_t cap = st->conf.rcvbuf;
	uint32_t before = dp_tcp_rcv_window(c);

	if (n > c->r_len)
		n = c->r_len;
	c->r_len -= (uint32_t)n;
	while (c->rq.head != c->rq.tail) {
		struct dp_view *r = DP_VQ_AT(&c->rq, c->rq.head);
		if (r->len > n) {
			r->p += n;
			r->len -= (uint32_t)n;
			r->seq += (uint32_t)n;
			break;
		}
		n -= r->len;
		dp_view_drop(st, r);
		c->r_true -= st->truesize;
		c->rq.head++;
	}
	/* Window update (RFC 9293 §3.8.6.2.2): tell the peer once the window grew by 2 MSS or half the buffer. */
	uint32_t after = dp_tcp_rcv_window(c);
	if (c->state >= DP_TCP_ESTABLISHED && after - before > 0 &&
	    (before < 2u * c->mss || after - before >= cap / 2) && after >= 2u * c->mss) {
		c->ack_now = true;
		/* Reopening a (nearly) closed window: if that ACK is lost the peer only learns of it
		 * from its persist timer, which may have backed off for a long time; repeat it. */
		if (before < 2u * c->mss) {
			c->wupd_at = c->st->now_us + c->rto_us;
			c->wupd_tries = 0;
		}
	}
	api_done(c);
}

void dp_tcp_close(struct dp_tcp_conn *c)
{
	if (c->fin_queued || c->release)
		return;
	switch (c->state) {
	case DP_TCP_SYN_SENT:
		dp_conn_finish(c, DP_FIN_SILENT);
		c->app_gone = true;
		break;
	case DP_TCP_SYN_RECEIVED:
	case DP_TCP_ESTABLISHED:
		c->fin_queued = true;
		dp_conn_set_state(c, DP_TCP_FIN_WAIT_1);
		c->need_output = true;
		break;
	case DP_TCP_CLOSE_WAIT:
		c->fin_queued = true;
		dp_conn_set_state(c, DP_TCP_LAST_ACK);
		c->need_output = true;
		break;
	default:
		break;
	}
	api_done(c);
}

void dp_tcp_abort(struct dp_tcp_conn *c)
{
	if (c->release)
		return;
	c->app_gone = true;  /* no event for what the application did itself */
	if (c->state != DP_TCP_SYN_SENT && c->state != DP_TCP_TIME_WAIT) {
		dp_tcp_send_seg(c, c->snd_nxt, 0, TH_RST | TH_ACK);
		DP_CNT_INC(c->st, TCP_RST_SENT);
	}
	dp_conn_finish(c, DP_FIN_SILENT);
	api_done(c);
}

void *dp_tcp_arg(const struct dp_tcp_conn *c) { return c->arg; }
void dp_tcp_set_arg(struct dp_tcp_conn *c, void *arg) { c->arg = arg; }
void *dp_tcp_scratch(struct dp_tcp_conn *c) { return c->scratch; }
struct dp_stack *dp_tcp_stack(const struct dp_tcp_conn *c) { return c->st; }

enum ftls_err dp_tcp_connect(struct dp_stack *st, const struct dp_addr *raddr, uint16_t rport,
			     const struct dp_tcp_app *app, void *arg, uint64_t now_us,
			     struct dp_tcp_conn **out)
{
	struct dp_flow_key k;
	struct dp_tcp_conn *c;

	st->now_us = now_us;
	memset(&k, 0, sizeof(k));
	k.raddr = *raddr;
	k.rport = rport;
	k.laddr = dp_addr_is_v4(raddr) ? st->conf.ip4 : st->conf.ip6;
	if (rport == 0 || !app || (dp_addr_is_v4(raddr) ? st->conf.ip4_prefix == 0 : st->conf.ip6_prefix == 0))
		return FTLS_ERR_CONFIG;
	for (unsigned tries = 0;; tries++) {
		if (tries == 16384)
			return FTLS_ERR_FULL;
		k.lport = st->next_eport;
		st->next_eport = st->next_eport == 65535 ? 49152 : st->next_eport + 1;
		if (!dp_listener_find(st, k.lport) && !dp_conn_lookup(st, &k))
			break;
	}
	c = dp_conn_alloc(st, &k);
	if (!c) {
		DP_CNT_INC(st, TCP_NOCONN);
		return FTLS_ERR_FULL;
	}
	c->app = app;
	c->arg = arg;
	c->iss = dp_iss(st, &k);
	dp_conn_init_tcb(c);
	c->state = DP_TCP_SYN_SENT;
	c->need_output = true;
	*out = c;
	api_done(c);
	return FTLS_OK;
}
