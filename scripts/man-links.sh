#!/bin/sh
# man-links.sh install|uninstall MAN3DIR PAGES...: one ".so" page per
# function named in each page's NAME section, so `man 3 csro_grid_new` works.
set -eu
mode=$1; dir=$2; shift 2
for page in "$@"; do
    base=$(basename "$page" .3)
    names=$(awk '/^\.SH NAME/{f=1;next} f&&/^\.SH/{exit} f{print}' "$page" | tr '\n' ' ' \
            | sed 's/\\-.*//' | tr ',' ' ')
    for n in $names; do
        [ "$n" = "$base" ] && continue
        case "$n" in csro_*) ;; *) continue ;; esac
        if [ "$mode" = install ]; then
            printf '.so man3/%s.3\n' "$base" > "$dir/$n.3"
        else
            rm -f "$dir/$n.3"
        fi
    done
done
