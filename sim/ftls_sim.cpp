// SPDX-License-Identifier: BSD-3-Clause
// ftls-sim: the Verilated crypto core (hw/rtl/ftls_crypto_top.sv) served as a simulated card. It
// creates the shared window (sim/ftls_sim_window.h), applies the driver's register accesses from
// the mailbox between clock edges, serves the core's DMA requests against the window, and runs
// cycle by cycle until it is told to stop (SIGINT, SIGTERM or the window's quit flag); then it
// prints a report: cycles, busy cycles, descriptors, bytes, bits per busy clock and its own speed.
// --trace FILE writes an FST waveform. Not for: anything the driver does (common/crypto_hw.c).
//
// --pci DIR: instead of the window, the simulator plays a PCIe card to the `fpga` bus. DIR is a
// sysfs-like device directory (vendor, device, resource0 = the BAR image, a shared file); the
// simulator watches the image and applies the host's writes to the core's register port, keeps
// the readable registers current in it, and serves the core's DMA against the host's hugepage
// files (hugetlbfs ftls-dma-*), whose physical addresses it learns from its own pagemap. See
// sim/README.md for what this emulation does and does not model.
//
// SIGUSR1 pulses rst_ni (a card reset in the middle of traffic). With --pci, SIGUSR2 removes the
// card (the BAR reads all ones, no DMA, no clock) and a second SIGUSR2 puts a fresh one back.
//
// Idle: when the core is idle and the mailbox empty for a while, the simulator sleeps between
// polls instead of ticking, so an idle card costs no CPU; cycles are counted only when ticked.
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <deque>
#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

#include "Vftls_crypto_top.h"
#include "hw/gen/ftls_regs.h"
#include "sim/ftls_sim_window.h"
#include "verilated.h"
#include "verilated_fst_c.h"

static volatile sig_atomic_t g_stop, g_reset, g_remove;
static sigjmp_buf g_bus_jmp; // a host file truncated under our feet while we look at it
static volatile sig_atomic_t g_bus_armed;

static void on_sigbus(int sig)
{
	(void)sig;
	if (g_bus_armed)
		siglongjmp(g_bus_jmp, 1);
	signal(SIGBUS, SIG_DFL);
	raise(SIGBUS);
}

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		g_reset = 1;
	else if (sig == SIGUSR2)
		g_remove = 1;
	else
		g_stop = 1;
}

// The card's PCI ids (common/crypto_hw.h, which is C: kept equal here).
static const unsigned PCI_VENDOR = 0x10ee, PCI_DEVICE = 0xf715;
static const size_t HUGE_2M = 2u << 20;

static double now_s()
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

struct rd_resp {
	uint8_t data[16];
	bool err;
};

class sim {
public:
	std::unique_ptr<Vftls_crypto_top> top{new Vftls_crypto_top};
	std::unique_ptr<VerilatedFstC> tfp;
	uint8_t *win = nullptr;
	uint64_t win_size = 0;
	ftls_sim_hdr *hdr = nullptr;
	uint64_t cycles = 0, busy_cycles = 0, rd_bytes = 0, wr_bytes = 0, dma_errs = 0;
	uint64_t trace_time = 0;
	std::deque<rd_resp> rdq; // answered on the next clock
	unsigned wr_acks = 0, wr_ack_errs = 0;
	bool reg_read_inflight = false;

	bool dma_ok(uint64_t addr, unsigned len) const
	{
		return addr >= FTLS_SIM_HDR_SIZE && addr <= win_size && len <= win_size - addr;
	}

	// ---- --pci: DMA against the host's hugepage files, by physical address ----
	struct dma_file {
		std::string name;
		ino_t ino;
		off_t size;
		uint8_t *va;
	};
	bool pci = false;
	std::string hugedir;
	std::vector<dma_file> dfiles;
	std::unordered_map<uint64_t, uint8_t *> phys_pages; // 2 MiB physical page -> our mapping
	int pagemap_fd = -1;
	double last_scan = 0;

	uint64_t own_phys(const void *va) const
	{
		uint64_t ent = 0;
		long pg = sysconf(_SC_PAGESIZE);
		if (pread(pagemap_fd, &ent, sizeof(ent), (off_t)((uintptr_t)va / (uintptr_t)pg * 8)) != 8 ||
		    !(ent & (1ull << 63)))
			return 0;
		uint64_t pfn = ent & ((1ull << 55) - 1);
		return pfn * (uint64_t)pg;
	}

	void unmap_file(const dma_file &f)
	{
		for (off_t o = 0; o < f.size; o += (off_t)HUGE_2M)
			for (auto it = phys_pages.begin(); it != phys_pages.end();)
				it = it->second == f.va + o ? phys_pages.erase(it) : std::next(it);
		munmap(f.va, (size_t)f.size);
	}

