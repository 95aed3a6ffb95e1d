# t_notebook.sh: examples/python/cocrni_real.py runs as a script and, when
# nbformat, nbclient and ipykernel are installed (Debian python3-nbformat,
# python3-nbclient, python3-ipykernel), as a notebook made by
# examples/python/to_notebook.py: the notebook validates, executes in a
# kernel and prints what the script prints, on the shipped real ions (a
# slab of them, for time) and writes the same figures.
. "$CSRO_SRCDIR/tests/tools/lib.sh"
D="$CSRO_SRCDIR/data/mlapt"
[ -f "$D/published_NiNi.csronet" ] || { echo "skip: no data/mlapt"; exit 0; }
lib="$CSRO_BUILD/libcsro.so.1"
if [ -n "${MAKELEVEL:-}" ] || [ ! -e "$lib" ]; then make -s -C "$CSRO_SRCDIR" lib >/dev/null; fi
if ldd "$lib" 2>/dev/null | grep -q libasan; then
    echo "skip: sanitizer build (a Jupyter kernel is not run under ASan; make check runs this test)"; exit 0
fi
EX="$CSRO_SRCDIR/examples/python"
export PYTHONPATH="$CSRO_SRCDIR/python" CSRO_LIBRARY="$lib" PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg \
    PYDEVD_DISABLE_FILE_VALIDATION=1
ARGS="--data $D --z=-45,-37"
# the script (from another folder: the data are found through --data)
(cd "$T" && $PYTHON "$EX/cocrni_real.py" $ARGS -o "$T/script" > "$T/script.txt")
grep -q "CSRO volume fraction: real" "$T/script.txt" || die "script: $(cat "$T/script.txt")"
if ! $PYTHON -c 'import nbformat, nbclient, ipykernel' 2>/dev/null; then
    expect_fail 1 $PYTHON "$EX/to_notebook.py" "$EX/cocrni_real.py" -o "$T/nb.ipynb"
    grep -q "nbformat is not installed" "$T/err.txt" || die "to_notebook.py message: $(cat "$T/err.txt")"
    echo "skip: nbformat/nbclient/ipykernel not installed: the notebook route is not run"; exit 0
fi
$PYTHON "$EX/to_notebook.py" "$EX/cocrni_real.py" -o "$T/nb.ipynb" > /dev/null
CSRO_EXAMPLE_ARGS="$ARGS -o $T/nb" $PYTHON - "$T" <<'PY'
import sys
import nbclient, nbformat
t = sys.argv[1]
nb = nbformat.read(t + "/nb.ipynb", as_version=4)
nbformat.validate(nb)
kinds = [c.cell_type for c in nb.cells]
assert kinds.count("markdown") >= 3 and kinds.count("code") >= 5, kinds
nbclient.NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": t}}).execute()
text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs
               if o.output_type == "stream" and o.name == "stdout")
script = open(t + "/script.txt").read()
strip = lambda s: [l for l in s.splitlines() if not l.startswith("wrote ")]  # names its own folder
assert strip(text) == strip(script), (text, script)
print("notebook: %d cells ran, output equal to the script's" % len(nb.cells))
PY
for f in spectrum.png csro_map.png csro_map.tif; do
    [ -s "$T/nb/$f" ] && [ -s "$T/script/$f" ] || die "$f missing"
done
cmp "$T/nb/csro_map.tif" "$T/script/csro_map.tif" || die "notebook and script maps differ"
echo "t_notebook: ok"
