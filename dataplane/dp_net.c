/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * L2/L3 of the per-lcore stack: Ethernet demultiplexing, ARP (answer, resolve through a cache,
 * hold packets while resolving), IPv4 (checksum checked; options and fragments dropped and
 * counted), ICMP echo, IPv6 with neighbour discovery and ICMPv6 echo, next-hop choice and the
 * Internet checksum. Every frame is parsed with explicit bounds before a byte is read; every drop
 * bumps a named counter. Also the stack's life cycle (create, input, timers). Not for: TCP
 * (dp_tcp*.c) or ports (dp_port.c).
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "dataplane/dp_int.h"

static const char *const cnt_names[] = {
#define DP_CNT(name, text) #name,
#include "dataplane/dp_cnt.def"
#undef DP_CNT
};
static const char *const cnt_texts[] = {
#define DP_CNT(name, text) text,
#include "dataplane/dp_cnt.def"
#undef DP_CNT
};

const char *dp_cnt_name(enum dp_cnt c) { return c < DP_CNT__COUNT ? cnt_names[c] : "?"; }
const char *dp_cnt_text(enum dp_cnt c) { return c < DP_CNT__COUNT ? cnt_texts[c] : "?"; }

void dp_addr_from_v4(struct dp_addr *a, uint32_t v4)
{
	memset(a, 0, sizeof(*a));
	a->b[10] = 0xff;
	a->b[11] = 0xff;
	a->b[12] = (uint8_t)(v4 >> 24);
	a->b[13] = (uint8_t)(v4 >> 16);
	a->b[14] = (uint8_t)(v4 >> 8);
	a->b[15] = (uint8_t)v4;
}

bool dp_addr_parse(struct dp_addr *a, const char *s)
{
	struct in_addr v4;
	struct in6_addr v6;

	if (inet_pton(AF_INET, s, &v4) == 1) {
		dp_addr_from_v4(a, ntohl(v4.s_addr));
		return true;
	}
	if (inet_pton(AF_INET6, s, &v6) == 1) {
		memcpy(a->b, &v6, 16);
		return true;
	}
	return false;
}

const char *dp_addr_str(const struct dp_addr *a, char *out, size_t cap)
{
	if (dp_addr_is_v4(a))
		inet_ntop(AF_INET, a->b + 12, out, (socklen_t)cap);
	else
		inet_ntop(AF_INET6, a->b, out, (socklen_t)cap);
	return out;
}

static bool addr_zero(const struct dp_addr *a)
{
	static const struct dp_addr z;
	return memcmp(a, &z, sizeof(z)) == 0;
}

static bool addr_eq(const struct dp_addr *a, const struct dp_addr *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

static bool prefix_match(const struct dp_addr *a, const struct dp_addr *b, unsigned bits)
{
	unsigned i = 0;

	for (; bits >= 8; bits -= 8, i++)
		if (a->b[i] != b->b[i])
			return false;
	if (bits == 0)
		return true;
	uint8_t m = (uint8_t)(0xff << (8 - bits));
	return (a->b[i] & m) == (b->b[i] & m);
}

/* ------------------------------------------------------------------ checksum */

/*
 * The Internet checksum does not care about byte order (RFC 1071 §2(B)): on a little-endian host
 * the bytes are summed as native 64-bit words (two 32-bit halves at a time, end-around carry by
 * the final fold) and the folded sum is byte-swapped back to network order.
 */
uint32_t dp_csum_add(uint32_t sum, const void *p, size_t len)
{
	const uint8_t *b = p;
	uint64_t s = sum;

#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	uint64_t acc = 0;
	while (len >= 32) {
		uint64_t w[4];
		memcpy(w, b, 32);
		acc += (w[0] & 0xffffffff) + (w[0] >> 32) + (w[1] & 0xffffffff) + (w[1] >> 32) +
		       (w[2] & 0xffffffff) + (w[2] >> 32) + (w[3] & 0xffffffff) + (w[3] >> 32);
		b += 32;
		len -= 32;
	}
	while (len >= 2) {
		uint16_t w;
		memcpy(&w, b, 2);
		acc += w;
		b += 2;
		len -= 2;
	}
	if (len)
		acc += b[0];   /* the lone byte is the high half of a network-order word */
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
	s += (acc & 0xff) << 8 | acc >> 8;
#else
	while (len >= 2) {
		s += (uint32_t)(b[0] << 8 | b[1]);
		b += 2;
		len -= 2;
	}
	if (len)
		s += (uint32_t)(b[0] << 8);
#endif
	while (s >> 32)
		s = (s & 0xffffffff) + (s >> 32);
	return (uint32_t)s;
}

uint16_t dp_csum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

uint32_t dp_csum_pseudo(const struct dp_addr *src, const struct dp_addr *dst, uint8_t proto, uint32_t len)
{
	uint32_t s = 0;

	if (dp_addr_is_v4(src)) {
		s = dp_csum_add(s, src->b + 12, 4);
		s = dp_csum_add(s, dst->b + 12, 4);
		s += proto;
		s += len;
	} else {
		s = dp_csum_add(s, src->b, 16);
		s = dp_csum_add(s, dst->b, 16);
		s += len >> 16;
		s += len & 0xffff;
		s += proto;
	}
	return s;
}

/* ------------------------------------------------------------------ neighbours */

enum { NEIGH_FREE = 0, NEIGH_INCOMPLETE, NEIGH_REACHABLE };
enum { NEIGH_PROBE = 8, NEIGH_TRIES = 3 };
#define NEIGH_RETRY_US 1000000ull
#define NEIGH_LIFE_US (300ull * 1000000ull)

static uint32_t neigh_hash(const struct dp_stack *st, const struct dp_addr *a)
{
	return (uint32_t)dp_siphash(st->hash_key, a->b, 16);
}

static struct dp_neigh *neigh_find(struct dp_stack *st, const struct dp_addr *a)
{
	uint32_t h = neigh_hash(st, a);

	for (unsigned i = 0; i < NEIGH_PROBE; i++) {
		struct dp_neigh *n = &st->neigh[(h + i) & st->neigh_mask];
		if (n->state != NEIGH_FREE && addr_eq(&n->ip, a))
			return n;
	}
	return NULL;
}

static void neigh_drop_hold(struct dp_stack *st, struct dp_neigh *n)
{
	for (unsigned i = 0; i < n->n_hold; i++) {
		st->io.free(st->io.ctx, n->hold[i]);
		DP_CNT_INC(st, NEIGH_FAILED);
	}
	n->n_hold = 0;
}

static struct dp_neigh *neigh_new(struct dp_stack *st, const struct dp_addr *a)
{
	uint32_t h = neigh_hash(st, a);
	struct dp_neigh *victim = NULL;

	for (unsigned i = 0; i < NEIGH_PROBE; i++) {
		struct dp_neigh *n = &st->neigh[(h + i) & st->neigh_mask];
		if (n->state == NEIGH_FREE) {
			victim = n;
			break;
		}
		if (!victim || n->expire_us < victim->expire_us)
			victim = n;
	}
	if (victim->state != NEIGH_FREE) {
		DP_CNT_INC(st, NEIGH_TABLE_FULL);
		neigh_drop_hold(st, victim);
	}
	memset(victim, 0, sizeof(*victim));
	victim->ip = *a;
	return victim;
}

static void eth_fill(const struct dp_stack *st, uint8_t *f, const uint8_t *dmac, uint16_t type)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, st->conf.mac, 6);
	f[12] = (uint8_t)(type >> 8);
	f[13] = (uint8_t)type;
}

