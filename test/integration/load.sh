#!/usr/bin/env bash
# Concurrency under load (SPEC §5): several pgbench clients write and read at the same time
# for DURATION seconds, at READ COMMITTED, every statement its own transaction:
#   poll.sql       a poll cycle: ONE INSERT of one observation of each of FLEET machines,
#                  rows in random order
#   single.sql     one observation of a random machine
#   late.sql       one observation 5 s in the past (older than the cached computed_at)
#   rate_new.sql   reliability.rate() by a new user (an insert)
#   rate_pool.sql  reliability.rate() by one of 3 users on one of 10 machines (the clients
#                  upsert the same 30 rows: ON CONFLICT DO UPDATE on hot rows)
#   interrupt.sql  an interruption of a random machine
#   list.sql       the API's list: top 50 of machine_reliability, not blacklisted, score >= 70
#   refresh.sql    reliability.refresh() (locks every cached row in one statement)
#   check.sql      a checker: in one REPEATABLE READ snapshot, records every cached row that
#                  differs from reliability.score(machine_id, computed_at), while the
#                  writers run (the contract holds after every commit, not only at the end)
# (test/integration/load/*.sql). The auto-blacklist is on, and some machines have a
# permanent manual blacklist entry.
#
# No duplicate key is possible: every writing transaction takes the client's next "slot"
# (128 µs wide, strictly increasing per client, from clock_timestamp()); an observation is
# stamped slot*128 + client_id µs (late ones slot*128 - 5 s + 64 + client_id), so the µs
# residue mod 128 tells which client wrote it and no two writes share a timestamp. Users of
# new ratings and instance ids of interruptions are 'load-c<client>-<slot>'.
#
# Afterwards it asserts:
#   - pgbench: exit status 0, no aborted client, 0 failed transactions (no deadlock, no
#     serialization failure; --max-tries is not used, so any such error would count);
#   - per client, the rows in the tables equal what pgbench's transaction log (--log) says
#     that client committed: observations (FLEET per poll + 1 per single, by residue),
#     late observations, new ratings, interruptions; the shared-pool ratings are at most 30;
#   - every row of reliability.scores equals reliability.score(machine_id, computed_at)
#     field by field, and as_of = computed_at; every machine with data has a row (lib.sh's
#     cache_problems);
#   - computed_at never moved backwards (a row trigger watches every write of the cache);
#   - auto-blacklist: every machine whose cached score is below the threshold (tier not new)
#     and has no manual entry has an active auto entry expiring at computed_at + 1 hour;
#     the manual entries are untouched.
# Prints "load: N passed, M failed" and exits 1 when any check failed.
#
# Environment: DURATION seconds (default 30; a longer run: DURATION=120), CLIENTS (default
# 4, at most 64), JOBS pgbench threads (default 2), FLEET machines per poll (default 200),
# LOAD_DB, KEEP_DB=1 keeps the database and prints the work directory.
TEST=load DB=${LOAD_DB:-reliability_load}
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

DURATION=${DURATION:-30}
CLIENTS=${CLIENTS:-4}
JOBS=${JOBS:-2}
FLEET=${FLEET:-200}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
SCRIPTS=$HERE/load

[ "$CLIENTS" -ge 1 ] && [ "$CLIENTS" -le 64 ] || { echo "load: CLIENTS must be 1..64"; exit 1; }
[ "$JOBS" -gt "$CLIENTS" ] && JOBS=$CLIENTS

echo "load: $CLIENTS clients, $JOBS threads, $DURATION s, fleet of $FLEET machines, database $DB"
fresh_db "$DB" || { not_ok "cannot create database $DB"; finish; }

# --- setup ---------------------------------------------------------------------------------
if ! q >/dev/null <<SQL; then not_ok "setup failed"; finish; fi
SET client_min_messages = warning;
CREATE EXTENSION reliability;
-- Short windows, so the cached windows slide while the test runs; the auto-blacklist on.
UPDATE reliability.settings SET score_window = interval '10 minutes', max_gap = interval '10 seconds',
       interruption_horizon = interval '1 minute', min_history = interval '1 minute',
       auto_blacklist_below = 50, auto_blacklist_for = interval '1 hour';

