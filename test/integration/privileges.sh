#!/usr/bin/env bash
# Privileges and search_path safety (SPEC §5, "A role with only USAGE on schema reliability
# and INSERT on observations can insert: the cache is maintained for it, and it cannot write
# scores itself").
#
# Runs inside a cluster (pg_virtualenv: PGHOST/PGPORT/PGUSER/PGDATABASE are set, PGUSER a
# superuser). In a fresh database:
#   - role monitor gets only USAGE on schema reliability and INSERT on
#     reliability.observations; with search_path = public, pg_catalog it inserts
#     observations (multi-row INSERT, COPY, a machine without a cached row yet): the cached
#     rows are exact afterwards;
#   - monitor cannot INSERT / UPDATE / DELETE / TRUNCATE reliability.scores, UPDATE
#     reliability.settings, or call reliability._update_cache / refresh / rebuild or
#     the internal helpers (SQLSTATE 42501);
#   - hostile functions, aggregates and operators in schema public (now(), count(*), unnest,
#     array_agg, max, min, sum, string_agg, exp, round, abs, date_part, isfinite,
#     char_length, tstzrange, cardinality, generate_series, and =, <>, <, <=, >, >=, +, -,
#     || on the types the extension compares) log every call; neither monitor's inserts nor a
#     superuser using the extension's functions with search_path = public, pg_catalog may call
#     any of them.
# The cache checks use lib.sh's cache_problems (exact rows, as_of = computed_at, a row for
# every machine with data), run as the superuser with the default search_path.
# Prints one line per check and "privileges: N passed, M failed"; exits 1 when any failed.
TEST=privileges DB=reliability_privileges
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

fresh_db "$DB" || { not_ok "cannot create database $DB"; finish; }
psql_admin -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS monitor" -c "CREATE ROLE monitor" ||
    { not_ok "cannot create role monitor"; finish; }

if ! q >/dev/null <<'SQL'; then not_ok "setup failed"; finish; fi
SET client_min_messages = warning;
CREATE EXTENSION reliability;
GRANT USAGE ON SCHEMA reliability TO monitor;
GRANT INSERT ON reliability.observations TO monitor;
UPDATE reliability.settings SET auto_blacklist_below = 99, min_history = interval '0 seconds';
SELECT reliability.machine('priv', 'm' || i) FROM generate_series(1, 3) AS i;
INSERT INTO reliability.observations SELECT 1, now() - k * interval '1 minute', k % 5 <> 0 FROM generate_series(1, 120) AS k;
INSERT INTO reliability.observations SELECT 2, now() - k * interval '1 minute', true FROM generate_series(1, 60) AS k;
INSERT INTO reliability.interruptions VALUES (1, now() - interval '30 minutes', 'i-1', 'test');
SELECT reliability.rate(1, 'alice', 4);
SQL

# --- hostile objects in schema public ------------------------------------------------------
# Each logs its call (with the PL/pgSQL call stack) and otherwise behaves like the real one,
# so a captured call is silent apart from the log. SECURITY DEFINER: the log is written
# whoever calls.
if ! q >/dev/null <<'SQL'; then not_ok "creating the hostile objects failed"; finish; fi
SET client_min_messages = warning;
CREATE TABLE public.captured (fn text, context text, at timestamptz DEFAULT pg_catalog.clock_timestamp());
CREATE FUNCTION public.log_capture(fn text) RETURNS void
LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
DECLARE ctx text;
BEGIN
    GET DIAGNOSTICS ctx = PG_CONTEXT;
    INSERT INTO public.captured (fn, context) VALUES (fn, ctx);
END $$;
GRANT EXECUTE ON FUNCTION public.log_capture(text) TO PUBLIC;