static void send_frame(struct dp_stack *st, void *pkt, size_t len)
{
	st->io.send(st->io.ctx, pkt, len);
	DP_CNT_INC(st, TX_FRAMES);
}

static void neigh_flush(struct dp_stack *st, struct dp_neigh *n)
{
	for (unsigned i = 0; i < n->n_hold; i++) {
		uint8_t *f = n->hold_buf[i];
		const uint16_t type = dp_addr_is_v4(&n->ip) ? ETH_P_IP4 : ETH_P_IP6;
		eth_fill(st, f, n->mac, type);
		send_frame(st, n->hold[i], n->hold_len[i]);
	}
	n->n_hold = 0;
}

static void neigh_learn(struct dp_stack *st, const struct dp_addr *ip, const uint8_t *mac, bool create)
{
	struct dp_neigh *n = neigh_find(st, ip);

	if (!n) {
		if (!create)
			return;
		n = neigh_new(st, ip);
	}
	if (n->state != NEIGH_REACHABLE || memcmp(n->mac, mac, 6) != 0)
		DP_CNT_INC(st, ARP_LEARNED);
	memcpy(n->mac, mac, 6);
	n->state = NEIGH_REACHABLE;
	n->expire_us = st->now_us + NEIGH_LIFE_US;
	n->tries = 0;
	neigh_flush(st, n);
}

static uint16_t load16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static void store16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }

/* ------------------------------------------------------------------ ARP */

static const uint8_t mac_bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_zero[6];

static void arp_send(struct dp_stack *st, uint16_t op, const uint8_t *tha, const struct dp_addr *tip,
		     const uint8_t *eth_dst)
{
	void *pkt;
	uint8_t *f = st->io.alloc(st->io.ctx, &pkt);

	if (!f) {
		DP_CNT_INC(st, TX_NOBUF);
		return;
	}
	eth_fill(st, f, eth_dst, ETH_P_ARP_);
	uint8_t *a = f + DP_ETH_HDR;
	a[0] = 0; a[1] = 1;           /* Ethernet */
	a[2] = 0x08; a[3] = 0x00;     /* IPv4 */
	a[4] = 6; a[5] = 4;
	store16(a + 6, op);
	memcpy(a + 8, st->conf.mac, 6);
	memcpy(a + 14, st->conf.ip4.b + 12, 4);
	memcpy(a + 18, tha, 6);
	memcpy(a + 24, tip->b + 12, 4);
	memset(a + 28, 0, 18);         /* pad to the 60-byte minimum */
	send_frame(st, pkt, DP_ETH_HDR + 46);
}

