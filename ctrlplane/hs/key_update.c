/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * KeyUpdate (RFC 8446 §4.6.3), both directions, after the handshake. Receiving one ratchets the
 * client's application secret and hands out a new RX key install; if the client asked, we answer
 * with our own KeyUpdate (sealed by the record owner under the current TX key) and then hand out
 * the new TX key. Sending one on our own does the same for TX.
 */
#include <string.h>

#include "common/ct.h"
#include "ctrlplane/hs/hs_int.h"

enum { KU_NOT_REQUESTED = 0, KU_REQUESTED = 1 };

static enum ftls_err install(struct cp_hs *hs, enum ftls_dir dir, const uint8_t *secret)
{
	struct cp_hs_event ev;
	enum ftls_err err;

	memset(&ev, 0, sizeof(ev));
	ev.type = CP_HS_EV_KEY_INSTALL;
	if ((err = cp_ks_traffic_keys(hs->suite, secret, dir, &ev.ki)))
		return err;
	ev.ki.conn_id = hs->conn_id;
	err = cp_hs_event(hs, &ev);
	ftls_wipe(&ev, sizeof(ev));
	return err;
}

enum ftls_err cp_ku_send(struct cp_hs *hs, bool request)
{
	uint8_t m[5] = { FTLS_HS_KEY_UPDATE, 0, 0, 1, request ? KU_REQUESTED : KU_NOT_REQUESTED };
	enum ftls_err err;

	/* The KeyUpdate itself goes under the old key; the new key applies to what follows. */
	if ((err = cp_hs_send_protected(hs, FTLS_CT_HANDSHAKE, m, sizeof(m))) ||
	    (err = cp_ks_update(hs->md, hs->s_ap)))
		return err;
	return install(hs, FTLS_DIR_TX, hs->s_ap);
}

enum ftls_err cp_ku_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	enum ftls_err err;

	if (len != FTLS_HS_HDR_LEN + 1)
		return FTLS_ERR_DECODE;
	if (msg[4] != KU_NOT_REQUESTED && msg[4] != KU_REQUESTED)
		return FTLS_ERR_ILLEGAL_PARAMETER;
	if ((err = cp_ks_update(hs->md, hs->c_ap)) || (err = install(hs, FTLS_DIR_RX, hs->c_ap)))
		return err;
	if (msg[4] == KU_REQUESTED)
		return cp_ku_send(hs, false);
	return FTLS_OK;
}
