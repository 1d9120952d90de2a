--
-- The trigger-maintained cache reliability.scores (SPEC §5): after every kind of change
-- every cached row equals reliability.score(machine_id, computed_at) field by field,
-- computed_at never moves backwards, a row exists for every machine with data, stays
-- (recomputed) when the data goes, and goes with the machine. Auto-blacklist. Privileges.
--
-- The cache computes as of max(now(), previous computed_at). To print values that do not
-- depend on the clock, refresh() moves computed_at to a fixed instant in 2100 (after now());
-- from then on every trigger computes as of that instant. Data lives in 2100 too.
-- B = 2100-01-01 00:00 UTC, T0 = B + 10 days = 2100-01-11 00:00 UTC.
--
SET client_min_messages = warning;  -- no NOTICEs listing what TRUNCATE ... CASCADE reaches
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
CREATE SCHEMA cache_t;

CREATE FUNCTION cache_t.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE FUNCTION cache_t.id(ext text) RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT machine_id FROM reliability.machines WHERE provider = 'cache' AND external_id = ext $$;

-- computed_at of every cached row at the previous check.
CREATE TABLE cache_t.seen (machine_id bigint PRIMARY KEY, computed_at timestamptz NOT NULL);

-- One line per check:
--   rows        cached rows
--   mismatches  rows that differ from reliability.score(machine_id, computed_at) in any field
--   backwards   rows whose computed_at is earlier than at the previous check
--   without_row machines with an observation, interruption or rating but no cached row
CREATE FUNCTION cache_t.check(label text)
RETURNS TABLE (step text, "rows" bigint, mismatches bigint, backwards bigint, without_row bigint)
LANGUAGE plpgsql AS $$
DECLARE
    n bigint; bad bigint; back bigint; missing bigint;
BEGIN
    SELECT count(*),
           count(*) FILTER (WHERE ROW(s.score, s.tier, s.uptime, s.uptime_component, s.interruption_component,
                                      s.rating_component, s.online_seconds, s.offline_seconds, s.covered_seconds,
                                      s.coverage, s.interruptions, s.rating_count, s.rating_mean,
                                      s.last_observed_at, s.as_of)::reliability.score
                                  IS DISTINCT FROM reliability.score(s.machine_id, s.computed_at))
      INTO n, bad FROM reliability.scores s;
    SELECT count(*) INTO back
      FROM reliability.scores s JOIN cache_t.seen p USING (machine_id) WHERE s.computed_at < p.computed_at;
    SELECT count(*) INTO missing
      FROM reliability.machines m
     WHERE NOT EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id)
       AND (EXISTS (SELECT FROM reliability.observations o WHERE o.machine_id = m.machine_id)
            OR EXISTS (SELECT FROM reliability.interruptions i WHERE i.machine_id = m.machine_id)
            OR EXISTS (SELECT FROM reliability.ratings r WHERE r.machine_id = m.machine_id));
    DELETE FROM cache_t.seen;
    INSERT INTO cache_t.seen SELECT s.machine_id, s.computed_at FROM reliability.scores s;
    RETURN QUERY SELECT label, n, bad, back, missing;
END
$$;

-- The cached rows of the test machines (only printed while computed_at is a fixed instant).
CREATE FUNCTION cache_t.rows()
RETURNS TABLE (m text, computed_at timestamptz, score numeric, tier text, online double precision,
               offline double precision, interruptions bigint, ratings bigint, rating_mean numeric,
               last_observed_at timestamptz)
LANGUAGE sql STABLE AS $$
    SELECT x.external_id, s.computed_at, round(s.score::numeric, 9), s.tier, s.online_seconds, s.offline_seconds,
           s.interruptions, s.rating_count, round(s.rating_mean::numeric, 9), s.last_observed_at
      FROM reliability.scores s JOIN reliability.machines x USING (machine_id)
     WHERE x.provider = 'cache'
     ORDER BY x.external_id
$$;

-- Which test machines have a cached row.
CREATE FUNCTION cache_t.with_row() RETURNS text LANGUAGE sql STABLE AS $$
    SELECT coalesce(string_agg(x.external_id, ',' ORDER BY x.external_id), '')
      FROM reliability.machines x WHERE x.provider = 'cache'
       AND EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = x.machine_id)
$$;

SELECT count(reliability.machine('cache', x)) AS created FROM unnest(ARRAY['m1', 'm2', 'm3', 'm4', 'm5']) x;
SELECT * FROM cache_t.check('machines only');
SELECT cache_t.with_row();

