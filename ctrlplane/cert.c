/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate sets: loading PEM chains and keys with libcrypto, the key policy (RSA 2048-4096,
 * ECDSA P-256/P-384, Ed25519), the key/certificate match check, the pre-encoded TLS 1.3
 * Certificate body, and SNI lookup (exact, then one-label wildcard, then the default). See cert.h.
 */
#include "ctrlplane/cert.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/objects.h>
#include <openssl/pem.h>

#include "common/buf.h"
#include "common/tls.h"

/* CertificateVerify schemes per key type, our preference first (RFC 8446 §4.2.3). */
static const uint16_t rsa_schemes[] = { FTLS_SIG_RSA_PSS_RSAE_SHA256, FTLS_SIG_RSA_PSS_RSAE_SHA384,
					FTLS_SIG_RSA_PSS_RSAE_SHA512 };
static const uint16_t p256_schemes[] = { FTLS_SIG_ECDSA_SECP256R1_SHA256 };
static const uint16_t p384_schemes[] = { FTLS_SIG_ECDSA_SECP384R1_SHA384 };
static const uint16_t ed25519_schemes[] = { FTLS_SIG_ED25519 };

static const struct {
	enum cp_key_type type;
	const uint16_t *schemes;
	size_t n;
} key_schemes[] = {
	{ CP_KEY_RSA, rsa_schemes, 3 },
	{ CP_KEY_EC_P256, p256_schemes, 1 },
	{ CP_KEY_EC_P384, p384_schemes, 1 },
	{ CP_KEY_ED25519, ed25519_schemes, 1 },
};

size_t cp_key_schemes(enum cp_key_type t, const uint16_t **schemes)
{
	for (size_t i = 0; i < sizeof(key_schemes) / sizeof(key_schemes[0]); i++)
		if (key_schemes[i].type == t) {
			*schemes = key_schemes[i].schemes;
			return key_schemes[i].n;
		}
	*schemes = NULL;
	return 0;
}

static int key_type_of(EVP_PKEY *key, int *bits)
{
	char group[32];
	size_t glen = 0;

	*bits = EVP_PKEY_get_bits(key);
	if (EVP_PKEY_is_a(key, "RSA"))
		return CP_KEY_RSA;
	if (EVP_PKEY_is_a(key, "ED25519"))
		return CP_KEY_ED25519;
	if (EVP_PKEY_is_a(key, "EC") &&
	    EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					   &glen) == 1) {
		if (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0)
			return CP_KEY_EC_P256;
		if (strcmp(group, "secp384r1") == 0 || strcmp(group, "P-384") == 0)
			return CP_KEY_EC_P384;
	}
	return 0;
}

/* The TLS SignatureScheme of a certificate's own signature, for signature_algorithms_cert. */
static uint16_t cert_sig_scheme(X509 *x)
{
	static const struct {
		int pk, md;
		uint16_t scheme;
	} map[] = {
		{ NID_rsaEncryption, NID_sha256, FTLS_SIG_RSA_PKCS1_SHA256 },
		{ NID_rsaEncryption, NID_sha384, FTLS_SIG_RSA_PKCS1_SHA384 },
		{ NID_rsaEncryption, NID_sha512, FTLS_SIG_RSA_PKCS1_SHA512 },
		{ NID_rsaEncryption, NID_sha1, FTLS_SIG_RSA_PKCS1_SHA1 },
		{ NID_rsassaPss, NID_sha256, FTLS_SIG_RSA_PSS_RSAE_SHA256 },
		{ NID_rsassaPss, NID_sha384, FTLS_SIG_RSA_PSS_RSAE_SHA384 },
		{ NID_rsassaPss, NID_sha512, FTLS_SIG_RSA_PSS_RSAE_SHA512 },
		{ NID_X9_62_id_ecPublicKey, NID_sha256, FTLS_SIG_ECDSA_SECP256R1_SHA256 },
		{ NID_X9_62_id_ecPublicKey, NID_sha384, FTLS_SIG_ECDSA_SECP384R1_SHA384 },
		{ NID_X9_62_id_ecPublicKey, NID_sha512, FTLS_SIG_ECDSA_SECP521R1_SHA512 },
		{ NID_ED25519, NID_undef, FTLS_SIG_ED25519 },
	};
	int md = NID_undef, pk = NID_undef;

	if (!X509_get_signature_info(x, &md, &pk, NULL, NULL))
		return 0;
	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (map[i].pk == pk && map[i].md == md)
			return map[i].scheme;
	return 0;
}

