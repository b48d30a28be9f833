/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Record-layer throughput on the cpu backend next to OpenSSL's own EVP throughput for the same
 * cipher, measured in the same run. Ours: ftls_rec_seal_prep / enqueue_burst / dequeue_burst /
 * seal_done (and the open equivalents) in bursts of 32 records. TLS 1.3 seals in place (the
 * plaintext already at out + 5, the dataplane's layout; "seal+copy" is the same from a separate
 * buffer); TLS 1.2 reads the plaintext where it is. OpenSSL: a pre-keyed EVP_CIPHER_CTX, per record
 * nonce + AAD + update + final + tag (AEAD), or HMAC (EVP_MAC, rekeyed per record the way libssl
 * reuses it) + AES-CBC for the CBC suites, over the same sizes; for CBC open also libssl's own
 * constant-time path (the stitched AES-CBC-HMAC cipher in TLS mode), the like-for-like reference.
 * Several short alternating rounds; the best of each is reported, and the ratio ours / OpenSSL.
 * Not for: correctness (the unit tests).
 *
 *   build/bench/bench_record [rounds [suite-name-substring]]      (default: 7 rounds, all)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/crypto.h"
#include "common/record.h"

enum { BURST = 32, ROUND_NS = 40 * 1000 * 1000 };

static uint8_t recs[BURST][FTLS_REC_MAX_LEN + 64];
static uint8_t outs[BURST][FTLS_REC_MAX_LEN + 64];
static uint8_t pts[BURST][FTLS_REC_MAX_PLAIN + 64];

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

struct ctx {
	const struct ftls_suite *s;
	size_t len;
	struct ftls_crypto_dev *dev;
	struct ftls_rec_dir tx, rx;
	uint64_t rx_base;
	size_t rec_len[BURST];
	/* OpenSSL */
	EVP_CIPHER_CTX *e, *d;
	EVP_MAC_CTX *mac;
	EVP_CIPHER_CTX *st;     /* libssl's stitched AES-CBC-HMAC in TLS mode, when there is one */
	uint8_t key[32], mac_key[48];
};

static void die(const char *what)
{
	fprintf(stderr, "bench_record: %s\n", what);
	exit(1);
}

/* One burst of our seals; copy: plaintext from pts (else in place at out + 5). */
static void ours_seal(struct ctx *c, int copy)
{
	struct ftls_crypto_op ops[BURST], *p[BURST];
	int v13 = c->s->version == FTLS_V_TLS13;
	uint16_t n = 0;

	for (int i = 0; i < BURST; i++) {
		const uint8_t *pt = v13 && !copy ? recs[i] + 5 : pts[i];

		if (ftls_rec_seal_prep(&c->tx, FTLS_CT_APPLICATION_DATA, pt, c->len, recs[i],
				       sizeof(recs[i]), &ops[i]) != FTLS_OK)
			die("seal_prep");
		p[i] = &ops[i];
	}
	if (ftls_crypto_enqueue_burst(c->dev, 0, p, BURST) != BURST)
		die("enqueue");
	while (n < BURST)
		n = (uint16_t)(n + ftls_crypto_dequeue_burst(c->dev, 0, p + n, (uint16_t)(BURST - n)));
	for (int i = 0; i < BURST; i++)
		if (ftls_rec_seal_done(&c->tx, &ops[i], recs[i], &c->rec_len[i]) != FTLS_OK)
			die("seal_done");
}

static void ours_open(struct ctx *c)
{
	struct ftls_crypto_op ops[BURST], *p[BURST];
	uint16_t n = 0;

	c->rx.seq = c->rx_base; /* the same 32 records each time */
	for (int i = 0; i < BURST; i++) {
		if (ftls_rec_open_prep(&c->rx, recs[i], c->rec_len[i], outs[i], sizeof(outs[i]), &ops[i]) !=
		    FTLS_OK)
			die("open_prep");
		p[i] = &ops[i];
	}
	if (ftls_crypto_enqueue_burst(c->dev, 0, p, BURST) != BURST)
		die("enqueue");
	while (n < BURST)
		n = (uint16_t)(n + ftls_crypto_dequeue_burst(c->dev, 0, p + n, (uint16_t)(BURST - n)));
	for (int i = 0; i < BURST; i++) {
		uint8_t t;
		size_t len;

		if (ftls_rec_open_done(&c->rx, &ops[i], &t, &len) != FTLS_OK || len != c->len)
			die("open_done");
	}
}