	// Physical addresses of every page of every mapped file, learnt again: a host may have
	// refilled a file (truncated it and faulted new pages in) since we last looked.
	void relearn_phys()
	{
		phys_pages.clear();
		for (const dma_file &f : dfiles) {
			g_bus_armed = 1;
			if (sigsetjmp(g_bus_jmp, 1) == 0) {
				for (off_t o = 0; o < f.size; o += (off_t)HUGE_2M) {
					(void)*(volatile uint8_t *)(f.va + o); // present in our page table
					if (uint64_t ph = own_phys(f.va + o))
						phys_pages[ph] = f.va + o;
				}
			}
			g_bus_armed = 0;
		}
	}

	// Maps every ftls-dma-* file in the hugetlbfs directory (as the card would see the host's
	// memory: by physical address) and drops those that are gone or changed.
	void scan_dma()
	{
		last_scan = now_s();
		std::vector<dma_file> keep;
		for (const dma_file &f : dfiles) {
			struct stat st;
			std::string p = hugedir + "/" + f.name;
			if (stat(p.c_str(), &st) == 0 && st.st_ino == f.ino && st.st_size == f.size)
				keep.push_back(f);
			else
				unmap_file(f);
		}
		dfiles.swap(keep);
		DIR *d = opendir(hugedir.c_str());
		if (!d)
			return;
		while (struct dirent *e = readdir(d)) {
			if (strncmp(e->d_name, "ftls-dma-", 9) != 0)
				continue;
			bool known = false;
			for (const dma_file &f : dfiles)
				known |= f.name == e->d_name;
			if (known)
				continue;
			std::string p = hugedir + "/" + e->d_name;
			int fd = open(p.c_str(), O_RDWR);
			struct stat st;
			if (fd < 0)
				continue;
			if (fstat(fd, &st) != 0 || st.st_size <= 0 || st.st_size % (off_t)HUGE_2M) {
				close(fd);
				continue;
			}
			void *va = mmap(nullptr, (size_t)st.st_size, PROT_READ | PROT_WRITE,
					MAP_SHARED | MAP_POPULATE, fd, 0);
			close(fd);
			if (va == MAP_FAILED)
				continue;
			dfiles.push_back(dma_file{ e->d_name, st.st_ino, st.st_size, (uint8_t *)va });
		}
		closedir(d);
		relearn_phys();
	}

	// The host memory byte at physical address a, or null (rescanning once on a miss).
	uint8_t *host_byte(uint64_t a)
	{
		auto it = phys_pages.find(a & ~(uint64_t)(HUGE_2M - 1));
		if (it == phys_pages.end()) {
			scan_dma();
			it = phys_pages.find(a & ~(uint64_t)(HUGE_2M - 1));
			if (it == phys_pages.end())
				return nullptr;
		}
		return it->second + (a & (HUGE_2M - 1));
	}

	bool dma_read(uint64_t a, uint8_t *b, unsigned n)
	{
		if (!pci) {
			if (!dma_ok(a, n))
				return false;
			memcpy(b, win + a, n);
			return true;
		}
		uint8_t *p0 = host_byte(a);
		if (p0 && (a & (HUGE_2M - 1)) + n <= HUGE_2M) {
			memcpy(b, p0, n);
			return true;
		}
		for (unsigned i = 0; i < n; i++) {
			uint8_t *p = host_byte(a + i);
			if (!p)
				return false;
			b[i] = *p;
		}
		return true;
	}

	// Every byte but the last, then the last with a release store (the completion's phase byte).
	bool dma_write(uint64_t a, const uint8_t *b, unsigned n)
	{
		if (!pci) {
			if (!dma_ok(a, n))
				return false;
			memcpy(win + a, b, n - 1);
			__atomic_store_n(win + a + n - 1, b[n - 1], __ATOMIC_RELEASE);
			return true;
		}
		uint8_t *p0 = host_byte(a), *p[16];
		if (p0 && (a & (HUGE_2M - 1)) + n <= HUGE_2M) {
			memcpy(p0, b, n - 1);
			__atomic_store_n(p0 + n - 1, b[n - 1], __ATOMIC_RELEASE);
			return true;
		}
		for (unsigned i = 0; i < n; i++)
			if (!(p[i] = host_byte(a + i)))
				return false;
		for (unsigned i = 0; i + 1 < n; i++)
			*p[i] = b[i];
		__atomic_store_n(p[n - 1], b[n - 1], __ATOMIC_RELEASE);
		return true;
	}

	static void put128(uint32_t *w, const uint8_t *b)
	{
		for (int i = 0; i < 4; i++)
			w[i] = 0;
		for (int i = 0; i < 16; i++) {
			int lo = 120 - 8 * i;
			w[lo / 32] |= (uint32_t)b[i] << (lo % 32);
		}
	}
	static void get128(const uint32_t *w, uint8_t *b)
	{
		for (int i = 0; i < 16; i++) {
			int lo = 120 - 8 * i;
			b[i] = (uint8_t)(w[lo / 32] >> (lo % 32));
		}
	}

	void dump()
	{
		if (tfp)
			tfp->dump(trace_time);
		trace_time++;
	}

