/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: ftls_rec_open on the cpu backend. Byte 0 picks the mode and the suite, the
 * rest is the material:
 *   mode 0: the bytes are a whole record (header included) for a protected direction: header,
 *           length and limit checks, authentication failures; nothing may open.
 *   mode 1: AEAD suites: the bytes are the plaintext the AEAD protects (1.3: the inner plaintext
 *           with any padding or none); the record is sealed by driving the backend raw, so open
 *           reaches the post-decryption rules. Oracle: a reference parse of the same bytes.
 *   mode 2: CBC suites: the bytes are the decrypted body (pt || mac || padding, any of it wrong);
 *           encrypted with raw AES-CBC so the constant-time padding and MAC code sees arbitrary
 *           padding. Oracle: a plain (not constant-time) reference check with libcrypto's HMAC.
 *   mode 3: CBC suites: a valid record with the MAC computed here and padding length from the
 *           input; it must open to exactly the plaintext.
 * Not for: the deframer (fuzz_deframer.c).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "common/buf.h"
#include "common/crypto.h"
#include "common/record.h"

static struct ftls_crypto_dev *dev;
static uint8_t key[32] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 }, iv[12] = { 7, 7, 7 }, mk[48] = { 0x42 };
static uint8_t rec[FTLS_REC_MAX_LEN + 512], out[FTLS_REC_MAX_LEN + 512], body[FTLS_REC_MAX_LEN + 512];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void install(const struct ftls_suite *s, struct ftls_rec_dir *d, uint64_t seq)
{
	struct ftls_key_install ki = { .abi_version = FTLS_WIRE_ABI_VERSION, .size = sizeof(ki) };

	ki.tls_version = s->version;
	ki.suite = s->id;
	ki.dir = FTLS_DIR_RX;
	ki.key_len = s->key_len;
	ki.iv_len = s->iv_len;
	ki.mac_key_len = s->mac_key_len;
	ki.seq = seq;
	memcpy(ki.key, key, sizeof(ki.key));
	memcpy(ki.iv, iv, sizeof(ki.iv));
	memcpy(ki.mac_key, mk, sizeof(ki.mac_key));
	memset(d, 0, sizeof(*d));
	if (ftls_rec_dir_install(d, dev, 0, &ki) != FTLS_OK)
		abort();
}

static void aad12(uint8_t *aad, uint64_t seq, uint8_t type, size_t len)
{
	ftls_store_u64(aad, seq);
	aad[8] = type;
	ftls_store_u16(aad + 9, FTLS_V_TLS12);
	ftls_store_u16(aad + 11, (uint16_t)len);
}

/* Mode 1: seal pt as the AEAD payload with the backend, then open. */
static void aead_case(const struct ftls_suite *s, struct ftls_rec_dir *d, const uint8_t *pt, size_t n)
{
	struct ftls_crypto_op op, *p = &op, *done = NULL;
	struct ftls_rec_dir tx;
	int v13 = s->version == FTLS_V_TLS13;
	size_t frag = n + s->record_iv_len + s->tag_len, len;
	uint8_t type;
	enum ftls_err e;

	if (frag > FTLS_REC12_MAX_CIPHER)
		return;
	install(s, &tx, d->seq);
	memset(&op, 0, sizeof(op));
	rec[0] = v13 ? FTLS_CT_APPLICATION_DATA : FTLS_CT_HANDSHAKE;
	ftls_store_u16(rec + 1, FTLS_V_TLS12);
	ftls_store_u16(rec + 3, (uint16_t)frag);
	if (v13) {
		memcpy(op.aad, rec, 5);
		op.aad_len = 5;
	} else {
		aad12(op.aad, d->seq, rec[0], n);
		op.aad_len = 13;
	}
	op.slot = tx.slot;
	op.type = FTLS_OP_SEAL;
	op.seq = d->seq;
	op.src = pt;
	op.src_len = (uint32_t)n;
	op.dst = rec + 5;
	op.dst_cap = sizeof(rec) - 5;
	if (ftls_crypto_enqueue_burst(dev, 0, &p, 1) != 1 || ftls_crypto_dequeue_burst(dev, 0, &done, 1) != 1 ||
	    op.status != FTLS_OK)
		abort();
	ftls_rec_dir_clear(&tx);
	e = ftls_rec_open(d, rec, 5 + frag, out, sizeof(out), &type, &len);
	if (frag > (v13 ? FTLS_REC13_MAX_CIPHER : FTLS_REC12_MAX_CIPHER)) {
		if (e != FTLS_ERR_RECORD_OVERFLOW)
			abort();
		return;
	}
	if (v13 && n == 0) {
		/* No room for the inner content type: decode_error before any crypto (record.c). */
		if (e != FTLS_ERR_DECODE)
			abort();
		return;
	}
	if (v13) {
		size_t k = n;

		while (k > 0 && pt[k - 1] == 0)
			k--;
		if (n > FTLS_REC_MAX_PLAIN + 1) {
			if (e != FTLS_ERR_RECORD_OVERFLOW)
				abort();
		} else if (k == 0) {
			if (e != FTLS_ERR_UNEXPECTED_MESSAGE)
				abort();
		} else if (pt[k - 1] < 20 || pt[k - 1] > 23) {
			if (e != FTLS_ERR_UNEXPECTED_MESSAGE)
				abort();
		} else if (e != FTLS_OK || type != pt[k - 1] || len != k - 1 || memcmp(out, pt, len)) {
			abort();
		}
		return;
	}
	if (n > FTLS_REC_MAX_PLAIN) {
		if (e != FTLS_ERR_RECORD_OVERFLOW)
			abort();
	} else if (e != FTLS_OK || type != FTLS_CT_HANDSHAKE || len != n || memcmp(out, pt, n)) {
		abort();
	}
}

