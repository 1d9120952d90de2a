-- bench_cache_engine: is the cache exact? Every cached row of a sample of machines (ids 1, 1 + :every,
-- 1 + 2 * :every, ...) against reliability.score(machine_id, computed_at) computed from the tables,
-- field for field. Prints "@@@ check <label> <checked> <mismatched> <cached rows>".
\set ON_ERROR_STOP on
SELECT count(*) AS checked,
       count(*) FILTER (WHERE (s.score, s.tier, s.uptime, s.uptime_component, s.interruption_component,
                                s.rating_component, s.online_seconds, s.offline_seconds, s.covered_seconds,
                                s.coverage, s.interruptions, s.rating_count, s.rating_mean, s.last_observed_at, s.as_of)
                              IS DISTINCT FROM
                              (r.score, r.tier, r.uptime, r.uptime_component, r.interruption_component,
                               r.rating_component, r.online_seconds, r.offline_seconds, r.covered_seconds,
                               r.coverage, r.interruptions, r.rating_count, r.rating_mean, r.last_observed_at, r.as_of)) AS mismatched,
       (SELECT count(*) FROM reliability.scores) AS cached
  FROM reliability.scores s CROSS JOIN LATERAL reliability.score(s.machine_id, s.computed_at) r
 WHERE (s.machine_id - 1) % :every = 0 \gset
\echo @@@ check :label :checked :mismatched :cached
