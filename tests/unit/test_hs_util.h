/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * In-memory handshake harness for tests and the handshake benchmark: generates keys and
 * self-signed certificates with libcrypto, builds a listener around them, and joins our engine to
 * OpenSSL's libssl client through memory BIOs, pumping records both ways and installing the
 * engine's key installs into a server-side record layer so application data can be checked in
 * both directions. Header-only (static functions); no cmocka here, so the benchmark can use it.
 */
#ifndef TEST_HS_UTIL_H
#define TEST_HS_UTIL_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "common/record.h"
#include "ctrlplane/cert.h"
#include "ctrlplane/hs.h"

enum th_key { TH_RSA2048, TH_P256, TH_P384, TH_ED25519, TH__KEYS };
static const char *const th_key_names[TH__KEYS] = { "rsa2048", "p256", "p384", "ed25519" };

static __attribute__((unused)) EVP_PKEY *th_keygen(enum th_key k)
{
	switch (k) {
	case TH_RSA2048: return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	case TH_P256: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	case TH_P384: return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	case TH_ED25519: return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	default: return NULL;
	}
}

/* A self-signed certificate for name (SAN; CN too unless cn is given) over key. */
static __attribute__((unused)) X509 *th_selfsign(EVP_PKEY *key, const char *name, const char *cn)
{
	X509 *x = X509_new();
	X509_NAME *n;
	char san[300];
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), -3600);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 365);
	X509_set_pubkey(x, key);
	n = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)(cn ? cn : name), -1,
				   -1, 0);
	X509_set_issuer_name(x, n);
	snprintf(san, sizeof(san), "DNS:%s", name);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, san);
	X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	if (!X509_sign(x, key, EVP_PKEY_is_a(key, "ED25519") ? NULL : EVP_sha256())) {
		X509_free(x);
		return NULL;
	}
	return x;
}

/* Adds a chain for key type k with name to set; returns the certificate (owned by the set). */
static __attribute__((unused)) X509 *th_add_chain(struct cp_certs *c, struct cp_cert_set *set, enum th_key k, const char *name,
			  const char *cn)
{
	EVP_PKEY *key = th_keygen(k);
	X509 *x = key ? th_selfsign(key, name, cn) : NULL;
	STACK_OF(X509) *sk = sk_X509_new_null();

	if (!x || !sk || !sk_X509_push(sk, x) || cp_certs_add_chain(c, set, key, sk) != FTLS_OK) {
		EVP_PKEY_free(key);
		sk_X509_pop_free(sk, X509_free);
		return NULL;
	}
	return x;
}

static __attribute__((unused)) struct ftls_crypto_dev *th_dev(void)
{
	struct ftls_crypto_conf conf = { .nb_qp = 1, .qp_depth = 64, .nb_slots = 4096 };
	struct ftls_crypto_dev *d = NULL;
	if (ftls_crypto_open("cpu", &conf, &d) != FTLS_OK)
		return NULL;
	return d;
}

static __attribute__((unused)) void th_listener_defaults(struct cp_listener *l, struct cp_certs *c, struct ftls_crypto_dev *d)
{
	memset(l, 0, sizeof(*l));
	l->name = "test";
	l->versions[0] = FTLS_V_TLS13;
	l->nb_versions = 1;
	l->suites[0] = FTLS_TLS_AES_128_GCM_SHA256;
	l->suites[1] = FTLS_TLS_AES_256_GCM_SHA384;
	l->suites[2] = FTLS_TLS_CHACHA20_POLY1305_SHA256;
	l->nb_suites = 3;
	l->groups[0] = FTLS_GROUP_X25519;
	l->groups[1] = FTLS_GROUP_SECP256R1;
	l->groups[2] = FTLS_GROUP_SECP384R1;
	l->nb_groups = 3;
	l->certs = c;
	l->max_msg = 16384;
	l->dev = d;
}

/* One connection: our engine against a libssl client, with the server's record layer. */
struct th_conn {
	SSL *ssl;
	BIO *to_client, *from_client;   /* the client's rbio and wbio */
	struct cp_hs *hs;
	struct ftls_rec_dir rx, tx;     /* what the record owner does with the key installs */
	struct ftls_crypto_dev *dev;
	bool done, closed;
	int alert_sent, alert_rcvd;     /* -1: none */
	int installs;
	enum ftls_err err;
};

static __attribute__((unused)) void th_conn_free(struct th_conn *c)
{
	if (c->ssl)
		SSL_free(c->ssl);   /* frees both BIOs */
	cp_hs_free(c->hs);
	ftls_rec_dir_clear(&c->rx);
	ftls_rec_dir_clear(&c->tx);
	memset(c, 0, sizeof(*c));
}

static __attribute__((unused)) int th_conn_init(struct th_conn *c, SSL_CTX *ctx, const struct cp_listener *l)
{
	memset(c, 0, sizeof(*c));
	c->alert_sent = c->alert_rcvd = -1;
	c->dev = l->dev;
	c->ssl = SSL_new(ctx);
	c->to_client = BIO_new(BIO_s_mem());
	c->from_client = BIO_new(BIO_s_mem());
	c->hs = cp_hs_new(l, 7);
	if (!c->ssl || !c->to_client || !c->from_client || !c->hs)
		return -1;
	SSL_set_bio(c->ssl, c->to_client, c->from_client);
	SSL_set_connect_state(c->ssl);
	return 0;
}