-- m1: an observation every 10 min from B to B + 10 days - 10 min (i = 0 .. 1439), online
-- except i = 100 .. 105. Computed as of now() (2026): the data is in the future, no score.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT cache_t.id('m1'), timestamptz '2100-01-01 00:00+00' + i * interval '10 minutes', NOT (i BETWEEN 100 AND 105)
  FROM generate_series(0, 1439) i;
SELECT * FROM cache_t.check('observations of m1');
-- m2: an interruption; m3: a rating.
INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES (cache_t.id('m2'), '2100-01-02 00:00+00');
SELECT (reliability.rate(cache_t.id('m3'), 'u1', 4)).stars;
SELECT * FROM cache_t.check('interruption of m2, rating of m3');
SELECT cache_t.with_row();

--
-- refresh(T0): every row as of T0, W = [2099-12-12 00:00, 2100-01-11 00:00).
-- m1: online 1434 * 600 = 860,400, offline 6 * 600 = 3,600 (the last observation, at
--     2100-01-10 23:50, covers up to T0); U = 860400 / 864000; k = 0: I = 1; no rating:
--     mean 4, R = 0.75; score = 100 * (0.4 * 0.995833333 + 0.4 + 0.15) = 94.833333333;
--     covered 864,000 >= 7 days: excellent
-- m2: no observation: score NULL, new; 1 interruption (2100-01-02 is in W)
-- m3: rating 4: mean = (5 * 4 + 4) / 6 = 4
--
SELECT reliability.refresh('2100-01-11 00:00+00');
SELECT * FROM cache_t.check('refresh(T0)');
SELECT * FROM cache_t.rows();

-- Late and out-of-order observations of m1 in one statement:
--   T0 + 1 h online, B + 1 day + 5 min offline, T0 offline, B - 5 min online.
-- As of T0 (computed_at stays T0): B - 5 min covers [B - 5 min, B): +300 online;
-- B + 1 day (online) now covers 300 s instead of 600 and B + 1 day + 5 min 300 s offline;
-- T0 and T0 + 1 h are not before T0. online 860,400, offline 3,900.
-- score = 100 * (0.4 * 860400 / 864300 + 0.55) = 94.819507116
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES
    (cache_t.id('m1'), '2100-01-11 01:00+00', true),
    (cache_t.id('m1'), '2100-01-02 00:05+00', false),
    (cache_t.id('m1'), '2100-01-11 00:00+00', false),
    (cache_t.id('m1'), '2099-12-31 23:55+00', true);
SELECT * FROM cache_t.check('late and out-of-order observations');
SELECT * FROM cache_t.rows() WHERE m = 'm1';

-- refresh(T0 + 1 h): W = [2099-12-12 01:00, 2100-01-11 01:00). m1: the observation at T0
-- (offline) covers [T0, T0 + 15 min): offline 4,800; last_observed_at = T0.
-- score = 100 * (0.4 * 860400 / 865200 + 0.55) = 94.778085992
SELECT reliability.refresh('2100-01-11 01:00+00');
SELECT * FROM cache_t.check('refresh(T0 + 1 h)');
SELECT * FROM cache_t.rows();
-- refresh() with an as_of in the past recomputes every row as of its own computed_at,
-- which stays: nothing changes.
SELECT reliability.refresh('2100-01-11 00:00+00');
SELECT * FROM cache_t.check('refresh(T0) after T0 + 1 h');
SELECT * FROM cache_t.rows();
SELECT reliability.refresh('2000-01-01 00:00+00');
SELECT * FROM cache_t.check('refresh(2000)');
SELECT DISTINCT computed_at FROM reliability.scores;

-- An observation long before the window: no change.
INSERT INTO reliability.observations VALUES (cache_t.id('m1'), '2099-11-22 00:00+00', true);
SELECT * FROM cache_t.check('observation before the window');

-- Updates of observations.
-- B + 2 days (i = 288) goes offline: online 859,800, offline 5,400.
UPDATE reliability.observations SET online = false
 WHERE machine_id = cache_t.id('m1') AND observed_at = '2100-01-03 00:00+00';
SELECT * FROM cache_t.check('update online');
-- B + 3 days moves by a minute: the one before covers 660 s, the moved one 540 s: no change.
UPDATE reliability.observations SET observed_at = '2100-01-04 00:01+00'
 WHERE machine_id = cache_t.id('m1') AND observed_at = '2100-01-04 00:00+00';
