#!/bin/sh
# classify_bench.sh: voxels per minute of csro-classify running the published
# 5-model ML-APT ensemble (imported from Keras HDF5) on N min-max normalised
# 93-bin profiles, on 1 and 2 threads, against the NumPy forward pass of the
# same models (tests/keras_ref.py, float64, one batched matmul per layer) in
# the same run. Env: CSRO_SRCDIR, CSRO_BIN, CSRO_BUILD, PYTHON (as `make
# bench` sets them); N (default 100000); CSRO_MLAPT_DIR.
set -eu
: "${CSRO_SRCDIR:=$(pwd)}" "${CSRO_BIN:=$CSRO_SRCDIR/build/bin}" "${CSRO_BUILD:=$CSRO_SRCDIR/build}"
: "${PYTHON:=/usr/bin/python3}" "${N:=100000}"
PUB=${CSRO_MLAPT_DIR:-/work/shared/data/mlapt-published}
[ -x "$CSRO_BIN/csro-net-import" ] || { echo "classify_bench: needs csro-net-import (HDF5)"; exit 0; }
[ -d "$PUB/models" ] || { echo "classify_bench: $PUB/models not found"; exit 0; }
T=$(mktemp -d /tmp/csro-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT
M=$PUB/models
MODELS="$M/model_0.h5 $M/model_1.h5 $M/model_2.h5 $M/model_3.h5 $M/model_4.h5"
$CSRO_BIN/csro-net-import $MODELS -o "$T/pub.csronet" --quiet
$PYTHON -c "import numpy as np; np.savetxt('$T/x.tsv', np.random.default_rng(1).random(($N, 93)), fmt='%.6f', delimiter='\t')"
$PYTHON "$CSRO_SRCDIR/tests/tools/mk_zsdm.py" "$T/x.tsv" "$T/x.zsdm" --state minmax

now() { $PYTHON -c 'import time; print(time.perf_counter())'; }
rate() { $PYTHON -c "print(f'{$N / ($2 - $1) * 60:.0f}')"; }
for th in 1 2; do
    t0=$(now)
    OPENBLAS_NUM_THREADS=1 $CSRO_BIN/csro-classify -m "$T/pub.csronet" "$T/x.zsdm" -o "$T/x.prob" --threads $th --quiet
    t1=$(now)
    eval "c$th=$(rate "$t0" "$t1")"
done
# measured data: raw counts through the experimental pipeline (Savitzky-Golay,
# Moody background) before the networks
$CSRO_BIN/csro-net-import $MODELS -o "$T/pubx.csronet" --preprocess experimental --quiet
$PYTHON -c "import numpy as np; np.savetxt('$T/r.tsv', np.random.default_rng(2).poisson(20, ($N, 93)), fmt='%d', delimiter='\t')"
$PYTHON "$CSRO_SRCDIR/tests/tools/mk_zsdm.py" "$T/r.tsv" "$T/r.zsdm" --state raw
t0=$(now)
OPENBLAS_NUM_THREADS=1 $CSRO_BIN/csro-classify -m "$T/pubx.csronet" "$T/r.zsdm" -o "$T/r.prob" --threads 2 --quiet
t1=$(now)
cx=$(rate "$t0" "$t1")
np1=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $PYTHON "$CSRO_SRCDIR/tests/keras_ref.py" bench $MODELS --n "$N" | awk '{print $2}')
np2=$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 $PYTHON "$CSRO_SRCDIR/tests/keras_ref.py" bench $MODELS --n "$N" | awk '{print $2}')
echo "classify_bench: $N voxels, published 5-model ensemble (93 bins), .zsdm -> .prob"
printf '  %-40s %12s voxels/min\n' "csro-classify, 1 thread" "$c1" "csro-classify, 2 threads" "$c2" \
    "NumPy forward pass (float64), 1 thread" "$np1" "NumPy forward pass (float64), 2 threads" "$np2" \
    "csro-classify raw + experimental, 2 thr" "$cx"
$PYTHON -c "print(f'  ratio csro-classify/NumPy: 1 thread {$c1 / $np1:.1f}x, 2 threads {$c2 / $np2:.1f}x')"
