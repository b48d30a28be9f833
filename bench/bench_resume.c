/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Costs of the resumption and PKI building blocks per operation, each next to a reference
 * measured in the same run: the TLS 1.2 key derivation of one handshake (master secret, key
 * block, two Finished) against libcrypto's TLS1-PRF KDF doing the same PRF calls; ticket seal +
 * open against bare AES-256-GCM over the same bytes; session cache insert + lookup (no
 * reference: operations per second at 50k entries); the Bleichenbacher-safe RSA-2048 premaster
 * against EVP_PKEY_decrypt with PKCS#1 padding; client chain verification (ECDSA leaf +
 * intermediate) against bare X509_verify_cert. Best of several rounds. Not for: correctness.
 *
 *   build/bench/bench_resume [rounds]       (default 5)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "common/log.h"
#include "common/tls.h"
#include "ctrlplane/pki/rsa_kx.h"
#include "ctrlplane/pki/x509_verify.h"
#include "ctrlplane/resume/prf12.h"
#include "ctrlplane/resume/sess_cache.h"
#include "ctrlplane/resume/ticket.h"

enum { ROUND_NS = 150 * 1000 * 1000 };

static double now_s(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static void die(const char *what)
{
	fprintf(stderr, "bench_resume: %s failed\n", what);
	exit(1);
}

/* Operations per second of fn, best of rounds. */
static double measure(void (*fn)(void), int rounds)
{
	double best = 0;

	for (int r = 0; r < rounds; r++) {
		double t0 = now_s(), t;
		long n = 0;

		do {
			fn();
			n++;
			t = now_s() - t0;
		} while (t < ROUND_NS * 1e-9);
		if (n / t > best)
			best = (double)n / t;
	}
	return best;
}

static void report(const char *name, double ours, const char *ref_name, double ref)
{
	if (ref > 0)
		printf("%-34s %10.0f op/s   %-28s %10.0f op/s   ratio %.2f\n", name, ours, ref_name, ref,
		       ours / ref);
	else
		printf("%-34s %10.0f op/s\n", name, ours);
}

/* ---- PRF ---- */
static uint8_t pms[48], cr[32], sr[32], ms[48], th[32], vd[12];
static const struct ftls_suite *suite;

static void prf_ours(void)
{
	struct ftls_key_install rx, tx;

	if (cp_prf12_master_ems(FTLS_HASH_SHA256, pms, 48, th, 32, ms) ||
	    cp_prf12_keys(suite, ms, cr, sr, true, 0, &rx, &tx) ||
	    cp_prf12_finished(FTLS_HASH_SHA256, ms, true, th, 32, vd) ||
	    cp_prf12_finished(FTLS_HASH_SHA256, ms, false, th, 32, vd))
		die("prf12");
}

static void ossl_prf(const uint8_t *secret, size_t sl, const char *label, const uint8_t *seed,
		     size_t seedl, uint8_t *out, size_t n)
{
	static EVP_KDF *kdf;
	EVP_KDF_CTX *kc;
	uint8_t full[128];
	OSSL_PARAM p[4];
	size_t ll = strlen(label);

	if (!kdf && !(kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL)))
		die("TLS1-PRF fetch");
	kc = EVP_KDF_CTX_new(kdf);
	memcpy(full, label, ll);
	memcpy(full + ll, seed, seedl);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, "SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, sl);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full, ll + seedl);
	p[3] = OSSL_PARAM_construct_end();
	if (!kc || EVP_KDF_derive(kc, out, n, p) != 1)
		die("TLS1-PRF");
	EVP_KDF_CTX_free(kc);
}

static void prf_ref(void)
{
	uint8_t kb[128], seed[64];

	ossl_prf(pms, 48, "extended master secret", th, 32, ms, 48);
	memcpy(seed, sr, 32);
	memcpy(seed + 32, cr, 32);
	ossl_prf(ms, 48, "key expansion", seed, 64, kb, 2 * (16 + 4));
	ossl_prf(ms, 48, "client finished", th, 32, vd, 12);
	ossl_prf(ms, 48, "server finished", th, 32, vd, 12);
}

/* ---- tickets ---- */
static struct cp_ticket_keys *tkeys;
static struct cp_sess_state state;
static uint8_t tbuf[CP_TICKET_MAX_LEN], gkey[32], gpt[CP_SESS_STATE_MAX], gct[CP_SESS_STATE_MAX + 16];
static size_t state_len;
static EVP_CIPHER_CTX *gctx;

