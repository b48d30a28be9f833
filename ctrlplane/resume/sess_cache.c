/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The session cache (see sess_cache.h for the vocabulary and invariants): a fixed slot array with
 * hash chains and an LRU list threaded through it by index, values in per-entry storage that is
 * wiped before it is freed.
 */
#include "ctrlplane/resume/sess_cache.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "common/ct.h"

#define NIL UINT32_MAX

struct slot {
	uint32_t next;          /* hash chain, or free list */
	uint32_t prev_lru;      /* towards the most recently used */
	uint32_t next_lru;      /* towards the least recently used */
	uint32_t bucket;
	uint64_t expires;       /* now() >= expires: expired */
	uint8_t *mem;           /* id, then value; NULL when the slot is free */
	size_t id_len, value_len;
};

struct cp_sess_cache {
	struct cp_sess_cache_conf conf;
	uint32_t mask;          /* buckets - 1 */
	uint32_t *buckets;
	struct slot *slots;
	uint32_t free_head;
	uint32_t mru, lru;
	struct cp_sess_stats st;
	uint64_t sip_k0, sip_k1;
};

/* ---- SipHash-2-4 (Aumasson, Bernstein), for the bucket index ---- */

static inline uint64_t rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

static inline void sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = rotl(v[1], 13); v[1] ^= v[0]; v[0] = rotl(v[0], 32);
	v[2] += v[3]; v[3] = rotl(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = rotl(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = rotl(v[1], 17); v[1] ^= v[2]; v[2] = rotl(v[2], 32);
}

static uint64_t siphash(uint64_t k0, uint64_t k1, const uint8_t *p, size_t n)
{
	uint64_t v[4] = { k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull,
			  k0 ^ 0x6c7967656e657261ull, k1 ^ 0x7465646279746573ull };
	uint64_t m, b = (uint64_t)n << 56;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		m = 0;
		for (int j = 7; j >= 0; j--)
			m = m << 8 | p[i + (size_t)j];
		v[3] ^= m;
		sip_round(v);
		sip_round(v);
		v[0] ^= m;
	}
	for (size_t j = 0; i + j < n; j++)
		b |= (uint64_t)p[i + j] << (8 * j);
	v[3] ^= b;
	sip_round(v);
	sip_round(v);
	v[0] ^= b;
	v[2] ^= 0xff;
	for (int r = 0; r < 4; r++)
		sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

static uint64_t mono_seconds(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec;
}

static uint64_t now(const struct cp_sess_cache *c)
{
	return c->conf.now(c->conf.now_arg);
}

enum ftls_err cp_sess_cache_create(const struct cp_sess_cache_conf *conf, struct cp_sess_cache **out)
{
	struct cp_sess_cache *c;
	uint32_t nb = 2;
	uint8_t key[16];

	if (!conf || !out || !conf->max_entries || !conf->max_bytes || !conf->lifetime ||
	    conf->max_entries > (1u << 30))
		return FTLS_ERR_INVAL;
	while (nb < 2 * conf->max_entries)
		nb <<= 1;
	c = calloc(1, sizeof(*c));
	if (!c)
		return FTLS_ERR_NOMEM;
	c->conf = *conf;
	if (!c->conf.now)
		c->conf.now = mono_seconds;
	c->mask = nb - 1;
	c->buckets = malloc(nb * sizeof(*c->buckets));
	c->slots = calloc(conf->max_entries, sizeof(*c->slots));
	if (!c->buckets || !c->slots) {
		cp_sess_cache_destroy(c);
		return FTLS_ERR_NOMEM;
	}
	if (RAND_bytes(key, sizeof(key)) != 1) {
		cp_sess_cache_destroy(c);
		return FTLS_ERR_INTERNAL;
	}
	memcpy(&c->sip_k0, key, 8);
	memcpy(&c->sip_k1, key + 8, 8);
	ftls_wipe(key, sizeof(key));
	for (uint32_t i = 0; i < nb; i++)
		c->buckets[i] = NIL;
	for (uint32_t i = 0; i < conf->max_entries; i++)
		c->slots[i].next = i + 1 < conf->max_entries ? i + 1 : NIL;
	c->free_head = 0;
	c->mru = c->lru = NIL;
	*out = c;
	return FTLS_OK;
}

static void free_mem(struct slot *s)
{
	if (s->mem) {
		ftls_wipe(s->mem, s->id_len + s->value_len);
		free(s->mem);
		s->mem = NULL;
	}
}

void cp_sess_cache_destroy(struct cp_sess_cache *c)
{
	if (!c)
		return;
	if (c->slots)
		for (uint32_t i = 0; i < c->conf.max_entries; i++)
			free_mem(&c->slots[i]);
	free(c->slots);
	free(c->buckets);
	ftls_wipe(c, sizeof(*c));
	free(c);
}

/* Takes slot i out of its chain and the LRU list, wipes and frees its value, frees the slot. */
static void drop(struct cp_sess_cache *c, uint32_t i)
{
	struct slot *s = &c->slots[i];
	uint32_t *link = &c->buckets[s->bucket];

	while (*link != i)
		link = &c->slots[*link].next;
	*link = s->next;
	if (s->prev_lru != NIL)
		c->slots[s->prev_lru].next_lru = s->next_lru;
	else
		c->mru = s->next_lru;
	if (s->next_lru != NIL)
		c->slots[s->next_lru].prev_lru = s->prev_lru;
	else
		c->lru = s->prev_lru;
	c->st.entries--;
	c->st.bytes -= s->id_len + s->value_len;
	free_mem(s);
	s->id_len = s->value_len = 0;
	s->next = c->free_head;
	c->free_head = i;
}

static void make_mru(struct cp_sess_cache *c, uint32_t i)
{
	struct slot *s = &c->slots[i];

	if (c->mru == i)
		return;
	/* unlink (i is not the head, so prev_lru is set) */
	c->slots[s->prev_lru].next_lru = s->next_lru;
	if (s->next_lru != NIL)
		c->slots[s->next_lru].prev_lru = s->prev_lru;
	else
		c->lru = s->prev_lru;
	s->prev_lru = NIL;
	s->next_lru = c->mru;
	c->slots[c->mru].prev_lru = i;
	c->mru = i;
}

static uint32_t bucket_of(const struct cp_sess_cache *c, const uint8_t *id, size_t id_len)
{
	return (uint32_t)siphash(c->sip_k0, c->sip_k1, id, id_len) & c->mask;
}

/* The slot holding id, or NIL. Ids are compared in constant time (length is public). */
static uint32_t find(const struct cp_sess_cache *c, const uint8_t *id, size_t id_len)
{
	for (uint32_t i = c->buckets[bucket_of(c, id, id_len)]; i != NIL; i = c->slots[i].next) {
		const struct slot *s = &c->slots[i];

		if (s->id_len == id_len && ftls_ct_eq(s->mem, id, id_len))
			return i;
	}
	return NIL;
}

enum ftls_err cp_sess_put(struct cp_sess_cache *c, const uint8_t *id, size_t id_len,
			  const uint8_t *value, size_t value_len, uint32_t lifetime)
{
	uint64_t t;
	uint32_t i;
	struct slot *s;
	uint8_t *mem;

	if (!c || !id || !id_len || id_len > CP_SESS_ID_MAX || (value_len && !value) ||
	    id_len > c->conf.max_bytes || value_len > c->conf.max_bytes - id_len)
		return FTLS_ERR_INVAL;
	mem = malloc(id_len + value_len ? id_len + value_len : 1);
	if (!mem)
		return FTLS_ERR_NOMEM;
	memcpy(mem, id, id_len);
	if (value_len)
		memcpy(mem + id_len, value, value_len);
	t = now(c);
	i = find(c, id, id_len);
	if (i != NIL)
		drop(c, i);
	/* Room: by count, then by bytes, evicting from the LRU end (expired ones count as such). */
	while (c->free_head == NIL || c->st.bytes + id_len + value_len > c->conf.max_bytes) {
		uint32_t v = c->lru;

		if (t >= c->slots[v].expires)
			c->st.expirations++;
		else
			c->st.evictions++;
		drop(c, v);
	}
	i = c->free_head;
	s = &c->slots[i];
	c->free_head = s->next;
	s->mem = mem;
	s->id_len = id_len;
	s->value_len = value_len;
	if (!lifetime || lifetime > c->conf.lifetime)
		lifetime = c->conf.lifetime;
	s->expires = t + lifetime;
	s->bucket = bucket_of(c, id, id_len);
	s->next = c->buckets[s->bucket];
	c->buckets[s->bucket] = i;
	s->prev_lru = NIL;
	s->next_lru = c->mru;
	if (c->mru != NIL)
		c->slots[c->mru].prev_lru = i;
	else
		c->lru = i;
	c->mru = i;
	c->st.entries++;
	c->st.bytes += id_len + value_len;
	c->st.inserts++;
	return FTLS_OK;
}

static enum ftls_err lookup(struct cp_sess_cache *c, const uint8_t *id, size_t id_len, uint8_t *out,
			    size_t cap, size_t *len, bool take)
{
	uint32_t i;
	struct slot *s;

	if (!c || !id || !len || (cap && !out))
		return FTLS_ERR_INVAL;
	*len = 0;
	if (!id_len || id_len > CP_SESS_ID_MAX || (i = find(c, id, id_len)) == NIL) {
		c->st.misses++;
		return FTLS_ERR_NOT_FOUND;
	}
	s = &c->slots[i];
	if (now(c) >= s->expires) {
		drop(c, i);
		c->st.expirations++;
		c->st.misses++;
		return FTLS_ERR_NOT_FOUND;
	}
	*len = s->value_len;
	if (cap < s->value_len)
		return FTLS_ERR_FULL;
	if (s->value_len)
		memcpy(out, s->mem + s->id_len, s->value_len);
	c->st.hits++;
	if (take) {
		drop(c, i);
		c->st.removals++;
	} else {
		make_mru(c, i);
	}
	return FTLS_OK;
}

enum ftls_err cp_sess_get(struct cp_sess_cache *c, const uint8_t *id, size_t id_len, uint8_t *out,
			  size_t cap, size_t *len)
{
	return lookup(c, id, id_len, out, cap, len, false);
}

enum ftls_err cp_sess_take(struct cp_sess_cache *c, const uint8_t *id, size_t id_len, uint8_t *out,
			   size_t cap, size_t *len)
{
	return lookup(c, id, id_len, out, cap, len, true);
}

enum ftls_err cp_sess_remove(struct cp_sess_cache *c, const uint8_t *id, size_t id_len)
{
	uint32_t i;

	if (!c || !id || !id_len || id_len > CP_SESS_ID_MAX)
		return FTLS_ERR_INVAL;
	i = find(c, id, id_len);
	if (i == NIL)
		return FTLS_ERR_NOT_FOUND;
	drop(c, i);
	c->st.removals++;
	return FTLS_OK;
}

uint32_t cp_sess_expire(struct cp_sess_cache *c)
{
	uint64_t t;
	uint32_t n = 0;

	if (!c)
		return 0;
	t = now(c);
	for (uint32_t i = c->lru, prev; i != NIL; i = prev) {
		prev = c->slots[i].prev_lru;
		if (t >= c->slots[i].expires) {
			drop(c, i);
			n++;
		}
	}
	c->st.expirations += n;
	return n;
}

void cp_sess_stats(const struct cp_sess_cache *c, struct cp_sess_stats *st)
{
	if (c && st)
		*st = c->st;
}
