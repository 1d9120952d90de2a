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
    -- The deploy rule (SPEC §10, src/sql/35_deploys.sql).
    deploy_window               interval NOT NULL DEFAULT interval '72 hours',
    deploy_min_attempts         integer NOT NULL DEFAULT 3,
    deploy_consecutive_failures integer NOT NULL DEFAULT 3,
    deploy_failure_rate         double precision NOT NULL DEFAULT 0.7,
    deploy_blacklist_for        interval NOT NULL DEFAULT interval '24 hours',
    deploy_severe_stages        text[] NOT NULL DEFAULT '{rejected,loading,creating}',
    deploy_severe_blacklist_for interval NOT NULL DEFAULT interval '48 hours',
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
        CHECK (auto_blacklist_below OPERATOR(pg_catalog.>=) 0 AND auto_blacklist_below OPERATOR(pg_catalog.<=) 100),
    CONSTRAINT settings_deploy_window_length
        CHECK (pg_catalog.date_part('epoch', deploy_window) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_window) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_deploy_blacklist_for_length
        CHECK (pg_catalog.date_part('epoch', deploy_blacklist_for) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_blacklist_for) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_deploy_severe_blacklist_for_length
        CHECK (pg_catalog.date_part('epoch', deploy_severe_blacklist_for) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_severe_blacklist_for) OPERATOR(pg_catalog.<=) 3155760000),
    CONSTRAINT settings_deploy_min_attempts_positive CHECK (deploy_min_attempts OPERATOR(pg_catalog.>=) 1),
    CONSTRAINT settings_deploy_consecutive_failures_positive CHECK (deploy_consecutive_failures OPERATOR(pg_catalog.>=) 1),
    CONSTRAINT settings_deploy_failure_rate_range
        CHECK (deploy_failure_rate OPERATOR(pg_catalog.>) 0 AND deploy_failure_rate OPERATOR(pg_catalog.<=) 1),
    CONSTRAINT settings_deploy_severe_stages_not_null
        CHECK (pg_catalog.array_position(deploy_severe_stages, NULL::pg_catalog.text) IS NULL)
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
COMMENT ON COLUMN reliability.settings.deploy_window IS 'How far back the deploy rule looks at deploy attempts (fixed length).';
COMMENT ON COLUMN reliability.settings.deploy_min_attempts IS 'Fewest attempts in deploy_window for the deploy rule to judge a machine.';
COMMENT ON COLUMN reliability.settings.deploy_consecutive_failures IS 'This many latest attempts all failed: blacklisted for deploy_blacklist_for.';
COMMENT ON COLUMN reliability.settings.deploy_failure_rate IS 'Failed share of the attempts in deploy_window, in (0, 1], that blacklists the machine.';
COMMENT ON COLUMN reliability.settings.deploy_blacklist_for IS 'How long the deploy rule blacklists a machine.';
COMMENT ON COLUMN reliability.settings.deploy_severe_stages IS 'Failure stages that make a failure-rate blacklisting last deploy_severe_blacklist_for.';
COMMENT ON COLUMN reliability.settings.deploy_severe_blacklist_for IS 'How long the failure-rate rule blacklists a machine with a failure at a severe stage.';

INSERT INTO reliability.settings DEFAULT VALUES;

-- The settings columns but the row's key, each put through pattern (a format() string whose
-- %I take the column's name): '%I = ($1).%I' assigns a row given as $1. The functions that copy the row
-- build their statements with it, so the table is the one place that lists the columns.
CREATE FUNCTION reliability._settings_columns(pattern text) RETURNS text LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(pg_catalog.format(pattern, a.attname, a.attname), ', ' ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) 'reliability.settings'::pg_catalog.regclass
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped
       AND a.attname OPERATOR(pg_catalog.<>) 'singleton';
END;
COMMENT ON FUNCTION reliability._settings_columns(text) IS 'Internal: the settings columns through a format() pattern, for the statements that copy the row.';

-- Keep exactly one row: a second INSERT (as a pg_dump restore does, after CREATE EXTENSION
-- made the default row) updates the existing row instead; DELETE and TRUNCATE are refused.
CREATE FUNCTION reliability._settings_merge_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF EXISTS (SELECT FROM reliability.settings) THEN
        EXECUTE 'UPDATE reliability.settings SET ' || reliability._settings_columns('%I = ($1).%I') USING NEW;
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
    EXECUTE pg_catalog.format('INSERT INTO reliability.settings (%s) VALUES (%s)',
                              reliability._settings_columns('%I'), reliability._settings_columns('($1).%I'))
      USING NEW;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._settings_copy_insert() IS 'Internal: an INSERT into reliability._settings_copy (a restore) changes reliability.settings.';

-- Every change of reliability.settings is copied; SECURITY DEFINER: an operator may change
-- the settings without any right on the copy.
CREATE FUNCTION reliability._settings_copy_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE 'UPDATE reliability._settings_copy SET ' || reliability._settings_columns('%I = ($1).%I') USING NEW;
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
-- Deploy attempts (SPEC §10): every try to start an instance on a machine, and the deploy
-- rule that blacklists a machine that keeps failing to start.

CREATE TABLE reliability.deploy_attempts (
    attempt_id       bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    machine_id       bigint NOT NULL CONSTRAINT deploy_attempts_machine_id_fkey
                         REFERENCES reliability.machines ON DELETE CASCADE,
    attempted_at     timestamptz NOT NULL DEFAULT pg_catalog.now()
                         CONSTRAINT deploy_attempts_attempted_at_finite CHECK (pg_catalog.isfinite(attempted_at)),
    succeeded        boolean NOT NULL,
    failure_stage    text,
    seconds_to_ready double precision,
    instance_id      text,
    CONSTRAINT deploy_attempts_failure_stage_valid
        CHECK (failure_stage IS NULL
               OR (NOT succeeded AND pg_catalog.char_length(failure_stage) OPERATOR(pg_catalog.>=) 1
                   AND pg_catalog.char_length(failure_stage) OPERATOR(pg_catalog.<=) 100)),
    CONSTRAINT deploy_attempts_seconds_to_ready_valid
        CHECK (seconds_to_ready IS NULL
               OR (succeeded AND seconds_to_ready OPERATOR(pg_catalog.>=) 0
                   AND seconds_to_ready OPERATOR(pg_catalog.<) 'infinity'::pg_catalog.float8))
);
CREATE INDEX deploy_attempts_machine_attempted_idx ON reliability.deploy_attempts (machine_id, attempted_at);
COMMENT ON TABLE reliability.deploy_attempts IS
    'One try to start an instance on a machine (SPEC §10); the deploy rule blacklists machines that keep failing.';
COMMENT ON COLUMN reliability.deploy_attempts.failure_stage IS
    'Where a failed start stopped (e.g. rejected, loading, creating); NULL when it succeeded.';
COMMENT ON COLUMN reliability.deploy_attempts.seconds_to_ready IS 'Seconds until the instance was ready; NULL when it failed.';
COMMENT ON SEQUENCE reliability.deploy_attempts_attempt_id_seq IS 'The attempt_id identity of reliability.deploy_attempts.';

SELECT pg_catalog.pg_extension_config_dump('reliability.deploy_attempts', '');
SELECT pg_catalog.pg_extension_config_dump('reliability.deploy_attempts_attempt_id_seq', '');

