/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake runner: records in, messages reassembled and checked against the shape's table of
 * legal sequences, handlers called, our flights cut into records, events out, and the one place an
 * alert is produced (fail()). See hs_int.h for the vocabulary and invariants.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>

#include "common/ct.h"
#include "common/log.h"
#include "ctrlplane/hs/hs_int.h"
#include "ctrlplane/pki/x509_verify.h"

/* ---- the tables ---- */

enum msg_id {
	M_END = 0, M_CH, M_HRR, M_SH, M_EE, M_CERT, M_CV, M_SFIN, M_CFIN, M_KU,
	/* TLS 1.2 */
	M_SH12, M_CERT12, M_SKE, M_SHD, M_CKE, M_CFIN12, M_SFIN12, M_RENEG,
	/* client authentication */
	M_CR13, M_CCERT13, M_CCV13, M_CR12, M_CCERT12, M_CCV12,
	/* resumption */
	M_NST12,
	/* RSA key exchange */
	M_CKE_RSA,
	M__COUNT
};
enum writer { PEER = 0, SELF = 1 };

typedef enum ftls_err (*msg_fn)(struct cp_hs *hs, const uint8_t *msg, size_t len);

static const struct msg_desc {
	uint8_t hs_type;
	uint8_t writer;
	bool align;        /* must end its record: the read key may change after it (§5.1) */
	msg_fn handle;
	const char *name;
} msgs[M__COUNT] = {
	[M_CH] = { FTLS_HS_CLIENT_HELLO, PEER, true, cp_ch_recv, "ClientHello" },
	[M_HRR] = { FTLS_HS_SERVER_HELLO, SELF, false, cp_hrr_send, "HelloRetryRequest" },
	[M_SH] = { FTLS_HS_SERVER_HELLO, SELF, false, cp_sh_send, "ServerHello" },
	[M_EE] = { FTLS_HS_ENCRYPTED_EXTENSIONS, SELF, false, cp_ee_send, "EncryptedExtensions" },
	[M_CERT] = { FTLS_HS_CERTIFICATE, SELF, false, cp_cert_send, "Certificate" },
	[M_CV] = { FTLS_HS_CERTIFICATE_VERIFY, SELF, false, cp_cv_send, "CertificateVerify" },
	[M_SFIN] = { FTLS_HS_FINISHED, SELF, false, cp_fin_send, "Finished" },
	[M_CFIN] = { FTLS_HS_FINISHED, PEER, true, cp_fin_recv, "Finished" },
	[M_KU] = { FTLS_HS_KEY_UPDATE, PEER, true, cp_ku_recv, "KeyUpdate" },
	[M_SH12] = { FTLS_HS_SERVER_HELLO, SELF, false, cp_sh12_send, "ServerHello" },
	[M_CERT12] = { FTLS_HS_CERTIFICATE, SELF, false, cp_cert12_send, "Certificate" },
	[M_SKE] = { FTLS_HS_SERVER_KEY_EXCHANGE, SELF, false, cp_ske_send, "ServerKeyExchange" },
	[M_SHD] = { FTLS_HS_SERVER_HELLO_DONE, SELF, false, cp_shd_send, "ServerHelloDone" },
	[M_CKE] = { FTLS_HS_CLIENT_KEY_EXCHANGE, PEER, false, cp_cke_recv, "ClientKeyExchange" },
	[M_CFIN12] = { FTLS_HS_FINISHED, PEER, true, cp_fin12_recv, "Finished" },
	[M_SFIN12] = { FTLS_HS_FINISHED, SELF, false, cp_fin12_send, "Finished" },
	[M_RENEG] = { FTLS_HS_CLIENT_HELLO, PEER, true, cp_reneg_recv, "ClientHello (renegotiation)" },
	[M_CR13] = { FTLS_HS_CERTIFICATE_REQUEST, SELF, false, cp_cr13_send, "CertificateRequest" },
	[M_CCERT13] = { FTLS_HS_CERTIFICATE, PEER, false, cp_ccert13_recv, "Certificate" },
	[M_CCV13] = { FTLS_HS_CERTIFICATE_VERIFY, PEER, false, cp_ccv13_recv, "CertificateVerify" },
	[M_CR12] = { FTLS_HS_CERTIFICATE_REQUEST, SELF, false, cp_cr12_send, "CertificateRequest" },
	[M_CCERT12] = { FTLS_HS_CERTIFICATE, PEER, false, cp_ccert12_recv, "Certificate" },
	[M_CCV12] = { FTLS_HS_CERTIFICATE_VERIFY, PEER, false, cp_ccv12_recv, "CertificateVerify" },
	[M_NST12] = { FTLS_HS_NEW_SESSION_TICKET, SELF, false, cp_nst12_send, "NewSessionTicket" },
	[M_CKE_RSA] = { FTLS_HS_CLIENT_KEY_EXCHANGE, PEER, false, cp_cke_rsa_recv,
			"ClientKeyExchange (RSA)" },
};

/* Legal sequences, one per handshake shape. PSK, resumption and client auth add rows here. The
 * client's TLS 1.2 ChangeCipherSpec is not a handshake message: it is legal just before M_CFIN12
 * (on_record). */
