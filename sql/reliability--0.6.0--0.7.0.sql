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

-- SPEC §12 (shards): refresh(), rebuild() and compact() run on every server of a coordinator,
-- partition_by_time() is refused there, and observe() inserts with a plain ON CONFLICT DO
-- NOTHING (the key is the one unique index; a coordinator's servers check it).
CREATE OR REPLACE FUNCTION reliability.refresh(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
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

CREATE OR REPLACE FUNCTION reliability.rebuild(as_of timestamptz DEFAULT pg_catalog.now()) RETURNS bigint
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

CREATE OR REPLACE FUNCTION reliability.compact(before date) RETURNS bigint
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
    IF reliability._distributed() THEN   -- a coordinator (SPEC §12): each server compacts its rows
        RETURN reliability._on_every_shard('compact', pg_catalog.jsonb_build_object('before', before));
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

CREATE OR REPLACE FUNCTION reliability.partition_by_time(partition_interval interval DEFAULT '1 day', premake integer DEFAULT 7)
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

CREATE OR REPLACE FUNCTION reliability.observe(provider text[], external_id text[], observed_at timestamptz[], online boolean[])
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

-- distribute() and what it needs (src/sql/70_shards.sql).
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
            'distributed', EXISTS (SELECT FROM reliability._shards));
    WHEN 'configure' THEN
        -- Remote scans run as cursors: plan them for every row (sharding.md, trap 2).
        EXECUTE pg_catalog.format('ALTER ROLE %I IN DATABASE %I SET cursor_tuple_fraction = 1',
                                  current_user, pg_catalog.current_database());
        NEW.result := 'true'::jsonb;
    WHEN 'refresh' THEN
        NEW.result := pg_catalog.to_jsonb(reliability.refresh((a OPERATOR(pg_catalog.->>) 'as_of')::timestamptz));
    WHEN 'rebuild' THEN
        NEW.result := pg_catalog.to_jsonb(reliability.rebuild((a OPERATOR(pg_catalog.->>) 'as_of')::timestamptz));
    WHEN 'compact' THEN
        NEW.result := pg_catalog.to_jsonb(reliability.compact((a OPERATOR(pg_catalog.->>) 'before')::date));
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

-- SECURITY DEFINER: partition_by_time() asks it with the caller's rights, who need not read _shards.
CREATE FUNCTION reliability._distributed() RETURNS boolean LANGUAGE sql STABLE PARALLEL SAFE
SECURITY DEFINER SET search_path = pg_catalog, pg_temp
BEGIN ATOMIC
    SELECT EXISTS (SELECT FROM reliability._shards);
END;
COMMENT ON FUNCTION reliability._distributed() IS 'Internal: whether this database is a coordinator (SPEC §12).';

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
               FROM (' || (SELECT pg_catalog.string_agg(pg_catalog.format('SELECT * FROM reliability.%I',
                                                                          '_shard' || s.remainder || '_retention'),
                                                        ' UNION ALL ' ORDER BY s.remainder)
                             FROM reliability._shards s) || ') r'
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
                                  '_shard' || shard.remainder || '_calls')
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
                                    '_shard' || s.remainder || '_reliability',
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
    assignments text;
