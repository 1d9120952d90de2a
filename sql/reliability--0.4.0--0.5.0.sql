-- reliability 0.4.0 -> 0.5.0 (ALTER EXTENSION reliability UPDATE TO '0.5.0')
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.5.0'" to load this file. \quit

-- Brings a 0.4.0 database to exactly the catalog of a fresh 0.5.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;

-- Time partitions (issue 10): observations and interruptions become range-partitioned by time
-- (src/sql/30_tables.sql). The existing tables, with their rows, indexes and constraints,
-- become the DEFAULT partitions of new parents: renamed and attached, no row is moved or
-- rewritten, so the update costs the same on any size of table. The statement triggers move
-- to the parents; the functions and the view that name the tables are bound to the parents
-- again; the roles' privileges move to the parents, which are what they write.
DROP TRIGGER observations_statement_begins ON reliability.observations;
DROP TRIGGER interruptions_statement_begins ON reliability.interruptions;
DROP TRIGGER observations_inserted ON reliability.observations;
DROP TRIGGER observations_updated ON reliability.observations;
DROP TRIGGER observations_deleted ON reliability.observations;
DROP TRIGGER observations_truncated ON reliability.observations;
DROP TRIGGER interruptions_inserted ON reliability.interruptions;
DROP TRIGGER interruptions_updated ON reliability.interruptions;
DROP TRIGGER interruptions_deleted ON reliability.interruptions;
DROP TRIGGER interruptions_truncated ON reliability.interruptions;
DROP TRIGGER observations_truncate_history ON reliability.observations;
DROP TRIGGER observations_truncated_history ON reliability.observations;
DROP TRIGGER interruptions_truncate_history ON reliability.interruptions;
DROP TRIGGER interruptions_truncated_history ON reliability.interruptions;

ALTER TABLE reliability.observations RENAME TO observations_default;
ALTER INDEX reliability.observations_pkey RENAME TO observations_default_pkey;
ALTER TABLE reliability.interruptions RENAME TO interruptions_default;
ALTER INDEX reliability.interruptions_machine_occurred_idx RENAME TO interruptions_default_machine_occurred_idx;

CREATE TABLE reliability.observations (
    machine_id  bigint NOT NULL CONSTRAINT observations_machine_id_fkey
                    REFERENCES reliability.machines ON DELETE CASCADE,
    observed_at timestamptz NOT NULL CONSTRAINT observations_observed_at_finite CHECK (pg_catalog.isfinite(observed_at)),
    online      boolean NOT NULL,
    -- INCLUDE (online): window reads are index-only scans once the heap is all-visible.
    CONSTRAINT observations_pkey PRIMARY KEY (machine_id, observed_at) INCLUDE (online)
) PARTITION BY RANGE (observed_at);
COMMENT ON TABLE reliability.observations IS
    'Monitor observations: machine online or not at observed_at. Each speaks for at most settings.max_gap.';

ALTER TABLE reliability.observations ATTACH PARTITION reliability.observations_default DEFAULT;
COMMENT ON TABLE reliability.observations_default IS
    'The DEFAULT partition of observations: every row outside the time partitions. Write through reliability.observations.';

CREATE TABLE reliability.interruptions (
    machine_id  bigint NOT NULL CONSTRAINT interruptions_machine_id_fkey
                    REFERENCES reliability.machines ON DELETE CASCADE,
    occurred_at timestamptz NOT NULL CONSTRAINT interruptions_occurred_at_finite CHECK (pg_catalog.isfinite(occurred_at)),
    instance_id text,
    reason      text
) PARTITION BY RANGE (occurred_at);
COMMENT ON TABLE reliability.interruptions IS 'An instance on the machine stopped unexpectedly at occurred_at.';

ALTER TABLE reliability.interruptions ATTACH PARTITION reliability.interruptions_default DEFAULT;
CREATE INDEX interruptions_machine_occurred_idx ON reliability.interruptions (machine_id, occurred_at);
COMMENT ON TABLE reliability.interruptions_default IS
    'The DEFAULT partition of interruptions: every row outside the time partitions. Write through reliability.interruptions.';

