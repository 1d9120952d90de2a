#!/usr/bin/env bash
# Deadlock hunt (SPEC §5): "no lost update, no deadlock between any two single statements,
# whatever tables they write and in whatever order their rows come — INSERT … ON CONFLICT,
# MERGE, TRUNCATE and settings changes included".
#
# Several pgbench clients hammer a small shared fleet (40 machines with 3 days of
# observations, ratings, interruptions and blacklist entries; the auto-blacklist is on, and
# now and then off) for DURATION seconds. Every pgbench transaction is ONE statement in
# autocommit, picked at random by weight from test/integration/deadlock_hunt/*.sql (each
# file says what it does): poll cycles (plain, ON CONFLICT DO UPDATE / DO NOTHING), single
# and late observations, interruptions, reliability.rate(), rating upserts and new ratings,
# MERGE INTO ratings / observations (insert, update and delete actions; also update and
# delete only), UPDATE / DELETE of observations and interruptions, statements writing
# several tables (data-modifying CTEs), TRUNCATE of interruptions and of ratings (rare),
# settings changes (rare), reliability.refresh(), blacklist inserts and deletes. Machine
# sets and row orders come from pgbench's \set random functions, so every statement hits
# a different subset of the same 40 machines, and clients collide on them all the time.
#
# Rows that are new (a fresh key) come in random machine order: that is what the cache's
# locking must survive. A statement that locks rows which already exist (UPDATE, DELETE,
# MERGE, ON CONFLICT on shared keys, blacklist rows) takes them in machine order: two such
# statements in opposite orders deadlock in PostgreSQL itself, with or without the
# extension, and would hide what this test looks for. No statement can fail legitimately:
# fresh keys get an odd microsecond unique to their statement (public.hunt_stamp over a
# sequence), keys shared on purpose go through ON CONFLICT, the history sits on even
# microseconds. So any failed statement is a finding.
#
# pgbench runs with --max-tries=1 --failures-detailed, so a deadlock or a serialization
# failure counts as a failed transaction instead of being retried. Asserts:
#   - pgbench exited 0, no client aborted (any other error aborts its client), 0 failed
#     transactions (0 deadlock failures, 0 serialization failures);
#   - the server log has no "deadlock detected" from the run, and pg_stat_database counted
#     no deadlock in the test's database;
#   - every cached row equals reliability.score(machine_id, computed_at) and a cached row
#     exists for every machine with data (lib.sh's cache_problems), and every machine of the
#     fleet has one;
#   - computed_at never moved backwards and no cached row was deleted (row triggers on
#     reliability.scores record every such write).
# It prints how many transactions of each script ran (and failed); on a deadlock, how many
# cycles each combination of scripts made (every statement starts with /* hunt:NAME */,
# which the server log's report shows for each process of the cycle) and the first report
# (the processes' statements, what they waited for, where in the triggers).
# Ends with "deadlock_hunt: N passed, M failed".
#
# Environment: DURATION seconds (default 40), CLIENTS (default 6, at most 64), JOBS pgbench
# threads (default 2), SEED (pgbench --random-seed, default random; printed), SKIP="a b"
# leaves out those scripts (names without .sql, e.g. SKIP="cte_inserts cte_changes"),
# ONLY="a b" runs only those, HUNT_DB (database name), LOG_FILE (the server log, when it
# cannot be found from the server), KEEP_DB=1 keeps the database and the work directory.
TEST=deadlock_hunt DB=${HUNT_DB:-reliability_deadlock_hunt}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${DURATION:-40}
CLIENTS=${CLIENTS:-6}
JOBS=${JOBS:-2}
SEED=${SEED:-$(( (RANDOM << 15) | RANDOM ))}
SKIP=" ${SKIP:-} "
ONLY=" ${ONLY:-} "
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPTS=$HERE/deadlock_hunt

[ "$CLIENTS" -ge 1 ] && [ "$CLIENTS" -le 64 ] || { echo "deadlock_hunt: CLIENTS must be 1..64"; exit 1; }
[ "$JOBS" -gt "$CLIENTS" ] && JOBS=$CLIENTS

