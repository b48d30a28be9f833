/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS 1.3 key schedule against RFC 8448 §3 (Simple 1-RTT Handshake): every secret, traffic key
 * and IV, both Finished values and the transcript hashes they are computed over, all read from the
 * RFC's text; and §5 (HelloRetryRequest): the transcript through message_hash, and the handshake
 * secrets that follow. Negative cases: labels and contexts that must change the output, over-long labels.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "ctrlplane/hs/keysched.h"
#include "test_hs_vectors.h"

#define S3 3
#define GET(step, occ, field, buf) v8448_get(S3, step, occ, field, buf, sizeof(buf))

struct msgs {
	uint8_t ch[512], sh[128], ee[64], cert[512], cv[256], sfin[64], cfin[64];
	size_t ch_len, sh_len, ee_len, cert_len, cv_len, sfin_len, cfin_len;
};

static void load_msgs(struct msgs *m)
{
	m->ch_len = GET("{client}  construct a ClientHello", 0, "ClientHello", m->ch);
	m->sh_len = GET("{server}  construct a ServerHello", 0, "ServerHello", m->sh);
	m->ee_len = GET("{server}  construct a EncryptedExtensions", 0, "EncryptedExtensions", m->ee);
	m->cert_len = GET("{server}  construct a Certificate ", 0, "Certificate", m->cert);
	m->cv_len = GET("{server}  construct a CertificateVerify", 0, "CertificateVerify", m->cv);
	m->sfin_len = GET("{server}  construct a Finished", 0, "Finished", m->sfin);
	m->cfin_len = GET("{client}  construct a Finished", 0, "Finished", m->cfin);
	assert_int_equal(m->ch_len, 196);
	assert_int_equal(m->sh_len, 90);
	assert_int_equal(m->ee_len, 40);
	assert_int_equal(m->cert_len, 445);
	assert_int_equal(m->cv_len, 136);
	assert_int_equal(m->sfin_len, 36);
	assert_int_equal(m->cfin_len, 36);
}

static void x25519_shared(uint8_t *out)
{
	uint8_t priv[32], pub[32];
	size_t n = 32;
	assert_int_equal(GET("{server}  create an ephemeral x25519", 0, "private key", priv), 32);
	assert_int_equal(GET("{client}  create an ephemeral x25519", 0, "public key", pub), 32);
	EVP_PKEY *a = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, priv, 32);
	EVP_PKEY *b = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pub, 32);
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(a, NULL);
	assert_non_null(c);
	assert_int_equal(EVP_PKEY_derive_init(c), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(c, b), 1);
	assert_int_equal(EVP_PKEY_derive(c, out, &n), 1);
	EVP_PKEY_CTX_free(c);
	EVP_PKEY_free(a);
	EVP_PKEY_free(b);
}

