/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The `fpga` bus: the crypto core on a PCIe card. dev_path names the card: a PCI address
 * ("0000:03:00.0", looked up under /sys/bus/pci/devices) or a sysfs-like device directory; when it
 * is empty, env FTLS_FPGA_DEV. The bus checks the directory's `vendor` and `device` files
 * (FTLS_HW_PCI_VENDOR/DEVICE) and maps `resource0` (BAR 0, at least FTLS_HW_BAR_MIN bytes; the
 * device bound to vfio-pci in no-IOMMU mode or uio_pci_generic). DMA memory is a file on hugetlbfs
 * (the first hugetlbfs mount, or env FTLS_FPGA_HUGEDIR) whose 2 MiB pages are mapped in physical
 * order, so the block is physically contiguous; its physical address (from /proc/self/pagemap,
 * root only) is the device address. Every failed step is FTLS_ERR_DEVICE with a log line saying
 * which. Not for: rings or descriptors (crypto_hw.c).
 *
 * Implementation notes.
 *  - Without an IOMMU the card addresses physical memory, and the driver's block must be one
 *    physically contiguous run. The bus creates the file with the pages it needs and reads their
 *    physical addresses; the pages are mapped in physical order at one virtual range, so any
 *    order will do as long as they form one run. A fragmented pool rarely hands out a run: then
 *    a probe file takes many free pages, a run is found among them, exactly those pages are
 *    given back (the pool hands out the most recently freed pages first) and the DMA file is
 *    filled again; the probe file is then removed. Tried with a few probe sizes up to every free
 *    page; failing that, FTLS_ERR_DEVICE.
 *  - The file is named ftls-dma-<pid>-<n> and removed at detach; files of processes that are gone
 *    are removed at the next attach. ftls-sim --pci maps these files to play the card's DMA.
 *  - An all-ones register read means the card is gone (surprise removal, link down): read32 fails.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include "common/crypto_hw.h"
#include "common/log.h"

enum {
	HUGE_2M = 2u << 20,
	FPGA_MAX_QUEUES = 64,
	FPGA_MAX_SLOTS = 4096,
	MAX_PAGES = 1024,
	HUGETLBFS_MAGIC_ = 0x958458f6,
};

struct ftls_hw_bus {
	volatile uint8_t *bar;
	size_t bar_len;
	uint8_t *dma;
	size_t dma_len;
	char dma_file[600];
};

/* One process drives a card; every device opened in it shares these claims. */
static uint32_t q_owner[FPGA_MAX_QUEUES];
static uint32_t slot_owner[FPGA_MAX_SLOTS];

/* Physical address of a present page of this process, 0 when unknown. */
static uint64_t virt_to_phys(int pm, const void *va)
{
	uint64_t ent = 0, pfn;
	long pg = sysconf(_SC_PAGESIZE);

	if (pm < 0 || pg <= 0 ||
	    pread(pm, &ent, sizeof(ent), (off_t)((uintptr_t)va / (uintptr_t)pg * sizeof(ent))) !=
		    (ssize_t)sizeof(ent))
		return 0;
	if (!(ent & (1ull << 63)))
		return 0;
	pfn = ent & ((1ull << 55) - 1);
	return pfn ? pfn * (uint64_t)pg + (uintptr_t)va % (uintptr_t)pg : 0;
}

/* Reads a sysfs hex id file ("0x10ee\n"); -1 when missing or malformed. */
static long read_id(const char *dir, const char *name)
{
	char p[512], buf[32];
	ssize_t n;
	char *end;
	long v;
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_RDONLY);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	v = strtol(buf, &end, 16);
	return end == buf || v < 0 || v > 0xffff ? -1 : v;
}

