# t_outputs.sh: the tools' one output writer (csro-tools(7), OUTPUTS):
# output == input refused by device and inode (hard and symbolic links too),
# umask and mode of a replaced file, temporaries removed on SIGTERM, SIGINT,
# SIGHUP and SIGXFSZ, FIFOs and devices written directly, symlink targets
# replaced, outputs of one run committed together, write errors naming
# their cause (ENOSPC, EPIPE), --help to a full stdout, a huge ROI refused
# before allocating, fsync before rename.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
B=$CSRO_BIN
MODEL="$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet"
cd "$T"

# Devices are reached through links in $T: a writer that replaces its
# target (as libcsro 1.0.0 did) then replaces the link, never /dev/full.
ln -s /dev/full full; ln -s /dev/full full.vtk; ln -s /dev/full full.tsv; ln -s /dev/null null.tif
ln -s /dev/stdout stdout.txt

# Inputs: a small simulated specimen, its voxels and map; a tiny bank and model.
$B/apt-simulate -q --box 8,8,8 --seed 3 --domains Ni:1.5:2.5:0.05 --truth s.truth -r s.rrng -o s.pos
$B/apt-voxelize -q -r s.rrng -p Ni-Ni s.pos -o s.zsdm
$B/csro-classify -q -m "$MODEL" s.zsdm -o s.prob
$B/csro-simulate -q --class FCC:random --class CSRO:L12:Ni --random 12 --pair Ni-Ni -o b.zsdm
$B/csro-train -q --epochs 2 --folds 2 b.zsdm -o m.csronet
mkdir keep
for f in s.pos s.rrng s.zsdm s.prob b.zsdm m.csronet; do cp "$f" "keep/$f"; done
unchanged() { for f in "$@"; do cmp -s "$f" "keep/$f" || die "$f was changed"; done; }
only() { # the directory holds exactly these names (no temporaries, nothing else)
    got=$(ls -A "$1" | sort | tr '\n' ' '); shift
    want=$(for w in "$@"; do echo "$w"; done | sort | tr '\n' ' ')
    [ "$got" = "$want" ] || die "directory holds '$got', expected '$want'"
}

# 1. Output == input, compared by device and inode, not by name.
expect_fail 2 $B/csro-extract -M s.prob s.pos -o s.pos
grep -q "same file as input" "$T/err.txt" || die "extract: message: $(cat "$T/err.txt")"
ln s.pos hard.pos
expect_fail 2 $B/csro-extract -M s.prob hard.pos -o s.pos
ln -s s.pos soft.pos
expect_fail 2 $B/csro-extract -M s.prob s.pos -o soft.pos
ln s.pos v.zsdm
expect_fail 2 $B/apt-voxelize -r s.rrng -p Ni-Ni s.pos -o v.zsdm
ln s.rrng r.zsdm
expect_fail 2 $B/apt-voxelize -r s.rrng -p Ni-Ni s.pos -o r.zsdm
ln s.zsdm z.prob
expect_fail 2 $B/csro-classify -m "$MODEL" s.zsdm -o z.prob
cp "$MODEL" mm.csronet; ln mm.csronet mm.prob
expect_fail 2 $B/csro-classify -m mm.csronet s.zsdm -o mm.prob
ln b.zsdm b.csronet
expect_fail 2 $B/csro-train --epochs 1 --folds 2 b.zsdm -o b.csronet
expect_fail 2 $B/csro-stats s.prob -o s.prob
unchanged s.pos s.rrng s.zsdm s.prob b.zsdm
rm -f hard.pos soft.pos v.zsdm r.zsdm z.prob mm.prob b.csronet

# 2. Permissions: 0666 minus the umask for a new file; a replaced file keeps its mode.
(umask 027; $B/apt-info s.pos -o new.txt)
[ "$(stat -c %a new.txt)" = 640 ] || die "umask 027 gave mode $(stat -c %a new.txt)"
chmod 600 new.txt
$B/apt-info -f tsv s.pos -o new.txt
[ "$(stat -c %a new.txt)" = 600 ] || die "replaced file got mode $(stat -c %a new.txt)"
grep -q "^recon	ions" new.txt || die "new.txt not replaced"
(umask 077; $B/csro-map -q s.prob -o m.tif)
[ "$(stat -c %a m.tif)" = 600 ] || die "library-written output: mode $(stat -c %a m.tif)"
rm -f new.txt m.tif

# 3. Signals remove the temporaries (csro-mc writes --wc from the start).
for sig in TERM INT HUP; do
    mkdir "sig$sig"
    $PYTHON - "$B/csro-mc" "sig$sig" "$sig" <<'PY' || die "SIG$sig run"
