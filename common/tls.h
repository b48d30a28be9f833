/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TLS wire constants (RFC 8446, RFC 5246 and the extension RFCs) and the tables built on them:
 * content types, handshake types, alerts, extensions, groups, signature schemes, and the cipher
 * suites with their key/IV/tag/MAC sizes and hash. Names come from tables so logs, tests and the
 * CLI print the same words. Not for: parsing (buf.h) or any state.
 */
#ifndef FTLS_TLS_H
#define FTLS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
	FTLS_REC_HDR_LEN = 5,
	FTLS_REC_MAX_PLAIN = 1 << 14,               /* RFC 8446 §5.1, RFC 5246 §6.2.1 */
	FTLS_REC13_MAX_CIPHER = (1 << 14) + 256,    /* RFC 8446 §5.2: TLSInnerPlaintext + expansion */
	FTLS_REC12_MAX_CIPHER = (1 << 14) + 2048,   /* RFC 5246 §6.2.3 */
	FTLS_REC_MAX_LEN = FTLS_REC_HDR_LEN + FTLS_REC12_MAX_CIPHER,
	FTLS_HS_HDR_LEN = 4,
	FTLS_RANDOM_LEN = 32,
	FTLS_MAX_KEY_LEN = 32,
	FTLS_MAX_IV_LEN = 12,
	FTLS_MAX_MAC_KEY_LEN = 48,
	FTLS_AEAD_TAG_LEN = 16,
};

enum ftls_version {
	FTLS_V_SSL30 = 0x0300,
	FTLS_V_TLS10 = 0x0301,
	FTLS_V_TLS11 = 0x0302,
	FTLS_V_TLS12 = 0x0303,
	FTLS_V_TLS13 = 0x0304,
};

enum ftls_content_type {
	FTLS_CT_INVALID = 0,
	FTLS_CT_CHANGE_CIPHER_SPEC = 20,
	FTLS_CT_ALERT = 21,
	FTLS_CT_HANDSHAKE = 22,
	FTLS_CT_APPLICATION_DATA = 23,
	FTLS_CT_HEARTBEAT = 24,
};

enum ftls_hs_type {
	FTLS_HS_HELLO_REQUEST = 0,
	FTLS_HS_CLIENT_HELLO = 1,
	FTLS_HS_SERVER_HELLO = 2,
	FTLS_HS_NEW_SESSION_TICKET = 4,
	FTLS_HS_END_OF_EARLY_DATA = 5,
	FTLS_HS_ENCRYPTED_EXTENSIONS = 8,
	FTLS_HS_CERTIFICATE = 11,
	FTLS_HS_SERVER_KEY_EXCHANGE = 12,
	FTLS_HS_CERTIFICATE_REQUEST = 13,
	FTLS_HS_SERVER_HELLO_DONE = 14,
	FTLS_HS_CERTIFICATE_VERIFY = 15,
	FTLS_HS_CLIENT_KEY_EXCHANGE = 16,
	FTLS_HS_FINISHED = 20,
	FTLS_HS_CERTIFICATE_STATUS = 22,
	FTLS_HS_KEY_UPDATE = 24,
	FTLS_HS_MESSAGE_HASH = 254,
};

enum ftls_alert_level {
	FTLS_ALERT_LEVEL_WARNING = 1,
	FTLS_ALERT_LEVEL_FATAL = 2,
};

/* X-macro: (NAME, code, "wire name") */
#define FTLS_ALERT_LIST(X)                                          \
	X(CLOSE_NOTIFY, 0, "close_notify")                          \
	X(UNEXPECTED_MESSAGE, 10, "unexpected_message")             \
	X(BAD_RECORD_MAC, 20, "bad_record_mac")                     \
	X(DECRYPTION_FAILED, 21, "decryption_failed")               \
	X(RECORD_OVERFLOW, 22, "record_overflow")                   \
	X(DECOMPRESSION_FAILURE, 30, "decompression_failure")       \
	X(HANDSHAKE_FAILURE, 40, "handshake_failure")               \
	X(NO_CERTIFICATE, 41, "no_certificate")                     \
	X(BAD_CERTIFICATE, 42, "bad_certificate")                   \
	X(UNSUPPORTED_CERTIFICATE, 43, "unsupported_certificate")   \
	X(CERTIFICATE_REVOKED, 44, "certificate_revoked")           \
	X(CERTIFICATE_EXPIRED, 45, "certificate_expired")           \
	X(CERTIFICATE_UNKNOWN, 46, "certificate_unknown")           \
	X(ILLEGAL_PARAMETER, 47, "illegal_parameter")               \
	X(UNKNOWN_CA, 48, "unknown_ca")                             \
	X(ACCESS_DENIED, 49, "access_denied")                       \
	X(DECODE_ERROR, 50, "decode_error")                         \
	X(DECRYPT_ERROR, 51, "decrypt_error")                       \
	X(EXPORT_RESTRICTION, 60, "export_restriction")             \
	X(PROTOCOL_VERSION, 70, "protocol_version")                 \
	X(INSUFFICIENT_SECURITY, 71, "insufficient_security")       \
	X(INTERNAL_ERROR, 80, "internal_error")                     \
	X(INAPPROPRIATE_FALLBACK, 86, "inappropriate_fallback")     \
	X(USER_CANCELED, 90, "user_canceled")                       \
	X(NO_RENEGOTIATION, 100, "no_renegotiation")                \
	X(MISSING_EXTENSION, 109, "missing_extension")              \
	X(UNSUPPORTED_EXTENSION, 110, "unsupported_extension")      \
	X(UNRECOGNIZED_NAME, 112, "unrecognized_name")              \
	X(BAD_CERTIFICATE_STATUS_RESPONSE, 113, "bad_certificate_status_response") \
	X(UNKNOWN_PSK_IDENTITY, 115, "unknown_psk_identity")        \
	X(CERTIFICATE_REQUIRED, 116, "certificate_required")        \
	X(NO_APPLICATION_PROTOCOL, 120, "no_application_protocol")

