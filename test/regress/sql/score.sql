--
-- reliability.score(), reliability.compute_score() and reliability.tier() (SPEC §4, §7),
-- checked against values computed by hand from the SPEC formulas. Default settings unless
-- a section says otherwise: score_window 30 days = 2,592,000 s, max_gap 15 min = 900 s,
-- weights 0.4 / 0.4 / 0.2, interruption_horizon 24 h = 86,400 s, rating prior mean 4 with
-- weight 5, min_history 7 days = 604,800 s, tiers 90 / 75 / 60.
--
-- Each "expected" column is the SPEC formula evaluated in numeric on the hand-derived
-- inputs; "ok" compares it with the extension's value within 1e-9.
--
SET client_min_messages = warning;  -- no NOTICEs listing what TRUNCATE ... CASCADE reaches
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
CREATE SCHEMA score_t;

CREATE FUNCTION score_t.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
BEGIN
    EXECUTE query;
    RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- The machine of a test case, by its external_id (machine ids depend on the sequence).
CREATE FUNCTION score_t.id(ext text) RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT machine_id FROM reliability.machines WHERE provider = 'score' AND external_id = ext $$;

-- reliability.score() of a machine with the doubles rounded to 9 decimals.
CREATE FUNCTION score_t.show(ext text, as_of timestamptz)
RETURNS TABLE (score numeric, tier text, uptime numeric, u_comp numeric, i_comp numeric, r_comp numeric,
               online double precision, offline double precision, covered double precision, coverage numeric,
               interruptions bigint, ratings bigint, rating_mean numeric, last_observed_at timestamptz,
               as_of timestamptz)
LANGUAGE sql STABLE
AS $$
    SELECT round((s).score::numeric, 9), (s).tier, round((s).uptime::numeric, 9),
           round((s).uptime_component::numeric, 9), round((s).interruption_component::numeric, 9),
           round((s).rating_component::numeric, 9), (s).online_seconds, (s).offline_seconds,
           (s).covered_seconds, round((s).coverage::numeric, 9), (s).interruptions, (s).rating_count,
           round((s).rating_mean::numeric, 9), (s).last_observed_at, (s).as_of
      FROM (SELECT reliability.score(score_t.id(ext), as_of) AS s) x
$$;

-- The test machines: A (a full case), B (no data), C (ratings only), D (offline only),
-- E and F (min_history boundary), G (gaps longer than max_gap).
INSERT INTO reliability.machines (provider, external_id)
    SELECT 'score', x FROM unnest(ARRAY['A', 'B', 'C', 'D', 'E', 'F', 'G']) x;

--
-- Machine A, as of T = 2026-01-31 00:00 UTC: W = [2026-01-01 00:00, 2026-01-31 00:00).
--
-- Observations:
--   2025-12-31 23:40 online   cover [23:40, 23:55) (cut by the next): before W, no effect
--   2025-12-31 23:55 offline  cover [23:55, 00:10) (max_gap): 600 s offline in W
--   every 5 min from 2026-01-21 00:00 to 2026-01-30 23:55: 2880 observations, each covering
--     300 s (the last one up to the observation at T); offline from 2026-01-25 12:00 to
--     13:55 (24 observations = 7,200 s), online otherwise (2,856 = 856,800 s)
--   2026-01-31 00:00 offline and 01:00 online: at or after T, no effect
-- online = 856,800; offline = 7,200 + 600 = 7,800; covered = 864,600
-- U = 856800 / 864600 = 0.990978487...; coverage = 864600 / 2592000 = 0.333564815
-- Interruptions: 2025-12-31 23:59:59 (before W), 2026-01-01 00:00 (= start of W, in),
--   2026-01-22 10:00 (in), 2026-01-28 05:00 (in), 2026-01-31 00:00 (= T, out),
--   2026-02-15 00:00 (out): k = 3; I = exp(-3 * 86400 / 856800) = exp(-0.302521008)
-- Ratings 5, 4, 2: r = 3, S = 11; mean = (5 * 4 + 11) / (5 + 3) = 31/8 = 3.875;
--   R = (3.875 - 1) / 4 = 0.71875
-- score = 100 * (0.4 U + 0.4 I + 0.2 R) = 83.572258...; covered >= 604,800: tier good
-- last_observed_at = 2026-01-30 23:55 (the latest before T)
--
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT score_t.id('A'), t, NOT (t >= '2026-01-25 12:00+00' AND t <= '2026-01-25 13:55+00')
  FROM generate_series(timestamptz '2026-01-21 00:00+00', '2026-01-30 23:55+00', interval '5 minutes') t;
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES
    (score_t.id('A'), '2025-12-31 23:40+00', true),
    (score_t.id('A'), '2025-12-31 23:55+00', false),
    (score_t.id('A'), '2026-01-31 00:00+00', false),
    (score_t.id('A'), '2026-01-31 01:00+00', true);
INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES
    (score_t.id('A'), '2025-12-31 23:59:59+00'), (score_t.id('A'), '2026-01-01 00:00+00'),
    (score_t.id('A'), '2026-01-22 10:00+00'), (score_t.id('A'), '2026-01-28 05:00+00'),
    (score_t.id('A'), '2026-01-31 00:00+00'), (score_t.id('A'), '2026-02-15 00:00+00');
SELECT (reliability.rate(score_t.id('A'), u, s)).stars AS rated
  FROM (VALUES ('u1', 5), ('u2', 4), ('u3', 2)) v(u, s);
SELECT count(*) AS observations FROM reliability.observations WHERE machine_id = score_t.id('A');

SELECT * FROM score_t.show('A', '2026-01-31 00:00+00');
SELECT round(100 * (0.4 * 856800 / 864600.0 + 0.4 * exp(-3 * 86400 / 856800.0) + 0.2 * (31 / 8.0 - 1) / 4), 9) AS expected_score,
       round(856800 / 864600.0, 9) AS expected_uptime,
       round(exp(-3 * 86400 / 856800.0), 9) AS expected_i,
       round(864600 / 2592000.0, 9) AS expected_coverage;
SELECT abs((s).score - 100 * (0.4 * 856800 / 864600.0 + 0.4 * exp(-3 * 86400 / 856800.0) + 0.2 * 0.71875)::float8) < 1e-9 AS score_ok,
       abs((s).uptime - 856800 / 864600.0::float8) < 1e-12 AS uptime_ok,
       (s).uptime_component = (s).uptime AS u_is_uptime,
       abs((s).interruption_component - exp(-3 * 86400 / 856800.0::float8)) < 1e-12 AS i_ok,
       (s).rating_component = 0.71875 AS r_ok,
       (s).rating_mean = 3.875 AS mean_ok,
       abs((s).coverage - 864600 / 2592000.0::float8) < 1e-12 AS coverage_ok
  FROM (SELECT reliability.score(score_t.id('A'), '2026-01-31 00:00+00') AS s) x;

-- The same instant in another time zone is the same as_of, and the session time zone
-- changes nothing.
SET TimeZone = 'America/New_York';
SELECT reliability.score(score_t.id('A'), '2026-01-30 19:00-05') = reliability.score(score_t.id('A'), '2026-01-31 00:00+00') AS same;
RESET TimeZone;
SET TimeZone = 'UTC';

--
-- Machine A as of T2 = 2026-01-25 13:00: W = [2025-12-26 13:00, 2026-01-25 13:00).
--   23:40 online covers [23:40, 23:55) = 900 s online; 23:55 offline covers 900 s offline;
--   5-minute observations from 2026-01-21 00:00 to 2026-01-25 12:55: 1,308, of which
--   12:00..12:55 (12) offline, the last cut at T2:
--   online = (1308 - 12) * 300 + 900 = 389,700; offline = 12 * 300 + 900 = 4,500
--   covered = 394,200 < 604,800: tier new although there is a score
--   U = 389700 / 394200 = 0.988584475
--   k = 3 (2025-12-31 23:59:59, 2026-01-01 00:00, 2026-01-22 10:00)
--   I = exp(-3 * 86400 / 389700) = exp(-0.665127021)
--   score = 100 * (0.4 U + 0.4 I + 0.2 * 0.71875) = 74.486707...
--   last_observed_at = 2026-01-25 12:55
--
SELECT * FROM score_t.show('A', '2026-01-25 13:00+00');
SELECT round(100 * (0.4 * 389700 / 394200.0 + 0.4 * exp(-3 * 86400 / 389700.0) + 0.2 * 0.71875), 9) AS expected_score,
       round(389700 / 394200.0, 9) AS expected_uptime,
       round(exp(-3 * 86400 / 389700.0), 9) AS expected_i,
       round(394200 / 2592000.0, 9) AS expected_coverage;

