/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Constant-time check of TLS 1.2 CBC open (the Lucky13 defence in crypto_cpu.c), ctgrind style.
 * Records with every kind of padding (short, long, maximal, wrong) and good or bad MACs are
 * opened with their ciphertext marked secret; under valgrind's memcheck, secret bytes are
 * "undefined", so any branch or memory index that depends on the plaintext, the padding or the
 * MAC before the single declassified verdict is reported as an error. Built normally this is an
 * ordinary cmocka test (the marks are no-ops) and checks the verdicts; built with
 * -DFTLS_CT_VALGRIND (check-record-ct, tests/fuzz/build.mk) and run under valgrind
 * --error-exitcode it checks the timing property too. Not for: other suites (their AEAD tag check
 * is OpenSSL's).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/buf.h"
#include "tests/unit/test_record_util.h"

#ifdef FTLS_CT_VALGRIND
#include <valgrind/memcheck.h>
#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED(p, n)
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#else
#define SECRET(p, n) ((void)(p), (void)(n))
#define PUBLIC(p, n) ((void)(p), (void)(n))
#endif

static uint8_t key[32] = { 0x2b, 0x7e, 0x15, 0x16 }, mk[48] = { 0x0c, 0x0d };
static uint8_t rec[FTLS_REC_MAX_LEN], out[FTLS_REC_MAX_LEN], body[FTLS_REC_MAX_LEN], macin[FTLS_REC_MAX_LEN];

static struct ftls_crypto_dev *cpu;

/* The cpu backend only: the property is a property of its code. */
static int setup(void **state)
{
	struct ftls_crypto_conf conf = { .nb_qp = 1, .qp_depth = 4, .nb_slots = 4 };

	(void)state;
	return ftls_crypto_open("cpu", &conf, &cpu) == FTLS_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ftls_crypto_close(cpu);
	return 0;
}

/* A CBC record of len bytes with pad+1 padding bytes; flaws: 1 bad pad byte, 2 bad MAC. */
static size_t build(const struct ftls_suite *s, uint64_t seq, size_t len, unsigned pad, int flaw)
{
	const EVP_MD *md = s->mac == FTLS_MAC_HMAC_SHA1 ? EVP_sha1()
			 : s->mac == FTLS_MAC_HMAC_SHA256 ? EVP_sha256() : EVP_sha384();
	size_t ml = s->mac_key_len, L = len + ml + pad + 1;
	uint8_t iv[16] = { (uint8_t)seq, 0x55 };
	unsigned mlen = 0;

	for (size_t i = 0; i < len; i++)
		body[i] = (uint8_t)(i * 29 + seq);
	ftls_store_u64(macin, seq);
	macin[8] = FTLS_CT_APPLICATION_DATA;
	ftls_store_u16(macin + 9, FTLS_V_TLS12);
	ftls_store_u16(macin + 11, (uint16_t)len);
	memcpy(macin + 13, body, len);
	assert_non_null(HMAC(md, mk, (int)ml, macin, 13 + len, body + len, &mlen));
	memset(body + len + ml, (int)pad, pad + 1);
	if (flaw == 1)
		body[L - 1 - pad / 2 - 1] ^= 0x10; /* a padding byte (pad >= 1) */
	if (flaw == 2)
		body[len + ml / 2] ^= 0x01;
	rec[0] = FTLS_CT_APPLICATION_DATA;
	ftls_store_u16(rec + 1, FTLS_V_TLS12);
	ftls_store_u16(rec + 3, (uint16_t)(16 + L));
	memcpy(rec + 5, iv, 16);
	assert_int_equal(ftls_crypto_cpu_cbc(key, s->key_len, iv, true, body, L, rec + 21), FTLS_OK);
	return 21 + L;
}

static void test_cbc_open_constant_time(void **state)
{
	static const size_t lens[] = { 0, 1, 100, 1000, 16384 - 300 };
	int cases = 0;

	(void)state;
	for (size_t si = 0; si < ftls_nb_suites; si++) {
		const struct ftls_suite *s = &ftls_suites[si];
		struct ftls_key_install ki;
		struct ftls_rec_dir rx = { 0 };

		if (!s->block_len)
			continue;
		tb_ki(&ki, s, FTLS_DIR_RX, 0, key, NULL, mk);
		assert_int_equal(ftls_rec_dir_install(&rx, cpu, 0, &ki), FTLS_OK);
		for (size_t li = 0; li < sizeof(lens) / sizeof(lens[0]); li++)
			for (unsigned pad = 0; pad < 256; pad += 37)
				for (int flaw = 0; flaw < 3; flaw++) {
					size_t len = lens[li], rl, n = 0;
					unsigned p = pad;
					uint8_t t = 0;
					enum ftls_err e;

					while ((len + s->mac_key_len + p + 1) % 16)
						p++;
					if (p > 255 || (flaw == 1 && p == 0))
						continue;
					rx.seq = 7;
					rl = build(s, 7, len, p, flaw);
					SECRET(rec + 21, rl - 21);
					e = ftls_rec_open(&rx, rec, rl, out, sizeof(out), &t, &n);
					PUBLIC(rec, rl);
					PUBLIC(out, sizeof(out));
					if (flaw) {
						assert_int_equal(e, FTLS_ERR_BAD_RECORD_MAC);
					} else {
						assert_int_equal(e, FTLS_OK);
						assert_int_equal(n, len);
						assert_memory_equal(out, body, len);
					}
					cases++;
				}
		ftls_rec_dir_clear(&rx);
	}
	printf("CBC open: %d records checked\n", cases);
	assert_true(cases > 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cbc_open_constant_time),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
