/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS record layer (record.h): record headers, AAD and limits for TLS 1.3 and 1.2, the split
 * of a record into a crypto op and back, and the deframer. The bulk transform is the backend's
 * (crypto.h). Not for: alerts policy, handshake messages, I/O.
 *
 * Implementation notes.
 *  - *Layouts.* A sealed record is header(5) || fragment. The op's output is the whole fragment
 *    (crypto.h): 1.3: ct || tag, AAD = the header itself (RFC 8446 §5.2). 1.2 GCM: explicit nonce
 *    (= seq) || ct || tag; 1.2 ChaCha20: ct || tag (RFC 7905); 1.2 CBC: IV || E(pt || mac || pad);
 *    1.2 AAD = seq(8) || type || version || plaintext length (RFC 5246 §6.2.3.3).
 *  - *TLS 1.3 seal builds the inner plaintext* (content || type || zeros) at out + 5 and seals it
 *    in place. If the caller already put the content at out + 5 there is no copy (the dataplane's
 *    layout); otherwise the content is copied there once. 1.2 seal reads the plaintext where it is.
 *  - *Open* checks the header against the direction's limits before any crypto: 1.3 ciphertext
 *    over 2^14 + 256 -> record_overflow (RFC 8446 §5.2); 1.2 over 2^14 + 2048 -> record_overflow
 *    (RFC 5246 §6.2.3). Too short: 1.3 fragments shorter than tag + 1 (no room for the tag and the
 *    inner content type) -> decode_error (RFC 8446 §5.2 defines the TLSCiphertext structure;
 *    §6 decode_error: a length out of range). 1.2 AEAD/CBC fragments too short to hold the
 *    explicit nonce/IV and tag/MAC -> bad_record_mac: RFC 5246 §6.2.3.2/§7.2.2 require every
 *    failure to decrypt or authenticate to be bad_record_mac, so a short record is
 *    indistinguishable from a forged one. After decryption: plaintext over 2^14, or a 1.3
 *    TLSInnerPlaintext (content, type and padding) over 2^14 + 1 -> record_overflow (RFC 8446
 *    §5.2/§5.4: padding may not push a record past the plaintext limit); 1.3 all-zero inner
 *    plaintext -> unexpected_message (§5.4).
 *  - *1.3 outer types.* A protected 1.3 direction accepts application_data records, and passes a
 *    plaintext change_cipher_spec of the single byte 1 through unprotected (RFC 8446 §5: the
 *    caller drops it); any other outer type is unexpected_message.
 *  - *Sequence numbers* are consumed at prep; 2^64 - 1 is never used.
 *  - *Plaintext mode* (suite == NULL): the record is written/returned as is; the header version
 *    is d->version capped at 0x0303 (0x0303 when zero).
 */
#include "common/record.h"

#include <pthread.h>
#include <sched.h>
#include <string.h>
#include <time.h>

#include <openssl/rand.h>

#include "common/buf.h"
#include "common/ct.h"

enum {
	LEGACY_VERSION = FTLS_V_TLS12,
	SYNC_SPINS = 1000,                /* busy polls before yielding in the synchronous calls */
	SYNC_TIMEOUT_S = 30,
};

/*
 * CBC explicit IVs come from a per-thread pool refilled from the DRBG, one RAND_bytes call per
 * IV_POOL records instead of one per record (it dominated the cost of small CBC records). The
 * bytes are unpredictable until sent, which is all RFC 5246 §6.2.3.2 asks; a forked child empties
 * its copy so parent and child never send the same IVs.
 */
enum { IV_POOL = 64 };
static _Thread_local uint8_t iv_pool[IV_POOL * FTLS_CBC_IV_LEN];
static _Thread_local size_t iv_pos = sizeof(iv_pool);
static pthread_once_t iv_once = PTHREAD_ONCE_INIT;

static void iv_pool_reset(void)
{
	ftls_wipe(iv_pool, sizeof(iv_pool));
	iv_pos = sizeof(iv_pool);
}

static void iv_pool_init(void)
{
	(void)pthread_atfork(NULL, NULL, iv_pool_reset);
}

static enum ftls_err next_cbc_iv(uint8_t *iv)
{
	if (iv_pos >= sizeof(iv_pool)) {
		(void)pthread_once(&iv_once, iv_pool_init);
		if (RAND_bytes(iv_pool, sizeof(iv_pool)) != 1)
			return FTLS_ERR_INTERNAL;
		iv_pos = 0;
	}
	memcpy(iv, iv_pool + iv_pos, FTLS_CBC_IV_LEN);
	iv_pos += FTLS_CBC_IV_LEN;
	return FTLS_OK;
}

