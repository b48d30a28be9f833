/* SPDX-License-Identifier: BSD-3-Clause */
/* The byte cursor of buf.h. */
#include "common/buf.h"

#include <string.h>

void ftls_buf_init(struct ftls_buf *b, void *mem, size_t cap)
{
	*b = (struct ftls_buf){ .base = mem, .cap = cap };
}

void ftls_buf_init_ro(struct ftls_buf *b, const void *data, size_t len)
{
	/* The cast is safe: ro makes every writer refuse. */
	*b = (struct ftls_buf){ .base = (uint8_t *)(uintptr_t)data, .cap = len, .len = len, .ro = true };
}

static enum ftls_err get_be(struct ftls_buf *b, unsigned n, uint64_t *v)
{
	uint64_t x = 0;

	if (ftls_buf_remaining(b) < n)
		return FTLS_ERR_DECODE;
	for (unsigned i = 0; i < n; i++)
		x = x << 8 | b->base[b->pos + i];
	b->pos += n;
	*v = x;
	return FTLS_OK;
}

enum ftls_err ftls_buf_get_u8(struct ftls_buf *b, uint8_t *v)
{
	uint64_t x;
	enum ftls_err e = get_be(b, 1, &x);

	if (e == FTLS_OK)
		*v = (uint8_t)x;
	return e;
}

enum ftls_err ftls_buf_get_u16(struct ftls_buf *b, uint16_t *v)
{
	uint64_t x;
	enum ftls_err e = get_be(b, 2, &x);

	if (e == FTLS_OK)
		*v = (uint16_t)x;
	return e;
}

enum ftls_err ftls_buf_get_u24(struct ftls_buf *b, uint32_t *v)
{
	uint64_t x;
	enum ftls_err e = get_be(b, 3, &x);

	if (e == FTLS_OK)
		*v = (uint32_t)x;
	return e;
}

enum ftls_err ftls_buf_get_u32(struct ftls_buf *b, uint32_t *v)
{
	uint64_t x;
	enum ftls_err e = get_be(b, 4, &x);

	if (e == FTLS_OK)
		*v = (uint32_t)x;
	return e;
}

enum ftls_err ftls_buf_get_u64(struct ftls_buf *b, uint64_t *v)
{
	return get_be(b, 8, v);
}

enum ftls_err ftls_buf_get_ptr(struct ftls_buf *b, size_t n, const uint8_t **p)
{
	if (ftls_buf_remaining(b) < n)
		return FTLS_ERR_DECODE;
	*p = b->base + b->pos;
	b->pos += n;
	return FTLS_OK;
}

enum ftls_err ftls_buf_get_bytes(struct ftls_buf *b, void *dst, size_t n)
{
	const uint8_t *p;
	enum ftls_err e = ftls_buf_get_ptr(b, n, &p);

	if (e == FTLS_OK && n)
		memcpy(dst, p, n);
	return e;
}

enum ftls_err ftls_buf_skip(struct ftls_buf *b, size_t n)
{
	const uint8_t *p;

	return ftls_buf_get_ptr(b, n, &p);
}

enum ftls_err ftls_buf_get_vec(struct ftls_buf *b, unsigned prefix_len, size_t min, size_t max,
			       struct ftls_buf *sub)
{
	size_t save = b->pos;
	const uint8_t *p;
	uint64_t n;

	if (prefix_len < 1 || prefix_len > 3)
		return FTLS_ERR_INVAL;
	if (get_be(b, prefix_len, &n) != FTLS_OK)
		return FTLS_ERR_DECODE;
	if (n < min || n > max || ftls_buf_get_ptr(b, (size_t)n, &p) != FTLS_OK) {
		b->pos = save;
		return FTLS_ERR_DECODE;
	}
	ftls_buf_init_ro(sub, p, (size_t)n);
	return FTLS_OK;
}

enum ftls_err ftls_buf_end(const struct ftls_buf *b)
{
	return ftls_buf_remaining(b) ? FTLS_ERR_TRAILING_BYTES : FTLS_OK;
}

enum ftls_err ftls_buf_reserve(struct ftls_buf *b, size_t n, uint8_t **p)
{
	if (b->ro || ftls_buf_space(b) < n)
		return FTLS_ERR_FULL;
	*p = b->base + b->len;
	b->len += n;
	return FTLS_OK;
}

static enum ftls_err put_be(struct ftls_buf *b, unsigned n, uint64_t v)
{
	uint8_t *p;
	enum ftls_err e = ftls_buf_reserve(b, n, &p);

	if (e != FTLS_OK)
		return e;
	for (unsigned i = n; i-- > 0; v >>= 8)
		p[i] = (uint8_t)v;
	return FTLS_OK;
}

enum ftls_err ftls_buf_put_u8(struct ftls_buf *b, uint8_t v) { return put_be(b, 1, v); }
enum ftls_err ftls_buf_put_u16(struct ftls_buf *b, uint16_t v) { return put_be(b, 2, v); }
enum ftls_err ftls_buf_put_u24(struct ftls_buf *b, uint32_t v)
{
	return v > 0xffffff ? FTLS_ERR_INVAL : put_be(b, 3, v);
}
enum ftls_err ftls_buf_put_u32(struct ftls_buf *b, uint32_t v) { return put_be(b, 4, v); }
enum ftls_err ftls_buf_put_u64(struct ftls_buf *b, uint64_t v) { return put_be(b, 8, v); }

enum ftls_err ftls_buf_put_bytes(struct ftls_buf *b, const void *src, size_t n)
{
	uint8_t *p;
	enum ftls_err e = ftls_buf_reserve(b, n, &p);

	if (e == FTLS_OK && n)
		memcpy(p, src, n);
	return e;
}

enum ftls_err ftls_buf_put_zero(struct ftls_buf *b, size_t n)
{
	uint8_t *p;
	enum ftls_err e = ftls_buf_reserve(b, n, &p);

	if (e == FTLS_OK && n)
		memset(p, 0, n);
	return e;
}

enum ftls_err ftls_buf_put_vec(struct ftls_buf *b, unsigned prefix_len, const void *src, size_t n)
{
	size_t save = b->len;
	enum ftls_err e;

	if (prefix_len < 1 || prefix_len > 3 || n >> (8 * prefix_len))
		return FTLS_ERR_INVAL;
	e = put_be(b, prefix_len, n);
	if (e == FTLS_OK)
		e = ftls_buf_put_bytes(b, src, n);
	if (e != FTLS_OK)
		b->len = save;
	return e;
}

enum ftls_err ftls_buf_vec_open(struct ftls_buf *b, unsigned prefix_len, struct ftls_buf_mark *m)
{
	if (prefix_len < 1 || prefix_len > 3)
		return FTLS_ERR_INVAL;
	m->at = b->len;
	m->prefix_len = prefix_len;
	return put_be(b, prefix_len, 0);
}

enum ftls_err ftls_buf_vec_close(struct ftls_buf *b, const struct ftls_buf_mark *m)
{
	size_t n;

	if (m->at + m->prefix_len > b->len)
		return FTLS_ERR_INVAL;
	n = b->len - m->at - m->prefix_len;
	if (n >> (8 * m->prefix_len))
		return FTLS_ERR_FULL;
	for (unsigned i = m->prefix_len; i-- > 0; n >>= 8)
		b->base[m->at + i] = (uint8_t)n;
	return FTLS_OK;
}
