-- bench_scores item (3): grows the fleet to :big machines. Each new machine gets 8
-- observations (every 5 minutes, online with a per-machine probability), 30% of them 3
-- ratings, 10% one interruption, all inserted with the score triggers on (one statement
-- per table: the cache is built by the triggers). About 1% of all machines, among them
-- the 25 best-scored, are blacklisted by hand.
\set ON_ERROR_STOP on
INSERT INTO reliability.machines (provider, external_id)
SELECT 'bench', 'extra-' || g FROM generate_series(:fleet + 1, :big) g;
SELECT count(*) = :big AND max(machine_id) = :big AS big_ids_ok FROM reliability.machines \gset
\if :big_ids_ok
\else
  \echo 'bench_scores: machine ids are not 1..big'
  SELECT 1/0;
\endif
SELECT date_trunc('second', now()) AS t1 \gset
\echo @@ ranking_insert_observations 1
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.id, :'t1'::timestamptz - k * interval '5 minutes', random() < m.p
  FROM (SELECT g AS id, random() AS p FROM generate_series(:fleet + 1, :big) g) m
 CROSS JOIN LATERAL generate_series(7 + 0 * m.id, 0, -1) k;
\echo @@ ranking_insert_ratings 1
INSERT INTO reliability.ratings (machine_id, user_id, stars)
SELECT g, 'user-' || u, 1 + floor(random() * 5)::int
  FROM generate_series(:fleet + 1, :big) g, generate_series(1, 3) u
 WHERE g % 10 < 3;
\echo @@ ranking_insert_interruptions 1
INSERT INTO reliability.interruptions (machine_id, occurred_at, reason)
SELECT g, :'t1'::timestamptz - interval '10 minutes', 'benchmark'
  FROM generate_series(:fleet + 1, :big) g
 WHERE g % 10 = 9;
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by)
SELECT machine_id, 'manual', 'benchmark', 'bench_scores'
  FROM (SELECT machine_id FROM reliability.machines WHERE machine_id % 100 = 0
        UNION
        SELECT machine_id FROM (SELECT machine_id FROM reliability.scores
                                 ORDER BY score DESC NULLS LAST LIMIT 25) best) x;
VACUUM (ANALYZE) reliability.scores, reliability.blacklist, reliability.machines, reliability.ratings, reliability.interruptions;
SELECT (SELECT count(*) FROM reliability.machines) AS machines,
       (SELECT count(*) FROM reliability.scores) AS cached_scores,
       (SELECT count(*) FROM reliability.blacklist) AS blacklisted,
       (SELECT count(*) FROM reliability.scores WHERE score >= 70) AS score_at_least_70;
