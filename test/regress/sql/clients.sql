--
-- What clients call (SPEC §6): machine(), rate(), daily_uptime(), sparkline(), report()
-- and the view machine_reliability; values computed by hand from the SPEC. Default
-- settings (max_gap 15 min = 900 s, stale_after 24 h).
--
SET client_min_messages = warning;  -- no NOTICEs listing what TRUNCATE ... CASCADE reaches
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
CREATE SCHEMA clients_t;

CREATE FUNCTION clients_t.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

CREATE FUNCTION clients_t.id(provider text, ext text) RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT machine_id FROM reliability.machines m WHERE m.provider = $1 AND m.external_id = $2 $$;

--
-- machine(provider, external_id): get or create.
--
SELECT reliability.machine('aws', 'i-1') AS first_id \gset
SELECT reliability.machine('aws', 'i-1') = :first_id AS same_id,
       reliability.machine('aws', 'i-2') <> :first_id AS other_id,
       reliability.machine('gcp', 'i-1') <> :first_id AS other_provider;
SELECT reliability.machine('aws', 'i-2') = clients_t.id('aws', 'i-2') AS found_again;
SELECT provider, external_id FROM reliability.machines ORDER BY provider, external_id;
SELECT clients_t.try($$SELECT reliability.machine(NULL, 'i-3')$$);
SELECT clients_t.try($$SELECT reliability.machine('aws', '')$$);
SELECT count(*) AS machines FROM reliability.machines;

--
-- rate(machine_id, user_id, stars, comment, rental_duration_hours, instance_id): insert or
-- update the user's one rating of the machine; returns the row.
--
SELECT r.machine_id = :first_id AS machine, r.user_id, r.stars, r.comment, r.rental_duration_hours, r.instance_id,
       r.created_at = r.updated_at AS created_is_updated
  FROM reliability.rate(:first_id, 'alice', 4, 'fast', 12.5, 'inst-1') r;
SELECT created_at AS alice_created FROM reliability.ratings WHERE machine_id = :first_id AND user_id = 'alice' \gset
SELECT r.user_id, r.stars, r.comment, r.rental_duration_hours, r.instance_id,
       r.created_at = :'alice_created' AS created_kept, r.updated_at >= r.created_at AS updated_later
  FROM reliability.rate(:first_id, 'alice', 2, 'crashed twice', 3, 'inst-2') r;
SELECT (reliability.rate(:first_id, 'bob', 5)).stars;
SELECT user_id, stars, comment, rental_duration_hours, instance_id
  FROM reliability.ratings WHERE machine_id = :first_id ORDER BY user_id;
-- bad ratings write nothing (the existing rating stays)
SELECT clients_t.try($$SELECT reliability.rate($$ || :first_id || $$, 'alice', 0)$$);
SELECT clients_t.try($$SELECT reliability.rate($$ || :first_id || $$, 'alice', 6)$$);
SELECT clients_t.try($$SELECT reliability.rate($$ || :first_id || $$, 'alice', 3, repeat('x', 1001))$$);
SELECT clients_t.try($$SELECT reliability.rate($$ || :first_id || $$, 'alice', 3, NULL, -1)$$);
SELECT clients_t.try($$SELECT reliability.rate(-1, 'alice', 3)$$);
SELECT user_id, stars, comment FROM reliability.ratings WHERE machine_id = :first_id ORDER BY user_id;
TRUNCATE reliability.machines CASCADE;

