// SPDX-License-Identifier: BSD-3-Clause
// Core-level Verilator testbench for hw/rtl/ftls_crypto_top.sv with a C++ host model: rings and
// DMA memory live here, DMA requests and answers are delayed at random, and every sealed or
// opened record is checked against OpenSSL (AES-128/256-GCM for TLS 1.3 and 1.2, ChaCha20-
// Poly1305). It covers what sim/tests does not reach at this level: several descriptors in flight
// on several queues with completions in order, ring wrap, a completion ring smaller than the
// submission ring (the core must wait for CQ_HEAD), every bad-descriptor kind in the middle of
// traffic, zeroize and LOAD over a slot (the AES-GCM engine's cached key state inspected), reset
// asserted in the middle of traffic (the key slot memory inspected: the sweep after reset leaves
// every byte of every slot zero; KEY_BUSY, no fetch and a held KEY_CMD while it runs), and a
// queue disabled and re-enabled in the middle of traffic. The exit status is the verdict; the last line is "hw-top: N passed, N failed".
// Not for: the engines' cryptography in depth (tb_aes_gcm, chacha_tb, cbc_tb) or the driver
// (sim/tests).
#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "Vftls_crypto_top.h"
#include "Vftls_crypto_top___024root.h"
#include "hw/gen/ftls_regs.h"
#include "verilated.h"

typedef std::vector<uint8_t> bytes;

static int g_pass, g_fail;

static bool check(bool ok, const std::string &what)
{
	if (ok) {
		g_pass++;
	} else {
		g_fail++;
		if (g_fail < 40)
			printf("FAIL %s\n", what.c_str());
	}
	return ok;
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

// 128-bit port words: byte 0 in [127:120]; w[0] holds bits 31:0.
static void put128(uint32_t *w, const uint8_t *b)
{
	for (int i = 0; i < 4; i++)
		w[i] = 0;
	for (int i = 0; i < 16; i++) {
		int lo = 120 - 8 * i;
		w[lo / 32] |= (uint32_t)b[i] << (lo % 32);
	}
}

static void get128(const uint32_t *w, uint8_t *b)
{
	for (int i = 0; i < 16; i++) {
		int lo = 120 - 8 * i;
		b[i] = (uint8_t)(w[lo / 32] >> (lo % 32));
	}
}

// ---- The key material of a slot and the reference AEAD -----------------------------------------
struct key_t_ {
	unsigned alg;   // FTLS_HW_ALG_*
	bool tls13;
	bytes key;      // 16 or 32
	bytes iv;       // 12 (1.3, ChaCha) or 4 (1.2 GCM salt)
};

static const EVP_CIPHER *cipher_of(unsigned alg)
{
	return alg == FTLS_HW_ALG_AES128_GCM   ? EVP_aes_128_gcm()
	       : alg == FTLS_HW_ALG_AES256_GCM ? EVP_aes_256_gcm()
					       : EVP_chacha20_poly1305();
}

static bytes nonce_of(const key_t_ &k, uint64_t seq)
{
	bytes n(12, 0);
	if (!k.tls13 && k.alg != FTLS_HW_ALG_CHACHA_POLY) {
		memcpy(n.data(), k.iv.data(), 4);
		for (int i = 0; i < 8; i++)
			n[4 + i] = (uint8_t)(seq >> (56 - 8 * i));
	} else {
		memcpy(n.data(), k.iv.data(), 12);
		for (int i = 0; i < 8; i++)
			n[4 + i] ^= (uint8_t)(seq >> (56 - 8 * i));
	}
	return n;
}

static unsigned prefix_of(const key_t_ &k)
{
	return (!k.tls13 && k.alg != FTLS_HW_ALG_CHACHA_POLY) ? 8 : 0;
}

// The record as sent: prefix (1.2 GCM explicit nonce) || ciphertext || tag.
static bytes ref_seal(const key_t_ &k, uint64_t seq, const bytes &aad, const bytes &pt)
{
	bytes n = nonce_of(k, seq), out;
	unsigned pre = prefix_of(k);
	out.assign(pre + pt.size() + 16, 0);
	for (unsigned i = 0; i < pre; i++)
		out[i] = (uint8_t)(seq >> (56 - 8 * i));
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0;
	EVP_EncryptInit_ex(c, cipher_of(k.alg), nullptr, nullptr, nullptr);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_SET_IVLEN, 12, nullptr);
	EVP_EncryptInit_ex(c, nullptr, nullptr, k.key.data(), n.data());
	if (!aad.empty())
		EVP_EncryptUpdate(c, nullptr, &len, aad.data(), (int)aad.size());
	if (!pt.empty())
		EVP_EncryptUpdate(c, out.data() + pre, &len, pt.data(), (int)pt.size());
	EVP_EncryptFinal_ex(c, out.data() + pre + pt.size(), &len);
	EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_AEAD_GET_TAG, 16, out.data() + pre + pt.size());
	EVP_CIPHER_CTX_free(c);
	return out;
}

// ---- The harness: the core, DMA memory with random latency, register access ---------------------
static const uint64_t MEM_SIZE = 16u << 20, MEM_LOW = 0x1000;

struct pend_rd {
	uint64_t due;
	uint8_t data[16];
	bool err;
};
struct pend_wr {
	uint64_t due;
	bool err;
};

class harness {
public:
	Vftls_crypto_top m;
	std::mt19937_64 rng;
	bytes mem;
	uint64_t cyc = 0;
	std::deque<pend_rd> rdq;
	std::deque<pend_wr> wrq;
	unsigned rd_ready_pct = 100, wr_ready_pct = 100, max_delay = 0;
	uint64_t writes = 0, reads = 0;
	std::vector<std::pair<uint64_t, uint64_t>> bad_ranges; // DMA errors here (also beyond mem)

	explicit harness(uint64_t seed) : rng(seed), mem(MEM_SIZE, 0)
	{
		m.clk_i = 0;
		reset(4);
	}

