# palisade build. `make` builds ./palisade; `make run` and `make check` are the
# README's two commands. Sources are picked up by folder, so adding a file to a
# src/ folder or a test to tests/unit/ needs no change here.

CC        ?= gcc
CLANG     ?= clang
BPFTOOL   ?= bpftool
BUILD     := build
ARCH      := $(shell uname -m | sed -e 's/x86_64/x86/' -e 's/aarch64/arm64/')

LIBS      := -lbpf -lseccomp -lsystemd -lnats -lelf -lz -ljansson -lcurl -lyaml -lpcre2-8 -lmicrohttpd -lssl -lcrypto -lsodium -lpthread -lm
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

# `make install` (PREFIX, DESTDIR): docs/install.md.
PREFIX      ?= /usr/local
BINDIR      ?= $(PREFIX)/bin
SYSCONFDIR  ?= /etc
UNITDIR     ?= $(PREFIX)/lib/systemd/system
MANDIR      ?= $(PREFIX)/share/man
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
VERSION     := $(shell sed -n 's/.*PALISADE_VERSION "\(.*\)"/\1/p' src/version.h)

.SECONDARY:
.PHONY: all deps run check unit-bins fuzz-bins fuzz-long bench-bins bench clean format lint install \
	uninstall deb image
all: palisade

deps:
	@sh scripts/install-deps.sh

# vmlinux.h is generated from the running kernel's BTF: CO-RE relocations make
# the object portable to any BTF kernel, and BTF is required at run time anyway.
$(BUILD)/vmlinux.h:
	@mkdir -p $(@D)
	$(BPFTOOL) btf dump file /sys/kernel/btf/vmlinux format c > $@.tmp && mv $@.tmp $@

