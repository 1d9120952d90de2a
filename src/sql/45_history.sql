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
    -- The day's number of observations (as the day was written: compact() does not change
    -- it): compact() counts the rows of a whole day's time partition without reading it.
    observations     bigint NOT NULL CONSTRAINT history_observations_not_negative
                         CHECK (observations OPERATOR(pg_catalog.>=) 0),
    PRIMARY KEY (machine_id, day)
);
COMMENT ON TABLE reliability.history IS
    'Per machine and UTC day: summarize() of its observations over [day, day + 1) with settings.max_gap, the count of its interruptions that day, its last observation and its number of observations. Written by refresh(), compact() and the data triggers.';
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
    INSERT INTO reliability.history (machine_id, day, summary, interruptions, last_observed_at, observations)
    SELECT h.machine_id, h.day, h.summary, h.interruptions, h.last_observed_at, h.observations
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

-- A settings change after a compaction may not need raw rows that are gone (SPEC §9): max_gap
-- stays (every summary was made with it), and score_window and stale_after must end after
-- the horizon. Unchanged values pass (a restore re-applies the same row); lengths compare as
-- fixed lengths (interval "=" calls '1 year' and '360 days' equal).
CREATE FUNCTION reliability._settings_check_horizon() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    horizon date := (SELECT r.compacted_before FROM reliability.retention r);
    room double precision;
BEGIN
    IF horizon IS NULL THEN
        RETURN NEW;
    END IF;
    IF pg_catalog.extract('epoch', NEW.max_gap) OPERATOR(pg_catalog.<>) pg_catalog.extract('epoch', OLD.max_gap) THEN
        RAISE EXCEPTION 'max_gap cannot change after a compaction (compacted_before() = %)', horizon
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = 'The history of compacted days was summarized with max_gap = ' || OLD.max_gap::text || '.';
    END IF;
    -- now() - compacted_before - max_gap, in fixed-length seconds.
    room := pg_catalog.date_part('epoch', pg_catalog.now() - reliability._day_start(horizon))
            - pg_catalog.date_part('epoch', NEW.max_gap);
    IF pg_catalog.extract('epoch', NEW.score_window) OPERATOR(pg_catalog.<>) pg_catalog.extract('epoch', OLD.score_window) AND pg_catalog.date_part('epoch', NEW.score_window) > room THEN
        RAISE EXCEPTION 'score_window % reaches before the compaction horizon % (at most now() - compacted_before() - max_gap)',
                        NEW.score_window, horizon USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.extract('epoch', NEW.stale_after) OPERATOR(pg_catalog.<>) pg_catalog.extract('epoch', OLD.stale_after) AND pg_catalog.date_part('epoch', NEW.stale_after) > room THEN
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
