# waymark: see README.md. Targets: all run test asan fuzz bench install clean.
PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
CFLAGS  ?= -O2 -g
WERROR  ?=
PKGS    := libcmark-gfm lua5.4 libsass minizip zlib libdeflate yaml-0.1 libsodium gumbo libmicrohttpd sqlite3
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS))
PKG_LIBS   = $(shell pkg-config --libs $(PKGS)) -lgettextpo -lpthread -lm
# mimalloc replaces malloc for waymark and every library it calls (Lua, cmark,
# libyaml): on a 10,000-page build glibc's malloc took 14% of the CPU. Debian's
# libmimalloc-dev ships no .pc file, hence the plain -l. MALLOC= builds with
# the C library's malloc, as the sanitizer builds do (they bring their own).
MALLOC ?= mimalloc
ifeq ($(MALLOC),mimalloc)
MALLOC_LIB    := -lmimalloc
MALLOC_CFLAGS := -DWAYMARK_MIMALLOC
endif
ALL_CFLAGS = -std=c11 -D_POSIX_C_SOURCE=200809L -Wall -Wextra $(WERROR) -MMD -MP \
             $(CFLAGS) $(PKG_CFLAGS) $(MALLOC_CFLAGS) -Igenerator
# main.c's objects depend on the allocator: each builds in its own folder.
BUILD   ?= build$(if $(MALLOC_LIB),,/libc)
BIN     ?= $(if $(MALLOC_LIB),waymark,$(BUILD)/waymark)
VERSION := $(shell cat generator/VERSION)

SRCS      := $(wildcard generator/*.c)
OBJS      := $(SRCS:generator/%.c=$(BUILD)/%.o)
LIB_OBJS  := $(filter-out $(BUILD)/main.o,$(OBJS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(UNIT_SRCS:tests/unit/%.c=$(BUILD)/unit/%)

.PHONY: all run test unit asan fuzz fuzz-build fuzz-bins bench bench-large install clean deps test-deps golden

all: $(BIN)

$(BIN): $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $(OBJS) $(MALLOC_LIB) $(PKG_LIBS) $(LDFLAGS)

$(BUILD)/%.o: generator/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DWAYMARK_VERSION='"$(VERSION)"' -c -o $@ $<

$(BUILD)/unit/%: tests/unit/%.c $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(PKG_LIBS) -lcmocka $(LDFLAGS)

unit: $(UNIT_BINS)

# Installs missing build packages, builds, then builds the repository's own site.
run: deps
	@$(MAKE) --no-print-directory all
	./waymark build .

deps:
	@bash .ci/deps build

test-deps:
	@bash .ci/deps test

# Installs what the tests need, then runs every suite; ends with "N passed, N failed".
test: test-deps
	@$(MAKE) --no-print-directory all unit
	@bash tests/run.sh

# The same suites under AddressSanitizer and UndefinedBehaviorSanitizer.
asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build/asan BIN=build/asan/waymark WERROR=-Werror MALLOC= \
	  CFLAGS="-O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=address,undefined" all unit
	@WAYMARK_BUILD=build/asan WAYMARK_BIN=$(CURDIR)/build/asan/waymark WAYMARK_THEMES=$(CURDIR)/themes \
	  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 bash tests/run.sh --no-browser

# libFuzzer targets (tests/fuzz/fuzz_*.c), built with clang into build/fuzz/
# and run for FUZZ_SECONDS each; see tests/fuzz/README.md.
FUZZ_SECONDS ?= 20
FUZZ_CC      ?= clang
FUZZ_SRCS    := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS    := $(FUZZ_SRCS:tests/fuzz/%.c=$(BUILD)/%)

fuzz: fuzz-build
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

fuzz-build:
	@$(MAKE) -s --no-print-directory BUILD=build/fuzz CC=$(FUZZ_CC) WERROR=-Werror MALLOC= \
	  CFLAGS="-O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined" \
	  LDFLAGS="-fsanitize=fuzzer,address,undefined" fuzz-bins

fuzz-bins: $(FUZZ_BINS)

$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(LIB_OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(LIB_OBJS) $(PKG_LIBS) $(LDFLAGS)


# The benchmark against Hugo (tests/bench/bench.sh): a script, not a test.
bench: all
	@bash tests/bench/bench.sh 1000 10000

bench-large: all
	@bash tests/bench/bench.sh 1000 10000 100000

golden: all
	@bash tests/e2e/golden.sh --update

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1
	install -m 755 waymark $(DESTDIR)$(PREFIX)/bin/waymark
	install -m 644 generator/waymark.1 $(DESTDIR)$(PREFIX)/share/man/man1/waymark.1
	install -d $(DESTDIR)$(PREFIX)/share/waymark/themes
	cp -R themes/default $(DESTDIR)$(PREFIX)/share/waymark/themes/

clean:
	rm -rf $(BUILD) waymark out

-include $(OBJS:.o=.d)
