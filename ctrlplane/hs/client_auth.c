/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client authentication (mTLS) in both versions: our CertificateRequest (RFC 8446 §4.3.2 with
 * signature_algorithms and certificate_authorities; RFC 5246 §7.4.4 with certificate types, the
 * schemes of the suite's hash and the CA names), the client's Certificate (chain verified against
 * the listener's CA bundle by ctrlplane/pki/x509_verify.h; empty: certificate_required in 1.3,
 * handshake_failure in 1.2 when required, else the handshake goes on unauthenticated) and its
 * CertificateVerify (signature over the 1.3 content, or over the 1.2 handshake messages, which
 * is checked against the transcript digest: the schemes we offer in 1.2 all use the suite's hash).
 * A failed signature is decrypt_error. The verified identity stays with the connection.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rsa.h>

#include "ctrlplane/hs/hs_int.h"
#include "ctrlplane/pki/x509_verify.h"

/* Schemes we accept in a client's CertificateVerify, best first. */
static const uint16_t schemes13[] = {
	FTLS_SIG_ECDSA_SECP256R1_SHA256, FTLS_SIG_ECDSA_SECP384R1_SHA384,
	FTLS_SIG_RSA_PSS_RSAE_SHA256,    FTLS_SIG_RSA_PSS_RSAE_SHA384,
	FTLS_SIG_RSA_PSS_RSAE_SHA512,    FTLS_SIG_ED25519,
};
static const uint16_t schemes12_sha256[] = {
	FTLS_SIG_ECDSA_SECP256R1_SHA256, FTLS_SIG_RSA_PSS_RSAE_SHA256, FTLS_SIG_RSA_PKCS1_SHA256,
};
static const uint16_t schemes12_sha384[] = {
	FTLS_SIG_ECDSA_SECP384R1_SHA384, FTLS_SIG_RSA_PSS_RSAE_SHA384, FTLS_SIG_RSA_PKCS1_SHA384,
};

/* A scheme: key family, and for 1.3 the curve (RFC 8446 §4.2.3 binds it). */
static const struct {
	uint16_t scheme;
	const char *key;      /* EVP_PKEY_is_a name */
	const char *curve;    /* 1.3 only; NULL: any */
	bool pss;
} scheme_keys[] = {
	{ FTLS_SIG_ECDSA_SECP256R1_SHA256, "EC", "prime256v1", false },
	{ FTLS_SIG_ECDSA_SECP384R1_SHA384, "EC", "secp384r1", false },
	{ FTLS_SIG_RSA_PSS_RSAE_SHA256, "RSA", NULL, true },
	{ FTLS_SIG_RSA_PSS_RSAE_SHA384, "RSA", NULL, true },
	{ FTLS_SIG_RSA_PSS_RSAE_SHA512, "RSA", NULL, true },
	{ FTLS_SIG_RSA_PKCS1_SHA256, "RSA", NULL, false },
	{ FTLS_SIG_RSA_PKCS1_SHA384, "RSA", NULL, false },
	{ FTLS_SIG_ED25519, "ED25519", NULL, false },
};

static size_t offered(const struct cp_hs *hs, const uint16_t **s)
{
	if (hs->version == FTLS_V_TLS13) {
		*s = schemes13;
		return sizeof(schemes13) / sizeof(schemes13[0]);
	}
	*s = hs->suite->hash == FTLS_HASH_SHA384 ? schemes12_sha384 : schemes12_sha256;
	return 3;
}

/* The scheme is one we offered, and fits the key (illegal_parameter / decrypt_error). */
static enum ftls_err scheme_check(const struct cp_hs *hs, uint16_t scheme, EVP_PKEY *key,
				  bool *pss)
{
	const uint16_t *s;
	size_t n = offered(hs, &s), i;
	char group[32];
	size_t glen = 0;

	for (i = 0; i < n && s[i] != scheme; i++)
		;
	if (i == n)
		return FTLS_ERR_ILLEGAL_PARAMETER;   /* §4.4.3: not one we asked for */
	for (i = 0; i < sizeof(scheme_keys) / sizeof(scheme_keys[0]); i++)
		if (scheme_keys[i].scheme == scheme)
			break;
	if (i == sizeof(scheme_keys) / sizeof(scheme_keys[0]) ||
	    !EVP_PKEY_is_a(key, scheme_keys[i].key))
		return FTLS_ERR_DECRYPT_ERROR;
	if (hs->version == FTLS_V_TLS13 && scheme_keys[i].curve &&
	    (EVP_PKEY_get_group_name(key, group, sizeof(group), &glen) != 1 ||
	     strcmp(group, scheme_keys[i].curve) != 0))
		return FTLS_ERR_DECRYPT_ERROR;
	*pss = scheme_keys[i].pss;
	return FTLS_OK;
}

static enum ftls_err put_schemes(const struct cp_hs *hs, struct ftls_buf *b)
{
	const uint16_t *s;
	size_t n = offered(hs, &s);
	struct ftls_buf_mark m;
	enum ftls_err err;

	if ((err = ftls_buf_vec_open(b, 2, &m)))
		return err;
	for (size_t i = 0; i < n; i++)
		if ((err = ftls_buf_put_u16(b, s[i])))
			return err;
	return ftls_buf_vec_close(b, &m);
}

enum ftls_err cp_cr13_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct ftls_buf b, save;
	struct ftls_buf_mark exts, e;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((err = cp_msg_begin(hs, FTLS_HS_CERTIFICATE_REQUEST, &b)) ||
	    (err = ftls_buf_put_u8(&b, 0)) ||   /* certificate_request_context: empty */
	    (err = ftls_buf_vec_open(&b, 2, &exts)) ||
	    (err = ftls_buf_put_u16(&b, FTLS_EXT_SIGNATURE_ALGORITHMS)) ||
	    (err = ftls_buf_vec_open(&b, 2, &e)) || (err = put_schemes(hs, &b)) ||
	    (err = ftls_buf_vec_close(&b, &e)))
		return err;
	save = b;
	if ((err = ftls_buf_put_u16(&b, FTLS_EXT_CERTIFICATE_AUTHORITIES)) ||
	    (err = ftls_buf_vec_open(&b, 2, &e)) || (err = cp_x509_ca_names(hs->l->verifier, &b)) ||
	    (err = ftls_buf_vec_close(&b, &e)))
		return err;
	if (ftls_buf_len(&b) - ftls_buf_len(&save) == 6)
		b = save;   /* no names: the extension's list may not be empty */
	if ((err = ftls_buf_vec_close(&b, &exts)))
		return err;
	return cp_msg_end(hs, &b);
}

enum ftls_err cp_cr12_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	static const uint8_t types[] = { 1, 64 };   /* rsa_sign, ecdsa_sign */
	struct ftls_buf b;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((err = cp_msg_begin(hs, FTLS_HS_CERTIFICATE_REQUEST, &b)) ||
	    (err = ftls_buf_put_vec(&b, 1, types, sizeof(types))) || (err = put_schemes(hs, &b)) ||
	    (err = cp_x509_ca_names(hs->l->verifier, &b)))
		return err;
	return cp_msg_end(hs, &b);
}

