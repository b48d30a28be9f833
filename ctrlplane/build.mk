# SPDX-License-Identifier: BSD-3-Clause
# ctrlplane/: the handshake engine (ctrlplane/hs/), certificates, listeners built from the config,
# the standalone server and its responders, and ftls-ctrlplane. Checks: check-ctrlplane-standalone
# (real clients over sockets) and check-fuzz-hs (libFuzzer smoke runs of our parsers).
CP_LIB_SRCS := $(wildcard ctrlplane/hs/*.c) ctrlplane/cert.c ctrlplane/listener.c \
	ctrlplane/standalone.c ctrlplane/responder.c
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