	bool dma_ok(uint64_t a, unsigned n) const
	{
		if (a < MEM_LOW || a >= MEM_SIZE || n > MEM_SIZE - a || n < 1 || n > 16)
			return false;
		for (auto &r : bad_ranges)
			if (a < r.second && a + n > r.first)
				return false;
		return true;
	}

	// One clock; reg_* inputs as given for this clock.
	void tick(bool rv = false, bool rw = false, uint32_t ra = 0, uint32_t wd = 0)
	{
		m.reg_valid_i = rv;
		m.reg_write_i = rw;
		m.reg_addr_i = ra & 0xfff;
		m.reg_wdata_i = wd;
		m.rd_resp_valid_i = 0;
		m.rd_resp_err_i = 0;
		if (!rdq.empty() && rdq.front().due <= cyc) {
			m.rd_resp_valid_i = 1;
			m.rd_resp_err_i = rdq.front().err;
			put128(m.rd_resp_data_i.data(), rdq.front().data);
			rdq.pop_front();
		}
		m.wr_resp_valid_i = 0;
		m.wr_resp_err_i = 0;
		if (!wrq.empty() && wrq.front().due <= cyc) {
			m.wr_resp_valid_i = 1;
			m.wr_resp_err_i = wrq.front().err;
			wrq.pop_front();
		}
		m.rd_req_ready_i = (rng() % 100) < rd_ready_pct;
		m.wr_req_ready_i = (rng() % 100) < wr_ready_pct;
		m.clk_i = 0;
		m.eval();
		if (m.rd_req_valid_o && m.rd_req_ready_i) {
			pend_rd r{};
			uint64_t a = m.rd_req_addr_o;
			unsigned n = m.rd_req_len_o;
			r.err = !dma_ok(a, n);
			if (!r.err)
				memcpy(r.data, mem.data() + a, n);
			uint64_t due = cyc + 1 + (max_delay ? rng() % (max_delay + 1) : 0);
			if (!rdq.empty() && rdq.back().due > due)
				due = rdq.back().due; // in order
			r.due = due;
			rdq.push_back(r);
			reads++;
		}
		if (m.wr_req_valid_o && m.wr_req_ready_i) {
			pend_wr w{};
			uint64_t a = m.wr_req_addr_o;
			unsigned n = m.wr_req_len_o;
			uint8_t b[16];
			get128(m.wr_req_data_o.data(), b);
			w.err = !dma_ok(a, n);
			if (!w.err)
				memcpy(mem.data() + a, b, n);
			uint64_t due = cyc + 1 + (max_delay ? rng() % (max_delay + 1) : 0);
			if (!wrq.empty() && wrq.back().due > due)
				due = wrq.back().due;
			w.due = due;
			wrq.push_back(w);
			writes++;
		}
		m.clk_i = 1;
		m.eval();
		cyc++;
	}

	// Reset asserted for n clocks; the bus forgets what was in flight (answers from before the
	// reset never arrive). Returns the DMA writes issued after the first reset edge.
	uint64_t reset(int n)
	{
		m.rst_ni = 0;
		tick();
		uint64_t w0 = writes;
		rdq.clear();
		wrq.clear();
		for (int i = 1; i < n; i++)
			tick();
		m.rst_ni = 1;
		return writes - w0;
	}

	void wr(uint32_t a, uint32_t v) { tick(true, true, a, v); }
	uint32_t rd(uint32_t a)
	{
		tick(true, false, a, 0);
		return m.reg_rdata_o; // registered: valid after the clock that took the request
	}

	void load_key(unsigned slot, const key_t_ &k)
	{
		uint8_t kb[32] = {0}, ivb[12] = {0};
		memcpy(kb, k.key.data(), k.key.size());
		memcpy(ivb, k.iv.data(), k.iv.size());
		for (unsigned i = 0; i < 8; i++)
			wr(FTLS_HW_REG_KEY_WIN_KEY_0 + 4 * i, (uint32_t)get_le(kb + 4 * i, 4));
		for (unsigned i = 0; i < 3; i++)
			wr(FTLS_HW_REG_KEY_WIN_IV_0 + 4 * i, (uint32_t)get_le(ivb + 4 * i, 4));
		wr(FTLS_HW_REG_KEY_WIN_ALG, k.alg | (k.tls13 ? 1u << FTLS_HW_KEY_WIN_ALG_TLS13_SHIFT : 0));
		wr(FTLS_HW_REG_KEY_CMD, ((uint32_t)FTLS_HW_KEY_OP_LOAD << FTLS_HW_KEY_CMD_OP_SHIFT) | slot);
	}
	void zeroize(unsigned slot)
	{
		wr(FTLS_HW_REG_KEY_CMD, ((uint32_t)FTLS_HW_KEY_OP_ZEROIZE << FTLS_HW_KEY_CMD_OP_SHIFT) | slot);
	}
	// LOAD with every window field (key, IV, MAC key, alg, TLS 1.3 flag) filled from raw bytes.
	void load_raw(unsigned slot, unsigned alg_word, const uint8_t key[32], const uint8_t iv[12],
		      const uint8_t mac[48])
	{
		for (unsigned i = 0; i < 8; i++)
			wr(FTLS_HW_REG_KEY_WIN_KEY_0 + 4 * i, (uint32_t)get_le(key + 4 * i, 4));
		for (unsigned i = 0; i < 3; i++)
			wr(FTLS_HW_REG_KEY_WIN_IV_0 + 4 * i, (uint32_t)get_le(iv + 4 * i, 4));
		for (unsigned i = 0; i < 12; i++)
			wr(FTLS_HW_REG_KEY_WIN_MAC_0 + 4 * i, (uint32_t)get_le(mac + 4 * i, 4));
		wr(FTLS_HW_REG_KEY_WIN_ALG, alg_word);
		wr(FTLS_HW_REG_KEY_CMD, ((uint32_t)FTLS_HW_KEY_OP_LOAD << FTLS_HW_KEY_CMD_OP_SHIFT) | slot);
	}

