-- reliability 0.6.0 -> 0.7.0 (ALTER EXTENSION reliability UPDATE TO '0.7.0')
\echo Use "ALTER EXTENSION reliability UPDATE TO '0.7.0'" to load this file. \quit

-- Brings a 0.6.0 database to exactly the catalog of a fresh 0.7.0 install (src/sql/*.sql;
-- test/upgrade/compare_install.sh checks it). Like the install script, it pins search_path
-- for its own statements and qualifies every operator and function it evaluates or stores.
SET LOCAL search_path = pg_catalog, pg_temp;

-- SPEC §10's settings, appended to the settings row and to its copy for pg_dump, with the
-- fresh install's defaults and constraints (the existing row takes the defaults).
-- Added without a default, filled, then given the default: a column added with a default
-- would keep it as a "missing value" in the catalog, which a fresh install does not have.
ALTER TABLE reliability.settings
    ADD COLUMN deploy_window interval, ADD COLUMN deploy_min_attempts integer,
    ADD COLUMN deploy_consecutive_failures integer, ADD COLUMN deploy_failure_rate double precision,
    ADD COLUMN deploy_blacklist_for interval, ADD COLUMN deploy_severe_stages text[],
    ADD COLUMN deploy_severe_blacklist_for interval;
ALTER TABLE reliability._settings_copy
    ADD COLUMN deploy_window interval, ADD COLUMN deploy_min_attempts integer,
    ADD COLUMN deploy_consecutive_failures integer, ADD COLUMN deploy_failure_rate double precision,
    ADD COLUMN deploy_blacklist_for interval, ADD COLUMN deploy_severe_stages text[],
    ADD COLUMN deploy_severe_blacklist_for interval;
COMMENT ON COLUMN reliability.settings.deploy_window IS 'How far back the deploy rule looks at deploy attempts (fixed length).';
COMMENT ON COLUMN reliability.settings.deploy_min_attempts IS 'Fewest attempts in deploy_window for the deploy rule to judge a machine.';
COMMENT ON COLUMN reliability.settings.deploy_consecutive_failures IS 'This many latest attempts all failed: blacklisted for deploy_blacklist_for.';
COMMENT ON COLUMN reliability.settings.deploy_failure_rate IS 'Failed share of the attempts in deploy_window, in (0, 1], that blacklists the machine.';
COMMENT ON COLUMN reliability.settings.deploy_blacklist_for IS 'How long the deploy rule blacklists a machine.';
COMMENT ON COLUMN reliability.settings.deploy_severe_stages IS 'Failure stages that make a failure-rate blacklisting last deploy_severe_blacklist_for.';
COMMENT ON COLUMN reliability.settings.deploy_severe_blacklist_for IS 'How long the failure-rate rule blacklists a machine with a failure at a severe stage.';

-- The functions that copy the settings row name the new columns.
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
            auto_blacklist_below = NEW.auto_blacklist_below, auto_blacklist_for = NEW.auto_blacklist_for,
            deploy_window = NEW.deploy_window, deploy_min_attempts = NEW.deploy_min_attempts,
            deploy_consecutive_failures = NEW.deploy_consecutive_failures,
            deploy_failure_rate = NEW.deploy_failure_rate, deploy_blacklist_for = NEW.deploy_blacklist_for,
            deploy_severe_stages = NEW.deploy_severe_stages,
            deploy_severe_blacklist_for = NEW.deploy_severe_blacklist_for;
        RETURN NULL;
    END IF;
    RETURN NEW;
END
$$;
CREATE OR REPLACE FUNCTION reliability._settings_copy_insert() RETURNS trigger
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    INSERT INTO reliability.settings (score_window, max_gap, weight_uptime, weight_interruption, weight_rating,
                                      interruption_horizon, rating_prior_mean, rating_prior_weight, min_history,
                                      tier_excellent, tier_good, tier_fair, stale_after, auto_blacklist_below,
                                      auto_blacklist_for, deploy_window, deploy_min_attempts,
                                      deploy_consecutive_failures, deploy_failure_rate, deploy_blacklist_for,
                                      deploy_severe_stages, deploy_severe_blacklist_for)
    VALUES (NEW.score_window, NEW.max_gap, NEW.weight_uptime, NEW.weight_interruption, NEW.weight_rating,
            NEW.interruption_horizon, NEW.rating_prior_mean, NEW.rating_prior_weight, NEW.min_history,
            NEW.tier_excellent, NEW.tier_good, NEW.tier_fair, NEW.stale_after, NEW.auto_blacklist_below,
            NEW.auto_blacklist_for, NEW.deploy_window, NEW.deploy_min_attempts,
            NEW.deploy_consecutive_failures, NEW.deploy_failure_rate, NEW.deploy_blacklist_for,
            NEW.deploy_severe_stages, NEW.deploy_severe_blacklist_for);
    RETURN NULL;
END
$$;
CREATE OR REPLACE FUNCTION reliability._settings_copy_sync() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    UPDATE reliability._settings_copy c SET
        score_window = NEW.score_window, max_gap = NEW.max_gap,
        weight_uptime = NEW.weight_uptime, weight_interruption = NEW.weight_interruption,
        weight_rating = NEW.weight_rating, interruption_horizon = NEW.interruption_horizon,
        rating_prior_mean = NEW.rating_prior_mean, rating_prior_weight = NEW.rating_prior_weight,
        min_history = NEW.min_history, tier_excellent = NEW.tier_excellent, tier_good = NEW.tier_good,
        tier_fair = NEW.tier_fair, stale_after = NEW.stale_after,
        auto_blacklist_below = NEW.auto_blacklist_below, auto_blacklist_for = NEW.auto_blacklist_for,
        deploy_window = NEW.deploy_window, deploy_min_attempts = NEW.deploy_min_attempts,
        deploy_consecutive_failures = NEW.deploy_consecutive_failures,
        deploy_failure_rate = NEW.deploy_failure_rate, deploy_blacklist_for = NEW.deploy_blacklist_for,
        deploy_severe_stages = NEW.deploy_severe_stages,
        deploy_severe_blacklist_for = NEW.deploy_severe_blacklist_for;
    RETURN NULL;
END
$$;

-- A settings change that no cached row depends on (stale_after, the deploy rule's) recomputes nothing.
CREATE OR REPLACE FUNCTION reliability._recompute_all() RETURNS trigger
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

-- The defaults into the one row (its copy follows through settings_copied); no cached row
-- depends on these, so _recompute_all (replaced above) recomputes nothing.
UPDATE reliability.settings SET deploy_window = interval '72 hours', deploy_min_attempts = 3,
    deploy_consecutive_failures = 3, deploy_failure_rate = 0.7, deploy_blacklist_for = interval '24 hours',
    deploy_severe_stages = '{rejected,loading,creating}', deploy_severe_blacklist_for = interval '48 hours';
ALTER TABLE reliability.settings
    ALTER COLUMN deploy_window SET DEFAULT interval '72 hours', ALTER COLUMN deploy_window SET NOT NULL,
    ALTER COLUMN deploy_min_attempts SET DEFAULT 3, ALTER COLUMN deploy_min_attempts SET NOT NULL,
    ALTER COLUMN deploy_consecutive_failures SET DEFAULT 3, ALTER COLUMN deploy_consecutive_failures SET NOT NULL,
    ALTER COLUMN deploy_failure_rate SET DEFAULT 0.7, ALTER COLUMN deploy_failure_rate SET NOT NULL,
    ALTER COLUMN deploy_blacklist_for SET DEFAULT interval '24 hours', ALTER COLUMN deploy_blacklist_for SET NOT NULL,
    ALTER COLUMN deploy_severe_stages SET DEFAULT '{rejected,loading,creating}', ALTER COLUMN deploy_severe_stages SET NOT NULL,
    ALTER COLUMN deploy_severe_blacklist_for SET DEFAULT interval '48 hours', ALTER COLUMN deploy_severe_blacklist_for SET NOT NULL,
    ADD CONSTRAINT settings_deploy_window_length
        CHECK (pg_catalog.date_part('epoch', deploy_window) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_window) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_deploy_blacklist_for_length
        CHECK (pg_catalog.date_part('epoch', deploy_blacklist_for) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_blacklist_for) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_deploy_severe_blacklist_for_length
        CHECK (pg_catalog.date_part('epoch', deploy_severe_blacklist_for) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_severe_blacklist_for) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_deploy_min_attempts_positive CHECK (deploy_min_attempts OPERATOR(pg_catalog.>=) 1),
    ADD CONSTRAINT settings_deploy_consecutive_failures_positive CHECK (deploy_consecutive_failures OPERATOR(pg_catalog.>=) 1),
    ADD CONSTRAINT settings_deploy_failure_rate_range
        CHECK (deploy_failure_rate OPERATOR(pg_catalog.>) 0 AND deploy_failure_rate OPERATOR(pg_catalog.<=) 1),
    ADD CONSTRAINT settings_deploy_severe_stages_not_null
        CHECK (pg_catalog.array_position(deploy_severe_stages, NULL::pg_catalog.text) IS NULL);
ALTER TABLE reliability._settings_copy
    ALTER COLUMN deploy_window SET DEFAULT interval '72 hours', ALTER COLUMN deploy_window SET NOT NULL,
    ALTER COLUMN deploy_min_attempts SET DEFAULT 3, ALTER COLUMN deploy_min_attempts SET NOT NULL,
    ALTER COLUMN deploy_consecutive_failures SET DEFAULT 3, ALTER COLUMN deploy_consecutive_failures SET NOT NULL,
    ALTER COLUMN deploy_failure_rate SET DEFAULT 0.7, ALTER COLUMN deploy_failure_rate SET NOT NULL,
    ALTER COLUMN deploy_blacklist_for SET DEFAULT interval '24 hours', ALTER COLUMN deploy_blacklist_for SET NOT NULL,
    ALTER COLUMN deploy_severe_stages SET DEFAULT '{rejected,loading,creating}', ALTER COLUMN deploy_severe_stages SET NOT NULL,
    ALTER COLUMN deploy_severe_blacklist_for SET DEFAULT interval '48 hours', ALTER COLUMN deploy_severe_blacklist_for SET NOT NULL,
    ADD CONSTRAINT settings_deploy_window_length
        CHECK (pg_catalog.date_part('epoch', deploy_window) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_window) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_deploy_blacklist_for_length
        CHECK (pg_catalog.date_part('epoch', deploy_blacklist_for) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_blacklist_for) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_deploy_severe_blacklist_for_length
        CHECK (pg_catalog.date_part('epoch', deploy_severe_blacklist_for) OPERATOR(pg_catalog.>) 0
               AND pg_catalog.date_part('epoch', deploy_severe_blacklist_for) OPERATOR(pg_catalog.<=) 3155760000),
    ADD CONSTRAINT settings_deploy_min_attempts_positive CHECK (deploy_min_attempts OPERATOR(pg_catalog.>=) 1),
    ADD CONSTRAINT settings_deploy_consecutive_failures_positive CHECK (deploy_consecutive_failures OPERATOR(pg_catalog.>=) 1),
    ADD CONSTRAINT settings_deploy_failure_rate_range
        CHECK (deploy_failure_rate OPERATOR(pg_catalog.>) 0 AND deploy_failure_rate OPERATOR(pg_catalog.<=) 1),
    ADD CONSTRAINT settings_deploy_severe_stages_not_null
        CHECK (pg_catalog.array_position(deploy_severe_stages, NULL::pg_catalog.text) IS NULL);

-- Deploy attempts and the deploy rule (src/sql/35_deploys.sql), as a fresh install creates them.
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

-- report() gains the key deploys (src/sql/60_clients.sql).
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
                            WHERE d.machine_id OPERATOR(pg_catalog.=) m.machine_id
                              AND d.attempted_at OPERATOR(pg_catalog.>=)
                                  reliability.sub_fixed(report.as_of, (SELECT st.deploy_window FROM reliability.settings st))
                              AND d.attempted_at OPERATOR(pg_catalog.<=) report.as_of))
      FROM reliability.machines m
      LEFT JOIN reliability.blacklist b
             ON b.machine_id OPERATOR(pg_catalog.=) m.machine_id
            AND (b.expires_at IS NULL OR report.as_of OPERATOR(pg_catalog.<) b.expires_at)
     WHERE m.machine_id OPERATOR(pg_catalog.=) report.machine_id
       AND reliability._finite(report.as_of, 'as_of'::pg_catalog.text) IS NOT NULL;
END;
COMMENT ON FUNCTION reliability.report(bigint, timestamptz) IS
    'Everything an API needs about one machine as of as_of, as one JSON object: identity, score, blacklist, stale, 30 days of history, deploy attempts.';

-- Blacklist notifications (src/sql/68_notifications.sql); the tier ones need no SQL.
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

REVOKE ALL ON FUNCTION reliability._deploy_rule(bigint[]) FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._deploys_changed() FROM PUBLIC;
REVOKE ALL ON FUNCTION reliability._blacklist_notify() FROM PUBLIC;
REVOKE ALL ON TABLE reliability.deploy_attempts FROM PUBLIC;

-- Client fixes (issue 11; src/sql/60_clients.sql): the view's stale flag reads no row for a
-- machine whose cached last observation is recent; ranked(), the list that walks the score
-- index; ratings' updated_at follows every UPDATE, and a rating of an unknown machine names it.
CREATE OR REPLACE VIEW reliability.machine_reliability AS
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

COMMENT ON FUNCTION reliability.rate(bigint, text, integer, text, double precision, text) IS
    'Inserts the user''s rating of the machine, or replaces it (one rating per user per machine); returns the row, whose created_at = updated_at when it was inserted.';
REVOKE ALL ON FUNCTION reliability._ratings_stamp() FROM PUBLIC;

-- History advance, rebuild and compact take the data tables before every cached row, the
-- cache engine's order: they deadlocked with a TRUNCATE of a data table (isolation
-- history_vs_truncate).
CREATE OR REPLACE FUNCTION reliability._history_lock_writers() RETURNS void
LANGUAGE plpgsql SET search_path = pg_catalog, pg_temp AS $$
BEGIN
    LOCK TABLE ONLY reliability.observations, reliability.interruptions, reliability.ratings IN ACCESS SHARE MODE;
    LOCK TABLE reliability._settings_copy IN EXCLUSIVE MODE;
    PERFORM FROM reliability.scores s ORDER BY s.machine_id FOR UPDATE;
END
$$;
