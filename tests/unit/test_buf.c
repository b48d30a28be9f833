/* SPDX-License-Identifier: BSD-3-Clause */
/* Unit tests of the byte cursor: bounded reads/writes, sub-cursors, back-patched lengths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "common/buf.h"

static void test_integers_round_trip(void **state)
{
	uint8_t mem[32];
	struct ftls_buf w, r;
	uint8_t u8;
	uint16_t u16;
	uint32_t u24, u32;
	uint64_t u64;

	(void)state;
	ftls_buf_init(&w, mem, sizeof(mem));
	assert_int_equal(ftls_buf_put_u8(&w, 0xab), FTLS_OK);
	assert_int_equal(ftls_buf_put_u16(&w, 0x1234), FTLS_OK);
	assert_int_equal(ftls_buf_put_u24(&w, 0x56789a), FTLS_OK);
	assert_int_equal(ftls_buf_put_u32(&w, 0xdeadbeef), FTLS_OK);
	assert_int_equal(ftls_buf_put_u64(&w, 0x0102030405060708ull), FTLS_OK);
	assert_int_equal(ftls_buf_len(&w), 1 + 2 + 3 + 4 + 8);
	assert_memory_equal(mem, "\xab\x12\x34\x56\x78\x9a\xde\xad\xbe\xef\x01\x02\x03\x04\x05\x06\x07\x08", 18);

	ftls_buf_init_ro(&r, mem, ftls_buf_len(&w));
	assert_int_equal(ftls_buf_get_u8(&r, &u8), FTLS_OK);
	assert_int_equal(ftls_buf_get_u16(&r, &u16), FTLS_OK);
	assert_int_equal(ftls_buf_get_u24(&r, &u24), FTLS_OK);
	assert_int_equal(ftls_buf_get_u32(&r, &u32), FTLS_OK);
	assert_int_equal(ftls_buf_get_u64(&r, &u64), FTLS_OK);
	assert_int_equal(u8, 0xab);
	assert_int_equal(u16, 0x1234);
	assert_int_equal(u24, 0x56789a);
	assert_int_equal(u32, 0xdeadbeef);
	assert_true(u64 == 0x0102030405060708ull);
	assert_int_equal(ftls_buf_end(&r), FTLS_OK);
}

static void test_truncated_reads_do_not_move(void **state)
{
	static const uint8_t data[] = { 0x01, 0x02, 0x03 };
	struct ftls_buf r;
	uint32_t u32;
	uint16_t u16;
	uint8_t out[4];

	(void)state;
	ftls_buf_init_ro(&r, data, sizeof(data));
	assert_int_equal(ftls_buf_get_u32(&r, &u32), FTLS_ERR_DECODE);
	assert_int_equal(ftls_buf_remaining(&r), 3);
	assert_int_equal(ftls_buf_get_bytes(&r, out, 4), FTLS_ERR_DECODE);
	assert_int_equal(ftls_buf_skip(&r, 4), FTLS_ERR_DECODE);
	assert_int_equal(ftls_buf_get_u16(&r, &u16), FTLS_OK);
	assert_int_equal(ftls_buf_get_u16(&r, &u16), FTLS_ERR_DECODE);
	assert_int_equal(ftls_buf_remaining(&r), 1);
	assert_int_equal(ftls_buf_end(&r), FTLS_ERR_TRAILING_BYTES);
}

static void test_vectors_are_sub_cursors(void **state)
{
	/* opaque<0..2^16-1> holding two u16s, then one trailing byte after the vector. */
	static const uint8_t data[] = { 0x00, 0x04, 0xaa, 0xbb, 0xcc, 0xdd, 0x7f };
	struct ftls_buf r, sub;
	uint16_t a, b;
	uint8_t c;

	(void)state;
	ftls_buf_init_ro(&r, data, sizeof(data));
	assert_int_equal(ftls_buf_get_vec16(&r, &sub), FTLS_OK);
	assert_int_equal(ftls_buf_remaining(&sub), 4);
	assert_int_equal(ftls_buf_get_u16(&sub, &a), FTLS_OK);
	/* A vector that is not consumed exactly is a decode error. */
	assert_int_equal(ftls_buf_end(&sub), FTLS_ERR_TRAILING_BYTES);
	assert_int_equal(ftls_buf_get_u16(&sub, &b), FTLS_OK);
	assert_int_equal(ftls_buf_end(&sub), FTLS_OK);
	/* The sub-cursor cannot read past the vector into the parent. */
	assert_int_equal(ftls_buf_get_u8(&sub, &c), FTLS_ERR_DECODE);
	assert_int_equal(a, 0xaabb);
	assert_int_equal(b, 0xccdd);
	assert_int_equal(ftls_buf_get_u8(&r, &c), FTLS_OK);
	assert_int_equal(c, 0x7f);
	assert_int_equal(ftls_buf_end(&r), FTLS_OK);
}

static void test_overlong_vector_rejected(void **state)
{
	/* Claims 5 bytes, has 3. */
	static const uint8_t data[] = { 0x05, 0x01, 0x02, 0x03 };
	/* A 24-bit length far past the buffer. */
	static const uint8_t data24[] = { 0xff, 0xff, 0xff, 0x00 };
	struct ftls_buf r, sub;

	(void)state;
	ftls_buf_init_ro(&r, data, sizeof(data));
	assert_int_equal(ftls_buf_get_vec8(&r, &sub), FTLS_ERR_DECODE);
	assert_int_equal(ftls_buf_remaining(&r), 4); /* cursor did not move */
	ftls_buf_init_ro(&r, data24, sizeof(data24));
	assert_int_equal(ftls_buf_get_vec24(&r, &sub), FTLS_ERR_DECODE);
	/* Truncated length prefix. */
	ftls_buf_init_ro(&r, data, 1);
	assert_int_equal(ftls_buf_get_vec16(&r, &sub), FTLS_ERR_DECODE);
}

