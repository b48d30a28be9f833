/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Script-style tests of the dataplane stack (in the manner of packetdrill): crafted Ethernet/IPv4
 * frames go into dp_stack_input() from a pretend client, what the stack sends is captured in
 * memory, parsed (checksums verified) and checked field by field; time is driven by hand through
 * dp_stack_timers(). No DPDK, no EAL: the stack's I/O is a struct dp_io over static buffers.
 * Covers ARP and ICMP, the three-way handshake with options, delayed ACKs, out-of-order data with
 * SACK, RTO with backoff, fast retransmit on SACKed dupacks, zero-window probes, RFC 5961 RST and
 * SYN handling, PAWS, FIN in both directions with TIME_WAIT, SYN cookies, active open, idle
 * timeout and malformed segments.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/dp_apps.h"
#include "dataplane/dp_stack.h"

/* ------------------------------------------------------------------ memory I/O */

/*
 * Reference-counted buffers, each its own allocation: a read after the last reference is dropped
 * is a heap use-after-free under ASan, a second drop fails the test, and teardown checks that no
 * buffer is left live. At most NBUF live at once, like a pool.
 */
enum { NBUF = 512, NOUT = 512 };
struct tbuf {
	unsigned refs;
	uint8_t data[DP_FRAME_MAX];
};
static unsigned live;
static struct {
	uint8_t b[DP_FRAME_MAX];
	size_t len;
	unsigned nchain;              /* payload views the frame was sent with */
	const void *chain_pkt[16];    /* their buffers */
	const uint8_t *chain_p[16];
} outq[NOUT];
static unsigned out_head, out_tail;
static uint64_t now;
static void *last_in_pkt;         /* the buffer of the last frame the client sent */
/* Stack sizes of the next setup (tests of the caps change them before setup_with). */
static uint32_t truesize = 2048, rcvbuf_conf = 65536, sndbuf_conf = 65536;
static uint64_t mem_max_conf;   /* 0: the default */

static uint8_t *mem_alloc(void *ctx, void **pkt)
{
	(void)ctx;
	if (live == NBUF)
		return NULL;
	struct tbuf *b = malloc(sizeof(*b));
	assert_non_null(b);
	b->refs = 1;
	live++;
	*pkt = b;
	return b->data;
}

static void mem_ref(void *ctx, void *pkt)
{
	(void)ctx;
	struct tbuf *b = pkt;
	assert_true(b->refs > 0);
	b->refs++;
}

static void mem_free(void *ctx, void *pkt)
{
	(void)ctx;
	struct tbuf *b = pkt;
	assert_true(b->refs > 0);
	if (--b->refs == 0) {
		live--;
		free(b);
	}
}

static void mem_send(void *ctx, void *pkt, size_t len)
{
	struct tbuf *b = pkt;
	assert_true(out_tail - out_head < NOUT);
	memcpy(outq[out_tail % NOUT].b, b->data, len);
	outq[out_tail % NOUT].len = len;
	outq[out_tail % NOUT].nchain = 0;
	out_tail++;
	mem_free(ctx, pkt);
}

static void mem_send_chain(void *ctx, void *pkt, size_t hdr_len, const struct dp_iov *v, unsigned n)
{
	struct tbuf *b = pkt;
	size_t len = hdr_len;
	assert_true(out_tail - out_head < NOUT);
	assert_true(n >= 1 && n <= 16);
	memcpy(outq[out_tail % NOUT].b, b->data, hdr_len);
	for (unsigned i = 0; i < n; i++) {
		struct tbuf *pb = v[i].pkt;
		assert_true(pb->refs > 0);                        /* the stack still holds it */
		assert_true(v[i].p >= pb->data && v[i].p + v[i].len <= pb->data + DP_FRAME_MAX);
		assert_true(len + v[i].len <= DP_FRAME_MAX);
		memcpy(outq[out_tail % NOUT].b + len, v[i].p, v[i].len);
		len += v[i].len;
		outq[out_tail % NOUT].chain_pkt[i] = v[i].pkt;
		outq[out_tail % NOUT].chain_p[i] = v[i].p;
	}
	outq[out_tail % NOUT].len = len;
	outq[out_tail % NOUT].nchain = n;
	out_tail++;
	mem_free(ctx, pkt);
}

static const uint8_t st_mac[6] = { 2, 0, 0, 0, 0, 1 };
static const uint8_t cl_mac[6] = { 2, 0, 0, 0, 0, 2 };
static const uint8_t st_ip[4] = { 10, 0, 0, 1 };
static const uint8_t cl_ip[4] = { 10, 0, 0, 2 };

/* ------------------------------------------------------------------ the application under test */

struct app_log {
	int accepted, connected, data, writable, peer_closed, reset, timeout, closed;
	struct dp_tcp_conn *conn;
	uint8_t rx[65536];
	size_t rx_len;
	bool consume;
	bool echo;
};
static struct app_log app;

static bool a_accept(struct dp_tcp_conn *c, void *arg)
{
	(void)arg;
	app.accepted++;
	app.conn = c;
	return true;
}
static void a_connected(struct dp_tcp_conn *c) { app.connected++; app.conn = c; }
static void a_data(struct dp_tcp_conn *c)
{
	const uint8_t *p;
	size_t n;
	app.data++;
	if (!app.consume)
		return;
	while ((n = dp_tcp_recv_peek(c, &p)) > 0) {
		assert_true(app.rx_len + n <= sizeof(app.rx));
		memcpy(app.rx + app.rx_len, p, n);
		app.rx_len += n;
		if (app.echo)
			assert_int_equal(dp_tcp_send(c, p, n), n);
		dp_tcp_recv_consume(c, n);
	}
}
static void a_writable(struct dp_tcp_conn *c) { (void)c; app.writable++; }
static void a_peer_closed(struct dp_tcp_conn *c) { (void)c; app.peer_closed++; }
static void a_reset(struct dp_tcp_conn *c) { (void)c; app.reset++; app.conn = NULL; }
static void a_timeout(struct dp_tcp_conn *c) { (void)c; app.timeout++; app.conn = NULL; }
static void a_closed(struct dp_tcp_conn *c) { (void)c; app.closed++; app.conn = NULL; }

static const struct dp_tcp_app test_app = {
	.accept = a_accept, .connected = a_connected, .data = a_data, .writable = a_writable,
	.peer_closed = a_peer_closed, .reset = a_reset, .timeout = a_timeout, .closed = a_closed,
};

/* ------------------------------------------------------------------ frame helpers */

static uint16_t csum(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
static void put16(uint8_t *p, uint32_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, v >> 16); put16(p + 2, v); }
static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p) { return (uint32_t)get16(p) << 16 | get16(p + 2); }

static struct dp_stack *st;
static uint16_t cl_port = 40000;
static uint16_t srv_port = 80;   /* where the client's segments go */

/* A client segment; opts raw option bytes (multiple of 4). bad_csum flips the checksum. */
static void cli_seg_x(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd, const uint8_t *opts,
		      size_t olen, const void *data, size_t len, bool bad_csum)
{
	void *pkt;
	uint8_t *f = mem_alloc(NULL, &pkt);
	assert_non_null(f);
	uint8_t *ip = f + 14, *t = ip + 20;
	size_t tl = 20 + olen + len;
	uint8_t ph[12];

	memcpy(f, st_mac, 6);
	memcpy(f + 6, cl_mac, 6);
	put16(f + 12, 0x0800);
	memset(ip, 0, 20);
	ip[0] = 0x45;
	put16(ip + 2, (uint32_t)(20 + tl));
	put16(ip + 6, 0x4000);
	ip[8] = 64;
	ip[9] = 6;
	memcpy(ip + 12, cl_ip, 4);
	memcpy(ip + 16, st_ip, 4);
	put16(ip + 10, csum(ip, 20, 0));
	put16(t, cl_port);
	put16(t + 2, srv_port);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)(((20 + olen) / 4) << 4);
	t[13] = flags;
	put16(t + 14, wnd);
	put16(t + 16, 0);
	put16(t + 18, 0);
	if (olen)
		memcpy(t + 20, opts, olen);
	if (len)
		memcpy(t + 20 + olen, data, len);
	memcpy(ph, cl_ip, 4);
	memcpy(ph + 4, st_ip, 4);
	ph[8] = 0;
	ph[9] = 6;
	put16(ph + 10, (uint32_t)tl);
	uint32_t s = 0;
	for (int i = 0; i < 12; i += 2)
		s += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	put16(t + 16, csum(t, tl, s) ^ (bad_csum ? 0x0101 : 0));
	/* By reference, as a port hands frames over: the stack keeps payload in this buffer. */
	last_in_pkt = pkt;
	dp_stack_input_pkt(st, pkt, f, 14 + 20 + tl, now, 0);
	mem_free(NULL, pkt);
}

