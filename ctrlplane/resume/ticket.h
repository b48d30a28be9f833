/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Session state and stateless tickets (RFC 5077 style, for TLS 1.2 SessionTicket and TLS 1.3
 * NewSessionTicket): the serialized session state (struct cp_sess_state, encoded with the
 * ftls_buf cursor; also the value format of the session cache), and its protection under rotating
 * ticket keys with AES-256-GCM. Not for: choosing whether to resume (the engine compares suite,
 * version, SNI, ALPN and client identity with the new handshake) or anti-replay (sess_cache.h's
 * cp_sess_take()).
 *
 * Implementation notes.
 *  - Ticket = key_name[16] || nonce[12] || AES-256-GCM(state) || tag[16], the key name and nonce
 *    authenticated as AAD. Nonces are random per ticket; a key encrypts for one period only, far
 *    below the 2^32 random-nonce limit at any realistic rate.
 *  - Keys: "current" encrypts and decrypts; "previous" only decrypts, for one more period after
 *    it was replaced; anything older is forgotten (wiped), so its tickets are refused as unknown.
 *    A rotation happens when a call finds the current key one period old (or by
 *    cp_ticket_rotate()); after two idle periods both keys are replaced. Keys are random
 *    (RAND_bytes), never logged, wiped on rotation and destroy.
 *  - Every failure to open a ticket (unknown key, bad tag, malformed state, expired) is a clean
 *    error and means one thing to the caller: ignore the ticket and do a full handshake. No alert.
 *  - Time is injected: now() returns seconds; ticket creation times are on that clock.
 *  - Not thread-safe (one cipher context per key set): share one instance between control-plane
 *    threads under the caller's lock, so that every thread opens every thread's tickets.
 */
#ifndef CP_TICKET_H
#define CP_TICKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/buf.h"
#include "common/err.h"

enum {
	CP_SESS_SECRET_MAX = 48,     /* 1.2 master secret, or 1.3 resumption PSK (hash length) */
	CP_SESS_ALPN_MAX = 255,
	CP_SESS_SNI_MAX = 255,
	CP_SESS_IDENTITY_MAX = 1024, /* verified client identity (subject DN), "" if none */
	CP_SESS_LIFETIME_MAX = 604800, /* 7 days, RFC 8446 §4.6.1 */
	CP_SESS_STATE_FORMAT = 1,
	/* Largest encoding: format, version, suite, flags, secret, created, lifetime, age_add, alpn, sni, identity. */
	CP_SESS_STATE_MAX = 1 + 2 + 2 + 1 + 1 + CP_SESS_SECRET_MAX + 8 + 4 + 4 + 1 + CP_SESS_ALPN_MAX +
			    1 + CP_SESS_SNI_MAX + 2 + CP_SESS_IDENTITY_MAX,
	CP_TICKET_KEY_NAME_LEN = 16,
	CP_TICKET_NONCE_LEN = 12,
	CP_TICKET_TAG_LEN = 16,
	CP_TICKET_OVERHEAD = CP_TICKET_KEY_NAME_LEN + CP_TICKET_NONCE_LEN + CP_TICKET_TAG_LEN,
	CP_TICKET_MAX_LEN = CP_TICKET_OVERHEAD + CP_SESS_STATE_MAX,
	/*
	 * A ticket's first CP_TICKET_ID_LEN bytes (key name and random nonce) name it uniquely: the
	 * key for sess_cache.h's single-use store (put when issued, cp_sess_take when used).
	 */
	CP_TICKET_ID_LEN = CP_TICKET_KEY_NAME_LEN + CP_TICKET_NONCE_LEN,
};

enum { CP_SESS_F_EMS = 1 }; /* flags: TLS 1.2 session used extended master secret */

/* What a resumable session carries. Wipe it (ftls_wipe) when done: secret is a secret. */
struct cp_sess_state {
	uint16_t version;            /* FTLS_V_TLS12 or FTLS_V_TLS13 */
	uint16_t suite;              /* IANA id, a suite of tls.h of that version */
	uint8_t flags;               /* CP_SESS_F_* */
	uint8_t secret_len;          /* 48 for 1.2; the suite's hash length for 1.3 */
	uint8_t secret[CP_SESS_SECRET_MAX];
	uint64_t created;            /* seconds, on the ticket keys' clock */
	uint32_t lifetime;           /* seconds, 1 .. CP_SESS_LIFETIME_MAX */
	uint32_t age_add;            /* TLS 1.3 ticket_age_add (0 for 1.2) */
	uint8_t alpn_len;
	uint8_t sni_len;
	uint16_t identity_len;
	char alpn[CP_SESS_ALPN_MAX];
	char sni[CP_SESS_SNI_MAX];
	char identity[CP_SESS_IDENTITY_MAX];
};

