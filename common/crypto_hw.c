/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The driver of the ftls crypto core, behind two backends that differ only in their bus
 * (crypto_hw.h): `sim` (ftls-sim) and `fpga` (the card). It owns the submission and completion
 * rings, the bounce buffers, the doorbells and the key slots; the register map comes from
 * hw/gen/ftls_regs.h, generated from hw/regs/ftls_regs.yaml. Not for: the bus mechanics or the
 * cryptography (the core does it; nothing here touches key material beyond loading a slot).
 *
 * Implementation notes.
 *  - Open checks register 0 (magic and major version) before anything else, then the
 *    capabilities; nb_slots is clamped to the core's key slots (sess_add then returns FULL).
 *  - Several devices may share one core (each test program, each process): a device claims
 *    core queues and key slots in the bus's ownership words (struct ftls_hw_share) and touches
 *    nothing else; open and close never reset the core. When the DMA memory is shared by every
 *    device (the sim window) core queue q owns its q-th equal part; a device's own block (fpga)
 *    is split among its queue pairs. Queue pair i of a device is the core queue it claimed i-th; a session's
 *    slot number is the core key slot it claimed.
 *  - Ring size = qp_depth rounded up to a power of two; entry i of a ring owns bounce buffer i
 *    (src half and dst half): the caller's buffers are not device memory, so enqueue copies src
 *    in and dequeue copies the result out. The descriptor cookie is the ring index.
 *  - Completions are in order per queue (the core runs one queue's descriptors in order); the
 *    phase bit in byte 15 of each entry tells new from old: the core writes 1 on its first pass,
 *    0 on its second, and so on.
 *  - An op the driver rejects (bad slot, no room at dst, too long) still goes through the ring
 *    with opcode 0, which the core completes with BAD_OPCODE, and the driver reports its own
 *    reason: so errors keep their place in the order without a side queue.
 *  - Doorbells (SQ_TAIL) and CQ_HEAD are posted with try_write32: when the bus is momentarily
 *    full they are retried at the next enqueue/dequeue, so neither call ever waits.
 *  - A failed open's plaintext is wiped from the bounce buffer and never copied to the caller.
 *  - Key slot loads are a sequence of window writes + KEY_CMD, serialised by a mutex; the local
 *    copy of the key words is wiped on every path.
 *  - Every key command is confirmed: the driver reads KEY_CMD until it reads 0 (write-only: a card
 *    answers 0, and a PCIe read arrives after the write before it) and STATUS until KEY_BUSY is
 *    clear. A key command with no operation and an out-of-range slot (the core only clears its
 *    key window) is the driver's barrier, `sync`: when it is confirmed, every earlier register
 *    write has been applied. Queue set-up uses it between disabling a queue, programming it and
 *    enabling it (the enable's 0->1 edge resets the queue's indices), then reads the queue back:
 *    enabled, indices 0, bases as written.
 *  - Reset and removal. A queue with ops in flight and no completion for STALL_MS is checked:
 *    Q_CTRL is read. A failed read (all ones: the card is gone; the sim stopped) marks the device
 *    dead: every op in flight and every later op completes with FTLS_ERR_DEVICE, sess_add fails.
 *    A queue found disabled means the card was reset (a reset disables every queue and forgets
 *    every key slot): the device's generation is bumped once per reset, every session loaded
 *    before it is marked lost (its next op fails with FTLS_ERR_DEVICE; the owner must install
 *    its keys again: the driver keeps no copy), each queue's owner completes its ops in flight
 *    with FTLS_ERR_DEVICE (bounce buffers wiped, nothing copied to dst) and then sets its queue up
 *    again, and new sessions work. sess_add checks the card the same way before loading a slot.
 *    A queue still enabled but with no completion for HANG_MS is treated the same way, without
 *    losing sessions. A queue's rings are only touched by its own thread (enqueue/dequeue);
 *    device-wide state (generation, slots, the key window) is under the mutex.
 */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto.h"
#include "common/crypto_hw.h"
#include "common/ct.h"
#include "common/log.h"
#include "common/tls.h"
#include "hw/gen/ftls_regs.h"

enum {
	BOUNCE_HALF = 20480,                 /* >= MAX_LEN + explicit IV/nonce + tag or MAC + pad */
	BOUNCE_ENTRY = 2 * BOUNCE_HALF,
	MIN_RING = 2,
	CMD_WAIT_MS = 2000,   /* a key command or barrier not confirmed by then: device error */
	STALL_MS = 100,       /* ops in flight, no completion: check the card */
	HANG_MS = 20000,      /* ... and still none although the card looks alive: fail them */
	SYNC_CMD = FTLS_HW_KEY_CMD_SLOT_MASK, /* KEY_CMD with no operation and no slot */
};

struct hw_slot {
	uint8_t used;
	uint8_t alg;       /* enum ftls_hw_alg */
	uint8_t riv;       /* explicit bytes in front of a fragment: 0, 8 (1.2 GCM), 16 (CBC) */
	uint8_t tag_len;   /* AEAD tag; CBC: MAC length */
	uint8_t lost;      /* the card was reset after this slot was loaded */
};

struct hw_qp {
	uint32_t hwq;                /* the core queue */
	uint8_t *sq, *cq, *bounce;
	uint64_t sq_iova, cq_iova, bounce_iova;
	uint32_t size, mask, depth;
	uint16_t sq_tail, cq_head;   /* free-running, modulo 2^16 like the core's */
	uint32_t inflight;
	uint8_t phase;               /* phase of the next new completion */
	bool db_pending, cqh_pending;
	bool must_reset;             /* hung: fail what is in flight and set the queue up again */
	uint32_t gen;                /* the device generation this queue was set up in */
	uint64_t stall_t0, stall_check; /* ms: since when no completion came, last card check */
	struct ftls_crypto_op **ops; /* by ring index */
	uint16_t *drv_err;           /* by ring index: the driver's own verdict, 0 if none */
};

struct hw_dev {
	struct ftls_crypto_dev base;
	const struct ftls_hw_bus_ops *bus_ops;
	struct ftls_hw_bus *bus;
	struct ftls_hw_dma dma;
	struct ftls_hw_share share;
	uint32_t token;              /* this device's owner token */
	uint16_t nb_qp;              /* queue pairs claimed and set up */
	uint32_t cap_queues;
	uint32_t hw_slots;           /* core key slots this device may claim from */
	uint32_t max_sess;           /* sessions this device may hold (conf->nb_slots) */
	uint32_t nb_sess;
	uint32_t cap_algs;
	uint32_t max_len;
	size_t q_part;               /* DMA bytes per queue (see part_of) */
	struct hw_qp *qps;
	struct hw_slot *slots;       /* by core slot */
	uint32_t gen;                /* bumped on every card reset seen (atomic) */
	uint8_t dead;                /* the card is gone (atomic) */
	pthread_mutex_t lock;        /* slot allocation, the key window, generation changes */
};

static uint32_t next_token(void)
{
	static uint32_t n;

	return ((uint32_t)getpid() << 8) | (__atomic_add_fetch(&n, 1, __ATOMIC_RELAXED) & 0xff);
}

/* Claims an ownership word for tok: free, or held by a process that is gone. */
static bool claim(uint32_t *w, uint32_t tok)
{
	uint32_t cur = __atomic_load_n(w, __ATOMIC_ACQUIRE);

	if (cur != 0 && !(kill((pid_t)(cur >> 8), 0) != 0 && errno == ESRCH))
		return false;
	return __atomic_compare_exchange_n(w, &cur, tok, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static void release(uint32_t *w, uint32_t tok)
{
	uint32_t cur = tok;

	(void)__atomic_compare_exchange_n(w, &cur, 0, false, __ATOMIC_ACQ_REL, __ATOMIC_RELAXED);
}

static struct hw_dev *to_hw(struct ftls_crypto_dev *dev)
{
	return (struct hw_dev *)dev;
}

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
	uint64_t v = 0;

	for (unsigned i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

/* Suite -> the core's alg code; FTLS_HW_ALG_NONE when the core has no such engine at all. */
static const struct {
	uint8_t cipher, mac, alg;
} alg_table[] = {
	{ FTLS_CIPHER_AES_128_GCM, FTLS_MAC_AEAD, FTLS_HW_ALG_AES128_GCM },
	{ FTLS_CIPHER_AES_256_GCM, FTLS_MAC_AEAD, FTLS_HW_ALG_AES256_GCM },
	{ FTLS_CIPHER_CHACHA20_POLY1305, FTLS_MAC_AEAD, FTLS_HW_ALG_CHACHA_POLY },
	{ FTLS_CIPHER_AES_128_CBC, FTLS_MAC_HMAC_SHA1, FTLS_HW_ALG_AES128_CBC_SHA1 },
	{ FTLS_CIPHER_AES_256_CBC, FTLS_MAC_HMAC_SHA1, FTLS_HW_ALG_AES256_CBC_SHA1 },
	{ FTLS_CIPHER_AES_128_CBC, FTLS_MAC_HMAC_SHA256, FTLS_HW_ALG_AES128_CBC_SHA256 },
	{ FTLS_CIPHER_AES_256_CBC, FTLS_MAC_HMAC_SHA256, FTLS_HW_ALG_AES256_CBC_SHA256 },
};

static uint8_t alg_of(const struct ftls_suite *s)
{
	for (size_t i = 0; i < sizeof(alg_table) / sizeof(alg_table[0]); i++)
		if (alg_table[i].cipher == s->cipher && alg_table[i].mac == s->mac)
			return alg_table[i].alg;
	return FTLS_HW_ALG_NONE;
}

/* Completion status -> ftls error: [status][0 seal, 1 open]. Unknown statuses are device faults. */
static const uint16_t status_errs[][2] = {
	[FTLS_HW_STATUS_OK] = { FTLS_OK, FTLS_OK },
	[FTLS_HW_STATUS_AUTH_FAIL] = { FTLS_ERR_DEVICE, FTLS_ERR_BAD_RECORD_MAC },
	/* An open too short for its tag or padding cannot authenticate. */
	[FTLS_HW_STATUS_BAD_LEN] = { FTLS_ERR_INVAL, FTLS_ERR_BAD_RECORD_MAC },
	[FTLS_HW_STATUS_BAD_SLOT] = { FTLS_ERR_INVAL, FTLS_ERR_INVAL },
	[FTLS_HW_STATUS_BAD_OPCODE] = { FTLS_ERR_INVAL, FTLS_ERR_INVAL },
	[FTLS_HW_STATUS_UNSUPPORTED] = { FTLS_ERR_UNSUPPORTED, FTLS_ERR_UNSUPPORTED },
	[FTLS_HW_STATUS_DMA_ERR] = { FTLS_ERR_DEVICE, FTLS_ERR_DEVICE },
	[FTLS_HW_STATUS_BAD_DESC] = { FTLS_ERR_INVAL, FTLS_ERR_INVAL },
};

static enum ftls_err status_err(uint16_t st, uint8_t type)
{
	if (st >= sizeof(status_errs) / sizeof(status_errs[0]))
		return FTLS_ERR_DEVICE;
	return (enum ftls_err)status_errs[st][type == FTLS_OP_OPEN];
}

static uint32_t ring_size(uint32_t depth)
{
	uint32_t s = MIN_RING;

	while (s < depth)
		s <<= 1;
	return s;
}

static uint32_t log2u(uint32_t v)
{
	uint32_t l = 0;

	while ((1u << l) < v)
		l++;
	return l;
}

/*
 * Which part of the DMA memory a queue owns: memory shared by every device on the core (the sim
 * window) is split by core queue, a device's own block (the fpga bus) by its queue pairs.
 */
static size_t part_of(const struct hw_dev *d, const struct hw_qp *p)
{
	return d->dma.shared ? p->hwq : (size_t)(p - d->qps);
}

static enum ftls_err wr(struct hw_dev *d, uint32_t off, uint32_t val)
{
	return d->bus_ops->write32(d->bus, off, val);
}

static enum ftls_err rd(struct hw_dev *d, uint32_t off, uint32_t *val)
{
	return d->bus_ops->read32(d->bus, off, val);
}

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static bool is_dead(struct hw_dev *d)
{
	return __atomic_load_n(&d->dead, __ATOMIC_ACQUIRE);
}

static void set_dead(struct hw_dev *d, const char *why)
{
	if (!__atomic_exchange_n(&d->dead, 1, __ATOMIC_ACQ_REL))
		LOG_ERR("crypto-hw", "%s: %s: the device is gone; every operation now fails",
			d->bus_ops->name, why);
}

/*
 * Writes a key command and waits until the card has taken it (KEY_CMD reads 0) and finished it
 * (STATUS.KEY_BUSY clear). Caller holds d->lock.
 */
static enum ftls_err FTLS_MUST_CHECK key_cmd(struct hw_dev *d, uint32_t cmd)
{
	uint64_t t0 = now_ms();
	enum ftls_err e = wr(d, FTLS_HW_REG_KEY_CMD, cmd);
	uint32_t v, st;

	for (unsigned n = 0; e == FTLS_OK; n++) {
		if ((e = rd(d, FTLS_HW_REG_KEY_CMD, &v)) != FTLS_OK ||
		    (e = rd(d, FTLS_HW_REG_STATUS, &st)) != FTLS_OK)
			break;
		if (v == 0 && !(st & FTLS_HW_STATUS_KEY_BUSY_MASK))
			return FTLS_OK;
		if (now_ms() - t0 > CMD_WAIT_MS) {
			LOG_ERR("crypto-hw", "%s: key command 0x%08x not confirmed", d->bus_ops->name, cmd);
			return FTLS_ERR_DEVICE;
		}
		if (n > 16) {
			struct timespec ts = { 0, 20000 };

			nanosleep(&ts, NULL);
		}
	}
	return e;
}

/* The barrier: returns once every earlier register write has been applied. Caller holds d->lock. */
static enum ftls_err FTLS_MUST_CHECK hw_sync(struct hw_dev *d)
{
	return key_cmd(d, SYNC_CMD);
}

static void hw_close(struct ftls_crypto_dev *dev)
{
	struct hw_dev *d = to_hw(dev);

	if (!d)
		return;
	if (d->bus) {
		bool live = !is_dead(d);

		pthread_mutex_lock(&d->lock);
		for (uint32_t s = 0; d->slots && s < d->hw_slots; s++)
			if (d->slots[s].used) {
				if (live && key_cmd(d, (FTLS_HW_KEY_OP_ZEROIZE << FTLS_HW_KEY_CMD_OP_SHIFT) | s) !=
						    FTLS_OK)
					live = false;
				release(&d->share.slot_owner[s], d->token);
			}
		for (uint16_t q = 0; live && d->qps && q < d->nb_qp; q++)
			if (wr(d, FTLS_HW_QREG(d->qps[q].hwq, FTLS_HW_Q_Q_CTRL), 0) != FTLS_OK)
				live = false;
		/* The barrier orders the writes above before the memory is reused. */
		if (live && d->nb_qp && hw_sync(d) != FTLS_OK)
			LOG_ERR("crypto-hw", "%s: close not confirmed by the card", d->bus_ops->name);
		pthread_mutex_unlock(&d->lock);
		for (uint16_t q = 0; d->qps && q < d->nb_qp; q++) {
			struct hw_qp *p = &d->qps[q];

			/* Plaintext and ciphertext left in the bounce buffers do not outlive the device. */
			if (p->size)
				ftls_wipe(d->dma.va + part_of(d, p) * d->q_part,
					  (size_t)p->size * (FTLS_HW_DESC_SIZE + FTLS_HW_CPL_SIZE + BOUNCE_ENTRY));
			release(&d->share.q_owner[p->hwq], d->token);
		}
		d->bus_ops->detach(d->bus);
	}
	if (d->qps)
		for (uint16_t q = 0; q < d->nb_qp; q++) {
			free(d->qps[q].ops);
			free(d->qps[q].drv_err);
		}
	free(d->qps);
	free(d->slots);
	pthread_mutex_destroy(&d->lock);
	free(d);
}

static enum ftls_err FTLS_MUST_CHECK hw_probe(struct hw_dev *d, const struct ftls_crypto_conf *conf)
{
	uint32_t id, nq, ns, ml, rl;
	enum ftls_err e;

	e = d->bus_ops->read32(d->bus, FTLS_HW_REG_ID_VERSION, &id);
	if (e != FTLS_OK) {
		LOG_ERR("crypto-hw", "%s: ID/version unreadable (all ones: no card answering)",
			d->bus_ops->name);
		return e;
	}
	if ((id >> FTLS_HW_ID_VERSION_MAGIC_SHIFT) != FTLS_HW_MAGIC ||
	    ((id & FTLS_HW_ID_VERSION_MAJOR_MASK) >> FTLS_HW_ID_VERSION_MAJOR_SHIFT) !=
		    FTLS_HW_VERSION_MAJOR) {
		LOG_ERR("crypto-hw", "%s: ID/version 0x%08x is not an ftls core v%u", d->bus_ops->name,
			id, FTLS_HW_VERSION_MAJOR);
		return FTLS_ERR_DEVICE;
	}
	if ((e = d->bus_ops->read32(d->bus, FTLS_HW_REG_CAP_ALGS, &d->cap_algs)) != FTLS_OK ||
	    (e = d->bus_ops->read32(d->bus, FTLS_HW_REG_CAP_QUEUES, &nq)) != FTLS_OK ||
	    (e = d->bus_ops->read32(d->bus, FTLS_HW_REG_CAP_KEY_SLOTS, &ns)) != FTLS_OK ||
	    (e = d->bus_ops->read32(d->bus, FTLS_HW_REG_CAP_MAX_LEN, &ml)) != FTLS_OK ||
	    (e = d->bus_ops->read32(d->bus, FTLS_HW_REG_CAP_RING, &rl)) != FTLS_OK)
		return e;
	d->bus_ops->share(d->bus, &d->share);
	d->cap_queues = nq < d->share.nq ? nq : d->share.nq;
	d->q_part = d->dma.shared ? (d->cap_queues ? d->dma.len / d->cap_queues / 4096 * 4096 : 0)
				  : d->dma.len / conf->nb_qp / 4096 * 4096;
	if (conf->nb_qp > d->cap_queues || ring_size(conf->qp_depth) > (1u << rl) ||
	    (size_t)ring_size(conf->qp_depth) * (FTLS_HW_DESC_SIZE + FTLS_HW_CPL_SIZE + BOUNCE_ENTRY) >
		    d->q_part) {
		LOG_ERR("crypto-hw", "%s: %u queue pairs of depth %u asked, the core has %u of %u",
			d->bus_ops->name, conf->nb_qp, conf->qp_depth, d->cap_queues,
			(unsigned)(d->q_part / (FTLS_HW_DESC_SIZE + FTLS_HW_CPL_SIZE + BOUNCE_ENTRY)));
		return FTLS_ERR_CONFIG;
	}
	d->hw_slots = ns < d->share.nslots ? ns : d->share.nslots;
	d->max_sess = conf->nb_slots;
	d->max_len = ml < BOUNCE_HALF - 64 ? ml : BOUNCE_HALF - 64;
	return FTLS_OK;
}

/*
 * Sets queue p up on the card from scratch: disable, program, enable, read back; the rings are
 * empty and the indices 0 afterwards. Called at open and after a reset, by the queue's own
 * thread; takes d->lock (the barrier is a key command).
 */
static enum ftls_err FTLS_MUST_CHECK qp_hw_init(struct hw_dev *d, struct hw_qp *p)
{
	uint32_t q = p->hwq, gen;
	uint32_t en, sqh, sqt, cqh, cqt, sqb, cqb;
	enum ftls_err e;

	pthread_mutex_lock(&d->lock);
	gen = __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE); /* a reset noted later is seen again */
	if ((e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 0)) != FTLS_OK || (e = hw_sync(d)) != FTLS_OK)
		goto out;
	/* Disabled and confirmed: nothing of this queue's is fetched or completed any more. */
	memset(p->sq, 0, (size_t)p->size * FTLS_HW_DESC_SIZE);
	memset(p->cq, 0, (size_t)p->size * FTLS_HW_CPL_SIZE);
	p->sq_tail = p->cq_head = 0;
	p->inflight = 0;
	p->phase = 1;
	p->db_pending = p->cqh_pending = p->must_reset = false;
	p->stall_t0 = 0;
	if ((e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_TAIL), 0)) != FTLS_OK ||
	    (e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_HEAD), 0)) != FTLS_OK ||
	    (e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_LO), (uint32_t)p->sq_iova)) != FTLS_OK ||
	    (e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_HI), (uint32_t)(p->sq_iova >> 32))) != FTLS_OK ||
	    (e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_SIZE), log2u(p->size))) != FTLS_OK ||
	    (e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_LO), (uint32_t)p->cq_iova)) != FTLS_OK ||
	    (e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_HI), (uint32_t)(p->cq_iova >> 32))) != FTLS_OK ||
	    (e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_SIZE), log2u(p->size))) != FTLS_OK ||
	    (e = hw_sync(d)) != FTLS_OK ||
	    (e = wr(d, FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), FTLS_HW_Q_Q_CTRL_ENABLE_MASK)) != FTLS_OK ||
	    /* The core may be shared: enable it, never reset it. */
	    (e = wr(d, FTLS_HW_REG_CTRL, FTLS_HW_CTRL_ENABLE_MASK)) != FTLS_OK ||
	    (e = hw_sync(d)) != FTLS_OK)
		goto out;
	if ((e = rd(d, FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), &en)) != FTLS_OK ||
	    (e = rd(d, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_HEAD), &sqh)) != FTLS_OK ||
	    (e = rd(d, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_TAIL), &sqt)) != FTLS_OK ||
	    (e = rd(d, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_HEAD), &cqh)) != FTLS_OK ||
	    (e = rd(d, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_TAIL), &cqt)) != FTLS_OK ||
	    (e = rd(d, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_LO), &sqb)) != FTLS_OK ||
	    (e = rd(d, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_LO), &cqb)) != FTLS_OK)
		goto out;
	if (!(en & FTLS_HW_Q_Q_CTRL_ENABLE_MASK) || sqh || sqt || cqh || cqt ||
	    sqb != (uint32_t)p->sq_iova || cqb != (uint32_t)p->cq_iova) {
		LOG_ERR("crypto-hw",
			"%s: queue %u did not come up (ctrl %u, sq %u/%u, cq %u/%u, bases %s)",
			d->bus_ops->name, q, en, sqh, sqt, cqh, cqt,
			sqb == (uint32_t)p->sq_iova && cqb == (uint32_t)p->cq_iova ? "ok" : "differ");
		e = FTLS_ERR_DEVICE;
		goto out;
	}
	__atomic_store_n(&p->gen, gen, __ATOMIC_RELEASE);