CREATE FUNCTION public.now() RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('now()'); RETURN pg_catalog.now(); END $$;
CREATE FUNCTION public.unnest(anyarray) RETURNS SETOF anyelement LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('unnest(anyarray)'); RETURN QUERY SELECT pg_catalog.unnest($1); END $$;
CREATE FUNCTION public.cardinality(anyarray) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('cardinality(anyarray)'); RETURN pg_catalog.cardinality($1); END $$;
CREATE FUNCTION public.exp(double precision) RETURNS double precision LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('exp(float8)'); RETURN pg_catalog.exp($1); END $$;
CREATE FUNCTION public.round(numeric, integer) RETURNS numeric LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('round(numeric, int)'); RETURN pg_catalog.round($1, $2); END $$;
CREATE FUNCTION public.abs(double precision) RETURNS double precision LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('abs(float8)'); RETURN pg_catalog.abs($1); END $$;
CREATE FUNCTION public.date_part(text, interval) RETURNS double precision LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('date_part(text, interval)'); RETURN pg_catalog.date_part($1, $2); END $$;
CREATE FUNCTION public.isfinite(timestamptz) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('isfinite(timestamptz)'); RETURN pg_catalog.isfinite($1); END $$;
CREATE FUNCTION public.char_length(text) RETURNS integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('char_length(text)'); RETURN pg_catalog.char_length($1); END $$;
CREATE FUNCTION public.tstzrange(timestamptz, timestamptz) RETURNS tstzrange LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('tstzrange(timestamptz, timestamptz)'); RETURN pg_catalog.tstzrange($1, $2); END $$;
CREATE FUNCTION public.generate_series(integer, integer) RETURNS SETOF integer LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('generate_series(int, int)'); RETURN QUERY SELECT pg_catalog.generate_series($1, $2); END $$;