SELECT * FROM cache_t.check('update observed_at');
-- T0 + 1 h moves from m1 to m5: m1 unchanged (the observation at T0 covers 15 min either
-- way); m5 gets a cached row (as of now(): its first).
UPDATE reliability.observations SET machine_id = cache_t.id('m5')
 WHERE machine_id = cache_t.id('m1') AND observed_at = '2100-01-11 01:00+00';
SELECT * FROM cache_t.check('update machine_id');
SELECT cache_t.with_row();
SELECT online, offline FROM cache_t.rows() WHERE m = 'm1';

-- Delete i = 720 .. 725 (B + 5 days .. + 50 min, online): -3,600 online; i = 719 now covers
-- 900 s instead of 600: +300. online = 859,800 - 3,600 + 300 = 856,500.
DELETE FROM reliability.observations
 WHERE machine_id = cache_t.id('m1') AND observed_at >= '2100-01-06 00:00+00' AND observed_at < '2100-01-06 01:00+00';
SELECT * FROM cache_t.check('delete observations');
SELECT online, offline FROM cache_t.rows() WHERE m = 'm1';

-- Interruptions of m1, W = [2099-12-12 01:00, 2100-01-11 01:00): at the start of W (in),
-- a second before (out), 2100-01-03 (in), at computed_at (out): k = 2.
INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES
    (cache_t.id('m1'), '2099-12-12 01:00+00'), (cache_t.id('m1'), '2099-12-12 00:59:59+00'),
    (cache_t.id('m1'), '2100-01-03 00:00+00'), (cache_t.id('m1'), '2100-01-11 01:00+00');
SELECT * FROM cache_t.check('insert interruptions');
SELECT interruptions FROM cache_t.rows() WHERE m = 'm1';
-- 2100-01-03 moves out of the window: k = 1.
UPDATE reliability.interruptions SET occurred_at = '2100-02-01 00:00+00'
 WHERE machine_id = cache_t.id('m1') AND occurred_at = '2100-01-03 00:00+00';
SELECT * FROM cache_t.check('update interruption');
SELECT interruptions FROM cache_t.rows() WHERE m = 'm1';
-- m2 loses its only interruption: its row stays, recomputed.
DELETE FROM reliability.interruptions WHERE machine_id = cache_t.id('m2');
SELECT * FROM cache_t.check('delete interruption');
SELECT m, interruptions FROM cache_t.rows() WHERE m = 'm2';
-- An interruption moved from m1 to m2 and back.
UPDATE reliability.interruptions SET machine_id = cache_t.id('m2') WHERE occurred_at = '2099-12-12 01:00+00';
SELECT * FROM cache_t.check('interruption to m2');
SELECT m, interruptions FROM cache_t.rows() WHERE m IN ('m1', 'm2');
UPDATE reliability.interruptions SET machine_id = cache_t.id('m1') WHERE occurred_at = '2099-12-12 01:00+00';
SELECT * FROM cache_t.check('interruption back to m1');

-- Ratings of m1: 5 and 3: mean (20 + 8) / 7 = 4; u1 changes to 1 (rate() updates):
-- (20 + 4) / 7 = 3.428571429; u2 set to 2 by UPDATE: (20 + 3) / 7 = 3.285714286.
SELECT (reliability.rate(cache_t.id('m1'), 'u1', 5)).stars;
SELECT (reliability.rate(cache_t.id('m1'), 'u2', 3)).stars;
SELECT * FROM cache_t.check('insert ratings');
SELECT ratings, rating_mean FROM cache_t.rows() WHERE m = 'm1';
SELECT (reliability.rate(cache_t.id('m1'), 'u1', 1)).stars;
SELECT * FROM cache_t.check('rate() updates');
SELECT ratings, rating_mean FROM cache_t.rows() WHERE m = 'm1';
UPDATE reliability.ratings SET stars = 2 WHERE machine_id = cache_t.id('m1') AND user_id = 'u2';
SELECT * FROM cache_t.check('update stars');
SELECT ratings, rating_mean FROM cache_t.rows() WHERE m = 'm1';
-- u2's rating moves to m4, which gets a row: m1 (20 + 1) / 6 = 3.5, m4 (20 + 2) / 6 = 3.666666667
UPDATE reliability.ratings SET machine_id = cache_t.id('m4') WHERE machine_id = cache_t.id('m1') AND user_id = 'u2';
SELECT * FROM cache_t.check('rating to m4');
SELECT cache_t.with_row();
-- m3 loses its only rating: its row stays, recomputed (no rating: mean 4).
DELETE FROM reliability.ratings WHERE machine_id = cache_t.id('m3');
SELECT * FROM cache_t.check('delete rating');
SELECT m, ratings, rating_mean FROM cache_t.rows() WHERE m IN ('m1', 'm3');

