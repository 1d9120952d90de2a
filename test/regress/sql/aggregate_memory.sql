-- The uptime aggregates keep their observations in the aggregate's memory context, so the
-- executor accounts for them: a hash aggregate reports (and work_mem limits) their real
-- size. 1,000 groups x 500 rows x 16 bytes = 8 MB of state: the plan must report at least
-- that, not the few hundred kB of the groups' headers alone.
SET client_min_messages = warning;
CREATE TABLE agg_memory AS
SELECT (g % 1000)::bigint AS m, timestamptz '2024-01-01' + (g / 1000) * interval '1 minute' AS t, true AS online
  FROM generate_series(0, 499999) AS g;
ANALYZE agg_memory;
SET max_parallel_workers_per_gather = 0;
SET enable_sort = off;
SET work_mem = '256MB';
CREATE FUNCTION pg_temp.peak_kb(query text) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE plan json;
BEGIN
    EXECUTE 'EXPLAIN (ANALYZE, FORMAT JSON) ' || query INTO plan;
    RETURN (plan -> 0 -> 'Plan' ->> 'Peak Memory Usage')::bigint;
END $$;
SELECT pg_temp.peak_kb($q$SELECT m, reliability.uptime(t, online, tstzrange('2024-01-01', '2024-02-01'))
                            FROM agg_memory GROUP BY m$q$) >= 8000 AS uptime_state_accounted;
SELECT pg_temp.peak_kb($q$SELECT m, reliability.availability(t, online, tstzrange('2024-01-01', '2024-02-01'), interval '5 minutes')
                            FROM agg_memory GROUP BY m$q$) >= 8000 AS availability_state_accounted;
-- and the results are unchanged: every machine online all along its covered time
SELECT count(*) AS machines, min(u) AS min_uptime, max(u) AS max_uptime
  FROM (SELECT m, reliability.uptime(t, online, tstzrange('2024-01-01', '2024-02-01')) AS u FROM agg_memory GROUP BY m) x;
RESET work_mem;
RESET enable_sort;
RESET max_parallel_workers_per_gather;
DROP TABLE agg_memory;
