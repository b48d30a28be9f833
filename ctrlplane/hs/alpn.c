/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ALPN (RFC 7301), server side: the listener's protocols in its own preference order against the
 * client's list; the first of ours the client offers wins, none is no_application_protocol, and a
 * listener without protocols (or a client without the extension) negotiates nothing. The answer
 * goes out in EncryptedExtensions (encrypted_extensions.c). Not for: parsing the client's list
 * (client_hello.c checks its shape).
 */
#include <string.h>

#include "ctrlplane/hs/hs_int.h"

enum ftls_err cp_alpn_select(struct cp_hs *hs, const struct cp_ch *ch)
{
	hs->alpn_idx = -1;
	if (!ch->has_alpn || hs->l->nb_alpn == 0)
		return FTLS_OK;   /* RFC 7301 §3.2: no list configured, nothing to say */
	for (unsigned i = 0; i < hs->l->nb_alpn; i++) {
		size_t n = strlen(hs->l->alpn[i]);
		struct ftls_buf list = ch->alpn, p;
		while (ftls_buf_get_vec8(&list, &p) == FTLS_OK)
			if (ftls_buf_remaining(&p) == n &&
			    memcmp(ftls_buf_cur(&p), hs->l->alpn[i], n) == 0) {
				hs->alpn_idx = (int)i;
				return FTLS_OK;
			}
	}
	return FTLS_ERR_NO_APPLICATION_PROTOCOL;
}
