/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The "cpu" crypto backend: crypto.h's interface on OpenSSL's libcrypto, running on the calling
 * lcore (AES-NI/VAES, SHA-NI where the CPU has them). It is the fast path on a machine without a
 * card and the software reference the sim and fpga backends are tested against. Not for: record
 * framing, header or AAD construction (record.c), or anything asynchronous in the hardware sense.
 *
 * Implementation notes.
 *  - *Device*: a fixed table of nb_slots sessions and nb_qp queue pairs, all allocated at open().
 *    Each slot owns two EVP_CIPHER_CTX shells (encrypt, decrypt) created at open(); sess_add sets
 *    the key into them once (OpenSSL allocates its provider context at that point: key install is
 *    not the per-record path), and per record only the nonce/IV changes (EVP_CipherInit_ex with
 *    NULL cipher and key). sess_del and close reset the contexts (OpenSSL clears the key schedule
 *    it frees) and wipe everything else of the slot. Free slots are a stack under a mutex, since
 *    lcores may install keys concurrently; the record path takes no lock.
 *  - *Queue pair*: a power-of-two ring of op pointers, sized >= qp_depth at open(). enqueue_burst
 *    accepts at most (depth - in flight) ops, transforms each at once and puts it on the ring;
 *    dequeue_burst pops them in order. The caller only ever sees results through dequeue.
 *  - *Session kinds* (from the suite, chosen once at sess_add):
 *      AEAD_XOR   TLS 1.3 (all AEADs) and TLS 1.2 ChaCha20 (RFC 7905): nonce = iv XOR seq (64-bit
 *                 big-endian, right-aligned); fragment = ciphertext || tag.
 *      AEAD_EXPL  TLS 1.2 AES-GCM (RFC 5288): nonce = salt(4) || explicit(8); seal writes seq as
 *                 the explicit part; open takes it from the fragment.
 *      CBC        TLS 1.2 AES-CBC + HMAC (RFC 5246 §6.2.3.2), MAC-then-encrypt. Seal: MAC over
 *                 aad(13) || plaintext, minimal padding, fragment = op->iv || E(pt || mac || pad).
 *                 Open: see below.
 *  - *Buffers*: dst may equal src. Where output and input overlap other than exactly (a 1.2
 *    fragment is 8 or 16 bytes longer at the front than its plaintext), the transform runs in
 *    place over the input and the result is moved; OpenSSL refuses partially overlapping buffers.
 *    On a failed open the output area is wiped: unauthenticated plaintext never reaches the caller.
 *  - *CBC open in constant time* (Lucky13, AlFardan-Paterson 2013). After CBC-decrypting the whole
 *    body P (length L, public), the padding length p = P[L-1] is secret. (1) Padding: the last
 *    min(256, L) bytes are all read; a mask keeps those within p+1 of the end and checks they equal
 *    p; a bad padding sets p = 0 through a mask and the record still runs the full MAC path. (2) MAC:
 *    the plaintext length n = L - maclen - 1 - p lies in a public window [L-maclen-256, L-maclen-1].
 *    The HMAC inner hash is computed by driving the hash compression function (SHA*_Transform)
 *    directly: blocks certainly inside the message are hashed as they are; every block that could
 *    hold the end of the message for any n in the window is built with masks (message byte, the
 *    0x80 terminator, or zero; the bit length OR-ed in where it belongs for the secret n) and
 *    compressed, and the chaining state after the block that is final for the real n is selected
 *    by mask. So the number of compression calls, the memory touched and the branches depend on L
 *    only — the method of OpenSSL's ssl3_cbc_digest_record, written here from the description.
 *    (3) The received MAC sits at secret offset n: it is gathered from the same public window into
 *    a buffer rotated by a secret amount (found by mask, no division of a secret) and rotated back
 *    by six masked rotations (by 1, 2, 4, ... 32 bytes, each applied or not by one bit of the
 *    amount). (4) One final constant-time verdict; the only branch on a
 *    secret is on that verdict, which the peer learns anyway (the alert).
 *  - The low-level SHA API is deprecated in OpenSSL 3.0 but is the only public access to the
 *    compression function; hence OPENSSL_SUPPRESS_DEPRECATED in this file alone.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1

#include "common/crypto.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/sha.h>

#include "common/ct.h"
#include "common/tls.h"

/*
 * Built with -DFTLS_CT_VALGRIND (check-record-ct only), the places where a secret-derived value
 * legitimately becomes public tell valgrind so; everything else derived from the record's
 * plaintext must never reach a branch or an address (tests/unit/test_record_ct.c).
 */
#ifdef FTLS_CT_VALGRIND
#include <valgrind/memcheck.h>
#define CT_DECLASSIFY(p, n) VALGRIND_MAKE_MEM_DEFINED(p, n)
#else
#define CT_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

enum sess_kind {
	KIND_AEAD_XOR = 1,
	KIND_AEAD_EXPL,
	KIND_CBC,
};

enum { MAX_BLOCK = 128, MAX_DIGEST = 64, GCM_SALT_LEN = 4, EXPL_NONCE_LEN = 8, NONCE_LEN = 12 };

