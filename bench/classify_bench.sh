#!/bin/sh
# classify_bench.sh: voxels per minute of csro-classify running the published
# 5-model ML-APT ensemble (data/mlapt/published_NiNi.csronet, converted from
# the published Keras HDF5 files) on N min-max normalised 93-bin profiles, on
# 1 and 2 threads, against a NumPy forward pass (tests/keras_ref.py, float64,
# one batched matmul per layer) of Keras files of the same architecture in the
# same run: the published ones when CSRO_MLAPT_DIR names a copy of them,
# otherwise 5 random-weight models written by keras_ref.py mkmodel --arch
# published (same shapes, so the same cost). Env: CSRO_SRCDIR, CSRO_BIN,
# CSRO_BUILD, PYTHON (as `make bench` sets them); N (default 100000).
set -eu
: "${CSRO_SRCDIR:=$(pwd)}" "${CSRO_BIN:=$CSRO_SRCDIR/build/bin}" "${CSRO_BUILD:=$CSRO_SRCDIR/build}"
: "${PYTHON:=/usr/bin/python3}" "${N:=100000}"
SHIPPED=$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet
[ -r "$SHIPPED" ] || { echo "classify_bench: $SHIPPED not found"; exit 0; }
T=$(mktemp -d /tmp/csro-bench-XXXXXX)
trap 'rm -rf "$T"' EXIT
cp "$SHIPPED" "$T/pub.csronet"
if [ -n "${CSRO_MLAPT_DIR:-}" ] && [ -d "$CSRO_MLAPT_DIR/models" ]; then
    M=$CSRO_MLAPT_DIR/models
    MODELS="$M/model_0.h5 $M/model_1.h5 $M/model_2.h5 $M/model_3.h5 $M/model_4.h5"
else
    MODELS=""
    for i in 0 1 2 3 4; do
        $PYTHON "$CSRO_SRCDIR/tests/keras_ref.py" mkmodel --arch published --seed $((i + 1)) -o "$T/m$i.h5"
        MODELS="$MODELS $T/m$i.h5"
    done
fi
$PYTHON -c "import numpy as np; np.savetxt('$T/x.tsv', np.random.default_rng(1).random(($N, 93)), fmt='%.6f', delimiter='\t')"
$PYTHON "$CSRO_SRCDIR/tests/tools/mk_zsdm.py" "$T/x.tsv" "$T/x.zsdm" --state minmax --pair Ni-Ni

now() { $PYTHON -c 'import time; print(time.perf_counter())'; }
rate() { $PYTHON -c "print(f'{$N / ($2 - $1) * 60:.0f}')"; }
for th in 1 2; do
    t0=$(now)
    OPENBLAS_NUM_THREADS=1 $CSRO_BIN/csro-classify -m "$T/pub.csronet" "$T/x.zsdm" -o "$T/x.prob" --preprocess minmax --threads $th --quiet
    t1=$(now)
    eval "c$th=$(rate "$t0" "$t1")"
done
# measured data: raw counts through the experimental pipeline (Savitzky-Golay,
# Moody background) before the networks
$PYTHON -c "import numpy as np; np.savetxt('$T/r.tsv', np.random.default_rng(2).poisson(20, ($N, 93)), fmt='%d', delimiter='\t')"
$PYTHON "$CSRO_SRCDIR/tests/tools/mk_zsdm.py" "$T/r.tsv" "$T/r.zsdm" --state raw --pair Ni-Ni
t0=$(now)
OPENBLAS_NUM_THREADS=1 $CSRO_BIN/csro-classify -m "$T/pub.csronet" "$T/r.zsdm" -o "$T/r.prob" --preprocess experimental \
    --threads 2 --quiet
t1=$(now)
cx=$(rate "$t0" "$t1")
np1=$(OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $PYTHON "$CSRO_SRCDIR/tests/keras_ref.py" bench $MODELS --n "$N" | awk '{print $2}')
np2=$(OPENBLAS_NUM_THREADS=2 OMP_NUM_THREADS=2 $PYTHON "$CSRO_SRCDIR/tests/keras_ref.py" bench $MODELS --n "$N" | awk '{print $2}')
echo "classify_bench: $N voxels, published 5-model ensemble (93 bins), .zsdm -> .prob"
printf '  %-40s %12s voxels/min\n' "csro-classify, 1 thread" "$c1" "csro-classify, 2 threads" "$c2" \
    "NumPy forward pass (float64), 1 thread" "$np1" "NumPy forward pass (float64), 2 threads" "$np2" \
    "csro-classify raw + experimental, 2 thr" "$cx"
$PYTHON -c "print(f'  ratio csro-classify/NumPy: 1 thread {$c1 / $np1:.1f}x, 2 threads {$c2 / $np2:.1f}x')"
