/* SPDX-License-Identifier: BSD-3-Clause */
/* Constant-time compare and wipe. */
#include "common/ct.h"

#include <openssl/crypto.h>

int ftls_ct_eq(const void *a, const void *b, size_t n)
{
	const volatile uint8_t *x = a, *y = b;
	uint8_t d = 0;

	for (size_t i = 0; i < n; i++)
		d |= x[i] ^ y[i];
	return (int)(1 & ((uint32_t)(d - 1) >> 8));
}

void ftls_wipe(void *p, size_t n)
{
	if (p && n)
		OPENSSL_cleanse(p, n);
}
