-- Time partitions with pg_partman, and the maintenance jobs of a production broker, with
-- pg_cron (docs/PARTITIONING.md, README "Keeping scores current", "History and compaction").
-- Run as a superuser in the broker's database (here 'brokerdb'), once:
--   psql -v ON_ERROR_STOP=1 -d brokerdb -f examples/time_partitions.sql
-- It needs Debian's postgresql-15-partman and postgresql-15-cron, pg_cron preloaded
-- (shared_preload_libraries = 'pg_cron', cron.use_background_workers = on) and its
-- extension created in cron.database_name (postgres by default).

-- 1. Daily partitions in UTC, made a week ahead; the rows written so far stay in the DEFAULT
--    partitions until compact() passes them.
CREATE SCHEMA IF NOT EXISTS partman;
CREATE EXTENSION IF NOT EXISTS pg_partman SCHEMA partman;
SELECT reliability.partition_by_time('1 day', 7);

-- 2. The jobs (pg_cron runs them in brokerdb, as the role that schedules them):
--    pg_partman's maintenance, in UTC like the partitions, and without its retention;
--    refresh() every 5 minutes (slides the cached windows, materializes ended days);
--    compact() daily at a quiet hour, keeping 40 days of raw rows.
\connect postgres
SELECT cron.schedule_in_database('partman-maintenance', '7 * * * *',
       $$SET TimeZone = 'UTC'; SELECT partman.run_maintenance()$$, 'brokerdb');
SELECT cron.schedule_in_database('reliability-refresh', '*/5 * * * *',
       'SELECT reliability.refresh()', 'brokerdb');
SELECT cron.schedule_in_database('reliability-compact', '17 3 * * *',
       'SELECT reliability.compact(current_date - 40)', 'brokerdb');