static void ticket_ours(void)
{
	struct cp_sess_state back;
	size_t n;
	bool renew;

	if (cp_ticket_seal(tkeys, &state, tbuf, sizeof(tbuf), &n) ||
	    cp_ticket_open(tkeys, tbuf, n, &back, &renew))
		die("ticket");
}

static void ticket_ref(void)
{
	uint8_t iv[12] = { 1 }, tag[16];
	int n, f;

	if (EVP_EncryptInit_ex(gctx, EVP_aes_256_gcm(), NULL, gkey, iv) != 1 ||
	    EVP_EncryptUpdate(gctx, gct, &n, gpt, (int)state_len) != 1 ||
	    EVP_EncryptFinal_ex(gctx, gct + n, &f) != 1 ||
	    EVP_CIPHER_CTX_ctrl(gctx, EVP_CTRL_GCM_GET_TAG, 16, tag) != 1 ||
	    EVP_DecryptInit_ex(gctx, EVP_aes_256_gcm(), NULL, gkey, iv) != 1 ||
	    EVP_DecryptUpdate(gctx, gpt, &n, gct, (int)state_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(gctx, EVP_CTRL_GCM_SET_TAG, 16, tag) != 1 ||
	    EVP_DecryptFinal_ex(gctx, gpt + n, &f) != 1)
		die("AES-GCM");
}

/* ---- session cache ---- */
static struct cp_sess_cache *cache;
static unsigned cache_i;

static void cache_ops(void)
{
	uint8_t id[32] = { 0 }, v[200], out[200];
	size_t len;

	memcpy(id, &cache_i, sizeof(cache_i));
	memset(v, 7, sizeof(v));
	if (cp_sess_put(cache, id, 32, v, sizeof(v), 0) || cp_sess_get(cache, id, 32, out, sizeof(out), &len))
		die("session cache");
	cache_i++;
}

/* ---- RSA ---- */
static EVP_PKEY *rsa;
static uint8_t cke[2 + 256];

static void rsa_ours(void)
{
	struct ftls_buf b;
	uint8_t out[48];

	ftls_buf_init_ro(&b, cke, sizeof(cke));
	if (cp_rsa_kx_premaster(rsa, &b, 0x0303, out))
		die("rsa_kx");
}

static void rsa_ref(void)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(rsa, NULL);
	uint8_t out[256];
	size_t ol = sizeof(out);

	if (!pc || EVP_PKEY_decrypt_init(pc) != 1 || EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1 ||
	    EVP_PKEY_decrypt(pc, out, &ol, cke + 2, 256) != 1)
		die("RSA decrypt");
	EVP_PKEY_CTX_free(pc);
}

/* ---- X.509 ---- */
static struct cp_x509_verifier *xv;
static X509 *x_root, *x_inter, *x_leaf;
static uint8_t *x_der[2];
static size_t x_len[2];
static X509_STORE *x_store;

static X509 *mkcert(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, const char *bc,
		    const char *eku)
{
	X509 *x = X509_new();
	X509V3_CTX c;
	X509_EXTENSION *e;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), (long)(uintptr_t)cn & 0xffff);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	X509V3_set_ctx(&c, issuer ? issuer : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &c, NID_basic_constraints, bc);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	if (eku) {
		e = X509V3_EXT_conf_nid(NULL, &c, NID_ext_key_usage, eku);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
	}
	if (!X509_sign(x, ikey ? ikey : key, EVP_sha256()))
		die("X509_sign");
	return x;
}

static void x509_ours(void)
{
	struct cp_x509_identity id;

	if (cp_x509_verify(xv, (const uint8_t *const *)x_der, x_len, 2, 0, &id))
		die("cp_x509_verify");
}

static void x509_ref(void)
{
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	STACK_OF(X509) *un = sk_X509_new_null();
	const uint8_t *p0 = x_der[0], *p1 = x_der[1];
	X509 *l = d2i_X509(NULL, &p0, (long)x_len[0]), *i = d2i_X509(NULL, &p1, (long)x_len[1]);

	sk_X509_push(un, i);
	if (!ctx || X509_STORE_CTX_init(ctx, x_store, l, un) != 1 || X509_verify_cert(ctx) != 1)
		die("X509_verify_cert");
	X509_STORE_CTX_free(ctx);
	sk_X509_pop_free(un, X509_free);
	X509_free(l);
}

