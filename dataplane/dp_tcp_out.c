/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP output: building segments (IPv4/IPv6 + TCP header, options: MSS, window scale,
 * SACK-permitted, timestamps on SYNs; timestamps and SACK blocks after), deciding what to send
 * (new data within min(send window, cwnd), holes first during recovery, FIN, pure ACKs and
 * window updates), and the stateless segments (RST for unknown flows, SYN-ACK with a cookie).
 * Not for: deciding when to retransmit (dp_tcp_timer.c, dp_tcp_in.c).
 */
#include <string.h>

#include "common/log.h"
#include "dataplane/dp_int.h"

static void st16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void st32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

uint32_t dp_tcp_tsnow(const struct dp_stack *st) { return (uint32_t)(st->now_us / 1000) + 1; }

/*
 * The window to offer: the payload bytes still allowed (rcvbuf - r_len), and no more than the
 * buffers the memory caps still allow (per flow 2 x rcvbuf in truesize, global mem_max) can
 * carry at one full segment each.
 */
uint32_t dp_tcp_rcv_window(const struct dp_tcp_conn *c)
{
	const struct dp_stack *st = c->st;
	const uint64_t cap = 2ull * st->conf.rcvbuf, held = (uint64_t)c->r_true + c->o_true;
	uint64_t bufs = held >= cap ? 0 : (cap - held) / st->truesize;
	uint64_t glob = st->mem_held >= st->conf.mem_max ? 0 : (st->conf.mem_max - st->mem_held) / st->truesize;
	uint64_t slots = c->rq.cap - (c->rq.tail - c->rq.head);
	uint32_t w = c->r_len >= st->conf.rcvbuf ? 0 : st->conf.rcvbuf - c->r_len;

	if (glob < bufs)
		bufs = glob;
	if (slots < bufs)
		bufs = slots;
	bufs *= dp_addr_is_v4(&c->key.raddr) ? 1460 : 1440;
	return bufs < w ? (uint32_t)bufs : w;
}

uint32_t dp_tcp_rcv_accept_window(const struct dp_tcp_conn *c)
{
	uint32_t w = dp_tcp_rcv_window(c), adv = c->rcv_adv - c->rcv_nxt;

	/* What was advertised stays acceptable (the window never shrinks); rcv_adv is only
	 * meaningful once set, and never more than two buffers ahead. */
	if (SEQ_GT(c->rcv_adv, c->rcv_nxt) && adv <= 2 * c->st->conf.rcvbuf && adv > w)
		w = adv;
	return w;
}

/* Position of the send view holding seq (the last view when seq is at the end). */
static uint32_t sq_find(struct dp_tcp_conn *c, uint32_t seq)
{
	const struct dp_vq *q = &c->sq;
	uint32_t pos = c->s_cur_pos;

	if (pos - q->head >= q->tail - q->head || SEQ_LT(seq, DP_VQ_AT(q, pos)->seq))
		pos = q->head;
	while (pos + 1 != q->tail) {
		const struct dp_view *v = DP_VQ_AT(q, pos);
		if (SEQ_LT(seq, v->seq + v->len))
			break;
		pos++;
	}
	c->s_cur_pos = pos;
	return pos;
}

/* Gathers the send-queue bytes [seq, seq + len) as up to DP_CHAIN_MAX views; returns the bytes covered. */
static uint32_t sq_gather(struct dp_tcp_conn *c, uint32_t seq, uint32_t len, struct dp_iov *v, unsigned *n)
{
	const struct dp_vq *q = &c->sq;
	uint32_t done = 0;

	*n = 0;
	if (q->head == q->tail || len == 0)
		return 0;
	for (uint32_t pos = sq_find(c, seq); pos != q->tail && done < len && *n < DP_CHAIN_MAX; pos++) {
		const struct dp_view *w = DP_VQ_AT(q, pos);
		uint32_t off = seq + done - w->seq;
		if (SEQ_LT(seq + done, w->seq) || off >= w->len)
			continue;
		uint32_t k = w->len - off < len - done ? w->len - off : len - done;
		v[(*n)++] = (struct dp_iov){ .pkt = w->pkt, .p = w->p + off, .len = k };
		done += k;
	}
	return done;
}

uint32_t dp_tcp_chain_fit(struct dp_tcp_conn *c, uint32_t seq, uint32_t len)
{
	struct dp_iov v[DP_CHAIN_MAX];
	unsigned n;

	return sq_gather(c, seq, len, v, &n);
}

