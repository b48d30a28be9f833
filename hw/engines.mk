# SPDX-License-Identifier: Apache-2.0
# hw/engines.mk: build rules for the ChaCha20-Poly1305 and AES-CBC+HMAC record engines (included
# from hw/build.mk; paths are relative to the repository root). Each engine has a Verilator
# testbench built once under $(O)/hw/; check-engines runs both against Wycheproof and OpenSSL and
# prints "engines: N passed, N failed"; lint-engines runs verilator -Wall on the engine sources.
# Not here: the AES-GCM engine, the host interface and the register map (hw/build.mk).

ENG_VERILATOR ?= verilator
ENG_OUT       := $(O)/hw
ENG_VECTORS   ?= $(abspath $(CURDIR)/../shared/vectors)
ENG_WYCHE     := $(ENG_VECTORS)/wycheproof
ENG_TLS12     := $(ENG_VECTORS)/illustrated-tls12/caps
ENG_SEED      ?= 1
ENG_VFLAGS    := --cc --exe --build -O1 --x-assign fast --x-initial fast -Wno-fatal -j 2 \
		 -CFLAGS -O1 -CFLAGS -std=c++17 -CFLAGS -I$(CURDIR)/hw/tb -LDFLAGS -lcrypto

ENG_CHACHA_RTL := hw/rtl/ftls_alg_pkg.sv hw/rtl/chacha_core.sv hw/rtl/poly1305_core.sv \
		  hw/rtl/chacha_poly_engine.sv
ENG_CHACHA_TB  := $(ENG_OUT)/obj_chacha/chacha_tb
ENG_CHACHA_VEC := $(ENG_OUT)/vectors/chacha20_poly1305.hex

$(ENG_OUT)/vectors/chacha20_poly1305.hex: $(ENG_WYCHE)/chacha20_poly1305_test.json hw/tb/chacha_cbc_vectors.py
	@mkdir -p $(dir $@)
	$(Q)python3 hw/tb/chacha_cbc_vectors.py $< $@

$(ENG_CHACHA_TB): $(ENG_CHACHA_RTL) hw/tb/chacha_tb.cpp hw/tb/chacha_cbc_drv.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  VERILATE $@")
	$(Q)$(ENG_VERILATOR) $(ENG_VFLAGS) -Mdir $(ENG_OUT)/obj_chacha --top-module chacha_poly_engine \
	  $(ENG_CHACHA_RTL) $(CURDIR)/hw/tb/chacha_tb.cpp -o chacha_tb >$(ENG_OUT)/chacha.vlog 2>&1 \
	  || { tail -n 40 $(ENG_OUT)/chacha.vlog; exit 1; }

ENG_CBC_RTL := hw/rtl/ftls_alg_pkg.sv hw/rtl/ftls_aes_pkg.sv hw/rtl/aes_pipe.sv hw/rtl/sha1_core.sv \
	       hw/rtl/sha256_core.sv hw/rtl/cbc_ctx.sv hw/rtl/cbc_hmac_engine.sv
ENG_CBC_TB  := $(ENG_OUT)/obj_cbc/cbc_tb
ENG_CBC_VEC := $(ENG_OUT)/vectors/aes_cbc_pkcs5.hex $(ENG_OUT)/vectors/hmac_sha256.hex

$(ENG_OUT)/vectors/aes_cbc_pkcs5.hex: $(ENG_WYCHE)/aes_cbc_pkcs5_test.json hw/tb/chacha_cbc_vectors.py
	@mkdir -p $(dir $@)
	$(Q)python3 hw/tb/chacha_cbc_vectors.py $< $@

$(ENG_OUT)/vectors/hmac_sha256.hex: $(ENG_WYCHE)/hmac_sha256_test.json hw/tb/chacha_cbc_vectors.py
	@mkdir -p $(dir $@)
	$(Q)python3 hw/tb/chacha_cbc_vectors.py $< $@

