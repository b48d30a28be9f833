// SPDX-License-Identifier: BSD-3-Clause
// Self-checking Verilator testbench for hw/rtl/aes_gcm_engine.sv: Wycheproof AES-GCM cases (from
// the hex file hw/tb/wycheproof_gcm.py writes), random records checked against OpenSSL's EVP
// (seal, open, open with a flipped tag bit, random stalls on both streams, key-cache hits and
// misses) and a throughput measurement at 16 KiB. The exit status is the verdict; the last line
// is "aes_gcm: N passed, N failed". Not for: the host interface (sim/tests).
#include <openssl/evp.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "Vaes_gcm_engine.h"
#include "verilated.h"

typedef std::vector<uint8_t> bytes;

static int g_pass, g_fail;

static void check(bool ok, const std::string &what)
{
	if (ok) {
		g_pass++;
	} else {
		g_fail++;
		printf("FAIL %s\n", what.c_str());
	}
}

// Field of `width` bits, byte 0 in the top byte; words[0] holds bits 31:0.
static void put(uint32_t *w, int width, const uint8_t *b, size_t n)
{
	for (int i = 0; i < (width + 31) / 32; i++)
		w[i] = 0;
	for (size_t i = 0; i < n && (int)i < width / 8; i++) {
		int lo = width - 8 - 8 * (int)i;
		w[lo / 32] |= (uint32_t)b[i] << (lo % 32);
	}
}

static void get(const uint32_t *w, int width, uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int lo = width - 8 - 8 * (int)i;
		b[i] = (uint8_t)(w[lo / 32] >> (lo % 32));
	}
}

static bytes unhex(const std::string &s)
{
	bytes b;
	if (s == "-")
		return b;
	for (size_t i = 0; i + 1 < s.size(); i += 2)
		b.push_back((uint8_t)strtoul(s.substr(i, 2).c_str(), nullptr, 16));
	return b;
}

static std::string hex(const bytes &b)
{
	std::string s;
	char t[3];
	for (uint8_t c : b) {
		snprintf(t, sizeof(t), "%02x", c);
		s += t;
	}
	return s;
}

struct job_result {
	bytes out;
	uint8_t tag[16];
	bool ok;
	bool timeout;
	uint64_t cycles; // job accepted -> done
};

class harness {
public:
	Vaes_gcm_engine m;
	uint64_t cyc = 0;
	std::mt19937_64 rng;

	explicit harness(uint64_t seed) : rng(seed)
	{
		m.rst_ni = 0;
		m.clk_i = 0;
		for (int i = 0; i < 4; i++)
			tick();
		m.rst_ni = 1;
	}
	void tick()
	{
		m.clk_i = 1;
		m.eval();
		m.clk_i = 0;
		m.eval();
		cyc++;
	}

	job_result run(bool open, const bytes &key, const bytes &nonce, const bytes &aad,
		       const bytes &in, const uint8_t *tag, bool stress)
	{
		job_result r{};
		m.job_open_i = open;
		m.job_alg_i = key.size() == 32 ? 2 : 1;
		put(m.job_key_i.data(), 256, key.data(), key.size());
		put(m.job_nonce_i.data(), 96, nonce.data(), 12);
		put(m.job_aad_i.data(), 104, aad.data(), aad.size());
		m.job_aad_len_i = (uint8_t)aad.size();
		put(m.job_tag_i.data(), 128, tag, tag ? 16 : 0);
		m.job_len_i = (uint16_t)in.size();
		m.job_valid_i = 1;
		m.eval();
		while (!m.job_ready_o)
			tick();
		tick(); // accepted on this edge
		m.job_valid_i = 0;
		uint64_t start = cyc;
		size_t nbeats = (in.size() + 15) / 16, sent = 0;
		for (uint64_t guard = 0;; guard++) {
			if (guard > 200000) {
				r.timeout = true;
				return r;
			}
			bool give = sent < nbeats && (!stress || (rng() & 3) != 0);
			m.in_valid_i = give;
			uint8_t beat[16] = {0};
			if (give) {
				size_t n = std::min<size_t>(16, in.size() - 16 * sent);
				memcpy(beat, in.data() + 16 * sent, n);
			}
			put(m.in_data_i.data(), 128, beat, 16);
			m.in_last_i = give && sent + 1 == nbeats;
			m.out_ready_i = !stress || (rng() % 3) != 0;
			m.done_ready_i = !stress || (rng() & 1);
			m.eval();
			bool in_fire = m.in_valid_i && m.in_ready_o;
			if (m.out_valid_o && m.out_ready_i) {
				uint8_t ob[16];
				get(m.out_data_o.data(), 128, ob, 16);
				r.out.insert(r.out.end(), ob, ob + 16);
			}
			bool done = m.done_valid_o && m.done_ready_i;
			if (done) {
				get(m.done_tag_o.data(), 128, r.tag, 16);
				r.ok = m.done_ok_o;
				check(m.done_len_o == in.size(), "done_len");
			}
			tick();
			if (in_fire)
				sent++;
			if (done)
				break;
		}
		r.cycles = cyc - start;
		check(r.out.size() == 16 * nbeats, "output beat count");
		// The padding of the last beat must be zero.
		bool pad0 = true;
		for (size_t i = in.size(); i < r.out.size(); i++)
			pad0 = pad0 && r.out[i] == 0;
		check(pad0, "last beat zero-padded");
		r.out.resize(in.size());
		return r;
	}
};