/*
 * Appends the state's encoding to b. FTLS_ERR_INVAL for a state that would not decode (bad
 * version, suite, secret length, lifetime or lengths); FTLS_ERR_FULL when b has no room.
 */
enum ftls_err cp_sess_state_encode(const struct cp_sess_state *st, struct ftls_buf *b) FTLS_MUST_CHECK;
/*
 * Decodes exactly the bytes of b (untrusted: a fuzz target). FTLS_ERR_DECODE for anything
 * malformed or inconsistent (unknown format, version or suite; suite of another version; secret
 * length not the one of the version/suite; lifetime 0 or over 7 days; flags unknown; trailing
 * bytes). st is zeroed first and wiped on failure.
 */
enum ftls_err cp_sess_state_decode(struct ftls_buf *b, struct cp_sess_state *st) FTLS_MUST_CHECK;

struct cp_ticket_conf {
	uint32_t period;             /* seconds a key encrypts; it decrypts one more period. >= 1 */
	uint64_t (*now)(void *arg);  /* seconds; NULL: CLOCK_REALTIME */
	void *now_arg;
};

struct cp_ticket_stats {
	uint64_t issued, accepted, accepted_previous, rotations;
	uint64_t unknown_key, bad_tag, malformed, expired;
};

struct cp_ticket_keys;

/* Keys with a fresh random current key. FTLS_ERR_INVAL, FTLS_ERR_NOMEM, FTLS_ERR_INTERNAL (RNG). */
enum ftls_err cp_ticket_keys_create(const struct cp_ticket_conf *conf,
				    struct cp_ticket_keys **out) FTLS_MUST_CHECK;
/* Wipes both keys and frees. NULL is a no-op. */
void cp_ticket_keys_destroy(struct cp_ticket_keys *k);
/* Forces a rotation now (current -> previous, new current; the old previous is wiped). */
enum ftls_err cp_ticket_rotate(struct cp_ticket_keys *k) FTLS_MUST_CHECK;

/*
 * Key material for appliances that share ticket keys through a store (DESIGN.md: several
 * appliances behind a load balancer): one node rotates and publishes with cp_ticket_keys_export,
 * the others cp_ticket_keys_import what they read. A secret: wipe it after use, never log it.
 */
struct cp_ticket_key_blob {
	uint8_t name[CP_TICKET_KEY_NAME_LEN];
	uint8_t key[32];
	uint64_t created;            /* on the keys' clock; the schedule runs on from it */
};

/* Copies out the current key and, when there is one (*has_prev), the previous. */
enum ftls_err cp_ticket_keys_export(const struct cp_ticket_keys *k, struct cp_ticket_key_blob *cur,
				    struct cp_ticket_key_blob *prev, bool *has_prev) FTLS_MUST_CHECK;
/*
 * Replaces both keys (prev may be NULL: none), wiping the old ones. FTLS_ERR_INVAL when cur is
 * missing, a created time lies in the future, prev is not older than cur, or both share a name.
 * The local schedule keeps running from cur->created: a node that imports should do so at least
 * once per period, or it rotates away from the fleet.
 */
enum ftls_err cp_ticket_keys_import(struct cp_ticket_keys *k, const struct cp_ticket_key_blob *cur,
				    const struct cp_ticket_key_blob *prev) FTLS_MUST_CHECK;

/*
 * Seals st into a ticket at out[0..cap), *len its length (at most CP_TICKET_OVERHEAD + the
 * state's encoding). The caller sets st->created (normally cp_ticket_now()) and st->lifetime.
 * FTLS_ERR_INVAL for a state that does not encode, FTLS_ERR_FULL, FTLS_ERR_INTERNAL.
 */
enum ftls_err cp_ticket_seal(struct cp_ticket_keys *k, const struct cp_sess_state *st,
			     uint8_t *out, size_t cap, size_t *len) FTLS_MUST_CHECK;
/*
 * Opens a ticket from the wire (untrusted). On FTLS_OK st holds the session, and *renew (may be
 * NULL) says it was sealed under the previous key, so the server should issue a new ticket.
 * Errors, each meaning "ignore the ticket, full handshake, no alert": FTLS_ERR_NOT_FOUND (unknown
 * or retired key name, or too short to carry one), FTLS_ERR_DECRYPT_ERROR (authentication failed:
 * tampered or forged), FTLS_ERR_DECODE (authentic but malformed state), FTLS_ERR_TIMEOUT (past
 * created + lifetime, or created in the future).
 */
enum ftls_err cp_ticket_open(struct cp_ticket_keys *k, const uint8_t *ticket, size_t len,
			     struct cp_sess_state *st, bool *renew) FTLS_MUST_CHECK;

/* The keys' clock (seconds), for st->created and 1.3 ticket age checks. */
uint64_t cp_ticket_now(const struct cp_ticket_keys *k);
void cp_ticket_stats(const struct cp_ticket_keys *k, struct cp_ticket_stats *st);

#endif
