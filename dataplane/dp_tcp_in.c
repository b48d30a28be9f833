/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP input (RFC 9293 §3.10.7): segment validation (checksum, offset, options, flags), the
 * LISTEN, SYN-SENT and synchronised-state processing, with RFC 5961 challenge ACKs for blind
 * RST/SYN, PAWS (RFC 7323), SACK scoreboard updates, NewReno/SACK fast recovery (RFC 5681,
 * 6582, 6675 in spirit), bounded out-of-order reassembly and SYN cookies when the backlog or the
 * table is full. Events go to the application as the state changes; output is left to
 * dp_conn_after(). Not for: building segments (dp_tcp_out.c) or timers (dp_tcp_timer.c).
 */
#include <string.h>

#include "common/log.h"
#include "dataplane/dp_int.h"

static uint16_t ld16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t ld32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Decodes the options of a segment; false when malformed. */
static bool parse_options(struct dp_seg *s, const uint8_t *o, size_t len)
{
	while (len > 0) {
		uint8_t kind = o[0], olen;
		if (kind == 0)
			break;
		if (kind == 1) {
			o++;
			len--;
			continue;
		}
		if (len < 2)
			return false;
		olen = o[1];
		if (olen < 2 || olen > len)
			return false;
		switch (kind) {
		case 2:
			if (olen != 4)
				return false;
			s->has_mss = true;
			s->mss = ld16(o + 2);
			break;
		case 3:
			if (olen != 3)
				return false;
			s->has_ws = true;
			s->ws = o[2] > 14 ? 14 : o[2];  /* RFC 7323 §2.3: clamp to 14 */
			break;
		case 4:
			if (olen != 2)
				return false;
			s->sack_ok = true;
			break;
		case 5:
			if (olen < 10 || (olen - 2) % 8 != 0 || olen > 34)
				return false;
			s->n_sack = (uint8_t)((olen - 2) / 8);
			for (unsigned i = 0; i < s->n_sack; i++) {
				s->sack[i].start = ld32(o + 2 + 8 * i);
				s->sack[i].end = ld32(o + 6 + 8 * i);
			}
			break;
		case 8:
			if (olen != 10)
				return false;
			s->has_ts = true;
			s->tsval = ld32(o + 2);
			s->tsecr = ld32(o + 6);
			break;
		default:
			break;
		}
		o += olen;
		len -= olen;
	}
	return true;
}

static uint16_t max_mss(const struct dp_addr *a) { return dp_addr_is_v4(a) ? 1460 : 1440; }

/* Options of the peer's SYN into the TCB. */
static void take_syn_options(struct dp_tcp_conn *c, const struct dp_seg *s)
{
	uint16_t peer = s->has_mss ? s->mss : (dp_addr_is_v4(&c->key.raddr) ? 536 : 1220);
	uint16_t m = max_mss(&c->key.raddr);

	if (peer < 88)
		peer = 88;   /* absurdly small MSS values are a resource attack */
	c->peer_mss = peer;
	c->mss = peer < m ? peer : m;
	c->ws_ok = s->has_ws;
	c->snd_wscale = s->has_ws ? s->ws : 0;
	if (!c->ws_ok)
		c->rcv_wscale = 0;
	c->sack_ok = s->sack_ok;
	c->ts_ok = s->has_ts;
	if (s->has_ts) {
		c->ts_recent = s->tsval;
		c->ts_recent_at = c->st->now_us;
	}
	c->cwnd = 10u * c->mss;   /* RFC 6928 initial window */
}

/* ------------------------------------------------------------------ LISTEN */

