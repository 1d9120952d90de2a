#!/usr/bin/env bash
# Shards (SPEC §12): a coordinator over two shard servers (scripts/shard-cluster.sh: two
# more clusters on this machine, unix sockets) against a single database holding the same
# rows. The same random fleet is written into both, the same statements (observe() poll
# cycles, plain multi-row INSERTs, rate(), deploy attempts, a manual blacklist entry, a
# settings change, refresh()); then every machine's cached row, score(), report(),
# periods(), daily_uptime(), sparkline(), the list (view and ranked()), the per-machine
# aggregate and the history must be equal, exactly. Also: distribute()'s refusals (55000,
# nothing changed), the pushdown seen in EXPLAIN VERBOSE, a settings change reaching every
# shard, each shard's cache exact, and a stopped shard giving a clear error rather than a
# wrong answer (and no partial write).
TEST=shards DB=reliability_shards_coord
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
SINGLE=reliability_shards_single
trap 'cluster down "$SHARDS" >/dev/null 2>&1; drop_db "$SINGLE"; cleanup_work' EXIT
MACHINES=${MACHINES:-120}

cluster up "$SHARDS" 2 || { not_ok "cannot start the shard servers"; finish; }
cluster coordinator "$SHARDS" "$DB" >/dev/null || { not_ok "distribute() on an empty coordinator failed"; finish; }
ok "distribute() turned an empty database into a coordinator over 2 servers"
fresh_db "$SINGLE"
q_in "$SINGLE" -c "SET client_min_messages = warning" -c "CREATE EXTENSION reliability" >/dev/null

# --- the coordinator's catalog ------------------------------------------------------------
layout=$(q -F' ' <<'SQL'
SELECT c.relname, pt.partstrat, pg_catalog.pg_get_partkeydef(c.oid),
       (SELECT count(*) FROM pg_inherits i JOIN pg_class p ON p.oid = i.inhrelid AND p.relkind = 'f' WHERE i.inhparent = c.oid)
  FROM pg_class c JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
 WHERE c.relnamespace = 'reliability'::regnamespace
   AND c.relname IN ('observations', 'interruptions', 'ratings', 'deploy_attempts', 'blacklist', 'scores', 'history')
 ORDER BY 1;
SQL
)
expected_layout=$(printf '%s h HASH (machine_id) 2\n' blacklist deploy_attempts history interruptions observations ratings scores)
check "every per-machine table is hash-partitioned by machine_id onto 2 foreign partitions" "$(diff <(echo "$expected_layout") <(echo "$layout"))"

# --- refusals -----------------------------------------------------------------------------
sqlstate_of() {   # sqlstate_of DB SQL: the SQLSTATE the statement fails with ("none" if it works)
    local out
    out=$(psql -X -q -At -d "$1" -v VERBOSITY=verbose -c "$2" 2>&1 >/dev/null)
    first_sqlstate <<<"$out"
}
catalog_of() {   # the extension's relations (kind, partitioning), the servers' options, the database's settings
    q_in "$1" -c "SELECT (SELECT string_agg(c.relname || ':' || c.relkind::text || ':' || coalesce(pt.partstrat::text, '-'), ',' ORDER BY c.relname)
                           FROM pg_class c LEFT JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
                          WHERE c.relnamespace = 'reliability'::regnamespace)
                       || (SELECT coalesce(string_agg(s.srvname || ':' || array_to_string(s.srvoptions, ';'), ',' ORDER BY s.srvname), '') FROM pg_foreign_server s)
                       || (SELECT coalesce(string_agg(array_to_string(d.setconfig, ';'), ','), '') FROM pg_db_role_setting d)
                       || (SELECT count(*) FROM reliability._shards)"
}
before=$(catalog_of "$DB")
state=$(sqlstate_of "$DB" "SELECT reliability.distribute(ARRAY['shard_1', 'shard_2'])")
[ "$state" = 55000 ] && [ "$(catalog_of "$DB")" = "$before" ] && ok "a second distribute() is 55000, nothing changed" \
    || not_ok "a second distribute(): $state"
REFUSED=reliability_shards_refused
fresh_db "$REFUSED"
q_in "$REFUSED" >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION reliability;
CREATE EXTENSION postgres_fdw;
CREATE SERVER shard_1 FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$SHARDS', port '$(sed -n 1p "$SHARDS/ports")', dbname 'shard');
CREATE USER MAPPING FOR PUBLIC SERVER shard_1 OPTIONS (user 'postgres');
SELECT reliability.machine('p', 'already-here');
SQL
before=$(catalog_of "$REFUSED")
state=$(sqlstate_of "$REFUSED" "SELECT reliability.distribute(ARRAY['shard_1'])")
[ "$state" = 55000 ] && [ "$(catalog_of "$REFUSED")" = "$before" ] && ok "distribute() on a database with rows is 55000, nothing changed" \
    || not_ok "distribute() with rows: $state"
