--
-- History and compaction (SPEC §9). Every check compares with what the raw tables say
-- (summarize() and count() over them, §8) or with the results before: history is exact after
-- refresh() and after every kind of change, results read from it are the results from the raw
-- rows, compact() changes nothing it does not refuse, and the refusals have their SQLSTATEs.
--
-- Fleet: machines hist-1..hist-5, 5-minute polls 2024-03-01 .. 2024-04-10 with outages,
-- silent stretches and interruptions, all from arithmetic on the poll number (no random()).
--
SET TimeZone = 'America/New_York';  -- days are UTC days whatever the session's zone
\set VERBOSITY terse
-- Earlier tests refreshed with as_of in 2100: start without history (only the owner may).
DELETE FROM reliability.history;
UPDATE reliability.retention SET materialized_before = NULL, compacted_before = NULL;
CREATE SCHEMA hist_test;
CREATE TABLE hist_test.m AS
SELECT reliability.machine('hist', 'hist-' || k) AS id, k FROM generate_series(1, 5) k;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.id, timestamptz '2024-03-01 00:00+00' + g * interval '5 minutes', (g * 7 + m.k * 13) % 23 <> 0 AND g % 500 NOT BETWEEN 3 AND 9
  FROM hist_test.m m, generate_series(0, 40 * 288 - 1) g
 WHERE (g + m.k * 31) % 97 NOT BETWEEN 0 AND 4                     -- short silences (uncovered time)
   AND NOT (m.k = 3 AND g BETWEEN 12 * 288 + 100 AND 15 * 288 + 7)   -- machine 3 silent for days
   AND (m.k <> 5 OR g < 3 * 288 - 40);                                -- machine 5 gone after 3 days
INSERT INTO reliability.interruptions (machine_id, occurred_at)
SELECT m.id, timestamptz '2024-03-01 00:00+00' + (g * 13 + m.k * 7) * interval '61 minutes'
  FROM hist_test.m m, generate_series(0, 40) g;

-- History compared with the raw tables: a day's row must exist exactly when the day has
-- covered time or interruptions, and hold summarize() over the machine's rows, the day's
-- count of interruptions, its last observation and its number of observations. Returns
-- (missing, wrong, extra, present).
CREATE FUNCTION hist_test.check() RETURNS TABLE (missing bigint, wrong bigint, extra bigint, present bigint)
LANGUAGE sql AS $$
WITH days AS (
    SELECT m.id, d::date AS day, tstzrange(d AT TIME ZONE 'UTC', (d + interval '1 day') AT TIME ZONE 'UTC') AS w
      FROM hist_test.m m, generate_series(timestamp '2024-02-28', (SELECT LEAST(r.materialized_before - 1, date '2024-04-15') FROM reliability.retention r), interval '1 day') d),
expected AS (
    SELECT days.id, days.day, days.w,
           (SELECT reliability.summarize(o.observed_at, o.online, days.w) FROM reliability.observations o
             WHERE o.machine_id = days.id                  -- rows further than max_gap change
               AND o.observed_at >= reliability.sub_fixed(lower(days.w), (SELECT st.max_gap FROM reliability.settings st))
               AND o.observed_at < upper(days.w)) AS s,    -- no summary: see the full check below
           (SELECT count(*) FROM reliability.interruptions i WHERE i.machine_id = days.id AND i.occurred_at <@ days.w) AS n
      FROM days),
due AS (
    SELECT e.*, (e.s IS NOT NULL AND (reliability.availability(e.s)).covered_seconds > 0) OR e.n > 0 AS has_row FROM expected e)
SELECT count(*) FILTER (WHERE d.has_row AND h.machine_id IS NULL),
       count(*) FILTER (WHERE d.has_row AND h.machine_id IS NOT NULL
                          AND (h.summary::text <> d.s::text OR h.interruptions <> d.n
                               OR h.last_observed_at IS DISTINCT FROM
                                  (SELECT max(o.observed_at) FROM reliability.observations o
                                    WHERE o.machine_id = d.id AND o.observed_at >= lower(d.w) AND o.observed_at < upper(d.w))
                               OR h.observations <>
                                  (SELECT count(*) FROM reliability.observations o
                                    WHERE o.machine_id = d.id AND o.observed_at >= lower(d.w) AND o.observed_at < upper(d.w)))),
       count(*) FILTER (WHERE NOT d.has_row AND h.machine_id IS NOT NULL),
       count(h.machine_id)
  FROM due d LEFT JOIN reliability.history h ON h.machine_id = d.id AND h.day = d.day