int main(int argc, char **argv)
{
	int rounds = argc > 1 ? atoi(argv[1]) : 5;
	char dir[] = "/tmp/ftls-bench-XXXXXX", ca[64];
	EVP_PKEY *kr, *ki, *kl;
	FILE *f;

	if (rounds < 1)
		rounds = 1;
	ftls_log_set_level(FTLS_LOG_WARN);
	RAND_bytes(pms, 48);
	RAND_bytes(cr, 32);
	RAND_bytes(sr, 32);
	RAND_bytes(th, 32);
	suite = ftls_suite_by_id(FTLS_ECDHE_RSA_AES128_GCM_SHA256);
	report("TLS 1.2 key derivation (EMS)", measure(prf_ours, rounds), "libcrypto TLS1-PRF, same",
	       measure(prf_ref, rounds));

	{
		struct cp_ticket_conf conf = { .period = 3600 };
		struct ftls_buf b;

		if (cp_ticket_keys_create(&conf, &tkeys))
			die("ticket keys");
		state.version = FTLS_V_TLS13;
		state.suite = FTLS_TLS_AES_128_GCM_SHA256;
		state.secret_len = 32;
		state.lifetime = 7200;
		state.created = cp_ticket_now(tkeys);
		state.alpn_len = 2;
		memcpy(state.alpn, "h2", 2);
		state.sni_len = 11;
		memcpy(state.sni, "example.com", 11);
		ftls_buf_init(&b, gpt, sizeof(gpt));
		if (cp_sess_state_encode(&state, &b))
			die("encode");
		state_len = b.len;
		gctx = EVP_CIPHER_CTX_new();
		report("ticket seal + open", measure(ticket_ours, rounds), "bare AES-256-GCM enc + dec",
		       measure(ticket_ref, rounds));
		EVP_CIPHER_CTX_free(gctx);
		cp_ticket_keys_destroy(tkeys);
	}
	{
		struct cp_sess_cache_conf conf = { .max_entries = 50000, .max_bytes = 50000 * 300,
						   .lifetime = 300 };

		if (cp_sess_cache_create(&conf, &cache))
			die("cache");
		report("session cache put + get (50k)", measure(cache_ops, rounds), "", 0);
		cp_sess_cache_destroy(cache);
	}
	{
		EVP_PKEY_CTX *pc;
		uint8_t m[48] = { 3, 3 };
		size_t ol = 256;

		rsa = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
		pc = EVP_PKEY_CTX_new(rsa, NULL);
		RAND_bytes(m + 2, 46);
		if (!pc || EVP_PKEY_encrypt_init(pc) != 1 || EVP_PKEY_encrypt(pc, cke + 2, &ol, m, 48) != 1)
			die("RSA encrypt");
		cke[0] = 1;
		cke[1] = 0;
		EVP_PKEY_CTX_free(pc);
		report("RSA-2048 premaster (safe)", measure(rsa_ours, rounds), "EVP_PKEY_decrypt PKCS#1",
		       measure(rsa_ref, rounds));
		EVP_PKEY_free(rsa);
	}
	{
		struct cp_x509_conf conf = { .ca_file = ca };
		int n;

		kr = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		ki = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		kl = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
		x_root = mkcert("root", kr, NULL, NULL, "critical,CA:TRUE", NULL);
		x_inter = mkcert("inter", ki, x_root, kr, "critical,CA:TRUE", NULL);
		x_leaf = mkcert("leaf", kl, x_inter, ki, "critical,CA:FALSE", "clientAuth");
		if (!mkdtemp(dir))
			die("mkdtemp");
		snprintf(ca, sizeof(ca), "%s/ca.pem", dir);
		f = fopen(ca, "w");
		if (!f || PEM_write_X509(f, x_root) != 1)
			die("write CA");
		fclose(f);
		if (cp_x509_verifier_create(&conf, &xv))
			die("verifier");
		n = i2d_X509(x_leaf, &x_der[0]);
		x_len[0] = (size_t)n;
		n = i2d_X509(x_inter, &x_der[1]);
		x_len[1] = (size_t)n;
		x_store = X509_STORE_new();
		X509_STORE_add_cert(x_store, x_root);
		report("client chain verify (2 x ECDSA)", measure(x509_ours, rounds), "bare X509_verify_cert",
		       measure(x509_ref, rounds));
		unlink(ca);
		rmdir(dir);
		cp_x509_verifier_destroy(xv);
		X509_STORE_free(x_store);
		OPENSSL_free(x_der[0]);
		OPENSSL_free(x_der[1]);
		X509_free(x_root);
		X509_free(x_inter);
		X509_free(x_leaf);
		EVP_PKEY_free(kr);
		EVP_PKEY_free(ki);
		EVP_PKEY_free(kl);
	}
	return 0;
}
