/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the per-lcore stack shared by dp_net.c (L2/L3), dp_tcp.c (table, API, cookies),
 * dp_tcp_in.c, dp_tcp_out.c and dp_tcp_timer.c. Not for use outside dataplane/dp_*.c.
 *
 * Implementation notes (TCP).
 *  - Sequence arithmetic is modulo 2^32 through SEQ_LT/SEQ_LEQ; never compare raw.
 *  - Buffers, not rings. Payload lives in packet buffers held by reference (struct dp_view:
 *    buffer, bytes, sequence number). Every view held costs the stack's truesize (one buffer's
 *    memory, whatever the payload length) against the per-flow caps (2 x rcvbuf received, 2 x
 *    sndbuf to send) and the global mem_max; views live in per-connection slot arrays sized at
 *    create from those caps, so nothing allocates but pool buffers.
 *  - Send queue sq: a ring of views; the first byte of the head view has sequence s_seq, the
 *    queue holds s_len bytes. SYN and FIN take sequence space but no bytes: SYN is iss (s_seq
 *    starts at iss + 1), FIN is s_seq + s_len once fin_queued. An ACK trims the head view and
 *    drops a buffer's reference once all its bytes are acknowledged. Segments are cut by MSS
 *    across views (at most DP_CHAIN_MAX pieces) and leave as a header buffer chained to the
 *    views (io.send_chain); retransmissions chain the same views again. s_cur caches the view
 *    where the last segment started, so finding snd_nxt is not a walk from the head.
 *    snd_una <= snd_nxt <= snd_max; snd_nxt goes back to snd_una after a timeout (go-back-N).
 *  - Receive queue rq: a ring of views of in-order bytes not yet consumed (r_len bytes, ending at
 *    rcv_nxt); the application reads them in place. Out-of-order segments are views in oq
 *    (sorted by sequence, disjoint: a new segment is trimmed against held ones, segments it
 *    covers are dropped, duplicates dropped); ooo[] is their union as ranges (SACK blocks,
 *    bounded by DP_OOO_MAX). The window offered is min(rcvbuf - r_len, buffers still allowed x
 *    MSS) and never shrinks. When a segment inside the window meets a full cap: small in-order
 *    views are collapsed (copied together into fresh buffers, TCP_RCV_COLLAPSE), an in-order
 *    segment then prunes out-of-order views from the top (TCP_OOO_PRUNE, SACK reneging as RFC
 *    2018 allows), and what still does not fit is dropped (TCP_RCV_MEM_DROP).
 *  - SACK scoreboard: sacked[] holds the peer's SACK blocks above snd_una (sorted, disjoint,
 *    bounded); recovery retransmits holes below the highest SACKed byte first (RFC 6675 in
 *    spirit), then new data, while the data in flight stays below cwnd.
 *  - A connection is freed only by conn_release(), called at the end of processing, never from
 *    under a callback, so application callbacks can use the connection they were handed.
 */
#ifndef FTLS_DP_INT_H
#define FTLS_DP_INT_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/dp_stack.h"

#define SEQ_LT(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((uint32_t)(a) - (uint32_t)(b)) <= 0)
#define SEQ_GT(a, b) SEQ_LT(b, a)
#define SEQ_GEQ(a, b) SEQ_LEQ(b, a)

#define DP_CNT_INC(st, c) ((st)->cnt[DP_CNT_##c]++)

enum { ETH_P_IP4 = 0x0800, ETH_P_ARP_ = 0x0806, ETH_P_IP6 = 0x86dd };
enum { IPPROTO_TCP_ = 6, IPPROTO_ICMP_ = 1, IPPROTO_ICMP6_ = 58 };

enum dp_tcp_state {
#define DP_TCP_STATE(name) DP_TCP_##name,
#include "dataplane/dp_tcp_state.def"
#undef DP_TCP_STATE
	DP_TCP__STATES
};

enum {
	TH_FIN = 0x01, TH_SYN = 0x02, TH_RST = 0x04, TH_PSH = 0x08, TH_ACK = 0x10, TH_URG = 0x20,
};

enum { DP_OOO_MAX = 8, DP_SACK_MAX = 8, DP_HOLD_MAX = 4, DP_TCP_SCRATCH = 64, DP_CHAIN_MAX = 16 };

struct dp_range {
	uint32_t start, end;
};

/* A held run of payload: a reference on pkt, len bytes at p, the first with sequence seq. */
struct dp_view {
	void *pkt;
	const uint8_t *p;
	uint32_t len, seq;
};

/* A ring of views: slots v[0..cap), entries at absolute positions [head, tail). */
struct dp_vq {
	struct dp_view *v;
	uint32_t cap, head, tail;
};
#define DP_VQ_AT(q, pos) (&(q)->v[(pos) % (q)->cap])

struct dp_flow_key {
	struct dp_addr raddr, laddr;
	uint16_t rport, lport;
};