out:
	pthread_mutex_unlock(&d->lock);
	return e;
}

/* Claims nb core queues and sets them up; d->nb_qp counts those claimed. */
static enum ftls_err FTLS_MUST_CHECK hw_setup_queues(struct hw_dev *d, uint16_t nb, uint32_t depth)
{
	uint32_t size = ring_size(depth), hwq = 0;
	enum ftls_err e = FTLS_OK;

	for (uint16_t q = 0; q < nb && e == FTLS_OK; q++) {
		struct hw_qp *p = &d->qps[q];
		size_t off;

		while (hwq < d->cap_queues && !claim(&d->share.q_owner[hwq], d->token))
			hwq++;
		if (hwq == d->cap_queues) {
			LOG_ERR("crypto-hw", "%s: every core queue is taken", d->bus_ops->name);
			return FTLS_ERR_FULL;
		}
		p->hwq = hwq++;
		d->nb_qp++;
		off = part_of(d, p) * d->q_part;
		p->size = size;
		p->mask = size - 1;
		p->depth = depth < size ? depth : size;
		p->sq = d->dma.va + off;
		p->sq_iova = d->dma.iova + off;
		off += (size_t)size * FTLS_HW_DESC_SIZE;
		p->cq = d->dma.va + off;
		p->cq_iova = d->dma.iova + off;
		off += (size_t)size * FTLS_HW_CPL_SIZE;
		p->bounce = d->dma.va + off;
		p->bounce_iova = d->dma.iova + off;
		p->ops = calloc(size, sizeof(*p->ops));
		p->drv_err = calloc(size, sizeof(*p->drv_err));
		if (!p->ops || !p->drv_err)
			return FTLS_ERR_NOMEM;
		e = qp_hw_init(d, p);
	}
	return e;
}