$(BUILD)/%.bpf.o: bpf/%.bpf.c $(wildcard bpf/*.h) $(BUILD)/vmlinux.h
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
$(BUILD)/obj/rules/default_rules.o $(BUILD)/san/rules/default_rules.o: rules/palisade_rules.yaml \
	rules/protect.yaml rules/authz_baseline.yaml rules/fim.yaml
# The web view's page likewise (src/web/web_assets.c).
$(BUILD)/obj/web/web_assets.o $(BUILD)/san/web/web_assets.o $(BUILD)/fuzzobj/web/web_assets.o: \
	src/web/assets/index.html src/web/assets/app.js src/web/assets/app.css

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

$(BUILD)/fuzzobj/rules/default_rules.o: rules/palisade_rules.yaml rules/protect.yaml \
	rules/authz_baseline.yaml rules/fim.yaml

$(FUZZ_LIB): $(FUZZ_OBJS)
	rm -f $@ && ar rcs $@ $^

$(BUILD)/fuzz/%: tests/fuzz/%.c $(FUZZ_LIB)
	@mkdir -p $(@D)
	$(CLANG) $(CPPFLAGS) -std=gnu11 $(WARNINGS) $(FUZZ_SAN) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_LIB) $(LIBS)

fuzz-bins: $(FUZZ_BINS)

# The long fuzzing routine (not CI): every fuzzer FUZZ_LONG_SECONDS (default
# 30 minutes) on corpora kept in build/fuzz-long (docs/fuzzing.md).
fuzz-long: fuzz-bins
	sh bench/fuzz_long.sh $(or $(FUZZ_LONG_SECONDS),1800)

# The README's commands. Both install what is missing first.
run: deps palisade
	./palisade run $(ARGS)

check: deps
	PALISADE_TEST_DEPS=1 sh scripts/install-deps.sh
	$(MAKE) -j2 palisade unit-bins fuzz-bins bench-bins
	sh tests/run.sh

bench-bins:
	$(MAKE) -C bench

bench: deps palisade bench-bins
	PALISADE_BENCH_DEPS=1 sh scripts/install-deps.sh
	sh bench/run.sh

format:
	clang-format -i $(SRCS) src/main.c bpf/*.c bpf/*.h $(UNIT_SRCS)

lint:
	cppcheck --quiet --error-exitcode=1 --enable=warning,performance,portability \
		--inline-suppr -Isrc -Ibpf -D_GNU_SOURCE $(SRCS) src/main.c
	sh scripts/long-functions.sh

# What `make install` adds beside the binary, generated from it: the man
# page from --help, the configuration from the settings table.
$(BUILD)/palisade.8: palisade dist/man.sh
	sh dist/man.sh ./palisade >$@.tmp && mv $@.tmp $@

# (Regenerated on every install: they depend on PREFIX and SYSCONFDIR too.)
$(BUILD)/palisade.yaml: palisade FORCE
	./palisade config example 'rules.files=[$(SYSCONFDIR)/palisade/rules.d]' >$@.tmp
	@# Checked as it will run, with the rules the install puts in rules.d.
	sed 's|$(SYSCONFDIR)/palisade/rules.d|rules/palisade_rules.yaml|' $@.tmp >$@.check
	./palisade config check $@.check >/dev/null && rm $@.check && mv $@.tmp $@

$(BUILD)/palisade.service: dist/palisade.service.in FORCE
	sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@UNITDIR@|$(UNITDIR)|g' $< >$@.tmp && mv $@.tmp $@

# The configuration and the rules are the administrator's once installed:
# an existing file is kept (the Debian package treats them as conffiles).
install: palisade $(BUILD)/palisade.8 $(BUILD)/palisade.yaml $(BUILD)/palisade.service
	install -D -m 0755 palisade $(DESTDIR)$(BINDIR)/palisade
	@for f in palisade.yaml:$(BUILD)/palisade.yaml rules.d/palisade_rules.yaml:rules/palisade_rules.yaml; do \
		dst=$(DESTDIR)$(SYSCONFDIR)/palisade/$${f%%:*}; \
		if [ -e "$$dst" ]; then echo "install: kept the existing $$dst"; \
		else echo "install -D -m 0644 $${f#*:} $$dst"; install -D -m 0644 "$${f#*:}" "$$dst"; fi; \
	done
	install -D -m 0644 $(BUILD)/palisade.service $(DESTDIR)$(UNITDIR)/palisade.service
	install -D -m 0644 dist/palisade.logrotate $(DESTDIR)$(SYSCONFDIR)/logrotate.d/palisade
	install -D -m 0644 dist/palisade.bash-completion $(DESTDIR)$(BASHCOMPDIR)/palisade
	install -D -m 0644 $(BUILD)/palisade.8 $(DESTDIR)$(MANDIR)/man8/palisade.8

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/palisade $(DESTDIR)$(UNITDIR)/palisade.service \
		$(DESTDIR)$(SYSCONFDIR)/logrotate.d/palisade $(DESTDIR)$(BASHCOMPDIR)/palisade \
		$(DESTDIR)$(MANDIR)/man8/palisade.8
	@echo "uninstall: kept $(DESTDIR)$(SYSCONFDIR)/palisade (configuration and rules)"

# The Debian package, built with debhelper (debian/) from a copy of this tree
# (dpkg-buildpackage writes beside the source): $(BUILD)/deb/palisade_*.deb.
deb:
	@test "$$(dpkg-parsechangelog -S Version)" = "$(VERSION)" || \
		{ echo "deb: debian/changelog is not at version $(VERSION) (src/version.h)"; exit 1; }
	rm -rf $(BUILD)/deb && mkdir -p $(BUILD)/deb/palisade-$(VERSION)
	tar -c --exclude=./build --exclude=./palisade --exclude=./.git . | \
		tar -x -C $(BUILD)/deb/palisade-$(VERSION)
	cd $(BUILD)/deb/palisade-$(VERSION) && \
		DEB_BUILD_OPTIONS="parallel=2 $${DEB_BUILD_OPTIONS:-}" dpkg-buildpackage -b -us -uc
	@ls $(BUILD)/deb/*.deb

# The agent's container image (docs/container.md), from the built binary.
image: palisade
	sh dist/image.sh

FORCE:

clean:
	rm -rf $(BUILD) palisade
	$(MAKE) -C bench clean

-include $(shell find $(BUILD)/obj $(BUILD)/san $(BUILD)/fuzzobj -name '*.d' -type f 2>/dev/null)
