#!/bin/sh
# Scale: peak memory and time of apt-voxelize on large specimens, one pair
# (Co-Co), output through a pipe (stored chunks) to /dev/null. A 10^7-ion
# block (apt-simulate 50 x 50 x 90 nm, CoCrNi FCC, 50 % detection, Co
# domains) is stacked R times along z (a copy shifted by R x the block's z
# extent + 0.1 nm, NumPy) into specimens of 2x10^7 (R = 2) and 10^8 ions
# (R = 10); SCALE_BIG=R adds an R x 10^7-ion run (SCALE_BIG=100: 10^9 ions,
# 16 GB of POS plus ~5 GB of buckets in $TMPDIR; VOX_OPTS="--stride 1" cuts
# the voxel count 8x). The reconstruction is streamed (a bounds pass, the Co
# atoms in reach bucketed by z, then slab by slab), so the peak RSS is set by
# the slab, not by the ion count (issue 16 target: 2x10^7 ions in 200 MB).
# SCALE_R="2" runs only the 2x10^7-ion stack. Then the block through
# classify (the shipped Co-Co model) and the map + extraction stage.
set -eu
cd "${CSRO_SRCDIR:-.}"
B=${CSRO_BIN:-build/bin}
W=${SCALE_DIR:-${CSRO_BUILD:-build}/scale}
PY=${PYTHON:-/usr/bin/python3}
mkdir -p "$W"
T="/usr/bin/time -f %e_s_wall_%U+%S_s_CPU_%M_kB_peak_RSS"
echo "apt-simulate 50x50x90 nm block: $($T $B/apt-simulate --quiet --box 50,50,90 --domains Co:2:3:0.05 \
    --ranges "$W/m.rrng" -o "$W/m.pos" 2>&1 | tail -1) ($(($(stat -c %s "$W/m.pos") / 16)) ions)"
for R in ${SCALE_R:-2 10} ${SCALE_BIG:-}; do
    "$PY" - "$W/m.pos" "$R" "$W/big.pos" <<'PY'
import sys, numpy as np
b = np.fromfile(sys.argv[1], ">f4").reshape(-1, 4)
z = b[:, 2].astype(np.float64)
period = z.max() - z.min() + 0.1
with open(sys.argv[3], "wb") as f:
    for k in range(int(sys.argv[2])):
        c = b.copy()
        c[:, 2] = (z + k * period).astype(">f4")
        f.write(c.tobytes())
PY
    echo "apt-voxelize Co-Co ${VOX_OPTS:-}, $(($(stat -c %s "$W/big.pos") / 16)) ions -o - > /dev/null:" \
         "$($T sh -c "$B/apt-voxelize --quiet ${VOX_OPTS:-} -r '$W/m.rrng' -p Co-Co '$W/big.pos' -o - > /dev/null" 2>&1 | tail -1)"
    rm -f "$W/big.pos"
done
# 10^7 ions: classify with the shipped default model of Co-Co (no -m), then
# map + extraction with the rule that model carries
echo "voxelize | classify 10^7 ions: $($T sh -c "$B/apt-voxelize --quiet -r '$W/m.rrng' -p Co-Co '$W/m.pos' -o - | \
    $B/csro-classify -q - -o '$W/m.prob'" 2>&1 | tail -1)"
echo "csro-map + csro-extract 10^7 ions: $($T sh -c "$B/csro-map -q '$W/m.prob' -o '$W/m.tif' && \
    $B/csro-extract -q -M '$W/m.prob' '$W/m.pos' -o '$W/m_csro.pos'" 2>&1 | tail -1)"
rm -f "$W/m.pos" "$W/m.prob" "$W/m.tif" "$W/m_csro.pos"
