/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The engine against hand-built input: ClientHellos that are truncated, over-long, duplicated,
 * contradictory or missing what TLS 1.3 needs, each answered with the RFC's alert; wrong message
 * order, bad records, HelloRetryRequest's rules for the second ClientHello; and a scripted client
 * (our own key schedule, checked against RFC 8448 elsewhere) that completes handshakes to test
 * 0-RTT skipping, messages spanning a key change, a bad Finished and post-handshake input.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ctrlplane/hs/hs_int.h"
#include "test_hs_util.h"

static struct {
	struct ftls_crypto_dev *dev;
	struct cp_certs certs;
	struct cp_listener l;
	EVP_PKEY *cli;            /* the client's x25519 key */
	uint8_t cli_pub[32];
} F;

static int setup(void **state)
{
	size_t n = 32;
	(void)state;
	F.dev = th_dev();
	F.certs.default_set = 0;
	struct cp_cert_set *set = cp_certs_new_set(&F.certs);
	if (!F.dev || cp_certs_add_name(set, "neg.test") || !th_add_chain(&F.certs, set, TH_P256, "neg.test", NULL))
		return -1;
	th_listener_defaults(&F.l, &F.certs, F.dev);
	F.cli = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	if (!F.cli || EVP_PKEY_get_raw_public_key(F.cli, F.cli_pub, &n) != 1)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(F.cli);
	cp_certs_free(&F.certs);
	ftls_crypto_close(F.dev);
	return 0;
}

/* ---- a ClientHello builder ---- */

struct ch {
	uint16_t legacy_version;
	uint8_t sid_len;
	uint8_t suites[64];
	size_t suites_len;
	uint8_t comp[8];
	size_t comp_len;
	uint8_t ext[2048];
	size_t ext_len;
	bool no_ext_block;
};

static void ext(struct ch *c, uint16_t type, const void *data, size_t len)
{
	c->ext[c->ext_len++] = (uint8_t)(type >> 8);
	c->ext[c->ext_len++] = (uint8_t)type;
	c->ext[c->ext_len++] = (uint8_t)(len >> 8);
	c->ext[c->ext_len++] = (uint8_t)len;
	memcpy(c->ext + c->ext_len, data, len);
	c->ext_len += len;
}

enum {
	X_SNI = 1 << 0, X_VERSIONS = 1 << 1, X_GROUPS = 1 << 2, X_SHARE = 1 << 3, X_SIGALGS = 1 << 4,
	X_ALL = 0x1f,
};

