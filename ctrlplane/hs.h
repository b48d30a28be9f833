/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The handshake engine: I/O-free, table-driven. Bytes from the peer go in (cp_hs_input for raw
 * records, cp_hs_input_inner for post-handshake messages the record owner already decrypted);
 * events come out in order (cp_hs_next_event): records to send, plaintext to be sealed with the
 * current application key, key installs per direction (common/wire.h), handshake done, alert
 * sent or received, closed. The engine never touches a socket, ring or device: the dataplane
 * feeds it through its rings, the standalone server through epoll, tests in memory.
 *
 * The engine speaks the TLS 1.3 server (RFC 8446) and the TLS 1.2 server (RFC 5246 with RFC 7627
 * extended master secret and RFC 5746 renegotiation indication; renegotiation refused). Its tables
 * are per version and per handshake shape (full, HelloRetryRequest, TLS 1.2 ECDHE), so client
 * auth and resumption add rows, not a new runner. In TLS 1.2 the engine seals its own
 * ChangeCipherSpec/Finished and opens the client's; the key installs it hands out start at
 * sequence number 1 in both directions. After a TLS 1.2 handshake the record owner hands up
 * (cp_hs_input_inner) what is not application data: a renegotiating ClientHello is answered with
 * a no_renegotiation warning (a SEND_PROTECTED event) and the connection stays up; alerts close.
 * After a TLS 1.3 handshake the NewSessionTickets come as SEND_PROTECTED events right after DONE.
 */
#ifndef CP_HS_H
#define CP_HS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/crypto.h"
#include "common/err.h"
#include "common/wire.h"
#include "ctrlplane/cert.h"

enum { CP_MAX_SUITES = 16, CP_MAX_GROUPS = 16, CP_MAX_ALPN = 8, CP_ALPN_MAX_LEN = 255 };

struct cp_x509_verifier;
struct cp_x509_identity;
struct cp_sess_cache;
struct cp_ticket_keys;

/* Client authentication (mTLS) policy of a listener. */
enum cp_client_auth {
	CP_CAUTH_NONE = 0,     /* no CertificateRequest */
	CP_CAUTH_OPTIONAL,     /* asked for; an empty answer is accepted, a bad one is not */
	CP_CAUTH_REQUIRED,     /* no certificate: certificate_required (1.3) / handshake_failure */
};

/* Randomness source; NULL means OpenSSL's RAND_bytes. Tests inject a deterministic one. */
typedef void (*cp_rng_fn)(void *arg, uint8_t *out, size_t len);

/* A listener as the engine sees it: policy and credentials, built from the config at start. */
struct cp_listener {
	const char *name;
	uint16_t versions[4];               /* enabled versions, preferred first */
	unsigned nb_versions;
	uint16_t suites[CP_MAX_SUITES];     /* server preference order */
	unsigned nb_suites;
	uint16_t groups[CP_MAX_GROUPS];     /* server preference; sent in EncryptedExtensions */
	unsigned nb_groups;
	char alpn[CP_MAX_ALPN][CP_ALPN_MAX_LEN + 1]; /* server preference */
	unsigned nb_alpn;
	struct cp_certs *certs;
	bool sni_strict;                    /* unknown name: unrecognized_name (else default set) */
	uint32_t max_msg;                   /* largest handshake message accepted */
	enum cp_client_auth client_auth;
	const struct cp_x509_verifier *verifier;  /* CA bundle for client certificates */
	/* Resumption (the stores are shared by the listener's handshakes, one thread at a time). */
	struct cp_sess_cache *sess_cache;   /* 1.2 session ids; 1.3 single-use tickets. NULL: none */
	struct cp_ticket_keys *tickets;     /* 1.2 RFC 5077 tickets, 1.3 PSK tickets. NULL: none */
	uint32_t sess_lifetime;             /* seconds a session stays resumable (0: 7200) */
	uint8_t tickets13;                  /* NewSessionTickets after a 1.3 handshake */
	bool ticket_reuse;                  /* 1.3: a ticket may resume more than once (else it
					     * is single use, through sess_cache) */
	bool psk_ke;                        /* 1.3: resume with psk_ke (PSK without (EC)DHE)
					     * when the client offers it */
	bool ems_optional;                  /* TLS 1.2: allow clients without extended master
					     * secret (RFC 7627); default (false): required */
	struct ftls_crypto_dev *dev;        /* protects the encrypted handshake (cpu backend) */
	cp_rng_fn rng;                      /* tests only */
	void *rng_arg;
};