--
-- daily_uptime / sparkline. Machine H, as_of = 2026-03-05 12:00 UTC, the 10 days
-- 2026-02-24 .. 2026-03-05 (the last one cut at 12:00, so 43,200 s long):
--   02-23 23:55 online covers [23:55, 00:10): 600 s online on 02-24
--   02-24 10:00 online, 10:15 / 10:30 / 10:45 offline (15 min each): online 600 + 900,
--         offline 2,700: uptime 1500 / 4200 = 0.357142857 (floor(2.86) = 2: ▃),
--         coverage 4200 / 86400 = 0.048611111
--   02-25 10:00 / 10:15 / 10:30 online, 10:45 offline: 2,700 / 900: 0.75 (6: ▇), 0.041666667
--   02-26 10:00 online, 10:15 offline: 900 / 900: 0.5 (4: ▅), 0.020833333
--   02-27 10:00 online, 10:15 .. 11:45 offline (7): 900 / 6,300: 0.125 (1: ▂), 0.083333333
--   02-28 10:00 .. 10:30 online (3), 10:45 .. 11:45 offline (5): 2,700 / 4,500: 0.375 (3: ▄)
--   03-01 no observation: NULL (·), coverage 0; one interruption
--   03-02 every 10 min 06:00 .. 17:50 (72), offline 12:00 .. 12:50 (6): 65 * 600 online +
--         900 for 17:50 (the next is hours later); 23:55 online covers 300 s of 03-02 (and
--         600 s of 03-03): online 39,000 + 900 + 300 = 40,200, offline 3,600:
--         uptime 40200 / 43800 = 0.917808219 (7: █), coverage 43800 / 86400 = 0.506944444
--   03-03 600 s online from 23:55; 12:00 offline (900), 12:15 online (900): 1,500 / 900:
--         0.625 (5: ▆), coverage 2400 / 86400 = 0.027777778; interruptions at 08:00 and
--         23:59:59.999999: 2
--   03-04 offline every 15 min 00:00 .. 23:45 (96): 0 / 86,400: 0 (▁), coverage 1;
--         interruption at 00:00: 1
--   03-05 online every 15 min 00:00 .. 11:45 (48): 43,200 / 0 over the cut window
--         [00:00, 12:00): 1 (min(7, 8) = 7: █), coverage 1; 12:00 offline and 13:00 online
--         are not before as_of; interruptions at 11:00 (in), 12:00 and 13:00 (out): 1
--
SELECT reliability.machine('hist', 'H') AS h \gset
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES
    (:h, '2026-02-23 23:55+00', true),
    (:h, '2026-02-24 10:00+00', true), (:h, '2026-02-24 10:15+00', false), (:h, '2026-02-24 10:30+00', false),
    (:h, '2026-02-24 10:45+00', false),
    (:h, '2026-02-25 10:00+00', true), (:h, '2026-02-25 10:15+00', true), (:h, '2026-02-25 10:30+00', true),
    (:h, '2026-02-25 10:45+00', false),
    (:h, '2026-02-26 10:00+00', true), (:h, '2026-02-26 10:15+00', false),
    (:h, '2026-03-02 23:55+00', true),
    (:h, '2026-03-03 12:00+00', false), (:h, '2026-03-03 12:15+00', true),
    (:h, '2026-03-05 12:00+00', false), (:h, '2026-03-05 13:00+00', true);
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT :h, timestamptz '2026-02-27 10:00+00' + i * interval '15 minutes', i = 0 FROM generate_series(0, 7) i
UNION ALL
SELECT :h, timestamptz '2026-02-28 10:00+00' + i * interval '15 minutes', i < 3 FROM generate_series(0, 7) i
UNION ALL
SELECT :h, timestamptz '2026-03-02 06:00+00' + i * interval '10 minutes', NOT (i BETWEEN 36 AND 41) FROM generate_series(0, 71) i
UNION ALL
SELECT :h, timestamptz '2026-03-04 00:00+00' + i * interval '15 minutes', false FROM generate_series(0, 95) i
UNION ALL
SELECT :h, timestamptz '2026-03-05 00:00+00' + i * interval '15 minutes', true FROM generate_series(0, 47) i;
INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES
    (:h, '2026-02-23 23:59:59+00'), (:h, '2026-03-01 10:00+00'), (:h, '2026-03-03 08:00+00'),
    (:h, '2026-03-03 23:59:59.999999+00'), (:h, '2026-03-04 00:00+00'), (:h, '2026-03-05 11:00+00'),
    (:h, '2026-03-05 12:00+00'), (:h, '2026-03-05 13:00+00');

SELECT day, online_seconds, offline_seconds, round(uptime::numeric, 9) AS uptime, round(coverage::numeric, 9) AS coverage,
       interruptions
  FROM reliability.daily_uptime(:h, 10, '2026-03-05 12:00+00');
SELECT reliability.sparkline(:h, 10, '2026-03-05 12:00+00');
-- The column types.
SELECT pg_typeof(day) AS day, pg_typeof(online_seconds) AS online, pg_typeof(uptime) AS uptime,
       pg_typeof(coverage) AS coverage, pg_typeof(interruptions) AS interruptions
  FROM reliability.daily_uptime(:h, 1, '2026-03-05 12:00+00');

-- days = 1: only the day of as_of.
SELECT day, online_seconds, offline_seconds, uptime, coverage, interruptions
  FROM reliability.daily_uptime(:h, 1, '2026-03-05 12:00+00');