static enum ftls_err hw_open(const struct ftls_crypto_ops *ops, const struct ftls_hw_bus_ops *bus,
			     const struct ftls_crypto_conf *conf, struct ftls_crypto_dev **dev)
{
	struct hw_dev *d;
	enum ftls_err e;
	uint32_t v;

	if (!conf || !dev || conf->nb_qp == 0 || conf->qp_depth == 0 || conf->nb_slots == 0)
		return FTLS_ERR_INVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return FTLS_ERR_NOMEM;
	d->base.ops = ops;
	d->bus_ops = bus;
	d->token = next_token();
	pthread_mutex_init(&d->lock, NULL);
	e = bus->attach(conf->dev_path,
			(size_t)conf->nb_qp * ring_size(conf->qp_depth) *
				(FTLS_HW_DESC_SIZE + FTLS_HW_CPL_SIZE + BOUNCE_ENTRY),
			&d->bus, &d->dma);
	if (e == FTLS_OK)
		e = hw_probe(d, conf);
	if (e == FTLS_OK) {
		d->qps = calloc(conf->nb_qp, sizeof(*d->qps));
		d->slots = calloc(d->hw_slots, sizeof(*d->slots));
		e = d->qps && d->slots ? hw_setup_queues(d, conf->nb_qp, conf->qp_depth)
				       : FTLS_ERR_NOMEM;
	}
	/* Every queue's set-up ended with a barrier: the core is enabled now. */
	if (e == FTLS_OK)
		e = rd(d, FTLS_HW_REG_CTRL, &v);
	if (e == FTLS_OK && !(v & FTLS_HW_CTRL_ENABLE_MASK)) {
		LOG_ERR("crypto-hw", "%s: the core did not enable", bus->name);
		e = FTLS_ERR_DEVICE;
	}
	if (e != FTLS_OK) {
		hw_close(&d->base);
		return e;
	}
	*dev = &d->base;
	return FTLS_OK;
}

