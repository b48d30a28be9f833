/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of client certificate verification (ctrlplane/pki/x509_verify.h). A small PKI is
 * made at run time with libcrypto: an RSA root, an ECDSA intermediate (pathlen 0) and one without
 * a path length, a second intermediate under the first, leaves (RSA and ECDSA, with SANs), an
 * expired leaf, a leaf of another root, a self-signed leaf, a revoked leaf with the
 * intermediate's CRL, leaves with the wrong EKU or key usage, an RSA-1024 leaf, a tampered
 * signature, and chains that are too long. Each must give its RFC alert's error; good chains
 * give the identity (subject, issuer, SANs, depth). Also the certificate_authorities encoding.
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

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/err.h"
#include "common/log.h"
#include "common/tls.h"
#include "ctrlplane/pki/x509_verify.h"

static char dir[64], ca_path[128], crl_path[128], ca2_path[128];
static EVP_PKEY *k_root, *k_inter, *k_inter2, *k_sub, *k_other, *k_rsa, *k_ec, *k_small;
static X509 *root, *inter, *inter2, *sub, *other_root;
static X509_CRL *crl;
static long next_serial = 100;

static EVP_PKEY *ec(void) { return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256"); }

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX c;
	X509_EXTENSION *e;

	X509V3_set_ctx(&c, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &c, nid, value);
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
}

struct spec {
	const char *cn;
	EVP_PKEY *key;
	X509 *issuer;        /* NULL: self-signed */
	EVP_PKEY *issuer_key;
	const char *bc;      /* basicConstraints, or NULL */
	const char *ku;
	const char *eku;
	const char *san;
	long from, to;       /* validity, seconds from now */
};

static X509 *make(const struct spec *s)
{
	X509 *x = X509_new();
	X509_NAME *name;

	assert_non_null(x);
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), next_serial++);
	X509_gmtime_adj(X509_getm_notBefore(x), s->from);
	X509_gmtime_adj(X509_getm_notAfter(x), s->to);
	X509_set_pubkey(x, s->key);
	name = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, (const unsigned char *)"ftls test", -1, -1, 0);
	X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)s->cn, -1, -1, 0);
	X509_set_issuer_name(x, s->issuer ? X509_get_subject_name(s->issuer) : name);
	add_ext(x, s->issuer, NID_subject_key_identifier, "hash");
	if (s->issuer)
		add_ext(x, s->issuer, NID_authority_key_identifier, "keyid:always");
	if (s->bc)
		add_ext(x, s->issuer, NID_basic_constraints, s->bc);
	if (s->ku)
		add_ext(x, s->issuer, NID_key_usage, s->ku);
	if (s->eku)
		add_ext(x, s->issuer, NID_ext_key_usage, s->eku);
	if (s->san)
		add_ext(x, s->issuer, NID_subject_alt_name, s->san);
	assert_true(X509_sign(x, s->issuer_key ? s->issuer_key : s->key, EVP_sha256()) > 0);
	return x;
}

static X509 *ca(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *bc)
{
	struct spec s = { cn, key, issuer, ikey, bc, "critical,keyCertSign,cRLSign", NULL, NULL,
			  -30 * 86400, 30 * 86400 };

	return make(&s);
}

/* A client leaf under issuer with the usual extensions; fields overridable by the caller. */
static X509 *leaf(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey)
{
	struct spec s = { cn, key, issuer, ikey, "critical,CA:FALSE", "critical,digitalSignature",
			  "clientAuth", "DNS:client.example,email:alice@example.com,URI:spiffe://ftls/alice",
			  -3600, 86400 };

	return make(&s);
}

static void write_pem(const char *path, X509 *const *certs, size_t n, X509_CRL *c)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(PEM_write_X509(f, certs[i]), 1);
	if (c)
		assert_int_equal(PEM_write_X509_CRL(f, c), 1);
	fclose(f);
}

