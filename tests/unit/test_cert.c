/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate sets: PEM chains and keys from files (RSA 2048-4096, ECDSA P-256/P-384, Ed25519),
 * the policy and match checks with messages that name the file, the pre-encoded Certificate body
 * (leaf and intermediates, in order), and SNI lookup (exact, case-insensitive, one-label wildcard,
 * default, none).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "common/buf.h"
#include "test_hs_util.h"

static char dir[] = "/tmp/ftls-test-cert-XXXXXX";

static const char *path(const char *name)
{
	static char p[4][256];
	static int i;
	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static void write_key(const char *name, EVP_PKEY *k)
{
	FILE *f = fopen(path(name), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	fclose(f);
}

static void write_certs(const char *name, X509 *a, X509 *b)
{
	FILE *f = fopen(path(name), "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_X509(f, a), 1);
	if (b)
		assert_int_equal(PEM_write_X509(f, b), 1);
	fclose(f);
}

/* key type -> (key file, cert file) written once. */
static void make_pair(const char *base, EVP_PKEY *k)
{
	char n[64];
	X509 *x = th_selfsign(k, base, NULL);
	snprintf(n, sizeof(n), "%s.key", base);
	write_key(n, k);
	snprintf(n, sizeof(n), "%s.pem", base);
	write_certs(n, x, NULL);
	X509_free(x);
}

static int setup(void **state)
{
	(void)state;
	if (!mkdtemp(dir))
		return -1;
	EVP_PKEY *keys[] = {
		EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048),
		EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024),
		EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"),
		EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384"),
		EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-521"),
		EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"),
	};
	const char *names[] = { "rsa2048", "rsa1024", "p256", "p384", "p521", "ed25519" };
	for (int i = 0; i < 6; i++) {
		if (!keys[i])
			return -1;
		make_pair(names[i], keys[i]);
		EVP_PKEY_free(keys[i]);
	}
	/* A leaf signed by a CA, the file holding both. */
	EVP_PKEY *ca = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY *leaf = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *cax = th_selfsign(ca, "ca.test", "Test CA");
	X509 *lx = th_selfsign(leaf, "leaf.test", NULL);
	X509_set_issuer_name(lx, X509_get_subject_name(cax));
	X509_sign(lx, ca, EVP_sha256());
	write_certs("chain.pem", lx, cax);
	write_key("chain.key", leaf);
	X509_free(cax);
	X509_free(lx);
	EVP_PKEY_free(ca);
	EVP_PKEY_free(leaf);
	FILE *f = fopen(path("garbage.pem"), "w");
	fputs("not a certificate\n", f);
	fclose(f);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

static enum ftls_err load(const char *cert, const char *key, char *msg, size_t len)
{
	struct cp_certs c = { .default_set = 0 };
	struct cp_cert_set *s = cp_certs_new_set(&c);
	char cp[256], kp[256];
	snprintf(cp, sizeof(cp), "%s", path(cert));
	snprintf(kp, sizeof(kp), "%s", path(key));
	msg[0] = 0;
	enum ftls_err e = cp_certs_load_chain(&c, s, cp, kp, msg, len);
	if (!e) {
		assert_int_equal(s->nb_chains, 1);
		assert_non_null(s->chains[0].cert_file);
	}
	cp_certs_free(&c);
	return e;
}

static void test_policy(void **state)
{
	char msg[512];
	(void)state;
	assert_int_equal(load("rsa2048.pem", "rsa2048.key", msg, sizeof(msg)), FTLS_OK);
	assert_int_equal(load("p256.pem", "p256.key", msg, sizeof(msg)), FTLS_OK);
	assert_int_equal(load("p384.pem", "p384.key", msg, sizeof(msg)), FTLS_OK);
	assert_int_equal(load("ed25519.pem", "ed25519.key", msg, sizeof(msg)), FTLS_OK);
	assert_int_equal(load("rsa1024.pem", "rsa1024.key", msg, sizeof(msg)), FTLS_ERR_CONFIG);
	assert_non_null(strstr(msg, "rsa1024.key: RSA key of 1024 bits"));
	assert_int_equal(load("p521.pem", "p521.key", msg, sizeof(msg)), FTLS_ERR_CONFIG);
	assert_non_null(strstr(msg, "p521.key: unsupported key type"));
	assert_int_equal(load("p256.pem", "p384.key", msg, sizeof(msg)), FTLS_ERR_CONFIG);
	assert_non_null(strstr(msg, "p384.key: private key does not match certificate"));
	assert_non_null(strstr(msg, "p256.pem"));
	assert_int_equal(load("missing.pem", "p256.key", msg, sizeof(msg)), FTLS_ERR_CONFIG);
	assert_non_null(strstr(msg, "missing.pem: cannot open"));
	assert_int_equal(load("p256.pem", "missing.key", msg, sizeof(msg)), FTLS_ERR_CONFIG);
	assert_non_null(strstr(msg, "missing.key: cannot open"));
	assert_int_equal(load("garbage.pem", "p256.key", msg, sizeof(msg)), FTLS_ERR_CONFIG);
	assert_non_null(strstr(msg, "garbage.pem: no PEM certificate"));
	assert_int_equal(load("p256.pem", "garbage.pem", msg, sizeof(msg)), FTLS_ERR_CONFIG);
	assert_non_null(strstr(msg, "garbage.pem: cannot read private key"));
}

static void test_chain_encoding(void **state)
{
	struct cp_certs c = { .default_set = 0 };
	struct cp_cert_set *s = cp_certs_new_set(&c);
	char msg[256];
	struct ftls_buf b, list, cert, exts;
	uint8_t ctx;
	(void)state;
	assert_int_equal(cp_certs_load_chain(&c, s, path("chain.pem"), path("chain.key"), msg, sizeof(msg)),
			 FTLS_OK);
	const struct cp_chain *ch = &s->chains[0];
	assert_int_equal(ch->key_type, CP_KEY_EC_P256);
	assert_int_equal(sk_X509_num(ch->certs), 2);
	/* context<0..255> = empty, certificate_list<0..2^24-1> of (cert_data<1..2^24-1>, extensions<0..2^16-1>) */
	ftls_buf_init_ro(&b, ch->cert_msg, ch->cert_msg_len);
	assert_int_equal(ftls_buf_get_u8(&b, &ctx), FTLS_OK);
	assert_int_equal(ctx, 0);
	assert_int_equal(ftls_buf_get_vec24(&b, &list), FTLS_OK);
	assert_int_equal(ftls_buf_end(&b), FTLS_OK);
	for (int i = 0; i < 2; i++) {
		assert_int_equal(ftls_buf_get_vec24(&list, &cert), FTLS_OK);
		const unsigned char *p = ftls_buf_cur(&cert);
		X509 *x = d2i_X509(NULL, &p, (long)ftls_buf_remaining(&cert));
		assert_non_null(x);
		assert_int_equal(X509_cmp(x, sk_X509_value(ch->certs, i)), 0);   /* leaf first */
		X509_free(x);
		assert_int_equal(ftls_buf_get_vec16(&list, &exts), FTLS_OK);
		assert_int_equal(ftls_buf_remaining(&exts), 0);
	}
	assert_int_equal(ftls_buf_end(&list), FTLS_OK);
	assert_int_equal(c.max_cert_msg, ch->cert_msg_len);
	/* Schemes per key type: TLS 1.3 ones only, RSA-PSS for RSA. */
	const uint16_t *sc;
	assert_int_equal(cp_key_schemes(CP_KEY_RSA, &sc), 3);
	assert_int_equal(sc[0], FTLS_SIG_RSA_PSS_RSAE_SHA256);
	assert_int_equal(cp_key_schemes(CP_KEY_EC_P384, &sc), 1);
	assert_int_equal(sc[0], FTLS_SIG_ECDSA_SECP384R1_SHA384);
	assert_int_equal(cp_key_schemes(CP_KEY_ED25519, &sc), 1);
	assert_int_equal(sc[0], FTLS_SIG_ED25519);
	assert_int_equal(cp_key_schemes((enum cp_key_type)99, &sc), 0);
	cp_certs_free(&c);
}

static void test_lookup(void **state)
{
	struct cp_certs c = { .default_set = -1 };
	struct cp_cert_set *a = cp_certs_new_set(&c), *w = cp_certs_new_set(&c), *d = cp_certs_new_set(&c);
	bool m;
	(void)state;
	assert_int_equal(cp_certs_add_name(a, "Exact.Example.COM"), FTLS_OK);
	assert_int_equal(cp_certs_add_name(w, "*.example.com"), FTLS_OK);
	assert_int_equal(cp_certs_add_name(d, "other.test"), FTLS_OK);
#define L(n) cp_certs_lookup(&c, (const uint8_t *)(n), strlen(n), &m)
	assert_ptr_equal(L("exact.example.com"), a);
	assert_true(m);
	assert_ptr_equal(L("EXACT.example.com"), a);   /* exact beats wildcard */
	assert_ptr_equal(L("www.example.com"), w);
	assert_true(m);
	assert_null(L("a.b.example.com"));              /* one label only, and no default */
	assert_false(m);
	assert_null(L("example.com"));
	assert_null(L(".example.com"));
	assert_null(cp_certs_lookup(&c, NULL, 0, &m));
	c.default_set = 2;
	assert_ptr_equal(L("a.b.example.com"), d);
	assert_false(m);
	assert_ptr_equal(cp_certs_lookup(&c, NULL, 0, &m), d);
	assert_false(m);
	/* Names are bounded. */
	char longname[300];
	memset(longname, 'a', sizeof(longname));
	longname[299] = 0;
	assert_int_equal(cp_certs_add_name(a, longname), FTLS_ERR_CONFIG);
	assert_int_equal(cp_certs_add_name(a, ""), FTLS_ERR_CONFIG);
	cp_certs_free(&c);
#undef L
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy),
		cmocka_unit_test(test_chain_encoding),
		cmocka_unit_test(test_lookup),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