/*
 * A card reset seen by a queue of generation seen_gen: the first report of it bumps the device's
 * generation and marks every loaded slot lost. Caller holds d->lock.
 */
static void note_reset(struct hw_dev *d, uint32_t seen_gen)
{
	uint32_t lost = 0;

	if (seen_gen != __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE))
		return; /* already handled: this queue was set up before an earlier report */
	for (uint32_t s = 0; s < d->hw_slots; s++)
		if (d->slots[s].used && !d->slots[s].lost) {
			__atomic_store_n(&d->slots[s].lost, 1, __ATOMIC_RELEASE);
			lost++;
		}
	__atomic_add_fetch(&d->gen, 1, __ATOMIC_ACQ_REL);
	LOG_WARN("crypto-hw",
		 "%s: the card was reset: operations in flight fail, %u sessions lost their keys "
		 "(their next use fails: install them again)", d->bus_ops->name, lost);
}

/*
 * Looks at the card through queue p: gone (the read fails), reset (the queue is disabled) or
 * alive. Caller holds d->lock. FTLS_ERR_DEVICE when the card is gone.
 */
static enum ftls_err FTLS_MUST_CHECK check_card(struct hw_dev *d, const struct hw_qp *p)
{
	uint32_t v;

	if (rd(d, FTLS_HW_QREG(p->hwq, FTLS_HW_Q_Q_CTRL), &v) != FTLS_OK) {
		set_dead(d, "register read failed");
		return FTLS_ERR_DEVICE;
	}
	if (!(v & FTLS_HW_Q_Q_CTRL_ENABLE_MASK))
		note_reset(d, __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE));
	return FTLS_OK;
}

