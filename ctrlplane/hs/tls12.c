/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TLS 1.2 server's messages after its ServerHello (RFC 5246 §7.4, RFC 8422, RFC 7627):
 * Certificate, ServerKeyExchange (ECDHE parameters signed over both randoms), ServerHelloDone,
 * the client's ClientKeyExchange (pre-master secret -> master secret, classic or extended, ->
 * key block, kept until each direction's ChangeCipherSpec), the client's ChangeCipherSpec and
 * Finished (opened and checked here), and ours (sealed here, sequence number 0); then the key
 * installs hand both directions to the record owner at sequence number 1. A ClientHello after the
 * handshake is a renegotiation: refused with a no_renegotiation warning (RFC 5746 §4.4 lets a
 * server decline). The PRF, master secret and key block are ctrlplane/resume/prf12.h.
 */
#include <string.h>

#include "common/ct.h"
#include "ctrlplane/hs/hs_int.h"
#include "ctrlplane/pki/rsa_kx.h"
#include "ctrlplane/resume/prf12.h"

static const uint16_t rsa12[] = {
	FTLS_SIG_RSA_PSS_RSAE_SHA256, FTLS_SIG_RSA_PSS_RSAE_SHA384, FTLS_SIG_RSA_PSS_RSAE_SHA512,
	FTLS_SIG_RSA_PKCS1_SHA256,    FTLS_SIG_RSA_PKCS1_SHA384,    FTLS_SIG_RSA_PKCS1_SHA512,
};
static const uint16_t p256_12[] = { FTLS_SIG_ECDSA_SECP256R1_SHA256 };
static const uint16_t p384_12[] = { FTLS_SIG_ECDSA_SECP384R1_SHA384 };

static const struct {
	enum cp_key_type type;
	const uint16_t *schemes;
	size_t n;
} key_schemes12[] = {
	{ CP_KEY_RSA, rsa12, sizeof(rsa12) / sizeof(rsa12[0]) },
	{ CP_KEY_EC_P256, p256_12, 1 },
	{ CP_KEY_EC_P384, p384_12, 1 },
};

size_t cp_key_schemes12(enum cp_key_type t, const uint16_t **schemes)
{
	for (size_t i = 0; i < sizeof(key_schemes12) / sizeof(key_schemes12[0]); i++)
		if (key_schemes12[i].type == t) {
			*schemes = key_schemes12[i].schemes;
			return key_schemes12[i].n;
		}
	*schemes = NULL;
	return 0;
}

/* Certificate: certificate_list of the chain, from the TLS 1.3 body encoded at load time (its
 * entries minus the per-certificate extensions). */
enum ftls_err cp_cert12_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct ftls_buf in, list, cert, exts, b;
	struct ftls_buf_mark m;
	uint8_t ctx;
	enum ftls_err err;

	(void)msg;
	(void)len;
	ftls_buf_init_ro(&in, hs->chain->cert_msg, hs->chain->cert_msg_len);
	if ((err = ftls_buf_get_u8(&in, &ctx)) || (err = ftls_buf_get_vec(&in, 3, 0, 0xffffff, &list)))
		return FTLS_ERR_INTERNAL;
	if ((err = cp_msg_begin(hs, FTLS_HS_CERTIFICATE, &b)) || (err = ftls_buf_vec_open(&b, 3, &m)))
		return err;
	while (ftls_buf_remaining(&list)) {
		if (ftls_buf_get_vec(&list, 3, 1, 0xffffff, &cert) ||
		    ftls_buf_get_vec(&list, 2, 0, 0xffff, &exts))
			return FTLS_ERR_INTERNAL;
		if ((err = ftls_buf_put_vec(&b, 3, ftls_buf_cur(&cert), ftls_buf_remaining(&cert))))
			return err;
	}
	if ((err = ftls_buf_vec_close(&b, &m)))
		return err;
	return cp_msg_end(hs, &b);
}

/*
 * ServerKeyExchange (RFC 8422 §5.4): ECParameters (named_curve), our ephemeral point, and a
 * signature over client_random || server_random || params with the scheme chosen from the
 * client's signature_algorithms.
 */
