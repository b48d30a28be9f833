/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Errors that carry the TLS alert to send. Every fallible function in ftls returns an
 * enum ftls_err (FTLS_OK is zero) and is marked FTLS_MUST_CHECK so the compiler refuses a call
 * whose result is dropped. The alert for an error comes from one table (err.def), so a protocol
 * error is mapped to its alert in exactly one place. Not for: logging (log.h) or alert wire codes
 * (tls.h).
 */
#ifndef FTLS_ERR_H
#define FTLS_ERR_H

#include <stdint.h>

#define FTLS_MUST_CHECK __attribute__((warn_unused_result))

enum ftls_err {
#define FTLS_ERR(name, alert, text) FTLS_ERR_##name,
#include "common/err.def"
#undef FTLS_ERR
	FTLS_ERR__COUNT
};
#define FTLS_OK FTLS_ERR_OK

/* Short human text of an error ("record failed authentication"). Never NULL. */
const char *ftls_err_str(enum ftls_err e);
/* Symbolic name ("BAD_RECORD_MAC"). Never NULL. */
const char *ftls_err_name(enum ftls_err e);
/*
 * The alert description (RFC 8446 §6) to send for an error, or -1 for errors that end no
 * connection by themselves (OK, AGAIN, FULL, PEER_ALERT, CLOSED, TIMEOUT).
 */
int ftls_err_alert(enum ftls_err e);

#endif