static const uint8_t seq_initial[] = { M_CH, M_END };
static const uint8_t seq13_full[] = { M_CH, M_SH, M_EE, M_CERT, M_CV, M_SFIN, M_CFIN, M_END };
static const uint8_t seq13_hrr[] = { M_CH, M_HRR, M_CH, M_SH, M_EE, M_CERT, M_CV, M_SFIN, M_CFIN,
				     M_END };

static const uint8_t seq12_ecdhe[] = { M_CH, M_SH12, M_CERT12, M_SKE, M_SHD, M_CKE, M_CFIN12,
				       M_SFIN12, M_END };
/* Client authentication: the shape switches to the _nc row (same prefix) when the client's
 * Certificate is empty, so no CertificateVerify is expected. */
static const uint8_t seq13_ca[] = { M_CH, M_SH, M_EE, M_CR13, M_CERT, M_CV, M_SFIN, M_CCERT13,
				    M_CCV13, M_CFIN, M_END };
static const uint8_t seq13_ca_nc[] = { M_CH, M_SH, M_EE, M_CR13, M_CERT, M_CV, M_SFIN,
				       M_CCERT13, M_CFIN, M_END };
static const uint8_t seq13_hrr_ca[] = { M_CH, M_HRR, M_CH, M_SH, M_EE, M_CR13, M_CERT, M_CV,
					M_SFIN, M_CCERT13, M_CCV13, M_CFIN, M_END };
static const uint8_t seq13_hrr_ca_nc[] = { M_CH, M_HRR, M_CH, M_SH, M_EE, M_CR13, M_CERT, M_CV,
					   M_SFIN, M_CCERT13, M_CFIN, M_END };
static const uint8_t seq12_ecdhe_ca[] = { M_CH, M_SH12, M_CERT12, M_SKE, M_CR12, M_SHD,
					  M_CCERT12, M_CKE, M_CCV12, M_CFIN12, M_SFIN12, M_END };
static const uint8_t seq12_ecdhe_ca_nc[] = { M_CH, M_SH12, M_CERT12, M_SKE, M_CR12, M_SHD,
					     M_CCERT12, M_CKE, M_CFIN12, M_SFIN12, M_END };
/* TLS 1.2 with a NewSessionTicket before our ChangeCipherSpec (RFC 5077 §3.3). */
static const uint8_t seq12_ecdhe_t[] = { M_CH, M_SH12, M_CERT12, M_SKE, M_SHD, M_CKE, M_CFIN12,
					 M_NST12, M_SFIN12, M_END };
static const uint8_t seq12_ecdhe_ca_t[] = { M_CH, M_SH12, M_CERT12, M_SKE, M_CR12, M_SHD,
					    M_CCERT12, M_CKE, M_CCV12, M_CFIN12, M_NST12,
					    M_SFIN12, M_END };
static const uint8_t seq12_ecdhe_ca_nc_t[] = { M_CH, M_SH12, M_CERT12, M_SKE, M_CR12, M_SHD,
					       M_CCERT12, M_CKE, M_CFIN12, M_NST12, M_SFIN12,
					       M_END };
/* Abbreviated handshakes: our Finished first. */
static const uint8_t seq12_resumed[] = { M_CH, M_SH12, M_SFIN12, M_CFIN12, M_END };
static const uint8_t seq12_resumed_t[] = { M_CH, M_SH12, M_NST12, M_SFIN12, M_CFIN12, M_END };
static const uint8_t seq13_psk[] = { M_CH, M_SH, M_EE, M_SFIN, M_CFIN, M_END };
/* The RSA key exchange: no ServerKeyExchange. */
static const uint8_t seq12_rsa[] = { M_CH, M_SH12, M_CERT12, M_SHD, M_CKE_RSA, M_CFIN12, M_SFIN12,
				     M_END };
static const uint8_t seq12_rsa_t[] = { M_CH, M_SH12, M_CERT12, M_SHD, M_CKE_RSA, M_CFIN12,
				       M_NST12, M_SFIN12, M_END };
static const uint8_t seq12_rsa_ca[] = { M_CH, M_SH12, M_CERT12, M_CR12, M_SHD, M_CCERT12,
					M_CKE_RSA, M_CCV12, M_CFIN12, M_SFIN12, M_END };
static const uint8_t seq12_rsa_ca_nc[] = { M_CH, M_SH12, M_CERT12, M_CR12, M_SHD, M_CCERT12,
					   M_CKE_RSA, M_CFIN12, M_SFIN12, M_END };
static const uint8_t seq12_rsa_ca_t[] = { M_CH, M_SH12, M_CERT12, M_CR12, M_SHD, M_CCERT12,
					  M_CKE_RSA, M_CCV12, M_CFIN12, M_NST12, M_SFIN12, M_END };
static const uint8_t seq12_rsa_ca_nc_t[] = { M_CH, M_SH12, M_CERT12, M_CR12, M_SHD, M_CCERT12,
					     M_CKE_RSA, M_CFIN12, M_NST12, M_SFIN12, M_END };

