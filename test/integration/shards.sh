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
REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
SINGLE=reliability_shards_single
SHARDS=$WORK/shards
cluster() { bash "$REPO/scripts/shard-cluster.sh" "$@"; }
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
    sed -n 's/^ERROR:  \([0-9A-Z]\{5\}\):.*/\1/p' <<<"$out" | head -1 | grep . || echo none
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
plan=$(q -c "EXPLAIN (VERBOSE, COSTS OFF) SELECT * FROM reliability.observations WHERE machine_id = 7")
[ "$(grep -c 'Foreign Scan on' <<<"$plan")" = 1 ] && grep -q 'Remote SQL: .* WHERE ((machine_id = 7))' <<<"$plan" \
    && ok "a machine's rows are read from its shard alone, the filter pushed down" || { not_ok "point query plan:"; sed 's/^/        /' <<<"$plan"; }

# --- refresh() and compact() on every shard -------------------------------------------------
wrote=$(q -c "SELECT reliability.refresh('$T1'::timestamptz + interval '1 minute')")
[ "$wrote" = "$(q -c "SELECT count(*) FROM reliability.scores")" ] && ok "refresh() on the coordinator moved every shard's cached rows ($wrote)" \
    || not_ok "refresh() wrote $wrote"

# --- a stopped shard -------------------------------------------------------------------------
on2=$(q -c "SELECT m.machine_id FROM reliability.machines m WHERE satisfies_hash_partition('reliability.scores'::regclass, 2, 1, m.machine_id) ORDER BY 1 LIMIT 1")
on1=$(q -c "SELECT m.machine_id FROM reliability.machines m WHERE satisfies_hash_partition('reliability.scores'::regclass, 2, 0, m.machine_id) ORDER BY 1 LIMIT 1")
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
# Rows of a machine of shard 1 are still read (the plan prunes shard 2). Not every function:
# a per-machine aggregate planned once for any machine (score()'s kept generic plan, with
# partitionwise aggregation) opens every partition, so it fails too (docs/SHARDS.md).
point=$(q -c "SELECT count(*) > 0 FROM reliability.observations WHERE machine_id = $on1" 2>&1)
[ "$point" = t ] && ok "shard 2 stopped: the rows of a machine of shard 1 are still read" || not_ok "shard 1's machine with shard 2 stopped: $point"
cluster start "$SHARDS" 2
[ "$(q -c "SELECT count(*) FROM reliability.observations")" = "$rows_before" ] \
    && ok "shard 2 back: the failed insert wrote nothing on shard 1 either" || not_ok "rows changed by the failed insert"
check "shard 2 back: the coordinator's cache still exact" "$(cache_problems "$DB")"

finish