static X509_CRL *make_crl(X509 *issuer, EVP_PKEY *ikey, const ASN1_INTEGER *revoked_serial)
{
	X509_CRL *c = X509_CRL_new();
	X509_REVOKED *r = X509_REVOKED_new();
	ASN1_TIME *t = ASN1_TIME_new();

	assert_non_null(c);
	assert_non_null(r);
	X509_CRL_set_version(c, 1);
	X509_CRL_set_issuer_name(c, X509_get_subject_name(issuer));
	X509_gmtime_adj(t, -3600);
	X509_CRL_set1_lastUpdate(c, t);
	X509_REVOKED_set_revocationDate(r, t);
	X509_gmtime_adj(t, 7 * 86400);
	X509_CRL_set1_nextUpdate(c, t);
	X509_REVOKED_set_serialNumber(r, (ASN1_INTEGER *)revoked_serial);
	X509_CRL_add0_revoked(c, r);
	X509_CRL_sort(c);
	assert_true(X509_CRL_sign(c, ikey, EVP_sha256()) > 0);
	ASN1_TIME_free(t);
	return c;
}

static X509 *revoked_leaf;

static int setup(void **state)
{
	X509 *bundle[2];

	(void)state;
	/* Refusals are logged at info; the table this test prints says the same. */
	ftls_log_set_level(FTLS_LOG_WARN);
	snprintf(dir, sizeof(dir), "/tmp/ftls-x509-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(ca_path, sizeof(ca_path), "%s/ca.pem", dir);
	snprintf(ca2_path, sizeof(ca2_path), "%s/ca2.pem", dir);
	snprintf(crl_path, sizeof(crl_path), "%s/crl.pem", dir);
	k_root = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	k_small = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)1024);
	k_inter = ec();
	k_inter2 = ec();
	k_sub = ec();
	k_other = ec();
	k_ec = ec();
	if (!k_root || !k_rsa || !k_small || !k_inter || !k_inter2 || !k_sub || !k_other || !k_ec)
		return -1;
	root = ca("ftls test root", k_root, NULL, NULL, "critical,CA:TRUE");
	inter = ca("ftls test intermediate", k_inter, root, k_root, "critical,CA:TRUE,pathlen:0");
	inter2 = ca("ftls test intermediate 2", k_inter2, root, k_root, "critical,CA:TRUE");
	sub = ca("ftls test sub-intermediate", k_sub, inter, k_inter, "critical,CA:TRUE");
	other_root = ca("some other root", k_other, NULL, NULL, "critical,CA:TRUE");
	revoked_leaf = leaf("revoked client", k_ec, inter, k_inter);
	crl = make_crl(inter, k_inter, X509_get0_serialNumber(revoked_leaf));
	bundle[0] = root;
	bundle[1] = other_root;
	write_pem(ca_path, bundle, 1, NULL);
	write_pem(ca2_path, bundle, 2, NULL);
	write_pem(crl_path, NULL, 0, crl);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	unlink(ca_path);
	unlink(ca2_path);
	unlink(crl_path);
	rmdir(dir);
	X509_free(root);
	X509_free(inter);
	X509_free(inter2);
	X509_free(sub);
	X509_free(other_root);
	X509_free(revoked_leaf);
	X509_CRL_free(crl);
	EVP_PKEY_free(k_root);
	EVP_PKEY_free(k_rsa);
	EVP_PKEY_free(k_small);
	EVP_PKEY_free(k_inter);
	EVP_PKEY_free(k_inter2);
	EVP_PKEY_free(k_sub);
	EVP_PKEY_free(k_other);
	EVP_PKEY_free(k_ec);
	return 0;
}

static struct cp_x509_verifier *verifier(const char *crl_file, int max_depth)
{
	struct cp_x509_conf conf = { .ca_file = ca_path, .crl_file = crl_file, .max_depth = max_depth };
	struct cp_x509_verifier *v = NULL;

