# csro-calibrate and csro-limits on a tiny model and 8 nm specimens. The
# calibrated threshold is checked through the file tools: the same specimen
# written by apt-simulate (same seed), voxelized, classified and scored by
# csro-score at every threshold of the grid: none beats the chosen one.
# csro-limits' counts equal csro-score's for the same specimen.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
$B/csro-simulate --quiet --size 1.5 --class FCC:random:Co:1,Cr:1,Ni:1 --class CSRO:L12:Co --pair Co-Co \
    --random 150 --seed 3 -o "$T/bank.zsdm"
$B/csro-train --quiet --epochs 3 --folds 2 --seed 3 "$T/bank.zsdm" -o "$T/m.csronet"
# one domain specimen (seed 40), a random matrix (41) and the random-label control (42)
$B/csro-calibrate -q --box 8 --sigma-xy 0.3 --efficiency 0.5 --diameters 2:3 --fraction 0.1 --smooth 0 \
    --max-fp 1 --seed 40 --members 1 --report "$T/rep.tsv" "$T/m.csronet" -o "$T/cal.csronet"
[ "$(grep -vc '^#' "$T/rep.tsv")" -eq 4 ] || die "report rows: $(cat "$T/rep.tsv")"
# the report's provenance record (tools/provenance.c): program, model with its CRC-32, chosen rule
grep -q '^# program=csro-calibrate$' "$T/rep.tsv" || die "report: no provenance record"
crc=$($PYTHON -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$T/m.csronet")
grep -q "^# input.1.crc32=$crc\$" "$T/rep.tsv" || die "report: model checksum $crc not recorded: $(grep '^#' "$T/rep.tsv")"
grep -q '^# parameter.threshold=' "$T/rep.tsv" || die "report: no threshold parameter"
# the rule travels model -> .prob -> map tools
$B/apt-simulate --quiet --box 8,8,8 --domains Co:2:3:0.1 --efficiency 0.5 --sigma-xy 0.3 --sigma-z 0.03 --seed 40 \
    --truth "$T/s.truth" --ranges "$T/s.rrng" -o "$T/s.pos"
$B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o - | $B/csro-classify -m "$T/cal.csronet" -o "$T/s.prob" 2>"$T/cl.err"
grep -q "default model\|cal.csronet" "$T/cl.err" || true
$B/csro-map "$T/s.prob" -o "$T/map.tif" --mask "$T/mask.tif" 2>"$T/map.err"
grep -q "map rule of cal.csronet: sum map, threshold " "$T/map.err" || die "csro-map note: $(cat "$T/map.err")"
$B/csro-score -M "$T/s.prob" --truth "$T/s.truth" "$T/s.pos" > "$T/auto.tsv" 2>/dev/null
best=$(awk -F'\t' '$2=="subcell" {print $9}' "$T/auto.tsv")
# calibration kept member 1 only: the rule's F1 equals the report's
rep=$(awk -F'\t' '$2=="domains" {print $12}' "$T/rep.tsv")
$PYTHON - "$best" "$rep" <<'PY'
import sys
a, b = map(float, sys.argv[1:])
assert abs(a - b) < 1e-3, (a, b)
PY
for t in 0 0.5 1 1.5 2 2.5 3 3.5 4 5 6; do
    $B/csro-score --no-header --threshold $t -M "$T/s.prob" --truth "$T/s.truth" "$T/s.pos" 2>/dev/null
done | awk -F'\t' -v b="$best" '$2=="subcell" && $9 > b + 1e-9 {bad = 1; print "threshold beats the calibrated one:", $0} END {exit bad}'
# csro-limits: one cell, the same specimen -> the same counts as csro-score
$B/csro-limits -q --box 8 --diameters 2:3 --sigma-xy 0.3 --efficiency 0.5 --order 1 --fraction 0.1 --seed 40 \
    "$T/cal.csronet" -o "$T/lim.tsv"
got=$(grep -v '^#' "$T/lim.tsv" | awk -F'\t' 'NR>1 {print $6, $7, $8, $9}')
grep -q '^# program=csro-limits$' "$T/lim.tsv" || die "csro-limits: no provenance record"
crc=$($PYTHON -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$T/cal.csronet")
grep -q "^# input.1.crc32=$crc\$" "$T/lim.tsv" || die "csro-limits: model checksum $crc not recorded"
want=$(awk -F'\t' '$2=="subcell" {print $3, $4, $5, $6}' "$T/auto.tsv")
[ "$got" = "$want" ] || die "csro-limits counts $got, csro-score $want"
# the input model is untouched (no rule): csro-limits says so
$B/csro-limits --box 8 --diameters 1:2 --sigma-xy 0.3 --efficiency 0.5 --order 1 --fraction 0.1 "$T/m.csronet" \
    -o "$T/lim0.tsv" 2>"$T/lim0.err"
grep -q "no calibrated map rule" "$T/lim0.err" || die "no-rule note: $(cat "$T/lim0.err")"
# bad input
expect_fail 2 $B/csro-calibrate "$T/m.csronet"
expect_fail 2 $B/csro-calibrate "$T/m.csronet" -o "$T/m.csronet"
expect_fail 2 $B/csro-calibrate --sigma-xy 0.3,x "$T/m.csronet" -o "$T/x.csronet"
expect_fail 2 $B/csro-calibrate --diameters 3 "$T/m.csronet" -o "$T/x.csronet"
expect_fail 1 $B/csro-calibrate "$T/s.pos" -o "$T/x.csronet"
expect_fail 1 $B/csro-calibrate --members 9 --box 8 "$T/m.csronet" -o "$T/x.csronet"
[ ! -e "$T/x.csronet" ] || die "partial output"
expect_fail 2 $B/csro-limits --order 2 "$T/m.csronet"
expect_fail 2 $B/csro-limits --diameters 10:20 --box 8 "$T/m.csronet"
expect_fail 1 $B/csro-limits "$T/nothing.csronet" -o "$T/y.tsv"
[ ! -e "$T/y.tsv" ] || die "partial output"
$B/csro-calibrate -h | grep -q Usage
$B/csro-limits -V | grep -q csro-limits
# the context stage (when the library has it): trained on two small
# specimens, calibrated on its output (map.mode=context); the rule travels
# model -> .prob -> map tools, and csro-limits' counts equal csro-score's
if [ -x "$B/csro-train-context" ]; then
    : > "$T/ctx.list"
    for s in 50 51; do
        $B/apt-simulate --quiet --box 8,8,8 --domains Co:2:3:0.1 --efficiency 0.5 --sigma-xy 0.3 --seed $s \
            --truth "$T/c$s.truth" --ranges "$T/c$s.rrng" -o "$T/c$s.pos"
        $B/apt-voxelize --quiet -r "$T/c$s.rrng" -p Co-Co "$T/c$s.pos" -o - | $B/csro-classify -q -m "$T/cal.csronet" -o "$T/c$s.prob"
        echo "$T/c$s.prob $T/c$s.truth $T/c$s.pos" >> "$T/ctx.list"
    done
    $B/csro-train-context -q --class CSRO --members 2 --epochs 2 --hidden 8 --halfwidth 2 -m "$T/cal.csronet" \
        -l "$T/ctx.list" -o "$T/ctx.csronet"
    $B/csro-calibrate -q --box 8 --sigma-xy 0.3 --efficiency 0.5 --diameters 2:3 --fraction 0.1 --smooth 0,0.5 \
        --max-fp 1 --seed 40 "$T/ctx.csronet" -o "$T/ctxcal.csronet"
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o - | $B/csro-classify -q -m "$T/ctxcal.csronet" -o "$T/cs.prob"
    $B/csro-map "$T/cs.prob" -o "$T/cmap.tif" 2>"$T/cmap.err"
    grep -q "map rule of ctxcal.csronet: context-stage map" "$T/cmap.err" || die "context rule: $(cat "$T/cmap.err")"
    $B/csro-score -M "$T/cs.prob" --truth "$T/s.truth" "$T/s.pos" > "$T/cauto.tsv" 2>/dev/null
    $B/csro-limits -q --box 8 --diameters 2:3 --sigma-xy 0.3 --efficiency 0.5 --order 1 --fraction 0.1 --seed 40 \
        "$T/ctxcal.csronet" -o "$T/clim.tsv"
    got=$(grep -v '^#' "$T/clim.tsv" | awk -F'\t' 'NR>1 {print $6, $7, $8, $9}')
    want=$(awk -F'\t' '$2=="subcell" {print $3, $4, $5, $6}' "$T/cauto.tsv")
    [ "$got" = "$want" ] || die "context: csro-limits counts $got, csro-score $want"
    # the expected-F1 threshold rule: each map's own threshold above the
    # calibrated floor; the report's counts for the domain specimen equal
    # csro-score's and csro-limits' through the files
    $B/csro-calibrate -q --box 8 --sigma-xy 0.3 --efficiency 0.5 --diameters 2:3 --fraction 0.1 --smooth 0 \
        --max-fp 1 --seed 40 --rule expected-f1 --report "$T/frep.tsv" "$T/ctx.csronet" -o "$T/ctxf1.csronet"
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o - | $B/csro-classify -q -m "$T/ctxf1.csronet" -o "$T/fs.prob"
    $B/csro-score -M "$T/fs.prob" --truth "$T/s.truth" "$T/s.pos" > "$T/fauto.tsv" 2>"$T/fauto.err"
    grep -q "expected-F1 rule on this map, floor" "$T/fauto.err" || die "expected-F1 note: $(cat "$T/fauto.err")"
    got=$(awk -F'\t' '$2=="domains" {print $6, $7, $8, $9}' "$T/frep.tsv")
    want=$(awk -F'\t' '$2=="subcell" {print $3, $4, $5, $6}' "$T/fauto.tsv")
    [ "$got" = "$want" ] || die "expected-F1: calibration report $got, csro-score $want"
    $B/csro-limits -q --box 8 --diameters 2:3 --sigma-xy 0.3 --efficiency 0.5 --order 1 --fraction 0.1 --seed 40 \
        "$T/ctxf1.csronet" -o "$T/flim.tsv"
    got=$(grep -v '^#' "$T/flim.tsv" | awk -F'\t' 'NR>1 {print $6, $7, $8, $9}')
    [ "$got" = "$want" ] || die "expected-F1: csro-limits counts $got, csro-score $want"
    expect_fail 2 $B/csro-calibrate --rule best "$T/ctx.csronet" -o "$T/x.csronet"
fi
# the expected-F1 rule needs probabilities: refused on a sum map
expect_fail 2 $B/csro-calibrate --rule expected-f1 --box 8 "$T/m.csronet" -o "$T/x.csronet"
[ ! -e "$T/x.csronet" ] || die "partial output"