	// The key slot memory as the core holds it (tb_top.vlt makes it readable): slot i's
	// 741 bits, tls13 || alg || key || IV || MAC key, in 32-bit words (word 0 = bits 31:0).
	static const int SLOT_WORDS = (741 + 31) / 32;
	const uint32_t *slot_words(unsigned i)
	{
		return m.rootp->ftls_crypto_top__DOT__slots_q[i].data();
	}
	// The slot's key field (32 bytes, byte 0 first) as stored: bits 735..480.
	bytes slot_key(unsigned i)
	{
		const uint32_t *w = slot_words(i);
		bytes b(32);
		for (int j = 0; j < 32; j++) {
			int lo = 735 - 7 - 8 * j;
			b[j] = (uint8_t)(w[lo / 32] >> (lo % 32));
		}
		return b;
	}
	bool slot_zero(unsigned i)
	{
		const uint32_t *w = slot_words(i);
		for (int j = 0; j < SLOT_WORDS; j++)
			if (w[j] != 0)
				return false;
		return true;
	}
	// Slots (of FTLS_HW_NUM_KEY_SLOTS) with a nonzero byte, other than `except`.
	unsigned slots_nonzero(int except = -1)
	{
		unsigned n = 0;
		for (unsigned i = 0; i < FTLS_HW_NUM_KEY_SLOTS; i++)
			if ((int)i != except && !slot_zero(i))
				n++;
		return n;
	}
	// Reads STATUS every clock until KEY_BUSY is clear; returns the reads that saw it set.
	unsigned wait_key_idle(unsigned limit = 100000)
	{
		unsigned n = 0;
		while (n < limit && (rd(FTLS_HW_REG_STATUS) & FTLS_HW_STATUS_KEY_BUSY_MASK))
			n++;
		return n;
	}

	// The AES-GCM engine's cached key state and the front end's slot copy: all zero?
	bool gcm_state_zero()
	{
		auto *r = m.rootp;
		bool z = true;
		auto zero_w = [&](const uint32_t *w, int n) {
			for (int i = 0; i < n; i++)
				z = z && w[i] == 0;
		};
		zero_w(r->ftls_crypto_top__DOT__u_engines__DOT__u_gcm__DOT__key_q.data(), 8);
		zero_w(r->ftls_crypto_top__DOT__u_engines__DOT__u_gcm__DOT__h_q.data(), 4);
		zero_w(r->ftls_crypto_top__DOT__u_engines__DOT__u_gcm__DOT__y_q.data(), 4);
		for (int i = 0; i < 15; i++)
			zero_w(r->ftls_crypto_top__DOT__u_engines__DOT__u_gcm__DOT__rk_q[i].data(), 4);
		for (int i = 0; i < 32; i++)
			zero_w(r->ftls_crypto_top__DOT__u_engines__DOT__u_gcm__DOT__ks_mem_q[i].data(), 4);
		for (int i = 0; i < 4; i++)
			zero_w(r->ftls_crypto_top__DOT__u_engines__DOT__u_gcm__DOT__ej0_mem_q[i].data(), 4);
		z = z && !r->ftls_crypto_top__DOT__u_engines__DOT__u_gcm__DOT__key_valid_q;
		zero_w(r->ftls_crypto_top__DOT__slot_q.data(), (740 + 31) / 32);
		return z;
	}
};

// ---- Host rings -------------------------------------------------------------------------------
struct expect {
	uint16_t cookie;
	uint16_t status;   // expected status; 0xffff: OK or BAD_SLOT (a zeroize raced it)
	uint32_t len;
	bytes out;         // expected bytes at dst (status OK)
	uint64_t dst;
	unsigned gen;
};

enum kind_e {
	K_GOOD, K_BAD_LEN, K_BAD_SLOT_RANGE, K_EMPTY_SLOT, K_BAD_OPCODE, K_BAD_AAD, K_RD_ERR,
	K_WR_ERR, K_AUTH_FAIL, K_SHORT_OPEN, K_NKINDS
};

struct host_q {
	unsigned idx;
	unsigned sq_log2, cq_log2;
	uint64_t sq, cq, buf;   // ring bases and buffer area
	uint16_t tail = 0, head = 0; // submitted, consumed completions
	uint8_t phase = 1;
	unsigned gen = 0;
	std::deque<expect> pend;
	uint64_t done = 0, ok = 0;
};

static const uint64_t BUF_STRIDE = 20480; // one 18 KiB record + slack, per buffer

class host {
public:
	harness &h;
	std::vector<key_t_> keys;   // by slot (only some loaded)
	std::vector<bool> loaded;
	std::map<unsigned, host_q> qs;
	unsigned empty_slot = 7;
	uint64_t seq = 1;
	unsigned kinds[K_NKINDS] = {0};
	bool big = true;

	explicit host(harness &hh) : h(hh), keys(16), loaded(16, false) {}

	key_t_ random_key(unsigned alg, bool tls13)
	{
		key_t_ k;
		k.alg = alg;
		k.tls13 = tls13 || alg == FTLS_HW_ALG_CHACHA_POLY;
		k.key.resize(alg == FTLS_HW_ALG_AES128_GCM ? 16 : 32);
		k.iv.resize(k.tls13 ? 12 : 4);
		for (auto &b : k.key)
			b = (uint8_t)h.rng();
		for (auto &b : k.iv)
			b = (uint8_t)h.rng();
		return k;
	}
	void zeroize(unsigned slot)
	{
		loaded[slot] = false;
		h.zeroize(slot);
	}
	void load(unsigned slot, const key_t_ &k)
	{
		keys[slot] = k;
		loaded[slot] = true;
		h.load_key(slot, k);
	}