/* OpenSSL's EVP, one burst's worth of records. */
static void evp_seal(struct ctx *c)
{
	uint8_t nonce[12] = { 1, 2, 3 }, aad[13] = { 0 };
	int l, fl;

	for (int i = 0; i < BURST; i++) {
		uint8_t *o = outs[i];

		nonce[11] = (uint8_t)i;
		aad[7] = (uint8_t)i;
		if (c->s->block_len) {
			uint8_t m[64], iv[16] = { (uint8_t)i };
			size_t ml = c->s->mac_key_len, padded = (c->len + ml + 16) & ~(size_t)15;
			uint8_t tail[64 + 16];

			if (!EVP_MAC_init(c->mac, NULL, 0, NULL) || !EVP_MAC_update(c->mac, aad, 13) ||
			    !EVP_MAC_update(c->mac, pts[i], c->len) || !EVP_MAC_final(c->mac, m, &ml, sizeof(m)))
				die("evp mac");
			memcpy(tail, m, ml);
			memset(tail + ml, (int)(padded - c->len - ml - 1), padded - c->len - ml);
			if (!EVP_EncryptInit_ex(c->e, NULL, NULL, NULL, iv) ||
			    !EVP_EncryptUpdate(c->e, o, &l, pts[i], (int)c->len) ||
			    !EVP_EncryptUpdate(c->e, o + l, &fl, tail, (int)(padded - c->len)))
				die("evp cbc");
			continue;
		}
		if (!EVP_EncryptInit_ex(c->e, NULL, NULL, NULL, nonce) ||
		    !EVP_EncryptUpdate(c->e, NULL, &l, aad, c->s->version == FTLS_V_TLS13 ? 5 : 13) ||
		    !EVP_EncryptUpdate(c->e, o, &l, pts[i], (int)c->len) ||
		    !EVP_EncryptFinal_ex(c->e, o + l, &fl) ||
		    !EVP_CIPHER_CTX_ctrl(c->e, EVP_CTRL_AEAD_GET_TAG, 16, o + c->len))
			die("evp seal");
	}
}

/* The matching decrypts: AEAD with tag check, CBC decrypt + HMAC compare (not constant-time). */
static void evp_open(struct ctx *c, int prepare)
{
	uint8_t nonce[12] = { 1, 2, 3 }, aad[13] = { 0 };
	static uint8_t tags[BURST][16];
	int l, fl;

	if (prepare) {
		evp_seal(c);
		for (int i = 0; i < BURST; i++) {
			memcpy(recs[i], outs[i], c->len + 64);
			memcpy(tags[i], outs[i] + c->len, 16);
		}
		return;
	}
	for (int i = 0; i < BURST; i++) {
		nonce[11] = (uint8_t)i;
		aad[7] = (uint8_t)i;
		if (c->s->block_len) {
			uint8_t m[64], iv[16] = { (uint8_t)i };
			size_t ml = c->s->mac_key_len, padded = (c->len + ml + 16) & ~(size_t)15;

			if (!EVP_DecryptInit_ex(c->d, NULL, NULL, NULL, iv) ||
			    !EVP_DecryptUpdate(c->d, outs[i], &l, recs[i], (int)padded))
				die("evp cbc open");
			if (!EVP_MAC_init(c->mac, NULL, 0, NULL) || !EVP_MAC_update(c->mac, aad, 13) ||
			    !EVP_MAC_update(c->mac, outs[i], c->len) || !EVP_MAC_final(c->mac, m, &ml, sizeof(m)))
				die("evp mac");
			if (memcmp(m, outs[i] + c->len, ml))
				die("evp cbc mac mismatch");
			continue;
		}
		if (!EVP_DecryptInit_ex(c->d, NULL, NULL, NULL, nonce) ||
		    !EVP_DecryptUpdate(c->d, NULL, &l, aad, c->s->version == FTLS_V_TLS13 ? 5 : 13) ||
		    !EVP_DecryptUpdate(c->d, outs[i], &l, recs[i], (int)c->len) ||
		    !EVP_CIPHER_CTX_ctrl(c->d, EVP_CTRL_AEAD_SET_TAG, 16, tags[i]) ||
		    EVP_DecryptFinal_ex(c->d, outs[i] + l, &fl) != 1)
			die("evp open");
	}
}

/*
 * OpenSSL's own constant-time TLS CBC open: the stitched AES-CBC-HMAC-SHA1/256 cipher libssl uses
 * (EVP_CTRL_AEAD_TLS1_AAD, then one EVP_Cipher over explicit IV || ciphertext), on our records.
 */
