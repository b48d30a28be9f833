/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session resumption on the engine. TLS 1.2: a full handshake stores its session (master secret,
 * suite, EMS, SNI, ALPN, client identity) in the listener's session cache under a fresh 32-byte
 * id and/or hands the client an RFC 5077 ticket (NewSessionTicket before our ChangeCipherSpec);
 * a ClientHello naming a session by ticket or id resumes it in an abbreviated handshake when the
 * version, suite, EMS use (RFC 7627 §5.3), SNI and client-auth policy allow. TLS 1.3: after the
 * client's Finished we issue NewSessionTickets whose ticket is the sealed state with the PSK
 * derived from the resumption master secret; a ClientHello's pre_shared_key is accepted when its
 * ticket opens, its hash matches the suite's, its age is within the window, it has not been used
 * (single-use policy, through the session cache) and its binder verifies (decrypt_error if not).
 * Every other failure to resume (unknown, expired, tampered or wrong-key ticket, cache miss)
 * means a full handshake, never an alert. Stores are ctrlplane/resume/.
 */
#include <stdlib.h>
#include <string.h>

#include "common/ct.h"
#include "common/log.h"
#include "ctrlplane/hs/hs_int.h"
#include "ctrlplane/pki/x509_verify.h"
#include "ctrlplane/resume/prf12.h"
#include "ctrlplane/resume/sess_cache.h"
#include "ctrlplane/resume/ticket.h"

enum {
	DEFAULT_LIFETIME = 7200,
	AGE_WINDOW_MS = 10000,   /* client and server views of a ticket's age may differ this much */
	TICKET_NONCE_LEN = 8,
};

static uint32_t lifetime(const struct cp_hs *hs)
{
	uint32_t l = hs->l->sess_lifetime ? hs->l->sess_lifetime : DEFAULT_LIFETIME;
	return l > CP_SESS_LIFETIME_MAX ? CP_SESS_LIFETIME_MAX : l;
}

void cp_resume_state(const struct cp_hs *hs, struct cp_sess_state *st)
{
	const char *alpn = cp_hs_alpn(hs);
	const struct cp_x509_identity *id = hs->peer_id;

	memset(st, 0, sizeof(*st));
	st->version = hs->version;
	st->suite = hs->suite->id;
	st->flags = hs->ems ? CP_SESS_F_EMS : 0;
	st->created = hs->l->tickets ? cp_ticket_now(hs->l->tickets) : 0;
	st->lifetime = lifetime(hs);
	if (alpn) {
		st->alpn_len = (uint8_t)strlen(alpn);
		memcpy(st->alpn, alpn, st->alpn_len);
	}
	st->sni_len = (uint8_t)strlen(hs->sni);
	memcpy(st->sni, hs->sni, st->sni_len);
	if (id && cp_hs_peer_identity(hs)) {
		size_t n = strlen(id->subject);
		if (n > CP_SESS_IDENTITY_MAX)
			n = CP_SESS_IDENTITY_MAX;
		st->identity_len = (uint16_t)n;
		memcpy(st->identity, id->subject, n);
	}
}

/* The session may serve this handshake: same SNI, and a client identity when one is required. */
static bool state_fits(const struct cp_hs *hs, const struct cp_sess_state *st)
{
	if (st->sni_len != strlen(hs->sni) || memcmp(st->sni, hs->sni, st->sni_len))
		return false;   /* RFC 6066 §3 */
	if (hs->l->client_auth == CP_CAUTH_REQUIRED && st->identity_len == 0)
		return false;
	return true;
}

/* The resumed session's client identity becomes the connection's. */
static enum ftls_err restore_identity(struct cp_hs *hs, const struct cp_sess_state *st)
{
	size_t n = st->identity_len;
	if (n == 0)
		return FTLS_OK;
	if (!hs->peer_id && !(hs->peer_id = calloc(1, sizeof(*hs->peer_id))))
		return FTLS_ERR_NOMEM;
	if (n >= sizeof(hs->peer_id->subject))
		n = sizeof(hs->peer_id->subject) - 1;
	memcpy(hs->peer_id->subject, st->identity, n);
	hs->peer_id->subject[n] = 0;
	hs->peer_resumed = true;
	return FTLS_OK;
}

static bool list_has(struct ftls_buf list, uint16_t v)
{
	uint16_t x;
	while (ftls_buf_get_u16(&list, &x) == FTLS_OK)
		if (x == v)
			return true;
	return false;
}

static bool suite_enabled(const struct cp_hs *hs, uint16_t id)
{
	for (unsigned i = 0; i < hs->l->nb_suites; i++)
		if (hs->l->suites[i] == id)
			return true;
	return false;
}

