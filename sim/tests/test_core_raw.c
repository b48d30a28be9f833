/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The crypto core's own error paths over a running ftls-sim, below the driver: raw descriptors
 * written into a ring through the sim bus (common/crypto_hw_bus_sim.c), so the checks the driver
 * makes first do not hide the core's. Each bad descriptor (AAD too long, empty or out-of-range
 * slot, zeroized slot, unknown opcode, length over the maximum, open shorter than its tag, DMA
 * outside the window) must complete in order with its status, and hundreds of random descriptors
 * must all complete without hanging the queue, after which a good one still works. Also: the
 * ID/version and capability registers, the key window reading back as zero, the counters.
 * Needs ftls-sim serving env FTLS_SIM_WINDOW (sim/tests/check-card.sh). Not for: the driver.
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
#include <unistd.h>

#include <cmocka.h>

#include "common/crypto_hw.h"
#include "hw/gen/ftls_regs.h"

enum { RING_LOG2 = 9, RING = 1 << RING_LOG2, BUF = 20480 };

static struct ftls_hw_bus *bus;
static struct ftls_hw_dma dma;
static struct ftls_hw_share share;
static uint32_t q = UINT32_MAX, slot = UINT32_MAX, empty_slot = UINT32_MAX, token;
static uint8_t *sq, *cq, *src, *dst;
static uint64_t sq_io, cq_io, src_io, dst_io;
static uint16_t tail, head;
static uint8_t phase = 1;

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void wr(uint32_t off, uint32_t v)
{
	assert_int_equal(ftls_hw_bus_sim.write32(bus, off, v), 0);
}

static uint32_t rd(uint32_t off)
{
	uint32_t v = 0;

	assert_int_equal(ftls_hw_bus_sim.read32(bus, off, &v), 0);
	return v;
}

struct desc {
	uint8_t opcode, aad_len;
	uint16_t slot, len;
	uint64_t src, dst;
};

/* Writes a descriptor at the tail; returns its cookie. */
static uint16_t submit(const struct desc *d)
{
	uint8_t *e = sq + (size_t)(tail & (RING - 1)) * FTLS_HW_DESC_SIZE;

	memset(e, 0, FTLS_HW_DESC_SIZE);
	e[FTLS_HW_DESC_OPCODE_OFF] = d->opcode;
	e[FTLS_HW_DESC_AAD_LEN_OFF] = d->aad_len;
	put_le(e + FTLS_HW_DESC_SLOT_OFF, d->slot, 2);
	put_le(e + FTLS_HW_DESC_LEN_OFF, d->len, 2);
	put_le(e + FTLS_HW_DESC_COOKIE_OFF, tail, 2);
	put_le(e + FTLS_HW_DESC_SRC_OFF, d->src, 8);
	put_le(e + FTLS_HW_DESC_DST_OFF, d->dst, 8);
	put_le(e + FTLS_HW_DESC_SEQ_OFF, tail, 8);
	return tail++;
}

static void doorbell(void)
{
	__atomic_thread_fence(__ATOMIC_RELEASE);
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_TAIL), tail);
}

/* Waits for the next completion; checks its cookie; returns its status and length. */
static uint16_t complete(uint16_t cookie, uint32_t *len)
{
	uint8_t *c = cq + (size_t)(head & (RING - 1)) * FTLS_HW_CPL_SIZE;
	time_t t0 = time(NULL);

	while ((__atomic_load_n(&c[FTLS_HW_CPL_PHASE_OFF], __ATOMIC_ACQUIRE) & 1) != phase) {
		if (time(NULL) - t0 > 20)
			fail_msg("completion %u never came: the queue hung", cookie);
		usleep(10);
	}
	assert_int_equal(get_le(c + FTLS_HW_CPL_COOKIE_OFF, 2), cookie);
	if (len)
		*len = (uint32_t)get_le(c + FTLS_HW_CPL_LEN_OFF, 4);
	head++;
	if ((head & (RING - 1)) == 0)
		phase ^= 1;
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_HEAD), head);
	return (uint16_t)get_le(c + FTLS_HW_CPL_STATUS_OFF, 2);
}

static uint16_t one(const struct desc *d, uint32_t *len)
{
	uint16_t c = submit(d);

	doorbell();
	return complete(c, len);
}

static void load_slot(uint32_t s)
{
	for (unsigned i = 0; i < 8; i++)
		wr(FTLS_HW_REG_KEY_WIN_KEY_0 + 4 * i, 0x03020100u + 0x04040404u * i);
	for (unsigned i = 0; i < 3; i++)
		wr(FTLS_HW_REG_KEY_WIN_IV_0 + 4 * i, 0xabcdef00u + i);
	wr(FTLS_HW_REG_KEY_WIN_ALG, FTLS_HW_ALG_AES128_GCM | (1u << FTLS_HW_KEY_WIN_ALG_TLS13_SHIFT));
	wr(FTLS_HW_REG_KEY_CMD, (FTLS_HW_KEY_OP_LOAD << FTLS_HW_KEY_CMD_OP_SHIFT) | s);
}