static void test_full_schedule(void **state)
{
	const EVP_MD *md = cp_ks_md(FTLS_HASH_SHA256);
	const struct ftls_suite *suite = ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256);
	struct msgs m;
	struct cp_transcript tr;
	uint8_t stage[48], want[64], ikm[32], h[48], c_hs[48], s_hs[48], c_ap[48], s_ap[48], x[48];
	struct ftls_key_install ki;

	(void)state;
	load_msgs(&m);
	assert_int_equal(cp_ks_early(md, NULL, 0, stage), FTLS_OK);
	assert_int_equal(GET("{server}  extract secret \"early\"", 0, "secret", want), 32);
	assert_memory_equal(stage, want, 32);

	x25519_shared(ikm);
	assert_int_equal(GET("{server}  extract secret \"handshake\"", 0, "IKM", want), 32);
	assert_memory_equal(ikm, want, 32);
	assert_int_equal(cp_ks_next_stage(md, stage, ikm, 32), FTLS_OK);
	assert_int_equal(GET("{server}  extract secret \"handshake\"", 0, "secret", want), 32);
	assert_memory_equal(stage, want, 32);

	assert_int_equal(cp_tr_init(&tr, md), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, m.ch, m.ch_len), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, m.sh, m.sh_len), FTLS_OK);
	assert_int_equal(cp_tr_hash(&tr, h), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 c hs traffic\"", 0, "hash", want), 32);
	assert_memory_equal(h, want, 32);
	assert_int_equal(cp_ks_derive(md, stage, "c hs traffic", h, c_hs), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 c hs traffic\"", 0, "expanded", want), 32);
	assert_memory_equal(c_hs, want, 32);
	assert_int_equal(cp_ks_derive(md, stage, "s hs traffic", h, s_hs), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 s hs traffic\"", 0, "expanded", want), 32);
	assert_memory_equal(s_hs, want, 32);

	/* Handshake traffic keys, both directions. */
	assert_int_equal(cp_ks_traffic_keys(suite, s_hs, FTLS_DIR_TX, &ki), FTLS_OK);
	assert_int_equal(GET("{server}  derive write traffic keys for handshake", 0, "key expanded", want), 16);
	assert_memory_equal(ki.key, want, 16);
	assert_int_equal(GET("{server}  derive write traffic keys for handshake", 0, "iv expanded", want), 12);
	assert_memory_equal(ki.iv, want, 12);
	assert_int_equal(ki.key_len, 16);
	assert_int_equal(ki.iv_len, 12);
	assert_int_equal(ki.suite, FTLS_TLS_AES_128_GCM_SHA256);
	assert_int_equal(cp_ks_traffic_keys(suite, c_hs, FTLS_DIR_RX, &ki), FTLS_OK);
	assert_int_equal(GET("{server}  derive read traffic keys for handshake", 0, "key expanded", want), 16);
	assert_memory_equal(ki.key, want, 16);
	assert_int_equal(GET("{server}  derive read traffic keys for handshake", 0, "iv expanded", want), 12);
	assert_memory_equal(ki.iv, want, 12);

	/* Server Finished over CH..CV. */
	assert_int_equal(cp_tr_add(&tr, m.ee, m.ee_len), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, m.cert, m.cert_len), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, m.cv, m.cv_len), FTLS_OK);
	assert_int_equal(cp_tr_hash(&tr, h), FTLS_OK);
	assert_int_equal(cp_ks_finished(md, s_hs, h, x), FTLS_OK);
	assert_memory_equal(x, m.sfin + 4, 32);

	/* Master secret, application secrets over CH..server Finished. */
	assert_int_equal(cp_ks_next_stage(md, stage, NULL, 0), FTLS_OK);
	assert_int_equal(GET("{server}  extract secret \"master\"", 0, "secret", want), 32);
	assert_memory_equal(stage, want, 32);
	assert_int_equal(cp_tr_add(&tr, m.sfin, m.sfin_len), FTLS_OK);
	assert_int_equal(cp_tr_hash(&tr, h), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 c ap traffic\"", 0, "hash", want), 32);
	assert_memory_equal(h, want, 32);
	assert_int_equal(cp_ks_derive(md, stage, "c ap traffic", h, c_ap), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 c ap traffic\"", 0, "expanded", want), 32);
	assert_memory_equal(c_ap, want, 32);
	assert_int_equal(cp_ks_derive(md, stage, "s ap traffic", h, s_ap), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 s ap traffic\"", 0, "expanded", want), 32);
	assert_memory_equal(s_ap, want, 32);
	assert_int_equal(cp_ks_derive(md, stage, "exp master", h, x), FTLS_OK);
	assert_int_equal(GET("{server}  derive secret \"tls13 exp master\"", 0, "expanded", want), 32);
	assert_memory_equal(x, want, 32);
	assert_int_equal(cp_ks_traffic_keys(suite, s_ap, FTLS_DIR_TX, &ki), FTLS_OK);
	assert_int_equal(GET("{server}  derive write traffic keys for application", 0, "key expanded", want), 16);
	assert_memory_equal(ki.key, want, 16);
	assert_int_equal(GET("{server}  derive write traffic keys for application", 0, "iv expanded", want), 12);
	assert_memory_equal(ki.iv, want, 12);
	assert_int_equal(cp_ks_traffic_keys(suite, c_ap, FTLS_DIR_RX, &ki), FTLS_OK);
	assert_int_equal(GET("{client}  derive write traffic keys for application", 0, "key expanded", want), 16);
	assert_memory_equal(ki.key, want, 16);
	assert_int_equal(GET("{client}  derive write traffic keys for application", 0, "iv expanded", want), 12);
	assert_memory_equal(ki.iv, want, 12);

	/* Client Finished over CH..server Finished; resumption master over CH..client Finished. */
	assert_int_equal(cp_ks_finished(md, c_hs, h, x), FTLS_OK);
	assert_memory_equal(x, m.cfin + 4, 32);
	assert_int_equal(cp_tr_add(&tr, m.cfin, m.cfin_len), FTLS_OK);
	assert_int_equal(cp_tr_hash(&tr, h), FTLS_OK);
	assert_int_equal(GET("{client}  derive secret \"tls13 res master\"", 0, "hash", want), 32);
	assert_memory_equal(h, want, 32);
	assert_int_equal(cp_ks_derive(md, stage, "res master", h, x), FTLS_OK);
	assert_int_equal(GET("{client}  derive secret \"tls13 res master\"", 0, "expanded", want), 32);
	assert_memory_equal(x, want, 32);
	/* The ticket's PSK: HKDF-Expand-Label(res master, "resumption", ticket_nonce 00 00). */
	uint8_t psk[32];
	assert_int_equal(cp_ks_expand_label(md, x, "resumption", (const uint8_t *)"\0\0", 2, psk, 32),
			 FTLS_OK);
	assert_int_equal(GET("{server}  generate resumption secret", 0, "expanded", want), 32);
	assert_memory_equal(psk, want, 32);
	cp_tr_free(&tr);
}