static const struct {
	uint32_t flags;
	const uint8_t *seq;
} shapes[] = {
	{ 0, seq_initial },
	{ CP_HS_F_TLS13, seq13_full },
	{ CP_HS_F_TLS13 | CP_HS_F_HRR, seq13_hrr },
	{ CP_HS_F_TLS12, seq12_ecdhe },
	{ CP_HS_F_TLS13 | CP_HS_F_CLIENT_AUTH, seq13_ca },
	{ CP_HS_F_TLS13 | CP_HS_F_CLIENT_AUTH | CP_HS_F_NO_CCERT, seq13_ca_nc },
	{ CP_HS_F_TLS13 | CP_HS_F_HRR | CP_HS_F_CLIENT_AUTH, seq13_hrr_ca },
	{ CP_HS_F_TLS13 | CP_HS_F_HRR | CP_HS_F_CLIENT_AUTH | CP_HS_F_NO_CCERT, seq13_hrr_ca_nc },
	{ CP_HS_F_TLS12 | CP_HS_F_CLIENT_AUTH, seq12_ecdhe_ca },
	{ CP_HS_F_TLS12 | CP_HS_F_CLIENT_AUTH | CP_HS_F_NO_CCERT, seq12_ecdhe_ca_nc },
	{ CP_HS_F_TLS12 | CP_HS_F_TICKET, seq12_ecdhe_t },
	{ CP_HS_F_TLS12 | CP_HS_F_TICKET | CP_HS_F_CLIENT_AUTH, seq12_ecdhe_ca_t },
	{ CP_HS_F_TLS12 | CP_HS_F_TICKET | CP_HS_F_CLIENT_AUTH | CP_HS_F_NO_CCERT,
	  seq12_ecdhe_ca_nc_t },
	{ CP_HS_F_TLS12 | CP_HS_F_RESUMED, seq12_resumed },
	{ CP_HS_F_TLS12 | CP_HS_F_RESUMED | CP_HS_F_TICKET, seq12_resumed_t },
	{ CP_HS_F_TLS13 | CP_HS_F_RESUMED, seq13_psk },
	{ CP_HS_F_TLS12 | CP_HS_F_RSA, seq12_rsa },
	{ CP_HS_F_TLS12 | CP_HS_F_RSA | CP_HS_F_TICKET, seq12_rsa_t },
	{ CP_HS_F_TLS12 | CP_HS_F_RSA | CP_HS_F_CLIENT_AUTH, seq12_rsa_ca },
	{ CP_HS_F_TLS12 | CP_HS_F_RSA | CP_HS_F_CLIENT_AUTH | CP_HS_F_NO_CCERT, seq12_rsa_ca_nc },
	{ CP_HS_F_TLS12 | CP_HS_F_RSA | CP_HS_F_CLIENT_AUTH | CP_HS_F_TICKET, seq12_rsa_ca_t },
	{ CP_HS_F_TLS12 | CP_HS_F_RSA | CP_HS_F_CLIENT_AUTH | CP_HS_F_NO_CCERT | CP_HS_F_TICKET,
	  seq12_rsa_ca_nc_t },
};

/* Messages the peer may send after the handshake, per version. */
static const uint8_t post13[] = { M_KU, M_END };
static const uint8_t post12[] = { M_RENEG, M_END };

static const uint8_t *shape_seq(uint32_t flags)
{
	for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++)
		if (shapes[i].flags == flags)
			return shapes[i].seq;
	return NULL;
}

/* ---- buffers and events ---- */

enum { ALERT_RESERVE = 64, POST_OUT = 512, HOLD_CAP = FTLS_REC_HDR_LEN + FTLS_REC12_MAX_CIPHER };

/* Decrypted record bodies: consumed before cp_hs_input returns, so one per thread suffices. */
static _Thread_local uint8_t scratch[FTLS_REC12_MAX_CIPHER];

void cp_hs_random(struct cp_hs *hs, uint8_t *out, size_t len)
{
	if (hs->l->rng)
		hs->l->rng(hs->l->rng_arg, out, len);
	else if (RAND_bytes(out, (int)len) != 1)
		abort();   /* no randomness: nothing safe to do */
}

static enum ftls_err push_event(struct cp_hs *hs, const struct cp_hs_event *ev, bool reserved)
{
	if (hs->ev_n >= CP_EV_MAX - (reserved ? 0 : 3))
		return FTLS_ERR_FULL;
	hs->ev[hs->ev_n++] = *ev;
	return FTLS_OK;
}

enum ftls_err cp_hs_event(struct cp_hs *hs, const struct cp_hs_event *ev)
{
	return push_event(hs, ev, false);
}

static enum ftls_err push_send(struct cp_hs *hs, const uint8_t *data, size_t len)
{
	struct cp_hs_event *last = hs->ev_n ? &hs->ev[hs->ev_n - 1] : NULL;
	struct cp_hs_event ev = { .type = CP_HS_EV_SEND, .data = data, .len = len };

	if (last && last->type == CP_HS_EV_SEND && last->data + last->len == data) {
		last->len += len;
		return FTLS_OK;
	}
	return push_event(hs, &ev, true);
}

enum ftls_err cp_hs_send_protected(struct cp_hs *hs, uint8_t content_type, const uint8_t *data,
				   size_t len)
{
	struct cp_hs_event ev = { .type = CP_HS_EV_SEND_PROTECTED, .content_type = content_type };

	if (hs->ocap - hs->olen < len)
		return FTLS_ERR_FULL;
	memcpy(hs->out + hs->olen, data, len);
	ev.data = hs->out + hs->olen;
	ev.len = len;
	hs->olen += len;
	return push_event(hs, &ev, true);
}

