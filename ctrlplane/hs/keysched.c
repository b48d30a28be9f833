/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS 1.3 key schedule (RFC 8446 §7.1; the transcript hash it consumes is in transcript.c). HKDF
 * is written out over one-shot HMAC because every output the schedule needs is at most one hash
 * block long, which keeps a handshake to a handful of HMAC calls with no KDF object fetched per
 * call. Secrets on the stack are wiped before return.
 */
#include "ctrlplane/hs/keysched.h"

#include <string.h>

#include <openssl/hmac.h>

#include "common/buf.h"
#include "common/ct.h"

const EVP_MD *cp_ks_md(int hash)
{
	switch (hash) {   /* two entries: a table would be longer than the switch */
	case FTLS_HASH_SHA256: return EVP_sha256();
	case FTLS_HASH_SHA384: return EVP_sha384();
	default: return NULL;
	}
}

enum ftls_err cp_ks_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len,
			    const uint8_t *ikm, size_t ikm_len, uint8_t *out)
{
	static const uint8_t zeros[CP_HASH_MAX];
	unsigned int olen = 0;
	size_t hlen = (size_t)EVP_MD_get_size(md);

	if (!salt) {
		salt = zeros;
		salt_len = hlen;
	}
	if (!ikm) {
		ikm = zeros;
		ikm_len = hlen;
	}
	if (!HMAC(md, salt, (int)salt_len, ikm, ikm_len, out, &olen) || olen != hlen)
		return FTLS_ERR_INTERNAL;
	return FTLS_OK;
}

enum ftls_err cp_ks_expand_label(const EVP_MD *md, const uint8_t *secret, const char *label,
				 const uint8_t *ctx, size_t ctx_len, uint8_t *out, size_t out_len)
{
	/* HkdfLabel: uint16 length, opaque label<7..255> = "tls13 " + label,
	 * opaque context<0..255>; then HKDF-Expand's T(i) = HMAC(secret, T(i-1) | info | i). */
	uint8_t info[2 + 1 + 255 + 1 + 255 + 1 + CP_HASH_MAX];
	uint8_t t[CP_HASH_MAX];
	struct ftls_buf b;
	size_t hlen = (size_t)EVP_MD_get_size(md);
	size_t llen = strlen(label);
	enum ftls_err err;

	if (llen + 6 > 255 || ctx_len > 255 || out_len > 255 * hlen || out_len > 0xffff)
		return FTLS_ERR_INVAL;
	ftls_buf_init(&b, info, sizeof(info));
	if ((err = ftls_buf_put_u16(&b, (uint16_t)out_len)) ||
	    (err = ftls_buf_put_u8(&b, (uint8_t)(6 + llen))) ||
	    (err = ftls_buf_put_bytes(&b, "tls13 ", 6)) ||
	    (err = ftls_buf_put_bytes(&b, label, llen)) ||
	    (err = ftls_buf_put_vec(&b, 1, ctx, ctx_len)))
		return err;
	size_t info_len = ftls_buf_len(&b);
	size_t done = 0;
	size_t tlen = 0;
	for (uint8_t i = 1; done < out_len; i++) {
		unsigned int olen = 0;
		/* HMAC() one-shot cannot chain T(i-1); build the input in a scratch buffer. */
		uint8_t in[CP_HASH_MAX + sizeof(info)];
		memcpy(in, t, tlen);
		memcpy(in + tlen, info, info_len);
		in[tlen + info_len] = i;
		if (!HMAC(md, secret, (int)hlen, in, tlen + info_len + 1, t, &olen) ||
		    olen != hlen) {
			ftls_wipe(in, sizeof(in));
			ftls_wipe(t, sizeof(t));
			return FTLS_ERR_INTERNAL;
		}
		ftls_wipe(in, sizeof(in));
		tlen = hlen;
		size_t n = out_len - done < hlen ? out_len - done : hlen;
		memcpy(out + done, t, n);
		done += n;
	}
	ftls_wipe(t, sizeof(t));
	return FTLS_OK;
}

