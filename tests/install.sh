#!/bin/sh
# Install into a temporary prefix (with DESTDIR staging), build every
# example against the installed copy through pkg-config, run them, then
# uninstall and check nothing is left.
set -eu
cd "$CSRO_SRCDIR"
stage=$(mktemp -d /tmp/csro-install-XXXXXX)
trap 'rm -rf "$stage"' EXIT
prefix=/opt/csro-test
make -s install PREFIX=$prefix DESTDIR="$stage" BUILD="${CSRO_BUILD##*/}" >/dev/null
root="$stage$prefix"
test -L "$root/lib/libcsro.so" && test -e "$root/lib/libcsro.so.1" && test -f "$root/lib/libcsro.a"
test -f "$root/include/csro.h" && test -f "$root/lib/pkgconfig/csro.pc"
# the shipped default models
for m in models/*.csronet; do
    [ -e "$m" ] || continue
    cmp "$m" "$root/share/csro/models/$(basename "$m")"
done
# csro-report: a wrapper pointing at the installed Python package and library
test -x "$root/bin/csro-report"
grep -q "^PYTHONPATH=\"$prefix/lib/python3/dist-packages" "$root/bin/csro-report"
grep -q "^CSRO_LIBRARY=\"$prefix/lib/libcsro.so.1\"" "$root/bin/csro-report"
# every public function has a man page (a .so link to its group page)
for f in $(grep -ohE 'CSRO_API[^;]*' include/csro.h include/csro/*.h | tr '\n' ' ' | sed 's/CSRO_API/\n/g' | sed -nE 's/.*[ *](csro_[a-z0-9_]+)[ ]*\(.*/\1/p' | sort -u); do
    [ -e "$root/share/man/man3/$f.3" ] || nomans="${nomans:-} $f"
done
[ -z "${nomans:-}" ] || { echo "install: functions without a man page:$nomans"; exit 1; }
# pkg-config sees the staged prefix through PKG_CONFIG_SYSROOT_DIR
export PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
flags=$(pkg-config --cflags --libs csro)
v=$(sed -n 's/^#define CSRO_VERSION_STRING "\(.*\)"$/\1/p' include/csro/common.h)
[ "$(pkg-config --modversion csro)" = "$v" ] || { echo "install: csro.pc says $(pkg-config --modversion csro), the header $v"; exit 1; }
n=0
for src in examples/c/*.c; do
    exe="$stage/$(basename "$src" .c)"
    cc -std=c11 -Wall -Wextra -Werror "$src" $flags -o "$exe"
    LD_LIBRARY_PATH="$root/lib" "$exe" >"$exe.out"
    n=$((n + 1))
done
for src in examples/cpp/*.cpp; do
    exe="$stage/$(basename "$src" .cpp)"
    g++ -std=c++11 -Wall -Wextra -Werror "$src" $flags -o "$exe"
    LD_LIBRARY_PATH="$root/lib" "$exe" >"$exe.out"
    n=$((n + 1))
done
# the FCC example must show the a/2 = 0.18 nm plane spacing
grep -q '^0.180' "$stage/fcc_zsdm.out" || { echo "fcc_zsdm: no peak at 0.18 nm"; cat "$stage/fcc_zsdm.out"; exit 1; }
# the nearest-centroid example must tell random from L1_2 patterns
awk '/accuracy/ { if ($NF + 0 < 0.9) exit 1; ok = 1 } END { exit !ok }' "$stage/custom_classifier.out" ||
    { echo "custom_classifier: accuracy below 0.9"; cat "$stage/custom_classifier.out"; exit 1; }
make -s uninstall PREFIX=$prefix DESTDIR="$stage" >/dev/null
left=$(find "$root" -type f | head -5)
[ -z "$left" ] || { echo "uninstall left files: $left"; exit 1; }
# a second install to another prefix gets a csro.pc of its own prefix
prefix2=/opt/csro-test2
make -s install PREFIX=$prefix2 DESTDIR="$stage" BUILD="${CSRO_BUILD##*/}" >/dev/null
grep -qx "prefix=$prefix2" "$stage$prefix2/lib/pkgconfig/csro.pc" &&
    grep -qx "libdir=$prefix2/lib" "$stage$prefix2/lib/pkgconfig/csro.pc" ||
    { echo "install: $prefix2/lib/pkgconfig/csro.pc names another prefix:"; cat "$stage$prefix2/lib/pkgconfig/csro.pc"; exit 1; }
