-- reliability 0.1.0 -> 0.2.0 (ALTER EXTENSION reliability UPDATE TO '0.2.0')
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.2.0'" to load this file. \quit

-- Brings a 0.1.0 database to exactly the catalog of a fresh 0.2.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Every statement uses the fresh script's text.
-- Like the install script (see src/sql/00_header.sql), this runs as a superuser with
-- schema reliability in search_path: it pins search_path for its own statements (SET
-- LOCAL: ALTER EXTENSION restores the caller's when the script ends) and qualifies every
-- operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;

-- 0.2.0 limits every length setting to 100 years (SPEC §4). A longer one (which made the
-- view, score(), report() and daily_uptime() fail) stops the update with a clear error
-- rather than a bare constraint violation; nothing is changed silently.
DO $check$
DECLARE
    too_long pg_catalog.text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('%s = %s', l.name, l.length), ', ' ORDER BY l.name) INTO too_long
      FROM reliability.settings s
     CROSS JOIN LATERAL (VALUES ('score_window', s.score_window), ('max_gap', s.max_gap),
                                ('interruption_horizon', s.interruption_horizon), ('min_history', s.min_history),
                                ('stale_after', s.stale_after), ('auto_blacklist_for', s.auto_blacklist_for)) AS l(name, length)
     WHERE pg_catalog.date_part('epoch', l.length) OPERATOR(pg_catalog.>) 3155760000;
    IF too_long IS NOT NULL THEN
        RAISE EXCEPTION 'reliability 0.2.0 limits every length setting to 100 years (3155760000 seconds): %', too_long
            USING ERRCODE = 'check_violation',
                  HINT = 'UPDATE reliability.settings to lengths of at most 100 years, then run ALTER EXTENSION reliability UPDATE again.';
    END IF;
END
$check$;

