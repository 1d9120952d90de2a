#!/usr/bin/env bash
# Installing or using reliability never runs a less privileged role's code with the rights
# of the installing superuser or of the extension's SECURITY DEFINER functions (SPEC §7,
# issue 9). The attacker is a role that is not a superuser but owns the database (as on
# managed services), logged in with a password; its planted code records who ran it
# (current_user, session_user) in a table of its own and tries ALTER ROLE ... SUPERUSER
# (errors swallowed), then behaves like the real thing so that nothing looks wrong.
#
#   A. the attacker creates schema reliability before CREATE EXTENSION and plants in it the
#      exact-typed operators that 0.1.0's CHECK constraints and SQL bodies resolved through
#      search_path (>, >=, <=, <, +, -, * on double precision and integer / bigint /
#      numeric) and the overload _apply(text, ...) that 0.1.0's triggers picked for their
#      untyped NULL; a superuser then runs CREATE EXTENSION: it must refuse the schema
#      (42P06, with a clear message), leave nothing behind and run none of the attacker's
#      code. Also refused: a superuser's schema in which the attacker may create or has
#      created objects. Accepted: an empty superuser schema (what a pg_dump restore
#      creates before its CREATE EXTENSION), and a pg_dump | pg_restore round trip works;
#   B. the extension installed normally: what the database owner can and cannot do to
#      schema reliability; it plants the same objects in schema public and makes
#      "public, reliability, pg_catalog" the database's search_path, then writes through
#      the triggers, and a superuser uses every part of the extension: nothing of the
#      attacker's runs;
#   C. the same after a superuser carelessly lets the attacker create objects in schema
#      reliability (GRANT CREATE): the planted overloads and operators sit next to the
#      extension's own; nothing of the attacker's runs;
#   D. (when 0.1.0 is installed) ALTER EXTENSION reliability UPDATE from a normal 0.1.0
#      install in that hostile database (objects in public and in reliability): the update
#      script runs none of them, and the extension still runs none afterwards.
#   Control: A and C against version 0.1.0 (still installable) must show the escalation:
#   it proves the checks can see one. The version under test is default_version, or
#   INSTALL_SECURITY_VERSION (e.g. =0.1.0 to watch the checks fail on the shipped version).
#
#   bash scripts/in-cluster.sh ./test/integration/install_security.sh
#   INSTALL_SECURITY_VERSION=0.1.0 bash scripts/in-cluster.sh ./test/integration/install_security.sh   # fails
TEST=install_security DB=reliability_install_security
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

ATTACKER=reliability_attacker
ATTACKER_PASSWORD=attacker-$RANDOM$RANDOM
OLD=0.1.0
DBS=()

available=$(psql_admin -At -c "SELECT string_agg(version, ' ' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'reliability'")
default_version=$(psql_admin -At -c "SELECT default_version FROM pg_available_extensions WHERE name = 'reliability'")
VERSION=${INSTALL_SECURITY_VERSION:-$default_version}
grep -qw -- "$VERSION" <<<"$available" || { not_ok "version $VERSION of reliability is not installed (installed: $available)"; finish; }
have_old=0
grep -qw -- "$OLD" <<<"$available" && have_old=1
echo "# version under test: $VERSION (installed: $available)"

cleanup_all() {
    local d
    for d in "${DBS[@]}"; do drop_db "$d"; done
    [ "${KEEP_DB:-0}" = 1 ] || psql_admin -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $ATTACKER" >/dev/null 2>&1
    cleanup_work
}
trap cleanup_all EXIT

psql_admin -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $ATTACKER" \
    -c "CREATE ROLE $ATTACKER LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD '$ATTACKER_PASSWORD'" >/dev/null ||
    { not_ok "cannot create role $ATTACKER"; finish; }

