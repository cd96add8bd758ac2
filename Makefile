# vfio-claim: reserve PCI devices for vfio-pci at boot, and prove it worked.
# Plain make. Knobs first; override any of them on the command line.

CC      ?= cc
KLCC    ?= klcc
CLANG   ?= clang
# The arm64 cross compiler for make check-arm64 (gcc-aarch64-linux-gnu).
CROSS_CC ?= aarch64-linux-gnu-gcc
PKG_CONFIG ?= pkg-config
PREFIX  ?= /usr
DESTDIR ?=
SBINDIR ?= $(PREFIX)/sbin
MANDIR  ?= $(PREFIX)/share/man
# The hooks and units go where the generators look, whatever PREFIX is:
# dracut, mkinitcpio and initramfs-tools read only these directories (and
# /etc), and the initrd generators copy units from /usr/lib/systemd/system.
# PREFIX=/usr/local moves the programs, man pages and completion only; the
# hooks find the binary in /usr/local/sbin.
DRACUTDIR ?= /usr/lib/dracut/modules.d
MKINITCPIODIR ?= /usr/lib/initcpio
INITRAMFSTOOLSDIR ?= /usr/share/initramfs-tools
SYSTEMDUNITDIR ?= /usr/lib/systemd/system
BASHCOMPDIR ?= $(PREFIX)/share/bash-completion/completions
SYSCONFDIR ?= /etc
CFLAGS  ?= -O2 -g
FUZZ_SECONDS ?= 20
# The early-boot binary (and the bench floor, built alike): -Oz made it
# 448 bytes smaller than -Os with gcc 12 (32032 against 32480).
EARLY_OPT ?= -Oz
# make check fails when the early-boot binary grows past this (bytes): 36 KiB,
# issue 17's limit. 34624 bytes on 2026-12-07, after --image-modules moved
# to vfioctl plan and the binary got its own vsnprintf (docs/size.md).
SIZE_BUDGET ?= 36864
# The early-boot binary honours CPPFLAGS, CFLAGS and LDFLAGS (a
# distribution's hardening), less what klibc cannot have: -fstack-protector*
# needs __stack_chk_fail and a TLS canary, neither of which klibc has.
# EARLY_OPT comes after CFLAGS: size wins over -O2.
EARLY_CFLAGS = $(filter-out -fstack-protector%,$(CFLAGS))
# Stripped after the link (klcc keeps what -g adds even with -s), and the
# compilers' .comment notes dropped (dh_strip drops them too): 112 bytes.
# Empty: left to the distribution's strip step (dh_strip: dbgsym,
# DEB_BUILD_OPTIONS=nostrip).
EARLY_STRIP ?= strip --strip-all --remove-section=.comment

BUILD   := build
WARN    := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	   -Wmissing-prototypes -Wno-unused-parameter
# klibc's stdlib.h defines abs() inline, which -Wshadow rejects.
KLCC_WARN := $(filter-out -Wshadow,$(WARN))
# Drop unused functions and the page padding between code and data:
# 28 KiB instead of 37 KiB for the early-boot binary.
# No unwind tables: klcc drops its own -fno-asynchronous-unwind-tables when
# CFLAGS has -g, and .eh_frame cost 5 KiB.
TINY := -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables -Wl,--gc-sections \
	-Wl,-z,noseparate-code -Wl,-z,common-page-size=64 -Wl,--build-id=none
# The one place the version is written. debian/changelog, the RPM spec, the
# PKGBUILD and the man pages must say the same: `make version-check` (and
# the packages suite) compare them.
VERSION := 0.1