/* The hugetlbfs directory for DMA files: env FTLS_FPGA_HUGEDIR, else the first 2 MiB mount. */
static int huge_dir(char *out, size_t len)
{
	const char *env = getenv("FTLS_FPGA_HUGEDIR");
	char line[1024], dev[256], mnt[512], type[64], opts[512];
	FILE *f;

	if (env && *env) {
		snprintf(out, len, "%s", env);
		return 0;
	}
	f = fopen("/proc/mounts", "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %511s %63s %511s", dev, mnt, type, opts) == 4 &&
		    strcmp(type, "hugetlbfs") == 0 && (!strstr(opts, "pagesize=") || strstr(opts, "pagesize=2M"))) {
			snprintf(out, len, "%s", mnt);
			fclose(f);
			return 0;
		}
	fclose(f);
	return -1;
}

/* Removes DMA files left by processes that are gone (their hugepages return to the pool). */
static void remove_stale(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char p[800];
		long pid;

		if (strncmp(e->d_name, "ftls-dma-", 9) == 0)
			pid = strtol(e->d_name + 9, NULL, 10);
		else if (strncmp(e->d_name, "ftls-probe-", 11) == 0)
			pid = strtol(e->d_name + 11, NULL, 10);
		else
			continue;
		if (pid > 0 && kill((pid_t)pid, 0) != 0 && errno == ESRCH) {
			snprintf(p, sizeof(p), "%s/%s", dir, e->d_name);
			unlink(p);
		}
	}
	closedir(d);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = ((const uint64_t *)a)[0], y = ((const uint64_t *)b)[0];

	return x < y ? -1 : x > y;
}

/*
 * Creates the DMA file with `have` pages and looks for `need` pages forming one physical run.
 * On success maps them in physical order into b->dma and returns the run's physical address.
 */
static uint64_t try_contig(struct ftls_hw_bus *b, int fd, int pm, size_t need, size_t have,
			   bool *no_mem)
{
	uint64_t (*pg)[2] = NULL; /* {phys, file page} sorted by phys */
	uint8_t *all, *va = NULL;
	uint64_t phys = 0;
	size_t run = 0, start = 0;
	void *res;

	if (ftruncate(fd, (off_t)(have * HUGE_2M)) != 0)
		return 0;
	all = mmap(NULL, have * HUGE_2M, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (all == MAP_FAILED) {
		LOG_ERR("crypto-fpga", "hugepage DMA memory (%zu pages of 2 MiB): %s", have,
			strerror(errno));
		*no_mem = true;
		return 0;
	}
	pg = calloc(have, sizeof(*pg));
	if (!pg)
		goto out;
	for (size_t i = 0; i < have; i++) {
		all[i * HUGE_2M] = 0; /* present in this process, so pagemap has it */
		pg[i][0] = virt_to_phys(pm, all + i * HUGE_2M);
		pg[i][1] = i;
		if (!pg[i][0]) {
			LOG_ERR("crypto-fpga", "DMA memory: physical address not resolvable (not root?)");
			goto out;
		}
	}
	qsort(pg, have, sizeof(*pg), cmp_u64);
	for (size_t i = 0; i < have && run < need; i++) {
		if (i && pg[i][0] == pg[i - 1][0] + HUGE_2M) {
			run++;
		} else {
			run = 1;
			start = i;
		}
	}
	if (run < need)
		goto out;
	/* hugetlbfs mappings need 2 MiB-aligned addresses: reserve one page more and align. */
	res = mmap(NULL, (need + 1) * HUGE_2M, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	if (res == MAP_FAILED)
		goto out;
	va = (uint8_t *)(((uintptr_t)res + HUGE_2M - 1) & ~(uintptr_t)(HUGE_2M - 1));
	if ((uint8_t *)res < va)
		munmap(res, (size_t)(va - (uint8_t *)res));
	munmap(va + need * HUGE_2M, (size_t)((uint8_t *)res + (need + 1) * HUGE_2M - (va + need * HUGE_2M)));
	for (size_t j = 0; j < need; j++)
		if (mmap(va + j * HUGE_2M, HUGE_2M, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd,
			 (off_t)(pg[start + j][1] * HUGE_2M)) == MAP_FAILED) {
			munmap(va, need * HUGE_2M);
			goto out;
		}
	phys = pg[start][0];
	/* Check the result as mapped: every page where the run says. */
	for (size_t j = 0; j < need && phys; j++) {
		va[j * HUGE_2M] = 0;
		if (virt_to_phys(pm, va + j * HUGE_2M) != phys + j * HUGE_2M)
			phys = 0;
	}
	if (!phys) {
		munmap(va, need * HUGE_2M);
		goto out;
	}
	b->dma = va;
	b->dma_len = need * HUGE_2M;
out:
	free(pg);
	munmap(all, have * HUGE_2M);
	return phys;
}

/* Free 2 MiB hugepages in the pool (HugePages_Free), 0 if unknown. */
static size_t free_huge(void)
{
	FILE *f = fopen("/proc/meminfo", "r");
	char line[256];
	unsigned long v = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "HugePages_Free: %lu", &v) == 1)
			break;
	fclose(f);
	return v;
}

