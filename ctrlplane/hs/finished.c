/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Finished (RFC 8446 §4.4.4), both directions. Sending ours closes the server's flight: the
 * master secret and application traffic secrets follow, and our write key moves to the server
 * application key. Receiving the client's checks verify_data in constant time (decrypt_error),
 * then hands the application keys out as key installs and completes the handshake.
 */
#include <string.h>

#include "common/ct.h"
#include "ctrlplane/hs/hs_int.h"

enum ftls_err cp_fin_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t hash[CP_HASH_MAX], vd[CP_HASH_MAX];
	struct ftls_buf b;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((err = cp_tr_hash(&hs->tr, hash)) ||
	    (err = cp_ks_finished(hs->md, hs->s_hs, hash, vd)) ||
	    (err = cp_msg_begin(hs, FTLS_HS_FINISHED, &b)) ||
	    (err = ftls_buf_put_bytes(&b, vd, hs->hlen)) || (err = cp_msg_end(hs, &b)) ||
	    (err = cp_hs_flush(hs)))
		goto out;
	/* §7.1: master secret; application secrets over ClientHello..server Finished. */
	if ((err = cp_ks_next_stage(hs->md, hs->stage, NULL, 0)) ||
	    (err = cp_tr_hash(&hs->tr, hash)) ||
	    (err = cp_ks_derive(hs->md, hs->stage, "c ap traffic", hash, hs->c_ap)) ||
	    (err = cp_ks_derive(hs->md, hs->stage, "s ap traffic", hash, hs->s_ap)))
		goto out;
	/* From here our alerts go out under the server application key, as the client expects. */
	err = cp_hs_set_key(hs, FTLS_DIR_TX, hs->s_ap);
out:
	ftls_wipe(vd, sizeof(vd));
	return err;
}

enum ftls_err cp_fin_recv(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	uint8_t hash[CP_HASH_MAX], vd[CP_HASH_MAX];
	struct cp_hs_event ev;
	enum ftls_err err;

	if (len != FTLS_HS_HDR_LEN + hs->hlen)
		return FTLS_ERR_DECODE;
	if ((err = cp_tr_hash(&hs->tr, hash)) || (err = cp_ks_finished(hs->md, hs->c_hs, hash, vd)))
		goto out;
	if (!ftls_ct_eq(vd, msg + FTLS_HS_HDR_LEN, hs->hlen)) {
		err = FTLS_ERR_DECRYPT_ERROR;
		goto out;
	}
	if ((err = cp_tr_add(&hs->tr, msg, len)))
		goto out;
	/* Hand the application keys to the record owner: TX continues from our sequence number. */
	memset(&ev, 0, sizeof(ev));
	ev.type = CP_HS_EV_KEY_INSTALL;
	if ((err = cp_ks_traffic_keys(hs->suite, hs->s_ap, FTLS_DIR_TX, &ev.ki)))
		goto out;
	ev.ki.conn_id = hs->conn_id;
	ev.ki.seq = hs->tx.seq;
	if ((err = cp_hs_event(hs, &ev)))
		goto out;
	if ((err = cp_ks_traffic_keys(hs->suite, hs->c_ap, FTLS_DIR_RX, &ev.ki)))
		goto out;
	ev.ki.conn_id = hs->conn_id;
	ev.ki.seq = 0;
	if ((err = cp_hs_event(hs, &ev)))
		goto out;
	memset(&ev, 0, sizeof(ev));
	ev.type = CP_HS_EV_DONE;
	if ((err = cp_hs_event(hs, &ev)))
		goto out;
	/* §4.6.1: tickets for resumption, sealed by the record owner under the new key. */
	err = cp_nst13_send_all(hs);
out:
	ftls_wipe(vd, sizeof(vd));
	return err;
}
