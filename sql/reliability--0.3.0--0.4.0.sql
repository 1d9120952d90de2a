-- reliability 0.3.0 -> 0.4.0 (ALTER EXTENSION reliability UPDATE TO '0.4.0')
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.4.0'" to load this file. \quit

-- Brings a 0.3.0 database to exactly the catalog of a fresh 0.4.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;

-- History and compaction (SPEC §9): the tables, their maintenance and compact(), exactly as
-- src/sql/45_history.sql and src/sql/55_compaction.sql create them. An existing database
-- starts without history (materialized_before NULL): the next refresh() materializes it.
-- History (SPEC §9): per machine and UTC day, the uptime summary of the day and its number
-- of interruptions, so that results over whole days read one row per day instead of every
-- observation, and raw rows older than every result's window can be compacted away.
--
-- reliability.retention says how far history goes: every day before materialized_before
-- that has covered time or interruptions has its row (refresh() and compact() move it
-- forward; the data triggers keep those rows exact, creating and deleting them), and raw
-- rows before compacted_before were deleted by compact() (only history knows those days).

CREATE TABLE reliability.history (
    machine_id       bigint NOT NULL REFERENCES reliability.machines ON DELETE CASCADE,
    day              date NOT NULL,
    summary          reliability.uptime_summary NOT NULL,
    interruptions    bigint NOT NULL CONSTRAINT history_interruptions_not_negative
                         CHECK (interruptions OPERATOR(pg_catalog.>=) 0),
    -- The day's latest observation: score()'s last_observed_at once the raw rows are compacted.
    last_observed_at timestamptz,
    PRIMARY KEY (machine_id, day)
);
COMMENT ON TABLE reliability.history IS
    'Per machine and UTC day: summarize() of its observations over [day, day + 1) with settings.max_gap, and count of its interruptions that day. Written by refresh(), compact() and the data triggers.';
SELECT pg_catalog.pg_extension_config_dump('reliability.history', '');

-- One row. pg_dump restores table data in name order (after the foreign keys' order): this
-- name sorts after observations and interruptions, so a restore writes their rows (rows
-- kept by compact() just before the horizon included) before the horizon is back, and the
-- triggers neither refuse them nor touch the restored history (materialized_before is
-- still NULL while they run). The restored row then replaces the install's row.
CREATE TABLE reliability.retention (
    singleton           boolean PRIMARY KEY DEFAULT true CONSTRAINT retention_single_row CHECK (singleton),
    materialized_before date,
    compacted_before    date,
    CONSTRAINT retention_compacted_are_materialized
        CHECK (compacted_before IS NULL OR materialized_before OPERATOR(pg_catalog.>=) compacted_before)
);
COMMENT ON TABLE reliability.retention IS
    'How far reliability.history goes: every day before materialized_before is in it; raw rows before compacted_before were compacted. Written by refresh() and compact().';
INSERT INTO reliability.retention DEFAULT VALUES;
SELECT pg_catalog.pg_extension_config_dump('reliability.retention', '');

CREATE FUNCTION reliability._retention_merge_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT FROM reliability.retention) THEN
        UPDATE reliability.retention r SET materialized_before = NEW.materialized_before,
                                           compacted_before = NEW.compacted_before;
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._retention_merge_insert() IS 'Internal: turns an INSERT into reliability.retention (a restore) into an UPDATE of its one row.';
CREATE FUNCTION reliability._retention_refuse_removal() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'reliability.retention must keep its one row' USING ERRCODE = 'restrict_violation';
END
$$;
COMMENT ON FUNCTION reliability._retention_refuse_removal() IS 'Internal: refuses DELETE and TRUNCATE on reliability.retention.';
CREATE TRIGGER retention_merge_insert BEFORE INSERT ON reliability.retention
    FOR EACH ROW EXECUTE FUNCTION reliability._retention_merge_insert();
CREATE TRIGGER retention_refuse_delete BEFORE DELETE ON reliability.retention
    FOR EACH ROW EXECUTE FUNCTION reliability._retention_refuse_removal();
CREATE TRIGGER retention_refuse_truncate BEFORE TRUNCATE ON reliability.retention
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._retention_refuse_removal();

CREATE FUNCTION reliability.compacted_before() RETURNS date LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT r.compacted_before FROM reliability.retention r;
END;
COMMENT ON FUNCTION reliability.compacted_before() IS
    'The latest before of reliability.compact() so far (NULL before any): raw rows before it are gone, history holds those days.';