static void cli_seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t wnd, const void *data, size_t len)
{
	cli_seg_x(flags, seq, ack, wnd, NULL, 0, data, len, false);
}

/* Timestamp option: NOP NOP TS. */
static size_t ts_opt(uint8_t *o, uint32_t val, uint32_t ecr)
{
	o[0] = 1; o[1] = 1; o[2] = 8; o[3] = 10;
	put32(o + 4, val);
	put32(o + 8, ecr);
	return 12;
}

/* A parsed segment from the stack. */
struct seg {
	uint32_t seq, ack;
	uint8_t flags;
	uint16_t wnd, mss;
	int ws;          /* -1: none */
	bool sack_ok, has_ts;
	uint32_t tsval, tsecr;
	unsigned nsack;
	uint32_t sack[4][2];
	const uint8_t *data;
	size_t len;
	uint16_t sport, dport;
};

static unsigned pending(void) { return out_tail - out_head; }

/* Pops the next TCP segment the stack sent (checks IPv4 and TCP checksums). */
static bool next_seg(struct seg *s)
{
	while (out_head != out_tail) {
		const uint8_t *f = outq[out_head % NOUT].b;
		size_t n = outq[out_head % NOUT].len;
		out_head++;
		if (get16(f + 12) != 0x0800 || f[14 + 9] != 6)
			continue;
		const uint8_t *ip = f + 14, *t = ip + 20;
		size_t tl = get16(ip + 2) - 20u;
		assert_int_equal(csum(ip, 20, 0), 0);
		assert_true(14 + 20 + tl <= n);
		assert_memory_equal(f, cl_mac, 6);
		uint32_t ps = 0;
		for (int i = 12; i < 20; i += 2)
			ps += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		ps += 6 + (uint32_t)tl;
		assert_int_equal(csum(t, tl, ps), 0);
		memset(s, 0, sizeof(*s));
		s->ws = -1;
		s->sport = get16(t);
		s->dport = get16(t + 2);
		s->seq = get32(t + 4);
		s->ack = get32(t + 8);
		s->flags = t[13];
		s->wnd = get16(t + 14);
		size_t doff = (size_t)(t[12] >> 4) * 4;
		for (size_t i = 20; i < doff;) {
			uint8_t k = t[i];
			if (k == 0)
				break;
			if (k == 1) {
				i++;
				continue;
			}
			uint8_t l = t[i + 1];
			assert_true(l >= 2 && i + l <= doff);
			if (k == 2) s->mss = get16(t + i + 2);
			if (k == 3) s->ws = t[i + 2];
			if (k == 4) s->sack_ok = true;
			if (k == 8) {
				s->has_ts = true;
				s->tsval = get32(t + i + 2);
				s->tsecr = get32(t + i + 6);
			}
			if (k == 5) {
				s->nsack = (l - 2u) / 8;
				for (unsigned j = 0; j < s->nsack; j++) {
					s->sack[j][0] = get32(t + i + 2 + 8 * j);
					s->sack[j][1] = get32(t + i + 6 + 8 * j);
				}
			}
			i += l;
		}
		s->data = t + doff;
		s->len = tl - doff;
		return true;
	}
	return false;
}

static void drain(void) { out_head = out_tail; }

static void advance_ms(unsigned ms)
{
	for (unsigned i = 0; i < ms; i++) {
		now += 1000;
		dp_stack_timers(st, now);
	}
}

static uint64_t counter(enum dp_cnt c) { return dp_stack_counters(st)[c]; }

enum { F = 0x01, S = 0x02, R = 0x04, P = 0x08, A = 0x10 };

static void arp_from_client(void)
{
	uint8_t f[60] = { 0 };
	memset(f, 0xff, 6);
	memcpy(f + 6, cl_mac, 6);
	put16(f + 12, 0x0806);
	uint8_t *a = f + 14;
	put16(a, 1); put16(a + 2, 0x0800); a[4] = 6; a[5] = 4; put16(a + 6, 1);
	memcpy(a + 8, cl_mac, 6);
	memcpy(a + 14, cl_ip, 4);
	memcpy(a + 24, st_ip, 4);
	dp_stack_input(st, f, sizeof(f), now);
}

static int setup_with(uint32_t backlog, uint32_t idle_ms)
{
	struct dp_stack_conf conf;
	const struct dp_io io = { .alloc = mem_alloc, .send = mem_send, .free = mem_free, .ref = mem_ref,
				  .send_chain = mem_send_chain, .truesize = truesize };

	dp_stack_conf_defaults(&conf);
	memcpy(conf.mac, st_mac, 6);
	dp_addr_from_v4(&conf.ip4, 0x0a000001);
	conf.ip4_prefix = 24;
	conf.max_conns = 16;
	conf.sndbuf = sndbuf_conf;
	conf.rcvbuf = rcvbuf_conf;
	conf.mem_max = mem_max_conf;
	conf.syn_backlog = backlog;
	conf.rto_min_ms = 200;
	conf.rto_init_ms = 1000;
	conf.delack_ms = 40;
	conf.time_wait_ms = 1000;
	conf.idle_timeout_ms = idle_ms;
	conf.max_retries = 4;
	conf.seed = 12345;
	memset(&app, 0, sizeof(app));
	live = 0;
	out_head = out_tail = 0;
	now = 1000000;
	srv_port = 80;
	st = dp_stack_create(&conf, &io);
	if (!st)
		return -1;
	if (dp_tcp_listen(st, 80, &test_app, NULL) != FTLS_OK)
		return -1;
	arp_from_client();
	drain();
	cl_port++;
	return 0;
}

static int setup(void **state) { (void)state; return setup_with(64, 0); }
static int setup_backlog1(void **state) { (void)state; return setup_with(1, 0); }
static int setup_idle(void **state) { (void)state; return setup_with(64, 5000); }
/* rcvbuf 4096 with 4 KiB buffers: the receive cap (2 x rcvbuf in truesize) is two buffers. */
/* The whole stack may hold three 2 KiB buffers. */
static int setup_global_cap(void **state)
{
	(void)state;
	mem_max_conf = 3 * 2048;
	return setup_with(64, 0);
}
static int setup_small(void **state)
{
	(void)state;
	truesize = 4096;
	rcvbuf_conf = 4096;
	return setup_with(64, 0);
}

static int teardown(void **state)
{
	(void)state;
	dp_stack_destroy(st);
	st = NULL;
	truesize = 2048;
	rcvbuf_conf = sndbuf_conf = 65536;
	mem_max_conf = 0;
	assert_int_equal(live, 0);   /* every reference came back, exactly once */
	return 0;
}

