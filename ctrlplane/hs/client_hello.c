/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ClientHello (RFC 8446 §4.1.2, RFC 5246 §7.4.1.2): parsing, with one parser per extension we know
 * from a table, and the server's choices from it (version, suite, group or HelloRetryRequest,
 * certificate set and chain, ALPN; for TLS 1.2 also renegotiation indication, extended master
 * secret and point formats). Unknown extensions are ignored; a duplicated extension, trailing bytes inside
 * any vector, or pre_shared_key not last is an error. The server does not send a ClientHello.
 * Not for: writing the server's answer (server_hello.c, encrypted_extensions.c).
 */
#include <string.h>

#include "common/ct.h"
#include "ctrlplane/hs/hs_int.h"

typedef enum ftls_err (*ext_parse_fn)(struct cp_ch *ch, struct ftls_buf *b);

static enum ftls_err parse_u16_list(struct ftls_buf *b, struct ftls_buf *out, bool *has)
{
	enum ftls_err err;
	/* A list of uint16 <2..2^16-2>: non-empty, even. */
	if ((err = ftls_buf_get_vec(b, 2, 2, 0xfffe, out)))
		return err;
	if (ftls_buf_remaining(out) % 2)
		return FTLS_ERR_DECODE;
	*has = true;
	return ftls_buf_end(b);
}

static enum ftls_err parse_sni(struct cp_ch *ch, struct ftls_buf *b)
{
	struct ftls_buf list, name;
	uint8_t type;
	enum ftls_err err;

	if ((err = ftls_buf_get_vec(b, 2, 1, 0xffff, &list)))
		return err;
	while (ftls_buf_remaining(&list)) {
		if ((err = ftls_buf_get_u8(&list, &type)) ||
		    (err = ftls_buf_get_vec(&list, 2, 1, 0xffff, &name)))
			return err;
		if (type != 0)
			continue;   /* RFC 6066 §3: other name types are ignored */
		if (ch->sni)
			return FTLS_ERR_ILLEGAL_PARAMETER;   /* two host_names */
		ch->sni = ftls_buf_cur(&name);
		ch->sni_len = ftls_buf_remaining(&name);
		if (ch->sni_len > 255 || memchr(ch->sni, 0, ch->sni_len))
			return FTLS_ERR_ILLEGAL_PARAMETER;
	}
	return ftls_buf_end(b);
}

static enum ftls_err parse_groups(struct cp_ch *ch, struct ftls_buf *b)
{
	return parse_u16_list(b, &ch->groups, &ch->has_groups);
}

static enum ftls_err parse_sig_algs(struct cp_ch *ch, struct ftls_buf *b)
{
	return parse_u16_list(b, &ch->sig_algs, &ch->has_sig_algs);
}

static enum ftls_err parse_sig_algs_cert(struct cp_ch *ch, struct ftls_buf *b)
{
	return parse_u16_list(b, &ch->sig_algs_cert, &ch->has_sig_algs_cert);
}

static enum ftls_err parse_alpn(struct cp_ch *ch, struct ftls_buf *b)
{
	struct ftls_buf list, p;
	enum ftls_err err;

	if ((err = ftls_buf_get_vec(b, 2, 2, 0xffff, &list)))
		return err;
	ch->alpn = list;
	while (ftls_buf_remaining(&list))
		if ((err = ftls_buf_get_vec(&list, 1, 1, 0xff, &p)))   /* empty names are illegal */
			return err;
	ch->has_alpn = true;
	return ftls_buf_end(b);
}

static enum ftls_err parse_versions(struct cp_ch *ch, struct ftls_buf *b)
{
	enum ftls_err err;
	if ((err = ftls_buf_get_vec(b, 1, 2, 254, &ch->versions)))
		return err;
	if (ftls_buf_remaining(&ch->versions) % 2)
		return FTLS_ERR_DECODE;
	ch->has_versions = true;
	return ftls_buf_end(b);
}

