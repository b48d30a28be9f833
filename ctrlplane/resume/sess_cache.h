/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The server's session cache: TLS 1.2 session IDs -> serialized session state (ticket.h's
 * cp_sess_state_encode() is the intended value format), and, through cp_sess_take(), the
 * single-use store for TLS 1.3 PSK identities (a ticket accepted once is taken out, so a replayed
 * ClientHello with the same identity falls back to a full handshake). Not for: ticket encryption
 * (ticket.h) or deciding whether a resumed session is acceptable (the engine checks suite, SNI,
 * version against the current handshake).
 *
 * Implementation notes.
 *  - Capacity is fixed at creation: max_entries slots in one array, a bucket array of a power of
 *    two >= 2 * max_entries, chains and the LRU list threaded through the slots by index. Values
 *    are copied into storage allocated on insert (control plane, once per full handshake) and
 *    wiped before they are freed.
 *  - Two bounds: entry count and bytes (id + value of every live entry). An insert evicts from
 *    the LRU end until both hold; an entry larger than the byte bound alone is refused (INVAL).
 *  - Entries expire `lifetime` seconds after insertion (the conf's, or a shorter one given on
 *    insert). Expired entries are dropped when met by a lookup, on insert when room is needed,
 *    and by cp_sess_expire().
 *  - Bucket index: SipHash-2-4 under a key drawn at creation, so clients cannot aim ids at one
 *    chain. Ids in a chain are compared with ftls_ct_eq (an id may be a bearer secret).
 *  - Time is injected: now() returns seconds on any monotonic scale.
 *  - Not thread-safe: one cache per control-plane thread, or the caller serializes.
 */
#ifndef CP_SESS_CACHE_H
#define CP_SESS_CACHE_H

#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

enum { CP_SESS_ID_MAX = 255 }; /* 32 for TLS 1.2 session ids; PSK identities may be longer */

struct cp_sess_cache_conf {
	uint32_t max_entries;          /* >= 1 */
	size_t max_bytes;              /* >= 1: bound on the sum of id + value lengths */
	uint32_t lifetime;             /* seconds, >= 1 */
	uint64_t (*now)(void *arg);    /* seconds; NULL: CLOCK_MONOTONIC */
	void *now_arg;
};

struct cp_sess_stats {
	uint64_t hits, misses, evictions, expirations, inserts, removals;
	uint32_t entries;
	size_t bytes;
};

struct cp_sess_cache;

/* A cache sized by conf. FTLS_ERR_INVAL for a zero bound, FTLS_ERR_NOMEM, FTLS_ERR_INTERNAL (RNG). */
enum ftls_err cp_sess_cache_create(const struct cp_sess_cache_conf *conf,
				   struct cp_sess_cache **out) FTLS_MUST_CHECK;
/* Wipes every value and frees the cache. NULL is a no-op. */
void cp_sess_cache_destroy(struct cp_sess_cache *c);

/*
 * Inserts (or replaces) id -> value, expiring after lifetime seconds (0 or more than the conf's:
 * the conf's). Evicts least recently used entries as needed. FTLS_ERR_INVAL for an empty or
 * over-long id or an entry bigger than max_bytes; FTLS_ERR_NOMEM.
 */
enum ftls_err cp_sess_put(struct cp_sess_cache *c, const uint8_t *id, size_t id_len,
			  const uint8_t *value, size_t value_len, uint32_t lifetime) FTLS_MUST_CHECK;

/*
 * Looks id up and copies its value to out[0..cap), *len = its length, and marks it most recently
 * used. FTLS_ERR_NOT_FOUND when absent or expired (a miss); FTLS_ERR_FULL when cap is too small
 * (*len says how much is needed; not counted as a hit or a miss). The caller wipes out.
 */
enum ftls_err cp_sess_get(struct cp_sess_cache *c, const uint8_t *id, size_t id_len, uint8_t *out,
			  size_t cap, size_t *len) FTLS_MUST_CHECK;

/* Like cp_sess_get, and removes the entry: single use (TLS 1.3 PSK anti-replay). */
enum ftls_err cp_sess_take(struct cp_sess_cache *c, const uint8_t *id, size_t id_len, uint8_t *out,
			   size_t cap, size_t *len) FTLS_MUST_CHECK;

/* Removes id (wiping its value). FTLS_ERR_NOT_FOUND when absent. */
enum ftls_err cp_sess_remove(struct cp_sess_cache *c, const uint8_t *id, size_t id_len) FTLS_MUST_CHECK;

/* Drops every expired entry; returns how many. */
uint32_t cp_sess_expire(struct cp_sess_cache *c);

/* Counters and occupancy, for the CLI. */
void cp_sess_stats(const struct cp_sess_cache *c, struct cp_sess_stats *st);

#endif
