# t_csro_map.sh: csro-map on a planted .prob (two cubes of CSRO probability
# 1 in a 0.1 background, written from csro-prob(5) by mk_prob.py): the TIFF
# stack equals a NumPy scatter of the voxels into their 8 sub-cells, opens
# in tifffile with the right shape and spacing; VTK, quick look, mask,
# uncertainty; bad input.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
MK="$PYTHON $CSRO_SRCDIR/tests/tools/mk_prob.py"   # .prob writer from csro-prob(5)

# grid [0,10]x[0,6]x[0,6], v = 1, s = 0.5: 19 x 11 x 11 voxels
$PYTHON - "$T" <<'PY'
import sys, numpy as np
t = sys.argv[1]
p = np.full((11, 11, 19), 0.1, np.float32)      # (z, y, x)
p[2:5, 2:5, 2:5] = 1.0
p[6:9, 5:8, 12:15] = 1.0
np.save(t + "/p.npy", p)
np.save(t + "/s.npy", np.where(p == 1.0, 0.2, 0.05).astype(np.float32))
PY
$MK "$T/a.prob" --lo 0,0,0 --hi 10,6,6 --prob "$T/p.npy" --std "$T/s.npy"

"$B/csro-map" "$T/a.prob" -o "$T/map.tif" --vtk "$T/map.vtk" --projection "$T/ql.tif" \
    --uncertainty "$T/unc.tif" --mask "$T/mask.tif" 2>"$T/log"
grep -q "20 x 12 x 12 sub-cells of 0.5 nm" "$T/log" || { cat "$T/log"; die "summary"; }
grep -q "64 above 3.75" "$T/log" || { cat "$T/log"; die "mask count"; }
"$B/csro-map" -q "$T/a.prob" --mode mean -o "$T/mean.tif"

$PYTHON - "$T" <<'PY'
import sys, numpy as np, tifffile
t = sys.argv[1]
p = np.load(t + "/p.npy"); s = np.load(t + "/s.npy")
nz, ny, nx = p.shape
S = np.zeros((nz + 1, ny + 1, nx + 1)); N = np.zeros_like(S); U = np.zeros_like(S)
for dz in (0, 1):
    for dy in (0, 1):
        for dx in (0, 1):
            S[dz:dz + nz, dy:dy + ny, dx:dx + nx] += p
            U[dz:dz + nz, dy:dy + ny, dx:dx + nx] += s
            N[dz:dz + nz, dy:dy + ny, dx:dx + nx] += 1
with tifffile.TiffFile(t + "/map.tif") as f:
    md = f.imagej_metadata
    a = f.asarray()
    assert f.pages[0].tags["PageName"].value == "Ni-Ni CSRO", f.pages[0].tags["PageName"].value
assert a.shape == (12, 12, 20), a.shape
assert md["spacing"] == 0.5 and md["unit"] == "nm" and md["slices"] == 12, md
assert np.allclose(a, S, atol=1e-5), np.abs(a - S).max()
assert a[3, 3, 3] > 7.99 and abs(a[0, 0, 0] - 0.1) < 1e-6
m = tifffile.imread(t + "/mean.tif")
assert np.allclose(m, S / N, atol=1e-6)
u = tifffile.imread(t + "/unc.tif")
assert np.allclose(u, U / N, atol=1e-6)
k = tifffile.imread(t + "/mask.tif")
assert k.sum() == 64 and np.array_equal(k > 0, S > 3.75)
q = tifffile.imread(t + "/ql.tif")
assert q.shape == (4, 12, 20) and np.allclose(q[0], S.max(axis=0), atol=1e-5)
v = open(t + "/map.vtk", "rb").read()
hdr, body = v.split(b"LOOKUP_TABLE default\n", 1)
assert b"DIMENSIONS 20 12 12\nORIGIN 0.25 0.25 0.25\nSPACING 0.5 0.5 0.5\nPOINT_DATA 2880\nSCALARS Ni-Ni_CSRO float 1\n" in hdr, hdr
assert np.allclose(np.frombuffer(body[:2880 * 4], ">f4").reshape(12, 12, 20), S, atol=1e-5)
PY

# no-data voxels (flagged or absent) become NaN where nothing else covers
$MK "$T/b.prob" --lo 0,0,0 --hi 10,6,6 --prob "$T/p.npy" --nodata 0 --skip 1,2
"$B/csro-map" -q "$T/b.prob" --class 1 -o "$T/b.tif"
$PYTHON - "$T" <<'PY'
import sys, numpy as np, tifffile
a = tifffile.imread(sys.argv[1] + "/b.tif")
assert np.isnan(a[0, 0, 0]) and np.isnan(a[0, 0, 1]) and np.isnan(a[0, 0, 2])
assert abs(a[0, 0, 3] - 0.1) < 1e-6 and abs(a[1, 0, 0] - 0.1) < 1e-6
PY

# bad input and usage
expect_fail 2 "$B/csro-map" "$T/a.prob"
expect_fail 2 "$B/csro-map" "$T/a.prob" -o "$T/x.tif" --mode max
expect_fail 1 "$B/csro-map" "$T/a.prob" -o "$T/x.tif" --class L12
grep -q "no class 'L12' (classes: random, CSRO)" "$T/err.txt" || die "class message"
expect_fail 1 "$B/csro-map" "$T/a.prob" -o "$T/x.tif" --mask "$T/m.tif" --threshold 8
grep -q "outside \[0, 8)" "$T/err.txt" || die "threshold message"
[ ! -e "$T/x.tif" ] || die "partial output left"
head -c 100 "$T/a.prob" > "$T/trunc.prob"
expect_fail 1 "$B/csro-map" "$T/trunc.prob" -o "$T/x.tif"
[ ! -e "$T/x.tif" ] || die "partial output left"
"$B/csro-map" --help | grep -q "Usage: csro-map"