$$;

-- Everything a client reads, at several moments: score(), daily_uptime(), sparkline(), report().
CREATE FUNCTION hist_test.results() RETURNS TABLE (k int, what text, result text)
LANGUAGE sql AS $$
SELECT m.k, 'score ' || a::text, reliability.score(m.id, a)::text
  FROM hist_test.m m, unnest(ARRAY[timestamptz '2024-04-10 00:00+00', '2024-04-07 13:17:05.5+00', '2024-04-20 00:00+00', '2024-05-15 00:00+00']) a
UNION ALL
SELECT m.k, 'daily', (SELECT string_agg(d::text, ';' ORDER BY d.day) FROM reliability.daily_uptime(m.id, 45, '2024-04-08 10:30+00') d)
  FROM hist_test.m m
UNION ALL
SELECT m.k, 'sparkline', reliability.sparkline(m.id, 40, '2024-04-12 00:00+00') FROM hist_test.m m
UNION ALL
SELECT m.k, 'report', reliability.report(m.id, '2024-04-25 06:00+00')::text FROM hist_test.m m
$$;
CREATE TABLE hist_test.raw_results AS SELECT * FROM hist_test.results();

-- Before any refresh history is not in use: every result comes from the raw rows.
SELECT count(*) AS history_rows FROM reliability.history;
SELECT materialized_before, compacted_before, reliability.compacted_before() FROM reliability.retention;

-- refresh(as_of) materializes every day that has ended by as_of.
SELECT reliability.refresh('2024-04-05 12:00+00') >= 0 AS refreshed;
SELECT materialized_before FROM reliability.retention;
SELECT min(day), max(day), count(*) FROM reliability.history;
SELECT * FROM hist_test.check();
-- summarize() over all of the machine's rows, not only those near the day, gives the same
SELECT count(*) AS days, count(*) FILTER (WHERE h.summary::text <> (SELECT reliability.summarize(o.observed_at, o.online,
                                               tstzrange(h.day::timestamp AT TIME ZONE 'UTC', (h.day + 1)::timestamp AT TIME ZONE 'UTC'))::text
                                            FROM reliability.observations o WHERE o.machine_id = h.machine_id)) AS different
  FROM reliability.history h JOIN hist_test.m m ON h.machine_id = m.id;
-- the same results, read from history now
SELECT count(*) AS changed FROM (SELECT * FROM hist_test.results() EXCEPT SELECT * FROM hist_test.raw_results) x;
-- a refresh with an earlier as_of never moves back
SELECT reliability.refresh('2024-03-10 00:00+00') >= 0 AS refreshed;
SELECT materialized_before FROM reliability.retention;

-- Late rows keep it exact: a new day in machine 3's silence, a row just before midnight
-- (its cover reaches into the next day), updates, deletes, interruptions, an upsert, MERGE.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT id, '2024-03-14 10:00+00', true FROM hist_test.m WHERE k = 3;
SELECT * FROM hist_test.check();
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT id, '2024-03-20 23:58:30+00', false FROM hist_test.m WHERE k = 1 ON CONFLICT DO NOTHING;
SELECT * FROM hist_test.check();
UPDATE reliability.observations o SET online = NOT online FROM hist_test.m m
 WHERE o.machine_id = m.id AND m.k = 2 AND o.observed_at BETWEEN '2024-03-21 23:40+00' AND '2024-03-22 00:20+00';
SELECT * FROM hist_test.check();
UPDATE reliability.observations o SET observed_at = observed_at + interval '1 day' FROM hist_test.m m
 WHERE o.machine_id = m.id AND m.k = 4 AND o.observed_at = '2024-03-25 12:00+00';
SELECT * FROM hist_test.check();
DELETE FROM reliability.observations o USING hist_test.m m
 WHERE o.machine_id = m.id AND m.k = 4 AND o.observed_at BETWEEN '2024-03-27 22:00+00' AND '2024-03-29 00:10+00';
SELECT * FROM hist_test.check();
DELETE FROM reliability.observations o USING hist_test.m m
 WHERE o.machine_id = m.id AND m.k = 3 AND o.observed_at >= '2024-03-14' AND o.observed_at < '2024-03-15';
