/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Client authentication (mTLS) of the handshake engine against OpenSSL's libssl client, in
 * memory, in TLS 1.3 (with and without HelloRetryRequest) and TLS 1.2: RSA and ECDSA client
 * certificates issued by the configured CA (identity and signature scheme reported, data both
 * ways), the CA names in our CertificateRequest, a missing certificate (required:
 * certificate_required in 1.3, handshake_failure in 1.2; optional: accepted, unauthenticated),
 * an expired certificate (certificate_expired), one from another CA (unknown_ca), and a
 * CertificateVerify whose signature is altered (decrypt_error; in 1.2 in clear, in 1.3 opened
 * and sealed again with the client's handshake key taken from its key log).
 * The PKI is made at run time with libcrypto.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>

#include "ctrlplane/hs/keysched.h"
#include "ctrlplane/pki/x509_verify.h"
#include "test_hs_util.h"

enum { C_RSA, C_EC, C_EXPIRED, C_WRONGCA, C__N };

static struct {
	struct ftls_crypto_dev *dev;
	struct cp_certs certs;
	X509_STORE *store;
	EVP_PKEY *ca_key, *ca2_key;
	X509 *ca, *ca2;
	EVP_PKEY *ckey[C__N];
	X509 *cert[C__N];
	struct cp_x509_verifier *verifier;
	char ca_path[64];
} F;

static void add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	assert_non_null(e);
	X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
}

/* A certificate for key, signed by ikey (issuer NULL: self-signed CA), valid [from, to) days. */
static X509 *issue(const char *cn, EVP_PKEY *key, X509 *issuer, EVP_PKEY *ikey, long from,
		   long to, long serial)
{
	X509 *x = X509_new();
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), serial);
	X509_gmtime_adj(X509_getm_notBefore(x), from * 86400L);
	X509_gmtime_adj(X509_getm_notAfter(x), to * 86400L);
	X509_set_pubkey(x, key);
	X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
				   (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, X509_get_subject_name(issuer ? issuer : x));
	if (!issuer) {
		add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE");
		add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign");
	} else {
		add_ext(x, issuer, NID_ext_key_usage, "clientAuth");
		add_ext(x, issuer, NID_subject_alt_name, "email:client@example.test");
	}
	assert_true(X509_sign(x, ikey, EVP_sha256()) > 0);
	return x;
}

static int setup(void **state)
{
	(void)state;
	F.dev = th_dev();
	F.certs.default_set = 0;
	struct cp_cert_set *set = cp_certs_new_set(&F.certs);
	if (!F.dev || cp_certs_add_name(set, "server.test"))
		return -1;
	F.store = X509_STORE_new();
	for (int k = 0; k < 2; k++) {
		X509 *x = th_add_chain(&F.certs, set, k ? TH_P256 : TH_RSA2048, "server.test",
				       th_key_names[k ? TH_P256 : TH_RSA2048]);
		if (!x || !X509_STORE_add_cert(F.store, x))
			return -1;
	}
	F.ca_key = th_keygen(TH_P256);
	F.ca2_key = th_keygen(TH_P256);
	F.ca = issue("Test Client CA", F.ca_key, NULL, F.ca_key, -1, 365, 1);
	F.ca2 = issue("Other CA", F.ca2_key, NULL, F.ca2_key, -1, 365, 1);
	F.ckey[C_RSA] = th_keygen(TH_RSA2048);
	F.ckey[C_EC] = th_keygen(TH_P256);
	F.ckey[C_EXPIRED] = th_keygen(TH_P256);
	F.ckey[C_WRONGCA] = th_keygen(TH_P256);
	F.cert[C_RSA] = issue("client-rsa", F.ckey[C_RSA], F.ca, F.ca_key, -1, 30, 10);
	F.cert[C_EC] = issue("client-ec", F.ckey[C_EC], F.ca, F.ca_key, -1, 30, 11);
	F.cert[C_EXPIRED] = issue("client-expired", F.ckey[C_EXPIRED], F.ca, F.ca_key, -30, -1, 12);
	F.cert[C_WRONGCA] = issue("client-other", F.ckey[C_WRONGCA], F.ca2, F.ca2_key, -1, 30, 13);

	snprintf(F.ca_path, sizeof(F.ca_path), "/tmp/ftls-cauth-%d.pem", (int)getpid());
	FILE *f = fopen(F.ca_path, "w");
	if (!f || !PEM_write_X509(f, F.ca))
		return -1;
	fclose(f);
	struct cp_x509_conf xc = { .ca_file = F.ca_path };
	if (cp_x509_verifier_create(&xc, &F.verifier))
		return -1;
	unlink(F.ca_path);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	cp_x509_verifier_destroy(F.verifier);
	for (int i = 0; i < C__N; i++) {
		X509_free(F.cert[i]);
		EVP_PKEY_free(F.ckey[i]);
	}
	X509_free(F.ca);
	X509_free(F.ca2);
	EVP_PKEY_free(F.ca_key);
	EVP_PKEY_free(F.ca2_key);
	X509_STORE_free(F.store);
	cp_certs_free(&F.certs);
	ftls_crypto_close(F.dev);
	return 0;
}

