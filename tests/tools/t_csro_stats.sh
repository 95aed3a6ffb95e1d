# t_csro_stats.sh: csro-stats on planted cubes (3^3 and 4^3 voxels of CSRO
# probability 1 in a 0 background): threshold 3.75 keeps 32 and 81
# sub-cells (hand count: a cube of n voxels covers n+1 sub-cells per axis,
# of which n-1 lie in two voxels; value >= 4 needs at most one axis at the
# rim: (n-1)^3 + 3*2*(n-1)^2), two domains; table rows and the linear fit.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
MK="$PYTHON $CSRO_SRCDIR/tests/tools/mk_prob.py"   # .prob writer from csro-prob(5)
$PYTHON - "$T" <<'PY'
import sys, numpy as np
p = np.zeros((11, 11, 19), np.float32)
p[2:5, 2:5, 2:5] = 1.0
p[5:9, 5:9, 11:15] = 1.0
np.save(sys.argv[1] + "/p.npy", p)
PY
$MK "$T/a.prob" --lo 0,0,0 --hi 10,6,6 --prob "$T/p.npy"
"$B/csro-stats" "$T/a.prob" > "$T/s.tsv"
"$B/csro-stats" "$T/a.prob" -f json -o "$T/s.json" --connectivity 6 --bins 4 --hist-max 4
$PYTHON - "$T" <<'PY'
import sys, json, math
t = sys.argv[1]
kv = dict(l.rstrip("\n").split("\t") for l in open(t + "/s.tsv"))
cells = 20 * 12 * 12                       # sub-cells: (19+1) x (11+1) x (11+1)
assert int(kv["subcells"]) == cells, kv
assert int(kv["subcells_csro"]) == 32 + 81, kv
assert abs(float(kv["volume_fraction"]) - 113 / cells) < 1e-9
assert abs(float(kv["volume_nm3"]) - cells * 0.125) < 1e-9
assert int(kv["domains"]) == 2
assert abs(float(kv["number_density_nm3"]) - 2 / (cells * 0.125)) < 1e-9
d = [(6 * n * 0.125 / math.pi) ** (1 / 3) for n in (32, 81)]
assert abs(float(kv["diameter_mean_nm"]) - sum(d) / 2) < 1e-8, kv["diameter_mean_nm"]
assert abs(float(kv["diameter_median_nm"]) - sum(d) / 2) < 1e-8
assert abs(float(kv["diameter_max_nm"]) - d[1]) < 1e-8
assert int(kv["largest_domain_cells"]) == 81 and abs(float(kv["largest_domain_nm3"]) - 10.125) < 1e-9
assert kv["map"] == "Ni-Ni CSRO" and kv["mode"] == "sum"
j = json.load(open(t + "/s.json"))
assert j["domains"] == 2 and j["connectivity"] == 6
assert j["diameter_histogram"]["counts"] == [0, 1, 1, 0], j["diameter_histogram"]   # 1.97, 2.68 nm
assert len(j["diameters_nm"]) == 2
PY

# table: three samples, then the fit of a column against a property
"$B/csro-stats" "$T/a.prob" --table "$T/tab.tsv" --sample A --label "as cast" --property T_K=300 > /dev/null
"$B/csro-stats" "$T/a.prob" -t 0.5 --table "$T/tab.tsv" --sample B --label aged --property T_K=600 > /dev/null
"$B/csro-stats" "$T/a.prob" -t 1.5 --table "$T/tab.tsv" --sample C --label aged --property T_K=900 > /dev/null
[ "$(wc -l < "$T/tab.tsv")" -eq 4 ] || die "table rows"
head -1 "$T/tab.tsv" | grep -q "^sample	label	T_K	threshold	subcells	subcells_csro	volume_fraction" || die "table header"
"$B/csro-stats" --table "$T/tab.tsv" --fit subcells_csro > "$T/fit.tsv"
$PYTHON - "$T" <<'PY'
import sys, numpy as np
t = sys.argv[1]
kv = dict(l.rstrip("\n").split("\t") for l in open(t + "/fit.tsv"))
# y at T = 300, 600, 900: 113 (> 3.75); 4^3 + 5^3 = 189 cells with a
# non-zero sum (> 0.5); value >= 2 (> 1.5) drops the 8 corners of each
x = np.array([300.0, 600, 900])
assert kv["x"] == "T_K" and kv["y"] == "subcells_csro" and int(kv["n"]) == 3, kv
assert kv["provenance.program"] == "csro-stats" and kv["provenance.input.1.file"].endswith("tab.tsv"), kv
rows = [l.rstrip("\n").split("\t") for l in open(t + "/tab.tsv")][1:]
yy = np.array([float(r[5]) for r in rows])
assert yy[0] == 113 and yy[1] == 64 + 125 and yy[2] == 64 - 8 + 125 - 8, yy
b, a = np.polyfit(x, yy, 1)
assert abs(float(kv["slope"]) - b) < 1e-9 * max(1, abs(b)) and abs(float(kv["intercept"]) - a) < 1e-6
PY
# hand table: x 0..3, y 1 3 2 5 -> slope 1.1 +- 0.5196152423, intercept 1.1, R^2 0.6914285714
printf 'sample\tlabel\tx\ty\ns1\t-\t0\t1\ns2\t-\t1\t3\ns3\t-\t2\t2\ns4\t-\t3\t5\n' > "$T/hand.tsv"
"$B/csro-stats" --table "$T/hand.tsv" --fit y -f json > "$T/hand.json"
$PYTHON - "$T" <<'PY'
import sys, json
j = json.load(open(sys.argv[1] + "/hand.json"))
assert abs(j["slope"] - 1.1) < 1e-9 and abs(j["intercept"] - 1.1) < 1e-9
assert abs(j["slope_err"] - 0.5196152423) < 1e-9 and abs(j["r2"] - 0.6914285714) < 1e-9, j
assert j["provenance"]["program"] == "csro-stats" and j["provenance"]["inputs"][0]["file"].endswith("hand.tsv"), j
PY

