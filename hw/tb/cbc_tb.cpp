// SPDX-License-Identifier: Apache-2.0
// Self-checking Verilator testbench for cbc_hmac_engine: Wycheproof AES-CBC (the cipher core, both
// directions, 128- and 256-bit keys), Wycheproof HMAC-SHA-256 (through a seal, keys up to 32 B,
// messages of at least the 13-byte AAD), and random TLS 1.2 records against OpenSSL (HMAC + raw
// AES-CBC) for all four suites: seal, open, long valid paddings, bad paddings, bad MACs, pad
// lengths past the record, flipped ciphertext, with stalls; open must take the same clocks for
// every record of a given length. Also the client records of the illustrated TLS 1.2 connection
// (AES128-SHA), opened and re-sealed byte for byte. Prints measured clocks per byte.
// Usage: cbc_tb AES_CBC.hex HMAC_SHA256.hex TLS12_CAPS_DIR [SEED]. The exit status is the verdict.
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdlib>
#include <iterator>
#include <map>

#include "Vcbc_hmac_engine.h"
#include "Vcbc_hmac_engine___024root.h"
#include "chacha_cbc_drv.h"

using namespace engtb;

namespace {

struct suite {
  unsigned alg;
  unsigned key_len;
  unsigned mac_len;
  const char* name;
};
const suite kSuites[] = {
    {4, 16, 20, "AES128-SHA"},
    {5, 32, 20, "AES256-SHA"},
    {6, 16, 32, "AES128-SHA256"},
    {7, 32, 32, "AES256-SHA256"},
};

bytes cbc_raw(bool enc, const uint8_t* key, unsigned key_len, const uint8_t* iv, const bytes& in) {
  EVP_CIPHER_CTX* c = EVP_CIPHER_CTX_new();
  const EVP_CIPHER* ciph = key_len == 16 ? EVP_aes_128_cbc() : EVP_aes_256_cbc();
  bytes out(in.size() + 16);
  int l = 0, l2 = 0;
  EVP_CipherInit_ex(c, ciph, nullptr, key, iv, enc ? 1 : 0);
  EVP_CIPHER_CTX_set_padding(c, 0);
  EVP_CipherUpdate(c, out.data(), &l, in.data(), static_cast<int>(in.size()));
  EVP_CipherFinal_ex(c, out.data() + l, &l2);
  EVP_CIPHER_CTX_free(c);
  out.resize(in.size());
  return out;
}

bytes hmac(unsigned mac_len, const uint8_t* key, unsigned key_len, const bytes& data) {
  uint8_t md[64];
  unsigned mdl = 0;
  HMAC(mac_len == 20 ? EVP_sha1() : EVP_sha256(), key, static_cast<int>(key_len), data.data(), data.size(), md,
       &mdl);
  return bytes(md, md + mdl);
}

struct record {
  bytes pt, mac, plain, ct;  // plain = pt || mac || padding
  uint8_t aad[13];
};

// A TLS 1.2 CBC record (RFC 5246 §6.2.3.2) with pad value pad (-1: minimal).
record make_record(const suite& s, const uint8_t* key, const uint8_t* mac_key, const uint8_t* iv, const bytes& pt,
                   const uint8_t* seq_type_ver, int pad) {
  record r;
  r.pt = pt;
  std::memcpy(r.aad, seq_type_ver, 11);
  r.aad[11] = static_cast<uint8_t>(pt.size() >> 8);
  r.aad[12] = static_cast<uint8_t>(pt.size());
  bytes m(r.aad, r.aad + 13);
  m.insert(m.end(), pt.begin(), pt.end());
  r.mac = hmac(s.mac_len, mac_key, s.mac_len, m);
  r.plain = pt;
  r.plain.insert(r.plain.end(), r.mac.begin(), r.mac.end());
  unsigned minpad = (16 - (r.plain.size() + 1) % 16) % 16;
  unsigned p = pad < 0 ? minpad : static_cast<unsigned>(pad);
  r.plain.insert(r.plain.end(), p + 1, static_cast<uint8_t>(p));
  r.ct = cbc_raw(true, key, s.key_len, iv, r.plain);
  return r;
}

job make_job(const suite& s, bool open, const uint8_t* key, const uint8_t* mac_key, const uint8_t* iv,
             const uint8_t* aad, const bytes& in) {
  job j;
  j.open = open;
  j.alg = s.alg;
  std::memcpy(j.key, key, s.key_len);
  std::memcpy(j.mac_key, mac_key, s.mac_len);
  std::memcpy(j.iv, iv, 16);
  std::memcpy(j.aad, aad, 13);
  j.aad_len = 13;
  j.in = in;
  return j;
}

// Round keys held in the AES pipeline's key memories (stage j: encrypt and decrypt memory, one
// entry per context): how many of the 15 x 2 x 8 entries are not all zero.
#define CBC_RK_MEM(j, which) m.rootp->cbc_hmac_engine__DOT__u_pipe__DOT__g_rk__BRA__##j##__KET____DOT__##which
#define CBC_RK_BOTH(j) {&CBC_RK_MEM(j, enc_mem), &CBC_RK_MEM(j, dec_mem)}
unsigned key_entries_nonzero(Vcbc_hmac_engine& m) {
  const VlUnpacked<VlWide<4>, 8>* mems[15][2] = {
      CBC_RK_BOTH(0),  CBC_RK_BOTH(1),  CBC_RK_BOTH(2),  CBC_RK_BOTH(3),  CBC_RK_BOTH(4),
      CBC_RK_BOTH(5),  CBC_RK_BOTH(6),  CBC_RK_BOTH(7),  CBC_RK_BOTH(8),  CBC_RK_BOTH(9),
      CBC_RK_BOTH(10), CBC_RK_BOTH(11), CBC_RK_BOTH(12), CBC_RK_BOTH(13), CBC_RK_BOTH(14)};
  unsigned n = 0;
  for (auto& stage : mems)
    for (auto* mem : stage)
      for (unsigned c = 0; c < 8; c++) {
        const VlWide<4>& w = (*mem)[c];
        n += (w[0] | w[1] | w[2] | w[3]) != 0;
      }
  return n;
}

bool prefix_eq(const bytes& a, const bytes& b, std::size_t n) {
  return a.size() >= n && b.size() >= n && std::equal(a.begin(), a.begin() + n, b.begin());
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s AES_CBC.hex HMAC_SHA256.hex TLS12_CAPS_DIR [SEED]\n", argv[0]);
    return 2;
  }
  unsigned seed = argc > 4 ? static_cast<unsigned>(std::strtoul(argv[4], nullptr, 0)) : 1;
  std::mt19937 rng(seed);
  Verilated::commandArgs(argc, argv);  // +verilator+ options pass through
  Vcbc_hmac_engine m;
  m.clk_i = 0;
  reset(m);
  tally t{"cbc"};
  auto rnd = [&](uint8_t* p, std::size_t n) {
    for (std::size_t i = 0; i < n; i++) p[i] = static_cast<uint8_t>(rng());
  };