make -s uninstall PREFIX=$prefix2 DESTDIR="$stage" >/dev/null
echo "install: $n examples built against the installed library and ran"

# Python: `make install` into a real temporary prefix (the package records
# it), and `pip install --no-build-isolation` of python/ into a fresh venv
# (finding the library through pkg-config); both run the example flows on
# the shipped data from outside the source tree.
if [ -z "${PYTHON:-}" ] || ! $PYTHON -m pip --version >/dev/null 2>&1 || ! $PYTHON -c 'import ensurepip' 2>/dev/null; then
    echo "install: Python package checks skipped (needs python3-pip and python3-venv)"; exit 0
fi
py=$stage/py
mkdir -p "$py/prefix" "$py/run"
make -s install PREFIX="$py/prefix" BUILD="${CSRO_BUILD##*/}" > "$py/install.log"
grep -q "Python package csro in $py/prefix/lib/python3/dist-packages" "$py/install.log" ||
    { echo "install: make install did not say where the Python package went"; cat "$py/install.log"; exit 1; }
pkg=$py/prefix/lib/python3/dist-packages
# the installed csro-report runs from outside the source tree
(cd "$py/run" && "$py/prefix/bin/csro-report" -V) | grep -q "libcsro" ||
    { echo "install: the installed csro-report does not run"; exit 1; }
cp examples/python/mlapt_flow.py examples/python/cocrni_real.py "$py/run/"
D=$CSRO_SRCDIR/data/mlapt
cd "$py/run"
env -u CSRO_LIBRARY PYTHONPATH="$pkg" PYTHONDONTWRITEBYTECODE=1 $PYTHON -c "
import csro, os
assert csro.__file__.startswith('$pkg/'), csro.__file__
assert csro.library_path == '$py/prefix/lib/libcsro.so.1', csro.library_path
assert os.environ['OPENBLAS_NUM_THREADS'] == '1'
"
env -u CSRO_LIBRARY PYTHONPATH="$pkg" PYTHONDONTWRITEBYTECODE=1 $PYTHON mlapt_flow.py \
    "$CSRO_SRCDIR/tests/data/cocrni_2000.csv" "$D/ranges_cocrni.rrng" "$D/published_NiNi.csronet" \
    -o "$py/run/map.tif" > "$py/flow.txt"
grep -q "ions inside" "$py/flow.txt" && test -s "$py/run/map.tif" || { echo "install: mlapt_flow.py failed"; exit 1; }
# a fresh venv seeing Debian's NumPy; pip builds the package offline
$PYTHON -m venv --system-site-packages "$py/venv"
cp -r "$CSRO_SRCDIR/python" "$py/src"
"$py/venv/bin/python" -m pip install -q --no-build-isolation --no-index --disable-pip-version-check "$py/src" \
    > "$py/pip.log" 2>&1 || { echo "install: pip install into the venv failed"; cat "$py/pip.log"; exit 1; }
env -u CSRO_LIBRARY -u PYTHONPATH -u PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH="$py/prefix/lib/pkgconfig" MPLBACKEND=Agg \
    PYTHONDONTWRITEBYTECODE=1 "$py/venv/bin/python" -c "
import csro
assert csro.__file__.startswith('$py/venv/'), csro.__file__
assert csro.library_path == '$py/prefix/lib/libcsro.so.1', csro.library_path
"
env -u CSRO_LIBRARY -u PYTHONPATH -u PKG_CONFIG_SYSROOT_DIR PKG_CONFIG_PATH="$py/prefix/lib/pkgconfig" MPLBACKEND=Agg \
    PYTHONDONTWRITEBYTECODE=1 "$py/venv/bin/python" cocrni_real.py --data "$D" -o "$py/run/out" --z=-45,-37 \
    > "$py/real.txt"
grep -q "CSRO volume fraction: real" "$py/real.txt" && test -s "$py/run/out/csro_map.png" ||
    { echo "install: cocrni_real.py failed"; cat "$py/real.txt"; exit 1; }
cd "$CSRO_SRCDIR"
make -s uninstall PREFIX="$py/prefix" >/dev/null
[ ! -e "$pkg/csro" ] || { echo "install: uninstall left the Python package"; exit 1; }
echo "install: Python package from make install and from pip in a venv ran the example flows"
