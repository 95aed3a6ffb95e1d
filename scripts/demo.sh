#!/bin/sh
# make demo: the whole ML-APT method on an embedded default, in about a
# minute on 2 cores. Writes everything to demo-out/, prints the time of
# each step and a summary, and ends with an HTML report (csro-report).
#  1. simulate a labelled z-SDM bank (random FCC vs L1_2 Co3X, Co-Co pairs)
#  2. train the 5-fold CNN ensemble on it
#  3. simulate a CoCrNi specimen with planted L1_2 Co domains (other seed)
#  4. voxelize, classify; the random-label control (shuffled masses)
#  5. map, extract, compute statistics, score vs truth
#  6. the published ML-APT ensemble on the real CoCrNi ions shipped in
#     data/mlapt/ (and on their random-label control)
#  7. the reports: DIR/index.html with the figures
# DEMO_QUICK=1 runs the same steps on a smaller problem in seconds (a
# smaller bank, 2 folds x 2 epochs, a 10 nm cube): tests/tools/t_demo.sh.
set -eu
B=${CSRO_BIN:-build/bin}
D=${CSRO_TESTDATA:-tests/data}
O=${DEMO_OUT:-demo-out}
MLAPT=${CSRO_MLAPT_DATA:-data/mlapt}
mkdir -p "$O"
now() { date +%s.%N; }
t0=$(now)
step() { printf '%-62s' "$1"; ts=$(now); }
if [ -n "${DEMO_QUICK:-}" ]; then
    BANK="--random 150" NPAT=300 EPOCHS=2 FOLDS=2 BOX=10
else
    BANK="--sweep reference" NPAT=6500 EPOCHS=15 FOLDS=5 BOX=20
fi
ok() { awk -v a="$ts" -v b="$(now)" 'BEGIN {printf "%5.1f s\n", b - a}'; }

step "1. pattern bank: csro-simulate ($NPAT patterns)"
$B/csro-simulate --quiet --size 1.5 --class FCC:random:Co:1,Cr:1,Ni:1 --class CSRO:L12:Co \
    --pair Co-Co --pole 0,0,1 $BANK --seed 1 -o "$O/bank.zsdm"
ok
step "2. training: csro-train ($FOLDS folds x $EPOCHS epochs)"
$B/csro-train --epochs $EPOCHS --folds $FOLDS --seed 1 --log "$O/train_log.tsv" "$O/bank.zsdm" \
    -o "$O/model.csronet" > "$O/train_report.txt" 2>&1 || { cat "$O/train_report.txt"; exit 1; }
ok
step "3. specimen: apt-simulate ($BOX nm cube, 5% Co-L1_2 domains)"
$B/apt-simulate --quiet --box $BOX,$BOX,$BOX --domains Co:2:3:0.05 --efficiency 0.5 --sigma-xy 0.3 \
    --sigma-z 0.03 --seed 11 --truth "$O/specimen.truth" --ranges "$O/specimen.rrng" \
    --domain-list "$O/domains.tsv" -o "$O/specimen.pos"
ok
step "4. voxelize + classify: apt-voxelize | csro-classify"
$B/apt-voxelize --quiet -r "$O/specimen.rrng" -p Co-Co "$O/specimen.pos" -o - |
    $B/csro-classify -q -m "$O/model.csronet" - -o "$O/specimen.prob"
ok
step "   random-label control: the same with shuffled masses"
$B/apt-voxelize --quiet --random-labels 7 -r "$O/specimen.rrng" -p Co-Co "$O/specimen.pos" -o - |
    $B/csro-classify -q -m "$O/model.csronet" - -o "$O/control.prob"
ok
step "   default flow: the shipped Co-Co model (no -m, its map rule)"
$B/apt-voxelize --quiet -r "$O/specimen.rrng" -p Co-Co "$O/specimen.pos" -o - |
    $B/csro-classify -q - -o "$O/default.prob"
$B/csro-score -q -M "$O/default.prob" --truth "$O/specimen.truth" "$O/specimen.pos" > "$O/default_score.tsv"
ok
step "5. map, extract, statistics, score"
$B/csro-map "$O/specimen.prob" -o "$O/csro_map.tif" --projection "$O/csro_projection.tif" \
    --vtk "$O/csro_map.vtk" --vti "$O/csro_map.vti" 2>/dev/null
$B/csro-map -q "$O/specimen.prob" -o "$O/csro_map.h5"   # NeXus/HDF5 with provenance
$B/csro-extract -M "$O/specimen.prob" "$O/specimen.pos" -o "$O/csro_atoms.pos" 2>/dev/null
$B/csro-stats -q "$O/specimen.prob" > "$O/stats.tsv"
$B/csro-stats -q "$O/control.prob" > "$O/control_stats.tsv"
$B/csro-score -q -M "$O/specimen.prob" --truth "$O/specimen.truth" --domains "$O/domains.tsv" \
    --condition demo "$O/specimen.pos" > "$O/score.tsv"
ok

