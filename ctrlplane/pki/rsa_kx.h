/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server side of the TLS 1.2 RSA key exchange (RFC 5246 §7.4.7.1): the pre-master secret from
 * a ClientKeyExchange, decrypted so that nothing about the PKCS#1 v1.5 padding or the version
 * bytes is observable (Bleichenbacher; Klima-Pokorny-Rosa; ROBOT). A bad block does not fail here:
 * it yields a random pre-master secret, so the handshake fails later, at Finished, exactly as it
 * would with a wrong key. Not for: RSA signatures (the engine's certificate_verify) or any other
 * key exchange.
 *
 * Implementation notes. The random 48 bytes are drawn before anything is decrypted. The
 * ciphertext is decrypted raw (RSA_NO_PADDING); the block must be exactly
 *   00 02 PS(k-51 nonzero bytes) 00 client_version(2) random(46)
 * (a 48-byte message fixes where the separator is, so the check is position-fixed). The checks
 * are folded into one mask without a branch or an early return on the decrypted bytes, and the
 * output is mask ? message : random, byte by byte. Only public facts branch: the ciphertext
 * length against the modulus, and whether the raw RSA operation itself fails (ciphertext >= n).
 */
#ifndef CP_RSA_KX_H
#define CP_RSA_KX_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/err.h"

enum { CP_RSA_PMS_LEN = 48 };

/*
 * The pre-master secret of a ClientKeyExchange body (EncryptedPreMasterSecret: a 2-byte length
 * then the ciphertext, consumed exactly), decrypted with the server's RSA key. client_version is
 * ClientHello.client_version (legacy_version), not the negotiated version. Any content or
 * length of the ciphertext gives FTLS_OK: the real pre-master secret when the block is well
 * formed, else 48 random bytes. Errors: FTLS_ERR_DECODE when the body's vector framing is wrong
 * (a handshake framing error, public), FTLS_ERR_INVAL for a key that is not RSA,
 * FTLS_ERR_INTERNAL when the RNG fails. The caller wipes pms.
 */
enum ftls_err cp_rsa_kx_premaster(EVP_PKEY *key, struct ftls_buf *cke_body, uint16_t client_version,
				  uint8_t pms[CP_RSA_PMS_LEN]) FTLS_MUST_CHECK;

/*
 * The constant-time core, exposed for the constant-time check (tests/unit/test_rsakx.c under
 * valgrind): given the raw decrypted block em[0..k) (k >= 59), writes em's message when the
 * block is well formed with client_version, else rnd. Time and memory access depend on k only.
 */
void cp_rsa_kx_select(const uint8_t *em, size_t k, uint16_t client_version,
		      const uint8_t rnd[CP_RSA_PMS_LEN], uint8_t pms[CP_RSA_PMS_LEN]);

#endif
