/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * bench-hs: full TLS 1.3 handshakes per second on one core, server side, in memory against
 * OpenSSL's libssl client, next to OpenSSL's own libssl server doing the same handshakes in the
 * same run (x25519 + ECDSA P-256, x25519 + RSA-2048; TLS_AES_128_GCM_SHA256; no tickets on
 * either side, since our server sends none yet). Only the server's CPU time is counted
 * (CLOCK_THREAD_CPUTIME_ID around the server's calls); the client's work is the same for both.
 * Then heap bytes per handshake in progress (after the ClientHello, waiting for the client's
 * Finished) and per established connection, for both servers, measured as the heap released
 * when N of them are freed (mallinfo2), so libcrypto's allocations on their behalf count too.
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

#include "tests/unit/test_hs_util.h"

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

static SSL_CTX *client_ctx(void)
{
	SSL_CTX *c = SSL_CTX_new(TLS_client_method());
	SSL_CTX_set_min_proto_version(c, TLS1_3_VERSION);
	SSL_CTX_set1_groups_list(c, "X25519");
	SSL_CTX_set_ciphersuites(c, "TLS_AES_128_GCM_SHA256");
	SSL_CTX_set_verify(c, SSL_VERIFY_NONE, NULL);
	return c;
}

static SSL_CTX *server_ctx(EVP_PKEY *key, X509 *x)
{
	SSL_CTX *s = SSL_CTX_new(TLS_server_method());
	SSL_CTX_set_min_proto_version(s, TLS1_3_VERSION);
	SSL_CTX_set1_groups_list(s, "X25519");
	SSL_CTX_set_ciphersuites(s, "TLS_AES_128_GCM_SHA256");
	SSL_CTX_set_num_tickets(s, 0);
	SSL_CTX_set_session_cache_mode(s, SSL_SESS_CACHE_OFF);
	if (SSL_CTX_use_certificate(s, x) != 1 || SSL_CTX_use_PrivateKey(s, key) != 1)
		abort();
	return s;
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
	struct cp_hs_event ev;
	while (cp_hs_next_event(o->hs, &ev)) {
		if (ev.type == CP_HS_EV_SEND)
			BIO_write(o->c_in, ev.data, (int)ev.len);
		else if (ev.type == CP_HS_EV_KEY_INSTALL) {
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
	if (cp_hs_input(o->hs, buf, (size_t)n))
		abort();
	ours_drain(o, dev);
	*t += cpu_now() - t0;
}

static void ours_client(struct ours *o, SSL_CTX *cctx)
{
	o->cli = SSL_new(cctx);
	o->c_in = BIO_new(BIO_s_mem());
	o->c_out = BIO_new(BIO_s_mem());
	SSL_set_bio(o->cli, o->c_in, o->c_out);
	SSL_set_connect_state(o->cli);
}

static double bench_ours(SSL_CTX *cctx, const struct cp_listener *l, int n)
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
		if (!o.done || !SSL_is_init_finished(o.cli))
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
	p->cli = SSL_new(cctx);
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

static double bench_theirs(SSL_CTX *cctx, SSL_CTX *sctx, int n)
{
	double t = 0;
	for (int i = 0; i < n; i++) {
		struct theirs p;
		theirs_new(&p, cctx, sctx, &t);
		for (int r = 0; r < 4 && !(SSL_is_init_finished(p.srv) && SSL_is_init_finished(p.cli)); r++)
			theirs_step(&p, &t);
		if (!SSL_is_init_finished(p.srv) || !SSL_is_init_finished(p.cli))
			abort();
		double t0 = cpu_now();
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

int main(int argc, char **argv)
{
	int n = argc > 1 ? atoi(argv[1]) : 2000;
	struct ftls_crypto_dev *dev = th_dev();
	SSL_CTX *cctx = client_ctx();
	static const struct {
		enum th_key k;
		const char *name;
	} cases[] = { { TH_P256, "x25519 + ECDSA P-256" }, { TH_RSA2048, "x25519 + RSA-2048" } };
	int worst = 1;

	if (!dev || n <= 0)
		return 1;
	printf("bench-hs: full TLS 1.3 handshakes/s, server side, one core, in memory vs libssl client "
	       "(%d per case, TLS_AES_128_GCM_SHA256)\n", n);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct cp_certs certs = { .default_set = 0 };
		struct cp_listener l;
		struct cp_cert_set *set = cp_certs_new_set(&certs);
		X509 *x = th_add_chain(&certs, set, cases[i].k, "bench.test", NULL);
		if (!x)
			return 1;
		th_listener_defaults(&l, &certs, dev);
		l.groups[0] = FTLS_GROUP_X25519;
		l.nb_groups = 1;
		l.suites[0] = FTLS_TLS_AES_128_GCM_SHA256;
		l.nb_suites = 1;
		SSL_CTX *sctx = server_ctx(set->chains[0].key, x);
		/* Warm up both, then alternate rounds so drift hits both alike. */
		(void)bench_ours(cctx, &l, n / 10 + 1);
		(void)bench_theirs(cctx, sctx, n / 10 + 1);
		double ours = 0, theirs = 0;
		for (int r = 0; r < 3; r++) {
			double a = bench_ours(cctx, &l, n / 3 + 1), b = bench_theirs(cctx, sctx, n / 3 + 1);
			ours = a > ours ? a : ours;
			theirs = b > theirs ? b : theirs;
		}
		size_t o_ip, o_est, t_ip, t_est;
		mem_ours(cctx, &l, &o_ip, &o_est);
		mem_theirs(cctx, sctx, &t_ip, &t_est);
		printf("  %-22s ftls %8.0f/s   openssl %8.0f/s   ratio %.2f x\n", cases[i].name, ours, theirs,
		       ours / theirs);
		printf("  %-22s heap per handshake in progress: ftls %zu B, openssl %zu B; per established "
		       "connection: ftls %zu B, openssl %zu B\n", "", o_ip, t_ip, o_est, t_est);
		if (ours < theirs)
			worst = 0;
		SSL_CTX_free(sctx);
		cp_certs_free(&certs);
	}
	SSL_CTX_free(cctx);
	ftls_crypto_close(dev);
	printf("bench-hs: %s\n", worst ? "at or above 1.0 x OpenSSL's server in every case"
				      : "below OpenSSL's server in some case");
	return 0;
}
