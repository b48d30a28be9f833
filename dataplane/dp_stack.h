/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The per-lcore network stack: Ethernet, ARP, IPv4, IPv6 with neighbour discovery, ICMP/ICMPv6
 * echo and TCP (RFC 9293), and the event interface that applications (the plain responders now,
 * the TLS layer later) sit on. One struct dp_stack per lcore, shared-nothing. The stack does no
 * I/O of its own: frames come in through dp_stack_input_pkt() and leave through the struct dp_io
 * the owner supplies (DPDK mbufs in ftls-dataplane, reference-counted memory in the unit tests,
 * fuzzer and benchmark), and time is whatever the owner passes to dp_stack_timers(). Payload is
 * never copied on its way through TCP: received data stays in the received buffers (the
 * application reads views of them), data to send stays in the buffers the application queued
 * (frames go out as a header buffer chained to the payload). Tables are sized at
 * dp_stack_create(); afterwards only pool buffers are taken. Not for: port setup, EAL or config
 * parsing (dp_port.c, dp_main.c, dp_config.c).
 */
#ifndef FTLS_DP_STACK_H
#define FTLS_DP_STACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum dp_cnt {
#define DP_CNT(name, text) DP_CNT_##name,
#include "dataplane/dp_cnt.def"
#undef DP_CNT
	DP_CNT__COUNT
};
/* Counter name ("tcp_bad_csum") and description. */
const char *dp_cnt_name(enum dp_cnt c);
const char *dp_cnt_text(enum dp_cnt c);

/* Largest frame the stack builds or accepts (Ethernet header + 1500-byte MTU). */
enum { DP_FRAME_MAX = 1514, DP_ETH_HDR = 14 };

/*
 * A run of bytes inside a packet buffer: the buffer's handle (what struct dp_io hands out or what
 * the owner passed to dp_stack_input_pkt) and the bytes. Used for received data the application
 * reads in place and for payload it sends without a copy.
 */
struct dp_iov {
	void *pkt;
	const uint8_t *p;
	uint32_t len;
};

/*
 * How the stack gets and sends frames. Buffers are reference counted: every holder (the stack,
 * the I/O side, the application) owns references and drops them with free().
 */
struct dp_io {
	void *ctx;
	/* A writable buffer of DP_FRAME_MAX bytes and its handle (one reference), or NULL when none is free. */
	uint8_t *(*alloc)(void *ctx, void **pkt);
	/* Sends len bytes of the buffer of pkt; the reference passes to the I/O side. */
	void (*send)(void *ctx, void *pkt, size_t len);
	/* Drops one reference; the buffer returns to its pool with the last. */
	void (*free)(void *ctx, void *pkt);
	/*
	 * Zero copy (both optional). ref() takes one more reference on a buffer, received or
	 * allocated. send_chain() sends a frame made of the first hdr_len bytes of pkt's buffer
	 * followed by the bytes of v[0..n): the reference on pkt passes to the I/O side, the payload
	 * references stay with the caller (the I/O side takes its own if it keeps the buffers past
	 * the call, as DPDK does with indirect mbufs), so the same bytes can be sent again. Without
	 * ref() the stack copies what it keeps into buffers from alloc(); without send_chain() it
	 * copies the payload behind the header.
	 */
	void (*ref)(void *ctx, void *pkt);
	void (*send_chain)(void *ctx, void *pkt, size_t hdr_len, const struct dp_iov *v, unsigned n);
	/* Memory one buffer occupies, what memory caps count per buffer held (0: DP_FRAME_MAX). */
	uint32_t truesize;
	/*
	 * DP_IO_TX_TCP_CSUM: the port computes TCP checksums; the stack leaves the pseudo-header sum
	 * in the field (the DPDK convention) and send() must mark the frame for the port. Chained
	 * frames whose pieces before the last have an odd length get their checksum from the stack
	 * (ports may sum pieces independently): send_chain() must not mark those.
	 */
	uint32_t offloads;
};
enum { DP_IO_TX_TCP_CSUM = 1 };
/* Receive flags: the port verified the IPv4 header and TCP checksums as good. */
enum { DP_RX_CSUM_GOOD = 1 };