static void arp_input(struct dp_stack *st, const uint8_t *p, size_t len)
{
	struct dp_addr sip, tip;
	uint16_t op;

	if (len < 28 || load16(p) != 1 || load16(p + 2) != ETH_P_IP4 || p[4] != 6 || p[5] != 4) {
		DP_CNT_INC(st, ARP_BAD);
		return;
	}
	op = load16(p + 6);
	if ((op != 1 && op != 2) || (p[8] & 1)) {  /* a multicast sender address is a lie */
		DP_CNT_INC(st, ARP_BAD);
		return;
	}
	dp_addr_from_v4(&sip, (uint32_t)p[14] << 24 | (uint32_t)p[15] << 16 | (uint32_t)p[16] << 8 | p[17]);
	dp_addr_from_v4(&tip, (uint32_t)p[24] << 24 | (uint32_t)p[25] << 16 | (uint32_t)p[26] << 8 | p[27]);
	if (addr_zero(&st->conf.ip4) || !addr_eq(&tip, &st->conf.ip4)) {
		DP_CNT_INC(st, ARP_NOT_US);
		return;
	}
	/* RFC 826: the target is us, so merge the sender into the table. */
	neigh_learn(st, &sip, p + 8, true);
	if (op == 1 && !st->learn_only) {
		arp_send(st, 2, p + 8, &sip, p + 8);
		DP_CNT_INC(st, ARP_REPLIED);
	}
}

/* ------------------------------------------------------------------ IP output */

static void solicit(struct dp_stack *st, struct dp_neigh *n);

static const struct dp_addr *src_for(const struct dp_stack *st, const struct dp_addr *dst, struct dp_addr *tmp)
{
	if (dp_addr_is_v4(dst))
		return &st->conf.ip4;
	if (dst->b[0] == 0xfe && (dst->b[1] & 0xc0) == 0x80) {
		memcpy(tmp->b, st->ip6_ll, 16);
		return tmp;
	}
	return &st->conf.ip6;
}

size_t dp_ip_header(struct dp_stack *st, uint8_t *l3, const struct dp_addr *src,
		    const struct dp_addr *dst, uint8_t proto, size_t plen)
{
	if (dp_addr_is_v4(dst)) {
		l3[0] = 0x45;
		l3[1] = 0;
		store16(l3 + 2, (uint16_t)(20 + plen));
		store16(l3 + 4, st->ip_id++);
		store16(l3 + 6, 0x4000);  /* DF */
		l3[8] = 64;
		l3[9] = proto;
		store16(l3 + 10, 0);
		memcpy(l3 + 12, src->b + 12, 4);
		memcpy(l3 + 16, dst->b + 12, 4);
		store16(l3 + 10, dp_csum_fold(dp_csum_add(0, l3, 20)));
		return 20;
	}
	l3[0] = 0x60; l3[1] = 0; l3[2] = 0; l3[3] = 0;
	store16(l3 + 4, (uint16_t)plen);
	l3[6] = proto;
	l3[7] = 64;
	memcpy(l3 + 8, src->b, 16);
	memcpy(l3 + 24, dst->b, 16);
	return 40;
}

bool dp_is_local(const struct dp_stack *st, const struct dp_addr *a)
{
	if (dp_addr_is_v4(a))
		return !addr_zero(&st->conf.ip4) && addr_eq(a, &st->conf.ip4);
	return (!addr_zero(&st->conf.ip6) && addr_eq(a, &st->conf.ip6)) ||
	       memcmp(a->b, st->ip6_ll, 16) == 0;
}

static bool next_hop(const struct dp_stack *st, const struct dp_addr *dst, struct dp_addr *nh)
{
	if (dp_addr_is_v4(dst)) {
		if (addr_zero(&st->conf.ip4))
			return false;
		/* The v4-mapped prefix is 96 bits. */
		if (prefix_match(dst, &st->conf.ip4, 96u + st->conf.ip4_prefix)) {
			*nh = *dst;
			return true;
		}
		if (addr_zero(&st->conf.gw4))
			return false;
		*nh = st->conf.gw4;
		return true;
	}
	if ((dst->b[0] == 0xfe && (dst->b[1] & 0xc0) == 0x80) ||
	    (!addr_zero(&st->conf.ip6) && prefix_match(dst, &st->conf.ip6, st->conf.ip6_prefix))) {
		*nh = *dst;
		return true;
	}
	if (addr_zero(&st->conf.gw6))
		return false;
	*nh = st->conf.gw6;
	return true;
}

