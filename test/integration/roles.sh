#!/usr/bin/env bash
# README "Roles", as written: runs the SQL of the ```sql blocks of README's "## Roles"
# section as the superuser in a fresh database with the extension, then, as each role
# (SET ROLE), does what the README says that role does, with the README's own statements
# (the machine lookup and the blacklist statements of the Roles section, the statements of
# "The SQL an API runs", the monitor's poll cycle among them), and checks:
#   - each intended action succeeds (the instance manager's deploy attempt included), and each thing the role must not do fails with 42501;
#   - the cache is exact after each role's writes (cache_problems);
#   - the operator's blacklist entry makes machine_reliability.blacklisted true, deleting
#     it makes it false; the operator's settings change recomputes the cache;
#   - reliability_scheduler's refresh() returns the number of cached rows.
# A README without a sql block in its Roles section fails the test.
#   bash scripts/in-cluster.sh ./test/integration/roles.sh
#   README=/tmp/README.md bash scripts/in-cluster.sh ./test/integration/roles.sh   # another copy
TEST=roles
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
README=${README:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/README.md}

# --- what the README says -------------------------------------------------------------------
source "$(dirname "${BASH_SOURCE[0]}")/readme.sh"   # readme_section, readme_sql_blocks
# inline_code: the `code spans` of stdin outside fenced blocks, one a line.
inline_code() { awk '/^```/ { f = !f; next } !f' | tr '\n' ' ' | grep -o '`[^`]*`' | sed 's/^`//; s/`$//'; }
# statements: the statements of SQL on stdin (comments dropped), each on one line.
statements() {
    sed 's/--.*$//' | awk 'BEGIN { RS = ";" } { gsub(/[ \t\r\n]+/, " "); sub(/^ /, ""); sub(/ $/, ""); if ($0 != "") print }'
}
nparams() { grep -o '\$[0-9][0-9]*' <<<"$1" | sort -u | wc -l; }

[ -r "$README" ] || { not_ok "cannot read $README"; finish; }
roles_section=$(readme_section "$README" Roles)
nblocks=$(grep -c '^```sql' <<<"$roles_section")
roles_sql=$(readme_sql_blocks <<<"$roles_section")
if [ -z "$roles_section" ]; then
    not_ok "$README has no \"## Roles\" section"; finish
elif [ "$nblocks" -eq 0 ] || [ -z "$(tr -d '[:space:]' <<<"$roles_sql")" ]; then
    not_ok "the Roles section of $README has no sql block"; finish
fi
ok "the Roles section of $README has $nblocks sql block(s), $(statements <<<"$roles_sql" | wc -l) statements"

inline=$(inline_code <<<"$roles_section")
lookup_sql=$(grep -m1 '^SELECT machine_id FROM reliability\.machines ' <<<"$inline")
blacklist_sql=$(grep -m1 '^INSERT INTO reliability\.blacklist ' <<<"$inline")
unblacklist_sql=$(grep -m1 '^DELETE FROM reliability\.blacklist ' <<<"$inline")
for v in lookup_sql blacklist_sql unblacklist_sql; do
    if [ -n "${!v}" ]; then ok "the Roles section shows the ${v%_sql} statement: ${!v}"
    else not_ok "the Roles section shows no ${v%_sql} statement"; fi
done

poll_sql=
deploy_sql=
api_sql=()
while IFS= read -r s; do
    if grep -q '^INSERT INTO reliability\.observations' <<<"$s"; then poll_sql=$s
    elif grep -q '^INSERT INTO reliability\.deploy_attempts' <<<"$s"; then deploy_sql=$s  # the instance manager's
    else api_sql+=("$s"); fi
