#!/usr/bin/env bash
# Upgrade harness: does ALTER EXTENSION reliability UPDATE produce exactly what a fresh
# install of the new version does?
#
#   test/upgrade/compare_install.sh [FROM [TO]]
#
# FROM and TO default to default_version of reliability.control (so today it compares a
# fresh install with itself, which proves the harness and the footprint are deterministic).
# Runs inside a cluster (pg_virtualenv: PGHOST/PGPORT/PGUSER set) where both versions'
# install scripts and the update path FROM -> TO are installed.
#   database A: CREATE EXTENSION reliability VERSION 'TO'
#   database B: CREATE EXTENSION reliability VERSION 'FROM'; a small fleet with data (so the
#               update script meets rows: observations, interruptions, ratings, blacklist,
#               a cached score per machine); ALTER EXTENSION reliability UPDATE TO 'TO'
#               (skipped when FROM = TO); then the cached scores must still be exact
#               (= reliability.score(machine_id, computed_at)) and the data rows unchanged.
# Then it compares the catalog footprint of the extension in A and B:
#   - pg_dump --schema-only --exclude-schema=public (what pg_dump makes of the database: objects
#     that are not extension members, e.g. ones an update script left outside it; members
#     themselves are never dumped this way; not --schema=reliability: pg_dump 15 crashes when
#     -n or -t selects a partition that is an extension configuration table);
#   - pg_dump --binary-upgrade --schema-only (outside schema public): the DDL of every
#     member, as pg_upgrade would recreate it, with OIDs, relfilenodes, LSNs, sequence values and dropped-
#     column placeholders normalized away;
#   - a normalized query (no OIDs, no data) over pg_extension, pg_depend (the extension's
#     members), pg_namespace, pg_class / pg_attribute / pg_attrdef (tables, views,
#     sequences, indexes, composite types: columns in order with types, defaults, NOT NULL,
#     identity, collation), pg_index, pg_constraint, pg_trigger, pg_rewrite (view
#     definitions), pg_policy, pg_sequence, pg_type, pg_proc (full definitions, config,
#     volatility, parallel safety, ACLs), pg_aggregate, pg_operator, pg_cast,
#     pg_description (every comment), pg_init_privs and the ACLs, and the settings row.
# Writes both footprints and their diff to $UPGRADE_OUT (default: a temporary directory)
# and exits 1 when they differ (or a step fails), 0 when identical.
#
# Environment: UPGRADE_OUT (keep the files there), UPGRADE_DB_PREFIX (default
# reliability_upgrade), MUTATE_B_SQL (SQL run in B after the update: lets a test check that
# the harness notices a difference), KEEP_DB=1.
set -uo pipefail
export PAGER=cat PSQL_PAGER=cat LC_ALL=C.UTF-8 LANG=C.UTF-8

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
CONTROL=$HERE/../../reliability.control
DEFAULT_VERSION=$(sed -n "s/^default_version = '\(.*\)'/\1/p" "$CONTROL" 2>/dev/null)
if [ -z "$DEFAULT_VERSION" ]; then
    DEFAULT_VERSION=$(psql -X -At -d "${PGDATABASE:-postgres}" -c "SELECT default_version FROM pg_available_extensions WHERE name = 'reliability'")
fi
FROM=${1:-$DEFAULT_VERSION}
TO=${2:-$DEFAULT_VERSION}
PREFIX=${UPGRADE_DB_PREFIX:-reliability_upgrade}
DB_A=${PREFIX}_fresh
DB_B=${PREFIX}_updated
if [ -n "${UPGRADE_OUT:-}" ]; then
    OUT=$UPGRADE_OUT
    mkdir -p "$OUT"
else
    OUT=$(mktemp -d)
    trap 'rm -rf "$OUT"' EXIT
fi

psql_admin() { psql -X -q -v ON_ERROR_STOP=1 -d "${PGDATABASE:-postgres}" "$@"; }
q() { local db=$1; shift; psql -X -q -At -v ON_ERROR_STOP=1 -d "$db" "$@"; }
die() {
    echo "compare_install: FAIL: $*" >&2
    drop_dbs
    exit 1
}
drop_dbs() {
    [ "${KEEP_DB:-0}" = 1 ] && return
    psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB_A" -c "DROP DATABASE IF EXISTS $DB_B" >/dev/null 2>&1
}