enum ftls_err cp_ske_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t tbs[2 * FTLS_RANDOM_LEN + 4 + sizeof(hs->server_share)], *sig, *params;
	struct ftls_buf b;
	struct ftls_buf_mark m;
	size_t plen, sig_len, room;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((err = cp_kex_keygen(hs, cp_kex_find(hs->group), &hs->kex_key, hs->server_share,
				 sizeof(hs->server_share), &hs->server_share_len)))
		return err;
	if ((err = cp_msg_begin(hs, FTLS_HS_SERVER_KEY_EXCHANGE, &b)))
		return err;
	params = b.base + b.len;
	if ((err = ftls_buf_put_u8(&b, 3)) ||   /* ECCurveType named_curve */
	    (err = ftls_buf_put_u16(&b, hs->group)) ||
	    (err = ftls_buf_put_vec(&b, 1, hs->server_share, hs->server_share_len)))
		return err;
	plen = 4 + hs->server_share_len;
	memcpy(tbs, hs->client_random, FTLS_RANDOM_LEN);
	memcpy(tbs + FTLS_RANDOM_LEN, hs->server_random, FTLS_RANDOM_LEN);
	memcpy(tbs + 2 * FTLS_RANDOM_LEN, params, plen);
	if ((err = ftls_buf_put_u16(&b, hs->sig_scheme)) || (err = ftls_buf_vec_open(&b, 2, &m)))
		return err;
	room = ftls_buf_space(&b);
	if (room > 1024)
		room = 1024;   /* RSA-8192 at most */
	if ((err = ftls_buf_reserve(&b, room, &sig)) ||
	    (err = cp_cv_sign(hs->chain->key, hs->sig_scheme, tbs, 2 * FTLS_RANDOM_LEN + plen, sig,
			      room, &sig_len)))
		return err;
	b.len -= room - sig_len;
	if ((err = ftls_buf_vec_close(&b, &m)))
		return err;
	return cp_msg_end(hs, &b);
}

/* ServerHelloDone ends our first flight. */
enum ftls_err cp_shd_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct ftls_buf b;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((err = cp_msg_begin(hs, FTLS_HS_SERVER_HELLO_DONE, &b)) || (err = cp_msg_end(hs, &b)))
		return err;
	return cp_hs_flush(hs);
}

enum ftls_err cp_cke_parse_ecdhe(const uint8_t *msg, size_t len, const uint8_t **pt,
				 size_t *pt_len)
{
	struct ftls_buf b, v;
	enum ftls_err err;

	if (len < FTLS_HS_HDR_LEN || msg[0] != FTLS_HS_CLIENT_KEY_EXCHANGE)
		return FTLS_ERR_DECODE;
	ftls_buf_init_ro(&b, msg + FTLS_HS_HDR_LEN, len - FTLS_HS_HDR_LEN);
	/* ClientECDiffieHellmanPublic: ECPoint point<1..2^8-1> (explicit: RFC 8422 §5.7). */
	if ((err = ftls_buf_get_vec(&b, 1, 1, 255, &v)) || (err = ftls_buf_end(&b)))
		return err;
	*pt = ftls_buf_cur(&v);
	*pt_len = ftls_buf_remaining(&v);
	return FTLS_OK;
}

/*
 * The master secret from the pre-master secret (RFC 7627 §4 with the session hash through this
 * ClientKeyExchange, else RFC 5246 §8.1), then the key block as two key installs at seq 0.
 */
static enum ftls_err keys_from_pms(struct cp_hs *hs, const uint8_t *pms, size_t pms_len)
{
	uint8_t hash[CP_HASH_MAX];
	enum ftls_err err;

	if (hs->ems) {
		if ((err = cp_tr_hash(&hs->tr, hash)) ||
		    (err = cp_prf12_master_ems(hs->suite->hash, pms, pms_len, hash, hs->hlen,
					       hs->stage)))
			return err;
	} else if ((err = cp_prf12_master(hs->suite->hash, pms, pms_len, hs->client_random,
					  hs->server_random, hs->stage))) {
		return err;
	}
	return cp_tls12_keys(hs);
}

/* Both directions to the record owner at the sequence numbers that follow the Finished. */
static enum ftls_err hand_out(struct cp_hs *hs)
{
	struct cp_hs_event ev;
	enum ftls_err err;

	memset(&ev, 0, sizeof(ev));
	ev.type = CP_HS_EV_KEY_INSTALL;
	ev.ki = hs->ki_tx;
	ev.ki.seq = hs->tx.seq;
	if ((err = cp_hs_event(hs, &ev)))
		goto out;
	ev.ki = hs->ki_rx;
	ev.ki.seq = hs->rx.seq;
	if ((err = cp_hs_event(hs, &ev)))
		goto out;
	memset(&ev, 0, sizeof(ev));
	ev.type = CP_HS_EV_DONE;
	err = cp_hs_event(hs, &ev);
out:
	ftls_wipe(&ev, sizeof(ev));
	return err;
}

enum ftls_err cp_cke_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	const uint8_t *pt;
	size_t pt_len;
	enum ftls_err err;

	if ((err = cp_cke_parse_ecdhe(msg, len, &pt, &pt_len)))
		return err;
	if ((err = cp_kex_derive(cp_kex_find(hs->group), hs->kex_key, pt, pt_len, hs->shared,
				 sizeof(hs->shared), &hs->shared_len)))
		goto out;
	EVP_PKEY_free(hs->kex_key);
	hs->kex_key = NULL;
	if ((err = cp_tr_add(&hs->tr, msg, len)))
		goto out;
	err = keys_from_pms(hs, hs->shared, hs->shared_len);
