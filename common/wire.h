/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The ABI between the planes: fixed-layout, versioned messages that cross the control plane ->
 * dataplane rings. The key install is the only way traffic keys enter the dataplane: one message
 * per direction, carrying the keys, IV and the next record sequence number; handshake secrets never
 * cross. Layouts are pinned with static_assert so both processes agree byte for byte; a receiver
 * checks abi_version and size first and drops (and counts) anything else. Both processes run on
 * the same host, so integers are in host order. Not for: anything on the network wire (tls.h).
 */
#ifndef FTLS_WIRE_H
#define FTLS_WIRE_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

enum { FTLS_WIRE_ABI_VERSION = 1 };

/* Direction of a key install, seen from the appliance. */
enum ftls_dir {
	FTLS_DIR_RX = 0, /* records from the peer: opened */
	FTLS_DIR_TX = 1, /* records to the peer: sealed */
};

/* Message types on the rings (header of every message). */
enum ftls_msg_type {
	FTLS_MSG_KEY_INSTALL = 1,  /* down: struct ftls_key_install */
	FTLS_MSG_RECORDS = 2,      /* down: TLS records to send as they are */
	FTLS_MSG_CLOSE = 3,        /* down: close the connection (after an alert, if any) */
	FTLS_MSG_HS_RECORDS = 16,  /* up: handshake-layer records received */
	FTLS_MSG_EVENT = 17,       /* up: connection accepted / closed / reset */
};

struct ftls_key_install {
	uint16_t abi_version;   /* FTLS_WIRE_ABI_VERSION */
	uint16_t size;          /* sizeof(struct ftls_key_install) */
	uint16_t tls_version;   /* FTLS_V_TLS12 or FTLS_V_TLS13: nonce and AAD construction */
	uint16_t suite;         /* IANA cipher suite id: cipher, MAC, sizes */
	uint32_t conn_id;       /* the dataplane's connection handle */
	uint8_t dir;            /* enum ftls_dir */
	uint8_t key_len;
	uint8_t iv_len;         /* 12 (1.3, ChaCha), 4 (1.2 GCM salt), 0 (CBC) */
	uint8_t mac_key_len;    /* CBC suites only */
	uint64_t seq;           /* sequence number of the next record in this direction */
	uint8_t key[32];
	uint8_t iv[12];
	uint8_t mac_key[48];
	uint8_t reserved[12];   /* zero */
};

static_assert(sizeof(struct ftls_key_install) == 128, "key install is 128 bytes");
static_assert(offsetof(struct ftls_key_install, conn_id) == 8, "conn_id at 8");
static_assert(offsetof(struct ftls_key_install, dir) == 12, "dir at 12");
static_assert(offsetof(struct ftls_key_install, seq) == 16, "seq at 16");
static_assert(offsetof(struct ftls_key_install, key) == 24, "key at 24");
static_assert(offsetof(struct ftls_key_install, iv) == 56, "iv at 56");
static_assert(offsetof(struct ftls_key_install, mac_key) == 68, "mac_key at 68");
static_assert(offsetof(struct ftls_key_install, reserved) == 116, "reserved at 116");

#endif