static struct desc good(void)
{
	struct desc d = { FTLS_HW_OPCODE_SEAL, 5, (uint16_t)slot, 100, src_io, dst_io };

	return d;
}

static void test_registers(void **state)
{
	uint32_t id = rd(FTLS_HW_REG_ID_VERSION);

	(void)state;
	assert_int_equal(id >> FTLS_HW_ID_VERSION_MAGIC_SHIFT, FTLS_HW_MAGIC);
	assert_int_equal((id & FTLS_HW_ID_VERSION_MAJOR_MASK) >> FTLS_HW_ID_VERSION_MAJOR_SHIFT,
			 FTLS_HW_VERSION_MAJOR);
	assert_int_equal(rd(FTLS_HW_REG_CAP_QUEUES), FTLS_HW_NUM_QUEUES);
	assert_int_equal(rd(FTLS_HW_REG_CAP_KEY_SLOTS), FTLS_HW_NUM_KEY_SLOTS);
	assert_int_equal(rd(FTLS_HW_REG_CAP_MAX_LEN), FTLS_HW_MAX_LEN);
	assert_true(rd(FTLS_HW_REG_CAP_ALGS) & (1u << FTLS_HW_ALG_AES128_GCM));
	/* The key window is write-only: a key written there never reads back. */
	wr(FTLS_HW_REG_KEY_WIN_KEY_0, 0xdeadbeef);
	assert_int_equal(rd(FTLS_HW_REG_KEY_WIN_KEY_0), 0);
	assert_int_equal(rd(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_SIZE)), RING_LOG2);
}

static void test_bad_descriptors(void **state)
{
	struct desc d;
	uint32_t len = 0, err0 = rd(FTLS_HW_REG_CNT_DESC_ERR);

	(void)state;
	d = good();
	assert_int_equal(one(&d, &len), FTLS_HW_STATUS_OK);
	assert_int_equal(len, 100 + 16);
	d = good();
	d.aad_len = 14;
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_BAD_DESC);
	d = good();
	d.slot = (uint16_t)empty_slot;
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_BAD_SLOT);
	d = good();
	d.slot = 60000;
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_BAD_SLOT);
	d = good();
	d.opcode = 7;
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_BAD_OPCODE);
	d = good();
	d.len = FTLS_HW_MAX_LEN + 1;
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_BAD_LEN);
	d = good();
	d.opcode = FTLS_HW_OPCODE_OPEN;
	d.len = 15;
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_BAD_LEN);
	d = good();
	d.src = 1ull << 40;
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_DMA_ERR);
	d = good();
	d.dst = 0; /* the window's header page */
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_DMA_ERR);
	d = good();
	d.opcode = FTLS_HW_OPCODE_OPEN;
	d.len = 100 + 16;
	memset(src, 0, 200);
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_AUTH_FAIL);
	assert_int_equal(rd(FTLS_HW_REG_CNT_DESC_ERR) - err0, 9);

	/* Zeroized: the slot is empty from then on. */
	wr(FTLS_HW_REG_KEY_CMD, (FTLS_HW_KEY_OP_ZEROIZE << FTLS_HW_KEY_CMD_OP_SHIFT) | slot);
	d = good();
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_BAD_SLOT);
	load_slot(slot);
	d = good();
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_OK);
}

static void test_random_descriptors(void **state)
{
	uint16_t cookies[RING];
	uint64_t r = 0x243f6a8885a308d3ull;
	unsigned n = 0, ok = 0;

	(void)state;
	/* Up to 400 random descriptors in batches that fit the ring: every one completes. */
	for (int batch = 0; batch < 4; batch++) {
		unsigned k = 0;

		for (; k < 100; k++) {
			uint8_t *e;
			r ^= r << 13;
			r ^= r >> 7;
			r ^= r << 17;
			cookies[k] = submit(&(struct desc){ 0 });
			e = sq + (size_t)(cookies[k] & (RING - 1)) * FTLS_HW_DESC_SIZE;
			for (unsigned i = 0; i < FTLS_HW_DESC_SIZE; i++)
				e[i] = (uint8_t)(r >> (8 * (i % 8))) ^ (uint8_t)(i * 37);
			/* Half of them aimed at real memory and a real slot, the rest anything. */
			if (r & 1) {
				e[FTLS_HW_DESC_OPCODE_OFF] = (uint8_t)(1 + (r >> 8) % 2);
				e[FTLS_HW_DESC_AAD_LEN_OFF] = (uint8_t)((r >> 16) % 14);
				put_le(e + FTLS_HW_DESC_SLOT_OFF, slot, 2);
				put_le(e + FTLS_HW_DESC_LEN_OFF, (r >> 24) % 3000, 2);
				put_le(e + FTLS_HW_DESC_SRC_OFF, src_io, 8);
				put_le(e + FTLS_HW_DESC_DST_OFF, dst_io, 8);
			}
			put_le(e + FTLS_HW_DESC_COOKIE_OFF, cookies[k], 2);
		}
		doorbell();
		for (unsigned i = 0; i < k; i++) {
			uint16_t st = complete(cookies[i], NULL);
			assert_true(st <= FTLS_HW_STATUS_BAD_DESC);
			ok += st == FTLS_HW_STATUS_OK;
			n++;
		}
	}
	printf("random descriptors: %u completed, %u of them ok\n", n, ok);
	struct desc d = good();
	assert_int_equal(one(&d, NULL), FTLS_HW_STATUS_OK);
}

