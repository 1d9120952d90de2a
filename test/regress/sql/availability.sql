--
-- reliability.uptime / reliability.availability (SPEC §2, §3, §7), checked against values
-- computed by hand from the SPEC. Everything lives in schema agg_test, dropped at the end.
--
-- Conventions: times are offsets in seconds from B = 2024-01-01 00:00:00+00:
-- agg_test.at(s) = B + s seconds (microsecond-exact), agg_test.w(lo, hi) = tstzrange
-- '[B+lo, B+hi)' (NULL = unbounded side). Unless a case says otherwise max_gap = 10 min
-- = 600 s. cover_i = [t_i, min(t_{i+1}, t_i + max_gap)), clipped to the window.
-- Each expected row lists: online | offline | unknown | covered | uptime | coverage |
-- online_runs | outages | longest_outage | mean_outage (MTTR) | mean_online (MTBF).
--
SET TimeZone = 'UTC';
CREATE SCHEMA agg_test;

CREATE FUNCTION agg_test.at(s numeric) RETURNS timestamptz LANGUAGE sql STABLE
AS $$ SELECT timestamptz '2024-01-01 00:00:00+00' + (s::text || ' seconds')::interval $$;
CREATE FUNCTION agg_test.w(lo numeric, hi numeric) RETURNS tstzrange LANGUAGE sql STABLE
AS $$ SELECT tstzrange(agg_test.at(lo), agg_test.at(hi)) $$;
-- Runs a statement and reports its error as "SQLSTATE: message" (or "no error").
CREATE FUNCTION agg_test.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE TABLE agg_test.obs (series text, s numeric, online boolean);
CREATE VIEW agg_test.o AS
    SELECT series, s, agg_test.at(s) AS observed_at, online FROM agg_test.obs;

-- A: 0 on, 300 on, 900 off (gap 600 = max_gap exactly), 1500 off, 2101 on (gap 601 = just
--    over max_gap), 2400 off.
INSERT INTO agg_test.obs VALUES
    ('A', 0, true), ('A', 300, true), ('A', 900, false), ('A', 1500, false), ('A', 2101, true), ('A', 2400, false);
-- C: observations before and after the window [0, 1000).
INSERT INTO agg_test.obs VALUES
    ('C', -1000, true), ('C', -300, false), ('C', 100, true), ('C', 800, false), ('C', 1000, true), ('C', 1200, false);
-- E: a heartbeat every 60 s from 0 to 3540; offline at 600..840 and at 1800.
INSERT INTO agg_test.obs
    SELECT 'E', s, NOT (s BETWEEN 600 AND 840 OR s = 1800) FROM generate_series(0, 3540, 60) s;
-- M: two observations 600.000001 s apart (one microsecond over max_gap).
INSERT INTO agg_test.obs VALUES ('M', 0, true), ('M', 600.000001, true);
-- O: one observation.
INSERT INTO agg_test.obs VALUES ('O', 0, true);
-- F: all offline.
INSERT INTO agg_test.obs VALUES ('F', 0, false), ('F', 100, false), ('F', 200, false);
-- H: all online (heartbeats), used with max_gap 5 min.
INSERT INTO agg_test.obs VALUES ('H', 0, true), ('H', 100, true), ('H', 1000, true), ('H', 1050, true);

--
-- Series A over [0, 3600):
--   0 on    [0, min(300, 600))     = [0, 300)       300 on
--   300 on  [300, min(900, 900))   = [300, 900)     600 on   (gap = max_gap: no unknown)
--   900 off [900, min(1500, 1500)) = [900, 1500)    600 off
--   1500 off [1500, min(2101, 2100)) = [1500, 2100) 600 off  (gap 601: [2100, 2101) unknown)
--   2101 on [2101, min(2400, 2701)) = [2101, 2400)  299 on
--   2400 off [2400, 3000)                           600 off  ([3000, 3600) unknown)
-- online 1199, offline 1800, covered 2999, unknown 3600 - 2999 = 601,
-- uptime 1199/2999 = 0.39979993..., coverage 2999/3600 = 0.83305555...
-- runs: on [0,900) 900 | off [900,2100) 1200 | unknown | on [2101,2400) 299 | off [2400,3000) 600
-- online_runs 2, outages 2, longest 1200, MTTR (1200+600)/2 = 900, MTBF (900+299)/2 = 599.5
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 3600), '10 min')).*
FROM agg_test.o WHERE series = 'A';
-- uptime() is the same ratio: 1199/2999
SELECT reliability.uptime(observed_at, online, agg_test.w(0, 3600), '10 min') FROM agg_test.o WHERE series = 'A';

