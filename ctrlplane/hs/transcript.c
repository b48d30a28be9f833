/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The running transcript hash (RFC 8446 §4.4.1): every handshake message, as sent or received,
 * into one digest whose value can be read at any point without ending it; and the rewrite that a
 * HelloRetryRequest makes (ClientHello1 becomes message_hash(Hash(ClientHello1))). Declared in
 * keysched.h beside the schedule that consumes it. Not for: which messages go in (their handlers).
 */
#include "ctrlplane/hs/keysched.h"

enum ftls_err cp_tr_init(struct cp_transcript *t, const EVP_MD *md)
{
	t->md = md;
	t->ctx = EVP_MD_CTX_new();
	if (!t->ctx)
		return FTLS_ERR_NOMEM;
	if (!EVP_DigestInit_ex(t->ctx, md, NULL)) {
		cp_tr_free(t);
		return FTLS_ERR_INTERNAL;
	}
	return FTLS_OK;
}

enum ftls_err cp_tr_add(struct cp_transcript *t, const uint8_t *msg, size_t len)
{
	return EVP_DigestUpdate(t->ctx, msg, len) ? FTLS_OK : FTLS_ERR_INTERNAL;
}

enum ftls_err cp_tr_hash(const struct cp_transcript *t, uint8_t *out)
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned int olen = 0;
	enum ftls_err err = FTLS_OK;

	if (!c)
		return FTLS_ERR_NOMEM;
	if (!EVP_MD_CTX_copy_ex(c, t->ctx) || !EVP_DigestFinal_ex(c, out, &olen))
		err = FTLS_ERR_INTERNAL;
	EVP_MD_CTX_free(c);
	return err;
}

enum ftls_err cp_tr_hrr_rewrite(struct cp_transcript *t)
{
	uint8_t h[CP_HASH_MAX], hdr[4];
	size_t hlen = (size_t)EVP_MD_get_size(t->md);
	enum ftls_err err;

	if ((err = cp_tr_hash(t, h)))
		return err;
	hdr[0] = FTLS_HS_MESSAGE_HASH;
	hdr[1] = 0;
	hdr[2] = 0;
	hdr[3] = (uint8_t)hlen;
	if (!EVP_DigestInit_ex(t->ctx, t->md, NULL))
		return FTLS_ERR_INTERNAL;
	if ((err = cp_tr_add(t, hdr, 4)) || (err = cp_tr_add(t, h, hlen)))
		return err;
	return FTLS_OK;
}

void cp_tr_free(struct cp_transcript *t)
{
	EVP_MD_CTX_free(t->ctx);
	t->ctx = NULL;
}