static enum ftls_err hw_sess_add(struct ftls_crypto_dev *dev, const struct ftls_key_install *ki,
				 uint32_t *slot)
{
	struct hw_dev *d = to_hw(dev);
	const struct ftls_suite *su;
	uint32_t words[12], sl;
	enum ftls_err e = FTLS_OK;
	uint8_t alg;

	if (!ki || !slot || ki->abi_version != FTLS_WIRE_ABI_VERSION || ki->size != sizeof(*ki) ||
	    ki->dir > FTLS_DIR_TX)
		return FTLS_ERR_INVAL;
	su = ftls_suite_by_id(ki->suite);
	if (!su || su->version != ki->tls_version || ki->key_len != su->key_len ||
	    ki->iv_len != su->iv_len || ki->mac_key_len != su->mac_key_len)
		return FTLS_ERR_INVAL;
	alg = alg_of(su);
	if (alg == FTLS_HW_ALG_NONE || !(d->cap_algs & (1u << alg)))
		return FTLS_ERR_UNSUPPORTED;

	pthread_mutex_lock(&d->lock);
	/* A reset since the last look loses the other sessions, not this one. */
	if (is_dead(d) || check_card(d, &d->qps[0]) != FTLS_OK) {
		pthread_mutex_unlock(&d->lock);
		return FTLS_ERR_DEVICE;
	}
	for (sl = 0; d->nb_sess < d->max_sess && sl < d->hw_slots; sl++)
		if (!d->slots[sl].used && claim(&d->share.slot_owner[sl], d->token))
			break;
	if (d->nb_sess == d->max_sess || sl == d->hw_slots) {
		pthread_mutex_unlock(&d->lock);
		return FTLS_ERR_FULL;
	}
	memset(words, 0, sizeof(words));
	memcpy(words, ki->key, ki->key_len);
	for (unsigned i = 0; i < 8 && e == FTLS_OK; i++)
		e = wr(d, FTLS_HW_REG_KEY_WIN_KEY_0 + 4 * i, (uint32_t)get_le((uint8_t *)&words[i], 4));
	memset(words, 0, sizeof(words));
	memcpy(words, ki->iv, ki->iv_len);
	for (unsigned i = 0; i < 3 && e == FTLS_OK; i++)
		e = wr(d, FTLS_HW_REG_KEY_WIN_IV_0 + 4 * i, (uint32_t)get_le((uint8_t *)&words[i], 4));
	memset(words, 0, sizeof(words));
	memcpy(words, ki->mac_key, ki->mac_key_len);
	for (unsigned i = 0; i < 12 && e == FTLS_OK; i++)
		e = wr(d, FTLS_HW_REG_KEY_WIN_MAC_0 + 4 * i, (uint32_t)get_le((uint8_t *)&words[i], 4));
	ftls_wipe(words, sizeof(words));
	if (e == FTLS_OK)
		e = wr(d, FTLS_HW_REG_KEY_WIN_ALG,
		       ((uint32_t)alg << FTLS_HW_KEY_WIN_ALG_ALG_SHIFT) |
			       ((ki->tls_version == FTLS_V_TLS13) << FTLS_HW_KEY_WIN_ALG_TLS13_SHIFT));
	if (e == FTLS_OK)
		e = key_cmd(d, (FTLS_HW_KEY_OP_LOAD << FTLS_HW_KEY_CMD_OP_SHIFT) | sl);
	if (e == FTLS_OK) {
		d->slots[sl].used = 1;
		d->slots[sl].lost = 0;
		d->slots[sl].alg = alg;
		d->slots[sl].riv = su->record_iv_len;
		d->slots[sl].tag_len = su->tag_len;
		d->nb_sess++;
		*slot = sl;
	} else {
		release(&d->share.slot_owner[sl], d->token);
	}
	pthread_mutex_unlock(&d->lock);
	return e;
}