void dp_ip_output(struct dp_stack *st, void *pkt, uint8_t *buf, size_t l3len, const struct dp_addr *dst)
{
	struct dp_addr nh;
	struct dp_neigh *n;
	const bool v4 = dp_addr_is_v4(dst);

	if (!next_hop(st, dst, &nh)) {
		DP_CNT_INC(st, NO_ROUTE);
		st->io.free(st->io.ctx, pkt);
		return;
	}
	n = neigh_find(st, &nh);
	if (n && n->state == NEIGH_REACHABLE && n->expire_us > st->now_us) {
		eth_fill(st, buf, n->mac, v4 ? ETH_P_IP4 : ETH_P_IP6);
		send_frame(st, pkt, DP_ETH_HDR + l3len);
		return;
	}
	if (!n) {
		n = neigh_new(st, &nh);
		n->state = NEIGH_INCOMPLETE;
	} else if (n->state == NEIGH_REACHABLE) {
		/* Expired: resolve again, holding meanwhile. */
		n->state = NEIGH_INCOMPLETE;
		n->tries = 0;
		n->next_try_us = 0;
	}
	if (n->n_hold == DP_HOLD_MAX) {
		/* Keep the newest: drop the oldest held packet. */
		st->io.free(st->io.ctx, n->hold[0]);
		memmove(n->hold, n->hold + 1, sizeof(n->hold[0]) * (DP_HOLD_MAX - 1));
		memmove(n->hold_buf, n->hold_buf + 1, sizeof(n->hold_buf[0]) * (DP_HOLD_MAX - 1));
		memmove(n->hold_len, n->hold_len + 1, sizeof(n->hold_len[0]) * (DP_HOLD_MAX - 1));
		n->n_hold--;
		DP_CNT_INC(st, NEIGH_HOLD_DROP);
	}
	n->hold[n->n_hold] = pkt;
	n->hold_buf[n->n_hold] = buf;
	n->hold_len[n->n_hold] = (uint16_t)(DP_ETH_HDR + l3len);
	n->n_hold++;
	if (n->next_try_us <= st->now_us)
		solicit(st, n);
}

void dp_ip_output_chain(struct dp_stack *st, void *pkt, uint8_t *buf, size_t hdr_l3len,
			const struct dp_iov *v, unsigned n, size_t plen, const struct dp_addr *dst)
{
	struct dp_addr nh;
	struct dp_neigh *n6;

	if (st->io.send_chain && next_hop(st, dst, &nh) && (n6 = neigh_find(st, &nh)) != NULL &&
	    n6->state == NEIGH_REACHABLE && n6->expire_us > st->now_us) {
		eth_fill(st, buf, n6->mac, dp_addr_is_v4(dst) ? ETH_P_IP4 : ETH_P_IP6);
		st->io.send_chain(st->io.ctx, pkt, DP_ETH_HDR + hdr_l3len, v, n);
		DP_CNT_INC(st, TX_FRAMES);
		return;
	}
	/* No chaining, or the frame has to wait for the neighbour: it becomes one plain frame
	 * (the payload fits behind the header: segments are at most one MSS). */
	uint8_t *at = buf + DP_ETH_HDR + hdr_l3len;
	if (DP_ETH_HDR + hdr_l3len + plen > DP_FRAME_MAX) {
		DP_CNT_INC(st, TX_NOBUF);   /* cannot happen with segments cut to the MSS */
		st->io.free(st->io.ctx, pkt);
		return;
	}
	for (unsigned i = 0; i < n; i++) {
		memcpy(at, v[i].p, v[i].len);
		at += v[i].len;
	}
	dp_ip_output(st, pkt, buf, hdr_l3len + plen, dst);
}

/* ------------------------------------------------------------------ ICMPv6 / ND */

static void sn_mcast(const uint8_t *ip, uint8_t *out)   /* solicited-node multicast ff02::1:ffXX:XXXX */
{
	static const uint8_t pfx[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0xff };
	memcpy(out, pfx, 13);
	memcpy(out + 13, ip + 13, 3);
}

static void icmp6_send(struct dp_stack *st, void *pkt, uint8_t *f, const struct dp_addr *src,
		       const struct dp_addr *dst, const uint8_t *dmac, size_t plen, uint8_t hop)
{
	uint8_t *l3 = f + DP_ETH_HDR;
	uint8_t *ic = l3 + 40;

	dp_ip_header(st, l3, src, dst, IPPROTO_ICMP6_, plen);
	l3[7] = hop;
	store16(ic + 2, 0);
	store16(ic + 2, dp_csum_fold(dp_csum_add(dp_csum_pseudo(src, dst, IPPROTO_ICMP6_, (uint32_t)plen), ic, plen)));
	if (dmac) {
		eth_fill(st, f, dmac, ETH_P_IP6);
		send_frame(st, pkt, DP_ETH_HDR + 40 + plen);
	} else {
		dp_ip_output(st, pkt, f, 40 + plen, dst);
	}
}

static void solicit(struct dp_stack *st, struct dp_neigh *n)
{
	if (n->tries >= NEIGH_TRIES)
		return;
	n->tries++;
	n->next_try_us = st->now_us + NEIGH_RETRY_US;
	DP_CNT_INC(st, NEIGH_REQ_SENT);
	if (dp_addr_is_v4(&n->ip)) {
		arp_send(st, 1, mac_zero, &n->ip, mac_bcast);
		return;
	}
	void *pkt;
	uint8_t *f = st->io.alloc(st->io.ctx, &pkt);
	struct dp_addr dst, tmp;
	uint8_t dmac[6] = { 0x33, 0x33, 0xff, 0, 0, 0 };

	if (!f) {
		DP_CNT_INC(st, TX_NOBUF);
		return;
	}
	sn_mcast(n->ip.b, dst.b);
	memcpy(dmac + 2, dst.b + 12, 4);
	uint8_t *ic = f + DP_ETH_HDR + 40;
	ic[0] = 135; ic[1] = 0;
	memset(ic + 4, 0, 4);
	memcpy(ic + 8, n->ip.b, 16);
	ic[24] = 1; ic[25] = 1;         /* source link-layer address option */
	memcpy(ic + 26, st->conf.mac, 6);
	icmp6_send(st, pkt, f, src_for(st, &n->ip, &tmp), &dst, dmac, 32, 255);
}