/* ---- TLS 1.2 ---- */

enum ftls_err cp_tls12_keys(struct cp_hs *hs)
{
	enum ftls_err err = cp_prf12_keys(hs->suite, hs->stage, hs->client_random,
					  hs->server_random, true, 0, &hs->ki_rx, &hs->ki_tx);
	hs->ki_rx.conn_id = hs->ki_tx.conn_id = hs->conn_id;
	return err;
}

enum ftls_err cp_resume12_try(struct cp_hs *hs, const struct cp_ch *ch)
{
	struct cp_sess_state st;
	uint8_t val[CP_SESS_STATE_MAX];
	size_t vlen;
	bool renew = false, ok = false;
	enum ftls_err err = FTLS_OK;

	if (hs->l->tickets && ch->has_ticket_ext)
		hs->send_ticket_ext = true;   /* we will issue one */
	if (hs->l->tickets && ch->ticket &&
	    cp_ticket_open(hs->l->tickets, ch->ticket, ch->ticket_len, &st, &renew) == FTLS_OK) {
		ok = true;
	} else if (hs->l->sess_cache && ch->session_id_len) {
		struct ftls_buf b;
		if (cp_sess_get(hs->l->sess_cache, ch->session_id, ch->session_id_len, val,
				sizeof(val), &vlen) == FTLS_OK) {
			ftls_buf_init_ro(&b, val, vlen);
			ok = cp_sess_state_decode(&b, &st) == FTLS_OK;
			renew = false;
		}
		ftls_wipe(val, sizeof(val));
	}
	if (!ok)
		return FTLS_OK;
	const struct ftls_suite *s = ftls_suite_by_id(st.suite);
	if (st.version != FTLS_V_TLS12 || !s || !suite_enabled(hs, s->id) ||
	    !list_has(ch->suites, s->id) || !state_fits(hs, &st))
		goto out;
	/* RFC 7627 §5.3: an EMS session is resumed only with EMS; a client dropping it aborts. */
	if ((st.flags & CP_SESS_F_EMS) && !ch->has_ems) {
		err = FTLS_ERR_HANDSHAKE_FAILURE;
		goto out;
	}
	if (!(st.flags & CP_SESS_F_EMS) && (ch->has_ems || !hs->l->ems_optional))
		goto out;
	if ((err = restore_identity(hs, &st)))
		goto out;
	hs->suite = s;
	hs->md = cp_ks_md(s->hash);
	hs->hlen = ftls_hash_len(s->hash);
	hs->ems = (st.flags & CP_SESS_F_EMS) != 0;
	memcpy(hs->stage, st.secret, CP_PRF12_MS_LEN);
	/* The ServerHello echoes the client's session id: that says "resumed" (RFC 5077 §3.4). */
	hs->session_id_len = ch->session_id_len;
	memcpy(hs->session_id, ch->session_id, ch->session_id_len);
	hs->flags = CP_HS_F_TLS12 | CP_HS_F_RESUMED;
	hs->send_ticket_ext = renew;   /* a ticket under the previous key gets a fresh one */
	if (renew)
		hs->flags |= CP_HS_F_TICKET;
out:
	ftls_wipe(&st, sizeof(st));
	return err;
}

void cp_resume12_store(struct cp_hs *hs)
{
	struct cp_sess_state st;
	uint8_t val[CP_SESS_STATE_MAX];
	struct ftls_buf b;

	if (!hs->l->sess_cache || hs->session_id_len == 0 || (hs->flags & CP_HS_F_RESUMED))
		return;
	cp_resume_state(hs, &st);
	st.secret_len = CP_PRF12_MS_LEN;
	memcpy(st.secret, hs->stage, CP_PRF12_MS_LEN);
	ftls_buf_init(&b, val, sizeof(val));
	/* A session that cannot be stored is only one that cannot be resumed. */
	if (cp_sess_state_encode(&st, &b) == FTLS_OK &&
	    cp_sess_put(hs->l->sess_cache, hs->session_id, hs->session_id_len, val,
			ftls_buf_len(&b), st.lifetime) != FTLS_OK)
		LOG_DEBUG("hs", "conn %u: session not cached", hs->conn_id);
	ftls_wipe(&st, sizeof(st));
	ftls_wipe(val, sizeof(val));
}

