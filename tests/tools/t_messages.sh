# t_messages.sh: tools that say what to do (csro-tools(7)): -q, -h and -V in
# every tool, progress lines when stderr is not a terminal, csro-train's
# per-epoch loss and accuracy, apt-voxelize's labelled passes, wrong file
# kinds named for what they are, output names whose extension does not
# match the format, unknown options with "did you mean", install-deps.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
MODEL="$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet"
cd "$T"
$B/apt-simulate -q --box 8,8,8 --seed 3 --truth s.truth -r s.rrng -o s.pos
$B/apt-voxelize -q -r s.rrng -p Ni-Ni s.pos -o s.zsdm
$B/csro-classify -q -m "$MODEL" s.zsdm -o s.prob
$B/csro-simulate -q --class FCC:random --class CSRO:L12:Ni --random 12 --pair Ni-Ni -o b.zsdm

# 1. -q, -h, -V in every tool; --help on stdout with exit 0.
n=0
for t in "$B"/*; do
    name=$(basename "$t")
    "$t" -q -V | grep -q "^$name (libcsro)" || die "$name -q -V"
    "$t" -h | grep -q "Usage" || die "$name -h"
    n=$((n + 1))
done
[ "$n" -ge 13 ] || die "only $n tools"

# 2. Progress when stderr is a file: lines with elapsed time and estimate,
#    labelled passes (the interval is shortened for the test).
CSRO_PROGRESS_INTERVAL=0 $B/apt-voxelize -r s.rrng -p Ni-Ni s.pos -o v.zsdm 2> prog.txt
grep -q "apt-voxelize: reading the reconstruction: .*% done, .* elapsed, about .* left" prog.txt || die "no load progress: $(cat prog.txt)"
grep -q "apt-voxelize: z-SDM of [0-9]* voxels, 1 pair: 100% done" prog.txt || die "no labelled pass: $(cat prog.txt)"
$B/apt-voxelize -r s.rrng -p Ni-Ni s.pos -o v.zsdm 2> prog.txt
[ ! -s prog.txt ] || die "progress lines before 10 s: $(cat prog.txt)"
CSRO_PROGRESS_INTERVAL=0 $B/apt-voxelize -q -r s.rrng -p Ni-Ni s.pos -o v.zsdm 2> prog.txt
[ ! -s prog.txt ] || die "-q: $(cat prog.txt)"
# csro-report (Python) recomputing the profiles: the same kind of lines
CSRO_PROGRESS_INTERVAL=0 $B/csro-report s.prob --recon s.pos -r s.rrng -o rp 2> prog.txt
grep -q "^csro-report: z-SDM profiles of [0-9]* voxels: 100% done, .* elapsed, about .* left$" prog.txt ||
    die "csro-report: no progress line: $(cat prog.txt)"

# 3. csro-train: loss and accuracy per fold and epoch, as in its --log
#    (printed as each epoch ends: folds trained in parallel interleave;
#    t_csro_train.sh checks the order).
$B/csro-train --epochs 3 --folds 2 --log log.tsv b.zsdm -o m.csronet 2> train.txt > report.txt
$PYTHON - <<'PY' || die "per-epoch lines differ from the log"
import re
lines = [l for l in open("train.txt") if " epoch " in l]
log = {(int(r[0]) + 1, int(r[1])): r for r in (l.split("\t") for l in [l for l in open("log.tsv").read().split("\n") if not l.startswith("#")][1:] if l)}
assert len(lines) == 6 == len(log), (len(lines), len(log))
for l in lines:
    m = re.search(r"fold (\d+)/2 epoch (\d+)/3: loss ([\d.]+) accuracy ([\d.]+), validation loss ([\d.]+) accuracy ([\d.]+)", l)
    assert m, l
    r = log.pop((int(m.group(1)), int(m.group(2))))
    for k in range(4):
        assert abs(float(m.group(3 + k)) - float(r[2 + k])) < 1e-4, (l, r)
PY

# 4. Wrong file kinds, named for what they are.
expect_fail 1 $B/csro-classify -m "$MODEL" s.prob -o x.prob
grep -q "s.prob is a probability file (csro-classify output); csro-classify wants a .zsdm from apt-voxelize" err.txt ||
    die "prob for zsdm: $(cat err.txt)"
$PYTHON -c 'import h5py; h5py.File("model_0.h5", "w").attrs["keras_version"] = "2.4.0"'
expect_fail 1 $B/csro-classify -m model_0.h5 s.zsdm -o x.prob
grep -q "model_0.h5 is a Keras file: convert it with csro-net-import" err.txt || die "Keras model: $(cat err.txt)"
expect_fail 1 $B/csro-map s.zsdm -o x.tif
grep -q "s.zsdm is a z-SDM file (apt-voxelize or csro-simulate output); csro-map wants a .prob from csro-classify" err.txt ||
    die "zsdm for prob: $(cat err.txt)"
expect_fail 1 $B/apt-voxelize -r s.rrng -p Ni-Ni s.prob -o y.zsdm
grep -q "s.prob is a probability file" err.txt || die "prob for recon: $(cat err.txt)"
expect_fail 1 $B/csro-train s.prob -o y.csronet
grep -q "wants a labelled .zsdm bank from csro-simulate" err.txt || die "prob for bank: $(cat err.txt)"
expect_fail 1 $B/csro-train s.zsdm -o y.csronet
grep -q "s.zsdm is a voxel z-SDM file (apt-voxelize output); csro-train wants a labelled .zsdm bank from csro-simulate" \
    err.txt || die "voxels for bank: $(cat err.txt)"
expect_fail 1 $B/csro-score -M s.prob --truth s.prob s.pos
grep -q "s.prob is a probability file (csro-classify output); csro-score wants a per-ion truth file from apt-simulate --truth" \
    err.txt || die "prob for truth: $(cat err.txt)"
expect_fail 1 $B/csro-map s.truth -o y.tif
grep -q "s.truth is a per-ion truth file (apt-simulate --truth output); csro-map wants a .prob" err.txt ||
    die "truth for prob: $(cat err.txt)"
expect_fail 1 $B/csro-calibrate s.prob -o y.csronet
grep -q "s.prob is a probability file (csro-classify output); csro-calibrate wants a .csronet model" err.txt ||
    die "prob for model: $(cat err.txt)"
# csro-report (Python) names them the same way
expect_fail 1 $B/csro-report s.zsdm -o yr
grep -q "^csro-report: s.zsdm is a z-SDM file (apt-voxelize or csro-simulate output); csro-report wants a .prob from csro-classify$" \
    err.txt || die "report: zsdm for prob: $(cat err.txt)"
expect_fail 1 $B/csro-report s.prob --recon s.prob -r s.rrng -o yr
grep -q "s.prob is a probability file (csro-classify output); csro-report wants a reconstruction" err.txt ||
    die "report: prob for recon: $(cat err.txt)"
expect_fail 1 $B/csro-report s.prob -m model_0.h5 -o yr
grep -q "model_0.h5 is a Keras file: convert it with csro-net-import" err.txt || die "report: Keras: $(cat err.txt)"
[ ! -e yr ] || die "csro-report left a report behind"
mkdir dir
expect_fail 1 $B/apt-info dir
grep -q "dir is a directory" err.txt || die "directory input: $(cat err.txt)"
expect_fail 1 $B/csro-report dir -o yr
grep -q "^csro-report: dir is a directory; name a file$" err.txt || die "report: directory input: $(cat err.txt)"
expect_fail 1 $B/apt-info s.pos -o dir
grep -q "dir is a directory" err.txt || die "directory output: $(cat err.txt)"
ls x.* y.* 2>/dev/null && die "a refused run wrote a file"

# 5. An output name whose extension does not match what is written.
expect_fail 2 $B/csro-map s.prob -o x.png
grep -q "x.png: csro-map writes a TIFF stack there, not .png; name it .tif" err.txt || die "png: $(cat err.txt)"
expect_fail 2 $B/csro-map s.prob -o x.tif --vtk x.tif
expect_fail 2 $B/csro-map s.prob -o x.tif --mask x.tif
grep -q "x.tif is named for two outputs" err.txt || die "two outputs, one file: $(cat err.txt)"
expect_fail 2 $B/csro-extract -M s.prob s.pos -f csv -o x.pos
expect_fail 2 $B/apt-voxelize -r s.rrng -p Ni-Ni s.pos -o x.prob
expect_fail 2 $B/csro-classify -m "$MODEL" s.zsdm -o x.zsdm
expect_fail 2 $B/apt-info s.pos -o x.pos
$B/csro-map -q s.prob -o x.TIFF && [ -f x.TIFF ] || die "upper-case .TIFF refused"

# 6. Unknown options: one message with the closest option.
expect_fail 2 $B/csro-map s.prob -o x.tif --vkt v.vtk
grep -q "unknown option '--vkt'; did you mean '--vtk'?" err.txt || die "did you mean: $(cat err.txt)"
[ "$(grep -c . err.txt)" -eq 2 ] || die "more than one message: $(cat err.txt)"
expect_fail 2 $B/apt-voxelize --stirde 1 s.pos
grep -q "did you mean '--stride'" err.txt || die "--stirde: $(cat err.txt)"
expect_fail 2 $B/csro-stats -x s.prob
grep -q "unknown option '-x'" err.txt || die "-x: $(cat err.txt)"
expect_fail 2 $B/csro-stats s.prob --threshold
grep -q "option '--threshold' needs a value" err.txt || die "missing value: $(cat err.txt)"

# 7. install-deps says what it checked.
set +e
sh "$CSRO_SRCDIR/scripts/install-deps" > deps.txt 2>&1 < /dev/null
set -e
grep -q "install-deps: checked [0-9]* Debian packages" deps.txt || die "install-deps: $(cat deps.txt)"
echo "t_messages: ok"
