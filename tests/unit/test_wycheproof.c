/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Wycheproof known-answer tests (../shared/vectors/wycheproof, read with jansson) of the crypto
 * backends' building blocks. AES-GCM (96-bit IVs, 128/256-bit keys: what TLS uses) and
 * ChaCha20-Poly1305 run through the backend interface on every backend in FTLS_TEST_BACKENDS and
 * across them: a TLS 1.3 session whose static IV is the test IV, at sequence number 0, so the
 * nonce is the IV; the op's AAD carries up to FTLS_AAD_MAX bytes. Cases with longer AAD run
 * through ftls_crypto_cpu_aead() (the same code as the cpu backend's enqueue, AAD of any length),
 * on the cpu backend only. HMAC-SHA256/384 run through the CBC suites' HMAC code, plain and
 * constant-time paths; AES-CBC-PKCS5 through the CBC context set-up, with PKCS#7 unpadding here.
 * Every valid case must match, every invalid one must be rejected; each family must run cases.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "tests/unit/test_record_util.h"

enum { MAXB = 1 << 16 };

static uint8_t key[128], iv[256], aad[MAXB], msg[MAXB], ct[MAXB], tag[128], buf[MAXB], buf2[MAXB];
static long key_n, iv_n, aad_n, msg_n, ct_n, tag_n;

static int setup(void **state)
{
	(void)state;
	return tb_open_all();
}

static int teardown(void **state)
{
	(void)state;
	tb_close_all();
	return 0;
}

static json_t *load(const char *name)
{
	char path[512];
	json_error_t err;
	json_t *j;

	snprintf(path, sizeof(path), "%s/wycheproof/%s", FTLS_VECTORS_DIR, name);
	j = json_load_file(path, 0, &err);
	if (!j)
		fail_msg("%s: %s (line %d)", path, err.text, err.line);
	return j;
}

static long hexfield(json_t *t, const char *name, uint8_t *out, size_t cap)
{
	json_t *v = json_object_get(t, name);
	long n;

	if (!v)
		return 0;
	n = tb_hex(json_string_value(v), out, cap);
	if (n < 0)
		fail_msg("bad hex in %s", name);
	return n;
}

/* 1 valid, 0 invalid, -1 acceptable (either outcome is allowed). */
static int result_of(json_t *t)
{
	const char *r = json_string_value(json_object_get(t, "result"));

	if (strcmp(r, "valid") == 0)
		return 1;
	if (strcmp(r, "invalid") == 0)
		return 0;
	return -1;
}

static enum ftls_err run_op(struct ftls_crypto_dev *dev, uint32_t slot, uint8_t type, const uint8_t *src,
			    size_t len, uint8_t *dst, size_t *out)
{
	struct ftls_crypto_op op, *p = &op, *d = NULL;

	if (aad_n > FTLS_AAD_MAX)
		return ftls_crypto_cpu_aead(dev, slot, type, 0, aad, (size_t)aad_n, src, len, dst, MAXB, out);
	memset(&op, 0, sizeof(op));
	op.slot = slot;
	op.type = type;
	op.seq = 0;
	op.aad_len = (uint8_t)aad_n;
	memcpy(op.aad, aad, (size_t)aad_n);
	op.src = src;
	op.src_len = (uint32_t)len;
	op.dst = dst;
	op.dst_cap = MAXB;
	assert_int_equal(ftls_crypto_enqueue_burst(dev, 0, &p, 1), 1);
	d = tb_wait(dev, 0);
	assert_ptr_equal(d, &op);
	*out = op.dst_len;
	return (enum ftls_err)op.status;
}

static void aead_file(const char *file, int chacha)
{
	json_t *root = load(file), *groups = json_object_get(root, "testGroups");
	size_t ran = 0, skipped = 0;

	for (size_t g = 0; g < json_array_size(groups); g++) {
		json_t *grp = json_array_get(groups, g), *tests = json_object_get(grp, "tests");
		long ks = (long)json_integer_value(json_object_get(grp, "keySize"));
		long ivs = (long)json_integer_value(json_object_get(grp, "ivSize"));
		long ts = (long)json_integer_value(json_object_get(grp, "tagSize"));
		uint16_t sid = chacha ? FTLS_TLS_CHACHA20_POLY1305_SHA256
			     : ks == 128 ? FTLS_TLS_AES_128_GCM_SHA256 : FTLS_TLS_AES_256_GCM_SHA384;
		const struct ftls_suite *s = ftls_suite_by_id(sid);

		/* TLS uses 96-bit nonces, 128-bit tags, and AES-128/256 only. */
		if (ivs != 96 || ts != 128 || (!chacha && ks != 128 && ks != 256)) {
			skipped += json_array_size(tests);
			continue;
		}
		for (size_t i = 0; i < json_array_size(tests); i++) {
			json_t *t = json_array_get(tests, i);
			int valid = result_of(t);
			long tc = (long)json_integer_value(json_object_get(t, "tcId"));

			key_n = hexfield(t, "key", key, sizeof(key));
			iv_n = hexfield(t, "iv", iv, sizeof(iv));
			aad_n = hexfield(t, "aad", aad, sizeof(aad));
			msg_n = hexfield(t, "msg", msg, sizeof(msg));
			ct_n = hexfield(t, "ct", ct, sizeof(ct) - 16);
			tag_n = hexfield(t, "tag", tag, sizeof(tag));
			assert_int_equal(key_n, ks / 8);
			assert_int_equal(iv_n, 12);
			memcpy(ct + ct_n, tag, (size_t)tag_n);
			for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s))
				for (int b = 0; b < nb_tbs; b++) if (tb_can(b, s)) {
					struct ftls_key_install ki;
					uint32_t sa, sb;
					size_t n = 0;
					enum ftls_err e;

					/* Long AAD only through the cpu backend's entry point. */
					if (aad_n > FTLS_AAD_MAX &&
					    (strcmp(tbs[a].name, "cpu") || strcmp(tbs[b].name, "cpu")))
						continue;
					tb_ki(&ki, s, FTLS_DIR_TX, 0, key, iv, NULL);
					assert_int_equal(ftls_crypto_sess_add(tbs[a].dev, &ki, &sa), FTLS_OK);
					ki.dir = FTLS_DIR_RX;
					assert_int_equal(ftls_crypto_sess_add(tbs[b].dev, &ki, &sb), FTLS_OK);
					e = run_op(tbs[a].dev, sa, FTLS_OP_SEAL, msg, (size_t)msg_n, buf, &n);
					assert_int_equal(e, FTLS_OK);
					assert_int_equal(n, (size_t)msg_n + 16);
					if (valid == 1 && memcmp(buf, ct, n) != 0)
						fail_msg("%s tc %ld: seal on %s differs", file, tc, tbs[a].name);
					if (valid == 0 && ct_n == msg_n && memcmp(buf, ct, n) == 0)
						fail_msg("%s tc %ld: invalid case sealed identically", file, tc);
					/* Open the reference ciphertext on b. */
					e = run_op(tbs[b].dev, sb, FTLS_OP_OPEN, ct, (size_t)(ct_n + tag_n), buf2, &n);
					if (valid == 1) {
						if (e != FTLS_OK || n != (size_t)msg_n || memcmp(buf2, msg, n))
							fail_msg("%s tc %ld: open on %s failed (%s)", file, tc,
								 tbs[b].name, ftls_err_name(e));
					} else if (valid == 0 && e != FTLS_ERR_BAD_RECORD_MAC) {
						fail_msg("%s tc %ld: invalid case not rejected on %s (%s)", file, tc,
							 tbs[b].name, ftls_err_name(e));
					}
					/* And what a sealed, in place. */
					if (valid == 1) {
						e = run_op(tbs[a].dev, sa, FTLS_OP_SEAL, msg, (size_t)msg_n, buf, &n);
						assert_int_equal(e, FTLS_OK);
						e = run_op(tbs[b].dev, sb, FTLS_OP_OPEN, buf, n, buf, &n);
						assert_int_equal(e, FTLS_OK);
						assert_memory_equal(buf, msg, (size_t)msg_n);
					}
					ftls_crypto_sess_del(tbs[a].dev, sa);
					ftls_crypto_sess_del(tbs[b].dev, sb);
				}
			ran++;
		}
	}
	printf("%s: %zu cases run, %zu skipped (IV/key sizes TLS does not use)\n", file, ran, skipped);
	assert_true(ran > 100);
	json_decref(root);
}

