/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the session cache (ctrlplane/resume/sess_cache.h): round trips, replacement, the
 * count and byte bounds with LRU eviction (and lookups changing the LRU order), expiry on an
 * injected clock (lookup, insert and sweep), single-use take, argument errors, counters, and a
 * long random run checked against a simple reference model.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "common/ct.h"
#include "common/tls.h"
#include "ctrlplane/resume/sess_cache.h"
#include "ctrlplane/resume/ticket.h"

static uint64_t fake_now;
static uint64_t clock_cb(void *arg)
{
	(void)arg;
	return fake_now;
}

static struct cp_sess_cache *mk(uint32_t n, size_t bytes, uint32_t life)
{
	struct cp_sess_cache_conf conf = { .max_entries = n, .max_bytes = bytes, .lifetime = life,
					   .now = clock_cb };
	struct cp_sess_cache *c = NULL;

	assert_int_equal(cp_sess_cache_create(&conf, &c), FTLS_OK);
	return c;
}

static void id_of(uint8_t id[32], unsigned k)
{
	memset(id, 0xa5, 32);
	memcpy(id, &k, sizeof(k));
}

static void put_k(struct cp_sess_cache *c, unsigned k, size_t vlen)
{
	uint8_t id[32], v[256];

	id_of(id, k);
	memset(v, (int)k, sizeof(v));
	assert_int_equal(cp_sess_put(c, id, 32, v, vlen, 0), FTLS_OK);
}

/* 1 when k is present (a get: counts and touches). */
static int has_k(struct cp_sess_cache *c, unsigned k)
{
	uint8_t id[32], v[256];
	size_t len;
	enum ftls_err e;

	id_of(id, k);
	e = cp_sess_get(c, id, 32, v, sizeof(v), &len);
	if (e == FTLS_OK) {
		for (size_t i = 0; i < len; i++)
			assert_int_equal(v[i], (uint8_t)k);
		return 1;
	}
	assert_int_equal(e, FTLS_ERR_NOT_FOUND);
	return 0;
}

static void test_round_trip_and_replace(void **state)
{
	struct cp_sess_cache *c;
	struct cp_sess_stats st;
	uint8_t id[32], out[64];
	size_t len;

	(void)state;
	fake_now = 1000;
	c = mk(8, 4096, 300);
	id_of(id, 1);
	assert_int_equal(cp_sess_get(c, id, 32, out, sizeof(out), &len), FTLS_ERR_NOT_FOUND);
	assert_int_equal(cp_sess_put(c, id, 32, (const uint8_t *)"first value", 11, 0), FTLS_OK);
	assert_int_equal(cp_sess_get(c, id, 32, out, sizeof(out), &len), FTLS_OK);
	assert_int_equal(len, 11);
	assert_memory_equal(out, "first value", 11);
	/* Same id again: replaced, not duplicated. */
	assert_int_equal(cp_sess_put(c, id, 32, (const uint8_t *)"second", 6, 0), FTLS_OK);
	assert_int_equal(cp_sess_get(c, id, 32, out, sizeof(out), &len), FTLS_OK);
	assert_int_equal(len, 6);
	assert_memory_equal(out, "second", 6);
	/* A different id of another length, and a prefix of the first, are misses. */
	assert_int_equal(cp_sess_get(c, id, 31, out, sizeof(out), &len), FTLS_ERR_NOT_FOUND);
	id[31] ^= 1;
	assert_int_equal(cp_sess_get(c, id, 32, out, sizeof(out), &len), FTLS_ERR_NOT_FOUND);
	id[31] ^= 1;
	/* Too small an output: FULL with the size needed, neither hit nor miss. */
	assert_int_equal(cp_sess_get(c, id, 32, out, 5, &len), FTLS_ERR_FULL);
	assert_int_equal(len, 6);
	cp_sess_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.bytes, 32 + 6);
	assert_int_equal(st.hits, 2);
	assert_int_equal(st.misses, 3);
	assert_int_equal(st.inserts, 2);
	assert_int_equal(cp_sess_remove(c, id, 32), FTLS_OK);
	assert_int_equal(cp_sess_remove(c, id, 32), FTLS_ERR_NOT_FOUND);
	cp_sess_stats(c, &st);
	assert_int_equal(st.entries, 0);
	assert_int_equal(st.bytes, 0);
	assert_int_equal(st.removals, 1);
	cp_sess_cache_destroy(c);
}