/*
 * Takes k free pages into a probe file, finds `need` of them forming one physical run and gives
 * exactly those back to the pool. True if it found a run.
 */
static bool free_run(const char *probe, int pm, size_t need, size_t k)
{
	uint64_t (*pg)[2] = NULL;
	size_t run = 0, start = 0;
	uint8_t *all;
	bool ok = false;
	int fd = open(probe, O_RDWR | O_CREAT | O_TRUNC, 0600);

	if (fd < 0)
		return false;
	if (ftruncate(fd, (off_t)(k * HUGE_2M)) != 0)
		goto out;
	all = mmap(NULL, k * HUGE_2M, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
	if (all == MAP_FAILED)
		goto out;
	pg = calloc(k, sizeof(*pg));
	for (size_t i = 0; pg && i < k; i++) {
		all[i * HUGE_2M] = 0;
		pg[i][0] = virt_to_phys(pm, all + i * HUGE_2M);
		pg[i][1] = i;
	}
	munmap(all, k * HUGE_2M);
	if (!pg)
		goto out;
	qsort(pg, k, sizeof(*pg), cmp_u64);
	for (size_t i = 0; i < k && run < need; i++) {
		if (i && pg[i][0] && pg[i][0] == pg[i - 1][0] + HUGE_2M) {
			run++;
		} else {
			run = 1;
			start = i;
		}
	}
	if (run == need) {
		ok = true;
		for (size_t j = 0; j < need; j++)
			if (fallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
				      (off_t)(pg[start + j][1] * HUGE_2M), HUGE_2M) != 0)
				ok = false;
	}
out:
	free(pg);
	close(fd);
	return ok;
}

static enum ftls_err FTLS_MUST_CHECK alloc_dma(struct ftls_hw_bus *b, size_t dma_len,
					       uint64_t *iova)
{
	static unsigned seq;
	size_t need = (dma_len + HUGE_2M - 1) / HUGE_2M;
	char dir[512];
	struct statfs sf;
	uint64_t phys = 0;
	bool no_mem = false;
	int fd, pm;

	if (need == 0)
		need = 1;
	if (huge_dir(dir, sizeof(dir)) != 0) {
		LOG_ERR("crypto-fpga", "no hugetlbfs mount for DMA memory (mount one, reserve hugepages)");
		return FTLS_ERR_DEVICE;
	}
	if (statfs(dir, &sf) != 0 || (unsigned long)sf.f_type != (unsigned long)HUGETLBFS_MAGIC_) {
		LOG_ERR("crypto-fpga", "%s: not a hugetlbfs mount: no hugepage DMA memory", dir);
		return FTLS_ERR_DEVICE;
	}
	remove_stale(dir);
	snprintf(b->dma_file, sizeof(b->dma_file), "%s/ftls-dma-%d-%u", dir, (int)getpid(),
		 __atomic_add_fetch(&seq, 1, __ATOMIC_RELAXED));
	fd = open(b->dma_file, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0) {
		LOG_ERR("crypto-fpga", "%s: %s", b->dma_file, strerror(errno));
		b->dma_file[0] = 0;
		return FTLS_ERR_DEVICE;
	}
	pm = open("/proc/self/pagemap", O_RDONLY);
	phys = try_contig(b, fd, pm, need, need, &no_mem);
	/* Not one run: find one among more free pages, give exactly those back, take them again. */
	for (int attempt = 0; attempt < 4 && !phys && !no_mem; attempt++) {
		static const size_t mult[] = { 8, 32, 128, 0 };
		size_t avail = free_huge() + need, k = mult[attempt] ? mult[attempt] * need + 16 : avail;
		char probe[640];

		if (k > avail)
			k = avail;
		if (k > MAX_PAGES)
			k = MAX_PAGES;
		if (ftruncate(fd, 0) != 0 || k < need)
			break;
		snprintf(probe, sizeof(probe), "%s/ftls-probe-%d", dir, (int)getpid());
		if (free_run(probe, pm, need, k))
			phys = try_contig(b, fd, pm, need, need, &no_mem);
		unlink(probe);
	}
	if (pm >= 0)
		close(pm);
	close(fd);
	if (!phys) {
		if (!no_mem)
			LOG_ERR("crypto-fpga", "no physically contiguous run of %zu hugepages for DMA memory",
				need);
		unlink(b->dma_file);
		b->dma_file[0] = 0;
		return FTLS_ERR_DEVICE;
	}
	memset(b->dma, 0, b->dma_len);
	*iova = phys;
	return FTLS_OK;
}

