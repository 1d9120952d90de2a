-- SPEC §12 on one database: distribute()'s refusals (each with its SQLSTATE, nothing
-- changed), the view every server answers a coordinator's calls through, and who may call
-- what. The coordinator itself is tested over real servers in test/integration/shards.sh.
SET client_min_messages = warning;
CREATE EXTENSION postgres_fdw;
CREATE SERVER regress_shard FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname 'no_such_database');
CREATE FOREIGN DATA WRAPPER regress_other_fdw;
CREATE SERVER regress_not_postgres FOREIGN DATA WRAPPER regress_other_fdw;
SELECT reliability._distributed() AS is_coordinator;

\set VERBOSITY sqlstate
SELECT reliability.distribute(NULL);                                    -- 22004
SELECT reliability.distribute(ARRAY['regress_shard', NULL]);            -- 22004
SELECT reliability.distribute(ARRAY[]::text[]);                         -- 22023
SELECT reliability.distribute(ARRAY[['regress_shard']]);                -- 22023
SELECT reliability.distribute(ARRAY['regress_shard', 'regress_shard']); -- 22023
SELECT reliability.distribute(ARRAY['no_such_server']);                 -- 42704
SELECT reliability.distribute(ARRAY['regress_not_postgres']);           -- 22023
SELECT * FROM reliability.shard_mismatches();                          -- 55000: not a coordinator
-- A database with rows: 55000, before any server is reached.
SELECT reliability.machine('regress-shards', 'm1') > 0 AS registered;
SELECT reliability.distribute(ARRAY['regress_shard']);                  -- 55000
\set VERBOSITY default
SELECT reliability.distribute(ARRAY['regress_shard']);
DELETE FROM reliability.machines WHERE provider = 'regress-shards';

-- Nothing changed: no server recorded, no option set, the tables as they were.
SELECT count(*) AS shards FROM reliability._shards;
SELECT srvoptions FROM pg_foreign_server WHERE srvname = 'regress_shard';
SELECT c.relname, pt.partstrat
  FROM pg_class c JOIN pg_partitioned_table pt ON pt.partrelid = c.oid
 WHERE c.relnamespace = 'reliability'::regnamespace ORDER BY 1;
SELECT reliability._distributed() AS is_coordinator;

-- What a coordinator asks a server through reliability._remote_calls.
INSERT INTO reliability._remote_calls (call) VALUES ('status')
RETURNING result ->> 'version' = (SELECT extversion FROM pg_extension WHERE extname = 'reliability') AS same_version,
          result -> 'has_rows' AS has_rows, result -> 'distributed' AS distributed;
INSERT INTO reliability._remote_calls (call, args) VALUES ('refresh', jsonb_build_object('as_of', now()))
RETURNING result::text::bigint = (SELECT count(*) FROM reliability.scores) AS refreshed_every_cached_row;
SELECT count(*) AS rows_in_view FROM reliability._remote_calls;
\set VERBOSITY sqlstate
INSERT INTO reliability._remote_calls (call) VALUES ('drop everything');  -- 22023
INSERT INTO reliability._remote_calls (call) VALUES (NULL);               -- 22023
\set VERBOSITY default

-- 'configure' marks this database as a server of a coordinator: its status says so (a second
-- coordinator refuses it), and compact() then runs only through the coordinator's call. In a
-- transaction rolled back: the compaction would delete other tests' rows.
BEGIN;
SELECT count(*) AS marked FROM reliability._coordinated;
INSERT INTO reliability._remote_calls (call) VALUES ('configure');
INSERT INTO reliability._remote_calls (call) VALUES ('configure');       -- again: still one mark
SELECT count(*) AS marked FROM reliability._coordinated;
INSERT INTO reliability._remote_calls (call) VALUES ('status') RETURNING result -> 'coordinated' AS coordinated;
SAVEPOINT marked;
SELECT reliability.compact((now() - interval '40 days')::date);         -- 55000
ROLLBACK TO marked;
SELECT reliability.distribute(ARRAY['regress_shard']);                  -- 55000: a server is no coordinator
ROLLBACK TO marked;
SELECT reliability.compacted_before() AS compacted_before;
INSERT INTO reliability._remote_calls (call, args) VALUES ('compact', jsonb_build_object('before', (now() - interval '40 days')::date))
RETURNING result::text::bigint >= 0 AS compacted;
SELECT reliability.compacted_before() = (now() - interval '40 days')::date AS compacted_through_the_call;
\set VERBOSITY sqlstate
INSERT INTO reliability._remote_calls (call, args) VALUES ('compact', '{}');  -- 22004
\set VERBOSITY default
ROLLBACK;
SELECT count(*) AS marked FROM reliability._coordinated;
\set VERBOSITY sqlstate

-- Neither distribute() nor the view is for PUBLIC.
CREATE ROLE regress_shard_user;
SET ROLE regress_shard_user;
SELECT reliability.distribute(ARRAY['regress_shard']);                  -- 42501
INSERT INTO reliability._remote_calls (call) VALUES ('status');         -- 42501
SELECT * FROM reliability.shard_mismatches();                          -- 42501
RESET ROLE;
\set VERBOSITY default
DROP ROLE regress_shard_user;
DROP SERVER regress_not_postgres;
DROP FOREIGN DATA WRAPPER regress_other_fdw;
DROP SERVER regress_shard;
DROP EXTENSION postgres_fdw;
