# gradlab — make | make test | make asan | make bench | make run | make install PREFIX=… | make clean
#           make stress | make valgrind | make reliability (both) | make fuzz
#
# Every library comes from Debian and is found with pkg-config. `make run` and
# `make test` first run tools/deps.sh, which installs missing packages as root
# or prints the apt-get line.

PREFIX ?= /usr/local
CC ?= cc
# SANITIZE=1 builds everything with AddressSanitizer + UBSan into build-asan/.
ifeq ($(SANITIZE),1)
BUILD ?= build-asan
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
# GL_NO_POOL: every buffer malloc'd at its exact size and freed at once, so
# ASan sees overruns and use-after-free that reused buffers would hide
OPT = -O1 -DGL_NO_POOL
else
BUILD ?= build
SANFLAGS =
# Link-time optimization: the binding and the ops call many one-line engine
# functions in other files (gl_data_ptr, gl_dtype_size, gl_numel, ...);
# inlining them across files took 15% off a loop of small ops
# (bench/PROFILE.md). Fat objects also link without it (bench/profile.sh).
# `make LTO=` builds without.
LTO ?= -flto=auto -ffat-lto-objects
OPT = -O2 $(LTO)
endif

PKGS_ENGINE = openblas
PKGS_LUA = lua5.4
PKGS_VIZ = sdl2 SDL2_ttf SDL2_image
PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS_ENGINE) $(PKGS_LUA) $(PKGS_VIZ) readline 2>/dev/null)
LIBS_ENGINE := $(shell pkg-config --libs $(PKGS_ENGINE) 2>/dev/null) -lm
LIBS_VIZ := $(shell pkg-config --libs $(PKGS_VIZ) 2>/dev/null)
LIBS_LUA := $(shell pkg-config --libs $(PKGS_LUA) 2>/dev/null)
LIBS_READLINE := $(shell pkg-config --libs readline 2>/dev/null || echo -lreadline)

CFLAGS ?= $(OPT) -g
# -fno-math-errno: nothing reads errno, and without it gcc won't vectorize sqrt loops;
# -fno-trapping-math: nothing reads FP exception flags, and without it gcc won't
# turn per-element selects (ReLU's backward) into vector blends. IEEE results
# (NaN, inf, rounding) are unchanged.
CFLAGS += -std=c11 -D_GNU_SOURCE -Wall -Wextra -fPIC -fno-math-errno -fno-trapping-math $(SANFLAGS) -Iengine -Ilua -Iviz $(PKG_CFLAGS)
LDFLAGS += $(SANFLAGS) $(filter -flto%,$(LTO))

