/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the record layer (record.c) over every crypto backend in FTLS_TEST_BACKENDS and
 * across them (seal on one, open on another): round trips for every suite and size, the
 * illustrated-tls12/-tls13 captures opened (and resealed byte for byte) with their published
 * keys, tampering and limits with the exact error each must give, CBC records built here with
 * libcrypto for every padding length, the asynchronous burst path, and the deframer. Not for:
 * OpenSSL as a live peer (test_record_openssl.c) or primitive vectors (test_wycheproof.c).
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>

#include "common/buf.h"
#include "tests/unit/test_record_util.h"

enum { BIG = FTLS_REC_MAX_LEN + 4096 };

static uint8_t key32[32], iv12[12], mac48[48];
static uint8_t pt_buf[BIG], rec_buf[BIG], out_buf[BIG];

static int setup(void **state)
{
	(void)state;
	for (int i = 0; i < 32; i++)
		key32[i] = (uint8_t)(0x10 + i);
	for (int i = 0; i < 12; i++)
		iv12[i] = (uint8_t)(0xa0 + i);
	for (int i = 0; i < 48; i++)
		mac48[i] = (uint8_t)(0x40 ^ i);
	for (size_t i = 0; i < sizeof(pt_buf); i++)
		pt_buf[i] = (uint8_t)(i * 7 + 3);
	return tb_open_all();
}

static int teardown(void **state)
{
	(void)state;
	tb_close_all();
	return 0;
}

/* A TX and an RX direction for suite s, on backends a and b, starting at seq. */
static void dirs(const struct ftls_suite *s, struct ftls_crypto_dev *a, struct ftls_crypto_dev *b,
		 uint64_t seq, struct ftls_rec_dir *tx, struct ftls_rec_dir *rx)
{
	struct ftls_key_install ki;

	memset(tx, 0, sizeof(*tx));
	memset(rx, 0, sizeof(*rx));
	tb_ki(&ki, s, FTLS_DIR_TX, seq, key32, iv12, mac48);
	assert_int_equal(ftls_rec_dir_install(tx, a, 0, &ki), FTLS_OK);
	ki.dir = FTLS_DIR_RX;
	assert_int_equal(ftls_rec_dir_install(rx, b, 0, &ki), FTLS_OK);
}

static void undirs(struct ftls_rec_dir *tx, struct ftls_rec_dir *rx)
{
	ftls_rec_dir_clear(tx);
	ftls_rec_dir_clear(rx);
}

static size_t seal_ok(struct ftls_rec_dir *tx, uint8_t type, const uint8_t *pt, size_t len)
{
	size_t rl = 0;

	assert_int_equal(ftls_rec_seal(tx, type, pt, len, rec_buf, sizeof(rec_buf), &rl), FTLS_OK);
	assert_int_equal(rl, ftls_rec_sealed_len(tx, len));
	return rl;
}

static enum ftls_err open_rec(struct ftls_rec_dir *rx, const uint8_t *rec, size_t rl, uint8_t *type,
			      size_t *n)
{
	return ftls_rec_open(rx, rec, rl, out_buf, sizeof(out_buf), type, n);
}

/* ---- round trips ---------------------------------------------------------------------------- */

static void test_round_trip_all_suites(void **state)
{
	static const size_t sizes[] = { 0, 1, 15, 16, 17, 31, 47, 48, 255, 256, 1000, 4096, 16383, 16384 };
	static const uint16_t pads[] = { 0, 64, 4096 };
	(void)state;
	for (size_t si = 0; si < ftls_nb_suites; si++) {
		const struct ftls_suite *s = &ftls_suites[si];

		for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s))
			for (int b = 0; b < nb_tbs; b++) if (tb_can(b, s))
				for (size_t pi = 0; pi < (s->version == FTLS_V_TLS13 ? 3u : 1u); pi++) {
					struct ftls_rec_dir tx, rx;

					dirs(s, tbs[a].dev, tbs[b].dev, 5, &tx, &rx);
					tx.pad_to = pads[pi];
					for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
						uint8_t type = k % 2 ? FTLS_CT_APPLICATION_DATA : FTLS_CT_HANDSHAKE;
						size_t rl, n = 0;
						uint8_t t = 0;

						if (sizes[k] == 0)
							type = FTLS_CT_APPLICATION_DATA;
						rl = seal_ok(&tx, type, pt_buf + k, sizes[k]);
						assert_int_equal(ftls_load_u16(rec_buf + 3), rl - 5);
						assert_int_equal(open_rec(&rx, rec_buf, rl, &t, &n), FTLS_OK);
						assert_int_equal(t, type);
						assert_int_equal(n, sizes[k]);
						assert_memory_equal(out_buf, pt_buf + k, n);
					}
					assert_true(tx.seq == 5 + sizeof(sizes) / sizeof(sizes[0]));
					assert_true(rx.seq == tx.seq);
					undirs(&tx, &rx);
				}
	}
}

/* Seal in place (plaintext already at out + 5 + explicit part) and open in place (out == rec). */
static void test_in_place(void **state)
{
	(void)state;
	for (size_t si = 0; si < ftls_nb_suites; si++) {
		const struct ftls_suite *s = &ftls_suites[si];

		for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s) && tb_can((a + 1) % nb_tbs, s)) {
			struct ftls_rec_dir tx, rx;
			size_t offs[] = { 5, 5 + (size_t)s->record_iv_len };

			dirs(s, tbs[a].dev, tbs[(a + 1) % nb_tbs].dev, 0, &tx, &rx);
			for (int o = 0; o < 2; o++) {
				size_t len = 3000, rl = 0, n = 0;
				uint8_t t = 0;

				memcpy(rec_buf + offs[o], pt_buf, len);
				assert_int_equal(ftls_rec_seal(&tx, FTLS_CT_APPLICATION_DATA, rec_buf + offs[o],
							       len, rec_buf, sizeof(rec_buf), &rl), FTLS_OK);
				assert_int_equal(ftls_rec_open(&rx, rec_buf, rl, rec_buf, sizeof(rec_buf), &t,
							       &n), FTLS_OK);
				assert_int_equal(n, len);
				assert_memory_equal(rec_buf, pt_buf, len);
			}
			undirs(&tx, &rx);
		}
	}
}

