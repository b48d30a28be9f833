/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the small pieces of common/: the error table and its alerts, the TLS tables,
 * constant-time helpers, the key-install ABI and logging's level handling.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "common/ct.h"
#include "common/err.h"
#include "common/log.h"
#include "common/tls.h"
#include "common/wire.h"

static void test_errors_carry_alerts(void **state)
{
	(void)state;
	assert_int_equal(ftls_err_alert(FTLS_ERR_BAD_RECORD_MAC), FTLS_ALERT_BAD_RECORD_MAC);
	assert_int_equal(ftls_err_alert(FTLS_ERR_DECODE), FTLS_ALERT_DECODE_ERROR);
	/* Trailing bytes inside a vector are a decode error on the wire. */
	assert_int_equal(ftls_err_alert(FTLS_ERR_TRAILING_BYTES), FTLS_ALERT_DECODE_ERROR);
	assert_int_equal(ftls_err_alert(FTLS_ERR_RECORD_OVERFLOW), FTLS_ALERT_RECORD_OVERFLOW);
	assert_int_equal(ftls_err_alert(FTLS_ERR_NOMEM), FTLS_ALERT_INTERNAL_ERROR);
	assert_int_equal(ftls_err_alert(FTLS_ERR_AGAIN), -1);
	assert_int_equal(ftls_err_alert(FTLS_OK), -1);
	assert_string_equal(ftls_err_name(FTLS_ERR_BAD_RECORD_MAC), "BAD_RECORD_MAC");
	assert_string_equal(ftls_err_str((enum ftls_err)9999), "unknown error");
	assert_int_equal(ftls_err_alert((enum ftls_err)9999), FTLS_ALERT_INTERNAL_ERROR);
	/* Every error has a name and a text. */
	for (int e = 0; e < FTLS_ERR__COUNT; e++) {
		assert_true(strlen(ftls_err_name((enum ftls_err)e)) > 0);
		assert_true(strlen(ftls_err_str((enum ftls_err)e)) > 0);
	}
}

static void test_suite_table_is_consistent(void **state)
{
	(void)state;
	assert_true(ftls_nb_suites >= 15);
	for (size_t i = 0; i < ftls_nb_suites; i++) {
		const struct ftls_suite *s = &ftls_suites[i];

		assert_ptr_equal(ftls_suite_by_id(s->id), s);
		assert_ptr_equal(ftls_suite_by_name(s->name), s);
		assert_non_null(ftls_suite_openssl_name(s->id));
		assert_ptr_equal(ftls_suite_by_name(ftls_suite_openssl_name(s->id)), s);
		assert_true(s->key_len == 16 || s->key_len == 32);
		assert_true(ftls_hash_len(s->hash) == 32 || ftls_hash_len(s->hash) == 48);
		if (s->version == FTLS_V_TLS13) {
			assert_int_equal(s->iv_len, 12);
			assert_int_equal(s->record_iv_len, 0);
			assert_int_equal(s->mac, FTLS_MAC_AEAD);
		}
		if (s->mac == FTLS_MAC_AEAD) {
			assert_int_equal(s->tag_len, 16);
			assert_int_equal(s->mac_key_len, 0);
		} else {
			/* CBC: random explicit IV of one block, HMAC key as long as its output. */
			assert_int_equal(s->record_iv_len, 16);
			assert_int_equal(s->block_len, 16);
			assert_int_equal(s->mac_key_len, s->tag_len);
			assert_true(s->iv_len == 0);
		}
		assert_true(s->iv_len <= FTLS_MAX_IV_LEN);
		assert_true(s->key_len <= FTLS_MAX_KEY_LEN);
		assert_true(s->mac_key_len <= FTLS_MAX_MAC_KEY_LEN);
	}
	assert_null(ftls_suite_by_id(0x0005)); /* RC4: never */
	assert_null(ftls_suite_by_name("NULL-SHA"));
	assert_int_equal(ftls_suite_by_id(FTLS_ECDHE_RSA_AES128_GCM_SHA256)->iv_len, 4);
	assert_int_equal(ftls_suite_by_id(FTLS_ECDHE_RSA_AES128_GCM_SHA256)->record_iv_len, 8);
	assert_int_equal(ftls_suite_by_id(FTLS_ECDHE_RSA_CHACHA20_POLY1305)->iv_len, 12);
	assert_int_equal(ftls_suite_by_id(FTLS_ECDHE_RSA_AES128_CBC_SHA)->tag_len, 20);
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(ftls_alert_name(FTLS_ALERT_BAD_RECORD_MAC), "bad_record_mac");
	assert_string_equal(ftls_alert_name(FTLS_ALERT_NO_APPLICATION_PROTOCOL), "no_application_protocol");
	assert_string_equal(ftls_alert_name(255), "unknown");
	assert_string_equal(ftls_content_type_name(FTLS_CT_HANDSHAKE), "handshake");
	assert_string_equal(ftls_hs_type_name(FTLS_HS_CLIENT_HELLO), "client_hello");
	assert_string_equal(ftls_ext_name(FTLS_EXT_KEY_SHARE), "key_share");
	assert_string_equal(ftls_group_name(FTLS_GROUP_X25519), "x25519");
	assert_string_equal(ftls_version_name(FTLS_V_TLS13), "TLSv1.3");
	assert_int_equal(ftls_hash_len(0), 0);
}