-- Input order does not matter: reversed, and scrambled, give the row above.
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 3600), '10 min' ORDER BY observed_at DESC)).*
FROM agg_test.o WHERE series = 'A';
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 3600), '10 min' ORDER BY md5(s::text))).*
FROM agg_test.o WHERE series = 'A';

-- Window edges inside covers, A over [100, 2200):
--   [100,300) 200 on, [300,900) 600 on, [900,1500) 600 off, [1500,2100) 600 off,
--   [2101,2200) 99 on (cover [2101,2400) cut by b)
-- online 899, offline 1200, covered 2099, unknown 2100 - 2099 = 1,
-- uptime 899/2099 = 0.42829918..., coverage 2099/2100 = 0.99952380...
-- runs: on [100,900) 800 | off [900,2100) 1200 | on [2101,2200) 99
-- online_runs 2, outages 1, longest 1200, MTTR 1200, MTBF (800+99)/2 = 449.5
SELECT (reliability.availability(observed_at, online, agg_test.w(100, 2200), '10 min')).*
FROM agg_test.o WHERE series = 'A';

-- Observations before and after the window, C over [0, 1000):
--   -1000 on: [-1000, min(-300, -400)) = [-1000,-400): ends before a, nothing
--   -300 off: [-300, min(100, 300)) = [-300,100) -> [0,100)  100 off
--   100 on:   [100, min(800, 700))  = [100,700)             600 on  ([700,800) unknown)
--   800 off:  [800, min(1000, 1400)) = [800,1000)           200 off
--   1000 on, 1200 off: at or after b, nothing
-- online 600, offline 300, covered 900, unknown 100, uptime 600/900 = 0.666..., coverage 0.9
-- runs: off 100 | on 600 | unknown | off 200: online_runs 1, outages 2, longest 200, MTTR 150, MTBF 600
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 1000), '10 min')).*
FROM agg_test.o WHERE series = 'C';
-- C over [0, 1100): as above, and 1000 on covers [1000, min(1200, 1600)) -> [1000,1100) 100 on;
-- the observation at 1200 (after b) only ends that cover.
-- online 700, offline 300, covered 1000, unknown 100, uptime 0.7, coverage 1000/1100 = 0.90909...
-- runs: off 100 | on 600 | unknown | off 200 | on 100: online_runs 2, outages 2, longest 200,
-- MTTR 150, MTBF (600+100)/2 = 350
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 1100), '10 min')).*
FROM agg_test.o WHERE series = 'C';