# composition inside / outside CSRO (ions in the ROI; inside = the
# reference extraction rule, checked with SciPy's cKDTree)
$PYTHON - "$T" <<'PY'
import sys, numpy as np
t = sys.argv[1]
rng = np.random.default_rng(9)
n = 20000
xyz = rng.random((n, 3)) * [11, 7, 7] - 0.5
m = rng.choice([52.0, 58.0, 59.0, 70.0], n)      # Cr, Ni, Co, unranged
np.column_stack([xyz, m]).astype(">f4").tofile(t + "/r.pos")
open(t + "/r.rrng", "w").write(
    "[Ions]\nNumber=3\nIon1=Cr\nIon2=Ni\nIon3=Co\n[Ranges]\nNumber=3\n"
    "Range1=51.5 52.5 Vol:0.01 Cr:1 Color:FF0000\n"
    "Range2=57.5 58.5 Vol:0.01 Ni:1 Color:00FF00\n"
    "Range3=58.6 59.5 Vol:0.01 Co:1 Color:0000FF\n")
PY
"$B/csro-stats" "$T/a.prob" --recon "$T/r.pos" -r "$T/r.rrng" > "$T/c.tsv"
$PYTHON - "$T" <<'PY'
import sys, numpy as np
from scipy import spatial
t = sys.argv[1]
kv = dict(l.rstrip("\n").split("\t") for l in open(t + "/c.tsv"))
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
xyz = r[:, :3].astype(np.float64)
inside = np.zeros(len(r), bool)
for lst in spatial.cKDTree(xyz).query_ball_point(cent, 0.5 / 2 * 1.414):
    inside[lst] = True
roi = ((xyz >= 0) & (xyz <= [10, 6, 6])).all(1)
for name, mass in (("Cr", 52.0), ("Ni", 58.0), ("Co", 59.0)):
    sp = roi & (r[:, 3] == mass)
    assert int(kv[name + "_csro_ions"]) == (sp & inside).sum(), name
    assert int(kv[name + "_outside_ions"]) == (sp & ~inside).sum(), name
ranged = roi & (r[:, 3] != 70.0)
assert int(kv["ions_csro"]) == (ranged & inside).sum()
assert int(kv["ions_outside"]) == (ranged & ~inside).sum()
assert abs(float(kv["Ni_csro_fraction"]) - (roi & inside & (r[:, 3] == 58.0)).sum() / (ranged & inside).sum()) < 1e-9
assert (ranged & inside).sum() > 50
PY

# bad input
expect_fail 2 "$B/csro-stats" "$T/a.prob" --recon "$T/r.pos"
expect_fail 2 "$B/csro-stats" "$T/a.prob" --table "$T/tab.tsv"
expect_fail 1 "$B/csro-stats" "$T/a.prob" --table "$T/tab.tsv" --sample D --property X=1
grep -q "columns differ" "$T/err.txt" || die "column mismatch message"
[ "$(wc -l < "$T/tab.tsv")" -eq 4 ] || die "table modified on error"
expect_fail 1 "$B/csro-stats" --table "$T/tab.tsv" --fit nosuch
expect_fail 1 "$B/csro-stats" "$T/a.prob" -t 9
grep -q "outside \[0, 8)" "$T/err.txt" || die "threshold message"
expect_fail 2 "$B/csro-stats" "$T/a.prob" --connectivity 7