# script name and weight (out of about 200): the common statements often, TRUNCATE and
# settings changes rarely.
mix=(
    poll:20 poll_upsert:10 poll_nothing:6 poll_fresh_upsert:6 single:10 late:8
    interrupt:8 rate:8 rate_upsert:6 rate_fresh:5
    merge_ratings:6 merge_ratings_ud:4 merge_obs:6 merge_obs_ud:4
    update_obs:6 move_obs:4 delete_obs:5 update_int:4 delete_int:4
    cte_inserts:5 cte_changes:4
    refresh:4 bl_insert:4 bl_delete:4
    truncate_int:1 truncate_ratings:1 settings:2
)
names=()
fargs=()
for entry in "${mix[@]}"; do
    name=${entry%%:*}
    weight=${entry##*:}
    [[ "$SKIP" == *" $name "* ]] && continue
    [ "$ONLY" != "  " ] && [[ "$ONLY" != *" $name "* ]] && continue
    [ -r "$SCRIPTS/$name.sql" ] || { echo "deadlock_hunt: missing $SCRIPTS/$name.sql"; exit 1; }
    names+=("$name")
    fargs+=(-f "$SCRIPTS/$name.sql@$weight")
done
[ "${#names[@]}" -gt 0 ] || { echo "deadlock_hunt: SKIP/ONLY left no script"; exit 1; }

echo "deadlock_hunt: $CLIENTS clients, $JOBS threads, $DURATION s, seed $SEED, ${#names[@]} scripts, database $DB"
fresh_db "$DB" || { not_ok "cannot create database $DB"; finish; }

# --- setup ---------------------------------------------------------------------------------
if ! q >/dev/null <<SQL; then not_ok "setup failed"; finish; fi
SET client_min_messages = warning;
CREATE EXTENSION reliability;
-- Sessions of the run: a deadlock is found (and ends a statement) in 100 ms instead of 1 s;
-- a statement that hangs ends with an error (which aborts its pgbench client: a failure).
ALTER DATABASE $DB SET deadlock_timeout = '100ms';
ALTER DATABASE $DB SET statement_timeout = '120s';

-- Tiers other than 'new' after a day of history, so the auto-blacklist (on) fires.
UPDATE reliability.settings SET min_history = interval '1 day', auto_blacklist_below = 65,
                                auto_blacklist_for = interval '10 minutes';

CREATE TABLE public.hunt_fleet (n int PRIMARY KEY, machine_id bigint NOT NULL UNIQUE, p_online float8 NOT NULL);
INSERT INTO public.hunt_fleet
SELECT i, reliability.machine('hunt', 'gpu-' || i), CASE WHEN i % 8 = 0 THEN 0.35 ELSE 0.7 + (i % 8) * 0.04 END
  FROM generate_series(1, 40) AS i;
CREATE TABLE public.hunt_meta (t0 timestamptz NOT NULL);
INSERT INTO public.hunt_meta VALUES (date_trunc('minute', now()) - interval '1 minute');
CREATE SEQUENCE public.hunt_seq;

-- :k machines of the fleet in a random order that :r determines (pgbench's \set random).
CREATE FUNCTION public.hunt_pick(r bigint, k int) RETURNS TABLE (machine_id bigint, p_online float8)
LANGUAGE sql STABLE AS \$\$
    SELECT f.machine_id, f.p_online FROM public.hunt_fleet f ORDER BY md5(f.n || '/' || r) LIMIT k
\$\$;
-- the same machines in machine order
CREATE FUNCTION public.hunt_sorted(r bigint, k int) RETURNS TABLE (machine_id bigint, p_online float8)
LANGUAGE sql STABLE AS \$\$
    SELECT p.machine_id, p.p_online FROM public.hunt_pick(r, k) p ORDER BY p.machine_id
\$\$;
-- A fresh stamp for the statement that drew n from hunt_seq: now()'s 2^20 µs bucket
-- (about 1 s), moved back 'back' buckets, plus the odd offset 2 (n mod 2^19) + 1. Two
-- statements get the same stamp only if their n are 2^19 apart (checked at the end);
-- stamps 'back' buckets apart never meet; the history and the shared keys are on even µs.
CREATE FUNCTION public.hunt_stamp(n bigint, back bigint DEFAULT 0) RETURNS timestamptz
LANGUAGE sql STABLE AS \$\$
    SELECT now() - (((extract(epoch FROM now()) * 1000000)::bigint % 1048576)
                    - (2 * (n % 524288) + 1) + back * 1048576) * interval '1 microsecond'
\$\$;
CREATE FUNCTION public.hunt_t0() RETURNS timestamptz LANGUAGE sql STABLE AS \$\$ SELECT t0 FROM public.hunt_meta \$\$;

-- Every write of a cached row: computed_at must never move backwards, and a cached row never
-- goes (no machine is deleted).
CREATE TABLE public.hunt_violations (noted_at timestamptz DEFAULT clock_timestamp(), what text);
CREATE FUNCTION public.hunt_watch_scores() RETURNS trigger LANGUAGE plpgsql AS \$\$
BEGIN
    IF TG_OP = 'DELETE' THEN
        INSERT INTO public.hunt_violations (what)
        VALUES (format('machine %s: cached row deleted (computed_at %s)', OLD.machine_id, OLD.computed_at));
    ELSIF NEW.computed_at < OLD.computed_at THEN
        INSERT INTO public.hunt_violations (what)
        VALUES (format('machine %s: computed_at moved backwards from %s to %s', NEW.machine_id, OLD.computed_at, NEW.computed_at));
    END IF;
    RETURN NULL;
END \$\$;
CREATE TRIGGER zzz_hunt_watch_scores AFTER UPDATE OR DELETE ON reliability.scores
    FOR EACH ROW EXECUTE FUNCTION public.hunt_watch_scores();

-- History: 3 days, one observation every 5 minutes (whole minutes: even µs), a few
-- interruptions, the shared users' ratings of every machine (so that MERGE finds rows to
-- update and delete) and some more, a few blacklist entries.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, public.hunt_t0() - g * interval '5 minutes', random() < f.p_online
  FROM public.hunt_fleet f, generate_series(0, 863) AS g;
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT f.machine_id, now() - random() * interval '3 days', 'h-' || f.n || '-' || g, 'history'
  FROM public.hunt_fleet f, generate_series(1, 1 + f.n % 4) AS g;
INSERT INTO reliability.ratings (machine_id, user_id, stars, comment)
SELECT f.machine_id, u, 1 + (f.n + length(u)) % 5, 'history'
  FROM public.hunt_fleet f, unnest(ARRAY['pool-1', 'pool-2', 'pool-3', 'old-a', 'old-b']) AS u;
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by, expires_at)
SELECT f.machine_id, CASE WHEN f.n % 2 = 0 THEN 'manual' ELSE 'temporary' END, 'history', 'setup',
       CASE WHEN f.n % 2 = 0 THEN NULL ELSE now() + interval '20 seconds' END
  FROM public.hunt_fleet f WHERE f.n % 11 = 0