/* Bursts through prep / enqueue / dequeue / done, with a queue shallower than the burst. */
static void test_async_bursts(void **state)
{
	enum { NB = 40, LEN = 700, DEPTH = 16 };
	static uint8_t recs[NB][LEN + 64], outs[NB][LEN + 64];
	(void)state;
	for (int a = 0; a < nb_tbs; a++) {
		struct ftls_crypto_conf conf = { .nb_qp = 1, .qp_depth = DEPTH, .nb_slots = 4 };
		const struct ftls_suite *s = ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256);
		struct ftls_crypto_op ops[NB], *p[NB], *done[NB];
		struct ftls_crypto_dev *dev;
		struct ftls_rec_dir tx, rx;
		uint16_t sent = 0, got = 0;

		if (!tb_can(a, s))
			continue;
		assert_int_equal(ftls_crypto_open(tbs[a].name, &conf, &dev), FTLS_OK);
		dirs(s, dev, dev, 0, &tx, &rx);
		for (int i = 0; i < NB; i++) {
			assert_int_equal(ftls_rec_seal_prep(&tx, FTLS_CT_APPLICATION_DATA, pt_buf + i, LEN,
							    recs[i], sizeof(recs[i]), &ops[i]), FTLS_OK);
			ops[i].cookie = (void *)(uintptr_t)(i + 1);
			p[i] = &ops[i];
		}
		while (got < NB) {
			uint16_t k = ftls_crypto_enqueue_burst(dev, 0, p + sent, (uint16_t)(NB - sent));

			assert_true(k <= DEPTH);
			sent = (uint16_t)(sent + k);
			k = ftls_crypto_dequeue_burst(dev, 0, done + got, (uint16_t)(NB - got));
			for (uint16_t j = 0; j < k; j++)
				assert_ptr_equal(done[got + j]->cookie, (void *)(uintptr_t)(got + j + 1));
			got = (uint16_t)(got + k);
		}
		for (int i = 0; i < NB; i++) {
			size_t rl = 0, n = 0;
			uint8_t t = 0;

			assert_int_equal(ftls_rec_seal_done(&tx, &ops[i], recs[i], &rl), FTLS_OK);
			assert_int_equal(ftls_rec_open_prep(&rx, recs[i], rl, outs[i], sizeof(outs[i]),
							    &ops[i]), FTLS_OK);
			assert_int_equal(ftls_crypto_enqueue_burst(dev, 0, p + i, 1), 1);
			assert_ptr_equal(tb_wait(dev, 0), &ops[i]);
			assert_int_equal(ftls_rec_open_done(&rx, &ops[i], &t, &n), FTLS_OK);
			assert_int_equal(n, LEN);
			assert_memory_equal(outs[i], pt_buf + i, LEN);
		}
		undirs(&tx, &rx);
		ftls_crypto_close(dev);
	}
}

static void test_plaintext_mode(void **state)
{
	struct ftls_rec_dir d = { .version = FTLS_V_TLS10 };
	size_t rl = 0, n = 0;
	uint8_t t = 0;

	(void)state;
	assert_int_equal(ftls_rec_seal(&d, FTLS_CT_HANDSHAKE, pt_buf, 100, rec_buf, sizeof(rec_buf), &rl),
			 FTLS_OK);
	assert_int_equal(rl, 105);
	assert_memory_equal(rec_buf, "\x16\x03\x01\x00\x64", 5);
	assert_memory_equal(rec_buf + 5, pt_buf, 100);
	assert_int_equal(open_rec(&d, rec_buf, rl, &t, &n), FTLS_OK);
	assert_int_equal(t, FTLS_CT_HANDSHAKE);
	assert_int_equal(n, 100);
	assert_memory_equal(out_buf, pt_buf, 100);
	d.version = FTLS_V_TLS13;
	assert_int_equal(ftls_rec_seal(&d, FTLS_CT_ALERT, pt_buf, 2, rec_buf, sizeof(rec_buf), &rl), FTLS_OK);
	assert_memory_equal(rec_buf, "\x15\x03\x03\x00\x02", 5);
	/* Limits hold in plaintext mode too. */
	assert_int_equal(ftls_rec_seal(&d, FTLS_CT_HANDSHAKE, pt_buf, FTLS_REC_MAX_PLAIN + 1, rec_buf,
				       sizeof(rec_buf), &rl), FTLS_ERR_INVAL);
	rec_buf[0] = FTLS_CT_HANDSHAKE;
	ftls_store_u16(rec_buf + 3, FTLS_REC_MAX_PLAIN + 1);
	assert_int_equal(open_rec(&d, rec_buf, 5 + FTLS_REC_MAX_PLAIN + 1, &t, &n), FTLS_ERR_RECORD_OVERFLOW);
	assert_int_equal(ftls_rec_seal(&d, FTLS_CT_HANDSHAKE, pt_buf, 10, rec_buf, 14, &rl), FTLS_ERR_FULL);
	assert_int_equal(ftls_rec_seal(&d, 99, pt_buf, 10, rec_buf, sizeof(rec_buf), &rl), FTLS_ERR_INVAL);
}

/* ---- known answers: illustrated-tls12 / -tls13 ----------------------------------------------- */

static long cap_file(const char *dir, const char *name, uint8_t *buf, size_t cap)
{
	char path[512];
	long n;

	snprintf(path, sizeof(path), "%s/%s/caps/%s", FTLS_VECTORS_DIR, dir, name);
	n = tb_read_file(path, buf, cap);
	if (n < 0)
		fail_msg("cannot read %s", path);
	return n;
}

struct cap13 {
	const char *enc, *plain;
	int server, app;
	uint64_t seq;
};

static void test_illustrated_tls13(void **state)
{
	static const struct cap13 caps[] = {
		{ "serverencextensions", "serverextensions", 1, 0, 0 },
		{ "serverenccert", "servercert", 1, 0, 1 },
		{ "serverenccertverify", "servercertverify", 1, 0, 2 },
		{ "serverencfinished", "serverfinished", 1, 0, 3 },
		{ "clientencfinished", "clientfinished", 0, 0, 0 },
		{ "serverencticket1", "serverticket1", 1, 1, 0 },
		{ "serverencticket2", "serverticket2", 1, 1, 1 },
		{ "serverencdata", "serverdata", 1, 1, 2 },
		{ "clientencdata", "clientdata", 0, 1, 0 },
	};
	/* [server][app] keys and IVs from the README. */
	static const char *const keys[2][2] = {
		{ "1135b4826a9a70257e5a391ad93093dfd7c4214812f493b3e3daae1eb2b1ac69",
		  "de2f4c7672723a692319873e5c227606691a32d1c59d8b9f51dbb9352e9ca9cc" },
		{ "9f13575ce3f8cfc1df64a77ceaffe89700b492ad31b4fab01c4792be1b266b7f",
		  "01f78623f17e3edcc09e944027ba3218d57c8e0db93cd3ac419309274700ac27" },
	};
	static const char *const ivs[2][2] = {
		{ "4256d2e0e88babdd05eb2f27", "bb007956f474b25de902432f" },
		{ "9563bc8b590f671f488d2da3", "196a750b0c5049c0cc51a541" },
	};
	const struct ftls_suite *s = ftls_suite_by_id(FTLS_TLS_AES_256_GCM_SHA384);
	static uint8_t enc[4096], plain[4096], resealed[4096];
	int checked = 0;

	(void)state;
	for (int b = 0; b < nb_tbs; b++) if (tb_can(b, s))
		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
			const struct cap13 *c = &caps[i];
			struct ftls_key_install ki;
			struct ftls_rec_dir rx = { 0 }, tx = { 0 };
			uint8_t key[32], iv[12], t = 0;
			long el = cap_file("illustrated-tls13", c->enc, enc, sizeof(enc));
			long pl = cap_file("illustrated-tls13", c->plain, plain, sizeof(plain));
			size_t n = 0, rl = 0;

			assert_int_equal(tb_hex(keys[c->server][c->app], key, 32), 32);
			assert_int_equal(tb_hex(ivs[c->server][c->app], iv, 12), 12);
			tb_ki(&ki, s, FTLS_DIR_RX, c->seq, key, iv, NULL);
			assert_int_equal(ftls_rec_dir_install(&rx, tbs[b].dev, 0, &ki), FTLS_OK);
			assert_int_equal(open_rec(&rx, enc, (size_t)el, &t, &n), FTLS_OK);
			/* The plain captures end with the inner content type. */
			assert_int_equal(n, (size_t)pl - 1);
			assert_int_equal(t, plain[pl - 1]);
			assert_memory_equal(out_buf, plain, n);
			/* Sealing is deterministic in 1.3 without padding: the same bytes again. */
			ki.dir = FTLS_DIR_TX;
			assert_int_equal(ftls_rec_dir_install(&tx, tbs[b].dev, 0, &ki), FTLS_OK);
			assert_int_equal(ftls_rec_seal(&tx, t, plain, n, resealed, sizeof(resealed), &rl),
					 FTLS_OK);
			assert_int_equal(rl, (size_t)el);
			assert_memory_equal(resealed, enc, rl);
			ftls_rec_dir_clear(&rx);
			ftls_rec_dir_clear(&tx);
			checked++;
		}
	assert_true(checked >= 9);
}