static enum ftls_err parse_key_share(struct cp_ch *ch, struct ftls_buf *b)
{
	struct ftls_buf list, key;
	uint16_t group;
	enum ftls_err err;

	if ((err = ftls_buf_get_vec16(b, &list)))
		return err;
	while (ftls_buf_remaining(&list)) {
		if ((err = ftls_buf_get_u16(&list, &group)) ||
		    (err = ftls_buf_get_vec(&list, 2, 1, 0xffff, &key)))
			return err;
		/* §4.2.8: one share per group. */
		for (unsigned i = 0; i < ch->nb_shares; i++)
			if (ch->shares[i].group == group)
				return FTLS_ERR_ILLEGAL_PARAMETER;
		if (ch->nb_shares == CP_MAX_SHARES)
			continue;   /* more shares than we look at: the rest are never chosen */
		ch->shares[ch->nb_shares].group = group;
		ch->shares[ch->nb_shares].key = ftls_buf_cur(&key);
		ch->shares[ch->nb_shares].len = ftls_buf_remaining(&key);
		ch->nb_shares++;
	}
	ch->has_key_share = true;
	return ftls_buf_end(b);
}

static enum ftls_err parse_psk_modes(struct cp_ch *ch, struct ftls_buf *b)
{
	enum ftls_err err;
	if ((err = ftls_buf_get_vec(b, 1, 1, 0xff, &ch->psk_modes)))
		return err;
	return ftls_buf_end(b);
}

static enum ftls_err parse_cookie(struct cp_ch *ch, struct ftls_buf *b)
{
	struct ftls_buf c;
	enum ftls_err err;
	if ((err = ftls_buf_get_vec(b, 2, 1, 0xffff, &c)))
		return err;
	ch->cookie = ftls_buf_cur(&c);
	ch->cookie_len = ftls_buf_remaining(&c);
	return ftls_buf_end(b);
}

static enum ftls_err parse_early_data(struct cp_ch *ch, struct ftls_buf *b)
{
	ch->early_data = true;
	return ftls_buf_end(b);   /* empty in ClientHello */
}

static enum ftls_err parse_psk(struct cp_ch *ch, struct ftls_buf *b)
{
	/* OfferedPsks: identities<7..2^16-1>, binders<33..2^16-1>, checked whole here; resume.c
	 * picks one (views kept in ch). */
	struct ftls_buf ids, binders, id, binder;
	uint32_t age;
	enum ftls_err err;

	if ((err = ftls_buf_get_vec(b, 2, 7, 0xffff, &ids)))
		return err;
	ch->psk_binders_at = ftls_buf_cur(b);
	if ((err = ftls_buf_get_vec(b, 2, 33, 0xffff, &binders)))
		return err;
	ch->psk_ids = ids;
	ch->psk_binders = binders;
	while (ftls_buf_remaining(&ids))
		if ((err = ftls_buf_get_vec(&ids, 2, 1, 0xffff, &id)) ||
		    (err = ftls_buf_get_u32(&ids, &age)))
			return err;
	while (ftls_buf_remaining(&binders))
		if ((err = ftls_buf_get_vec(&binders, 1, 32, 255, &binder)))
			return err;
	ch->has_psk = true;
	return ftls_buf_end(b);
}

static enum ftls_err parse_rsl(struct cp_ch *ch, struct ftls_buf *b)
{
	enum ftls_err err;
	if ((err = ftls_buf_get_u16(b, &ch->rsl)))
		return err;
	if (ch->rsl < 64)
		return FTLS_ERR_ILLEGAL_PARAMETER;   /* RFC 8449 §4 */
	ch->has_rsl = true;
	return ftls_buf_end(b);
}

static enum ftls_err parse_ems(struct cp_ch *ch, struct ftls_buf *b)
{
	ch->has_ems = true;
	return ftls_buf_end(b);   /* RFC 7627 §5.1: empty */
}

