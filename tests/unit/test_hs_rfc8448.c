/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine replays RFC 8448 §3 (Simple 1-RTT Handshake) as its server: with the RFC's RSA key
 * and certificate and its randomness injected, fed the RFC's ClientHello record, it must write the
 * RFC's ServerHello record byte for byte, then (under the RFC's handshake keys) its
 * EncryptedExtensions and Certificate byte for byte; the RSA-PSS CertificateVerify is salted, so
 * it is verified with the certificate's key, and our Finished is checked against the key schedule
 * over our transcript. A client Finished built the same way completes the handshake and the key
 * installs are the application keys of that transcript. A wrong client Finished is decrypt_error.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>

#include "ctrlplane/hs/hs_int.h"
#include "test_hs_util.h"
#include "test_hs_vectors.h"

#define GET(step, occ, field, buf) v8448_get(3, step, occ, field, buf, sizeof(buf))

struct rng_q {
	uint8_t data[64];
	size_t len, pos;
};

/* Hands out the RFC's server values in the order the engine draws them: the x25519 private key
 * (drawn while choosing the key share), then the ServerHello random. */
static void rng(void *arg, uint8_t *out, size_t len)
{
	struct rng_q *q = arg;
	assert_true(q->pos + len <= q->len);
	memcpy(out, q->data + q->pos, len);
	q->pos += len;
}

static EVP_PKEY *rfc_rsa_key(void)
{
	static const char *const fields[][2] = {
		{ "modulus (public)", OSSL_PKEY_PARAM_RSA_N },
		{ "public exponent", OSSL_PKEY_PARAM_RSA_E },
		{ "private exponent", OSSL_PKEY_PARAM_RSA_D },
		{ "prime1", OSSL_PKEY_PARAM_RSA_FACTOR1 },
		{ "prime2", OSSL_PKEY_PARAM_RSA_FACTOR2 },
		{ "exponent1", OSSL_PKEY_PARAM_RSA_EXPONENT1 },
		{ "exponent2", OSSL_PKEY_PARAM_RSA_EXPONENT2 },
		{ "coefficient", OSSL_PKEY_PARAM_RSA_COEFFICIENT1 },
	};
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	BIGNUM *bn[8] = { 0 };
	EVP_PKEY *key = NULL;
	const char *end, *sec = v8448_section(3, &end);
	const char *keys = strstr(v8448_text, "\n2.  Private Keys\n");

	assert_non_null(sec);
	assert_non_null(keys);
	for (int i = 0; i < 8; i++) {
		/* The key section has "label:  hex" lines without an octet count. */
		char label[64];
		uint8_t v[256];
		size_t n = 0;
		snprintf(label, sizeof(label), "   %s:", fields[i][0]);
		const char *p = strstr(keys, label);
		assert_non_null(p);
		p = strchr(p, ':') + 1;
		for (;;) {
			while (*p == ' ' || *p == '\n' || *p == '\f')
				p++;
			if (strncmp(p, "Thomson", 7) == 0 || strncmp(p, "Internet-Draft", 14) == 0) {
				p = strchr(p, '\n');
				continue;
			}
			unsigned x;
			if (!(isxdigit((unsigned char)p[0]) && isxdigit((unsigned char)p[1]) &&
			      (p[2] == ' ' || p[2] == '\n')) || sscanf(p, "%2x", &x) != 1)
				break;
			v[n++] = (uint8_t)x;
			p += 2;
		}
		assert_true(n > 0);
		bn[i] = BN_bin2bn(v, (int)n, NULL);
		assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, fields[i][1], bn[i]), 1);
	}
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(bld);
	EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	assert_int_equal(EVP_PKEY_fromdata_init(ctx), 1);
	assert_int_equal(EVP_PKEY_fromdata(ctx, &key, EVP_PKEY_KEYPAIR, params), 1);
	EVP_PKEY_CTX_free(ctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	for (int i = 0; i < 8; i++)
		BN_free(bn[i]);
	return key;
}