-- As of a microsecond after 2026-01-25 12:55: only that microsecond of the last cover.
-- (the window start moves by 1 us too, which changes nothing): online = 1296 * 300 + 900 =
-- 389,700 (as before); offline = 11 * 300 + 0.000001 + 900 = 4,200.000001
SELECT online, offline, covered, last_observed_at FROM score_t.show('A', '2026-01-25 12:55:00.000001+00');
-- As of exactly 12:55 the observation at 12:55 is not before as_of.
SELECT online, offline, covered, last_observed_at FROM score_t.show('A', '2026-01-25 12:55+00');

-- As of 2025-12-31 23:40 no observation lies before as_of: U NULL, score NULL, new,
-- last_observed_at NULL; ratings have no window: 3, mean 3.875.
SELECT * FROM score_t.show('A', '2025-12-31 23:40+00');
-- As of 2026-01-01 00:00: 23:40 online covers 900 s, 23:55 offline 300 s (cut at as_of):
-- U = 0.75; k = 1 (2025-12-31 23:59:59; the one at 00:00 is at as_of):
-- I = exp(-86400 / 900) = exp(-96) = 2.0e-42; score = 100 * (0.3 + 0.4 I + 0.14375) = 44.375
SELECT * FROM score_t.show('A', '2026-01-01 00:00+00');
-- The default as_of is now().
SELECT reliability.score(score_t.id('A')) = reliability.score(score_t.id('A'), now()) AS default_is_now;

--
-- Machine B has no data: U NULL, so score NULL and tier new; I = 1 (k = 0, no online
-- time); no ratings: mean = 5 * 4 / 5 = 4, R = 0.75; all seconds 0, coverage 0.
--
SELECT * FROM score_t.show('B', '2026-01-31 00:00+00');

--
-- Machine C has only ratings: 1 star from five users: mean = (20 + 5) / (5 + 5) = 2.5,
-- R = 0.375; score NULL (no uptime), tier new.
--
SELECT count(reliability.rate(score_t.id('C'), 'user' || i, 1)) AS rated FROM generate_series(1, 5) i;
SELECT * FROM score_t.show('C', '2026-01-31 00:00+00');

--
-- Machine D: offline every 10 min from 2026-01-30 00:00 to 01:50 (12 observations, 11 of
-- 600 s, the last one max_gap = 900 s): offline 7,500, online 0, U = 0;
-- coverage = 7500 / 2592000 = 0.002893519; one interruption with no online time: I = 0;
-- score = 100 * (0.4 * 0 + 0.4 * 0 + 0.2 * 0.75) = 15; covered 7,500 < 604,800: new.
-- last_observed_at = 01:50.
--
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT score_t.id('D'), t, false
  FROM generate_series(timestamptz '2026-01-30 00:00+00', '2026-01-30 01:50+00', interval '10 minutes') t;
INSERT INTO reliability.interruptions (machine_id, occurred_at, reason) VALUES (score_t.id('D'), '2026-01-30 01:00+00', 'xid 79');
SELECT * FROM score_t.show('D', '2026-01-31 00:00+00');

--
-- Machines E and F: online every 5 min for 7 days up to T.
-- E: from 2026-01-24 00:00 to 2026-01-30 23:55: 2,016 observations * 300 s = 604,800 s =
--    min_history exactly: not new. U = 1, I = 1, R = 0.75: score 95, excellent.
-- F: the same one second later (00:00:01 ... 23:55:01): the last cover is cut at T after
--    299 s: covered = 2015 * 300 + 299 = 604,799 < min_history: new (score still 95).
--
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT score_t.id('E'), t, true
  FROM generate_series(timestamptz '2026-01-24 00:00+00', '2026-01-30 23:55+00', interval '5 minutes') t;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT score_t.id('F'), t, true
  FROM generate_series(timestamptz '2026-01-24 00:00:01+00', '2026-01-30 23:55:01+00', interval '5 minutes') t;
SELECT * FROM score_t.show('E', '2026-01-31 00:00+00');
SELECT * FROM score_t.show('F', '2026-01-31 00:00+00');

--
-- Machine G: online at T - 1 h, offline at T - 30 min. Each covers max_gap = 900 s only
-- (the gaps are longer): online 900, offline 900, U = 0.5; k = 0: I = 1; no ratings:
-- R = 0.75; score = 100 * (0.2 + 0.4 + 0.15) = 75; covered 1,800: new.
-- coverage = 1800 / 2592000 = 0.000694444
--
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES
    (score_t.id('G'), '2026-01-30 23:00+00', true), (score_t.id('G'), '2026-01-30 23:30+00', false);
SELECT * FROM score_t.show('G', '2026-01-31 00:00+00');