static void ch_default(struct ch *c, unsigned which)
{
	uint8_t share[4 + 2 + 32] = { 0, 36, 0x00, 0x1d, 0, 32 };
	memset(c, 0, sizeof(*c));
	c->legacy_version = 0x0303;
	c->sid_len = 32;
	memcpy(c->suites, "\x13\x01\x13\x02\x13\x03", 6);
	c->suites_len = 6;
	c->comp[0] = 0;
	c->comp_len = 1;
	if (which & X_SNI)
		ext(c, FTLS_EXT_SERVER_NAME, "\x00\x0b\x00\x00\x08neg.test", 13);
	if (which & X_VERSIONS)
		ext(c, FTLS_EXT_SUPPORTED_VERSIONS, "\x04\x03\x04\x03\x03", 5);
	if (which & X_GROUPS)
		ext(c, FTLS_EXT_SUPPORTED_GROUPS, "\x00\x04\x00\x1d\x00\x17", 6);
	if (which & X_SHARE) {
		memcpy(share + 6, F.cli_pub, 32);
		ext(c, FTLS_EXT_KEY_SHARE, share + 0, 38);
	}
	if (which & X_SIGALGS)
		ext(c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x06\x04\x03\x08\x04\x08\x07", 8);
}

/* The message (header included). */
static size_t ch_msg(const struct ch *c, uint8_t *out)
{
	size_t n = 4;
	out[n++] = (uint8_t)(c->legacy_version >> 8);
	out[n++] = (uint8_t)c->legacy_version;
	for (int i = 0; i < 32; i++)
		out[n++] = (uint8_t)(0xa0 + i);
	out[n++] = c->sid_len;
	for (int i = 0; i < c->sid_len; i++)
		out[n++] = (uint8_t)i;
	out[n++] = (uint8_t)(c->suites_len >> 8);
	out[n++] = (uint8_t)c->suites_len;
	memcpy(out + n, c->suites, c->suites_len);
	n += c->suites_len;
	out[n++] = (uint8_t)c->comp_len;
	memcpy(out + n, c->comp, c->comp_len);
	n += c->comp_len;
	if (!c->no_ext_block) {
		out[n++] = (uint8_t)(c->ext_len >> 8);
		out[n++] = (uint8_t)c->ext_len;
		memcpy(out + n, c->ext, c->ext_len);
		n += c->ext_len;
	}
	out[0] = FTLS_HS_CLIENT_HELLO;
	out[1] = (uint8_t)((n - 4) >> 16);
	out[2] = (uint8_t)((n - 4) >> 8);
	out[3] = (uint8_t)(n - 4);
	return n;
}

static size_t record(uint8_t type, const uint8_t *body, size_t len, uint8_t *out)
{
	out[0] = type;
	out[1] = 3;
	out[2] = 1;
	out[3] = (uint8_t)(len >> 8);
	out[4] = (uint8_t)len;
	if (len)
		memcpy(out + 5, body, len);
	return len + 5;
}

struct result {
	int alert_sent, alert_rcvd;
	bool closed, done;
	uint8_t sent[8192];
	size_t sent_len;
	enum ftls_err err;
};

static void drain(struct cp_hs *hs, struct result *r)
{
	struct cp_hs_event ev;
	while (cp_hs_next_event(hs, &ev)) {
		if (ev.type == CP_HS_EV_SEND && r->sent_len + ev.len <= sizeof(r->sent)) {
			memcpy(r->sent + r->sent_len, ev.data, ev.len);
			r->sent_len += ev.len;
		}
		if (ev.type == CP_HS_EV_ALERT_SENT)
			r->alert_sent = ev.alert;
		if (ev.type == CP_HS_EV_ALERT_RECEIVED)
			r->alert_rcvd = ev.alert;
		if (ev.type == CP_HS_EV_CLOSED)
			r->closed = true;
		if (ev.type == CP_HS_EV_DONE)
			r->done = true;
	}
}

/* Feeds the byte stream to a fresh engine; returns the alert sent (-1: none). */
static int feed(const struct cp_listener *l, const uint8_t *bytes, size_t len, struct result *r)
{
	struct cp_hs *hs = cp_hs_new(l, 1);
	memset(r, 0, sizeof(*r));
	r->alert_sent = r->alert_rcvd = -1;
	r->err = cp_hs_input(hs, bytes, len);
	drain(hs, r);
	cp_hs_free(hs);
	return r->alert_sent;
}

static int feed_ch(const struct ch *c)
{
	uint8_t m[4096], rec[4200];
	struct result r;
	size_t n = ch_msg(c, m);
	return feed(&F.l, rec, record(FTLS_CT_HANDSHAKE, m, n, rec), &r);
}

static void test_valid_hello(void **state)
{
	struct ch c;
	struct result r;
	uint8_t m[4096], rec[4200];
	(void)state;
	ch_default(&c, X_ALL);
	size_t n = ch_msg(&c, m);
	assert_int_equal(feed(&F.l, rec, record(FTLS_CT_HANDSHAKE, m, n, rec), &r), -1);
	assert_false(r.closed);
	assert_int_equal(r.sent[0], FTLS_CT_HANDSHAKE);   /* ServerHello */
	assert_int_equal(r.sent[5], FTLS_HS_SERVER_HELLO);
	/* The same hello in one-byte records, and with the message split across two records. */
	uint8_t stream[8192];
	size_t sl = 0;
	for (size_t i = 0; i < n; i++)
		sl += record(FTLS_CT_HANDSHAKE, m + i, 1, stream + sl);
	assert_int_equal(feed(&F.l, stream, sl, &r), -1);
	assert_int_equal(r.sent[5], FTLS_HS_SERVER_HELLO);
	sl = record(FTLS_CT_HANDSHAKE, m, 3, stream);
	sl += record(FTLS_CT_HANDSHAKE, m + 3, n - 3, stream + sl);
	assert_int_equal(feed(&F.l, stream, sl, &r), -1);
	assert_int_equal(r.sent[5], FTLS_HS_SERVER_HELLO);
}

static void test_truncated_and_trailing(void **state)
{
	struct ch c;
	uint8_t m[4096], rec[4200];
	struct result r;
	(void)state;
	ch_default(&c, X_ALL);
	size_t n = ch_msg(&c, m);
	size_t no_ext = 4 + 2 + 32 + 1 + 32 + 2 + 6 + 2;   /* up to the compression methods */
	for (size_t cut = 4; cut < n; cut++) {
		/* The message header says what is there: the body itself is short. */
		uint8_t t[4096];
		memcpy(t, m, cut);
		t[1] = (uint8_t)((cut - 4) >> 16);
		t[2] = (uint8_t)((cut - 4) >> 8);
		t[3] = (uint8_t)(cut - 4);
		int a = feed(&F.l, rec, record(FTLS_CT_HANDSHAKE, t, cut, rec), &r);
		if (cut == no_ext)
			assert_int_equal(a, FTLS_ALERT_PROTOCOL_VERSION);   /* a hello without extensions */
		else
			assert_int_equal(a, FTLS_ALERT_DECODE_ERROR);
		assert_true(r.closed);
	}
	/* One byte after the extensions. */
	m[n] = 0;
	m[3]++;
	assert_int_equal(feed(&F.l, rec, record(FTLS_CT_HANDSHAKE, m, n + 1, rec), &r), FTLS_ALERT_DECODE_ERROR);
	/* A byte of trailing data inside supported_versions. */
	ch_default(&c, X_ALL & ~X_VERSIONS);
	ext(&c, FTLS_EXT_SUPPORTED_VERSIONS, "\x02\x03\x04\x00", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_DECODE_ERROR);
	/* An odd-length suite list; an empty ALPN name. */
	ch_default(&c, X_ALL);
	c.suites_len = 3;
	assert_int_equal(feed_ch(&c), FTLS_ALERT_DECODE_ERROR);
	ch_default(&c, X_ALL);
	ext(&c, FTLS_EXT_ALPN, "\x00\x03\x02h2\x00", 6);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_DECODE_ERROR);
	/* A session id longer than 32. */
	ch_default(&c, X_ALL);
	c.sid_len = 33;
	assert_int_equal(feed_ch(&c), FTLS_ALERT_DECODE_ERROR);
}

static void test_extension_rules(void **state)
{
	struct ch c;
	(void)state;
	ch_default(&c, X_ALL);
	ext(&c, FTLS_EXT_SUPPORTED_GROUPS, "\x00\x02\x00\x1d", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);            /* duplicate */
	ch_default(&c, X_ALL);
	ext(&c, 0x7777, "abc", 3);
	ext(&c, 0x7777, "", 0);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);            /* duplicate unknown */
	ch_default(&c, X_ALL);
	ext(&c, 0x7777, "abc", 3);                                              /* unknown: ignored */
	ext(&c, FTLS_EXT_PADDING, "\0\0\0\0", 4);
	assert_int_equal(feed_ch(&c), -1);
	ch_default(&c, X_ALL & ~X_SHARE);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_MISSING_EXTENSION);
	ch_default(&c, X_ALL & ~X_GROUPS);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_MISSING_EXTENSION);
	ch_default(&c, X_ALL & ~X_SIGALGS);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_MISSING_EXTENSION);
	ch_default(&c, X_ALL & ~X_VERSIONS);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_PROTOCOL_VERSION);
	ch_default(&c, X_ALL & ~X_VERSIONS);
	ext(&c, FTLS_EXT_SUPPORTED_VERSIONS, "\x04\x03\x03\x03\x02", 5);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_PROTOCOL_VERSION);
	/* pre_shared_key must be last. */
	ch_default(&c, X_ALL & ~X_SIGALGS);
	static const uint8_t psk[] = { 0, 7, 0, 1, 'x', 0, 0, 0, 0, 0, 33, 32, [43] = 0 };
	ext(&c, FTLS_EXT_PRE_SHARED_KEY, psk, sizeof(psk));
	ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x04\x03", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	/* Bad values. */
	ch_default(&c, X_ALL);
	ext(&c, FTLS_EXT_MAX_FRAGMENT_LENGTH, "\x09", 1);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	ch_default(&c, X_ALL);
	ext(&c, FTLS_EXT_RECORD_SIZE_LIMIT, "\x00\x10", 2);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	ch_default(&c, X_ALL & ~X_SNI);
	ext(&c, FTLS_EXT_SERVER_NAME, "\x00\x05\x00\x00\x01\x61\x00", 7);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_DECODE_ERROR);   /* a stray byte in the list */
	ch_default(&c, X_ALL & ~X_SNI);
	ext(&c, FTLS_EXT_SERVER_NAME, "\x00\x08\x00\x00\x01\x61\x00\x00\x01\x62", 10);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);   /* two host names */
}