/* Handshake with MSS 1460, WS 7, SACK-permitted, timestamps; returns the server ISS. */
static uint32_t handshake(uint32_t cseq, bool with_ts)
{
	uint8_t o[40];
	size_t n = 0;
	struct seg s;

	o[n++] = 2; o[n++] = 4; put16(o + n, 1460); n += 2;
	o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = 7;
	o[n++] = 1; o[n++] = 1; o[n++] = 4; o[n++] = 2;
	if (with_ts)
		n += ts_opt(o + n, 100, 0);
	cli_seg_x(S, cseq, 0, 65535, o, n, NULL, 0, false);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, S | A);
	assert_int_equal(s.ack, cseq + 1);
	assert_int_equal(s.mss, 1460);
	assert_true(s.ws >= 0);
	assert_true(s.sack_ok);
	assert_int_equal(s.has_ts, with_ts);
	if (with_ts)
		assert_int_equal(s.tsecr, 100);
	uint32_t iss = s.seq;
	if (with_ts) {
		n = ts_opt(o, 101, s.tsval);
		cli_seg_x(A, cseq + 1, iss + 1, 512, o, n, NULL, 0, false);   /* 512 << 7 = 64 KiB */
	} else {
		cli_seg(A, cseq + 1, iss + 1, 512, NULL, 0);
	}
	assert_int_equal(app.accepted, 1);
	assert_non_null(app.conn);
	assert_string_equal(dp_tcp_state_name(app.conn), "ESTABLISHED");
	assert_int_equal(pending(), 0);
	return iss;
}

/* ------------------------------------------------------------------ tests */

static void test_arp_and_icmp(void **state)
{
	uint8_t f[14 + 20 + 16];
	(void)state;
	arp_from_client();
	assert_true(pending() >= 1);
	const uint8_t *r = outq[out_head % NOUT].b;
	assert_int_equal(get16(r + 12), 0x0806);
	assert_int_equal(get16(r + 14 + 6), 2);               /* reply */
	assert_memory_equal(r + 14 + 8, st_mac, 6);
	assert_memory_equal(r + 14 + 14, st_ip, 4);
	drain();

	memcpy(f, st_mac, 6);
	memcpy(f + 6, cl_mac, 6);
	put16(f + 12, 0x0800);
	uint8_t *ip = f + 14, *ic = ip + 20;
	memset(ip, 0, 20);
	ip[0] = 0x45; put16(ip + 2, 36); ip[8] = 64; ip[9] = 1;
	memcpy(ip + 12, cl_ip, 4); memcpy(ip + 16, st_ip, 4);
	put16(ip + 10, csum(ip, 20, 0));
	ic[0] = 8; ic[1] = 0; put16(ic + 2, 0); put16(ic + 4, 7); put16(ic + 6, 1);
	memcpy(ic + 8, "pingpong", 8);
	put16(ic + 2, csum(ic, 16, 0));
	dp_stack_input(st, f, sizeof(f), now);
	assert_int_equal(pending(), 1);
	r = outq[out_head % NOUT].b;
	assert_int_equal(r[14 + 20], 0);                      /* echo reply */
	assert_memory_equal(r + 14 + 28, "pingpong", 8);
	assert_int_equal(csum(r + 14 + 20, 16, 0), 0);
	assert_int_equal(counter(DP_CNT_ICMP_ECHO_REPLIED), 1);
	drain();

	/* Same request with a broken IP checksum: dropped and counted. */
	ip[10] ^= 0xff;
	dp_stack_input(st, f, sizeof(f), now);
	assert_int_equal(pending(), 0);
	assert_int_equal(counter(DP_CNT_IP4_BAD_CSUM), 1);
	/* Fragment and options. */
	ip[10] ^= 0xff;
	put16(ip + 6, 0x2000); put16(ip + 10, 0); put16(ip + 10, csum(ip, 20, 0));
	dp_stack_input(st, f, sizeof(f), now);
	assert_int_equal(counter(DP_CNT_IP4_FRAGMENT), 1);
	dp_stack_input(st, f, 14 + 10, now);
	assert_int_equal(counter(DP_CNT_IP4_SHORT), 1);
	assert_int_equal(pending(), 0);
}

static void test_handshake_data_delack(void **state)
{
	struct seg s;
	uint8_t o[12];
	(void)state;
	uint32_t iss = handshake(1000, true);

	app.consume = true;
	cli_seg_x(A | P, 1001, iss + 1, 512, o, ts_opt(o, 102, 0), "hello", 5, false);
	assert_int_equal(app.data, 1);
	assert_int_equal(app.rx_len, 5);
	assert_memory_equal(app.rx, "hello", 5);
	assert_int_equal(pending(), 0);                        /* delayed */
	advance_ms(39);
	assert_int_equal(pending(), 0);
	advance_ms(2);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, A);
	assert_int_equal(s.ack, 1006);
	assert_true(s.has_ts);
	assert_int_equal(s.tsecr, 102);
	assert_int_equal(counter(DP_CNT_TCP_DELACK), 1);

	/* Two full segments: an immediate ACK. */
	uint8_t d[1448];
	memset(d, 'x', sizeof(d));
	cli_seg_x(A, 1006, iss + 1, 512, o, ts_opt(o, 103, 0), d, sizeof(d), false);
	assert_int_equal(pending(), 0);
	cli_seg_x(A, 1006 + 1448, iss + 1, 512, o, ts_opt(o, 104, 0), d, sizeof(d), false);
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 1006 + 2 * 1448);
	assert_int_equal(app.rx_len, 5 + 2 * 1448);
}

static void test_ooo_sack_reassembly(void **state)
{
	struct seg s;
	uint8_t d1[1000], d2[1000], d3[500];
	(void)state;
	uint32_t iss = handshake(5000, false);

	app.consume = true;
	memset(d1, '1', sizeof(d1));
	memset(d2, '2', sizeof(d2));
	memset(d3, '3', sizeof(d3));
	/* Segment 2 arrives first: immediate duplicate ACK carrying its SACK block. */
	cli_seg(A, 6001, iss + 1, 512, d2, sizeof(d2));
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 5001);
	assert_int_equal(s.nsack, 1);
	assert_int_equal(s.sack[0][0], 6001);
	assert_int_equal(s.sack[0][1], 7001);
	assert_int_equal(app.rx_len, 0);
	/* Segment 3 (after a second hole) makes two blocks, newest first. */
	cli_seg(A, 7501, iss + 1, 512, d3, sizeof(d3));
	assert_true(next_seg(&s));
	assert_int_equal(s.nsack, 2);
	assert_int_equal(s.sack[0][0], 7501);
	assert_int_equal(s.sack[1][0], 6001);
	/* A duplicate of segment 2 changes nothing. */
	cli_seg(A, 6001, iss + 1, 512, d2, sizeof(d2));
	drain();
	/* Segment 1 fills the first hole: data up to 7001 delivered in order, one block left. */
	cli_seg(A, 5001, iss + 1, 512, d1, sizeof(d1));
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 7001);
	assert_int_equal(s.nsack, 1);
	assert_int_equal(app.rx_len, 2000);
	assert_memory_equal(app.rx, d1, 1000);
	assert_memory_equal(app.rx + 1000, d2, 1000);
	/* An overlapping segment covering the second hole and part of segment 3. */
	uint8_t d4[700];
	memset(d4, '4', 500);
	memset(d4 + 500, '3', 200);
	cli_seg(A, 7001, iss + 1, 512, d4, sizeof(d4));
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 8001);
	assert_int_equal(s.nsack, 0);
	assert_int_equal(app.rx_len, 3000);
	assert_memory_equal(app.rx + 2000, d4, 500);
	assert_memory_equal(app.rx + 2500, d3, 500);
	assert_true(counter(DP_CNT_TCP_OOO) >= 2);
}

static void test_rto_backoff_and_timeout(void **state)
{
	struct seg s;
	(void)state;
	uint32_t iss = handshake(100, false);

	assert_int_equal(dp_tcp_send(app.conn, "abcdef", 6), 6);
	assert_true(next_seg(&s));
	assert_int_equal(s.seq, iss + 1);
	assert_int_equal(s.len, 6);
	assert_memory_equal(s.data, "abcdef", 6);
	/* No ACK: retransmissions after 1 s (initial RTO, no sample yet), then 2 s, 4 s. */
	advance_ms(999);
	assert_int_equal(pending(), 0);
	advance_ms(2);
	assert_true(next_seg(&s));
	assert_int_equal(s.seq, iss + 1);
	assert_int_equal(s.len, 6);
	advance_ms(1998);
	assert_int_equal(pending(), 0);
	advance_ms(4);
	assert_true(next_seg(&s));
	assert_int_equal(counter(DP_CNT_TCP_RTO), 2);
	/* After max_retries (4) the connection times out with a reset. */
	advance_ms(4000 + 8000 + 16000 + 10);
	unsigned rsts = 0;
	while (next_seg(&s))
		if (s.flags & R)
			rsts++;
	assert_int_equal(rsts, 1);
	assert_int_equal(app.timeout, 1);
	assert_int_equal(dp_stack_conns_in_use(st), 0);
}

