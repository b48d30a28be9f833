/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Standalone mode: ftls terminating TLS over the kernel's TCP, without DPDK. One thread, epoll,
 * many connections; each connection runs the handshake engine, installs its key installs into its
 * own record directions on the configured crypto backend, and answers as the listener's responder
 * (echo, or HTTP/1.1 with keep-alive serving GET /bytes/N). How the engine meets real clients
 * before the dataplane carries it, and a software-only way to run ftls.
 */
#ifndef CP_STANDALONE_H
#define CP_STANDALONE_H

#include "common/config.h"
#include "common/err.h"

/*
 * Runs until SIGINT/SIGTERM. 0: clean stop; 2: a listener's certificates or keys are unusable
 * (a config error); 1: anything else that kept it from starting.
 */
int cp_standalone_run(const struct ftls_config *cfg);

#endif
