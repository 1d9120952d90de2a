#!/usr/bin/env bash
# Every install and upgrade script in sql/ (the shipped ones included) must load with the
# newest module: each C function that a script names ('MODULE_PATHNAME', 'symbol') must be
# exported by reliability.so, with its PG_FUNCTION_INFO_V1 record (pg_finfo_symbol).
# Otherwise CREATE EXTENSION reliability VERSION '0.1.0' (or an update through an old
# version) fails with "could not find function" long after the release.
#
#   test/upgrade/check_symbols.sh [path/to/reliability.so]    (default: ./reliability.so)
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
SO=${1:-reliability.so}
[ -f "$SO" ] || { echo "check_symbols: $SO not found (run make first)"; exit 1; }
exported=$(nm -D --defined-only "$SO" | awk '{print $3}' | sort -u)
missing=0
checked=0
for script in sql/reliability--*.sql; do
    for sym in $(grep -o "MODULE_PATHNAME', *'[A-Za-z_0-9]*'" "$script" | sed "s/.*'\([A-Za-z_0-9]*\)'$/\1/" | sort -u); do
        checked=$((checked + 1))
        for needed in "$sym" "pg_finfo_$sym"; do
            if ! grep -qx -- "$needed" <<<"$exported"; then
                echo "check_symbols: $script needs $needed, which $SO does not export"
                missing=$((missing + 1))
            fi
        done
    done
done
echo "check_symbols: $checked references in $(ls sql/reliability--*.sql | wc -l) scripts, $missing missing"
[ "$missing" -eq 0 ] && [ "$checked" -gt 0 ]
