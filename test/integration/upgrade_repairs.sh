#!/usr/bin/env bash
# What the update to the newest version repairs: 0.9.0 and earlier skipped a settings change
# between two lengths that interval "=" calls equal ('1 year' and '360 days': 12 months of 30
# days, but 365.25 and 360 days as fixed lengths), so the cache stayed computed with the old
# window and the copy of the settings for pg_dump kept the old row. ALTER EXTENSION UPDATE
# brings the copy in step and recomputes; a database without such a miss is left alone.
TEST=upgrade_repairs DB=reliability_upgrade_repairs
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
FROM=0.9.0

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

before=$(q -c "SELECT string_agg(s.machine_id || ':' || s.computed_at, ',' ORDER BY s.machine_id) FROM reliability.scores s")
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
finish
