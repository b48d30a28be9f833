/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * (EC)DHE key exchange for the groups we implement (RFC 8446 §4.2.8, §7.4): x25519, secp256r1,
 * secp384r1, as a table of group -> EVP key type, share size and key generation. The arithmetic is
 * libcrypto's. x25519 private keys are drawn from the listener's randomness source so tests can
 * replay RFC 8448; NIST curve keys come from libcrypto's generator. TLS 1.3 runs both halves at
 * once (cp_kex_run); TLS 1.2 sends its share in ServerKeyExchange before the client's arrives
 * (cp_kex_keygen, then cp_kex_derive). Not for: signatures.
 */
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/rand.h>

#include "common/ct.h"
#include "ctrlplane/hs/hs_int.h"

struct cp_kex {
	uint16_t group;
	const char *curve;    /* EC group name, NULL for x25519 */
	size_t share_len;     /* encoded public key: 32, or 1 + 2 * field size */
	size_t secret_len;
};

static const struct cp_kex kexes[] = {
	{ FTLS_GROUP_X25519, NULL, 32, 32 },
	{ FTLS_GROUP_SECP256R1, "P-256", 65, 32 },
	{ FTLS_GROUP_SECP384R1, "P-384", 97, 48 },
};

const struct cp_kex *cp_kex_find(uint16_t group)
{
	for (size_t i = 0; i < sizeof(kexes) / sizeof(kexes[0]); i++)
		if (kexes[i].group == group)
			return &kexes[i];
	return NULL;
}

static enum ftls_err keygen(struct cp_hs *hs, const struct cp_kex *k, EVP_PKEY **key)
{
	if (!k->curve) {
		uint8_t priv[32];
		cp_hs_random(hs, priv, sizeof(priv));
		*key = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, sizeof(priv));
		ftls_wipe(priv, sizeof(priv));
	} else {
		*key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", k->curve);
	}
	return *key ? FTLS_OK : FTLS_ERR_INTERNAL;
}

static enum ftls_err peer_key(const struct cp_kex *k, EVP_PKEY *ours, const uint8_t *peer,
			      size_t len, EVP_PKEY **out)
{
	if (len != k->share_len)
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if (!k->curve) {
		*out = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer, len);
		return *out ? FTLS_OK : FTLS_ERR_ILLEGAL_PARAMETER;
	}
	if (peer[0] != POINT_CONVERSION_UNCOMPRESSED)
		return FTLS_ERR_ILLEGAL_PARAMETER;   /* §4.2.8.2: uncompressed points only */
	*out = EVP_PKEY_new();
	if (!*out)
		return FTLS_ERR_NOMEM;
	/* set1_encoded_public_key decodes the point and rejects one that is not on the curve. */
	if (EVP_PKEY_copy_parameters(*out, ours) != 1 ||
	    EVP_PKEY_set1_encoded_public_key(*out, peer, len) != 1) {
		EVP_PKEY_free(*out);
		*out = NULL;
		return FTLS_ERR_ILLEGAL_PARAMETER;
	}
	return FTLS_OK;
}

/* Our public key, encoded for the wire (x25519: raw; NIST curves: uncompressed point). */
static enum ftls_err encode_pub(const struct cp_kex *k, EVP_PKEY *ours, uint8_t *pub,
				size_t pub_cap, size_t *pub_len)
{
	if (!k->curve) {
		size_t n = pub_cap;
		if (EVP_PKEY_get_raw_public_key(ours, pub, &n) != 1)
			return FTLS_ERR_INTERNAL;
		*pub_len = n;
		return FTLS_OK;
	}
	uint8_t *enc = NULL;
	size_t n = EVP_PKEY_get1_encoded_public_key(ours, &enc);
	if (n == 0 || n > pub_cap) {
		OPENSSL_free(enc);
		return FTLS_ERR_INTERNAL;
	}
	memcpy(pub, enc, n);
	OPENSSL_free(enc);
	*pub_len = n;
	return FTLS_OK;
}

enum ftls_err cp_kex_keygen(struct cp_hs *hs, const struct cp_kex *k, EVP_PKEY **key,
			    uint8_t *pub, size_t pub_cap, size_t *pub_len)
{
	enum ftls_err err;

	*key = NULL;
	if (!k)
		return FTLS_ERR_INTERNAL;
	if ((err = keygen(hs, k, key)))
		return err;
	if ((err = encode_pub(k, *key, pub, pub_cap, pub_len))) {
		EVP_PKEY_free(*key);
		*key = NULL;
	}
	return err;
}

enum ftls_err cp_kex_derive(const struct cp_kex *k, EVP_PKEY *ours, const uint8_t *peer,
			    size_t peer_len, uint8_t *shared, size_t shared_cap, size_t *shared_len)
{
	EVP_PKEY *theirs = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	enum ftls_err err;
	static const uint8_t zero[64];

	if (!k || !ours)
		return FTLS_ERR_INTERNAL;
	if (peer_len != k->share_len)
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if ((err = peer_key(k, ours, peer, peer_len, &theirs)))
		goto out;
	err = FTLS_ERR_INTERNAL;
	if (!(ctx = EVP_PKEY_CTX_new(ours, NULL)) || EVP_PKEY_derive_init(ctx) != 1)
		goto out;
	if (EVP_PKEY_derive_set_peer(ctx, theirs) != 1) {
		err = FTLS_ERR_ILLEGAL_PARAMETER;
		goto out;
	}
	*shared_len = shared_cap;
	if (EVP_PKEY_derive(ctx, shared, shared_len) != 1 || *shared_len != k->secret_len) {
		/* A small-order x25519 point yields zeros; libcrypto refuses them (§7.4.2). */
		err = FTLS_ERR_ILLEGAL_PARAMETER;
		goto out;
	}
	if (ftls_ct_eq(shared, zero, *shared_len)) {
		err = FTLS_ERR_ILLEGAL_PARAMETER;
		goto out;
	}
	err = FTLS_OK;
out:
	if (err)
		ftls_wipe(shared, shared_cap);
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(theirs);
	return err;
}

enum ftls_err cp_kex_run(struct cp_hs *hs, const struct cp_kex *k, const uint8_t *peer,
			 size_t peer_len, uint8_t *pub, size_t pub_cap, size_t *pub_len,
			 uint8_t *shared, size_t shared_cap, size_t *shared_len)
{
	EVP_PKEY *ours = NULL;
	enum ftls_err err;

	if (!k)
		return FTLS_ERR_INTERNAL;
	if (peer_len != k->share_len)
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if ((err = cp_kex_keygen(hs, k, &ours, pub, pub_cap, pub_len)))
		return err;
	err = cp_kex_derive(k, ours, peer, peer_len, shared, shared_cap, shared_len);
	EVP_PKEY_free(ours);
	return err;
}
