# csro-train: a separable two-class bank written by the independent Python
# .zsdm writer (tests/tools/csrofile.py, csro-zsdm(5) layout), trained, checked, reproduced.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
cat > "$T/mkbank.py" <<'PY'
import os, struct, sys
import numpy as np
sys.path.insert(0, os.path.join(os.environ["CSRO_SRCDIR"], "tests", "tools"))
import csrofile
path, n, seed = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
h = csrofile.sdm_header("bank", "raw", "Co-Co", classes=["random", "L12"],
                        texts=[("origin", "t_csro_train")])
nb = 93
rng = np.random.default_rng(seed)
k = np.arange(nb)
raw = b""
for i in range(n):
    c = i % 2
    mu = 30 if c == 0 else 60
    prof = 50 * rng.uniform(1, 2) * np.exp(-0.5 * (k - mu) ** 2 / 9) + rng.poisson(20, nb)
    raw += struct.pack("<QiI", i, c, 0) + prof.astype("<f4").tobytes()
csrofile.write(path, b"CSROZSDM", h, raw)
PY
"$PYTHON" "$T/mkbank.py" "$T/bank.zsdm" 400 3
"$CSRO_BIN/zsdm-dump" -H "$T/bank.zsdm" >/dev/null 2>&1 || true

"$CSRO_BIN/csro-train" --epochs 3 --folds 3 --seed 7 --threads 2 --log "$T/log.tsv" \
    -o "$T/m.csronet" "$T/bank.zsdm" > "$T/report.txt"
cat "$T/report.txt"
acc=$(awk -F'\t' '$1 == "accuracy" { print $2 }' "$T/report.txt")
awk -v a="$acc" 'BEGIN { exit !(a >= 0.99) }' || die "held-out accuracy $acc < 0.99"
grep -q '^random	' "$T/report.txt" || die "no confusion row for class random"
# 40 held-out patterns (10% of 400): the matrix sums to 40
tot=$(awk -F'\t' '$1 == "random" || $1 == "L12" { if (NF == 3) s += $2 + $3 } END { print s }' "$T/report.txt")
[ "$tot" = 40 ] || die "confusion matrix sums to $tot, expected 40"
[ "$(grep -vc '^#' "$T/log.tsv")" -eq 10 ] || die "log has $(grep -vc '^#' "$T/log.tsv") lines, expected 1 + 3 folds x 3 epochs"
# the log starts with the run's provenance record (the model does not: its bytes depend on the seed alone)
grep -q '^# program=csro-train$' "$T/log.tsv" || die "log: no provenance record"
grep -q '^# parameter.folds=3$' "$T/log.tsv" || die "log: no folds parameter"
head -c 8 "$T/m.csronet" | od -c | head -1 | grep -q 'C   S   R   O   N   E   T' || die "bad magic"

# same seed (other thread count): identical model bytes; other seed: different
"$CSRO_BIN/csro-train" --epochs 3 --folds 3 --seed 7 --threads 1 --quiet -o "$T/m2.csronet" "$T/bank.zsdm"
cmp "$T/m.csronet" "$T/m2.csronet" || die "same seed gave a different model"
"$CSRO_BIN/csro-train" --epochs 1 --folds 3 --seed 8 --quiet -o "$T/m3.csronet" - < "$T/bank.zsdm"
if cmp -s "$T/m.csronet" "$T/m3.csronet"; then die "other seed gave the same model"; fi

# errors: usage (2), bad data (1), never a partial output
expect_fail 2 "$CSRO_BIN/csro-train" "$T/bank.zsdm"
expect_fail 2 "$CSRO_BIN/csro-train" --folds 1 -o "$T/x.csronet" "$T/bank.zsdm"
expect_fail 2 "$CSRO_BIN/csro-train" --epochs abc -o "$T/x.csronet" "$T/bank.zsdm"
expect_fail 1 "$CSRO_BIN/csro-train" -o "$T/x.csronet" "$T/nonexistent.zsdm"
head -c 3000 "$T/bank.zsdm" > "$T/cut.zsdm"
expect_fail 1 "$CSRO_BIN/csro-train" -o "$T/x.csronet" "$T/cut.zsdm"
grep -q '^csro-train: ' "$T/err.txt" || die "error message does not start with the tool name"
[ ! -e "$T/x.csronet" ] || die "partial output left behind"
"$CSRO_BIN/csro-train" --help | grep -q 'Usage: csro-train'

