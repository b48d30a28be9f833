/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Helpers shared by the record-layer test programs (test_record*.c, test_wycheproof.c): the list of
 * crypto backends under test (env FTLS_TEST_BACKENDS, a comma list, default "cpu"), key installs
 * built from raw keys, hex decoding and file reading. Header-only, static functions: each test
 * program is one translation unit. Not for: anything outside tests.
 */
#ifndef FTLS_TEST_RECORD_UTIL_H
#define FTLS_TEST_RECORD_UTIL_H

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/crypto.h"
#include "common/record.h"
#include "common/tls.h"
#include "common/wire.h"

/* Each program uses some of these. */
#define TB_FN static __attribute__((unused))

enum { TB_MAX = 4, TB_SLOTS = 256, TB_DEPTH = 64 };

struct tb {
	char name[16];
	struct ftls_crypto_dev *dev;
};

static struct tb tbs[TB_MAX];
static int nb_tbs;

/*
 * Waits for the next completed op on a queue pair. Completion is asynchronous (a card answers
 * some clocks later), so tests poll dequeue as the dataplane does; NULL after 30 s.
 */
TB_FN struct ftls_crypto_op *tb_wait(struct ftls_crypto_dev *dev, uint16_t qp)
{
	struct ftls_crypto_op *done = NULL;
	struct timespec t0, now;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		for (int i = 0; i < 1024; i++)
			if (ftls_crypto_dequeue_burst(dev, qp, &done, 1) == 1)
				return done;
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - t0.tv_sec > 30)
			return NULL;
	}
}

/* Opens every backend named in FTLS_TEST_BACKENDS. 0 on success; prints what failed. */
TB_FN int tb_open_all(void)
{
	const char *env = getenv("FTLS_TEST_BACKENDS");
	char list[128], *save = NULL, *tok;
	struct ftls_crypto_conf conf = { .nb_qp = 2, .qp_depth = TB_DEPTH, .nb_slots = TB_SLOTS };

	snprintf(list, sizeof(list), "%s", env && *env ? env : "cpu");
	for (tok = strtok_r(list, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		enum ftls_err e;

		if (nb_tbs == TB_MAX) {
			fprintf(stderr, "too many backends in FTLS_TEST_BACKENDS\n");
			return -1;
		}
		snprintf(tbs[nb_tbs].name, sizeof(tbs[nb_tbs].name), "%s", tok);
		e = ftls_crypto_open(tok, &conf, &tbs[nb_tbs].dev);
		if (e != FTLS_OK) {
			fprintf(stderr, "backend %s: %s\n", tok, ftls_err_str(e));
			return -1;
		}
		nb_tbs++;
	}
	return nb_tbs ? 0 : -1;
}

TB_FN void tb_close_all(void)
{
	for (int i = 0; i < nb_tbs; i++)
		ftls_crypto_close(tbs[i].dev);
	nb_tbs = 0;
}

TB_FN void tb_ki(struct ftls_key_install *ki, const struct ftls_suite *s, uint8_t dir, uint64_t seq,
		  const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key);

/*
 * 1 when backend i can do suite s: its sess_add does not answer FTLS_ERR_UNSUPPORTED (a card may
 * lack an engine). Skips are printed once; the cpu backend must do every suite, so for it the
 * answer is always 1 and the tests fail if it cannot.
 */
TB_FN int tb_can(int i, const struct ftls_suite *s)
{
	static signed char known[TB_MAX][64];
	size_t si = (size_t)(s - ftls_suites);

	if (si >= 64)
		return 1;
	if (!known[i][si]) {
		static const uint8_t zero[48];
		struct ftls_key_install ki;
		uint32_t slot;
		enum ftls_err e;

		tb_ki(&ki, s, FTLS_DIR_TX, 0, zero, zero, zero);
		e = ftls_crypto_sess_add(tbs[i].dev, &ki, &slot);
		if (e == FTLS_OK)
			ftls_crypto_sess_del(tbs[i].dev, slot);
		known[i][si] = e == FTLS_ERR_UNSUPPORTED && strcmp(tbs[i].name, "cpu") ? -1 : 1;
		if (known[i][si] < 0)
			printf("backend %s does not do %s: skipped on it\n", tbs[i].name, s->name);
	}
	return known[i][si] > 0;
}

TB_FN void tb_ki(struct ftls_key_install *ki, const struct ftls_suite *s, uint8_t dir, uint64_t seq,
		  const uint8_t *key, const uint8_t *iv, const uint8_t *mac_key)
{
	memset(ki, 0, sizeof(*ki));
	ki->abi_version = FTLS_WIRE_ABI_VERSION;
	ki->size = sizeof(*ki);
	ki->tls_version = s->version;
	ki->suite = s->id;
	ki->dir = dir;
	ki->key_len = s->key_len;
	ki->iv_len = s->iv_len;
	ki->mac_key_len = s->mac_key_len;
	ki->seq = seq;
	memcpy(ki->key, key, s->key_len);
	if (s->iv_len && iv)
		memcpy(ki->iv, iv, s->iv_len);
	if (s->mac_key_len && mac_key)
		memcpy(ki->mac_key, mac_key, s->mac_key_len);
}

/* Decodes hex into out; returns the byte count or -1. */
TB_FN long tb_hex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = strlen(hex);

	if (n % 2 || n / 2 > cap)
		return -1;
	for (size_t i = 0; i < n / 2; i++) {
		unsigned v;

		if (sscanf(hex + 2 * i, "%2x", &v) != 1)
			return -1;
		out[i] = (uint8_t)v;
	}
	return (long)(n / 2);
}

/* Reads a whole file into buf; returns its length or -1. */
TB_FN long tb_read_file(const char *path, uint8_t *buf, size_t cap)
{
	FILE *f = fopen(path, "rb");
	size_t n;

	if (!f)
		return -1;
	n = fread(buf, 1, cap, f);
	fclose(f);
	return (long)n;
}

#endif