	void setup_q(unsigned q, unsigned sq_log2, unsigned cq_log2)
	{
		host_q hq;
		hq.idx = q;
		hq.sq_log2 = sq_log2;
		hq.cq_log2 = cq_log2;
		hq.sq = 0x10000 + (uint64_t)q * 0x10000;
		hq.cq = hq.sq + 0x8000;
		hq.buf = 0x100000 + (uint64_t)q * 2 * 16 * BUF_STRIDE * 2;
		memset(h.mem.data() + hq.sq, 0, 0x10000);
		qs[q] = hq;
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 0);
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_LO), (uint32_t)hq.sq);
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_HI), 0);
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_SIZE), sq_log2);
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_LO), (uint32_t)hq.cq);
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_HI), 0);
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_SIZE), cq_log2);
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 1);
	}

	// Queue reset while traffic runs: disable, forget, clear the completion ring, re-enable.
	void requeue(unsigned q)
	{
		host_q &hq = qs[q];
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 0);
		hq.pend.clear();
		hq.tail = hq.head = 0;
		hq.phase = 1;
		hq.gen++;
		memset(h.mem.data() + hq.cq, 0, 16u << hq.cq_log2);
		memset(h.mem.data() + hq.sq, 0, 64u << hq.sq_log2);
		h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 1);
	}

	unsigned room(const host_q &hq) const
	{
		unsigned cap = 1u << hq.sq_log2;
		return cap - (unsigned)hq.pend.size();
	}

	// Writes one descriptor of the given kind into the ring (no doorbell).
	void submit(unsigned q, unsigned slot, kind_e kind, bool open)
	{
		if (kind == K_AUTH_FAIL || kind == K_SHORT_OPEN)
			open = true;
		host_q &hq = qs[q];
		unsigned sq_i = hq.tail & ((1u << hq.sq_log2) - 1);
		uint64_t src = hq.buf + (((uint64_t)(hq.gen & 1) * 16 + sq_i) * 2) * BUF_STRIDE;
		uint64_t dst = src + BUF_STRIDE;
		uint8_t *d = h.mem.data() + hq.sq + (uint64_t)sq_i * 64;
		const key_t_ &k = keys[slot];
		unsigned pre = prefix_of(k);
		size_t len;
		switch (h.rng() % 6) {
		case 0: len = h.rng() % 17; break;
		case 1: len = 64; break;
		case 2: len = h.rng() % 300; break;
		case 3: len = h.rng() % 2100; break;
		case 4: len = big && (h.rng() % 4 == 0) ? 16384 + h.rng() % 1025 : h.rng() % 1500; break;
		default: len = 1024; break;
		}
		bytes aad(k.tls13 ? 5 : 13), pt(len);
		for (auto &b : aad)
			b = (uint8_t)h.rng();
		for (auto &b : pt)
			b = (uint8_t)h.rng();
		uint64_t s = seq++;
		expect e{};
		e.cookie = (uint16_t)(h.rng() & 0xffff);
		e.dst = dst;
		e.gen = hq.gen;
		bytes rec = ref_seal(k, s, aad, pt);
		uint32_t dlen;
		memset(d, 0, 64);
		memset(h.mem.data() + dst, 0xee, 64); // no output of an earlier record left here
		if (!open) {
			memcpy(h.mem.data() + src, pt.data(), pt.size());
			dlen = (uint32_t)len;
			e.out = rec;
		} else {
			memcpy(h.mem.data() + src, rec.data(), rec.size());
			dlen = (uint32_t)rec.size();
			e.out = pt;
		}
		e.status = FTLS_HW_STATUS_OK;
		e.len = (uint32_t)e.out.size();
		d[FTLS_HW_DESC_OPCODE_OFF] = open ? FTLS_HW_OPCODE_OPEN : FTLS_HW_OPCODE_SEAL;
		d[FTLS_HW_DESC_AAD_LEN_OFF] = (uint8_t)aad.size();
		uint16_t dslot = (uint16_t)slot;
		switch (kind) {
		case K_BAD_LEN:
			dlen = FTLS_HW_MAX_LEN + 1 + (uint32_t)(h.rng() % 1000);
			e.status = FTLS_HW_STATUS_BAD_LEN;
			break;
		case K_SHORT_OPEN:
			d[FTLS_HW_DESC_OPCODE_OFF] = FTLS_HW_OPCODE_OPEN;
			dlen = (uint32_t)(h.rng() % (pre + 16));
			e.status = FTLS_HW_STATUS_BAD_LEN;
			break;
		case K_BAD_SLOT_RANGE:
			dslot = (uint16_t)(FTLS_HW_NUM_KEY_SLOTS + h.rng() % 60000);
			e.status = FTLS_HW_STATUS_BAD_SLOT;
			break;
		case K_EMPTY_SLOT:
			dslot = (uint16_t)empty_slot;
			e.status = FTLS_HW_STATUS_BAD_SLOT;
			break;
		case K_BAD_OPCODE:
			d[FTLS_HW_DESC_OPCODE_OFF] = (uint8_t)(3 + h.rng() % 250);
			e.status = FTLS_HW_STATUS_BAD_OPCODE;
			break;
		case K_BAD_AAD:
			d[FTLS_HW_DESC_AAD_LEN_OFF] = (uint8_t)(14 + h.rng() % 240);
			e.status = FTLS_HW_STATUS_BAD_DESC;
			break;
		case K_RD_ERR:
			if (len == 0 && !open) {
				len = pt.size();
				kind = K_GOOD; // nothing is read for an empty seal
				break;
			}
			src = MEM_SIZE + 0x1000 * (h.rng() % 16);
			e.status = FTLS_HW_STATUS_DMA_ERR;
			break;
		case K_WR_ERR:
			if (open && len == 0) {
				kind = K_GOOD; // an empty plaintext writes nothing
				break;
			}
			dst = MEM_SIZE + 0x1000 * (h.rng() % 16);
			e.status = FTLS_HW_STATUS_DMA_ERR;
			break;
		case K_AUTH_FAIL:
			h.mem[src + pre + h.rng() % (rec.size() - pre)] ^= (uint8_t)(1u << (h.rng() % 8));
			e.status = FTLS_HW_STATUS_AUTH_FAIL;
			break;
		default:
			break;
		}
		if (e.status != FTLS_HW_STATUS_OK)
			e.len = 0;
		kinds[kind]++;
		put_le(d + FTLS_HW_DESC_SLOT_OFF, dslot, 2);
		put_le(d + FTLS_HW_DESC_LEN_OFF, dlen, 2);
		put_le(d + FTLS_HW_DESC_COOKIE_OFF, e.cookie, 2);
		put_le(d + FTLS_HW_DESC_SRC_OFF, src, 8);
		put_le(d + FTLS_HW_DESC_DST_OFF, dst, 8);
		put_le(d + FTLS_HW_DESC_SEQ_OFF, s, 8);
		memcpy(d + FTLS_HW_DESC_AAD_OFF, aad.data(), aad.size());
		hq.pend.push_back(e);
		hq.tail++;
	}

	void doorbell(unsigned q) { h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_TAIL), qs[q].tail); }

	// Takes the completions that have landed on queue q (at most max); checks each against the
	// oldest expectation. Writes CQ_HEAD if any was taken and tell_head.
	unsigned reap(unsigned q, unsigned max, bool tell_head, const char *ctx)
	{
		host_q &hq = qs[q];
		unsigned n = 0;
		while (n < max) {
			unsigned i = hq.head & ((1u << hq.cq_log2) - 1);
			const uint8_t *c = h.mem.data() + hq.cq + 16 * (uint64_t)i;
			if ((c[FTLS_HW_CPL_PHASE_OFF] & 1) != hq.phase)
				break;
			std::string what = std::string(ctx) + " q" + std::to_string(q) + " #" +
					   std::to_string(hq.done);
			if (!check(!hq.pend.empty(), what + ": completion nobody submitted"))
				break;
			expect e = hq.pend.front();
			hq.pend.pop_front();
			uint16_t ck = (uint16_t)get_le(c + FTLS_HW_CPL_COOKIE_OFF, 2);
			uint16_t st = (uint16_t)get_le(c + FTLS_HW_CPL_STATUS_OFF, 2);
			uint32_t len = (uint32_t)get_le(c + FTLS_HW_CPL_LEN_OFF, 4);
			check(ck == e.cookie, what + ": cookie (completion order)");
			bool st_ok = e.status == 0xffff ? (st == FTLS_HW_STATUS_OK || st == FTLS_HW_STATUS_BAD_SLOT)
							: st == e.status;
			check(st_ok, what + ": status " + std::to_string(st) + " expected " +
					     std::to_string(e.status));
			if (st == FTLS_HW_STATUS_OK) {
				check(len == e.out.size(), what + ": length");
				check(len == e.out.size() && memcmp(h.mem.data() + e.dst, e.out.data(), len) == 0,
				      what + ": output bytes");
				hq.ok++;
			} else {
				check(len == 0, what + ": error completion length 0");
			}
			uint16_t sqh = (uint16_t)get_le(c + FTLS_HW_CPL_SQ_HEAD_OFF, 2);
			check((uint16_t)(sqh - hq.head) >= 1 && (uint16_t)(hq.tail - sqh) < 0x8000,
			      what + ": completion's SQ_HEAD in range");
			hq.head++;
			if ((hq.head & ((1u << hq.cq_log2) - 1)) == 0)
				hq.phase ^= 1;
			hq.done++;
			n++;
		}
		if (n && tell_head)
			h.wr(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_HEAD), hq.head);
		return n;
	}
};

