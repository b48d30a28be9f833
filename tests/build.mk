# SPDX-License-Identifier: BSD-3-Clause
# tests/: unit tests (one cmocka program per module, tests/unit/test_<module>.c). Each links every
# library in TEST_LIBS (fragments append theirs) and common last; they run twice under make test,
# as built and under ASan+UBSan.
TEST_SRCS   := $(wildcard tests/unit/test_*.c)
UNIT_TESTS  += $(patsubst %.c,$(O)/%,$(TEST_SRCS))
TEST_LDLIBS := -lcmocka -ljansson -lssl -lcrypto -lpthread -lm
# Where the shared known-answer vectors are (../shared beside the checkout).
VECTORS_DIR ?= $(abspath $(CURDIR)/../shared/vectors)

$(O)/tests/unit/test_%: $(O)/tests/unit/test_%.o $(TEST_LIBS) $(LIB_COMMON)
	@$(if $(Q),echo "  LD      $@")
	$(Q)$(CC) $(ALL_CFLAGS) $(LDFLAGS) -o $@ $^ $(TEST_EXTRA_LDLIBS) $(COMMON_LDLIBS) $(TEST_LDLIBS)

$(O)/tests/unit/%.o: EXTRA_CFLAGS += -DFTLS_VECTORS_DIR='"$(VECTORS_DIR)"' -DFTLS_SRC_DIR='"$(CURDIR)"'

# Sub-directories of tests/ (fuzz/, ...) bring their own fragments.
include $(sort $(wildcard tests/*/build.mk))
