/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate sets of a listener: PEM chains and private keys (RSA 2048-4096, ECDSA P-256/P-384,
 * Ed25519) loaded through libcrypto, grouped by the SNI names they serve (exact names and
 * "*.example.com" wildcards), with a default set and a policy for names nobody serves. Each chain's
 * TLS 1.3 Certificate message body is encoded once at load time so a handshake copies it. Chosen
 * per handshake by SNI, then by which signature schemes the client allows. Not for: client
 * certificate verification (ctrlplane/pki/x509_verify.h) or anything on the wire besides the
 * encoded chain.
 */
#ifndef CP_CERT_H
#define CP_CERT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "common/err.h"

enum cp_key_type {
	CP_KEY_RSA = 1,
	CP_KEY_EC_P256,
	CP_KEY_EC_P384,
	CP_KEY_ED25519,
};

enum { CP_MAX_CHAINS = 4, CP_MAX_NAMES = 16, CP_MAX_SETS = 32 };

/* One certificate chain and its private key. */
struct cp_chain {
	EVP_PKEY *key;
	enum cp_key_type key_type;
	STACK_OF(X509) *certs;       /* leaf first */
	uint8_t *cert_msg;           /* TLS 1.3 Certificate body: context<0> + certificate_list */
	size_t cert_msg_len;
	char *cert_file, *key_file;  /* for messages */
	uint16_t cert_sig;           /* the scheme the leaf is signed with (0: none we know) */
};

/* The chains that serve one set of names. */
struct cp_cert_set {
	char *names[CP_MAX_NAMES];   /* lower case; "*.example.com" matches one label */
	unsigned nb_names;
	struct cp_chain chains[CP_MAX_CHAINS];
	unsigned nb_chains;
};

struct cp_certs {
	struct cp_cert_set sets[CP_MAX_SETS];
	unsigned nb_sets;
	int default_set;             /* index, or -1: no default */
	size_t max_cert_msg;         /* largest encoded chain */
};

/*
 * Loads a PEM chain (leaf first) and its PEM private key into the next chain of set. A key that
 * does not match the leaf, a key type or size outside policy, or an unreadable file is
 * FTLS_ERR_CONFIG with a message naming the file in err_msg.
 */
enum ftls_err cp_certs_load_chain(struct cp_certs *c, struct cp_cert_set *set,
				  const char *cert_file, const char *key_file, char *err_msg,
				  size_t err_len) FTLS_MUST_CHECK;
/*
 * Adds an already parsed chain (takes ownership of key and certs on success). Used by the loader
 * and by tests that build keys from data (RFC 8448's RSA-1024 key is below the file policy).
 */
enum ftls_err cp_certs_add_chain(struct cp_certs *c, struct cp_cert_set *set, EVP_PKEY *key,
				 STACK_OF(X509) *certs) FTLS_MUST_CHECK;
/* Adds a name to a set (copied, lower-cased). */
enum ftls_err cp_certs_add_name(struct cp_cert_set *set, const char *name) FTLS_MUST_CHECK;
/* New empty set, or NULL when full. */
struct cp_cert_set *cp_certs_new_set(struct cp_certs *c);

/*
 * The set for a server name (len bytes, not NUL-terminated; NULL for no SNI). *matched says
 * whether the name was found (exact, then wildcard) rather than falling back to the default.
 * NULL when nothing serves it (no default).
 */
const struct cp_cert_set *cp_certs_lookup(const struct cp_certs *c, const uint8_t *name,
					  size_t len, bool *matched);

/* The signature schemes (TLS 1.3 CertificateVerify) a key type can sign with, best first. */
size_t cp_key_schemes(enum cp_key_type t, const uint16_t **schemes);

void cp_certs_free(struct cp_certs *c);

#endif