	// One clock. The register port is driven with req (if any) for this clock.
	void tick(bool reg_valid, bool reg_write, uint32_t addr, uint32_t data)
	{
		top->reg_valid_i = reg_valid;
		top->reg_write_i = reg_write;
		top->reg_addr_i = addr & 0xfff;
		top->reg_wdata_i = data;
		// DMA responses due this clock.
		top->rd_resp_valid_i = 0;
		top->rd_resp_err_i = 0;
		if (!rdq.empty()) {
			rd_resp r = rdq.front();
			rdq.pop_front();
			top->rd_resp_valid_i = 1;
			top->rd_resp_err_i = r.err;
			put128(top->rd_resp_data_i.data(), r.data);
		}
		top->wr_resp_valid_i = wr_acks != 0;
		top->wr_resp_err_i = wr_ack_errs != 0;
		wr_acks = 0;
		wr_ack_errs = 0;
		top->rd_req_ready_i = 1;
		top->wr_req_ready_i = 1;
		top->clk_i = 0;
		top->eval();
		dump();
		// Requests of this clock.
		if (top->rd_req_valid_o) {
			rd_resp r{};
			uint64_t a = top->rd_req_addr_o;
			unsigned n = top->rd_req_len_o;
			if (n >= 1 && n <= 16 && dma_read(a, r.data, n)) {
				rd_bytes += n;
			} else {
				r.err = true;
				dma_errs++;
			}
			rdq.push_back(r);
		}
		if (top->wr_req_valid_o) {
			uint64_t a = top->wr_req_addr_o;
			unsigned n = top->wr_req_len_o;
			uint8_t b[16];
			get128(top->wr_req_data_o.data(), b);
			wr_acks = 1;
			if (n >= 1 && n <= 16 && dma_write(a, b, n)) {
				wr_bytes += n;
			} else {
				wr_ack_errs = 1;
				dma_errs++;
			}
		}
		top->clk_i = 1;
		top->eval();
		dump();
		cycles++;
		if (top->busy_o)
			busy_cycles++;
	}

	// ---- --pci: the BAR image ----
	// rw registers hold the host's last write until a pass applies it to the core and replaces
	// it (compare-and-swap, so a newer host write is never lost) with the core's read-back;
	// KEY_CMD is taken once: the key window words in the image go to the core, then the command,
	// then the window and KEY_CMD in the image are zeroed (KEY_CMD last: the driver's
	// confirmation). ro registers are copied from the core after control writes and every
	// REFRESH clocks.
	static const uint64_t REFRESH = 4096;
	uint32_t *bar = nullptr;
	size_t bar_size = 0;
	std::vector<uint32_t> shadow; // by word: what the core holds, as far as the image goes
	std::vector<uint32_t> rw_regs, ro_regs;
	unsigned nq = 0;
	bool removed = false;
	uint64_t resets = 0, key_cmds = 0, next_refresh = 0;

	uint32_t rd1(uint32_t addr)
	{
		tick(true, false, addr, 0);
		return top->reg_rdata_o; // registered: valid after the clock that took the request
	}
	uint32_t img(uint32_t off) const { return __atomic_load_n(&bar[off / 4], __ATOMIC_ACQUIRE); }
	void set_img(uint32_t off, uint32_t v) { __atomic_store_n(&bar[off / 4], v, __ATOMIC_RELEASE); }

