/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance config loader: libcyaml reads the file against the schema below; libyaml's node
 * marks give the line of any key we complain about (libcyaml's own messages carry a key path but
 * no line, so the loader rebuilds the path from its backtrace and looks it up). See config.h.
 */
#include "common/config.h"

#include <errno.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include "common/tls.h"

/* ---- schema ---- */

static const cyaml_strval_t version_strings[] = {
	{ "tls1.2", FTLS_CFG_TLS12 },
	{ "tls1.3", FTLS_CFG_TLS13 },
};
static const cyaml_strval_t ems_strings[] = {
	{ "required", FTLS_EMS_REQUIRED },
	{ "optional", FTLS_EMS_OPTIONAL },
};
static const cyaml_strval_t switch_strings[] = {
	{ "true", FTLS_SW_ON },
	{ "false", FTLS_SW_OFF },
};
static const cyaml_strval_t cauth_strings[] = {
	{ "none", FTLS_CAUTH_NONE },
	{ "optional", FTLS_CAUTH_OPTIONAL },
	{ "required", FTLS_CAUTH_REQUIRED },
};
static const cyaml_strval_t responder_strings[] = {
	{ "echo", FTLS_RESP_ECHO },
	{ "http", FTLS_RESP_HTTP },
};
static const cyaml_strval_t sni_strings[] = {
	{ "default", FTLS_SNI_DEFAULT },
	{ "reject", FTLS_SNI_REJECT },
};
static const cyaml_strval_t backend_strings[] = {
	{ "cpu", FTLS_BACKEND_CPU },
	{ "sim", FTLS_BACKEND_SIM },
	{ "fpga", FTLS_BACKEND_FPGA },
};
static const cyaml_strval_t level_strings[] = {
	{ "err", FTLS_CFG_LOG_ERR },
	{ "warn", FTLS_CFG_LOG_WARN },
	{ "info", FTLS_CFG_LOG_INFO },
	{ "debug", FTLS_CFG_LOG_DEBUG },
};
#define NSTR(a) (sizeof(a) / sizeof((a)[0]))

static const cyaml_schema_value_t string_entry = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, 255),
};
static const cyaml_schema_value_t version_entry = {
	CYAML_VALUE_ENUM(CYAML_FLAG_DEFAULT, enum ftls_cfg_version, version_strings, NSTR(version_strings)),
};

static const cyaml_schema_field_t chain_fields[] = {
	CYAML_FIELD_STRING_PTR("cert", CYAML_FLAG_POINTER, struct ftls_cfg_chain, cert, 1, 4096),
	CYAML_FIELD_STRING_PTR("key", CYAML_FLAG_POINTER, struct ftls_cfg_chain, key, 1, 4096),
	CYAML_FIELD_END
};
static const cyaml_schema_value_t chain_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct ftls_cfg_chain, chain_fields),
};

static const cyaml_schema_field_t certset_fields[] = {
	CYAML_FIELD_SEQUENCE("names", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct ftls_cfg_certset,
			     names, &string_entry, 0, 16),
	CYAML_FIELD_BOOL("default", CYAML_FLAG_OPTIONAL, struct ftls_cfg_certset, is_default),
	CYAML_FIELD_SEQUENCE("chains", CYAML_FLAG_POINTER, struct ftls_cfg_certset, chains, &chain_entry,
			     1, 4),
	CYAML_FIELD_END
};
static const cyaml_schema_value_t certset_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct ftls_cfg_certset, certset_fields),
};

