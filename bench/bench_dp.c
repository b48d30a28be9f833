/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-dp, part one: the per-lcore cost of the dataplane stack with a DPDK-side generator. Two
 * stacks (a sending client and a discarding server) are joined back to back through two net_ring
 * ports (rte_eth_from_rings) and polled by one lcore; the client opens a TCP connection and sends
 * N bytes, the server consumes them. Zero copy both ways: the client queues 64 payload mbufs by
 * reference over and over (frames leave as a header mbuf chained to indirect mbufs), the server
 * reads the payload in the received mbufs and consumes it. Reports segments/s and Gbps for the lcore (which carries
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
	struct rte_mempool *pool, *ind_pool;
	struct rte_mbuf *txq[TXQ];
	unsigned ntx;
	struct dp_stack *st;
	uint64_t cycles;   /* spent polling this side */
};

static uint64_t total, sent, received;
static int done;
/* The payload: mbufs filled once, queued again and again by reference (zero copy). */
enum { NPAY = 64, PAYLEN = 1460 };
static struct dp_iov payload[NPAY];
static unsigned pay_next;

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

static void io_send_chain(void *ctx, void *pkt, size_t hdr_len, const struct dp_iov *v, unsigned n)
{
	struct side *s = ctx;
	struct rte_mbuf *m = pkt, *last = m;
	m->data_len = (uint16_t)hdr_len;
	m->pkt_len = (uint32_t)hdr_len;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *mi = rte_pktmbuf_alloc(s->ind_pool);
		if (!mi) {
			rte_pktmbuf_free(m);
			return;
		}
		rte_pktmbuf_attach(mi, v[i].pkt);
		mi->data_off = (uint16_t)(v[i].p - (const uint8_t *)mi->buf_addr);
		mi->data_len = (uint16_t)v[i].len;
		mi->pkt_len = v[i].len;
		last->next = mi;
		last = mi;
		m->nb_segs++;
		m->pkt_len += v[i].len;
	}
	if (s->ntx == TXQ)
		flush(s);
	s->txq[s->ntx++] = m;
}

static void io_ref(void *ctx, void *pkt)
{
	(void)ctx;
	rte_mbuf_refcnt_update(pkt, 1);
}

static void io_free(void *ctx, void *pkt)
{
	(void)ctx;
	rte_pktmbuf_free(pkt);
}

static void pump(struct dp_tcp_conn *c)
{
	/* Up to 32 payload buffers per call (like one 46 KB write): one output pass for the lot. */
	while (sent < total) {
		struct dp_iov v[32];
		unsigned n = 0;
		uint64_t want = 0;
		for (unsigned k = pay_next; n < 32 && sent + want < total; k = (k + 1) % NPAY) {
			v[n] = payload[k];
			if (total - sent - want < v[n].len)
				v[n].len = (uint32_t)(total - sent - want);
			want += v[n++].len;
		}
		size_t took = dp_tcp_send_pkts(c, v, n), left = took;
		sent += took;
		/* Advance over what was taken; a buffer cut short starts later next time. */
		while (left) {
			struct dp_iov *p = &payload[pay_next];
			if (left < p->len) {
				p->p += left;
				p->len -= (uint32_t)left;
				break;
			}
			left -= p->len;
			p->p = rte_pktmbuf_mtod((struct rte_mbuf *)p->pkt, const uint8_t *);
			p->len = PAYLEN;
			pay_next = (pay_next + 1) % NPAY;
		}
		if (took < want)
			return;   /* the queue is full: resumes on writable */
	}
	dp_tcp_close(c);
}

