// SPDX-License-Identifier: BSD-3-Clause
// ftls-sim: the Verilated crypto core (hw/rtl/ftls_crypto_top.sv) served as a simulated card. It
// creates the shared window (sim/ftls_sim_window.h), applies the driver's register accesses from
// the mailbox between clock edges, serves the core's DMA requests against the window, and runs
// cycle by cycle until it is told to stop (SIGINT, SIGTERM or the window's quit flag); then it
// prints a report: cycles, busy cycles, descriptors, bytes, bits per busy clock and its own speed.
// --trace FILE writes an FST waveform. Not for: anything the driver does (common/crypto_hw.c).
//
// Idle: when the core is idle and the mailbox empty for a while, the simulator sleeps between
// polls instead of ticking, so an idle card costs no CPU; cycles are counted only when ticked.
#include <fcntl.h>
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

#include "Vftls_crypto_top.h"
#include "hw/gen/ftls_regs.h"
#include "sim/ftls_sim_window.h"
#include "verilated.h"
#include "verilated_fst_c.h"

static volatile sig_atomic_t g_stop;

static void on_signal(int sig)
{
	(void)sig;
	g_stop = 1;
}

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
			if (n >= 1 && n <= 16 && dma_ok(a, n)) {
				memcpy(r.data, win + a, n);
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
			if (n >= 1 && n <= 16 && dma_ok(a, n)) {
				memcpy(win + a, b, n - 1);
				__atomic_store_n(win + a + n - 1, b[n - 1], __ATOMIC_RELEASE);
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

	// A register read outside the mailbox (the final report).
	uint32_t reg_read(uint32_t addr)
	{
		tick(true, false, addr, 0);
		tick(false, false, 0, 0);
		return top->reg_rdata_o; // registered: valid after the clock that took the request
	}

	// Mailbox: one register access per clock. Returns true if there was something to do.
	bool step()
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
		"                [--bench [--fmax-mhz F]]\n"
		"  Serves the Verilated crypto core through the shared window PATH (default %s).\n"
		"  --bench: no client; measure the core's sustained rate per suite and size, then exit.\n",
		FTLS_SIM_DEFAULT_PATH);
}

int main(int argc, char **argv)
{
	const char *path = FTLS_SIM_DEFAULT_PATH, *trace = nullptr;
	uint64_t size_mib = 256;
	double max_s = 0, fmax_mhz = 0;
	bool do_bench = false;
	for (int i = 1; i < argc; i++) {
		std::string a = argv[i];
		if (a == "--window" && i + 1 < argc)
			path = argv[++i];
		else if (a == "--size" && i + 1 < argc)
			size_mib = strtoull(argv[++i], nullptr, 0);
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

	sim s;
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

	struct sigaction sa {};
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, nullptr);
	sigaction(SIGTERM, &sa, nullptr);

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

	double t0 = now_s();
	unsigned idle = 0;
	uint64_t loops = 0;
	while (!g_stop && !__atomic_load_n(&s.hdr->quit, __ATOMIC_ACQUIRE)) {
		if (s.step()) {
			idle = 0;
		} else if (++idle > 256) {
			// Idle card: poll the mailbox without ticking.
			usleep(20);
			idle = 257;
			while (!g_stop && !__atomic_load_n(&s.hdr->quit, __ATOMIC_RELAXED) &&
			       __atomic_load_n(&s.hdr->wr_prod, __ATOMIC_ACQUIRE) == s.hdr->wr_cons &&
			       __atomic_load_n(&s.hdr->rd_req, __ATOMIC_ACQUIRE) == s.hdr->rd_resp) {
				usleep(20);
				if (max_s > 0 && now_s() - t0 > max_s)
					break;
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
	__atomic_store_n(&s.hdr->state, (uint32_t)FTLS_SIM_STOPPED, __ATOMIC_RELEASE);
	if (s.tfp)
		s.tfp->close();
	s.top->final();

	printf("ftls-sim report\n");
	printf("  cycles simulated     %llu (busy %llu)\n", (unsigned long long)sim_cycles,
	       (unsigned long long)s.busy_cycles);
	printf("  descriptors          %u ok, %u error (%u failed authentication)\n", ok, err, auth);
	printf("  payload bytes        %u\n", payload);
	printf("  DMA                  %llu bytes read, %llu bytes written, %llu errors\n",
	       (unsigned long long)s.rd_bytes, (unsigned long long)s.wr_bytes,
	       (unsigned long long)s.dma_errs);
	printf("  throughput           %.2f payload bits per busy clock\n",
	       s.busy_cycles ? (double)payload * 8.0 / (double)s.busy_cycles : 0.0);
	printf("  simulator speed      %.0f cycles/s (%.2f s wall)\n",
	       wall > 0 ? (double)sim_cycles / wall : 0.0, wall);
	munmap(s.win, s.win_size);
	return 0;
}