--
-- Unbounded sides and infinite bounds: no clipping on that side.
--
-- A over (,): a = t_1 = 0, b = end of the last cover = 2400 + 600 = 3000.
-- online 1199, offline 1800, covered 2999, unknown 3000 - 2999 = 1 ([2100,2101)),
-- uptime 1199/2999, coverage 2999/3000 = 0.99966666..., runs as over [0,3600):
-- 2, 2, 1200, 900, 599.5 -- the same for the three spellings of "no bounds".
SELECT (reliability.availability(observed_at, online, '(,)', '10 min')).*
FROM agg_test.o WHERE series = 'A';
SELECT (reliability.availability(observed_at, online, '[-infinity,infinity]', '10 min')).*
FROM agg_test.o WHERE series = 'A';
SELECT (reliability.availability(observed_at, online, '(-infinity,infinity)', '10 min')).*
FROM agg_test.o WHERE series = 'A';
-- A over [1000, ) and [1000, infinity): a = 1000, b = 3000.
--   [1000,1500) 500 off, [1500,2100) 600 off, unknown 1, [2101,2400) 299 on, [2400,3000) 600 off
-- online 299, offline 1700, covered 1999, unknown 2000 - 1999 = 1,
-- uptime 299/1999 = 0.14957478..., coverage 1999/2000 = 0.9995
-- runs: off [1000,2100) 1100 | on 299 | off 600: online_runs 1, outages 2, longest 1100,
-- MTTR (1100+600)/2 = 850, MTBF 299
SELECT (reliability.availability(observed_at, online, agg_test.w(1000, NULL), '10 min')).*
FROM agg_test.o WHERE series = 'A';
SELECT (reliability.availability(observed_at, online, tstzrange(agg_test.at(1000), 'infinity'), '10 min')).*
FROM agg_test.o WHERE series = 'A';
-- A over (, 1000) and [-infinity, 1000): a = t_1 = 0, b = 1000.
--   [0,900) 900 on, [900,1000) 100 off
-- online 900, offline 100, covered 1000, unknown 0, uptime 0.9, coverage 1,
-- online_runs 1, outages 1, longest 100, MTTR 100, MTBF 900
SELECT (reliability.availability(observed_at, online, agg_test.w(NULL, 1000), '10 min')).*
FROM agg_test.o WHERE series = 'A';
SELECT (reliability.availability(observed_at, online, tstzrange('-infinity', agg_test.at(1000)), '10 min')).*
FROM agg_test.o WHERE series = 'A';

--
-- Empty windows: zero seconds, NULL ratios, no runs (the result itself is not NULL).
--   'empty'; '[500,500)' (PostgreSQL makes it empty); the point '[500,500]' (a = b);
--   [5000, ) (a = 5000 > b = 3000, inverted); (, -100) (a = t_1 = 0 > b = -100);
--   (, 0) (a = b = 0); windows starting at infinity or ending at -infinity.
-- each: 0 | 0 | 0 | 0 | NULL | NULL | 0 | 0 | NULL | NULL | NULL
--
SELECT w AS during, (reliability.availability(observed_at, online, w, '10 min')).*
FROM agg_test.o,
     unnest(ARRAY['empty', agg_test.w(500, 500), tstzrange(agg_test.at(500), agg_test.at(500), '[]'),
                  agg_test.w(5000, NULL), agg_test.w(NULL, -100), agg_test.w(NULL, 0),
                  '[infinity,)', '[infinity,infinity]', '(,-infinity)', '[-infinity,-infinity]']::tstzrange[])
         WITH ORDINALITY AS u(w, n)
WHERE series = 'A'
GROUP BY n, w ORDER BY n;
-- uptime() of an empty window is NULL
SELECT reliability.uptime(observed_at, online, 'empty', '10 min') IS NULL AS uptime_is_null
FROM agg_test.o WHERE series = 'A';
-- A bounded window with no covered time, [5000, 6000): unknown 1000, uptime NULL, coverage 0
-- 0 | 0 | 1000 | 0 | NULL | 0 | 0 | 0 | NULL | NULL | NULL
SELECT (reliability.availability(observed_at, online, agg_test.w(5000, 6000), '10 min')).*
FROM agg_test.o WHERE series = 'A';

