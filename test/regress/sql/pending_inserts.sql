-- An INSERT into observations that fails inside a savepoint never reaches its AFTER
-- trigger; it must be forgotten when the savepoint rolls back. Otherwise every later insert
-- of the transaction recomputes its machines in full (reads the whole 30-day window) instead
-- of sliding the cached window (a few rows near its two ends). Observable through the
-- transaction's own index fetches on observations (pg_stat_xact_user_tables of its DEFAULT
-- partition, where the rows are: a partitioned table counts none).
SET client_min_messages = warning;
\set VERBOSITY terse
SELECT reliability.machine('pending', 'm1') AS m \gset
INSERT INTO reliability.observations
SELECT :m, now() - k * interval '1 minute', true FROM generate_series(1, 5000) AS k;

BEGIN;
SAVEPOINT before_bad_insert;
INSERT INTO reliability.observations VALUES (:m, 'infinity', true);   -- 23514, inside the savepoint
ROLLBACK TO before_bad_insert;
INSERT INTO reliability.observations VALUES (:m, now() + interval '1 second', true);
SELECT idx_tup_fetch AS fetched FROM pg_stat_xact_user_tables WHERE relid = 'reliability.observations_default'::regclass \gset
INSERT INTO reliability.observations VALUES (:m, now() + interval '2 seconds', true);
SELECT idx_tup_fetch - :fetched < 100 AS slid_not_recomputed_in_full
  FROM pg_stat_xact_user_tables WHERE relid = 'reliability.observations_default'::regclass;
COMMIT;

SELECT count(*) AS cached_rows_not_exact
  FROM reliability.scores s
 WHERE to_jsonb(s) - 'machine_id' - 'computed_at' IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at));
