# Tools in pipes: the documented pipeline
#   apt-voxelize ... -o - | csro-classify -m M - -o - | csro-map - -o map.tif
# gives the same map as the same steps through files; every tool that
# writes a binary stream refuses a terminal on stdout (exit 2, nothing
# written) and tools read '-' from stdin. Parts whose tools are not built
# yet are reported as skipped (SKIP lines) and checked once they are.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
LIBCSRO=${CSRO_BUILD:-$B/..}/libcsro.so.1
export PYTHONDONTWRITEBYTECODE=1
cd "$CSRO_SRCDIR"
# The shared library the Python side loads: check-tools does not depend on
# it and make check-asan builds none, so bring it up to date here (run by
# make, BUILD/SAN/OPTFLAGS come through MAKEFLAGS); by hand only if absent.
if [ -n "${MAKELEVEL:-}" ] || [ ! -e "$LIBCSRO" ]; then make -s -C "$CSRO_SRCDIR" lib >/dev/null; fi
have() { [ -x "$B/$1" ]; }
# py ARGS < script: Python cross-checks with the bindings (skipped without $PYTHON)
py() {
    if [ -n "${PYTHON:-}" ]; then
        if ldd "$LIBCSRO" 2>/dev/null | grep -q libasan; then  # sanitizer build: as in t_python.sh
            LD_PRELOAD="$(cc -print-file-name=libasan.so)" ASAN_OPTIONS=detect_leaks=0 CSRO_LIBRARY="$LIBCSRO" $PYTHON "$@"
        else
            CSRO_LIBRARY="$LIBCSRO" $PYTHON "$@"
        fi
    else cat >/dev/null; echo "SKIP t_pipes: no \$PYTHON: a cross-check with the Python bindings not run"; fi
}
skip() { echo "SKIP t_pipes: $*"; }

# on_tty CMD...: run CMD with stdout on a pseudo-terminal; it must exit 2,
# say why on stderr and write nothing to the terminal.
on_tty() {
    if [ -n "${PYTHON:-}" ]; then
        $PYTHON - "$@" <<'PY'
import os, select, subprocess, sys, time
m, s = os.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=s, stderr=subprocess.PIPE)
os.close(s)
out, end = b"", time.time() + 60
while time.time() < end:  # drain the terminal so a writing tool cannot block
    if select.select([m], [], [], 0.05)[0]:
        try:
            d = os.read(m, 65536)
        except OSError:
            d = b""
        out += d
        if d:
            continue
    if p.poll() is not None:
        break
else:
    p.kill()
err = p.communicate()[1].decode(errors="replace")
if p.returncode != 2 or out or "terminal" not in err:
    sys.exit("on a terminal: exit %s, %d bytes written, stderr %r: %s" % (p.returncode, len(out), err, sys.argv[1:]))
PY
    else
        # script(1) gives the command a terminal; its typescript goes to $T/tty.txt
        set +e
        script -qec "$*" "$T/tty.txt" >/dev/null 2>&1
        rc=$?
        set -e
        [ "$rc" -eq 2 ] || die "on a terminal: exit $rc: $*"
        grep -v '^Script ' "$T/tty.txt" | grep -q "terminal" || die "on a terminal: no message: $*"
    fi
}

# ---- a small specimen with planted Co L1_2 domains ----
$B/apt-simulate --quiet --box 8,8,8 --domains Co:3:4:0.2 --efficiency 0.8 --sigma-xy 0.2 --seed 5 \
    -o "$T/s.pos" --ranges "$T/s.rrng" --truth "$T/s.truth"

# ---- binary writers refuse a terminal ----
on_tty $B/apt-simulate --quiet --box 3,3,3 -o -
on_tty $B/apt-sdm --quiet -a Co "$T/s.pos" "$T/s.rrng" --image - -o "$T/x.tsv"
if have csro-simulate; then
    on_tty $B/csro-simulate --quiet --class r:random --random 2 -o -
else skip "csro-simulate not built"; fi

