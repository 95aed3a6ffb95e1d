# csro-mc: Warren-Cowley TSV during the run, configuration files, bad input.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
printf '# shell A B meV\n1 A B -40\n' > "$T/epi.txt"
$B/csro-mc --quiet --composition A:1,B:1 --cells 6 --epi "$T/epi.txt" --temperature 100 --sweeps 100 \
    --wc "$T/wc.tsv" --local A-B -o "$T/conf.csv" --seed 3
# the run's provenance record heads both text outputs (tools/provenance.c)
for f in wc.tsv conf.csv; do
    grep -q '^# program=csro-mc$' "$T/$f" || die "$f: no provenance record"
    grep -q '^# parameter.temperature_K=100$' "$T/$f" || die "$f: no temperature parameter"
    crc=$($PYTHON -c 'import sys, zlib; print("%08x" % zlib.crc32(open(sys.argv[1], "rb").read()))' "$T/epi.txt")
    grep -q "^# input.1.crc32=$crc\$" "$T/$f" || die "$f: interactions checksum $crc not recorded"
done
grep -v '^#' "$T/wc.tsv" > "$T/wcd.tsv"
head -1 "$T/wcd.tsv" | grep -q "alpha1_A-B"
# alpha1(A-B) starts near 0 and ends near the L1_0 limit -1/3
awk -F'\t' 'NR==2{a0=$4} END{a1=$4; if (!(a0 > -0.1 && a1 < -0.28)) {print "alpha", a0, a1; exit 1}}' "$T/wcd.tsv"
lines=$(grep -vc '^#' "$T/conf.csv")
[ "$lines" -eq $((4 * 216 + 1)) ] || die "expected 865 lines, got $lines"
# independent check of the configuration: count A-B nearest neighbours
$PYTHON - "$T/conf.csv" "$T/wc.tsv" <<'PY'
import sys, numpy as np
rows = [l.strip().split(",") for l in open(sys.argv[1]) if not l.startswith("#")][1:]
xyz = np.array([[float(v) for v in r[:3]] for r in rows]); sp = np.array([r[3] for r in rows])
L = 6 * 0.36
d = xyz[:, None, :] - xyz[None, :, :]; d -= L * np.round(d / L)
nn = np.abs(np.sqrt((d ** 2).sum(-1)) - 0.36 / np.sqrt(2)) < 1e-3
a = sp == "A"; pab = nn[a][:, ~a].sum() / nn[a].sum()
alpha = 1 - pab / (~a).mean()
last = float(open(sys.argv[2]).read().strip().split("\n")[-1].split("\t")[3])
assert abs(alpha - last) < 1e-4, (alpha, last)
print("alpha1 A-B", alpha)
PY
$B/csro-mc --quiet --composition Co:1,Ni:1 --cells 3 --sweeps 1 --mass Co=29.47 --mass Ni=29 -o "$T/c.pos"
[ "$(wc -c < "$T/c.pos")" -eq $((108 * 16)) ]
printf '1 Co Fe 5\n' > "$T/bad.txt"
expect_fail 1 $B/csro-mc --composition Co:1,Ni:1 --epi "$T/bad.txt" -o "$T/x.csv"
grep -q "bad.txt:1" "$T/err.txt"
expect_fail 2 $B/csro-mc --composition Co:1,Ni:1 --temperature 0 -o "$T/x.csv"
expect_fail 2 $B/csro-mc --composition Co:1,Ni:1 --cells 3 -o "$T/x.pos"
[ ! -e "$T/x.csv" ] && [ ! -e "$T/x.pos" ] || die "partial output"