static void listener(struct cp_listener *l, int version, enum cp_client_auth mode)
{
	th_listener_defaults(l, &F.certs, F.dev);
	l->versions[0] = (uint16_t)version;
	l->nb_versions = 1;
	l->nb_suites = 0;
	for (size_t i = 0; i < ftls_nb_suites; i++)
		if (ftls_suites[i].kx != FTLS_KX_RSA)
			l->suites[l->nb_suites++] = ftls_suites[i].id;
	l->client_auth = mode;
	l->verifier = F.verifier;
}

/* A client of version v presenting certificate c (-1: none). */
static SSL_CTX *client(int v, int c, const char *groups)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	assert_non_null(ctx);
	SSL_CTX_set_min_proto_version(ctx, v);
	SSL_CTX_set_max_proto_version(ctx, v);
	if (groups)
		assert_int_equal(SSL_CTX_set1_groups_list(ctx, groups), 1);
	X509_STORE_up_ref(F.store);
	SSL_CTX_set_cert_store(ctx, F.store);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (c >= 0) {
		assert_int_equal(SSL_CTX_use_certificate(ctx, F.cert[c]), 1);
		assert_int_equal(SSL_CTX_use_PrivateKey(ctx, F.ckey[c]), 1);
	}
	return ctx;
}

static const int versions[2][2] = { { TLS1_3_VERSION, FTLS_V_TLS13 },
				      { TLS1_2_VERSION, FTLS_V_TLS12 } };

/* Runs one handshake; returns th_handshake's result and leaves the connection in *c. */
static int run(struct th_conn *c, SSL_CTX *ctx, const struct cp_listener *l)
{
	assert_int_equal(th_conn_init(c, ctx, l), 0);
	SSL_set_tlsext_host_name(c->ssl, "server.test");
	return th_handshake(c, NULL, NULL);
}

static void test_good_clients(void **state)
{
	static const char *const cn[] = { "CN=client-rsa", "CN=client-ec" };
	(void)state;
	for (int v = 0; v < 2; v++)
		for (int k = C_RSA; k <= C_EC; k++)
			for (int hrr = 0; hrr < 2 - v; hrr++) {
				struct cp_listener l;
				struct th_conn c;
				SSL_CTX *ctx = client(versions[v][0], k, hrr ? "P-256:X25519" : NULL);
				listener(&l, versions[v][1], CP_CAUTH_REQUIRED);
				if (hrr) {
					l.groups[0] = FTLS_GROUP_X25519;
					l.nb_groups = 1;
				}
				int r = run(&c, ctx, &l);
				if (r)
					fprintf(stderr, "v%d k%d hrr%d: %s alert %d/%d\n", v, k, hrr,
						ftls_err_name(cp_hs_error(c.hs)), c.alert_sent,
						c.alert_rcvd);
				assert_int_equal(r, 0);
				assert_int_equal(cp_hs_version(c.hs), versions[v][1]);
				assert_int_equal(cp_hs_did_hrr(c.hs), hrr);
				const struct cp_x509_identity *id = cp_hs_peer_identity(c.hs);
				assert_non_null(id);
				assert_string_equal(id->subject, cn[k]);
				assert_int_equal(id->nb_san, 1);
				assert_string_equal(id->san[0].value, "client@example.test");
				assert_int_not_equal(cp_hs_peer_sig_scheme(c.hs), 0);
				/* Our CertificateRequest named the CA. */
				const STACK_OF(X509_NAME) *names = SSL_get0_peer_CA_list(c.ssl);
				assert_non_null(names);
				assert_int_equal(sk_X509_NAME_num(names), 1);
				assert_int_equal(X509_NAME_cmp(sk_X509_NAME_value(names, 0),
							       X509_get_subject_name(F.ca)), 0);
				assert_int_equal(th_exchange(&c, 5000), 0);
				th_conn_free(&c);
				SSL_CTX_free(ctx);
			}
}