  // 1. Wycheproof AES-CBC-PKCS5: the cipher core in both directions.
  {
    auto vecs = load_vectors(argv[1]);
    t.check(vecs.size() > 200, "aes-cbc wycheproof file has the expected cases");
    unsigned run_n = 0, skipped = 0;
    for (const vec& v : vecs) {
      if (v.key.size() != 16 && v.key.size() != 32) {
        skipped++;  // AES-192: no TLS suite, not in the engine
        continue;
      }
      run_n++;
      const suite& s = v.key.size() == 16 ? kSuites[2] : kSuites[3];
      uint8_t mk[32] = {}, aad[13] = {};
      std::string id = "aes-cbc tc " + std::to_string(v.id);
      // Decrypt direction: out is every decrypted block.
      result o = run(m, make_job(s, true, v.key.data(), mk, v.iv.data(), aad, v.ct), rng);
      bytes ref = cbc_raw(false, v.key.data(), s.key_len, v.iv.data(), v.ct);
      t.check(!o.timeout && o.out == ref && !o.ok, id + " decrypt matches OpenSSL and the MAC-less record is refused");
      // PKCS#5 unpadding of the engine's output.
      bool pad_ok = !o.out.empty() && o.out.back() >= 1 && o.out.back() <= 16 && o.out.back() <= o.out.size();
      if (pad_ok)
        for (unsigned i = 0; i < o.out.back(); i++) pad_ok = pad_ok && o.out[o.out.size() - 1 - i] == o.out.back();
      if (v.result == "invalid") {
        t.check(!pad_ok, id + " invalid case rejected (bad padding in the engine's plaintext)");
        continue;
      }
      bytes want = v.msg;
      unsigned p = 16 - v.msg.size() % 16;
      want.insert(want.end(), p, static_cast<uint8_t>(p));
      t.check(pad_ok && o.out == want, id + " decrypts to msg || padding");
      // Encrypt direction: the full plaintext blocks of a seal are CBC blocks of msg.
      result s2 = run(m, make_job(s, false, v.key.data(), mk, v.iv.data(), aad, v.msg), rng);
      std::size_t full = 16 * (v.msg.size() / 16);
      t.check(!s2.timeout && s2.ok && prefix_eq(s2.out, v.ct, full), id + " encrypt");
    }
    std::printf("cbc: aes-cbc wycheproof cases run %u, AES-192 skipped %u\n", run_n, skipped);
  }

