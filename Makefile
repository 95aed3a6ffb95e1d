# libcsro: works on a fresh clone without configure (like htslib);
# ./configure (autoreconf -i) optionally writes config.mk.
-include config.mk

PREFIX     ?= /usr/local
prefix     ?= $(PREFIX)
bindir     ?= $(prefix)/bin
libdir     ?= $(prefix)/lib
includedir ?= $(prefix)/include
mandir     ?= $(prefix)/share/man
datadir    ?= $(if $(datarootdir),$(datarootdir),$(prefix)/share)
modeldir   ?= $(datadir)/csro/models
pkgconfigdir ?= $(libdir)/pkgconfig
# The Python package (python/): on Debian's sys.path for /usr and /usr/local
pythondir  ?= $(prefix)/lib/python3/dist-packages
DESTDIR    ?=

CC         ?= cc
PKG_CONFIG ?= pkg-config
OPTFLAGS   ?= -O2 -g
BUILD      ?= build
SAN        ?=
VERSION    := 1.1.0
SOMAJOR    := 1

# Interpreter with NumPy for cross-checks (Debian's python3-numpy lives
# under /usr/bin/python3; the first python3 on PATH may lack it).
PYTHON ?= $(shell for p in /usr/bin/python3 python3; do $$p -c 'import numpy' >/dev/null 2>&1 && { echo $$p; break; }; done)

DEP_PKGS   := libtiff-4 zlib openblas
DEP_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(DEP_PKGS) 2>/dev/null)
DEP_LIBS   := $(shell $(PKG_CONFIG) --libs $(DEP_PKGS) 2>/dev/null) -lm -pthread
CHECK_CFLAGS := $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS   := $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

# Optional Keras HDF5 import (csro-net-import): libhdf5 + jansson.
HAVE_HDF5 ?= $(shell $(PKG_CONFIG) --exists hdf5 jansson 2>/dev/null && echo 1 || echo 0)
HDF5_CFLAGS := $(shell $(PKG_CONFIG) --cflags hdf5 jansson 2>/dev/null)
HDF5_LIBS   := $(shell $(PKG_CONFIG) --libs hdf5 jansson 2>/dev/null)
# HDF5/NeXus result files of the tools (tools/nexus.c); the library never
# links libhdf5. Without it the tools build and refuse .h5/.nxs outputs.
HAVE_LIBHDF5 ?= $(shell $(PKG_CONFIG) --exists hdf5 2>/dev/null && echo 1 || echo 0)
ifeq ($(HAVE_LIBHDF5),1)
NX_CFLAGS := -DCSRO_HAVE_HDF5 $(shell $(PKG_CONFIG) --cflags hdf5 2>/dev/null)
NX_LIBS   := $(shell $(PKG_CONFIG) --libs hdf5 2>/dev/null)
endif

ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

WARN     := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE $(OPTFLAGS) $(WARN) $(SANFLAGS) -pthread \
              -Iinclude $(DEP_CFLAGS) $(CFLAGS) $(CPPFLAGS)
LIB_CFLAGS := $(ALL_CFLAGS) -fPIC -fvisibility=hidden -Ilib
ALL_LDFLAGS := $(SANFLAGS) $(LDFLAGS)

