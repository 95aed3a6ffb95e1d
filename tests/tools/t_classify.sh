# t_classify.sh: csro-classify through real files and pipes: .zsdm input
# (written from csro-zsdm(5) by tests/tools/mk_zsdm.py), .prob output decoded independently
# (tests/keras_ref.py readprob), probabilities checked against the NumPy
# forward pass, no-data rows, preprocessing, batching/threads invariance, and
# bad input (bins, preprocessing state, NaN, truncated/corrupted files).
. "$CSRO_SRCDIR/tests/tools/lib.sh"
if [ "${HAVE_HDF5:-0}" != 1 ]; then echo "skip: needs csro-net-import (HDF5)"; exit 0; fi
B=$CSRO_BIN
REF="$PYTHON $CSRO_SRCDIR/tests/keras_ref.py"
MKZ="$PYTHON $CSRO_SRCDIR/tests/tools/mk_zsdm.py"   # .zsdm writer from csro-zsdm(5)
CROP=-0.3075,0.2925   # 40 bins: left edges -0.3 ... 0.285

# Model: two small random Keras models (3 classes, 40 bins).
$REF mkmodel --seed 1 -o "$T/s1.h5"
$REF mkmodel --seed 2 -o "$T/s2.h5"
$B/csro-net-import "$T/s1.h5" "$T/s2.h5" -o "$T/m.csronet" --classes A,B,C --crop=$CROP --pair Ni-Ni --quiet

# Raw profiles (counts); row 4 is flat (no data after min-max); rows 3 and 9
# carry the no-data flag in the file.
$PYTHON - "$T" <<'EOF'
import sys, numpy as np
T = sys.argv[1]
rng = np.random.default_rng(7)
x = rng.integers(0, 60, size=(1200, 40)).astype(np.float64)
x[4] = 5.0
np.savetxt(f"{T}/raw.tsv", x, fmt="%.0f", delimiter="\t")
lo, hi = x.min(1, keepdims=True), x.max(1, keepdims=True)
n = np.where(hi > lo, (x - lo) / np.where(hi > lo, hi - lo, 1), 0)
np.savetxt(f"{T}/norm.tsv", n, fmt="%.9g", delimiter="\t")
EOF
$MKZ "$T/raw.tsv" "$T/in.zsdm" --state raw --crop=$CROP --nodata 3,9 --grid --pair Ni-Ni
$REF predict "$T/s1.h5" "$T/s2.h5" --tsv "$T/norm.tsv" -o "$T/ref.tsv"

# 1. .zsdm -> .prob file, decoded independently; probabilities vs NumPy
#    (min-max on request: an imported model gets experimental preprocessing
#    of voxel profiles by default, see 5.).
$B/csro-classify -m "$T/m.csronet" "$T/in.zsdm" -o "$T/out.prob" --preprocess minmax --quiet
$REF readprob "$T/out.prob" --nclasses 3 -o "$T/out.tsv"
# metadata: the input's (grid, provenance) with the model's classes
$REF readprob "$T/out.prob" --header -o "$T/h.txt"
grep -q '^classes A,B,C$' "$T/h.txt" && grep -q '^grid 15 15 15$' "$T/h.txt" && grep -q '^nbins 40$' "$T/h.txt" \
    && grep -q 'source=mk_zsdm.py' "$T/h.txt" && grep -q 'classify_model=m.csronet' "$T/h.txt" || die "prob metadata"
# no-data rows (3, 9 flagged; 4 flat): flag set, probabilities 0
awk -F'\t' 'NR==5 || NR==11 || NR==6 { if ($2 != 1 || $3 != 0 || $4 != 0 || $5 != 0) exit 1 }' "$T/out.tsv" \
    || die "no-data rows wrong"
[ "$(awk -F'\t' 'NR > 1 && $2 == 1' "$T/out.tsv" | wc -l)" -eq 3 ] || die "expected 3 no-data rows"
# voxel indices kept (mk_zsdm writes 2 i + 7)
awk -F'\t' 'NR > 1 && $1 != 2 * (NR - 2) + 7 { exit 1 }' "$T/out.tsv" || die "indices not kept"
# compare the rows with data against the reference
cmp_ref() { # FILE: csro-classify TSV vs ref.tsv on rows with data (1197 expected)
    $PYTHON - "$1" "$T/ref.tsv" <<'EOF'
import sys, numpy as np
a = np.loadtxt(sys.argv[1], skiprows=1)
r = np.loadtxt(sys.argv[2])
ok = a[:, 1] == 0
d = np.abs(a[ok, 2:] - r[ok, 1:]).max()
print(sys.argv[1], "max abs diff", d, "rows with data", ok.sum())
sys.exit(0 if d <= 1e-5 and ok.sum() == 1197 else 1)
EOF
}
cmp_ref "$T/out.tsv"