$(ENG_CBC_TB): $(ENG_CBC_RTL) hw/tb/cbc_tb.cpp hw/tb/chacha_cbc_drv.h hw/tb/cbc_tb.vlt
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  VERILATE $@")
	$(Q)$(ENG_VERILATOR) $(ENG_VFLAGS) -Mdir $(ENG_OUT)/obj_cbc --top-module cbc_hmac_engine \
	  hw/tb/cbc_tb.vlt $(ENG_CBC_RTL) $(CURDIR)/hw/tb/cbc_tb.cpp -o cbc_tb >$(ENG_OUT)/cbc.vlog 2>&1 \
	  || { tail -n 40 $(ENG_OUT)/cbc.vlog; exit 1; }

# The same testbenches on the other documented rate parameters (5 ChaCha double rounds per clock,
# 1 SHA round per clock), so those settings cannot rot.
ENG_CHACHA5_TB := $(ENG_OUT)/obj_chacha5/chacha_tb
ENG_CBC1_TB    := $(ENG_OUT)/obj_cbc1/cbc_tb

$(ENG_CHACHA5_TB): $(ENG_CHACHA_RTL) hw/tb/chacha_tb.cpp hw/tb/chacha_cbc_drv.h
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  VERILATE $@")
	$(Q)$(ENG_VERILATOR) $(ENG_VFLAGS) -GDrPerClk=5 -Mdir $(ENG_OUT)/obj_chacha5 \
	  --top-module chacha_poly_engine $(ENG_CHACHA_RTL) $(CURDIR)/hw/tb/chacha_tb.cpp -o chacha_tb \
	  >$(ENG_OUT)/chacha5.vlog 2>&1 || { tail -n 40 $(ENG_OUT)/chacha5.vlog; exit 1; }

$(ENG_CBC1_TB): $(ENG_CBC_RTL) hw/tb/cbc_tb.cpp hw/tb/chacha_cbc_drv.h hw/tb/cbc_tb.vlt
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  VERILATE $@")
	$(Q)$(ENG_VERILATOR) $(ENG_VFLAGS) -GShaRoundsPerClk=1 -Mdir $(ENG_OUT)/obj_cbc1 \
	  --top-module cbc_hmac_engine hw/tb/cbc_tb.vlt $(ENG_CBC_RTL) $(CURDIR)/hw/tb/cbc_tb.cpp -o cbc_tb \
	  >$(ENG_OUT)/cbc1.vlog 2>&1 || { tail -n 40 $(ENG_OUT)/cbc1.vlog; exit 1; }

ENG_TBS  := $(ENG_CHACHA_TB) $(ENG_CBC_TB) $(ENG_CHACHA5_TB) $(ENG_CBC1_TB)
ENG_VECS := $(ENG_CHACHA_VEC) $(ENG_CBC_VEC)
ENG_RUNS := "$(ENG_CHACHA_TB) $(ENG_CHACHA_VEC) $(ENG_SEED)" \
	    "$(ENG_CBC_TB) $(ENG_CBC_VEC) $(ENG_TLS12) $(ENG_SEED)" \
	    "$(ENG_CHACHA5_TB) $(ENG_CHACHA_VEC) $(ENG_SEED)" \
	    "$(ENG_CBC1_TB) $(ENG_CBC_VEC) $(ENG_TLS12) $(ENG_SEED)"

.PHONY: check-engines lint-engines engines-tb

engines-tb: $(ENG_TBS)

# Both engine testbenches; the closing line is "engines: N passed, N failed".
check-engines: $(ENG_TBS) $(ENG_VECS)
	$(Q)hw/tb/chacha_cbc_check.sh $(ENG_RUNS)

# verilator -Wall on each engine with its submodules; must be clean.
lint-engines:
	$(Q)$(ENG_VERILATOR) --lint-only -Wall $(wildcard hw/lint/engines.vlt) $(ENG_CHACHA_RTL) \
	  --top-module chacha_poly_engine
	$(Q)$(ENG_VERILATOR) --lint-only -Wall $(wildcard hw/lint/engines.vlt) $(ENG_CBC_RTL) \
	  --top-module cbc_hmac_engine
	@echo "lint-engines: clean"

CHECKS += check-engines
LINTS  += lint-engines
