# apt-voxelize and zsdm-dump through real files and pipes: counts against an
# independent NumPy brute force, min-max and experimental preprocessing
# against NumPy/SciPy, slab/thread independence, several pairs, bad input.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
V="$CSRO_BIN/apt-voxelize"
D="$CSRO_BIN/zsdm-dump"
R="$CSRO_TESTDATA/ranges_cocrni.rrng"
P="$CSRO_TESTDATA/cocrni_2000.csv"

# raw counts, default sphere grid
"$V" --quiet -r "$R" -p Ni-Ni --counts "$P" -o "$T/c.zsdm"
"$D" "$T/c.zsdm" > "$T/c.tsv"
grep -q '^# preprocess	raw$' "$T/c.tsv" || die "preprocess state not raw"
grep -q '^# dims	37	37	7$' "$T/c.tsv" || die "unexpected grid dims"

# independent brute force: every voxel, every ordered Ni-Ni pair inside the
# voxel sphere (radius 0.75 v), reference fast_histogram binning
"$PYTHON" - "$T/c.tsv" "$P" <<'EOF'
import sys
import numpy as np
hdr = {}
for line in open(sys.argv[1]):
    if not line.startswith('# '):
        break
    f = line[2:].rstrip('\n').split('\t')
    hdr[f[0]] = f[1:]
tab = np.loadtxt(sys.argv[1], comments=('#', 'index'), delimiter='\t', ndmin=2)
a = np.loadtxt(sys.argv[2], delimiter=',').astype(np.float32)
m = a[:, 3]
ni = np.zeros(len(a), bool)
for lo, hi in [(28.85, 29.3), (29.85, 30.25), (30.35, 30.65), (30.85, 31.15), (31.85, 32.15), (57.75, 58.25), (59.75, 60.25)]:
    ni |= (m >= np.float32(lo)) & (m <= np.float32(hi))  # inclusive bounds
