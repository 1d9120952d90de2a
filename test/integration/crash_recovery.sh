#!/usr/bin/env bash
# Crash recovery (SPEC §5): the server is stopped with `pg_ctl stop -m immediate` (no
# shutdown checkpoint, every backend killed: what a power cut or an OOM kill of the
# postmaster does to the database files, except that pg_virtualenv runs with fsync = off,
# so this does not test the disk) in the middle of a stream of writes, restarted, and the
# database must hold exactly what the clients saw committed, with an exact score cache.
#
# Writers, each a loop of psql sessions in the background, each batch one transaction that
# also inserts its own row into public.batches; a batch id is appended to a log file only
# after psql returned success (the COMMIT was acknowledged):
#   poll   one INSERT of one observation of each of FLEET machines (a poll cycle), a new
#          rating by user 'b<batch>', an interruption with instance_id 'b<batch>';
#   small  an explicit BEGIN ... COMMIT of several statements: observations of 20 random
#          machines, 5 late ones (3 s in the past), a new rating, an interruption, each
#          statement on machines above those of the one before (no lock-order deadlock);
#   churn  reliability.rate() upserts of 3 shared users on 10 machines and
#          reliability.refresh() (not logged: they only have to leave the cache exact).
# Observations are stamped (slot * 16 + writer) µs with a strictly increasing slot per
# writer (late ones at residue 8 + writer), so no two batches share a key.
#
# Rounds (CRASHES, default 3): let the writers run 1.5-4 s, stop -m immediate, start, wait
# for every writer to commit again, then check in one REPEATABLE READ snapshot:
#   - every batch id in the log is in public.batches (nothing the clients saw committed is lost);
#   - every batch in public.batches is complete (all its observations, late observations,
#     rating and interruption), and no row of the writers lacks its batch (no partial batch);
#   - every row of reliability.scores equals reliability.score(machine_id, computed_at) on
#     every field, every machine with data has one (lib.sh's cache_problems, one statement:
#     one snapshot of its own), computed_at never moved backwards;
# and at the end, after the writers stopped, the same again plus reliability.refresh() and
# a fresh insert keep it exact, and the server log shows no backend crash (only the
# immediate shutdowns). Prints "crash_recovery: N passed, M failed", exits 1 on a failure.
#
# The cluster is pg_virtualenv's ("15 regress"): stopped and started with pg_ctlcluster,
# or with pg_ctl -D <data_directory> as the data directory's owner if that fails.
# Environment: CRASHES (default 3), FLEET (default 1000), CRASH_DB, KEEP_DB=1.
TEST=crash_recovery DB=${CRASH_DB:-reliability_crash}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

CRASHES=${CRASHES:-3}
FLEET=${FLEET:-1000}
[ "$FLEET" -ge 100 ] || { echo "crash_recovery: FLEET must be at least 100"; exit 1; }
writer_pids=()
stop_writers() {
    touch "$WORK/stop"
    for p in "${writer_pids[@]}"; do kill "$p" 2>/dev/null; done
    wait 2>/dev/null
}
trap 'stop_writers; cleanup_work' EXIT