// ---- Tests ------------------------------------------------------------------------------------
static kind_e pick_kind(harness &h, unsigned bad_pct)
{
	if ((h.rng() % 100) >= bad_pct)
		return K_GOOD;
	return (kind_e)(1 + h.rng() % (K_NKINDS - 1));
}

// Random traffic on the given queues until `count` descriptors completed per queue; the host
// submits in random batches (several in flight), consumes lazily (a full completion ring holds
// the core back) and rings doorbells in random order.
static void traffic(host &H, const std::vector<unsigned> &queues, const std::vector<unsigned> &slots,
		    unsigned count, unsigned bad_pct, const char *name)
{
	harness &h = H.h;
	std::map<unsigned, uint64_t> target;
	for (unsigned q : queues)
		target[q] = H.qs[q].done + count;
	uint64_t guard = h.cyc + 4000000;
	unsigned submitted_total = 0;
	for (;;) {
		bool all = true;
		for (unsigned q : queues)
			all = all && H.qs[q].done >= target[q];
		if (all || h.cyc > guard)
			break;
		for (unsigned q : queues) {
			host_q &hq = H.qs[q];
			uint64_t want = target[q] - hq.done;
			if (hq.pend.size() < want && H.room(hq) > 0 && (h.rng() % 4) == 0) {
				unsigned n = 1 + h.rng() % H.room(hq);
				n = (unsigned)std::min<uint64_t>(n, want - hq.pend.size());
				for (unsigned i = 0; i < n; i++) {
					unsigned slot = slots[h.rng() % slots.size()];
					H.submit(q, slot, pick_kind(h, bad_pct), h.rng() & 1);
					submitted_total++;
				}
				H.doorbell(q);
			}
			if ((h.rng() % 8) == 0)
				H.reap(q, 1 + h.rng() % 8, true, name);
		}
		for (int i = 0; i < 20; i++)
			h.tick();
	}
	for (unsigned q : queues)
		check(H.qs[q].done >= target[q], std::string(name) + ": every descriptor of q" +
							std::to_string(q) + " completed");
	printf("%s: %u descriptors on %zu queues in %llu clocks\n", name, submitted_total,
	       queues.size(), (unsigned long long)h.cyc);
}

static void drain(host &H, const char *name)
{
	harness &h = H.h;
	uint64_t guard = h.cyc + 2000000;
	for (;;) {
		bool empty = true;
		for (auto &p : H.qs) {
			H.reap(p.first, 1000, true, name);
			empty = empty && p.second.pend.empty();
		}
		if (empty || h.cyc > guard)
			break;
		for (int i = 0; i < 20; i++)
			h.tick();
	}
	for (auto &p : H.qs)
		check(p.second.pend.empty(), std::string(name) + ": q" + std::to_string(p.first) +
						     " drained");
}

