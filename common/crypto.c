/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The registry of crypto backends: a name -> ops table, consulted once at start-up. Adding a
 * backend is one line in each of the two lists below (kept in the same order; a static_assert
 * holds their lengths together and the unit tests check the names match). Not for: anything on
 * the record path (callers keep the device and go through its ops table).
 */
#include "common/crypto.h"

#include <assert.h>
#include <string.h>

static const struct ftls_crypto_ops *const backends[] = {
	&ftls_crypto_cpu_ops,
	&ftls_crypto_sim_ops,
	&ftls_crypto_fpga_ops,
};

static const char *const backend_names[] = {
	"cpu",
	"sim",
	"fpga",
	NULL,
};

static_assert(sizeof(backend_names) / sizeof(backend_names[0]) ==
		      sizeof(backends) / sizeof(backends[0]) + 1,
	      "one name per backend, then NULL");

enum ftls_err ftls_crypto_open(const char *name, const struct ftls_crypto_conf *conf,
			       struct ftls_crypto_dev **dev)
{
	if (!name || !conf || !dev)
		return FTLS_ERR_INVAL;
	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++)
		if (strcmp(backends[i]->name, name) == 0)
			return backends[i]->open(conf, dev);
	return FTLS_ERR_NOT_FOUND;
}

const char *const *ftls_crypto_backends(void)
{
	return backend_names;
}
