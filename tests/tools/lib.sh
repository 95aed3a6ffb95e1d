# tests/tools/lib.sh: sourced by tool tests.
# expect_fail CODE CMD...: the command must exit with CODE and print one
# line on stderr starting with the tool name.
expect_fail() {
    code=$1; shift
    set +e
    "$@" >"$T/out.txt" 2>"$T/err.txt"
    rc=$?
    set -e
    if [ "$rc" -ne "$code" ]; then
        echo "expected exit $code, got $rc: $*"; cat "$T/err.txt"; return 1
    fi
    if [ ! -s "$T/err.txt" ]; then echo "no error message: $*"; return 1; fi
    return 0
}
die() { echo "$*"; exit 1; }
# uncomment FILE...: drop the '#' provenance lines at the head of tool
# TSV outputs (t_provenance.sh checks them), leaving column line + rows.
uncomment() { for f; do grep -v '^#' "$f" > "$f.rows" || true; mv "$f.rows" "$f"; done; }
