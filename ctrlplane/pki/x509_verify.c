/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client certificate chain verification on libcrypto's X509_verify_cert (see x509_verify.h for
 * the policy and the error mapping). The store is built once from the bundle (kept in bundle
 * order for certificate_authorities) and the CRL file; each verification makes its own
 * X509_STORE_CTX, so one verifier serves any number of handshakes.
 */
#include "ctrlplane/pki/x509_verify.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/obj_mac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/log.h"

struct cp_x509_verifier {
	X509_STORE *store;
	STACK_OF(X509) *cas;       /* the bundle, in file order */
	int max_depth;
};

/* X509_V_ERR_* -> our error; anything not listed is bad_certificate. */
static const struct {
	int x509;
	enum ftls_err err;
} err_map[] = {
	{ X509_V_ERR_CERT_HAS_EXPIRED, FTLS_ERR_CERTIFICATE_EXPIRED },
	{ X509_V_ERR_CERT_NOT_YET_VALID, FTLS_ERR_CERTIFICATE_EXPIRED },
	{ X509_V_ERR_CERT_REVOKED, FTLS_ERR_CERTIFICATE_REVOKED },
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT, FTLS_ERR_UNKNOWN_CA },
	{ X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, FTLS_ERR_UNKNOWN_CA },
	{ X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE, FTLS_ERR_UNKNOWN_CA },
	{ X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT, FTLS_ERR_UNKNOWN_CA },
	{ X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, FTLS_ERR_UNKNOWN_CA },
	{ X509_V_ERR_CERT_UNTRUSTED, FTLS_ERR_UNKNOWN_CA },
	{ X509_V_ERR_INVALID_PURPOSE, FTLS_ERR_UNSUPPORTED_CERTIFICATE },
	{ X509_V_ERR_KEYUSAGE_NO_DIGITAL_SIGNATURE, FTLS_ERR_UNSUPPORTED_CERTIFICATE },
	{ X509_V_ERR_EE_KEY_TOO_SMALL, FTLS_ERR_UNSUPPORTED_CERTIFICATE },
};

static enum ftls_err map_error(int x509_err)
{
	for (size_t i = 0; i < sizeof(err_map) / sizeof(err_map[0]); i++)
		if (err_map[i].x509 == x509_err)
			return err_map[i].err;
	return FTLS_ERR_BAD_CERTIFICATE;
}

const char *cp_x509_san_type_name(int type)
{
	static const char *const names[] = { [CP_SAN_DNS] = "DNS", [CP_SAN_EMAIL] = "email",
					     [CP_SAN_URI] = "URI" };

	return type >= CP_SAN_DNS && type <= CP_SAN_URI ? names[type] : "unknown";
}

void cp_x509_verifier_destroy(struct cp_x509_verifier *v)
{
	if (!v)
		return;
	X509_STORE_free(v->store);
	sk_X509_pop_free(v->cas, X509_free);
	free(v);
}

/* Every PEM certificate of ca_file into the store and v->cas; how many, or -1. */
static int load_cas(struct cp_x509_verifier *v, const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509 *x;
	int n = 0;

	if (!b)
		return -1;
	while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)) != NULL) {
		if (X509_STORE_add_cert(v->store, x) != 1 || !sk_X509_push(v->cas, x)) {
			X509_free(x);
			BIO_free(b);
			return -1;
		}
		n++;
	}
	BIO_free(b);
	ERR_clear_error(); /* the end of the file */
	return n;
}

static int load_crls(struct cp_x509_verifier *v, const char *path)
{
	BIO *b = BIO_new_file(path, "r");
	X509_CRL *c;
	int n = 0;

	if (!b)
		return -1;
	while ((c = PEM_read_bio_X509_CRL(b, NULL, NULL, NULL)) != NULL) {
		int ok = X509_STORE_add_crl(v->store, c);

		X509_CRL_free(c);
		if (ok != 1) {
			BIO_free(b);
			return -1;
		}
		n++;
	}
	BIO_free(b);
	ERR_clear_error();
	return n;
}

enum ftls_err cp_x509_verifier_create(const struct cp_x509_conf *conf, struct cp_x509_verifier **out)
{
	struct cp_x509_verifier *v;
	unsigned long flags = 0;

