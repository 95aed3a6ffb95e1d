#!/bin/sh
# context.sh: sub-cell F1 of the learned 3D context stage (issue 12) by
# condition, against the voxel-sum map of the same first stage at a
# calibrated threshold and the published ensemble at its best threshold on
# the very test specimens.
#
# First stage: $MODEL (a .csronet for the Co-Co pair) or, by default, the
# README recipe (reference-sweep bank of 1.5 nm crystals, seed 1, 15
# epochs). The context stage is trained twice (training seeds 1 and 2, each
# on its own NTRAIN simulated 16 nm specimens: random conditions over domain
# diameters 1-6 nm, volume fraction 3-10 %, sigma_xy 0.2-0.65 nm,
# efficiency 0.3-0.8, sigma_z 0.02-0.05 nm, with 8 % random specimens and
# 8 % random-label controls as negatives). The thresholds of the sum map and
# of each context stage are calibrated on NCAL further specimens (seeds
# 7000+). Test specimens (seeds 9000+, never used above): domain diameters
# 1-2, 2-3, 3-4 nm at 6 % volume; sigma_xy 0.3 / efficiency 0.5, and
# sigma_xy 0.2, 0.6 (efficiency 0.5), efficiency 0.3, 0.8 (sigma_xy 0.3);
# NSEED seeds each; plus random specimens and random-label controls.
# The published ensemble (data/mlapt/published_NiNi.csronet, relabelled for
# Co-Co) is skipped when absent. Writes $W/context.tsv and prints a table.
# Env: CSRO_SRCDIR, CSRO_BIN, CSRO_BUILD, PYTHON; NTRAIN (70), NCAL (6),
# NSEED (2), BOX (16), MODEL.
set -eu
: "${CSRO_SRCDIR:=$(pwd)}" "${CSRO_BIN:=$CSRO_SRCDIR/build/bin}" "${CSRO_BUILD:=$CSRO_SRCDIR/build}"
: "${PYTHON:=/usr/bin/python3}" "${NTRAIN:=70}" "${NCAL:=6}" "${NSEED:=2}" "${BOX:=16}"
cd "$CSRO_SRCDIR"
B=$CSRO_BIN
W=$CSRO_BUILD/context-bench
mkdir -p "$W/spec"
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude bench/context_eval.c "$CSRO_BUILD/libcsro.a" -lm -pthread \
   $(pkg-config --libs libtiff-4 zlib openblas) -o "$W/context_eval"
if [ -n "${MODEL:-}" ]; then cp "$MODEL" "$W/m.csronet"
elif [ ! -f "$W/m.csronet" ]; then
    $B/csro-simulate --quiet --size 1.5 --class FCC:random:Co:1,Cr:1,Ni:1 --class CSRO:L12:Co \
        --pair Co-Co --sweep reference --seed 1 -o "$W/bank.zsdm"
    $B/csro-train --quiet --epochs 15 --seed 1 "$W/bank.zsdm" -o "$W/m.csronet"
fi
PUB=$CSRO_SRCDIR/data/mlapt/published_NiNi.csronet
if [ -r "$PUB" ] && [ ! -f "$W/pub.csronet" ]; then
    CSRO_LIBRARY=$CSRO_BUILD/libcsro.so.1 PYTHONPATH=$CSRO_SRCDIR/python $PYTHON - "$PUB" "$W/pub.csronet" <<'PY' || rm -f "$W/pub.csronet"
import sys, csro
e = csro.Ensemble.load(sys.argv[1])
c = e.contract
e.contract = csro.Meta(kind=c.kind, sdm=c.sdm_opts(), pair=("Co", "Co"), preprocess=c.preprocess,
                       classes=c.classes)
e.save(sys.argv[2])
PY
fi

# spec SEED KIND DMIN DMAX FRAC SXY EFF SZ -> $W/spec/SEED.{pos,truth,rrng,prob[,pub.prob]}
spec() {
    s=$1 kind=$2 dmin=$3 dmax=$4 fr=$5 sxy=$6 eff=$7 sz=$8; f=$W/spec/$s
    dom="--domains Co:$dmin:$dmax:$fr"; rl=""
    [ "$kind" = rnd ] && dom=""
    [ "$kind" = lab ] && rl="--random-labels $s"
    [ -f "$f.pos" ] || $B/apt-simulate --quiet --box $BOX,$BOX,$BOX $dom --efficiency $eff --sigma-xy $sxy \
        --sigma-z $sz --seed $s --truth "$f.truth" --ranges "$f.rrng" -o "$f.pos"
    [ -f "$f.prob" ] || $B/apt-voxelize --quiet $rl -r "$f.rrng" -p Co-Co "$f.pos" -o - |
        $B/csro-classify -q -t 1 -m "$W/m.csronet" - -o "$f.prob"
    if [ -n "${WITHPUB:-}" ] && [ -f "$W/pub.csronet" ] && [ ! -f "$f.pub.prob" ]; then
        $B/apt-voxelize --quiet $rl -r "$f.rrng" -p Co-Co "$f.pos" -o - |
            $B/csro-classify -q -t 1 -m "$W/pub.csronet" - -o "$f.pub.prob"
    fi
    t=$f.truth; [ "$kind" = dom ] || t=-
    echo "$f.prob $t $f.pos"
}
# random training / calibration conditions from the seed (awk's srand)
randspec() {
    set -- $(awk -v s="$1" 'BEGIN { srand(s); split("1 1.5 2 3 2 4", lo); split("2 3 3 4 4 6", hi); k = int(rand() * 6) + 1
        u = rand(); kind = u < 0.84 ? "dom" : (u < 0.92 ? "rnd" : "lab")
        printf "%s %s %s %.3f %.3f %.3f %.3f\n", kind, lo[k], hi[k], 0.03 + 0.07 * rand(), 0.2 + 0.45 * rand(),
               0.3 + 0.5 * rand(), 0.02 + 0.03 * rand() }')
    spec "$SEED" "$@"
}
for ts in 1 2; do
    if [ ! -f "$W/ctx$ts.csronet" ]; then
        : > "$W/train$ts.list"
        i=0
        while [ $i -lt "$NTRAIN" ]; do SEED=$((ts * 1000 + i)); randspec $SEED >> "$W/train$ts.list"; i=$((i + 1)); done
        $B/csro-train-context -q --seed $ts -m "$W/m.csronet" -l "$W/train$ts.list" -o "$W/ctx$ts.csronet" \
            --sample 0.3 --source "bench/context.sh training seed $ts: $NTRAIN specimens, seeds $((ts * 1000))+"
    fi
