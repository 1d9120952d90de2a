-- The demo: reliability scores for a GPU marketplace, on a sample fleet.
-- Run by scripts/demo.sh in a throwaway cluster: psql -X -q -v ON_ERROR_STOP=1 -f examples/demo.sql
\set ON_ERROR_STOP on
\pset pager off
\pset null '-'

\echo
\echo '== 1. CREATE EXTENSION reliability'
CREATE EXTENSION reliability;

\echo
\echo '== 2. Loading the sample fleet: 300 machines, 30 days of observations every 5 minutes,'
\echo '      interruptions and ratings (examples/sample_fleet.sql). Every insert keeps the'
\echo '      cached scores exact, so this is also a test of the triggers at volume.'
SELECT clock_timestamp() AS load_started \gset
\ir sample_fleet.sql
SELECT (SELECT count(*) FROM reliability.machines) AS machines,
       (SELECT count(*) FROM reliability.observations) AS observations,
       (SELECT count(*) FROM reliability.interruptions) AS interruptions,
       (SELECT count(*) FROM reliability.ratings) AS ratings,
       (SELECT count(*) FROM reliability.scores) AS cached_scores,
       round(extract(epoch FROM clock_timestamp() - :'load_started')::numeric, 1) AS load_seconds;

\echo
\echo '== 3. The fleet by provider and tier (reliability.machine_reliability)'
SELECT provider,
       count(*) AS machines,
       count(*) FILTER (WHERE tier = 'excellent') AS excellent,
       count(*) FILTER (WHERE tier = 'good') AS good,
       count(*) FILTER (WHERE tier = 'fair') AS fair,
       count(*) FILTER (WHERE tier = 'poor') AS poor,
       count(*) FILTER (WHERE tier = 'new') AS new,
       count(*) FILTER (WHERE stale) AS stale,
       round(avg(score)::numeric, 1) AS avg_score
FROM reliability.machine_reliability
GROUP BY provider
ORDER BY avg_score DESC;

\echo
\echo '== 4. Ops blacklist two of the best machines by hand (kind manual)'
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by, blacklisted_at, expires_at)
SELECT machine_id, 'manual', reason, 'ops@broker.example', now(), NULL
FROM (SELECT machine_id,
             (ARRAY['renters report ECC errors on GPU 3', 'host under investigation for throttling'])[row_number() OVER (ORDER BY score DESC, machine_id)] AS reason
      FROM reliability.machine_reliability
      WHERE tier <> 'new'
      ORDER BY score DESC, machine_id
      LIMIT 2) AS best;
SELECT m.provider, m.external_id, b.kind, b.reason, b.blocked_by, b.expires_at
FROM reliability.blacklist AS b JOIN reliability.machines AS m USING (machine_id)
ORDER BY m.machine_id;

\echo
\echo '== 5. What a renter sees: the top 15, blacklisted machines hidden, score >= 70 or no score yet'
\echo '      (sparkline: daily uptime of the last 14 days, · = no data that day)'
SELECT provider,
       external_id,
       round(score::numeric, 1) AS score,
       tier,
       round((100 * uptime)::numeric, 2) AS "uptime %",
       interruptions,
       round(rating_mean::numeric, 2) AS rating,
       reliability.sparkline(machine_id, 14) AS "last 14 days"
FROM reliability.machine_reliability
WHERE NOT blacklisted AND (score >= 70 OR score IS NULL)
ORDER BY score DESC NULLS LAST, machine_id
LIMIT 15;

\echo
\echo '== 6. What ops watch: the 10 worst machines, with 30-day sparklines'
SELECT provider,
       external_id,
       round(score::numeric, 1) AS score,
       tier,
       round((100 * uptime)::numeric, 2) AS "uptime %",
       interruptions,
       round(rating_mean::numeric, 2) AS rating,
       stale,
       reliability.sparkline(machine_id) AS "last 30 days"
FROM reliability.machine_reliability
WHERE score IS NOT NULL
ORDER BY score, machine_id
LIMIT 10;

-- One machine for the detailed view: the flaky machine closest to the fair/good border.
SELECT f.machine_id AS demo_machine, f.provider AS demo_provider, f.external_id AS demo_external_id
FROM demo_fleet AS f JOIN reliability.machine_reliability AS r USING (machine_id)
WHERE f.profile = 'flaky' AND r.score IS NOT NULL
ORDER BY abs(r.score - 75), f.machine_id
LIMIT 1 \gset

\echo
\echo '== 7. One machine in depth:' :demo_provider :demo_external_id
\echo '      its last 7 days through the reliability.availability aggregate (outages, MTTR, MTBF)'
\x on
SELECT round(a.online_seconds) AS online_seconds,
       round(a.offline_seconds) AS offline_seconds,
       round(a.unknown_seconds) AS unknown_seconds,
       round((100 * a.uptime)::numeric, 3) AS "uptime %",
       round((100 * a.coverage)::numeric, 3) AS "coverage %",
       a.outages,
       make_interval(secs => round(a.longest_outage_seconds)) AS longest_outage,
       make_interval(secs => round(a.mean_outage_seconds)) AS mttr,
       make_interval(secs => round(a.mean_online_seconds)) AS mtbf
FROM (SELECT (reliability.availability(observed_at, online, tstzrange(now() - interval '7 days', now()))).*
      FROM reliability.observations
      WHERE machine_id = :demo_machine) AS a;
\x off

\echo
\echo '      and the JSON an API returns for it: reliability.report(machine_id), its 30 days of'
\echo '      history (the key "history") shown as a table below it'
SELECT reliability.report(:demo_machine) AS report \gset demo_
\pset format unaligned
\pset tuples_only on
SELECT jsonb_pretty(jsonb_set(:'demo_report'::jsonb, '{history}', '"... (30 rows, below)"'));
\pset format aligned
\pset tuples_only off
SELECT h.day,
       round((100 * h.uptime)::numeric, 2) AS "uptime %",
       round((100 * h.coverage)::numeric, 2) AS "coverage %",
       round(h.online_seconds) AS online_seconds,
       round(h.offline_seconds) AS offline_seconds,
       h.interruptions
FROM jsonb_to_recordset(:'demo_report'::jsonb -> 'history')
     AS h(day date, online_seconds float8, offline_seconds float8, uptime float8, coverage float8, interruptions bigint)
ORDER BY h.day;

\echo
\echo '== 8. The score window moves with time even when no data arrives: schedule'
\echo '      reliability.refresh() (e.g. with pg_cron every 5 minutes). Running it now:'
SELECT reliability.refresh() AS machines_rescored;

\echo
\echo 'Done. The throwaway cluster is dropped now; see README.md for the queries an API runs.'
