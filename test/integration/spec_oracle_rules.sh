#!/usr/bin/env bash
# Second differential test against SPEC.md implemented again from its text alone
# (test/integration/spec_oracle_rules.py, pure Python): the rule-like parts that spec_oracle.sh does not
# cover, checked after every committed statement (each in its own transaction, T = its now()):
# §5 auto-blacklist (pre-existing manual, temporary and auto rows, active and expired; refresh(),
# a refresh ahead of now(), a threshold equal to a cached score), §10 deploy attempts rule (inserts,
# updates, moves, deletes, ties, future stamps, window bounds; five settings profiles), §11
# notifications (a second connection LISTENs; tier and blacklisted/unblacklisted events with their
# payloads), §6 report() (deploys, blacklist, stale, identity), §1 view machine_reliability
# (blacklisted, stale at the bounds of stale_after, score columns), §11 observe() (repeats, a resent
# cycle, 22023/22004 with nothing written) and §9 compaction (results unchanged, refusals).
#   bash scripts/in-cluster.sh ./test/integration/spec_oracle_rules.sh
#   SEEDS="1 2" KEEP_DB=1 VERBOSE=1 bash scripts/in-cluster.sh ./test/integration/spec_oracle_rules.sh
# One line per seed, then "spec_oracle_rules: N passed, M failed"; exits 1 on a mismatch.
TEST=spec_oracle_rules
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's, with python3-psycopg2
SEEDS=${SEEDS:-"1 2 3 4 5 6"}   # seed S: auto-blacklist profile S % 3, time zone S % 4, deploy profiles in an order of its own

if ! "$PYTHON" -c 'import psycopg2' 2>/dev/null; then
    not_ok "$PYTHON lacks psycopg2 (apt-get install python3-psycopg2)"
    finish
fi

for seed in $SEEDS; do
    DB=reliability_spec_oracle_rules_$seed
    if ! fresh_db "$DB" || ! q -c "SET client_min_messages = warning" -c "CREATE EXTENSION reliability" >/dev/null; then
        not_ok "seed $seed: cannot create $DB with the extension"
        continue
    fi
    out=$WORK/seed_$seed.out
    start=$SECONDS
    timeout --kill-after=10 120 "$PYTHON" "$HERE/spec_oracle_rules.py" --db "$DB" --seed "$seed" \
        ${VERBOSE:+--verbose} >"$out" 2>&1
    rc=$?
    summary=$(grep -E '^spec_oracle_rules: seed [0-9]+: [0-9]+ comparisons' "$out" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
        ok "seed $seed: ${summary#"spec_oracle_rules: seed $seed: "} in $((SECONDS - start)) s"
    else
        not_ok "seed $seed (exit $rc, $((SECONDS - start)) s): ${summary:-the script did not finish}"
        grep -E '^(MISMATCH|spec_oracle_rules: seed [0-9]+: [0-9]+ mismatches in|Traceback|  |[a-zA-Z.]*(Error|Exception))' "$out" \
            | head -n "${LINES_PER_SEED:-60}" | sed 's/^/        /'
    fi
    grep -E '^AMBIGUOUS' "$out" | sort -t: -k1,1 -u | cut -c1-400 | sed 's/^/        /'   # one per kind
    grep -E '^spec_oracle_rules: seed [0-9]+: time zone' "$out" | cut -c1-400 | sed 's/^/        /'
    drop_db "$DB"
done
DB=reliability_spec_oracle_rules
finish
