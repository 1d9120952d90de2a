--
-- Uptime summaries (SPEC §8): reliability.summarize / reliability.rollup, the accessors
-- availability(summary), uptime(summary), during(summary), and the type's text and binary
-- forms. Hand-computed cases, the law on real data (daily summaries rolled up = the
-- availability aggregate over the whole range), errors and a parallel plan.
-- Everything lives in schema sum_test, dropped at the end.
--
-- Conventions: B = 2024-01-01 00:00:00+00 = 757382400000000 µs after 2000-01-01 00:00 UTC
-- (timestamptz's epoch, which the text form counts from: 8766 days); sum_test.at(s) = B + s
-- seconds, sum_test.w(lo, hi) = tstzrange '[B+lo, B+hi)'. Text form:
-- (v1,lower,upper,max_gap,on_runs,on_total,on_longest,off_runs,off_total,off_longest,head,tail).
--
SET TimeZone = 'UTC';
CREATE SCHEMA sum_test;

CREATE FUNCTION sum_test.at(s numeric) RETURNS timestamptz LANGUAGE sql IMMUTABLE
AS $$ SELECT timestamptz '2024-01-01 00:00:00+00' + (s::text || ' seconds')::interval $$;
CREATE FUNCTION sum_test.w(lo numeric, hi numeric) RETURNS tstzrange LANGUAGE sql IMMUTABLE
AS $$ SELECT tstzrange(sum_test.at(lo), sum_test.at(hi)) $$;
-- Runs a statement; returns the first column of a SELECT as text ('NULL' for NULL), or the
-- error as "SQLSTATE: message".
CREATE FUNCTION sum_test.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
DECLARE
    r text;
BEGIN
    EXECUTE query INTO r;
    RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE TABLE sum_test.obs_a (s numeric, online boolean);
-- A (as in availability.sql): 0 on, 300 on, 900 off, 1500 off, 2101 on, 2400 off.
INSERT INTO sum_test.obs_a VALUES (0, true), (300, true), (900, false), (1500, false), (2101, true), (2400, false);

------------------------------------------------------------------------------------------
-- Hand-computed summaries, max_gap 10 min = 600 s.
------------------------------------------------------------------------------------------
-- A over [0, 3600): runs on [0,900) 900 | off [900,2100) 1200 | unknown [2100,2101) |
-- on [2101,2400) 299 | off [2400,3000) 600 | unknown [3000,3600).
-- on: 2 runs, 1199 s, longest 900; off: 2 runs, 1800 s, longest 1200; head on:900; tail none.
-- (v1,757382400000000,757386000000000,600000000,2,1199000000,900000000,2,1800000000,1200000000,on:900000000,none)
SELECT reliability.summarize(sum_test.at(s), online, sum_test.w(0, 3600), '10 min') FROM sum_test.obs_a;
-- Its first half [0, 1800): on [0,900) 900 | off [900,1800) 900 (cut by the window):
-- (v1,757382400000000,757384200000000,600000000,1,900000000,900000000,1,900000000,900000000,on:900000000,off:900000000)
SELECT reliability.summarize(sum_test.at(s), online, sum_test.w(0, 1800), '10 min') FROM sum_test.obs_a;
-- Its second half [1800, 3600): off [1800,2100) 300 (cover of 1500, cut) | on [2101,2400) 299 |
-- off [2400,3000) 600: on 1 run 299; off 2 runs 900 s longest 600; head off:300; tail none.
-- (v1,757384200000000,757386000000000,600000000,1,299000000,299000000,2,900000000,600000000,off:300000000,none)
SELECT reliability.summarize(sum_test.at(s), online, sum_test.w(1800, 3600), '10 min') FROM sum_test.obs_a;

CREATE TABLE sum_test.parts AS
SELECT k, reliability.summarize(sum_test.at(s), online, sum_test.w(lo, hi), '10 min') AS summary
  FROM sum_test.obs_a, (VALUES (1, 0, 1800), (2, 1800, 3600), (3, 0, 1200), (4, 1200, 2400), (5, 2400, 3600),
                               (6, 0, 3600)) AS p(k, lo, hi)
 GROUP BY k;
-- The halves roll up to the whole: the off run [900,2100) crosses the boundary at 1800 and
-- is one run of 1200 s (off: 1 + 2 - 1 = 2 runs). Thirds too, in every input order (the
-- middle one last joins the two that wait for it).
SELECT o AS input_order,
       (SELECT reliability.rollup(p.summary ORDER BY array_position(o, p.k)) FROM sum_test.parts p WHERE p.k = ANY (o))::text
       = (SELECT summary::text FROM sum_test.parts WHERE k = 6) AS same_as_whole
  FROM (VALUES (ARRAY[1, 2]), (ARRAY[2, 1]), (ARRAY[3, 4, 5]), (ARRAY[3, 5, 4]), (ARRAY[4, 3, 5]), (ARRAY[4, 5, 3]),
               (ARRAY[5, 3, 4]), (ARRAY[5, 4, 3])) AS v(o);
-- The accessors of the whole: availability() equals the availability aggregate field for
-- field: 1199 | 1800 | 601 | 2999 | 1199/2999 | 2999/3600 | 2 | 2 | 1200 | 900 | 599.5.
SELECT (reliability.availability(summary)).* FROM sum_test.parts WHERE k = 6;
SELECT reliability.availability(p.summary) IS NOT DISTINCT FROM a.a AS availability_equal,
       to_jsonb(reliability.availability(p.summary)) = to_jsonb(a.a) AS jsonb_equal,
       reliability.uptime(p.summary) = a.u AS uptime_equal, reliability.uptime(p.summary) = 1199::float8 / 2999 AS uptime_1199_2999,
       reliability.during(p.summary) AS during
  FROM sum_test.parts p,
       (SELECT reliability.availability(sum_test.at(s), online, sum_test.w(0, 3600), '10 min') AS a,
               reliability.uptime(sum_test.at(s), online, sum_test.w(0, 3600), '10 min') AS u FROM sum_test.obs_a) a
 WHERE p.k = 6;

-- One run over the whole window is both head and tail: heartbeats every 300 s from -300.
-- [0, 1800): on 1 run 1800 s; head = tail = on:1800000000. Two such halves roll up to one
-- run of 3600 s: (v1,757382400000000,757386000000000,600000000,1,3600000000,3600000000,0,0,0,on:3600000000,on:3600000000)
CREATE TABLE sum_test.obs_h AS SELECT s, true AS online FROM generate_series(-300, 3600, 300) AS s;
SELECT reliability.summarize(sum_test.at(s), online, sum_test.w(0, 1800), '10 min') FROM sum_test.obs_h;
SELECT reliability.rollup(x) AS rolled_up, (reliability.availability(reliability.rollup(x))).online_runs
  FROM (SELECT reliability.summarize(sum_test.at(s), online, sum_test.w(lo, lo + 1800), '10 min') AS x
          FROM sum_test.obs_h, (VALUES (0), (1800)) AS v(lo) GROUP BY lo) q;

-- No covered time (the only row is far after the window) is a summary, not NULL:
-- 0 | 0 | 600 | 0 | NULL | 0 | 0 | 0 | NULL | NULL | NULL; uptime NULL.
SELECT reliability.summarize(sum_test.at(5000), true, sum_test.w(0, 600), '10 min');
SELECT (reliability.availability(reliability.summarize(sum_test.at(5000), true, sum_test.w(0, 600), '10 min'))).*,
       reliability.uptime(reliability.summarize(sum_test.at(5000), true, sum_test.w(0, 600), '10 min')) IS NULL AS uptime_null;

-- Without max_gap, settings.max_gap (15 min = 900 s): A over [0, 3600) then has
-- on [0,900) 900 | off [900,2101) 1201 | on [2101,2400) 299 | off [2400,3300) 900:
-- (v1,757382400000000,757386000000000,900000000,2,1199000000,900000000,2,2101000000,1201000000,on:900000000,none)
SELECT reliability.summarize(sum_test.at(s), online, sum_test.w(0, 3600)) FROM sum_test.obs_a;
SELECT reliability.availability(reliability.summarize(sum_test.at(s), online, sum_test.w(0, 3600)))
       IS NOT DISTINCT FROM reliability.availability(sum_test.at(s), online, sum_test.w(0, 3600)) AS same_as_aggregate
  FROM sum_test.obs_a;

------------------------------------------------------------------------------------------
-- NULLs: rows with a NULL argument are skipped; no row left gives NULL; the accessors are
-- strict.
------------------------------------------------------------------------------------------
SELECT reliability.summarize(sum_test.at(s), CASE WHEN s = 2400 THEN NULL ELSE online END, sum_test.w(0, 3600), '10 min')::text
       = reliability.summarize(sum_test.at(s), online, sum_test.w(0, 3600), '10 min') FILTER (WHERE s <> 2400)::text AS null_online_skipped
  FROM sum_test.obs_a;
SELECT reliability.summarize(NULL::timestamptz, true, sum_test.w(0, 3600), '10 min') IS NULL AS null_time,
       reliability.summarize(sum_test.at(0), true, NULL::tstzrange, '10 min') IS NULL AS null_during,
       reliability.summarize(sum_test.at(0), true, sum_test.w(0, 3600), NULL::interval) IS NULL AS null_max_gap,
       reliability.summarize(sum_test.at(0), true, sum_test.w(0, 3600), '10 min') FILTER (WHERE false) IS NULL AS no_row;
SELECT reliability.rollup(summary) FILTER (WHERE false) IS NULL AS no_row,
       reliability.rollup(NULL::reliability.uptime_summary) IS NULL AS only_null,
       reliability.rollup(CASE WHEN k IN (1, 2) THEN summary END)::text
         = (SELECT summary::text FROM sum_test.parts WHERE k = 6) AS nulls_skipped,
       reliability.availability(NULL::reliability.uptime_summary) IS NULL AS availability_null,
       reliability.uptime(NULL::reliability.uptime_summary) IS NULL AS uptime_null,
       reliability.during(NULL::reliability.uptime_summary) IS NULL AS during_null
  FROM sum_test.parts;

------------------------------------------------------------------------------------------
-- Errors, with their SQLSTATEs.
------------------------------------------------------------------------------------------
-- rollup: overlap, a hole, different max_gap (22023); the same summary twice overlaps.
SELECT sum_test.try($$SELECT reliability.rollup(summary) FROM sum_test.parts WHERE k IN (1, 4)$$) AS overlap,
       sum_test.try($$SELECT reliability.rollup(summary) FROM sum_test.parts WHERE k IN (3, 5)$$) AS hole,
       sum_test.try($$SELECT reliability.rollup(summary) FROM sum_test.parts WHERE k IN (1, 1, 6)$$) AS contains,
       sum_test.try($$SELECT reliability.rollup(s) FROM sum_test.parts, LATERAL (VALUES (summary), (summary)) v(s) WHERE k = 1$$) AS twice;
SELECT sum_test.try($$SELECT reliability.rollup(x) FROM (
           SELECT reliability.summarize(sum_test.at(s), online, sum_test.w(0, 1800), '10 min') FROM sum_test.obs_a
           UNION ALL
           SELECT reliability.summarize(sum_test.at(s), online, sum_test.w(1800, 3600), '11 min') FROM sum_test.obs_a) q(x)$$)
       AS different_max_gap;
-- summarize: during needs two finite bounds with lower < upper (22023), '[a,a]' included;
-- duplicate timestamps (22023), an infinite observed_at (22008), max_gap not positive (22023).
SELECT d AS during,
       sum_test.try(format($$SELECT reliability.summarize(sum_test.at(s), online, %L::tstzrange, '10 min') FROM sum_test.obs_a$$, d))
           AS summarize
  FROM unnest(ARRAY['[2024-01-01 00:00+00,2024-01-01 00:00+00]', 'empty', '[2024-01-01 00:00+00,)', '(,2024-01-01 01:00+00)',
                    '[2024-01-01 00:00+00,infinity)', '[-infinity,2024-01-01 01:00+00)', '(,)']) AS d;
SELECT sum_test.try($$SELECT reliability.summarize(sum_test.at(s % 900), online, sum_test.w(0, 3600), '10 min') FROM sum_test.obs_a$$)
           AS duplicate,
       sum_test.try($$SELECT reliability.summarize('infinity'::timestamptz, true, sum_test.w(0, 3600), '10 min')$$) AS infinite,
       sum_test.try($$SELECT reliability.summarize(sum_test.at(0), true, sum_test.w(0, 3600), '0 s')$$) AS zero_gap,
       sum_test.try($$SELECT reliability.summarize(sum_test.at(0), true, sum_test.w(0, 3600), '-1 min')$$) AS negative_gap,
       sum_test.try($$SELECT reliability.summarize(sum_test.at(s), online, CASE WHEN s = 0 THEN sum_test.w(0, 1800) ELSE sum_test.w(0, 3600) END, '10 min') FROM sum_test.obs_a$$)
           AS different_during;

------------------------------------------------------------------------------------------
-- Text form: round trip, and bad input (22P02).
------------------------------------------------------------------------------------------
SELECT k, summary::text::reliability.uptime_summary::text = summary::text AS round_trip FROM sum_test.parts ORDER BY k;
SELECT t AS text_input, sum_test.try(format('SELECT %L::reliability.uptime_summary', t)) AS result
  FROM unnest(ARRAY[
    '(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)',    -- valid (the core's example)
    'garbage',
    '',
    '(v2,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)',    -- unknown version
    '(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none) ',   -- trailing space
    '(v1, 0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)',   -- inner space
    '(v1,00,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)',   -- leading zero
    '(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000)',         -- 11 fields
    '(v1,0,99999999999999999999,10000000,0,0,0,0,0,0,none,none)',                           -- beyond int64
    '(v1,60000000,0,10000000,0,0,0,0,0,0,none,none)',                                       -- lower > upper
    '(v1,0,60000000,0,0,0,0,0,0,0,none,none)',                                              -- max_gap 0
    '(v1,0,60000000,10000000,1,70000000,70000000,0,0,0,none,none)',                         -- more than the window
    '(v1,0,60000000,10000000,2,30000000,10000000,0,0,0,none,none)',                         -- runs do not fit
    '(v1,0,60000000,10000000,1,60000000,60000000,0,0,0,on:60000000,none)',                  -- whole run not the tail
    '(v1,-9223372036854775807,-9223372036854775000,1,0,0,0,0,0,0,none,none)',               -- not timestamps
    '(v1,9223372036854775000,9223372036854775807,1,0,0,0,0,0,0,none,none)'                  -- not timestamps
  ]) AS t;

------------------------------------------------------------------------------------------
-- Binary form: send gives the 90 bytes of the core's binary form; receive (through COPY
-- ... (FORMAT binary), which hands each field to the column type's receive function) reads
-- them back, and refuses malformed or inconsistent bytes with 22P03.
------------------------------------------------------------------------------------------
SELECT '/tmp/reliability_summaries_' || pg_backend_pid() || '.bin' AS copy_file \gset
CREATE TABLE sum_test.received (summary reliability.uptime_summary);
-- Writes payload as one bytea field of a binary COPY file, reads the file back into an
-- uptime_summary column: the summary as text, or the error.
CREATE FUNCTION sum_test.recv(payload bytea, file text) RETURNS text LANGUAGE plpgsql
AS $$
DECLARE
    r text;
BEGIN
    EXECUTE format('COPY (SELECT %L::bytea) TO %L (FORMAT binary)', payload, file);
    TRUNCATE sum_test.received;
    EXECUTE format('COPY sum_test.received FROM %L (FORMAT binary)', file);
    SELECT summary::text INTO r FROM sum_test.received;
    RETURN r;
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;
SELECT k, length(reliability._uptime_summary_send(summary)) AS bytes,
       sum_test.recv(reliability._uptime_summary_send(summary), :'copy_file') = summary::text AS binary_round_trip
  FROM sum_test.parts ORDER BY k;
-- At most 200 bytes (SPEC §8): the 90 bytes and a varlena header, however many rows.
SELECT max(pg_column_size(summary)) AS stored_bytes FROM sum_test.parts;
-- The whole of A, byte by byte: version 1, flags 1 (head online), then 11 int64 little-endian.
SELECT reliability._uptime_summary_send(summary) FROM sum_test.parts WHERE k = 6;
SELECT what, sum_test.recv(b, :'copy_file') AS result
  FROM (SELECT reliability._uptime_summary_send(summary) AS good FROM sum_test.parts WHERE k = 6) g,
       LATERAL (VALUES ('empty', ''::bytea),
                       ('one byte short', substring(good FROM 1 FOR 89)),
                       ('one byte more', good || '\x00'::bytea),
                       ('version 2', set_byte(good, 0, 2)),
                       ('unknown flag', set_byte(good, 1, 5)),
                       ('upper before lower', set_byte(good, 16, 0)),
                       ('2^48 µs more online', set_byte(good, 40, 1)),
                       ('tail online without length', set_byte(good, 1, 3))) AS v(what, b);
-- COPY's binary round trip of a table of summaries.
CREATE TABLE sum_test.copied (k int, summary reliability.uptime_summary);
COPY sum_test.parts TO :'copy_file' (FORMAT binary);
COPY sum_test.copied FROM :'copy_file' (FORMAT binary);
SELECT count(*) AS rows, count(*) FILTER (WHERE c.summary::text = p.summary::text) AS equal
  FROM sum_test.parts p JOIN sum_test.copied c USING (k);
\set remove_copy_file 'rm -f ' :copy_file
COPY (SELECT 1 WHERE false) TO PROGRAM :'remove_copy_file';

------------------------------------------------------------------------------------------
-- A role that may not execute the internal functions (their EXECUTE is revoked from
-- PUBLIC) uses the type, the aggregates and the accessors: a type's I/O functions and an
-- aggregate's support functions are not checked against the caller.
------------------------------------------------------------------------------------------
CREATE ROLE regress_reliability_summaries_plain;
GRANT USAGE ON SCHEMA reliability, sum_test TO regress_reliability_summaries_plain;
GRANT SELECT ON sum_test.parts, sum_test.obs_a TO regress_reliability_summaries_plain;
SET ROLE regress_reliability_summaries_plain;
SELECT has_function_privilege('reliability._uptime_summary_in(cstring)', 'EXECUTE') AS may_execute_input,
       reliability.rollup(summary::text::reliability.uptime_summary)::text
         = (SELECT summary::text FROM sum_test.parts WHERE k = 6) AS rollup_of_text_input,
       reliability.uptime(reliability.rollup(summary)) = 1199::float8 / 2999 AS uptime,
       reliability.during(reliability.rollup(summary)) AS during
  FROM sum_test.parts WHERE k IN (1, 2);
SELECT (reliability.availability(reliability.summarize(sum_test.at(s), online, sum_test.w(0, 3600), '10 min'))).outages
  FROM sum_test.obs_a;
RESET ROLE;
REVOKE ALL ON sum_test.parts, sum_test.obs_a FROM regress_reliability_summaries_plain;
REVOKE ALL ON SCHEMA reliability, sum_test FROM regress_reliability_summaries_plain;
DROP ROLE regress_reliability_summaries_plain;

------------------------------------------------------------------------------------------
-- The law on real data: per machine, the summaries of every UTC day rolled up, in any
-- order, equal the summary and the availability of the whole range, field for field.
-- Five machines over [2024-03-01, 2024-03-06), max_gap 15 min:
--   1-3: every 4 min (machine m offset by 17m s); 5 rows in every 41 missing (a 24 min gap:
--        9 min unknown); offline where (7i + 3m) % 23 < 3; machine 2 also offline from
--        03-02 23:00 to 03-03 04:00 (an outage across midnight);
--   4:   online every 5 min from 02-29 23:55 to 03-06 00:00: one run across every midnight;
--   5:   every 20 min from 03-01 00:07 (each cover 15 min, then 5 min unknown), a third offline.
-- Days [02-29, 03-07): the first and the last are nearly empty.
------------------------------------------------------------------------------------------
CREATE TABLE sum_test.obs (machine_id bigint, observed_at timestamptz, online boolean, PRIMARY KEY (machine_id, observed_at))
    WITH (parallel_workers = 2, autovacuum_enabled = false);
INSERT INTO sum_test.obs
SELECT * FROM (
    SELECT m::bigint, timestamptz '2024-03-01 00:00:00+00' + i * interval '4 min' + m * 17 * interval '1 s',
           (7 * i + 3 * m) % 23 >= 3 AND NOT (m = 2 AND i >= 705 AND i < 780)
      FROM generate_series(1, 3) m, generate_series(0, 1799) i
     WHERE (i + m) % 41 >= 5
    UNION ALL
    SELECT 4, timestamptz '2024-03-01 00:00:00+00' + i * interval '5 min', true FROM generate_series(-1, 1440) i
    UNION ALL
    SELECT 5, timestamptz '2024-03-01 00:07:00+00' + i * interval '20 min', i % 3 <> 0 FROM generate_series(0, 359) i
) q ORDER BY md5(q::text);
VACUUM ANALYZE sum_test.obs;
SELECT machine_id, count(*) AS observations, count(*) FILTER (WHERE NOT online) AS offline,
       min(observed_at), max(observed_at)
  FROM sum_test.obs GROUP BY machine_id ORDER BY machine_id;

-- Every day's summary from all of the machine's rows (any row may matter to a day).
CREATE TABLE sum_test.daily AS
SELECT o.machine_id, d.day, reliability.summarize(o.observed_at, o.online, tstzrange(d.day, d.day + interval '1 day'), '15 min') AS summary
  FROM sum_test.obs o, generate_series(timestamptz '2024-02-29', '2024-03-06', '1 day') AS d(day)
 GROUP BY 1, 2;
CREATE TABLE sum_test.whole AS
SELECT machine_id,
       reliability.summarize(observed_at, online, tstzrange('2024-02-29', '2024-03-07'), '15 min') AS summary,
       reliability.availability(observed_at, online, tstzrange('2024-02-29', '2024-03-07'), '15 min') AS a
  FROM sum_test.obs GROUP BY machine_id;
SELECT machine_id, count(*) AS days, count(*) FILTER (WHERE (reliability.availability(summary)).covered_seconds > 0) AS covered_days
  FROM sum_test.daily GROUP BY machine_id ORDER BY machine_id;
-- Rolled up in day order, in reverse and in a scrambled order: the summary of the whole
-- range, and availability() equals the availability aggregate bit for bit (every field;
-- record equality compares the doubles exactly, and so does jsonb).
SELECT w.machine_id,
       r.in_order::text = w.summary::text AS in_order,
       r.reversed::text = w.summary::text AS reversed,
       r.scrambled::text = w.summary::text AS scrambled,
       reliability.availability(r.scrambled) IS NOT DISTINCT FROM w.a AS availability_equal,
       to_jsonb(reliability.availability(r.scrambled)) = to_jsonb(w.a) AS jsonb_equal,
       reliability.uptime(r.in_order) IS NOT DISTINCT FROM (w.a).uptime AS uptime_equal,
       reliability.during(r.in_order) = tstzrange('2024-02-29', '2024-03-07') AS during_equal
  FROM sum_test.whole w
  JOIN (SELECT machine_id, reliability.rollup(summary ORDER BY day) AS in_order,
               reliability.rollup(summary ORDER BY day DESC) AS reversed,
               reliability.rollup(summary ORDER BY md5(day::text)) AS scrambled
          FROM sum_test.daily GROUP BY machine_id) r USING (machine_id)
 ORDER BY 1;
-- The results are not trivial: outages, unknown time, and machine 4's one run of
-- 5 days + 5 min before + 15 min after = 433200 s; machine 2's outage across midnight.
SELECT machine_id, (a).* FROM sum_test.whole ORDER BY machine_id;
-- Each day alone equals the availability aggregate over that day, too.
SELECT count(*) AS machine_days,
       count(*) FILTER (WHERE reliability.availability(d.summary) IS DISTINCT FROM
                              (SELECT reliability.availability(o.observed_at, o.online, tstzrange(d.day, d.day + interval '1 day'), '15 min')
                                 FROM sum_test.obs o WHERE o.machine_id = d.machine_id)) AS mismatches
  FROM sum_test.daily d;

-- Without max_gap (settings: 15 min), the same law.
SELECT count(*) AS machines,
       count(*) FILTER (WHERE r.summary::text <> w.summary::text) AS mismatches
  FROM (SELECT machine_id, reliability.rollup(summary) AS summary
          FROM (SELECT o.machine_id, reliability.summarize(o.observed_at, o.online, tstzrange(d.day, d.day + interval '1 day')) AS summary
                  FROM sum_test.obs o, generate_series(timestamptz '2024-02-29', '2024-03-06', '1 day') AS d(day)
                 GROUP BY o.machine_id, d.day) days
         GROUP BY machine_id) r
  JOIN sum_test.whole w USING (machine_id);

------------------------------------------------------------------------------------------
-- Parallel plans: 10-minute summaries of [03-01 00:20, 03-06) (from 00:20, where every
-- machine has rows: a window without rows has no summary), 3590 rows stored in a scrambled
-- order, so each worker's partial rollup holds pieces that are not adjacent yet, rolled up
-- per machine and for one machine; summarize in parallel. Each 10-minute window reads the
-- rows in [lower - max_gap, upper): every row whose cover can reach into it.
------------------------------------------------------------------------------------------
CREATE TABLE sum_test.tenmin WITH (parallel_workers = 2, autovacuum_enabled = false) AS
SELECT * FROM (
    SELECT o.machine_id, w.lo, reliability.summarize(o.observed_at, o.online, tstzrange(w.lo, w.lo + interval '10 min'), '15 min') AS summary
      FROM generate_series(timestamptz '2024-03-01 00:20', '2024-03-05 23:50', '10 min') AS w(lo)
      JOIN sum_test.obs o ON o.observed_at >= w.lo - interval '15 min' AND o.observed_at < w.lo + interval '10 min'
     GROUP BY o.machine_id, w.lo
) q ORDER BY md5(q.lo::text || q.machine_id);
VACUUM ANALYZE sum_test.tenmin;
SELECT count(*) AS summaries, count(DISTINCT machine_id) AS machines FROM sum_test.tenmin;

SET max_parallel_workers_per_gather = 0;
CREATE TABLE sum_test.serial AS
SELECT machine_id, reliability.rollup(summary) AS summary FROM sum_test.tenmin GROUP BY machine_id;
CREATE TABLE sum_test.serial_summarize AS
SELECT machine_id, reliability.summarize(observed_at, online, tstzrange('2024-03-01 00:20', '2024-03-06'), '15 min') AS summary
  FROM sum_test.obs GROUP BY machine_id;

SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT machine_id, reliability.rollup(summary) FROM sum_test.tenmin GROUP BY machine_id;
EXPLAIN (COSTS OFF)
SELECT reliability.rollup(summary) FROM sum_test.tenmin WHERE machine_id = 2;
EXPLAIN (COSTS OFF)
SELECT machine_id, reliability.summarize(observed_at, online, tstzrange('2024-03-01 00:20', '2024-03-06'), '15 min')
  FROM sum_test.obs GROUP BY machine_id;
CREATE TABLE sum_test.parallel AS
SELECT machine_id, reliability.rollup(summary) AS summary FROM sum_test.tenmin GROUP BY machine_id;
CREATE TABLE sum_test.parallel_one AS
SELECT reliability.rollup(summary) AS summary FROM sum_test.tenmin WHERE machine_id = 2;
CREATE TABLE sum_test.parallel_summarize AS
SELECT machine_id, reliability.summarize(observed_at, online, tstzrange('2024-03-01 00:20', '2024-03-06'), '15 min') AS summary
  FROM sum_test.obs GROUP BY machine_id;
RESET parallel_leader_participation;
RESET enable_hashagg;
RESET max_parallel_workers_per_gather;
RESET min_parallel_table_scan_size;
RESET parallel_tuple_cost;
RESET parallel_setup_cost;

-- Parallel = serial = summarize over the whole [03-01 00:20, 03-06), for every machine; and the
-- availability of the rollup = the availability aggregate over that range.
SELECT count(*) AS machines,
       count(*) FILTER (WHERE p.summary::text = s.summary::text AND s.summary::text = ss.summary::text
                          AND ps.summary::text = ss.summary::text) AS all_equal,
       count(*) FILTER (WHERE reliability.availability(p.summary) IS NOT DISTINCT FROM a.a) AS availability_equal
  FROM sum_test.parallel p
  JOIN sum_test.serial s USING (machine_id)
  JOIN sum_test.serial_summarize ss USING (machine_id)
  JOIN sum_test.parallel_summarize ps USING (machine_id)
  JOIN (SELECT machine_id, reliability.availability(observed_at, online, tstzrange('2024-03-01 00:20', '2024-03-06'), '15 min') AS a
          FROM sum_test.obs GROUP BY machine_id) a USING (machine_id);
SELECT p.summary::text = s.summary::text AS one_machine_equal
  FROM sum_test.parallel_one p, sum_test.serial s WHERE s.machine_id = 2;

SET client_min_messages = warning;  -- no NOTICE listing what CASCADE drops
DROP SCHEMA sum_test CASCADE;
RESET client_min_messages;
