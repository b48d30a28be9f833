/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Unit tests of the TLS 1.2 PRF module (ctrlplane/resume/prf12.h), against data nobody here wrote:
 *  - the illustrated TLS 1.2 connection (vectors/illustrated-tls12): master secret from the X25519
 *    premaster and both randoms, the key block's keys, both verify_data over transcripts hashed
 *    from the caps/ files, and the client's encrypted Finished record opened with the derived keys;
 *  - libcrypto's own TLS1-PRF KDF for P_SHA256 and P_SHA384 at many output lengths;
 *  - OpenSSL's libssl, client and server in memory, every TLS 1.2 suite of tls.h with and without
 *    extended master secret: the master secret (classic from the randoms; extended from the
 *    session hash of the handshake messages, with the premaster decrypted from an RSA key
 *    exchange) must equal SSL_SESSION_get_master_key; for every suite the derived keys must open
 *    the application records both peers wrote and both verify_data must equal the Finished
 *    messages libssl sent;
 *  - libssl resuming by session id, with the server's session kept as an encoded state in our
 *    session cache: keys and the abbreviated handshake's Finished from the cached master secret.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "common/ct.h"
#include "ctrlplane/resume/prf12.h"
#include "ctrlplane/resume/sess_cache.h"
#include "ctrlplane/resume/ticket.h"
#include "tests/unit/test_record_util.h"
#include "tests/unit/test_ossl_peer.h"

#define V12 FTLS_VECTORS_DIR "/illustrated-tls12/"


enum { IO_MAX = 1 << 16, HS_MAX = 1 << 15 };
static uint8_t io[IO_MAX];

/* Handshake messages the server saw or sent, in order (libssl's message callback). */
static uint8_t hs_log[HS_MAX];
static size_t hs_len;
static size_t hs_off[32], hs_n;

static void sha(int hash, const uint8_t *p, size_t n, uint8_t *out)
{
	unsigned int ol = 0;

	assert_int_equal(EVP_Digest(p, n, out, &ol, hash == FTLS_HASH_SHA384 ? EVP_sha384() : EVP_sha256(),
				    NULL), 1);
	assert_int_equal(ol, ftls_hash_len(hash));
}

static void hexeq(const uint8_t *got, const char *hex)
{
	uint8_t want[64];
	long n = tb_hex(hex, want, sizeof(want));

	assert_true(n > 0);
	assert_memory_equal(got, want, (size_t)n);
}

/* ---------------------------------------------------------------- illustrated TLS 1.2 ---- */

/* Appends the handshake message(s) of a record file (header stripped) to buf. */
static size_t add_rec(uint8_t *buf, size_t at, const char *name)
{
	char path[256];
	uint8_t rec[2048];
	long n;

	snprintf(path, sizeof(path), V12 "caps/%s", name);
	n = tb_read_file(path, rec, sizeof(rec));
	assert_true(n > FTLS_REC_HDR_LEN);
	assert_int_equal(rec[0], FTLS_CT_HANDSHAKE);
	memcpy(buf + at, rec + FTLS_REC_HDR_LEN, (size_t)n - FTLS_REC_HDR_LEN);
	return at + (size_t)n - FTLS_REC_HDR_LEN;
}