static void listen_input(struct dp_stack *st, const struct dp_seg *s)
{
	struct dp_listener *l = dp_listener_find(st, s->key.lport);
	struct dp_tcp_conn *c;
	uint16_t mss;

	if (s->flags & TH_RST)
		return;
	if (!l) {
		DP_CNT_INC(st, TCP_NO_LISTENER);
		dp_tcp_send_rst_for(st, s);
		return;
	}
	if (s->flags & TH_ACK) {
		if (s->flags & TH_SYN) {
			dp_tcp_send_rst_for(st, s);
			return;
		}
		/* Only a SYN cookie makes an ACK to a listener legitimate. */
		if (!dp_cookie_check(st, &s->key, s->seq - 1, s->ack - 1, &mss)) {
			DP_CNT_INC(st, TCP_COOKIE_BAD);
			dp_tcp_send_rst_for(st, s);
			return;
		}
		c = dp_conn_alloc(st, &s->key);
		if (!c) {
			DP_CNT_INC(st, TCP_NOCONN);
			dp_tcp_send_rst_for(st, s);
			return;
		}
		DP_CNT_INC(st, TCP_COOKIE_OK);
		c->lst = l;
		c->app = l->app;
		c->arg = l->arg;
		c->passive = true;
		c->from_cookie = true;
		c->iss = s->ack - 1;
		dp_conn_init_tcb(c);
		c->rcv_wscale = 0;
		c->irs = s->seq - 1;
		c->rcv_nxt = s->seq;
		c->rcv_adv = c->rcv_nxt + dp_tcp_rcv_window(c);
		c->mss = mss;
		c->peer_mss = mss;
		c->cwnd = 10u * mss;
		c->snd_nxt = c->snd_max = c->iss + 1;
		c->snd_wl1 = s->seq - 1;
		dp_conn_set_state(c, DP_TCP_SYN_RECEIVED);
		return;  /* the caller runs the synchronised-state input on it */
	}
	if (!(s->flags & TH_SYN))
		return;
	if (l->syn_recv >= st->conf.syn_backlog || !st->free_head) {
		/* Backlog or table full: answer statelessly with a cookie (no options but MSS). */
		uint16_t peer = s->has_mss ? s->mss : 536;
		uint16_t m = max_mss(&s->key.raddr);
		DP_CNT_INC(st, TCP_BACKLOG_FULL);
		dp_tcp_send_synack_cookie(st, s, dp_cookie_make(st, &s->key, s->seq, peer < m ? peer : m),
					  peer < m ? peer : m);
		return;
	}
	c = dp_conn_alloc(st, &s->key);
	c->lst = l;
	c->app = l->app;
	c->arg = l->arg;
	c->passive = true;
	c->iss = dp_iss(st, &s->key);
	dp_conn_init_tcb(c);
	take_syn_options(c, s);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->snd_wnd = s->wnd;    /* never scaled in a SYN */
	c->snd_wl1 = s->seq;
	c->snd_wl2 = c->iss;
	dp_conn_set_state(c, DP_TCP_SYN_RECEIVED);
	c->need_output = true;
}

/* ------------------------------------------------------------------ helpers */

static void app_closed(struct dp_tcp_conn *c)
{
	if (c->app && !c->app_gone) {
		c->app_gone = true;
		DP_CNT_INC(c->st, TCP_CLOSED);
		if (c->app->closed)
			c->app->closed(c);
	}
}

static void enter_time_wait(struct dp_tcp_conn *c)
{
	dp_conn_set_state(c, DP_TCP_TIME_WAIT);
	c->rto_at = c->persist_at = c->delack_at = 0;
	c->tw_at = c->st->now_us + (uint64_t)c->st->conf.time_wait_ms * 1000;
	app_closed(c);
	dp_conn_drop_rcv(c);   /* the application is gone: nobody reads what it left */
}

static void sack_add(struct dp_tcp_conn *c, uint32_t start, uint32_t end)
{
	struct dp_range *r = c->sacked;
	unsigned n = c->n_sacked, i = 0;

	while (i < n && SEQ_LT(r[i].end, start))
		i++;
	if (i < n && SEQ_LEQ(r[i].start, end)) {
		/* Overlaps or touches r[i]: merge, then swallow followers. */
		if (SEQ_LT(start, r[i].start))
			r[i].start = start;
		if (SEQ_GT(end, r[i].end))
			r[i].end = end;
		while (i + 1 < n && SEQ_LEQ(r[i + 1].start, r[i].end)) {
			if (SEQ_GT(r[i + 1].end, r[i].end))
				r[i].end = r[i + 1].end;
			memmove(&r[i + 1], &r[i + 2], (n - i - 2) * sizeof(*r));
			n--;
		}
	} else {
		if (n == DP_SACK_MAX) {
			if (i == n)
				return;   /* keep the lower blocks: they guide the next retransmissions */
			n--;
		}
		memmove(&r[i + 1], &r[i], (n - i) * sizeof(*r));
		r[i].start = start;
		r[i].end = end;
		n++;
	}
	c->n_sacked = (uint8_t)n;
}

static void sack_trim(struct dp_tcp_conn *c)
{
	unsigned k = 0;

	for (unsigned i = 0; i < c->n_sacked; i++) {
		struct dp_range r = c->sacked[i];
		if (SEQ_LEQ(r.end, c->snd_una))
			continue;
		if (SEQ_LT(r.start, c->snd_una))
			r.start = c->snd_una;
		c->sacked[k++] = r;
	}
	c->n_sacked = (uint8_t)k;
}

static uint32_t sacked_bytes(const struct dp_tcp_conn *c)
{
	uint32_t n = 0;
	for (unsigned i = 0; i < c->n_sacked; i++)
		n += c->sacked[i].end - c->sacked[i].start;
	return n;
}

static void enter_recovery(struct dp_tcp_conn *c)
{
	uint32_t flight = c->snd_max - c->snd_una;

	c->ssthresh = flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
	c->cwnd = c->ssthresh + 3u * c->mss;
	c->recover = c->snd_max;
	c->rexmit_nxt = c->snd_una;
	c->in_recovery = true;
	c->rexmit_budget = 1;
	c->rtt_timing = false;
	c->need_output = true;
	DP_CNT_INC(c->st, TCP_FAST_RETRANS);
}

