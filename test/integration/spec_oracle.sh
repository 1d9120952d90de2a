#!/usr/bin/env bash
# Differential test against an independent implementation of SPEC.md written from its text alone
# (test/integration/spec_oracle.py, pure Python with exact integer microseconds): §2/§3
# availability() and uptime() over bounded, unbounded, infinite, empty, inverted and point windows,
# explicit max_gap, NULL arguments and parallel plans; §8 summarize()/rollup() against them; §4
# score() at many as_of (default now(), 1900 and 9999, around DST changes of the session time
# zone), compute_score(), tier() and every cached row of reliability.scores; §6 daily_uptime(),
# sparkline() and report()'s score and history; §11 periods(); a few errors. Field by field:
# seconds exactly, ratios within 1e-12 relative. Each seed makes a random fleet plus edge cases
# and checks it in three phases: as inserted, after refresh() materialized history and late
# writes, after a settings change (UPDATE, or INSERT for odd seeds).
#   bash scripts/in-cluster.sh ./test/integration/spec_oracle.sh
#   SEEDS="1 2 3" MACHINES=36 KEEP_DB=1 VERBOSE=1 bash scripts/in-cluster.sh ./test/integration/spec_oracle.sh
# One line per seed, then "spec_oracle: N passed, M failed"; exits 1 on a mismatch.
TEST=spec_oracle
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's, with python3-psycopg2
SEEDS=${SEEDS:-"1 2 3 4 5 6 7"}   # seed S: settings profile S % 7 then S + 1, time zone S % 4
MACHINES=${MACHINES:-36}

if ! "$PYTHON" -c 'import psycopg2' 2>/dev/null; then
    not_ok "$PYTHON lacks psycopg2 (apt-get install python3-psycopg2)"
    finish
fi

for seed in $SEEDS; do
    DB=reliability_spec_oracle_$seed
    if ! fresh_db "$DB" || ! q -c "SET client_min_messages = warning" -c "CREATE EXTENSION reliability" >/dev/null; then
        not_ok "seed $seed: cannot create $DB with the extension"
        continue
    fi
    out=$WORK/seed_$seed.out
    start=$SECONDS
    timeout --kill-after=10 300 "$PYTHON" "$HERE/spec_oracle.py" --db "$DB" --seed "$seed" --machines "$MACHINES" \
        ${VERBOSE:+--verbose} >"$out" 2>&1
    rc=$?
    summary=$(grep -E '^spec_oracle: seed [0-9]+: [0-9]+ comparisons' "$out" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
        ok "seed $seed: ${summary#"spec_oracle: seed $seed: "} in $((SECONDS - start)) s"
    else
        not_ok "seed $seed (exit $rc, $((SECONDS - start)) s): ${summary:-the script did not finish}"
        grep -E '^(MISMATCH|spec_oracle: seed [0-9]+: [0-9]+ mismatches in|Traceback|  |[a-zA-Z.]*(Error|Exception))' "$out" \
            | head -n "${LINES_PER_SEED:-60}" | sed 's/^/        /'
    fi
    grep -E '^spec_oracle: seed [0-9]+: (phase|[0-9]+ machines|largest|comparisons by kind)' "$out" | cut -c1-240 | sed 's/^/        /'
    drop_db "$DB"
done
DB=reliability_spec_oracle
finish