SELECT reliability.sparkline(:h, 1, '2026-03-05 12:00+00');
-- as_of at midnight: the day of as_of is 03-06, cut to an empty window: NULL, coverage 0.
-- 03-05 is whole: online 43,200 + 900 (13:00), offline 900 (12:00): uptime 44100 / 45000
-- = 0.98 (7: █), coverage 45000 / 86400 = 0.520833333; interruptions 11:00, 12:00, 13:00.
SELECT day, online_seconds, offline_seconds, round(uptime::numeric, 9) AS uptime, round(coverage::numeric, 9) AS coverage,
       interruptions
  FROM reliability.daily_uptime(:h, 3, '2026-03-06 00:00+00');
SELECT reliability.sparkline(:h, 3, '2026-03-06 00:00+00');
-- as_of 03-04 06:00: 03-04 is cut to [00:00, 06:00): 21,600 s offline, coverage 1.
SELECT day, online_seconds, offline_seconds, uptime, coverage, interruptions
  FROM reliability.daily_uptime(:h, 2, '2026-03-04 06:00+00');

-- The days are UTC days whatever the session time zone.
CREATE TABLE clients_t.utc AS SELECT * FROM reliability.daily_uptime(:h, 10, '2026-03-05 12:00+00');
SET TimeZone = 'America/New_York';
SELECT count(*) AS rows,
       (SELECT count(*) FROM (SELECT * FROM reliability.daily_uptime(:h, 10, '2026-03-05 07:00-05')
                              EXCEPT SELECT * FROM clients_t.utc) x) AS differences
  FROM reliability.daily_uptime(:h, 10, '2026-03-05 07:00-05');
SELECT reliability.sparkline(:h, 10, '2026-03-05 07:00-05');
-- 2026-03-05 20:00 in New York is 2026-03-06 01:00 UTC: the last day is 03-06.
SELECT day, online_seconds, offline_seconds, round(uptime::numeric, 9) AS uptime, round(coverage::numeric, 9) AS coverage,
       interruptions
  FROM reliability.daily_uptime(:h, 2, '2026-03-05 20:00-05');
SET TimeZone = 'Asia/Kolkata';
SELECT count(*) AS rows,
       (SELECT count(*) FROM (SELECT * FROM reliability.daily_uptime(:h, 10, '2026-03-05 17:30+05:30')
                              EXCEPT SELECT * FROM clients_t.utc) x) AS differences
  FROM reliability.daily_uptime(:h, 10, '2026-03-05 17:30+05:30');
SET TimeZone = 'UTC';

-- Defaults: 30 days, as of now().
SELECT count(*) AS rows, max(day) = (now() AT TIME ZONE 'UTC')::date AS ends_today FROM reliability.daily_uptime(:h);
SELECT char_length(reliability.sparkline(:h)) AS length;
-- 3660 days are allowed; 0, -1 and 3661 are not (22023); an infinite as_of is refused
-- (22008); an unknown machine has no rows and no sparkline.
SELECT count(*) AS rows, min(day) AS first_day FROM reliability.daily_uptime(:h, 3660, '2026-03-05 12:00+00');
SELECT clients_t.try($$SELECT count(*) FROM reliability.daily_uptime($$ || :h || $$, 0, '2026-03-05 12:00+00')$$);
SELECT clients_t.try($$SELECT count(*) FROM reliability.daily_uptime($$ || :h || $$, -1, '2026-03-05 12:00+00')$$);
SELECT clients_t.try($$SELECT count(*) FROM reliability.daily_uptime($$ || :h || $$, 3661, '2026-03-05 12:00+00')$$);
SELECT clients_t.try($$SELECT count(*) FROM reliability.daily_uptime($$ || :h || $$, 10, 'infinity')$$);
SELECT clients_t.try($$SELECT count(*) FROM reliability.daily_uptime($$ || :h || $$, 10, '-infinity')$$);
SELECT clients_t.try($$SELECT reliability.sparkline($$ || :h || $$, 0, '2026-03-05 12:00+00')$$);
SELECT clients_t.try($$SELECT reliability.sparkline($$ || :h || $$, 3661, '2026-03-05 12:00+00')$$);
SELECT clients_t.try($$SELECT reliability.sparkline($$ || :h || $$, 10, 'infinity')$$);
SELECT count(*) AS rows FROM reliability.daily_uptime(-1, 10, '2026-03-05 12:00+00');
SELECT reliability.sparkline(-1, 10, '2026-03-05 12:00+00') IS NULL AS no_sparkline;
-- A machine without observations: every day '·'.
SELECT reliability.machine('hist', 'empty') AS empty \gset
SELECT reliability.sparkline(:empty, 5, '2026-03-05 12:00+00'),
       (SELECT count(*) FROM reliability.daily_uptime(:empty, 5, '2026-03-05 12:00+00')
         WHERE uptime IS NULL AND coverage = 0 AND online_seconds = 0 AND offline_seconds = 0 AND interruptions = 0) AS empty_days;