CREATE TRIGGER observations_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER interruptions_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
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
CREATE TRIGGER observations_truncate_history BEFORE TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._history_truncated();
CREATE TRIGGER observations_truncated_history AFTER TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._history_truncated();
CREATE TRIGGER interruptions_truncate_history BEFORE TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._history_truncated();
CREATE TRIGGER interruptions_truncated_history AFTER TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._history_truncated();

SELECT pg_catalog.pg_extension_config_dump('reliability.observations', '');
SELECT pg_catalog.pg_extension_config_dump('reliability.interruptions', '');

-- The parents belong to the owner of the tables they replace, and the privileges granted on
-- the tables move to the parents (the DEFAULT partitions keep only their owner's, as in a
-- fresh install). Granted here they would count as the extension's initial privileges, which
-- pg_dump never dumps: the parents' initial privileges are set back to the fresh install's.
REVOKE ALL ON reliability.observations, reliability.interruptions FROM PUBLIC;
DO $move$
DECLARE
    t text;
    a record;
BEGIN
    FOREACH t IN ARRAY ARRAY['observations', 'interruptions'] LOOP
        EXECUTE pg_catalog.format('ALTER TABLE reliability.%I OWNER TO %I', t,
            (SELECT pg_catalog.pg_get_userbyid(c.relowner) FROM pg_catalog.pg_class c
              WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.format('reliability.%I_default', t)::pg_catalog.regclass));
        FOR a IN SELECT x.grantee, x.privilege_type, x.is_grantable
                   FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) x
                  WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.format('reliability.%I_default', t)::pg_catalog.regclass
                    AND x.grantee OPERATOR(pg_catalog.<>) c.relowner LOOP
            EXECUTE pg_catalog.format('GRANT %s ON reliability.%I TO %s%s', a.privilege_type, t,
                CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END,
                CASE WHEN a.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END);
            EXECUTE pg_catalog.format('REVOKE %s ON reliability.%I_default FROM %s CASCADE', a.privilege_type, t,
                CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0 THEN 'PUBLIC' ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(a.grantee)) END);
        END LOOP;
        UPDATE pg_catalog.pg_init_privs p
           SET initprivs = (SELECT d.initprivs FROM pg_catalog.pg_init_privs d
                             WHERE d.objoid OPERATOR(pg_catalog.=) pg_catalog.format('reliability.%I_default', t)::pg_catalog.regclass
                               AND d.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                               AND d.objsubid OPERATOR(pg_catalog.=) 0)
         WHERE p.objoid OPERATOR(pg_catalog.=) pg_catalog.format('reliability.%I', t)::pg_catalog.regclass
           AND p.classoid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
           AND p.objsubid OPERATOR(pg_catalog.=) 0;
    END LOOP;
END
$move$;

-- History counts each day's observations (src/sql/45_history.sql), so that compact() counts a
-- whole day's time partition without reading it. Existing rows get the rows the table holds
-- for their day (one index range each); for days before compacted_before() that is what
-- compaction left, and compact() never counts those days from history.
ALTER TABLE reliability.history ADD COLUMN observations bigint;
UPDATE reliability.history h
   SET observations = (SELECT pg_catalog.count(*) FROM reliability.observations o
                        WHERE o.machine_id OPERATOR(pg_catalog.=) h.machine_id
                          AND o.observed_at OPERATOR(pg_catalog.>=) reliability._day_start(h.day)
                          AND o.observed_at OPERATOR(pg_catalog.<) reliability._day_start(h.day OPERATOR(pg_catalog.+) 1));
ALTER TABLE reliability.history ALTER COLUMN observations SET NOT NULL,
    ADD CONSTRAINT history_observations_not_negative CHECK (observations OPERATOR(pg_catalog.>=) 0);
COMMENT ON TABLE reliability.history IS
    'Per machine and UTC day: summarize() of its observations over [day, day + 1) with settings.max_gap, the count of its interruptions that day, its last observation and its number of observations. Written by refresh(), compact() and the data triggers.';