static int setup(void **state)
{
	uint32_t nq, part;

	(void)state;
	if (ftls_hw_bus_sim.attach(getenv("FTLS_SIM_WINDOW"), 0, &bus, &dma) != 0)
		return -1;
	ftls_hw_bus_sim.share(bus, &share);
	token = ((uint32_t)getpid() << 8) | 0xee;
	if (ftls_hw_bus_sim.read32(bus, FTLS_HW_REG_CAP_QUEUES, &nq) != 0)
		return -1;
	if (nq > share.nq)
		nq = share.nq;
	for (uint32_t i = nq; i-- > 0 && q == UINT32_MAX;) {
		uint32_t z = 0;
		if (__atomic_compare_exchange_n(&share.q_owner[i], &z, token, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE))
			q = i;
	}
	for (uint32_t i = share.nslots; i-- > 0 && empty_slot == UINT32_MAX;) {
		uint32_t z = 0;
		if (__atomic_compare_exchange_n(&share.slot_owner[i], &z, token, false, __ATOMIC_ACQ_REL,
						__ATOMIC_ACQUIRE)) {
			if (slot == UINT32_MAX)
				slot = i;
			else
				empty_slot = i;
		}
	}
	if (q == UINT32_MAX || empty_slot == UINT32_MAX)
		return -1;
	/* The queue's part of the DMA memory, as the driver divides it. */
	part = (uint32_t)(dma.len / nq / 4096 * 4096);
	sq = dma.va + (size_t)q * part;
	sq_io = dma.iova + (uint64_t)q * part;
	cq = sq + RING * FTLS_HW_DESC_SIZE;
	cq_io = sq_io + RING * FTLS_HW_DESC_SIZE;
	src = cq + RING * FTLS_HW_CPL_SIZE;
	src_io = cq_io + RING * FTLS_HW_CPL_SIZE;
	dst = src + BUF;
	dst_io = src_io + BUF;
	(void)dst;
	memset(sq, 0, RING * FTLS_HW_DESC_SIZE);
	memset(cq, 0, RING * FTLS_HW_CPL_SIZE);
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 0);
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_LO), (uint32_t)sq_io);
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_HI), (uint32_t)(sq_io >> 32));
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_SIZE), RING_LOG2);
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_LO), (uint32_t)cq_io);
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_HI), (uint32_t)(cq_io >> 32));
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_SIZE), RING_LOG2);
	wr(FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 1);
	wr(FTLS_HW_REG_CTRL, FTLS_HW_CTRL_ENABLE_MASK);
	wr(FTLS_HW_REG_KEY_CMD, (FTLS_HW_KEY_OP_ZEROIZE << FTLS_HW_KEY_CMD_OP_SHIFT) | empty_slot);
	load_slot(slot);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	if (!bus)
		return 0;
	if (q != UINT32_MAX) {
		wr(FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 0);
		__atomic_store_n(&share.q_owner[q], 0, __ATOMIC_RELEASE);
	}
	if (slot != UINT32_MAX) {
		wr(FTLS_HW_REG_KEY_CMD, (FTLS_HW_KEY_OP_ZEROIZE << FTLS_HW_KEY_CMD_OP_SHIFT) | slot);
		__atomic_store_n(&share.slot_owner[slot], 0, __ATOMIC_RELEASE);
	}
	if (empty_slot != UINT32_MAX)
		__atomic_store_n(&share.slot_owner[empty_slot], 0, __ATOMIC_RELEASE);
	(void)rd(FTLS_HW_REG_ID_VERSION);
	ftls_hw_bus_sim.detach(bus);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_registers),
		cmocka_unit_test(test_bad_descriptors),
		cmocka_unit_test(test_random_descriptors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
