#!/bin/sh
# sdm_bench.sh: z-SDM voxel engine vs the published SciPy method, in one run.
#
#   sh bench/sdm_bench.sh [NSAMPLE]     (after `make`; from the source root)
#
# 1. Synthetic FCC CoCrNi specimen, 20 x 20 x 40 nm (a = 0.36 nm, random
#    occupancy, 50% detection, blur sigma_xy 0.3 / sigma_z 0.03 nm): Ni-Ni
#    and Ni-Co z-SDMs of every voxel (1 nm spheres, stride 0.5 nm) with 1 and
#    2 threads.
# 2. Real CoCrNi ions (data/mlapt/cocrni_annealed_NiNi_csro_extract.pos,
#    shipped with the source; see data/mlapt/README.md): Ni selected by the
#    mass windows [28.8, 29.2] and [29.8, 30.2] Da (ranging belongs to the
#    ranges module).
# For each, bench/ref_zsdm.py runs the reference method (cKDTree + the
# fast_histogram rule) on NSAMPLE voxels spread evenly over the grid
# (default 2000; the SciPy time per voxel is extrapolated to the grid), and
# compares its counts with ours voxel by voxel.
set -eu
N=${1:-2000}
. "${CSRO_SRCDIR:-$(pwd)}/bench/sdm_bench.inc"
echo "== synthetic specimen"
mkdir "$T/s"
"$T/sdm_bench" synth "$T/s" "$N"
"$PY" "$SRC/bench/ref_zsdm.py" "$T/s"
REAL=$SRC/data/mlapt/cocrni_annealed_NiNi_csro_extract.pos
if [ -r "$REAL" ]; then
    echo "== real CoCrNi ions"
    mkdir "$T/r"
    "$T/sdm_bench" real "$REAL" "$T/r" "$N"
    "$PY" "$SRC/bench/ref_zsdm.py" "$T/r"
fi
