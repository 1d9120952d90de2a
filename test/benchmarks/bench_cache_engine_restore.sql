-- bench_cache_engine: the template database of item (4)(a), "restore_tpl": the extension,
-- :copy_machines machines and two trigger-less twins of reliability.observations (LIKE ...
-- INCLUDING ALL: same columns, CHECK and primary key), bench.obs_fk with the same foreign key
-- to reliability.machines and bench.obs_nofk without it. Also writes the COPY file
-- :'csv' (text format, as pg_dump writes it): :copy_machines x :copy_rows rows every 5
-- minutes up to now, in time order (one poll cycle after another, the heap order a restore
-- reads). Each measured COPY runs in a fresh database made from this template.
\set ON_ERROR_STOP on
CREATE EXTENSION reliability;
CREATE SCHEMA bench;
INSERT INTO reliability.machines (provider, external_id)
SELECT 'bench', 'restore-' || g FROM generate_series(1, :copy_machines) g;
CREATE TABLE bench.obs_fk (LIKE reliability.observations INCLUDING ALL);
ALTER TABLE bench.obs_fk ADD FOREIGN KEY (machine_id) REFERENCES reliability.machines ON DELETE CASCADE;
CREATE TABLE bench.obs_nofk (LIKE reliability.observations INCLUDING ALL);
VACUUM (ANALYZE) reliability.machines;
SELECT date_trunc('second', now()) AS t0 \gset
\echo @@ setup_copy_file 1
COPY (SELECT m, :'t0'::timestamptz - k * interval '5 minutes', random() < 0.97
        FROM generate_series(:copy_rows - 1, 0, -1) k CROSS JOIN generate_series(1, :copy_machines) m) TO :'csv';
