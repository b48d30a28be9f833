/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `fpga` bus: the crypto core on a PCIe card. Registers are BAR 0, mapped from sysfs
 * (/sys/bus/pci/devices/<dev_path>/resource0, with the device bound to uio_pci_generic or
 * vfio-pci in no-IOMMU mode); DMA memory is one physically contiguous hugepage block whose
 * physical address (from /proc/self/pagemap, root only) is the device address. dev_path is a PCI
 * address ("0000:03:00.0") or a sysfs device directory. Without a card every step fails with
 * FTLS_ERR_DEVICE and a log line saying which. Not for: rings or descriptors (crypto_hw.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/crypto_hw.h"
#include "common/log.h"

enum { HUGE_2M = 2u << 20, FPGA_MAX_QUEUES = 64, FPGA_MAX_SLOTS = 4096 };

struct ftls_hw_bus {
	volatile uint8_t *bar;
	size_t bar_len;
	uint8_t *dma;
	size_t dma_len;
};

/* One process drives a card; every device opened in it shares these claims. */
static uint32_t q_owner[FPGA_MAX_QUEUES];
static uint32_t slot_owner[FPGA_MAX_SLOTS];

/* Physical address of a locked page of this process, 0 when unknown. */
static uint64_t virt_to_phys(const void *va)
{
	uint64_t ent = 0, pfn;
	long pg = sysconf(_SC_PAGESIZE);
	int fd = open("/proc/self/pagemap", O_RDONLY);

	if (fd < 0 || pg <= 0)
		goto out;
	if (pread(fd, &ent, sizeof(ent), (off_t)((uintptr_t)va / (uintptr_t)pg * sizeof(ent))) !=
	    (ssize_t)sizeof(ent))
		ent = 0;
out:
	if (fd >= 0)
		close(fd);
	if (!(ent & (1ull << 63)))
		return 0;
	pfn = ent & ((1ull << 55) - 1);
	return pfn ? pfn * (uint64_t)pg + (uintptr_t)va % (uintptr_t)pg : 0;
}

static enum ftls_err fpga_attach(const char *path, size_t dma_len, struct ftls_hw_bus **bus,
				 struct ftls_hw_dma *dma)
{
	struct ftls_hw_bus *b;
	char res[512];
	struct stat st;
	uint64_t phys;
	void *p;
	int fd;

	if (!path || !*path) {
		LOG_ERR("crypto-fpga", "no device: set the crypto dev_path to the card's PCI address");
		return FTLS_ERR_DEVICE;
	}
	if (strchr(path, '/'))
		snprintf(res, sizeof(res), "%s/resource0", path);
	else
		snprintf(res, sizeof(res), "/sys/bus/pci/devices/%s/resource0", path);
	fd = open(res, O_RDWR | O_SYNC);
	if (fd < 0) {
		LOG_ERR("crypto-fpga", "%s: %s (no card, or not bound to uio/vfio)", res, strerror(errno));
		return FTLS_ERR_DEVICE;
	}
	if (fstat(fd, &st) != 0 || st.st_size < 4096) {
		close(fd);
		return FTLS_ERR_DEVICE;
	}
	p = mmap(NULL, (size_t)st.st_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		LOG_ERR("crypto-fpga", "%s: mmap: %s", res, strerror(errno));
		return FTLS_ERR_DEVICE;
	}
	b = calloc(1, sizeof(*b));
	if (!b) {
		munmap(p, (size_t)st.st_size);
		return FTLS_ERR_NOMEM;
	}
	b->bar = p;
	b->bar_len = (size_t)st.st_size;
	b->dma_len = (dma_len + HUGE_2M - 1) / HUGE_2M * HUGE_2M;
	p = mmap(NULL, b->dma_len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_HUGETLB | MAP_LOCKED | MAP_POPULATE, -1, 0);
	if (p == MAP_FAILED) {
		LOG_ERR("crypto-fpga", "hugepage DMA memory (%zu bytes): %s", b->dma_len, strerror(errno));
		munmap((void *)(uintptr_t)b->bar, b->bar_len);
		free(b);
		return FTLS_ERR_DEVICE;
	}
	b->dma = p;
	memset(b->dma, 0, b->dma_len);
	phys = virt_to_phys(b->dma);
	/* Without an IOMMU the block must be physically contiguous: check every page. */
	for (size_t off = 0; phys && off < b->dma_len; off += HUGE_2M)
		if (virt_to_phys(b->dma + off) != phys + off)
			phys = 0;
	if (!phys) {
		LOG_ERR("crypto-fpga", "DMA memory is not physically contiguous or not resolvable");
		munmap(b->dma, b->dma_len);
		munmap((void *)(uintptr_t)b->bar, b->bar_len);
		free(b);
		return FTLS_ERR_DEVICE;
	}
	dma->va = b->dma;
	dma->iova = phys;
	dma->len = b->dma_len;
	*bus = b;
	return FTLS_OK;
}

static void fpga_detach(struct ftls_hw_bus *b)
{
	if (!b)
		return;
	munmap(b->dma, b->dma_len);
	munmap((void *)(uintptr_t)b->bar, b->bar_len);
	free(b);
}

static bool fpga_try_write32(struct ftls_hw_bus *b, uint32_t off, uint32_t val)
{
	if (off + 4 > b->bar_len)
		return false;
	/* Descriptors written before a doorbell must reach memory first. */
	__atomic_thread_fence(__ATOMIC_RELEASE);
	*(volatile uint32_t *)(b->bar + off) = val;
	return true;
}

static enum ftls_err fpga_write32(struct ftls_hw_bus *b, uint32_t off, uint32_t val)
{
	return fpga_try_write32(b, off, val) ? FTLS_OK : FTLS_ERR_DEVICE;
}

static enum ftls_err fpga_read32(struct ftls_hw_bus *b, uint32_t off, uint32_t *val)
{
	if (off + 4 > b->bar_len)
		return FTLS_ERR_DEVICE;
	*val = *(volatile uint32_t *)(b->bar + off);
	/* All ones: the card is gone (surprise removal, link down). */
	return *val == 0xffffffffu ? FTLS_ERR_DEVICE : FTLS_OK;
}

static void fpga_share(struct ftls_hw_bus *b, struct ftls_hw_share *sh)
{
	(void)b;
	sh->q_owner = q_owner;
	sh->nq = FPGA_MAX_QUEUES;
	sh->slot_owner = slot_owner;
	sh->nslots = FPGA_MAX_SLOTS;
}

const struct ftls_hw_bus_ops ftls_hw_bus_fpga = {
	.name = "fpga",
	.attach = fpga_attach,
	.detach = fpga_detach,
	.write32 = fpga_write32,
	.try_write32 = fpga_try_write32,
	.read32 = fpga_read32,
	.share = fpga_share,
};
