-- What clients call (SPEC §6): machines, ratings, the ranked list, daily history, reports.

CREATE FUNCTION reliability.machine(provider text, external_id text) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    id bigint;
BEGIN
    LOOP
        SELECT m.machine_id INTO id FROM reliability.machines m
         WHERE m.provider = machine.provider AND m.external_id = machine.external_id;
        IF FOUND THEN
            RETURN id;
        END IF;
        -- A concurrent creator makes this insert wait, then do nothing; the next loop
        -- iteration (a new snapshot in READ COMMITTED) then finds its row.
        INSERT INTO reliability.machines AS m (provider, external_id) VALUES (machine.provider, machine.external_id)
        ON CONFLICT ON CONSTRAINT machines_provider_external_id_key DO NOTHING
        RETURNING m.machine_id INTO id;
        IF id IS NOT NULL THEN
            RETURN id;
        END IF;
    END LOOP;
END
$$;
COMMENT ON FUNCTION reliability.machine(text, text) IS
    'The machine_id of (provider, external_id), created if it does not exist; safe under concurrency.';

CREATE FUNCTION reliability.rate(machine_id bigint, user_id text, stars integer, comment text DEFAULT NULL,
                                 rental_duration_hours double precision DEFAULT NULL, instance_id text DEFAULT NULL)
RETURNS reliability.ratings LANGUAGE sql VOLATILE
BEGIN ATOMIC
    INSERT INTO reliability.ratings AS r (machine_id, user_id, stars, comment, rental_duration_hours, instance_id)
    VALUES (rate.machine_id, rate.user_id, rate.stars, rate.comment, rate.rental_duration_hours, rate.instance_id)
    ON CONFLICT (machine_id, user_id) DO UPDATE SET
        stars = excluded.stars, comment = excluded.comment,
        rental_duration_hours = excluded.rental_duration_hours, instance_id = excluded.instance_id,
        updated_at = pg_catalog.now()
    RETURNING r.*;
END;
COMMENT ON FUNCTION reliability.rate(bigint, text, integer, text, double precision, text) IS
    'Inserts the user''s rating of the machine, or replaces it (one rating per user per machine); returns the row.';

-- One day of a history: the UTC day and its window [lo, hi) (cut at as_of).
CREATE TYPE reliability._history_window AS (day date, lo timestamptz, hi timestamptz, win tstzrange);
COMMENT ON TYPE reliability._history_window IS 'Internal: one UTC day of reliability.daily_uptime().';

-- The UTC days of a history: [day, day + 1) cut at as_of; validates days and as_of.
CREATE FUNCTION reliability._history_days(days integer, as_of timestamptz)
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
    PERFORM reliability._finite(as_of, 'as_of');
    last_day := (as_of AT TIME ZONE 'UTC')::date;
    RETURN QUERY
        SELECT g.d, (g.d::timestamp AT TIME ZONE 'UTC'), LEAST(((g.d + 1)::timestamp AT TIME ZONE 'UTC'), as_of)
          FROM (SELECT last_day - i AS d FROM pg_catalog.generate_series(days - 1, 0, -1) AS s(i)) g;
END
$$;
COMMENT ON FUNCTION reliability._history_days(integer, timestamptz) IS 'Internal: the UTC day windows of a history.';