[ -n "$FROM" ] && [ -n "$TO" ] || die "no version given and none found in $CONTROL"
echo "compare_install: fresh install of $TO vs. install of $FROM $([ "$FROM" = "$TO" ] && echo "(no update: same version)" || echo "updated to $TO")"

# Are the versions and the path there?
available=$(q "${PGDATABASE:-postgres}" -c "SELECT string_agg(version, ' ' ORDER BY version) FROM pg_available_extension_versions WHERE name = 'reliability'")
for v in "$FROM" "$TO"; do
    grep -qw -- "$v" <<<"$available" || die "version $v of reliability is not installed (installed: ${available:-none})"
done

psql_admin -c "SET client_min_messages = warning" -c "DROP DATABASE IF EXISTS $DB_A" -c "DROP DATABASE IF EXISTS $DB_B" \
           -c "CREATE DATABASE $DB_A" -c "CREATE DATABASE $DB_B" >/dev/null || die "cannot create the databases"

if [ "$FROM" != "$TO" ]; then
    path=$(q "$DB_A" -c "SELECT path FROM pg_extension_update_paths('reliability') WHERE source = '$FROM' AND target = '$TO'")
    [ -n "$path" ] || die "no update path from $FROM to $TO (is reliability--$FROM--$TO.sql installed?)"
    echo "compare_install: update path $path"
fi

q "$DB_A" -c "CREATE EXTENSION reliability VERSION '$TO'" >/dev/null 2>"$OUT/a.err" || die "A: CREATE EXTENSION reliability VERSION '$TO': $(cat "$OUT/a.err")"
q "$DB_B" -c "CREATE EXTENSION reliability VERSION '$FROM'" >/dev/null 2>"$OUT/b.err" || die "B: CREATE EXTENSION reliability VERSION '$FROM': $(cat "$OUT/b.err")"

# Data in B before the update, so the update script meets real rows (kept to the SQL
# interface of 0.1.0: machine(), rate(), the tables).
q "$DB_B" >/dev/null 2>"$OUT/b.err" <<'SQL' || die "B: writing data before the update: $(cat "$OUT/b.err")"
SET client_min_messages = warning;
SELECT reliability.machine('upgrade', 'gpu-' || i) FROM generate_series(1, 20) AS i;
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.machine_id, date_trunc('minute', now()) - g * interval '5 minutes', (g + m.machine_id) % 6 <> 0
  FROM reliability.machines m, generate_series(0, 500) AS g;
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT m.machine_id, now() - interval '2 days', 'i-' || m.machine_id, 'upgrade test' FROM reliability.machines m WHERE m.machine_id % 3 = 0;
SELECT (reliability.rate(m.machine_id, 'user-' || u, (1 + (m.machine_id + u) % 5)::int)).stars
  FROM reliability.machines m, generate_series(1, 3) AS u WHERE m.machine_id % 2 = 0;
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by) VALUES (1, 'manual', 'upgrade test', 'test');
CREATE TABLE public.before_update AS
SELECT 'observations' AS t, count(*) AS n, md5(string_agg(o::text, ',' ORDER BY o.machine_id, o.observed_at)) AS h FROM reliability.observations o
UNION ALL SELECT 'interruptions', count(*), md5(string_agg(i::text, ',' ORDER BY i.machine_id, i.occurred_at)) FROM reliability.interruptions i
UNION ALL SELECT 'ratings', count(*), md5(string_agg(r::text, ',' ORDER BY r.machine_id, r.user_id)) FROM reliability.ratings r
UNION ALL SELECT 'machines', count(*), md5(string_agg(m::text, ',' ORDER BY m.machine_id)) FROM reliability.machines m
UNION ALL SELECT 'blacklist', count(*), md5(string_agg(b::text, ',' ORDER BY b.machine_id)) FROM reliability.blacklist b
UNION ALL SELECT 'scores', count(*), NULL FROM reliability.scores;
SQL

if [ "$FROM" != "$TO" ]; then
    q "$DB_B" -c "ALTER EXTENSION reliability UPDATE TO '$TO'" >/dev/null 2>"$OUT/b.err" \
        || die "B: ALTER EXTENSION reliability UPDATE TO '$TO': $(cat "$OUT/b.err")"
fi
version_b=$(q "$DB_B" -c "SELECT extversion FROM pg_extension WHERE extname = 'reliability'")
[ "$version_b" = "$TO" ] || die "B: extversion is $version_b after the update, not $TO"
if [ -n "${MUTATE_B_SQL:-}" ]; then
    q "$DB_B" -c "$MUTATE_B_SQL" >/dev/null 2>"$OUT/b.err" || die "B: MUTATE_B_SQL failed: $(cat "$OUT/b.err")"