SELECT * FROM hist_test.check();
INSERT INTO reliability.interruptions (machine_id, occurred_at)
SELECT id, '2024-03-14 12:00+00' FROM hist_test.m WHERE k = 3;
DELETE FROM reliability.interruptions i USING hist_test.m m
 WHERE i.machine_id = m.id AND m.k = 1 AND i.occurred_at < '2024-03-05';
SELECT * FROM hist_test.check();
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT id, t, false FROM hist_test.m, unnest(ARRAY[timestamptz '2024-03-30 08:00+00', '2024-03-30 08:02+00']) t WHERE k = 2
ON CONFLICT (machine_id, observed_at) DO UPDATE SET online = excluded.online;
SELECT * FROM hist_test.check();
MERGE INTO reliability.observations o
USING (SELECT id, timestamptz '2024-04-01 00:00+00' + g * interval '5 minutes' AS t FROM hist_test.m, generate_series(-3, 3) g WHERE k = 1) s
   ON o.machine_id = s.id AND o.observed_at = s.t
 WHEN MATCHED AND extract(minute FROM s.t) = 0 THEN DELETE
 WHEN MATCHED THEN UPDATE SET online = NOT o.online
 WHEN NOT MATCHED THEN INSERT VALUES (s.id, s.t, true);
SELECT * FROM hist_test.check();
-- changes after materialized_before only touch raw rows
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT id, '2024-04-06 10:00:30+00', true FROM hist_test.m WHERE k = 3;
SELECT * FROM hist_test.check();

-- A max_gap change re-summarizes every day; TRUNCATE keeps it exact too.
UPDATE reliability.settings SET max_gap = '7 minutes';
SELECT * FROM hist_test.check();
-- '1 year' and '360 days' are equal for interval "=" (12 months of 30 days) but not as fixed
-- lengths (365.25 days): still a change, every day re-summarized (0.9.0 kept the old summaries).
UPDATE reliability.settings SET max_gap = '1 year';
SELECT * FROM hist_test.check();
UPDATE reliability.settings SET max_gap = '360 days';
SELECT * FROM hist_test.check();
UPDATE reliability.settings SET max_gap = '15 minutes';
SELECT * FROM hist_test.check();
BEGIN;
TRUNCATE reliability.interruptions;
SELECT * FROM hist_test.check();
ROLLBACK;
BEGIN;
TRUNCATE reliability.observations;
SELECT * FROM hist_test.check();
ROLLBACK;

-- Results read through history equal results from the raw rows (a copy without history).
CREATE TABLE hist_test.before_compact AS SELECT * FROM hist_test.results();
UPDATE reliability.retention SET materialized_before = NULL;
SELECT count(*) AS changed FROM (SELECT * FROM hist_test.results() EXCEPT SELECT * FROM hist_test.before_compact) x;
UPDATE reliability.retention SET materialized_before = '2024-04-05';

