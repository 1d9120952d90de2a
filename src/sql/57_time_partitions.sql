-- Time partitions with pg_partman (docs/PARTITIONING.md). observations and interruptions are
-- partitioned by time with only their DEFAULT partitions (30_tables.sql); this hands them to
-- pg_partman, which then creates a partition per interval ahead of time (run_maintenance), and
-- compact() drops whole partitions. pg_partman 4 makes its own DEFAULT partition: the
-- extension's is kept instead (it is the one pg_dump dumps and CREATE EXTENSION recreates),
-- so pg_partman's is dropped and the extension's attached back. The rows already written stay
-- in the DEFAULT partition (compact() deletes them in time); the first time partition starts
-- at the next interval boundary in UTC, so history days and partitions share their bounds.
CREATE FUNCTION reliability.partition_by_time(partition_interval interval DEFAULT '1 day', premake integer DEFAULT 7)
RETURNS SETOF regclass
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    partman name;
    t text;
    time_column text;
    first_start timestamptz;
    upper_end timestamptz;
    configured boolean;
BEGIN
    IF partition_interval IS NULL OR premake IS NULL THEN
        RAISE EXCEPTION 'partition_interval and premake must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF partition_interval OPERATOR(pg_catalog.<>) '1 day'::pg_catalog.interval
       AND partition_interval OPERATOR(pg_catalog.<>) '1 hour'::pg_catalog.interval THEN
        RAISE EXCEPTION 'partition_interval must be 1 day or 1 hour'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'History is kept per UTC day; a time partition must lie inside one.';
    END IF;
    IF premake OPERATOR(pg_catalog.<) 1 THEN
        RAISE EXCEPTION 'premake must be at least 1' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF reliability._distributed() THEN
        RAISE EXCEPTION 'partition_by_time() runs on each server of a coordinator, not on the coordinator'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'The coordinator''s tables are partitioned by machine; each server partitions its own by time.';
    END IF;
    SELECT n.nspname INTO partman
      FROM pg_catalog.pg_extension e JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
     WHERE e.extname OPERATOR(pg_catalog.=) 'pg_partman';
    IF partman IS NULL THEN
        RAISE EXCEPTION 'pg_partman is not installed in this database'
            USING ERRCODE = 'undefined_object', HINT = 'CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;';
    END IF;
    -- Partition bounds in UTC, whatever the session's time zone.
    PERFORM pg_catalog.set_config('TimeZone', 'UTC', true);
    PERFORM reliability._lock_time_partitioned();
    FOREACH t IN ARRAY ARRAY['observations', 'interruptions'] LOOP
        time_column := CASE t WHEN 'observations' THEN 'observed_at' ELSE 'occurred_at' END;
        IF EXISTS (SELECT FROM reliability._time_partitions(pg_catalog.format('reliability.%I', t)::pg_catalog.regclass)) THEN
            RAISE EXCEPTION 'reliability.% already has time partitions', t USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        -- DROP EXTENSION reliability leaves pg_partman's configuration of the dropped tables.
        EXECUTE pg_catalog.format('SELECT EXISTS (SELECT FROM %I.part_config c WHERE c.parent_table OPERATOR(pg_catalog.=) $1)', partman)
            INTO configured USING 'reliability.' || t;
        IF configured THEN
            RAISE EXCEPTION 'pg_partman already has a configuration for reliability.%', t
                USING ERRCODE = 'object_not_in_prerequisite_state',
                      DETAIL = 'It is left from an earlier install of the extension (DROP EXTENSION does not remove it).',
                      HINT = pg_catalog.format('DELETE FROM %I.part_config WHERE parent_table IN (''reliability.observations'', ''reliability.interruptions'');', partman);
        END IF;
        first_start := pg_catalog.date_trunc(CASE WHEN partition_interval OPERATOR(pg_catalog.=) '1 day'::pg_catalog.interval
                                                  THEN 'day' ELSE 'hour' END, pg_catalog.now())
                       OPERATOR(pg_catalog.+) partition_interval;
        EXECUTE pg_catalog.format('ALTER TABLE reliability.%I DETACH PARTITION reliability.%I', t, t || '_default');
        EXECUTE pg_catalog.format('ALTER TABLE reliability.%I RENAME TO %I', t || '_default', t || '_default_kept');
        EXECUTE pg_catalog.format('SELECT %I.create_parent(p_parent_table => %L, p_control => %L, p_type => %L, p_interval => %L, p_premake => %s, p_start_partition => %L)',
                                  partman, 'reliability.' || t, time_column, 'native',
                                  CASE WHEN partition_interval OPERATOR(pg_catalog.=) '1 day'::pg_catalog.interval THEN 'daily' ELSE 'hourly' END,
                                  premake, first_start::text);
        EXECUTE pg_catalog.format('UPDATE %I.part_config SET infinite_time_partitions = true WHERE parent_table = %L', partman, 'reliability.' || t);
        EXECUTE pg_catalog.format('DROP TABLE reliability.%I', t || '_default');
        EXECUTE pg_catalog.format('ALTER TABLE reliability.%I RENAME TO %I', t || '_default_kept', t || '_default');
        -- Rows already written for the new partitions' times (clocks ahead) move into them.
        SELECT pg_catalog.max(p.upper_bound) INTO upper_end
          FROM reliability._time_partitions(pg_catalog.format('reliability.%I', t)::pg_catalog.regclass) p;
        PERFORM pg_catalog.set_config('session_replication_role', 'replica', true);
        EXECUTE pg_catalog.format('WITH moved AS (DELETE FROM reliability.%I WHERE %I OPERATOR(pg_catalog.>=) $1 AND %I OPERATOR(pg_catalog.<) $2 RETURNING *) '
                                  'INSERT INTO reliability.%I SELECT * FROM moved', t || '_default', time_column, time_column, t)
            USING first_start, upper_end;
        PERFORM pg_catalog.set_config('session_replication_role', 'origin', true);
        EXECUTE pg_catalog.format('ALTER TABLE reliability.%I ATTACH PARTITION reliability.%I DEFAULT', t, t || '_default');
    END LOOP;
    RETURN QUERY SELECT p.partition FROM reliability._time_partitions('reliability.observations') p
                 UNION ALL SELECT p.partition FROM reliability._time_partitions('reliability.interruptions') p;
END
$$;
COMMENT ON FUNCTION reliability.partition_by_time(interval, integer) IS
    'Hands observations and interruptions to pg_partman: time partitions of 1 day (or 1 hour) in UTC from the next boundary on, premake ahead; returns the partitions made.';