--
-- Runs, outages, MTTR, MTBF: series E, heartbeat every 60 s, max_gap 2 min (every cover
-- ends at the next heartbeat, 60 s later).
-- E over [0, 3600): all covered (last cover [3540, 3660) cut to [3540, 3600)).
--   off: 600..840 is 5 x 60 = 300, 1800 is 60 -> offline 360, online 3600 - 360 = 3240
--   runs: on [0,600) 600 | off [600,900) 300 | on [900,1800) 900 | off [1800,1860) 60 | on [1860,3600) 1740
-- 3240 | 360 | 0 | 3600 | 0.9 | 1 | 3 | 2 | 300 | 180 | (600+900+1740)/3 = 1080
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 3600), '2 min')).*
FROM agg_test.o WHERE series = 'E';
-- E over (,): a = 0, b = 3540 + 120 = 3660; the last run is [1860,3660) 1800.
-- online 3300, offline 360, unknown 0, covered 3660, uptime 3300/3660 = 0.90163934...,
-- coverage 1, 3 | 2 | 300 | 180 | (600+900+1800)/3 = 1100
SELECT (reliability.availability(observed_at, online, '(,)', '2 min')).*
FROM agg_test.o WHERE series = 'E';
-- E over [700, 1830): both outages are cut by the window edges and count clipped.
--   off [700,900) 200 | on [900,1800) 900 | off [1800,1830) 30
-- online 900, offline 230, unknown 0, covered 1130, uptime 900/1130 = 0.79646017..., coverage 1,
-- online_runs 1, outages 2, longest 200, MTTR 115, MTBF 900
SELECT (reliability.availability(observed_at, online, agg_test.w(700, 1830), '2 min')).*
FROM agg_test.o WHERE series = 'E';

--
-- One observation, all offline, all online.
--
-- O over [-100, 1000): cover [0, 600).
-- 600 | 0 | 1100 - 600 = 500 | 600 | 1 | 600/1100 = 0.54545454... | 1 | 0 | NULL | NULL | 600
SELECT (reliability.availability(observed_at, online, agg_test.w(-100, 1000), '10 min')).*
FROM agg_test.o WHERE series = 'O';
-- O over (,): window [0, 600): 600 | 0 | 0 | 600 | 1 | 1 | 1 | 0 | NULL | NULL | 600
SELECT (reliability.availability(observed_at, online, '(,)', '10 min')).*
FROM agg_test.o WHERE series = 'O';
-- F over [0, 1000): off [0,100) + [100,200) + [200,800) = 800, unknown 200.
-- 0 | 800 | 200 | 800 | uptime 0/800 = 0 | 0.8 | 0 | 1 | 800 | 800 | NULL
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 1000), '10 min')).*
FROM agg_test.o WHERE series = 'F';
-- H, all online, max_gap 5 min = 300 s, over [0, 2000): the heartbeat union
-- [0,300) u [100,400) u [1000,1300) u [1050,1350) = [0,400) u [1000,1350) = 750 s.
-- 750 | 0 | 1250 | 750 | 1 | 0.375 | 2 | 0 | NULL | NULL | (400+350)/2 = 375
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 2000), '5 min')).*
FROM agg_test.o WHERE series = 'H';
-- ... and the same union computed with range_agg: true
SELECT (SELECT (reliability.availability(observed_at, online, agg_test.w(0, 2000), '5 min')).online_seconds
        FROM agg_test.o WHERE series = 'H')
     = (SELECT sum(extract(epoch FROM upper(r) - lower(r)))::float8
        FROM unnest((SELECT range_agg(tstzrange(observed_at, observed_at + interval '5 min'))
                     FROM agg_test.o WHERE series = 'H') * tstzmultirange(agg_test.w(0, 2000))) r)
       AS heartbeat_union_matches;

--
-- Microsecond boundaries.
--
-- M (0 on, 600.000001 on) over [0, 1200.000001): covers [0,600) and [600.000001, 1200.000001):
-- the 1 us gap is unknown and splits the run.
-- 1200 | 0 | 0.000001 | 1200 | 1 | 1200/1200.000001 = 0.99999999916666... | 2 | 0 | NULL | NULL | 600
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 1200.000001), '10 min')).*
FROM agg_test.o WHERE series = 'M';
-- M with max_gap 600.000001 s: covers [0,600.000001) and [600.000001, 1200.000001): one run.
-- 1200.000001 | 0 | 0 | 1200.000001 | 1 | 1 | 1 | 0 | NULL | NULL | 1200.000001
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 1200.000001), interval '10 min 0.000001 s')).*
FROM agg_test.o WHERE series = 'M';
-- O over [0.000001, 599.999999): cover [0,600) clipped: 599.999998 s.
-- 599.999998 | 0 | 0 | 599.999998 | 1 | 1 | 1 | 0 | NULL | NULL | 599.999998
SELECT (reliability.availability(observed_at, online, agg_test.w(0.000001, 599.999999), '10 min')).*
FROM agg_test.o WHERE series = 'O';
-- O over [-0.000001, 600.000001): 600 | 0 | 0.000002 | 600 | 1 | 600/600.000002 = 0.99999999666... |
-- 1 | 0 | NULL | NULL | 600
SELECT (reliability.availability(observed_at, online, agg_test.w(-0.000001, 600.000001), '10 min')).*
FROM agg_test.o WHERE series = 'O';