static void test_constant_time_helpers(void **state)
{
	uint8_t a[64], b[64];

	(void)state;
	memset(a, 0x5a, sizeof(a));
	memcpy(b, a, sizeof(b));
	assert_int_equal(ftls_ct_eq(a, b, sizeof(a)), 1);
	assert_int_equal(ftls_ct_eq(a, b, 0), 1);
	for (size_t i = 0; i < sizeof(a); i += 7) {
		b[i] ^= 0x80;
		assert_int_equal(ftls_ct_eq(a, b, sizeof(a)), 0);
		b[i] ^= 0x80;
	}
	assert_int_equal(ftls_ct_mask_eq(5, 5), 0xffffffffu);
	assert_int_equal(ftls_ct_mask_eq(5, 6), 0);
	assert_int_equal(ftls_ct_mask_lt(3, 4), 0xffffffffu);
	assert_int_equal(ftls_ct_mask_lt(4, 4), 0);
	assert_int_equal(ftls_ct_mask_lt(5, 4), 0);
	assert_int_equal(ftls_ct_mask_nonzero(0), 0);
	assert_int_equal(ftls_ct_mask_nonzero(0x80000000u), 0xffffffffu);
	assert_int_equal(ftls_ct_select(0xffffffffu, 7, 9), 7);
	assert_int_equal(ftls_ct_select(0, 7, 9), 9);
	ftls_wipe(a, sizeof(a));
	for (size_t i = 0; i < sizeof(a); i++)
		assert_int_equal(a[i], 0);
	ftls_wipe(NULL, 10); /* allowed: nothing to wipe */
}

static void test_key_install_abi(void **state)
{
	struct ftls_key_install ki = { 0 };

	(void)state;
	/* The layout is pinned by static_asserts in wire.h; check the fields hold their ranges. */
	ki.abi_version = FTLS_WIRE_ABI_VERSION;
	ki.size = sizeof(ki);
	ki.seq = UINT64_MAX - 1;
	assert_int_equal(ki.size, 128);
	assert_true(sizeof(ki.key) >= FTLS_MAX_KEY_LEN);
	assert_true(sizeof(ki.iv) >= FTLS_MAX_IV_LEN);
	assert_true(sizeof(ki.mac_key) >= FTLS_MAX_MAC_KEY_LEN);
	assert_true(ki.seq == UINT64_MAX - 1);
}

static void test_log_levels(void **state)
{
	char out[512] = { 0 };
	FILE *f = fmemopen(out, sizeof(out) - 1, "w");

	(void)state;
	assert_non_null(f);
	assert_int_equal(ftls_log_level_parse("debug"), FTLS_LOG_DEBUG);
	assert_int_equal(ftls_log_level_parse("err"), FTLS_LOG_ERR);
	assert_int_equal(ftls_log_level_parse("verbose"), -1);
	ftls_log_set_file(f);
	ftls_log_set_level(FTLS_LOG_WARN);
	LOG_INFO("test", "dropped %d", 1);
	LOG_WARN("test", "kept %d", 2);
	fflush(f);
	assert_null(strstr(out, "dropped"));
	assert_non_null(strstr(out, "warn test: kept 2"));
	ftls_log_set_file(NULL);
	fclose(f);
	ftls_log_set_level(FTLS_LOG_INFO);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_errors_carry_alerts),
		cmocka_unit_test(test_suite_table_is_consistent),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_constant_time_helpers),
		cmocka_unit_test(test_key_install_abi),
		cmocka_unit_test(test_log_levels),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
