-- A sample fleet for the API's tests, its dashboard screenshot and its benchmark: :machines
-- machines (psql variable, default 40) at three providers with 30 days of observations every
-- :poll_minutes minutes (default 15) up to a few minutes ago, interruptions and ratings, so
-- that every tier shows up. Deterministic: machine n always gets the same profile and data.
--   n % 10 in 0..3  excellent   hours offline now and then, rarely an interruption
--   n % 10 in 4..5  good        8 % of hours offline, a few interruptions
--   n % 10 = 6      fair        18 % offline, 8 interruptions
--   n % 10 = 7      poor        35 % offline, 20 interruptions, low stars
--   n % 10 = 8      new         3 days of history
--   n % 10 = 9      stale       a good machine whose monitor stopped 3 days ago
--   n % 17 = 5      blacklisted (a manual entry; hidden from the list)
-- Run as a superuser with psql: psql -v machines=2000 -f fleet.sql
\if :{?machines} \else \set machines 40 \endif
\if :{?poll_minutes} \else \set poll_minutes 15 \endif
SET client_min_messages = warning;

CREATE TEMP TABLE fleet AS
SELECT n, (ARRAY['vast', 'runpod', 'lambda'])[1 + n % 3] AS provider,
       CASE WHEN n % 10 <= 3 THEN 'excellent' WHEN n % 10 <= 5 THEN 'good' WHEN n % 10 = 6 THEN 'fair'
            WHEN n % 10 = 7 THEN 'poor' WHEN n % 10 = 8 THEN 'new' ELSE 'stale' END AS profile
FROM generate_series(1, :machines) AS n;

ALTER TABLE fleet ADD machine_id bigint, ADD p_off float8, ADD k int, ADD stars_base int, ADD since interval, ADD until interval;
UPDATE fleet SET
    machine_id = reliability.machine(provider, provider || '-' || (1000 + n * 37 % 9000) || '-' || n),
    p_off = CASE profile WHEN 'excellent' THEN 0.004 WHEN 'good' THEN 0.08 WHEN 'fair' THEN 0.18
                         WHEN 'poor' THEN 0.35 ELSE 0.02 END,
    k = CASE profile WHEN 'excellent' THEN n % 2 WHEN 'good' THEN 2 + n % 3 WHEN 'fair' THEN 8
                     WHEN 'poor' THEN 20 ELSE 1 END,
    stars_base = CASE profile WHEN 'poor' THEN 2 WHEN 'fair' THEN 3 ELSE 4 END,
    since = CASE profile WHEN 'new' THEN interval '3 days' ELSE interval '30 days' END,
    until = CASE profile WHEN 'stale' THEN interval '3 days' ELSE interval '0' END;

INSERT INTO reliability.ratings (machine_id, user_id, stars, comment)
SELECT f.machine_id, 'user-' || u, least(5, greatest(1, f.stars_base + (hashint8(f.n * 100 + u) % 2)::int)), NULL
FROM fleet f, generate_series(1, 3 + f.n % 10) AS u
WHERE f.profile <> 'new';

INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT f.machine_id, now() - f.until - (f.since - interval '1 hour') * (i::float8 / (f.k + 1)),
       'i-' || f.n || '-' || i, (ARRAY['host reboot', 'oom', 'driver reset'])[1 + i % 3]
FROM fleet f, generate_series(1, f.k) AS i;

-- Hours offline are picked by a hash of (machine, hour), so outages last whole hours.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT f.machine_id, t,
       abs(hashint8(f.n * 1000003 + floor(extract(epoch FROM t) / 3600)::bigint)) % 1000 >= f.p_off * 1000
FROM fleet f,
     generate_series(date_bin(make_interval(mins => :poll_minutes), now() - f.since, timestamptz '2000-01-01'),
                     now() - f.until - interval '2 minutes', make_interval(mins => :poll_minutes)) AS t;

INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by)
SELECT machine_id, 'manual', 'sample fleet: failed burn-in', 'fleet.sql' FROM fleet WHERE n % 17 = 5;
