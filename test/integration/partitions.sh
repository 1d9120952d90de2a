#!/usr/bin/env bash
# Time partitions with pg_partman (issue 10; docs/PARTITIONING.md). Two databases get the same
# fleet, written through the same statements: one keeps the extension's single DEFAULT
# partitions (an install without pg_partman), the other hands the tables to pg_partman with
# reliability.partition_by_time() and gets a daily partition for every past day as well. Every
# result must be the same in both, before and after compact(), which must drop the whole
# partitions in the partitioned one and return the same count. Then: pg_dump/pg_restore of the
# partitioned database, pg_partman's maintenance, the refusals of partition_by_time(), and a
# database updated from 0.1.0 handed to pg_partman.
TEST=partitions DB=reliability_parted
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap cleanup_work EXIT
PLAIN=reliability_unparted

if [ ! -f "$(pg_config --sharedir)/extension/pg_partman.control" ]; then
    not_ok "pg_partman is not installed (scripts/install-deps.sh installs postgresql-15-partman)"
    finish
fi

# The same fleet in a database: 24 machines, 40 days of 5-minute observations up to now with
# outages, late rows, an UPDATE that moves rows across days, deletes, interruptions and ratings.
# Written in daily poll statements so the cache slides as in production.
FLEET=$(cat <<'SQL'
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SELECT reliability.machine('part', 'm' || k) FROM generate_series(1, 24) k;
CREATE TABLE public.clock AS SELECT :'now0'::timestamptz AS now0;
DO $$
DECLARE d integer;
BEGIN
    FOR d IN REVERSE 40..0 LOOP
        INSERT INTO reliability.observations
        SELECT m.machine_id, c.now0 - (d * 288 + g) * interval '5 minutes',
               NOT (m.machine_id % 5 = 0 AND (d * 288 + g) % 97 < 9)
          FROM reliability.machines m, public.clock c, generate_series(0, 287) g
         WHERE (d * 288 + g) % 53 <> m.machine_id % 53;
        INSERT INTO reliability.interruptions (machine_id, occurred_at, reason)
        SELECT m.machine_id, c.now0 - d * interval '1 day' - m.machine_id * interval '7 minutes', 'oom'
          FROM reliability.machines m, public.clock c WHERE (m.machine_id + d) % 6 = 0;
    END LOOP;
END
$$;
-- late rows (into past days), a move across days, deletes
INSERT INTO reliability.observations
SELECT m.machine_id, c.now0 - (g * 288 + m.machine_id) * interval '5 minutes', false
  FROM reliability.machines m, public.clock c, generate_series(1, 35) g
 WHERE (g * 288 + m.machine_id) % 53 = m.machine_id % 53;
UPDATE reliability.observations o SET observed_at = o.observed_at - interval '1 day 2 minutes'
  FROM public.clock c WHERE o.machine_id = 3 AND o.observed_at > c.now0 - interval '3 days' AND o.observed_at < c.now0 - interval '2 days 23 hours';
DELETE FROM reliability.observations o USING public.clock c
 WHERE o.machine_id = 4 AND o.observed_at > c.now0 - interval '20 days' AND o.observed_at < c.now0 - interval '19 days';
SELECT reliability.rate(m.machine_id, 'u' || m.machine_id, 1 + m.machine_id::integer % 5) FROM reliability.machines m;
SQL
)
# Every result the SPEC defines, as text, at fixed as_of times.
RESULTS=$(cat <<'SQL'
SET TimeZone = 'UTC';
SELECT 'score', m.machine_id, reliability.score(m.machine_id, c.now0)::text FROM reliability.machines m, public.clock c
UNION ALL
SELECT 'score-2d', m.machine_id, reliability.score(m.machine_id, c.now0 - interval '2 days 3 hours')::text FROM reliability.machines m, public.clock c
UNION ALL
SELECT 'cached', s.machine_id, (to_jsonb(s) - 'computed_at')::text FROM reliability.scores s
UNION ALL
SELECT 'daily', m.machine_id, (SELECT string_agg(d::text, ';' ORDER BY d.day) FROM reliability.daily_uptime(m.machine_id, 7, c.now0) d)
  FROM reliability.machines m, public.clock c
UNION ALL
SELECT 'sparkline', m.machine_id, reliability.sparkline(m.machine_id, 7, c.now0) FROM reliability.machines m, public.clock c
UNION ALL
SELECT 'history', h.machine_id, h.day::text || ' ' || h.summary::text || ' ' || h.interruptions || ' ' || coalesce(h.last_observed_at::text, '-')
  FROM reliability.history h
ORDER BY 1, 2, 3;
SQL
)