	assert_int_equal(cp_x509_verifier_create(&conf, &v), FTLS_OK);
	return v;
}

/* Verifies the chain (leaf first) as DER. */
static enum ftls_err check(struct cp_x509_verifier *v, X509 *const *chain, size_t n, time_t at,
			   struct cp_x509_identity *id)
{
	uint8_t *der[8] = { 0 };
	size_t len[8];
	enum ftls_err e;

	for (size_t i = 0; i < n; i++) {
		int l = i2d_X509(chain[i], &der[i]);

		assert_true(l > 0);
		len[i] = (size_t)l;
	}
	e = cp_x509_verify(v, (const uint8_t *const *)der, len, n, at, id);
	for (size_t i = 0; i < n; i++)
		OPENSSL_free(der[i]);
	return e;
}

static void expect(const char *what, enum ftls_err got, enum ftls_err want)
{
	printf("%-44s -> %s (alert %s)\n", what, ftls_err_name(got),
	       ftls_err_alert(got) < 0 ? "none" : ftls_alert_name(ftls_err_alert(got)));
	assert_int_equal(got, want);
}

static void test_good_chains_and_identity(void **state)
{
	struct cp_x509_verifier *v = verifier(NULL, 0);
	struct cp_x509_identity id;
	X509 *rsa_leaf = leaf("alice", k_rsa, root, k_root), *ec_leaf = leaf("bob", k_ec, inter, k_inter);
	X509 *c2[2] = { ec_leaf, inter }, *c2r[3] = { ec_leaf, inter2, inter };

	(void)state;
	expect("RSA leaf, issued by the root", check(v, &rsa_leaf, 1, 0, &id), FTLS_OK);
	assert_string_equal(id.subject, "CN=alice,O=ftls test");
	assert_string_equal(id.issuer, "CN=ftls test root,O=ftls test");
	assert_int_equal(id.depth, 2);
	assert_int_equal(id.nb_san, 3);
	assert_int_equal(id.san[0].type, CP_SAN_DNS);
	assert_string_equal(id.san[0].value, "client.example");
	assert_int_equal(id.san[1].type, CP_SAN_EMAIL);
	assert_string_equal(id.san[1].value, "alice@example.com");
	assert_int_equal(id.san[2].type, CP_SAN_URI);
	assert_string_equal(id.san[2].value, "spiffe://ftls/alice");
	assert_string_equal(cp_x509_san_type_name(id.san[2].type), "URI");
	assert_true(strlen(id.serial) > 0);
	expect("ECDSA leaf via an intermediate", check(v, c2, 2, 0, &id), FTLS_OK);
	{
		uint8_t *der = NULL;
		int dl = i2d_X509(ec_leaf, &der);
		EVP_PKEY *pk = NULL;

		assert_int_equal(cp_x509_leaf_pubkey(der, (size_t)dl, &pk), FTLS_OK);
		assert_int_equal(EVP_PKEY_eq(pk, k_ec), 1);
		EVP_PKEY_free(pk);
		assert_int_equal(cp_x509_leaf_pubkey(der, (size_t)dl - 1, &pk), FTLS_ERR_BAD_CERTIFICATE);
		assert_null(pk);
		OPENSSL_free(der);
	}
	assert_string_equal(id.subject, "CN=bob,O=ftls test");
	assert_int_equal(id.depth, 3);
	/* An unrelated extra certificate in the chain does not hurt. */
	expect("ECDSA leaf, extra unrelated intermediate", check(v, c2r, 3, 0, NULL), FTLS_OK);
	/* Time injected: the same chain at a time inside its validity. */
	expect("at an injected time inside validity", check(v, c2, 2, time(NULL) + 3600, NULL), FTLS_OK);
	X509_free(rsa_leaf);
	X509_free(ec_leaf);

	/* Identity strings are printable ASCII whatever the certificate holds; SANs past 16 dropped. */
	{
		char san[2048];
		size_t o = 0;
		struct spec s = { "x", k_ec, root, k_root, "critical,CA:FALSE", "critical,digitalSignature",
				  "clientAuth", san, -60, 86400 };
		X509 *x;

		o += (size_t)snprintf(san + o, sizeof(san) - o, "email:bell\x07@example.com");
		for (int i = 0; i < 20; i++)
			o += (size_t)snprintf(san + o, sizeof(san) - o, ",DNS:h%d.example", i);
		x = make(&s);
		/* The control byte goes in raw, through the IA5String itself. */
		{
			GENERAL_NAMES *g = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
			ASN1_IA5STRING *e = sk_GENERAL_NAME_value(g, 0)->d.rfc822Name;

			assert_int_equal(ASN1_STRING_set(e, "bell\x07@example.com", -1), 1);
			assert_int_equal(X509_add1_ext_i2d(x, NID_subject_alt_name, g, 0, X509V3_ADD_REPLACE), 1);
			assert_true(X509_sign(x, k_root, EVP_sha256()) > 0);
			GENERAL_NAMES_free(g);
		}
		expect("SAN with a control byte, 21 SANs", check(v, &x, 1, 0, &id), FTLS_OK);
		assert_int_equal(id.nb_san, CP_X509_SAN_MAX);
		assert_string_equal(id.san[0].value, "bell?@example.com");
		assert_string_equal(id.san[15].value, "h14.example");
		X509_free(x);
	}
	cp_x509_verifier_destroy(v);
}

