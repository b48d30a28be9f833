/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ftls-dataplane: the DPDK primary process. Reads the dataplane config (--config FILE or the
 * embedded default), starts EAL, brings up one port with one RX/TX queue pair per lcore (RSS with
 * a symmetric key when there are several queues, so both directions of a flow reach the same
 * lcore), builds a per-lcore stack over that queue pair, opens the plain listeners and polls until
 * SIGINT/SIGTERM. Counters go to stdout on exit and on SIGUSR1. Mbufs come from one mempool
 * sized at start-up (plus one of indirect mbufs for chained payload); the poll loop allocates
 * nothing else. Received mbufs go to the stack by reference (it keeps payload in them), and
 * frames leave as header mbufs chained to indirect mbufs over the connections' buffers. Not for: the protocol code (dp_net.c,
 * dp_tcp*.c) or the responders (dp_apps.c).
 */
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "common/log.h"
#include "dataplane/dp_config.h"
#include "dataplane/dp_stack.h"

enum { BURST = 32, TXQ_MAX = 128 };

static volatile sig_atomic_t stop_flag, dump_flag;

struct lcore_ctx {
	unsigned id;       /* queue index */
	uint16_t port;
	struct rte_mempool *pool;
	struct rte_mempool *ind_pool;   /* indirect mbufs: chained payload views */
	struct dp_stack *st;
	struct rte_ring *neigh;   /* ARP/ND frames other lcores received, for us to learn from */
	struct rte_mbuf *txq[TXQ_MAX];
	unsigned ntx;
	uint64_t tx_dropped;
	uint64_t tx_oversize;
} __rte_cache_aligned;

static struct lcore_ctx lctx[RTE_MAX_LCORE];
/* Checksum offloads the port has (and we enabled). */
static bool tx_tcp_csum, rx_csum;
static struct dp_config cfg;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		dump_flag = 1;
	else
		stop_flag = 1;
}

static uint64_t now_us(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void tx_flush(struct lcore_ctx *l)
{
	unsigned sent = 0, stalls = 0, limit = 64;

	/*
	 * A full TX ring gets a few more tries; then the frame at the head is dropped (and counted)
	 * and the rest go on. The port cannot say "full" from "refused" (a frame it will never take
	 * must not take the burst behind it along); after one drop the ring is known busy, so later
	 * frames get fewer tries.
	 */
	while (sent < l->ntx) {
		uint16_t n = rte_eth_tx_burst(l->port, (uint16_t)l->id, l->txq + sent, (uint16_t)(l->ntx - sent));
		sent += n;
		if (n) {
			stalls = 0;
			continue;
		}
		if (++stalls < limit)
			continue;
		rte_pktmbuf_free(l->txq[sent++]);
		l->tx_dropped++;
		stalls = 0;
		limit = 4;
	}
	l->ntx = 0;
}

static uint8_t *io_alloc(void *ctx, void **pkt)
{
	struct lcore_ctx *l = ctx;
	struct rte_mbuf *m = rte_pktmbuf_alloc(l->pool);

	if (!m)
		return NULL;
	*pkt = m;
	return rte_pktmbuf_mtod(m, uint8_t *);
}

/* Marks a TCP frame for the port's checksum offload (the stack left the pseudo-header sum). */
static void tx_offload(struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	const uint16_t type = (uint16_t)(f[12] << 8 | f[13]);

	if (!tx_tcp_csum || m->data_len < 14 + 20)
		return;
	if (type == 0x0800 && f[14 + 9] == 6 && m->data_len >= 14 + 20 + 20) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_TCP_CKSUM;
		m->l2_len = 14;
		m->l3_len = 20;
		m->l4_len = (uint64_t)(f[14 + 20 + 12] >> 4) * 4;
	} else if (type == 0x86dd && m->data_len >= 14 + 40 + 20 && f[14 + 6] == 6) {
		m->ol_flags |= RTE_MBUF_F_TX_IPV6 | RTE_MBUF_F_TX_TCP_CKSUM;
		m->l2_len = 14;
		m->l3_len = 40;
		m->l4_len = (uint64_t)(f[14 + 40 + 12] >> 4) * 4;
	}
}

static void tx_queue(struct lcore_ctx *l, struct rte_mbuf *m)
{
	/* The stack never builds a frame over the MTU; if it ever did, name it rather than let the
	 * port refuse it. */
	if (unlikely(m->pkt_len > DP_FRAME_MAX)) {
		rte_pktmbuf_free(m);
		l->tx_oversize++;
		return;
	}
	if (l->ntx == TXQ_MAX)
		tx_flush(l);
	l->txq[l->ntx++] = m;
}

