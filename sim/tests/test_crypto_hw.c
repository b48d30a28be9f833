/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The hardware crypto driver (common/crypto_hw.c) over a running ftls-sim, against the cpu
 * backend: AES-GCM records (TLS 1.3 and 1.2, 128- and 256-bit keys) sealed on sim and opened on
 * cpu and the reverse, byte-identical seals, lengths 0 .. 16 KiB + 256, bursts in order; the same
 * for ChaCha20-Poly1305 and AES-CBC + HMAC suites over fewer lengths; and the
 * failures: bad tag, short fragment, unknown slot, no room at dst, unsupported suite, deleted
 * slot, and the fpga backend without a card. The hardware backend is env FTLS_HW_BACKEND: `sim`
 * (default; ftls-sim serving env FTLS_SIM_WINDOW, run by sim/tests/check-card.sh window) or `fpga`
 * (ftls-sim --pci serving the device directory env FTLS_FPGA_DEV, run by check-card.sh pci).
 * Not for: the record layer (tests/unit/test_record*.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "common/crypto.h"
#include "common/tls.h"
#include "common/wire.h"

enum { QP_DEPTH = 64, MAXBUF = 16384 + 256 + 64, BURST = 32 };

static struct ftls_crypto_dev *sim, *cpu;

static uint64_t rnd_state = 0x9e3779b97f4a7c15ull;

static uint8_t rnd8(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return (uint8_t)rnd_state;
}

static void fill(uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p[i] = rnd8();
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static struct ftls_crypto_conf conf(void)
{
	struct ftls_crypto_conf c = { .nb_qp = 2, .qp_depth = QP_DEPTH, .nb_slots = 64 };

	return c;
}

static void make_ki(struct ftls_key_install *ki, uint16_t suite_id, uint8_t dir)
{
	const struct ftls_suite *s = ftls_suite_by_id(suite_id);

	assert_non_null(s);
	memset(ki, 0, sizeof(*ki));
	ki->abi_version = FTLS_WIRE_ABI_VERSION;
	ki->size = sizeof(*ki);
	ki->tls_version = s->version;
	ki->suite = s->id;
	ki->dir = dir;
	ki->key_len = s->key_len;
	ki->iv_len = s->iv_len;
	ki->mac_key_len = s->mac_key_len;
	fill(ki->key, s->key_len);
	fill(ki->iv, s->iv_len);
	fill(ki->mac_key, s->mac_key_len);
}

/* Enqueues ops[0..n) on dev and waits for all of them, checking completion order. */
static void run(struct ftls_crypto_dev *dev, uint16_t qp, struct ftls_crypto_op **ops, uint16_t n)
{
	struct ftls_crypto_op *done[BURST * 2];
	uint16_t sent = 0, got = 0;
	double t0 = now_s();

	while (got < n) {
		if (sent < n)
			sent += ftls_crypto_enqueue_burst(dev, qp, ops + sent, (uint16_t)(n - sent));
		uint16_t k = ftls_crypto_dequeue_burst(dev, qp, done, (uint16_t)(BURST * 2));
		for (uint16_t i = 0; i < k; i++)
			assert_ptr_equal(done[i], ops[got + i]);
		got += k;
		if (now_s() - t0 > 30) {
			fail_msg("timeout: %u of %u ops completed", got, n);
		}
	}
}

struct rec {
	struct ftls_crypto_op op;
	uint8_t pt[MAXBUF], ct[MAXBUF], back[MAXBUF];
};

static struct rec recs[BURST];

static void fill_aad(struct ftls_crypto_op *op, uint16_t version, uint64_t seq, size_t pt_len,
		     size_t ct_len)
{
	if (version == FTLS_V_TLS13) {
		op->aad_len = 5;
		op->aad[0] = 23;
		op->aad[1] = 3;
		op->aad[2] = 3;
		op->aad[3] = (uint8_t)(ct_len >> 8);
		op->aad[4] = (uint8_t)ct_len;
	} else {
		op->aad_len = 13;
		for (int i = 0; i < 8; i++)
			op->aad[i] = (uint8_t)(seq >> (56 - 8 * i));
		op->aad[8] = 23;
		op->aad[9] = 3;
		op->aad[10] = 3;
		op->aad[11] = (uint8_t)(pt_len >> 8);
		op->aad[12] = (uint8_t)pt_len;
	}
}

/* Fragment length for len plaintext bytes: explicit nonce/IV, ciphertext, tag or MAC + padding. */
static size_t seal_len(const struct ftls_suite *s, size_t len)
{
	if (s->block_len)
		return FTLS_CBC_IV_LEN + ((len + s->tag_len + 16) & ~(size_t)15);
	return s->record_iv_len + len + 16;
}

/*
 * Seals lens[] on `from`, checks the seal is byte-identical on `ref`, opens on `to`.
 * Works in bursts of BURST records.
 */
static void cross(uint16_t suite_id, struct ftls_crypto_dev *from, struct ftls_crypto_dev *to,
		  const size_t *lens, size_t nlens)
{
	const struct ftls_suite *s = ftls_suite_by_id(suite_id);
	struct ftls_key_install ki;
	uint32_t sl_from, sl_to, sl_ref;
	struct ftls_crypto_dev *ref = from == sim ? cpu : sim;
	struct ftls_crypto_op *ops[BURST];
	static uint8_t refct[BURST][MAXBUF];
	size_t expl = s->record_iv_len;

	make_ki(&ki, suite_id, FTLS_DIR_TX);
	assert_int_equal(ftls_crypto_sess_add(from, &ki, &sl_from), FTLS_OK);
	assert_int_equal(ftls_crypto_sess_add(ref, &ki, &sl_ref), FTLS_OK);
	ki.dir = FTLS_DIR_RX;
	assert_int_equal(ftls_crypto_sess_add(to, &ki, &sl_to), FTLS_OK);

	for (size_t base = 0; base < nlens; base += BURST) {
		uint16_t n = (uint16_t)(nlens - base < BURST ? nlens - base : BURST);
		for (uint16_t i = 0; i < n; i++) {
			struct rec *r = &recs[i];
			size_t len = lens[base + i];
			uint64_t seq = (uint64_t)(base + i) * 0x0101010101ull + 7;

			fill(r->pt, len);
			memset(&r->op, 0, sizeof(r->op));
			r->op.slot = sl_from;
			r->op.type = FTLS_OP_SEAL;
			r->op.seq = seq;
			fill_aad(&r->op, s->version, seq, len, len + expl + 16);
			fill(r->op.iv, sizeof(r->op.iv));
			r->op.src = r->pt;
			r->op.src_len = (uint32_t)len;
			r->op.dst = r->ct;
			r->op.dst_cap = MAXBUF;
			ops[i] = &r->op;
		}
		run(from, 0, ops, n);
		for (uint16_t i = 0; i < n; i++) {
			struct rec *r = &recs[i];
			size_t len = lens[base + i];

			assert_int_equal(r->op.status, FTLS_OK);
			assert_int_equal(r->op.dst_len, seal_len(s, len));
			/* The same record sealed by the other backend is the same bytes. */
			r->op.slot = sl_ref;
			r->op.dst = refct[i];
			ops[i] = &r->op;
		}
		run(ref, 1, ops, n);
		for (uint16_t i = 0; i < n; i++) {
			struct rec *r = &recs[i];
			size_t len = lens[base + i];

			assert_int_equal(r->op.status, FTLS_OK);
			if (r->op.dst_len != seal_len(s, len) ||
			    memcmp(refct[i], r->ct, seal_len(s, len)) != 0)
				fail_msg("suite %04x len %zu: seals differ between backends", suite_id, len);
			r->op.slot = sl_to;
			r->op.type = FTLS_OP_OPEN;
			r->op.src = r->ct;
			r->op.src_len = (uint32_t)seal_len(s, len);
			r->op.dst = r->back;
			r->op.dst_cap = MAXBUF;
		}
		run(to, 0, ops, n);
		for (uint16_t i = 0; i < n; i++) {
			struct rec *r = &recs[i];
			size_t len = lens[base + i];

			if (r->op.status != FTLS_OK || r->op.dst_len != len ||
			    memcmp(r->back, r->pt, len) != 0)
				fail_msg("suite %04x len %zu: open %s, %u bytes", suite_id, len,
					 ftls_err_name(r->op.status), r->op.dst_len);
		}
	}
	ftls_crypto_sess_del(from, sl_from);
	ftls_crypto_sess_del(ref, sl_ref);
	ftls_crypto_sess_del(to, sl_to);
}

/* 0..300 every length, then a stride, the block and record boundaries, and the maximum. */
static size_t lens[2048];
static size_t nlens;

/*
 * Env FTLS_HW_QUICK=1 (check-fpga-bus: the same driver, already covered in full over the sim
 * bus) keeps 0..64 and a coarser stride.
 */
static void init_lens(void)
{
	static const size_t edges[] = { 511, 512, 513, 1023, 1024, 1025, 4095, 4096, 4097, 8191,
					8192, 16383, 16384, 16385, 16384 + 255, 16384 + 256 };
	bool quick = getenv("FTLS_HW_QUICK") && atoi(getenv("FTLS_HW_QUICK"));

	for (size_t l = 0; l <= (quick ? 64 : 300); l++)
		lens[nlens++] = l;
	for (size_t l = 301; l < 16384; l += quick ? 997 : 97)
		lens[nlens++] = l;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		lens[nlens++] = edges[i];
}

static const uint16_t gcm_suites[] = {
	FTLS_TLS_AES_128_GCM_SHA256, FTLS_TLS_AES_256_GCM_SHA384,
	FTLS_ECDHE_RSA_AES128_GCM_SHA256, FTLS_ECDHE_ECDSA_AES256_GCM_SHA384,
};

static void test_seal_sim_open_cpu(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gcm_suites) / sizeof(gcm_suites[0]); i++)
		cross(gcm_suites[i], sim, cpu, lens, nlens);
}

