# palisade build. `make` builds ./palisade; `make run` and `make check` are the
# README's two commands. Sources are picked up by folder, so adding a file to a
# src/ folder or a test to tests/unit/ needs no change here.

CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
BUILD     := build
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

LIBS      := -lbpf -lelf -lz -ljansson -lcurl -lyaml -lpcre2-8 -lmicrohttpd -lssl -lcrypto -lpthread -lm
WARNINGS  := -Wall -Wextra -Werror -Wmissing-prototypes -Wstrict-prototypes \
             -Wold-style-definition -Wvla -Wformat=2 -Wshadow -Wpointer-arith \
             -Wundef -Wnull-dereference -Wimplicit-fallthrough
CFLAGS    ?= -O2 -g
CPPFLAGS  += -D_GNU_SOURCE -Isrc -Ibpf -I$(BUILD)
ALL_CFLAGS = -std=gnu11 $(WARNINGS) $(CFLAGS) -fstack-protector-strong -D_FORTIFY_SOURCE=2
SAN_FLAGS := -O1 -g -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

BPF_SRCS  := $(wildcard bpf/*.bpf.c)
BPF_OBJS  := $(patsubst bpf/%.bpf.c,$(BUILD)/%.bpf.o,$(BPF_SRCS))
BPF_SKELS := $(patsubst bpf/%.bpf.c,$(BUILD)/%.skel.h,$(BPF_SRCS))

SRCS      := $(wildcard src/*/*.c)
LIB_SRCS  := $(filter-out src/main/%,$(SRCS))
OBJS      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRCS)) $(BUILD)/obj/main.o
LIB_OBJS  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LIB_SRCS))
SAN_OBJS  := $(patsubst src/%.c,$(BUILD)/san/%.o,$(LIB_SRCS))
UNIT_SRCS := $(wildcard tests/unit/test_*.c)
UNIT_BINS := $(patsubst tests/unit/%.c,$(BUILD)/tests/%,$(UNIT_SRCS))

.SECONDARY:
.PHONY: all deps run check unit-bins fuzz-bins bench-bins bench clean format lint
all: palisade

deps:
	@sh scripts/install-deps.sh

# vmlinux.h is generated from the running kernel's BTF: CO-RE relocations make
# the object portable to any BTF kernel, and BTF is required at run time anyway.
$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c bpf/events.h $(wildcard bpf/*.bpf.h) $(BUILD)/vmlinux.h
	$(CLANG) -g -O2 -target bpf -D__TARGET_ARCH_$(ARCH) -Wall -Werror \
		-I$(BUILD) -Ibpf -c $< -o $@

$(BUILD)/%.skel.h: $(BUILD)/%.bpf.o
	$(BPFTOOL) gen skeleton $< name $*_bpf > $@.tmp && mv $@.tmp $@

# Only the folders whose files include a skeleton wait for the skeletons (the
# first time; then the compiler's dependency files name the exact ones).
SKEL_DIRS := $(sort $(patsubst src/%,%,$(dir $(shell grep -rl '\.skel\.h"' src))))
SKEL_OBJS := $(foreach d,$(SKEL_DIRS),$(filter $(BUILD)/obj/$(d)% $(BUILD)/san/$(d)% $(BUILD)/fuzzobj/$(d)%,\
	$(OBJS) $(SAN_OBJS) $(patsubst src/%.c,$(BUILD)/fuzzobj/%.o,$(LIB_SRCS))))
$(SKEL_OBJS): | $(BPF_SKELS)

$(BUILD)/obj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/main.o: src/main.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/san/%.o: src/%.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(filter-out -D_FORTIFY_SOURCE=2,$(ALL_CFLAGS)) $(SAN_FLAGS) -MMD -MP -c $< -o $@

# palisade_build_info names the commit the binary was built from; the stamp
# changes (and process.o is rebuilt) only when HEAD does.
# (Written while the Makefile is read: .SECONDARY would skip a rule for it.)
GIT_COMMIT := $(shell git rev-parse --short=12 HEAD 2>/dev/null)
$(shell mkdir -p $(BUILD) && echo '$(GIT_COMMIT)' | cmp -s - $(BUILD)/git-commit || \
	echo '$(GIT_COMMIT)' > $(BUILD)/git-commit)
$(BUILD)/obj/metrics/process.o $(BUILD)/san/metrics/process.o: $(BUILD)/git-commit
$(BUILD)/obj/metrics/process.o $(BUILD)/san/metrics/process.o: CPPFLAGS += -DPALISADE_GIT_COMMIT='"$(GIT_COMMIT)"'

# The default rule set is embedded with .incbin (src/rules/default_rules.c).
$(BUILD)/obj/rules/default_rules.o $(BUILD)/san/rules/default_rules.o: rules/palisade_rules.yaml

palisade: $(OBJS)
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/tests/%: tests/unit/%.c $(SAN_OBJS)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) -Itests/unit $(filter-out -D_FORTIFY_SOURCE=2,$(ALL_CFLAGS)) $(SAN_FLAGS) \
		-o $@ $^ $(LIBS) -lcmocka

unit-bins: $(UNIT_BINS)

# libFuzzer targets. Every source is compiled once with the fuzzer's
# instrumentation into one archive; each target links it, and the linker takes
# only the objects the target reaches: no hand-kept link list to go stale.
FUZZ_SRCS := $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BINS := $(patsubst tests/fuzz/%.c,$(BUILD)/fuzz/%,$(FUZZ_SRCS))
FUZZ_SAN  := -g -O1 -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_OBJS := $(patsubst src/%.c,$(BUILD)/fuzzobj/%.o,$(LIB_SRCS))
FUZZ_LIB  := $(BUILD)/fuzzobj/libpalisade.a

$(BUILD)/fuzzobj/%.o: src/%.c
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) -std=gnu11 $(WARNINGS) $(FUZZ_SAN) -fsanitize=fuzzer-no-link -MMD -MP -c $< -o $@

$(BUILD)/fuzzobj/rules/default_rules.o: rules/palisade_rules.yaml

$(FUZZ_LIB): $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) -std=gnu11 $(WARNINGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_LIB) $(LIBS)

fuzz-bins: $(FUZZ_BINS)

# The README's commands. Both install what is missing first.
run: deps palisade
	./palisade run $(ARGS)

check: deps
	PALISADE_TEST_DEPS=1 sh scripts/install-deps.sh
	$(MAKE) -j2 palisade unit-bins fuzz-bins
	sh tests/run.sh

bench-bins:
	$(MAKE) -C bench

bench: deps palisade bench-bins
	sh bench/run.sh

format:
	clang-format -i $(SRCS) src/main.c bpf/*.c bpf/*.h $(UNIT_SRCS)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Isrc -Ibpf -D_GNU_SOURCE $(SRCS) src/main.c

clean:
	rm -rf $(BUILD) palisade
	$(MAKE) -C bench clean

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
