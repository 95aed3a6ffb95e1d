# t_apt_info.sh: apt-info through real files and pipes; composition checked
# against an independent awk count (awk parses the RRNG itself and applies
# the inclusive rule lo <= m <= hi to the CSV text).
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B="$CSRO_BIN/apt-info"
D="$CSRO_TESTDATA"
csv="$D/cocrni_2000.csv"
rr="$D/ranges_cocrni.rrng"
get() { awk -F'\t' -v s="$1" -v k="$2" '$1 == s && $2 == k { print $3 }' "$3"; }

# --- plain description: count, format, bounds -------------------------------
"$B" -f tsv "$csv" > "$T/info.tsv"
n=$(get recon ions "$T/info.tsv")
[ "$n" = "$(awk 'END { print NR }' "$csv")" ] || die "ion count $n"
[ "$(get recon format "$T/info.tsv")" = csv ] || die "format"
# bounds against awk min/max of the CSV text (float rounding: 1e-5 relative)
awk -F, '{ x = $1 + 0; y = $2 + 0; z = $3 + 0
           if (NR == 1) { a = b = x; c = d = y; e = f = z }
           if (x < a) a = x; if (x > b) b = x; if (y < c) c = y; if (y > d) d = y
           if (z < e) e = z; if (z > f) f = z }
     END { printf "x_min %s\nx_max %s\ny_min %s\ny_max %s\nz_min %s\nz_max %s\n", a, b, c, d, e, f }' \
    "$csv" > "$T/bounds.awk"
while read -r k v; do
    got=$(get bounds "$k" "$T/info.tsv")
    awk -v a="$got" -v b="$v" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= 1e-5 * (b < 0 ? -b : b) + 1e-6) }' \
        || die "bound $k: $got vs $v"
done < "$T/bounds.awk"
"$B" "$csv" > "$T/info.txt"
grep -q '^ions: *2000$' "$T/info.txt" || die "text output lacks the ion count"

# --- composition with the CoCrNi range file vs awk --------------------------
"$B" -r "$rr" -f tsv "$csv" > "$T/comp.tsv"
awk -F, '
  FNR == NR {                                  # the RRNG file
      sub(/\r$/, "")
      if ($0 !~ /^Range[0-9]+=/) next
      sub(/^Range[0-9]+=/, ""); nf = split($0, t, " ")
      nr++; lo[nr] = t[1] + 0; hi[nr] = t[2] + 0; comp[nr] = ""
      for (i = 3; i <= nf; i++) {
          split(t[i], kv, ":")
          if (kv[1] == "Vol" || kv[1] == "Name" || kv[1] == "Color") continue
          comp[nr] = comp[nr] " " kv[1] ":" kv[2]
      }
      next
  }
  {                                            # the CSV: m = 4th column
      m = $4 + 0; hit = 0
      for (r = 1; r <= nr; r++)
          if (m >= lo[r] && m <= hi[r]) {
              hit = 1; k = split(comp[r], c, " ")
              for (j = 1; j <= k; j++) { split(c[j], kv, ":"); atoms[kv[1]] += kv[2] }
              break
          }
      if (!hit) un++
  }
  END { for (e in atoms) print e, atoms[e]; print "unranged", un + 0 }
' FS=' ' "$rr" FS=, "$csv" > "$T/awk.txt"
[ "$(wc -l < "$T/awk.txt")" -eq 5 ] || die "awk found $(cat "$T/awk.txt")"
while read -r k v; do
    if [ "$k" = unranged ]; then got=$(get ranges unranged "$T/comp.tsv")
    else got=$(get element_count "$k" "$T/comp.tsv"); fi
    [ "$got" = "$v" ] || die "$k: apt-info $got, awk $v"
done < "$T/awk.txt"
# ion types add up to the ion count; element fractions add up to 1
awk -F'\t' '$1 == "ion_count" { s += $3 } $1 == "ranges" && $2 == "unranged" { s += $3 }
            $1 == "element_fraction" { f += $3 }
            END { exit !(s == 2000 && f > 0.999999 && f < 1.000001) }' "$T/comp.tsv" \
    || die "counts do not add up"

# --- the same through a pipe -------------------------------------------------
cat "$csv" | "$B" --input-format csv -r "$rr" -f tsv - > "$T/pipe.tsv"
grep -v '^recon	file' "$T/comp.tsv" > "$T/a"
grep -v '^recon	file' "$T/pipe.tsv" > "$T/b"
cmp -s "$T/a" "$T/b" || die "stdin output differs from file output"