  // 2. Wycheproof HMAC-SHA-256 through a seal: aad = msg[0..13), plaintext = the rest.
  {
    auto vecs = load_vectors(argv[2]);
    t.check(vecs.size() > 150, "hmac wycheproof file has the expected cases");
    unsigned run_n = 0, skipped = 0, invalid_skipped = 0;
    for (const vec& v : vecs) {
      if (v.key.size() > 32 || v.msg.size() < 13) {
        skipped++;  // keys longer than the contract's MAC key field or messages shorter than the AAD
        if (v.result == "invalid") invalid_skipped++;
        continue;
      }
      run_n++;
      const suite& s = kSuites[2];
      uint8_t key[16], iv[16], mk[32] = {};
      rnd(key, 16);
      rnd(iv, 16);
      std::memcpy(mk, v.key.data(), v.key.size());
      bytes pt(v.msg.begin() + 13, v.msg.end());
      result r = run(m, make_job(s, false, key, mk, iv, v.msg.data(), pt), rng, (v.id % 2) ? 25 : 0);
      bytes plain = cbc_raw(false, key, 16, iv, r.out);
      bytes mac = plain.size() >= pt.size() + 32 ? bytes(plain.begin() + pt.size(), plain.begin() + pt.size() + 32)
                                                 : bytes();
      bool match = !mac.empty() && prefix_eq(mac, v.tag, v.tag.size());
      std::string id = "hmac tc " + std::to_string(v.id);
      if (v.result == "invalid")
        t.check(!r.timeout && !mac.empty() && !match, id + " invalid case rejected (MAC differs from the tag)");
      else
        t.check(!r.timeout && r.ok && match, id + " MAC");
    }
    std::printf("cbc: hmac-sha256 wycheproof cases run %u, not expressible %u (key > 32 B or message < 13 B; "
                "%u of them invalid)\n",
                run_n, skipped, invalid_skipped);
  }

  // 2b. The illustrated TLS 1.2 connection (TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA): the client's
  // encrypted records, sequence numbers 0.. in the order sent.
  {
    const uint8_t key[16] = {0xf6, 0x56, 0xd0, 0x37, 0xb1, 0x73, 0xef, 0x3e,
                             0x11, 0x16, 0x9f, 0x27, 0x23, 0x1a, 0x84, 0xb6};
    const uint8_t mk[20] = {0x1b, 0x7d, 0x11, 0x7c, 0x7d, 0x5f, 0x69, 0x0b, 0xc2, 0x63,
                            0xca, 0xe8, 0xef, 0x60, 0xaf, 0x0f, 0x18, 0x78, 0xac, 0xc2};
    const char* names[] = {"clientfinished", "clientdata", "clientalert"};
    for (unsigned seq = 0; seq < 3; seq++) {
      auto slurp = [&](const std::string& n) {
        std::ifstream f(std::string(argv[3]) + "/" + n, std::ios::binary);
        return bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      };
      bytes rec = slurp(names[seq]), plain = slurp(std::string(names[seq]) + "plain");
      std::string id = std::string("illustrated tls12 ") + names[seq];
      if (rec.size() < 5 + 32 || plain.size() < 21) {
        t.check(false, id + ": capture files missing");
        continue;
      }
      bytes msg(plain.begin(), plain.end() - 21), ct(rec.begin() + 21, rec.end());
      uint8_t aad[13] = {0, 0, 0, 0, 0, 0, 0, static_cast<uint8_t>(seq), rec[0], rec[1], rec[2], 0, 0};
      aad[11] = static_cast<uint8_t>(msg.size() >> 8);
      aad[12] = static_cast<uint8_t>(msg.size());
      uint8_t mk32[32] = {};
      std::memcpy(mk32, mk, 20);
      result o = run(m, make_job(kSuites[0], true, key, mk32, rec.data() + 5, aad, ct), rng);
      t.check(!o.timeout && o.ok && o.len == msg.size() && prefix_eq(o.out, msg, msg.size()), id + " open");
      result s2 = run(m, make_job(kSuites[0], false, key, mk32, rec.data() + 5, aad, msg), rng);
      t.check(!s2.timeout && s2.ok && s2.out == ct, id + " seal reproduces the captured record");
    }
  }