/* TLS 1.2 ClientHellos (RFC 5246, 5746, 7627, 8422 rules), against a 1.3 + 1.2 listener. */
enum { Y_RENEG = 1 << 0, Y_EMS = 1 << 1, Y_PF = 1 << 2, Y_ALL12 = 0x7 };

static void ch12(struct ch *c, unsigned which)
{
	ch_default(c, X_SNI | X_GROUPS | X_SIGALGS);
	memcpy(c->suites, "\xc0\x2b\xc0\x2f", 4);   /* ECDHE-ECDSA/RSA-AES128-GCM */
	c->suites_len = 4;
	if (which & Y_RENEG)
		ext(c, FTLS_EXT_RENEGOTIATION_INFO, "\x00", 1);
	if (which & Y_EMS)
		ext(c, FTLS_EXT_EXTENDED_MASTER_SECRET, "", 0);
	if (which & Y_PF)
		ext(c, FTLS_EXT_EC_POINT_FORMATS, "\x01\x00", 2);
}

static int feed12(const struct ch *c, const struct cp_listener *l, struct result *r)
{
	uint8_t m[4096], rec[4200];
	size_t n = ch_msg(c, m);
	return feed(l, rec, record(FTLS_CT_HANDSHAKE, m, n, rec), r);
}

/* Whether the first record we sent (a ServerHello) carries extension type. */
static bool sh_has_ext(const struct result *r, uint16_t type)
{
	const uint8_t *p = r->sent + 5 + 4 + 2 + 32;
	size_t off = 1 + p[0] + 2 + 1, end;
	end = off + 2 + ((size_t)p[off] << 8 | p[off + 1]);
	for (off += 2; off + 4 <= end;) {
		uint16_t t = (uint16_t)(p[off] << 8 | p[off + 1]);
		if (t == type)
			return true;
		off += 4 + ((size_t)p[off + 2] << 8 | p[off + 3]);
	}
	return false;
}

static void test_tls12_hello_rules(void **state)
{
	static const uint8_t sentinel[8] = { 'D', 'O', 'W', 'N', 'G', 'R', 'D', 1 };
	struct cp_listener l = F.l;
	struct result r;
	struct ch c;
	(void)state;
	l.versions[0] = FTLS_V_TLS13;
	l.versions[1] = FTLS_V_TLS12;
	l.nb_versions = 2;
	l.suites[l.nb_suites++] = FTLS_ECDHE_ECDSA_AES128_GCM_SHA256;
	ch12(&c, Y_ALL12);
	assert_int_equal(feed12(&c, &l, &r), -1);
	assert_int_equal(r.sent[5], FTLS_HS_SERVER_HELLO);
	assert_memory_equal(r.sent + 5 + 4 + 2 + 24, sentinel, 8);
	assert_true(sh_has_ext(&r, FTLS_EXT_RENEGOTIATION_INFO));
	assert_true(sh_has_ext(&r, FTLS_EXT_EXTENDED_MASTER_SECRET));
	assert_true(sh_has_ext(&r, FTLS_EXT_EC_POINT_FORMATS));
	/* Heartbeat offered: never answered. */
	ch12(&c, Y_ALL12);
	ext(&c, FTLS_EXT_HEARTBEAT, "\x01", 1);
	assert_int_equal(feed12(&c, &l, &r), -1);
	assert_false(sh_has_ext(&r, FTLS_EXT_HEARTBEAT));
	/* RFC 5746: neither the extension nor the SCSV; a non-empty one; the SCSV alone is fine. */
	ch12(&c, Y_EMS | Y_PF);
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_HANDSHAKE_FAILURE);
	ch12(&c, Y_EMS | Y_PF);
	ext(&c, FTLS_EXT_RENEGOTIATION_INFO, "\x02\xaa\xbb", 3);
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_HANDSHAKE_FAILURE);
	ch12(&c, Y_EMS | Y_PF);
	memcpy(c.suites + c.suites_len, "\x00\xff", 2);
	c.suites_len += 2;
	assert_int_equal(feed12(&c, &l, &r), -1);
	/* RFC 7627: required by default, optional by policy. */
	ch12(&c, Y_RENEG | Y_PF);
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_HANDSHAKE_FAILURE);
	l.ems_optional = true;
	assert_int_equal(feed12(&c, &l, &r), -1);
	assert_false(sh_has_ext(&r, FTLS_EXT_EXTENDED_MASTER_SECRET));
	l.ems_optional = false;
	/* Old versions: by legacy_version, or by supported_versions. */
	ch12(&c, Y_ALL12);
	c.legacy_version = 0x0302;
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_PROTOCOL_VERSION);
	c.legacy_version = 0x0300;
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_PROTOCOL_VERSION);
	ch12(&c, Y_ALL12);
	ext(&c, FTLS_EXT_SUPPORTED_VERSIONS, "\x04\x03\x02\x03\x01", 5);
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_PROTOCOL_VERSION);
	ch12(&c, Y_ALL12);
	ext(&c, FTLS_EXT_SUPPORTED_VERSIONS, "\x02\x03\x03", 3);   /* 1.2 by supported_versions */
	assert_int_equal(feed12(&c, &l, &r), -1);
	/* Compression: null must be offered and is the one chosen. */
	ch12(&c, Y_ALL12);
	c.comp[0] = 1;
	c.comp[1] = 0;
	c.comp_len = 2;
	assert_int_equal(feed12(&c, &l, &r), -1);
	ch12(&c, Y_ALL12);
	c.comp[0] = 1;
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_ILLEGAL_PARAMETER);
	/* RFC 8422: no uncompressed point format, or no common group: no ECDHE suite. */
	ch12(&c, Y_RENEG | Y_EMS);
	ext(&c, FTLS_EXT_EC_POINT_FORMATS, "\x01\x01", 2);
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_HANDSHAKE_FAILURE);
	/* A 1.2-only listener and a 1.3-only client. */
	l.versions[0] = FTLS_V_TLS12;
	l.nb_versions = 1;
	ch_default(&c, X_ALL & ~X_VERSIONS);
	ext(&c, FTLS_EXT_SUPPORTED_VERSIONS, "\x02\x03\x04", 3);
	assert_int_equal(feed_ch(&c), -1);   /* (F.l is 1.3) */
	assert_int_equal(feed12(&c, &l, &r), FTLS_ALERT_PROTOCOL_VERSION);
	/* Without 1.3 enabled, no sentinel. */
	ch12(&c, Y_ALL12);
	assert_int_equal(feed12(&c, &l, &r), -1);
	assert_memory_not_equal(r.sent + 5 + 4 + 2 + 24, sentinel, 8);
}

