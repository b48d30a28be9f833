/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS 1.2 PRF and what is derived with it (see prf12.h). P_hash (RFC 5246 §5):
 *   A(0) = seed, A(i) = HMAC(secret, A(i-1)),
 *   P_hash = HMAC(secret, A(1) || seed) || HMAC(secret, A(2) || seed) || ...
 * with seed = label || seed1 || seed2 here. Control-plane code, a few calls per handshake: one
 * keyed EVP_MAC context per call, re-initialised (same key) for each HMAC; stack buffers wiped.
 */
#include "ctrlplane/resume/prf12.h"

#include <string.h>

#include <stdbool.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>

#include "common/ct.h"

enum { HASH_MAX = 48 };

/* The PRF's HMAC hash by enum ftls_hash: libcrypto's digest names. */
static const char *const prf_digests[] = {
	[FTLS_HASH_SHA256] = "SHA256",
	[FTLS_HASH_SHA384] = "SHA384",
};

static const char *prf_digest(int hash)
{
	if (hash < 0 || (size_t)hash >= sizeof(prf_digests) / sizeof(prf_digests[0]))
		return NULL;
	return prf_digests[hash];
}

/* HMAC(key, a || b || c) on a keyed context: EVP_MAC_init with a NULL key keeps the key. */
static bool hmac3(EVP_MAC_CTX *c, const uint8_t *a, size_t al, const uint8_t *b, size_t bl,
		  const uint8_t *d, size_t dl, uint8_t *out, size_t hl)
{
	size_t ol = 0;

	return EVP_MAC_init(c, NULL, 0, NULL) == 1 && (!al || EVP_MAC_update(c, a, al) == 1) &&
	       (!bl || EVP_MAC_update(c, b, bl) == 1) && (!dl || EVP_MAC_update(c, d, dl) == 1) &&
	       EVP_MAC_final(c, out, &ol, hl) == 1 && ol == hl;
}

enum ftls_err cp_prf12(int hash, const uint8_t *secret, size_t secret_len, const char *label,
		       const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
		       uint8_t *out, size_t out_len)
{
	const char *digest = prf_digest(hash);
	size_t hl = ftls_hash_len(hash), ll = label ? strlen(label) : 0, sl;
	/* seed = label || seed1 || seed2, then A(i) and each output block. */
	uint8_t seed[CP_PRF12_SEED_MAX], a[HASH_MAX], blk[HASH_MAX];
	EVP_MAC *mac = NULL;
	EVP_MAC_CTX *c = NULL;
	OSSL_PARAM params[2];
	enum ftls_err e = FTLS_ERR_INTERNAL;

	if (!digest || !secret || !out || (seed1_len && !seed1) || (seed2_len && !seed2))
		return FTLS_ERR_INVAL;
	if (ll > CP_PRF12_SEED_MAX || seed1_len > CP_PRF12_SEED_MAX - ll ||
	    seed2_len > CP_PRF12_SEED_MAX - ll - seed1_len)
		return FTLS_ERR_INVAL;
	sl = ll + seed1_len + seed2_len;
	memcpy(seed, label, ll);
	if (seed1_len)
		memcpy(seed + ll, seed1, seed1_len);
	if (seed2_len)
		memcpy(seed + ll + seed1_len, seed2, seed2_len);

	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	c = mac ? EVP_MAC_CTX_new(mac) : NULL;
	if (!c || EVP_MAC_init(c, secret, secret_len, params) != 1)
		goto out;
	/* A(1) = HMAC(secret, seed) */
	if (!hmac3(c, seed, sl, NULL, 0, NULL, 0, a, hl))
		goto out;
	while (out_len) {
		size_t take = out_len < hl ? out_len : hl;

		if (!hmac3(c, a, hl, seed, sl, NULL, 0, blk, hl))
			goto out;
		memcpy(out, blk, take);
		out += take;
		out_len -= take;
		/* A(i+1) = HMAC(secret, A(i)) */
		if (out_len && !hmac3(c, a, hl, NULL, 0, NULL, 0, a, hl))
			goto out;
	}
	e = FTLS_OK;
out:
	EVP_MAC_CTX_free(c); /* cleanses the keyed state */
	EVP_MAC_free(mac);
	ftls_wipe(seed, sizeof(seed));
	ftls_wipe(a, sizeof(a));
	ftls_wipe(blk, sizeof(blk));
	return e;
}