# --- a POS file (big-endian float32, written by NumPy) gives the same -------
"$PYTHON" - "$csv" "$T/r.pos" <<'PY'
import sys, numpy as np
a = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float64)
a.astype(">f4").tofile(sys.argv[2])
PY
"$B" -r "$rr" -f tsv "$T/r.pos" > "$T/pos.tsv"
[ "$(get recon format "$T/pos.tsv")" = pos ] || die "POS format not reported"
grep -v '^recon	f' "$T/comp.tsv" > "$T/a"
grep -v '^recon	f' "$T/pos.tsv" > "$T/b"
cmp -s "$T/a" "$T/b" || { diff "$T/a" "$T/b" | head; die "POS output differs from CSV output"; }
cat "$T/r.pos" | "$B" -i pos -r "$rr" -f tsv - > "$T/pos2.tsv"
grep -v '^recon	f' "$T/pos2.tsv" > "$T/b"
cmp -s "$T/a" "$T/b" || die "POS through a pipe differs"
# an EPOS file: 44-byte big-endian records, the extra fields are listed
"$PYTHON" - "$csv" "$T/r.epos" <<'PY'
import sys, numpy as np
a = np.loadtxt(sys.argv[1], delimiter=",", dtype=np.float64)
r = np.zeros(len(a), np.dtype([("f", ">f4", (9,)), ("i", ">i4", (2,))]))
r["f"][:, :4] = a
r["f"][:, 4] = 500.0
r["i"][:, 1] = 1
r.tofile(sys.argv[2])
PY
"$B" -r "$rr" -f tsv "$T/r.epos" > "$T/epos.tsv"
[ "$(get recon format "$T/epos.tsv")" = epos ] || die "EPOS format not reported"
[ "$(awk -F'\t' '$1 == "field" { printf "%s ", $3 }' "$T/epos.tsv")" = \
  "tof vdc vpulse det_x det_y pslep ipp " ] || die "EPOS fields: $(grep field "$T/epos.tsv")"
grep -v '^recon	f\|^field' "$T/epos.tsv" > "$T/b"
cmp -s "$T/a" "$T/b" || die "EPOS composition differs from CSV"
# the range file may come from stdin too
cat "$rr" | "$B" -r - -f tsv "$csv" | grep -v '^r[a-z]*	file' > "$T/b"
grep -v '^r[a-z]*	file' "$T/comp.tsv" > "$T/a"
cmp -s "$T/a" "$T/b" || die "range file through a pipe differs"
expect_fail 2 "$B" -r - -

# --- JSON agrees with TSV ----------------------------------------------------
"$B" -r "$rr" -f json -o "$T/comp.json" "$csv"
ni=$(get element_count Ni "$T/comp.tsv")
un=$(get ranges unranged "$T/comp.tsv")
"$PYTHON" - "$T/comp.json" "$ni" "$un" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ions"] == 2000, d["ions"]
el = {e["symbol"]: e["atoms"] for e in d["ranges"]["elements"]}
assert el["Ni"] == int(sys.argv[2]), el
assert d["ranges"]["unranged"] == int(sys.argv[3])
types = {t["name"]: t for t in d["ranges"]["ion_types"]}
assert types["H2"]["composition"] == {"H": 2}, types["H2"]
assert sum(t["count"] for t in types.values()) + d["ranges"]["unranged"] == 2000
PY

# --- histogram vs awk (bins of 0.5 Da: edges exact in float and double) ------
"$B" --histogram 0.5 "$csv" > "$T/h.tsv"
awk -F'\t' '$2 > 0 { printf "%.4f %d\n", $1, $2 }' "$T/h.tsv" > "$T/h1"
awk -F, '{ k = int(($4 + 0) / 0.5); if (($4 + 0) < 0 && k * 0.5 != $4 + 0) k--; h[k]++ }
         END { for (k in h) printf "%.4f %d\n", k * 0.5, h[k] }' "$csv" | sort -g > "$T/h2"
sort -g "$T/h1" > "$T/h1s"
cmp -s "$T/h1s" "$T/h2" || { diff "$T/h1s" "$T/h2" | head; die "histogram differs"; }
[ "$(awk -F'\t' '{ s += $2 } END { print s }' "$T/h.tsv")" = 2000 ] || die "histogram total"
# bins of 0.01 Da: edges are not exact in binary; compare with exact decimal
# binning of the CSV text (Python's Decimal)
"$B" --histogram 0.01 "$csv" > "$T/h01.tsv"
"$PYTHON" - "$csv" "$T/h01.tsv" <<'PY'
import sys
from collections import Counter
from decimal import Decimal
want = Counter()
for line in open(sys.argv[1]):
    m = Decimal(line.strip().split(",")[3])
    want[int((m / Decimal("0.01")).to_integral_value(rounding="ROUND_FLOOR"))] += 1
got = {}
for line in open(sys.argv[2]):
    edge, n = line.split("\t")
    if int(n):
        got[int((Decimal(edge) / Decimal("0.01")).to_integral_value())] = int(n)
assert got == dict(want), sorted(set(got.items()) ^ set(want.items()))[:10]
PY