static bool nd_our_target(const struct dp_stack *st, const uint8_t *t)
{
	return memcmp(t, st->ip6_ll, 16) == 0 ||
	       (!addr_zero(&st->conf.ip6) && memcmp(t, st->conf.ip6.b, 16) == 0);
}

/* Finds a link-layer address option of type want in ND options; NULL when none or malformed. */
static const uint8_t *nd_lladdr(const uint8_t *o, size_t len, uint8_t want, bool *bad)
{
	const uint8_t *found = NULL;

	while (len > 0) {
		if (len < 8 || o[1] == 0 || (size_t)o[1] * 8 > len) {
			*bad = true;  /* RFC 4861 §4.6: a zero length option invalidates the packet */
			return NULL;
		}
		if (o[0] == want && o[1] == 1)
			found = o + 2;
		len -= (size_t)o[1] * 8;
		o += (size_t)o[1] * 8;
	}
	return found;
}

static void icmp6_input(struct dp_stack *st, const uint8_t *ip6, const struct dp_addr *src,
			const struct dp_addr *dst, const uint8_t *p, size_t len)
{
	bool bad = false;

	if (len < 4 || dp_csum_fold(dp_csum_add(dp_csum_pseudo(src, dst, IPPROTO_ICMP6_, (uint32_t)len), p, len)) != 0) {
		DP_CNT_INC(st, ICMP6_BAD);
		return;
	}
	switch (p[0]) {
	case 128: {  /* echo request: answer to unicast destinations only */
		void *pkt;
		uint8_t *f;
		if (dst->b[0] == 0xff || len < 8) {
			DP_CNT_INC(st, ICMP6_OTHER);
			return;
		}
		if (len > DP_FRAME_MAX - DP_ETH_HDR - 40) {
			DP_CNT_INC(st, ICMP6_BAD);
			return;
		}
		f = st->io.alloc(st->io.ctx, &pkt);
		if (!f) {
			DP_CNT_INC(st, TX_NOBUF);
			return;
		}
		memcpy(f + DP_ETH_HDR + 40, p, len);
		f[DP_ETH_HDR + 40] = 129;
		DP_CNT_INC(st, ICMP6_ECHO_REPLIED);
		icmp6_send(st, pkt, f, dst, src, NULL, len, 64);
		return;
	}
	case 135: {  /* neighbour solicitation, RFC 4861 §7.1.1 checks */
		const uint8_t *sll;
		void *pkt;
		uint8_t *f;
		struct dp_addr reply_to, me;
		const bool from_unspec = addr_zero(src);
		if (ip6[7] != 255 || p[1] != 0 || len < 24) {
			DP_CNT_INC(st, ND_BAD);
			return;
		}
		sll = nd_lladdr(p + 24, len - 24, 1, &bad);
		if (bad || (from_unspec && sll)) {
			DP_CNT_INC(st, ND_BAD);
			return;
		}
		if (!nd_our_target(st, p + 8)) {
			DP_CNT_INC(st, ICMP6_OTHER);
			return;
		}
		if (sll && !from_unspec)
			neigh_learn(st, src, sll, true);
		if (st->learn_only)
			return;
		f = st->io.alloc(st->io.ctx, &pkt);
		if (!f) {
			DP_CNT_INC(st, TX_NOBUF);
			return;
		}
		memcpy(me.b, p + 8, 16);
		if (from_unspec) {
			memset(&reply_to, 0, sizeof(reply_to));
			reply_to.b[0] = 0xff; reply_to.b[1] = 0x02; reply_to.b[15] = 1;
		} else {
			reply_to = *src;
		}
		uint8_t *ic = f + DP_ETH_HDR + 40;
		ic[0] = 136; ic[1] = 0;
		ic[4] = from_unspec ? 0x20 : 0x60;  /* S (unless to all-nodes), O */
		ic[5] = ic[6] = ic[7] = 0;
		memcpy(ic + 8, me.b, 16);
		ic[24] = 2; ic[25] = 1;             /* target link-layer address */
		memcpy(ic + 26, st->conf.mac, 6);
		DP_CNT_INC(st, ND_ADVERTISED);
		if (from_unspec) {
			static const uint8_t all_nodes[6] = { 0x33, 0x33, 0, 0, 0, 1 };
			icmp6_send(st, pkt, f, &me, &reply_to, all_nodes, 32, 255);
		} else if (sll) {
			icmp6_send(st, pkt, f, &me, &reply_to, sll, 32, 255);
		} else {
			icmp6_send(st, pkt, f, &me, &reply_to, NULL, 32, 255);
		}
		return;
	}
	case 136: {  /* neighbour advertisement */
		const uint8_t *tll;
		struct dp_addr t;
		if (ip6[7] != 255 || p[1] != 0 || len < 24) {
			DP_CNT_INC(st, ND_BAD);
			return;
		}
		tll = nd_lladdr(p + 24, len - 24, 2, &bad);
		if (bad) {
			DP_CNT_INC(st, ND_BAD);
			return;
		}
		memcpy(t.b, p + 8, 16);
		if (tll)
			neigh_learn(st, &t, tll, false);
		return;
	}
	default:
		DP_CNT_INC(st, ICMP6_OTHER);
	}
}

