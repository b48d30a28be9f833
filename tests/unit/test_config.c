/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The appliance config loader: a full valid file, the shipped example configs, defaults, and bad
 * files, each refused with "FILE:LINE: key: reason" naming the right line and key: unknown keys at
 * the top and inside sections, wrong types, out-of-range values, unknown suites/groups, missing
 * required keys, YAML syntax errors, several defaults. The dataplane section is accepted as is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/config.h"
#include "common/tls.h"

static char dir[] = "/tmp/ftls-test-config-XXXXXX";

static const char *write_cfg(const char *name, const char *text)
{
	static char path[256];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static const char good[] =
	"# a comment\n"
	"listeners:\n"                              /* 2 */
	"  - name: web\n"                           /* 3 */
	"    address: 127.0.0.1\n"                  /* 4 */
	"    port: 8443\n"                          /* 5 */
	"    versions: [tls1.3]\n"                  /* 6 */
	"    suites: [TLS_CHACHA20_POLY1305_SHA256, TLS_AES_128_GCM_SHA256]\n" /* 7 */
	"    groups: [secp384r1, x25519]\n"         /* 8 */
	"    alpn: [http/1.1]\n"                    /* 9 */
	"    unknown_sni: reject\n"                 /* 10 */
	"    responder: http\n"                     /* 11 */
	"    max_handshake_message: 32768\n"        /* 12 */
	"    handshake_timeout_ms: 5000\n"          /* 13 */
	"    max_connections: 100\n"                /* 14 */
	"    certificates:\n"                       /* 15 */
	"      - names: [example.com, \"*.example.com\"]\n" /* 16 */
	"        default: true\n"                   /* 17 */
	"        chains:\n"                         /* 18 */
	"          - cert: a.pem\n"                 /* 19 */
	"            key: a.key\n"                  /* 20 */
	"crypto:\n"                                 /* 21 */
	"  backend: cpu\n"                          /* 22 */
	"management:\n"                             /* 23 */
	"  socket: /run/ftls.sock\n"                /* 24 */
	"logging:\n"                                /* 25 */
	"  level: debug\n"                          /* 26 */
	"dataplane:\n"                              /* 27 */
	"  lcores: [1, 2]\n"
	"  ports: {p0: {pci: \"0000:01:00.0\"}}\n";

static void test_good(void **state)
{
	struct ftls_config *c;
	char err[512], buf[256];
	(void)state;
	assert_int_equal(ftls_config_load(write_cfg("good.yaml", good), &c, err, sizeof(err)), FTLS_OK);
	assert_int_equal(c->listeners_count, 1);
	const struct ftls_cfg_listener *l = &c->listeners[0];
	assert_string_equal(l->name, "web");
	assert_int_equal(l->port, 8443);
	assert_int_equal(l->nb_suite_ids, 2);
	assert_int_equal(l->suite_ids[0], FTLS_TLS_CHACHA20_POLY1305_SHA256);
	assert_int_equal(l->suite_ids[1], FTLS_TLS_AES_128_GCM_SHA256);
	assert_int_equal(l->nb_group_ids, 2);
	assert_int_equal(l->group_ids[0], FTLS_GROUP_SECP384R1);
	assert_int_equal(l->nb_version_ids, 1);
	assert_int_equal(l->version_ids[0], FTLS_V_TLS13);
	assert_int_equal(l->unknown_sni, FTLS_SNI_REJECT);
	assert_int_equal(l->responder, FTLS_RESP_HTTP);
	assert_int_equal(l->max_handshake_message, 32768);
	assert_int_equal(l->handshake_timeout_ms, 5000);
	assert_int_equal(l->certificates_count, 1);
	assert_true(l->certificates[0].is_default);
	assert_int_equal(l->certificates[0].names_count, 2);
	assert_string_equal(l->certificates[0].names[1], "*.example.com");
	assert_string_equal(l->certificates[0].chains[0].key, "a.key");
	assert_int_equal(c->crypto->backend, FTLS_BACKEND_CPU);
	assert_string_equal(c->management->socket, "/run/ftls.sock");
	assert_int_equal(c->logging->level, FTLS_CFG_LOG_DEBUG);
	/* Relative paths resolve against the config's directory. */
	ftls_config_path(c, "a.pem", buf, sizeof(buf));
	assert_int_equal(strncmp(buf, dir, strlen(dir)), 0);
	assert_string_equal(ftls_config_path(c, "/abs/x.pem", buf, sizeof(buf)), "/abs/x.pem");
	ftls_config_free(c);
}

static void test_defaults(void **state)
{
	struct ftls_config *c;
	char err[512];
	(void)state;
	assert_int_equal(ftls_config_load(write_cfg("min.yaml",
		"listeners:\n  - name: a\n    address: ::1\n    port: 443\n    certificates:\n"
		"      - default: true\n        chains: [{cert: c.pem, key: k.pem}]\n"), &c, err, sizeof(err)),
		FTLS_OK);
	const struct ftls_cfg_listener *l = &c->listeners[0];
	/* Every suite but the RSA key exchange; TLS 1.3 then 1.2; EMS required. */
	assert_int_equal(l->nb_suite_ids, 13);
	for (unsigned i = 0; i < l->nb_suite_ids; i++)
		assert_int_not_equal(ftls_suite_by_id(l->suite_ids[i])->kx, FTLS_KX_RSA);
	assert_int_equal(l->nb_version_ids, 2);
	assert_int_equal(l->version_ids[0], FTLS_V_TLS13);
	assert_int_equal(l->version_ids[1], FTLS_V_TLS12);
	assert_int_equal(l->ems, FTLS_EMS_REQUIRED);
	assert_int_equal(l->nb_group_ids, 3);
	assert_int_equal(l->group_ids[0], FTLS_GROUP_X25519);
	assert_int_equal(l->responder, FTLS_RESP_ECHO);
	assert_int_equal(l->unknown_sni, FTLS_SNI_DEFAULT);
	assert_int_equal(l->max_handshake_message, 16384);
	assert_int_equal(l->handshake_timeout_ms, 10000);
	assert_int_equal(l->max_connections, 1024);
	assert_int_equal(c->crypto->backend, FTLS_BACKEND_CPU);
	assert_null(c->management);
	ftls_config_free(c);
}

/* Replaces line `line` (1-based) of good with `with` and expects "FILE:LINE: KEY" in the error. */
static void expect_bad(const char *name, const char *text, int line, const char *key, const char *why)
{
	struct ftls_config *c = (void *)1;
	char err[512], want[256];
	const char *path = write_cfg(name, text);
	if (ftls_config_load(path, &c, err, sizeof(err)) != FTLS_ERR_CONFIG)
		fail_msg("%s: loaded", name);
	assert_null(c);
	snprintf(want, sizeof(want), "%s:%d: %s: ", path, line, key);
	if (strncmp(err, want, strlen(want)) != 0 || !strstr(err, why))
		fail_msg("%s: got \"%s\", want prefix \"%s\" and \"%s\"", name, err, want, why);
}

static char *with_line(int line, const char *text)
{
	static char out[4096];
	const char *p = good;
	size_t n = 0;
	for (int l = 1; *p; l++) {
		const char *e = strchr(p, '\n');
		size_t len = (size_t)(e - p) + 1;
		if (l == line)
			n += (size_t)snprintf(out + n, sizeof(out) - n, "%s\n", text);
		else {
			memcpy(out + n, p, len);
			n += len;
		}
		p += len;
	}
	out[n] = 0;
	return out;
}

static void test_bad(void **state)
{
	(void)state;
	expect_bad("port.yaml", with_line(5, "    port: eighty"), 5, "listeners[0].port", "Invalid");
	expect_bad("port0.yaml", with_line(5, "    port: 0"), 5, "listeners[0].port", "1..65535");
	expect_bad("unk.yaml", with_line(10, "    colour: blue"), 10, "listeners[0].colour", "Unexpected key");
	expect_bad("top.yaml", with_line(23, "managment:"), 23, "managment", "Unexpected key");
	expect_bad("suite.yaml", with_line(7, "    suites: [TLS_AES_128_GCM_SHA256, TLS_FAKE]"), 7,
		   "listeners[0].suites[1]", "unknown cipher suite 'TLS_FAKE'");
	expect_bad("suite2x.yaml", with_line(7, "    suites: [ECDHE-RSA-AES128-GCM-SHA256, TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256]"), 7,
		   "listeners[0].suites[1]", "listed twice");
	expect_bad("ver2x.yaml", with_line(6, "    versions: [tls1.2, tls1.2]"), 6, "listeners[0].versions[1]", "listed twice");
	expect_bad("cauth.yaml", with_line(12, "    client_auth: {mode: required}"), 12,
		   "listeners[0].client_auth", "needs ca");
	expect_bad("t13.yaml", with_line(12, "    tickets: {tls13_count: 9}"), 12,
		   "listeners[0].tickets.tls13_count", "at most 4");
	expect_bad("sclife.yaml", with_line(12, "    session_cache: {lifetime: 999999}"), 12,
		   "listeners[0].session_cache.lifetime", "7 days");
	expect_bad("tkon.yaml", with_line(12, "    tickets: {enabled: yes}"), 12,
		   "listeners[0].tickets.enabled", "Invalid");
	expect_bad("ems.yaml", with_line(12, "    extended_master_secret: maybe"), 12,
		   "listeners[0].extended_master_secret", "Invalid");
	expect_bad("group.yaml", with_line(8, "    groups: [x448]"), 8, "listeners[0].groups[0]", "unknown group");
	expect_bad("ver.yaml", with_line(6, "    versions: [tls1.1]"), 6, "listeners[0].versions[0]", "Invalid");
	expect_bad("resp.yaml", with_line(11, "    responder: proxy"), 11, "listeners[0].responder", "Invalid");
	expect_bad("alpn.yaml", with_line(9, "    alpn: [h2]"), 9, "listeners[0].alpn[0]", "http/1.1");
	expect_bad("backend.yaml", with_line(22, "  backend: gpu"), 22, "crypto.backend", "Invalid");
	expect_bad("nokey.yaml", with_line(20, ""), 19, "listeners[0].certificates[0].chains[0]",
		   "Missing required mapping field: key");
	expect_bad("maxmsg.yaml", with_line(12, "    max_handshake_message: 10"), 12,
		   "listeners[0].max_handshake_message", "1024..1048576");
	expect_bad("nonames.yaml", with_line(16, "      - chains: [{cert: b.pem, key: b.key}]\n      - names: [x]"),
		   16, "listeners[0].certificates[0]", "names or default");
}

static void test_more_bad(void **state)
{
	struct ftls_config *c;
	char err[512];
	(void)state;
	/* Two listeners with one name; two default sets. */
	static const char two[] =
		"listeners:\n"
		"  - name: a\n    address: 127.0.0.1\n    port: 1\n"
		"    certificates: [{default: true, chains: [{cert: c, key: k}]}]\n"
		"  - name: a\n    address: 127.0.0.1\n    port: 2\n"
		"    certificates: [{default: true, chains: [{cert: c, key: k}]}, {default: true, chains: [{cert: c, key: k}]}]\n";
	expect_bad("dupname.yaml", two, 6, "listeners[1].name", "duplicate listener name");
	static const char twodef[] =
		"listeners:\n"
		"  - name: a\n    address: 127.0.0.1\n    port: 1\n"
		"    certificates: [{default: true, chains: [{cert: c, key: k}]}, {default: true, chains: [{cert: c, key: k}]}]\n";
	expect_bad("twodef.yaml", twodef, 5, "listeners[0].certificates", "more than one default");
	expect_bad("syntax.yaml", "listeners: [\n  - name: a\n", 2, "listeners", "did not find expected");
	expect_bad("nolisteners.yaml", "crypto: {backend: cpu}\n", 1, "(top)", "listeners");
	/* A missing file. */
	assert_int_equal(ftls_config_load("/nonexistent/ftls.yaml", &c, err, sizeof(err)), FTLS_ERR_CONFIG);
	assert_non_null(strstr(err, "/nonexistent/ftls.yaml:0: cannot open"));
}

static void test_examples(void **state)
{
	/* Every shipped example parses (certificates are loaded at start, not here). */
	static const char *const files[] = { "configs/standalone.yaml", "configs/full.yaml" };
	char err[512], path[512];
	(void)state;
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		struct ftls_config *c;
		snprintf(path, sizeof(path), "%s/%s", FTLS_SRC_DIR, files[i]);
		if (ftls_config_load(path, &c, err, sizeof(err)) != FTLS_OK)
			fail_msg("%s", err);
		assert_true(c->listeners_count >= 1);
		ftls_config_free(c);
	}
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];
	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_more_bad),
		cmocka_unit_test(test_examples),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
