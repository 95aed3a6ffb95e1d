# The default flow with the shipped models (models/*.csronet, found by
# csro-classify without -m from the build tree): three commands, no model
# or threshold given, on a simulated specimen with planted Co domains; the
# model's calibrated map rule is applied by csro-map, csro-extract,
# csro-stats and csro-score. Then a pair without a default model.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
[ -f "$CSRO_SRCDIR/models/Co-Co.csronet" ] || die "models/Co-Co.csronet is not in the source tree"
$B/apt-simulate --quiet --box 12,12,12 --domains Co:3:4:0.1 --efficiency 0.5 --sigma-xy 0.3 --sigma-z 0.03 \
    --seed 31 --truth "$T/r.truth" --ranges "$T/r.rrng" -o "$T/recon.pos"
# 1-2: voxelize | classify, no -m
$B/apt-voxelize --quiet -r "$T/r.rrng" -p Co-Co "$T/recon.pos" -o - | $B/csro-classify -o "$T/x.prob" 2>"$T/cl.err"
grep -q "default model for Co-Co: .*Co-Co.csronet" "$T/cl.err" || die "csro-classify did not say its model: $(cat "$T/cl.err")"
# 3: the map with the rule the model carries
$B/csro-map "$T/x.prob" -o "$T/map.tif" --mask "$T/mask.tif" 2>"$T/map.err"
grep -q "map rule of Co-Co.csronet" "$T/map.err" || die "csro-map did not apply the model's rule: $(cat "$T/map.err")"
thr=$(sed -n 's/.*map rule of Co-Co.csronet: .* threshold \([0-9.e+-]*\).*/\1/p' "$T/map.err" | head -1)
[ -n "$thr" ] && [ "$thr" != 3.75 ] || die "no calibrated threshold: $(cat "$T/map.err")"
# the mask is the map thresholded at the rule's threshold (checked in NumPy)
$PYTHON - "$T/map.tif" "$T/mask.tif" "$thr" <<'PY'
import sys, numpy as np, tifffile
m = tifffile.imread(sys.argv[1]); k = tifffile.imread(sys.argv[2]); t = float(sys.argv[3])
want = np.where(np.isnan(m), 0, m > t).astype(k.dtype)
assert (k == want).all(), "mask differs from map > threshold"
assert 0 < k.sum() < k.size * 0.5, k.sum()
PY
# extraction and statistics use the same rule
$B/csro-extract -M "$T/x.prob" "$T/recon.pos" -o "$T/csro.pos" 2>"$T/ex.err"
grep -q "map rule of Co-Co.csronet" "$T/ex.err" || die "csro-extract: $(cat "$T/ex.err")"
[ -s "$T/csro.pos" ] || die "nothing extracted"
$B/csro-stats "$T/x.prob" -f json -o "$T/st.json" 2>"$T/st.err"
grep -q "map rule of Co-Co.csronet" "$T/st.err" || die "csro-stats: $(cat "$T/st.err")"
# sub-cell F1 of the default flow on 3-4 nm domains (sigma_xy 0.3, efficiency 0.5)
$B/csro-score -M "$T/x.prob" --truth "$T/r.truth" "$T/recon.pos" > "$T/sc.tsv" 2>/dev/null
awk -F'\t' '$2=="subcell" { if ($9 < 0.6) { print "default-flow F1 " $9 " < 0.6"; exit 1 } ok = 1 } END { exit !ok }' "$T/sc.tsv"
# --threshold still overrides the rule, and says so
$B/csro-map "$T/x.prob" -o "$T/map2.tif" --mask "$T/mask2.tif" -t 0.9 2>"$T/map2.err"
grep -q "overridden: threshold 0.9" "$T/map2.err" || die "override note: $(cat "$T/map2.err")"
# Ni-Ni on the real CoCrNi ions: a default model too
if [ -f "$CSRO_SRCDIR/models/Ni-Ni.csronet" ]; then
    $B/apt-voxelize --quiet -r "$CSRO_TESTDATA/ranges_cocrni.rrng" -p Ni-Ni "$CSRO_TESTDATA/cocrni_2000.csv" -o - |
        $B/csro-classify -o "$T/ni.prob" 2>"$T/ni.err"
    grep -q "Ni-Ni.csronet" "$T/ni.err" || die "Ni-Ni default model: $(cat "$T/ni.err")"
fi
# CSRO_MODEL_DIR is searched first
mkdir "$T/md" && cp "$CSRO_SRCDIR/models/Co-Co.csronet" "$T/md/Cr-Cr.csronet"
$B/apt-voxelize --quiet -r "$T/r.rrng" -p Cr-Cr "$T/recon.pos" -o "$T/cr.zsdm"
CSRO_MODEL_DIR="$T/md" $B/csro-classify "$T/cr.zsdm" -o "$T/cr.prob" 2>"$T/cr.err" || true
grep -q "$T/md/Cr-Cr.csronet" "$T/cr.err" || die "CSRO_MODEL_DIR not searched: $(cat "$T/cr.err")"
# a pair without a default model: a clear error, no output
expect_fail 1 $B/csro-classify "$T/cr.zsdm" -o "$T/none.prob"
grep -q "no default model for the pair Cr-Cr" "$T/err.txt" || die "message: $(cat "$T/err.txt")"
[ ! -e "$T/none.prob" ] || die "partial output"