-- Bound to the parents again (a BEGIN ATOMIC body and a view name the table they were
-- created with, which is now the DEFAULT partition), and writing the new column.
CREATE OR REPLACE FUNCTION reliability._history_rows(machine_ids bigint[], first_days date[], last_days date[])
RETURNS SETOF reliability.history LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    WITH st AS (
        SELECT s.max_gap,
               pg_catalog.ceil(pg_catalog.date_part('epoch', s.max_gap) OPERATOR(pg_catalog./) 86400)::pg_catalog.int4 AS gap_days
          FROM reliability.settings s LIMIT 1),
    ranges AS (
        SELECT r.machine_id, r.first_day, r.last_day
          FROM ROWS FROM (pg_catalog.unnest(machine_ids), pg_catalog.unnest(first_days), pg_catalog.unnest(last_days))
               AS r(machine_id, first_day, last_day)
         WHERE r.first_day OPERATOR(pg_catalog.<=) r.last_day),
    candidates AS (
        SELECT DISTINCT c.machine_id, c.day
          FROM (SELECT rg.machine_id, pg_catalog.generate_series(
                           GREATEST(rg.first_day, o.day)::pg_catalog.timestamp,
                           LEAST(rg.last_day, o.day OPERATOR(pg_catalog.+) st.gap_days, o.next_day)::pg_catalog.timestamp,
                           '1 day'::pg_catalog.interval)::pg_catalog.date AS day
                  FROM ranges rg CROSS JOIN st
                 CROSS JOIN LATERAL (
                       SELECT reliability._utc_day(x.observed_at) AS day,
                              reliability._utc_day(pg_catalog.lead(x.observed_at) OVER (ORDER BY x.observed_at)) AS next_day
                         FROM reliability.observations x
                        WHERE x.machine_id OPERATOR(pg_catalog.=) rg.machine_id
                          AND x.observed_at OPERATOR(pg_catalog.>=)
                              reliability._sub_fixed_or_infinity(reliability._day_start(rg.first_day), st.max_gap)
                          AND x.observed_at OPERATOR(pg_catalog.<) reliability._day_start(rg.last_day OPERATOR(pg_catalog.+) 1)) o
                UNION ALL
                SELECT rg.machine_id, reliability._utc_day(i.occurred_at)
                  FROM ranges rg
                  JOIN reliability.interruptions i
                    ON i.machine_id OPERATOR(pg_catalog.=) rg.machine_id
                   AND i.occurred_at OPERATOR(pg_catalog.>=) reliability._day_start(rg.first_day)
                   AND i.occurred_at OPERATOR(pg_catalog.<) reliability._day_start(rg.last_day OPERATOR(pg_catalog.+) 1)) c)
    SELECT c.machine_id, c.day,
           COALESCE(s.summary, reliability._empty_summary(w.lo, w.hi, st.max_gap)),
           i.n, s.last_observed_at, s.observations
      FROM candidates c CROSS JOIN st
     CROSS JOIN LATERAL (SELECT reliability._day_start(c.day) AS lo,
                                reliability._day_start(c.day OPERATOR(pg_catalog.+) 1) AS hi) w
     CROSS JOIN LATERAL (SELECT reliability.summarize(o.observed_at, o.online, pg_catalog.tstzrange(w.lo, w.hi), st.max_gap) AS summary,
                                pg_catalog.max(o.observed_at) FILTER (WHERE o.observed_at OPERATOR(pg_catalog.>=) w.lo) AS last_observed_at,
                                pg_catalog.count(*) FILTER (WHERE o.observed_at OPERATOR(pg_catalog.>=) w.lo) AS observations
                           FROM reliability.observations o
                          WHERE o.machine_id OPERATOR(pg_catalog.=) c.machine_id
                            AND o.observed_at OPERATOR(pg_catalog.>=) reliability._sub_fixed_or_infinity(w.lo, st.max_gap)
                            AND o.observed_at OPERATOR(pg_catalog.<) w.hi) s
     CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS n FROM reliability.interruptions x
                          WHERE x.machine_id OPERATOR(pg_catalog.=) c.machine_id
                            AND x.occurred_at OPERATOR(pg_catalog.>=) w.lo AND x.occurred_at OPERATOR(pg_catalog.<) w.hi) i
     WHERE i.n OPERATOR(pg_catalog.>) 0
        OR (s.summary IS NOT NULL AND (reliability.availability(s.summary)).covered_seconds OPERATOR(pg_catalog.>) 0);
