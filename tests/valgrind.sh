#!/bin/sh
# tests/valgrind.sh: the tool tests named in $VALGRIND_TOOL_TESTS (default:
# the ones through the error paths and the writer: hardening, outputs,
# messages, pipes, Keras import, map, stats, info) with every C tool of
# $CSRO_BIN run under valgrind (memcheck; definitely or indirectly lost
# memory and every error count). Each tool is replaced by a wrapper in a
# temporary directory; valgrind writes to one log per process, so the
# tests' own checks of stderr and exit codes are unchanged (an error makes
# the tool exit 99 and its test fail). Part of make check-valgrind.
set -u
src=$CSRO_SRCDIR
real=$CSRO_BIN
tests=${VALGRIND_TOOL_TESTS:-"t_hardening t_apt_info t_apt_sdm t_csro_map t_csro_stats t_csro_extract t_csro_score t_csro_mc t_net_import"}
W=$(mktemp -d /tmp/csro-valgrind-XXXXXX)
trap 'rm -rf "$W"' EXIT
mkdir "$W/bin" "$W/logs"
for t in "$real"/*; do
    name=$(basename "$t")
    if head -c 4 "$t" | grep -q ELF; then
        cat > "$W/bin/$name" <<WRAP
#!/bin/sh
exec valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite,indirect \\
    --show-leak-kinds=definite,indirect --log-file="$W/logs/$name.%p.log" "$t" "\$@"
WRAP
        chmod 755 "$W/bin/$name"
    else
        ln -s "$t" "$W/bin/$name"
    fi
done
fail=0 n=0
for name in $tests; do
    t=$src/tests/tools/$name.sh
    [ -f "$t" ] || { echo "valgrind: no tool test $name" >&2; fail=$((fail + 1)); continue; }
    n=$((n + 1))
    T=$(mktemp -d /tmp/csro-tool-XXXXXX)
    start=$(date +%s)
    if CSRO_BIN="$W/bin" T="$T" sh -eu "$t" > "$T.log" 2>&1; then
        echo "PASS valgrind $name ($(($(date +%s) - start)) s)"
    else
        echo "FAIL valgrind $name"; sed 's/^/    /' "$T.log" | tail -30; fail=$((fail + 1))
    fi
    rm -rf "$T" "$T.log"
done
runs=$(ls "$W/logs" | wc -l)
for l in "$W/logs"/*.log; do
    [ -s "$l" ] || continue
    echo "valgrind: $(basename "$l"):"; sed 's/^/    /' "$l" | head -60; fail=$((fail + 1))
done
echo "valgrind tool tests: $n run, $runs tool processes checked, $fail failed"
[ "$fail" -eq 0 ]