  // 3. Random TLS 1.2 records against OpenSSL.
  const unsigned edges[] = {0, 1, 11, 12, 15, 16, 17, 31, 32, 43, 44, 47, 48, 55, 64, 100, 1500, 16383, 16384, 16640};
  const unsigned nedges = sizeof edges / sizeof edges[0];
  const unsigned nrand = 60;
  std::map<std::pair<unsigned, unsigned>, uint64_t> open_cycles;  // (alg, ct len) -> clocks
  unsigned timing_checked = 0;
  for (unsigned i = 0; i < nedges + nrand; i++) {
    const suite& s = kSuites[i % 4];
    unsigned len = i < nedges ? edges[i] : rng() % 16641;  // 0 .. 16 KiB + 256
    uint8_t key[32], mk[32], iv[16], hdr[11];
    rnd(key, 32);
    rnd(mk, 32);
    rnd(iv, 16);
    rnd(hdr, 11);
    bytes pt(len);
    rnd(pt.data(), len);
    unsigned stall = (i % 3 == 1) ? 30 : 0;
    std::string id = std::string(s.name) + " rec " + std::to_string(i) + " len " + std::to_string(len);

    record rec = make_record(s, key, mk, iv, pt, hdr, -1);
    result se = run(m, make_job(s, false, key, mk, iv, rec.aad, pt), rng, stall);
    t.check(!se.timeout && se.ok && se.out == rec.ct && se.len == rec.ct.size() && se.last_flag_ok, id + " seal");

    // Open: the AAD's length bytes are whatever the host had (the ciphertext length); the engine
    // puts the plaintext length there itself.
    uint8_t oaad[13];
    std::memcpy(oaad, rec.aad, 13);
    oaad[11] = static_cast<uint8_t>(rec.ct.size() >> 8);
    oaad[12] = static_cast<uint8_t>(rec.ct.size());
    result op = run(m, make_job(s, true, key, mk, iv, oaad, rec.ct), rng, stall);
    t.check(!op.timeout && op.ok && op.out == rec.plain && op.len == len && op.last_flag_ok, id + " open");
    if (!stall) open_cycles[{s.alg, static_cast<unsigned>(rec.ct.size())}] = op.cycles;

    // A longer valid padding (up to 255) must be accepted too.
    unsigned minpad = rec.plain.size() - len - s.mac_len - 1;
    unsigned maxk = (255 - minpad) / 16;
    unsigned padv = minpad + 16 * (1 + rng() % maxk);
    record lp = make_record(s, key, mk, iv, pt, hdr, static_cast<int>(padv));
    if (lp.ct.size() <= 18432) {
      result r = run(m, make_job(s, true, key, mk, iv, oaad, lp.ct), rng, stall);
      t.check(!r.timeout && r.ok && r.len == len && r.out == lp.plain, id + " open pad " + std::to_string(padv));
    }

    // Bad padding byte (not the length byte itself), MAC still right.
    if (padv >= 1 && lp.ct.size() <= 18432) {
      bytes bad = lp.plain;
      bad[bad.size() - 2 - rng() % padv] ^= static_cast<uint8_t>(1 + rng() % 255);
      bytes bct = cbc_raw(true, key, s.key_len, iv, bad);
      result r = run(m, make_job(s, true, key, mk, iv, oaad, bct), rng, stall);
      t.check(!r.timeout && !r.ok && r.out == bad, id + " bad padding rejected");
      if (!stall) {
        result good = run(m, make_job(s, true, key, mk, iv, oaad, lp.ct), rng, 0);
        r = run(m, make_job(s, true, key, mk, iv, oaad, bct), rng, 0);
        t.check(good.cycles == r.cycles, id + " bad padding takes the same clocks as good");
        timing_checked++;
      }
    }

    // Bad MAC byte.
    {
      bytes bad = rec.plain;
      bad[len + rng() % s.mac_len] ^= static_cast<uint8_t>(1u << (rng() % 8));
      bytes bct = cbc_raw(true, key, s.key_len, iv, bad);
      result r = run(m, make_job(s, true, key, mk, iv, oaad, bct), rng, stall);
      t.check(!r.timeout && !r.ok, id + " bad MAC rejected");
      if (!stall) {
        t.check(r.cycles == open_cycles[{s.alg, static_cast<unsigned>(rec.ct.size())}],
                id + " bad MAC takes the same clocks as good");
        timing_checked++;
      }
    }

    // Pad length byte larger than the record allows.
    {
      bytes bad = rec.plain;
      // Short records: 255 runs past the start of the record; long ones: the 255 bytes before it
      // are not all 255.
      bad.back() = static_cast<uint8_t>(255);
      bytes bct = cbc_raw(true, key, s.key_len, iv, bad);
      result r = run(m, make_job(s, true, key, mk, iv, oaad, bct), rng, stall);
      t.check(!r.timeout && !r.ok, id + " oversized pad length rejected");
      if (!stall) {
        t.check(r.cycles == open_cycles[{s.alg, static_cast<unsigned>(rec.ct.size())}],
                id + " oversized pad takes the same clocks as good");
        timing_checked++;
      }
    }

    // A flipped ciphertext bit.
    {
      bytes bct = rec.ct;
      bct[rng() % bct.size()] ^= static_cast<uint8_t>(1u << (rng() % 8));
      result r = run(m, make_job(s, true, key, mk, iv, oaad, bct), rng, stall);
      t.check(!r.timeout && !r.ok, id + " flipped ciphertext rejected");
    }

    // Wrong MAC key / wrong sequence number.
    {
      uint8_t mk2[32];
      std::memcpy(mk2, mk, 32);
      mk2[0] ^= 1;
      result r = run(m, make_job(s, true, key, mk2, iv, oaad, rec.ct), rng, stall);
      t.check(!r.timeout && !r.ok, id + " wrong MAC key rejected");
      uint8_t a2[13];
      std::memcpy(a2, oaad, 13);
      a2[7] ^= 1;
      r = run(m, make_job(s, true, key, mk, iv, a2, rec.ct), rng, stall);
      t.check(!r.timeout && !r.ok, id + " wrong sequence number rejected");
    }
  }

