# SPDX-License-Identifier: BSD-3-Clause
# hw/: the crypto core. Register map generation (make regs, check-regs), the AES-GCM engine's
# Verilator testbench (check-hw-gcm), RTL lint (lint-hw) and synthesis (make synth, not part of
# make test). The engines engineer's rules (ChaCha20-Poly1305, CBC+HMAC) come from hw/engines.mk.
# Verilator builds use -O1 and --x-assign fast, each in a private directory (the build tree is
# shared: concurrent builds must not mix objects), the binary then moved into place.

VERILATOR       ?= verilator
VL_FLAGS        := --cc --exe --build -O1 --x-assign fast --x-initial fast -Wall -Wno-fatal \
		   -CFLAGS -O1 -CFLAGS -std=c++17
HW_GEN          := hw/gen/ftls_regs_pkg.sv hw/gen/ftls_regs.h hw/gen/REGISTERS.md
HW_REGS_SRC     := hw/regs/ftls_regs.yaml
HW_AES_RTL      := hw/rtl/ftls_alg_pkg.sv hw/rtl/ftls_aes_pkg.sv hw/rtl/aes_gcm_engine.sv
HW_GCM_TB       := $(O)/hw/tb_aes_gcm
HW_GCM_VECTORS  := $(O)/hw/gcm_wycheproof.txt
VECTORS_DIR     ?= $(abspath $(CURDIR)/../shared/vectors)

.PHONY: regs check-regs check-hw-gcm hw-tb

# make regs: regenerate the SV package, C header and Markdown reference from the data file.
regs:
	$(Q)python3 hw/scripts/gen_regs.py --src $(HW_REGS_SRC) --out hw/gen

check-regs:
	$(Q)python3 hw/scripts/gen_regs.py --src $(HW_REGS_SRC) --out hw/gen --check

$(HW_GCM_VECTORS): hw/tb/wycheproof_gcm.py $(VECTORS_DIR)/wycheproof/aes_gcm_test.json
	@mkdir -p $(dir $@)
	$(Q)python3 hw/tb/wycheproof_gcm.py $(VECTORS_DIR)/wycheproof/aes_gcm_test.json $@

$(HW_GCM_TB): $(HW_AES_RTL) hw/tb/tb_aes_gcm.cpp
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  VERILATE $@")
	$(Q)d=$$(mktemp -d $(O)/hw/obj.XXXXXX) && \
	  $(VERILATOR) $(VL_FLAGS) -j 2 -Mdir $$d --top-module aes_gcm_engine \
	  -LDFLAGS -lcrypto $(HW_AES_RTL) $(CURDIR)/hw/tb/tb_aes_gcm.cpp -o tb_aes_gcm >$$d/verilate.log 2>&1 \
	  || { tail -n 40 $$d/verilate.log; rm -rf $$d; exit 1; }; \
	  mv -f $$d/tb_aes_gcm $@ && rm -rf $$d

hw-tb: $(HW_GCM_TB)

# The AES-GCM engine against Wycheproof and against OpenSSL on random records.
check-hw-gcm: $(HW_GCM_TB) $(HW_GCM_VECTORS)
	$(Q)$(HW_GCM_TB) --vectors $(HW_GCM_VECTORS) --random 300 --seed $${FTLS_SEED:-1}

CHECKS += check-regs check-hw-gcm

-include hw/engines.mk

# make lint: verilator -Wall on the whole core (top, dispatch, every engine); waivers only in
# hw/lint/*.vlt, each with its reason.
HW_LINT_RTL = hw/gen/ftls_regs_pkg.sv hw/rtl/ftls_alg_pkg.sv hw/rtl/ftls_aes_pkg.sv \
	      hw/rtl/aes_gcm_engine.sv $(filter-out hw/rtl/ftls_alg_pkg.sv hw/rtl/ftls_aes_pkg.sv,$(ENG_CHACHA_RTL) $(ENG_CBC_RTL)) \
	      hw/rtl/ftls_engines.sv hw/rtl/ftls_crypto_top.sv

.PHONY: lint-hw
lint-hw:
	$(Q)p=0; f=0; for top in ftls_crypto_top aes_gcm_engine; do \
	  if $(VERILATOR) --lint-only -Wall --top-module $$top $(wildcard hw/lint/*.vlt) $(HW_LINT_RTL); \
	  then echo "ok   $$top"; p=$$((p+1)); else echo "FAIL $$top"; f=$$((f+1)); fi; done; \
	  echo "lint-hw: $$p passed, $$f failed"; [ $$f -eq 0 ]

LINTS += lint-hw

# check-hw-top: the whole core (ftls_crypto_top) against a C++ host model with OpenSSL as the
# reference: several descriptors in flight, ring wrap, full rings, every bad-descriptor kind,
# zeroize/LOAD flushing the GCM key cache, reset and queue reset in the middle of traffic.
# The RTL is the whole core as lint reads it (HW_LINT_RTL above).
HW_TOP_TB := $(O)/hw/tb_top

$(HW_TOP_TB): $(HW_LINT_RTL) hw/tb/tb_top.cpp hw/tb/tb_top.vlt hw/gen/ftls_regs.h hw/lint/ftls.vlt
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  VERILATE $@")
	$(Q)d=$$(mktemp -d $(O)/hw/obj.XXXXXX) && \
	  $(VERILATOR) $(VL_FLAGS) -j 2 -Mdir $$d --top-module ftls_crypto_top \
	  -CFLAGS -I$(CURDIR) -LDFLAGS -lcrypto hw/lint/ftls.vlt hw/tb/tb_top.vlt $(HW_LINT_RTL) \
	  $(CURDIR)/hw/tb/tb_top.cpp -o tb_top >$$d/verilate.log 2>&1 \
	  || { tail -n 40 $$d/verilate.log; rm -rf $$d; exit 1; }; \
	  mv -f $$d/tb_top $@ && rm -rf $$d

check-hw-top: $(HW_TOP_TB)
	$(Q)$(HW_TOP_TB) --seed $${FTLS_SEED:-1}

.PHONY: check-hw-top
CHECKS += check-hw-top

# make synth (not part of make test): yosys + nextpnr figures into hw/SYNTH.md.
.PHONY: synth
synth:
	$(Q)hw/scripts/synth.sh $(O)/synth
