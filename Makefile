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
# The deployment artifact (README "Deployment artifact"): STATIC=1 builds
# against the static musl toolchain and libraries that scripts/build-deps
# makes (and caches outside the tree) for ARCH: x86_64 or arm64, by default
# arm64 like the template's Architecture parameter.
STATIC  ?= 0
ARCH    ?= arm64
STATIC_BUILD ?= build-static-$(ARCH)

ifeq ($(STATIC),1)
ifeq ($(SAN),1)
$(error STATIC=1 and SAN=1 do not combine: the artifact is never sanitized)
endif
DEPS    := $(shell scripts/build-deps --print-prefix $(ARCH))
BUILD   ?= $(STATIC_BUILD)
override CC := $(DEPS)/bin/cc
SANFLAGS :=
OPT     := -O2 -g -ffunction-sections -fdata-sections
else ifeq ($(SAN),1)
BUILD   ?= build-san
SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
OPT     := -O1 -g
else
BUILD   ?= build
SANFLAGS :=
OPT     := -O2 -g
endif

WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wpointer-arith -Wvla
# libsndfile's codecs (OUTPUT_FORMAT flac, mp3, opus), in link order; the
# dynamic build gets them through libsndfile.so.
SNDFILE_CODECS := -lFLAC -lvorbisenc -lvorbis -lopus -logg -lmp3lame -lmpg123
ifeq ($(STATIC),1)
# bin/cc puts the prefix's include/ and lib/ (musl, the five libraries) first.
CPPFLAGS += -D_GNU_SOURCE -I.
CFLAGS  += -std=c11 $(OPT) $(WARN)
LDLIBS  += -lcurl -lssl -lcrypto -lsndfile $(SNDFILE_CODECS) -lcjson -lz -lm -pthread
LDFLAGS += -static -Wl,--gc-sections -Wl,-z,noexecstack
else
CPPFLAGS += -D_GNU_SOURCE -I. $(shell pkg-config --cflags $(PKGS))
CFLAGS  += -std=c11 $(OPT) $(WARN) $(SANFLAGS)
LDLIBS  += $(shell pkg-config --libs $(PKGS)) -lm
LDFLAGS += $(SANFLAGS)
endif

MODULE_DIRS := common runtime handler connect kvs recorder audio sigv4 aws services s3
# The Amazon Chime SDK domain (issue 10).
MODULE_DIRS += chime
# video call recording (issue 13): the video/ room
MODULE_DIRS += video
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

.PHONY: all test unit-tests bench fuzz demo clean build-ProcessKvsRecording print-module-dirs
.PHONY: demo-chime build-ChimeVoiceConnectorRecorder build-SmaOnDemandRecording
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

# The library's folders, for scripts that build outside this Makefile (scripts/fuzz).
print-module-dirs:
	@echo $(MODULE_DIRS)

# One command runs every test and ends with "N passed, N failed".
test: unit-tests
	BUILD_DIR=$(BUILD) python3 tests/run.py

fuzz:
	BUILD_DIR=build-fuzz scripts/fuzz

bench: all
	BUILD_DIR=$(BUILD) scripts/bench

demo: all
	BUILD_DIR=$(BUILD) python3 scripts/demo.py

# What `sam build` runs (BuildMethod: makefile) in a scratch copy of the tree:
# a static bootstrap for ARCH (musl, libcurl, OpenSSL, cJSON, libsndfile, zlib
# linked in; it needs nothing but the kernel), stripped, into ARTIFACTS_DIR.
# `ARCH=x86_64 sam build` when the stack is deployed with Architecture=x86_64.
build-ProcessKvsRecording:
	@test -n "$(ARTIFACTS_DIR)" || { echo "ARTIFACTS_DIR is not set (sam build sets it)" >&2; exit 1; }
	$(MAKE) STATIC=1 SAN=0 ARCH=$(ARCH) BUILD=$(STATIC_BUILD) $(STATIC_BUILD)/bootstrap
	mkdir -p $(ARTIFACTS_DIR)
	$(ART_DEPS)/bin/strip -o $(ARTIFACTS_DIR)/bootstrap $(STATIC_BUILD)/bootstrap
	chmod 755 $(ARTIFACTS_DIR)/bootstrap

ART_DEPS = $(shell scripts/build-deps --print-prefix $(ARCH))

# The Amazon Chime SDK handlers (issue 10) are the same bootstrap: `sam build`
# runs build-<LogicalId> for each function, each with its own ARTIFACTS_DIR.
build-ChimeVoiceConnectorRecorder build-SmaOnDemandRecording: build-ProcessKvsRecording

# The Voice Connector demo: a two-leg call recorded into one aligned stereo WAV.
demo-chime: all
	BUILD_DIR=$(BUILD) python3 scripts/demo_chime.py

ifeq ($(STATIC),1)
# The toolchain and libraries come first (built once per recipe, then cached).
# Their headers are system headers to -MMD, so a rebuilt prefix (new recipe
# or pins) recompiles every object through this stamp (and so relinks).
# Objects only: link recipes take all their prerequisites ($^).
$(DEPS)/.complete:
	scripts/build-deps $(ARCH) >/dev/null
$(LIB_OBJS) $(BUILD)/obj/bootstrap.o $(TOOL_SRCS:%.c=$(BUILD)/obj/%.o) \
  $(DRIVER_SRCS:%.c=$(BUILD)/obj/%.o) $(TEST_SRCS:%.c=$(BUILD)/obj/%.o): $(DEPS)/.complete
endif

clean:
	rm -rf build build-san build-fuzz build-static-* build-art*

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)

# ---- recording control (issue 14) ----------------------------------------------
.PHONY: build-ConnectRecordingControl demo-pause
# SAM builds every function of the template: the recording control handler is
# the same static bootstrap (_HANDLER picks the handler).
build-ConnectRecordingControl: build-ProcessKvsRecording

# A contact paused and resumed mid-call through ConnectRecordingControl, then
# recorded by ProcessKvsRecording: the paused span is silent in the WAVs.
demo-pause: all
	BUILD_DIR=$(BUILD) python3 scripts/demo_pause.py
# ---- video call recording (issue 13) ----
# sam build runs make build-<LogicalId> per function: the same static bootstrap
# (_HANDLER=VideoCallRecording selects the handler).
.PHONY: build-VideoCallRecording demo-video
build-VideoCallRecording: build-ProcessKvsRecording

# The local video recording demo: a meeting through start, the pipeline
# events, stop, concatenation, the final object and a presigned download.
demo-video: all
	BUILD_DIR=$(BUILD) python3 scripts/demo_video.py