static const cyaml_schema_field_t cauth_fields[] = {
	CYAML_FIELD_ENUM("mode", CYAML_FLAG_DEFAULT, struct ftls_cfg_client_auth, mode, cauth_strings,
			 NSTR(cauth_strings)),
	CYAML_FIELD_STRING_PTR("ca", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct ftls_cfg_client_auth, ca, 1, 4096),
	CYAML_FIELD_STRING_PTR("crl", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct ftls_cfg_client_auth, crl, 1, 4096),
	CYAML_FIELD_UINT("max_depth", CYAML_FLAG_OPTIONAL, struct ftls_cfg_client_auth, max_depth),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t sess_cache_fields[] = {
	CYAML_FIELD_ENUM("enabled", CYAML_FLAG_OPTIONAL, struct ftls_cfg_sess_cache, enabled,
			 switch_strings, NSTR(switch_strings)),
	CYAML_FIELD_UINT("max_entries", CYAML_FLAG_OPTIONAL, struct ftls_cfg_sess_cache, max_entries),
	CYAML_FIELD_UINT("max_bytes", CYAML_FLAG_OPTIONAL, struct ftls_cfg_sess_cache, max_bytes),
	CYAML_FIELD_UINT("lifetime", CYAML_FLAG_OPTIONAL, struct ftls_cfg_sess_cache, lifetime),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t tickets_fields[] = {
	CYAML_FIELD_ENUM("enabled", CYAML_FLAG_OPTIONAL, struct ftls_cfg_tickets, enabled,
			 switch_strings, NSTR(switch_strings)),
	CYAML_FIELD_UINT("rotation", CYAML_FLAG_OPTIONAL, struct ftls_cfg_tickets, rotation),
	CYAML_FIELD_UINT("tls13_count", CYAML_FLAG_OPTIONAL, struct ftls_cfg_tickets, tls13_count),
	CYAML_FIELD_ENUM("reuse", CYAML_FLAG_OPTIONAL, struct ftls_cfg_tickets, reuse,
			 switch_strings, NSTR(switch_strings)),
	CYAML_FIELD_ENUM("psk_ke", CYAML_FLAG_OPTIONAL, struct ftls_cfg_tickets, psk_ke,
			 switch_strings, NSTR(switch_strings)),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t listener_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct ftls_cfg_listener, name, 1, 64),
	CYAML_FIELD_STRING_PTR("address", CYAML_FLAG_POINTER, struct ftls_cfg_listener, address, 1, 64),
	CYAML_FIELD_UINT("port", CYAML_FLAG_DEFAULT, struct ftls_cfg_listener, port),
	CYAML_FIELD_SEQUENCE("versions", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			     struct ftls_cfg_listener, versions, &version_entry, 1, 2),
	CYAML_FIELD_SEQUENCE("suites", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener,
			     suites, &string_entry, 1, FTLS_CFG_MAX_LIST),
	CYAML_FIELD_SEQUENCE("groups", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener,
			     groups, &string_entry, 1, FTLS_CFG_MAX_LIST),
	CYAML_FIELD_SEQUENCE("alpn", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener,
			     alpn, &string_entry, 1, 8),
	CYAML_FIELD_ENUM("unknown_sni", CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener, unknown_sni,
			 sni_strings, NSTR(sni_strings)),
	CYAML_FIELD_SEQUENCE("certificates", CYAML_FLAG_POINTER, struct ftls_cfg_listener, certificates,
			     &certset_entry, 1, 32),
	CYAML_FIELD_ENUM("responder", CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener, responder,
			 responder_strings, NSTR(responder_strings)),
	CYAML_FIELD_UINT("max_handshake_message", CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener,
			 max_handshake_message),
	CYAML_FIELD_UINT("handshake_timeout_ms", CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener,
			 handshake_timeout_ms),
	CYAML_FIELD_UINT("max_connections", CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener,
			 max_connections),
	CYAML_FIELD_ENUM("extended_master_secret", CYAML_FLAG_OPTIONAL, struct ftls_cfg_listener,
			 ems, ems_strings, NSTR(ems_strings)),
	CYAML_FIELD_MAPPING_PTR("client_auth", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct ftls_cfg_listener, client_auth, cauth_fields),
	CYAML_FIELD_MAPPING_PTR("session_cache", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct ftls_cfg_listener, session_cache, sess_cache_fields),
	CYAML_FIELD_MAPPING_PTR("tickets", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct ftls_cfg_listener, tickets, tickets_fields),
	CYAML_FIELD_END
};
static const cyaml_schema_value_t listener_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct ftls_cfg_listener, listener_fields),
};