	void bar_layout()
	{
		nq = rd1(FTLS_HW_REG_CAP_QUEUES);
		if (nq > 64)
			nq = 64;
		shadow.assign(bar_size / 4, 0);
		rw_regs = { FTLS_HW_REG_CTRL };
		ro_regs = { FTLS_HW_REG_ID_VERSION, FTLS_HW_REG_CAP_ALGS,    FTLS_HW_REG_CAP_QUEUES,
			    FTLS_HW_REG_CAP_KEY_SLOTS, FTLS_HW_REG_CAP_MAX_LEN, FTLS_HW_REG_CAP_RING,
			    FTLS_HW_REG_STATUS };
		for (uint32_t off = FTLS_HW_REG_CNT_DESC_OK; off <= FTLS_HW_REG_CNT_CYCLES; off += 4)
			ro_regs.push_back(off);
		for (unsigned q = 0; q < nq; q++) {
			for (uint32_t r : { FTLS_HW_Q_SQ_BASE_LO, FTLS_HW_Q_SQ_BASE_HI, FTLS_HW_Q_SQ_SIZE,
					    FTLS_HW_Q_SQ_TAIL, FTLS_HW_Q_CQ_BASE_LO, FTLS_HW_Q_CQ_BASE_HI,
					    FTLS_HW_Q_CQ_SIZE, FTLS_HW_Q_CQ_HEAD, FTLS_HW_Q_Q_CTRL })
				rw_regs.push_back(FTLS_HW_QREG(q, r));
			ro_regs.push_back(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_HEAD));
			ro_regs.push_back(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_TAIL));
		}
	}

	void refresh_ro()
	{
		for (uint32_t off : ro_regs)
			set_img(off, rd1(off));
		next_refresh = cycles + REFRESH;
	}

	// The whole image from the core: at start, after a reset, when a card is put back.
	void image_from_core()
	{
		for (uint32_t off = 0; off < bar_size; off += 4)
			set_img(off, 0);
		for (uint32_t off : rw_regs) {
			uint32_t v = rd1(off);
			set_img(off, v);
			shadow[off / 4] = v;
		}
		refresh_ro();
	}

	// Applies a changed rw register; true if it had changed.
	bool apply(uint32_t off)
	{
		uint32_t v = img(off);
		if (v == shadow[off / 4])
			return false;
		tick(true, true, off, v);
		uint32_t rb = rd1(off), exp = v;
		shadow[off / 4] = __atomic_compare_exchange_n(&bar[off / 4], &exp, rb, false,
							     __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE) ? rb : v;
		return true;
	}

	bool pci_pending() const
	{
		if (removed)
			return false;
		if (img(FTLS_HW_REG_KEY_CMD))
			return true;
		for (uint32_t off : rw_regs)
			if (img(off) != shadow[off / 4])
				return true;
		return false;
	}

	// One pass over the image, or one idle clock. Returns true if there was something to do.
	bool pci_step()
	{
		if (removed)
			return false;
		// KEY_CMD first (acquire): every host write made before it is seen by this pass.
		uint32_t cmd = img(FTLS_HW_REG_KEY_CMD);
		bool ctl = apply(FTLS_HW_REG_CTRL), db = false;
		for (unsigned q = 0; q < nq; q++) {
			uint32_t qc = FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL);
			bool was = shadow[qc / 4] & 1, now = img(qc) & 1;
			if (was && !now)
				ctl |= apply(qc);
			for (uint32_t r : { FTLS_HW_Q_SQ_BASE_LO, FTLS_HW_Q_SQ_BASE_HI, FTLS_HW_Q_SQ_SIZE,
					    FTLS_HW_Q_CQ_BASE_LO, FTLS_HW_Q_CQ_BASE_HI, FTLS_HW_Q_CQ_SIZE })
				ctl |= apply(FTLS_HW_QREG(q, r));
			if (!was && now && apply(qc)) {
				// The enable edge reset the queue's indices in the core.
				ctl = true;
				shadow[FTLS_HW_QREG(q, FTLS_HW_Q_SQ_TAIL) / 4] = 0;
				shadow[FTLS_HW_QREG(q, FTLS_HW_Q_CQ_HEAD) / 4] = 0;
			}
			db |= apply(FTLS_HW_QREG(q, FTLS_HW_Q_SQ_TAIL));
			db |= apply(FTLS_HW_QREG(q, FTLS_HW_Q_CQ_HEAD));
		}
		if (cmd) {
			for (uint32_t off = FTLS_HW_REG_KEY_WIN_KEY_0; off <= FTLS_HW_REG_KEY_WIN_MAC_11; off += 4)
				if (uint32_t w = img(off))
					tick(true, true, off, w);
			tick(true, true, FTLS_HW_REG_KEY_CMD, cmd);
			for (int i = 0; i < 10000 && (rd1(FTLS_HW_REG_STATUS) & FTLS_HW_STATUS_KEY_BUSY_MASK); i++)
				;
			key_cmds++;
			// No key bytes stay in the image once the command has taken them.
			for (uint32_t off = FTLS_HW_REG_KEY_WIN_KEY_0; off <= FTLS_HW_REG_KEY_WIN_MAC_11; off += 4)
				set_img(off, 0);
			refresh_ro();
			uint32_t exp = cmd;
			__atomic_compare_exchange_n(&bar[FTLS_HW_REG_KEY_CMD / 4], &exp, 0u, false,
						    __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
			return true;
		}
		if (ctl)
			refresh_ro();
		bool active = top->busy_o || !rdq.empty() || wr_acks;
		tick(false, false, 0, 0);
		if (cycles >= next_refresh && (active || ctl || db))
			refresh_ro();
		return ctl || db || active;
	}

	// rst_ni low for 4 clocks: DMA answers still due belong to the old core and are dropped.
	void pulse_reset()
	{
		rdq.clear();
		wr_acks = wr_ack_errs = 0;
		reg_read_inflight = false;
		top->rst_ni = 0;
		for (int i = 0; i < 4; i++)
			tick(false, false, 0, 0);
		top->rst_ni = 1;
		rdq.clear();
		wr_acks = wr_ack_errs = 0;
		tick(false, false, 0, 0);
		resets++;
	}

	bool pending() const
	{
		if (pci)
			return pci_pending();
		return __atomic_load_n(&hdr->wr_prod, __ATOMIC_ACQUIRE) != hdr->wr_cons ||
		       __atomic_load_n(&hdr->rd_req, __ATOMIC_ACQUIRE) != hdr->rd_resp;
	}

	// A register read outside the mailbox (the final report).
	uint32_t reg_read(uint32_t addr)
	{
		tick(true, false, addr, 0);
		tick(false, false, 0, 0);
		return top->reg_rdata_o; // registered: valid after the clock that took the request
	}

	bool step() { return pci ? pci_step() : win_step(); }

	// Mailbox: one register access per clock. Returns true if there was something to do.
	bool win_step()
	{
		uint32_t prod = __atomic_load_n(&hdr->wr_prod, __ATOMIC_ACQUIRE);
		uint32_t cons = hdr->wr_cons;
		bool work = false;
		if (reg_read_inflight) {
			// The read issued last clock: its data is on reg_rdata_o now.
			hdr->rd_data = top->reg_rdata_o;
			__atomic_store_n(&hdr->rd_resp, hdr->rd_req, __ATOMIC_RELEASE);
			reg_read_inflight = false;
			work = true;
		}
		if (prod != cons) {
			ftls_sim_mbox_entry &e = hdr->mbox[cons % FTLS_SIM_MBOX_ENTRIES];
			tick(true, true, e.addr, e.data);
			// Key window writes pass through here: leave no key bytes behind in shared memory.
			__atomic_store_n(&e.data, 0u, __ATOMIC_RELAXED);
			__atomic_store_n(&e.addr, 0u, __ATOMIC_RELAXED);
			__atomic_store_n(&hdr->wr_cons, cons + 1, __ATOMIC_RELEASE);
			return true;
		}
		uint32_t req = __atomic_load_n(&hdr->rd_req, __ATOMIC_ACQUIRE);
		if (req != hdr->rd_resp && !work) {
			tick(true, false, hdr->rd_addr, 0);
			reg_read_inflight = true;
			return true;
		}
		bool active = top->busy_o || !rdq.empty() || wr_acks;
		tick(false, false, 0, 0);
		return work || active;
	}
};


