/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Internals of the handshake engine, shared by the runner (engine.c) and the per-message files
 * (client_hello.c, server_hello.c, ...). Not part of the engine's API (ctrlplane/hs.h).
 *
 * Implementation notes.
 *  - A *message* is one handshake message, header included. Peer messages are reassembled in rbuf
 *    from records of any size (several per record, or one across many); a message longer than
 *    the listener's max_msg is decode_error before it is buffered.
 *  - The *shape* (flags: version, HRR, later client auth and PSK) picks a sequence of message ids
 *    from the handshakes[] table; pos indexes it. Every message id has one descriptor: content
 *    type, handshake type, who writes it, and its handler. A peer message that is not the one at
 *    pos is unexpected_message. Handlers of our messages run back to back until the next peer
 *    message.
 *  - Our messages are written into wmsg (with the transcript updated as each is closed) and cut
 *    into records by flush(), which must run before every change of write key. Records and
 *    events go to out/ev in order; the caller drains them before the next input.
 *  - Keys change only on message boundaries; a record that carries bytes past a message after
 *    which the read key changes is unexpected_message (RFC 8446 §5.1).
 *  - The first error sticks (err). fail() is the only place an alert is produced.
 *  - Secrets (stage, traffic secrets, shared secret) are wiped in cp_hs_free and after use.
 */
#ifndef CP_HS_INT_H
#define CP_HS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "common/buf.h"
#include "common/record.h"
#include "common/tls.h"
#include "ctrlplane/hs.h"
#include "ctrlplane/hs/keysched.h"

struct cp_sess_state;

/* Handshake shape flags. */
enum {
	CP_HS_F_TLS13 = 1u << 0,
	CP_HS_F_HRR = 1u << 1,
	CP_HS_F_CLIENT_AUTH = 1u << 2,  /* CertificateRequest sent */
	CP_HS_F_PSK = 1u << 3,          /* unused: a PSK handshake is CP_HS_F_RESUMED */
	CP_HS_F_TLS12 = 1u << 4,        /* TLS 1.2, ECDHE unless CP_HS_F_RSA */
	CP_HS_F_RSA = 1u << 5,          /* TLS 1.2 RSA key exchange */
	CP_HS_F_NO_CCERT = 1u << 6,     /* the client's Certificate was empty: no CertificateVerify */
	CP_HS_F_RESUMED = 1u << 7,      /* abbreviated handshake (1.2 id/ticket, 1.3 PSK) */
	CP_HS_F_TICKET = 1u << 8,       /* TLS 1.2: we send NewSessionTicket */
};

enum { CP_MAX_SHARES = 8, CP_MAX_EXTS = 64, CP_EV_MAX = 12, CP_COOKIE_LEN = 32,
       CP_CCERT_MAX = 10 /* certificates accepted in a client's chain */ };

/* A ClientHello, parsed: views into the message, valid while it is being handled. */
struct cp_ch {
	uint16_t legacy_version;
	const uint8_t *random;
	const uint8_t *session_id;
	uint8_t session_id_len;
	struct ftls_buf suites;             /* u16 list */
	bool null_compression_only;
	uint32_t seen;                      /* bit per known extension (cp_ext_bit) */
	const uint8_t *sni;                 /* host_name, or NULL */
	size_t sni_len;
	struct ftls_buf groups, sig_algs, sig_algs_cert, versions, alpn, psk_modes;
	bool has_groups, has_sig_algs, has_sig_algs_cert, has_versions, has_alpn, has_key_share;
	struct {
		uint16_t group;
		const uint8_t *key;
		size_t len;
	} shares[CP_MAX_SHARES];
	unsigned nb_shares;
	const uint8_t *cookie;
	size_t cookie_len;
	bool early_data, has_psk, has_rsl;
	uint16_t rsl;                       /* record_size_limit */
	/* resumption */
	bool has_ticket_ext;                /* TLS 1.2 SessionTicket */
	const uint8_t *ticket;              /* its contents (a ticket to resume), or NULL */
	size_t ticket_len;
	struct ftls_buf psk_ids, psk_binders;  /* OfferedPsks (1.3) */
	const uint8_t *psk_binders_at;      /* the binders vector: the ClientHello is truncated here */
	/* TLS 1.2 */
	bool has_ems, has_reneg_info, has_point_formats, uncompressed_ok, scsv_reneg, scsv_fallback;
	size_t reneg_info_len;              /* renegotiated_connection length (0 initially) */
};

struct cp_hs {
	const struct cp_listener *l;
	uint32_t conn_id;
	enum ftls_err err;
	bool done, closed;
	bool keys_out;                      /* application keys handed to the record owner */
	uint32_t flags;
	uint8_t pos;                        /* index into the shape's sequence */
	uint8_t nb_ch;                      /* ClientHellos seen */