/* TLS 1.2: the schemes of our CertificateRequest follow the suite's hash; PKCS#1 v1.5 works. */
static void test_tls12_schemes(void **state)
{
	static const struct {
		int cert;
		const char *cipher, *sigalgs;
		uint16_t scheme;
	} cases[] = {
		{ C_RSA, "ECDHE-ECDSA-AES128-GCM-SHA256", "RSA+SHA256", FTLS_SIG_RSA_PKCS1_SHA256 },
		{ C_RSA, "ECDHE-ECDSA-AES256-GCM-SHA384", "RSA+SHA384", FTLS_SIG_RSA_PKCS1_SHA384 },
		{ C_RSA, "ECDHE-ECDSA-AES256-GCM-SHA384", NULL, FTLS_SIG_RSA_PSS_RSAE_SHA384 },
		{ C_EC, "ECDHE-ECDSA-AES256-GCM-SHA384", NULL, FTLS_SIG_ECDSA_SECP384R1_SHA384 },
		{ C_EC, "ECDHE-RSA-AES128-SHA", NULL, FTLS_SIG_ECDSA_SECP256R1_SHA256 },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cp_listener l;
		struct th_conn c;
		SSL_CTX *ctx = client(TLS1_2_VERSION, cases[i].cert, NULL);
		assert_int_equal(SSL_CTX_set_cipher_list(ctx, cases[i].cipher), 1);
		if (cases[i].sigalgs)
			assert_int_equal(SSL_CTX_set1_client_sigalgs_list(ctx, cases[i].sigalgs), 1);
		listener(&l, FTLS_V_TLS12, CP_CAUTH_REQUIRED);
		assert_int_equal(run(&c, ctx, &l), 0);
		assert_int_equal(cp_hs_peer_sig_scheme(c.hs), cases[i].scheme);
		assert_non_null(cp_hs_peer_identity(c.hs));
		assert_int_equal(th_exchange(&c, 100), 0);
		th_conn_free(&c);
		SSL_CTX_free(ctx);
	}
}

/* Outcome of a client presenting c (-1: none) to a listener in mode. */
static void expect(int v, int c, enum cp_client_auth mode, int alert)
{
	struct cp_listener l;
	struct th_conn conn;
	SSL_CTX *ctx = client(versions[v][0], c, NULL);
	listener(&l, versions[v][1], mode);
	int r = run(&conn, ctx, &l);
	if (alert < 0) {
		assert_int_equal(r, 0);
		assert_null(cp_hs_peer_identity(conn.hs));
		assert_int_equal(th_exchange(&conn, 100), 0);
	} else {
		if (conn.alert_sent != alert)
			fprintf(stderr, "v%d cert %d mode %d: r=%d alert %d/%d, want %d\n", v, c,
				mode, r, conn.alert_sent, conn.alert_rcvd, alert);
		assert_int_equal(r, 1);
		assert_int_equal(conn.alert_sent, alert);
		assert_false(cp_hs_done(conn.hs));
	}
	th_conn_free(&conn);
	SSL_CTX_free(ctx);
}