/* A parsed TCP segment (header in host order, options decoded, payload by reference). */
struct dp_seg {
	struct dp_flow_key key;
	uint32_t seq, ack;
	uint16_t wnd;
	uint8_t flags;
	bool has_mss, has_ws, has_ts, sack_ok;
	uint16_t mss;
	uint8_t ws;
	uint32_t tsval, tsecr;
	uint8_t n_sack;
	struct dp_range sack[4];
	const uint8_t *data;
	uint32_t len;
};

struct dp_listener {
	uint16_t port;
	const struct dp_tcp_app *app;
	void *arg;
	uint32_t syn_recv;
};

struct dp_tcp_conn {
	struct dp_flow_key key;
	struct dp_stack *st;
	uint32_t idx;
	uint32_t hnext;             /* hash chain: index + 1, 0 ends */
	uint32_t anext, aprev;      /* active list (index + 1) */
	uint8_t state;
	bool ts_ok, sack_ok, ws_ok, passive, fin_queued, fin_sent, fin_rcvd, in_recovery;
	bool app_gone, want_writable, ack_now, need_output, release, from_cookie, force_one;
	uint8_t snd_wscale, rcv_wscale;
	uint8_t dupacks;
	uint16_t mss;               /* what we send */
	uint16_t peer_mss;
	struct dp_listener *lst;
	const struct dp_tcp_app *app;
	void *arg;

	uint32_t iss, snd_una, snd_nxt, snd_max, snd_wnd, snd_wl1, snd_wl2;
	uint32_t irs, rcv_nxt, rcv_adv;     /* rcv_adv: right edge last advertised */
	uint32_t last_ack_sent;
	uint32_t ts_recent;
	uint64_t ts_recent_at;
	uint32_t cwnd, ssthresh, recover, rexmit_nxt;
	uint32_t srtt_us, rttvar_us, rto_us;
	uint32_t rtt_seq;                   /* timing without timestamps (Karn) */
	uint64_t rtt_start;
	bool rtt_timing;
	uint8_t backoff, n_ooo, n_sacked, segs_unacked, rexmit_budget, persist_shift;
	uint32_t sack_recent;       /* start of the out-of-order block received last */

	uint64_t rto_at, delack_at, persist_at, idle_at, tw_at, wupd_at;
	uint8_t wupd_tries;

	struct dp_vq sq;            /* send queue */
	uint32_t s_seq, s_len, s_true;
	uint32_t s_cur_pos, s_cur_seq;   /* cursor: view at s_cur_pos starts at s_cur_seq */
	uint8_t *s_tail_end;        /* end of the tail view's buffer when dp_tcp_send may append to it */
	struct dp_vq rq;            /* in-order received, not consumed */
	uint32_t r_len, r_true;
	struct dp_view *oq;         /* out of order, sorted */
	uint32_t n_oq, oq_cap, o_true;
	struct dp_range ooo[DP_OOO_MAX];
	struct dp_range sacked[DP_SACK_MAX];
	_Alignas(16) uint8_t scratch[DP_TCP_SCRATCH];   /* applications keep structs here */
};

struct dp_neigh {
	struct dp_addr ip;
	uint8_t mac[6];
	uint8_t state;            /* 0 free, 1 incomplete, 2 reachable */
	uint8_t n_hold, tries;
	uint64_t expire_us, next_try_us;
	void *hold[DP_HOLD_MAX];
	uint8_t *hold_buf[DP_HOLD_MAX];
	uint16_t hold_len[DP_HOLD_MAX];
};

struct dp_stack {
	struct dp_stack_conf conf;
	struct dp_io io;
	uint64_t now_us;
	uint64_t cnt[DP_CNT__COUNT];
	uint8_t ip6_ll[16];       /* link-local address from the MAC (EUI-64) */
	uint64_t hash_key[2];
	uint64_t cookie_key[2];

	struct dp_listener lst[DP_MAX_LISTENERS];
	unsigned n_lst;

	struct dp_tcp_conn *conns;
	struct dp_view *viewmem;  /* every connection's view slots */
	uint32_t truesize;        /* io.truesize or DP_FRAME_MAX */
	uint64_t mem_held;        /* truesize of every view held by every connection */
	void *rx_pkt;             /* buffer of the frame being processed (NULL: copy what is kept) */
	uint32_t free_head;       /* free list through hnext (index + 1) */
	uint32_t in_use;
	uint32_t active_head;     /* index + 1 */
	uint32_t *htab;           /* index + 1 */
	uint32_t hmask;
	uint16_t next_eport;
	uint16_t ip_id;
	uint32_t depth;           /* > 0 while inside input/timer processing */
	bool learn_only;          /* dp_stack_learn(): update the neighbour table, answer nothing */
	bool rx_csum_good;        /* the frame being processed had its checksums verified by the port */
	uint64_t next_timer_scan;

	struct dp_neigh *neigh;
	uint32_t neigh_mask;
};