static void test_negotiation_failures(void **state)
{
	struct ch c;
	(void)state;
	ch_default(&c, X_ALL);
	memcpy(c.suites, "\xc0\x2f\x00\x9c", 4);   /* TLS 1.2 suites only */
	c.suites_len = 4;
	assert_int_equal(feed_ch(&c), FTLS_ALERT_HANDSHAKE_FAILURE);
	ch_default(&c, X_ALL);
	c.comp[0] = 1;
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	ch_default(&c, X_ALL);
	c.comp[1] = 1;
	c.comp_len = 2;
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	/* A share for a group the client does not list. */
	ch_default(&c, X_ALL & ~X_GROUPS);
	ext(&c, FTLS_EXT_SUPPORTED_GROUPS, "\x00\x02\x00\x17", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	/* Only groups we do not implement. */
	ch_default(&c, X_ALL & ~(X_GROUPS | X_SHARE | X_SIGALGS));
	ext(&c, FTLS_EXT_SUPPORTED_GROUPS, "\x00\x02\x00\x19", 4);
	ext(&c, FTLS_EXT_KEY_SHARE, "\x00\x05\x00\x19\x00\x01\x04", 7);
	ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x04\x03", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_HANDSHAKE_FAILURE);
	/* Two shares for one group; a share of the wrong size; a P-256 point off the curve. */
	ch_default(&c, X_ALL & ~(X_SHARE | X_SIGALGS));
	uint8_t ks[2 + 2 * 36] = { 0, 72 };
	for (int i = 0; i < 2; i++) {
		memcpy(ks + 2 + 36 * i, "\x00\x1d\x00\x20", 4);
		memcpy(ks + 6 + 36 * i, F.cli_pub, 32);
	}
	ext(&c, FTLS_EXT_KEY_SHARE, ks, sizeof(ks));
	ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x04\x03", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	ch_default(&c, X_ALL & ~(X_SHARE | X_SIGALGS));
	ext(&c, FTLS_EXT_KEY_SHARE, "\x00\x07\x00\x1d\x00\x03\x01\x02\x03", 9);
	ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x04\x03", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	ch_default(&c, X_ALL & ~(X_SHARE | X_SIGALGS));
	uint8_t p256[2 + 4 + 65] = { 0, 69, 0x00, 0x17, 0, 65, 0x04 };
	memset(p256 + 7, 0x42, 64);
	ext(&c, FTLS_EXT_KEY_SHARE, p256, sizeof(p256));
	ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x04\x03", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	/* An x25519 point of small order: the shared secret would be zero (RFC 8446 §7.4.2). */
	ch_default(&c, X_ALL & ~(X_SHARE | X_SIGALGS));
	uint8_t zero_share[2 + 4 + 32] = { 0, 36, 0x00, 0x1d, 0, 32 };
	ext(&c, FTLS_EXT_KEY_SHARE, zero_share, sizeof(zero_share));
	ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x04\x03", 4);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_ILLEGAL_PARAMETER);
	/* Signature schemes: none we can use; only ones TLS 1.3 forbids. */
	ch_default(&c, X_ALL & ~X_SIGALGS);
	ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x08\x07", 4);   /* Ed25519; we have P-256 */
	assert_int_equal(feed_ch(&c), FTLS_ALERT_HANDSHAKE_FAILURE);
	ch_default(&c, X_ALL & ~X_SIGALGS);
	ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x04\x02\x03\x04\x01", 6);
	assert_int_equal(feed_ch(&c), FTLS_ALERT_INSUFFICIENT_SECURITY);
}

/* A P-256 chain whose certificate is signed with md (so its signature scheme differs). */
static const struct cp_chain *add_p256(struct cp_certs *certs, struct cp_cert_set *set, const EVP_MD *md)
{
	EVP_PKEY *key = th_keygen(TH_P256);
	X509 *x = th_selfsign(key, "neg.test", NULL);
	STACK_OF(X509) *sk = sk_X509_new_null();
	assert_non_null(x);
	assert_true(X509_sign(x, key, md) > 0);
	sk_X509_push(sk, x);
	assert_int_equal(cp_certs_add_chain(certs, set, key, sk), FTLS_OK);
	return &set->chains[set->nb_chains - 1];
}

static void test_sig_algs_cert(void **state)
{
	struct cp_certs certs = { .default_set = 0 };
	struct cp_listener l;
	struct cp_cert_set *set = cp_certs_new_set(&certs);
	const struct cp_chain *sha256 = add_p256(&certs, set, EVP_sha256());
	const struct cp_chain *sha384 = add_p256(&certs, set, EVP_sha384());
	struct ch c;
	uint8_t m[4096], rec[4200];
	(void)state;
	assert_int_equal(sha256->cert_sig, FTLS_SIG_ECDSA_SECP256R1_SHA256);
	assert_int_equal(sha384->cert_sig, FTLS_SIG_ECDSA_SECP384R1_SHA384);
	th_listener_defaults(&l, &certs, F.dev);
	for (int k = 0; k < 3; k++) {
		ch_default(&c, X_ALL & ~X_SIGALGS);
		ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS, "\x00\x02\x04\x03", 4);
		if (k == 1)   /* certificates signed with SHA-384 only: the second chain */
			ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS_CERT, "\x00\x02\x05\x03", 4);
		if (k == 2)   /* nothing matches: any chain that can sign (the first) */
			ext(&c, FTLS_EXT_SIGNATURE_ALGORITHMS_CERT, "\x00\x02\x08\x07", 4);
		size_t n = ch_msg(&c, m);
		struct cp_hs *hs = cp_hs_new(&l, 1);
		assert_int_equal(cp_hs_input(hs, rec, record(FTLS_CT_HANDSHAKE, m, n, rec)), FTLS_OK);
		assert_ptr_equal(hs->chain, k == 1 ? sha384 : sha256);
		assert_int_equal(cp_hs_sig_scheme(hs), FTLS_SIG_ECDSA_SECP256R1_SHA256);
		cp_hs_free(hs);
	}
	cp_certs_free(&certs);
}