static void fpga_detach(struct ftls_hw_bus *b)
{
	if (!b)
		return;
	if (b->dma)
		munmap(b->dma, b->dma_len);
	if (b->dma_file[0])
		unlink(b->dma_file);
	if (b->bar)
		munmap((void *)(uintptr_t)b->bar, b->bar_len);
	free(b);
}

static enum ftls_err fpga_attach(const char *path, size_t dma_len, struct ftls_hw_bus **bus,
				 struct ftls_hw_dma *dma)
{
	struct ftls_hw_bus *b;
	char dir[512], res[600];
	struct stat st;
	long vendor, device;
	uint64_t iova;
	void *p;
	int fd;

	if (!path || !*path)
		path = getenv("FTLS_FPGA_DEV");
	if (!path || !*path) {
		LOG_ERR("crypto-fpga", "no device: set the crypto dev_path to the card's PCI address");
		return FTLS_ERR_DEVICE;
	}
	if (strchr(path, '/'))
		snprintf(dir, sizeof(dir), "%s", path);
	else
		snprintf(dir, sizeof(dir), "/sys/bus/pci/devices/%s", path);
	vendor = read_id(dir, "vendor");
	device = read_id(dir, "device");
	if (vendor < 0 || device < 0) {
		LOG_ERR("crypto-fpga", "%s: no PCI device there (no vendor/device id)", dir);
		return FTLS_ERR_DEVICE;
	}
	if (vendor != FTLS_HW_PCI_VENDOR || device != FTLS_HW_PCI_DEVICE) {
		LOG_ERR("crypto-fpga", "%s: device %04lx:%04lx is not an ftls card (%04x:%04x)", dir,
			vendor, device, FTLS_HW_PCI_VENDOR, FTLS_HW_PCI_DEVICE);
		return FTLS_ERR_DEVICE;
	}
	snprintf(res, sizeof(res), "%s/resource0", dir);
	fd = open(res, O_RDWR | O_SYNC);
	if (fd < 0) {
		LOG_ERR("crypto-fpga", "%s: %s (not bound to uio/vfio, or not root)", res, strerror(errno));
		return FTLS_ERR_DEVICE;
	}
	if (fstat(fd, &st) != 0 || st.st_size < FTLS_HW_BAR_MIN) {
		LOG_ERR("crypto-fpga", "%s: BAR 0 is %lld bytes, the register block needs %u", res,
			(long long)st.st_size, FTLS_HW_BAR_MIN);
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
	if (alloc_dma(b, dma_len, &iova) != FTLS_OK) {
		fpga_detach(b);
		return FTLS_ERR_DEVICE;
	}
	dma->va = b->dma;
	dma->iova = iova;
	dma->len = b->dma_len;
	dma->shared = false;
	*bus = b;
	return FTLS_OK;
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
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
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
