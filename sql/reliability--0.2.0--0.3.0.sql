-- reliability 0.2.0 -> 0.3.0 (ALTER EXTENSION reliability UPDATE TO '0.3.0')
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.3.0'" to load this file. \quit

-- Brings a 0.2.0 database to exactly the catalog of a fresh 0.3.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;

-- The cache engine (src/pg/cache_engine.cpp) replaces the PL/pgSQL path _apply -> _lock_cache ->
-- _write -> _recompute: one C trigger function for every data-table change, one for TRUNCATE,
-- and _update_cache for refresh(), rebuild() and a settings change. The triggers keep their
-- names and events; they only call the new functions.
DROP TRIGGER observations_inserted ON reliability.observations;
DROP TRIGGER observations_updated ON reliability.observations;
DROP TRIGGER observations_deleted ON reliability.observations;
DROP TRIGGER observations_truncated ON reliability.observations;
DROP TRIGGER interruptions_inserted ON reliability.interruptions;
DROP TRIGGER interruptions_updated ON reliability.interruptions;
DROP TRIGGER interruptions_deleted ON reliability.interruptions;
DROP TRIGGER interruptions_truncated ON reliability.interruptions;
DROP TRIGGER ratings_inserted ON reliability.ratings;
DROP TRIGGER ratings_updated ON reliability.ratings;
DROP TRIGGER ratings_deleted ON reliability.ratings;
DROP TRIGGER ratings_truncated ON reliability.ratings;
DROP FUNCTION reliability._observations_inserted();
DROP FUNCTION reliability._machine_data_changed();
DROP FUNCTION reliability._truncated();
DROP FUNCTION reliability._recompute_truncated(bigint[], text);
DROP FUNCTION reliability._apply(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, boolean, bigint[]);
DROP FUNCTION reliability._write(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, bigint[]);
DROP FUNCTION reliability._lock_cache(bigint[], boolean);
DROP FUNCTION reliability._recompute(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, bigint[]);
DROP FUNCTION reliability._hand_over(bigint[]);

CREATE FUNCTION reliability._update_cache(machine_ids bigint[], as_of timestamptz, in_full boolean,
                                          create_missing boolean)
RETURNS bigint AS 'MODULE_PATHNAME', 'reliability_update_cache' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._update_cache(bigint[], timestamptz, boolean, boolean) IS
    'Internal: moves the machines'' cached rows to max(as_of, computed_at) (in_full: reading every window again), creating missing ones if asked; returns the rows written.';

CREATE FUNCTION reliability._data_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_data_changed'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION reliability._data_changed() IS
    'Internal trigger: keeps the cached scores of the machines a statement on a data table changed exact.';

CREATE FUNCTION reliability._data_truncated() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_data_truncated'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION reliability._data_truncated() IS 'Internal trigger: recomputes every cached score after a TRUNCATE of a data table.';

CREATE OR REPLACE FUNCTION reliability._recompute_all() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM reliability._update_cache(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                                      pg_catalog.now(), true, false);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION reliability._scores_restore() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM reliability.scores s WHERE s.machine_id OPERATOR(pg_catalog.=) NEW.machine_id;
    RETURN NEW;
END
$$;

CREATE OR REPLACE FUNCTION reliability.refresh(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN reliability._update_cache(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                                     reliability._finite(as_of, 'as_of'::text), false, false);
END
$$;

CREATE OR REPLACE FUNCTION reliability.rebuild(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN reliability._update_cache(
        ARRAY(SELECT m.machine_id FROM reliability.machines m
               WHERE EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.observations o WHERE o.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.interruptions i WHERE i.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.ratings r WHERE r.machine_id = m.machine_id)
               ORDER BY 1),
        reliability._finite(as_of, 'as_of'::text), true, true);
END
$$;

CREATE TRIGGER observations_inserted AFTER INSERT ON reliability.observations
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER observations_updated AFTER UPDATE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER observations_deleted AFTER DELETE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER observations_truncated AFTER TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_truncated();

CREATE TRIGGER interruptions_inserted AFTER INSERT ON reliability.interruptions
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER interruptions_updated AFTER UPDATE ON reliability.interruptions
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER interruptions_deleted AFTER DELETE ON reliability.interruptions
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER interruptions_truncated AFTER TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_truncated();

CREATE TRIGGER ratings_inserted AFTER INSERT ON reliability.ratings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_updated AFTER UPDATE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_deleted AFTER DELETE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_truncated AFTER TRUNCATE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_truncated();

REVOKE ALL ON FUNCTION reliability._update_cache(bigint[], timestamptz, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._data_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._data_truncated() FROM PUBLIC;

-- Every poll rewrites each polled machine's cached row: with fillfactor 50 the new version
-- fits on its page, so the update is HOT when the score did not change. CLUSTER rewrites
-- the (one row per machine) table now, so existing pages get the room too; the clustered
-- mark is then removed, as a fresh install has none.
-- One index on score (ORDER BY score DESC NULLS LAST), not two: each update that changes a
-- score wrote an entry in both.
DROP INDEX reliability.scores_scored_idx;
ALTER TABLE reliability.scores SET (fillfactor = 50);
CLUSTER reliability.scores USING scores_pkey;
ALTER TABLE reliability.scores SET WITHOUT CLUSTER;
