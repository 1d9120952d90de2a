-- bench_scores: turns the raw timings of test/benchmarks/bench_scores.sh into the Markdown
-- results table and one line of interpretation per item. psql variables: out (the raw
-- output directory), runs, fleet, history, big, long_rows, pgb_seconds, pgb_rounds,
-- top50_idx / top50nl_idx (yes/no: the plan uses scores_score_idx), plain_agrees,
-- skipped (blacklisted machines the top-50 filter skipped), top50_hot (the most expensive
-- plan node), top50_planning (its planning time, ms), timeout_ms (statement_timeout of the top-50 runs).
\set ON_ERROR_STOP on
SET client_min_messages = warning;
CREATE TEMP TABLE t (key text, run int, ms float8);
CREATE TEMP TABLE pgb (kind text, round int, median_ms float8, tps float8, n bigint);
CREATE TEMP TABLE timeouts (key text, run int);
-- \copy takes no psql variables: load.sql (written by bench_scores.sh) holds the paths.
\set load_file :out '/load.sql'
\i :load_file
DELETE FROM pgb WHERE round = 0;  -- warm-up rounds

-- Adaptive precision: 0.123 ms, 12.3 ms, 123 ms, 12.3 s.
CREATE FUNCTION pg_temp.f(ms float8) RETURNS text LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN ms IS NULL THEN '—'
                WHEN abs(ms) >= 10000 THEN round((ms / 1000)::numeric, 1) || ' s'
                WHEN abs(ms) >= 100 THEN round(ms::numeric) || ' ms'
                WHEN abs(ms) >= 10 THEN round(ms::numeric, 1) || ' ms'
                ELSE round(ms::numeric, 3) || ' ms' END
$$;

CREATE TEMP VIEW stat AS
SELECT key, count(*) AS n, percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS med, min(ms) AS lo, max(ms) AS hi
  FROM t GROUP BY key
UNION ALL  -- per-run ratio of the poll insert with / without triggers (runs are paired)
SELECT 'poll_ratio', count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY a.ms / b.ms), min(a.ms / b.ms), max(a.ms / b.ms)
  FROM t a JOIN t b ON a.run = b.run AND a.key = 'poll_trigger' AND b.key = 'poll_plain'
UNION ALL  -- per-round median latencies of pgbench and their difference
SELECT 'pgb_' || kind, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY median_ms), min(median_ms), max(median_ms)
  FROM pgb GROUP BY kind
UNION ALL
SELECT 'pgb_added', count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY a.median_ms - b.median_ms),
       min(a.median_ms - b.median_ms), max(a.median_ms - b.median_ms)
  FROM pgb a JOIN pgb b ON a.round = b.round AND a.kind = 'trigger' AND b.kind = 'plain'
UNION ALL
SELECT 'pgb_tps_' || kind, count(*), percentile_cont(0.5) WITHIN GROUP (ORDER BY tps), min(tps), max(tps)
  FROM pgb GROUP BY kind;

CREATE TEMP TABLE s AS SELECT * FROM stat;

CREATE FUNCTION pg_temp.v(k text) RETURNS float8 LANGUAGE sql STABLE AS $$ SELECT med FROM s WHERE key = k $$;

