/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The asynchronous crypto offload interface, in the shape of rte_cryptodev, and the registry of
 * its backends (cpu, sim, fpga), chosen by name once at start-up.
 *
 * Implementation notes.
 *  - A *device* has nb_qp queue pairs; each lcore owns one, so no queue is shared between threads.
 *  - A *session* (key slot) holds one direction's traffic keys, from a struct ftls_key_install.
 *  - An *op* transforms one TLS record body: seal (plaintext -> fragment as sent on the wire,
 *    after the 5-byte header) or open (fragment -> plaintext). The record layer (record.h) builds
 *    the header and AAD and fills the op; the backend builds the nonce from the op's sequence
 *    number and the session's IV (1.3: IV xor seq; 1.2 GCM: salt || seq, with seq also written as
 *    the explicit nonce; 1.2 ChaCha20: IV xor seq). For CBC suites the backend does the whole
 *    MAC-then-encrypt transform, including padding, using op->iv as the record's explicit IV on
 *    seal, and on open checks padding and MAC in constant time, writing the plaintext length into
 *    the last two AAD bytes before computing the MAC.
 *  - *Exact layouts* (what the cpu backend does and the tests check on every backend):
 *      seal: dst receives the whole fragment and dst_len is its length. 1.3 and 1.2 ChaCha20:
 *      ct || tag(16). 1.2 GCM: seq as 8 big-endian bytes || ct || tag(16). CBC: op->iv(16) ||
 *      AES-CBC(iv, pt || HMAC(aad || pt) || pad), with the fewest pad bytes (each of value
 *      pad_len - 1) that make whole blocks. src may lie anywhere, also inside dst (in place).
 *      open: src is the whole fragment; dst receives the plaintext (1.3: the inner plaintext,
 *      type and padding included) and dst_len its length. 1.2 GCM takes the explicit nonce from
 *      the fragment's first 8 bytes. The AAD comes in the op: 1.3 the 5-byte header; 1.2
 *      seq || type || version || plaintext length, where for CBC open the length bytes are
 *      filled by the backend. dst_cap must hold the output: on seal the fragment, on open the
 *      fragment minus explicit nonce and tag (CBC: minus the IV), else status FTLS_ERR_FULL.
 *    Status: FTLS_OK; FTLS_ERR_BAD_RECORD_MAC for any failure to authenticate, including CBC
 *    fragments that are too short or not whole blocks (the output is wiped); FTLS_ERR_INVAL for a
 *    bad slot or op; FTLS_ERR_DEVICE for a backend failure. A backend that cannot do a suite
 *    refuses it at sess_add with FTLS_ERR_UNSUPPORTED (the tests then skip that suite on it).
 *  - enqueue_burst takes the first k <= n ops; from then on the backend owns them (and their
 *    buffers) until dequeue_burst hands them back with op->status set. The caller keeps ops
 *    k..n-1. Ops complete in order per queue pair.
 *  - Nothing here allocates after open().
 */
#ifndef FTLS_CRYPTO_H
#define FTLS_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"
#include "common/wire.h"

enum ftls_op_type {
	FTLS_OP_SEAL = 1,
	FTLS_OP_OPEN = 2,
};

enum { FTLS_AAD_MAX = 13, FTLS_CBC_IV_LEN = 16 };

struct ftls_crypto_op {
	uint32_t slot;          /* session (key slot) from sess_add */
	uint8_t type;           /* enum ftls_op_type */
	uint8_t aad_len;        /* 5 (TLS 1.3 header) or 13 (TLS 1.2 seq||type||version||length) */
	uint16_t status;        /* enum ftls_err, set on completion */
	uint64_t seq;           /* record sequence number */
	uint8_t aad[FTLS_AAD_MAX];
	uint8_t iv[FTLS_CBC_IV_LEN]; /* CBC seal: explicit IV chosen by the record layer */
	const uint8_t *src;
	uint32_t src_len;
	uint8_t *dst;           /* may equal src (in place) */
	uint32_t dst_cap;       /* room at dst */
	uint32_t dst_len;       /* on completion: bytes written at dst */
	void *cookie;           /* the caller's */
};

struct ftls_crypto_conf {
	uint16_t nb_qp;         /* queue pairs: one per lcore */
	uint32_t qp_depth;      /* ops in flight per queue pair */
	uint32_t nb_slots;      /* key slots */
	const char *dev_path;   /* sim: the shared window; fpga: the PCI device; cpu: unused */
};

