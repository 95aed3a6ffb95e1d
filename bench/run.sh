#!/bin/sh
# Runs every benchmark script in bench/ (each prints its own ratios
# against a baseline run in the same command).
set -eu
cd "$CSRO_SRCDIR"
for b in bench/*.sh; do
    [ "$(basename "$b")" = run.sh ] && continue
    echo "== $b"
    sh "$b"
done
