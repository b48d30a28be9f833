# SPDX-License-Identifier: BSD-3-Clause
# tests/fuzz/: libFuzzer targets (clang, -fsanitize=fuzzer,address,undefined) for the parsers of
# untrusted bytes: the record deframer, ftls_rec_open, and the session state / ticket decoder of
# ctrlplane/resume/. common/ (and ctrlplane/resume/, ctrlplane/pki/) is rebuilt with clang and the
# sanitizers under $(O)/fuzz/. check-fuzz-smoke runs each target for FUZZ_SECONDS, seeded with the
# illustrated-tls captures (and $(O)/fuzz/seed/<target>/ where a target has its own seeds), and
# closes with "fuzz: N passed, N failed".
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 20
FUZZ_TARGETS := deframer rec_open ticket_state
FUZZ_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
# Warnings stay on but not fatal here: clang's set differs from the main build's (gcc), which is
# where -Werror holds.
FUZZ_CFLAGS   = -std=c11 -D_GNU_SOURCE -O1 -g $(filter-out -Werror,$(WARN)) -Wno-unknown-warning-option -I. -MMD -MP \
		$(FUZZ_SAN) -fsanitize=fuzzer-no-link
FUZZ_BINS    := $(patsubst %,$(O)/fuzz/fuzz_%,$(FUZZ_TARGETS))
FUZZ_OBJS    := $(patsubst %.c,$(O)/fuzz/obj/%.o,$(COMMON_SRCS) \
		$(wildcard ctrlplane/resume/*.c) $(wildcard ctrlplane/pki/*.c))
# An archive, so a target links only the objects it uses (not config.c's YAML library, say).
FUZZ_LIB     := $(O)/fuzz/libftls_common_fuzz.a

$(O)/fuzz/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_CC) $(FUZZ_CFLAGS) -c -o $@ $<

$(FUZZ_LIB): $(FUZZ_OBJS)
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/fuzz/fuzz_%: $(O)/fuzz/obj/tests/fuzz/fuzz_%.o $(FUZZ_LIB)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_CC) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $^ -lcrypto -lpthread

fuzz: $(FUZZ_BINS)

# Seeds of the state decoder: a TLS 1.3 state (ALPN, identity) and a TLS 1.2 EMS state (SNI).
$(O)/fuzz/seeds.stamp:
	@mkdir -p $(O)/fuzz/seed/ticket_state
	$(Q){ printf '\001\003\004\023\001\000\040'; head -c 32 /dev/zero | tr '\0' '\021'; \
	  printf '\000\000\000\000\000\000\022\064\000\000\016\020\001\002\003\004\002h2\000\000\011CN=client'; \
	} > $(O)/fuzz/seed/ticket_state/tls13; \
	{ printf '\001\003\003\300\057\001\060'; head -c 48 /dev/zero | tr '\0' '\042'; \
	  printf '\000\000\000\000\145\123\361\000\000\000\016\020\000\000\000\000\000\013example.com\000\000'; \
	} > $(O)/fuzz/seed/ticket_state/tls12
	@touch $@

check-fuzz-smoke: $(FUZZ_BINS) $(O)/fuzz/seeds.stamp
	$(Q)pass=0; fail=0; \
	for t in $(FUZZ_TARGETS); do \
	  corpus=$(O)/fuzz/corpus/$$t; mkdir -p $$corpus; log=$(O)/fuzz/$$t.log; \
	  if $(O)/fuzz/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	       -max_len=20000 -print_final_stats=1 -artifact_prefix=$(O)/fuzz/ $$corpus \
	       $(VECTORS_DIR)/illustrated-tls13/caps $(VECTORS_DIR)/illustrated-tls12/caps \
	       $$(ls -d $(O)/fuzz/seed/$$t 2>/dev/null) >$$log 2>&1; then \
	    echo "fuzz_$$t: ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' $$log) runs, corpus $$(ls $$corpus | wc -l)"; \
	    pass=$$((pass + 1)); \
	  else \
	    tail -n 40 $$log; echo "fuzz_$$t: FAILED (log: $$log)"; fail=$$((fail + 1)); \
	  fi; \
	done; \
	echo "fuzz: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

CHECKS += check-fuzz-smoke
.PHONY: fuzz check-fuzz-smoke

# check-record-ct: the constant-time property of CBC open (tests/unit/test_record_ct.c), checked
# with valgrind's memcheck: the test and crypto_cpu.c are rebuilt with -DFTLS_CT_VALGRIND, which
# marks the record's ciphertext undefined ("secret"); memcheck then reports any branch or memory
# index that depends on it before the one declassified verdict. Lives here with the fuzzers: the
# adversarial checks of the record layer.
CT_DIR := $(O)/ct
CT_BIN := $(CT_DIR)/test_record_ct
CT_VALGRIND ?= valgrind

$(CT_DIR)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC(ct)  $<")
	$(Q)$(CC) $(ALL_CFLAGS) -DFTLS_CT_VALGRIND -DFTLS_VECTORS_DIR='"$(VECTORS_DIR)"' -c -o $@ $<

$(CT_BIN): $(CT_DIR)/obj/tests/unit/test_record_ct.o $(CT_DIR)/obj/common/crypto_cpu.o $(LIB_COMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(COMMON_LDLIBS) $(TEST_LDLIBS)

check-record-ct: $(CT_BIN)
	$(Q)log=$(CT_DIR)/valgrind.log; \
	if $(CT_VALGRIND) --error-exitcode=3 --track-origins=yes --log-file=$$log $(CT_BIN) >$(CT_DIR)/run.log 2>&1 \
	   && grep -q '^\[  PASSED  \] 1 test' $(CT_DIR)/run.log; then \
	  grep 'records checked' $(CT_DIR)/run.log; echo "record-ct: no secret-dependent branch or index"; \
	  echo "record-ct: 1 passed, 0 failed"; \
	else \
	  tail -n 20 $(CT_DIR)/run.log; head -n 60 $$log; echo "record-ct: 0 passed, 1 failed"; exit 1; \
	fi

CHECKS += check-record-ct
.PHONY: check-record-ct

# check-rsakx-ct: the same valgrind method for the RSA key exchange's Bleichenbacher-safe core
# (cp_rsa_kx_select, ctrlplane/pki/rsa_kx.c): tests/unit/test_rsakx.c built with
# -DFTLS_CT_VALGRIND runs every kind of decrypted block (good and malformed) with the block marked
# secret; memcheck reports any branch or index that depends on it.
RSAKX_CT_BIN := $(CT_DIR)/test_rsakx

$(RSAKX_CT_BIN): $(CT_DIR)/obj/tests/unit/test_rsakx.o $(LIB_CP) $(LIB_COMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(COMMON_LDLIBS) $(TEST_LDLIBS)

check-rsakx-ct: $(RSAKX_CT_BIN)
	$(Q)log=$(CT_DIR)/rsakx-valgrind.log; \
	if $(CT_VALGRIND) --error-exitcode=3 --track-origins=yes --log-file=$$log $(RSAKX_CT_BIN) >$(CT_DIR)/rsakx-run.log 2>&1 \
	   && grep -q '^\[  PASSED  \] 1 test' $(CT_DIR)/rsakx-run.log; then \
	  grep 'blocks' $(CT_DIR)/rsakx-run.log; echo "rsakx-ct: no secret-dependent branch or index"; \
	  echo "rsakx-ct: 1 passed, 0 failed"; \
	else \
	  tail -n 20 $(CT_DIR)/rsakx-run.log; head -n 60 $$log; echo "rsakx-ct: 0 passed, 1 failed"; exit 1; \
	fi

CHECKS += check-rsakx-ct
.PHONY: check-rsakx-ct