enum ftls_err cp_msg_begin(struct cp_hs *hs, uint8_t type, struct ftls_buf *b)
{
	enum ftls_err err;
	ftls_buf_init(b, hs->wmsg + hs->wlen, hs->wcap - hs->wlen);
	if ((err = ftls_buf_put_u8(b, type)) || (err = ftls_buf_put_u24(b, 0)))
		return err;
	return FTLS_OK;
}

enum ftls_err cp_msg_end(struct cp_hs *hs, struct ftls_buf *b)
{
	size_t len = ftls_buf_len(b);
	uint8_t *m = hs->wmsg + hs->wlen;
	size_t body = len - FTLS_HS_HDR_LEN;
	enum ftls_err err;

	m[1] = (uint8_t)(body >> 16);
	m[2] = (uint8_t)(body >> 8);
	m[3] = (uint8_t)body;
	if ((err = cp_tr_add(&hs->tr, m, len)))
		return err;
	hs->wlen += len;
	return FTLS_OK;
}

static size_t max_fragment(const struct cp_hs *hs)
{
	size_t n = FTLS_REC_MAX_PLAIN;
	/* RFC 8449 §4: the limit applies to protected records only, and counts the inner content
	 * type of a TLS 1.3 record. */
	if (hs->peer_rsl && hs->tx.suite && (size_t)hs->peer_rsl - 1 < n)
		n = (size_t)hs->peer_rsl - 1;
	return n;
}

enum ftls_err cp_hs_flush(struct cp_hs *hs)
{
	size_t frag = max_fragment(hs), off = 0;
	enum ftls_err err;

	while (off < hs->wlen) {
		size_t n = hs->wlen - off < frag ? hs->wlen - off : frag, rl;
		if (hs->ocap - ALERT_RESERVE < hs->olen)
			return FTLS_ERR_FULL;
		size_t room = hs->ocap - ALERT_RESERVE - hs->olen;
		if ((err = ftls_rec_seal(&hs->tx, FTLS_CT_HANDSHAKE, hs->wmsg + off, n,
					 hs->out + hs->olen, room, &rl)) ||
		    (err = push_send(hs, hs->out + hs->olen, rl)))
			return err;
		hs->olen += rl;
		off += n;
	}
	hs->wlen = 0;
	return FTLS_OK;
}

enum ftls_err cp_hs_compat_ccs(struct cp_hs *hs)
{
	static const uint8_t ccs[] = { FTLS_CT_CHANGE_CIPHER_SPEC, 3, 3, 0, 1, 1 };
	enum ftls_err err;

	if (hs->ccs_sent || hs->session_id_len == 0)
		return FTLS_OK;
	if (hs->ocap - ALERT_RESERVE - hs->olen < sizeof(ccs))
		return FTLS_ERR_FULL;
	memcpy(hs->out + hs->olen, ccs, sizeof(ccs));
	if ((err = push_send(hs, hs->out + hs->olen, sizeof(ccs))))
		return err;
	hs->olen += sizeof(ccs);
	hs->ccs_sent = true;
	return FTLS_OK;
}

enum ftls_err cp_hs_send_ccs(struct cp_hs *hs)
{
	static const uint8_t one = 1;
	size_t rl;
	enum ftls_err err;

	if (hs->ocap - ALERT_RESERVE < hs->olen)
		return FTLS_ERR_FULL;
	if ((err = ftls_rec_seal(&hs->tx, FTLS_CT_CHANGE_CIPHER_SPEC, &one, 1, hs->out + hs->olen,
				 hs->ocap - ALERT_RESERVE - hs->olen, &rl)) ||
	    (err = push_send(hs, hs->out + hs->olen, rl)))
		return err;
	hs->olen += rl;
	return FTLS_OK;
}

enum ftls_err cp_hs_set_key(struct cp_hs *hs, enum ftls_dir dir, const uint8_t *secret)
{
	struct ftls_key_install ki;
	enum ftls_err err;

	if ((err = cp_ks_traffic_keys(hs->suite, secret, dir, &ki)))
		return err;
	ki.conn_id = hs->conn_id;
	err = ftls_rec_dir_install(dir == FTLS_DIR_TX ? &hs->tx : &hs->rx, hs->l->dev, 0, &ki);
	ftls_wipe(&ki, sizeof(ki));
	return err;
}

/* ---- the one place alerts are produced ---- */

static void send_alert(struct cp_hs *hs, uint8_t level, uint8_t desc)
{
	uint8_t a[2] = { level, desc };
	struct cp_hs_event ev = { .type = CP_HS_EV_ALERT_SENT, .alert = desc };
	size_t rl;

	if (hs->keys_out) {
		if (cp_hs_send_protected(hs, FTLS_CT_ALERT, a, sizeof(a)))
			return;
	} else {
		/* The reserve at the end of out guarantees room for one alert record. */
		if (ftls_rec_seal(&hs->tx, FTLS_CT_ALERT, a, sizeof(a), hs->out + hs->olen,
				  hs->ocap - hs->olen, &rl) ||
		    push_send(hs, hs->out + hs->olen, rl))
			return;
		hs->olen += rl;
	}
	(void)push_event(hs, &ev, true);
}

void cp_hs_warn(struct cp_hs *hs, uint8_t desc)
{
	if (!hs->closed)
		send_alert(hs, FTLS_ALERT_LEVEL_WARNING, desc);
}

