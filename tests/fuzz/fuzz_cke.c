/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a TLS 1.2 ClientKeyExchange message (header included, as the engine hands it
 * over). The ECDHE parse (cp_cke_parse_ecdhe) and the point it yields through the x25519, P-256
 * and P-384 derivations (cp_kex_derive: length, encoding, on-curve and zero checks); the RSA
 * pre-master decryption (pki/rsa_kx.h, every length and block) with a 2048-bit key made at start.
 * Nothing may crash, leak or read out of bounds; every path ends in FTLS_OK or a clean error.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "common/ct.h"
#include "ctrlplane/hs/hs_int.h"
#include "ctrlplane/pki/rsa_kx.h"

static EVP_PKEY *fz_ec[3], *fz_rsa;
static const uint16_t fz_groups[3] = { FTLS_GROUP_X25519, FTLS_GROUP_SECP256R1,
				       FTLS_GROUP_SECP384R1 };

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_ec[0] = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	fz_ec[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	fz_ec[2] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	fz_rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	if (!fz_ec[0] || !fz_ec[1] || !fz_ec[2] || !fz_rsa)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *pt;
	size_t pt_len, sl;
	uint8_t shared[128], pms[CP_RSA_PMS_LEN];
	struct ftls_buf body;

	if (cp_cke_parse_ecdhe(data, size, &pt, &pt_len) == FTLS_OK)
		for (int g = 0; g < 3; g++)
			if (cp_kex_derive(cp_kex_find(fz_groups[g]), fz_ec[g], pt, pt_len, shared,
					  sizeof(shared), &sl) == FTLS_OK && (sl == 0 || sl > sizeof(shared)))
				abort();
	if (size >= FTLS_HS_HDR_LEN) {
		ftls_buf_init_ro(&body, data + FTLS_HS_HDR_LEN, size - FTLS_HS_HDR_LEN);
		uint16_t v = size > 6 ? (uint16_t)(data[4] << 8 | data[5]) : FTLS_V_TLS12;
		(void)cp_rsa_kx_premaster(fz_rsa, &body, v, pms);
		ftls_wipe(pms, sizeof(pms));
	}
	return 0;
}
