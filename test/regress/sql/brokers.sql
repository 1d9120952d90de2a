--
-- For brokers (SPEC §11): observe(), a whole poll cycle keyed by the provider's ids
-- (get-or-create, idempotent, all or nothing), and periods(), a machine's timeline.
--
SET client_min_messages = warning;
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
CREATE SCHEMA brokers_t;

CREATE FUNCTION brokers_t.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE FUNCTION brokers_t.id(ext text) RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT machine_id FROM reliability.machines WHERE provider = 'brk' AND external_id = ext $$;

-- What is stored: machines, observations, and cached rows that differ from score().
CREATE FUNCTION brokers_t.stored(OUT machines bigint, OUT observations bigint, OUT cached bigint, OUT mismatches bigint)
LANGUAGE sql AS $$
    SELECT (SELECT count(*) FROM reliability.machines),
           (SELECT count(*) FROM reliability.observations),
           (SELECT count(*) FROM reliability.scores),
           (SELECT count(*) FROM reliability.scores s
             WHERE to_jsonb(s) - 'machine_id' - 'computed_at' IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at)))
$$;

--
-- observe()
--
-- Two new machines; the third element repeats (m1, 00:00) and is skipped: the first wins.
SELECT reliability.observe(ARRAY['brk', 'brk', 'brk'], ARRAY['m1', 'm2', 'm1'],
                           ARRAY[timestamptz '2100-01-01 00:00', '2100-01-01 00:00', '2100-01-01 00:00'],
                           ARRAY[true, false, false]) AS inserted;
SELECT external_id, observed_at, online FROM reliability.observations JOIN reliability.machines USING (machine_id)
 ORDER BY 1, 2;
SELECT * FROM brokers_t.stored();
-- The same cycle again changes nothing; the next one inserts its rows.
SELECT reliability.observe(ARRAY['brk', 'brk'], ARRAY['m1', 'm2'],
                           ARRAY[timestamptz '2100-01-01 00:00', '2100-01-01 00:00'], ARRAY[true, false]) AS resent;
SELECT reliability.observe(ARRAY['brk', 'brk', 'brk'], ARRAY['m2', 'm1', 'm3'],
                           ARRAY[timestamptz '2100-01-01 00:05', '2100-01-01 00:05', '2100-01-01 00:05'],
                           ARRAY[true, true, true]) AS next_cycle;
SELECT reliability.observe('{}', '{}', '{}', '{}') AS empty_cycle;
SELECT * FROM brokers_t.stored();

-- Bad calls: the SQLSTATE, and nothing written (not even the new machine 'm9').
SELECT brokers_t.try($$SELECT reliability.observe(ARRAY['brk', 'brk'], ARRAY['m9'], ARRAY[timestamptz '2100-01-01 00:10'], ARRAY[true])$$);
SELECT brokers_t.try($$SELECT reliability.observe(ARRAY[['brk']], ARRAY[['m9']], ARRAY[[timestamptz '2100-01-01 00:10']], ARRAY[[true]])$$);
SELECT brokers_t.try($$SELECT reliability.observe(NULL, ARRAY['m9'], ARRAY[timestamptz '2100-01-01 00:10'], ARRAY[true])$$);
SELECT brokers_t.try($$SELECT reliability.observe(ARRAY['brk', 'brk'], ARRAY['m9', 'm1'], ARRAY[timestamptz '2100-01-01 00:10', '2100-01-01 00:10'], ARRAY[true, NULL])$$);
SELECT brokers_t.try($$SELECT reliability.observe(ARRAY['brk', NULL], ARRAY['m9', 'm1'], ARRAY[timestamptz '2100-01-01 00:10', '2100-01-01 00:10'], ARRAY[true, true])$$);
SELECT brokers_t.try($$SELECT reliability.observe(ARRAY['brk', 'brk'], ARRAY['m9', ''], ARRAY[timestamptz '2100-01-01 00:10', '2100-01-01 00:10'], ARRAY[true, true])$$);
SELECT brokers_t.try($$SELECT reliability.observe(ARRAY['brk', 'brk'], ARRAY['m9', 'm1'], ARRAY[timestamptz '2100-01-01 00:10', 'infinity'], ARRAY[true, true])$$);
SELECT * FROM brokers_t.stored();

