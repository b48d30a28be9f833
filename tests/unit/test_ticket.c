/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of session state encoding and ticket protection (ctrlplane/resume/ticket.h): the
 * encoding pinned byte for byte, round trips for TLS 1.2 and 1.3 states, every truncation and
 * every inconsistency refused by the decoder, tickets sealed and opened, every single-byte
 * tamper and truncation refused, expiry and future creation refused, and the key rotation
 * schedule (current, previous with renewal, retired, two idle periods, forced) on an injected
 * clock, with the counters; single-use tickets through the session cache; keys shared between
 * two instances by export/import.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
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

static void state12(struct cp_sess_state *st)
{
	memset(st, 0, sizeof(*st));
	st->version = FTLS_V_TLS12;
	st->suite = FTLS_ECDHE_RSA_AES128_GCM_SHA256;
	st->flags = CP_SESS_F_EMS;
	st->secret_len = 48;
	for (int i = 0; i < 48; i++)
		st->secret[i] = (uint8_t)(0x80 + i);
	st->created = fake_now;
	st->lifetime = 3600;
	st->alpn_len = 2;
	memcpy(st->alpn, "h2", 2);
	st->sni_len = 11;
	memcpy(st->sni, "example.com", 11);
}

static void state13(struct cp_sess_state *st)
{
	memset(st, 0, sizeof(*st));
	st->version = FTLS_V_TLS13;
	st->suite = FTLS_TLS_AES_256_GCM_SHA384;
	st->secret_len = 48;
	memset(st->secret, 0x5a, 48);
	st->created = fake_now;
	st->lifetime = 7200;
	st->age_add = 0xdeadbeef;
	st->identity_len = 20;
	memcpy(st->identity, "CN=client,O=ftls-tst", 20);
}

static void assert_state_eq(const struct cp_sess_state *a, const struct cp_sess_state *b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->suite, b->suite);
	assert_int_equal(a->flags, b->flags);
	assert_int_equal(a->secret_len, b->secret_len);
	assert_memory_equal(a->secret, b->secret, a->secret_len);
	assert_true(a->created == b->created);
	assert_int_equal(a->lifetime, b->lifetime);
	assert_int_equal(a->age_add, b->age_add);
	assert_int_equal(a->alpn_len, b->alpn_len);
	assert_memory_equal(a->alpn, b->alpn, a->alpn_len);
	assert_int_equal(a->sni_len, b->sni_len);
	assert_memory_equal(a->sni, b->sni, a->sni_len);
	assert_int_equal(a->identity_len, b->identity_len);
	assert_memory_equal(a->identity, b->identity, a->identity_len);
}

static size_t enc(const struct cp_sess_state *st, uint8_t *mem, size_t cap)
{
	struct ftls_buf b;

	ftls_buf_init(&b, mem, cap);
	assert_int_equal(cp_sess_state_encode(st, &b), FTLS_OK);
	return b.len;
}

static enum ftls_err dec(const uint8_t *mem, size_t len, struct cp_sess_state *st)
{
	struct ftls_buf b;

	ftls_buf_init_ro(&b, mem, len);
	return cp_sess_state_decode(&b, st);
}

static void test_encoding_pinned(void **state)
{
	struct cp_sess_state st, back;
	uint8_t mem[CP_SESS_STATE_MAX];
	static const uint8_t want[] = {
		0x01, 0x03, 0x04, 0x13, 0x01, 0x00,             /* format, version, suite, flags */
		0x20, [7 ... 38] = 0x11,                        /* secret<32> */
		0, 0, 0, 0, 0, 0, 0x12, 0x34,                   /* created */
		0x00, 0x00, 0x0e, 0x10,                         /* lifetime 3600 */
		0x01, 0x02, 0x03, 0x04,                         /* age_add */
		0x02, 'h', '2',                                 /* alpn */
		0x01, 'x',                                      /* sni */
		0x00, 0x00,                                     /* identity */
	};

	(void)state;
	memset(&st, 0, sizeof(st));
	st.version = FTLS_V_TLS13;
	st.suite = FTLS_TLS_AES_128_GCM_SHA256;
	st.secret_len = 32;
	memset(st.secret, 0x11, 32);
	st.created = 0x1234;
	st.lifetime = 3600;
	st.age_add = 0x01020304;
	st.alpn_len = 2;
	memcpy(st.alpn, "h2", 2);
	st.sni_len = 1;
	st.sni[0] = 'x';
	assert_int_equal(enc(&st, mem, sizeof(mem)), sizeof(want));
	assert_memory_equal(mem, want, sizeof(want));
	assert_int_equal(dec(want, sizeof(want), &back), FTLS_OK);
	assert_state_eq(&st, &back);
}

