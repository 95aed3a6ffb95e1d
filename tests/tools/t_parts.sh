# t_parts.sh: exact parts (issue 16). A simulated specimen voxelized whole
# and as 3 parts (apt-voxelize --part K/3), each part classified through a
# pipe with the shipped default model (its map rule: context stage,
# calibrated threshold): the parts' rows are the whole run's rows; csro-map
# of the 3 part files equals the whole map byte for byte (pixels of the
# map, mask and uncertainty; the TIFF descriptions apart from the run's own
# command line, inputs and time), with the rule and with --mode sum;
# csro-extract with the 3 parts keeps the same ions in the same order;
# csro-stats gives the same numbers. Streamed input: small slabs, stdin and
# compression give the same rows. Bad parts: overlapping parts, parts of
# another grid or model, bad K/N, a part without layers.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
[ -f "$CSRO_SRCDIR/models/Ni-Ni.csronet" ] || die "models/Ni-Ni.csronet is not in the source tree"
$B/apt-simulate --quiet --box 8,8,12 --domains Ni:1.5:3:0.15 --seed 3 --ranges "$T/s.rrng" -o "$T/s.pos"
V="$B/apt-voxelize --quiet -r $T/s.rrng -p Ni-Ni"
$V "$T/s.pos" -o "$T/w.zsdm"
$B/csro-classify -q "$T/w.zsdm" -o "$T/w.prob"
$B/csro-map "$T/w.prob" -o "$T/w.tif" --mask "$T/wm.tif" --uncertainty "$T/wu.tif" 2>"$T/w.err"
grep -q "map rule of Ni-Ni.csronet: context-stage map" "$T/w.err" || die "whole run: no map rule: $(cat "$T/w.err")"
$B/csro-map -q --mode sum "$T/w.prob" -o "$T/ws.tif"
$B/csro-extract -q -M "$T/w.prob" "$T/s.pos" -o "$T/w_ext.pos"
$B/csro-stats -q "$T/w.prob" | grep -v '^input\|^provenance\.' > "$T/w_stats.txt"
for k in 1 2 3; do
    $V --part $k/3 "$T/s.pos" -o "$T/p$k.zsdm"
    # through a pipe, as on a cluster node
    $V --part $k/3 "$T/s.pos" -o - | $B/csro-classify -q - -o "$T/p$k.prob"
done
# rows: the parts hold the whole run's rows, each voxel once
$B/zsdm-dump "$T/w.zsdm" | grep -v '^[#i]' > "$T/w_rows.txt"
for k in 1 2 3; do $B/zsdm-dump "$T/p$k.zsdm" | grep -v '^[#i]'; done > "$T/p_rows.txt"
cmp "$T/w_rows.txt" "$T/p_rows.txt" || die "parts: rows differ from the whole run"
$B/zsdm-dump "$T/p2.zsdm" | grep -q "^# text	part	2/3" || die "parts: no part 2/3 in the header"
[ "$(wc -l < "$T/w_rows.txt")" -gt 3000 ] || die "parts: too few rows"
# map (with the model's rule, and the plain sum map) of the merged parts = the whole run
$B/csro-map "$T/p1.prob" "$T/p2.prob" "$T/p3.prob" -o "$T/p.tif" --mask "$T/pm.tif" --uncertainty "$T/pu.tif" \
    2>"$T/p.err"
grep -q "and 2 more part(s): map rule of Ni-Ni.csronet: context-stage map" "$T/p.err" ||
    die "parts: no map rule: $(cat "$T/p.err")"
[ "$(sed -n 's/.*: map rule/map rule/p' "$T/p.err")" = "$(sed -n 's/.*: map rule/map rule/p' "$T/w.err")" ] ||
    die "parts: another rule or threshold than the whole run: $(cat "$T/p.err") vs $(cat "$T/w.err")"
$B/csro-map -q --mode sum "$T/p3.prob" "$T/p1.prob" "$T/p2.prob" -o "$T/ps.tif"
$PYTHON - "$T" <<'PY'
import sys, numpy as np, tifffile
T = sys.argv[1]
RUN = ("command_line=", "input.", "timestamp=")  # what records the run itself
def read(name):
    with tifffile.TiffFile(T + "/" + name) as f:
        px = f.asarray()
        d = f.pages[0].tags["ImageDescription"].value
    return px, [l for l in d.splitlines() if not l.startswith(RUN)]
