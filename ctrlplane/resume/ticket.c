/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session state encoding and ticket protection (see ticket.h for the format, the key schedule and
 * the error contract).
 *
 * State encoding, version CP_SESS_STATE_FORMAT (all integers big-endian):
 *   u8 format | u16 version | u16 suite | u8 flags | opaque secret<1..48> | u64 created |
 *   u32 lifetime | u32 age_add | opaque alpn<0..255> | opaque sni<0..255> |
 *   opaque identity<0..1024>
 */
#include "ctrlplane/resume/ticket.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "common/ct.h"
#include "common/tls.h"

struct tkey {
	uint8_t name[CP_TICKET_KEY_NAME_LEN];
	uint8_t key[32];
	uint64_t created;
	bool valid;
};

struct cp_ticket_keys {
	struct cp_ticket_conf conf;
	struct tkey cur, prev;
	EVP_CIPHER_CTX *ctx;
	struct cp_ticket_stats st;
};

/* ---- state encoding ---- */

/* The secret length a (version, suite) must carry, or 0 when the pair is not valid. */
static size_t secret_len_for(uint16_t version, uint16_t suite)
{
	const struct ftls_suite *s = ftls_suite_by_id(suite);

	if (!s || s->version != version || (version != FTLS_V_TLS12 && version != FTLS_V_TLS13))
		return 0;
	return version == FTLS_V_TLS12 ? 48 : ftls_hash_len(s->hash);
}

static bool state_ok(const struct cp_sess_state *st)
{
	size_t sl = secret_len_for(st->version, st->suite);

	return sl && st->secret_len == sl && st->lifetime && st->lifetime <= CP_SESS_LIFETIME_MAX &&
	       !(st->flags & ~CP_SESS_F_EMS) &&
	       !((st->flags & CP_SESS_F_EMS) && st->version != FTLS_V_TLS12) &&
	       st->identity_len <= CP_SESS_IDENTITY_MAX;
}

enum ftls_err cp_sess_state_encode(const struct cp_sess_state *st, struct ftls_buf *b)
{
	struct ftls_buf save;
	enum ftls_err e;

	if (!st || !b || b->ro)
		return FTLS_ERR_INVAL;
	if (!state_ok(st))
		return FTLS_ERR_INVAL;
	save = *b;
	if ((e = ftls_buf_put_u8(b, CP_SESS_STATE_FORMAT)) ||
	    (e = ftls_buf_put_u16(b, st->version)) ||
	    (e = ftls_buf_put_u16(b, st->suite)) ||
	    (e = ftls_buf_put_u8(b, st->flags)) ||
	    (e = ftls_buf_put_vec(b, 1, st->secret, st->secret_len)) ||
	    (e = ftls_buf_put_u64(b, st->created)) ||
	    (e = ftls_buf_put_u32(b, st->lifetime)) ||
	    (e = ftls_buf_put_u32(b, st->age_add)) ||
	    (e = ftls_buf_put_vec(b, 1, st->alpn, st->alpn_len)) ||
	    (e = ftls_buf_put_vec(b, 1, st->sni, st->sni_len)) ||
	    (e = ftls_buf_put_vec(b, 2, st->identity, st->identity_len))) {
		/*
		 * Leave no partial encoding (and no partial secret) behind: a failed write may have
		 * touched bytes past len, so everything after the old end is wiped.
		 */
		ftls_wipe(save.base + save.len, save.cap - save.len);
		*b = save;
		return e;
	}
	return FTLS_OK;
}

/* Reads a vector <min..max> with a prefix-byte length into dst (room for max), its length to *len. */
static enum ftls_err get_vec_into(struct ftls_buf *b, unsigned prefix, size_t min, size_t max,
				  void *dst, size_t *len)
{
	struct ftls_buf v;
	enum ftls_err e = ftls_buf_get_vec(b, prefix, min, max, &v);

	if (e)
		return e;
	*len = ftls_buf_remaining(&v);
	return ftls_buf_get_bytes(&v, dst, *len);
}

enum ftls_err cp_sess_state_decode(struct ftls_buf *b, struct cp_sess_state *st)
{
	uint8_t format = 0;
	size_t secret_len = 0, alpn_len = 0, sni_len = 0, identity_len = 0;
	enum ftls_err e;