static enum ftls_err parse_reneg_info(struct cp_ch *ch, struct ftls_buf *b)
{
	struct ftls_buf v;
	enum ftls_err err;
	if ((err = ftls_buf_get_vec(b, 1, 0, 255, &v)))
		return err;
	ch->has_reneg_info = true;
	ch->reneg_info_len = ftls_buf_remaining(&v);
	return ftls_buf_end(b);
}

static enum ftls_err parse_point_formats(struct cp_ch *ch, struct ftls_buf *b)
{
	struct ftls_buf v;
	uint8_t f;
	enum ftls_err err;
	if ((err = ftls_buf_get_vec(b, 1, 1, 255, &v)))
		return err;
	ch->has_point_formats = true;
	while (ftls_buf_remaining(&v)) {
		if ((err = ftls_buf_get_u8(&v, &f)))
			return err;
		ch->uncompressed_ok |= f == 0;
	}
	return ftls_buf_end(b);
}

static enum ftls_err parse_ticket(struct cp_ch *ch, struct ftls_buf *b)
{
	/* RFC 5077 §3.2: empty (the client supports tickets) or a ticket. */
	ch->has_ticket_ext = true;
	ch->ticket_len = ftls_buf_remaining(b);
	ch->ticket = ch->ticket_len ? ftls_buf_cur(b) : NULL;
	b->pos = b->len;
	return FTLS_OK;
}

static enum ftls_err parse_empty(struct cp_ch *ch, struct ftls_buf *b)
{
	(void)ch;
	return ftls_buf_end(b);
}

static enum ftls_err parse_max_frag(struct cp_ch *ch, struct ftls_buf *b)
{
	uint8_t v;
	enum ftls_err err;
	(void)ch;
	if ((err = ftls_buf_get_u8(b, &v)))
		return err;
	if (v < 1 || v > 4)
		return FTLS_ERR_ILLEGAL_PARAMETER;   /* RFC 6066 §4; we do not echo it */
	return ftls_buf_end(b);
}

/* Extensions we read in a ClientHello. The index is the bit in cp_ch.seen. */
static const struct {
	uint16_t type;
	ext_parse_fn parse;
} ch_exts[] = {
	{ FTLS_EXT_SERVER_NAME, parse_sni },
	{ FTLS_EXT_MAX_FRAGMENT_LENGTH, parse_max_frag },
	{ FTLS_EXT_SUPPORTED_GROUPS, parse_groups },
	{ FTLS_EXT_SIGNATURE_ALGORITHMS, parse_sig_algs },
	{ FTLS_EXT_ALPN, parse_alpn },
	{ FTLS_EXT_RECORD_SIZE_LIMIT, parse_rsl },
	{ FTLS_EXT_PRE_SHARED_KEY, parse_psk },
	{ FTLS_EXT_EARLY_DATA, parse_early_data },
	{ FTLS_EXT_SUPPORTED_VERSIONS, parse_versions },
	{ FTLS_EXT_COOKIE, parse_cookie },
	{ FTLS_EXT_PSK_KEY_EXCHANGE_MODES, parse_psk_modes },
	{ FTLS_EXT_POST_HANDSHAKE_AUTH, parse_empty },
	{ FTLS_EXT_SIGNATURE_ALGORITHMS_CERT, parse_sig_algs_cert },
	{ FTLS_EXT_KEY_SHARE, parse_key_share },
	{ FTLS_EXT_EXTENDED_MASTER_SECRET, parse_ems },
	{ FTLS_EXT_RENEGOTIATION_INFO, parse_reneg_info },
	{ FTLS_EXT_EC_POINT_FORMATS, parse_point_formats },
	{ FTLS_EXT_SESSION_TICKET, parse_ticket },
};

enum ftls_err cp_ch_parse(struct cp_ch *ch, const uint8_t *msg, size_t len)
{
	struct ftls_buf b, v, exts, body;
	uint16_t types[CP_MAX_EXTS];
	unsigned nb_types = 0;
	uint8_t c;
	enum ftls_err err;