if have csro-net-import && [ -n "${PYTHON:-}" ] && $PYTHON -c 'import h5py' 2>/dev/null; then
    $PYTHON "$CSRO_SRCDIR/tests/keras_ref.py" mkmodel --seed 1 -o "$T/k.h5"
    on_tty $B/csro-net-import --quiet "$T/k.h5" --classes A,B,C --pair Co-Co --crop=-0.3075,0.2925 -o -
    $B/csro-net-import --quiet "$T/k.h5" --classes A,B,C --pair Co-Co --crop=-0.3075,0.2925 -o "$T/k_file.csronet"
    $B/csro-net-import --quiet "$T/k.h5" --classes A,B,C --pair Co-Co --crop=-0.3075,0.2925 -o - > "$T/k_pipe.csronet"
    cmp "$T/k_file.csronet" "$T/k_pipe.csronet" || die "csro-net-import: stdout and file differ"
else skip "csro-net-import (HDF5) or h5py missing"; fi

# ---- '-' reads stdin ----
$B/apt-info -i pos "$T/s.pos" > "$T/info_file.txt"
$B/apt-info -i pos - < "$T/s.pos" > "$T/info_pipe.txt"
# same report apart from the input name
sed "s#$T/s.pos#-#g" "$T/info_file.txt" | cmp -s - "$T/info_pipe.txt" || {
    diff "$T/info_file.txt" "$T/info_pipe.txt"; die "apt-info: stdin and file differ"; }
$B/apt-simulate --quiet --box 3,3,3 -o - | $B/apt-info -i pos - | grep -q "ions" || die "apt-info: no ion count from a pipe"
# apt-sdm has no input-format option: POS on stdin cannot be read (reported);
# CSV on stdin is sniffed and must work.
# the specimen as CSV (exact %.9g floats) for the tools' CSV sniffing on stdin
if [ -n "${PYTHON:-}" ]; then
    $PYTHON -c "import numpy as np,sys; np.savetxt(sys.stdout, np.fromfile(sys.argv[1], '>f4').reshape(-1, 4), fmt='%.9g', delimiter=',')" \
        "$T/s.pos" > "$T/s.csv"
else
    skip "no \$PYTHON: no CSV copy of the specimen, stdin CSV checks not run"
fi
if [ -e "$T/s.csv" ]; then
$B/apt-sdm --quiet -a Co "$T/s.csv" "$T/s.rrng" -o "$T/sdm_file.tsv"
$B/apt-sdm --quiet -a Co - "$T/s.rrng" -o "$T/sdm_pipe.tsv" < "$T/s.csv"
# the same table (the provenance names the input and the command line)
uncomment "$T/sdm_file.tsv" "$T/sdm_pipe.tsv"
cmp "$T/sdm_file.tsv" "$T/sdm_pipe.tsv" || die "apt-sdm: stdin and file differ"
fi

# ---- apt-voxelize: terminal, stdin, and the same numbers as the Python bindings ----
if have apt-voxelize && [ -e "$T/s.csv" ]; then
    on_tty $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o -
    on_tty $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos"
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co --counts "$T/s.csv" -o "$T/vf.zsdm"
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co --counts - -o - < "$T/s.csv" > "$T/vp.zsdm"
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co --preprocess minmax "$T/s.pos" -o "$T/vm.zsdm"
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o "$T/vd.zsdm"
    py - "$T" <<'PY'
import sys
sys.path.insert(0, "python")
import csro, numpy as np
T = sys.argv[1]
f, p = csro.read_zsdm(T + "/vf.zsdm"), csro.read_zsdm(T + "/vp.zsdm")
for a, b in zip(f[1:], p[1:]):
    assert np.array_equal(a, b), "apt-voxelize: stdin and file differ"
mine = csro.voxelize(csro.Recon.load(T + "/s.pos"), csro.Ranges.load(T + "/s.rrng"), pair=("Co", "Co"))
g, h = f.meta.grid, mine.meta.grid
assert g.dims == h.dims and np.allclose(g.lo, h.lo) and f.meta.preprocess == csro.RAW
assert np.array_equal(f.index, mine.index) and np.array_equal(f.profiles, mine.profiles)
assert np.array_equal(f.flags & 1, mine.flags & 1)
mm = csro.read_zsdm(T + "/vm.zsdm")
mine = csro.voxelize(csro.Recon.load(T + "/s.pos"), csro.Ranges.load(T + "/s.rrng"), pair=("Co", "Co"),
                     preprocess="minmax")