  // 4. Protocol errors: the job completes, done_ok is 0.
  {
    const suite& s = kSuites[0];
    uint8_t key[32] = {1}, mk[32] = {2}, iv[16] = {3}, hdr[11] = {4};
    bytes pt(50, 7);
    record rec = make_record(s, key, mk, iv, pt, hdr, -1);
    job j = make_job(s, true, key, mk, iv, rec.aad, rec.ct);
    t.check(run(m, j, rng).ok, "protocol baseline open accepted");
    j.alg = 3;
    result r = run(m, j, rng);
    t.check(!r.timeout && !r.ok, "wrong alg code rejected");
    j.alg = s.alg;
    j.aad_len = 5;
    r = run(m, j, rng);
    t.check(!r.timeout && !r.ok, "aad_len 5 rejected");
    j.aad_len = 13;
    j.in.pop_back();
    r = run(m, j, rng);
    t.check(!r.timeout && !r.ok, "open length not a multiple of 16 rejected");
    j.in = bytes(16, 0);
    r = run(m, j, rng);
    t.check(!r.timeout && !r.ok, "open shorter than MAC + 1 rejected");
    j.in = rec.ct;
    j.bad_last = true;
    r = run(m, j, rng);
    t.check(!r.timeout && !r.ok, "in_last on the wrong beat rejected");
  }

  // 4b. Garbage jobs (any alg, direction, AAD length, length up to 65535, stalls): each one must
  // complete, only CBC alg codes may succeed, and the engine must still work afterwards.
  for (unsigned i = 0; i < 24; i++) {
    job j;
    j.open = rng() & 1;
    j.alg = rng() % 16;
    j.aad_len = (rng() % 4) ? 13 : rng() % 16;
    rnd(j.key, 32);
    rnd(j.mac_key, 48);
    rnd(j.iv, 16);
    rnd(j.aad, 13);
    unsigned len = (i % 6 == 0) ? 65535 - rng() % 64 : rng() % 20000;
    j.in.resize(len);
    rnd(j.in.data(), len);
    result r = run(m, j, rng, 20, 4000000);
    bool cbc_alg = j.alg >= 4 && j.alg <= 7;
    t.check(!r.timeout && (cbc_alg || !r.ok) && (!j.open || !r.ok || r.len < len),
            "garbage job " + std::to_string(i) + " alg " + std::to_string(j.alg) + " len " + std::to_string(len));
  }
  {
    const suite& s = kSuites[3];
    uint8_t key[32] = {5}, mk[32] = {6}, iv[16] = {7}, hdr[11] = {8};
    bytes pt(777, 9);
    record rec = make_record(s, key, mk, iv, pt, hdr, -1);
    result r = run(m, make_job(s, true, key, mk, iv, rec.aad, rec.ct), rng);
    t.check(!r.timeout && r.ok && r.out == rec.plain, "engine still works after garbage jobs");
  }