/* The first n queued bytes are acknowledged: trim the head, drop buffers wholly acknowledged. */
static void snd_release(struct dp_tcp_conn *c, uint32_t n)
{
	struct dp_stack *st = c->st;

	c->s_len -= n;
	c->s_seq += n;
	while (c->sq.head != c->sq.tail) {
		struct dp_view *v = DP_VQ_AT(&c->sq, c->sq.head);
		if (v->len > n) {
			v->p += n;
			v->len -= n;
			v->seq += n;
			break;
		}
		n -= v->len;
		dp_view_drop(st, v);
		c->s_true -= st->truesize;
		c->sq.head++;
	}
	if (c->sq.head == c->sq.tail)
		c->s_tail_end = NULL;   /* the buffer small writes were filling went with the rest */
}

/* Processes the ACK field of an acceptable segment; false to stop processing the segment. */
static bool ack_input(struct dp_tcp_conn *c, const struct dp_seg *s)
{
	struct dp_stack *st = c->st;
	const uint32_t ack = s->ack;

	if (SEQ_GT(ack, c->snd_max)) {
		DP_CNT_INC(st, TCP_ACK_INVALID);
		c->ack_now = true;
		return false;
	}
	if (c->sack_ok)
		for (unsigned i = 0; i < s->n_sack; i++) {
			const struct dp_range *b = &s->sack[i];
			/* RFC 2018: ignore blocks that are empty, below snd_una or beyond what was sent. */
			if (SEQ_LT(b->start, b->end) && SEQ_GT(b->start, ack) && SEQ_LEQ(b->end, c->snd_max))
				sack_add(c, b->start, b->end);
		}
	/* Send window update, RFC 9293 §3.10.7.4 (wl1/wl2 guard against old segments). */
	if (SEQ_LT(c->snd_wl1, s->seq) || (c->snd_wl1 == s->seq && SEQ_LEQ(c->snd_wl2, ack))) {
		uint32_t w = (uint32_t)s->wnd << c->snd_wscale;
		if (w > c->snd_wnd)
			c->need_output = true;
		c->snd_wnd = w;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = ack;
		if (w > 0) {
			c->persist_at = 0;
			c->persist_shift = 0;
		}
	}
	if (SEQ_LEQ(ack, c->snd_una)) {
		/* Duplicate ACK (RFC 5681 §2 definition). */
		if (ack == c->snd_una && s->len == 0 && !(s->flags & (TH_SYN | TH_FIN)) &&
		    c->snd_max != c->snd_una) {
			c->dupacks++;
			if (!c->in_recovery &&
			    (c->dupacks == 3 || (c->sack_ok && sacked_bytes(c) >= 3u * c->mss)))
				enter_recovery(c);
			else if (c->in_recovery) {
				c->cwnd += c->mss;
				c->rexmit_budget = 1;
				c->need_output = true;
			}
		}
		return true;
	}
	/* New data acknowledged. */
	uint32_t acked = ack - c->snd_una;
	if (SEQ_GT(ack, c->s_seq)) {
		uint32_t data = ack - c->s_seq;
		if (data > c->s_len)
			data = c->s_len;   /* the rest is our FIN */
		snd_release(c, data);
	}
	if (c->ts_ok && s->has_ts && s->tsecr) {
		uint32_t ms = dp_tcp_tsnow(st) - s->tsecr;
		if (ms < 60000)
			dp_tcp_rtt_sample(c, ms * 1000 + 500);
	} else if (c->rtt_timing && SEQ_GT(ack, c->rtt_seq)) {
		c->rtt_timing = false;
		dp_tcp_rtt_sample(c, (uint32_t)(st->now_us - c->rtt_start));
	}
	c->backoff = 0;
	c->snd_una = ack;
	if (SEQ_LT(c->snd_nxt, c->snd_una))
		c->snd_nxt = c->snd_una;
	sack_trim(c);
	if (c->in_recovery) {
		if (SEQ_GEQ(ack, c->recover)) {
			c->in_recovery = false;
			c->cwnd = c->ssthresh;
		} else {
			/* Partial ACK (RFC 6582): retransmit the next hole, deflate. */
			c->cwnd = c->cwnd > acked ? c->cwnd - acked + c->mss : c->mss;
			c->rexmit_budget = 1;
		}
	} else if (c->cwnd < c->ssthresh) {
		c->cwnd += acked < 2u * c->mss ? acked : 2u * c->mss;
	} else {
		c->cwnd += (uint32_t)((uint64_t)c->mss * c->mss / c->cwnd) + 1;
	}
	c->dupacks = 0;
	if (c->snd_una == c->snd_max)
		c->rto_at = 0;
	else
		dp_tcp_arm_rto(c);
	c->need_output = true;
	return true;
}

/* ------------------------------------------------------------------ receive buffers */

