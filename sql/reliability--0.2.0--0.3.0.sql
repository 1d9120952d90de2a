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

-- Uptime summaries (SPEC §8), as in src/sql/25_summaries.sql and its REVOKEs in 90_privileges.sql.
-- Uptime summaries (SPEC §8): the type reliability.uptime_summary, the aggregates summarize
-- (the uptime aggregates' state and support functions, a final function of its own) and
-- rollup, and the accessors availability(), uptime() and during().

CREATE TYPE reliability.uptime_summary;
CREATE FUNCTION reliability._uptime_summary_in(cstring)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_uptime_summary_in'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_summary_out(reliability.uptime_summary)
RETURNS cstring AS 'MODULE_PATHNAME', 'reliability_uptime_summary_out'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_summary_recv(internal)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_uptime_summary_recv'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_summary_send(reliability.uptime_summary)
RETURNS bytea AS 'MODULE_PATHNAME', 'reliability_uptime_summary_send'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE TYPE reliability.uptime_summary (
    INPUT = reliability._uptime_summary_in, OUTPUT = reliability._uptime_summary_out,
    RECEIVE = reliability._uptime_summary_recv, SEND = reliability._uptime_summary_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = int4, STORAGE = extended
);
COMMENT ON TYPE reliability.uptime_summary IS
    'What SPEC §2 knows of one machine''s observations over one window, in constant size: summaries of adjacent windows combine exactly (reliability.rollup). Text form (v1,lower,upper,max_gap,...) in microseconds since 2000-01-01 00:00 UTC.';
COMMENT ON FUNCTION reliability._uptime_summary_in(cstring) IS 'Internal: text input of reliability.uptime_summary.';
COMMENT ON FUNCTION reliability._uptime_summary_out(reliability.uptime_summary) IS 'Internal: text output of reliability.uptime_summary.';
COMMENT ON FUNCTION reliability._uptime_summary_recv(internal) IS 'Internal: binary input of reliability.uptime_summary.';
COMMENT ON FUNCTION reliability._uptime_summary_send(reliability.uptime_summary) IS 'Internal: binary output of reliability.uptime_summary.';

-- summarize: the state of the uptime aggregates (20_availability.sql). The final function
-- reads max_gap from reliability.settings when no max_gap was given, hence STABLE.
CREATE FUNCTION reliability._summarize_final(internal)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_summarize_final'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._summarize_final(internal) IS 'Internal: final function of reliability.summarize.';

CREATE AGGREGATE reliability.summarize(observed_at timestamptz, online boolean, during tstzrange) (
    SFUNC = reliability._uptime_trans, STYPE = internal,
    FINALFUNC = reliability._summarize_final,
    COMBINEFUNC = reliability._uptime_combine,
    SERIALFUNC = reliability._uptime_serialize, DESERIALFUNC = reliability._uptime_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE reliability.summarize(observed_at timestamptz, online boolean, during tstzrange, max_gap interval) (
    SFUNC = reliability._uptime_trans, STYPE = internal,
    FINALFUNC = reliability._summarize_final,
    COMBINEFUNC = reliability._uptime_combine,
    SERIALFUNC = reliability._uptime_serialize, DESERIALFUNC = reliability._uptime_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reliability.summarize(timestamptz, boolean, tstzrange) IS
    'The uptime summary of the observations over the window during (two finite bounds, lower < upper); max_gap from reliability.settings.';
COMMENT ON AGGREGATE reliability.summarize(timestamptz, boolean, tstzrange, interval) IS
    'The uptime summary of the observations over the window during (two finite bounds, lower < upper), each observation covering at most max_gap.';

-- rollup: its state is the sorted list of the disjoint ranges seen so far, each combined.
CREATE FUNCTION reliability._rollup_trans(internal, reliability.uptime_summary)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_rollup_trans'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._rollup_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_rollup_combine'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._rollup_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'reliability_rollup_serialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._rollup_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_rollup_deserialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._rollup_final(internal)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_rollup_final'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._rollup_trans(internal, reliability.uptime_summary) IS 'Internal: transition function of reliability.rollup.';
COMMENT ON FUNCTION reliability._rollup_combine(internal, internal) IS 'Internal: merges two partial rollup states (parallel aggregation).';
COMMENT ON FUNCTION reliability._rollup_serialize(internal) IS 'Internal: serializes a rollup state for a parallel worker.';
COMMENT ON FUNCTION reliability._rollup_deserialize(bytea, internal) IS 'Internal: reads a serialized rollup state.';
COMMENT ON FUNCTION reliability._rollup_final(internal) IS 'Internal: final function of reliability.rollup.';

CREATE AGGREGATE reliability.rollup(summary reliability.uptime_summary) (
    SFUNC = reliability._rollup_trans, STYPE = internal,
    FINALFUNC = reliability._rollup_final,
    COMBINEFUNC = reliability._rollup_combine,
    SERIALFUNC = reliability._rollup_serialize, DESERIALFUNC = reliability._rollup_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reliability.rollup(reliability.uptime_summary) IS
    'The summary of the range that the summaries'' windows tile, in any order (one max_gap; overlap or a hole is an error).';

CREATE FUNCTION reliability.availability(summary reliability.uptime_summary)
RETURNS reliability.availability AS 'MODULE_PATHNAME', 'reliability_availability'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability.uptime(summary reliability.uptime_summary)
RETURNS double precision AS 'MODULE_PATHNAME', 'reliability_uptime'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability.during(summary reliability.uptime_summary)
RETURNS tstzrange AS 'MODULE_PATHNAME', 'reliability_during'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability.availability(reliability.uptime_summary) IS
    'Online, offline and unknown time, coverage, runs, outages, MTTR and MTBF of the summary''s window: what the availability aggregate gives over the same rows.';
COMMENT ON FUNCTION reliability.uptime(reliability.uptime_summary) IS
    'Fraction of covered time online in the summary''s window (NULL when nothing is covered).';
COMMENT ON FUNCTION reliability.during(reliability.uptime_summary) IS 'The summary''s window, [lower, upper).';

-- The summaries' type I/O and aggregate support functions (25_summaries.sql): a type's I/O
-- functions and an aggregate's support functions run whatever their ACL says.
REVOKE ALL ON FUNCTION reliability._uptime_summary_in(cstring) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_out(reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_recv(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_send(reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._summarize_final(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_trans(internal, reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_combine(internal, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_serialize(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_deserialize(bytea, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_final(internal) FROM PUBLIC;