/* TLS 1.2 key block (RFC 5246 §6.3) with libcrypto's TLS1-PRF, independent of the code under test. */
static void prf_key_block(const char *digest, const uint8_t *ms, const uint8_t *cr, const uint8_t *sr,
			  uint8_t *out, size_t n)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	uint8_t seed[13 + 64];
	OSSL_PARAM params[4];

	memcpy(seed, "key expansion", 13);
	memcpy(seed + 13, sr, 32);
	memcpy(seed + 45, cr, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)ms, 48);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed));
	params[3] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kc, out, n, params), 1);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
}

static void test_illustrated_tls12(void **state)
{
	static const struct {
		const char *enc, *plain;
		int server;
		uint64_t seq;
		uint8_t type;
	} caps[] = {
		{ "clientfinished", "clientfinishedplain", 0, 0, FTLS_CT_HANDSHAKE },
		{ "serverfinished", "serverfinishedplain", 1, 0, FTLS_CT_HANDSHAKE },
		{ "clientdata", "clientdataplain", 0, 1, FTLS_CT_APPLICATION_DATA },
		{ "serverdata", "serverdataplain", 1, 1, FTLS_CT_APPLICATION_DATA },
		{ "clientalert", "clientalertplain", 0, 2, FTLS_CT_ALERT },
	};
	const struct ftls_suite *s = ftls_suite_by_id(FTLS_ECDHE_RSA_AES128_CBC_SHA);
	uint8_t ms[48], cr[32], sr[32], kb[2 * 20 + 2 * 16], key[16], mk[20];
	static uint8_t enc[1024], plain[1024], resealed[1024];

	(void)state;
	assert_int_equal(tb_hex("916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7387ac06ae237344c",
				ms, 48), 48);
	for (int i = 0; i < 32; i++) {
		cr[i] = (uint8_t)i;
		sr[i] = (uint8_t)(0x70 + i);
	}
	prf_key_block("SHA256", ms, cr, sr, kb, sizeof(kb));
	/* The README's client MAC key and write keys: our reading of the key block is right. */
	assert_int_equal(tb_hex("1b7d117c7d5f690bc263cae8ef60af0f1878acc2", mk, 20), 20);
	assert_memory_equal(kb, mk, 20);
	assert_int_equal(tb_hex("f656d037b173ef3e11169f27231a84b6", key, 16), 16);
	assert_memory_equal(kb + 40, key, 16);
	assert_int_equal(tb_hex("752a18e7a9fcb7cbcdd8f98dd8f769eb", key, 16), 16);
	assert_memory_equal(kb + 56, key, 16);

	for (int b = 0; b < nb_tbs; b++) if (tb_can(b, s))
		for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++) {
			const uint8_t *wk = kb + 40 + 16 * caps[i].server, *wmk = kb + 20 * caps[i].server;
			struct ftls_key_install ki;
			struct ftls_rec_dir rx = { 0 }, tx = { 0 };
			struct ftls_crypto_op op;
			long el = cap_file("illustrated-tls12", caps[i].enc, enc, sizeof(enc));
			long pl = cap_file("illustrated-tls12", caps[i].plain, plain, sizeof(plain));
			size_t n = 0, rl = 0, expect = (size_t)pl - 20 - 1;
			uint8_t t = 0;

			tb_ki(&ki, s, FTLS_DIR_RX, caps[i].seq, wk, NULL, wmk);
			assert_int_equal(ftls_rec_dir_install(&rx, tbs[b].dev, 0, &ki), FTLS_OK);
			assert_int_equal(open_rec(&rx, enc, (size_t)el, &t, &n), FTLS_OK);
			assert_int_equal(t, caps[i].type);
			assert_int_equal(n, expect);
			assert_memory_equal(out_buf, plain, n);
			/* Reseal with the capture's explicit IV: the same record byte for byte. */
			ki.dir = FTLS_DIR_TX;
			assert_int_equal(ftls_rec_dir_install(&tx, tbs[b].dev, 0, &ki), FTLS_OK);
			assert_int_equal(ftls_rec_seal_prep(&tx, t, plain, n, resealed, sizeof(resealed), &op),
					 FTLS_OK);
			memcpy(op.iv, enc + 5, 16);
			{
				struct ftls_crypto_op *p = &op, *d = NULL;

				assert_int_equal(ftls_crypto_enqueue_burst(tbs[b].dev, 0, &p, 1), 1);
				assert_ptr_equal(d = tb_wait(tbs[b].dev, 0), &op);
			}
			assert_int_equal(ftls_rec_seal_done(&tx, &op, resealed, &rl), FTLS_OK);
			assert_int_equal(rl, (size_t)el);
			assert_memory_equal(resealed, enc, rl);
			ftls_rec_dir_clear(&rx);
			ftls_rec_dir_clear(&tx);
		}
}

/* ---- CBC records built with libcrypto, any padding ----------------------------------------- */

static const EVP_MD *suite_md(const struct ftls_suite *s)
{
	return s->mac == FTLS_MAC_HMAC_SHA1 ? EVP_sha1() : s->mac == FTLS_MAC_HMAC_SHA256 ? EVP_sha256()
											  : EVP_sha384();
}

/*
 * A TLS 1.2 CBC record of len bytes with pad+1 padding bytes; bad_pad spoils the first padding
 * byte (when there is more than one), bad_mac flips a MAC bit. Returns the record length.
 */