--
-- report(machine_id, as_of): one JSON object.
--
SELECT array_agg(k ORDER BY k) AS keys
  FROM jsonb_object_keys(reliability.report(:h, '2026-03-05 12:00+00')) k;
SELECT (r->>'machine_id')::bigint = :h AS machine_id, r->'provider' AS provider, r->'external_id' AS external_id,
       r->'blacklisted' AS blacklisted, r->'blacklist' AS blacklist, r->'stale' AS stale,
       jsonb_typeof(r->'history') AS history, jsonb_array_length(r->'history') AS history_length
  FROM reliability.report(:h, '2026-03-05 12:00+00') r;
-- score: the fields of reliability.score, equal to score(machine_id, as_of)
SELECT array_agg(k ORDER BY k) AS score_keys
  FROM jsonb_object_keys(reliability.report(:h, '2026-03-05 12:00+00')->'score') k;
SELECT reliability.report(:h, '2026-03-05 12:00+00')->'score'
       = to_jsonb(reliability.score(:h, '2026-03-05 12:00+00')) AS score_is_score,
       reliability.report(:h, '2026-03-05 12:00+00')->'score'->>'as_of' AS as_of,
       reliability.report(:h, '2026-03-05 12:00+00')->'score'->>'last_observed_at' AS last_observed_at;
-- history: 30 days oldest first, the last 10 as above, the first 20 without data
SELECT n, e->>'day' AS day, e->'online_seconds' AS online, e->'offline_seconds' AS offline, e->'uptime' AS uptime,
       e->'coverage' AS coverage, e->'interruptions' AS interruptions
  FROM jsonb_array_elements(reliability.report(:h, '2026-03-05 12:00+00')->'history') WITH ORDINALITY h(e, n)
 WHERE n = 1 OR n > 20 ORDER BY n;
SELECT array_agg(DISTINCT k ORDER BY k) AS history_keys
  FROM jsonb_array_elements(reliability.report(:h, '2026-03-05 12:00+00')->'history') e, jsonb_object_keys(e) k;
SELECT reliability.report(:h, '2026-03-05 12:00+00')->'history'
       = (SELECT jsonb_agg(to_jsonb(d) ORDER BY d.day) FROM reliability.daily_uptime(:h, 30, '2026-03-05 12:00+00') d)
       AS history_is_daily_uptime;
-- stale as of as_of: the last observation before 12:00 is at 11:45 (not stale); as of
-- 2026-03-07 00:00 the last one is 2026-03-05 13:00, 35 hours earlier (stale).
SELECT reliability.report(:h, '2026-03-05 12:00+00')->'stale' AS stale_at_noon,
       reliability.report(:h, '2026-03-07 00:00+00')->'stale' AS stale_two_days_later,
       reliability.report(:empty, '2026-03-05 12:00+00')->'stale' AS stale_without_observations;
-- blacklist: an active entry is reported, an expired one is not.
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by, blacklisted_at, expires_at)
VALUES (:h, 'manual', 'fraud', 'ops', '2026-03-01 00:00+00', NULL);
SELECT r->'blacklisted' AS blacklisted, r->'blacklist' AS blacklist FROM reliability.report(:h, '2026-03-05 12:00+00') r;
UPDATE reliability.blacklist SET kind = 'temporary', reason = 'maintenance', expires_at = '2200-01-01 00:00+00' WHERE machine_id = :h;
SELECT r->'blacklisted' AS blacklisted, r->'blacklist' AS blacklist FROM reliability.report(:h, '2026-03-05 12:00+00') r;
UPDATE reliability.blacklist SET expires_at = '2000-01-01 00:00+00' WHERE machine_id = :h;
SELECT r->'blacklisted' AS blacklisted, r->'blacklist' AS blacklist FROM reliability.report(:h, '2026-03-05 12:00+00') r;
-- unknown machine: NULL; bad as_of: 22008
SELECT reliability.report(-1, '2026-03-05 12:00+00') IS NULL AS unknown_is_null;
SELECT clients_t.try($$SELECT reliability.report($$ || :h || $$, 'infinity')$$);
SELECT clients_t.try($$SELECT reliability.report(-1, '-infinity')$$);
-- with the default as_of
SELECT jsonb_array_length(reliability.report(:h)->'history') AS history_length;
TRUNCATE reliability.machines CASCADE;