static const cyaml_schema_field_t crypto_fields[] = {
	CYAML_FIELD_ENUM("backend", CYAML_FLAG_DEFAULT, struct ftls_cfg_crypto, backend, backend_strings,
			 NSTR(backend_strings)),
	CYAML_FIELD_STRING_PTR("dev_path", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
			       struct ftls_cfg_crypto, dev_path, 0, 4096),
	CYAML_FIELD_END
};
static const cyaml_schema_field_t management_fields[] = {
	CYAML_FIELD_STRING_PTR("socket", CYAML_FLAG_POINTER, struct ftls_cfg_management, socket, 1, 107),
	CYAML_FIELD_END
};
static const cyaml_schema_field_t logging_fields[] = {
	CYAML_FIELD_ENUM("level", CYAML_FLAG_OPTIONAL, struct ftls_cfg_logging, level, level_strings,
			 NSTR(level_strings)),
	CYAML_FIELD_STRING_PTR("file", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct ftls_cfg_logging,
			       file, 1, 4096),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_SEQUENCE("listeners", CYAML_FLAG_POINTER, struct ftls_config, listeners,
			     &listener_entry, 1, 64),
	CYAML_FIELD_MAPPING_PTR("crypto", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct ftls_config,
				crypto, crypto_fields),
	CYAML_FIELD_MAPPING_PTR("management", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL,
				struct ftls_config, management, management_fields),
	CYAML_FIELD_MAPPING_PTR("logging", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct ftls_config,
				logging, logging_fields),
	/* The dataplane reads its own section; here it is only allowed to exist. */
	CYAML_FIELD_IGNORE("dataplane", CYAML_FLAG_OPTIONAL),
	CYAML_FIELD_END
};
static const cyaml_schema_value_t top_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct ftls_config, top_fields),
};

/* ---- where a key is: libyaml's marks ---- */

/* A key path: "listeners[0].certificates[1].chains[0].key". */
static yaml_node_t *walk(yaml_document_t *doc, yaml_node_t *n, const char *path, int *line)
{
	char seg[128];
	while (*path && n) {
		if (*path == '.')
			path++;
		if (*path == '[') {
			long idx = strtol(path + 1, (char **)&path, 10);
			if (*path == ']')
				path++;
			if (n->type != YAML_SEQUENCE_NODE)
				return n;
			yaml_node_item_t *it = n->data.sequence.items.start;
			if (idx < 0 || it + idx >= n->data.sequence.items.top)
				return n;
			n = yaml_document_get_node(doc, it[idx]);
			if (n)
				*line = (int)n->start_mark.line + 1;
			continue;
		}
		size_t k = strcspn(path, ".[");
		if (k >= sizeof(seg))
			return n;
		memcpy(seg, path, k);
		seg[k] = 0;
		path += k;
		if (n->type != YAML_MAPPING_NODE)
			return n;
		yaml_node_t *found = NULL;
		for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
			yaml_node_t *key = yaml_document_get_node(doc, p->key);
			if (key && key->type == YAML_SCALAR_NODE && strlen(seg) == key->data.scalar.length &&
			    memcmp(seg, key->data.scalar.value, key->data.scalar.length) == 0) {
				*line = (int)key->start_mark.line + 1;
				found = yaml_document_get_node(doc, p->value);
				break;
			}
		}
		if (!found)
			return n;
		n = found;
	}
	return n;
}

/* The line of path in file (of its deepest part that exists); 0 when the file cannot be read. */
static int line_of(const char *file, const char *path)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	FILE *f = fopen(file, "rb");
	int line = 0;

	if (!f)
		return 0;
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return 0;
	}
	yaml_parser_set_input_file(&parser, f);
	if (yaml_parser_load(&parser, &doc)) {
		yaml_node_t *root = yaml_document_get_root_node(&doc);
		if (root) {
			line = (int)root->start_mark.line + 1;
			walk(&doc, root, path, &line);
		}
		yaml_document_delete(&doc);
	} else {
		line = (int)parser.problem_mark.line + 1;
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return line;
}

/* ---- libcyaml's messages ---- */

struct cy_log {
	char first[256];     /* the first error message */
	char path[256];      /* key path rebuilt from the backtrace */
	char bt[8][256];     /* backtrace entries, innermost first */
	int nb_bt;
	bool in_bt;
};