enum ftls_alert {
#define FTLS_ALERT_ENUM(n, v, s) FTLS_ALERT_##n = v,
	FTLS_ALERT_LIST(FTLS_ALERT_ENUM)
#undef FTLS_ALERT_ENUM
};

enum ftls_ext_type {
	FTLS_EXT_SERVER_NAME = 0,
	FTLS_EXT_MAX_FRAGMENT_LENGTH = 1,
	FTLS_EXT_STATUS_REQUEST = 5,
	FTLS_EXT_SUPPORTED_GROUPS = 10,
	FTLS_EXT_EC_POINT_FORMATS = 11,
	FTLS_EXT_SIGNATURE_ALGORITHMS = 13,
	FTLS_EXT_USE_SRTP = 14,
	FTLS_EXT_HEARTBEAT = 15,
	FTLS_EXT_ALPN = 16,
	FTLS_EXT_SCT = 18,
	FTLS_EXT_PADDING = 21,
	FTLS_EXT_ENCRYPT_THEN_MAC = 22,
	FTLS_EXT_EXTENDED_MASTER_SECRET = 23,
	FTLS_EXT_RECORD_SIZE_LIMIT = 28,
	FTLS_EXT_SESSION_TICKET = 35,
	FTLS_EXT_PRE_SHARED_KEY = 41,
	FTLS_EXT_EARLY_DATA = 42,
	FTLS_EXT_SUPPORTED_VERSIONS = 43,
	FTLS_EXT_COOKIE = 44,
	FTLS_EXT_PSK_KEY_EXCHANGE_MODES = 45,
	FTLS_EXT_CERTIFICATE_AUTHORITIES = 47,
	FTLS_EXT_OID_FILTERS = 48,
	FTLS_EXT_POST_HANDSHAKE_AUTH = 49,
	FTLS_EXT_SIGNATURE_ALGORITHMS_CERT = 50,
	FTLS_EXT_KEY_SHARE = 51,
	FTLS_EXT_RENEGOTIATION_INFO = 0xff01,
};

enum ftls_group {
	FTLS_GROUP_SECP256R1 = 0x0017,
	FTLS_GROUP_SECP384R1 = 0x0018,
	FTLS_GROUP_X25519 = 0x001d,
};

enum ftls_sig_scheme {
	FTLS_SIG_RSA_PKCS1_SHA256 = 0x0401,
	FTLS_SIG_RSA_PKCS1_SHA384 = 0x0501,
	FTLS_SIG_RSA_PKCS1_SHA512 = 0x0601,
	FTLS_SIG_ECDSA_SECP256R1_SHA256 = 0x0403,
	FTLS_SIG_ECDSA_SECP384R1_SHA384 = 0x0503,
	FTLS_SIG_ECDSA_SECP521R1_SHA512 = 0x0603,
	FTLS_SIG_RSA_PSS_RSAE_SHA256 = 0x0804,
	FTLS_SIG_RSA_PSS_RSAE_SHA384 = 0x0805,
	FTLS_SIG_RSA_PSS_RSAE_SHA512 = 0x0806,
	FTLS_SIG_ED25519 = 0x0807,
	FTLS_SIG_RSA_PSS_PSS_SHA256 = 0x0809,
	FTLS_SIG_RSA_PKCS1_SHA1 = 0x0201,
	FTLS_SIG_ECDSA_SHA1 = 0x0203,
};

/* Bulk ciphers, as the crypto backends know them. */
enum ftls_cipher {
	FTLS_CIPHER_NONE = 0,
	FTLS_CIPHER_AES_128_GCM,
	FTLS_CIPHER_AES_256_GCM,
	FTLS_CIPHER_CHACHA20_POLY1305,
	FTLS_CIPHER_AES_128_CBC,
	FTLS_CIPHER_AES_256_CBC,
};