/* Drains the engine's events: records to the client, key installs into rx/tx. */
static __attribute__((unused)) int th_drain(struct th_conn *c)
{
	struct cp_hs_event ev;
	uint8_t rec[FTLS_REC_HDR_LEN + FTLS_REC13_MAX_CIPHER];
	size_t rl;

	while (cp_hs_next_event(c->hs, &ev)) {
		switch (ev.type) {
		case CP_HS_EV_SEND:
			BIO_write(c->to_client, ev.data, (int)ev.len);
			break;
		case CP_HS_EV_SEND_PROTECTED:
			if (ftls_rec_seal(&c->tx, ev.content_type, ev.data, ev.len, rec, sizeof(rec), &rl))
				return -1;
			BIO_write(c->to_client, rec, (int)rl);
			break;
		case CP_HS_EV_KEY_INSTALL:
			if (ftls_rec_dir_install(ev.ki.dir == FTLS_DIR_TX ? &c->tx : &c->rx, c->dev, 0, &ev.ki))
				return -1;
			c->installs++;
			break;
		case CP_HS_EV_DONE:
			c->done = true;
			break;
		case CP_HS_EV_ALERT_SENT:
			c->alert_sent = ev.alert;
			break;
		case CP_HS_EV_ALERT_RECEIVED:
			c->alert_rcvd = ev.alert;
			break;
		case CP_HS_EV_CLOSED:
			c->closed = true;
			break;
		}
	}
	return 0;
}

/*
 * Feeds what the client wrote to the engine. mutate, if set, may change each client record
 * (index k counts the client's records) before it goes in; returning false drops the rest
 * ("stopped").
 */
typedef bool (*th_mutate_fn)(void *arg, int k, uint8_t *rec, size_t *len);

static __attribute__((unused)) int th_pump_client(struct th_conn *c, th_mutate_fn mutate, void *arg, int *k)
{
	static _Thread_local uint8_t buf[1 << 17];
	int n = BIO_read(c->from_client, buf, sizeof(buf));
	size_t off = 0;

	if (n <= 0)
		return 0;
	while (off + FTLS_REC_HDR_LEN <= (size_t)n) {
		size_t rl = FTLS_REC_HDR_LEN + ((size_t)buf[off + 3] << 8 | buf[off + 4]);
		if (off + rl > (size_t)n)
			rl = (size_t)n - off;
		if (mutate && !mutate(arg, (*k)++, buf + off, &rl))
			return 1;
		if (!mutate)
			(*k)++;
		c->err = cp_hs_input(c->hs, buf + off, rl);
		if (th_drain(c))
			return -1;
		off += FTLS_REC_HDR_LEN + ((size_t)buf[off + 3] << 8 | buf[off + 4]);
		if (c->closed)
			break;
	}
	return 1;
}

/* Runs the handshake. 0: both sides done; 1: the engine closed; -1: harness failure or stall. */
static __attribute__((unused)) int th_handshake(struct th_conn *c, th_mutate_fn mutate, void *arg)
{
	int k = 0;
	for (int round = 0; round < 16; round++) {
		int r = SSL_do_handshake(c->ssl);
		if (r <= 0) {
			int e = SSL_get_error(c->ssl, r);
			if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE) {
				/* The client gave up (it got our alert, or it rejected something). */
				th_pump_client(c, NULL, NULL, &k);
				ERR_clear_error();
				return c->closed ? 1 : -2;
			}
		}
		if (th_pump_client(c, mutate, arg, &k) < 0)
			return -1;
		if (c->closed)
			return 1;
		if (r == 1 && c->done)
			return 0;
	}
	return -1;
}

/* Moves len bytes client -> server and server -> client over the installed keys. 0 when intact. */
static __attribute__((unused)) int th_exchange(struct th_conn *c, size_t len)
{
	uint8_t *msg = malloc(len), *got = malloc(len + 1);
	static _Thread_local uint8_t rec[FTLS_REC_HDR_LEN + FTLS_REC13_MAX_CIPHER];
	static _Thread_local uint8_t pt[FTLS_REC13_MAX_CIPHER];
	size_t have = 0, rl, pl;
	uint8_t type;
	int rc = -1;

	for (size_t i = 0; i < len; i++)
		msg[i] = (uint8_t)(i * 7 + 3);
	if (SSL_write(c->ssl, msg, (int)len) != (int)len)
		goto out;
	while (have < len) {
		uint8_t hdr[5];
		if (BIO_read(c->from_client, hdr, 5) != 5)
			goto out;
		size_t bl = (size_t)hdr[3] << 8 | hdr[4];
		memcpy(rec, hdr, 5);
		if (BIO_read(c->from_client, rec + 5, (int)bl) != (int)bl)
			goto out;
		if (ftls_rec_open(&c->rx, rec, 5 + bl, pt, sizeof(pt), &type, &pl))
			goto out;
		if (type == FTLS_CT_HANDSHAKE) {
			/* e.g. a KeyUpdate the client sent: the engine's business. */
			c->err = cp_hs_input_inner(c->hs, type, pt, pl);
			if (th_drain(c))
				goto out;
			continue;
		}
		if (type != FTLS_CT_APPLICATION_DATA || have + pl > len)
			goto out;
		memcpy(got + have, pt, pl);
		have += pl;
	}
	if (memcmp(got, msg, len))
		goto out;
	for (size_t off = 0; off < len;) {
		size_t n = len - off > 16384 ? 16384 : len - off;
		if (ftls_rec_seal(&c->tx, FTLS_CT_APPLICATION_DATA, msg + off, n, rec, sizeof(rec), &rl))
			goto out;
		BIO_write(c->to_client, rec, (int)rl);
		off += n;
	}
	for (have = 0; have < len;) {
		int r = SSL_read(c->ssl, got + have, (int)(len - have));
		if (r <= 0)
			goto out;
		have += (size_t)r;
	}
	rc = memcmp(got, msg, len) ? -1 : 0;
out:
	free(msg);
	free(got);
	return rc;
}

#endif