done < <(readme_section "$README" 'The SQL an API runs' | readme_sql_blocks | statements)
if [ -n "$deploy_sql" ]; then ok "\"The SQL an API runs\" shows the deploy attempt: $deploy_sql"
else not_ok "\"The SQL an API runs\" shows no deploy-attempt INSERT"; fi
if [ -n "$poll_sql" ]; then ok "\"The SQL an API runs\" shows the poll cycle: $poll_sql"
else not_ok "\"The SQL an API runs\" shows no poll-cycle INSERT"; fi
if [ "${#api_sql[@]}" -ge 4 ]; then ok "\"The SQL an API runs\" shows ${#api_sql[@]} more statements"
else not_ok "\"The SQL an API runs\" shows only ${#api_sql[@]} statements besides the poll cycle"; fi

# --- running as a role ----------------------------------------------------------------------
# as ROLE SQL: runs the psql script SQL after SET ROLE ROLE; its output (and errors) in $out.
as() { out=$(printf 'SET ROLE %s;\n%s\n' "$1" "$2" | q -v VERBOSITY=verbose 2>&1); }
# error: the first error line of $out ("ERROR:  SQLSTATE: message"), else its first lines.
error() { grep -m1 -o 'ERROR:.*' <<<"$out" || head -2 <<<"$out"; }
# can ROLE WHAT SQL: SQL succeeds as ROLE; its output in $out.
can() {
    if as "$1" "$3"; then ok "$1 $2"; return 0; fi
    not_ok "$1 $2: $(error)"; return 1
}
# cannot ROLE WHAT SQL: SQL fails as ROLE with 42501.
cannot() {
    if as "$1" "$3"; then not_ok "$1 could $2 (want 42501)"
    elif grep -Eq 'ERROR:[[:space:]]+42501:' <<<"$out"; then ok "$1 cannot $2 (42501)"
    else not_ok "$1 $2: got $(error), want 42501"; fi
}
cache_exact() {
    local p
    p=$(cache_problems 2>&1) || p="cache_problems failed: $p"
    check "the cache is exact after $1 ($(q -c 'SELECT count(*) FROM reliability.scores') cached rows)" "$p"
}
# expect LABEL GOT WANT
expect() { if [ "$2" = "$3" ]; then ok "$1 ($2)"; else not_ok "$1: got '$2', want '$3'"; fi; }
poll_as() { printf 'PREPARE poll AS %s;\nEXECUTE poll(%s);\n' "$poll_sql" "$1"; }

# --- the README's SQL, as the superuser -----------------------------------------------------
roles=$(grep -oiE 'CREATE ROLE +[a-z_][a-z0-9_$]*' <<<"$roles_sql" | awk '{ print $3 }')
drop_roles() {
    local r
    for r in $roles; do psql_admin -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1; done
}
fresh_db "$DB" || { not_ok "creating $DB failed"; finish; }
drop_roles
q -c "CREATE EXTENSION reliability" || { not_ok "CREATE EXTENSION reliability failed"; finish; }
if out=$(q -v VERBOSITY=default <<<"$roles_sql" 2>&1); then ok "the Roles SQL runs as the superuser (roles: $(echo $roles))"
else not_ok "the Roles SQL fails: $(head -3 <<<"$out")"; finish; fi
expect "reliability_scheduler can log in (pg_cron connects as the job's user)" \
    "$(q -c "SELECT rolcanlogin FROM pg_roles WHERE rolname = 'reliability_scheduler'")" t

# --- monitor: registers and looks up machines, runs the poll cycle --------------------------
can monitor "registers machines with machine()" \
    "SELECT reliability.machine('vast', 'vast-1'), reliability.machine('vast', 'vast-2'), reliability.machine('runpod', 'rp-1');"
IFS='|' read -r m1 m2 m3 <<<"$out"
can monitor "looks a machine id up with the README's lookup" \
    "PREPARE lookup AS $lookup_sql; EXECUTE lookup('vast', 'vast-2');"
