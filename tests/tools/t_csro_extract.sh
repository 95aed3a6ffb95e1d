# t_csro_extract.sh: csro-extract on a planted .prob and a synthetic POS:
# the kept ions equal SciPy's cKDTree.query_ball_point over the selected
# sub-cell centres (the reference's own rule, r = s/2*1.414), each once, in
# input order; species filter through a range file; threshold sweep; bad
# input.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
MK="$PYTHON $CSRO_SRCDIR/tests/tools/mk_prob.py"   # .prob writer from csro-prob(5)
$PYTHON - "$T" <<'PY'
import sys, numpy as np
t = sys.argv[1]
rng = np.random.default_rng(5)
p = (rng.random((11, 11, 19)) * 0.3).astype(np.float32)   # (z, y, x)
p[2:5, 2:5, 2:5] = 0.9
p[5:9, 5:9, 11:15] = 0.7
np.save(t + "/p.npy", p)
n = 30000
xyz = rng.random((n, 3)) * [11, 7, 7] - 0.5               # around the ROI
m = rng.choice([52.0, 58.0, 59.0], n)                     # Cr, Ni, Co
a = np.column_stack([xyz, m]).astype(">f4")
a.tofile(t + "/r.pos")
open(t + "/r.rrng", "w").write(
    "[Ions]\nNumber=3\nIon1=Cr\nIon2=Ni\nIon3=Co\n[Ranges]\nNumber=3\n"
    "Range1=51.5 52.5 Vol:0.01 Cr:1 Color:FF0000\n"
    "Range2=57.5 58.5 Vol:0.01 Ni:1 Color:00FF00\n"
    "Range3=58.6 59.5 Vol:0.01 Co:1 Color:0000FF\n")
PY
$MK "$T/a.prob" --lo 0,0,0 --hi 10,6,6 --prob "$T/p.npy"
"$B/csro-extract" -M "$T/a.prob" "$T/r.pos" -o "$T/all.pos" 2>"$T/log"
"$B/csro-extract" -q -M "$T/a.prob" "$T/r.pos" -o "$T/cell.pos" --rule cell
"$B/csro-extract" -q -M "$T/a.prob" "$T/r.pos" -o "$T/ni.csv" -s Ni -r "$T/r.rrng"
"$B/csro-extract" -q -M "$T/a.prob" "$T/r.pos" -o "$T/band.pos" --thresholds 2.75:4.75:0.5
$PYTHON - "$T" <<'PY'
import sys, numpy as np
from scipy import spatial
t = sys.argv[1]
p = np.load(t + "/p.npy").astype(np.float64)
nz, ny, nx = p.shape
S = np.zeros((nz + 1, ny + 1, nx + 1))
for dz in (0, 1):
    for dy in (0, 1):
        for dx in (0, 1):
            S[dz:dz + nz, dy:dy + ny, dx:dx + nx] += p
k, j, i = np.nonzero(S > 3.75)
cent = np.column_stack([i, j, k]) * 0.5 + 0.25
r = np.fromfile(t + "/r.pos", ">f4").reshape(-1, 4)
tree = spatial.cKDTree(r[:, :3].astype(np.float64))
idx = sorted(set(q for lst in tree.query_ball_point(cent, 0.5 / 2 * 1.414) for q in lst))
want = r[idx]
got = np.fromfile(t + "/all.pos", ">f4").reshape(-1, 4)
assert got.shape == want.shape and np.array_equal(got, want), (got.shape, want.shape)
# cell rule: inside a selected sub-cell
c = np.floor(r[:, :3].astype(np.float64) / 0.5).astype(int)
ok = (c >= 0).all(1) & (c[:, 0] < nx + 1) & (c[:, 1] < ny + 1) & (c[:, 2] < nz + 1)
sel = np.zeros(len(r), bool)
sel[ok] = S[c[ok, 2], c[ok, 1], c[ok, 0]] > 3.75
got = np.fromfile(t + "/cell.pos", ">f4").reshape(-1, 4)
assert np.array_equal(got, r[sel]), (len(got), sel.sum())
# species: Ni (58 Da) only
ni = np.loadtxt(t + "/ni.csv", delimiter=",", ndmin=2)
wn = want[want[:, 3] == 58.0]
assert ni.shape == wn.shape and np.allclose(ni, wn), (ni.shape, wn.shape)
# sweep bands (2.75, 3.25], ..., (4.25, 4.75]
for lo in (2.75, 3.25, 3.75, 4.25):
    hi = lo + 0.5
    k, j, i = np.nonzero((S > lo) & (S <= hi))
    cent = np.column_stack([i, j, k]) * 0.5 + 0.25
    ids = sorted(set(q for lst in tree.query_ball_point(cent, 0.5 / 2 * 1.414) for q in lst)) if len(cent) else []
    got = np.fromfile(t + "/band_%g-%g.pos" % (lo, hi), ">f4").reshape(-1, 4)
    assert np.array_equal(got, r[ids]), (lo, len(got), len(ids))
PY
grep -q "^3.75	inf	" "$T/log" || { cat "$T/log"; die "band table"; }

# empty selection: a valid empty file and a note
"$B/csro-extract" -M "$T/a.prob" "$T/r.pos" -o "$T/empty.pos" -t 7.9 2>"$T/log"
[ -e "$T/empty.pos" ] && [ ! -s "$T/empty.pos" ] || die "empty output"
grep -q "wrote an empty file" "$T/log" || die "empty note"

# reconstruction outside the map's ROI
$PYTHON -c "
import numpy as np
np.array([[100, 100, 100, 58], [101, 100, 100, 59]], '>f4').tofile('$T/far.pos')"
expect_fail 1 "$B/csro-extract" -M "$T/a.prob" "$T/far.pos" -o "$T/x.pos"
grep -q "no ion lies in the ROI" "$T/err.txt" || die "ROI message"
[ ! -e "$T/x.pos" ] || die "partial output"
expect_fail 1 "$B/csro-extract" -M "$T/a.prob" "$T/r.pos" -o "$T/x.pos" -t 8.5
expect_fail 2 "$B/csro-extract" -M "$T/a.prob" "$T/r.pos" -o "$T/x.pos" --thresholds 3:2:0.25
expect_fail 2 "$B/csro-extract" -M "$T/a.prob" "$T/r.pos" -o "$T/x.pos" --thresholds 2.75:4.8:0.25
expect_fail 2 "$B/csro-extract" -M "$T/a.prob" "$T/r.pos" -o "$T/x.pos" -s Ni
expect_fail 1 "$B/csro-extract" -M "$T/a.prob" "$T/r.pos" -o "$T/x.pos" -s Fe -r "$T/r.rrng"
expect_fail 2 "$B/csro-extract" "$T/r.pos" -o "$T/x.pos"
[ ! -e "$T/x.pos" ] || die "partial output"
