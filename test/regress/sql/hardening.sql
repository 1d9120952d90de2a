--
-- Issue 9 (SPEC §4, §6, §7): lengths of at most 100 years, machine() after an explicit
-- machine_id, report() / daily_uptime() / sparkline() at the end of time, the ACLs of the
-- internal functions, and calls that no overload or operator planted in schema
-- reliability or public can capture. (The install-time attacks, which need a database and
-- roles of their own, are in test/integration/install_security.sh.)
--
SET client_min_messages = warning;  -- no NOTICEs listing what TRUNCATE ... CASCADE reaches
TRUNCATE reliability.machines CASCADE;
SET TimeZone = 'UTC';
\set VERBOSITY terse
CREATE SCHEMA hardening_t;

CREATE FUNCTION hardening_t.try(query text) RETURNS text LANGUAGE plpgsql
AS $$
DECLARE
    r text;
BEGIN
    IF query ~* '^\s*select\y' OR query ~* '\yreturning\y' THEN
        EXECUTE query INTO r;
        RETURN COALESCE(r, 'NULL');
    END IF;
    EXECUTE query;
    RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
    RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

------------------------------------------------------------------------------------------
-- Every length setting is at most 100 years = 3,155,760,000 s, as a fixed length (SPEC §4).
------------------------------------------------------------------------------------------
SELECT extract(epoch FROM interval '100 years') AS hundred_years_seconds;
-- Exactly 100 years, in any unit, is accepted.
SELECT c, v, hardening_t.try(format($q$UPDATE reliability.settings SET %I = %L RETURNING 'accepted'$q$, c, v))
  FROM unnest(ARRAY['score_window', 'max_gap', 'interruption_horizon', 'min_history', 'stale_after',
                    'auto_blacklist_for']) AS c,
       unnest(ARRAY['100 years', '1200 mons', '36525 days', '876600 hours', '3155760000 seconds']) AS v
 ORDER BY c, v;
-- One microsecond more, a day more, 10,000 years: 23514, naming the length's constraint.
SELECT c, v, hardening_t.try(format($q$UPDATE reliability.settings SET %I = %L$q$, c, v))
  FROM unnest(ARRAY['score_window', 'max_gap', 'interruption_horizon', 'min_history', 'stale_after',
                    'auto_blacklist_for']) AS c,
       unnest(ARRAY['100 years 00:00:00.000001', '36526 days', '10000 years']) AS v
 ORDER BY c, v;
-- INSERT into settings (as a restore does) is checked the same way.
SELECT hardening_t.try($$INSERT INTO reliability.settings (stale_after) VALUES ('101 years')$$);
SELECT score_window, max_gap, interruption_horizon, min_history, stale_after, auto_blacklist_for
  FROM reliability.settings;

-- With every length at 100 years, everything works for as_of in 1900 and in 9999.
SELECT reliability.machine('hardening', 'long') AS m \gset
INSERT INTO reliability.observations
SELECT :m, t, true
  FROM unnest(ARRAY['1900-01-01 00:00+00', '1900-01-02 12:00+00', '9999-12-30 00:00+00', '9999-12-31 12:00+00']::timestamptz[]) AS t;
INSERT INTO reliability.interruptions VALUES (:m, '1900-01-02 00:00+00'), (:m, '9999-12-31 00:00+00');
UPDATE reliability.settings SET score_window = '100 years', max_gap = '100 years', interruption_horizon = '100 years',
       min_history = '100 years', stale_after = '100 years', auto_blacklist_for = '100 years', auto_blacklist_below = 0;
SELECT a, hardening_t.try(format('SELECT (reliability.score(%s, %L)).tier', :m, a)) AS score,
       hardening_t.try(format($q$SELECT jsonb_array_length(reliability.report(%s, %L)->'history')$q$, :m, a)) AS report,
       hardening_t.try(format('SELECT count(*) FROM reliability.daily_uptime(%s, 3660, %L)', :m, a)) AS daily_uptime,
       hardening_t.try(format('SELECT reliability.sparkline(%s, 3, %L)', :m, a)) AS sparkline
  FROM unnest(ARRAY['1900-01-01 00:00:00+00', '1900-01-03 00:00:00+00', '9999-12-31 23:59:59.999999+00']) AS a;
SELECT hardening_t.try($$SELECT count(*) FROM reliability.machine_reliability$$) AS view_rows,
       hardening_t.try($$SELECT reliability.refresh()$$) AS refreshed,
       hardening_t.try($$SELECT reliability.rebuild()$$) AS rebuilt;