-- An unknown machine has no score; an infinite as_of is an error (22008).
SELECT reliability.score(-1, '2026-01-31 00:00+00') IS NULL AS unknown_is_null;
SELECT score_t.try($$SELECT reliability.score(-1, 'infinity')$$);
SELECT score_t.try($$SELECT reliability.score(score_t.id('A'), 'infinity')$$);
SELECT score_t.try($$SELECT reliability.score(score_t.id('A'), '-infinity')$$);

--
-- The score follows the settings.
--
-- max_gap 10 min: A as of T loses 300 s offline (23:55 now covers [23:55, 00:05)):
-- offline 7,500, covered 864,300, U = 856800 / 864300 = 0.991322457
UPDATE reliability.settings SET max_gap = '10 minutes';
SELECT score, uptime, online, offline, covered FROM score_t.show('A', '2026-01-31 00:00+00');
SELECT round(100 * (0.4 * 856800 / 864300.0 + 0.4 * exp(-3 * 86400 / 856800.0) + 0.2 * 0.71875), 9) AS expected_score,
       round(856800 / 864300.0, 9) AS expected_uptime;
-- max_gap 1 second: G covers 1 s online and 1 s offline: U = 0.5, score 75.
UPDATE reliability.settings SET max_gap = '1 second';
SELECT score, tier, uptime, online, offline, covered FROM score_t.show('G', '2026-01-31 00:00+00');
UPDATE reliability.settings SET max_gap = '15 minutes';

-- score_window 5 days: W = [2026-01-26 00:00, T): 1,440 online observations = 432,000 s
-- (the 2026-01-25 23:55 one is cut by the one at 2026-01-26 00:00), U = 1, coverage 1;
-- k = 1 (2026-01-28 05:00): I = exp(-86400 / 432000) = exp(-0.2) = 0.818730753
-- score = 100 * (0.4 + 0.4 * 0.818730753 + 0.2 * 0.71875) = 87.124230...;
-- covered 432,000 < min_history: new.
UPDATE reliability.settings SET score_window = '5 days';
SELECT * FROM score_t.show('A', '2026-01-31 00:00+00');
SELECT round(100 * (0.4 + 0.4 * exp(-0.2) + 0.2 * 0.71875), 9) AS expected_score;
-- '1 mon' is 30 days: the same as the default.
UPDATE reliability.settings SET score_window = '30 days';
SELECT reliability.score(score_t.id('A'), '2026-01-31 00:00+00')::text AS score_30_days \gset
UPDATE reliability.settings SET score_window = '1 mon';
SELECT reliability.score(score_t.id('A'), '2026-01-31 00:00+00')::text = :'score_30_days' AS same_as_30_days;
UPDATE reliability.settings SET score_window = '30 days';

-- interruption_horizon 1 hour: I = exp(-3 * 3600 / 856800) = 0.987474541
UPDATE reliability.settings SET interruption_horizon = '1 hour';
SELECT score, i_comp FROM score_t.show('A', '2026-01-31 00:00+00');
SELECT round(100 * (0.4 * 856800 / 864600.0 + 0.4 * exp(-3 * 3600 / 856800.0) + 0.2 * 0.71875), 9) AS expected_score,
       round(exp(-3 * 3600 / 856800.0), 9) AS expected_i;
UPDATE reliability.settings SET interruption_horizon = '24 hours';

-- Weights 1 / 0 / 0: score = 100 U.  A: 99.097848716; G: 50.
UPDATE reliability.settings SET weight_uptime = 1, weight_interruption = 0, weight_rating = 0;
SELECT score, tier FROM score_t.show('A', '2026-01-31 00:00+00');
SELECT score, tier FROM score_t.show('G', '2026-01-31 00:00+00');
-- Weights 0 / 0 / 1: score = 100 R as long as U is not NULL. A: 71.875; G: 75;
-- B (no observations): NULL.
UPDATE reliability.settings SET weight_uptime = 0, weight_interruption = 0, weight_rating = 1;
SELECT score, tier, r_comp FROM score_t.show('A', '2026-01-31 00:00+00');
SELECT score, tier, r_comp FROM score_t.show('G', '2026-01-31 00:00+00');
SELECT score, tier, r_comp FROM score_t.show('B', '2026-01-31 00:00+00');