  // 5. Measured rates of one record at a time (no stalls).
  std::map<std::string, double> single_bpc;  // "suite seal|open" -> payload bits per clock, 16 KiB
  for (const suite& s : kSuites) {
    uint8_t key[32] = {9}, mk[32] = {8}, iv[16] = {7}, hdr[11] = {6};
    bytes pt(16384, 0x5a);
    record rec = make_record(s, key, mk, iv, pt, hdr, -1);
    result se = run(m, make_job(s, false, key, mk, iv, rec.aad, pt), rng);
    result op = run(m, make_job(s, true, key, mk, iv, rec.aad, rec.ct), rng);
    t.check(se.ok && op.ok, std::string(s.name) + " perf runs completed");
    for (unsigned small : {64u, 1500u}) {
      bytes p2(small, 0x33);
      record r2 = make_record(s, key, mk, iv, p2, hdr, -1);
      result a = run(m, make_job(s, false, key, mk, iv, r2.aad, p2), rng);
      result b = run(m, make_job(s, true, key, mk, iv, r2.aad, r2.ct), rng);
      t.check(a.ok && b.ok, std::string(s.name) + " small perf runs completed");
      std::printf("cbc: %-14s seal %u B: %llu clocks; open %zu B: %llu clocks\n", s.name, small,
                  static_cast<unsigned long long>(a.cycles), r2.ct.size(), static_cast<unsigned long long>(b.cycles));
    }
    single_bpc[std::string(s.name) + " seal"] = 8.0 * 16384 / double(se.cycles);
    single_bpc[std::string(s.name) + " open"] = 8.0 * 16384 / double(op.cycles);
    std::printf("cbc: %-14s seal 16384 B: %llu clocks = %.3f clocks/byte; open %zu B: %llu clocks = %.3f clocks/byte\n",
                s.name, static_cast<unsigned long long>(se.cycles), double(se.cycles) / 16384, rec.ct.size(),
                static_cast<unsigned long long>(op.cycles), double(op.cycles) / double(rec.ct.size()));
  }

  // 6. Records interleaved: random suites, directions and lengths back to back, good and tampered
  // records mixed, checked against OpenSSL; once without and once with random back-pressure on
  // every handshake (job, in, out, done).
  for (unsigned pass = 0; pass < 2; pass++) {
    struct want {
      bytes out;
      bool ok;
      unsigned len;
    };
    std::vector<job> jobs;
    std::vector<want> wants;
    const unsigned nj = 40;
    for (unsigned i = 0; i < nj; i++) {
      const suite& s = kSuites[rng() % 4];
      unsigned r = rng() % 8;
      unsigned len = r < 4 ? rng() % 100 : r < 7 ? rng() % 2000 : rng() % 16641;
      uint8_t key[32], mk[32], iv[16], hdr[11];
      rnd(key, 32);
      rnd(mk, 32);
      rnd(iv, 16);
      rnd(hdr, 11);
      bytes pt(len);
      rnd(pt.data(), len);
      record rec = make_record(s, key, mk, iv, pt, hdr, -1);
      if (rng() % 2 == 0) {
        jobs.push_back(make_job(s, false, key, mk, iv, rec.aad, pt));
        wants.push_back({rec.ct, true, static_cast<unsigned>(rec.ct.size())});
        continue;
      }
      uint8_t oaad[13];
      std::memcpy(oaad, rec.aad, 13);
      oaad[11] = static_cast<uint8_t>(rec.ct.size() >> 8);
      oaad[12] = static_cast<uint8_t>(rec.ct.size());
      bytes plain = rec.plain;
      unsigned kind = rng() % 4;  // 0, 1: good; 2: bad MAC byte; 3: bad pad length byte
      if (kind == 2) plain[len + rng() % s.mac_len] ^= static_cast<uint8_t>(1u << (rng() % 8));
      if (kind == 3) plain.back() = static_cast<uint8_t>(plain.back() + 1 + rng() % 200);
      bytes ct = kind >= 2 ? cbc_raw(true, key, s.key_len, iv, plain) : rec.ct;
      jobs.push_back(make_job(s, true, key, mk, iv, oaad, ct));
      wants.push_back({plain, kind < 2, kind < 2 ? len : 0});
    }
    uint64_t total = 0;
    std::vector<result> rs = run_many(m, jobs, rng, pass ? 25 : 0, &total);
    unsigned good = 0;
    for (unsigned i = 0; i < nj; i++) {
      const result& r = rs[i];
      bool ok = !r.timeout && r.ok == wants[i].ok && r.out == wants[i].out && r.len == wants[i].len &&
                r.last_flag_ok;
      t.check(ok, "interleaved " + std::string(pass ? "stalled " : "") + "job " + std::to_string(i) +
                      (jobs[i].open ? " open" : " seal") + " alg " + std::to_string(jobs[i].alg) + " len " +
                      std::to_string(jobs[i].in.size()));
      good += ok;
    }
    std::printf("cbc: interleaved%s: %u of %u jobs right in %llu clocks\n", pass ? " with back-pressure" : "", good,
                nj, static_cast<unsigned long long>(total));
  }