static void cy_log_fn(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct cy_log *l = ctx;
	char line[256];

	if (level < CYAML_LOG_ERROR)
		return;
	vsnprintf(line, sizeof(line), fmt, args);
	line[strcspn(line, "\n")] = 0;
	if (strstr(line, "Backtrace:")) {
		l->in_bt = true;
		return;
	}
	if (l->in_bt) {
		if (l->nb_bt < 8)
			snprintf(l->bt[l->nb_bt++], sizeof(l->bt[0]), "%s", line);
		return;
	}
	if (!l->first[0])
		snprintf(l->first, sizeof(l->first), "%s", line);
}

/*
 * Backtrace lines: "  in mapping field 'port' (line: 4, ...)", "  in sequence entry '2' (...)"
 * (entries counted from 1), "  in mapping (...)". The path is rebuilt outermost first; for a
 * missing field the innermost entry names the last field read, not the one missing, so it goes;
 * for an unexpected key the key itself is appended.
 */
static void cy_path(struct cy_log *l)
{
	size_t n = 0;
	int inner = 0;
	const char *uk = strstr(l->first, "Unexpected key: ");

	if (strstr(l->first, "Missing required mapping field") && l->nb_bt &&
	    strstr(l->bt[0], "mapping field '"))
		inner = 1;
	l->path[0] = 0;
	for (int i = l->nb_bt - 1; i >= inner && n < sizeof(l->path); i--) {
		const char *q = strchr(l->bt[i], '\'');
		const char *e = q ? strchr(q + 1, '\'') : NULL;
		if (!q || !e)
			continue;
		int len = (int)(e - q - 1);
		if (strstr(l->bt[i], "sequence entry")) {
			long idx = strtol(q + 1, NULL, 10) - 1;
			if (idx >= 0)
				n += (size_t)snprintf(l->path + n, sizeof(l->path) - n, "[%ld]", idx);
		} else
			n += (size_t)snprintf(l->path + n, sizeof(l->path) - n, "%s%.*s", n ? "." : "",
					      len, q + 1);
	}
	if (uk && n < sizeof(l->path))
		snprintf(l->path + n, sizeof(l->path) - n, "%s%s", n ? "." : "", uk + 16);
}

/* ---- meaning ---- */

static const struct {
	const char *name;
	uint16_t id;
} group_names[] = {
	{ "x25519", FTLS_GROUP_X25519 },
	{ "secp256r1", FTLS_GROUP_SECP256R1 },
	{ "p-256", FTLS_GROUP_SECP256R1 },
	{ "secp384r1", FTLS_GROUP_SECP384R1 },
	{ "p-384", FTLS_GROUP_SECP384R1 },
};

