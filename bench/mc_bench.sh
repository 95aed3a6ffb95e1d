#!/bin/sh
# Lattice Monte-Carlo speed (csro_mc_run) against a random-draw baseline.
set -eu
cd "$CSRO_SRCDIR"
b="$CSRO_BUILD/bench"; mkdir -p "$b"
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Ilib bench/mc_bench.c "$CSRO_BUILD/libcsro.a" -lm -pthread \
   $(pkg-config --libs libtiff-4 zlib openblas) -o "$b/mc_bench"
"$b/mc_bench"
