# apt-simulate: POS + RRNG + truth through real files; apt-info ranges every
# simulated ion; the truth fraction matches the planted domain volume.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
$B/apt-simulate --quiet --box 12,12,12 --domains Co:2:3:0.08 --efficiency 0.5 --seed 4 \
    -o "$T/s.pos" --truth "$T/s.truth" --ranges "$T/s.rrng" --domain-list "$T/d.tsv"
n=$($B/apt-info -f tsv "$T/s.pos" | awk -F'\t' '$2=="ions"{print $3}')
[ "$n" -gt 50000 ] || die "too few ions: $n"
$B/apt-info -f tsv -r "$T/s.rrng" "$T/s.pos" > "$T/info.tsv"
grep -q "^ranges	unranged	0$" "$T/info.tsv" || { cat "$T/info.tsv"; die "simulated ions left unranged"; }
# same seed, same bytes; other seed, other bytes
$B/apt-simulate --quiet --box 12,12,12 --domains Co:2:3:0.08 --seed 4 -o "$T/s2.pos"
cmp "$T/s.pos" "$T/s2.pos"
$B/apt-simulate --quiet --box 12,12,12 --domains Co:2:3:0.08 --seed 5 -o "$T/s3.pos"
! cmp -s "$T/s.pos" "$T/s3.pos"
# the truth marks ions whose site is inside a domain: its fraction must be
# near the planted volume fraction (independent: sphere volumes from the list)
$PYTHON - "$T" <<'PY'
import sys, zlib, struct, numpy as np
T = sys.argv[1]
raw = open(f"{T}/s.truth", "rb").read()
assert raw[:8] == b"CSROTRTH"
hl = struct.unpack("<I", raw[12:16])[0]
off, out = 16 + hl + 4, b""
while True:
    rl, cl, crc = struct.unpack("<III", raw[off:off + 12]); off += 12
    if rl == 0: break
    out += zlib.decompress(raw[off:off + cl]); off += cl
t = np.frombuffer(out, np.uint8)
pos = np.fromfile(f"{T}/s.pos", ">f4").reshape(-1, 4)
assert len(t) == len(pos), (len(t), len(pos))
d = np.loadtxt(f"{T}/d.tsv", skiprows=1, ndmin=2)
frac = (np.pi / 6 * d[:, 3] ** 3).sum() / 12 ** 3
assert abs(t.mean() - frac) < 0.02, (t.mean(), frac)
print("truth fraction", t.mean(), "planted", frac)
PY
expect_fail 2 $B/apt-simulate --box 5,5,5 --domains Co:2:8:0.1 -o "$T/x.pos"
grep -q "bigger than the specimen" "$T/err.txt"
expect_fail 2 $B/apt-simulate --composition Co:1,Xq:1 -o "$T/x.pos"
expect_fail 2 $B/apt-simulate --efficiency 0 -o "$T/x.pos"
expect_fail 2 $B/apt-simulate
[ ! -e "$T/x.pos" ] || die "partial output left behind"
expect_fail 1 $B/apt-simulate -o /nonexistent-dir/x.pos

# measuring an atomistic specimen: csro-mc output -> apt-simulate --atoms
printf '1 Co Cr -30\n1 Co Ni -30\n1 Cr Ni 10\n' > "$T/epi.txt"
$B/csro-mc --quiet --composition Co:1,Cr:1,Ni:1 --cells 10 --epi "$T/epi.txt" --temperature 600 --sweeps 20 \
    --local Co-Cr -o "$T/mc.csv"
$B/apt-simulate --quiet --atoms "$T/mc.csv" --truth-below -0.3 --efficiency 0.6 --seed 3 --truth "$T/mc.truth" \
    --ranges "$T/mc.rrng" -o "$T/mc.pos"
$B/apt-simulate --quiet --atoms "$T/mc.csv" --truth-below -0.3 --efficiency 0.6 --seed 3 -o "$T/mc2.pos"
cmp "$T/mc.pos" "$T/mc2.pos"
$B/apt-info -f tsv -r "$T/mc.rrng" "$T/mc.pos" | grep -q "^ranges	unranged	0$"
$PYTHON - "$T" <<'PY'
import sys, zlib, struct, numpy as np
T = sys.argv[1]
rows = [l.strip().split(",") for l in open(f"{T}/mc.csv") if not l.startswith("#")][1:]  # after the provenance lines and the header
loc = np.array([float(r[4]) for r in rows])
expect = np.mean(loc <= -0.3)                  # NaN compares false
raw = open(f"{T}/mc.truth", "rb").read(); off = 16 + struct.unpack("<I", raw[12:16])[0] + 4; out = b""
while True:
    rl, cl, _ = struct.unpack("<III", raw[off:off + 12]); off += 12
    if rl == 0: break
    out += zlib.decompress(raw[off:off + cl]); off += cl