-- The rule for the given machines at T = now(): over the attempts since T - deploy_window
-- (later ones included: a client's clock may run ahead), at least deploy_min_attempts, a
-- trailing run of deploy_consecutive_failures failures fires for deploy_blacklist_for, else a
-- failed share of at least deploy_failure_rate fires for deploy_severe_blacklist_for when a
-- failure stopped at a severe stage, else for deploy_blacklist_for. A firing writes an auto
-- entry unless an active manual or temporary one, or an active one lasting at least as long,
-- is there. Each machine's row in machines is locked first (FOR NO KEY UPDATE, in machine
-- order, never blocking a foreign-key check): two statements adding attempts to one machine
-- are judged one after the other, the later one seeing the earlier one's rows.
CREATE FUNCTION reliability._deploy_rule(machine_ids bigint[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM FROM reliability.machines m
      WHERE m.machine_id = ANY (machine_ids) ORDER BY m.machine_id FOR NO KEY UPDATE OF m;
    INSERT INTO reliability.blacklist AS b (machine_id, kind, reason, blocked_by, blacklisted_at, expires_at)
    SELECT j.machine_id, 'auto', j.reason, 'reliability', now(), reliability.add_fixed(now(), j.length)
      FROM (SELECT c.machine_id,
                   CASE WHEN c.trailing_failures >= st.deploy_consecutive_failures THEN st.deploy_blacklist_for
                        WHEN c.severe THEN st.deploy_severe_blacklist_for
                        ELSE st.deploy_blacklist_for END AS length,
                   CASE WHEN c.trailing_failures >= st.deploy_consecutive_failures THEN
                            format('deploy rule: the last %s of %s attempts in deploy_window %s failed (deploy_consecutive_failures %s)',
                                   c.trailing_failures, c.attempts, st.deploy_window, st.deploy_consecutive_failures)
                        ELSE format('deploy rule: %s of %s attempts in deploy_window %s failed (deploy_failure_rate %s)%s',
                                    c.failures, c.attempts, st.deploy_window, st.deploy_failure_rate,
                                    CASE WHEN c.severe THEN ', one at a severe stage' ELSE '' END) END AS reason
              FROM reliability.settings st
              CROSS JOIN LATERAL (
                  SELECT a.machine_id, count(*) AS attempts,
                         count(*) FILTER (WHERE NOT a.succeeded) AS failures,
                         -- attempts after the latest success (all of them when none succeeded)
                         COALESCE(min(a.latest_first) FILTER (WHERE a.succeeded) - 1, count(*)) AS trailing_failures,
                         COALESCE(bool_or(NOT a.succeeded AND a.failure_stage = ANY (st.deploy_severe_stages)), false) AS severe
                    FROM (SELECT d.machine_id, d.succeeded, d.failure_stage,
                                 row_number() OVER (PARTITION BY d.machine_id
                                                    ORDER BY d.attempted_at DESC, d.attempt_id DESC) AS latest_first
                            FROM reliability.deploy_attempts d
                           WHERE d.machine_id = ANY (machine_ids)
                             AND d.attempted_at >= reliability.sub_fixed(now(), st.deploy_window)) a
                   GROUP BY a.machine_id) c
             WHERE c.attempts >= st.deploy_min_attempts
               AND (c.trailing_failures >= st.deploy_consecutive_failures
                    OR c.failures::double precision / c.attempts >= st.deploy_failure_rate)) j
     ORDER BY j.machine_id
    ON CONFLICT (machine_id) DO UPDATE SET
        kind = 'auto', reason = excluded.reason, blocked_by = excluded.blocked_by,
        blacklisted_at = excluded.blacklisted_at, expires_at = excluded.expires_at
     WHERE NOT ((b.expires_at IS NULL OR now() < b.expires_at)  -- an active entry stays when it is
                AND (b.kind <> 'auto' OR b.expires_at IS NULL OR b.expires_at >= excluded.expires_at));
END
$$;
COMMENT ON FUNCTION reliability._deploy_rule(bigint[]) IS
    'Internal: applies the deploy rule (SPEC §10) to the given machines as of now().';

-- After each statement on deploy_attempts, the rule for the machines whose attempts it
-- inserted, changed or deleted (each branch names only the transition tables its event
-- has). SECURITY DEFINER: a role that may only INSERT attempts still gets the rule applied.
CREATE FUNCTION reliability._deploys_changed() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        PERFORM reliability._deploy_rule(ARRAY(SELECT DISTINCT n.machine_id FROM new_rows n));
    ELSIF TG_OP = 'UPDATE' THEN
        PERFORM reliability._deploy_rule(ARRAY(SELECT n.machine_id FROM new_rows n
                                               UNION SELECT o.machine_id FROM old_rows o));
    ELSE
        PERFORM reliability._deploy_rule(ARRAY(SELECT DISTINCT o.machine_id FROM old_rows o));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._deploys_changed() IS
    'Internal trigger: the deploy rule for the machines whose attempts a statement inserted, changed or deleted.';

CREATE TRIGGER deploy_attempts_inserted AFTER INSERT ON reliability.deploy_attempts
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._deploys_changed();
CREATE TRIGGER deploy_attempts_updated AFTER UPDATE ON reliability.deploy_attempts
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._deploys_changed();
CREATE TRIGGER deploy_attempts_deleted AFTER DELETE ON reliability.deploy_attempts
    REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION reliability._deploys_changed();
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

-- A change of settings: recompute every cached row in full, unless only parameters that no
-- cached row depends on changed (stale_after and the deploy rule's, SPEC §10).
CREATE FUNCTION reliability._recompute_all() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF (OLD.score_window, OLD.max_gap, OLD.weight_uptime, OLD.weight_interruption, OLD.weight_rating,
        OLD.interruption_horizon, OLD.rating_prior_mean, OLD.rating_prior_weight, OLD.min_history,
        OLD.tier_excellent, OLD.tier_good, OLD.tier_fair, OLD.auto_blacklist_below, OLD.auto_blacklist_for)
       IS NOT DISTINCT FROM
       (NEW.score_window, NEW.max_gap, NEW.weight_uptime, NEW.weight_interruption, NEW.weight_rating,
        NEW.interruption_horizon, NEW.rating_prior_mean, NEW.rating_prior_weight, NEW.min_history,
        NEW.tier_excellent, NEW.tier_good, NEW.tier_fair, NEW.auto_blacklist_below, NEW.auto_blacklist_for) THEN
        RETURN NULL;
    END IF;
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
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server refreshes its machines
        RETURN reliability._on_every_shard('refresh', pg_catalog.jsonb_build_object('as_of', reliability._finite(as_of, 'as_of'::text)));
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
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server rebuilds its machines
        RETURN reliability._on_every_shard('rebuild', pg_catalog.jsonb_build_object('as_of', reliability._finite(as_of, 'as_of'::text)));
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
-- sees the one this transaction commits. First the data tables in ACCESS SHARE mode, as the
-- cache engine does: a TRUNCATE (ACCESS EXCLUSIVE, then every cached row) is then waited for
-- before any row is held (isolation history_vs_truncate). No stronger table lock: a writer
-- holding one data table while it waits for another could deadlock with one.
CREATE FUNCTION reliability._history_lock_writers() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    LOCK TABLE ONLY reliability.observations, reliability.interruptions, reliability.ratings IN ACCESS SHARE MODE;
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

-- compact() on this database alone (on a server of a coordinator: the coordinator's call).
CREATE FUNCTION reliability._compact_here(before date) RETURNS bigint
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
COMMENT ON FUNCTION reliability._compact_here(date) IS
    'Internal: compact() on this database''s own rows.';

CREATE FUNCTION reliability.compact(before date) RETURNS bigint
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server compacts (and checks) its rows
        RETURN reliability._on_every_shard('compact', pg_catalog.jsonb_build_object('before', before));
    END IF;
    IF EXISTS (SELECT FROM reliability._coordinated) THEN
        RAISE EXCEPTION 'compact: this database is a server of a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state',
            DETAIL = 'The coordinator''s readers must learn the new compaction horizon, or they would read raw rows that are gone.',
            HINT = 'Run reliability.compact() on the coordinator: it compacts every server.';
    END IF;
    RETURN reliability._compact_here(before);
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
    IF reliability._distributed() THEN
        RAISE EXCEPTION 'partition_by_time() runs on each server of a coordinator, not on the coordinator'
            USING ERRCODE = 'object_not_in_prerequisite_state',
                  HINT = 'The coordinator''s tables are partitioned by machine; each server partitions its own by time.';
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
    'Inserts the user''s rating of the machine, or replaces it (one rating per user per machine); returns the row, whose created_at = updated_at when it was inserted.';

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
       -- Fresh when the cached last observation lies in [now() - stale_after, now()] (it is an
       -- observation that exists: every change of observations updates the cached row), which
       -- costs no read; otherwise the latest observation up to now(), one backward index
       -- probe (an EXISTS here could be planned as a hash over every recent observation).
       CASE WHEN s.last_observed_at OPERATOR(pg_catalog.>=)
                     reliability.sub_fixed(pg_catalog.now(), (SELECT st.stale_after FROM reliability.settings st))
                 AND s.last_observed_at OPERATOR(pg_catalog.<=) pg_catalog.now() THEN false
            ELSE COALESCE((SELECT pg_catalog.max(o.observed_at) FROM reliability.observations o
                            WHERE o.machine_id OPERATOR(pg_catalog.=) m.machine_id
                              AND o.observed_at OPERATOR(pg_catalog.<=) pg_catalog.now())
                          OPERATOR(pg_catalog.<)
                          reliability.sub_fixed(pg_catalog.now(), (SELECT st.stale_after FROM reliability.settings st)),
                          true) END AS stale
  FROM reliability.machines m
  LEFT JOIN reliability.scores s ON s.machine_id OPERATOR(pg_catalog.=) m.machine_id;
COMMENT ON VIEW reliability.machine_reliability IS
    'Every machine with its cached score, tier, blacklisted and stale flags. For the ranked list call reliability.ranked(), which walks the score index; score >= x ORDER BY score DESC NULLS LAST walks it too (plain DESC means NULLS FIRST, which the index does not have).';

-- The ranked list a renter sees (issue 11): machines with at least min_score, best first,
-- then the machines without a score (newest first), blacklisted machines left out, at most
-- max_rows. Each part walks an index and stops at max_rows: the scored part the score index
-- from the top (an OR of the two parts could not), the unscored part only when the scored
-- one came short. It reads with the caller's rights (SELECT on the view).
CREATE FUNCTION reliability.ranked(min_score double precision DEFAULT NULL, tiers text[] DEFAULT NULL,
                                   include_stale boolean DEFAULT true, max_rows integer DEFAULT 50)
RETURNS SETOF reliability.machine_reliability
LANGUAGE plpgsql STABLE PARALLEL SAFE ROWS 50 SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    listed bigint;
    lowest double precision := '-infinity';   -- the tiers' score range, so the walk starts and
    highest double precision := 'infinity';   -- stops inside it (tier new lies anywhere)
BEGIN
    IF max_rows IS NULL OR max_rows < 0 OR max_rows > 10000 THEN
        RAISE EXCEPTION 'max_rows must be between 0 and 10000, not %', COALESCE(max_rows::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF include_stale IS NULL THEN
        RAISE EXCEPTION 'include_stale must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF min_score = 'NaN'::double precision THEN
        RAISE EXCEPTION 'min_score must be a number, not NaN' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF tiers IS NOT NULL AND NOT ('new' = ANY (tiers)) THEN
        SELECT min(CASE t WHEN 'excellent' THEN st.tier_excellent WHEN 'good' THEN st.tier_good
                          WHEN 'fair' THEN st.tier_fair ELSE '-infinity' END),
               max(CASE t WHEN 'good' THEN st.tier_excellent WHEN 'fair' THEN st.tier_good
                          WHEN 'poor' THEN st.tier_fair ELSE 'infinity' END)
          INTO lowest, highest
          FROM reliability.settings st, unnest(tiers) t
         WHERE t IN ('excellent', 'good', 'fair', 'poor');
        IF lowest IS NULL THEN  -- no tier that exists: nothing scored qualifies
            lowest := 'infinity';
        END IF;
    END IF;
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server's best rows, merged
        IF NOT has_table_privilege('reliability.machine_reliability', 'SELECT') THEN
            RAISE EXCEPTION 'permission denied for view machine_reliability' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN QUERY SELECT * FROM reliability._ranked_on_shards(min_score, tiers, include_stale, max_rows, lowest, highest, false);
        GET DIAGNOSTICS listed = ROW_COUNT;
        IF listed < max_rows THEN
            RETURN QUERY SELECT * FROM reliability._ranked_on_shards(min_score, tiers, include_stale, max_rows - listed::integer,
                                                                     lowest, highest, true);
        END IF;
        RETURN;
    END IF;
    RETURN QUERY
        SELECT * FROM reliability.machine_reliability r
         WHERE r.score >= GREATEST(min_score, lowest) AND r.score <= highest
           AND NOT r.blacklisted AND (include_stale OR NOT r.stale) AND (tiers IS NULL OR r.tier = ANY (tiers))
         ORDER BY r.score DESC NULLS LAST, r.machine_id  -- the score index's order, ties by id
         LIMIT max_rows;
    GET DIAGNOSTICS listed = ROW_COUNT;
    IF listed < max_rows THEN
        RETURN QUERY
            SELECT * FROM reliability.machine_reliability r
             WHERE r.score IS NULL
               AND NOT r.blacklisted AND (include_stale OR NOT r.stale) AND (tiers IS NULL OR r.tier = ANY (tiers))
             ORDER BY r.machine_id DESC
             LIMIT max_rows - listed;
    END IF;
END
$$;
COMMENT ON FUNCTION reliability.ranked(double precision, text[], boolean, integer) IS
    'The ranked list: machines scoring at least min_score (all scored ones when NULL), best first, then those without a score, newest first; blacklisted ones left out; optional tiers and stale filters; at most max_rows.';

-- Ratings: updated_at follows every UPDATE that does not set it itself, and moves past
-- created_at, so created_at = updated_at says "never updated" (rate(): inserted, not
-- re-rated). A rating of a machine that does not exist is refused naming the machine,
-- before the foreign key's generic message (which echoes the whole row). SECURITY DEFINER:
-- the check reads machines, which a rating role need not see.
CREATE FUNCTION reliability._ratings_stamp() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    -- (a NULL machine_id is left to the NOT NULL constraint)
    IF NEW.machine_id IS NOT NULL AND (TG_OP = 'INSERT' OR NEW.machine_id <> OLD.machine_id) THEN
        IF NOT EXISTS (SELECT FROM reliability.machines m WHERE m.machine_id = NEW.machine_id) THEN
            RAISE EXCEPTION 'machine % does not exist', NEW.machine_id
                USING ERRCODE = 'foreign_key_violation', SCHEMA = 'reliability', TABLE = 'ratings',
                      COLUMN = 'machine_id', CONSTRAINT = 'ratings_machine_id_fkey',
                      HINT = 'Rate a machine_id of reliability.machines (reliability.machine(provider, external_id) finds it).';
        END IF;
    END IF;
    IF TG_OP = 'UPDATE' AND NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
        NEW.updated_at := GREATEST(now(), NEW.created_at + interval '1 microsecond');
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._ratings_stamp() IS
    'Internal trigger: refuses a rating of an unknown machine by name; moves updated_at on every UPDATE that does not set it.';
CREATE TRIGGER ratings_stamp BEFORE INSERT OR UPDATE ON reliability.ratings
    FOR EACH ROW EXECUTE FUNCTION reliability._ratings_stamp();

CREATE FUNCTION reliability.report(machine_id bigint, as_of timestamptz DEFAULT pg_catalog.now())
RETURNS jsonb LANGUAGE sql STABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.jsonb_build_object(
               'machine_id', m.machine_id,
               'provider', m.provider,
               'external_id', m.external_id,
               'score', pg_catalog.to_jsonb(reliability.score(report.machine_id, report.as_of)),
               'blacklisted', b.machine_id IS NOT NULL,
               'blacklist', CASE WHEN b.machine_id IS NULL THEN 'null'::pg_catalog.jsonb
                                 ELSE pg_catalog.jsonb_build_object('kind', b.kind, 'reason', b.reason,
                                          'blocked_by', b.blocked_by, 'blacklisted_at', b.blacklisted_at,
                                          'expires_at', b.expires_at) END,
               'stale', NOT EXISTS (SELECT FROM reliability.observations o
                                     WHERE o.machine_id OPERATOR(pg_catalog.=) report.machine_id
                                       AND o.observed_at OPERATOR(pg_catalog.>=)
                                           reliability.sub_fixed(report.as_of, (SELECT st.stale_after FROM reliability.settings st))
                                       AND o.observed_at OPERATOR(pg_catalog.<=) report.as_of),
               'history', COALESCE((SELECT pg_catalog.jsonb_agg(pg_catalog.to_jsonb(h) ORDER BY h.day)
                                      FROM reliability.daily_uptime(report.machine_id, 30, report.as_of) h),
                                   '[]'::pg_catalog.jsonb),
               -- SPEC §10: the attempts of [as_of - deploy_window, as_of], both ends included.
               'deploys', (SELECT pg_catalog.jsonb_build_object(
                                      'attempts', pg_catalog.count(*),
                                      'failures', pg_catalog.count(*) FILTER (WHERE NOT d.succeeded),
                                      'success_rate',
                                          CASE WHEN pg_catalog.count(*) OPERATOR(pg_catalog.>) 0 THEN
                                              (pg_catalog.count(*) FILTER (WHERE d.succeeded))::pg_catalog.float8
                                                  OPERATOR(pg_catalog./) pg_catalog.count(*)::pg_catalog.float8 END,
                                      'mean_seconds_to_ready',
                                          pg_catalog.avg(d.seconds_to_ready) FILTER (WHERE d.succeeded))
                             FROM reliability.deploy_attempts d
                            WHERE d.machine_id OPERATOR(pg_catalog.=) report.machine_id
                              AND d.attempted_at OPERATOR(pg_catalog.>=)
                                  reliability.sub_fixed(report.as_of, (SELECT st.deploy_window FROM reliability.settings st))
                              AND d.attempted_at OPERATOR(pg_catalog.<=) report.as_of))
      FROM reliability.machines m
      LEFT JOIN reliability.blacklist b
             ON b.machine_id OPERATOR(pg_catalog.=) m.machine_id
            AND (b.expires_at IS NULL OR report.as_of OPERATOR(pg_catalog.<) b.expires_at)
     -- (the subqueries name report.machine_id, not m.machine_id: a parameter lets a
     -- coordinator read only the machine's server, SPEC §12)
     WHERE m.machine_id OPERATOR(pg_catalog.=) report.machine_id
       AND reliability._finite(report.as_of, 'as_of'::pg_catalog.text) IS NOT NULL;
END;
COMMENT ON FUNCTION reliability.report(bigint, timestamptz) IS
    'Everything an API needs about one machine as of as_of, as one JSON object: identity, score, blacklist, stale, 30 days of history, deploy attempts.';
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
-- Notifications (SPEC §11) on channel reliability, delivered at commit: a machine's cached
-- tier moving is sent by the cache engine (src/pg/cache_engine.cpp); a blacklist change that
-- makes a machine blacklisted, or not any more, is sent here, whoever wrote it (an operator,
-- the auto-blacklist, the deploy rule).
CREATE FUNCTION reliability._blacklist_notify() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    was_active boolean := TG_OP <> 'INSERT' AND (OLD.expires_at IS NULL OR now() < OLD.expires_at);
    is_active boolean := TG_OP <> 'DELETE' AND (NEW.expires_at IS NULL OR now() < NEW.expires_at);
    moved boolean := TG_OP = 'UPDATE' AND OLD.machine_id <> NEW.machine_id;
    payload constant text := '{"machine_id": %s, "event": "%s", "kind": %s, "expires_at": %s}';
BEGIN
    -- An entry moved to another machine leaves the old one and comes to the new one. An
    -- entry that ends tells how it ended (the deleted entry, or the entry as changed).
    IF was_active AND (moved OR NOT is_active) THEN
        IF TG_OP = 'DELETE' OR moved THEN
            PERFORM pg_notify('reliability', format(payload, OLD.machine_id, 'unblacklisted', to_json(OLD.kind),
                                                    COALESCE(to_json(OLD.expires_at)::text, 'null')));
        ELSE
            PERFORM pg_notify('reliability', format(payload, NEW.machine_id, 'unblacklisted', to_json(NEW.kind),
                                                    COALESCE(to_json(NEW.expires_at)::text, 'null')));
        END IF;
    END IF;
    IF is_active AND (moved OR NOT was_active) THEN
        PERFORM pg_notify('reliability', format(payload, NEW.machine_id, 'blacklisted', to_json(NEW.kind),
                                                COALESCE(to_json(NEW.expires_at)::text, 'null')));
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._blacklist_notify() IS
    'Internal trigger: notifies channel reliability when a blacklist change makes a machine blacklisted or not any more.';

CREATE TRIGGER blacklist_notify AFTER INSERT OR UPDATE OR DELETE ON reliability.blacklist
    FOR EACH ROW EXECUTE FUNCTION reliability._blacklist_notify();
-- Shards (SPEC §12): one coordinator over several servers, with PostgreSQL's own facilities.
-- distribute() turns an empty database into a coordinator: every per-machine table becomes a
-- table partitioned by HASH (machine_id) whose partitions are postgres_fdw foreign tables on
-- the servers, where the same extension keeps its own cache with its own triggers.
-- reliability.machines (the registry: ids and (provider, external_id) unique) and settings
-- stay on the coordinator, and triggers copy their changes to the servers in the writer's
-- transaction. docs/SHARDS.md tells the whole design, its limits and its failure modes.

-- Whether any of the extension's data tables holds a row: distribute() refuses such a
-- database, and such a server (SPEC §12).
CREATE FUNCTION reliability._holds_rows() RETURNS boolean LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT EXISTS (SELECT FROM reliability.machines) OR EXISTS (SELECT FROM reliability.observations)
        OR EXISTS (SELECT FROM reliability.interruptions) OR EXISTS (SELECT FROM reliability.ratings)
        OR EXISTS (SELECT FROM reliability.deploy_attempts) OR EXISTS (SELECT FROM reliability.blacklist)
        OR EXISTS (SELECT FROM reliability.scores) OR EXISTS (SELECT FROM reliability.history);
END;
COMMENT ON FUNCTION reliability._holds_rows() IS 'Internal: whether any data table of the extension holds a row.';

-- Coordinator: the name of its foreign table over one server's relation (calls, settings,
-- retention, reliability, machines).
CREATE FUNCTION reliability._shard_table(remainder integer, relation text) RETURNS text
LANGUAGE sql IMMUTABLE PARALLEL SAFE
BEGIN ATOMIC
    SELECT pg_catalog.format('_shard%s_%s', remainder, relation);
END;
COMMENT ON FUNCTION reliability._shard_table(integer, text) IS 'Internal (coordinator): the name of its foreign table over a server''s relation.';

-- Coordinator: a foreign table over reliability.<remote> on a server, made a member of the
-- extension. shape is its column list in parentheses or a PARTITION OF clause.
CREATE FUNCTION reliability._create_foreign_member(local_name text, shape text, server text, remote text,
                                                   more_options text DEFAULT '') RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    EXECUTE pg_catalog.format('CREATE FOREIGN TABLE reliability.%I %s SERVER %I OPTIONS (schema_name %L, table_name %L%s)',
                              local_name, shape, server, 'reliability', remote, more_options);
    EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD FOREIGN TABLE reliability.%I', local_name);
END
$$;
COMMENT ON FUNCTION reliability._create_foreign_member(text, text, text, text, text) IS
    'Internal (distribute()): a foreign table over a server''s relation, as a member of the extension.';

-- Every server: the coordinator's way to run a function there, inside its transaction. An
-- INSERT through a postgres_fdw foreign table over this view runs the call and returns its
-- result (RETURNING sees the row the INSTEAD OF trigger returns). Never holds a row.
CREATE VIEW reliability._remote_calls AS
SELECT NULL::bigint AS machine_id, NULL::text AS call, NULL::jsonb AS args, NULL::jsonb AS result
 WHERE false;
COMMENT ON VIEW reliability._remote_calls IS
    'Internal (SPEC §12): a coordinator runs refresh, rebuild, compact and its checks on this server by inserting (call, args) here.';

-- With the caller's rights: the coordinator's user mapping decides what may run.
CREATE FUNCTION reliability._remote_call() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    a jsonb := COALESCE(NEW.args, '{}'::jsonb);
BEGIN
    CASE NEW.call
    WHEN 'status' THEN
        NEW.result := pg_catalog.jsonb_build_object(
            'version', (SELECT e.extversion FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'reliability'),
            'has_rows', reliability._holds_rows(),
            'distributed', EXISTS (SELECT FROM reliability._shards),
            'coordinated', EXISTS (SELECT FROM reliability._coordinated));
    WHEN 'configure' THEN
        -- Remote scans run as cursors: plan them for every row (sharding.md, trap 2).
        EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I SET cursor_tuple_fraction = 1',
                                  current_user, pg_catalog.current_database());
        INSERT INTO reliability._coordinated DEFAULT VALUES ON CONFLICT DO NOTHING;
        NEW.result := 'true'::jsonb;
    WHEN 'refresh' THEN
        NEW.result := pg_catalog.to_jsonb(reliability.refresh((a OPERATOR(pg_catalog.->>) 'as_of')::timestamptz));
    WHEN 'rebuild' THEN
        NEW.result := pg_catalog.to_jsonb(reliability.rebuild((a OPERATOR(pg_catalog.->>) 'as_of')::timestamptz));
    WHEN 'compact' THEN
        NEW.result := pg_catalog.to_jsonb(reliability._compact_here((a OPERATOR(pg_catalog.->>) 'before')::date));
    ELSE
        RAISE EXCEPTION 'reliability: unknown remote call %', pg_catalog.quote_literal(NEW.call)
            USING ERRCODE = 'invalid_parameter_value';
    END CASE;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._remote_call() IS 'Internal trigger: runs a coordinator''s call on this server (SPEC §12).';
CREATE TRIGGER remote_call INSTEAD OF INSERT ON reliability._remote_calls
    FOR EACH ROW EXECUTE FUNCTION reliability._remote_call();

-- The coordinator's servers: partition `remainder` of every per-machine table lives on
-- `server`. Empty on a single database and on a server.
CREATE TABLE reliability._shards (
    remainder integer PRIMARY KEY CONSTRAINT _shards_remainder_valid CHECK (remainder OPERATOR(pg_catalog.>=) 0),
    server    name NOT NULL UNIQUE
);
COMMENT ON TABLE reliability._shards IS
    'Internal (SPEC §12): on a coordinator, the foreign server that holds each hash partition of the per-machine tables; empty elsewhere.';

-- A server of a coordinator, marked by the coordinator's 'configure' call. Its compact() then
-- runs only through the coordinator, whose readers must learn the new horizon (they would read
-- raw rows that are gone), and a second coordinator is refused. Dumped with the server's rows.
CREATE TABLE reliability._coordinated (
    one_row boolean PRIMARY KEY DEFAULT true CONSTRAINT _coordinated_one_row CHECK (one_row),
    since   timestamptz NOT NULL DEFAULT pg_catalog.now()
);
COMMENT ON TABLE reliability._coordinated IS
    'Internal (SPEC §12): one row on a server of a coordinator, written by distribute() there; empty elsewhere.';
SELECT pg_catalog.pg_extension_config_dump('reliability._coordinated', '');

-- SECURITY DEFINER: partition_by_time() asks it with the caller's rights, who need not read _shards.
CREATE FUNCTION reliability._distributed() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT EXISTS (SELECT FROM reliability._shards);
END;
COMMENT ON FUNCTION reliability._distributed() IS 'Internal: whether this database is a coordinator (SPEC §12).';

-- Coordinator: "SELECT * FROM <each server's foreign table over relation> UNION ALL ...", in
-- server order (the view over the servers' views, the servers' retention rows).
CREATE FUNCTION reliability._shards_union(relation text) RETURNS text LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(pg_catalog.format('SELECT * FROM reliability.%I', reliability._shard_table(s.remainder, relation)),
                                 ' UNION ALL ' ORDER BY s.remainder)
      FROM reliability._shards s;
END;
COMMENT ON FUNCTION reliability._shards_union(text) IS 'Internal (coordinator): the UNION ALL of every server''s foreign table over a relation.';

-- Coordinator: its retention row says what every server's says, for the readers that run
-- here (score(), daily_uptime(), report() read whole days from history before
-- materialized_before and refuse windows before compacted_before): the days every server
-- has materialized, and the latest horizon of any. Set after each refresh, rebuild and
-- compact through the coordinator (run those here, not on a server alone).
CREATE FUNCTION reliability._retention_from_shards() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    materialized date;
    compacted date;
BEGIN
    EXECUTE 'SELECT CASE WHEN pg_catalog.bool_or(r.materialized_before IS NULL) THEN NULL
                         ELSE pg_catalog.min(r.materialized_before) END,
                    pg_catalog.max(r.compacted_before)
               FROM (' || reliability._shards_union('retention') || ') r'
       INTO materialized, compacted;
    UPDATE reliability.retention r SET materialized_before = materialized, compacted_before = compacted
     WHERE r.materialized_before IS DISTINCT FROM materialized OR r.compacted_before IS DISTINCT FROM compacted;
END
$$;
COMMENT ON FUNCTION reliability._retention_from_shards() IS 'Internal (coordinator): sets its retention row from the servers'' (SPEC §9, §12).';

-- Runs a call on every server, one after the other, in this transaction; the sum of the
-- results (rows written, rows deleted).
CREATE FUNCTION reliability._on_every_shard(call text, args jsonb) RETURNS bigint
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shard record;
    one jsonb;
    total bigint := 0;
BEGIN
    FOR shard IN SELECT s.remainder FROM reliability._shards s ORDER BY s.remainder LOOP
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call, args) VALUES ($1, $2) RETURNING result',
                                  reliability._shard_table(shard.remainder, 'calls'))
           INTO one USING call, args;
        total := total OPERATOR(pg_catalog.+) COALESCE(one::text::bigint, 0);
    END LOOP;
    PERFORM reliability._retention_from_shards();
    RETURN total;
END
$$;
COMMENT ON FUNCTION reliability._on_every_shard(text, jsonb) IS 'Internal: runs refresh, rebuild or compact on every server of a coordinator; returns the sum of their results.';

-- Coordinator: ranked()'s rows over the servers. Each server lists its own best rows with the
-- LIMIT (its score index, its own blacklist and observations) and the coordinator merges them
-- (a LIMIT is pushed to a server only inside a query on its one foreign table). SECURITY
-- DEFINER for those foreign tables; it reads no more than the view, which the session's role
-- must be allowed to read (ranked() checks the current role too).
CREATE FUNCTION reliability._ranked_on_shards(min_score double precision, tiers text[], include_stale boolean,
                                              max_rows integer, lowest double precision, highest double precision,
                                              unscored boolean)
RETURNS SETOF reliability.machine_reliability
LANGUAGE plpgsql STABLE ROWS 50 SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    query text;
BEGIN
    IF NOT pg_catalog.has_table_privilege(session_user, 'reliability.machine_reliability', 'SELECT') THEN
        RAISE EXCEPTION 'permission denied for view machine_reliability' USING ERRCODE = 'insufficient_privilege';
    END IF;
    SELECT 'SELECT * FROM ('
           || pg_catalog.string_agg(
                  pg_catalog.format('(SELECT * FROM reliability.%I r WHERE %s AND NOT r.blacklisted AND ($3 OR NOT r.stale)'
                                    ' AND ($2 IS NULL OR r.tier = ANY ($2)) ORDER BY %s LIMIT $4)',
                                    reliability._shard_table(s.remainder, 'reliability'),
                                    CASE WHEN unscored THEN 'r.score IS NULL'
                                         ELSE 'r.score >= GREATEST($1, $5) AND r.score <= $6' END,
                                    CASE WHEN unscored THEN 'r.machine_id DESC'
                                         ELSE 'r.score DESC NULLS LAST, r.machine_id' END),
                  ' UNION ALL ' ORDER BY s.remainder)
           || ') u ORDER BY '
           || CASE WHEN unscored THEN 'u.machine_id DESC' ELSE 'u.score DESC NULLS LAST, u.machine_id' END
           || ' LIMIT $4'
      INTO query
      FROM reliability._shards s;
    RETURN QUERY EXECUTE query USING min_score, tiers, include_stale, max_rows, lowest, highest;
END
$$;
COMMENT ON FUNCTION reliability._ranked_on_shards(double precision, text[], boolean, integer, double precision, double precision, boolean) IS
    'Internal (coordinator): ranked()''s rows, each server listing its best; unscored: the machines without a score, newest first.';

-- A column list "name type, ..." of a table, for a foreign table of the same shape.
CREATE FUNCTION reliability._column_definitions(t regclass) RETURNS text LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.string_agg(pg_catalog.format('%I %s', a.attname, pg_catalog.format_type(a.atttypid, a.atttypmod)), ', ' ORDER BY a.attnum)
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) t AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
END;
COMMENT ON FUNCTION reliability._column_definitions(regclass) IS 'Internal: the columns of a table as "name type, ...".';

-- GRANTs that give a new object the privileges an old one had (relacl or proacl).
CREATE FUNCTION reliability._grants(privileges aclitem[], object_kind text, object_name text) RETURNS SETOF text
LANGUAGE sql STABLE
BEGIN ATOMIC
    SELECT pg_catalog.format('GRANT %s ON %s %s TO %s%s', x.privilege_type, object_kind, object_name,
                             CASE WHEN x.grantee OPERATOR(pg_catalog.=) 0::oid THEN 'PUBLIC'
                                  ELSE pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(x.grantee)) END,
                             CASE WHEN x.is_grantable THEN ' WITH GRANT OPTION' ELSE '' END)
      FROM pg_catalog.aclexplode(privileges) x;
