# t_demo.sh: make demo's script (scripts/demo.sh) in its quick mode
# (DEMO_QUICK=1: the same steps on a smaller problem): each step prints its
# time on its own line (no tool message breaks the table), the summary has
# rounded figures and the one-line guide to its scores, and the output ends
# with the path of the report, whose page exists with its figures. The
# real-ion step says why it is skipped when the published data is absent.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
cd "$CSRO_SRCDIR"
DEMO_QUICK=1 DEMO_OUT="$T/demo" CSRO_MLAPT_DATA="$T/no-mlapt" sh scripts/demo.sh > "$T/out.txt" 2> "$T/err.txt" ||
    { cat "$T/out.txt" "$T/err.txt"; die "demo failed"; }
cat "$T/out.txt"
[ ! -s "$T/err.txt" ] || die "demo wrote on stderr: $(cat "$T/err.txt")"
"${PYTHON:-python3}" - "$T/out.txt" "$T/demo" <<'PY'
import os, re, sys
lines = open(sys.argv[1]).read().splitlines()
out = sys.argv[2]
steps = [l for l in lines if re.match(r"^(\d\.|   )\s?\S", l) and not l.startswith("6.")]
timed = [l for l in steps if re.search(r"\S\s+\d+\.\d s$", l)]
assert len(timed) == 8 and timed == steps, steps   # 1-5 (with 2 sub-steps) and 7, each with its time
assert [l[0] for l in timed if l[0].isdigit()] == list("123457"), timed
assert any(l.startswith("6. real CoCrNi ions: skipped (") for l in lines), lines
i = lines.index(next(l for l in lines if l.startswith("== summary")))
summary = lines[i + 1:]
assert not [l for l in summary if not l.startswith(("files:", "report:")) and re.search(r"\d\.\d{3,}", l)], summary
assert any(re.match(r"^how to read: precision = .* F1 = .*; the control shows the false-positive level\.$", l)
           for l in summary), summary
assert any(re.match(r"^(ion|subcell) +precision \d\.\d\d +recall \d\.\d\d +F1 \d\.\d\d", l) for l in summary)
assert re.match(r"^total \d+ s$", summary[-2]), summary[-2:]
assert summary[-1] == "report: %s/report/index.html" % out, summary[-1]
page = open(os.path.join(out, "report", "index.html")).read()
imgs = re.findall(r'<img src="([^"]+)"', page)
assert len(imgs) >= 6 and all(os.path.getsize(os.path.join(out, "report", p)) > 1000 for p in imgs), imgs
PY
echo "t_demo: ok"