static bool regs_at_reset(harness &h)
{
	bool ok = true;
	ok &= h.rd(FTLS_HW_REG_ID_VERSION) >> 16 == FTLS_HW_MAGIC;
	ok &= h.rd(FTLS_HW_REG_CTRL) == 0;
	ok &= h.rd(FTLS_HW_REG_STATUS) == FTLS_HW_STATUS_IDLE_MASK;
	for (uint32_t r = FTLS_HW_REG_CNT_DESC_OK; r < FTLS_HW_REG_CNT_CYCLES; r += 4)
		ok &= h.rd(r) == 0;
	for (unsigned q = 0; q < FTLS_HW_NUM_QUEUES; q++) {
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_LO)) == 0;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_HI)) == 0;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_SIZE)) == 1;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_TAIL)) == 0;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_HEAD)) == 0;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_LO)) == 0;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_HI)) == 0;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_SIZE)) == 1;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_HEAD)) == 0;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_TAIL)) == 0;
		ok &= h.rd(FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL)) == 0;
	}
	return ok;
}

// One descriptor on q, waited for; returns its status and leaves the output at its dst.
static uint16_t one(host &H, unsigned q, unsigned slot, bool open, expect *out = nullptr)
{
	H.submit(q, slot, K_GOOD, open);
	expect &e = H.qs[q].pend.back();
	e.status = 0xffff; // the caller judges
	if (out)
		*out = e;
	H.doorbell(q);
	host_q &hq = H.qs[q];
	unsigned i = hq.head & ((1u << hq.cq_log2) - 1);
	const uint8_t *c = H.h.mem.data() + hq.cq + 16 * (uint64_t)i;
	for (int t = 0; t < 200000 && (c[FTLS_HW_CPL_PHASE_OFF] & 1) != hq.phase; t++)
		H.h.tick();
	uint16_t st = (uint16_t)get_le(c + FTLS_HW_CPL_STATUS_OFF, 2);
	if (st != FTLS_HW_STATUS_OK && out)
		out->len = 0;
	hq.pend.back().status = st; // judged by the caller; reap only checks order and bytes
	if (st == FTLS_HW_STATUS_OK) {
		// reap compares the output with the reference of the key the host thinks is loaded
	}
	H.reap(q, 1, true, "one");
	return st;
}

