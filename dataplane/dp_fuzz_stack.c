/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target for everything the stack parses from the wire: Ethernet, ARP, IPv4, IPv6,
 * ICMP/ICMPv6/ND and TCP (options, state machine, reassembly, cookies), with an echo listener on
 * port 7 and an HTTP one on 80 so payloads reach the responders too. The input is a sequence of
 * records: [flags u8][time advance ms u8][length u16 BE][frame]. Flag bit 0 asks the harness to
 * fix IPv4/TCP/ICMP checksums first so the fuzzer gets past them and into the TCP state machine.
 * Frames come from a fixed client MAC/IP to the stack's; the stack's output goes to memory.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dataplane/dp_apps.h"
#include "dataplane/dp_stack.h"

enum { NBUF = 256 };
static uint8_t bufs[NBUF][DP_FRAME_MAX];
static uint8_t busy[NBUF];

static uint8_t *f_alloc(void *ctx, void **pkt)
{
	(void)ctx;
	for (unsigned i = 0; i < NBUF; i++)
		if (!busy[i]) {
			busy[i] = 1;
			*pkt = (void *)(uintptr_t)(i + 1);
			return bufs[i];
		}
	return NULL;
}
static void f_free(void *ctx, void *pkt) { (void)ctx; busy[(uintptr_t)pkt - 1] = 0; }
static void f_send(void *ctx, void *pkt, size_t len) { (void)len; f_free(ctx, pkt); }

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
	const struct dp_io io = { .alloc = f_alloc, .send = f_send, .free = f_free };
	static const uint8_t mac[6] = { 2, 0, 0, 0, 0, 1 };
	uint8_t frame[2048];
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
		if (len > sizeof(frame))
			len = sizeof(frame);
		memcpy(frame, data, len);
		if (flags & 1)
			fix_checksums(frame, len);
		dp_stack_input(st, frame, len, now);
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
	for (unsigned i = 0; i < NBUF; i++)
		if (busy[i])
			__builtin_trap();   /* a leaked transmit buffer */
	return 0;
}