static void stitched_open(struct ctx *c, int unused)
{
	(void)unused;
	for (int i = 0; i < BURST; i++) {
		uint8_t aad[13];
		size_t frag = c->rec_len[i] - 5;

		for (int k = 0; k < 8; k++)
			aad[k] = (uint8_t)((c->rx_base + (uint64_t)i) >> (56 - 8 * k));
		aad[8] = FTLS_CT_APPLICATION_DATA;
		aad[9] = 3;
		aad[10] = 3;
		aad[11] = (uint8_t)(frag >> 8);
		aad[12] = (uint8_t)frag;
		if (EVP_CIPHER_CTX_ctrl(c->st, EVP_CTRL_AEAD_TLS1_AAD, 13, aad) <= 0 ||
		    EVP_Cipher(c->st, outs[i], recs[i] + 5, (unsigned)frag) <= 0)
			die("stitched open");
	}
}

/* Best MB/s of fn over a round of ~ROUND_NS. */
static double measure(void (*fn)(struct ctx *, int), struct ctx *c, int arg)
{
	double t0 = now_s(), t;
	long bursts = 0;

	do {
		fn(c, arg);
		bursts++;
		t = now_s();
	} while (t - t0 < ROUND_NS * 1e-9);
	return (double)bursts * BURST * (double)c->len / (t - t0) / 1e6;
}

static void w_ours_seal(struct ctx *c, int copy) { ours_seal(c, copy); }
static void w_ours_open(struct ctx *c, int unused) { (void)unused; ours_open(c); }
static void w_evp_seal(struct ctx *c, int unused) { (void)unused; evp_seal(c); }
static void w_evp_open(struct ctx *c, int unused) { (void)unused; evp_open(c, 0); }

static const char *evp_name(const struct ftls_suite *s)
{
	static const char *const names[] = {
		[FTLS_CIPHER_AES_128_GCM] = "AES-128-GCM",
		[FTLS_CIPHER_AES_256_GCM] = "AES-256-GCM",
		[FTLS_CIPHER_CHACHA20_POLY1305] = "ChaCha20-Poly1305",
		[FTLS_CIPHER_AES_128_CBC] = "AES-128-CBC",
		[FTLS_CIPHER_AES_256_CBC] = "AES-256-CBC",
	};
	return names[s->cipher];
}

static void setup_evp(struct ctx *c)
{
	EVP_CIPHER *ci = EVP_CIPHER_fetch(NULL, evp_name(c->s), NULL);

	c->e = EVP_CIPHER_CTX_new();
	c->d = EVP_CIPHER_CTX_new();
	if (!ci || !c->e || !c->d || !EVP_EncryptInit_ex(c->e, ci, NULL, c->key, NULL) ||
	    !EVP_DecryptInit_ex(c->d, ci, NULL, c->key, NULL))
		die("evp init");
	EVP_CIPHER_free(ci);
	if (c->s->block_len) {
		EVP_MAC *m = EVP_MAC_fetch(NULL, "HMAC", NULL);
		const char *md = c->s->mac == FTLS_MAC_HMAC_SHA1 ? "SHA1"
			       : c->s->mac == FTLS_MAC_HMAC_SHA256 ? "SHA256" : "SHA384";
		OSSL_PARAM p[2] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)md, 0),
				    OSSL_PARAM_construct_end() };

		c->mac = EVP_MAC_CTX_new(m);
		EVP_MAC_free(m);
		if (!c->mac || !EVP_MAC_init(c->mac, c->mac_key, c->s->mac_key_len, p))
			die("evp mac init");
		EVP_CIPHER_CTX_set_padding(c->e, 0);
		EVP_CIPHER_CTX_set_padding(c->d, 0);
		if (c->s->mac != FTLS_MAC_HMAC_SHA384) {
			char name[40];
			EVP_CIPHER *st;
			uint8_t zero[16] = { 0 };

			snprintf(name, sizeof(name), "AES-%d-CBC-HMAC-%s", c->s->key_len * 8,
				 c->s->mac == FTLS_MAC_HMAC_SHA1 ? "SHA1" : "SHA256");
			st = EVP_CIPHER_fetch(NULL, name, NULL);
			c->st = st ? EVP_CIPHER_CTX_new() : NULL;
			if (c->st && (!EVP_DecryptInit_ex(c->st, st, NULL, c->key, zero) ||
				      EVP_CIPHER_CTX_ctrl(c->st, EVP_CTRL_AEAD_SET_MAC_KEY,
							  c->s->mac_key_len, c->mac_key) <= 0)) {
				EVP_CIPHER_CTX_free(c->st);
				c->st = NULL;
			}
			EVP_CIPHER_free(st);
		}
	}
}