static void test_records_and_order(void **state)
{
	struct result r;
	uint8_t rec[64], m[4096], big[8];
	struct ch c;
	(void)state;
	/* Finished first; a zero-length handshake record; an unknown content type; CCS first. */
	assert_int_equal(feed(&F.l, rec, record(FTLS_CT_HANDSHAKE, (const uint8_t *)"\x14\0\0\x20", 4, rec), &r),
			 -1);   /* header only: waiting for the body */
	uint8_t fin[36] = { 0x14, 0, 0, 32 };
	uint8_t frec[64];
	assert_int_equal(feed(&F.l, frec, record(FTLS_CT_HANDSHAKE, fin, 36, frec), &r),
			 FTLS_ALERT_UNEXPECTED_MESSAGE);
	assert_int_equal(feed(&F.l, rec, record(FTLS_CT_HANDSHAKE, NULL, 0, rec), &r), FTLS_ALERT_UNEXPECTED_MESSAGE);
	assert_int_equal(feed(&F.l, rec, record(99, (const uint8_t *)"x", 1, rec), &r), FTLS_ALERT_UNEXPECTED_MESSAGE);
	assert_int_equal(feed(&F.l, rec, record(FTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1, rec), &r),
			 FTLS_ALERT_UNEXPECTED_MESSAGE);
	/* A record header with a bad major version; a record longer than TLS allows. */
	memcpy(big, "\x16\x04\x01\x00\x01", 5);
	assert_int_equal(feed(&F.l, big, 5, &r), FTLS_ALERT_DECODE_ERROR);
	memcpy(big, "\x16\x03\x01\x48\x01", 5);
	assert_int_equal(feed(&F.l, big, 5, &r), FTLS_ALERT_RECORD_OVERFLOW);
	/* A message longer than the listener allows, announced in its header. */
	assert_int_equal(feed(&F.l, rec, record(FTLS_CT_HANDSHAKE, (const uint8_t *)"\x01\x01\x00\x00", 4, rec), &r),
			 FTLS_ALERT_DECODE_ERROR);
	/* Two ClientHellos in one record: the first does not end its record. */
	ch_default(&c, X_ALL);
	size_t n = ch_msg(&c, m);
	memcpy(m + n, m, n);
	uint8_t two[8192];
	assert_int_equal(feed(&F.l, two, record(FTLS_CT_HANDSHAKE, m, 2 * n, two), &r),
			 FTLS_ALERT_UNEXPECTED_MESSAGE);
	/* A peer alert before anything: closed, nothing sent. */
	assert_int_equal(feed(&F.l, rec, record(FTLS_CT_ALERT, (const uint8_t *)"\x02\x28", 2, rec), &r), -1);
	assert_true(r.closed);
	assert_int_equal(r.alert_rcvd, FTLS_ALERT_HANDSHAKE_FAILURE);
	assert_int_equal(r.err, FTLS_ERR_PEER_ALERT);
	assert_int_equal(feed(&F.l, rec, record(FTLS_CT_ALERT, (const uint8_t *)"\x02\x28\x00", 3, rec), &r),
			 FTLS_ALERT_DECODE_ERROR);
	/* The alert record itself: plaintext, fatal. */
	assert_int_equal(feed(&F.l, rec, record(99, (const uint8_t *)"x", 1, rec), &r), FTLS_ALERT_UNEXPECTED_MESSAGE);
	assert_int_equal(r.sent_len, 7);
	assert_memory_equal(r.sent, "\x15\x03\x03\x00\x02\x02\x0a", 7);
	/* Input after the error is refused with the same (sticky) error. */
	struct cp_hs *hs = cp_hs_new(&F.l, 1);
	assert_int_equal(cp_hs_input(hs, rec, record(99, (const uint8_t *)"x", 1, rec)), FTLS_ERR_UNEXPECTED_MESSAGE);
	assert_int_equal(cp_hs_input(hs, m, n), FTLS_ERR_UNEXPECTED_MESSAGE);
	cp_hs_free(hs);
}

/* ---- HelloRetryRequest ---- */

/* The same bytes every time, so every fresh engine sends the same cookie. */
static void fixed_rng(void *arg, uint8_t *out, size_t len)
{
	(void)arg;
	for (size_t i = 0; i < len; i++)
		out[i] = (uint8_t)(i * 13 + 1);
}

