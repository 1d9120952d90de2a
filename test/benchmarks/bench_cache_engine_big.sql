-- bench_cache_engine: the big fleet of item (4)(b)-(d) and (5), in database "big":
-- :big_machines machines x :big_rows observations (every 5 minutes up to the moment of the
-- load: 8,640 rows = 30 days), loaded with the extension's triggers disabled (ALTER TABLE ...
-- DISABLE TRIGGER USER, and session_replication_role = replica so that 86 M per-row
-- foreign-key checks and their after-trigger queue are skipped too: the ids come from
-- machines), then VACUUM (ANALYZE) and one reliability.rebuild() to fill the cache.
-- Run by test/benchmarks/bench_cache_engine.sh with \timing on.
\set ON_ERROR_STOP on
CREATE EXTENSION reliability;
INSERT INTO reliability.machines (provider, external_id)
SELECT 'bench', 'big-' || g FROM generate_series(1, :big_machines) g;
SELECT count(*) = :big_machines AND max(machine_id) = :big_machines AS ids_ok FROM reliability.machines \gset
\if :ids_ok
\else
  \echo 'bench_cache_engine: machine ids are not 1..big_machines'
  SELECT 1/0;
\endif
SELECT date_trunc('second', now()) AS t0 \gset
ALTER TABLE reliability.observations DISABLE TRIGGER USER;
SET session_replication_role = replica;
\echo @@ setup_big_load 1
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, :'t0'::timestamptz - k * interval '5 minutes', random() < 0.97
  FROM generate_series(1, :big_machines) m
 CROSS JOIN LATERAL generate_series(:big_rows - 1 + 0 * m, 0, -1) k;
RESET session_replication_role;
ALTER TABLE reliability.observations ENABLE TRIGGER USER;
\echo @@ setup_big_vacuum 1
VACUUM (ANALYZE) reliability.machines, reliability.observations;
-- The first rebuild fills the cache (and is the warm-up of item (4)(b)).
\echo @@ setup_big_rebuild 1
SELECT reliability.rebuild() AS rebuilt;
VACUUM (ANALYZE) reliability.scores;
SELECT count(*) AS cached_rows FROM reliability.scores;
