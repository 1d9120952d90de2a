-- Every change of reliability.settings leaves every cached row exact for the settings in
-- force (SPEC §1, issue 9 defect 2), however the row changes: UPDATE, INSERT (a restore
-- replaces the row), COPY, or an INSERT into its copy reliability._settings_copy (what a
-- restore applies first). No statement text or session setting skips the recompute.
SET client_min_messages = warning;
\set VERBOSITY terse
SELECT reliability.machine('settings-changes', 'm' || g) FROM generate_series(1, 3) AS g \gset
INSERT INTO reliability.observations
SELECT m.machine_id, now() - k * interval '5 minutes', (k + m.machine_id) % 6 <> 0
  FROM reliability.machines m, generate_series(1, 500) AS k WHERE m.provider = 'settings-changes';
INSERT INTO reliability.interruptions (machine_id, occurred_at)
SELECT m.machine_id, now() - interval '3 hours' FROM reliability.machines m WHERE m.provider = 'settings-changes';

CREATE FUNCTION pg_temp.not_exact() RETURNS bigint LANGUAGE sql AS $$
    SELECT count(*) FROM reliability.scores s
     WHERE to_jsonb(s) - 'machine_id' - 'computed_at' IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at))
$$;
CREATE FUNCTION pg_temp.weights() RETURNS text LANGUAGE sql AS $$
    SELECT format('%s/%s/%s', s.weight_uptime, s.weight_interruption, s.weight_rating) FROM reliability.settings s
$$;
CREATE FUNCTION pg_temp.copy_in_step() RETURNS boolean LANGUAGE sql AS $$
    SELECT (SELECT c FROM reliability._settings_copy c)::text = (SELECT s FROM reliability.settings s)::text
$$;
SELECT pg_temp.not_exact() AS not_exact, pg_temp.weights() AS weights, pg_temp.copy_in_step() AS copy_in_step;

-- A session setting that 0.1.0 honoured during restores changes nothing any more.
SET reliability.restoring_settings = on;
UPDATE reliability.settings SET weight_uptime = 0.6, weight_interruption = 0.3, weight_rating = 0.1;
SELECT pg_temp.not_exact() AS not_exact, pg_temp.weights() AS weights, pg_temp.copy_in_step() AS copy_in_step;
RESET reliability.restoring_settings;

-- COPY into settings replaces the row (unnamed parameters take their defaults) and recomputes.
COPY reliability.settings (weight_uptime, weight_interruption, weight_rating) FROM stdin;
0.5	0.25	0.25
\.
SELECT pg_temp.not_exact() AS not_exact, pg_temp.weights() AS weights, pg_temp.copy_in_step() AS copy_in_step,
       (SELECT count(*) FROM reliability.settings) AS settings_rows;

-- A statement whose text starts with COPY but is not one (0.1.0 skipped the recompute).
/* COPY */ INSERT INTO reliability.settings (weight_uptime, weight_interruption, weight_rating) VALUES (0.7, 0.2, 0.1);
SELECT pg_temp.not_exact() AS not_exact, pg_temp.weights() AS weights, pg_temp.copy_in_step() AS copy_in_step;

-- An INSERT into the copy (a restore applies it first) changes the settings.
INSERT INTO reliability._settings_copy (weight_uptime, weight_interruption, weight_rating) VALUES (0.4, 0.4, 0.2);
SELECT pg_temp.not_exact() AS not_exact, pg_temp.weights() AS weights, pg_temp.copy_in_step() AS copy_in_step,
       (SELECT count(*) FROM reliability._settings_copy) AS copy_rows;

-- The copy follows the settings only: direct writes are refused, nothing changes.
UPDATE reliability._settings_copy SET weight_uptime = 0.9, weight_interruption = 0.1, weight_rating = 0;
DELETE FROM reliability._settings_copy;
TRUNCATE reliability._settings_copy;
-- Invalid values are refused in the copy as in the settings.
INSERT INTO reliability._settings_copy (weight_uptime) VALUES (0.9);
SELECT pg_temp.not_exact() AS not_exact, pg_temp.weights() AS weights, pg_temp.copy_in_step() AS copy_in_step;

-- A length changed between two intervals that "=" calls equal ('1 year' is 12 months of 30
-- days for interval "=", 365.25 days as a fixed length) is a change: 0.9.0 skipped it (no
-- recompute, the copy for pg_dump left behind).  0 | @ 360 days | t
UPDATE reliability.settings SET score_window = '1 year';
UPDATE reliability.settings SET score_window = '360 days';
SELECT pg_temp.not_exact() AS not_exact, (SELECT c.score_window FROM reliability._settings_copy c) AS copied_window,
       pg_temp.copy_in_step() AS copy_in_step;
UPDATE reliability.settings SET score_window = DEFAULT;

-- A change of stale_after alone recomputes every row as refresh() does, auto-blacklist
-- included (SPEC §5): the auto entry deleted meanwhile is back.  3, 3, 0
UPDATE reliability.settings SET auto_blacklist_below = 100, min_history = '1 hour';
SELECT count(*) AS auto_entries FROM reliability.blacklist b JOIN reliability.machines m USING (machine_id)
 WHERE m.provider = 'settings-changes' AND b.kind = 'auto';
DELETE FROM reliability.blacklist;
UPDATE reliability.settings SET stale_after = '2 days';
SELECT count(*) AS auto_entries_again FROM reliability.blacklist b JOIN reliability.machines m USING (machine_id)
 WHERE m.provider = 'settings-changes' AND b.kind = 'auto';
SELECT pg_temp.not_exact() AS not_exact;
-- The same row again is no change: nothing recomputed, no entry written.  0
DELETE FROM reliability.blacklist;
UPDATE reliability.settings SET stale_after = '2 days';
SELECT count(*) AS entries_after_no_change FROM reliability.blacklist;
UPDATE reliability.settings SET auto_blacklist_below = DEFAULT, min_history = DEFAULT, stale_after = DEFAULT;