CREATE FUNCTION reliability.daily_uptime(machine_id bigint, days integer DEFAULT 30, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (day date, online_seconds double precision, offline_seconds double precision,
               uptime double precision, coverage double precision, interruptions bigint)
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 30 SET search_path = pg_catalog, pg_temp AS $$
#variable_conflict use_column
DECLARE
    windows reliability._history_window[];
BEGIN
    -- Validate days and as_of first, so bad arguments are errors for every machine_id.
    windows := ARRAY(SELECT ROW(h.day, h.lo, h.hi, pg_catalog.tstzrange(h.lo, h.hi))::reliability._history_window
                       FROM reliability._history_days(daily_uptime.days, daily_uptime.as_of) h);
    IF NOT EXISTS (SELECT FROM reliability.machines x WHERE x.machine_id = daily_uptime.machine_id) THEN
        RETURN;
    END IF;
    RETURN QUERY
    SELECT d.day,
           COALESCE((a.m).online_seconds, 0),
           COALESCE((a.m).offline_seconds, 0),
           (a.m).uptime,
           COALESCE((a.m).coverage, 0),
           (SELECT pg_catalog.count(*) FROM reliability.interruptions i
             WHERE i.machine_id = daily_uptime.machine_id AND i.occurred_at >= d.lo AND i.occurred_at < d.hi)
      FROM pg_catalog.unnest(windows) d
     CROSS JOIN (SELECT st.max_gap FROM reliability.settings st) st
     CROSS JOIN LATERAL (
           SELECT reliability.availability(o.observed_at, o.online, d.win, st.max_gap) AS m
             FROM reliability.observations o
            WHERE o.machine_id = daily_uptime.machine_id
              AND o.observed_at >= reliability.sub_fixed(d.lo, st.max_gap) AND o.observed_at < d.hi) a
     ORDER BY d.day;
END
$$;
COMMENT ON FUNCTION reliability.daily_uptime(bigint, integer, timestamptz) IS
    'One row per UTC day, oldest first, for the last days days up to the day of as_of: online/offline seconds, uptime, coverage, interruptions.';

CREATE FUNCTION reliability.sparkline(machine_id bigint, days integer DEFAULT 30, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(
               CASE WHEN h.uptime IS NULL THEN '·'
                    ELSE pg_catalog.substr('▁▂▃▄▅▆▇█', LEAST(7, pg_catalog.floor(h.uptime * 8)::integer) + 1, 1) END,
               '' ORDER BY h.day)
      FROM reliability.daily_uptime(sparkline.machine_id, sparkline.days, sparkline.as_of) h;
END;
COMMENT ON FUNCTION reliability.sparkline(bigint, integer, timestamptz) IS
    'One character per day of daily_uptime: · for no data, else ▁▂▃▄▅▆▇█ by uptime.';

CREATE VIEW reliability.machine_reliability AS
SELECT m.machine_id, m.provider, m.external_id, m.created_at,
       s.score, COALESCE(s.tier, 'new') AS tier, s.uptime, s.uptime_component, s.interruption_component,
       s.rating_component, s.online_seconds, s.offline_seconds, s.covered_seconds, s.coverage,
       s.interruptions, s.rating_count, s.rating_mean, s.last_observed_at, s.as_of, s.computed_at,
       EXISTS (SELECT FROM reliability.blacklist b
                WHERE b.machine_id = m.machine_id AND (b.expires_at IS NULL OR pg_catalog.now() < b.expires_at)) AS blacklisted,
       -- The latest observation up to now() (one backward index probe per listed row; an
       -- EXISTS here could be planned as a hash over every recent observation).
       COALESCE((SELECT pg_catalog.max(o.observed_at) FROM reliability.observations o
                  WHERE o.machine_id = m.machine_id AND o.observed_at <= pg_catalog.now())
                < reliability.sub_fixed(pg_catalog.now(), (SELECT st.stale_after FROM reliability.settings st)),
                true) AS stale
  FROM reliability.machines m
  LEFT JOIN reliability.scores s ON s.machine_id = m.machine_id;
COMMENT ON VIEW reliability.machine_reliability IS
    'Every machine with its cached score, tier, blacklisted and stale flags: the list an API sorts (ORDER BY score DESC NULLS LAST uses an index) and filters.';

CREATE FUNCTION reliability.report(machine_id bigint, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'machine_id', m.machine_id,
               'provider', m.provider,
               'external_id', m.external_id,
               'score', pg_catalog.to_jsonb(reliability.score(m.machine_id, report.as_of)),
               'blacklisted', b.machine_id IS NOT NULL,
               'blacklist', CASE WHEN b.machine_id IS NULL THEN 'null'::jsonb
                                 ELSE pg_catalog.jsonb_build_object('kind', b.kind, 'reason', b.reason,
                                          'blocked_by', b.blocked_by, 'blacklisted_at', b.blacklisted_at,
                                          'expires_at', b.expires_at) END,
               'stale', NOT EXISTS (SELECT FROM reliability.observations o
                                     WHERE o.machine_id = m.machine_id
                                       AND o.observed_at >= reliability.sub_fixed(report.as_of,
                                                              (SELECT st.stale_after FROM reliability.settings st))
                                       AND o.observed_at <= report.as_of),
               'history', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(h) ORDER BY h.day)
                                      FROM reliability.daily_uptime(m.machine_id, 30, report.as_of) h), '[]'::jsonb))
      FROM reliability.machines m
      LEFT JOIN reliability.blacklist b
             ON b.machine_id = m.machine_id AND (b.expires_at IS NULL OR report.as_of < b.expires_at)
     WHERE m.machine_id = report.machine_id AND reliability._finite(report.as_of, 'as_of') IS NOT NULL;
END;
COMMENT ON FUNCTION reliability.report(bigint, timestamptz) IS
    'Everything an API needs about one machine as of as_of, as one JSON object: identity, score, blacklist, stale, 30 days of history.';
