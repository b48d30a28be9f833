/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The bus under the hardware crypto driver (common/crypto_hw.c): the only thing that differs
 * between the `sim` backend (ftls-sim's shared window and mailbox, crypto_hw_bus_sim.c) and the
 * `fpga` backend (a PCI BAR through sysfs/UIO and hugepage DMA memory, crypto_hw_bus_fpga.c).
 * A bus gives 32-bit register access at BAR offsets and one block of DMA-able memory with its
 * device address. Not for: rings, descriptors or key slots (the driver owns those).
 */
#ifndef FTLS_CRYPTO_HW_H
#define FTLS_CRYPTO_HW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/err.h"

struct ftls_hw_bus;

/* What the `fpga` bus checks at attach: the card's PCI ids and the smallest BAR 0. */
enum {
	FTLS_HW_PCI_VENDOR = 0x10ee, /* the FPGA vendor's id, as the PCIe shell presents it */
	FTLS_HW_PCI_DEVICE = 0xf715, /* the ftls core (matches ID_VERSION.MAGIC) */
	FTLS_HW_BAR_MIN = 4096,      /* the register block: 12-bit offsets */
};

/*
 * DMA memory the device can reach: va in this process, iova the address the device uses; shared
 * when every device on the core sees the same block (the sim window), else it is this device's.
 */
struct ftls_hw_dma {
	uint8_t *va;
	uint64_t iova;
	size_t len;
	bool shared;
};

/*
 * Ownership words shared by every user of one device: q_owner[q] and slot_owner[s] are 0 when
 * free, else the owner's token (pid << 8 | n). Claimed with compare-and-swap; a token whose
 * process is gone may be taken over.
 */
struct ftls_hw_share {
	uint32_t *q_owner;
	uint32_t nq;
	uint32_t *slot_owner;
	uint32_t nslots;
};

struct ftls_hw_bus_ops {
	const char *name;
	/*
	 * Attaches to the device named path (NULL: the bus's default) and provides at least dma_len
	 * bytes of DMA memory. FTLS_ERR_DEVICE when there is no device.
	 */
	enum ftls_err (*attach)(const char *path, size_t dma_len, struct ftls_hw_bus **bus,
				struct ftls_hw_dma *dma);
	void (*detach)(struct ftls_hw_bus *bus);
	/* Posted register write; may wait a bounded time for room. FTLS_ERR_DEVICE if it cannot. */
	enum ftls_err (*write32)(struct ftls_hw_bus *bus, uint32_t off, uint32_t val);
	/* Posted register write that never waits: false when it could not be queued now. */
	bool (*try_write32)(struct ftls_hw_bus *bus, uint32_t off, uint32_t val);
	/* Register read, ordered after every earlier write; bounded wait, FTLS_ERR_DEVICE on timeout. */
	enum ftls_err (*read32)(struct ftls_hw_bus *bus, uint32_t off, uint32_t *val);
	/* The device's ownership words (see struct ftls_hw_share). */
	void (*share)(struct ftls_hw_bus *bus, struct ftls_hw_share *sh);
};

extern const struct ftls_hw_bus_ops ftls_hw_bus_sim;
extern const struct ftls_hw_bus_ops ftls_hw_bus_fpga;

#endif
