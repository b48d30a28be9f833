# SPDX-License-Identifier: BSD-3-Clause
# bench/: benchmarks, each printed next to its reference as a ratio. bench-record: the record
# layer on the cpu crypto backend against OpenSSL's EVP for the same ciphers and sizes.
BENCH_RECORD := $(O)/bench/bench_record

$(BENCH_RECORD): $(O)/bench/bench_record.o $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(COMMON_LDLIBS)

PROGS += $(BENCH_RECORD)
BENCHES += bench-record

bench-record: $(BENCH_RECORD)
	$(Q)$(BENCH_RECORD)

# bench-resume: TLS 1.2 key derivation, tickets, session cache, RSA premaster and client chain
# verification (ctrlplane/resume/, ctrlplane/pki/), each next to a libcrypto reference.
BENCH_RESUME := $(O)/bench/bench_resume

# The control-plane library by path: ctrlplane/build.mk (which names it LIB_CP) is read after this.
$(BENCH_RESUME): $(O)/bench/bench_resume.o $(O)/libftls_cp.a $(LIB_COMMON)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(COMMON_LDLIBS) $(LDLIBS_SSL)

PROGS += $(BENCH_RESUME)
BENCHES += bench-resume

bench-resume: $(BENCH_RESUME)
	$(Q)$(BENCH_RESUME)
.PHONY: bench-resume