static void fail(struct cp_hs *hs, enum ftls_err err)
{
	struct cp_hs_event closed = { .type = CP_HS_EV_CLOSED };
	int alert;

	if (hs->err || hs->closed)
		return;
	if (err == FTLS_ERR_AGAIN || err == FTLS_ERR_FULL)
		err = FTLS_ERR_INTERNAL;   /* the engine's own limits: internal_error */
	hs->err = err;
	alert = ftls_err_alert(err);
	LOG_DEBUG("hs", "conn %u: %s (alert %s)", hs->conn_id, ftls_err_str(err),
		  alert >= 0 ? ftls_alert_name(alert) : "none");
	if (alert >= 0)
		send_alert(hs, FTLS_ALERT_LEVEL_FATAL, (uint8_t)alert);
	hs->closed = true;
	(void)push_event(hs, &closed, true);
}

/* ---- messages ---- */

static void finish(struct cp_hs *hs)
{
	hs->done = true;
	hs->keys_out = true;
	/* The record owner holds the application keys now; ours go. */
	ftls_rec_dir_clear(&hs->tx);
	ftls_rec_dir_clear(&hs->rx);
	ftls_wipe(hs->stage, sizeof(hs->stage));
	ftls_wipe(hs->c_hs, sizeof(hs->c_hs));
	ftls_wipe(hs->s_hs, sizeof(hs->s_hs));
	ftls_wipe(&hs->ki_rx, sizeof(hs->ki_rx));
	ftls_wipe(&hs->ki_tx, sizeof(hs->ki_tx));
	EVP_PKEY_free(hs->kex_key);
	hs->kex_key = NULL;
	EVP_PKEY_free(hs->peer_key);
	hs->peer_key = NULL;
	cp_tr_free(&hs->tr);
}

/* Runs our messages from pos until the next peer message or the end. */
static enum ftls_err run_ours(struct cp_hs *hs)
{
	const uint8_t *seq = shape_seq(hs->flags);
	enum ftls_err err;

	if (!seq)
		return FTLS_ERR_INTERNAL;
	while (seq[hs->pos] != M_END && msgs[seq[hs->pos]].writer == SELF) {
		if ((err = msgs[seq[hs->pos]].handle(hs, NULL, 0)))
			return err;
		hs->pos++;
	}
	if (seq[hs->pos] == M_END)
		finish(hs);
	return FTLS_OK;
}

static enum ftls_err on_message(struct cp_hs *hs, const uint8_t *msg, size_t len, bool aligned)
{
	const struct msg_desc *d = NULL;
	enum ftls_err err;

	if (hs->done) {
		for (const uint8_t *p = hs->flags & CP_HS_F_TLS12 ? post12 : post13; *p != M_END; p++)
			if (msgs[*p].hs_type == msg[0])
				d = &msgs[*p];
		if (!d)
			return FTLS_ERR_UNEXPECTED_MESSAGE;
	} else {
		const uint8_t *seq = shape_seq(hs->flags);
		if (!seq || seq[hs->pos] == M_END)
			return FTLS_ERR_UNEXPECTED_MESSAGE;
		d = &msgs[seq[hs->pos]];
		if (d->writer != PEER || d->hs_type != msg[0])
			return FTLS_ERR_UNEXPECTED_MESSAGE;
	}
	if (d->align && !aligned)
		return FTLS_ERR_UNEXPECTED_MESSAGE;
	LOG_DEBUG("hs", "conn %u: %s (%zu bytes)", hs->conn_id, d->name, len);
	if ((err = d->handle(hs, msg, len)))
		return err;
	if (hs->done)
		return FTLS_OK;
	hs->pos++;
	return run_ours(hs);
}

/* Appends handshake bytes and handles every whole message in them. */
static enum ftls_err on_handshake_bytes(struct cp_hs *hs, const uint8_t *p, size_t n)
{
	size_t off = 0;
	enum ftls_err err;

	if (n == 0)
		return FTLS_ERR_UNEXPECTED_MESSAGE;   /* §5.1: no empty handshake fragments */
	if (hs->rlen + n > hs->rcap) {
		size_t cap = hs->rlen + n < 1024 ? 1024 : hs->rlen + n;
		uint8_t *nb = realloc(hs->rbuf, cap);
		if (!nb)
			return FTLS_ERR_NOMEM;
		hs->rbuf = nb;
		hs->rcap = cap;
	}
	memcpy(hs->rbuf + hs->rlen, p, n);
	hs->rlen += n;
	while (hs->rlen - off >= FTLS_HS_HDR_LEN && !hs->closed) {
		const uint8_t *m = hs->rbuf + off;
		size_t mlen = (size_t)m[1] << 16 | (size_t)m[2] << 8 | m[3];
		if (mlen > hs->l->max_msg)
			return FTLS_ERR_DECODE;
		if (hs->rlen - off < FTLS_HS_HDR_LEN + mlen)
			break;
		off += FTLS_HS_HDR_LEN + mlen;
		if ((err = on_message(hs, m, FTLS_HS_HDR_LEN + mlen, off == hs->rlen)))
			return err;
	}
	memmove(hs->rbuf, hs->rbuf + off, hs->rlen - off);
	hs->rlen -= off;
	return FTLS_OK;
}