	if (!conf || !out || !conf->ca_file || conf->max_depth < 0 || conf->max_depth > CP_X509_CHAIN_MAX)
		return FTLS_ERR_INVAL;
	v = calloc(1, sizeof(*v));
	if (!v)
		return FTLS_ERR_NOMEM;
	v->store = X509_STORE_new();
	v->cas = sk_X509_new_null();
	v->max_depth = conf->max_depth ? conf->max_depth : 4;
	if (!v->store || !v->cas) {
		cp_x509_verifier_destroy(v);
		return FTLS_ERR_NOMEM;
	}
	if (load_cas(v, conf->ca_file) <= 0) {
		LOG_ERR("pki", "client CA bundle %s: no certificate loaded", conf->ca_file);
		cp_x509_verifier_destroy(v);
		return FTLS_ERR_CONFIG;
	}
	if (conf->crl_file) {
		if (load_crls(v, conf->crl_file) <= 0) {
			LOG_ERR("pki", "CRL file %s: no CRL loaded", conf->crl_file);
			cp_x509_verifier_destroy(v);
			return FTLS_ERR_CONFIG;
		}
		flags |= X509_V_FLAG_CRL_CHECK;
		if (conf->crl_check_all)
			flags |= X509_V_FLAG_CRL_CHECK_ALL;
	}
	if (flags && X509_STORE_set_flags(v->store, flags) != 1) {
		cp_x509_verifier_destroy(v);
		return FTLS_ERR_INTERNAL;
	}
	*out = v;
	return FTLS_OK;
}

/* Copies s[0..n) into dst (cap bytes, NUL-terminated), printable ASCII only: others become '?'. */
static void copy_printable(char *dst, size_t cap, const char *s, size_t n)
{
	size_t i;

	if (!cap)
		return;
	for (i = 0; i < n && i + 1 < cap; i++)
		dst[i] = s[i] >= 0x20 && s[i] < 0x7f ? s[i] : '?';
	dst[i] = 0;
}

static void name_line(const X509_NAME *name, char *dst, size_t cap)
{
	BIO *b = BIO_new(BIO_s_mem());
	char *p = NULL;
	long n;

	dst[0] = 0;
	if (!b)
		return;
	if (X509_NAME_print_ex(b, name, 0, XN_FLAG_RFC2253) >= 0) {
		n = BIO_get_mem_data(b, &p);
		if (n > 0 && p)
			copy_printable(dst, cap, p, (size_t)n);
	}
	BIO_free(b);
}

static void fill_identity(X509 *leaf, int depth, struct cp_x509_identity *id)
{
	GENERAL_NAMES *gens;
	BIGNUM *bn;

	memset(id, 0, sizeof(*id));
	id->depth = depth;
	name_line(X509_get_subject_name(leaf), id->subject, sizeof(id->subject));
	name_line(X509_get_issuer_name(leaf), id->issuer, sizeof(id->issuer));
	bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(leaf), NULL);
	if (bn) {
		char *hex = BN_bn2hex(bn);

		if (hex)
			copy_printable(id->serial, sizeof(id->serial), hex, strlen(hex));
		OPENSSL_free(hex);
		BN_free(bn);
	}
	gens = X509_get_ext_d2i(leaf, NID_subject_alt_name, NULL, NULL);
	for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens) && id->nb_san < CP_X509_SAN_MAX; i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const ASN1_IA5STRING *s;
		uint8_t type;

		switch (g->type) {
		case GEN_DNS: type = CP_SAN_DNS; s = g->d.dNSName; break;
		case GEN_EMAIL: type = CP_SAN_EMAIL; s = g->d.rfc822Name; break;
		case GEN_URI: type = CP_SAN_URI; s = g->d.uniformResourceIdentifier; break;
		default: continue;
		}
		id->san[id->nb_san].type = type;
		copy_printable(id->san[id->nb_san].value, CP_X509_SAN_LEN,
			       (const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
		id->nb_san++;
	}
	GENERAL_NAMES_free(gens);
}

/* Leaf keys we accept: RSA >= 2048 bits, ECDSA on P-256 / P-384, Ed25519. */
static bool key_acceptable(EVP_PKEY *pk)
{
	char group[32];
	size_t gl = 0;

	if (!pk)
		return false;
	switch (EVP_PKEY_get_base_id(pk)) {
	case EVP_PKEY_RSA:
		return EVP_PKEY_get_bits(pk) >= 2048;
	case EVP_PKEY_EC:
		if (EVP_PKEY_get_group_name(pk, group, sizeof(group), &gl) != 1)
			return false;
		return !strcmp(group, "prime256v1") || !strcmp(group, "P-256") ||
		       !strcmp(group, "secp384r1") || !strcmp(group, "P-384");
	case EVP_PKEY_ED25519:
		return true;
	default:
		return false;
	}
}

