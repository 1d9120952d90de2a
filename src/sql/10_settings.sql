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
        -- A pg_dump restore COPYs the row after the scores it dumped, which were computed
        -- with these very settings: merging them must not recompute (or re-blacklist).
        IF pg_catalog.current_query() OPERATOR(pg_catalog.~*) '^\s*copy\s' THEN
            PERFORM pg_catalog.set_config('reliability.restoring_settings', 'on', true);
        END IF;
        UPDATE reliability.settings s SET
            score_window = NEW.score_window, max_gap = NEW.max_gap,
            weight_uptime = NEW.weight_uptime, weight_interruption = NEW.weight_interruption,
            weight_rating = NEW.weight_rating, interruption_horizon = NEW.interruption_horizon,
            rating_prior_mean = NEW.rating_prior_mean, rating_prior_weight = NEW.rating_prior_weight,
            min_history = NEW.min_history, tier_excellent = NEW.tier_excellent, tier_good = NEW.tier_good,
            tier_fair = NEW.tier_fair, stale_after = NEW.stale_after,
            auto_blacklist_below = NEW.auto_blacklist_below, auto_blacklist_for = NEW.auto_blacklist_for;
        PERFORM pg_catalog.set_config('reliability.restoring_settings', 'off', true);
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
COMMENT ON FUNCTION reliability._settings_merge_insert() IS 'Internal: turns an INSERT into reliability.settings into an UPDATE of its one row.';

CREATE FUNCTION reliability._settings_refuse_removal() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    RAISE EXCEPTION 'reliability.settings must keep its one row; UPDATE it instead'
        USING ERRCODE = 'restrict_violation';
END
$$;
COMMENT ON FUNCTION reliability._settings_refuse_removal() IS 'Internal: refuses DELETE and TRUNCATE on reliability.settings.';

CREATE TRIGGER settings_merge_insert BEFORE INSERT ON reliability.settings
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_merge_insert();
CREATE TRIGGER settings_refuse_delete BEFORE DELETE ON reliability.settings
    FOR EACH ROW EXECUTE FUNCTION reliability._settings_refuse_removal();
CREATE TRIGGER settings_refuse_truncate BEFORE TRUNCATE ON reliability.settings
    FOR EACH STATEMENT EXECUTE FUNCTION reliability._settings_refuse_removal();

SELECT pg_catalog.pg_extension_config_dump('reliability.settings', '');