static enum ftls_err on_alert(struct cp_hs *hs, const uint8_t *p, size_t n)
{
	struct cp_hs_event ev = { .type = CP_HS_EV_ALERT_RECEIVED };
	struct cp_hs_event closed = { .type = CP_HS_EV_CLOSED };

	if (n != 2)
		return FTLS_ERR_DECODE;
	if (hs->rlen)
		return FTLS_ERR_UNEXPECTED_MESSAGE;   /* §5.1: not inside a fragmented message */
	ev.alert = p[1];
	hs->err = p[1] == FTLS_ALERT_CLOSE_NOTIFY ? FTLS_ERR_CLOSED : FTLS_ERR_PEER_ALERT;
	(void)push_event(hs, &ev, true);
	/* §6.1: answer close_notify with ours once application data may flow. */
	if (p[1] == FTLS_ALERT_CLOSE_NOTIFY && hs->keys_out)
		send_alert(hs, FTLS_ALERT_LEVEL_WARNING, FTLS_ALERT_CLOSE_NOTIFY);
	hs->closed = true;
	(void)push_event(hs, &closed, true);
	return FTLS_OK;
}

/* §4.2.10: records of rejected 0-RTT data are skipped, up to a bound. */
static enum ftls_err skip_early(struct cp_hs *hs, size_t n)
{
	hs->early_skipped += n;
	if (hs->early_skipped > 4 * FTLS_REC13_MAX_CIPHER)
		return FTLS_ERR_UNEXPECTED_MESSAGE;
	return FTLS_OK;
}

static enum ftls_err on_record(struct cp_hs *hs, const uint8_t *rec, size_t len)
{
	const uint8_t *body = rec + FTLS_REC_HDR_LEN;
	size_t blen = len - FTLS_REC_HDR_LEN, plen;
	uint8_t type = rec[0], itype;
	enum ftls_err err;

	if ((hs->flags & CP_HS_F_TLS12) && hs->rx.suite && !hs->done &&
	    (type == FTLS_CT_HANDSHAKE || type == FTLS_CT_ALERT)) {
		/* TLS 1.2 after the client's ChangeCipherSpec: its Finished (or an alert). */
		if ((err = ftls_rec_open(&hs->rx, rec, len, scratch, sizeof(scratch), &itype, &plen)))
			return err;
		if (itype == FTLS_CT_ALERT)
			return on_alert(hs, scratch, plen);
		return on_handshake_bytes(hs, scratch, plen);
	}
	switch (type) {   /* four content types, each with different rules: clearer than a table */
	case FTLS_CT_CHANGE_CIPHER_SPEC:
		if (hs->flags & CP_HS_F_TLS12) {
			/* RFC 5246 §7.1: once, right before the client's Finished, on a message
			 * boundary. */
			const uint8_t *seq = shape_seq(hs->flags);
			if (hs->done || hs->ccs_rcvd || blen != 1 || body[0] != 1 || hs->rlen ||
			    !seq || seq[hs->pos] != M_CFIN12)
				return FTLS_ERR_UNEXPECTED_MESSAGE;
			return cp_ccs12_recv(hs);
		}
		/* §5: middlebox compatibility CCS, between the first ClientHello and Finished. */
		if (hs->nb_ch == 0 || hs->done || blen != 1 || body[0] != 1)
			return FTLS_ERR_UNEXPECTED_MESSAGE;
		return FTLS_OK;
	case FTLS_CT_ALERT:
		if (blen > FTLS_REC_MAX_PLAIN)
			return FTLS_ERR_RECORD_OVERFLOW;
		return on_alert(hs, body, blen);
	case FTLS_CT_HANDSHAKE:
		if (blen > FTLS_REC_MAX_PLAIN)
			return FTLS_ERR_RECORD_OVERFLOW;
		if (hs->rx.suite || hs->done)
			return FTLS_ERR_UNEXPECTED_MESSAGE;   /* plaintext after keys */
		return on_handshake_bytes(hs, body, blen);
	case FTLS_CT_APPLICATION_DATA:
		if (hs->done)
			return FTLS_ERR_UNEXPECTED_MESSAGE;   /* the record owner opens these */
		if (!hs->rx.suite) {
			if (hs->early_data && hs->nb_ch == 1 && (hs->flags & CP_HS_F_HRR))
				return skip_early(hs, blen);
			return FTLS_ERR_UNEXPECTED_MESSAGE;
		}
		uint64_t seq = hs->rx.seq;
		err = ftls_rec_open(&hs->rx, rec, len, scratch, sizeof(scratch), &itype, &plen);
		if (err == FTLS_ERR_BAD_RECORD_MAC && hs->early_data) {
			hs->rx.seq = seq;   /* a skipped 0-RTT record is not the handshake's */
			return skip_early(hs, blen);
		}
		if (err)
			return err;
		hs->early_data = false;   /* a record opened: what follows is the real handshake */
		if (itype == FTLS_CT_HANDSHAKE)
			return on_handshake_bytes(hs, scratch, plen);
		if (itype == FTLS_CT_ALERT)
			return on_alert(hs, scratch, plen);
		return FTLS_ERR_UNEXPECTED_MESSAGE;
	default:
		return FTLS_ERR_UNEXPECTED_MESSAGE;
	}
}