/* Record MAC: AEAD suites have none; CBC suites use HMAC with this hash. */
enum ftls_mac {
	FTLS_MAC_AEAD = 0,
	FTLS_MAC_HMAC_SHA1,
	FTLS_MAC_HMAC_SHA256,
	FTLS_MAC_HMAC_SHA384,
};

enum ftls_hash {
	FTLS_HASH_SHA256 = 1,
	FTLS_HASH_SHA384,
};

enum ftls_kx {
	FTLS_KX_TLS13 = 0,   /* (EC)DHE or PSK, chosen by extensions */
	FTLS_KX_ECDHE_RSA,
	FTLS_KX_ECDHE_ECDSA,
	FTLS_KX_RSA,
};

/* One cipher suite: everything the record layer and key schedule need to know of it. */
struct ftls_suite {
	uint16_t id;
	const char *name;          /* IANA name */
	uint16_t version;          /* FTLS_V_TLS13, or FTLS_V_TLS12 for every pre-1.3 suite */
	uint8_t cipher;            /* enum ftls_cipher */
	uint8_t mac;               /* enum ftls_mac */
	uint8_t hash;              /* enum ftls_hash: PRF / HKDF / transcript hash */
	uint8_t kx;                /* enum ftls_kx */
	uint8_t key_len;           /* bulk key */
	uint8_t iv_len;            /* implicit (fixed) IV from the key block: 12, 4 (1.2 GCM), 0 (CBC) */
	uint8_t record_iv_len;     /* explicit per-record IV/nonce: 8 (1.2 GCM), 16 (CBC), 0 */
	uint8_t tag_len;           /* AEAD tag, or HMAC length for CBC suites */
	uint8_t mac_key_len;       /* CBC suites only */
	uint8_t block_len;         /* CBC cipher block, 0 otherwise */
};

/* Cipher suite ids (IANA). */
enum ftls_suite_id {
	FTLS_TLS_AES_128_GCM_SHA256 = 0x1301,
	FTLS_TLS_AES_256_GCM_SHA384 = 0x1302,
	FTLS_TLS_CHACHA20_POLY1305_SHA256 = 0x1303,
	FTLS_ECDHE_ECDSA_AES128_GCM_SHA256 = 0xc02b,
	FTLS_ECDHE_ECDSA_AES256_GCM_SHA384 = 0xc02c,
	FTLS_ECDHE_RSA_AES128_GCM_SHA256 = 0xc02f,
	FTLS_ECDHE_RSA_AES256_GCM_SHA384 = 0xc030,
	FTLS_ECDHE_RSA_CHACHA20_POLY1305 = 0xcca8,
	FTLS_ECDHE_ECDSA_CHACHA20_POLY1305 = 0xcca9,
	FTLS_ECDHE_RSA_AES128_CBC_SHA = 0xc013,
	FTLS_ECDHE_RSA_AES256_CBC_SHA = 0xc014,
	FTLS_ECDHE_RSA_AES128_CBC_SHA256 = 0xc027,
	FTLS_ECDHE_RSA_AES256_CBC_SHA384 = 0xc028,
	FTLS_RSA_AES128_CBC_SHA256 = 0x003c,
	FTLS_RSA_AES256_CBC_SHA256 = 0x003d,
	FTLS_EMPTY_RENEGOTIATION_INFO_SCSV = 0x00ff,
	FTLS_FALLBACK_SCSV = 0x5600,
};

/* The suite table: every suite ftls implements, in the server's default preference order. */
extern const struct ftls_suite ftls_suites[];
extern const size_t ftls_nb_suites;

/* Suite by IANA id, or NULL. */
const struct ftls_suite *ftls_suite_by_id(uint16_t id);
/* Suite by IANA name ("TLS_AES_128_GCM_SHA256") or OpenSSL name ("ECDHE-RSA-AES128-GCM-SHA256"). */
const struct ftls_suite *ftls_suite_by_name(const char *name);
/* OpenSSL's name for a suite (for tests that drive libssl), or NULL. */
const char *ftls_suite_openssl_name(uint16_t id);

const char *ftls_alert_name(int alert);           /* "bad_record_mac", or "unknown" */
const char *ftls_content_type_name(int type);     /* "handshake", or "unknown" */
const char *ftls_hs_type_name(int type);          /* "client_hello", or "unknown" */
const char *ftls_ext_name(int type);              /* "key_share", or "unknown" */
const char *ftls_group_name(int group);           /* "x25519", or "unknown" */
const char *ftls_version_name(int version);       /* "TLSv1.3", or "unknown" */
size_t ftls_hash_len(int hash);                   /* 32 or 48, 0 if unknown */

#endif
