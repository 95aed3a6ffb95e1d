#!/bin/sh
# tests/fuzz/run.sh replay|fuzz DIR: seeds and reproducers made at run time
# (tests/fuzz/seeds.py, tests/data, tool outputs), then
#   replay: the plain drivers DIR/drive_<target> over them (make check);
#   fuzz:   the libFuzzer binaries DIR/fuzz_<target> for FUZZ_TIME seconds
#           each (make check-fuzz), corpora in tests/fuzz/corpus-<target>/,
#           crashes as tests/fuzz/crash-<target>-* (both ignored by git).
set -eu
mode=$1 dir=$2
src=$CSRO_SRCDIR D=$CSRO_TESTDATA B=$CSRO_BIN
TARGETS=${FUZZ_TARGETS:-"pos epos apt csv rrng rng zsdm prob csronet ato env"}
S=$(mktemp -d /tmp/csro-fuzz-seeds-XXXXXX)
trap 'rm -rf "$S"' EXIT
"$PYTHON" "$src/tests/fuzz/seeds.py" "$S"
case " $TARGETS " in *" keras "*) "$PYTHON" "$src/tests/fuzz/seeds_keras.py" "$S"; mkdir -p "$S/keras" ;; esac
mkdir -p "$S/pos" "$S/epos" "$S/apt" "$S/csv" "$S/rrng" "$S/rng" "$S/env"
cp "$D/recon_tiny.pos" "$S/pos/"; cp "$D/recon_tiny.epos" "$S/epos/"; cp "$D/recon_tiny.apt" "$S/apt/"
head -40 "$D/cocrni_2000.csv" > "$S/csv/cocrni_40.csv"
printf '# x y z m\n1,2,3,4\n5 6 7 8\n' > "$S/csv/small.csv"
cp "$D/ranges_basic.rrng" "$D/ranges_cocrni.rrng" "$S/rrng/"; cp "$D/ranges_basic.rng" "$D/ranges_poly.rng" "$S/rng/"; cp "$D/ranges_rouen.env" "$S/env/"
# tool outputs: a small z-SDM map of the real ions
"$B/apt-voxelize" --quiet -r "$D/ranges_cocrni.rrng" -p Ni-Ni --voxel 2 --stride 2 "$D/cocrni_2000.csv" -o "$S/zsdm/cocrni.zsdm"

case $mode in
replay)
    fail=0
    for t in $TARGETS; do
        "$dir/drive_$t" "$S/$t" || fail=1
    done
    [ "$fail" = 0 ] || { echo "fuzz replay: failures above"; exit 1; }
    echo "fuzz replay: $(ls "$S"/*/ | grep -c .) seeds and reproducers over $(echo $TARGETS | wc -w) parsers, all handled"
    ;;
fuzz)
    T=${FUZZ_TIME:-60}
    printf '%-8s %12s %10s %s\n' target executions exec/s result
    bad=0
    for t in $TARGETS; do
        c="$src/tests/fuzz/corpus-$t"
        mkdir -p "$c"
        set +e
        "$dir/fuzz_$t" -rss_limit_mb=2048 -malloc_limit_mb=512 -timeout=10 -max_total_time="$T" \
            -artifact_prefix="$src/tests/fuzz/crash-$t-" -print_final_stats=1 "$c" "$S/$t" > "$S/$t.log" 2>&1
        rc=$?
        set -e
        runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$S/$t.log" | tail -1)
        rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$S/$t.log" | tail -1)
        if [ "$rc" = 0 ]; then res=ok; else
            cp "$S/$t.log" "$src/tests/fuzz/crash-$t.log"
            res="FINDING (see tests/fuzz/crash-$t.log, tests/fuzz/crash-$t-*)"; bad=1; tail -30 "$S/$t.log"
        fi
        printf '%-8s %12s %10s %s\n' "$t" "${runs:-?}" "${rate:-?}" "$res"
    done
    [ "$bad" = 0 ]
    ;;
*) echo "usage: run.sh replay|fuzz DIR" >&2; exit 2 ;;
esac
