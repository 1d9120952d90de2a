-- For brokers (SPEC §11): a whole poll cycle keyed by the provider's ids, and a machine's
-- timeline.

-- One call per poll cycle: gets or creates every machine (as machine() does, in (provider,
-- external_id) order), then inserts every new observation in one statement, in (machine,
-- time) order, so the cache engine sees one poll cycle and two calls never wait on each
-- other in opposite orders. A row whose (machine, observed_at) exists, or repeats an earlier
-- element of the same call, is skipped: a resent cycle inserts nothing. SECURITY DEFINER: a
-- role granted EXECUTE (and USAGE on the schema) needs no table privilege; not for PUBLIC.
CREATE FUNCTION reliability.observe(provider text[], external_id text[], observed_at timestamptz[], online boolean[])
RETURNS bigint LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    n integer;
    inserted bigint;
    arg text;
BEGIN
    IF provider IS NULL OR external_id IS NULL OR observed_at IS NULL OR online IS NULL THEN
        RAISE EXCEPTION 'observe: % must not be NULL',
            CASE WHEN provider IS NULL THEN 'provider' WHEN external_id IS NULL THEN 'external_id'
                 WHEN observed_at IS NULL THEN 'observed_at' ELSE 'online' END
            USING ERRCODE = 'null_value_not_allowed';
    END IF;
    n := pg_catalog.cardinality(provider);
    IF pg_catalog.cardinality(external_id) OPERATOR(pg_catalog.<>) n
       OR pg_catalog.cardinality(observed_at) OPERATOR(pg_catalog.<>) n
       OR pg_catalog.cardinality(online) OPERATOR(pg_catalog.<>) n
       OR COALESCE(pg_catalog.array_ndims(provider), 1) OPERATOR(pg_catalog.<>) 1
       OR COALESCE(pg_catalog.array_ndims(external_id), 1) OPERATOR(pg_catalog.<>) 1
       OR COALESCE(pg_catalog.array_ndims(observed_at), 1) OPERATOR(pg_catalog.<>) 1
       OR COALESCE(pg_catalog.array_ndims(online), 1) OPERATOR(pg_catalog.<>) 1 THEN
        RAISE EXCEPTION 'observe: the four arrays must be one-dimensional and of one length'
            USING ERRCODE = 'invalid_parameter_value',
                  DETAIL = pg_catalog.format('provider has %s elements, external_id %s, observed_at %s, online %s.',
                                             n, pg_catalog.cardinality(external_id),
                                             pg_catalog.cardinality(observed_at), pg_catalog.cardinality(online));
    END IF;
    arg := CASE WHEN pg_catalog.array_position(provider, NULL) IS NOT NULL THEN 'provider'
                WHEN pg_catalog.array_position(external_id, NULL) IS NOT NULL THEN 'external_id'
                WHEN pg_catalog.array_position(observed_at, NULL) IS NOT NULL THEN 'observed_at'
                WHEN pg_catalog.array_position(online, NULL) IS NOT NULL THEN 'online' END;
    IF arg IS NOT NULL THEN
        RAISE EXCEPTION 'observe: % has a NULL element', arg USING ERRCODE = 'null_value_not_allowed';
    END IF;

    PERFORM reliability.machine(d.p, d.e)
       FROM (SELECT DISTINCT u.p, u.e FROM ROWS FROM (pg_catalog.unnest(provider), pg_catalog.unnest(external_id)) AS u(p, e)) d
      WHERE NOT EXISTS (SELECT FROM reliability.machines m
                         WHERE m.provider OPERATOR(pg_catalog.=) d.p AND m.external_id OPERATOR(pg_catalog.=) d.e)
      ORDER BY d.p, d.e;

    INSERT INTO reliability.observations AS o (machine_id, observed_at, online)
    SELECT DISTINCT ON (m.machine_id, u.t) m.machine_id, u.t, u.s
      FROM ROWS FROM (pg_catalog.unnest(provider), pg_catalog.unnest(external_id), pg_catalog.unnest(observed_at),
                     pg_catalog.unnest(online)) WITH ORDINALITY AS u(p, e, t, s, i)
      JOIN reliability.machines m
        ON m.provider OPERATOR(pg_catalog.=) u.p AND m.external_id OPERATOR(pg_catalog.=) u.e
     ORDER BY m.machine_id, u.t, u.i
    ON CONFLICT DO NOTHING;   -- the key is the one unique index (no conflict target: a coordinator's servers check it, SPEC §12)
    GET DIAGNOSTICS inserted = ROW_COUNT;
    RETURN inserted;
END
$$;
COMMENT ON FUNCTION reliability.observe(text[], text[], timestamptz[], boolean[]) IS
    'A whole poll cycle keyed by the provider''s ids: gets or creates each machine, inserts the observations not yet stored (a resent cycle changes nothing); returns how many it inserted.';
REVOKE ALL ON FUNCTION reliability.observe(text[], text[], timestamptz[], boolean[]) FROM PUBLIC;

-- The timeline (C, src/pg/periods.cpp), with the caller's rights, like score().
CREATE FUNCTION reliability.periods(machine_id bigint, during tstzrange DEFAULT NULL)
RETURNS TABLE (state text, started_at timestamptz, ended_at timestamptz)
AS 'MODULE_PATHNAME', 'reliability_periods' LANGUAGE C STABLE PARALLEL SAFE ROWS 100;
COMMENT ON FUNCTION reliability.periods(bigint, tstzrange) IS
    'The machine''s online / offline / unknown stretches within during (default: the last score_window before now()), oldest first, covering it exactly; no rows for an unknown machine.';
