/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `fpga` bus (common/crypto_hw_bus_fpga.c) and the driver's reset and removal handling
 * (common/crypto_hw.c). Attach failures against fake sysfs device directories: no device, wrong
 * vendor or device id, BAR 0 too small, an ID register that is not an ftls core, a BAR reading all
 * ones, no hugetlbfs, more DMA memory than the hugepage pool; each is FTLS_ERR_DEVICE with its log
 * line. Then, against a running ftls-sim (env FTLS_SIM_PID; the fpga backend finds the simulated
 * card through env FTLS_FPGA_DEV, the sim backend its window through FTLS_SIM_WINDOW): a reset in
 * the middle of traffic on two queues (every op completes, with OK or FTLS_ERR_DEVICE, failed
 * opens hand out nothing, the sessions loaded before fail, new ones work) and, on fpga, surprise
 * removal (every op completes with an error, the device stays dead, a fresh card works). The
 * backend under test is env FTLS_HW_BACKEND (fpga or sim). Run by check-fpga-bus and check-sim.
 * Not for: the suites and lengths (test_crypto_hw.c).
 */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "common/crypto.h"
#include "common/crypto_hw.h"
#include "common/log.h"
#include "common/tls.h"
#include "common/wire.h"

enum { DEPTH = 64, REC = 16384, NREC = 32, NQ1 = 16 };

static const char *backend(void)
{
	const char *b = getenv("FTLS_HW_BACKEND");

	return b && *b ? b : "fpga";
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- attach failures against fake device directories ---- */

static char fake[256];

static void put_file(const char *name, const void *data, size_t len)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", fake, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	fclose(f);
}

/* A device directory with the given ids and a BAR of len bytes, every byte `fillb`. */
static void make_fake(const char *vendor, const char *device, size_t len, uint8_t fillb)
{
	uint8_t *bar = malloc(len);

	assert_non_null(bar);
	memset(bar, fillb, len);
	if (vendor)
		put_file("vendor", vendor, strlen(vendor));
	if (device)
		put_file("device", device, strlen(device));
	put_file("resource0", bar, len);
	free(bar);
}

/* Opens the fpga backend on dev_path with conf c; expects FTLS_ERR_DEVICE and `want` logged. */
static void expect_fail(const char *dev_path, struct ftls_crypto_conf c, const char *want)
{
	struct ftls_crypto_dev *dev = NULL;
	FILE *log = tmpfile();
	char text[4096];
	size_t n;

	assert_non_null(log);
	c.dev_path = dev_path;
	ftls_log_set_file(log);
	assert_int_equal(ftls_crypto_open("fpga", &c, &dev), FTLS_ERR_DEVICE);
	ftls_log_set_file(NULL);
	assert_null(dev);
	rewind(log);
	n = fread(text, 1, sizeof(text) - 1, log);
	text[n] = 0;
	fclose(log);
	if (!strstr(text, want))
		fail_msg("expected a log line with \"%s\", got: %s", want, text);
}

static struct ftls_crypto_conf small_conf(void)
{
	struct ftls_crypto_conf c = { .nb_qp = 1, .qp_depth = 4, .nb_slots = 4 };

	return c;
}

static void test_attach_failures(void **state)
{
	char ids[2][16];
	struct ftls_crypto_conf big = { .nb_qp = 64, .qp_depth = 4096, .nb_slots = 4 }; /* 10 GB */

	(void)state;
	if (strcmp(backend(), "fpga") != 0)
		skip(); /* the fpga bus's own checks */
	snprintf(fake, sizeof(fake), "/tmp/ftls-fake-card-%d", (int)getpid());
	assert_int_equal(mkdir(fake, 0700), 0);
	snprintf(ids[0], sizeof(ids[0]), "0x%04x\n", FTLS_HW_PCI_VENDOR);
	snprintf(ids[1], sizeof(ids[1]), "0x%04x\n", FTLS_HW_PCI_DEVICE);

	expect_fail("/tmp/ftls-no-such-card/x", small_conf(), "no PCI device there");
	expect_fail("0000:ff:1f.7", small_conf(), "no PCI device there");
	make_fake("0x8086\n", ids[1], 4096, 0);
	expect_fail(fake, small_conf(), "is not an ftls card");
	make_fake(ids[0], "0x7021\n", 4096, 0);
	expect_fail(fake, small_conf(), "is not an ftls card");
	make_fake(ids[0], ids[1], 2048, 0);
	expect_fail(fake, small_conf(), "BAR 0 is 2048 bytes");
	/* The right ids but register 0 is not the core's magic. */
	make_fake(ids[0], ids[1], 4096, 0);
	expect_fail(fake, small_conf(), "is not an ftls core");
	/* Every read all ones: a card that is not answering. */
	make_fake(ids[0], ids[1], 4096, 0xff);
	expect_fail(fake, small_conf(), "ID/version unreadable");
	/* DMA memory: not on hugetlbfs, and more than the pool has. */
	make_fake(ids[0], ids[1], 4096, 0);
	setenv("FTLS_FPGA_HUGEDIR", "/tmp", 1);
	expect_fail(fake, small_conf(), "not a hugetlbfs mount");
	unsetenv("FTLS_FPGA_HUGEDIR");
	expect_fail(fake, big, "hugepage DMA memory");

	{
		char p[512];

		for (int i = 0; i < 3; i++) {
			static const char *const names[] = { "vendor", "device", "resource0" };

			snprintf(p, sizeof(p), "%s/%s", fake, names[i]);
			unlink(p);
		}
		rmdir(fake);
	}
}

