--
-- The cache engine's hints (reliability._head_bounds, 0.6.0): a machine younger than its
-- window has no observation in [computed_at - score_window - max_gap, unobserved_until), so
-- its slides skip reading the rows leaving the window. A hint may be missing (then the engine
-- reads), never wrong: after every kind of write, every hint holds, lies after its window's
-- start, and every cached row equals reliability.score(machine_id, computed_at).
--
-- As in cache.sql, data lives in 2100 and refresh() moves computed_at to fixed instants, so
-- the values printed do not depend on the clock. T0 = 2100-01-11 00:00 UTC; window 30 days,
-- max_gap 15 minutes (the defaults).
--
SET client_min_messages = warning;
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
CREATE SCHEMA hints_t;

CREATE FUNCTION hints_t.id(ext text) RETURNS bigint LANGUAGE sql STABLE
AS $$ SELECT machine_id FROM reliability.machines WHERE provider = 'hints' AND external_id = ext $$;

-- One line per check: the hints, those that do not hold, and the cached rows that differ
-- from score() in any field.
CREATE FUNCTION hints_t.check(label text)
RETURNS TABLE (step text, hints bigint, wrong_hints bigint, mismatches bigint)
LANGUAGE sql AS $$
    SELECT label,
           (SELECT count(*) FROM reliability._head_bounds),
           (SELECT count(*) FROM reliability._head_bounds h
              JOIN reliability.scores s USING (machine_id) CROSS JOIN reliability.settings st
             WHERE h.unobserved_until <= reliability.sub_fixed(s.computed_at, st.score_window)
                OR EXISTS (SELECT FROM reliability.observations o
                            WHERE o.machine_id = h.machine_id
                              AND o.observed_at >= reliability.sub_fixed(reliability.sub_fixed(s.computed_at, st.score_window), st.max_gap)
                              AND o.observed_at < h.unobserved_until)),
           (SELECT count(*) FROM reliability.scores s
             CROSS JOIN LATERAL reliability.score(s.machine_id, s.computed_at) f
             WHERE ROW(f.*) IS DISTINCT FROM
                   ROW(s.score, s.tier, s.uptime, s.uptime_component, s.interruption_component, s.rating_component,
                       s.online_seconds, s.offline_seconds, s.covered_seconds, s.coverage, s.interruptions,
                       s.rating_count, s.rating_mean, s.last_observed_at, s.as_of))
$$;

CREATE FUNCTION hints_t.hint(ext text) RETURNS timestamptz LANGUAGE sql STABLE
AS $$ SELECT unobserved_until FROM reliability._head_bounds WHERE machine_id = hints_t.id(ext) $$;

SELECT reliability.machine('hints', 'young') IS NOT NULL AS young,
       reliability.machine('hints', 'old') IS NOT NULL AS old;

-- young: every 5 minutes over the two hours before T0; old: every 12 hours over 40 days.
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT hints_t.id('young'), t, extract(minute FROM t)::int % 25 <> 0
  FROM generate_series(timestamptz '2100-01-10 22:00', '2100-01-10 23:55', '5 minutes') t;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT hints_t.id('old'), t, true
  FROM generate_series(timestamptz '2099-12-02 00:00', '2100-01-10 12:00', '12 hours') t;
SELECT reliability.refresh('2100-01-11') > 0 AS refreshed;
-- young's hint is its first row; old's window is full, so it has none
SELECT hints_t.hint('young') AS young_hint, hints_t.hint('old') AS old_hint;
SELECT * FROM hints_t.check('first rows');