CREATE TEMP TABLE rows (ord int, item text, what text, key text, unit text, target float8, target_text text, extra text);
INSERT INTO rows VALUES
 (10, '1', format('poll cycle: one INSERT of %s rows (one per machine, %s rows of history each), **with** score triggers', :fleet, :history), 'poll_trigger', 'ms', NULL, NULL, NULL),
 (11, '1', 'same INSERT into the trigger-less copy (the executor''s floor)', 'poll_plain', 'ms', NULL, NULL, NULL),
 (12, '1', 'ratio with / without triggers (per run)', 'poll_ratio', 'x', 4, '≤ 4×', NULL),
 (20, '2', format('one-row INSERT, pgbench -c 2 -j 2, median latency **with** triggers (%s rounds × %s s)', :pgb_rounds, :pgb_seconds), 'pgb_trigger', 'ms', NULL, NULL, NULL),
 (21, '2', 'same, into the trigger-less copy', 'pgb_plain', 'ms', NULL, NULL, NULL),
 (22, '2', 'added latency per insert (per round)', 'pgb_added', 'ms', 1, '≤ 1 ms', NULL),
 (30, '3', format('top 50 of %s machines: `machine_reliability WHERE NOT blacklisted AND score >= 70 ORDER BY score DESC NULLS LAST LIMIT 50`', :big), 'top50', 'ms', 5, '≤ 5 ms',
      CASE :'top50_idx' WHEN 'yes' THEN 'walks an index on score' ELSE '**does not walk an index on score**' END),
 (31, '3', 'the same query prepared once, then `EXECUTE`d: no planning per call, as an API with prepared statements runs it', 'top50_prepared', 'ms', 5, '≤ 5 ms', NULL),
 (32, '3', 'same with plain `ORDER BY score DESC` (NULLS FIRST: not the index''s order)', 'top50_nulls_last', 'ms', NULL, NULL,
      CASE :'top50nl_idx' WHEN 'yes' THEN 'walks an index on score' ELSE '**does not walk an index on score**' END),
 (33, '3', 'floor: the bare index scan `scores WHERE score >= 70 ORDER BY score DESC NULLS LAST LIMIT 50`', 'top50_floor', 'ms', NULL, NULL, NULL),
 (40, '4', format('`reliability.score(m)`, m with %s one-minute observations (30 days)', :long_rows), 'score_long', 'ms', 10, '≤ 10 ms', NULL),
 (41, '4', 'plain SQL: the same online/offline seconds with lead() (results agree: ' || :'plain_agrees' || ')', 'score_long_plain_sql', 'ms', NULL, NULL, NULL),
 (42, '4', 'floor: `count(*)` over the same index range', 'score_long_floor', 'ms', NULL, NULL, NULL),
 (50, '5', format('`reliability.refresh(now() + i × 5 min)`, %s machines (window slides 5 min)', :fleet), 'refresh', 'ms', NULL, NULL, NULL),
 (51, '5', format('`reliability.rebuild()`, %s machines, %s observations each (full recompute)', :fleet, :history), 'rebuild', 'ms', NULL, NULL, NULL),
 (52, '5', 'plain SQL: per-machine online/offline seconds of the fleet with lead()', 'fleet_plain_sql', 'ms', NULL, NULL, NULL),
 (53, '5', 'floor: `count(*)` of the fleet''s rows in the window', 'fleet_floor', 'ms', NULL, NULL, NULL),
 (60, 'setup', format('load %s history rows, triggers off (session_replication_role = replica)', (:fleet)::bigint * :history), 'load_history', 'ms', NULL, NULL, 'one run'),
 (61, 'setup', 'first `reliability.rebuild()` (cache built from empty)', 'rebuild_initial', 'ms', NULL, NULL, 'one run'),
 (62, 'setup', format('(3) one INSERT of %s rows for %s new machines, triggers on (no cache yet: full compute)', (:big - :fleet) * 8, :big - :fleet), 'ranking_insert_observations', 'ms', NULL, NULL, 'one run'),
 (63, 'setup', format('(3) one INSERT of %s ratings, triggers on', ((:big - :fleet) * 3 * 3) / 10), 'ranking_insert_ratings', 'ms', NULL, NULL, 'one run'),
 (64, 'setup', format('(4) one INSERT of %s rows for one machine, triggers on', :long_rows), 'long_insert', 'ms', NULL, NULL, 'one run');

\echo '| # | measurement | median | min | max | target | result |'
\echo '|---|---|---:|---:|---:|---|---|'
-- A run cancelled by statement_timeout counts as the timeout: shown as "≥".
SELECT format('| %s | %s | %s | %s | %s | %s | %s |', r.item, r.what,
              CASE WHEN c.n > 0 AND s.med >= :timeout_ms THEN '≥ ' ELSE '' END
              || CASE r.unit WHEN 'x' THEN round(s.med::numeric, 2) || '×' ELSE pg_temp.f(s.med) END,
              CASE WHEN s.n > 1 THEN CASE WHEN c.n > 0 AND s.lo >= :timeout_ms THEN '≥ ' ELSE '' END
                                     || CASE r.unit WHEN 'x' THEN round(s.lo::numeric, 2) || '×' ELSE pg_temp.f(s.lo) END ELSE '' END,
              CASE WHEN s.n > 1 THEN CASE WHEN c.n > 0 THEN '≥ ' ELSE '' END
                                     || CASE r.unit WHEN 'x' THEN round(s.hi::numeric, 2) || '×' ELSE pg_temp.f(s.hi) END ELSE '' END,
              COALESCE(r.target_text, ''),
              concat_ws('; ',
                        CASE WHEN r.target IS NULL THEN NULL WHEN s.med <= r.target THEN 'pass' ELSE '**FAIL**' END,
                        r.extra, CASE WHEN s.n > 1 THEN s.n || ' runs' END,
                        CASE WHEN c.n > 0 THEN format('%s of them cancelled by statement_timeout = %s', c.n, pg_temp.f(:timeout_ms)) END))
  FROM rows r LEFT JOIN s ON s.key = r.key
  LEFT JOIN (SELECT key, count(*) AS n FROM timeouts GROUP BY key) c ON c.key = r.key
 ORDER BY r.ord;