static void test_count_bound_lru(void **state)
{
	struct cp_sess_cache *c;
	struct cp_sess_stats st;

	(void)state;
	fake_now = 5;
	c = mk(4, 1 << 20, 300);
	for (unsigned k = 1; k <= 4; k++)
		put_k(c, k, 10);
	/* Touch 1: now 2 is the least recently used. */
	assert_true(has_k(c, 1));
	put_k(c, 5, 10);
	assert_false(has_k(c, 2));
	assert_true(has_k(c, 1) && has_k(c, 3) && has_k(c, 4) && has_k(c, 5));
	/* Order now (MRU..LRU): 5 4 3 1 -> inserting 6 evicts 1. */
	put_k(c, 6, 10);
	assert_false(has_k(c, 1));
	cp_sess_stats(c, &st);
	assert_int_equal(st.entries, 4);
	assert_int_equal(st.evictions, 2);
	assert_int_equal(st.expirations, 0);
	cp_sess_cache_destroy(c);
}

static void test_byte_bound(void **state)
{
	struct cp_sess_cache *c;
	struct cp_sess_stats st;
	uint8_t id[32], big[600] = { 0 };

	(void)state;
	fake_now = 5;
	/* Room for three entries of 32 + 100 bytes, not four. */
	c = mk(100, 3 * 132 + 50, 300);
	for (unsigned k = 1; k <= 3; k++)
		put_k(c, k, 100);
	cp_sess_stats(c, &st);
	assert_int_equal(st.bytes, 3 * 132);
	put_k(c, 4, 100);
	cp_sess_stats(c, &st);
	assert_int_equal(st.entries, 3);
	assert_true(st.bytes <= 3 * 132 + 50);
	assert_false(has_k(c, 1));
	/* A bigger entry evicts as many as it needs. */
	put_k(c, 5, 250);
	cp_sess_stats(c, &st);
	assert_int_equal(st.entries, 2);
	assert_true(has_k(c, 4) && has_k(c, 5));
	/* One entry bigger than the whole bound is refused and disturbs nothing. */
	id_of(id, 9);
	assert_int_equal(cp_sess_put(c, id, 32, big, sizeof(big), 0), FTLS_ERR_INVAL);
	cp_sess_stats(c, &st);
	assert_int_equal(st.entries, 2);
	cp_sess_cache_destroy(c);
}

static void test_expiry(void **state)
{
	struct cp_sess_cache *c;
	struct cp_sess_stats st;
	uint8_t id[32], v[8] = { 7 };

	(void)state;
	fake_now = 100;
	c = mk(16, 1 << 16, 60);
	put_k(c, 1, 8);                /* expires at 160 */
	id_of(id, 2);
	assert_int_equal(cp_sess_put(c, id, 32, v, 8, 10), FTLS_OK);   /* shorter: 110 */
	id_of(id, 3);
	assert_int_equal(cp_sess_put(c, id, 32, v, 8, 5000), FTLS_OK); /* capped to 60: 160 */
	fake_now = 109;
	assert_true(has_k(c, 1));
	fake_now = 110;
	id_of(id, 2);
	{
		size_t len;
		uint8_t out[16];

		assert_int_equal(cp_sess_get(c, id, 32, out, sizeof(out), &len), FTLS_ERR_NOT_FOUND);
	}
	cp_sess_stats(c, &st);
	assert_int_equal(st.expirations, 1);
	assert_int_equal(st.entries, 2);
	fake_now = 159;
	assert_int_equal(cp_sess_expire(c), 0);
	put_k(c, 4, 8);                /* expires at 219 */
	fake_now = 160;
	assert_int_equal(cp_sess_expire(c), 2);
	cp_sess_stats(c, &st);
	assert_int_equal(st.entries, 1);
	assert_int_equal(st.expirations, 3);
	assert_true(has_k(c, 4));
	fake_now = 219;
	assert_false(has_k(c, 4));
	cp_sess_cache_destroy(c);

	/* A full cache whose LRU entry has expired counts that as an expiration, not an eviction. */
	fake_now = 0;
	c = mk(2, 1 << 16, 10);
	put_k(c, 1, 8);
	put_k(c, 2, 8);
	fake_now = 10;
	put_k(c, 3, 8);
	cp_sess_stats(c, &st);
	assert_int_equal(st.expirations, 1);
	assert_int_equal(st.evictions, 0);
	cp_sess_cache_destroy(c);
}

