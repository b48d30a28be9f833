/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer target: the session state decoder (ctrlplane/resume/ticket.h), which reads what a
 * ticket carries after decryption, and cp_ticket_open on the same bytes as a ticket from the wire.
 * Oracles: a state that decodes re-encodes to exactly the input (the encoding is canonical), and
 * sealed under a ticket key it opens back to the same state; cp_ticket_open never accepts bytes
 * not sealed by its keys (a forged tag would be a crash here). Not for: the session cache.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "common/buf.h"
#include "ctrlplane/resume/ticket.h"

static struct cp_ticket_keys *keys;

static uint64_t fixed_clock(void *arg)
{
	(void)arg;
	return 1000;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t out[CP_SESS_STATE_MAX], ticket[CP_TICKET_MAX_LEN];
	struct cp_sess_state st, back;
	struct ftls_buf r, w;
	size_t tl;
	bool renew;

	if (!keys) {
		struct cp_ticket_conf conf = { .period = 3600, .now = fixed_clock };

		if (cp_ticket_keys_create(&conf, &keys) != FTLS_OK)
			abort();
	}
	/* As a ticket off the wire: never accepted, since nobody here sealed it. */
	if (cp_ticket_open(keys, data, size, &back, &renew) == FTLS_OK)
		abort();

	ftls_buf_init_ro(&r, data, size);
	if (cp_sess_state_decode(&r, &st) != FTLS_OK)
		return 0;
	ftls_buf_init(&w, out, sizeof(out));
	if (cp_sess_state_encode(&st, &w) != FTLS_OK || w.len != size || memcmp(out, data, size))
		abort();
	/* Sealed now, it opens back (unless the state's own times make it expired, which is the
	 * only allowed refusal). */
	st.created = 1000;
	if (cp_ticket_seal(keys, &st, ticket, sizeof(ticket), &tl) != FTLS_OK)
		abort();
	if (cp_ticket_open(keys, ticket, tl, &back, &renew) != FTLS_OK || renew ||
	    back.suite != st.suite || back.secret_len != st.secret_len ||
	    memcmp(back.secret, st.secret, st.secret_len) || back.identity_len != st.identity_len)
		abort();
	return 0;
}