static void io_send(void *ctx, void *pkt, size_t len)
{
	struct rte_mbuf *m = pkt;

	m->data_len = (uint16_t)len;
	m->pkt_len = (uint32_t)len;
	tx_offload(m);
	tx_queue(ctx, m);
}

/*
 * A header mbuf followed by payload views: each view becomes an indirect mbuf attached to the
 * view's buffer (which takes a reference on it), so the stack keeps its own reference for
 * retransmission and the port frees the chain when sent.
 */
static void io_send_chain(void *ctx, void *pkt, size_t hdr_len, const struct dp_iov *v, unsigned n)
{
	struct lcore_ctx *l = ctx;
	struct rte_mbuf *m = pkt, *last = m;
	bool odd = false;

	m->data_len = (uint16_t)hdr_len;
	m->pkt_len = (uint32_t)hdr_len;
	for (unsigned i = 0; i < n; i++) {
		struct rte_mbuf *mi = rte_pktmbuf_alloc(l->ind_pool);
		if (!mi) {
			rte_pktmbuf_free(m);   /* the chain so far; TCP sends it again */
			l->tx_dropped++;
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
		odd |= i + 1 < n && (v[i].len & 1);
	}
	/* With an odd piece before the last the stack summed the segment itself (the PMD would sum
	 * each piece on its own, which is only right for even lengths): no offload then. */
	if (!odd)
		tx_offload(m);
	tx_queue(l, m);
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

static void dump_counters(void)
{
	uint64_t sum[DP_CNT__COUNT] = { 0 };
	uint64_t txd = 0, txo = 0, conns = 0, states[32] = { 0 };

	for (unsigned i = 0; i < cfg.lcores; i++) {
		if (!lctx[i].st)
			continue;
		const uint64_t *c = dp_stack_counters(lctx[i].st);
		for (unsigned k = 0; k < DP_CNT__COUNT; k++)
			sum[k] += c[k];
		txd += lctx[i].tx_dropped;
		txo += lctx[i].tx_oversize;
		conns += dp_stack_conns_in_use(lctx[i].st);
		dp_stack_conn_states(lctx[i].st, states);
	}
	printf("dp-stats: begin\n");
	for (unsigned k = 0; k < DP_CNT__COUNT; k++)
		if (sum[k])
			printf("dp-stats: %s %llu\n", dp_cnt_name(k), (unsigned long long)sum[k]);
	for (unsigned i = 0; i < cfg.lcores; i++)
		if (lctx[i].st)
			printf("dp-lcore: %u accepted %llu segs_in %llu\n", i,
			       (unsigned long long)dp_stack_counters(lctx[i].st)[DP_CNT_TCP_ACCEPTED],
			       (unsigned long long)dp_stack_counters(lctx[i].st)[DP_CNT_TCP_SEGS_IN]);
	printf("dp-stats: TX_RING_FULL %llu\n", (unsigned long long)txd);
	printf("dp-stats: TX_OVERSIZE %llu\n", (unsigned long long)txo);
	printf("dp-stats: CONNS_IN_USE %llu\n", (unsigned long long)conns);
	for (unsigned k = 0; k < dp_tcp_state_count() && k < 32; k++)
		if (states[k])
			printf("dp-stats: STATE_%s %llu\n", dp_tcp_state_str(k), (unsigned long long)states[k]);
	for (unsigned i = 0; i < cfg.lcores; i++)
		if (lctx[i].st)
			dp_stack_dump_conns(lctx[i].st, stdout, 20);
	printf("dp-stats: end\n");
	fflush(stdout);
}

/*
 * Neighbour learning is per lcore (shared-nothing), but a reply to one lcore's ARP or neighbour
 * solicitation may land on another lcore's queue: copies of ARP/ND frames go to every other
 * lcore's ring (multi-producer, single-consumer); full rings just drop (resolution retries).
 */
static void share_neigh(struct lcore_ctx *l, const struct rte_mbuf *m)
{
	for (unsigned j = 0; j < cfg.lcores; j++) {
		if (j == l->id || !lctx[j].neigh)
			continue;
		struct rte_mbuf *c = rte_pktmbuf_alloc(l->pool);
		if (!c)
			return;
		uint8_t *d = (uint8_t *)rte_pktmbuf_append(c, m->data_len);
		if (d)
			memcpy(d, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
		if (!d || rte_ring_enqueue(lctx[j].neigh, c) != 0)
			rte_pktmbuf_free(c);
	}
}

static int lcore_loop(void *arg)
{
	struct lcore_ctx *l = arg;
	struct rte_mbuf *rx[BURST];
	unsigned idle = 0;

	while (!stop_flag) {
		uint16_t n = rte_eth_rx_burst(l->port, (uint16_t)l->id, rx, BURST);
		/* Optional back-off for shared machines (tests): sleep after a run of empty polls. */
		if (n == 0 && cfg.poll_idle_us && ++idle >= 1024) {
			usleep(cfg.poll_idle_us);
			idle = 1000;
		} else if (n) {
			idle = 0;
		}
		uint64_t now = now_us();
		for (uint16_t i = 0; i < n; i++) {
			struct rte_mbuf *m = rx[i];
			const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
			if (m->nb_segs == 1) {
				/* Only "good" skips our check; bad or unknown are verified (and counted) by us. */
				uint32_t fl = rx_csum &&
					      (m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK) == RTE_MBUF_F_RX_IP_CKSUM_GOOD &&
					      (m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK) == RTE_MBUF_F_RX_L4_CKSUM_GOOD
						      ? DP_RX_CSUM_GOOD : 0;
				dp_stack_input_pkt(l->st, m, f, m->data_len, now, fl);
				if (cfg.lcores > 1 && dp_frame_is_neigh(f, m->data_len))
					share_neigh(l, m);
			} else {
				dp_stack_input(l->st, NULL, 0, now);   /* counted as a short frame */
			}
			rte_pktmbuf_free(m);
		}
		if (l->neigh && rte_ring_count(l->neigh)) {
			void *q[BURST];
			unsigned k = rte_ring_dequeue_burst(l->neigh, q, BURST, NULL);
			for (unsigned i = 0; i < k; i++) {
				struct rte_mbuf *m = q[i];
				dp_stack_learn(l->st, rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, now);
				rte_pktmbuf_free(m);
			}
		}
		dp_stack_timers(l->st, now);
		if (l->ntx)
			tx_flush(l);
		if (l->id == 0 && dump_flag) {
			dump_flag = 0;
			dump_counters();
		}
	}
	return 0;
}

/* Symmetric Toeplitz key: 0x6d5a repeated gives hash(a,b) == hash(b,a). */
static uint8_t rss_key[52];

static int port_setup(uint16_t port, struct rte_mempool *pool, uint8_t *mac)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf pc;
	struct rte_ether_addr ea;
	uint16_t nq = (uint16_t)cfg.lcores;
	uint16_t rxd = cfg.rx_desc, txd = cfg.tx_desc;
	int rc;

	memset(&pc, 0, sizeof(pc));
	rc = rte_eth_dev_info_get(port, &info);
	if (rc != 0)
		return rc;
	if (nq > info.max_rx_queues || nq > info.max_tx_queues) {
		LOG_ERR("dp", "port %u: %u queues wanted, the PMD allows %u/%u", port, nq,
			info.max_rx_queues, info.max_tx_queues);
		return -1;
	}
	if (nq > 1) {
		for (size_t i = 0; i < sizeof(rss_key); i += 2) {
			rss_key[i] = 0x6d;
			rss_key[i + 1] = 0x5a;
		}
		pc.rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
		pc.rx_adv_conf.rss_conf.rss_key = rss_key;
		pc.rx_adv_conf.rss_conf.rss_key_len = info.hash_key_size ? info.hash_key_size : 40;
		pc.rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) & info.flow_type_rss_offloads;
	}
	if (cfg.csum_offload) {
		const uint64_t rxw = RTE_ETH_RX_OFFLOAD_IPV4_CKSUM | RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
		if ((info.tx_offload_capa & RTE_ETH_TX_OFFLOAD_TCP_CKSUM) != 0) {
			pc.txmode.offloads |= RTE_ETH_TX_OFFLOAD_TCP_CKSUM;
			tx_tcp_csum = true;
		}
		if ((info.rx_offload_capa & rxw) == rxw) {
			pc.rxmode.offloads |= rxw;
			rx_csum = true;
		}
	}
	rc = rte_eth_dev_configure(port, nq, nq, &pc);
	if (rc != 0)
		return rc;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &rxd, &txd);
	if (rc != 0)
		return rc;
	for (uint16_t q = 0; q < nq; q++) {
		rc = rte_eth_rx_queue_setup(port, q, rxd, (unsigned)rte_eth_dev_socket_id(port), NULL, pool);
		if (rc != 0)
			return rc;
		rc = rte_eth_tx_queue_setup(port, q, txd, (unsigned)rte_eth_dev_socket_id(port), NULL);
		if (rc != 0)
			return rc;
	}
	rc = rte_eth_dev_start(port);
	if (rc != 0)
		return rc;
	/* IPv6 neighbour discovery needs solicited-node multicast. */
	if (rte_eth_allmulticast_enable(port) != 0)
		rte_eth_promiscuous_enable(port);
	rc = rte_eth_macaddr_get(port, &ea);
	if (rc != 0)
		return rc;
	memcpy(mac, ea.addr_bytes, 6);
	return 0;
}

