# SPDX-License-Identifier: GPL-2.0
#
# mmscope top-level Makefile.  The kernel build itself is driven by Kbuild.
#
#   make                 build mmscope.ko for KVER (default: the 6.1 test kernel) and
#                        the mmscope command (build/tools/mmscope)
#   make install         install the command and its man page (PREFIX=/usr/local, DESTDIR=)
#   make KVER=<version>  build for another kernel with headers in /lib/modules
#   make modules         build for every kernel of the test matrix
#   make debug-kernel    build the 6.1 debug kernel (KASAN, lockdep, ...) once
#   make selftests       build the kselftest programs
#   make check           install what is missing, build, run the suite on the matrix
#   make demo            install what is missing, show mmscope in the test VM
#   make bench           benchmark against /proc, pagemap and bpftrace on the matrix
#   make setup           install the dependencies (Debian 12, root)
#   make clean

B := $(CURDIR)/build
-include $(B)/kernels.env

ifeq ($(KVER),)
  ifneq ($(KVER_61),)
    KVER := $(KVER_61)
  else
    KVER := $(shell uname -r)
  endif
endif
# A kernel built here (scripts/debug-kernel) keeps its tree in build/kernels.
KDIR ?= $(if $(wildcard $(B)/kernels/$(KVER)/build/Makefile),$(B)/kernels/$(KVER)/build,/lib/modules/$(KVER)/build)
MOD_DIR := $(B)/mod/$(KVER)
SOURCES := Kbuild $(wildcard src/*.c src/*.h include/uapi/linux/*.h)

.PHONY: all module modules tool install debug-kernel selftests check demo bench setup clean
all: module tool

# Each kernel gets its own copy of the sources, so objects built for one
# kernel never mix with another's.
module: $(MOD_DIR)/mmscope.ko
$(MOD_DIR)/mmscope.ko: $(SOURCES)
	@test -f $(KDIR)/Makefile || { echo "no kernel headers for $(KVER) in $(KDIR): run 'make setup' (or pass KVER=)"; exit 1; }
	@mkdir -p $(MOD_DIR)
	@rsync -a --delete Kbuild src include $(MOD_DIR)/
	$(MAKE) -C $(KDIR) M=$(MOD_DIR) MMSCOPE_WERROR=$(if $(WERROR),y,) modules

modules:
	@test -n "$(KVER_61)" || { echo "no test kernels known: run 'make setup'"; exit 1; }
	$(MAKE) KVER=$(KVER_61) module
	$(MAKE) KVER=$(KVER_612) module
	$(if $(KVER_DEBUG),$(MAKE) KVER=$(KVER_DEBUG) module)

tool:
	$(MAKE) -C tools OUT=$(B)/tools

install:
	$(MAKE) -C tools OUT=$(B)/tools install

debug-kernel:
	scripts/debug-kernel

selftests:
	$(MAKE) -C selftests OUT=$(B)/selftests KSFT=$(B)/kselftest

setup:
	scripts/setup

check:
	scripts/check

demo:
	scripts/demo

bench:
	scripts/bench

clean:
	rm -rf $(B)/mod $(B)/selftests $(B)/vm $(B)/tools
