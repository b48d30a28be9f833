/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the handshake reassembler. The input's first byte picks how the rest is cut
 * into chunks (sizes 1..64 from a small generator), and the chunks go to cp_hs_input as a byte
 * stream: records split anywhere, several messages per record, messages across records, partial
 * headers, bad lengths. A final timeout ends whatever is left. Nothing may crash or leak.
 */
#include "tests/fuzz/fuzz_hs_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint32_t seed = data[0] * 2654435761u + 1;
	bool whole = data[0] & 1;   /* odd: one call with everything */
	data++;
	size--;
	struct cp_hs *hs = cp_hs_new(&fz_l, 1);
	if (!hs)
		return 0;
	size_t off = 0;
	while (off < size) {
		seed = seed * 1103515245u + 12345u;
		size_t n = whole ? size : 1 + (seed >> 16) % 64;
		if (n > size - off)
			n = size - off;
		enum ftls_err e = cp_hs_input(hs, data + off, n);
		fz_drain(hs);
		if (e)
			break;
		off += n;
	}
	cp_hs_timeout(hs);
	fz_drain(hs);
	cp_hs_free(hs);
	return 0;
}