END;
COMMENT ON FUNCTION reliability._grants(aclitem[], text, text) IS 'Internal: the GRANT statements that rebuild an ACL on another object.';

-- Coordinator: machines registered here are copied to the server that holds them (its
-- foreign keys and row locks need them there), in the writer's transaction.
CREATE FUNCTION reliability._machines_to_shards() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN   -- the servers' machines, and with them all their rows
        TRUNCATE reliability._shard_machines CASCADE;
    ELSIF TG_OP = 'INSERT' THEN
        INSERT INTO reliability._shard_machines (machine_id, provider, external_id, created_at)
        VALUES (NEW.machine_id, NEW.provider, NEW.external_id, NEW.created_at);
    ELSIF TG_OP = 'UPDATE' THEN
        IF NEW.machine_id OPERATOR(pg_catalog.<>) OLD.machine_id THEN
            RAISE EXCEPTION 'a distributed machine keeps its machine_id' USING ERRCODE = 'feature_not_supported';
        END IF;
        UPDATE reliability._shard_machines s
           SET provider = NEW.provider, external_id = NEW.external_id, created_at = NEW.created_at
         WHERE s.machine_id OPERATOR(pg_catalog.=) OLD.machine_id;
    ELSE
        DELETE FROM reliability._shard_machines s WHERE s.machine_id OPERATOR(pg_catalog.=) OLD.machine_id;
    END IF;
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._machines_to_shards() IS 'Internal trigger (coordinator): copies a machine''s registration, change or removal to its server, and a TRUNCATE to every server.';

