#!/bin/sh
# bench/recon_load.sh [N]: loading speed of csro_recon_load for an N-ion
# POS file and the same ions as APT and CSV (default N = 10^7: 160 MB POS), in MB/s
# of file bytes, against baselines run in the same command on the same
# (page-cache warm) file: `cat file > /dev/null` and `dd bs=4M` (read(2)
# into user memory, what the loader does). Best of 3 runs each. Peak RSS
# from /usr/bin/time -v against the in-memory size of the four float32
# arrays (16 N bytes).
# Run from the source tree after `make`: sh bench/recon_load.sh [N]
set -eu
N=${1:-10000000}
top=$(cd "$(dirname "$0")/.." && pwd)
B=${CSRO_BUILD:-$top/build}
[ -f "$B/libcsro.a" ] || { echo "build the library first (make)"; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/csro-bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
deps=$(pkg-config --libs libtiff-4 zlib openblas 2>/dev/null || true)
${CC:-cc} -O2 -std=c11 -D_GNU_SOURCE -I"$top/include" -o "$tmp/recon_load" "$top/bench/recon_load.c" \
    "$B/libcsro.a" $deps -lm -pthread
"$tmp/recon_load" gen "$N" "$tmp/r.pos" "$tmp/r.csv" "$tmp/r.apt"
mem=$((N * 16))
echo "recon_load: N = $N ions, in-memory size $((mem / 1000000)) MB, best of 3 runs"

# best wall time (s) of 3 runs of a shell command
best3() {
    b=""
    for i in 1 2 3; do
        t0=$(date +%s.%N); sh -c "$1"; t1=$(date +%s.%N)
        b=$(echo "$t1 $t0 ${b:-1e9}" | awk '{d = $1 - $2; print (d < $3 ? d : $3)}')
    done
    echo "$b"
}

for f in r.pos r.apt r.csv; do
    p="$tmp/$f"
    size=$(stat -c %s "$p")
    cat "$p" > /dev/null   # warm the page cache
    cat_s=$(best3 "cat '$p' > /dev/null")
    dd_s=$(best3 "dd if='$p' of=/dev/null bs=4M 2>/dev/null")
    load_s=1e9
    for i in 1 2 3; do
        out=$(/usr/bin/time -v -o "$tmp/time.txt" "$tmp/recon_load" load "$p")
        set -- $out
        load_s=$(echo "$2 $load_s" | awk '{print ($1 < $2 ? $1 : $2)}')
    done
    rss_kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$tmp/time.txt")
    awk -v f="$f" -v size="$size" -v cat_s="$cat_s" -v dd_s="$dd_s" -v s="$load_s" -v rss="$rss_kb" -v mem="$mem" 'BEGIN {
        mbs = size / 1e6 / s; cat_mbs = size / 1e6 / cat_s; dd_mbs = size / 1e6 / dd_s;
        printf "%s %.1f MB: load %.3f s = %.0f MB/s | cat %.0f MB/s (load/cat %.3f) | dd bs=4M %.0f MB/s (load/dd %.3f) | peak RSS %.1f MB = %.3f x in-memory size\n",
               f, size / 1e6, s, mbs, cat_mbs, mbs / cat_mbs, dd_mbs, mbs / dd_mbs, rss * 1024 / 1e6, rss * 1024 / mem }'
done
