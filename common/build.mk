# SPDX-License-Identifier: BSD-3-Clause
# common/: the DPDK-free library both planes and every test link.
COMMON_SRCS := $(wildcard common/*.c)
LIB_COMMON  := $(O)/libftls_common.a
COMMON_LDLIBS := -lcrypto -lpthread

$(LIB_COMMON): $(patsubst %.c,$(O)/%.o,$(COMMON_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

LIBS += $(LIB_COMMON)
