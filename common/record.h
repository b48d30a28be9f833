/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS record layer: framing, protection limits, and the split of a record into a crypto op
 * (crypto.h) and back. Seal and open are pure functions of the direction's state and the buffers;
 * the bulk transform runs on whatever crypto backend the direction is bound to, asynchronously
 * (prep -> enqueue -> dequeue -> done), or synchronously through ftls_rec_seal()/ftls_rec_open(),
 * which the control plane and tests use. Also: the deframer that cuts a TCP byte stream into
 * records. Not for: handshake message parsing, alerts policy, or I/O.
 *
 * Implementation notes.
 *  - A *direction* (struct ftls_rec_dir) is one side's protection state: version, suite, key slot
 *    on a device, next sequence number. Before keys are installed it is in plaintext mode
 *    (suite == NULL) and records pass through unprotected.
 *  - Sequence numbers are consumed at prep time, so several records of one direction may be in
 *    flight at once; 2^64-1 is never used (FTLS_ERR_SEQ_EXHAUSTED; the caller must rekey or close).
 *  - TLS 1.3 seal appends the inner content type and optional zero padding; open strips padding,
 *    rejects an all-zero plaintext (unexpected_message) and returns the inner type.
 *  - Open enforces RFC 8446 §5.2 / RFC 5246 §6.2.3 ciphertext limits (record_overflow) before any
 *    crypto and the 2^14 plaintext limit after it.
 */
#ifndef FTLS_RECORD_H
#define FTLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/err.h"
#include "common/tls.h"

struct ftls_rec_dir {
	const struct ftls_suite *suite;  /* NULL: plaintext (no keys yet) */
	struct ftls_crypto_dev *dev;
	uint16_t qp;
	uint16_t version;                /* FTLS_V_TLS12 / FTLS_V_TLS13; also the legacy header version */
	uint32_t slot;
	uint64_t seq;
	uint16_t pad_to;                 /* TLS 1.3 seal: pad inner plaintext to a multiple (0: none) */
};

/*
 * Binds a direction to keys: adds a session on dev from ki (ki->dir says seal or open) and sets
 * the suite, version and sequence number from it. Deletes the previous session, if any.
 */
enum ftls_err ftls_rec_dir_install(struct ftls_rec_dir *d, struct ftls_crypto_dev *dev, uint16_t qp,
				   const struct ftls_key_install *ki) FTLS_MUST_CHECK;
/* Deletes the direction's session and returns it to plaintext mode. */
void ftls_rec_dir_clear(struct ftls_rec_dir *d);

/* Largest record ftls_rec_seal_prep() writes for len plaintext bytes (header included). */
size_t ftls_rec_sealed_len(const struct ftls_rec_dir *d, size_t len);

/*
 * Seal, split: writes the record header into out, fills op to write the fragment (explicit nonce
 * or IV included, crypto.h) after it, and consumes a sequence number. TLS 1.3 builds the inner
 * plaintext at out + 5 (no copy when pt already points there); 1.2 reads pt where it is. len over
 * 2^14 is FTLS_ERR_INVAL; cap below ftls_rec_sealed_len() is FTLS_ERR_FULL. After the op completes, ftls_rec_seal_done() fixes up the
 * header and gives the record's total length. Plaintext mode writes the whole record and leaves
 * op->type = 0 (no crypto needed).
 */
enum ftls_err ftls_rec_seal_prep(struct ftls_rec_dir *d, uint8_t type, const uint8_t *pt, size_t len,
				 uint8_t *out, size_t cap, struct ftls_crypto_op *op) FTLS_MUST_CHECK;
enum ftls_err ftls_rec_seal_done(const struct ftls_rec_dir *d, struct ftls_crypto_op *op,
				 uint8_t *out, size_t *rec_len) FTLS_MUST_CHECK;

/*
 * Open, split: checks the header of the whole record rec[0..rec_len) and fills op to decrypt into
 * out. ftls_rec_open_done() checks the result and gives the content type and plaintext (at out).
 * cap must hold the fragment minus explicit nonce and tag (CBC: minus the IV), else
 * FTLS_ERR_FULL; out may equal rec. Errors: see record.c's notes (record_overflow, decode_error,
 * bad_record_mac, unexpected_message, FTLS_ERR_SEQ_EXHAUSTED). A TLS 1.3 direction with keys passes
 * a plaintext change_cipher_spec {1} through with *type = 20 for the caller to drop.
 */
enum ftls_err ftls_rec_open_prep(struct ftls_rec_dir *d, const uint8_t *rec, size_t rec_len,
				 uint8_t *out, size_t cap, struct ftls_crypto_op *op) FTLS_MUST_CHECK;
enum ftls_err ftls_rec_open_done(const struct ftls_rec_dir *d, struct ftls_crypto_op *op,
				 uint8_t *type, size_t *pt_len) FTLS_MUST_CHECK;

/* Synchronous seal/open: prep, enqueue, wait for this op, done. For the control plane and tests. */
enum ftls_err ftls_rec_seal(struct ftls_rec_dir *d, uint8_t type, const uint8_t *pt, size_t len,
			    uint8_t *out, size_t cap, size_t *rec_len) FTLS_MUST_CHECK;
enum ftls_err ftls_rec_open(struct ftls_rec_dir *d, const uint8_t *rec, size_t rec_len,
			    uint8_t *out, size_t cap, uint8_t *type, size_t *pt_len) FTLS_MUST_CHECK;

/*
 * The deframer: cuts a stream of byte chunks (TCP segments) into whole records. A record that
 * lies inside one chunk is returned in place (no copy); only a record that straddles chunks is
 * assembled in the deframer's own buffer (FTLS_REC_MAX_LEN bytes, given by the caller).
 * Header checks happen as soon as the 5 header bytes are known: unknown content type ->
 * unexpected_message (RFC 8446 §5); a version whose major byte is not 3 -> decode_error; length
 * over max_len - 5 -> record_overflow. The first error sticks. max_len is clamped to
 * FTLS_REC_MAX_LEN (the size of asm_buf).
 */
struct ftls_deframer {
	uint8_t *asm_buf;        /* caller's storage, at least FTLS_REC_MAX_LEN bytes */
	size_t asm_len;          /* bytes of a straddling record gathered so far */
	size_t max_len;          /* largest record accepted, header included */
	const uint8_t *chunk;    /* current input chunk */
	size_t chunk_len;
	size_t chunk_pos;
	enum ftls_err error;     /* the first bad header: sticky, every later call returns it */
};

void ftls_deframer_init(struct ftls_deframer *f, uint8_t *asm_buf, size_t max_len);
/* Hands the next chunk to the deframer; the previous one must have been drained (AGAIN). */
void ftls_deframer_feed(struct ftls_deframer *f, const uint8_t *data, size_t len);
/*
 * Next whole record: FTLS_OK with *rec pointing into the chunk or the assembly buffer (valid until
 * the next call), FTLS_ERR_AGAIN when the chunk is used up, or the error of a bad header.
 */
enum ftls_err ftls_deframer_next(struct ftls_deframer *f, const uint8_t **rec,
				 size_t *rec_len) FTLS_MUST_CHECK;

#endif
