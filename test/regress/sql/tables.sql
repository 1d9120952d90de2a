--
-- The objects of SPEC §1 and their constraints (§4 settings validation, §7 errors): bad
-- input is rejected with a fitting SQLSTATE and a clear message, and nothing is written.
-- Everything lives in schema tables_t (dropped at the end); the data tables are emptied at
-- the start and the end, and the settings are restored to their defaults.
--
SET client_min_messages = warning;  -- no NOTICEs listing what TRUNCATE ... CASCADE reaches
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
CREATE SCHEMA tables_t;

-- Runs a statement and reports its error as "SQLSTATE: message" (or "no error").
CREATE FUNCTION tables_t.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Row counts of every data table, to show that a failed statement wrote nothing.
CREATE FUNCTION tables_t.counts() RETURNS text LANGUAGE sql
AS $$
    SELECT format('machines=%s observations=%s interruptions=%s ratings=%s blacklist=%s scores=%s settings=%s',
                  (SELECT count(*) FROM reliability.machines), (SELECT count(*) FROM reliability.observations),
                  (SELECT count(*) FROM reliability.interruptions), (SELECT count(*) FROM reliability.ratings),
                  (SELECT count(*) FROM reliability.blacklist), (SELECT count(*) FROM reliability.scores),
                  (SELECT count(*) FROM reliability.settings))
$$;

-- The settings row as text, to show that a rejected UPDATE changed nothing.
CREATE FUNCTION tables_t.settings() RETURNS text LANGUAGE sql
AS $$ SELECT s::text FROM reliability.settings s $$;

--
-- The extension: schema reliability, not relocatable.
--
SELECT e.extname, n.nspname AS schema, e.extrelocatable
  FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
 WHERE e.extname = 'reliability';

-- The objects of SPEC §1 exist with the right kind (observations and interruptions are
-- partitioned by time, each with its DEFAULT partition).
SELECT c.relname, c.relkind
  FROM pg_class c
 WHERE c.relnamespace = 'reliability'::regnamespace
   AND c.relname IN ('machines', 'observations', 'observations_default', 'interruptions', 'interruptions_default', 'ratings', 'blacklist', 'settings', 'scores',
                     'machine_reliability', 'machines_machine_id_seq')
 ORDER BY c.relname;

-- Columns and types of the tables (counts are bigint, lengths interval, the others
-- double precision).
SELECT c.relname, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull
  FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid
 WHERE c.relnamespace = 'reliability'::regnamespace
   AND c.relname IN ('machines', 'observations', 'interruptions', 'ratings', 'blacklist', 'settings')
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY c.relname, a.attnum;

-- The reliability.score type: the fields of SPEC §4 in this order; reliability.scores has
-- the same fields plus machine_id and computed_at.
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a
 WHERE a.attrelid = (SELECT typrelid FROM pg_type WHERE oid = 'reliability.score'::regtype)
   AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;
SELECT a.attnum, a.attname, format_type(a.atttypid, a.atttypmod) AS type
  FROM pg_attribute a
 WHERE a.attrelid = 'reliability.scores'::regclass AND a.attnum > 0 AND NOT a.attisdropped
 ORDER BY a.attnum;

-- Primary keys and unique constraints.
SELECT conrelid::regclass AS "table", contype, pg_get_constraintdef(oid) AS definition
  FROM pg_constraint
 WHERE connamespace = 'reliability'::regnamespace AND contype IN ('p', 'u')
   AND conrelid IN ('reliability.machines'::regclass, 'reliability.observations'::regclass,
                    'reliability.ratings'::regclass, 'reliability.blacklist'::regclass)
 ORDER BY 1, 2, 3;

-- Every foreign key references machines(machine_id) and deletes with the machine.
SELECT conrelid::regclass AS "table", confrelid::regclass AS "references", confdeltype
  FROM pg_constraint
 WHERE connamespace = 'reliability'::regnamespace AND contype = 'f'
 ORDER BY 1;

-- pg_dump dumps the user-data tables, the settings and the id sequence (observations and
-- interruptions are partitioned: the rows are those of their DEFAULT partitions).
SELECT o AS object, o::regclass::oid = ANY (e.extconfig) AS dumped
  FROM pg_extension e,
       unnest(ARRAY['reliability.machines', 'reliability.machines_machine_id_seq', 'reliability.observations',
                    'reliability.observations_default', 'reliability.interruptions',
                    'reliability.interruptions_default', 'reliability.ratings', 'reliability.blacklist',
                    'reliability.settings']) o
 WHERE e.extname = 'reliability'
 ORDER BY o;
