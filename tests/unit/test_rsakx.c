/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the RSA key exchange (ctrlplane/pki/rsa_kx.h), with the illustrated-tls12 server
 * key (RSA-2048): a well-formed PKCS#1 v1.5 block gives the real pre-master secret; malformed
 * blocks of every kind (leading bytes, block type, a zero in the padding, short padding, no
 * separator, message of 47/49 bytes, wrong client version, ciphertext too long, too short, empty,
 * not below the modulus) all give FTLS_OK and a premaster that is neither the real one nor the
 * same twice; framing errors of the ClientKeyExchange body are decode errors. Then libssl as the
 * client of an RSA key exchange: our premaster must lead (through prf12.h) to libssl's master
 * secret.
 *
 * Built with -DFTLS_CT_VALGRIND (check-rsakx-ct, tests/fuzz/build.mk) it runs only the
 * constant-time check: every block kind goes through cp_rsa_kx_select() with the block marked
 * secret, and memcheck fails the run on any branch or index that depends on it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/ssl.h>

#include "common/ct.h"
#include "common/tls.h"
#include "ctrlplane/pki/rsa_kx.h"
#include "ctrlplane/resume/prf12.h"

#ifdef FTLS_CT_VALGRIND
#include <valgrind/memcheck.h>
#define SECRET(p, n) VALGRIND_MAKE_MEM_UNDEFINED(p, n)
#define PUBLIC(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#else
#define SECRET(p, n) ((void)(p), (void)(n))
#define PUBLIC(p, n) ((void)(p), (void)(n))
#endif

#define V12 FTLS_VECTORS_DIR "/illustrated-tls12/"

enum { K = 256 };
static EVP_PKEY *key;
static X509 *cert;

static int setup(void **state)
{
	FILE *f;

	(void)state;
	f = fopen(V12 "server.key", "r");
	if (!f)
		return -1;
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	f = fopen(V12 "server.crt", "r");
	if (!f)
		return -1;
	cert = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	return key && cert && EVP_PKEY_get_size(key) == K ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(key);
	X509_free(cert);
	return 0;
}

/* The kinds of block, built before encryption. */
enum kind {
	K_GOOD, K_LEAD1, K_TYPE1, K_TYPE0, K_ZERO_IN_PS, K_SHORT_PS, K_NO_SEP, K_MSG47, K_MSG49,
	K_VER_OLD, K_VER_SWAP, K_VER_NEGOTIATED_ONLY, K_ALL_ZERO,
	NB_BLOCK_KINDS,
	/* ciphertext-level */
	K_CT_LONG = NB_BLOCK_KINDS, K_CT_SHORT, K_CT_EMPTY, K_CT_OVER_N,
	NB_KINDS,
};
static const char *const kind_names[NB_KINDS] __attribute__((unused)) = {
	"well formed", "leading byte 01", "block type 01", "block type 00", "zero inside padding",
	"padding of 7 bytes", "no zero separator", "message of 47 bytes", "message of 49 bytes",
	"client version 0x0301", "client version bytes swapped", "negotiated version 0x0302",
	"all-zero block", "ciphertext one byte long", "ciphertext one byte short", "empty ciphertext",
	"ciphertext above the modulus",
};

/* em[0..K) of a kind; msg (48 bytes, the would-be premaster) is placed where a good one lies. */
static void make_block(enum kind kd, const uint8_t msg[48], uint8_t em[K])
{
	size_t sep = K - 49;

	em[0] = 0;
	em[1] = 2;
	assert_int_equal(RAND_bytes(em + 2, K - 2), 1);
	for (size_t i = 2; i < sep; i++)
		em[i] |= 1;                         /* padding nonzero */
	em[sep] = 0;
	memcpy(em + sep + 1, msg, 48);
	switch (kd) {
	case K_LEAD1: em[0] = 1; break;
	case K_TYPE1: em[1] = 1; break;
	case K_TYPE0: em[1] = 0; break;
	case K_ZERO_IN_PS: em[100] = 0; break;
	case K_SHORT_PS: em[9] = 0; em[sep] = 0x55; break;   /* separator after 7 padding bytes */
	case K_NO_SEP: em[sep] = 0x55; break;
	case K_MSG47: em[sep] = 0x55; em[sep + 1] = 0; break; /* separator one later */
	case K_MSG49: em[sep - 1] = 0; em[sep] = msg[0]; break;
	case K_VER_OLD: em[sep + 1] = 0x03; em[sep + 2] = 0x01; break;
	case K_VER_SWAP: em[sep + 1] = 0x03; em[sep + 2] = 0x03; break; /* (client offered 0x0303; swapped below) */
	case K_VER_NEGOTIATED_ONLY: em[sep + 2] = 0x02; break;
	case K_ALL_ZERO: memset(em, 0, K); break;
	default: break;
	}
}