static void test_round_trips_and_truncations(void **state)
{
	struct cp_sess_state st, back;
	uint8_t mem[CP_SESS_STATE_MAX + 1];
	size_t n;

	(void)state;
	fake_now = 1700000000;
	for (int v = 0; v < 3; v++) {
		if (v == 0)
			state12(&st);
		else
			state13(&st);
		if (v == 2) { /* every field at its largest */
			st.alpn_len = CP_SESS_ALPN_MAX;
			memset(st.alpn, 'a', CP_SESS_ALPN_MAX);
			st.sni_len = CP_SESS_SNI_MAX;
			memset(st.sni, 's', CP_SESS_SNI_MAX);
			st.identity_len = CP_SESS_IDENTITY_MAX;
			memset(st.identity, 'i', CP_SESS_IDENTITY_MAX);
		}
		n = enc(&st, mem, sizeof(mem));
		if (v == 2)
			assert_int_equal(n, CP_SESS_STATE_MAX);
		assert_int_equal(dec(mem, n, &back), FTLS_OK);
		assert_state_eq(&st, &back);
		for (size_t cut = 0; cut < n; cut++)
			assert_int_equal(dec(mem, cut, &back), FTLS_ERR_DECODE);
		mem[n] = 0;
		assert_int_equal(dec(mem, n + 1, &back), FTLS_ERR_DECODE);
		/* A failed decode leaves no secret behind. */
		assert_int_equal(back.secret_len, 0);
		for (int i = 0; i < CP_SESS_SECRET_MAX; i++)
			assert_int_equal(back.secret[i], 0);
	}
}

static void test_inconsistent_states(void **state)
{
	struct cp_sess_state st, back;
	uint8_t mem[CP_SESS_STATE_MAX], small[40] = { 0 };
	struct ftls_buf b;
	size_t n;

	(void)state;
	fake_now = 100;
	state13(&st);
	n = enc(&st, mem, sizeof(mem));
	/* Byte-level edits of a good encoding. */
	mem[0] = 2;                               /* unknown format */
	assert_int_equal(dec(mem, n, &back), FTLS_ERR_DECODE);
	mem[0] = 1;
	mem[2] = 0x03;                            /* version 1.2 with a 1.3 suite */
	assert_int_equal(dec(mem, n, &back), FTLS_ERR_DECODE);
	mem[2] = 0x04;
	mem[4] = 0x77;                            /* unknown suite 0x1377 */
	assert_int_equal(dec(mem, n, &back), FTLS_ERR_DECODE);
	mem[4] = 0x01;                            /* AES-128-GCM-SHA256 wants 32 bytes, not 48 */
	assert_int_equal(dec(mem, n, &back), FTLS_ERR_DECODE);
	mem[4] = 0x02;
	mem[5] = CP_SESS_F_EMS;                   /* EMS is a TLS 1.2 flag */
	assert_int_equal(dec(mem, n, &back), FTLS_ERR_DECODE);
	mem[5] = 0x80;                            /* unknown flag */
	assert_int_equal(dec(mem, n, &back), FTLS_ERR_DECODE);
	mem[5] = 0;
	assert_int_equal(dec(mem, n, &back), FTLS_OK);

	/* The encoder refuses what the decoder would. */
	ftls_buf_init(&b, mem, sizeof(mem));
	st.lifetime = 0;
	assert_int_equal(cp_sess_state_encode(&st, &b), FTLS_ERR_INVAL);
	st.lifetime = CP_SESS_LIFETIME_MAX + 1;
	assert_int_equal(cp_sess_state_encode(&st, &b), FTLS_ERR_INVAL);
	st.lifetime = 10;
	st.secret_len = 47;
	assert_int_equal(cp_sess_state_encode(&st, &b), FTLS_ERR_INVAL);
	st.secret_len = 48;
	st.version = FTLS_V_TLS11;
	assert_int_equal(cp_sess_state_encode(&st, &b), FTLS_ERR_INVAL);
	st.version = FTLS_V_TLS13;
	st.identity_len = CP_SESS_IDENTITY_MAX + 1;
	assert_int_equal(cp_sess_state_encode(&st, &b), FTLS_ERR_INVAL);
	st.identity_len = 0;
	assert_int_equal(b.len, 0);
	/* No room: FULL, and the buffer is as it was. */
	ftls_buf_init(&b, small, sizeof(small));
	assert_int_equal(cp_sess_state_encode(&st, &b), FTLS_ERR_FULL);
	assert_int_equal(b.len, 0);
	for (size_t i = 0; i < sizeof(small); i++)
		assert_int_equal(small[i], 0);
}