static void test_unknown_ca(void **state)
{
	struct cp_x509_verifier *v = verifier(NULL, 0);
	X509 *ec_leaf = leaf("bob", k_ec, inter, k_inter), *foreign = leaf("eve", k_ec, other_root, k_other);
	struct spec ss = { "self", k_ec, NULL, NULL, "critical,CA:FALSE", "critical,digitalSignature",
			   "clientAuth", NULL, -60, 86400 };
	X509 *self = make(&ss), *c2[2] = { foreign, other_root };

	(void)state;
	expect("intermediate not sent", check(v, &ec_leaf, 1, 0, NULL), FTLS_ERR_UNKNOWN_CA);
	expect("leaf of a root not in the bundle", check(v, &foreign, 1, 0, NULL), FTLS_ERR_UNKNOWN_CA);
	expect("... with that root sent along", check(v, c2, 2, 0, NULL), FTLS_ERR_UNKNOWN_CA);
	expect("self-signed leaf", check(v, &self, 1, 0, NULL), FTLS_ERR_UNKNOWN_CA);
	X509_free(ec_leaf);
	X509_free(foreign);
	X509_free(self);
	cp_x509_verifier_destroy(v);

	/* The same foreign leaf is fine for a verifier that trusts its root. */
	{
		struct cp_x509_conf conf = { .ca_file = ca2_path };
		X509 *f2 = leaf("eve", k_ec, other_root, k_other);

		assert_int_equal(cp_x509_verifier_create(&conf, &v), FTLS_OK);
		expect("foreign leaf, its root in the bundle", check(v, &f2, 1, 0, NULL), FTLS_OK);
		X509_free(f2);
		cp_x509_verifier_destroy(v);
	}
}