#ifndef FTLS_CT_VALGRIND
/* The CKE body for a kind, into body; returns its length. msg is the well-formed premaster. */
static size_t make_cke(enum kind kd, const uint8_t msg[48], uint8_t *body)
{
	uint8_t em[K];
	size_t ct_len = K;
	EVP_PKEY_CTX *pc;
	size_t ol = K;

	if (kd == K_CT_OVER_N) {
		memset(body + 2, 0xff, K);
	} else {
		make_block(kd < NB_BLOCK_KINDS ? kd : K_GOOD, msg, em);
		pc = EVP_PKEY_CTX_new(key, NULL);
		assert_non_null(pc);
		assert_int_equal(EVP_PKEY_encrypt_init(pc), 1);
		assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING), 1);
		assert_int_equal(EVP_PKEY_encrypt(pc, body + 2, &ol, em, K), 1);
		assert_int_equal(ol, K);
		EVP_PKEY_CTX_free(pc);
	}
	if (kd == K_CT_LONG) {
		body[2 + K] = 0;
		ct_len = K + 1;
	} else if (kd == K_CT_SHORT) {
		ct_len = K - 1;
	} else if (kd == K_CT_EMPTY) {
		ct_len = 0;
	}
	ftls_store_u16(body, (uint16_t)ct_len);
	return 2 + ct_len;
}

static void run(const uint8_t *body, size_t n, uint16_t cv, uint8_t pms[48])
{
	struct ftls_buf b;

	ftls_buf_init_ro(&b, body, n);
	assert_int_equal(cp_rsa_kx_premaster(key, &b, cv, pms), FTLS_OK);
}

static void test_every_malformed_block(void **state)
{
	uint8_t msg[48], body[2 + K + 1], p1[48], p2[48];

	(void)state;
	for (int kd = 0; kd < NB_KINDS; kd++) {
		size_t n;
		uint16_t cv = kd == K_VER_SWAP ? 0x0303 : 0x0303;

		assert_int_equal(RAND_bytes(msg, 48), 1);
		msg[0] = 0x03;
		msg[1] = 0x03;
		if (kd == K_VER_SWAP) {
			/* Offered 0x0302 (bytes 03 02), block says 02 03. */
			cv = 0x0302;
			msg[0] = 0x02;
			msg[1] = 0x03;
		}
		n = make_cke((enum kind)kd, msg, body);
		run(body, n, cv, p1);
		run(body, n, cv, p2);
		if (kd == K_GOOD) {
			assert_memory_equal(p1, msg, 48);
			assert_memory_equal(p2, msg, 48);
		} else {
			/* Not the message, and fresh randomness every time. */
			assert_memory_not_equal(p1, msg, 48);
			assert_memory_not_equal(p1, p2, 48);
			assert_memory_not_equal(p1 + 2, msg + 2, 46);
		}
		printf("%-32s -> %s\n", kind_names[kd], kd == K_GOOD ? "the real premaster" : "a random premaster, no error");
	}
}

static void test_framing_and_arguments(void **state)
{
	uint8_t msg[48] = { 3, 3 }, body[2 + K + 2], pms[48];
	struct ftls_buf b;
	size_t n;
	EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");

	(void)state;
	n = make_cke(K_GOOD, msg, body);
	/* Trailing byte after the vector; vector longer than the body; no length at all. */
	body[n] = 0;
	ftls_buf_init_ro(&b, body, n + 1);
	assert_int_equal(cp_rsa_kx_premaster(key, &b, 0x0303, pms), FTLS_ERR_DECODE);
	ftls_buf_init_ro(&b, body, n - 1);
	assert_int_equal(cp_rsa_kx_premaster(key, &b, 0x0303, pms), FTLS_ERR_DECODE);
	ftls_buf_init_ro(&b, body, 1);
	assert_int_equal(cp_rsa_kx_premaster(key, &b, 0x0303, pms), FTLS_ERR_DECODE);
	/* Not an RSA key. */
	assert_non_null(ec);
	ftls_buf_init_ro(&b, body, n);
	assert_int_equal(cp_rsa_kx_premaster(ec, &b, 0x0303, pms), FTLS_ERR_INVAL);
	assert_int_equal(cp_rsa_kx_premaster(NULL, &b, 0x0303, pms), FTLS_ERR_INVAL);
	EVP_PKEY_free(ec);
}

/* ---- libssl as the client of an RSA key exchange ---- */

static uint8_t hs_log[1 << 14];
static size_t hs_len, cke_off, ch_off;
static int cke_seen;

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	(void)write_p;
	(void)version;
	(void)ssl;
	(void)arg;
	if (content_type != SSL3_RT_HANDSHAKE || hs_len + len > sizeof(hs_log))
		return;
	if (((const uint8_t *)buf)[0] == FTLS_HS_CLIENT_KEY_EXCHANGE && !cke_seen) {
		cke_off = hs_len;
		cke_seen = 1;
	}
	memcpy(hs_log + hs_len, buf, len);
	hs_len += len;
}

static void pump(SSL *from, SSL *to)
{
	uint8_t io[8192];
	int k;

	while ((k = BIO_read(SSL_get_wbio(from), io, sizeof(io))) > 0)
		assert_int_equal(BIO_write(SSL_get_rbio(to), io, k), k);
}

