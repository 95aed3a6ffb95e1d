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
# every public function has a man page (a .so link to its group page)
for f in $(grep -ohE 'CSRO_API[^;]*' include/csro.h include/csro/*.h | tr '\n' ' ' | sed 's/CSRO_API/\n/g' | sed -nE 's/.*[ *](csro_[a-z0-9_]+)[ ]*\(.*/\1/p' | sort -u); do
    [ -e "$root/share/man/man3/$f.3" ] || nomans="${nomans:-} $f"
done
[ -z "${nomans:-}" ] || { echo "install: functions without a man page:$nomans"; exit 1; }
# pkg-config sees the staged prefix through PKG_CONFIG_SYSROOT_DIR
export PKG_CONFIG_PATH="$root/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$stage"
flags=$(pkg-config --cflags --libs csro)
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