/* ------------------------------------------------------------------ ICMP */

static void icmp_input(struct dp_stack *st, const struct dp_addr *src, const struct dp_addr *dst,
		       const uint8_t *p, size_t len)
{
	void *pkt;
	uint8_t *f;

	if (len < 8 || dp_csum_fold(dp_csum_add(0, p, len)) != 0) {
		DP_CNT_INC(st, ICMP_BAD);
		return;
	}
	if (p[0] != 8 || p[1] != 0) {
		DP_CNT_INC(st, ICMP_OTHER);
		return;
	}
	f = st->io.alloc(st->io.ctx, &pkt);
	if (!f) {
		DP_CNT_INC(st, TX_NOBUF);
		return;
	}
	uint8_t *ic = f + DP_ETH_HDR + 20;
	memcpy(ic, p, len);
	ic[0] = 0;
	store16(ic + 2, 0);
	store16(ic + 2, dp_csum_fold(dp_csum_add(0, ic, len)));
	dp_ip_header(st, f + DP_ETH_HDR, dst, src, IPPROTO_ICMP_, len);
	DP_CNT_INC(st, ICMP_ECHO_REPLIED);
	dp_ip_output(st, pkt, f, 20 + len, src);
}

/* ------------------------------------------------------------------ IPv4 / IPv6 input */

static void ip4_input(struct dp_stack *st, const uint8_t *p, size_t len)
{
	struct dp_addr src, dst;
	size_t ihl, tot;

	if (len < 20) {
		DP_CNT_INC(st, IP4_SHORT);
		return;
	}
	if ((p[0] >> 4) != 4) {
		DP_CNT_INC(st, IP4_BAD_VERSION);
		return;
	}
	ihl = (size_t)(p[0] & 0xf) * 4;
	tot = load16(p + 2);
	if (ihl < 20 || tot < ihl || tot > len) {
		DP_CNT_INC(st, IP4_BAD_LEN);
		return;
	}
	if (!st->rx_csum_good && dp_csum_fold(dp_csum_add(0, p, ihl)) != 0) {
		DP_CNT_INC(st, IP4_BAD_CSUM);
		return;
	}
	if (ihl != 20) {
		DP_CNT_INC(st, IP4_OPTIONS);
		return;
	}
	if ((load16(p + 6) & 0x3fff) != 0) {     /* MF or a fragment offset */
		DP_CNT_INC(st, IP4_FRAGMENT);
		return;
	}
	dp_addr_from_v4(&src, (uint32_t)p[12] << 24 | (uint32_t)p[13] << 16 | (uint32_t)p[14] << 8 | p[15]);
	dp_addr_from_v4(&dst, (uint32_t)p[16] << 24 | (uint32_t)p[17] << 16 | (uint32_t)p[18] << 8 | p[19]);
	if (!dp_is_local(st, &dst)) {
		DP_CNT_INC(st, IP4_NOT_US);
		return;
	}
	if (p[12] >= 224 || p[12] == 0 || p[12] == 127 || dp_is_local(st, &src)) {
		DP_CNT_INC(st, IP4_BAD_SRC);
		return;
	}
	if (p[9] == IPPROTO_TCP_)
		dp_tcp_input(st, &src, &dst, p + 20, tot - 20);
	else if (p[9] == IPPROTO_ICMP_)
		icmp_input(st, &src, &dst, p + 20, tot - 20);
	else
		DP_CNT_INC(st, IP_UNKNOWN_PROTO);
}

static bool ip6_for_us(const struct dp_stack *st, const uint8_t *d)
{
	uint8_t sn[16];
	static const uint8_t all_nodes[16] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 };

	if (memcmp(d, st->ip6_ll, 16) == 0 || memcmp(d, all_nodes, 16) == 0)
		return true;
	sn_mcast(st->ip6_ll, sn);
	if (memcmp(d, sn, 16) == 0)
		return true;
	if (addr_zero(&st->conf.ip6))
		return false;
	if (memcmp(d, st->conf.ip6.b, 16) == 0)
		return true;
	sn_mcast(st->conf.ip6.b, sn);
	return memcmp(d, sn, 16) == 0;
}

static void ip6_input(struct dp_stack *st, const uint8_t *p, size_t len)
{
	struct dp_addr src, dst;
	size_t plen;

	if (len < 40) {
		DP_CNT_INC(st, IP6_SHORT);
		return;
	}
	if ((p[0] >> 4) != 6) {
		DP_CNT_INC(st, IP4_BAD_VERSION);
		return;
	}
	plen = load16(p + 4);
	if (plen > len - 40) {
		DP_CNT_INC(st, IP6_BAD_LEN);
		return;
	}
	if (!ip6_for_us(st, p + 24)) {
		DP_CNT_INC(st, IP6_NOT_US);
		return;
	}
	memcpy(src.b, p + 8, 16);
	memcpy(dst.b, p + 24, 16);
	if (src.b[0] == 0xff || dp_addr_is_v4(&src)) {
		DP_CNT_INC(st, IP4_BAD_SRC);
		return;
	}
	switch (p[6]) {
	case IPPROTO_TCP_:
		if (dst.b[0] == 0xff) {
			DP_CNT_INC(st, IP6_NOT_US);
			return;
		}
		dp_tcp_input(st, &src, &dst, p + 40, plen);
		return;
	case IPPROTO_ICMP6_:
		icmp6_input(st, p, &src, &dst, p + 40, plen);
		return;
	case 0: case 43: case 44: case 50: case 51: case 60: case 135:
		DP_CNT_INC(st, IP6_EXT_HDR);
		return;
	default:
		DP_CNT_INC(st, IP_UNKNOWN_PROTO);
	}
}

