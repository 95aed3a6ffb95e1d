# t_parts.sh: exact parts (issue 16). A simulated specimen voxelized whole
# and as 3 parts (apt-voxelize --part K/3), each classified with the
# published ensemble: the parts' rows are the whole run's rows, csro-map of
# the 3 part files equals the whole map byte for byte, csro-extract with
# the 3 parts keeps the same ions in the same order, csro-stats gives the
# same numbers. Streamed input: small slabs, stdin and CSV give the same
# bytes as the default run. Bad parts: overlapping parts, parts of another
# grid, bad K/N, a part without layers.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
M="$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet"
[ -r "$M" ] || { echo "SKIP t_parts: no data/mlapt/published_NiNi.csronet"; exit 0; }
$B/apt-simulate --quiet --box 8,8,12 --domains Ni:1.5:3:0.15 --seed 3 --ranges "$T/s.rrng" -o "$T/s.pos"
V="$B/apt-voxelize --quiet -r $T/s.rrng -p Ni-Ni"
$V "$T/s.pos" -o "$T/w.zsdm"
$B/csro-classify -q -m "$M" "$T/w.zsdm" -o "$T/w.prob"
$B/csro-map -q "$T/w.prob" -o "$T/w.tif"
$B/csro-extract -q -M "$T/w.prob" "$T/s.pos" -o "$T/w_ext.pos"
$B/csro-stats "$T/w.prob" | grep -v '^input' > "$T/w_stats.txt"
for k in 1 2 3; do
    $V --part $k/3 "$T/s.pos" -o "$T/p$k.zsdm"
    # through a pipe, as on a cluster node
    $V --part $k/3 "$T/s.pos" -o - | $B/csro-classify -q -m "$M" - -o "$T/p$k.prob"
done
# rows: the parts hold the whole run's rows, each voxel once
$B/zsdm-dump "$T/w.zsdm" | grep -v '^[#i]' > "$T/w_rows.txt"
for k in 1 2 3; do $B/zsdm-dump "$T/p$k.zsdm" | grep -v '^[#i]'; done > "$T/p_rows.txt"
cmp "$T/w_rows.txt" "$T/p_rows.txt" || die "parts: rows differ from the whole run"
$B/zsdm-dump "$T/p2.zsdm" | grep -q "^# text	part	2/3" || die "parts: no part 2/3 in the header"
[ "$(wc -l < "$T/w_rows.txt")" -gt 3000 ] || die "parts: too few rows"
# map, extraction, statistics of the merged parts = the whole run
$B/csro-map -q "$T/p1.prob" "$T/p2.prob" "$T/p3.prob" -o "$T/p.tif"
cmp "$T/w.tif" "$T/p.tif" || die "parts: csro-map differs from the whole run"
$B/csro-extract -q -M "$T/p3.prob" -M "$T/p1.prob" -M "$T/p2.prob" "$T/s.pos" -o "$T/p_ext.pos"
cmp "$T/w_ext.pos" "$T/p_ext.pos" || die "parts: csro-extract differs from the whole run"
[ "$(stat -c %s "$T/w_ext.pos")" -gt 1600 ] || die "parts: too few ions extracted to compare"
$B/csro-stats "$T/p2.prob" "$T/p1.prob" "$T/p3.prob" | grep -v '^input' > "$T/p_stats.txt"
cmp "$T/w_stats.txt" "$T/p_stats.txt" || die "parts: csro-stats differs from the whole run"
# streamed input: one-layer slabs, stdin, CSV, compression: the same rows
$V --slab 1 "$T/s.pos" -o "$T/slab1.zsdm"
cmp "$T/w.zsdm" "$T/slab1.zsdm" || die "apt-voxelize --slab 1 differs"
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
$V "$T/o.pos" -o - | $B/csro-classify -q -m "$M" - -o "$T/o.prob"
expect_fail 1 $B/csro-extract -q -M "$T/p1.prob" -M "$T/o.prob" "$T/s.pos" -o "$T/bad.pos" || die "foreign grid accepted"
grep -q "grid" "$T/err.txt" || die "foreign grid: unclear message"
expect_fail 1 $B/csro-stats "$T/p1.prob" "$T/o.prob" || die "csro-stats: foreign grid accepted"
expect_fail 2 $V --part 0/3 "$T/s.pos" -o "$T/bad.zsdm" || die "--part 0/3 accepted"
expect_fail 2 $V --part 2 "$T/s.pos" -o "$T/bad.zsdm" || die "--part 2 accepted"
expect_fail 1 $V --part 7/1000 "$T/s.pos" -o "$T/bad.zsdm" || die "an empty part accepted"
[ ! -e "$T/bad.zsdm" ] || die "bad part: partial output"
echo "parts: rows, map, extraction and statistics equal the whole run"
