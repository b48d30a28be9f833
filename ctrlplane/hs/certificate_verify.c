/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CertificateVerify (RFC 8446 §4.4.3): the signed content, signing with the chain's key under the
 * scheme chosen from the client's signature_algorithms (also TLS 1.2's ServerKeyExchange, which
 * adds the PKCS#1 v1.5 schemes), and verification (the client's TLS 1.3 CertificateVerify in
 * client_auth.c, and tests checking our randomized RSA-PSS signatures). Signature schemes are a
 * table: scheme -> digest, padding. Signatures come from libcrypto.
 */
#include <string.h>

#include <openssl/rsa.h>

#include "ctrlplane/hs/hs_int.h"

static const struct {
	uint16_t scheme;
	int hash;          /* 0: the scheme hashes itself (Ed25519) */
	bool pss;
} schemes[] = {
	{ FTLS_SIG_RSA_PSS_RSAE_SHA256, FTLS_HASH_SHA256, true },
	{ FTLS_SIG_RSA_PSS_RSAE_SHA384, FTLS_HASH_SHA384, true },
	{ FTLS_SIG_RSA_PSS_RSAE_SHA512, 3, true },
	{ FTLS_SIG_ECDSA_SECP256R1_SHA256, FTLS_HASH_SHA256, false },
	{ FTLS_SIG_ECDSA_SECP384R1_SHA384, FTLS_HASH_SHA384, false },
	{ FTLS_SIG_ED25519, 0, false },
	/* TLS 1.2 only (ServerKeyExchange, client CertificateVerify): PKCS#1 v1.5. */
	{ FTLS_SIG_RSA_PKCS1_SHA256, FTLS_HASH_SHA256, false },
	{ FTLS_SIG_RSA_PKCS1_SHA384, FTLS_HASH_SHA384, false },
	{ FTLS_SIG_RSA_PKCS1_SHA512, 3, false },
};

static const EVP_MD *scheme_md(int hash)
{
	return hash == 3 ? EVP_sha512() : hash ? cp_ks_md(hash) : NULL;
}

static int find_scheme(uint16_t scheme)
{
	for (int i = 0; i < (int)(sizeof(schemes) / sizeof(schemes[0])); i++)
		if (schemes[i].scheme == scheme)
			return i;
	return -1;
}

size_t cp_cv_content(bool server, const uint8_t *hash, size_t hlen, uint8_t *out)
{
	static const char srv[] = "TLS 1.3, server CertificateVerify";
	static const char cli[] = "TLS 1.3, client CertificateVerify";
	const char *ctx = server ? srv : cli;
	size_t n = sizeof(srv);   /* includes the 0 separator */

	memset(out, 0x20, 64);
	memcpy(out + 64, ctx, n);
	memcpy(out + 64 + n, hash, hlen);
	return 64 + n + hlen;
}

static enum ftls_err init_ctx(EVP_MD_CTX *c, EVP_PKEY *key, uint16_t scheme, bool sign)
{
	EVP_PKEY_CTX *pctx = NULL;
	int i = find_scheme(scheme);

	if (i < 0)
		return FTLS_ERR_ILLEGAL_PARAMETER;
	const EVP_MD *md = scheme_md(schemes[i].hash);
	int ok = sign ? EVP_DigestSignInit(c, &pctx, md, NULL, key)
		      : EVP_DigestVerifyInit(c, &pctx, md, NULL, key);
	if (ok != 1)
		return FTLS_ERR_INTERNAL;
	if (schemes[i].pss &&
	    (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
	     EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
	     EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, md) != 1))
		return FTLS_ERR_INTERNAL;
	return FTLS_OK;
}

enum ftls_err cp_cv_sign(EVP_PKEY *key, uint16_t scheme, const uint8_t *content, size_t clen,
			 uint8_t *sig, size_t cap, size_t *sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	enum ftls_err err;

	if (!c)
		return FTLS_ERR_NOMEM;
	*sig_len = cap;
	if (!(err = init_ctx(c, key, scheme, true)) &&
	    EVP_DigestSign(c, sig, sig_len, content, clen) != 1)
		err = FTLS_ERR_INTERNAL;
	EVP_MD_CTX_free(c);
	return err;
}

enum ftls_err cp_cv_verify(EVP_PKEY *key, uint16_t scheme, const uint8_t *content, size_t clen,
			   const uint8_t *sig, size_t sig_len)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	enum ftls_err err;

	if (!c)
		return FTLS_ERR_NOMEM;
	if (!(err = init_ctx(c, key, scheme, false)) &&
	    EVP_DigestVerify(c, sig, sig_len, content, clen) != 1)
		err = FTLS_ERR_DECRYPT_ERROR;
	EVP_MD_CTX_free(c);
	return err;
}

enum ftls_err cp_cv_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t hash[CP_HASH_MAX], content[64 + 34 + CP_HASH_MAX];
	struct ftls_buf b;
	struct ftls_buf_mark m;
	uint8_t *sig;
	size_t clen, sig_len, room;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((err = cp_tr_hash(&hs->tr, hash)))
		return err;
	clen = cp_cv_content(true, hash, hs->hlen, content);
	if ((err = cp_msg_begin(hs, FTLS_HS_CERTIFICATE_VERIFY, &b)) ||
	    (err = ftls_buf_put_u16(&b, hs->sig_scheme)) || (err = ftls_buf_vec_open(&b, 2, &m)))
		return err;
	room = ftls_buf_space(&b);
	if (room > 1024)
		room = 1024;   /* RSA-8192 at most; keeps the reserve below the buffer */
	if ((err = ftls_buf_reserve(&b, room, &sig)))
		return err;
	if ((err = cp_cv_sign(hs->chain->key, hs->sig_scheme, content, clen, sig, room, &sig_len)))
		return err;
	b.len -= room - sig_len;   /* give back what the signature did not use */
	if ((err = ftls_buf_vec_close(&b, &m)))
		return err;
	return cp_msg_end(hs, &b);
}