	memset(ch, 0, sizeof(*ch));
	if (len < FTLS_HS_HDR_LEN)
		return FTLS_ERR_DECODE;
	ftls_buf_init_ro(&b, msg + FTLS_HS_HDR_LEN, len - FTLS_HS_HDR_LEN);
	if ((err = ftls_buf_get_u16(&b, &ch->legacy_version)) ||
	    (err = ftls_buf_get_ptr(&b, FTLS_RANDOM_LEN, &ch->random)) ||
	    (err = ftls_buf_get_vec(&b, 1, 0, 32, &v)))
		return err;
	ch->session_id = ftls_buf_cur(&v);
	ch->session_id_len = (uint8_t)ftls_buf_remaining(&v);
	if ((err = ftls_buf_get_vec(&b, 2, 2, 0xfffe, &ch->suites)))
		return err;
	if (ftls_buf_remaining(&ch->suites) % 2)
		return FTLS_ERR_DECODE;
	if ((err = ftls_buf_get_vec(&b, 1, 1, 0xff, &v)))
		return err;
	ch->null_compression_only = ftls_buf_remaining(&v) == 1;
	bool null_offered = false;
	while (ftls_buf_remaining(&v)) {
		if ((err = ftls_buf_get_u8(&v, &c)))
			return err;
		null_offered |= c == 0;
	}
	ch->null_compression_only = ch->null_compression_only && null_offered;
	if (!null_offered)
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if (ftls_buf_remaining(&b) == 0)
		return FTLS_OK;   /* no extensions: a pre-1.3 client */
	if ((err = ftls_buf_get_vec(&b, 2, 0, 0xffff, &exts)) || (err = ftls_buf_end(&b)))
		return err;
	while (ftls_buf_remaining(&exts)) {
		uint16_t type;
		if ((err = ftls_buf_get_u16(&exts, &type)) ||
		    (err = ftls_buf_get_vec16(&exts, &body)))
			return err;
		if (ch->has_psk)
			return FTLS_ERR_ILLEGAL_PARAMETER;   /* §4.2.11: pre_shared_key last */
		for (unsigned i = 0; i < nb_types; i++)
			if (types[i] == type)
				return FTLS_ERR_ILLEGAL_PARAMETER;   /* §4.2: no duplicates */
		if (nb_types == CP_MAX_EXTS)
			return FTLS_ERR_DECODE;
		types[nb_types++] = type;
		for (unsigned i = 0; i < sizeof(ch_exts) / sizeof(ch_exts[0]); i++) {
			if (ch_exts[i].type != type)
				continue;
			ch->seen |= 1u << i;
			if ((err = ch_exts[i].parse(ch, &body)))
				return err;
			break;
		}
	}
	return FTLS_OK;
}

/* ---- the server's choices ---- */

static bool list_has(struct ftls_buf list, uint16_t v)
{
	uint16_t x;
	while (ftls_buf_get_u16(&list, &x) == FTLS_OK)
		if (x == v)
			return true;
	return false;
}

static bool version_enabled(const struct cp_hs *hs, uint16_t v)
{
	for (unsigned i = 0; i < hs->l->nb_versions; i++)
		if (hs->l->versions[i] == v)
			return true;
	return false;
}

/*
 * supported_versions decides when present (RFC 8446 §4.2.1): the highest version both sides
 * enable (a 1.3 client told 1.2 by a 1.3 server would see the downgrade sentinel and leave).
 * Without it the client speaks TLS 1.2 or older, by legacy_version; SSL 3.0, TLS 1.0 and 1.1 are
 * never spoken.
 */
static enum ftls_err choose_version(struct cp_hs *hs, const struct cp_ch *ch)
{
	static const uint16_t highest_first[] = { FTLS_V_TLS13, FTLS_V_TLS12 };