static void test_missing(void **state)
{
	(void)state;
	expect(0, -1, CP_CAUTH_REQUIRED, FTLS_ALERT_CERTIFICATE_REQUIRED);
	expect(1, -1, CP_CAUTH_REQUIRED, FTLS_ALERT_HANDSHAKE_FAILURE);
	expect(0, -1, CP_CAUTH_OPTIONAL, -1);
	expect(1, -1, CP_CAUTH_OPTIONAL, -1);
}

static void test_bad_chains(void **state)
{
	(void)state;
	for (int v = 0; v < 2; v++) {
		expect(v, C_EXPIRED, CP_CAUTH_REQUIRED, FTLS_ALERT_CERTIFICATE_EXPIRED);
		expect(v, C_WRONGCA, CP_CAUTH_REQUIRED, FTLS_ALERT_UNKNOWN_CA);
		expect(v, C_WRONGCA, CP_CAUTH_OPTIONAL, FTLS_ALERT_UNKNOWN_CA);
	}
}

/* The 1.2 CertificateVerify is a plaintext handshake record: flip a byte of its signature. */
struct flip {
	bool hit;
};

static bool flip_cv(void *arg, int k, uint8_t *rec, size_t *len)
{
	struct flip *f = arg;
	(void)k;
	/* Records may hold several messages: find a CertificateVerify header in a handshake one. */
	if (rec[0] != FTLS_CT_HANDSHAKE || f->hit)
		return true;
	for (size_t off = 5; off + 4 <= *len;) {
		size_t ml = (size_t)rec[off + 1] << 16 | (size_t)rec[off + 2] << 8 | rec[off + 3];
		if (rec[off] == FTLS_HS_CERTIFICATE_VERIFY && off + 4 + ml <= *len) {
			rec[off + 4 + ml - 5] ^= 0x01;
			f->hit = true;
			break;
		}
		off += 4 + ml;
	}
	return true;
}

static void test_bad_signature12(void **state)
{
	(void)state;
	for (int k = C_RSA; k <= C_EC; k++) {
		struct cp_listener l;
		struct th_conn c;
		struct flip f = { false };
		SSL_CTX *ctx = client(TLS1_2_VERSION, k, NULL);
		listener(&l, FTLS_V_TLS12, CP_CAUTH_REQUIRED);
		assert_int_equal(th_conn_init(&c, ctx, &l), 0);
		assert_int_equal(th_handshake(&c, flip_cv, &f), 1);
		assert_true(f.hit);
		assert_int_equal(c.alert_sent, FTLS_ALERT_DECRYPT_ERROR);
		assert_null(cp_hs_peer_identity(c.hs));
		th_conn_free(&c);
		SSL_CTX_free(ctx);
	}
}

/*
 * TLS 1.3: the client's CertificateVerify travels under its handshake key. The test learns that
 * key from the client's key log, opens the client's encrypted flight, flips a byte of the
 * signature and seals it again, so only the signature is wrong: decrypt_error.
 */
static struct {
	uint8_t secret[32];
	bool have;
} K;

static void keylog(const SSL *ssl, const char *line)
{
	static const char tag[] = "CLIENT_HANDSHAKE_TRAFFIC_SECRET ";
	(void)ssl;
	if (strncmp(line, tag, sizeof(tag) - 1))
		return;
	const char *hex = strchr(line + sizeof(tag) - 1, ' ');
	assert_non_null(hex);
	for (int i = 0; i < 32; i++)
		assert_int_equal(sscanf(hex + 1 + 2 * i, "%2hhx", &K.secret[i]), 1);
	K.have = true;
}

struct flip13 {
	int encrypted;
	bool hit;
};

