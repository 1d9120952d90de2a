--
-- Bad input through SQL for every public function, aggregate and table (SPEC §7): NULL in
-- each argument position, empty / reversed / infinite ranges, infinite timestamps, zero,
-- negative and month-sized intervals, huge values, very long text, values needing casts.
-- Each case is either an ERROR with a fitting SQLSTATE (22xxx bad value, 23xxx constraint
-- violation, 42xxx misuse) or a correct result; the comment before it says which. Failed
-- writes must leave every table as it was, and the server must never restart.
--
-- Everything lives in schema bad_input (dropped at the end); the data tables are emptied
-- at the start and the end, and the settings are left at their defaults.
--
SET client_min_messages = warning;  -- no NOTICEs listing what TRUNCATE ... CASCADE reaches
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
SELECT pg_postmaster_start_time() AS start \gset
CREATE SCHEMA bad_input;

-- Runs a statement; returns the first column of a SELECT or RETURNING as text ('NULL' for
-- NULL or no row), 'ok' for a statement that returns no data, or the error as
-- "SQLSTATE: message".
CREATE FUNCTION bad_input.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
DECLARE
    r text;
BEGIN
    IF query ~* '^\s*select\y' OR query ~* '\yreturning\y' THEN
        EXECUTE query INTO r;
        RETURN COALESCE(r, 'NULL');
    END IF;
    EXECUTE query;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- Row counts of every data table.
CREATE FUNCTION bad_input.counts() RETURNS text LANGUAGE sql
AS $$
    SELECT format('machines=%s observations=%s interruptions=%s ratings=%s blacklist=%s scores=%s settings=%s',
                  (SELECT count(*) FROM reliability.machines), (SELECT count(*) FROM reliability.observations),
                  (SELECT count(*) FROM reliability.interruptions), (SELECT count(*) FROM reliability.ratings),
                  (SELECT count(*) FROM reliability.blacklist), (SELECT count(*) FROM reliability.scores),
                  (SELECT count(*) FROM reliability.settings))
$$;

-- A fingerprint of the contents of every table, to show that a failed statement wrote nothing.
CREATE FUNCTION bad_input.snapshot() RETURNS text LANGUAGE sql
AS $$
    SELECT md5(concat_ws('|',
        (SELECT string_agg(x::text, ',' ORDER BY x.machine_id) FROM reliability.machines x),
        (SELECT string_agg(x::text, ',' ORDER BY x.machine_id, x.observed_at) FROM reliability.observations x),
        (SELECT string_agg(x::text, ',' ORDER BY x::text) FROM reliability.interruptions x),
        (SELECT string_agg(x::text, ',' ORDER BY x.machine_id, x.user_id) FROM reliability.ratings x),
        (SELECT string_agg(x::text, ',' ORDER BY x.machine_id) FROM reliability.blacklist x),
        (SELECT string_agg(x::text, ',' ORDER BY x.machine_id) FROM reliability.scores x),
        (SELECT string_agg(x::text, ',') FROM reliability.settings x)))
$$;

-- Every cached row equals reliability.score(machine_id, computed_at) (SPEC §5), and every
-- machine with data has one.
CREATE FUNCTION bad_input.cache_exact() RETURNS boolean LANGUAGE sql
AS $$
    SELECT NOT EXISTS (
               SELECT FROM reliability.scores s
                WHERE ROW(s.score, s.tier, s.uptime, s.uptime_component, s.interruption_component,
                          s.rating_component, s.online_seconds, s.offline_seconds, s.covered_seconds,
                          s.coverage, s.interruptions, s.rating_count, s.rating_mean, s.last_observed_at,
                          s.as_of)::reliability.score
                      IS DISTINCT FROM reliability.score(s.machine_id, s.computed_at))
       AND NOT EXISTS (
               SELECT FROM reliability.machines m
                WHERE (EXISTS (SELECT FROM reliability.observations o WHERE o.machine_id = m.machine_id)
                       OR EXISTS (SELECT FROM reliability.interruptions i WHERE i.machine_id = m.machine_id)
                       OR EXISTS (SELECT FROM reliability.ratings r WHERE r.machine_id = m.machine_id))
                  AND NOT EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id))
$$;

-- Three observations: 00:00 on, 00:10 off, 00:20 on (2024-01-01, UTC).
CREATE VIEW bad_input.obs AS
    SELECT * FROM (VALUES (timestamptz '2024-01-01 00:00:00+00', true),
                          (timestamptz '2024-01-01 00:10:00+00', false),
                          (timestamptz '2024-01-01 00:20:00+00', true)) AS o(t, s);

------------------------------------------------------------------------------------------
-- settings (SPEC §4). Checked first, while the cache is empty.
------------------------------------------------------------------------------------------
SELECT bad_input.counts();
-- NULL in a NOT NULL column: 23502. auto_blacklist_below may be NULL (= off).
SELECT c, bad_input.try(format('UPDATE reliability.settings SET %I = NULL', c))
  FROM unnest(ARRAY['score_window', 'max_gap', 'weight_uptime', 'weight_interruption', 'weight_rating',
                    'interruption_horizon', 'rating_prior_mean', 'rating_prior_weight', 'min_history',
                    'tier_excellent', 'tier_good', 'tier_fair', 'stale_after', 'auto_blacklist_below',
                    'auto_blacklist_for']) AS c;
-- Lengths that must be positive: zero, negative and zero-length mixed intervals are 23514;
-- month-sized ones are accepted (a month is 30 days, a year 365.25 days: fixed lengths).
SELECT c, v, bad_input.try(format('UPDATE reliability.settings SET %I = %L RETURNING %I::text', c, v, c))
  FROM unnest(ARRAY['score_window', 'max_gap', 'interruption_horizon', 'stale_after', 'auto_blacklist_for',
                    'min_history']) AS c,
       unnest(ARRAY['0', '-1 day', '1 mon -30 days', '-1 microsecond', '1 mon', '1 year']) AS v
 ORDER BY c, v;
UPDATE reliability.settings SET score_window = DEFAULT, max_gap = DEFAULT, interruption_horizon = DEFAULT,
       stale_after = DEFAULT, auto_blacklist_for = DEFAULT, min_history = DEFAULT;
-- min_history may be 0 (correct result).
SELECT bad_input.try($$UPDATE reliability.settings SET min_history = '0' RETURNING min_history::text$$);
UPDATE reliability.settings SET min_history = DEFAULT;
-- A length too long to be a number of microseconds (178,000,000 years) is a bad value even
-- with an empty cache (SPEC §1: settings are validated; any length over 100 years is, SPEC
-- §4, see hardening.sql): it must be rejected, and the settings must stay as they were.
BEGIN;
SELECT c, bad_input.try(format($q$UPDATE reliability.settings SET %I = '178000000 years'$q$, c)) <> 'ok' AS rejected
  FROM unnest(ARRAY['score_window', 'max_gap', 'interruption_horizon', 'stale_after', 'auto_blacklist_for',
                    'min_history']) AS c;