# 2. Same through pipes (stdin -> stdout), TSV output, 1 thread; then 2
#    threads: identical bytes (thread count never changes results); an odd
#    batch size only changes sgemm rounding.
cat "$T/in.zsdm" | $B/csro-classify -m "$T/m.csronet" - -o - --format tsv --threads 1 --preprocess minmax --quiet > "$T/p1.tsv"
$B/csro-classify -m "$T/m.csronet" "$T/in.zsdm" --format tsv --threads 2 --preprocess minmax --quiet -o "$T/p2.tsv"
$B/csro-classify -m "$T/m.csronet" "$T/in.zsdm" --format tsv --batch 7 --preprocess minmax --quiet -o "$T/p7.tsv"
uncomment "$T/p1.tsv" "$T/p2.tsv" "$T/p7.tsv"
cmp "$T/p1.tsv" "$T/p2.tsv" || die "result depends on the thread count"
cmp_ref "$T/p7.tsv"
head -1 "$T/p1.tsv" | grep -q '^index	nodata	mean_A	mean_B	mean_C	std_A	std_B	std_C$' || die "TSV header"
$B/csro-classify -m "$T/m.csronet" "$T/in.zsdm" -o - --preprocess minmax --quiet | $REF readprob - --nclasses 3 -o "$T/p3.tsv"
awk -F'\t' 'NR > 1 { print $1, $2 }' "$T/p3.tsv" > "$T/a.txt"
awk -F'\t' 'NR > 1 { print $1, $2 }' "$T/p1.tsv" > "$T/b.txt"
cmp "$T/a.txt" "$T/b.txt" || die "prob and tsv outputs differ"

# 3. Already min-max normalised input: no preprocessing; same answer.
$MKZ "$T/norm.tsv" "$T/norm.zsdm" --state minmax --crop=$CROP --nodata 3,4,9 --pair Ni-Ni
$B/csro-classify -m "$T/m.csronet" "$T/norm.zsdm" --format tsv -o "$T/n.tsv" --preprocess minmax --quiet
uncomment "$T/n.tsv"
cmp_ref "$T/n.tsv"

# 4. A labelled bank with its own classes: the output names the model's.
$MKZ "$T/norm.tsv" "$T/bank.zsdm" --state minmax --crop=$CROP --kind bank --classes X,Y --pair Ni-Ni
$B/csro-classify -m "$T/m.csronet" "$T/bank.zsdm" --format tsv -o - --quiet | grep -v "^#" | head -1 | grep -q mean_A \
    || die "bank classes leaked into the output"
$B/csro-classify -m "$T/m.csronet" "$T/bank.zsdm" -o "$T/bank.prob" --quiet
$REF readprob "$T/bank.prob" --header | grep -q '^classes A,B,C$' || die "bank classes leaked into the .prob"

# 5. Experimental preprocessing: model expecting it, raw voxel input.
if [ -f "$CSRO_SRCDIR/tests/preprocess_ref.py" ]; then
    $B/csro-net-import "$T/s1.h5" "$T/s2.h5" -o "$T/mx.csronet" --classes A,B,C --crop=$CROP \
        --preprocess experimental --pair Ni-Ni --quiet
    $B/csro-classify -m "$T/mx.csronet" "$T/in.zsdm" --format tsv -o "$T/x.tsv" --quiet
    uncomment "$T/x.tsv"
    $PYTHON -c "import numpy as np; np.loadtxt('$T/raw.tsv').astype('<f4').tofile('$T/raw.f32')"
    $PYTHON "$CSRO_SRCDIR/tests/preprocess_ref.py" 40 "$T/raw.f32" "$T/pre.f64"
    # preprocess_ref.py rows: 40 pipeline values, 40 smoothed, passes, and
    # (newer versions) an "ambiguous decision" flag
    $PYTHON -c "
