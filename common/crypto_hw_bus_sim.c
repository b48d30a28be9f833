/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `sim` bus: ftls-sim's shared window (sim/ftls_sim_window.h). Register writes go into the
 * window's posted-write ring, reads through its read slot; DMA memory is the window after its
 * header page, and a device address is the offset into the window. The window is named by
 * conf->dev_path, else env FTLS_SIM_WINDOW, else /dev/shm/ftls-sim. Several threads may share one
 * window (lcores ring their own doorbells), so the mailbox's producer side takes a spinlock.
 * Not for: anything the simulator does.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/crypto_hw.h"
#include "common/log.h"
#include "sim/ftls_sim_window.h"

enum { SIM_WAIT_MS = 2000 };

struct ftls_hw_bus {
	uint8_t *win;
	size_t size;
	struct ftls_sim_hdr *hdr;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* The mailbox lock lives in the window: devices in other threads and processes share it. */
static void lock(struct ftls_hw_bus *b)
{
	while (__atomic_exchange_n(&b->hdr->lock, 1, __ATOMIC_ACQUIRE))
		sched_yield();
}

static void unlock(struct ftls_hw_bus *b)
{
	__atomic_store_n(&b->hdr->lock, 0, __ATOMIC_RELEASE);
}

static bool sim_alive(const struct ftls_hw_bus *b)
{
	return __atomic_load_n(&b->hdr->state, __ATOMIC_ACQUIRE) == FTLS_SIM_READY;
}

static enum ftls_err sim_attach(const char *path, size_t dma_len, struct ftls_hw_bus **bus,
				struct ftls_hw_dma *dma)
{
	struct ftls_hw_bus *b;
	struct stat st;
	void *p;
	int fd;

	if (!path || !*path)
		path = getenv("FTLS_SIM_WINDOW");
	if (!path || !*path)
		path = FTLS_SIM_DEFAULT_PATH;
	fd = open(path, O_RDWR);
	if (fd < 0) {
		LOG_ERR("crypto-sim", "%s: %s (is ftls-sim running?)", path, strerror(errno));
		return FTLS_ERR_DEVICE;
	}
	if (fstat(fd, &st) != 0 || (size_t)st.st_size < FTLS_SIM_HDR_SIZE + dma_len) {
		LOG_ERR("crypto-sim", "%s: window too small for %zu bytes of rings", path, dma_len);
		close(fd);
		return FTLS_ERR_DEVICE;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED)
		return FTLS_ERR_DEVICE;
	b = calloc(1, sizeof(*b));
	if (!b) {
		munmap(p, (size_t)st.st_size);
		return FTLS_ERR_NOMEM;
	}
	b->win = p;
	b->size = (size_t)st.st_size;
	b->hdr = p;
	if (__atomic_load_n(&b->hdr->magic, __ATOMIC_ACQUIRE) != FTLS_SIM_MAGIC ||
	    b->hdr->version != FTLS_SIM_WIN_VERSION || b->hdr->size != b->size || !sim_alive(b)) {
		LOG_ERR("crypto-sim", "%s: no simulator serving this window", path);
		munmap(p, b->size);
		free(b);
		return FTLS_ERR_DEVICE;
	}
	dma->va = b->win + FTLS_SIM_HDR_SIZE;
	dma->iova = FTLS_SIM_HDR_SIZE;
	dma->len = b->size - FTLS_SIM_HDR_SIZE;
	dma->shared = true;
	*bus = b;
	return FTLS_OK;
}

static void sim_detach(struct ftls_hw_bus *b)
{
	if (!b)
		return;
	munmap(b->win, b->size);
	free(b);
}

/* Caller holds the lock. */
static bool push(struct ftls_hw_bus *b, uint32_t off, uint32_t val)
{
	struct ftls_sim_hdr *h = b->hdr;
	uint32_t prod = h->wr_prod;

	if (prod - __atomic_load_n(&h->wr_cons, __ATOMIC_ACQUIRE) >= FTLS_SIM_MBOX_ENTRIES)
		return false;
	h->mbox[prod % FTLS_SIM_MBOX_ENTRIES].addr = off;
	h->mbox[prod % FTLS_SIM_MBOX_ENTRIES].data = val;
	__atomic_store_n(&h->wr_prod, prod + 1, __ATOMIC_RELEASE);
	return true;
}

static bool sim_try_write32(struct ftls_hw_bus *b, uint32_t off, uint32_t val)
{
	bool ok;

	lock(b);
	ok = push(b, off, val);
	unlock(b);
	return ok;
}

static enum ftls_err sim_write32(struct ftls_hw_bus *b, uint32_t off, uint32_t val)
{
	uint64_t t0 = now_ms();

	while (!sim_try_write32(b, off, val)) {
		if (!sim_alive(b) || now_ms() - t0 > SIM_WAIT_MS)
			return FTLS_ERR_DEVICE;
		sched_yield();
	}
	return FTLS_OK;
}

static enum ftls_err sim_read32(struct ftls_hw_bus *b, uint32_t off, uint32_t *val)
{
	struct ftls_sim_hdr *h = b->hdr;
	uint64_t t0 = now_ms();
	uint32_t req;
	unsigned spins = 0;

	lock(b);
	h->rd_addr = off;
	req = h->rd_req + 1;
	__atomic_store_n(&h->rd_req, req, __ATOMIC_RELEASE);
	while (__atomic_load_n(&h->rd_resp, __ATOMIC_ACQUIRE) != req) {
		if (++spins % 1024 == 0) {
			if (!sim_alive(b) || now_ms() - t0 > SIM_WAIT_MS) {
				unlock(b);
				return FTLS_ERR_DEVICE;
			}
			sched_yield();
		}
	}
	*val = h->rd_data;
	unlock(b);
	return FTLS_OK;
}

static void sim_share(struct ftls_hw_bus *b, struct ftls_hw_share *sh)
{
	sh->q_owner = b->hdr->q_owner;
	sh->nq = FTLS_SIM_MAX_QUEUES;
	sh->slot_owner = b->hdr->slot_owner;
	sh->nslots = FTLS_SIM_MAX_SLOTS;
}

const struct ftls_hw_bus_ops ftls_hw_bus_sim = {
	.name = "sim",
	.attach = sim_attach,
	.detach = sim_detach,
	.write32 = sim_write32,
	.try_write32 = sim_try_write32,
	.read32 = sim_read32,
	.share = sim_share,
};