static enum ftls_err encode_chain(struct cp_chain *ch)
{
	size_t total = 1 + 3;
	int n = sk_X509_num(ch->certs);
	struct ftls_buf b;
	struct ftls_buf_mark list;
	enum ftls_err err;

	for (int i = 0; i < n; i++) {
		int l = i2d_X509(sk_X509_value(ch->certs, i), NULL);
		if (l <= 0)
			return FTLS_ERR_CONFIG;
		total += 3 + (size_t)l + 2;
	}
	if (total > 0xffffff)
		return FTLS_ERR_CONFIG;
	if (!(ch->cert_msg = malloc(total)))
		return FTLS_ERR_NOMEM;
	ftls_buf_init(&b, ch->cert_msg, total);
	if ((err = ftls_buf_put_u8(&b, 0)) ||   /* certificate_request_context: empty */
	    (err = ftls_buf_vec_open(&b, 3, &list)))
		return err;
	for (int i = 0; i < n; i++) {
		X509 *x = sk_X509_value(ch->certs, i);
		int l = i2d_X509(x, NULL);
		uint8_t *p;
		if ((err = ftls_buf_put_u24(&b, (uint32_t)l)) ||
		    (err = ftls_buf_reserve(&b, (size_t)l, &p)))
			return err;
		if (i2d_X509(x, &p) != l)
			return FTLS_ERR_CONFIG;
		if ((err = ftls_buf_put_u16(&b, 0)))   /* no per-certificate extensions */
			return err;
	}
	if ((err = ftls_buf_vec_close(&b, &list)))
		return err;
	ch->cert_msg_len = ftls_buf_len(&b);
	return FTLS_OK;
}

struct cp_cert_set *cp_certs_new_set(struct cp_certs *c)
{
	if (c->nb_sets == CP_MAX_SETS)
		return NULL;
	struct cp_cert_set *s = &c->sets[c->nb_sets++];
	memset(s, 0, sizeof(*s));
	return s;
}

enum ftls_err cp_certs_add_name(struct cp_cert_set *set, const char *name)
{
	size_t n = strlen(name);
	if (set->nb_names == CP_MAX_NAMES || n == 0 || n > 255)
		return FTLS_ERR_CONFIG;
	char *s = malloc(n + 1);
	if (!s)
		return FTLS_ERR_NOMEM;
	for (size_t i = 0; i <= n; i++)
		s[i] = (char)tolower((unsigned char)name[i]);
	set->names[set->nb_names++] = s;
	return FTLS_OK;
}

enum ftls_err cp_certs_add_chain(struct cp_certs *c, struct cp_cert_set *set, EVP_PKEY *key,
				 STACK_OF(X509) *certs)
{
	struct cp_chain *ch;
	int bits;
	enum ftls_err err;

	if (set->nb_chains == CP_MAX_CHAINS || sk_X509_num(certs) < 1)
		return FTLS_ERR_CONFIG;
	ch = &set->chains[set->nb_chains];
	memset(ch, 0, sizeof(*ch));
	if (!(ch->key_type = key_type_of(key, &bits)))
		return FTLS_ERR_CONFIG;
	if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, 0)), key) != 1)
		return FTLS_ERR_CONFIG;
	ch->certs = certs;
	if ((err = encode_chain(ch))) {
		free(ch->cert_msg);
		ch->cert_msg = NULL;
		ch->certs = NULL;
		return err;
	}
	ch->key = key;
	ch->cert_sig = cert_sig_scheme(sk_X509_value(certs, 0));
	if (ch->cert_msg_len > c->max_cert_msg)
		c->max_cert_msg = ch->cert_msg_len;
	set->nb_chains++;
	return FTLS_OK;
}

static void ossl_reason(char *buf, size_t len)
{
	unsigned long e = ERR_peek_last_error();
	if (e)
		ERR_error_string_n(e, buf, len);
	else
		snprintf(buf, len, "no PEM data");
	ERR_clear_error();
}