	if (!b || !st)
		return FTLS_ERR_INVAL;
	memset(st, 0, sizeof(*st));
	if ((e = ftls_buf_get_u8(b, &format)) ||
	    (e = ftls_buf_get_u16(b, &st->version)) ||
	    (e = ftls_buf_get_u16(b, &st->suite)) ||
	    (e = ftls_buf_get_u8(b, &st->flags)) ||
	    (e = get_vec_into(b, 1, 1, CP_SESS_SECRET_MAX, st->secret, &secret_len)) ||
	    (e = ftls_buf_get_u64(b, &st->created)) ||
	    (e = ftls_buf_get_u32(b, &st->lifetime)) ||
	    (e = ftls_buf_get_u32(b, &st->age_add)) ||
	    (e = get_vec_into(b, 1, 0, CP_SESS_ALPN_MAX, st->alpn, &alpn_len)) ||
	    (e = get_vec_into(b, 1, 0, CP_SESS_SNI_MAX, st->sni, &sni_len)) ||
	    (e = get_vec_into(b, 2, 0, CP_SESS_IDENTITY_MAX, st->identity, &identity_len)) ||
	    (e = ftls_buf_end(b)))
		goto bad;
	st->secret_len = (uint8_t)secret_len;
	st->alpn_len = (uint8_t)alpn_len;
	st->sni_len = (uint8_t)sni_len;
	st->identity_len = (uint16_t)identity_len;
	if (format != CP_SESS_STATE_FORMAT || !state_ok(st))
		goto bad;
	return FTLS_OK;
bad:
	ftls_wipe(st, sizeof(*st));
	return FTLS_ERR_DECODE;
}

/* ---- keys ---- */

static uint64_t wall_seconds(void *arg)
{
	(void)arg;
	return (uint64_t)time(NULL);
}

static uint64_t now_of(const struct cp_ticket_keys *k)
{
	return k->conf.now(k->conf.now_arg);
}

uint64_t cp_ticket_now(const struct cp_ticket_keys *k)
{
	return now_of(k);
}

static enum ftls_err new_key(struct tkey *t, uint64_t created)
{
	if (RAND_bytes(t->name, sizeof(t->name)) != 1 || RAND_bytes(t->key, sizeof(t->key)) != 1) {
		ftls_wipe(t, sizeof(*t));
		return FTLS_ERR_INTERNAL;
	}
	t->created = created;
	t->valid = true;
	return FTLS_OK;
}

static enum ftls_err rotate_at(struct cp_ticket_keys *k, uint64_t t)
{
	struct tkey fresh;
	enum ftls_err e = new_key(&fresh, t);

	if (e)
		return e;
	ftls_wipe(&k->prev, sizeof(k->prev));
	k->prev = k->cur;
	k->cur = fresh;
	ftls_wipe(&fresh, sizeof(fresh));
	k->st.rotations++;
	return FTLS_OK;
}

/* Applies the schedule at time t: one period -> rotate; two idle periods -> both replaced. */
static enum ftls_err schedule(struct cp_ticket_keys *k, uint64_t t)
{
	enum ftls_err e = FTLS_OK;
	uint64_t p = k->conf.period;

	if (t >= k->cur.created + p) {
		bool idle = t >= k->cur.created + 2 * p;

		e = rotate_at(k, t);
		if (e == FTLS_OK && idle)
			ftls_wipe(&k->prev, sizeof(k->prev));
	}
	return e;
}

enum ftls_err cp_ticket_keys_create(const struct cp_ticket_conf *conf, struct cp_ticket_keys **out)
{
	struct cp_ticket_keys *k;
	enum ftls_err e;

	if (!conf || !out || !conf->period)
		return FTLS_ERR_INVAL;
	k = calloc(1, sizeof(*k));
	if (!k)
		return FTLS_ERR_NOMEM;
	k->conf = *conf;
	if (!k->conf.now)
		k->conf.now = wall_seconds;
	k->ctx = EVP_CIPHER_CTX_new();
	if (!k->ctx) {
		free(k);
		return FTLS_ERR_NOMEM;
	}
	e = new_key(&k->cur, now_of(k));
	if (e) {
		cp_ticket_keys_destroy(k);
		return e;
	}
	*out = k;
	return FTLS_OK;
}