/* Adds bytes that start at an odd offset of the summed stream (RFC 1071 byte-order independence). */
static uint32_t csum_add_at(uint32_t sum, const uint8_t *p, size_t len, bool odd)
{
	uint32_t s = dp_csum_add(0, p, len);
	uint64_t t;

	if (odd) {
		while (s >> 16)
			s = (s & 0xffff) + (s >> 16);
		s = (s & 0xff) << 8 | s >> 8;
	}
	t = (uint64_t)sum + s;
	return (uint32_t)((t & 0xffffffff) + (t >> 32));
}

/*
 * Fills the TCP header and checksum at tcp for a segment of the given key, then hands the
 * frame to IP. opts: opt_len bytes already written after the 20-byte header; the payload
 * (plen bytes) follows in the buffer when n == 0, else in the views v[0..n).
 */
static void finish_and_send(struct dp_stack *st, void *pkt, uint8_t *f, const struct dp_flow_key *k,
			    uint32_t seq, uint32_t ack, uint8_t flags, uint16_t wnd, size_t opt_len,
			    size_t plen, const struct dp_iov *v, unsigned n)
{
	uint8_t *l3 = f + DP_ETH_HDR;
	size_t ihl = dp_addr_is_v4(&k->raddr) ? 20 : 40;
	uint8_t *t = l3 + ihl;
	size_t hlen = 20 + opt_len, tlen = hlen + plen;
	bool odd_piece = false;

	st16(t, k->lport);
	st16(t + 2, k->rport);
	st32(t + 4, seq);
	st32(t + 8, ack);
	t[12] = (uint8_t)(((20 + opt_len) / 4) << 4);
	t[13] = flags;
	st16(t + 14, wnd);
	st16(t + 16, 0);
	st16(t + 18, 0);
	dp_ip_header(st, l3, &k->laddr, &k->raddr, IPPROTO_TCP_, tlen);
	for (unsigned i = 0; i + 1 < n; i++)
		odd_piece |= (v[i].len & 1) != 0;
	if ((st->io.offloads & DP_IO_TX_TCP_CSUM) && !odd_piece) {
		/* The port finishes it: leave the folded, uncomplemented pseudo-header sum. */
		uint32_t ps = dp_csum_pseudo(&k->laddr, &k->raddr, IPPROTO_TCP_, (uint32_t)tlen);
		st16(t + 16, (uint16_t)~dp_csum_fold(ps));
	} else {
		uint32_t sum = dp_csum_pseudo(&k->laddr, &k->raddr, IPPROTO_TCP_, (uint32_t)tlen);
		size_t at = hlen;
		sum = dp_csum_add(sum, t, n ? hlen : tlen);
		for (unsigned i = 0; i < n; i++) {
			sum = csum_add_at(sum, v[i].p, v[i].len, (at & 1) != 0);
			at += v[i].len;
		}
		st16(t + 16, dp_csum_fold(sum));
	}
	DP_CNT_INC(st, TCP_SEGS_OUT);
	if (n)
		dp_ip_output_chain(st, pkt, f, ihl + hlen, v, n, plen, &k->raddr);
	else
		dp_ip_output(st, pkt, f, ihl + tlen, &k->raddr);
}

static uint8_t *tcp_start(struct dp_stack *st, const struct dp_flow_key *k, void **pkt)
{
	uint8_t *f = st->io.alloc(st->io.ctx, pkt);

	if (!f) {
		DP_CNT_INC(st, TX_NOBUF);
		return NULL;
	}
	return f + DP_ETH_HDR + (dp_addr_is_v4(&k->raddr) ? 20 : 40) + 20;  /* options start */
}

/* The MSS we announce: what our MTU allows. */
static uint16_t max_mss_for(const struct dp_tcp_conn *c)
{
	return dp_addr_is_v4(&c->key.raddr) ? 1460 : 1440;
}

static size_t syn_options(uint8_t *o, uint16_t mss, int ws, bool sack, bool ts, uint32_t tsval, uint32_t tsecr)
{
	size_t n = 0;

	o[n++] = 2; o[n++] = 4; st16(o + n, mss); n += 2;
	if (ws >= 0) {
		o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = (uint8_t)ws;
	}
	if (sack) {
		o[n++] = 1; o[n++] = 1; o[n++] = 4; o[n++] = 2;
	}
	if (ts) {
		o[n++] = 1; o[n++] = 1; o[n++] = 8; o[n++] = 10;
		st32(o + n, tsval); st32(o + n + 4, tsecr); n += 8;
	}
	return n;
}