enum cp_hs_ev_type {
	CP_HS_EV_SEND = 1,          /* data: TLS records, send as they are */
	CP_HS_EV_SEND_PROTECTED,    /* data: content_type plaintext to seal under the TX key */
	CP_HS_EV_KEY_INSTALL,       /* ki: traffic keys for one direction */
	CP_HS_EV_DONE,              /* handshake complete; application data may flow */
	CP_HS_EV_ALERT_SENT,        /* alert: we sent this one (its record is an earlier event) */
	CP_HS_EV_ALERT_RECEIVED,    /* alert: the peer sent this alert */
	CP_HS_EV_CLOSED,            /* nothing more comes; close after sending what is queued */
};

struct cp_hs_event {
	enum cp_hs_ev_type type;
	uint8_t content_type;       /* SEND_PROTECTED */
	uint8_t alert;              /* ALERT_* */
	const uint8_t *data;        /* SEND, SEND_PROTECTED: valid until the next input */
	size_t len;
	struct ftls_key_install ki; /* KEY_INSTALL */
};

struct cp_hs;

/* A new server handshake for listener l (which must outlive it). NULL when out of memory. */
struct cp_hs *cp_hs_new(const struct cp_listener *l, uint32_t conn_id);
void cp_hs_free(struct cp_hs *hs);

/*
 * Raw records from the peer, as many as len holds; a partial trailing record is kept until the
 * rest arrives. Returns FTLS_OK, or the connection's (sticky) error once it failed. Pull every
 * event with cp_hs_next_event() before the next input.
 */
enum ftls_err cp_hs_input(struct cp_hs *hs, const uint8_t *bytes, size_t len) FTLS_MUST_CHECK;
/* After the handshake: a record the record owner opened (handshake or alert content). */
enum ftls_err cp_hs_input_inner(struct cp_hs *hs, uint8_t content_type, const uint8_t *pt,
				size_t len) FTLS_MUST_CHECK;
/*
 * Once the handshake is done and its events are handled: trades the flight buffers for the small
 * post-handshake ones (the next input does it too). Event data from before becomes invalid.
 */
void cp_hs_trim(struct cp_hs *hs);
/* The next event, or false when none is queued. */
bool cp_hs_next_event(struct cp_hs *hs, struct cp_hs_event *ev);
/*
 * Ends the connection with err (its alert goes out, protected as the keys require), for errors
 * the record owner found: a record header nobody can parse, a record that fails to open.
 */
void cp_hs_abort(struct cp_hs *hs, enum ftls_err err);
/* The handshake stalled: ends the connection with FTLS_ERR_TIMEOUT (no alert). */
void cp_hs_timeout(struct cp_hs *hs);
/* Sends close_notify (protected event once keys are handed out) and closes. */
void cp_hs_close(struct cp_hs *hs);
/* Server-initiated KeyUpdate (RFC 8446 §4.6.3); request asks the peer to update too. */
enum ftls_err cp_hs_key_update(struct cp_hs *hs, bool request) FTLS_MUST_CHECK;

/* What was negotiated (valid once done). */
bool cp_hs_done(const struct cp_hs *hs);
enum ftls_err cp_hs_error(const struct cp_hs *hs);
uint16_t cp_hs_version(const struct cp_hs *hs);
uint16_t cp_hs_suite(const struct cp_hs *hs);
uint16_t cp_hs_group(const struct cp_hs *hs);
uint16_t cp_hs_sig_scheme(const struct cp_hs *hs);
bool cp_hs_did_hrr(const struct cp_hs *hs);
/* The handshake resumed a session (1.2 id or ticket, 1.3 PSK). */
bool cp_hs_resumed(const struct cp_hs *hs);
/* Selected ALPN protocol (NUL-terminated) or NULL. */
const char *cp_hs_alpn(const struct cp_hs *hs);
/* Server name the client asked for (NUL-terminated) or NULL. */
const char *cp_hs_sni(const struct cp_hs *hs);
/* The peer's record_size_limit (RFC 8449) in plaintext bytes, 2^14 when it sent none. */
size_t cp_hs_peer_max_plain(const struct cp_hs *hs);
/* The verified client certificate's identity (subject, SANs), or NULL when the client did not
 * authenticate. Valid until cp_hs_free. */
const struct cp_x509_identity *cp_hs_peer_identity(const struct cp_hs *hs);
/* The scheme of the client's CertificateVerify (0: none). */
uint16_t cp_hs_peer_sig_scheme(const struct cp_hs *hs);
/* Bytes of heap this handshake holds now (for the memory report). */
size_t cp_hs_mem(const struct cp_hs *hs);

#endif