static void usage(const char *prog)
{
	fprintf(stderr,
		"usage: %s [--config FILE] [--check-config] [--log-level LEVEL] [-- EAL options]\n"
		"  Without --config the embedded default is used (net_tap port ftls0, 10.99.0.1/24).\n",
		prog);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *cfg_path = NULL;
	bool check_only = false;
	char err[512];
	int o;

	while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (o) {
		case 'c':
			cfg_path = optarg;
			break;
		case 'k':
			check_only = true;
			break;
		case 'l': {
			int lv = ftls_log_level_parse(optarg);
			if (lv < 0) {
				usage(argv[0]);
				return 2;
			}
			ftls_log_set_level((enum ftls_log_level)lv);
			break;
		}
		default:
			usage(argv[0]);
			return o == 'h' ? 0 : 2;
		}
	}
	if ((cfg_path ? dp_config_load_file(&cfg, cfg_path, err, sizeof(err))
		      : dp_config_load(&cfg, "<embedded default>", dp_config_default_yaml,
				       strlen(dp_config_default_yaml), err, sizeof(err))) != FTLS_OK) {
		fprintf(stderr, "ftls-dataplane: %s\n", err);
		return 1;
	}
	if (check_only) {
		printf("ftls-dataplane: config ok\n");
		return 0;
	}

	/* EAL arguments: ours, then the config's, then the command line's after "--". */
	char *eal[64 + DP_CFG_MAX_EAL];
	char lc[32], vdev[300];
	int ne = 0;
	eal[ne++] = argv[0];
	snprintf(lc, sizeof(lc), "0-%u", cfg.lcores - 1);
	eal[ne++] = (char *)"-l";
	eal[ne++] = lc;
	eal[ne++] = (char *)"--no-pci";
	/* No files under /var/run: several instances (tests) can run side by side. --no-huge
	 * implies legacy memory, which --in-memory refuses; --no-shconf does the same job there. */
	bool no_huge = false;
	for (unsigned i = 0; i < cfg.n_eal; i++)
		no_huge |= strcmp(cfg.eal[i], "--no-huge") == 0;
	eal[ne++] = no_huge ? (char *)"--no-shconf" : (char *)"--in-memory";
	snprintf(vdev, sizeof(vdev), "%s", cfg.devargs);
	eal[ne++] = (char *)"--vdev";
	eal[ne++] = vdev;
	for (unsigned i = 0; i < cfg.n_eal; i++)
		eal[ne++] = cfg.eal[i];
	for (int i = optind; i < argc && ne < 64 + DP_CFG_MAX_EAL - 1; i++)
		eal[ne++] = argv[i];
	eal[ne] = NULL;
	if (rte_eal_init(ne, eal) < 0) {
		fprintf(stderr, "ftls-dataplane: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);

	char dev[64];
	uint16_t port;
	snprintf(dev, sizeof(dev), "%.*s", (int)strcspn(cfg.devargs, ","), cfg.devargs);
	if (rte_eth_dev_get_port_by_name(dev, &port) != 0) {
		fprintf(stderr, "ftls-dataplane: no port %s after EAL init\n", dev);
		rte_eal_cleanup();
		return 1;
	}
	struct rte_mempool *pool = rte_pktmbuf_pool_create("dp_mbufs", cfg.mbufs, 256, 0,
							   RTE_MBUF_DEFAULT_BUF_SIZE, (int)rte_socket_id());
	if (!pool) {
		fprintf(stderr, "ftls-dataplane: mempool of %u mbufs: %s\n", cfg.mbufs, rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	/* Indirect mbufs carry no data: one per payload view of a frame in flight. */
	struct rte_mempool *ind_pool = rte_pktmbuf_pool_create("dp_ind", cfg.mbufs, 256, 0, 0, (int)rte_socket_id());
	if (!ind_pool) {
		fprintf(stderr, "ftls-dataplane: mempool of %u indirect mbufs: %s\n", cfg.mbufs, rte_strerror(rte_errno));
		rte_eal_cleanup();
		return 1;
	}
	uint8_t mac[6];
	if (port_setup(port, pool, mac) != 0) {
		fprintf(stderr, "ftls-dataplane: port %s setup failed\n", dev);
		rte_eal_cleanup();
		return 1;
	}
	memcpy(cfg.stack.mac, mac, 6);
	/* Connections hold received and queued mbufs: per lcore, at most its share of the pool once
	 * the receive and transmit rings are served (mem_max counts truesize per mbuf). */
	const uint32_t truesize = pool->elt_size + pool->header_size + pool->trailer_size;
	const uint64_t ring_mbufs = (uint64_t)cfg.lcores * (cfg.rx_desc + cfg.tx_desc + 2 * TXQ_MAX) + 1024;
	const uint64_t spare = cfg.mbufs > ring_mbufs ? cfg.mbufs - ring_mbufs : cfg.mbufs / 4;
	cfg.stack.mem_max = spare / cfg.lcores * truesize;
	for (unsigned i = 0; i < cfg.lcores; i++) {
		struct lcore_ctx *l = &lctx[i];
		const struct dp_io io = { .ctx = l, .alloc = io_alloc, .send = io_send, .free = io_free,
					  .ref = io_ref, .send_chain = io_send_chain, .truesize = truesize,
					  .offloads = tx_tcp_csum ? DP_IO_TX_TCP_CSUM : 0 };
		l->id = i;
		l->port = port;
		l->pool = pool;
		l->ind_pool = ind_pool;
		if (cfg.lcores > 1) {
			char rn[32];
			snprintf(rn, sizeof(rn), "dp_neigh_%u", i);
			l->neigh = rte_ring_create(rn, 256, (int)rte_socket_id(), RING_F_SC_DEQ);
			if (!l->neigh) {
				fprintf(stderr, "ftls-dataplane: ring %s: %s\n", rn, rte_strerror(rte_errno));
				return 1;
			}
		}
		l->st = dp_stack_create(&cfg.stack, &io);
		if (!l->st) {
			fprintf(stderr, "ftls-dataplane: stack for lcore %u failed\n", i);
			return 1;
		}
		for (unsigned k = 0; k < cfg.n_lst; k++)
			if (dp_tcp_listen(l->st, cfg.lst[k].port, cfg.lst[k].app, NULL) != FTLS_OK) {
				fprintf(stderr, "ftls-dataplane: listener %u failed\n", cfg.lst[k].port);
				return 1;
			}
	}
	char a4[64] = "-", a6[64] = "-";
	if (cfg.stack.ip4_prefix)
		dp_addr_str(&cfg.stack.ip4, a4, sizeof(a4));
	if (cfg.stack.ip6_prefix)
		dp_addr_str(&cfg.stack.ip6, a6, sizeof(a6));
	printf("ftls-dataplane: port %s (%s) mac %02x:%02x:%02x:%02x:%02x:%02x ipv4 %s/%u ipv6 %s/%u, %u lcore(s)\n",
	       cfg.port_name, cfg.devargs, mac[0], mac[1], mac[2], mac[3], mac[4], mac[5], a4,
	       cfg.stack.ip4_prefix, a6, cfg.stack.ip6_prefix, cfg.lcores);
	printf("ftls-dataplane: checksum offload: tx tcp %s, rx ipv4+tcp %s\n", tx_tcp_csum ? "on" : "off",
	       rx_csum ? "on" : "off");
	for (unsigned k = 0; k < cfg.n_lst; k++)
		printf("ftls-dataplane: listening on port %u (%s)\n", cfg.lst[k].port, cfg.lst[k].responder);
	printf("ftls-dataplane: ready\n");
	fflush(stdout);

	unsigned i = 1, lcore;
	RTE_LCORE_FOREACH_WORKER(lcore) {
		if (i < cfg.lcores)
			rte_eal_remote_launch(lcore_loop, &lctx[i++], lcore);
	}
	lcore_loop(&lctx[0]);
	rte_eal_mp_wait_lcore();
	dump_counters();
	rte_eth_dev_stop(port);
	rte_eth_dev_close(port);
	for (i = 0; i < cfg.lcores; i++)
		dp_stack_destroy(lctx[i].st);
	for (i = 0; i < cfg.lcores; i++)
		if (lctx[i].neigh)
			for (void *m = NULL; rte_ring_dequeue(lctx[i].neigh, &m) == 0;)
				rte_pktmbuf_free(m);
	/* Every reference the stacks held is dropped by now: what is still out is a leak. */
	printf("ftls-dataplane: mbufs still in use: %u, indirect %u\n", rte_mempool_in_use_count(pool),
	       rte_mempool_in_use_count(ind_pool));
	rte_eal_cleanup();
	printf("ftls-dataplane: stopped\n");
	return 0;
}
