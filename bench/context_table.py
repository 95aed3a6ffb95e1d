#!/usr/bin/env python3
"""context_table.py CAL.tsv TEST.tsv OUT.tsv: the table of bench/context.sh.

Input rows (context_eval): name method threshold tp fp fn tn. Thresholds of
every method except 'pub' are chosen on the calibration specimens (best
pooled sub-cell F1); 'pub' (the published ensemble) gets its best threshold
on each test specimen itself. Test names are KIND:...:SEED; the condition
is the name without the seed. OUT: condition, method, threshold, mean F1
(or selected fraction for random specimens / random-label controls), min,
max, specimens."""
import collections
import sys


def load(path):
    d = collections.defaultdict(dict)
    for line in open(path):
        f = line.rstrip("\n").split("\t")
        if len(f) != 7:
            continue
        d[(f[0], f[1])][float(f[2])] = tuple(int(x) for x in f[3:])
    return d


def f1(c):
    tp, fp, fn, _ = c
    return 2 * tp / (2 * tp + fp + fn) if tp else 0.0


def selected(c):
    tp, fp, fn, tn = c
    return (tp + fp) / max(1, tp + fp + fn + tn)


cal, test = load(sys.argv[1]), load(sys.argv[2])
methods = sorted({m for _, m in cal})
thr = {}
for m in methods:
    names = [n for n, mm in cal if mm == m]
    best = None
    for t in sorted(cal[(names[0], m)]):
        tot = [sum(cal[(n, m)][t][i] for n in names) for i in range(4)]
        if best is None or f1(tot) > best[1]:
            best = (t, f1(tot))
    thr[m] = best[0]
    print("calibrated threshold %-5s %.3g (pooled calibration F1 %.3f)" % (m, best[0], best[1]))
rows = collections.defaultdict(list)
for (n, m), c in test.items():
    cond = n.rsplit(":", 1)[0]
    if m == "pub":
        t = max(c, key=lambda k: f1(c[k])) if n.startswith("dom") else min(c, key=lambda k: abs(k - 1.9))
    else:
        t = min(c, key=lambda k: abs(k - thr[m]))
    v = f1(c[t]) if n.startswith("dom") else selected(c[t])
    rows[(cond, m)].append((v, t))
out = open(sys.argv[3], "w")
out.write("condition\tmethod\tthreshold\tvalue\tmin\tmax\tspecimens\n")
order = ["sum", "ctx1", "ctx2", "pub"]
for (cond, m) in sorted(rows, key=lambda k: (k[0], order.index(k[1]) if k[1] in order else 9)):
    v = rows[(cond, m)]
    vals = [x[0] for x in v]
    t = "best" if m == "pub" and cond.startswith("dom") else "%.3g" % v[0][1]
    out.write("%s\t%s\t%s\t%.4f\t%.4f\t%.4f\t%d\n" % (cond, m, t, sum(vals) / len(vals), min(vals), max(vals),
                                                     len(vals)))
out.close()
print("condition                 " + "".join("%-8s" % m for m in order) + "  (F1; random/label: selected fraction)")
for cond in sorted({c for c, _ in rows}):
    cells = []
    for m in order:
        v = rows.get((cond, m))
        cells.append("%-8.3f" % (sum(x[0] for x in v) / len(v)) if v else "%-8s" % "-")
    print("%-26s" % cond + "".join(cells))


def pooled(pred, m):
    v = [x[0] for (c, mm), xs in rows.items() if mm == m and pred(c) for x in xs]
    return sum(v) / len(v) if v else float("nan")


for label, pred in (("2-4 nm, sigma_xy 0.3, eff 0.5", lambda c: c in ("dom:2-3:0.3:0.5", "dom:3-4:0.3:0.5")),
                    ("1-2 nm, sigma_xy 0.3, eff 0.5", lambda c: c == "dom:1-2:0.3:0.5"),
                    ("all domain conditions", lambda c: c.startswith("dom"))):
    print("%-32s" % label + "  ".join("%s %.3f" % (m, pooled(pred, m)) for m in order if any(mm == m for _, mm in rows)))