-- UTC days and their instants (timestamp arithmetic: no time zone, no DST).
CREATE FUNCTION reliability._day_start(day date) RETURNS timestamptz LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.timezone('UTC'::pg_catalog.text, day::pg_catalog.timestamp);
END;
COMMENT ON FUNCTION reliability._day_start(date) IS 'Internal: the UTC midnight that starts day.';
CREATE FUNCTION reliability._utc_day(ts timestamptz) RETURNS date LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.timezone('UTC'::pg_catalog.text, ts)::pg_catalog.date;
END;
COMMENT ON FUNCTION reliability._utc_day(timestamptz) IS 'Internal: the UTC day of an instant.';

CREATE FUNCTION reliability._sub_fixed_or_infinity(ts timestamptz, length interval) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'reliability_sub_fixed_or_infinity' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._sub_fixed_or_infinity(timestamptz, interval) IS
    'Internal: sub_fixed(ts, length), or -infinity before the first timestamp (a lower bound of a scan).';

CREATE FUNCTION reliability._empty_summary(lower timestamptz, upper timestamptz, max_gap interval)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_empty_summary'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._empty_summary(timestamptz, timestamptz, interval) IS
    'Internal: the summary of [lower, upper) with nothing covered.';

-- The history rows of days first_days[i] .. last_days[i] of machine_ids[i], from the raw
-- tables, for the days that have covered time or interruptions. Candidate days come from
-- the rows themselves (an observation's cover reaches at most max_gap and never past the next
-- row; whole days of max_gap are counted up, so a candidate may have nothing and is then
-- dropped), so the cost follows the rows, not the calendar; then one index range per day.
CREATE FUNCTION reliability._history_rows(machine_ids bigint[], first_days date[], last_days date[])
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
           i.n, s.last_observed_at
      FROM candidates c CROSS JOIN st
     CROSS JOIN LATERAL (SELECT reliability._day_start(c.day) AS lo,
                                reliability._day_start(c.day OPERATOR(pg_catalog.+) 1) AS hi) w
     CROSS JOIN LATERAL (SELECT reliability.summarize(o.observed_at, o.online, pg_catalog.tstzrange(w.lo, w.hi), st.max_gap) AS summary,
                                pg_catalog.max(o.observed_at) FILTER (WHERE o.observed_at OPERATOR(pg_catalog.>=) w.lo) AS last_observed_at
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

-- Makes the history of those day ranges exact (the data triggers, refresh(), compact(), a
-- max_gap change). The callers hold the machines' cached rows locked, or the data tables in
-- SHARE mode, so each statement here reads every committed change (a new snapshot).
CREATE FUNCTION reliability._history_update(machine_ids bigint[], first_days date[], last_days date[]) RETURNS void
LANGUAGE sql VOLATILE
BEGIN ATOMIC
    DELETE FROM reliability.history h
     USING ROWS FROM (pg_catalog.unnest(machine_ids), pg_catalog.unnest(first_days), pg_catalog.unnest(last_days))
           AS r(machine_id, first_day, last_day)
     WHERE h.machine_id OPERATOR(pg_catalog.=) r.machine_id
       AND h.day OPERATOR(pg_catalog.>=) r.first_day AND h.day OPERATOR(pg_catalog.<=) r.last_day;
    INSERT INTO reliability.history (machine_id, day, summary, interruptions, last_observed_at)
    SELECT h.machine_id, h.day, h.summary, h.interruptions, h.last_observed_at
      FROM reliability._history_rows(machine_ids, first_days, last_days) h;
END;
COMMENT ON FUNCTION reliability._history_update(bigint[], date[], date[]) IS
    'Internal: recomputes the history rows of day ranges of machines from the raw tables.';

-- Every machine with data, in batches of 1,000 in machine order (memory follows the batch):
-- its days from from_day (or its first data) to before - 1, recomputed.
CREATE FUNCTION reliability._history_materialize(from_day date, before date) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    last_id bigint := NULL;
    ids bigint[];
    firsts date[];
    lasts date[];
BEGIN
    IF before IS NULL OR before <= '4714-11-24 BC'::date OR (from_day IS NOT NULL AND from_day >= before) THEN
        RETURN;
    END IF;
    LOOP
        SELECT pg_catalog.array_agg(x.machine_id ORDER BY x.machine_id),
               pg_catalog.array_agg(CASE WHEN x.first_day IS NOT NULL THEN GREATEST(from_day, x.first_day) END ORDER BY x.machine_id),
               pg_catalog.array_agg(before - 1 ORDER BY x.machine_id)
          INTO ids, firsts, lasts
          FROM (SELECT m.machine_id,
                       LEAST((SELECT reliability._utc_day(pg_catalog.min(o.observed_at)) FROM reliability.observations o
                               WHERE o.machine_id = m.machine_id),
                             (SELECT reliability._utc_day(pg_catalog.min(i.occurred_at)) FROM reliability.interruptions i
                               WHERE i.machine_id = m.machine_id)) AS first_day
                  FROM reliability.machines m
                 WHERE last_id IS NULL OR m.machine_id > last_id
                 ORDER BY m.machine_id LIMIT 1000) x;
        EXIT WHEN ids IS NULL;
        last_id := ids[pg_catalog.array_length(ids, 1)];
        -- Machines without data (first_day NULL) give NULL ranges, which _history_rows skips.
        PERFORM reliability._history_update(ids, firsts, lasts);
    END LOOP;
END
$$;
COMMENT ON FUNCTION reliability._history_materialize(date, date) IS
    'Internal: recomputes every machine''s history from from_day (NULL: its first data) to before - 1, batch by batch.';

-- TRUNCATE of observations or interruptions: refused after a compaction (it would delete
-- rows before the horizon); otherwise the history loses that table's part.
CREATE FUNCTION reliability._history_truncated() RETURNS trigger
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
               last_observed_at = NULL
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

-- A settings change after a compaction may not need raw rows that are gone (SPEC §9): max_gap
-- stays (every summary was made with it), and score_window and stale_after must end after
-- the horizon. Unchanged values pass (a restore re-applies the same row).
CREATE FUNCTION reliability._settings_check_horizon() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    horizon date := (SELECT r.compacted_before FROM reliability.retention r);
    room double precision;
BEGIN
    IF horizon IS NULL THEN
        RETURN NEW;
    END IF;
    IF NEW.max_gap IS DISTINCT FROM OLD.max_gap THEN
        RAISE EXCEPTION 'max_gap cannot change after a compaction (compacted_before() = %)', horizon
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The history of compacted days was summarized with max_gap = ' || OLD.max_gap::text || '.';
    END IF;
    -- now() - compacted_before - max_gap, in fixed-length seconds.
    room := pg_catalog.date_part('epoch', pg_catalog.now() - reliability._day_start(horizon))
            - pg_catalog.date_part('epoch', NEW.max_gap);
    IF NEW.score_window IS DISTINCT FROM OLD.score_window AND pg_catalog.date_part('epoch', NEW.score_window) > room THEN
        RAISE EXCEPTION 'score_window % reaches before the compaction horizon % (at most now() - compacted_before() - max_gap)',
                        NEW.score_window, horizon USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NEW.stale_after IS DISTINCT FROM OLD.stale_after AND pg_catalog.date_part('epoch', NEW.stale_after) > room THEN
        RAISE EXCEPTION 'stale_after % reaches before the compaction horizon % (at most now() - compacted_before() - max_gap)',
                        NEW.stale_after, horizon USING ERRCODE = 'invalid_parameter_value';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._settings_check_horizon() IS
    'Internal trigger: refuses a settings change that would need raw rows before the compaction horizon.';
CREATE TRIGGER settings_check_horizon BEFORE UPDATE ON reliability.settings
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_check_horizon();

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

-- Functions that now read or keep history: refresh() materializes ended days, rebuild() and
-- a max_gap change recompute it, daily_uptime() reads whole days from it.
CREATE OR REPLACE FUNCTION reliability.refresh(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- History first (SPEC §9): every day that has ended by as_of.
    PERFORM reliability._history_advance(reliability._utc_day(reliability._finite(as_of, 'as_of'::text)));
    RETURN reliability._update_cache(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                                     reliability._finite(as_of, 'as_of'::text), false, false);
END
$$;
COMMENT ON FUNCTION reliability.refresh(timestamptz) IS
    'Materializes the history of every day ended by as_of, then moves every cached score''s window to max(as_of, computed_at) (incrementally); returns how many cached rows it wrote. Schedule it, e.g. with pg_cron.';

CREATE OR REPLACE FUNCTION reliability.rebuild(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    -- The history too (SPEC §9), from the compaction horizon on (earlier days have no raw rows).
    PERFORM reliability._history_lock_writers();
    PERFORM reliability._history_materialize(r.compacted_before, r.materialized_before) FROM reliability.retention r;
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
COMMENT ON FUNCTION reliability.rebuild(timestamptz) IS
    'Recomputes every cached score and the history from the tables in full (after triggers were bypassed, e.g. by session_replication_role = replica).';

CREATE OR REPLACE FUNCTION reliability._recompute_all() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM reliability._update_cache(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                                      pg_catalog.now(), true, false);
    -- Every history summary was made with max_gap (_settings_check_horizon refuses this
    -- change after a compaction).
    IF NEW.max_gap IS DISTINCT FROM OLD.max_gap THEN
        PERFORM reliability._history_materialize(NULL, (SELECT r.materialized_before FROM reliability.retention r));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._recompute_all() IS 'Internal trigger: recomputes every cached score (settings change), and the history when max_gap changed.';

CREATE OR REPLACE FUNCTION reliability.daily_uptime(machine_id bigint, days integer DEFAULT 30, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (day date, online_seconds double precision, offline_seconds double precision,
               uptime double precision, coverage double precision, interruptions bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 30 SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    windows reliability._history_window[];
    horizon reliability.retention;
    last_day date;
BEGIN
    -- Validate days and as_of first, so bad arguments are errors for every machine_id.
    windows := ARRAY(SELECT ROW(h.day, h.lo, h.hi, pg_catalog.tstzrange(h.lo, h.hi))::reliability._history_window
                       FROM reliability._history_days(daily_uptime.days, daily_uptime.as_of) h);
    SELECT * INTO horizon FROM reliability.retention;
    IF horizon.compacted_before IS NOT NULL AND daily_uptime.as_of < reliability._day_start(horizon.compacted_before) THEN
        RAISE EXCEPTION 'as_of % is before the compaction horizon %', daily_uptime.as_of, horizon.compacted_before
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'compact() deleted the raw rows before reliability.compacted_before() = ' || horizon.compacted_before::text || '.';
    END IF;
    IF NOT EXISTS (SELECT FROM reliability.machines x WHERE x.machine_id = daily_uptime.machine_id) THEN
        RETURN;
    END IF;
    last_day := reliability._utc_day(daily_uptime.as_of);
    -- Whole days that history holds are one row each (SPEC §9; a day without a row had
    -- nothing); the day of as_of and days not materialized yet are read from the raw rows.
    RETURN QUERY
    SELECT d.day,
           COALESCE((a.m).online_seconds, 0),
           COALESCE((a.m).offline_seconds, 0),
           (a.m).uptime,
           COALESCE((a.m).coverage, 0),
           a.n
      FROM pg_catalog.unnest(windows) d
     CROSS JOIN (SELECT st.max_gap FROM reliability.settings st LIMIT 1) st
     CROSS JOIN LATERAL (SELECT d.day < last_day AND d.day < horizon.materialized_before AS whole) k
      LEFT JOIN (SELECT y.day, y.summary, y.interruptions FROM reliability.history y  -- one index range
                  WHERE y.machine_id = daily_uptime.machine_id
                    AND y.day >= (windows[1]).day AND y.day < last_day) h ON k.whole AND h.day = d.day
     CROSS JOIN LATERAL (
           SELECT CASE WHEN k.whole THEN reliability.availability(h.summary)
                       ELSE (SELECT reliability.availability(o.observed_at, o.online, d.win, st.max_gap)
                               FROM reliability.observations o
                              WHERE o.machine_id = daily_uptime.machine_id
                                AND o.observed_at >= reliability.sub_fixed(d.lo, st.max_gap) AND o.observed_at < d.hi) END AS m,
                  CASE WHEN k.whole THEN COALESCE(h.interruptions, 0)
                       ELSE (SELECT pg_catalog.count(*) FROM reliability.interruptions i
                              WHERE i.machine_id = daily_uptime.machine_id AND i.occurred_at >= d.lo AND i.occurred_at < d.hi) END AS n
           OFFSET 0) a  -- computed once per day, not once per field read below
     ORDER BY d.day;
END
$$;
COMMENT ON FUNCTION reliability.daily_uptime(bigint, integer, timestamptz) IS
    'One row per UTC day, oldest first, for the last days days up to the day of as_of: online/offline seconds, uptime, coverage, interruptions.';

-- History (45_history.sql, 55_compaction.sql): the retention row is read by every reader of
-- results (score(), daily_uptime(), compacted_before()) and holds only two dates.
GRANT SELECT ON reliability.retention TO PUBLIC;
REVOKE ALL ON FUNCTION reliability.compact(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_update(bigint[], date[], date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_materialize(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_advance(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_lock_writers() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_truncated() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._retention_merge_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._retention_refuse_removal() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_check_horizon() FROM PUBLIC;

-- As the install script's REVOKE ALL ON ALL TABLES (90_privileges.sql) leaves it.
REVOKE ALL ON reliability.history FROM PUBLIC;

-- score(), daily_uptime(), sparkline() and report() now read reliability.history, with the
-- caller's rights: every role that could read observations may read history (README "Roles").
DO $$
DECLARE
    r record;
BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole AS grantee
               FROM pg_catalog.pg_class c, pg_catalog.aclexplode(c.relacl) a
              WHERE c.oid = 'reliability.observations'::pg_catalog.regclass AND a.privilege_type = 'SELECT'
                AND a.grantee <> 0 AND a.grantee <> c.relowner
    LOOP
        EXECUTE pg_catalog.format('GRANT SELECT ON reliability.history TO %s', r.grantee);
    END LOOP;
END
$$;
