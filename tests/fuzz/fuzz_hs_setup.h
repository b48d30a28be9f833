/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The set-up both handshake fuzz targets share (included once by each, so its functions are
 * static): a cpu crypto device, one listener, the drain of the engine's events, and libFuzzer's
 * initialiser. Not for: anything a target does with its input.
 */
#ifndef FTLS_FUZZ_HS_SETUP_H
#define FTLS_FUZZ_HS_SETUP_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/tls.h"
#include "ctrlplane/hs.h"
#include "ctrlplane/resume/sess_cache.h"
#include "ctrlplane/resume/ticket.h"

/*
 * Set-up: a cpu crypto device, a
 * listener with ECDSA P-256 and Ed25519 chains generated at start, TLS 1.3 and 1.2, every group
 * and suite, a session cache and ticket keys (ids, tickets and PSKs of the input are looked up),
 * ALPN, and a deterministic randomness source so a crashing input replays.
 */
static struct ftls_crypto_dev *fz_dev;
static struct cp_certs fz_certs;
static struct cp_listener fz_l;

static void fz_rng(void *arg, uint8_t *out, size_t len)
{
	static uint8_t ctr;
	(void)arg;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(0x5a + i + ctr);
	ctr++;
}

static int fz_add(struct cp_cert_set *set, EVP_PKEY *key)
{
	X509 *x = X509_new();
	STACK_OF(X509) *sk = sk_X509_new_null();
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)"fuzz", -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(x));
	if (!X509_sign(x, key, EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256()) || !sk_X509_push(sk, x))
		return -1;
	return cp_certs_add_chain(&fz_certs, set, key, sk) ? -1 : 0;
}

static int fz_setup(void)
{
	struct ftls_crypto_conf conf = { .nb_qp = 1, .qp_depth = 16, .nb_slots = 64 };
	if (ftls_crypto_open("cpu", &conf, &fz_dev))
		return -1;
	fz_certs.default_set = 0;
	struct cp_cert_set *set = cp_certs_new_set(&fz_certs);
	if (cp_certs_add_name(set, "fuzz.test") ||
	    fz_add(set, EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) ||
	    fz_add(set, EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")))
		return -1;
	fz_l.name = "fuzz";
	fz_l.versions[0] = FTLS_V_TLS13;
	fz_l.versions[1] = FTLS_V_TLS12;
	fz_l.nb_versions = 2;
	/* Every suite (TLS 1.2 ones included; the RSA key exchange finds no RSA chain here). */
	for (size_t i = 0; i < ftls_nb_suites && fz_l.nb_suites < CP_MAX_SUITES; i++)
		fz_l.suites[fz_l.nb_suites++] = ftls_suites[i].id;
	fz_l.ems_optional = true;
	/* Resumption: session ids and tickets from the input go to the cache and ticket keys. */
	struct cp_sess_cache_conf cc = { .max_entries = 64, .max_bytes = 1 << 16, .lifetime = 60 };
	struct cp_ticket_conf tc = { .period = 3600 };
	if (cp_sess_cache_create(&cc, &fz_l.sess_cache) ||
	    cp_ticket_keys_create(&tc, &fz_l.tickets))
		return -1;
	fz_l.tickets13 = 1;
	fz_l.groups[0] = FTLS_GROUP_X25519;
	fz_l.groups[1] = FTLS_GROUP_SECP256R1;
	fz_l.groups[2] = FTLS_GROUP_SECP384R1;
	fz_l.nb_groups = 3;
	strcpy(fz_l.alpn[0], "h2");
	strcpy(fz_l.alpn[1], "http/1.1");
	fz_l.nb_alpn = 2;
	fz_l.certs = &fz_certs;
	fz_l.max_msg = 16384;
	fz_l.dev = fz_dev;
	fz_l.rng = fz_rng;
	return 0;
}

static void fz_drain(struct cp_hs *hs)
{
	struct cp_hs_event ev;
	while (cp_hs_next_event(hs, &ev))
		if (ev.type == CP_HS_EV_SEND && ev.len && (ev.data[0] < 20 || ev.data[0] > 23))
			abort();   /* the engine only writes records of the four TLS content types */
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (fz_setup())
		abort();
	return 0;
}

#endif