real=""
if [ -f "$MLAPT/published_NiNi.csronet" ]; then
    step "6. real CoCrNi ions: published ensemble (Ni-Ni)"
    for set in csro randomized; do
        # the default flow: raw counts; the classify stage gives them the
        # reference's experimental preprocessing (the model is imported)
        $B/apt-voxelize --quiet -r "$MLAPT/ranges_cocrni.rrng" -p Ni-Ni \
            "$MLAPT/cocrni_annealed_NiNi_${set}_extract.pos" -o "$O/real_${set}_NiNi.zsdm"
        $B/csro-classify -q -m "$MLAPT/published_NiNi.csronet" "$O/real_${set}_NiNi.zsdm" \
            -o "$O/real_${set}_NiNi.prob"
        $B/csro-stats -q "$O/real_${set}_NiNi.prob" > "$O/real_${set}_stats.tsv"
    done
    $B/csro-map "$O/real_csro_NiNi.prob" -o "$O/real_NiNi_map.tif" 2>/dev/null
    real=1
    ok
else
    echo "6. real CoCrNi ions: skipped ($MLAPT/published_NiNi.csronet not found)"
fi
step "7. reports: csro-report (figures, HTML)"
$B/csro-report -q "$O/specimen.prob" --recon "$O/specimen.pos" --ranges "$O/specimen.rrng" \
    --truth "$O/specimen.truth" --control "$O/control.prob" --model "$O/model.csronet" \
    --train-log "$O/train_log.tsv" --train-report "$O/train_report.txt" --score "$O/score.tsv" \
    --title "make demo: simulated CoCrNi with planted L1_2 Co domains" -o "$O/report"
if [ -n "$real" ]; then
    $B/csro-report -q "$O/real_csro_NiNi.prob" --zsdm "$O/real_csro_NiNi.zsdm" \
        --recon "$MLAPT/cocrni_annealed_NiNi_csro_extract.pos" --ranges "$MLAPT/ranges_cocrni.rrng" \
        --control "$O/real_randomized_NiNi.prob" --control-zsdm "$O/real_randomized_NiNi.zsdm" \
        --model "$MLAPT/published_NiNi.csronet" \
        --title "make demo: real CoCrNi (annealed), published ML-APT ensemble" -o "$O/real_report"
fi
ok

get() { awk -F'\t' -v k="$2" '$1==k{print $2; exit}' "$1"; }
pct() { awk -v v="$1" 'BEGIN {printf "%.1f %%", 100 * v}'; }
echo
echo "== summary (threshold 3.75, the published sub-cell sum) =="
awk '/^accuracy/{printf "trained ensemble: held-out accuracy %.1f %%\n", 100 * $2}' "$O/train_report.txt"
echo "planted: $(($(wc -l < "$O/domains.tsv") - 1)) domains, CSRO volume $(pct "$(awk -v b=$BOX 'NR>1{v+=3.14159265/6*$4^3} END{print v/(b*b*b)}' "$O/domains.tsv")")"
echo "map: CSRO volume $(pct "$(get "$O/stats.tsv" volume_fraction)"), $(get "$O/stats.tsv" domains) domains of mean diameter $(awk -v v="$(get "$O/stats.tsv" diameter_mean_nm)" 'BEGIN {printf "%.1f", v}') nm"
echo "random-label control: CSRO volume $(pct "$(get "$O/control_stats.tsv" volume_fraction)"), $(get "$O/control_stats.tsv" domains) domains"
awk -F'\t' '$2=="ion"||$2=="subcell"{printf "%-8s precision %.2f  recall %.2f  F1 %.2f  false-positive rate %.2f %%\n", $2, $7, $8, $9, 100 * $11}
            $2=="all"{printf "planted domains found: %s of %s (%.0f %%)\n", $4, $3, 100*$5}' "$O/score.tsv"
awk -F'\t' '$2=="subcell"{printf "default flow (shipped model, calibrated context-stage rule): sub-cell precision %.2f  recall %.2f  F1 %.2f\n", $7, $8, $9}' "$O/default_score.tsv"
echo "how to read: precision = share of what was selected that is truly CSRO, recall = share of the planted CSRO that was found, F1 = their harmonic mean (1 is perfect); the control shows the false-positive level."
if [ -n "$real" ]; then
    echo "real CoCrNi, published ensemble: CSRO volume $(pct "$(get "$O/real_csro_stats.tsv" volume_fraction)") on the $(($(wc -c < "$MLAPT/cocrni_annealed_NiNi_csro_extract.pos") / 16)) extracted ions, $(pct "$(get "$O/real_randomized_stats.tsv" volume_fraction)") on their random-label control"
fi
echo "files: $O/csro_map.tif (open in Fiji/napari), $O/csro_map.vti (ParaView), $O/csro_map.h5 (h5py, NeXus), $O/csro_atoms.pos, $O/stats.tsv, $O/score.tsv"
awk -v a="$t0" -v b="$(now)" 'BEGIN {printf "total %.0f s\n", b - a}'
[ -z "$real" ] || echo "report of the real ions: $O/real_report/index.html"
echo "report: $O/report/index.html"