# model to stdout: the report moves to stderr, stdout holds exactly the model
"$CSRO_BIN/csro-train" --epochs 3 --folds 3 --seed 7 -o - "$T/bank.zsdm" > "$T/m4.csronet" 2> "$T/rep4.txt"
cmp "$T/m.csronet" "$T/m4.csronet" || die "model written to stdout differs"
grep -q '^accuracy' "$T/rep4.txt" || die "report missing on stderr"

# live per-epoch lines (stderr not a terminal): one per fold and epoch, the
# epochs of each fold in order, the numbers of the --log, and all of them
# before the progress line of the finished training (so printed while it ran)
CSRO_PROGRESS_INTERVAL=0 "$CSRO_BIN/csro-train" --epochs 4 --folds 2 --seed 5 --threads 2 --log "$T/live.tsv" \
    -o "$T/live.csronet" "$T/bank.zsdm" > /dev/null 2> "$T/live.err"
"$PYTHON" - "$T/live.err" "$T/live.tsv" <<'PY'
import re, sys
lines = open(sys.argv[1]).read().splitlines()
pat = re.compile(r"^csro-train: fold (\d+)/2 epoch (\d+)/4: loss ([0-9.]+) accuracy ([0-9.]+), "
                 r"validation loss ([0-9.]+) accuracy ([0-9.]+)$")
ep = [(i, pat.match(l)) for i, l in enumerate(lines) if pat.match(l)]
assert len(ep) == 8, lines
done = [i for i, l in enumerate(lines) if re.match(r"^csro-train: training: 100% done", l)]
assert done and all(i < done[0] for i, _ in ep), lines
seen = {1: [], 2: []}
for _, m in ep:
    seen[int(m.group(1))].append(int(m.group(2)))
assert seen == {1: [1, 2, 3, 4], 2: [1, 2, 3, 4]}, seen
log = {}
for row in [l for l in open(sys.argv[2]).read().splitlines() if not l.startswith("#")][1:]:
    f, e, *v = row.split("\t")
    log[int(f) + 1, int(e)] = [float(x) for x in v]  # the log counts folds from 0
for _, m in ep:
    want = log[int(m.group(1)), int(m.group(2))]
    got = [float(m.group(k)) for k in range(3, 7)]
    assert all(abs(a - b) <= 6e-5 for a, b in zip(got, want)), (got, want)
PY
CSRO_PROGRESS_INTERVAL=0 "$CSRO_BIN/csro-train" -q --epochs 2 --folds 2 -o "$T/q.csronet" "$T/bank.zsdm" 2> "$T/q.err"
[ ! -s "$T/q.err" ] || die "-q: stderr not empty: $(cat "$T/q.err")"

# on a terminal: the epoch lines erase the progress bar instead of leaving a
# stale bar line behind each of them (a terminal emulated from the bytes)
"$PYTHON" - "$CSRO_BIN/csro-train" "$T/bank.zsdm" "$T/tty.csronet" <<'PY'
import os, select, subprocess, sys, time
m, s = os.openpty()
p = subprocess.Popen([sys.argv[1], "--epochs", "3", "--folds", "2", "-j", "1", sys.argv[2], "-o", sys.argv[3]],
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=s)
os.close(s)
raw, end = b"", time.time() + 120
while time.time() < end:
    if select.select([m], [], [], 0.05)[0]:
        try:
            b = os.read(m, 65536)
        except OSError:
            break
        if not b:
            break
        raw += b
    elif p.poll() is not None:
        break
p.wait()
screen, line, col = [], [], 0
for ch in raw.decode().replace("\r\n", "\n"):
    if ch == "\n":
        screen.append("".join(line).rstrip()); line, col = [], 0
    elif ch == "\r":
        col = 0
    else:
        line[col:col + 1] = [ch]; col += 1
if line:
    screen.append("".join(line).rstrip())
epochs = [l for l in screen if " epoch " in l]
bars = [l for l in screen if "[" in l and "%" in l]
assert p.returncode == 0 and len(epochs) == 6, screen
assert all(l.startswith("csro-train: fold ") for l in epochs), epochs
assert len(bars) <= 1, screen   # at most the finished bar, none between the epoch lines
PY