/* ---- against the simulator ---- */

struct rec {
	struct ftls_crypto_op op;
	uint8_t pt[REC], ct[REC + 64], out[REC + 64];
};

static struct rec recs[2 * NREC + NQ1];
static struct ftls_crypto_dev *cpu;

static pid_t sim_pid(void)
{
	const char *p = getenv("FTLS_SIM_PID");

	return p ? (pid_t)atoi(p) : 0;
}

static void make_ki(struct ftls_key_install *ki, uint8_t dir, uint8_t salt)
{
	const struct ftls_suite *s = ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256);

	memset(ki, 0, sizeof(*ki));
	ki->abi_version = FTLS_WIRE_ABI_VERSION;
	ki->size = sizeof(*ki);
	ki->tls_version = s->version;
	ki->suite = s->id;
	ki->dir = dir;
	ki->key_len = s->key_len;
	ki->iv_len = s->iv_len;
	for (int i = 0; i < s->key_len; i++)
		ki->key[i] = (uint8_t)(salt + 3 * i);
	for (int i = 0; i < s->iv_len; i++)
		ki->iv[i] = (uint8_t)(salt ^ (7 * i));
}

static void set_op(struct rec *r, uint32_t slot, uint8_t type, uint64_t seq)
{
	size_t ct_len = REC + 16;

	memset(&r->op, 0, sizeof(r->op));
	r->op.slot = slot;
	r->op.type = type;
	r->op.seq = seq;
	r->op.aad_len = 5;
	r->op.aad[0] = 23;
	r->op.aad[1] = 3;
	r->op.aad[2] = 3;
	r->op.aad[3] = (uint8_t)(ct_len >> 8);
	r->op.aad[4] = (uint8_t)ct_len;
	if (type == FTLS_OP_SEAL) {
		r->op.src = r->pt;
		r->op.src_len = REC;
		r->op.dst = r->ct;
	} else {
		r->op.src = r->ct;
		r->op.src_len = REC + 16;
		r->op.dst = r->out;
		memset(r->out, 0xee, sizeof(r->out));
	}
	r->op.dst_cap = REC + 64;
}

/* Enqueues and waits for every op (in order); fails the test after 20 s. */
static void run(struct ftls_crypto_dev *dev, uint16_t qp, struct ftls_crypto_op **ops, uint16_t n)
{
	struct ftls_crypto_op *done[64];
	uint16_t sent = 0, got = 0;
	double t0 = now_s();

	while (got < n) {
		if (sent < n)
			sent += ftls_crypto_enqueue_burst(dev, qp, ops + sent, (uint16_t)(n - sent));
		uint16_t k = ftls_crypto_dequeue_burst(dev, qp, done, 64);
		for (uint16_t i = 0; i < k; i++)
			assert_ptr_equal(done[i], ops[got + i]);
		got += k;
		if (now_s() - t0 > 20)
			fail_msg("timeout: %u of %u ops completed", got, n);
	}
}

/* A seal on dev (slot) of one record, opened on the cpu backend: the keys on the card work. */
static void check_works(struct ftls_crypto_dev *dev, uint16_t qp, uint8_t salt)
{
	struct ftls_key_install ki;
	uint32_t sl, csl;
	struct rec *r = &recs[0];
	struct ftls_crypto_op *op = &r->op;

	make_ki(&ki, FTLS_DIR_TX, salt);
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &sl), FTLS_OK);
	ki.dir = FTLS_DIR_RX;
	assert_int_equal(ftls_crypto_sess_add(cpu, &ki, &csl), FTLS_OK);
	for (int i = 0; i < REC; i++)
		r->pt[i] = (uint8_t)(i * 13 + salt);
	set_op(r, sl, FTLS_OP_SEAL, 9);
	run(dev, qp, &op, 1);
	assert_int_equal(op->status, FTLS_OK);
	set_op(r, csl, FTLS_OP_OPEN, 9);
	run(cpu, 0, &op, 1);
	assert_int_equal(op->status, FTLS_OK);
	assert_int_equal(op->dst_len, REC);
	assert_memory_equal(r->out, r->pt, REC);
	ftls_crypto_sess_del(dev, sl);
	ftls_crypto_sess_del(cpu, csl);
}

