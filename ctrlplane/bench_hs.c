/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-hs: handshakes per second on one core, server side, in memory against OpenSSL's libssl
 * client, next to OpenSSL's own libssl server doing the same handshakes in the same run, x25519
 * for every (EC)DHE:
 *  - full TLS 1.3 (TLS_AES_128_GCM_SHA256) with ECDSA P-256 and RSA-2048, no tickets either side;
 *  - full TLS 1.2 ECDHE-RSA-2048 and ECDHE-ECDSA-P256 (AES128-GCM), no session cache or tickets;
 *  - TLS 1.2 resumed by session id (server cache on both sides, tickets off), by ticket (tickets
 *    on, cache off), and TLS 1.3 PSK resumption (psk_dhe_ke; both servers issue one reusable
 *    ticket per handshake, which is part of the measured work).
 * Every resumed iteration is checked to have resumed. Only the server's CPU time is counted
 * (CLOCK_THREAD_CPUTIME_ID around the server's calls); the client's work is the same for both.
 * Then, for the full TLS 1.3 cases, heap bytes per handshake in progress (after the ClientHello,
 * waiting for the client's Finished) and per established connection, for both servers, measured
 * as the heap released when N of them are freed (mallinfo2), so libcrypto's allocations count.
 *
 * usage: bench_hs [handshakes per case (default 2000)]
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include "common/log.h"
#include "ctrlplane/resume/sess_cache.h"
#include "ctrlplane/resume/ticket.h"
#include "tests/unit/test_hs_util.h"

enum kind { FULL, RES_ID, RES_TICKET, RES_PSK };

struct bcase {
	const char *name;
	int version;            /* TLS1_2_VERSION / TLS1_3_VERSION */
	enum th_key key;
	uint16_t suite;
	enum kind kind;
	bool mem;               /* also measure memory */
};

/* The client's session to resume: DER, decoded afresh per connection (libssl spends a TLS 1.3
 * session object once it resumed it). */
static unsigned char *sess_der;
static int sess_der_len;

static double cpu_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t heap_used(void)
{
	struct mallinfo2 mi = mallinfo2();
	return mi.uordblks + mi.hblkhd;
}

static void ctx_suite(SSL_CTX *c, const struct bcase *b, bool client)
{
	SSL_CTX_set_min_proto_version(c, b->version);
	SSL_CTX_set_max_proto_version(c, b->version);
	/* The client also lists P-256: a TLS 1.2 ECDSA certificate's curve must be among its groups
	 * (RFC 8422 §5.1); both servers take x25519. */
	SSL_CTX_set1_groups_list(c, client ? "X25519:P-256" : "X25519");
	if (b->version == TLS1_3_VERSION)
		SSL_CTX_set_ciphersuites(c, ftls_suite_by_id(b->suite)->name);
	else
		SSL_CTX_set_cipher_list(c, ftls_suite_openssl_name(b->suite));
}

static SSL_CTX *client_ctx(const struct bcase *b)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	ctx_suite(c, b, true);
	if (b->kind == FULL || b->kind == RES_ID)
		SSL_CTX_set_options(c, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(c, SSL_SESS_CACHE_CLIENT | SSL_SESS_CACHE_NO_INTERNAL);
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	return c;
}

static SSL_CTX *server_ctx(const struct bcase *b, EVP_PKEY *key, X509 *x)
{
	SSL_CTX *s = SSL_CTX_new(TLS_server_method());
	ctx_suite(s, b, false);
	SSL_CTX_set_num_tickets(s, b->kind == RES_PSK ? 1 : 0);
	SSL_CTX_set_session_cache_mode(s, b->kind == RES_ID ? SSL_SESS_CACHE_SERVER : SSL_SESS_CACHE_OFF);
	SSL_CTX_set_session_id_context(s, (const unsigned char *)"bench", 5);
	if (b->kind == FULL || b->kind == RES_ID)
		SSL_CTX_set_options(s, SSL_OP_NO_TICKET);
	if (SSL_CTX_use_certificate(s, x) != 1 || SSL_CTX_use_PrivateKey(s, key) != 1)
		abort();
	return s;
}

/* A new client, offering the saved session when there is one. */
static SSL *new_client(SSL_CTX *cctx)
{
	SSL *c = SSL_new(cctx);
	if (sess_der) {
		const unsigned char *p = sess_der;
		SSL_SESSION *s = d2i_SSL_SESSION(NULL, &p, sess_der_len);
		if (!s || SSL_set_session(c, s) != 1)
			abort();
		SSL_SESSION_free(s);
	}
	return c;
}

/* Keeps the client's session (after it read what the server sent after the handshake). */
static void save_session(SSL *cli)
{
	char b;
	(void)SSL_read(cli, &b, 1);   /* processes NewSessionTicket(s) */
	ERR_clear_error();
	SSL_SESSION *s = SSL_get1_session(cli);
	unsigned char *p;
	if (!s)
		abort();
	OPENSSL_free(sess_der);
	sess_der_len = i2d_SSL_SESSION(s, NULL);
	sess_der = OPENSSL_malloc((size_t)sess_der_len);
	p = sess_der;
	i2d_SSL_SESSION(s, &p);
	SSL_SESSION_free(s);
}

static void forget_session(void)
{
	OPENSSL_free(sess_der);
	sess_der = NULL;
}

/* Moves everything b has to a. */
static void move(BIO *from, BIO *to)
{
	char buf[16384];
	int n;
	while ((n = BIO_read(from, buf, sizeof(buf))) > 0)
		BIO_write(to, buf, n);
}

/* ---- our server ---- */

struct ours {
	SSL *cli;
	BIO *c_in, *c_out;
	struct cp_hs *hs;
	struct ftls_rec_dir rx, tx;
	bool done;
};

static void ours_drain(struct ours *o, struct ftls_crypto_dev *dev)
{
	static uint8_t rec[FTLS_REC_MAX_LEN];
	struct cp_hs_event ev;
	size_t rl;
	while (cp_hs_next_event(o->hs, &ev)) {
		if (ev.type == CP_HS_EV_SEND)
			BIO_write(o->c_in, ev.data, (int)ev.len);
		else if (ev.type == CP_HS_EV_SEND_PROTECTED) {   /* TLS 1.3 tickets */
			if (ftls_rec_seal(&o->tx, ev.content_type, ev.data, ev.len, rec, sizeof(rec), &rl))
				abort();
			BIO_write(o->c_in, rec, (int)rl);
		} else if (ev.type == CP_HS_EV_KEY_INSTALL) {
			if (ftls_rec_dir_install(ev.ki.dir == FTLS_DIR_TX ? &o->tx : &o->rx, dev, 0, &ev.ki))
				abort();
		} else if (ev.type == CP_HS_EV_DONE)
			o->done = true;
		else if (ev.type == CP_HS_EV_CLOSED)
			abort();
	}
}

static void ours_feed(struct ours *o, struct ftls_crypto_dev *dev, double *t)
{
	static uint8_t buf[32768];
	int n = BIO_read(o->c_out, buf, sizeof(buf));
	if (n <= 0)
		return;
	double t0 = cpu_now();
	enum ftls_err e = cp_hs_input(o->hs, buf, (size_t)n);
	if (e) {
		fprintf(stderr, "bench-hs: our server failed: %s\n", ftls_err_str(e));
		abort();
	}
	ours_drain(o, dev);
	*t += cpu_now() - t0;
}

static void ours_client(struct ours *o, SSL_CTX *cctx)
{
	o->cli = new_client(cctx);
	o->c_in = BIO_new(BIO_s_mem());
	o->c_out = BIO_new(BIO_s_mem());
	SSL_set_bio(o->cli, o->c_in, o->c_out);
	SSL_set_connect_state(o->cli);
}

static double bench_ours(SSL_CTX *cctx, const struct cp_listener *l, int n, bool resume)
{
	double t = 0;
	for (int i = 0; i < n; i++) {
		struct ours o;
		memset(&o, 0, sizeof(o));
		ours_client(&o, cctx);
		double t0 = cpu_now();
		o.hs = cp_hs_new(l, (uint32_t)i);
		t += cpu_now() - t0;
		for (int r = 0; r < 4 && !(o.done && SSL_is_init_finished(o.cli)); r++) {
			(void)SSL_do_handshake(o.cli);
			ours_feed(&o, l->dev, &t);
		}
		if (!o.done || !SSL_is_init_finished(o.cli) ||
		    resume != (bool)SSL_session_reused(o.cli) || resume != cp_hs_resumed(o.hs))
			abort();
		t0 = cpu_now();
		cp_hs_free(o.hs);
		ftls_rec_dir_clear(&o.rx);
		ftls_rec_dir_clear(&o.tx);
		t += cpu_now() - t0;
		SSL_free(o.cli);
	}
	return n / t;
}

/* ---- OpenSSL's server ---- */

struct theirs {
	SSL *cli, *srv;
	BIO *c_in, *c_out, *s_in, *s_out;
};

static void theirs_new(struct theirs *p, SSL_CTX *cctx, SSL_CTX *sctx, double *t)
{
	p->cli = new_client(cctx);
	p->c_in = BIO_new(BIO_s_mem());
	p->c_out = BIO_new(BIO_s_mem());
	SSL_set_bio(p->cli, p->c_in, p->c_out);
	SSL_set_connect_state(p->cli);
	double t0 = cpu_now();
	p->srv = SSL_new(sctx);
	p->s_in = BIO_new(BIO_s_mem());
	p->s_out = BIO_new(BIO_s_mem());
	SSL_set_bio(p->srv, p->s_in, p->s_out);
	SSL_set_accept_state(p->srv);
	*t += cpu_now() - t0;
}

static void theirs_step(struct theirs *p, double *t)
{
	(void)SSL_do_handshake(p->cli);
	move(p->c_out, p->s_in);
	double t0 = cpu_now();
	(void)SSL_do_handshake(p->srv);
	*t += cpu_now() - t0;
	move(p->s_out, p->c_in);
}

static double bench_theirs(SSL_CTX *cctx, SSL_CTX *sctx, int n, bool resume)
{
	double t = 0;
	for (int i = 0; i < n; i++) {
		struct theirs p;
		theirs_new(&p, cctx, sctx, &t);
		for (int r = 0; r < 4 && !(SSL_is_init_finished(p.srv) && SSL_is_init_finished(p.cli)); r++)
			theirs_step(&p, &t);
		if (!SSL_is_init_finished(p.srv) || !SSL_is_init_finished(p.cli) ||
		    resume != (bool)SSL_session_reused(p.cli))
			abort();
		double t0 = cpu_now();
		/* A clean end, so libssl keeps the session in its cache. */
		SSL_set_shutdown(p.srv, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
		SSL_free(p.srv);
		t += cpu_now() - t0;
		SSL_free(p.cli);
	}
	return n / t;
}

/* ---- memory ---- */

enum { MEM_N = 500 };

static void mem_ours(SSL_CTX *cctx, const struct cp_listener *l, size_t *in_progress, size_t *established)
{
	static struct ours o[MEM_N];
	double t = 0;
	for (int i = 0; i < MEM_N; i++) {
		memset(&o[i], 0, sizeof(o[i]));
		ours_client(&o[i], cctx);
		o[i].hs = cp_hs_new(l, (uint32_t)i);
		(void)SSL_do_handshake(o[i].cli);
		ours_feed(&o[i], l->dev, &t);   /* ClientHello in, flight out: waiting for Finished */
	}
	size_t h1 = heap_used();
	for (int i = 0; i < MEM_N; i++)
		cp_hs_free(o[i].hs);
	size_t h2 = heap_used();
	*in_progress = (h1 - h2) / MEM_N;
	for (int i = 0; i < MEM_N; i++) {
		SSL_free(o[i].cli);
		memset(&o[i], 0, sizeof(o[i]));
		ours_client(&o[i], cctx);
		o[i].hs = cp_hs_new(l, (uint32_t)i);
		for (int r = 0; r < 4 && !(o[i].done && SSL_is_init_finished(o[i].cli)); r++) {
			(void)SSL_do_handshake(o[i].cli);
			ours_feed(&o[i], l->dev, &t);
		}
		cp_hs_trim(o[i].hs);
	}
	h1 = heap_used();
	for (int i = 0; i < MEM_N; i++)
		cp_hs_free(o[i].hs);
	h2 = heap_used();
	*established = (h1 - h2) / MEM_N;
	for (int i = 0; i < MEM_N; i++) {
		ftls_rec_dir_clear(&o[i].rx);
		ftls_rec_dir_clear(&o[i].tx);
		SSL_free(o[i].cli);
	}
}

static void mem_theirs(SSL_CTX *cctx, SSL_CTX *sctx, size_t *in_progress, size_t *established)
{
	static struct theirs p[MEM_N];
	double t = 0;
	for (int i = 0; i < MEM_N; i++) {
		theirs_new(&p[i], cctx, sctx, &t);
		theirs_step(&p[i], &t);
	}
	size_t h1 = heap_used();
	for (int i = 0; i < MEM_N; i++)
		SSL_free(p[i].srv);
	size_t h2 = heap_used();
	*in_progress = (h1 - h2) / MEM_N;
	for (int i = 0; i < MEM_N; i++) {
		SSL_free(p[i].cli);
		theirs_new(&p[i], cctx, sctx, &t);
		for (int r = 0; r < 4 && !(SSL_is_init_finished(p[i].srv) && SSL_is_init_finished(p[i].cli)); r++)
			theirs_step(&p[i], &t);
	}
	h1 = heap_used();
	for (int i = 0; i < MEM_N; i++)
		SSL_free(p[i].srv);
	h2 = heap_used();
	*established = (h1 - h2) / MEM_N;
	for (int i = 0; i < MEM_N; i++)
		SSL_free(p[i].cli);
}

/* One full handshake with each server whose client session the resumed runs offer. */
static void prime_ours(SSL_CTX *cctx, const struct cp_listener *l)
{
	struct ours o;
	double t = 0;
	forget_session();
	memset(&o, 0, sizeof(o));
	ours_client(&o, cctx);
	o.hs = cp_hs_new(l, 0);
	for (int r = 0; r < 4 && !(o.done && SSL_is_init_finished(o.cli)); r++) {
		(void)SSL_do_handshake(o.cli);
		ours_feed(&o, l->dev, &t);
	}
	if (!o.done)
		abort();
	save_session(o.cli);
	cp_hs_free(o.hs);
	ftls_rec_dir_clear(&o.rx);
	ftls_rec_dir_clear(&o.tx);
	SSL_set_shutdown(o.cli, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(o.cli);
}

static void prime_theirs(SSL_CTX *cctx, SSL_CTX *sctx)
{
	struct theirs p;
	double t = 0;
	forget_session();
	theirs_new(&p, cctx, sctx, &t);
	for (int r = 0; r < 4 && !(SSL_is_init_finished(p.srv) && SSL_is_init_finished(p.cli)); r++)
		theirs_step(&p, &t);
	move(p.s_out, p.c_in);
	save_session(p.cli);
	SSL_set_shutdown(p.srv, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_set_shutdown(p.cli, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	SSL_free(p.srv);
	SSL_free(p.cli);
}

static const struct bcase cases[] = {
	{ "1.3 ECDSA P-256", TLS1_3_VERSION, TH_P256, FTLS_TLS_AES_128_GCM_SHA256, FULL, true },
	{ "1.3 RSA-2048", TLS1_3_VERSION, TH_RSA2048, FTLS_TLS_AES_128_GCM_SHA256, FULL, true },
	{ "1.2 ECDHE-RSA-2048", TLS1_2_VERSION, TH_RSA2048, FTLS_ECDHE_RSA_AES128_GCM_SHA256, FULL,
	  false },
	{ "1.2 ECDHE-ECDSA-P256", TLS1_2_VERSION, TH_P256, FTLS_ECDHE_ECDSA_AES128_GCM_SHA256, FULL,
	  false },
	{ "1.2 resumed by id", TLS1_2_VERSION, TH_P256, FTLS_ECDHE_ECDSA_AES128_GCM_SHA256, RES_ID,
	  false },
	{ "1.2 resumed by ticket", TLS1_2_VERSION, TH_P256, FTLS_ECDHE_ECDSA_AES128_GCM_SHA256,
	  RES_TICKET, false },
	{ "1.3 PSK (psk_dhe_ke)", TLS1_3_VERSION, TH_P256, FTLS_TLS_AES_128_GCM_SHA256, RES_PSK,
	  false },
};

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	struct ftls_crypto_dev *dev = th_dev();
	int worst = 1;

	if (!dev || n <= 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (getenv("FTLS_BENCH_DEBUG"))
		ftls_log_set_level(FTLS_LOG_DEBUG);
	printf("bench-hs: handshakes/s, server side, one core, in memory vs libssl client (%d per "
	       "case, x25519)\n", n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct bcase *b = &cases[i];
		struct cp_certs certs = { .default_set = 0 };
		struct cp_listener l;
		struct cp_cert_set *set = cp_certs_new_set(&certs);
		struct cp_sess_cache *cache = NULL;
		struct cp_ticket_keys *keys = NULL;
		bool resume = b->kind != FULL;
		X509 *x = th_add_chain(&certs, set, b->key, "bench.test", NULL);
		if (!x)
			return 1;
		th_listener_defaults(&l, &certs, dev);
		l.versions[0] = b->version == TLS1_3_VERSION ? FTLS_V_TLS13 : FTLS_V_TLS12;
		l.groups[0] = FTLS_GROUP_X25519;
		l.nb_groups = 1;
		l.suites[0] = b->suite;
		l.nb_suites = 1;
		if (b->kind == RES_ID) {
			struct cp_sess_cache_conf cc = { .max_entries = 1u << 16, .max_bytes = 64u << 20,
							 .lifetime = 7200 };
			if (cp_sess_cache_create(&cc, &cache))
				return 1;
			l.sess_cache = cache;
		}
		if (b->kind == RES_TICKET || b->kind == RES_PSK) {
			struct cp_ticket_conf tc = { .period = 3600 };
			if (cp_ticket_keys_create(&tc, &keys))
				return 1;
			l.tickets = keys;
			l.tickets13 = 1;
			l.ticket_reuse = true;   /* as OpenSSL's stateless tickets */
		}
		SSL_CTX *cctx = client_ctx(b);
		SSL_CTX *sctx = server_ctx(b, set->chains[0].key, x);
		/* Warm up both, then alternate rounds so drift hits both alike. */
		double ours = 0, theirs = 0;
		for (int r = 0; r < 4; r++) {
			int k = r ? n / 3 + 1 : n / 10 + 1;
			if (resume)
				prime_ours(cctx, &l);
			double a = bench_ours(cctx, &l, k, resume);
			if (resume)
				prime_theirs(cctx, sctx);
			double c = bench_theirs(cctx, sctx, k, resume);
			if (r) {
				ours = a > ours ? a : ours;
				theirs = c > theirs ? c : theirs;
			}
		}
		forget_session();
		printf("  %-24s ftls %8.0f/s   openssl %8.0f/s   ratio %.2f x\n", b->name, ours, theirs,
		       ours / theirs);
		if (b->mem) {
			size_t o_ip, o_est, t_ip, t_est;
			mem_ours(cctx, &l, &o_ip, &o_est);
			mem_theirs(cctx, sctx, &t_ip, &t_est);
			printf("  %-24s heap per handshake in progress: ftls %zu B, openssl %zu B; per "
			       "established connection: ftls %zu B, openssl %zu B\n", "", o_ip, t_ip,
			       o_est, t_est);
		}
		if (ours < theirs)
			worst = 0;
		SSL_CTX_free(sctx);
		SSL_CTX_free(cctx);
		cp_sess_cache_destroy(cache);
		cp_ticket_keys_destroy(keys);
		cp_certs_free(&certs);
	}
	ftls_crypto_close(dev);
	printf("bench-hs: %s\n", worst ? "at or above 1.0 x OpenSSL's server in every case"
				      : "below OpenSSL's server in some case");
	return 0;
}
