# t_readme.sh: the README's pipeline (the sh block under "The method in one
# pipeline"), read from README.md at run time and run exactly as written on
# the shipped real CoCrNi ions, in a scratch directory whose build/ and
# tests/data/ point at this build and tests/data. Environment overrides
# are set only when the block itself names them (EPOCHS for training).
# Every file the block writes with -o must exist and be non-empty.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
readme="$CSRO_SRCDIR/README.md"
awk '/^## The method in one pipeline/ {s = 1; next}
     s == 1 && /^```sh/ {s = 2; next}
     s == 2 && /^```/ {exit}
     s == 2 {print}' "$readme" > "$T/pipeline.sh"
[ -s "$T/pipeline.sh" ] || die "t_readme: no sh block under '## The method in one pipeline' in $readme"
run="$T/run"
mkdir -p "$run/tests"
ln -s "$CSRO_BUILD" "$run/build"
ln -s "$CSRO_TESTDATA" "$run/tests/data"
[ "$CSRO_BIN" = "$CSRO_BUILD/bin" ] || die "t_readme: CSRO_BIN is not CSRO_BUILD/bin"
# Training the full ensemble takes a minute; the README offers EPOCHS.
if grep -q '\${EPOCHS' "$T/pipeline.sh"; then export EPOCHS=2; fi
# Commands that would need the published models or files we do not ship
# stay comments in the block; everything else runs.
if ! (cd "$run" && sh -eu "$T/pipeline.sh") > "$T/stdout.txt" 2> "$T/stderr.txt"; then
    echo "t_readme: the README pipeline failed:"; sed 's/^/    /' "$T/pipeline.sh"
    echo "stderr:"; tail -20 "$T/stderr.txt"; exit 1
fi
n=0
for f in $(grep -v '^[[:space:]]*#' "$T/pipeline.sh" | grep -oE '(-o|--projection|--vtk) [^ |]+' | awk '{print $2}'); do
    [ "$f" = - ] && continue
    n=$((n + 1))
    # (csro-extract --thresholds writes one file per band: NAME_LO-HI.EXT)
    [ -s "$run/$f" ] || ls "$run/${f%.*}"_*."${f##*.}" >/dev/null 2>&1 || die "t_readme: the pipeline did not write $f"
done
[ "$n" -ge 5 ] || die "t_readme: only $n output files named in the README pipeline"
# the report's page lists its figures
if [ -f "$run/co_report/index.html" ]; then
    grep -q '<img src="map_slices.png"' "$run/co_report/index.html" || die "t_readme: co_report has no map figure"
fi
echo "t_readme: README pipeline ran ($(grep -cv '^[[:space:]]*#' "$T/pipeline.sh") command lines, $n outputs)"
