/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The tables behind tls.h: the cipher suites ftls implements and the names of wire constants.
 * Not for: policy (which suites a listener enables lives in its config).
 */
#include "common/tls.h"

#include <string.h>

#define S13(ID, NAME, OSSL, CIPH, HASH, KEY)                                       \
	{ .id = ID, .name = NAME, .version = FTLS_V_TLS13, .cipher = CIPH,          \
	  .mac = FTLS_MAC_AEAD, .hash = HASH, .kx = FTLS_KX_TLS13, .key_len = KEY,  \
	  .iv_len = 12, .record_iv_len = 0, .tag_len = 16 }
#define S12_GCM(ID, NAME, CIPH, HASH, KX, KEY)                                     \
	{ .id = ID, .name = NAME, .version = FTLS_V_TLS12, .cipher = CIPH,          \
	  .mac = FTLS_MAC_AEAD, .hash = HASH, .kx = KX, .key_len = KEY,             \
	  .iv_len = 4, .record_iv_len = 8, .tag_len = 16 }
#define S12_CHACHA(ID, NAME, KX)                                                    \
	{ .id = ID, .name = NAME, .version = FTLS_V_TLS12,                          \
	  .cipher = FTLS_CIPHER_CHACHA20_POLY1305, .mac = FTLS_MAC_AEAD,            \
	  .hash = FTLS_HASH_SHA256, .kx = KX, .key_len = 32, .iv_len = 12,          \
	  .record_iv_len = 0, .tag_len = 16 }
#define S12_CBC(ID, NAME, CIPH, KEY, MAC, MACLEN, HASH, KX)                        \
	{ .id = ID, .name = NAME, .version = FTLS_V_TLS12, .cipher = CIPH,          \
	  .mac = MAC, .hash = HASH, .kx = KX, .key_len = KEY, .iv_len = 0,          \
	  .record_iv_len = 16, .tag_len = MACLEN, .mac_key_len = MACLEN,            \
	  .block_len = 16 }

const struct ftls_suite ftls_suites[] = {
	S13(FTLS_TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256", 0,
	    FTLS_CIPHER_AES_128_GCM, FTLS_HASH_SHA256, 16),
	S13(FTLS_TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384", 0,
	    FTLS_CIPHER_AES_256_GCM, FTLS_HASH_SHA384, 32),
	S13(FTLS_TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256", 0,
	    FTLS_CIPHER_CHACHA20_POLY1305, FTLS_HASH_SHA256, 32),
	S12_GCM(FTLS_ECDHE_ECDSA_AES128_GCM_SHA256, "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
		FTLS_CIPHER_AES_128_GCM, FTLS_HASH_SHA256, FTLS_KX_ECDHE_ECDSA, 16),
	S12_GCM(FTLS_ECDHE_ECDSA_AES256_GCM_SHA384, "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
		FTLS_CIPHER_AES_256_GCM, FTLS_HASH_SHA384, FTLS_KX_ECDHE_ECDSA, 32),
	S12_CHACHA(FTLS_ECDHE_ECDSA_CHACHA20_POLY1305,
		   "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256", FTLS_KX_ECDHE_ECDSA),
	S12_GCM(FTLS_ECDHE_RSA_AES128_GCM_SHA256, "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
		FTLS_CIPHER_AES_128_GCM, FTLS_HASH_SHA256, FTLS_KX_ECDHE_RSA, 16),
	S12_GCM(FTLS_ECDHE_RSA_AES256_GCM_SHA384, "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
		FTLS_CIPHER_AES_256_GCM, FTLS_HASH_SHA384, FTLS_KX_ECDHE_RSA, 32),
	S12_CHACHA(FTLS_ECDHE_RSA_CHACHA20_POLY1305,
		   "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256", FTLS_KX_ECDHE_RSA),
	S12_CBC(FTLS_ECDHE_RSA_AES128_CBC_SHA256, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256",
		FTLS_CIPHER_AES_128_CBC, 16, FTLS_MAC_HMAC_SHA256, 32, FTLS_HASH_SHA256,
		FTLS_KX_ECDHE_RSA),
	S12_CBC(FTLS_ECDHE_RSA_AES256_CBC_SHA384, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
		FTLS_CIPHER_AES_256_CBC, 32, FTLS_MAC_HMAC_SHA384, 48, FTLS_HASH_SHA384,
		FTLS_KX_ECDHE_RSA),
	S12_CBC(FTLS_ECDHE_RSA_AES128_CBC_SHA, "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA",
		FTLS_CIPHER_AES_128_CBC, 16, FTLS_MAC_HMAC_SHA1, 20, FTLS_HASH_SHA256,
		FTLS_KX_ECDHE_RSA),
	S12_CBC(FTLS_ECDHE_RSA_AES256_CBC_SHA, "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA",
		FTLS_CIPHER_AES_256_CBC, 32, FTLS_MAC_HMAC_SHA1, 20, FTLS_HASH_SHA256,
		FTLS_KX_ECDHE_RSA),
	S12_CBC(FTLS_RSA_AES128_CBC_SHA256, "TLS_RSA_WITH_AES_128_CBC_SHA256",
		FTLS_CIPHER_AES_128_CBC, 16, FTLS_MAC_HMAC_SHA256, 32, FTLS_HASH_SHA256,
		FTLS_KX_RSA),
	S12_CBC(FTLS_RSA_AES256_CBC_SHA256, "TLS_RSA_WITH_AES_256_CBC_SHA256",
		FTLS_CIPHER_AES_256_CBC, 32, FTLS_MAC_HMAC_SHA256, 32, FTLS_HASH_SHA256,
		FTLS_KX_RSA),
};
const size_t ftls_nb_suites = sizeof(ftls_suites) / sizeof(ftls_suites[0]);

