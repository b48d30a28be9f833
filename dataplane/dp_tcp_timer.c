/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TCP timers: retransmission (RFC 6298: SRTT/RTTVAR, exponential backoff, a bounded number of
 * retries), zero-window probes (persist), delayed ACKs, idle timeouts and TIME_WAIT expiry. Every
 * connection carries absolute deadlines; dp_tcp_timers() walks the connections in use once per
 * millisecond tick. Not for: when a timer is armed by input or output (those files arm them).
 */
#include "dataplane/dp_int.h"

void dp_tcp_rtt_sample(struct dp_tcp_conn *c, uint32_t r)
{
	const struct dp_stack_conf *cf = &c->st->conf;
	uint64_t rto;

	if (r == 0)
		r = 1;
	if (c->srtt_us == 0) {
		c->srtt_us = r;
		c->rttvar_us = r / 2;
	} else {
		uint32_t d = c->srtt_us > r ? c->srtt_us - r : r - c->srtt_us;
		c->rttvar_us = (3 * c->rttvar_us + d) / 4;
		c->srtt_us = (7 * c->srtt_us + r) / 8;
	}
	/* RTO = SRTT + max(G, 4 RTTVAR), G = 1 ms tick; clamped to [min, max]. */
	rto = (uint64_t)c->srtt_us + (4ull * c->rttvar_us > 1000 ? 4ull * c->rttvar_us : 1000);
	if (rto < (uint64_t)cf->rto_min_ms * 1000)
		rto = (uint64_t)cf->rto_min_ms * 1000;
	if (rto > (uint64_t)cf->rto_max_ms * 1000)
		rto = (uint64_t)cf->rto_max_ms * 1000;
	c->rto_us = (uint32_t)rto;
}

void dp_tcp_arm_rto(struct dp_tcp_conn *c)
{
	c->rto_at = c->st->now_us + c->rto_us;
}

static void rto_expired(struct dp_tcp_conn *c)
{
	struct dp_stack *st = c->st;
	const struct dp_stack_conf *cf = &st->conf;

	if (c->backoff >= cf->max_retries) {
		if (c->state == DP_TCP_SYN_RECEIVED && c->passive)
			c->app_gone = true;   /* never accepted */
		else if (c->state != DP_TCP_SYN_SENT) {
			dp_tcp_send_seg(c, c->snd_nxt, 0, TH_RST | TH_ACK);
			DP_CNT_INC(st, TCP_RST_SENT);
		}
		dp_conn_finish(c, DP_FIN_TIMEOUT);
		return;
	}
	DP_CNT_INC(st, TCP_RTO);
	c->backoff++;
	uint64_t rto = (uint64_t)c->rto_us * 2;
	if (rto > (uint64_t)cf->rto_max_ms * 1000)
		rto = (uint64_t)cf->rto_max_ms * 1000;
	c->rto_us = (uint32_t)rto;
	if (c->state == DP_TCP_SYN_SENT || c->state == DP_TCP_SYN_RECEIVED) {
		c->snd_nxt = c->iss;   /* output repeats the SYN / SYN-ACK */
		c->rtt_timing = false;
		/* RFC 6298 §5.7: a lost SYN means a 3 s RTO once the connection is up. */
		c->need_output = true;
		c->rto_at = 0;
		return;
	}
	/* RFC 5681 §3.1 eq. 4, then go back to snd_una with a one-segment window. */
	uint32_t flight = c->snd_max - c->snd_una;
	c->ssthresh = flight / 2 > 2u * c->mss ? flight / 2 : 2u * c->mss;
	c->cwnd = c->mss;
	c->in_recovery = false;
	c->dupacks = 0;
	c->n_sacked = 0;   /* RFC 2018 §8: the receiver may have reneged */
	c->snd_nxt = c->snd_una;
	c->rtt_timing = false;
	if (c->fin_sent && c->s_len == 0 && c->snd_una == c->s_seq)
		c->fin_sent = false;   /* the FIN itself is resent */
	c->rto_at = 0;
	c->force_one = true;   /* the head segment goes out even into a closed window */
	c->need_output = true;
}

static void persist_expired(struct dp_tcp_conn *c)
{
	struct dp_stack *st = c->st;

	c->persist_at = 0;
	if (c->snd_wnd != 0 || c->snd_una != c->snd_max)
		return;
	/* A probe at snd_una - 1 carries no new data and forces an ACK with the current window. */
	DP_CNT_INC(st, TCP_ZWP);
	dp_tcp_send_seg(c, c->snd_una - 1, 0, TH_ACK);
	if (c->persist_shift < 10)
		c->persist_shift++;
	c->need_output = true;   /* re-arms the persist timer with the longer interval */
}

static void conn_timers(struct dp_tcp_conn *c)
{
	struct dp_stack *st = c->st;
	const uint64_t now = st->now_us;

	if (c->tw_at && now >= c->tw_at) {
		c->app_gone = true;
		dp_conn_finish(c, DP_FIN_SILENT);
		return;
	}
	if (c->idle_at && now >= c->idle_at && c->state != DP_TCP_TIME_WAIT) {
		if (c->state != DP_TCP_SYN_SENT && !(c->state == DP_TCP_SYN_RECEIVED && c->passive)) {
			dp_tcp_send_seg(c, c->snd_nxt, 0, TH_RST | TH_ACK);
			DP_CNT_INC(st, TCP_RST_SENT);
		} else if (c->passive) {
			c->app_gone = true;
		}
		dp_conn_finish(c, DP_FIN_TIMEOUT);
		return;
	}
	if (c->rto_at && now >= c->rto_at) {
		c->rto_at = 0;
		rto_expired(c);
		if (c->release)
			return;
	}
	if (c->persist_at && now >= c->persist_at)
		persist_expired(c);
	if (c->wupd_at && now >= c->wupd_at) {
		c->wupd_at = 0;
		if (c->state == DP_TCP_ESTABLISHED || c->state == DP_TCP_FIN_WAIT_1 || c->state == DP_TCP_FIN_WAIT_2) {
			DP_CNT_INC(st, TCP_WND_UPDATE);
			c->ack_now = true;
			if (++c->wupd_tries < 4)
				c->wupd_at = now + ((uint64_t)c->rto_us << c->wupd_tries);
		}
	}
	if (c->delack_at && now >= c->delack_at) {
		c->delack_at = 0;
		DP_CNT_INC(st, TCP_DELACK);
		c->ack_now = true;
	}
}

void dp_tcp_timers(struct dp_stack *st)
{
	uint32_t i = st->active_head;

	st->depth++;
	while (i) {
		struct dp_tcp_conn *c = &st->conns[i - 1];
		i = c->anext;   /* c may be released below */
		conn_timers(c);
		dp_conn_after(c);
	}
	st->depth--;
}
