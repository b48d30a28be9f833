/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * OpenSSL's libssl as the reference peer of the record layer. For every suite in the tls.h table,
 * an OpenSSL client and server handshake in memory (memory BIOs) in the suite's version, with
 * certificates (RSA-2048 or ECDSA P-256) made here at run time and a key-log callback. From the
 * logged secrets this file derives the traffic keys on its own (TLS 1.3: HKDF-Expand-Label with
 * libcrypto's HKDF; TLS 1.2: the TLS1-PRF key block from the master secret and both randoms).
 * Then, in both directions: the records OpenSSL wrote are opened by our record layer, and records
 * our record layer sealed are fed to the OpenSSL peer, whose SSL_read must return the plaintext.
 * Runs on every backend in FTLS_TEST_BACKENDS, opening on one and sealing on the next.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/buf.h"
#include "tests/unit/test_record_util.h"
#include "tests/unit/test_ossl_peer.h"

static char keylog[8192];

enum { IO_MAX = 1 << 18 };
static uint8_t io[IO_MAX], plain[IO_MAX], want[IO_MAX];
static uint8_t asm_buf[FTLS_REC_MAX_LEN];

static void keylog_cb(const SSL *ssl, const char *line)
{
	(void)ssl;
	if (strlen(keylog) + strlen(line) + 2 < sizeof(keylog)) {
		strcat(keylog, line);
		strcat(keylog, "\n");
	}
}

/* The secret logged under label (hex after the client random); its length or -1. */
static long keylog_secret(const char *label, uint8_t *out, size_t cap)
{
	char pat[64], hex[256];
	const char *p;

	snprintf(pat, sizeof(pat), "%s ", label);
	for (p = keylog; (p = strstr(p, pat)) != NULL; p++)
		if (p == keylog || p[-1] == '\n')
			break;
	if (!p)
		return -1;
	p = strchr(p + strlen(pat), ' ');
	if (!p || sscanf(p + 1, "%255[0-9a-fA-F]", hex) != 1)
		return -1;
	return tb_hex(hex, out, cap);
}

/* RFC 8446 §7.1 HKDF-Expand-Label(secret, label, "", n), via libcrypto's HKDF expand. */
static void expand_label(const char *md, const uint8_t *secret, size_t slen, const char *label,
			 uint8_t *out, size_t n)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	uint8_t info[64];
	size_t il = 0, ll = strlen(label);
	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[5];

	info[il++] = (uint8_t)(n >> 8);
	info[il++] = (uint8_t)n;
	info[il++] = (uint8_t)(6 + ll);
	memcpy(info + il, "tls13 ", 6);
	il += 6;
	memcpy(info + il, label, ll);
	il += ll;
	info[il++] = 0;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, slen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info, il);
	params[3] = OSSL_PARAM_construct_int(OSSL_KDF_PARAM_MODE, &mode);
	params[4] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kc, out, n, params), 1);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
}

static void key_block12(const char *md, const uint8_t *ms, size_t ms_len, const uint8_t *cr,
			const uint8_t *sr, uint8_t *out, size_t n)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	uint8_t seed[13 + 64];
	OSSL_PARAM params[4];

	memcpy(seed, "key expansion", 13);
	memcpy(seed + 13, sr, 32);
	memcpy(seed + 45, cr, 32);
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)md, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)ms, ms_len);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed));
	params[3] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kc, out, n, params), 1);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
}