# One clock for both databases: the fleet's rows end at NOW0 in both.
NOW0=$(psql_admin -At -c "SELECT date_trunc('minute', now())")
fresh_db "$PLAIN"; fresh_db "$DB"
q_in "$PLAIN" -c "CREATE EXTENSION reliability" >/dev/null
made=$(q -c "SET client_min_messages = warning" -c "CREATE EXTENSION reliability" -c "CREATE SCHEMA partman" \
         -c "CREATE EXTENSION pg_partman SCHEMA partman" -c "SELECT count(*) FROM reliability.partition_by_time()" 2>&1)
if [[ "$made" =~ ^[0-9]+$ ]] && [ "$made" -ge 14 ]; then
    ok "partition_by_time() hands both tables to pg_partman ($made daily partitions from tomorrow on)"
else
    not_ok "partition_by_time() failed: $made"; finish
fi
# The past days get their partitions too (as if pg_partman had run for 45 days).
past=$(q -c "SET TimeZone = 'UTC'" -c "SELECT partman.create_partition_time('reliability.' || t, array_agg(d))
    FROM (VALUES ('observations'), ('interruptions')) v(t),
         LATERAL (SELECT date_trunc('day', now()) - g * interval '1 day' AS d FROM generate_series(0, 45) g) x GROUP BY t" 2>&1)
parts_before=$(q -c "SELECT count(*) FROM reliability._time_partitions('reliability.observations')")
[ "$parts_before" -ge 50 ] && ok "daily partitions for the past 45 days ($parts_before in all)" || not_ok "past partitions: $past"

for db in "$PLAIN" "$DB"; do
    q_in "$db" -v now0="$NOW0" >/dev/null <<<"$FLEET" || not_ok "loading the fleet into $db failed"
done
q -c "SELECT tableoid::regclass FROM reliability.observations GROUP BY 1" > "$WORK/holders"
in_default=$(q -c "SELECT count(*) FROM reliability.observations_default")
[ "$(wc -l < "$WORK/holders")" -ge 41 ] && [ "$in_default" = 0 ] \
    && ok "the rows are in $(wc -l < "$WORK/holders") daily partitions, none in the DEFAULT partition" \
    || not_ok "rows not routed to the time partitions ($(wc -l < "$WORK/holders") partitions, $in_default in DEFAULT)"

check "cache exact in the partitioned database" "$(cache_problems "$DB")"
check "cache exact in the unpartitioned database" "$(cache_problems "$PLAIN")"
for db in "$PLAIN" "$DB"; do q_in "$db" -c "SELECT reliability.refresh()" >/dev/null; done
q_in "$PLAIN" <<<"$RESULTS" > "$WORK/plain.before"
q <<<"$RESULTS" > "$WORK/parted.before"
# (the cached rows are compared within each database: their as_of is the time of the last
# write, which differs between the two loads; cache_problems checked them above)
check "every result the same with and without time partitions ($(grep -vc '^cached|' "$WORK/plain.before") lines)" \
    "$(diff <(grep -v '^cached|' "$WORK/plain.before") <(grep -v '^cached|' "$WORK/parted.before") | head -20)"

# --- compact(): whole partitions dropped, the same count, results unchanged --------------------
# (days counted from the fleet's clock, not from now(), a run that crosses midnight UTC keeps
# them; 34 days back, so that every window of RESULTS, 2 days 3 hours before the clock included,
# starts after the horizon whatever the time of day)
before=$(q -c "SELECT (c.now0 AT TIME ZONE 'UTC')::date - 34 FROM public.clock c")
n_plain=$(q_in "$PLAIN" -c "SELECT reliability.compact('$before')" 2>&1)
n_parted=$(q -c "SELECT reliability.compact('$before')" 2>&1)
[[ "$n_plain" =~ ^[0-9]+$ ]] && [ "$n_plain" -gt 0 ] && [ "$n_plain" = "$n_parted" ] \
    && ok "compact('$before') deletes $n_parted rows, as many as without partitions" \
    || not_ok "compact counts differ: unpartitioned $n_plain, partitioned $n_parted"
left=$(q -c "SELECT count(*) FROM reliability._time_partitions('reliability.observations') t WHERE t.upper_bound <= '$before'::timestamptz - interval '10 minutes'")
kept=$(q -c "SELECT count(*) FROM reliability.observations WHERE observed_at < '$before'")
raw_plain=$(q_in "$PLAIN" -c "SELECT count(*) FROM reliability.observations WHERE observed_at < '$before'")
[ "$left" = 0 ] && [ "$kept" = "$raw_plain" ] \
    && ok "every partition before the cutoff dropped; the day it splits keeps its last max_gap ($kept rows, as unpartitioned)" \
    || not_ok "after compact: $left partitions before the cutoff left, $kept rows before $before (unpartitioned: $raw_plain)"
q_in "$PLAIN" <<<"$RESULTS" > "$WORK/plain.after"
q <<<"$RESULTS" > "$WORK/parted.after"
check "results unchanged by compact() (unpartitioned)" "$(diff "$WORK/plain.before" "$WORK/plain.after" | head -10)"
check "results unchanged by compact() (partitioned)" "$(diff "$WORK/parted.before" "$WORK/parted.after" | head -10)"
check "cache exact after compact() (partitioned)" "$(cache_problems "$DB")"

# A second compaction a day later: the partition the first one split holds only its kept rows
# now (counted, then dropped), the next day's is split in turn (counted from history).
before2=$(q -c "SELECT (c.now0 AT TIME ZONE 'UTC')::date - 33 FROM public.clock c")
n_plain2=$(q_in "$PLAIN" -c "SELECT reliability.compact('$before2')" 2>&1)
n_parted2=$(q -c "SELECT reliability.compact('$before2')" 2>&1)
[[ "$n_plain2" =~ ^[0-9]+$ ]] && [ "$n_plain2" -gt 0 ] && [ "$n_plain2" = "$n_parted2" ] \
    && ok "a second compact('$before2') deletes $n_parted2 rows, as many as without partitions" \
    || not_ok "second compact counts differ: unpartitioned $n_plain2, partitioned $n_parted2"
# (without the score 2 days back: its window now starts before the horizon, 22023)
RESULTS2=$(sed "/'score-2d'/,/^UNION ALL\$/d" <<<"$RESULTS")
q <<<"$RESULTS2" > "$WORK/parted.after2"
check "results unchanged by the second compact() (partitioned)" \
    "$(diff <(grep -v '^score-2d|' "$WORK/parted.before") "$WORK/parted.after2" | head -10)"

# --- writes after compaction: a poll cycle, a refused late row --------------------------------
POLL="INSERT INTO reliability.observations SELECT machine_id, now(), true FROM reliability.machines"
for db in "$PLAIN" "$DB"; do q_in "$db" -c "$POLL" >/dev/null; done
check "cache exact after a poll cycle into tomorrow's partitions' table" "$(cache_problems "$DB")"
err=$(q -c "INSERT INTO reliability.observations VALUES (1, '$before'::timestamptz - interval '3 days', true)" 2>&1)
[[ "$err" == *"compacted"* || "$err" == *"horizon"* ]] && ok "a row before the horizon is refused: ${err%%$'\n'*}" || not_ok "late row before the horizon: $err"

# --- pg_partman's maintenance, pg_dump / pg_restore --------------------------------------------
if out=$(q -c "SET TimeZone = 'UTC'" -c "SELECT partman.run_maintenance()" 2>&1); then ok "partman.run_maintenance() runs"
else not_ok "partman.run_maintenance(): $out"; fi
RESTORED=reliability_parted_restored
fresh_db "$RESTORED"
# As docs/PARTITIONING.md says: the time partitions' indexes are made when the restore attaches
# them to the extension's parents, so their own index entries are left out of the list.
if pg_dump -Fc -f "$WORK/parted.dump" -d "$DB" 2>"$WORK/dump.err" \
   && pg_restore -l "$WORK/parted.dump" \
      | grep -Ev '^[0-9]+; [0-9]+ [0-9]+ (CONSTRAINT|INDEX|INDEX ATTACH) reliability (observations|interruptions)_p' > "$WORK/list" \
   && pg_restore --exit-on-error -L "$WORK/list" -d "$RESTORED" "$WORK/parted.dump" 2>"$WORK/restore.err"; then
    ok "pg_dump -Fc | pg_restore -L (the list of docs/PARTITIONING.md) of the partitioned database"
else
    not_ok "dump or restore failed: $(head -5 "$WORK/dump.err" "$WORK/restore.err")"
fi
q <<<"$RESULTS" > "$WORK/parted.final"
q_in "$RESTORED" <<<"$RESULTS" > "$WORK/restored.final"
check "the restored database gives the same results" "$(diff "$WORK/parted.final" "$WORK/restored.final" | head -10)"
rp=$(q_in "$RESTORED" -c "SELECT count(*) FROM reliability._time_partitions('reliability.observations')")
sp=$(q -c "SELECT count(*) FROM reliability._time_partitions('reliability.observations')")
[ "$rp" = "$sp" ] && ok "the restored database has the same $rp time partitions" || not_ok "time partitions: $sp dumped, $rp restored"
q_in "$RESTORED" -c "$POLL" >/dev/null
check "cache exact in the restored database after a poll cycle" "$(cache_problems "$RESTORED")"

# --- refusals ---------------------------------------------------------------------------------
sqlstate() { q_in "$1" -c "\\set VERBOSITY sqlstate" -c "$2" 2>&1 | sed -n 's/^ERROR: *\([0-9A-Z]\{5\}\).*/\1/p'; }
s1=$(sqlstate "$PLAIN" "SELECT reliability.partition_by_time()")
s2=$(sqlstate "$DB" "SELECT reliability.partition_by_time()")
s3=$(sqlstate "$DB" "SELECT reliability.partition_by_time('1 week')")
s4=$(sqlstate "$DB" "SELECT reliability.partition_by_time('1 day', 0)")
[ "$s1" = 42704 ] && [ "$s2" = 55000 ] && [ "$s3" = 22023 ] && [ "$s4" = 22023 ] \
    && ok "partition_by_time() refuses: no pg_partman (42704), twice (55000), another interval (22023), premake 0 (22023)" \
    || not_ok "partition_by_time() refusals: $s1 $s2 $s3 $s4 (want 42704 55000 22023 22023)"

# After DROP EXTENSION, pg_partman keeps its configuration of the dropped tables: a new
# install's partition_by_time() says so (55000) and names the fix, which then works.
q_in "$RESTORED" -c "SET client_min_messages = warning" -c "DROP EXTENSION reliability CASCADE" -c "CREATE EXTENSION reliability" >/dev/null
s5=$(sqlstate "$RESTORED" "SELECT reliability.partition_by_time()")
q_in "$RESTORED" -c "DELETE FROM partman.part_config WHERE parent_table IN ('reliability.observations', 'reliability.interruptions')" >/dev/null
again=$(q_in "$RESTORED" -c "SET client_min_messages = warning" -c "SELECT count(*) FROM reliability.partition_by_time()" 2>&1)
[ "$s5" = 55000 ] && [[ "$again" =~ ^[0-9]+$ ]] && [ "$again" -ge 14 ] \
    && ok "after DROP EXTENSION, partition_by_time() refuses pg_partman's leftover configuration (55000); without it, it works" \
    || not_ok "leftover pg_partman configuration: $s5, then: $again"

# --- a 0.1.0 database, updated, handed to pg_partman --------------------------------------------
OLD=reliability_parted_from_010
fresh_db "$OLD"
q_in "$OLD" >/dev/null <<SQL || not_ok "0.1.0 fleet"
SET client_min_messages = warning;
CREATE EXTENSION reliability VERSION '0.1.0';
SELECT reliability.machine('old', 'm' || k) FROM generate_series(1, 5) k;
INSERT INTO reliability.observations SELECT m.machine_id, now() - g * interval '5 minutes', g % 11 <> 0
  FROM reliability.machines m, generate_series(1, 3000) g;
CREATE TABLE public.rows_before AS SELECT * FROM reliability.observations;
DROP ROLE IF EXISTS reliability_parted_monitor;
CREATE ROLE reliability_parted_monitor;
GRANT USAGE ON SCHEMA reliability TO reliability_parted_monitor;
GRANT INSERT, SELECT ON reliability.observations TO reliability_parted_monitor;
ALTER EXTENSION reliability UPDATE;
CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;
SELECT reliability.partition_by_time();
SQL
same=$(q_in "$OLD" -c "SELECT count(*) FROM ((TABLE public.rows_before EXCEPT TABLE reliability.observations) UNION ALL (TABLE reliability.observations EXCEPT TABLE public.rows_before)) x")
kind=$(q_in "$OLD" -c "SELECT relkind FROM pg_class WHERE oid = 'reliability.observations'::regclass")
[ "$same" = 0 ] && [ "$kind" = p ] && ok "0.1.0 updated: observations partitioned, every row kept (in its DEFAULT partition)" \
    || not_ok "0.1.0 updated: relkind $kind, $same rows differ"
q_in "$OLD" -c "$POLL" >/dev/null
check "0.1.0 updated and partitioned: cache exact after a poll cycle" "$(cache_problems "$OLD")"
# The monitor's grants moved to the parent: it writes through it, not into the partition, and
# pg_dump still dumps the grant (it is the user's, not one of the extension's initial ones).
privs=$(q_in "$OLD" -c "SELECT has_table_privilege('reliability_parted_monitor', 'reliability.observations', 'INSERT'),
                               has_table_privilege('reliability_parted_monitor', 'reliability.observations_default', 'INSERT')")
dumped=$(pg_dump -s -d "$OLD" | grep -c 'GRANT SELECT,INSERT ON TABLE reliability.observations TO reliability_parted_monitor')
wrote=$(q_in "$OLD" -c "SET ROLE reliability_parted_monitor" -c "INSERT INTO reliability.observations SELECT 1, now() + interval '1 second', true" -c "SELECT 'wrote'" 2>&1)
[ "$privs" = "t|f" ] && [ "$dumped" = 1 ] && [ "$wrote" = wrote ] \
    && ok "0.1.0 updated: a role's grants on observations moved to the parent (it writes; pg_dump dumps the grant)" \
    || not_ok "grants after the update: parent|partition $privs, dumped $dumped, insert: $wrote"
check "cache exact after the monitor's insert" "$(cache_problems "$OLD")"
psql_admin -c "DROP OWNED BY reliability_parted_monitor CASCADE" -d "$OLD" >/dev/null 2>&1

for d in "$PLAIN" "$RESTORED" "$OLD"; do drop_db "$d"; done
psql_admin -c "DROP ROLE IF EXISTS reliability_parted_monitor" >/dev/null 2>&1
finish
