// SPDX-License-Identifier: Apache-2.0
// Shared Verilator driver for the record engines (chacha_poly_engine, cbc_hmac_engine): it runs
// one job through the common port contract (job, in beats, out beats, completion), with optional
// random stalls on both streams, and returns what the engine produced and how many clocks it took.
// It also holds the small pass/fail bookkeeping and the hex-vector reader both testbenches use.
// It knows nothing about any algorithm; the testbenches compare against OpenSSL and Wycheproof.
#pragma once

#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "verilated.h"

namespace engtb {

using bytes = std::vector<uint8_t>;

struct job {
  bool open = false;
  unsigned alg = 0;
  uint8_t key[32] = {};
  uint8_t mac_key[48] = {};
  uint8_t nonce[12] = {};
  uint8_t iv[16] = {};
  uint8_t aad[13] = {};
  unsigned aad_len = 0;
  uint8_t tag[16] = {};
  bytes in;            // payload; sent as ceil(len/16) zero-padded beats
  int len = -1;        // job_len_i; -1 means in.size()
  bool bad_last = false;  // assert in_last_i on the wrong beat (protocol error test)
};

struct result {
  bytes out;           // every out beat, 16 bytes each
  bool ok = false;
  unsigned len = 0;
  uint8_t tag[16] = {};
  uint64_t cycles = 0;  // from job accepted to completion taken
  bool timeout = false;
  bool last_flag_ok = true;  // out_last_o exactly on the final out beat
};

// Byte i of a field goes to bits [nbits-1-8i -: 8] (byte 0 is the most significant).
template <std::size_t N>
static void put(VlWide<N>& w, unsigned nbits, const uint8_t* b, unsigned nb) {
  for (std::size_t i = 0; i < N; i++) w[i] = 0;
  for (unsigned i = 0; i < nb && i < nbits / 8; i++) {
    unsigned pos = nbits - 8 * (i + 1);
    w[pos / 32] |= static_cast<uint32_t>(b[i]) << (pos % 32);
  }
}

template <std::size_t N>
static void get(const VlWide<N>& w, unsigned nbits, uint8_t* b, unsigned nb) {
  for (unsigned i = 0; i < nb && i < nbits / 8; i++) {
    unsigned pos = nbits - 8 * (i + 1);
    b[i] = static_cast<uint8_t>(w[pos / 32] >> (pos % 32));
  }
}

template <class M>
static void tick(M& m) {
  m.clk_i = 1;
  m.eval();
  m.clk_i = 0;
  m.eval();
}

template <class M>
static void reset(M& m) {
  m.rst_ni = 0;
  m.job_valid_i = 0;
  m.in_valid_i = 0;
  m.out_ready_i = 0;
  m.done_ready_i = 0;
  for (int i = 0; i < 4; i++) tick(m);
  m.rst_ni = 1;
  tick(m);
}

// Run one job. stall_pct: percentage of cycles on which in_valid_i / out_ready_i / done_ready_i are
// held low at random, to exercise back-pressure. max_cycles guards against a hung engine.
template <class M>
static result run(M& m, const job& j, std::mt19937& rng, unsigned stall_pct = 0,
                  uint64_t max_cycles = 2000000) {
  result r;
  const unsigned len = j.len < 0 ? static_cast<unsigned>(j.in.size()) : static_cast<unsigned>(j.len);
  const unsigned beats = (static_cast<unsigned>(j.in.size()) + 15) / 16;
  auto stall = [&]() { return stall_pct != 0 && (rng() % 100) < stall_pct; };

  m.job_open_i = j.open;
  m.job_alg_i = j.alg;
  put(m.job_key_i, 256, j.key, 32);
  put(m.job_mac_key_i, 384, j.mac_key, 48);
  put(m.job_nonce_i, 96, j.nonce, 12);
  put(m.job_iv_i, 128, j.iv, 16);
  put(m.job_aad_i, 104, j.aad, 13);
  m.job_aad_len_i = j.aad_len;
  put(m.job_tag_i, 128, j.tag, 16);
  m.job_len_i = len;
  m.job_valid_i = 1;

  bool accepted = false, done = false;
  unsigned sent = 0, lasts = 0;
  bool final_last = false;
  uint64_t cyc = 0;
  while (!done) {
    if (cyc++ > max_cycles) {
      r.timeout = true;
      break;
    }
    // Present this cycle's inputs.
    bool inv = accepted && sent < beats && !stall();
    m.in_valid_i = inv;
    if (inv) {
      uint8_t beat[16] = {};
      for (unsigned i = 0; i < 16 && 16 * sent + i < j.in.size(); i++) beat[i] = j.in[16 * sent + i];
      put(m.in_data_i, 128, beat, 16);
      m.in_last_i = j.bad_last ? (sent == 0) : (sent + 1 == beats);
    }
    m.out_ready_i = !stall();
    m.done_ready_i = !stall();
    m.eval();
    // Sample handshakes on this edge.
    bool job_fire = !accepted && m.job_valid_i && m.job_ready_o;
    bool in_fire = inv && m.in_ready_o;
    if (m.out_valid_o && m.out_ready_i) {
      uint8_t beat[16];
      get(m.out_data_o, 128, beat, 16);
      r.out.insert(r.out.end(), beat, beat + 16);
      if (m.out_last_o) lasts++;
      final_last = m.out_last_o;
    }
    if (m.done_valid_o && m.done_ready_i && accepted) {
      r.ok = m.done_ok_o;
      r.len = m.done_len_o;
      get(m.done_tag_o, 128, r.tag, 16);
      done = true;
    }
    tick(m);
    if (job_fire) {
      accepted = true;
      m.job_valid_i = 0;
      r.cycles = 0;
    }
    if (in_fire) sent++;
    if (accepted) r.cycles++;
  }
  m.in_valid_i = 0;
  m.out_ready_i = 0;
  m.done_ready_i = 0;
  m.job_valid_i = 0;
  if (!r.timeout && sent != beats) r.timeout = true;
  r.last_flag_ok = r.out.empty() ? lasts == 0 : (lasts == 1 && final_last);
  return r;
}

// Run several jobs back to back through one engine, the way a host interface with a deep queue
// would: job i is offered as soon as job i-1 was accepted, input beats follow in job order, out
// beats and completions are matched to jobs in order. stall_pct stalls job_valid_i, in_valid_i,
// out_ready_i and done_ready_i at random. Each result's cycles is the clock (counted from the first
// job offer) on which its completion was taken; *total gets the clocks until the last completion.
template <class M>
static std::vector<result> run_many(M& m, const std::vector<job>& jobs, std::mt19937& rng, unsigned stall_pct = 0,
                                    uint64_t* total = nullptr, uint64_t max_cycles = 20000000) {
  std::vector<result> rs(jobs.size());
  std::vector<unsigned> lasts(jobs.size(), 0);
  std::vector<bool> final_last(jobs.size(), false);
  auto stall = [&]() { return stall_pct != 0 && (rng() % 100) < stall_pct; };
  std::size_t nacc = 0, nin = 0, nout = 0;  // jobs accepted; job whose input is being sent; jobs completed
  unsigned sent = 0;                        // beats of job nin sent
  uint64_t cyc = 0;
  bool timeout = false;
  auto beats_of = [](const job& j) { return (static_cast<unsigned>(j.in.size()) + 15) / 16; };
  while (nout < jobs.size()) {
    if (cyc > max_cycles) {
      timeout = true;
      break;
    }
    // Skip input of jobs without beats.
    while (nin < nacc && sent == beats_of(jobs[nin])) {
      nin++;
      sent = 0;
    }
    bool jv = nacc < jobs.size() && !stall();
    if (jv) {
      const job& j = jobs[nacc];
      m.job_open_i = j.open;
      m.job_alg_i = j.alg;
      put(m.job_key_i, 256, j.key, 32);
      put(m.job_mac_key_i, 384, j.mac_key, 48);
      put(m.job_nonce_i, 96, j.nonce, 12);
      put(m.job_iv_i, 128, j.iv, 16);
      put(m.job_aad_i, 104, j.aad, 13);
      m.job_aad_len_i = j.aad_len;
      put(m.job_tag_i, 128, j.tag, 16);
      m.job_len_i = j.len < 0 ? static_cast<unsigned>(j.in.size()) : static_cast<unsigned>(j.len);
    }
    m.job_valid_i = jv;
    bool inv = nin < nacc && sent < beats_of(jobs[nin]) && !stall();
    m.in_valid_i = inv;
    if (inv) {
      const job& j = jobs[nin];
      uint8_t beat[16] = {};
      for (unsigned i = 0; i < 16 && 16 * sent + i < j.in.size(); i++) beat[i] = j.in[16 * sent + i];
      put(m.in_data_i, 128, beat, 16);
      m.in_last_i = j.bad_last ? (sent == 0) : (sent + 1 == beats_of(j));
    }
    m.out_ready_i = !stall();
    m.done_ready_i = !stall();
    m.eval();
    bool job_fire = jv && m.job_ready_o;
    bool in_fire = inv && m.in_ready_o;
    if (m.out_valid_o && m.out_ready_i && nout < jobs.size()) {
      uint8_t beat[16];
      get(m.out_data_o, 128, beat, 16);
      rs[nout].out.insert(rs[nout].out.end(), beat, beat + 16);
      if (m.out_last_o) lasts[nout]++;
      final_last[nout] = m.out_last_o;
    }
    if (m.done_valid_o && m.done_ready_i && nout < nacc) {
      rs[nout].ok = m.done_ok_o;
      rs[nout].len = m.done_len_o;
      get(m.done_tag_o, 128, rs[nout].tag, 16);
      rs[nout].cycles = cyc;
      nout++;
    }
    tick(m);
    cyc++;
    if (job_fire) nacc++;
    if (in_fire) sent++;
  }
  m.job_valid_i = 0;
  m.in_valid_i = 0;
  m.out_ready_i = 0;
  m.done_ready_i = 0;
  for (std::size_t i = 0; i < jobs.size(); i++) {
    rs[i].timeout = i >= nout || timeout;
    rs[i].last_flag_ok = rs[i].out.empty() ? lasts[i] == 0 : (lasts[i] == 1 && final_last[i]);
  }
  if (total) *total = cyc;
  return rs;
}

// Pass/fail bookkeeping: every check prints on failure and counts.
struct tally {
  const char* name;
  unsigned pass = 0, fail = 0, skip = 0;
  void check(bool cond, const std::string& what) {
    if (cond) {
      pass++;
    } else {
      fail++;
      if (fail <= 40) std::printf("%s: FAIL %s\n", name, what.c_str());
    }
  }
};

static bytes unhex(const std::string& s) {
  bytes b;
  if (s == "-") return b;
  for (std::size_t i = 0; i + 1 < s.size(); i += 2) b.push_back(static_cast<uint8_t>(std::stoul(s.substr(i, 2), nullptr, 16)));
  return b;
}

static std::string hex(const uint8_t* p, std::size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (std::size_t i = 0; i < n; i++) {
    s += d[p[i] >> 4];
    s += d[p[i] & 15];
  }
  return s;
}

struct vec {
  int id = 0;
  std::string result;
  bytes key, iv, aad, msg, ct, tag;
};

// Read the lines written by chacha_cbc_vectors.py.
static std::vector<vec> load_vectors(const char* path) {
  std::vector<vec> v;
  std::ifstream f(path);
  std::string line;
  while (std::getline(f, line)) {
    std::istringstream ls(line);
    vec x;
    std::string k, iv, aad, msg, ct, tag;
    if (!(ls >> x.id >> x.result >> k >> iv >> aad >> msg >> ct >> tag)) continue;
    x.key = unhex(k);
    x.iv = unhex(iv);
    x.aad = unhex(aad);
    x.msg = unhex(msg);
    x.ct = unhex(ct);
    x.tag = unhex(tag);
    v.push_back(x);
  }
  return v;
}

}  // namespace engtb