static struct ftls_crypto_dev *open_hw(void)
{
	struct ftls_crypto_conf c = { .nb_qp = 2, .qp_depth = DEPTH, .nb_slots = 16 };
	struct ftls_crypto_dev *dev = NULL;

	assert_int_equal(ftls_crypto_open(backend(), &c, &dev), FTLS_OK);
	return dev;
}

/*
 * Puts NREC opens and NREC seals in flight on qp 0 and NQ1 seals on qp 1, sends sig to the
 * simulator after the first completion, and collects every op. Returns how many failed.
 */
static unsigned traffic_then(struct ftls_crypto_dev *dev, uint32_t seal_sl, uint32_t open_sl,
			     int sig, unsigned *ok_out)
{
	struct ftls_crypto_op *q0[2 * NREC], *q1[NQ1], *done[64];
	uint16_t sent0 = 0, sent1 = 0, got0 = 0, got1 = 0;
	unsigned failed = 0, ok = 0;
	bool signalled = false;
	double t0 = now_s();

	for (int i = 0; i < NREC; i++) {
		set_op(&recs[2 * i], open_sl, FTLS_OP_OPEN, (uint64_t)i);
		set_op(&recs[2 * i + 1], seal_sl, FTLS_OP_SEAL, 100u + (uint64_t)i);
		q0[2 * i] = &recs[2 * i].op;
		q0[2 * i + 1] = &recs[2 * i + 1].op;
	}
	for (int i = 0; i < NQ1; i++) {
		set_op(&recs[2 * NREC + i], seal_sl, FTLS_OP_SEAL, 200u + (uint64_t)i);
		q1[i] = &recs[2 * NREC + i].op;
	}
	while (got0 < 2 * NREC || got1 < NQ1) {
		uint16_t k;

		if (sent0 < 2 * NREC)
			sent0 += ftls_crypto_enqueue_burst(dev, 0, q0 + sent0, (uint16_t)(2 * NREC - sent0));
		if (sent1 < NQ1)
			sent1 += ftls_crypto_enqueue_burst(dev, 1, q1 + sent1, (uint16_t)(NQ1 - sent1));
		k = ftls_crypto_dequeue_burst(dev, 0, done, 64);
		for (uint16_t i = 0; i < k; i++)
			assert_ptr_equal(done[i], q0[got0 + i]);
		got0 += k;
		k = ftls_crypto_dequeue_burst(dev, 1, done, 64);
		for (uint16_t i = 0; i < k; i++)
			assert_ptr_equal(done[i], q1[got1 + i]);
		got1 += k;
		if (!signalled && got0 > 0) {
			assert_int_equal(kill(sim_pid(), sig), 0);
			signalled = true;
		}
		if (now_s() - t0 > 30)
			fail_msg("hung: %u of %u and %u of %u ops completed", got0, 2 * NREC, got1, NQ1);
	}
	/* Every op has a verdict; a failed open hands out nothing; a good one is the plaintext. */
	for (int i = 0; i < 2 * NREC + NQ1; i++) {
		struct rec *r = &recs[i];

		if (r->op.status == FTLS_OK) {
			ok++;
			if (r->op.type == FTLS_OP_OPEN) {
				assert_int_equal(r->op.dst_len, REC);
				assert_memory_equal(r->out, r->pt, REC);
			}
			continue;
		}
		failed++;
		if (r->op.status != FTLS_ERR_DEVICE)
			fail_msg("op %d: %s, expected ok or a device error", i, ftls_err_name(r->op.status));
		assert_int_equal(r->op.dst_len, 0);
		if (r->op.type == FTLS_OP_OPEN)
			for (int b = 0; b < REC + 64; b++)
				if (r->out[b] != 0xee)
					fail_msg("op %d: a failed open wrote byte %d of dst", i, b);
	}
	*ok_out = ok;
	return failed;
}

/* Seals NREC records on open_sl's peer (so the opens in flight have real ciphertext). */
static void prepare_opens(struct ftls_crypto_dev *dev, uint32_t tx_sl)
{
	struct ftls_crypto_op *ops[NREC];

	for (int i = 0; i < NREC; i++) {
		struct rec *r = &recs[2 * i];

		for (int b = 0; b < REC; b++)
			r->pt[b] = (uint8_t)(b ^ i);
		set_op(r, tx_sl, FTLS_OP_SEAL, (uint64_t)i);
		ops[i] = &r->op;
	}
	run(dev, 0, ops, NREC);
	for (int i = 0; i < NREC; i++)
		assert_int_equal(ops[i]->status, FTLS_OK);
}

