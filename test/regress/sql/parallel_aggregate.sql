--
-- The uptime aggregates run in parallel workers (partial aggregate, serialize, deserialize,
-- combine) and give exactly the serial results. Everything lives in schema agg_par.
--
SET TimeZone = 'UTC';
CREATE SCHEMA agg_par;

-- 50 machines x 4000 observations = 200,000 rows: a heartbeat every 60 s (machine m is
-- offset by m % 7 s), rows dropped where (i + m) % 97 = 0 (a 120 s gap = max_gap, still
-- covered) or (i + m) % 89 IN (0, 1) (a 180 s gap, 60 s unknown), offline where
-- (7i + 13m) % 29 < 2. Inserted in a scrambled order, so every worker sees unsorted input.
CREATE TABLE agg_par.obs (machine_id bigint, observed_at timestamptz, online boolean)
    WITH (parallel_workers = 2, autovacuum_enabled = false);
INSERT INTO agg_par.obs
SELECT m, timestamptz '2024-01-01 00:00:00+00' + i * interval '60 s' + (m % 7) * interval '1 s',
       (7 * i + 13 * m) % 29 >= 2
FROM generate_series(1, 50) m, generate_series(0, 3999) i
WHERE (i + m) % 97 <> 0 AND (i + m) % 89 NOT IN (0, 1)
ORDER BY md5(m::text || '/' || i::text);
VACUUM ANALYZE agg_par.obs;
SELECT count(*) AS observations, count(DISTINCT machine_id) AS machines,
       count(*) FILTER (WHERE NOT online) AS offline FROM agg_par.obs;

-- The window: [2024-01-01 01:00, 2024-01-03 12:00), cutting both ends of the data
-- (2024-01-01 00:00 .. 2024-01-03 18:39); max_gap 2 min.
CREATE FUNCTION agg_par.w() RETURNS tstzrange LANGUAGE sql IMMUTABLE PARALLEL SAFE
AS $$ SELECT tstzrange('2024-01-01 01:00:00+00', '2024-01-03 12:00:00+00') $$;

-- Serial results.
SET max_parallel_workers_per_gather = 0;
CREATE TABLE agg_par.serial AS
SELECT machine_id,
       reliability.availability(observed_at, online, agg_par.w(), '2 min') AS a,
       reliability.uptime(observed_at, online, agg_par.w(), '2 min') AS u,
       reliability.availability(observed_at, online, agg_par.w()) AS a3   -- max_gap from settings (15 min)
FROM agg_par.obs GROUP BY machine_id;
CREATE TABLE agg_par.serial_one AS
SELECT reliability.availability(observed_at, online, agg_par.w(), '2 min') AS a,
       reliability.availability(observed_at, online, '(,)') AS a3
FROM agg_par.obs WHERE machine_id = 7;

-- Parallel plans.
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
SET parallel_leader_participation = off;
SET enable_hashagg = off;
EXPLAIN (COSTS OFF)
SELECT reliability.availability(observed_at, online, agg_par.w(), '2 min') AS a,
       reliability.availability(observed_at, online, '(,)') AS a3
FROM agg_par.obs WHERE machine_id = 7;
EXPLAIN (COSTS OFF)
SELECT machine_id,
       reliability.availability(observed_at, online, agg_par.w(), '2 min') AS a,
       reliability.uptime(observed_at, online, agg_par.w(), '2 min') AS u,
       reliability.availability(observed_at, online, agg_par.w()) AS a3
FROM agg_par.obs GROUP BY machine_id;

CREATE TABLE agg_par.parallel AS
SELECT machine_id,
       reliability.availability(observed_at, online, agg_par.w(), '2 min') AS a,
       reliability.uptime(observed_at, online, agg_par.w(), '2 min') AS u,
       reliability.availability(observed_at, online, agg_par.w()) AS a3
FROM agg_par.obs GROUP BY machine_id;
CREATE TABLE agg_par.parallel_one AS
SELECT reliability.availability(observed_at, online, agg_par.w(), '2 min') AS a,
       reliability.availability(observed_at, online, '(,)') AS a3
FROM agg_par.obs WHERE machine_id = 7;
RESET parallel_leader_participation;
RESET enable_hashagg;
RESET max_parallel_workers_per_gather;

-- Parallel = serial: 50 machines, 0 mismatches (both directions), and the one-machine
-- aggregate is equal too.
SELECT count(*) AS machines,
       count(*) FILTER (WHERE s.a IS DISTINCT FROM p.a OR s.u IS DISTINCT FROM p.u
                          OR s.a3 IS DISTINCT FROM p.a3) AS mismatches
FROM agg_par.serial s FULL JOIN agg_par.parallel p USING (machine_id);
SELECT (SELECT count(*) FROM (SELECT * FROM agg_par.serial EXCEPT SELECT * FROM agg_par.parallel) x) AS serial_except_parallel,
       (SELECT count(*) FROM (SELECT * FROM agg_par.parallel EXCEPT SELECT * FROM agg_par.serial) x) AS parallel_except_serial;
SELECT s.a IS NOT DISTINCT FROM p.a AS same_a, s.a3 IS NOT DISTINCT FROM p.a3 AS same_a3
FROM agg_par.serial_one s, agg_par.parallel_one p;

-- The results are not trivial: every machine has online, offline and unknown time, and
-- outages; the window is 59 h = 212400 s for every machine.
SELECT count(*) FILTER (WHERE (a).online_seconds > 0 AND (a).offline_seconds > 0 AND (a).unknown_seconds > 0
                          AND (a).outages > 0 AND (a).online_runs > 0) AS machines_with_everything,
       count(DISTINCT (a).online_seconds + (a).offline_seconds + (a).unknown_seconds) AS distinct_window_lengths,
       min((a).online_seconds + (a).offline_seconds + (a).unknown_seconds) AS window_seconds,
       count(*) FILTER (WHERE (a3).unknown_seconds = 0) AS fully_covered_with_15_min
FROM agg_par.parallel;

-- And they are right: the same online / offline seconds from plain SQL (lead() over each
-- machine's observations, covers clipped to the window): 0 mismatches.
WITH covers AS (
    SELECT machine_id, online, observed_at AS t,
           least(coalesce(lead(observed_at) OVER (PARTITION BY machine_id ORDER BY observed_at), 'infinity'),
                 observed_at + interval '2 min') AS e
    FROM agg_par.obs
), clipped AS (
    SELECT machine_id, online, greatest(t, lower(agg_par.w())) AS lo, least(e, upper(agg_par.w())) AS hi
    FROM covers
), sums AS (
    SELECT machine_id,
           coalesce(sum(extract(epoch FROM hi - lo)) FILTER (WHERE online), 0)::float8 AS online_seconds,
           coalesce(sum(extract(epoch FROM hi - lo)) FILTER (WHERE NOT online), 0)::float8 AS offline_seconds
    FROM clipped WHERE hi > lo GROUP BY machine_id
)
SELECT count(*) AS machines,
       count(*) FILTER (WHERE (p.a).online_seconds IS DISTINCT FROM s.online_seconds
                          OR (p.a).offline_seconds IS DISTINCT FROM s.offline_seconds) AS mismatches
FROM agg_par.parallel p FULL JOIN sums s USING (machine_id);

DROP SCHEMA agg_par CASCADE;
