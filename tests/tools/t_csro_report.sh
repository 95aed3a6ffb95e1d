# t_csro_report.sh: csro-report on (1) a planted map whose numbers are known
# by hand (two cubes of CSRO probability 1: 32 + 81 selected sub-cells, two
# domains; see t_csro_stats.sh) and (2) a small simulated pipeline with every
# input (control, truth, model, training log, score, limits), its numbers
# checked against the C tools (csro-stats, csro-score); the page is rendered
# in headless Chromium, every <img> must have loaded and the screenshot must
# not be blank. Bad input: one-line message, exit 1/2, no report left.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
if [ -z "${PYTHON:-}" ]; then
    echo "SKIP t_csro_report: no Python interpreter with NumPy (set PYTHON=/usr/bin/python3)"; exit 0
fi
# Plain Python for the checks (no libcsro: the ASan preload stays in the wrapper)
env -u LD_PRELOAD $PYTHON -c 'import matplotlib' 2>/dev/null ||
    die "t_csro_report: $PYTHON has no matplotlib (apt install python3-matplotlib; see scripts/install-deps)"
[ -x "$B/csro-report" ] || die "t_csro_report: $B/csro-report was not built (make tools)"
MK="$PYTHON $CSRO_SRCDIR/tests/tools/mk_prob.py"

# -- 1. planted cubes: hand-counted numbers
$PYTHON - "$T" <<'PY'
import sys, numpy as np
p = np.zeros((11, 11, 19), np.float32)
p[2:5, 2:5, 2:5] = 1.0
p[5:9, 5:9, 11:15] = 1.0
np.save(sys.argv[1] + "/p.npy", p)
PY
$MK "$T/a.prob" --lo 0,0,0 --hi 10,6,6 --prob "$T/p.npy" --pair Co-Co
"$B/csro-report" "$T/a.prob" -o "$T/ra" 2>"$T/err.txt"
grep -q "^csro-report: wrote $T/ra/index.html (3 figures)" "$T/err.txt" || { cat "$T/err.txt"; die "no summary line"; }
env -u LD_PRELOAD $PYTHON - "$T/ra" <<'PY'
import sys, json
j = json.load(open(sys.argv[1] + "/summary.json"))
cells = 20 * 12 * 12
assert j["subcells"] == cells and j["subcells_csro"] == 32 + 81 and j["domains"] == 2, j
assert abs(j["volume_fraction"] - 113 / cells) < 1e-12, j
assert j["figures"] == ["map_slices.png", "map_projections.png", "domains.png"], j["figures"]
PY
grep -q "mass spectrum: give --recon and --ranges" "$T/ra/index.html"
grep -q "random-label control (volume fraction, domains, z-SDM profiles): give --control" "$T/ra/index.html"
grep -q "training curves and confusion matrix: give the model (-m" "$T/ra/index.html"
PUB="$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet"
if [ -e "$PUB" ]; then  # an imported model has no training log: said so
    "$B/csro-report" -q "$T/a.prob" -m "$PUB" -o "$T/rp"
    grep -q "published_NiNi.csronet holds no training log (imported with csro-net-import)" "$T/rp/index.html" ||
        die "imported model without training log not explained"
fi

# -- 2. a small simulated pipeline with every input
$B/csro-simulate --quiet --class FCC:random --class CSRO:L12:Co --pair Co-Co --random 60 --seed 2 -o "$T/bank.zsdm"
$B/csro-train --epochs 3 --folds 2 --seed 1 --log "$T/log.tsv" "$T/bank.zsdm" -o "$T/m.csronet" >"$T/train.txt" 2>/dev/null
$B/apt-simulate --quiet --box 8,8,8 --domains Co:2:3:0.08 --seed 5 --truth "$T/s.truth" --ranges "$T/s.rrng" -o "$T/s.pos"
$B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o "$T/s.zsdm"
$B/csro-classify -q -m "$T/m.csronet" "$T/s.zsdm" -o "$T/s.prob"
$B/apt-voxelize --quiet --random-labels 3 -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o - |
    $B/csro-classify -q -m "$T/m.csronet" - -o "$T/c.prob"
