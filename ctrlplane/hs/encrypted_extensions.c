/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * EncryptedExtensions (RFC 8446 §4.3.1): the server's answers that need no key exchange context:
 * supported_groups (our preference, for the client's next connection), record_size_limit
 * (RFC 8449) when the client sent one, an empty server_name when SNI chose the certificate
 * (RFC 6066 §3), the selected ALPN protocol (RFC 7301). early_data is never accepted, so it is
 * never echoed. The server does not receive this message.
 */
#include <string.h>

#include "ctrlplane/hs/hs_int.h"

enum { OUR_RECORD_SIZE_LIMIT = FTLS_REC_MAX_PLAIN + 1 };   /* RFC 8449 §4: 2^14 + 1 in TLS 1.3 */

enum ftls_err cp_ee_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct ftls_buf b;
	struct ftls_buf_mark exts, e, l;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((err = cp_msg_begin(hs, FTLS_HS_ENCRYPTED_EXTENSIONS, &b)) ||
	    (err = ftls_buf_vec_open(&b, 2, &exts)))
		return err;
	if (hs->l->nb_groups) {
		if ((err = ftls_buf_put_u16(&b, FTLS_EXT_SUPPORTED_GROUPS)) ||
		    (err = ftls_buf_vec_open(&b, 2, &e)) || (err = ftls_buf_vec_open(&b, 2, &l)))
			return err;
		for (unsigned i = 0; i < hs->l->nb_groups; i++)
			if ((err = ftls_buf_put_u16(&b, hs->l->groups[i])))
				return err;
		if ((err = ftls_buf_vec_close(&b, &l)) || (err = ftls_buf_vec_close(&b, &e)))
			return err;
	}
	if (hs->peer_rsl &&
	    ((err = ftls_buf_put_u16(&b, FTLS_EXT_RECORD_SIZE_LIMIT)) ||
	     (err = ftls_buf_put_u16(&b, 2)) ||
	     (err = ftls_buf_put_u16(&b, OUR_RECORD_SIZE_LIMIT))))
		return err;
	if (hs->sni_ack &&
	    ((err = ftls_buf_put_u16(&b, FTLS_EXT_SERVER_NAME)) || (err = ftls_buf_put_u16(&b, 0))))
		return err;
	if (hs->alpn_idx >= 0) {
		const char *p = hs->l->alpn[hs->alpn_idx];
		if ((err = ftls_buf_put_u16(&b, FTLS_EXT_ALPN)) ||
		    (err = ftls_buf_vec_open(&b, 2, &e)) || (err = ftls_buf_vec_open(&b, 2, &l)) ||
		    (err = ftls_buf_put_vec(&b, 1, p, strlen(p))) ||
		    (err = ftls_buf_vec_close(&b, &l)) || (err = ftls_buf_vec_close(&b, &e)))
			return err;
	}
	if ((err = ftls_buf_vec_close(&b, &exts)))
		return err;
	return cp_msg_end(hs, &b);
}
