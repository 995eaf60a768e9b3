# SPDX-License-Identifier: ISC
# Copyright (c) 2026 The Sealpost developers
# Sealpost build (GNU make).  Flag policy: STYLE.md B8/B9.

CFLAGS ?= -O2 -g
PREFIX ?= /usr/local
DESTDIR ?=
BUILD ?= build
PKG_CONFIG ?= pkg-config
CLANG_FORMAT ?= clang-format

DOCDIR := $(PREFIX)/share/doc/sealpost
BINDIR := $(PREFIX)/bin
MAN1DIR := $(PREFIX)/share/man/man1
MAN8DIR := $(PREFIX)/share/man/man8
UNITDIR := $(PREFIX)/lib/systemd/system
SYSUSERSDIR := $(PREFIX)/lib/sysusers.d
EXAMPLEDIR := $(DOCDIR)/examples
MANPAGES1 := $(wildcard packaging/man/*.1)
MANPAGES := $(wildcard packaging/man/*.8)
UNITS := $(wildcard packaging/systemd/*.service)
EXAMPLES := $(wildcard packaging/examples/*.conf)


# ---------------------------------------------------------------------------
# Flags.  CFLAGS/LDFLAGS stay the user's knobs; project flags are appended
# with `override` so that `make CFLAGS=...` (as `check` does) keeps them.

# Sanitizer builds (make check) drop the hardening that fights ASan/UBSan.
SANITIZE := $(findstring -fsanitize,$(CFLAGS) $(LDFLAGS))

# $(call cc-option,-fX[,fallback]): -fX if $(CC) accepts it, else fallback.
cc-option = $(shell $(CC) -Werror $(1) -xc -c /dev/null -o /dev/null \
	>/dev/null 2>&1 && echo '$(1)' || echo '$(2)')

WARN_CFLAGS := -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wformat=2 \
	-Wstrict-prototypes -Wmissing-prototypes -Wpointer-arith -Wcast-qual \
	-Wnull-dereference -Wimplicit-fallthrough -Wvla -Wundef -Wwrite-strings
ifeq ($(WERROR),1)
WARN_CFLAGS += -Werror
endif

HARDEN_CFLAGS := $(call cc-option,-fstack-protector-strong) \
	$(call cc-option,-fstack-clash-protection) \
	$(call cc-option,-fPIE) \
	$(call cc-option,-fno-strict-aliasing) \
	$(call cc-option,-fno-strict-overflow) \
	$(call cc-option,-fzero-call-used-regs=used)
HARDEN_LDFLAGS := -pie -Wl,-z,relro,-z,now,-z,noexecstack
ifeq ($(SANITIZE),)
# glibc warns about _FORTIFY_SOURCE without optimisation.
ifeq ($(filter -O0,$(CFLAGS)),)
HARDEN_CFLAGS += -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=2
endif
# clang 14 only accepts the zero-init flag behind an opt-in switch.
HARDEN_CFLAGS += $(call cc-option,-ftrivial-auto-var-init=zero,$(call \
	cc-option,-ftrivial-auto-var-init=zero \
	-enable-trivial-auto-var-init-zero-knowing-it-will-be-removed-from-clang))
endif

# pkg-config results are expanded lazily, once, on first use in a recipe, so
# that `make deps test` never queries pkg-config before the packages exist.
pkg = $(eval $(1) := $$(shell $(PKG_CONFIG) $(2) || echo __pkg_config_failed))$(if \
	$(filter __pkg_config_failed,$($(1))),$(error pkg-config $(2) failed: \
	run `make deps`))$($(1))
SODIUM_CFLAGS = $(call pkg,SODIUM_CFLAGS,--cflags libsodium)
SODIUM_LIBS = $(call pkg,SODIUM_LIBS,--libs libsodium)
CMOCKA_CFLAGS = $(call pkg,CMOCKA_CFLAGS,--cflags cmocka)
CMOCKA_LIBS = $(call pkg,CMOCKA_LIBS,--libs cmocka)
JANSSON_CFLAGS = $(call pkg,JANSSON_CFLAGS,--cflags jansson)
JANSSON_LIBS = $(call pkg,JANSSON_LIBS,--libs jansson)
# Reference implementations, linked into interop tests and benchmarks only.
# libsignal-protocol-c exports crypto_hash_sha512 like libsodium: libsodium
# must come first. Its provider needs AES, taken from OpenSSL's libcrypto.
REF_CFLAGS = $(call pkg,REF_CFLAGS,--cflags libsignal-protocol-c olm libcrypto)
REF_LIBS = $(call pkg,REF_LIBS,--libs libsignal-protocol-c olm libcrypto)
PYTHON := /usr/bin/python3
# What the daemons share (service/): SQLite, libinih and nng, which ships
# no pkg-config file.
SERVICE_CFLAGS = $(call pkg,SERVICE_CFLAGS,--cflags sqlite3 inih)
SERVICE_PKG_LIBS = $(call pkg,SERVICE_PKG_LIBS,--libs sqlite3 inih)
SERVICE_LIBS = $(SERVICE_PKG_LIBS) -lnng -lpthread
# The client also needs jansson (--json), libedit (chat) and mbed TLS, which
# nng uses underneath and the client drives directly to pin certificates;
# Debian's libmbedtls-dev ships no pkg-config file.
EDIT_CFLAGS = $(call pkg,EDIT_CFLAGS,--cflags libedit)
EDIT_LIBS = $(call pkg,EDIT_LIBS,--libs libedit)
MBEDTLS_LIBS := -lmbedtls -lmbedx509 -lmbedcrypto
CLI_LIBS = $(JANSSON_LIBS) $(EDIT_LIBS) $(MBEDTLS_LIBS)

override CFLAGS += -std=c11 -D_POSIX_C_SOURCE=200809L -I. $(WARN_CFLAGS) \
	$(HARDEN_CFLAGS)
override LDFLAGS += $(HARDEN_LDFLAGS)

# ---------------------------------------------------------------------------
# Sources and outputs.

COMMON_SRCS := $(sort $(wildcard common/*.c))
CRYPTO_SRCS := $(sort $(wildcard crypto/*.c))
SERVICE_SRCS := $(sort $(wildcard service/*.c))
KD_MAIN_SRCS := $(wildcard keyserver/kd_main.c)
KD_SRCS := $(filter-out $(KD_MAIN_SRCS),$(sort $(wildcard keyserver/*.c)))
RELAY_MAIN_SRCS := $(wildcard relay/relay_main.c)
RELAY_SRCS := $(filter-out $(RELAY_MAIN_SRCS),$(sort $(wildcard relay/*.c)))
CLI_MAIN_SRCS := $(wildcard client-cli/cli_main.c)
CLI_SRCS := $(filter-out $(CLI_MAIN_SRCS),$(sort $(wildcard client-cli/*.c)))
TEST_SRCS := $(sort $(wildcard tests/unit/test_*.c))
TEST_HELPER_SRCS := $(wildcard tests/unit/helpers.c)
VEC_TEST_SRCS := $(sort $(wildcard tests/vectors/test_*.c))
VEC_GEN_SRCS := $(wildcard tests/vectors/gen_vectors.c)
INTEG_TEST_SRCS := $(sort $(wildcard tests/integration/test_*.c))
INTEG_HELPER_SRCS := $(filter-out $(INTEG_TEST_SRCS), \
	$(sort $(wildcard tests/integration/*.c)))
INTEROP_TEST_SRCS := $(sort $(wildcard tests/interop/test_*.c))
INTEROP_HELPER_SRCS := $(filter-out $(INTEROP_TEST_SRCS), \
	$(sort $(wildcard tests/interop/*.c)))
FUZZ_SRCS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_AUX_SRCS := tests/fuzz/replay.c tests/fuzz/gen_corpus.c
BENCH_SRCS := $(sort $(wildcard bench/bench_*.c))
BENCH_REF_SRCS := $(filter bench/bench_ref%,$(BENCH_SRCS))

obj = $(patsubst %.c,$(BUILD)/%.o,$(1))

COMMON_OBJS := $(call obj,$(COMMON_SRCS))
CRYPTO_OBJS := $(call obj,$(CRYPTO_SRCS))
SERVICE_OBJS := $(call obj,$(SERVICE_SRCS))
KD_OBJS := $(call obj,$(KD_SRCS))
RELAY_OBJS := $(call obj,$(RELAY_SRCS))
CLI_OBJS := $(call obj,$(CLI_SRCS))
# `sealpost selftest` carries the published vectors: a C file generated
# from tests/vectors/*.json at build time, so the two never drift apart.
EMBED_VECTORS := $(wildcard scripts/embed-vectors.sh)
VECTOR_JSON := $(sort $(wildcard tests/vectors/*.json))
CLI_GEN_SRC := $(if $(EMBED_VECTORS),$(BUILD)/gen/cli_vectors.c)
CLI_OBJS += $(CLI_GEN_SRC:.c=.o)
TEST_HELPER_OBJS := $(call obj,$(TEST_HELPER_SRCS))
LIBCOMMON := $(BUILD)/libspcommon.a
LIBCRYPTO := $(BUILD)/libspcrypto.a
LIBSERVICE := $(BUILD)/libspservice.a
LIBKD := $(BUILD)/libspkeyserver.a
LIBRELAY := $(BUILD)/libsprelay.a
LIBCLI := $(BUILD)/libspclient.a
LIBS_SP := $(LIBCRYPTO) $(LIBCOMMON)
# Unit tests cover service/, the daemons' and the client's libraries too.
TEST_LIBS := $(LIBCLI) $(LIBRELAY) $(LIBKD) $(LIBSERVICE) $(LIBS_SP)

# Programs. Each links only what it needs from the static libraries: the
# key server never pulls in the ratchet.
# The relay reads the directory through the key server's store (read
# only) and verifies signatures with crypto/keys; nothing else of crypto/.
KEYSERVER := $(BUILD)/bin/sealpost-keyserver
RELAY := $(BUILD)/bin/sealpost-relay
CLIENT := $(BUILD)/bin/sealpost
PROGRAMS := $(if $(KD_MAIN_SRCS),$(KEYSERVER)) \
	$(if $(RELAY_MAIN_SRCS),$(RELAY)) $(if $(CLI_MAIN_SRCS),$(CLIENT))
BINS = $(PROGRAMS)

INTEROP_HELPER_OBJS := $(call obj,$(INTEROP_HELPER_SRCS))
INTEG_HELPER_OBJS := $(call obj,$(INTEG_HELPER_SRCS))
# Benchmarks reuse the test client (client*.c), not the cmocka helpers.
INTEG_CLIENT_OBJS := $(call obj,$(filter tests/integration/client%, \
	$(INTEG_HELPER_SRCS)))

TEST_BINS := $(patsubst %.c,$(BUILD)/%,$(TEST_SRCS))
VEC_TEST_BINS := $(patsubst %.c,$(BUILD)/%,$(VEC_TEST_SRCS))
VEC_GEN_BIN := $(patsubst %.c,$(BUILD)/%,$(VEC_GEN_SRCS))
INTEROP_TEST_BINS := $(patsubst %.c,$(BUILD)/%,$(INTEROP_TEST_SRCS))
INTEG_TEST_BINS := $(patsubst %.c,$(BUILD)/%,$(INTEG_TEST_SRCS))
FUZZ_BINS := $(patsubst %.c,$(BUILD)/%,$(FUZZ_SRCS))
FUZZ_GEN_BIN := $(BUILD)/tests/fuzz/gen_corpus
BENCH_BINS := $(patsubst %.c,$(BUILD)/%,$(BENCH_SRCS))
BENCH_REF_BINS := $(patsubst %.c,$(BUILD)/%,$(BENCH_REF_SRCS))

ALL_OBJS := $(call obj,$(COMMON_SRCS) $(CRYPTO_SRCS) $(SERVICE_SRCS) \
	$(KD_SRCS) $(KD_MAIN_SRCS) $(RELAY_SRCS) $(RELAY_MAIN_SRCS) \
	$(CLI_SRCS) $(CLI_MAIN_SRCS) \
	$(TEST_SRCS) \
	$(TEST_HELPER_SRCS) $(VEC_TEST_SRCS) $(VEC_GEN_SRCS) \
	$(INTEROP_TEST_SRCS) $(INTEROP_HELPER_SRCS) $(INTEG_TEST_SRCS) \
	$(INTEG_HELPER_SRCS) $(FUZZ_SRCS) \
	$(FUZZ_AUX_SRCS) $(BENCH_SRCS)) $(CLI_GEN_SRC:.c=.o)

# The suites make test runs: cmocka binaries by folder, then commands that
# print their own "N passed, M failed" line.
TEST_SUITES := $(BUILD)/tests/unit
ifneq ($(VEC_TEST_SRCS),)
TEST_SUITES += $(BUILD)/tests/vectors
endif
ifneq ($(wildcard tests/vectors/verify.py),)
TEST_SUITES += '$(PYTHON) tests/vectors/verify.py tests/vectors'
endif
ifneq ($(VEC_GEN_SRCS),)
TEST_SUITES += 'sh tests/vectors/check-regen.sh $(VEC_GEN_BIN) tests/vectors'
endif
ifneq ($(INTEROP_TEST_SRCS),)
TEST_SUITES += $(BUILD)/tests/interop
endif
TEST_SUITES += 'sh tests/fuzz/replay.sh $(BUILD)/tests/fuzz tests/fuzz/corpus'
TEST_SUITES += 'sh tests/install/check-docs.sh'
TEST_SUITES += 'sh tests/install/check-install.sh'
TEST_SUITES += 'sh scripts/demo.sh'
ifneq ($(INTEG_TEST_SRCS),)
TEST_SUITES += $(BUILD)/tests/integration
endif

# libFuzzer builds (make fuzz): clang only, in their own folder.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_BUILD := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all

FORMAT_DIRS := $(wildcard common crypto tests bench service keyserver relay \
	client-cli)

ifeq ($(V),1)
Q :=
msg := @true
else
Q := @
msg := @printf '  %-3s %s\n'
endif

# ---------------------------------------------------------------------------
# Targets.

.PHONY: all deps test check bench vectors corpus fuzz format install \
	uninstall clean demo FORCE
.DEFAULT_GOAL := all

all: $(LIBS_SP) $(LIBSERVICE) $(LIBKD) $(LIBRELAY) $(LIBCLI) $(PROGRAMS) $(TEST_BINS) $(VEC_TEST_BINS) $(VEC_GEN_BIN) \
	$(INTEROP_TEST_BINS) $(INTEG_TEST_BINS) $(FUZZ_BINS) $(FUZZ_GEN_BIN) $(BENCH_BINS)

deps:
	$(Q)sh scripts/deps.sh

# Build in a fresh make so pkg-config runs only after deps installed things.
test: deps
	$(Q)$(MAKE) --no-print-directory all
	$(Q)SEALPOST_BIN=$(BUILD)/bin MAKE='$(MAKE) BUILD=$(BUILD)' \
		sh tests/run.sh $(TEST_SUITES)

# Install what is missing, build the programs, and show two users talking
# through a key server and a relay on loopback (scripts/demo.sh).
demo: deps
	$(Q)$(MAKE) --no-print-directory $(PROGRAMS)
	$(Q)SEALPOST_BIN=$(BUILD)/bin sh scripts/demo.sh

# Rewrite the committed vector files from the generator (then review the
# diff: a change to the protocol must show up there).
vectors: $(VEC_GEN_BIN)
	$(Q)$(VEC_GEN_BIN) tests/vectors

# Rewrite the committed fuzz seeds.
corpus: $(FUZZ_GEN_BIN)
	$(Q)$(FUZZ_GEN_BIN) tests/fuzz/corpus

# Run every fuzz target for FUZZ_SECONDS under libFuzzer with ASan+UBSan.
# New inputs go to build/fuzz/corpus; the committed seeds are read only.
fuzz: deps
	$(Q)$(MAKE) --no-print-directory CC=$(FUZZ_CC) BUILD=$(FUZZ_BUILD) \
		CFLAGS='-O1 -g -fno-omit-frame-pointer $(FUZZ_SAN) -fsanitize=fuzzer-no-link' \
		LDFLAGS='$(FUZZ_SAN)' $(LIBS_SP:$(BUILD)/%=$(FUZZ_BUILD)/%)
	$(Q)set -e; for src in $(FUZZ_SRCS); do \
		t=$$(basename $$src .c); \
		case $$t in fuzz_payload) extra=client-cli/cli_payload.c ;; \
		*) extra= ;; esac; \
		$(FUZZ_CC) -std=c11 -D_POSIX_C_SOURCE=200809L -I. -O1 -g \
			$(FUZZ_SAN) -fsanitize=fuzzer $$src $$extra \
			$(LIBS_SP:$(BUILD)/%=$(FUZZ_BUILD)/%) $(SODIUM_LIBS) \
			-o $(FUZZ_BUILD)/$$t; \
		mkdir -p $(FUZZ_BUILD)/corpus/$$t; \
		echo "  FUZZ $$t ($(FUZZ_SECONDS)s)"; \
		$(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) \
			-print_final_stats=1 $(FUZZ_BUILD)/corpus/$$t \
			tests/fuzz/corpus/$${t#fuzz_}; \
	done

check: deps
	$(Q)ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	$(MAKE) --no-print-directory BUILD=build/san \
		CFLAGS='-O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer' \
		LDFLAGS='-fsanitize=address,undefined' WERROR=1 test

bench: $(LIBS_SP) $(BENCH_BINS) $(PROGRAMS)
	$(Q)set -e; for b in $(BENCH_BINS); do SEALPOST_BIN=$(BUILD)/bin $$b; done

format:
	$(Q)files=$$(find $(FORMAT_DIRS) -name '*.[ch]' 2>/dev/null | sort); \
	if [ -n "$$files" ]; then $(CLANG_FORMAT) -i $$files; fi

install: $(PROGRAMS)
	install -d '$(DESTDIR)$(DOCDIR)'
	install -m 0644 LICENSE $(wildcard README.md SECURITY.md docs/*.md) \
		'$(DESTDIR)$(DOCDIR)/'
ifneq ($(strip $(BINS)),)
	install -d '$(DESTDIR)$(BINDIR)'
	install -m 0755 $(BINS) '$(DESTDIR)$(BINDIR)/'
endif
	install -d '$(DESTDIR)$(MAN8DIR)' '$(DESTDIR)$(UNITDIR)' \
		'$(DESTDIR)$(EXAMPLEDIR)' '$(DESTDIR)$(SYSUSERSDIR)'
	install -m 0644 $(MANPAGES) '$(DESTDIR)$(MAN8DIR)/'
ifneq ($(strip $(MANPAGES1)),)
	install -d '$(DESTDIR)$(MAN1DIR)'
	install -m 0644 $(MANPAGES1) '$(DESTDIR)$(MAN1DIR)/'
endif
	install -m 0644 $(EXAMPLES) '$(DESTDIR)$(EXAMPLEDIR)/'
	install -m 0644 packaging/sysusers/sealpost.conf \
		'$(DESTDIR)$(SYSUSERSDIR)/sealpost.conf'
	$(Q)set -e; for u in $(UNITS); do \
		sed 's|@BINDIR@|$(BINDIR)|g' $$u \
			>'$(DESTDIR)$(UNITDIR)'/$${u##*/}; \
		chmod 0644 '$(DESTDIR)$(UNITDIR)'/$${u##*/}; \
	done

uninstall:
	rm -f $(foreach f,$(MANPAGES),'$(DESTDIR)$(MAN8DIR)/$(notdir $(f))')
	rm -f $(foreach f,$(MANPAGES1),'$(DESTDIR)$(MAN1DIR)/$(notdir $(f))')
	rm -f $(foreach f,$(UNITS),'$(DESTDIR)$(UNITDIR)/$(notdir $(f))')
	rm -f $(foreach f,$(EXAMPLES),'$(DESTDIR)$(EXAMPLEDIR)/$(notdir $(f))')
	rm -f '$(DESTDIR)$(SYSUSERSDIR)/sealpost.conf'
	-rmdir '$(DESTDIR)$(EXAMPLEDIR)' 2>/dev/null || true
	rm -f $(foreach f,LICENSE $(wildcard README.md SECURITY.md docs/*.md), \
		'$(DESTDIR)$(DOCDIR)/$(notdir $(f))')
	-rmdir '$(DESTDIR)$(DOCDIR)' 2>/dev/null || true
ifneq ($(strip $(BINS)),)
	rm -f $(foreach b,$(BINS),'$(DESTDIR)$(BINDIR)/$(notdir $(b))')
endif

clean:
	rm -rf build

# ---------------------------------------------------------------------------
# Rules.

# Rebuild everything when the compiler or flags change (e.g. CC=clang).
$(BUILD)/.flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CC) $(CFLAGS) $(LDFLAGS)' | cmp -s - $@ || \
		echo '$(CC) $(CFLAGS) $(LDFLAGS)' > $@

$(BUILD)/%.o: %.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/unit/%.o: tests/unit/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(CMOCKA_CFLAGS) \
		$(SERVICE_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/client-cli/%.o: client-cli/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(SERVICE_CFLAGS) \
		$(JANSSON_CFLAGS) $(EDIT_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/relay/%.o: relay/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(SERVICE_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BUILD)/keyserver/%.o: keyserver/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(SERVICE_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BUILD)/service/%.o: service/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(SERVICE_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BUILD)/gen/cli_vectors.c: $(EMBED_VECTORS) $(VECTOR_JSON)
	@mkdir -p $(@D)
	$(msg) GEN $@
	$(Q)sh $(EMBED_VECTORS) $@ $(VECTOR_JSON)

$(BUILD)/gen/%.o: $(BUILD)/gen/%.c $(BUILD)/.flags
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) -MMD -MP -c -o $@ $<

$(LIBCOMMON): $(COMMON_OBJS)
$(LIBCRYPTO): $(CRYPTO_OBJS)
$(LIBSERVICE): $(SERVICE_OBJS)
$(LIBKD): $(KD_OBJS)
$(LIBRELAY): $(RELAY_OBJS)
$(LIBCLI): $(CLI_OBJS)
$(LIBS_SP) $(LIBSERVICE) $(LIBKD) $(LIBRELAY) $(LIBCLI):
	@mkdir -p $(@D)
	$(msg) AR $@
	$(Q)rm -f $@ && $(AR) rcs $@ $^

$(BUILD)/tests/unit/test_%: $(BUILD)/tests/unit/test_%.o $(TEST_HELPER_OBJS) \
		$(TEST_LIBS)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(TEST_LIBS) \
		$(SODIUM_LIBS) $(SERVICE_LIBS) $(CLI_LIBS) $(CMOCKA_LIBS) \
		$(LDLIBS)

$(BUILD)/bench/bench_%: $(BUILD)/bench/bench_%.o $(INTEG_CLIENT_OBJS) \
		$(TEST_LIBS) $(PROGRAMS)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(TEST_LIBS) \
		$(SODIUM_LIBS) $(SERVICE_LIBS) $(CLI_LIBS) $(LDLIBS)

$(KEYSERVER): $(call obj,$(KD_MAIN_SRCS)) $(LIBKD) $(LIBSERVICE) $(LIBS_SP)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBKD) \
		$(LIBSERVICE) $(LIBS_SP) $(SODIUM_LIBS) $(SERVICE_LIBS) $(LDLIBS)

$(RELAY): $(call obj,$(RELAY_MAIN_SRCS)) $(LIBRELAY) $(LIBKD) $(LIBSERVICE) \
		$(LIBS_SP)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBRELAY) \
		$(LIBKD) $(LIBSERVICE) $(LIBS_SP) $(SODIUM_LIBS) $(SERVICE_LIBS) \
		$(LDLIBS)

# The client: crypto/ and the client store; never the daemons' code.
$(CLIENT): $(call obj,$(CLI_MAIN_SRCS)) $(LIBCLI) $(LIBSERVICE) $(LIBS_SP)
	@mkdir -p $(@D)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBCLI) \
		$(LIBSERVICE) $(LIBS_SP) $(SODIUM_LIBS) $(SERVICE_LIBS) \
		$(CLI_LIBS) $(LDLIBS)

# The client's decoders are fuzzed too: their objects join those targets.
FUZZ_CLI_OBJS := $(BUILD)/client-cli/cli_payload.o
$(BUILD)/tests/fuzz/fuzz_payload $(FUZZ_GEN_BIN): $(FUZZ_CLI_OBJS)

# Fuzz targets with a plain main() that replays their seed corpus.
$(BUILD)/tests/fuzz/fuzz_%: $(BUILD)/tests/fuzz/fuzz_%.o \
		$(BUILD)/tests/fuzz/replay.o $(LIBS_SP)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS_SP) \
		$(SODIUM_LIBS) $(LDLIBS)

$(FUZZ_GEN_BIN): $(BUILD)/tests/fuzz/gen_corpus.o $(LIBS_SP)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS_SP) \
		$(SODIUM_LIBS) $(LDLIBS)

# Vector generator and checkers: jansson for JSON.
$(BUILD)/tests/vectors/%.o: tests/vectors/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(CMOCKA_CFLAGS) \
		$(JANSSON_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/vectors/%: $(BUILD)/tests/vectors/%.o $(LIBS_SP)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(LIBS_SP) \
		$(SODIUM_LIBS) $(CMOCKA_LIBS) $(JANSSON_LIBS) $(LDLIBS)

# Integration tests: real daemons (found through $SEALPOST_BIN) driven over
# nng by a test client on common/proto.
$(BUILD)/tests/integration/%.o: tests/integration/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(CMOCKA_CFLAGS) \
		$(SERVICE_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/integration/test_%: $(BUILD)/tests/integration/test_%.o \
		$(INTEG_HELPER_OBJS) $(TEST_LIBS) $(PROGRAMS)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $(filter %.o,$^) $(TEST_LIBS) \
		$(SODIUM_LIBS) $(SERVICE_LIBS) $(CLI_LIBS) $(CMOCKA_LIBS) \
		$(LDLIBS)

# Interop tests and reference benchmarks: the reference libraries, after
# libsodium (see REF_LIBS). libsignal-protocol-c exports internal names
# (hkdf_extract, hkdf_expand) that Sealpost also defines: --exclude-libs
# keeps the archives' symbols out of the executable's dynamic table, so
# the library keeps calling its own.
REF_LDFLAGS := -Wl,--exclude-libs,ALL
$(BUILD)/tests/interop/%.o: tests/interop/%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(CMOCKA_CFLAGS) \
		$(REF_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/tests/interop/test_%: $(BUILD)/tests/interop/test_%.o \
		$(INTEROP_HELPER_OBJS) $(LIBS_SP)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(REF_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(LIBS_SP) $(SODIUM_LIBS) $(REF_LIBS) $(CMOCKA_LIBS) $(LDLIBS)

$(BUILD)/bench/bench_ref%.o: bench/bench_ref%.c $(BUILD)/.flags
	@mkdir -p $(@D)
	$(msg) CC $<
	$(Q)$(CC) $(CFLAGS) $(CPPFLAGS) $(SODIUM_CFLAGS) $(REF_CFLAGS) \
		-MMD -MP -c -o $@ $<

$(BUILD)/bench/bench_ref%: $(BUILD)/bench/bench_ref%.o \
		$(INTEROP_HELPER_OBJS) $(LIBS_SP)
	$(msg) LD $@
	$(Q)$(CC) $(CFLAGS) $(LDFLAGS) $(REF_LDFLAGS) -o $@ $(filter %.o,$^) \
		$(LIBS_SP) $(SODIUM_LIBS) $(REF_LIBS) $(LDLIBS)

# Keep objects that only pattern rules mention (make would delete them).
.SECONDARY: $(ALL_OBJS)

-include $(ALL_OBJS:.o=.d)
