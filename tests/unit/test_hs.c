/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake engine against OpenSSL's libssl client, in memory: every TLS 1.3 suite x group x
 * certificate type, with and without HelloRetryRequest, application data both ways over the key
 * installs; SNI (exact, wildcard, default, strict), ALPN, KeyUpdate both ways; and every client
 * record stopped or corrupted at every byte, which must end the connection (never complete it)
 * with the process intact.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "test_hs_util.h"

static struct {
	struct ftls_crypto_dev *dev;
	struct cp_certs certs;
	X509_STORE *store;
	X509 *x[TH__KEYS];
} F;

static int setup(void **state)
{
	(void)state;
	F.dev = th_dev();
	if (!F.dev)
		return -1;
	F.certs.default_set = 0;
	struct cp_cert_set *set = cp_certs_new_set(&F.certs);
	if (cp_certs_add_name(set, "server.test"))
		return -1;
	F.store = X509_STORE_new();
	for (int k = 0; k < TH__KEYS; k++) {
		F.x[k] = th_add_chain(&F.certs, set, (enum th_key)k, "server.test", th_key_names[k]);
		if (!F.x[k] || !X509_STORE_add_cert(F.store, F.x[k]))
			return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	X509_STORE_free(F.store);
	cp_certs_free(&F.certs);
	ftls_crypto_close(F.dev);
	return 0;
}

static SSL_CTX *client_ctx(const char *suites, const char *groups, const char *sigalgs)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	if (suites)
		assert_int_equal(SSL_CTX_set_ciphersuites(ctx, suites), 1);
	if (groups)
		assert_int_equal(SSL_CTX_set1_groups_list(ctx, groups), 1);
	if (sigalgs)
		assert_int_equal(SSL_CTX_set1_sigalgs_list(ctx, sigalgs), 1);
	X509_STORE_up_ref(F.store);
	SSL_CTX_set_cert_store(ctx, F.store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static const struct {
	const char *ossl;
	uint16_t id;
} suites[] = {
	{ "TLS_AES_128_GCM_SHA256", FTLS_TLS_AES_128_GCM_SHA256 },
	{ "TLS_AES_256_GCM_SHA384", FTLS_TLS_AES_256_GCM_SHA384 },
	{ "TLS_CHACHA20_POLY1305_SHA256", FTLS_TLS_CHACHA20_POLY1305_SHA256 },
};
static const struct {
	const char *ossl, *other;
	uint16_t id;
} groups[] = {
	{ "X25519", "P-256", FTLS_GROUP_X25519 },
	{ "P-256", "X25519", FTLS_GROUP_SECP256R1 },
	{ "P-384", "X25519", FTLS_GROUP_SECP384R1 },
};
static const struct {
	const char *sigalgs;
	uint16_t scheme;
} keys[TH__KEYS] = {
	[TH_RSA2048] = { "rsa_pss_rsae_sha256", FTLS_SIG_RSA_PSS_RSAE_SHA256 },
	[TH_P256] = { "ECDSA+SHA256", FTLS_SIG_ECDSA_SECP256R1_SHA256 },
	[TH_P384] = { "ECDSA+SHA384", FTLS_SIG_ECDSA_SECP384R1_SHA384 },
	[TH_ED25519] = { "ed25519", FTLS_SIG_ED25519 },
};

static void one(int s, int g, int k, bool hrr)
{
	struct cp_listener l;
	struct th_conn c;
	char glist[64];
	SSL_CTX *ctx;

	th_listener_defaults(&l, &F.certs, F.dev);
	if (hrr) {
		/* The server takes only g; the client's first (shared) group is another one. */
		l.groups[0] = groups[g].id;
		l.nb_groups = 1;
		snprintf(glist, sizeof(glist), "%s:%s", groups[g].other, groups[g].ossl);
	} else {
		snprintf(glist, sizeof(glist), "%s", groups[g].ossl);
	}
	ctx = client_ctx(suites[s].ossl, glist, keys[k].sigalgs);
	assert_int_equal(th_conn_init(&c, ctx, &l), 0);
	SSL_set_tlsext_host_name(c.ssl, "server.test");
	SSL_set1_host(c.ssl, "server.test");
	int r = th_handshake(&c, NULL, NULL);
	if (r != 0)
		fprintf(stderr, "suite %s group %s key %s hrr %d: r=%d err=%s alert=%d/%d\n", suites[s].ossl,
			groups[g].ossl, th_key_names[k], hrr, r, ftls_err_name(cp_hs_error(c.hs)),
			c.alert_sent, c.alert_rcvd);
	assert_int_equal(r, 0);
	assert_int_equal(SSL_get_verify_result(c.ssl), X509_V_OK);
	assert_int_equal(cp_hs_version(c.hs), FTLS_V_TLS13);
	assert_int_equal(cp_hs_suite(c.hs), suites[s].id);
	assert_int_equal(cp_hs_group(c.hs), groups[g].id);
	assert_int_equal(cp_hs_sig_scheme(c.hs), keys[k].scheme);
	assert_int_equal(cp_hs_did_hrr(c.hs), hrr);
	assert_int_equal(c.installs, 2);
	assert_int_equal(th_exchange(&c, 100), 0);
	assert_int_equal(th_exchange(&c, 40000), 0);
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

static void test_matrix(void **state)
{
	(void)state;
	for (int s = 0; s < 3; s++)
		for (int g = 0; g < 3; g++)
			for (int k = 0; k < TH__KEYS; k++)
				one(s, g, k, false);
}

static void test_matrix_hrr(void **state)
{
	(void)state;
	for (int s = 0; s < 3; s++)
		for (int g = 0; g < 3; g++)
			for (int k = 0; k < TH__KEYS; k++)
				one(s, g, k, true);
}

/* ---- stopped and corrupted ---- */

struct cut {
	int rec;        /* which client record */
	long pos;       /* byte to flip; -1: drop this record and everything after it */
	bool hit;
};

static bool mutate(void *arg, int k, uint8_t *rec, size_t *len)
{
	struct cut *c = arg;
	if (k != c->rec)
		return true;
	if (c->pos < 0) {
		c->hit = true;
		return false;
	}
	if ((size_t)c->pos < *len) {
		rec[c->pos] ^= 0x41;
		c->hit = true;
	}
	return true;
}

/* Returns how many client records a clean handshake has, with their lengths. */
static int client_records(SSL_CTX *ctx, const struct cp_listener *l, size_t *lens, uint8_t *types)
{
	struct th_conn c;
	int k = 0;
	assert_int_equal(th_conn_init(&c, ctx, l), 0);
	for (int round = 0; round < 8 && !c.done; round++) {
		(void)SSL_do_handshake(c.ssl);
		uint8_t buf[8192];
		int n = BIO_read(c.from_client, buf, sizeof(buf));
		for (int off = 0; n > 0 && off + 5 <= n;) {
			size_t rl = 5 + ((size_t)buf[off + 3] << 8 | buf[off + 4]);
			types[k] = buf[off];
			lens[k++] = rl;
			assert_int_equal(cp_hs_input(c.hs, buf + off, rl), FTLS_OK);
			assert_int_equal(th_drain(&c), 0);
			off += (int)rl;
		}
	}
	assert_true(c.done);
	th_conn_free(&c);
	return k;
}

static void corrupt_all(struct cp_listener *l, SSL_CTX *ctx)
{
	size_t lens[16];
	uint8_t types[16];
	int nrec = client_records(ctx, l, lens, types);
	int outcomes[4] = { 0 };

	assert_true(nrec >= 2);
	for (int r = 0; r < nrec; r++) {
		for (long pos = -1; pos < (long)lens[r]; pos++) {
			struct th_conn c;
			struct cut cut = { .rec = r, .pos = pos };
			assert_int_equal(th_conn_init(&c, ctx, l), 0);
			int res = th_handshake(&c, mutate, &cut);
			assert_true(cut.hit);
			/* Never a completed handshake on our side from altered or missing input. */
			(void)res;
			assert_false(cp_hs_done(c.hs) && pos < 0);
			/* legacy_record_version of a plaintext record "MUST be ignored" (RFC 8446 §5.1);
			 * every other byte is covered by the transcript or an AEAD tag. */
			if (pos == 2 && types[r] != FTLS_CT_APPLICATION_DATA) {
				assert_true(cp_hs_done(c.hs));
				th_conn_free(&c);
				continue;
			}
			if (cp_hs_done(c.hs))
				fail_msg("record %d byte %ld: handshake completed", r, pos);
			if (!c.closed) {
				cp_hs_timeout(c.hs);   /* stalled: the owner's timer ends it */
				assert_int_equal(th_drain(&c), 0);
				assert_true(c.closed);
				assert_int_equal(cp_hs_error(c.hs), FTLS_ERR_TIMEOUT);
				outcomes[0]++;
			} else if (c.alert_sent >= 0) {
				outcomes[1]++;
			} else {
				assert_true(c.alert_rcvd >= 0);
				outcomes[2]++;
			}
			th_conn_free(&c);
		}
	}
	/* Sanity: each way of ending happened (stall, our alert, the client's alert). */
	assert_true(outcomes[0] > 0);
	assert_true(outcomes[1] > 0);
	assert_true(outcomes[2] > 0);
}

static void test_corrupt_each_byte(void **state)
{
	struct cp_listener l;
	SSL_CTX *ctx = client_ctx(NULL, "X25519", "ECDSA+SHA256");
	(void)state;
	th_listener_defaults(&l, &F.certs, F.dev);
	corrupt_all(&l, ctx);
	SSL_CTX_free(ctx);
}

static void test_corrupt_each_byte_hrr(void **state)
{
	struct cp_listener l;
	SSL_CTX *ctx = client_ctx(NULL, "P-256:X25519", "ed25519");
	(void)state;
	th_listener_defaults(&l, &F.certs, F.dev);
	l.groups[0] = FTLS_GROUP_X25519;
	l.nb_groups = 1;
	corrupt_all(&l, ctx);
	SSL_CTX_free(ctx);
}

/* ---- SNI, ALPN, KeyUpdate ---- */

static int sni_run(struct cp_listener *l, const char *name, uint16_t *scheme, int *alert)
{
	SSL_CTX *ctx = client_ctx(NULL, NULL, NULL);
	struct th_conn c;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	assert_int_equal(th_conn_init(&c, ctx, l), 0);
	if (name)
		SSL_set_tlsext_host_name(c.ssl, name);
	int r = th_handshake(&c, NULL, NULL);
	*scheme = cp_hs_sig_scheme(c.hs);
	*alert = c.alert_sent;
	th_conn_free(&c);
	SSL_CTX_free(ctx);
	return r;
}

static void test_sni(void **state)
{
	struct cp_certs certs = { .default_set = 2 };
	struct cp_listener l;
	struct cp_cert_set *a = cp_certs_new_set(&certs), *w = cp_certs_new_set(&certs),
			   *d = cp_certs_new_set(&certs);
	uint16_t scheme;
	int alert;

	(void)state;
	assert_int_equal(cp_certs_add_name(a, "A.example.com"), FTLS_OK);
	assert_int_equal(cp_certs_add_name(w, "*.wild.example.com"), FTLS_OK);
	assert_non_null(th_add_chain(&certs, a, TH_P256, "a.example.com", NULL));
	assert_non_null(th_add_chain(&certs, w, TH_ED25519, "x.wild.example.com", NULL));
	assert_non_null(th_add_chain(&certs, d, TH_P384, "default", NULL));
	th_listener_defaults(&l, &certs, F.dev);

	assert_int_equal(sni_run(&l, "a.EXAMPLE.com", &scheme, &alert), 0);
	assert_int_equal(scheme, FTLS_SIG_ECDSA_SECP256R1_SHA256);
	assert_int_equal(sni_run(&l, "x.wild.example.com", &scheme, &alert), 0);
	assert_int_equal(scheme, FTLS_SIG_ED25519);
	/* A wildcard covers one label only. */
	assert_int_equal(sni_run(&l, "y.x.wild.example.com", &scheme, &alert), 0);
	assert_int_equal(scheme, FTLS_SIG_ECDSA_SECP384R1_SHA384);
	assert_int_equal(sni_run(&l, "wild.example.com", &scheme, &alert), 0);
	assert_int_equal(scheme, FTLS_SIG_ECDSA_SECP384R1_SHA384);
	assert_int_equal(sni_run(&l, NULL, &scheme, &alert), 0);
	assert_int_equal(scheme, FTLS_SIG_ECDSA_SECP384R1_SHA384);
	l.sni_strict = true;
	assert_int_equal(sni_run(&l, "unknown.test", &scheme, &alert), 1);
	assert_int_equal(alert, FTLS_ALERT_UNRECOGNIZED_NAME);
	assert_int_equal(sni_run(&l, "a.example.com", &scheme, &alert), 0);
	/* No default and no SNI: nothing to serve. */
	certs.default_set = -1;
	l.sni_strict = false;
	assert_int_equal(sni_run(&l, NULL, &scheme, &alert), 1);
	assert_int_equal(alert, FTLS_ALERT_HANDSHAKE_FAILURE);
	cp_certs_free(&certs);
}

static void test_alpn(void **state)
{
	struct cp_listener l;
	SSL_CTX *ctx = client_ctx(NULL, NULL, NULL);
	struct th_conn c;
	const unsigned char *sel;
	unsigned int sel_len;

	(void)state;
	th_listener_defaults(&l, &F.certs, F.dev);
	strcpy(l.alpn[0], "h2");
	strcpy(l.alpn[1], "http/1.1");
	l.nb_alpn = 2;
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);

	/* Server preference wins over the client's order. */
	assert_int_equal(th_conn_init(&c, ctx, &l), 0);
	SSL_set_alpn_protos(c.ssl, (const unsigned char *)"\x08http/1.1\x02h2", 12);
	assert_int_equal(th_handshake(&c, NULL, NULL), 0);
	SSL_get0_alpn_selected(c.ssl, &sel, &sel_len);
	assert_int_equal(sel_len, 2);
	assert_memory_equal(sel, "h2", 2);
	assert_string_equal(cp_hs_alpn(c.hs), "h2");
	th_conn_free(&c);

	assert_int_equal(th_conn_init(&c, ctx, &l), 0);
	SSL_set_alpn_protos(c.ssl, (const unsigned char *)"\x02h3", 3);
	assert_int_equal(th_handshake(&c, NULL, NULL), 1);
	assert_int_equal(c.alert_sent, FTLS_ALERT_NO_APPLICATION_PROTOCOL);
	th_conn_free(&c);

	/* A client without ALPN gets none. */
	assert_int_equal(th_conn_init(&c, ctx, &l), 0);
	assert_int_equal(th_handshake(&c, NULL, NULL), 0);
	assert_null(cp_hs_alpn(c.hs));
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

static void test_key_update(void **state)
{
	struct cp_listener l;
	SSL_CTX *ctx = client_ctx(NULL, NULL, NULL);
	struct th_conn c;
	uint8_t b[16];

	(void)state;
	th_listener_defaults(&l, &F.certs, F.dev);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
	assert_int_equal(th_conn_init(&c, ctx, &l), 0);
	assert_int_equal(th_handshake(&c, NULL, NULL), 0);
	assert_int_equal(th_exchange(&c, 10), 0);

	/* Client-initiated, update_requested: new RX, our KeyUpdate, new TX. */
	assert_int_equal(SSL_key_update(c.ssl, SSL_KEY_UPDATE_REQUESTED), 1);
	assert_int_equal(th_exchange(&c, 100), 0);
	assert_int_equal(c.installs, 4);
	assert_int_equal(th_exchange(&c, 100), 0);
	/* Client-initiated, not requested: only RX. */
	assert_int_equal(SSL_key_update(c.ssl, SSL_KEY_UPDATE_NOT_REQUESTED), 1);
	assert_int_equal(th_exchange(&c, 100), 0);
	assert_int_equal(c.installs, 5);
	/* Server-initiated, requesting the client's too. */
	assert_int_equal(cp_hs_key_update(c.hs, true), FTLS_OK);
	assert_int_equal(th_drain(&c), 0);
	assert_int_equal(c.installs, 6);
	assert_int_equal(SSL_read(c.ssl, b, sizeof(b)), -1);   /* processes the KeyUpdate, no data */
	assert_int_equal(th_exchange(&c, 100), 0);
	assert_int_equal(c.installs, 7);
	/* close_notify from the client. */
	SSL_shutdown(c.ssl);
	uint8_t rec[64], pt[64];
	size_t pl;
	uint8_t type;
	int n = BIO_read(c.from_client, rec, sizeof(rec));
	assert_true(n > 5);
	assert_int_equal(ftls_rec_open(&c.rx, rec, (size_t)n, pt, sizeof(pt), &type, &pl), FTLS_OK);
	assert_int_equal(type, FTLS_CT_ALERT);
	assert_int_equal(cp_hs_input_inner(c.hs, type, pt, pl), FTLS_OK);   /* a clean close */
	assert_int_equal(cp_hs_error(c.hs), FTLS_ERR_CLOSED);
	assert_int_equal(th_drain(&c), 0);
	assert_true(c.closed);
	assert_int_equal(c.alert_rcvd, FTLS_ALERT_CLOSE_NOTIFY);
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_matrix_hrr),
		cmocka_unit_test(test_sni),
		cmocka_unit_test(test_alpn),
		cmocka_unit_test(test_key_update),
		cmocka_unit_test(test_corrupt_each_byte),
		cmocka_unit_test(test_corrupt_each_byte_hrr),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
