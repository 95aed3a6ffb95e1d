#!/bin/sh
# Scale: a 10^8-ion simulated specimen (CoCrNi, 50 x 50 x 900 nm at 50 %
# detection efficiency) written by apt-simulate in bounded memory, then
# voxelized for one pair (Co-Co) by apt-voxelize: wall time and peak RSS
# of each (GNU time). Then a 10^7-ion specimen through classify and the
# map + extraction stage (issue 5 target: <= 30 s on 2 cores).
# Needs ~10 GB of free disk in $W. SCALE_Z=90 gives a 10^7-ion run only.
set -eu
cd "${CSRO_SRCDIR:-.}"
B=${CSRO_BIN:-build/bin}
W=${SCALE_DIR:-${CSRO_BUILD:-build}/scale}
Z=${SCALE_Z:-900}
mkdir -p "$W"
T="/usr/bin/time -f %e_s_%M_kB"
echo "apt-simulate 50x50x${Z} nm: $($T $B/apt-simulate --quiet --box 50,50,$Z --domains Co:2:3:0.05 \
    --ranges "$W/big.rrng" -o "$W/big.pos" 2>&1 | tail -1) ($(($(stat -c %s "$W/big.pos") / 16)) ions)"
echo "apt-voxelize Co-Co: $($T $B/apt-voxelize --quiet -r "$W/big.rrng" -p Co-Co "$W/big.pos" \
    -o "$W/big.zsdm" 2>&1 | tail -1) (.zsdm $(($(stat -c %s "$W/big.zsdm") / 1048576)) MiB)"
rm -f "$W/big.zsdm" "$W/big.pos"
# 10^7 ions: classify, then map + extraction
$B/apt-simulate --quiet --box 50,50,90 --domains Co:2:3:0.05 --ranges "$W/m.rrng" -o "$W/m.pos"
[ -f "$W/model.csronet" ] || { $B/csro-simulate --quiet --size 1.5 --class FCC:random --class CSRO:L12:Co \
    --pair Co-Co --sweep reference --seed 1 -o "$W/bank.zsdm" && \
    $B/csro-train --quiet --epochs 15 --seed 1 "$W/bank.zsdm" -o "$W/model.csronet"; }
echo "voxelize | classify 10^7 ions: $($T sh -c "$B/apt-voxelize --quiet -r '$W/m.rrng' -p Co-Co '$W/m.pos' -o - | \
    $B/csro-classify -q -m '$W/model.csronet' - -o '$W/m.prob'" 2>&1 | tail -1)"
echo "csro-map + csro-extract 10^7 ions: $($T sh -c "$B/csro-map '$W/m.prob' -o '$W/m.tif' 2>/dev/null && \
    $B/csro-extract -M '$W/m.prob' '$W/m.pos' -o '$W/m_csro.pos' 2>/dev/null" 2>&1 | tail -1)"
rm -f "$W/m.pos" "$W/m.prob" "$W/m.tif" "$W/m_csro.pos"