for w, p in (("w", "p"), ("wm", "pm"), ("wu", "pu"), ("ws", "ps")):
    (a, da), (b, db) = read(w + ".tif"), read(p + ".tif")
    assert a.dtype == b.dtype and a.shape == b.shape, (w, a.shape, b.shape)
    assert a.tobytes() == b.tobytes(), "parts: %s.tif pixels differ from the whole run" % p
    assert da == db, "parts: %s.tif description differs: %s vs %s" % (p, da, db)
m = read("w.tif")[0]
k = read("wm.tif")[0]
assert np.isfinite(m).sum() > 1000 and 0 < k.sum() < k.size, (np.isfinite(m).sum(), k.sum())
print("parts: map, mask, uncertainty and sum map equal the whole run;", int(k.sum()), "sub-cells selected")
PY
# extraction and statistics of the merged parts = the whole run (any order)
$B/csro-extract -q -M "$T/p3.prob" -M "$T/p1.prob" -M "$T/p2.prob" "$T/s.pos" -o "$T/p_ext.pos"
cmp "$T/w_ext.pos" "$T/p_ext.pos" || die "parts: csro-extract differs from the whole run"
[ "$(stat -c %s "$T/w_ext.pos")" -gt 1600 ] || die "parts: too few ions extracted to compare"
$B/csro-stats -q "$T/p2.prob" "$T/p1.prob" "$T/p3.prob" | grep -v '^input\|^provenance\.' > "$T/p_stats.txt"
cmp "$T/w_stats.txt" "$T/p_stats.txt" || die "parts: csro-stats differs from the whole run"
# streamed input: one-layer slabs, stdin, compression: the same rows
$V --slab 1 "$T/s.pos" -o "$T/slab1.zsdm"
$B/zsdm-dump "$T/slab1.zsdm" | grep -v '^[#i]' | cmp - "$T/w_rows.txt" || die "apt-voxelize --slab 1 differs"
$V --input-format pos - -o "$T/stdin.zsdm" < "$T/s.pos"
$B/zsdm-dump "$T/stdin.zsdm" | grep -v '^[#i]' | cmp - "$T/w_rows.txt" || die "apt-voxelize: stdin differs"
$V --compress 6 --threads 1 "$T/s.pos" -o "$T/z6.zsdm"
[ "$(stat -c %s "$T/z6.zsdm")" -lt "$(stat -c %s "$T/w.zsdm")" ] || die "--compress 6 is not smaller"
$B/zsdm-dump "$T/z6.zsdm" | grep -v '^[#i]' | cmp - "$T/w_rows.txt" || die "apt-voxelize --compress 6 rows differ"
# bad parts
expect_fail 1 $B/csro-map -q "$T/p1.prob" "$T/p1.prob" -o "$T/bad.tif" || die "overlap accepted"
grep -q "overlap" "$T/err.txt" || die "overlap: unclear message"
[ ! -e "$T/bad.tif" ] || die "overlap: partial output"
$B/apt-simulate --quiet --box 6,6,6 --seed 4 -o "$T/o.pos"
$V "$T/o.pos" -o - | $B/csro-classify -q - -o "$T/o.prob"
expect_fail 1 $B/csro-extract -q -M "$T/p1.prob" -M "$T/o.prob" "$T/s.pos" -o "$T/bad.pos" || die "foreign grid accepted"
grep -q "grid" "$T/err.txt" || die "foreign grid: unclear message"
[ ! -e "$T/bad.pos" ] || die "foreign grid: partial output"
expect_fail 1 $B/csro-stats "$T/p1.prob" "$T/o.prob" || die "csro-stats: foreign grid accepted"
M="$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet"
if [ -r "$M" ]; then # a part classified by another model
    $V --part 3/3 "$T/s.pos" -o - | $B/csro-classify -q -m "$M" - -o "$T/q3.prob"
    expect_fail 1 $B/csro-map -q "$T/p1.prob" "$T/p2.prob" "$T/q3.prob" -o "$T/bad.tif" || die "another model accepted"
    grep -q "q3.prob: its .* differ" "$T/err.txt" || die "another model: unclear message: $(cat "$T/err.txt")"
    [ ! -e "$T/bad.tif" ] || die "another model: partial output"
fi
expect_fail 2 $V --part 0/3 "$T/s.pos" -o "$T/bad.zsdm" || die "--part 0/3 accepted"
expect_fail 2 $V --part 2 "$T/s.pos" -o "$T/bad.zsdm" || die "--part 2 accepted"
expect_fail 1 $V --part 7/1000 "$T/s.pos" -o "$T/bad.zsdm" || die "an empty part accepted"
[ ! -e "$T/bad.zsdm" ] || die "bad part: partial output"
echo "parts: rows, map (model's rule), extraction and statistics equal the whole run"
