/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the input is a ClientHello body. It goes through the parser alone
 * (cp_ch_parse), then as a whole record through the engine, which parses, negotiates, exchanges
 * keys and writes its flight or an alert. Nothing may crash, leak or read out of bounds.
 */
#include "ctrlplane/hs/hs_int.h"
#include "tests/fuzz/fuzz_hs_setup.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[FTLS_HS_HDR_LEN + 20000], rec[FTLS_REC_HDR_LEN + (1 << 14)];
	struct cp_ch ch;

	if (size > 20000)
		return 0;
	msg[0] = FTLS_HS_CLIENT_HELLO;
	msg[1] = (uint8_t)(size >> 16);
	msg[2] = (uint8_t)(size >> 8);
	msg[3] = (uint8_t)size;
	memcpy(msg + 4, data, size);
	(void)cp_ch_parse(&ch, msg, size + 4);

	struct cp_hs *hs = cp_hs_new(&fz_l, 1);
	if (!hs)
		return 0;
	size_t total = size + 4, off = 0;
	while (off < total) {
		size_t n = total - off > (1 << 14) ? (1 << 14) : total - off;
		rec[0] = FTLS_CT_HANDSHAKE;
		rec[1] = 3;
		rec[2] = 1;
		rec[3] = (uint8_t)(n >> 8);
		rec[4] = (uint8_t)n;
		memcpy(rec + 5, msg + off, n);
		enum ftls_err e = cp_hs_input(hs, rec, n + 5);
		fz_drain(hs);
		if (e)
			break;
		off += n;
	}
	cp_hs_free(hs);
	return 0;
}