void cp_ticket_keys_destroy(struct cp_ticket_keys *k)
{
	if (!k)
		return;
	EVP_CIPHER_CTX_free(k->ctx);
	ftls_wipe(k, sizeof(*k));
	free(k);
}

enum ftls_err cp_ticket_rotate(struct cp_ticket_keys *k)
{
	if (!k)
		return FTLS_ERR_INVAL;
	return rotate_at(k, now_of(k));
}

static void to_blob(const struct tkey *t, struct cp_ticket_key_blob *b)
{
	memcpy(b->name, t->name, sizeof(b->name));
	memcpy(b->key, t->key, sizeof(b->key));
	b->created = t->created;
}

static void from_blob(struct tkey *t, const struct cp_ticket_key_blob *b)
{
	memcpy(t->name, b->name, sizeof(t->name));
	memcpy(t->key, b->key, sizeof(t->key));
	t->created = b->created;
	t->valid = true;
}

enum ftls_err cp_ticket_keys_export(const struct cp_ticket_keys *k, struct cp_ticket_key_blob *cur,
				    struct cp_ticket_key_blob *prev, bool *has_prev)
{
	if (!k || !cur || !prev || !has_prev)
		return FTLS_ERR_INVAL;
	to_blob(&k->cur, cur);
	*has_prev = k->prev.valid;
	if (k->prev.valid)
		to_blob(&k->prev, prev);
	else
		memset(prev, 0, sizeof(*prev));
	return FTLS_OK;
}

enum ftls_err cp_ticket_keys_import(struct cp_ticket_keys *k, const struct cp_ticket_key_blob *cur,
				    const struct cp_ticket_key_blob *prev)
{
	uint64_t t;

	if (!k || !cur)
		return FTLS_ERR_INVAL;
	t = now_of(k);
	if (cur->created > t || (prev && (prev->created >= cur->created ||
					  !memcmp(prev->name, cur->name, sizeof(cur->name)))))
		return FTLS_ERR_INVAL;
	ftls_wipe(&k->cur, sizeof(k->cur));
	ftls_wipe(&k->prev, sizeof(k->prev));
	from_blob(&k->cur, cur);
	if (prev)
		from_blob(&k->prev, prev);
	return FTLS_OK;
}

void cp_ticket_stats(const struct cp_ticket_keys *k, struct cp_ticket_stats *st)
{
	if (k && st)
		*st = k->st;
}

/* ---- seal / open ---- */

enum ftls_err cp_ticket_seal(struct cp_ticket_keys *k, const struct cp_sess_state *st, uint8_t *out,
			     size_t cap, size_t *len)
{
	uint8_t pt[CP_SESS_STATE_MAX], *nonce, *ct;
	struct ftls_buf b;
	enum ftls_err e;
	int n = 0, f = 0;

	if (!k || !st || !out || !len)
		return FTLS_ERR_INVAL;
	*len = 0;
	if ((e = schedule(k, now_of(k))))
		return e;
	ftls_buf_init(&b, pt, sizeof(pt));
	if ((e = cp_sess_state_encode(st, &b)))
		return e == FTLS_ERR_FULL ? FTLS_ERR_INTERNAL : e;
	if (cap < CP_TICKET_OVERHEAD + b.len) {
		ftls_wipe(pt, b.len);
		return FTLS_ERR_FULL;
	}
	memcpy(out, k->cur.name, CP_TICKET_KEY_NAME_LEN);
	nonce = out + CP_TICKET_KEY_NAME_LEN;
	ct = nonce + CP_TICKET_NONCE_LEN;
	if (RAND_bytes(nonce, CP_TICKET_NONCE_LEN) != 1 ||
	    EVP_EncryptInit_ex(k->ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_SET_IVLEN, CP_TICKET_NONCE_LEN, NULL) != 1 ||
	    EVP_EncryptInit_ex(k->ctx, NULL, NULL, k->cur.key, nonce) != 1 ||
	    EVP_EncryptUpdate(k->ctx, NULL, &n, out, CP_TICKET_KEY_NAME_LEN + CP_TICKET_NONCE_LEN) != 1 ||
	    EVP_EncryptUpdate(k->ctx, ct, &n, pt, (int)b.len) != 1 ||
	    EVP_EncryptFinal_ex(k->ctx, ct + n, &f) != 1 || (size_t)(n + f) != b.len ||
	    EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_GET_TAG, CP_TICKET_TAG_LEN, ct + b.len) != 1) {
		ftls_wipe(pt, b.len);
		ftls_wipe(out, cap < CP_TICKET_OVERHEAD + b.len ? cap : CP_TICKET_OVERHEAD + b.len);
		return FTLS_ERR_INTERNAL;
	}
	*len = CP_TICKET_OVERHEAD + b.len;
	ftls_wipe(pt, b.len);
	k->st.issued++;
	return FTLS_OK;
}