static void test_hrr_rules(void **state)
{
	struct cp_listener l = F.l;
	struct ch c;
	struct result r;
	uint8_t m1[4096], m2[4096], stream[9000];
	static const uint8_t hrr_random[8] = { 0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11 };
	(void)state;
	l.groups[0] = FTLS_GROUP_SECP384R1;   /* the client shares x25519: we ask for P-384 */
	l.nb_groups = 1;
	l.rng = fixed_rng;
	ch_default(&c, X_ALL & ~X_GROUPS);
	ext(&c, FTLS_EXT_SUPPORTED_GROUPS, "\x00\x04\x00\x1d\x00\x18", 6);
	size_t n1 = ch_msg(&c, m1);
	size_t sl = record(FTLS_CT_HANDSHAKE, m1, n1, stream);
	assert_int_equal(feed(&l, stream, sl, &r), -1);
	assert_int_equal(r.sent[5], FTLS_HS_SERVER_HELLO);
	assert_memory_equal(r.sent + 11, hrr_random, 8);
	/* Find the cookie in the HRR to build a proper second hello. */
	const uint8_t *cookie = NULL;
	for (size_t i = 0; i + 4 < r.sent_len; i++)
		if (r.sent[i] == 0 && r.sent[i + 1] == FTLS_EXT_COOKIE && r.sent[i + 2] == 0 && r.sent[i + 3] == 34) {
			cookie = r.sent + i + 4;
			break;
		}
	assert_non_null(cookie);
	uint8_t ck[34];
	memcpy(ck, cookie, 34);

	EVP_PKEY *k384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	uint8_t *pub = NULL;
	size_t plen = EVP_PKEY_get1_encoded_public_key(k384, &pub);
	assert_int_equal(plen, 97);
	uint8_t ks[2 + 4 + 97] = { 0, 101, 0x00, 0x18, 0, 97 };
	memcpy(ks + 6, pub, 97);
	OPENSSL_free(pub);
	EVP_PKEY_free(k384);

	struct {
		const char *what;
		int expect;
	} cases[] = {
		{ "good", -1 }, { "no cookie", FTLS_ALERT_ILLEGAL_PARAMETER },
		{ "bad cookie", FTLS_ALERT_ILLEGAL_PARAMETER }, { "x25519 share again", FTLS_ALERT_ILLEGAL_PARAMETER },
		{ "early_data", FTLS_ALERT_ILLEGAL_PARAMETER }, { "other suite", FTLS_ALERT_ILLEGAL_PARAMETER },
		{ "CCS between", -1 }, { "third hello", FTLS_ALERT_UNEXPECTED_MESSAGE },
	};
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		struct ch c2;
		ch_default(&c2, X_SNI | X_VERSIONS | X_SIGALGS);
		ext(&c2, FTLS_EXT_SUPPORTED_GROUPS, "\x00\x04\x00\x1d\x00\x18", 6);
		if (k == 3) {
			uint8_t x[38] = { 0, 36, 0x00, 0x1d, 0, 32 };
			memcpy(x + 6, F.cli_pub, 32);
			ext(&c2, FTLS_EXT_KEY_SHARE, x, sizeof(x));
		} else {
			ext(&c2, FTLS_EXT_KEY_SHARE, ks, sizeof(ks));
		}
		if (k != 1) {
			uint8_t bad[34];
			memcpy(bad, ck, 34);
			if (k == 2)
				bad[10] ^= 1;
			ext(&c2, FTLS_EXT_COOKIE, bad, 34);
		}
		if (k == 4)
			ext(&c2, FTLS_EXT_EARLY_DATA, "", 0);
		if (k == 5) {
			memcpy(c2.suites, "\x13\x02", 2);
			c2.suites_len = 2;
		}
		size_t n2 = ch_msg(&c2, m2);
		sl = record(FTLS_CT_HANDSHAKE, m1, n1, stream);
		if (k == 6)
			sl += record(FTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1, stream + sl);
		sl += record(FTLS_CT_HANDSHAKE, m2, n2, stream + sl);
		if (k == 7)   /* after a good second hello, a plaintext hello is out of order */
			sl += record(FTLS_CT_HANDSHAKE, m2, n2, stream + sl);
		int a = feed(&l, stream, sl, &r);
		if (a != cases[k].expect)
			fail_msg("HRR case '%s': alert %d, want %d", cases[k].what, a, cases[k].expect);
		if (k == 0) {
			/* HRR, one compatibility CCS right after it (not after the ServerHello), SH, flight. */
			int ccs = 0, nrec = 0, ccs_at = -1;
			for (size_t off = 0; off + 5 <= r.sent_len; nrec++) {
				if (r.sent[off] == FTLS_CT_CHANGE_CIPHER_SPEC) {
					ccs++;
					ccs_at = nrec;
				}
				off += 5 + ((size_t)r.sent[off + 3] << 8 | r.sent[off + 4]);
			}
			assert_int_equal(ccs, 1);
			assert_int_equal(ccs_at, 1);
		}
	}
}

/* ---- a scripted client ---- */

struct cli {
	struct cp_hs *hs;
	struct result r;
	struct cp_transcript tr;
	uint8_t c_hs[32], s_hs[32], stage[32];
	struct ftls_rec_dir rx, tx;
	uint8_t flight[4096];
	size_t flight_len;
};