expect "the lookup finds the machine machine() registered" "$out" "$m2"
can monitor "runs the README's poll cycle: 9 days of 3 machines in one statement" "
SELECT array_agg(m ORDER BY m, t) AS ids, array_agg(t ORDER BY m, t) AS ts,
       array_agg(NOT (m = $m2 AND t >= now() - interval '26 hours' AND t < now() - interval '24 hours')
                 AND NOT (m = $m3 AND extract(hour FROM t AT TIME ZONE 'UTC')::int % 6 = 0) ORDER BY m, t) AS up
  FROM unnest(ARRAY[$m1, $m2, $m3]::bigint[]) m,
       generate_series(now() - interval '9 days', now() - interval '5 minutes', interval '5 minutes') t
\\gset
$(poll_as ":'ids', :'ts', :'up'")"
can monitor "runs the README's poll cycle again (one observation per machine, now)" \
    "$(poll_as "ARRAY[$m1, $m2, $m3], ARRAY[now(), now(), now()], ARRAY[true, true, false]")"
expect "observations written by monitor" "$(q -c "SELECT count(*) FROM reliability.observations")" $((3 * 9 * 288 + 3))
expect "cached rows after monitor's poll cycles" "$(q -c "SELECT count(*) FROM reliability.scores")" 3
cache_exact "monitor's poll cycles"
cannot monitor "write reliability.scores" "INSERT INTO reliability.scores (machine_id, tier, computed_at) VALUES ($m1, 'excellent', 'infinity');"
cannot monitor "UPDATE reliability.scores" "UPDATE reliability.scores SET score = 100;"
cannot monitor "UPDATE reliability.settings" "UPDATE reliability.settings SET max_gap = interval '1 hour';"
cannot monitor "run refresh()" "SELECT reliability.refresh();"
cannot monitor "record interruptions" "INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES ($m1, now());"
cannot monitor "rate machines" "SELECT * FROM reliability.rate($m1, 'monitor', 1);"
cannot monitor "blacklist machines" "INSERT INTO reliability.blacklist (machine_id, kind) VALUES ($m1, 'manual');"
cannot monitor "read observations" "SELECT count(*) FROM reliability.observations;"
cannot monitor "read the list" "SELECT count(*) FROM reliability.machine_reliability;"
cannot monitor "delete machines" "DELETE FROM reliability.machines WHERE machine_id = $m3;"

# --- instance_manager: looks up machines, records interruptions -----------------------------
can instance_manager "looks a machine id up with the README's lookup" \
    "PREPARE lookup AS $lookup_sql; EXECUTE lookup('vast', 'vast-2');"
expect "instance_manager's lookup finds the machine" "$out" "$m2"
can instance_manager "records interruptions" \
    "INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
     VALUES ($m2, now() - interval '3 hours', 'i-17', 'host reboot'), ($m2, now() - interval '2 days', 'i-9', 'oom');"
expect "the cached row counts instance_manager's interruptions" \
    "$(q -c "SELECT interruptions FROM reliability.scores WHERE machine_id = $m2")" 2
cache_exact "instance_manager's interruptions"
can instance_manager "records a deploy attempt with the README's statement" \
    "PREPARE deploy AS $deploy_sql; EXECUTE deploy($m2, false, 'pulling', NULL, 'i-18');"
expect "instance_manager's deploy attempt is stored" \
    "$(q -c "SELECT count(*) FROM reliability.deploy_attempts WHERE machine_id = $m2 AND failure_stage = 'pulling'")" 1
cannot instance_manager "register machines with machine()" "SELECT reliability.machine('vast', 'vast-from-im');"
cannot instance_manager "write observations" "$(poll_as "ARRAY[$m2], ARRAY[now()], ARRAY[true]")"
cannot instance_manager "UPDATE reliability.scores" "UPDATE reliability.scores SET score = 100;"
cannot instance_manager "UPDATE reliability.settings" "UPDATE reliability.settings SET max_gap = interval '1 hour';"
cannot instance_manager "run refresh()" "SELECT reliability.refresh();"
cannot instance_manager "read interruptions" "SELECT reason FROM reliability.interruptions;"
cannot instance_manager "read machines.created_at" "SELECT created_at FROM reliability.machines;"