static size_t build_cbc(const struct ftls_suite *s, uint64_t seq, uint8_t type, const uint8_t *pt,
			size_t len, unsigned pad, int bad_pad, int bad_mac, uint8_t *rec)
{
	static uint8_t body[BIG];
	uint8_t aad[13], iv[16];
	unsigned ml = s->mac_key_len, mlen = 0;
	size_t blen = len + ml + pad + 1;
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl = 0, fl = 0;

	assert_int_equal(blen % 16, 0);
	ftls_store_u64(aad, seq);
	aad[8] = type;
	ftls_store_u16(aad + 9, FTLS_V_TLS12);
	ftls_store_u16(aad + 11, (uint16_t)len);
	memcpy(body, pt, len);
	{
		static uint8_t macin[BIG];

		memcpy(macin, aad, 13);
		memcpy(macin + 13, pt, len);
		assert_non_null(HMAC(suite_md(s), mac48, (int)ml, macin, 13 + len, body + len, &mlen));
	}
	assert_int_equal(mlen, ml);
	if (bad_mac)
		body[len + 3] ^= 0x20;
	memset(body + len + ml, (int)pad, pad + 1);
	if (bad_pad && pad > 0)
		body[len + ml] ^= 1;
	for (int i = 0; i < 16; i++)
		iv[i] = (uint8_t)(0x33 * i + seq);
	rec[0] = type;
	ftls_store_u16(rec + 1, FTLS_V_TLS12);
	ftls_store_u16(rec + 3, (uint16_t)(16 + blen));
	memcpy(rec + 5, iv, 16);
	assert_int_equal(EVP_EncryptInit_ex(c, s->key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc(),
					    NULL, key32, iv), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	assert_int_equal(EVP_EncryptUpdate(c, rec + 21, &outl, body, (int)blen), 1);
	assert_int_equal(EVP_EncryptFinal_ex(c, rec + 21 + outl, &fl), 1);
	EVP_CIPHER_CTX_free(c);
	return 21 + blen;
}

static void test_cbc_every_padding(void **state)
{
	(void)state;
	for (size_t si = 0; si < ftls_nb_suites; si++) {
		const struct ftls_suite *s = &ftls_suites[si];

		if (!s->block_len)
			continue;
		for (int b = 0; b < nb_tbs; b++) if (tb_can(b, s)) {
			struct ftls_rec_dir tx, rx;
			uint64_t seq = 100;
			int opened = 0;

			dirs(s, tbs[b].dev, tbs[b].dev, seq, &tx, &rx);
			for (size_t len = 0; len < 40; len += 13)
				for (unsigned pad = 0; pad < 256; pad++) {
					size_t rl, n = 0;
					uint8_t t = 0;

					if ((len + s->mac_key_len + pad + 1) % 16)
						continue;
					rl = build_cbc(s, seq, FTLS_CT_APPLICATION_DATA, pt_buf, len, pad, 0, 0,
						       rec_buf);
					assert_int_equal(open_rec(&rx, rec_buf, rl, &t, &n), FTLS_OK);
					assert_int_equal(n, len);
					assert_memory_equal(out_buf, pt_buf, len);
					seq++;
					if (pad > 0) {
						rl = build_cbc(s, seq, FTLS_CT_APPLICATION_DATA, pt_buf, len, pad,
							       1, 0, rec_buf);
						assert_int_equal(open_rec(&rx, rec_buf, rl, &t, &n),
								 FTLS_ERR_BAD_RECORD_MAC);
						seq++;
					}
					rl = build_cbc(s, seq, FTLS_CT_APPLICATION_DATA, pt_buf, len, pad, 0, 1,
						       rec_buf);
					assert_int_equal(open_rec(&rx, rec_buf, rl, &t, &n), FTLS_ERR_BAD_RECORD_MAC);
					seq++;
					opened++;
				}
			/* A maximal record with maximal padding. */
			{
				size_t len = FTLS_REC_MAX_PLAIN - (FTLS_REC_MAX_PLAIN + s->mac_key_len + 256) % 16;
				size_t rl = build_cbc(s, seq, FTLS_CT_APPLICATION_DATA, pt_buf, len, 255, 0, 0,
						      rec_buf), n = 0;
				uint8_t t = 0;

				assert_int_equal(open_rec(&rx, rec_buf, rl, &t, &n), FTLS_OK);
				assert_int_equal(n, len);
				assert_memory_equal(out_buf, pt_buf, len);
			}
			assert_true(opened > 40);
			undirs(&tx, &rx);
		}
	}
}

/* ---- tampering and limits ------------------------------------------------------------------ */

static void expect_open(const struct ftls_suite *s, struct ftls_crypto_dev *a, struct ftls_crypto_dev *b,
			const uint8_t *rec, size_t rl, uint64_t seq, enum ftls_err want)
{
	struct ftls_rec_dir tx, rx;
	size_t n = 0;
	uint8_t t = 0;

	dirs(s, a, b, seq, &tx, &rx);
	assert_int_equal(open_rec(&rx, rec, rl, &t, &n), want);
	undirs(&tx, &rx);
}

static void test_tampering(void **state)
{
	static uint8_t good[BIG], bad[BIG];
	(void)state;
	for (size_t si = 0; si < ftls_nb_suites; si++) {
		const struct ftls_suite *s = &ftls_suites[si];
		int v13 = s->version == FTLS_V_TLS13;

		for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s))
			for (int b = 0; b < nb_tbs; b++) if (tb_can(b, s)) {
				struct ftls_crypto_dev *da = tbs[a].dev, *db = tbs[b].dev;
				struct ftls_rec_dir tx, rx;
				size_t rl;

				dirs(s, da, db, 7, &tx, &rx);
				rl = seal_ok(&tx, FTLS_CT_APPLICATION_DATA, pt_buf, 100);
				memcpy(good, rec_buf, rl);
				undirs(&tx, &rx);
				expect_open(s, da, db, good, rl, 7, FTLS_OK);
				/* Last byte (tag or CBC block) flipped. */
				memcpy(bad, good, rl);
				bad[rl - 1] ^= 0x01;
				expect_open(s, da, db, bad, rl, 7, FTLS_ERR_BAD_RECORD_MAC);
				/* A ciphertext byte flipped. */
				memcpy(bad, good, rl);
				bad[5 + s->record_iv_len + 3] ^= 0x80;
				expect_open(s, da, db, bad, rl, 7, FTLS_ERR_BAD_RECORD_MAC);
				/* Header version byte: AAD in 1.3, in the MAC input in 1.2. */
				memcpy(bad, good, rl);
				bad[2] ^= 0x01;
				expect_open(s, da, db, bad, rl, 7, FTLS_ERR_BAD_RECORD_MAC);
				/* Header type: 1.3 outer type must be application_data; 1.2 MAC covers it. */
				memcpy(bad, good, rl);
				bad[0] = FTLS_CT_HANDSHAKE;
				expect_open(s, da, db, bad, rl, 7,
					    v13 ? FTLS_ERR_UNEXPECTED_MESSAGE : FTLS_ERR_BAD_RECORD_MAC);
				/* Wrong sequence number. */
				expect_open(s, da, db, good, rl, 8, FTLS_ERR_BAD_RECORD_MAC);
				expect_open(s, da, db, good, rl, 6, FTLS_ERR_BAD_RECORD_MAC);
				/* Length: one more byte (CBC: one more block) than sealed. */
				memcpy(bad, good, rl);
				bad[rl] = 0;
				memset(bad + rl, 0x5a, 16);
				ftls_store_u16(bad + 3, (uint16_t)(rl - 5 + (s->block_len ? 16 : 1)));
				expect_open(s, da, db, bad, rl + (s->block_len ? 16 : 1), 7,
					    FTLS_ERR_BAD_RECORD_MAC);
				/* CBC: a length that is not whole blocks. */
				if (s->block_len) {
					ftls_store_u16(bad + 3, (uint16_t)(rl - 5 + 1));
					expect_open(s, da, db, bad, rl + 1, 7, FTLS_ERR_BAD_RECORD_MAC);
				}
				/* Header length disagreeing with the bytes given. */
				expect_open(s, da, db, good, rl - 1, 7, FTLS_ERR_DECODE);
				/* Truncated fragments: 1.3 decode_error (§5.2), 1.2 bad_record_mac. */
				memcpy(bad, good, rl);
				{
					size_t shortlen = v13 ? s->tag_len : (size_t)s->record_iv_len + s->tag_len - 1;

					ftls_store_u16(bad + 3, (uint16_t)shortlen);
					expect_open(s, da, db, bad, 5 + shortlen, 7,
						    v13 ? FTLS_ERR_DECODE : FTLS_ERR_BAD_RECORD_MAC);
					ftls_store_u16(bad + 3, 0);
					expect_open(s, da, db, bad, 5, 7,
						    v13 ? FTLS_ERR_DECODE : FTLS_ERR_BAD_RECORD_MAC);
				}
				/* Fragment over the version's limit: record_overflow before any crypto. */
				{
					size_t lim = v13 ? FTLS_REC13_MAX_CIPHER : FTLS_REC12_MAX_CIPHER;

					memset(bad, 0, 5 + lim + 16);
					bad[0] = FTLS_CT_APPLICATION_DATA;
					bad[1] = 3;
					bad[2] = 3;
					ftls_store_u16(bad + 3, (uint16_t)(lim + 1));
					expect_open(s, da, db, bad, 5 + lim + 1, 7, FTLS_ERR_RECORD_OVERFLOW);
					ftls_store_u16(bad + 3, (uint16_t)(lim + 16));
					expect_open(s, da, db, bad, 5 + lim + 16, 7, FTLS_ERR_RECORD_OVERFLOW);
				}
			}
	}
}