--
-- The 3-argument form takes max_gap from reliability.settings (default 15 min = 900 s).
--
SELECT extract(epoch FROM max_gap) AS settings_max_gap_seconds FROM reliability.settings;
-- A over [0, 3600) with 900 s:
--   [0,300) on 300, [300,900) on 600, [900,1500) off 600, [1500, min(2101, 2400)) off 601,
--   [2101,2400) on 299, [2400, 3300) off 900, [3300,3600) unknown
-- online 1199, offline 2101, unknown 300, covered 3300, uptime 1199/3300 = 0.36333...,
-- coverage 3300/3600 = 0.91666..., runs: on 900 | off [900,2101) 1201 | on 299 | off 900:
-- online_runs 2, outages 2, longest 1201, MTTR (1201+900)/2 = 1050.5, MTBF 599.5
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 3600))).*
FROM agg_test.o WHERE series = 'A';
SELECT reliability.uptime(observed_at, online, agg_test.w(0, 3600)) FROM agg_test.o WHERE series = 'A';
BEGIN;
UPDATE reliability.settings SET max_gap = '5 min';
-- A over [0, 3600) with 300 s:
--   [0,300) on 300, [300,600) on 300, [900,1200) off 300, [1500,1800) off 300,
--   [2101,2400) on 299, [2400,2700) off 300
-- online 899, offline 900, covered 1799, unknown 1801, uptime 899/1799 = 0.49972206...,
-- coverage 1799/3600 = 0.49972222..., runs: on [0,600) 600 | off 300 | off 300 | on 299 | off 300:
-- online_runs 2, outages 3, longest 300, MTTR 300, MTBF (600+299)/2 = 449.5
SELECT (reliability.availability(observed_at, online, agg_test.w(0, 3600))).*
FROM agg_test.o WHERE series = 'A';
-- 899/1799; the 4-argument form is not affected: 1199/2999
SELECT reliability.uptime(observed_at, online, agg_test.w(0, 3600)) AS settings_gap,
       reliability.uptime(observed_at, online, agg_test.w(0, 3600), '10 min') AS explicit_gap
FROM agg_test.o WHERE series = 'A';
ROLLBACK;
-- back to 900 s: 1199/3300
SELECT reliability.uptime(observed_at, online, agg_test.w(0, 3600)) FROM agg_test.o WHERE series = 'A';

--
-- GROUP BY machine, window [0, 3600), max_gap 10 min.
--   1 = A: 1199 | 1800 | 601 | 2999 | 1199/2999 | 2999/3600 | 2 | 2 | 1200 | 900 | 599.5
--   2 = F: off [0,100) [100,200) [200,800): 0 | 800 | 2800 | 800 | 0 | 800/3600 = 0.2222... | 0 | 1 | 800 | 800 | NULL
--   3 = O: 600 | 0 | 3000 | 600 | 1 | 600/3600 = 0.1666... | 1 | 0 | NULL | NULL | 600
--   4 = A's times with online NULL: every row skipped, NULL
--   5 = E (max_gap 600 > 60 s between heartbeats, so as with 2 min):
--       3240 | 360 | 0 | 3600 | 0.9 | 1 | 3 | 2 | 300 | 180 | 1080
-- Machines 1, 3 and 4 share timestamps: duplicates only count within a group.
--
CREATE TABLE agg_test.fleet (machine_id bigint, observed_at timestamptz, online boolean);
INSERT INTO agg_test.fleet
    SELECT 1, observed_at, online FROM agg_test.o WHERE series = 'A'
    UNION ALL SELECT 2, observed_at, online FROM agg_test.o WHERE series = 'F'
    UNION ALL SELECT 3, observed_at, online FROM agg_test.o WHERE series = 'O'
    UNION ALL SELECT 4, observed_at, NULL FROM agg_test.o WHERE series = 'A'
    UNION ALL SELECT 5, observed_at, online FROM agg_test.o WHERE series = 'E';