q_in "$REFUSED" -c "DELETE FROM reliability.machines" >/dev/null
cluster psql "$SHARDS" 1 -c "SELECT reliability.machine('p', 'on-the-shard')" >/dev/null
state=$(sqlstate_of "$REFUSED" "SELECT reliability.distribute(ARRAY['shard_1'])")
[ "$state" = 55000 ] && [ "$(catalog_of "$REFUSED")" = "$before" ] && ok "distribute() over a server with rows is 55000, nothing changed" \
    || not_ok "distribute() over a server with rows: $state"
cluster psql "$SHARDS" 1 -c "DELETE FROM reliability.machines" >/dev/null
# Empty again, but the server of the first coordinator: a second one would share its rows.
state=$(sqlstate_of "$REFUSED" "SELECT reliability.distribute(ARRAY['shard_1'])")
[ "$state" = 55000 ] && [ "$(catalog_of "$REFUSED")" = "$before" ] && ok "distribute() over an empty server of another coordinator is 55000, nothing changed" \
    || not_ok "distribute() over another coordinator's server: $state"
for bad in "ARRAY['no_such_server']::text[]:42704" "ARRAY['shard_1', 'shard_1']:22023" "ARRAY[]::text[]:22023" "NULL:22004"; do
    state=$(sqlstate_of "$REFUSED" "SELECT reliability.distribute(${bad%:*})")
    [ "$state" = "${bad##*:}" ] && ok "distribute(${bad%:*}) is ${bad##*:}" || not_ok "distribute(${bad%:*}): $state, expected ${bad##*:}"
done
drop_db "$REFUSED"

# --- the same fleet in both ---------------------------------------------------------------
# One script of literal statements (drawn once with a fixed seed), run in both databases.
T0=$(q -c "SELECT date_trunc('minute', now()) - interval '3 days'")
q_in "$SINGLE" >"$WORK/load.sql" <<SQL
SELECT setseed(0.42);
-- the fleet registers through observe(): 12 poll cycles, one hour apart, some machines missing
SELECT format('SELECT reliability.observe(%L::text[], %L::text[], %L::timestamptz[], %L::boolean[]);',
              array_agg(p ORDER BY i), array_agg(e ORDER BY i), array_agg(t ORDER BY i), array_agg(s ORDER BY i))
  FROM (SELECT c, i, 'prov-' || (i % 3) AS p, 'gpu-' || i AS e,
               timestamptz '$T0' + c * interval '1 hour' + (random() * 30) * interval '1 second' AS t,
               random() < 0.6 + (i % 5) * 0.08 AS s
          FROM generate_series(0, 11) c, generate_series(1, $MACHINES) i
         WHERE random() < 0.9) x
 GROUP BY c ORDER BY c;
-- the same cycle sent again (idempotent)
SELECT format('SELECT reliability.observe(ARRAY[''prov-1''], ARRAY[''gpu-1''], ARRAY[%L::timestamptz], ARRAY[true]);',
              timestamptz '$T0' + interval '2 hours');
-- plain multi-row INSERTs, minute by minute over two days
SELECT format('INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES %s;',
              string_agg(format('(%s, %L, %L)', m, timestamptz '$T0' + interval '12 hours' + k * interval '10 minutes', random() < 0.85), ', '))
  FROM generate_series(1, $MACHINES) m, generate_series(1, 200) k
 WHERE random() < 0.7
 GROUP BY k % 8;
-- interruptions, ratings, deploy attempts (few: no deploy rule fires), a manual blacklist entry
SELECT format('INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason) VALUES %s;',
              string_agg(format('(%s, %L, %L, %L)', m, timestamptz '$T0' + random() * interval '60 hours', 'i-' || m, 'preempted'), ', '))
  FROM generate_series(1, $MACHINES) m WHERE random() < 0.3;
SELECT format('SELECT (reliability.rate(%s, %L, %s, %L)).stars;', m, 'user-' || u, 1 + floor(random() * 5)::int, 'ok')
  FROM generate_series(1, $MACHINES) m, generate_series(1, 3) u WHERE random() < 0.25;
SELECT format('SELECT (reliability.rate(%s, %L, %s)).stars;', m, 'user-1', 1 + floor(random() * 5)::int)
  FROM generate_series(1, $MACHINES) m WHERE random() < 0.1;
SELECT format('INSERT INTO reliability.deploy_attempts (machine_id, attempted_at, succeeded, failure_stage, seconds_to_ready) VALUES %s;',
              string_agg(format('(%s, %L, %L, %s, %s)', m, timestamptz '$T0' + interval '2 days' + random() * interval '20 hours', ok,
                                CASE WHEN ok THEN 'NULL' ELSE '''image_pull''' END, CASE WHEN ok THEN (10 + floor(random() * 100))::text ELSE 'NULL' END), ', '))
  FROM (SELECT m, random() < 0.8 AS ok FROM generate_series(1, $MACHINES) m, generate_series(1, 2) k WHERE random() < 0.5) d;
SELECT format('INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by, blacklisted_at) VALUES (%s, ''manual'', ''test'', ''ops'', %L);',
              3, timestamptz '$T0');