/* Records whose plaintext breaks a rule after decryption, sealed by driving the backend raw. */
static size_t raw_seal(const struct ftls_suite *s, struct ftls_crypto_dev *dev, const uint8_t *inner,
		       size_t in_len, uint8_t type, uint64_t seq, uint8_t *rec)
{
	struct ftls_key_install ki;
	struct ftls_crypto_op op, *p = &op, *d = NULL;
	uint32_t slot;
	size_t frag = in_len + s->tag_len + s->record_iv_len;

	tb_ki(&ki, s, FTLS_DIR_TX, seq, key32, iv12, mac48);
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &slot), FTLS_OK);
	memset(&op, 0, sizeof(op));
	op.slot = slot;
	op.type = FTLS_OP_SEAL;
	op.seq = seq;
	rec[0] = s->version == FTLS_V_TLS13 ? FTLS_CT_APPLICATION_DATA : type;
	ftls_store_u16(rec + 1, FTLS_V_TLS12);
	ftls_store_u16(rec + 3, (uint16_t)frag);
	if (s->version == FTLS_V_TLS13) {
		memcpy(op.aad, rec, 5);
		op.aad_len = 5;
	} else {
		ftls_store_u64(op.aad, seq);
		op.aad[8] = type;
		ftls_store_u16(op.aad + 9, FTLS_V_TLS12);
		ftls_store_u16(op.aad + 11, (uint16_t)in_len);
		op.aad_len = 13;
	}
	op.src = inner;
	op.src_len = (uint32_t)in_len;
	op.dst = rec + 5;
	op.dst_cap = BIG - 5;
	assert_int_equal(ftls_crypto_enqueue_burst(dev, 0, &p, 1), 1);
	assert_ptr_equal(d = tb_wait(dev, 0), &op);
	assert_int_equal(op.status, FTLS_OK);
	assert_int_equal(op.dst_len, frag);
	ftls_crypto_sess_del(dev, slot);
	return 5 + frag;
}

static void test_plaintext_rules(void **state)
{
	static uint8_t inner[BIG];
	const struct ftls_suite *s13 = ftls_suite_by_id(FTLS_TLS_CHACHA20_POLY1305_SHA256);
	const struct ftls_suite *s12 = ftls_suite_by_id(FTLS_ECDHE_RSA_AES128_GCM_SHA256);
	(void)state;
	for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s13) && tb_can(a, s12))
		for (int b = 0; b < nb_tbs; b++) if (tb_can(b, s13) && tb_can(b, s12)) {
			struct ftls_crypto_dev *da = tbs[a].dev, *db = tbs[b].dev;
			size_t rl;

			/* 1.3: all-zero inner plaintext -> unexpected_message (§5.4). */
			memset(inner, 0, 64);
			rl = raw_seal(s13, da, inner, 64, 0, 3, rec_buf);
			expect_open(s13, da, db, rec_buf, rl, 3, FTLS_ERR_UNEXPECTED_MESSAGE);
			/* 1.3: inner content over 2^14 -> record_overflow. */
			memset(inner, 0x41, FTLS_REC_MAX_PLAIN + 1);
			inner[FTLS_REC_MAX_PLAIN + 1] = FTLS_CT_APPLICATION_DATA;
			rl = raw_seal(s13, da, inner, FTLS_REC_MAX_PLAIN + 2, 0, 3, rec_buf);
			expect_open(s13, da, db, rec_buf, rl, 3, FTLS_ERR_RECORD_OVERFLOW);
			/* 2^14 content and its type: the largest inner plaintext. */
			inner[FTLS_REC_MAX_PLAIN] = FTLS_CT_APPLICATION_DATA;
			rl = raw_seal(s13, da, inner, FTLS_REC_MAX_PLAIN + 1, 0, 3, rec_buf);
			expect_open(s13, da, db, rec_buf, rl, 3, FTLS_OK);
			/* Padding may not push it further, even inside the ciphertext limit (§5.4). */
			memset(inner + FTLS_REC_MAX_PLAIN + 1, 0, 255 - 16);
			rl = raw_seal(s13, da, inner, FTLS_REC_MAX_PLAIN + 1 + 255 - 16, 0, 3, rec_buf);
			assert_int_equal(rl, 5 + FTLS_REC13_MAX_CIPHER);
			expect_open(s13, da, db, rec_buf, rl, 3, FTLS_ERR_RECORD_OVERFLOW);
			/* Short content padded up to exactly 2^14 + 1 is fine. */
			memset(inner, 0x41, 100);
			inner[100] = FTLS_CT_HANDSHAKE;
			memset(inner + 101, 0, FTLS_REC_MAX_PLAIN + 1 - 101);
			rl = raw_seal(s13, da, inner, FTLS_REC_MAX_PLAIN + 1, 0, 3, rec_buf);
			expect_open(s13, da, db, rec_buf, rl, 3, FTLS_OK);
			memset(inner + 101, 0, FTLS_REC_MAX_PLAIN + 2 - 101);
			rl = raw_seal(s13, da, inner, FTLS_REC_MAX_PLAIN + 2, 0, 3, rec_buf);
			expect_open(s13, da, db, rec_buf, rl, 3, FTLS_ERR_RECORD_OVERFLOW);
			/* 1.3: an inner type that does not exist. */
			memset(inner, 0x41, 10);
			inner[10] = 0x63;
			rl = raw_seal(s13, da, inner, 11, 0, 3, rec_buf);
			expect_open(s13, da, db, rec_buf, rl, 3, FTLS_ERR_UNEXPECTED_MESSAGE);
			/* 1.2 GCM: plaintext over 2^14 -> record_overflow. */
			memset(inner, 0x41, FTLS_REC_MAX_PLAIN + 1);
			rl = raw_seal(s12, da, inner, FTLS_REC_MAX_PLAIN + 1, FTLS_CT_APPLICATION_DATA, 3,
				      rec_buf);
			expect_open(s12, da, db, rec_buf, rl, 3, FTLS_ERR_RECORD_OVERFLOW);
		}
}