static bool ossl_seal(const bytes &key, const bytes &nonce, const bytes &aad, const bytes &pt,
		      bytes &ct, uint8_t tag[16])
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int n = 0, ok = c != nullptr;
	ct.assign(pt.size(), 0);
	ok = ok && EVP_EncryptInit_ex(c, key.size() == 32 ? EVP_aes_256_gcm() : EVP_aes_128_gcm(),
				      nullptr, key.data(), nonce.data());
	ok = ok && EVP_EncryptUpdate(c, nullptr, &n, aad.data(), (int)aad.size());
	ok = ok && EVP_EncryptUpdate(c, ct.data(), &n, pt.data(), (int)pt.size());
	ok = ok && EVP_EncryptFinal_ex(c, ct.data() + n, &n);
	ok = ok && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, 16, tag);
	EVP_CIPHER_CTX_free(c);
	return ok;
}

static void run_wycheproof(harness &h, const char *path)
{
	std::ifstream f(path);
	if (!f) {
		check(false, std::string("cannot open ") + path);
		return;
	}
	std::string line;
	int cases = 0;
	while (std::getline(f, line)) {
		std::istringstream is(line);
		std::string id, k, n, a, m, c, t, v;
		if (!(is >> id >> k >> n >> a >> m >> c >> t >> v))
			continue;
		bytes key = unhex(k), nonce = unhex(n), aad = unhex(a), msg = unhex(m),
		      ct = unhex(c), tag = unhex(t);
		bool valid = v == "1";
		cases++;
		std::string name = "wycheproof tcId " + id;
		job_result o = h.run(true, key, nonce, aad, ct, tag.data(), false);
		check(!o.timeout, name + " open timeout");
		check(o.ok == valid, name + " open verdict");
		if (valid) {
			check(o.out == msg, name + " open plaintext");
			job_result s = h.run(false, key, nonce, aad, msg, nullptr, false);
			check(s.out == ct, name + " seal ciphertext " + hex(s.out));
			check(memcmp(s.tag, tag.data(), 16) == 0, name + " seal tag");
		}
	}
	printf("wycheproof: %d cases\n", cases);
	check(cases > 0, "wycheproof vectors present");
}

static void run_random(harness &h, int count)
{
	bytes key;
	for (int i = 0; i < count; i++) {
		// A new key most of the time; the same key (cache hit) now and then.
		if (key.empty() || (h.rng() % 4) != 0) {
			key.assign((h.rng() & 1) ? 32 : 16, 0);
			for (auto &b : key)
				b = (uint8_t)h.rng();
		}
		size_t len;
		switch (h.rng() % 4) {
		case 0: len = h.rng() % 49; break;
		case 1: len = h.rng() % 300; break;
		case 2: len = h.rng() % 2100; break;
		default: len = (h.rng() % 8 == 0) ? 16384 + h.rng() % 257 : h.rng() % 5000; break;
		}
		bytes nonce(12), aad(h.rng() % 14), pt(len), ct;
		for (auto &b : nonce) b = (uint8_t)h.rng();
		for (auto &b : aad) b = (uint8_t)h.rng();
		for (auto &b : pt) b = (uint8_t)h.rng();
		uint8_t tag[16];
		check(ossl_seal(key, nonce, aad, pt, ct, tag), "openssl seal");
		bool stress = h.rng() & 1;
		std::string name = "random #" + std::to_string(i) + " len " + std::to_string(len) +
				   " aad " + std::to_string(aad.size()) + " key " +
				   std::to_string(key.size() * 8);
		job_result s = h.run(false, key, nonce, aad, pt, nullptr, stress);
		check(!s.timeout && s.out == ct && memcmp(s.tag, tag, 16) == 0 && s.ok,
		      name + " seal");
		job_result o = h.run(true, key, nonce, aad, ct, tag, stress);
		check(!o.timeout && o.ok && o.out == pt, name + " open");
		uint8_t bad[16];
		memcpy(bad, tag, 16);
		bad[h.rng() % 16] ^= (uint8_t)(1u << (h.rng() % 8));
		job_result x = h.run(true, key, nonce, aad, ct, bad, false);
		check(!x.timeout && !x.ok, name + " open with a bad tag must fail");
	}
	printf("random: %d records against OpenSSL\n", count);
}

static void run_throughput(harness &h)
{
	bytes key(16, 0x42), nonce(12, 7), aad(13, 1), pt(16384, 0x5a), ct;
	uint8_t tag[16];
	check(ossl_seal(key, nonce, aad, pt, ct, tag), "openssl seal");
	job_result first = h.run(false, key, nonce, aad, pt, nullptr, false);
	job_result s = h.run(false, key, nonce, aad, pt, nullptr, false); // key cached
	check(s.out == ct && memcmp(s.tag, tag, 16) == 0, "16 KiB seal");
	double bpc = 16384.0 * 8 / (double)s.cycles;
	printf("throughput: 16 KiB seal in %llu cycles (%llu with key expansion): %.1f bits/clock\n",
	       (unsigned long long)s.cycles, (unsigned long long)first.cycles, bpc);
	check(bpc >= 0.9 * 128, "16 KiB at >= 0.9 x 128 bits/clock");
}

int main(int argc, char **argv)
{
	const char *vectors = nullptr;
	int count = 200;
	uint64_t seed = 1;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vectors") && i + 1 < argc)
			vectors = argv[++i];
		else if (!strcmp(argv[i], "--random") && i + 1 < argc)
			count = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
			seed = strtoull(argv[++i], nullptr, 0);
	}
	harness h(seed);
	if (vectors)
		run_wycheproof(h, vectors);
	else
		check(false, "no --vectors file");
	run_random(h, count);
	run_throughput(h);
	printf("hw-gcm: %d passed, %d failed\n", g_pass, g_fail);
	return g_fail ? 1 : 0;
}
