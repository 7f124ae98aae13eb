# connect-kvs-recorder: one static library of the modules, thin mains on top.
#
#   make              build/bootstrap and the command-line tools
#   make test         unit tests (cmocka) + integration tests (Python unittest)
#   make test SAN=1   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz         libFuzzer targets, FUZZ_SECONDS each (clang)
#   make bench        benchmarks (figures go to the README by hand)
#   make demo         the local end-to-end demo
#
# Modules are found by directory: every .c under MODULE_DIRS goes into the
# library, every tools/*.c is a program, every tests/unit/test_*.c a test,
# every tests/drivers/*.c a helper program for the Python integration tests.
# BUILD=dir picks another build directory (parallel work never shares one).

CC      ?= cc
SAN     ?= 0
PKGS    := libcurl libcjson sndfile zlib libcrypto

ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT     := -O1 -g
else
BUILD   ?= build
SANFLAGS :=
OPT     := -O2 -g
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wpointer-arith -Wvla
CPPFLAGS += -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS))
CFLAGS  += -std=c11 $(OPT) $(WARN) $(SANFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lm
LDFLAGS += $(SANFLAGS)

MODULE_DIRS := common runtime handler kvs audio sigv4 aws s3
LIB_SRCS  := $(foreach d,$(MODULE_DIRS),$(wildcard $(d)/*.c))
LIB_OBJS  := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o)
LIB       := $(BUILD)/librecorder.a

TOOL_SRCS := $(wildcard tools/*.c)
TOOLS     := $(TOOL_SRCS:tools/%.c=$(BUILD)/%)
TEST_SRCS := $(wildcard tests/unit/test_*.c)
TESTS     := $(TEST_SRCS:tests/unit/%.c=$(BUILD)/tests/%)
# Small C programs that integration tests drive (not shipped, not cmocka).
DRIVER_SRCS := $(wildcard tests/drivers/*.c)
DRIVERS   := $(DRIVER_SRCS:tests/drivers/%.c=$(BUILD)/drivers/%)
FUZZ_SRCS := $(wildcard fuzz/fuzz_*.c)

.PHONY: all test unit-tests bench fuzz demo clean build-ProcessKvsRecording
# Keep object files of tools, tests and drivers between builds.
.SECONDARY:
all: $(BUILD)/bootstrap $(TOOLS)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(CFLAGS) -MMD -MP -c $< -o $@

$(LIB): $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/bootstrap: $(BUILD)/obj/bootstrap.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%: $(BUILD)/obj/tools/%.o $(LIB)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/tests/%: $(BUILD)/obj/tests/unit/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS) -lcmocka

$(BUILD)/drivers/%: $(BUILD)/obj/tests/drivers/%.o $(LIB)
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit-tests: all $(TESTS) $(DRIVERS)

# One command runs every test and ends with "N passed, N failed".
test: unit-tests
	BUILD_DIR=$(BUILD) python3 tests/run.py

fuzz:
	BUILD_DIR=build-fuzz scripts/fuzz

bench: all
	BUILD_DIR=$(BUILD) scripts/bench

demo: all
	BUILD_DIR=$(BUILD) python3 scripts/demo.py

# What `sam build` runs (BuildMethod: makefile) in a scratch copy of the tree.
build-ProcessKvsRecording: $(BUILD)/bootstrap
	cp $(BUILD)/bootstrap $(ARTIFACTS_DIR)/bootstrap

clean:
	rm -rf build build-san build-fuzz

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