THR=1.25
$B/csro-score -M "$T/s.prob" --truth "$T/s.truth" -t $THR "$T/s.pos" > "$T/score.tsv"
$B/csro-stats -t $THR "$T/s.prob" > "$T/stats.tsv"
# a detection-limit table as csro-limits might write it (extra columns, a comment)
printf '# made by hand\ndomain_nm\tsigma_xy\tefficiency\tprecision\trecall\tf1\tnote\n2-3\t0.2\t0.5\t0.9\t0.7\t0.79\tx\n2-3\t0.5\t0.5\t0.8\t0.5\t0.62\ty\n3-4\t0.2\t0.5\t0.9\t0.8\t0.85\tz\n3-4\t0.5\t0.5\t0.85\t0.7\t0.77\tw\n' > "$T/limits.tsv"
"$B/csro-report" -q "$T/s.prob" --recon "$T/s.pos" --ranges "$T/s.rrng" --truth "$T/s.truth" --control "$T/c.prob" \
    --model "$T/m.csronet" --train-log "$T/log.tsv" --train-report "$T/train.txt" --score "$T/score.tsv" \
    --limits "$T/limits.tsv" --threshold $THR -o "$T/rb" 2>"$T/err.txt"
[ ! -s "$T/err.txt" ] || { cat "$T/err.txt"; die "-q printed something"; }
# the same numbers as the C tools; the profile figure from the .zsdm file as well
# (and the training figures from the model alone: csro-train stores its log and matrix in it)
"$B/csro-report" -q "$T/s.prob" --zsdm "$T/s.zsdm" --control "$T/s.prob" --control-zsdm "$T/s.zsdm" \
    -m "$T/m.csronet" --threshold $THR -o "$T/rz"
grep -q "Control profiles read from $T/s.zsdm" "$T/rz/index.html"
grep -q "from the model $T/m.csronet (its train_log text" "$T/rz/index.html" || die "training curves not from the model"
grep -q "from the model $T/m.csronet (its heldout_confusion text" "$T/rz/index.html" || die "matrix not from the model"
for f in training confusion; do
    cmp "$T/rb/$f.png" "$T/rz/$f.png" || die "$f.png from the model differs from the one from the --log/report files"
done
env -u LD_PRELOAD $PYTHON - "$T" <<'PY'
import sys, json
t = sys.argv[1]
j = json.load(open(t + "/rb/summary.json"))
kv = dict(l.rstrip("\n").split("\t")[:2] for l in open(t + "/stats.tsv"))
assert j["subcells_csro"] == int(kv["subcells_csro"]) and j["domains"] == int(kv["domains"]), (j, kv)
assert abs(j["volume_fraction"] - float(kv["volume_fraction"])) < 1e-9
rows = [l.rstrip("\n").split("\t") for l in open(t + "/score.tsv") if not l.startswith("#")]
h = rows[0]
sub = dict(zip(h, next(r for r in rows if len(r) > 1 and r[1] == "subcell")))
assert abs(j["roc_auc"] - float(sub["roc_auc"])) < 1e-6, (j["roc_auc"], sub["roc_auc"])
want = ["map_slices", "map_projections", "mass_spectrum", "zsdm_profiles", "domains", "training", "confusion",
        "roc", "limits"]
assert j["figures"] == [w + ".png" for w in want], j["figures"]
assert "control_volume_fraction" in j
z = json.load(open(t + "/rz/summary.json"))
assert "zsdm_profiles.png" in z["figures"]
# profiles recomputed in Python (csro.zsdm_voxels) = read from apt-voxelize's file, preprocessed as classified
a, b = j["profile_mean"], z["profile_mean"]
assert a["voxels"] == b["voxels"] and min(a["voxels"]) > 0, (a["voxels"], b["voxels"])
for k in ("matrix", "csro"):
    assert max(abs(u - v) for u, v in zip(a[k], b[k])) < 1e-5, k
# every figure is a PNG of a sensible size
import matplotlib.image as mi
for f in j["figures"]:
    a = mi.imread(t + "/rb/" + f)
    assert a.shape[0] > 200 and a.shape[1] > 300 and a.std() > 0.01, (f, a.shape)
html = open(t + "/rb/index.html").read()
assert html.count("<img ") == len(want) and html.count("<figcaption>") == len(want)
assert html.count("libcsro") >= len(want)         # every caption names the library version
for s in ("Model (", "Scores against the truth", "Detection limits", "random-label control"):
    assert s in html, s
PY