SELECT score_window, max_gap, interruption_horizon, stale_after, auto_blacklist_for, min_history
  FROM reliability.settings;
ROLLBACK;
-- Weights: each in [0, 1], summing to 1 within 1e-9; NaN and infinity are out of range (23514).
SELECT bad_input.try($$UPDATE reliability.settings SET weight_uptime = 0.5$$);
SELECT bad_input.try($$UPDATE reliability.settings SET weight_uptime = 'NaN'$$);
SELECT bad_input.try($$UPDATE reliability.settings SET weight_uptime = 'infinity'$$);
SELECT bad_input.try($$UPDATE reliability.settings SET weight_uptime = -0.2, weight_interruption = 1, weight_rating = 0.2$$);
SELECT bad_input.try($$UPDATE reliability.settings SET weight_uptime = 2147483647$$);
-- Values needing casts: numeric and text literals for double precision are accepted.
SELECT bad_input.try($$UPDATE reliability.settings SET weight_uptime = 0.4::numeric, weight_rating = '0.2'::text::float8 RETURNING weight_uptime::text$$);
-- rating_prior_mean in [1, 5]; rating_prior_weight >= 0 and finite.
SELECT bad_input.try($$UPDATE reliability.settings SET rating_prior_mean = 0.5$$);
SELECT bad_input.try($$UPDATE reliability.settings SET rating_prior_mean = 5.5$$);
SELECT bad_input.try($$UPDATE reliability.settings SET rating_prior_mean = 'NaN'$$);
SELECT bad_input.try($$UPDATE reliability.settings SET rating_prior_weight = -1$$);
SELECT bad_input.try($$UPDATE reliability.settings SET rating_prior_weight = 'infinity'$$);
SELECT bad_input.try($$UPDATE reliability.settings SET rating_prior_weight = 'NaN'$$);
-- A huge finite prior weight is accepted (correct result).
SELECT bad_input.try($$UPDATE reliability.settings SET rating_prior_weight = 1e308 RETURNING rating_prior_weight::text$$);
UPDATE reliability.settings SET rating_prior_weight = DEFAULT;
-- Tiers in [0, 100], ordered; auto_blacklist_below in [0, 100].
SELECT bad_input.try($$UPDATE reliability.settings SET tier_good = 95$$);
SELECT bad_input.try($$UPDATE reliability.settings SET tier_excellent = 101$$);
SELECT bad_input.try($$UPDATE reliability.settings SET tier_fair = -1$$);
SELECT bad_input.try($$UPDATE reliability.settings SET tier_excellent = 'NaN'$$);
SELECT bad_input.try($$UPDATE reliability.settings SET tier_fair = '-infinity'$$);
SELECT bad_input.try($$UPDATE reliability.settings SET auto_blacklist_below = 101$$);
SELECT bad_input.try($$UPDATE reliability.settings SET auto_blacklist_below = -1$$);
SELECT bad_input.try($$UPDATE reliability.settings SET auto_blacklist_below = 'NaN'$$);
SELECT bad_input.try($$UPDATE reliability.settings SET auto_blacklist_below = 2147483647$$);
-- The one row: singleton false is 23514; DELETE and TRUNCATE are refused (23001).
SELECT bad_input.try($$UPDATE reliability.settings SET singleton = false$$);
SELECT bad_input.try($$UPDATE reliability.settings SET singleton = NULL$$);
SELECT bad_input.try($$DELETE FROM reliability.settings$$);
SELECT bad_input.try($$TRUNCATE reliability.settings$$);
-- A second INSERT merges into the one row (SPEC_READING: for pg_dump restores), so its
-- values are validated like an UPDATE.
SELECT bad_input.try($$INSERT INTO reliability.settings (max_gap) VALUES ('-1 day')$$);
SELECT bad_input.try($$INSERT INTO reliability.settings (singleton, weight_uptime) VALUES (false, 2)$$);
-- (NULL: no row was inserted, the values were merged into the one row.)
SELECT bad_input.try($$INSERT INTO reliability.settings (singleton) VALUES (NULL) RETURNING 'inserted'$$);
-- Nothing of the above changed the row.
SELECT s.*, bad_input.counts() FROM reliability.settings s;

------------------------------------------------------------------------------------------
-- machines and reliability.machine(provider, external_id) (SPEC §1, §6)
------------------------------------------------------------------------------------------
INSERT INTO reliability.machines (machine_id, provider, external_id)
VALUES (1001, 'bad_input', 'm1'), (1002, 'bad_input', 'now'), (9223372036854775807, 'bad_input', 'max');
SELECT bad_input.snapshot() AS snap \gset
-- NULL provider or external_id: 23502.
SELECT bad_input.try($$SELECT reliability.machine(NULL, 'x')$$);
SELECT bad_input.try($$SELECT reliability.machine('x', NULL)$$);
SELECT bad_input.try($$SELECT reliability.machine(NULL, NULL)$$);
-- Empty, 101 and 100,000 characters: 23514.
SELECT bad_input.try($$SELECT reliability.machine('', 'x')$$);
SELECT bad_input.try($$SELECT reliability.machine('x', '')$$);
SELECT bad_input.try($$SELECT reliability.machine(repeat('p', 101), 'x')$$);
SELECT bad_input.try($$SELECT reliability.machine('x', repeat('e', 101))$$);
SELECT bad_input.try($$SELECT reliability.machine(repeat('p', 100000), 'x')$$);
SELECT bad_input.try($$SELECT reliability.machine('x', repeat('e', 100000))$$);
-- Integers are not text: 42883 (misuse); an explicit cast works.
SELECT bad_input.try($$SELECT reliability.machine(5, 7)$$);
-- Direct INSERTs: NULLs, lengths, duplicates (23505).
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id) VALUES (NULL, 'x')$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('x', NULL)$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id) VALUES (repeat('p', 100000), 'x')$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('bad_input', 'm1')$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (machine_id, provider, external_id) VALUES (1001, 'bad_input', 'other')$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (machine_id, provider, external_id) VALUES (NULL, 'bad_input', 'other')$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id, created_at) VALUES ('bad_input', 'other', NULL)$$);
-- One bad row makes the whole statement fail: nothing written.
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('bad_input', 'ok1'), ('bad_input', '')$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id) VALUES ('bad_input', 'ok2'), ('bad_input', 'ok2')$$);
SELECT bad_input.snapshot() = :'snap' AS unchanged, bad_input.counts();
-- Correct results: 100 characters (also multi-byte), explicit casts, an infinite created_at
-- (the SPEC puts no bound on it); get-or-create returns the same id again.
SELECT bad_input.try($$SELECT reliability.machine(repeat('é', 100), repeat('x', 100)) = reliability.machine(repeat('é', 100), repeat('x', 100))$$);
SELECT bad_input.try($$SELECT reliability.machine(5::text, 7::text) > 0$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id, created_at) VALUES ('bad_input', 'inf', 'infinity') RETURNING created_at::text$$);
SELECT bad_input.try($$INSERT INTO reliability.machines (provider, external_id, created_at) VALUES ('bad_input', '-inf', '-infinity') RETURNING created_at::text$$);
DELETE FROM reliability.machines WHERE machine_id NOT IN (1001, 1002, 9223372036854775807);

