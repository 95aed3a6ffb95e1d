#!/bin/sh
# voxelize_bench.sh: the whole apt-voxelize tool on a dense specimen against
# the published method (bench/ref_zsdm.py, run live), in one run.
#
#   sh bench/voxelize_bench.sh [NSAMPLE]     (after `make`; from the source root)
#
# Specimen: apt-simulate --box 16,16,16 --seed 1 (random FCC CoCrNi, 50 %
# detection, ~57k Ni ions); apt-voxelize -p Ni-Ni over its bounding box
# (34,680 voxels of 1 nm, stride 0.5 nm) to a .zsdm file. Prints
#  - the tool's wall and CPU time with 1 and 2 threads (5 runs each,
#    interleaved; least of each) and the 1 -> 2 thread speed-up;
#  - the z-SDM engine's share of the tool's CPU time: csro_sdm_voxels alone
#    on the same atoms and grid (bench/sdm_bench.c recon mode) over the
#    whole tool, both with 1 thread; with perf(1), also the share perf
#    attributes to the pair kernel (cs_sdm_kernel_* and run_blocks);
#  - the published method's time for the whole grid (SciPy, extrapolated
#    from NSAMPLE voxels, default 1000) over the whole tool's time.
set -eu
N=${1:-1000}
. "${CSRO_SRCDIR:-$(pwd)}/bench/sdm_bench.inc"
B=$BUILD/bin
"$B/apt-simulate" --quiet --box 16,16,16 --seed 1 --ranges "$T/d.rrng" -o "$T/d.pos"
VOX="$B/apt-voxelize --quiet -r $T/d.rrng -p Ni-Ni $T/d.pos"
# wall and CPU time (user + system, from getrusage) of 5 runs each, 1 and 2
# threads interleaved; the least of each is reported
: > "$T/t1"; : > "$T/t2"
for r in 1 2 3 4 5; do
    for t in 1 2; do
        "$PY" -c 'import resource, subprocess, sys, time
t0 = time.perf_counter(); subprocess.run(sys.argv[1:], check=True); w = time.perf_counter() - t0
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print("%.4f %.4f" % (w, u.ru_utime + u.ru_stime))' $VOX --threads $t -o "$T/o$t.zsdm" >> "$T/t$t"
    done
done
# rows (the provenance texts record each run's command line)
"$B/zsdm-dump" "$T/o1.zsdm" | grep -v '^#' > "$T/r1.txt"
"$B/zsdm-dump" "$T/o2.zsdm" | grep -v '^#' > "$T/r2.txt"
cmp -s "$T/r1.txt" "$T/r2.txt" && same=yes || same=NO
# least wall time and least CPU time of the 5 runs each
mn() { sort -n -k"$2" "$1" | head -1 | cut -d' ' -f"$2"; }
w1=$(mn "$T/t1" 1) c1=$(mn "$T/t1" 2) w2=$(mn "$T/t2" 1) c2=$(mn "$T/t2" 2)
echo "load average (other processes share these cores): $(cut -d' ' -f1-3 /proc/loadavg)"
echo "apt-voxelize dense specimen ($(($(stat -c %s "$T/d.pos") / 16)) ions), .zsdm $(($(stat -c %s "$T/o1.zsdm") / 1024)) KiB:"
echo "  1 thread: $w1 s wall, $c1 s CPU; 2 threads: $w2 s wall, $c2 s CPU;" \
     "speed-up 1->2: $(awk "BEGIN { printf \"%.2f\", $w1 / $w2 }")x; output identical: $same"
mkdir "$T/r"
"$T/sdm_bench" recon "$T/d.pos" "$T/d.rrng" "$T/r" "$N" > "$T/engine.txt"
ce=$(awk '$1 == "c1" { print $2 }' "$T/r/params.txt")
echo "  z-SDM engine alone (csro_sdm_voxels, 1 thread): $(awk "BEGIN { printf \"%.3f\", $ce }") s CPU =" \
     "$(awk "BEGIN { printf \"%.0f\", 100 * $ce / $c1 }") % of the tool's CPU time"
if command -v perf > /dev/null 2>&1 &&
   perf record -q -F 20000 -o "$T/perf.data" $VOX --threads 1 -o "$T/p.zsdm" > /dev/null 2>&1; then
    perf report -i "$T/perf.data" --no-children --sort symbol 2> /dev/null |
        awk '/cs_sdm_kernel|run_blocks/ { s += $1 } END { printf "  perf: pair kernel (cs_sdm_kernel_*, run_blocks) %.0f %% of the tool'"'"'s samples\n", s }'
fi
"$PY" "$SRC/bench/ref_zsdm.py" "$T/r" > "$T/ref.txt"
grep -E 'mismatching' "$T/ref.txt" | head -1
read -r _ sw < "$T/r/scipy.txt"
sc=$(awk '$1 == "cpu" { print $2 }' "$T/r/scipy.txt")
echo "  published method (SciPy, $N voxels timed, extrapolated to the grid): $sw s wall, $sc s CPU"
echo "  whole tool vs published (1 thread each): $(awk "BEGIN { printf \"%.0f\", $sw / $w1 }")x wall," \
     "$(awk "BEGIN { printf \"%.0f\", $sc / $c1 }")x CPU time"