  // 7. Constant time with several records in flight: the same lengths (open and seal mixed, every
  // suite) run three times, with good records, then with bad MACs / paddings / pad lengths in
  // different places; the clocks at which the completions are taken must be identical.
  {
    std::vector<std::vector<job>> variants(3);
    std::vector<unsigned> lens;
    for (unsigned i = 0; i < 14; i++) lens.push_back(i % 5 == 0 ? 16384 - rng() % 300 : rng() % 3000);
    uint8_t key[32], mk[32], iv[16], hdr[11];
    for (unsigned i = 0; i < lens.size(); i++) {
      const suite& s = kSuites[i % 4];
      rnd(key, 32);
      rnd(mk, 32);
      rnd(iv, 16);
      rnd(hdr, 11);
      bytes pt(lens[i]);
      rnd(pt.data(), pt.size());
      record rec = make_record(s, key, mk, iv, pt, hdr, -1);
      bool open = i % 3 != 1;
      for (unsigned v = 0; v < 3; v++) {
        if (!open) {
          variants[v].push_back(make_job(s, false, key, mk, iv, rec.aad, pt));
          continue;
        }
        bytes plain = rec.plain;
        unsigned kind = v == 0 ? 0 : 1 + rng() % 3;
        if (kind == 1) plain[lens[i] + rng() % s.mac_len] ^= 0x40;
        if (kind == 2) plain.back() = static_cast<uint8_t>(255);
        if (kind == 3 && plain.back() > 0) plain[plain.size() - 2] ^= 1;
        if (kind == 3 && rec.plain.back() == 0) plain.back() = 7;
        variants[v].push_back(make_job(s, true, key, mk, iv, rec.aad, cbc_raw(true, key, s.key_len, iv, plain)));
      }
    }
    std::vector<uint64_t> ref;
    for (unsigned v = 0; v < 3; v++) {
      std::vector<result> rs = run_many(m, variants[v], rng, 0);
      std::vector<uint64_t> seq;
      unsigned bad_rejected = 0, bad = 0;
      for (unsigned i = 0; i < rs.size(); i++) {
        seq.push_back(rs[i].cycles);
        if (v > 0 && variants[v][i].open) {
          bad++;
          bad_rejected += !rs[i].ok;
        }
      }
      if (v == 0) {
        ref = seq;
        bool all_ok = true;
        for (const result& r : rs) all_ok = all_ok && !r.timeout && r.ok;
        t.check(all_ok, "in-flight timing set: good records accepted");
      } else {
        t.check(bad_rejected == bad, "in-flight timing set " + std::to_string(v) + ": tampered records rejected");
        t.check(seq == ref, "in-flight timing set " + std::to_string(v) +
                                ": completion clocks identical to the good records' (" +
                                std::to_string(seq.back()) + " vs " + std::to_string(ref.back()) + ")");
      }
    }
  }