static struct cp_ticket_keys *mk(uint32_t period)
{
	struct cp_ticket_conf conf = { .period = period, .now = clock_cb };
	struct cp_ticket_keys *k = NULL;

	assert_int_equal(cp_ticket_keys_create(&conf, &k), FTLS_OK);
	return k;
}

static void test_seal_open_and_tamper(void **state)
{
	struct cp_ticket_keys *k, *other;
	struct cp_sess_state st, back;
	struct cp_ticket_stats s;
	uint8_t t[CP_TICKET_MAX_LEN], t2[CP_TICKET_MAX_LEN];
	size_t n, n2;
	bool renew = true;
	int refused = 0;

	(void)state;
	fake_now = 5000;
	k = mk(3600);
	other = mk(3600);
	state12(&st);
	assert_int_equal(cp_ticket_seal(k, &st, t, sizeof(t), &n), FTLS_OK);
	assert_true(n > CP_TICKET_OVERHEAD);
	assert_int_equal(cp_ticket_open(k, t, n, &back, &renew), FTLS_OK);
	assert_false(renew);
	assert_state_eq(&st, &back);
	/* The secret does not appear in the ticket. */
	assert_null(memmem(t, n, st.secret, 16));
	/* Fresh nonce per ticket. */
	assert_int_equal(cp_ticket_seal(k, &st, t2, sizeof(t2), &n2), FTLS_OK);
	assert_int_equal(n, n2);
	assert_memory_not_equal(t + CP_TICKET_KEY_NAME_LEN, t2 + CP_TICKET_KEY_NAME_LEN, n - CP_TICKET_KEY_NAME_LEN);
	/* Another server's keys do not know the name. */
	assert_int_equal(cp_ticket_open(other, t, n, &back, NULL), FTLS_ERR_NOT_FOUND);

	/* Every bit flip, in every byte, is refused: in the name as unknown, elsewhere as forged. */
	for (size_t i = 0; i < n; i++)
		for (int bit = 0; bit < 8; bit += 3) {
			t[i] ^= (uint8_t)(1u << bit);
			assert_int_equal(cp_ticket_open(k, t, n, &back, NULL),
					 i < CP_TICKET_KEY_NAME_LEN ? FTLS_ERR_NOT_FOUND : FTLS_ERR_DECRYPT_ERROR);
			assert_int_equal(back.secret_len, 0);
			t[i] ^= (uint8_t)(1u << bit);
			refused++;
		}
	/* Every truncation and an extension too. */
	for (size_t cut = 0; cut < n; cut++) {
		enum ftls_err e = cp_ticket_open(k, t, cut, &back, NULL);

		assert_true(e == FTLS_ERR_NOT_FOUND || e == FTLS_ERR_DECRYPT_ERROR);
		refused++;
	}
	t[n] = 0;
	assert_int_equal(cp_ticket_open(k, t, n + 1, &back, NULL), FTLS_ERR_DECRYPT_ERROR);
	assert_int_equal(cp_ticket_open(k, t, n, &back, NULL), FTLS_OK);
	/* An output too small; a state that cannot be encoded. */
	assert_int_equal(cp_ticket_seal(k, &st, t, n - 1, &n2), FTLS_ERR_FULL);
	st.secret_len = 5;
	assert_int_equal(cp_ticket_seal(k, &st, t, sizeof(t), &n2), FTLS_ERR_INVAL);
	cp_ticket_stats(k, &s);
	assert_int_equal(s.issued, 2);
	assert_int_equal(s.accepted, 2);
	printf("%d tampered or truncated tickets refused\n", refused);
	cp_ticket_keys_destroy(k);
	cp_ticket_keys_destroy(other);
}