/* Option bytes of a non-SYN segment with nsack SACK blocks. */
static size_t opt_len_for(const struct dp_tcp_conn *c, unsigned nsack)
{
	return (c->ts_ok ? 12 : 0) + (nsack ? 4 + 8 * nsack : 0);
}

static unsigned sack_blocks(const struct dp_tcp_conn *c)
{
	unsigned max = c->ts_ok ? 3 : 4;
	if (!c->sack_ok)
		return 0;
	return c->n_ooo < max ? c->n_ooo : max;
}

void dp_tcp_send_seg(struct dp_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags)
{
	struct dp_stack *st = c->st;
	void *pkt;
	uint8_t *o = tcp_start(st, &c->key, &pkt);
	size_t n = 0;
	uint32_t win = dp_tcp_rcv_window(c);
	uint16_t wfield;

	if (!o)
		return;
	if (flags & TH_SYN) {
		const bool synack = (flags & TH_ACK) != 0;
		/* On a SYN-ACK offer only what the peer offered (RFC 7323 §1.3, RFC 2018). */
		n = syn_options(o, max_mss_for(c), !synack || c->ws_ok ? c->rcv_wscale : -1,
				!synack || c->sack_ok, !synack || c->ts_ok, dp_tcp_tsnow(st), c->ts_recent);
		wfield = (uint16_t)(win > 65535 ? 65535 : win);
		seq = c->iss;
		if (flags & TH_ACK)
			c->rcv_adv = c->rcv_nxt + wfield;
	} else {
		unsigned nsack = (flags & TH_RST) ? 0 : sack_blocks(c);
		if (c->ts_ok) {
			o[n++] = 1; o[n++] = 1; o[n++] = 8; o[n++] = 10;
			st32(o + n, dp_tcp_tsnow(st));
			st32(o + n + 4, c->ts_recent);
			n += 8;
		}
		if (nsack) {
			o[n++] = 1; o[n++] = 1; o[n++] = 5; o[n++] = (uint8_t)(2 + 8 * nsack);
			/* The block holding the latest out-of-order arrival goes first (RFC 2018 §4). */
			unsigned first = 0;
			for (unsigned i = 0; i < c->n_ooo; i++)
				if (SEQ_LEQ(c->ooo[i].start, c->sack_recent) && SEQ_LT(c->sack_recent, c->ooo[i].end))
					first = i;
			st32(o + n, c->ooo[first].start); st32(o + n + 4, c->ooo[first].end); n += 8;
			for (unsigned i = 0, k = 1; i < c->n_ooo && k < nsack; i++) {
				if (i == first)
					continue;
				st32(o + n, c->ooo[i].start); st32(o + n + 4, c->ooo[i].end); n += 8;
				k++;
			}
		}
		uint32_t w = win >> c->rcv_wscale;
		/* Never shrink the window we advertised (RFC 9293 §3.8.6.2.1). */
		if (SEQ_LT(c->rcv_nxt + (w << c->rcv_wscale), c->rcv_adv) && SEQ_GT(c->rcv_adv, c->rcv_nxt))
			w = (c->rcv_adv - c->rcv_nxt + (1u << c->rcv_wscale) - 1) >> c->rcv_wscale;
		wfield = (uint16_t)(w > 65535 ? 65535 : w);
		if (!(flags & TH_RST))
			c->rcv_adv = c->rcv_nxt + ((uint32_t)wfield << c->rcv_wscale);
	}
	struct dp_iov v[DP_CHAIN_MAX];
	unsigned nv = 0;
	if (len) {
		/* The caller cut len to what chains (dp_tcp_chain_fit). */
		len = sq_gather(c, seq, len, v, &nv);
		if (SEQ_LT(seq, c->snd_max)) {
			DP_CNT_INC(st, TCP_RETRANS);
			if (c->rtt_timing && SEQ_LEQ(seq, c->rtt_seq))
				c->rtt_timing = false;   /* Karn's algorithm */
		}
	}
	const bool has_ack = (flags & TH_ACK) != 0;
	finish_and_send(st, pkt, o - 20 - (dp_addr_is_v4(&c->key.raddr) ? 20 : 40) - DP_ETH_HDR, &c->key,
			seq, has_ack ? c->rcv_nxt : 0, flags, wfield, n, len, v, nv);
	if (has_ack) {
		c->last_ack_sent = c->rcv_nxt;
		c->ack_now = false;
		c->delack_at = 0;
		c->segs_unacked = 0;
	}
}

void dp_tcp_send_ack(struct dp_tcp_conn *c)
{
	dp_tcp_send_seg(c, c->snd_nxt, 0, TH_ACK);
}