SELECT machine_id, (reliability.availability(observed_at, online, agg_test.w(0, 3600), '10 min')).*
FROM agg_test.fleet GROUP BY machine_id ORDER BY machine_id;
-- uptime: 1199/2999, 0, 1, NULL, 0.9
SELECT machine_id, reliability.uptime(observed_at, online, agg_test.w(0, 3600), '10 min')
FROM agg_test.fleet GROUP BY machine_id ORDER BY machine_id;

--
-- NULL arguments: the row is skipped.
--
-- A's rows plus rows with a NULL observed_at, online, during or max_gap (one of them with a
-- different window, which would be an error if it were not skipped): A over [0, 3600) again,
-- 1199 | 1800 | 601 | 2999 | 0.3997... | 0.8330... | 2 | 2 | 1200 | 900 | 599.5
SELECT (reliability.availability(observed_at, online, during, max_gap)).*
FROM (SELECT observed_at, online, agg_test.w(0, 3600) AS during, interval '10 min' AS max_gap
      FROM agg_test.o WHERE series = 'A'
      UNION ALL VALUES (NULL::timestamptz, true, agg_test.w(0, 3600), interval '10 min'),
                       (agg_test.at(50), NULL, agg_test.w(0, 3600), interval '10 min'),
                       (agg_test.at(60), false, NULL, interval '10 min'),
                       (agg_test.at(70), false, agg_test.w(0, 3600), NULL),
                       (NULL, false, agg_test.w(0, 9999), interval '1 hour')) r;
-- Every row skipped (NULL during, NULL max_gap, NULL online), or no row at all: NULL.
-- all true
SELECT reliability.availability(observed_at, online, NULL, '10 min') IS NULL AS null_during,
       reliability.availability(observed_at, online, agg_test.w(0, 3600), NULL) IS NULL AS null_max_gap,
       reliability.availability(observed_at, NULL, agg_test.w(0, 3600), '10 min') IS NULL AS null_online,
       reliability.uptime(observed_at, online, NULL, '10 min') IS NULL AS uptime_null_during,
       reliability.uptime(observed_at, online, NULL) IS NULL AS uptime_3arg_null_during
FROM agg_test.o WHERE series = 'A';
SELECT reliability.availability(observed_at, online, agg_test.w(0, 3600), '10 min') IS NULL AS no_rows,
       reliability.availability(observed_at, online, agg_test.w(0, 3600)) IS NULL AS no_rows_3arg,
       reliability.uptime(observed_at, online, agg_test.w(0, 3600), '10 min') IS NULL AS uptime_no_rows
FROM agg_test.o WHERE false;

--
-- Intervals are fixed lengths (extract(epoch ...)): a day is 86,400 s, a month 30 days, a year
-- 365.25 days, whatever the session time zone, also across a DST change.
--
SET TimeZone = 'America/New_York';
-- One observation at 2024-03-09 12:00 EST, max_gap '1 day', window [2024-03-09 00:00 EST,
-- 2024-03-12 00:00 EDT): DST starts 2024-03-10 02:00, so the window is 3 days - 1 hour = 255600 s.
-- The cover is 86400 s (a calendar day would be 82800 s here).
-- 86400 | 0 | 255600 - 86400 = 169200 | 86400 | 1 | 86400/255600 = 0.33802816... | 1 | 0 | NULL | NULL | 86400
SELECT (reliability.availability(t, true, tstzrange('2024-03-09 00:00', '2024-03-12 00:00'), '1 day')).*
FROM (VALUES (timestamptz '2024-03-09 12:00')) v(t);
-- One observation over (,) covers exactly max_gap: online_seconds = extract(epoch FROM max_gap).
--   1 day = 86400, 24 hours = 86400, 1 mon = 2592000, 1 year = 31557600, 1 day 1 hour = 90000,
--   48 hours -1 day = 86400, 1 mon -29 days = 86400, 200000 years = 6311520000000
CREATE TABLE agg_test.gaps (n int, g interval);
INSERT INTO agg_test.gaps VALUES (1, '1 day'), (2, '24 hours'), (3, '1 mon'), (4, '1 year'), (5, '1 day 1 hour'),
    (6, '48 hours -1 day'), (7, '1 mon -29 days'), (8, '200000 years');