/* NewSessionTicket (RFC 5077 §3.3): lifetime hint, ticket. */
enum ftls_err cp_nst12_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct cp_sess_state st;
	struct ftls_buf b;
	struct ftls_buf_mark m;
	uint8_t *t;
	size_t tlen = 0, room;
	enum ftls_err err;

	(void)msg;
	(void)len;
	cp_resume_state(hs, &st);
	st.secret_len = CP_PRF12_MS_LEN;
	memcpy(st.secret, hs->stage, CP_PRF12_MS_LEN);
	if ((err = cp_msg_begin(hs, FTLS_HS_NEW_SESSION_TICKET, &b)) ||
	    (err = ftls_buf_put_u32(&b, st.lifetime)) || (err = ftls_buf_vec_open(&b, 2, &m)))
		goto out;
	room = ftls_buf_space(&b) < CP_TICKET_MAX_LEN ? ftls_buf_space(&b) : CP_TICKET_MAX_LEN;
	if ((err = ftls_buf_reserve(&b, room, &t)) ||
	    (err = cp_ticket_seal(hs->l->tickets, &st, t, room, &tlen)))
		goto out;
	b.len -= room - tlen;
	if ((err = ftls_buf_vec_close(&b, &m)))
		goto out;
	err = cp_msg_end(hs, &b);
out:
	ftls_wipe(&st, sizeof(st));
	return err;
}

/* ---- TLS 1.3 ---- */

/* The binder of a PSK over the truncated ClientHello (§4.2.11.2). */
static enum ftls_err binder(const EVP_MD *md, const uint8_t *psk, const uint8_t *ch,
			    size_t trunc_len, uint8_t *out)
{
	uint8_t early[CP_HASH_MAX], bk[CP_HASH_MAX], empty[CP_HASH_MAX], h[CP_HASH_MAX];
	unsigned int hl = 0;
	size_t hlen = (size_t)EVP_MD_get_size(md);
	enum ftls_err err;

	if ((err = cp_ks_early(md, psk, hlen, early)) || (err = cp_ks_empty_hash(md, empty)) ||
	    (err = cp_ks_derive(md, early, "res binder", empty, bk)))
		goto out;
	if (!EVP_Digest(ch, trunc_len, h, &hl, md, NULL)) {
		err = FTLS_ERR_INTERNAL;
		goto out;
	}
	err = cp_ks_finished(md, bk, h, out);
out:
	ftls_wipe(early, sizeof(early));
	ftls_wipe(bk, sizeof(bk));
	return err;
}

enum ftls_err cp_resume13_try(struct cp_hs *hs, const struct cp_ch *ch, const uint8_t *msg,
			      size_t len)
{
	struct ftls_buf ids = ch->psk_ids, modes = ch->psk_modes, binders = ch->psk_binders;
	struct ftls_buf id, bd;
	struct cp_sess_state st;
	uint32_t obf_age;
	uint8_t mode, want[CP_HASH_MAX];
	bool dhe = false, ke = false;
	enum ftls_err err = FTLS_OK;

	(void)len;
	if (!ch->has_psk || !hs->l->tickets)
		return FTLS_OK;
	while (ftls_buf_get_u8(&modes, &mode) == FTLS_OK) {
		dhe |= mode == 1;   /* psk_dhe_ke */
		ke |= mode == 0;    /* psk_ke */
	}
	if (!dhe && !(ke && hs->l->psk_ke))
		return FTLS_OK;   /* §4.2.9: no mode we accept: full handshake */
	/* The first identity only: clients put their best ticket first. */
	if (ftls_buf_get_vec(&ids, 2, 1, 0xffff, &id) || ftls_buf_get_u32(&ids, &obf_age) ||
	    ftls_buf_get_vec(&binders, 1, 32, 255, &bd))
		return FTLS_OK;
	if (cp_ticket_open(hs->l->tickets, ftls_buf_cur(&id), ftls_buf_remaining(&id), &st, NULL))
		return FTLS_OK;
	const struct ftls_suite *s = ftls_suite_by_id(st.suite);
	if (st.version != FTLS_V_TLS13 || !s || s->hash != hs->suite->hash ||
	    st.secret_len != hs->hlen || !state_fits(hs, &st))
		goto out;
	/* Ticket age (§4.2.11.1, §8.3): the client's view against ours. */
	uint64_t now = cp_ticket_now(hs->l->tickets);
	int64_t ours = (int64_t)(now - st.created) * 1000;
	int64_t theirs = (int64_t)(uint32_t)(obf_age - st.age_add);
	if (ours < 0 || ours > (int64_t)st.lifetime * 1000 || theirs - ours > AGE_WINDOW_MS ||
	    ours - theirs > AGE_WINDOW_MS + 1000)
		goto out;
	if (ftls_buf_remaining(&bd) != hs->hlen)
		goto out;
	if ((err = binder(hs->md, st.secret, msg, (size_t)(ch->psk_binders_at - msg), want)))
		goto out;
	if (!ftls_ct_eq(want, ftls_buf_cur(&bd), hs->hlen)) {
		err = FTLS_ERR_DECRYPT_ERROR;   /* §4.2.11: the binder must validate */
		goto out;
	}
	/* Single use: the ticket's id must still be in the store; taking it spends it. */
	if (!hs->l->ticket_reuse) {
		uint8_t v[8];
		size_t vl;
		if (!hs->l->sess_cache || ftls_buf_remaining(&id) < CP_TICKET_ID_LEN ||
		    cp_sess_take(hs->l->sess_cache, ftls_buf_cur(&id), CP_TICKET_ID_LEN, v,
				 sizeof(v), &vl) != FTLS_OK)
			goto out;
	}
	if ((err = restore_identity(hs, &st)))
		goto out;
	memcpy(hs->psk, st.secret, hs->hlen);
	/* psk_ke when the listener allows it and the client offers it (no (EC)DHE: cheaper, and
	 * without forward secrecy for this connection: the operator's choice); else psk_dhe_ke. */
	hs->psk_dhe = !(ke && hs->l->psk_ke);
	hs->flags |= CP_HS_F_RESUMED;
out:
	ftls_wipe(&st, sizeof(st));
	ftls_wipe(want, sizeof(want));
	return err;
}