void dp_tcp_send_rst_for(struct dp_stack *st, const struct dp_seg *s)
{
	struct dp_flow_key k = s->key;
	void *pkt;
	uint8_t *o;

	if (s->flags & TH_RST)
		return;
	LOG_DEBUG("tcp", "rst out: %u->%u seq %u ack %u flags %#x len %u", s->key.rport, s->key.lport,
		  s->seq, s->ack, s->flags, s->len);
	o = tcp_start(st, &k, &pkt);
	if (!o)
		return;
	DP_CNT_INC(st, TCP_RST_SENT);
	uint8_t *f = o - 20 - (dp_addr_is_v4(&k.raddr) ? 20 : 40) - DP_ETH_HDR;
	if (s->flags & TH_ACK)
		finish_and_send(st, pkt, f, &k, s->ack, 0, TH_RST, 0, 0, 0, NULL, 0);
	else
		finish_and_send(st, pkt, f, &k, 0,
				s->seq + s->len + ((s->flags & TH_SYN) ? 1 : 0) + ((s->flags & TH_FIN) ? 1 : 0),
				TH_RST | TH_ACK, 0, 0, 0, NULL, 0);
}

void dp_tcp_send_synack_cookie(struct dp_stack *st, const struct dp_seg *s, uint32_t iss, uint16_t mss)
{
	struct dp_flow_key k = s->key;
	void *pkt;
	uint8_t *o = tcp_start(st, &k, &pkt);
	size_t n;

	if (!o)
		return;
	/* No window scale, SACK or timestamps: a cookie has no room to remember them. */
	n = syn_options(o, mss, -1, false, false, 0, 0);
	finish_and_send(st, pkt, o - 20 - (dp_addr_is_v4(&k.raddr) ? 20 : 40) - DP_ETH_HDR, &k, iss,
			s->seq + 1, TH_SYN | TH_ACK, (uint16_t)(st->conf.rcvbuf > 65535 ? 65535 : st->conf.rcvbuf),
			n, 0, NULL, 0);
}

/* The next hole to retransmit during recovery: [*seq, *seq + *len), below the highest SACK. */
static bool next_hole(const struct dp_tcp_conn *c, uint32_t *seq, uint32_t *len, uint32_t maxlen)
{
	uint32_t s = SEQ_GT(c->rexmit_nxt, c->snd_una) ? c->rexmit_nxt : c->snd_una;
	uint32_t top = c->n_sacked ? c->sacked[c->n_sacked - 1].end : c->snd_una + maxlen;

	if (!c->n_sacked && s != c->snd_una)
		return false;       /* without SACK information only the first segment is known lost */
	for (unsigned i = 0; i < c->n_sacked; i++) {
		const struct dp_range *r = &c->sacked[i];
		if (SEQ_LT(s, r->start)) {
			uint32_t n = r->start - s;
			*seq = s;
			*len = n < maxlen ? n : maxlen;
			return true;
		}
		if (SEQ_LT(s, r->end))
			s = r->end;
	}
	if (c->n_sacked || SEQ_GEQ(s, top))
		return false;
	*seq = s;
	*len = maxlen;
	return true;
}