static void hw_sess_del(struct ftls_crypto_dev *dev, uint32_t slot)
{
	struct hw_dev *d = to_hw(dev);

	pthread_mutex_lock(&d->lock);
	if (slot < d->hw_slots && d->slots[slot].used) {
		if (!is_dead(d) &&
		    key_cmd(d, (FTLS_HW_KEY_OP_ZEROIZE << FTLS_HW_KEY_CMD_OP_SHIFT) | slot) != FTLS_OK)
			LOG_ERR("crypto-hw", "slot %u: zeroize not confirmed", slot);
		memset(&d->slots[slot], 0, sizeof(d->slots[slot]));
		d->nb_sess--;
		release(&d->share.slot_owner[slot], d->token);
	}
	pthread_mutex_unlock(&d->lock);
}

/* Largest output of an op: what dst must have room for. */
static size_t out_max(const struct hw_slot *s, const struct ftls_crypto_op *op)
{
	if (op->type == FTLS_OP_SEAL)
		return s->riv == FTLS_CBC_IV_LEN ? FTLS_CBC_IV_LEN + ((op->src_len + s->tag_len + 16) & ~15u)
						 : s->riv + op->src_len + s->tag_len;
	return op->src_len < (size_t)s->riv + s->tag_len ? 0 : op->src_len - s->riv - s->tag_len;
}

