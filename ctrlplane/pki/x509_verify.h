/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client certificate verification for mutual TLS: the chain the client sent (DER, leaf first) is
 * verified with libcrypto against a CA bundle (and optionally a CRL file) for the clientAuth
 * purpose: validity at a given time, signatures, basicConstraints and path length, key usage and
 * extended key usage, revocation, a bound on chain depth, and a leaf key type we accept. Every
 * failure comes back as the err.def error whose alert the engine sends (RFC 8446 §6.2,
 * RFC 5246 §7.2.2); on success the verified identity (subject DN, SAN DNS/email/URI names) for the
 * responder and the CLI. Also the certificate_authorities list for CertificateRequest. Not for:
 * the server's own certificates (ctrlplane/cert.h) or parsing the Certificate message (the engine
 * hands over the DER of each entry).
 *
 * Error mapping (one table in x509_verify.c): expired or not yet valid -> certificate_expired;
 * revoked -> certificate_revoked; no path to a trusted CA (issuer unknown, self-signed leaf or
 * root not in the bundle) -> unknown_ca; wrong purpose (EKU without clientAuth, KU without
 * digitalSignature/keyAgreement) or a leaf key we do not accept -> unsupported_certificate;
 * everything else (bad signature, bad encoding, path length or depth exceeded, missing CRL,
 * invalid CA) -> bad_certificate. An empty chain is FTLS_ERR_CERTIFICATE_REQUIRED (the engine
 * decides whether that is fatal).
 */
#ifndef CP_X509_VERIFY_H
#define CP_X509_VERIFY_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/err.h"

enum {
	CP_X509_CHAIN_MAX = 10,     /* certificates accepted from a peer */
	CP_X509_DN_MAX = 512,       /* one-line subject DN, truncated to fit */
	CP_X509_SAN_MAX = 16,       /* SAN entries kept */
	CP_X509_SAN_LEN = 256,      /* one SAN value, truncated to fit */
};

struct cp_x509_conf {
	const char *ca_file;        /* PEM bundle of trusted CAs (required) */
	const char *crl_file;       /* PEM CRLs, or NULL: revocation of the leaf is checked */
	int crl_check_all;          /* with crl_file: check every certificate of the chain */
	int max_depth;              /* intermediates allowed between leaf and trust anchor (0: 4) */
};

enum cp_x509_san_type { CP_SAN_DNS = 1, CP_SAN_EMAIL, CP_SAN_URI };

struct cp_x509_identity {
	char subject[CP_X509_DN_MAX];   /* RFC 2253 form, "CN=alice,O=Example"; printable ASCII */
	char issuer[CP_X509_DN_MAX];
	char serial[2 * 20 + 1];        /* hex */
	unsigned nb_san;
	struct {
		uint8_t type;               /* enum cp_x509_san_type */
		char value[CP_X509_SAN_LEN];
	} san[CP_X509_SAN_MAX];
	int depth;                      /* certificates in the verified path, trust anchor included */
};

struct cp_x509_verifier;

/*
 * Loads the bundle (and CRLs). FTLS_ERR_CONFIG when a file cannot be read or holds no
 * certificate / CRL; FTLS_ERR_INVAL, FTLS_ERR_NOMEM.
 */
enum ftls_err cp_x509_verifier_create(const struct cp_x509_conf *conf,
				      struct cp_x509_verifier **out) FTLS_MUST_CHECK;
void cp_x509_verifier_destroy(struct cp_x509_verifier *v);

/*
 * Verifies der[0..n) (der[0] the leaf, the rest untrusted intermediates in any order) at time
 * `at` (0: now). On FTLS_OK, id (may be NULL) holds the leaf's identity. Errors as in the header
 * notes; FTLS_ERR_NOMEM / FTLS_ERR_INTERNAL for local failures.
 */
enum ftls_err cp_x509_verify(const struct cp_x509_verifier *v, const uint8_t *const *der,
			     const size_t *der_len, size_t n, time_t at,
			     struct cp_x509_identity *id) FTLS_MUST_CHECK;

/*
 * The public key of a certificate (normally the verified leaf, der[0]), for checking the
 * client's CertificateVerify. The caller frees it with EVP_PKEY_free. FTLS_ERR_BAD_CERTIFICATE
 * when der is not exactly one certificate with a usable key.
 */
enum ftls_err cp_x509_leaf_pubkey(const uint8_t *der, size_t der_len, EVP_PKEY **key) FTLS_MUST_CHECK;

/* Appends CertificateRequest's certificate_authorities: opaque DistinguishedName<1..2^16-1>
 * list in a 2-byte-length vector, one entry (DER subject) per certificate of the bundle, in
 * bundle order (RFC 5246 §7.4.4; the body of the RFC 8446 §4.2.4 extension). FTLS_ERR_FULL. */
enum ftls_err cp_x509_ca_names(const struct cp_x509_verifier *v, struct ftls_buf *out) FTLS_MUST_CHECK;

/* Name of a SAN type ("DNS", "email", "URI"). */
const char *cp_x509_san_type_name(int type);

#endif