-- Not for PUBLIC; a role granted EXECUTE and USAGE needs no table privilege.
CREATE ROLE brokers_monitor;
CREATE ROLE brokers_nobody;
GRANT USAGE ON SCHEMA reliability, brokers_t TO brokers_monitor, brokers_nobody;
GRANT EXECUTE ON FUNCTION brokers_t.try(text) TO brokers_monitor, brokers_nobody;
GRANT EXECUTE ON FUNCTION reliability.observe(text[], text[], timestamptz[], boolean[]) TO brokers_monitor;
SET ROLE brokers_nobody;
SELECT brokers_t.try($$SELECT reliability.observe(ARRAY['brk'], ARRAY['m1'], ARRAY[timestamptz '2100-01-01 00:10'], ARRAY[true])$$);
RESET ROLE;
SET ROLE brokers_monitor;
SELECT reliability.observe(ARRAY['brk', 'brk'], ARRAY['m1', 'm4'],
                           ARRAY[timestamptz '2100-01-01 00:10', '2100-01-01 00:10'], ARRAY[false, true]) AS as_monitor;
SELECT brokers_t.try($$INSERT INTO reliability.observations VALUES (1, '2100-01-01 00:11', true)$$);
RESET ROLE;
SELECT * FROM brokers_t.stored();

--
-- periods()
--
-- m1: on 00:00, on 00:05, off 00:10; a row 00:40 after a gap (max_gap 15 minutes).
INSERT INTO reliability.observations VALUES (brokers_t.id('m1'), '2100-01-01 00:40', true);
SELECT * FROM reliability.periods(brokers_t.id('m1'), '[2099-12-31 23:50, 2100-01-01 01:00)');
-- Bounds' inclusivity makes no difference; an unbounded side ends where the data does.
SELECT * FROM reliability.periods(brokers_t.id('m1'), '(2100-01-01 00:02, 2100-01-01 00:30]');
SELECT * FROM reliability.periods(brokers_t.id('m1'), '(,)');
SELECT * FROM reliability.periods(brokers_t.id('m1'), '[2100-01-01 00:07, infinity)');
-- The default window is the last score_window before now(): no row in it, all unknown.
SELECT state, ended_at - started_at AS length, ended_at = now() AS ends_now FROM reliability.periods(brokers_t.id('m1'));
-- No rows: an empty window, one starting at infinity, an unknown or NULL machine, a machine
-- without observations and an unbounded window.
SELECT count(*) FROM reliability.periods(brokers_t.id('m1'), 'empty');
SELECT count(*) FROM reliability.periods(brokers_t.id('m1'), '[infinity, infinity]');
SELECT count(*) FROM reliability.periods(-1, '(,)');
SELECT count(*) FROM reliability.periods(NULL, '(,)');
SELECT reliability.machine('brk', 'silent') IS NOT NULL AS silent;
SELECT count(*) FROM reliability.periods(brokers_t.id('silent'), '(,)');
SELECT * FROM reliability.periods(brokers_t.id('silent'), '[2100-01-01, 2100-01-02)');
-- With the caller's rights: it reads the tables (settings first) with the caller's privileges.
SET ROLE brokers_nobody;
SELECT brokers_t.try($$SELECT * FROM reliability.periods(1, '(,)')$$);
RESET ROLE;

DROP OWNED BY brokers_monitor, brokers_nobody;
DROP ROLE brokers_monitor;
DROP ROLE brokers_nobody;
DROP SCHEMA brokers_t CASCADE;
TRUNCATE reliability.machines CASCADE;