static void test_illustrated_tls12(void **state)
{
	static const char *const msgs[] = { "clienthello", "serverhello", "servercert",
					    "serverkeyexchange", "serverhellodone", "clientkeyexchange" };
	uint8_t pms[32], cr[32], sr[32], ms[48], th[48], vd[12], tr[4096], rec[256], pt[256];
	struct ftls_key_install rx, tx, crx, ctx;
	struct ftls_rec_dir d = { 0 };
	const struct ftls_suite *s = ftls_suite_by_id(FTLS_ECDHE_RSA_AES128_CBC_SHA);
	size_t tl = 0, ptl;
	uint8_t type;
	long rl;

	(void)state;
	assert_non_null(s);
	assert_int_equal(tb_hex("df4a291baa1eb7cfa6934b29b474baad2697e29f1f920dcc77c8a0a088447624", pms,
				sizeof(pms)), 32);
	for (int i = 0; i < 32; i++) {
		cr[i] = (uint8_t)i;
		sr[i] = (uint8_t)(0x70 + i);
	}
	assert_int_equal(cp_prf12_master(s->hash, pms, sizeof(pms), cr, sr, ms), FTLS_OK);
	hexeq(ms, "916abf9da55973e13614ae0a3f5d3f37b023ba129aee02cc9134338127cd7049781c8e19fc1eb2a7387ac06ae237344c");

	/* As the server: rx = the client's write keys. */
	assert_int_equal(cp_prf12_keys(s, ms, cr, sr, true, 0, &rx, &tx), FTLS_OK);
	hexeq(rx.key, "f656d037b173ef3e11169f27231a84b6");
	hexeq(tx.key, "752a18e7a9fcb7cbcdd8f98dd8f769eb");
	hexeq(rx.mac_key, "1b7d117c7d5f690bc263cae8ef60af0f1878acc2");
	assert_int_equal(rx.dir, FTLS_DIR_RX);
	assert_int_equal(tx.dir, FTLS_DIR_TX);
	assert_int_equal(rx.key_len, 16);
	assert_int_equal(rx.mac_key_len, 20);
	assert_int_equal(rx.iv_len, 0);
	assert_int_equal(rx.tls_version, FTLS_V_TLS12);
	assert_int_equal(rx.suite, s->id);
	assert_true(rx.seq == 0);
	/* As the client: the same keys, directions swapped. */
	assert_int_equal(cp_prf12_keys(s, ms, cr, sr, false, 7, &crx, &ctx), FTLS_OK);
	assert_memory_equal(crx.key, tx.key, 16);
	assert_memory_equal(ctx.key, rx.key, 16);
	assert_memory_equal(ctx.mac_key, rx.mac_key, 20);
	assert_true(ctx.seq == 7);

	/* Client Finished: over CH..CKE. */
	for (size_t i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		tl = add_rec(tr, tl, msgs[i]);
	sha(s->hash, tr, tl, th);
	assert_int_equal(cp_prf12_finished(s->hash, ms, true, th, 32, vd), FTLS_OK);
	hexeq(vd, "cf919626f1360c536aaad73a");

	/* The client's Finished record opens with our rx keys and carries that verify_data. */
	rl = tb_read_file(V12 "caps/clientfinished", rec, sizeof(rec));
	assert_true(rl > 0);
	assert_int_equal(ftls_rec_dir_install(&d, tbs[0].dev, 0, &rx), FTLS_OK);
	assert_int_equal(ftls_rec_open(&d, rec, (size_t)rl, pt, sizeof(pt), &type, &ptl), FTLS_OK);
	ftls_rec_dir_clear(&d);
	assert_int_equal(type, FTLS_CT_HANDSHAKE);
	assert_int_equal(ptl, 16);
	assert_memory_equal(pt, "\x14\x00\x00\x0c", 4);
	assert_memory_equal(pt + 4, vd, 12);

	/* Server Finished: the client Finished message is now part of the transcript. */
	memcpy(tr + tl, pt, 16);
	tl += 16;
	sha(s->hash, tr, tl, th);
	assert_int_equal(cp_prf12_finished(s->hash, ms, false, th, 32, vd), FTLS_OK);
	hexeq(vd, "844d3c10746dd722f92f0c7e");
	ftls_wipe(&rx, sizeof(rx));
	ftls_wipe(&tx, sizeof(tx));
}

/* ------------------------------------------------------------ libcrypto's TLS1-PRF ---- */

static void ossl_prf(int hash, const uint8_t *secret, size_t sl, const char *label,
		     const uint8_t *seed, size_t seedl, uint8_t *out, size_t n)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "TLS1-PRF", NULL);
	EVP_KDF_CTX *kc = EVP_KDF_CTX_new(kdf);
	uint8_t full[256];
	OSSL_PARAM p[4];
	size_t ll = strlen(label);

	assert_non_null(kc);
	memcpy(full, label, ll);
	memcpy(full + ll, seed, seedl);
	p[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
						hash == FTLS_HASH_SHA384 ? "SHA384" : "SHA256", 0);
	p[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SECRET, (void *)secret, sl);
	p[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SEED, full, ll + seedl);
	p[3] = OSSL_PARAM_construct_end();
	assert_int_equal(EVP_KDF_derive(kc, out, n, p), 1);
	EVP_KDF_CTX_free(kc);
	EVP_KDF_free(kdf);
}