-- Settings: every length at most 100 years (SPEC §4); every CHECK with qualified operators.
ALTER TABLE reliability.settings
    DROP CONSTRAINT settings_score_window_positive,
    DROP CONSTRAINT settings_max_gap_positive,
    DROP CONSTRAINT settings_interruption_horizon_positive,
    DROP CONSTRAINT settings_stale_after_positive,
    DROP CONSTRAINT settings_auto_blacklist_for_positive,
    DROP CONSTRAINT settings_lengths_fit_in_microseconds,
    DROP CONSTRAINT settings_min_history_not_negative,
    DROP CONSTRAINT settings_weight_uptime_range,
    DROP CONSTRAINT settings_weight_interruption_range,
    DROP CONSTRAINT settings_weight_rating_range,
    DROP CONSTRAINT settings_weights_sum_to_one,
    DROP CONSTRAINT settings_rating_prior_mean_range,
    DROP CONSTRAINT settings_rating_prior_weight_range,
    DROP CONSTRAINT settings_tiers_range,
    DROP CONSTRAINT settings_tiers_ordered,
    DROP CONSTRAINT settings_auto_blacklist_below_range,
    ADD CONSTRAINT settings_score_window_positive
        CHECK (pg_catalog.date_part('epoch', score_window) OPERATOR(pg_catalog.>) 0),
    ADD CONSTRAINT settings_max_gap_positive
        CHECK (pg_catalog.date_part('epoch', max_gap) OPERATOR(pg_catalog.>) 0),
    ADD CONSTRAINT settings_interruption_horizon_positive
        CHECK (pg_catalog.date_part('epoch', interruption_horizon) OPERATOR(pg_catalog.>) 0),
    ADD CONSTRAINT settings_stale_after_positive
        CHECK (pg_catalog.date_part('epoch', stale_after) OPERATOR(pg_catalog.>) 0),
    ADD CONSTRAINT settings_auto_blacklist_for_positive
        CHECK (pg_catalog.date_part('epoch', auto_blacklist_for) OPERATOR(pg_catalog.>) 0),
    ADD CONSTRAINT settings_min_history_not_negative
        CHECK (pg_catalog.date_part('epoch', min_history) OPERATOR(pg_catalog.>=) 0),
    ADD CONSTRAINT settings_score_window_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', score_window) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_max_gap_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', max_gap) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_interruption_horizon_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', interruption_horizon) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_min_history_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', min_history) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_stale_after_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', stale_after) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_auto_blacklist_for_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', auto_blacklist_for) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_weight_uptime_range
        CHECK (weight_uptime OPERATOR(pg_catalog.>=) 0 AND weight_uptime OPERATOR(pg_catalog.<=) 1),
    ADD CONSTRAINT settings_weight_interruption_range
        CHECK (weight_interruption OPERATOR(pg_catalog.>=) 0 AND weight_interruption OPERATOR(pg_catalog.<=) 1),
    ADD CONSTRAINT settings_weight_rating_range
        CHECK (weight_rating OPERATOR(pg_catalog.>=) 0 AND weight_rating OPERATOR(pg_catalog.<=) 1),
    ADD CONSTRAINT settings_weights_sum_to_one
        CHECK (pg_catalog.abs(weight_uptime OPERATOR(pg_catalog.+) weight_interruption OPERATOR(pg_catalog.+) weight_rating
                              OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.<=) 1e-9),
    ADD CONSTRAINT settings_rating_prior_mean_range
        CHECK (rating_prior_mean OPERATOR(pg_catalog.>=) 1 AND rating_prior_mean OPERATOR(pg_catalog.<=) 5),
    ADD CONSTRAINT settings_rating_prior_weight_range
        CHECK (rating_prior_weight OPERATOR(pg_catalog.>=) 0
               AND rating_prior_weight OPERATOR(pg_catalog.<) 'infinity'::pg_catalog.float8),
    ADD CONSTRAINT settings_tiers_range
        CHECK (tier_fair OPERATOR(pg_catalog.>=) 0 AND tier_excellent OPERATOR(pg_catalog.<=) 100),
    ADD CONSTRAINT settings_tiers_ordered
        CHECK (tier_excellent OPERATOR(pg_catalog.>=) tier_good AND tier_good OPERATOR(pg_catalog.>=) tier_fair),
    ADD CONSTRAINT settings_auto_blacklist_below_range
        CHECK (auto_blacklist_below OPERATOR(pg_catalog.>=) 0 AND auto_blacklist_below OPERATOR(pg_catalog.<=) 100);

-- Functions: the text of the 0.2.0 install script. CREATE OR REPLACE keeps each function's
-- ACL and comment, which did not change. score() becomes a C function (it no longer calls
-- _make_score, which is no longer executable by PUBLIC, below).

CREATE OR REPLACE FUNCTION reliability._observations_inserted() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    mine bigint[] := ARRAY(SELECT DISTINCT n.machine_id FROM new_rows n ORDER BY 1);
    handed bigint[] := reliability._hand_over(mine);
    ids bigint[];
    late_machine bigint[];
    late_at timestamptz[];
    full_ids bigint[];
BEGIN
    IF handed IS NULL THEN
        RETURN NULL;  -- a later trigger of this statement recomputes these machines
    END IF;
    ids := CASE WHEN pg_catalog.cardinality(handed) = 0 THEN mine
                ELSE ARRAY(SELECT m.id FROM pg_catalog.unnest(mine) AS m(id)
                           UNION SELECT h.id FROM pg_catalog.unnest(handed) AS h(id) ORDER BY 1) END;
    PERFORM reliability._lock_cache(ids, true);
    -- A new row before its machine's cached computed_at (late) changed the cached window:
    -- the slide needs its time. Only those, and at most 16 a machine (else recompute it in
    -- full): memory follows the machines, not the rows of the statement.
    SELECT pg_catalog.array_agg(l.machine_id ORDER BY l.machine_id, l.observed_at) FILTER (WHERE l.late_rows <= 16),
           pg_catalog.array_agg(l.observed_at ORDER BY l.machine_id, l.observed_at) FILTER (WHERE l.late_rows <= 16),
           pg_catalog.array_agg(DISTINCT l.machine_id) FILTER (WHERE l.late_rows > 16)
      INTO late_machine, late_at, full_ids
      FROM (SELECT n.machine_id, n.observed_at, pg_catalog.count(*) OVER (PARTITION BY n.machine_id) AS late_rows
              FROM new_rows n JOIN reliability.scores s ON s.machine_id = n.machine_id AND n.observed_at < s.computed_at) l;
    IF pg_catalog.cardinality(handed) > 0 THEN
        full_ids := ARRAY(SELECT h.id FROM pg_catalog.unnest(handed) AS h(id)
                          UNION SELECT f.id FROM pg_catalog.unnest(full_ids) AS f(id) ORDER BY 1);
    END IF;
    PERFORM reliability._write(ids, COALESCE(late_machine, '{}'::bigint[]), COALESCE(late_at, '{}'::timestamptz[]),
                               pg_catalog.now(), false, false, full_ids);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION reliability._machine_data_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[];
    handed bigint[];
