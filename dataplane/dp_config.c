/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Reads the `dataplane:` section of the appliance config (dp_config.h). libcyaml maps the YAML
 * onto the raw structs below with a schema (unknown top-level keys ignored); then every value is
 * checked and turned into struct dp_config. Lines for messages come from libyaml's event marks:
 * libcyaml says which key failed, and find_key_line() finds where that key sits in the file.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cyaml/cyaml.h>
#include <yaml.h>

#include "dataplane/dp_apps.h"
#include "dataplane/dp_config.h"

const char dp_config_default_yaml[] =
	"# Embedded default: one TAP port, echo on 7, HTTP on 80.\n"
	"dataplane:\n"
	"  lcores: 1\n"
	"  mbufs: 16383\n"
	"  ports:\n"
	"    - name: ftls0\n"
	"      devargs: net_tap0,iface=ftls0\n"
	"      ipv4: 10.99.0.1/24\n"
	"      ipv6: fd00:99::1/64\n"
	"  tcp:\n"
	"    max_conns: 4096\n"
	"    sndbuf: 65536\n"
	"    rcvbuf: 65536\n"
	"  listeners:\n"
	"    - port: 7\n"
	"      responder: echo\n"
	"    - port: 80\n"
	"      responder: http\n";

struct raw_port {
	char *name, *devargs, *ipv4, *gateway4, *ipv6, *gateway6;
};
struct raw_listener {
	uint32_t port;
	char *responder;
};
struct raw_tcp {
	uint32_t max_conns, sndbuf, rcvbuf, syn_backlog, idle_timeout_ms, time_wait_ms;
	uint32_t rto_min_ms, rto_init_ms, max_retries, delack_ms;
};
struct raw_dp {
	char **eal;
	unsigned eal_count;
	uint32_t lcores, mbufs, rx_desc, tx_desc, poll_idle_us;
	char *csum_offload;
	struct raw_port *ports;
	unsigned ports_count;
	struct raw_tcp *tcp;
	struct raw_listener *listeners;
	unsigned listeners_count;
};
struct raw_top {
	struct raw_dp *dataplane;
};

static const cyaml_schema_value_t str_entry = {
	CYAML_VALUE_STRING(CYAML_FLAG_POINTER, char, 1, 127),
};

static const cyaml_schema_field_t port_fields[] = {
	CYAML_FIELD_STRING_PTR("name", CYAML_FLAG_POINTER, struct raw_port, name, 1, 63),
	CYAML_FIELD_STRING_PTR("devargs", CYAML_FLAG_POINTER, struct raw_port, devargs, 1, 255),
	CYAML_FIELD_STRING_PTR("ipv4", CYAML_FLAG_OPTIONAL, struct raw_port, ipv4, 1, 63),
	CYAML_FIELD_STRING_PTR("gateway4", CYAML_FLAG_OPTIONAL, struct raw_port, gateway4, 1, 63),
	CYAML_FIELD_STRING_PTR("ipv6", CYAML_FLAG_OPTIONAL, struct raw_port, ipv6, 1, 63),
	CYAML_FIELD_STRING_PTR("gateway6", CYAML_FLAG_OPTIONAL, struct raw_port, gateway6, 1, 63),
	CYAML_FIELD_END
};
static const cyaml_schema_value_t port_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_port, port_fields),
};

static const cyaml_schema_field_t listener_fields[] = {
	CYAML_FIELD_UINT("port", CYAML_FLAG_DEFAULT, struct raw_listener, port),
	CYAML_FIELD_STRING_PTR("responder", CYAML_FLAG_POINTER, struct raw_listener, responder, 1, 15),
	CYAML_FIELD_END
};
static const cyaml_schema_value_t listener_entry = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_DEFAULT, struct raw_listener, listener_fields),
};