/* Runs ClientHello..server Finished; leaves the client ready to send its Finished. */
static void cli_start_rsl(struct cli *k, bool early_data, uint16_t rsl)
{
	struct ch c;
	uint8_t m[4096], rec[4200];
	const EVP_MD *md = EVP_sha256();
	const struct ftls_suite *suite = ftls_suite_by_id(FTLS_TLS_AES_128_GCM_SHA256);

	memset(k, 0, sizeof(*k));
	k->r.alert_sent = k->r.alert_rcvd = -1;
	ch_default(&c, X_ALL);
	memcpy(c.suites, "\x13\x01", 2);
	c.suites_len = 2;
	if (early_data)
		ext(&c, FTLS_EXT_EARLY_DATA, "", 0);
	if (rsl) {
		uint8_t v[2] = { (uint8_t)(rsl >> 8), (uint8_t)rsl };
		ext(&c, FTLS_EXT_RECORD_SIZE_LIMIT, v, 2);
	}
	size_t n = ch_msg(&c, m);
	k->hs = cp_hs_new(&F.l, 9);
	assert_int_equal(cp_hs_input(k->hs, rec, record(FTLS_CT_HANDSHAKE, m, n, rec)), FTLS_OK);
	drain(k->hs, &k->r);
	assert_int_equal(cp_tr_init(&k->tr, md), FTLS_OK);
	assert_int_equal(cp_tr_add(&k->tr, m, n), FTLS_OK);
	/* ServerHello: the first record. Its key share is the last 32 bytes before supported_versions. */
	size_t shl = (size_t)k->r.sent[3] << 8 | k->r.sent[4];
	const uint8_t *sh = k->r.sent + 5;
	assert_int_equal(cp_tr_add(&k->tr, sh, shl), FTLS_OK);
	const uint8_t *spub = sh + shl - 6 - 32;
	EVP_PKEY *peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, spub, 32);
	EVP_PKEY_CTX *dc = EVP_PKEY_CTX_new(F.cli, NULL);
	uint8_t shared[32], h[32];
	size_t sl = 32;
	assert_int_equal(EVP_PKEY_derive_init(dc), 1);
	assert_int_equal(EVP_PKEY_derive_set_peer(dc, peer), 1);
	assert_int_equal(EVP_PKEY_derive(dc, shared, &sl), 1);
	EVP_PKEY_CTX_free(dc);
	EVP_PKEY_free(peer);
	assert_int_equal(cp_ks_early(md, NULL, 0, k->stage), FTLS_OK);
	assert_int_equal(cp_ks_next_stage(md, k->stage, shared, 32), FTLS_OK);
	assert_int_equal(cp_tr_hash(&k->tr, h), FTLS_OK);
	assert_int_equal(cp_ks_derive(md, k->stage, "c hs traffic", h, k->c_hs), FTLS_OK);
	assert_int_equal(cp_ks_derive(md, k->stage, "s hs traffic", h, k->s_hs), FTLS_OK);
	struct ftls_key_install ki;
	assert_int_equal(cp_ks_traffic_keys(suite, k->s_hs, FTLS_DIR_RX, &ki), FTLS_OK);
	assert_int_equal(ftls_rec_dir_install(&k->rx, F.dev, 0, &ki), FTLS_OK);
	assert_int_equal(cp_ks_traffic_keys(suite, k->c_hs, FTLS_DIR_TX, &ki), FTLS_OK);
	assert_int_equal(ftls_rec_dir_install(&k->tx, F.dev, 0, &ki), FTLS_OK);
	/* The encrypted flight. */
	uint8_t type;
	size_t pl;
	const uint8_t *p = k->r.sent + 5 + shl;
	size_t left = k->r.sent_len - 5 - shl;
	while (left) {
		size_t rl = 5 + ((size_t)p[3] << 8 | p[4]);
		if (p[0] == FTLS_CT_CHANGE_CIPHER_SPEC) {
			/* Our session id asked for middlebox compatibility: one dummy CCS after the SH. */
			assert_int_equal(rl, 6);
			assert_int_equal(p[5], 1);
			assert_true(p == k->r.sent + 5 + shl);
			p += rl;
			left -= rl;
			continue;
		}
		assert_int_equal(ftls_rec_open(&k->rx, p, rl, k->flight + k->flight_len,
					       sizeof(k->flight) - k->flight_len, &type, &pl), FTLS_OK);
		assert_int_equal(type, FTLS_CT_HANDSHAKE);
		if (rsl)
			assert_true(pl + 1 <= rsl);   /* RFC 8449: the limit counts the inner type */
		k->flight_len += pl;
		p += rl;
		left -= rl;
	}
	assert_int_equal(cp_tr_add(&k->tr, k->flight, k->flight_len), FTLS_OK);
	k->r.sent_len = 0;
}

static void cli_start(struct cli *k, bool early_data)
{
	cli_start_rsl(k, early_data, 0);
}

static size_t cli_finished(struct cli *k, uint8_t *fin)
{
	uint8_t h[32];
	assert_int_equal(cp_tr_hash(&k->tr, h), FTLS_OK);
	memcpy(fin, "\x14\x00\x00\x20", 4);
	assert_int_equal(cp_ks_finished(EVP_sha256(), k->c_hs, h, fin + 4), FTLS_OK);
	return 36;
}

static enum ftls_err cli_send(struct cli *k, uint8_t type, const uint8_t *pt, size_t len)
{
	uint8_t rec[20000];
	size_t rl;
	assert_int_equal(ftls_rec_seal(&k->tx, type, pt, len, rec, sizeof(rec), &rl), FTLS_OK);
	enum ftls_err e = cp_hs_input(k->hs, rec, rl);
	drain(k->hs, &k->r);
	return e;
}

static void cli_free(struct cli *k)
{
	cp_tr_free(&k->tr);
	ftls_rec_dir_clear(&k->rx);
	ftls_rec_dir_clear(&k->tx);
	cp_hs_free(k->hs);
}

