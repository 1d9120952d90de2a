# Sourced by spec_oracle.sh and spec_oracle_rules.sh (after lib.sh): runs one seed of a
# Python differential test in a fresh database with the extension and reports it.
#   run_oracle_seed NAME SEED TIMEOUT [ARG...]   runs $HERE/NAME.py --db DB --seed SEED ARG...
# NAME.py prints "NAME: seed S: N comparisons, …" last, MISMATCH lines, and notes that
# match $ORACLE_NOTES (shown under the result line; AMBIGUOUS ones once per kind).
PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's, with python3-psycopg2
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if ! "$PYTHON" -c 'import psycopg2' 2>/dev/null; then
    not_ok "$PYTHON lacks psycopg2 (apt-get install python3-psycopg2)"
    finish
fi

run_oracle_seed() {
    local name=$1 seed=$2 limit=$3
    shift 3
    DB=reliability_${name}_$seed
    if ! fresh_db "$DB" || ! q -c "SET client_min_messages = warning" -c "CREATE EXTENSION reliability" >/dev/null; then
        not_ok "seed $seed: cannot create $DB with the extension"
        return
    fi
    local out=$WORK/seed_$seed.out start=$SECONDS rc summary
    timeout --kill-after=10 "$limit" "$PYTHON" "$HERE/$name.py" --db "$DB" --seed "$seed" "$@" \
        ${VERBOSE:+--verbose} >"$out" 2>&1
    rc=$?
    summary=$(grep -E "^$name: seed [0-9]+: [0-9]+ comparisons" "$out" | tail -1)
    if [ "$rc" -eq 0 ] && [ -n "$summary" ]; then
        ok "seed $seed: ${summary#"$name: seed $seed: "} in $((SECONDS - start)) s"
    else
        not_ok "seed $seed (exit $rc, $((SECONDS - start)) s): ${summary:-the script did not finish}"
        grep -E "^(MISMATCH|$name: seed [0-9]+: [0-9]+ mismatches in|Traceback|  |[a-zA-Z.]*(Error|Exception))" "$out" \
            | head -n "${LINES_PER_SEED:-60}" | sed 's/^/        /'
    fi
    grep -E "$ORACLE_NOTES" "$out" | awk -F: '!/^AMBIGUOUS/ || !seen[$1]++' | cut -c1-400 | sed 's/^/        /'
    drop_db "$DB"
}