BEGIN
    IF TG_OP = 'INSERT' THEN
        ids := ARRAY(SELECT DISTINCT n.machine_id FROM new_rows n ORDER BY 1);
    ELSIF TG_OP = 'UPDATE' THEN
        ids := ARRAY(SELECT o.machine_id FROM old_rows o UNION SELECT n.machine_id FROM new_rows n ORDER BY 1);
    ELSE
        ids := ARRAY(SELECT DISTINCT o.machine_id FROM old_rows o ORDER BY 1);
    END IF;
    handed := reliability._hand_over(ids);
    IF handed IS NULL THEN
        RETURN NULL;
    END IF;
    PERFORM reliability._apply(ARRAY(SELECT i.id FROM pg_catalog.unnest(ids) AS i(id)
                                     UNION SELECT h.id FROM pg_catalog.unnest(handed) AS h(id) ORDER BY 1),
                               NULL::bigint[], NULL::timestamptz[], pg_catalog.now(), TG_TABLE_NAME = 'observations',
                               TG_TABLE_NAME = 'ratings', TG_OP <> 'DELETE' OR pg_catalog.cardinality(handed) > 0, handed);
    RETURN NULL;
END
$$;

COMMENT ON FUNCTION reliability._machine_data_changed() IS 'Internal trigger: recomputes machines whose data changed (all but inserted observations).';

CREATE OR REPLACE FUNCTION reliability._recompute_all() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM reliability._apply(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                               NULL::bigint[], NULL::timestamptz[], pg_catalog.now(), true, true, false, NULL::bigint[]);
    RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION reliability.refresh(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN reliability._apply(ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1),
                              NULL::bigint[], NULL::timestamptz[], reliability._finite(as_of, 'as_of'::text),
                              false, false, false, NULL::bigint[]);
END
$$;

CREATE OR REPLACE FUNCTION reliability.rebuild(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    RETURN reliability._apply(
        ARRAY(SELECT m.machine_id FROM reliability.machines m
               WHERE EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.observations o WHERE o.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.interruptions i WHERE i.machine_id = m.machine_id)
                  OR EXISTS (SELECT FROM reliability.ratings r WHERE r.machine_id = m.machine_id)
               ORDER BY 1),
        NULL::bigint[], NULL::timestamptz[], reliability._finite(as_of, 'as_of'::text), true, true, true, NULL::bigint[]);
END
$$;