	/* negotiated */
	uint16_t version;
	const struct ftls_suite *suite;
	const EVP_MD *md;
	size_t hlen;
	uint16_t group;
	const struct cp_chain *chain;
	uint16_t sig_scheme;
	int alpn_idx;                       /* into l->alpn, or -1 */
	bool sni_ack;
	char sni[256];
	uint16_t peer_rsl;                  /* 0: none */
	bool early_data;                    /* offered: skip records we cannot open (§4.2.10) */
	bool ccs_sent;                      /* middlebox compatibility CCS (§D.4) */
	size_t early_skipped;
	uint8_t session_id[32];
	uint8_t session_id_len;
	uint8_t cookie[CP_COOKIE_LEN];

	/* TLS 1.2 */
	uint8_t client_random[FTLS_RANDOM_LEN], server_random[FTLS_RANDOM_LEN];
	bool ems;                           /* extended master secret negotiated */
	bool point_formats;                 /* client sent ec_point_formats: echo it */
	bool ccs_rcvd;                      /* the client's ChangeCipherSpec came */
	EVP_PKEY *kex_key;                  /* our ECDHE key, ServerKeyExchange to ClientKeyExchange */
	struct ftls_key_install ki_rx, ki_tx;   /* from the key block, until handed out */

	/* resumption */
	uint8_t psk[CP_HASH_MAX];           /* 1.3: the resumption PSK accepted */
	bool psk_dhe;                       /* 1.3 PSK mode psk_dhe_ke (else psk_ke) */
	bool send_ticket_ext;               /* 1.2: the empty SessionTicket in ServerHello */

	/* client authentication */
	struct cp_x509_identity *peer_id;   /* verified identity (heap, only when authenticated) */
	EVP_PKEY *peer_key;                 /* the leaf's key, Certificate to CertificateVerify */
	uint16_t peer_scheme;
	bool peer_resumed;                  /* peer_id restored from a resumed session */

	/* secrets */
	struct cp_transcript tr;
	uint8_t stage[CP_HASH_MAX];         /* early, then handshake, then master secret (1.2: the
					     * 48-byte master secret) */
	uint8_t c_hs[CP_HASH_MAX], s_hs[CP_HASH_MAX];
	uint8_t c_ap[CP_HASH_MAX], s_ap[CP_HASH_MAX];
	uint8_t shared[CP_HASH_MAX + 64];   /* (EC)DHE output, from ClientHello to ServerHello */
	size_t shared_len;
	uint8_t server_share[160];          /* our key_share, encoded */
	size_t server_share_len;

	struct ftls_rec_dir rx, tx;         /* the engine's own protection during the handshake */

	/* buffers (see the notes above) */
	uint8_t *rbuf;
	size_t rcap, rlen;
	uint8_t *hold;                      /* a record split across inputs */
	size_t hold_len;
	uint8_t *wmsg;
	size_t wcap, wlen;
	uint8_t *out;
	size_t ocap, olen;
	struct cp_hs_event ev[CP_EV_MAX];
	unsigned ev_head, ev_n;

	struct cp_ch ch;
};

/* Fills out with len random bytes from the listener's source. */
void cp_hs_random(struct cp_hs *hs, uint8_t *out, size_t len);

/* Starts a handshake message of type in wmsg; b writes after the 4-byte header. */
enum ftls_err cp_msg_begin(struct cp_hs *hs, uint8_t type, struct ftls_buf *b) FTLS_MUST_CHECK;
/* Closes the message begun with cp_msg_begin: length, transcript. */
enum ftls_err cp_msg_end(struct cp_hs *hs, struct ftls_buf *b) FTLS_MUST_CHECK;
/* Cuts wmsg into handshake records under the current write key. */
enum ftls_err cp_hs_flush(struct cp_hs *hs) FTLS_MUST_CHECK;
/* After our first handshake message: a dummy change_cipher_spec when the client asked for
 * middlebox compatibility mode by sending a session id (RFC 8446 §D.4). */
enum ftls_err cp_hs_compat_ccs(struct cp_hs *hs) FTLS_MUST_CHECK;
/* Installs keys for a direction of the engine's own record layer. */
enum ftls_err cp_hs_set_key(struct cp_hs *hs, enum ftls_dir dir,
			    const uint8_t *secret) FTLS_MUST_CHECK;
/* Queues an event (KEY_INSTALL, DONE ...). */
enum ftls_err cp_hs_event(struct cp_hs *hs, const struct cp_hs_event *ev) FTLS_MUST_CHECK;
/* Queues data as a protected-send event (post-handshake). */
enum ftls_err cp_hs_send_protected(struct cp_hs *hs, uint8_t content_type, const uint8_t *data,
				   size_t len) FTLS_MUST_CHECK;

/* Key exchange (kex.c). */
struct cp_kex;
const struct cp_kex *cp_kex_find(uint16_t group);
/* Our share for the peer's: writes our public key to pub and the shared secret to shared. */
enum ftls_err cp_kex_run(struct cp_hs *hs, const struct cp_kex *k, const uint8_t *peer,
			 size_t peer_len, uint8_t *pub, size_t pub_cap, size_t *pub_len,
			 uint8_t *shared, size_t shared_cap, size_t *shared_len) FTLS_MUST_CHECK;

/* TLS 1.2 halves of the exchange: our key and share first, the shared secret later. */
enum ftls_err cp_kex_keygen(struct cp_hs *hs, const struct cp_kex *k, EVP_PKEY **key,
			    uint8_t *pub, size_t pub_cap, size_t *pub_len) FTLS_MUST_CHECK;