------------------------------------------------------------------------------------------
-- observations (SPEC §1)
------------------------------------------------------------------------------------------
-- Machine 1001: every 5 minutes from 2024-01-01 for about a week, every 7th one offline.
-- Machine 1002: every 5 minutes for the last ~2 days before now() (only booleans printed).
INSERT INTO reliability.observations
SELECT 1001, timestamptz '2024-01-01 00:00:00+00' + i * interval '5 minutes', i % 7 <> 0 FROM generate_series(0, 2000) AS i;
INSERT INTO reliability.observations
SELECT 1002, now() - i * interval '5 minutes', i % 11 <> 0 FROM generate_series(1, 600) AS i;
INSERT INTO reliability.observations VALUES (9223372036854775807, '2024-01-03 00:00:00+00', true);
SELECT bad_input.cache_exact(), bad_input.counts();
SELECT bad_input.snapshot() AS snap \gset
-- NULL in each column: 23502.
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (NULL, '2024-02-01', true)$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, NULL, true)$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, '2024-02-01', NULL)$$);
-- Infinite observed_at: 23514 (CHECK).
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, 'infinity', true)$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, '-infinity', false)$$);
-- Unknown machines (also the extremes of bigint): 23503.
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (42, '2024-02-01', true)$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (-9223372036854775808, '2024-02-01', true)$$);
-- Duplicate (machine_id, observed_at), also within one statement: 23505.
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, '2024-01-01 00:00:00+00', true)$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, '2024-03-01', true), (1001, '2024-03-01', false)$$);
-- Not a boolean / not an integer id: 22P02; a fractional id: 23503 after rounding to 2 (no machine 2).
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, '2024-03-01', 'maybe')$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES ('m1', '2024-03-01', true)$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1.5, '2024-03-01', true)$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, 'not a time', true)$$);
-- Many rows, one of them bad (last / first / other machine): the statement writes nothing,
-- the cache included.
SELECT bad_input.try($$INSERT INTO reliability.observations SELECT 1001, timestamptz '2024-02-01' + i * interval '1 minute', true FROM generate_series(1, 1000) i UNION ALL SELECT 1001, 'infinity', true$$);
SELECT bad_input.try($$INSERT INTO reliability.observations SELECT 1002, now() + i * interval '1 minute', true FROM generate_series(1, 1000) i UNION ALL SELECT 42, now(), true$$);
SELECT bad_input.try($$INSERT INTO reliability.observations SELECT 1002, now() + i * interval '1 minute', true FROM generate_series(1, 1000) i UNION ALL SELECT 1001, '2024-01-01 00:05:00+00', true$$);
-- UPDATE and DELETE that fail: nothing written.
SELECT bad_input.try($$UPDATE reliability.observations SET observed_at = 'infinity' WHERE machine_id = 1001 AND observed_at = '2024-01-01 00:00:00+00'$$);
SELECT bad_input.try($$UPDATE reliability.observations SET observed_at = '2024-01-01 00:00:00+00' WHERE machine_id = 1001$$);
SELECT bad_input.try($$UPDATE reliability.observations SET machine_id = 42 WHERE machine_id = 1002$$);
SELECT bad_input.try($$UPDATE reliability.observations SET online = NULL WHERE machine_id = 1002$$);
SELECT bad_input.try($$DELETE FROM reliability.observations WHERE machine_id = 1002 AND 1 / (online::int) > 0$$);
SELECT bad_input.snapshot() = :'snap' AS unchanged, bad_input.cache_exact(), bad_input.counts();
-- Correct results: the first and last finite instants, values needing casts ('t' for a
-- boolean, '1001' for bigint, a date for timestamptz); the cache stays exact.
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, '4714-11-24 00:00:00+00 BC', false) RETURNING observed_at::text$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001, '294276-12-31 23:59:59.999999+00', true) RETURNING observed_at::text$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES ('1001', '2024-03-02'::date, 't') RETURNING observed_at::text$$);
SELECT bad_input.try($$INSERT INTO reliability.observations VALUES (1001.0, '2024-03-03', 1::boolean) RETURNING machine_id::text$$);
SELECT bad_input.cache_exact(), bad_input.counts();
-- Moving every observation by a minute reaches past the last finite instant: PostgreSQL's
-- own 22008, nothing written.
SELECT bad_input.snapshot() AS snap \gset
SELECT bad_input.try($$UPDATE reliability.observations SET observed_at = observed_at + interval '1 minute' WHERE machine_id = 1001$$);
SELECT bad_input.snapshot() = :'snap' AS unchanged;

------------------------------------------------------------------------------------------
-- interruptions (SPEC §1)
------------------------------------------------------------------------------------------
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (NULL, '2024-01-04')$$);
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (1001, NULL)$$);
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (1001, 'infinity')$$);
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (1001, '-infinity')$$);
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (42, '2024-01-04')$$);
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (1001, '2024-01-04'), (1001, 'infinity')$$);
SELECT bad_input.snapshot() = :'snap' AS unchanged;
-- Correct results: NULL and 100,000-character instance_id / reason (no limit in the SPEC),
-- the extremes of time, and one in the window of the score below.
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (1001, '2024-01-04', repeat('i', 100000), repeat('r', 100000)) RETURNING length(reason)::text$$);
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (1001, '2024-01-04 12:00:00+00', NULL, NULL) RETURNING 'inserted'$$);
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (1001, '4714-11-24 00:00:00+00 BC'), (1001, '294276-12-31 23:59:59.999999+00') RETURNING 'inserted'$$);
SELECT bad_input.try($$INSERT INTO reliability.interruptions VALUES (1002, now() - interval '1 hour', 'i', 'r') RETURNING 'inserted'$$);
SELECT bad_input.cache_exact(), bad_input.counts();

