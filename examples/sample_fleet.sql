-- A sample fleet for the demo: 300 machines at three providers, 30 days of monitoring
-- every 5 minutes ending a few minutes before now(), interruptions and user ratings.
-- Reproducible: the same seed gives the same fleet, relative to now().
--
--   provider  machines  external_id like
--   vast      150       vast-48213
--   runpod     90       rp-3f2a9c1d0b
--   lambda     60       lambda-h100-241
--
-- Each machine has a profile that drives its outages, interruptions and ratings:
--   solid (about half), average, flaky (offline stretches of up to 6 hours most days),
--   bad (outages of hours to days). Overlaid on that, by machine number:
--   - 12 brand-new machines with 1 to 6 days of history (tier new);
--   - 15 machines whose monitor agent was down for 6 to 48 hours (unknown time);
--   -  6 machines that stopped reporting 2 to 4 days ago (stale);
--   - one fleet-wide monitor outage of an hour 9 days ago (unknown time for everyone).
--
-- Load order: machines, ratings and interruptions first, then the observations oldest
-- first in a few large INSERT ... SELECT statements: every statement updates the cached
-- score of every machine it touches.
-- Run with psql (it uses \g); CREATE EXTENSION reliability must have been run.

SELECT setseed(0.42) \g /dev/null

-- The poll grid: slot 0 is 30 days before the last poll, slot 8639 is the last poll.
CREATE TEMP TABLE demo_clock AS
SELECT date_bin('5 minutes', now(), timestamptz '2000-01-01 00:00+00') - interval '5 minutes' AS last_poll,
       30 * 288 AS slots,
       30 * 288 - 9 * 288 AS monitor_down_from,       -- the fleet-wide monitor outage:
       30 * 288 - 9 * 288 + 11 AS monitor_down_to;    -- 12 polls (an hour) nobody saw

CREATE TEMP TABLE demo_fleet AS
WITH numbered AS (
    SELECT n,
           CASE WHEN n <= 150 THEN 'vast' WHEN n <= 240 THEN 'runpod' ELSE 'lambda' END AS provider,
           random() AS r
    FROM generate_series(1, 300) AS n
), profiled AS (
    SELECT n, provider,
           CASE
               WHEN n % 25 = 3 THEN 'new'
               -- the providers differ: lambda's machines are the steadiest, vast's the least
               WHEN r * CASE provider WHEN 'lambda' THEN 0.75 WHEN 'runpod' THEN 0.9 ELSE 1.0 END < 0.52 THEN 'solid'
               WHEN r * CASE provider WHEN 'lambda' THEN 0.75 WHEN 'runpod' THEN 0.9 ELSE 1.0 END < 0.80 THEN 'average'
               WHEN r * CASE provider WHEN 'lambda' THEN 0.75 WHEN 'runpod' THEN 0.9 ELSE 1.0 END < 0.95 THEN 'flaky'
               ELSE 'bad'
           END AS profile
    FROM numbered
)
SELECT p.n, p.provider, p.profile,
       CASE p.provider
           WHEN 'vast'   THEN 'vast-' || (10000 + (p.n * 7919) % 90000)
           WHEN 'runpod' THEN 'rp-' || substr(md5('runpod/' || p.n), 1, 10)
           ELSE 'lambda-' || (ARRAY['a100', 'h100', 'a10', 'gh200'])[1 + p.n % 4] || '-' || p.n
       END AS external_id,
       -- first slot with an observation: brand-new machines have 1 to 6 days of history
       CASE WHEN p.profile = 'new' THEN c.slots - (1 + p.n % 6) * 288 ELSE 0 END AS first_slot,
       -- last slot with an observation: a few machines went silent 2 to 4 days ago
       CASE WHEN p.n % 50 = 11 THEN c.slots - 1 - (2 + p.n % 3) * 288 ELSE c.slots - 1 END AS last_slot,
       -- a monitor-agent outage (no observations at all) on a few machines
       CASE WHEN p.n % 20 = 7 THEN (random() * (c.slots - 600))::int ELSE -1 END AS gap_from,
       CASE WHEN p.n % 20 = 7 THEN 72 + (random() * 504)::int ELSE 0 END AS gap_len
FROM profiled AS p CROSS JOIN demo_clock AS c
ORDER BY p.n;

-- Machines are created through the API's get-or-create function.
ALTER TABLE demo_fleet ADD COLUMN machine_id bigint;
UPDATE demo_fleet SET machine_id = reliability.machine(provider, external_id);

-- Offline stretches: (machine, first slot, length) per outage, by profile; new machines
-- behave like average ones.
CREATE TEMP TABLE demo_outage AS
SELECT f.machine_id,
       (random() * c.slots)::int AS from_slot,
       CASE f.profile
           WHEN 'solid' THEN 1 + (random() * 5)::int          -- 5 to 30 minutes
           WHEN 'flaky' THEN 2 + (random() * 70)::int         -- 10 minutes to 6 hours
           WHEN 'bad'   THEN 72 + (random() * 792)::int       -- 6 hours to 3 days
           ELSE 1 + (random() * 23)::int                      -- up to 2 hours
       END AS len