CREATE TABLE public.load_fleet (n int PRIMARY KEY, machine_id bigint NOT NULL, p_online float8 NOT NULL);
INSERT INTO public.load_fleet
SELECT i, reliability.machine('load', 'gpu-' || i), CASE WHEN i % 10 = 0 THEN 0.15 ELSE 0.55 + (i % 10) / 22.0 END
  FROM generate_series(1, $FLEET) AS i;

-- computed_at must never move backwards: watch every write of a cached row.
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

-- History: the last 12 minutes, one observation every 5 s (aligned to whole seconds, ending
-- a minute before the load starts), and an interruption now and then.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, date_trunc('second', now()) - interval '60 seconds' - g * interval '5 seconds', random() < f.p_online
  FROM public.load_fleet f, generate_series(0, 143) AS g;
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT f.machine_id, now() - interval '3 minutes', 'history', 'history' FROM public.load_fleet f WHERE f.n % 7 = 0;
-- Permanent manual blacklist entries: the auto-blacklist must never overwrite them.
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by)
SELECT f.machine_id, 'manual', 'manual ' || f.n, 'load test' FROM public.load_fleet f WHERE f.n % 25 = 0;
CREATE TABLE public.midrun_problems (noted_at timestamptz DEFAULT clock_timestamp(), client int, machine_id bigint,
                                     computed_at timestamptz, cached reliability.score, exact reliability.score);
CREATE TABLE public.manual_entries AS SELECT machine_id, reason FROM reliability.blacklist WHERE kind = 'manual';
ANALYZE;
SQL

start_epoch=$(q -c "SELECT extract(epoch FROM clock_timestamp())")
counts_before=$(q -c "SELECT (SELECT count(*) FROM reliability.observations) || ' ' || (SELECT count(*) FROM reliability.ratings) || ' ' || (SELECT count(*) FROM reliability.interruptions)")

# --- the load ------------------------------------------------------------------------------
# Script numbers in pgbench's log follow the order of -f.
names=(poll single late rate_new rate_pool interrupt list refresh check)
weights=(10 10 5 10 10 5 20 1 2)
fargs=()
for i in "${!names[@]}"; do fargs+=(-f "$SCRIPTS/${names[$i]}.sql@${weights[$i]}"); done
(cd "$WORK" && pgbench -n -c "$CLIENTS" -j "$JOBS" -T "$DURATION" -D slot=0 -D fleet="$FLEET" \
    --log --log-prefix="$WORK/tx" -r "${fargs[@]}" "$DB" >"$WORK/pgbench.out" 2>"$WORK/pgbench.err")
pgbench_rc=$?
# the summary and each script's line (not the per-statement latencies)
grep -v '^  \| - statement latencies\| - weight' "$WORK/pgbench.out" | sed 's/^/    /'
grep -v '^pgbench: \(pghost\|warning\)' "$WORK/pgbench.err" | head -20

if [ "$pgbench_rc" -eq 0 ]; then ok "pgbench exited 0"; else not_ok "pgbench exited $pgbench_rc: $(head -5 "$WORK/pgbench.err")"; fi
if grep -qi 'aborted\|error' "$WORK/pgbench.err"; then
    not_ok "pgbench reported errors: $(grep -i 'aborted\|error' "$WORK/pgbench.err" | head -5)"
else
    ok "no client aborted, no error reported"
fi
failed_tx=$(sed -n 's/^number of failed transactions: \([0-9]*\).*/\1/p' "$WORK/pgbench.out" | head -1)
total_tx=$(sed -n 's/^number of transactions actually processed: \([0-9]*\).*/\1/p' "$WORK/pgbench.out")
if [ "${failed_tx:-x}" = 0 ] && [ "${total_tx:-0}" -gt 0 ]; then
    ok "$total_tx transactions, 0 failed (no deadlock, no serialization failure)"
else
    not_ok "failed transactions: ${failed_tx:-not reported} of ${total_tx:-?}"
fi

