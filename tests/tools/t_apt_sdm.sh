# t_apt_sdm.sh: apt-sdm against an independent NumPy computation of the
# reference z-SDM (all ordered Ni-Ni pairs within 1.5 nm, dz/dx in float64,
# dx == 0 or dz == 0 dropped, fast_histogram rule, crop [-0.7, 0.7)).
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
cat > "$T/r.rrng" <<'RR'
[Ions]
Number=3
Ion1=Cr
Ion2=Co
Ion3=Ni
[Ranges]
Number=4
Range1=25.8500 26.2500 Vol:0.01200 Cr:1 Color:33FFFF
Range2=28.8500 29.3000 Vol:0.01094 Ni:1 Color:00CC00
Range3=29.3800 29.8000 Vol:0.01107 Co:1 Color:0000FF
Range4=29.8500 30.2500 Vol:0.01094 Ni:1 Color:00CC00
RR
D=$CSRO_TESTDATA/cocrni_2000.csv
"$B/apt-sdm" --quiet -a Ni -o "$T/ni.tsv" --image "$T/ni.tif" "$D" "$T/r.rrng"
"$B/apt-sdm" --quiet -p Ni --full "$D" "$T/r.rrng" > "$T/full.tsv"
"$B/apt-sdm" --quiet -p Ni-Co --threads 2 -o "$T/nico.tsv" "$D" "$T/r.rrng"
"$B/apt-sdm" --quiet -a Ni --direction 1,1,1 --image3d "$T/n3.tif" --bins3d 20 -o "$T/d111.tsv" "$D" "$T/r.rrng"
"$PYTHON" - "$D" "$T" <<'PY'
import sys
import numpy as np
d = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float64)
T = sys.argv[2]
p = d[:, :3].astype(np.float32).astype(np.float64)
m = d[:, 3].astype(np.float32).astype(np.float64)   # float32 masses, bounds in double
def sel(wins):
    k = np.zeros(len(m), bool)
    for lo, hi in wins:
        k |= (m >= lo) & (m <= hi)
    return p[k]
ni = sel([(28.85, 29.30), (29.85, 30.25)])
co = sel([(29.38, 29.80)])
def zsdm(a, b, full=False):
    d = b[None, :, :] - a[:, None, :]
    r2 = d[..., 0] ** 2 + d[..., 1] ** 2 + d[..., 2] ** 2
    k = r2 <= 2.25
    dz, dx = d[..., 2][k], d[..., 0][k]
    k = (dz != 0) & (dx != 0) & (dz >= -1.5) & (dz < 1.5) & (dx >= -1.5) & (dx < 1.5)
    b = ((dz[k] + 1.5) * (200 / 3.0)).astype(int)
    h = np.bincount(b[b < 200], minlength=200)
    left = np.arange(-1.5, 1.5, 3.0 / 200)
    return (left, h) if full else (left[54:147], h[54:147])
def load(f):
    return np.loadtxt(f, comments=("#", "bin_left_nm"))  # '#' header and provenance, column line
t = load(T + "/ni.tsv")
left, h = zsdm(ni, ni)
assert t.shape == (93, 2), t.shape
assert np.allclose(t[:, 0], left, atol=1e-6), "bin edges"
assert (t[:, 1] == h).all(), "Ni-Ni counts differ: %s" % np.nonzero(t[:, 1] != h)
assert h.sum() > 1000
f = load(T + "/full.tsv")
left, hf = zsdm(ni, ni, True)
assert f.shape == (200, 2) and (f[:, 1] == hf).all(), "full profile"
t = load(T + "/nico.tsv")
assert (t[:, 1] == zsdm(ni, co)[1]).all(), "Ni-Co counts differ"
import tifffile
img = tifffile.imread(T + "/ni.tif")
assert img.shape == (200, 200) and img.dtype == np.float32
assert (img.sum(axis=1) == hf).all(), "2D SDM row sums != z-SDM"
v = tifffile.imread(T + "/n3.tif")
assert v.shape == (20, 20, 20), v.shape
t = load(T + "/d111.tsv")
assert t.shape == (93, 2) and t[:, 1].sum() > 0
print("ok: %d Ni, %d Co, %d Ni-Ni pairs in the crop" % (len(ni), len(co), h.sum()))
PY
expect_fail 2 "$B/apt-sdm" "$D" "$T/r.rrng"
expect_fail 2 "$B/apt-sdm" -a Ni "$D"
expect_fail 2 "$B/apt-sdm" -a Ni --bin-width -1 "$D" "$T/r.rrng"
expect_fail 2 "$B/apt-sdm" -a Ni --image - "$D" "$T/r.rrng"
expect_fail 1 "$B/apt-sdm" -a Xx "$D" "$T/r.rrng"
grep -q "Xx" "$T/err.txt"
expect_fail 1 "$B/apt-sdm" -a Ni "$T/missing.csv" "$T/r.rrng"
expect_fail 1 "$B/apt-sdm" -a Ni -o "$T/nodir/x.tsv" "$D" "$T/r.rrng"
[ ! -e "$T/nodir" ]
"$B/apt-sdm" --help | grep -q species-a
"$B/apt-sdm" --version >/dev/null
