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
-- sees the one this transaction commits. First the data tables in ACCESS SHARE mode, as the
-- cache engine does: a TRUNCATE (ACCESS EXCLUSIVE, then every cached row) is then waited for
-- before any row is held (isolation history_vs_truncate). No stronger table lock: a writer
-- holding one data table while it waits for another could deadlock with one.
CREATE FUNCTION reliability._history_lock_writers() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    LOCK TABLE ONLY reliability.observations, reliability.interruptions, reliability.ratings IN ACCESS SHARE MODE;
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

-- Time partitions (30_tables.sql): the range partitions of a parent with their bounds
-- (MINVALUE and MAXVALUE as -infinity and infinity); the DEFAULT partition is not one.
CREATE FUNCTION reliability._time_partitions(parent regclass)
RETURNS TABLE (partition regclass, lower_bound timestamptz, upper_bound timestamptz)
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT c.oid::pg_catalog.regclass,
           CASE WHEN m[1] OPERATOR(pg_catalog.=) 'MINVALUE' THEN '-infinity'::pg_catalog.timestamptz
                ELSE pg_catalog.btrim(m[1], '''')::pg_catalog.timestamptz END,
           CASE WHEN m[2] OPERATOR(pg_catalog.=) 'MAXVALUE' THEN 'infinity'::pg_catalog.timestamptz
                ELSE pg_catalog.btrim(m[2], '''')::pg_catalog.timestamptz END
      FROM pg_catalog.pg_inherits i
      JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) i.inhrelid
     CROSS JOIN LATERAL pg_catalog.regexp_match(pg_catalog.pg_get_expr(c.relpartbound, c.oid),
                                                '^FOR VALUES FROM \((.*)\) TO \((.*)\)$') AS m
     WHERE i.inhparent OPERATOR(pg_catalog.=) _time_partitions.parent AND m IS NOT NULL
     ORDER BY 2;
END;
COMMENT ON FUNCTION reliability._time_partitions(regclass) IS
    'Internal: the time partitions of observations or interruptions with their bounds.';

-- Deletes the rows of a partitioned table before cutoff and returns how many: a partition
-- that ends by cutoff is dropped whole; one that cutoff splits with more of its range before
-- it is emptied with TRUNCATE and given back the rows it keeps (few: at most max_gap of a
-- day, found machine by machine through the index); what is left (the DEFAULT partition, the
-- rest) is deleted row by row. A partition of whole UTC days from counted_from on (days no
-- compaction touched, all materialized) is counted from history's count_column without
-- reading it; any other is counted. The caller holds the table in ACCESS EXCLUSIVE mode when
-- it has time partitions.
CREATE FUNCTION reliability._compact_rows(parent regclass, time_column name, cutoff timestamptz,
                                          counted_from timestamptz, count_column name) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    p record;
    n bigint;
    kept bigint;
    deleted bigint := 0;