static uint16_t header_version(const struct ftls_rec_dir *d)
{
	if (d->version == 0 || d->version > LEGACY_VERSION)
		return LEGACY_VERSION;
	return d->version;
}

static void put_header(uint8_t *out, uint8_t type, uint16_t version, size_t len)
{
	out[0] = type;
	ftls_store_u16(out + 1, version);
	ftls_store_u16(out + 3, (uint16_t)len);
}

static int is_cbc(const struct ftls_suite *s)
{
	return s->block_len != 0;
}

/* 1.3: length of the inner plaintext for len content bytes, with padding to pad_to. */
static size_t inner_len13(const struct ftls_rec_dir *d, size_t len)
{
	size_t in = len + 1;

	if (d->pad_to > 1) {
		size_t padded = (in + d->pad_to - 1) / d->pad_to * d->pad_to;
		in = padded > FTLS_REC_MAX_PLAIN + 1 ? FTLS_REC_MAX_PLAIN + 1 : padded;
	}
	return in;
}

/* Fragment length for len plaintext bytes (header excluded). */
static size_t fragment_len(const struct ftls_rec_dir *d, size_t len)
{
	const struct ftls_suite *s = d->suite;

	if (!s)
		return len;
	if (s->version == FTLS_V_TLS13)
		return inner_len13(d, len) + s->tag_len;
	if (is_cbc(s))
		return s->record_iv_len + ((len + s->tag_len + 1 + s->block_len - 1) &
					   ~(size_t)(s->block_len - 1));
	return s->record_iv_len + len + s->tag_len;
}

enum ftls_err ftls_rec_dir_install(struct ftls_rec_dir *d, struct ftls_crypto_dev *dev, uint16_t qp,
				   const struct ftls_key_install *ki)
{
	const struct ftls_suite *s;
	uint32_t slot;
	enum ftls_err e;

	if (!d || !dev || !ki)
		return FTLS_ERR_INVAL;
	s = ftls_suite_by_id(ki->suite);
	if (!s || s->version != ki->tls_version || ki->seq == UINT64_MAX)
		return FTLS_ERR_INVAL;
	e = ftls_crypto_sess_add(dev, ki, &slot);
	if (e != FTLS_OK)
		return e;
	if (d->suite && d->dev)
		ftls_crypto_sess_del(d->dev, d->slot);
	d->suite = s;
	d->dev = dev;
	d->qp = qp;
	d->version = ki->tls_version;
	d->slot = slot;
	d->seq = ki->seq;
	return FTLS_OK;
}

void ftls_rec_dir_clear(struct ftls_rec_dir *d)
{
	if (!d)
		return;
	if (d->suite && d->dev)
		ftls_crypto_sess_del(d->dev, d->slot);
	d->suite = NULL;
	d->dev = NULL;
	d->slot = 0;
	d->seq = 0;
}

size_t ftls_rec_sealed_len(const struct ftls_rec_dir *d, size_t len)
{
	return FTLS_REC_HDR_LEN + fragment_len(d, len);
}