-- Coordinator: a settings change reaches every server in the same transaction (each server's
-- own triggers then recompute its cache).
CREATE FUNCTION reliability._settings_push(st reliability.settings) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shard record;
BEGIN
    FOR shard IN SELECT s.remainder FROM reliability._shards s ORDER BY s.remainder LOOP
        EXECUTE pg_catalog.format('UPDATE reliability.%I SET %s', reliability._shard_table(shard.remainder, 'settings'),
                                  reliability._settings_columns('%I = ($1).%I'))
          USING st;
    END LOOP;
END
$$;
COMMENT ON FUNCTION reliability._settings_push(reliability.settings) IS 'Internal (coordinator): writes a settings row to every server.';
CREATE FUNCTION reliability._settings_to_shards() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    PERFORM reliability._settings_push(NEW);
    RETURN NULL;
END
$$;
COMMENT ON FUNCTION reliability._settings_to_shards() IS 'Internal trigger (coordinator): copies a settings change to every server.';

-- Coordinator: rate() as an UPDATE, else an INSERT (postgres_fdw cannot run INSERT ... ON
-- CONFLICT DO UPDATE). A concurrent first rating by the same user makes the INSERT fail on
-- the server's key; the server's transaction reads at one snapshot (postgres_fdw's remote
-- transactions are REPEATABLE READ), so that rating stays invisible to it and an UPDATE
-- could never find it: 40001, for the client to retry, as a serialization failure is. With
-- the caller's rights, as rate().
CREATE FUNCTION reliability._rate_distributed(machine_id bigint, user_id text, stars integer, comment text,
                                              rental_duration_hours double precision, instance_id text)