/* The driver's verdict on an op before the core sees it: 0 when it may go. */
static enum ftls_err FTLS_MUST_CHECK check_op(const struct hw_dev *d, const struct ftls_crypto_op *op)
{
	const struct hw_slot *s;

	if (op->slot >= d->hw_slots || !d->slots[op->slot].used || op->aad_len > FTLS_AAD_MAX ||
	    (op->type != FTLS_OP_SEAL && op->type != FTLS_OP_OPEN) || (op->src_len && !op->src) ||
	    !op->dst)
		return FTLS_ERR_INVAL;
	s = &d->slots[op->slot];
	/* The card forgot this key in a reset: the owner must install it again. */
	if (__atomic_load_n(&s->lost, __ATOMIC_ACQUIRE))
		return FTLS_ERR_DEVICE;
	if (op->src_len > d->max_len)
		return op->type == FTLS_OP_OPEN ? FTLS_ERR_RECORD_OVERFLOW : FTLS_ERR_INVAL;
	if (op->type == FTLS_OP_OPEN && op->src_len < (size_t)s->riv + s->tag_len)
		return FTLS_ERR_BAD_RECORD_MAC;
	if (out_max(s, op) > op->dst_cap)
		return FTLS_ERR_FULL;
	return FTLS_OK;
}

static void ring_doorbells(struct hw_dev *d, struct hw_qp *p)
{
	if (p->db_pending)
		p->db_pending = !d->bus_ops->try_write32(d->bus, FTLS_HW_QREG(p->hwq, FTLS_HW_Q_SQ_TAIL),
							 p->sq_tail);
	if (p->cqh_pending)
		p->cqh_pending = !d->bus_ops->try_write32(d->bus, FTLS_HW_QREG(p->hwq, FTLS_HW_Q_CQ_HEAD),
							  p->cq_head);
}

static uint16_t hw_enqueue(struct ftls_crypto_dev *dev, uint16_t qp, struct ftls_crypto_op **ops,
			   uint16_t n)
{
	struct hw_dev *d = to_hw(dev);
	struct hw_qp *p;
	uint16_t i;

	if (qp >= d->nb_qp)
		return 0;
	p = &d->qps[qp];
	/* After a reset: set the queue up again once nothing is in flight; until then fail ops. */
	if (!p->inflight && !is_dead(d) &&
	    __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) != __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE) &&
	    qp_hw_init(d, p) != FTLS_OK)
		set_dead(d, "queue set-up after a reset failed");
	bool failing = is_dead(d) || p->must_reset ||
		       __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) != __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE);
	for (i = 0; i < n && p->inflight < p->depth; i++) {
		struct ftls_crypto_op *op = ops[i];
		uint32_t idx = p->sq_tail & p->mask;
		uint8_t *desc = p->sq + (size_t)idx * FTLS_HW_DESC_SIZE;
		uint64_t src = p->bounce_iova + (uint64_t)idx * BOUNCE_ENTRY;
		enum ftls_err e = failing ? FTLS_ERR_DEVICE : check_op(d, op);

		if (failing) {
			/* Never reaches the card: dequeue completes it with the device error. */
			p->drv_err[idx] = (uint16_t)e;
			p->ops[idx] = op;
			p->sq_tail++;
			p->inflight++;
			continue;
		}
		memset(desc, 0, FTLS_HW_DESC_SIZE);
		if (e == FTLS_OK) {
			desc[FTLS_HW_DESC_OPCODE_OFF] = op->type == FTLS_OP_SEAL ? FTLS_HW_OPCODE_SEAL
										 : FTLS_HW_OPCODE_OPEN;
			desc[FTLS_HW_DESC_AAD_LEN_OFF] = op->aad_len;
			put_le(desc + FTLS_HW_DESC_SLOT_OFF, op->slot, 2);
			put_le(desc + FTLS_HW_DESC_LEN_OFF, op->src_len, 2);
			put_le(desc + FTLS_HW_DESC_SRC_OFF, src, 8);
			put_le(desc + FTLS_HW_DESC_DST_OFF, src + BOUNCE_HALF, 8);
			put_le(desc + FTLS_HW_DESC_SEQ_OFF, op->seq, 8);
			memcpy(desc + FTLS_HW_DESC_IV_OFF, op->iv, FTLS_CBC_IV_LEN);
			memcpy(desc + FTLS_HW_DESC_AAD_OFF, op->aad, op->aad_len);
			if (op->src_len)
				memcpy(p->bounce + (size_t)idx * BOUNCE_ENTRY, op->src, op->src_len);
		}
		/* opcode 0: the core completes it as BAD_OPCODE, in order; drv_err says why. */
		put_le(desc + FTLS_HW_DESC_COOKIE_OFF, idx, 2);
		p->drv_err[idx] = (uint16_t)e;
		p->ops[idx] = op;
		p->sq_tail++;
		p->inflight++;
	}
	if (i && !failing) {
		__atomic_thread_fence(__ATOMIC_RELEASE);
		p->db_pending = true;
	}
	if (!failing)
		ring_doorbells(d, p);
	return i;
}

/*
 * Completes up to n ops in flight on p with an error, oldest first (the card was reset or is
 * gone, or the queue hung): nothing reaches dst, the bounce entries are wiped. Once none is left,
 * a live card's queue is set up again.
 */
