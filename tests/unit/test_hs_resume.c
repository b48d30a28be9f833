/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session resumption on the handshake engine against OpenSSL's libssl client, in memory: TLS 1.2
 * by session id (server cache) and by RFC 5077 ticket, TLS 1.3 by PSK ticket (psk_dhe_ke, psk_ke
 * when allowed; binders, a bad binder is decrypt_error); expired, tampered and wrong-key tickets
 * and unknown ids fall back to a full handshake; TLS 1.2 tickets under the previous key are
 * renewed; TLS 1.3 tickets are single use unless the listener allows reuse, and only serve suites
 * of their hash; data flows both ways after every resumption; no altered byte of an abbreviated
 * handshake completes it. Time is injected into the ticket keys and the cache so expiry is tested
 * without waiting. (The client identity kept across resumption is checked over sockets,
 * tests/integration/test_standalone.py.)
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrlplane/resume/sess_cache.h"
#include "ctrlplane/resume/ticket.h"
#include "test_hs_util.h"

static struct {
	struct ftls_crypto_dev *dev;
	struct cp_certs certs;
	X509_STORE *store;
	uint64_t now;
} F;

static uint64_t clock_now(void *arg)
{
	(void)arg;
	return F.now;
}

static int setup(void **state)
{
	(void)state;
	F.now = 1000000;
	F.dev = th_dev();
	F.certs.default_set = 0;
	struct cp_cert_set *set = cp_certs_new_set(&F.certs);
	if (!F.dev || cp_certs_add_name(set, "server.test"))
		return -1;
	F.store = X509_STORE_new();
	X509 *x = th_add_chain(&F.certs, set, TH_P256, "server.test", "p256");
	if (!x || !X509_STORE_add_cert(F.store, x))
		return -1;
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

struct stores {
	struct cp_sess_cache *cache;
	struct cp_ticket_keys *keys;
};

static void stores_new(struct stores *s, bool cache, bool tickets)
{
	struct cp_sess_cache_conf cc = { .max_entries = 64, .max_bytes = 1 << 20, .lifetime = 3600,
					 .now = clock_now };
	struct cp_ticket_conf tc = { .period = 3600, .now = clock_now };
	memset(s, 0, sizeof(*s));
	if (cache)
		assert_int_equal(cp_sess_cache_create(&cc, &s->cache), FTLS_OK);
	if (tickets)
		assert_int_equal(cp_ticket_keys_create(&tc, &s->keys), FTLS_OK);
}

static void stores_free(struct stores *s)
{
	cp_sess_cache_destroy(s->cache);
	cp_ticket_keys_destroy(s->keys);
}

static void listener(struct cp_listener *l, uint16_t version, const struct stores *s)
{
	th_listener_defaults(l, &F.certs, F.dev);
	l->versions[0] = version;
	l->nb_versions = 1;
	l->nb_suites = 0;
	for (size_t i = 0; i < ftls_nb_suites; i++)
		if (ftls_suites[i].kx != FTLS_KX_RSA)
			l->suites[l->nb_suites++] = ftls_suites[i].id;
	l->sess_cache = s->cache;
	l->tickets = s->keys;
	l->sess_lifetime = 600;
	l->tickets13 = 2;
}

static SSL_CTX *client(int v, bool tickets)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	SSL_CTX_set_min_proto_version(ctx, v);
	SSL_CTX_set_max_proto_version(ctx, v);
	if (!tickets)
		SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
	X509_STORE_up_ref(F.store);
	SSL_CTX_set_cert_store(ctx, F.store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	return ctx;
}

/*
 * One connection offering sess (may be NULL); returns whether the engine resumed, and the
 * session the client ends up with (its new ticket, for 1.3 after reading data) in *out.
 */
static bool conn(SSL_CTX *ctx, const struct cp_listener *l, SSL_SESSION *sess, SSL_SESSION **out)
{
	struct th_conn c;
	assert_int_equal(th_conn_init(&c, ctx, l), 0);
	SSL_set_tlsext_host_name(c.ssl, "server.test");
	if (sess)
		assert_int_equal(SSL_set_session(c.ssl, sess), 1);
	int r = th_handshake(&c, NULL, NULL);
	if (r)
		fprintf(stderr, "handshake: r=%d %s alert %d/%d\n", r, ftls_err_name(cp_hs_error(c.hs)),
			c.alert_sent, c.alert_rcvd);
	assert_int_equal(r, 0);
	bool resumed = cp_hs_resumed(c.hs);
	assert_int_equal(SSL_session_reused(c.ssl), resumed);
	assert_int_equal(th_exchange(&c, 3000), 0);   /* 1.3: the client reads our tickets here */
	if (out)
		*out = SSL_get1_session(c.ssl);
	/* A connection freed without a shutdown makes libssl mark its session not resumable. */
	SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	th_conn_free(&c);
	return resumed;
}

/* A fresh copy of a session: libssl marks a TLS 1.3 session it resumed as used, so replaying a
 * ticket (what an attacker or a buggy client does) needs a copy made before. */
static SSL_SESSION *copy(SSL_SESSION *sess)
{
	int n = i2d_SSL_SESSION(sess, NULL);
	unsigned char *der = malloc((size_t)n), *p = der;
	assert_int_equal(i2d_SSL_SESSION(sess, &p), n);
	const unsigned char *q = der;
	SSL_SESSION *t = d2i_SSL_SESSION(NULL, &q, n);
	assert_non_null(t);
	free(der);
	return t;
}

/* conn() with a fresh copy of sess. */
static bool conn_copy(SSL_CTX *ctx, const struct cp_listener *l, SSL_SESSION *sess)
{
	SSL_SESSION *t = copy(sess);
	bool r = conn(ctx, l, t, NULL);
	SSL_SESSION_free(t);
	return r;
}

static void test_tls12_session_id(void **state)
{
	struct stores s;
	struct cp_listener l;
	SSL_SESSION *sess, *s2;
	(void)state;
	stores_new(&s, true, false);
	listener(&l, FTLS_V_TLS12, &s);
	SSL_CTX *ctx = client(TLS1_2_VERSION, false);
	assert_false(conn(ctx, &l, NULL, &sess));
	assert_int_equal(SSL_SESSION_get_id(sess, NULL) != NULL, 1);
	assert_true(conn(ctx, &l, sess, &s2));
	SSL_SESSION_free(s2);
	assert_true(conn(ctx, &l, sess, NULL));   /* ids may be reused until they expire */
	/* Expired (cache lifetime is the listener's 600 s): a full handshake. */
	F.now += 601;
	assert_false(conn(ctx, &l, sess, NULL));
	SSL_SESSION_free(sess);
	/* Another server's cache does not know the id. */
	struct stores other;
	stores_new(&other, true, false);
	struct cp_listener l2;
	listener(&l2, FTLS_V_TLS12, &other);
	assert_false(conn(ctx, &l, NULL, &sess));
	assert_false(conn(ctx, &l2, sess, NULL));
	SSL_SESSION_free(sess);
	stores_free(&other);
	SSL_CTX_free(ctx);
	stores_free(&s);
}

/* Flips a byte in the middle of the session's ticket (through its DER encoding). */
static SSL_SESSION *tamper(SSL_SESSION *sess)
{
	const unsigned char *tick;
	size_t tlen;
	SSL_SESSION_get0_ticket(sess, &tick, &tlen);
	assert_true(tlen > 40);
	int n = i2d_SSL_SESSION(sess, NULL);
	unsigned char *der = malloc((size_t)n), *p = der;
	assert_int_equal(i2d_SSL_SESSION(sess, &p), n);
	unsigned char *at = memmem(der, (size_t)n, tick, tlen);
	assert_non_null(at);
	at[tlen / 2] ^= 0x10;
	const unsigned char *q = der;
	SSL_SESSION *t = d2i_SSL_SESSION(NULL, &q, n);
	assert_non_null(t);
	free(der);
	return t;
}

static void test_tls12_ticket(void **state)
{
	struct stores s, other;
	struct cp_listener l, l2;
	SSL_SESSION *sess, *bad;
	(void)state;
	stores_new(&s, false, true);
	stores_new(&other, false, true);
	listener(&l, FTLS_V_TLS12, &s);
	listener(&l2, FTLS_V_TLS12, &other);
	SSL_CTX *ctx = client(TLS1_2_VERSION, true);
	assert_false(conn(ctx, &l, NULL, &sess));
	assert_true(SSL_SESSION_has_ticket(sess));
	assert_true(conn(ctx, &l, sess, NULL));
	/* Tampered, wrong key: full handshakes that still complete. */
	bad = tamper(sess);
	assert_false(conn(ctx, &l, bad, NULL));
	SSL_SESSION_free(bad);
	assert_false(conn(ctx, &l2, sess, NULL));
	/* After one rotation the ticket still opens (previous key) and is renewed. */
	assert_int_equal(cp_ticket_rotate(s.keys), FTLS_OK);
	SSL_SESSION *renewed;
	assert_true(conn(ctx, &l, sess, &renewed));
	assert_int_equal(cp_ticket_rotate(s.keys), FTLS_OK);
	assert_false(conn(ctx, &l, sess, NULL));       /* two rotations: the key is gone */
	assert_true(conn(ctx, &l, renewed, NULL));      /* the renewed one is under the newer key */
	SSL_SESSION_free(renewed);
	/* Expired. */
	SSL_SESSION_free(sess);
	assert_false(conn(ctx, &l, NULL, &sess));
	F.now += 601;
	assert_false(conn(ctx, &l, sess, NULL));
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
	stores_free(&s);
	stores_free(&other);
}

static void test_tls13_psk(void **state)
{
	struct stores s, other;
	struct cp_listener l, l2;
	SSL_SESSION *sess, *next, *bad;
	(void)state;
	stores_new(&s, true, true);
	stores_new(&other, true, true);
	listener(&l, FTLS_V_TLS13, &s);
	listener(&l2, FTLS_V_TLS13, &other);
	SSL_CTX *ctx = client(TLS1_3_VERSION, true);
	assert_false(conn(ctx, &l, NULL, &sess));
	assert_true(SSL_SESSION_is_resumable(sess));
	SSL_SESSION *replay = copy(sess);
	assert_true(conn(ctx, &l, sess, &next));
	/* Single use by default: the same ticket again is a full handshake. */
	assert_false(conn(ctx, &l, replay, NULL));
	SSL_SESSION_free(replay);
	/* The ticket of the resumed connection works once. */
	assert_true(conn_copy(ctx, &l, next));
	assert_false(conn_copy(ctx, &l, next));
	SSL_SESSION_free(next);
	SSL_SESSION_free(sess);
	/* Reuse allowed by policy. */
	l.ticket_reuse = true;
	assert_false(conn(ctx, &l, NULL, &sess));
	assert_true(conn_copy(ctx, &l, sess));
	assert_true(conn_copy(ctx, &l, sess));
	/* Tampered, wrong key, too old (the client's age and ours disagree), expired. */
	bad = tamper(sess);
	assert_false(conn(ctx, &l, bad, NULL));
	SSL_SESSION_free(bad);
	assert_false(conn_copy(ctx, &l2, sess));
	F.now += 30;   /* our clock runs ahead of the client's: the age check refuses */
	assert_false(conn_copy(ctx, &l, sess));
	F.now += 601;
	assert_false(conn_copy(ctx, &l, sess));
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
	stores_free(&s);
	stores_free(&other);
}

/* Suites with another hash than the ticket's cannot use it (RFC 8446 §4.2.11). */
static void test_tls13_psk_hash(void **state)
{
	struct stores s;
	struct cp_listener l;
	SSL_SESSION *sess;
	(void)state;
	stores_new(&s, true, true);
	listener(&l, FTLS_V_TLS13, &s);
	l.ticket_reuse = true;
	SSL_CTX *c256 = client(TLS1_3_VERSION, true);
	SSL_CTX *c384 = client(TLS1_3_VERSION, true);
	assert_int_equal(SSL_CTX_set_ciphersuites(c256, "TLS_AES_128_GCM_SHA256"), 1);
	assert_int_equal(SSL_CTX_set_ciphersuites(c384, "TLS_AES_256_GCM_SHA384"), 1);
	assert_false(conn(c256, &l, NULL, &sess));
	assert_true(conn_copy(c256, &l, sess));
	assert_false(conn_copy(c384, &l, sess));
	SSL_SESSION_free(sess);
	SSL_CTX_free(c256);
	SSL_CTX_free(c384);
	stores_free(&s);
}

/* psk_ke (no (EC)DHE) only when the listener allows it and the client offers it. */
static void test_tls13_psk_ke(void **state)
{
	struct stores s;
	struct cp_listener l;
	struct th_conn c;
	SSL_SESSION *sess;
	(void)state;
	stores_new(&s, true, true);
	listener(&l, FTLS_V_TLS13, &s);
	l.ticket_reuse = true;
	SSL_CTX *ctx = client(TLS1_3_VERSION, true);
	SSL_CTX_set_options(ctx, SSL_OP_ALLOW_NO_DHE_KEX);
	assert_false(conn(ctx, &l, NULL, &sess));
	for (int allow = 0; allow < 2; allow++) {
		SSL_SESSION *t = copy(sess);
		l.psk_ke = allow;
		assert_int_equal(th_conn_init(&c, ctx, &l), 0);
		SSL_set_tlsext_host_name(c.ssl, "server.test");
		assert_int_equal(SSL_set_session(c.ssl, t), 1);
		assert_int_equal(th_handshake(&c, NULL, NULL), 0);
		assert_true(cp_hs_resumed(c.hs));
		assert_int_equal(cp_hs_group(c.hs), allow ? 0 : FTLS_GROUP_X25519);
		assert_int_equal(th_exchange(&c, 2000), 0);
		SSL_set_shutdown(c.ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		th_conn_free(&c);
		SSL_SESSION_free(t);
	}
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
	stores_free(&s);
}

/* §4.2.11: a PSK whose binder does not verify ends the handshake with decrypt_error. */
static bool flip_binder(void *arg, int k, uint8_t *rec, size_t *len)
{
	(void)arg;
	if (k == 0)
		rec[*len - 5] ^= 0x01;   /* pre_shared_key is last: its binder ends the ClientHello */
	return true;
}

static void test_tls13_bad_binder(void **state)
{
	struct stores s;
	struct cp_listener l;
	struct th_conn c;
	SSL_SESSION *sess;
	(void)state;
	stores_new(&s, true, true);
	listener(&l, FTLS_V_TLS13, &s);
	SSL_CTX *ctx = client(TLS1_3_VERSION, true);
	assert_false(conn(ctx, &l, NULL, &sess));
	assert_int_equal(th_conn_init(&c, ctx, &l), 0);
	SSL_set_tlsext_host_name(c.ssl, "server.test");
	assert_int_equal(SSL_set_session(c.ssl, sess), 1);
	assert_int_equal(th_handshake(&c, flip_binder, NULL), 1);
	assert_int_equal(c.alert_sent, FTLS_ALERT_DECRYPT_ERROR);
	th_conn_free(&c);
	SSL_SESSION_free(sess);
	SSL_CTX_free(ctx);
	stores_free(&s);
}

/*
 * Every byte of every client record of an abbreviated handshake (TLS 1.2 by ticket, TLS 1.3
 * PSK) altered, one at a time: never a completed handshake, except for record-version bytes the
 * RFCs say to ignore (the ClientHello's; TLS 1.3's plaintext change_cipher_spec).
 */
struct cut {
	int rec;
	long pos;
	bool hit;
	uint8_t type;
};

static bool cut_one(void *arg, int k, uint8_t *rec, size_t *len)
{
	struct cut *c = arg;
	if (k == c->rec && (size_t)c->pos < *len) {
		c->type = rec[0];
		rec[c->pos] ^= 0x41;
		c->hit = true;
	}
	return true;
}

static void test_corrupt_each_byte(void **state)
{
	static const int versions[2][2] = { { TLS1_3_VERSION, FTLS_V_TLS13 },
					      { TLS1_2_VERSION, FTLS_V_TLS12 } };
	int runs = 0;
	(void)state;
	for (int v = 0; v < 2; v++) {
		struct stores s;
		struct cp_listener l;
		SSL_SESSION *sess;
		stores_new(&s, false, true);
		listener(&l, (uint16_t)versions[v][1], &s);
		l.ticket_reuse = true;
		SSL_CTX *ctx = client(versions[v][0], true);
		assert_false(conn(ctx, &l, NULL, &sess));
		for (int rec = 0;; rec++) {
			bool any = false;
			for (long pos = 0;; pos++) {
				struct th_conn c;
				struct cut cut = { rec, pos, false, 0 };
				SSL_SESSION *t = copy(sess);
				assert_int_equal(th_conn_init(&c, ctx, &l), 0);
				SSL_set_tlsext_host_name(c.ssl, "server.test");
				assert_int_equal(SSL_set_session(c.ssl, t), 1);
				(void)th_handshake(&c, cut_one, &cut);
				SSL_SESSION_free(t);
				if (!cut.hit) {
					assert_true(cp_hs_resumed(c.hs) && cp_hs_done(c.hs));
					th_conn_free(&c);
					break;
				}
				any = true;
				runs++;
				bool ignored = pos == 2 && (rec == 0 || (v == 0 &&
						cut.type == FTLS_CT_CHANGE_CIPHER_SPEC));
				if (cp_hs_done(c.hs) != ignored)
					fail_msg("v%d record %d byte %ld (type %u): done %d", v, rec, pos,
						 cut.type, cp_hs_done(c.hs));
				th_conn_free(&c);
			}
			if (!any)
				break;
		}
		SSL_SESSION_free(sess);
		SSL_CTX_free(ctx);
		stores_free(&s);
	}
	assert_true(runs > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls12_session_id),
		cmocka_unit_test(test_tls12_ticket),
		cmocka_unit_test(test_tls13_psk),
		cmocka_unit_test(test_tls13_psk_hash),
		cmocka_unit_test(test_tls13_bad_binder),
		cmocka_unit_test(test_tls13_psk_ke),
		cmocka_unit_test(test_corrupt_each_byte),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