static void test_prf_vs_libcrypto(void **state)
{
	static const size_t lens[] = { 1, 12, 31, 32, 33, 47, 48, 49, 96, 104, 136, 200, 513 };
	static const char *const labels[] = { "master secret", "extended master secret",
					      "key expansion", "client finished", "" };
	uint8_t secret[100], seed[80], a[600], b[600];
	int n = 0;

	(void)state;
	for (int h = FTLS_HASH_SHA256; h <= FTLS_HASH_SHA384; h++)
		for (size_t li = 0; li < sizeof(labels) / sizeof(labels[0]); li++)
			for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
				size_t sl = 1 + (i * 7) % sizeof(secret), dl = (li * 13 + i) % sizeof(seed);

				assert_int_equal(RAND_bytes(secret, sizeof(secret)), 1);
				assert_int_equal(RAND_bytes(seed, sizeof(seed)), 1);
				/* Seeds passed in two pieces must act as one. */
				assert_int_equal(cp_prf12(h, secret, sl, labels[li], seed, dl / 2,
							  seed + dl / 2, dl - dl / 2, a, lens[i]),
						 FTLS_OK);
				ossl_prf(h, secret, sl, labels[li], seed, dl, b, lens[i]);
				assert_memory_equal(a, b, lens[i]);
				n++;
			}
	printf("PRF: %d outputs equal to libcrypto's TLS1-PRF (SHA-256, SHA-384)\n", n);
}

static void test_bad_arguments(void **state)
{
	uint8_t s[48] = { 1 }, out[48], big[200] = { 0 }, ms[48];
	struct ftls_key_install rx, tx;

	(void)state;
	assert_int_equal(cp_prf12(0, s, 48, "x", NULL, 0, NULL, 0, out, 48), FTLS_ERR_INVAL);
	assert_int_equal(cp_prf12(FTLS_HASH_SHA256, s, 48, "x", big, sizeof(big), NULL, 0, out, 48),
			 FTLS_ERR_INVAL);
	assert_int_equal(cp_prf12(FTLS_HASH_SHA256, s, 48, "x", NULL, 5, NULL, 0, out, 48), FTLS_ERR_INVAL);
	assert_int_equal(cp_prf12_master_ems(FTLS_HASH_SHA384, s, 48, big, 32, ms), FTLS_ERR_INVAL);
	assert_int_equal(cp_prf12_finished(FTLS_HASH_SHA256, ms, true, big, 48, out), FTLS_ERR_INVAL);
	assert_int_equal(cp_prf12_keys(ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256), ms, big, big,
				       true, 0, &rx, &tx), FTLS_ERR_INVAL);
	assert_int_equal(cp_prf12_keys(NULL, ms, big, big, true, 0, &rx, &tx), FTLS_ERR_INVAL);
}

/* ------------------------------------------------------------------- libssl peers ---- */

static void msg_cb(int write_p, int version, int content_type, const void *buf, size_t len,
		   SSL *ssl, void *arg)
{
	(void)write_p;
	(void)version;
	(void)ssl;
	(void)arg;
	if (content_type != SSL3_RT_HANDSHAKE || hs_len + len > sizeof(hs_log) ||
	    hs_n == sizeof(hs_off) / sizeof(hs_off[0]))
		return;
	hs_off[hs_n++] = hs_len;
	memcpy(hs_log + hs_len, buf, len);
	hs_len += len;
}

/* Offset in hs_log of the k-th message of type t (k = 0 the first), or -1. */
static long hs_find(uint8_t t, int k)
{
	for (size_t i = 0; i < hs_n; i++)
		if (hs_log[hs_off[i]] == t && k-- == 0)
			return (long)hs_off[i];
	return -1;
}

static SSL *make_ssl(const struct ftls_suite *s, int server, bool ems, SSL_CTX **pctx)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	SSL *ssl;

	assert_non_null(ctx);
	SSL_CTX_set_security_level(ctx, 1);
	assert_int_equal(SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION), 1);
	assert_int_equal(SSL_CTX_set_max_proto_version(ctx, TLS1_2_VERSION), 1);
	assert_int_equal(SSL_CTX_set_cipher_list(ctx, ftls_suite_openssl_name(s->id)), 1);
	SSL_CTX_set_options(ctx, SSL_OP_NO_ENCRYPT_THEN_MAC | SSL_OP_NO_TICKET |
				 (ems ? 0 : SSL_OP_NO_EXTENDED_MASTER_SECRET));
	if (server) {
		bool ec = s->kx == FTLS_KX_ECDHE_ECDSA;

		assert_int_equal(SSL_CTX_use_certificate(ctx, ec ? ec_cert : rsa_cert), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(ctx, ec ? ec_key : rsa_key), 1);
		SSL_CTX_set_msg_callback(ctx, msg_cb);
	} else {
		SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	}
	ssl = SSL_new(ctx);
	assert_non_null(ssl);
	SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	*pctx = ctx;
	return ssl;
}