-- The cache engine's hints are not: a restore starts without them (and is exact without them).
SELECT 'reliability._head_bounds'::regclass::oid = ANY (e.extconfig) AS hints_dumped
  FROM pg_extension e WHERE e.extname = 'reliability';

--
-- machines: provider and external_id are 1..100 characters, unique together.
--
INSERT INTO reliability.machines (provider, external_id) VALUES ('aws', 'i-1');
INSERT INTO reliability.machines (provider, external_id) VALUES (repeat('p', 100), repeat('x', 100));
SELECT provider = repeat('p', 100) AS provider_100, external_id = repeat('x', 100) AS external_id_100
  FROM reliability.machines WHERE provider <> 'aws';
SELECT tables_t.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('', 'i-2')$$);
SELECT tables_t.try($$INSERT INTO reliability.machines (provider, external_id) VALUES (repeat('p', 101), 'i-2')$$);
SELECT tables_t.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('aws', '')$$);
SELECT tables_t.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('aws', repeat('x', 101))$$);
SELECT tables_t.try($$INSERT INTO reliability.machines (provider, external_id) VALUES (NULL, 'i-2')$$);
SELECT tables_t.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('aws', NULL)$$);
SELECT tables_t.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('aws', 'i-1')$$);
-- A statement with one bad row writes none of its rows.
SELECT tables_t.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('aws', 'i-3'), ('aws', '')$$);
-- Case and whitespace make different machines (the key is the exact text).
INSERT INTO reliability.machines (provider, external_id) VALUES ('AWS', 'i-1'), ('aws', 'i-1 ');
SELECT provider, external_id FROM reliability.machines WHERE provider ILIKE 'aws' ORDER BY provider, external_id;
-- reliability.machine() validates the same way and writes nothing on error.
SELECT tables_t.try($$SELECT reliability.machine('', 'i-9')$$);
SELECT tables_t.try($$SELECT reliability.machine('aws', repeat('x', 101))$$);
SELECT tables_t.counts();

--
-- observations: the machine must exist, observed_at finite, one row per instant.
--
INSERT INTO reliability.observations
    SELECT machine_id, '2026-01-01 00:00+00', true FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1';
SELECT tables_t.counts();
SELECT tables_t.try($$INSERT INTO reliability.observations VALUES (-1, '2026-01-01 00:00+00', true)$$);
SELECT tables_t.try($$INSERT INTO reliability.observations
    SELECT machine_id, 'infinity', true FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.observations
    SELECT machine_id, '-infinity', false FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
-- the same instant written another way is a duplicate
SELECT tables_t.try($$INSERT INTO reliability.observations
    SELECT machine_id, '2025-12-31 19:00-05', false FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.observations
    SELECT machine_id, '2026-01-01 00:05+00', NULL FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.observations
    SELECT machine_id, NULL, true FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
-- one duplicate in a batch: nothing of the batch is written
SELECT tables_t.try($$INSERT INTO reliability.observations
    SELECT machine_id, t, true FROM reliability.machines,
           (VALUES (timestamptz '2026-01-01 00:10+00'), ('2026-01-01 00:15+00'), ('2026-01-01 00:10+00')) v(t)
     WHERE provider = 'aws' AND external_id = 'i-1'$$);
-- an update to an infinite time is refused too
SELECT tables_t.try($$UPDATE reliability.observations SET observed_at = 'infinity'$$);
SELECT tables_t.counts();
SELECT observed_at, online FROM reliability.observations;

--
-- interruptions: the machine must exist, occurred_at finite.
--
SELECT tables_t.try($$INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES (-1, '2026-01-01 00:00+00')$$);
SELECT tables_t.try($$INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
    SELECT machine_id, 'infinity', 'inst-1', 'oom' FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.interruptions (machine_id, occurred_at)
    SELECT machine_id, '-infinity' FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.interruptions (machine_id, occurred_at)
    SELECT machine_id, NULL FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.counts();
-- two interruptions at the same instant are two interruptions
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
    SELECT machine_id, '2026-01-01 00:00+00', i, 'preempted' FROM reliability.machines, (VALUES ('a'), ('b')) v(i)
     WHERE provider = 'aws' AND external_id = 'i-1';
SELECT occurred_at, instance_id, reason FROM reliability.interruptions ORDER BY instance_id;

--
-- ratings: stars 1..5, user_id 1..100 characters, comment at most 1000 characters,
-- rental_duration_hours >= 0, one rating per user per machine.
--
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars)
    SELECT machine_id, 'u1', 0 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars)
    SELECT machine_id, 'u1', 6 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars)
    SELECT machine_id, 'u1', NULL FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars)
    SELECT machine_id, '', 5 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars)
    SELECT machine_id, repeat('u', 101), 5 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars)
    SELECT machine_id, NULL, 5 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars, comment)
    SELECT machine_id, 'u1', 5, repeat('c', 1001) FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars, rental_duration_hours)
    SELECT machine_id, 'u1', 5, -1 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars) VALUES (-1, 'u1', 5)$$);