static void test_seal_cpu_open_sim(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(gcm_suites) / sizeof(gcm_suites[0]); i++)
		cross(gcm_suites[i], cpu, sim, lens, nlens);
}

/* ChaCha20-Poly1305 and CBC + HMAC suites, both directions, lengths 0..80 and the edges. */
static void test_other_suites(void **state)
{
	static const uint16_t suites[] = {
		FTLS_TLS_CHACHA20_POLY1305_SHA256, FTLS_ECDHE_RSA_CHACHA20_POLY1305,
		FTLS_ECDHE_RSA_AES128_CBC_SHA, FTLS_ECDHE_RSA_AES256_CBC_SHA,
		FTLS_ECDHE_RSA_AES128_CBC_SHA256, FTLS_RSA_AES256_CBC_SHA256,
	};
	static const size_t edges[] = { 255, 256, 1000, 4096, 16383, 16384, 16384 + 1 };
	size_t few[96], n = 0;

	(void)state;
	for (size_t l = 0; l <= (getenv("FTLS_HW_QUICK") && atoi(getenv("FTLS_HW_QUICK")) ? 20 : 80); l++)
		few[n++] = l;
	for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
		few[n++] = edges[i];
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct ftls_key_install ki;
		uint32_t sl;

		make_ki(&ki, suites[i], FTLS_DIR_TX);
		if (ftls_crypto_sess_add(sim, &ki, &sl) == FTLS_ERR_UNSUPPORTED) {
			printf("sim: suite %04x has no engine in this core: skipped\n", suites[i]);
			continue;
		}
		ftls_crypto_sess_del(sim, sl);
		cross(suites[i], sim, cpu, few, n);
		cross(suites[i], cpu, sim, few, n);
	}
}

