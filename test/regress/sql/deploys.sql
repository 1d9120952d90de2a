-- SPEC §10: deploy attempts, the deploy rule's edges, report()'s deploys, bad input.
-- Each case runs in a transaction, so now() (the rule's T) is one instant the checks can name.
SET client_min_messages = warning;
CREATE SCHEMA deploys_t;
-- attempts(machine, 'FFS...' oldest first, step): one attempt per letter, an hour apart, the
-- last one an hour before now(); F fails (at stage 'pulling'), L fails at stage 'loading', S succeeds.
CREATE FUNCTION deploys_t.attempts(m bigint, pattern text, ending interval DEFAULT interval '1 hour')
RETURNS void LANGUAGE sql AS $$
    INSERT INTO reliability.deploy_attempts (machine_id, attempted_at, succeeded, failure_stage, seconds_to_ready)
    SELECT m, now() - ending - interval '1 hour' * (length(pattern) - i), c = 'S',
           CASE c WHEN 'F' THEN 'pulling' WHEN 'L' THEN 'loading' END, CASE WHEN c = 'S' THEN 10 * i END
      FROM unnest(string_to_array(pattern, NULL)) WITH ORDINALITY AS p(c, i)
     ORDER BY i;
$$;
-- The machine's entry: kind, how long it lasts from now(), and the rule's reason.
CREATE FUNCTION deploys_t.entry(m bigint)
RETURNS TABLE (kind text, blacklisted_now boolean, lasts interval, reason text) LANGUAGE sql AS $$
    SELECT b.kind, b.blacklisted_at = now(), b.expires_at - now(), b.reason
      FROM reliability.blacklist b WHERE b.machine_id = m;
$$;
INSERT INTO reliability.machines (machine_id, provider, external_id)
SELECT 9000 + g, 'deploys', 'm' || g FROM generate_series(1, 30) g;

-- Fewer than deploy_min_attempts (3): nothing, however they went.
BEGIN;
SELECT deploys_t.attempts(9001, 'FF');
SELECT count(*) AS entries FROM reliability.blacklist WHERE machine_id = 9001;
-- The third failure: the consecutive rule, deploy_blacklist_for (24 h), blacklisted_at = T.
SELECT deploys_t.attempts(9001, 'F', interval '10 minutes');
SELECT * FROM deploys_t.entry(9001);
COMMIT;

-- The consecutive rule ignores the stages (a severe one still gives 24 h).
BEGIN;
SELECT deploys_t.attempts(9002, 'SLLL');
SELECT * FROM deploys_t.entry(9002);
-- Two failures after a success: neither rule (2 of 3 = 0.67 < 0.7).
SELECT deploys_t.attempts(9003, 'SFF');
SELECT count(*) AS entries FROM reliability.blacklist WHERE machine_id = 9003;
-- The failure rate: 5 of 6 failed, the last two only; with a severe stage 48 h, without 24 h.
SELECT deploys_t.attempts(9004, 'FLFSFF');
SELECT deploys_t.attempts(9005, 'FFFSFF');
SELECT machine_id, (deploys_t.entry(machine_id)).* FROM (VALUES (9004), (9005)) v(machine_id);
-- Exactly deploy_failure_rate: 7 of 10 fires, 6 of 9 (0.667) does not.
SELECT deploys_t.attempts(9006, 'FFSFFSFFSF');
SELECT deploys_t.attempts(9007, 'FFSFFSFFS');
SELECT machine_id, (deploys_t.entry(machine_id)).lasts FROM (VALUES (9006), (9007)) v(machine_id);
COMMIT;

-- The window: attempts before now() - deploy_window do not count; attempts stamped after
-- now() (a client clock ahead) do.
BEGIN;
SELECT deploys_t.attempts(9008, 'FFF', interval '72 hours 1 minute');
SELECT deploys_t.attempts(9009, 'FF', interval '72 hours 1 minute');
SELECT deploys_t.attempts(9009, 'F', interval '-5 minutes');
SELECT deploys_t.attempts(9010, 'FF', interval '70 hours');
SELECT deploys_t.attempts(9010, 'F', interval '-5 minutes');
SELECT machine_id, count(b.*) AS entries FROM (VALUES (9008), (9009), (9010)) v(machine_id)
  LEFT JOIN reliability.blacklist b USING (machine_id) GROUP BY 1 ORDER BY 1;
COMMIT;

-- Order: attempted_at, then attempt_id. Three successes earlier, then F F F S at one instant
-- (inserted in that order): the success is the latest, no consecutive run (and 3 of 7 failed).
BEGIN;
SELECT deploys_t.attempts(9011, 'SSS', interval '3 hours');
INSERT INTO reliability.deploy_attempts (machine_id, attempted_at, succeeded, failure_stage)
VALUES (9011, now() - interval '1 hour', false, 'x'), (9011, now() - interval '1 hour', false, 'x'),
       (9011, now() - interval '1 hour', false, 'x'), (9011, now() - interval '1 hour', true, NULL);
SELECT count(*) AS entries FROM reliability.blacklist WHERE machine_id = 9011;
-- ... and S F F F at one instant: the run of three is the latest.
SELECT deploys_t.attempts(9012, 'SSS', interval '3 hours');
INSERT INTO reliability.deploy_attempts (machine_id, attempted_at, succeeded, failure_stage)
VALUES (9012, now() - interval '1 hour', true, NULL), (9012, now() - interval '1 hour', false, 'x'),
       (9012, now() - interval '1 hour', false, 'x'), (9012, now() - interval '1 hour', false, 'x');
SELECT kind, lasts FROM deploys_t.entry(9012);
COMMIT;

-- Each statement, not the transaction: two statements of one failure each after one
-- failure fire on the second.
BEGIN;
SELECT deploys_t.attempts(9013, 'F', interval '3 hours');
SELECT deploys_t.attempts(9013, 'F', interval '2 hours');
SELECT count(*) AS after_two FROM reliability.blacklist WHERE machine_id = 9013;
SELECT deploys_t.attempts(9013, 'F', interval '1 hour');
SELECT count(*) AS after_three FROM reliability.blacklist WHERE machine_id = 9013;
COMMIT;

-- UPDATE and DELETE apply the rule too.
BEGIN;
SELECT deploys_t.attempts(9014, 'FFS');
SELECT deploys_t.attempts(9015, 'FSFF');
SELECT count(*) AS before FROM reliability.blacklist WHERE machine_id IN (9014, 9015);
UPDATE reliability.deploy_attempts SET succeeded = false, seconds_to_ready = NULL, failure_stage = 'creating'
 WHERE machine_id = 9014 AND succeeded;
DELETE FROM reliability.deploy_attempts WHERE machine_id = 9015 AND succeeded;
SELECT machine_id, (deploys_t.entry(machine_id)).kind, (deploys_t.entry(machine_id)).lasts
  FROM (VALUES (9014), (9015)) v(machine_id);
COMMIT;

-- Entries it leaves alone: an active manual or temporary one, an active auto one lasting at
-- least as long. It replaces an expired one and an active auto one ending earlier.
INSERT INTO reliability.blacklist (machine_id, kind, reason, blacklisted_at, expires_at) VALUES
    (9016, 'manual', 'by hand', '2026-01-01', NULL),
    (9017, 'temporary', 'maintenance', '2026-01-01', now() + interval '1 hour'),
    (9018, 'auto', 'long', '2026-01-01', now() + interval '30 days'),
    (9019, 'manual', 'expired', '2026-01-01', now() - interval '1 second'),
    (9020, 'auto', 'short', '2026-01-01', now() + interval '1 hour');
BEGIN;
SELECT deploys_t.attempts(m, 'FFF') FROM generate_series(9016, 9020) m;
SELECT machine_id, kind, blacklisted_at = now() AS blacklisted_now, reason
  FROM reliability.blacklist WHERE machine_id BETWEEN 9016 AND 9020 ORDER BY 1;
COMMIT;

-- Settings: other thresholds and lengths are followed.
BEGIN;
UPDATE reliability.settings SET deploy_min_attempts = 5, deploy_consecutive_failures = 2,
       deploy_failure_rate = 0.5, deploy_blacklist_for = '6 hours', deploy_severe_blacklist_for = '7 days',
       deploy_severe_stages = '{pulling}', deploy_window = '1 day';
SELECT deploys_t.attempts(9021, 'FFFF');                 -- 4 < deploy_min_attempts
SELECT deploys_t.attempts(9022, 'SSSFF');                -- two consecutive: 6 hours
SELECT deploys_t.attempts(9023, 'FSFSS');                -- 2 of 5 < 0.5: nothing
SELECT deploys_t.attempts(9024, 'FSSFFS');               -- 3 of 6, a pulling failure: 7 days
SELECT deploys_t.attempts(9025, 'FFFFFF', interval '1 day 1 second');  -- outside the day
SELECT machine_id, (deploys_t.entry(machine_id)).lasts FROM generate_series(9021, 9025) machine_id ORDER BY 1;
ROLLBACK;

-- A role that may only INSERT attempts gets the rule applied, and cannot write the blacklist.
CREATE ROLE regress_reliability_deployer;
GRANT USAGE ON SCHEMA reliability, deploys_t TO regress_reliability_deployer;
GRANT INSERT ON reliability.deploy_attempts TO regress_reliability_deployer;
BEGIN;
SET LOCAL ROLE regress_reliability_deployer;
INSERT INTO reliability.deploy_attempts (machine_id, succeeded, failure_stage)
SELECT 9026, false, 'pulling' FROM generate_series(1, 3);
RESET ROLE;
SELECT kind, lasts FROM deploys_t.entry(9026);
COMMIT;
SET ROLE regress_reliability_deployer;
INSERT INTO reliability.blacklist (machine_id, kind) VALUES (9027, 'manual');
RESET ROLE;
DROP OWNED BY regress_reliability_deployer;
DROP ROLE regress_reliability_deployer;

-- report()'s deploys: the attempts of [as_of - deploy_window, as_of], both ends included.
INSERT INTO reliability.deploy_attempts (machine_id, attempted_at, succeeded, failure_stage, seconds_to_ready) VALUES
    (9028, '2026-03-01 12:00+00', true, NULL, 99),        -- one second before the window
    (9028, '2026-03-01 12:00:01+00', true, NULL, 30),     -- the window's first instant
    (9028, '2026-03-02 00:00+00', true, NULL, NULL),      -- a success without a time
    (9028, '2026-03-03 00:00+00', false, 'loading', NULL),
    (9028, '2026-03-04 12:00:01+00', true, NULL, 60),     -- as_of itself
    (9028, '2026-03-04 12:00:02+00', false, NULL, NULL);  -- after as_of
SELECT reliability.report(9028, '2026-03-04 12:00:01+00')->'deploys' AS deploys;
SELECT reliability.report(9028, '2026-03-03 00:00+00')->'deploys' AS earlier_as_of;
SELECT reliability.report(9029, '2026-03-04 12:00+00')->'deploys' AS none;

-- Bad input: the constraint's SQLSTATE and name, nothing written.
\set VERBOSITY terse
INSERT INTO reliability.deploy_attempts (machine_id, succeeded, failure_stage) VALUES (9030, true, 'loading');
INSERT INTO reliability.deploy_attempts (machine_id, succeeded, seconds_to_ready) VALUES (9030, false, 5);
INSERT INTO reliability.deploy_attempts (machine_id, succeeded, failure_stage) VALUES (9030, false, '');
INSERT INTO reliability.deploy_attempts (machine_id, succeeded, failure_stage) VALUES (9030, false, repeat('x', 101));
INSERT INTO reliability.deploy_attempts (machine_id, succeeded, seconds_to_ready) VALUES (9030, true, -1);
INSERT INTO reliability.deploy_attempts (machine_id, succeeded, seconds_to_ready) VALUES (9030, true, 'infinity');
INSERT INTO reliability.deploy_attempts (machine_id, attempted_at, succeeded) VALUES (9030, 'infinity', true);
INSERT INTO reliability.deploy_attempts (machine_id, succeeded) VALUES (9030, NULL);
INSERT INTO reliability.deploy_attempts (machine_id, succeeded) VALUES (1008999, false);
UPDATE reliability.settings SET deploy_min_attempts = 0;
UPDATE reliability.settings SET deploy_consecutive_failures = 0;
UPDATE reliability.settings SET deploy_failure_rate = 0;
UPDATE reliability.settings SET deploy_failure_rate = 1.01;
UPDATE reliability.settings SET deploy_window = '0 s';
UPDATE reliability.settings SET deploy_blacklist_for = '-1 hour';
UPDATE reliability.settings SET deploy_severe_blacklist_for = '101 years';
UPDATE reliability.settings SET deploy_severe_stages = '{loading,NULL}';
UPDATE reliability.settings SET deploy_severe_stages = NULL;
\set VERBOSITY default
SELECT count(*) AS attempts_written FROM reliability.deploy_attempts WHERE machine_id = 9030;
SELECT deploy_window, deploy_min_attempts, deploy_consecutive_failures, deploy_failure_rate,
       deploy_blacklist_for, deploy_severe_stages, deploy_severe_blacklist_for FROM reliability.settings;
-- A change of the deploy settings alone is a change of the settings: every cached row is
-- recomputed as refresh() does, as of a later now() (SPEC §5).
INSERT INTO reliability.observations VALUES (9030, now() - interval '1 hour', true);
SELECT computed_at AS before FROM reliability.scores WHERE machine_id = 9030 \gset
SELECT pg_sleep(0.002);
UPDATE reliability.settings SET deploy_min_attempts = 4;
SELECT computed_at > :'before' AS recomputed FROM reliability.scores WHERE machine_id = 9030;
UPDATE reliability.settings SET deploy_min_attempts = DEFAULT;

-- Deleting a machine deletes its attempts.
DELETE FROM reliability.machines WHERE machine_id = 9028;
SELECT count(*) AS attempts_of_28 FROM reliability.deploy_attempts WHERE machine_id = 9028;

DROP SCHEMA deploys_t CASCADE;
DELETE FROM reliability.machines WHERE provider = 'deploys';