import numpy as np
p = np.fromfile('$T/pre.f64', dtype='<f8').reshape(1200, -1)
np.savetxt('$T/pre.tsv', np.nan_to_num(p[:, :40]), delimiter='\t', fmt='%.17g')"
    $REF predict "$T/s1.h5" "$T/s2.h5" --tsv "$T/pre.tsv" -o "$T/xref.tsv"
    $PYTHON - "$T" <<'EOF'
import sys, numpy as np
T = sys.argv[1]
a = np.loadtxt(f"{T}/x.tsv", skiprows=1)
r = np.loadtxt(f"{T}/xref.tsv")
full = np.fromfile(f"{T}/pre.f64", dtype="<f8").reshape(1200, -1)
p = full[:, :40]
amb = full[:, 81] != 0 if full.shape[1] > 81 else np.zeros(1200, bool)
ok = (a[:, 1] == 0) & ~amb
nod = np.isnan(p).any(axis=1)
assert not (ok & nod).any(), "rows without data in the reference were classified"
print("experimental: rows compared", ok.sum(), "ambiguous skipped", amb.sum())
d = np.abs(a[ok, 2:] - r[ok, 1:]).max()
print("experimental max abs diff", d)
sys.exit(0 if d <= 1e-4 else 1)
EOF
    # experimental-state input is used as it is by a min-max model, but not
    # by a model that expects raw counts
    $MKZ "$T/norm.tsv" "$T/xp.zsdm" --state experimental --crop=$CROP --pair Ni-Ni
    $B/csro-classify -q -m "$T/m.csronet" "$T/xp.zsdm" -o "$T/xp.prob"
    expect_fail 1 $B/csro-classify -m "$T/m.csronet" --preprocess raw "$T/xp.zsdm" -o "$T/bad.prob"
    grep -q "raw" "$T/err.txt" || die "state mismatch not explained"
fi

# 5b. The measured-data rule: the imported model (min-max contract, text
#     source=keras-hdf5) gets experimental preprocessing of
#     voxel profiles by default, raw or min-max alike, and says so; min-max
#     only on request; a labelled bank (not measured) is classified in the
#     model's state.
$B/csro-classify -m "$T/m.csronet" "$T/in.zsdm" -o "$T/md.prob" 2> "$T/md.err"
grep -q "experimental preprocessing applied to raw profiles (model m.csronet asks for it on measured" "$T/md.err" \
    || die "measured-data rule not said"
$B/csro-classify -q -m "$T/m.csronet" "$T/in.zsdm" --preprocess experimental -o "$T/me.prob"
$REF readprob "$T/md.prob" --nclasses 3 -o "$T/md.tsv"; $REF readprob "$T/me.prob" --nclasses 3 -o "$T/me.tsv"
cmp "$T/md.tsv" "$T/me.tsv" || die "default on measured profiles is not experimental preprocessing"
$REF readprob "$T/md.prob" --header -o "$T/mh.txt"
grep -q 'classify_preprocess=experimental' "$T/mh.txt" && grep -q 'classify_preprocess_rule=measured' "$T/mh.txt" \
    && grep -q 'classify_preprocess_from=raw' "$T/mh.txt" || die "applied preprocessing not in the .prob metadata"
$REF readprob "$T/out.prob" --header | grep -q 'classify_preprocess_rule=request' || die "request not recorded"
$MKZ "$T/norm.tsv" "$T/normall.zsdm" --state minmax --crop=$CROP --nodata 3,9 --grid --pair Ni-Ni
$B/csro-classify -q -m "$T/m.csronet" "$T/normall.zsdm" -f tsv -o "$T/mn.tsv"
$B/csro-classify -q -m "$T/m.csronet" "$T/in.zsdm" -f tsv -o "$T/mr.tsv"
uncomment "$T/mn.tsv" "$T/mr.tsv"
$PYTHON - "$T" <<'EOF'
import sys, numpy as np
T = sys.argv[1]
a, b = np.loadtxt(f"{T}/mn.tsv", skiprows=1), np.loadtxt(f"{T}/mr.tsv", skiprows=1)
# norm.tsv holds the min-max profiles to 9 digits: rows agree to rounding
d = np.abs(a[:, 2:] - b[:, 2:]).max()
print("min-max vs raw voxel profiles under the measured rule: max diff", d)
sys.exit(0 if d < 1e-3 and (a[:, 1] == b[:, 1]).all() else 1)
EOF
$B/csro-classify -m "$T/m.csronet" "$T/bank.zsdm" -o "$T/mb.prob" 2> "$T/mb.err"
grep -q "minmax profiles fed to model m.csronet as they are (the model's own state)" "$T/mb.err" \
    || die "bank: model state not said"