static bool flip_cv13(void *arg, int k, uint8_t *rec, size_t *len)
{
	struct flip13 *f = arg;
	static uint8_t pt[FTLS_REC13_MAX_CIPHER], out[FTLS_REC_HDR_LEN + FTLS_REC13_MAX_CIPHER];
	struct ftls_key_install ki;
	struct ftls_rec_dir rx = { .version = FTLS_V_TLS13 }, tx = { .version = FTLS_V_TLS13 };
	uint8_t type;
	size_t pl, ol;
	(void)k;
	if (rec[0] != FTLS_CT_APPLICATION_DATA || !K.have || f->hit)
		return true;
	uint64_t seq = (uint64_t)f->encrypted++;   /* records may carry one message each */
	const struct ftls_suite *s = ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256);
	assert_int_equal(cp_ks_traffic_keys(s, K.secret, FTLS_DIR_RX, &ki), FTLS_OK);
	assert_int_equal(ftls_rec_dir_install(&rx, F.dev, 0, &ki), FTLS_OK);
	ki.dir = FTLS_DIR_TX;
	assert_int_equal(ftls_rec_dir_install(&tx, F.dev, 0, &ki), FTLS_OK);
	rx.seq = tx.seq = seq;
	assert_int_equal(ftls_rec_open(&rx, rec, *len, pt, sizeof(pt), &type, &pl), FTLS_OK);
	assert_int_equal(type, FTLS_CT_HANDSHAKE);
	for (size_t off = 0; off + 4 <= pl;) {
		size_t ml = (size_t)pt[off + 1] << 16 | (size_t)pt[off + 2] << 8 | pt[off + 3];
		if (pt[off] == FTLS_HS_CERTIFICATE_VERIFY) {
			pt[off + 4 + ml - 3] ^= 0x01;   /* inside the signature */
			f->hit = true;
		}
		off += 4 + ml;
	}
	if (f->hit) {
		assert_int_equal(ftls_rec_seal(&tx, type, pt, pl, out, sizeof(out), &ol), FTLS_OK);
		assert_int_equal(ol, *len);
		memcpy(rec, out, ol);
	}
	ftls_rec_dir_clear(&rx);
	ftls_rec_dir_clear(&tx);
	return true;
}

static void test_bad_signature13(void **state)
{
	(void)state;
	for (int k = C_RSA; k <= C_EC; k++) {
		struct cp_listener l;
		struct th_conn c;
		struct flip13 f = { 0, false };
		SSL_CTX *ctx = client(TLS1_3_VERSION, k, NULL);
		assert_int_equal(SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256"), 1);
		SSL_CTX_set_keylog_callback(ctx, keylog);
		K.have = false;
		listener(&l, FTLS_V_TLS13, CP_CAUTH_REQUIRED);
		assert_int_equal(th_conn_init(&c, ctx, &l), 0);
		assert_int_equal(th_handshake(&c, flip_cv13, &f), 1);
		assert_true(f.hit);
		assert_int_equal(c.alert_sent, FTLS_ALERT_DECRYPT_ERROR);
		assert_null(cp_hs_peer_identity(c.hs));
		th_conn_free(&c);
		SSL_CTX_free(ctx);
	}
}

/*
 * Every byte of every client record of a client-authenticated handshake altered, one at a time
 * (both versions): the handshake must never complete, except for the record-version byte of a
 * record the RFCs say to ignore (the ClientHello's; TLS 1.3's plaintext change_cipher_spec).
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
	int runs = 0;
	(void)state;
	for (int v = 0; v < 2; v++) {
		struct cp_listener l;
		SSL_CTX *ctx = client(versions[v][0], C_EC, "X25519");
		listener(&l, versions[v][1], CP_CAUTH_REQUIRED);
		for (int rec = 0;; rec++) {
			bool any = false;
			for (long pos = 0;; pos++) {
				struct th_conn c;
				struct cut cut = { rec, pos, false, 0 };
				assert_int_equal(th_conn_init(&c, ctx, &l), 0);
				(void)th_handshake(&c, cut_one, &cut);
				if (!cut.hit) {
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
		SSL_CTX_free(ctx);
	}
	assert_true(runs > 1000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_clients),
		cmocka_unit_test(test_tls12_schemes),
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_bad_chains),
		cmocka_unit_test(test_bad_signature12),
		cmocka_unit_test(test_bad_signature13),
		cmocka_unit_test(test_corrupt_each_byte),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
