# One home for the map rule: the Python package's map of a classification
# in memory (csro.classify + ProbMap.from_prob_auto, i.e. the library's
# csro_probmap_new_auto) equals csro-map's map of csro-classify's .prob
# (csro_probmap_load_auto), value for value, with the same threshold, mask
# and note: for a model that carries a rule (the shipped Co-Co model,
# context stage) and for one that carries none (the published Keras
# ensemble: reference sum map, 3.75). On the shipped real CoCrNi ions. The
# Python examples (mlapt_flow.py) print the same rule and count.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
if [ -z "${PYTHON:-}" ]; then echo "SKIP t_maprule_python: no \$PYTHON with NumPy"; exit 0; fi
lib="$CSRO_BUILD/libcsro.so.1"
if [ -n "${MAKELEVEL:-}" ] || [ ! -e "$lib" ]; then make -s -C "$CSRO_SRCDIR" lib >/dev/null; fi
PRE=""
if ldd "$lib" 2>/dev/null | grep -q libasan; then PRE="$(cc -print-file-name=libasan.so)"; fi
py() {
    PYTHONPATH="$CSRO_SRCDIR/python" CSRO_LIBRARY="$lib" PYTHONDONTWRITEBYTECODE=1 LD_PRELOAD="$PRE" \
        ASAN_OPTIONS="detect_leaks=0${ASAN_OPTIONS:+:$ASAN_OPTIONS}" $PYTHON "$@"
}
R=$CSRO_TESTDATA/cocrni_2000.csv F=$CSRO_TESTDATA/ranges_cocrni.rrng
PUB=$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet
n=0
for c in "Co-Co $CSRO_SRCDIR/models/Co-Co.csronet rule" "Ni-Ni $PUB none"; do
    set -- $c
    if [ ! -e "$2" ]; then echo "SKIP t_maprule_python: $2 absent"; continue; fi
    n=$((n + 1))
    "$B/apt-voxelize" -q -r "$F" -p "$1" "$R" -o "$T/v$n.zsdm"
    "$B/csro-classify" -q -m "$2" "$T/v$n.zsdm" -o "$T/p$n.prob"
    "$B/csro-map" "$T/p$n.prob" -o "$T/map$n.tif" --mask "$T/mask$n.tif" 2> "$T/map$n.err"
    py - "$T" "$n" "$2" "$3" <<'PY'
import re, sys
import numpy as np, tifffile
import csro
T, n, model, kind = sys.argv[1:]
note_tool = open("%s/map%s.err" % (T, n)).read()
img = tifffile.imread("%s/map%s.tif" % (T, n))
mask = tifffile.imread("%s/mask%s.tif" % (T, n)) > 0
prob = csro.classify(csro.Ensemble.load(model), csro.read_zsdm("%s/v%s.zsdm" % (T, n)))
pm, thr, note = csro.ProbMap.from_prob_auto(prob)
assert note in note_tool, (note, note_tool)
if kind == "rule":
    assert "map rule of Co-Co.csronet: context-stage map" in note and thr != 3.75, note
else:
    assert "carries no calibrated map rule" in note and thr == 3.75 and pm.mode == csro.maps.SUM, note
assert pm.data.shape == img.shape and np.array_equal(pm.data, img, equal_nan=True), np.nanmax(abs(pm.data - img))
assert np.array_equal(pm.threshold(thr), mask) and mask.sum() > 0
m = re.search(r"(\d+) above ([0-9.]+)", note_tool)
assert m and int(m.group(1)) == mask.sum() and abs(float(m.group(2)) - thr) < 1e-5 * max(1, thr), (m, thr)
# the same rows read back from the tool's .prob, and load_auto of the file
pf, thrf, notef = csro.ProbMap.from_prob_auto(csro.read_prob("%s/p%s.prob" % (T, n)))
pl, thrl, notel = csro.ProbMap.load_auto("%s/p%s.prob" % (T, n))
assert thrf == thrl == thr and notef == notel == note
assert np.array_equal(pf.data, img, equal_nan=True) and np.array_equal(pl.data, img, equal_nan=True)
print("map rule %s: %s (%d of %d sub-cells)" % (kind, note, mask.sum(), np.isfinite(img).sum()))
PY
    # the Python example applies the same rule and selects the same sub-cells
    py "$CSRO_SRCDIR/examples/python/mlapt_flow.py" "$R" "$F" "$2" --pair "$1" -o "$T/ex$n.tif" > "$T/ex$n.out"
    cat "$T/ex$n.out"
    sel=$(sed -n 's/.* \([0-9][0-9]*\) above .*/\1/p' "$T/map$n.err")
    grep -q " $sel cells above " "$T/ex$n.out" || die "mlapt_flow.py: not the $sel sub-cells csro-map selects"
    cmp "$T/ex$n.tif" "$T/map$n.tif" >/dev/null 2>&1 || py - "$T/ex$n.tif" "$T/map$n.tif" <<'PY'
import sys
import numpy as np, tifffile
a, b = (tifffile.imread(p) for p in sys.argv[1:])
assert np.array_equal(a, b, equal_nan=True), "mlapt_flow.py map differs from csro-map's"
PY
done
[ "$n" -gt 0 ] || die "no model to test"