static void test_labels_matter(void **state)
{
	const EVP_MD *md = cp_ks_md(FTLS_HASH_SHA256);
	uint8_t s[32] = { 1 }, a[32], b[32], big[300];
	char label[260];

	(void)state;
	assert_int_equal(cp_ks_expand_label(md, s, "key", NULL, 0, a, 16), FTLS_OK);
	assert_int_equal(cp_ks_expand_label(md, s, "iv", NULL, 0, b, 16), FTLS_OK);
	assert_memory_not_equal(a, b, 16);
	assert_int_equal(cp_ks_expand_label(md, s, "key", (const uint8_t *)"x", 1, b, 16), FTLS_OK);
	assert_memory_not_equal(a, b, 16);
	/* The output length is part of the label: a 16-byte key is not a prefix of a 32-byte one. */
	assert_int_equal(cp_ks_expand_label(md, s, "key", NULL, 0, b, 32), FTLS_OK);
	assert_memory_not_equal(a, b, 16);
	/* Multi-block expansion works and is deterministic. */
	assert_int_equal(cp_ks_expand_label(md, s, "key", NULL, 0, big, 100), FTLS_OK);
	memset(label, 'a', sizeof(label));
	label[255] = 0;
	assert_int_equal(cp_ks_expand_label(md, s, label, NULL, 0, a, 16), FTLS_ERR_INVAL);
	assert_int_equal(cp_ks_expand_label(md, s, "key", big, 256, a, 16), FTLS_ERR_INVAL);
	assert_null(cp_ks_md(99));
}

static void test_key_update_ratchet(void **state)
{
	const EVP_MD *md = cp_ks_md(FTLS_HASH_SHA384);
	uint8_t s[48] = { 7 }, t[48], u[48];

	(void)state;
	memcpy(t, s, 48);
	assert_int_equal(cp_ks_update(md, t), FTLS_OK);
	assert_memory_not_equal(s, t, 48);
	/* §7.2: HKDF-Expand-Label(secret, "traffic upd", "", Hash.length). */
	assert_int_equal(cp_ks_expand_label(md, s, "traffic upd", NULL, 0, u, 48), FTLS_OK);
	assert_memory_equal(t, u, 48);
}