static bool sink_accept(struct dp_tcp_conn *c, void *arg) { (void)c; (void)arg; return true; }
static void sink_data(struct dp_tcp_conn *c)
{
	struct dp_iov v[32];
	unsigned n;
	while ((n = dp_tcp_recv_segs(c, v, 32)) > 0) {
		size_t k = 0;
		for (unsigned i = 0; i < n; i++)
			k += v[i].len;
		received += k;
		dp_tcp_recv_consume(c, k);
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

static uint64_t wire_cycles;   /* what a NIC's DMA would do: chained frames made contiguous */

static void poll_side(struct side *s, uint64_t now)
{
	struct rte_mbuf *rx[BURST];
	uint64_t c0 = rte_rdtsc();
	uint16_t n = rte_eth_rx_burst(s->port, 0, rx, BURST);
	for (uint16_t i = 0; i < n; i++) {
		if (rx[i]->nb_segs > 1) {
			/* net_ring hands the sender's chain over as is; a wire and a NIC would deliver
			 * one contiguous frame. That copy is the wire's, not the receiver's. */
			uint64_t w0 = rte_rdtsc();
			if (rte_pktmbuf_linearize(rx[i]) != 0) {
				rte_pktmbuf_free(rx[i]);
				continue;
			}
			uint64_t w = rte_rdtsc() - w0;
			wire_cycles += w;
			c0 += w;
		}
		dp_stack_input_pkt(s->st, rx[i], rte_pktmbuf_mtod(rx[i], const uint8_t *), rx[i]->data_len, now, 0);
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
	struct rte_mempool *ind = rte_pktmbuf_pool_create("bench_ind", 16383, 256, 0, 0, 0);
	r1 = rte_ring_create("r1", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	r2 = rte_ring_create("r2", 4096, 0, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (!pool || !ind || !r1 || !r2)
		return 1;
	for (unsigned i = 0; i < NPAY; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
		uint8_t *d = m ? (uint8_t *)rte_pktmbuf_append(m, PAYLEN) : NULL;
		if (!d)
			return 1;
		memset(d, 0x5a, PAYLEN);
		payload[i] = (struct dp_iov){ .pkt = m, .p = d, .len = PAYLEN };
	}
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
	a.ind_pool = b.ind_pool = ind;
	dp_stack_conf_defaults(&ca);
	ca.max_conns = 16;
	ca.sndbuf = ca.rcvbuf = 1u << 20;
	cb = ca;
	memcpy(ca.mac, "\x02\0\0\0\0\x0a", 6);
	memcpy(cb.mac, "\x02\0\0\0\0\x0b", 6);
	dp_addr_from_v4(&ca.ip4, 0x0a630001);
	dp_addr_from_v4(&cb.ip4, 0x0a630002);
	ca.ip4_prefix = cb.ip4_prefix = 24;
	const uint32_t truesize = pool->elt_size + pool->header_size + pool->trailer_size;
	const struct dp_io ia = { .ctx = &a, .alloc = io_alloc, .send = io_send, .free = io_free, .ref = io_ref,
				  .send_chain = io_send_chain, .truesize = truesize };
	const struct dp_io ib = { .ctx = &b, .alloc = io_alloc, .send = io_send, .free = io_free, .ref = io_ref,
				  .send_chain = io_send_chain, .truesize = truesize };
	a.st = dp_stack_create(&ca, &ia);
	b.st = dp_stack_create(&cb, &ib);
	if (!a.st || !b.st || dp_tcp_listen(b.st, 9, &server_app, NULL) != FTLS_OK)
		return 1;
	dp_addr_from_v4(&dst, 0x0a630002);
	uint64_t t0 = now_us(), c0 = rte_rdtsc();
	if (dp_tcp_connect(a.st, &dst, 9, &client_app, NULL, t0, &conn) != FTLS_OK)
		return 1;
	while (!done) {
		uint64_t now = now_us();
		poll_side(&a, now);
		poll_side(&b, now);
		if (now - t0 > (uint64_t)(getenv("DP_BENCH_TIMEOUT") ? atoi(getenv("DP_BENCH_TIMEOUT")) : 120) * 1000000u) {
			fprintf(stderr, "bench_dp: no progress after 120 s (sent %llu, received %llu)\n",
				(unsigned long long)sent, (unsigned long long)received);
			dp_stack_dump_conns(a.st, stderr, 4);
			dp_stack_dump_conns(b.st, stderr, 4);
			for (int k = 0; k < DP_CNT__COUNT; k++)
				if (dp_stack_counters(a.st)[k] || dp_stack_counters(b.st)[k])
					fprintf(stderr, "bench_dp: %s %llu %llu\n", dp_cnt_name(k),
						(unsigned long long)dp_stack_counters(a.st)[k],
						(unsigned long long)dp_stack_counters(b.st)[k]);
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
	/* Both ends on one lcore, without the wire's copy (net_ring passes chains; a NIC would not). */
	double both = (double)(c1 - c0 - wire_cycles) / (double)segs;
	printf("bench-dp: per lcore: %.2f M data segments/s, %.2f Gbit/s, %.0f cycles per data segment (both ends)\n",
	       hz / both / 1e6, hz / both * ((double)received / (double)segs) * 8 / 1e9, both);
	/* The receiving end alone: its share of the cycles, as if it had the lcore to itself. */
	double rx_cps = (double)b.cycles / (double)segs;
	printf("bench-dp: receiving end alone: %.0f cycles per segment = %.2f M segments/s, %.2f Gbit/s per lcore\n",
	       rx_cps, hz / rx_cps / 1e6, hz / rx_cps * ((double)received / (double)segs) * 8 / 1e9);
	printf("bench-dp: sending end alone: %.0f cycles per segment = %.2f M segments/s per lcore\n",
	       (double)a.cycles / (double)segs, hz / ((double)a.cycles / (double)segs) / 1e6);
	printf("bench-dp: target >= 1 M segments/s per lcore (receiving end): ratio %.2f\n", hz / rx_cps / 1e6);
	printf("bench-dp: (the wire: %.0f cycles per segment making chained frames contiguous, left out above)\n",
	       (double)wire_cycles / (double)segs);
	for (int i = 0; i < 64; i++) {   /* drain what is still in the rings */
		poll_side(&a, t1);
		poll_side(&b, t1);
	}
	dp_stack_destroy(a.st);
	dp_stack_destroy(b.st);
	for (unsigned i = 0; i < NPAY; i++)
		rte_pktmbuf_free(payload[i].pkt);
	printf("bench-dp: mbufs in use at the end: %u (0: every reference came back)\n",
	       rte_mempool_in_use_count(pool));
	rte_eal_cleanup();
	return done > 0 && received == total ? 0 : 1;
}