CREATE OR REPLACE FUNCTION reliability.machine(provider text, external_id text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id bigint;
    first_attempt boolean := true;
    violated text;
BEGIN
    LOOP
        SELECT m.machine_id INTO id FROM reliability.machines m
         WHERE m.provider = machine.provider AND m.external_id = machine.external_id;
        IF FOUND THEN
            RETURN id;
        END IF;
        IF first_attempt THEN
            INSERT INTO reliability.machines AS m (provider, external_id) VALUES (machine.provider, machine.external_id)
            ON CONFLICT DO NOTHING
            RETURNING m.machine_id INTO id;
            first_attempt := false;
        ELSE
            BEGIN
                INSERT INTO reliability.machines AS m (provider, external_id) VALUES (machine.provider, machine.external_id)
                ON CONFLICT ON CONSTRAINT machines_provider_external_id_key DO NOTHING
                RETURNING m.machine_id INTO id;
            EXCEPTION WHEN unique_violation THEN
                GET STACKED DIAGNOSTICS violated = CONSTRAINT_NAME;
                IF violated IS DISTINCT FROM 'machines_pkey' THEN
                    RAISE;
                END IF;
                id := NULL;  -- that machine_id is taken: try the next one
            END;
        END IF;
        IF id IS NOT NULL THEN
            RETURN id;
        END IF;
    END LOOP;
END
$$;

CREATE OR REPLACE FUNCTION reliability._history_days(days integer, as_of timestamptz)
RETURNS TABLE (day date, lo timestamptz, hi timestamptz)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE ROWS 30 SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    last_day date;
BEGIN
    IF days IS NULL OR days < 1 OR days > 3660 THEN
        RAISE EXCEPTION 'days must be between 1 and 3660, not %', days USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF as_of IS NULL THEN
        RAISE EXCEPTION 'as_of must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM reliability._finite(as_of, 'as_of'::text);
    last_day := (as_of AT TIME ZONE 'UTC')::date;
    -- A day ends at the next midnight, the day of as_of at as_of: computing the next
    -- midnight of the last day would overflow on the last day that timestamptz holds.
    RETURN QUERY
        SELECT g.d, (g.d::timestamp AT TIME ZONE 'UTC'),
               CASE WHEN g.d < last_day THEN ((g.d + 1)::timestamp AT TIME ZONE 'UTC') ELSE as_of END
          FROM (SELECT last_day - i AS d FROM pg_catalog.generate_series(days - 1, 0, -1) AS s(i)) g;
END
$$;

CREATE OR REPLACE FUNCTION reliability.score(machine_id bigint, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS reliability.score AS 'MODULE_PATHNAME', 'reliability_score' LANGUAGE C STABLE PARALLEL SAFE COST 100;

CREATE OR REPLACE FUNCTION reliability.sparkline(machine_id bigint, days integer DEFAULT 30, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(
               CASE WHEN h.uptime IS NULL THEN '·'
                    ELSE pg_catalog.substr('▁▂▃▄▅▆▇█',
                                           LEAST(7, pg_catalog.floor(h.uptime OPERATOR(pg_catalog.*) 8)::pg_catalog.int4)
                                               OPERATOR(pg_catalog.+) 1,
                                           1) END,
               '' ORDER BY h.day)
      FROM reliability.daily_uptime(sparkline.machine_id, sparkline.days, sparkline.as_of) h;
END;

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

-- Triggers whose WHEN clause now qualifies its operator.
DROP TRIGGER settings_changed ON reliability.settings;
CREATE TRIGGER settings_changed AFTER UPDATE ON reliability.settings
    FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.=) NEW)) EXECUTE FUNCTION reliability._recompute_all();
DROP TRIGGER scores_restore ON reliability.scores;
CREATE TRIGGER scores_restore BEFORE INSERT ON reliability.scores
    FOR EACH ROW WHEN (NEW.computed_at OPERATOR(pg_catalog.<>) '-infinity'::pg_catalog.timestamptz)
    EXECUTE FUNCTION reliability._scores_restore();

-- The view, with qualified operators (same columns, so its ACL and comment stay).
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

