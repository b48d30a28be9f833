/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS 1.3 key schedule (RFC 8446 §7.1, keysched.c) and the running transcript hash (§4.4.1,
 * transcript.c), built on HMAC from libcrypto: HKDF-Extract, HKDF-Expand-Label, Derive-Secret,
 * traffic keys, Finished and the KeyUpdate ratchet. The logic (labels, stages, what is hashed
 * when) is ours; only the HMAC/hash primitives come from OpenSSL. Not for: record protection
 * (common/record.h) or the order of messages (the engine's tables).
 *
 * Every secret this module writes lives in caller storage the caller wipes.
 */
#ifndef CP_KEYSCHED_H
#define CP_KEYSCHED_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/err.h"
#include "common/wire.h"
#include "common/tls.h"

enum { CP_HASH_MAX = 48 };

/* The EVP digest of an ftls_hash, or NULL. */
const EVP_MD *cp_ks_md(int hash);

/* HKDF-Extract(salt, ikm) -> out[hash_len]. A NULL salt is hash_len zeros (RFC 5869 §2.2). */
enum ftls_err cp_ks_extract(const EVP_MD *md, const uint8_t *salt, size_t salt_len,
			    const uint8_t *ikm, size_t ikm_len, uint8_t *out) FTLS_MUST_CHECK;
/* HKDF-Expand-Label(secret, label, context, out_len) with the "tls13 " prefix added here. */
enum ftls_err cp_ks_expand_label(const EVP_MD *md, const uint8_t *secret, const char *label,
				 const uint8_t *ctx, size_t ctx_len, uint8_t *out,
				 size_t out_len) FTLS_MUST_CHECK;
/* Derive-Secret(secret, label, messages) given Transcript-Hash(messages) as hash. */
enum ftls_err cp_ks_derive(const EVP_MD *md, const uint8_t *secret, const char *label,
			   const uint8_t *hash, uint8_t *out) FTLS_MUST_CHECK;
/* Hash of the empty string (for "derived"). */
enum ftls_err cp_ks_empty_hash(const EVP_MD *md, uint8_t *out) FTLS_MUST_CHECK;

/*
 * The schedule's stages: early -> handshake -> master. Each call advances `stage` in place
 * (stage holds early secret, then handshake secret, then master secret).
 */
enum ftls_err cp_ks_early(const EVP_MD *md, const uint8_t *psk, size_t psk_len,
			  uint8_t *stage) FTLS_MUST_CHECK;
enum ftls_err cp_ks_next_stage(const EVP_MD *md, uint8_t *stage, const uint8_t *ikm,
			       size_t ikm_len) FTLS_MUST_CHECK;

/* Fills a key install (key, iv, sizes, suite, version, seq 0) from a traffic secret. */
enum ftls_err cp_ks_traffic_keys(const struct ftls_suite *suite, const uint8_t *secret,
				 enum ftls_dir dir, struct ftls_key_install *ki) FTLS_MUST_CHECK;
/* verify_data = HMAC(finished_key(base_key), transcript_hash). */
enum ftls_err cp_ks_finished(const EVP_MD *md, const uint8_t *base_key, const uint8_t *hash,
			     uint8_t *out) FTLS_MUST_CHECK;
/* application_traffic_secret_N+1 (§7.2), in place. */
enum ftls_err cp_ks_update(const EVP_MD *md, uint8_t *secret) FTLS_MUST_CHECK;

/* The running transcript hash. */
struct cp_transcript {
	EVP_MD_CTX *ctx;
	const EVP_MD *md;
};
enum ftls_err cp_tr_init(struct cp_transcript *t, const EVP_MD *md) FTLS_MUST_CHECK;
enum ftls_err cp_tr_add(struct cp_transcript *t, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
/* Transcript-Hash of everything so far, without ending the running hash. */
enum ftls_err cp_tr_hash(const struct cp_transcript *t, uint8_t *out) FTLS_MUST_CHECK;
/* HelloRetryRequest (§4.4.1): replaces the transcript by message_hash(Hash(ClientHello1)). */
enum ftls_err cp_tr_hrr_rewrite(struct cp_transcript *t) FTLS_MUST_CHECK;
void cp_tr_free(struct cp_transcript *t);

#endif