static enum ftls_err cfg_error(const struct ftls_config *c, char *err, size_t len, const char *path,
			       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static enum ftls_err cfg_error(const struct ftls_config *c, char *err, size_t len, const char *path,
			       const char *fmt, ...)
{
	char what[256];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	snprintf(err, len, "%s:%d: %s: %s", c->path, line_of(c->path, path), path, what);
	return FTLS_ERR_CONFIG;
}

static enum ftls_err check_listener(struct ftls_config *c, unsigned i, char *err, size_t len)
{
	struct ftls_cfg_listener *l = &c->listeners[i];
	char path[128];
	unsigned defaults = 0;

	if (l->port == 0) {
		snprintf(path, sizeof(path), "listeners[%u].port", i);
		return cfg_error(c, err, len, path, "port must be 1..65535");
	}
	for (unsigned j = 0; j < i; j++)
		if (strcmp(c->listeners[j].name, l->name) == 0) {
			snprintf(path, sizeof(path), "listeners[%u].name", i);
			return cfg_error(c, err, len, path, "duplicate listener name '%s'", l->name);
		}
	/* Versions, preferred first: TLS 1.3 and 1.2 (nothing older exists here); both by default. */
	if (!l->versions_count) {
		l->version_ids[l->nb_version_ids++] = FTLS_V_TLS13;
		l->version_ids[l->nb_version_ids++] = FTLS_V_TLS12;
	}
	for (unsigned j = 0; j < l->versions_count; j++) {
		uint16_t v = l->versions[j] == FTLS_CFG_TLS12 ? FTLS_V_TLS12 : FTLS_V_TLS13;
		snprintf(path, sizeof(path), "listeners[%u].versions[%u]", i, j);
		for (unsigned k = 0; k < l->nb_version_ids; k++)
			if (l->version_ids[k] == v)
				return cfg_error(c, err, len, path, "version listed twice");
		l->version_ids[l->nb_version_ids++] = v;
	}
	for (unsigned j = 0; j < l->suites_count; j++) {
		const struct ftls_suite *s = ftls_suite_by_name(l->suites[j]);
		snprintf(path, sizeof(path), "listeners[%u].suites[%u]", i, j);
		if (!s)
			return cfg_error(c, err, len, path, "unknown cipher suite '%s'", l->suites[j]);
		for (unsigned k = 0; k < l->nb_suite_ids; k++)
			if (l->suite_ids[k] == s->id)
				return cfg_error(c, err, len, path, "suite listed twice");
		l->suite_ids[l->nb_suite_ids++] = s->id;
	}
	/* Default: every suite of the table in its order, except the RSA key exchange (no forward
	 * secrecy: only when listed). */
	for (size_t k = 0; !l->suites_count && k < ftls_nb_suites; k++)
		if (ftls_suites[k].kx != FTLS_KX_RSA && l->nb_suite_ids < FTLS_CFG_MAX_LIST)
			l->suite_ids[l->nb_suite_ids++] = ftls_suites[k].id;
	for (unsigned j = 0; j < l->groups_count; j++) {
		unsigned k;
		snprintf(path, sizeof(path), "listeners[%u].groups[%u]", i, j);
		for (k = 0; k < NSTR(group_names); k++)
			if (strcasecmp(group_names[k].name, l->groups[j]) == 0)
				break;
		if (k == NSTR(group_names))
			return cfg_error(c, err, len, path, "unknown group '%s' (x25519, secp256r1, secp384r1)",
					 l->groups[j]);
		l->group_ids[l->nb_group_ids++] = group_names[k].id;
	}
	if (!l->groups_count) {
		l->group_ids[l->nb_group_ids++] = FTLS_GROUP_X25519;
		l->group_ids[l->nb_group_ids++] = FTLS_GROUP_SECP256R1;
		l->group_ids[l->nb_group_ids++] = FTLS_GROUP_SECP384R1;
	}
	for (unsigned j = 0; j < l->alpn_count; j++) {
		snprintf(path, sizeof(path), "listeners[%u].alpn[%u]", i, j);
		if (strlen(l->alpn[j]) > 255)
			return cfg_error(c, err, len, path, "protocol name longer than 255 bytes");
		/* Advertise only what the responder speaks: an h2 client would get HTTP/1.1 bytes. */
		if (l->responder == FTLS_RESP_HTTP && strcmp(l->alpn[j], "http/1.1") &&
		    strcmp(l->alpn[j], "http/1.0"))
			return cfg_error(c, err, len, path, "the http responder speaks http/1.1 and http/1.0 only");
	}
	for (unsigned j = 0; j < l->certificates_count; j++) {
		struct ftls_cfg_certset *s = &l->certificates[j];
		snprintf(path, sizeof(path), "listeners[%u].certificates[%u]", i, j);
		defaults += s->is_default;
		if (!s->names_count && !s->is_default)
			return cfg_error(c, err, len, path, "a certificate set needs names or default: true");
	}
	if (defaults > 1) {
		snprintf(path, sizeof(path), "listeners[%u].certificates", i);
		return cfg_error(c, err, len, path, "more than one default certificate set");
	}
	if (!l->max_handshake_message)
		l->max_handshake_message = 16384;
	if (l->max_handshake_message < 1024 || l->max_handshake_message > (1u << 20)) {
		snprintf(path, sizeof(path), "listeners[%u].max_handshake_message", i);
		return cfg_error(c, err, len, path, "must be 1024..1048576");
	}
	if (!l->handshake_timeout_ms)
		l->handshake_timeout_ms = 10000;
	if (l->client_auth && l->client_auth->mode != FTLS_CAUTH_NONE && !l->client_auth->ca) {
		snprintf(path, sizeof(path), "listeners[%u].client_auth", i);
		return cfg_error(c, err, len, path, "mode %s needs ca (a PEM bundle)",
				 l->client_auth->mode == FTLS_CAUTH_REQUIRED ? "required" : "optional");
	}
	if (l->session_cache && l->session_cache->lifetime > 604800) {
		snprintf(path, sizeof(path), "listeners[%u].session_cache.lifetime", i);
		return cfg_error(c, err, len, path, "must be at most 604800 (7 days)");
	}
	if (l->session_cache && l->session_cache->max_entries > 10000000) {
		snprintf(path, sizeof(path), "listeners[%u].session_cache.max_entries", i);
		return cfg_error(c, err, len, path, "must be at most 10000000");
	}
	if (l->tickets && l->tickets->tls13_count > 4) {
		snprintf(path, sizeof(path), "listeners[%u].tickets.tls13_count", i);
		return cfg_error(c, err, len, path, "must be at most 4");
	}
	if (l->client_auth && l->client_auth->max_depth > 16) {
		snprintf(path, sizeof(path), "listeners[%u].client_auth.max_depth", i);
		return cfg_error(c, err, len, path, "must be at most 16");
	}
	if (!l->max_connections)
		l->max_connections = 1024;
	if (l->max_connections > (1u << 20)) {
		snprintf(path, sizeof(path), "listeners[%u].max_connections", i);
		return cfg_error(c, err, len, path, "must be at most 1048576");
	}
	return FTLS_OK;
}

static const cyaml_config_t cy_config_base = {
	.log_level = CYAML_LOG_ERROR,
	.mem_fn = cyaml_mem,
	.flags = CYAML_CFG_DEFAULT,
};

void ftls_config_free(struct ftls_config *cfg)
{
	if (!cfg)
		return;
	free(cfg->path);
	free(cfg->dir);
	cfg->path = cfg->dir = NULL;
	cyaml_free(&cy_config_base, &top_schema, cfg, 0);
}

enum ftls_err ftls_config_load(const char *path, struct ftls_config **out, char *err, size_t err_len)
{
	struct cy_log log = { 0 };
	cyaml_config_t cy = cy_config_base;
	struct ftls_config *c = NULL;
	cyaml_err_t e;
	FILE *f;

	*out = NULL;
	if (!(f = fopen(path, "rb"))) {
		snprintf(err, err_len, "%s:0: cannot open: %s", path, strerror(errno));
		return FTLS_ERR_CONFIG;
	}
	fclose(f);
	cy.log_fn = cy_log_fn;
	cy.log_ctx = &log;
	e = cyaml_load_file(path, &cy, &top_schema, (cyaml_data_t **)&c, NULL);
	if (e != CYAML_OK) {
		cy_path(&log);
		int line = line_of(path, log.path);
		const char *what = log.first[0] ? log.first : cyaml_strerror(e);
		if (strncmp(what, "Load: ", 6) == 0)
			what += 6;
		snprintf(err, err_len, "%s:%d: %s: %s", path, line, log.path[0] ? log.path : "(top)", what);
		return e == CYAML_ERR_OOM ? FTLS_ERR_NOMEM : FTLS_ERR_CONFIG;
	}
	if (!c) {
		snprintf(err, err_len, "%s:1: (top): empty config", path);
		return FTLS_ERR_CONFIG;
	}
	c->path = strdup(path);
	char *tmp = strdup(path);
	c->dir = tmp ? strdup(dirname(tmp)) : NULL;
	free(tmp);
	if (!c->path || !c->dir) {
		ftls_config_free(c);
		return FTLS_ERR_NOMEM;
	}
	if (!c->crypto) {
		c->crypto = calloc(1, sizeof(*c->crypto));   /* default: cpu backend */
		if (!c->crypto) {
			ftls_config_free(c);
			return FTLS_ERR_NOMEM;
		}
	}
	for (unsigned i = 0; i < c->listeners_count; i++) {
		enum ftls_err r = check_listener(c, i, err, err_len);
		if (r) {
			ftls_config_free(c);
			return r;
		}
	}
	*out = c;
	return FTLS_OK;
}

const char *ftls_config_path(const struct ftls_config *cfg, const char *p, char *buf, size_t len)
{
	if (p[0] == '/')
		snprintf(buf, len, "%s", p);
	else
		snprintf(buf, len, "%s/%s", cfg->dir, p);
	return buf;
}

const char *ftls_cfg_backend_name(enum ftls_cfg_backend b)
{
	for (size_t i = 0; i < NSTR(backend_strings); i++)
		if (backend_strings[i].val == (int)b)
			return backend_strings[i].str;
	return "unknown";
}