void dp_tcp_output(struct dp_tcp_conn *c)
{
	struct dp_stack *st = c->st;

	if (c->release)
		return;
	switch (c->state) {
	case DP_TCP_SYN_SENT:
		if (c->snd_nxt == c->iss) {
			dp_tcp_send_seg(c, c->iss, 0, TH_SYN);
			c->snd_nxt = c->snd_max = c->iss + 1;
			if (!c->rtt_timing) {
				c->rtt_timing = true;
				c->rtt_seq = c->iss;
				c->rtt_start = st->now_us;
			}
			if (!c->rto_at)
				dp_tcp_arm_rto(c);
		}
		return;
	case DP_TCP_SYN_RECEIVED:
		if (c->snd_nxt == c->iss) {
			dp_tcp_send_seg(c, c->iss, 0, TH_SYN | TH_ACK);
			c->snd_nxt = c->snd_max = c->iss + 1;
			if (!c->rto_at)
				dp_tcp_arm_rto(c);
		}
		return;
	case DP_TCP_ESTABLISHED:
	case DP_TCP_CLOSE_WAIT:
	case DP_TCP_FIN_WAIT_1:
	case DP_TCP_CLOSING:
	case DP_TCP_LAST_ACK:
		break;
	default:
		if (c->ack_now)
			dp_tcp_send_ack(c);
		return;
	}

	/* Payload per segment: the MSS less the options this segment carries, SACK blocks included
	 * (RFC 9293 §3.7.1); a full segment with SACK blocks would otherwise exceed the MTU. */
	const uint32_t pmss = c->mss - (uint32_t)opt_len_for(c, sack_blocks(c));
	const uint32_t data_end = c->s_seq + c->s_len;

	/* Recovery: holes first. */
	if (c->in_recovery) {
		uint32_t hs, hl;
		while (c->rexmit_budget && next_hole(c, &hs, &hl, pmss)) {
			if (SEQ_GT(hs + hl, data_end))
				hl = data_end - hs;
			/* A hole is data already sent: never past snd_max (a peer ACKing bytes beyond it
			 * would be refused as unsent data, RFC 9293 §3.10.7.4, and the flow would stick). */
			if (SEQ_GT(hs + hl, c->snd_max))
				hl = SEQ_GT(c->snd_max, hs) ? c->snd_max - hs : 0;
			hl = dp_tcp_chain_fit(c, hs, hl);
			if (hl == 0)
				break;
			dp_tcp_send_seg(c, hs, hl, TH_ACK);
			c->rexmit_nxt = hs + hl;
			c->rexmit_budget--;
		}
		c->rexmit_budget = 0;
	}
	/* New data (or go-back-N after a timeout) within min(snd_wnd, cwnd). */
	uint32_t wnd = c->snd_wnd < c->cwnd ? c->snd_wnd : c->cwnd;
	if (c->in_recovery) {
		/* SACKed bytes have left the network (RFC 6675 pipe, simplified). */
		uint32_t sb = 0;
		for (unsigned i = 0; i < c->n_sacked; i++)
			sb += c->sacked[i].end - c->sacked[i].start;
		wnd = c->cwnd + sb < c->snd_wnd ? c->cwnd + sb : c->snd_wnd;
	}
	while (SEQ_LT(c->snd_nxt, data_end)) {
		uint32_t avail = data_end - c->snd_nxt;
		uint32_t inflight = c->snd_nxt - c->snd_una;
		uint32_t usable = wnd > inflight ? wnd - inflight : 0;
		if (c->force_one && usable < pmss)
			usable = pmss;
		c->force_one = false;
		uint32_t n = avail < pmss ? avail : pmss;
		uint8_t flags = TH_ACK;
		if (n > usable)
			n = usable;
		if (n == 0)
			break;
		/* Sender silly-window avoidance: no small segments while data is in flight. */
		if (n < pmss && n < avail && inflight > 0)
			break;
		/* A segment chains at most DP_CHAIN_MAX buffers (tiny queued views make short segments). */
		n = dp_tcp_chain_fit(c, c->snd_nxt, n);
		if (n == 0)
			break;
		if (n == avail)
			flags |= TH_PSH;
		if (c->fin_queued && c->snd_nxt + n == data_end)
			flags |= TH_FIN;
		if (!c->ts_ok && !c->rtt_timing && c->snd_nxt == c->snd_max) {
			c->rtt_timing = true;
			c->rtt_seq = c->snd_nxt;
			c->rtt_start = st->now_us;
		}
		dp_tcp_send_seg(c, c->snd_nxt, n, flags);
		c->snd_nxt += n;
		if (flags & TH_FIN) {
			c->snd_nxt++;
			c->fin_sent = true;
		}
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->rto_at)
			dp_tcp_arm_rto(c);
	}
	if (c->fin_queued && c->snd_nxt == data_end) {
		dp_tcp_send_seg(c, c->snd_nxt, 0, TH_FIN | TH_ACK);
		c->snd_nxt++;
		c->fin_sent = true;
		if (SEQ_GT(c->snd_nxt, c->snd_max))
			c->snd_max = c->snd_nxt;
		if (!c->rto_at)
			dp_tcp_arm_rto(c);
	}
	/* Zero window with data waiting and nothing in flight: probe (RFC 9293 §3.8.6.1). */
	if (c->snd_wnd == 0 && SEQ_LT(c->snd_nxt, data_end) && c->snd_una == c->snd_max && !c->persist_at) {
		uint32_t rto = c->rto_us << (c->persist_shift < 6 ? c->persist_shift : 6);
		if (rto > st->conf.rto_max_ms * 1000)
			rto = st->conf.rto_max_ms * 1000;
		c->persist_at = st->now_us + rto;
	}
	/* Data outstanding must always have a timer, even when the window let nothing out now
	 * (after a timeout into a closed window, for instance): otherwise the flow stalls. */
	if (c->snd_una != c->snd_max && !c->rto_at)
		dp_tcp_arm_rto(c);
	if (c->ack_now)
		dp_tcp_send_ack(c);
}