struct ftls_crypto_dev;

/* A backend: a small ops table chosen once; nothing in hot code tests which one it is. */
struct ftls_crypto_ops {
	const char *name;
	enum ftls_err (*open)(const struct ftls_crypto_conf *conf, struct ftls_crypto_dev **dev);
	void (*close)(struct ftls_crypto_dev *dev);
	enum ftls_err (*sess_add)(struct ftls_crypto_dev *dev, const struct ftls_key_install *ki,
				  uint32_t *slot);
	void (*sess_del)(struct ftls_crypto_dev *dev, uint32_t slot);
	uint16_t (*enqueue_burst)(struct ftls_crypto_dev *dev, uint16_t qp,
				  struct ftls_crypto_op **ops, uint16_t n);
	uint16_t (*dequeue_burst)(struct ftls_crypto_dev *dev, uint16_t qp,
				  struct ftls_crypto_op **ops, uint16_t n);
};

/* Every device starts with its ops table; backends put their state after it. */
struct ftls_crypto_dev {
	const struct ftls_crypto_ops *ops;
};

/* Opens the backend called name ("cpu", "sim", "fpga"). FTLS_ERR_NOT_FOUND for an unknown name. */
enum ftls_err ftls_crypto_open(const char *name, const struct ftls_crypto_conf *conf,
			       struct ftls_crypto_dev **dev) FTLS_MUST_CHECK;
/* Names of the compiled-in backends, NULL-terminated. */
const char *const *ftls_crypto_backends(void);

static inline void ftls_crypto_close(struct ftls_crypto_dev *dev)
{
	if (dev)
		dev->ops->close(dev);
}
static inline enum ftls_err FTLS_MUST_CHECK ftls_crypto_sess_add(struct ftls_crypto_dev *dev,
								   const struct ftls_key_install *ki,
								   uint32_t *slot)
{
	return dev->ops->sess_add(dev, ki, slot);
}
/* Zeroizes and frees a key slot. */
static inline void ftls_crypto_sess_del(struct ftls_crypto_dev *dev, uint32_t slot)
{
	dev->ops->sess_del(dev, slot);
}
static inline uint16_t ftls_crypto_enqueue_burst(struct ftls_crypto_dev *dev, uint16_t qp,
						 struct ftls_crypto_op **ops, uint16_t n)
{
	return dev->ops->enqueue_burst(dev, qp, ops, n);
}
static inline uint16_t ftls_crypto_dequeue_burst(struct ftls_crypto_dev *dev, uint16_t qp,
						 struct ftls_crypto_op **ops, uint16_t n)
{
	return dev->ops->dequeue_burst(dev, qp, ops, n);
}

/* The backends. */
extern const struct ftls_crypto_ops ftls_crypto_cpu_ops;
extern const struct ftls_crypto_ops ftls_crypto_sim_ops;   /* ftls-sim: common/crypto_hw.c */
extern const struct ftls_crypto_ops ftls_crypto_fpga_ops;  /* the card: common/crypto_hw.c */

/*
 * The cpu backend's building blocks, exposed for known-answer tests (Wycheproof) only; the data
 * path never calls them.
 *
 * ftls_crypto_cpu_aead: one AEAD seal/open on an AEAD session of a cpu device, exactly as
 * enqueue_burst would do it, but with AAD of any length (an op carries at most FTLS_AAD_MAX).
 */
enum ftls_err ftls_crypto_cpu_aead(struct ftls_crypto_dev *dev, uint32_t slot, uint8_t type,
				   uint64_t seq, const uint8_t *aad, size_t aad_len,
				   const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
				   size_t *dst_len) FTLS_MUST_CHECK;
/*
 * HMAC (mac: enum ftls_mac) of msg[0..n) with the CBC suites' code: constant_time selects the
 * masked path CBC open uses, which reads msg[0..max) whatever n is.
 */
enum ftls_err ftls_crypto_cpu_hmac(int mac, const uint8_t *key, size_t key_len, const uint8_t *msg,
				   size_t n, size_t max, bool constant_time, uint8_t *out,
				   size_t *out_len) FTLS_MUST_CHECK;
/* Raw AES-CBC (no padding) set up as the CBC sessions set up their contexts. */
enum ftls_err ftls_crypto_cpu_cbc(const uint8_t *key, size_t key_len, const uint8_t *iv, bool enc,
				  const uint8_t *in, size_t len, uint8_t *out) FTLS_MUST_CHECK;

#endif