static void test_fast_retransmit_sack(void **state)
{
	struct seg s, first;
	uint8_t big[10 * 1460], o[40];
	(void)state;
	uint32_t iss = handshake(100, false);

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)i;
	assert_int_equal(dp_tcp_send(app.conn, big, sizeof(big)), sizeof(big));
	unsigned n = 0;
	while (next_seg(&s)) {
		if (n == 0)
			first = s;
		assert_int_equal(s.seq, iss + 1 + n * 1460);
		assert_int_equal(s.len, 1460);
		n++;
	}
	assert_int_equal(n, 10);                               /* initial window: 10 segments */
	(void)first;
	/* Segment 1 is lost: dupacks with growing SACK blocks. */
	for (unsigned k = 2; k <= 4; k++) {
		size_t ol = 0;
		o[ol++] = 1; o[ol++] = 1; o[ol++] = 5; o[ol++] = 10;
		put32(o + ol, iss + 1 + 1460); put32(o + ol + 4, iss + 1 + k * 1460); ol += 8;
		cli_seg_x(A, 101, iss + 1, 512, o, ol, NULL, 0, false);
	}
	/* Third dupack: the hole is retransmitted at once, long before the RTO. */
	bool rexmit = false;
	while (next_seg(&s))
		if (s.seq == iss + 1 && s.len == 1460) {
			rexmit = true;
			assert_memory_equal(s.data, big, 1460);
		}
	assert_true(rexmit);
	assert_int_equal(counter(DP_CNT_TCP_FAST_RETRANS), 1);
	assert_int_equal(counter(DP_CNT_TCP_RTO), 0);
	/* Everything acknowledged: recovery over, no RTO armed (nothing sent after 5 s). */
	cli_seg(A, 101, iss + 1 + sizeof(big), 512, NULL, 0);
	drain();
	advance_ms(5000);
	assert_int_equal(pending(), 0);
	assert_int_equal(dp_tcp_send_space(app.conn), 65536);
}

/* A full-sized segment that carries SACK blocks still fits the MSS: the payload shrinks by the
 * option bytes (RFC 9293 §3.7.1). Before, 1460 bytes of data plus 12 of SACK made an IP packet of
 * 1512 bytes, which the TAP port refused on every retransmission (a stall). */
static void test_sack_blocks_fit_mss(void **state)
{
	struct seg s;
	uint8_t big[4 * 1460], d[100];
	(void)state;
	uint32_t iss = handshake(100, false);

	memset(d, 'x', sizeof(d));
	cli_seg(A, 1101, iss + 1, 512, d, sizeof(d));           /* out of order: one SACK block */
	assert_true(next_seg(&s));
	assert_int_equal(s.nsack, 1);
	memset(big, 'y', sizeof(big));
	assert_int_equal(dp_tcp_send(app.conn, big, sizeof(big)), sizeof(big));
	unsigned n = 0;
	size_t sent = 0;
	while (next_seg(&s)) {
		assert_int_equal(s.nsack, 1);
		assert_true(20 + 4 + 8 * s.nsack + s.len <= 20 + 1460);
		assert_int_equal(s.seq, iss + 1 + sent);
		sent += s.len;
		n++;
	}
	assert_int_equal(sent, sizeof(big));
	assert_int_equal(n, 5);
}

/* Recovery retransmits only what was sent: a hole never reaches past snd_max. Before, the first
 * hole was a full MSS from snd_una even when less had been sent; the peer then ACKed bytes the
 * stack had not recorded as sent, every such ACK (and its data) was refused as "unsent", and the
 * connection stalled for good. */
static void test_recovery_hole_within_sent(void **state)
{
	struct seg s;
	uint8_t big[3000];
	(void)state;
	uint32_t iss = handshake(100, false);

	cli_seg(A, 101, iss + 1, 4, NULL, 0);                   /* the peer's window: 4 << 7 = 512 */
	memset(big, 'z', sizeof(big));
	assert_int_equal(dp_tcp_send(app.conn, big, sizeof(big)), sizeof(big));
	assert_true(next_seg(&s));
	assert_int_equal(s.len, 512);
	assert_false(next_seg(&s));
	for (int k = 0; k < 3; k++)                             /* three duplicate ACKs */
		cli_seg(A, 101, iss + 1, 4, NULL, 0);
	assert_int_equal(counter(DP_CNT_TCP_FAST_RETRANS), 1);
	while (next_seg(&s))
		assert_true(s.seq + s.len <= iss + 1 + 512);
	/* The peer ACKs all that was sent: taken. */
	cli_seg(A, 101, iss + 1 + 512, 4, NULL, 0);
	assert_int_equal(counter(DP_CNT_TCP_ACK_INVALID), 0);
	assert_int_equal(dp_tcp_send_space(app.conn), 65536 - (3000 - 512));
}

static void test_zero_window_probe(void **state)
{
	struct seg s;
	(void)state;
	uint32_t iss = handshake(100, false);

	/* The peer closes its window. */
	cli_seg(A, 101, iss + 1, 0, NULL, 0);
	assert_int_equal(dp_tcp_send(app.conn, "data", 4), 4);
	assert_int_equal(pending(), 0);                        /* nothing may go out */
	advance_ms(1001);
	assert_true(next_seg(&s));                              /* a probe: no new data */
	assert_int_equal(s.len, 0);
	assert_int_equal(s.seq, iss);
	assert_int_equal(counter(DP_CNT_TCP_ZWP), 1);
	/* Still closed: the next probe comes after a longer interval. */
	cli_seg(A, 101, iss + 1, 0, NULL, 0);
	advance_ms(1500);
	assert_int_equal(pending(), 0);
	advance_ms(600);
	assert_true(next_seg(&s));
	assert_int_equal(counter(DP_CNT_TCP_ZWP), 2);
	/* The window opens: the data goes. */
	cli_seg(A, 101, iss + 1, 512, NULL, 0);
	assert_true(next_seg(&s));
	assert_int_equal(s.len, 4);
	assert_memory_equal(s.data, "data", 4);
}

static void test_rst_and_syn_rfc5961(void **state)
{
	struct seg s;
	(void)state;
	uint32_t iss = handshake(100, false);

	/* RST in the window but not at rcv_nxt: challenge ACK, connection lives. */
	cli_seg(R, 150, 0, 0, NULL, 0);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, A);
	assert_int_equal(s.ack, 101);
	assert_int_equal(app.reset, 0);
	/* RST outside the window: silently dropped. */
	cli_seg(R, 100 + 200000, 0, 0, NULL, 0);
	assert_int_equal(pending(), 0);
	/* SYN on an established connection: challenge ACK. */
	cli_seg(S, 5555, 0, 512, NULL, 0);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, A);
	assert_int_equal(counter(DP_CNT_TCP_SYN_BAD), 1);
	assert_int_equal(app.reset, 0);
	/* An ACK for data never sent: dropped with an ACK. */
	cli_seg(A, 101, iss + 5000, 512, NULL, 0);
	assert_true(next_seg(&s));
	assert_int_equal(counter(DP_CNT_TCP_ACK_INVALID), 1);
	/* The exact RST resets. */
	cli_seg(R, 101, 0, 0, NULL, 0);
	assert_int_equal(app.reset, 1);
	assert_int_equal(dp_stack_conns_in_use(st), 0);
	/* Anything further gets a RST from the closed port. */
	cli_seg(A, 101, iss + 1, 512, "x", 1);
	assert_true(next_seg(&s));
	assert_true(s.flags & R);
}

