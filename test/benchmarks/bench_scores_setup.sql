-- bench_scores: the fleet of item (1): :fleet machines with :history observations each,
-- every 5 minutes up to now(), loaded with the score triggers off
-- (session_replication_role = replica), plus bench.observations_plain, an identical copy of
-- reliability.observations (same columns, primary key, foreign key, CHECK) without the
-- score triggers. Run by test/benchmarks/bench_scores.sh with \timing on.
-- With wal_level = minimal, rows written into a table created in the same transaction
-- skip the WAL: the extension is created and loaded in one transaction for that.
\set ON_ERROR_STOP on
CREATE EXTENSION pg_stat_statements;
CREATE SCHEMA bench;

BEGIN;
CREATE EXTENSION reliability;
INSERT INTO reliability.machines (provider, external_id)
SELECT 'bench', 'fleet-' || g FROM generate_series(1, :fleet) g;
SELECT count(*) = :fleet AND max(machine_id) = :fleet AS fleet_ids_are_1_to_n FROM reliability.machines \gset
\if :fleet_ids_are_1_to_n
\else
  \echo 'bench_scores: machine ids are not 1..fleet'
  SELECT 1/0;
\endif
-- The history ends at t0 (the second the load started). The LATERAL reference makes the
-- machine the outer loop, so rows arrive in primary-key order.
SELECT date_trunc('second', now()) AS t0 \gset
SET LOCAL session_replication_role = replica;
\echo @@ load_history 1
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, :'t0'::timestamptz - k * interval '5 minutes', random() < 0.97
  FROM generate_series(1, :fleet) m
 CROSS JOIN LATERAL generate_series(:history - 1 + 0 * m, 0, -1) k;
COMMIT;

-- The copy: filled first, then given the same constraints as reliability.observations.
BEGIN;
CREATE TABLE bench.observations_plain (
    machine_id  bigint NOT NULL,
    observed_at timestamptz NOT NULL,
    online      boolean NOT NULL
);
\echo @@ load_plain_copy 1
INSERT INTO bench.observations_plain SELECT * FROM reliability.observations;
ALTER TABLE bench.observations_plain
    ADD PRIMARY KEY (machine_id, observed_at),
    ADD FOREIGN KEY (machine_id) REFERENCES reliability.machines ON DELETE CASCADE,
    ADD CONSTRAINT observations_plain_observed_at_finite CHECK (pg_catalog.isfinite(observed_at));
COMMIT;
\echo @@ vacuum_analyze 1
VACUUM (ANALYZE) reliability.observations, bench.observations_plain, reliability.machines;
\echo @@ rebuild_initial 1
SELECT reliability.rebuild() AS rebuilt_rows;
VACUUM (ANALYZE) reliability.scores;
SELECT count(*) AS observations FROM reliability.observations;
SELECT tier, count(*), round(avg(score)::numeric, 2) AS avg_score FROM reliability.scores GROUP BY tier;