static enum ftls_err record_len(const struct cp_hs *hs, const uint8_t *hdr, size_t *len)
{
	size_t n = ftls_load_u16(hdr + 3);
	if (hdr[1] != 3)
		return FTLS_ERR_DECODE;
	/* RFC 5246 §6.2.1, App. E.1: after a TLS 1.2 ServerHello every record says {3, 3}. */
	if ((hs->flags & CP_HS_F_TLS12) && hdr[2] != 3)
		return FTLS_ERR_PROTOCOL_VERSION;
	if (n > (hs->flags & CP_HS_F_TLS12 ? FTLS_REC12_MAX_CIPHER : FTLS_REC13_MAX_CIPHER))
		return FTLS_ERR_RECORD_OVERFLOW;
	*len = FTLS_REC_HDR_LEN + n;
	return FTLS_OK;
}

static void begin_round(struct cp_hs *hs)
{
	if (hs->ev_n)
		return;   /* the caller has not drained: keep appending */
	hs->olen = 0;
	if (hs->done && hs->wcap) {
		/* Handshake over: trade the flight buffers for a small post-handshake one. */
		uint8_t *small = malloc(POST_OUT);
		if (small) {
			free(hs->wmsg);
			hs->wmsg = NULL;
			hs->out = small;
			hs->wcap = 0;
			hs->ocap = POST_OUT;
		}
		free(hs->hold);
		hs->hold = NULL;
		if (hs->rlen == 0) {
			free(hs->rbuf);
			hs->rbuf = NULL;
			hs->rcap = 0;
		}
	}
}

enum ftls_err cp_hs_input(struct cp_hs *hs, const uint8_t *bytes, size_t len)
{
	size_t rl;
	enum ftls_err err = FTLS_OK;

	if (hs->err || hs->closed)
		return hs->err ? hs->err : FTLS_ERR_CLOSED;
	begin_round(hs);
	while (len && !hs->closed) {
		if (hs->hold_len || len < FTLS_REC_HDR_LEN) {
			size_t want = FTLS_REC_HDR_LEN, take;
			if (!hs->hold && !(hs->hold = malloc(HOLD_CAP))) {
				err = FTLS_ERR_NOMEM;
				break;
			}
			if (hs->hold_len >= FTLS_REC_HDR_LEN && (err = record_len(hs, hs->hold, &want)))
				break;
			if (hs->hold_len < FTLS_REC_HDR_LEN) {
				take = FTLS_REC_HDR_LEN - hs->hold_len;
			} else {
				take = want - hs->hold_len;
			}
			if (take > len)
				take = len;
			memcpy(hs->hold + hs->hold_len, bytes, take);
			hs->hold_len += take;
			bytes += take;
			len -= take;
			if (hs->hold_len < FTLS_REC_HDR_LEN)
				continue;
			if ((err = record_len(hs, hs->hold, &want)))
				break;
			if (hs->hold_len < want)
				continue;
			hs->hold_len = 0;
			if ((err = on_record(hs, hs->hold, want)))
				break;
			continue;
		}
		if ((err = record_len(hs, bytes, &rl)))
			break;
		if (rl > len) {
			if (!hs->hold && !(hs->hold = malloc(HOLD_CAP))) {
				err = FTLS_ERR_NOMEM;
				break;
			}
			memcpy(hs->hold, bytes, len);
			hs->hold_len = len;
			break;
		}
		if ((err = on_record(hs, bytes, rl)))
			break;
		bytes += rl;
		len -= rl;
	}
	if (err)
		fail(hs, err);
	return hs->err == FTLS_ERR_CLOSED && !err ? FTLS_OK : hs->err;
}

enum ftls_err cp_hs_input_inner(struct cp_hs *hs, uint8_t content_type, const uint8_t *pt,
				size_t len)
{
	enum ftls_err err;

	if (hs->err || hs->closed)
		return hs->err ? hs->err : FTLS_ERR_CLOSED;
	begin_round(hs);
	if (!hs->done)
		err = FTLS_ERR_UNEXPECTED_MESSAGE;
	else if (len > FTLS_REC_MAX_PLAIN)
		err = FTLS_ERR_RECORD_OVERFLOW;
	else if (content_type == FTLS_CT_HANDSHAKE)
		err = on_handshake_bytes(hs, pt, len);
	else if (content_type == FTLS_CT_ALERT)
		err = on_alert(hs, pt, len);
	else
		err = FTLS_ERR_UNEXPECTED_MESSAGE;
	if (err)
		fail(hs, err);
	return hs->err == FTLS_ERR_CLOSED && !err ? FTLS_OK : hs->err;
}

void cp_hs_trim(struct cp_hs *hs)
{
	hs->ev_head = hs->ev_n = 0;   /* the caller is done with every event */
	begin_round(hs);
}

bool cp_hs_next_event(struct cp_hs *hs, struct cp_hs_event *ev)
{
	if (hs->ev_head == hs->ev_n) {
		hs->ev_head = hs->ev_n = 0;
		return false;
	}
	*ev = hs->ev[hs->ev_head];
	ftls_wipe(&hs->ev[hs->ev_head], sizeof(hs->ev[0]));   /* key installs carry keys */
	hs->ev_head++;
	if (hs->ev_head == hs->ev_n)
		hs->ev_head = hs->ev_n = 0;
	return true;
}