static void test_paws(void **state)
{
	struct seg s;
	uint8_t o[12];
	(void)state;
	uint32_t iss = handshake(100, true);

	app.consume = true;
	cli_seg_x(A, 101, iss + 1, 512, o, ts_opt(o, 200, 0), "a", 1, false);
	advance_ms(50);
	drain();
	/* An older timestamp: dropped by PAWS, answered with an ACK, data not delivered. */
	cli_seg_x(A, 102, iss + 1, 512, o, ts_opt(o, 150, 0), "b", 1, false);
	assert_int_equal(counter(DP_CNT_TCP_PAWS), 1);
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 102);
	assert_int_equal(app.rx_len, 1);
	/* A newer one passes. */
	cli_seg_x(A, 102, iss + 1, 512, o, ts_opt(o, 201, 0), "b", 1, false);
	assert_int_equal(app.rx_len, 2);
}

static void test_passive_and_active_close(void **state)
{
	struct seg s;
	(void)state;
	uint32_t iss = handshake(100, false);

	/* Passive close: FIN in, peer_closed, we close, LAST_ACK, ACK in: closed and freed. */
	cli_seg(A | F, 101, iss + 1, 512, NULL, 0);
	assert_int_equal(app.peer_closed, 1);
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 102);
	assert_string_equal(dp_tcp_state_name(app.conn), "CLOSE_WAIT");
	assert_int_equal(dp_tcp_send(app.conn, "bye", 3), 3);
	dp_tcp_close(app.conn);
	bool fin = false;
	while (next_seg(&s))
		if (s.flags & F) {
			fin = true;
			assert_int_equal(s.seq + s.len, iss + 4);
		}
	assert_true(fin);
	cli_seg(A, 102, iss + 5, 512, NULL, 0);
	assert_int_equal(app.closed, 1);
	assert_int_equal(dp_stack_conns_in_use(st), 0);

	/* Active close on a new connection: FIN_WAIT_1, FIN_WAIT_2, TIME_WAIT, then freed. */
	memset(&app, 0, sizeof(app));
	cl_port++;
	iss = handshake(9000, false);
	struct dp_tcp_conn *c = app.conn;
	dp_tcp_close(c);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, F | A);
	assert_string_equal(dp_tcp_state_name(c), "FIN_WAIT_1");
	cli_seg(A, 9001, iss + 2, 512, NULL, 0);
	assert_string_equal(dp_tcp_state_name(c), "FIN_WAIT_2");
	cli_seg(A | F, 9001, iss + 2, 512, NULL, 0);
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 9002);
	assert_string_equal(dp_tcp_state_name(c), "TIME_WAIT");
	assert_int_equal(app.closed, 1);
	/* A retransmitted FIN in TIME_WAIT is ACKed again. */
	cli_seg(A | F, 9001, iss + 2, 512, NULL, 0);
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 9002);
	assert_int_equal(dp_stack_conns_in_use(st), 1);
	advance_ms(1100);
	assert_int_equal(dp_stack_conns_in_use(st), 0);
}

static void test_syn_cookies(void **state)
{
	struct seg s;
	uint8_t o[8] = { 2, 4, 0x05, 0xb4, 1, 3, 3, 7 };
	(void)state;

	/* One SYN fills the backlog of 1 (no ACK comes back). */
	cli_seg_x(S, 1000, 0, 65535, o, 8, NULL, 0, false);
	assert_true(next_seg(&s));
	assert_true(s.ws >= 0);
	/* The next SYN gets a stateless cookie: MSS only, no window scale. */
	cl_port++;
	cli_seg_x(S, 7000, 0, 65535, o, 8, NULL, 0, false);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, S | A);
	assert_int_equal(s.ws, -1);
	assert_int_equal(s.mss, 1460);
	assert_int_equal(counter(DP_CNT_TCP_BACKLOG_FULL), 1);
	assert_int_equal(dp_stack_conns_in_use(st), 1);
	/* A forged ACK is refused. */
	cli_seg(A, 7001, s.seq + 2, 512, NULL, 0);
	assert_int_equal(counter(DP_CNT_TCP_COOKIE_BAD), 1);
	drain();
	/* The right ACK (with data) makes the connection. */
	app.consume = true;
	cli_seg(A | P, 7001, s.seq + 1, 512, "cookie", 6);
	assert_int_equal(counter(DP_CNT_TCP_COOKIE_OK), 1);
	assert_int_equal(app.accepted, 1);
	assert_int_equal(app.rx_len, 6);
	assert_int_equal(dp_stack_conns_in_use(st), 2);
}

static void test_active_open(void **state)
{
	struct seg s;
	struct dp_tcp_conn *c;
	struct dp_addr peer;
	(void)state;

	dp_addr_from_v4(&peer, 0x0a000002);
	assert_int_equal(dp_tcp_connect(st, &peer, 8080, &test_app, NULL, now, &c), FTLS_OK);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, S);
	assert_int_equal(s.dport, 8080);
	assert_int_equal(s.mss, 1460);
	uint16_t lport = s.sport;
	/* The SYN-ACK (MSS 1400) is built by hand: the helper only talks to port 80. */
	struct seg syn = s;
	uint8_t f[14 + 20 + 24];
	uint8_t *ip = f + 14, *t = ip + 20;
	memcpy(f, st_mac, 6); memcpy(f + 6, cl_mac, 6); put16(f + 12, 0x0800);
	memset(ip, 0, 20); ip[0] = 0x45; put16(ip + 2, 44); ip[8] = 64; ip[9] = 6;
	memcpy(ip + 12, cl_ip, 4); memcpy(ip + 16, st_ip, 4); put16(ip + 10, csum(ip, 20, 0));
	put16(t, 8080); put16(t + 2, lport); put32(t + 4, 777); put32(t + 8, syn.seq + 1);
	t[12] = 6 << 4; t[13] = S | A; put16(t + 14, 65535); put16(t + 16, 0); put16(t + 18, 0);
	t[20] = 2; t[21] = 4; put16(t + 22, 1400);
	uint32_t ps = 0x0a00 + 0x0002 + 0x0a00 + 0x0001 + 6 + 24;
	put16(t + 16, csum(t, 24, ps));
	dp_stack_input(st, f, sizeof(f), now);
	assert_int_equal(app.connected, 1);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, A);
	assert_int_equal(s.ack, 778);
	assert_string_equal(dp_tcp_state_name(c), "ESTABLISHED");
	/* Data uses the peer's smaller MSS. */
	uint8_t big[3000] = { 0 };
	assert_int_equal(dp_tcp_send(c, big, sizeof(big)), sizeof(big));
	assert_true(next_seg(&s));
	assert_int_equal(s.len, 1400);
}


/* ------------------------------------------------------------------ zero copy */

static size_t held_rcv(void)
{
	size_t r, w;
	dp_tcp_mem(app.conn, &r, &w);
	return r;
}

static size_t held_snd(void)
{
	size_t r, w;
	dp_tcp_mem(app.conn, &r, &w);
	return w;
}