-- rating_prior_weight 0: A: mean = 11 / 3 = 3.666666667, R = 0.666666667.
-- G has no rating: no mean, R NULL, the rating term is left out and 0.4 / 0.4 scaled to
-- 0.5 / 0.5: score = 100 * (0.5 * 0.5 + 0.5 * 1) = 75.
-- With weights 0 / 0 / 1 the other two sum to 0: G's score is NULL (tier new), A's is
-- 100 R = 66.666666667.
UPDATE reliability.settings SET weight_uptime = 0.4, weight_interruption = 0.4, weight_rating = 0.2,
                                rating_prior_weight = 0;
SELECT score, tier, r_comp, ratings, rating_mean FROM score_t.show('A', '2026-01-31 00:00+00');
SELECT round(100 * (0.4 * 856800 / 864600.0 + 0.4 * exp(-3 * 86400 / 856800.0) + 0.2 * (11 / 3.0 - 1) / 4), 9) AS expected_score;
SELECT score, tier, r_comp, ratings, rating_mean FROM score_t.show('G', '2026-01-31 00:00+00');
-- D: U = 0, I = 0, no rating: 100 * (0.4 * 0 + 0.4 * 0) / 0.8 = 0
SELECT score, tier, r_comp, rating_mean FROM score_t.show('D', '2026-01-31 00:00+00');
UPDATE reliability.settings SET weight_uptime = 0, weight_interruption = 0, weight_rating = 1;
SELECT score, tier, r_comp FROM score_t.show('A', '2026-01-31 00:00+00');
SELECT score, tier, r_comp FROM score_t.show('G', '2026-01-31 00:00+00');
-- weights 0.5 / 0 / 0.5 without a rating mean: G = 100 * 0.5 U / 0.5 = 50
UPDATE reliability.settings SET weight_uptime = 0.5, weight_interruption = 0, weight_rating = 0.5;
SELECT score, tier, r_comp FROM score_t.show('G', '2026-01-31 00:00+00');
UPDATE reliability.settings SET weight_uptime = 0.4, weight_interruption = 0.4, weight_rating = 0.2,
                                rating_prior_weight = 5;

-- rating_prior_mean 1: C: mean = (5 * 1 + 5) / 10 = 1, R = 0. rating_prior_mean 5,
-- weight 2: C: mean = (10 + 5) / 7 = 2.142857143, R = 0.285714286
UPDATE reliability.settings SET rating_prior_mean = 1;
SELECT r_comp, rating_mean FROM score_t.show('C', '2026-01-31 00:00+00');
UPDATE reliability.settings SET rating_prior_mean = 5, rating_prior_weight = 2;
SELECT r_comp, rating_mean FROM score_t.show('C', '2026-01-31 00:00+00');
UPDATE reliability.settings SET rating_prior_mean = 4, rating_prior_weight = 5;

-- Tiers: tier_excellent 80 makes A (83.57) excellent; min_history 0 makes D (15) poor
-- and G (75) good; min_history '2 hours' = 7,200 s: D (covered 7,500) poor, G (1,800) new.
UPDATE reliability.settings SET tier_excellent = 80;
SELECT score, tier FROM score_t.show('A', '2026-01-31 00:00+00');
UPDATE reliability.settings SET tier_excellent = 90, min_history = '0';
SELECT x, s.score, s.tier FROM unnest(ARRAY['D', 'G', 'B']) x, score_t.show(x, '2026-01-31 00:00+00') s;
UPDATE reliability.settings SET min_history = '2 hours';
SELECT x, s.score, s.tier FROM unnest(ARRAY['D', 'G']) x, score_t.show(x, '2026-01-31 00:00+00') s;
UPDATE reliability.settings SET min_history = '7 days';

--
-- compute_score(uptime, interruptions, online_seconds, rating_count, rating_sum), default
-- settings.
--
SELECT round(reliability.compute_score(1, 0, 1000, 0, 0)::numeric, 9) AS "95";
-- U 0.5, k 2 over 86,400 s online: I = exp(-2); r 4, S 20: mean (20 + 20) / 9 = 4.444444,
-- R = 0.861111111: 100 * (0.2 + 0.4 exp(-2) + 0.2 * 0.861111111) = 42.635633552
SELECT round(reliability.compute_score(0.5, 2, 86400, 4, 20)::numeric, 9) AS score,
       round(100 * (0.2 + 0.4 * exp(-2.0) + 0.2 * (40 / 9.0 - 1) / 4), 9) AS expected;
-- no online time: I = 1 when k = 0 (91), 0 when k > 0 (51)
SELECT round(reliability.compute_score(0.9, 0, 0, 0, 0)::numeric, 9) AS "91",
       round(reliability.compute_score(0.9, 1, 0, 0, 0)::numeric, 9) AS "51";
