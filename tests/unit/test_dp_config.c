/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the dataplane config reader (dataplane/dp_config.c): the embedded default, a full
 * section, other top-level keys ignored, defaults for what is left out, and errors that name the
 * file, the line and the key (bad addresses, unknown responders, out-of-range limits, duplicate
 * ports, wrong types, YAML syntax).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dataplane/dp_apps.h"
#include "dataplane/dp_config.h"

static struct dp_config cfg;
static char err[512];

static enum ftls_err load(const char *yaml)
{
	err[0] = 0;
	return dp_config_load(&cfg, "t.yaml", yaml, strlen(yaml), err, sizeof(err));
}

static void test_default(void **state)
{
	char a[64];
	(void)state;
	assert_int_equal(dp_config_load(&cfg, "d", dp_config_default_yaml, strlen(dp_config_default_yaml),
					err, sizeof(err)), FTLS_OK);
	assert_string_equal(cfg.devargs, "net_tap0,iface=ftls0");
	assert_string_equal(dp_addr_str(&cfg.stack.ip4, a, sizeof(a)), "10.99.0.1");
	assert_int_equal(cfg.stack.ip4_prefix, 24);
	assert_string_equal(dp_addr_str(&cfg.stack.ip6, a, sizeof(a)), "fd00:99::1");
	assert_int_equal(cfg.n_lst, 2);
	assert_ptr_equal(cfg.lst[0].app, &dp_app_echo);
	assert_int_equal(cfg.lst[1].port, 80);
	assert_ptr_equal(cfg.lst[1].app, &dp_app_http);
}

static void test_full_and_ignored_keys(void **state)
{
	char a[64];
	(void)state;
	assert_int_equal(load("listeners:\n  - whatever: 1\n"
			      "crypto: {backend: cpu}\n"
			      "dataplane:\n"
			      "  eal: [\"--no-huge\", \"-m\", \"128\"]\n"
			      "  lcores: 2\n"
			      "  mbufs: 4096\n"
			      "  poll_idle_us: 5\n"
			      "  ports:\n"
			      "    - name: p\n"
			      "      devargs: net_ring0\n"
			      "      ipv4: 192.168.7.9/16\n"
			      "      gateway4: 192.168.0.1\n"
			      "  tcp: {max_conns: 100, sndbuf: 8192, rcvbuf: 16384, syn_backlog: 3, idle_timeout_ms: 0}\n"
			      "  listeners:\n"
			      "    - {port: 8080, responder: http}\n"),
			 FTLS_OK);
	assert_int_equal(cfg.n_eal, 3);
	assert_string_equal(cfg.eal[2], "128");
	assert_int_equal(cfg.lcores, 2);
	assert_int_equal(cfg.mbufs, 4096);
	assert_int_equal(cfg.poll_idle_us, 5);
	assert_int_equal(cfg.stack.ip4_prefix, 16);
	assert_string_equal(dp_addr_str(&cfg.stack.gw4, a, sizeof(a)), "192.168.0.1");
	assert_int_equal(cfg.stack.ip6_prefix, 0);
	assert_int_equal(cfg.stack.max_conns, 100);
	assert_int_equal(cfg.stack.sndbuf, 8192);
	assert_int_equal(cfg.stack.rcvbuf, 16384);
	assert_int_equal(cfg.stack.syn_backlog, 3);
	assert_int_equal(cfg.stack.idle_timeout_ms, 0);
	assert_int_equal(cfg.stack.rto_min_ms, 200);       /* default kept */
	assert_int_equal(cfg.n_lst, 1);
	assert_int_equal(cfg.lst[0].port, 8080);
}

static void test_empty_section_means_defaults(void **state)
{
	(void)state;
	assert_int_equal(load("management: {socket: /tmp/x}\ndataplane: {}\n"), FTLS_OK);
	assert_string_equal(cfg.devargs, "net_tap0,iface=ftls0");
	assert_int_equal(cfg.n_lst, 2);
	assert_int_equal(load("management: {socket: /tmp/x}\n"), FTLS_OK);
	assert_int_equal(cfg.stack.ip4_prefix, 24);
}

struct bad_case {
	const char *yaml;
	const char *want;   /* substring of the error */
};

static void test_errors_name_line_and_key(void **state)
{
	static const struct bad_case cases[] = {
		{ "dataplane:\n  ports:\n    - name: p\n      devargs: x\n      ipv4: 10.0.0.300/24\n", "t.yaml:5: dataplane.ipv4" },
		{ "dataplane:\n  ports:\n    - name: p\n      devargs: x\n      ipv4: 10.0.0.1\n", "t.yaml:5: dataplane.ipv4" },
		{ "dataplane:\n  ports:\n    - name: p\n      devargs: x\n      ipv6: 10.0.0.1/24\n", "t.yaml:5: dataplane.ipv6" },
		{ "dataplane:\n  ports:\n    - name: p\n      devargs: x\n      ipv4: 10.0.0.1/24\n      gateway4: fe80::1\n", "t.yaml:6: dataplane.gateway4" },
		{ "dataplane:\n  ports:\n    - name: p\n      devargs: x\n", "neither ipv4 nor ipv6" },
		{ "dataplane:\n  lcores: many\n", "t.yaml:2: dataplane.lcores" },
		{ "dataplane:\n  mbufs: 10\n", "t.yaml:2: dataplane.mbufs" },
		{ "dataplane:\n  tcp:\n    sndbuf: 100\n", "t.yaml:3: dataplane.sndbuf" },
		{ "dataplane:\n  tcp:\n    max_retries: 99\n", "t.yaml:3: dataplane.max_retries" },
		{ "dataplane:\n  listeners:\n    - port: 7\n      responder: gopher\n", "t.yaml:4: dataplane.responder" },
		{ "dataplane:\n  listeners:\n    - {port: 7, responder: echo}\n    - {port: 7, responder: http}\n", "twice" },
		{ "dataplane:\n  listeners:\n    - {port: 70000, responder: echo}\n", "dataplane.port" },
		{ "dataplane:\n  lcores: [1\n", "t.yaml" },
		{ "dataplane:\n  ports:\n    - {name: a, devargs: b, ipv4: 1.2.3.4/8}\n    - {name: c, devargs: d, ipv4: 1.2.3.5/8}\n", "dataplane" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_int_equal(load(cases[i].yaml), FTLS_ERR_CONFIG);
		if (!strstr(err, cases[i].want))
			fail_msg("case %zu: error '%s' lacks '%s'", i, err, cases[i].want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default),
		cmocka_unit_test(test_full_and_ignored_keys),
		cmocka_unit_test(test_empty_section_means_defaults),
		cmocka_unit_test(test_errors_name_line_and_key),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