fi

# B's data survived the update and its cache is exact.
data_problems=$(q "$DB_B" 2>&1 <<'SQL'
SET client_min_messages = warning;
WITH now_ AS (
    SELECT 'observations' AS t, count(*) AS n, md5(string_agg(o::text, ',' ORDER BY o.machine_id, o.observed_at)) AS h FROM reliability.observations o
    UNION ALL SELECT 'interruptions', count(*), md5(string_agg(i::text, ',' ORDER BY i.machine_id, i.occurred_at)) FROM reliability.interruptions i
    UNION ALL SELECT 'ratings', count(*), md5(string_agg(r::text, ',' ORDER BY r.machine_id, r.user_id)) FROM reliability.ratings r
    UNION ALL SELECT 'machines', count(*), md5(string_agg(m::text, ',' ORDER BY m.machine_id)) FROM reliability.machines m
    UNION ALL SELECT 'blacklist', count(*), md5(string_agg(b::text, ',' ORDER BY b.machine_id)) FROM reliability.blacklist b
    UNION ALL SELECT 'scores', count(*), NULL FROM reliability.scores
)
SELECT format('%s changed by the update: %s rows before, %s after', b.t, b.n, n.n)
  FROM public.before_update b JOIN now_ n USING (t)
 WHERE (b.n, b.h) IS DISTINCT FROM (n.n, n.h);
SELECT format('cached score of machine %s not exact after the update', s.machine_id)
  FROM reliability.scores s
 WHERE to_jsonb(s) - 'machine_id' - 'computed_at' IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at))
    OR s.as_of IS DISTINCT FROM s.computed_at;
-- The cache engine's hints (0.6.0 on) that the update filled must hold, as the engine keeps them.
SELECT format('%s of %s cache hints do not hold after the update', count(*) FILTER (WHERE wrong), count(*))
  FROM (SELECT h.unobserved_until <= reliability.sub_fixed(s.computed_at, st.score_window)
               OR EXISTS (SELECT FROM reliability.observations o
                           WHERE o.machine_id = h.machine_id
                             AND o.observed_at >= reliability.sub_fixed(reliability.sub_fixed(s.computed_at, st.score_window), st.max_gap)
                             AND o.observed_at < h.unobserved_until) AS wrong
          FROM reliability._head_bounds h JOIN reliability.scores s USING (machine_id) CROSS JOIN reliability.settings st) x
HAVING count(*) FILTER (WHERE wrong) > 0 OR count(*) = 0;
SQL
)
q "$DB_B" -c "INSERT INTO reliability.observations SELECT machine_id, now(), true FROM reliability.machines WHERE provider = 'upgrade'" >/dev/null 2>>"$OUT/b.err" \
    || data_problems+=$'\n'"writing an observation after the update failed: $(cat "$OUT/b.err")"
bad_after=$(q "$DB_B" -c "SELECT count(*) FROM reliability.scores s WHERE to_jsonb(s) - 'machine_id' - 'computed_at'
                          IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at))" 2>&1)
[ "$bad_after" = 0 ] || data_problems+=$'\n'"after a new poll cycle, $bad_after cached rows are not exact"