-- Internal functions that PUBLIC may no longer execute (see 90_privileges.sql).
REVOKE ALL ON FUNCTION reliability._make_score(reliability.settings, reliability.availability, bigint, bigint, bigint, timestamptz, timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_merge_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_refuse_removal() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_trans(internal, timestamptz, boolean, tstzrange) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_trans(internal, timestamptz, boolean, tstzrange, interval) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_combine(internal, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_serialize(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_deserialize(bytea, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_final(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._availability_final(internal) FROM PUBLIC;

-- The auto-blacklist rule becomes a function of its own (_apply and the TRUNCATE trigger
-- use it); a TRUNCATE of a data table recomputes every cached row from the row alone, as of
-- its computed_at, reading no data table (_truncated, _recompute_truncated), so TRUNCATEs of
-- two tables cannot deadlock (issue 9).
CREATE FUNCTION reliability._auto_blacklist(machine_ids bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    threshold double precision;
BEGIN
    SELECT st.auto_blacklist_below INTO threshold FROM reliability.settings st;
    IF threshold IS NULL THEN
        RETURN;
    END IF;
    INSERT INTO reliability.blacklist AS b (machine_id, kind, reason, blocked_by, blacklisted_at, expires_at)
    SELECT s.machine_id, 'auto',
           pg_catalog.format('score %s below auto_blacklist_below %s',
                             pg_catalog.round(s.score::numeric, 2), st.auto_blacklist_below),
           'reliability', s.computed_at, reliability.add_fixed(s.computed_at, st.auto_blacklist_for)
      FROM reliability.scores s CROSS JOIN reliability.settings st
     WHERE s.machine_id = ANY (machine_ids) AND s.score < threshold AND s.tier <> 'new'
     ORDER BY s.machine_id
    ON CONFLICT (machine_id) DO UPDATE SET
        kind = 'auto', reason = excluded.reason, blocked_by = excluded.blocked_by,
        blacklisted_at = CASE WHEN b.kind = 'auto' AND (b.expires_at IS NULL OR pg_catalog.now() < b.expires_at)
                              THEN b.blacklisted_at ELSE excluded.blacklisted_at END,
        -- a renewal never moves an active auto entry's expiry earlier (SPEC §5)
        expires_at = CASE WHEN b.kind = 'auto' AND b.expires_at IS NOT NULL AND pg_catalog.now() < b.expires_at
                          THEN GREATEST(b.expires_at, excluded.expires_at) ELSE excluded.expires_at END
     WHERE b.kind = 'auto' OR (b.expires_at IS NOT NULL AND b.expires_at <= pg_catalog.now());
END
$$;
COMMENT ON FUNCTION reliability._auto_blacklist(bigint[]) IS
    'Internal: applies the auto-blacklist rule to the freshly cached rows of the given machines.';

CREATE FUNCTION reliability._recompute_truncated(machine_ids bigint[], truncated text)
RETURNS SETOF reliability.scores AS 'MODULE_PATHNAME', 'reliability_recompute_truncated'
LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._recompute_truncated(bigint[], text) IS
    'Internal: the cached rows after a TRUNCATE of the named data table, from the rows alone (locks them in machine order).';

CREATE FUNCTION reliability._truncated() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    ids bigint[] := ARRAY(SELECT s.machine_id FROM reliability.scores s ORDER BY 1);
BEGIN
    UPDATE reliability.scores s SET
        score = r.score, tier = r.tier, uptime = r.uptime, uptime_component = r.uptime_component,
        interruption_component = r.interruption_component, rating_component = r.rating_component,
        online_seconds = r.online_seconds, offline_seconds = r.offline_seconds,
        covered_seconds = r.covered_seconds, coverage = r.coverage, interruptions = r.interruptions,
        rating_count = r.rating_count, rating_mean = r.rating_mean, last_observed_at = r.last_observed_at,
        as_of = r.as_of, computed_at = r.computed_at
      FROM reliability._recompute_truncated(ids, TG_TABLE_NAME::text) r
     WHERE s.machine_id = r.machine_id;
    PERFORM reliability._auto_blacklist(ids);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._truncated() IS 'Internal trigger: recomputes every cached score after a TRUNCATE of a data table.';
COMMENT ON FUNCTION reliability._recompute_all() IS 'Internal trigger: recomputes every cached score (settings change).';
DROP TRIGGER observations_truncated ON reliability.observations;
DROP TRIGGER interruptions_truncated ON reliability.interruptions;
DROP TRIGGER ratings_truncated ON reliability.ratings;
CREATE TRIGGER observations_truncated AFTER TRUNCATE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._truncated();
CREATE TRIGGER interruptions_truncated AFTER TRUNCATE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._truncated();
CREATE TRIGGER ratings_truncated AFTER TRUNCATE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._truncated();
REVOKE ALL ON FUNCTION reliability._truncated() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._recompute_truncated(bigint[], text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._auto_blacklist(bigint[]) FROM PUBLIC;

-- _write: the recompute-and-write half of _apply, which the observations insert trigger
-- calls directly after locking (the rows are locked once per statement).
CREATE FUNCTION reliability._write(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[],
                                   as_of timestamptz, in_full boolean, ratings_changed boolean, full_ids bigint[])
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    written bigint;
BEGIN
    UPDATE reliability.scores s SET
        score = r.score, tier = r.tier, uptime = r.uptime, uptime_component = r.uptime_component,
        interruption_component = r.interruption_component, rating_component = r.rating_component,
        online_seconds = r.online_seconds, offline_seconds = r.offline_seconds,
        covered_seconds = r.covered_seconds, coverage = r.coverage, interruptions = r.interruptions,
        rating_count = r.rating_count, rating_mean = r.rating_mean, last_observed_at = r.last_observed_at,
        as_of = r.as_of, computed_at = r.computed_at
      FROM reliability._recompute(_write.machine_ids, _write.fresh_machine, _write.fresh_at, _write.as_of,
                                  _write.in_full, _write.ratings_changed, _write.full_ids) r
     WHERE s.machine_id = r.machine_id;
    GET DIAGNOSTICS written = ROW_COUNT;
    PERFORM reliability._auto_blacklist(machine_ids);
    RETURN written;
END
$$;
COMMENT ON FUNCTION reliability._write(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, bigint[]) IS
    'Internal: recomputes and writes the locked cached rows of the given machines, then auto-blacklists.';
REVOKE ALL ON FUNCTION reliability._write(bigint[], bigint[], timestamptz[], timestamptz, boolean, boolean, bigint[]) FROM PUBLIC;

-- One ordered lock pass per statement, and settings changes serialized with the writers
-- that may create rows (issue 9). _lock_cache takes every lock a cache writer needs in one
-- order; every statement on a data table is counted from its BEFORE to its AFTER statement
-- trigger (_statement_begins replaces 0.1.0's _observations_insert_begins, same C
-- function), and each AFTER trigger hands its machines to a later one of the same statement
-- (_hand_over replaces _insert_ends); _machine_data_changed now also serves the update and
-- delete triggers of observations; the insert trigger passes only late rows.
CREATE FUNCTION reliability._lock_cache(machine_ids bigint[], create_missing boolean) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF create_missing THEN
        LOCK TABLE reliability._settings_copy IN ROW SHARE MODE;
    END IF;
    LOCK TABLE reliability.observations, reliability.interruptions, reliability.ratings IN ACCESS SHARE MODE;
    IF create_missing THEN
        INSERT INTO reliability.scores (machine_id, tier, computed_at)
        SELECT m.machine_id, 'new', '-infinity' FROM reliability.machines m
         WHERE m.machine_id = ANY (machine_ids)
           AND NOT EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id = m.machine_id)
         ORDER BY m.machine_id
        ON CONFLICT (machine_id) DO NOTHING;
    END IF;
    PERFORM FROM reliability.scores s WHERE s.machine_id = ANY (machine_ids) ORDER BY s.machine_id FOR UPDATE;
END
$$;
COMMENT ON FUNCTION reliability._lock_cache(bigint[], boolean) IS
    'Internal: takes a cache writer''s locks in the one order (settings copy if creating rows, data tables, cached rows by machine).';

CREATE OR REPLACE FUNCTION reliability._apply(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[],
                                   as_of timestamptz, in_full boolean, ratings_changed boolean, create_missing boolean,
                                   full_ids bigint[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF machine_ids IS NULL THEN
        -- Inserted observations: their machines exist (foreign key).
        machine_ids := ARRAY(SELECT DISTINCT f.id FROM pg_catalog.unnest(fresh_machine) AS f(id) ORDER BY 1);
    ELSE
        -- Only machines that still exist: a cascaded delete of a machine recomputes nothing.
        machine_ids := ARRAY(SELECT m.machine_id FROM reliability.machines m
                              WHERE m.machine_id = ANY (machine_ids) ORDER BY m.machine_id);
    END IF;
    IF pg_catalog.cardinality(machine_ids) = 0 THEN
        RETURN 0;
    END IF;
    PERFORM reliability._lock_cache(machine_ids, create_missing);
    RETURN reliability._write(machine_ids, fresh_machine, fresh_at, as_of, in_full, ratings_changed, full_ids);
END
$$;

CREATE FUNCTION reliability._statement_begins() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_observations_insert_begins' LANGUAGE C;
CREATE FUNCTION reliability._hand_over(machine_ids bigint[]) RETURNS bigint[]
AS 'MODULE_PATHNAME', 'reliability_hand_over' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._statement_begins() IS 'Internal trigger: notes that a statement on a data table has begun.';
COMMENT ON FUNCTION reliability._hand_over(bigint[]) IS
    'Internal: ends a statement trigger; NULL when another of the statement comes later (it gets these machines), else the machines handed to this one.';

DROP TRIGGER observations_insert_begins ON reliability.observations;
DROP TRIGGER observations_updated ON reliability.observations;
DROP TRIGGER observations_deleted ON reliability.observations;
DROP FUNCTION reliability._observations_insert_begins();
DROP FUNCTION reliability._insert_ends();
DROP FUNCTION reliability._observations_updated();
DROP FUNCTION reliability._observations_deleted();
CREATE TRIGGER observations_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER interruptions_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER ratings_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER observations_updated AFTER UPDATE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();
CREATE TRIGGER observations_deleted AFTER DELETE ON reliability.observations
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._machine_data_changed();

CREATE FUNCTION reliability._settings_change_begins() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    LOCK TABLE reliability._settings_copy IN EXCLUSIVE MODE;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._settings_change_begins() IS
    'Internal trigger: a settings change waits for the cache writers that may create rows.';
CREATE TRIGGER settings_change_begins BEFORE UPDATE ON reliability.settings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._settings_change_begins();
REVOKE ALL ON FUNCTION reliability._statement_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._hand_over(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_change_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._lock_cache(bigint[], boolean) FROM PUBLIC;

-- Settings changes decided by data alone (issue 9): no statement text (COPY) or session
-- setting (reliability.restoring_settings) skips the recompute any more; a restore keeps
-- the dumped cache because reliability._settings_copy, restored first, applies the dumped
-- settings before any data arrives.
CREATE OR REPLACE FUNCTION reliability._settings_merge_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT FROM reliability.settings) THEN
        UPDATE reliability.settings s SET
            score_window = NEW.score_window, max_gap = NEW.max_gap,
            weight_uptime = NEW.weight_uptime, weight_interruption = NEW.weight_interruption,
            weight_rating = NEW.weight_rating, interruption_horizon = NEW.interruption_horizon,
            rating_prior_mean = NEW.rating_prior_mean, rating_prior_weight = NEW.rating_prior_weight,
            min_history = NEW.min_history, tier_excellent = NEW.tier_excellent, tier_good = NEW.tier_good,
            tier_fair = NEW.tier_fair, stale_after = NEW.stale_after,
            auto_blacklist_below = NEW.auto_blacklist_below, auto_blacklist_for = NEW.auto_blacklist_for;
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE FUNCTION reliability._settings_refuse_removal() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'reliability.% must keep its one row; UPDATE reliability.settings instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
COMMENT ON FUNCTION reliability._settings_refuse_removal() IS 'Internal: refuses DELETE and TRUNCATE on reliability.settings and its copy.';

-- A copy of the settings row for pg_dump, which restores table data in name order: this
-- name sorts before every other table of the schema, so a restore applies the dumped
-- settings before any data arrives. Every score the restore's triggers compute then uses
-- them, the dumped cache rows (restored later) are kept as what they are, rows computed
-- with these settings, and the settings row itself, restored last, changes nothing. No
-- statement text or session setting decides anything: an INSERT into the copy is a change
-- of the settings like any other, and every change of the settings recomputes the cache.
CREATE TABLE reliability._settings_copy (LIKE reliability.settings INCLUDING DEFAULTS INCLUDING CONSTRAINTS,
                                         PRIMARY KEY (singleton));
COMMENT ON TABLE reliability._settings_copy IS
    'Internal: the settings row again, restored first by pg_dump (its name sorts first), so a restore computes with the dumped settings. Write reliability.settings instead.';
INSERT INTO reliability._settings_copy SELECT s.* FROM reliability.settings s;

-- An INSERT into the copy (a restore) applies its values to reliability.settings, whose
-- trigger keeps the copy in step (below).
CREATE FUNCTION reliability._settings_copy_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO reliability.settings (score_window, max_gap, weight_uptime, weight_interruption, weight_rating,
                                      interruption_horizon, rating_prior_mean, rating_prior_weight, min_history,
                                      tier_excellent, tier_good, tier_fair, stale_after, auto_blacklist_below,
                                      auto_blacklist_for)
    VALUES (NEW.score_window, NEW.max_gap, NEW.weight_uptime, NEW.weight_interruption, NEW.weight_rating,
            NEW.interruption_horizon, NEW.rating_prior_mean, NEW.rating_prior_weight, NEW.min_history,
            NEW.tier_excellent, NEW.tier_good, NEW.tier_fair, NEW.stale_after, NEW.auto_blacklist_below,
            NEW.auto_blacklist_for);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._settings_copy_insert() IS 'Internal: an INSERT into reliability._settings_copy (a restore) changes reliability.settings.';

-- Every change of reliability.settings is copied; SECURITY DEFINER: an operator may change
-- the settings without any right on the copy.
CREATE FUNCTION reliability._settings_copy_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE reliability._settings_copy c SET
        score_window = NEW.score_window, max_gap = NEW.max_gap,
        weight_uptime = NEW.weight_uptime, weight_interruption = NEW.weight_interruption,
        weight_rating = NEW.weight_rating, interruption_horizon = NEW.interruption_horizon,
        rating_prior_mean = NEW.rating_prior_mean, rating_prior_weight = NEW.rating_prior_weight,
        min_history = NEW.min_history, tier_excellent = NEW.tier_excellent, tier_good = NEW.tier_good,
        tier_fair = NEW.tier_fair, stale_after = NEW.stale_after,
        auto_blacklist_below = NEW.auto_blacklist_below, auto_blacklist_for = NEW.auto_blacklist_for;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._settings_copy_sync() IS 'Internal: copies every change of reliability.settings into reliability._settings_copy.';

-- The copy changes only with the settings (the trigger above runs at depth 1, its UPDATE's
-- trigger at depth 2); a direct UPDATE, DELETE or TRUNCATE of it is refused.
CREATE FUNCTION reliability._settings_copy_refuse_update() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF pg_catalog.pg_trigger_depth() OPERATOR(pg_catalog.<) 2 THEN
        RAISE EXCEPTION 'reliability._settings_copy follows reliability.settings; UPDATE reliability.settings instead'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._settings_copy_refuse_update() IS 'Internal: refuses a direct UPDATE of reliability._settings_copy.';

CREATE TRIGGER settings_copied AFTER UPDATE ON reliability.settings
    FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.=) NEW)) EXECUTE FUNCTION reliability._settings_copy_sync();
CREATE TRIGGER settings_copy_insert BEFORE INSERT ON reliability._settings_copy
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_copy_insert();
CREATE TRIGGER settings_copy_refuse_update BEFORE UPDATE ON reliability._settings_copy
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_copy_refuse_update();
CREATE TRIGGER settings_copy_refuse_delete BEFORE DELETE ON reliability._settings_copy
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_refuse_removal();
CREATE TRIGGER settings_copy_refuse_truncate BEFORE TRUNCATE ON reliability._settings_copy
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._settings_refuse_removal();

SELECT pg_catalog.pg_extension_config_dump('reliability._settings_copy', '');
REVOKE ALL ON TABLE reliability._settings_copy FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_sync() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_refuse_update() FROM PUBLIC;