union hctx {
	SHA_CTX sha1;
	SHA256_CTX sha256;
	SHA512_CTX sha512;
};

/* One HMAC hash as the CBC suites use it, through its compression function. */
struct mac_alg {
	uint8_t block;      /* compression block, bytes */
	uint8_t len;        /* digest (and TLS MAC) length */
	uint8_t len_field;  /* bytes of the message bit length in the final block */
	void (*init)(union hctx *h);
	void (*update)(union hctx *h, const void *p, size_t n);
	void (*final)(uint8_t *out, union hctx *h);
	void (*transform)(union hctx *h, const uint8_t *blk);
	void (*state)(const union hctx *h, uint8_t *out); /* chaining value, big-endian, len bytes */
};

static void sha1_init(union hctx *h) { SHA1_Init(&h->sha1); }
static void sha1_update(union hctx *h, const void *p, size_t n) { SHA1_Update(&h->sha1, p, n); }
static void sha1_final(uint8_t *o, union hctx *h) { SHA1_Final(o, &h->sha1); }
static void sha1_transform(union hctx *h, const uint8_t *b) { SHA1_Transform(&h->sha1, b); }
static void put32(uint8_t *o, uint32_t v)
{
	o[0] = (uint8_t)(v >> 24); o[1] = (uint8_t)(v >> 16); o[2] = (uint8_t)(v >> 8); o[3] = (uint8_t)v;
}
static void sha1_state(const union hctx *h, uint8_t *o)
{
	put32(o, h->sha1.h0); put32(o + 4, h->sha1.h1); put32(o + 8, h->sha1.h2);
	put32(o + 12, h->sha1.h3); put32(o + 16, h->sha1.h4);
}
static void sha256_init(union hctx *h) { SHA256_Init(&h->sha256); }
static void sha256_update(union hctx *h, const void *p, size_t n) { SHA256_Update(&h->sha256, p, n); }
static void sha256_final(uint8_t *o, union hctx *h) { SHA256_Final(o, &h->sha256); }
static void sha256_transform(union hctx *h, const uint8_t *b) { SHA256_Transform(&h->sha256, b); }
static void sha256_state(const union hctx *h, uint8_t *o)
{
	for (int i = 0; i < 8; i++)
		put32(o + 4 * i, h->sha256.h[i]);
}
static void sha384_init(union hctx *h) { SHA384_Init(&h->sha512); }
static void sha384_update(union hctx *h, const void *p, size_t n) { SHA384_Update(&h->sha512, p, n); }
static void sha384_final(uint8_t *o, union hctx *h) { SHA384_Final(o, &h->sha512); }
static void sha384_transform(union hctx *h, const uint8_t *b) { SHA512_Transform(&h->sha512, b); }
static void sha384_state(const union hctx *h, uint8_t *o)
{
	for (int i = 0; i < 6; i++) {
		put32(o + 8 * i, (uint32_t)(h->sha512.h[i] >> 32));
		put32(o + 8 * i + 4, (uint32_t)h->sha512.h[i]);
	}
}

/* Indexed by enum ftls_mac. */
static const struct mac_alg mac_algs[] = {
	[FTLS_MAC_HMAC_SHA1] = { 64, 20, 8, sha1_init, sha1_update, sha1_final, sha1_transform,
				 sha1_state },
	[FTLS_MAC_HMAC_SHA256] = { 64, 32, 8, sha256_init, sha256_update, sha256_final,
				   sha256_transform, sha256_state },
	[FTLS_MAC_HMAC_SHA384] = { 128, 48, 16, sha384_init, sha384_update, sha384_final,
				   sha384_transform, sha384_state },
};

static const struct mac_alg *mac_alg(unsigned mac)
{
	if (mac >= sizeof(mac_algs) / sizeof(mac_algs[0]) || mac_algs[mac].block == 0)
		return NULL;
	return &mac_algs[mac];
}