-- Polls slide (young's old end is not read) and keep the hint.
INSERT INTO reliability.observations VALUES (hints_t.id('young'), '2100-01-11 00:00', true), (hints_t.id('old'), '2100-01-11 00:00', true);
SELECT reliability.refresh('2100-01-11 00:01') > 0 AS refreshed;
INSERT INTO reliability.observations VALUES (hints_t.id('young'), '2100-01-11 00:05', false);
SELECT reliability.refresh('2100-01-11 00:06') > 0 AS refreshed;
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('polls');

-- A late row inside the window, before the hint: the statement's slide lowers it.
INSERT INTO reliability.observations VALUES (hints_t.id('young'), '2100-01-10 20:00', true);
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('late row before the hint');

-- A late row long before the window: recomputed in full, the hint stays.
INSERT INTO reliability.observations VALUES (hints_t.id('young'), '2099-11-01 00:00', true);
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('late row before the window');

-- A row within max_gap before the window's start reaches into the window: no hint helps.
INSERT INTO reliability.observations VALUES (hints_t.id('young'), '2099-12-11 23:55', false);
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('row reaching into the window');
-- ... and deleting it gives it back.
DELETE FROM reliability.observations WHERE machine_id = hints_t.id('young') AND observed_at = '2099-12-11 23:55';
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('row deleted');

-- An UPDATE that moves the first row earlier.
UPDATE reliability.observations SET observed_at = '2100-01-10 19:00'
 WHERE machine_id = hints_t.id('young') AND observed_at = '2100-01-10 20:00';
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('row moved earlier');

-- A shorter window is full for young too (no hint); the default window again brings it back.
UPDATE reliability.settings SET score_window = '1 hour';
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('score_window 1 hour');
UPDATE reliability.settings SET score_window = '30 days';
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('score_window 30 days');

-- Interruptions and ratings change no hint.
INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES (hints_t.id('young'), '2100-01-10 23:00');
SELECT (reliability.rate(hints_t.id('young'), 'u1', 4)).stars;
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('interruption and rating');

-- Without observations there is none before computed_at.
TRUNCATE reliability.observations;
SELECT h.unobserved_until = s.computed_at AS hint_is_computed_at, count(*)
  FROM reliability._head_bounds h JOIN reliability.scores s USING (machine_id) GROUP BY 1;
SELECT * FROM hints_t.check('truncate');
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT hints_t.id('young'), t, true FROM generate_series(timestamptz '2100-01-10 23:00', '2100-01-10 23:55', '5 minutes') t;
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('rows after truncate');

-- A restored cached row (pg_restore writes scores after the data) replaces the computed one,
-- and with it the hint made for its window; rebuild() computes it again.
INSERT INTO reliability.scores SELECT * FROM reliability.scores WHERE machine_id = hints_t.id('young');
SELECT hints_t.hint('young') AS young_hint;
INSERT INTO reliability.observations VALUES (hints_t.id('young'), '2100-01-11 00:10', true);
SELECT reliability.refresh('2100-01-11 00:11') > 0 AS refreshed;
SELECT * FROM hints_t.check('restored row, then a slide without a hint');
SELECT reliability.rebuild('2100-01-11 00:11') > 0 AS rebuilt;
SELECT hints_t.hint('young') AS young_hint;
SELECT * FROM hints_t.check('rebuild');

-- A trigger of the user's on the cache still fires: the engine then writes with an SQL
-- UPDATE instead of in place.
CREATE TABLE hints_t.updates (machine_id bigint, score double precision);
CREATE FUNCTION hints_t.log_update() RETURNS trigger LANGUAGE plpgsql
AS $$ BEGIN INSERT INTO hints_t.updates VALUES (NEW.machine_id, NEW.score); RETURN NULL; END $$;
CREATE TRIGGER log_update AFTER UPDATE ON reliability.scores FOR EACH ROW EXECUTE FUNCTION hints_t.log_update();
INSERT INTO reliability.observations VALUES (hints_t.id('young'), '2100-01-11 00:15', false);
SELECT u.machine_id = hints_t.id('young') AS young, u.score = s.score AS new_score
  FROM hints_t.updates u JOIN reliability.scores s USING (machine_id);
SELECT * FROM hints_t.check('user trigger on scores');
DROP TRIGGER log_update ON reliability.scores;

-- The hint goes with its machine.
DELETE FROM reliability.machines WHERE machine_id = hints_t.id('young');
SELECT * FROM hints_t.check('machine deleted');

DROP SCHEMA hints_t CASCADE;
TRUNCATE reliability.machines CASCADE;