-- the same through reliability.rate()
SELECT tables_t.try($$SELECT reliability.rate(machine_id, 'u1', 0) FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$SELECT reliability.rate(machine_id, 'u1', 6) FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$SELECT reliability.rate(machine_id, 'u1', NULL) FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$SELECT reliability.rate(machine_id, '', 5) FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$SELECT reliability.rate(machine_id, repeat('u', 101), 5) FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$SELECT reliability.rate(machine_id, 'u1', 5, repeat('c', 1001)) FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$SELECT reliability.rate(-1, 'u1', 5)$$);
SELECT tables_t.counts();
-- the limits themselves are accepted: stars 1 and 5, user_id of 1 and 100, comment of
-- 1000 characters, rental_duration_hours 0
INSERT INTO reliability.ratings (machine_id, user_id, stars, comment, rental_duration_hours)
    SELECT machine_id, 'a', 1, repeat('c', 1000), 0 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1';
INSERT INTO reliability.ratings (machine_id, user_id, stars)
    SELECT machine_id, repeat('u', 100), 5 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1';
SELECT char_length(user_id) AS user_id_length, stars, char_length(comment) AS comment_length, rental_duration_hours
  FROM reliability.ratings ORDER BY 1;
-- a second rating of the same user for the same machine is a duplicate (rate() updates instead)
SELECT tables_t.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars)
    SELECT machine_id, 'a', 3 FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
-- updates are checked too
SELECT tables_t.try($$UPDATE reliability.ratings SET stars = stars + 5$$);
SELECT tables_t.counts();
SELECT char_length(user_id) AS user_id_length, stars FROM reliability.ratings ORDER BY 1;

--
-- blacklist: kind manual, temporary or auto; one row per machine; the machine must exist.
--
SELECT tables_t.try($$INSERT INTO reliability.blacklist (machine_id, kind)
    SELECT machine_id, 'forever' FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT tables_t.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (-1, 'manual')$$);
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by)
    SELECT machine_id, 'manual', 'fraud', 'ops' FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1';