static void test_expiry(void **state)
{
	struct cp_ticket_keys *k;
	struct cp_sess_state st, back;
	struct cp_ticket_stats s;
	uint8_t t[CP_TICKET_MAX_LEN];
	size_t n;

	(void)state;
	fake_now = 1000;
	k = mk(100000);
	state13(&st);
	st.lifetime = 60;
	assert_int_equal(cp_ticket_seal(k, &st, t, sizeof(t), &n), FTLS_OK);
	fake_now = 1059;
	assert_int_equal(cp_ticket_open(k, t, n, &back, NULL), FTLS_OK);
	fake_now = 1060;
	assert_int_equal(cp_ticket_open(k, t, n, &back, NULL), FTLS_ERR_TIMEOUT);
	assert_int_equal(back.secret_len, 0);
	/* Created in the future (by the keys' clock): refused too. */
	fake_now = 1000;
	st.created = 1001;
	assert_int_equal(cp_ticket_seal(k, &st, t, sizeof(t), &n), FTLS_OK);
	assert_int_equal(cp_ticket_open(k, t, n, &back, NULL), FTLS_ERR_TIMEOUT);
	cp_ticket_stats(k, &s);
	assert_int_equal(s.expired, 2);
	cp_ticket_keys_destroy(k);
}

static void test_rotation(void **state)
{
	struct cp_ticket_keys *k;
	struct cp_sess_state st, back;
	struct cp_ticket_stats s;
	uint8_t a[CP_TICKET_MAX_LEN], b[CP_TICKET_MAX_LEN], c[CP_TICKET_MAX_LEN];
	size_t na, nb, nc;
	bool renew;

	(void)state;
	fake_now = 0;
	k = mk(100);
	state13(&st);
	st.lifetime = 100000;
	assert_int_equal(cp_ticket_seal(k, &st, a, sizeof(a), &na), FTLS_OK);      /* key 1 */
	fake_now = 99;
	assert_int_equal(cp_ticket_open(k, a, na, &back, &renew), FTLS_OK);
	assert_false(renew);
	fake_now = 100;                                     /* key 2 current, key 1 previous */
	assert_int_equal(cp_ticket_open(k, a, na, &back, &renew), FTLS_OK);
	assert_true(renew);
	assert_int_equal(cp_ticket_seal(k, &st, b, sizeof(b), &nb), FTLS_OK);      /* key 2 */
	assert_memory_not_equal(a, b, CP_TICKET_KEY_NAME_LEN);
	fake_now = 199;
	assert_int_equal(cp_ticket_open(k, a, na, &back, &renew), FTLS_OK);
	fake_now = 200;                                     /* key 3 current, key 2 previous */
	assert_int_equal(cp_ticket_open(k, a, na, &back, &renew), FTLS_ERR_NOT_FOUND);
	assert_int_equal(cp_ticket_open(k, b, nb, &back, &renew), FTLS_OK);
	assert_true(renew);
	/* Two idle periods: nothing sealed before still opens. */
	fake_now = 400;
	assert_int_equal(cp_ticket_open(k, b, nb, &back, &renew), FTLS_ERR_NOT_FOUND);
	/* Forced rotations. */
	assert_int_equal(cp_ticket_seal(k, &st, c, sizeof(c), &nc), FTLS_OK);
	assert_int_equal(cp_ticket_rotate(k), FTLS_OK);
	assert_int_equal(cp_ticket_open(k, c, nc, &back, &renew), FTLS_OK);
	assert_true(renew);
	assert_int_equal(cp_ticket_rotate(k), FTLS_OK);
	assert_int_equal(cp_ticket_open(k, c, nc, &back, &renew), FTLS_ERR_NOT_FOUND);
	cp_ticket_stats(k, &s);
	assert_int_equal(s.rotations, 5);
	assert_int_equal(s.accepted_previous, 4);
	assert_int_equal(s.unknown_key, 3);
	cp_ticket_keys_destroy(k);
}