BEGIN
    FOR p IN SELECT t.partition, t.lower_bound, t.upper_bound,
                    t.lower_bound OPERATOR(pg_catalog.>=) counted_from
                    AND t.lower_bound OPERATOR(pg_catalog.=) reliability._day_start(reliability._utc_day(t.lower_bound))
                    AND t.upper_bound OPERATOR(pg_catalog.=) reliability._day_start(reliability._utc_day(t.upper_bound)) AS whole_days
               FROM reliability._time_partitions(parent) t
              WHERE t.lower_bound OPERATOR(pg_catalog.<) cutoff LOOP
        IF p.upper_bound OPERATOR(pg_catalog.>) cutoff
           AND NOT (p.lower_bound OPERATOR(pg_catalog.>) '-infinity'::pg_catalog.timestamptz
                    AND p.upper_bound OPERATOR(pg_catalog.<) 'infinity'::pg_catalog.timestamptz
                    AND (cutoff OPERATOR(pg_catalog.-) p.lower_bound) OPERATOR(pg_catalog.>) (p.upper_bound OPERATOR(pg_catalog.-) cutoff)
                    AND (SELECT c.relkind FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) p.partition) OPERATOR(pg_catalog.=) 'r') THEN
            CONTINUE;   -- mostly after the cutoff: its rows before it are deleted below
        END IF;
        IF p.whole_days THEN
            EXECUTE pg_catalog.format('SELECT COALESCE(pg_catalog.sum(h.%I), 0)::pg_catalog.int8 FROM reliability.history h
                                        WHERE h.day OPERATOR(pg_catalog.>=) reliability._utc_day($1)
                                          AND h.day OPERATOR(pg_catalog.<) reliability._utc_day($2)', count_column)
                INTO n USING p.lower_bound, p.upper_bound;
        ELSE
            EXECUTE pg_catalog.format('SELECT pg_catalog.count(*) FROM %s', p.partition) INTO n;
        END IF;
        IF p.upper_bound OPERATOR(pg_catalog.<=) cutoff THEN
            EXECUTE pg_catalog.format('DROP TABLE %s', p.partition);
            deleted := deleted OPERATOR(pg_catalog.+) n;
        ELSE
            EXECUTE pg_catalog.format('CREATE TEMPORARY TABLE reliability_compact_kept ON COMMIT DROP AS
                                       SELECT x.* FROM reliability.machines m
                                        CROSS JOIN LATERAL (SELECT * FROM %s r WHERE r.machine_id OPERATOR(pg_catalog.=) m.machine_id
                                                               AND r.%I OPERATOR(pg_catalog.>=) $1) x',
                                      p.partition, time_column) USING cutoff;
            GET DIAGNOSTICS kept = ROW_COUNT;
            EXECUTE pg_catalog.format('TRUNCATE %s', p.partition);
            EXECUTE pg_catalog.format('INSERT INTO %s SELECT * FROM pg_temp.reliability_compact_kept', p.partition);
            DROP TABLE pg_temp.reliability_compact_kept;
            deleted := deleted OPERATOR(pg_catalog.+) (n OPERATOR(pg_catalog.-) kept);
        END IF;
    END LOOP;
    EXECUTE pg_catalog.format('DELETE FROM %s WHERE %I OPERATOR(pg_catalog.<) $1', parent, time_column) USING cutoff;
    GET DIAGNOSTICS n = ROW_COUNT;
    RETURN deleted OPERATOR(pg_catalog.+) n;
END
$$;
COMMENT ON FUNCTION reliability._compact_rows(regclass, name, timestamptz, timestamptz, name) IS
    'Internal: deletes the rows before cutoff of observations or interruptions (dropping whole time partitions), returns how many.';

-- Dropping or emptying a partition needs the whole table in ACCESS EXCLUSIVE mode. Taken
-- first, before any lock a writer may wait for, with a short lock_timeout and retries: a
-- writer of both tables that holds one and waits for the other gets it, and new writers
-- queue behind this one meanwhile.
CREATE FUNCTION reliability._lock_time_partitioned() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    saved text := pg_catalog.current_setting('lock_timeout');
BEGIN
    LOOP
        BEGIN
            PERFORM pg_catalog.set_config('lock_timeout', '100ms', true);
            LOCK TABLE reliability.observations, reliability.interruptions IN ACCESS EXCLUSIVE MODE;
            PERFORM pg_catalog.set_config('lock_timeout', saved, true);
            RETURN;
        EXCEPTION WHEN lock_not_available THEN
            PERFORM pg_catalog.pg_sleep(0.05 OPERATOR(pg_catalog.+) (0.1 OPERATOR(pg_catalog.*) pg_catalog.random()));
        END;
    END LOOP;
END
$$;
COMMENT ON FUNCTION reliability._lock_time_partitioned() IS
    'Internal: locks observations and interruptions in ACCESS EXCLUSIVE mode without deadlocking with a writer of both.';

-- compact() on this database alone (on a server of a coordinator: the coordinator's call).
CREATE FUNCTION reliability._compact_here(before date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    st reliability.settings;
    latest date;
    horizon date;
    obs_cutoff timestamptz;
    int_cutoff timestamptz;
    counted_from timestamptz;
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
    IF reliability.compacted_before() >= before THEN
        RETURN 0;   -- done before (checked again under the locks below)
    END IF;
    obs_cutoff := reliability.sub_fixed(reliability._day_start(before), st.max_gap);
    int_cutoff := reliability._day_start(before);
    -- Time partitions to drop or empty: the tables are locked first (readers wait too).
    IF EXISTS (SELECT FROM reliability._time_partitions('reliability.observations') t
                WHERE t.lower_bound OPERATOR(pg_catalog.<) obs_cutoff)
       OR EXISTS (SELECT FROM reliability._time_partitions('reliability.interruptions') t
                   WHERE t.lower_bound OPERATOR(pg_catalog.<) int_cutoff) THEN
        PERFORM reliability._lock_time_partitioned();
    END IF;
    -- No writer while history takes over, one compaction at a time (the retention row);
    -- readers go on (unless time partitions are dropped).
    PERFORM reliability._history_lock_writers();
    SELECT r.compacted_before INTO horizon FROM reliability.retention r FOR UPDATE;
    IF horizon IS NOT NULL AND horizon >= before THEN
        RETURN 0;
    END IF;
    PERFORM reliability._history_advance(before);
    -- The deleted rows change no cached score and no history day (both no longer read them),
    -- so the triggers do not run for them (replica role: the owner is a superuser).
    SET LOCAL session_replication_role = replica;
    counted_from := COALESCE(reliability._day_start(horizon), '-infinity');
    deleted_observations := reliability._compact_rows('reliability.observations', 'observed_at', obs_cutoff, counted_from, 'observations');
    deleted_interruptions := reliability._compact_rows('reliability.interruptions', 'occurred_at', int_cutoff, counted_from, 'interruptions');
    SET LOCAL session_replication_role = origin;
    UPDATE reliability.retention r SET compacted_before = before;
    RETURN deleted_observations + deleted_interruptions;
END
$$;
COMMENT ON FUNCTION reliability._compact_here(date) IS
    'Internal: compact() on this database''s own rows.';

CREATE FUNCTION reliability.compact(before date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server compacts (and checks) its rows
        RETURN reliability._on_every_shard('compact', pg_catalog.jsonb_build_object('before', before));
    END IF;
    IF EXISTS (SELECT FROM reliability._coordinated) THEN
        RAISE EXCEPTION 'compact: this database is a server of a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'The coordinator''s readers must learn the new compaction horizon, or they would read raw rows that are gone.',
            HINT = 'Run reliability.compact() on the coordinator: it compacts every server.';
    END IF;
    RETURN reliability._compact_here(before);
END
$$;
COMMENT ON FUNCTION reliability.compact(date) IS
    'Materializes the history of every day before before, then deletes observations before before - max_gap and interruptions before before; returns the rows deleted. Refuses (22023) a before later than the UTC day of now() - score_window - max_gap.';