static void test_validity(void **state)
{
	struct cp_x509_verifier *v = verifier(NULL, 0);
	struct spec se = { "expired", k_ec, root, k_root, "critical,CA:FALSE", "critical,digitalSignature",
			   "clientAuth", NULL, -10 * 86400, -86400 };
	struct spec sf = se;
	X509 *expired, *future, *good = leaf("alice", k_ec, root, k_root);

	(void)state;
	sf.cn = "not yet valid";
	sf.from = 86400;
	sf.to = 2 * 86400;
	expired = make(&se);
	future = make(&sf);
	expect("expired leaf", check(v, &expired, 1, 0, NULL), FTLS_ERR_CERTIFICATE_EXPIRED);
	expect("not yet valid leaf", check(v, &future, 1, 0, NULL), FTLS_ERR_CERTIFICATE_EXPIRED);
	expect("good leaf, verified 2 days later", check(v, &good, 1, time(NULL) + 2 * 86400, NULL),
	       FTLS_ERR_CERTIFICATE_EXPIRED);
	expect("good leaf, verified 2 hours earlier", check(v, &good, 1, time(NULL) - 7200, NULL),
	       FTLS_ERR_CERTIFICATE_EXPIRED);
	expect("expired leaf, verified 5 days earlier", check(v, &expired, 1, time(NULL) - 5 * 86400, NULL),
	       FTLS_OK);
	X509_free(expired);
	X509_free(future);
	X509_free(good);
	cp_x509_verifier_destroy(v);
}

static void test_revocation(void **state)
{
	struct cp_x509_verifier *v = verifier(crl_path, 0), *plain = verifier(NULL, 0);
	X509 *ok_leaf = leaf("carol", k_ec, inter, k_inter);
	X509 *c_rev[2] = { revoked_leaf, inter }, *c_ok[2] = { ok_leaf, inter };
	X509 *root_leaf = leaf("dave", k_ec, root, k_root);

	(void)state;
	expect("leaf revoked by the intermediate's CRL", check(v, c_rev, 2, 0, NULL),
	       FTLS_ERR_CERTIFICATE_REVOKED);
	expect("same leaf, no CRL configured", check(plain, c_rev, 2, 0, NULL), FTLS_OK);
	expect("other leaf of that intermediate", check(v, c_ok, 2, 0, NULL), FTLS_OK);
	/* CRL checking on, and no CRL for the leaf's issuer: refused. */
	expect("leaf whose issuer has no CRL", check(v, &root_leaf, 1, 0, NULL), FTLS_ERR_BAD_CERTIFICATE);
	X509_free(ok_leaf);
	X509_free(root_leaf);
	cp_x509_verifier_destroy(v);
	cp_x509_verifier_destroy(plain);
}

static void test_usage_and_keys(void **state)
{
	struct cp_x509_verifier *v = verifier(NULL, 0);
	struct spec s = { "server only", k_ec, root, k_root, "critical,CA:FALSE",
			  "critical,digitalSignature", "serverAuth", NULL, -60, 86400 };
	X509 *x;

	(void)state;
	x = make(&s);
	expect("EKU serverAuth only", check(v, &x, 1, 0, NULL), FTLS_ERR_UNSUPPORTED_CERTIFICATE);
	X509_free(x);
	s.cn = "no signing";
	s.eku = "clientAuth";
	s.ku = "critical,keyEncipherment";
	x = make(&s);
	expect("key usage without digitalSignature", check(v, &x, 1, 0, NULL),
	       FTLS_ERR_UNSUPPORTED_CERTIFICATE);
	X509_free(x);
	s.cn = "no eku";
	s.ku = "critical,digitalSignature";
	s.eku = NULL;
	x = make(&s);
	expect("no EKU at all (any purpose, RFC 5280)", check(v, &x, 1, 0, NULL), FTLS_OK);
	X509_free(x);
	s.cn = "small rsa";
	s.key = k_small;
	s.eku = "clientAuth";
	x = make(&s);
	expect("RSA-1024 leaf", check(v, &x, 1, 0, NULL), FTLS_ERR_UNSUPPORTED_CERTIFICATE);
	X509_free(x);
	/* Other key types: P-384 and Ed25519 accepted, P-521 not. */
	{
		static const struct { const char *alg, *arg; enum ftls_err want; } kt[] = {
			{ "EC", "P-384", FTLS_OK },
			{ "ED25519", NULL, FTLS_OK },
			{ "EC", "P-521", FTLS_ERR_UNSUPPORTED_CERTIFICATE },
		};

		for (size_t i = 0; i < sizeof(kt) / sizeof(kt[0]); i++) {
			EVP_PKEY *k = kt[i].arg ? EVP_PKEY_Q_keygen(NULL, NULL, kt[i].alg, kt[i].arg)
						: EVP_PKEY_Q_keygen(NULL, NULL, kt[i].alg);
			char what[64];

			assert_non_null(k);
			s.cn = "other key";
			s.key = k;
			x = make(&s);
			snprintf(what, sizeof(what), "%s %s leaf", kt[i].alg, kt[i].arg ? kt[i].arg : "");
			expect(what, check(v, &x, 1, 0, NULL), kt[i].want);
			X509_free(x);
			EVP_PKEY_free(k);
		}
	}
	/* A CA certificate as the client's leaf. */
	expect("intermediate CA presented as leaf", check(v, &inter, 1, 0, NULL),
	       FTLS_ERR_UNSUPPORTED_CERTIFICATE);
	cp_x509_verifier_destroy(v);
}

