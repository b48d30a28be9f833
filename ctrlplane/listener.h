/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Builds the engine's view of a listener (struct cp_listener, ctrlplane/hs.h) from its config
 * section: versions, suites, groups and ALPN copied in preference order, certificate sets loaded
 * from their PEM files (a key that does not match its certificate, or any unreadable file, is an
 * error naming the file), the client CA bundle and CRL for client authentication. Not for: sockets (the standalone server) or the config file itself.
 */
#ifndef CP_LISTENER_H
#define CP_LISTENER_H

#include <stddef.h>

#include "common/config.h"
#include "ctrlplane/hs.h"

/* l and certs are the caller's; on error both are left empty and err says why. The client
 * authentication verifier (CA bundle, CRL) is built here too; cp_listener_release frees it and
 * the certificates. */
enum ftls_err cp_listener_build(const struct ftls_config *cfg, const struct ftls_cfg_listener *lc,
				struct ftls_crypto_dev *dev, struct cp_listener *l,
				struct cp_certs *certs, char *err, size_t err_len) FTLS_MUST_CHECK;
void cp_listener_release(struct cp_listener *l, struct cp_certs *certs);

#endif