// ---- --bench: the simulator as its own host -------------------------------------------------
// Loads a key slot, fills queue 0 with many descriptors of one suite and size, rings the
// doorbell once and counts clocks from the doorbell to the last completion: the core's sustained
// rate with the DMA answered every clock. Prints one line per (suite, size).

static void put_le(uint8_t *p, uint64_t v, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

struct bench_case {
	const char *name;
	unsigned alg;
	unsigned key_len;
	bool tls13;
};

static void reg_write(sim &s, uint32_t addr, uint32_t v)
{
	s.tick(true, true, addr, v);
}

// Returns clocks for n descriptors of len bytes (seal), or 0 on a failed completion.
static uint64_t bench_run(sim &s, const bench_case &c, unsigned len, unsigned n, uint64_t *bad)
{
	const uint32_t q = 0, ring_log2 = 9, ring = 1u << ring_log2;
	const uint64_t sq = FTLS_SIM_HDR_SIZE, cq = sq + ring * FTLS_HW_DESC_SIZE;
	const uint64_t src = cq + ring * FTLS_HW_CPL_SIZE, dst = src + 65536;
	uint8_t *w = s.win;

	for (unsigned i = 0; i < 8; i++)
		reg_write(s, FTLS_HW_REG_KEY_WIN_KEY_0 + 4 * i, 0x01020304u * (i + 1) * c.alg);
	for (unsigned i = 0; i < 12; i++)
		reg_write(s, FTLS_HW_REG_KEY_WIN_MAC_0 + 4 * i, 0x11223344u + i);
	for (unsigned i = 0; i < 3; i++)
		reg_write(s, FTLS_HW_REG_KEY_WIN_IV_0 + 4 * i, 0xa5a5a5a5u ^ i);
	reg_write(s, FTLS_HW_REG_KEY_WIN_ALG, c.alg | (c.tls13 ? 1u << FTLS_HW_KEY_WIN_ALG_TLS13_SHIFT : 0));
	reg_write(s, FTLS_HW_REG_KEY_CMD, (uint32_t)FTLS_HW_KEY_OP_LOAD << FTLS_HW_KEY_CMD_OP_SHIFT);
	memset(w + sq, 0, ring * FTLS_HW_DESC_SIZE);
	memset(w + cq, 0, ring * FTLS_HW_CPL_SIZE);
	for (unsigned i = 0; i < len; i++)
		w[src + i] = (uint8_t)(i * 7);
	for (unsigned i = 0; i < n; i++) {
		uint8_t *d = w + sq + (uint64_t)i * FTLS_HW_DESC_SIZE;
		d[FTLS_HW_DESC_OPCODE_OFF] = FTLS_HW_OPCODE_SEAL;
		d[FTLS_HW_DESC_AAD_LEN_OFF] = c.tls13 ? 5 : 13;
		put_le(d + FTLS_HW_DESC_LEN_OFF, len, 2);
		put_le(d + FTLS_HW_DESC_COOKIE_OFF, i, 2);
		put_le(d + FTLS_HW_DESC_SRC_OFF, src, 8);
		put_le(d + FTLS_HW_DESC_DST_OFF, dst, 8);
		put_le(d + FTLS_HW_DESC_SEQ_OFF, i, 8);
	}
	reg_write(s, FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 0);
	reg_write(s, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_BASE_LO), (uint32_t)sq);
	reg_write(s, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_SIZE), ring_log2);
	reg_write(s, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_BASE_LO), (uint32_t)cq);
	reg_write(s, FTLS_HW_QREG(q, FTLS_HW_Q_CQ_SIZE), ring_log2);
	reg_write(s, FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 1);
	reg_write(s, FTLS_HW_REG_CTRL, FTLS_HW_CTRL_ENABLE_MASK);
	reg_write(s, FTLS_HW_QREG(q, FTLS_HW_Q_SQ_TAIL), n);
	uint64_t t0 = s.cycles;
	const uint8_t *last = w + cq + (uint64_t)(n - 1) * FTLS_HW_CPL_SIZE;
	while (!(last[FTLS_HW_CPL_PHASE_OFF] & 1)) {
		s.tick(false, false, 0, 0);
		if (s.cycles - t0 > 200000000ull)
			return 0;
	}
	uint64_t clocks = s.cycles - t0;
	for (unsigned i = 0; i < n; i++) {
		const uint8_t *e = w + cq + (uint64_t)i * FTLS_HW_CPL_SIZE;
		if (e[FTLS_HW_CPL_STATUS_OFF] != FTLS_HW_STATUS_OK || e[FTLS_HW_CPL_STATUS_OFF + 1] != 0)
			(*bad)++;
	}
	reg_write(s, FTLS_HW_QREG(q, FTLS_HW_Q_Q_CTRL), 0);
	reg_write(s, FTLS_HW_REG_KEY_CMD, (uint32_t)FTLS_HW_KEY_OP_ZEROIZE << FTLS_HW_KEY_CMD_OP_SHIFT);
	return clocks;
}

