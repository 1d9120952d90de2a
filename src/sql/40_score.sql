-- Scores (SPEC §4): the formula alone, the tier, and the exact score from the tables.

CREATE TYPE reliability.score AS (
    score                  double precision,
    tier                   text,
    uptime                 double precision,
    uptime_component       double precision,
    interruption_component double precision,
    rating_component       double precision,
    online_seconds         double precision,
    offline_seconds        double precision,
    covered_seconds        double precision,
    coverage               double precision,
    interruptions          bigint,
    rating_count           bigint,
    rating_mean            double precision,
    last_observed_at       timestamptz,
    as_of                  timestamptz
);
COMMENT ON TYPE reliability.score IS 'A machine''s reliability score as of an instant, with its components and inputs.';

-- Fixed-length interval arithmetic (a day is 86,400 s, a month 30 days): timestamptz +/-
-- interval would follow the session's time zone across DST changes.
CREATE FUNCTION reliability.add_fixed(ts timestamptz, length interval) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'reliability_add_fixed' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability.add_fixed(timestamptz, interval) IS
    'ts plus the fixed length of the interval (extract(epoch ...) seconds), independent of the time zone.';
CREATE FUNCTION reliability.sub_fixed(ts timestamptz, length interval) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'reliability_sub_fixed' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability.sub_fixed(timestamptz, interval) IS
    'ts minus the fixed length of the interval (extract(epoch ...) seconds), independent of the time zone.';

CREATE FUNCTION reliability._compute_score(settings reliability.settings, uptime double precision, interruptions bigint,
                                           online_seconds double precision, rating_count bigint, rating_sum bigint)
RETURNS double precision AS 'MODULE_PATHNAME', 'reliability_compute_score' LANGUAGE C STRICT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._compute_score(reliability.settings, double precision, bigint, double precision, bigint, bigint) IS
    'Internal: the score formula with explicit settings.';

CREATE FUNCTION reliability.compute_score(uptime double precision, interruptions bigint, online_seconds double precision,
                                          rating_count bigint, rating_sum bigint)
RETURNS double precision LANGUAGE sql STABLE STRICT PARALLEL SAFE
BEGIN ATOMIC
    SELECT reliability._compute_score(s, uptime, interruptions, online_seconds, rating_count, rating_sum)
    FROM reliability.settings s;
END;
COMMENT ON FUNCTION reliability.compute_score(double precision, bigint, double precision, bigint, bigint) IS
    'The score formula alone (SPEC §4) with the current settings: 100 * (w_u * uptime + w_i * exp(-k * horizon / online) + w_r * (smoothed mean - 1) / 4).';

CREATE FUNCTION reliability._tier(settings reliability.settings, score double precision, covered_seconds double precision)
RETURNS text AS 'MODULE_PATHNAME', 'reliability_tier' LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._tier(reliability.settings, double precision, double precision) IS 'Internal: the tier with explicit settings.';

CREATE FUNCTION reliability.tier(score double precision, covered_seconds double precision)
RETURNS text LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT reliability._tier(s, score, covered_seconds) FROM reliability.settings s;
END;
COMMENT ON FUNCTION reliability.tier(double precision, double precision) IS
    'excellent / good / fair / poor by the settings'' thresholds; new when score is NULL or covered_seconds < min_history.';

-- Assembles the score composite from measured inputs. 0.1.0's score() (an SQL function
-- running with the caller's rights) called it, so every caller could call it too, with
-- inputs of its choosing; score() is now one C function that measures and assembles, and
-- _make_score is kept (its C symbol stays, docs/RELEASING.md rule 3) but not executable by
-- PUBLIC (90_privileges.sql).
CREATE FUNCTION reliability._make_score(settings reliability.settings, measured reliability.availability,
                                        interruptions bigint, rating_count bigint, rating_sum bigint,
                                        last_observed_at timestamptz, as_of timestamptz)
RETURNS reliability.score AS 'MODULE_PATHNAME', 'reliability_make_score' LANGUAGE C CALLED ON NULL INPUT IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._make_score(reliability.settings, reliability.availability, bigint, bigint, bigint, timestamptz, timestamptz) IS
    'Internal: builds a reliability.score from measured inputs.';

-- Raises 22008 for an infinite as_of, so every entry point rejects it the same way.
CREATE FUNCTION reliability._finite(ts timestamptz, what text) RETURNS timestamptz
AS 'MODULE_PATHNAME', 'reliability_finite' LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION reliability._finite(timestamptz, text) IS 'Internal: returns ts, or raises 22008 when it is not finite.';

-- The score from the tables (src/pg/score_functions.cpp): reads, with the caller's rights,
-- the settings, the availability of the window [as_of - score_window, as_of) (observations
-- from max_gap before it on), the interruptions in it, all ratings and the latest
-- observation before as_of, exactly as the cache (_recompute) does.
CREATE FUNCTION reliability.score(machine_id bigint, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS reliability.score AS 'MODULE_PATHNAME', 'reliability_score' LANGUAGE C STABLE PARALLEL SAFE COST 100;
COMMENT ON FUNCTION reliability.score(bigint, timestamptz) IS
    'The exact score of a machine as of as_of, computed from the tables (window [as_of - score_window, as_of)). NULL for an unknown machine.';
