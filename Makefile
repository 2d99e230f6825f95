# envinit - a plain Makefile.
#
#   make            install missing Debian packages (make deps), build static build/envinit
#   make demo       build and run the bundled example
#   make test       install the test packages (make test-deps), then every
#                   test: cmocka unit tests (ASan/UBSan) + integration,
#                   container engine (podman) included
#   make install    PREFIX, DESTDIR, BINDIR, MANDIR honoured
#
# The static binary is built with musl-gcc (Debian musl-tools) against
# Debian's libsodium.a and libinih.a; without musl it falls back to glibc
# -static. Unit tests are built with the system compiler and sanitizers.

PREFIX ?= /usr/local
BINDIR ?= $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
DESTDIR ?=

HOSTCC ?= cc
MULTIARCH := $(shell $(HOSTCC) -print-multiarch 2>/dev/null)
SYSLIBDIR ?= /usr/lib/$(MULTIARCH)

MUSL_GCC := $(shell command -v musl-gcc 2>/dev/null)
ifeq ($(origin CC),default)
  ifneq ($(MUSL_GCC),)
    CC := musl-gcc
  else
    CC := $(HOSTCC)
  endif
endif
IS_MUSL := $(if $(findstring musl,$(CC)),1,)

WARN = -std=c11 -Wall -Wextra -Wpedantic -Wshadow -Wformat=2 \
       -Wstrict-prototypes -Wmissing-prototypes -Wvla
WERROR ?= -Werror
CPPFLAGS_ALL = -D_GNU_SOURCE -MMD -MP $(CPPFLAGS)