ON CONFLICT (machine_id) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, blocked_by = excluded.blocked_by,
                                       expires_at = excluded.expires_at;
ANALYZE;
SQL

# --- the server log ------------------------------------------------------------------------
# LOG_FILE, else pg_current_logfile() (logging collector), else the "log" link that
# pg_createcluster (pg_virtualenv) puts next to postgresql.conf.
find_server_log() {
    if [ -n "${LOG_FILE:-}" ]; then echo "$LOG_FILE"; return; fi
    local f dir
    f=$(q -c "SELECT pg_current_logfile()" 2>/dev/null)
    if [ -n "$f" ]; then
        [ "${f#/}" = "$f" ] && f="$(q -c 'SHOW data_directory')/$f"
        [ -r "$f" ] && { echo "$f"; return; }
    fi
    dir=$(dirname "$(q -c 'SHOW config_file')")
    [ -r "$dir/log" ] && { readlink -f "$dir/log"; return; }
}
server_log=$(find_server_log)
log_from=0
if [ -n "$server_log" ] && [ -r "$server_log" ]; then
    log_from=$(stat -c %s "$server_log")
    echo "deadlock_hunt: server log $server_log"
fi
deadlocks_before=$(q -c "SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()")

# --- the hunt ------------------------------------------------------------------------------
(cd "$WORK" && pgbench --no-vacuum -n --failures-detailed --max-tries=1 -c "$CLIENTS" -j "$JOBS" -T "$DURATION" \
    --random-seed="$SEED" "${fargs[@]}" "$DB" >"$WORK/pgbench.out" 2>"$WORK/pgbench.err")