enum ftls_err cp_x509_verify(const struct cp_x509_verifier *v, const uint8_t *const *der,
			     const size_t *der_len, size_t n, time_t at, struct cp_x509_identity *id)
{
	X509 *certs[CP_X509_CHAIN_MAX] = { 0 };
	STACK_OF(X509) *untrusted = NULL;
	X509_STORE_CTX *ctx = NULL;
	X509_VERIFY_PARAM *param;
	enum ftls_err e = FTLS_OK;
	int rc;

	if (!v || (n && (!der || !der_len)))
		return FTLS_ERR_INVAL;
	if (n == 0)
		return FTLS_ERR_CERTIFICATE_REQUIRED;
	if (n > CP_X509_CHAIN_MAX)
		return FTLS_ERR_BAD_CERTIFICATE;
	for (size_t i = 0; i < n; i++) {
		const uint8_t *p = der[i];

		/* Each entry must be exactly one certificate: no trailing bytes. */
		if (!p || !der_len[i] || der_len[i] > LONG_MAX ||
		    !(certs[i] = d2i_X509(NULL, &p, (long)der_len[i])) || p != der[i] + der_len[i]) {
			e = FTLS_ERR_BAD_CERTIFICATE;
			goto out;
		}
	}
	untrusted = sk_X509_new_null();
	ctx = X509_STORE_CTX_new();
	if (!untrusted || !ctx) {
		e = FTLS_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 1; i < n; i++)
		if (!sk_X509_push(untrusted, certs[i])) {
			e = FTLS_ERR_NOMEM;
			goto out;
		}
	if (X509_STORE_CTX_init(ctx, v->store, certs[0], untrusted) != 1 ||
	    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SSL_CLIENT) != 1 ||
	    X509_STORE_CTX_set_trust(ctx, X509_TRUST_SSL_CLIENT) != 1) {
		e = FTLS_ERR_INTERNAL;
		goto out;
	}
	param = X509_STORE_CTX_get0_param(ctx);
	X509_VERIFY_PARAM_set_depth(param, v->max_depth);
	if (at)
		X509_VERIFY_PARAM_set_time(param, at);
	rc = X509_verify_cert(ctx);
	if (rc != 1) {
		int xe = X509_STORE_CTX_get_error(ctx);

		e = map_error(xe);
		LOG_INFO("pki", "client certificate refused at depth %d: %s",
			 X509_STORE_CTX_get_error_depth(ctx), X509_verify_cert_error_string(xe));
		goto out;
	}
	if (!key_acceptable(X509_get0_pubkey(certs[0]))) {
		LOG_INFO("pki", "client certificate key type or size not accepted");
		e = FTLS_ERR_UNSUPPORTED_CERTIFICATE;
		goto out;
	}
	if (id)
		fill_identity(certs[0], sk_X509_num(X509_STORE_CTX_get0_chain(ctx)), id);
out:
	ERR_clear_error();
	X509_STORE_CTX_free(ctx);
	sk_X509_free(untrusted);
	for (size_t i = 0; i < n && i < CP_X509_CHAIN_MAX; i++)
		X509_free(certs[i]);
	return e;
}

enum ftls_err cp_x509_leaf_pubkey(const uint8_t *der, size_t der_len, EVP_PKEY **key)
{
	const uint8_t *p = der;
	X509 *x;

	if (!der || !key)
		return FTLS_ERR_INVAL;
	*key = NULL;
	if (!der_len || der_len > LONG_MAX)
		return FTLS_ERR_BAD_CERTIFICATE;
	x = d2i_X509(NULL, &p, (long)der_len);
	if (x && p == der + der_len)
		*key = X509_get_pubkey(x);
	X509_free(x);
	ERR_clear_error();
	return *key ? FTLS_OK : FTLS_ERR_BAD_CERTIFICATE;
}

enum ftls_err cp_x509_ca_names(const struct cp_x509_verifier *v, struct ftls_buf *out)
{
	struct ftls_buf save;
	struct ftls_buf_mark m;
	enum ftls_err e;

	if (!v || !out)
		return FTLS_ERR_INVAL;
	save = *out;
	if ((e = ftls_buf_vec_open(out, 2, &m)))
		return e;
	for (int i = 0; i < sk_X509_num(v->cas); i++) {
		unsigned char *dn = NULL;
		int len = i2d_X509_NAME(X509_get_subject_name(sk_X509_value(v->cas, i)), &dn);

		if (len <= 0) {
			*out = save;
			return FTLS_ERR_INTERNAL;
		}
		e = ftls_buf_put_vec(out, 2, dn, (size_t)len);
		OPENSSL_free(dn);
		if (e) {
			*out = save;
			return e;
		}
	}
	if ((e = ftls_buf_vec_close(out, &m)))
		*out = save;
	return e;
}