enum ftls_err cp_ticket_open(struct cp_ticket_keys *k, const uint8_t *ticket, size_t len,
			     struct cp_sess_state *st, bool *renew)
{
	uint8_t pt[CP_SESS_STATE_MAX];
	const struct tkey *key = NULL;
	const uint8_t *nonce, *ct;
	size_t ct_len;
	struct ftls_buf b;
	uint64_t t;
	int n = 0, f = 0, is_cur, is_prev;
	enum ftls_err e;

	if (!k || !st || (len && !ticket))
		return FTLS_ERR_INVAL;
	memset(st, 0, sizeof(*st));
	if (renew)
		*renew = false;
	t = now_of(k);
	if ((e = schedule(k, t)))
		return e;
	if (len < CP_TICKET_OVERHEAD + 1 || len > CP_TICKET_MAX_LEN) {
		k->st.unknown_key++;
		return FTLS_ERR_NOT_FOUND;
	}
	/* Both names are always compared; the name is not secret, but this costs nothing. */
	is_cur = ftls_ct_eq(ticket, k->cur.name, CP_TICKET_KEY_NAME_LEN);
	is_prev = k->prev.valid && ftls_ct_eq(ticket, k->prev.name, CP_TICKET_KEY_NAME_LEN);
	if (is_cur)
		key = &k->cur;
	else if (is_prev)
		key = &k->prev;
	if (!key) {
		k->st.unknown_key++;
		return FTLS_ERR_NOT_FOUND;
	}
	nonce = ticket + CP_TICKET_KEY_NAME_LEN;
	ct = nonce + CP_TICKET_NONCE_LEN;
	ct_len = len - CP_TICKET_OVERHEAD;
	if (EVP_DecryptInit_ex(k->ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_SET_IVLEN, CP_TICKET_NONCE_LEN, NULL) != 1 ||
	    EVP_DecryptInit_ex(k->ctx, NULL, NULL, key->key, nonce) != 1 ||
	    EVP_DecryptUpdate(k->ctx, NULL, &n, ticket, CP_TICKET_KEY_NAME_LEN + CP_TICKET_NONCE_LEN) != 1 ||
	    EVP_DecryptUpdate(k->ctx, pt, &n, ct, (int)ct_len) != 1 ||
	    EVP_CIPHER_CTX_ctrl(k->ctx, EVP_CTRL_GCM_SET_TAG, CP_TICKET_TAG_LEN,
				(void *)(ct + ct_len)) != 1 ||
	    EVP_DecryptFinal_ex(k->ctx, pt + n, &f) != 1) {
		ftls_wipe(pt, sizeof(pt));
		k->st.bad_tag++;
		return FTLS_ERR_DECRYPT_ERROR;
	}
	ftls_buf_init_ro(&b, pt, ct_len);
	e = cp_sess_state_decode(&b, st);
	ftls_wipe(pt, sizeof(pt));
	if (e) {
		k->st.malformed++;
		return FTLS_ERR_DECODE;
	}
	if (st->created > t || t - st->created >= st->lifetime) {
		ftls_wipe(st, sizeof(*st));
		k->st.expired++;
		return FTLS_ERR_TIMEOUT;
	}
	if (renew)
		*renew = key == &k->prev;
	k->st.accepted++;
	if (key == &k->prev)
		k->st.accepted_previous++;
	return FTLS_OK;
}
