/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for everything the stack parses from the wire: Ethernet, ARP, IPv4, IPv6,
 * ICMP/ICMPv6/ND and TCP (options, state machine, reassembly, cookies), with an echo listener on
 * port 7 and an HTTP one on 80 so payloads reach the responders too. The input is a sequence of
 * records: [flags u8][time advance ms u8][length u16 BE][frame]. Flag bit 0 asks the harness to
 * fix IPv4/TCP/ICMP checksums first so the fuzzer gets past them and into the TCP state machine;
 * bit 1 hands the frame over without its buffer (the stack copies what it keeps). Frames come
 * from a fixed client MAC/IP to the stack's; the stack's output goes to memory. Buffers are
 * reference counted, one allocation each: a leak, a double release or a read after release
 * (ASan) ends the run.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dataplane/dp_apps.h"
#include "dataplane/dp_stack.h"

/*
 * Reference-counted buffers, each its own allocation so that ASan reports a read after the last
 * reference is dropped; a bounded number live at once (like a pool) and none may be left at the end.
 */
enum { NBUF = 512 };
struct fbuf {
	unsigned refs;
	uint8_t data[DP_FRAME_MAX];
};
static unsigned live;

static uint8_t *f_alloc(void *ctx, void **pkt)
{
	(void)ctx;
	if (live == NBUF)
		return NULL;
	struct fbuf *b = malloc(sizeof(*b));
	if (!b)
		return NULL;
	b->refs = 1;
	live++;
	*pkt = b;
	return b->data;
}
static void f_ref(void *ctx, void *pkt)
{
	(void)ctx;
	((struct fbuf *)pkt)->refs++;
}
static void f_free(void *ctx, void *pkt)
{
	struct fbuf *b = pkt;
	(void)ctx;
	if (b->refs == 0)
		__builtin_trap();   /* a reference dropped twice */
	if (--b->refs == 0) {
		live--;
		free(b);
	}
}
static void f_send(void *ctx, void *pkt, size_t len) { (void)len; f_free(ctx, pkt); }
static void f_send_chain(void *ctx, void *pkt, size_t hdr_len, const struct dp_iov *v, unsigned n)
{
	volatile uint8_t sink = 0;
	(void)hdr_len;
	for (unsigned i = 0; i < n; i++)   /* touch every byte: a released buffer shows up under ASan */
		for (uint32_t k = 0; k < v[i].len; k++)
			sink ^= v[i].p[k];
	(void)sink;
	f_free(ctx, pkt);
}

static uint16_t sum16(const uint8_t *p, size_t n, uint32_t s)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		s += (uint32_t)(p[n - 1] << 8);
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void fix_checksums(uint8_t *f, size_t len)
{
	if (len < 34 || f[12] != 0x08 || f[13] != 0x00 || (f[14] & 0xf) != 5)
		return;
	uint8_t *ip = f + 14;
	size_t tot = (size_t)(ip[2] << 8 | ip[3]);
	if (tot < 20 || tot > len - 14)
		return;
	ip[10] = ip[11] = 0;
	uint16_t c = sum16(ip, 20, 0);
	ip[10] = (uint8_t)(c >> 8);
	ip[11] = (uint8_t)c;
	uint8_t *l4 = ip + 20;
	size_t l4len = tot - 20;
	if (ip[9] == 6 && l4len >= 20) {
		uint32_t ps = 0;
		for (int i = 12; i < 20; i += 2)
			ps += (uint32_t)(ip[i] << 8 | ip[i + 1]);
		ps += 6 + (uint32_t)l4len;
		l4[16] = l4[17] = 0;
		c = sum16(l4, l4len, ps);
		l4[16] = (uint8_t)(c >> 8);
		l4[17] = (uint8_t)c;
	} else if (ip[9] == 1 && l4len >= 8) {
		l4[2] = l4[3] = 0;
		c = sum16(l4, l4len, 0);
		l4[2] = (uint8_t)(c >> 8);
		l4[3] = (uint8_t)c;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct dp_stack_conf conf;
	const struct dp_io io = { .alloc = f_alloc, .send = f_send, .free = f_free, .ref = f_ref,
				  .send_chain = f_send_chain, .truesize = 2048 };
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint64_t now = 1000000;

	dp_stack_conf_defaults(&conf);
	memcpy(conf.mac, mac, 6);
	dp_addr_from_v4(&conf.ip4, 0x0a000001);
	conf.ip4_prefix = 24;
	if (!dp_addr_parse(&conf.ip6, "fd00::1"))
		return 0;
	conf.ip6_prefix = 64;
	conf.max_conns = 8;
	conf.sndbuf = conf.rcvbuf = 4096;
	conf.syn_backlog = 2;
	conf.seed = 1;
	struct dp_stack *st = dp_stack_create(&conf, &io);
	if (!st)
		return 0;
	if (dp_tcp_listen(st, 7, &dp_app_echo, NULL) != FTLS_OK ||
	    dp_tcp_listen(st, 80, &dp_app_http, NULL) != FTLS_OK) {
		dp_stack_destroy(st);
		return 0;
	}
	while (size >= 4) {
		uint8_t flags = data[0];
		now += (uint64_t)data[1] * 1000;
		size_t len = (size_t)(data[2] << 8 | data[3]);
		data += 4;
		size -= 4;
		if (len > size)
			len = size;
		if (len > DP_FRAME_MAX)
			len = DP_FRAME_MAX;
		/* The frame goes in by reference, in a buffer of its own (flag bit 1: copied instead). */
		void *pkt;
		uint8_t *frame = f_alloc(NULL, &pkt);
		if (!frame)
			__builtin_trap();   /* only a leak can exhaust the buffers */
		memcpy(frame, data, len);
		if (flags & 1)
			fix_checksums(frame, len);
		if (flags & 2)
			dp_stack_input(st, frame, len, now);
		else
			dp_stack_input_pkt(st, pkt, frame, len, now, 0);
		f_free(NULL, pkt);
		dp_stack_timers(st, now);
		data += len;
		size -= len;
	}
	/* Let every timer run out: retransmissions, timeouts, TIME_WAIT. */
	for (int i = 0; i < 400; i++) {
		now += 1000000;
		dp_stack_timers(st, now);
	}
	dp_stack_destroy(st);
	if (live != 0)
		__builtin_trap();   /* a leaked buffer */
	return 0;
}