# --- the cluster: how to stop and start it ----------------------------------------------------
DATADIR=$(psql_admin -At -c "SHOW data_directory") || { echo "crash_recovery: no server"; exit 1; }
CONFIG_FILE=$(psql_admin -At -c "SHOW config_file")
read -r CL_VERSION CL_NAME CL_LOG < <(pg_lsclusters -h 2>/dev/null | awk -v p="${PGPORT:-5432}" '$3 == p { print $1, $2, $7 }')
PG_BIN=$PG_BINDIR
OWNER=$(stat -c %U "$DATADIR")
as_owner() { as_user "$OWNER" "$@"; }
FALLBACK_LOG=$WORK/server.log
server_stop_immediate() {
    if [ -n "${CL_NAME:-}" ] && pg_ctlcluster "$CL_VERSION" "$CL_NAME" stop -m immediate >"$WORK/ctl.out" 2>&1; then
        echo "pg_ctlcluster $CL_VERSION $CL_NAME stop -m immediate"
    else
        as_owner "$PG_BIN/pg_ctl" -D "$DATADIR" -w stop -m immediate >>"$WORK/ctl.out" 2>&1 || return 1
        echo "pg_ctl -D $DATADIR stop -m immediate"
    fi
}
server_start() {
    if [ -n "${CL_NAME:-}" ] && pg_ctlcluster "$CL_VERSION" "$CL_NAME" start >>"$WORK/ctl.out" 2>&1; then
        :
    else
        as_owner "$PG_BIN/pg_ctl" -D "$DATADIR" -o "-c config_file=$CONFIG_FILE" -l "$FALLBACK_LOG" -w start >>"$WORK/ctl.out" 2>&1 || return 1
    fi
    local i
    for i in $(seq 1 100); do
        psql_admin -c "SELECT 1" >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    return 1
}

echo "crash_recovery: $CRASHES crashes, poll cycles of $FLEET machines, database $DB, data directory $DATADIR"
fresh_db "$DB" || { not_ok "cannot create database $DB"; finish; }

# --- setup ---------------------------------------------------------------------------------
if ! q >/dev/null <<SQL; then not_ok "setup failed"; finish; fi
SET client_min_messages = warning;
CREATE EXTENSION reliability;
UPDATE reliability.settings SET score_window = interval '10 minutes', max_gap = interval '10 seconds',
       interruption_horizon = interval '1 minute', min_history = interval '1 minute',
       auto_blacklist_below = 50, auto_blacklist_for = interval '1 hour';
CREATE TABLE public.fleet (n int PRIMARY KEY, machine_id bigint NOT NULL, p_online float8 NOT NULL);
INSERT INTO public.fleet
SELECT i, reliability.machine('crash', 'gpu-' || i), CASE WHEN i % 10 = 0 THEN 0.2 ELSE 0.6 + (i % 10) / 25.0 END
  FROM generate_series(1, $FLEET) AS i;
CREATE TABLE public.batches (batch_id bigint PRIMARY KEY, writer int NOT NULL, observed_at timestamptz,
                             n_obs int NOT NULL, late_at timestamptz, n_late int NOT NULL DEFAULT 0,
                             committed_at timestamptz DEFAULT clock_timestamp());
CREATE TABLE public.violations (noted_at timestamptz DEFAULT clock_timestamp(), what text);
CREATE FUNCTION public.watch_scores() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    IF NEW.computed_at < OLD.computed_at THEN
        INSERT INTO public.violations (what)
        VALUES (format('machine %s: computed_at moved backwards from %s to %s', NEW.machine_id, OLD.computed_at, NEW.computed_at));
    END IF;
    RETURN NEW;
END \$\$;
CREATE TRIGGER zzz_watch_scores BEFORE UPDATE ON reliability.scores FOR EACH ROW EXECUTE FUNCTION public.watch_scores();
-- history: 5 minutes, every 5 s, ending 30 s before the writers start (whole seconds)
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, date_trunc('second', now()) - interval '30 seconds' - g * interval '5 seconds', random() < f.p_online
  FROM public.fleet f, generate_series(0, 59) AS g;
ANALYZE;
SQL
START=$(q -c "SELECT clock_timestamp()")

# --- the writers ----------------------------------------------------------------------------
# ts WRITER: the writer's next slot, as µs since the epoch (strictly increasing per writer)
declare -A LAST_SLOT=([1]=0 [2]=0)
SLOT=0
next_slot() {
    local now_slot=$(( $(date +%s%6N) / 16 ))
    local last=${LAST_SLOT[$1]}
    SLOT=$(( now_slot > last ? now_slot : last + 1 ))
    LAST_SLOT[$1]=$SLOT
}
us_to_ts() { echo "timestamptz 'epoch' + $1 * interval '1 microsecond'"; }