static int bench(sim &s, double fmax_mhz)
{
	static const bench_case cases[] = {
		{ "AES-128-GCM", FTLS_HW_ALG_AES128_GCM, 16, true },
		{ "AES-256-GCM", FTLS_HW_ALG_AES256_GCM, 32, true },
		{ "ChaCha20-Poly1305", FTLS_HW_ALG_CHACHA_POLY, 32, true },
		{ "AES-128-CBC-SHA1", FTLS_HW_ALG_AES128_CBC_SHA1, 16, false },
		{ "AES-256-CBC-SHA256", FTLS_HW_ALG_AES256_CBC_SHA256, 32, false },
	};
	static const unsigned sizes[] = { 16384, 1024, 64 };
	uint64_t bad = 0, total_clocks = 0;
	double gcm16 = 0, t0 = now_s();
	int fails = 0;

	printf("%-20s %6s %6s %10s %12s %10s\n", "suite", "bytes", "descs", "clocks", "bits/clock",
	       "Gbps@Fmax");
	for (const bench_case &c : cases) {
		for (unsigned len : sizes) {
			unsigned n = len >= 16384 ? 64 : len >= 1024 ? 256 : 500;
			uint64_t clocks = bench_run(s, c, len, n, &bad);
			if (!clocks) {
				printf("%-20s %6u: timed out\n", c.name, len);
				fails++;
				continue;
			}
			total_clocks += clocks;
			double bpc = (double)n * len * 8.0 / (double)clocks;
			printf("%-20s %6u %6u %10llu %12.1f %10.2f\n", c.name, len, n,
			       (unsigned long long)clocks, bpc, bpc * fmax_mhz / 1000.0);
			if (c.alg == FTLS_HW_ALG_AES128_GCM && len == 16384)
				gcm16 = bpc;
		}
	}
	double wall = now_s() - t0;
	printf("simulator speed: %.0f cycles/s (%llu cycles in %.1f s)\n",
	       (double)s.cycles / wall, (unsigned long long)s.cycles, wall);
	printf("AES-128-GCM at 16 KiB: %.1f bits/clock = %.3f x 128 (target >= 0.9): %s\n", gcm16,
	       gcm16 / 128.0, gcm16 >= 0.9 * 128 ? "ok" : "BELOW TARGET");
	if (bad)
		printf("%llu descriptors completed with an error status\n", (unsigned long long)bad);
	return (fails || bad || gcm16 < 0.9 * 128) ? 1 : 0;
}

static void usage()
{
	fprintf(stderr,
		"usage: ftls-sim [--window PATH] [--size MIB] [--trace FILE.fst] [--max-seconds N]\n"
		"       ftls-sim --pci DIR [--bar-size BYTES] [--hugedir DIR] [--trace ...] [--max-seconds N]\n"
		"       ftls-sim --bench [--fmax-mhz F]\n"
		"  Serves the Verilated crypto core through the shared window PATH (default %s),\n"
		"  or (--pci) as a PCIe card: DIR/resource0 is the BAR, DMA is the host's hugepage files.\n"
		"  --bench: no client; measure the core's sustained rate per suite and size, then exit.\n"
		"  SIGUSR1: reset the core (rst_ni pulse). SIGUSR2 (--pci): remove the card / put it back.\n",
		FTLS_SIM_DEFAULT_PATH);
}

static bool write_file(const std::string &p, const char *text)
{
	int fd = open(p.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		return false;
	bool ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	close(fd);
	return ok;
}

// The first hugetlbfs mount with 2 MiB pages, or "".
static std::string find_hugedir()
{
	FILE *f = fopen("/proc/mounts", "r");
	char line[1024], dev[256], mnt[512], type[64], opts[512];
	std::string r;
	if (!f)
		return r;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%255s %511s %63s %511s", dev, mnt, type, opts) == 4 &&
		    strcmp(type, "hugetlbfs") == 0 && (!strstr(opts, "pagesize=") || strstr(opts, "pagesize=2M"))) {
			r = mnt;
			break;
		}
	fclose(f);
	return r;
}