enum ftls_err cp_ccert_parse(bool tls13, const uint8_t *msg, size_t len,
			     const uint8_t *der[CP_CCERT_MAX], size_t der_len[CP_CCERT_MAX],
			     size_t *n)
{
	struct ftls_buf b, list, cert, exts, ctx;
	enum ftls_err err;

	*n = 0;
	if (len < FTLS_HS_HDR_LEN || msg[0] != FTLS_HS_CERTIFICATE)
		return FTLS_ERR_DECODE;
	ftls_buf_init_ro(&b, msg + FTLS_HS_HDR_LEN, len - FTLS_HS_HDR_LEN);
	if (tls13) {
		if ((err = ftls_buf_get_vec(&b, 1, 0, 255, &ctx)))
			return err;
		if (ftls_buf_remaining(&ctx))
			return FTLS_ERR_ILLEGAL_PARAMETER;   /* ours was empty (§4.4.2) */
	}
	if ((err = ftls_buf_get_vec(&b, 3, 0, 0xffffff, &list)) || (err = ftls_buf_end(&b)))
		return err;
	while (ftls_buf_remaining(&list)) {
		if ((err = ftls_buf_get_vec(&list, 3, 1, 0xffffff, &cert)))
			return err;
		if (tls13 && (err = ftls_buf_get_vec(&list, 2, 0, 0xffff, &exts)))
			return err;
		if (*n == CP_CCERT_MAX)
			return FTLS_ERR_BAD_CERTIFICATE;   /* a longer chain than we verify */
		der[*n] = ftls_buf_cur(&cert);
		der_len[*n] = ftls_buf_remaining(&cert);
		(*n)++;
	}
	return FTLS_OK;
}

static enum ftls_err ccert_recv(struct cp_hs *hs, const uint8_t *msg, size_t len, bool tls13)
{
	const uint8_t *der[CP_CCERT_MAX];
	size_t der_len[CP_CCERT_MAX], n;
	enum ftls_err err;