writer_poll() {
    local i=0 b ts
    while [ ! -e "$WORK/stop" ]; do
        i=$((i + 1)); b=$((1000000 + i))
        next_slot 1; ts=$(us_to_ts $((SLOT * 16 + 1)))
        if psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" -c "
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, $ts, random() < f.p_online FROM public.fleet f ORDER BY random();
SELECT (reliability.rate((SELECT machine_id FROM public.fleet WHERE n = 1 + $b % $FLEET), 'b$b', 1 + $b % 5)).stars;
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
VALUES ((SELECT machine_id FROM public.fleet WHERE n = 1 + ($b * 7) % $FLEET), clock_timestamp(), 'b$b', 'crash test');
INSERT INTO public.batches (batch_id, writer, observed_at, n_obs) VALUES ($b, 1, $ts, $FLEET);" >/dev/null 2>>"$WORK/writer1.err"; then
            echo "$b" >> "$WORK/committed.log"
        else
            sleep 0.2
        fi
    done
}

# Its statements touch ascending ranges of machines (fleet numbers follow machine_id): a
# transaction that locks machines in a later statement that sort before ones it locked in
# an earlier statement can deadlock with a single statement locking in machine order (see
# docs/SPEC_READING.md, "deadlocks"); this writer is a well-behaved client.
R1=$((FLEET * 6 / 10)); R2=$((FLEET * 9 / 10)); R3=$((FLEET * 95 / 100))
writer_small() {
    local i=0 b ts late
    while [ ! -e "$WORK/stop" ]; do
        i=$((i + 1)); b=$((2000000 + i))
        next_slot 2; ts=$(us_to_ts $((SLOT * 16 + 2))); late=$(us_to_ts $(( (SLOT - 187500) * 16 + 8 + 2 )))
        if psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" >/dev/null 2>>"$WORK/writer2.err" <<SQL; then
BEGIN;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, $ts, random() < f.p_online FROM public.fleet f WHERE f.n <= $R1 ORDER BY random() LIMIT 20;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, $late, random() < f.p_online FROM public.fleet f WHERE f.n > $R1 AND f.n <= $R2 ORDER BY random() LIMIT 5;
SELECT (reliability.rate((SELECT machine_id FROM public.fleet WHERE n = $R2 + 1 + $b % ($R3 - $R2)), 'b$b', 1 + $b % 5)).stars;
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
VALUES ((SELECT machine_id FROM public.fleet WHERE n = $R3 + 1 + $b % ($FLEET - $R3)), clock_timestamp(), 'b$b', 'crash test');
INSERT INTO public.batches (batch_id, writer, observed_at, n_obs, late_at, n_late) VALUES ($b, 2, $ts, 20, $late, 5);
COMMIT;
SQL
            echo "$b" >> "$WORK/committed.log"
        else
            sleep 0.2
        fi
    done
}

writer_churn() {
    local i=0
    while [ ! -e "$WORK/stop" ]; do
        i=$((i + 1))
        if [ $((i % 10)) = 0 ]; then
            psql -X -q -At -d "$DB" -c "SELECT reliability.refresh()" >/dev/null 2>>"$WORK/writer3.err" || sleep 0.2
        else
            psql -X -q -At -d "$DB" -c "SELECT (reliability.rate((SELECT machine_id FROM public.fleet WHERE n = 1 + $RANDOM % 10), 'pool-u' || $RANDOM % 3, 1 + $RANDOM % 5)).stars" \
                >/dev/null 2>>"$WORK/writer3.err" || sleep 0.2
        fi
    done
}