assert mm.meta.preprocess == mine.meta.preprocess == csro.MINMAX
assert np.array_equal(mm.profiles, mine.profiles) and np.array_equal(mm.flags & 1, mine.flags & 1)
# one default for both: raw counts (the classify stage preprocesses for its model)
vd = csro.read_zsdm(T + "/vd.zsdm")
assert vd.meta.preprocess == csro.RAW and np.array_equal(vd.profiles, f.profiles)
print("apt-voxelize == csro.voxelize:", f.profiles.shape, int(f.profiles.sum()), "pair counts")
PY
    $B/apt-voxelize --quiet --input-format pos -r "$T/s.rrng" -p Co-Co - -o "$T/x.zsdm" < "$T/s.pos"
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o "$T/y.zsdm"
    $B/zsdm-dump -R "$T/x.zsdm" > "$T/x.tsv"; $B/zsdm-dump -R "$T/y.zsdm" > "$T/y.tsv"
    cmp "$T/x.tsv" "$T/y.tsv" || die "apt-voxelize: POS from stdin and from a file differ"
else skip "apt-voxelize not built or no CSV copy"; fi

# ---- a model: simulated bank + training, or skip ----
if have csro-simulate && have csro-train; then
    $B/csro-simulate --quiet --class random:random --class L12:L12:Co --pair Co-Co --random 150 \
        --sigma-xy 0.15:0.25 --sigma-z 0.01:0.03 --efficiency 0.7:0.9 --seed 1 -o "$T/bank.zsdm"
    on_tty $B/csro-train --quiet --epochs 2 --folds 2 "$T/bank.zsdm" -o -
    # the bank through a pipe trains the same model bits as from the file
    $B/csro-train --quiet --epochs 6 --folds 2 --seed 2 "$T/bank.zsdm" -o "$T/m.csronet"
    $B/csro-simulate --quiet --class random:random --class L12:L12:Co --pair Co-Co --random 150 \
        --sigma-xy 0.15:0.25 --sigma-z 0.01:0.03 --efficiency 0.7:0.9 --seed 1 -o - |
        $B/csro-train --quiet --epochs 6 --folds 2 --seed 2 - -o "$T/m2.csronet"
    have zsdm-dump && { [ "$($B/zsdm-dump -R - < "$T/bank.zsdm" | wc -l)" -eq 301 ] || die "zsdm-dump: rows from stdin"; }
    # the same bits through the pipe (compared with the Python bindings)
    py - "$T/m.csronet" "$T/m2.csronet" "$T/bank.zsdm" <<'PY'
import sys
sys.path.insert(0, "python")
import csro, numpy as np
a, b = csro.Ensemble.load(sys.argv[1]), csro.Ensemble.load(sys.argv[2])
assert len(a) == len(b) == 2
for i in range(2):
    assert np.array_equal(a.member(i).params, b.member(i).params), "csro-train: pipe and file models differ"
assert a.text("bank_crc32") == b.text("bank_crc32")
PY
    if have csro-classify; then
        on_tty $B/csro-classify --quiet -m "$T/m.csronet" "$T/bank.zsdm" -o -
        on_tty $B/csro-classify --quiet -m "$T/m.csronet" "$T/bank.zsdm"
        $B/csro-classify --quiet -m "$T/m.csronet" "$T/bank.zsdm" -o "$T/bank_file.prob"
        $B/csro-classify --quiet -m "$T/m.csronet" - -o - < "$T/bank.zsdm" > "$T/bank_pipe.prob"
        # tool == bindings (same preprocessing and ensemble), pipe == file
        py - "$T" <<'PY'
