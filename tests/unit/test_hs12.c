/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS 1.2 server of the handshake engine against OpenSSL's libssl client, in memory: every
 * ECDHE suite of tls.h x the key types it signs with x every group, application data both ways
 * over the key installs (which start at sequence number 1); the extended master secret required
 * by default and optional by policy; the downgrade sentinel exactly when 1.3 is enabled; TLS 1.0
 * and 1.1 refused with protocol_version; a renegotiating ClientHello answered with
 * no_renegotiation; heartbeat records refused; and every client record of the handshake corrupted
 * at every byte, which must end the connection (never complete it).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrlplane/resume/ticket.h"
#include "test_hs_util.h"

static struct {
	struct ftls_crypto_dev *dev;
	struct cp_certs certs;
	X509_STORE *store;
} F;

static const enum th_key key_types[] = { TH_RSA2048, TH_P256, TH_P384 };

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
	for (size_t k = 0; k < sizeof(key_types) / sizeof(key_types[0]); k++) {
		X509 *x = th_add_chain(&F.certs, set, key_types[k], "server.test",
				       th_key_names[key_types[k]]);
		if (!x || !X509_STORE_add_cert(F.store, x))
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

/* A listener with TLS 1.3 and 1.2 (or 1.2 only) and every suite but the RSA key exchange. */
static void listener12(struct cp_listener *l, bool with13)
{
	th_listener_defaults(l, &F.certs, F.dev);
	l->nb_versions = 0;
	if (with13)
		l->versions[l->nb_versions++] = FTLS_V_TLS13;
	l->versions[l->nb_versions++] = FTLS_V_TLS12;
	l->nb_suites = 0;
	for (size_t i = 0; i < ftls_nb_suites; i++)
		if (ftls_suites[i].kx != FTLS_KX_RSA)
			l->suites[l->nb_suites++] = ftls_suites[i].id;
}

static SSL_CTX *client12(const char *cipher, const char *groups, const char *sigalgs, int maxv)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_max_proto_version(ctx, maxv);
	if (cipher)
		assert_int_equal(SSL_CTX_set_cipher_list(ctx, cipher), 1);
	if (groups)
		assert_int_equal(SSL_CTX_set1_groups_list(ctx, groups), 1);
	if (sigalgs)
		assert_int_equal(SSL_CTX_set1_sigalgs_list(ctx, sigalgs), 1);
	X509_STORE_up_ref(F.store);
	SSL_CTX_set_cert_store(ctx, F.store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

static int start(struct th_conn *c, SSL_CTX *ctx, const struct cp_listener *l)
{
	assert_int_equal(th_conn_init(c, ctx, l), 0);
	SSL_set_tlsext_host_name(c->ssl, "server.test");
	SSL_set1_host(c->ssl, "server.test");
	return th_handshake(c, NULL, NULL);
}

static const struct {
	const char *ossl;
	uint16_t id;
} groups[] = {
	{ "X25519", FTLS_GROUP_X25519 },
	{ "P-256", FTLS_GROUP_SECP256R1 },
	{ "P-384", FTLS_GROUP_SECP384R1 },
};

/* The signature scheme a key type signs ServerKeyExchange with, for a client offering sigalgs. */
static const struct {
	enum th_key k;
	const char *sigalgs;
	uint16_t scheme;
} signers[] = {
	{ TH_RSA2048, "rsa_pss_rsae_sha256", FTLS_SIG_RSA_PSS_RSAE_SHA256 },
	{ TH_RSA2048, "RSA+SHA384", FTLS_SIG_RSA_PKCS1_SHA384 },
	{ TH_P256, "ECDSA+SHA256", FTLS_SIG_ECDSA_SECP256R1_SHA256 },
	{ TH_P384, "ECDSA+SHA384", FTLS_SIG_ECDSA_SECP384R1_SHA384 },
};

static void one(const struct ftls_suite *s, int g, int sg)
{
	struct cp_listener l;
	struct th_conn c;
	/* The client offers every group (an ECDSA certificate's curve must be among them); the
	 * server takes only g. */
	SSL_CTX *ctx = client12(ftls_suite_openssl_name(s->id), "X25519:P-256:P-384",
				signers[sg].sigalgs, TLS1_2_VERSION);
	listener12(&l, true);
	l.groups[0] = groups[g].id;
	l.nb_groups = 1;
	int r = start(&c, ctx, &l);
	if (r != 0)
		fprintf(stderr, "%s %s %s: r=%d err=%s alert=%d/%d\n", s->name, groups[g].ossl,
			signers[sg].sigalgs, r, ftls_err_name(cp_hs_error(c.hs)), c.alert_sent,
			c.alert_rcvd);
	assert_int_equal(r, 0);
	assert_int_equal(SSL_get_verify_result(c.ssl), X509_V_OK);
	assert_int_equal(SSL_version(c.ssl), TLS1_2_VERSION);
	assert_int_equal(cp_hs_version(c.hs), FTLS_V_TLS12);
	assert_int_equal(cp_hs_suite(c.hs), s->id);
	assert_int_equal(cp_hs_group(c.hs), groups[g].id);
	assert_int_equal(cp_hs_sig_scheme(c.hs), signers[sg].scheme);
	assert_true(SSL_get_extms_support(c.ssl) == 1);
	assert_int_equal(c.installs, 2);
	assert_int_equal(c.rx.seq, 1);   /* the client's Finished was record 0 */
	assert_int_equal(c.tx.seq, 1);
	assert_int_equal(th_exchange(&c, 100), 0);
	assert_int_equal(th_exchange(&c, 40000), 0);
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

static void test_matrix(void **state)
{
	int n = 0;
	(void)state;
	for (size_t i = 0; i < ftls_nb_suites; i++) {
		const struct ftls_suite *s = &ftls_suites[i];
		if (s->version != FTLS_V_TLS12 || s->kx == FTLS_KX_RSA)
			continue;
		for (int g = 0; g < 3; g++)
			for (size_t sg = 0; sg < sizeof(signers) / sizeof(signers[0]); sg++) {
				bool ec = signers[sg].k != TH_RSA2048;
				if (ec != (s->kx == FTLS_KX_ECDHE_ECDSA))
					continue;
				one(s, g, (int)sg);
				n++;
			}
	}
	assert_int_equal(n, 3 * 3 * 2 + 7 * 3 * 2);
}

/* The suite is the server's preference among the client's: the table order. */
static void test_server_preference(void **state)
{
	struct cp_listener l;
	struct th_conn c;
	(void)state;
	SSL_CTX *ctx = client12("ECDHE-RSA-AES128-SHA:ECDHE-RSA-CHACHA20-POLY1305:"
				"ECDHE-RSA-AES256-GCM-SHA384", NULL, NULL, TLS1_2_VERSION);
	listener12(&l, false);
	assert_int_equal(start(&c, ctx, &l), 0);
	assert_int_equal(cp_hs_suite(c.hs), FTLS_ECDHE_RSA_AES256_GCM_SHA384);
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

/* RFC 7627: required by default (handshake_failure), accepted without when the policy says. */
static void test_ems(void **state)
{
	struct cp_listener l;
	struct th_conn c;
	(void)state;
	SSL_CTX *ctx = client12(NULL, NULL, NULL, TLS1_2_VERSION);
	SSL_CTX_set_options(ctx, SSL_OP_NO_EXTENDED_MASTER_SECRET);
	listener12(&l, true);
	assert_int_equal(start(&c, ctx, &l), 1);
	assert_int_equal(c.alert_sent, FTLS_ALERT_HANDSHAKE_FAILURE);
	th_conn_free(&c);
	l.ems_optional = true;
	assert_int_equal(start(&c, ctx, &l), 0);
	assert_int_equal(SSL_get_extms_support(c.ssl), 0);
	assert_int_equal(th_exchange(&c, 1000), 0);
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

/* RFC 8446 §4.1.3: DOWNGRD\1 ends the random of a 1.2 ServerHello iff 1.3 is enabled. A 1.3
 * client aborts on it, so the 1.2-only listener must not send it. */
static void test_downgrade_sentinel(void **state)
{
	static const uint8_t sentinel[8] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 1 };
	struct cp_listener l;
	struct th_conn c;
	uint8_t r[32];
	(void)state;
	SSL_CTX *c12 = client12(NULL, NULL, NULL, TLS1_2_VERSION);
	SSL_CTX *c13 = client12(NULL, NULL, NULL, TLS1_3_VERSION);

	listener12(&l, true);
	assert_int_equal(start(&c, c12, &l), 0);
	assert_int_equal(SSL_get_server_random(c.ssl, r, sizeof(r)), 32);
	assert_memory_equal(r + 24, sentinel, 8);
	th_conn_free(&c);

	assert_int_equal(start(&c, c13, &l), 0);   /* both enabled: 1.3 wins */
	assert_int_equal(cp_hs_version(c.hs), FTLS_V_TLS13);
	th_conn_free(&c);
	l.versions[0] = FTLS_V_TLS12;   /* listed first: still the highest common version */
	l.versions[1] = FTLS_V_TLS13;
	assert_int_equal(start(&c, c13, &l), 0);
	assert_int_equal(cp_hs_version(c.hs), FTLS_V_TLS13);
	th_conn_free(&c);

	listener12(&l, false);
	assert_int_equal(start(&c, c13, &l), 0);   /* a 1.3 client accepts our 1.2 */
	assert_int_equal(cp_hs_version(c.hs), FTLS_V_TLS12);
	assert_int_equal(SSL_get_server_random(c.ssl, r, sizeof(r)), 32);
	assert_memory_not_equal(r + 24, sentinel, 7);
	assert_int_equal(th_exchange(&c, 1000), 0);
	th_conn_free(&c);
	SSL_CTX_free(c12);
	SSL_CTX_free(c13);
}

/* TLS 1.0 and 1.1 clients get protocol_version; a 1.3-only listener refuses a 1.2 client. */
static void test_old_versions(void **state)
{
	static const int vs[] = { TLS1_VERSION, TLS1_1_VERSION };
	struct cp_listener l;
	struct th_conn c;
	(void)state;
	for (size_t i = 0; i < 2; i++) {
		SSL_CTX *ctx = client12(NULL, NULL, NULL, vs[i]);
		SSL_CTX_set_security_level(ctx, 0);
		SSL_CTX_set_min_proto_version(ctx, vs[i]);
		listener12(&l, true);
		assert_int_equal(start(&c, ctx, &l), 1);
		assert_int_equal(c.alert_sent, FTLS_ALERT_PROTOCOL_VERSION);
		th_conn_free(&c);
		SSL_CTX_free(ctx);
	}
	SSL_CTX *ctx = client12(NULL, NULL, NULL, TLS1_2_VERSION);
	th_listener_defaults(&l, &F.certs, F.dev);   /* 1.3 only */
	assert_int_equal(start(&c, ctx, &l), 1);
	assert_int_equal(c.alert_sent, FTLS_ALERT_PROTOCOL_VERSION);
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

/* A renegotiating ClientHello (protected, after the handshake) gets a no_renegotiation warning;
 * the client gives up on it. */
static void test_renegotiation_refused(void **state)
{
	static uint8_t rec[FTLS_REC_MAX_LEN], pt[FTLS_REC12_MAX_CIPHER];
	struct cp_listener l;
	struct th_conn c;
	uint8_t type;
	size_t pl;
	(void)state;
	SSL_CTX *ctx = client12(NULL, NULL, NULL, TLS1_2_VERSION);
	listener12(&l, true);
	assert_int_equal(start(&c, ctx, &l), 0);
	assert_int_equal(SSL_renegotiate(c.ssl), 1);
	assert_true(SSL_do_handshake(c.ssl) <= 0);
	int n = BIO_read(c.from_client, rec, sizeof(rec));
	assert_true(n > 5);
	assert_int_equal(rec[0], FTLS_CT_HANDSHAKE);
	assert_int_equal(ftls_rec_open(&c.rx, rec, (size_t)n, pt, sizeof(pt), &type, &pl), FTLS_OK);
	assert_int_equal(pt[0], FTLS_HS_CLIENT_HELLO);
	assert_int_equal(cp_hs_input_inner(c.hs, type, pt, pl), FTLS_OK);
	assert_int_equal(th_drain(&c), 0);
	assert_int_equal(c.alert_sent, FTLS_ALERT_NO_RENEGOTIATION);
	assert_false(c.closed);
	assert_true(SSL_do_handshake(c.ssl) <= 0);   /* the client refuses to go on without it */
	ERR_clear_error();
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

/* Heartbeat (RFC 6520) is never negotiated: a heartbeat record is unexpected_message. */
static void test_heartbeat_refused(void **state)
{
	static const uint8_t hb[] = { FTLS_CT_HEARTBEAT, 3, 3, 0, 3, 1, 0, 0 };
	struct cp_listener l;
	struct th_conn c;
	(void)state;
	SSL_CTX *ctx = client12(NULL, NULL, NULL, TLS1_2_VERSION);
	listener12(&l, true);
	assert_int_equal(th_conn_init(&c, ctx, &l), 0);
	assert_int_equal(SSL_do_handshake(c.ssl), -1);
	int k = 0;
	assert_int_equal(th_pump_client(&c, NULL, NULL, &k), 1);   /* ClientHello -> our flight */
	assert_int_equal(cp_hs_input(c.hs, hb, sizeof(hb)), FTLS_ERR_UNEXPECTED_MESSAGE);
	assert_int_equal(th_drain(&c), 0);
	assert_int_equal(c.alert_sent, FTLS_ALERT_UNEXPECTED_MESSAGE);
	th_conn_free(&c);
	SSL_CTX_free(ctx);
}

/* ---- every client record corrupted at every byte ---- */

struct cut {
	int rec;
	long pos;
	bool hit;
};

static bool mutate(void *arg, int k, uint8_t *rec, size_t *len)
{
	struct cut *c = arg;
	if (k == c->rec && (size_t)c->pos < *len) {
		rec[c->pos] ^= 0x41;
		c->hit = true;
	}
	return true;
}

static void test_corrupt_each_byte(void **state)
{
	struct cp_listener l;
	int outcomes[3] = { 0 }, runs = 0;
	(void)state;
	SSL_CTX *ctx = client12("ECDHE-ECDSA-AES128-GCM-SHA256", "X25519:P-256", NULL, TLS1_2_VERSION);
	listener12(&l, true);
	/* Records of the client: ClientHello, ClientKeyExchange, ChangeCipherSpec, Finished. */
	for (int rec = 0; rec < 4; rec++)
		for (long pos = 0;; pos++) {
			struct th_conn c;
			struct cut cut = { rec, pos, false };
			assert_int_equal(th_conn_init(&c, ctx, &l), 0);
			(void)th_handshake(&c, mutate, &cut);
			if (!cut.hit) {
				assert_true(cp_hs_done(c.hs));
				th_conn_free(&c);
				break;
			}
			runs++;
			/* The ClientHello's record version is ignored (RFC 5246 App. E.1); every other
			 * byte is covered by the Finished transcript, a MAC, or a check. */
			if (rec == 0 && pos == 2) {
				assert_true(cp_hs_done(c.hs));
				assert_int_equal(th_exchange(&c, 64), 0);
				th_conn_free(&c);
				continue;
			}
			if (cp_hs_done(c.hs))
				fail_msg("record %d byte %ld: handshake completed", rec, pos);
			if (!c.closed) {
				cp_hs_timeout(c.hs);   /* stalled (a longer length): the timer ends it */
				assert_int_equal(th_drain(&c), 0);
				assert_true(c.closed);
				outcomes[0]++;
			} else if (c.alert_sent >= 0) {
				outcomes[1]++;
			} else {
				assert_true(c.alert_rcvd >= 0);
				outcomes[2]++;
			}
			th_conn_free(&c);
		}
	assert_true(runs > 200);
	assert_true(outcomes[0] > 0 && outcomes[1] > 0);
	SSL_CTX_free(ctx);
}

/* The RSA key exchange: off unless listed; when listed, every RSA suite works. */
static void test_rsa_kx(void **state)
{
	static const char *const ciphers[] = { "AES128-SHA256", "AES256-SHA256" };
	static const uint16_t ids[] = { FTLS_RSA_AES128_CBC_SHA256, FTLS_RSA_AES256_CBC_SHA256 };
	struct cp_listener l;
	struct th_conn c;
	(void)state;
	for (int i = 0; i < 2; i++) {
		SSL_CTX *ctx = client12(ciphers[i], NULL, NULL, TLS1_2_VERSION);
		listener12(&l, true);   /* the default list: no RSA key exchange */
		assert_int_equal(start(&c, ctx, &l), 1);
		assert_int_equal(c.alert_sent, FTLS_ALERT_HANDSHAKE_FAILURE);
		th_conn_free(&c);
		l.suites[l.nb_suites++] = ids[i];
		assert_int_equal(start(&c, ctx, &l), 0);
		assert_int_equal(cp_hs_suite(c.hs), ids[i]);
		assert_int_equal(cp_hs_group(c.hs), 0);
		assert_int_equal(th_exchange(&c, 40000), 0);
		th_conn_free(&c);
		/* With tickets: NewSessionTicket in the RSA shape, then a resumption. */
		struct cp_ticket_conf tc = { .period = 3600 };
		struct cp_ticket_keys *keys;
		assert_int_equal(cp_ticket_keys_create(&tc, &keys), FTLS_OK);
		l.tickets = keys;
		assert_int_equal(start(&c, ctx, &l), 0);
		SSL_SESSION *sess = SSL_get1_session(c.ssl);
		assert_true(SSL_SESSION_has_ticket(sess));
		SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		th_conn_free(&c);
		assert_int_equal(th_conn_init(&c, ctx, &l), 0);
		SSL_set_tlsext_host_name(c.ssl, "server.test");   /* the session's name */
		assert_int_equal(SSL_set_session(c.ssl, sess), 1);
		assert_int_equal(th_handshake(&c, NULL, NULL), 0);
		assert_true(cp_hs_resumed(c.hs));
		assert_int_equal(th_exchange(&c, 1000), 0);
		th_conn_free(&c);
		SSL_SESSION_free(sess);
		cp_ticket_keys_destroy(keys);
		SSL_CTX_free(ctx);
	}
}

/*
 * Bleichenbacher: a ClientKeyExchange whose ciphertext is altered anywhere decrypts to garbage of
 * every kind (bad padding, bad separator, bad version, or a well-formed block with another
 * secret); the engine must answer every one the same way: a random pre-master secret, so the
 * client's Finished fails to open (bad_record_mac), never an earlier or different alert.
 */
struct cke_flip {
	long pos;
	bool hit;
};

static bool flip_cke(void *arg, int k, uint8_t *rec, size_t *len)
{
	struct cke_flip *f = arg;
	(void)k;
	if (rec[0] == FTLS_CT_HANDSHAKE && *len > 11 && rec[5] == FTLS_HS_CLIENT_KEY_EXCHANGE &&
	    11 + (size_t)f->pos < *len) {
		rec[11 + f->pos] ^= 0x5a;
		f->hit = true;
	}
	return true;
}

static void test_rsa_kx_malformed(void **state)
{
	struct cp_listener l;
	struct th_conn c;
	int n = 0;
	(void)state;
	SSL_CTX *ctx = client12("AES128-SHA256", NULL, NULL, TLS1_2_VERSION);
	listener12(&l, true);
	l.suites[l.nb_suites++] = FTLS_RSA_AES128_CBC_SHA256;
	for (long pos = 0;; pos++) {
		struct cke_flip f = { pos, false };
		assert_int_equal(th_conn_init(&c, ctx, &l), 0);
		(void)th_handshake(&c, flip_cke, &f);
		if (!f.hit) {
			th_conn_free(&c);
			break;
		}
		if (c.alert_sent != FTLS_ALERT_BAD_RECORD_MAC)
			fail_msg("ciphertext byte %ld: alert %d", pos, c.alert_sent);
		assert_false(cp_hs_done(c.hs));
		th_conn_free(&c);
		n++;
	}
	assert_int_equal(n, 256);   /* RSA-2048: 256 bytes of ciphertext, each altered */
	SSL_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matrix),
		cmocka_unit_test(test_server_preference),
		cmocka_unit_test(test_ems),
		cmocka_unit_test(test_downgrade_sentinel),
		cmocka_unit_test(test_old_versions),
		cmocka_unit_test(test_renegotiation_refused),
		cmocka_unit_test(test_heartbeat_refused),
		cmocka_unit_test(test_corrupt_each_byte),
		cmocka_unit_test(test_rsa_kx),
		cmocka_unit_test(test_rsa_kx_malformed),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