static void test_reset_mid_traffic(void **state)
{
	struct ftls_crypto_dev *dev = open_hw();
	struct ftls_key_install ki;
	uint32_t tx, rx, extra;
	unsigned failed, ok;
	struct ftls_crypto_op *op;

	(void)state;
	if (!sim_pid())
		skip();
	make_ki(&ki, FTLS_DIR_TX, 1);
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &tx), FTLS_OK);
	ki.dir = FTLS_DIR_RX;
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &rx), FTLS_OK);
	prepare_opens(dev, tx);

	failed = traffic_then(dev, tx, rx, SIGUSR1, &ok);
	printf("reset mid-traffic on %s: %u ops completed ok before it, %u failed with a device error\n",
	       backend(), ok, failed);
	assert_true(failed > 0); /* the reset came with descriptors in flight */
	assert_true(ok > 0);

	/* The sessions loaded before the reset are gone from the card: their next use fails. */
	op = &recs[0].op;
	set_op(&recs[0], tx, FTLS_OP_SEAL, 1);
	run(dev, 0, &op, 1);
	assert_int_equal(op->status, FTLS_ERR_DEVICE);
	set_op(&recs[0], rx, FTLS_OP_OPEN, 1);
	run(dev, 1, &op, 1);
	assert_int_equal(op->status, FTLS_ERR_DEVICE);
	assert_int_equal(op->dst_len, 0);
	/* Deleting them frees the slots; new sessions work on both queues. */
	ftls_crypto_sess_del(dev, tx);
	ftls_crypto_sess_del(dev, rx);
	check_works(dev, 0, 5);
	check_works(dev, 1, 6);
	make_ki(&ki, FTLS_DIR_TX, 2);
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &extra), FTLS_OK);
	ftls_crypto_sess_del(dev, extra);
	ftls_crypto_close(dev);

	/* A reset with nothing in flight is noticed at the next sess_add; a fresh device works. */
	dev = open_hw();
	make_ki(&ki, FTLS_DIR_TX, 3);
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &tx), FTLS_OK);
	assert_int_equal(kill(sim_pid(), SIGUSR1), 0);
	usleep(300000);
	check_works(dev, 0, 7);
	set_op(&recs[0], tx, FTLS_OP_SEAL, 1);
	op = &recs[0].op;
	run(dev, 1, &op, 1);
	assert_int_equal(op->status, FTLS_ERR_DEVICE);
	ftls_crypto_sess_del(dev, tx);
	ftls_crypto_close(dev);
}

static void test_surprise_removal(void **state)
{
	struct ftls_crypto_dev *dev;
	struct ftls_key_install ki;
	uint32_t tx, rx, sl;
	unsigned failed, ok;
	struct ftls_crypto_op *op;

	(void)state;
	if (!sim_pid() || strcmp(backend(), "fpga") != 0)
		skip();
	dev = open_hw();
	make_ki(&ki, FTLS_DIR_TX, 9);
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &tx), FTLS_OK);
	ki.dir = FTLS_DIR_RX;
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &rx), FTLS_OK);
	prepare_opens(dev, tx);

	failed = traffic_then(dev, tx, rx, SIGUSR2, &ok);
	printf("surprise removal on fpga: %u ops completed ok before it, %u failed with a device error\n",
	       ok, failed);
	assert_true(failed > 0);
	/* The device is dead: every later op fails at once, so does a key install. */
	op = &recs[0].op;
	set_op(&recs[0], tx, FTLS_OP_SEAL, 1);
	run(dev, 0, &op, 1);
	assert_int_equal(op->status, FTLS_ERR_DEVICE);
	make_ki(&ki, FTLS_DIR_TX, 10);
	assert_int_equal(ftls_crypto_sess_add(dev, &ki, &sl), FTLS_ERR_DEVICE);
	/* Opening the missing card fails cleanly. */
	{
		struct ftls_crypto_conf c = { .nb_qp = 1, .qp_depth = 4, .nb_slots = 4 };
		struct ftls_crypto_dev *none = NULL;

		assert_int_equal(ftls_crypto_open("fpga", &c, &none), FTLS_ERR_DEVICE);
		assert_null(none);
	}
	ftls_crypto_close(dev);
	/* A card put back (fresh, after reset) works with a new device. */
	assert_int_equal(kill(sim_pid(), SIGUSR2), 0);
	usleep(300000);
	dev = open_hw();
	check_works(dev, 0, 11);
	check_works(dev, 1, 12);
	ftls_crypto_close(dev);
}

static int setup(void **state)
{
	struct ftls_crypto_conf c = { .nb_qp = 2, .qp_depth = DEPTH, .nb_slots = 16 };

	(void)state;
	return ftls_crypto_open("cpu", &c, &cpu) == FTLS_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ftls_crypto_close(cpu);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_attach_failures),
		cmocka_unit_test(test_reset_mid_traffic),
		cmocka_unit_test(test_surprise_removal),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