/* Another connection on an existing context. */
static SSL *again(SSL_CTX *ctx, int server)
{
	SSL *ssl = SSL_new(ctx);

	assert_non_null(ssl);
	SSL_set_bio(ssl, BIO_new(BIO_s_mem()), BIO_new(BIO_s_mem()));
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	return ssl;
}

/* The pre-master secret of an RSA key exchange, decrypted here from the ClientKeyExchange. */
static void rsa_premaster(const uint8_t *cke, uint8_t pms[48])
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(rsa_key, NULL);
	size_t len = (size_t)(cke[1] << 16 | cke[2] << 8 | cke[3]), ol = 48;
	uint8_t out[512];

	assert_non_null(pc);
	assert_int_equal(len, 2 + 256);
	assert_int_equal(EVP_PKEY_decrypt_init(pc), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING), 1);
	ol = sizeof(out);
	assert_int_equal(EVP_PKEY_decrypt(pc, out, &ol, cke + 6, 256), 1);
	assert_int_equal(ol, 48);
	memcpy(pms, out, 48);
	EVP_PKEY_CTX_free(pc);
}

/* The writer's next record, opened with ki; the plaintext must be msg. */
static void open_one(SSL *writer, const struct ftls_key_install *ki, const char *msg)
{
	struct ftls_rec_dir d = { 0 };
	uint8_t pt[256], type;
	size_t n, ptl;

	assert_int_equal(SSL_write(writer, msg, (int)strlen(msg)), (int)strlen(msg));
	n = drain(writer, io, sizeof(io));
	assert_true(n > FTLS_REC_HDR_LEN);
	assert_int_equal(ftls_rec_dir_install(&d, tbs[0].dev, 0, ki), FTLS_OK);
	assert_int_equal(ftls_rec_open(&d, io, n, pt, sizeof(pt), &type, &ptl), FTLS_OK);
	ftls_rec_dir_clear(&d);
	assert_int_equal(type, FTLS_CT_APPLICATION_DATA);
	assert_int_equal(ptl, strlen(msg));
	assert_memory_equal(pt, msg, ptl);
}

