-- Uptime windows (SPEC §2-3): the availability composite and the two parallel aggregates.

CREATE TYPE reliability.availability AS (
    online_seconds         double precision,
    offline_seconds        double precision,
    unknown_seconds        double precision,
    covered_seconds        double precision,
    uptime                 double precision,
    coverage               double precision,
    online_runs            bigint,
    outages                bigint,
    longest_outage_seconds double precision,
    mean_outage_seconds    double precision,
    mean_online_seconds    double precision
);
COMMENT ON TYPE reliability.availability IS
    'What reliability.availability() measures over a window: seconds online, offline, unknown and covered, uptime, coverage, runs, outages, MTTR and MTBF.';

CREATE FUNCTION reliability._uptime_trans(internal, timestamptz, boolean, tstzrange)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_uptime_trans'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_trans(internal, timestamptz, boolean, tstzrange, interval)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_uptime_trans_gap'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_uptime_combine'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'reliability_uptime_serialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_uptime_deserialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
-- The final functions read max_gap from reliability.settings when no max_gap was given,
-- hence STABLE.
CREATE FUNCTION reliability._uptime_final(internal)
RETURNS double precision AS 'MODULE_PATHNAME', 'reliability_uptime_final'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
CREATE FUNCTION reliability._availability_final(internal)
RETURNS reliability.availability AS 'MODULE_PATHNAME', 'reliability_availability_final'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;

COMMENT ON FUNCTION reliability._uptime_trans(internal, timestamptz, boolean, tstzrange) IS 'Internal: transition function of the uptime aggregates.';
COMMENT ON FUNCTION reliability._uptime_trans(internal, timestamptz, boolean, tstzrange, interval) IS 'Internal: transition function of the uptime aggregates.';
COMMENT ON FUNCTION reliability._uptime_combine(internal, internal) IS 'Internal: merges two partial uptime states (parallel aggregation).';
COMMENT ON FUNCTION reliability._uptime_serialize(internal) IS 'Internal: serializes an uptime state for a parallel worker.';
COMMENT ON FUNCTION reliability._uptime_deserialize(bytea, internal) IS 'Internal: reads a serialized uptime state.';
COMMENT ON FUNCTION reliability._uptime_final(internal) IS 'Internal: final function of reliability.uptime.';
COMMENT ON FUNCTION reliability._availability_final(internal) IS 'Internal: final function of reliability.availability.';

CREATE AGGREGATE reliability.uptime(observed_at timestamptz, online boolean, during tstzrange) (
    SFUNC = reliability._uptime_trans, STYPE = internal,
    FINALFUNC = reliability._uptime_final,
    COMBINEFUNC = reliability._uptime_combine,
    SERIALFUNC = reliability._uptime_serialize, DESERIALFUNC = reliability._uptime_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE reliability.uptime(observed_at timestamptz, online boolean, during tstzrange, max_gap interval) (
    SFUNC = reliability._uptime_trans, STYPE = internal,
    FINALFUNC = reliability._uptime_final,
    COMBINEFUNC = reliability._uptime_combine,
    SERIALFUNC = reliability._uptime_serialize, DESERIALFUNC = reliability._uptime_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE reliability.availability(observed_at timestamptz, online boolean, during tstzrange) (
    SFUNC = reliability._uptime_trans, STYPE = internal,
    FINALFUNC = reliability._availability_final,
    COMBINEFUNC = reliability._uptime_combine,
    SERIALFUNC = reliability._uptime_serialize, DESERIALFUNC = reliability._uptime_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE reliability.availability(observed_at timestamptz, online boolean, during tstzrange, max_gap interval) (
    SFUNC = reliability._uptime_trans, STYPE = internal,
    FINALFUNC = reliability._availability_final,
    COMBINEFUNC = reliability._uptime_combine,
    SERIALFUNC = reliability._uptime_serialize, DESERIALFUNC = reliability._uptime_deserialize,
    PARALLEL = SAFE
);

COMMENT ON AGGREGATE reliability.uptime(timestamptz, boolean, tstzrange) IS
    'Fraction of covered time the machine was online within the window; max_gap from reliability.settings.';
COMMENT ON AGGREGATE reliability.uptime(timestamptz, boolean, tstzrange, interval) IS
    'Fraction of covered time the machine was online within the window, each observation covering at most max_gap.';
COMMENT ON AGGREGATE reliability.availability(timestamptz, boolean, tstzrange) IS
    'Online, offline and unknown time, coverage, runs, outages, MTTR and MTBF within the window; max_gap from reliability.settings.';
COMMENT ON AGGREGATE reliability.availability(timestamptz, boolean, tstzrange, interval) IS
    'Online, offline and unknown time, coverage, runs, outages, MTTR and MTBF within the window, each observation covering at most max_gap.';