UPDATE reliability.settings SET score_window = DEFAULT, max_gap = DEFAULT, interruption_horizon = DEFAULT,
       min_history = DEFAULT, stale_after = DEFAULT, auto_blacklist_for = DEFAULT, auto_blacklist_below = DEFAULT;

------------------------------------------------------------------------------------------
-- report(), daily_uptime() and sparkline() at the end of time (as score() already was):
-- the last day's window ends at as_of.
------------------------------------------------------------------------------------------
INSERT INTO reliability.observations VALUES (:m, '294276-12-31 00:00:00+00', true), (:m, '294276-12-31 23:00:00+00', false);
SELECT * FROM reliability.daily_uptime(:m, 3, '294276-12-31 23:59:59+00');
SELECT reliability.sparkline(:m, 3, '294276-12-31 23:59:59+00');
SELECT r->'score'->>'tier' AS tier, r->'score'->>'as_of' AS as_of, jsonb_array_length(r->'history') AS days,
       r->'history'->29 AS last_day, r->'stale' AS stale
  FROM reliability.report(:m, '294276-12-31 23:59:59+00') r;
SELECT a, (SELECT count(*) FROM reliability.daily_uptime(:m, 30, a)) AS daily_uptime_rows,
       jsonb_array_length(reliability.report(:m, a)->'history') AS report_days,
       length(reliability.sparkline(:m, 30, a)) AS sparkline_length
  FROM unnest(ARRAY['9999-12-31 00:00:00+00', '9999-12-31 23:59:59.999999+00', '294276-12-31 00:00:00+00',
                    '294276-12-31 23:59:59.999999+00']::timestamptz[]) AS a;

------------------------------------------------------------------------------------------
-- machine() after a machine was inserted with an explicit machine_id (the identity is
-- GENERATED BY DEFAULT): the next machine() takes the next free id instead of failing
-- with 23505 on machines_pkey.
------------------------------------------------------------------------------------------
TRUNCATE reliability.machines CASCADE;
SELECT setval('reliability.machines_machine_id_seq', 100);
INSERT INTO reliability.machines (machine_id, provider, external_id)
SELECT i, 'explicit', 'e' || i FROM generate_series(101, 105) AS i;   -- the next five identity values
INSERT INTO reliability.machines (machine_id, provider, external_id) VALUES (107, 'explicit', 'e107');
SELECT reliability.machine('hardening', 'after-explicit') AS after_explicit,
       reliability.machine('hardening', 'next') AS next,
       reliability.machine('hardening', 'after-explicit') AS again;
SELECT machine_id, provider, external_id FROM reliability.machines WHERE machine_id > 105 ORDER BY machine_id;
-- A unique violation on anything but machines_pkey is an error, not an endless retry.
CREATE UNIQUE INDEX hardening_external_id ON reliability.machines (external_id);
SELECT hardening_t.try($$SELECT reliability.machine('other provider', 'next')$$);
DROP INDEX reliability.hardening_external_id;
SELECT count(*) AS machines FROM reliability.machines;

------------------------------------------------------------------------------------------
-- ACLs (SPEC §7): the internal functions that PUBLIC may execute are exactly the four that
-- functions running with the caller's rights need (each safe with any input); a plain role
-- with the README's grants still uses score(), report(), the aggregates (whose support
-- functions PUBLIC may not execute) and compute_score() / tier().
------------------------------------------------------------------------------------------
SELECT p.oid::regprocedure AS executable_by_public
  FROM pg_proc p
 WHERE p.pronamespace = 'reliability'::regnamespace AND p.proname LIKE '\_%'
   AND has_function_privilege('public', p.oid, 'EXECUTE')
 ORDER BY 1::text;
SELECT p.proname, p.prosecdef, p.proconfig
  FROM pg_proc p
 WHERE p.pronamespace = 'reliability'::regnamespace AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
   AND NOT ('search_path=pg_catalog, pg_temp' = ANY (coalesce(p.proconfig, '{}')))
 ORDER BY 1;   -- none: every PL/pgSQL function pins search_path
SELECT p.proname
  FROM pg_proc p
 WHERE p.pronamespace = 'reliability'::regnamespace AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'sql')
   AND p.prosqlbody IS NULL
 ORDER BY 1;   -- none: every SQL function is BEGIN ATOMIC (parsed at creation)