/* Received payload is read where it arrived; a reference keeps it past consumption. */
static void test_zc_recv_in_place(void **state)
{
	struct dp_iov v[4];
	uint8_t o[12];
	(void)state;
	uint32_t iss = handshake(1000, true);

	cli_seg_x(A | P, 1001, iss + 1, 512, o, ts_opt(o, 102, 0), "hello", 5, false);
	void *first = last_in_pkt;
	cli_seg_x(A | P, 1006, iss + 1, 512, o, ts_opt(o, 103, 0), " world", 6, false);
	assert_int_equal(app.data, 2);
	assert_int_equal(dp_tcp_recv_avail(app.conn), 11);
	assert_int_equal(dp_tcp_recv_segs(app.conn, v, 4), 2);
	/* The views are the input buffers themselves: no copy was made. */
	assert_ptr_equal(v[0].pkt, first);
	assert_ptr_equal(v[1].pkt, last_in_pkt);
	assert_ptr_equal(v[0].p, ((struct tbuf *)first)->data + 14 + 20 + 20 + 12);
	assert_int_equal(v[0].len, 5);
	assert_memory_equal(v[0].p, "hello", 5);
	assert_memory_equal(v[1].p, " world", 6);
	assert_int_equal(live, 2);                     /* the stack's references only */
	assert_int_equal(held_rcv(), 2 * 2048);        /* truesize per buffer, whatever the length */
	const uint8_t *p;
	assert_int_equal(dp_tcp_recv_peek(app.conn, &p), 5);
	assert_ptr_equal(p, v[0].p);
	uint8_t buf[16];
	assert_int_equal(dp_tcp_recv_copy(app.conn, 3, buf, sizeof(buf)), 8);
	assert_memory_equal(buf, "lo world", 8);
	/* Keep "hello" past its consumption with our own reference. */
	dp_pkt_ref(st, v[0].pkt);
	dp_tcp_recv_consume(app.conn, 7);              /* "hello w": the first buffer goes */
	assert_int_equal(held_rcv(), 2048);
	assert_int_equal(live, 2);                     /* ours keeps the first alive */
	assert_memory_equal(v[0].p, "hello", 5);
	dp_pkt_free(st, v[0].pkt);
	assert_int_equal(live, 1);
	assert_int_equal(dp_tcp_recv_segs(app.conn, v, 4), 1);
	assert_int_equal(v[0].len, 4);
	assert_memory_equal(v[0].p, "orld", 4);
	dp_tcp_recv_consume(app.conn, 4);
	assert_int_equal(live, 0);
	assert_int_equal(held_rcv(), 0);
	assert_int_equal(dp_tcp_recv_segs(app.conn, v, 4), 0);
}

/* Out-of-order segments are held as views: trimmed against each other, duplicates dropped. */
static void test_zc_ooo_views(void **state)
{
	struct seg s;
	struct dp_iov v[8];
	uint8_t d[2000];
	(void)state;
	uint32_t iss = handshake(5000, false);

	for (size_t i = 0; i < sizeof(d); i++)
		d[i] = (uint8_t)(i * 13 + 1);
	/* Stream offsets are seq - 5001. [1000,1500) and [1800,2000) first. */
	cli_seg(A, 6001, iss + 1, 512, d + 1000, 500);
	cli_seg(A, 6801, iss + 1, 512, d + 1800, 200);
	assert_int_equal(held_rcv(), 2 * 2048);
	/* [1200,1400): already held, dropped. */
	cli_seg(A, 6201, iss + 1, 512, d + 1200, 200);
	assert_int_equal(counter(DP_CNT_TCP_OOO_DUP), 1);
	assert_int_equal(held_rcv(), 2 * 2048);
	/* [1400,1900): trimmed to the gap [1500,1800). */
	cli_seg(A, 6401, iss + 1, 512, d + 1400, 500);
	assert_int_equal(held_rcv(), 3 * 2048);
	/* [900,2000) covers all three: they go, it stays (one view). */
	cli_seg(A, 5901, iss + 1, 512, d + 900, 1100);
	assert_int_equal(held_rcv(), 1 * 2048);
	assert_int_equal(live, 1);
	drain();
	/* [0,1000) fills the hole: everything in order, in two views. */
	cli_seg(A, 5001, iss + 1, 512, d, 1000);
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 7001);
	assert_int_equal(s.nsack, 0);
	assert_int_equal(dp_tcp_recv_segs(app.conn, v, 8), 2);
	assert_int_equal(v[0].len, 1000);
	assert_int_equal(v[1].len, 1000);
	assert_ptr_equal(v[0].pkt, last_in_pkt);
	uint8_t got[2000];
	assert_int_equal(dp_tcp_recv_copy(app.conn, 0, got, sizeof(got)), 2000);
	assert_memory_equal(got, d, 2000);
	dp_tcp_recv_consume(app.conn, 2000);
	assert_int_equal(live, 0);
}

/* Caps count truesize: 1-byte segments cost a buffer each; small ones are collapsed, out-of-order
 * ones dropped at the cap, in-order data prunes out-of-order; the window follows the buffers. */
static void test_zc_caps_truesize(void **state)
{
	struct seg s;
	struct dp_iov v[4];
	(void)state;
	uint32_t iss = handshake(100, false);

	/* Two 4 KiB buffers may be held: the window is 2 x 1460, not rcvbuf (4096). */
	cli_seg(A, 101, iss + 1, 512, "a", 1);
	assert_int_equal(held_rcv(), 4096);
	cli_seg(A, 102, iss + 1, 512, "b", 1);
	assert_int_equal(held_rcv(), 8192);
	assert_true(next_seg(&s));                     /* second segment: immediate ACK */
	assert_int_equal(s.ack, 103);
	assert_int_equal(s.wnd, 2 * 1460 - 2);         /* never shrunk below what was offered */
	/* A third: the two small views are copied into one buffer to make room. */
	cli_seg(A, 103, iss + 1, 512, "c", 1);
	assert_int_equal(counter(DP_CNT_TCP_RCV_COLLAPSE), 1);
	assert_int_equal(held_rcv(), 8192);
	assert_int_equal(dp_tcp_recv_segs(app.conn, v, 4), 2);
	assert_int_equal(v[0].len, 2);
	assert_memory_equal(v[0].p, "ab", 2);
	assert_ptr_equal(v[1].pkt, last_in_pkt);
	/* Out of order at the cap: collapse makes room once ("abc" in one buffer), then no more. */
	cli_seg(A, 105, iss + 1, 512, "e", 1);
	assert_int_equal(held_rcv(), 8192);
	assert_int_equal(counter(DP_CNT_TCP_OOO), 1);
	cli_seg(A, 107, iss + 1, 512, "g", 1);
	assert_int_equal(counter(DP_CNT_TCP_RCV_MEM_DROP), 1);
	assert_int_equal(held_rcv(), 8192);
	/* In-order data prunes the out-of-order view rather than being dropped. */
	cli_seg(A, 104, iss + 1, 512, "d", 1);
	assert_int_equal(counter(DP_CNT_TCP_OOO_PRUNE), 1);
	assert_int_equal(dp_tcp_recv_avail(app.conn), 4);
	uint8_t got[4];
	assert_int_equal(dp_tcp_recv_copy(app.conn, 0, got, 4), 4);
	assert_memory_equal(got, "abcd", 4);
	/* Everything read: the right edge moves by what two buffers carry (2 x 1460), no more. */
	drain();
	dp_tcp_recv_consume(app.conn, 4);
	assert_int_equal(held_rcv(), 0);
	assert_true(next_seg(&s));
	assert_int_equal(s.ack, 105);
	assert_int_equal(s.wnd, 2 * 1460);
	assert_int_equal(live, 0);
}

/* Application buffers are sent as they are: cut by MSS across buffers, retransmitted from them,
 * released when every byte in them is acknowledged. */