/* EVP names of the bulk ciphers, indexed by enum ftls_cipher. */
static const char *const cipher_names[] = {
	[FTLS_CIPHER_AES_128_GCM] = "AES-128-GCM",
	[FTLS_CIPHER_AES_256_GCM] = "AES-256-GCM",
	[FTLS_CIPHER_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
	[FTLS_CIPHER_AES_128_CBC] = "AES-128-CBC",
	[FTLS_CIPHER_AES_256_CBC] = "AES-256-CBC",
};
enum { NB_CIPHERS = sizeof(cipher_names) / sizeof(cipher_names[0]) };

struct hmac_keys {
	union hctx ipad, opad;  /* states after the key block */
};

struct cpu_sess {
	uint8_t used;
	uint8_t kind;           /* enum sess_kind */
	uint8_t riv;            /* explicit bytes at the front of a fragment: 0, 8, 16 */
	uint8_t tag_len;        /* AEAD tag or MAC length */
	const struct mac_alg *mac;
	uint8_t iv[NONCE_LEN];  /* 1.3 / ChaCha: static IV; 1.2 GCM: salt in iv[0..4) */
	EVP_CIPHER_CTX *enc, *dec;
	struct hmac_keys hk;
};

struct cpu_qp {
	struct ftls_crypto_op **ring;
	uint32_t mask;          /* ring size - 1 */
	uint32_t depth;         /* most ops in flight */
	uint32_t head, tail;    /* head: next to dequeue; tail: next free */
};

struct cpu_dev {
	struct ftls_crypto_dev base;
	uint16_t nb_qp;
	uint32_t nb_slots;
	struct cpu_qp *qps;
	struct cpu_sess *sess;
	uint32_t *free_slots;   /* stack of free slot numbers */
	uint32_t nb_free;
	pthread_mutex_t lock;   /* free_slots */
	EVP_CIPHER *ciphers[NB_CIPHERS];
};

static struct cpu_dev *to_cpu(struct ftls_crypto_dev *dev)
{
	return (struct cpu_dev *)dev;
}

/* ---- HMAC ---------------------------------------------------------------------------------- */

static void hmac_setup(const struct mac_alg *a, const uint8_t *key, size_t key_len,
		       struct hmac_keys *hk)
{
	uint8_t kb[MAX_BLOCK], pad[MAX_BLOCK];
	union hctx h;

	memset(kb, 0, sizeof(kb));
	if (key_len > a->block) {
		a->init(&h);
		a->update(&h, key, key_len);
		a->final(kb, &h);
	} else if (key_len) {
		memcpy(kb, key, key_len);
	}
	for (unsigned i = 0; i < a->block; i++)
		pad[i] = kb[i] ^ 0x36;
	a->init(&hk->ipad);
	a->update(&hk->ipad, pad, a->block);
	for (unsigned i = 0; i < a->block; i++)
		pad[i] = kb[i] ^ 0x5c;
	a->init(&hk->opad);
	a->update(&hk->opad, pad, a->block);
	ftls_wipe(kb, sizeof(kb));
	ftls_wipe(pad, sizeof(pad));
	ftls_wipe(&h, sizeof(h));
}

/* HMAC of prefix || data, all lengths public. */
static void hmac_plain(const struct mac_alg *a, const struct hmac_keys *hk, const uint8_t *prefix,
		       size_t plen, const uint8_t *data, size_t n, uint8_t *out)
{
	union hctx h = hk->ipad;
	uint8_t inner[MAX_DIGEST];

	if (plen)
		a->update(&h, prefix, plen);
	if (n)
		a->update(&h, data, n);
	a->final(inner, &h);
	h = hk->opad;
	a->update(&h, inner, a->len);
	a->final(out, &h);
	ftls_wipe(inner, sizeof(inner));
	ftls_wipe(&h, sizeof(h));
}

/*
 * HMAC of prefix[0..plen) || data[0..n) where n is secret and n_min <= n <= n_max <= data_len are
 * public: see the notes (2). plen < one block.
 */
static void hmac_ct(const struct mac_alg *a, const struct hmac_keys *hk, const uint8_t *prefix,
		    size_t plen, const uint8_t *data, size_t data_len, size_t n_min, size_t n_max,
		    uint32_t n, uint8_t *out)
{
	const uint32_t bl = a->block;
	const uint32_t shift = bl == 128 ? 7 : 6;
	const uint32_t mlen = (uint32_t)plen + n;            /* secret */
	const uint32_t final_blk = (mlen + a->len_field) >> shift;
	const uint64_t bits = ((uint64_t)bl + mlen) * 8;     /* the ipad block counts */
	const size_t k_start = (plen + n_min) / bl;
	const size_t k_end = (plen + n_max + a->len_field) / bl;
	uint8_t blk[MAX_BLOCK], st[MAX_DIGEST], acc[MAX_DIGEST];
	union hctx h = hk->ipad;

	memset(acc, 0, sizeof(acc));
	for (size_t j = 0; j < k_start; j++) {
		size_t at = j * bl;

		if (at >= plen) {
			a->transform(&h, data + (at - plen));
			continue;
		}
		for (size_t b = 0; b < bl; b++) {
			size_t i = at + b;
			blk[b] = i < plen ? prefix[i] : data[i - plen];
		}
		a->transform(&h, blk);
	}
	for (size_t j = k_start; j <= k_end; j++) {
		uint32_t is_final = ftls_ct_mask_eq((uint32_t)j, final_blk);

		for (size_t b = 0; b < bl; b++) {
			size_t i = j * bl + b;
			uint8_t v = 0;

			/* Public bounds only: which bytes exist at all. */
			if (i < plen)
				v = prefix[i];
			else if (i - plen < data_len)
				v = data[i - plen];
			v = (uint8_t)((v & ftls_ct_mask_lt((uint32_t)i, mlen)) |
				      (0x80 & ftls_ct_mask_eq((uint32_t)i, mlen)));
			blk[b] = v;
		}
		for (unsigned k = 0; k < 8; k++)
			blk[bl - 1 - k] |= (uint8_t)((bits >> (8 * k)) & is_final);
		a->transform(&h, blk);
		a->state(&h, st);
		for (unsigned k = 0; k < a->len; k++)
			acc[k] |= (uint8_t)(st[k] & is_final);
	}
	h = hk->opad;
	a->update(&h, acc, a->len);
	a->final(out, &h);
	ftls_wipe(blk, sizeof(blk));
	ftls_wipe(st, sizeof(st));
	ftls_wipe(acc, sizeof(acc));
	ftls_wipe(&h, sizeof(h));
}

/* ---- buffers ------------------------------------------------------------------------------ */

static int overlaps(const uint8_t *a, size_t an, const uint8_t *b, size_t bn)
{
	return a < b + bn && b < a + an;
}

static void make_nonce(const struct cpu_sess *s, uint64_t seq, const uint8_t *expl, uint8_t *nonce)
{
	if (s->kind == KIND_AEAD_EXPL) {
		memcpy(nonce, s->iv, GCM_SALT_LEN);
		memcpy(nonce + GCM_SALT_LEN, expl, EXPL_NONCE_LEN);
		return;
	}
	memcpy(nonce, s->iv, NONCE_LEN);
	for (int i = 0; i < 8; i++)
		nonce[NONCE_LEN - 1 - i] ^= (uint8_t)(seq >> (8 * i));
}

static void store_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

/* ---- AEAD --------------------------------------------------------------------------------- */

static enum ftls_err aead_seal(struct cpu_sess *s, uint64_t seq, const uint8_t *aad, size_t aad_len,
			       const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
	uint8_t nonce[NONCE_LEN], expl[EXPL_NONCE_LEN];
	uint8_t *body = dst + s->riv;
	int outl = 0, fl = 0;

	if (len > INT32_MAX - 64 || cap < s->riv + len + s->tag_len)
		return FTLS_ERR_FULL;
	store_be64(expl, seq);
	make_nonce(s, seq, expl, nonce);
	if (src != body && overlaps(src, len, dst, s->riv + len + s->tag_len)) {
		memmove(body, src, len);
		src = body;
	}
	if (s->riv)
		memcpy(dst, expl, EXPL_NONCE_LEN);
	if (EVP_EncryptInit_ex(s->enc, NULL, NULL, NULL, nonce) != 1 ||
	    (aad_len && EVP_EncryptUpdate(s->enc, NULL, &outl, aad, (int)aad_len) != 1) ||
	    (len && EVP_EncryptUpdate(s->enc, body, &outl, src, (int)len) != 1) ||
	    EVP_EncryptFinal_ex(s->enc, body + (len ? outl : 0), &fl) != 1 ||
	    EVP_CIPHER_CTX_ctrl(s->enc, EVP_CTRL_AEAD_GET_TAG, s->tag_len, body + len) != 1)
		return FTLS_ERR_DEVICE;
	*out_len = s->riv + len + s->tag_len;
	return FTLS_OK;
}

static enum ftls_err aead_open(struct cpu_sess *s, uint64_t seq, const uint8_t *aad, size_t aad_len,
			       const uint8_t *src, size_t len, uint8_t *dst, size_t cap, size_t *out_len)
{
	uint8_t nonce[NONCE_LEN], tag[FTLS_AEAD_TAG_LEN];
	const uint8_t *in;
	uint8_t *out = dst;
	size_t n;
	int outl = 0, fl = 0, ok;

	if (len < (size_t)s->riv + s->tag_len || len > INT32_MAX - 64)
		return FTLS_ERR_BAD_RECORD_MAC;
	n = len - s->riv - s->tag_len;
	if (cap < n)
		return FTLS_ERR_FULL;
	in = src + s->riv;
	make_nonce(s, seq, src, nonce);
	memcpy(tag, in + n, s->tag_len);
	if (out != in && overlaps(out, n, in, n))
		out = (uint8_t *)(uintptr_t)in; /* the caller gave this memory to write: dst overlaps it */
	ok = EVP_DecryptInit_ex(s->dec, NULL, NULL, NULL, nonce) == 1 &&
	     (!aad_len || EVP_DecryptUpdate(s->dec, NULL, &outl, aad, (int)aad_len) == 1) &&
	     (!n || EVP_DecryptUpdate(s->dec, out, &outl, in, (int)n) == 1) &&
	     EVP_CIPHER_CTX_ctrl(s->dec, EVP_CTRL_AEAD_SET_TAG, s->tag_len, tag) == 1 &&
	     EVP_DecryptFinal_ex(s->dec, out + (n ? outl : 0), &fl) == 1;
	if (!ok) {
		ftls_wipe(out, n);
		return FTLS_ERR_BAD_RECORD_MAC;
	}
	if (out != dst)
		memmove(dst, out, n);
	*out_len = n;
	return FTLS_OK;
}

/* ---- CBC + HMAC --------------------------------------------------------------------------- */

static enum ftls_err cbc_seal(struct cpu_sess *s, const struct ftls_crypto_op *op, uint8_t *dst,
			      size_t cap, size_t *out_len)
{
	const struct mac_alg *a = s->mac;
	const uint8_t *src = op->src;
	size_t len = op->src_len;
	size_t padded = (len + a->len + 1 + 15) & ~(size_t)15;
	uint8_t trailer[MAX_DIGEST + 256 + 16];
	size_t pad = padded - len - a->len; /* pad bytes, each of value pad - 1 */
	uint8_t *body = dst + FTLS_CBC_IV_LEN;
	int outl = 0, outl2 = 0, fl = 0;

	if (op->aad_len != FTLS_AAD_MAX)
		return FTLS_ERR_INVAL;
	if (len > INT32_MAX - 512 || cap < FTLS_CBC_IV_LEN + padded)
		return FTLS_ERR_FULL;
	/* MAC first: the encryption may overwrite src (in place). */
	hmac_plain(a, &s->hk, op->aad, FTLS_AAD_MAX, src, len, trailer);
	memset(trailer + a->len, (int)(pad - 1), pad);
	if (src != body && overlaps(src, len, dst, FTLS_CBC_IV_LEN + padded)) {
		memmove(body, src, len);
		src = body;
	}
	memcpy(dst, op->iv, FTLS_CBC_IV_LEN);
	if (EVP_EncryptInit_ex(s->enc, NULL, NULL, NULL, op->iv) != 1 ||
	    (len && EVP_EncryptUpdate(s->enc, body, &outl, src, (int)len) != 1) ||
	    EVP_EncryptUpdate(s->enc, body + outl, &outl2, trailer, (int)(a->len + pad)) != 1 ||
	    EVP_EncryptFinal_ex(s->enc, body + outl + outl2, &fl) != 1 ||
	    (size_t)(outl + outl2 + fl) != padded) {
		ftls_wipe(trailer, sizeof(trailer));
		return FTLS_ERR_DEVICE;
	}
	ftls_wipe(trailer, sizeof(trailer));
	*out_len = FTLS_CBC_IV_LEN + padded;
	return FTLS_OK;
}

static enum ftls_err cbc_open(struct cpu_sess *s, struct ftls_crypto_op *op, uint8_t *dst,
			      size_t cap, size_t *out_len)
{
	const struct mac_alg *a = s->mac;
	const uint32_t ml = a->len;
	const uint8_t *src = op->src;
	size_t len = op->src_len, L, scan, win_start;
	uint8_t *p = dst;
	uint8_t mac[MAX_DIGEST], rot[MAX_DIGEST], got[MAX_DIGEST];
	uint32_t pad, good, n, r = 0, j = 0;
	int outl = 0;

	if (op->aad_len != FTLS_AAD_MAX)
		return FTLS_ERR_INVAL;
	/* Public shape checks (RFC 5246 §6.2.3.2): whole blocks, room for a MAC and one pad byte. */
	if (len < FTLS_CBC_IV_LEN || len > INT32_MAX - 64 || (len - FTLS_CBC_IV_LEN) % 16 ||
	    len - FTLS_CBC_IV_LEN < ((ml + 1 + 15) & ~15u))
		return FTLS_ERR_BAD_RECORD_MAC;
	L = len - FTLS_CBC_IV_LEN;
	if (cap < L)
		return FTLS_ERR_FULL;
	if (p != src + FTLS_CBC_IV_LEN && overlaps(p, L, src + FTLS_CBC_IV_LEN, L))
		p = (uint8_t *)(uintptr_t)(src + FTLS_CBC_IV_LEN);
	if (EVP_DecryptInit_ex(s->dec, NULL, NULL, NULL, src) != 1 ||
	    EVP_DecryptUpdate(s->dec, p, &outl, src + FTLS_CBC_IV_LEN, (int)L) != 1 ||
	    (size_t)outl != L)
		return FTLS_ERR_DEVICE;

	/* (1) padding: p+1 bytes of value p, p+1+maclen <= L. */
	pad = p[L - 1];
	good = ftls_ct_mask_lt(pad + ml, (uint32_t)L); /* pad + 1 + ml <= L */
	scan = L < 256 ? L : 256;
	for (size_t i = 0; i < scan; i++) {
		uint32_t in_pad = ftls_ct_mask_lt((uint32_t)i, pad + 1);
		good &= ~(in_pad & ftls_ct_mask_nonzero((uint32_t)(p[L - 1 - i] ^ pad)));
	}
	pad &= good;
	n = (uint32_t)L - ml - 1 - pad;

	/* (2) the MAC over aad (with the real length) || P[0..n). */
	op->aad[11] = (uint8_t)(n >> 8);
	op->aad[12] = (uint8_t)n;
	{
		size_t n_max = L - ml - 1;
		size_t n_min = n_max > 255 ? n_max - 255 : 0;

		hmac_ct(a, &s->hk, op->aad, FTLS_AAD_MAX, p, L, n_min, n_max, n, mac);
		win_start = n_min;
	}
	/* (3) the received MAC at secret offset n, gathered rotated then rotated back. */
	memset(rot, 0, sizeof(rot));
	for (size_t i = win_start; i < L; i++) {
		uint32_t in_mac = ftls_ct_mask_lt((uint32_t)i, n + ml) & ~ftls_ct_mask_lt((uint32_t)i, n);

		r |= j & ftls_ct_mask_eq((uint32_t)i, n);
		rot[j] |= (uint8_t)(p[i] & in_mac);
		j = j + 1 == ml ? 0 : j + 1;
	}
	/* Rotate left by r < ml <= 48 as six conditional rotations by 1, 2, 4, ..., 32. */
	for (uint32_t b = 0; b < 6; b++) {
		uint8_t m = (uint8_t)(0u - ((r >> b) & 1));
		uint32_t step = (1u << b) % ml; /* public */

		for (uint32_t k = 0; k < ml; k++) {
			uint32_t from = k + step < ml ? k + step : k + step - ml;

			got[k] = (uint8_t)((rot[from] & m) | (rot[k] & ~m));
		}
		memcpy(rot, got, ml);
	}
	/* (4) one verdict. */
	good &= 0u - (uint32_t)ftls_ct_eq(mac, got, ml);
	/* The verdict is public (the peer sees the alert); with a good record, so is its length. */
	CT_DECLASSIFY(&good, sizeof(good));
	if (good)
		CT_DECLASSIFY(&n, sizeof(n));
	ftls_wipe(mac, sizeof(mac));
	ftls_wipe(rot, sizeof(rot));
	ftls_wipe(got, sizeof(got));
	if (!good) {
		ftls_wipe(p, L);
		return FTLS_ERR_BAD_RECORD_MAC;
	}
	if (p != dst)
		memmove(dst, p, n);
	*out_len = n;
	return FTLS_OK;
}

/* ---- the ops table ------------------------------------------------------------------------ */

static void process(struct cpu_dev *d, struct ftls_crypto_op *op)
{
	struct cpu_sess *s;
	size_t out = 0;
	enum ftls_err e;

	op->dst_len = 0;
	if (op->slot >= d->nb_slots || !d->sess[op->slot].used || op->aad_len > FTLS_AAD_MAX ||
	    (op->src_len && !op->src) || !op->dst) {
		op->status = FTLS_ERR_INVAL;
		return;
	}
	s = &d->sess[op->slot];
	if (s->kind == KIND_CBC)
		e = op->type == FTLS_OP_SEAL ? cbc_seal(s, op, op->dst, op->dst_cap, &out)
		  : op->type == FTLS_OP_OPEN ? cbc_open(s, op, op->dst, op->dst_cap, &out)
		  : FTLS_ERR_INVAL;
	else
		e = op->type == FTLS_OP_SEAL ? aead_seal(s, op->seq, op->aad, op->aad_len, op->src,
							 op->src_len, op->dst, op->dst_cap, &out)
		  : op->type == FTLS_OP_OPEN ? aead_open(s, op->seq, op->aad, op->aad_len, op->src,
							 op->src_len, op->dst, op->dst_cap, &out)
		  : FTLS_ERR_INVAL;
	op->status = (uint16_t)e;
	op->dst_len = e == FTLS_OK ? (uint32_t)out : 0;
}

static uint16_t cpu_enqueue(struct ftls_crypto_dev *dev, uint16_t qp, struct ftls_crypto_op **ops,
			    uint16_t n)
{
	struct cpu_dev *d = to_cpu(dev);
	struct cpu_qp *q;
	uint32_t room;
	uint16_t i;

	if (qp >= d->nb_qp)
		return 0;
	q = &d->qps[qp];
	room = q->depth - (q->tail - q->head);
	if (n > room)
		n = (uint16_t)room;
	for (i = 0; i < n; i++) {
		process(d, ops[i]);
		q->ring[q->tail++ & q->mask] = ops[i];
	}
	return n;
}

static uint16_t cpu_dequeue(struct ftls_crypto_dev *dev, uint16_t qp, struct ftls_crypto_op **ops,
			    uint16_t n)
{
	struct cpu_dev *d = to_cpu(dev);
	struct cpu_qp *q;
	uint16_t i;

	if (qp >= d->nb_qp)
		return 0;
	q = &d->qps[qp];
	for (i = 0; i < n && q->head != q->tail; i++)
		ops[i] = q->ring[q->head++ & q->mask];
	return i;
}

static void sess_wipe(struct cpu_sess *s)
{
	if (s->enc)
		EVP_CIPHER_CTX_reset(s->enc);
	if (s->dec)
		EVP_CIPHER_CTX_reset(s->dec);
	ftls_wipe(s->iv, sizeof(s->iv));
	ftls_wipe(&s->hk, sizeof(s->hk));
	s->used = 0;
	s->kind = 0;
	s->mac = NULL;
}

static enum ftls_err sess_setup(struct cpu_dev *d, struct cpu_sess *s, const struct ftls_suite *su,
				const struct ftls_key_install *ki)
{
	const EVP_CIPHER *c = su->cipher < NB_CIPHERS ? d->ciphers[su->cipher] : NULL;

	if (!c)
		return FTLS_ERR_UNSUPPORTED;
	if (su->block_len) {
		s->kind = KIND_CBC;
		s->riv = FTLS_CBC_IV_LEN;
		s->mac = mac_alg(su->mac);
		if (!s->mac || s->mac->len != su->mac_key_len)
			return FTLS_ERR_UNSUPPORTED;
		s->tag_len = s->mac->len;
		hmac_setup(s->mac, ki->mac_key, ki->mac_key_len, &s->hk);
	} else {
		s->kind = su->record_iv_len == EXPL_NONCE_LEN ? KIND_AEAD_EXPL : KIND_AEAD_XOR;
		s->riv = su->record_iv_len;
		s->tag_len = su->tag_len;
	}
	memcpy(s->iv, ki->iv, ki->iv_len);
	if (EVP_EncryptInit_ex(s->enc, c, NULL, ki->key, NULL) != 1 ||
	    EVP_DecryptInit_ex(s->dec, c, NULL, ki->key, NULL) != 1)
		return FTLS_ERR_DEVICE;
	if (s->kind == KIND_CBC &&
	    (EVP_CIPHER_CTX_set_padding(s->enc, 0) != 1 || EVP_CIPHER_CTX_set_padding(s->dec, 0) != 1))
		return FTLS_ERR_DEVICE;
	return FTLS_OK;
}

static enum ftls_err cpu_sess_add(struct ftls_crypto_dev *dev, const struct ftls_key_install *ki,
				  uint32_t *slot)
{
	struct cpu_dev *d = to_cpu(dev);
	const struct ftls_suite *su;
	struct cpu_sess *s;
	enum ftls_err e;
	uint32_t sl;

	if (!ki || ki->abi_version != FTLS_WIRE_ABI_VERSION || ki->size != sizeof(*ki) ||
	    ki->dir > FTLS_DIR_TX)
		return FTLS_ERR_INVAL;
	su = ftls_suite_by_id(ki->suite);
	if (!su || su->version != ki->tls_version || ki->key_len != su->key_len ||
	    ki->iv_len != su->iv_len || ki->mac_key_len != su->mac_key_len)
		return FTLS_ERR_INVAL;
	pthread_mutex_lock(&d->lock);
	if (d->nb_free == 0) {
		pthread_mutex_unlock(&d->lock);
		return FTLS_ERR_FULL;
	}
	sl = d->free_slots[--d->nb_free];
	pthread_mutex_unlock(&d->lock);
	s = &d->sess[sl];
	e = sess_setup(d, s, su, ki);
	if (e != FTLS_OK) {
		sess_wipe(s);
		pthread_mutex_lock(&d->lock);
		d->free_slots[d->nb_free++] = sl;
		pthread_mutex_unlock(&d->lock);
		return e;
	}
	s->used = 1;
	*slot = sl;
	return FTLS_OK;
}

static void cpu_sess_del(struct ftls_crypto_dev *dev, uint32_t slot)
{
	struct cpu_dev *d = to_cpu(dev);

	if (slot >= d->nb_slots || !d->sess[slot].used)
		return;
	sess_wipe(&d->sess[slot]);
	pthread_mutex_lock(&d->lock);
	d->free_slots[d->nb_free++] = slot;
	pthread_mutex_unlock(&d->lock);
}

static void cpu_close(struct ftls_crypto_dev *dev)
{
	struct cpu_dev *d = to_cpu(dev);

	if (!d)
		return;
	if (d->sess)
		for (uint32_t i = 0; i < d->nb_slots; i++) {
			sess_wipe(&d->sess[i]);
			EVP_CIPHER_CTX_free(d->sess[i].enc);
			EVP_CIPHER_CTX_free(d->sess[i].dec);
		}
	if (d->qps)
		for (uint16_t i = 0; i < d->nb_qp; i++)
			free(d->qps[i].ring);
	for (unsigned i = 0; i < NB_CIPHERS; i++)
		EVP_CIPHER_free(d->ciphers[i]);
	pthread_mutex_destroy(&d->lock);
	free(d->sess);
	free(d->qps);
	free(d->free_slots);
	free(d);
}

static enum ftls_err cpu_open(const struct ftls_crypto_conf *conf, struct ftls_crypto_dev **out)
{
	struct cpu_dev *d;

	if (!conf || !out || conf->nb_qp == 0 || conf->qp_depth == 0 || conf->qp_depth > (1u << 20) ||
	    conf->nb_slots == 0 || conf->nb_slots > (1u << 24))
		return FTLS_ERR_INVAL;
	d = calloc(1, sizeof(*d));
	if (!d)
		return FTLS_ERR_NOMEM;
	d->base.ops = &ftls_crypto_cpu_ops;
	pthread_mutex_init(&d->lock, NULL);
	d->nb_qp = conf->nb_qp;
	d->nb_slots = conf->nb_slots;
	d->qps = calloc(d->nb_qp, sizeof(*d->qps));
	d->sess = calloc(d->nb_slots, sizeof(*d->sess));
	d->free_slots = calloc(d->nb_slots, sizeof(*d->free_slots));
	if (!d->qps || !d->sess || !d->free_slots)
		goto nomem;
	for (uint16_t i = 0; i < d->nb_qp; i++) {
		uint32_t size = 1;

		while (size < conf->qp_depth)
			size <<= 1;
		d->qps[i].ring = calloc(size, sizeof(*d->qps[i].ring));
		if (!d->qps[i].ring)
			goto nomem;
		d->qps[i].mask = size - 1;
		d->qps[i].depth = conf->qp_depth;
	}
	for (uint32_t i = 0; i < d->nb_slots; i++) {
		d->sess[i].enc = EVP_CIPHER_CTX_new();
		d->sess[i].dec = EVP_CIPHER_CTX_new();
		if (!d->sess[i].enc || !d->sess[i].dec)
			goto nomem;
		d->free_slots[i] = d->nb_slots - 1 - i; /* slot 0 comes out first */
	}
	d->nb_free = d->nb_slots;
	for (unsigned i = 0; i < NB_CIPHERS; i++) {
		if (!cipher_names[i])
			continue;
		d->ciphers[i] = EVP_CIPHER_fetch(NULL, cipher_names[i], NULL);
		if (!d->ciphers[i]) {
			cpu_close(&d->base);
			return FTLS_ERR_UNSUPPORTED;
		}
	}
	*out = &d->base;
	return FTLS_OK;
nomem:
	cpu_close(&d->base);
	return FTLS_ERR_NOMEM;
}

const struct ftls_crypto_ops ftls_crypto_cpu_ops = {
	.name = "cpu",
	.open = cpu_open,
	.close = cpu_close,
	.sess_add = cpu_sess_add,
	.sess_del = cpu_sess_del,
	.enqueue_burst = cpu_enqueue,
	.dequeue_burst = cpu_dequeue,
};

/* ---- test entry points (crypto.h) --------------------------------------------------------- */

enum ftls_err ftls_crypto_cpu_aead(struct ftls_crypto_dev *dev, uint32_t slot, uint8_t type,
				   uint64_t seq, const uint8_t *aad, size_t aad_len,
				   const uint8_t *src, size_t src_len, uint8_t *dst, size_t dst_cap,
				   size_t *dst_len)
{
	struct cpu_dev *d;
	struct cpu_sess *s;

	if (!dev || dev->ops != &ftls_crypto_cpu_ops || aad_len > INT32_MAX)
		return FTLS_ERR_INVAL;
	d = to_cpu(dev);
	if (slot >= d->nb_slots || !d->sess[slot].used || d->sess[slot].kind == KIND_CBC)
		return FTLS_ERR_INVAL;
	s = &d->sess[slot];
	if (type == FTLS_OP_SEAL)
		return aead_seal(s, seq, aad, aad_len, src, src_len, dst, dst_cap, dst_len);
	if (type == FTLS_OP_OPEN)
		return aead_open(s, seq, aad, aad_len, src, src_len, dst, dst_cap, dst_len);
	return FTLS_ERR_INVAL;
}

enum ftls_err ftls_crypto_cpu_hmac(int mac, const uint8_t *key, size_t key_len, const uint8_t *msg,
				   size_t n, size_t max, bool constant_time, uint8_t *out,
				   size_t *out_len)
{
	const struct mac_alg *a = mac_alg((unsigned)mac);
	struct hmac_keys hk;

	if (!a || n > max || max > INT32_MAX / 2)
		return FTLS_ERR_INVAL;
	hmac_setup(a, key, key_len, &hk);
	if (constant_time)
		hmac_ct(a, &hk, NULL, 0, msg, max, 0, max, (uint32_t)n, out);
	else
		hmac_plain(a, &hk, NULL, 0, msg, n, out);
	ftls_wipe(&hk, sizeof(hk));
	*out_len = a->len;
	return FTLS_OK;
}

enum ftls_err ftls_crypto_cpu_cbc(const uint8_t *key, size_t key_len, const uint8_t *iv, bool enc,
				  const uint8_t *in, size_t len, uint8_t *out)
{
	const EVP_CIPHER *c = key_len == 16 ? EVP_aes_128_cbc() : key_len == 32 ? EVP_aes_256_cbc()
			    : key_len == 24 ? EVP_aes_192_cbc() : NULL;
	EVP_CIPHER_CTX *ctx;
	int outl = 0, fl = 0, ok;

	if (!c || len % 16 || len > INT32_MAX)
		return FTLS_ERR_INVAL;
	ctx = EVP_CIPHER_CTX_new();
	if (!ctx)
		return FTLS_ERR_NOMEM;
	ok = EVP_CipherInit_ex(ctx, c, NULL, key, iv, enc ? 1 : 0) == 1 &&
	     EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	     (!len || EVP_CipherUpdate(ctx, out, &outl, in, (int)len) == 1) &&
	     EVP_CipherFinal_ex(ctx, out + outl, &fl) == 1 && (size_t)(outl + fl) == len;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? FTLS_OK : FTLS_ERR_DEVICE;
}
