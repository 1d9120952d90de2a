#!/usr/bin/env bash
# Query cancel and memory limits inside the extension's long computations (SPEC §7: "query
# cancel works inside long computations", "never a crash").
#
# Runs inside a cluster (pg_virtualenv: PGHOST/PGPORT/PGUSER/PGDATABASE are set, PGUSER a
# superuser), e.g.  PGPORT=55601 pg_virtualenv -t -v 15 test/integration/cancel_and_memory.sh
#   (a) statement_timeout = 300ms on reliability.availability over 4 M generated rows (one
#       group in time order, one group in scrambled order, GROUP BY into 4 groups) fails
#       with 57014 within 3 s of the timeout; so does the aggregate used as a window
#       function over 20,000 rows (ORDER BY: the final function's sweep runs 20,000 times
#       on growing states, ~99% of the run time), so the timeout fires inside it;
#   (b) pg_cancel_backend() from a second session stops a running reliability.availability
#       (during the scan, and inside the final function of the window form) and a running
#       reliability.rebuild() within 2 s (57014);
#   (c) memory: with work_mem = 64kB, a hash aggregation of 20,000 groups that spills to
#       disk gives the same results as a sorted aggregation; a separately started server
#       whose address space is limited (ulimit -v, default 800 MB: 2 GB would need ~70 M
#       rows and too long a run here; set ULIMIT_KB / OOM_ROWS to change) answers a
#       single-group aggregate whose state cannot fit with ERROR 53200 and keeps serving.
# After each part the server must not have restarted (pg_postmaster_start_time unchanged).
# Prints one line per check, the run time and "cancel_and_memory: N passed, M failed";
# exits 1 when any check failed.
TEST=cancel_and_memory DB=reliability_cancel
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ULIMIT_KB=${ULIMIT_KB:-800000}
OOM_ROWS=${OOM_ROWS:-24000000}
now_ms() { date +%s%3N; }
script_start=$(now_ms)

fresh_db "$DB" || { not_ok "cannot create database $DB"; finish; }
q -c "CREATE EXTENSION reliability" || { not_ok "CREATE EXTENSION reliability failed"; finish; }
START=$(q -c "SELECT pg_postmaster_start_time()") || { not_ok "no pg_postmaster_start_time()"; finish; }

server_alive() {  # $1: what just ran
    local now
    now=$(q -c "SELECT pg_postmaster_start_time()" 2>/dev/null)
    if [[ "$now" == "$START" ]]; then ok "server did not restart after $1"; else not_ok "server restarted after $1 ($START -> $now)"; fi
}

# run_timed SETTING QUERY: runs QUERY after SETTING in one session; sets ELAPSED (ms),
# STATE (the SQLSTATE of the first error, empty when none) and OUT.
run_timed() {
    local t0 t1
    t0=$(now_ms)
    OUT=$(psql -X -q -At -v VERBOSITY=verbose -d "$DB" -c "$1" -c "$2" 2>&1)
    t1=$(now_ms)
    ELAPSED=$((t1 - t0))
    STATE=$(grep -o 'ERROR:  [0-9A-Z]\{5\}' <<<"$OUT" | head -1 | awk '{print $2}')
}

N=4000000
ASC="SELECT (reliability.availability(timestamptz '2024-01-01' + i * interval '1 second', i % 5 <> 0, '(,)', '1 min')).outages
       FROM generate_series(1, $N) AS i"
# A permutation of the same instants (7919 is prime to 4,000,000): the sort has work to do.
SCRAMBLED_T="timestamptz '2024-01-01' + ((i::bigint * 7919) % $N) * interval '1 second'"
SCRAMBLED="SELECT (reliability.availability($SCRAMBLED_T, i % 5 <> 0, '(,)', '1 min')).outages
             FROM generate_series(1, $N) AS i"
# The final function dominates: it runs once per row of the window, over a growing state
# (O(n) per call: the sorted state only merges the new row).

WINDOW="SELECT count(a) FROM (SELECT reliability.availability(t, s, '(,)', '1 min') OVER (ORDER BY t) AS a
                              FROM (SELECT timestamptz '2024-01-01' + i * interval '1 second' AS t, i % 5 <> 0 AS s
                                      FROM generate_series(1, 60000) AS i) x) y"
GROUPED="SELECT count(*) FROM (SELECT i % 4 AS g, reliability.availability(timestamptz '2024-01-01' + i * interval '1 second',
                                                                         i % 5 <> 0, '(,)', '1 min')
                                 FROM generate_series(1, $N) AS i GROUP BY 1) x"

# --- (a) statement_timeout ----------------------------------------------------------------
for name in ASC SCRAMBLED GROUPED WINDOW; do
    run_timed "SET statement_timeout = '300ms'" "${!name}"
    if [[ "$STATE" == 57014 && $ELAPSED -le 3300 ]]; then
        ok "(a) statement_timeout 300ms, $name: 57014 after ${ELAPSED} ms"
    else
        not_ok "(a) statement_timeout 300ms, $name: state '${STATE}' after ${ELAPSED} ms: $(head -c 300 <<<"$OUT")"
    fi