  // 8. Throughput: records back to back (2 x contexts or more), each suite, seal and open,
  // 16 KiB / 1 KiB / 64 B, no stalls. Payload (plaintext) bits per clock, first job offered to last
  // completion taken, next to the single-context engine's figure measured before the contexts
  // (same driver, same records).
  {
    // suite, open, size -> bits per clock of the single-context engine.
    const std::map<std::string, double> before = {
        // Measured 2026-11-22 on the single-context engine (commit 837abc4), same driver and records.
        {"AES128-SHA seal 16384", 11.44},
        {"AES128-SHA open 16384", 5.91},
        {"AES128-SHA seal 1024", 9.13},
        {"AES128-SHA open 1024", 5.31},
        {"AES128-SHA seal 64", 2.16},
        {"AES128-SHA open 64", 2.23},
        {"AES256-SHA seal 16384", 8.43},
        {"AES256-SHA open 16384", 4.99},
        {"AES256-SHA seal 1024", 7.15},
        {"AES256-SHA open 1024", 4.52},
        {"AES256-SHA seal 64", 2.09},
        {"AES256-SHA open 64", 1.99},
        {"AES128-SHA256 seal 16384", 11.47},
        {"AES128-SHA256 open 16384", 6.51},
        {"AES128-SHA256 seal 1024", 9.44},
        {"AES128-SHA256 open 1024", 5.81},
        {"AES128-SHA256 seal 64", 2.46},
        {"AES128-SHA256 open 64", 2.34},
        {"AES256-SHA256 seal 16384", 8.45},
        {"AES256-SHA256 open 16384", 5.41},
        {"AES256-SHA256 seal 1024", 7.31},
        {"AES256-SHA256 open 1024", 4.87},
        {"AES256-SHA256 seal 64", 2.33},
        {"AES256-SHA256 open 64", 2.05},
    };
    for (const suite& s : kSuites) {
      for (unsigned size : {16384u, 1024u, 64u}) {
        for (bool open : {false, true}) {
          unsigned nj = size == 64 ? 48 : 16;
          std::vector<job> jobs;
          std::vector<bytes> wants;
          for (unsigned i = 0; i < nj; i++) {
            uint8_t key[32], mk[32], iv[16], hdr[11];
            rnd(key, 32);
            rnd(mk, 32);
            rnd(iv, 16);
            rnd(hdr, 11);
            bytes pt(size);
            rnd(pt.data(), size);
            record rec = make_record(s, key, mk, iv, pt, hdr, -1);
            jobs.push_back(open ? make_job(s, true, key, mk, iv, rec.aad, rec.ct)
                                : make_job(s, false, key, mk, iv, rec.aad, pt));
            wants.push_back(open ? rec.plain : rec.ct);
          }
          uint64_t total = 0;
          std::vector<result> rs = run_many(m, jobs, rng, 0, &total);
          bool all = true;
          for (unsigned i = 0; i < nj; i++) all = all && !rs[i].timeout && rs[i].ok && rs[i].out == wants[i];
          std::string key = std::string(s.name) + (open ? " open " : " seal ") + std::to_string(size);
          t.check(all, "throughput run " + key + " correct");
          // Records must really overlap: back to back at least 3x one record alone.
          if (size == 16384) {
            double one = single_bpc[std::string(s.name) + (open ? " open" : " seal")];
            double b2b = 8.0 * size * nj / double(total);
            t.check(b2b >= 3 * one, key + " back to back " + std::to_string(b2b) + " bits/clock >= 3 x one record alone (" +
                                        std::to_string(one) + ")");
          }
          double bpc = 8.0 * size * nj / double(total);
          auto b = before.find(key);
          if (b != before.end())
            std::printf("cbc: b2b %-26s x%-2u %8llu clocks = %6.2f bits/clock (single-context engine %5.2f, x%.1f)\n",
                        key.c_str(), nj, static_cast<unsigned long long>(total), bpc, b->second, bpc / b->second);
          else
            std::printf("cbc: b2b %-26s x%-2u %8llu clocks = %6.2f bits/clock\n", key.c_str(), nj,
                        static_cast<unsigned long long>(total), bpc);
        }
      }
    }
  }

  // 9. Key material: none left in the pipeline's round-key memories once every record is freed;
  // a job's schedule is there while it runs (the inspection is not blind); reset sweeps it away.
  {
    for (int i = 0; i < 40; i++) tick(m);
    unsigned idle = key_entries_nonzero(m);
    t.check(idle == 0, "no round key left in the pipeline after every record is freed (" + std::to_string(idle) +
                           " entries not zero)");
    uint8_t key[32], mk[32], iv[16], hdr[11];
    rnd(key, 32);
    rnd(mk, 32);
    rnd(iv, 16);
    rnd(hdr, 11);
    bytes pt(4096);
    rnd(pt.data(), pt.size());
    const suite& s256 = kSuites[3];  // AES256-SHA256
    record rec = make_record(s256, key, mk, iv, pt, hdr, -1);
    job j = make_job(s256, false, key, mk, iv, rec.aad, pt);
    put(m.job_key_i, 256, j.key, 32);
    put(m.job_mac_key_i, 384, j.mac_key, 48);
    put(m.job_iv_i, 128, j.iv, 16);
    put(m.job_aad_i, 104, j.aad, 13);
    m.job_open_i = 0;
    m.job_alg_i = j.alg;
    m.job_aad_len_i = j.aad_len;
    m.job_len_i = static_cast<unsigned>(pt.size());
    m.job_valid_i = 1;
    while (!m.job_ready_o) tick(m);
    tick(m);
    m.job_valid_i = 0;
    for (int i = 0; i < 40; i++) tick(m);  // schedule written; the record waits for its input
    unsigned running = key_entries_nonzero(m);
    t.check(running == 30, "an AES-256 record's schedule fills its 30 pipeline entries while it runs (" +
                               std::to_string(running) + ")");
    reset(m);
    for (int i = 0; i < 8; i++) tick(m);
    unsigned after = key_entries_nonzero(m);
    t.check(after == 0, "reset sweeps every round-key entry to zero (" + std::to_string(after) + " not)");
    std::printf("cbc: round-key entries not zero: %u idle, %u with one AES-256 record, %u after reset\n", idle,
                running, after);
  }

  std::printf("cbc: constant-time open checks %u\n", timing_checked);
  std::printf("cbc: %u passed, %u failed\n", t.pass, t.fail);
  return t.fail ? 1 : 0;
}