	if (ch->has_versions) {
		for (unsigned i = 0; i < sizeof(highest_first) / sizeof(highest_first[0]); i++)
			if (version_enabled(hs, highest_first[i]) &&
			    list_has(ch->versions, highest_first[i])) {
				hs->version = highest_first[i];
				return FTLS_OK;
			}
		return FTLS_ERR_PROTOCOL_VERSION;
	}
	if (ch->legacy_version >= FTLS_V_TLS12 && version_enabled(hs, FTLS_V_TLS12)) {
		hs->version = FTLS_V_TLS12;
		return FTLS_OK;
	}
	return FTLS_ERR_PROTOCOL_VERSION;
}

static const struct ftls_suite *choose_suite(const struct cp_hs *hs, const struct cp_ch *ch)
{
	for (unsigned i = 0; i < hs->l->nb_suites; i++) {
		const struct ftls_suite *s = ftls_suite_by_id(hs->l->suites[i]);
		if (s && s->version == hs->version && list_has(ch->suites, s->id))
			return s;
	}
	return NULL;
}

/* The client's share to use, or -1 with *hrr_group set to a group for HelloRetryRequest. */
static enum ftls_err choose_share(struct cp_hs *hs, const struct cp_ch *ch, int *share,
				  uint16_t *hrr_group)
{
	*share = -1;
	*hrr_group = 0;
	if (!ch->has_groups || !ch->has_key_share)
		return FTLS_ERR_MISSING_EXTENSION;   /* §9.2: needed without PSK */
	for (unsigned i = 0; i < ch->nb_shares; i++)
		if (!list_has(ch->groups, ch->shares[i].group))
			return FTLS_ERR_ILLEGAL_PARAMETER;   /* §4.2.8 */
	for (unsigned g = 0; g < hs->l->nb_groups; g++) {
		if (!cp_kex_find(hs->l->groups[g]))
			continue;
		for (unsigned i = 0; i < ch->nb_shares; i++)
			if (ch->shares[i].group == hs->l->groups[g]) {
				*share = (int)i;
				return FTLS_OK;
			}
	}
	for (unsigned g = 0; g < hs->l->nb_groups; g++)
		if (cp_kex_find(hs->l->groups[g]) && list_has(ch->groups, hs->l->groups[g])) {
			*hrr_group = hs->l->groups[g];
			return FTLS_OK;
		}
	return FTLS_ERR_HANDSHAKE_FAILURE;
}

static bool chain_ok(const struct cp_chain *c, const struct cp_ch *ch, uint16_t *scheme)
{
	const uint16_t *s;
	size_t n = cp_key_schemes(c->key_type, &s);
	for (size_t i = 0; i < n; i++)
		if (list_has(ch->sig_algs, s[i])) {
			*scheme = s[i];
			return true;
		}
	return false;
}

/* Schemes that sign with our key types but that TLS 1.3 does not allow (§4.2.3). */
static const uint16_t legacy_schemes[] = {
	FTLS_SIG_RSA_PKCS1_SHA256, FTLS_SIG_RSA_PKCS1_SHA384, FTLS_SIG_RSA_PKCS1_SHA512,
	FTLS_SIG_RSA_PKCS1_SHA1, FTLS_SIG_ECDSA_SHA1,
};

/* The certificate set for the client's server_name (RFC 6066), by the listener's policy. */
static enum ftls_err choose_set(struct cp_hs *hs, const struct cp_ch *ch,
				const struct cp_cert_set **out)
{
	bool matched = false;
	const struct cp_cert_set *set;

	set = cp_certs_lookup(hs->l->certs, ch->sni, ch->sni_len, &matched);
	if (ch->sni && !matched && hs->l->sni_strict)
		return FTLS_ERR_UNRECOGNIZED_NAME;
	if (!set)
		return ch->sni ? FTLS_ERR_UNRECOGNIZED_NAME : FTLS_ERR_HANDSHAKE_FAILURE;
	hs->sni_ack = ch->sni && matched;
	if (ch->sni) {
		memcpy(hs->sni, ch->sni, ch->sni_len);
		hs->sni[ch->sni_len] = 0;
	}
	*out = set;
	return FTLS_OK;
}