enum ftls_err cp_ks_derive(const EVP_MD *md, const uint8_t *secret, const char *label,
			   const uint8_t *hash, uint8_t *out)
{
	size_t hlen = (size_t)EVP_MD_get_size(md);
	return cp_ks_expand_label(md, secret, label, hash, hlen, out, hlen);
}

enum ftls_err cp_ks_empty_hash(const EVP_MD *md, uint8_t *out)
{
	unsigned int olen = 0;
	if (!EVP_Digest("", 0, out, &olen, md, NULL))
		return FTLS_ERR_INTERNAL;
	return FTLS_OK;
}

enum ftls_err cp_ks_early(const EVP_MD *md, const uint8_t *psk, size_t psk_len, uint8_t *stage)
{
	/* No PSK: IKM is hash_len zeros (§7.1); salt is zeros too. */
	return cp_ks_extract(md, NULL, 0, psk, psk ? psk_len : 0, stage);
}

enum ftls_err cp_ks_next_stage(const EVP_MD *md, uint8_t *stage, const uint8_t *ikm, size_t ikm_len)
{
	uint8_t empty[CP_HASH_MAX], derived[CP_HASH_MAX];
	size_t hlen = (size_t)EVP_MD_get_size(md);
	enum ftls_err err;

	if ((err = cp_ks_empty_hash(md, empty)) ||
	    (err = cp_ks_derive(md, stage, "derived", empty, derived)))
		goto out;
	err = cp_ks_extract(md, derived, hlen, ikm, ikm_len, stage);
out:
	ftls_wipe(derived, sizeof(derived));
	return err;
}

enum ftls_err cp_ks_traffic_keys(const struct ftls_suite *suite, const uint8_t *secret,
				 enum ftls_dir dir, struct ftls_key_install *ki)
{
	const EVP_MD *md = cp_ks_md(suite->hash);
	enum ftls_err err;

	if (!md)
		return FTLS_ERR_INVAL;
	memset(ki, 0, sizeof(*ki));
	ki->abi_version = FTLS_WIRE_ABI_VERSION;
	ki->size = sizeof(*ki);
	ki->tls_version = FTLS_V_TLS13;
	ki->suite = suite->id;
	ki->dir = (uint8_t)dir;
	ki->key_len = suite->key_len;
	ki->iv_len = suite->iv_len;
	if ((err = cp_ks_expand_label(md, secret, "key", NULL, 0, ki->key, suite->key_len)) ||
	    (err = cp_ks_expand_label(md, secret, "iv", NULL, 0, ki->iv, suite->iv_len)))
		ftls_wipe(ki, sizeof(*ki));
	return err;
}

enum ftls_err cp_ks_finished(const EVP_MD *md, const uint8_t *base_key, const uint8_t *hash,
			     uint8_t *out)
{
	uint8_t fk[CP_HASH_MAX];
	size_t hlen = (size_t)EVP_MD_get_size(md);
	unsigned int olen = 0;
	enum ftls_err err;

	if ((err = cp_ks_expand_label(md, base_key, "finished", NULL, 0, fk, hlen)))
		return err;
	if (!HMAC(md, fk, (int)hlen, hash, hlen, out, &olen) || olen != hlen)
		err = FTLS_ERR_INTERNAL;
	ftls_wipe(fk, sizeof(fk));
	return err;
}

enum ftls_err cp_ks_update(const EVP_MD *md, uint8_t *secret)
{
	uint8_t next[CP_HASH_MAX];
	size_t hlen = (size_t)EVP_MD_get_size(md);
	enum ftls_err err = cp_ks_expand_label(md, secret, "traffic upd", NULL, 0, next, hlen);

	if (!err)
		memcpy(secret, next, hlen);
	ftls_wipe(next, sizeof(next));
	return err;
}