/* OpenSSL's names, for tests and for configs written in OpenSSL's vocabulary. */
static const struct {
	uint16_t id;
	const char *name;
} openssl_names[] = {
	{ FTLS_TLS_AES_128_GCM_SHA256, "TLS_AES_128_GCM_SHA256" },
	{ FTLS_TLS_AES_256_GCM_SHA384, "TLS_AES_256_GCM_SHA384" },
	{ FTLS_TLS_CHACHA20_POLY1305_SHA256, "TLS_CHACHA20_POLY1305_SHA256" },
	{ FTLS_ECDHE_ECDSA_AES128_GCM_SHA256, "ECDHE-ECDSA-AES128-GCM-SHA256" },
	{ FTLS_ECDHE_ECDSA_AES256_GCM_SHA384, "ECDHE-ECDSA-AES256-GCM-SHA384" },
	{ FTLS_ECDHE_ECDSA_CHACHA20_POLY1305, "ECDHE-ECDSA-CHACHA20-POLY1305" },
	{ FTLS_ECDHE_RSA_AES128_GCM_SHA256, "ECDHE-RSA-AES128-GCM-SHA256" },
	{ FTLS_ECDHE_RSA_AES256_GCM_SHA384, "ECDHE-RSA-AES256-GCM-SHA384" },
	{ FTLS_ECDHE_RSA_CHACHA20_POLY1305, "ECDHE-RSA-CHACHA20-POLY1305" },
	{ FTLS_ECDHE_RSA_AES128_CBC_SHA256, "ECDHE-RSA-AES128-SHA256" },
	{ FTLS_ECDHE_RSA_AES256_CBC_SHA384, "ECDHE-RSA-AES256-SHA384" },
	{ FTLS_ECDHE_RSA_AES128_CBC_SHA, "ECDHE-RSA-AES128-SHA" },
	{ FTLS_ECDHE_RSA_AES256_CBC_SHA, "ECDHE-RSA-AES256-SHA" },
	{ FTLS_RSA_AES128_CBC_SHA256, "AES128-SHA256" },
	{ FTLS_RSA_AES256_CBC_SHA256, "AES256-SHA256" },
};

const struct ftls_suite *ftls_suite_by_id(uint16_t id)
{
	for (size_t i = 0; i < ftls_nb_suites; i++)
		if (ftls_suites[i].id == id)
			return &ftls_suites[i];
	return NULL;
}

const char *ftls_suite_openssl_name(uint16_t id)
{
	for (size_t i = 0; i < sizeof(openssl_names) / sizeof(openssl_names[0]); i++)
		if (openssl_names[i].id == id)
			return openssl_names[i].name;
	return NULL;
}

const struct ftls_suite *ftls_suite_by_name(const char *name)
{
	for (size_t i = 0; i < ftls_nb_suites; i++)
		if (strcmp(ftls_suites[i].name, name) == 0)
			return &ftls_suites[i];
	for (size_t i = 0; i < sizeof(openssl_names) / sizeof(openssl_names[0]); i++)
		if (strcmp(openssl_names[i].name, name) == 0)
			return ftls_suite_by_id(openssl_names[i].id);
	return NULL;
}

struct code_name {
	int code;
	const char *name;
};

static const char *lookup(const struct code_name *t, size_t n, int code)
{
	for (size_t i = 0; i < n; i++)
		if (t[i].code == code)
			return t[i].name;
	return "unknown";
}
#define LOOKUP(t, code) lookup(t, sizeof(t) / sizeof(t[0]), code)

static const struct code_name alert_names[] = {
#define ALERT_NAME(n, v, s) { v, s },
	FTLS_ALERT_LIST(ALERT_NAME)
#undef ALERT_NAME
};

static const struct code_name ct_names[] = {
	{ FTLS_CT_CHANGE_CIPHER_SPEC, "change_cipher_spec" },
	{ FTLS_CT_ALERT, "alert" },
	{ FTLS_CT_HANDSHAKE, "handshake" },
	{ FTLS_CT_APPLICATION_DATA, "application_data" },
	{ FTLS_CT_HEARTBEAT, "heartbeat" },
};