static void test_limits_and_seq(void **state)
{
	(void)state;
	for (size_t si = 0; si < ftls_nb_suites; si++) {
		const struct ftls_suite *s = &ftls_suites[si];

		for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s)) {
			struct ftls_rec_dir tx, rx;
			size_t rl = 0, rl2 = 0, n = 0;
			uint8_t t = 0;

			dirs(s, tbs[a].dev, tbs[a].dev, UINT64_MAX - 2, &tx, &rx);
			assert_int_equal(ftls_rec_seal(&tx, FTLS_CT_APPLICATION_DATA, pt_buf,
						       FTLS_REC_MAX_PLAIN + 1, rec_buf, sizeof(rec_buf), &rl),
					 FTLS_ERR_INVAL);
			assert_int_equal(ftls_rec_seal(&tx, FTLS_CT_APPLICATION_DATA, pt_buf, 100, rec_buf,
						       ftls_rec_sealed_len(&tx, 100) - 1, &rl), FTLS_ERR_FULL);
			assert_true(tx.seq == UINT64_MAX - 2);
			/* seq 2^64-2 is the last usable one. */
			rl = seal_ok(&tx, FTLS_CT_APPLICATION_DATA, pt_buf, 10);
			memcpy(out_buf + 4096, rec_buf, rl);
			rl2 = seal_ok(&tx, FTLS_CT_APPLICATION_DATA, pt_buf, 11);
			assert_true(tx.seq == UINT64_MAX);
			assert_int_equal(ftls_rec_seal(&tx, FTLS_CT_APPLICATION_DATA, pt_buf, 10, rec_buf,
						       sizeof(rec_buf), &rl), FTLS_ERR_SEQ_EXHAUSTED);
			{
				static uint8_t r1[512];

				memcpy(r1, out_buf + 4096, 512);
				assert_int_equal(open_rec(&rx, r1, ftls_rec_sealed_len(&tx, 10), &t, &n), FTLS_OK);
				assert_int_equal(open_rec(&rx, rec_buf, rl2, &t, &n), FTLS_OK);
				assert_int_equal(n, 11);
				assert_true(rx.seq == UINT64_MAX);
				assert_int_equal(open_rec(&rx, rec_buf, rl2, &t, &n), FTLS_ERR_SEQ_EXHAUSTED);
			}
			/* Output room for open. */
			undirs(&tx, &rx);
			dirs(s, tbs[a].dev, tbs[a].dev, 0, &tx, &rx);
			rl = seal_ok(&tx, FTLS_CT_APPLICATION_DATA, pt_buf, 64);
			assert_int_equal(ftls_rec_open(&rx, rec_buf, rl, out_buf, 10, &t, &n), FTLS_ERR_FULL);
			undirs(&tx, &rx);
		}
	}
}

static void test_install_checks(void **state)
{
	const struct ftls_suite *s = ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256);
	struct ftls_key_install ki;
	struct ftls_rec_dir d = { 0 };

	(void)state;
	for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s)) {
		tb_ki(&ki, s, FTLS_DIR_TX, 0, key32, iv12, NULL);
		ki.tls_version = FTLS_V_TLS12;
		assert_int_not_equal(ftls_rec_dir_install(&d, tbs[a].dev, 0, &ki), FTLS_OK);
		tb_ki(&ki, s, FTLS_DIR_TX, 0, key32, iv12, NULL);
		ki.key_len = 32;
		assert_int_not_equal(ftls_rec_dir_install(&d, tbs[a].dev, 0, &ki), FTLS_OK);
		tb_ki(&ki, s, FTLS_DIR_TX, 0, key32, iv12, NULL);
		ki.suite = 0x1305;
		assert_int_not_equal(ftls_rec_dir_install(&d, tbs[a].dev, 0, &ki), FTLS_OK);
		tb_ki(&ki, s, FTLS_DIR_TX, 0, key32, iv12, NULL);
		ki.abi_version = 99;
		assert_int_not_equal(ftls_rec_dir_install(&d, tbs[a].dev, 0, &ki), FTLS_OK);
		assert_null(d.suite);
		/* Reinstall replaces the session; many reinstalls do not leak slots. */
		tb_ki(&ki, s, FTLS_DIR_TX, 0, key32, iv12, NULL);
		for (int i = 0; i < 3 * TB_SLOTS; i++)
			assert_int_equal(ftls_rec_dir_install(&d, tbs[a].dev, 0, &ki), FTLS_OK);
		ftls_rec_dir_clear(&d);
		assert_null(d.suite);
	}
}

/* 1.3: a plaintext CCS passes through a protected direction; other outer types do not. */
static void test_tls13_ccs(void **state)
{
	const struct ftls_suite *s = ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256);
	uint8_t ccs[6] = { 20, 3, 3, 0, 1, 1 }, t = 0;
	size_t n = 0;

	(void)state;
	for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s)) {
		struct ftls_rec_dir tx, rx;

		dirs(s, tbs[a].dev, tbs[a].dev, 0, &tx, &rx);
		assert_int_equal(open_rec(&rx, ccs, 6, &t, &n), FTLS_OK);
		assert_int_equal(t, FTLS_CT_CHANGE_CIPHER_SPEC);
		assert_int_equal(n, 1);
		assert_true(rx.seq == 0);
		ccs[5] = 2;
		assert_int_equal(open_rec(&rx, ccs, 6, &t, &n), FTLS_ERR_UNEXPECTED_MESSAGE);
		ccs[5] = 1;
		undirs(&tx, &rx);
	}
}

/* ---- deframer ------------------------------------------------------------------------------ */

static uint8_t asm_buf[FTLS_REC_MAX_LEN];

static size_t make_stream(uint8_t *s, const size_t *lens, size_t n)
{
	size_t at = 0;

	for (size_t i = 0; i < n; i++) {
		s[at] = (uint8_t)(FTLS_CT_CHANGE_CIPHER_SPEC + i % 4);
		s[at + 1] = 3;
		s[at + 2] = 3;
		ftls_store_u16(s + at + 3, (uint16_t)lens[i]);
		for (size_t k = 0; k < lens[i]; k++)
			s[at + 5 + k] = (uint8_t)(i * 31 + k);
		at += 5 + lens[i];
	}
	return at;
}