INSERT INTO reliability.observations SELECT 106, '2024-01-01'::timestamptz + k * interval '5 minutes', k % 7 <> 0
  FROM generate_series(0, 999) AS k;
SELECT (reliability.rate(106, 'u1', 4)).stars AS rated;
SELECT (reliability.score(106, '2024-01-04')).score AS score_superuser \gset
CREATE ROLE regress_reliability_hardening_plain;
GRANT USAGE ON SCHEMA hardening_t TO regress_reliability_hardening_plain;
GRANT USAGE ON SCHEMA reliability TO regress_reliability_hardening_plain;
GRANT SELECT ON reliability.machine_reliability, reliability.observations, reliability.ratings,
                reliability.blacklist, reliability.settings, reliability.history, reliability.deploy_attempts
             TO regress_reliability_hardening_plain;
GRANT SELECT (machine_id, provider, external_id) ON reliability.machines TO regress_reliability_hardening_plain;
GRANT SELECT (machine_id, occurred_at) ON reliability.interruptions TO regress_reliability_hardening_plain;
SET ROLE regress_reliability_hardening_plain;
SELECT hardening_t.try($$SELECT reliability._make_score(s, NULL, 0, 0, 0, NULL, '2024-01-01') FROM reliability.settings s$$) AS make_score;
SELECT has_function_privilege('reliability._uptime_trans(internal, timestamptz, boolean, tstzrange)', 'EXECUTE') AS uptime_trans,
       has_function_privilege('reliability._uptime_final(internal)', 'EXECUTE') AS uptime_final,
       has_function_privilege('reliability._availability_final(internal)', 'EXECUTE') AS availability_final;
SELECT hardening_t.try($$SELECT reliability._update_cache(ARRAY[106]::bigint[], now(), false, false)$$) AS update_cache;
SELECT (reliability.score(106, '2024-01-04')).score = :score_superuser AS score,
       (reliability.report(106, '2024-01-04')->'score'->>'score')::float8 = :score_superuser AS report,
       reliability.sparkline(106, 3, '2024-01-04') AS sparkline,
       reliability.compute_score(0.9, 1, 86400, 2, 9) AS compute_score, reliability.tier(80, 1e6) AS tier;
SELECT round(reliability.uptime(o.observed_at, o.online, tstzrange('2024-01-01', '2024-01-04'))::numeric, 6) AS uptime,
       (reliability.availability(o.observed_at, o.online, tstzrange('2024-01-01', '2024-01-04'), '10 min')).outages
  FROM reliability.observations o WHERE o.machine_id = 106;
RESET ROLE;
SELECT count(*) AS cached_rows_not_exact
  FROM reliability.scores s
 WHERE to_jsonb(s) - 'machine_id' - 'computed_at' IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at));
REVOKE ALL ON ALL TABLES IN SCHEMA reliability FROM regress_reliability_hardening_plain;
REVOKE ALL ON SCHEMA reliability FROM regress_reliability_hardening_plain;
REVOKE ALL ON SCHEMA hardening_t FROM regress_reliability_hardening_plain;
DROP ROLE regress_reliability_hardening_plain;

------------------------------------------------------------------------------------------
-- Overloads and operators planted in schema reliability and in schema public (by whoever
-- could create there) that a call with an untyped NULL, an unknown literal or a bare
-- operator would pick: none is ever called, whatever the search_path.
------------------------------------------------------------------------------------------
CREATE TABLE hardening_t.captured (what text, by_role text);
GRANT INSERT ON hardening_t.captured TO PUBLIC;
GRANT USAGE ON SCHEMA hardening_t TO PUBLIC;
CREATE FUNCTION hardening_t.capture(what text) RETURNS void LANGUAGE sql SECURITY DEFINER
    AS $$ INSERT INTO hardening_t.captured VALUES (what, session_user) $$;
GRANT EXECUTE ON FUNCTION hardening_t.capture(text) TO PUBLIC;
CREATE FUNCTION reliability._update_cache(machine_ids text, as_of timestamptz, in_full boolean, create_missing boolean)
RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN PERFORM hardening_t.capture('_update_cache(text, ...)'); RETURN 0; END $$;
CREATE FUNCTION reliability._update_cache(machine_ids anyarray, as_of timestamp, in_full boolean, create_missing boolean)
RETURNS bigint LANGUAGE plpgsql AS $$ BEGIN PERFORM hardening_t.capture('_update_cache(anyarray, timestamp, ...)'); RETURN 0; END $$;
CREATE FUNCTION reliability._auto_blacklist(machine_ids text) RETURNS void LANGUAGE plpgsql
    AS $$ BEGIN PERFORM hardening_t.capture('_auto_blacklist(text)'); END $$;
