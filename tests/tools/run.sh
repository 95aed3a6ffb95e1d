#!/bin/sh
# Runs every tests/tools/t_*.sh; each gets $CSRO_BIN, $CSRO_TESTDATA,
# $PYTHON and a private temporary directory $T.
set -u
fail=0; n=0
for t in "$CSRO_SRCDIR"/tests/tools/t_*.sh; do
    [ -e "$t" ] || continue
    n=$((n + 1))
    T=$(mktemp -d /tmp/csro-tool-XXXXXX)
    if T="$T" sh -eu "$t" >"$T.log" 2>&1; then
        echo "PASS $(basename "$t")"
    else
        echo "FAIL $(basename "$t")"; sed 's/^/    /' "$T.log" | tail -40; fail=$((fail + 1))
    fi
    rm -rf "$T" "$T.log"
done
echo "tool tests: $n run, $fail failed"
[ "$fail" -eq 0 ]