/* One op through sim on qp 0, synchronously. */
static void one(struct ftls_crypto_op *op)
{
	struct ftls_crypto_op *ops[1] = { op };

	run(sim, 0, ops, 1);
}

static void test_failures(void **state)
{
	struct ftls_key_install ki;
	struct ftls_crypto_op op, good, *ops[3];
	uint32_t slot, cslot;
	uint8_t pt[100], ct[200], out[200];

	(void)state;
	make_ki(&ki, FTLS_TLS_AES_128_GCM_SHA256, FTLS_DIR_TX);
	assert_int_equal(ftls_crypto_sess_add(sim, &ki, &slot), FTLS_OK);
	ki.dir = FTLS_DIR_RX;
	assert_int_equal(ftls_crypto_sess_add(cpu, &ki, &cslot), FTLS_OK);

	fill(pt, sizeof(pt));
	memset(&op, 0, sizeof(op));
	op.slot = slot;
	op.type = FTLS_OP_SEAL;
	op.seq = 5;
	fill_aad(&op, FTLS_V_TLS13, 5, sizeof(pt), sizeof(pt) + 16);
	op.src = pt;
	op.src_len = sizeof(pt);
	op.dst = ct;
	op.dst_cap = sizeof(ct);
	one(&op);
	assert_int_equal(op.status, FTLS_OK);
	assert_int_equal(op.dst_len, sizeof(pt) + 16);

	/* Every bit of the tag and a byte of the ciphertext: bad_record_mac, nothing handed on. */
	op.type = FTLS_OP_OPEN;
	op.src = ct;
	op.src_len = sizeof(pt) + 16;
	op.dst = out;
	op.dst_cap = sizeof(out);
	for (int bit = 0; bit < 128; bit += 9) {
		ct[sizeof(pt) + bit / 8] ^= (uint8_t)(1u << (bit % 8));
		memset(out, 0xee, sizeof(out));
		one(&op);
		assert_int_equal(op.status, FTLS_ERR_BAD_RECORD_MAC);
		assert_int_equal(op.dst_len, 0);
		assert_int_equal(out[0], 0xee);
		ct[sizeof(pt) + bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	ct[3] ^= 0x40;
	one(&op);
	assert_int_equal(op.status, FTLS_ERR_BAD_RECORD_MAC);
	ct[3] ^= 0x40;
	/* Wrong sequence number (nonce) or AAD. */
	op.seq = 6;
	one(&op);
	assert_int_equal(op.status, FTLS_ERR_BAD_RECORD_MAC);
	op.seq = 5;
	op.aad[4] ^= 1;
	one(&op);
	assert_int_equal(op.status, FTLS_ERR_BAD_RECORD_MAC);
	op.aad[4] ^= 1;
	one(&op);
	assert_int_equal(op.status, FTLS_OK);
	assert_memory_equal(out, pt, sizeof(pt));

	/* Shorter than a tag. */
	op.src_len = 15;
	one(&op);
	assert_int_equal(op.status, FTLS_ERR_BAD_RECORD_MAC);
	op.src_len = sizeof(pt) + 16;

	/* No room at dst. */
	op.dst_cap = sizeof(pt) - 1;
	one(&op);
	assert_int_equal(op.status, FTLS_ERR_FULL);
	op.dst_cap = sizeof(out);

	/* An unknown slot between two good ops: errors keep their place in the order. */
	good = op;
	struct ftls_crypto_op bad = op, good2 = op;
	bad.slot = 63;
	ops[0] = &good;
	ops[1] = &bad;
	ops[2] = &good2;
	run(sim, 0, ops, 3);
	assert_int_equal(good.status, FTLS_OK);
	assert_int_equal(bad.status, FTLS_ERR_INVAL);
	assert_int_equal(good2.status, FTLS_OK);

	/* Over the core's maximum length. */
	static uint8_t big[20000], bigout[20100];
	op.type = FTLS_OP_SEAL;
	op.src = big;
	op.src_len = sizeof(big);
	op.dst = bigout;
	op.dst_cap = sizeof(bigout);
	one(&op);
	assert_int_equal(op.status, FTLS_ERR_INVAL);

	/* A deleted slot is refused. */
	ftls_crypto_sess_del(sim, slot);
	op.src = pt;
	op.src_len = sizeof(pt);
	op.dst = ct;
	op.dst_cap = sizeof(ct);
	one(&op);
	assert_int_equal(op.status, FTLS_ERR_INVAL);
	ftls_crypto_sess_del(cpu, cslot);

	/* CBC with SHA-384 has no engine in the core. */
	make_ki(&ki, FTLS_ECDHE_RSA_AES256_CBC_SHA384, FTLS_DIR_TX);
	assert_int_equal(ftls_crypto_sess_add(sim, &ki, &slot), FTLS_ERR_UNSUPPORTED);
	/* A key install that does not match its suite. */
	make_ki(&ki, FTLS_TLS_AES_128_GCM_SHA256, FTLS_DIR_TX);
	ki.key_len = 32;
	assert_int_equal(ftls_crypto_sess_add(sim, &ki, &slot), FTLS_ERR_INVAL);
}

static void test_slots_full(void **state)
{
	struct ftls_key_install ki;
	uint32_t slots[64], extra;

	(void)state;
	make_ki(&ki, FTLS_TLS_AES_256_GCM_SHA384, FTLS_DIR_TX);
	for (int i = 0; i < 64; i++)
		assert_int_equal(ftls_crypto_sess_add(sim, &ki, &slots[i]), FTLS_OK);
	assert_int_equal(ftls_crypto_sess_add(sim, &ki, &extra), FTLS_ERR_FULL);
	for (int i = 0; i < 64; i++)
		ftls_crypto_sess_del(sim, slots[i]);
	assert_int_equal(ftls_crypto_sess_add(sim, &ki, &extra), FTLS_OK);
	ftls_crypto_sess_del(sim, extra);
}

static void test_fpga_without_card(void **state)
{
	struct ftls_crypto_conf c = conf();
	struct ftls_crypto_dev *dev = NULL;
	char *env = getenv("FTLS_FPGA_DEV") ? strdup(getenv("FTLS_FPGA_DEV")) : NULL;

	(void)state;
	unsetenv("FTLS_FPGA_DEV");
	c.dev_path = "0000:ff:1f.7";
	assert_int_equal(ftls_crypto_open("fpga", &c, &dev), FTLS_ERR_DEVICE);
	assert_null(dev);
	c.dev_path = NULL;
	assert_int_equal(ftls_crypto_open("fpga", &c, &dev), FTLS_ERR_DEVICE);
	if (env)
		setenv("FTLS_FPGA_DEV", env, 1);
	free(env);
}

static void test_sim_without_simulator(void **state)
{
	struct ftls_crypto_conf c = conf();
	struct ftls_crypto_dev *dev = NULL;

	(void)state;
	c.dev_path = "/nonexistent/ftls-sim-window";
	assert_int_equal(ftls_crypto_open("sim", &c, &dev), FTLS_ERR_DEVICE);
	assert_null(dev);
}

static int setup(void **state)
{
	struct ftls_crypto_conf c = conf();

	(void)state;
	init_lens();
	const char *hw = getenv("FTLS_HW_BACKEND") && *getenv("FTLS_HW_BACKEND") ?
				 getenv("FTLS_HW_BACKEND") : "sim";

	if (ftls_crypto_open(hw, &c, &sim) != FTLS_OK) {
		fprintf(stderr, "cannot open the %s backend (FTLS_SIM_WINDOW=%s, FTLS_FPGA_DEV=%s)\n", hw,
			getenv("FTLS_SIM_WINDOW") ? getenv("FTLS_SIM_WINDOW") : "",
			getenv("FTLS_FPGA_DEV") ? getenv("FTLS_FPGA_DEV") : "");
		return -1;
	}
	if (ftls_crypto_open("cpu", &c, &cpu) != FTLS_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ftls_crypto_close(sim);
	ftls_crypto_close(cpu);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fpga_without_card),
		cmocka_unit_test(test_sim_without_simulator),
		cmocka_unit_test(test_failures),
		cmocka_unit_test(test_slots_full),
		cmocka_unit_test(test_seal_sim_open_cpu),
		cmocka_unit_test(test_seal_cpu_open_sim),
		cmocka_unit_test(test_other_suites),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
