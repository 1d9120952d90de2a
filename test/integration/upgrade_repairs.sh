#!/usr/bin/env bash
# What the update to the newest version repairs: 0.9.0 and earlier skipped a settings change
# between two lengths that interval "=" calls equal ('1 year' and '360 days': 12 months of 30
# days, but 365.25 and 360 days as fixed lengths), so the cache stayed computed with the old
# window and the copy of the settings for pg_dump kept the old row. ALTER EXTENSION UPDATE
# brings the copy in step and recomputes; a database without such a miss is left alone. A
# coordinator (whose servers the change never reached) sends the settings to its servers.
TEST=upgrade_repairs DB=reliability_upgrade_repairs
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FROM=0.9.0
trap 'cluster down "$SHARDS" >/dev/null 2>&1; cleanup_work' EXIT

fresh_db "$DB"
q >/dev/null <<'SQL' || { not_ok "a fleet at 0.9.0 could not be made"; finish; }
SET client_min_messages = warning;
CREATE EXTENSION reliability VERSION '0.9.0';
SELECT reliability.machine('repair', 'm' || k) FROM generate_series(1, 3) k;
-- 400 days of rows every 6 hours: the days between 360 and 365.25 days ago hold data.
INSERT INTO reliability.observations
SELECT m.machine_id, now() - g * interval '6 hours', (g + m.machine_id) % 5 <> 0
  FROM reliability.machines m, generate_series(1, 1600) g;
UPDATE reliability.settings SET score_window = '1 year';
UPDATE reliability.settings SET score_window = '360 days';
SQL
[ "$(q -c "SELECT score_window FROM reliability._settings_copy")" = "1 year" ] &&
    [ -n "$(cache_problems)" ] &&
    ok "$FROM skipped the change from '1 year' to '360 days': copy and cache still have the year" ||
    not_ok "$FROM was expected to skip that change (copy: $(q -c "SELECT score_window FROM reliability._settings_copy"))"

q -c "SET client_min_messages = warning" -c "ALTER EXTENSION reliability UPDATE" >/dev/null &&
    ok "ALTER EXTENSION reliability UPDATE to $(q -c "SELECT extversion FROM pg_extension WHERE extname = 'reliability'")" ||
    not_ok "the update failed"
[ "$(q -c "SELECT score_window FROM reliability._settings_copy")" = "360 days" ] &&
    ok "the copy for pg_dump holds the settings in force" ||
    not_ok "the copy holds $(q -c "SELECT score_window FROM reliability._settings_copy")"
problems=$(cache_problems)
[ -z "$problems" ] && ok "every cached row exact for the settings in force" || not_ok "cache: $(head -3 <<<"$problems")"

# A database without a miss: the update recomputes nothing.
fresh_db "$DB"
q -c "SET client_min_messages = warning" -c "CREATE EXTENSION reliability VERSION '0.9.0'" \
  -c "SELECT reliability.machine('repair', 'm1')" \
  -c "INSERT INTO reliability.observations SELECT 1, now() - g * interval '1 hour', true FROM generate_series(1, 50) g" >/dev/null
before=$(q -c "SELECT computed_at FROM reliability.scores")
q -c "SET client_min_messages = warning" -c "ALTER EXTENSION reliability UPDATE" >/dev/null
[ "$(q -c "SELECT computed_at FROM reliability.scores")" = "$before" ] && [ -z "$(cache_problems)" ] &&
    ok "without a missed change the update recomputes nothing" || not_ok "the update recomputed a database in step"
drop_db "$DB"

# A coordinator over two servers at 0.9.0: the second change reached neither server.
DB=reliability_upgrade_repairs_coordinator
RELIABILITY_VERSION=$FROM cluster up "$SHARDS" 2 >/dev/null || { not_ok "cannot start the shard servers at $FROM"; finish; }
RELIABILITY_VERSION=$FROM cluster coordinator "$SHARDS" "$DB" >/dev/null || { not_ok "distribute() at $FROM failed"; finish; }
out=$(q 2>&1 >/dev/null <<'SQL') || { not_ok "the coordinator's fleet could not be written: $out"; finish; }
SELECT reliability.observe(array_agg(text 'repair'), array_agg('m' || k), array_agg(now() - g * interval '6 hours'),
                           array_agg((g + k) % 5 <> 0))
  FROM generate_series(1, 1600) g, generate_series(1, 4) k;
UPDATE reliability.settings SET score_window = '1 year';
UPDATE reliability.settings SET score_window = '360 days';
SQL
windows() { echo "$(shard 1 -c "SELECT score_window FROM reliability.settings")/$(shard 2 -c "SELECT score_window FROM reliability.settings")"; }
[ "$(windows)" = "1 year/1 year" ] && ok "$FROM: the servers kept '1 year'" || not_ok "servers' score_window at $FROM: $(windows)"
for k in 1 2; do
    shard "$k" -c "ALTER EXTENSION reliability UPDATE" >/dev/null || not_ok "updating server $k failed"
done
q -c "SET client_min_messages = warning" -c "ALTER EXTENSION reliability UPDATE" >/dev/null || not_ok "updating the coordinator failed"
[ "$(windows)" = "360 days/360 days" ] && ok "the update sent the settings in force to both servers" || not_ok "servers' score_window: $(windows)"
for k in 1 2; do
    check "server $k: every cached row exact for the settings in force" "$(shard "$k" <<<"$CACHE_PROBLEMS_SQL" 2>&1)"
done
finish