SELECT tables_t.try($$INSERT INTO reliability.blacklist (machine_id, kind, expires_at)
    SELECT machine_id, 'temporary', '2100-01-01 00:00+00' FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1'$$);
SELECT kind, reason, blocked_by, expires_at FROM reliability.blacklist;
SELECT tables_t.counts();

--
-- Deleting a machine deletes its data (observations, interruptions, ratings, blacklist
-- entry and cached score).
--
DELETE FROM reliability.machines WHERE provider = 'aws' AND external_id = 'i-1';
SELECT tables_t.counts();

--
-- settings (SPEC §4): one row; every parameter is validated; a rejected UPDATE changes
-- nothing.
--
SELECT * FROM reliability.settings;
SELECT tables_t.settings() AS defaults \gset
-- weights: each in [0, 1], summing to 1 within 1e-9
SELECT tables_t.try($$UPDATE reliability.settings SET weight_uptime = 0.5$$);
SELECT tables_t.try($$UPDATE reliability.settings SET weight_uptime = 0.4 + 2e-9$$);
SELECT tables_t.try($$UPDATE reliability.settings SET weight_uptime = 1.2, weight_interruption = -0.2, weight_rating = 0$$);
SELECT tables_t.try($$UPDATE reliability.settings SET weight_uptime = 'NaN'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET weight_uptime = NULL$$);
-- intervals: score_window, max_gap, interruption_horizon, stale_after, auto_blacklist_for
-- positive (as fixed lengths: '1 day -24 hours' is zero), min_history >= 0
SELECT tables_t.try($$UPDATE reliability.settings SET score_window = '0'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET score_window = '-30 days'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET score_window = '1 day -24 hours'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET max_gap = '0'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET max_gap = '-15 minutes'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET max_gap = NULL$$);
SELECT tables_t.try($$UPDATE reliability.settings SET interruption_horizon = '0'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET interruption_horizon = '-1 hour'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET stale_after = '0'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET stale_after = '-1 hour'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET auto_blacklist_for = '0'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET auto_blacklist_for = '-1 day'$$);
SELECT tables_t.try($$UPDATE reliability.settings SET min_history = '-1 second'$$);
-- rating prior: mean in [1, 5], weight >= 0
SELECT tables_t.try($$UPDATE reliability.settings SET rating_prior_mean = 0$$);
SELECT tables_t.try($$UPDATE reliability.settings SET rating_prior_mean = 0.999$$);
SELECT tables_t.try($$UPDATE reliability.settings SET rating_prior_mean = 5.001$$);
SELECT tables_t.try($$UPDATE reliability.settings SET rating_prior_weight = -1$$);
SELECT tables_t.try($$UPDATE reliability.settings SET rating_prior_weight = 'NaN'$$);
-- tiers in [0, 100] and ordered; auto_blacklist_below in [0, 100]
SELECT tables_t.try($$UPDATE reliability.settings SET tier_good = 95$$);
SELECT tables_t.try($$UPDATE reliability.settings SET tier_fair = 80$$);
SELECT tables_t.try($$UPDATE reliability.settings SET tier_excellent = 101$$);
SELECT tables_t.try($$UPDATE reliability.settings SET tier_fair = -1$$);
SELECT tables_t.try($$UPDATE reliability.settings SET auto_blacklist_below = 100.5$$);
SELECT tables_t.try($$UPDATE reliability.settings SET auto_blacklist_below = -0.5$$);
-- one row: it cannot be deleted or truncated
SELECT tables_t.try($$DELETE FROM reliability.settings$$);
SELECT tables_t.try($$TRUNCATE reliability.settings$$);
SELECT tables_t.settings() = :'defaults' AS unchanged, (SELECT count(*) FROM reliability.settings) AS rows;

-- Values at the limits are accepted.
UPDATE reliability.settings SET weight_uptime = 0.1, weight_interruption = 0.2, weight_rating = 0.7;
UPDATE reliability.settings SET weight_uptime = 1, weight_interruption = 0, weight_rating = 0;
UPDATE reliability.settings SET weight_uptime = 0.4 + 5e-10, weight_interruption = 0.4, weight_rating = 0.2;
UPDATE reliability.settings SET min_history = '0', rating_prior_mean = 1, rating_prior_weight = 0,
                                tier_excellent = 100, tier_good = 100, tier_fair = 100, auto_blacklist_below = 0;
UPDATE reliability.settings SET rating_prior_mean = 5, tier_excellent = 0, tier_good = 0, tier_fair = 0,
                                auto_blacklist_below = 100, score_window = '1 microsecond', max_gap = '1 microsecond';
UPDATE reliability.settings SET score_window = '1 mon', max_gap = '1 day -23 hours';
SELECT score_window, max_gap, weight_uptime = 0.4 + 5e-10 AS weight_uptime_kept, rating_prior_mean, rating_prior_weight,
       min_history, tier_excellent, tier_good, tier_fair, auto_blacklist_below
  FROM reliability.settings;
-- A second row cannot be added: an INSERT (as a restore does) replaces the values of the one row.
INSERT INTO reliability.settings DEFAULT VALUES;
SELECT count(*) AS rows, tables_t.settings() = :'defaults' AS back_to_defaults FROM reliability.settings;
SELECT tables_t.try($$INSERT INTO reliability.settings (weight_uptime) VALUES (0.9)$$);
SELECT tables_t.settings() = :'defaults' AS unchanged, (SELECT count(*) FROM reliability.settings) AS rows;

-- Restore the defaults (they are already) and clean up.
UPDATE reliability.settings SET
    score_window = '30 days', max_gap = '15 minutes', weight_uptime = 0.4, weight_interruption = 0.4,
    weight_rating = 0.2, interruption_horizon = '24 hours', rating_prior_mean = 4.0, rating_prior_weight = 5,
    min_history = '7 days', tier_excellent = 90, tier_good = 75, tier_fair = 60, stale_after = '24 hours',
    auto_blacklist_below = NULL, auto_blacklist_for = '24 hours';
SELECT tables_t.settings() = :'defaults' AS defaults_restored;
DROP SCHEMA tables_t CASCADE;
TRUNCATE reliability.machines CASCADE;
RESET TimeZone;
RESET client_min_messages;