\echo ''
\echo 'Interpretation:'
\echo ''
SELECT format('- (1) The triggers make the %s-row poll INSERT %s× as slow as the trigger-less one (%s vs %s, i.e. %s per row of trigger work): %s.',
              :fleet, round(pg_temp.v('poll_ratio')::numeric, 2), pg_temp.f(pg_temp.v('poll_trigger')), pg_temp.f(pg_temp.v('poll_plain')),
              round(((pg_temp.v('poll_trigger') - pg_temp.v('poll_plain')) * 1000 / :fleet)::numeric, 1) || ' µs',
              CASE WHEN pg_temp.v('poll_ratio') <= 4 THEN 'within the 4× target'
                   ELSE 'over the 4× target; the breakdown below shows which inner statement costs what' END);
SELECT format('- (2) A single-row insert takes %s with the triggers and %s without: the triggers add %s per insert (%s; %s vs %s transactions/s with 2 clients).',
              pg_temp.f(pg_temp.v('pgb_trigger')), pg_temp.f(pg_temp.v('pgb_plain')), pg_temp.f(pg_temp.v('pgb_added')),
              CASE WHEN pg_temp.v('pgb_added') <= 1 THEN 'within the 1 ms target' ELSE 'over the 1 ms target; see the per-statement means below' END,
              round(pg_temp.v('pgb_tps_trigger')), round(pg_temp.v('pgb_tps_plain')));
SELECT format('- (3) The ranked list takes %s%s (%s; planning it alone takes %s ms, prepared it takes %s): the plan %s; its most expensive node is %s.%s %s blacklisted machines scored at least as high as the 50th result and were skipped.',
              CASE WHEN EXISTS (SELECT FROM timeouts WHERE key = 'top50') THEN '≥ ' ELSE '' END, pg_temp.f(pg_temp.v('top50')),
              CASE WHEN pg_temp.v('top50') <= 5 THEN 'within the 5 ms target' ELSE 'over the 5 ms target' END,
              COALESCE(NULLIF(:'top50_planning', ''), '?'), pg_temp.f(pg_temp.v('top50_prepared')),
              CASE WHEN :'top50_idx' = 'yes' THEN 'reads scores_score_idx from the top'
                   ELSE 'does not use scores_score_idx: it sorts every machine with score >= 70 instead' END,
              COALESCE(NULLIF(:'top50_hot', ''), 'none'),
              CASE WHEN :'top50_idx' = 'yes' THEN ''
                   ELSE format(' Written with plain `ORDER BY score DESC`, the same query %s the index and takes %s%s.',
                               CASE WHEN :'top50nl_idx' = 'yes' THEN 'uses' ELSE 'still does not use' END,
                               CASE WHEN EXISTS (SELECT FROM timeouts WHERE key = 'top50_nulls_last') THEN '≥ ' ELSE '' END,
                               pg_temp.f(pg_temp.v('top50_nulls_last'))) END,
              :'skipped');
SELECT format('- (4) `score()` over %s rows takes %s (%s): %s× the bare index count (%s) and %s× the plain-SQL lead() query (%s), which computes only the seconds.',
              :long_rows, pg_temp.f(pg_temp.v('score_long')),
              CASE WHEN pg_temp.v('score_long') <= 10 THEN 'within the 10 ms target' ELSE 'over the 10 ms target; see the plan below' END,
              round((pg_temp.v('score_long') / pg_temp.v('score_long_floor'))::numeric, 1), pg_temp.f(pg_temp.v('score_long_floor')),
              round((pg_temp.v('score_long') / pg_temp.v('score_long_plain_sql'))::numeric, 2), pg_temp.f(pg_temp.v('score_long_plain_sql')));
SELECT format('- (5) `refresh()` slides %s cached windows in %s (%s per machine) and `rebuild()` recomputes them from %s rows in %s (%s per machine); the plain-SQL lead() pass over the same rows takes %s and just counting them %s.',
              :fleet, pg_temp.f(pg_temp.v('refresh')), round((pg_temp.v('refresh') * 1000 / :fleet)::numeric, 1) || ' µs',
              (:fleet)::bigint * :history, pg_temp.f(pg_temp.v('rebuild')), round((pg_temp.v('rebuild') * 1000 / :fleet)::numeric, 1) || ' µs',
              pg_temp.f(pg_temp.v('fleet_plain_sql')), pg_temp.f(pg_temp.v('fleet_floor')));