# The core shared by both programs: every file of src/core/ builds with
# klibc, and sees only its own headers (-Isrc/core), so a core file that
# includes a vfioctl or libkmod header fails under gcc as under klcc.
CORE_SRC := $(wildcard src/core/*.c)
CORE_HDR := $(wildcard src/core/*.h)
CORE_INC := -Isrc/core

HAVE_KLCC := $(shell command -v $(KLCC) >/dev/null 2>&1 && echo yes)

.PHONY: all clean check check-build check-unit mutate check-asan check-vm check-arm64 check-matrix \
	fuzz bench bench-boot demo install uninstall deps lint format deb rpm arch \
	version version-check size

all: $(BUILD)/vfio-claim $(BUILD)/vfioctl

$(BUILD):
	@mkdir -p $@

# The early-boot binary: klibc when we have it, else a static glibc build.
ifeq ($(HAVE_KLCC),yes)
# klcc's own code flags for this architecture (x86_64: -mno-sse
# -fomit-frame-pointer -falign-*=1; what klibc itself is built with), which
# klcc leaves out when CFLAGS has -g: 128 bytes on x86_64. Before
# EARLY_OPT, whose -Oz wins over their -Os.
KLCC_OPT := $(shell $(KLCC) -print-klibc-optflags 2>/dev/null)
# Our vsnprintf instead of klibc's: the forms the binary uses, 2 KiB less
# (src/klibc-printf.c). Only here: glibc and vfioctl keep their own.
EARLY_SRC := src/vfio-claim.c src/klibc-printf.c
$(BUILD)/vfio-claim: $(EARLY_SRC) $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(KLCC) -static $(CPPFLAGS) $(EARLY_CFLAGS) $(KLCC_OPT) $(EARLY_OPT) $(KLCC_WARN) $(TINY) \
		$(CORE_INC) -DVERSION='"$(VERSION)"' $(LDFLAGS) -o $@ $(EARLY_SRC) $(CORE_SRC)
	$(if $(EARLY_STRIP),$(EARLY_STRIP) $@)
	@echo "vfio-claim: built with klcc (klibc), $$(wc -c < $@) bytes"
# The same build, not stripped, for make size.
$(BUILD)/vfio-claim.syms: $(EARLY_SRC) $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(KLCC) -static $(CPPFLAGS) $(EARLY_CFLAGS) $(KLCC_OPT) $(EARLY_OPT) $(KLCC_WARN) $(TINY) \
		$(CORE_INC) -DVERSION='"$(VERSION)"' $(LDFLAGS) -o $@ $(EARLY_SRC) $(CORE_SRC)
else
# glibc has the stack protector: all of CFLAGS.
$(BUILD)/vfio-claim: src/vfio-claim.c $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(CC) -static $(CPPFLAGS) $(CFLAGS) $(EARLY_OPT) $(WARN) $(TINY) $(CORE_INC) \
		-DVERSION='"$(VERSION)"' $(LDFLAGS) -o $@ src/vfio-claim.c $(CORE_SRC)
	$(if $(EARLY_STRIP),$(EARLY_STRIP) $@)
	@echo "vfio-claim: klcc not found (Debian: libklibc-dev); built with $(CC) -static, $$(wc -c < $@) bytes"
$(BUILD)/vfio-claim.syms: src/vfio-claim.c $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(CC) -static $(CPPFLAGS) $(CFLAGS) $(EARLY_OPT) $(WARN) $(TINY) $(CORE_INC) \
		-DVERSION='"$(VERSION)"' $(LDFLAGS) -o $@ src/vfio-claim.c $(CORE_SRC)
endif

# The same binary for arm64, static glibc (klibc has no arm64 cross build in
# Debian), for the SMMUv3 boot test.
$(BUILD)/vfio-claim.arm64: src/vfio-claim.c $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(CROSS_CC) -static -Os -s $(WARN) $(TINY) $(CORE_INC) -DVERSION='"$(VERSION)"' \
		-o $@ src/vfio-claim.c $(CORE_SRC)

# The early binary's size against SIZE_BUDGET, and its 25 biggest symbols
# (from the unstripped copy built with the same flags: nm --size-sort, as
# toybox's bloatcheck).
size: $(BUILD)/vfio-claim $(BUILD)/vfio-claim.syms
	@n=$$(wc -c < $(BUILD)/vfio-claim); \
		echo "$(BUILD)/vfio-claim: $$n bytes, budget $(SIZE_BUDGET) ($$(($(SIZE_BUDGET) - n)) left)"; \
		size $(BUILD)/vfio-claim.syms | sed 's/^/  /'
	@echo "biggest symbols in the file (bytes, nm type, name; bss takes no file space):"
	@nm --size-sort --reverse-sort --radix=d -S $(BUILD)/vfio-claim.syms | \
		awk '$$3 !~ /^[bB]$$/ { printf "  %6d %s %s\n", $$2, $$3, $$4 }' | head -n 25

# A dynamic glibc build of the same binary, for tests under a debugger.
$(BUILD)/vfio-claim.glibc: src/vfio-claim.c $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(CC) $(CFLAGS) $(WARN) $(CORE_INC) -DVERSION='"$(VERSION)"' -o $@ \
		src/vfio-claim.c $(CORE_SRC)

# The same binary under AddressSanitizer and UndefinedBehaviorSanitizer.
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
$(BUILD)/vfio-claim.asan: src/vfio-claim.c $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(CC) -O1 -g $(SAN) $(WARN) $(CORE_INC) -DVERSION='"$(VERSION)"' -o $@ \
		src/vfio-claim.c $(CORE_SRC)

# ---- vfioctl (glibc, libkmod, libpci) ----
# One file per verb in src/vfioctl/; it may call the core, never the other
# way round.
VFIOCTL_SRC := $(wildcard src/vfioctl/*.c)
VFIOCTL_HDR := $(wildcard src/vfioctl/*.h)
VFIOCTL_INC := $(CORE_INC) -Isrc/vfioctl
VFIOCTL_PKGS := libkmod libpci
$(BUILD)/vfioctl: $(VFIOCTL_SRC) $(VFIOCTL_HDR) $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) $(VFIOCTL_INC) -DVERSION='"$(VERSION)"' \
		$$($(PKG_CONFIG) --cflags $(VFIOCTL_PKGS)) $(LDFLAGS) -o $@ \
		$(VFIOCTL_SRC) $(CORE_SRC) $$($(PKG_CONFIG) --libs $(VFIOCTL_PKGS))

$(BUILD)/vfioctl.asan: $(VFIOCTL_SRC) $(VFIOCTL_HDR) $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(CC) -O1 -g $(SAN) $(WARN) $(VFIOCTL_INC) -DVERSION='"$(VERSION)"' \
		$$($(PKG_CONFIG) --cflags $(VFIOCTL_PKGS)) -o $@ \
		$(VFIOCTL_SRC) $(CORE_SRC) $$($(PKG_CONFIG) --libs $(VFIOCTL_PKGS))

# ---- tests ----
UNIT_SRC := $(wildcard tests/unit/*.c)
$(BUILD)/unit: $(UNIT_SRC) src/klibc-printf.c $(CORE_SRC) $(CORE_HDR) | $(BUILD)
	$(CC) -O1 -g $(SAN) $(WARN) $(CORE_INC) -o $@ $(UNIT_SRC) $(CORE_SRC)

# "-": without clang make check goes on, and tests/fuzz/run.sh says FAIL
# with the packages to install.
# vfioctl's option parser (opts.c) too: it needs nothing but the core.
$(BUILD)/fuzz-parsers: tests/fuzz/fuzz-parsers.c $(CORE_SRC) $(CORE_HDR) \
		src/vfioctl/opts.c src/vfioctl/vfioctl.h | $(BUILD)
	-$(CLANG) -O1 -g -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(VFIOCTL_INC) -o $@ $< $(CORE_SRC) \
		src/vfioctl/opts.c

# The floor is built like vfio-claim, so the two compare like with like.
ifeq ($(HAVE_KLCC),yes)
$(BUILD)/floor: tests/bench/floor.c | $(BUILD)
	$(KLCC) -static $(EARLY_OPT) -s -o $@ $<
else
$(BUILD)/floor: tests/bench/floor.c | $(BUILD)
	$(CC) -static $(EARLY_OPT) -s -o $@ $<
endif

$(BUILD)/timeit: tests/bench/timeit.c | $(BUILD)
	$(CC) -O2 $(WARN) -o $@ $<

# Fake sysfs trees (generator and snapshot) for the fixture and fault tests.
$(BUILD)/mktree: tests/lib/mktree.c | $(BUILD)
	$(CC) -O2 $(WARN) -o $@ $<

# LD_PRELOAD shim: writes into a fake tree act like the kernel's PCI core.
$(BUILD)/fakekernel.so: tests/lib/fakekernel.c | $(BUILD)
	$(CC) -O2 -fPIC -shared $(WARN) -o $@ $< -ldl

# Installs what the tests need (apt-get, as root) when it is missing.
deps:
	@sh tests/deps.sh

# Packages first, then a fresh make: this one decided klcc or gcc before
# deps could install klibc.
# T=SUITE[:TEST] runs one suite, or one test of it, by name (T="fixtures
# fault" several suites); UPDATE=1 rewrites the expected outputs in
# tests/expected/ (review them with git diff).
T ?=
UPDATE ?=
check:
	@sh tests/deps.sh
	@$(MAKE) --no-print-directory check-build
	@case "$(T)" in *:*) set -- "$(T)" ;; *) set -- $(T) ;; esac; \
		UPDATE="$(UPDATE)" sh tests/run.sh "$$@"

check-build: all $(BUILD)/vfio-claim.asan $(BUILD)/vfioctl.asan $(BUILD)/unit \
	$(BUILD)/fuzz-parsers $(BUILD)/vfio-claim.glibc $(BUILD)/mktree \
	$(BUILD)/fakekernel.so $(BUILD)/vfio-claim.arm64

# Mutation testing (tests/mutate/): plants each fault of tests/mutate/mutants
# in a scratch copy and runs the fast suites; slow, so not in make check.
# make mutate M='busy-* rule-*' runs some of them.
mutate:
	@sh tests/mutate/run.sh $(M)

check-unit: $(BUILD)/unit
	@$(BUILD)/unit

check-vm: all
	@sh tests/run.sh hooks vm

check-arm64: $(BUILD)/vfio-claim.arm64
	@sh tests/run.sh arm64

# The boot tests' whole kernel x IOMMU x flavour cross product (45 boots).
check-matrix: all
	@sh tests/deps.sh
	@sh tests/run.sh matrix

fuzz: $(BUILD)/fuzz-parsers
	@sh tests/fuzz/run.sh 600

bench: $(BUILD)/vfio-claim $(BUILD)/floor $(BUILD)/timeit $(BUILD)/mktree
	@sh tests/bench/bench.sh

# Whole boots in QEMU, vfio-claim against the kernel's vfio-pci.ids= and a
# shell hook (ROUNDS=7 interleaved rounds, about 2-4 minutes a round).
bench-boot: all
	@sh tests/bench/boot.sh

demo:
	@sh tests/deps.sh demo
	@$(MAKE) --no-print-directory all
	@sh tests/vm/demo.sh

lint:
	@sh tests/run.sh lint

format:
	clang-format -i $$(git ls-files '*.[ch]')

# ---- install ----
# Each file goes where its generator looks for it. dracut's conf snippet goes
# next to its modules.d (DRACUTDIR/../dracut.conf.d) and enables the module.
DRACUTCONFDIR ?= $(patsubst %/,%,$(dir $(DRACUTDIR)))/dracut.conf.d
INSTALL_FILES := \
	0755:$(BUILD)/vfio-claim:$(SBINDIR)/vfio-claim \
	0755:dracut/50vfio-claim/module-setup.sh:$(DRACUTDIR)/50vfio-claim/module-setup.sh \
	0755:dracut/50vfio-claim/vfio-claim.sh:$(DRACUTDIR)/50vfio-claim/vfio-claim.sh \
	0755:dracut/50vfio-claim/vfio-claim-finish.sh:$(DRACUTDIR)/50vfio-claim/vfio-claim-finish.sh \
	0644:dracut/vfio-claim.conf:$(DRACUTCONFDIR)/50-vfio-claim.conf \
	0644:mkinitcpio/install/vfio-claim:$(MKINITCPIODIR)/install/vfio-claim \
	0644:mkinitcpio/install/sd-vfio-claim:$(MKINITCPIODIR)/install/sd-vfio-claim \
	0644:mkinitcpio/hooks/vfio-claim:$(MKINITCPIODIR)/hooks/vfio-claim \
	0755:initramfs/hooks/vfio-claim:$(INITRAMFSTOOLSDIR)/hooks/vfio-claim \
	0755:initramfs/scripts/init-top/00-vfio-claim:$(INITRAMFSTOOLSDIR)/scripts/init-top/00-vfio-claim \
	0755:initramfs/scripts/init-bottom/vfio-claim:$(INITRAMFSTOOLSDIR)/scripts/init-bottom/vfio-claim \
	0644:systemd/vfio-claim.service:$(SYSTEMDUNITDIR)/vfio-claim.service \
	0644:systemd/vfio-claim-finish.service:$(SYSTEMDUNITDIR)/vfio-claim-finish.service \
	0644:systemd/vfio-verify.service:$(SYSTEMDUNITDIR)/vfio-verify.service \
	0644:systemd/vfio-nfd.service:$(SYSTEMDUNITDIR)/vfio-nfd.service \
	0644:systemd/vfio-nfd.timer:$(SYSTEMDUNITDIR)/vfio-nfd.timer \
	0644:systemd/vfio-trial.service:$(SYSTEMDUNITDIR)/vfio-trial.service \
	0644:completion/vfioctl:$(BASHCOMPDIR)/vfioctl \
	0644:man/vfio-claim.8:$(MANDIR)/man8/vfio-claim.8 \
	0644:man/vfioctl.8:$(MANDIR)/man8/vfioctl.8 \
	0644:man/vfio-claim.conf.5:$(MANDIR)/man5/vfio-claim.conf.5

install: all
	@set -e; for f in $(INSTALL_FILES); do \
		mode=$${f%%:*}; rest=$${f#*:}; src=$${rest%%:*}; dst=$${rest#*:}; \
		echo "install $$src -> $(DESTDIR)$$dst"; \
		install -D -m "$$mode" "$$src" "$(DESTDIR)$$dst"; \
	done
	@# vfio-verify.service runs vfioctl from where it is installed.
	@sed -i 's|^ExecStart=/usr/sbin/vfioctl |ExecStart=$(SBINDIR)/vfioctl |' \
		"$(DESTDIR)$(SYSTEMDUNITDIR)/vfio-verify.service"
	@if [ -f $(BUILD)/vfioctl ]; then \
		install -D -m 0755 $(BUILD)/vfioctl $(DESTDIR)$(SBINDIR)/vfioctl; fi
	@# vfio-trial.service is enabled statically: its condition (the
	@# vfio.trial= marker of 'vfioctl reserve --try') keeps it idle otherwise.
	@mkdir -p $(DESTDIR)$(SYSTEMDUNITDIR)/sysinit.target.wants
	@ln -sf ../vfio-trial.service \
		$(DESTDIR)$(SYSTEMDUNITDIR)/sysinit.target.wants/vfio-trial.service

uninstall:
	@for f in $(INSTALL_FILES) x:x:$(SBINDIR)/vfioctl; do \
		dst=$${f#*:}; dst=$${dst#*:}; rm -f "$(DESTDIR)$$dst"; \
	done
	-rmdir "$(DESTDIR)$(DRACUTDIR)/50vfio-claim" 2>/dev/null
	rm -f "$(DESTDIR)$(SYSTEMDUNITDIR)/sysinit.target.wants/vfio-trial.service"

# ---- packages ----
# Each is built from a copy of the tree under $(BUILD)/pkg, so the build
# leaves the checkout clean; the packages land in $(BUILD).
version:
	@echo $(VERSION)

version-check:
	@sh packaging/version-check.sh $(VERSION)

deb: version-check
	@sh packaging/build.sh deb $(VERSION) "$(BUILD)"

rpm: version-check
	@sh packaging/build.sh rpm $(VERSION) "$(BUILD)"

arch: version-check
	@sh packaging/build.sh arch $(VERSION) "$(BUILD)"

clean:
	rm -rf $(BUILD) tests/out