done
: > "$W/cal.list"
i=0
while [ $i -lt "$NCAL" ]; do SEED=$((7000 + i)); randspec $SEED | sed "s|^|cal$i |" >> "$W/cal.list"; i=$((i + 1)); done
# test specimens
: > "$W/test.list"; : > "$W/testpub.list"
s=9000
WITHPUB=1; export WITHPUB
for d in 1:2 2:3 3:4; do
    for c in 0.3:0.5 0.2:0.5 0.6:0.5 0.3:0.3 0.3:0.8; do
        k=0
        while [ $k -lt "$NSEED" ]; do
            s=$((s + 1)); k=$((k + 1))
            line=$(spec $s dom ${d%:*} ${d#*:} 0.06 ${c%:*} ${c#*:} 0.03)
            echo "dom:${d%:*}-${d#*:}:${c%:*}:${c#*:}:$s $line" >> "$W/test.list"
            [ -f "$W/spec/$s.pub.prob" ] && echo "dom:${d%:*}-${d#*:}:${c%:*}:${c#*:}:$s $W/spec/$s.pub.prob ${line#* }" >> "$W/testpub.list"
        done
    done
done
for kind in rnd lab; do
    k=0
    while [ $k -lt "$NSEED" ]; do
        s=$((s + 1)); k=$((k + 1))
        line=$(spec $s $kind 2 3 0.06 0.3 0.5 0.03)
        echo "$kind:$s $line" >> "$W/test.list"
        [ -f "$W/spec/$s.pub.prob" ] && echo "$kind:$s $W/spec/$s.pub.prob ${line#* }" >> "$W/testpub.list"
    done
done
unset WITHPUB
# confusion counts at every threshold: sum map and both context stages
for ts in 1 2; do
    "$W/context_eval" -c "$W/ctx$ts.csronet" "$W/cal.list" | sed "s/\tctx\t/\tctx$ts\t/" | grep -v "	sum	" > "$W/cal$ts.tsv"
    "$W/context_eval" -c "$W/ctx$ts.csronet" "$W/test.list" | sed "s/\tctx\t/\tctx$ts\t/" | grep -v "	sum	" > "$W/test$ts.tsv"
done
"$W/context_eval" "$W/cal.list" > "$W/cal0.tsv"
"$W/context_eval" "$W/test.list" > "$W/test0.tsv"
: > "$W/testpub.tsv"
[ -s "$W/testpub.list" ] && "$W/context_eval" "$W/testpub.list" | sed 's/\tsum\t/\tpub\t/' > "$W/testpub.tsv"
cat "$W/cal0.tsv" "$W/cal1.tsv" "$W/cal2.tsv" > "$W/cal.tsv"
cat "$W/test0.tsv" "$W/test1.tsv" "$W/test2.tsv" "$W/testpub.tsv" > "$W/test.tsv"
$PYTHON bench/context_table.py "$W/cal.tsv" "$W/test.tsv" "$W/context.tsv"
# speed: context stage (features + ensemble) against voxelize + classify on
# one 16 nm test specimen, same command, best of 3 each
f=$W/spec/9001
now() { date +%s.%N; }
best() { awk 'NR == 1 || $1 < m { m = $1 } END { print m }'; }
t_vc=$(for r in 1 2 3; do a=$(now); $B/apt-voxelize --quiet -r "$f.rrng" -p Co-Co "$f.pos" -o - |
       $B/csro-classify -q -m "$W/m.csronet" - -o "$W/speed.prob"; b=$(now); echo "$a $b" | awk '{print $2 - $1}'; done | best)
echo "speed $f.prob - $f.pos" | sed "s|^speed |speed |" > "$W/speed.list"
t_0=$(for r in 1 2 3; do a=$(now); "$W/context_eval" "$W/speed.list" > /dev/null; b=$(now); echo "$a $b" | awk '{print $2 - $1}'; done | best)
t_c=$(for r in 1 2 3; do a=$(now); "$W/context_eval" -c "$W/ctx1.csronet" "$W/speed.list" > /dev/null; b=$(now); echo "$a $b" | awk '{print $2 - $1}'; done | best)
awk -v vc="$t_vc" -v z="$t_0" -v c="$t_c" 'BEGIN { printf "speed: voxelize + classify %.2f s; context stage %.2f s = %.2fx of it\n", vc, c - z, (c - z) / vc }'
