/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * For tests that run OpenSSL's libssl as the peer: an RSA-2048 and an ECDSA P-256 key with
 * self-signed certificates made at start (peer_setup, which also opens the backends under test)
 * and freed at the end (peer_teardown); a handshake driven over memory BIOs (handshake). Header-only; include after test_record_util.h.
 */
#ifndef FTLS_TEST_OSSL_PEER_H
#define FTLS_TEST_OSSL_PEER_H

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "tests/unit/test_record_util.h"

static EVP_PKEY *rsa_key, *ec_key;
static X509 *rsa_cert, *ec_cert;

static X509 *self_signed(EVP_PKEY *key, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *name;

	if (!x)
		return NULL;
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, name);
	if (!X509_sign(x, key, EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int peer_setup(void **state)
{
	(void)state;
	rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	ec_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (!rsa_key || !ec_key)
		return -1;
	rsa_cert = self_signed(rsa_key, "rsa.ftls.test");
	ec_cert = self_signed(ec_key, "ec.ftls.test");
	if (!rsa_cert || !ec_cert)
		return -1;
	return tb_open_all();
}

static int peer_teardown(void **state)
{
	(void)state;
	tb_close_all();
	X509_free(rsa_cert);
	X509_free(ec_cert);
	EVP_PKEY_free(rsa_key);
	EVP_PKEY_free(ec_key);
	return 0;
}

/* The libssl client and server talk through memory BIOs: drain one side's output into the other. */
TB_FN size_t drain(SSL *from, uint8_t *buf, size_t cap)
{
	BIO *w = SSL_get_wbio(from);
	size_t n = 0;
	int k;

	while (n < cap && (k = BIO_read(w, buf + n, (int)(cap - n))) > 0)
		n += (size_t)k;
	return n;
}

TB_FN void feed(SSL *to, const uint8_t *buf, size_t n)
{
	if (n)
		assert_int_equal(BIO_write(SSL_get_rbio(to), buf, (int)n), (int)n);
}

TB_FN void handshake(SSL *c, SSL *s)
{
	static uint8_t io[1 << 18];

	for (int i = 0; i < 50; i++) {
		int rc = SSL_do_handshake(c), rs = SSL_do_handshake(s);
		size_t n1 = drain(c, io, sizeof(io)), n2;

		feed(s, io, n1);
		n2 = drain(s, io, sizeof(io));
		feed(c, io, n2);
		if (rc == 1 && rs == 1 && n1 == 0 && n2 == 0)
			return;
	}
	ERR_print_errors_fp(stderr);
	fail_msg("handshake did not complete");
}

#endif
