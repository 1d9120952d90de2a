-- Compaction (SPEC §9): history takes over whole days, and raw rows that no result needs any
-- more are deleted.

-- The history of observations and interruptions is kept by these triggers besides the
-- cache's (a TRUNCATE: before, refused after a compaction; after, the history follows).
CREATE TRIGGER observations_truncate_history BEFORE TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._history_truncated();
CREATE TRIGGER observations_truncated_history AFTER TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._history_truncated();
CREATE TRIGGER interruptions_truncate_history BEFORE TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._history_truncated();
CREATE TRIGGER interruptions_truncated_history AFTER TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._history_truncated();

-- Holds every writer of a machine with data, as a settings change does (50_scores.sql): the
-- writers that may create cached rows finish first and new ones wait (the settings copy in
-- EXCLUSIVE mode), then every cached row is locked in machine order, the cache engine's
-- order. A writer that waits here reads the horizon only once it holds its machines, so it
-- sees the one this transaction commits. No table lock: a writer holding one data table
-- while it waits for another could deadlock with one.
CREATE FUNCTION reliability._history_lock_writers() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    LOCK TABLE reliability._settings_copy IN EXCLUSIVE MODE;
    PERFORM FROM reliability.scores s ORDER BY s.machine_id FOR UPDATE;
END
$$;
COMMENT ON FUNCTION reliability._history_lock_writers() IS
    'Internal: waits for and holds off every writer of a machine with data (refresh, compact, rebuild of history).';

-- Moves materialized_before to `before` (never back), holding the writers off while it
-- computes the new days; the days before were kept exact by the triggers. Returns the new
-- materialized_before.
CREATE FUNCTION reliability._history_advance(before date) RETURNS date
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    known date;
BEGIN
    SELECT r.materialized_before INTO known FROM reliability.retention r;
    IF known IS NOT NULL AND known >= before THEN
        RETURN known;
    END IF;
    PERFORM reliability._history_lock_writers();
    SELECT r.materialized_before INTO known FROM reliability.retention r FOR UPDATE;
    IF known IS NOT NULL AND known >= before THEN
        RETURN known;
    END IF;
    PERFORM reliability._history_materialize(known, before);
    UPDATE reliability.retention r SET materialized_before = before;
    RETURN before;
END
$$;
COMMENT ON FUNCTION reliability._history_advance(date) IS
    'Internal: materializes history up to before (exclusive), never moving back.';

CREATE FUNCTION reliability.compact(before date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st reliability.settings;
    latest date;
    horizon date;
    deleted_observations bigint;
    deleted_interruptions bigint;
BEGIN
    IF before IS NULL THEN
        RAISE EXCEPTION 'before must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF NOT pg_catalog.isfinite(before) THEN
        RAISE EXCEPTION 'before must be finite' USING ERRCODE = 'datetime_field_overflow';
    END IF;
    SELECT * INTO st FROM reliability.settings;
    latest := reliability._utc_day(reliability.sub_fixed(reliability.sub_fixed(pg_catalog.now(), st.score_window), st.max_gap));
    IF before > latest THEN
        RAISE EXCEPTION 'cannot compact before %: the cached scores still need those raw rows', before
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The latest allowed is ' || latest::text || ', the UTC day of now() - score_window - max_gap.';
    END IF;
    -- No writer while history takes over, one compaction at a time (the retention row);
    -- readers go on.
    PERFORM reliability._history_lock_writers();
    SELECT r.compacted_before INTO horizon FROM reliability.retention r FOR UPDATE;
    IF horizon IS NOT NULL AND horizon >= before THEN
        RETURN 0;
    END IF;
    PERFORM reliability._history_advance(before);
    -- The deleted rows change no cached score and no history day (both no longer read them),
    -- so the triggers do not run for them (replica role: the owner is a superuser).
    SET LOCAL session_replication_role = replica;
    DELETE FROM reliability.observations o
     WHERE o.observed_at < reliability.sub_fixed(reliability._day_start(before), st.max_gap);
    GET DIAGNOSTICS deleted_observations = ROW_COUNT;
    DELETE FROM reliability.interruptions i WHERE i.occurred_at < reliability._day_start(before);
    GET DIAGNOSTICS deleted_interruptions = ROW_COUNT;
    SET LOCAL session_replication_role = origin;
    UPDATE reliability.retention r SET compacted_before = before;
    RETURN deleted_observations + deleted_interruptions;
END
$$;
COMMENT ON FUNCTION reliability.compact(date) IS
    'Materializes the history of every day before before, then deletes observations before before - max_gap and interruptions before before; returns the rows deleted. Refuses (22023) a before later than the UTC day of now() - score_window - max_gap.';
