#!/bin/sh
# Checks lib/'s layer rule: every '#include "dir/x.h"' in lib/DIR/ must name
# DIR itself or a folder that DIR's row of lib/README.md allows. A bare
# '#include "x.h"' must exist in the including file's own folder.
set -eu
src=${CSRO_SRCDIR:-$(cd "$(dirname "$0")/.." && pwd)}
cd "$src/lib"
rules=$(sed -n -e "/^| folder |/d" -e 's/^| \([a-z]*\) | .* | \([a-z ]*\) |$/\1:\2/p' README.md)
[ -n "$rules" ] || { echo "layers: lib/README.md: no layer table found" >&2; exit 1; }
bad=0 nfile=0
for dir in */; do
    dir=${dir%/}
    allowed=$(printf '%s\n' "$rules" | sed -n "s/^$dir://p")
    [ -n "$allowed" ] || { echo "layers: lib/$dir/ is not in lib/README.md's table" >&2; bad=1; continue; }
    for f in "$dir"/*.[ch]; do
        nfile=$((nfile + 1))
        for inc in $(sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f"); do
            case $inc in
            csro.h|csro/*) ;;
            */*) d=${inc%%/*}
                 case " $allowed $dir " in
                 *" $d "*) [ -f "$inc" ] || { echo "layers: lib/$f: $inc does not exist" >&2; bad=1; } ;;
                 *) echo "layers: lib/$f includes $inc: $dir may include only: $allowed" >&2; bad=1 ;;
                 esac ;;
            *) [ -f "$dir/$inc" ] || { echo "layers: lib/$f: $inc is not in lib/$dir/ (name its folder)" >&2; bad=1; } ;;
            esac
        done
    done
done
[ "$bad" = 0 ] || exit 1
echo "layers: $nfile files in $(printf '%s\n' "$rules" | wc -l) layers follow lib/README.md"