END;
COMMENT ON FUNCTION reliability._history_rows(bigint[], date[], date[]) IS
    'Internal: history rows computed from the raw tables for day ranges of machines.';

CREATE OR REPLACE FUNCTION reliability._history_update(machine_ids bigint[], first_days date[], last_days date[]) RETURNS void
LANGUAGE sql VOLATILE
BEGIN ATOMIC
    DELETE FROM reliability.history h
     USING ROWS FROM (pg_catalog.unnest(machine_ids), pg_catalog.unnest(first_days), pg_catalog.unnest(last_days))
           AS r(machine_id, first_day, last_day)
     WHERE h.machine_id OPERATOR(pg_catalog.=) r.machine_id
       AND h.day OPERATOR(pg_catalog.>=) r.first_day AND h.day OPERATOR(pg_catalog.<=) r.last_day;
    INSERT INTO reliability.history (machine_id, day, summary, interruptions, last_observed_at, observations)
    SELECT h.machine_id, h.day, h.summary, h.interruptions, h.last_observed_at, h.observations
      FROM reliability._history_rows(machine_ids, first_days, last_days) h;
END;
COMMENT ON FUNCTION reliability._history_update(bigint[], date[], date[]) IS
    'Internal: recomputes the history rows of day ranges of machines from the raw tables.';

CREATE OR REPLACE FUNCTION reliability._history_truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    horizon reliability.retention;
BEGIN
    SELECT * INTO horizon FROM reliability.retention;
    IF TG_WHEN = 'BEFORE' THEN
        IF horizon.compacted_before IS NOT NULL THEN
            RAISE EXCEPTION 'cannot truncate reliability.%: its rows before the compaction horizon % are history', TG_TABLE_NAME, horizon.compacted_before
                USING ERRCODE = 'invalid_parameter_value',
                      HINT = 'Delete machines, or rows from reliability.compacted_before() on.';
        END IF;
        RETURN NULL;
    END IF;
    IF TG_TABLE_NAME = 'observations' THEN
        DELETE FROM reliability.history h WHERE h.interruptions = 0;
        UPDATE reliability.history h
           SET summary = reliability._empty_summary(reliability._day_start(h.day), reliability._day_start(h.day + 1), st.max_gap),
               last_observed_at = NULL, observations = 0
          FROM reliability.settings st;
    ELSE
        DELETE FROM reliability.history h WHERE (reliability.availability(h.summary)).covered_seconds = 0;
        UPDATE reliability.history h SET interruptions = 0 WHERE h.interruptions <> 0;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._history_truncated() IS
    'Internal trigger: refuses a TRUNCATE of a data table after a compaction, else keeps the history exact.';