# --- api: the README's statements, machine(), rate(), score(), sparkline() ------------------
can api "registers a machine with machine()" "SELECT reliability.machine('vast', 'vast-api');"
m4=$out
i=0
for s in "${api_sql[@]}"; do
    i=$((i + 1))
    case $(nparams "$s") in
        0) can api "runs README statement $i: $s" "$s;" ;;
        1) can api "runs README statement $i: $s" "PREPARE s AS $s; EXECUTE s($m1);" ;;
        4) can api "runs README statement $i: $s" "PREPARE s AS $s; EXECUTE s($m1, 'user-17', 4, 'Solid box');"
           can api "runs README statement $i again (rating again updates it)" \
               "PREPARE s AS $s; EXECUTE s($m1, 'user-17', 2, 'slower now');" ;;
        *) not_ok "README statement $i has $(nparams "$s") parameters, which this test does not know: $s" ;;
    esac
done
can api "reads score(), sparkline() and report()" \
    "SELECT (reliability.score($m1)).tier, reliability.sparkline($m1, 10), reliability.report($m1) ->> 'machine_id';"
expect "api's rating is one row, rated again" "$(q -c "SELECT count(*), min(stars) FROM reliability.ratings WHERE machine_id = $m1")" "1|2"
expect "the cached row counts api's rating" "$(q -c "SELECT rating_count FROM reliability.scores WHERE machine_id = $m1")" 1
cache_exact "api's writes"
cannot api "write observations (the poll cycle)" "$(poll_as "ARRAY[$m1], ARRAY[now()], ARRAY[true]")"
cannot api "blacklist machines" "INSERT INTO reliability.blacklist (machine_id, kind) VALUES ($m1, 'manual');"
cannot api "un-blacklist machines" "DELETE FROM reliability.blacklist WHERE machine_id = $m1;"
cannot api "UPDATE reliability.settings" "UPDATE reliability.settings SET max_gap = interval '1 hour';"
cannot api "UPDATE reliability.scores" "UPDATE reliability.scores SET score = 100;"
cannot api "run refresh()" "SELECT reliability.refresh();"
cannot api "delete ratings" "DELETE FROM reliability.ratings;"
cannot api "rewrite a rating's created_at" "UPDATE reliability.ratings SET created_at = now() WHERE machine_id = $m1;"
cannot api "read interruption reasons" "SELECT reason FROM reliability.interruptions;"
cannot api "record interruptions" "INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES ($m1, now());"
cannot api "record deploy attempts" "INSERT INTO reliability.deploy_attempts (machine_id, succeeded) VALUES ($m1, true);"

# --- operator: blacklists and un-blacklists, changes settings, sees the list ----------------
blacklisted() { q -c "SET ROLE operator" -c "SELECT blacklisted FROM reliability.machine_reliability WHERE machine_id = $1"; }
can operator "sees the list" "SELECT count(*) FROM reliability.machine_reliability WHERE NOT blacklisted;"
expect "operator sees every machine" "$out" 4
can operator "blacklists a machine with the README's statement" \
    "PREPARE blacklist AS $blacklist_sql; EXECUTE blacklist($m2, 'flaky PSU');"
expect "blacklisted in machine_reliability after the operator's entry" "$(blacklisted "$m2")" t
list_sql=$(printf '%s\n' "${api_sql[@]}" | grep -m1 'reliability\.ranked(')
if can api "runs the README's list" "PREPARE list AS $list_sql; EXECUTE list(0);"; then
    listed=$(cut -d'|' -f1 <<<"$out" | sort -n | paste -sd' ' -)
    expect "the README's list hides the blacklisted machine $m2 and shows the others" "$listed" "$m1 $m3 $m4"