done
server_alive "statement timeouts"


# --- (b) pg_cancel_backend from a second session ------------------------------------------
# cancel_running NAME SQL DELAY_MS: starts SQL in the background, waits until it is active,
# sleeps DELAY_MS, cancels it and checks that it ended with 57014 within 2 s. Sets RESULT to
# ok / early (it finished before the cancel) / fail.
cancel_running() {
    local name=$1 sql=$2 delay_ms=$3 app="reliability_cancel_$RANDOM" out="$WORK/cancel.out" pid bg t0 t1 i state
    PGAPPNAME=$app psql -X -q -At -v VERBOSITY=verbose -d "$DB" -c "$sql" >"$out" 2>&1 &
    bg=$!
    pid=
    for i in $(seq 1 100); do
        pid=$(q -c "SELECT pid FROM pg_stat_activity WHERE application_name = '$app' AND state = 'active' AND backend_type = 'client backend' LIMIT 1")
        [[ -n "$pid" ]] && break
        sleep 0.05
    done
    if [[ -z "$pid" ]]; then
        wait "$bg"
        RESULT=fail; echo "      $name never showed up as active: $(head -c 300 "$out")"; rm -f "$out"; return
    fi
    sleep "$(awk "BEGIN { print $delay_ms / 1000 }")"
    t0=$(now_ms)
    q -c "SELECT pg_cancel_backend($pid)" >/dev/null
    wait "$bg"
    t1=$(now_ms)
    state=$(grep -o 'ERROR:  [0-9A-Z]\{5\}' "$out" | head -1 | awk '{print $2}')
    if [[ "$state" == 57014 && $((t1 - t0)) -le 2000 ]]; then
        RESULT=ok; ok "(b) pg_cancel_backend on $name after ${delay_ms} ms: 57014 within $((t1 - t0)) ms"
    elif [[ -z "$state" ]]; then
        RESULT=early
    else
        RESULT=fail; echo "      $name: state '$state' $((t1 - t0)) ms after the cancel: $(head -c 300 "$out")"
    fi
    rm -f "$out"
}

# Cancel the aggregate during the scan, and inside the final function of the window form.
cancel_running "reliability.availability over $N scrambled rows" "$SCRAMBLED" 300
[[ "$RESULT" == ok ]] || not_ok "(b) pg_cancel_backend on reliability.availability over $N scrambled rows ($RESULT)"
cancel_running "reliability.availability as a window function over 60000 rows" "$WINDOW" 500
[[ "$RESULT" == ok ]] || not_ok "(b) pg_cancel_backend on reliability.availability as a window function ($RESULT)"

server_alive "cancelled aggregates"

# reliability.rebuild() over 50 machines x 20,000 observations (written with the triggers
# off, which is what rebuild() is for).
q >/dev/null <<'SQL' || not_ok "(b) rebuild setup failed"
INSERT INTO reliability.machines (provider, external_id) SELECT 'cancel', 'm' || i FROM generate_series(1, 50) AS i;
SET session_replication_role = replica;
INSERT INTO reliability.observations
SELECT m.machine_id, now() - j * interval '1 minute', j % 13 <> 0
  FROM reliability.machines m, generate_series(1, 20000) AS j;
SQL
cancelled=no
for delay in 100 50 0; do
    q -c "DELETE FROM reliability.scores" >/dev/null
    cancel_running "reliability.rebuild() of 50 machines x 20000 observations" "SELECT reliability.rebuild()" "$delay"
    case "$RESULT" in
        ok) cancelled=yes; break ;;
        early) echo "      rebuild() finished before the cancel after ${delay} ms; again, sooner" ;;
        fail) break ;;
    esac
done
if [[ "$cancelled" == yes ]]; then
    # A cancelled rebuild wrote nothing; a full one still works afterwards.
    written=$(q -c "SELECT count(*) FROM reliability.scores")
    rebuilt=$(q -c "SELECT reliability.rebuild()")
    if [[ "$written" == 0 && "$rebuilt" == 50 ]]; then ok "(b) the cancelled rebuild wrote nothing; rebuild() afterwards wrote 50 rows"
    else not_ok "(b) scores after the cancelled rebuild: $written rows; rebuild() afterwards: $rebuilt"; fi
else
    not_ok "(b) pg_cancel_backend on reliability.rebuild() ($RESULT)"
fi
server_alive "cancelled rebuilds"

# --- (c) memory ----------------------------------------------------------------------------
# Hash aggregation of 20,000 groups with work_mem = 64kB spills to disk; its results equal
# those of a sorted aggregation.
GROUPS_Q="SELECT md5(string_agg(format('%s %s', g, a), ',' ORDER BY g)) FROM (
            SELECT i % 20000 AS g, reliability.availability(timestamptz '2024-01-01' + i * interval '1 second',
                                                            i % 3 <> 0, '(,)', '1 min') AS a
              FROM generate_series(1, 400000) AS i GROUP BY 1) x"