-- B + 2 days back online (+600 online, -600 offline) and a new offline observation at
-- B + 9 days + 5 min (i = 1296 covers 300 s instead of 600):
-- online 856,500 + 600 - 300 = 856,800, offline 5,400 - 600 + 300 = 5,100.
UPDATE reliability.observations SET online = true
 WHERE machine_id = cache_t.id('m1') AND observed_at = '2100-01-03 00:00+00';
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES (cache_t.id('m1'), '2100-01-10 00:05+00', false);
SELECT * FROM cache_t.check('update and insert');
SELECT online, offline FROM cache_t.rows() WHERE m = 'm1';

-- One statement for several machines, in descending machine order:
--   m2: every 10 min from B + 9 days to B + 10 days - 10 min, online (143 * 600 + 900)
--   m4: offline at B + 9 days and B + 9 days + 5 min (300 + 900)
--   m5: online at B + 9 days (900)
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT machine_id, observed_at, online FROM (
    SELECT cache_t.id('m2') AS machine_id, timestamptz '2100-01-10 00:00+00' + i * interval '10 minutes' AS observed_at,
           true AS online
      FROM generate_series(0, 143) i
    UNION ALL VALUES (cache_t.id('m4'), timestamptz '2100-01-10 00:00+00', false),
                     (cache_t.id('m4'), '2100-01-10 00:05+00', false),
                     (cache_t.id('m5'), '2100-01-10 00:00+00', true)) x
 ORDER BY machine_id DESC, observed_at DESC;
SELECT * FROM cache_t.check('several machines in one statement');

--
-- refresh(T0 + 1 h) again: every row as of 2100-01-11 01:00.
-- m1: online 856,800, offline 5,100, U = 856800 / 861900; k = 1: I = exp(-86400 / 856800);
--     one rating (1): mean 21 / 6 = 3.5, R = 0.625;
--     score = 100 * (0.4 * 0.994082840 + 0.4 * 0.904075153 + 0.2 * 0.625) = 88.426408403;
--     excellent needs 90: good
-- m2: online 86,700, U = 1, I = 1, R = 0.75: 95, covered < 7 days: new
-- m3: nothing left: NULL, new
-- m4: offline 1,200, U = 0, I = 1 (k = 0), rating 2: R = (22 / 6 - 1) / 4 = 0.666666667:
--     100 * (0 + 0.4 + 0.2 * 0.666666667) = 53.333333333, new
-- m5: online 900 (the observation at T0 + 1 h is not before as_of): 95, new;
--     last_observed_at = 2100-01-10 00:00
--
SELECT reliability.refresh('2100-01-11 01:00+00');
SELECT * FROM cache_t.check('refresh(T0 + 1 h) again');
SELECT * FROM cache_t.rows();

-- A change of settings recomputes every row (as of the same computed_at).
-- max_gap 30 min: m1: i = 719 covers 30 min (+900 online), T0 covers 30 min (+900
-- offline): 857,700 / 6,000. m2: 143 * 600 + 1,800 = 87,600. m4: 300 + 1,800 = 2,100.
-- m5: 1,800.
UPDATE reliability.settings SET max_gap = '30 minutes';
SELECT * FROM cache_t.check('max_gap 30 min');
SELECT m, computed_at, online, offline FROM cache_t.rows();
-- weights 1 / 0 / 0: score = 100 U: m1 = 100 * 857700 / 863700 = 99.305314345
UPDATE reliability.settings SET weight_uptime = 1, weight_interruption = 0, weight_rating = 0;
SELECT * FROM cache_t.check('weights 1 / 0 / 0');
SELECT m, score, tier FROM cache_t.rows();
UPDATE reliability.settings SET max_gap = '15 minutes', weight_uptime = 0.4, weight_interruption = 0.4, weight_rating = 0.2;
SELECT * FROM cache_t.check('settings restored');
SELECT m, score, tier FROM cache_t.rows();

-- TRUNCATE of each data table: every row stays, recomputed.
TRUNCATE reliability.interruptions;
SELECT * FROM cache_t.check('truncate interruptions');
SELECT m, interruptions FROM cache_t.rows();
TRUNCATE reliability.ratings;
SELECT * FROM cache_t.check('truncate ratings');
SELECT m, ratings, rating_mean FROM cache_t.rows();
TRUNCATE reliability.observations;
SELECT * FROM cache_t.check('truncate observations');
SELECT * FROM cache_t.rows();