static void test_libssl_client(void **state)
{
	SSL_CTX *sctx = SSL_CTX_new(TLS_server_method()), *cctx = SSL_CTX_new(TLS_client_method());
	SSL *srv, *cli;
	uint8_t pms[48], ms[48], ours[48], cr[32], sr[32];
	struct ftls_buf b;
	size_t body_len;

	(void)state;
	assert_non_null(sctx);
	assert_non_null(cctx);
	for (int i = 0; i < 2; i++) {
		SSL_CTX *c = i ? cctx : sctx;

		SSL_CTX_set_security_level(c, 1);
		assert_int_equal(SSL_CTX_set_min_proto_version(c, TLS1_2_VERSION), 1);
		assert_int_equal(SSL_CTX_set_max_proto_version(c, TLS1_2_VERSION), 1);
		assert_int_equal(SSL_CTX_set_cipher_list(c, "AES128-SHA256"), 1);
		SSL_CTX_set_options(c, SSL_OP_NO_EXTENDED_MASTER_SECRET | SSL_OP_NO_TICKET);
	}
	assert_int_equal(SSL_CTX_use_certificate(sctx, cert), 1);
	assert_int_equal(SSL_CTX_use_PrivateKey(sctx, key), 1);
	SSL_CTX_set_msg_callback(sctx, msg_cb);
	srv = SSL_new(sctx);
	cli = SSL_new(cctx);
	SSL_set_bio(srv, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	SSL_set_bio(cli, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	SSL_set_accept_state(srv);
	SSL_set_connect_state(cli);
	hs_len = 0;
	cke_seen = 0;
	for (int i = 0; i < 20 && !(SSL_is_init_finished(cli) && SSL_is_init_finished(srv)); i++) {
		(void)SSL_do_handshake(cli);
		pump(cli, srv);
		(void)SSL_do_handshake(srv);
		pump(srv, cli);
	}
	assert_true(SSL_is_init_finished(srv));
	assert_true(cke_seen);
	ch_off = 0;
	assert_int_equal(SSL_SESSION_get_master_key(SSL_get_session(srv), ms, 48), 48);
	assert_int_equal(SSL_get_client_random(srv, cr, 32), 32);
	assert_int_equal(SSL_get_server_random(srv, sr, 32), 32);
	body_len = (size_t)(hs_log[cke_off + 1] << 16 | hs_log[cke_off + 2] << 8 | hs_log[cke_off + 3]);
	ftls_buf_init_ro(&b, hs_log + cke_off + 4, body_len);
	/* client_version from the ClientHello (bytes 4..5 of the first message). */
	assert_int_equal(cp_rsa_kx_premaster(key, &b, ftls_load_u16(hs_log + ch_off + 4), pms), FTLS_OK);
	assert_int_equal(cp_prf12_master(FTLS_HASH_SHA256, pms, 48, cr, sr, ours), FTLS_OK);
	assert_memory_equal(ours, ms, 48);
	/* The wrong client_version gives a premaster that does not. */
	ftls_buf_init_ro(&b, hs_log + cke_off + 4, body_len);
	assert_int_equal(cp_rsa_kx_premaster(key, &b, 0x0302, pms), FTLS_OK);
	assert_int_equal(cp_prf12_master(FTLS_HASH_SHA256, pms, 48, cr, sr, ours), FTLS_OK);
	assert_memory_not_equal(ours, ms, 48);
	printf("libssl client, TLS_RSA_WITH_AES_128_CBC_SHA256: our premaster gives libssl's master secret\n");
	ftls_wipe(pms, sizeof(pms));
	SSL_free(cli);
	SSL_free(srv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
}

#endif /* !FTLS_CT_VALGRIND */

/* ---- the constant-time core, on blocks marked secret ---- */

static void test_select_constant_time(void **state)
{
	uint8_t msg[48], em[K], rnd[48], pms[48];
	int runs = 0;

	(void)state;
	for (int rep = 0; rep < 4; rep++)
		for (int kd = 0; kd < NB_BLOCK_KINDS; kd++) {
			assert_int_equal(RAND_bytes(msg, 48), 1);
			assert_int_equal(RAND_bytes(rnd, 48), 1);
			msg[0] = 3;
			msg[1] = 3;
			make_block((enum kind)kd, msg, em);
			if (kd == K_VER_SWAP) {
				em[K - 48] = 3;
				em[K - 47] = 2;
			}
			SECRET(em, sizeof(em));
			SECRET(msg, sizeof(msg));
			cp_rsa_kx_select(em, K, kd == K_VER_SWAP ? 0x0203 : 0x0303, rnd, pms);
			PUBLIC(pms, sizeof(pms));
			PUBLIC(msg, sizeof(msg));
			PUBLIC(em, sizeof(em));
			if (kd == K_GOOD)
				assert_memory_equal(pms, em + K - 48, 48);
			else
				assert_memory_equal(pms, rnd, 48);
			runs++;
		}
	printf("constant-time core: %d blocks (%d kinds) selected\n", runs, NB_BLOCK_KINDS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_select_constant_time),
#ifndef FTLS_CT_VALGRIND
		cmocka_unit_test(test_every_malformed_block),
		cmocka_unit_test(test_framing_and_arguments),
		cmocka_unit_test(test_libssl_client),
#endif
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