RETURNS reliability.ratings LANGUAGE plpgsql VOLATILE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    result reliability.ratings;
BEGIN
    UPDATE reliability.ratings r
       SET stars = _rate_distributed.stars, comment = _rate_distributed.comment,
           rental_duration_hours = _rate_distributed.rental_duration_hours,
           instance_id = _rate_distributed.instance_id, updated_at = pg_catalog.now()
     WHERE r.machine_id OPERATOR(pg_catalog.=) _rate_distributed.machine_id
       AND r.user_id OPERATOR(pg_catalog.=) _rate_distributed.user_id
    RETURNING r.* INTO result;
    IF FOUND THEN
        RETURN result;
    END IF;
    BEGIN
        INSERT INTO reliability.ratings AS r (machine_id, user_id, stars, comment, rental_duration_hours, instance_id)
        VALUES (_rate_distributed.machine_id, _rate_distributed.user_id, _rate_distributed.stars,
                _rate_distributed.comment, _rate_distributed.rental_duration_hours, _rate_distributed.instance_id)
        RETURNING r.* INTO result;
    EXCEPTION WHEN unique_violation THEN
        RAISE EXCEPTION 'machine % was rated by user % in a concurrent transaction', _rate_distributed.machine_id,
                        pg_catalog.quote_literal(_rate_distributed.user_id)
            USING ERRCODE = 'serialization_failure',
                  HINT = 'Retry the transaction (on a coordinator a server reads at one snapshot per transaction).';
    END;
    RETURN result;