pos = a[ni, :3].astype(np.float64)
lo = np.array(hdr['grid_lo_nm'], float)
v, s = float(hdr['voxel_nm'][0]), float(hdr['stride_nm'][0])
dims = [int(x) for x in hdr['dims']]
assert tab.shape == (dims[0] * dims[1] * dims[2], 3 + 93), tab.shape
R, nfull = 1.5, 200
nonempty = 0
idx = tab[:, 0].astype(np.int64)
ijk = np.stack([idx % dims[0], idx // dims[0] % dims[1], idx // (dims[0] * dims[1])], 1)
centres = lo + ijk * s + v / 2
# candidates by z (cheap), then the exact sphere test
order = np.argsort(pos[:, 2])
zs = pos[order, 2]
for row, c in zip(tab, centres):
    a0, a1 = np.searchsorted(zs, [c[2] - v, c[2] + v])
    q = pos[order[a0:a1]]
    d = q - c
    p = q[(d * d).sum(1) <= (1.5 * v / 2) ** 2]
    if len(p) < 2:
        assert row[2] == 1 and not row[3:].any(), (row[0], len(p))
        continue
    dz = (p[None, :, 2] - p[:, None, 2]).ravel()
    dx = (p[None, :, 0] - p[:, None, 0]).ravel()
    keep = (dz != 0) & (dx != 0) & (dz >= -R) & (dz < R) & (dx >= -R) & (dx < R)
    b = ((dz[keep] + R) * (nfull / (2 * R))).astype(int)
    h = np.bincount(b, minlength=nfull)[54:147]
    assert np.array_equal(h, row[3:]), (row[0], h, row[3:])
    assert row[2] == 0, (row[0], len(p), row[2])
    nonempty += h.sum() > 0
assert nonempty > 100, nonempty
print('counts match the brute force in', len(tab), 'voxels,', nonempty, 'with pairs')
EOF

# min-max (on request; the default is raw counts), and experimental preprocessing against the SciPy reference
"$V" --quiet -r "$R" -p Ni-Ni --preprocess minmax "$P" -o "$T/m.zsdm"
"$V" --quiet -r "$R" -p Ni-Ni --preprocess experimental "$P" -o "$T/e.zsdm"
"$D" -R "$T/m.zsdm" > "$T/m.tsv"
"$D" -R "$T/e.zsdm" > "$T/e.tsv"
"$PYTHON" - "$T/c.tsv" "$T/m.tsv" "$T/e.tsv" "$CSRO_SRCDIR/tests/preprocess_ref.py" "$T" <<'EOF'
import sys, subprocess
import numpy as np
c = np.loadtxt(sys.argv[1], comments=('#', 'index'), delimiter='\t', ndmin=2)
m = np.loadtxt(sys.argv[2], skiprows=1, delimiter='\t', ndmin=2)
e = np.loadtxt(sys.argv[3], skiprows=1, delimiter='\t', ndmin=2)
assert c.shape == m.shape == e.shape
cnt = c[:, 3:]
span = cnt.max(1) - cnt.min(1)
data = span > 0
assert np.array_equal(m[:, 2] == 0, data) and (e[~data, 2] == 1).all()
ref = (cnt[data] - cnt[data].min(1)[:, None]) / span[data][:, None]
assert np.abs(m[data, 3:] - ref).max() < 1e-6
assert not m[~data, 3:].any() and not e[~data, 3:].any()
# the pure-Python Moody loop is slow: compare the first 120 voxels with data
sel = np.where(data)[0][:120]
inp = sys.argv[5] + '/rows.f32'
cnt[sel].astype('<f4').tofile(inp)
subprocess.check_call([sys.executable, sys.argv[4], '93', inp, sys.argv[5] + '/ref.f64'])
full = np.fromfile(sys.argv[5] + '/ref.f64', '<f8').reshape(-1, 2 * 93 + 2)
r, amb = full[:, :93], full[:, -1] != 0
ok = ~np.isnan(r[:, 0])
assert np.array_equal(ok[~amb], e[sel][~amb, 2] == 0), 'nodata differs from the reference'
cmp = ok & ~amb
assert cmp.sum() > 60 and amb.sum() < 0.3 * len(sel), (cmp.sum(), amb.sum())
assert np.abs(e[sel][cmp, 3:] - r[cmp]).max() < 1e-6
print('experimental matches SciPy in', int(cmp.sum()), 'voxels;', int(amb.sum()), 'ties decided by rounding skipped')
print('min-max matches in', int(data.sum()), 'voxels')
EOF

# identical bytes for any slab size and thread count (but for the run's own
# provenance texts, which name its command line and time)
same_zsdm() {
    for f in "$1" "$2"; do
        "$D" "$f" | grep -v -e '^# file	' -e '^# text	apt-voxelize\.' > "$f.txt"
    done
    cmp "$1.txt" "$2.txt"
}
"$V" --quiet -r "$R" -p Ni-Ni --preprocess minmax --slab 1 --threads 1 "$P" -o "$T/m1.zsdm"
"$V" --quiet -r "$R" -p Ni-Ni --preprocess minmax --slab 3 --threads 2 "$P" -o "$T/m2.zsdm"
same_zsdm "$T/m.zsdm" "$T/m1.zsdm"
same_zsdm "$T/m.zsdm" "$T/m2.zsdm"

# --skip-empty: exactly the rows of the voxels with data, same values
"$V" --quiet -r "$R" -p Ni-Ni --preprocess minmax --skip-empty "$P" -o "$T/s.zsdm"
"$D" -R "$T/s.zsdm" > "$T/s.tsv"
awk -F'\t' 'NR == 1 || $3 == 0' "$T/m.tsv" | cmp - "$T/s.tsv"
[ "$(wc -l < "$T/s.tsv")" -gt 1000 ] || die "too few rows with data"

# pipes: stdin input, stdout output into zsdm-dump
cat "$P" | "$V" --quiet -r "$R" -p Ni-Ni --preprocess minmax - -o - | "$D" -R - > "$T/p.tsv"
cmp "$T/p.tsv" "$T/m.tsv"

# several pairs in one pass: one file per pair through %p
"$V" --quiet -r "$R" -p Ni-Ni -p Ni-Co -p Cr --preprocess minmax "$P" -o "$T/v-%p.zsdm"
same_zsdm "$T/v-Ni-Ni.zsdm" "$T/m.zsdm"
"$D" -H "$T/v-Ni-Co.zsdm" | grep -q '^# pair	Ni	Co$' || die "Ni-Co pair"
"$D" -H "$T/v-Cr-Cr.zsdm" | grep -q '^# pair	Cr	Cr$' || die "Cr-Cr pair"

# cube voxels, explicit ROI: 4 x 4 x 2 voxels of 2 nm, stride 1
"$V" --quiet -r "$R" -p Ni-Ni --shape cube --voxel 2 --stride 1 --roi=-5,-5,-119,0,0,-116 "$P" -o "$T/q.zsdm"
"$D" -H "$T/q.zsdm" | grep -q '^# dims	4	4	2$' || die "ROI grid dims"
"$D" -H "$T/q.zsdm" | grep -q '^# shape	cube$' || die "cube shape"

# random labels: reproducible for a seed, different from the data
"$V" --quiet -r "$R" -p Ni-Ni --random-labels 7 "$P" -o "$T/r1.zsdm"
"$V" --quiet -r "$R" -p Ni-Ni --random-labels 7 "$P" -o "$T/r2.zsdm"
same_zsdm "$T/r1.zsdm" "$T/r2.zsdm"
"$D" -R "$T/r1.zsdm" > "$T/r1.tsv"
if cmp -s "$T/r1.tsv" "$T/m.tsv"; then die "random labels changed nothing"; fi

# zsdm-dump: --max-rows, --centers (voxel 38 = i 1, j 1 of the 37 x 37 layer)
"$D" -R --centers -n 40 "$T/c.zsdm" > "$T/n.tsv"
[ "$(wc -l < "$T/n.tsv")" -eq 41 ] || die "--max-rows"
head -1 "$T/n.tsv" | cut -f1-7 | grep -q '^index	label	flags	x	y	z	-0.69$' || die "column line"
"$D" -H "$T/c.zsdm" | awk -F'\t' -v row="$(sed -n 40p "$T/n.tsv")" '
    $1 == "# grid_lo_nm" { split(row, r, "\t");
        ok = r[1] == 38 && (r[4] - ($2 + 1.0)) ^ 2 < 1e-10 && (r[5] - ($3 + 1.0)) ^ 2 < 1e-10 && (r[6] - ($4 + 0.5)) ^ 2 < 1e-10 }
    END { exit ok ? 0 : 1 }' || die "voxel centre of index 38"

# zsdm-dump -o writes the same text to a file
"$D" -H -o "$T/h.txt" "$T/c.zsdm"
"$D" -H "$T/c.zsdm" | cmp - "$T/h.txt"

# bad input: one-line message, exit 1 (data) or 2 (usage), no file left
mkdir "$T/bad"
expect_fail 1 "$V" -r "$R" -p Xx-Ni "$P" -o "$T/bad/o.zsdm"
grep -q "Xx" "$T/err.txt" || die "unknown species not named"
expect_fail 2 "$V" -r "$R" -p Ni-Ni --stride 0 "$P" -o "$T/bad/o.zsdm"
expect_fail 2 "$V" -r "$R" -p Ni-Ni --stride -1 "$P" -o "$T/bad/o.zsdm"
expect_fail 2 "$V" -r "$R" -p Ni-Ni --voxel 3 --roi 0,0,0,2,2,2 "$P" -o "$T/bad/o.zsdm"
expect_fail 1 "$V" -r "$R" -p Ni-Ni --voxel 30 "$P" -o "$T/bad/o.zsdm"
expect_fail 2 "$V" -r "$R" -p Ni-Ni -p Co-Co "$P" -o "$T/bad/o.zsdm"
expect_fail 2 "$V" -p Ni-Ni "$P" -o "$T/bad/o.zsdm"
expect_fail 2 "$V" -r "$R" -p Ni- "$P" -o "$T/bad/o.zsdm"
expect_fail 1 "$V" -r "$R" -p Ni-Ni "$T/missing.pos" -o "$T/bad/o.zsdm"
expect_fail 1 "$V" -r "$T/missing.rrng" -p Ni-Ni "$P" -o "$T/bad/o.zsdm"
[ -z "$(ls -A "$T/bad")" ] || die "files left behind: $(ls "$T/bad")"

# zsdm-dump on damaged files
n=$(wc -c < "$T/m.zsdm")
head -c $((n - 30)) "$T/m.zsdm" > "$T/trunc.zsdm"
expect_fail 1 "$D" "$T/trunc.zsdm"
"$PYTHON" -c "
import sys
b = bytearray(open(sys.argv[1], 'rb').read()); b[len(b) // 2] ^= 0xff
open(sys.argv[2], 'wb').write(b)" "$T/m.zsdm" "$T/flip.zsdm"
expect_fail 1 "$D" "$T/flip.zsdm"
grep -q "flip.zsdm" "$T/err.txt" || die "damaged file not named"
expect_fail 1 "$D" "$P"
expect_fail 2 "$D"
echo ok

# --composition: per-voxel element counts against a NumPy ball count with
# the range windows parsed from the RRNG text (H2 counts 2 H atoms)
$V --quiet -r "$CSRO_TESTDATA/ranges_cocrni.rrng" -p Ni-Ni --composition "$T/comp.tsv" \
    "$CSRO_TESTDATA/cocrni_2000.csv" -o "$T/cmp.zsdm"
"$PYTHON" - "$T/comp.tsv" "$CSRO_TESTDATA/cocrni_2000.csv" "$CSRO_TESTDATA/ranges_cocrni.rrng" <<'EOF'
import re, sys, numpy as np
comp, csv, rrng = sys.argv[1:]
d = np.loadtxt(csv, delimiter=",", dtype=np.float32)
win = []
for line in open(rrng):
    m = re.match(r"Range\d+=([\d.]+) ([\d.]+) .*?(?:Name:\w+ )?(H|Cr|Co|Ni):(\d)", line)
    if m: win.append((np.float32(m.group(1)), np.float32(m.group(2)), m.group(3), int(m.group(4))))
lines = [l for l in open(comp) if not l.startswith("#")]  # '#' provenance lines first
hdr = lines[0].split()
rows = np.loadtxt(lines[1:], ndmin=2)
els = hdr[5:]
atoms = {e: np.zeros(len(d)) for e in els}
for lo, hi, el, k in win:
    sel = (d[:, 3] >= lo) & (d[:, 3] <= hi)
    atoms[el][sel] += k
p = d[:, :3].astype(np.float64)
checked = 0
for r in rows[:: max(1, len(rows) // 300)]:
    c = r[1:4]
    inside = ((p - c) ** 2).sum(1) <= 0.75 ** 2
    for j, e in enumerate(els):
        assert int(r[5 + j]) == int(atoms[e][inside].sum()), (r, e)
    assert int(r[4]) == int(sum(atoms[e][inside].sum() for e in els))
    checked += 1
print("composition rows checked", checked, "of", len(rows))
EOF