/* TLS 1.3 single-use tickets: the ticket id goes into the session cache when issued, is taken on use. */
static void test_single_use_with_cache(void **state)
{
	struct cp_sess_cache_conf cc = { .max_entries = 64, .max_bytes = 1 << 16, .lifetime = 7200,
					 .now = clock_cb };
	struct cp_sess_cache *cache = NULL;
	struct cp_ticket_keys *k;
	struct cp_sess_state st, back;
	uint8_t t[CP_TICKET_MAX_LEN], t2[CP_TICKET_MAX_LEN];
	size_t n, n2, len;

	(void)state;
	fake_now = 10;
	k = mk(3600);
	assert_int_equal(cp_sess_cache_create(&cc, &cache), FTLS_OK);
	state13(&st);
	assert_int_equal(cp_ticket_seal(k, &st, t, sizeof(t), &n), FTLS_OK);
	assert_int_equal(cp_ticket_seal(k, &st, t2, sizeof(t2), &n2), FTLS_OK);
	assert_memory_not_equal(t, t2, CP_TICKET_ID_LEN);
	assert_int_equal(cp_sess_put(cache, t, CP_TICKET_ID_LEN, NULL, 0, st.lifetime), FTLS_OK);
	assert_int_equal(cp_sess_put(cache, t2, CP_TICKET_ID_LEN, NULL, 0, st.lifetime), FTLS_OK);
	/* First use: opens, and is taken. Second use: opens, but is no longer there. */
	assert_int_equal(cp_ticket_open(k, t, n, &back, NULL), FTLS_OK);
	assert_int_equal(cp_sess_take(cache, t, CP_TICKET_ID_LEN, NULL, 0, &len), FTLS_OK);
	assert_int_equal(cp_ticket_open(k, t, n, &back, NULL), FTLS_OK);
	assert_int_equal(cp_sess_take(cache, t, CP_TICKET_ID_LEN, NULL, 0, &len), FTLS_ERR_NOT_FOUND);
	/* The other ticket is unaffected. */
	assert_int_equal(cp_sess_take(cache, t2, CP_TICKET_ID_LEN, NULL, 0, &len), FTLS_OK);
	cp_sess_cache_destroy(cache);
	cp_ticket_keys_destroy(k);
}