struct world {
	struct ftls_crypto_dev *dev;
	struct cp_certs certs;
	struct cp_listener l;
	struct rng_q q;
	EVP_PKEY *pub;
	uint8_t cert_msg[512];
	size_t cert_msg_len;
};

static void world_init(struct world *w)
{
	uint8_t v[64];
	memset(w, 0, sizeof(*w));
	w->dev = th_dev();
	assert_non_null(w->dev);
	w->cert_msg_len = GET("{server}  construct a Certificate ", 0, "Certificate", w->cert_msg);
	assert_int_equal(w->cert_msg_len, 445);
	size_t der_len = (size_t)w->cert_msg[8] << 16 | (size_t)w->cert_msg[9] << 8 | w->cert_msg[10];
	const unsigned char *p = w->cert_msg + 11;
	X509 *x = d2i_X509(NULL, &p, (long)der_len);
	assert_non_null(x);
	STACK_OF(X509) *sk = sk_X509_new_null();
	sk_X509_push(sk, x);
	EVP_PKEY *key = rfc_rsa_key();
	w->pub = X509_get0_pubkey(x);
	w->certs.default_set = 0;
	struct cp_cert_set *set = cp_certs_new_set(&w->certs);
	assert_int_equal(cp_certs_add_name(set, "server"), FTLS_OK);
	assert_int_equal(cp_certs_add_chain(&w->certs, set, key, sk), FTLS_OK);

	th_listener_defaults(&w->l, &w->certs, w->dev);
	/* The RFC server's supported_groups, as it advertises them in EncryptedExtensions; the
	 * engine exchanges keys only for the groups it implements. */
	static const uint16_t g[] = { 0x001d, 0x0017, 0x0018, 0x0019, 0x0100, 0x0101, 0x0102, 0x0103, 0x0104 };
	memcpy(w->l.groups, g, sizeof(g));
	w->l.nb_groups = 9;
	assert_int_equal(GET("{server}  create an ephemeral x25519", 0, "private key", v), 32);
	memcpy(w->q.data, v, 32);
	/* The ServerHello random, from the RFC's ServerHello (after type, length, version). */
	uint8_t sh[128];
	assert_int_equal(GET("{server}  construct a ServerHello", 0, "ServerHello", sh), 90);
	memcpy(w->q.data + 32, sh + 6, 32);
	w->q.len = 64;
	w->l.rng = rng;
	w->l.rng_arg = &w->q;
}

static void world_free(struct world *w)
{
	cp_certs_free(&w->certs);
	ftls_crypto_close(w->dev);
}

static void dir_with(struct ftls_rec_dir *d, struct ftls_crypto_dev *dev, enum ftls_dir dir,
		     const char *step)
{
	struct ftls_key_install ki = { .abi_version = FTLS_WIRE_ABI_VERSION, .size = sizeof(ki),
				       .tls_version = FTLS_V_TLS13, .suite = FTLS_TLS_AES_128_GCM_SHA256,
				       .dir = (uint8_t)dir, .key_len = 16, .iv_len = 12 };
	assert_int_equal(GET(step, 0, "key expanded", ki.key), 16);
	assert_int_equal(GET(step, 0, "iv expanded", ki.iv), 12);
	memset(d, 0, sizeof(*d));
	assert_int_equal(ftls_rec_dir_install(d, dev, 0, &ki), FTLS_OK);
}

