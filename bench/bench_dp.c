/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-dp, part one: the per-lcore cost of the dataplane stack with a DPDK-side generator. Two
 * stacks (a sending client and a discarding server) are joined back to back through two net_ring
 * ports (rte_eth_from_rings) and polled by one lcore; the client opens a TCP connection and sends
 * N bytes, the server consumes them. Reports segments/s and Gbps for the lcore (which carries
 * both ends, so the figure for a lcore that only receives is higher) and cycles per segment.
 * Not for: kernel comparisons (bench/bench_dp.sh does TAP versus kernel over veth).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "dataplane/dp_stack.h"

enum { BURST = 32, TXQ = 128 };

struct side {
	uint16_t port;
	struct rte_mempool *pool;
	struct rte_mbuf *txq[TXQ];
	unsigned ntx;
	struct dp_stack *st;
	uint64_t cycles;   /* spent polling this side */
};

static uint64_t total, sent, received;
static int done;
static uint8_t payload[65536];

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void flush(struct side *s)
{
	unsigned k = 0;
	while (k < s->ntx) {
		uint16_t n = rte_eth_tx_burst(s->port, 0, s->txq + k, (uint16_t)(s->ntx - k));
		if (!n)
			break;
		k += n;
	}
	for (; k < s->ntx; k++)
		rte_pktmbuf_free(s->txq[k]);
	s->ntx = 0;
}

static uint8_t *io_alloc(void *ctx, void **pkt)
{
	struct side *s = ctx;
	struct rte_mbuf *m = rte_pktmbuf_alloc(s->pool);
	if (!m)
		return NULL;
	*pkt = m;
	return rte_pktmbuf_mtod(m, uint8_t *);
}

static void io_send(void *ctx, void *pkt, size_t len)
{
	struct side *s = ctx;
	struct rte_mbuf *m = pkt;
	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	if (s->ntx == TXQ)
		flush(s);
	s->txq[s->ntx++] = m;
}

static void io_free(void *ctx, void *pkt)
{
	(void)ctx;
	rte_pktmbuf_free(pkt);
}

static void pump(struct dp_tcp_conn *c)
{
	while (sent < total) {
		size_t want = total - sent < sizeof(payload) ? (size_t)(total - sent) : sizeof(payload);
		size_t n = dp_tcp_send(c, payload, want);
		sent += n;
		if (n < want)
			return;
	}
	dp_tcp_close(c);
}

static bool sink_accept(struct dp_tcp_conn *c, void *arg) { (void)c; (void)arg; return true; }
static void sink_data(struct dp_tcp_conn *c)
{
	const uint8_t *p;
	size_t n;
	while ((n = dp_tcp_recv_peek(c, &p)) > 0) {
		received += n;
		dp_tcp_recv_consume(c, n);
	}
}
static void sink_peer_closed(struct dp_tcp_conn *c) { dp_tcp_close(c); }
static void sink_closed(struct dp_tcp_conn *c) { (void)c; done = 1; }
static void sink_reset(struct dp_tcp_conn *c) { (void)c; done = -1; }

static const struct dp_tcp_app client_app = { .connected = pump, .writable = pump, .reset = sink_reset,
					       .timeout = sink_reset };
static const struct dp_tcp_app server_app = { .accept = sink_accept, .data = sink_data,
					      .peer_closed = sink_peer_closed, .closed = sink_closed,
					      .reset = sink_reset, .timeout = sink_reset };

static void poll_side(struct side *s, uint64_t now)
{
	struct rte_mbuf *rx[BURST];
	uint64_t c0 = rte_rdtsc();
	uint16_t n = rte_eth_rx_burst(s->port, 0, rx, BURST);
	for (uint16_t i = 0; i < n; i++) {
		dp_stack_input(s->st, rte_pktmbuf_mtod(rx[i], const uint8_t *), rx[i]->data_len, now);
		rte_pktmbuf_free(rx[i]);
	}
	dp_stack_timers(s->st, now);
	flush(s);
	s->cycles += rte_rdtsc() - c0;
}