/* Key installs for both of OpenSSL's write directions: [0] client's, [1] server's. */
static void derive_keys(const struct ftls_suite *s, SSL *cli, struct ftls_key_install ki[2])
{
	const char *md = s->hash == FTLS_HASH_SHA384 ? "SHA384" : "SHA256";
	uint8_t sec[64], key[2][32], iv[2][12], mk[2][48];
	memset(key, 0, sizeof(key));
	memset(iv, 0, sizeof(iv));
	memset(mk, 0, sizeof(mk));

	if (s->version == FTLS_V_TLS13) {
		static const char *const labels[2] = { "CLIENT_TRAFFIC_SECRET_0", "SERVER_TRAFFIC_SECRET_0" };

		for (int w = 0; w < 2; w++) {
			long sl = keylog_secret(labels[w], sec, sizeof(sec));

			assert_int_equal(sl, (long)ftls_hash_len(s->hash));
			expand_label(md, sec, (size_t)sl, "key", key[w], s->key_len);
			expand_label(md, sec, (size_t)sl, "iv", iv[w], s->iv_len);
		}
	} else {
		uint8_t cr[32], sr[32], kb[2 * (48 + 32 + 12)];
		size_t off = 0;
		long ml = keylog_secret("CLIENT_RANDOM", sec, sizeof(sec));

		assert_int_equal(ml, 48);
		assert_int_equal(SSL_get_client_random(cli, cr, 32), 32);
		assert_int_equal(SSL_get_server_random(cli, sr, 32), 32);
		key_block12(md, sec, 48, cr, sr, kb, 2 * ((size_t)s->mac_key_len + s->key_len + s->iv_len));
		for (int w = 0; w < 2; w++, off += s->mac_key_len)
			memcpy(mk[w], kb + off, s->mac_key_len);
		for (int w = 0; w < 2; w++, off += s->key_len)
			memcpy(key[w], kb + off, s->key_len);
		for (int w = 0; w < 2; w++, off += s->iv_len)
			memcpy(iv[w], kb + off, s->iv_len);
	}
	for (int w = 0; w < 2; w++)
		tb_ki(&ki[w], s, FTLS_DIR_RX, s->version == FTLS_V_TLS13 ? 0 : 1, key[w], iv[w], mk[w]);
}

static SSL_CTX *make_ctx(const struct ftls_suite *s, int server)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	const char *name = ftls_suite_openssl_name(s->id);

	assert_non_null(ctx);
	assert_non_null(name);
	SSL_CTX_set_security_level(ctx, 1);
	assert_int_equal(SSL_CTX_set_min_proto_version(ctx, s->version), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(ctx, s->version), 1);
	if (s->version == FTLS_V_TLS13)
		assert_int_equal(SSL_CTX_set_ciphersuites(ctx, name), 1);
	else
		assert_int_equal(SSL_CTX_set_cipher_list(ctx, name), 1);
	/* Our CBC suites are MAC-then-encrypt (RFC 5246), not RFC 7366. */
	SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC);
	if (server) {
		int ec = s->kx == FTLS_KX_ECDHE_ECDSA || (s->version == FTLS_V_TLS13 && s->id != FTLS_TLS_AES_128_GCM_SHA256);

		assert_int_equal(SSL_CTX_use_certificate(ctx, ec ? ec_cert : rsa_cert), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(ctx, ec ? ec_key : rsa_key), 1);
		SSL_CTX_set_num_tickets(ctx, 0);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
		SSL_CTX_set_keylog_callback(ctx, keylog_cb);
	}
	return ctx;
}

static SSL *make_ssl(SSL_CTX *ctx, int server)
{
	SSL *ssl = SSL_new(ctx);

	assert_non_null(ssl);
	SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	return ssl;
}

static const size_t sizes[] = { 1, 777, 16384, 0, 5000, 16383 };
enum { NB_SIZES = sizeof(sizes) / sizeof(sizes[0]) };

/*
 * One direction: writer (OpenSSL, whose write keys are ki) -> our open; then our seal (as the
 * writer, continuing its sequence numbers) -> reader (OpenSSL) must read it.
 */
static void one_direction(const struct ftls_suite *s, SSL *writer, SSL *reader,
			  const struct ftls_key_install *ki, struct ftls_crypto_dev *open_dev,
			  struct ftls_crypto_dev *seal_dev)
{
	struct ftls_rec_dir rx = { 0 }, tx = { 0 };
	struct ftls_key_install k = *ki;
	struct ftls_deframer f;
	size_t total = 0, got = 0, n, wire, nrec = 0;
	const uint8_t *rec;
	size_t rl;
	enum ftls_err e;

	/* 1. OpenSSL writes; we open what it wrote. */
	for (size_t i = 0; i < NB_SIZES; i++) {
		if (!sizes[i])
			continue;
		for (size_t j = 0; j < sizes[i]; j++)
			want[total + j] = (uint8_t)(j * 13 + i);
		assert_int_equal(SSL_write(writer, want + total, (int)sizes[i]), (int)sizes[i]);
		total += sizes[i];
	}
	wire = drain(writer, io, sizeof(io));
	assert_true(wire > total);
	assert_int_equal(ftls_rec_dir_install(&rx, open_dev, 0, &k), FTLS_OK);
	ftls_deframer_init(&f, asm_buf, FTLS_REC_MAX_LEN);
	ftls_deframer_feed(&f, io, wire);
	while ((e = ftls_deframer_next(&f, &rec, &rl)) == FTLS_OK) {
		uint8_t t = 0;

		assert_int_equal(ftls_rec_open(&rx, rec, rl, plain + got, sizeof(plain) - got, &t, &n),
				 FTLS_OK);
		assert_int_equal(t, FTLS_CT_APPLICATION_DATA);
		got += n;
		nrec++;
	}
	assert_int_equal(e, FTLS_ERR_AGAIN);
	assert_int_equal(got, total);
	assert_memory_equal(plain, want, total);
	/* The reader consumes them too, so its sequence number moves on with ours. */
	feed(reader, io, wire);
	got = 0;
	while (got < total) {
		int r = SSL_read(reader, plain + got, (int)(total - got));

		assert_true(r > 0);
		got += (size_t)r;
	}
	assert_memory_equal(plain, want, total);