LIB_DIRS := base io spatial formats net maps sim
LIB_SRC  := $(sort $(foreach d,$(LIB_DIRS),$(wildcard lib/$(d)/*.c)))
LIB_OBJ  := $(LIB_SRC:lib/%.c=$(BUILD)/lib/%.o)
# tools/pipeline.c: the default flow in memory (csro-calibrate, csro-limits)
TOOL_LIBSRC := tools/common.c tools/provenance.c tools/nexus.c tools/pipeline.c
TOOL_SRC := $(filter-out $(TOOL_LIBSRC),$(sort $(wildcard tools/*.c)))
ifneq ($(HAVE_HDF5),1)
TOOL_SRC := $(filter-out tools/csro-net-import.c,$(TOOL_SRC))
endif
TOOLS    := $(TOOL_SRC:tools/%.c=$(BUILD)/bin/%)
# Tools written in Python over the Python package (python/csro): a
# generated wrapper sets PYTHONPATH and CSRO_LIBRARY (csro-report(1)).
PYTOOLS  := csro-report
PYTOOL_BINS := $(PYTOOLS:%=$(BUILD)/bin/%)
TEST_SRC := $(sort $(wildcard tests/test_*.c))
TESTS    := $(TEST_SRC:tests/%.c=$(BUILD)/tests/%)
TEST_UTIL := $(BUILD)/tests/testutil.o
SHLIB    := $(BUILD)/libcsro.so.$(VERSION)
STLIB    := $(BUILD)/libcsro.a
MAN1     := $(wildcard man/man1/*.1)
MAN3     := $(wildcard man/man3/*.3)
MAN5     := $(wildcard man/man5/*.5)
MAN7     := $(wildcard man/man7/*.7)
MODELS   := $(wildcard models/*.csronet)

.PHONY: install-python
.PHONY: all lib tools tests check check-layers check-unit check-tools check-abi check-asan \
        check-fuzz check-fuzz-replay fuzz-drivers fuzz-targets \
        check-valgrind check-install demo bench models install uninstall dist clean distclean

all: lib tools

lib: $(SHLIB) $(STLIB)
tools: $(TOOLS) $(PYTOOL_BINS)
tests: $(TESTS)

LIB_HDR  := $(foreach d,$(LIB_DIRS),$(wildcard lib/$(d)/*.h))
$(BUILD)/lib/%.o: lib/%.c $(LIB_HDR) $(wildcard include/*.h include/csro/*.h)
	@mkdir -p $(@D)
	$(CC) $(LIB_CFLAGS) -c $< -o $@

$(SHLIB): $(LIB_OBJ) lib/libcsro.map
	$(CC) -shared -Wl,-soname,libcsro.so.$(SOMAJOR) -Wl,--version-script=lib/libcsro.map \
	  -Wl,--no-undefined $(ALL_LDFLAGS) -o $@ $(LIB_OBJ) $(DEP_LIBS)
	ln -sf libcsro.so.$(VERSION) $(BUILD)/libcsro.so.$(SOMAJOR)
	ln -sf libcsro.so.$(SOMAJOR) $(BUILD)/libcsro.so

$(STLIB): $(LIB_OBJ)
	rm -f $@
	ar rcs $@ $(LIB_OBJ)

# Tool objects (common.c, nexus.c, provenance.c); common.c uses the
# library's private atomic writer (lib/base/fileio.h).
TOOL_OBJ := $(TOOL_LIBSRC:tools/%.c=$(BUILD)/tools/%.o)
$(BUILD)/tools/%.o: tools/%.c $(wildcard tools/*.h) lib/base/fileio.h $(wildcard include/*.h include/csro/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Ilib $(if $(filter nexus,$*),$(NX_CFLAGS)) $(if $(filter common,$*),-DCSRO_MODELDIR='"$(modeldir)"') -c $< -o $@

$(BUILD)/bin/csro-net-import: tools/csro-net-import.c $(TOOL_OBJ) $(STLIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(HDF5_CFLAGS) -o $@ $< $(TOOL_OBJ) $(STLIB) $(ALL_LDFLAGS) $(HDF5_LIBS) $(NX_LIBS) $(DEP_LIBS)

$(BUILD)/bin/%: tools/%.c $(TOOL_OBJ) $(STLIB) $(wildcard tools/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -o $@ $< $(TOOL_OBJ) $(STLIB) $(ALL_LDFLAGS) $(NX_LIBS) $(DEP_LIBS)

# The wrapper of a Python tool: $(call pytool,PYTHONDIR,LIBRARY,SANENV)
pytool = sed -e 's|@PYTHON@|$(or $(PYTHON),python3)|' -e 's|@PYTHONDIR@|$(1)|' -e 's|@LIBRARY@|$(2)|' -e 's|@SANENV@|$(3)|'
# A sanitizer build's library can only be loaded by Python with the ASan
# runtime preloaded (Python's own allocations are not ours to judge).
PYTOOL_SANENV := $(if $(SANFLAGS),export LD_PRELOAD="$(shell $(CC) -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0)
$(BUILD)/bin/csro-%: tools/csro-%.in python/csro/%.py Makefile | $(SHLIB)
	@mkdir -p $(@D)
	$(call pytool,$(CURDIR)/python,$(abspath $(BUILD))/libcsro.so.$(SOMAJOR),$(PYTOOL_SANENV)) $< > $@.tmp
	chmod 755 $@.tmp && mv $@.tmp $@

$(TEST_UTIL): tests/testutil.c tests/testutil.h
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Ilib -c $< -o $@

# Unit tests link the static library and may include lib/ private headers.
$(BUILD)/tests/%: tests/%.c $(TEST_UTIL) $(STLIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CHECK_CFLAGS) -Ilib -o $@ $< $(TEST_UTIL) $(STLIB) $(ALL_LDFLAGS) $(CHECK_LIBS) $(DEP_LIBS)

# Fuzzing (tests/fuzz/): one harness per parser. drive_<t> replays files
# (normal cc, part of make check); fuzz_<t> is the libFuzzer binary
# (make check-fuzz: clang, FUZZ_TIME seconds per target).
FUZZ_NAMES := pos epos apt csv rrng rng zsdm prob csronet
FUZZ_DEPS  := tests/fuzz/fuzz_common.c $(wildcard tests/fuzz/*.h)
FUZZ_CC    ?= clang
FUZZ_TIME  ?= 60

$(BUILD)/fuzz/drive_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(STLIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -DFUZZ_DRIVER -o $@ $< tests/fuzz/fuzz_common.c $(STLIB) $(ALL_LDFLAGS) $(DEP_LIBS)

$(BUILD)/fuzz/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS) $(STLIB)
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $< tests/fuzz/fuzz_common.c $(STLIB) $(ALL_LDFLAGS) $(DEP_LIBS)

fuzz-drivers: $(FUZZ_NAMES:%=$(BUILD)/fuzz/drive_%)
fuzz-targets: $(FUZZ_NAMES:%=$(BUILD)/fuzz/fuzz_%)

TEST_ENV = CSRO_SRCDIR=$(CURDIR) CSRO_BIN=$(CURDIR)/$(BUILD)/bin CSRO_BUILD=$(CURDIR)/$(BUILD) \
           CSRO_TESTDATA=$(CURDIR)/tests/data PYTHON="$(PYTHON)" HAVE_HDF5=$(HAVE_HDF5) \
           OPENBLAS_NUM_THREADS=1

check: check-layers check-unit check-tools check-fuzz-replay check-abi check-install

check-unit: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== $$t"; $(TEST_ENV) $$t; done

check-tools: $(TOOLS) $(PYTOOL_BINS) $(TESTS) $(SHLIB)
	@$(TEST_ENV) sh tests/tools/run.sh

check-layers:
	@sh tests/layers.sh

check-fuzz-replay: fuzz-drivers $(TOOLS)
	@$(TEST_ENV) sh tests/fuzz/run.sh replay $(CURDIR)/$(BUILD)/fuzz

# libFuzzer + ASan/UBSan with clang (apt-get install clang); not part of check
check-fuzz:
	$(MAKE) BUILD=build-fuzz CC=$(FUZZ_CC) SAN=1 OPTFLAGS="-O1 -g -fsanitize=fuzzer-no-link" tools fuzz-targets
	@$(TEST_ENV) CSRO_BIN=$(CURDIR)/build-fuzz/bin FUZZ_TIME=$(FUZZ_TIME) sh tests/fuzz/run.sh fuzz $(CURDIR)/build-fuzz/fuzz

check-abi: $(SHLIB)
	@$(TEST_ENV) sh tests/abi.sh

check-asan:
	$(MAKE) BUILD=build-asan SAN=1 OPTFLAGS="-O1 -g" check-unit check-tools check-fuzz-replay

check-valgrind: $(TESTS)
	@set -e; for t in $(TESTS); do echo "== valgrind $$t"; \
	  $(TEST_ENV) CK_FORK=no CSRO_SLOW_TESTS=0 valgrind -q --error-exitcode=99 --leak-check=full \
	  --errors-for-leak-kinds=definite $$t; done

# Install into a temporary prefix and build examples/ with pkg-config.
check-install: all
	@$(TEST_ENV) sh tests/install.sh

demo: all
	@$(TEST_ENV) sh scripts/demo.sh

bench: all
	@$(TEST_ENV) sh bench/run.sh
# Rebuild the shipped default models (models/*.csronet) from fixed seeds.
models: all
	@$(TEST_ENV) sh scripts/make-models.sh

# csro.pc is written at install time for the prefix of this install (a file
# made once would keep the first prefix).
PC_SUBST = sed -e 's|@prefix@|$(prefix)|' -e 's|@libdir@|$(libdir)|' -e 's|@includedir@|$(includedir)|' \
	    -e 's|@VERSION@|$(VERSION)|' csro.pc.in

install: all
	install -d $(DESTDIR)$(bindir) $(DESTDIR)$(libdir) $(DESTDIR)$(includedir)/csro \
	  $(DESTDIR)$(pkgconfigdir) $(DESTDIR)$(mandir)/man1 $(DESTDIR)$(mandir)/man3 $(DESTDIR)$(mandir)/man5 \
	  $(DESTDIR)$(mandir)/man7
	$(if $(TOOLS),install -m 755 $(TOOLS) $(DESTDIR)$(bindir))
	for t in $(PYTOOLS); do $(call pytool,$(pythondir),$(libdir)/libcsro.so.$(SOMAJOR),) tools/$$t.in \
	  > $(DESTDIR)$(bindir)/$$t && chmod 755 $(DESTDIR)$(bindir)/$$t || exit 1; done
	install -m 755 $(SHLIB) $(DESTDIR)$(libdir)
	ln -sf libcsro.so.$(VERSION) $(DESTDIR)$(libdir)/libcsro.so.$(SOMAJOR)
	ln -sf libcsro.so.$(SOMAJOR) $(DESTDIR)$(libdir)/libcsro.so
	install -m 644 $(STLIB) $(DESTDIR)$(libdir)
	install -m 644 include/csro.h $(DESTDIR)$(includedir)
	install -m 644 include/csro/*.h $(DESTDIR)$(includedir)/csro
	$(PC_SUBST) > $(DESTDIR)$(pkgconfigdir)/csro.pc && chmod 644 $(DESTDIR)$(pkgconfigdir)/csro.pc
	$(if $(MAN1),install -m 644 $(MAN1) $(DESTDIR)$(mandir)/man1)
	$(if $(MAN3),install -m 644 $(MAN3) $(DESTDIR)$(mandir)/man3)
	$(if $(MAN3),sh scripts/man-links.sh install $(DESTDIR)$(mandir)/man3 $(MAN3))
	$(if $(MAN5),install -m 644 $(MAN5) $(DESTDIR)$(mandir)/man5)
	$(if $(MAN7),install -m 644 $(MAN7) $(DESTDIR)$(mandir)/man7)
	$(if $(MODELS),install -d $(DESTDIR)$(modeldir) && install -m 644 $(MODELS) $(DESTDIR)$(modeldir))
	@$(MAKE) --no-print-directory install-python

# The pure-Python package, built from a copy (the source tree stays clean)
# with Debian's setuptools and pip, offline; it records $(libdir) so that it
# loads this prefix's libcsro (python/setup.py).
install-python:
	@if [ -z "$(PYTHON)" ] || ! $(PYTHON) -m pip --version >/dev/null 2>&1; then \
	  echo "install: Python package not installed (needs python3-pip, python3-setuptools, python3-numpy)"; \
	else \
	  rm -rf $(BUILD)/python && mkdir -p $(BUILD)/python && cp -r python/csro python/pyproject.toml \
	    python/setup.py python/README.md $(BUILD)/python/ && \
	  CSRO_INSTALL_LIBDIR=$(libdir) $(PYTHON) -m pip install -q --no-build-isolation --no-index --no-deps \
	    --no-compile --upgrade --root-user-action=ignore --disable-pip-version-check --target $(DESTDIR)$(pythondir) $(BUILD)/python && \
	  echo "install: Python package csro in $(DESTDIR)$(pythondir) (add it to PYTHONPATH unless it is on sys.path)"; \
	fi

uninstall:
	rm -f $(addprefix $(DESTDIR)$(bindir)/,$(notdir $(TOOLS)) $(PYTOOLS))
	rm -f $(DESTDIR)$(libdir)/libcsro.so* $(DESTDIR)$(libdir)/libcsro.a
	rm -rf $(DESTDIR)$(includedir)/csro $(DESTDIR)$(includedir)/csro.h
	rm -f $(DESTDIR)$(pkgconfigdir)/csro.pc
	rm -f $(addprefix $(DESTDIR)$(mandir)/man1/,$(notdir $(MAN1)))
	$(if $(MAN3),sh scripts/man-links.sh uninstall $(DESTDIR)$(mandir)/man3 $(MAN3))
	rm -f $(addprefix $(DESTDIR)$(mandir)/man3/,$(notdir $(MAN3)))
	rm -f $(addprefix $(DESTDIR)$(mandir)/man5/,$(notdir $(MAN5)))
	rm -f $(addprefix $(DESTDIR)$(mandir)/man7/,$(notdir $(MAN7)))
	rm -rf $(DESTDIR)$(pythondir)/csro $(DESTDIR)$(pythondir)/csro-*.dist-info
	rm -f $(addprefix $(DESTDIR)$(modeldir)/,$(notdir $(MODELS)))
	rmdir $(DESTDIR)$(modeldir) $(DESTDIR)$(datadir)/csro 2>/dev/null || true

dist:
	rm -rf libcsro-$(VERSION) libcsro-$(VERSION).tar.gz
	git archive --format=tar.gz --prefix=libcsro-$(VERSION)/ -o libcsro-$(VERSION).tar.gz HEAD
	@echo "wrote libcsro-$(VERSION).tar.gz"

clean:
	rm -rf build build-asan csro.pc libcsro-*.tar.gz

distclean: clean
	rm -f config.mk config.log config.status configure
	rm -rf autom4te.cache