fi
can operator "makes the entry temporary (UPDATE ... WHERE)" \
    "UPDATE reliability.blacklist SET kind = 'temporary', expires_at = now() + interval '1 day' WHERE machine_id = $m2;"
expect "still blacklisted while the temporary entry lasts" "$(blacklisted "$m2")" t
can operator "un-blacklists it with the README's statement" \
    "PREPARE unblacklist AS $unblacklist_sql; EXECUTE unblacklist($m2);"
expect "not blacklisted after the operator deleted the entry" "$(blacklisted "$m2")" f
cache_exact "the operator's blacklisting"

before=$(q -c "SELECT string_agg(round(score::numeric, 9)::text, ',' ORDER BY machine_id) FROM reliability.scores")
can operator "changes the score weights" "UPDATE reliability.settings SET weight_uptime = 0.5, weight_interruption = 0.3;"
after=$(q -c "SELECT string_agg(round(score::numeric, 9)::text, ',' ORDER BY machine_id) FROM reliability.scores")
if [ -n "$after" ] && [ "$before" != "$after" ]; then ok "the operator's settings change recomputed the cached scores ($before -> $after)"
else not_ok "the cached scores did not change with the weights ($before -> $after)"; fi
cache_exact "the operator's settings change"
can operator "turns auto-blacklisting on" "UPDATE reliability.settings SET min_history = interval '0', auto_blacklist_below = 100;"
expect "auto entries written for the operator's settings change" \
    "$(q -c "SELECT count(*) FROM reliability.blacklist WHERE kind = 'auto'")" 3
expect "blacklisted in machine_reliability by the auto entry" "$(blacklisted "$m1")" t
cache_exact "the operator turned auto-blacklisting on"
can operator "turns it off and deletes the auto entries" \
    "UPDATE reliability.settings SET min_history = interval '7 days', auto_blacklist_below = NULL;
     DELETE FROM reliability.blacklist WHERE kind = 'auto';"
expect "no machine blacklisted after that" "$(q -c "SELECT count(*) FILTER (WHERE blacklisted) FROM reliability.machine_reliability")" 0
cache_exact "the operator turned auto-blacklisting off"
cannot operator "write observations (the poll cycle)" "$(poll_as "ARRAY[$m1], ARRAY[now()], ARRAY[true]")"
cannot operator "record interruptions" "INSERT INTO reliability.interruptions (machine_id, occurred_at) VALUES ($m1, now());"
cannot operator "rate machines" "SELECT * FROM reliability.rate($m1, 'operator', 1);"
cannot operator "UPDATE reliability.scores" "UPDATE reliability.scores SET score = 100;"
cannot operator "run refresh()" "SELECT reliability.refresh();"
cannot operator "delete machines" "DELETE FROM reliability.machines WHERE machine_id = $m3;"
cannot operator "read observations" "SELECT count(*) FROM reliability.observations;"

# --- reliability_scheduler: runs refresh() --------------------------------------------------
can reliability_scheduler "runs refresh()" "SELECT reliability.refresh();"
expect "refresh() returns the number of cached rows" "$out" "$(q -c "SELECT count(*) FROM reliability.scores")"
cache_exact "the scheduler's refresh()"
cannot reliability_scheduler "run rebuild()" "SELECT reliability.rebuild();"
cannot reliability_scheduler "read reliability.scores" "SELECT count(*) FROM reliability.scores;"
cannot reliability_scheduler "write observations (the poll cycle)" "$(poll_as "ARRAY[$m1], ARRAY[now()], ARRAY[true]")"
cannot reliability_scheduler "UPDATE reliability.settings" "UPDATE reliability.settings SET max_gap = interval '1 hour';"
cannot reliability_scheduler "blacklist machines" "INSERT INTO reliability.blacklist (machine_id, kind) VALUES ($m1, 'manual');"

if [ "${KEEP_DB:-0}" != 1 ]; then
    drop_db "$DB"
    drop_roles
fi
finish