END
$$;
COMMENT ON FUNCTION reliability._rate_distributed(bigint, text, integer, text, double precision, text) IS
    'Internal (coordinator): rate() without ON CONFLICT, which postgres_fdw cannot run.';

-- Coordinator: the machines whose registration differs between the coordinator and the server
-- that holds them, after a crash mid-commit (postgres_fdw has no two-phase commit;
-- docs/SHARDS.md, "Failures"): registered on the server only, on the coordinator only, or on
-- both with another provider or external id. Reads every server's machines.
CREATE FUNCTION reliability.shard_mismatches()
RETURNS TABLE (server name, machine_id bigint, provider text, external_id text, registered_on text)
LANGUAGE plpgsql STABLE SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    shard record;
    n integer;
BEGIN
    SELECT pg_catalog.count(*) INTO n FROM reliability._shards;
    IF n OPERATOR(pg_catalog.=) 0 THEN
        RAISE EXCEPTION 'shard_mismatches: this database is not a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    FOR shard IN SELECT s.remainder, s.server FROM reliability._shards s ORDER BY s.remainder LOOP
        RETURN QUERY EXECUTE pg_catalog.format(
            'SELECT $1, COALESCE(r.machine_id, m.machine_id), COALESCE(r.provider, m.provider), COALESCE(r.external_id, m.external_id),
                    CASE WHEN m.machine_id IS NULL THEN %L WHEN r.machine_id IS NULL THEN %L ELSE %L END
               FROM reliability.%I r
               FULL JOIN (SELECT * FROM reliability.machines c
                           WHERE pg_catalog.satisfies_hash_partition(%L::pg_catalog.regclass, $2, $3, c.machine_id)) m
                 ON m.machine_id OPERATOR(pg_catalog.=) r.machine_id
              WHERE m.machine_id IS NULL OR r.machine_id IS NULL
                 OR (m.provider, m.external_id) IS DISTINCT FROM (r.provider, r.external_id)
              ORDER BY 2',
            'server', 'coordinator', 'both, differently', reliability._shard_table(shard.remainder, 'machines'),
            'reliability._shard_machines')
          USING shard.server, n, shard.remainder;
    END LOOP;
END
$$;
COMMENT ON FUNCTION reliability.shard_mismatches() IS
    'On a coordinator (SPEC §12): the machines registered on their server only, on the coordinator only, or differently on both (after a crash mid-commit).';

CREATE FUNCTION reliability._set_server_option(server name, option text, value text) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    current text;
BEGIN
    SELECT o.option_value INTO current
      FROM pg_catalog.pg_foreign_server s, pg_catalog.pg_options_to_table(s.srvoptions) o
     WHERE s.srvname OPERATOR(pg_catalog.=) server AND o.option_name OPERATOR(pg_catalog.=) option;
    IF NOT FOUND THEN
        EXECUTE pg_catalog.format('ALTER SERVER %I OPTIONS (ADD %I %L)', server, option, value);
    ELSIF option OPERATOR(pg_catalog.=) 'extensions' THEN
        IF NOT (value OPERATOR(pg_catalog.=) ANY (pg_catalog.string_to_array(pg_catalog.replace(current, ' ', ''), ','))) THEN
            EXECUTE pg_catalog.format('ALTER SERVER %I OPTIONS (SET %I %L)', server, option, current || ',' || value);
        END IF;
    ELSE
        EXECUTE pg_catalog.format('ALTER SERVER %I OPTIONS (SET %I %L)', server, option, value);
    END IF;
END
$$;
COMMENT ON FUNCTION reliability._set_server_option(name, text, text) IS 'Internal: adds or sets a foreign server option (extensions: adds reliability to the list).';

CREATE FUNCTION reliability.distribute(servers text[]) RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
DECLARE
    per_machine constant text[] := ARRAY['observations', 'interruptions', 'ratings', 'deploy_attempts',
                                         'blacklist', 'scores', 'history'];
    n integer;
    i integer;
    t text;
    server_name text;
    status jsonb;
    version text;
    dependents record;
    saved record;
    member record;
    statement text;
