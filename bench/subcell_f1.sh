#!/bin/sh
# subcell_f1.sh: quick fixed harness for issue 12 (sub-cell F1 of the
# default flow). 11 simulated 16 nm CoCrNi cubes with planted L1_2 domains
# of the pair (6 % volume, sigma_z 0.03 nm), test seeds 7101-7132, never
# used by make models: 2-4 nm and 1-2 nm domains at sigma_xy 0.3 nm /
# efficiency 0.5 (3 seeds each), three off-condition specimens (2-4 nm at
# 0.5 / 0.3 and 0.2 / 0.8; 1-2 nm at 0.4 / 0.7), a random specimen and a
# random-label control. Each goes through the three default commands
# (apt-voxelize | csro-classify [-m MODEL]; csro-score reads the map rule
# the .prob carries) and the sub-cell F1 / precision / recall (selected
# fraction for the controls) is printed per specimen, then the means,
# next to the oracle's F1 (bench/subcell_oracle.c: the sub-cells whose
# centre lies in a planted sphere, the ceiling under csro-score's truth).
# Usage: sh bench/subcell_f1.sh [MODEL.csronet]   env PAIR (Co), CSRO_BIN, CSRO_BUILD
set -eu
cd "${CSRO_SRCDIR:-.}"
B=${CSRO_BIN:-build/bin}
W=${CSRO_BUILD:-build}/subcell_f1
X=${PAIR:-Co}
M=""; [ $# -ge 1 ] && M="-m $1"
mkdir -p "$W"
cc -std=c11 -D_GNU_SOURCE -O2 -Iinclude bench/subcell_oracle.c "${CSRO_BUILD:-build}/libcsro.a" -lm -pthread \
   $(pkg-config --libs libtiff-4 zlib openblas) -o "$W/oracle"
one() { # KIND SEED DMIN DMAX SXY EFF
    f=$W/$X$2; dom="--domains $X:$3:$4:0.06"; rl=""
    [ "$1" = rnd ] && dom=""
    [ "$1" = lab ] && rl="--random-labels 7"
    [ -f "$f.pos" ] || nice $B/apt-simulate --quiet --box 16,16,16 $dom --efficiency $6 --sigma-xy $5 \
        --sigma-z 0.03 --seed $2 --truth "$f.truth" --ranges "$f.rrng" --domain-list "$f.dom" -o "$f.pos"
    nice $B/apt-voxelize --quiet $rl -r "$f.rrng" -p $X-$X "$f.pos" -o - | nice $B/csro-classify -q $M -o "$f.prob"
    nice $B/csro-score -q -M "$f.prob" --truth "$f.truth" --no-header --condition "$1:$2:$3-$4:$5:$6" "$f.pos" |
        awk -v o="$([ "$1" = dom ] && "$W/oracle" "$f.prob" "$f.truth" "$f.pos" "$f.dom" | cut -f1)" \
            'BEGIN { OFS = "\t" } $2 == "subcell" { print $0, o }'
}
{
    for s in 7101 7102 7103; do one dom $s 2 4 0.3 0.5; done
    for s in 7111 7112 7113; do one dom $s 1 2 0.3 0.5; done
    one dom 7121 2 4 0.5 0.3; one dom 7122 2 4 0.2 0.8; one dom 7123 1 2 0.4 0.7
    one rnd 7131 2 4 0.3 0.5; one lab 7132 2 4 0.3 0.5
} | awk -F'\t' '{
    split($1, c, ":"); tp = $3; fp = $4; fn = $5; tn = $6
    if (c[1] == "dom") {
        f1 = tp ? 2 * tp / (2 * tp + fp + fn) : 0
        printf "%-24s F1 %.3f  P %.3f  R %.3f  (oracle %.3f)\n", $1, f1, tp + fp ? tp / (tp + fp) : 0, tp / (tp + fn), $13
        g = c[3] ((c[4] == "0.3" && c[5] == "0.5") ? "" : " off-condition"); s[g] += f1; n[g]++; so[g] += $13
    } else printf "%-24s selected %.2f %%\n", $1, 100 * (tp + fp) / (tp + fp + fn + tn)
} END { for (g in s) printf "mean F1 %s: %.3f (%d; oracle %.3f)\n", g, s[g] / n[g], n[g], so[g] / n[g] }'