# --- ENV range file laid out as the public GPM Rouen examples ---------------------
# (tests/data/ranges_rouen.env: same-ion chains of overlapping and touching
# ranges, molecular names, labels with digits, the instrument section after
# the table): per-ion counts on a fine mass grid against a NumPy parser
# written from the format's description (csro-env(5), ifes_apt_tc_data_modeling).
env="$CSRO_TESTDATA/ranges_rouen.env"
$PYTHON -c "import numpy as np; m = np.arange(0.0005, 100, 0.001); a = np.zeros((len(m), 4)); a[:, 3] = m
np.savetxt('$T/grid.csv', a, delimiter=',', fmt='%.4f')"
"$B" -r "$env" -f json "$T/grid.csv" > "$T/env.json"
$PYTHON - "$env" "$T/env.json" <<'EOF'
import json, sys, numpy as np
data = [l.split() for l in open(sys.argv[1]) if l.strip() and not l.lstrip().startswith("#")]
assert data[0] == ["Rev_2.0"]
nel, nr = map(int, data[1])
names = [d[0] for d in data[2:2 + nel]]
table = [(d[0], float(d[1]), float(d[2])) for d in data[2 + nel:2 + nel + nr]]
m = np.arange(0.0005, 100, 0.001)
want = {}
merged = 0
for nm in names:
    iv = sorted((lo, hi) for n, lo, hi in table if n == nm)
    runs = []
    for lo, hi in iv:  # same-ion ranges that overlap or touch become one
        if runs and lo <= runs[-1][1]: runs[-1][1] = max(runs[-1][1], hi)
        else: runs.append([lo, hi])
    merged += len(runs)
    want[nm] = int(sum(((m >= lo) & (m <= hi)).sum() for lo, hi in runs))
r = json.load(open(sys.argv[2]))["ranges"]
got = {t["name"]: t["count"] for t in r["ion_types"]}
assert r["format"] == "env" and list(got) == names, (r["format"], list(got))
assert got == want, (got, want)
assert r["ranged"] == sum(want.values()) and merged == 15 and nr == 18
comp = {t["name"]: t["composition"] for t in r["ion_types"]}
assert comp["Cr2O3"] == {"Cr": 2, "O": 3} and comp["X19"] == {} and comp["Hyd"] == {}
print("env: %d ions ranged over %d ion types, %d ranges (%d merged) as NumPy" % (r["ranged"], nel, nr, merged))
EOF
"$B" -r "$env" "$T/grid.csv" | grep -q "(env, 10 ion types, 15 ranges)" || die "ENV summary line"

# --- bad input: exit 1 with one line, usage: exit 2 ----------------------------
one_line() { [ "$(wc -l < "$T/err.txt")" -eq 1 ] && grep -q '^apt-info: ' "$T/err.txt" \
             || { cat "$T/err.txt"; die "not one 'apt-info:' line"; }; }
expect_fail 1 "$B" "$T/missing.csv"; one_line
grep -q 'missing.csv' "$T/err.txt" || die "message lacks the file name"
printf '[Ions]\nNumber=2\nIon1=Ni\nIon2=Co\n[Ranges]\nNumber=2\nRange1=29.3 29.6 Ni:1\nRange2=29.5 29.7 Co:1\n' > "$T/ovl.rrng"
expect_fail 1 "$B" -r "$T/ovl.rrng" "$csv"; one_line
grep -q 'overlap' "$T/err.txt" || die "overlap message: $(cat "$T/err.txt")"
"$B" --first-match -r "$T/ovl.rrng" -f tsv "$csv" > /dev/null || die "--first-match failed"
printf '[Ions]\nNumber=1\nIon1=Ni\n[Ranges]\nNumber=1\nRange1=29.3 29.6 Xx:1\n' > "$T/xx.rrng"
expect_fail 1 "$B" -r "$T/xx.rrng" "$csv"; one_line
grep -q "line 6" "$T/err.txt" || die "Xx message: $(cat "$T/err.txt")"
printf 'not,a,number,here\n' > "$T/bad.csv"
expect_fail 1 "$B" "$T/bad.csv"; one_line
printf 'garbage\n' | { expect_fail 1 "$B" --input-format csv -; }; one_line
expect_fail 2 "$B"
expect_fail 2 "$B" --bogus "$csv"
expect_fail 2 "$B" --histogram 0 "$csv"
expect_fail 2 "$B" --histogram abc "$csv"
expect_fail 2 "$B" --histogram 1 -f json "$csv"
expect_fail 2 "$B" --histogram 1 -r "$rr" "$csv"
"$B" --histogram 1 -f tsv "$csv" > /dev/null || die "--histogram with -f tsv"
expect_fail 2 "$B" -f xml "$csv"
expect_fail 2 "$B" --input-format foo "$csv"
expect_fail 2 "$B" --first-match "$csv"
expect_fail 2 "$B" "$csv" "$csv"
"$B" --help | grep -q 'Usage: apt-info' || die "--help"
"$B" --version | grep -q 'apt-info' || die "--version"
echo ok