// --pci DIR: the device directory and the BAR image. False (with a message) on failure.
static bool pci_setup(sim &s, const std::string &dir, const std::string &hugedir)
{
	char ids[32];
	mkdir(dir.c_str(), 0755);
	snprintf(ids, sizeof(ids), "0x%04x\n", PCI_VENDOR);
	bool ok = write_file(dir + "/vendor", ids);
	snprintf(ids, sizeof(ids), "0x%04x\n", PCI_DEVICE);
	ok = ok && write_file(dir + "/device", ids);
	std::string res = dir + "/resource0";
	int fd = ok ? open(res.c_str(), O_RDWR | O_CREAT | O_TRUNC, 0600) : -1;
	if (fd < 0 || ftruncate(fd, (off_t)s.bar_size) != 0) {
		fprintf(stderr, "ftls-sim: %s: %s\n", dir.c_str(), strerror(errno));
		return false;
	}
	void *p = mmap(nullptr, s.bar_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	close(fd);
	if (p == MAP_FAILED) {
		fprintf(stderr, "ftls-sim: mmap %s: %s\n", res.c_str(), strerror(errno));
		return false;
	}
	s.bar = (uint32_t *)p;
	s.hugedir = hugedir.empty() ? find_hugedir() : hugedir;
	if (s.hugedir.empty()) {
		fprintf(stderr, "ftls-sim: no hugetlbfs mount (the card's DMA reaches host hugepages)\n");
		return false;
	}
	s.pagemap_fd = open("/proc/self/pagemap", O_RDONLY);
	s.pci = true;
	s.bar_layout();
	s.image_from_core();
	s.scan_dma();
	return true;
}

int main(int argc, char **argv)
{
	const char *path = FTLS_SIM_DEFAULT_PATH, *trace = nullptr;
	std::string pci_dir, hugedir;
	uint64_t size_mib = 256, bar_size = 4096;
	double max_s = 0, fmax_mhz = 0;
	bool do_bench = false;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--window" && i + 1 < argc)
			path = argv[++i];
		else if (a == "--size" && i + 1 < argc)
			size_mib = strtoull(argv[++i], nullptr, 0);
		else if (a == "--pci" && i + 1 < argc)
			pci_dir = argv[++i];
		else if (a == "--bar-size" && i + 1 < argc)
			bar_size = strtoull(argv[++i], nullptr, 0);
		else if (a == "--hugedir" && i + 1 < argc)
			hugedir = argv[++i];
		else if (a == "--trace" && i + 1 < argc)
			trace = argv[++i];
		else if (a == "--max-seconds" && i + 1 < argc)
			max_s = atof(argv[++i]);
		else if (a == "--bench")
			do_bench = true;
		else if (a == "--fmax-mhz" && i + 1 < argc)
			fmax_mhz = atof(argv[++i]);
		else {
			usage();
			return 2;
		}
	}
	if (size_mib < 1 || size_mib > 4096) {
		fprintf(stderr, "ftls-sim: --size must be 1..4096 MiB\n");
		return 2;
	}
	if (bar_size < 1024 || bar_size > (1u << 20) ||
	    (bar_size % 4096 != 0 && bar_size != 1024 && bar_size != 2048)) {
		fprintf(stderr, "ftls-sim: --bar-size must be 1024, 2048 or a multiple of 4096 up to 1 MiB\n");
		return 2;
	}

	sim s;
	struct sigaction sa {};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);
	sigaction(SIGUSR1, &sa, nullptr);
	sigaction(SIGUSR2, &sa, nullptr);
	signal(SIGBUS, on_sigbus);

	if (trace) {
		Verilated::traceEverOn(true);
		s.tfp.reset(new VerilatedFstC);
		s.top->trace(s.tfp.get(), 99);
		s.tfp->open(trace);
	}

	s.top->rst_ni = 0;
	for (int i = 0; i < 4; i++)
		s.tick(false, false, 0, 0);
	s.top->rst_ni = 1;
	s.tick(false, false, 0, 0);

	if (!pci_dir.empty() && !do_bench) {
		s.bar_size = bar_size;
		if (!pci_setup(s, pci_dir, hugedir))
			return 1;
		fprintf(stderr, "ftls-sim: serving PCI device %s (BAR %llu bytes, DMA: %s/ftls-dma-*), pid %d\n",
			pci_dir.c_str(), (unsigned long long)bar_size, s.hugedir.c_str(), getpid());
	} else {
		s.win_size = size_mib << 20;
		int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
		if (fd < 0 || ftruncate(fd, (off_t)s.win_size) != 0) {
			fprintf(stderr, "ftls-sim: %s: %s\n", path, strerror(errno));
			return 1;
		}
		void *p = mmap(nullptr, s.win_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
		close(fd);
		if (p == MAP_FAILED) {
			fprintf(stderr, "ftls-sim: mmap %s: %s\n", path, strerror(errno));
			return 1;
		}
		s.win = (uint8_t *)p;
		s.hdr = (ftls_sim_hdr *)p;
		memset(s.hdr, 0, sizeof(*s.hdr));

		if (do_bench) {
			int rc = bench(s, fmax_mhz);
			s.top->final();
			if (s.tfp)
				s.tfp->close();
			munmap(s.win, s.win_size);
			unlink(path);
			return rc;
		}

		s.hdr->version = FTLS_SIM_WIN_VERSION;
		s.hdr->size = s.win_size;
		s.hdr->sim_pid = (uint32_t)getpid();
		__atomic_store_n(&s.hdr->state, (uint32_t)FTLS_SIM_READY, __ATOMIC_RELEASE);
		__atomic_store_n(&s.hdr->magic, FTLS_SIM_MAGIC, __ATOMIC_RELEASE);
		fprintf(stderr, "ftls-sim: serving %s (%llu MiB), pid %d%s%s\n", path,
			(unsigned long long)size_mib, getpid(), trace ? ", trace " : "", trace ? trace : "");
	}

	auto quit = [&s]() {
		return g_stop || (s.hdr && __atomic_load_n(&s.hdr->quit, __ATOMIC_ACQUIRE));
	};
	double t0 = now_s();
	unsigned idle = 0;
	uint64_t loops = 0;
	while (!quit()) {
		if (g_reset) {
			g_reset = 0;
			if (!s.removed) {
				s.pulse_reset();
				if (s.pci)
					s.image_from_core();
				fprintf(stderr, "ftls-sim: reset (rst_ni pulsed) at cycle %llu\n",
					(unsigned long long)s.cycles);
			}
		}
		if (g_remove) {
			g_remove = 0;
			if (s.pci && !s.removed) {
				s.removed = true;
				memset(s.bar, 0xff, s.bar_size);
				fprintf(stderr, "ftls-sim: card removed (BAR reads all ones)\n");
			} else if (s.pci) {
				s.removed = false;
				s.pulse_reset();
				s.image_from_core();
				fprintf(stderr, "ftls-sim: card back (fresh, after reset)\n");
			}
		}
		if (s.step()) {
			idle = 0;
		} else if (++idle > 256) {
			// Idle card: poll the mailbox without ticking.
			usleep(20);
			idle = 257;
			while (!quit() && !g_reset && !g_remove && !s.pending()) {
				usleep(20);
				if (s.removed)
					memset(s.bar, 0xff, s.bar_size); // host writes land; reads stay all ones
				if (max_s > 0 && now_s() - t0 > max_s)
					break;
				if (s.pci && now_s() - s.last_scan > 0.5)
					s.scan_dma(); // lets go of the files of clients that detached
			}
			idle = 0;
		}
		if (max_s > 0 && (++loops & 0xffff) == 0 && now_s() - t0 > max_s) {
			fprintf(stderr, "ftls-sim: --max-seconds reached\n");
			break;
		}
	}
	double wall = now_s() - t0;
	uint64_t sim_cycles = s.cycles;
	uint32_t ok = s.reg_read(FTLS_HW_REG_CNT_DESC_OK);
	uint32_t err = s.reg_read(FTLS_HW_REG_CNT_DESC_ERR);
	uint32_t auth = s.reg_read(FTLS_HW_REG_CNT_AUTH_FAIL);
	uint32_t payload = s.reg_read(FTLS_HW_REG_CNT_BYTES_IN);
	if (s.hdr)
		__atomic_store_n(&s.hdr->state, (uint32_t)FTLS_SIM_STOPPED, __ATOMIC_RELEASE);
	if (s.tfp)
		s.tfp->close();
	s.top->final();

	printf("ftls-sim report\n");
	printf("  cycles simulated     %llu (busy %llu)\n", (unsigned long long)sim_cycles,
	       (unsigned long long)s.busy_cycles);
	printf("  descriptors          %u ok, %u error (%u failed authentication)%s\n", ok, err, auth,
	       s.resets ? " since the last reset" : "");
	printf("  payload bytes        %u\n", payload);
	printf("  DMA                  %llu bytes read, %llu bytes written, %llu errors\n",
	       (unsigned long long)s.rd_bytes, (unsigned long long)s.wr_bytes,
	       (unsigned long long)s.dma_errs);
	printf("  resets               %llu\n", (unsigned long long)s.resets);
	if (s.pci)
		printf("  key commands         %llu (through the BAR image)\n",
		       (unsigned long long)s.key_cmds);
	printf("  throughput           %.2f payload bits per busy clock\n",
	       s.busy_cycles ? (double)payload * 8.0 / (double)s.busy_cycles : 0.0);
	printf("  simulator speed      %.0f cycles/s (%.2f s wall)\n",
	       wall > 0 ? (double)sim_cycles / wall : 0.0, wall);
	if (s.pci) {
		for (const sim::dma_file &f : s.dfiles)
			munmap(f.va, (size_t)f.size);
		munmap(s.bar, s.bar_size);
		unlink((pci_dir + "/resource0").c_str());
		unlink((pci_dir + "/vendor").c_str());
		unlink((pci_dir + "/device").c_str());
		rmdir(pci_dir.c_str());
	} else {
		munmap(s.win, s.win_size);
	}
	return 0;
}