------------------------------------------------------------------------------------------
-- ratings and reliability.rate(machine_id, user_id, stars, comment, rental_duration_hours,
-- instance_id) (SPEC §1, §6). Outputs show only columns that do not depend on now().
------------------------------------------------------------------------------------------
SELECT bad_input.try($$SELECT stars::text FROM reliability.rate(1001, 'alice', 4)$$);
SELECT bad_input.try($$SELECT stars::text FROM reliability.rate(9223372036854775807, 'alice', 5)$$);
SELECT bad_input.snapshot() AS snap \gset
-- NULL machine_id, user_id, stars: 23502; an unknown machine: 23503.
SELECT bad_input.try($$SELECT * FROM reliability.rate(NULL, 'bob', 4)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, NULL, 4)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'bob', NULL)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(42, 'bob', 4)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(-9223372036854775808, 'bob', 4)$$);
-- user_id empty, 101 and 100,000 characters: 23514.
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, '', 4)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, repeat('u', 101), 4)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, repeat('u', 100000), 4)$$);
-- stars outside 1..5: 23514 (also for an existing rating: it stays as it was).
SELECT s, bad_input.try(format($q$SELECT * FROM reliability.rate(1001, 'alice', %s)$q$, s))
  FROM unnest(ARRAY[0, 6, -1, 2147483647, -2147483648]) AS s;
-- stars of the wrong type: bigint, numeric and text need an explicit cast (42883); a
-- literal that is not an integer is 22P02.
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 2147483648)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 4.5)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', '5'::text)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 'five')$$);
-- comment over 1000 characters (1001, 100,000): 23514.
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 4, repeat('c', 1001))$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 4, repeat('c', 100000))$$);
-- rental_duration_hours negative, NaN, infinite: 23514.
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 4, NULL, -1)$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 4, NULL, 'NaN')$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 4, NULL, 'infinity')$$);
SELECT bad_input.try($$SELECT * FROM reliability.rate(1001, 'alice', 4, NULL, '-infinity')$$);
-- Direct INSERTs: a second rating by the same user (23505), NULL timestamps (23502).
SELECT bad_input.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars) VALUES (1001, 'alice', 3)$$);
SELECT bad_input.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars, created_at) VALUES (1001, 'bob', 3, NULL)$$);
SELECT bad_input.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars) VALUES (1001, 'bob', 3), (1001, 'carol', 0)$$);
SELECT bad_input.try($$UPDATE reliability.ratings SET stars = stars + 1$$);
SELECT bad_input.snapshot() = :'snap' AS unchanged, bad_input.cache_exact();
-- Correct results: explicit casts ('5'::text::int, numeric hours), a literal '3', exactly
-- 1000 characters of comment, 100,000 characters of instance_id (no limit in the SPEC),
-- NULL optional arguments, a huge finite rental duration, an infinite created_at.
SELECT bad_input.try($$SELECT format('%s %s', stars, rental_duration_hours) FROM reliability.rate(1001, 'alice', '5'::text::int, NULL, 2.5::numeric)$$);
SELECT bad_input.try($$SELECT stars::text FROM reliability.rate(1001, 'bob', '3')$$);
SELECT bad_input.try($$SELECT length(comment)::text FROM reliability.rate(1001, 'carol', 1, repeat('c', 1000))$$);
SELECT bad_input.try($$SELECT length(instance_id)::text FROM reliability.rate(1001, 'dave', 2, NULL, 0, repeat('i', 100000))$$);
SELECT bad_input.try($$SELECT format('%s %s %s', comment, rental_duration_hours, instance_id) FROM reliability.rate(1001, 'dave', 2, NULL, NULL, NULL)$$);
SELECT bad_input.try($$SELECT rental_duration_hours::text FROM reliability.rate(1001, 'erin', 4, NULL, 1e308)$$);
SELECT bad_input.try($$INSERT INTO reliability.ratings (machine_id, user_id, stars, created_at, updated_at) VALUES (1002, 'frank', 4, 'infinity', '-infinity') RETURNING created_at::text$$);
SELECT machine_id, user_id, stars, length(comment) AS comment_length, rental_duration_hours, length(instance_id) AS instance_id_length
  FROM reliability.ratings ORDER BY machine_id, user_id;
SELECT bad_input.cache_exact(), bad_input.counts();

------------------------------------------------------------------------------------------
-- blacklist (SPEC §1)
------------------------------------------------------------------------------------------
SELECT bad_input.snapshot() AS snap \gset
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (NULL, 'manual')$$);
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (1001, NULL)$$);
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (1001, 'bogus')$$);
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (1001, 'MANUAL')$$);
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (1001, repeat('x', 100000))$$);
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (42, 'manual')$$);
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind, blacklisted_at) VALUES (1001, 'manual', NULL)$$);
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (1001, 'manual'), (1001, 'temporary')$$);
SELECT bad_input.snapshot() = :'snap' AS unchanged;
-- Correct results: long reason / blocked_by, infinite timestamps (no bound in the SPEC).
-- An entry expiring at -infinity is not active; one expiring at infinity is.
SELECT bad_input.try($$INSERT INTO reliability.blacklist VALUES (1001, 'temporary', repeat('r', 100000), repeat('b', 100000), 'infinity', '-infinity') RETURNING kind$$);
SELECT blacklisted FROM reliability.machine_reliability WHERE machine_id = 1001;
SELECT reliability.report(1001, '2024-01-05')->'blacklisted' AS report_blacklisted;
SELECT bad_input.try($$INSERT INTO reliability.blacklist (machine_id, kind) VALUES (1001, 'manual')$$);
UPDATE reliability.blacklist SET expires_at = 'infinity';
SELECT blacklisted FROM reliability.machine_reliability WHERE machine_id = 1001;
SELECT reliability.report(1001, '2024-01-05')->'blacklist'->>'expires_at' AS report_expires_at;
DELETE FROM reliability.blacklist;

------------------------------------------------------------------------------------------
-- reliability.uptime / reliability.availability, 3- and 4-argument forms (SPEC §2, §3)
------------------------------------------------------------------------------------------
-- Reference: the window [2024-01-01, 2024-01-02) with max_gap 15 min: 00:00-00:10 on,
-- 00:10-00:20 off, 00:20-00:35 on (cover cut at max_gap), the rest unknown.
SELECT reliability.availability(t, s, tstzrange('2024-01-01', '2024-01-02'), '15 min') FROM bad_input.obs;
-- NULL in each argument position of each form. A row with a NULL argument is skipped:
-- when every row is skipped the result is NULL (SQL aggregate convention, SPEC §3).
SELECT f, a, bad_input.try(format('SELECT reliability.%s(%s) FROM bad_input.obs', f, a))
  FROM unnest(ARRAY['uptime', 'availability']) AS f,
       unnest(ARRAY['NULL, s, tstzrange(''2024-01-01'', ''2024-01-02'')',
                    't, NULL, tstzrange(''2024-01-01'', ''2024-01-02'')',
                    't, s, NULL',
                    'NULL, s, tstzrange(''2024-01-01'', ''2024-01-02''), ''15 min''',
                    't, NULL, tstzrange(''2024-01-01'', ''2024-01-02''), ''15 min''',
                    't, s, NULL, ''15 min''',
                    't, s, tstzrange(''2024-01-01'', ''2024-01-02''), NULL']) WITH ORDINALITY AS x(a, n)
 ORDER BY f, n;