-- The window slides with refresh() alone.
-- m1 again: every 10 min from B to B + 10 days - 10 min, online; the last covers 900 s.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT cache_t.id('m1'), timestamptz '2100-01-01 00:00+00' + i * interval '10 minutes', true
  FROM generate_series(0, 1439) i;
SELECT * FROM cache_t.check('m1 refilled');
-- as of 2100-01-31 00:00: W = [2100-01-01 00:00, 2100-01-31): 1439 * 600 + 900 = 864,300
SELECT reliability.refresh('2100-01-31 00:00+00');
SELECT * FROM cache_t.check('refresh(2100-01-31)');
SELECT m, computed_at, score, tier, online FROM cache_t.rows() WHERE m = 'm1';
-- as of 2100-02-05 00:00: W = [2100-01-06, 2100-02-05): i = 720 .. 1439: 719 * 600 + 900 = 432,300
SELECT reliability.refresh('2100-02-05 00:00+00');
SELECT * FROM cache_t.check('refresh(2100-02-05)');
SELECT m, computed_at, score, tier, online FROM cache_t.rows() WHERE m = 'm1';
-- as of 2100-04-01: nothing in W; last_observed_at stays the latest before as_of.
SELECT reliability.refresh('2100-04-01 00:00+00');
SELECT * FROM cache_t.check('refresh(2100-04-01)');
SELECT * FROM cache_t.rows() WHERE m = 'm1';

--
-- More edge cases; every row is as of 2100-04-01 00:00, W = [2100-03-02 00:00, 2100-04-01 00:00).
--
-- m2: an observation 5 min before W covers [23:55, 00:10): 600 s online in W.
INSERT INTO reliability.observations VALUES (cache_t.id('m2'), '2100-03-01 23:55+00', true);
SELECT * FROM cache_t.check('cover reaching into the window');
-- m2: an observation 1 us before as_of covers 1 us offline.
INSERT INTO reliability.observations VALUES (cache_t.id('m2'), '2100-03-31 23:59:59.999999+00', false);
SELECT * FROM cache_t.check('1 us before as_of');
-- m2: an observation at as_of changes nothing.
INSERT INTO reliability.observations VALUES (cache_t.id('m2'), '2100-04-01 00:00+00', true);
SELECT * FROM cache_t.check('at as_of');
SELECT m, score, tier, online, offline, last_observed_at FROM cache_t.rows() WHERE m = 'm2';
-- m3: several statements in one transaction: two observations, one set offline, an
-- interruption, the other observation deleted: 00:05 offline covers 900 s; k = 1.
BEGIN;
INSERT INTO reliability.observations VALUES (cache_t.id('m3'), '2100-03-15 00:00+00', true), (cache_t.id('m3'), '2100-03-15 00:05+00', true);
UPDATE reliability.observations SET online = false WHERE machine_id = cache_t.id('m3') AND observed_at = '2100-03-15 00:05+00';
INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES (cache_t.id('m3'), '2100-03-15 00:06+00');
DELETE FROM reliability.observations WHERE machine_id = cache_t.id('m3') AND observed_at = '2100-03-15 00:00+00';
COMMIT;
SELECT * FROM cache_t.check('one transaction');
SELECT m, score, tier, online, offline, interruptions FROM cache_t.rows() WHERE m = 'm3';
-- One UPDATE for two machines: m2 0.000001 s online and 600 s offline, m3 900 s online.
UPDATE reliability.observations SET online = NOT online WHERE machine_id IN (cache_t.id('m2'), cache_t.id('m3'));
SELECT * FROM cache_t.check('update of two machines');
SELECT m, online, offline FROM cache_t.rows() WHERE m IN ('m2', 'm3');
-- m4: every 10 min from 2100-03-20 00:00 to 00:50, online: 5 * 600 + 900 = 3,900.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT cache_t.id('m4'), timestamptz '2100-03-20 00:00+00' + i * interval '10 minutes', true FROM generate_series(0, 5) i;
SELECT * FROM cache_t.check('m4 observations');
-- INSERT ... ON CONFLICT DO UPDATE that updates and inserts in one statement: 00:10 goes
-- offline (600 s), 00:25 is new and offline: 00:20 covers 300 s online, 00:25 300 s
-- offline: online 3,900 - 600 - 300 = 3,000, offline 600 + 300 = 900.
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES
    (cache_t.id('m4'), '2100-03-20 00:10+00', false), (cache_t.id('m4'), '2100-03-20 00:25+00', false)
