/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ServerHello and HelloRetryRequest (RFC 8446 §4.1.3, §4.1.4): writing them, and the key schedule
 * step that follows a ServerHello (handshake secret, handshake traffic keys in both directions).
 * The server never receives either. Also the TLS 1.2 ServerHello (cp_sh12_send), whose random
 * carries the downgrade sentinel (§4.1.3) when 1.3 is enabled. Not for: choosing what they say (client_hello.c).
 */
#include <string.h>

#include "common/ct.h"
#include "ctrlplane/hs/hs_int.h"

/* SHA-256("HelloRetryRequest"): the random of a HelloRetryRequest (§4.1.3). */
static const uint8_t hrr_random[FTLS_RANDOM_LEN] = {
	0xcf, 0x21, 0xad, 0x74, 0xe5, 0x9a, 0x61, 0x11, 0xbe, 0x1d, 0x8c, 0x02, 0x1e, 0x65, 0xb8,
	0x91, 0xc2, 0xa2, 0x11, 0x16, 0x7a, 0xbb, 0x8c, 0x5e, 0x07, 0x9e, 0x09, 0xe2, 0xc8, 0xa8,
	0x33, 0x9c,
};

/* §4.1.3: the last 8 bytes of a TLS 1.2 (or lower) ServerHello random from a 1.3 server. */
static const uint8_t downgrade_tls12[8] = { 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x01 };
static const uint8_t downgrade_tls11[8] = { 0x44, 0x4f, 0x57, 0x4e, 0x47, 0x52, 0x44, 0x00 };

/* Our random for a ServerHello negotiating version, with the sentinel when it is below 1.3. */
static void sh_random(struct cp_hs *hs, uint8_t *r)
{
	bool tls13_enabled = false;
	cp_hs_random(hs, r, FTLS_RANDOM_LEN);
	for (unsigned i = 0; i < hs->l->nb_versions; i++)
		tls13_enabled |= hs->l->versions[i] == FTLS_V_TLS13;
	if (tls13_enabled && hs->version == FTLS_V_TLS12)
		memcpy(r + 24, downgrade_tls12, 8);
	else if (tls13_enabled && hs->version < FTLS_V_TLS12)
		memcpy(r + 24, downgrade_tls11, 8);
}

static enum ftls_err put_head(struct cp_hs *hs, struct ftls_buf *b, const uint8_t *random)
{
	enum ftls_err err;
	if ((err = ftls_buf_put_u16(b, FTLS_V_TLS12)) ||   /* legacy_version */
	    (err = ftls_buf_put_bytes(b, random, FTLS_RANDOM_LEN)) ||
	    (err = ftls_buf_put_vec(b, 1, hs->session_id, hs->session_id_len)) ||
	    (err = ftls_buf_put_u16(b, hs->suite->id)) ||
	    (err = ftls_buf_put_u8(b, 0)))   /* legacy_compression_method */
		return err;
	return FTLS_OK;
}

enum ftls_err cp_hrr_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct ftls_buf b;
	struct ftls_buf_mark exts, e;
	enum ftls_err err;

	(void)msg;
	(void)len;
	/* The transcript restarts from message_hash(ClientHello1), then the HRR (§4.4.1). */
	if ((err = cp_tr_hrr_rewrite(&hs->tr)))
		return err;
	cp_hs_random(hs, hs->cookie, CP_COOKIE_LEN);
	if ((err = cp_msg_begin(hs, FTLS_HS_SERVER_HELLO, &b)) ||
	    (err = put_head(hs, &b, hrr_random)) ||
	    (err = ftls_buf_vec_open(&b, 2, &exts)) ||
	    (err = ftls_buf_put_u16(&b, FTLS_EXT_SUPPORTED_VERSIONS)) ||
	    (err = ftls_buf_put_u16(&b, 2)) || (err = ftls_buf_put_u16(&b, FTLS_V_TLS13)) ||
	    (err = ftls_buf_put_u16(&b, FTLS_EXT_KEY_SHARE)) || (err = ftls_buf_put_u16(&b, 2)) ||
	    (err = ftls_buf_put_u16(&b, hs->group)) ||
	    (err = ftls_buf_put_u16(&b, FTLS_EXT_COOKIE)) || (err = ftls_buf_vec_open(&b, 2, &e)) ||
	    (err = ftls_buf_put_vec(&b, 2, hs->cookie, CP_COOKIE_LEN)) ||
	    (err = ftls_buf_vec_close(&b, &e)) || (err = ftls_buf_vec_close(&b, &exts)) ||
	    (err = cp_msg_end(hs, &b)))
		return err;
	/* A client that offered early data abandons it on HRR; skip its records (§4.2.10). */
	if ((err = cp_hs_flush(hs)))
		return err;
	return cp_hs_compat_ccs(hs);
}