/* Holds payload [seq, seq + len) at p as a view: a reference on the frame's buffer, or a copy. */
static bool view_take(struct dp_tcp_conn *c, uint32_t seq, const uint8_t *p, uint32_t len, struct dp_view *out)
{
	struct dp_stack *st = c->st;

	if (st->rx_pkt) {
		st->io.ref(st->io.ctx, st->rx_pkt);
		*out = (struct dp_view){ .pkt = st->rx_pkt, .p = p, .len = len, .seq = seq };
	} else {
		void *pkt;
		uint8_t *b = st->io.alloc(st->io.ctx, &pkt);
		if (!b) {
			DP_CNT_INC(st, TCP_RCV_NOBUF);
			return false;
		}
		memcpy(b, p, len);   /* len <= DP_FRAME_MAX (data_input) */
		*out = (struct dp_view){ .pkt = pkt, .p = b, .len = len, .seq = seq };
	}
	st->mem_held += st->truesize;
	return true;
}

/* Room for one more received buffer: a slot, the flow's cap (2 x rcvbuf) and the global cap. */
static bool rcv_room(const struct dp_tcp_conn *c, bool in_order)
{
	const struct dp_stack *st = c->st;

	if (in_order ? c->rq.tail - c->rq.head >= c->rq.cap : c->n_oq >= c->oq_cap)
		return false;
	return (uint64_t)c->r_true + c->o_true + st->truesize <= 2ull * st->conf.rcvbuf && dp_mem_ok(st, 1);
}

/* Recomputes the SACK ranges from the out-of-order views (their union, adjacent ones merged). */
static void ooo_rebuild(struct dp_tcp_conn *c)
{
	unsigned n = 0;

	for (uint32_t i = 0; i < c->n_oq; i++) {
		const struct dp_view *v = &c->oq[i];
		if (n && c->ooo[n - 1].end == v->seq)
			c->ooo[n - 1].end = v->seq + v->len;
		else if (n < DP_OOO_MAX)
			c->ooo[n++] = (struct dp_range){ v->seq, v->seq + v->len };
	}
	c->n_ooo = (uint8_t)n;
}

/*
 * Copies runs of small in-order views (under half a frame each) together into fresh buffers,
 * so a peer sending tiny segments cannot pin a buffer per byte. Order and bytes are unchanged.
 */
static void rcv_collapse(struct dp_tcp_conn *c)
{
	struct dp_stack *st = c->st;
	struct dp_vq *q = &c->rq;
	uint32_t r = q->head, w = q->head;

	while (r != q->tail) {
		struct dp_view *v = DP_VQ_AT(q, r);
		if (v->len >= DP_FRAME_MAX / 2 || r + 1 == q->tail || DP_VQ_AT(q, r + 1)->len >= DP_FRAME_MAX / 2 ||
		    v->len + DP_VQ_AT(q, r + 1)->len > DP_FRAME_MAX) {
			if (w != r)
				*DP_VQ_AT(q, w) = *v;
			w++;
			r++;
			continue;
		}
		void *pkt;
		uint8_t *b = st->io.alloc(st->io.ctx, &pkt);
		if (!b)
			break;
		struct dp_view nv = { .pkt = pkt, .p = b, .len = 0, .seq = v->seq };
		st->mem_held += st->truesize;
		while (r != q->tail && DP_VQ_AT(q, r)->len < DP_FRAME_MAX / 2 &&
		       nv.len + DP_VQ_AT(q, r)->len <= DP_FRAME_MAX) {
			struct dp_view *x = DP_VQ_AT(q, r);
			memcpy(b + nv.len, x->p, x->len);
			nv.len += x->len;
			dp_view_drop(st, x);
			c->r_true -= st->truesize;
			r++;
		}
		*DP_VQ_AT(q, w) = nv;
		c->r_true += st->truesize;
		w++;
		DP_CNT_INC(st, TCP_RCV_COLLAPSE);
	}
	while (r != q->tail)
		*DP_VQ_AT(q, w++) = *DP_VQ_AT(q, r++);
	q->tail = w;
}

/* Makes room for one more received buffer: collapse, then (for in-order data) prune out of order. */
static bool rcv_make_room(struct dp_tcp_conn *c, bool in_order)
{
	if (rcv_room(c, in_order))
		return true;
	rcv_collapse(c);
	if (!in_order || rcv_room(c, true))
		return rcv_room(c, in_order);
	while (c->n_oq && !rcv_room(c, true)) {
		dp_view_drop(c->st, &c->oq[--c->n_oq]);
		c->o_true -= c->st->truesize;
		DP_CNT_INC(c->st, TCP_OOO_PRUNE);
	}
	ooo_rebuild(c);
	return rcv_room(c, true);
}

/* Whether [start, end] would be a new SACK range rather than extend or overlap one. */
static bool ooo_new_block(const struct dp_tcp_conn *c, uint32_t start, uint32_t end)
{
	for (unsigned i = 0; i < c->n_ooo; i++)
		if (SEQ_LEQ(c->ooo[i].start, end) && SEQ_LEQ(start, c->ooo[i].end))
			return false;
	return true;
}

