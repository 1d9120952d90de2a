-- reliability 0.9.0 -> 0.10.0 (ALTER EXTENSION reliability UPDATE TO '0.10.0')
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.10.0'" to load this file. \quit

-- Brings a 0.9.0 database to exactly the catalog of a fresh 0.10.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;