SELECT 'UPDATE reliability.settings SET weight_uptime = 0.5, weight_interruption = 0.3, min_history = interval ''1 day'';';
SQL
[ -s "$WORK/load.sql" ] || { not_ok "cannot draw the fleet"; finish; }
for db in "$SINGLE" "$DB"; do
    if ! q_in "$db" -f "$WORK/load.sql" >"$WORK/load.$db.out" 2>&1; then
        not_ok "loading the fleet into $db failed: $(tail -3 "$WORK/load.$db.out")"
        finish
    fi
done
check "every statement gave the same result in both (rows inserted, ratings)" "$(diff "$WORK/load.$SINGLE.out" "$WORK/load.$DB.out")"
resent=$(q -c "SELECT reliability.observe(ARRAY['prov-1'], ARRAY['gpu-1'], ARRAY[timestamptz '$T0' + interval '2 hours'], ARRAY[true])")
[ "$resent" = 0 ] && ok "a resent poll cycle through the coordinator inserts nothing" || not_ok "resent poll cycle inserted $resent"

# Every cached row to one instant later than every write, in both.
T1=$(q -c "SELECT date_trunc('second', now()) + interval '10 minutes'")
for db in "$SINGLE" "$DB"; do q_in "$db" -c "SELECT reliability.refresh('$T1')" >/dev/null; done
counts=$(q -c "SELECT (SELECT count(*) FROM reliability.machines) || ' machines, ' || (SELECT count(*) FROM reliability.observations) || ' observations, ' || (SELECT count(*) FROM reliability.ratings) || ' ratings, ' || (SELECT count(*) FROM reliability.scores) || ' cached rows'")
echo "    the fleet: $counts"

same() {   # same LABEL SQL: the query's rows are equal in both databases
    local a b
    a=$(q_in "$SINGLE" -c "$2" 2>&1)
    b=$(q -c "$2" 2>&1)
    if [ -n "$a" ] && [ "$a" = "$b" ]; then
        ok "$1 ($(wc -l <<<"$a") rows)"
    else
        not_ok "$1:"
        diff <(echo "$a") <(echo "$b") | head -10 | sed 's/^/        /'
    fi
}
same "every cached row" "SELECT s.* FROM reliability.scores s ORDER BY s.machine_id"
same "score() of every machine" "SELECT m.machine_id, s.* FROM reliability.machines m, LATERAL reliability.score(m.machine_id, '$T1') s ORDER BY 1"
same "report() of every machine" "SELECT m.machine_id, reliability.report(m.machine_id, '$T1') FROM reliability.machines m ORDER BY 1"
same "periods() of every machine" "SELECT m.machine_id, p.* FROM reliability.machines m, LATERAL reliability.periods(m.machine_id, tstzrange('$T0', '$T1')) p ORDER BY 1, 3"
same "daily_uptime() of every machine" "SELECT m.machine_id, d.* FROM reliability.machines m, LATERAL reliability.daily_uptime(m.machine_id, 5, '$T1') d ORDER BY 1, 2"
same "sparkline() of every machine" "SELECT m.machine_id, reliability.sparkline(m.machine_id, 5, '$T1') FROM reliability.machines m ORDER BY 1"
same "the view's list" "SELECT machine_id, provider, external_id, score, tier, uptime, rating_count, blacklisted FROM reliability.machine_reliability ORDER BY score DESC NULLS LAST, machine_id LIMIT 50"
same "ranked()" "SELECT machine_id, score, tier FROM reliability.ranked(min_score => 10, max_rows => 50)"
same "the per-machine aggregate" "SELECT machine_id, reliability.availability(observed_at, online, tstzrange('$T0', '$T1')) FROM reliability.observations GROUP BY machine_id ORDER BY 1"
FLEET="SELECT (reliability.availability(reliability.rollup(x.s))).* FROM (SELECT machine_id, reliability.summarize(observed_at, online, tstzrange('$T0', '$T1')) AS s FROM reliability.observations GROUP BY machine_id) x"
same "the fleet's availability, rolled up from per-machine summaries" "$FLEET"
same "the history" "SELECT * FROM reliability.history ORDER BY machine_id, day"
same "the blacklist" "SELECT machine_id, kind, reason FROM reliability.blacklist ORDER BY 1"
same "the deploy attempts" "SELECT * FROM reliability.deploy_attempts ORDER BY attempt_id"
check "the coordinator's cache is exact (every cached row = score(machine, computed_at))" "$(cache_problems "$DB")"

# --- each shard ---------------------------------------------------------------------------
for k in 1 2; do
    problems=$(cluster psql "$SHARDS" "$k" -At <<<"$CACHE_PROBLEMS_SQL" 2>&1)
    held=$(cluster psql "$SHARDS" "$k" -Atc "SELECT count(*) FROM reliability.observations")
    check "shard $k: its own cache exact ($held observations)" "$problems"