import sys
sys.path.insert(0, "python")
import csro, numpy as np
T = sys.argv[1]
f, p = csro.read_prob(T + "/bank_file.prob"), csro.read_prob(T + "/bank_pipe.prob")
assert np.array_equal(f.mean, p.mean) and np.array_equal(f.std, p.std) and np.array_equal(f.index, p.index)
mine = csro.classify(csro.Ensemble.load(T + "/m.csronet"), csro.read_zsdm(T + "/bank.zsdm"))
assert np.allclose(mine.mean, f.mean, atol=1e-6) and np.array_equal(mine.flags, f.flags)
assert f.meta.classes == ["random", "L12"]
PY
    else skip "csro-classify not built"; fi
else
    skip "csro-simulate/csro-train not built: no model, pipeline not run"
fi

# ---- the documented pipeline ----
if have apt-voxelize && have csro-classify && [ -e "$T/m.csronet" ]; then
    # voxelize | classify, and the same through files
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o - |
        $B/csro-classify --quiet -m "$T/m.csronet" - -o - > "$T/v_pipe.prob"
    $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o "$T/v.zsdm"
    $B/csro-classify --quiet -m "$T/m.csronet" "$T/v.zsdm" -o "$T/v.prob"
    # pipe == files; tools == Python bindings (voxelize + classify in memory);
    # the voxels the model calls CSRO hold more planted-domain ions than the rest
    py - "$T" <<'PY'
import sys
sys.path.insert(0, "python")
import csro, numpy as np
T = sys.argv[1]
a, b = csro.read_prob(T + "/v_pipe.prob"), csro.read_prob(T + "/v.prob")
assert np.array_equal(a.mean, b.mean) and np.array_equal(a.flags, b.flags), "pipe and file .prob differ"
rec, rng = csro.Recon.load(T + "/s.pos"), csro.Ranges.load(T + "/s.rrng")
mine = csro.classify(csro.Ensemble.load(T + "/m.csronet"), csro.voxelize(rec, rng, pair=("Co", "Co")))
assert np.array_equal(mine.flags, b.flags) and np.allclose(mine.mean, b.mean, atol=1e-5)
truth = csro.load_truth(T + "/s.truth")
g = b.meta.grid
c = g.centers()
xyz = rec.xyz.astype(np.float64)
# fraction of truth ions within the sphere of each of a sample of voxels
idx = np.flatnonzero(b.flags == 0)[::7]
frac = np.array([truth[((xyz - c[i]) ** 2).sum(1) <= 0.75 ** 2].mean() for i in idx])
hot = b.mean[idx, 1] > 0.5
assert hot.any() and (~hot).any()
print("truth fraction in voxels called L12: %.3f, others: %.3f" % (frac[hot].mean(), frac[~hot].mean()))
assert frac[hot].mean() > 1.5 * frac[~hot].mean()
PY
    if have csro-map; then
        $B/apt-voxelize --quiet -r "$T/s.rrng" -p Co-Co "$T/s.pos" -o - |
            $B/csro-classify --quiet -m "$T/m.csronet" - -o - |
            $B/csro-map --quiet - -o "$T/map_pipe.tif"
        $B/csro-map --quiet "$T/v.prob" -o "$T/map_file.tif"
        py - "$T" <<'PY'
