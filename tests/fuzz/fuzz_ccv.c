/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a client CertificateVerify message (header included). cp_ccv_parse's view
 * must lie inside the input; the scheme and signature then go through the verification the
 * engine runs (cp_cv_verify over TLS 1.3 content) with RSA-2048, P-256 and Ed25519 keys made at
 * start: any scheme, any signature bytes. Verification of fuzz input never succeeds; nothing may
 * crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdlib.h>

#include <openssl/evp.h>

#include "ctrlplane/hs/hs_int.h"

static EVP_PKEY *fz_keys[3];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	fz_keys[0] = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	fz_keys[1] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	fz_keys[2] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (!fz_keys[0] || !fz_keys[1] || !fz_keys[2])
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t hash[32] = { 1, 2, 3 };
	uint8_t content[64 + 34 + CP_HASH_MAX];
	const uint8_t *sig;
	size_t sig_len, clen = cp_cv_content(false, hash, sizeof(hash), content);
	uint16_t scheme;

	if (cp_ccv_parse(data, size, &scheme, &sig, &sig_len) != FTLS_OK)
		return 0;
	if (sig < data || sig + sig_len > data + size)
		abort();
	for (int k = 0; k < 3; k++)
		if (cp_cv_verify(fz_keys[k], scheme, content, clen, sig, sig_len) == FTLS_OK)
			abort();   /* a forged signature over our content: impossible */
	return 0;
}