static void test_take_is_single_use(void **state)
{
	struct cp_sess_cache *c;
	uint8_t id[200], out[64];
	size_t len;

	(void)state;
	fake_now = 1;
	c = mk(8, 4096, 100);
	/* A PSK identity longer than a session id. */
	memset(id, 0x3c, sizeof(id));
	assert_int_equal(cp_sess_put(c, id, sizeof(id), (const uint8_t *)"psk-state", 9, 0), FTLS_OK);
	assert_int_equal(cp_sess_take(c, id, sizeof(id), out, sizeof(out), &len), FTLS_OK);
	assert_memory_equal(out, "psk-state", 9);
	assert_int_equal(cp_sess_take(c, id, sizeof(id), out, sizeof(out), &len), FTLS_ERR_NOT_FOUND);
	assert_int_equal(cp_sess_get(c, id, sizeof(id), out, sizeof(out), &len), FTLS_ERR_NOT_FOUND);
	cp_sess_cache_destroy(c);
}

static void test_bad_arguments(void **state)
{
	struct cp_sess_cache_conf conf = { .max_entries = 0, .max_bytes = 10, .lifetime = 1 };
	struct cp_sess_cache *c = NULL;
	uint8_t id[300] = { 0 }, out[4];
	size_t len;

	(void)state;
	assert_int_equal(cp_sess_cache_create(&conf, &c), FTLS_ERR_INVAL);
	conf.max_entries = 1;
	conf.lifetime = 0;
	assert_int_equal(cp_sess_cache_create(&conf, &c), FTLS_ERR_INVAL);
	conf.lifetime = 1;
	conf.max_bytes = 0;
	assert_int_equal(cp_sess_cache_create(&conf, &c), FTLS_ERR_INVAL);
	assert_int_equal(cp_sess_cache_create(NULL, &c), FTLS_ERR_INVAL);
	c = mk(4, 1024, 10);
	assert_int_equal(cp_sess_put(c, id, 0, out, 1, 0), FTLS_ERR_INVAL);
	assert_int_equal(cp_sess_put(c, id, 256, out, 1, 0), FTLS_ERR_INVAL);
	assert_int_equal(cp_sess_put(c, id, 32, NULL, 1, 0), FTLS_ERR_INVAL);
	assert_int_equal(cp_sess_put(c, id, 32, out, SIZE_MAX, 0), FTLS_ERR_INVAL);
	assert_int_equal(cp_sess_get(c, id, 256, out, sizeof(out), &len), FTLS_ERR_NOT_FOUND);
	assert_int_equal(cp_sess_get(c, id, 32, NULL, 4, &len), FTLS_ERR_INVAL);
	assert_int_equal(cp_sess_remove(c, id, 0), FTLS_ERR_INVAL);
	/* An empty value is a value. */
	assert_int_equal(cp_sess_put(c, id, 32, NULL, 0, 0), FTLS_OK);
	assert_int_equal(cp_sess_get(c, id, 32, NULL, 0, &len), FTLS_OK);
	assert_int_equal(len, 0);
	cp_sess_cache_destroy(c);
	cp_sess_cache_destroy(NULL);
}