out:
	ftls_wipe(hs->shared, sizeof(hs->shared));
	hs->shared_len = 0;
	return err;
}

/*
 * ClientKeyExchange of the RSA key exchange (RFC 5246 §7.4.7.1): the pre-master secret decrypted
 * by pki/rsa_kx.h, which never fails on a bad block (a random secret instead: the handshake then
 * fails at the client's Finished like any wrong key would, Bleichenbacher-safe).
 */
enum ftls_err cp_cke_rsa_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t pms[CP_RSA_PMS_LEN];
	struct ftls_buf body;
	enum ftls_err err;

	if (len < FTLS_HS_HDR_LEN)
		return FTLS_ERR_DECODE;
	ftls_buf_init_ro(&body, msg + FTLS_HS_HDR_LEN, len - FTLS_HS_HDR_LEN);
	if ((err = cp_rsa_kx_premaster(hs->chain->key, &body, hs->ch.legacy_version, pms)) ||
	    (err = cp_tr_add(&hs->tr, msg, len)))
		goto out;
	err = keys_from_pms(hs, pms, sizeof(pms));
out:
	ftls_wipe(pms, sizeof(pms));
	return err;
}

/* The client's ChangeCipherSpec: its records are protected from here (sequence number 0). */
enum ftls_err cp_ccs12_recv(struct cp_hs *hs)
{
	enum ftls_err err = ftls_rec_dir_install(&hs->rx, hs->l->dev, 0, &hs->ki_rx);

	hs->ccs_rcvd = true;
	return err;
}

enum ftls_err cp_fin12_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t hash[CP_HASH_MAX], vd[CP_PRF12_VERIFY_LEN];
	enum ftls_err err;

	if (!hs->ccs_rcvd)
		return FTLS_ERR_UNEXPECTED_MESSAGE;   /* §7.4.9: Finished only after CCS */
	if (len != FTLS_HS_HDR_LEN + CP_PRF12_VERIFY_LEN)
		return FTLS_ERR_DECODE;
	if ((err = cp_tr_hash(&hs->tr, hash)) ||
	    (err = cp_prf12_finished(hs->suite->hash, hs->stage, true, hash, hs->hlen, vd)))
		goto out;
	if (!ftls_ct_eq(vd, msg + FTLS_HS_HDR_LEN, CP_PRF12_VERIFY_LEN)) {
		err = FTLS_ERR_DECRYPT_ERROR;
		goto out;
	}
	if ((err = cp_tr_add(&hs->tr, msg, len)))
		goto out;
	if (hs->flags & CP_HS_F_RESUMED)
		err = hand_out(hs);   /* abbreviated: the client's Finished came last */
out:
	ftls_wipe(vd, sizeof(vd));
	return err;
}

/*
 * Our ChangeCipherSpec and Finished (sealed at sequence number 0), then both directions go to the
 * record owner at the sequence numbers that follow.
 */
enum ftls_err cp_fin12_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t hash[CP_HASH_MAX], vd[CP_PRF12_VERIFY_LEN];
	struct ftls_buf b;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((hs->flags & CP_HS_F_RESUMED) && (err = cp_tls12_keys(hs)))
		goto out;
	if ((err = cp_tr_hash(&hs->tr, hash)) ||
	    (err = cp_prf12_finished(hs->suite->hash, hs->stage, false, hash, hs->hlen, vd)) ||
	    (err = cp_hs_flush(hs)) ||   /* ServerHello or NewSessionTicket before the CCS */
	    (err = cp_hs_send_ccs(hs)) ||
	    (err = ftls_rec_dir_install(&hs->tx, hs->l->dev, 0, &hs->ki_tx)) ||
	    (err = cp_msg_begin(hs, FTLS_HS_FINISHED, &b)) ||
	    (err = ftls_buf_put_bytes(&b, vd, CP_PRF12_VERIFY_LEN)) || (err = cp_msg_end(hs, &b)) ||
	    (err = cp_hs_flush(hs)))
		goto out;
	if (!(hs->flags & CP_HS_F_RESUMED)) {
		cp_resume12_store(hs);
		err = hand_out(hs);
	}
out:
	ftls_wipe(vd, sizeof(vd));
	return err;
}

/* A ClientHello on an established TLS 1.2 connection. */
enum ftls_err cp_reneg_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	(void)msg;
	(void)len;
	cp_hs_warn(hs, FTLS_ALERT_NO_RENEGOTIATION);
	return FTLS_OK;
}
