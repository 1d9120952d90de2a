-- reliability: exact, trigger-maintained reliability scores for GPU marketplace machines.
-- Assembled from src/sql/*.sql by the Makefile. Every object is schema-qualified so the
-- script (and every function body) behaves the same under any search_path.
--
-- Security (SPEC §7; PostgreSQL's "Security Considerations for Extensions"): this script
-- runs as a superuser with search_path = reliability, pg_temp, so anything that resolves a
-- name through search_path could pick an object planted in schema reliability. Therefore:
--   * the script runs with search_path = pg_catalog, pg_temp (SET LOCAL: CREATE EXTENSION
--     restores the caller's search_path when the script ends);
--   * it refuses a schema reliability that someone else prepared (below);
--   * every operator in what the script evaluates or stores outside a function body with a
--     pinned search_path (CHECK constraints, trigger WHEN clauses, index expressions, the
--     view, BEGIN ATOMIC bodies, top-level statements) is written OPERATOR(pg_catalog.x)
--     (BETWEEN, IN, IS DISTINCT FROM, LIKE and CASE x WHEN are operator lookups too, so none
--     is used there);
--   * every call of one of the extension's own functions passes arguments of exactly the
--     declared types (NULL::bigint[], 'as_of'::pg_catalog.text, every defaulted argument
--     given), so no overload that someone adds to schema reliability can capture it;
--   * every PL/pgSQL function pins search_path = pg_catalog, pg_temp; every SQL function
--     is BEGIN ATOMIC (parsed here, not at call time).

\echo Use "CREATE EXTENSION reliability" to load this file. \quit

SET LOCAL search_path = pg_catalog, pg_temp;

-- Refuse a schema reliability that this CREATE EXTENSION cannot trust. The control file's
-- "schema = reliability" makes CREATE EXTENSION create the schema when it does not exist
-- (owned by the installing superuser, empty, no privileges for anyone else), but it
-- silently reuses an existing one: one created beforehand by, e.g., a database owner who is
-- not a superuser (as on managed services), with operators or functions planted in it that
-- this script or the extension's SECURITY DEFINER functions would run with superuser
-- rights. PostgreSQL 15 records neither case as an extension member, so the schema is
-- judged by what can be seen of it: it must be owned by a superuser, no other role may
-- create objects in it, and it must hold nothing yet (this extension's own pg_extension
-- row aside). That accepts the schema CREATE EXTENSION has just made, and the empty,
-- superuser-owned schema that a pg_dump restore creates right before its CREATE EXTENSION
-- (pg_dump dumps the schema, which is not an extension member, as CREATE SCHEMA; its ACL
-- is restored later), and refuses everything a less privileged role could have prepared.
-- Written with qualified operators and functions only: it runs before the schema is known
-- to be safe.
DO $guard$
DECLARE
    nsp pg_catalog.oid;
    owner_name pg_catalog.text;
    owner_is_superuser boolean;
    creators pg_catalog.text;
    contents pg_catalog.text;
    problems pg_catalog.text[] := '{}';
BEGIN
    SELECT n.oid, r.rolname::pg_catalog.text, r.rolsuper INTO nsp, owner_name, owner_is_superuser
      FROM pg_catalog.pg_namespace n
      JOIN pg_catalog.pg_authid r ON r.oid OPERATOR(pg_catalog.=) n.nspowner
     WHERE n.nspname OPERATOR(pg_catalog.=) 'reliability'::pg_catalog.name;

    -- Roles other than the owner (and superusers) that may create objects in the schema.
    SELECT pg_catalog.string_agg(DISTINCT CASE WHEN a.grantee OPERATOR(pg_catalog.=) 0::pg_catalog.oid THEN 'PUBLIC'
                                               ELSE pg_catalog.quote_ident(g.rolname::pg_catalog.text) END, ', ')
      INTO creators
      FROM pg_catalog.pg_namespace n
     CROSS JOIN LATERAL pg_catalog.aclexplode(n.nspacl) a
      LEFT JOIN pg_catalog.pg_authid g ON g.oid OPERATOR(pg_catalog.=) a.grantee
     WHERE n.oid OPERATOR(pg_catalog.=) nsp
       AND a.privilege_type OPERATOR(pg_catalog.=) 'CREATE'::pg_catalog.text
       AND a.grantee OPERATOR(pg_catalog.<>) n.nspowner
       AND NOT COALESCE(g.rolsuper, false);

    -- Anything already in it (the first few, by name).
    SELECT pg_catalog.string_agg(x.what, ', ') INTO contents
      FROM (SELECT o.what FROM (
                SELECT pg_catalog.pg_describe_object(k.classid, k.objid, 0) AS what
                  FROM (SELECT 'pg_catalog.pg_class'::pg_catalog.regclass AS classid, c.oid AS objid
                          FROM pg_catalog.pg_class c WHERE c.relnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_proc'::pg_catalog.regclass, p.oid
                          FROM pg_catalog.pg_proc p WHERE p.pronamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_type'::pg_catalog.regclass, t.oid
                          FROM pg_catalog.pg_type t WHERE t.typnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_operator'::pg_catalog.regclass, o.oid
                          FROM pg_catalog.pg_operator o WHERE o.oprnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_opclass'::pg_catalog.regclass, oc.oid
                          FROM pg_catalog.pg_opclass oc WHERE oc.opcnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_opfamily'::pg_catalog.regclass, f.oid
                          FROM pg_catalog.pg_opfamily f WHERE f.opfnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_collation'::pg_catalog.regclass, co.oid
                          FROM pg_catalog.pg_collation co WHERE co.collnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_conversion'::pg_catalog.regclass, cv.oid
                          FROM pg_catalog.pg_conversion cv WHERE cv.connamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_statistic_ext'::pg_catalog.regclass, s.oid
                          FROM pg_catalog.pg_statistic_ext s WHERE s.stxnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_ts_config'::pg_catalog.regclass, tc.oid
                          FROM pg_catalog.pg_ts_config tc WHERE tc.cfgnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_ts_dict'::pg_catalog.regclass, td.oid
                          FROM pg_catalog.pg_ts_dict td WHERE td.dictnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_ts_parser'::pg_catalog.regclass, tp.oid
                          FROM pg_catalog.pg_ts_parser tp WHERE tp.prsnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_ts_template'::pg_catalog.regclass, tt.oid
                          FROM pg_catalog.pg_ts_template tt WHERE tt.tmplnamespace OPERATOR(pg_catalog.=) nsp
                        UNION ALL
                        SELECT 'pg_catalog.pg_extension'::pg_catalog.regclass, e.oid
                          FROM pg_catalog.pg_extension e
                         WHERE e.extnamespace OPERATOR(pg_catalog.=) nsp
                           AND e.extname OPERATOR(pg_catalog.<>) 'reliability'::pg_catalog.name) k
            ) o ORDER BY o.what LIMIT 5) x;

    IF NOT owner_is_superuser THEN
        problems := problems OPERATOR(pg_catalog.||)
            pg_catalog.format('it is owned by role %I, which is not a superuser', owner_name);
    END IF;
    IF creators IS NOT NULL THEN
        problems := problems OPERATOR(pg_catalog.||)
            pg_catalog.format('roles other than its owner may create objects in it (%s)', creators);
    END IF;
    IF contents IS NOT NULL THEN
        problems := problems OPERATOR(pg_catalog.||)
            pg_catalog.format('it already holds objects (%s)', contents);
    END IF;
    IF pg_catalog.cardinality(problems) OPERATOR(pg_catalog.>) 0 THEN
        RAISE EXCEPTION 'schema "reliability" already exists and cannot hold the extension safely'
            USING ERRCODE = 'duplicate_schema',
                  DETAIL = pg_catalog.format('The schema was not created by this CREATE EXTENSION: %s. Whoever controls it could run code with the installing superuser''s rights.',
                                             pg_catalog.array_to_string(problems, '; ')),
                  HINT = 'Drop or rename schema "reliability" and run CREATE EXTENSION reliability again: it then creates the schema itself.';
    END IF;
END
$guard$;
-- Settings: the one row of scoring parameters (SPEC §4). Lengths are intervals taken as
-- fixed lengths (extract(epoch ...)), so the checks compare epochs, not calendar intervals.
-- The CHECK constraints are stored expressions: their operators are qualified (see
-- 00_header.sql), and sql/reliability--0.1.0--0.2.0.sql re-creates them with this text.

CREATE TABLE reliability.settings (
    singleton            boolean PRIMARY KEY DEFAULT true CONSTRAINT settings_single_row CHECK (singleton),
    score_window         interval NOT NULL DEFAULT interval '30 days',
    max_gap              interval NOT NULL DEFAULT interval '15 minutes',
    weight_uptime        double precision NOT NULL DEFAULT 0.4,
    weight_interruption  double precision NOT NULL DEFAULT 0.4,
    weight_rating        double precision NOT NULL DEFAULT 0.2,
    interruption_horizon interval NOT NULL DEFAULT interval '24 hours',
    rating_prior_mean    double precision NOT NULL DEFAULT 4.0,
    rating_prior_weight  double precision NOT NULL DEFAULT 5,
    min_history          interval NOT NULL DEFAULT interval '7 days',
    tier_excellent       double precision NOT NULL DEFAULT 90,
    tier_good            double precision NOT NULL DEFAULT 75,
    tier_fair            double precision NOT NULL DEFAULT 60,
    stale_after          interval NOT NULL DEFAULT interval '24 hours',
    auto_blacklist_below double precision DEFAULT NULL,
    auto_blacklist_for   interval NOT NULL DEFAULT interval '24 hours',
    -- Lengths are fixed lengths (extract(epoch ...) seconds): positive (min_history may be
    -- 0) and at most 100 years = 3,155,760,000 s, so that every function works for every
    -- as_of between the years 1900 and 9999 (SPEC §4).
    CONSTRAINT settings_score_window_positive
        CHECK (pg_catalog.date_part('epoch', score_window) OPERATOR(pg_catalog.>) 0),
    CONSTRAINT settings_max_gap_positive
        CHECK (pg_catalog.date_part('epoch', max_gap) OPERATOR(pg_catalog.>) 0),
    CONSTRAINT settings_interruption_horizon_positive
        CHECK (pg_catalog.date_part('epoch', interruption_horizon) OPERATOR(pg_catalog.>) 0),
    CONSTRAINT settings_stale_after_positive
        CHECK (pg_catalog.date_part('epoch', stale_after) OPERATOR(pg_catalog.>) 0),
    CONSTRAINT settings_auto_blacklist_for_positive
        CHECK (pg_catalog.date_part('epoch', auto_blacklist_for) OPERATOR(pg_catalog.>) 0),
    CONSTRAINT settings_min_history_not_negative
        CHECK (pg_catalog.date_part('epoch', min_history) OPERATOR(pg_catalog.>=) 0),
    CONSTRAINT settings_score_window_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', score_window) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_max_gap_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', max_gap) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_interruption_horizon_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', interruption_horizon) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_min_history_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', min_history) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_stale_after_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', stale_after) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_auto_blacklist_for_at_most_100_years
        CHECK (pg_catalog.date_part('epoch', auto_blacklist_for) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_weight_uptime_range
        CHECK (weight_uptime OPERATOR(pg_catalog.>=) 0 AND weight_uptime OPERATOR(pg_catalog.<=) 1),
    CONSTRAINT settings_weight_interruption_range
        CHECK (weight_interruption OPERATOR(pg_catalog.>=) 0 AND weight_interruption OPERATOR(pg_catalog.<=) 1),
    CONSTRAINT settings_weight_rating_range
        CHECK (weight_rating OPERATOR(pg_catalog.>=) 0 AND weight_rating OPERATOR(pg_catalog.<=) 1),
    CONSTRAINT settings_weights_sum_to_one
        CHECK (pg_catalog.abs(weight_uptime OPERATOR(pg_catalog.+) weight_interruption OPERATOR(pg_catalog.+) weight_rating
                              OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.<=) 1e-9),
    CONSTRAINT settings_rating_prior_mean_range
        CHECK (rating_prior_mean OPERATOR(pg_catalog.>=) 1 AND rating_prior_mean OPERATOR(pg_catalog.<=) 5),
    CONSTRAINT settings_rating_prior_weight_range
        CHECK (rating_prior_weight OPERATOR(pg_catalog.>=) 0
               AND rating_prior_weight OPERATOR(pg_catalog.<) 'infinity'::pg_catalog.float8),
    CONSTRAINT settings_tiers_range
        CHECK (tier_fair OPERATOR(pg_catalog.>=) 0 AND tier_excellent OPERATOR(pg_catalog.<=) 100),
    CONSTRAINT settings_tiers_ordered
        CHECK (tier_excellent OPERATOR(pg_catalog.>=) tier_good AND tier_good OPERATOR(pg_catalog.>=) tier_fair),
    CONSTRAINT settings_auto_blacklist_below_range
        CHECK (auto_blacklist_below OPERATOR(pg_catalog.>=) 0 AND auto_blacklist_below OPERATOR(pg_catalog.<=) 100)
);
COMMENT ON TABLE reliability.settings IS
    'The one row of scoring parameters (SPEC §4). UPDATE it to change them; every cached score is recomputed.';
COMMENT ON SCHEMA reliability IS 'reliability: exact, trigger-maintained reliability scores for GPU marketplace machines.';
COMMENT ON COLUMN reliability.settings.singleton IS 'Always true: the table holds exactly one row.';
COMMENT ON COLUMN reliability.settings.weight_uptime IS 'Weight of the uptime component U (weights sum to 1).';
COMMENT ON COLUMN reliability.settings.weight_interruption IS 'Weight of the interruption component I (weights sum to 1).';
COMMENT ON COLUMN reliability.settings.weight_rating IS 'Weight of the rating component R (weights sum to 1).';
COMMENT ON COLUMN reliability.settings.rating_prior_mean IS 'Prior mean (1-5) the smoothed rating mean starts from.';
COMMENT ON COLUMN reliability.settings.rating_prior_weight IS 'How many ratings the prior mean counts as.';
COMMENT ON COLUMN reliability.settings.tier_excellent IS 'Lowest score of tier excellent.';
COMMENT ON COLUMN reliability.settings.tier_good IS 'Lowest score of tier good.';
COMMENT ON COLUMN reliability.settings.tier_fair IS 'Lowest score of tier fair (below it: poor).';
COMMENT ON COLUMN reliability.settings.auto_blacklist_for IS 'How long an automatic blacklist entry lasts from its computation.';
COMMENT ON COLUMN reliability.settings.score_window IS 'Length of the window a score looks back over (fixed length).';
COMMENT ON COLUMN reliability.settings.max_gap IS 'How long one observation speaks for at most; later time is unknown.';
COMMENT ON COLUMN reliability.settings.interruption_horizon IS 'Job length whose survival chance is the interruption component.';
COMMENT ON COLUMN reliability.settings.min_history IS 'Covered time below which a machine stays in tier new.';
COMMENT ON COLUMN reliability.settings.stale_after IS 'A machine with no observation this recent is stale.';
COMMENT ON COLUMN reliability.settings.auto_blacklist_below IS 'Scores below this blacklist the machine automatically; NULL turns it off.';

INSERT INTO reliability.settings DEFAULT VALUES;

-- Keep exactly one row: a second INSERT (as a pg_dump restore does, after CREATE EXTENSION
-- made the default row) updates the existing row instead; DELETE and TRUNCATE are refused.
CREATE FUNCTION reliability._settings_merge_insert() RETURNS trigger
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
COMMENT ON FUNCTION reliability._settings_merge_insert() IS 'Internal: turns an INSERT into reliability.settings into an UPDATE of its one row.';

CREATE FUNCTION reliability._settings_refuse_removal() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'reliability.% must keep its one row; UPDATE reliability.settings instead', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END
$$;
COMMENT ON FUNCTION reliability._settings_refuse_removal() IS 'Internal: refuses DELETE and TRUNCATE on reliability.settings and its copy.';

CREATE TRIGGER settings_merge_insert BEFORE INSERT ON reliability.settings
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_merge_insert();
CREATE TRIGGER settings_refuse_delete BEFORE DELETE ON reliability.settings
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_refuse_removal();
CREATE TRIGGER settings_refuse_truncate BEFORE TRUNCATE ON reliability.settings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._settings_refuse_removal();

SELECT pg_catalog.pg_extension_config_dump('reliability.settings', '');

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
INSERT INTO reliability._settings_copy DEFAULT VALUES;

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
-- The per-machine tables (SPEC §1). Every per-machine table leads with machine_id so it
-- can be hash-partitioned by it; deleting a machine deletes its data. The CHECK constraints
-- qualify their operators (00_header.sql); they mean exactly what 0.1.0's BETWEEN / IN / >=
-- meant, so an update keeps the 0.1.0 constraints (no re-validation of big tables).

CREATE TABLE reliability.machines (
    machine_id  bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    provider    text NOT NULL CONSTRAINT machines_provider_length
                    CHECK (pg_catalog.char_length(provider) OPERATOR(pg_catalog.>=) 1
                           AND pg_catalog.char_length(provider) OPERATOR(pg_catalog.<=) 100),
    external_id text NOT NULL CONSTRAINT machines_external_id_length
                    CHECK (pg_catalog.char_length(external_id) OPERATOR(pg_catalog.>=) 1
                           AND pg_catalog.char_length(external_id) OPERATOR(pg_catalog.<=) 100),
    created_at  timestamptz NOT NULL DEFAULT pg_catalog.now(),
    CONSTRAINT machines_provider_external_id_key UNIQUE (provider, external_id)
);
COMMENT ON SEQUENCE reliability.machines_machine_id_seq IS 'Identity of reliability.machines.machine_id (dumped by pg_dump).';
COMMENT ON TABLE reliability.machines IS 'A rentable machine: provider plus its id there. Create with reliability.machine(provider, external_id).';

-- observations and interruptions are range-partitioned by time, so that compact() can drop
-- whole partitions instead of deleting rows (SPEC §9). The extension creates only their
-- DEFAULT partitions, which take every row while no time partition exists: an install
-- without pg_partman works on one table each, as before. Time partitions are made by
-- pg_partman (docs/PARTITIONING.md). Each DEFAULT partition is created as a table of its own
-- and attached, exactly as the update from 0.4.0 attaches the existing table, so both
-- catalogs are the same. Rows are written through the parents: the cache and history
-- triggers are statement triggers of the parents.
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

CREATE TABLE reliability.observations_default (
    machine_id  bigint NOT NULL CONSTRAINT observations_machine_id_fkey
                    REFERENCES reliability.machines ON DELETE CASCADE,
    observed_at timestamptz NOT NULL CONSTRAINT observations_observed_at_finite CHECK (pg_catalog.isfinite(observed_at)),
    online      boolean NOT NULL,
    CONSTRAINT observations_default_pkey PRIMARY KEY (machine_id, observed_at) INCLUDE (online)
);
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

CREATE TABLE reliability.interruptions_default (
    machine_id  bigint NOT NULL CONSTRAINT interruptions_machine_id_fkey
                    REFERENCES reliability.machines ON DELETE CASCADE,
    occurred_at timestamptz NOT NULL CONSTRAINT interruptions_occurred_at_finite CHECK (pg_catalog.isfinite(occurred_at)),
    instance_id text,
    reason      text
);
CREATE INDEX interruptions_default_machine_occurred_idx ON reliability.interruptions_default (machine_id, occurred_at);
ALTER TABLE reliability.interruptions ATTACH PARTITION reliability.interruptions_default DEFAULT;
CREATE INDEX interruptions_machine_occurred_idx ON reliability.interruptions (machine_id, occurred_at);
COMMENT ON TABLE reliability.interruptions_default IS
    'The DEFAULT partition of interruptions: every row outside the time partitions. Write through reliability.interruptions.';

CREATE TABLE reliability.ratings (
    machine_id            bigint NOT NULL REFERENCES reliability.machines ON DELETE CASCADE,
    user_id               text NOT NULL CONSTRAINT ratings_user_id_length
                              CHECK (pg_catalog.char_length(user_id) OPERATOR(pg_catalog.>=) 1
                                     AND pg_catalog.char_length(user_id) OPERATOR(pg_catalog.<=) 100),
    stars                 integer NOT NULL CONSTRAINT ratings_stars_range
                              CHECK (stars OPERATOR(pg_catalog.>=) 1 AND stars OPERATOR(pg_catalog.<=) 5),
    comment               text CONSTRAINT ratings_comment_length
                              CHECK (pg_catalog.char_length(comment) OPERATOR(pg_catalog.<=) 1000),
    rental_duration_hours double precision CONSTRAINT ratings_rental_duration_hours_range
                              CHECK (rental_duration_hours OPERATOR(pg_catalog.>=) 0
                                     AND rental_duration_hours OPERATOR(pg_catalog.<) 'infinity'::pg_catalog.float8),
    instance_id           text,
    created_at            timestamptz NOT NULL DEFAULT pg_catalog.now(),
    updated_at            timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (machine_id, user_id)
);
COMMENT ON TABLE reliability.ratings IS 'One 1-5 star rating per user per machine. Write with reliability.rate(...).';

CREATE TABLE reliability.blacklist (
    machine_id     bigint PRIMARY KEY REFERENCES reliability.machines ON DELETE CASCADE,
    kind           text NOT NULL CONSTRAINT blacklist_kind_valid
                       CHECK (kind OPERATOR(pg_catalog.=) ANY (ARRAY['manual', 'temporary', 'auto'])),
    reason         text,
    blocked_by     text,
    blacklisted_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    expires_at     timestamptz
);
COMMENT ON TABLE reliability.blacklist IS
    'At most one entry per machine; active while expires_at IS NULL OR now() < expires_at. Kind auto is written by the score triggers.';

SELECT pg_catalog.pg_extension_config_dump('reliability.machines', '');
SELECT pg_catalog.pg_extension_config_dump('reliability.machines_machine_id_seq', '');
-- The parents too, though pg_dump dumps the rows of partitions only (a partitioned table
-- has none): the DEFAULT partitions as extension tables, the time partitions as user tables.
SELECT pg_catalog.pg_extension_config_dump('reliability.observations', '');
SELECT pg_catalog.pg_extension_config_dump('reliability.observations_default', '');
SELECT pg_catalog.pg_extension_config_dump('reliability.interruptions', '');
SELECT pg_catalog.pg_extension_config_dump('reliability.interruptions_default', '');
SELECT pg_catalog.pg_extension_config_dump('reliability.ratings', '');
SELECT pg_catalog.pg_extension_config_dump('reliability.blacklist', '');
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
-- The score cache (SPEC §5): one row per machine with data, kept exact by statement-level
-- triggers with transition tables. Every writer locks the affected rows of
-- reliability.scores in machine_id order, then recomputes them (incrementally where it can)
-- as of max(now(), previous computed_at), so concurrent batches neither deadlock nor lose
-- an update, and computed_at never moves backwards.

-- One row: machine_id, the fields of reliability.score (defined once, there), computed_at.
-- Every poll rewrites each polled machine's row: fillfactor 50 leaves room on its page for
-- the new version, so the update is HOT (no index entry) when the score did not change, and
-- its WAL record carries only the changed bytes.
CREATE TABLE reliability.scores (
    machine_id  bigint PRIMARY KEY REFERENCES reliability.machines ON DELETE CASCADE,
    LIKE reliability.score,
    computed_at timestamptz NOT NULL
) WITH (fillfactor = 50);
ALTER TABLE reliability.scores ALTER COLUMN tier SET NOT NULL;
-- The ranked list: ORDER BY score DESC NULLS LAST (machines without a score last) walks this
-- index, with or without a filter such as score >= x. One index on score, not two: every
-- update that changes a score writes an entry in each index on it.
CREATE INDEX scores_score_idx ON reliability.scores (score DESC NULLS LAST);
COMMENT ON TABLE reliability.scores IS
    'Cached reliability.score(machine_id, computed_at) of every machine with data; written only by the extension''s triggers and reliability.refresh().';

-- A hint beside a cached row, written only by the cache engine under that row's lock: the
-- machine has no observation in [computed_at - score_window - max_gap, unobserved_until), so
-- a slide whose old end lies before it reads nothing there (a machine younger than its
-- window: one index descent less per poll). Kept only while it lies after the window's start;
-- a missing row means unknown. Not dumped: a restore starts without hints.
CREATE TABLE reliability._head_bounds (
    machine_id       bigint PRIMARY KEY REFERENCES reliability.machines ON DELETE CASCADE,
    unobserved_until timestamptz NOT NULL
);
COMMENT ON TABLE reliability._head_bounds IS
    'Internal: cache-engine hint per machine (no observation in [scores.computed_at - score_window - max_gap, unobserved_until)); written only by the extension''s triggers.';

-- The cache engine (src/pg/cache_engine.hpp) is the one writer of reliability.scores. Every
-- writer takes its locks in one order: the data tables it reads (ACCESS SHARE: a TRUNCATE
-- waits for it instead of holding a table it needs); if it may create rows, the settings copy
-- in ROW SHARE mode (a settings change takes it in EXCLUSIVE mode before it lists the rows to
-- recompute, so a machine's first row is either listed or computed with the new settings) and
-- the missing rows; then its machines' cached rows FOR UPDATE in machine order, chunk by
-- chunk; only then it reads the settings and data. So no two single statements deadlock over
-- these locks, whatever the order of their rows.

-- Auto-blacklist (SPEC §5) after the machines' cached rows were written: renew an auto entry
-- (never earlier), replace an expired one, never touch an active manual or temporary one.
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

CREATE FUNCTION reliability._update_cache(machine_ids bigint[], as_of timestamptz, in_full boolean,
                                          create_missing boolean)
RETURNS bigint AS 'MODULE_PATHNAME', 'reliability_update_cache' LANGUAGE C VOLATILE PARALLEL UNSAFE;
COMMENT ON FUNCTION reliability._update_cache(bigint[], timestamptz, boolean, boolean) IS
    'Internal: moves the machines'' cached rows to max(as_of, computed_at) (in_full: reading every window again), creating missing ones if asked; returns the rows written.';

-- Trigger functions: SECURITY DEFINER so a role that may only INSERT into observations
-- still gets its cache maintained, and cannot write reliability.scores itself.
-- One statement, one ordered pass over its cached rows. A statement may fire several AFTER
-- statement triggers (INSERT ... ON CONFLICT DO UPDATE: UPDATE then INSERT; MERGE: DELETE,
-- UPDATE, INSERT; data-modifying CTEs: one per table); locking each trigger's machines
-- separately let two statements deadlock. So every statement on a data table is counted
-- from its BEFORE to its AFTER statement trigger, and each AFTER trigger hands its machines
-- over while another is still to come: the last one recomputes them all (in full, with its
-- own) in one ordered pass (see src/pg/pending_inserts.hpp).
CREATE FUNCTION reliability._statement_begins() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_observations_insert_begins' LANGUAGE C;
COMMENT ON FUNCTION reliability._statement_begins() IS 'Internal trigger: notes that a statement on a data table has begun.';

-- Inserted observations slide their machines' windows (late rows, before the cached
-- computed_at, are read back from the transition table); other changes of observations
-- recompute their machines in full; interruptions always, ratings when they changed, are
-- read again while the window slides.
CREATE FUNCTION reliability._data_changed() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_data_changed'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION reliability._data_changed() IS
    'Internal trigger: keeps the cached scores of the machines a statement on a data table changed exact.';

-- TRUNCATE of a data table: every cached row from the row alone, as of its computed_at (no
-- data table is read, so TRUNCATEs of two tables never deadlock).
CREATE FUNCTION reliability._data_truncated() RETURNS trigger
AS 'MODULE_PATHNAME', 'reliability_data_truncated'
LANGUAGE C SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION reliability._data_truncated() IS 'Internal trigger: recomputes every cached score after a TRUNCATE of a data table.';

-- A change of settings: recompute every cached row in full.
CREATE FUNCTION reliability._recompute_all() RETURNS trigger
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

CREATE TRIGGER observations_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.observations
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER interruptions_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.interruptions
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._statement_begins();
CREATE TRIGGER ratings_statement_begins BEFORE INSERT OR UPDATE OR DELETE ON reliability.ratings
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

CREATE TRIGGER ratings_inserted AFTER INSERT ON reliability.ratings
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_updated AFTER UPDATE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_deleted AFTER DELETE ON reliability.ratings
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_changed();
CREATE TRIGGER ratings_truncated AFTER TRUNCATE ON reliability.ratings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._data_truncated();

-- Only a real change: a pg_dump restore re-inserts an unchanged settings row. (record "="
-- treats two NULL fields as equal, so this is OLD IS DISTINCT FROM NEW for two rows, with a
-- qualified operator: IS DISTINCT FROM looks "=" up through search_path.)
-- A settings change first waits for the writers that may create cached rows and keeps new
-- ones out (they hold the settings copy in ROW SHARE mode, see the cache engine), before its
-- statement locks the settings row: concurrent settings changes queue here instead of
-- deadlocking over the row and this lock. SECURITY DEFINER: an operator may change the
-- settings without any right on the copy.
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
CREATE TRIGGER settings_changed AFTER UPDATE ON reliability.settings
    FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.=) NEW)) EXECUTE FUNCTION reliability._recompute_all();

-- pg_dump keeps the cache too (below). Restoring the data tables fires the triggers above,
-- which compute every score as of the restore time; the dumped rows, restored after them,
-- then replace those, so the restored cache equals the dumped one and nothing counts twice.
CREATE FUNCTION reliability._scores_restore() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    DELETE FROM reliability.scores s WHERE s.machine_id OPERATOR(pg_catalog.=) NEW.machine_id;
    -- The hint was made for the replaced row's window.
    DELETE FROM reliability._head_bounds h WHERE h.machine_id OPERATOR(pg_catalog.=) NEW.machine_id;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._scores_restore() IS
    'Internal: a restored (complete) scores row replaces the row the restore''s triggers computed.';
-- Placeholders written by the cache engine have computed_at = -infinity and skip the trigger.
CREATE TRIGGER scores_restore BEFORE INSERT ON reliability.scores
    FOR EACH ROW WHEN (NEW.computed_at OPERATOR(pg_catalog.<>) '-infinity'::pg_catalog.timestamptz)
    EXECUTE FUNCTION reliability._scores_restore();
SELECT pg_catalog.pg_extension_config_dump('reliability.scores', '');

CREATE FUNCTION reliability.refresh(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
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

CREATE FUNCTION reliability.rebuild(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
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

CREATE FUNCTION reliability.compact(before date) RETURNS bigint
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
-- What clients call (SPEC §6): machines, ratings, the ranked list, daily history, reports.
-- They run with the caller's rights: PL/pgSQL pins search_path, SQL functions are BEGIN
-- ATOMIC, and the view and those bodies qualify every operator (00_header.sql).

-- Get or create. Each INSERT takes the next value of the machine_id identity. A row that
-- was inserted with an explicit machine_id (allowed: the column is GENERATED BY DEFAULT)
-- may already hold that value: the insert then conflicts on the primary key, and the next
-- attempt takes the next value. Identity values come from a sequence, so no two attempts,
-- in this session or another, ever get the same value, nothing is moved backwards, and no
-- privilege on the sequence is needed (a client role has INSERT (provider, external_id)
-- only). The first attempt uses ON CONFLICT DO NOTHING on every unique constraint: no
-- subtransaction on the common path. When it inserts nothing and the machine is still not
-- there, the conflict was on another key: later attempts name the (provider, external_id)
-- constraint and catch only a unique violation of machines_pkey (any other, e.g. of a unique
-- index someone added, is raised, not retried forever). A concurrent creator of the same
-- machine makes the insert wait, then do nothing; the next iteration (a new snapshot in
-- READ COMMITTED) finds its row.
CREATE FUNCTION reliability.machine(provider text, external_id text) RETURNS bigint
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

-- One row per UTC day (C: src/pg/daily_uptime.cpp): whole days that history holds from one
-- history row each, the day of as_of and days not materialized from the raw rows (SPEC §9).
-- It reads with the caller's rights.
CREATE FUNCTION reliability.daily_uptime(machine_id bigint, days integer DEFAULT 30, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS TABLE (day date, online_seconds double precision, offline_seconds double precision,
               uptime double precision, coverage double precision, interruptions bigint)
LANGUAGE C STABLE PARALLEL SAFE ROWS 30
AS 'MODULE_PATHNAME', 'reliability_daily_uptime';
COMMENT ON FUNCTION reliability.daily_uptime(bigint, integer, timestamptz) IS
    'One row per UTC day, oldest first, for the last days days up to the day of as_of: online/offline seconds, uptime, coverage, interruptions.';

CREATE FUNCTION reliability.sparkline(machine_id bigint, days integer DEFAULT 30, as_of timestamptz DEFAULT pg_catalog.now())
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
COMMENT ON FUNCTION reliability.sparkline(bigint, integer, timestamptz) IS
    'One character per day of daily_uptime: · for no data, else ▁▂▃▄▅▆▇█ by uptime.';

CREATE VIEW reliability.machine_reliability AS
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
    ON CONFLICT ON CONSTRAINT observations_pkey DO NOTHING;
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
-- Privileges: internal functions and the cache are not for PUBLIC. Grant what a role
-- needs (see README "Roles"): e.g. a monitor gets USAGE on the schema and INSERT on
-- reliability.observations; its cache is maintained by SECURITY DEFINER triggers.
--
-- The internal ("_") functions, one by one:
--   not executable by PUBLIC: _update_cache, _make_score (they trust their inputs);
--     the trigger functions (a trigger runs its function whatever the ACL); the aggregates'
--     support functions _uptime_* and _availability_final (an aggregate checks EXECUTE on
--     them for its owner, not for the caller); _statement_begins;
--   executable by PUBLIC, because functions that run with the caller's rights call them,
--     and safe with any input: _finite (returns its argument or raises 22008; report()),
--     _compute_score and _tier (validate the settings row they get exactly as the table's
--     row is validated; compute_score(), tier()); _day_start, _utc_day,
--     _sub_fixed_or_infinity and _empty_summary (pure arithmetic; score(), daily_uptime()),
--     _history_rows (reads with the caller's rights, writes nothing).
REVOKE ALL ON ALL TABLES IN SCHEMA reliability FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._update_cache(bigint[], timestamptz, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._statement_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_change_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_sync() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_refuse_update() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._data_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._recompute_all() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._data_truncated() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._auto_blacklist(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.refresh(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.rebuild(timestamptz) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._scores_restore() FROM PUBLIC;
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
-- The summaries' type I/O and aggregate support functions (25_summaries.sql): a type's I/O
-- functions and an aggregate's support functions run whatever their ACL says.
REVOKE ALL ON FUNCTION reliability._uptime_summary_in(cstring) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_out(reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_recv(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._uptime_summary_send(reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._summarize_final(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_trans(internal, reliability.uptime_summary) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_combine(internal, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_serialize(internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_deserialize(bytea, internal) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._rollup_final(internal) FROM PUBLIC;
-- History (45_history.sql, 55_compaction.sql): the retention row is read by every reader of
-- results (score(), daily_uptime(), compacted_before()) and holds only two dates.
GRANT SELECT ON reliability.retention TO PUBLIC;
REVOKE ALL ON FUNCTION reliability.compact(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._time_partitions(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._compact_rows(regclass, name, timestamptz, timestamptz, name) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._lock_time_partitioned() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.partition_by_time(interval, integer) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_update(bigint[], date[], date[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_materialize(date, date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_advance(date) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_lock_writers() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._history_truncated() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._retention_merge_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._retention_refuse_removal() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_check_horizon() FROM PUBLIC;
