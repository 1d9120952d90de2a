--
-- What a poll writes to reliability.scores, read back from the WAL (pg_walinspect): each
-- polled machine's cached row is rewritten once, and the engine takes no row lock of its
-- own before that (issue 9: a lock is one more WAL record per polled machine). It reads the
-- rows without a lock and writes each over the version it read; a row another transaction
-- changed in between is recomputed under its lock (isolation spec unlocked_read_conflict).
-- It still locks first where that shortcut does not hold: in REPEATABLE READ, and when a
-- user's trigger watches the cache (it then writes with an SQL UPDATE).
--
-- Every cached row is checked against reliability.score(machine_id, computed_at) after each
-- poll. Data lives in 2100 (a 30-day window ending after now()).
--
SET client_min_messages = warning;
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
-- pg_walinspect reads only WAL already flushed: each commit here flushes its own, also on a
-- server that runs with synchronous_commit off (test/valgrind/run.sh).
SET synchronous_commit = on;
CREATE EXTENSION pg_walinspect;
CREATE SCHEMA wal_t;

INSERT INTO reliability.machines (machine_id, provider, external_id)
SELECT i, 'wal', 'm' || i FROM generate_series(1, 20) AS i;
-- Two days of history every 5 minutes: every machine has a cached row.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, timestamptz '2100-01-01 00:00+00' + k * interval '5 minutes', (m + k) % 7 <> 0
  FROM generate_series(1, 20) AS m, generate_series(0, 575) AS k;

-- Heap records on reliability.scores since `since`, by kind, and the cached rows that differ
-- from score() in any field.
CREATE FUNCTION wal_t.poll_records(since pg_lsn)
RETURNS TABLE (row_locks bigint, row_updates bigint, mismatches bigint)
LANGUAGE sql AS $$
    WITH scores_records AS (
        SELECT w.record_type FROM pg_get_wal_records_info_till_end_of_wal(since) AS w
         WHERE w.resource_manager = 'Heap'
           AND w.block_ref LIKE '%rel %/%/' || pg_relation_filenode('reliability.scores') || ' %')
    SELECT (SELECT count(*) FROM scores_records WHERE record_type LIKE 'LOCK%'),
           (SELECT count(*) FROM scores_records WHERE record_type LIKE '%UPDATE%'),
           (SELECT count(*) FROM reliability.scores s
             CROSS JOIN LATERAL reliability.score(s.machine_id, s.computed_at) AS x
             WHERE (s.score, s.tier, s.uptime, s.uptime_component, s.interruption_component, s.rating_component,
                    s.online_seconds, s.offline_seconds, s.covered_seconds, s.coverage, s.interruptions,
                    s.rating_count, s.rating_mean, s.last_observed_at, s.as_of)
                   IS DISTINCT FROM
                   (x.score, x.tier, x.uptime, x.uptime_component, x.interruption_component, x.rating_component,
                    x.online_seconds, x.offline_seconds, x.covered_seconds, x.coverage, x.interruptions,
                    x.rating_count, x.rating_mean, x.last_observed_at, x.as_of))
$$;

-- A poll cycle in READ COMMITTED: 20 rewrites of cached rows, no row lock on the cache.
SELECT pg_current_wal_insert_lsn() AS l0 \gset
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, timestamptz '2100-01-03 00:00+00', m % 3 <> 0 FROM generate_series(1, 20) AS m;
SELECT * FROM wal_t.poll_records(:'l0');

-- One machine's row, a second time in the same transaction: still no lock record.
BEGIN;
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES (5, '2100-01-03 00:05+00', true);
SELECT pg_current_wal_insert_lsn() AS l1 \gset
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES (5, '2100-01-03 00:10+00', false);
COMMIT;
SELECT * FROM wal_t.poll_records(:'l1');

-- REPEATABLE READ: a row changed since the transaction's snapshot cannot be recomputed in
-- it, so the engine locks first (and a changed row fails with 40001, as an UPDATE would).
SELECT pg_current_wal_insert_lsn() AS l2 \gset
BEGIN ISOLATION LEVEL REPEATABLE READ;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, timestamptz '2100-01-03 00:15+00', true FROM generate_series(1, 20) AS m;
COMMIT;
SELECT * FROM wal_t.poll_records(:'l2');

-- A user's trigger on the cache: the engine writes with an SQL UPDATE, which fires it, over
-- rows it locked first.
CREATE TABLE wal_t.seen (machine_id bigint);
CREATE FUNCTION wal_t.note() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO wal_t.seen VALUES (NEW.machine_id);
    RETURN NEW;
END $$;
CREATE TRIGGER note AFTER UPDATE ON reliability.scores FOR EACH ROW EXECUTE FUNCTION wal_t.note();
SELECT pg_current_wal_insert_lsn() AS l3 \gset
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, timestamptz '2100-01-03 00:20+00', true FROM generate_series(1, 20) AS m;
SELECT * FROM wal_t.poll_records(:'l3');
SELECT count(*) AS trigger_saw FROM wal_t.seen;
DROP TRIGGER note ON reliability.scores;

-- Without it, back to no lock.
SELECT pg_current_wal_insert_lsn() AS l4 \gset
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, timestamptz '2100-01-03 00:25+00', m % 2 = 0 FROM generate_series(1, 20) AS m;
SELECT * FROM wal_t.poll_records(:'l4');

DROP SCHEMA wal_t CASCADE;
DROP EXTENSION pg_walinspect;
TRUNCATE reliability.machines CASCADE;