ENGINE_SRC := $(sort $(wildcard engine/*.c))
LUA_C_SRC := $(sort $(wildcard lua/*.c))
LUA_LIB_SRC := $(sort $(wildcard lua/lib/*.lua))
LESSON_SRC := $(sort $(wildcard lessons/*.lua))
VIZ_SRC := $(sort $(wildcard viz/*.c))
REPL_SRC := $(sort $(wildcard repl/*.c))
ENGINE_TEST_SRC := $(sort $(wildcard tests/engine/*.c))

ENGINE_OBJ := $(ENGINE_SRC:%.c=$(BUILD)/obj/%.o)
LUA_OBJ := $(LUA_C_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/lua/embedded.o
VIZ_OBJ := $(VIZ_SRC:%.c=$(BUILD)/obj/%.o)
REPL_OBJ := $(REPL_SRC:%.c=$(BUILD)/obj/%.o)

LIB := $(BUILD)/libgradlab.a
PROG := $(BUILD)/gradlab
MODULE := $(BUILD)/gradlab.so
ENGINE_TESTS := $(BUILD)/tests/test_engine

.PHONY: all deps test-deps test asan bench run install clean
all: $(LIB) $(if $(REPL_SRC),$(PROG)) $(if $(LUA_C_SRC),$(MODULE))

deps:
	@sh tools/deps.sh
test-deps:
	@sh tools/deps.sh test

$(BUILD)/obj/%.o: %.c $(wildcard engine/*.h lua/*.h viz/*.h repl/*.h)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c $< -o $@

$(LIB): $(ENGINE_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

# The Lua parts of the module (lua/lib/*.lua as gradlab.<name>) and the
# lessons (as lessons.<name>) are compiled into the program and the module.
$(BUILD)/obj/lua/embedded.c: tools/embed.lua $(LUA_LIB_SRC) $(LESSON_SRC)
	@mkdir -p $(dir $@)
	lua5.4 tools/embed.lua $@ $(foreach f,$(LUA_LIB_SRC),gradlab.$(basename $(notdir $(f)))=$(f)) \
	    $(foreach f,$(LESSON_SRC),lessons.$(basename $(notdir $(f)))=$(f))
$(BUILD)/obj/lua/embedded.o: $(BUILD)/obj/lua/embedded.c
	$(CC) $(CFLAGS) -c $< -o $@

$(PROG): $(REPL_OBJ) $(LUA_OBJ) $(VIZ_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -o $@ $(REPL_OBJ) $(LUA_OBJ) $(VIZ_OBJ) $(LIB) $(LIBS_LUA) $(LIBS_READLINE) \
	    $(LIBS_VIZ) $(LIBS_ENGINE)

# For a stock lua5.4: Lua's symbols come from the interpreter.
$(MODULE): $(LUA_OBJ) $(VIZ_OBJ) $(LIB)
	$(CC) $(LDFLAGS) -fPIC -shared -o $@ $(LUA_OBJ) $(VIZ_OBJ) $(LIB) $(LIBS_VIZ) $(LIBS_ENGINE)

$(ENGINE_TESTS): $(ENGINE_TEST_SRC) $(LIB) tests/engine/test.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/engine -o $@ $(ENGINE_TEST_SRC) $(LIB) $(LDFLAGS) \
	    $$(pkg-config --cflags --libs cmocka) $(LIBS_ENGINE)

test: test-deps all $(ENGINE_TESTS)
	@BUILD=$(BUILD) sh tests/run.sh

asan:
	$(MAKE) SANITIZE=1 test

# Reliability: 100 Ctrl-C's into a running gl.nn.fit at the REPL (make test
# runs 10), and every lesson under valgrind memcheck (slow: see the script).
.PHONY: stress valgrind reliability
stress: all
	/usr/bin/python3 tests/repl/test_interrupts.py --count $${INTERRUPTS:-100} $(PROG)
valgrind: all
	@BUILD=$(BUILD) sh tools/valgrind_lessons.sh
reliability: stress valgrind

# fuzz-lib: libFuzzer targets for the engine's readers of untrusted bytes
# (tests/fuzz/fuzz_{npy,csv,literal}.c), compiled with clang straight from the
# engine's sources into $(BUILD)/fuzz/, each run FUZZ_TIME seconds from the
# seeds in tests/fuzz/corpus/ (tests/fuzz/run_lib.sh prints the executions).
FUZZ_CC ?= clang
FUZZ_TIME ?= 60
FUZZ_LIB_BINS := $(patsubst %,$(BUILD)/fuzz/fuzz_%,npy csv literal)
FUZZ_CFLAGS = -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -fno-omit-frame-pointer -std=c11 -D_GNU_SOURCE -DGL_NO_POOL -Wall -Wextra -Iengine \
    $(shell pkg-config --cflags $(PKGS_ENGINE) 2>/dev/null)

$(FUZZ_LIB_BINS): $(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(ENGINE_SRC) $(wildcard engine/*.h)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(ENGINE_SRC) $(LIBS_ENGINE)

.PHONY: fuzz-lib fuzz-lib-deps
fuzz-lib-deps:
	@sh tools/deps.sh fuzz
fuzz-lib: fuzz-lib-deps
	@$(MAKE) --no-print-directory $(FUZZ_LIB_BINS)
	@BUILD=$(BUILD) FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run_lib.sh

# fuzz-api: the Lua API fuzzer (tests/fuzz/api_fuzz.lua) in the sanitizer
# build of the program, FUZZ_API_CALLS calls in 10 runs of different seeds
# from FUZZ_SEED (default: from the clock; printed, to rerun one). `make
# test` runs 100,000 calls with seed 1 (tests/suites/fuzz.sh).
FUZZ_API_CALLS ?= 1000000
.PHONY: fuzz fuzz-api
fuzz: fuzz-api fuzz-lib
fuzz-api:
	@$(MAKE) --no-print-directory SANITIZE=1 BUILD=build-asan build-asan/gradlab
	@sh tests/fuzz/run_api.sh $(FUZZ_API_CALLS) 10 $${FUZZ_SEED:-$$(($$(date +%s) % 100000 * 100))}

bench: all
	@BUILD=$(BUILD) sh bench/run.sh

run: deps all
	./$(PROG)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/lib/lua/5.4
	install -m 755 $(PROG) $(DESTDIR)$(PREFIX)/bin/gradlab
	install -m 644 $(MODULE) $(DESTDIR)$(PREFIX)/lib/lua/5.4/gradlab.so

clean:
	rm -rf build build-asan