-- daily_uptime() in C (src/pg/daily_uptime.cpp); its PL/pgSQL helpers go.
CREATE OR REPLACE FUNCTION reliability.daily_uptime(machine_id bigint, days integer DEFAULT 30, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (day date, online_seconds double precision, offline_seconds double precision,
               uptime double precision, coverage double precision, interruptions bigint)
LANGUAGE C STABLE PARALLEL SAFE ROWS 30
AS 'MODULE_PATHNAME', 'reliability_daily_uptime';
COMMENT ON FUNCTION reliability.daily_uptime(bigint, integer, timestamptz) IS
    'One row per UTC day, oldest first, for the last days days up to the day of as_of: online/offline seconds, uptime, coverage, interruptions.';

DROP FUNCTION reliability._history_days(integer, timestamptz);
DROP TYPE reliability._history_window;

CREATE OR REPLACE FUNCTION reliability.report(machine_id bigint, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'machine_id', m.machine_id,
               'provider', m.provider,
               'external_id', m.external_id,
               'score', pg_catalog.to_jsonb(reliability.score(m.machine_id, report.as_of)),
               'blacklisted', b.machine_id IS NOT NULL,
               'blacklist', CASE WHEN b.machine_id IS NULL THEN 'null'::pg_catalog.jsonb
                                 ELSE pg_catalog.jsonb_build_object('kind', b.kind, 'reason', b.reason,
                                          'blocked_by', b.blocked_by, 'blacklisted_at', b.blacklisted_at,
                                          'expires_at', b.expires_at) END,
               'stale', NOT EXISTS (SELECT FROM reliability.observations o
                                     WHERE o.machine_id OPERATOR(pg_catalog.=) m.machine_id
                                       AND o.observed_at OPERATOR(pg_catalog.>=)
                                           reliability.sub_fixed(report.as_of, (SELECT st.stale_after FROM reliability.settings st))
                                       AND o.observed_at OPERATOR(pg_catalog.<=) report.as_of),
               'history', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(h) ORDER BY h.day)
                                      FROM reliability.daily_uptime(m.machine_id, 30, report.as_of) h),
                                   '[]'::pg_catalog.jsonb))
      FROM reliability.machines m
      LEFT JOIN reliability.blacklist b
             ON b.machine_id OPERATOR(pg_catalog.=) m.machine_id
            AND (b.expires_at IS NULL OR report.as_of OPERATOR(pg_catalog.<) b.expires_at)
     WHERE m.machine_id OPERATOR(pg_catalog.=) report.machine_id
       AND reliability._finite(report.as_of, 'as_of'::pg_catalog.text) IS NOT NULL;
END;
COMMENT ON FUNCTION reliability.report(bigint, timestamptz) IS
    'Everything an API needs about one machine as of as_of, as one JSON object: identity, score, blacklist, stale, 30 days of history.';

CREATE OR REPLACE VIEW reliability.machine_reliability AS
SELECT m.machine_id, m.provider, m.external_id, m.created_at,
       s.score, COALESCE(s.tier, 'new') AS tier, s.uptime, s.uptime_component, s.interruption_component,
       s.rating_component, s.online_seconds, s.offline_seconds, s.covered_seconds, s.coverage,
       s.interruptions, s.rating_count, s.rating_mean, s.last_observed_at, s.as_of, s.computed_at,
       EXISTS (SELECT FROM reliability.blacklist b
                WHERE b.machine_id OPERATOR(pg_catalog.=) m.machine_id
                  AND (b.expires_at IS NULL OR pg_catalog.now() OPERATOR(pg_catalog.<) b.expires_at)) AS blacklisted,
       -- The latest observation up to now() (one backward index probe per listed row; an
       -- EXISTS here could be planned as a hash over every recent observation).
       COALESCE((SELECT pg_catalog.max(o.observed_at) FROM reliability.observations o
                  WHERE o.machine_id OPERATOR(pg_catalog.=) m.machine_id
                    AND o.observed_at OPERATOR(pg_catalog.<=) pg_catalog.now())
                OPERATOR(pg_catalog.<) reliability.sub_fixed(pg_catalog.now(), (SELECT st.stale_after FROM reliability.settings st)),
                true) AS stale
  FROM reliability.machines m
  LEFT JOIN reliability.scores s ON s.machine_id OPERATOR(pg_catalog.=) m.machine_id;

-- compact() drops whole time partitions (src/sql/55_compaction.sql), and
-- partition_by_time() hands the tables to pg_partman (src/sql/57_time_partitions.sql).
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

CREATE OR REPLACE FUNCTION reliability.compact(before date) RETURNS bigint
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
COMMENT ON FUNCTION reliability.compact(date) IS
    'Materializes the history of every day before before, then deletes observations before before - max_gap and interruptions before before; returns the rows deleted. Refuses (22023) a before later than the UTC day of now() - score_window - max_gap.';

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

REVOKE ALL ON FUNCTION reliability._time_partitions(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._compact_rows(regclass, name, timestamptz, timestamptz, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._lock_time_partitioned() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.partition_by_time(interval, integer) FROM PUBLIC;
