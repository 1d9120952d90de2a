-- bench_scores item (4): one machine with :long_rows observations, one a minute up to
-- now() (30 days for 43,200), inserted in one statement with the triggers on.
\set ON_ERROR_STOP on
INSERT INTO reliability.machines (provider, external_id) VALUES ('bench', 'long-history')
RETURNING machine_id AS long_machine \gset
\echo @@ long_insert 1
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT :long_machine, date_trunc('second', now()) - k * interval '1 minute', random() < 0.99
  FROM generate_series(:long_rows - 1, 0, -1) k;
VACUUM (ANALYZE) reliability.observations;
\echo @@@ long_machine :long_machine
