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