static enum ftls_err choose_cert(struct cp_hs *hs, const struct cp_ch *ch)
{
	const struct cp_cert_set *set;
	enum ftls_err err;

	if (!ch->has_sig_algs)
		return FTLS_ERR_MISSING_EXTENSION;   /* §9.2 */
	if ((err = choose_set(hs, ch, &set)))
		return err;
	/* §4.2.3: prefer a chain whose certificate signature the client accepts
	 * (signature_algorithms_cert, else signature_algorithms); failing that, any chain whose key
	 * can sign for it. */
	const struct ftls_buf *cert_algs =
		ch->has_sig_algs_cert ? &ch->sig_algs_cert : &ch->sig_algs;
	for (int pass = 0; pass < 2; pass++)
		for (unsigned i = 0; i < set->nb_chains; i++) {
			const struct cp_chain *c = &set->chains[i];
			if (pass == 0 && !list_has(*cert_algs, c->cert_sig))
				continue;
			if (chain_ok(c, ch, &hs->sig_scheme)) {
				hs->chain = c;
				return FTLS_OK;
			}
		}
	/* The client only offers schemes TLS 1.3 forbids for CertificateVerify (PKCS#1 v1.5,
	 * SHA-1): it could talk to us, just not securely enough. */
	for (unsigned i = 0; i < sizeof(legacy_schemes) / sizeof(legacy_schemes[0]); i++)
		if (list_has(ch->sig_algs, legacy_schemes[i]))
			return FTLS_ERR_INSUFFICIENT_SECURITY;
	return FTLS_ERR_HANDSHAKE_FAILURE;
}

/* ---- TLS 1.2 (RFC 5246 §7.4.1.2, RFC 8422, RFC 5746, RFC 7627) ---- */

static bool key_is_ec(enum cp_key_type t) { return t == CP_KEY_EC_P256 || t == CP_KEY_EC_P384; }

/* A chain of set that can serve suite s for this client, with its ServerKeyExchange scheme. */
static const struct cp_chain *chain12(const struct cp_cert_set *set, const struct ftls_suite *s,
				      const struct cp_ch *ch, uint16_t *scheme)
{
	for (unsigned i = 0; i < set->nb_chains; i++) {
		const struct cp_chain *c = &set->chains[i];
		const uint16_t *sc;
		size_t n;
		if ((s->kx == FTLS_KX_ECDHE_ECDSA) != key_is_ec(c->key_type) ||
		    (s->kx != FTLS_KX_ECDHE_ECDSA && c->key_type != CP_KEY_RSA))
			continue;
		if (s->kx == FTLS_KX_RSA) {
			*scheme = 0;
			return c;
		}
		/* RFC 8422 §5.1: an ECDSA certificate's curve is one the client supports. */
		if (key_is_ec(c->key_type) && ch->has_groups &&
		    !list_has(ch->groups, c->key_type == CP_KEY_EC_P256 ? FTLS_GROUP_SECP256R1
									: FTLS_GROUP_SECP384R1))
			continue;
		if (!ch->has_sig_algs)
			continue;   /* §7.4.1.4.1 would mean SHA-1: not offered */
		n = cp_key_schemes12(c->key_type, &sc);
		for (size_t k = 0; k < n; k++)
			if (list_has(ch->sig_algs, sc[k])) {
				*scheme = sc[k];
				return c;
			}
	}
	return NULL;
}

/* Our most preferred group the client supports (RFC 8422 §5.1: any, without the extension). */
static uint16_t group12(const struct cp_hs *hs, const struct cp_ch *ch)
{
	for (unsigned g = 0; g < hs->l->nb_groups; g++)
		if (cp_kex_find(hs->l->groups[g]) &&
		    (!ch->has_groups || list_has(ch->groups, hs->l->groups[g])))
			return hs->l->groups[g];
	return 0;
}