import os, signal, subprocess, sys, time
exe, d, sig = sys.argv[1:]
# the tool keeps an inherited "ignore" (nohup): give it the default action
signal.signal(getattr(signal, "SIG" + sig), signal.SIG_DFL)
p = subprocess.Popen([exe, "-q", "--composition", "Co:1,Ni:1", "--cells", "12", "--sweeps", "1e6",
                      "--wc", "w.tsv", "-o", "c.csv"], cwd=d)
t0 = time.time()
while not os.listdir(d) and time.time() - t0 < 20:
    time.sleep(0.05)
time.sleep(0.2)
p.send_signal(getattr(signal, "SIG" + sig))
rc = p.wait(timeout=30)
assert rc == -getattr(signal, "SIG" + sig), f"exit {rc}"
PY
    only "sig$sig"
done
# SIGXFSZ: a file size limit reached while writing
sh -c "ulimit -f 16; $B/zsdm-dump s.zsdm -o big.tsv" 2>/dev/null && die "SIGXFSZ: no failure"
[ ! -e big.tsv ] || die "SIGXFSZ left big.tsv"
ls | grep -q csro-tmp && die "SIGXFSZ left a temporary"

# 4. FIFOs and devices are written directly; links keep being links.
mkfifo fifo
timeout 20 cat fifo > from_fifo &
$B/apt-info -f tsv s.pos -o fifo
wait $!
[ -p fifo ] || die "the FIFO was replaced"
grep -q "^recon	ions" from_fifo || die "nothing came through the FIFO"
$B/csro-map -q s.prob -o null.tif || die "-o /dev/null"
[ -L null.tif ] && [ -c /dev/null ] || die "/dev/null replaced"
$B/apt-info -f tsv s.pos -o stdout.txt | grep -q "^recon	ions" || die "-o /dev/stdout (a pipe)"
[ -L stdout.txt ] || die "the link to /dev/stdout was replaced"
echo old > target.txt
ln -s target.txt link.txt
$B/apt-info -f tsv s.pos -o link.txt
[ -L link.txt ] || die "the symlink was replaced by a file"
grep -q "^recon	ions" target.txt || die "the symlink's target was not written"
ln -s made.txt dangling.txt
$B/apt-info -f tsv s.pos -o dangling.txt
[ -L dangling.txt ] && [ -f made.txt ] || die "dangling symlink: target not created"
rm -f fifo from_fifo link.txt target.txt dangling.txt made.txt

# 5. All outputs of one run or none: the VTK on a full device fails, so the
#    TIFF must not appear either.
mkdir group
expect_fail 1 $B/csro-map -q s.prob -o group/m.tif --projection group/p.tif --vtk full.vtk
grep -q "No space left on device" "$T/err.txt" || die "cause not named: $(cat "$T/err.txt")"
only group
expect_fail 1 $B/csro-stats s.prob -o group/s.tsv --table full.tsv --sample a
only group

# 6. Write errors name their cause.
expect_fail 1 $B/zsdm-dump s.zsdm -o full
grep -q "No space left on device" "$T/err.txt" || die "ENOSPC not named: $(cat "$T/err.txt")"
expect_fail 1 sh -c "$B/zsdm-dump s.zsdm -o - > /dev/full"
grep -q "No space left on device" "$T/err.txt" || die "ENOSPC on stdout not named: $(cat "$T/err.txt")"
set +e
(trap '' PIPE; $B/zsdm-dump s.zsdm | head -c 10 > /dev/null) 2> "$T/pipe.txt"
set -e
grep -q "Broken pipe" "$T/pipe.txt" || die "EPIPE not named: $(cat "$T/pipe.txt")"
for t in "$B"/*; do
    if "$t" --help > /dev/full 2>/dev/null; then die "$(basename "$t") --help > /dev/full exits 0"; fi
    "$t" --help > /dev/null || die "$(basename "$t") --help fails"
done

# 7. A huge ROI is refused before allocating, saying what to change.
expect_fail 2 $B/apt-voxelize -r s.rrng -p Ni-Ni --roi -10000,-10000,-0.5,10000,10000,0.5 s.pos -o huge.zsdm
grep -q "too many voxels" "$T/err.txt" && grep -q -- "--stride" "$T/err.txt" || die "huge ROI: $(cat "$T/err.txt")"
[ ! -e huge.zsdm ] || die "huge ROI wrote a file"

# 8. fsync of the file before rename, then of the directory.
if command -v strace > /dev/null 2>&1 && strace -f -o /dev/null true 2>/dev/null; then
    # (LeakSanitizer cannot run under ptrace: no leak check for this run)
    ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
        strace -f -e trace=fsync,rename -o trace.txt $B/apt-info s.pos -o synced.txt
    awk '/fsync/ { f = 1 } /rename\(/ { r = f } /fsync/ && r { d = 1 } END { exit d ? 0 : 1 }' trace.txt ||
        die "no fsync before and after the rename: $(cat trace.txt)"
else
    echo "NOTE t_outputs: strace unavailable, fsync not checked"
fi
echo "t_outputs: ok"