static void run(bool good_finished)
{
	struct world w;
	struct cp_hs_event ev;
	uint8_t ch_rec[256], want[1024], flight[1024], pt[1024], c_hs[32], s_hs[32], master[32];
	uint8_t h[32], vd[32], cfin[36], rec[128], c_ap[32], s_ap[32];
	struct ftls_rec_dir srv_rd, cli_wr;
	struct cp_transcript tr;
	const EVP_MD *md = EVP_sha256();
	size_t n, pl, rl;
	uint8_t type;

	world_init(&w);
	struct cp_hs *hs = cp_hs_new(&w.l, 1);
	assert_non_null(hs);
	assert_int_equal(GET("{client}  send handshake record", 0, "complete record", ch_rec), 201);
	assert_int_equal(cp_hs_input(hs, ch_rec, 201), FTLS_OK);
	assert_true(cp_hs_next_event(hs, &ev));
	assert_int_equal(ev.type, CP_HS_EV_SEND);
	assert_false(cp_hs_next_event(hs, &ev) && ev.type != CP_HS_EV_SEND);

	/* ServerHello record, byte for byte. */
	n = GET("{server}  send handshake record", 0, "complete record", want);
	assert_int_equal(n, 95);
	assert_true(ev.len > 95);
	assert_memory_equal(ev.data, want, 95);
	/* The encrypted flight: one record of the RFC's size (the CV differs, not its length). */
	assert_int_equal(GET("{server}  send handshake record", 1, "complete record", want), 679);
	assert_int_equal(ev.len - 95, 679);
	memcpy(flight, ev.data + 95, 679);
	assert_memory_equal(flight, want, 5);

	dir_with(&srv_rd, w.dev, FTLS_DIR_RX, "{server}  derive write traffic keys for handshake");
	assert_int_equal(ftls_rec_open(&srv_rd, flight, 679, pt, sizeof(pt), &type, &pl), FTLS_OK);
	assert_int_equal(type, FTLS_CT_HANDSHAKE);
	assert_int_equal(pl, 657);
	n = GET("{server}  construct a EncryptedExtensions", 0, "EncryptedExtensions", want);
	assert_int_equal(n, 40);
	assert_memory_equal(pt, want, 40);
	assert_memory_equal(pt + 40, w.cert_msg, 445);
	/* CertificateVerify: same scheme and length; the signature verifies under the RFC's key. */
	uint8_t *cv = pt + 485;
	assert_int_equal(cv[0], FTLS_HS_CERTIFICATE_VERIFY);
	assert_int_equal(GET("{server}  construct a CertificateVerify", 0, "CertificateVerify", want), 136);
	assert_memory_equal(cv, want, 8);   /* header, scheme 0x0804, signature length */

	uint8_t ch[196], sh[90];
	assert_int_equal(GET("{client}  construct a ClientHello", 0, "ClientHello", ch), 196);
	assert_int_equal(GET("{server}  construct a ServerHello", 0, "ServerHello", sh), 90);
	assert_int_equal(cp_tr_init(&tr, md), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, ch, 196), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, sh, 90), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, pt, 485), FTLS_OK);
	assert_int_equal(cp_tr_hash(&tr, h), FTLS_OK);
	uint8_t content[200];
	size_t clen = cp_cv_content(true, h, 32, content);
	assert_int_equal(cp_cv_verify(w.pub, FTLS_SIG_RSA_PSS_RSAE_SHA256, content, clen, cv + 8, 128),
			 FTLS_OK);
	content[clen - 1] ^= 1;
	assert_int_equal(cp_cv_verify(w.pub, FTLS_SIG_RSA_PSS_RSAE_SHA256, content, clen, cv + 8, 128),
			 FTLS_ERR_DECRYPT_ERROR);
	/* Finished: HMAC under the RFC's server handshake secret over our transcript. */
	assert_int_equal(cp_tr_add(&tr, cv, 136), FTLS_OK);
	assert_int_equal(cp_tr_hash(&tr, h), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 s hs traffic\"", 0, "expanded", s_hs), 32);
	assert_int_equal(cp_ks_finished(md, s_hs, h, vd), FTLS_OK);
	assert_memory_equal(pt + 621, "\x14\x00\x00\x20", 4);
	assert_memory_equal(pt + 625, vd, 32);

	/* The client's Finished, from the RFC's client handshake secret over the same transcript. */
	assert_int_equal(cp_tr_add(&tr, pt + 621, 36), FTLS_OK);
	assert_int_equal(cp_tr_hash(&tr, h), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 c hs traffic\"", 0, "expanded", c_hs), 32);
	assert_int_equal(cp_ks_finished(md, c_hs, h, cfin + 4), FTLS_OK);
	memcpy(cfin, "\x14\x00\x00\x20", 4);
	if (!good_finished)
		cfin[10] ^= 0x80;
	dir_with(&cli_wr, w.dev, FTLS_DIR_TX, "{server}  derive read traffic keys for handshake");
	assert_int_equal(ftls_rec_seal(&cli_wr, FTLS_CT_HANDSHAKE, cfin, 36, rec, sizeof(rec), &rl), FTLS_OK);
	enum ftls_err err = cp_hs_input(hs, rec, rl);
	if (!good_finished) {
		assert_int_equal(err, FTLS_ERR_DECRYPT_ERROR);
		assert_true(cp_hs_next_event(hs, &ev));
		assert_int_equal(ev.type, CP_HS_EV_SEND);   /* the alert, under the server app key */
		assert_true(cp_hs_next_event(hs, &ev));
		assert_int_equal(ev.type, CP_HS_EV_ALERT_SENT);
		assert_int_equal(ev.alert, FTLS_ALERT_DECRYPT_ERROR);
		assert_true(cp_hs_next_event(hs, &ev));
		assert_int_equal(ev.type, CP_HS_EV_CLOSED);
	} else {
		assert_int_equal(err, FTLS_OK);
		/* The application keys of this transcript, from the RFC's master secret. */
		assert_int_equal(GET("{server}  extract secret \"master\"", 0, "secret", master), 32);
		uint8_t h2[32];
		struct cp_transcript t2;
		assert_int_equal(cp_tr_init(&t2, md), FTLS_OK);
		assert_int_equal(cp_tr_add(&t2, ch, 196), FTLS_OK);
		assert_int_equal(cp_tr_add(&t2, sh, 90), FTLS_OK);
		assert_int_equal(cp_tr_add(&t2, pt, 657), FTLS_OK);
		assert_int_equal(cp_tr_hash(&t2, h2), FTLS_OK);
		cp_tr_free(&t2);
		assert_int_equal(cp_ks_derive(md, master, "c ap traffic", h2, c_ap), FTLS_OK);
		assert_int_equal(cp_ks_derive(md, master, "s ap traffic", h2, s_ap), FTLS_OK);
		struct ftls_key_install want_tx, want_rx;
		assert_int_equal(cp_ks_traffic_keys(ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256), s_ap,
						    FTLS_DIR_TX, &want_tx), FTLS_OK);
		assert_int_equal(cp_ks_traffic_keys(ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256), c_ap,
						    FTLS_DIR_RX, &want_rx), FTLS_OK);
		want_tx.conn_id = want_rx.conn_id = 1;
		assert_true(cp_hs_next_event(hs, &ev));
		assert_int_equal(ev.type, CP_HS_EV_KEY_INSTALL);
		assert_memory_equal(&ev.ki, &want_tx, sizeof(want_tx));
		assert_true(cp_hs_next_event(hs, &ev));
		assert_int_equal(ev.type, CP_HS_EV_KEY_INSTALL);
		assert_memory_equal(&ev.ki, &want_rx, sizeof(want_rx));
		assert_true(cp_hs_next_event(hs, &ev));
		assert_int_equal(ev.type, CP_HS_EV_DONE);
		assert_true(cp_hs_done(hs));
	}
	assert_false(cp_hs_next_event(hs, &ev));
	cp_tr_free(&tr);
	ftls_rec_dir_clear(&srv_rd);
	ftls_rec_dir_clear(&cli_wr);
	cp_hs_free(hs);
	world_free(&w);
}

static void test_rfc8448_simple(void **state)
{
	(void)state;
	run(true);
}

static void test_rfc8448_bad_client_finished(void **state)
{
	(void)state;
	run(false);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8448_simple),
		cmocka_unit_test(test_rfc8448_bad_client_finished),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(v8448_text);
	return rc;
}