/* One NewSessionTicket (§4.6.1): PSK = HKDF-Expand-Label(rms, "resumption", nonce). */
static enum ftls_err nst13(struct cp_hs *hs, const uint8_t *rms, uint8_t n)
{
	uint8_t m[16 + 8 + 2 + CP_TICKET_MAX_LEN + 2], nonce[TICKET_NONCE_LEN] = { 0 };
	struct cp_sess_state st;
	struct ftls_buf b;
	struct ftls_buf_mark v, mb;
	uint8_t *t;
	size_t tlen = 0;
	enum ftls_err err;

	nonce[TICKET_NONCE_LEN - 1] = n;
	cp_resume_state(hs, &st);
	cp_hs_random(hs, (uint8_t *)&st.age_add, sizeof(st.age_add));
	st.secret_len = (uint8_t)hs->hlen;
	if ((err = cp_ks_expand_label(hs->md, rms, "resumption", nonce, sizeof(nonce), st.secret,
				      hs->hlen)))
		goto out;
	ftls_buf_init(&b, m, sizeof(m));
	if ((err = ftls_buf_put_u8(&b, FTLS_HS_NEW_SESSION_TICKET)) ||
	    (err = ftls_buf_vec_open(&b, 3, &mb)) || (err = ftls_buf_put_u32(&b, st.lifetime)) ||
	    (err = ftls_buf_put_u32(&b, st.age_add)) ||
	    (err = ftls_buf_put_vec(&b, 1, nonce, sizeof(nonce))) ||
	    (err = ftls_buf_vec_open(&b, 2, &v)) ||
	    (err = ftls_buf_reserve(&b, CP_TICKET_MAX_LEN, &t)) ||
	    (err = cp_ticket_seal(hs->l->tickets, &st, t, CP_TICKET_MAX_LEN, &tlen)))
		goto out;
	b.len -= CP_TICKET_MAX_LEN - tlen;
	if ((err = ftls_buf_vec_close(&b, &v)) || (err = ftls_buf_put_u16(&b, 0)) ||   /* exts */
	    (err = ftls_buf_vec_close(&b, &mb)))
		goto out;
	/* Single use: the store remembers the ticket until it is used or expires. */
	if (!hs->l->ticket_reuse && hs->l->sess_cache) {
		static const uint8_t one = 1;
		if (cp_sess_put(hs->l->sess_cache, t, CP_TICKET_ID_LEN, &one, 1, st.lifetime))
			goto out;   /* not remembered: not worth sending */
	}
	err = cp_hs_send_protected(hs, FTLS_CT_HANDSHAKE, m, ftls_buf_len(&b));
out:
	ftls_wipe(&st, sizeof(st));
	return err;
}

enum ftls_err cp_nst13_send_all(struct cp_hs *hs)
{
	uint8_t hash[CP_HASH_MAX], rms[CP_HASH_MAX];
	enum ftls_err err;

	if (!hs->l->tickets || !hs->l->tickets13 || (!hs->l->ticket_reuse && !hs->l->sess_cache))
		return FTLS_OK;
	if ((err = cp_tr_hash(&hs->tr, hash)) ||
	    (err = cp_ks_derive(hs->md, hs->stage, "res master", hash, rms)))
		goto out;
	for (uint8_t i = 0; i < hs->l->tickets13 && !err; i++)
		err = nst13(hs, rms, i);
out:
	ftls_wipe(rms, sizeof(rms));
	return err;
}
