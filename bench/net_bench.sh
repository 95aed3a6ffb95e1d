#!/bin/sh
# Network speed: ensemble inference (libcsro vs NumPy on the same forward
# pass, same inputs, same weights, in this one command) and 5-fold x 30
# epoch training on a 10,000-pattern bank.
# Environment: NET_BENCH_N (voxels, default 200000), NET_BENCH_M (bank size,
# default 10000), NET_BENCH_E (epochs, default 30), NET_BENCH_T (threads, 2).
# OpenBLAS runs single-threaded (we thread over chunks and folds).
set -eu
cd "$CSRO_SRCDIR"
b="$CSRO_BUILD/bench"; mkdir -p "$b"
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude -Ilib bench/net_bench.c "$CSRO_BUILD/libcsro.a" -lm -pthread \
   $(pkg-config --libs libtiff-4 zlib openblas) -o "$b/net_bench"
N=${NET_BENCH_N:-200000}; M=${NET_BENCH_M:-10000}; E=${NET_BENCH_E:-30}; T=${NET_BENCH_T:-2}
d=$(mktemp -d); trap 'rm -rf "$d"' EXIT
export OPENBLAS_NUM_THREADS=1
echo "openblas_core	$(OPENBLAS_VERBOSE=2 "$b/net_bench" "$d" 1 0 0 1 2>&1 | sed -n 's/^Core: *//p' | head -1)"
/usr/bin/time -f "libcsro_cpu_s	%U" "$b/net_bench" "$d" "$N" "$M" "$E" "$T" 2>&1 | tee "$d/c.tsv"
OPENBLAS_NUM_THREADS=$T ${PYTHON:-python3} bench/net_bench.py "$d" "$N" | tee "$d/py.tsv"
awk -F'\t' -v T="$T" 'FNR == NR && $1 == "inference_voxels_per_min_" T "threads" { c = $2 }
     FNR != NR && $1 == "numpy_voxels_per_min" { p = $2 }
     END { if (p > 0) printf "speedup_vs_numpy\t%.2f\n", c / p }' "$d/c.tsv" "$d/py.tsv"