/* ------------------------------------------------------------------ the stack */

void dp_stack_input(struct dp_stack *st, const uint8_t *f, size_t len, uint64_t now_us)
{
	dp_stack_input_pkt(st, NULL, f, len, now_us, 0);
}

void dp_stack_input_flags(struct dp_stack *st, const uint8_t *f, size_t len, uint64_t now_us,
			  uint32_t rx_flags)
{
	dp_stack_input_pkt(st, NULL, f, len, now_us, rx_flags);
}

void dp_stack_input_pkt(struct dp_stack *st, void *pkt, const uint8_t *f, size_t len, uint64_t now_us,
			uint32_t rx_flags)
{
	uint16_t type;

	st->rx_csum_good = (rx_flags & DP_RX_CSUM_GOOD) != 0;
	st->rx_pkt = st->io.ref ? pkt : NULL;

	st->now_us = now_us;
	DP_CNT_INC(st, RX_FRAMES);
	if (len < DP_ETH_HDR) {
		DP_CNT_INC(st, ETH_SHORT);
		return;
	}
	/* Ours, broadcast, or IPv6 multicast (33:33:...) — the port runs all-multicast. */
	if (memcmp(f, st->conf.mac, 6) != 0 && memcmp(f, mac_bcast, 6) != 0 && !(f[0] == 0x33 && f[1] == 0x33)) {
		DP_CNT_INC(st, ETH_NOT_US);
		return;
	}
	type = load16(f + 12);
	if (type == ETH_P_IP4)
		ip4_input(st, f + DP_ETH_HDR, len - DP_ETH_HDR);
	else if (type == ETH_P_IP6)
		ip6_input(st, f + DP_ETH_HDR, len - DP_ETH_HDR);
	else if (type == ETH_P_ARP_)
		arp_input(st, f + DP_ETH_HDR, len - DP_ETH_HDR);
	else
		DP_CNT_INC(st, ETH_UNKNOWN_TYPE);
	st->rx_pkt = NULL;
}

bool dp_frame_is_neigh(const uint8_t *f, size_t len)
{
	if (len < DP_ETH_HDR)
		return false;
	if (load16(f + 12) == ETH_P_ARP_)
		return true;
	/* IPv6, next header ICMPv6 (no extension headers), type NS or NA. */
	return len >= DP_ETH_HDR + 41 && load16(f + 12) == ETH_P_IP6 && f[DP_ETH_HDR + 6] == IPPROTO_ICMP6_ &&
	       (f[DP_ETH_HDR + 40] == 135 || f[DP_ETH_HDR + 40] == 136);
}

void dp_stack_learn(struct dp_stack *st, const uint8_t *f, size_t len, uint64_t now_us)
{
	uint64_t saved[DP_CNT__COUNT];

	if (!dp_frame_is_neigh(f, len))
		return;
	/* The receiving lcore already counted this frame; keep our counters as they were. */
	memcpy(saved, st->cnt, sizeof(saved));
	st->learn_only = true;
	dp_stack_input(st, f, len, now_us);
	st->learn_only = false;
	uint64_t learned = st->cnt[DP_CNT_ARP_LEARNED] - saved[DP_CNT_ARP_LEARNED];
	uint64_t tx = st->cnt[DP_CNT_TX_FRAMES] - saved[DP_CNT_TX_FRAMES];
	memcpy(st->cnt, saved, sizeof(saved));
	st->cnt[DP_CNT_ARP_LEARNED] += learned;
	st->cnt[DP_CNT_TX_FRAMES] += tx;   /* held packets flushed by what we learned */
}

void dp_neigh_timers(struct dp_stack *st)
{
	for (uint32_t i = 0; i <= st->neigh_mask; i++) {
		struct dp_neigh *n = &st->neigh[i];
		if (n->state != NEIGH_INCOMPLETE || n->next_try_us > st->now_us)
			continue;
		if (n->tries >= NEIGH_TRIES) {
			neigh_drop_hold(st, n);
			n->state = NEIGH_FREE;
		} else {
			solicit(st, n);
		}
	}
}

void dp_stack_conf_defaults(struct dp_stack_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->max_conns = 4096;
	c->sndbuf = 64 * 1024;
	c->rcvbuf = 64 * 1024;
	c->syn_backlog = 1024;
	c->rto_min_ms = 200;
	c->rto_max_ms = 60000;
	c->rto_init_ms = 1000;
	c->max_retries = 12;
	c->delack_ms = 40;
	c->idle_timeout_ms = 300000;
	c->time_wait_ms = 10000;
	c->neigh_entries = 256;
	c->mem_max = 0;
}

struct dp_stack *dp_stack_create(const struct dp_stack_conf *conf, const struct dp_io *io)
{
	struct dp_stack *st;
	uint32_t hsize = 1;
	uint64_t seed = conf->seed;

