/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS 1.2 key derivation (RFC 5246 §5, §6.3, §7.4.9; RFC 7627): the PRF (P_SHA256 or
 * P_SHA384 on HMAC from libcrypto, chosen by the suite's hash), the master secret (classic, from
 * both randoms, or extended, from the session hash), the key block cut into one
 * struct ftls_key_install per direction, and Finished verify_data. The construction is ours; only
 * HMAC comes from OpenSSL. Not for: the TLS 1.3 schedule (ctrlplane/hs/keysched.h), transcripts
 * (the caller hashes the handshake messages) or record protection (common/record.h).
 *
 * Every secret written here lives in caller storage that the caller wipes (ftls_wipe); this
 * module wipes its own intermediates on every path.
 */
#ifndef CP_PRF12_H
#define CP_PRF12_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/tls.h"
#include "common/wire.h"

enum {
	CP_PRF12_MS_LEN = 48,      /* master_secret */
	CP_PRF12_VERIFY_LEN = 12,  /* Finished verify_data */
	CP_PRF12_SEED_MAX = 128,   /* label + seeds of one PRF call */
};

/*
 * PRF(secret, label, seed1 || seed2) -> out[0..out_len) with P_<hash> (FTLS_HASH_SHA256 or
 * FTLS_HASH_SHA384). seed2 may be NULL. FTLS_ERR_INVAL for an unknown hash or a label + seeds
 * longer than CP_PRF12_SEED_MAX; FTLS_ERR_INTERNAL if libcrypto fails.
 */
enum ftls_err cp_prf12(int hash, const uint8_t *secret, size_t secret_len, const char *label,
		       const uint8_t *seed1, size_t seed1_len, const uint8_t *seed2, size_t seed2_len,
		       uint8_t *out, size_t out_len) FTLS_MUST_CHECK;

/* master_secret = PRF(pre_master_secret, "master secret", client_random || server_random). */
enum ftls_err cp_prf12_master(int hash, const uint8_t *pms, size_t pms_len,
			      const uint8_t client_random[FTLS_RANDOM_LEN],
			      const uint8_t server_random[FTLS_RANDOM_LEN],
			      uint8_t ms[CP_PRF12_MS_LEN]) FTLS_MUST_CHECK;

/*
 * RFC 7627 §4: master_secret = PRF(pre_master_secret, "extended master secret", session_hash),
 * where session_hash is the transcript hash (the suite's hash) of every handshake message up to
 * and including ClientKeyExchange.
 */
enum ftls_err cp_prf12_master_ems(int hash, const uint8_t *pms, size_t pms_len,
				  const uint8_t *session_hash, size_t session_hash_len,
				  uint8_t ms[CP_PRF12_MS_LEN]) FTLS_MUST_CHECK;

/*
 * The key block (PRF(master_secret, "key expansion", server_random || client_random), cut as
 * client MAC key, server MAC key, client key, server key, client IV, server IV) of a TLS 1.2
 * suite, as two key installs with abi_version, size, tls_version, suite, sizes and seq filled and
 * conn_id 0 (the caller sets it). ftls_dir is seen from the appliance: as a server (server =
 * true) rx holds the client's write keys and tx the server's; as a client the other way round.
 * seq is the next record sequence number of both directions (0 right after ChangeCipherSpec).
 * FTLS_ERR_INVAL for a suite that is not TLS 1.2.
 */
enum ftls_err cp_prf12_keys(const struct ftls_suite *suite, const uint8_t ms[CP_PRF12_MS_LEN],
			    const uint8_t client_random[FTLS_RANDOM_LEN],
			    const uint8_t server_random[FTLS_RANDOM_LEN], bool server, uint64_t seq,
			    struct ftls_key_install *rx, struct ftls_key_install *tx) FTLS_MUST_CHECK;

/*
 * verify_data = PRF(master_secret, "client finished" | "server finished", transcript_hash)[0..12),
 * where transcript_hash is the hash (the suite's) of the handshake messages before this Finished.
 * The receiver compares with ftls_ct_eq().
 */
enum ftls_err cp_prf12_finished(int hash, const uint8_t ms[CP_PRF12_MS_LEN], bool client,
				const uint8_t *transcript_hash, size_t hash_len,
				uint8_t verify_data[CP_PRF12_VERIFY_LEN]) FTLS_MUST_CHECK;

#endif
