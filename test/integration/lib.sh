# Shared by the integration tests (sourced, not run: scripts/test.sh runs only the
# executable *.sh of this folder). Each test runs inside a throwaway cluster made by
# scripts/in-cluster.sh, so PGHOST, PGPORT, PGUSER, PGPASSWORD and PGDATABASE are set.
#
#   source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
#   TEST=my_test DB=reliability_my_test   # before sourcing, or set right after
#
# Gives: ok / not_ok / note / finish (the TAP-like lines and the closing
# "TEST: N passed, M failed"), psql_admin (maintenance database), q (tuples only, in $DB),
# q_in DB, fresh_db DB, drop_db DB, cache_problems [DB] (its SQL: $CACHE_PROBLEMS_SQL), first_sqlstate,
# as_user USER CMD... and a work directory $WORK removed at exit (kept with KEEP_DB=1).
# A test with a trap of its own chains it: trap 'stop_my_server; cleanup_work' EXIT.
set -uo pipefail
export PAGER=cat PSQL_PAGER=cat LC_ALL=C.UTF-8 LANG=C.UTF-8
unset LANGUAGE

# The PostgreSQL binaries: scripts/lib.sh (through scripts/in-cluster.sh) exports PG_BINDIR.
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir)}

TEST=${TEST:-$(basename "${BASH_SOURCE[1]:-$0}" .sh)}
DB=${DB:-reliability_$TEST}

passed=0
failed=0
noted=0
ok() { passed=$((passed + 1)); echo "ok    - $*"; }
not_ok() { failed=$((failed + 1)); echo "FAIL  - $*"; }
note() { noted=$((noted + 1)); echo "NOTE  - $*"; }
# check LABEL PROBLEMS: ok when PROBLEMS is empty, else not_ok with the problems indented.
check() {
    if [ -z "$2" ]; then
        ok "$1"
    else
        not_ok "$1:"
        sed 's/^/        /' <<<"$2" | head -40
    fi
}

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "${PGDATABASE:-postgres}" "$@"; }
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" "$@"; }
q_in() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }

# fresh_db DB: drop DB if it exists and create it empty.
fresh_db() {
    psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null
}
drop_db() {
    [ "${KEEP_DB:-0}" = 1 ] && return 0
    psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" >/dev/null 2>&1
}

WORK=$(mktemp -d "/tmp/reliability_${TEST}.XXXXXX")
chmod 755 "$WORK"   # other roles' processes (the server, runuser) may need to read it
cleanup_work() {
    if [ "${KEEP_DB:-0}" = 1 ]; then echo "$TEST: work directory kept: $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup_work EXIT

# Shard servers for the tests that need them (scripts/shard-cluster.sh), in $SHARDS:
# cluster up|coordinator|down|psql …, and shard K [ARG…] for psql -At on server K. A test that
# starts them also stops them in its EXIT trap (cluster down "$SHARDS").
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SHARDS=$WORK/shards
cluster() { bash "$REPO/scripts/shard-cluster.sh" "$@"; }
shard() { local k=$1; shift; cluster psql "$SHARDS" "$k" -At "$@"; }

# finish: drop $DB (unless KEEP_DB=1), print the closing line and exit with the verdict.
finish() {
    drop_db "$DB"
    echo "$TEST: $passed passed, $failed failed"
    [ "$failed" -eq 0 ]
    exit
}

# cache_problems [DB]: one line per cached row that is not exactly
# reliability.score(machine_id, computed_at) (SPEC §5), naming the differing fields, and per
# machine with data but no cached row. Empty when the cache is exact. Run as a superuser.
# One statement, so one snapshot: exact even while writers run. The SQL is also in
# $CACHE_PROBLEMS_SQL, for a test that runs it in a psql session of its own.
# (jit = off: compiling the query would only cost seconds on a big fleet.)
CACHE_PROBLEMS_SQL=$(cat <<'SQL'
SET client_min_messages = warning;
SET jit = off;
WITH c AS (
    SELECT s.machine_id, s.computed_at,
           to_jsonb(s) - 'machine_id' - 'computed_at' AS cached,
           to_jsonb(reliability.score(s.machine_id, s.computed_at)) AS exact,
           s.as_of IS DISTINCT FROM s.computed_at AS as_of_differs
      FROM reliability.scores s
)
SELECT format('machine %s (computed_at %s): %s differ; cached %s; exact %s', c.machine_id, c.computed_at,
              (SELECT string_agg(e.key, ', ') FROM jsonb_each(c.cached) e WHERE e.value IS DISTINCT FROM c.exact -> e.key),
              c.cached, c.exact)
  FROM c
 WHERE c.cached IS DISTINCT FROM c.exact OR c.as_of_differs
UNION ALL
SELECT format('machine %s has data but no cached row', m.machine_id)
  FROM reliability.machines m
 WHERE NOT EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id)
   AND (EXISTS (SELECT FROM reliability.observations o WHERE o.machine_id = m.machine_id)
        OR EXISTS (SELECT FROM reliability.interruptions i WHERE i.machine_id = m.machine_id)
        OR EXISTS (SELECT FROM reliability.ratings r WHERE r.machine_id = m.machine_id));
SQL
)
cache_problems() { q_in "${1:-$DB}" <<<"$CACHE_PROBLEMS_SQL"; }

# first_sqlstate: the SQLSTATE of the first error in psql's output on stdin, run with
# VERBOSITY=verbose ("none" when there is no error).
first_sqlstate() { sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' | head -1 | grep . || echo none; }

# as_user USER COMMAND...: run COMMAND as USER (e.g. the owner of a data directory): through
# runuser when we are root and not USER, else as we are.
as_user() {
    local user=$1
    shift
    if [ "$(id -u)" = 0 ] && [ "$(id -un)" != "$user" ]; then runuser -u "$user" -- "$@"; else "$@"; fi
}
