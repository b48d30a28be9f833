# SPDX-License-Identifier: BSD-3-Clause
#
# ftls: one entry point. Non-recursive: every directory adds its programs, checks, lints and
# benchmarks through its own build.mk fragment; this file holds the flags, the pattern rules and
# the top-level targets. All outputs go under $(O) (build/ by default; build/asan for the
# sanitizer build of the unit tests). V=1 prints full command lines.
#
#   make deps    install the Debian packages ftls needs (only those) and reserve hugepages
#   make         build everything
#   make test    deps if something is missing, build, run every check, print one summary line
#   make lint    compiler-independent checks (RTL lint, format)
#   make bench   benchmarks, each printed next to its reference as a ratio
#   make run     the appliance on its embedded default config
#   make clean   remove build/

O       ?= build
SAN     ?=
V       ?=
CC      ?= cc
CXX     ?= c++

ifeq ($(V),1)
Q :=
else
Q := @
endif

# Debian packages the project needs: build, tests, reference peers, RTL tools.
DEPS_PKGS := build-essential pkg-config clang libclang-rt-14-dev \
	libssl-dev openssl libcmocka-dev libcyaml-dev libyaml-dev libjansson-dev \
	dpdk dpdk-dev libdpdk-dev \
	verilator iverilog yosys nextpnr-ice40 nextpnr-generic \
	gnutls-bin curl wrk python3 python3-yaml iproute2 netcat-openbsd valgrind
HUGEPAGES ?= 512
# Parallel jobs for the build step of make test and make run.
JOBS ?= $(shell nproc 2>/dev/null || echo 2)

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	   -Wformat=2 -Wvla -Wpointer-arith -Wno-missing-field-initializers
CFLAGS  ?= -O2 -g
ALL_CFLAGS = -std=c11 -D_GNU_SOURCE $(CFLAGS) $(WARN) -I. -MMD -MP
LDLIBS_SSL := -lcrypto -lssl
ifeq ($(SAN),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS    += -fsanitize=address,undefined
endif

.DEFAULT_GOAL := all
# Keep intermediate objects (test programs are built through a chain of pattern rules).
.SECONDARY:
PROGS   :=
LIBS    :=
UNIT_TESTS :=
CHECKS  :=
LINTS   :=
BENCHES :=
GEN_CHECKS :=

$(O)/%.o: %.c
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  CC      $<")
	$(Q)$(CC) $(ALL_CFLAGS) $(EXTRA_CFLAGS) -c -o $@ $<

# Fragments, in a fixed order: common first (the others link it).
include common/build.mk
include $(filter-out common/build.mk,$(sort $(wildcard */build.mk)))

.PHONY: all deps deps-check hugepages test check lint bench run clean unit $(CHECKS) $(LINTS) $(BENCHES)

all: $(LIBS) $(PROGS) $(UNIT_TESTS)

unit: $(UNIT_TESTS)

# make deps: idempotent; installs only what is missing.
deps:
	$(Q)missing=""; for p in $(DEPS_PKGS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'install ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "deps: installing:$$missing"; \
	  if [ "$$(id -u)" != 0 ]; then echo "deps: run as root (apt-get install$$missing)" >&2; exit 1; fi; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null || exit 1; \
	else echo "deps: all packages present"; fi
	$(Q)$(MAKE) --no-print-directory hugepages

# Hugepages for DPDK (multi-process needs them): reserve and mount, as root; harmless otherwise.
hugepages:
	$(Q)if [ "$$(id -u)" = 0 ]; then \
	  cur=$$(cat /proc/sys/vm/nr_hugepages 2>/dev/null || echo 0); \
	  if [ "$$cur" -lt $(HUGEPAGES) ]; then echo $(HUGEPAGES) > /proc/sys/vm/nr_hugepages || true; fi; \
	  mkdir -p /dev/hugepages; \
	  grep -qs ' /dev/hugepages hugetlbfs' /proc/mounts || mount -t hugetlbfs nodev /dev/hugepages || true; \
	  echo "deps: hugepages $$(cat /proc/sys/vm/nr_hugepages)"; \
	fi

# Cheap test for "something is missing": the pkg-config modules and tools the build needs.
deps-check:
	$(Q)if ! pkg-config --exists libdpdk libcyaml cmocka jansson libcrypto 2>/dev/null || \
	   ! command -v verilator >/dev/null || ! command -v yosys >/dev/null || \
	   ! command -v gnutls-cli >/dev/null || ! command -v clang >/dev/null; then \
	  $(MAKE) --no-print-directory deps; else $(MAKE) --no-print-directory hugepages; fi

# The sanitizer build of the unit tests lives in its own tree.
unit-asan:
	$(Q)$(MAKE) --no-print-directory O=$(O)/asan SAN=1 unit

check-unit: unit
	$(Q)tests/run-unit.sh $(UNIT_TESTS)

check-unit-asan: unit-asan
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	  tests/run-unit.sh $(patsubst $(O)/%,$(O)/asan/%,$(UNIT_TESTS))

CHECKS := check-unit check-unit-asan $(CHECKS)

test: deps-check
	$(Q)$(MAKE) --no-print-directory -j$(JOBS) all
	$(Q)tests/run-checks.sh $(CHECKS)

lint: $(LINTS)

bench: all
	$(Q)for b in $(BENCHES); do $(MAKE) --no-print-directory -s $$b || exit 1; done

clean:
	rm -rf $(O)

-include $(shell find $(O) -name '*.d' 2>/dev/null)

# The appliance itself arrives with the dataplane; dataplane/build.mk defines run-appliance.
run:
	$(Q)if $(MAKE) -n run-appliance >/dev/null 2>&1; then $(MAKE) --no-print-directory deps-check all run-appliance; \
	else echo "make run: the dataplane (ftls-dataplane) is not built yet; nothing to run" >&2; exit 1; fi