/* An out-of-order segment (inside the window, seq > rcv_nxt): held as a view, trimmed against held ones. */
static void ooo_input(struct dp_tcp_conn *c, uint32_t seq, const uint8_t *p, uint32_t len)
{
	struct dp_stack *st = c->st;
	uint32_t i = 0, end = seq + len;
	struct dp_view v;

	for (uint32_t k = 0; k < c->n_oq; k++) {
		const struct dp_view *o = &c->oq[k];
		if (SEQ_LEQ(o->seq, seq) && SEQ_GEQ(o->seq + o->len, end)) {
			DP_CNT_INC(st, TCP_OOO_DUP);
			return;
		}
	}
	if (ooo_new_block(c, seq, end) && c->n_ooo == DP_OOO_MAX) {
		DP_CNT_INC(st, TCP_OOO_DROP);
		return;
	}
	/* Views the new segment covers go; overlaps at either end trim the new one. */
	while (i < c->n_oq) {
		struct dp_view *o = &c->oq[i];
		const uint32_t oend = o->seq + o->len;
		if (SEQ_LEQ(oend, seq)) {
			i++;
			continue;
		}
		if (SEQ_GEQ(o->seq, end))
			break;
		if (SEQ_GEQ(o->seq, seq) && SEQ_LEQ(oend, end)) {
			dp_view_drop(st, o);
			c->o_true -= st->truesize;
			memmove(o, o + 1, (size_t)(c->n_oq - i - 1) * sizeof(*o));
			c->n_oq--;
			continue;
		}
		if (SEQ_LT(o->seq, seq)) {
			p += oend - seq;
			seq = oend;
			i++;
			continue;
		}
		end = o->seq;
		break;
	}
	len = end - seq;
	if (len == 0) {
		DP_CNT_INC(st, TCP_OOO_DUP);
		ooo_rebuild(c);
		return;
	}
	if (!rcv_make_room(c, false)) {
		DP_CNT_INC(st, TCP_RCV_MEM_DROP);
		ooo_rebuild(c);
		return;
	}
	if (!view_take(c, seq, p, len, &v)) {
		ooo_rebuild(c);
		return;
	}
	memmove(&c->oq[i + 1], &c->oq[i], (size_t)(c->n_oq - i) * sizeof(c->oq[0]));
	c->oq[i] = v;
	c->n_oq++;
	c->o_true += st->truesize;
	ooo_rebuild(c);
	c->sack_recent = seq;
	DP_CNT_INC(st, TCP_OOO);
}

static void rq_push(struct dp_tcp_conn *c, const struct dp_view *v)
{
	*DP_VQ_AT(&c->rq, c->rq.tail) = *v;
	c->rq.tail++;
	c->r_true += c->st->truesize;
	c->r_len += v->len;
	c->rcv_nxt += v->len;
}

/* Data of an acceptable segment; returns true when in-order data arrived. */
static bool data_input(struct dp_tcp_conn *c, uint32_t seq, const uint8_t *p, uint32_t len, bool *fin)
{
	struct dp_stack *st = c->st;
	const uint32_t space = dp_tcp_rcv_accept_window(c);
	struct dp_view v;

	if (SEQ_LT(seq, c->rcv_nxt)) {
		uint32_t skip = c->rcv_nxt - seq;
		if (skip >= len) {
			if (len)
				DP_CNT_INC(st, TCP_DUP);
			c->ack_now = true;
			if (skip > len)
				*fin = false;   /* an old FIN */
			return false;
		}
		DP_CNT_INC(st, TCP_DUP);
		seq += skip;
		p += skip;
		len -= skip;
	}
	if (SEQ_GT(seq + len, c->rcv_nxt + space)) {
		uint32_t over = seq + len - (c->rcv_nxt + space);
		len = over >= len ? 0 : len - over;
		*fin = false;
	}
	if (!st->rx_pkt && len > DP_FRAME_MAX) {
		len = DP_FRAME_MAX;   /* a copy takes one buffer; the rest comes again */
		*fin = false;
	}
	if (len == 0)
		return false;
	if (seq != c->rcv_nxt) {
		ooo_input(c, seq, p, len);
		c->ack_now = true;    /* RFC 5681 §4.2: an immediate (duplicate) ACK with SACK */
		*fin = false;         /* a FIN after a hole waits for its retransmission */
		return false;
	}
	if (!rcv_make_room(c, true)) {
		DP_CNT_INC(st, TCP_RCV_MEM_DROP);
		c->ack_now = true;
		*fin = false;
		return false;
	}
	if (!view_take(c, seq, p, len, &v)) {
		c->ack_now = true;
		*fin = false;
		return false;
	}
	rq_push(c, &v);
	if (c->n_oq) {
		/* Pull in out-of-order views the new data reached (trimming what it already covers). */
		uint32_t k = 0;
		while (k < c->n_oq && SEQ_LEQ(c->oq[k].seq, c->rcv_nxt) && c->rq.tail - c->rq.head < c->rq.cap) {
			struct dp_view o = c->oq[k++];
			c->o_true -= st->truesize;
			if (SEQ_LEQ(o.seq + o.len, c->rcv_nxt)) {
				dp_view_drop(st, &o);
				continue;
			}
			uint32_t skip = c->rcv_nxt - o.seq;
			o.p += skip;
			o.len -= skip;
			o.seq += skip;
			rq_push(c, &o);
		}
		memmove(&c->oq[0], &c->oq[k], (size_t)(c->n_oq - k) * sizeof(c->oq[0]));
		c->n_oq -= k;
		ooo_rebuild(c);
		c->ack_now = true;
	}
	/* Delayed ACK (RFC 9293 §3.8.6.3): at least every second full segment. */
	if (++c->segs_unacked >= 2)
		c->ack_now = true;
	else if (!c->delack_at)
		c->delack_at = st->now_us + (uint64_t)st->conf.delack_ms * 1000;
	return true;
}

