# t_hardening.sh: reproducers of issue #14 through the tools (real files and
# pipes): degenerate grid parameters (item 14), the metadata hang (item 1),
# bytes after the end record of .zsdm, .prob and .csronet (item 9).
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
D=$CSRO_TESTDATA
RR="-r $D/ranges_cocrni.rrng -p Ni-Ni"

# item 14: sizes no analysis can mean are refused before any work
expect_fail 2 $B/apt-voxelize $RR --roi 0,0,0,1000,1000,1000 "$D/cocrni_2000.csv" -o "$T/a.zsdm"
grep -q "1999 x 1999 x 1999 = 7.99e+09 voxels" "$T/err.txt" || die "huge ROI not refused"
expect_fail 1 $B/apt-voxelize $RR --voxel 1e-30 "$D/cocrni_2000.csv" -o "$T/a.zsdm"
grep -q "voxel size 1e-30 nm is outside" "$T/err.txt" || die "tiny voxel not refused"
expect_fail 1 $B/apt-voxelize $RR --stride 1e30 "$D/cocrni_2000.csv" -o "$T/a.zsdm"
grep -q "stride 1e+30 nm is outside" "$T/err.txt" || die "huge stride not refused"
[ ! -e "$T/a.zsdm" ] || die "output written for refused parameters"

# item 1: a .prob whose SDM bin width is tiny next to the default radius
# (R 1e-20 nm, w 1e-21 nm: 20 bins) was decoded by looping 3/w times
$PYTHON - "$T/tiny.prob" <<'PY'
import os, struct, sys
sys.path.insert(0, os.path.join(os.environ["CSRO_SRCDIR"], "tests", "tools"))
import csrofile
h = csrofile.sdm_header("voxels", "raw", "Ni-Ni", r=1e-20, w=1e-21, lo=-1.0, hi=1.0,
                        grid=((0, 0, 0), (2, 2, 2), 1.0, 0.5, 1, (3, 3, 3)), classes=["a", "b"])
rows = b"".join(struct.pack("<QI4f", i, 0, 0.5, 0.5, 0, 0) for i in range(27))
csrofile.write(sys.argv[1], b"CSROPROB", h, rows)
PY
set +e
timeout 20 $B/csro-stats "$T/tiny.prob" > "$T/out.txt" 2> "$T/err.txt"
rc=$?
set -e
[ "$rc" -ne 124 ] || die "csro-stats hangs on a tiny SDM bin width"

# item 9: one byte after the end record is refused by every reader
$B/apt-voxelize --quiet $RR "$D/cocrni_2000.csv" -o "$T/v.zsdm"
$B/zsdm-dump -H "$T/v.zsdm" > /dev/null
cat "$T/v.zsdm" > "$T/v2.zsdm"; printf 'x' >> "$T/v2.zsdm"
expect_fail 1 $B/zsdm-dump "$T/v2.zsdm"
grep -q "after the end record" "$T/err.txt" || die ".zsdm: trailing byte accepted"
# and through a pipe
set +e
$B/zsdm-dump - < "$T/v2.zsdm" > /dev/null 2> "$T/err.txt"; rc=$?
set -e
[ "$rc" -ne 0 ] && grep -q "after the end record" "$T/err.txt" || die ".zsdm on stdin: trailing byte accepted"
$PYTHON - "$T/p.prob" <<'PY'
import os, struct, sys
sys.path.insert(0, os.path.join(os.environ["CSRO_SRCDIR"], "tests", "tools"))
import csrofile
h = csrofile.sdm_header("voxels", "raw", "Ni-Ni", grid=((0, 0, 0), (2, 2, 2), 1.0, 0.5, 1, (3, 3, 3)),
                        classes=["a", "b"])
rows = b"".join(struct.pack("<QI4f", i, 0, 0.5, 0.5, 0, 0) for i in range(27))
csrofile.write(sys.argv[1], b"CSROPROB", h, rows)
open(sys.argv[1] + ".x", "wb").write(open(sys.argv[1], "rb").read() + b"\0")
PY
$B/csro-stats "$T/p.prob" > /dev/null
expect_fail 1 $B/csro-stats "$T/p.prob.x"
grep -q "after the end record" "$T/err.txt" || die ".prob: trailing byte accepted"
# .csronet: a tiny trained model with one byte appended
$PYTHON - "$T/bank.zsdm" <<'PY'
import os, struct, sys
import numpy as np
sys.path.insert(0, os.path.join(os.environ["CSRO_SRCDIR"], "tests", "tools"))
import csrofile
rng = np.random.default_rng(1)
rows = b"".join(struct.pack("<QiI", i, i % 2, 0) + rng.random(93).astype("<f4").tobytes() for i in range(40))
csrofile.write(sys.argv[1], b"CSROZSDM", csrofile.sdm_header("bank", "minmax", "Ni-Ni", classes=["A", "B"]), rows)
PY
$B/csro-train --quiet --epochs 1 --folds 2 --seed 1 --threads 1 "$T/bank.zsdm" -o "$T/m.csronet" > /dev/null
$B/csro-classify -q -m "$T/m.csronet" "$T/bank.zsdm" -o "$T/c.prob"
cat "$T/m.csronet" > "$T/m2.csronet"; printf 'x' >> "$T/m2.csronet"
expect_fail 1 $B/csro-classify -q -m "$T/m2.csronet" "$T/bank.zsdm" -o "$T/c2.prob"
grep -q "after the end record" "$T/err.txt" || die ".csronet: trailing byte accepted"
[ ! -e "$T/c2.prob" ] || die "output written for a refused model"
echo "t_hardening: ok"
