# SPDX-License-Identifier: BSD-3-Clause
# dataplane/: the DPDK-free network stack library (libftls_dpstack.a: L2/L3, TCP, responders,
# config), ftls-dataplane (the DPDK primary), its checks and benchmark.
DP_STACK_SRCS := dataplane/dp_net.c dataplane/dp_tcp.c dataplane/dp_tcp_in.c dataplane/dp_tcp_out.c \
	dataplane/dp_tcp_timer.c dataplane/dp_apps.c dataplane/dp_config.c
LIB_DPSTACK   := $(O)/libftls_dpstack.a
DPDK_CFLAGS   := $(shell pkg-config --cflags libdpdk 2>/dev/null)
DPDK_LDLIBS   := $(shell pkg-config --libs libdpdk 2>/dev/null)
CYAML_LDLIBS  := $(shell pkg-config --libs libcyaml yaml-0.1 2>/dev/null || echo -lcyaml -lyaml)

$(LIB_DPSTACK): $(patsubst %.c,$(O)/%.o,$(DP_STACK_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

# DPDK headers are not -Wstrict-prototypes/-Wshadow clean everywhere; they are system headers.
$(O)/dataplane/dp_main.o: EXTRA_CFLAGS += $(DPDK_CFLAGS) -Wno-pedantic

$(O)/ftls-dataplane: $(O)/dataplane/dp_main.o $(LIB_DPSTACK) $(LIB_COMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(DPDK_LDLIBS) $(CYAML_LDLIBS) $(COMMON_LDLIBS)

LIBS  += $(LIB_DPSTACK)
PROGS += $(O)/ftls-dataplane
TEST_LIBS += $(LIB_DPSTACK)
TEST_EXTRA_LDLIBS += $(CYAML_LDLIBS)

# The appliance on its embedded default (make run).
run-appliance: $(O)/ftls-dataplane
	@echo "ftls-dataplane: TAP port ftls0 (created by the appliance), appliance 10.99.0.1/24, fd00:99::1/64"
	@echo "  reach it: ip addr add 10.99.0.2/24 dev ftls0 && ip link set ftls0 up"
	@echo "            ping 10.99.0.1; nc 10.99.0.1 7 (echo); curl http://10.99.0.1/1000 (HTTP)"
	@echo "  Ctrl-C stops it."
	$(Q)$(O)/ftls-dataplane

check-dataplane: $(O)/ftls-dataplane
	$(Q)tests/dataplane/run.sh $(O)/ftls-dataplane

CHECKS += check-dataplane
.PHONY: run-appliance check-dataplane

# bench-dp: per-lcore cost over net_ring (bench_dp.c), then TAP versus a kernel server on veth.
$(O)/bench/bench_dp.o: EXTRA_CFLAGS += $(DPDK_CFLAGS)
$(O)/bench_dp: $(O)/bench/bench_dp.o $(LIB_DPSTACK) $(LIB_COMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(DPDK_LDLIBS) -lrte_net_ring $(CYAML_LDLIBS) $(COMMON_LDLIBS)

PROGS += $(O)/bench_dp

bench-dp: $(O)/bench_dp $(O)/ftls-dataplane
	$(Q)$(O)/bench_dp $(or $(DP_BENCH_BYTES),1073741824)
	$(Q)bench/bench_dp.sh $(O)/ftls-dataplane

BENCHES += bench-dp
.PHONY: bench-dp

# libFuzzer target over the stack's input (dp_fuzz_stack.c), its own tree under $(O)/fuzz-dp/;
# check-dp-fuzz is a fixed-seed 20-second smoke run.
DP_FUZZ_CC    ?= clang
DP_FUZZ_SRCS  := dataplane/dp_fuzz_stack.c dataplane/dp_net.c dataplane/dp_tcp.c dataplane/dp_tcp_in.c \
	dataplane/dp_tcp_out.c dataplane/dp_tcp_timer.c dataplane/dp_apps.c common/log.c
$(O)/fuzz-dp/fuzz_dp_stack: $(DP_FUZZ_SRCS) $(wildcard dataplane/*.h dataplane/*.def)
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  FUZZ    $@")
	$(Q)$(DP_FUZZ_CC) -std=c11 -D_GNU_SOURCE -g -O1 -I. -fsanitize=fuzzer,address,undefined \
	  -fno-sanitize-recover=all -o $@ $(DP_FUZZ_SRCS)

check-dp-fuzz: $(O)/fuzz-dp/fuzz_dp_stack
	$(Q)mkdir -p $(O)/fuzz-dp/corpus && \
	if $(O)/fuzz-dp/fuzz_dp_stack -seed=1 -max_total_time=20 -max_len=4096 $(O)/fuzz-dp/corpus \
	     >$(O)/fuzz-dp/last.log 2>&1; then \
	  tail -n 2 $(O)/fuzz-dp/last.log; echo "dp-fuzz: 1 passed, 0 failed"; \
	else tail -n 30 $(O)/fuzz-dp/last.log; echo "dp-fuzz: 0 passed, 1 failed"; exit 1; fi

CHECKS += check-dp-fuzz
.PHONY: check-dp-fuzz