-- A NULL in some rows only: those rows are skipped (here the 00:10 offline one, so the
-- 00:00 cover reaches 00:15).
SELECT reliability.availability(CASE WHEN s THEN t END, s, tstzrange('2024-01-01', '2024-01-02'), '15 min') AS without_offline,
       reliability.availability(t, CASE WHEN s THEN s END, tstzrange('2024-01-01', '2024-01-02'), '15 min') AS without_offline_too
  FROM bad_input.obs;
-- No rows at all: NULL.
SELECT reliability.uptime(t, s, '(,)') IS NULL AS uptime_null, reliability.availability(t, s, '(,)', '1 min') IS NULL AS availability_null
  FROM bad_input.obs WHERE false;
-- Windows: empty, unbounded and infinite bounds (no clipping), windows starting at
-- infinity or ending at -infinity (empty): correct results.
SELECT w, reliability.availability(t, s, w::tstzrange, '15 min')
  FROM bad_input.obs,
       unnest(ARRAY['empty', '(2024-01-01 00:05+00,2024-01-01 00:05+00)', '[2024-01-01 00:05+00,2024-01-01 00:05+00]',
                    '(,)', '[-infinity,infinity]', '(,2024-01-01 00:05+00)', '[2024-01-01 00:30+00,)',
                    '[infinity,infinity]', '[infinity,)', '[-infinity,-infinity]', '(,-infinity]']) WITH ORDINALITY AS x(w, n)
 GROUP BY w, n ORDER BY n;
-- A reversed range is refused by PostgreSQL itself (22000), before it reaches the aggregate;
-- a malformed one is 22P02.
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '[2024-01-02,2024-01-01)') FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, tstzrange('2024-01-02', '2024-01-01'), '15 min') FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, 'garbage', '15 min') FROM bad_input.obs$$);
-- A window longer than 2^63 microseconds: 22003 (SPEC_READING "limits of time"), also an
-- unbounded window over observations 290,000 years apart.
SELECT bad_input.try($$SELECT reliability.availability(t, s, '[4713-01-01 BC,294276-01-01)', '15 min') FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.availability(x, true, '(,)', '15 min') FROM (VALUES (timestamptz '4714-11-24 00:00:00+00 BC'), ('294276-12-31 23:59:59.999999+00')) v(x)$$);
-- Infinite observed_at: 22008 (in either form, in any row).
SELECT f, g AS max_gap_argument, x, bad_input.try(format($q$SELECT reliability.%s(t, s, '(,)'%s) FROM (SELECT * FROM bad_input.obs UNION ALL SELECT %L, true) o$q$,
                                   f, g, x))
  FROM unnest(ARRAY['uptime', 'availability']) AS f, unnest(ARRAY['', ', ''15 min''']) AS g,
       unnest(ARRAY['infinity', '-infinity']) AS x
 ORDER BY f, g, x;
-- The first and last finite instants are fine: a cover that would pass the end of time ends there.
SELECT reliability.availability(x, true, '(,)', '1 min') AS at_the_end
  FROM (VALUES (timestamptz '294276-12-31 23:59:59.999999+00')) v(x);
SELECT reliability.availability(x, x = '4714-11-24 00:00:00+00 BC', '(,)', '1 min') AS at_the_start
  FROM (VALUES (timestamptz '4714-11-24 00:00:00+00 BC'), ('4714-11-24 00:00:30+00 BC')) v(x);
-- max_gap zero, negative, zero in total, or too long for microseconds: 22023 / 22008.
SELECT g, bad_input.try(format('SELECT reliability.uptime(t, s, ''(,)'', %L) FROM bad_input.obs', g))
  FROM unnest(ARRAY['0', '-1 day', '-1 microsecond', '1 mon -30 days', '178000000 years', '106751992 days']) AS g;
-- Month-sized max_gap: a month is 30 days, a year 365.25 days (correct results; the last
-- cover runs for the whole max_gap, so covered = 20 min + max_gap, except for the longest
-- one, whose last cover ends at the largest int64 instant (SPEC_READING "limits of time"):
-- 9223372036854.775807 s after 2000-01-01 minus 2024-01-01 00:20 = 9222614653254.775 s).
SELECT g, (a).covered_seconds, (a).covered_seconds - 1200 = extract(epoch FROM g::interval) AS fixed_length
  FROM (SELECT g, reliability.availability(t, s, '(,)', g::interval) AS a
          FROM bad_input.obs, unnest(ARRAY['1 mon', '1 year', '1 mon 1 day', '106751991 days']) AS g
         GROUP BY g) x ORDER BY (a).covered_seconds;
-- A positive mixed interval (1 day - 86399 s = 1 s): each of the three covers lasts 1 s.
SELECT (reliability.availability(t, s, '(,)', '1 day -86399 seconds')).covered_seconds AS one_second_covers FROM bad_input.obs;
-- Duplicate observation times: 22023; so is a window or max_gap that differs between rows.
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', '15 min') FROM (SELECT * FROM bad_input.obs UNION ALL SELECT * FROM bad_input.obs) o$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, CASE WHEN s THEN tstzrange('2024-01-01', '2024-01-02') ELSE '(,)' END, '15 min') FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', CASE WHEN s THEN interval '15 min' ELSE '900 seconds' END) FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', CASE WHEN s THEN interval '15 min' ELSE '10 min' END) FROM bad_input.obs$$);
-- ... but DISTINCT removes duplicate rows first (correct result).
SELECT bad_input.try($$SELECT reliability.uptime(DISTINCT t, s, '(,)', '15 min') FROM (SELECT * FROM bad_input.obs UNION ALL SELECT * FROM bad_input.obs) o$$);
-- Values needing casts: timestamp and date convert implicitly to timestamptz (the session
-- is UTC), a text range literal is fine; integer online, tsrange windows, numeric or text
-- max_gap are misuse (42883).
SELECT bad_input.try($$SELECT reliability.uptime(t::timestamp, s, '(,)', '15 min') FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t::date, s, '(,)', '15 min') FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s::int, '(,)', '15 min') FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)'::tsrange, '15 min') FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', 900) FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', '15 min'::text) FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', '15 min'::text::interval) FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', 'garbage') FROM bad_input.obs$$);
-- Misuse as an ordered-set aggregate, in WHERE, nested: 42xxx.
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)') WITHIN GROUP (ORDER BY t) FROM bad_input.obs$$);
SELECT bad_input.try($$SELECT 1 FROM bad_input.obs WHERE reliability.uptime(t, s, '(,)') > 0$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, reliability.uptime(t, s, '(,)') > 0, '(,)') FROM bad_input.obs$$);
-- As a window function, with a growing and with a moving frame: the same as the aggregate
-- over the frame's rows (correct results).
SELECT count(*) FILTER (WHERE a IS DISTINCT FROM b) AS growing_mismatches
  FROM (SELECT reliability.availability(o1.t, o1.s, '(,)', '15 min') OVER (ORDER BY o1.t) AS a,
               (SELECT reliability.availability(o2.t, o2.s, '(,)', '15 min') FROM bad_input.obs o2 WHERE o2.t <= o1.t) AS b
          FROM bad_input.obs o1) x;