# --- the checks ---------------------------------------------------------------------------------
check_state() {  # check_state LABEL
    local label=$1 ids problems stats
    ids=$(sort -n "$WORK/committed.log" 2>/dev/null | tr '\n' ',' | sed 's/,$//')
    problems=$(q 2>&1 <<SQL
SET jit = off;
BEGIN ISOLATION LEVEL REPEATABLE READ;
SELECT format('LOST: batch %s was committed (the client saw it) but is not in the database', c.id)
  FROM unnest('{$ids}'::bigint[]) AS c(id)
 WHERE NOT EXISTS (SELECT FROM public.batches b WHERE b.batch_id = c.id);
SELECT format('PARTIAL: batch %s: %s of %s observations, %s of %s late ones, %s ratings, %s interruptions', b.batch_id,
              (SELECT count(*) FROM reliability.observations o WHERE o.observed_at = b.observed_at), b.n_obs,
              (SELECT count(*) FROM reliability.observations o WHERE o.observed_at = b.late_at), b.n_late,
              (SELECT count(*) FROM reliability.ratings r WHERE r.user_id = 'b' || b.batch_id),
              (SELECT count(*) FROM reliability.interruptions i WHERE i.instance_id = 'b' || b.batch_id))
  FROM public.batches b
 WHERE (SELECT count(*) FROM reliability.observations o WHERE o.observed_at = b.observed_at) <> b.n_obs
    OR (SELECT count(*) FROM reliability.observations o WHERE o.observed_at = b.late_at) <> b.n_late
    OR (SELECT count(*) FROM reliability.ratings r WHERE r.user_id = 'b' || b.batch_id) <> 1
    OR (SELECT count(*) FROM reliability.interruptions i WHERE i.instance_id = 'b' || b.batch_id) <> 1;
SELECT format('ORPHAN: %s observations at %s belong to no committed batch', count(*), o.observed_at)
  FROM reliability.observations o
 WHERE o.observed_at >= '$START'
   AND NOT EXISTS (SELECT FROM public.batches b WHERE b.observed_at = o.observed_at OR b.late_at = o.observed_at)
 GROUP BY o.observed_at;
SELECT format('ORPHAN: rating of %s belongs to no committed batch', r.user_id) FROM reliability.ratings r
 WHERE r.user_id LIKE 'b%' AND NOT EXISTS (SELECT FROM public.batches b WHERE 'b' || b.batch_id = r.user_id);
SELECT format('ORPHAN: interruption %s belongs to no committed batch', i.instance_id) FROM reliability.interruptions i
 WHERE i.instance_id LIKE 'b%' AND NOT EXISTS (SELECT FROM public.batches b WHERE 'b' || b.batch_id = i.instance_id);
SELECT 'BACKWARDS ' || what FROM public.violations;
COMMIT;
SQL
cache_problems 2>&1
)
    stats=$(q -c "SELECT format('%s committed batches seen by the clients, %s in the database, %s observations, %s cached rows',
                  $(grep -c . "$WORK/committed.log" 2>/dev/null || echo 0), (SELECT count(*) FROM public.batches),
                  (SELECT count(*) FROM reliability.observations), (SELECT count(*) FROM reliability.scores))" 2>&1)
    if [ -z "$problems" ]; then
        ok "$label: nothing committed is lost, no batch is partial, every cached row exact ($stats)"
    else
        not_ok "$label: $(grep -c . <<<"$problems") problems ($stats):"
        echo "$problems" | head -20 | sed 's/^/        /'
    fi
}

: > "$WORK/committed.log"
log_mark() { [ -n "${CL_LOG:-}" ] && [ -r "$CL_LOG" ] && wc -l < "$CL_LOG" || echo 0; }
LOG_START=$(log_mark)

writer_poll & writer_pids+=($!)
writer_small & writer_pids+=($!)
writer_churn & writer_pids+=($!)

wait_for_commits() {  # wait until both logged writers committed after the mark (up to 30 s)
    local mark1=$1 mark2=$2 i
    for i in $(seq 1 150); do
        if [ "$(grep -c '^1' "$WORK/committed.log" 2>/dev/null)" -gt "$mark1" ] &&
           [ "$(grep -c '^2' "$WORK/committed.log" 2>/dev/null)" -gt "$mark2" ]; then
            return 0
        fi
        sleep 0.2
    done
    return 1
}