/* Two appliances sharing keys: A rotates and exports, B imports; tickets cross both ways. */
static void test_shared_keys(void **state)
{
	struct cp_ticket_keys *a, *b;
	struct cp_ticket_key_blob cur, prev;
	struct cp_sess_state st, back;
	uint8_t t1[CP_TICKET_MAX_LEN], t2[CP_TICKET_MAX_LEN];
	size_t n1, n2;
	bool has_prev, renew;

	(void)state;
	fake_now = 1000;
	a = mk(100);
	b = mk(100);
	state13(&st);
	st.lifetime = 10000;
	assert_int_equal(cp_ticket_seal(a, &st, t1, sizeof(t1), &n1), FTLS_OK);
	assert_int_equal(cp_ticket_open(b, t1, n1, &back, NULL), FTLS_ERR_NOT_FOUND);
	assert_int_equal(cp_ticket_keys_export(a, &cur, &prev, &has_prev), FTLS_OK);
	assert_false(has_prev);
	assert_int_equal(cp_ticket_keys_import(b, &cur, NULL), FTLS_OK);
	assert_int_equal(cp_ticket_open(b, t1, n1, &back, &renew), FTLS_OK);
	assert_false(renew);
	/* A rotates; B learns both keys; A's old ticket still opens on B, flagged for renewal. */
	fake_now = 1050;
	assert_int_equal(cp_ticket_rotate(a), FTLS_OK);
	assert_int_equal(cp_ticket_seal(a, &st, t2, sizeof(t2), &n2), FTLS_OK);
	assert_int_equal(cp_ticket_keys_export(a, &cur, &prev, &has_prev), FTLS_OK);
	assert_true(has_prev);
	assert_int_equal(cp_ticket_keys_import(b, &cur, &prev), FTLS_OK);
	assert_int_equal(cp_ticket_open(b, t2, n2, &back, &renew), FTLS_OK);
	assert_false(renew);
	assert_int_equal(cp_ticket_open(b, t1, n1, &back, &renew), FTLS_OK);
	assert_true(renew);
	/* B's schedule runs from the imported creation time. */
	fake_now = 1150;
	assert_int_equal(cp_ticket_open(b, t2, n2, &back, &renew), FTLS_OK);
	assert_true(renew);
	assert_int_equal(cp_ticket_open(b, t1, n1, &back, &renew), FTLS_ERR_NOT_FOUND);
	/* Refused imports. */
	assert_int_equal(cp_ticket_keys_import(b, &prev, &cur), FTLS_ERR_INVAL);    /* prev newer */
	assert_int_equal(cp_ticket_keys_import(b, &cur, &cur), FTLS_ERR_INVAL);     /* same key */
	cur.created = fake_now + 1;
	assert_int_equal(cp_ticket_keys_import(b, &cur, NULL), FTLS_ERR_INVAL);     /* future */
	assert_int_equal(cp_ticket_keys_import(b, NULL, NULL), FTLS_ERR_INVAL);
	ftls_wipe(&cur, sizeof(cur));
	ftls_wipe(&prev, sizeof(prev));
	cp_ticket_keys_destroy(a);
	cp_ticket_keys_destroy(b);
}

static void test_bad_arguments(void **state)
{
	struct cp_ticket_conf conf = { .period = 0 };
	struct cp_ticket_keys *k = NULL;
	struct cp_sess_state st;
	uint8_t t[8];
	size_t n;

	(void)state;
	assert_int_equal(cp_ticket_keys_create(&conf, &k), FTLS_ERR_INVAL);
	assert_int_equal(cp_ticket_keys_create(NULL, &k), FTLS_ERR_INVAL);
	k = mk(10);
	assert_int_equal(cp_ticket_open(k, NULL, 5, &st, NULL), FTLS_ERR_INVAL);
	assert_int_equal(cp_ticket_open(k, t, 0, &st, NULL), FTLS_ERR_NOT_FOUND);
	assert_int_equal(cp_ticket_seal(k, NULL, t, sizeof(t), &n), FTLS_ERR_INVAL);
	assert_int_equal(cp_ticket_rotate(NULL), FTLS_ERR_INVAL);
	cp_ticket_keys_destroy(k);
	cp_ticket_keys_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encoding_pinned),
		cmocka_unit_test(test_round_trips_and_truncations),
		cmocka_unit_test(test_inconsistent_states),
		cmocka_unit_test(test_seal_open_and_tamper),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_rotation),
		cmocka_unit_test(test_single_use_with_cache),
		cmocka_unit_test(test_shared_keys),
		cmocka_unit_test(test_bad_arguments),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