done
weights=$(for k in 1 2; do cluster psql "$SHARDS" "$k" -Atc "SELECT weight_uptime || '/' || weight_interruption || '/' || min_history FROM reliability.settings"; done | sort -u)
[ "$weights" = "0.5/0.3/1 day" ] && ok "the settings change reached both shards" || not_ok "shards' settings: $weights"
shard_of_all=$(q -c "SELECT count(DISTINCT m.machine_id) FROM reliability.machines m")
on_shards=$(( $(cluster psql "$SHARDS" 1 -Atc "SELECT count(*) FROM reliability.machines") + $(cluster psql "$SHARDS" 2 -Atc "SELECT count(*) FROM reliability.machines") ))
[ "$on_shards" = "$shard_of_all" ] && ok "every machine is registered on exactly one shard ($on_shards)" || not_ok "machines on shards: $on_shards of $shard_of_all"

# a machine of each shard (remainder 0: shard 1, remainder 1: shard 2)
on1=$(q -c "SELECT m.machine_id FROM reliability.machines m WHERE satisfies_hash_partition('reliability.scores'::regclass, 2, 0, m.machine_id) ORDER BY 1 LIMIT 1")
on2=$(q -c "SELECT m.machine_id FROM reliability.machines m WHERE satisfies_hash_partition('reliability.scores'::regclass, 2, 1, m.machine_id) ORDER BY 1 LIMIT 1")

# --- rate() through the coordinator: concurrent first ratings by one user ------------------
# The second waits for the first on the server's key, then fails with 40001 (its server reads
# at one snapshot, so it could never update the first's row), instead of spinning.
{ echo "BEGIN;"; echo "SELECT (reliability.rate($on1, 'racer', 3)).stars;"; echo "SELECT pg_sleep(2);"; echo "COMMIT;"; } | q >/dev/null 2>&1 &
first_rater=$!
sleep 0.7
second=$(psql -X -q -At -d "$DB" -v VERBOSITY=verbose -c "SET statement_timeout = '20s'" -c "SELECT (reliability.rate($on1, 'racer', 5)).stars" 2>&1)
wait "$first_rater"
grep -q '^ERROR:  40001: machine .* was rated by user .racer. in a concurrent transaction' <<<"$second" \
    && [ "$(q -c "SELECT stars FROM reliability.ratings WHERE machine_id = $on1 AND user_id = 'racer'")" = 3 ] \
    && ok "rate(): a concurrent first rating by the same user is 40001 (retry), the first one kept" \
    || not_ok "concurrent rate(): $(head -2 <<<"$second")"
again=$(q -c "SELECT (reliability.rate($on1, 'racer', 5)).stars" 2>&1)
[ "$again" = 5 ] && ok "rate(): the retry updates the rating" || not_ok "rate() retry: $again"
q -c "DELETE FROM reliability.ratings WHERE user_id = 'racer'" >/dev/null

# --- notifications (§11) come from the server that holds the machine -----------------------
listen_shard=$(q -c "SELECT CASE WHEN satisfies_hash_partition('reliability.scores'::regclass, 2, 0, 5::bigint) THEN 1 ELSE 2 END")
cluster psql "$SHARDS" "$listen_shard" -c "LISTEN reliability" -c "SELECT pg_sleep(3)" >"$WORK/listen.out" 2>&1 &
listener=$!
sleep 1
q -c "INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by) VALUES (5, 'manual', 'notify test', 'ops')" >/dev/null
wait "$listener"
grep -q 'Asynchronous notification "reliability" with payload "{"machine_id": 5, "event": "blacklisted"' "$WORK/listen.out" \
    && ok "a blacklisting through the coordinator is announced by shard $listen_shard, which holds the machine" \
    || { not_ok "no notification on shard $listen_shard:"; sed 's/^/        /' "$WORK/listen.out"; }
q -c "DELETE FROM reliability.blacklist WHERE machine_id = 5 AND reason = 'notify test'" >/dev/null