static void test_aes_gcm(void **state)
{
	(void)state;
	aead_file("aes_gcm_test.json", 0);
}

static void test_chacha20_poly1305(void **state)
{
	(void)state;
	aead_file("chacha20_poly1305_test.json", 1);
}

static void hmac_file(const char *file, int mac)
{
	json_t *root = load(file), *groups = json_object_get(root, "testGroups");
	size_t ran = 0;

	for (size_t g = 0; g < json_array_size(groups); g++) {
		json_t *grp = json_array_get(groups, g), *tests = json_object_get(grp, "tests");
		size_t tbytes = (size_t)json_integer_value(json_object_get(grp, "tagSize")) / 8;

		for (size_t i = 0; i < json_array_size(tests); i++) {
			json_t *t = json_array_get(tests, i);
			int valid = result_of(t);
			long tc = (long)json_integer_value(json_object_get(t, "tcId"));
			uint8_t out[64];
			size_t olen = 0;

			key_n = hexfield(t, "key", key, sizeof(key));
			msg_n = hexfield(t, "msg", msg, sizeof(msg) - 300);
			tag_n = hexfield(t, "tag", tag, sizeof(tag));
			/* Junk after the message: the constant-time path reads it but must not use it. */
			memset(msg + msg_n, 0xa5, 300);
			for (int ct_path = 0; ct_path < 2; ct_path++) {
				int eq;

				assert_int_equal(ftls_crypto_cpu_hmac(mac, key, (size_t)key_n, msg, (size_t)msg_n,
								      (size_t)msg_n + (ct_path ? 300 : 0),
								      ct_path, out, &olen), FTLS_OK);
				assert_true(tbytes <= olen);
				eq = (size_t)tag_n == tbytes && memcmp(out, tag, tbytes) == 0;
				if (valid == 1 && !eq)
					fail_msg("%s tc %ld: HMAC mismatch (ct=%d)", file, tc, ct_path);
				if (valid == 0 && eq)
					fail_msg("%s tc %ld: invalid tag accepted (ct=%d)", file, tc, ct_path);
			}
			ran++;
		}
	}
	printf("%s: %zu cases run\n", file, ran);
	assert_true(ran > 50);
	json_decref(root);
}