--
-- machine_reliability: every machine with its cached score, blacklisted and stale.
--
SELECT attnum, attname, format_type(atttypid, atttypmod) AS type
  FROM pg_attribute WHERE attrelid = 'reliability.machine_reliability'::regclass AND attnum > 0 ORDER BY attnum;

-- Ranking as of 2100-06-01 00:00 (refresh moves every cached row there). 8 days of
-- observations every 10 min before it (covered 691,200 s, not new), no interruption, no
-- rating (R = 0.75):
--   r1 online: 95, excellent; r5 online 3/4 of the time: U = 0.75: 85, good;
--   r2 online half: U = 0.5: 75, good; r3 no data (no cached row): NULL;
--   r4 a rating only: NULL, new. NULL scores last.
SELECT count(reliability.machine('rank', x)) FROM unnest(ARRAY['r1', 'r2', 'r3', 'r4', 'r5']) x;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT clients_t.id('rank', x), timestamptz '2100-05-24 00:00+00' + i * interval '10 minutes',
       CASE x WHEN 'r1' THEN true WHEN 'r2' THEN i % 2 = 0 ELSE i % 4 <> 0 END
  FROM unnest(ARRAY['r1', 'r2', 'r5']) x, generate_series(0, 1151) i;
SELECT (reliability.rate(clients_t.id('rank', 'r4'), 'u', 3)).stars;
SELECT reliability.refresh('2100-06-01 00:00+00');
SELECT external_id, round(score::numeric, 9) AS score, tier, round(uptime::numeric, 9) AS uptime, covered_seconds,
       rating_count, as_of, computed_at, blacklisted, stale
  FROM reliability.machine_reliability
 ORDER BY score DESC NULLS LAST, external_id;
-- the view's score columns are the cache's
SELECT count(*) AS differing
  FROM reliability.machine_reliability v JOIN reliability.scores s USING (machine_id)
 WHERE (v.score, v.tier, v.uptime, v.online_seconds, v.offline_seconds, v.coverage, v.interruptions, v.rating_count,
        v.rating_mean, v.last_observed_at, v.as_of, v.computed_at)
       IS DISTINCT FROM (s.score, s.tier, s.uptime, s.online_seconds, s.offline_seconds, s.coverage, s.interruptions,
                         s.rating_count, s.rating_mean, s.last_observed_at, s.as_of, s.computed_at);
TRUNCATE reliability.machines CASCADE;

-- stale: no observation in the last stale_after (24 h) before now(), also when there is
-- none; blacklisted: an active entry (expires_at NULL or later than now()).
SELECT count(reliability.machine('live', x))
  FROM unnest(ARRAY['fresh', 'old', 'none', 'future', 'edge', 'manual', 'temporary', 'expired', 'auto']) x;
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES
    (clients_t.id('live', 'fresh'), now() - interval '1 hour', true),
    (clients_t.id('live', 'old'), now() - interval '25 hours', true),
    (clients_t.id('live', 'future'), now() + interval '1 hour', true),
    (clients_t.id('live', 'edge'), now() - interval '23 hours 59 minutes', false);
INSERT INTO reliability.blacklist (machine_id, kind, reason, expires_at) VALUES
    (clients_t.id('live', 'manual'), 'manual', 'fraud', NULL),
    (clients_t.id('live', 'temporary'), 'temporary', 'maintenance', now() + interval '1 hour'),
    (clients_t.id('live', 'expired'), 'temporary', 'maintenance', now() - interval '1 second'),
    (clients_t.id('live', 'auto'), 'auto', 'low score', now() + interval '1 day');
SELECT external_id, blacklisted, stale FROM reliability.machine_reliability ORDER BY external_id;
-- stale_after 2 hours: edge becomes stale.
UPDATE reliability.settings SET stale_after = '2 hours';
SELECT external_id, stale FROM reliability.machine_reliability WHERE external_id IN ('fresh', 'edge') ORDER BY external_id;
UPDATE reliability.settings SET stale_after = '24 hours';

-- Restore the defaults and clean up.
UPDATE reliability.settings SET
    score_window = '30 days', max_gap = '15 minutes', weight_uptime = 0.4, weight_interruption = 0.4,
    weight_rating = 0.2, interruption_horizon = '24 hours', rating_prior_mean = 4.0, rating_prior_weight = 5,
    min_history = '7 days', tier_excellent = 90, tier_good = 75, tier_fair = 60, stale_after = '24 hours',
    auto_blacklist_below = NULL, auto_blacklist_for = '24 hours';
DROP SCHEMA clients_t CASCADE;
TRUNCATE reliability.machines CASCADE;
RESET TimeZone;
RESET client_min_messages;