static void test_zc_send_chain(void **state)
{
	struct seg s;
	struct dp_iov v[3];
	static const uint32_t lens[3] = { 1000, 999, 1500 };
	uint8_t all[3499];
	size_t at = 0;
	(void)state;
	uint32_t iss = handshake(100, false);

	for (unsigned i = 0; i < 3; i++) {
		void *pkt;
		uint8_t *b = dp_pkt_alloc(st, &pkt);
		assert_non_null(b);
		for (uint32_t k = 0; k < lens[i]; k++)
			b[k] = all[at + k] = (uint8_t)(at + k * 7 + i);
		v[i] = (struct dp_iov){ .pkt = pkt, .p = b, .len = lens[i] };
		at += lens[i];
	}
	assert_int_equal(dp_tcp_send_pkts(app.conn, v, 3), 3499);
	for (unsigned i = 0; i < 3; i++)
		dp_pkt_free(st, v[i].pkt);                  /* the stack keeps its own */
	assert_int_equal(live, 3);
	assert_int_equal(held_snd(), 3 * 2048);
	/* MSS 1460: [0,1460) = A + 460 of B; [1460,2920) = 539 of B (odd) + 921 of C; then 579 of C. */
	assert_true(next_seg(&s));
	assert_int_equal(s.len, 1460);
	assert_memory_equal(s.data, all, 1460);
	unsigned q = (out_head - 1) % NOUT;
	assert_int_equal(outq[q].nchain, 2);
	assert_ptr_equal(outq[q].chain_pkt[0], v[0].pkt);
	assert_ptr_equal(outq[q].chain_p[0], v[0].p);
	assert_ptr_equal(outq[q].chain_pkt[1], v[1].pkt);
	assert_true(next_seg(&s));                     /* checksum verified over the odd split */
	assert_int_equal(s.seq, iss + 1 + 1460);
	assert_int_equal(s.len, 1460);
	assert_memory_equal(s.data, all + 1460, 1460);
	q = (out_head - 1) % NOUT;
	assert_int_equal(outq[q].nchain, 2);
	assert_ptr_equal(outq[q].chain_p[0], v[1].p + 460);
	assert_ptr_equal(outq[q].chain_pkt[1], v[2].pkt);
	assert_true(next_seg(&s));
	assert_int_equal(s.len, 579);
	assert_memory_equal(s.data, all + 2920, 579);
	assert_false(next_seg(&s));
	/* The first segment is acknowledged: A goes (all its bytes), B stays (part of it is out). */
	cli_seg(A, 101, iss + 1 + 1460, 512, NULL, 0);
	assert_int_equal(live, 2);
	assert_int_equal(held_snd(), 2 * 2048);
	/* The rest is lost: the RTO resends it from the same buffers. */
	drain();
	advance_ms(1001);
	assert_true(next_seg(&s));
	assert_int_equal(s.seq, iss + 1 + 1460);
	assert_int_equal(s.len, 1460);
	assert_memory_equal(s.data, all + 1460, 1460);
	q = (out_head - 1) % NOUT;
	assert_ptr_equal(outq[q].chain_pkt[0], v[1].pkt);
	assert_ptr_equal(outq[q].chain_pkt[1], v[2].pkt);
	assert_true(counter(DP_CNT_TCP_RETRANS) >= 1);
	/* Acknowledged up to inside C: B goes; then all of it: C goes. */
	cli_seg(A, 101, iss + 1 + 2920, 512, NULL, 0);
	assert_int_equal(live, 1);
	cli_seg(A, 101, iss + 1 + 3499, 512, NULL, 0);
	assert_int_equal(live, 0);
	assert_int_equal(held_snd(), 0);
	/* dp_tcp_send copies small writes into shared pool buffers. */
	drain();
	assert_int_equal(dp_tcp_send(app.conn, "abc", 3), 3);
	assert_int_equal(dp_tcp_send(app.conn, "def", 3), 3);
	assert_int_equal(live, 1);
	assert_true(next_seg(&s));
	assert_memory_equal(s.data, "abc", 3);
	cli_seg(A, 101, iss + 1 + 3502, 512, NULL, 0);
	assert_true(next_seg(&s));
	assert_memory_equal(s.data, "def", 3);
	cli_seg(A, 101, iss + 1 + 3505, 512, NULL, 0);
	assert_int_equal(live, 0);
}

/* Tiny queued views: a segment chains at most 16 of them. */
static void test_zc_send_many_small(void **state)
{
	struct seg s;
	struct dp_iov v[40];
	void *pkt;
	(void)state;
	uint32_t iss = handshake(100, false);
	uint8_t *b = dp_pkt_alloc(st, &pkt);

	assert_non_null(b);
	for (unsigned i = 0; i < 40; i++) {
		b[i * 3] = (uint8_t)i;
		b[i * 3 + 1] = (uint8_t)(i + 100);
		b[i * 3 + 2] = (uint8_t)(i + 200);
		v[i] = (struct dp_iov){ .pkt = pkt, .p = b + i * 3, .len = 3 };   /* odd pieces */
	}
	assert_int_equal(dp_tcp_send_pkts(app.conn, v, 40), 120);
	dp_pkt_free(st, pkt);
	assert_int_equal(live, 1);
	unsigned segs = 0;
	size_t got = 0;
	while (next_seg(&s)) {
		assert_true(s.len <= 16 * 3);
		assert_memory_equal(s.data, b + got, s.len);
		got += s.len;
		segs++;
	}
	assert_int_equal(got, 120);
	assert_int_equal(segs, 3);
	cli_seg(A, 101, iss + 1 + 120, 512, NULL, 0);
	assert_int_equal(live, 0);
}

/* The global cap (mem_max) bounds what all connections hold, received and queued to send. */
static void test_zc_global_cap(void **state)
{
	uint8_t d[1000];
	(void)state;
	uint32_t iss = handshake(100, false);

	memset(d, 'g', sizeof(d));
	cli_seg(A, 101, iss + 1, 512, d, 1000);
	cli_seg(A, 1101, iss + 1, 512, d, 1000);
	assert_int_equal(dp_tcp_send(app.conn, "x", 1), 1);   /* the third buffer */
	assert_int_equal(live, 3);
	/* Nothing more fits: a fourth buffer is refused on both sides. */
	cli_seg(A, 2101, iss + 1, 512, d, 1000);
	assert_int_equal(counter(DP_CNT_TCP_RCV_MEM_DROP), 1);
	assert_int_equal(dp_tcp_recv_avail(app.conn), 2000);
	assert_int_equal(dp_tcp_send_space(app.conn), DP_FRAME_MAX - 1);   /* room left in "x"'s buffer */
	void *pkt;
	uint8_t *b = dp_pkt_alloc(st, &pkt);
	b[0] = 'y';
	struct dp_iov v = { .pkt = pkt, .p = b, .len = 1 };
	assert_int_equal(dp_tcp_send_pkts(app.conn, &v, 1), 0);
	/* Reading frees buffers: the dropped segment now fits, and so does the application's. */
	dp_tcp_recv_consume(app.conn, 2000);
	assert_int_equal(dp_tcp_send_pkts(app.conn, &v, 1), 1);
	dp_pkt_free(st, pkt);
	cli_seg(A, 2101, iss + 1, 512, d, 1000);
	assert_int_equal(dp_tcp_recv_avail(app.conn), 1000);
	assert_int_equal(live, 3);
}

/* Abort and reset release everything the connection held, exactly once. */
static void test_zc_abort_and_reset_release(void **state)
{
	struct dp_iov v;
	void *pkt;
	(void)state;
	uint32_t iss = handshake(100, false);

	cli_seg(A, 101, iss + 1, 512, "in order", 8);
	cli_seg(A, 201, iss + 1, 512, "out of order", 12);
	uint8_t *b = dp_pkt_alloc(st, &pkt);
	memcpy(b, "queued", 6);
	v = (struct dp_iov){ .pkt = pkt, .p = b, .len = 6 };
	assert_int_equal(dp_tcp_send_pkts(app.conn, &v, 1), 6);
	dp_pkt_free(st, pkt);
	assert_int_equal(live, 3);
	dp_tcp_abort(app.conn);
	assert_int_equal(live, 0);
	assert_int_equal(dp_stack_conns_in_use(st), 0);

	/* The same through a reset from the peer. */
	memset(&app, 0, sizeof(app));
	drain();
	cl_port++;
	iss = handshake(100, false);
	cli_seg(A, 101, iss + 1, 512, "in order", 8);
	cli_seg(A, 201, iss + 1, 512, "out of order", 12);
	assert_int_equal(dp_tcp_send(app.conn, "queued", 6), 6);
	assert_int_equal(live, 3);
	cli_seg(R, 109, 0, 0, NULL, 0);
	assert_int_equal(app.reset, 1);
	assert_int_equal(live, 0);
	assert_int_equal(dp_stack_conns_in_use(st), 0);
}