# -- 3. the page in headless Chromium: every image loaded, screenshot not blank
if command -v chromium >/dev/null 2>&1; then
    # a copy of the page that marks each image once the page has loaded
    sed 's|</body>|<script>window.addEventListener("load",function(){for(var i of document.images)i.setAttribute("data-loaded",i.complete\&\&i.naturalWidth>0?"yes":"no")})</script></body>|' \
        "$T/rb/index.html" > "$T/rb/check.html"
    chrome() { env -u LD_PRELOAD HOME="$T" timeout 120 chromium --headless --no-sandbox --disable-gpu \
        --no-first-run --user-data-dir="$T/chrome" --allow-file-access-from-files "$@" 2>>"$T/chrome.log"; }
    chrome --virtual-time-budget=5000 --dump-dom "file://$T/rb/check.html" > "$T/dom.html"
    yes=$(grep -o 'data-loaded="yes"' "$T/dom.html" | wc -l)
    no=$(grep -o 'data-loaded="no"' "$T/dom.html" | wc -l)
    [ "$yes" -eq 9 ] && [ "$no" -eq 0 ] || { tail -5 "$T/chrome.log"; die "chromium: $yes images loaded, $no missing (9 expected)"; }
    chrome --hide-scrollbars --window-size=1280,2400 --screenshot="$T/shot.png" "file://$T/rb/index.html" >/dev/null
    env -u LD_PRELOAD $PYTHON - "$T/shot.png" <<'PY'
import sys, matplotlib.image as mi
a = mi.imread(sys.argv[1])[..., :3]
assert a.shape[:2] == (2400, 1280), a.shape
dark = (a.mean(axis=2) < 0.5).mean()
assert a.std() > 0.05 and 0.01 < dark < 0.6, (a.std(), dark)   # text and figures, not a blank page
PY
    # a missing image is noticed
    rm "$T/rb/roc.png"
    chrome --virtual-time-budget=5000 --dump-dom "file://$T/rb/check.html" > "$T/dom.html"
    grep -q 'data-loaded="no"' "$T/dom.html" || die "chromium: a missing image went unnoticed"
else
    echo "t_csro_report: chromium not installed: page rendering not checked (apt install chromium)"
fi

# -- 4. options and bad input: one line on stderr each
fails() { expect_fail "$@"; [ "$(wc -l < "$T/err.txt")" -eq 1 ] || die "not one line: $(cat "$T/err.txt")"; }
"$B/csro-report" -h | grep -q "^Usage: csro-report"
"$B/csro-report" -V | grep -q "libcsro"
fails 2 "$B/csro-report" "$T/a.prob"
grep -q "^csro-report: -o DIR is required" "$T/err.txt"
"$B/csro-report" -q "$T/a.prob" -r "$T/s.rrng" --rec "$T/s.pos" -m "$T/m.csronet" --thr=1.5 -o "$T/rr"
grep -q "mass_spectrum.png" "$T/rr/index.html" && grep -q "<td>1.5 (sum" "$T/rr/index.html"
fails 2 "$B/csro-report" "$T/a.prob" -o "$T/x" --control-z "$T/s.zsdm" --co "$T/c.prob"
grep -q "ambiguous" "$T/err.txt"
fails 2 "$B/csro-report" "$T/a.prob" -o "$T/x" --treshold 2
grep -q "did you mean --threshold" "$T/err.txt"
fails 2 "$B/csro-report" "$T/a.prob" -o "$T/x" -t 8
fails 2 "$B/csro-report" "$T/a.prob" -o "$T/x" -t abc
fails 2 "$B/csro-report" "$T/a.prob" -o "$T/x" --truth "$T/s.truth"
fails 1 "$B/csro-report" "$T/nosuch.prob" -o "$T/x"
grep -q "nosuch.prob: no such file" "$T/err.txt"
fails 1 "$B/csro-report" "$T/s.zsdm" -o "$T/x"
grep -q "s.zsdm" "$T/err.txt"
fails 1 "$B/csro-report" "$T/s.prob" --recon "$T/s.pos" --truth "$T/s.prob" -o "$T/x"
fails 1 "$B/csro-report" "$T/a.prob" --recon "$CSRO_TESTDATA/recon_tiny.pos" --truth "$T/s.truth" -o "$T/x"
grep -q "s.truth: .* truth bytes for .* ions" "$T/err.txt"
fails 1 "$B/csro-report" "$T/s.prob" --train-log "$T/score.tsv" -o "$T/x"
grep -q "score.tsv: not a csro-train --log file" "$T/err.txt"
fails 1 "$B/csro-report" "$T/a.prob" -o "$T/p.npy"
[ ! -e "$T/x" ] || die "a failed run left $T/x"
! ls -a "$T" | grep -q 'csro-tmp' || die "a failed run left a temporary directory"
echo "t_csro_report: ok"