static void test_scripted_client(void **state)
{
	struct cli k;
	uint8_t fin[64], junk[300];
	(void)state;

	/* The plain case completes. */
	cli_start(&k, false);
	cli_finished(&k, fin);
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, fin, 36), FTLS_OK);
	assert_true(k.r.done);
	/* After the handshake: a plaintext handshake record is not the engine's to take. */
	uint8_t rec[64];
	assert_int_equal(cp_hs_input(k.hs, rec, record(FTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\0\0\x01\0", 5, rec)),
			 FTLS_ERR_UNEXPECTED_MESSAGE);
	cli_free(&k);

	/* The smallest record_size_limit: the flight comes in records of at most 63 bytes, and
	 * EncryptedExtensions answers with ours (2^14 + 1). */
	cli_start_rsl(&k, false, 64);
	assert_int_equal(k.flight[0], FTLS_HS_ENCRYPTED_EXTENSIONS);
	bool rsl_seen = false;
	for (size_t i = 6; i + 6 <= 4 + ((size_t)k.flight[2] << 8 | k.flight[3]); i++)
		if (k.flight[i] == 0 && k.flight[i + 1] == FTLS_EXT_RECORD_SIZE_LIMIT && k.flight[i + 3] == 2 &&
		    k.flight[i + 4] == 0x40 && k.flight[i + 5] == 0x01)
			rsl_seen = true;
	assert_true(rsl_seen);
	cli_finished(&k, fin);
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, fin, 36), FTLS_OK);
	assert_true(k.r.done);
	assert_int_equal(cp_hs_peer_max_plain(k.hs), 63);
	cli_free(&k);

	/* KeyUpdate with a bad value; a post-handshake message that is not allowed. */
	cli_start(&k, false);
	cli_finished(&k, fin);
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, fin, 36), FTLS_OK);
	assert_int_equal(cp_hs_input_inner(k.hs, FTLS_CT_HANDSHAKE, (const uint8_t *)"\x18\0\0\x01\x02", 5),
			 FTLS_ERR_ILLEGAL_PARAMETER);
	cli_free(&k);
	cli_start(&k, false);
	cli_finished(&k, fin);
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, fin, 36), FTLS_OK);
	assert_int_equal(cp_hs_input_inner(k.hs, FTLS_CT_HANDSHAKE, (const uint8_t *)"\x01\0\0\x00", 4),
			 FTLS_ERR_UNEXPECTED_MESSAGE);
	cli_free(&k);

	/* A wrong Finished: decrypt_error. A Finished of the wrong length: decode_error. */
	cli_start(&k, false);
	cli_finished(&k, fin);
	fin[20] ^= 1;
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, fin, 36), FTLS_ERR_DECRYPT_ERROR);
	assert_int_equal(k.r.alert_sent, FTLS_ALERT_DECRYPT_ERROR);
	cli_free(&k);
	cli_start(&k, false);
	cli_finished(&k, fin);
	fin[3] = 31;
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, fin, 35), FTLS_ERR_DECODE);
	cli_free(&k);

	/* The Finished and more bytes in one record: the read key changes after it. */
	cli_start(&k, false);
	cli_finished(&k, fin);
	memcpy(fin + 36, "\x18\0\0\x01\0", 5);
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, fin, 41), FTLS_ERR_UNEXPECTED_MESSAGE);
	cli_free(&k);

	/* Application data before the client's Finished; a second ClientHello instead of it. */
	cli_start(&k, false);
	assert_int_equal(cli_send(&k, FTLS_CT_APPLICATION_DATA, (const uint8_t *)"early", 5),
			 FTLS_ERR_UNEXPECTED_MESSAGE);
	cli_free(&k);
	cli_start(&k, false);
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, (const uint8_t *)"\x01\0\0\x00", 4),
			 FTLS_ERR_UNEXPECTED_MESSAGE);
	cli_free(&k);

	/* 0-RTT offered: records we cannot open are skipped, then the handshake completes. */
	cli_start(&k, true);
	memset(junk, 0x33, sizeof(junk));
	uint8_t jrec[320] = { 23, 3, 3, 1, 44 };
	memcpy(jrec + 5, junk, 300);
	for (int i = 0; i < 3; i++) {
		assert_int_equal(cp_hs_input(k.hs, jrec, 305), FTLS_OK);
		drain(k.hs, &k.r);
	}
	/* A middlebox-compatibility CCS (plaintext) is fine; a protected one is not (below). */
	assert_int_equal(cp_hs_input(k.hs, (const uint8_t *)"\x14\x03\x03\x00\x01\x01", 6), FTLS_OK);
	cli_finished(&k, fin);
	assert_int_equal(cli_send(&k, FTLS_CT_HANDSHAKE, fin, 36), FTLS_OK);
	assert_true(k.r.done);
	cli_free(&k);
	/* ... but not without end. */
	cli_start(&k, true);
	enum ftls_err e = FTLS_OK;
	for (int i = 0; i < 400 && !e; i++) {
		e = cp_hs_input(k.hs, jrec, 305);
		drain(k.hs, &k.r);
	}
	assert_int_equal(e, FTLS_ERR_UNEXPECTED_MESSAGE);
	cli_free(&k);
	cli_start(&k, false);
	assert_int_equal(cli_send(&k, FTLS_CT_CHANGE_CIPHER_SPEC, (const uint8_t *)"\x01", 1),
			 FTLS_ERR_UNEXPECTED_MESSAGE);
	cli_free(&k);
	/* Without 0-RTT offered a record we cannot open is bad_record_mac. */
	cli_start(&k, false);
	assert_int_equal(cp_hs_input(k.hs, jrec, 305), FTLS_ERR_BAD_RECORD_MAC);
	cli_free(&k);
}

static void test_timeout_and_close(void **state)
{
	struct result r = { .alert_sent = -1, .alert_rcvd = -1 };
	struct ch c;
	uint8_t m[4096], rec[4200];
	(void)state;
	struct cp_hs *hs = cp_hs_new(&F.l, 1);
	ch_default(&c, X_ALL);
	size_t n = ch_msg(&c, m);
	assert_int_equal(cp_hs_input(hs, rec, record(FTLS_CT_HANDSHAKE, m, n, rec)), FTLS_OK);
	drain(hs, &r);
	cp_hs_timeout(hs);
	drain(hs, &r);
	assert_true(r.closed);
	assert_int_equal(r.alert_sent, -1);
	assert_int_equal(cp_hs_error(hs), FTLS_ERR_TIMEOUT);
	cp_hs_free(hs);
	/* close during the handshake: close_notify under the handshake key. */
	memset(&r, 0, sizeof(r));
	hs = cp_hs_new(&F.l, 1);
	assert_int_equal(cp_hs_input(hs, rec, record(FTLS_CT_HANDSHAKE, m, n, rec)), FTLS_OK);
	drain(hs, &r);
	r.sent_len = 0;
	cp_hs_close(hs);
	drain(hs, &r);
	assert_true(r.closed);
	assert_int_equal(r.alert_sent, FTLS_ALERT_CLOSE_NOTIFY);
	assert_int_equal(r.sent[0], FTLS_CT_APPLICATION_DATA);   /* protected */
	cp_hs_free(hs);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_hello),
		cmocka_unit_test(test_truncated_and_trailing),
		cmocka_unit_test(test_extension_rules),
		cmocka_unit_test(test_negotiation_failures),
		cmocka_unit_test(test_tls12_hello_rules),
		cmocka_unit_test(test_sig_algs_cert),
		cmocka_unit_test(test_records_and_order),
		cmocka_unit_test(test_hrr_rules),
		cmocka_unit_test(test_scripted_client),
		cmocka_unit_test(test_timeout_and_close),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
