-- Uptime summaries (SPEC §8): the type reliability.uptime_summary, the aggregates summarize
-- (the uptime aggregates' state and support functions, a final function of its own) and
-- rollup, and the accessors availability(), uptime() and during().

CREATE TYPE reliability.uptime_summary;
CREATE FUNCTION reliability._uptime_summary_in(cstring)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_uptime_summary_in'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_summary_out(reliability.uptime_summary)
RETURNS cstring AS 'MODULE_PATHNAME', 'reliability_uptime_summary_out'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_summary_recv(internal)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_uptime_summary_recv'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._uptime_summary_send(reliability.uptime_summary)
RETURNS bytea AS 'MODULE_PATHNAME', 'reliability_uptime_summary_send'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE TYPE reliability.uptime_summary (
    INPUT = reliability._uptime_summary_in, OUTPUT = reliability._uptime_summary_out,
    RECEIVE = reliability._uptime_summary_recv, SEND = reliability._uptime_summary_send,
    INTERNALLENGTH = VARIABLE, ALIGNMENT = int4, STORAGE = extended
);
COMMENT ON TYPE reliability.uptime_summary IS
    'What SPEC §2 knows of one machine''s observations over one window, in constant size: summaries of adjacent windows combine exactly (reliability.rollup). Text form (v1,lower,upper,max_gap,...) in microseconds since 2000-01-01 00:00 UTC.';
COMMENT ON FUNCTION reliability._uptime_summary_in(cstring) IS 'Internal: text input of reliability.uptime_summary.';
COMMENT ON FUNCTION reliability._uptime_summary_out(reliability.uptime_summary) IS 'Internal: text output of reliability.uptime_summary.';
COMMENT ON FUNCTION reliability._uptime_summary_recv(internal) IS 'Internal: binary input of reliability.uptime_summary.';
COMMENT ON FUNCTION reliability._uptime_summary_send(reliability.uptime_summary) IS 'Internal: binary output of reliability.uptime_summary.';

-- summarize: the state of the uptime aggregates (20_availability.sql). The final function
-- reads max_gap from reliability.settings when no max_gap was given, hence STABLE.
CREATE FUNCTION reliability._summarize_final(internal)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_summarize_final'
LANGUAGE C CALLED ON NULL INPUT STABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._summarize_final(internal) IS 'Internal: final function of reliability.summarize.';

CREATE AGGREGATE reliability.summarize(observed_at timestamptz, online boolean, during tstzrange) (
    SFUNC = reliability._uptime_trans, STYPE = internal,
    FINALFUNC = reliability._summarize_final,
    COMBINEFUNC = reliability._uptime_combine,
    SERIALFUNC = reliability._uptime_serialize, DESERIALFUNC = reliability._uptime_deserialize,
    PARALLEL = SAFE
);
CREATE AGGREGATE reliability.summarize(observed_at timestamptz, online boolean, during tstzrange, max_gap interval) (
    SFUNC = reliability._uptime_trans, STYPE = internal,
    FINALFUNC = reliability._summarize_final,
    COMBINEFUNC = reliability._uptime_combine,
    SERIALFUNC = reliability._uptime_serialize, DESERIALFUNC = reliability._uptime_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reliability.summarize(timestamptz, boolean, tstzrange) IS
    'The uptime summary of the observations over the window during (two finite bounds, lower < upper); max_gap from reliability.settings.';
COMMENT ON AGGREGATE reliability.summarize(timestamptz, boolean, tstzrange, interval) IS
    'The uptime summary of the observations over the window during (two finite bounds, lower < upper), each observation covering at most max_gap.';

-- rollup: its state is the sorted list of the disjoint ranges seen so far, each combined.
CREATE FUNCTION reliability._rollup_trans(internal, reliability.uptime_summary)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_rollup_trans'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._rollup_combine(internal, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_rollup_combine'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._rollup_serialize(internal)
RETURNS bytea AS 'MODULE_PATHNAME', 'reliability_rollup_serialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._rollup_deserialize(bytea, internal)
RETURNS internal AS 'MODULE_PATHNAME', 'reliability_rollup_deserialize'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability._rollup_final(internal)
RETURNS reliability.uptime_summary AS 'MODULE_PATHNAME', 'reliability_rollup_final'
LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._rollup_trans(internal, reliability.uptime_summary) IS 'Internal: transition function of reliability.rollup.';
COMMENT ON FUNCTION reliability._rollup_combine(internal, internal) IS 'Internal: merges two partial rollup states (parallel aggregation).';
COMMENT ON FUNCTION reliability._rollup_serialize(internal) IS 'Internal: serializes a rollup state for a parallel worker.';
COMMENT ON FUNCTION reliability._rollup_deserialize(bytea, internal) IS 'Internal: reads a serialized rollup state.';
COMMENT ON FUNCTION reliability._rollup_final(internal) IS 'Internal: final function of reliability.rollup.';

CREATE AGGREGATE reliability.rollup(summary reliability.uptime_summary) (
    SFUNC = reliability._rollup_trans, STYPE = internal,
    FINALFUNC = reliability._rollup_final,
    COMBINEFUNC = reliability._rollup_combine,
    SERIALFUNC = reliability._rollup_serialize, DESERIALFUNC = reliability._rollup_deserialize,
    PARALLEL = SAFE
);
COMMENT ON AGGREGATE reliability.rollup(reliability.uptime_summary) IS
    'The summary of the range that the summaries'' windows tile, in any order (one max_gap; overlap or a hole is an error).';

CREATE FUNCTION reliability.availability(summary reliability.uptime_summary)
RETURNS reliability.availability AS 'MODULE_PATHNAME', 'reliability_availability'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability.uptime(summary reliability.uptime_summary)
RETURNS double precision AS 'MODULE_PATHNAME', 'reliability_uptime'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION reliability.during(summary reliability.uptime_summary)
RETURNS tstzrange AS 'MODULE_PATHNAME', 'reliability_during'
LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability.availability(reliability.uptime_summary) IS
    'Online, offline and unknown time, coverage, runs, outages, MTTR and MTBF of the summary''s window: what the availability aggregate gives over the same rows.';
COMMENT ON FUNCTION reliability.uptime(reliability.uptime_summary) IS
    'Fraction of covered time online in the summary''s window (NULL when nothing is covered).';
COMMENT ON FUNCTION reliability.during(reliability.uptime_summary) IS 'The summary''s window, [lower, upper).';
