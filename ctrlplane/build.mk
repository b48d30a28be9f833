# SPDX-License-Identifier: BSD-3-Clause
# ctrlplane/: the handshake engine (ctrlplane/hs/), certificates, listeners built from the config,
# the standalone server and its responders, and ftls-ctrlplane. Checks: check-ctrlplane-standalone
# (real clients over sockets) and check-fuzz-hs (libFuzzer smoke runs of our parsers).
CP_LIB_SRCS := $(wildcard ctrlplane/hs/*.c) ctrlplane/cert.c ctrlplane/listener.c \
	ctrlplane/standalone.c ctrlplane/responder.c
# Resumption state (session cache, tickets) and PKI (client chain verification, RSA key exchange).
CP_LIB_SRCS += $(wildcard ctrlplane/resume/*.c) $(wildcard ctrlplane/pki/*.c)
LIB_CP      := $(O)/libftls_cp.a
CP_BIN      := $(O)/ftls-ctrlplane

# The config loader lives in common/ but needs libcyaml; whoever links it gets these.
COMMON_LDLIBS += -lcyaml -lyaml

$(LIB_CP): $(patsubst %.c,$(O)/%.o,$(CP_LIB_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

$(CP_BIN): $(O)/ctrlplane/main.o $(LIB_CP) $(LIB_COMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(COMMON_LDLIBS) $(LDLIBS_SSL)

LIBS      += $(LIB_CP)
PROGS     += $(CP_BIN)
TEST_LIBS += $(LIB_CP)

# ---- fuzzing (libFuzzer): the ClientHello parser/negotiation, the handshake reassembler, and the
# client's ClientKeyExchange, Certificate and CertificateVerify parsing ----
# Own object tree under $(O)/fuzz-hs/ (clang + sanitizers), independent of tests/fuzz/build.mk.
FUZZ_HS_CC      ?= clang
FUZZ_HS_SECONDS ?= 6
FUZZ_HS_TARGETS := client_hello hs_reassembly cke ccert ccv
FUZZ_HS_SAN     := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_HS_CFLAGS   = -std=c11 -D_GNU_SOURCE -O1 -g $(filter-out -Werror,$(WARN)) \
		   -Wno-unknown-warning-option -I. -MMD -MP $(FUZZ_HS_SAN) -fsanitize=fuzzer-no-link
FUZZ_HS_SRCS    := $(filter-out common/config.c,$(COMMON_SRCS)) $(wildcard ctrlplane/hs/*.c) ctrlplane/cert.c \
		   $(wildcard ctrlplane/resume/*.c) $(wildcard ctrlplane/pki/*.c)
FUZZ_HS_LIB     := $(O)/fuzz-hs/libftls_hs_fuzz.a
FUZZ_HS_BINS    := $(patsubst %,$(O)/fuzz-hs/fuzz_%,$(FUZZ_HS_TARGETS))

$(O)/fuzz-hs/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZCC  $<")
	$(Q)$(FUZZ_HS_CC) $(FUZZ_HS_CFLAGS) -c -o $@ $<

$(FUZZ_HS_LIB): $(patsubst %.c,$(O)/fuzz-hs/obj/%.o,$(FUZZ_HS_SRCS))
	$(Q)rm -f $@ && ar rcs $@ $^

$(O)/fuzz-hs/fuzz_%: $(O)/fuzz-hs/obj/tests/fuzz/fuzz_%.o $(FUZZ_HS_LIB)
	@$(if $(Q),echo "  FUZZLD  $@")
	$(Q)$(FUZZ_HS_CC) $(FUZZ_HS_SAN) -fsanitize=fuzzer -o $@ $^ -lcrypto -lpthread

# Seeds: the illustrated-tls13 ClientHello (its body for the parser; the records, cut two ways,
# for the reassembler); small hand-made ClientKeyExchange, Certificate and CertificateVerify
# messages.
$(O)/fuzz-hs/seeds.stamp:
	@mkdir -p $(O)/fuzz-hs/seed/client_hello $(O)/fuzz-hs/seed/hs_reassembly \
	  $(O)/fuzz-hs/seed/cke $(O)/fuzz-hs/seed/ccert $(O)/fuzz-hs/seed/ccv
	$(Q){ printf '\020\000\000\041\040'; head -c 32 /dev/zero | tr '\0' '\011'; } > $(O)/fuzz-hs/seed/cke/x25519
	$(Q){ printf '\020\000\000\006\000\004\001\002\003\004'; } > $(O)/fuzz-hs/seed/cke/rsa
	$(Q)printf '\001\013\000\000\014\000\000\000\010\000\000\003\060\003\002\000\000' > $(O)/fuzz-hs/seed/ccert/tls13
	$(Q)printf '\000\013\000\000\010\000\000\005\000\000\002\060\000' > $(O)/fuzz-hs/seed/ccert/tls12
	$(Q)printf '\017\000\000\010\004\003\000\004\060\002\002\001' > $(O)/fuzz-hs/seed/ccv/ecdsa
	$(Q)tail -c +10 $(VECTORS_DIR)/illustrated-tls13/caps/clienthello > $(O)/fuzz-hs/seed/client_hello/tls13
	$(Q)for b in 0 1; do { printf "\\$$b"; cat $(VECTORS_DIR)/illustrated-tls13/caps/clienthello \
	  $(VECTORS_DIR)/illustrated-tls13/caps/clientccs; } > $(O)/fuzz-hs/seed/hs_reassembly/ch$$b; done
	@touch $@

check-fuzz-hs: $(FUZZ_HS_BINS) $(O)/fuzz-hs/seeds.stamp
	$(Q)pass=0; fail=0; \
	for t in $(FUZZ_HS_TARGETS); do \
	  corpus=$(O)/fuzz-hs/corpus/$$t; mkdir -p $$corpus; log=$(O)/fuzz-hs/$$t.log; \
	  if $(O)/fuzz-hs/fuzz_$$t -max_total_time=$(FUZZ_HS_SECONDS) -timeout=10 -rss_limit_mb=2048 \
	       -max_len=20000 -print_final_stats=1 -artifact_prefix=$(O)/fuzz-hs/ $$corpus \
	       $(O)/fuzz-hs/seed/$$t >$$log 2>&1; then \
	    echo "fuzz_$$t: ok, $$(sed -n 's/^stat::number_of_executed_units: *//p' $$log) runs, corpus $$(ls $$corpus | wc -l)"; \
	    pass=$$((pass + 1)); \
	  else \
	    tail -n 40 $$log; echo "fuzz_$$t: FAILED (log: $$log)"; fail=$$((fail + 1)); \
	  fi; \
	done; \
	echo "fuzz-hs: $$pass passed, $$fail failed"; [ $$fail -eq 0 ]

# ---- real clients over sockets against the standalone mode ----
# The server under test is the ASan+UBSan build (built here in $(O)/asan), so the run also proves
# it free of leaks and undefined behaviour.
check-ctrlplane-standalone: $(CP_BIN)
	$(Q)$(MAKE) --no-print-directory -s O=$(O)/asan SAN=1 $(O)/asan/ftls-ctrlplane
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  timeout 240 python3 tests/integration/test_standalone.py $(O)/asan/ftls-ctrlplane $(O)/integration

CHECKS += check-ctrlplane-standalone check-fuzz-hs
.PHONY: check-ctrlplane-standalone check-fuzz-hs

# ---- bench-hs: handshakes/s against OpenSSL's server, and memory per connection ----
CP_BENCH := $(O)/bench/bench_hs
$(CP_BENCH): $(O)/ctrlplane/bench_hs.o $(LIB_CP) $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(COMMON_LDLIBS) $(LDLIBS_SSL)
PROGS   += $(CP_BENCH)
BENCHES += bench-hs
bench-hs: $(CP_BENCH)
	$(Q)$(CP_BENCH)
.PHONY: bench-hs