static void run(const struct ftls_suite *s, size_t len, int rounds)
{
	struct ftls_crypto_conf conf = { .nb_qp = 1, .qp_depth = BURST, .nb_slots = 4 };
	struct ftls_key_install ki = { .abi_version = FTLS_WIRE_ABI_VERSION, .size = sizeof(ki) };
	struct ctx c = { .s = s, .len = len };
	double best[7] = { 0 };
	static const char *const what[3] = { "seal", "seal+copy", "open" };

	if (ftls_crypto_open("cpu", &conf, &c.dev) != FTLS_OK)
		die("open cpu backend");
	RAND_bytes(c.key, sizeof(c.key));
	RAND_bytes(c.mac_key, sizeof(c.mac_key));
	ki.tls_version = s->version;
	ki.suite = s->id;
	ki.key_len = s->key_len;
	ki.iv_len = s->iv_len;
	ki.mac_key_len = s->mac_key_len;
	memcpy(ki.key, c.key, sizeof(ki.key));
	memcpy(ki.mac_key, c.mac_key, sizeof(ki.mac_key));
	ki.dir = FTLS_DIR_TX;
	if (ftls_rec_dir_install(&c.tx, c.dev, 0, &ki) != FTLS_OK)
		die("install tx");
	ki.dir = FTLS_DIR_RX;
	if (ftls_rec_dir_install(&c.rx, c.dev, 0, &ki) != FTLS_OK)
		die("install rx");
	setup_evp(&c);
	for (int i = 0; i < BURST; i++)
		RAND_bytes(pts[i], (int)len);

	for (int r = 0; r < rounds; r++) {
		double v;

		v = measure(w_ours_seal, &c, 0);
		best[0] = v > best[0] ? v : best[0];
		v = measure(w_evp_seal, &c, 0);
		best[1] = v > best[1] ? v : best[1];
		if (s->version == FTLS_V_TLS13) {
			v = measure(w_ours_seal, &c, 1);
			best[2] = v > best[2] ? v : best[2];
		}
		/* Open our own sealed records at a fixed base sequence number. */
		c.tx.seq = c.rx_base = 1000;
		ours_seal(&c, 1);
		v = measure(w_ours_open, &c, 0);
		best[4] = v > best[4] ? v : best[4];
		if (c.st) {
			v = measure(stitched_open, &c, 0);
			best[6] = v > best[6] ? v : best[6];
		}
		evp_open(&c, 1);
		v = measure(w_evp_open, &c, 0);
		best[5] = v > best[5] ? v : best[5];
	}
	for (int k = 0; k < 3; k++) {
		static const int oi[3] = { 0, 2, 4 }, ri[3] = { 1, 1, 5 };
		double ours = best[oi[k]], ref = best[ri[k]];

		if (k == 1 && s->version != FTLS_V_TLS13)
			continue;
		printf("%-42s %-7s %6zu B  %-9s ours %8.1f MB/s   openssl %8.1f MB/s   ratio %.2f\n",
		       s->name, ftls_version_name(s->version), len, what[k], ours, ref, ours / ref);
	}
	if (c.st)
		printf("%-42s %-7s %6zu B  %-9s ours %8.1f MB/s   libssl  %8.1f MB/s   ratio %.2f"
		       "   (OpenSSL's constant-time stitched CBC-HMAC)\n", s->name,
		       ftls_version_name(s->version), len, "open", best[4], best[6], best[4] / best[6]);
	fflush(stdout);
	EVP_CIPHER_CTX_free(c.st);
	ftls_rec_dir_clear(&c.tx);
	ftls_rec_dir_clear(&c.rx);
	EVP_CIPHER_CTX_free(c.e);
	EVP_CIPHER_CTX_free(c.d);
	EVP_MAC_CTX_free(c.mac);
	ftls_crypto_close(c.dev);
}

int main(int argc, char **argv)
{
	static const uint16_t suites[] = {
		FTLS_TLS_AES_128_GCM_SHA256, FTLS_TLS_AES_256_GCM_SHA384, FTLS_TLS_CHACHA20_POLY1305_SHA256,
		FTLS_ECDHE_RSA_AES128_GCM_SHA256, FTLS_ECDHE_RSA_CHACHA20_POLY1305,
		FTLS_ECDHE_RSA_AES128_CBC_SHA256,
		FTLS_ECDHE_RSA_AES128_CBC_SHA,
	};
	static const size_t sizes[] = { 16384, 1024, 64 };
	int rounds = argc > 1 ? atoi(argv[1]) : 7;
	const char *only = argc > 2 ? argv[2] : NULL;

	if (rounds < 1)
		rounds = 1;
	printf("bench_record: cpu backend vs OpenSSL EVP, bursts of %d, best of %d rounds of %d ms\n",
	       BURST, rounds, ROUND_NS / 1000000);
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		for (size_t k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++)
			if (!only || strstr(ftls_suite_by_id(suites[i])->name, only))
				run(ftls_suite_by_id(suites[i]), sizes[k], rounds);
	return 0;
}