static void test_paths_and_encoding(void **state)
{
	struct cp_x509_verifier *v = verifier(NULL, 0), *shallow = verifier(NULL, 1);
	X509 *under_sub = leaf("frank", k_ec, sub, k_sub), *l2 = leaf("gina", k_ec, inter2, k_inter2);
	X509 *deep[3] = { under_sub, sub, inter }, *two[2] = { l2, inter2 };
	X509 *sub2 = ca("sub of inter2", k_sub, inter2, k_inter2, "critical,CA:TRUE");
	X509 *l3 = leaf("hank", k_ec, sub2, k_sub), *deep2[3] = { l3, sub2, inter2 };
	uint8_t *der = NULL, junk[3] = { 0x30, 0x01, 0x00 };
	const uint8_t *p[1];
	size_t len[1];
	int dl;

	(void)state;
	expect("path length 0 exceeded", check(v, deep, 3, 0, NULL), FTLS_ERR_BAD_CERTIFICATE);
	expect("two intermediates, no pathlen", check(v, deep2, 3, 0, NULL), FTLS_OK);
	expect("two intermediates, max_depth 1", check(shallow, deep2, 3, 0, NULL), FTLS_ERR_BAD_CERTIFICATE);
	expect("one intermediate, max_depth 1", check(shallow, two, 2, 0, NULL), FTLS_OK);

	/* Encoding: a tampered signature, trailing bytes, garbage. */
	dl = i2d_X509(l2, &der);
	assert_true(dl > 10);
	der[dl - 5] ^= 0x40;
	p[0] = der;
	len[0] = (size_t)dl;
	{
		X509 *t = NULL;
		const uint8_t *q = der;
		uint8_t *d2[2] = { NULL, NULL };
		size_t l2s[2];
		int il = 0;

		/* Re-verify as a chain with its intermediate. */
		t = d2i_X509(NULL, &q, dl);
		assert_non_null(t);
		il = i2d_X509(inter2, &d2[1]);
		d2[0] = der;
		l2s[0] = (size_t)dl;
		l2s[1] = (size_t)il;
		expect("tampered signature", cp_x509_verify(v, (const uint8_t *const *)d2, l2s, 2, 0, NULL),
		       FTLS_ERR_BAD_CERTIFICATE);
		OPENSSL_free(d2[1]);
		X509_free(t);
	}
	der[dl - 5] ^= 0x40;
	len[0] = (size_t)dl - 1;
	expect("truncated DER", cp_x509_verify(v, p, len, 1, 0, NULL), FTLS_ERR_BAD_CERTIFICATE);
	p[0] = junk;
	len[0] = sizeof(junk);
	expect("garbage", cp_x509_verify(v, p, len, 1, 0, NULL), FTLS_ERR_BAD_CERTIFICATE);
	expect("empty chain", cp_x509_verify(v, p, len, 0, 0, NULL), FTLS_ERR_CERTIFICATE_REQUIRED);
	expect("eleven certificates", cp_x509_verify(v, p, len, 11, 0, NULL), FTLS_ERR_BAD_CERTIFICATE);
	OPENSSL_free(der);
	{
		/* Trailing byte after a whole certificate. */
		uint8_t *d = NULL, *big;
		int n = i2d_X509(l2, &d);

		big = malloc((size_t)n + 1);
		assert_non_null(big);
		memcpy(big, d, (size_t)n);
		big[n] = 0;
		p[0] = big;
		len[0] = (size_t)n + 1;
		expect("trailing byte after the DER", cp_x509_verify(v, p, len, 1, 0, NULL),
		       FTLS_ERR_BAD_CERTIFICATE);
		free(big);
		OPENSSL_free(d);
	}
	X509_free(under_sub);
	X509_free(l2);
	X509_free(sub2);
	X509_free(l3);
	cp_x509_verifier_destroy(v);
	cp_x509_verifier_destroy(shallow);
}