	if ((err = cp_ccert_parse(tls13, msg, len, der, der_len, &n)) ||
	    (err = cp_tr_add(&hs->tr, msg, len)))
		return err;
	if (n == 0) {
		if (hs->l->client_auth == CP_CAUTH_REQUIRED)
			return tls13 ? FTLS_ERR_CERTIFICATE_REQUIRED : FTLS_ERR_HANDSHAKE_FAILURE;
		hs->flags |= CP_HS_F_NO_CCERT;   /* the shape without CertificateVerify */
		return FTLS_OK;
	}
	if (!hs->peer_id && !(hs->peer_id = calloc(1, sizeof(*hs->peer_id))))
		return FTLS_ERR_NOMEM;
	if ((err = cp_x509_verify(hs->l->verifier, der, der_len, n, 0, hs->peer_id)) ||
	    (err = cp_x509_leaf_pubkey(der[0], der_len[0], &hs->peer_key))) {
		free(hs->peer_id);
		hs->peer_id = NULL;
		return err;
	}
	return FTLS_OK;
}

enum ftls_err cp_ccert13_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	return ccert_recv(hs, msg, len, true);
}

enum ftls_err cp_ccert12_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	return ccert_recv(hs, msg, len, false);
}

enum ftls_err cp_ccv_parse(const uint8_t *msg, size_t len, uint16_t *scheme, const uint8_t **sig,
			   size_t *sig_len)
{
	struct ftls_buf b, s;
	enum ftls_err err;

	if (len < FTLS_HS_HDR_LEN || msg[0] != FTLS_HS_CERTIFICATE_VERIFY)
		return FTLS_ERR_DECODE;
	ftls_buf_init_ro(&b, msg + FTLS_HS_HDR_LEN, len - FTLS_HS_HDR_LEN);
	if ((err = ftls_buf_get_u16(&b, scheme)) || (err = ftls_buf_get_vec(&b, 2, 1, 0xffff, &s)) ||
	    (err = ftls_buf_end(&b)))
		return err;
	*sig = ftls_buf_cur(&s);
	*sig_len = ftls_buf_remaining(&s);
	return FTLS_OK;
}

/* TLS 1.2: the signature over the handshake messages, checked against their digest (the suite's
 * hash, which is the scheme's: we offer no other). */
static enum ftls_err verify_digest(EVP_PKEY *key, const EVP_MD *md, bool pss, const uint8_t *hash,
				   size_t hlen, const uint8_t *sig, size_t sig_len)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(key, NULL);
	enum ftls_err err = FTLS_ERR_DECRYPT_ERROR;

	if (!c)
		return FTLS_ERR_NOMEM;
	if (EVP_PKEY_verify_init(c) == 1 && EVP_PKEY_CTX_set_signature_md(c, md) == 1 &&
	    (!pss || (EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PSS_PADDING) == 1 &&
		      EVP_PKEY_CTX_set_rsa_pss_saltlen(c, RSA_PSS_SALTLEN_DIGEST) == 1 &&
		      EVP_PKEY_CTX_set_rsa_mgf1_md(c, md) == 1)) &&
	    EVP_PKEY_verify(c, sig, sig_len, hash, hlen) == 1)
		err = FTLS_OK;
	EVP_PKEY_CTX_free(c);
	return err;
}

static enum ftls_err ccv_recv(struct cp_hs *hs, const uint8_t *msg, size_t len, bool tls13)
{
	uint8_t hash[CP_HASH_MAX], content[64 + 34 + CP_HASH_MAX];
	const uint8_t *sig;
	size_t sig_len, clen;
	uint16_t scheme;
	bool pss;
	enum ftls_err err;

	if (!hs->peer_key)
		return FTLS_ERR_INTERNAL;
	if ((err = cp_ccv_parse(msg, len, &scheme, &sig, &sig_len)) ||
	    (err = scheme_check(hs, scheme, hs->peer_key, &pss)) ||
	    (err = cp_tr_hash(&hs->tr, hash)))
		return err;
	if (tls13) {
		clen = cp_cv_content(false, hash, hs->hlen, content);
		err = cp_cv_verify(hs->peer_key, scheme, content, clen, sig, sig_len);
		if (err && err != FTLS_ERR_NOMEM)
			err = FTLS_ERR_DECRYPT_ERROR;
	} else {
		err = verify_digest(hs->peer_key, hs->md, pss, hash, hs->hlen, sig, sig_len);
	}
	if (err)
		return err;
	EVP_PKEY_free(hs->peer_key);
	hs->peer_key = NULL;
	hs->peer_scheme = scheme;
	return cp_tr_add(&hs->tr, msg, len);
}

enum ftls_err cp_ccv13_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	return ccv_recv(hs, msg, len, true);
}

enum ftls_err cp_ccv12_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	return ccv_recv(hs, msg, len, false);
}
