#!/bin/sh
# make-models.sh: rebuild the shipped default models (models/A-A.csronet)
# deterministically from fixed seeds: a boundary-aware simulated bank
# (random FCC; L1_2 crystals cut by a domain surface, ordered fraction
# 2-50 % = "edge", 50-100 % = "CSRO"), a 2-fold ensemble of which the first
# member is kept (the file stays < 1 MB), and the map rule calibrated by
# csro-calibrate on simulated specimens (seeds 1000+) that no test or
# benchmark uses (bench/ uses seeds >= 7000).
# Usage: sh scripts/make-models.sh [PAIR...]   (default: Co Ni)
set -eu
cd "${CSRO_SRCDIR:-.}"
B=${CSRO_BIN:-build/bin}
W=${MODELS_WORK:-${CSRO_BUILD:-build}/models}
SEED=${MODEL_SEED:-1}
OUTDIR=${MODELS_OUT:-models}
mkdir -p "$W" "$OUTDIR"
for X in ${*:-Co Ni}; do
    echo "models: $X-$X (training seed $SEED)"
    nice $B/csro-simulate --quiet --size 1.5 --class FCC:random:Co:1,Cr:1,Ni:1 \
        --class edge:L12:$X:cut=any,0.02,0.5 --class CSRO:L12:$X:cut=any,0.5,1 \
        --pair $X-$X --sweep reference --seed "$SEED" -o "$W/$X.zsdm"
    nice $B/csro-train --quiet --epochs 15 --folds 2 --seed "$SEED" "$W/$X.zsdm" -o "$W/$X-ens.csronet"
    nice $B/csro-calibrate --members 1 --seed 1000 --report "$W/$X-calibration.tsv" \
        "$W/$X-ens.csronet" -o "$W/$X-$X.csronet"
    mv "$W/$X-$X.csronet" "$OUTDIR/$X-$X.csronet"
    ls -l "$OUTDIR/$X-$X.csronet"
done
