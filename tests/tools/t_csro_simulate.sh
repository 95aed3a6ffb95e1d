# csro-simulate through real files: .zsdm bank and TSV agree, thread
# count does not change a bit, parameters and profiles checked by NumPy.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
S="$CSRO_BIN/csro-simulate"
D="$CSRO_BIN/zsdm-dump"
common="--class FCC:random:Co:1,Cr:1,Ni:1 --class CSRO:L12:Co --pair Co-Co --sigma-xy 0.3:0.5:0.1 --sigma-z 0.02 --efficiency 0.2:0.7:0.25 --tilt 3 --seed 7"

# 2 x 2 x 1 x 2 = 4 patterns per class
$S $common --threads 1 -o "$T/b1.zsdm"
$S $common --threads 2 -o "$T/b2.zsdm"
cmp "$T/b1.zsdm" "$T/b2.zsdm" || die "bank depends on the thread count"
$S $common --threads 2 --format tsv -o "$T/b.tsv"
$D "$T/b1.zsdm" >"$T/dump.txt"
grep -q "^# kind	bank" "$T/dump.txt" || die "not a bank"
grep -q "^# preprocess	raw" "$T/dump.txt" || die "not raw counts"
grep -q "^# class	1	CSRO" "$T/dump.txt" || die "class name missing"
grep -q "^# param	2	efficiency" "$T/dump.txt" || die "param names missing"

"$PYTHON" - "$T/b.tsv" "$T/dump.txt" <<'EOF'
import sys, numpy as np
tsv = open(sys.argv[1]).read().splitlines()
head = tsv[0].split("\t")
assert head[:3] == ["index", "label", "class"], head[:3]
rows = [l.split("\t") for l in tsv[1:]]
assert len(rows) == 8, len(rows)
par = np.array([[float(v) for v in r[3:14]] for r in rows])
prof = np.array([[float(v) for v in r[14:]] for r in rows])
assert prof.shape[1] == 93
labels = [int(r[1]) for r in rows]
assert labels == [0] * 4 + [1] * 4, labels
# sweep order: efficiency innermost (np.arange(0.2, 0.7, 0.25) = 0.2, 0.45)
np.testing.assert_allclose(par[:4, 2], [0.2, 0.45, 0.2, 0.45], atol=1e-6)
np.testing.assert_allclose(par[:4, 0], [0.3, 0.3, 0.4, 0.4], atol=1e-6)
# detected atoms int(172 * eff); tilt within 3 degrees
assert list(par[:, 8]) == [int(172 * e) for e in [0.2, 0.45] * 4], par[:, 8]
assert (par[:, 3] <= 3).all() and (par[:, 3] >= 0).all()
# L1_2 at S = 1: Co-Co has no nearest neighbours: alpha1 = -64/108
np.testing.assert_allclose(par[4:, 6], -64 / 108, rtol=1e-6)
# same-species z-SDM: each pair counted at +dz and -dz -> bins mirror
# (kept full-range bins 54..146; bin 54 + i mirrors 145 - i)
assert (prof[:, :92] == prof[:, 91::-1]).all()
# total counts = n_Co (n_Co - 1) minus pairs outside the kept window: never more
assert (prof.sum(1) <= par[:, 9] * (par[:, 9] - 1)).all()
# the .zsdm rows are the same numbers
dump = [l.split("\t") for l in open(sys.argv[2]).read().splitlines() if not l.startswith("#")]
d = np.array([[float(v) for v in r] for r in dump[1:]])
np.testing.assert_array_equal(d[:, 14:], prof)
np.testing.assert_allclose(d[:, 3:14], par, rtol=1e-6)
EOF

# random mode: 5 draws per class within the ranges
$S --class A:random --sigma-xy 0.2:0.4 --sigma-z 0.01:0.02 --efficiency 0.5:0.6 --random 5 --format tsv -o "$T/r.tsv"
"$PYTHON" - "$T/r.tsv" <<'EOF'
import sys, numpy as np
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
par = np.array([[float(v) for v in r[3:14]] for r in rows])
assert len(rows) == 5
assert ((par[:, 0] >= 0.2) & (par[:, 0] <= 0.4)).all()
assert ((par[:, 2] >= 0.5) & (par[:, 2] <= 0.6)).all()
EOF

# the reference lattice files: 172 sites after duplicate removal
$S --lattice "$CSRO_TESTDATA/sim_ref_fcc_1nm.txt" --types 59:Co,64:X --class FCC:file \
   --class L12:file:"$CSRO_TESTDATA/sim_ref_l12_1nm.txt" --sigma-xy 0.3 --sigma-z 0.02 --efficiency 1 --format tsv -o "$T/f.tsv"