-- aggregates
CREATE FUNCTION public.h_count_sfunc(bigint) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('count(*)'); RETURN $1 + 1; END $$;
CREATE AGGREGATE public.count(*) (SFUNC = public.h_count_sfunc, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION public.h_count_any_sfunc(bigint, anyelement) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('count(anyelement)'); RETURN $1 + CASE WHEN $2 IS NULL THEN 0 ELSE 1 END; END $$;
CREATE AGGREGATE public.count(anyelement) (SFUNC = public.h_count_any_sfunc, STYPE = bigint, INITCOND = '0');
CREATE FUNCTION public.h_array_agg_sfunc(anyarray, anynonarray) RETURNS anyarray LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('array_agg(anynonarray)'); RETURN pg_catalog.array_append($1, $2); END $$;
CREATE AGGREGATE public.array_agg(anynonarray) (SFUNC = public.h_array_agg_sfunc, STYPE = anyarray);
CREATE FUNCTION public.h_max_sfunc(timestamptz, timestamptz) RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('max(timestamptz)'); RETURN GREATEST($1, $2); END $$;
CREATE AGGREGATE public.max(timestamptz) (SFUNC = public.h_max_sfunc, STYPE = timestamptz);
CREATE FUNCTION public.h_min_sfunc(timestamptz, timestamptz) RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('min(timestamptz)'); RETURN LEAST($1, $2); END $$;
CREATE AGGREGATE public.min(timestamptz) (SFUNC = public.h_min_sfunc, STYPE = timestamptz);
CREATE FUNCTION public.h_sum_sfunc(bigint, integer) RETURNS bigint LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('sum(integer)'); RETURN COALESCE($1, 0) + $2; END $$;
CREATE AGGREGATE public.sum(integer) (SFUNC = public.h_sum_sfunc, STYPE = bigint);
CREATE FUNCTION public.h_string_agg_sfunc(text, text, text) RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('string_agg(text, text)'); RETURN CASE WHEN $1 IS NULL THEN $2 ELSE $1 || $3 || $2 END; END $$;
CREATE AGGREGATE public.string_agg(text, text) (SFUNC = public.h_string_agg_sfunc, STYPE = text);
CREATE FUNCTION public.h_jsonb_agg_sfunc(jsonb, jsonb) RETURNS jsonb LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('jsonb_agg(jsonb)'); RETURN COALESCE($1, '[]') || $2; END $$;
CREATE AGGREGATE public.jsonb_agg(jsonb) (SFUNC = public.h_jsonb_agg_sfunc, STYPE = jsonb);

-- operators
CREATE FUNCTION public.h_int8eq(bigint, bigint) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('= (bigint, bigint)'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = bigint, RIGHTARG = bigint, FUNCTION = public.h_int8eq);
CREATE FUNCTION public.h_texteq(text, text) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('= (text, text)'); RETURN $1 OPERATOR(pg_catalog.=) $2; END $$;
CREATE OPERATOR public.= (LEFTARG = text, RIGHTARG = text, FUNCTION = public.h_texteq);
CREATE FUNCTION public.h_textne(text, text) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('<> (text, text)'); RETURN $1 OPERATOR(pg_catalog.<>) $2; END $$;
CREATE OPERATOR public.<> (LEFTARG = text, RIGHTARG = text, FUNCTION = public.h_textne);
CREATE FUNCTION public.h_textcat(text, text) RETURNS text LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('|| (text, text)'); RETURN $1 OPERATOR(pg_catalog.||) $2; END $$;
CREATE OPERATOR public.|| (LEFTARG = text, RIGHTARG = text, FUNCTION = public.h_textcat);
CREATE FUNCTION public.h_boolne(boolean, boolean) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('<> (boolean, boolean)'); RETURN $1 OPERATOR(pg_catalog.<>) $2; END $$;
CREATE OPERATOR public.<> (LEFTARG = boolean, RIGHTARG = boolean, FUNCTION = public.h_boolne);
CREATE FUNCTION public.h_float8lt(double precision, double precision) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('< (float8, float8)'); RETURN $1 OPERATOR(pg_catalog.<) $2; END $$;
CREATE OPERATOR public.< (LEFTARG = double precision, RIGHTARG = double precision, FUNCTION = public.h_float8lt);
CREATE FUNCTION public.h_tstz_cmp(op text, a timestamptz, b timestamptz) RETURNS boolean LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS $$
BEGIN
    PERFORM public.log_capture(op || ' (timestamptz, timestamptz)');
    RETURN CASE op WHEN '<' THEN a < b WHEN '<=' THEN a <= b WHEN '>' THEN a > b WHEN '>=' THEN a >= b
                   WHEN '=' THEN a = b ELSE a <> b END;
END $$;
CREATE FUNCTION public.h_tstz_lt(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS $$ SELECT public.h_tstz_cmp('<', $1, $2) $$;
CREATE FUNCTION public.h_tstz_le(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS $$ SELECT public.h_tstz_cmp('<=', $1, $2) $$;
CREATE FUNCTION public.h_tstz_gt(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS $$ SELECT public.h_tstz_cmp('>', $1, $2) $$;
CREATE FUNCTION public.h_tstz_ge(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS $$ SELECT public.h_tstz_cmp('>=', $1, $2) $$;
CREATE FUNCTION public.h_tstz_eq(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS $$ SELECT public.h_tstz_cmp('=', $1, $2) $$;
CREATE FUNCTION public.h_tstz_ne(timestamptz, timestamptz) RETURNS boolean LANGUAGE sql AS $$ SELECT public.h_tstz_cmp('<>', $1, $2) $$;
CREATE OPERATOR public.<  (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.h_tstz_lt);
CREATE OPERATOR public.<= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.h_tstz_le);
CREATE OPERATOR public.>  (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.h_tstz_gt);
CREATE OPERATOR public.>= (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.h_tstz_ge);
CREATE OPERATOR public.=  (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.h_tstz_eq);
CREATE OPERATOR public.<> (LEFTARG = timestamptz, RIGHTARG = timestamptz, FUNCTION = public.h_tstz_ne);
CREATE FUNCTION public.h_tstz_pl(timestamptz, interval) RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('+ (timestamptz, interval)'); RETURN $1 OPERATOR(pg_catalog.+) $2; END $$;
CREATE OPERATOR public.+ (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = public.h_tstz_pl);
CREATE FUNCTION public.h_tstz_mi(timestamptz, interval) RETURNS timestamptz LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog AS
$$ BEGIN PERFORM public.log_capture('- (timestamptz, interval)'); RETURN $1 OPERATOR(pg_catalog.-) $2; END $$;
CREATE OPERATOR public.- (LEFTARG = timestamptz, RIGHTARG = interval, FUNCTION = public.h_tstz_mi);
SQL
n_hostile=$(q -c "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'public'::regnamespace AND p.proname NOT LIKE 'h\_%' AND p.proname <> 'log_capture'")
n_ops=$(q -c "SELECT count(*) FROM pg_operator o WHERE o.oprnamespace = 'public'::regnamespace")
echo "# $n_hostile hostile functions / aggregates and $n_ops hostile operators in schema public"

# The hostile objects work where they are meant to (otherwise this test proves nothing).
q -c "SET search_path = public, pg_catalog" -c "SELECT now() IS NOT NULL, count(*) >= 0, 1::bigint = 1::bigint FROM (VALUES (1)) v(x)" >/dev/null
if [ "$(q -c "SELECT pg_catalog.count(DISTINCT fn) FROM public.captured")" = 3 ]; then
    ok "the hostile objects capture unqualified calls under search_path = public, pg_catalog"
else
    not_ok "the hostile objects do not capture calls: $(q -c "SELECT string_agg(DISTINCT fn, ', ') FROM public.captured")"
fi
q -c "TRUNCATE public.captured"

# as_monitor SQL...: runs statements as monitor with search_path = public, pg_catalog;
# prints the SQLSTATE of the first error, or nothing
as_monitor() {
    local out
    out=$(psql -X -q -At -v ON_ERROR_STOP=1 -v VERBOSITY=sqlstate -d "$DB" \
          -c "SET ROLE monitor" -c "SET search_path = public, pg_catalog" "$@" 2>&1 >/dev/null)
    sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\).*/\1/p' <<<"$out" | head -1
    [ -z "$out" ] || echo "$out" >"$WORK_ERR"
}
WORK_ERR=$WORK/err
: >"$WORK_ERR"

# --- what monitor may do ------------------------------------------------------------------
before=$(q -c "SELECT computed_at FROM reliability.scores WHERE machine_id = 1")
state=$(as_monitor -c "INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES
        (1, pg_catalog.now() OPERATOR(pg_catalog.-) interval '10 seconds', true), (1, pg_catalog.now() OPERATOR(pg_catalog.-) interval '200 minutes', false),
        (2, pg_catalog.now() OPERATOR(pg_catalog.-) interval '5 seconds', false)")
if [ -z "$state" ]; then ok "monitor inserts observations (multi-row INSERT, two machines, one late row)"; else not_ok "monitor's INSERT failed: $state $(cat "$WORK_ERR")"; fi
state=$(as_monitor -c "INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES (3, pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 minute', true)")
if [ -z "$state" ]; then ok "monitor inserts the first observation of a machine"; else not_ok "monitor's first INSERT for machine 3 failed: $state $(cat "$WORK_ERR")"; fi
state=$(psql -X -q -v ON_ERROR_STOP=1 -v VERBOSITY=sqlstate -d "$DB" 2>&1 >/dev/null <<'SQL'
SET ROLE monitor;
SET search_path = public, pg_catalog;
COPY reliability.observations (machine_id, observed_at, online) FROM STDIN;
1	2000-01-01 00:00:00+00	t
2	2000-01-01 00:00:00+00	f
\.
SQL
)
if [ -z "$state" ]; then ok "monitor loads observations with COPY"; else not_ok "monitor's COPY failed: $state"; fi
state=$(as_monitor -c "INSERT INTO reliability.observations VALUES (424242, pg_catalog.now(), true)")
if [ "$state" = 23503 ]; then ok "monitor's observation for an unknown machine: 23503"; else not_ok "observation for an unknown machine: got '$state', want 23503"; fi

problems=$(cache_problems)
if [ -z "$problems" ]; then
    ok "the cache is exact after monitor's inserts ($(q -c "SELECT count(*) FROM reliability.scores") rows, machine 3's created)"
else
    not_ok "the cache is not exact after monitor's inserts:"; echo "$problems"
fi
after=$(q -c "SELECT computed_at FROM reliability.scores WHERE machine_id = 1")
if [ "$(q -c "SELECT '$after'::timestamptz > '$before'::timestamptz")" = t ]; then ok "machine 1's cached row was recomputed for monitor"; else not_ok "machine 1's cached row was not recomputed ($before -> $after)"; fi

# --- what monitor may not do --------------------------------------------------------------
expect_denied() {
    local what=$1 sql=$2 state
    state=$(as_monitor -c "$sql")
    if [ "$state" = 42501 ]; then ok "monitor cannot $what (42501)"; else not_ok "monitor $what: got '${state:-no error}', want 42501 ($(cat "$WORK_ERR" 2>/dev/null))"; fi
}
: >"$WORK_ERR"
expect_denied "INSERT INTO reliability.scores" "INSERT INTO reliability.scores (machine_id, tier, computed_at) VALUES (3, 'excellent', 'infinity')"
expect_denied "UPDATE reliability.scores" "UPDATE reliability.scores SET score = 100"
expect_denied "DELETE FROM reliability.scores" "DELETE FROM reliability.scores"
expect_denied "TRUNCATE reliability.scores" "TRUNCATE reliability.scores"
expect_denied "read reliability.scores" "SELECT * FROM reliability.scores"
expect_denied "UPDATE reliability.settings" "UPDATE reliability.settings SET score_window = interval '1 day'"
expect_denied "UPDATE reliability.observations" "UPDATE reliability.observations SET online = false"
expect_denied "DELETE FROM reliability.observations" "DELETE FROM reliability.observations"
expect_denied "INSERT INTO reliability.ratings" "INSERT INTO reliability.ratings (machine_id, user_id, stars) VALUES (1, 'm', 5)"
expect_denied "INSERT INTO reliability.blacklist" "INSERT INTO reliability.blacklist (machine_id, kind) VALUES (3, 'manual')"
expect_denied "call reliability._update_cache" "SELECT reliability._update_cache(ARRAY[1::bigint], pg_catalog.now(), true, true)"
expect_denied "call reliability.refresh()" "SELECT reliability.refresh()"
expect_denied "call reliability.refresh(as_of)" "SELECT reliability.refresh(pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 day')"
expect_denied "call reliability.rebuild()" "SELECT reliability.rebuild()"
expect_denied "call a trigger function" "SELECT reliability._data_changed()"
if [ "$(q -c "SELECT pg_catalog.count(*) FROM pg_proc WHERE proname = '_insert_ends' AND pronamespace = 'reliability'::regnamespace")" = 1 ]; then
    expect_denied "call reliability._insert_ends()" "SELECT reliability._insert_ends()"
fi
problems=$(cache_problems)
computed=$(q -c "SELECT count(*) FROM reliability.scores WHERE computed_at > pg_catalog.now() + interval '1 hour' OR score = 100")
if [ -z "$problems" ] && [ "$computed" = 0 ]; then ok "the refused statements left the cache untouched"; else not_ok "the cache changed: $problems $computed"; fi

captured=$(q -c "SELECT format('%s (%s calls) from: %s', fn, pg_catalog.count(*), replace(min(context), E'\n', ' <- ')) FROM public.captured GROUP BY fn ORDER BY fn")
if [ -z "$captured" ]; then
    ok "no hostile object in schema public was called during monitor's session"
else
    not_ok "hostile objects were called during monitor's session:"; echo "$captured"
fi

# --- a superuser with search_path = public, pg_catalog uses the extension ---------------------
# (Every name in these statements that is not the extension's is qualified, so any capture
# comes from the extension.)
q -c "TRUNCATE public.captured"
if out=$(psql -X -q -At -v ON_ERROR_STOP=1 -d "$DB" 2>&1 <<'SQL'
SET search_path = public, pg_catalog;
SELECT reliability.machine('priv', 'm1') OPERATOR(pg_catalog.=) 1::bigint;
SELECT reliability.machine('priv', 'new one');
SELECT (reliability.rate(1::bigint, 'bob', 2, 'meh', 1.5::float8, 'i-9')).stars;
SELECT (reliability.rate(1::bigint, 'bob', 3)).stars;
INSERT INTO reliability.observations VALUES (2, pg_catalog.now() OPERATOR(pg_catalog.-) interval '2 seconds', true);
INSERT INTO reliability.observations VALUES (1, pg_catalog.now() OPERATOR(pg_catalog.-) interval '3 seconds', true),
                                            (3, pg_catalog.now() OPERATOR(pg_catalog.-) interval '3 seconds', false)
    ON CONFLICT (machine_id, observed_at) DO UPDATE SET online = excluded.online;
UPDATE reliability.observations SET online = true WHERE machine_id OPERATOR(pg_catalog.=) 3::bigint;
DELETE FROM reliability.observations WHERE observed_at OPERATOR(pg_catalog.<) '2001-01-01'::timestamptz;
INSERT INTO reliability.interruptions VALUES (2, pg_catalog.now() OPERATOR(pg_catalog.-) interval '1 minute', 'i-2', 'oom');
UPDATE reliability.interruptions SET reason = 'gpu';
DELETE FROM reliability.interruptions WHERE instance_id OPERATOR(pg_catalog.=) 'i-1'::text;
DELETE FROM reliability.ratings WHERE user_id OPERATOR(pg_catalog.=) 'alice'::text;
SELECT reliability.refresh();
SELECT reliability.refresh(pg_catalog.now() OPERATOR(pg_catalog.+) interval '1 second');
SELECT reliability.rebuild();
UPDATE reliability.settings SET max_gap = interval '20 minutes', auto_blacklist_below = 98;
INSERT INTO reliability.settings DEFAULT VALUES;
UPDATE reliability.settings SET score_window = interval '30 days', max_gap = interval '15 minutes', weight_uptime = 0.4,
       weight_interruption = 0.4, weight_rating = 0.2, auto_blacklist_below = 99;
SELECT reliability.score(1::bigint) IS NOT NULL;
SELECT reliability.score(2::bigint, '2024-01-01 00:00:00+00'::timestamptz) IS NOT NULL;
SELECT reliability.compute_score(0.9::float8, 2::bigint, 3600::float8, 3::bigint, 12::bigint) IS NOT NULL;
SELECT reliability.tier(80::float8, 1e6::float8);
SELECT pg_catalog.count(*) FROM reliability.daily_uptime(1::bigint, 3, pg_catalog.now());
SELECT reliability.sparkline(1::bigint, 7) IS NOT NULL;
SELECT reliability.report(1::bigint) IS NOT NULL;
SELECT pg_catalog.count(*) FROM reliability.machine_reliability;
SELECT reliability.uptime(o.observed_at, o.online, pg_catalog.tstzrange('2000-01-01', 'infinity')) IS NOT NULL FROM reliability.observations o GROUP BY o.machine_id;
SELECT reliability.availability(o.observed_at, o.online, pg_catalog.tstzrange('2000-01-01', 'infinity'), interval '5 minutes') IS NOT NULL FROM reliability.observations o GROUP BY o.machine_id;
SELECT reliability.add_fixed('2024-01-01'::timestamptz, interval '1 month') IS NOT NULL, reliability.sub_fixed('2024-01-01'::timestamptz, interval '1 day') IS NOT NULL;
TRUNCATE reliability.ratings;
TRUNCATE reliability.interruptions;
DELETE FROM reliability.machines WHERE external_id OPERATOR(pg_catalog.=) 'new one'::text;
SQL
); then
    ok "a superuser with search_path = public, pg_catalog uses every part of the extension"
else
    not_ok "a superuser with search_path = public, pg_catalog: a statement failed:"; echo "$out" | grep -m3 -A2 ERROR
fi
captured=$(q -c "SELECT format('%s (%s calls) from: %s', fn, pg_catalog.count(*), replace(min(context), E'\n', ' <- ')) FROM public.captured GROUP BY fn ORDER BY fn")
if [ -z "$captured" ]; then
    ok "no hostile object in schema public was called by the extension"
else
    not_ok "hostile objects in schema public were called by the extension:"; echo "$captured"
fi
problems=$(cache_problems)
if [ -z "$problems" ]; then ok "the cache is exact after all that"; else not_ok "the cache is not exact:"; echo "$problems"; fi


# --- every SECURITY DEFINER function pins search_path ---------------------------------------
unpinned=$(q -c "SELECT p.oid::regprocedure FROM pg_proc p
                  WHERE p.pronamespace = 'reliability'::regnamespace AND p.prosecdef
                    AND NOT EXISTS (SELECT FROM pg_catalog.unnest(p.proconfig) c WHERE c LIKE 'search_path=%')")
ndefiner=$(q -c "SELECT count(*) FROM pg_proc p WHERE p.pronamespace = 'reliability'::regnamespace AND p.prosecdef")
if [ -z "$unpinned" ] && [ "$ndefiner" -gt 0 ]; then ok "all $ndefiner SECURITY DEFINER functions pin search_path"
else not_ok "SECURITY DEFINER functions without a pinned search_path: $unpinned"; fi

# --- roles like the README's (test/integration/roles.sh runs the README's own SQL): each can do its job and no more
psql_admin -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS instance_manager" -c "DROP ROLE IF EXISTS api" \
    -c "CREATE ROLE instance_manager" -c "CREATE ROLE api" >/dev/null || not_ok "creating the README roles failed"
q >/dev/null <<'SQL' || not_ok "granting the README's privileges failed"
GRANT USAGE ON SCHEMA reliability TO instance_manager;
GRANT INSERT ON reliability.interruptions TO instance_manager;
GRANT USAGE ON SCHEMA reliability TO api;
GRANT SELECT ON reliability.machine_reliability, reliability.machines, reliability.observations,
                reliability.interruptions, reliability.ratings, reliability.blacklist,
                reliability.settings, reliability.history, reliability.deploy_attempts TO api;
GRANT INSERT ON reliability.machines TO api;
GRANT USAGE ON SEQUENCE reliability.machines_machine_id_seq TO api;
GRANT INSERT, UPDATE ON reliability.ratings TO api;
SQL
as_role() { q -v VERBOSITY=sqlstate -c "SET search_path = public, pg_catalog" -c "SET ROLE $1" -c "$2" 2>&1; }
can() {
    local out
    if out=$(as_role "$1" "$2"); then ok "$1 can: $2"; else not_ok "$1 cannot: $2: $(echo "$out" | head -2)"; fi
}
cannot() {
    local out
    out=$(as_role "$1" "$2")
    if echo "$out" | grep -q 42501; then ok "$1 is refused (42501): $2"; else not_ok "$1 is not refused: $2: $(echo "$out" | head -2)"; fi
}
can instance_manager "INSERT INTO reliability.interruptions VALUES (2, now() - interval '5 minutes', 'i-2', 'oom')"
cannot instance_manager "INSERT INTO reliability.observations VALUES (2, now(), true)"
cannot instance_manager "UPDATE reliability.scores SET score = 100"
cannot instance_manager "INSERT INTO reliability.ratings (machine_id, user_id, stars) VALUES (2, 'im', 5)"
can api "SELECT machine_id, score, tier FROM reliability.machine_reliability WHERE NOT blacklisted AND score >= 0 ORDER BY score DESC LIMIT 50"
can api "SELECT reliability.machine('priv', 'from-api')"
can api "SELECT * FROM reliability.rate(2, 'bob', 5, 'fast')"
can api "SELECT * FROM reliability.rate(2, 'bob', 3, 'slower now')"
can api "SELECT reliability.score(2), reliability.sparkline(2, 7), reliability.report(2) IS NOT NULL"
can api "SELECT count(*) FROM reliability.daily_uptime(2, 7)"
cannot api "INSERT INTO reliability.observations VALUES (2, now(), true)"
cannot api "UPDATE reliability.scores SET score = 100"
cannot api "UPDATE reliability.settings SET max_gap = '5 minutes'"
cannot api "INSERT INTO reliability.blacklist (machine_id, kind) VALUES (2, 'manual')"
cannot api "DELETE FROM reliability.ratings"
cannot api "SELECT reliability.refresh()"
problems=$(cache_problems)
if [ -z "$problems" ]; then ok "the cache is exact after the README roles' writes"; else not_ok "the cache is not exact:"; echo "$problems"; fi

# the roles hold privileges in $DB: drop it first (kept, with the roles, when KEEP_DB=1)
drop_db "$DB"
psql_admin -c "SET client_min_messages = warning" \
    -c "DROP ROLE IF EXISTS monitor" -c "DROP ROLE IF EXISTS instance_manager" -c "DROP ROLE IF EXISTS api" >/dev/null 2>&1
finish