static void test_ca_names_and_config(void **state)
{
	struct cp_x509_conf conf = { .ca_file = ca2_path };
	struct cp_x509_verifier *v = NULL;
	uint8_t mem[1024], small[20];
	struct ftls_buf w, r, list, dn;
	X509 *const want[2] = { root, other_root };
	int i = 0;

	(void)state;
	assert_int_equal(cp_x509_verifier_create(&conf, &v), FTLS_OK);
	ftls_buf_init(&w, mem, sizeof(mem));
	assert_int_equal(cp_x509_ca_names(v, &w), FTLS_OK);
	ftls_buf_init_ro(&r, mem, w.len);
	assert_int_equal(ftls_buf_get_vec16(&r, &list), FTLS_OK);
	assert_int_equal(ftls_buf_end(&r), FTLS_OK);
	while (ftls_buf_remaining(&list)) {
		const unsigned char *q;
		X509_NAME *name;

		assert_int_equal(ftls_buf_get_vec(&list, 2, 1, 0xffff, &dn), FTLS_OK);
		q = dn.base;
		name = d2i_X509_NAME(NULL, &q, (long)dn.len);
		assert_non_null(name);
		assert_true(q == dn.base + dn.len);
		assert_int_equal(X509_NAME_cmp(name, X509_get_subject_name(want[i])), 0);
		X509_NAME_free(name);
		i++;
	}
	assert_int_equal(i, 2);
	/* No room: FULL, nothing written. */
	ftls_buf_init(&w, small, sizeof(small));
	assert_int_equal(cp_x509_ca_names(v, &w), FTLS_ERR_FULL);
	assert_int_equal(w.len, 0);
	cp_x509_verifier_destroy(v);

	/* Bad configuration. */
	conf.ca_file = "/nonexistent/ca.pem";
	assert_int_equal(cp_x509_verifier_create(&conf, &v), FTLS_ERR_CONFIG);
	conf.ca_file = crl_path; /* holds no certificate */
	assert_int_equal(cp_x509_verifier_create(&conf, &v), FTLS_ERR_CONFIG);
	conf.ca_file = ca_path;
	conf.crl_file = ca_path; /* holds no CRL */
	assert_int_equal(cp_x509_verifier_create(&conf, &v), FTLS_ERR_CONFIG);
	conf.crl_file = NULL;
	conf.ca_file = NULL;
	assert_int_equal(cp_x509_verifier_create(&conf, &v), FTLS_ERR_INVAL);
	cp_x509_verifier_destroy(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_chains_and_identity),
		cmocka_unit_test(test_unknown_ca),
		cmocka_unit_test(test_validity),
		cmocka_unit_test(test_revocation),
		cmocka_unit_test(test_usage_and_keys),
		cmocka_unit_test(test_paths_and_encoding),
		cmocka_unit_test(test_ca_names_and_config),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
