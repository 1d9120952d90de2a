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
    FOR EACH ROW WHEN (NOT (OLD OPERATOR(pg_catalog.*=) NEW)) EXECUTE FUNCTION reliability._settings_copy_sync();
CREATE TRIGGER settings_copy_insert BEFORE INSERT ON reliability._settings_copy
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_copy_insert();
CREATE TRIGGER settings_copy_refuse_update BEFORE UPDATE ON reliability._settings_copy
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_copy_refuse_update();
CREATE TRIGGER settings_copy_refuse_delete BEFORE DELETE ON reliability._settings_copy
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_refuse_removal();
CREATE TRIGGER settings_copy_refuse_truncate BEFORE TRUNCATE ON reliability._settings_copy
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._settings_refuse_removal();

SELECT pg_catalog.pg_extension_config_dump('reliability._settings_copy', '');
