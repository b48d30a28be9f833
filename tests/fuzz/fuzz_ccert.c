/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: a client Certificate message (header included); the first input byte picks
 * the TLS 1.3 layout (context, entries with extensions) or the 1.2 one. cp_ccert_parse's views
 * must lie inside the input; each certificate's DER then goes through libcrypto's parser for the
 * leaf key (cp_x509_leaf_pubkey) and the whole chain through the verifier against a CA made at
 * start (cp_x509_verify), as the engine does. Nothing may crash, leak or read out of bounds.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "ctrlplane/hs/hs_int.h"
#include "ctrlplane/pki/x509_verify.h"

static struct cp_x509_verifier *fz_v;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char path[64];
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	X509 *x = X509_new();
	FILE *f;

	(void)argc;
	(void)argv;
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, k);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"fuzz CA", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (!X509_sign(x, k, EVP_sha256()))
		abort();
	snprintf(path, sizeof(path), "/tmp/ftls-fuzz-ca-%d.pem", (int)getpid());
	if (!(f = fopen(path, "w")) || !PEM_write_X509(f, x))
		abort();
	fclose(f);
	struct cp_x509_conf c = { .ca_file = path };
	if (cp_x509_verifier_create(&c, &fz_v))
		abort();
	unlink(path);
	X509_free(x);
	EVP_PKEY_free(k);
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *der[CP_CCERT_MAX];
	size_t der_len[CP_CCERT_MAX], n;
	struct cp_x509_identity id;
	EVP_PKEY *key;

	if (size < 1)
		return 0;
	if (cp_ccert_parse(data[0] & 1, data + 1, size - 1, der, der_len, &n) != FTLS_OK)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (der[i] < data + 1 || der[i] + der_len[i] > data + size)
			abort();
		if (cp_x509_leaf_pubkey(der[i], der_len[i], &key) == FTLS_OK)
			EVP_PKEY_free(key);
	}
	if (n)
		(void)cp_x509_verify(fz_v, der, der_len, n, 0, &id);
	return 0;
}
