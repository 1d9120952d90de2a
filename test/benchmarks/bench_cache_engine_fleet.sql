-- bench_cache_engine: the fleet of items (1)-(3), in database "fleet": :fleet machines with
-- :history observations each, every 5 minutes up to the moment of the load, loaded with the
-- extension's triggers disabled (ALTER TABLE ... DISABLE TRIGGER USER; session_replication_role
-- = replica also skips the per-row foreign-key check: the ids come from machines), then
-- reliability.rebuild() to fill the cache. bench.obs_plain is the trigger-less twin of
-- reliability.observations: LIKE ... INCLUDING ALL (same columns, CHECK, primary key with
-- its INCLUDE column), partitioned by time with a DEFAULT partition as it is (so both inserts
-- route their rows the same way), the same foreign key to reliability.machines, the same rows.
-- Run by test/benchmarks/bench_cache_engine.sh with \timing on.
\set ON_ERROR_STOP on
CREATE EXTENSION reliability;
CREATE SCHEMA bench;
INSERT INTO reliability.machines (provider, external_id)
SELECT 'bench', 'fleet-' || g FROM generate_series(1, :fleet) g;
SELECT count(*) = :fleet AND max(machine_id) = :fleet AS ids_ok FROM reliability.machines \gset
\if :ids_ok
\else
  \echo 'bench_cache_engine: machine ids are not 1..fleet'
  SELECT 1/0;
\endif
SELECT date_trunc('second', now()) AS t0 \gset
ALTER TABLE reliability.observations DISABLE TRIGGER USER;
SET session_replication_role = replica;
-- The machine is the outer loop: rows arrive in primary-key order.
\echo @@ setup_fleet_load 1
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, :'t0'::timestamptz - k * interval '5 minutes', random() < 0.97
  FROM generate_series(1, :fleet) m
 CROSS JOIN LATERAL generate_series(:history - 1 + 0 * m, 0, -1) k;
RESET session_replication_role;
ALTER TABLE reliability.observations ENABLE TRIGGER USER;

CREATE TABLE bench.obs_plain (LIKE reliability.observations INCLUDING ALL) PARTITION BY RANGE (observed_at);
CREATE TABLE bench.obs_plain_default PARTITION OF bench.obs_plain DEFAULT;
\echo @@ setup_fleet_plain_copy 1
INSERT INTO bench.obs_plain SELECT * FROM reliability.observations ORDER BY machine_id, observed_at;
ALTER TABLE bench.obs_plain ADD FOREIGN KEY (machine_id) REFERENCES reliability.machines ON DELETE CASCADE;
\echo @@ setup_fleet_vacuum 1
VACUUM (ANALYZE) reliability.machines, reliability.observations, bench.obs_plain;
\echo @@ setup_fleet_rebuild 1
SELECT reliability.rebuild() AS rebuilt;
VACUUM (ANALYZE) reliability.scores;
SELECT count(*) AS observations, count(DISTINCT machine_id) AS machines FROM reliability.observations;
