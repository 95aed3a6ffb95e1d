#!/bin/sh
# Speed of the default flow (issue 12): the three commands with the shipped
# model and its map rule,
#   apt-voxelize -r R -p Ni-Ni recon -o - | csro-classify -o x.prob
#   csro-map x.prob -o map.tif --mask mask.tif
# against today's flow on the same specimen in the same command:
# apt-voxelize | csro-classify -m <the published 5-member ensemble> and
# csro-map (reference sum map, 3.75). Specimens: the real CoCrNi extract
# (data/mlapt, when present) and a simulated 20 nm CoCrNi cube with Ni
# domains. Best of 3 runs each; prints the ratio (target <= 1.5).
set -eu
cd "${CSRO_SRCDIR:-.}"
B=${CSRO_BIN:-build/bin}
W=${CSRO_BUILD:-build}/default_flow
PUB=data/mlapt/published_NiNi.csronet
mkdir -p "$W"
[ -f models/Ni-Ni.csronet ] || { echo "default_flow: no models/Ni-Ni.csronet (run make models)"; exit 1; }
[ -f "$PUB" ] || { echo "default_flow: $PUB absent: no baseline, skipped"; exit 0; }
now() { date +%s.%N; }
best() { # command string: best wall time of 3 runs
    b=""
    for i in 1 2 3; do
        t0=$(now); sh -c "$1"; t1=$(now)
        b=$(echo "$t0 $t1 ${b:-1e9}" | awk '{d = $2 - $1; print (d < $3) ? d : $3}')
    done
    echo "$b"
}
$B/apt-simulate --quiet --box 20,20,20 --domains Ni:2:4:0.06 --seed 7900 --ranges "$W/sim.rrng" -o "$W/sim.pos"
for spec in "data/mlapt/cocrni_annealed_NiNi_csro_extract.pos tests/data/ranges_cocrni.rrng" "$W/sim.pos $W/sim.rrng"; do
    set -- $spec
    [ -f "$1" ] || continue
    base=$(best "$B/apt-voxelize --quiet -r $2 -p Ni-Ni $1 -o - | $B/csro-classify -q -m $PUB -o $W/b.prob &&
                 $B/csro-map -q $W/b.prob --mode sum -o $W/b.tif --mask $W/bm.tif")
    new=$(best "$B/apt-voxelize --quiet -r $2 -p Ni-Ni $1 -o - | $B/csro-classify -q -o $W/d.prob &&
                $B/csro-map -q $W/d.prob -o $W/d.tif --mask $W/dm.tif")
    echo "$(basename "$1"): today's flow (published 5-member ensemble, sum map) $base s;" \
         "default flow (shipped model + its rule) $new s; ratio $(echo "$new $base" | awk '{printf "%.2f", $1 / $2}') (target <= 1.5)"
done