# --- the footprint -------------------------------------------------------------------------
footprint_sql=$(cat <<'SQL'
SET client_min_messages = warning;
SET search_path = pg_catalog;
SET extra_float_digits = 0;
WITH ext AS (SELECT * FROM pg_extension WHERE extname = 'reliability'),
     ns AS (SELECT oid FROM pg_namespace WHERE nspname = 'reliability'),
     rels AS (SELECT c.* FROM pg_class c WHERE c.relnamespace = (SELECT oid FROM ns)),
     procs AS (SELECT p.* FROM pg_proc p WHERE p.pronamespace = (SELECT oid FROM ns)),
     types AS (SELECT t.* FROM pg_type t WHERE t.typnamespace = (SELECT oid FROM ns))
SELECT line FROM (
    SELECT 'extension: ' || format('version %s, relocatable %s, schema %s, owner %s', e.extversion, e.extrelocatable,
               e.extnamespace::regnamespace, e.extowner::regrole) AS line FROM ext e
    UNION ALL
    SELECT 'extension config: ' || c::regclass::text || ' where ' || coalesce(w, '')
      FROM ext e, unnest(e.extconfig, e.extcondition) AS u(c, w)
    UNION ALL
    SELECT 'member: ' || pg_describe_object(d.classid, d.objid, d.objsubid)
      FROM pg_depend d, ext e WHERE d.refclassid = 'pg_extension'::regclass AND d.refobjid = e.oid AND d.deptype = 'e'
    UNION ALL
    SELECT 'schema: ' || format('%s owner %s acl %s', n.nspname, n.nspowner::regrole, n.nspacl)
      FROM pg_namespace n WHERE n.oid = (SELECT oid FROM ns)
    UNION ALL
    SELECT format('relation: %s kind %s persistence %s options %s acl %s rls %s/%s replident %s owner %s',
                  r.relname, r.relkind, r.relpersistence, r.reloptions, r.relacl, r.relrowsecurity, r.relforcerowsecurity,
                  r.relreplident, r.relowner::regrole)
      FROM rels r
    UNION ALL
    SELECT format('column: %s.%s #%s %s notnull %s default %s identity %s generated %s collation %s acl %s',
                  r.relname, a.attname,
                  rank() OVER (PARTITION BY r.oid ORDER BY a.attnum),
                  format_type(a.atttypid, a.atttypmod), a.attnotnull,
                  pg_get_expr(ad.adbin, ad.adrelid), nullif(a.attidentity, ''), nullif(a.attgenerated, ''),
                  CASE WHEN a.attcollation <> 0 THEN a.attcollation::regcollation::text END, a.attacl)
      FROM rels r JOIN pg_attribute a ON a.attrelid = r.oid AND a.attnum > 0 AND NOT a.attisdropped
      LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
    UNION ALL
    SELECT 'index: ' || pg_get_indexdef(i.indexrelid) || format(' primary %s unique %s', i.indisprimary, i.indisunique)
      FROM pg_index i JOIN rels r ON r.oid = i.indrelid
    UNION ALL
    SELECT format('constraint: %s on %s%s: %s deferrable %s deferred %s validated %s', co.conname,
                  coalesce(r.relname, ''), coalesce(' type ' || t.typname, ''), pg_get_constraintdef(co.oid),
                  co.condeferrable, co.condeferred, co.convalidated)
      FROM pg_constraint co LEFT JOIN rels r ON r.oid = co.conrelid LEFT JOIN types t ON t.oid = co.contypid
     WHERE co.connamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT format('trigger: %s enabled %s', pg_get_triggerdef(tg.oid), tg.tgenabled)
      FROM pg_trigger tg JOIN rels r ON r.oid = tg.tgrelid WHERE NOT tg.tgisinternal
    UNION ALL
    SELECT format('view: %s = %s', r.relname, pg_get_viewdef(r.oid)) FROM rels r WHERE r.relkind IN ('v', 'm')
    UNION ALL
    SELECT format('rule: %s on %s: %s', rw.rulename, r.relname, pg_get_ruledef(rw.oid))
      FROM pg_rewrite rw JOIN rels r ON r.oid = rw.ev_class WHERE rw.rulename <> '_RETURN'
    UNION ALL
    SELECT format('policy: %s on %s: %s %s using %s check %s', po.polname, r.relname, po.polcmd, po.polpermissive,
                  pg_get_expr(po.polqual, po.polrelid), pg_get_expr(po.polwithcheck, po.polrelid))
      FROM pg_policy po JOIN rels r ON r.oid = po.polrelid
    UNION ALL
    SELECT format('sequence: %s type %s start %s increment %s min %s max %s cache %s cycle %s',
                  r.relname, format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, s.seqcache, s.seqcycle)
      FROM pg_sequence s JOIN rels r ON r.oid = s.seqrelid
    UNION ALL
    SELECT format('type: %s type %s category %s relkind %s element %s base %s notnull %s default %s acl %s',
                  t.typname, t.typtype, t.typcategory,
                  (SELECT c.relkind FROM pg_class c WHERE c.oid = t.typrelid),
                  CASE WHEN t.typelem <> 0 THEN format_type(t.typelem, NULL) END,
                  CASE WHEN t.typbasetype <> 0 THEN format_type(t.typbasetype, t.typtypmod) END,
                  t.typnotnull, t.typdefault, t.typacl)
      FROM types t
    UNION ALL
    SELECT format('enum: %s = %s', t.typname, string_agg(en.enumlabel, ', ' ORDER BY en.enumsortorder))
      FROM types t JOIN pg_enum en ON en.enumtypid = t.oid GROUP BY t.typname
    UNION ALL
    SELECT format('function: %s returns %s kind %s lang %s volatile %s parallel %s strict %s secdef %s leakproof %s cost %s rows %s config %s acl %s owner %s support %s',
                  p.oid::regprocedure, pg_get_function_result(p.oid), p.prokind, l.lanname, p.provolatile, p.proparallel,
                  p.proisstrict, p.prosecdef, p.proleakproof, p.procost, p.prorows, p.proconfig, p.proacl, p.proowner::regrole,
                  nullif(p.prosupport::regproc::text, '-'))
        || E'\n  args: ' || pg_get_function_arguments(p.oid)
        || CASE WHEN p.prokind IN ('f', 'p') THEN E'\n  ' || replace(pg_get_functiondef(p.oid), E'\n', E'\n  ')
                ELSE E'\n  src: ' || coalesce(p.prosrc, '') || ' bin: ' || coalesce(p.probin, '') END
      FROM procs p JOIN pg_language l ON l.oid = p.prolang
    UNION ALL
    SELECT format('aggregate: %s kind %s transfn %s finalfn %s combinefn %s serialfn %s deserialfn %s mtransfn %s stype %s sspace %s initcond %s finalextra %s finalmodify %s sortop %s',
                  a.aggfnoid::regprocedure, a.aggkind, a.aggtransfn::regprocedure, nullif(a.aggfinalfn::regproc::text, '-'),
                  nullif(a.aggcombinefn::regproc::text, '-'), nullif(a.aggserialfn::regproc::text, '-'),
                  nullif(a.aggdeserialfn::regproc::text, '-'), nullif(a.aggmtransfn::regproc::text, '-'),
                  format_type(a.aggtranstype, NULL), a.aggtransspace, a.agginitval, a.aggfinalextra, a.aggfinalmodify,
                  nullif(a.aggsortop, 0)::regoperator)
      FROM pg_aggregate a JOIN procs p ON p.oid = a.aggfnoid
    UNION ALL
    SELECT format('operator: %s(%s, %s) -> %s via %s', o.oprname, format_type(o.oprleft, NULL), format_type(o.oprright, NULL),
                  format_type(o.oprresult, NULL), o.oprcode::regproc)
      FROM pg_operator o WHERE o.oprnamespace = (SELECT oid FROM ns)
    UNION ALL
    SELECT format('cast: %s -> %s via %s context %s method %s', format_type(c.castsource, NULL), format_type(c.casttarget, NULL),
                  c.castfunc::regprocedure, c.castcontext, c.castmethod)
      FROM pg_cast c WHERE c.castfunc IN (SELECT oid FROM procs)
         OR c.castsource IN (SELECT oid FROM types) OR c.casttarget IN (SELECT oid FROM types)
    UNION ALL
    SELECT format('comment: %s = %s', pg_describe_object(d.classoid, d.objoid, d.objsubid), d.description)
      FROM pg_description d
     WHERE (d.classoid = 'pg_class'::regclass AND d.objoid IN (SELECT oid FROM rels))
        OR (d.classoid = 'pg_proc'::regclass AND d.objoid IN (SELECT oid FROM procs))
        OR (d.classoid = 'pg_type'::regclass AND d.objoid IN (SELECT oid FROM types))
        OR (d.classoid = 'pg_namespace'::regclass AND d.objoid = (SELECT oid FROM ns))
        OR (d.classoid = 'pg_extension'::regclass AND d.objoid = (SELECT oid FROM ext))
        OR (d.classoid = 'pg_constraint'::regclass AND d.objoid IN (SELECT oid FROM pg_constraint WHERE connamespace = (SELECT oid FROM ns)))
        OR (d.classoid = 'pg_trigger'::regclass AND d.objoid IN (SELECT t.oid FROM pg_trigger t WHERE t.tgrelid IN (SELECT oid FROM rels)))
    UNION ALL
    SELECT format('init privs: %s %s %s', pg_describe_object(ip.classoid, ip.objoid, ip.objsubid), ip.privtype, ip.initprivs)
      FROM pg_init_privs ip
     WHERE (ip.classoid = 'pg_class'::regclass AND ip.objoid IN (SELECT oid FROM rels))
        OR (ip.classoid = 'pg_proc'::regclass AND ip.objoid IN (SELECT oid FROM procs))
        OR (ip.classoid = 'pg_type'::regclass AND ip.objoid IN (SELECT oid FROM types))
        OR (ip.classoid = 'pg_namespace'::regclass AND ip.objoid = (SELECT oid FROM ns))
    UNION ALL
    SELECT 'settings row: ' || (to_jsonb(s) - 'updated_at' - 'created_at')::text FROM reliability.settings s
) f
ORDER BY line COLLATE "C";
SQL
)
for side in A:$DB_A B:$DB_B; do
    name=${side%%:*}; db=${side#*:}
    q "$db" -c "$footprint_sql" > "$OUT/footprint.$name.txt" 2>"$OUT/footprint.$name.err" \
        || die "$name: the footprint query failed: $(cat "$OUT/footprint.$name.err")"
    pg_dump --schema-only --exclude-schema=public --no-owner -d "$db" 2>"$OUT/dump.$name.err" \
        | grep -v '^-- Dumped \(from\|by\)\|^SET \|^SELECT pg_catalog.set_config\|^\\\(un\)\?restrict \|^$' > "$OUT/dump.$name.sql" \
        || die "$name: pg_dump failed: $(cat "$OUT/dump.$name.err")"
    # The DDL of the extension's members: only --binary-upgrade dumps them (as pg_upgrade
    # needs). OIDs, relfilenodes, LSNs and dropped-column placeholders are normalized away.
    pg_dump --binary-upgrade --schema-only --exclude-schema=public --no-owner -d "$db" 2>"$OUT/ddl.$name.err" \
        | grep -v '^-- Dumped \(from\|by\)\|^SET \|^SELECT pg_catalog.set_config\|^\\\(un\)\?restrict \|binary_upgrade_set_next_\|^SELECT pg_catalog.setval(\|pg\.dropped\.\|^$' \
        | sed -E -e "s/(binary_upgrade_create_empty_extension\('reliability', 'reliability', (true|false), '[^']*', )'\{[0-9,]*\}'/\1'{config table oids}'/" \
        -e "s/^WHERE oid = '[0-9]+';/WHERE oid = '<toast oid>';/" \
        > "$OUT/ddl.$name.sql" || die "$name: pg_dump --binary-upgrade failed: $(cat "$OUT/ddl.$name.err")"
done

status=0
if diff -u --label "fresh $TO (A)" --label "$FROM updated to $TO (B)" "$OUT/footprint.A.txt" "$OUT/footprint.B.txt" > "$OUT/footprint.diff"; then
    echo "compare_install: catalog footprint identical ($(grep -c '^[a-z]' "$OUT/footprint.A.txt") entries, $(grep -c '^member:' "$OUT/footprint.A.txt") extension members)"
else
    echo "compare_install: FAIL: the catalog footprints differ ($(grep -c '^[-+][a-z]' "$OUT/footprint.diff") lines):"
    head -60 "$OUT/footprint.diff"
    status=1
fi
if diff -u --label "pg_dump fresh $TO (A)" --label "pg_dump $FROM updated to $TO (B)" "$OUT/dump.A.sql" "$OUT/dump.B.sql" > "$OUT/dump.diff"; then
    echo "compare_install: pg_dump --schema-only identical ($(grep -c . "$OUT/dump.A.sql") lines)"
else
    echo "compare_install: FAIL: pg_dump --schema-only differs:"
    head -40 "$OUT/dump.diff"
    status=1
fi
if diff -u --label "member DDL fresh $TO (A)" --label "member DDL $FROM updated to $TO (B)" "$OUT/ddl.A.sql" "$OUT/ddl.B.sql" > "$OUT/ddl.diff"; then
    echo "compare_install: DDL of the extension's members (pg_dump --binary-upgrade, normalized) identical ($(grep -c . "$OUT/ddl.A.sql") lines)"
else
    echo "compare_install: FAIL: DDL of the extension's members (pg_dump --binary-upgrade, normalized) differs:"
    head -40 "$OUT/ddl.diff"
    status=1
fi
if [ -z "$data_problems" ]; then
    echo "compare_install: B's data unchanged by the update, its cached scores exact before and after a new poll cycle"
else
    echo "compare_install: FAIL: B after the update:"
    echo "$data_problems" | sed 's/^/  /'
    status=1
fi
[ -n "${UPGRADE_OUT:-}" ] && echo "compare_install: files in $OUT"
drop_dbs
exit $status