enum ftls_err cp_prf12_master(int hash, const uint8_t *pms, size_t pms_len,
			      const uint8_t client_random[FTLS_RANDOM_LEN],
			      const uint8_t server_random[FTLS_RANDOM_LEN], uint8_t ms[CP_PRF12_MS_LEN])
{
	if (!pms || !pms_len || !client_random || !server_random)
		return FTLS_ERR_INVAL;
	return cp_prf12(hash, pms, pms_len, "master secret", client_random, FTLS_RANDOM_LEN,
			server_random, FTLS_RANDOM_LEN, ms, CP_PRF12_MS_LEN);
}

enum ftls_err cp_prf12_master_ems(int hash, const uint8_t *pms, size_t pms_len,
				  const uint8_t *session_hash, size_t session_hash_len,
				  uint8_t ms[CP_PRF12_MS_LEN])
{
	if (!pms || !pms_len || !session_hash || session_hash_len != ftls_hash_len(hash))
		return FTLS_ERR_INVAL;
	return cp_prf12(hash, pms, pms_len, "extended master secret", session_hash,
			session_hash_len, NULL, 0, ms, CP_PRF12_MS_LEN);
}

static void fill_install(struct ftls_key_install *ki, const struct ftls_suite *s, uint8_t dir,
			 uint64_t seq, const uint8_t *mac_key, const uint8_t *key, const uint8_t *iv)
{
	memset(ki, 0, sizeof(*ki));
	ki->abi_version = FTLS_WIRE_ABI_VERSION;
	ki->size = sizeof(*ki);
	ki->tls_version = FTLS_V_TLS12;
	ki->suite = s->id;
	ki->dir = dir;
	ki->key_len = s->key_len;
	ki->iv_len = s->iv_len;
	ki->mac_key_len = s->mac_key_len;
	ki->seq = seq;
	memcpy(ki->mac_key, mac_key, s->mac_key_len);
	memcpy(ki->key, key, s->key_len);
	memcpy(ki->iv, iv, s->iv_len);
}

enum ftls_err cp_prf12_keys(const struct ftls_suite *s, const uint8_t ms[CP_PRF12_MS_LEN],
			    const uint8_t client_random[FTLS_RANDOM_LEN],
			    const uint8_t server_random[FTLS_RANDOM_LEN], bool server, uint64_t seq,
			    struct ftls_key_install *rx, struct ftls_key_install *tx)
{
	uint8_t kb[2 * (FTLS_MAX_MAC_KEY_LEN + FTLS_MAX_KEY_LEN + FTLS_MAX_IV_LEN)];
	size_t mk, k, iv, len;
	const uint8_t *c_mac, *s_mac, *c_key, *s_key, *c_iv, *s_iv;
	enum ftls_err e;

	if (!s || s->version != FTLS_V_TLS12 || !ms || !client_random || !server_random || !rx ||
	    !tx || s->mac_key_len > FTLS_MAX_MAC_KEY_LEN || s->key_len > FTLS_MAX_KEY_LEN ||
	    s->iv_len > FTLS_MAX_IV_LEN)
		return FTLS_ERR_INVAL;
	mk = s->mac_key_len;
	k = s->key_len;
	iv = s->iv_len;
	len = 2 * (mk + k + iv);
	/* Note the seed order: server_random first (RFC 5246 §6.3). */
	e = cp_prf12(s->hash, ms, CP_PRF12_MS_LEN, "key expansion", server_random, FTLS_RANDOM_LEN,
		     client_random, FTLS_RANDOM_LEN, kb, len);
	if (e == FTLS_OK) {
		c_mac = kb;
		s_mac = c_mac + mk;
		c_key = s_mac + mk;
		s_key = c_key + k;
		c_iv = s_key + k;
		s_iv = c_iv + iv;
		fill_install(rx, s, FTLS_DIR_RX, seq, server ? c_mac : s_mac, server ? c_key : s_key,
			     server ? c_iv : s_iv);
		fill_install(tx, s, FTLS_DIR_TX, seq, server ? s_mac : c_mac, server ? s_key : c_key,
			     server ? s_iv : c_iv);
	}
	ftls_wipe(kb, sizeof(kb));
	return e;
}

enum ftls_err cp_prf12_finished(int hash, const uint8_t ms[CP_PRF12_MS_LEN], bool client,
				const uint8_t *transcript_hash, size_t hash_len,
				uint8_t verify_data[CP_PRF12_VERIFY_LEN])
{
	if (!ms || !transcript_hash || hash_len != ftls_hash_len(hash) || !verify_data)
		return FTLS_ERR_INVAL;
	return cp_prf12(hash, ms, CP_PRF12_MS_LEN, client ? "client finished" : "server finished",
			transcript_hash, hash_len, NULL, 0, verify_data, CP_PRF12_VERIFY_LEN);
}