static void test_hmac_sha256(void **state)
{
	(void)state;
	hmac_file("hmac_sha256_test.json", FTLS_MAC_HMAC_SHA256);
}

static void test_hmac_sha384(void **state)
{
	(void)state;
	hmac_file("hmac_sha384_test.json", FTLS_MAC_HMAC_SHA384);
}

/* PKCS#7 unpadding; -1 when the padding is bad. */
static long unpad(const uint8_t *p, size_t n)
{
	uint8_t v;

	if (n == 0 || n % 16)
		return -1;
	v = p[n - 1];
	if (v == 0 || v > 16)
		return -1;
	for (size_t i = 0; i < v; i++)
		if (p[n - 1 - i] != v)
			return -1;
	return (long)(n - v);
}

static void test_aes_cbc_pkcs5(void **state)
{
	json_t *root = load("aes_cbc_pkcs5_test.json"), *groups = json_object_get(root, "testGroups");
	size_t ran = 0;

	(void)state;
	for (size_t g = 0; g < json_array_size(groups); g++) {
		json_t *grp = json_array_get(groups, g), *tests = json_object_get(grp, "tests");

		for (size_t i = 0; i < json_array_size(tests); i++) {
			json_t *t = json_array_get(tests, i);
			int valid = result_of(t);
			long tc = (long)json_integer_value(json_object_get(t, "tcId"));
			long n;
			enum ftls_err e;

			key_n = hexfield(t, "key", key, sizeof(key));
			iv_n = hexfield(t, "iv", iv, sizeof(iv));
			msg_n = hexfield(t, "msg", msg, sizeof(msg) - 16);
			ct_n = hexfield(t, "ct", ct, sizeof(ct));
			assert_int_equal(iv_n, 16);
			e = ftls_crypto_cpu_cbc(key, (size_t)key_n, iv, false, ct, (size_t)ct_n, buf);
			n = e == FTLS_OK ? unpad(buf, (size_t)ct_n) : -1;
			if (valid == 1) {
				uint8_t p = (uint8_t)(16 - msg_n % 16);

				if (n != msg_n || memcmp(buf, msg, (size_t)n))
					fail_msg("aes_cbc tc %ld: decrypt mismatch", tc);
				memset(msg + msg_n, p, p);
				assert_int_equal(ftls_crypto_cpu_cbc(key, (size_t)key_n, iv, true, msg,
								     (size_t)msg_n + p, buf), FTLS_OK);
				if ((long)(msg_n + p) != ct_n || memcmp(buf, ct, (size_t)ct_n))
					fail_msg("aes_cbc tc %ld: encrypt mismatch", tc);
			} else if (valid == 0 && n >= 0) {
				fail_msg("aes_cbc tc %ld: invalid case accepted", tc);
			}
			ran++;
		}
	}
	printf("aes_cbc_pkcs5_test.json: %zu cases run\n", ran);
	assert_true(ran > 50);
	json_decref(root);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_aes_gcm),
		cmocka_unit_test(test_chacha20_poly1305),
		cmocka_unit_test(test_hmac_sha256),
		cmocka_unit_test(test_hmac_sha384),
		cmocka_unit_test(test_aes_cbc_pkcs5),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