plan=$(q -c "SET work_mem = '64kB'" -c "SET enable_sort = off" -c "SET max_parallel_workers_per_gather = 0" \
         -c "EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) SELECT i % 20000 AS g, reliability.availability(timestamptz '2024-01-01' + i * interval '1 second', i % 3 <> 0, '(,)', '1 min') FROM generate_series(1, 400000) AS i GROUP BY 1" 2>&1)
hashed=$(q -c "SET work_mem = '64kB'" -c "SET enable_sort = off" -c "SET max_parallel_workers_per_gather = 0" -c "$GROUPS_Q" 2>&1)
sorted=$(q -c "SET enable_hashagg = off" -c "SET max_parallel_workers_per_gather = 0" -c "$GROUPS_Q" 2>&1)
batches=$(grep -o 'Batches: [0-9]*' <<<"$plan" | head -1 | awk '{print $2}')
if grep -q HashAggregate <<<"$plan" && [[ "${batches:-0}" -gt 1 && "$hashed" == "$sorted" && "$hashed" =~ ^[0-9a-f]{32}$ ]]; then
    ok "(c) work_mem 64kB: hash aggregation of 20000 groups spilled ($batches batches) and equals the sorted aggregation"
else
    not_ok "(c) work_mem 64kB hash aggregation: batches '${batches}', hashed '$hashed', sorted '$sorted'; plan: $(head -c 400 <<<"$plan")"
fi
server_alive "the spilling hash aggregation"

# A separately started server with a limited address space, run as postgres when we are
# root; its directory is in $WORK (removed at exit after the server is stopped).
as_postgres() { as_user postgres "$@"; }
BINDIR=$PG_BINDIR
LIMDIR=$WORK/ulimit
mkdir "$LIMDIR"
stop_limited_server() {
    if [[ -f "$LIMDIR/data/postmaster.pid" ]]; then
        as_postgres "$BINDIR/pg_ctl" -D "$LIMDIR/data" -m immediate -w stop >/dev/null 2>&1
    fi
}
trap 'stop_limited_server; cleanup_work' EXIT
[[ $(id -u) == 0 ]] && chown postgres "$LIMDIR"
LIMPORT=${PGPORT:-5432}  # a Unix socket in $LIMDIR only: no clash with the cluster on that port
limited_ok=no
if as_postgres "$BINDIR/initdb" -D "$LIMDIR/data" -A trust --no-sync -U postgres >"$LIMDIR/initdb.log" 2>&1 &&
   as_postgres bash -c "ulimit -v $ULIMIT_KB && exec '$BINDIR/pg_ctl' -D '$LIMDIR/data' -l '$LIMDIR/log' -w -t 60 \
        -o \"-c listen_addresses='' -k '$LIMDIR' -p $LIMPORT -c shared_buffers=16MB -c max_parallel_workers_per_gather=0 -c fsync=off\" start" >/dev/null 2>&1; then
    limited_ok=yes
fi
lq() { psql -X -q -At -v VERBOSITY=verbose -h "$LIMDIR" -p "$LIMPORT" -U postgres -d postgres "$@"; }
if [[ "$limited_ok" != yes ]]; then
    not_ok "(c) could not start a server with ulimit -v $ULIMIT_KB: $(tail -c 400 "$LIMDIR/initdb.log" "$LIMDIR/log" 2>/dev/null)"
else
    lq -c "CREATE EXTENSION reliability" >/dev/null
    LSTART=$(lq -c "SELECT pg_postmaster_start_time()")
    t0=$(now_ms)
    OUT=$(lq -c "SELECT (reliability.availability(timestamptz '2024-01-01' + i * interval '1 second', true, '(,)', '1 min')).covered_seconds
                   FROM generate_series(1, $OOM_ROWS) AS i" 2>&1)
    t1=$(now_ms)
    STATE=$(grep -o 'ERROR:  [0-9A-Z]\{5\}' <<<"$OUT" | head -1 | awk '{print $2}')
    if [[ "$STATE" == 53200 ]] && grep -q 'out of memory' <<<"$OUT"; then
        ok "(c) ulimit -v $ULIMIT_KB: one group of $OOM_ROWS rows fails with 53200 out of memory after $((t1 - t0)) ms"
    else
        not_ok "(c) ulimit -v $ULIMIT_KB, one group of $OOM_ROWS rows: state '${STATE}': $(head -c 400 <<<"$OUT")"
    fi
    after=$(lq -c "SELECT pg_postmaster_start_time() = '$LSTART'::timestamptz,
                          (reliability.availability(timestamptz '2024-01-01' + i * interval '1 minute', true, '(,)', '1 min')).covered_seconds
                     FROM generate_series(1, 1000) AS i" 2>&1)
    if [[ "$after" == "t|60000" ]]; then ok "(c) the limited server did not restart and still aggregates correctly"
    else not_ok "(c) the limited server after the out-of-memory error: '$after'; log: $(grep -E 'terminated|PANIC|server process' "$LIMDIR/log" | head -5)"; fi
fi

server_alive "everything"
echo "# run time: $(awk "BEGIN { printf \"%.1f\", ($(now_ms) - $script_start) / 1000 }") s"
finish