/* An address: IPv6, or IPv4 mapped (::ffff:a.b.c.d). */
struct dp_addr {
	uint8_t b[16];
};
static inline bool dp_addr_is_v4(const struct dp_addr *a)
{
	static const uint8_t pfx[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	for (int i = 0; i < 12; i++)
		if (a->b[i] != pfx[i])
			return false;
	return true;
}
void dp_addr_from_v4(struct dp_addr *a, uint32_t host_order_v4);
/* Parses "10.0.0.1" or "fd00::1"; false when neither. */
bool dp_addr_parse(struct dp_addr *a, const char *s) FTLS_MUST_CHECK;
/* Formats into out (at least 46 bytes). */
const char *dp_addr_str(const struct dp_addr *a, char *out, size_t cap);

enum { DP_MAX_LISTENERS = 16 };

struct dp_tcp_conn;
struct dp_stack;

/*
 * The event interface. Callbacks run from inside dp_stack_input()/dp_stack_timers(); they may
 * call dp_tcp_send/recv/close/abort on the connection they were given. After reset, timeout or
 * closed the connection is gone: the application must drop its pointer.
 */
struct dp_tcp_app {
	/* A new passive connection on a listener (arg is the listener's). Return false to refuse (RST). */
	bool (*accept)(struct dp_tcp_conn *c, void *arg);
	/* An active open completed. */
	void (*connected)(struct dp_tcp_conn *c);
	/* In-order data is available (dp_tcp_recv_segs, dp_tcp_recv_peek). */
	void (*data)(struct dp_tcp_conn *c);
	/* Send buffer space became available after having been short. */
	void (*writable)(struct dp_tcp_conn *c);
	/* The peer sent FIN: no more data will come. */
	void (*peer_closed)(struct dp_tcp_conn *c);
	/* Final events: reset by the peer, timed out, or closed cleanly (both FINs acknowledged). */
	void (*reset)(struct dp_tcp_conn *c);
	void (*timeout)(struct dp_tcp_conn *c);
	void (*closed)(struct dp_tcp_conn *c);
};

struct dp_stack_conf {
	uint8_t mac[6];
	struct dp_addr ip4;        /* v4-mapped; all zero: no IPv4 */
	uint8_t ip4_prefix;
	struct dp_addr gw4;        /* all zero: none */
	struct dp_addr ip6;        /* all zero: no IPv6 (the link-local address is always answered) */
	uint8_t ip6_prefix;
	struct dp_addr gw6;
	uint32_t max_conns;        /* connection table size (global memory cap with the buffers) */
	uint32_t sndbuf, rcvbuf;   /* per-connection payload bytes queued (per-flow caps; buffers held
	                              count in truesize against twice these) */
	uint64_t mem_max;          /* truesize of all buffers the connections hold (0: max_conns x
	                              2 x (sndbuf + rcvbuf)) */
	uint32_t syn_backlog;      /* SYN_RECEIVED per listener before SYN cookies */
	uint32_t rto_min_ms, rto_max_ms, rto_init_ms;
	uint32_t max_retries;      /* retransmissions before the connection times out */
	uint32_t delack_ms;
	uint32_t idle_timeout_ms;  /* 0: none */
	uint32_t time_wait_ms;
	uint32_t neigh_entries;    /* power of two */
	uint64_t seed;             /* hash and cookie key material; 0: taken from the clock */
};

/* Defaults for every field but the addresses and MAC. */
void dp_stack_conf_defaults(struct dp_stack_conf *conf);

/* Builds a stack (all memory allocated here); NULL with a log line on failure. */
struct dp_stack *dp_stack_create(const struct dp_stack_conf *conf, const struct dp_io *io);
void dp_stack_destroy(struct dp_stack *st);

/*
 * One received frame lying in the buffer of pkt (len bytes at frame). The caller keeps its
 * reference; the stack takes its own (io.ref) on what it keeps, so received payload is held in
 * place. now_us: monotonic microseconds; rx_flags: DP_RX_* from the port's receive offloads.
 */
void dp_stack_input_pkt(struct dp_stack *st, void *pkt, const uint8_t *frame, size_t len, uint64_t now_us,
			uint32_t rx_flags);
/* A frame without a buffer handle: what the stack keeps of it is copied. */
void dp_stack_input(struct dp_stack *st, const uint8_t *frame, size_t len, uint64_t now_us);
/* The same, with DP_RX_* flags from the port's receive offloads. */
void dp_stack_input_flags(struct dp_stack *st, const uint8_t *frame, size_t len, uint64_t now_us,
			  uint32_t rx_flags);
/*
 * True when frame is ARP or neighbour discovery: what other lcores of the same port should also
 * learn from (a reply to one lcore's request may arrive on another lcore's queue).
 */
bool dp_frame_is_neigh(const uint8_t *frame, size_t len);
/* Learns neighbours from a frame another lcore received; answers nothing, counts nothing else. */
void dp_stack_learn(struct dp_stack *st, const uint8_t *frame, size_t len, uint64_t now_us);
/* Runs due timers; call at least every millisecond or so. */
void dp_stack_timers(struct dp_stack *st, uint64_t now_us);
/* Counters of this stack. */
const uint64_t *dp_stack_counters(const struct dp_stack *st);
uint32_t dp_stack_conns_in_use(const struct dp_stack *st);
/* Adds the number of connections in each TCP state to counts[0..dp_tcp_state_count()). */
void dp_stack_conn_states(const struct dp_stack *st, uint64_t *counts);
unsigned dp_tcp_state_count(void);
/* One line per connection in use (state, sequence space, windows, timers) for diagnosis. */
void dp_stack_dump_conns(const struct dp_stack *st, void *file, unsigned max);
const char *dp_tcp_state_str(unsigned state);

/* Passive open: a listener on port (any local address) delivering to app with arg. */
enum ftls_err dp_tcp_listen(struct dp_stack *st, uint16_t port, const struct dp_tcp_app *app,
			    void *arg) FTLS_MUST_CHECK;
/* Active open to raddr:rport from our address of the same family. */
enum ftls_err dp_tcp_connect(struct dp_stack *st, const struct dp_addr *raddr, uint16_t rport,
			     const struct dp_tcp_app *app, void *arg, uint64_t now_us,
			     struct dp_tcp_conn **out) FTLS_MUST_CHECK;

/*
 * Sending. The send queue holds views on buffers until every byte in a buffer is acknowledged;
 * segments are cut by MSS across buffer boundaries and retransmitted from the same buffers.
 * dp_tcp_send_pkts() queues the views without copying and takes its own reference on each
 * buffer (the caller keeps and later drops its own); it takes whole views while they fit and
 * returns the bytes taken (a view it cut short ends where the count says). dp_tcp_send() copies
 * into buffers from the pool (small writes share them) and returns the bytes taken. Both take 0
 * when the queue is full (bytes, buffers or memory) or the connection is closing, and then ask
 * for a writable event.
 */
size_t dp_tcp_send_pkts(struct dp_tcp_conn *c, const struct dp_iov *v, unsigned n);
size_t dp_tcp_send(struct dp_tcp_conn *c, const void *data, size_t len);
/* Payload bytes the send queue takes now. */
size_t dp_tcp_send_space(const struct dp_tcp_conn *c);
/* Asks for a writable event once a quarter of the send buffer is free again. */
void dp_tcp_want_writable(struct dp_tcp_conn *c);
/*
 * Receiving. In-order payload stays in the received buffers: the connection holds a reference on
 * each and a queue of views. dp_tcp_recv_segs() fills up to max views of it, in order, without
 * copying. They stay valid until consumed or until the application returns to the stack: when
 * the memory cap is reached, small unconsumed views may be copied together into fewer buffers
 * (the next data event shows them so). To keep bytes past either, take a reference on the view's
 * buffer with dp_pkt_ref() (and drop it with dp_pkt_free()); the bytes never change under it.
 */
unsigned dp_tcp_recv_segs(const struct dp_tcp_conn *c, struct dp_iov *v, unsigned max);
/* Points *p at the first view of in-order bytes; returns its length. */
size_t dp_tcp_recv_peek(const struct dp_tcp_conn *c, const uint8_t **p);
/* Total in-order bytes waiting. */
size_t dp_tcp_recv_avail(const struct dp_tcp_conn *c);
/* Copies up to n received in-order bytes starting off bytes in, without consuming; returns the count. */
size_t dp_tcp_recv_copy(const struct dp_tcp_conn *c, size_t off, void *dst, size_t n);
/* Releases n bytes (n <= dp_tcp_recv_avail): buffers fully consumed are dropped, the window opens. */
void dp_tcp_recv_consume(struct dp_tcp_conn *c, size_t n);
/* Buffer references for applications (the stack's struct dp_io underneath). */
void dp_pkt_ref(struct dp_stack *st, void *pkt);
void dp_pkt_free(struct dp_stack *st, void *pkt);
/* A writable buffer of DP_FRAME_MAX bytes from the pool (one reference), or NULL. */
uint8_t *dp_pkt_alloc(struct dp_stack *st, void **pkt);
/* Memory held by a connection, in truesize: received (in order and out of order) and to send. */
void dp_tcp_mem(const struct dp_tcp_conn *c, size_t *rcv, size_t *snd);
/* Orderly close: FIN after everything queued is sent. */
void dp_tcp_close(struct dp_tcp_conn *c);
/* Abortive close: RST now; no further events. */
void dp_tcp_abort(struct dp_tcp_conn *c);
/* Application slot of a connection (set in accept/connect). */
void *dp_tcp_arg(const struct dp_tcp_conn *c);
void dp_tcp_set_arg(struct dp_tcp_conn *c, void *arg);
/* Per-connection scratch for small applications (64 bytes, zeroed at open). */
void *dp_tcp_scratch(struct dp_tcp_conn *c);
/* State name ("ESTABLISHED"). */
const char *dp_tcp_state_name(const struct dp_tcp_conn *c);
struct dp_stack *dp_tcp_stack(const struct dp_tcp_conn *c);

#endif