ON CONFLICT (machine_id, observed_at) DO UPDATE SET online = excluded.online;
SELECT * FROM cache_t.check('insert on conflict do update');
SELECT m, online, offline FROM cache_t.rows() WHERE m = 'm4';
-- ... that only updates: 00:00 goes offline: online 2,400, offline 1,500.
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES (cache_t.id('m4'), '2100-03-20 00:00+00', false)
ON CONFLICT (machine_id, observed_at) DO UPDATE SET online = excluded.online;
SELECT * FROM cache_t.check('insert on conflict, update only');
SELECT m, online, offline FROM cache_t.rows() WHERE m = 'm4';
-- ON CONFLICT DO NOTHING: 00:00 exists (unchanged), 00:55 is new and online: 00:50 covers
-- 300 s instead of 900, 00:55 covers 900: online 2,400 + 300 = 2,700.
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES
    (cache_t.id('m4'), '2100-03-20 00:00+00', true), (cache_t.id('m4'), '2100-03-20 00:55+00', true)
ON CONFLICT DO NOTHING;
SELECT * FROM cache_t.check('insert on conflict do nothing');
SELECT m, online, offline FROM cache_t.rows() WHERE m = 'm4';
-- MERGE, which fires the UPDATE / DELETE and INSERT triggers of one statement.
-- m5: every 10 min from 2100-03-25 00:00 to 00:50, online: 3,900.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT cache_t.id('m5'), timestamptz '2100-03-25 00:00+00' + i * interval '10 minutes', true FROM generate_series(0, 5) i;
SELECT * FROM cache_t.check('m5 observations');
-- 00:10 goes offline (matched), 00:25 is new and offline: as above, 3,000 / 900.
MERGE INTO reliability.observations o
USING (VALUES (cache_t.id('m5'), timestamptz '2100-03-25 00:10+00', false),
              (cache_t.id('m5'), timestamptz '2100-03-25 00:25+00', false)) v(machine_id, observed_at, online)
   ON o.machine_id = v.machine_id AND o.observed_at = v.observed_at
 WHEN MATCHED THEN UPDATE SET online = v.online
 WHEN NOT MATCHED THEN INSERT VALUES (v.machine_id, v.observed_at, v.online);
SELECT * FROM cache_t.check('merge: update and insert');
SELECT m, online, offline FROM cache_t.rows() WHERE m = 'm5';
-- 00:00 is deleted (matched), 00:55 is new and online: 00:10 off 600, 00:20 on 300,
-- 00:25 off 300, 00:30 on 600, 00:40 on 600, 00:50 on 300, 00:55 on 900: 2,700 / 900.
MERGE INTO reliability.observations o
USING (VALUES (cache_t.id('m5'), timestamptz '2100-03-25 00:00+00'),
              (cache_t.id('m5'), timestamptz '2100-03-25 00:55+00')) v(machine_id, observed_at)
   ON o.machine_id = v.machine_id AND o.observed_at = v.observed_at
 WHEN MATCHED THEN DELETE
 WHEN NOT MATCHED THEN INSERT VALUES (v.machine_id, v.observed_at, true);
SELECT * FROM cache_t.check('merge: delete and insert');
SELECT m, online, offline FROM cache_t.rows() WHERE m = 'm5';
DELETE FROM reliability.observations WHERE machine_id = cache_t.id('m5');
SELECT * FROM cache_t.check('m5 observations deleted');
-- One DELETE for two machines: their rows stay.
DELETE FROM reliability.observations WHERE machine_id IN (cache_t.id('m2'), cache_t.id('m4'));
SELECT * FROM cache_t.check('delete of two machines');
SELECT m, score, tier, online, offline, last_observed_at FROM cache_t.rows() WHERE m IN ('m2', 'm4');

-- Deleting a machine deletes its cached row.
DELETE FROM reliability.machines WHERE provider = 'cache' AND external_id = 'm1';
SELECT * FROM cache_t.check('delete machine m1');
SELECT cache_t.with_row();
TRUNCATE reliability.machines CASCADE;
SELECT * FROM cache_t.check('truncate machines');