BUILD = build
SRCS = $(wildcard src/*.c)
LIB_SRCS = $(filter-out src/main.c src/compat.c,$(SRCS))

# ---- the static binary ---------------------------------------------------
REL_CFLAGS = -Os -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables
ifeq ($(IS_MUSL),1)
  # musl-gcc searches only musl's headers: expose just the two we need.
  REL_INC = -I$(BUILD)/musl-include
  REL_OBJS = $(patsubst src/%.c,$(BUILD)/rel/%.o,$(LIB_SRCS) src/main.c src/compat.c)
  REL_LIBS = $(SYSLIBDIR)/libinih.a $(SYSLIBDIR)/libsodium.a
  # The start-up arena (src/arena.h): every malloc of the binary, libc's
  # own included, goes through it until envinit closes it.
  REL_WRAP = -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=free
  $(BUILD)/rel/arena.o: CPPFLAGS_ALL += -DENVINIT_ARENA
else
  REL_INC =
  REL_OBJS = $(patsubst src/%.c,$(BUILD)/rel/%.o,$(LIB_SRCS) src/main.c)
  REL_LIBS = -linih -lsodium
endif
REL_LDFLAGS = -static -Wl,--gc-sections -s $(REL_WRAP)

.PHONY: all deps test-deps build demo test unit integration lint lint-man install clean bench fuzz

all: deps
	@$(MAKE) --no-print-directory build

build: $(BUILD)/envinit $(BUILD)/service

# The example service of examples/pulse-platform (examples/service): static
# too, so that the example image is FROM scratch.
$(BUILD)/service: examples/service/service.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) $(WERROR) -Os $(CFLAGS) -static -s -o $@ $<

$(BUILD)/musl-include/.stamp:
	mkdir -p $(BUILD)/musl-include
	ln -sf /usr/include/sodium.h /usr/include/sodium /usr/include/ini.h $(BUILD)/musl-include/
	touch $@

$(BUILD)/rel/%.o: src/%.c $(if $(IS_MUSL),$(BUILD)/musl-include/.stamp)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(REL_INC) $(WARN) $(WERROR) $(REL_CFLAGS) $(CFLAGS) -c $< -o $@

$(BUILD)/envinit: $(REL_OBJS)
	$(CC) $(REL_LDFLAGS) $(LDFLAGS) -o $@ $(REL_OBJS) $(REL_LIBS)

# ---- dependencies --------------------------------------------------------
# `make deps`: what building build/envinit needs. gcc only *recommends*
# libc6-dev (the C headers), and packages are installed without their
# recommends, so it is named here. `make test-deps`: what `make test` runs
# on top: cmocka, valgrind, mandoc, the tools the integration tests call
# (unshare, mount, ps, file, strace) and a container engine for t-engine (podman
# with runc, podman-compose, debootstrap for a local base image).
DEPS_PKGS = gcc libc6-dev make musl-tools libsodium-dev libinih-dev
TEST_PKGS = $(DEPS_PKGS) libcmocka-dev file util-linux mount procps mandoc \
            valgrind strace podman runc podman-compose debootstrap
INSTALL_PKGS = $(DEPS_PKGS)

# apt-get update runs with TMPDIR=/var/tmp: its signature check runs as
# _apt, which cannot write to a /tmp of mode 0700.
deps:
	@command -v dpkg-query >/dev/null 2>&1 || { echo "deps: not a Debian system; install: $(INSTALL_PKGS)"; exit 0; }; \
	missing=$$(for p in $(INSTALL_PKGS); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" != 0 ]; then echo "deps: missing packages:" $$missing "(run 'make deps' as root)"; exit 1; fi; \
	echo "deps: installing" $$missing; \
	export DEBIAN_FRONTEND=noninteractive TMPDIR=/var/tmp; \
	apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null

test-deps:
	@$(MAKE) --no-print-directory deps INSTALL_PKGS="$(TEST_PKGS)"

# ---- tests ---------------------------------------------------------------
TEST_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE
UNIT_SRCS = $(wildcard tests/unit/test_*.c)
UNIT_BINS = $(patsubst tests/unit/%.c,$(BUILD)/test/%,$(UNIT_SRCS))

$(BUILD)/test/%.o: src/%.c
	@mkdir -p $(@D)
	$(HOSTCC) $(CPPFLAGS_ALL) -Isrc $(WARN) $(WERROR) $(TEST_CFLAGS) -c $< -o $@

# Each unit test names the modules it links in a "// OBJS: a b c" line
# (and any -Wl,--wrap flags in a "// LDWRAP: ..." line), so a test builds
# even while an unrelated module is being changed.
.SECONDEXPANSION:
.SECONDARY:
test_objs = $(patsubst %,$(BUILD)/test/%.o,$(shell sed -n 's,^// OBJS: ,,p' $(1)))
$(BUILD)/test/test_%: tests/unit/test_%.c $$(call test_objs,tests/unit/test_$$*.c)
	@mkdir -p $(@D)
	$(HOSTCC) $(CPPFLAGS_ALL) -Isrc $(WARN) $(TEST_CFLAGS) -o $@ $< \
	  $(call test_objs,$<) $(shell sed -n 's,^// LDWRAP: ,,p' $<) -lcmocka -linih -lsodium

# Static helper programs the integration tests run as the service.
HELPERS = $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))
$(BUILD)/helpers/%: tests/helpers/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS_ALL) $(WARN) -Os -static -o $@ $<

# The same sources linked dynamically against glibc, for the valgrind pass
# of tests/run.sh: memcheck cannot replace a static binary's malloc.
VG_OBJS = $(patsubst src/%.c,$(BUILD)/vg/%.o,$(LIB_SRCS) src/main.c)
$(BUILD)/vg/%.o: src/%.c
	@mkdir -p $(@D)
	$(HOSTCC) $(CPPFLAGS_ALL) $(WARN) -g -O1 -fno-omit-frame-pointer $(CFLAGS) -c $< -o $@
$(BUILD)/vg/envinit: $(VG_OBJS)
	$(HOSTCC) $(LDFLAGS) -o $@ $(VG_OBJS) -linih -lsodium

test: test-deps
	@$(MAKE) --no-print-directory build $(HELPERS) $(UNIT_BINS) $(BUILD)/vg/envinit
	@$(MAKE) --no-print-directory lint-man
	@sh tests/run.sh $(UNIT_BINS)

# ---- static analysis -----------------------------------------------------
# `make lint`: clang-tidy (checks and the reasons for each exclusion in
# .clang-tidy), cppcheck, and every source compiled with the project's
# warning set (WARN above) and -Werror by gcc and by clang, optimised so that gcc's
# flow warnings (-Wmaybe-uninitialized ...) run too. src/compat.c is left
# out of clang-tidy only: it defines glibc's reserved __explicit_bzero_chk.
# src/arena.c is checked twice: as the glibc builds compile it, and with
# ENVINIT_ARENA as the release build does.
LINT_PKGS = gcc clang clang-tidy cppcheck libsodium-dev libinih-dev mandoc
CLANG_TIDY ?= clang-tidy
CPPCHECK ?= cppcheck
LINT_CPPFLAGS = -D_GNU_SOURCE -Isrc

lint:
	@$(MAKE) --no-print-directory deps INSTALL_PKGS="$(LINT_PKGS)"
	@st=0; for f in $(SRCS) src/arena.c:-DENVINIT_ARENA; do \
	  d=$${f#*:}; [ "$$d" = "$$f" ] && d=; f=$${f%%:*}; \
	  $(HOSTCC) $(LINT_CPPFLAGS) $$d $(WARN) -Werror -O2 -c -o /dev/null $$f || st=1; \
	  clang $(LINT_CPPFLAGS) $$d $(WARN) -Werror -O2 -c -o /dev/null $$f || st=1; \
	done; [ $$st = 0 ] && echo "lint: gcc and clang -Werror clean"
	@$(CPPCHECK) --enable=warning,performance,portability --error-exitcode=1 \
	  --inline-suppr --std=c11 $(LINT_CPPFLAGS) -q \
	  --template='{file}:{line}: {severity}: {message} [{id}]' $(SRCS) && \
	$(CPPCHECK) --enable=warning,performance,portability --error-exitcode=1 \
	  --inline-suppr --std=c11 $(LINT_CPPFLAGS) -DENVINIT_ARENA -q src/arena.c && \
	  echo "lint: cppcheck clean"
	@out=$$(mktemp); \
	printf '%s\n' $(filter-out src/compat.c,$(SRCS)) | \
	  xargs -P 2 -n 5 sh -c '$(CLANG_TIDY) --quiet "$$@" -- -std=c11 $(LINT_CPPFLAGS)' sh \
	  >$$out 2>&1; \
	st=$$?; \
	$(CLANG_TIDY) --quiet src/arena.c -- -std=c11 $(LINT_CPPFLAGS) -DENVINIT_ARENA >>$$out 2>&1 || st=1; \
	grep -v -e '^[0-9]* warnings* generated' -e '^Suppressed [0-9]* warnings' \
	  -e '^Use -header-filter' -e '^Use -system-headers' $$out; \
	rm -f $$out; [ "$$st" = 0 ] && echo "lint: clang-tidy clean"
	@$(MAKE) --no-print-directory lint-man

# The man pages (mdoc) must be free of mandoc warnings.
lint-man:
	@mandoc -T lint -W warning man/*.[0-9] && echo "lint-man: man/*.[0-9] clean"

# ---- fuzzing (fuzz/README.md) --------------------------------------------
# libFuzzer targets built with clang; `make fuzz FUZZ_SECONDS=N` runs each
# for N seconds (FUZZ_RUNS=N: N executions each instead; FUZZ_TARGETS="envfile
# rules": only those). Sources are not
# built with -Werror here: lint does that, fuzzing should not stop on it.
FUZZ_PKGS = clang libclang-rt-14-dev libsodium-dev libinih-dev
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_CFLAGS = -g -O1 -fno-omit-frame-pointer -fsanitize=address,undefined \
              -fno-sanitize-recover=undefined -U_FORTIFY_SOURCE
FUZZ_TARGETS ?= $(patsubst fuzz/fuzz_%.c,%,$(wildcard fuzz/fuzz_*.c))
FUZZ_BINS = $(patsubst %,$(BUILD)/fuzz/fuzz_%,$(FUZZ_TARGETS))
# Every target links every module but main.c, so a module that gains a
# dependency cannot break a target's link (the fuzzers are not built by make test).
FUZZ_OBJS = $(patsubst src/%.c,$(BUILD)/fuzz/%.o,$(LIB_SRCS))

$(BUILD)/fuzz/%.o: src/%.c
	@mkdir -p $(@D)
	$(FUZZ_CC) $(CPPFLAGS_ALL) -Isrc $(WARN) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c $< -o $@

$(BUILD)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/common.h $(FUZZ_OBJS)
	$(FUZZ_CC) $(CPPFLAGS_ALL) -Isrc $(WARN) $(WERROR) $(FUZZ_CFLAGS) -fsanitize=fuzzer \
	  -o $@ $< $(FUZZ_OBJS) -linih -lsodium

fuzz:
	@$(MAKE) --no-print-directory deps INSTALL_PKGS="$(FUZZ_PKGS)"
	@$(MAKE) --no-print-directory build $(FUZZ_BINS)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_RUNS=$(FUZZ_RUNS) sh fuzz/run.sh $(FUZZ_BINS)

unit: $(UNIT_BINS)
	@sh tests/run.sh --unit-only $(UNIT_BINS)

integration: build $(HELPERS)
	@sh tests/run.sh --integration-only

demo: all
	@sh examples/demo.sh

# Startup, size, RSS, latency and scaling against tini, dumb-init,
# catatonit and a bash entrypoint; writes bench/RESULTS.md.
bench: all
	@sh bench/run.sh

install: build
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 $(BUILD)/envinit $(DESTDIR)$(BINDIR)/envinit
	@for m in man/*.[0-9]; do [ -f "$$m" ] || continue; \
	  s=$${m##*.}; install -d $(DESTDIR)$(MANDIR)/man$$s; \
	  echo install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; \
	  install -m 0644 $$m $(DESTDIR)$(MANDIR)/man$$s/; done

clean:
	rm -rf $(BUILD)

-include $(wildcard $(BUILD)/rel/*.d $(BUILD)/test/*.d $(BUILD)/fuzz/*.d $(BUILD)/vg/*.d)