SELECT count(*) FILTER (WHERE a IS DISTINCT FROM b) AS moving_mismatches
  FROM (SELECT reliability.uptime(o1.t, o1.s, '(,)', '15 min') OVER (ORDER BY o1.t ROWS BETWEEN 1 PRECEDING AND CURRENT ROW) AS a,
               (SELECT reliability.uptime(o2.t, o2.s, '(,)', '15 min') FROM bad_input.obs o2
                 WHERE o2.t BETWEEN o1.t - interval '10 min' AND o1.t) AS b
          FROM bad_input.obs o1) x;
-- The 3-argument forms read max_gap from settings (15 min), as a month-sized one.
SELECT reliability.uptime(t, s, tstzrange('2024-01-01', '2024-01-02')) = reliability.uptime(t, s, tstzrange('2024-01-01', '2024-01-02'), '15 min') AS same_as_default
  FROM bad_input.obs;
UPDATE reliability.settings SET max_gap = '1 mon';
SELECT (reliability.availability(t, s, '(,)')).covered_seconds AS covered_with_month_gap FROM bad_input.obs;
UPDATE reliability.settings SET max_gap = DEFAULT;
-- In parallel workers (combine, serialize, deserialize): the same errors.
CREATE TABLE bad_input.many AS
    SELECT timestamptz '2024-01-01' + i * interval '1 minute' AS t, true AS s FROM generate_series(1, 100000) AS i;
ANALYZE bad_input.many;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', '1 min') FROM bad_input.many$$);
INSERT INTO bad_input.many VALUES ('2024-01-01 00:07', false);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', '1 min') FROM bad_input.many$$);
UPDATE bad_input.many SET t = 'infinity' WHERE NOT s;
SELECT bad_input.try($$SELECT reliability.uptime(t, s, '(,)', '1 min') FROM bad_input.many$$);
SELECT bad_input.try($$SELECT reliability.uptime(t, s, CASE WHEN s THEN '(,)'::tstzrange ELSE 'empty' END, '1 min') FROM bad_input.many WHERE s OR t = 'infinity'$$);
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE bad_input.many;

------------------------------------------------------------------------------------------
-- reliability.add_fixed / sub_fixed (SPEC §2: intervals are fixed lengths)
------------------------------------------------------------------------------------------
-- STRICT: a NULL argument gives NULL.
SELECT reliability.add_fixed(NULL, '1 day') IS NULL AS a1, reliability.add_fixed('2024-01-01', NULL) IS NULL AS a2,
       reliability.sub_fixed(NULL, '1 day') IS NULL AS s1, reliability.sub_fixed('2024-01-01', NULL) IS NULL AS s2;
-- Correct results: zero, negative and month-sized lengths; infinite timestamps stay infinite.
SELECT g, reliability.add_fixed('2024-01-01 00:00:00+00', g::interval) AS added,
       reliability.sub_fixed('2024-01-01 00:00:00+00', g::interval) AS subtracted
  FROM unnest(ARRAY['0', '-1 day', '1 mon', '1 year', '1 mon -30 days', '1 day -86399 seconds']) WITH ORDINALITY AS x(g, n)
 ORDER BY n;
SELECT reliability.add_fixed('infinity', '1 day') AS a1, reliability.add_fixed('-infinity', '1 day') AS a2,
       reliability.sub_fixed('infinity', '-1 year') AS s1, reliability.sub_fixed('-infinity', '1 mon') AS s2;
-- No time zone involved: a day is 86,400 s also across a DST change.
SET TimeZone = 'America/New_York';
SELECT reliability.add_fixed('2024-03-10 00:00:00-05', '1 day') AS across_dst;
SET TimeZone = 'UTC';
-- Past the ends of time, or a length too long for microseconds: 22008.
SELECT bad_input.try($$SELECT reliability.add_fixed('294276-12-31 23:59:59+00', '1 day')$$);
SELECT bad_input.try($$SELECT reliability.sub_fixed('4714-11-24 00:00:00+00 BC', '1 day')$$);
SELECT bad_input.try($$SELECT reliability.add_fixed('2024-01-01', '178000000 years')$$);
SELECT bad_input.try($$SELECT reliability.sub_fixed('2024-01-01', '178000000 years')$$);
SELECT bad_input.try($$SELECT reliability.add_fixed('2024-01-01', '-178000000 years')$$);
SELECT bad_input.try($$SELECT reliability.sub_fixed('2024-01-01', '200000 years')$$);
SELECT bad_input.try($$SELECT reliability.add_fixed('2024-01-01', 86400)$$);
-- Far but within range (correct result).
SELECT reliability.sub_fixed('2024-01-01 00:00:00+00', '-200000 years') AS far_future;

------------------------------------------------------------------------------------------
-- reliability.compute_score(uptime, interruptions, online_seconds, rating_count,
-- rating_sum) and reliability.tier(score, covered_seconds) (SPEC §4)
------------------------------------------------------------------------------------------
-- Reference (defaults): 100 * (0.4 * 0.9 + 0.4 * exp(-1) + 0.2 * ((20 + 9) / 7 - 1) / 4).
SELECT reliability.compute_score(0.9, 1, 86400, 2, 9);
-- STRICT: NULL in any position gives NULL.
SELECT reliability.compute_score(NULL, 1, 86400, 2, 9) IS NULL AS n1, reliability.compute_score(0.9, NULL, 86400, 2, 9) IS NULL AS n2,
       reliability.compute_score(0.9, 1, NULL, 2, 9) IS NULL AS n3, reliability.compute_score(0.9, 1, 86400, NULL, 9) IS NULL AS n4,
       reliability.compute_score(0.9, 1, 86400, 2, NULL) IS NULL AS n5;
-- Bad values: 22023.
SELECT a, bad_input.try(format('SELECT reliability.compute_score(%s)', a))
  FROM unnest(ARRAY['-0.1, 1, 86400, 2, 9', '1.1, 1, 86400, 2, 9', '''NaN'', 1, 86400, 2, 9', '''infinity'', 1, 86400, 2, 9',
                    '0.9, -1, 86400, 2, 9', '0.9, -9223372036854775808, 86400, 2, 9',
                    '0.9, 1, -1, 2, 9', '0.9, 1, ''NaN'', 2, 9', '0.9, 1, ''infinity'', 2, 9', '0.9, 1, ''-infinity'', 2, 9',
                    '0.9, 1, 86400, -1, 9', '0.9, 1, 86400, 2, 11', '0.9, 1, 86400, 2, 1', '0.9, 1, 86400, 0, 1',
                    '0.9, 1, 86400, 2, -9']) WITH ORDINALITY AS x(a, n)
 ORDER BY n;