BEGIN
    SELECT pg_catalog.string_agg(pg_catalog.format('%I = ($1).%I', a.attname, a.attname), ', ' ORDER BY a.attnum)
      INTO assignments
      FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) 'reliability.settings'::pg_catalog.regclass
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    FOR shard IN SELECT s.remainder FROM reliability._shards s ORDER BY s.remainder LOOP
        EXECUTE pg_catalog.format('UPDATE reliability.%I SET %s', '_shard' || shard.remainder || '_settings', assignments)
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
        EXECUTE pg_catalog.format('CREATE FOREIGN TABLE reliability.%I (machine_id bigint, call text, args jsonb, result jsonb) '
                                  'SERVER %I OPTIONS (schema_name %L, table_name %L)',
                                  '_shard' || i || '_calls', server_name, 'reliability', '_remote_calls');
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call) VALUES (%L) RETURNING result', '_shard' || i || '_calls', 'status')
           INTO status;
        IF (status OPERATOR(pg_catalog.->>) 'version') IS DISTINCT FROM version THEN
            RAISE EXCEPTION 'distribute: server "%" has reliability %, this database %', server_name,
                COALESCE(status OPERATOR(pg_catalog.->>) 'version', 'not installed'), version
                USING ERRCODE = 'object_not_in_prerequisite_state';
        END IF;
        IF (status OPERATOR(pg_catalog.->>) 'has_rows')::boolean OR (status OPERATOR(pg_catalog.->>) 'distributed')::boolean THEN
            RAISE EXCEPTION 'distribute: server "%" is not empty', server_name USING ERRCODE = 'object_not_in_prerequisite_state',
                HINT = 'A server must hold no row of the extension''s tables, and not be a coordinator itself.';
        END IF;
        EXECUTE pg_catalog.format('INSERT INTO reliability.%I (call) VALUES (%L)', '_shard' || i || '_calls', 'configure');
        EXECUTE pg_catalog.format('CREATE FOREIGN TABLE reliability.%I (%s) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                                  '_shard' || i || '_settings', reliability._column_definitions('reliability.settings'),
                                  server_name, 'reliability', 'settings');
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD FOREIGN TABLE reliability.%I', '_shard' || i || '_calls');
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD FOREIGN TABLE reliability.%I', '_shard' || i || '_settings');
        EXECUTE pg_catalog.format('CREATE FOREIGN TABLE reliability.%I (%s) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                                  '_shard' || i || '_retention', reliability._column_definitions('reliability.retention'),
                                  server_name, 'reliability', 'retention');
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD FOREIGN TABLE reliability.%I', '_shard' || i || '_retention');
        -- The server's own view: it computes blacklisted and stale next to the rows. Remote
        -- estimates here only: with them the planner sends ranked()'s ORDER BY and LIMIT to
        -- the server (its score index) instead of fetching every row to sort it here.
        EXECUTE pg_catalog.format('CREATE FOREIGN TABLE reliability.%I (%s) SERVER %I '
                                  'OPTIONS (schema_name %L, table_name %L, fetch_size %L, use_remote_estimate %L)',
                                  '_shard' || i || '_reliability', reliability._column_definitions('reliability.machine_reliability'),
                                  server_name, 'reliability', 'machine_reliability', '1000', 'true');
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD FOREIGN TABLE reliability.%I', '_shard' || i || '_reliability');
    END LOOP;
    -- The servers start with this database's settings.
    PERFORM reliability._settings_push(st) FROM reliability.settings st;

    -- Routing table: a machine's registration goes to its server.
    EXECUTE pg_catalog.format('CREATE TABLE reliability._shard_machines (%s) PARTITION BY HASH (machine_id)',
                              reliability._column_definitions('reliability.machines'));
    ALTER EXTENSION reliability ADD TABLE reliability._shard_machines;
    FOR i IN 0 .. n OPERATOR(pg_catalog.-) 1 LOOP
        EXECUTE pg_catalog.format('CREATE FOREIGN TABLE reliability.%I PARTITION OF reliability._shard_machines '
                                  'FOR VALUES WITH (MODULUS %s, REMAINDER %s) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                                  '_shard' || i || '_machines', n, i, servers[i OPERATOR(pg_catalog.+) 1], 'reliability', 'machines');
        EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD FOREIGN TABLE reliability.%I', '_shard' || i || '_machines');
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
            EXECUTE pg_catalog.format('CREATE FOREIGN TABLE reliability.%I PARTITION OF reliability.%I '
                                      'FOR VALUES WITH (MODULUS %s, REMAINDER %s) SERVER %I OPTIONS (schema_name %L, table_name %L)',
                                      t || '_shard' || i, t, n, i, servers[i OPERATOR(pg_catalog.+) 1], 'reliability', t);
            EXECUTE pg_catalog.format('ALTER EXTENSION reliability ADD FOREIGN TABLE reliability.%I', t || '_shard' || i);
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
    EXECUTE 'CREATE OR REPLACE VIEW reliability.machine_reliability AS '
            || (SELECT pg_catalog.string_agg(pg_catalog.format('SELECT * FROM reliability.%I', '_shard' || s.remainder || '_reliability'),
                                             ' UNION ALL ' ORDER BY s.remainder)
                  FROM reliability._shards s);

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

-- Shards (SPEC §12): distribute() and what it sets up are for the extension's owner.
REVOKE ALL ON FUNCTION reliability.distribute(text[]) FROM PUBLIC;
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

REVOKE ALL ON reliability._remote_calls FROM PUBLIC;
REVOKE ALL ON reliability._shards FROM PUBLIC;
