/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The one buffer type for wire bytes: a bounded cursor over caller-owned storage.
 *
 * Implementation notes. A buffer is [base, base+cap). Bytes [0, len) hold data; a writer appends
 * at len, a reader consumes from pos (0 <= pos <= len <= cap). Nothing here allocates or
 * reallocates. A reader opens a length-prefixed vector (TLS's opaque<a..b>) as a *sub-cursor*
 * over exactly those bytes; after parsing the vector the caller proves it consumed all of it with
 * ftls_buf_end(), which is how trailing bytes inside a vector become decode_error instead of being
 * skipped. A writer opens a vector with ftls_buf_vec_open(), which reserves the length prefix, and
 * back-patches it with ftls_buf_vec_close() once the contents are written. Every read and write is
 * bounds-checked; a short read is FTLS_ERR_DECODE, a write past cap is FTLS_ERR_FULL, and on either
 * the cursor does not move. Read-only buffers (over const data) refuse writes.
 */
#ifndef FTLS_BUF_H
#define FTLS_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct ftls_buf {
	uint8_t *base;
	size_t cap;  /* storage size */
	size_t len;  /* end of data */
	size_t pos;  /* read position */
	bool ro;     /* over const data: writes refused */
};

/* An empty writer over mem[0..cap). */
void ftls_buf_init(struct ftls_buf *b, void *mem, size_t cap);
/* A reader over data[0..len). */
void ftls_buf_init_ro(struct ftls_buf *b, const void *data, size_t len);

static inline size_t ftls_buf_remaining(const struct ftls_buf *b) { return b->len - b->pos; }
static inline size_t ftls_buf_space(const struct ftls_buf *b) { return b->cap - b->len; }
static inline const uint8_t *ftls_buf_cur(const struct ftls_buf *b) { return b->base + b->pos; }
static inline const uint8_t *ftls_buf_data(const struct ftls_buf *b) { return b->base; }
static inline size_t ftls_buf_len(const struct ftls_buf *b) { return b->len; }

/* Readers: big-endian integers, bytes, zero-copy views. FTLS_ERR_DECODE when too short. */
enum ftls_err ftls_buf_get_u8(struct ftls_buf *b, uint8_t *v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_get_u16(struct ftls_buf *b, uint16_t *v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_get_u24(struct ftls_buf *b, uint32_t *v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_get_u32(struct ftls_buf *b, uint32_t *v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_get_u64(struct ftls_buf *b, uint64_t *v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_get_bytes(struct ftls_buf *b, void *dst, size_t n) FTLS_MUST_CHECK;
/* Points *p at the next n bytes and consumes them. */
enum ftls_err ftls_buf_get_ptr(struct ftls_buf *b, size_t n, const uint8_t **p) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_skip(struct ftls_buf *b, size_t n) FTLS_MUST_CHECK;

/*
 * Opens a vector with a prefix_len-byte (1, 2 or 3) length as a read-only sub-cursor and consumes
 * it from b. The length must lie in [min, max] (TLS's <min..max>), else FTLS_ERR_DECODE.
 */
enum ftls_err ftls_buf_get_vec(struct ftls_buf *b, unsigned prefix_len, size_t min, size_t max,
			       struct ftls_buf *sub) FTLS_MUST_CHECK;
static inline enum ftls_err FTLS_MUST_CHECK ftls_buf_get_vec8(struct ftls_buf *b, struct ftls_buf *s)
{
	return ftls_buf_get_vec(b, 1, 0, 0xff, s);
}
static inline enum ftls_err FTLS_MUST_CHECK ftls_buf_get_vec16(struct ftls_buf *b, struct ftls_buf *s)
{
	return ftls_buf_get_vec(b, 2, 0, 0xffff, s);
}
static inline enum ftls_err FTLS_MUST_CHECK ftls_buf_get_vec24(struct ftls_buf *b, struct ftls_buf *s)
{
	return ftls_buf_get_vec(b, 3, 0, 0xffffff, s);
}
/* FTLS_OK when every byte of b has been read, else FTLS_ERR_TRAILING_BYTES (a decode_error). */
enum ftls_err ftls_buf_end(const struct ftls_buf *b) FTLS_MUST_CHECK;

/* Writers: FTLS_ERR_FULL when out of space. */
enum ftls_err ftls_buf_put_u8(struct ftls_buf *b, uint8_t v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_put_u16(struct ftls_buf *b, uint16_t v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_put_u24(struct ftls_buf *b, uint32_t v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_put_u32(struct ftls_buf *b, uint32_t v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_put_u64(struct ftls_buf *b, uint64_t v) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_put_bytes(struct ftls_buf *b, const void *src, size_t n) FTLS_MUST_CHECK;
enum ftls_err ftls_buf_put_zero(struct ftls_buf *b, size_t n) FTLS_MUST_CHECK;
/* Reserves n bytes at the end and points *p at them, for callers that fill them in place. */
enum ftls_err ftls_buf_reserve(struct ftls_buf *b, size_t n, uint8_t **p) FTLS_MUST_CHECK;
/* Appends a vector: a prefix_len-byte length then the bytes. */
enum ftls_err ftls_buf_put_vec(struct ftls_buf *b, unsigned prefix_len, const void *src,
			       size_t n) FTLS_MUST_CHECK;

/* Back-patched length prefixes. */
struct ftls_buf_mark {
	size_t at;
	unsigned prefix_len;
};
enum ftls_err ftls_buf_vec_open(struct ftls_buf *b, unsigned prefix_len,
				struct ftls_buf_mark *m) FTLS_MUST_CHECK;
/* Writes the length of everything written since the open; FTLS_ERR_FULL if it does not fit. */
enum ftls_err ftls_buf_vec_close(struct ftls_buf *b, const struct ftls_buf_mark *m) FTLS_MUST_CHECK;

/* Big-endian store/load for fixed-layout headers (not for parsing untrusted input). */
static inline void ftls_store_u16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void ftls_store_u64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}
static inline uint16_t ftls_load_u16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }

#endif
