/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Constant-time helpers and secret wiping. Every comparison of a MAC, tag, Finished or binder goes
 * through ftls_ct_eq(); every secret leaves memory through ftls_wipe() on every exit path. The
 * mask helpers let the CBC record code check padding and MAC without branching on secret data.
 */
#ifndef FTLS_CT_H
#define FTLS_CT_H

#include <stddef.h>
#include <stdint.h>

/* 1 when a[0..n) == b[0..n), else 0; time depends on n only. */
int ftls_ct_eq(const void *a, const void *b, size_t n);
/* Zeroes n bytes in a way the compiler may not remove. */
void ftls_wipe(void *p, size_t n);

/* All-ones when x != 0, else 0. */
static inline uint32_t ftls_ct_mask_nonzero(uint32_t x)
{
	return (uint32_t)(0u - ((x | (0u - x)) >> 31));
}
/* All-ones when a == b, else 0. */
static inline uint32_t ftls_ct_mask_eq(uint32_t a, uint32_t b)
{
	return ~ftls_ct_mask_nonzero(a ^ b);
}
/* All-ones when a < b (both below 2^31), else 0. */
static inline uint32_t ftls_ct_mask_lt(uint32_t a, uint32_t b)
{
	return (uint32_t)(0u - ((a - b) >> 31));
}
/* mask ? a : b, without a branch. */
static inline uint32_t ftls_ct_select(uint32_t mask, uint32_t a, uint32_t b)
{
	return (a & mask) | (b & ~mask);
}

#endif