# new_db NAME: a fresh database owned by the attacker (it can create schemas in it and owns
# schema public, as PostgreSQL 15 gives public to pg_database_owner).
new_db() {
    DBS+=("$1")
    psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1 OWNER $ATTACKER" >/dev/null
}
# su DB SQL...: as the superuser (stdin or -c), with the search_path the database gives it.
su() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
# atk DB SQL...: logged in as the attacker.
atk() {
    local db=$1; shift
    PGPASSWORD=$ATTACKER_PASSWORD psql -X -q -At -v ON_ERROR_STOP=1 -h "${PGHOST:-localhost}" -U "$ATTACKER" -d "$db" "$@"
}
# What the attacker's code recorded (superuser, with a pinned search_path).
captured() {
    PGOPTIONS="-c search_path=pg_catalog" su "$1" -c "SELECT string_agg(format('%s as %s (session %s)', what, by_user, by_session), '; ' ORDER BY at)
                                                      FROM public.captured" 2>/dev/null
}
attacker_is_superuser() { psql_admin -At -c "SELECT rolsuper FROM pg_roles WHERE rolname = '$ATTACKER'"; }
reset_attacker() {
    psql_admin -c "ALTER ROLE $ATTACKER NOSUPERUSER" >/dev/null
    [ -n "${1:-}" ] && PGOPTIONS="-c search_path=pg_catalog" su "$1" -c "TRUNCATE public.captured" >/dev/null 2>&1
    return 0
}
# escalation DB: empty when no code of the attacker ran (and it is no superuser), else
# what happened.
escalation() {
    local c s
    c=$(captured "$1")
    s=$(attacker_is_superuser)
    [ -n "$c" ] && printf "the attacker's code ran: %s" "$c"
    [ -n "$c" ] && [ "$s" = t ] && printf '; '
    [ "$s" = t ] && printf '%s became a superuser' "$ATTACKER"
    return 0
}