void cp_hs_abort(struct cp_hs *hs, enum ftls_err err)
{
	begin_round(hs);
	fail(hs, err ? err : FTLS_ERR_INTERNAL);
}

void cp_hs_timeout(struct cp_hs *hs)
{
	begin_round(hs);
	fail(hs, FTLS_ERR_TIMEOUT);
}

void cp_hs_close(struct cp_hs *hs)
{
	struct cp_hs_event closed = { .type = CP_HS_EV_CLOSED };

	if (hs->err || hs->closed)
		return;
	begin_round(hs);
	send_alert(hs, FTLS_ALERT_LEVEL_WARNING, FTLS_ALERT_CLOSE_NOTIFY);
	hs->err = FTLS_ERR_CLOSED;
	hs->closed = true;
	(void)push_event(hs, &closed, true);
}

enum ftls_err cp_hs_key_update(struct cp_hs *hs, bool request)
{
	enum ftls_err err;
	if (!hs->done || hs->closed)
		return FTLS_ERR_INVAL;
	begin_round(hs);
	if ((err = cp_ku_send(hs, request)))
		fail(hs, err);
	return err;
}

/* ---- life cycle and queries ---- */

struct cp_hs *cp_hs_new(const struct cp_listener *l, uint32_t conn_id)
{
	struct cp_hs *hs = calloc(1, sizeof(*hs));
	if (!hs)
		return NULL;
	hs->l = l;
	hs->conn_id = conn_id;
	hs->alpn_idx = -1;
	/* One flight: ServerHello, EncryptedExtensions, Certificate, CertificateVerify,
	 * Finished. */
	hs->wcap = 2048 + 2 * CP_ALPN_MAX_LEN + (l->certs ? l->certs->max_cert_msg : 0);
	if (l->client_auth != CP_CAUTH_NONE)
		hs->wcap += 16384;   /* CertificateRequest: the CA names */
	/* Records of at least 63 bytes of plaintext each (record_size_limit >= 64, RFC 8449). */
	hs->ocap = hs->wcap + (hs->wcap / 63 + 4) * (FTLS_REC_HDR_LEN + 1 + FTLS_AEAD_TAG_LEN) +
		   ALERT_RESERVE;
	hs->wmsg = malloc(hs->wcap + hs->ocap);
	if (!hs->wmsg) {
		free(hs);
		return NULL;
	}
	hs->out = hs->wmsg + hs->wcap;
	hs->tx.version = FTLS_V_TLS12;   /* legacy record version of plaintext records */
	hs->rx.version = FTLS_V_TLS12;
	return hs;
}

void cp_hs_free(struct cp_hs *hs)
{
	if (!hs)
		return;
	ftls_rec_dir_clear(&hs->tx);
	ftls_rec_dir_clear(&hs->rx);
	cp_tr_free(&hs->tr);
	EVP_PKEY_free(hs->kex_key);
	EVP_PKEY_free(hs->peer_key);
	free(hs->peer_id);
	if (hs->wcap)
		free(hs->wmsg);   /* out lives in the same block */
	else
		free(hs->out);
	if (hs->rbuf)
		ftls_wipe(hs->rbuf, hs->rcap);
	free(hs->rbuf);
	free(hs->hold);
	ftls_wipe(hs, sizeof(*hs));
	free(hs);
}

bool cp_hs_done(const struct cp_hs *hs) { return hs->done; }
enum ftls_err cp_hs_error(const struct cp_hs *hs) { return hs->err; }
uint16_t cp_hs_version(const struct cp_hs *hs) { return hs->version; }
uint16_t cp_hs_suite(const struct cp_hs *hs) { return hs->suite ? hs->suite->id : 0; }
uint16_t cp_hs_group(const struct cp_hs *hs) { return hs->group; }
uint16_t cp_hs_sig_scheme(const struct cp_hs *hs) { return hs->sig_scheme; }
const struct cp_x509_identity *cp_hs_peer_identity(const struct cp_hs *hs)
{
	return hs->peer_scheme || hs->peer_resumed ? hs->peer_id : NULL;
}
uint16_t cp_hs_peer_sig_scheme(const struct cp_hs *hs) { return hs->peer_scheme; }
bool cp_hs_did_hrr(const struct cp_hs *hs) { return hs->flags & CP_HS_F_HRR; }
bool cp_hs_resumed(const struct cp_hs *hs) { return hs->flags & CP_HS_F_RESUMED; }
const char *cp_hs_alpn(const struct cp_hs *hs)
{
	return hs->alpn_idx >= 0 ? hs->l->alpn[hs->alpn_idx] : NULL;
}
const char *cp_hs_sni(const struct cp_hs *hs) { return hs->sni[0] ? hs->sni : NULL; }
size_t cp_hs_peer_max_plain(const struct cp_hs *hs)
{
	if (hs->peer_rsl && (size_t)hs->peer_rsl - 1 < FTLS_REC_MAX_PLAIN)
		return (size_t)hs->peer_rsl - 1;
	return FTLS_REC_MAX_PLAIN;
}
size_t cp_hs_mem(const struct cp_hs *hs)
{
	return sizeof(*hs) + hs->rcap + hs->wcap + hs->ocap + (hs->hold ? HOLD_CAP : 0) +
	       (hs->peer_id ? sizeof(*hs->peer_id) : 0);
}
