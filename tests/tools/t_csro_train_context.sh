# csro-train-context: trains the context stage on three tiny simulated
# specimens (+ one without CSRO), writes a new model with the map.* texts,
# reproduces it bit for bit, refuses bad input; the stored stage applied
# by the library agrees with the NumPy reference (python/tests/context_ref.py).
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
$B/csro-simulate --quiet --random 60 --class FCC:random --class CSRO:L12:Co --pair Co-Co --seed 1 -o "$T/bank.zsdm"
$B/csro-train --quiet --epochs 1 --folds 2 --seed 1 "$T/bank.zsdm" -o "$T/m.csronet"
mkdir "$T/sp"
for s in 1 2 3 4; do
    $B/apt-simulate --quiet --box 8,8,8 --domains Co:2:3:0.1 --seed $s --truth "$T/sp/s$s.truth" \
        --ranges "$T/sp/r.rrng" -o "$T/sp/s$s.pos"
    $B/apt-voxelize --quiet -r "$T/sp/r.rrng" -p Co-Co "$T/sp/s$s.pos" -o - |
        $B/csro-classify -q -m "$T/m.csronet" - -o "$T/sp/s$s.prob"
done
cat > "$T/sp/train.list" <<'L'
# prob truth recon (relative to this list)
s1.prob s1.truth s1.pos
s2.prob s2.truth s2.pos
s3.prob s3.truth s3.pos
s4.prob - s4.pos
L
cp "$T/m.csronet" "$T/m.orig"
O="--halfwidth 2 --hidden 8 --members 2 --epochs 2 --seed 3"
$B/csro-train-context $O -m "$T/m.csronet" -l "$T/sp/train.list" -o "$T/c.csronet" 2> "$T/rep.txt"
cat "$T/rep.txt"
grep -q 'held-out accuracy' "$T/rep.txt" || die "no report"
cmp "$T/m.csronet" "$T/m.orig" || die "input model changed"
# same seed, other thread count: same bytes; other seed: different
$B/csro-train-context $O -j 1 -q -m "$T/m.csronet" -l "$T/sp/train.list" -o "$T/c2.csronet"
cmp "$T/c.csronet" "$T/c2.csronet" || die "same seed gave a different model"
$B/csro-train-context --halfwidth 2 --hidden 8 --members 2 --epochs 2 --seed 4 -q -m "$T/m.csronet" \
    -l "$T/sp/train.list" -o "$T/c3.csronet"
if cmp -s "$T/c.csronet" "$T/c3.csronet"; then die "other seed gave the same model"; fi

# errors: usage (2), bad data (1), no partial output
expect_fail 2 $B/csro-train-context -m "$T/m.csronet" -o "$T/x.csronet"
expect_fail 2 $B/csro-train-context -m "$T/m.csronet" -l "$T/sp/train.list" -o "$T/x.csronet" --halfwidth 9
expect_fail 2 $B/csro-train-context -m "$T/m.csronet" -l "$T/sp/train.list" -o "$T/x.csronet" extra
expect_fail 1 $B/csro-train-context -m "$T/m.csronet" -l "$T/nonexistent.list" -o "$T/x.csronet"
grep -q "^csro-train-context: .*nonexistent.list" "$T/err.txt" || die "message does not name the list"
printf 's1.prob s1.truth\n' > "$T/sp/bad.list"
expect_fail 1 $B/csro-train-context -m "$T/m.csronet" -l "$T/sp/bad.list" -o "$T/x.csronet"
grep -q "bad.list:1: expected 'PROB TRUTH RECON'" "$T/err.txt" || die "bad list line: $(cat "$T/err.txt")"
printf 's1.prob s2.truth s1.pos\n' > "$T/sp/mis.list"
expect_fail 1 $B/csro-train-context -m "$T/m.csronet" -l "$T/sp/mis.list" -o "$T/x.csronet"
grep -q "s2.truth" "$T/err.txt" || die "truth mismatch not named: $(cat "$T/err.txt")"
printf 's4.prob - s4.pos\n' > "$T/sp/neg.list"
expect_fail 1 $B/csro-train-context -m "$T/m.csronet" -l "$T/sp/neg.list" -o "$T/x.csronet"
grep -q "need both" "$T/err.txt" || die "no-CSRO training set not refused: $(cat "$T/err.txt")"
head -c 2000 "$T/sp/s1.prob" > "$T/sp/cut.prob"
printf 'cut.prob s1.truth s1.pos\n' > "$T/sp/cut.list"
expect_fail 1 $B/csro-train-context -m "$T/m.csronet" -l "$T/sp/cut.list" -o "$T/x.csronet"
[ ! -e "$T/x.csronet" ] || die "partial output left behind"
$B/csro-train-context --help | grep -q 'Usage: csro-train-context'

# the stored stage: texts, and the library's output = the NumPy reference
lib="$CSRO_BUILD/libcsro.so.1"
if [ -z "${PYTHON:-}" ] || [ ! -e "$lib" ] || ldd "$lib" 2>/dev/null | grep -q libasan; then
    echo "t_csro_train_context: NumPy comparison skipped (no Python or a sanitizer build)"
    exit 0
fi
CSRO_LIBRARY="$lib" PYTHONPATH="$CSRO_SRCDIR/python:$CSRO_SRCDIR/python/tests" $PYTHON - "$T" <<'PY'
import sys
import numpy as np
import csro, csro.context, context_ref
T = sys.argv[1]
e = csro.Ensemble.load(T + "/c.csronet")
assert e.text("map.mode") == "context", e.text("map.mode")
text = e.text("map.context")
assert text.startswith("csro-context 1 ") and "\t" not in text and "\n" not in text
thr = float(e.text("map.threshold"))
assert 0 < thr < 1, thr
assert "4 specimens" in e.text("map.source"), e.text("map.source")
c = csro.context.Context.from_text(text)
p = csro.read_prob(T + "/sp/s1.prob")
g = p.meta.grid
nx, ny, nz = g.dims
P = np.full(len(g), np.nan, np.float32); S = np.full(len(g), np.nan, np.float32)
ok = (p.flags & 1) == 0
P[p.index[ok].astype(np.intp)] = p.mean[ok, 1]
S[p.index[ok].astype(np.intp)] = p.std[ok, 1]
out = c.apply(g, P, S).reshape(nz + 1, ny + 1, nx + 1)
ref = context_ref.apply(text, P.reshape(nz, ny, nx), S.reshape(nz, ny, nx))
assert np.array_equal(np.isnan(out), np.isnan(ref))
m = ~np.isnan(ref)
err = np.abs(out[m] - ref[m]).max()
assert err < 2e-5, err
print("context stage vs NumPy: max difference %.2g over %d sub-cells" % (err, m.sum()))
PY
