/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The shared-memory window between ftls-sim and the driver's sim bus (common/crypto_hw_bus_sim.c):
 * a file in /dev/shm (or hugetlbfs) mapped by both. Its first page is this header with the
 * register mailbox; the rest is DMA memory, and a DMA address is a byte offset into the window.
 * Plain C, also compiled as C++ by the simulator. Not for: the register map (hw/gen/ftls_regs.h).
 *
 * Mailbox protocol (one client process, the simulator the only consumer):
 *  - Register writes are posted into a ring of FTLS_SIM_MBOX_ENTRIES {addr, data} entries. The
 *    client writes the entry, then publishes it by storing wr_prod + 1 (release); the simulator
 *    applies at most one entry per clock, in order, zeroes it (key window writes leave no key
 *    bytes behind) and advances wr_cons (release).
 *  - A register read: the client stores rd_addr, then rd_req = rd_req + 1 (release) and waits
 *    until rd_resp equals rd_req (acquire), then reads rd_data. The simulator serves a read only
 *    when the write ring is empty, so a read returns after every earlier write has been applied.
 *  - DMA: the core's requests are served against the window: reads answer the next clock, writes
 *    are applied at once (every byte but the last, then the last with a release store, so the
 *    completion entry's phase byte is seen last) and acknowledged the next clock. An address
 *    below FTLS_SIM_HDR_SIZE or past the end of the window is a DMA error.
 *  - state goes 0 -> FTLS_SIM_READY when the simulator is serving and FTLS_SIM_STOPPED when it
 *    exits; a client may set quit to ask it to exit.
 *  - Several clients (devices opened by one or more processes) may share a window: the mailbox
 *    producer side is serialised by `lock` (an atomic exchange on the word), and the core's
 *    queues and key slots are claimed through q_owner[] and slot_owner[] (compare-and-swap from
 *    0 to the owner's token, pid << 8 | n; a token whose pid is gone may be taken over).
 */
#ifndef FTLS_SIM_WINDOW_H
#define FTLS_SIM_WINDOW_H

#include <stdint.h>

#define FTLS_SIM_MAGIC 0x4D495346u /* "FSIM" */
#define FTLS_SIM_WIN_VERSION 1u
#define FTLS_SIM_HDR_SIZE 4096u
#define FTLS_SIM_MBOX_ENTRIES 256u
#define FTLS_SIM_DEFAULT_PATH "/dev/shm/ftls-sim"
#define FTLS_SIM_MAX_QUEUES 16u
#define FTLS_SIM_MAX_SLOTS 256u

enum ftls_sim_state {
	FTLS_SIM_INIT = 0,
	FTLS_SIM_READY = 1,
	FTLS_SIM_STOPPED = 2,
};

struct ftls_sim_mbox_entry {
	uint32_t addr;
	uint32_t data;
};

struct ftls_sim_hdr {
	uint32_t magic;      /* FTLS_SIM_MAGIC, written last at start-up */
	uint32_t version;    /* FTLS_SIM_WIN_VERSION */
	uint64_t size;       /* window bytes */
	uint32_t state;      /* enum ftls_sim_state */
	uint32_t sim_pid;
	uint32_t quit;       /* client -> simulator: exit */
	uint32_t pad0[9];
	/* client-written (own cache line) */
	uint32_t wr_prod;
	uint32_t rd_req;
	uint32_t rd_addr;
	uint32_t lock;       /* mailbox producer lock: 0 free, 1 held */
	uint32_t pad1[12];
	/* simulator-written (own cache line) */
	uint32_t wr_cons;
	uint32_t rd_resp;
	uint32_t rd_data;
	uint32_t pad2[13];
	struct ftls_sim_mbox_entry mbox[FTLS_SIM_MBOX_ENTRIES];
	/* claims (client-written) */
	uint32_t q_owner[FTLS_SIM_MAX_QUEUES];
	uint32_t slot_owner[FTLS_SIM_MAX_SLOTS];
};

#ifndef __cplusplus
_Static_assert(sizeof(struct ftls_sim_hdr) <= FTLS_SIM_HDR_SIZE, "header fits its page");
#endif

#endif