static const struct code_name hs_names[] = {
	{ FTLS_HS_HELLO_REQUEST, "hello_request" },
	{ FTLS_HS_CLIENT_HELLO, "client_hello" },
	{ FTLS_HS_SERVER_HELLO, "server_hello" },
	{ FTLS_HS_NEW_SESSION_TICKET, "new_session_ticket" },
	{ FTLS_HS_END_OF_EARLY_DATA, "end_of_early_data" },
	{ FTLS_HS_ENCRYPTED_EXTENSIONS, "encrypted_extensions" },
	{ FTLS_HS_CERTIFICATE, "certificate" },
	{ FTLS_HS_SERVER_KEY_EXCHANGE, "server_key_exchange" },
	{ FTLS_HS_CERTIFICATE_REQUEST, "certificate_request" },
	{ FTLS_HS_SERVER_HELLO_DONE, "server_hello_done" },
	{ FTLS_HS_CERTIFICATE_VERIFY, "certificate_verify" },
	{ FTLS_HS_CLIENT_KEY_EXCHANGE, "client_key_exchange" },
	{ FTLS_HS_FINISHED, "finished" },
	{ FTLS_HS_CERTIFICATE_STATUS, "certificate_status" },
	{ FTLS_HS_KEY_UPDATE, "key_update" },
	{ FTLS_HS_MESSAGE_HASH, "message_hash" },
};

static const struct code_name ext_names[] = {
	{ FTLS_EXT_SERVER_NAME, "server_name" },
	{ FTLS_EXT_MAX_FRAGMENT_LENGTH, "max_fragment_length" },
	{ FTLS_EXT_STATUS_REQUEST, "status_request" },
	{ FTLS_EXT_SUPPORTED_GROUPS, "supported_groups" },
	{ FTLS_EXT_EC_POINT_FORMATS, "ec_point_formats" },
	{ FTLS_EXT_SIGNATURE_ALGORITHMS, "signature_algorithms" },
	{ FTLS_EXT_USE_SRTP, "use_srtp" },
	{ FTLS_EXT_HEARTBEAT, "heartbeat" },
	{ FTLS_EXT_ALPN, "application_layer_protocol_negotiation" },
	{ FTLS_EXT_SCT, "signed_certificate_timestamp" },
	{ FTLS_EXT_PADDING, "padding" },
	{ FTLS_EXT_ENCRYPT_THEN_MAC, "encrypt_then_mac" },
	{ FTLS_EXT_EXTENDED_MASTER_SECRET, "extended_master_secret" },
	{ FTLS_EXT_RECORD_SIZE_LIMIT, "record_size_limit" },
	{ FTLS_EXT_SESSION_TICKET, "session_ticket" },
	{ FTLS_EXT_PRE_SHARED_KEY, "pre_shared_key" },
	{ FTLS_EXT_EARLY_DATA, "early_data" },
	{ FTLS_EXT_SUPPORTED_VERSIONS, "supported_versions" },
	{ FTLS_EXT_COOKIE, "cookie" },
	{ FTLS_EXT_PSK_KEY_EXCHANGE_MODES, "psk_key_exchange_modes" },
	{ FTLS_EXT_CERTIFICATE_AUTHORITIES, "certificate_authorities" },
	{ FTLS_EXT_OID_FILTERS, "oid_filters" },
	{ FTLS_EXT_POST_HANDSHAKE_AUTH, "post_handshake_auth" },
	{ FTLS_EXT_SIGNATURE_ALGORITHMS_CERT, "signature_algorithms_cert" },
	{ FTLS_EXT_KEY_SHARE, "key_share" },
	{ FTLS_EXT_RENEGOTIATION_INFO, "renegotiation_info" },
};

static const struct code_name group_names[] = {
	{ FTLS_GROUP_SECP256R1, "secp256r1" },
	{ FTLS_GROUP_SECP384R1, "secp384r1" },
	{ FTLS_GROUP_X25519, "x25519" },
};

static const struct code_name version_names[] = {
	{ FTLS_V_SSL30, "SSLv3" },
	{ FTLS_V_TLS10, "TLSv1.0" },
	{ FTLS_V_TLS11, "TLSv1.1" },
	{ FTLS_V_TLS12, "TLSv1.2" },
	{ FTLS_V_TLS13, "TLSv1.3" },
};

const char *ftls_alert_name(int alert) { return LOOKUP(alert_names, alert); }
const char *ftls_content_type_name(int type) { return LOOKUP(ct_names, type); }
const char *ftls_hs_type_name(int type) { return LOOKUP(hs_names, type); }
const char *ftls_ext_name(int type) { return LOOKUP(ext_names, type); }
const char *ftls_group_name(int group) { return LOOKUP(group_names, group); }
const char *ftls_version_name(int version) { return LOOKUP(version_names, version); }

size_t ftls_hash_len(int hash)
{
	switch (hash) {
	case FTLS_HASH_SHA256:
		return 32;
	case FTLS_HASH_SHA384:
		return 48;
	default:
		return 0;
	}
}