-- the formula of machine A gives A's score
SELECT reliability.compute_score(856800 / 864600.0::float8, 3, 856800, 3, 11)
       = (reliability.score(score_t.id('A'), '2026-01-31 00:00+00')).score AS same_as_a;
-- extremes: all 5 stars, U 1, I 1 -> mean (20 + 5n) / (5 + n); many 5 stars approach 100
SELECT round(reliability.compute_score(1, 0, 100, 5, 25)::numeric, 9) AS "97.5",
       round(reliability.compute_score(0, 1000, 1, 1000000, 1000000)::numeric, 9) AS near_zero,
       round(100 * 0.2 * ((20 + 1000000) / 1000005.0 - 1) / 4, 9) AS expected_near_zero;
-- NULL uptime: NULL score (U is NULL); any NULL argument gives NULL
SELECT reliability.compute_score(NULL, 0, 0, 0, 0) IS NULL AS null_uptime,
       reliability.compute_score(1, NULL, 0, 0, 0) IS NULL AS null_k;
-- without a prior, no ratings: the rating term is left out
UPDATE reliability.settings SET rating_prior_weight = 0;
SELECT round(reliability.compute_score(0.5, 0, 100, 0, 0)::numeric, 9) AS "75",
       round(reliability.compute_score(0.5, 0, 100, 2, 6)::numeric, 9) AS "70";
UPDATE reliability.settings SET rating_prior_weight = 5;
-- bad input: 22023, nothing else
SELECT score_t.try($$SELECT reliability.compute_score(1, -1, 100, 0, 0)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 100, -1, 0)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 100, -1, -1)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 100, 1, 0)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 100, 1, 6)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 100, 2, 11)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 100, 0, 1)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 100, 9223372036854775807, 1)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1.5, 0, 100, 0, 0)$$);
SELECT score_t.try($$SELECT reliability.compute_score(-0.1, 0, 100, 0, 0)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, -100, 0, 0)$$);
SELECT score_t.try($$SELECT reliability.compute_score('NaN', 0, 100, 0, 0)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 'NaN', 0, 0)$$);
SELECT score_t.try($$SELECT reliability.compute_score(1, 0, 'Infinity', 0, 0)$$);
-- the limits are fine: sum = count and sum = 5 * count
SELECT round(reliability.compute_score(1, 0, 100, 2, 2)::numeric, 9) AS sum_is_count,
       round(reliability.compute_score(1, 0, 100, 2, 10)::numeric, 9) AS sum_is_5_count,
       round(100 * (0.8 + 0.2 * (22 / 7.0 - 1) / 4), 9) AS expected_sum_is_count,
       round(100 * (0.8 + 0.2 * (30 / 7.0 - 1) / 4), 9) AS expected_sum_is_5_count;

--
-- tier(score, covered_seconds): new below min_history (604,800 s) or without a score; the
-- thresholds are inclusive.
--
SELECT s, c, reliability.tier(s, c)
  FROM (VALUES (95::float8, 604800::float8), (90, 604800), (89.999999, 604800), (75, 1e9), (74.9, 1e9),
               (60, 1e9), (59.999, 1e9), (0, 1e9), (100, 604799.999999), (NULL, 1e9), (95, 0)) v(s, c);
UPDATE reliability.settings SET tier_excellent = 50, tier_good = 50, tier_fair = 10, min_history = '1 hour';
SELECT s, c, reliability.tier(s, c)
  FROM (VALUES (50::float8, 3600::float8), (49.9, 3600), (10, 3600), (9.9, 3600), (50, 3599)) v(s, c);

-- a score that is not a number is refused
SELECT score_t.try($$SELECT reliability.tier('NaN', 1e9)$$);

-- Restore the defaults and clean up.
UPDATE reliability.settings SET
    score_window = '30 days', max_gap = '15 minutes', weight_uptime = 0.4, weight_interruption = 0.4,
    weight_rating = 0.2, interruption_horizon = '24 hours', rating_prior_mean = 4.0, rating_prior_weight = 5,
    min_history = '7 days', tier_excellent = 90, tier_good = 75, tier_fair = 60, stale_after = '24 hours',
    auto_blacklist_below = NULL, auto_blacklist_for = '24 hours';
DROP SCHEMA score_t CASCADE;
TRUNCATE reliability.machines CASCADE;
RESET TimeZone;
RESET client_min_messages;
