/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the record deframer on an arbitrary byte stream cut into arbitrary chunks.
 * Input: byte 0 seeds the chunk sizes, the rest is the stream. Oracle: every record handed out
 * is exactly the next 5 + length bytes of the stream, lies in the chunk when it is returned in
 * place, and respects max_len; after an error nothing more comes out. Every record is then
 * passed to a plaintext-mode ftls_rec_open, which must agree with the header. Not for: crypto
 * (fuzz_rec_open.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/record.h"

static uint8_t asm_buf[FTLS_REC_MAX_LEN];
static uint8_t out[FTLS_REC_MAX_LEN];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ftls_deframer f;
	struct ftls_rec_dir plain = { .version = FTLS_V_TLS12 };
	uint32_t rng;
	size_t at = 0, consumed = 0, max_len;
	int failed = 0;

	if (size < 1)
		return 0;
	rng = data[0] * 2654435761u + 1;
	max_len = data[0] & 1 ? FTLS_REC_MAX_LEN : 5 + FTLS_REC13_MAX_CIPHER;
	data++;
	size--;
	ftls_deframer_init(&f, asm_buf, max_len);
	while (at < size) {
		size_t c;
		const uint8_t *rec;
		size_t rl;
		enum ftls_err e;

		rng = rng * 1103515245u + 12345u;
		c = 1 + (rng >> 8) % (rng & 0x10 ? 7 : 4096);
		if (c > size - at)
			c = size - at;
		ftls_deframer_feed(&f, data + at, c);
		while ((e = ftls_deframer_next(&f, &rec, &rl)) == FTLS_OK) {
			uint8_t type;
			size_t n;

			if (failed || rl < 5 || rl > max_len || rl != 5 + (size_t)(rec[3] << 8 | rec[4]) ||
			    consumed + rl > at + c || memcmp(rec, data + consumed, rl) != 0)
				abort();
			if (rec != asm_buf && (rec < data + at || rec + rl > data + at + c))
				abort();
			consumed += rl;
			e = ftls_rec_open(&plain, rec, rl, out, sizeof(out), &type, &n);
			if (e == FTLS_OK && (type != rec[0] || n != rl - 5 || memcmp(out, rec + 5, n)))
				abort();
			if (e != FTLS_OK && e != FTLS_ERR_RECORD_OVERFLOW)
				abort();
		}
		if (e != FTLS_ERR_AGAIN) {
			if (ftls_err_alert(e) < 0)
				abort();
			failed = 1;
			break;
		}
		at += c;
	}
	return 0;
}