# --- pushdown -----------------------------------------------------------------------------
plan=$(q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT machine_id, reliability.availability(observed_at, online, tstzrange('$T0', '$T1')) FROM reliability.observations GROUP BY machine_id")
pushed=$(grep -c 'Remote SQL: SELECT machine_id, reliability.availability(' <<<"$plan")
async=$(grep -c 'Async Foreign Scan' <<<"$plan")
[ "$pushed" = 2 ] && [ "$async" = 2 ] && ok "the aggregate grouped by machine runs whole on both shards, at once (EXPLAIN VERBOSE)" \
    || { not_ok "pushdown: $pushed remote aggregates, $async async scans"; sed 's/^/        /' <<<"$plan"; }
plan=$(q -c "EXPLAIN (VERBOSE, COSTS OFF) $FLEET")
[ "$(grep -c 'Remote SQL: SELECT machine_id, reliability.summarize(observed_at, online' <<<"$plan")" = 2 ] \
    && ok "fleet-wide: the per-machine summaries are made on the shards, only their rollup on the coordinator" \
    || { not_ok "fleet-wide summaries not pushed down:"; sed 's/^/        /' <<<"$plan"; }
plan=$(q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM reliability._ranked_on_shards(NULL, NULL, true, 50, '-infinity', 'infinity', false)" \
       -c "LOAD 'auto_explain'" -c "SET auto_explain.log_min_duration = 0" -c "SET auto_explain.log_nested_statements = on" \
       -c "SET auto_explain.log_verbose = on" -c "SET client_min_messages = log" -c "SET auto_explain.log_level = notice" \
       -c "SELECT count(*) FROM reliability.ranked(max_rows => 50)" 2>&1)
[ "$(grep -c 'Remote SQL: SELECT .* FROM reliability.machine_reliability WHERE .* ORDER BY score DESC NULLS LAST, machine_id ASC NULLS LAST LIMIT 50' <<<"$plan")" = 2 ] \
    && ok "ranked(): each shard sorts and limits its own list (ORDER BY ... LIMIT in both Remote SQL)" \
    || { not_ok "ranked() plan:"; grep -E 'Remote SQL' <<<"$plan" | cut -c1-300 | sed 's/^/        /'; }
plan=$(q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM reliability.observations WHERE machine_id = 7")
[ "$(grep -c 'Foreign Scan on' <<<"$plan")" = 1 ] && grep -q 'Remote SQL: .* WHERE ((machine_id = 7))' <<<"$plan" \
    && ok "a machine's rows are read from its shard alone, the filter pushed down" || { not_ok "point query plan:"; sed 's/^/        /' <<<"$plan"; }

# --- refresh() and compact() on every shard -------------------------------------------------
wrote=$(q -c "SELECT reliability.refresh('$T1'::timestamptz + interval '1 minute')")
[ "$wrote" = "$(q -c "SELECT count(*) FROM reliability.scores")" ] && ok "refresh() on the coordinator moved every shard's cached rows ($wrote)" \
    || not_ok "refresh() wrote $wrote"

# --- a stopped shard -------------------------------------------------------------------------
rows_before=$(q -c "SELECT count(*) FROM reliability.observations")
cluster stop "$SHARDS" 2
for probe in "SELECT (reliability.score($on2)).score" "SELECT count(*) FROM reliability.machine_reliability" \
             "SELECT machine_id FROM reliability.ranked(max_rows => 5)" \
             "INSERT INTO reliability.observations VALUES ($on1, '$T1', true), ($on2, '$T1', true)"; do
    out=$(psql -X -q -At -d "$DB" -v VERBOSITY=verbose -c "$probe" 2>&1)
    if grep -q '^ERROR:  08001: could not connect to server "shard_2"' <<<"$out"; then
        ok "shard 2 stopped: '$probe' fails with 08001 naming the server"
    else
        not_ok "shard 2 stopped: '$probe' gave: $(head -2 <<<"$out")"
    fi
done
# A machine of shard 1 is still read, by every reader of one machine (each prunes shard 2).
for probe in "SELECT (reliability.score($on1, '$T1')).score IS NOT NULL" \
             "SELECT reliability.report($on1, '$T1') IS NOT NULL" \
             "SELECT count(*) > 0 FROM reliability.periods($on1, tstzrange('$T1'::timestamptz - interval '12 hours', '$T1'))" \
             "SELECT count(*) > 0 FROM reliability.daily_uptime($on1, 5, '$T1')" \
             "SELECT reliability.sparkline($on1, 5, '$T1') IS NOT NULL" \
             "SELECT count(*) > 0 FROM reliability.observations WHERE machine_id = $on1"; do
    out=$(q -c "$probe" 2>&1)
    [ "$out" = t ] && ok "shard 2 stopped: '$probe' still works for a machine of shard 1" || not_ok "shard 2 stopped: '$probe': $(head -1 <<<"$out")"
done
cluster start "$SHARDS" 2
[ "$(q -c "SELECT count(*) FROM reliability.observations")" = "$rows_before" ] \
    && ok "shard 2 back: the failed insert wrote nothing on shard 1 either" || not_ok "rows changed by the failed insert"
check "shard 2 back: the coordinator's cache still exact" "$(cache_problems "$DB")"

# --- compaction through the coordinator (SPEC §9): whole days from history ------------------
# A one-day window in both, so that compact() may delete raw rows of this fleet; then every
# reader must still agree, reading history where the raw rows are gone, and refuse the same.
for db in "$SINGLE" "$DB"; do q_in "$db" -c "UPDATE reliability.settings SET score_window = interval '1 day'" >/dev/null; done
BEFORE=$(q -c "SELECT reliability._utc_day(reliability.sub_fixed(reliability.sub_fixed(now(), st.score_window), st.max_gap)) FROM reliability.settings st")
# On a server alone it is refused: the coordinator's readers would not learn the horizon.
state=$(cluster psql "$SHARDS" 1 -v VERBOSITY=verbose -c "SELECT reliability.compact('$BEFORE')" 2>&1 >/dev/null | first_sqlstate)
horizon=$(cluster psql "$SHARDS" 1 -Atc "SELECT coalesce(compacted_before::text, 'none') FROM reliability.retention")
[ "$state" = 55000 ] && [ "$horizon" = none ] && ok "compact() on a server alone is 55000, nothing compacted" \
    || not_ok "compact() on a server alone: '$state', horizon $horizon"
deleted_single=$(q_in "$SINGLE" -c "SELECT reliability.compact('$BEFORE')")
deleted=$(q -c "SELECT reliability.compact('$BEFORE')")
[ "$deleted" = "$deleted_single" ] && [ "$deleted" -gt 0 ] \
    && ok "compact('$BEFORE') through the coordinator deletes what it deletes in one database ($deleted rows)" \
    || not_ok "compact(): $deleted through the coordinator, $deleted_single in one database"
horizons=$( (for k in 1 2; do cluster psql "$SHARDS" "$k" -Atc "SELECT compacted_before || ' ' || materialized_before FROM reliability.retention"; done;
             q -c "SELECT compacted_before || ' ' || materialized_before FROM reliability.retention") | sort -u)
[ "$(wc -l <<<"$horizons")" = 1 ] && [ "${horizons%% *}" = "$BEFORE" ] \
    && ok "both shards and the coordinator's retention row have the horizon ($horizons)" || not_ok "horizons: $horizons"
same "after compact(): score() of every machine" "SELECT m.machine_id, s.* FROM reliability.machines m, LATERAL reliability.score(m.machine_id, '$T1') s ORDER BY 1"
same "after compact(): daily_uptime() of every machine" "SELECT m.machine_id, d.* FROM reliability.machines m, LATERAL reliability.daily_uptime(m.machine_id, 5, '$T1') d ORDER BY 1, 2"
same "after compact(): report() of every machine" "SELECT m.machine_id, reliability.report(m.machine_id, '$T1') FROM reliability.machines m ORDER BY 1"
for probe in "SELECT reliability.score($on1, '$T0'::timestamptz + interval '1 day')" \
             "SELECT count(*) FROM reliability.periods($on1, tstzrange('$T0', '$T1'))" \
             "SELECT count(*) FROM reliability.daily_uptime($on1, 3, '$T0')"; do
    a=$(sqlstate_of "$SINGLE" "$probe")
    b=$(sqlstate_of "$DB" "$probe")
    [ "$a" = 22023 ] && [ "$b" = 22023 ] && ok "after compact(): '$probe' is 22023 in both" || not_ok "after compact(): '$probe': $a in one database, $b through the coordinator"
done

# --- commit without two-phase commit: a crash, and a server failing at COMMIT ----------------
# At COMMIT the coordinator commits the servers' transactions one after the other, then its
# own. A deferred constraint trigger on each shard records when its COMMIT ran, which gives
# the order (it follows the order in which the transaction first wrote to each server, the
# same in each step below); then (1) the coordinator's backend is killed while the first server sleeps in
# its COMMIT, and (2) the second server refuses its COMMIT after the first committed. Whatever
# happens, each shard's cache must stay exact, and the check of docs/SHARDS.md (machines a
# server holds that the coordinator does not) must list exactly what was left behind.
for k in 1 2; do
    cluster psql "$SHARDS" "$k" >/dev/null <<'SQL'
CREATE TABLE public.commit_log (shard_commit_at timestamptz, observed_at timestamptz);
CREATE FUNCTION public.at_commit() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO public.commit_log VALUES (clock_timestamp(), NEW.observed_at);
    IF current_setting('test.at_commit', true) = 'sleep' AND current_setting('test.slept', true) IS DISTINCT FROM 'yes' THEN
        PERFORM set_config('test.slept', 'yes', true);   -- once per transaction
        PERFORM pg_sleep(4);
    END IF;
    IF current_setting('test.at_commit', true) = 'fail' THEN RAISE EXCEPTION 'refused at COMMIT' USING ERRCODE = '40001'; END IF;
    RETURN NULL;
END $$;
CREATE CONSTRAINT TRIGGER at_commit AFTER INSERT ON reliability.observations
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.observed_at > now() + interval '1 hour')
    EXECUTE FUNCTION public.at_commit();
SQL
done
poll_at() {   # poll_at TIME NAME: a row for on1 (shard 1), then one for on2 (shard 2), then a new machine NAME, at TIME, in one transaction
    # (the same order of first writes each time, so the same order of the servers' COMMITs)
    printf '%s\n' "BEGIN;" "INSERT INTO reliability.observations VALUES ($on1, '$1', true);" \
        "INSERT INTO reliability.observations VALUES ($on2, '$1', true);" \
        "SELECT reliability.machine('crash', '$2') > 0;" "COMMIT;"
}
rows_at() {   # rows_at K TIME: shard K's rows at TIME of on1 and on2 (not of the new machine)
    cluster psql "$SHARDS" "$1" -Atc "SELECT count(*) FROM reliability.observations WHERE observed_at = '$2' AND machine_id IN ($on1, $on2)"
}
shards_only() {   # machines the shards hold that the coordinator does not know (the check of docs/SHARDS.md)
    for k in 1 2; do cluster psql "$SHARDS" "$k" -Atc "SELECT machine_id || ' ' || provider || ' ' || external_id FROM reliability.machines"; done |
        sort | comm -23 - <(q -c "SELECT machine_id || ' ' || provider || ' ' || external_id FROM reliability.machines" | sort)
}
caches_exact() {
    for k in 1 2; do check "$1: shard $k's cache exact" "$(cluster psql "$SHARDS" "$k" -At <<<"$CACHE_PROBLEMS_SQL" 2>&1)"; done
}
A=$(q -c "SELECT '$T1'::timestamptz + interval '2 hours'")
B=$(q -c "SELECT '$T1'::timestamptz + interval '3 hours'")
C=$(q -c "SELECT '$T1'::timestamptz + interval '4 hours'")
poll_at "$A" order-probe | q >/dev/null
first=$(for k in 1 2; do echo "$(cluster psql "$SHARDS" "$k" -Atc "SELECT min(shard_commit_at) FROM public.commit_log WHERE observed_at = '$A'") $k"; done | sort | head -1 | cut -d' ' -f3)
second=$((3 - first))
[ -n "$first" ] && ok "the coordinator commits shard $first, then shard $second" || not_ok "commit order unknown"

# (1) the coordinator killed while shard $first sleeps in its COMMIT
cluster psql "$SHARDS" "$first" -c "ALTER DATABASE shard SET test.at_commit = 'sleep'" >/dev/null
poll_at "$B" crash-1 | PGAPPNAME=crash_victim psql -X -q -d "$DB" >"$WORK/crash.out" 2>&1 &
victim_client=$!
sleeping=0
for _ in $(seq 1 100); do
    sleeping=$(cluster psql "$SHARDS" "$first" -Atc "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")
    [ "$sleeping" = 1 ] && break
    sleep 0.1
done
victim=$(psql_admin -Atc "SELECT pid FROM pg_stat_activity WHERE application_name = 'crash_victim' AND backend_type = 'client backend' AND query = 'COMMIT;'")
if [ "$sleeping" = 1 ] && [ -n "$victim" ]; then
    kill -9 "$victim"
    wait "$victim_client" 2>/dev/null
    for _ in $(seq 1 150); do q -c "SELECT 1" >/dev/null 2>&1 && break; sleep 0.2; done
    for _ in $(seq 1 100); do   # shard $first ends its COMMIT
        [ "$(cluster psql "$SHARDS" "$first" -Atc "SELECT count(*) FROM pg_stat_activity WHERE wait_event = 'PgSleep'")" = 0 ] && break
        sleep 0.1
    done
    sleep 0.5
    note "coordinator killed in shard $first's COMMIT: shard $first kept $(rows_at "$first" "$B") of its row, shard $second $(rows_at "$second" "$B") of its, the coordinator $(q -c "SELECT count(*) FROM reliability.machines WHERE external_id = 'crash-1'") of its new machine"
    [ "$(q -c "SELECT count(*) FROM reliability.machines WHERE external_id = 'crash-1'")" = 0 ] \
        && ok "crash mid-commit: the coordinator's own write (a new machine) is lost" || not_ok "the coordinator kept its new machine"
    [ "$(rows_at "$first" "$B")" = 1 ] && ok "crash mid-commit: shard $first, whose COMMIT was under way, committed its row" || not_ok "shard $first did not commit"
    [ "$(rows_at "$second" "$B")" = 0 ] && ok "crash mid-commit: shard $second, never asked to commit, kept nothing" || not_ok "shard $second committed"
    caches_exact "crash mid-commit"
    expected=0
    for k in 1 2; do expected=$((expected + $(cluster psql "$SHARDS" "$k" -Atc "SELECT count(*) FROM reliability.machines WHERE external_id = 'crash-1'"))); done
    [ "$(shards_only | grep -c .)" = "$expected" ] && ok "crash mid-commit: the check lists what the crash left on the shards only ($expected machines)" \
        || not_ok "the check after the crash: $(shards_only)"
    mismatches=$(q -F ' ' -c "SELECT machine_id, provider, external_id FROM reliability.shard_mismatches() WHERE registered_on = 'server'")
    [ "$mismatches" = "$(shards_only)" ] && [ "$(q -c "SELECT count(*) FROM reliability.shard_mismatches() WHERE registered_on <> 'server'")" = 0 ] \
        && ok "crash mid-commit: reliability.shard_mismatches() lists the same machines, registered on their server only" \
        || not_ok "shard_mismatches(): '$mismatches', the shards' own lists: '$(shards_only)'"
else
    not_ok "could not catch the coordinator in a COMMIT (shard $first sleeping: $sleeping, backend: $victim)"
fi
cluster psql "$SHARDS" "$first" -c "ALTER DATABASE shard RESET test.at_commit" >/dev/null

# (2) shard $second refuses its COMMIT after shard $first committed: a partial commit
cluster psql "$SHARDS" "$second" -c "ALTER DATABASE shard SET test.at_commit = 'fail'" >/dev/null
psql -X -q -d "$DB" -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE 0 = 1" >/dev/null
out=$(poll_at "$C" crash-2 | psql -X -q -At -d "$DB" 2>&1)
grep -q "refused at COMMIT" <<<"$out" && ok "a server failing at COMMIT fails the coordinator's statement with its error" || not_ok "at COMMIT: $out"
[ "$(rows_at "$first" "$C")" = 1 ] && [ "$(rows_at "$second" "$C")" = 0 ] \
    && ok "a server failing at COMMIT: shard $first committed its row, shard $second did not (no two-phase commit)" \
    || not_ok "partial commit: shard $first $(rows_at "$first" "$C"), shard $second $(rows_at "$second" "$C")"
caches_exact "partial commit"
[ "$(q -c "SELECT count(*) FROM reliability.observations WHERE observed_at = '$C' AND machine_id IN ($on1, $on2)")" = 1 ] \
    && ok "a partial commit: the coordinator reads the committed row" || not_ok "coordinator reads of the partial commit"
cluster psql "$SHARDS" "$second" -c "ALTER DATABASE shard RESET test.at_commit" >/dev/null
for k in 1 2; do cluster psql "$SHARDS" "$k" -c "DROP TRIGGER at_commit ON reliability.observations" >/dev/null; done

# --- removing machines through the coordinator --------------------------------------------
gone=$on1
q -c "DELETE FROM reliability.machines WHERE machine_id = $gone" >/dev/null
left=$(cluster psql "$SHARDS" 1 -Atc "SELECT (SELECT count(*) FROM reliability.machines WHERE machine_id = $gone) + (SELECT count(*) FROM reliability.observations WHERE machine_id = $gone) + (SELECT count(*) FROM reliability.scores WHERE machine_id = $gone)")
[ "$left" = 0 ] && ok "DELETE of a machine on the coordinator removes it and its rows on its shard" || not_ok "machine $gone left $left rows on shard 1"
all_rows() { for k in 1 2; do cluster psql "$SHARDS" "$k" -Atc "SELECT (SELECT count(*) FROM reliability.machines) + (SELECT count(*) FROM reliability.observations) + (SELECT count(*) FROM reliability.scores)"; done | paste -sd' '; }
before=$(all_rows)
machines_before=$(q -c "SELECT count(*) FROM reliability.machines")
state=$(sqlstate_of "$DB" "TRUNCATE reliability.machines CASCADE")
[ "$state" = 22023 ] && [ "$(all_rows)" = "$before" ] && [ "$(q -c "SELECT count(*) FROM reliability.machines")" = "$machines_before" ] \
    && ok "TRUNCATE of machines on the coordinator reaches the shards, which refuse it after compact() (22023), nothing changed" \
    || not_ok "TRUNCATE after compact(): $state, shards $(all_rows) (were $before)"
# The remedy of docs/SHARDS.md for what the crash left: remove those machines on their shard.
shards_only | while read -r id _; do
    for k in 1 2; do cluster psql "$SHARDS" "$k" -c "DELETE FROM reliability.machines WHERE machine_id = $id" >/dev/null; done
done
[ -z "$(shards_only)" ] && [ "$(q -c "SELECT count(*) FROM reliability.shard_mismatches()")" = 0 ] \
    && ok "the machines the crash left on the shards are removed there; shard_mismatches() is empty" || not_ok "still on the shards only: $(shards_only)"
# The other two kinds: a registration lost on its server, and one changed there.
lost=$(q -c "SELECT min(machine_id) FROM reliability.machines WHERE satisfies_hash_partition('reliability.scores'::regclass, 2, 1, machine_id)")
changed=$(q -c "SELECT min(machine_id) FROM reliability.machines WHERE satisfies_hash_partition('reliability.scores'::regclass, 2, 0, machine_id)")
cluster psql "$SHARDS" 2 -c "SET session_replication_role = replica" -c "DELETE FROM reliability.machines WHERE machine_id = $lost" >/dev/null
cluster psql "$SHARDS" 1 -c "UPDATE reliability.machines SET external_id = 'renamed' WHERE machine_id = $changed" >/dev/null
got=$(q -F ' ' -c "SELECT server, machine_id, registered_on FROM reliability.shard_mismatches() ORDER BY machine_id")
want=$(printf '%s\n' "shard_2 $lost coordinator" "shard_1 $changed both, differently" | sort -k2,2n)
[ "$got" = "$want" ] && ok "shard_mismatches(): a registration lost on its server, and one changed there" || not_ok "shard_mismatches(): '$got', expected '$want'"
cluster psql "$SHARDS" 1 -c "UPDATE reliability.machines SET external_id = '$(q -c "SELECT external_id FROM reliability.machines WHERE machine_id = $changed")' WHERE machine_id = $changed" >/dev/null
cluster psql "$SHARDS" 2 -c "INSERT INTO reliability.machines SELECT * FROM (VALUES ($lost, '$(q -c "SELECT provider FROM reliability.machines WHERE machine_id = $lost")', '$(q -c "SELECT external_id FROM reliability.machines WHERE machine_id = $lost")', '$(q -c "SELECT created_at FROM reliability.machines WHERE machine_id = $lost")'::timestamptz)) v" >/dev/null
[ "$(q -c "SELECT count(*) FROM reliability.shard_mismatches()")" = 0 ] && ok "shard_mismatches() is empty again once both are mended" || not_ok "after mending: $(q -c "SELECT * FROM reliability.shard_mismatches()")"
q -c "DELETE FROM reliability.machines" >/dev/null
[ "$(all_rows)" = "0 0" ] && [ "$(q -c "SELECT count(*) FROM reliability.observations")" = 0 ] \
    && ok "DELETE of every machine on the coordinator empties every shard" || not_ok "after DELETE the shards hold: $(all_rows)"

finish