-- compact(): refusals first, nothing written.
SELECT reliability.compact(NULL);
\set VERBOSITY sqlstate
SELECT reliability.compact((now() - interval '30 days')::date + 2);  -- later than now() - score_window - max_gap (the message names today's dates)
\set VERBOSITY terse
SELECT reliability.compacted_before();
-- What compact('2024-03-06') must delete: observations before 2024-03-05 23:45, interruptions before 2024-03-06.
SELECT (SELECT count(*) FROM reliability.observations o JOIN hist_test.m m ON o.machine_id = m.id WHERE o.observed_at < '2024-03-05 23:45+00')
     + (SELECT count(*) FROM reliability.interruptions i JOIN hist_test.m m ON i.machine_id = m.id WHERE i.occurred_at < '2024-03-06 00:00+00') AS expected_deleted;
CREATE TABLE hist_test.cache_before AS SELECT s.* FROM reliability.scores s JOIN hist_test.m m ON s.machine_id = m.id;
SELECT reliability.compact('2024-03-06') AS deleted;
SELECT reliability.compacted_before(), (SELECT materialized_before FROM reliability.retention);
SELECT min(observed_at) FROM reliability.observations o JOIN hist_test.m m ON o.machine_id = m.id;
-- nothing changed that it does not refuse: results, cached rows, history of compacted days
SELECT count(*) AS changed FROM (SELECT * FROM hist_test.before_compact EXCEPT SELECT * FROM hist_test.results()) x;
SELECT count(*) AS cache_changed FROM (SELECT * FROM hist_test.cache_before
                                       EXCEPT SELECT s.* FROM reliability.scores s JOIN hist_test.m m ON s.machine_id = m.id) x;
-- compacting again at or before the horizon deletes nothing
SELECT reliability.compact('2024-03-04') AS deleted, reliability.compacted_before();

-- After it: results that would need deleted rows are errors (22023), never wrong answers.
SELECT reliability.score(id, '2024-04-04 00:00+00') FROM hist_test.m WHERE k = 1;
SELECT reliability.report(id, '2024-04-04 00:00+00') FROM hist_test.m WHERE k = 1;
SELECT * FROM reliability.daily_uptime((SELECT id FROM hist_test.m WHERE k = 1), 5, '2024-03-05 23:00+00');
SELECT reliability.sparkline(id, 5, '2024-03-05 23:00+00') FROM hist_test.m WHERE k = 1;
-- (and from the horizon on they work)
SELECT (reliability.score(id, '2024-04-05 00:00+00')).covered_seconds > 0 AS scored FROM hist_test.m WHERE k = 1;
SELECT count(*) FROM reliability.daily_uptime((SELECT id FROM hist_test.m WHERE k = 1), 5, '2024-03-06 00:00+00');
-- ... and so are changes of rows before the horizon (nothing written)
SELECT count(*) AS kept_before_horizon FROM reliability.observations o JOIN hist_test.m m ON o.machine_id = m.id
 WHERE m.k = 2 AND o.observed_at >= '2024-03-05 23:45+00' AND o.observed_at < '2024-03-06 00:00+00';
INSERT INTO reliability.observations SELECT id, '2024-03-05 23:59+00', true FROM hist_test.m WHERE k = 1;
INSERT INTO reliability.observations SELECT id, '2024-03-01 00:01+00', true FROM hist_test.m WHERE k = 1;
UPDATE reliability.observations o SET online = NOT online FROM hist_test.m m
 WHERE o.machine_id = m.id AND m.k = 2 AND o.observed_at >= '2024-03-05 23:45+00' AND o.observed_at < '2024-03-06 00:00+00';
DELETE FROM reliability.observations o USING hist_test.m m
 WHERE o.machine_id = m.id AND m.k = 2 AND o.observed_at < '2024-03-06 00:30+00';
INSERT INTO reliability.interruptions (machine_id, occurred_at) SELECT id, '2024-03-05 12:00+00' FROM hist_test.m WHERE k = 1;
TRUNCATE reliability.observations;
UPDATE reliability.settings SET max_gap = '10 minutes';
UPDATE reliability.settings SET score_window = '5000 days';
UPDATE reliability.settings SET stale_after = '5000 days';
SELECT count(*) AS changed FROM (SELECT * FROM hist_test.before_compact EXCEPT SELECT * FROM hist_test.results()) x;
-- rows from the horizon on are as writable as ever, and history stays exact
INSERT INTO reliability.observations SELECT id, '2024-03-06 00:00+00', false FROM hist_test.m WHERE k = 3
ON CONFLICT (machine_id, observed_at) DO UPDATE SET online = false;
SELECT h.summary::text = (SELECT reliability.summarize(o.observed_at, o.online, tstzrange('2024-03-06 00:00+00', '2024-03-07 00:00+00'))::text
                            FROM reliability.observations o WHERE o.machine_id = h.machine_id) AS exact
  FROM reliability.history h JOIN hist_test.m m ON h.machine_id = m.id AND m.k = 3 AND h.day = '2024-03-06';
-- machine 5's rows are all compacted: its last_observed_at comes from history (as before compact())
SELECT (SELECT count(*) FROM reliability.observations o WHERE o.machine_id = id) AS raw_rows,
       (reliability.score(id, '2024-04-20 00:00+00')).last_observed_at FROM hist_test.m WHERE k = 5;
-- deleting a machine stays allowed, with all its data and history
DELETE FROM reliability.machines m USING hist_test.m t WHERE m.machine_id = t.id AND t.k = 4;
SELECT count(*) AS history_of_deleted FROM reliability.history h JOIN hist_test.m m ON h.machine_id = m.id AND m.k = 4;

-- Clean up for the other tests: the horizon is reset by hand (only the owner may).
DELETE FROM reliability.machines m USING hist_test.m t WHERE m.machine_id = t.id;
UPDATE reliability.retention SET materialized_before = NULL, compacted_before = NULL;
SELECT count(*) FROM reliability.history;
DROP SCHEMA hist_test CASCADE;