--
-- Auto-blacklist. T1 = 2100-03-13 12:00 UTC (07:00 EST; New York moves to EDT on
-- 2100-03-14 at 07:00 UTC, so a calendar day added there would be 23 hours).
-- Observations every 10 min over the 8 days before T1 (covered 691,200 s >= 7 days):
--   low, manual, temporary, expired, expired_manual: online the first 4 days, then offline:
--     U = 0.5, I = 1, R = 0.75: score 75 (good)
--   high: online: 95 (excellent)
--   new: one day, offline: U = 0, I = 1 (k = 0), R = 0.75: 55 (new)
--
SET TimeZone = 'America/New_York';
SELECT count(reliability.machine('cache', x)) AS created
  FROM unnest(ARRAY['low', 'manual', 'temporary', 'expired', 'expired_manual', 'high', 'new']) x;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT cache_t.id(x), timestamptz '2100-03-05 12:00+00' + i * interval '10 minutes', x = 'high' OR i < 576
  FROM unnest(ARRAY['low', 'manual', 'temporary', 'expired', 'expired_manual', 'high']) x, generate_series(0, 1151) i;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT cache_t.id('new'), timestamptz '2100-03-12 12:00+00' + i * interval '10 minutes', false FROM generate_series(0, 143) i;
SELECT reliability.refresh('2100-03-13 12:00+00');
SELECT * FROM cache_t.check('auto-blacklist data');
SELECT m, computed_at, score, tier FROM cache_t.rows();
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by, expires_at) VALUES
    (cache_t.id('manual'), 'manual', 'fraud', 'ops', NULL),
    (cache_t.id('temporary'), 'temporary', 'maintenance', 'ops', '2200-01-01 00:00+00'),
    (cache_t.id('expired'), 'temporary', 'old maintenance', 'ops', '2000-01-01 00:00+00'),
    (cache_t.id('expired_manual'), 'manual', 'old fraud', 'ops', '2000-01-01 00:00+00');

CREATE FUNCTION cache_t.blacklist()
RETURNS TABLE (m text, kind text, reason text, blocked_by text, expires_at timestamptz, for_seconds numeric)
LANGUAGE sql STABLE AS $$
    SELECT x.external_id, b.kind, CASE WHEN b.kind = 'auto' THEN '(auto)' ELSE b.reason END,
           CASE WHEN b.kind = 'auto' THEN '(auto)' ELSE b.blocked_by END, b.expires_at,
           CASE WHEN b.kind = 'auto' THEN extract(epoch FROM b.expires_at - s.computed_at) END
      FROM reliability.blacklist b JOIN reliability.machines x USING (machine_id)
      LEFT JOIN reliability.scores s USING (machine_id)
     WHERE x.provider = 'cache'
     ORDER BY x.external_id
$$;

-- Setting auto_blacklist_below recomputes every row, auto-blacklist included: low,
-- expired and expired_manual (75 < 80, not new) get kind auto expiring at
-- T1 + 24 h = 2100-03-14 12:00 UTC = 08:00 EDT (86,400 s); the active manual and temporary
-- entries stay; high (95) and new are not blacklisted.
UPDATE reliability.settings SET auto_blacklist_below = 80;
SELECT * FROM cache_t.check('auto_blacklist_below 80');
SELECT * FROM cache_t.blacklist();
-- refresh(T1 + 1 h) renews the auto entries: 2100-03-14 13:00 UTC = 09:00 EDT.
SELECT reliability.refresh('2100-03-13 13:00+00');
SELECT * FROM cache_t.check('refresh(T1 + 1 h)');
SELECT * FROM cache_t.blacklist();
-- auto_blacklist_for '1 mon' is 30 days = 2,592,000 s: 2100-04-12 13:00 UTC = 09:00 EDT.
UPDATE reliability.settings SET auto_blacklist_for = '1 mon';
SELECT * FROM cache_t.check('auto_blacklist_for 1 mon');
SELECT * FROM cache_t.blacklist();
-- Threshold 100: high (95) too; new stays out. Back to 24 hours: the renewed entries keep
-- their later 30-day expiry (a renewal never moves an active auto entry earlier, SPEC §5);
-- high's new entry gets 24 hours.
UPDATE reliability.settings SET auto_blacklist_below = 100, auto_blacklist_for = '24 hours';
SELECT * FROM cache_t.check('auto_blacklist_below 100');
SELECT * FROM cache_t.blacklist();
-- A trigger blacklists too, as of now(): 8 days up to now(), online the first half:
-- U = 0.5, score 75 < 100, not new: kind auto, expiring at computed_at + 24 h.
SELECT reliability.machine('cache', 'live') IS NOT NULL AS created;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT cache_t.id('live'), now() - interval '8 days' + i * interval '10 minutes', i < 576 FROM generate_series(0, 1151) i;
SELECT * FROM cache_t.check('live machine');
SELECT round(s.score::numeric, 9) AS score, s.tier, s.covered_seconds, b.kind,
       extract(epoch FROM b.expires_at - s.computed_at) AS for_seconds
  FROM reliability.scores s JOIN reliability.blacklist b USING (machine_id) WHERE s.machine_id = cache_t.id('live');
