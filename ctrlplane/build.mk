# SPDX-License-Identifier: BSD-3-Clause
# ctrlplane/: the handshake engine (ctrlplane/hs/), certificates, the listener built from the
# config, and ftls-ctrlplane (standalone mode today; the DPDK secondary process later).
CP_LIB_SRCS := $(wildcard ctrlplane/hs/*.c) ctrlplane/cert.c
LIB_CP      := $(O)/libftls_cp.a

$(LIB_CP): $(patsubst %.c,$(O)/%.o,$(CP_LIB_SRCS))
	@mkdir -p $(dir $@)
	@$(if $(Q),echo "  AR      $@")
	$(Q)rm -f $@ && ar rcs $@ $^

LIBS      += $(LIB_CP)
TEST_LIBS += $(LIB_CP)