static uint16_t drain(struct hw_dev *d, struct hw_qp *p, struct ftls_crypto_op **ops, uint16_t n)
{
	uint16_t k = 0;

	while (k < n && p->inflight) {
		uint32_t idx = (uint16_t)(p->sq_tail - p->inflight) & p->mask;
		struct ftls_crypto_op *op = p->ops[idx];

		ftls_wipe(p->bounce + (size_t)idx * BOUNCE_ENTRY, BOUNCE_ENTRY);
		op->dst_len = 0;
		op->status = p->drv_err[idx] ? p->drv_err[idx] : (uint16_t)FTLS_ERR_DEVICE;
		p->ops[idx] = NULL;
		ops[k++] = op;
		p->inflight--;
	}
	if (!p->inflight && !is_dead(d) && qp_hw_init(d, p) != FTLS_OK)
		set_dead(d, "queue set-up after a reset failed");
	return k;
}

/* No completion although ops are in flight: every STALL_MS, look at the card. */
static void stalled(struct hw_dev *d, struct hw_qp *p)
{
	uint64_t now = now_ms();

	if (!p->stall_t0) {
		p->stall_t0 = p->stall_check = now;
		return;
	}
	if (now - p->stall_check < STALL_MS)
		return;
	p->stall_check = now;
	pthread_mutex_lock(&d->lock);
	if (check_card(d, p) == FTLS_OK && now - p->stall_t0 >= HANG_MS &&
	    __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) == __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE)) {
		LOG_ERR("crypto-hw", "%s: queue %u: no completion for %u ms; failing %u operations",
			d->bus_ops->name, p->hwq, (unsigned)(now - p->stall_t0), p->inflight);
		p->must_reset = true;
	}
	pthread_mutex_unlock(&d->lock);
}

static uint16_t hw_dequeue(struct ftls_crypto_dev *dev, uint16_t qp, struct ftls_crypto_op **ops,
			   uint16_t n)
{
	struct hw_dev *d = to_hw(dev);
	struct hw_qp *p;
	uint16_t k = 0;

	if (qp >= d->nb_qp)
		return 0;
	p = &d->qps[qp];
	if (is_dead(d) || p->must_reset ||
	    __atomic_load_n(&p->gen, __ATOMIC_ACQUIRE) != __atomic_load_n(&d->gen, __ATOMIC_ACQUIRE))
		return drain(d, p, ops, n);
	ring_doorbells(d, p);
	while (k < n && p->inflight) {
		uint8_t *cpl = p->cq + (size_t)(p->cq_head & p->mask) * FTLS_HW_CPL_SIZE;
		uint32_t want = (uint16_t)(p->sq_tail - p->inflight) & p->mask;
		struct ftls_crypto_op *op;
		uint16_t st;
		uint32_t len, idx;
		enum ftls_err e;

		if ((__atomic_load_n(&cpl[FTLS_HW_CPL_PHASE_OFF], __ATOMIC_ACQUIRE) & 1) != p->phase)
			break;
		idx = (uint32_t)get_le(cpl + FTLS_HW_CPL_COOKIE_OFF, 2);
		st = (uint16_t)get_le(cpl + FTLS_HW_CPL_STATUS_OFF, 2);
		len = (uint32_t)get_le(cpl + FTLS_HW_CPL_LEN_OFF, 4);
		/* In order per queue: anything else is a device fault, reported on the op due. */
		if (idx != want) {
			LOG_ERR("crypto-hw", "qp %u: completion for entry %u, expected %u", qp, idx, want);
			idx = want;
			st = 0xffff;
		}
		op = p->ops[idx];
		e = p->drv_err[idx] ? (enum ftls_err)p->drv_err[idx] : status_err(st, op->type);
		op->dst_len = 0;
		if (e == FTLS_OK && len > op->dst_cap)
			e = FTLS_ERR_DEVICE;
		if (e == FTLS_OK) {
			memcpy(op->dst, p->bounce + (size_t)idx * BOUNCE_ENTRY + BOUNCE_HALF, len);
			op->dst_len = len;
		} else if (op->type == FTLS_OP_OPEN && p->drv_err[idx] == 0) {
			/* Unauthenticated plaintext never leaves the bounce buffer. */
			ftls_wipe(p->bounce + (size_t)idx * BOUNCE_ENTRY + BOUNCE_HALF,
				  op->src_len < BOUNCE_HALF ? op->src_len : BOUNCE_HALF);
		}
		op->status = (uint16_t)e;
		p->ops[idx] = NULL;
		ops[k++] = op;
		p->inflight--;
		p->cq_head++;
		if ((p->cq_head & p->mask) == 0)
			p->phase ^= 1;
	}
	if (k) {
		p->cqh_pending = true;
		ring_doorbells(d, p);
		p->stall_t0 = 0;
	} else if (p->inflight) {
		stalled(d, p);
	}
	return k;
}

static enum ftls_err sim_open(const struct ftls_crypto_conf *conf, struct ftls_crypto_dev **dev)
{
	return hw_open(&ftls_crypto_sim_ops, &ftls_hw_bus_sim, conf, dev);
}

static enum ftls_err fpga_open(const struct ftls_crypto_conf *conf, struct ftls_crypto_dev **dev)
{
	return hw_open(&ftls_crypto_fpga_ops, &ftls_hw_bus_fpga, conf, dev);
}

const struct ftls_crypto_ops ftls_crypto_sim_ops = {
	.name = "sim",
	.open = sim_open,
	.close = hw_close,
	.sess_add = hw_sess_add,
	.sess_del = hw_sess_del,
	.enqueue_burst = hw_enqueue,
	.dequeue_burst = hw_dequeue,
};

const struct ftls_crypto_ops ftls_crypto_fpga_ops = {
	.name = "fpga",
	.open = fpga_open,
	.close = hw_close,
	.sess_add = hw_sess_add,
	.sess_del = hw_sess_del,
	.enqueue_burst = hw_enqueue,
	.dequeue_burst = hw_dequeue,
};