UPDATE reliability.settings SET auto_blacklist_below = NULL, auto_blacklist_for = '24 hours';
SELECT * FROM cache_t.check('auto-blacklist off');
RESET TimeZone;
SET TimeZone = 'UTC';

--
-- A role with USAGE on the schema and INSERT on observations can insert: its cache is
-- maintained; it cannot write reliability.scores itself, nor call refresh().
--
CREATE ROLE regress_reliability_cache_monitor;
GRANT USAGE ON SCHEMA reliability TO regress_reliability_cache_monitor;
GRANT INSERT ON reliability.observations TO regress_reliability_cache_monitor;
GRANT USAGE ON SCHEMA cache_t TO regress_reliability_cache_monitor;
SELECT reliability.machine('cache', 'monitored') AS monitored_id \gset
SET ROLE regress_reliability_cache_monitor;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT :monitored_id, now() - i * interval '5 minutes', true FROM generate_series(1, 3) i;
SELECT cache_t.try($$UPDATE reliability.scores SET score = 100$$);
SELECT cache_t.try($$INSERT INTO reliability.scores (machine_id, tier, computed_at) VALUES (-1, 'new', now())$$);
SELECT cache_t.try($$DELETE FROM reliability.scores$$);
SELECT cache_t.try($$SELECT reliability.refresh()$$);
RESET ROLE;
SELECT * FROM cache_t.check('inserted by the monitor role');
SELECT tier, online_seconds FROM reliability.scores WHERE machine_id = :monitored_id;
REVOKE ALL ON reliability.observations FROM regress_reliability_cache_monitor;
REVOKE ALL ON SCHEMA reliability FROM regress_reliability_cache_monitor;
REVOKE ALL ON SCHEMA cache_t FROM regress_reliability_cache_monitor;
DROP ROLE regress_reliability_cache_monitor;

-- refresh() rejects an infinite as_of (22008) and writes nothing.
SELECT cache_t.try($$SELECT reliability.refresh('infinity')$$);
SELECT cache_t.try($$SELECT reliability.refresh('-infinity')$$);
SELECT * FROM cache_t.check('refresh(infinity) refused');

--
-- Last (it is the heaviest): a whole poll cycle in one statement: 5,000 machines, 4
-- observations each (20,000 rows), as of now(); then the next cycle (one more observation
-- each); then a refresh.
--
TRUNCATE reliability.machines CASCADE;
SELECT * FROM cache_t.check('before the poll cycles');
INSERT INTO reliability.machines (provider, external_id) SELECT 'poll', 'p' || i FROM generate_series(1, 5000) i;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.machine_id, now() - k * interval '5 minutes', (m.machine_id + k) % 7 <> 0
  FROM reliability.machines m, generate_series(1, 4) k WHERE m.provider = 'poll';
SELECT * FROM cache_t.check('poll cycle 1');
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.machine_id, now(), m.machine_id % 3 <> 0 FROM reliability.machines m WHERE m.provider = 'poll';
SELECT * FROM cache_t.check('poll cycle 2');
SELECT count(*) FILTER (WHERE score IS NOT NULL) AS with_score FROM reliability.scores;
SELECT reliability.refresh() AS refreshed;
SELECT * FROM cache_t.check('refresh()');
TRUNCATE reliability.machines CASCADE;
SELECT * FROM cache_t.check('truncate machines');

-- Clean up.
UPDATE reliability.settings SET
    score_window = '30 days', max_gap = '15 minutes', weight_uptime = 0.4, weight_interruption = 0.4,
    weight_rating = 0.2, interruption_horizon = '24 hours', rating_prior_mean = 4.0, rating_prior_weight = 5,
    min_history = '7 days', tier_excellent = 90, tier_good = 75, tier_fair = 60, stale_after = '24 hours',
    auto_blacklist_below = NULL, auto_blacklist_for = '24 hours';
DROP SCHEMA cache_t CASCADE;
TRUNCATE reliability.machines CASCADE;
-- refresh() above materialized history (SPEC §9) up to 2100: the next tests start without.
UPDATE reliability.retention SET materialized_before = NULL;
RESET TimeZone;
RESET client_min_messages;