# --- what each client committed, from pgbench's log -----------------------------------------
# log line: client_id transaction_no time script_no time_epoch time_us (time = failed/skipped)
cat "$WORK"/tx.* > "$WORK/tx.all" 2>/dev/null
committed=$(awk '$3 != "failed" && $3 != "skipped" { n[$1 " " $4]++ }
                 END { for (k in n) print k, n[k] }' "$WORK/tx.all" | sort -n)
log_failed=$(awk '$3 == "failed" || $3 == "skipped"' "$WORK/tx.all" | wc -l)
log_total=$(wc -l < "$WORK/tx.all")
if [ "$log_total" = "${total_tx:-}" ] && [ "$log_failed" = 0 ]; then
    ok "pgbench's transaction log has all $log_total transactions, none failed"
else
    not_ok "pgbench's transaction log: $log_total transactions ($log_failed failed), summary says ${total_tx:-?}"
fi
q -c "CREATE TABLE public.committed (client int, script int, n bigint)"
printf '%s\n' "$committed" | q -c "\\copy public.committed FROM STDIN WITH (DELIMITER ' ')"

# --- the rows each client wrote ---------------------------------------------------------------
count_problems=$(q <<SQL
WITH expected AS (
    SELECT c.client,
           $FLEET * coalesce(sum(n) FILTER (WHERE script = 0), 0) + coalesce(sum(n) FILTER (WHERE script = 1), 0) AS obs,
           coalesce(sum(n) FILTER (WHERE script = 2), 0) AS late,
           coalesce(sum(n) FILTER (WHERE script = 3), 0) AS ratings,
           coalesce(sum(n) FILTER (WHERE script = 5), 0) AS interruptions
      FROM generate_series(0, $CLIENTS - 1) AS c(client) LEFT JOIN public.committed USING (client)
     GROUP BY c.client
), obs AS (
    SELECT ((extract(epoch FROM o.observed_at) * 1000000)::bigint % 128)::int AS residue, count(*) AS n
      FROM reliability.observations o
     WHERE o.observed_at > to_timestamp($start_epoch) - interval '30 seconds'
     GROUP BY 1
), found AS (
    SELECT c.client,
           coalesce((SELECT n FROM obs WHERE residue = c.client), 0) AS obs,
           coalesce((SELECT n FROM obs WHERE residue = 64 + c.client), 0) AS late,
           (SELECT count(*) FROM reliability.ratings r WHERE r.user_id LIKE 'load-c' || c.client || '-%') AS ratings,
           (SELECT count(*) FROM reliability.interruptions i WHERE i.instance_id LIKE 'load-c' || c.client || '-%') AS interruptions
      FROM generate_series(0, $CLIENTS - 1) AS c(client)
)
SELECT format('client %s: committed obs %s / late %s / ratings %s / interruptions %s, found %s / %s / %s / %s',
              e.client, e.obs, e.late, e.ratings, e.interruptions, f.obs, f.late, f.ratings, f.interruptions)
  FROM expected e JOIN found f USING (client)
 WHERE (e.obs, e.late, e.ratings, e.interruptions) IS DISTINCT FROM (f.obs, f.late, f.ratings, f.interruptions)
UNION ALL
SELECT format('observations of no client: %s rows at residue %s', n, residue)
  FROM obs WHERE residue >= $CLIENTS AND residue < 64 OR residue >= 64 + $CLIENTS;
SQL
)
totals=$(q -c "SELECT format('%s poll cycles (%s rows), %s single, %s late observations, %s new + %s pool ratings, %s interruptions, %s listings, %s refreshes, %s checks',
    sum(n) FILTER (WHERE script = 0), $FLEET * sum(n) FILTER (WHERE script = 0), sum(n) FILTER (WHERE script = 1),
    sum(n) FILTER (WHERE script = 2), sum(n) FILTER (WHERE script = 3), sum(n) FILTER (WHERE script = 4),
    sum(n) FILTER (WHERE script = 5), sum(n) FILTER (WHERE script = 6), sum(n) FILTER (WHERE script = 7), sum(n) FILTER (WHERE script = 8))
    FROM public.committed")
if [ -z "$count_problems" ]; then
    ok "every client's committed rows are in the tables, nothing more: $totals"
else
    not_ok "rows do not match what the clients committed:"
    echo "$count_problems" | sed 's/^/        /'
fi
read -r obs0 rat0 int0 <<<"$counts_before"
growth=$(q -c "SELECT format('%s %s %s', (SELECT count(*) FROM reliability.observations) - $obs0,
                              (SELECT count(*) FROM reliability.ratings WHERE user_id LIKE 'load-c%'),
                              (SELECT count(*) FROM reliability.interruptions) - $int0)")
expected_growth=$(q -c "SELECT format('%s %s %s', $FLEET * coalesce(sum(n) FILTER (WHERE script = 0), 0) + coalesce(sum(n) FILTER (WHERE script IN (1, 2)), 0),
                                      coalesce(sum(n) FILTER (WHERE script = 3), 0), coalesce(sum(n) FILTER (WHERE script = 5), 0)) FROM public.committed")
[ "$growth" = "$expected_growth" ] \
    && ok "table growth (observations, new ratings, interruptions) = $growth, as committed" \
    || not_ok "table growth $growth, committed $expected_growth"
pool=$(q -c "SELECT count(*) FROM reliability.ratings WHERE user_id LIKE 'pool-u%'")
pool_tx=$(q -c "SELECT coalesce(sum(n), 0) FROM public.committed WHERE script = 4")
if [ "$pool" -le 30 ] && { [ "$pool_tx" -eq 0 ] || [ "$pool" -ge 1 ]; }; then
    ok "shared-pool ratings: $pool rows after $pool_tx upserts (at most 30)"
else
    not_ok "shared-pool ratings: $pool rows after $pool_tx upserts"
fi

# --- the cache --------------------------------------------------------------------------------
# (pgbench has ended: nothing writes any more.)
problems=$(cache_problems; q -c "SELECT 'BACKWARDS ' || what FROM public.violations")
ncached=$(q -c "SELECT count(*) FROM reliability.scores")
nchecks=$(q -c "SELECT coalesce(sum(n), 0) FROM public.committed WHERE script = 8")
midrun=$(q -c "SELECT format('client %s at %s: machine %s (computed_at %s): cached %s; exact %s', client, noted_at, machine_id, computed_at, cached, exact)
                 FROM public.midrun_problems ORDER BY noted_at")
if [ -z "$midrun" ]; then
    ok "$nchecks checks during the load (each of every cached row, in one snapshot): the cache was exact every time"
else
    not_ok "checks during the load found $(grep -c . <<<"$midrun") inexact cached rows:"
    echo "$midrun" | head -20 | sed 's/^/        /'
fi
if [ -z "$problems" ]; then
    ok "all $ncached cached rows equal reliability.score(machine_id, computed_at) field by field; computed_at never moved backwards"
else
    not_ok "the cache is not exact ($(grep -c . <<<"$problems") problems):"
    echo "$problems" | head -20 | sed 's/^/        /'
    # the cache after a full recomputation, for the report
    q -c "SELECT 'after reliability.rebuild(): ' || reliability.rebuild(now()) || ' rows rebuilt'" | sed 's/^/        /'
fi

bl_problems=$(q <<'SQL'
SELECT format('machine %s: score %s (tier %s, computed_at %s) below 50 but blacklist entry %s', s.machine_id, s.score, s.tier, s.computed_at,
              coalesce(b::text, 'none'))
  FROM reliability.scores s LEFT JOIN reliability.blacklist b USING (machine_id)
 WHERE s.score < 50 AND s.tier <> 'new'
   AND NOT EXISTS (SELECT FROM public.manual_entries me WHERE me.machine_id = s.machine_id)
   AND (b.kind IS DISTINCT FROM 'auto' OR b.expires_at IS DISTINCT FROM reliability.add_fixed(s.computed_at, interval '1 hour'))
UNION ALL
SELECT format('manual entry of machine %s changed: %s', me.machine_id, coalesce(b::text, 'deleted'))
  FROM public.manual_entries me LEFT JOIN reliability.blacklist b USING (machine_id)
 WHERE b.kind IS DISTINCT FROM 'manual' OR b.reason IS DISTINCT FROM me.reason OR b.expires_at IS NOT NULL;
SQL
)
nauto=$(q -c "SELECT count(*) FROM reliability.blacklist WHERE kind = 'auto'")
if [ -z "$bl_problems" ]; then
    ok "auto-blacklist: $nauto auto entries, each low-scored machine has one expiring at computed_at + 1 hour; manual entries untouched"
else
    not_ok "auto-blacklist:"
    echo "$bl_problems" | head -10 | sed 's/^/        /'
fi

# the listing still answers, and from the cache
listed=$(q -c "SELECT count(*) FROM (SELECT machine_id FROM reliability.machine_reliability WHERE NOT blacklisted AND score >= 70 ORDER BY score DESC NULLS LAST LIMIT 50) l")
ok "the listing returns $listed machines at the end"

finish
