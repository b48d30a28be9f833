/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Certificate (RFC 8446 §4.4.2), server side: the chain chosen for this handshake, whose body was
 * encoded once when the listener loaded it (ctrlplane/cert.c). The TLS 1.2 Certificate is in
 * tls12.c, the client's Certificate (both versions) in client_auth.c.
 */
#include "ctrlplane/hs/hs_int.h"

enum ftls_err cp_cert_send(struct cp_hs *hs, const uint8_t *msg, size_t len)
{
	struct ftls_buf b;
	enum ftls_err err;

	(void)msg;
	(void)len;
	if ((err = cp_msg_begin(hs, FTLS_HS_CERTIFICATE, &b)) ||
	    (err = ftls_buf_put_bytes(&b, hs->chain->cert_msg, hs->chain->cert_msg_len)))
		return err;
	return cp_msg_end(hs, &b);
}