/* Feeds stream in the given chunk sizes (repeating the last); checks the records come out. */
static void run_deframer(const uint8_t *stream, size_t total, const size_t *lens, size_t nrec,
			 const size_t *chunks, size_t nchunks)
{
	struct ftls_deframer f;
	size_t at = 0, ci = 0, got = 0, rec_at = 0;

	ftls_deframer_init(&f, asm_buf, FTLS_REC_MAX_LEN);
	while (at < total) {
		size_t c = chunks[ci < nchunks ? ci : nchunks - 1];
		const uint8_t *rec;
		size_t rl;
		enum ftls_err e;

		if (c > total - at)
			c = total - at;
		ftls_deframer_feed(&f, stream + at, c);
		while ((e = ftls_deframer_next(&f, &rec, &rl)) == FTLS_OK) {
			assert_true(got < nrec);
			assert_int_equal(rl, 5 + lens[got]);
			assert_memory_equal(rec, stream + rec_at, rl);
			/* In place exactly when the record lies in this chunk. */
			if (rec_at >= at && rec_at + rl <= at + c)
				assert_ptr_equal(rec, stream + rec_at);
			else
				assert_ptr_equal(rec, asm_buf);
			rec_at += rl;
			got++;
		}
		assert_int_equal(e, FTLS_ERR_AGAIN);
		at += c;
		ci++;
	}
	assert_int_equal(got, nrec);
}

static void test_deframer_every_split(void **state)
{
	static const size_t lens[] = { 0, 1, 300, 16384 + 2048 };
	static uint8_t stream[5 * 4 + 300 + 1 + 16384 + 2048];
	(void)state;
	for (size_t r = 0; r < 4; r++) {
		size_t total = make_stream(stream, lens + r, 1);

		for (size_t cut = 0; cut <= total; cut++) {
			size_t chunks[2] = { cut, total - cut };

			if (cut == 0)
				continue;
			run_deframer(stream, total, lens + r, 1, chunks, 2);
		}
	}
}

static void test_deframer_streams(void **state)
{
	static const size_t lens[] = { 10, 0, 1, 2000, 5, 16384, 3, 700, 700, 4 };
	static const size_t sizes[] = { 1, 2, 3, 5, 7, 100, 1000, 4096, 70000 };
	static uint8_t stream[40000];
	size_t total = make_stream(stream, lens, 10);

	(void)state;
	for (size_t i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++)
		run_deframer(stream, total, lens, 10, &sizes[i], 1);
}

static void expect_bad_header(const uint8_t *hdr, size_t max_len, size_t split, enum ftls_err want)
{
	struct ftls_deframer f;
	const uint8_t *rec;
	size_t rl;

	ftls_deframer_init(&f, asm_buf, max_len);
	if (split) {
		ftls_deframer_feed(&f, hdr, split);
		assert_int_equal(ftls_deframer_next(&f, &rec, &rl), FTLS_ERR_AGAIN);
		ftls_deframer_feed(&f, hdr + split, 5 - split);
	} else {
		ftls_deframer_feed(&f, hdr, 5);
	}
	assert_int_equal(ftls_deframer_next(&f, &rec, &rl), want);
	/* Sticky. */
	ftls_deframer_feed(&f, (const uint8_t *)"\x17\x03\x03\x00\x00", 5);
	assert_int_equal(ftls_deframer_next(&f, &rec, &rl), want);
}

static void test_deframer_bad_headers(void **state)
{
	(void)state;
	for (size_t split = 0; split < 5; split++) {
		expect_bad_header((const uint8_t *)"\x63\x03\x03\x00\x05", FTLS_REC_MAX_LEN, split,
				  FTLS_ERR_UNEXPECTED_MESSAGE);
		expect_bad_header((const uint8_t *)"\x00\x03\x03\x00\x05", FTLS_REC_MAX_LEN, split,
				  FTLS_ERR_UNEXPECTED_MESSAGE);
		expect_bad_header((const uint8_t *)"\x18\x03\x03\x00\x05", FTLS_REC_MAX_LEN, split,
				  FTLS_ERR_UNEXPECTED_MESSAGE);
		expect_bad_header((const uint8_t *)"\x16\x02\x00\x00\x05", FTLS_REC_MAX_LEN, split,
				  FTLS_ERR_DECODE);
		expect_bad_header((const uint8_t *)"\x47\x45\x54\x20\x2f", FTLS_REC_MAX_LEN, split,
				  FTLS_ERR_UNEXPECTED_MESSAGE); /* "GET " */
		expect_bad_header((const uint8_t *)"\x17\x03\x03\x48\x01", FTLS_REC_MAX_LEN, split,
				  FTLS_ERR_RECORD_OVERFLOW);
		expect_bad_header((const uint8_t *)"\x17\x03\x03\xff\xff", FTLS_REC_MAX_LEN, split,
				  FTLS_ERR_RECORD_OVERFLOW);
		expect_bad_header((const uint8_t *)"\x17\x03\x03\x41\x01", 5 + FTLS_REC13_MAX_CIPHER,
				  split, FTLS_ERR_RECORD_OVERFLOW);
	}
	/* The largest 1.2 record is accepted. */
	{
		struct ftls_deframer f;
		const uint8_t *rec;
		size_t rl;

		ftls_deframer_init(&f, asm_buf, FTLS_REC_MAX_LEN);
		ftls_deframer_feed(&f, (const uint8_t *)"\x17\x03\x03\x48\x00", 5);
		assert_int_equal(ftls_deframer_next(&f, &rec, &rl), FTLS_ERR_AGAIN);
	}
}

/* The registry: names and ops tables agree; unknown names and bad arguments are refused. */
static void test_registry(void **state)
{
	const char *const *names = ftls_crypto_backends();
	struct ftls_crypto_conf conf = { .nb_qp = 1, .qp_depth = 4, .nb_slots = 2 };
	struct ftls_crypto_dev *dev = NULL;
	int has_cpu = 0;

	(void)state;
	for (size_t i = 0; names[i]; i++)
		has_cpu |= strcmp(names[i], "cpu") == 0;
	assert_true(has_cpu);
	assert_int_equal(ftls_crypto_open("cpu", &conf, &dev), FTLS_OK);
	assert_string_equal(dev->ops->name, "cpu");
	ftls_crypto_close(dev);
	assert_int_equal(ftls_crypto_open("nosuch", &conf, &dev), FTLS_ERR_NOT_FOUND);
	assert_int_equal(ftls_crypto_open(NULL, &conf, &dev), FTLS_ERR_INVAL);
	conf.qp_depth = 0;
	assert_int_equal(ftls_crypto_open("cpu", &conf, &dev), FTLS_ERR_INVAL);
	/* Every backend under test reports the name it was opened by. */
	for (int a = 0; a < nb_tbs; a++)
		assert_string_equal(tbs[a].dev->ops->name, tbs[a].name);
	/* A full slot table says so. */
	{
		const struct ftls_suite *s = ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256);
		struct ftls_key_install ki;
		uint32_t slot[3];

		conf.qp_depth = 4;
		assert_int_equal(ftls_crypto_open("cpu", &conf, &dev), FTLS_OK);
		tb_ki(&ki, s, FTLS_DIR_TX, 0, key32, iv12, NULL);
		assert_int_equal(ftls_crypto_sess_add(dev, &ki, &slot[0]), FTLS_OK);
		assert_int_equal(ftls_crypto_sess_add(dev, &ki, &slot[1]), FTLS_OK);
		assert_int_equal(ftls_crypto_sess_add(dev, &ki, &slot[2]), FTLS_ERR_FULL);
		ftls_crypto_sess_del(dev, slot[0]);
		assert_int_equal(ftls_crypto_sess_add(dev, &ki, &slot[2]), FTLS_OK);
		assert_int_equal(slot[2], slot[0]);
		ftls_crypto_close(dev);
	}
}