CREATE FUNCTION reliability._finite(ts timestamptz, what varchar) RETURNS timestamptz LANGUAGE plpgsql
    AS $$ BEGIN PERFORM hardening_t.capture('_finite(timestamptz, varchar)'); RETURN ts; END $$;
CREATE FUNCTION hardening_t.gt(double precision, integer) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM hardening_t.capture('>(float8, int4)'); RETURN $1 OPERATOR(pg_catalog.>) $2; END $$;
CREATE FUNCTION hardening_t.ge(double precision, integer) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM hardening_t.capture('>=(float8, int4)'); RETURN $1 OPERATOR(pg_catalog.>=) $2; END $$;
CREATE FUNCTION hardening_t.le(double precision, integer) RETURNS boolean LANGUAGE plpgsql
    AS $$ BEGIN PERFORM hardening_t.capture('<=(float8, int4)'); RETURN $1 OPERATOR(pg_catalog.<=) $2; END $$;
CREATE FUNCTION hardening_t.mul(double precision, integer) RETURNS double precision LANGUAGE plpgsql
    AS $$ BEGIN PERFORM hardening_t.capture('*(float8, int4)'); RETURN $1 OPERATOR(pg_catalog.*) $2; END $$;
CREATE OPERATOR reliability.> (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = hardening_t.gt);
CREATE OPERATOR reliability.>= (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = hardening_t.ge);
CREATE OPERATOR reliability.<= (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = hardening_t.le);
CREATE OPERATOR reliability.* (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = hardening_t.mul);
CREATE OPERATOR public.> (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = hardening_t.gt);
CREATE OPERATOR public.>= (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = hardening_t.ge);
CREATE OPERATOR public.<= (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = hardening_t.le);
CREATE OPERATOR public.* (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = hardening_t.mul);
SET search_path = reliability, public, pg_catalog;
INSERT INTO reliability.observations VALUES (106, '2024-01-04 00:00:30+00', true);
UPDATE reliability.observations SET online = NOT online WHERE machine_id = 106 AND observed_at = '2024-01-04 00:00:30+00';
DELETE FROM reliability.observations WHERE machine_id = 106 AND observed_at = '2024-01-04 00:00:30+00';
INSERT INTO reliability.interruptions VALUES (106, '2024-01-03 00:00+00');
SELECT (reliability.rate(106, 'u2', 2)).stars AS rated;
UPDATE reliability.settings SET weight_uptime = 0.5, weight_interruption = 0.3, auto_blacklist_below = 5;
INSERT INTO reliability.settings DEFAULT VALUES;
SELECT reliability.refresh('2024-01-05') >= 0 AS refreshed, reliability.rebuild() >= 0 AS rebuilt;
SELECT (reliability.score(106, '2024-01-04')).tier, reliability.report(106, '2024-01-04') IS NOT NULL AS report,
       reliability.sparkline(106, 3, '2024-01-04'), (SELECT count(*) FROM reliability.machine_reliability) AS listed;
RESET search_path;
SELECT count(*) AS planted_objects_called, string_agg(DISTINCT what, ', ') AS which FROM hardening_t.captured;
SELECT count(*) AS cached_rows_not_exact
  FROM reliability.scores s
 WHERE to_jsonb(s) - 'machine_id' - 'computed_at' IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at));

-- Clean up: the planted objects, the data, default settings.
DROP FUNCTION reliability._update_cache(text, timestamptz, boolean, boolean);
DROP FUNCTION reliability._update_cache(anyarray, timestamp, boolean, boolean);
DROP FUNCTION reliability._auto_blacklist(text);
DROP FUNCTION reliability._finite(timestamptz, varchar);
DROP OPERATOR reliability.> (double precision, integer);
DROP OPERATOR reliability.>= (double precision, integer);
DROP OPERATOR reliability.<= (double precision, integer);
DROP OPERATOR reliability.* (double precision, integer);
DROP OPERATOR public.> (double precision, integer);
DROP OPERATOR public.>= (double precision, integer);
DROP OPERATOR public.<= (double precision, integer);
DROP OPERATOR public.* (double precision, integer);
UPDATE reliability.settings SET weight_uptime = DEFAULT, weight_interruption = DEFAULT;
TRUNCATE reliability.machines CASCADE;
DROP SCHEMA hardening_t CASCADE;