# 6. Bad input.
# bins: 93-bin profiles for a 40-bin model
$PYTHON -c "import numpy as np; np.savetxt('$T/r93.tsv', np.random.default_rng(1).random((5, 93)), delimiter='\t')"
$MKZ "$T/r93.tsv" "$T/r93.zsdm" --state raw --pair Ni-Ni
expect_fail 1 $B/csro-classify -m "$T/m.csronet" "$T/r93.zsdm" -o "$T/bad.prob"
grep -q "r93.zsdm" "$T/err.txt" && grep -qi "bin" "$T/err.txt" || die "bin mismatch not explained"
expect_fail 1 $B/csro-classify -m "$T/m.csronet" --tsv "$T/r93.tsv" -o "$T/bad.prob"
grep -q "line 1: 93 values" "$T/err.txt" || die "TSV width not explained"
# species pair: a Co-Co model refuses Ni-Ni profiles
$B/csro-net-import "$T/s1.h5" -o "$T/coco.csronet" --classes A,B,C --crop=$CROP --pair Co-Co --quiet
$MKZ "$T/norm.tsv" "$T/nini.zsdm" --state minmax --crop=$CROP --pair Ni-Ni
expect_fail 1 $B/csro-classify -m "$T/coco.csronet" "$T/nini.zsdm" -o "$T/bad.prob"
grep -q "Ni-Ni.*Co-Co" "$T/err.txt" || die "pair mismatch not explained"
# NaN in a profile: error naming the row
sed -n 1,6p "$T/norm.tsv" > "$T/nan.tsv"
sed -n 7p "$T/norm.tsv" | awk -F'\t' -v OFS='\t' '{ $5 = "nan"; print }' >> "$T/nan.tsv"
expect_fail 1 $B/csro-classify -m "$T/m.csronet" --tsv "$T/nan.tsv" -o "$T/bad.prob"
grep -q "row 6" "$T/err.txt" || die "NaN row not named"
# truncated and corrupted model files
sz=$(wc -c < "$T/m.csronet")
head -c $((sz / 2)) "$T/m.csronet" > "$T/trunc.csronet"
expect_fail 1 $B/csro-classify -m "$T/trunc.csronet" "$T/in.zsdm" -o "$T/bad.prob"
grep -q "trunc.csronet" "$T/err.txt" || die "truncated model not named"
head -c 100 "$T/m.csronet" > "$T/trunc2.csronet"
expect_fail 1 $B/csro-classify -m "$T/trunc2.csronet" "$T/in.zsdm" -o "$T/bad.prob"
$PYTHON -c "
b = bytearray(open('$T/m.csronet', 'rb').read()); b[len(b) // 2] ^= 0x55
open('$T/flip.csronet', 'wb').write(b)"
expect_fail 1 $B/csro-classify -m "$T/flip.csronet" "$T/in.zsdm" -o "$T/bad.prob"
expect_fail 1 $B/csro-classify -m "$T/in.zsdm" "$T/in.zsdm" -o "$T/bad.prob"
# truncated input: fails, and no partial output is left
sz=$(wc -c < "$T/in.zsdm")
head -c $((sz - 30)) "$T/in.zsdm" > "$T/trunc.zsdm"
expect_fail 1 $B/csro-classify -m "$T/m.csronet" "$T/trunc.zsdm" -o "$T/bad.prob"
expect_fail 1 $B/csro-classify -m "$T/m.csronet" "$T/trunc.zsdm" -o "$T/bad.tsv" --format tsv
[ ! -e "$T/bad.prob" ] && [ ! -e "$T/bad.tsv" ] || die "partial output left behind"
[ -z "$(ls "$T" | grep tmp)" ] || die "temporary file left behind"
expect_fail 1 $B/csro-classify -m "$T/m.csronet" "$T/missing.zsdm" -o "$T/bad.prob"
# binary output is refused on a terminal
if command -v script >/dev/null 2>&1; then
    script -qc "$B/csro-classify -m $T/m.csronet $T/in.zsdm" /dev/null > "$T/tty.txt" 2>&1 || true
    grep -q "refusing to write binary output to a terminal" "$T/tty.txt" || die "binary output to a terminal"
fi
# usage
expect_fail 2 $B/csro-classify --tsv "$T/raw.tsv" -o "$T/bad.prob"
grep -q "no model" "$T/err.txt" || die "TSV without a model not explained"
# no -m: the default model of the input's pair ($CSRO_MODEL_DIR/A-B.csronet)
mkdir -p "$T/models" "$T/nomodels"
CSRO_MODEL_DIR="$T/nomodels" expect_fail 1 $B/csro-classify "$T/in.zsdm" -o "$T/bad.prob"
grep -q "no default model for the pair Ni-Ni" "$T/err.txt" || die "missing default model not explained"
cp "$T/m.csronet" "$T/models/Ni-Ni.csronet"
CSRO_MODEL_DIR="$T/models" $B/csro-classify "$T/in.zsdm" -o "$T/d.prob" 2> "$T/d.err"
grep -q "default model for Ni-Ni: $T/models/Ni-Ni.csronet" "$T/d.err" || die "default model not named"
$B/csro-classify -q -m "$T/models/Ni-Ni.csronet" "$T/in.zsdm" -o "$T/d2.prob"
# the same rows (the files differ in their run's command line and time)
$REF readprob "$T/d.prob" --nclasses 3 -o "$T/d.tsv"; $REF readprob "$T/d2.prob" --nclasses 3 -o "$T/d2.tsv"
cmp "$T/d.tsv" "$T/d2.tsv" || die "default model: not the same as -m"
expect_fail 2 $B/csro-classify -m "$T/m.csronet" "$T/in.zsdm" --format csv
expect_fail 2 $B/csro-classify -m "$T/m.csronet" "$T/in.zsdm" --batch 0
expect_fail 2 $B/csro-classify -m "$T/m.csronet" "$T/in.zsdm" --tsv-state raw
$B/csro-classify --help | grep -q Usage
echo "t_classify: ok"

# --preprocess experimental with a min-max model: the same probabilities as
# voxelizing with experimental preprocessing and classifying that file
if [ -x "$CSRO_BIN/apt-voxelize" ] && [ -x "$CSRO_BIN/csro-simulate" ] && [ -x "$CSRO_BIN/csro-train" ]; then
    $CSRO_BIN/csro-simulate --quiet --class FCC:random --class CSRO:L12:Co --pair Ni-Ni --random 60 --seed 2 -o "$T/pb.zsdm"
    $CSRO_BIN/csro-train --quiet --epochs 2 --folds 2 "$T/pb.zsdm" -o "$T/pm.csronet"
    $CSRO_BIN/apt-voxelize --quiet -r "$CSRO_TESTDATA/ranges_cocrni.rrng" -p Ni-Ni --preprocess raw "$CSRO_TESTDATA/cocrni_2000.csv" -o "$T/raw.zsdm"
    $CSRO_BIN/apt-voxelize --quiet -r "$CSRO_TESTDATA/ranges_cocrni.rrng" -p Ni-Ni --preprocess experimental "$CSRO_TESTDATA/cocrni_2000.csv" -o "$T/exp.zsdm"
    $CSRO_BIN/csro-classify -q -m "$T/pm.csronet" --preprocess experimental -f tsv "$T/raw.zsdm" -o "$T/a.tsv"
    $CSRO_BIN/csro-classify -q -m "$T/pm.csronet" -f tsv "$T/exp.zsdm" -o "$T/b.tsv"
    uncomment "$T/a.tsv" "$T/b.tsv"
    cmp "$T/a.tsv" "$T/b.tsv"
    $CSRO_BIN/csro-classify -q -m "$T/pm.csronet" -f tsv "$T/raw.zsdm" -o "$T/c.tsv"
    uncomment "$T/c.tsv"
    ! cmp -s "$T/a.tsv" "$T/c.tsv"
    expect_fail 1 $CSRO_BIN/csro-classify -q -m "$T/pm.csronet" --preprocess raw "$T/exp.zsdm" -o "$T/x.prob"
fi