/* ------------------------------------------------------------------ synchronised states */

static bool seq_acceptable(const struct dp_tcp_conn *c, uint32_t seq, uint32_t len)
{
	const uint32_t wnd = dp_tcp_rcv_accept_window(c);

	/* An empty segment exactly at the right edge is taken (as Linux does): a peer that filled
	 * our window sends its ACKs from there. */
	if (len == 0)
		return wnd == 0 ? seq == c->rcv_nxt
				: SEQ_LEQ(c->rcv_nxt, seq) && SEQ_LEQ(seq, c->rcv_nxt + wnd);
	if (wnd == 0)
		return false;
	return (SEQ_LEQ(c->rcv_nxt, seq) && SEQ_LT(seq, c->rcv_nxt + wnd)) ||
	       (SEQ_LEQ(c->rcv_nxt, seq + len - 1) && SEQ_LT(seq + len - 1, c->rcv_nxt + wnd));
}

static void syn_sent_input(struct dp_tcp_conn *c, const struct dp_seg *s)
{
	struct dp_stack *st = c->st;

	if ((s->flags & TH_ACK) && (SEQ_LEQ(s->ack, c->iss) || SEQ_GT(s->ack, c->snd_max))) {
		if (!(s->flags & TH_RST))
			dp_tcp_send_rst_for(st, s);
		return;
	}
	if (s->flags & TH_RST) {
		if (s->flags & TH_ACK) {
			DP_CNT_INC(st, TCP_RST_RCVD);
			dp_conn_finish(c, DP_FIN_RESET);
		}
		return;
	}
	if (!(s->flags & TH_SYN))
		return;
	take_syn_options(c, s);
	c->irs = s->seq;
	c->rcv_nxt = s->seq + 1;
	c->snd_wl1 = s->seq;
	c->snd_wnd = s->wnd;
	if (!(s->flags & TH_ACK)) {
		/* Simultaneous open. */
		dp_conn_set_state(c, DP_TCP_SYN_RECEIVED);
		c->snd_nxt = c->iss;
		c->need_output = true;
		return;
	}
	c->snd_wl2 = s->ack;
	c->snd_una = s->ack;
	c->rto_at = 0;
	c->backoff = 0;
	if (c->ts_ok && s->has_ts && s->tsecr)
		dp_tcp_rtt_sample(c, (dp_tcp_tsnow(st) - s->tsecr) * 1000 + 500);
	else if (c->rtt_timing)
		dp_tcp_rtt_sample(c, (uint32_t)(st->now_us - c->rtt_start));
	c->rtt_timing = false;
	dp_conn_set_state(c, DP_TCP_ESTABLISHED);
	DP_CNT_INC(st, TCP_CONNECTED);
	c->ack_now = true;
	if (c->app && c->app->connected)
		c->app->connected(c);
}