# The attacker's log and its escalation attempt (run as the attacker, in schema public).
LOG_SQL=$(cat <<SQL
CREATE TABLE public.captured (what text, by_user text, by_session text, at timestamptz DEFAULT pg_catalog.clock_timestamp());
GRANT SELECT, INSERT, TRUNCATE ON public.captured TO PUBLIC;
CREATE FUNCTION public.note(what text) RETURNS void LANGUAGE plpgsql AS \$\$
BEGIN
    INSERT INTO public.captured (what, by_user, by_session)
    VALUES (what, current_user::text, session_user::text);
    BEGIN
        EXECUTE 'ALTER ROLE $ATTACKER SUPERUSER';
    EXCEPTION WHEN OTHERS THEN
        NULL;
    END;
END
\$\$;
SQL
)
# plant_sql SCHEMA: operators with exactly the argument types that bare operators of the
# extension's SQL would be looked up with (pg_catalog has none of them, so a planted one is
# the exact match), and overloads that an untyped NULL or an unknown literal would pick.
plant_sql() {
    local s=$1 op name l r ret ty
    for op in '>:gt' '>=:ge' '<=:le' '<:lt' '=:eq' '<>:ne'; do
        name=${op#*:}; op=${op%%:*}
        for ty in integer bigint numeric; do
            cat <<SQL
CREATE FUNCTION $s.h_${name}_${ty}(l double precision, r $ty) RETURNS boolean LANGUAGE plpgsql AS \$\$
BEGIN PERFORM public.note('$s.$op(double precision, $ty)'); RETURN l OPERATOR(pg_catalog.$op) r::pg_catalog.float8; END \$\$;
CREATE OPERATOR $s.$op (LEFTARG = double precision, RIGHTARG = $ty, FUNCTION = $s.h_${name}_${ty});
SQL
        done
    done
    for op in '+:plus' '-:minus' '*:times'; do
        name=${op#*:}; op=${op%%:*}
        cat <<SQL
CREATE FUNCTION $s.h_${name}(l double precision, r integer) RETURNS double precision LANGUAGE plpgsql AS \$\$
BEGIN PERFORM public.note('$s.$op(double precision, integer)'); RETURN l OPERATOR(pg_catalog.$op) r::pg_catalog.float8; END \$\$;
CREATE OPERATOR $s.$op (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = $s.h_${name});
SQL
    done
    cat <<SQL
CREATE FUNCTION $s._apply(machine_ids text, fresh_machine bigint[], fresh_at timestamptz[], as_of timestamptz,
                          in_full boolean, ratings_changed boolean, create_missing boolean, full_ids bigint[] DEFAULT NULL)
RETURNS bigint LANGUAGE plpgsql AS \$\$ BEGIN PERFORM public.note('$s._apply(text, ...)'); RETURN 0; END \$\$;
CREATE FUNCTION $s._apply(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[], as_of timestamptz,
                          in_full boolean, ratings_changed boolean, create_missing boolean)
RETURNS bigint LANGUAGE plpgsql AS \$\$ BEGIN PERFORM public.note('$s._apply(7 arguments)'); RETURN 0; END \$\$;
CREATE FUNCTION $s._update_cache(machine_ids text, as_of timestamptz, in_full boolean, create_missing boolean)
RETURNS bigint LANGUAGE plpgsql AS \$\$ BEGIN PERFORM public.note('$s._update_cache(text, ...)'); RETURN 0; END \$\$;
CREATE FUNCTION $s._auto_blacklist(machine_ids text) RETURNS void LANGUAGE plpgsql
AS \$\$ BEGIN PERFORM public.note('$s._auto_blacklist(text)'); END \$\$;
CREATE FUNCTION $s._finite(ts timestamptz, what varchar) RETURNS timestamptz LANGUAGE plpgsql
AS \$\$ BEGIN PERFORM public.note('$s._finite(timestamptz, varchar)'); RETURN ts; END \$\$;
CREATE FUNCTION $s.now() RETURNS timestamptz LANGUAGE plpgsql
AS \$\$ BEGIN PERFORM public.note('$s.now()'); RETURN pg_catalog.now(); END \$\$;
CREATE FUNCTION $s.date_part(text, interval) RETURNS double precision LANGUAGE plpgsql
AS \$\$ BEGIN PERFORM public.note('$s.date_part(text, interval)'); RETURN pg_catalog.date_part(\$1, \$2); END \$\$;
CREATE FUNCTION $s.isfinite(timestamptz) RETURNS boolean LANGUAGE plpgsql
AS \$\$ BEGIN PERFORM public.note('$s.isfinite(timestamptz)'); RETURN pg_catalog.isfinite(\$1); END \$\$;
SQL
}

# install DB VERSION: CREATE EXTENSION as the superuser; stderr in $WORK/install.err.
install() {
    su "$1" -v VERBOSITY=verbose -c "CREATE EXTENSION reliability VERSION '$2'" >/dev/null 2>"$WORK/install.err"
}

# The attacker's own writes (as the README's monitor and instance manager may) and a
# superuser using every part of the extension. The statements contain no operator or
# function call of their own that a planted object could catch.
grant_writer() {
    su "$1" >/dev/null <<SQL
GRANT USAGE ON SCHEMA reliability TO $ATTACKER;
GRANT SELECT (machine_id, provider, external_id), INSERT (provider, external_id) ON reliability.machines TO $ATTACKER;
GRANT INSERT ON reliability.observations, reliability.interruptions TO $ATTACKER;
GRANT SELECT, INSERT, UPDATE ON reliability.ratings TO $ATTACKER;
SQL
}
ATTACKER_WRITES=$(cat <<'SQL'
SELECT reliability.machine('sec'::text, 'a1'::text), reliability.machine('sec'::text, 'a2'::text);
INSERT INTO reliability.observations VALUES (1, '2024-01-01 01:00:00+00', true), (1, '2024-01-01 01:05:00+00', false),
                                            (2, '2024-01-01 01:00:00+00', true);
INSERT INTO reliability.interruptions VALUES (1, '2024-01-01 01:03:00+00', 'i-1', 'oom');
SELECT (reliability.rate(1::bigint, 'attacker'::text, 5)).stars;
SQL
)
SUPERUSER_WORKLOAD=$(cat <<'SQL'
SELECT reliability.machine('sec'::text, 'm1'::text), reliability.machine('sec'::text, 'm2'::text);
INSERT INTO reliability.observations VALUES (1, '2024-01-01 00:10:00+00', true), (2, '2024-01-01 00:10:00+00', true);
UPDATE reliability.observations SET online = true WHERE machine_id = 1::bigint AND observed_at = '2024-01-01 01:05:00+00'::timestamptz;
DELETE FROM reliability.observations WHERE machine_id = 2::bigint AND observed_at = '2024-01-01 00:10:00+00'::timestamptz;
INSERT INTO reliability.interruptions VALUES (2, '2024-01-01 00:04:00+00', 'i-2', 'gpu');
UPDATE reliability.interruptions SET reason = 'xid' WHERE instance_id = 'i-2'::text;
SELECT (reliability.rate(2::bigint, 'root'::text, 3)).stars;
DELETE FROM reliability.ratings WHERE user_id = 'root'::text;
UPDATE reliability.settings SET weight_uptime = 0.5, weight_interruption = 0.3, auto_blacklist_below = 99, min_history = '0';
INSERT INTO reliability.settings DEFAULT VALUES;
UPDATE reliability.settings SET score_window = '100 years', stale_after = '100 years';
SELECT reliability.refresh('2024-01-02 00:00:00+00'::timestamptz), reliability.rebuild('2024-01-02 00:00:00+00'::timestamptz);
SELECT reliability.score(1::bigint, '2024-01-02 00:00:00+00'::timestamptz) IS NULL;
SELECT reliability.report(1::bigint, '2024-01-02 00:00:00+00'::timestamptz) IS NULL;
SELECT reliability.sparkline(1::bigint, 7, '2024-01-02 00:00:00+00'::timestamptz);
SELECT * FROM reliability.daily_uptime(1::bigint, 3, '2024-01-02 00:00:00+00'::timestamptz);
SELECT * FROM reliability.machine_reliability;
SELECT reliability.uptime(o.observed_at, o.online, '[2024-01-01,2024-01-02)'::tstzrange)
  FROM reliability.observations o GROUP BY o.machine_id;
SELECT reliability.availability(o.observed_at, o.online, '[2024-01-01,2024-01-02)'::tstzrange, '10 minutes'::interval)
  FROM reliability.observations o GROUP BY o.machine_id;
SELECT reliability.compute_score(0.9::float8, 1::bigint, 86400::float8, 2::bigint, 9::bigint),
       reliability.tier(80::float8, 1e6::float8);
SELECT reliability.add_fixed('2024-01-01'::timestamptz, '1 day'::interval), reliability.sub_fixed('2024-01-01'::timestamptz, '1 day'::interval);
TRUNCATE reliability.interruptions;
UPDATE reliability.settings SET weight_uptime = 0.4, weight_interruption = 0.4, auto_blacklist_below = NULL,
       min_history = '7 days', score_window = '30 days', stale_after = '24 hours';
SQL
)
# use_extension DB LABEL [JUDGE]: the attacker's writes, then the superuser's workload;
# not_ok when a statement fails (a note only when JUDGE is 0: the control runs on 0.1.0,
# whose failures, e.g. an ambiguous call of an overloaded _apply, are expected).
use_extension() {
    local out judge=${3:-1}
    if out=$(atk "$1" <<<"$ATTACKER_WRITES" 2>&1); then ok "$2: the attacker writes through the triggers"
    elif [ "$judge" = 1 ]; then not_ok "$2: the attacker's writes failed: $(grep -m2 ERROR <<<"$out")"
    else note "$2: the attacker's writes failed: $(grep -m1 ERROR <<<"$out")"; fi
    if out=$(su "$1" <<<"$SUPERUSER_WORKLOAD" 2>&1); then ok "$2: a superuser uses every part of the extension"
    elif [ "$judge" = 1 ]; then not_ok "$2: the superuser's workload failed: $(grep -m2 ERROR <<<"$out")"
    else note "$2: the superuser's workload failed: $(grep -m1 ERROR <<<"$out")"; fi
}

# === A. schema reliability created by the attacker before CREATE EXTENSION =================
# attack_precreated DB VERSION: the attacker prepares the schema, a superuser installs
# VERSION; then, if that worked, an insert by someone else. Sets A_INSTALLED, A_ERR,
# A_AT_INSTALL (escalation during CREATE EXTENSION) and A_AT_INSERT (after an insert).
attack_precreated() {
    local db=$1 v=$2
    A_INSTALLED=0 A_ERR= A_AT_INSTALL= A_AT_INSERT=
    new_db "$db" || { not_ok "cannot create database $db"; return 1; }
    reset_attacker
    if ! atk "$db" >/dev/null 2>"$WORK/plant.err" <<SQL; then not_ok "A ($v): the attacker's preparation failed: $(cat "$WORK/plant.err")"; return 1; fi
$LOG_SQL
CREATE SCHEMA reliability;
$(plant_sql reliability)
SQL
    if install "$db" "$v"; then A_INSTALLED=1; else A_ERR=$(cat "$WORK/install.err"); fi
    A_AT_INSTALL=$(escalation "$db")
    if [ "$A_INSTALLED" = 1 ]; then
        reset_attacker "$db"
        # someone else's insert (the superuser stands in for any writer: the trigger runs
        # as the extension's owner whoever writes)
        su "$db" >/dev/null 2>&1 <<'SQL'
INSERT INTO reliability.machines (provider, external_id) VALUES ('sec', 'victim');
INSERT INTO reliability.observations SELECT machine_id, '2024-01-01 00:00:00+00', true FROM reliability.machines;
SQL
        A_AT_INSERT=$(escalation "$db")
    fi
    reset_attacker "$db"
}

attack_precreated reliability_sec_a "$VERSION"
if [ "$A_INSTALLED" = 0 ] && grep -q '42P06' <<<"$A_ERR" && grep -q 'schema "reliability" already exists' <<<"$A_ERR"; then
    ok "A: CREATE EXTENSION refuses the schema the attacker created (42P06)"
    echo "$A_ERR" | grep -E '^(ERROR|DETAIL|HINT)' | sed 's/^/#   /'
else
    not_ok "A: CREATE EXTENSION did not refuse the attacker's schema (installed: $A_INSTALLED): $(head -3 <<<"$A_ERR")"
fi
check "A: none of the attacker's code ran during CREATE EXTENSION" "$A_AT_INSTALL"
check "A: none of the attacker's code ran on the next insert" "$A_AT_INSERT"
left=$(PGOPTIONS="-c search_path=pg_catalog" su reliability_sec_a -c "SELECT format('extension %s', extname) FROM pg_extension WHERE extname = 'reliability'
                                UNION ALL SELECT format('%s objects owned by %s in schema reliability', count(*), min(proowner::regrole::text))
                                  FROM pg_proc WHERE pronamespace = 'reliability'::regnamespace
                                   AND proowner <> '$ATTACKER'::regrole HAVING count(*) > 0" 2>&1)
[ "$A_INSTALLED" = 1 ] && left=
check "A: the refused CREATE EXTENSION leaves nothing behind" "$left"

# A2: a superuser's schema in which the attacker may create objects, and one in which it
# created a table before its privilege was revoked: both refused.
a2() {
    local db=$1 setup=$2 expect=$3 label=$4
    new_db "$db"
    su "$db" >/dev/null <<<"CREATE SCHEMA reliability; GRANT USAGE, CREATE ON SCHEMA reliability TO $ATTACKER;"
    atk "$db" >/dev/null -c "CREATE TABLE reliability.planted (x integer)"
    [ -n "$setup" ] && su "$db" >/dev/null <<<"$setup"
    if install "$db" "$VERSION"; then
        if [ "$VERSION" = "$OLD" ]; then note "A2 ($OLD) accepts $label"; else not_ok "A2: accepted: $label"; fi
    elif grep -q 42P06 "$WORK/install.err" && grep -q "$expect" "$WORK/install.err"; then
        ok "A2: refused (42P06, \"$expect\"): $label"
    else
        not_ok "A2: $label: unexpected error: $(head -2 "$WORK/install.err")"
    fi
}
a2 reliability_sec_a2 "" "may create objects in it" "a superuser's schema in which another role may create objects"
a2 reliability_sec_a2b "REVOKE CREATE ON SCHEMA reliability FROM $ATTACKER;" "already holds objects" \
   "a superuser's schema holding another role's table"

# A3: an empty schema created by a superuser (what a pg_dump restore does) is accepted, and a
# dump of a database using the extension restores.
db=reliability_sec_a3
new_db $db
if su $db -c "CREATE SCHEMA reliability" && install $db "$VERSION"; then
    ok "A3: an empty superuser-owned schema (as a pg_dump restore creates) is accepted"
else
    not_ok "A3: CREATE EXTENSION into an empty superuser-owned schema failed: $(head -2 "$WORK/install.err")"
fi
su $db >/dev/null 2>&1 <<'SQL'
SELECT reliability.machine('dump', 'm1');
INSERT INTO reliability.observations VALUES (1, '2024-01-01 00:00:00+00', true), (1, '2024-01-01 00:05:00+00', false);
SQL
dst=reliability_sec_a3_restored
new_db $dst
if pg_dump -Fc -d $db 2>"$WORK/dump.err" | pg_restore -d $dst 2>"$WORK/restore.err" \
   && [ "$(su $dst -c "SELECT count(*) FROM reliability.observations")" = 2 ]; then
    ok "A3: pg_dump -Fc | pg_restore of a database using the extension works (CREATE SCHEMA before CREATE EXTENSION)"
else
    not_ok "A3: pg_dump | pg_restore failed: $(head -3 "$WORK/dump.err" "$WORK/restore.err")"
fi

# === B. the extension installed normally; the database owner attacks =======================
db=reliability_sec_b
new_db $db
install $db "$VERSION" || not_ok "B: CREATE EXTENSION failed: $(head -2 "$WORK/install.err")"
grant_writer $db
atk $db >/dev/null <<<"$LOG_SQL" || not_ok "B: the attacker cannot create its log table"
# What the database owner can and cannot do to schema reliability.
for stmt in "CREATE FUNCTION reliability.f() RETURNS int LANGUAGE sql AS 'SELECT 1'" \
            "CREATE OPERATOR reliability.> (LEFTARG = double precision, RIGHTARG = integer, FUNCTION = pg_catalog.float84gt)" \
            "CREATE TABLE reliability.t ()" \
            "ALTER SCHEMA reliability RENAME TO mine" \
            "ALTER SCHEMA reliability OWNER TO $ATTACKER" \
            "DROP SCHEMA reliability CASCADE" \
            "CREATE OR REPLACE FUNCTION reliability.machine(provider text, external_id text) RETURNS bigint LANGUAGE sql AS 'SELECT 1::bigint'" \
            "ALTER FUNCTION reliability._update_cache(bigint[], timestamptz, boolean, boolean) RENAME TO x" \
            ; do
    out=$(atk $db -v VERBOSITY=sqlstate -c "$stmt" 2>&1)
    if [ $? -ne 0 ] && grep -q 42501 <<<"$out"; then ok "B: the database owner is refused (42501): ${stmt:0:70}"
    else not_ok "B: the database owner may: $stmt ($out)"; fi
done
# GRANT by a role without the grant option only warns (01007) and grants nothing.
atk $db -c "GRANT CREATE ON SCHEMA reliability TO $ATTACKER" >/dev/null 2>&1
[ "$(su $db -c "SELECT has_schema_privilege('$ATTACKER', 'reliability', 'CREATE')")" = f ] \
    && ok "B: the database owner cannot grant itself CREATE on schema reliability" \
    || not_ok "B: the database owner granted itself CREATE on schema reliability"
# ... and what it can do: objects in schema public, the database's default search_path.
if atk $db >/dev/null 2>"$WORK/plant.err" <<SQL; then ok "B: the database owner plants operators and overloads in schema public and sets the database's search_path"
$(plant_sql public)
ALTER DATABASE $db SET search_path = public, reliability, pg_catalog;
SQL
else not_ok "B: planting in schema public failed: $(cat "$WORK/plant.err")"; fi
[ "$(su $db -c "SHOW search_path")" = "public, reliability, pg_catalog" ] \
    && ok "B: a superuser's session gets the attacker's search_path" || not_ok "B: the database's search_path does not apply"
use_extension $db B
check "B: none of the attacker's code ran" "$(escalation $db)"
reset_attacker $db
problems=$(PGOPTIONS="-c search_path=pg_catalog" cache_problems $db)
check "B: the cache is exact" "$problems"

# === C. the attacker may create objects in schema reliability (a careless GRANT) ===========
# attack_granted DB VERSION: normal install, GRANT CREATE, the attacker plants next to the
# extension's own objects and in public, then writes; sets C_PLANT_ERR, C_RESULT.
attack_granted() {
    local db=$1 v=$2
    C_RESULT= C_PLANT_ERR=
    new_db "$db"
    reset_attacker
    install "$db" "$v" || { C_PLANT_ERR="CREATE EXTENSION failed: $(head -2 "$WORK/install.err")"; return; }
    grant_writer "$db"
    su "$db" -c "GRANT CREATE ON SCHEMA reliability TO $ATTACKER" >/dev/null
    if ! atk "$db" >/dev/null 2>"$WORK/plant.err" <<SQL; then C_PLANT_ERR=$(cat "$WORK/plant.err"); return; fi
$LOG_SQL
$(plant_sql reliability)
$(plant_sql public)
ALTER DATABASE $db SET search_path = public, reliability, pg_catalog;
SQL
    use_extension "$db" "C ($v)" "$([ "$v" = "$OLD" ] && [ "$VERSION" != "$OLD" ] && echo 0 || echo 1)"
    C_RESULT=$(escalation "$db")
    reset_attacker "$db"
}
attack_granted reliability_sec_c "$VERSION"
[ -z "$C_PLANT_ERR" ] && ok "C: the attacker planted overloads and operators in schema reliability and public" \
    || not_ok "C: planting failed: $C_PLANT_ERR"
check "C: none of the attacker's code ran" "$C_RESULT"
problems=$(PGOPTIONS="-c search_path=pg_catalog" cache_problems reliability_sec_c)
check "C: the cache is exact" "$problems"

# === D. ALTER EXTENSION UPDATE from 0.1.0 in the hostile database ==========================
if [ "$have_old" = 1 ] && [ "$VERSION" != "$OLD" ]; then
    db=reliability_sec_d
    new_db $db
    install $db "$OLD" || not_ok "D: CREATE EXTENSION VERSION '$OLD' failed: $(head -2 "$WORK/install.err")"
    su $db >/dev/null <<'SQL'
SELECT reliability.machine('sec', 'before-update');
INSERT INTO reliability.observations VALUES (1, '2024-01-01 00:00:00+00', true), (1, '2024-01-01 00:05:00+00', false);
SQL
    grant_writer $db
    su $db -c "GRANT CREATE ON SCHEMA reliability TO $ATTACKER" >/dev/null
    atk $db >/dev/null 2>"$WORK/plant.err" <<SQL || not_ok "D: planting failed: $(cat "$WORK/plant.err")"
$LOG_SQL
$(plant_sql reliability)
$(plant_sql public)
ALTER DATABASE $db SET search_path = public, reliability, pg_catalog;
SQL
    if su $db -c "ALTER EXTENSION reliability UPDATE TO '$VERSION'" >/dev/null 2>"$WORK/update.err"; then
        ok "D: ALTER EXTENSION reliability UPDATE TO '$VERSION' works in the hostile database"
    else
        not_ok "D: the update failed: $(head -3 "$WORK/update.err")"
    fi
    check "D: none of the attacker's code ran during the update" "$(escalation $db)"
    reset_attacker $db
    use_extension $db D
    check "D: none of the attacker's code ran after the update" "$(escalation $db)"
    reset_attacker $db
    problems=$(PGOPTIONS="-c search_path=pg_catalog" cache_problems $db)
    check "D: the cache is exact" "$problems"
else
    note "D skipped: version $OLD $([ "$have_old" = 1 ] && echo "is the version under test" || echo "is not installed")"
fi

# === Control: the shipped 0.1.0 falls to A and C, so these checks can see an escalation =====
if [ "$have_old" = 1 ]; then
    attack_precreated reliability_sec_a_old "$OLD"
    if [ "$A_INSTALLED" = 1 ] && [ -n "$A_AT_INSTALL" ]; then
        ok "control: A against $OLD is seen: $(tail -c 300 <<<"$A_AT_INSTALL")"
    else
        not_ok "control: A against $OLD shows no escalation (installed: $A_INSTALLED) - the test would be blind"
    fi
    if [ -n "$A_AT_INSERT" ]; then
        ok "control: an insert after A against $OLD is seen: $(tail -c 300 <<<"$A_AT_INSERT")"
    else
        not_ok "control: the insert after A against $OLD shows no escalation - the test would be blind"
    fi
    attack_granted reliability_sec_c_old "$OLD"
    if [ -n "$C_RESULT" ]; then
        ok "control: C against $OLD is seen: $(tail -c 300 <<<"$C_RESULT")"
    else
        not_ok "control: C against $OLD shows no escalation - the test would be blind${C_PLANT_ERR:+ ($C_PLANT_ERR)}"
    fi
else
    note "control skipped: version $OLD is not installed"
fi

finish