static void one_suite(const struct ftls_suite *s, bool ems)
{
	SSL_CTX *sctx, *cctx;
	SSL *srv = make_ssl(s, 1, ems, &sctx), *cli = make_ssl(s, 0, ems, &cctx);
	uint8_t cr[32], sr[32], ms[48], ours[48], th[48], vd[12];
	struct ftls_key_install srx, stx, crx, ctx;
	long cke, cfin, sfin;
	size_t hl = ftls_hash_len(s->hash);

	hs_len = hs_n = 0;
	handshake(cli, srv);
	assert_int_equal(SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(cli)), s->id);
	assert_int_equal(SSL_get_extms_support(srv), ems ? 1 : 0);
	assert_int_equal(SSL_SESSION_get_master_key(SSL_get_session(srv), ms, sizeof(ms)), 48);
	assert_int_equal(SSL_get_client_random(srv, cr, 32), 32);
	assert_int_equal(SSL_get_server_random(srv, sr, 32), 32);
	cke = hs_find(FTLS_HS_CLIENT_KEY_EXCHANGE, 0);
	cfin = hs_find(FTLS_HS_FINISHED, 0);
	sfin = hs_find(FTLS_HS_FINISHED, 1);
	assert_true(cke > 0 && cfin > cke && sfin > cfin);

	/* The master secret, when this test can know the premaster (RSA key exchange). */
	if (s->kx == FTLS_KX_RSA) {
		uint8_t pms[48];

		rsa_premaster(hs_log + cke, pms);
		if (ems) {
			sha(s->hash, hs_log, (size_t)cfin, th); /* CH .. CKE */
			assert_int_equal(cp_prf12_master_ems(s->hash, pms, 48, th, hl, ours), FTLS_OK);
		} else {
			assert_int_equal(cp_prf12_master(s->hash, pms, 48, cr, sr, ours), FTLS_OK);
		}
		assert_memory_equal(ours, ms, 48);
		/* And the other construction does not give it. */
		if (ems)
			assert_int_equal(cp_prf12_master(s->hash, pms, 48, cr, sr, ours), FTLS_OK);
		else
			assert_int_equal(cp_prf12_master_ems(s->hash, pms, 48, cr, 32, ours), FTLS_OK);
		assert_memory_not_equal(ours, ms, 48);
	}

	/* Finished, both sides: over everything before each Finished message. */
	sha(s->hash, hs_log, (size_t)cfin, th);
	assert_int_equal(cp_prf12_finished(s->hash, ms, true, th, hl, vd), FTLS_OK);
	assert_memory_equal(hs_log + cfin, "\x14\x00\x00\x0c", 4);
	assert_memory_equal(hs_log + cfin + 4, vd, 12);
	sha(s->hash, hs_log, (size_t)sfin, th);
	assert_int_equal(cp_prf12_finished(s->hash, ms, false, th, hl, vd), FTLS_OK);
	assert_memory_equal(hs_log + sfin + 4, vd, 12);
	/* A wrong label does not. */
	assert_int_equal(cp_prf12_finished(s->hash, ms, true, th, hl, vd), FTLS_OK);
	assert_memory_not_equal(hs_log + sfin + 4, vd, 12);

	/* Keys: Finished used record 0 of each direction, so application data starts at 1. */
	assert_int_equal(cp_prf12_keys(s, ms, cr, sr, true, 1, &srx, &stx), FTLS_OK);
	assert_int_equal(cp_prf12_keys(s, ms, cr, sr, false, 1, &crx, &ctx), FTLS_OK);
	open_one(cli, &srx, "client to server, opened by the server's rx keys");
	open_one(srv, &crx, "server to client, opened by the client's rx keys");
	assert_memory_equal(&stx.key, &crx.key, sizeof(stx.key));
	assert_memory_equal(&stx.iv, &crx.iv, sizeof(stx.iv));
	assert_memory_equal(&stx.mac_key, &crx.mac_key, sizeof(stx.mac_key));

	SSL_free(cli);
	SSL_free(srv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	printf("%-45s %s: %s, keys open both peers' records, both Finished = libssl's\n", s->name,
	       ems ? "EMS" : "classic",
	       s->kx == FTLS_KX_RSA ? "master secret from the RSA premaster = libssl's" : "libssl's master secret");
}

static void test_libssl_every_tls12_suite(void **state)
{
	int runs = 0;

	(void)state;
	for (size_t i = 0; i < ftls_nb_suites; i++) {
		if (ftls_suites[i].version != FTLS_V_TLS12)
			continue;
		for (int ems = 0; ems < 2; ems++, runs++)
			one_suite(&ftls_suites[i], ems);
	}
	assert_true(runs >= 20);
}

/*
 * The TLS 1.2 session-ID resumption flow with the building blocks: after a full handshake the
 * server's session (master secret, suite, EMS) is encoded (ticket.h) into the session cache under
 * its session id; libssl then resumes; the state looked up by the resumed session id gives, with
 * the new randoms, the keys that open both peers' records and both Finished of the abbreviated
 * handshake (server Finished over CH..SH, client Finished over CH..SH + server Finished).
 */