"$PYTHON" - "$T/f.tsv" <<'EOF'
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
assert [r[2] for r in rows] == ["FCC", "L12"]
assert [float(r[3 + 7]) for r in rows] == [172, 172]
assert [float(r[3 + 9]) for r in rows] == [172, 64]   # Co atoms
EOF

# the published lattice files as they are, into a .zsdm bank
$S --lattice "$CSRO_TESTDATA/sim_ref_fcc_1nm.txt" --types 59:Co,64:X --class FCC:file \
   --class L12:file:"$CSRO_TESTDATA/sim_ref_l12_1nm.txt" --sigma-xy 0.3 --sigma-z 0.02:0.03:0.005 --efficiency 0.5 -o "$T/f.zsdm"
[ "$($D -R "$T/f.zsdm" | wc -l)" -eq 5 ] || die "reference file bank: wrong row count"

# the reference's L1_2 cell (its lattice file, sigma_z 0.02:0.05:0.002, the
# rest of the reference sweep: 1950 patterns) reproduces the mean of the
# published bank; the random FCC class (negative control) does not
$S --lattice "$CSRO_TESTDATA/sim_ref_l12_1nm.txt" --types 59:Co,64:X --class CSRO:file \
   --class FCC:random --sigma-z 0.02:0.05:0.002 --seed 3 --format tsv -o "$T/l12.tsv"
"$PYTHON" - "$T/l12.tsv" "$CSRO_TESTDATA/sim_ref_l12_mean.tsv" <<'EOF2'
import sys, numpy as np
rows = [l.split("\t") for l in open(sys.argv[1]).read().splitlines()[1:]]
lab = np.array([int(r[1]) for r in rows])
O = np.array([[float(v) for v in r[14:]] for r in rows])
ref = np.loadtxt(sys.argv[2], skiprows=2)
assert (lab == 0).sum() == 1950 and (lab == 1).sum() == 1950
for k, ok in ((0, True), (1, False)):
    m = O[lab == k].mean(0)
    corr = np.corrcoef(m, ref[:, 1])[0, 1]
    rel = np.abs(m - ref[:, 1]).max() / ref[:, 1].max()
    tot = m.sum() / ref[:, 1].sum()
    print("class %d: corr %.5f, max diff %.3f of max, total ratio %.3f" % (k, corr, rel, tot))
    good = corr > 0.999 and rel < 0.05 and abs(tot - 1) < 0.04
    assert good == ok, (k, corr, rel, tot)
EOF2

# bad input: one-line messages, exit 2 for bad option values, 1 for bad data
expect_fail 2 $S --class A:random:Co:1,Qq:1 -o "$T/x.zsdm"
grep -q "unknown species 'Qq'" "$T/err.txt" || die "no species message"
[ "$(wc -l <"$T/err.txt")" -eq 1 ] || die "message is not one line"
expect_fail 2 $S --class A:random --composition Co:1,Zz:2 -o "$T/x.zsdm"
expect_fail 2 $S --class A:random --a 0 -o "$T/x.zsdm"
expect_fail 2 $S --class A:random --a -0.36 -o "$T/x.zsdm"
expect_fail 2 $S --class A:random --efficiency 1.5 -o "$T/x.zsdm"
[ "$(wc -l <"$T/err.txt")" -eq 1 ] || die "message is not one line"
expect_fail 2 $S --class A:random --efficiency 0 -o "$T/x.zsdm"
expect_fail 2 $S --class A:random --efficiency 0.5:1.2:0.1 -o "$T/x.zsdm"
expect_fail 2 $S --class A:quasi:Co -o "$T/x.zsdm"
expect_fail 2 $S --class A:L12 -o "$T/x.zsdm"
expect_fail 2 $S --class A:L12:Co:S=2 -o "$T/x.zsdm"
expect_fail 2 $S --lattice bcc --class A:L12:Co -o "$T/x.zsdm"
expect_fail 2 $S -o "$T/x.zsdm"
expect_fail 2 $S --class A:random --pole 0,0,0 -o "$T/x.zsdm"
expect_fail 2 $S --class A:random --pair Fe-Fe -o "$T/x.zsdm"
expect_fail 1 $S --lattice "$T/missing.txt" --class A:file -o "$T/x.zsdm"
printf '0 0 0 59\n0 0 zero 59\n' >"$T/bad.txt"
expect_fail 1 $S --lattice "$T/bad.txt" --class A:file -o "$T/x.zsdm"
grep -q "bad.txt:2:" "$T/err.txt" || die "no line number"
[ ! -e "$T/x.zsdm" ] || die "output left behind"
ls "$T" | grep -q tmp && die "temporary file left behind"
exit 0