pgbench_rc=$?

# the summary (not the per-script blocks, summarized below)
sed -n '/^transaction type/,/^SQL script 1/p' "$WORK/pgbench.out" | grep -v '^SQL script\|^transaction type' | sed 's/^/    /'
# per script: name, transactions, failed, deadlock failures
awk '
    /^SQL script [0-9]+:/ { name = $4; sub(/.*\//, "", name); sub(/\.sql$/, "", name); order[++n] = name; tx[name] = 0; failed[name] = 0; dl[name] = 0; next }
    n && /^ - [0-9]+ transactions/ { tx[order[n]] = $2 }
    n && /^ - number of failed transactions:/ { failed[order[n]] = $6 }
    n && /^ - number of deadlock failures:/ { dl[order[n]] = $6 }
    END { for (i = 1; i <= n; i++) printf "%s %s %s %s\n", order[i], tx[order[i]], failed[order[i]], dl[order[i]] }
' "$WORK/pgbench.out" >"$WORK/per_script"
echo "    transactions per script (failed, of which deadlocks):"
# (not "failed": that is lib.sh's count of failed checks)
while read -r s_name s_tx s_failed s_deadlocks; do
    printf '      %-18s %7s  (%s failed, %s deadlocks)\n' "$s_name" "$s_tx" "$s_failed" "$s_deadlocks"
done <"$WORK/per_script"
grep -v '^pgbench: \(pghost\|warning\)' "$WORK/pgbench.err" | head -20 | sed 's/^/    /'

total_tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
total_failed=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
deadlock_failed=$(sed -n 's/^number of deadlock failures: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
serialization_failed=$(sed -n 's/^number of serialization failures: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")

if [ "$pgbench_rc" -eq 0 ]; then ok "pgbench exited 0"; else not_ok "pgbench exited $pgbench_rc"; fi
aborted=$(grep -i 'aborted\|error' "$WORK/pgbench.err" | grep -v '^pgbench: \(pghost\|warning\)')
check "no pgbench client aborted (no statement failed with an error other than deadlock / serialization)" "$aborted"
if [ -z "$total_tx" ] || [ "$total_tx" -eq 0 ]; then
    not_ok "pgbench processed no transaction"
elif [ "${total_failed:-x}" = 0 ]; then
    ok "$total_tx transactions, 0 failed (0 deadlock failures, 0 serialization failures)"
else
    not_ok "$total_tx transactions, ${total_failed:-?} failed: ${deadlock_failed:-?} deadlock failures, ${serialization_failed:-?} serialization failures"
fi
never_ran=$(awk '$2 == 0 { print $1 }' "$WORK/per_script" | tr '\n' ' ')
[ -z "$never_ran" ] || note "scripts that never ran (too short a run?): $never_ran"

# Backends flush their statistics when they exit: wait for pgbench's to be gone.
for _ in $(seq 1 50); do
    [ "$(q -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()")" = 0 ] && break
    sleep 0.1
done
deadlocks_after=$(q -c "SELECT pg_stat_clear_snapshot(); SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()" | tail -1)
if [ "$deadlocks_after" = "$deadlocks_before" ]; then
    ok "pg_stat_database: no deadlock in $DB"
else
    not_ok "pg_stat_database: $((deadlocks_after - deadlocks_before)) deadlocks in $DB"
fi

if [ -n "$server_log" ] && [ -r "$server_log" ]; then
    tail -c +"$((log_from + 1))" "$server_log" >"$WORK/server.log"
    n_deadlocks=$(grep -c 'deadlock detected' "$WORK/server.log")
    if [ "$n_deadlocks" -eq 0 ]; then
        ok "server log: no \"deadlock detected\" during the run"
    else
        not_ok "server log: $n_deadlocks \"deadlock detected\" during the run"
        # Which scripts deadlocked with which: every statement starts with /* hunt:NAME */,
        # and PostgreSQL's report names each process of the cycle with its statement.
        awk '/deadlock detected/ { if (n) print key(); n = 0; on = 1; next }
             on && /^[^\t]/ && !/DETAIL:/ { if (n) print key(); n = 0; on = 0 }
             on && match($0, /Process [0-9]+: \/\* hunt:[a-z_]+/) {
                 s = substr($0, RSTART, RLENGTH); sub(/.*hunt:/, "", s); names[++n] = s }
             function key(   i, j, t) {
                 for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (names[j] < names[i]) { t = names[i]; names[i] = names[j]; names[j] = t }
                 t = names[1]; for (i = 2; i <= n; i++) t = t " x " names[i]; return t }
             END { if (n) print key() }' "$WORK/server.log" | sort | uniq -c | sort -rn >"$WORK/deadlock_pairs"
        echo "        deadlocks by the scripts of the cycle (count, scripts):"
        sed 's/^/          /' "$WORK/deadlock_pairs"
        echo "        the first report:"
        awk '/deadlock detected/ { show = 1 } show { print } show && /STATEMENT:/ { exit }' "$WORK/server.log" |
            cut -c1-300 | sed 's/^/          /'
    fi
    other_errors=$(grep 'ERROR:' "$WORK/server.log" | grep -v 'deadlock detected' | sed 's/^.*ERROR:/ERROR:/' | sort | uniq -c | sort -rn | head -10)
    [ -z "$other_errors" ] || note "other errors in the server log: $other_errors"
else
    not_ok "server log not found (set LOG_FILE): cannot look for \"deadlock detected\""
fi

# --- the cache afterwards --------------------------------------------------------------------
check "every cached row exact, a cached row for every machine with data" "$(cache_problems)"
check "every machine of the fleet has a cached row" "$(q -c "
    SELECT format('machine %s has no cached row', f.machine_id) FROM public.hunt_fleet f
     WHERE NOT EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = f.machine_id)")"
check "computed_at never moved backwards, no cached row deleted" "$(q -c "SELECT what FROM public.hunt_violations ORDER BY noted_at LIMIT 20")"
check "fresh stamps stayed unique (fewer than 2^19 drawn)" "$(q -c "
    SELECT format('%s stamps drawn: they may repeat', last_value) FROM public.hunt_seq WHERE last_value >= 524288")"
q -c "SELECT format('    at the end: %s observations, %s interruptions, %s ratings, %s blacklist entries (%s auto), %s cached rows (tiers: %s); settings: weights %s/%s/%s, auto_blacklist_below %s',
              (SELECT count(*) FROM reliability.observations), (SELECT count(*) FROM reliability.interruptions),
              (SELECT count(*) FROM reliability.ratings), (SELECT count(*) FROM reliability.blacklist),
              (SELECT count(*) FROM reliability.blacklist WHERE kind = 'auto'), (SELECT count(*) FROM reliability.scores),
              (SELECT string_agg(tier || ' ' || c, ', ') FROM (SELECT tier, count(*) c FROM reliability.scores GROUP BY tier ORDER BY tier) t),
              st.weight_uptime, st.weight_interruption, st.weight_rating, coalesce(st.auto_blacklist_below::text, 'off'))
       FROM reliability.settings st"

finish