static void resume_one(const struct ftls_suite *s)
{
	SSL_CTX *sctx, *cctx;
	SSL *srv = make_ssl(s, 1, true, &sctx), *cli = make_ssl(s, 0, true, &cctx);
	struct cp_sess_cache_conf cc = { .max_entries = 8, .max_bytes = 4096, .lifetime = 300 };
	struct cp_sess_cache *cache = NULL;
	struct cp_sess_state st;
	SSL_SESSION *sess;
	const uint8_t *sid;
	unsigned int sid_len;
	uint8_t enc[CP_SESS_STATE_MAX], cr[32], sr[32], th[48], vd[12];
	struct ftls_buf w, r;
	struct ftls_key_install srx, stx, crx, ctx;
	size_t len, hl = ftls_hash_len(s->hash);
	long sfin, cfin;

	assert_int_equal(cp_sess_cache_create(&cc, &cache), FTLS_OK);
	handshake(cli, srv);
	/* What the server would store after its full handshake. */
	memset(&st, 0, sizeof(st));
	st.version = FTLS_V_TLS12;
	st.suite = s->id;
	st.flags = SSL_get_extms_support(srv) == 1 ? CP_SESS_F_EMS : 0;
	st.secret_len = 48;
	assert_int_equal(SSL_SESSION_get_master_key(SSL_get_session(srv), st.secret, 48), 48);
	st.lifetime = 300;
	ftls_buf_init(&w, enc, sizeof(enc));
	assert_int_equal(cp_sess_state_encode(&st, &w), FTLS_OK);
	sid = SSL_SESSION_get_id(SSL_get_session(srv), &sid_len);
	assert_int_equal(sid_len, 32);
	assert_int_equal(cp_sess_put(cache, sid, sid_len, enc, w.len, 0), FTLS_OK);
	memset(&st, 0, sizeof(st));
	sess = SSL_get1_session(cli);
	/* A connection freed without a shutdown takes its session out of libssl's cache. */
	SSL_set_shutdown(cli, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_set_shutdown(srv, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(cli);
	SSL_free(srv);

	/* The abbreviated handshake. */
	srv = again(sctx, 1);
	cli = again(cctx, 0);
	assert_int_equal(SSL_set_session(cli, sess), 1);
	hs_len = hs_n = 0;
	handshake(cli, srv);
	assert_int_equal(SSL_session_reused(srv), 1);
	sid = SSL_SESSION_get_id(SSL_get_session(srv), &sid_len);
	assert_int_equal(cp_sess_get(cache, sid, sid_len, enc, sizeof(enc), &len), FTLS_OK);
	ftls_buf_init_ro(&r, enc, len);
	assert_int_equal(cp_sess_state_decode(&r, &st), FTLS_OK);
	assert_int_equal(st.suite, s->id);
	assert_true(st.flags & CP_SESS_F_EMS);
	assert_int_equal(SSL_get_client_random(srv, cr, 32), 32);
	assert_int_equal(SSL_get_server_random(srv, sr, 32), 32);
	assert_int_equal(hs_find(FTLS_HS_CERTIFICATE, 0), -1);
	sfin = hs_find(FTLS_HS_FINISHED, 0);   /* the server's comes first */
	cfin = hs_find(FTLS_HS_FINISHED, 1);
	assert_true(sfin > 0 && cfin > sfin);
	sha(s->hash, hs_log, (size_t)sfin, th);
	assert_int_equal(cp_prf12_finished(s->hash, st.secret, false, th, hl, vd), FTLS_OK);
	assert_memory_equal(hs_log + sfin + 4, vd, 12);
	sha(s->hash, hs_log, (size_t)cfin, th);
	assert_int_equal(cp_prf12_finished(s->hash, st.secret, true, th, hl, vd), FTLS_OK);
	assert_memory_equal(hs_log + cfin + 4, vd, 12);
	assert_int_equal(cp_prf12_keys(s, st.secret, cr, sr, true, 1, &srx, &stx), FTLS_OK);
	assert_int_equal(cp_prf12_keys(s, st.secret, cr, sr, false, 1, &crx, &ctx), FTLS_OK);
	open_one(cli, &srx, "resumed: client to server");
	open_one(srv, &crx, "resumed: server to client");
	printf("%-45s resumed by session id: cached state -> keys and both Finished = libssl's\n", s->name);
	ftls_wipe(&st, sizeof(st));
	SSL_SESSION_free(sess);
	SSL_free(cli);
	SSL_free(srv);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	cp_sess_cache_destroy(cache);
}

static void test_libssl_session_id_resumption(void **state)
{
	(void)state;
	resume_one(ftls_suite_by_id(FTLS_ECDHE_RSA_AES128_GCM_SHA256));
	resume_one(ftls_suite_by_id(FTLS_ECDHE_RSA_AES256_CBC_SHA384));
	resume_one(ftls_suite_by_id(FTLS_ECDHE_ECDSA_CHACHA20_POLY1305));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_illustrated_tls12),
		cmocka_unit_test(test_prf_vs_libcrypto),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_libssl_every_tls12_suite),
		cmocka_unit_test(test_libssl_session_id_resumption),
	};

	return cmocka_run_group_tests(tests, peer_setup, peer_teardown);
}