static void test_hrr_transcript(void **state)
{
	/* §4.4.1: after HRR the transcript starts with message_hash(Hash(CH1)). */
	const EVP_MD *md = cp_ks_md(FTLS_HASH_SHA256);
	struct cp_transcript t;
	uint8_t ch1[] = { 1, 0, 0, 2, 0xaa, 0xbb }, inner[32], msg[36], h1[32], h2[32];
	unsigned int n;

	(void)state;
	assert_int_equal(cp_tr_init(&t, md), FTLS_OK);
	assert_int_equal(cp_tr_add(&t, ch1, sizeof(ch1)), FTLS_OK);
	assert_int_equal(cp_tr_hrr_rewrite(&t), FTLS_OK);
	assert_int_equal(cp_tr_hash(&t, h1), FTLS_OK);
	EVP_Digest(ch1, sizeof(ch1), inner, &n, md, NULL);
	msg[0] = 254, msg[1] = 0, msg[2] = 0, msg[3] = 32;
	memcpy(msg + 4, inner, 32);
	EVP_Digest(msg, sizeof(msg), h2, &n, md, NULL);
	assert_memory_equal(h1, h2, 32);
	cp_tr_free(&t);
}

/* RFC 8448 §5: the transcript across a HelloRetryRequest, and the secrets that follow from it. */
static void test_rfc8448_hrr(void **state)
{
	const EVP_MD *md = cp_ks_md(FTLS_HASH_SHA256);
	uint8_t ch1[512], hrr[256], ch2[512], sh[256], ikm[32], stage[32], h[32], x[32], want[64];
	size_t n1, nh, n2, ns;
	struct cp_transcript tr;
	(void)state;
	n1 = v8448_get(5, "{client}  construct a ClientHello", 0, "ClientHello", ch1, sizeof(ch1));
	nh = v8448_get(5, "{server}  construct a ServerHello", 0, "ServerHello", hrr, sizeof(hrr));
	n2 = v8448_get(5, "{client}  construct a ClientHello", 1, "ClientHello", ch2, sizeof(ch2));
	ns = v8448_get(5, "{server}  construct a ServerHello", 1, "ServerHello", sh, sizeof(sh));
	assert_int_equal(nh, 176);
	assert_int_equal(ns, 123);
	assert_true(n1 > 100 && n2 > 100);
	assert_memory_equal(hrr + 6, "\xcf\x21\xad\x74", 4);   /* the HRR random */
	assert_int_equal(cp_tr_init(&tr, md), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, ch1, n1), FTLS_OK);
	assert_int_equal(cp_tr_hrr_rewrite(&tr), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, hrr, nh), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, ch2, n2), FTLS_OK);
	assert_int_equal(cp_tr_add(&tr, sh, ns), FTLS_OK);
	assert_int_equal(cp_tr_hash(&tr, h), FTLS_OK);
	assert_int_equal(v8448_get(5, "{server}  derive secret \"tls13 c hs traffic\"", 0, "hash", want,
				   sizeof(want)), 32);
	assert_memory_equal(h, want, 32);
	assert_int_equal(v8448_get(5, "{server}  extract secret \"handshake\"", 0, "IKM", ikm, sizeof(ikm)), 32);
	assert_int_equal(cp_ks_early(md, NULL, 0, stage), FTLS_OK);
	assert_int_equal(cp_ks_next_stage(md, stage, ikm, 32), FTLS_OK);
	assert_int_equal(cp_ks_derive(md, stage, "c hs traffic", h, x), FTLS_OK);
	assert_int_equal(v8448_get(5, "{server}  derive secret \"tls13 c hs traffic\"", 0, "expanded", want,
				   sizeof(want)), 32);
	assert_memory_equal(x, want, 32);
	assert_int_equal(cp_ks_derive(md, stage, "s hs traffic", h, x), FTLS_OK);
	assert_int_equal(v8448_get(5, "{server}  derive secret \"tls13 s hs traffic\"", 0, "expanded", want,
				   sizeof(want)), 32);
	assert_memory_equal(x, want, 32);
	cp_tr_free(&tr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full_schedule),
		cmocka_unit_test(test_labels_matter),
		cmocka_unit_test(test_key_update_ratchet),
		cmocka_unit_test(test_hrr_transcript),
		cmocka_unit_test(test_rfc8448_hrr),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	free(v8448_text);
	return rc;
}