int main(int argc, char **argv)
{
	char *eal[] = { argv[0], (char *)"--no-huge", (char *)"-m", (char *)"512", (char *)"--no-pci",
			(char *)"--no-shconf", (char *)"-l", (char *)"0", (char *)"--log-level", (char *)"*:error", NULL };
	struct side a = { 0 }, b = { 0 };
	struct rte_ring *r1, *r2;
	struct dp_stack_conf ca, cb;
	struct dp_tcp_conn *conn;
	struct dp_addr dst;

	total = argc > 1 ? strtoull(argv[1], NULL, 0) : (1ull << 30);
	if (rte_eal_init(10, eal) < 0) {
		fprintf(stderr, "bench_dp: EAL init failed\n");
		return 1;
	}
	struct rte_mempool *pool = rte_pktmbuf_pool_create("bench", 16383, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	r1 = rte_ring_create("r1", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	r2 = rte_ring_create("r2", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!pool || !r1 || !r2)
		return 1;
	int pa = rte_eth_from_rings("ra", &r1, 1, &r2, 1, 0);
	int pb = rte_eth_from_rings("rb", &r2, 1, &r1, 1, 0);
	if (pa < 0 || pb < 0)
		return 1;
	for (int p = 0; p < 2; p++) {
		uint16_t port = (uint16_t)(p ? pb : pa);
		struct rte_eth_conf pc;
		memset(&pc, 0, sizeof(pc));
		if (rte_eth_dev_configure(port, 1, 1, &pc) || rte_eth_rx_queue_setup(port, 0, 1024, 0, NULL, pool) ||
		    rte_eth_tx_queue_setup(port, 0, 1024, 0, NULL) || rte_eth_dev_start(port))
			return 1;
	}
	a.port = (uint16_t)pa;
	b.port = (uint16_t)pb;
	a.pool = b.pool = pool;
	dp_stack_conf_defaults(&ca);
	ca.max_conns = 16;
	ca.sndbuf = ca.rcvbuf = 1u << 20;
	cb = ca;
	memcpy(ca.mac, "\x02\0\0\0\0\x0a", 6);
	memcpy(cb.mac, "\x02\0\0\0\0\x0b", 6);
	dp_addr_from_v4(&ca.ip4, 0x0a630001);
	dp_addr_from_v4(&cb.ip4, 0x0a630002);
	ca.ip4_prefix = cb.ip4_prefix = 24;
	const struct dp_io ia = { .ctx = &a, .alloc = io_alloc, .send = io_send, .free = io_free };
	const struct dp_io ib = { .ctx = &b, .alloc = io_alloc, .send = io_send, .free = io_free };
	a.st = dp_stack_create(&ca, &ia);
	b.st = dp_stack_create(&cb, &ib);
	if (!a.st || !b.st || dp_tcp_listen(b.st, 9, &server_app, NULL) != FTLS_OK)
		return 1;
	memset(payload, 0x5a, sizeof(payload));
	dp_addr_from_v4(&dst, 0x0a630002);
	uint64_t t0 = now_us(), c0 = rte_rdtsc();
	if (dp_tcp_connect(a.st, &dst, 9, &client_app, NULL, t0, &conn) != FTLS_OK)
		return 1;
	while (!done) {
		uint64_t now = now_us();
		poll_side(&a, now);
		poll_side(&b, now);
		if (now - t0 > 120000000u) {
			fprintf(stderr, "bench_dp: no progress after 120 s\n");
			return 1;
		}
	}
	uint64_t t1 = now_us(), c1 = rte_rdtsc();
	const uint64_t *sa = dp_stack_counters(a.st), *sb = dp_stack_counters(b.st);
	uint64_t segs = sb[DP_CNT_TCP_SEGS_IN];
	double secs = (double)(t1 - t0) / 1e6;
	double hz = (double)rte_get_tsc_hz();
	printf("bench-dp: net_ring, 1 lcore carrying both ends: %llu bytes in %.3f s, %s\n",
	       (unsigned long long)received, secs, done > 0 && received == total ? "complete" : "INCOMPLETE");
	printf("bench-dp: data segments %llu (+ %llu ACKs), retransmits %llu\n",
	       (unsigned long long)segs, (unsigned long long)sa[DP_CNT_TCP_SEGS_IN],
	       (unsigned long long)(sa[DP_CNT_TCP_RETRANS] + sb[DP_CNT_TCP_RETRANS]));
	printf("bench-dp: per lcore: %.2f M data segments/s, %.2f Gbit/s, %.0f cycles per data segment (both ends)\n",
	       (double)segs / secs / 1e6, (double)received * 8 / secs / 1e9, (double)(c1 - c0) / (double)segs);
	/* The receiving end alone: its share of the cycles, as if it had the lcore to itself. */
	double rx_cps = (double)b.cycles / (double)segs;
	printf("bench-dp: receiving end alone: %.0f cycles per segment = %.2f M segments/s, %.2f Gbit/s per lcore\n",
	       rx_cps, hz / rx_cps / 1e6, hz / rx_cps * ((double)received / (double)segs) * 8 / 1e9);
	printf("bench-dp: sending end alone: %.0f cycles per segment = %.2f M segments/s per lcore\n",
	       (double)a.cycles / (double)segs, hz / ((double)a.cycles / (double)segs) / 1e6);
	printf("bench-dp: target >= 1 M segments/s per lcore (receiving end): ratio %.2f\n", hz / rx_cps / 1e6);
	dp_stack_destroy(a.st);
	dp_stack_destroy(b.st);
	rte_eal_cleanup();
	return done > 0 && received == total ? 0 : 1;
}
