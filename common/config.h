/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance config: one YAML file, read with libcyaml against a schema into these structs,
 * then checked for meaning (known suites, groups, versions; a default certificate set; ports in
 * range). Every error names the file, the line and the key ("x.yaml:12: listeners[0].port: ...");
 * a bad file gives no config at all, so nothing starts on one. Top-level sections: listeners,
 * crypto, management, logging, and dataplane, which this loader accepts and skips (the dataplane
 * reads its own section). Unknown keys anywhere are errors. Not for: building runtime objects from
 * the config (ctrlplane/listener.c does that for listeners).
 */
#ifndef FTLS_CONFIG_H
#define FTLS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum ftls_cfg_responder { FTLS_RESP_ECHO = 0, FTLS_RESP_HTTP };
enum ftls_cfg_sni_policy { FTLS_SNI_DEFAULT = 0, FTLS_SNI_REJECT };
enum ftls_cfg_version { FTLS_CFG_TLS12 = 0, FTLS_CFG_TLS13 };
enum ftls_cfg_ems { FTLS_EMS_REQUIRED = 0, FTLS_EMS_OPTIONAL };
enum ftls_cfg_cauth { FTLS_CAUTH_NONE = 0, FTLS_CAUTH_OPTIONAL, FTLS_CAUTH_REQUIRED };
enum ftls_cfg_backend { FTLS_BACKEND_CPU = 0, FTLS_BACKEND_SIM, FTLS_BACKEND_FPGA };
enum ftls_cfg_log_level {
	FTLS_CFG_LOG_ERR = 0,
	FTLS_CFG_LOG_WARN,
	FTLS_CFG_LOG_INFO,
	FTLS_CFG_LOG_DEBUG,
};

enum { FTLS_CFG_MAX_LIST = 16 };

struct ftls_cfg_chain {
	char *cert;                 /* PEM chain, leaf first (relative to the config's directory) */
	char *key;                  /* PEM private key */
};

struct ftls_cfg_certset {
	char **names;               /* SNI names: exact or "*.example.com" */
	unsigned names_count;
	bool is_default;            /* serves clients without SNI (and unknown names, by policy) */
	struct ftls_cfg_chain *chains;
	unsigned chains_count;
};

enum ftls_cfg_switch { FTLS_SW_DEFAULT = 0, FTLS_SW_ON, FTLS_SW_OFF };

/* The TLS 1.2 session cache (also the TLS 1.3 single-use ticket store). */
struct ftls_cfg_sess_cache {
	enum ftls_cfg_switch enabled;   /* default on */
	uint32_t max_entries;       /* default 20000 */
	uint32_t max_bytes;         /* default 16 MiB */
	uint32_t lifetime;          /* seconds a session (id or ticket) stays resumable: 7200 */
};

/* Session tickets: TLS 1.2 RFC 5077 and TLS 1.3 PSK. */
struct ftls_cfg_tickets {
	enum ftls_cfg_switch enabled;   /* default on */
	uint32_t rotation;          /* seconds a ticket key encrypts (it decrypts one more): 3600 */
	uint32_t tls13_count;       /* NewSessionTickets per TLS 1.3 handshake: 1..4 (default 1) */
	enum ftls_cfg_switch reuse; /* TLS 1.3 tickets usable more than once: default off */
	enum ftls_cfg_switch psk_ke;/* TLS 1.3 PSK without (EC)DHE: default off */
};

/* Client authentication (mTLS) of a listener. */
struct ftls_cfg_client_auth {
	enum ftls_cfg_cauth mode;   /* none, optional, required */
	char *ca;                   /* PEM bundle of trusted CAs (required unless mode is none) */
	char *crl;                  /* PEM CRLs (optional) */
	uint32_t max_depth;         /* intermediates allowed (0: 4) */
};

struct ftls_cfg_listener {
	char *name;
	char *address;
	uint16_t port;
	enum ftls_cfg_version *versions;
	unsigned versions_count;
	char **suites;              /* IANA or OpenSSL names */
	unsigned suites_count;
	char **groups;              /* x25519, secp256r1, secp384r1 */
	unsigned groups_count;
	char **alpn;
	unsigned alpn_count;
	enum ftls_cfg_sni_policy unknown_sni;
	struct ftls_cfg_certset *certificates;
	unsigned certificates_count;
	enum ftls_cfg_responder responder;
	uint32_t max_handshake_message;
	uint32_t handshake_timeout_ms;
	uint32_t max_connections;
	enum ftls_cfg_ems ems;      /* TLS 1.2 extended master secret (RFC 7627) */
	struct ftls_cfg_client_auth *client_auth;   /* NULL: none */
	struct ftls_cfg_sess_cache *session_cache;  /* NULL: defaults */
	struct ftls_cfg_tickets *tickets;           /* NULL: defaults */
	/* Filled by the loader from the lists above. */
	uint16_t version_ids[4];
	unsigned nb_version_ids;
	uint16_t suite_ids[FTLS_CFG_MAX_LIST];
	unsigned nb_suite_ids;
	uint16_t group_ids[FTLS_CFG_MAX_LIST];
	unsigned nb_group_ids;
};

struct ftls_cfg_crypto {
	enum ftls_cfg_backend backend;
	char *dev_path;
};

struct ftls_cfg_management {
	char *socket;
};

struct ftls_cfg_logging {
	enum ftls_cfg_log_level level;
	char *file;
};

struct ftls_config {
	struct ftls_cfg_listener *listeners;
	unsigned listeners_count;
	struct ftls_cfg_crypto *crypto;          /* never NULL after load (defaults filled in) */
	struct ftls_cfg_management *management;  /* may be NULL */
	struct ftls_cfg_logging *logging;        /* may be NULL */
	char *path;                              /* the file it came from (loader-owned) */
	char *dir;                               /* its directory, for relative paths */
};

/*
 * Loads and checks path. On error returns FTLS_ERR_CONFIG (or NOMEM) with one line in err
 * ("FILE:LINE: KEY: what is wrong") and *cfg NULL.
 */
enum ftls_err ftls_config_load(const char *path, struct ftls_config **cfg, char *err,
			       size_t err_len) FTLS_MUST_CHECK;
void ftls_config_free(struct ftls_config *cfg);
/* A path from the config, made absolute against the config file's directory (static buffer). */
const char *ftls_config_path(const struct ftls_config *cfg, const char *p, char *buf, size_t len);

const char *ftls_cfg_backend_name(enum ftls_cfg_backend b);

#endif
