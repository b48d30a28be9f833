/* SPDX-License-Identifier: BSD-3-Clause */
/* The error table of err.def turned into lookups. */
#include "common/err.h"

#include "common/tls.h"

#define FTLS_ALERT_NONE (-1)

static const struct {
	const char *name;
	const char *text;
	int alert;
} err_table[] = {
#define FTLS_ERR(name, alert, text) { #name, text, FTLS_ALERT_##alert },
#include "common/err.def"
#undef FTLS_ERR
};

const char *ftls_err_str(enum ftls_err e)
{
	return (unsigned)e < FTLS_ERR__COUNT ? err_table[e].text : "unknown error";
}

const char *ftls_err_name(enum ftls_err e)
{
	return (unsigned)e < FTLS_ERR__COUNT ? err_table[e].name : "UNKNOWN";
}

int ftls_err_alert(enum ftls_err e)
{
	return (unsigned)e < FTLS_ERR__COUNT ? err_table[e].alert : FTLS_ALERT_INTERNAL_ERROR;
}