static void sync_input(struct dp_tcp_conn *c, struct dp_seg *s)
{
	struct dp_stack *st = c->st;
	const uint32_t seg_len = s->len + ((s->flags & TH_FIN) ? 1 : 0);
	bool fin = (s->flags & TH_FIN) != 0;

	/* PAWS, RFC 7323 §5.3 (not for RST; a 24-day idle makes ts_recent invalid). */
	if (c->ts_ok && s->has_ts && !(s->flags & TH_RST) && SEQ_LT(s->tsval, c->ts_recent) &&
	    st->now_us - c->ts_recent_at < 24ull * 86400 * 1000000) {
		DP_CNT_INC(st, TCP_PAWS);
		c->ack_now = true;
		return;
	}
	if (!seq_acceptable(c, s->seq, seg_len)) {
		if (s->len > 0 && dp_tcp_rcv_accept_window(c) == 0 && s->seq == c->rcv_nxt) {
			/* A probe into our zero window: take its ACK, drop its data. */
			s->len = 0;
			fin = false;
			c->ack_now = true;
		} else {
			DP_CNT_INC(st, TCP_OUT_OF_WINDOW);
			LOG_DEBUG("tcp", "out of window: %u->%u %s seq %u len %u flags %#x, rcv_nxt %u wnd %u",
				  s->key.rport, s->key.lport, dp_tcp_state_name(c), s->seq, seg_len, s->flags,
				  c->rcv_nxt, dp_tcp_rcv_window(c));
			if (s->flags & TH_RST)
				return;
			c->ack_now = true;
			/* RFC 9293 §3.10.7.4: with a closed window no segment is acceptable, "but special
			 * allowance should be made to accept valid ACKs". More generally a peer whose data
			 * we trimmed or that sent up to our window's edge sends ACKs we would otherwise
			 * ignore, stalling our own sending until its retransmission timer fires. The ACK
			 * field is still validated (ack_input refuses anything beyond snd_max), and only
			 * segments within one buffer of the window qualify (RFC 5961 §5 spirit). */
			const uint32_t near = st->conf.rcvbuf;
			if ((s->flags & (TH_ACK | TH_SYN)) == TH_ACK &&
			    SEQ_GEQ(s->seq + seg_len, c->rcv_nxt - near) && SEQ_LEQ(s->seq, c->rcv_nxt + near) &&
			    c->state != DP_TCP_SYN_RECEIVED && c->state != DP_TCP_TIME_WAIT) {
				s->len = 0;
				s->flags &= (uint8_t)~TH_FIN;
				(void)ack_input(c, s);
				if (c->state == DP_TCP_LAST_ACK && c->fin_sent && c->s_len == 0 &&
				    c->snd_una == c->s_seq + 1)
					dp_conn_finish(c, DP_FIN_CLOSED);
			}
			return;
		}
	}
	if (s->flags & TH_RST) {
		LOG_DEBUG("tcp", "rst in: %u->%u %s seq %u rcv_nxt %u", s->key.rport, s->key.lport,
			  dp_tcp_state_name(c), s->seq, c->rcv_nxt);
		/* RFC 5961 §3: reset only on an exact match, challenge otherwise. */
		if (s->seq != c->rcv_nxt) {
			DP_CNT_INC(st, TCP_RST_BAD);
			c->ack_now = true;
			return;
		}
		DP_CNT_INC(st, TCP_RST_RCVD);
		if (c->state == DP_TCP_SYN_RECEIVED && c->passive)
			c->app_gone = true;  /* never accepted: the application never knew */
		dp_conn_finish(c, c->state == DP_TCP_TIME_WAIT ? DP_FIN_SILENT : DP_FIN_RESET);
		return;
	}
	if (s->flags & TH_SYN) {
		if (c->state == DP_TCP_SYN_RECEIVED && s->seq == c->irs && !(s->flags & TH_ACK)) {
			c->snd_nxt = c->iss;    /* a retransmitted SYN: repeat the SYN-ACK */
			c->need_output = true;
			return;
		}
		DP_CNT_INC(st, TCP_SYN_BAD);  /* RFC 5961 §4: challenge ACK */
		c->ack_now = true;
		return;
	}
	if (!(s->flags & TH_ACK))
		return;
	/* Timestamps: RFC 7323 §4.3 update rule. */
	if (c->ts_ok && s->has_ts && SEQ_GEQ(s->tsval, c->ts_recent) && SEQ_LEQ(s->seq, c->last_ack_sent)) {
		c->ts_recent = s->tsval;
		c->ts_recent_at = st->now_us;
	}
	if (c->state == DP_TCP_SYN_RECEIVED) {
		if (SEQ_LEQ(s->ack, c->snd_una) || SEQ_GT(s->ack, c->snd_max)) {
			dp_tcp_send_rst_for(st, s);
			return;
		}
		dp_conn_set_state(c, DP_TCP_ESTABLISHED);
		c->snd_una = c->iss + 1;
		c->rto_at = 0;
		c->backoff = 0;
		if (!c->from_cookie) {
			if (c->ts_ok && s->has_ts && s->tsecr)
				dp_tcp_rtt_sample(c, (dp_tcp_tsnow(st) - s->tsecr) * 1000 + 500);
		}
		c->snd_wnd = (uint32_t)s->wnd << c->snd_wscale;
		c->snd_wl1 = s->seq;
		c->snd_wl2 = s->ack;
		DP_CNT_INC(st, TCP_ACCEPTED);
		if (c->app->accept && !c->app->accept(c, c->arg)) {
			DP_CNT_INC(st, TCP_APP_REFUSED);
			dp_tcp_abort(c);
			return;
		}
		if (c->release)
			return;
	}
	if (c->state == DP_TCP_TIME_WAIT) {
		if (fin) {   /* the peer lost our ACK of its FIN */
			c->ack_now = true;
			c->tw_at = st->now_us + (uint64_t)st->conf.time_wait_ms * 1000;
		}
		return;
	}
	if (!ack_input(c, s))
		return;
	const bool fin_acked = c->fin_sent && c->s_len == 0 && c->snd_una == c->s_seq + 1;
	switch (c->state) {
	case DP_TCP_FIN_WAIT_1:
		if (fin_acked)
			dp_conn_set_state(c, DP_TCP_FIN_WAIT_2);
		break;
	case DP_TCP_CLOSING:
		if (fin_acked) {
			enter_time_wait(c);
			return;
		}
		break;
	case DP_TCP_LAST_ACK:
		if (fin_acked) {
			dp_conn_finish(c, DP_FIN_CLOSED);
			return;
		}
		break;
	default:
		break;
	}
	if (c->state == DP_TCP_CLOSE_WAIT || c->state == DP_TCP_CLOSING || c->state == DP_TCP_LAST_ACK) {
		fin = false;  /* the peer already sent FIN: data or FIN now is a retransmission */
		if (s->len)
			c->ack_now = true;
	} else if (s->len || fin) {
		bool got = data_input(c, s->seq, s->data, s->len, &fin);
		if (fin && s->seq + s->len != c->rcv_nxt)
			fin = false;
		if (got && c->app && !c->app_gone && c->app->data)
			c->app->data(c);
		if (c->release)
			return;
	}
	if (fin) {
		c->rcv_nxt++;
		c->fin_rcvd = true;
		c->ack_now = true;
		switch (c->state) {
		case DP_TCP_ESTABLISHED:
			dp_conn_set_state(c, DP_TCP_CLOSE_WAIT);
			break;
		case DP_TCP_FIN_WAIT_1:
			dp_conn_set_state(c, DP_TCP_CLOSING);
			break;
		case DP_TCP_FIN_WAIT_2:
			enter_time_wait(c);
			break;
		default:
			break;
		}
		if (c->app && !c->app_gone && c->app->peer_closed)
			c->app->peer_closed(c);
	}
}