enum ftls_err ftls_rec_seal_prep(struct ftls_rec_dir *d, uint8_t type, const uint8_t *pt, size_t len,
				 uint8_t *out, size_t cap, struct ftls_crypto_op *op)
{
	const struct ftls_suite *s;
	size_t frag;

	if (!d || !out || !op || (len && !pt) || len > FTLS_REC_MAX_PLAIN ||
	    type < FTLS_CT_CHANGE_CIPHER_SPEC || type > FTLS_CT_APPLICATION_DATA)
		return FTLS_ERR_INVAL;
	s = d->suite;
	frag = fragment_len(d, len);
	if (cap < FTLS_REC_HDR_LEN + frag)
		return FTLS_ERR_FULL;
	memset(op, 0, offsetof(struct ftls_crypto_op, cookie));
	if (!s) {
		if (len)
			memmove(out + FTLS_REC_HDR_LEN, pt, len);
		put_header(out, type, header_version(d), len);
		op->aad[0] = type;
		op->dst_len = (uint32_t)len;
		return FTLS_OK;
	}
	if (d->seq == UINT64_MAX)
		return FTLS_ERR_SEQ_EXHAUSTED;
	op->slot = d->slot;
	op->type = FTLS_OP_SEAL;
	op->seq = d->seq;
	op->dst = out + FTLS_REC_HDR_LEN;
	op->dst_cap = (uint32_t)(cap - FTLS_REC_HDR_LEN > UINT32_MAX ? UINT32_MAX
							       : cap - FTLS_REC_HDR_LEN);
	if (s->version == FTLS_V_TLS13) {
		size_t in = inner_len13(d, len);
		uint8_t *body = out + FTLS_REC_HDR_LEN;

		if (len && pt != body)
			memmove(body, pt, len);
		body[len] = type;
		memset(body + len + 1, 0, in - len - 1);
		put_header(out, FTLS_CT_APPLICATION_DATA, LEGACY_VERSION, frag);
		memcpy(op->aad, out, FTLS_REC_HDR_LEN);
		op->aad_len = FTLS_REC_HDR_LEN;
		op->src = body;
		op->src_len = (uint32_t)in;
	} else {
		put_header(out, type, LEGACY_VERSION, frag);
		ftls_store_u64(op->aad, d->seq);
		put_header(op->aad + 8, type, LEGACY_VERSION, len);
		op->aad_len = FTLS_AAD_MAX;
		op->src = pt;
		op->src_len = (uint32_t)len;
		/* CBC: a fresh unpredictable IV per record (RFC 5246 §6.2.3.2). */
		if (is_cbc(s) && next_cbc_iv(op->iv) != FTLS_OK)
			return FTLS_ERR_INTERNAL;
	}
	d->seq++;
	return FTLS_OK;
}

enum ftls_err ftls_rec_seal_done(const struct ftls_rec_dir *d, struct ftls_crypto_op *op,
				 uint8_t *out, size_t *rec_len)
{
	if (!d || !op || !out || !rec_len)
		return FTLS_ERR_INVAL;
	if (op->type == 0) {
		*rec_len = FTLS_REC_HDR_LEN + op->dst_len;
		return FTLS_OK;
	}
	if (op->status != FTLS_OK)
		return (enum ftls_err)op->status;
	if (op->dst_len > FTLS_REC12_MAX_CIPHER)
		return FTLS_ERR_INTERNAL;
	ftls_store_u16(out + 3, (uint16_t)op->dst_len);
	*rec_len = FTLS_REC_HDR_LEN + op->dst_len;
	return FTLS_OK;
}

static enum ftls_err open_plain(const uint8_t *rec, size_t frag, uint8_t *out, size_t cap,
				struct ftls_crypto_op *op)
{
	if (frag > FTLS_REC_MAX_PLAIN)
		return FTLS_ERR_RECORD_OVERFLOW;
	if (cap < frag)
		return FTLS_ERR_FULL;
	if (frag)
		memmove(out, rec + FTLS_REC_HDR_LEN, frag);
	op->aad[0] = rec[0];
	op->dst = out;
	op->dst_len = (uint32_t)frag;
	return FTLS_OK;
}

