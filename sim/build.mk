# SPDX-License-Identifier: BSD-3-Clause
# sim/: ftls-sim, the Verilated crypto core served as a simulated card through a shared-memory
# window, and check-sim, which runs the driver and record tests over it (sim/tests/check-card.sh).
# Verilated in a private directory (make runs in a shared build tree; concurrent builds must not
# mix their objects), the binary moved into place; -O1 and --x-assign fast keep the build short.

# The core: exactly the files ftls_engines.sv instantiates (update both together).
HW_TOP_RTL := hw/gen/ftls_regs_pkg.sv $(HW_AES_RTL) \
	      $(filter-out hw/rtl/ftls_alg_pkg.sv hw/rtl/ftls_aes_pkg.sv,$(ENG_CHACHA_RTL) $(ENG_CBC_RTL)) \
	      hw/rtl/ftls_engines.sv hw/rtl/ftls_crypto_top.sv
FTLS_SIM   := $(O)/sim/ftls-sim

$(FTLS_SIM): $(HW_TOP_RTL) sim/ftls_sim.cpp sim/ftls_sim_window.h hw/gen/ftls_regs.h hw/lint/ftls.vlt
	@mkdir -p $(O)/sim
	@$(if $(Q),echo "  VERILATE $@")
	$(Q)d=$$(mktemp -d $(O)/sim/obj.XXXXXX) && \
	  $(VERILATOR) $(VL_FLAGS) -j 2 --trace-fst -Mdir $$d --top-module ftls_crypto_top \
	  -CFLAGS -I$(CURDIR) hw/lint/ftls.vlt $(HW_TOP_RTL) $(CURDIR)/sim/ftls_sim.cpp -o ftls-sim \
	  >$$d/verilate.log 2>&1 || { tail -n 40 $$d/verilate.log; rm -rf $$d; exit 1; }; \
	  mv -f $$d/ftls-sim $@ && rm -rf $$d

PROGS += $(FTLS_SIM)

# The driver's own tests over the simulator (need a running ftls-sim: check-sim starts one).
SIM_TESTS := $(O)/sim/tests/test_crypto_hw $(O)/sim/tests/test_core_raw $(O)/sim/tests/test_fpga_bus

$(O)/sim/tests/test_%: $(O)/sim/tests/test_%.o $(LIB_COMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(COMMON_LDLIBS) -lcmocka -lssl -lcrypto -lpthread

PROGS += $(SIM_TESTS)

# check-sim: starts ftls-sim on a private window, runs the driver tests and the record-layer test
# programs with FTLS_TEST_BACKENDS=cpu,sim (on sim, and across cpu <-> sim), stops the simulator
# and prints its report. Closes with "sim: N passed, N failed".
SIM_RECORD_TESTS = $(filter $(O)/tests/unit/test_record% $(O)/tests/unit/test_wycheproof,$(UNIT_TESTS))

.PHONY: check-sim
check-sim: $(FTLS_SIM) $(SIM_TESTS) unit
	$(Q)sim/tests/check-card.sh window sim $(FTLS_SIM) $(SIM_TESTS) $(SIM_RECORD_TESTS)

CHECKS += check-sim

# check-fpga-bus: ftls-sim --pci plays a PCIe card (BAR image file, DMA into the host's hugepage
# files) to the unchanged fpga bus; runs the bus's attach-failure cases, reset in the middle of
# traffic and surprise removal (test_fpga_bus), the driver tests (test_crypto_hw, fewer lengths)
# and the record-layer test programs with FTLS_TEST_BACKENDS=cpu,fpga, except test_record: its
# lengths x suites sweep goes through the same driver code as on sim (check-sim runs it) and
# would take minutes more. Root and hugepages (make hugepages). Closes with
# "fpga-bus: N passed, N failed".
FPGA_RECORD_TESTS = $(filter-out $(O)/tests/unit/test_record,$(SIM_RECORD_TESTS))

.PHONY: check-fpga-bus
check-fpga-bus: $(FTLS_SIM) $(SIM_TESTS) unit hugepages
	$(Q)sim/tests/check-card.sh pci fpga-bus $(FTLS_SIM) $(O)/sim/tests/test_fpga_bus $(O)/sim/tests/test_crypto_hw $(FPGA_RECORD_TESTS)

CHECKS += check-fpga-bus

# bench-hw: the core's sustained bits per clock per suite at 16 KiB, 1 KiB and 64 B (many
# descriptors, DMA answered every clock), Gbps at the Fmax recorded in hw/SYNTH.md, and the
# simulator's own speed. Fails if AES-128-GCM at 16 KiB is below 0.9 x 128 bits per clock.
HW_FMAX_MHZ = $(shell sed -n 's/^Fmax used by bench-hw: \([0-9.]*\) MHz.*/\1/p' hw/SYNTH.md 2>/dev/null | head -n 1)

.PHONY: bench-hw
bench-hw: $(FTLS_SIM)
	$(Q)$(FTLS_SIM) --bench --window /dev/shm/ftls-bench-$$$$ --size 16 --fmax-mhz $(or $(HW_FMAX_MHZ),0)

BENCHES += bench-hw