/* ------------------------------------------------------------------ entry */

void dp_tcp_input(struct dp_stack *st, const struct dp_addr *src, const struct dp_addr *dst,
		  const uint8_t *t, size_t len)
{
	struct dp_seg s;
	struct dp_tcp_conn *c;
	size_t doff;

	if (len < 20) {
		DP_CNT_INC(st, TCP_SHORT);
		return;
	}
	if (!st->rx_csum_good &&
	    dp_csum_fold(dp_csum_add(dp_csum_pseudo(src, dst, IPPROTO_TCP_, (uint32_t)len), t, len)) != 0) {
		DP_CNT_INC(st, TCP_BAD_CSUM);
		return;
	}
	doff = (size_t)(t[12] >> 4) * 4;
	if (doff < 20 || doff > len) {
		DP_CNT_INC(st, TCP_BAD_OFF);
		return;
	}
	memset(&s, 0, sizeof(s));
	if (!parse_options(&s, t + 20, doff - 20)) {
		DP_CNT_INC(st, TCP_BAD_OPT);
		return;
	}
	s.flags = t[13] & 0x3f;
	if ((s.flags & TH_SYN && s.flags & (TH_FIN | TH_RST)) || !(s.flags & (TH_SYN | TH_ACK | TH_RST))) {
		DP_CNT_INC(st, TCP_BAD_FLAGS);
		return;
	}
	s.key.raddr = *src;
	s.key.laddr = *dst;
	s.key.rport = ld16(t);
	s.key.lport = ld16(t + 2);
	if (s.key.rport == 0 || s.key.lport == 0) {
		DP_CNT_INC(st, TCP_BAD_FLAGS);
		return;
	}
	s.seq = ld32(t + 4);
	s.ack = ld32(t + 8);
	s.wnd = ld16(t + 14);
	s.data = t + doff;
	s.len = (uint32_t)(len - doff);
	DP_CNT_INC(st, TCP_SEGS_IN);

	st->depth++;
	c = dp_conn_lookup(st, &s.key);
	if (c && c->state == DP_TCP_TIME_WAIT && (s.flags & (TH_SYN | TH_ACK)) == TH_SYN) {
		/* RFC 6191 / RFC 9293 §3.6.1: a new incarnation may reuse a TIME_WAIT pair. */
		if ((c->ts_ok && s.has_ts && SEQ_GT(s.tsval, c->ts_recent)) || SEQ_GT(s.seq, c->rcv_nxt)) {
			DP_CNT_INC(st, TCP_TW_REUSE);
			dp_conn_release(c);
			c = NULL;
		}
	}
	if (!c) {
		listen_input(st, &s);
		c = dp_conn_lookup(st, &s.key);
		if (c && c->from_cookie && c->state == DP_TCP_SYN_RECEIVED)
			sync_input(c, &s);
	} else if (c->state == DP_TCP_SYN_SENT) {
		syn_sent_input(c, &s);
	} else {
		sync_input(c, &s);
	}
	if (c) {
		if (s.len)
			c->wupd_at = 0;   /* data flows again: the window update got through */
		if (!c->release && st->conf.idle_timeout_ms)
			c->idle_at = st->now_us + (uint64_t)st->conf.idle_timeout_ms * 1000;
		if (!c->release && c->want_writable && c->app && !c->app_gone &&
		    dp_tcp_send_space(c) >= st->conf.sndbuf / 4) {
			c->want_writable = false;
			if (c->app->writable)
				c->app->writable(c);
		}
		dp_conn_after(c);
	}
	st->depth--;
}