/* dp_net.c */
uint16_t dp_csum_fold(uint32_t sum);
uint32_t dp_csum_add(uint32_t sum, const void *p, size_t len);
/* Pseudo-header sum for IPv4 or IPv6 (by the family of the addresses). */
uint32_t dp_csum_pseudo(const struct dp_addr *src, const struct dp_addr *dst, uint8_t proto, uint32_t len);
/*
 * Sends an L3 packet: buf has DP_ETH_HDR bytes of headroom before the IP header at buf + 14,
 * l3len bytes from there; dst chooses the next hop. Takes ownership of pkt.
 */
void dp_ip_output(struct dp_stack *st, void *pkt, uint8_t *buf, size_t l3len, const struct dp_addr *dst);
/*
 * The same for a frame whose payload follows in views: buf holds the headers (hdr_l3len bytes
 * from buf + 14), v[0..n) the payload (plen bytes). The views' references stay with the caller.
 */
void dp_ip_output_chain(struct dp_stack *st, void *pkt, uint8_t *buf, size_t hdr_l3len,
			const struct dp_iov *v, unsigned n, size_t plen, const struct dp_addr *dst);
/* Fills an IPv4 or IPv6 header at l3 for a payload of plen bytes; returns the header length. */
size_t dp_ip_header(struct dp_stack *st, uint8_t *l3, const struct dp_addr *src,
		    const struct dp_addr *dst, uint8_t proto, size_t plen);
void dp_neigh_timers(struct dp_stack *st);
bool dp_is_local(const struct dp_stack *st, const struct dp_addr *a);

/* dp_tcp.c */
struct dp_tcp_conn *dp_conn_lookup(struct dp_stack *st, const struct dp_flow_key *k);
struct dp_tcp_conn *dp_conn_alloc(struct dp_stack *st, const struct dp_flow_key *k);
void dp_conn_release(struct dp_tcp_conn *c);
void dp_conn_set_state(struct dp_tcp_conn *c, enum dp_tcp_state s);
struct dp_listener *dp_listener_find(struct dp_stack *st, uint16_t port);
uint32_t dp_cookie_make(struct dp_stack *st, const struct dp_flow_key *k, uint32_t peer_seq, uint16_t mss);
bool dp_cookie_check(struct dp_stack *st, const struct dp_flow_key *k, uint32_t peer_seq,
		     uint32_t cookie, uint16_t *mss);
uint32_t dp_iss(struct dp_stack *st, const struct dp_flow_key *k);
void dp_conn_init_tcb(struct dp_tcp_conn *c);
/* Final teardown with an event; marks the conn for release. */
void dp_conn_finish(struct dp_tcp_conn *c, int how);
enum { DP_FIN_CLOSED, DP_FIN_RESET, DP_FIN_TIMEOUT, DP_FIN_SILENT };
void dp_conn_after(struct dp_tcp_conn *c);
uint64_t dp_siphash(const uint64_t key[2], const void *data, size_t len);
/* Drops every buffer a connection holds (send, receive, out of order). */
void dp_conn_drop_bufs(struct dp_tcp_conn *c);
void dp_conn_drop_rcv(struct dp_tcp_conn *c);
/* Drops a view's reference and its memory charge (the caller's rcv/snd counter by truesize too). */
void dp_view_drop(struct dp_stack *st, struct dp_view *v);
/* Whether one more buffer fits under the global cap. */
bool dp_mem_ok(const struct dp_stack *st, uint32_t nbufs);

/* dp_tcp_in.c */
void dp_tcp_input(struct dp_stack *st, const struct dp_addr *src, const struct dp_addr *dst,
		  const uint8_t *tcp, size_t len);

/* dp_tcp_out.c */
void dp_tcp_output(struct dp_tcp_conn *c);
/* Sends one segment of the connection: data [seq, seq+len) from the send ring, with flags. */
void dp_tcp_send_seg(struct dp_tcp_conn *c, uint32_t seq, uint32_t len, uint8_t flags);
void dp_tcp_send_ack(struct dp_tcp_conn *c);
/* A reset in reply to seg (no connection needed). */
void dp_tcp_send_rst_for(struct dp_stack *st, const struct dp_seg *s);
/* A SYN-ACK carrying a cookie, without state. */
void dp_tcp_send_synack_cookie(struct dp_stack *st, const struct dp_seg *s, uint32_t iss, uint16_t mss);
uint32_t dp_tcp_rcv_window(const struct dp_tcp_conn *c);
/* The window segments are checked against: what we offer now or what we already advertised. */
uint32_t dp_tcp_rcv_accept_window(const struct dp_tcp_conn *c);
/* Largest length <= len from seq that the send queue can chain in DP_CHAIN_MAX pieces. */
uint32_t dp_tcp_chain_fit(struct dp_tcp_conn *c, uint32_t seq, uint32_t len);
uint32_t dp_tcp_tsnow(const struct dp_stack *st);

/* dp_tcp_timer.c */
void dp_tcp_timers(struct dp_stack *st);
void dp_tcp_rtt_sample(struct dp_tcp_conn *c, uint32_t rtt_us);
void dp_tcp_arm_rto(struct dp_tcp_conn *c);

#endif