	if (conf->max_conns == 0 || conf->max_conns > (1u << 22) || conf->sndbuf < 4096 ||
	    conf->rcvbuf < 4096 || conf->sndbuf > (1u << 30) || conf->rcvbuf > (1u << 30) ||
	    conf->neigh_entries < 16 || (conf->neigh_entries & (conf->neigh_entries - 1)) != 0) {
		LOG_ERR("dp", "stack: bad sizes (max_conns %u, sndbuf %u, rcvbuf %u, neigh %u)",
			conf->max_conns, conf->sndbuf, conf->rcvbuf, conf->neigh_entries);
		return NULL;
	}
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->conf = *conf;
	st->io = *io;
	while (hsize < 2 * conf->max_conns)
		hsize <<= 1;
	st->hmask = hsize - 1;
	st->htab = calloc(hsize, sizeof(*st->htab));
	st->conns = calloc(conf->max_conns, sizeof(*st->conns));
	st->truesize = io->truesize ? io->truesize : DP_FRAME_MAX;
	if (st->truesize < 256)
		st->truesize = 256;
	if (!st->conf.mem_max)
		st->conf.mem_max = (uint64_t)conf->max_conns * 2 * ((uint64_t)conf->sndbuf + conf->rcvbuf);
	/* View slots per connection: what the caps (2 x buffer, in truesize) can hold, plus slack
	 * for the last partly used buffers. */
	const uint32_t rcap = (uint32_t)(2ull * conf->rcvbuf / st->truesize) + 4;
	const uint32_t scap = (uint32_t)(2ull * conf->sndbuf / st->truesize) + 4;
	const size_t per = (size_t)2 * rcap + scap;
	st->viewmem = calloc((size_t)conf->max_conns * per, sizeof(*st->viewmem));
	st->neigh = calloc(conf->neigh_entries, sizeof(*st->neigh));
	st->neigh_mask = conf->neigh_entries - 1;
	if (!st->htab || !st->conns || !st->viewmem || !st->neigh) {
		LOG_ERR("dp", "stack: out of memory for %u connections", conf->max_conns);
		dp_stack_destroy(st);
		return NULL;
	}
	for (uint32_t i = 0; i < conf->max_conns; i++) {
		struct dp_tcp_conn *c = &st->conns[i];
		c->idx = i;
		c->st = st;
		struct dp_view *vm = st->viewmem + (size_t)i * per;
		c->rq = (struct dp_vq){ .v = vm, .cap = rcap };
		c->oq = vm + rcap;
		c->oq_cap = rcap;
		c->sq = (struct dp_vq){ .v = vm + 2 * rcap, .cap = scap };
		c->hnext = i + 2 <= conf->max_conns ? i + 2 : 0;
	}
	st->free_head = 1;
	if (seed == 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		seed = (uint64_t)ts.tv_sec * 1000000007ull ^ (uint64_t)ts.tv_nsec ^ (uint64_t)(uintptr_t)st;
	}
	/* Derive keys from the seed so hash-flooding and cookie forging need the seed. */
	uint64_t k0[2] = { seed, ~seed };
	st->hash_key[0] = dp_siphash(k0, "hash-key-0", 10);
	st->hash_key[1] = dp_siphash(k0, "hash-key-1", 10);
	st->cookie_key[0] = dp_siphash(k0, "cookie-key-0", 12);
	st->cookie_key[1] = dp_siphash(k0, "cookie-key-1", 12);
	st->next_eport = (uint16_t)(49152 + (seed % 16384));
	/* EUI-64 link-local address. */
	st->ip6_ll[0] = 0xfe; st->ip6_ll[1] = 0x80;
	st->ip6_ll[8] = conf->mac[0] ^ 2; st->ip6_ll[9] = conf->mac[1]; st->ip6_ll[10] = conf->mac[2];
	st->ip6_ll[11] = 0xff; st->ip6_ll[12] = 0xfe;
	st->ip6_ll[13] = conf->mac[3]; st->ip6_ll[14] = conf->mac[4]; st->ip6_ll[15] = conf->mac[5];
	return st;
}

void dp_stack_destroy(struct dp_stack *st)
{
	if (!st)
		return;
	if (st->conns)
		for (uint32_t i = st->active_head; i; i = st->conns[i - 1].anext)
			dp_conn_drop_bufs(&st->conns[i - 1]);
	if (st->neigh)
		for (uint32_t i = 0; i <= st->neigh_mask; i++)
			for (unsigned j = 0; j < st->neigh[i].n_hold; j++)
				st->io.free(st->io.ctx, st->neigh[i].hold[j]);
	free(st->neigh);
	free(st->viewmem);
	free(st->conns);
	free(st->htab);
	free(st);
}

void dp_stack_timers(struct dp_stack *st, uint64_t now_us)
{
	st->now_us = now_us;
	if (now_us < st->next_timer_scan)
		return;
	st->next_timer_scan = now_us + 1000;
	dp_tcp_timers(st);
	dp_neigh_timers(st);
}

const uint64_t *dp_stack_counters(const struct dp_stack *st) { return st->cnt; }
uint32_t dp_stack_conns_in_use(const struct dp_stack *st) { return st->in_use; }