enum ftls_err ftls_rec_open_prep(struct ftls_rec_dir *d, const uint8_t *rec, size_t rec_len,
				 uint8_t *out, size_t cap, struct ftls_crypto_op *op)
{
	const struct ftls_suite *s;
	size_t frag, min, need;
	uint8_t type;

	if (!d || !rec || !out || !op)
		return FTLS_ERR_INVAL;
	if (rec_len < FTLS_REC_HDR_LEN)
		return FTLS_ERR_DECODE;
	type = rec[0];
	frag = ftls_load_u16(rec + 3);
	if (frag != rec_len - FTLS_REC_HDR_LEN)
		return FTLS_ERR_DECODE;
	memset(op, 0, offsetof(struct ftls_crypto_op, cookie));
	s = d->suite;
	if (!s)
		return open_plain(rec, frag, out, cap, op);
	if (s->version == FTLS_V_TLS13) {
		if (type == FTLS_CT_CHANGE_CIPHER_SPEC && frag == 1 && rec[FTLS_REC_HDR_LEN] == 1)
			return open_plain(rec, frag, out, cap, op);
		if (type != FTLS_CT_APPLICATION_DATA)
			return FTLS_ERR_UNEXPECTED_MESSAGE;
		if (frag > FTLS_REC13_MAX_CIPHER)
			return FTLS_ERR_RECORD_OVERFLOW;
		if (frag < (size_t)s->tag_len + 1)
			return FTLS_ERR_DECODE;
		need = frag - s->tag_len;
	} else {
		if (frag > FTLS_REC12_MAX_CIPHER)
			return FTLS_ERR_RECORD_OVERFLOW;
		min = is_cbc(s) ? s->record_iv_len + ((s->tag_len + 1 + s->block_len - 1) &
						      ~(size_t)(s->block_len - 1))
				: (size_t)s->record_iv_len + s->tag_len;
		if (frag < min || (is_cbc(s) && (frag - s->record_iv_len) % s->block_len))
			return FTLS_ERR_BAD_RECORD_MAC;
		need = frag - s->record_iv_len - (is_cbc(s) ? 0 : s->tag_len);
	}
	if (cap < need)
		return FTLS_ERR_FULL;
	if (d->seq == UINT64_MAX)
		return FTLS_ERR_SEQ_EXHAUSTED;
	op->slot = d->slot;
	op->type = FTLS_OP_OPEN;
	op->seq = d->seq;
	if (s->version == FTLS_V_TLS13) {
		memcpy(op->aad, rec, FTLS_REC_HDR_LEN);
		op->aad_len = FTLS_REC_HDR_LEN;
	} else {
		/* The record's own type and version: a tampered header fails the MAC. */
		ftls_store_u64(op->aad, d->seq);
		memcpy(op->aad + 8, rec, 3);
		ftls_store_u16(op->aad + 11, (uint16_t)(is_cbc(s) ? 0 : need));
		op->aad_len = FTLS_AAD_MAX;
	}
	op->src = rec + FTLS_REC_HDR_LEN;
	op->src_len = (uint32_t)frag;
	op->dst = out;
	op->dst_cap = (uint32_t)(cap > UINT32_MAX ? UINT32_MAX : cap);
	d->seq++;
	return FTLS_OK;
}

enum ftls_err ftls_rec_open_done(const struct ftls_rec_dir *d, struct ftls_crypto_op *op,
				 uint8_t *type, size_t *pt_len)
{
	size_t n;

	if (!d || !op || !type || !pt_len)
		return FTLS_ERR_INVAL;
	if (op->type == 0) {
		*type = op->aad[0];
		*pt_len = op->dst_len;
		return FTLS_OK;
	}
	if (op->status != FTLS_OK)
		return (enum ftls_err)op->status;
	n = op->dst_len;
	if (op->aad_len == FTLS_REC_HDR_LEN) {
		/* TLS 1.3: the encoded TLSInnerPlaintext never exceeds 2^14 + 1 (§5.2, §5.4). */
		if (n > FTLS_REC_MAX_PLAIN + 1)
			return FTLS_ERR_RECORD_OVERFLOW;
		/* Strip the zero padding; the last non-zero byte is the type (§5.4). */
		while (n > 0 && op->dst[n - 1] == 0)
			n--;
		if (n == 0)
			return FTLS_ERR_UNEXPECTED_MESSAGE;
		n--;
		*type = op->dst[n];
		if (*type < FTLS_CT_CHANGE_CIPHER_SPEC || *type > FTLS_CT_APPLICATION_DATA)
			return FTLS_ERR_UNEXPECTED_MESSAGE;
	} else {
		*type = op->aad[8];
	}
	if (n > FTLS_REC_MAX_PLAIN)
		return FTLS_ERR_RECORD_OVERFLOW;
	*pt_len = n;
	return FTLS_OK;
}

/* Runs one op to completion on the direction's queue pair, which must have nothing else queued. */
static enum ftls_err run_sync(const struct ftls_rec_dir *d, struct ftls_crypto_op *op)
{
	struct ftls_crypto_op *done = NULL;
	struct timespec t0, now;
	unsigned spins = 0;

	if (ftls_crypto_enqueue_burst(d->dev, d->qp, &op, 1) != 1)
		return FTLS_ERR_FULL;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (ftls_crypto_dequeue_burst(d->dev, d->qp, &done, 1) == 1)
			return done == op ? FTLS_OK : FTLS_ERR_INTERNAL;
		if (++spins < SYNC_SPINS)
			continue;
		spins = 0;
		sched_yield();
		clock_gettime(CLOCK_MONOTONIC, &now);
		/* The device still owns op: after a timeout the caller must close the device. */
		if (now.tv_sec - t0.tv_sec > SYNC_TIMEOUT_S)
			return FTLS_ERR_TIMEOUT;
	}
}

