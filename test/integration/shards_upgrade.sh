#!/usr/bin/env bash
# ALTER EXTENSION reliability UPDATE of a coordinator and its servers (SPEC §12 on a
# released version): a coordinator over two servers is made at 0.7.0, the first release with
# shards, and written through. Updating the coordinator before its servers is refused
# (55000, nothing changed); servers first, then the coordinator, keeps every row and every
# cached score, marks the servers (compact() on a server alone is then refused), and the
# cluster keeps working: a new poll cycle leaves every server's cache exact.
TEST=shards_upgrade DB=reliability_shards_upgrade
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FROM=0.7.0
trap 'cluster down "$SHARDS" >/dev/null 2>&1; cleanup_work' EXIT

TO=$(q_in postgres -c "SELECT default_version FROM pg_available_extensions WHERE name = 'reliability'")
RELIABILITY_VERSION=$FROM cluster up "$SHARDS" 2 >/dev/null || { not_ok "cannot start the shard servers at $FROM"; finish; }
RELIABILITY_VERSION=$FROM cluster coordinator "$SHARDS" "$DB" >/dev/null || { not_ok "distribute() at $FROM failed"; finish; }
versions() { echo "$(q -c "SELECT extversion FROM pg_extension WHERE extname = 'reliability'") $(shard 1 -c "SELECT extversion FROM pg_extension WHERE extname = 'reliability'") $(shard 2 -c "SELECT extversion FROM pg_extension WHERE extname = 'reliability'")"; }
[ "$(versions)" = "$FROM $FROM $FROM" ] && ok "a coordinator and 2 servers at $FROM" || not_ok "versions: $(versions)"

# A fleet written through the coordinator: poll cycles, interruptions, ratings, refresh().
T0=$(q -c "SELECT date_trunc('minute', now()) - interval '2 days'")
q >/dev/null <<SQL || { not_ok "loading the fleet at $FROM failed"; finish; }
SELECT setseed(0.17);
SELECT reliability.observe(array_agg('prov-' || (i % 2) ORDER BY i), array_agg('gpu-' || i ORDER BY i),
                           array_agg(timestamptz '$T0' + c * interval '30 minutes' ORDER BY i), array_agg(random() < 0.8 ORDER BY i))
  FROM generate_series(0, 80) c, generate_series(1, 40) i GROUP BY c;
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT m.machine_id, timestamptz '$T0' + interval '1 day', 'i-' || m.machine_id, 'preempted'
  FROM reliability.machines m WHERE m.machine_id % 3 = 0;
SELECT (reliability.rate(m.machine_id, 'user-' || u, (1 + (m.machine_id + u) % 5)::integer)).stars
  FROM reliability.machines m, generate_series(1, 2) u WHERE m.machine_id % 2 = 0;
SELECT reliability.refresh();
SQL
T1=$(q -c "SELECT max(computed_at) FROM reliability.scores")
RESULTS="SELECT m.machine_id, s.* FROM reliability.machines m, LATERAL reliability.score(m.machine_id, '$T1') s ORDER BY 1"
CACHED="SELECT s.* FROM reliability.scores s ORDER BY s.machine_id"
ROWS="SELECT (SELECT count(*) FROM reliability.machines) || '/' || (SELECT count(*) FROM reliability.observations) || '/'
          || (SELECT count(*) FROM reliability.interruptions) || '/' || (SELECT count(*) FROM reliability.ratings)
          || '/' || (SELECT count(*) FROM reliability.history)"
results_before=$(q -c "$RESULTS")
cached_before=$(q -c "$CACHED")
rows_before=$(q -c "$ROWS")
[ -n "$results_before" ] && [ "$(wc -l <<<"$cached_before")" = 40 ] && ok "40 machines written and cached through the coordinator ($rows_before rows)" \
    || not_ok "the fleet at $FROM: $(wc -l <<<"$cached_before") cached rows"

# The coordinator first: refused, nothing changed.
out=$(psql -X -q -At -d "$DB" -v VERBOSITY=verbose -c "ALTER EXTENSION reliability UPDATE TO '$TO'" 2>&1)
grep -q "^ERROR:  55000: server \"shard_1\" has reliability $FROM: update every server" <<<"$out" && [ "$(versions)" = "$FROM $FROM $FROM" ] \
    && ok "updating the coordinator before its servers is 55000, nothing changed" || not_ok "coordinator first: $(head -2 <<<"$out"); versions $(versions)"

# The servers, then the coordinator.
for k in 1 2; do
    shard "$k" -c "ALTER EXTENSION reliability UPDATE TO '$TO'" >/dev/null || not_ok "updating server $k failed"
done
q -c "ALTER EXTENSION reliability UPDATE TO '$TO'" >/dev/null || not_ok "updating the coordinator failed"
[ "$(versions)" = "$TO $TO $TO" ] && ok "servers, then the coordinator, updated to $TO" || not_ok "versions: $(versions)"
marks=$(echo "$(shard 1 -c "SELECT count(*) FROM reliability._coordinated")$(shard 2 -c "SELECT count(*) FROM reliability._coordinated")$(q -c "SELECT count(*) FROM reliability._coordinated")")
[ "$marks" = 110 ] && ok "the update marked both servers, not the coordinator" || not_ok "marks (server 1, server 2, coordinator): $marks"
[ "$(q -c "$ROWS")" = "$rows_before" ] && ok "every row kept ($rows_before)" || not_ok "rows: $(q -c "$ROWS"), were $rows_before"
check "every cached row unchanged" "$(diff <(echo "$cached_before") <(q -c "$CACHED"))"
check "score() of every machine unchanged" "$(diff <(echo "$results_before") <(q -c "$RESULTS"))"
for k in 1 2; do
    check "server $k: its cache exact after the update" "$(shard "$k" <<<"$CACHE_PROBLEMS_SQL" 2>&1)"
done

# Still a working cluster: a new poll cycle, and compaction only through the coordinator.
q -c "SELECT reliability.observe(array_agg('prov-' || (i % 2)), array_agg('gpu-' || i), array_agg(now()), array_agg(i % 4 <> 0)) FROM generate_series(1, 40) i" >/dev/null \
    || not_ok "a poll cycle after the update failed"
for k in 1 2; do
    check "server $k: its cache exact after a new poll cycle" "$(shard "$k" <<<"$CACHE_PROBLEMS_SQL" 2>&1)"
done
state=$(cluster psql "$SHARDS" 1 -v VERBOSITY=verbose -c "SELECT reliability.compact('$(q -c "SELECT (timestamptz '$T0' - interval '1 day')::date")')" 2>&1 >/dev/null \
        | first_sqlstate)
[ "$state" = 55000 ] && ok "compact() on a server alone is 55000 after the update" || not_ok "compact() on a server alone: '$state'"
finish