wait_for_commits 0 0 || not_ok "the writers did not commit anything in 30 s: $(tail -3 "$WORK"/writer*.err)"
for round in $(seq 1 "$CRASHES"); do
    d=$((15 + RANDOM % 25)); sleep "$((d / 10)).$((d % 10))"
    before=$(grep -c . "$WORK/committed.log")
    if how=$(server_stop_immediate); then
        ok "crash $round: $how with $before batches committed so far"
    else
        not_ok "crash $round: could not stop the server: $(cat "$WORK/ctl.out")"
        finish
    fi
    sleep 0.5
    m1=$(grep -c '^1' "$WORK/committed.log"); m2=$(grep -c '^2' "$WORK/committed.log")
    t0=$SECONDS
    if server_start; then
        ok "crash $round: restarted, recovery took $((SECONDS - t0)) s"
    else
        not_ok "crash $round: the server does not start again: $(tail -5 "$WORK/ctl.out")"
        finish
    fi
    wait_for_commits "$m1" "$m2" || not_ok "crash $round: the writers did not commit again in 30 s: $(tail -3 "$WORK"/writer*.err)"
    check_state "after crash $round"
done

sleep 1
touch "$WORK/stop"
for p in "${writer_pids[@]}"; do wait "$p" 2>/dev/null; done
writer_pids=()
check_state "after the writers stopped"

# the cache keeps working: refresh and a fresh poll cycle, exact again
if q -c "SELECT reliability.refresh()" >/dev/null &&
   q -c "INSERT INTO reliability.observations (machine_id, observed_at, online) SELECT machine_id, clock_timestamp(), true FROM public.fleet" &&
   [ -z "$(cache_problems 2>&1)" ]; then
    ok "after recovery: reliability.refresh() and a new poll cycle keep the cache exact"
else
    not_ok "after recovery: refresh or a new poll cycle fails or leaves the cache inexact"
fi

# the server log: immediate shutdowns only, no backend crash
if [ -n "${CL_LOG:-}" ] && [ -r "$CL_LOG" ]; then
    tail -n +"$((LOG_START + 1))" "$CL_LOG" > "$WORK/server.log.part"
    [ -r "$FALLBACK_LOG" ] && cat "$FALLBACK_LOG" >> "$WORK/server.log.part"
    bad=$(grep -E 'PANIC|TRAP|was terminated by signal|terminated by exception|invalid page|could not read block|unexpected (zero|data)' "$WORK/server.log.part" | head -5)
    immediate=$(grep -c 'received immediate shutdown request' "$WORK/server.log.part")
    ready=$(grep -c 'database system is ready to accept connections' "$WORK/server.log.part")
    if [ -z "$bad" ] && [ "$immediate" -ge "$CRASHES" ]; then
        ok "server log: $immediate immediate shutdowns, $ready starts, no backend crash, no corruption"
    else
        not_ok "server log ($immediate immediate shutdowns): $bad"
    fi
else
    echo "(server log not readable: not checked)"
fi

cut=$(cat "$WORK"/writer*.err 2>/dev/null | grep -c 'server closed the connection unexpectedly\|terminating connection')
echo "(the crashes cut off $cut statements of the writers in flight)"
errors=$(cat "$WORK"/writer*.err 2>/dev/null | grep -v 'connection\|terminating\|server closed\|shut down\|starting up\|recovery\|No such file\|Is the server running\|SSL SYSCALL\|^\s*$\|This probably means\|before or while processing\|could not send\|no connection to the server\|unexpectedly' | sort | uniq -c | head -5)
if [ -z "$errors" ]; then
    ok "the writers saw no error other than the server going away"
else
    not_ok "the writers saw errors: $errors"
fi
finish
