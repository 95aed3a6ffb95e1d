# csro-score against counts computed independently in NumPy: a planted
# .prob (written from csro-prob(5) by mk_prob.py), random ions with a
# known truth, and a domain list.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
MK="$PYTHON $CSRO_SRCDIR/tests/tools/mk_prob.py"
# grid [0,6]^3, voxel 1, stride 0.5 -> 11^3 voxels; probability 1 for the
# voxels with origins in [1.5, 3.0] on every axis (4^3 voxels), else 0
$PYTHON - "$T" <<'PY'
import os, sys, numpy as np
sys.path.insert(0, os.path.join(os.environ["CSRO_SRCDIR"], "tests", "tools"))
import csrofile
T = sys.argv[1]
p = np.zeros((11, 11, 11)); p[3:7, 3:7, 3:7] = 1.0
np.save(f"{T}/p.npy", p)
rng = np.random.default_rng(5)
xyz = rng.uniform(0.0, 6.0, size=(4000, 3)).astype(np.float32)
m = np.full(4000, 29.0, np.float32)
# truth: inside the sphere of radius 1.2 around (3.25, 3.25, 3.25)
t = (np.linalg.norm(xyz - 3.25, axis=1) <= 1.2).astype(np.uint8)
rec = np.empty((4000, 4), ">f4"); rec[:, :3] = xyz; rec[:, 3] = m
rec.tofile(f"{T}/r.pos")
csrofile.write(f"{T}/r.truth", b"CSROTRTH", b"", t.tobytes())
# sub-cell sums (s = 0.5, r = 2): sub-cell k gets voxels k-1 and k per axis;
# 12^3 sub-cells from the origin 0
S = np.zeros((12, 12, 12))
for dz in (0, 1):
    for dy in (0, 1):
        for dx in (0, 1):
            S[dz:dz + 11, dy:dy + 11, dx:dx + 11] += p
sel = S > 3.75
# ion level, reference rule: within 0.5/2*1.414 of a selected sub-cell centre
cent = (np.argwhere(sel)[:, ::-1] + 0.5) * 0.5
d = np.linalg.norm(xyz[:, None, :].astype(np.float64) - cent[None], axis=2)
keep = (d <= 0.25 * 1.414).any(1)
tp = int((keep & (t == 1)).sum()); fp = int((keep & (t == 0)).sum()); fn = int((~keep & (t == 1)).sum())
# sub-cell level: truth = at least half of a cell's ions are true
idx = np.floor(xyz / 0.5).astype(int)
lin = (idx[:, 2] * 12 + idx[:, 1]) * 12 + idx[:, 0]
tot = np.bincount(lin, minlength=1728); pos = np.bincount(lin, weights=t, minlength=1728)
has = tot > 0; tr = (2 * pos >= tot); pr = sel.ravel()
ctp = int((has & tr & pr).sum()); cfp = int((has & ~tr & pr).sum()); cfn = int((has & tr & ~pr).sum())
open(f"{T}/expect.txt", "w").write(f"{tp} {fp} {fn} {ctp} {cfp} {cfn}\n")
open(f"{T}/d.tsv", "w").write("x_nm\ty_nm\tz_nm\tdiameter_nm\n3.25\t3.25\t3.25\t2.4\n5.0\t1.0\t1.0\t1.0\n")
PY
$MK "$T/m.prob" --lo 0,0,0 --hi 6,6,6 --prob "$T/p.npy"
$B/csro-score -M "$T/m.prob" --truth "$T/r.truth" --domains "$T/d.tsv" "$T/r.pos" > "$T/score.tsv"
read etp efp efn ectp ecfp ecfn < "$T/expect.txt"
awk -F'\t' -v a="$etp $efp $efn" '$2=="ion"{ if ($3" "$4" "$5 != a) { print "ion", $3, $4, $5, "expected", a; exit 1 } }' "$T/score.tsv"
awk -F'\t' -v a="$ectp $ecfp $ecfn" '$2=="subcell"{ if ($3" "$4" "$5 != a) { print "cell", $3, $4, $5, "expected", a; exit 1 } }' "$T/score.tsv"
# the planted sphere overlaps the selected block, the small one does not
grep -q "^-	2.0-2.5	1	1	1.0000" "$T/score.tsv" || { cat "$T/score.tsv"; die "domain 1 not detected"; }
grep -q "^-	1.0-1.5	1	0	0.0000" "$T/score.tsv" || { cat "$T/score.tsv"; die "domain 2 detected"; }
$B/csro-score -M "$T/m.prob" --truth "$T/r.truth" -f json "$T/r.pos" | $PYTHON -c 'import json,sys; d=json.load(sys.stdin); assert d["subcell"]["tp"] > 0'
# bad input
head -c 40 "$T/r.truth" > "$T/bad.truth"
expect_fail 1 $B/csro-score -M "$T/m.prob" --truth "$T/bad.truth" "$T/r.pos"
head -c 1600 "$T/r.pos" > "$T/short.pos"
expect_fail 1 $B/csro-score -M "$T/m.prob" --truth "$T/r.truth" "$T/short.pos"
grep -q "truth entries" "$T/err.txt"
expect_fail 2 $B/csro-score -M "$T/m.prob" "$T/r.pos"
expect_fail 2 $B/csro-score -M "$T/m.prob" --truth "$T/r.truth" --mode median "$T/r.pos"