BEGIN
    IF servers IS NULL THEN
        RAISE EXCEPTION 'distribute: servers must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    n := pg_catalog.cardinality(servers);
    IF n OPERATOR(pg_catalog.<) 1 OR COALESCE(pg_catalog.array_ndims(servers), 1) OPERATOR(pg_catalog.<>) 1 THEN
        RAISE EXCEPTION 'distribute: give at least one server, in a one-dimensional array' USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF pg_catalog.array_position(servers, NULL) IS NOT NULL THEN
        RAISE EXCEPTION 'distribute: a server name is NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF (SELECT pg_catalog.count(DISTINCT s) FROM pg_catalog.unnest(servers) s) OPERATOR(pg_catalog.<>) n THEN
        RAISE EXCEPTION 'distribute: a server is named twice' USING ERRCODE = 'invalid_parameter_value',
            HINT = 'Give each server once; each holds one hash partition of every per-machine table.';
    END IF;
    FOREACH server_name IN ARRAY servers LOOP
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server s WHERE s.srvname OPERATOR(pg_catalog.=) server_name) THEN
            RAISE EXCEPTION 'distribute: server "%" does not exist', server_name USING ERRCODE = 'undefined_object';
        END IF;
        IF NOT EXISTS (SELECT FROM pg_catalog.pg_foreign_server s
                         JOIN pg_catalog.pg_foreign_data_wrapper w ON w.oid OPERATOR(pg_catalog.=) s.srvfdw
                        WHERE s.srvname OPERATOR(pg_catalog.=) server_name
                          AND w.fdwname OPERATOR(pg_catalog.=) 'postgres_fdw') THEN
            RAISE EXCEPTION 'distribute: server "%" is not a postgres_fdw server', server_name USING ERRCODE = 'invalid_parameter_value';
        END IF;
    END LOOP;

    -- No writer while the tables change (and the checks below stay true).
    LOCK TABLE reliability._shards, reliability.machines, reliability.settings, reliability.observations,
               reliability.interruptions, reliability.ratings, reliability.deploy_attempts, reliability.blacklist,
               reliability.scores, reliability.history IN ACCESS EXCLUSIVE MODE;
    IF EXISTS (SELECT FROM reliability._shards) THEN
        RAISE EXCEPTION 'distribute: this database is already a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF EXISTS (SELECT FROM reliability._coordinated) THEN
        RAISE EXCEPTION 'distribute: this database is a server of a coordinator' USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF reliability._holds_rows() THEN
        RAISE EXCEPTION 'distribute: the extension''s tables hold rows' USING ERRCODE = 'object_not_in_prerequisite_state',
            HINT = 'Distribute an empty database, then load it through the coordinator.';
    END IF;
    SELECT e.extversion INTO version FROM pg_catalog.pg_extension e WHERE e.extname OPERATOR(pg_catalog.=) 'reliability';

    -- The servers: how to reach their functions, and that each is an empty server of this version.
    FOR i IN 0 .. n OPERATOR(pg_catalog.-) 1 LOOP
        server_name := servers[i OPERATOR(pg_catalog.+) 1];
        INSERT INTO reliability._shards (remainder, server) VALUES (i, server_name);
        -- Not use_remote_estimate: planning would then ask every server, so a statement about
        -- one machine (whose kept generic plan covers every partition) failed while any
        -- server was down; the per-machine aggregates are pushed down without it.
        PERFORM reliability._set_server_option(server_name, o.option, o.value)
           FROM (VALUES ('extensions', 'reliability'), ('async_capable', 'true'), ('batch_size', '1000'),
                        ('fetch_size', '10000')) AS o(option, value);
        PERFORM reliability._create_foreign_member(reliability._shard_table(i, 'calls'),
                                                   '(machine_id bigint, call text, args jsonb, result jsonb)', server_name, '_remote_calls');
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call) VALUES (%L) RETURNING result', reliability._shard_table(i, 'calls'), 'status')
           INTO status;
        IF (status OPERATOR(pg_catalog.->>) 'version') IS DISTINCT FROM version THEN
            RAISE EXCEPTION 'distribute: server "%" has reliability %, this database %', server_name,
                COALESCE(status OPERATOR(pg_catalog.->>) 'version', 'not installed'), version
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF (status OPERATOR(pg_catalog.->>) 'has_rows')::boolean OR (status OPERATOR(pg_catalog.->>) 'distributed')::boolean
           OR (status OPERATOR(pg_catalog.->>) 'coordinated')::boolean THEN
            RAISE EXCEPTION 'distribute: server "%" is not empty', server_name USING ERRCODE = 'object_not_in_prerequisite_state',
                HINT = 'A server must hold no row of the extension''s tables, and be neither a coordinator nor the server of one.';
        END IF;
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call) VALUES (%L)', reliability._shard_table(i, 'calls'), 'configure');
        PERFORM reliability._create_foreign_member(reliability._shard_table(i, r.relation),
                                                   '(' || reliability._column_definitions(pg_catalog.format('reliability.%I', r.relation)::pg_catalog.regclass) || ')',
                                                   server_name, r.relation)
           FROM pg_catalog.unnest(ARRAY['settings', 'retention']) AS r(relation);
        -- The server's own view: it computes blacklisted and stale next to the rows. Remote
        -- estimates here only: with them the planner sends ranked()'s ORDER BY and LIMIT to
        -- the server (its score index) instead of fetching every row to sort it here.
        PERFORM reliability._create_foreign_member(reliability._shard_table(i, 'reliability'),
                                                   '(' || reliability._column_definitions('reliability.machine_reliability') || ')',
                                                   server_name, 'machine_reliability',
                                                   pg_catalog.format(', fetch_size %L, use_remote_estimate %L', '1000', 'true'));
    END LOOP;
    -- The servers start with this database's settings.
    PERFORM reliability._settings_push(st) FROM reliability.settings st;

    -- Routing table: a machine's registration goes to its server.
    EXECUTE pg_catalog.format('CREATE TABLE reliability._shard_machines (%s) PARTITION BY HASH (machine_id)',
                              reliability._column_definitions('reliability.machines'));
    ALTER EXTENSION reliability ADD TABLE reliability._shard_machines;
    FOR i IN 0 .. n OPERATOR(pg_catalog.-) 1 LOOP
        PERFORM reliability._create_foreign_member(reliability._shard_table(i, 'machines'),
                                                   pg_catalog.format('PARTITION OF reliability._shard_machines FOR VALUES WITH (MODULUS %s, REMAINDER %s)', n, i),
                                                   servers[i OPERATOR(pg_catalog.+) 1], 'machines');
    END LOOP;

    -- The views and SQL functions bound to the per-machine tables (BEGIN ATOMIC bodies, row
    -- types), in creation order: dropped with the tables, then created again over the new ones
    -- with their privileges and comments.
    CREATE TEMPORARY TABLE pg_temp.reliability_dependents ON COMMIT DROP AS
    WITH RECURSIVE tables AS (
        SELECT c.oid, c.reltype FROM pg_catalog.pg_class c
         WHERE c.relnamespace OPERATOR(pg_catalog.=) 'reliability'::pg_catalog.regnamespace
           AND c.relname OPERATOR(pg_catalog.=) ANY (per_machine)
    ), found (classid, objid) AS (
        SELECT CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END,
               CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    THEN (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid OPERATOR(pg_catalog.=) d.objid) ELSE d.objid END
          FROM pg_catalog.pg_depend d, tables t
         WHERE (d.refobjid OPERATOR(pg_catalog.=) t.oid OR d.refobjid OPERATOR(pg_catalog.=) t.reltype)
           AND d.classid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_rewrite'::pg_catalog.regclass])
        UNION
        SELECT CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    THEN 'pg_catalog.pg_class'::pg_catalog.regclass ELSE d.classid END,
               CASE WHEN d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_rewrite'::pg_catalog.regclass
                    THEN (SELECT r.ev_class FROM pg_catalog.pg_rewrite r WHERE r.oid OPERATOR(pg_catalog.=) d.objid) ELSE d.objid END
          FROM pg_catalog.pg_depend d, found f, pg_catalog.pg_class v
         WHERE f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass AND v.oid OPERATOR(pg_catalog.=) f.objid
           AND (d.refobjid OPERATOR(pg_catalog.=) v.oid OR d.refobjid OPERATOR(pg_catalog.=) v.reltype)
           AND d.classid OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.pg_proc'::pg_catalog.regclass, 'pg_catalog.pg_rewrite'::pg_catalog.regclass])
    )
    SELECT DISTINCT f.classid, f.objid,
           CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass THEN 'VIEW' ELSE 'FUNCTION' END AS kind,
           CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass THEN f.objid::pg_catalog.regclass::text
                ELSE f.objid::pg_catalog.regprocedure::text END AS name,
           CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                THEN pg_catalog.format('CREATE VIEW %s%s AS %s', f.objid::pg_catalog.regclass,
                                       (SELECT ' WITH (' || pg_catalog.array_to_string(c.reloptions, ', ') || ')'
                                          FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) f.objid),
                                       pg_catalog.pg_get_viewdef(f.objid))
                ELSE pg_catalog.pg_get_functiondef(f.objid) END AS definition,
           CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                THEN (SELECT c.relacl FROM pg_catalog.pg_class c WHERE c.oid OPERATOR(pg_catalog.=) f.objid)
                ELSE (SELECT p.proacl FROM pg_catalog.pg_proc p WHERE p.oid OPERATOR(pg_catalog.=) f.objid) END AS acl,
           pg_catalog.obj_description(f.objid, CASE WHEN f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                                    THEN 'pg_class' ELSE 'pg_proc' END) AS description
      FROM found f
     WHERE f.objid IS NOT NULL
       AND NOT (f.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                AND f.objid OPERATOR(pg_catalog.=) ANY (SELECT t.oid FROM tables t));
    -- Column comments of the views.
    CREATE TEMPORARY TABLE pg_temp.reliability_column_comments ON COMMIT DROP AS
    SELECT d.name, a.attname, pg_catalog.col_description(d.objid, a.attnum) AS description
      FROM pg_temp.reliability_dependents d
      JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) d.objid AND a.attnum OPERATOR(pg_catalog.>) 0
     WHERE d.kind OPERATOR(pg_catalog.=) 'VIEW' AND pg_catalog.col_description(d.objid, a.attnum) IS NOT NULL;
    FOR dependents IN SELECT * FROM pg_temp.reliability_dependents ORDER BY kind, objid DESC LOOP
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability DROP %s %s', dependents.kind, dependents.name);
        EXECUTE pg_catalog.format('DROP %s %s', dependents.kind, dependents.name);
    END LOOP;

    -- The per-machine tables: hash-partitioned here, their partitions on the servers. The
    -- servers' own tables keep the keys, foreign keys, time partitions and triggers.
    FOREACH t IN ARRAY per_machine LOOP
        SELECT c.relacl AS acl, pg_catalog.obj_description(c.oid, 'pg_class') AS description INTO saved
          FROM pg_catalog.pg_class c
         WHERE c.oid OPERATOR(pg_catalog.=) pg_catalog.format('reliability.%I', t)::pg_catalog.regclass;
        EXECUTE pg_catalog.format('CREATE TABLE reliability.%I (LIKE reliability.%I INCLUDING DEFAULTS INCLUDING CONSTRAINTS '
                                  'INCLUDING GENERATED INCLUDING COMMENTS) PARTITION BY HASH (machine_id)', '_new_' || t, t);
        -- Its partitions and identity sequence are members too.
        FOR member IN SELECT c.oid::pg_catalog.regclass AS name, CASE c.relkind WHEN 'S' THEN 'SEQUENCE' ELSE 'TABLE' END AS kind
                       FROM pg_catalog.pg_class c
                      WHERE (c.oid OPERATOR(pg_catalog.=) ANY (SELECT p.relid FROM pg_catalog.pg_partition_tree(pg_catalog.format('reliability.%I', t)) p
                                                                WHERE p.level OPERATOR(pg_catalog.>) 0)
                             OR c.relkind OPERATOR(pg_catalog.=) 'S' AND c.oid OPERATOR(pg_catalog.=) ANY (
                                    SELECT o.objid FROM pg_catalog.pg_depend o
                                     WHERE o.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                       AND o.refobjid OPERATOR(pg_catalog.=) pg_catalog.format('reliability.%I', t)::pg_catalog.regclass
                                       AND o.deptype OPERATOR(pg_catalog.=) ANY (ARRAY['a', 'i']::"char"[])))
                        AND EXISTS (SELECT FROM pg_catalog.pg_depend d
                                     WHERE d.classid OPERATOR(pg_catalog.=) 'pg_catalog.pg_class'::pg_catalog.regclass
                                       AND d.objid OPERATOR(pg_catalog.=) c.oid AND d.deptype OPERATOR(pg_catalog.=) 'e') LOOP
            EXECUTE pg_catalog.format('ALTER EXTENSION reliability DROP %s %s', member.kind, member.name);
        END LOOP;
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability DROP TABLE reliability.%I', t);
        EXECUTE pg_catalog.format('DROP TABLE reliability.%I', t);
        EXECUTE pg_catalog.format('ALTER TABLE reliability.%I RENAME TO %I', '_new_' || t, t);
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD TABLE reliability.%I', t);
        FOR i IN 0 .. n OPERATOR(pg_catalog.-) 1 LOOP
            PERFORM reliability._create_foreign_member(t || '_shard' || i,
                                                       pg_catalog.format('PARTITION OF reliability.%I FOR VALUES WITH (MODULUS %s, REMAINDER %s)', t, n, i),
                                                       servers[i OPERATOR(pg_catalog.+) 1], t);
        END LOOP;
        FOR statement IN SELECT reliability._grants(saved.acl, 'TABLE', pg_catalog.format('reliability.%I', t)) LOOP
            EXECUTE statement;
        END LOOP;
        EXECUTE pg_catalog.format('COMMENT ON TABLE reliability.%I IS %L', t, saved.description);
    END LOOP;
    -- deploy_attempts.attempt_id: numbered here for every server (identity columns cannot be
    -- partitioned in PostgreSQL 15; the servers' columns accept given values).
    CREATE SEQUENCE reliability.deploy_attempts_attempt_id_seq OWNED BY reliability.deploy_attempts.attempt_id;
    ALTER TABLE reliability.deploy_attempts ALTER COLUMN attempt_id
        SET DEFAULT pg_catalog.nextval('reliability.deploy_attempts_attempt_id_seq'::pg_catalog.regclass);
    ALTER EXTENSION reliability ADD SEQUENCE reliability.deploy_attempts_attempt_id_seq;

    FOR dependents IN SELECT * FROM pg_temp.reliability_dependents ORDER BY kind DESC, objid LOOP
        EXECUTE dependents.definition;
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD %s %s', dependents.kind, dependents.name);
        IF dependents.acl IS NOT NULL THEN
            -- (GRANT names a view TABLE)
            EXECUTE pg_catalog.format('REVOKE ALL ON %s %s FROM PUBLIC', pg_catalog.replace(dependents.kind, 'VIEW', 'TABLE'), dependents.name);
            FOR statement IN SELECT reliability._grants(dependents.acl, pg_catalog.replace(dependents.kind, 'VIEW', 'TABLE'), dependents.name) LOOP
                EXECUTE statement;
            END LOOP;
        END IF;
        EXECUTE pg_catalog.format('COMMENT ON %s %s IS %L', dependents.kind, dependents.name, dependents.description);
    END LOOP;
    FOR saved IN SELECT * FROM pg_temp.reliability_column_comments LOOP
        EXECUTE pg_catalog.format('COMMENT ON COLUMN %s.%I IS %L', saved.name, saved.attname, saved.description);
    END LOOP;

    -- The view: every server's own rows (blacklisted and stale computed there, next to the rows
    -- they read, instead of a remote query per machine from here).
    EXECUTE 'CREATE OR REPLACE VIEW reliability.machine_reliability AS ' || reliability._shards_union('reliability');

    -- rate() without ON CONFLICT DO UPDATE, which postgres_fdw cannot run.
    CREATE OR REPLACE FUNCTION reliability.rate(machine_id bigint, user_id text, stars integer, comment text DEFAULT NULL,
                                                rental_duration_hours double precision DEFAULT NULL, instance_id text DEFAULT NULL)
    RETURNS reliability.ratings LANGUAGE sql VOLATILE
    BEGIN ATOMIC
        SELECT reliability._rate_distributed(rate.machine_id, rate.user_id, rate.stars, rate.comment,
                                             rate.rental_duration_hours, rate.instance_id);
    END;

    -- Triggers of the coordinator's own tables: registrations and settings go to the servers
    -- (the cache engine runs there, never here).
    DROP TRIGGER settings_changed ON reliability.settings;
    CREATE TRIGGER settings_to_shards AFTER UPDATE ON reliability.settings
        FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.=) NEW)) EXECUTE FUNCTION reliability._settings_to_shards();
    CREATE TRIGGER machines_to_shards AFTER INSERT OR UPDATE OR DELETE ON reliability.machines
        FOR EACH ROW EXECUTE FUNCTION reliability._machines_to_shards();
    CREATE TRIGGER machines_truncated_on_shards AFTER TRUNCATE ON reliability.machines
        FOR EACH STATEMENT EXECUTE FUNCTION reliability._machines_to_shards();

    -- The readers of one machine plan without partitionwise aggregation: it turns off run-time
    -- partition pruning, and their kept generic plans would then open every server, so one
    -- stopped server would stop them all (test/integration/shards.sh).
    ALTER FUNCTION reliability.score(bigint, timestamptz) SET enable_partitionwise_aggregate = off;
    ALTER FUNCTION reliability.report(bigint, timestamptz) SET enable_partitionwise_aggregate = off;
    ALTER FUNCTION reliability.daily_uptime(bigint, integer, timestamptz) SET enable_partitionwise_aggregate = off;
    ALTER FUNCTION reliability.sparkline(bigint, integer, timestamptz) SET enable_partitionwise_aggregate = off;
    ALTER FUNCTION reliability.periods(bigint, tstzrange) SET enable_partitionwise_aggregate = off;

    -- Whole per-machine aggregates on the servers, at once (sharding.md).
    EXECUTE pg_catalog.format('ALTER DATABASE %I SET enable_partitionwise_aggregate = on', pg_catalog.current_database());
    EXECUTE pg_catalog.format('ALTER DATABASE %I SET enable_partitionwise_join = on', pg_catalog.current_database());
    PERFORM pg_catalog.set_config('enable_partitionwise_aggregate', 'on', false);
    PERFORM pg_catalog.set_config('enable_partitionwise_join', 'on', false);