static enum ftls_err first_hello12(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct cp_ch *ch = &hs->ch;
	const struct cp_cert_set *set;
	uint16_t group, x;
	struct ftls_buf sl = ch->suites;
	enum ftls_err err;

	while (ftls_buf_get_u16(&sl, &x) == FTLS_OK) {
		ch->scsv_reneg |= x == FTLS_EMPTY_RENEGOTIATION_INFO_SCSV;
		ch->scsv_fallback |= x == FTLS_FALLBACK_SCSV;
	}
	/* RFC 5746 §3.6: an initial handshake carries an empty renegotiation_info or the SCSV; we
	 * talk only to clients that can tell a renegotiation apart. */
	if (ch->has_reneg_info ? ch->reneg_info_len != 0 : !ch->scsv_reneg)
		return FTLS_ERR_HANDSHAKE_FAILURE;
	/* RFC 7627 §5.3: without the extended master secret, by policy, no session. */
	if (!ch->has_ems && !hs->l->ems_optional)
		return FTLS_ERR_HANDSHAKE_FAILURE;
	if ((err = choose_set(hs, ch, &set)))
		return err;
	group = group12(hs, ch);
	for (unsigned i = 0; i < hs->l->nb_suites && !hs->suite; i++) {
		const struct ftls_suite *s = ftls_suite_by_id(hs->l->suites[i]);
		if (!s || s->version != FTLS_V_TLS12 || !list_has(ch->suites, s->id))
			continue;
		if (s->kx != FTLS_KX_RSA &&
		    (!group || (ch->has_point_formats && !ch->uncompressed_ok)))
			continue;
		if ((hs->chain = chain12(set, s, ch, &hs->sig_scheme)))
			hs->suite = s;
	}
	if (!hs->suite)
		return FTLS_ERR_HANDSHAKE_FAILURE;
	if ((err = cp_alpn_select(hs, ch)))
		return err;
	hs->md = cp_ks_md(hs->suite->hash);
	hs->hlen = ftls_hash_len(hs->suite->hash);
	hs->flags = CP_HS_F_TLS12 | (hs->suite->kx == FTLS_KX_RSA ? CP_HS_F_RSA : 0);
	if (hs->l->client_auth != CP_CAUTH_NONE && hs->l->verifier)
		hs->flags |= CP_HS_F_CLIENT_AUTH;
	hs->group = hs->suite->kx == FTLS_KX_RSA ? 0 : group;
	hs->ems = ch->has_ems;
	hs->point_formats = ch->has_point_formats && hs->suite->kx != FTLS_KX_RSA;
	hs->session_id_len = 0;
	memcpy(hs->client_random, ch->random, FTLS_RANDOM_LEN);
	if ((err = cp_resume12_try(hs, ch)))
		return err;
	if (!(hs->flags & CP_HS_F_RESUMED)) {
		if (hs->send_ticket_ext)
			hs->flags |= CP_HS_F_TICKET;
		if (hs->l->sess_cache) {   /* a new session: its id for a later resumption */
			hs->session_id_len = 32;
			cp_hs_random(hs, hs->session_id, 32);
		}
	}
	if ((err = cp_tr_init(&hs->tr, hs->md)) || (err = cp_tr_add(&hs->tr, msg, len)))
		return err;
	return FTLS_OK;
}