t = np.frombuffer(out, np.uint8)
n = len(np.fromfile(f"{T}/mc.pos", ">f4")) // 4
assert len(t) == n and abs(n / len(rows) - 0.6) < 5 * np.sqrt(0.24 / len(rows)), (n, len(rows))
assert abs(t.mean() - expect) < 5 * np.sqrt(expect * (1 - expect) / n) + 1e-9, (t.mean(), expect)
print("measured", n, "of", len(rows), "truth", t.mean(), "expected", expect)
PY
printf 'x,y,z,species\n0,0,0,Xq\n' > "$T/bad.csv"
expect_fail 1 $B/apt-simulate --atoms "$T/bad.csv" -o "$T/x.pos"
grep -q "Xq" "$T/err.txt"
expect_fail 2 $B/apt-simulate --truth-below -0.3 -o "$T/x.pos"
[ ! -e "$T/x.pos" ] || die "partial output left behind"

# needle: without blur every ion lies within r0 + z tan(angle) of the axis,
# and the ion count follows the cone's volume
$B/apt-simulate --quiet --box 20,20,30 --needle 4:8 --sigma-xy 0 --sigma-z 0 --efficiency 1 -o "$T/n.pos"
$B/apt-simulate --quiet --box 20,20,30 --sigma-xy 0 --sigma-z 0 --efficiency 1 -o "$T/box.pos"
$PYTHON - "$T" <<'PY'
import sys, numpy as np
T = sys.argv[1]
p = np.fromfile(f"{T}/n.pos", ">f4").reshape(-1, 4).astype(float)
b = np.fromfile(f"{T}/box.pos", ">f4").reshape(-1, 4)
t = np.tan(np.radians(8))
r = np.hypot(p[:, 0] - 10, p[:, 1] - 10)
assert (r <= 4 + p[:, 2] * t + 1e-4).all()
# cone frustum volume over the box volume (lattice covers 56 cells = 19.936 nm in z)
h = 0.356 * int(30 / 0.356)
vol = np.pi * h * (4 ** 2 + 4 * (4 + h * t) + (4 + h * t) ** 2) / 3
frac = len(p) / len(b)
assert abs(frac - vol / (0.356 * int(20 / 0.356)) ** 2 / h) < 0.02, (frac, vol)
print("needle fraction", frac)
PY
expect_fail 2 $B/apt-simulate --needle 4:60 -o "$T/x.pos"

# pole [111] along z: without blur every ion lies on a (111) plane, planes
# a/sqrt3 apart (a hand-derived spacing), and none outside the box
$B/apt-simulate --quiet --box 8,8,8 --a 0.36 --pole 1,1,1 --sigma-xy 0 --sigma-z 0 --efficiency 1 -o "$T/p111.pos"
$B/apt-simulate --quiet --box 8,8,8 --a 0.36 --pole 1,0,1 --sigma-xy 0 --sigma-z 0 --efficiency 1 -o "$T/p101.pos"
$PYTHON - "$T" <<'PY'
import sys, numpy as np
T = sys.argv[1]
for name, d in (("p111", 0.36 / np.sqrt(3)), ("p101", 0.36 / np.sqrt(2) / 2)):
    p = np.fromfile(f"{T}/{name}.pos", ">f4").reshape(-1, 4).astype(float)
    assert (p[:, :3] >= 0).all() and (p[:, :3] < 8).all()
    r = (p[:, 2] - p[0, 2]) / d
    assert np.abs(r - np.round(r)).max() < 1e-3, (name, np.abs(r - np.round(r)).max())
    # density: 4 sites per a^3
    assert abs(len(p) / 8 ** 3 - 4 / 0.36 ** 3) / (4 / 0.36 ** 3) < 0.05, (name, len(p))
    print(name, len(p), "ions on planes", d)
PY
expect_fail 2 $B/apt-simulate --pole 0,0,0 -o "$T/x.pos"