enum ftls_err cp_certs_load_chain(struct cp_certs *c, struct cp_cert_set *set,
				  const char *cert_file, const char *key_file, char *msg, size_t mlen)
{
	STACK_OF(X509) *certs = sk_X509_new_null();
	EVP_PKEY *key = NULL;
	X509 *x;
	FILE *f;
	char why[160];
	int bits, type;
	enum ftls_err err = FTLS_ERR_CONFIG;

	if (!certs)
		return FTLS_ERR_NOMEM;
	if (!(f = fopen(cert_file, "r"))) {
		snprintf(msg, mlen, "%s: cannot open certificate file", cert_file);
		goto fail;
	}
	while ((x = PEM_read_X509(f, NULL, NULL, NULL)))
		if (!sk_X509_push(certs, x)) {
			X509_free(x);
			break;
		}
	ERR_clear_error();   /* the loop ends on "no start line" */
	fclose(f);
	if (sk_X509_num(certs) == 0) {
		snprintf(msg, mlen, "%s: no PEM certificate in file", cert_file);
		goto fail;
	}
	if (!(f = fopen(key_file, "r"))) {
		snprintf(msg, mlen, "%s: cannot open key file", key_file);
		goto fail;
	}
	key = PEM_read_PrivateKey(f, NULL, NULL, NULL);
	fclose(f);
	if (!key) {
		ossl_reason(why, sizeof(why));
		snprintf(msg, mlen, "%s: cannot read private key (%s)", key_file, why);
		goto fail;
	}
	type = key_type_of(key, &bits);
	if (!type) {
		snprintf(msg, mlen, "%s: unsupported key type (RSA, ECDSA P-256/P-384, Ed25519)",
			 key_file);
		goto fail;
	}
	if (type == CP_KEY_RSA && (bits < 2048 || bits > 4096)) {
		snprintf(msg, mlen, "%s: RSA key of %d bits (2048..4096 allowed)", key_file, bits);
		goto fail;
	}
	if (EVP_PKEY_eq(X509_get0_pubkey(sk_X509_value(certs, 0)), key) != 1) {
		ERR_clear_error();
		snprintf(msg, mlen, "%s: private key does not match certificate %s", key_file,
			 cert_file);
		goto fail;
	}
	if ((err = cp_certs_add_chain(c, set, key, certs))) {
		snprintf(msg, mlen, "%s: cannot use this chain (%s)", cert_file, ftls_err_str(err));
		goto fail;
	}
	set->chains[set->nb_chains - 1].cert_file = strdup(cert_file);
	set->chains[set->nb_chains - 1].key_file = strdup(key_file);
	return FTLS_OK;
fail:
	EVP_PKEY_free(key);
	sk_X509_pop_free(certs, X509_free);
	return err == FTLS_OK ? FTLS_ERR_CONFIG : err;
}

static bool name_eq(const char *pat, const uint8_t *name, size_t len)
{
	if (strlen(pat) != len)
		return false;
	for (size_t i = 0; i < len; i++)
		if (pat[i] != tolower(name[i]))
			return false;
	return true;
}

const struct cp_cert_set *cp_certs_lookup(const struct cp_certs *c, const uint8_t *name, size_t len,
					  bool *matched)
{
	*matched = false;
	if (name && len) {
		for (unsigned s = 0; s < c->nb_sets; s++)
			for (unsigned i = 0; i < c->sets[s].nb_names; i++)
				if (name_eq(c->sets[s].names[i], name, len)) {
					*matched = true;
					return &c->sets[s];
				}
		/* "*.example.com" matches exactly one leftmost label (RFC 6125 §6.4.3). */
		const uint8_t *dot = memchr(name, '.', len);
		if (dot && dot != name) {
			size_t rest = len - (size_t)(dot - name);
			for (unsigned s = 0; s < c->nb_sets; s++)
				for (unsigned i = 0; i < c->sets[s].nb_names; i++) {
					const char *p = c->sets[s].names[i];
					if (p[0] == '*' && p[1] == '.' &&
					    name_eq(p + 1, dot, rest)) {
						*matched = true;
						return &c->sets[s];
					}
				}
		}
	}
	if (c->default_set >= 0 && (unsigned)c->default_set < c->nb_sets)
		return &c->sets[c->default_set];
	return NULL;
}

void cp_certs_free(struct cp_certs *c)
{
	for (unsigned s = 0; s < c->nb_sets; s++) {
		struct cp_cert_set *set = &c->sets[s];
		for (unsigned i = 0; i < set->nb_names; i++)
			free(set->names[i]);
		for (unsigned i = 0; i < set->nb_chains; i++) {
			EVP_PKEY_free(set->chains[i].key);
			sk_X509_pop_free(set->chains[i].certs, X509_free);
			free(set->chains[i].cert_msg);
			free(set->chains[i].cert_file);
			free(set->chains[i].key_file);
		}
	}
	c->nb_sets = 0;
}