enum ftls_err cp_sh_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t random[FTLS_RANDOM_LEN], hash[CP_HASH_MAX];
	struct ftls_buf b;
	struct ftls_buf_mark exts, e;
	enum ftls_err err;

	(void)msg;
	(void)len;
	bool psk = hs->flags & CP_HS_F_RESUMED, dhe = !psk || hs->psk_dhe;

	sh_random(hs, random);
	if ((err = cp_msg_begin(hs, FTLS_HS_SERVER_HELLO, &b)) ||
	    (err = put_head(hs, &b, random)) || (err = ftls_buf_vec_open(&b, 2, &exts)))
		return err;
	if (dhe && ((err = ftls_buf_put_u16(&b, FTLS_EXT_KEY_SHARE)) ||
		    (err = ftls_buf_vec_open(&b, 2, &e)) ||
		    (err = ftls_buf_put_u16(&b, hs->group)) ||
		    (err = ftls_buf_put_vec(&b, 2, hs->server_share, hs->server_share_len)) ||
		    (err = ftls_buf_vec_close(&b, &e))))
		return err;
	/* §4.2.11: the PSK we took (always the client's first identity). */
	if (psk && ((err = ftls_buf_put_u16(&b, FTLS_EXT_PRE_SHARED_KEY)) ||
		    (err = ftls_buf_put_u16(&b, 2)) || (err = ftls_buf_put_u16(&b, 0))))
		return err;
	if ((err = ftls_buf_put_u16(&b, FTLS_EXT_SUPPORTED_VERSIONS)) ||
	    (err = ftls_buf_put_u16(&b, 2)) || (err = ftls_buf_put_u16(&b, FTLS_V_TLS13)) ||
	    (err = ftls_buf_vec_close(&b, &exts)) || (err = cp_msg_end(hs, &b)) ||
	    (err = cp_hs_flush(hs)) || (err = cp_hs_compat_ccs(hs)))
		return err;

	/* §7.1: early secret (from the PSK when resuming) -> handshake secret from the (EC)DHE
	 * output (zeros for psk_ke). */
	if ((err = cp_ks_early(hs->md, psk ? hs->psk : NULL, psk ? hs->hlen : 0, hs->stage)) ||
	    (err = cp_ks_next_stage(hs->md, hs->stage, dhe ? hs->shared : NULL,
				    dhe ? hs->shared_len : 0)))
		goto out;
	if ((err = cp_tr_hash(&hs->tr, hash)) ||
	    (err = cp_ks_derive(hs->md, hs->stage, "c hs traffic", hash, hs->c_hs)) ||
	    (err = cp_ks_derive(hs->md, hs->stage, "s hs traffic", hash, hs->s_hs)) ||
	    (err = cp_hs_set_key(hs, FTLS_DIR_TX, hs->s_hs)) ||
	    (err = cp_hs_set_key(hs, FTLS_DIR_RX, hs->c_hs)))
		goto out;
out:
	ftls_wipe(hs->shared, sizeof(hs->shared));
	hs->shared_len = 0;
	return err;
}

/*
 * The TLS 1.2 ServerHello (RFC 5246 §7.4.1.3): our random (with the downgrade sentinel when 1.3
 * is enabled) kept for the key block, and the extensions we answer: renegotiation_info (RFC 5746,
 * empty on an initial handshake), extended_master_secret (RFC 7627), ec_point_formats
 * (uncompressed, RFC 8422 §5.2), an empty server_name, ALPN. Heartbeat is never echoed.
 */
enum ftls_err cp_sh12_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct ftls_buf b;
	struct ftls_buf_mark exts, e, l;
	enum ftls_err err;

	(void)msg;
	(void)len;
	sh_random(hs, hs->server_random);
	if ((err = cp_msg_begin(hs, FTLS_HS_SERVER_HELLO, &b)) ||
	    (err = put_head(hs, &b, hs->server_random)) ||
	    (err = ftls_buf_vec_open(&b, 2, &exts)) ||
	    (err = ftls_buf_put_u16(&b, FTLS_EXT_RENEGOTIATION_INFO)) ||
	    (err = ftls_buf_put_u16(&b, 1)) || (err = ftls_buf_put_u8(&b, 0)))
		return err;
	if (hs->ems && ((err = ftls_buf_put_u16(&b, FTLS_EXT_EXTENDED_MASTER_SECRET)) ||
			(err = ftls_buf_put_u16(&b, 0))))
		return err;
	if (hs->send_ticket_ext &&
	    ((err = ftls_buf_put_u16(&b, FTLS_EXT_SESSION_TICKET)) || (err = ftls_buf_put_u16(&b, 0))))
		return err;
	if (hs->point_formats &&
	    ((err = ftls_buf_put_u16(&b, FTLS_EXT_EC_POINT_FORMATS)) ||
	     (err = ftls_buf_put_u16(&b, 2)) || (err = ftls_buf_put_u8(&b, 1)) ||
	     (err = ftls_buf_put_u8(&b, 0))))
		return err;
	if (hs->sni_ack &&
	    ((err = ftls_buf_put_u16(&b, FTLS_EXT_SERVER_NAME)) || (err = ftls_buf_put_u16(&b, 0))))
		return err;
	if (hs->alpn_idx >= 0) {
		const char *p = hs->l->alpn[hs->alpn_idx];
		if ((err = ftls_buf_put_u16(&b, FTLS_EXT_ALPN)) ||
		    (err = ftls_buf_vec_open(&b, 2, &e)) || (err = ftls_buf_vec_open(&b, 2, &l)) ||
		    (err = ftls_buf_put_vec(&b, 1, p, strlen(p))) ||
		    (err = ftls_buf_vec_close(&b, &l)) || (err = ftls_buf_vec_close(&b, &e)))
			return err;
	}
	if ((err = ftls_buf_vec_close(&b, &exts)))
		return err;
	return cp_msg_end(hs, &b);
}