static const EVP_MD *md_of(const struct ftls_suite *s)
{
	return s->mac == FTLS_MAC_HMAC_SHA1 ? EVP_sha1() : s->mac == FTLS_MAC_HMAC_SHA256 ? EVP_sha256()
											  : EVP_sha384();
}

/* Encrypts body[0..L) as a CBC record at rec; returns the record length. */
static size_t cbc_record(const struct ftls_suite *s, size_t L)
{
	uint8_t civ[16] = { 9, 8, 7 };

	rec[0] = FTLS_CT_APPLICATION_DATA;
	ftls_store_u16(rec + 1, FTLS_V_TLS12);
	ftls_store_u16(rec + 3, (uint16_t)(16 + L));
	memcpy(rec + 5, civ, 16);
	if (ftls_crypto_cpu_cbc(key, s->key_len, civ, true, body, L, rec + 21) != FTLS_OK)
		abort();
	return 21 + L;
}

static int ref_cbc_valid(const struct ftls_suite *s, uint64_t seq, size_t L, size_t *n_out)
{
	size_t ml = s->mac_key_len, n;
	unsigned pad = body[L - 1], mlen = 0;
	uint8_t macin[13 + FTLS_REC_MAX_LEN], mac[64];

	if (pad + 1 + ml > L)
		return 0;
	for (size_t i = 0; i <= pad; i++)
		if (body[L - 1 - i] != pad)
			return 0;
	n = L - ml - 1 - pad;
	aad12(macin, seq, FTLS_CT_APPLICATION_DATA, n);
	memcpy(macin + 13, body, n);
	if (!HMAC(md_of(s), mk, (int)ml, macin, 13 + n, mac, &mlen) || memcmp(mac, body + n, ml))
		return 0;
	*n_out = n;
	return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const struct ftls_suite *s;
	struct ftls_rec_dir d;
	unsigned mode;
	uint8_t type;
	size_t len;
	enum ftls_err e;

	if (!dev) {
		struct ftls_crypto_conf conf = { .nb_qp = 1, .qp_depth = 4, .nb_slots = 8 };

		if (ftls_crypto_open("cpu", &conf, &dev) != FTLS_OK)
			abort();
	}
	if (size < 2)
		return 0;
	mode = data[0] & 3;
	s = &ftls_suites[(data[0] >> 2) % ftls_nb_suites];
	install(s, &d, data[1]);
	data += 2;
	size -= 2;
	switch (mode) {
	case 0:
		e = ftls_rec_open(&d, data, size, out, sizeof(out), &type, &len);
		/* Only a CCS can pass (1.3 plaintext CCS); nothing forged opens. */
		if (e == FTLS_OK && !(s->version == FTLS_V_TLS13 && type == FTLS_CT_CHANGE_CIPHER_SPEC))
			abort();
		if (e != FTLS_OK && ftls_err_alert(e) < 0)
			abort();
		break;
	case 1:
		if (!s->block_len)
			aead_case(s, &d, data, size);
		break;
	case 2:
	case 3:
		if (!s->block_len || size < 1)
			break;
		if (mode == 2) {
			size_t L = size & ~(size_t)15, n = 0;
			int valid;

			if (L == 0 || L > FTLS_REC12_MAX_CIPHER - 16)
				break;
			memcpy(body, data, L);
			valid = ref_cbc_valid(s, d.seq, L, &n);
			e = ftls_rec_open(&d, rec, cbc_record(s, L), out, sizeof(out), &type, &len);
			if (valid ? (e != FTLS_OK || len != n || memcmp(out, body, n))
				  : (e != FTLS_ERR_BAD_RECORD_MAC && e != FTLS_ERR_RECORD_OVERFLOW))
				abort();
		} else {
			size_t ml = s->mac_key_len, n = size - 1, L;
			unsigned pad = data[0], mlen = 0;
			uint8_t macin[13 + FTLS_REC_MAX_PLAIN];

			if (n > FTLS_REC_MAX_PLAIN)
				n = FTLS_REC_MAX_PLAIN;
			while ((n + ml + pad + 1) % 16)
				pad = (pad + 1) & 0xff;
			L = n + ml + pad + 1;
			aad12(macin, d.seq, FTLS_CT_APPLICATION_DATA, n);
			memcpy(macin + 13, data + 1, n);
			memcpy(body, data + 1, n);
			if (!HMAC(md_of(s), mk, (int)ml, macin, 13 + n, body + n, &mlen))
				abort();
			memset(body + n + ml, (int)pad, pad + 1);
			e = ftls_rec_open(&d, rec, cbc_record(s, L), out, sizeof(out), &type, &len);
			if (e != FTLS_OK || len != n || memcmp(out, data + 1, n))
				abort();
		}
		break;
	}
	ftls_rec_dir_clear(&d);
	return 0;
}