import sys
sys.path.insert(0, "python")
import csro, numpy as np, tifffile
T = sys.argv[1]
a, b = tifffile.imread(T + "/map_pipe.tif"), tifffile.imread(T + "/map_file.tif")
assert a.shape == b.shape and np.array_equal(a, b, equal_nan=True), "pipe and file maps differ"
mine = csro.ProbMap.from_prob(csro.read_prob(T + "/v.prob"))
assert np.array_equal(a, mine.data, equal_nan=True), "csro-map differs from csro.ProbMap"
print("map", a.shape, "max", np.nanmax(a))
PY
        on_tty $B/csro-map --quiet "$T/v.prob" -o -
        on_tty $B/csro-map --quiet "$T/v.prob" -o "$T/m1.tif" --mask -
        on_tty $B/csro-map --quiet "$T/v.prob" -o "$T/m1.tif" --uncertainty -
        $B/csro-map --quiet - -o - < "$T/v.prob" > "$T/map_stdin.tif"
        # same pixels (the descriptions differ: they record each run's command line and input)
        $PYTHON -c "import sys, numpy as np, tifffile; a, b = (tifffile.imread(f) for f in sys.argv[1:]); sys.exit(not np.array_equal(a, b, equal_nan=True))" \
            "$T/map_stdin.tif" "$T/map_file.tif" || die "csro-map: stdin/stdout and files differ"
    else
        skip "csro-map not built: the map stage of the documented pipeline not run"
    fi
    if have csro-extract; then
        on_tty $B/csro-extract --quiet -M "$T/v.prob" "$T/s.pos" -f pos -o -
        $B/csro-extract --quiet -M "$T/v.prob" "$T/s.pos" -o "$T/in_file.pos"
        $B/csro-extract --quiet -M - "$T/s.pos" -f pos -o - < "$T/v.prob" > "$T/in_pipe.pos" ||
            echo "NOTE t_pipes: csro-extract cannot read the .prob from stdin"
        if [ -e "$T/s.csv" ]; then
            $B/csro-extract --quiet -M "$T/v.prob" - -f pos -o "$T/in_csv.pos" < "$T/s.csv"
            cmp "$T/in_csv.pos" "$T/in_file.pos" || die "csro-extract: recon from stdin differs"
        fi
        py - "$T" <<'PY'
import sys
sys.path.insert(0, "python")
import csro, numpy as np
T = sys.argv[1]
rec = csro.Recon.load(T + "/s.pos")
keep = csro.ProbMap.load(T + "/v.prob").extract(rec, 3.75)
got = np.fromfile(T + "/in_file.pos", ">f4").reshape(-1, 4)
assert np.array_equal(got[:, :3], rec.xyz[keep]), "csro-extract differs from csro.ProbMap.extract"
import os
if os.path.getsize(T + "/in_pipe.pos"):
    assert open(T + "/in_pipe.pos", "rb").read() == open(T + "/in_file.pos", "rb").read()
print("extracted", keep.sum(), "of", len(rec), "ions")
PY
    else
        skip "csro-extract not built"
    fi
    if have csro-score; then
        $B/csro-score -M "$T/v.prob" --truth "$T/s.truth" "$T/s.pos" > "$T/sc_file.tsv"
        $B/csro-score -M - --truth "$T/s.truth" "$T/s.pos" < "$T/v.prob" > "$T/sc_pipe.tsv" 2>/dev/null ||
            echo "NOTE t_pipes: csro-score cannot read the .prob from stdin"
        $B/csro-score -M "$T/v.prob" --truth "$T/s.truth" --input-format pos - < "$T/s.pos" > "$T/sc_pos.tsv" 2>/dev/null ||
            echo "NOTE t_pipes: csro-score cannot read the reconstruction from stdin"
        for f in sc_pipe sc_pos; do
            [ ! -s "$T/$f.tsv" ] || [ "$(grep -v '^#' "$T/$f.tsv" | cut -f2- | tail -n +2 | md5sum)" = "$(grep -v '^#' "$T/sc_file.tsv" | cut -f2- | tail -n +2 | md5sum)" ] ||
                { diff "$T/sc_file.tsv" "$T/$f.tsv"; die "csro-score: stdin and file differ ($f)"; }
        done
    fi
    if have csro-stats; then
        $B/csro-stats "$T/v.prob" > "$T/st_file.tsv"
        $B/csro-stats - < "$T/v.prob" > "$T/st_pipe.tsv" || echo "NOTE t_pipes: csro-stats cannot read the .prob from stdin"
        # same table apart from the input name and the run's provenance rows
        [ ! -s "$T/st_pipe.tsv" ] || sed "s#$T/v.prob#-#" "$T/st_file.tsv" | grep -v '^provenance\.' |
            cmp -s - "$(grep -v '^provenance\.' "$T/st_pipe.tsv" > "$T/st_pipe.rows"; echo "$T/st_pipe.rows")" ||
            { diff "$T/st_file.tsv" "$T/st_pipe.tsv"; die "csro-stats: stdin and file differ"; }
    fi
else
    skip "apt-voxelize/csro-classify or the model missing: documented pipeline not run"
fi