	/* 2. We seal as the writer; OpenSSL reads. */
	k.dir = FTLS_DIR_TX;
	k.seq = rx.seq;
	assert_int_equal(ftls_rec_dir_install(&tx, seal_dev, 0, &k), FTLS_OK);
	for (size_t i = 0; i < NB_SIZES; i++) {
		size_t len = sizes[i] ? sizes[i] : 100;

		if (s->version == FTLS_V_TLS13)
			tx.pad_to = (uint16_t)(i % 3 == 0 ? 0 : i % 3 == 1 ? 32 : 4096);
		for (size_t j = 0; j < len; j++)
			want[j] = (uint8_t)(j * 7 + i + 1);
		assert_int_equal(ftls_rec_seal(&tx, FTLS_CT_APPLICATION_DATA, want, len, io, sizeof(io), &rl),
				 FTLS_OK);
		feed(reader, io, rl);
		got = 0;
		while (got < len) {
			int r = SSL_read(reader, plain + got, (int)(len - got));

			if (r <= 0) {
				ERR_print_errors_fp(stderr);
				fail_msg("%s: OpenSSL rejected our record of %zu bytes (SSL_get_error %d)",
					 s->name, len, SSL_get_error(reader, r));
			}
			got += (size_t)r;
		}
		assert_memory_equal(plain, want, len);
	}
	ftls_rec_dir_clear(&rx);
	ftls_rec_dir_clear(&tx);
}

static void test_openssl_peer_every_suite(void **state)
{
	int runs = 0;

	(void)state;
	for (size_t si = 0; si < ftls_nb_suites; si++) {
		const struct ftls_suite *s = &ftls_suites[si];

		for (int a = 0; a < nb_tbs; a++) if (tb_can(a, s) && tb_can((a + 1) % nb_tbs, s)) {
			struct ftls_crypto_dev *d_open = tbs[a].dev, *d_seal = tbs[(a + 1) % nb_tbs].dev;
			SSL_CTX *sctx = make_ctx(s, 1), *cctx = make_ctx(s, 0);
			SSL *srv = make_ssl(sctx, 1), *cli = make_ssl(cctx, 0);
			struct ftls_key_install ki[2];

			keylog[0] = 0;
			handshake(cli, srv);
			assert_int_equal(SSL_version(cli), s->version);
			assert_int_equal(SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(cli)), s->id);
			derive_keys(s, cli, ki);
			one_direction(s, cli, srv, &ki[0], d_open, d_seal);
			one_direction(s, srv, cli, &ki[1], d_open, d_seal);
			SSL_free(cli);
			SSL_free(srv);
			SSL_CTX_free(cctx);
			SSL_CTX_free(sctx);
			printf("%-45s %s: OpenSSL -> ftls open on %s, ftls seal on %s -> OpenSSL: ok\n",
			       s->name, ftls_version_name(s->version), tbs[a].name,
			       tbs[(a + 1) % nb_tbs].name);
			runs++;
		}
	}
	/*
	 * Every pair of backends that both take a suite ran it; a backend may refuse a suite
	 * (the card has no HMAC-SHA-384), the cpu backend refuses none.
	 */
	{
		int expect = 0, all_cpu = 1;

		for (size_t si = 0; si < ftls_nb_suites; si++)
			for (int a = 0; a < nb_tbs; a++)
				expect += tb_can(a, &ftls_suites[si]) &&
					tb_can((a + 1) % nb_tbs, &ftls_suites[si]);
		for (int a = 0; a < nb_tbs; a++)
			all_cpu &= strcmp(tbs[a].name, "cpu") == 0;
		assert_int_equal(runs, expect);
		assert_true(expect > 0);
		if (all_cpu)
			assert_int_equal(runs, (int)ftls_nb_suites * nb_tbs);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_peer_every_suite),
	};

	return cmocka_run_group_tests(tests, peer_setup, peer_teardown);
}