/* The TLS 1.2 session-ID flow: the value is an encoded cp_sess_state (ticket.h). */
static void test_state_as_value(void **state)
{
	struct cp_sess_cache *c;
	struct cp_sess_state st, back;
	uint8_t id[32], enc[CP_SESS_STATE_MAX], out[CP_SESS_STATE_MAX];
	struct ftls_buf w, r;
	size_t len;

	(void)state;
	fake_now = 50;
	c = mk(16, 1 << 16, 300);
	memset(&st, 0, sizeof(st));
	st.version = FTLS_V_TLS12;
	st.suite = FTLS_ECDHE_ECDSA_AES256_GCM_SHA384;
	st.flags = CP_SESS_F_EMS;
	st.secret_len = 48;
	memset(st.secret, 0x77, 48);
	st.created = fake_now;
	st.lifetime = 300;
	memset(id, 0x42, sizeof(id));
	ftls_buf_init(&w, enc, sizeof(enc));
	assert_int_equal(cp_sess_state_encode(&st, &w), FTLS_OK);
	assert_int_equal(cp_sess_put(c, id, 32, enc, w.len, st.lifetime), FTLS_OK);
	ftls_wipe(enc, sizeof(enc));
	assert_int_equal(cp_sess_get(c, id, 32, out, sizeof(out), &len), FTLS_OK);
	ftls_buf_init_ro(&r, out, len);
	assert_int_equal(cp_sess_state_decode(&r, &back), FTLS_OK);
	assert_int_equal(back.suite, st.suite);
	assert_memory_equal(back.secret, st.secret, 48);
	ftls_wipe(out, sizeof(out));
	ftls_wipe(&back, sizeof(back));
	cp_sess_cache_destroy(c);
}

/* ---- random operations against a reference model (arrays, linear scans) ---- */

enum { M_CAP = 64, M_KEYS = 200 };
struct model_e {
	unsigned k;
	size_t vlen;
	uint64_t expires, used; /* used: LRU stamp */
};
static struct model_e model[M_CAP];
static int m_n;
static uint64_t stamp;

static int m_find(unsigned k)
{
	for (int i = 0; i < m_n; i++)
		if (model[i].k == k)
			return i;
	return -1;
}

static void m_del(int i)
{
	model[i] = model[--m_n];
}

static void test_random_vs_model(void **state)
{
	const size_t max_bytes = 40 * (32 + 64);
	struct cp_sess_cache *c;
	struct cp_sess_stats st;
	size_t bytes = 0;
	unsigned seed = 12345;
	long ops = 0;

	(void)state;
	fake_now = 0;
	m_n = 0;
	c = mk(M_CAP, max_bytes, 50);
	for (int it = 0; it < 200000; it++, ops++) {
		unsigned r = (unsigned)rand_r(&seed), k = 1 + r % M_KEYS, op = (r >> 12) % 10;
		int i = m_find(k);

		if (op == 0)
			fake_now++;
		if (op <= 4) {                                 /* get */
			int want = i >= 0 && fake_now < model[i].expires;

			if (i >= 0 && !want) {
				bytes -= 32 + model[i].vlen;
				m_del(i);
			}
			assert_int_equal(has_k(c, k), want);
			if (want)
				model[i].used = ++stamp;
		} else if (op <= 8) {                          /* put */
			size_t vlen = (r >> 20) % 129;

			if (i >= 0) {
				bytes -= 32 + model[i].vlen;
				m_del(i);
			}
			while (m_n == M_CAP || bytes + 32 + vlen > max_bytes) {
				int lru = 0;

				for (int j = 1; j < m_n; j++)
					if (model[j].used < model[lru].used)
						lru = j;
				bytes -= 32 + model[lru].vlen;
				m_del(lru);
			}
			model[m_n++] = (struct model_e){ k, vlen, fake_now + 50, ++stamp };
			bytes += 32 + vlen;
			put_k(c, k, vlen);
		} else {                                       /* remove */
			uint8_t id[32];

			id_of(id, k);
			assert_int_equal(cp_sess_remove(c, id, 32), i >= 0 ? FTLS_OK : FTLS_ERR_NOT_FOUND);
			if (i >= 0) {
				bytes -= 32 + model[i].vlen;
				m_del(i);
			}
		}
		cp_sess_stats(c, &st);
		assert_int_equal(st.entries, m_n);
		assert_int_equal(st.bytes, bytes);
		assert_true(st.bytes <= max_bytes);
	}
	printf("%ld random operations agree with the model: %llu hits, %llu misses, %llu evictions, "
	       "%llu expirations\n", ops, (unsigned long long)st.hits, (unsigned long long)st.misses,
	       (unsigned long long)st.evictions, (unsigned long long)st.expirations);
	cp_sess_cache_destroy(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip_and_replace),
		cmocka_unit_test(test_count_bound_lru),
		cmocka_unit_test(test_byte_bound),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_take_is_single_use),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_state_as_value),
		cmocka_unit_test(test_random_vs_model),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