enum ftls_err ftls_rec_seal(struct ftls_rec_dir *d, uint8_t type, const uint8_t *pt, size_t len,
			    uint8_t *out, size_t cap, size_t *rec_len)
{
	struct ftls_crypto_op op;
	enum ftls_err e;

	e = ftls_rec_seal_prep(d, type, pt, len, out, cap, &op);
	if (e != FTLS_OK)
		return e;
	if (op.type) {
		e = run_sync(d, &op);
		if (e != FTLS_OK)
			return e;
	}
	return ftls_rec_seal_done(d, &op, out, rec_len);
}

enum ftls_err ftls_rec_open(struct ftls_rec_dir *d, const uint8_t *rec, size_t rec_len,
			    uint8_t *out, size_t cap, uint8_t *type, size_t *pt_len)
{
	struct ftls_crypto_op op;
	enum ftls_err e;

	e = ftls_rec_open_prep(d, rec, rec_len, out, cap, &op);
	if (e != FTLS_OK)
		return e;
	if (op.type) {
		e = run_sync(d, &op);
		if (e != FTLS_OK)
			return e;
	}
	return ftls_rec_open_done(d, &op, type, pt_len);
}

/* ---- deframer ----------------------------------------------------------------------------- */

void ftls_deframer_init(struct ftls_deframer *f, uint8_t *asm_buf, size_t max_len)
{
	memset(f, 0, sizeof(*f));
	f->asm_buf = asm_buf;
	f->max_len = max_len > FTLS_REC_MAX_LEN ? FTLS_REC_MAX_LEN : max_len;
	f->error = FTLS_OK;
}

void ftls_deframer_feed(struct ftls_deframer *f, const uint8_t *data, size_t len)
{
	f->chunk = data;
	f->chunk_len = data ? len : 0;
	f->chunk_pos = 0;
}

/* Checks a header; gives the whole record's length. */
static enum ftls_err check_header(const struct ftls_deframer *f, const uint8_t *h, size_t *total)
{
	size_t len = ftls_load_u16(h + 3);

	if (h[0] < FTLS_CT_CHANGE_CIPHER_SPEC || h[0] > FTLS_CT_APPLICATION_DATA)
		return FTLS_ERR_UNEXPECTED_MESSAGE;
	if (h[1] != 3)
		return FTLS_ERR_DECODE;
	if (FTLS_REC_HDR_LEN + len > f->max_len)
		return FTLS_ERR_RECORD_OVERFLOW;
	*total = FTLS_REC_HDR_LEN + len;
	return FTLS_OK;
}

static size_t take(struct ftls_deframer *f, size_t want)
{
	size_t avail = f->chunk_len - f->chunk_pos;
	size_t n = want < avail ? want : avail;

	memcpy(f->asm_buf + f->asm_len, f->chunk + f->chunk_pos, n);
	f->asm_len += n;
	f->chunk_pos += n;
	return n;
}

enum ftls_err ftls_deframer_next(struct ftls_deframer *f, const uint8_t **rec, size_t *rec_len)
{
	size_t avail, total;
	enum ftls_err e;

	if (f->error != FTLS_OK)
		return f->error;
	if (f->asm_len > 0) {
		/* A straddling record: first its header, then its body. */
		if (f->asm_len < FTLS_REC_HDR_LEN) {
			take(f, FTLS_REC_HDR_LEN - f->asm_len);
			if (f->asm_len < FTLS_REC_HDR_LEN)
				return FTLS_ERR_AGAIN;
		}
		e = check_header(f, f->asm_buf, &total);
		if (e != FTLS_OK)
			return f->error = e;
		take(f, total - f->asm_len);
		if (f->asm_len < total)
			return FTLS_ERR_AGAIN;
		f->asm_len = 0;
		*rec = f->asm_buf;
		*rec_len = total;
		return FTLS_OK;
	}
	avail = f->chunk_len - f->chunk_pos;
	if (avail == 0)
		return FTLS_ERR_AGAIN;
	if (avail >= FTLS_REC_HDR_LEN) {
		e = check_header(f, f->chunk + f->chunk_pos, &total);
		if (e != FTLS_OK)
			return f->error = e;
		if (avail >= total) {
			*rec = f->chunk + f->chunk_pos;
			*rec_len = total;
			f->chunk_pos += total;
			return FTLS_OK;
		}
	}
	take(f, avail);
	return FTLS_ERR_AGAIN;
}