int main(int argc, char **argv)
{
	uint64_t seed = 1;
	unsigned count = 150;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], nullptr, 0);
		else if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = (unsigned)atoi(argv[++i]);
	}
	// Registers start random (the seed fixed, so a run is repeatable): reset must set them.
	Verilated::threadContextp()->randSeed((int)(seed & 0x7fffffff) | 1);
	Verilated::threadContextp()->randReset(2);
	harness h(seed);
	host H(h);

	// 1. Registers at reset. The slot memory starts random too: the sweep must zero it.
	{
		uint32_t st = h.rd(FTLS_HW_REG_STATUS);
		check((st & FTLS_HW_STATUS_KEY_BUSY_MASK) != 0, "KEY_BUSY while the power-on sweep runs");
		unsigned busy = 1 + h.wait_key_idle();
		printf("power-on key slot sweep: KEY_BUSY read 1 for %u clocks (%u slots)\n", busy,
		       (unsigned)FTLS_HW_NUM_KEY_SLOTS);
		check(busy >= FTLS_HW_NUM_KEY_SLOTS && busy <= FTLS_HW_NUM_KEY_SLOTS + 4,
		      "the sweep takes one clock per slot");
		unsigned nz = h.slots_nonzero();
		check(nz == 0, "power-on: every byte of every key slot zero after the sweep (" +
				       std::to_string(nz) + " slots not)");
	}
	check(regs_at_reset(h), "registers at their reset values after power-on reset");
	check(h.gcm_state_zero(), "no key state in the GCM engine after power-on reset");

	// 2. Traffic: three suites on three slots, three queues (one with a completion ring smaller
	// than its submission ring), DMA answers delayed at random, requests back-pressured.
	H.load(1, H.random_key(FTLS_HW_ALG_AES128_GCM, true));
	H.load(2, H.random_key(FTLS_HW_ALG_AES256_GCM, false));
	H.load(3, H.random_key(FTLS_HW_ALG_CHACHA_POLY, true));
	H.load(4, H.random_key(FTLS_HW_ALG_AES128_GCM, false));
	H.zeroize(H.empty_slot);
	H.setup_q(0, 4, 4);
	H.setup_q(3, 3, 2);  // 8 descriptors, 4 completions: the core must wait for CQ_HEAD
	H.setup_q(6, 4, 4);
	h.wr(FTLS_HW_REG_CTRL, FTLS_HW_CTRL_ENABLE_MASK);
	h.max_delay = 6;
	h.rd_ready_pct = 70;
	h.wr_ready_pct = 70;
	traffic(H, {0, 3, 6}, {1, 2, 3, 4}, count, 25, "traffic");
	drain(H, "traffic");
	for (unsigned k = 1; k < K_NKINDS; k++)
		check(H.kinds[k] > 0, "bad-descriptor kind " + std::to_string(k) + " exercised");
	printf("kinds:");
	for (unsigned k = 0; k < K_NKINDS; k++)
		printf(" %u", H.kinds[k]);
	printf("\n");

	// 3. Full speed (DMA every clock): short records back to back, in flight together.
	h.max_delay = 0;
	h.rd_ready_pct = h.wr_ready_pct = 100;
	H.big = false;
	traffic(H, {0, 6}, {1, 3}, count / 2, 0, "fast");
	drain(H, "fast");
	H.big = true;

	// 4. Zeroize forgets; LOAD over a slot replaces; nothing of the old key stays in the core.
	{
		expect e;
		check(one(H, 0, 1, false, &e) == FTLS_HW_STATUS_OK, "seal on slot 1 before zeroize");
		check(!h.gcm_state_zero(), "the inspection sees the GCM engine's cached key");
		key_t_ old = H.keys[1];
		H.zeroize(1);
		for (int i = 0; i < 40; i++)
			h.tick();
		check(h.gcm_state_zero(), "zeroize: GCM key, round keys, H, keystream, E(J0) all zero");
		H.loaded[1] = false;
		check(one(H, 0, 1, false) == FTLS_HW_STATUS_BAD_SLOT, "after zeroize: BAD_SLOT");
		check(one(H, 0, 1, true) == FTLS_HW_STATUS_BAD_SLOT, "after zeroize: open BAD_SLOT");
		key_t_ nk = H.random_key(FTLS_HW_ALG_AES128_GCM, true);
		H.load(1, nk);
		for (int i = 0; i < 40; i++)
			h.tick();
		check(h.gcm_state_zero(), "LOAD: the GCM engine forgot the key it cached");
		// reap() compared the output with the new key's reference (the old key would give
		// other bytes: the keys differ).
		check(old.key != nk.key, "the new key differs from the old one");
		expect e2;
		check(one(H, 0, 1, false, &e2) == FTLS_HW_STATUS_OK, "seal after LOAD of a new key");
		check(memcmp(h.mem.data() + e2.dst, e2.out.data(), e2.out.size()) == 0,
		      "after LOAD the record matches the new key");
		// Zeroize while descriptors on the slot are in flight: each either ran with the key it
		// was fetched with or failed BAD_SLOT; later ones fail.
		for (int i = 0; i < 6; i++) {
			H.submit(0, 1, K_GOOD, i & 1);
			H.qs[0].pend.back().status = 0xffff;
		}
		H.doorbell(0);
		for (int i = 0; i < 30; i++)
			h.tick();
		H.zeroize(1);
		H.submit(0, 1, K_GOOD, false);
		H.qs[0].pend.back().status = FTLS_HW_STATUS_BAD_SLOT;
		H.qs[0].pend.back().len = 0;
		H.doorbell(0);
		drain(H, "zeroize in flight");
		for (int i = 0; i < 40; i++)
			h.tick();
		check(h.gcm_state_zero(), "zeroize in flight: GCM engine state zero once drained");
		H.load(1, H.random_key(FTLS_HW_ALG_AES128_GCM, true));
	}

	// 5. Reset in the middle of traffic, both directions, several queues.
	{
		h.max_delay = 4;
		h.rd_ready_pct = h.wr_ready_pct = 80;
		for (unsigned q : {0u, 6u}) {
			while (H.room(H.qs[q]))
				H.submit(q, (q == 0) ? 1 : 3, K_GOOD, h.rng() & 1);
			H.doorbell(q);
		}
		unsigned run = 100 + h.rng() % 600;
		for (unsigned i = 0; i < run; i++)
			h.tick();
		check(!h.gcm_state_zero(), "reset test: the GCM engine holds a key before the reset");
		check(h.slots_nonzero() >= 4, "reset test: the inspection sees the loaded key slots");
		uint32_t infl = h.rd(FTLS_HW_REG_STATUS);
		check((infl & FTLS_HW_STATUS_IDLE_MASK) == 0, "reset test: the core is busy when reset hits");
		uint64_t w_in_reset = h.reset(3);
		check(w_in_reset == 0, "no DMA write after the reset edge");
		uint64_t w0 = h.writes, r0 = h.reads;
		for (int i = 0; i < 500; i++)
			h.tick();
		check(h.writes == w0 && h.reads == r0, "no DMA at all after reset until programmed");
		check(regs_at_reset(h), "every register at its reset value after reset in traffic");
		check(h.gcm_state_zero(), "GCM engine key state zero after reset in traffic");
		check(h.slots_nonzero() == 0, "every key slot zero after reset in traffic");
		for (auto &p : H.qs) {
			p.second.pend.clear();
			p.second.tail = p.second.head = 0;
			p.second.phase = 1;
			p.second.gen++;
		}
		H.setup_q(0, 4, 4);
		H.setup_q(6, 4, 4);
		h.wr(FTLS_HW_REG_CTRL, FTLS_HW_CTRL_ENABLE_MASK);
		// Every slot is empty now.
		for (unsigned s : {1u, 2u, 3u, 4u}) {
			check(one(H, 0, s, false) == FTLS_HW_STATUS_BAD_SLOT,
			      "after reset slot " + std::to_string(s) + " is empty");
		}
		check(h.writes > w0, "fresh traffic writes after reset");
		H.load(1, H.random_key(FTLS_HW_ALG_AES128_GCM, true));
		H.load(2, H.random_key(FTLS_HW_ALG_AES256_GCM, false));
		H.load(3, H.random_key(FTLS_HW_ALG_CHACHA_POLY, true));
		H.load(4, H.random_key(FTLS_HW_ALG_AES256_GCM, true));
		traffic(H, {0, 6}, {1, 2, 3, 4}, count / 3, 10, "after reset");
		drain(H, "after reset");
	}

	// 5b. The sweep after reset, close up: keys in slots all over the memory (every field
	// filled), reset in the middle of traffic; while the sweep runs STATUS.KEY_BUSY reads 1, a
	// queue programmed and rung is not fetched and a LOAD written is held; afterwards every byte
	// of every slot is zero but the held LOAD's, and the descriptor runs with that key.
	{
		const unsigned far[] = {0, 9, 100, 254, 255};
		for (unsigned s : far) {
			uint8_t kb[32], ivb[12], mb[48];
			for (auto &b : kb)
				b = (uint8_t)(h.rng() | 1);
			for (auto &b : ivb)
				b = (uint8_t)(h.rng() | 1);
			for (auto &b : mb)
				b = (uint8_t)(h.rng() | 1);
			h.load_raw(s, FTLS_HW_ALG_AES256_CBC_SHA256 | FTLS_HW_KEY_WIN_ALG_TLS13_MASK, kb, ivb, mb);
			check(h.slot_key(s) == bytes(kb, kb + 32),
			      "the inspection reads slot " + std::to_string(s) + "'s key as loaded");
		}
		unsigned before = h.slots_nonzero();
		check(before >= 9, "sweep test: slots 0, 9, 100, 254, 255 and 1..4 hold keys (" +
					   std::to_string(before) + " do)");
		h.max_delay = 3;
		h.rd_ready_pct = h.wr_ready_pct = 90;
		for (unsigned q : {0u, 6u}) {
			while (H.room(H.qs[q]))
				H.submit(q, (q == 0) ? 2 : 4, K_GOOD, h.rng() & 1);
			H.doorbell(q);
		}
		unsigned run = 50 + h.rng() % 400;
		for (unsigned i = 0; i < run; i++)
			h.tick();
		check((h.rd(FTLS_HW_REG_STATUS) & FTLS_HW_STATUS_IDLE_MASK) == 0,
		      "sweep test: the core is busy when reset hits");
		h.reset(2 + h.rng() % 3);
		uint64_t r0 = h.reads;
		uint64_t c0 = h.cyc;
		uint32_t st = h.rd(FTLS_HW_REG_STATUS);
		check(st == (FTLS_HW_STATUS_KEY_BUSY_MASK | FTLS_HW_STATUS_IDLE_MASK),
		      "sweep: STATUS reads KEY_BUSY|IDLE right after reset");
		for (auto &p : H.qs) {
			p.second.pend.clear();
			p.second.tail = p.second.head = 0;
			p.second.phase = 1;
			p.second.gen++;
		}
		for (unsigned s = 1; s <= 4; s++)
			H.loaded[s] = false;
		// During the sweep: a LOAD (held), a queue set up and enabled, a descriptor rung.
		key_t_ nk = H.random_key(FTLS_HW_ALG_AES256_GCM, true);
		H.load(1, nk);
		check((h.rd(FTLS_HW_REG_STATUS) & FTLS_HW_STATUS_KEY_BUSY_MASK) != 0,
		      "sweep: KEY_BUSY still 1 after the LOAD written during it");
		H.setup_q(0, 4, 4);
		h.wr(FTLS_HW_REG_CTRL, FTLS_HW_CTRL_ENABLE_MASK);
		H.submit(0, 1, K_GOOD, false);
		H.doorbell(0);
		unsigned busy = 0;
		bool fetched = false;
		while (busy < 100000 && (h.rd(FTLS_HW_REG_STATUS) & FTLS_HW_STATUS_KEY_BUSY_MASK)) {
			fetched = fetched || h.reads != r0;
			busy++;
		}
		unsigned len = (unsigned)(h.cyc - c0 - 1);
		printf("key slot sweep after reset: KEY_BUSY read 1 for %u clocks after reset (%u slots)\n",
		       len, (unsigned)FTLS_HW_NUM_KEY_SLOTS);
		check(!fetched, "sweep: no descriptor fetched while KEY_BUSY reads 1");
		check(len >= FTLS_HW_NUM_KEY_SLOTS && len <= FTLS_HW_NUM_KEY_SLOTS + 4,
		      "sweep: one clock per slot");
		unsigned nz = h.slots_nonzero(1);
		check(nz == 0, "sweep: every byte of every key slot but the held LOAD's is zero (" +
				       std::to_string(nz) + " slots not)");
		bytes want(32, 0);
		memcpy(want.data(), nk.key.data(), 32);
		check(h.slot_key(1) == want, "sweep: the LOAD written during the sweep was applied after it");
		drain(H, "after sweep");
		check(H.qs[0].ok >= 1 && H.qs[0].done == 1,
		      "sweep: the descriptor rung during the sweep ran with the held key");
		H.setup_q(6, 4, 4);
		H.load(2, H.random_key(FTLS_HW_ALG_AES256_GCM, false));
		H.load(3, H.random_key(FTLS_HW_ALG_CHACHA_POLY, true));
		H.load(4, H.random_key(FTLS_HW_ALG_AES128_GCM, true));
		traffic(H, {0, 6}, {1, 2, 3, 4}, count / 6, 0, "after sweep");
		drain(H, "after sweep traffic");
	}

	// 6. A queue disabled and re-enabled in the middle of traffic: nothing from before lands in
	// the reset ring; the other queue is untouched; new traffic is right.
	{
		H.setup_q(3, 3, 3);
		for (int round = 0; round < 6; round++) {
			for (unsigned q : {0u, 3u}) {
				while (H.room(H.qs[q]))
					H.submit(q, 1 + h.rng() % 4, K_GOOD, h.rng() & 1);
				H.doorbell(q);
			}
			unsigned run = 50 + h.rng() % 1500;
			for (unsigned i = 0; i < run; i++)
				h.tick();
			H.reap(3, 1000, true, "before requeue");
			H.requeue(0);
			// Whatever lands in q0's ring from here on must be new traffic: check by cookies.
			for (int i = 0; i < 3000; i++)
				h.tick();
			host_q &q0 = H.qs[0];
			bool clean = true;
			for (unsigned i = 0; i < (1u << q0.cq_log2); i++)
				clean = clean && h.mem[q0.cq + 16 * i + FTLS_HW_CPL_PHASE_OFF] == 0;
			check(clean, "no completion from before the queue reset lands in the reset ring");
			check(h.rd(FTLS_HW_QREG(0, FTLS_HW_Q_SQ_HEAD)) == 0 &&
				      h.rd(FTLS_HW_QREG(0, FTLS_HW_Q_CQ_TAIL)) == 0,
			      "queue reset: SQ_HEAD and CQ_TAIL back to 0");
			traffic(H, {0, 3}, {1, 2, 3, 4}, 20, 10, "after requeue");
			drain(H, "after requeue");
		}
	}

	// 7. Counters add up.
	{
		uint32_t ok = h.rd(FTLS_HW_REG_CNT_DESC_OK), err = h.rd(FTLS_HW_REG_CNT_DESC_ERR);
		uint64_t okh = 0;
		for (auto &p : H.qs)
			okh += p.second.ok;
		printf("counters since reset: %u ok, %u errors\n", ok, err);
		check(ok > 0 && err > 0, "counters count");
	}

	printf("hw-top: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail ? 1 : 0;
}