static void test_idle_timeout(void **state)
{
	struct seg s;
	(void)state;
	handshake(100, false);
	advance_ms(4990);
	assert_int_equal(app.timeout, 0);
	advance_ms(20);
	assert_int_equal(app.timeout, 1);
	assert_true(next_seg(&s));
	assert_true(s.flags & R);
	assert_int_equal(dp_stack_conns_in_use(st), 0);
}

static void test_malformed_segments(void **state)
{
	struct seg s;
	uint8_t bad_opt[4] = { 2, 0, 0, 0 };      /* length 0 */
	uint8_t overrun[4] = { 8, 10, 0, 0 };     /* runs past the header */
	(void)state;

	cli_seg_x(S, 1, 0, 100, NULL, 0, NULL, 0, true);
	assert_int_equal(counter(DP_CNT_TCP_BAD_CSUM), 1);
	cli_seg_x(S, 1, 0, 100, bad_opt, 4, NULL, 0, false);
	cli_seg_x(S, 1, 0, 100, overrun, 4, NULL, 0, false);
	assert_int_equal(counter(DP_CNT_TCP_BAD_OPT), 2);
	cli_seg(S | F, 1, 0, 100, NULL, 0);
	cli_seg(0, 1, 0, 100, NULL, 0);
	assert_int_equal(counter(DP_CNT_TCP_BAD_FLAGS), 2);
	assert_int_equal(pending(), 0);
	assert_int_equal(dp_stack_conns_in_use(st), 0);
	/* After all that, a good SYN still works. */
	cli_seg(S, 41, 0, 100, NULL, 0);
	assert_true(next_seg(&s));
	assert_int_equal(s.flags, S | A);
	/* Every length of a truncated valid SYN frame is handled. */
	uint8_t f[DP_FRAME_MAX];
	for (size_t n = 0; n < 60; n++) {
		memset(f, 0, sizeof(f));
		memcpy(f, st_mac, 6);
		put16(f + 12, 0x0800);
		f[14] = 0x45;
		dp_stack_input(st, f, n, now);
	}
	assert_int_equal(pending(), 0);
}

/* Reads everything the stack sends on the connection, ACKing as it goes, until FIN or silence. */
static size_t collect(uint32_t *rcv_nxt, uint32_t cseq, uint8_t *out, size_t cap, bool *fin)
{
	struct seg s;
	size_t n = 0;

	*fin = false;
	for (int rounds = 0; rounds < 2000 && !*fin; rounds++) {
		bool any = false;
		while (next_seg(&s)) {
			any = true;
			if (s.seq == *rcv_nxt && s.len) {
				assert_true(n + s.len <= cap);
				memcpy(out + n, s.data, s.len);
				n += s.len;
				*rcv_nxt += (uint32_t)s.len;
			}
			if ((s.flags & F) && s.seq + s.len == *rcv_nxt) {
				*rcv_nxt += 1;
				*fin = true;
			}
		}
		if (any)
			cli_seg(A, cseq, *rcv_nxt, 512, NULL, 0);
		else
			advance_ms(1);
	}
	return n;
}

static void test_http_pipelined_keepalive(void **state)
{
	static uint8_t got[200000];
	static const char req[] = "GET /100000 HTTP/1.1\r\nHost: x\r\n\r\n"
				  "GET /bytes/7 HTTP/1.1\r\nConnection: close\r\n\r\n";
	struct seg s;
	bool fin;
	(void)state;

	assert_int_equal(dp_tcp_listen(st, 8080, &dp_app_http, NULL), FTLS_OK);
	srv_port = 8080;
	cli_seg(S, 500, 0, 65535, NULL, 0);
	assert_true(next_seg(&s));
	uint32_t rcv = s.seq + 1;
	cli_seg(A, 501, rcv, 512, NULL, 0);
	cli_seg(A | P, 501, rcv, 512, req, sizeof(req) - 1);
	size_t n = collect(&rcv, 501 + (uint32_t)sizeof(req) - 1, got, sizeof(got), &fin);
	assert_true(fin);
	/* Two responses: 100000 pattern bytes, then 7, then the server closes. */
	const char *h1 = strstr((const char *)got, "\r\n\r\n");
	assert_non_null(h1);
	assert_non_null(strstr((const char *)got, "Content-Length: 100000\r\n"));
	const uint8_t *b1 = (const uint8_t *)h1 + 4;
	for (size_t i = 0; i < 100000; i++)
		if (b1[i] != dp_app_http_byte(i))
			fail_msg("body byte %zu differs", i);
	const char *r2 = (const char *)b1 + 100000;
	assert_true(strncmp(r2, "HTTP/1.1 200 OK\r\n", 17) == 0);
	assert_non_null(strstr(r2, "Connection: close"));
	const char *h2 = strstr(r2, "\r\n\r\n");
	assert_non_null(h2);
	assert_memory_equal(h2 + 4, "abcdefg", 7);
	assert_int_equal((size_t)((const uint8_t *)h2 + 4 + 7 - got), n);
	/* Our ACK of the FIN, then the client's FIN: the connection goes away cleanly. */
	cli_seg(A | F, 501 + (uint32_t)sizeof(req) - 1, rcv, 512, NULL, 0);
	drain();
	advance_ms(2000);
	assert_int_equal(dp_stack_conns_in_use(st), 0);
}

static void test_echo_large_with_backpressure(void **state)
{
	static uint8_t data[150000], got[150000];
	struct seg s;
	bool fin;
	(void)state;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	assert_int_equal(dp_tcp_listen(st, 7, &dp_app_echo, NULL), FTLS_OK);
	srv_port = 7;
	cli_seg(S, 1, 0, 65535, NULL, 0);
	assert_true(next_seg(&s));
	uint32_t rcv = s.seq + 1, seq = 2;
	cli_seg(A, 2, rcv, 512, NULL, 0);
	/* Push in 1000-byte segments within the window the stack offers; read echoes as they come. */
	size_t sent = 0, n = 0;
	uint32_t wnd = 65535;
	while (sent < sizeof(data)) {
		size_t k = sizeof(data) - sent < 1000 ? sizeof(data) - sent : 1000;
		if (seq + k - 2 - n > wnd) {
			/* Window full: ACK what came back so the echo can drain. */
			while (next_seg(&s)) {
				if (s.seq == rcv && s.len) {
					memcpy(got + n, s.data, s.len);
					n += s.len;
					rcv += (uint32_t)s.len;
				}
				wnd = (uint32_t)s.wnd;
			}
			cli_seg(A, seq, rcv, 512, NULL, 0);
			advance_ms(1);
			continue;
		}
		cli_seg(A, seq, rcv, 512, data + sent, k);
		sent += k;
		seq += (uint32_t)k;
	}
	cli_seg(A | F, seq, rcv, 512, NULL, 0);
	n += collect(&rcv, seq + 1, got + n, sizeof(got) - n, &fin);
	assert_true(fin);
	assert_int_equal(n, sizeof(data));
	assert_memory_equal(got, data, sizeof(data));
	assert_int_equal(dp_stack_conns_in_use(st), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_arp_and_icmp, setup, teardown),
		cmocka_unit_test_setup_teardown(test_handshake_data_delack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ooo_sack_reassembly, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rto_backoff_and_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fast_retransmit_sack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sack_blocks_fit_mss, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recovery_hole_within_sent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zero_window_probe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rst_and_syn_rfc5961, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paws, setup, teardown),
		cmocka_unit_test_setup_teardown(test_passive_and_active_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syn_cookies, setup_backlog1, teardown),
		cmocka_unit_test_setup_teardown(test_active_open, setup, teardown),
		cmocka_unit_test_setup_teardown(test_idle_timeout, setup_idle, teardown),
		cmocka_unit_test_setup_teardown(test_malformed_segments, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_pipelined_keepalive, setup, teardown),
		cmocka_unit_test_setup_teardown(test_echo_large_with_backpressure, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zc_recv_in_place, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zc_ooo_views, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zc_caps_truesize, setup_small, teardown),
		cmocka_unit_test_setup_teardown(test_zc_send_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zc_send_many_small, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zc_abort_and_reset_release, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zc_global_cap, setup_global_cap, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