FROM demo_fleet AS f
CROSS JOIN demo_clock AS c
CROSS JOIN LATERAL generate_series(1, CASE f.profile
           WHEN 'solid' THEN (random() * 3)::int
           WHEN 'flaky' THEN 15 + (random() * 30)::int
           WHEN 'bad'   THEN 4 + (random() * 6)::int
           ELSE 2 + (random() * 10)::int
       END) AS e
ORDER BY f.n, e;

CREATE TEMP TABLE demo_down AS
SELECT DISTINCT o.machine_id, s AS slot
FROM demo_outage AS o CROSS JOIN LATERAL generate_series(o.from_slot, o.from_slot + o.len - 1) AS s;
ALTER TABLE demo_down ADD PRIMARY KEY (machine_id, slot);
ANALYZE demo_down;

-- Ratings, through the API's rate(): 0 to 8 per machine, stars around a level that
-- depends on the profile.
CREATE TEMP TABLE demo_rating AS
SELECT f.machine_id,
       'user-' || lpad(((f.n * 37 + j * 101) % 997)::text, 3, '0') AS user_id,
       greatest(1, least(5, round(CASE f.profile
           WHEN 'solid' THEN 4.6 WHEN 'average' THEN 4.0 WHEN 'flaky' THEN 2.7 WHEN 'bad' THEN 1.8
           ELSE 4.2 END + (random() - 0.5) * 2.4)))::int AS stars,
       random() AS pick,
       round((1 + random() * 96)::numeric, 1)::float8 AS hours,
       'i-' || substr(md5('rating/' || f.n || '/' || j), 1, 12) AS instance_id
FROM demo_fleet AS f
CROSS JOIN LATERAL generate_series(1, (random() * 8)::int) AS j
ORDER BY f.n, j;

SELECT count(reliability.rate(
           machine_id, user_id, stars,
           CASE WHEN pick < 0.4 THEN NULL
                ELSE (CASE stars
                          WHEN 5 THEN ARRAY['Fast and stable, ran a week-long fine-tune without a hiccup.',
                                            'Great box, exactly as advertised.', 'Would rent again.']
                          WHEN 4 THEN ARRAY['Solid, one slow disk.', 'Good value, a short disconnect once.']
                          WHEN 3 THEN ARRAY['OK for short jobs.', 'Network was flaky at night.']
                          WHEN 2 THEN ARRAY['Instance died twice in one day.', 'GPU throttled constantly.']
                          ELSE ARRAY['Lost 10 hours of training, machine vanished.', 'Never again.']
                      END)[1 + (pick * 10)::int % 2]
           END,
           hours, instance_id)) AS ratings_submitted
FROM demo_rating \g /dev/null

-- Interruptions: instances that stopped unexpectedly, more of them on worse machines.
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT f.machine_id,
       c.last_poll - (random() * (c.slots - f.first_slot) * 300) * interval '1 second',
       'i-' || substr(md5('interruption/' || f.n || '/' || k), 1, 12),
       (ARRAY['host_reboot', 'gpu_fell_off_bus', 'xid_79_error', 'network_partition',
              'oom_killed', 'disk_full', 'preempted_by_host'])[1 + (random() * 6)::int]
FROM demo_fleet AS f
CROSS JOIN demo_clock AS c
CROSS JOIN LATERAL generate_series(1, CASE f.profile
           WHEN 'solid' THEN (random() * 0.8)::int           -- mostly none
           WHEN 'average' THEN 2 + (random() * 6)::int
           WHEN 'flaky' THEN 5 + (random() * 15)::int
           WHEN 'bad' THEN 8 + (random() * 12)::int
           ELSE (random() * 1.6)::int
       END) AS k
ORDER BY f.n, k;

-- Observations, oldest first, in batches of :batch_days days of polls (default 10: three
-- statements of about 860,000 rows; 1 gives a monitor's day-by-day arrival, slower), all
-- machines at once. A machine is offline in the slots of its outages, silent (no row) in
-- monitor gaps, and each poll lands a few seconds after its slot.
\if :{?batch_days}
\else
\set batch_days 10
\endif
SELECT format($sql$
    INSERT INTO reliability.observations (machine_id, observed_at, online)
    SELECT f.machine_id,
           c.last_poll - (c.slots - 1 - s) * interval '5 minutes'
               + ((f.n * 13 + s * 7) %% 23) * interval '1 second',
           d.slot IS NULL
    FROM demo_clock AS c
    CROSS JOIN generate_series(%s, %s) AS s
    JOIN demo_fleet AS f ON s BETWEEN f.first_slot AND f.last_slot
    LEFT JOIN demo_down AS d ON d.machine_id = f.machine_id AND d.slot = s
    WHERE s NOT BETWEEN f.gap_from AND f.gap_from + f.gap_len - 1
      AND s NOT BETWEEN c.monitor_down_from AND c.monitor_down_to
    $sql$, day * 288, least(day + :batch_days, 30) * 288 - 1)
FROM generate_series(0, 29, :batch_days) AS day \gexec

DROP TABLE demo_clock, demo_outage, demo_down, demo_rating;
-- Fresh planner statistics after a bulk load, as after any (autovacuum would get there
-- within a minute; the demo's queries come sooner).
ANALYZE reliability.machines, reliability.observations, reliability.interruptions,
        reliability.ratings, reliability.scores, reliability.blacklist;
-- demo_fleet stays for the rest of the session: it maps machines to their profiles.