-- Correct results at the edges: huge counts (5 * rating_count overflows bigint), no online
-- time with and without interruptions, tiny and huge online_seconds, no ratings.
SELECT a, bad_input.try(format('SELECT reliability.compute_score(%s)', a))
  FROM unnest(ARRAY['0.9, 9223372036854775807, 86400, 2, 9', '0.9, 1, 0, 2, 9', '0.9, 0, 0, 2, 9', '0.9, 1, 1e-300, 2, 9',
                    '0.9, 1, 1e308, 2, 9', '0.9, 1, 86400, 0, 0', '0, 0, 0, 0, 0', '1, 0, 86400, 0, 0',
                    '0.9, 1, 86400, 9223372036854775807, 9223372036854775807',
                    '0.9, 1, 86400, 2000000000000000000, 9223372036854775807']) WITH ORDINALITY AS x(a, n)
 ORDER BY n;
-- Values needing casts: numeric / integer / smallint arguments convert implicitly; a
-- fractional count or a text uptime is misuse (42883).
SELECT bad_input.try($$SELECT reliability.compute_score(0.9::numeric, 1::int, 86400::numeric, 2::smallint, 9)$$);
SELECT bad_input.try($$SELECT reliability.compute_score(0.9, 1.5, 86400, 2, 9)$$);
SELECT bad_input.try($$SELECT reliability.compute_score('0.9'::text, 1, 86400, 2, 9)$$);
-- tier: NULL score or NULL covered_seconds gives new (SPEC_READING); NaN score is 22023;
-- scores outside [0, 100] and infinite values still get a tier (current behaviour).
SELECT a, bad_input.try(format('SELECT reliability.tier(%s)', a))
  FROM unnest(ARRAY['95, 1e9', 'NULL, 1e9', '95, NULL', 'NULL, NULL', '''NaN'', 1e9', '95, ''NaN''',
                    '''infinity'', 1e9', '''-infinity'', 1e9', '150, 1e9', '-5, 1e9', '80, 1e9', '65, 1e9',
                    '95, -1', '95, ''infinity''', '95, ''-infinity''', '95, 604800', '95, 604799.999999',
                    '95::numeric, 604800::bigint', '''95''::text, 1e9']) WITH ORDINALITY AS x(a, n)
 ORDER BY n;

------------------------------------------------------------------------------------------
-- reliability.score(machine_id, as_of) and reliability.report(machine_id, as_of) (SPEC §4, §6)
------------------------------------------------------------------------------------------
-- Reference: machine 1001 as of 2024-01-05 (2 interruptions on 2024-01-04, 4 ratings).
SELECT * FROM reliability.score(1001, '2024-01-05');
-- NULL machine_id: NULL (like an unknown machine); NULL as_of: NULL (current behaviour,
-- the SPEC only rules on infinite as_of).
SELECT bad_input.try($$SELECT reliability.score(NULL, '2024-01-05')$$) AS null_machine,
       bad_input.try($$SELECT reliability.score(1001, NULL)$$) AS null_as_of,
       bad_input.try($$SELECT reliability.score(NULL, NULL)$$) AS both_null;
SELECT bad_input.try($$SELECT reliability.report(NULL, '2024-01-05')$$) AS null_machine,
       bad_input.try($$SELECT reliability.report(1001, NULL)$$) AS null_as_of,
       bad_input.try($$SELECT reliability.report(NULL, NULL)$$) AS both_null;
-- Unknown machines (also the extremes of bigint): NULL.
SELECT m, bad_input.try(format($q$SELECT reliability.score(%s, '2024-01-05')$q$, m)) AS score,
       bad_input.try(format($q$SELECT reliability.report(%s, '2024-01-05')$q$, m)) AS report
  FROM unnest(ARRAY[42, -1, 0, -9223372036854775808]) AS m;
-- Infinite as_of: 22008, for known, unknown and NULL machines alike.
SELECT m, x, bad_input.try(format('SELECT reliability.score(%s, %L)', m, x)) AS score,
       bad_input.try(format('SELECT reliability.report(%s, %L)', m, x)) AS report
  FROM unnest(ARRAY['1001', '42', 'NULL']) AS m, unnest(ARRAY['infinity', '-infinity']) AS x;
-- as_of whose window starts before the first instant: 22008; as_of at the last instant: a
-- correct result (no observation in the window).
SELECT bad_input.try($$SELECT reliability.score(1001, '4714-11-24 00:00:00+00 BC')$$);
SELECT bad_input.try($$SELECT reliability.report(1001, '4714-11-24 00:00:00+00 BC')$$);
SELECT bad_input.try($$SELECT reliability.score(1001, '294276-12-31 23:59:59.999999+00')$$);
-- report at the last instant of time: a correct result too, its 30 days of history ending
-- on the last day (whose window ends at as_of).
SELECT bad_input.try($$SELECT format('%s days, %s to %s, tier %s', jsonb_array_length(r->'history'), r->'history'->0->>'day',
                                     r->'history'->29->>'day', r->'score'->>'tier')
                         FROM reliability.report(1001, '294276-12-31 23:59:59.999999+00') r$$);
-- The largest machine_id works.
SELECT (reliability.score(9223372036854775807, '2024-01-05')).uptime AS max_id_uptime,
       reliability.report(9223372036854775807, '2024-01-05')->>'machine_id' AS max_id_report;
-- Values needing casts: an integer literal, a text literal, a date or timestamp as_of
-- (midnight UTC) are fine; a numeric machine_id is misuse (42883).
SELECT bad_input.try($$SELECT (reliability.score('1001', '2024-01-05'::date)).score::text$$);
SELECT bad_input.try($$SELECT (reliability.score(1001::int, '2024-01-05'::timestamp)).score::text$$);
SELECT bad_input.try($$SELECT reliability.score(1001.0, '2024-01-05')$$);
SELECT bad_input.try($$SELECT reliability.report(1001.0, '2024-01-05')$$);
SELECT bad_input.try($$SELECT reliability.score(1001, 'not a time')$$);

------------------------------------------------------------------------------------------
-- reliability.daily_uptime / reliability.sparkline(machine_id, days, as_of) (SPEC §6)
------------------------------------------------------------------------------------------
SELECT * FROM reliability.daily_uptime(1001, 3, '2024-01-05 12:00:00+00');
SELECT reliability.sparkline(1001, 8, '2024-01-05 12:00:00+00');
-- NULL machine_id: no rows / NULL.
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(NULL, 5, '2024-01-05')$$) AS daily_uptime,
       bad_input.try($$SELECT reliability.sparkline(NULL, 5, '2024-01-05')$$) AS sparkline;
-- NULL days: 22023; NULL as_of: 22004 (current behaviour).
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(1001, NULL, '2024-01-05')$$) AS daily_uptime,
       bad_input.try($$SELECT reliability.sparkline(1001, NULL, '2024-01-05')$$) AS sparkline;
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(1001, 5, NULL)$$) AS daily_uptime,
       bad_input.try($$SELECT reliability.sparkline(1001, 5, NULL)$$) AS sparkline;
-- days outside 1..3660: 22023.
SELECT d, bad_input.try(format($q$SELECT count(*) FROM reliability.daily_uptime(1001, %s, '2024-01-05')$q$, d)) AS daily_uptime,
       bad_input.try(format($q$SELECT reliability.sparkline(1001, %s, '2024-01-05')$q$, d)) AS sparkline
  FROM unnest(ARRAY[0, -1, 3661, 2147483647, -2147483648]) AS d;
-- ... also for an unknown machine (a bad value is an error whatever the machine, SPEC §7).
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(42, 0, '2024-01-05')$$) AS daily_uptime,
       bad_input.try($$SELECT reliability.sparkline(42, 0, '2024-01-05')$$) AS sparkline;
-- Infinite as_of: 22008 (SPEC §7), for a known, an unknown and a NULL machine.
SELECT m, x, bad_input.try(format('SELECT count(*) FROM reliability.daily_uptime(%s, 5, %L)', m, x)) AS daily_uptime,
       bad_input.try(format('SELECT reliability.sparkline(%s, 5, %L)', m, x)) AS sparkline
  FROM unnest(ARRAY['1001', '42', 'NULL']) AS m, unnest(ARRAY['infinity', '-infinity']) AS x;
-- The ends of time: days before the first date: 22008; the last day of time is the last
-- row (its window ends at as_of), a correct result.
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(1001, 3660, '4714-11-30 00:00:00+00 BC')$$);
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(1001, 5, '294276-12-31 23:59:59.999999+00')$$);
SELECT bad_input.try($$SELECT reliability.sparkline(1001, 5, '294276-12-31 23:59:59.999999+00')$$);
-- Correct results: the bounds 1 and 3660, an unknown machine (no rows / NULL), the
-- largest machine_id, days as a literal; bigint or numeric days are misuse (42883).
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(1001, 1, '2024-01-05')$$) AS one_day,
       bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(1001, 3660, '2024-01-05')$$) AS max_days,
       bad_input.try($$SELECT length(reliability.sparkline(1001, 3660, '2024-01-05'))$$) AS max_days_sparkline;
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(42, 5, '2024-01-05')$$) AS unknown_daily,
       bad_input.try($$SELECT reliability.sparkline(42, 5, '2024-01-05')$$) AS unknown_sparkline,
       bad_input.try($$SELECT reliability.sparkline(9223372036854775807, 5, '2024-01-05')$$) AS max_id_sparkline;
SELECT bad_input.try($$SELECT reliability.sparkline(1001, '5', '2024-01-05')$$);
SELECT bad_input.try($$SELECT reliability.sparkline(1001, 5::bigint, '2024-01-05')$$);
SELECT bad_input.try($$SELECT reliability.sparkline(1001, 5.0, '2024-01-05')$$);
SELECT bad_input.try($$SELECT count(*) FROM reliability.daily_uptime(1001, 'five', '2024-01-05')$$);

------------------------------------------------------------------------------------------
-- reliability.refresh(as_of) / reliability.rebuild(as_of) (SPEC §5)
------------------------------------------------------------------------------------------
SELECT bad_input.snapshot() AS snap \gset
-- NULL as_of: 22004; infinite as_of: 22008; nothing written.
SELECT f, x, bad_input.try(format('SELECT reliability.%s(%s)', f, x))
  FROM unnest(ARRAY['refresh', 'rebuild']) AS f, unnest(ARRAY['NULL', '''infinity''', '''-infinity''']) AS x;
SELECT bad_input.try($$SELECT reliability.refresh('not a time')$$);
SELECT bad_input.snapshot() = :'snap' AS unchanged;
-- An as_of in the past, even at the first instant: every row is computed as of its own
-- later computed_at (SPEC §5), so it is a correct result; the cache stays exact.
SELECT f, x, bad_input.try(format('SELECT reliability.%s(%L)', f, x))
  FROM unnest(ARRAY['refresh', 'rebuild']) AS f, unnest(ARRAY['2000-01-01', '4714-11-24 00:00:00+00 BC']) AS x;
SELECT bad_input.cache_exact(), bad_input.counts();

------------------------------------------------------------------------------------------
-- settings changes that the data cannot take are refused as a whole (nothing written)
------------------------------------------------------------------------------------------
SELECT bad_input.snapshot() AS snap \gset
SELECT c, bad_input.try(format($q$UPDATE reliability.settings SET %I = '178000000 years'$q$, c))
  FROM unnest(ARRAY['score_window', 'max_gap', 'interruption_horizon', 'stale_after', 'auto_blacklist_for',
                    'min_history']) AS c;
SELECT bad_input.try($$UPDATE reliability.settings SET max_gap = '0'$$);
SELECT bad_input.snapshot() = :'snap' AS unchanged;
-- Month-sized lengths and auto-blacklisting every machine that is not new are accepted:
-- the cache follows (correct results; machine 1002 has recent data and a score below 100),
-- and returns to the defaults.
SELECT bad_input.try($$UPDATE reliability.settings SET score_window = '1 year', max_gap = '1 mon', min_history = '0', auto_blacklist_below = 100, auto_blacklist_for = '1 mon' RETURNING 'updated'$$);
SELECT bad_input.cache_exact(), (SELECT kind FROM reliability.blacklist WHERE machine_id = 1002) AS machine_1002_blacklisted;
UPDATE reliability.settings SET score_window = DEFAULT, max_gap = DEFAULT, min_history = DEFAULT,
       auto_blacklist_below = DEFAULT, auto_blacklist_for = DEFAULT;
SELECT bad_input.cache_exact();

------------------------------------------------------------------------------------------
-- The end: the settings are the defaults, the server never restarted.
------------------------------------------------------------------------------------------
SELECT ROW(s.*) IS NOT DISTINCT FROM ROW(d.*) AS settings_are_defaults
  FROM reliability.settings s,
       (VALUES (true, interval '30 days', interval '15 minutes', 0.4::float8, 0.4::float8, 0.2::float8,
                interval '24 hours', 4.0::float8, 5::float8, interval '7 days', 90::float8, 75::float8, 60::float8,
                interval '24 hours', NULL::float8, interval '24 hours', interval '72 hours', 3, 3, 0.7::float8,
                interval '24 hours', '{rejected,loading,creating}'::text[], interval '48 hours')) AS d;
SELECT pg_postmaster_start_time() = :'start' AS server_did_not_restart;
DROP SCHEMA bad_input CASCADE;
TRUNCATE reliability.machines CASCADE;
RESET client_min_messages;
