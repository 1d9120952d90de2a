#!/usr/bin/env bash
# Runs the upgrade harness test/upgrade/compare_install.sh in the integration suite.
#   1. compare_install.sh with its defaults: FROM = TO = default_version of
#      reliability.control (a fresh install against itself: the footprint must be
#      deterministic, and the data checks of database B must pass);
#   2. when UPGRADE_FROM is set (e.g. UPGRADE_FROM=0.1.0 once 0.2.0 exists and
#      reliability--0.1.0.sql and reliability--0.1.0--0.2.0.sql are installed):
#      compare_install.sh "$UPGRADE_FROM" (to default_version);
#   3. the harness is not blind: a difference planted in B after the update (a changed
#      comment, a changed function property, a dropped index, a missing extension member)
#      must each make compare_install.sh fail.
# Prints "upgrade_harness: N passed, M failed" and exits 1 when any check failed.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
COMPARE=$HERE/../upgrade/compare_install.sh

if bash "$COMPARE" > "$WORK/same.out" 2>&1; then
    ok "compare_install.sh (default version against itself): $(grep -o 'catalog footprint identical.*' "$WORK/same.out")"
else
    not_ok "compare_install.sh with the default version fails:"
    sed 's/^/        /' "$WORK/same.out" | head -40
fi

if [ -n "${UPGRADE_FROM:-}" ]; then
    if bash "$COMPARE" "$UPGRADE_FROM" > "$WORK/update.out" 2>&1; then
        ok "compare_install.sh $UPGRADE_FROM: an update gives what a fresh install gives"
    else
        not_ok "compare_install.sh $UPGRADE_FROM:"
        sed 's/^/        /' "$WORK/update.out" | head -60
    fi
fi

# Planted differences: each must be caught.
mutations=(
    "COMMENT ON FUNCTION reliability.refresh(timestamptz) IS 'changed'"
    "ALTER FUNCTION reliability.tier(double precision, double precision) COST 7"
    "DROP INDEX reliability.scores_score_idx"
    "ALTER EXTENSION reliability DROP FUNCTION reliability.sparkline(bigint, integer, timestamptz)"
    "UPDATE reliability.settings SET stale_after = interval '2 days'"
)
for m in "${mutations[@]}"; do
    if MUTATE_B_SQL="$m" bash "$COMPARE" > "$WORK/mutant.out" 2>&1; then
        not_ok "a planted difference went unnoticed: $m"
    elif grep -q 'differ' "$WORK/mutant.out"; then
        ok "a planted difference is caught: $m ($(grep -c '^[-+][a-z]' "$WORK/mutant.out") differing lines shown)"
    else
        not_ok "compare_install.sh failed for another reason with: $m"
        sed 's/^/        /' "$WORK/mutant.out" | head -20
    fi
done

finish