END
$$;
COMMENT ON FUNCTION reliability.distribute(text[]) IS
    'Turns this empty database into a coordinator over the given postgres_fdw servers (SPEC §12): every per-machine table is hash-partitioned by machine_id onto them.';
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
--     _history_rows (reads with the caller's rights, writes nothing), _distributed (says
--     whether this database is a coordinator), _rate_distributed (rate() on a coordinator,
--     with the caller's rights), _ranked_on_shards (ranked() on a coordinator: reads what the
--     view shows, for a session role that may read the view).
REVOKE ALL ON ALL TABLES IN SCHEMA reliability FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._update_cache(bigint[], timestamptz, boolean, boolean) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._statement_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_change_begins() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_insert() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_columns(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_sync() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_copy_refuse_update() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._data_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._recompute_all() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._data_truncated() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._auto_blacklist(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._deploy_rule(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._deploys_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._blacklist_notify() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._ratings_stamp() FROM PUBLIC;
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
REVOKE ALL ON FUNCTION reliability._compact_here(date) FROM PUBLIC;
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
-- Shards (SPEC §12): distribute() and what it sets up are for the extension's owner.
REVOKE ALL ON FUNCTION reliability.distribute(text[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability.shard_mismatches() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._remote_call() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._holds_rows() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._on_every_shard(text, jsonb) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._set_server_option(name, text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._machines_to_shards() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_push(reliability.settings) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._settings_to_shards() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._column_definitions(regclass) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._grants(aclitem[], text, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._retention_from_shards() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._shard_table(integer, text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._shards_union(text) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._create_foreign_member(text, text, text, text, text) FROM PUBLIC;
