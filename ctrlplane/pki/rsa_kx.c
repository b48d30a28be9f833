/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bleichenbacher-safe RSA pre-master decryption (see rsa_kx.h for the block layout and which
 * branches are allowed).
 */
#include "ctrlplane/pki/rsa_kx.h"

#include <string.h>

#include <openssl/rand.h>
#include <openssl/rsa.h>

#include "common/ct.h"

enum { RSA_MAX_BYTES = 1024, /* 8192-bit moduli */ MIN_K = CP_RSA_PMS_LEN + 3 + 8 };

void cp_rsa_kx_select(const uint8_t *em, size_t k, uint16_t client_version,
		      const uint8_t rnd[CP_RSA_PMS_LEN], uint8_t pms[CP_RSA_PMS_LEN])
{
	size_t sep = k - CP_RSA_PMS_LEN - 1;
	uint32_t good, zero_in_ps = 0;
	uint8_t mask;

	/* 00 02 */
	good = ftls_ct_mask_eq(em[0], 0) & ftls_ct_mask_eq(em[1], 2);
	/* PS: every byte nonzero (at least 8 of them, since k >= MIN_K) */
	for (size_t i = 2; i < sep; i++)
		zero_in_ps |= ftls_ct_mask_eq(em[i], 0);
	good &= ~zero_in_ps;
	/* the separator exactly where a 48-byte message begins */
	good &= ftls_ct_mask_eq(em[sep], 0);
	/* client_version, RFC 5246 §7.4.7.1 */
	good &= ftls_ct_mask_eq(em[sep + 1], client_version >> 8);
	good &= ftls_ct_mask_eq(em[sep + 2], client_version & 0xff);
	mask = (uint8_t)good;
	for (size_t i = 0; i < CP_RSA_PMS_LEN; i++)
		pms[i] = (uint8_t)((em[sep + 1 + i] & mask) | (rnd[i] & (uint8_t)~mask));
}

enum ftls_err cp_rsa_kx_premaster(EVP_PKEY *key, struct ftls_buf *cke_body, uint16_t client_version,
				  uint8_t pms[CP_RSA_PMS_LEN])
{
	uint8_t rnd[CP_RSA_PMS_LEN], em[RSA_MAX_BYTES];
	struct ftls_buf ct;
	EVP_PKEY_CTX *pc = NULL;
	size_t k, outlen;
	int ok;

	if (!key || !cke_body || !pms || EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA)
		return FTLS_ERR_INVAL;
	k = (size_t)EVP_PKEY_get_size(key);
	if (k < MIN_K || k > RSA_MAX_BYTES)
		return FTLS_ERR_INVAL;
	/* Framing first: public, and a malformed message is a decode_error whatever the key. */
	if (ftls_buf_get_vec16(cke_body, &ct) || ftls_buf_end(cke_body))
		return FTLS_ERR_DECODE;
	/* The random premaster exists before anything secret is looked at. */
	if (RAND_bytes(rnd, sizeof(rnd)) != 1)
		return FTLS_ERR_INTERNAL;
	memset(em, 0, sizeof(em));
	/* A ciphertext of the wrong length is public: no decryption, the random premaster. */
	ok = ct.len == k;
	if (ok) {
		pc = EVP_PKEY_CTX_new(key, NULL);
		outlen = k;
		/* Fails only for public reasons (ciphertext >= n, allocation). */
		ok = pc && EVP_PKEY_decrypt_init(pc) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding(pc, RSA_NO_PADDING) == 1 &&
		     EVP_PKEY_decrypt(pc, em, &outlen, ct.base, k) == 1 && outlen == k;
		EVP_PKEY_CTX_free(pc);
	}
	/* A failed or skipped decryption (public) leaves em zero, which the checks reject. */
	if (!ok)
		memset(em, 0, k);
	cp_rsa_kx_select(em, k, client_version, rnd, pms);
	ftls_wipe(em, k);
	ftls_wipe(rnd, sizeof(rnd));
	return FTLS_OK;
}