SELECT g, extract(epoch FROM g) AS epoch,
       (SELECT (reliability.availability(t, true, '(,)', g)).online_seconds
        FROM (VALUES (timestamptz '2024-03-09 12:00')) v(t)) AS online_seconds
FROM agg_test.gaps ORDER BY n;
-- The same in UTC: identical numbers.
SET TimeZone = 'UTC';
SELECT g, extract(epoch FROM g) AS epoch,
       (SELECT (reliability.availability(t, true, '(,)', g)).online_seconds
        FROM (VALUES (timestamptz '2024-03-09 12:00-05')) v(t)) AS online_seconds
FROM agg_test.gaps ORDER BY n;

--
-- Same window and max_gap, written differently, are the same (no error): A over (,).
--   '[0,3600)' and '[0,3600]' (bounds' inclusivity makes no difference), '(,)' and
--   '[-infinity,infinity)', '10 min' and '600 seconds'.
-- uptime 1199/2999 twice; (,) online 1199
SELECT reliability.uptime(observed_at, online,
           CASE WHEN s < 1000 THEN agg_test.w(0, 3600)
                ELSE tstzrange(agg_test.at(0), agg_test.at(3600), '[]') END, '10 min') AS inclusivity,
       reliability.uptime(observed_at, online, agg_test.w(0, 3600),
           CASE WHEN s < 1000 THEN interval '10 min' ELSE interval '600 seconds' END) AS gap_spelling,
       (reliability.availability(observed_at, online,
           CASE WHEN s < 1000 THEN tstzrange(NULL, NULL) ELSE tstzrange('-infinity', 'infinity') END,
           '10 min')).online_seconds AS unbounded_spelling
FROM agg_test.o WHERE series = 'A';

--
-- Errors (SQLSTATE: message).
--
-- duplicate timestamps in one group: 22023, also when they are not adjacent in input order
SELECT agg_test.try($q$
    SELECT reliability.availability(t, o, '(,)', '10 min')
    FROM (VALUES (agg_test.at(0), true), (agg_test.at(0), false)) v(t, o) $q$);
SELECT agg_test.try($q$
    SELECT reliability.uptime(t, o, '(,)')
    FROM (VALUES (agg_test.at(0), true), (agg_test.at(5), true), (agg_test.at(0), true)) v(t, o) $q$);
-- the message names the time, the hint the likely cause (two machines' rows in one group)
SELECT reliability.uptime(t, o, '(,)')
FROM (VALUES (agg_test.at(0), true), (agg_test.at(0), false)) v(t, o);
-- max_gap zero or negative: 22023 ('1 mon -30 days' is 0 s, '1 day -86401 s' is -1 s)
SELECT g, agg_test.try(format($q$
    SELECT reliability.availability(observed_at, online, agg_test.w(0, 3600), %L)
    FROM agg_test.o WHERE series = 'A' $q$, g)) AS result
FROM unnest(ARRAY['0', '-1 min', '-0.000001 s', '1 mon -30 days', '1 day -86401 s']::interval[]) g;
-- infinite observed_at: 22008
SELECT agg_test.try($q$
    SELECT reliability.availability(t, true, '(,)', '10 min') FROM (VALUES (timestamptz 'infinity')) v(t) $q$);
SELECT agg_test.try($q$
    SELECT reliability.uptime(t, true, '(,)', '10 min')
    FROM (VALUES (agg_test.at(0)), (timestamptz '-infinity')) v(t) $q$);
-- different windows, or different max_gaps, in one group: 22023
SELECT agg_test.try($q$
    SELECT reliability.availability(observed_at, online, agg_test.w(0, 3600 + s), '10 min')
    FROM agg_test.o WHERE series = 'A' $q$);
SELECT agg_test.try($q$
    SELECT reliability.availability(observed_at, online, CASE WHEN s < 1000 THEN tstzrange '(,)' ELSE 'empty' END, '10 min')
    FROM agg_test.o WHERE series = 'A' $q$);
SELECT agg_test.try($q$
    SELECT reliability.availability(observed_at, online, '(,)', CASE WHEN s < 1000 THEN interval '10 min' ELSE '11 min' END)
    FROM agg_test.o WHERE series = 'A' $q$);
-- ... but different windows in different groups are fine: machine 1 over [0, 3600): 1199/2999;
-- machine 3 (one observation, online) over (,): 1
SELECT machine_id, reliability.uptime(observed_at, online,
           CASE machine_id WHEN 1 THEN agg_test.w(0, 3600) ELSE '(,)' END, '10 min')
FROM agg_test.fleet WHERE machine_id IN (1, 3) GROUP BY machine_id ORDER BY machine_id;
-- a max_gap whose length does not fit in int64 microseconds (10^9 days = 8.64e19 us): 22008
SELECT agg_test.try($q$
    SELECT reliability.availability(observed_at, online, agg_test.w(0, 3600), '1000000000 days')
    FROM agg_test.o WHERE series = 'A' $q$);
SELECT agg_test.try($q$
    SELECT reliability.uptime(observed_at, online, '(,)', '300000 years')
    FROM agg_test.o WHERE series = 'A' $q$);

--
-- Limits of the timestamp range. Time is int64 microseconds (PostgreSQL's own unit), so a
-- window longer than 2^63 us (about 292,000 years) cannot be measured: it is refused with
-- 22003 rather than answered wrongly (a documented limit, see docs/SPEC_READING.md), and a
-- cover reaching past the largest int64 instant ends there.
SELECT agg_test.try($q$
  SELECT reliability.availability(timestamptz '2024-01-01 00:00+00', true,
                                  tstzrange('4713-01-01 00:00+00 BC', '294276-01-01 00:00+00'), '10 min')
$q$);
-- A window that only just fits (20,000 years) is measured exactly: online 600 s,
-- unknown = (b - a) - 600 s.  true | true
SELECT online_seconds = 600 AS online_ok,
       unknown_seconds = (extract(epoch FROM upper(w)) - extract(epoch FROM lower(w)) - 600)::float8 AS unknown_ok
FROM (SELECT w, (reliability.availability(t, true, w, '10 min')).*
      FROM (VALUES (timestamptz '2024-01-01 00:00+00',
                    tstzrange('0001-01-01 00:00+00', '20000-01-01 00:00+00'))) v(t, w)
      GROUP BY w) s;
-- A cover far from the limits keeps its full length: one observation at 200000-12-31
-- over (,) with max_gap 1 year: online 31557600 s.  true
SELECT (reliability.availability(timestamptz '200000-12-31 00:00+00', true, '(,)', '1 year')).online_seconds = 31557600 AS one_year;

-- Beyond 2^53 microseconds (285 years) the seconds are still the double nearest the exact
-- microseconds / 10^6, as extract(epoch FROM interval) gives: in (,) the unknown time runs from
-- the end of the first cover (1900 + 36525 days) to 2300-01-01 00:00:00.000001, 9467020800.000001 s,
-- nearest double 9467020800.0000019 (rounding the microseconds to a double first gave
-- 9467020800).  true | true
SELECT unknown_seconds = extract(epoch FROM timestamptz '2300-01-01 00:00:00.000001+00'
                                            - timestamptz '1900-01-01 00:00+00' - interval '36525 days')::float8 AS exact,
       unknown_seconds > 9467020800 AS not_truncated
FROM (SELECT (reliability.availability(t, true, '(,)', '100 years')).*
      FROM (VALUES (timestamptz '1900-01-01 00:00+00'), ('2300-01-01 00:00:00.000001+00')) v(t)) s;

DROP SCHEMA agg_test CASCADE;
