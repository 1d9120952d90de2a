-- Issue 11's client fixes: the ranked list (order, filters, unscored last, bad input), the
-- cheap stale flag (same answer as the definition), ratings.updated_at and rate()'s
-- inserted-or-updated, a rating of an unknown machine, one rule for a NULL as_of.
SET client_min_messages = warning;
INSERT INTO reliability.machines (machine_id, provider, external_id)
SELECT 8000 + g, 'fixes', 'f' || g FROM generate_series(1, 8) g;
-- 8001..8005 observed (online share falls with the id), 8006 observed long ago (stale),
-- 8007 rated only (a cached row without a score), 8008 nothing at all (no cached row).
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m, now() - interval '10 minutes' * k, k % 10 >= m - 8001
  FROM generate_series(8001, 8005) m, generate_series(1, 200) k;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT 8006, now() - interval '2 days' - interval '10 minutes' * k, true FROM generate_series(1, 200) k;
SELECT (reliability.rate(8007, 'u', 5)).stars;
INSERT INTO reliability.blacklist (machine_id, kind, reason) VALUES (8003, 'manual', 'hidden');

-- Scored machines best first (8003 blacklisted), then the unscored ones newest first.
SELECT machine_id, round(score::numeric, 2) AS score, tier, stale FROM reliability.ranked() WHERE machine_id > 8000;
-- The same order as the plain query over the view, whatever the threshold and limit.
SELECT t, n, ARRAY(SELECT machine_id FROM reliability.ranked(t, NULL, true, n) WHERE machine_id > 8000)
       = ARRAY(SELECT machine_id FROM reliability.machine_reliability
                WHERE machine_id > 8000 AND NOT blacklisted AND (t IS NULL OR score >= t OR score IS NULL)
                ORDER BY score DESC NULLS LAST, CASE WHEN score IS NULL THEN -machine_id ELSE machine_id END
                LIMIT n) AS same_as_plain
  FROM (VALUES (NULL::float8, 50), (0, 3), (80, 50), (99.9, 1), (101, 50), (0, 0)) v(t, n);
SELECT machine_id FROM reliability.ranked(NULL, '{new}') WHERE machine_id > 8000;
SELECT machine_id FROM reliability.ranked(NULL, NULL, false) WHERE machine_id > 8000;
\set VERBOSITY terse
SELECT * FROM reliability.ranked(NULL, NULL, true, -1);
SELECT * FROM reliability.ranked(NULL, NULL, true, 10001);
SELECT * FROM reliability.ranked(NULL, NULL, NULL);
SELECT * FROM reliability.ranked('NaN');
\set VERBOSITY default

-- The stale flag equals its definition for every machine: no observation in
-- [now() - stale_after, now()] (the cheap path and the probe agree).
SELECT count(*) FILTER (WHERE r.stale IS DISTINCT FROM NOT EXISTS (
           SELECT FROM reliability.observations o WHERE o.machine_id = r.machine_id
              AND o.observed_at >= now() - st.stale_after AND o.observed_at <= now())) AS wrong_stale,
       count(*) FILTER (WHERE r.stale) AS stale_machines
  FROM reliability.machine_reliability r, reliability.settings st WHERE r.machine_id > 8000;
-- An observation stamped after now() (a clock ahead) does not make a machine fresh.
INSERT INTO reliability.observations VALUES (8006, now() + interval '1 hour', true);
SELECT stale FROM reliability.machine_reliability WHERE machine_id = 8006;

-- rate(): created_at = updated_at when it inserted, updated_at after created_at when it
-- updated, also in the transaction that inserted.
SELECT r.created_at = r.updated_at AS inserted FROM reliability.rate(8001, 'alice', 4) r;
SELECT r.created_at = r.updated_at AS inserted, r.stars FROM reliability.rate(8001, 'alice', 2) r;
BEGIN;
SELECT r.created_at = r.updated_at AS inserted FROM reliability.rate(8002, 'bob', 4) r;
SELECT r.created_at = r.updated_at AS inserted, r.updated_at > r.created_at AS later FROM reliability.rate(8002, 'bob', 5) r;
COMMIT;
-- Any UPDATE moves updated_at; one that sets it keeps what it set.
UPDATE reliability.ratings SET updated_at = created_at WHERE machine_id = 8001;
UPDATE reliability.ratings SET comment = 'fixed' WHERE machine_id = 8001;
SELECT updated_at > created_at AS moved FROM reliability.ratings WHERE machine_id = 8001;
UPDATE reliability.ratings SET comment = 'set', updated_at = '2026-01-01' WHERE machine_id = 8001;
SELECT updated_at FROM reliability.ratings WHERE machine_id = 8001;

-- A rating of a machine that does not exist: 23503 naming the machine, nothing written.
\set VERBOSITY verbose
SELECT reliability.rate(8999, 'alice', 5);
\set VERBOSITY default
INSERT INTO reliability.ratings (machine_id, user_id, stars) VALUES (8999, 'x', 3);
SELECT count(*) AS written FROM reliability.ratings WHERE machine_id = 8999;

-- A NULL as_of is 22004 everywhere; a NULL machine gives NULL (or no rows).
\set VERBOSITY terse
SELECT reliability.score(8001, NULL);
SELECT reliability.report(8001, NULL);
SELECT * FROM reliability.daily_uptime(8001, 3, NULL);
SELECT reliability.sparkline(8001, 3, NULL);
SELECT reliability.refresh(NULL);
\set VERBOSITY default
SELECT reliability.score(NULL) IS NULL AS score, reliability.report(NULL) IS NULL AS report,
       reliability.sparkline(NULL) IS NULL AS sparkline, (SELECT count(*) FROM reliability.daily_uptime(NULL)) AS days;

DELETE FROM reliability.machines WHERE provider = 'fixes';