/*
 * The dataplane's shape: one device, one queue pair per thread, sessions added and deleted
 * concurrently (the slot table is shared), records sealed and opened on each thread's own qp.
 */
struct worker {
	struct ftls_crypto_dev *dev;
	uint16_t qp;
	int ok;
};

static void *work(void *arg)
{
	static _Thread_local uint8_t r[2048], o[2048];
	struct worker *w = arg;

	w->ok = 0;
	for (int i = 0; i < 300; i++) {
		const struct ftls_suite *s = &ftls_suites[(size_t)(i + w->qp) % ftls_nb_suites];
		struct ftls_key_install ki;
		struct ftls_rec_dir tx = { 0 }, rx = { 0 };
		size_t rl = 0, n = 0;
		uint8_t t = 0;

		enum ftls_err e;

		tb_ki(&ki, s, FTLS_DIR_TX, (uint64_t)i, key32, iv12, mac48);
		e = ftls_rec_dir_install(&tx, w->dev, w->qp, &ki);
		if (e == FTLS_ERR_UNSUPPORTED)
			continue; /* a backend without that engine; the other tests report it */
		if (e != FTLS_OK)
			return NULL;
		ki.dir = FTLS_DIR_RX;
		if (ftls_rec_dir_install(&rx, w->dev, w->qp, &ki) != FTLS_OK)
			return NULL;
		if (ftls_rec_seal(&tx, FTLS_CT_APPLICATION_DATA, pt_buf + i, 1000, r, sizeof(r), &rl) != FTLS_OK ||
		    ftls_rec_open(&rx, r, rl, o, sizeof(o), &t, &n) != FTLS_OK || n != 1000 ||
		    memcmp(o, pt_buf + i, n) != 0)
			return NULL;
		ftls_rec_dir_clear(&tx);
		ftls_rec_dir_clear(&rx);
	}
	w->ok = 1;
	return NULL;
}

static void test_threads(void **state)
{
	struct ftls_crypto_conf conf = { .nb_qp = 2, .qp_depth = 8, .nb_slots = 8 };
	struct worker w[2];
	pthread_t th[2];
	struct ftls_crypto_dev *dev;

	(void)state;
	for (int a = 0; a < nb_tbs; a++) {
		assert_int_equal(ftls_crypto_open(tbs[a].name, &conf, &dev), FTLS_OK);
		for (int i = 0; i < 2; i++) {
			w[i] = (struct worker){ .dev = dev, .qp = (uint16_t)i };
			assert_int_equal(pthread_create(&th[i], NULL, work, &w[i]), 0);
		}
		for (int i = 0; i < 2; i++) {
			assert_int_equal(pthread_join(th[i], NULL), 0);
			assert_true(w[i].ok);
		}
		ftls_crypto_close(dev);
	}
}

/*
 * "Nothing allocates on the fast path": libcrypto's allocator is counted (CRYPTO_set_mem_functions,
 * installed first thing in main) while every suite seals and opens records through the burst path
 * and the synchronous one, after set-up and one warm-up record each.
 */
static size_t nb_allocs;
static int counting;

static void *count_malloc(size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (counting)
		__atomic_add_fetch(&nb_allocs, 1, __ATOMIC_RELAXED);
	return malloc(n);
}

static void *count_realloc(void *p, size_t n, const char *file, int line)
{
	(void)file;
	(void)line;
	if (counting)
		__atomic_add_fetch(&nb_allocs, 1, __ATOMIC_RELAXED);
	return realloc(p, n);
}

static void count_free(void *p, const char *file, int line)
{
	(void)file;
	(void)line;
	free(p);
}

static void test_no_alloc_per_record(void **state)
{
	static uint8_t r[2][4096], o[2][4096];
	(void)state;
	for (int a = 0; a < nb_tbs; a++)
		for (size_t si = 0; si < ftls_nb_suites; si++) {
			const struct ftls_suite *s = &ftls_suites[si];
			struct ftls_rec_dir tx, rx;

			if (!tb_can(a, s))
				continue;
			dirs(s, tbs[a].dev, tbs[a].dev, 0, &tx, &rx);
			for (int round = 0; round < 2; round++) {
				counting = round == 1;
				for (int i = 0; i < 100; i++) {
					struct ftls_crypto_op op, *p = &op, *d = NULL;
					size_t rl = 0, n = 0;
					uint8_t t = 0;

					assert_int_equal(ftls_rec_seal_prep(&tx, FTLS_CT_APPLICATION_DATA, pt_buf, 1500,
									    r[0], sizeof(r[0]), &op), FTLS_OK);
					assert_int_equal(ftls_crypto_enqueue_burst(tbs[a].dev, 0, &p, 1), 1);
					assert_ptr_equal(d = tb_wait(tbs[a].dev, 0), &op);
					assert_int_equal(ftls_rec_seal_done(&tx, &op, r[0], &rl), FTLS_OK);
					assert_int_equal(ftls_rec_seal(&tx, FTLS_CT_HANDSHAKE, pt_buf, 200, r[1],
								       sizeof(r[1]), &n), FTLS_OK);
					assert_int_equal(ftls_rec_open(&rx, r[0], rl, o[0], sizeof(o[0]), &t, &rl),
							 FTLS_OK);
					assert_int_equal(ftls_rec_open(&rx, r[1], n, o[1], sizeof(o[1]), &t, &n),
							 FTLS_OK);
				}
				counting = 0;
			}
			undirs(&tx, &rx);
			if (nb_allocs)
				fail_msg("%s on %s: %zu allocations in 400 records", s->name, tbs[a].name,
					 nb_allocs);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registry),
		cmocka_unit_test(test_round_trip_all_suites),
		cmocka_unit_test(test_in_place),
		cmocka_unit_test(test_async_bursts),
		cmocka_unit_test(test_threads),
		cmocka_unit_test(test_no_alloc_per_record),
		cmocka_unit_test(test_plaintext_mode),
		cmocka_unit_test(test_illustrated_tls13),
		cmocka_unit_test(test_illustrated_tls12),
		cmocka_unit_test(test_cbc_every_padding),
		cmocka_unit_test(test_tampering),
		cmocka_unit_test(test_plaintext_rules),
		cmocka_unit_test(test_limits_and_seq),
		cmocka_unit_test(test_install_checks),
		cmocka_unit_test(test_tls13_ccs),
		cmocka_unit_test(test_deframer_every_split),
		cmocka_unit_test(test_deframer_streams),
		cmocka_unit_test(test_deframer_bad_headers),
	};

	if (!CRYPTO_set_mem_functions(count_malloc, count_realloc, count_free))
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