/* The first ClientHello: every choice is made here. */
static enum ftls_err first_hello(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct cp_ch *ch = &hs->ch;
	int share;
	uint16_t hrr_group;
	enum ftls_err err;

	if ((err = choose_version(hs, ch)))
		return err;
	if (hs->version == FTLS_V_TLS12)
		return first_hello12(hs, msg, len);
	if (!ch->null_compression_only)
		return FTLS_ERR_ILLEGAL_PARAMETER;   /* §4.1.2: exactly one byte, null */
	if (ch->legacy_version < FTLS_V_TLS10)
		return FTLS_ERR_PROTOCOL_VERSION;
	if (!(hs->suite = choose_suite(hs, ch)))
		return FTLS_ERR_HANDSHAKE_FAILURE;
	if ((err = choose_share(hs, ch, &share, &hrr_group)) || (err = choose_cert(hs, ch)) ||
	    (err = cp_alpn_select(hs, ch)))
		return err;
	hs->md = cp_ks_md(hs->suite->hash);
	hs->hlen = ftls_hash_len(hs->suite->hash);
	hs->flags = CP_HS_F_TLS13;
	if (hs->l->client_auth != CP_CAUTH_NONE && hs->l->verifier)
		hs->flags |= CP_HS_F_CLIENT_AUTH;
	hs->early_data = ch->early_data;
	hs->peer_rsl = ch->has_rsl ? ch->rsl : 0;
	hs->session_id_len = ch->session_id_len;
	memcpy(hs->session_id, ch->session_id, ch->session_id_len);
	if ((err = cp_tr_init(&hs->tr, hs->md)) || (err = cp_tr_add(&hs->tr, msg, len)))
		return err;
	if (share < 0) {
		/* A PSK is only taken when no HelloRetryRequest is needed. */
		hs->group = hrr_group;
		hs->flags |= CP_HS_F_HRR;
		return FTLS_OK;
	}
	if ((err = cp_resume13_try(hs, ch, msg, len)))
		return err;
	if (hs->flags & CP_HS_F_RESUMED)
		hs->flags &= ~(uint32_t)CP_HS_F_CLIENT_AUTH;   /* authenticated by the ticket */
	hs->group = ch->shares[share].group;
	if ((hs->flags & CP_HS_F_RESUMED) && !hs->psk_dhe) {
		hs->group = 0;   /* psk_ke: no (EC)DHE */
		return FTLS_OK;
	}
	return cp_kex_run(hs, cp_kex_find(hs->group), ch->shares[share].key, ch->shares[share].len,
			  hs->server_share, sizeof(hs->server_share), &hs->server_share_len,
			  hs->shared, sizeof(hs->shared), &hs->shared_len);
}

/* The ClientHello after our HelloRetryRequest: §4.1.2 says what may change. */
static enum ftls_err second_hello(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct cp_ch *ch = &hs->ch;
	enum ftls_err err;

	if (!ch->has_versions || !list_has(ch->versions, FTLS_V_TLS13))
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if (!ch->null_compression_only || ch->early_data)
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if (choose_suite(hs, ch) != hs->suite)
		return FTLS_ERR_ILLEGAL_PARAMETER;   /* §4.1.4: same suite both times */
	if (!ch->cookie || ch->cookie_len != CP_COOKIE_LEN ||
	    !ftls_ct_eq(ch->cookie, hs->cookie, CP_COOKIE_LEN))
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if (ch->session_id_len != hs->session_id_len ||
	    memcmp(ch->session_id, hs->session_id, hs->session_id_len))
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if (!ch->has_key_share || ch->nb_shares != 1 || ch->shares[0].group != hs->group)
		return FTLS_ERR_ILLEGAL_PARAMETER;   /* §4.2.8: exactly the share we asked for */
	if (!ch->has_groups || !list_has(ch->groups, hs->group))
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if ((err = choose_cert(hs, ch)) || (err = cp_alpn_select(hs, ch)))
		return err;
	if ((err = cp_tr_add(&hs->tr, msg, len)))
		return err;
	hs->early_data = false;   /* abandoned with the first hello (§4.2.10) */
	return cp_kex_run(hs, cp_kex_find(hs->group), ch->shares[0].key, ch->shares[0].len,
			  hs->server_share, sizeof(hs->server_share), &hs->server_share_len,
			  hs->shared, sizeof(hs->shared), &hs->shared_len);
}

enum ftls_err cp_ch_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	enum ftls_err err;

	if ((err = cp_ch_parse(&hs->ch, msg, len)))
		return err;
	err = hs->nb_ch++ == 0 ? first_hello(hs, msg, len) : second_hello(hs, msg, len);
	return err;
}