static void test_vector_bounds(void **state)
{
	static const uint8_t empty[] = { 0x00 };
	static const uint8_t three[] = { 0x03, 1, 2, 3 };
	struct ftls_buf r, sub;

	(void)state;
	/* <1..2^8-1>: an empty vector is illegal. */
	ftls_buf_init_ro(&r, empty, sizeof(empty));
	assert_int_equal(ftls_buf_get_vec(&r, 1, 1, 255, &sub), FTLS_ERR_DECODE);
	/* <0..2>: three bytes are too many. */
	ftls_buf_init_ro(&r, three, sizeof(three));
	assert_int_equal(ftls_buf_get_vec(&r, 1, 0, 2, &sub), FTLS_ERR_DECODE);
	ftls_buf_init_ro(&r, three, sizeof(three));
	assert_int_equal(ftls_buf_get_vec(&r, 1, 3, 3, &sub), FTLS_OK);
	assert_int_equal(ftls_buf_remaining(&sub), 3);
}

static void test_writer_bounds(void **state)
{
	uint8_t mem[4];
	struct ftls_buf w, r;
	uint8_t *p;

	(void)state;
	ftls_buf_init(&w, mem, sizeof(mem));
	assert_int_equal(ftls_buf_put_u32(&w, 1), FTLS_OK);
	assert_int_equal(ftls_buf_put_u8(&w, 1), FTLS_ERR_FULL);
	assert_int_equal(ftls_buf_len(&w), 4);
	ftls_buf_init(&w, mem, 3);
	assert_int_equal(ftls_buf_put_u32(&w, 1), FTLS_ERR_FULL);
	assert_int_equal(ftls_buf_len(&w), 0);
	assert_int_equal(ftls_buf_put_u24(&w, 0x1000000), FTLS_ERR_INVAL);
	assert_int_equal(ftls_buf_reserve(&w, 4, &p), FTLS_ERR_FULL);
	/* Read-only buffers refuse writes. */
	ftls_buf_init_ro(&r, mem, sizeof(mem));
	assert_int_equal(ftls_buf_put_u8(&r, 1), FTLS_ERR_FULL);
}

static void test_backpatched_lengths(void **state)
{
	uint8_t mem[16];
	struct ftls_buf w, r, outer, inner;
	struct ftls_buf_mark m16, m8;
	uint8_t c;

	(void)state;
	ftls_buf_init(&w, mem, sizeof(mem));
	assert_int_equal(ftls_buf_vec_open(&w, 2, &m16), FTLS_OK);
	assert_int_equal(ftls_buf_vec_open(&w, 1, &m8), FTLS_OK);
	assert_int_equal(ftls_buf_put_bytes(&w, "abc", 3), FTLS_OK);
	assert_int_equal(ftls_buf_vec_close(&w, &m8), FTLS_OK);
	assert_int_equal(ftls_buf_put_u8(&w, 'z'), FTLS_OK);
	assert_int_equal(ftls_buf_vec_close(&w, &m16), FTLS_OK);
	assert_memory_equal(mem, "\x00\x05\x03" "abcz", 7);

	ftls_buf_init_ro(&r, mem, ftls_buf_len(&w));
	assert_int_equal(ftls_buf_get_vec16(&r, &outer), FTLS_OK);
	assert_int_equal(ftls_buf_get_vec8(&outer, &inner), FTLS_OK);
	assert_int_equal(ftls_buf_remaining(&inner), 3);
	assert_int_equal(ftls_buf_get_u8(&outer, &c), FTLS_OK);
	assert_int_equal(ftls_buf_end(&outer), FTLS_OK);
	assert_int_equal(ftls_buf_end(&r), FTLS_OK);
}

static void test_backpatch_overflow(void **state)
{
	uint8_t mem[300];
	struct ftls_buf w;
	struct ftls_buf_mark m;

	(void)state;
	ftls_buf_init(&w, mem, sizeof(mem));
	assert_int_equal(ftls_buf_vec_open(&w, 1, &m), FTLS_OK);
	assert_int_equal(ftls_buf_put_zero(&w, 256), FTLS_OK);
	/* 256 bytes do not fit a one-byte length. */
	assert_int_equal(ftls_buf_vec_close(&w, &m), FTLS_ERR_FULL);
	ftls_buf_init(&w, mem, sizeof(mem));
	assert_int_equal(ftls_buf_put_vec(&w, 1, mem, 256), FTLS_ERR_INVAL);
	assert_int_equal(ftls_buf_put_vec(&w, 2, "hi", 2), FTLS_OK);
	assert_memory_equal(mem, "\x00\x02hi", 4);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_integers_round_trip),
		cmocka_unit_test(test_truncated_reads_do_not_move),
		cmocka_unit_test(test_vectors_are_sub_cursors),
		cmocka_unit_test(test_overlong_vector_rejected),
		cmocka_unit_test(test_vector_bounds),
		cmocka_unit_test(test_writer_bounds),
		cmocka_unit_test(test_backpatched_lengths),
		cmocka_unit_test(test_backpatch_overflow),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