enum ftls_err cp_kex_derive(const struct cp_kex *k, EVP_PKEY *ours, const uint8_t *peer,
			    size_t peer_len, uint8_t *shared, size_t shared_cap,
			    size_t *shared_len) FTLS_MUST_CHECK;

/* A warning alert (post-handshake no_renegotiation); the connection stays up. */
void cp_hs_warn(struct cp_hs *hs, uint8_t desc);
/* Sends a plaintext-header change_cipher_spec record under the current write key. */
enum ftls_err cp_hs_send_ccs(struct cp_hs *hs) FTLS_MUST_CHECK;

/* ALPN (alpn.c): sets hs->alpn_idx from the parsed ClientHello, or no_application_protocol. */
enum ftls_err cp_alpn_select(struct cp_hs *hs, const struct cp_ch *ch) FTLS_MUST_CHECK;

/* Message handlers: peer messages get (msg, len) with the header; ours get (NULL, 0). */
enum ftls_err cp_ch_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ch_parse(struct cp_ch *ch, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_sh_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_hrr_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ee_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_cert_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_cv_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_fin_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_fin_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ku_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ku_send(struct cp_hs *hs, bool request) FTLS_MUST_CHECK;
/* TLS 1.2 (server_hello.c, tls12.c). */
enum ftls_err cp_sh12_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_cert12_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ske_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_shd_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_cke_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_cke_rsa_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ccs12_recv(struct cp_hs *hs) FTLS_MUST_CHECK;
enum ftls_err cp_fin12_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_fin12_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_reneg_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_nst12_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;

/* Resumption (resume.c). */
/* TLS 1.2: resumes the session named by the ClientHello's ticket or id when it may be, after the
 * full handshake's choices are made (FTLS_OK either way; an error aborts the handshake). */
enum ftls_err cp_resume12_try(struct cp_hs *hs, const struct cp_ch *ch) FTLS_MUST_CHECK;
/* TLS 1.2: after a full handshake, the session goes into the cache (when one is configured). */
void cp_resume12_store(struct cp_hs *hs);
/* TLS 1.3: accepts a PSK of the ClientHello (ticket open, age, single use, binder), setting
 * CP_HS_F_RESUMED; msg/len the whole ClientHello. */
enum ftls_err cp_resume13_try(struct cp_hs *hs, const struct cp_ch *ch, const uint8_t *msg,
			      size_t len) FTLS_MUST_CHECK;
/* TLS 1.3: NewSessionTickets after the client's Finished (needs the master secret, transcript). */
enum ftls_err cp_nst13_send_all(struct cp_hs *hs) FTLS_MUST_CHECK;
/* The session state of this connection (secret filled by the caller). */
void cp_resume_state(const struct cp_hs *hs, struct cp_sess_state *st);
/* 1.2 master secret -> key block into ki_rx/ki_tx. */
enum ftls_err cp_tls12_keys(struct cp_hs *hs) FTLS_MUST_CHECK;
/* Client authentication (client_auth.c). */
enum ftls_err cp_cr13_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_cr12_send(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ccert13_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ccert12_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ccv13_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
enum ftls_err cp_ccv12_recv(struct cp_hs *hs, const uint8_t *msg, size_t len) FTLS_MUST_CHECK;
/* A client Certificate message (header included): DER views of its certificates, leaf first. */
enum ftls_err cp_ccert_parse(bool tls13, const uint8_t *msg, size_t len,
			     const uint8_t *der[CP_CCERT_MAX], size_t der_len[CP_CCERT_MAX],
			     size_t *n) FTLS_MUST_CHECK;
/* A CertificateVerify message (header included): scheme and signature view. */
enum ftls_err cp_ccv_parse(const uint8_t *msg, size_t len, uint16_t *scheme, const uint8_t **sig,
			   size_t *sig_len) FTLS_MUST_CHECK;
/* ClientKeyExchange (ECDHE) body: the client's point, a view into msg. */
enum ftls_err cp_cke_parse_ecdhe(const uint8_t *msg, size_t len, const uint8_t **pt,
				 size_t *pt_len) FTLS_MUST_CHECK;
/* TLS 1.2 schemes a key type signs ServerKeyExchange with, best first. */
size_t cp_key_schemes12(enum cp_key_type t, const uint16_t **schemes);

/* The CertificateVerify signature and its check (certificate_verify.c; tests use the check). */
enum ftls_err cp_cv_sign(EVP_PKEY *key, uint16_t scheme, const uint8_t *content, size_t clen,
			 uint8_t *sig, size_t cap, size_t *sig_len) FTLS_MUST_CHECK;
enum ftls_err cp_cv_verify(EVP_PKEY *key, uint16_t scheme, const uint8_t *content, size_t clen,
			   const uint8_t *sig, size_t sig_len) FTLS_MUST_CHECK;
/* The signed content: 64 spaces, context string, 0, transcript hash. Returns its length. */
size_t cp_cv_content(bool server, const uint8_t *hash, size_t hlen, uint8_t *out);

#endif