static const cyaml_schema_field_t tcp_fields[] = {
	CYAML_FIELD_UINT("max_conns", CYAML_FLAG_OPTIONAL, struct raw_tcp, max_conns),
	CYAML_FIELD_UINT("sndbuf", CYAML_FLAG_OPTIONAL, struct raw_tcp, sndbuf),
	CYAML_FIELD_UINT("rcvbuf", CYAML_FLAG_OPTIONAL, struct raw_tcp, rcvbuf),
	CYAML_FIELD_UINT("syn_backlog", CYAML_FLAG_OPTIONAL, struct raw_tcp, syn_backlog),
	CYAML_FIELD_UINT("idle_timeout_ms", CYAML_FLAG_OPTIONAL, struct raw_tcp, idle_timeout_ms),
	CYAML_FIELD_UINT("time_wait_ms", CYAML_FLAG_OPTIONAL, struct raw_tcp, time_wait_ms),
	CYAML_FIELD_UINT("rto_min_ms", CYAML_FLAG_OPTIONAL, struct raw_tcp, rto_min_ms),
	CYAML_FIELD_UINT("rto_init_ms", CYAML_FLAG_OPTIONAL, struct raw_tcp, rto_init_ms),
	CYAML_FIELD_UINT("max_retries", CYAML_FLAG_OPTIONAL, struct raw_tcp, max_retries),
	CYAML_FIELD_UINT("delack_ms", CYAML_FLAG_OPTIONAL, struct raw_tcp, delack_ms),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t dp_fields[] = {
	CYAML_FIELD_SEQUENCE("eal", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_dp, eal,
			     &str_entry, 0, DP_CFG_MAX_EAL),
	CYAML_FIELD_UINT("lcores", CYAML_FLAG_OPTIONAL, struct raw_dp, lcores),
	CYAML_FIELD_UINT("mbufs", CYAML_FLAG_OPTIONAL, struct raw_dp, mbufs),
	CYAML_FIELD_UINT("rx_desc", CYAML_FLAG_OPTIONAL, struct raw_dp, rx_desc),
	CYAML_FIELD_UINT("tx_desc", CYAML_FLAG_OPTIONAL, struct raw_dp, tx_desc),
	CYAML_FIELD_UINT("poll_idle_us", CYAML_FLAG_OPTIONAL, struct raw_dp, poll_idle_us),
	CYAML_FIELD_STRING_PTR("csum_offload", CYAML_FLAG_OPTIONAL, struct raw_dp, csum_offload, 2, 5),
	CYAML_FIELD_SEQUENCE("ports", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_dp, ports,
			     &port_entry, 0, 1),
	CYAML_FIELD_MAPPING_PTR("tcp", CYAML_FLAG_OPTIONAL, struct raw_dp, tcp, tcp_fields),
	CYAML_FIELD_SEQUENCE("listeners", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_dp,
			     listeners, &listener_entry, 0, DP_CFG_MAX_LISTENERS),
	CYAML_FIELD_END
};

static const cyaml_schema_field_t top_fields[] = {
	CYAML_FIELD_MAPPING_PTR("dataplane", CYAML_FLAG_POINTER | CYAML_FLAG_OPTIONAL, struct raw_top,
				dataplane, dp_fields),
	CYAML_FIELD_END
};
static const cyaml_schema_value_t top_schema = {
	CYAML_VALUE_MAPPING(CYAML_FLAG_POINTER, struct raw_top, top_fields),
};

/* libcyaml's messages, collected for the error text. */
struct logbuf {
	char text[512];
	char key[64];
};

static void collect_log(cyaml_log_t level, void *ctx, const char *fmt, va_list args)
{
	struct logbuf *lb = ctx;
	char line[256];
	const char *q;

	if (level < CYAML_LOG_ERROR)
		return;
	vsnprintf(line, sizeof(line), fmt, args);
	line[strcspn(line, "\n")] = 0;
	/* Backtrace lines look like "  in mapping field 'key' (...)": keep the innermost key. */
	if ((q = strstr(line, "field '")) != NULL && !lb->key[0]) {
		q += 7;
		size_t n = strcspn(q, "'");
		if (n >= sizeof(lb->key))
			n = sizeof(lb->key) - 1;
		memcpy(lb->key, q, n);
		lb->key[n] = 0;
	}
	if (!lb->text[0] || strncmp(line, "Load:", 5) == 0) {
		const char *msg = strncmp(line, "Load: ", 6) == 0 ? line + 6 : line;
		if (!lb->text[0])
			snprintf(lb->text, sizeof(lb->text), "%s", msg);
	}
}

/*
 * Line (1-based) of the first mapping key `key` under `dataplane:`; when value is given, of the
 * first such key whose value is that scalar. 0 when not found.
 */
static unsigned find_key_line(const char *data, size_t len, const char *key, const char *value)
{
	yaml_parser_t p;
	yaml_event_t ev;
	unsigned line = 0, depth = 0, in_dp = 0, pending = 0;
	bool expect_key = false, last_was_key = false;
	unsigned key_stack[64] = { 0 };   /* per depth: 1 when the next scalar is a key */

	if (!yaml_parser_initialize(&p))
		return 0;
	yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
	for (;;) {
		if (!yaml_parser_parse(&p, &ev))
			break;
		yaml_event_type_t t = ev.type;
		if (t == YAML_STREAM_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		if (t == YAML_MAPPING_START_EVENT || t == YAML_SEQUENCE_START_EVENT) {
			if (depth > 0 && depth < 64 && key_stack[depth - 1] == 2)
				key_stack[depth - 1] = 1;   /* the value of a key was a collection */
			depth++;
			if (depth < 64)
				key_stack[depth - 1] = t == YAML_MAPPING_START_EVENT ? 1 : 0;
		} else if (t == YAML_MAPPING_END_EVENT || t == YAML_SEQUENCE_END_EVENT) {
			if (in_dp && depth == in_dp)
				in_dp = 0;
			if (depth)
				depth--;
		} else if (t == YAML_SCALAR_EVENT && depth > 0 && depth < 64) {
			const char *s = (const char *)ev.data.scalar.value;
			if (key_stack[depth - 1] == 1) {          /* a key */
				key_stack[depth - 1] = 2;
				if (depth == 1 && strcmp(s, "dataplane") == 0)
					in_dp = 2;
				last_was_key = in_dp && strcmp(s, key) == 0;
				if (last_was_key && !value && !line) {
					line = (unsigned)ev.start_mark.line + 1;
				}
				pending = last_was_key ? (unsigned)ev.start_mark.line + 1 : 0;
			} else if (key_stack[depth - 1] == 2) {   /* a value */
				key_stack[depth - 1] = 1;
				if (pending && value && !line && strcmp(s, value) == 0)
					line = pending;
				pending = 0;
			} else if (in_dp && !line && value && strcmp(s, value) == 0 && depth > 1) {
				line = (unsigned)ev.start_mark.line + 1;   /* a sequence entry */
			}
		}
		(void)expect_key;
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	return line;
}

static enum ftls_err fail(char *err, size_t cap, const char *name, const char *data, size_t len,
			  const char *key, const char *value, const char *fmt, ...)
	__attribute__((format(printf, 8, 9)));

static enum ftls_err fail(char *err, size_t cap, const char *name, const char *data, size_t len,
			  const char *key, const char *value, const char *fmt, ...)
{
	char what[256];
	va_list ap;
	unsigned line = key ? find_key_line(data, len, key, value) : 0;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (line)
		snprintf(err, cap, "%s:%u: dataplane.%s: %s", name, line, key ? key : "", what);
	else
		snprintf(err, cap, "%s: dataplane.%s: %s", name, key ? key : "", what);
	return FTLS_ERR_CONFIG;
}

/* "10.0.0.1/24" or "fd00::1/64" into address and prefix; family must match want_v4. */
static bool parse_prefix(const char *s, bool want_v4, struct dp_addr *a, uint8_t *prefix)
{
	char tmp[64];
	const char *slash = strchr(s, '/');
	char *end;
	unsigned long p;

	if (!slash || (size_t)(slash - s) >= sizeof(tmp))
		return false;
	memcpy(tmp, s, (size_t)(slash - s));
	tmp[slash - s] = 0;
	if (!dp_addr_parse(a, tmp) || dp_addr_is_v4(a) != want_v4)
		return false;
	errno = 0;
	p = strtoul(slash + 1, &end, 10);
	if (*end || slash[1] == 0 || errno || p == 0 || p > (want_v4 ? 32u : 128u))
		return false;
	*prefix = (uint8_t)p;
	return true;
}

static bool parse_host(const char *s, bool want_v4, struct dp_addr *a)
{
	return dp_addr_parse(a, s) && dp_addr_is_v4(a) == want_v4;
}

enum ftls_err dp_config_load(struct dp_config *cfg, const char *name, const char *data, size_t len,
			     char *err, size_t errcap)
{
	struct logbuf lb = { { 0 }, { 0 } };
	const cyaml_config_t cc = {
		.log_fn = collect_log,
		.log_ctx = &lb,
		.mem_fn = cyaml_mem,
		.log_level = CYAML_LOG_ERROR,
		.flags = CYAML_CFG_IGNORE_UNKNOWN_KEYS,
	};
	struct raw_top *top = NULL;
	cyaml_err_t e;
	enum ftls_err rc = FTLS_OK;

	memset(cfg, 0, sizeof(*cfg));
	e = cyaml_load_data((const uint8_t *)data, len, &cc, &top_schema, (cyaml_data_t **)&top, NULL);
	if (e != CYAML_OK) {
		if (lb.key[0])
			return fail(err, errcap, name, data, len, lb.key, NULL, "%s",
				    lb.text[0] ? lb.text : cyaml_strerror(e));
		/* libyaml syntax errors carry their own position in the message. */
		snprintf(err, errcap, "%s: dataplane: %s", name, lb.text[0] ? lb.text : cyaml_strerror(e));
		return FTLS_ERR_CONFIG;
	}
	static const struct raw_dp empty;
	const struct raw_dp *d = top->dataplane ? top->dataplane : &empty;
	/* Whatever the file leaves out (the whole section, the port, the listeners) comes from the
	 * embedded default, so `dataplane: {}` in an appliance config means "the defaults". */
	struct dp_config def;
	if ((d->ports_count == 0 || !d->listeners) && data != dp_config_default_yaml) {
		if (dp_config_load(&def, "<embedded default>", dp_config_default_yaml,
				   strlen(dp_config_default_yaml), err, errcap) != FTLS_OK) {
			rc = FTLS_ERR_CONFIG;
			goto out;
		}
	}
	dp_stack_conf_defaults(&cfg->stack);
	cfg->lcores = d->lcores ? d->lcores : 1;
	cfg->mbufs = d->mbufs ? d->mbufs : 16383;
	cfg->rx_desc = (uint16_t)(d->rx_desc ? d->rx_desc : 1024);
	cfg->tx_desc = (uint16_t)(d->tx_desc ? d->tx_desc : 1024);
	cfg->poll_idle_us = d->poll_idle_us;
	cfg->csum_offload = true;
	if (d->csum_offload) {
		if (strcmp(d->csum_offload, "on") != 0 && strcmp(d->csum_offload, "off") != 0) {
			rc = fail(err, errcap, name, data, len, "csum_offload", d->csum_offload,
				  "'%s' (on or off)", d->csum_offload);
			goto out;
		}
		cfg->csum_offload = strcmp(d->csum_offload, "on") == 0;
	}
	if (cfg->poll_idle_us > 10000) {
		rc = fail(err, errcap, name, data, len, "poll_idle_us", NULL, "%u (at most 10000)", cfg->poll_idle_us);
		goto out;
	}
	if (cfg->lcores > 64) {
		rc = fail(err, errcap, name, data, len, "lcores", NULL, "%u lcores (at most 64)", cfg->lcores);
		goto out;
	}
	if (cfg->mbufs < 1024 || cfg->mbufs > (1u << 24)) {
		rc = fail(err, errcap, name, data, len, "mbufs", NULL, "%u mbufs (1024..16M)", cfg->mbufs);
		goto out;
	}
	if (d->rx_desc > 32768 || d->tx_desc > 32768) {
		rc = fail(err, errcap, name, data, len, d->rx_desc > 32768 ? "rx_desc" : "tx_desc", NULL,
			  "descriptor ring size above 32768");
		goto out;
	}
	cfg->n_eal = d->eal_count;
	for (unsigned i = 0; i < d->eal_count; i++)
		snprintf(cfg->eal[i], sizeof(cfg->eal[i]), "%s", d->eal[i]);

	if (d->ports_count == 0) {
		snprintf(cfg->port_name, sizeof(cfg->port_name), "%s", def.port_name);
		snprintf(cfg->devargs, sizeof(cfg->devargs), "%s", def.devargs);
		cfg->stack.ip4 = def.stack.ip4;
		cfg->stack.ip4_prefix = def.stack.ip4_prefix;
		cfg->stack.ip6 = def.stack.ip6;
		cfg->stack.ip6_prefix = def.stack.ip6_prefix;
		goto tcp;
	}
	const struct raw_port *p = &d->ports[0];
	snprintf(cfg->port_name, sizeof(cfg->port_name), "%s", p->name);
	snprintf(cfg->devargs, sizeof(cfg->devargs), "%s", p->devargs);
	if (!p->ipv4 && !p->ipv6) {
		rc = fail(err, errcap, name, data, len, "ports", NULL, "port %s has neither ipv4 nor ipv6", p->name);
		goto out;
	}
	if (p->ipv4 && !parse_prefix(p->ipv4, true, &cfg->stack.ip4, &cfg->stack.ip4_prefix)) {
		rc = fail(err, errcap, name, data, len, "ipv4", p->ipv4, "'%s' is not an IPv4 address/prefix", p->ipv4);
		goto out;
	}
	if (p->gateway4 && (!p->ipv4 || !parse_host(p->gateway4, true, &cfg->stack.gw4))) {
		rc = fail(err, errcap, name, data, len, "gateway4", p->gateway4, "'%s' is not an IPv4 address (or no ipv4)", p->gateway4);
		goto out;
	}
	if (p->ipv6 && !parse_prefix(p->ipv6, false, &cfg->stack.ip6, &cfg->stack.ip6_prefix)) {
		rc = fail(err, errcap, name, data, len, "ipv6", p->ipv6, "'%s' is not an IPv6 address/prefix", p->ipv6);
		goto out;
	}
	if (p->gateway6 && (!p->ipv6 || !parse_host(p->gateway6, false, &cfg->stack.gw6))) {
		rc = fail(err, errcap, name, data, len, "gateway6", p->gateway6, "'%s' is not an IPv6 address (or no ipv6)", p->gateway6);
		goto out;
	}
tcp:
	if (d->tcp) {
		const struct raw_tcp *t = d->tcp;
		struct dp_stack_conf *s = &cfg->stack;
		static const struct {
			const char *key;
			size_t raw_off, conf_off;
			uint32_t min, max;
		} lim[] = {
#define LIM(k, lo, hi) { #k, offsetof(struct raw_tcp, k), offsetof(struct dp_stack_conf, k), lo, hi }
			LIM(max_conns, 1, 1u << 22), LIM(sndbuf, 4096, 1u << 30), LIM(rcvbuf, 4096, 1u << 30),
			LIM(syn_backlog, 1, 1u << 22), LIM(idle_timeout_ms, 0, 86400000u),
			LIM(time_wait_ms, 1, 240000), LIM(rto_min_ms, 1, 60000), LIM(rto_init_ms, 1, 60000),
			LIM(max_retries, 1, 30), LIM(delack_ms, 1, 500),
#undef LIM
		};
		for (size_t i = 0; i < sizeof(lim) / sizeof(lim[0]); i++) {
			uint32_t v;
			memcpy(&v, (const uint8_t *)t + lim[i].raw_off, 4);
			if (v == 0 && strcmp(lim[i].key, "idle_timeout_ms") != 0)
				continue;   /* absent: default */
			if (v < lim[i].min || v > lim[i].max) {
				rc = fail(err, errcap, name, data, len, lim[i].key, NULL, "%u out of range %u..%u",
					  v, lim[i].min, lim[i].max);
				goto out;
			}
			memcpy((uint8_t *)s + lim[i].conf_off, &v, 4);
		}
		if (!find_key_line(data, len, "idle_timeout_ms", NULL))
			s->idle_timeout_ms = 300000;
	}
	for (unsigned i = 0; i < d->listeners_count; i++) {
		const struct raw_listener *l = &d->listeners[i];
		char ps[16];
		snprintf(ps, sizeof(ps), "%u", l->port);
		if (l->port == 0 || l->port > 65535) {
			rc = fail(err, errcap, name, data, len, "port", ps, "listener port %u out of range", l->port);
			goto out;
		}
		for (unsigned j = 0; j < i; j++)
			if (cfg->lst[j].port == l->port) {
				rc = fail(err, errcap, name, data, len, "port", ps, "listener port %u twice", l->port);
				goto out;
			}
		cfg->lst[i].app = dp_app_by_name(l->responder);
		if (!cfg->lst[i].app) {
			rc = fail(err, errcap, name, data, len, "responder", l->responder,
				  "unknown responder '%s' (echo, http)", l->responder);
			goto out;
		}
		cfg->lst[i].port = (uint16_t)l->port;
		snprintf(cfg->lst[i].responder, sizeof(cfg->lst[i].responder), "%s", l->responder);
	}
	cfg->n_lst = d->listeners_count;
	if (!d->listeners && data != dp_config_default_yaml) {
		memcpy(cfg->lst, def.lst, sizeof(cfg->lst));
		cfg->n_lst = def.n_lst;
	}
out:
	cyaml_free(&cc, &top_schema, top, 0);
	return rc;
}

enum ftls_err dp_config_load_file(struct dp_config *cfg, const char *path, char *err, size_t errcap)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;
	enum ftls_err rc;

	if (!f) {
		snprintf(err, errcap, "%s: %s", path, strerror(errno));
		return FTLS_ERR_CONFIG;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || n > (1 << 20) || fseek(f, 0, SEEK_SET) != 0) {
		fclose(f);
		snprintf(err, errcap, "%s: unreadable or larger than 1 MiB", path);
		return FTLS_ERR_CONFIG;
	}
	buf = malloc((size_t)n + 1);
	if (!buf || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		free(buf);
		fclose(f);
		snprintf(err, errcap, "%s: read error", path);
		return FTLS_ERR_CONFIG;
	}
	fclose(f);
	buf[n] = 0;
	rc = dp_config_load(cfg, path, buf, (size_t)n, err, errcap);
	free(buf);
	return rc;
}
