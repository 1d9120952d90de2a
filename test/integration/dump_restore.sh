#!/usr/bin/env bash
# pg_dump / restore of a database using reliability (SPEC §1): every user-data table,
# settings and the id sequence are dumped; a restore into a fresh database gives the same
# rows, settings and scores, nothing twice, and new machines can be created after it.
#
# Runs inside a cluster (pg_virtualenv: PGHOST/PGPORT/PGUSER/PGDATABASE are set):
#   1. builds a source database: a small fleet with observations (an old stretch scored at a
#      fixed as_of, and recent ones for the live cache), interruptions, ratings, manual,
#      temporary and auto blacklist entries, non-default settings;
#   2. pg_dump -Fc | pg_restore into a fresh database, pg_dump (plain) | psql, pg_dump --inserts
#      | psql, and a dump without the scores data (--exclude-table-data), each into
#      another one; for each, asserts identical machines / observations / interruptions /
#      ratings / blacklist rows, settings row, history rows and compaction horizon (the source
#      is refreshed and compacted: SPEC §9) and daily_uptime() (nothing twice), one settings row, every
#      cached score exact there (= reliability.score(machine_id, computed_at)) and present
#      for every machine with data, reliability.score(m, fixed as_of) identical to the
#      source for every machine, and that reliability.machine() creates a new machine with
#      an id that collides with none;
#   3. DROP EXTENSION reliability CASCADE; CREATE EXTENSION reliability works.
# The cache checks are lib.sh's cache_problems. Prints one line per check, the number of
# notes (outcomes reported but not judged) and "dump_restore: N passed, M failed"; exits 1
# when any check failed.
TEST=dump_restore DB=reliability_dump_src
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

SRC=$DB
DST_CUSTOM=reliability_dump_custom
DST_PLAIN=reliability_dump_plain
AS_OF='2024-03-01 00:00:00+00'

fresh_db "$SRC" || { not_ok "cannot create database $SRC"; finish; }

# --- the source database ------------------------------------------------------------------
if ! q_in "$SRC" >/dev/null <<SQL; then not_ok "building the source database failed"; finish; fi
SET client_min_messages = warning;
CREATE EXTENSION reliability;
UPDATE reliability.settings SET score_window = interval '20 days', max_gap = interval '10 minutes',
       weight_uptime = 0.5, weight_interruption = 0.3, weight_rating = 0.2,
       interruption_horizon = interval '12 hours', rating_prior_mean = 3.5, rating_prior_weight = 2,
       min_history = interval '1 day', tier_excellent = 95, tier_good = 80, tier_fair = 50,
       stale_after = interval '6 hours', auto_blacklist_below = 60, auto_blacklist_for = interval '2 days';
SELECT reliability.machine(p, 'gpu-' || i)
  FROM (VALUES ('vast'), ('runpod')) AS v(p), generate_series(1, 4) AS i;
-- a machine without any data (no cached row), and one whose data is all deleted later
SELECT reliability.machine('vast', 'idle'), reliability.machine('vast', 'emptied');
-- February 2024, every 5 minutes; machine k is offline one poll in k+1
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.machine_id, timestamptz '2024-02-05 00:00:00+00' + g * interval '5 minutes', g % (m.machine_id + 1) <> 0
  FROM reliability.machines m, generate_series(0, 5000) AS g
 WHERE m.external_id LIKE 'gpu-%';
-- the last two days, every 2 minutes, with a stretch offline for machine 1 (auto-blacklisted)
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.machine_id, date_trunc('minute', now()) - g * interval '2 minutes',
       CASE WHEN m.machine_id = 1 THEN g % 3 = 0 ELSE g % 11 <> 0 END
  FROM reliability.machines m, generate_series(1, 1440) AS g
 WHERE m.external_id LIKE 'gpu-%';
INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT machine_id, timestamptz '2024-02-10 00:00:00+00', true FROM reliability.machines WHERE external_id = 'emptied';
DELETE FROM reliability.observations WHERE machine_id = (SELECT machine_id FROM reliability.machines WHERE external_id = 'emptied');
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT m.machine_id, timestamptz '2024-02-20 00:00:00+00' + k * interval '7 hours', 'i-' || k, 'reason ' || k
  FROM reliability.machines m, generate_series(1, 3) AS k WHERE m.machine_id % 2 = 0 AND m.external_id LIKE 'gpu-%';
INSERT INTO reliability.interruptions (machine_id, occurred_at, instance_id, reason)
SELECT m.machine_id, now() - k * interval '5 hours', NULL, NULL
  FROM reliability.machines m, generate_series(1, 2) AS k WHERE m.machine_id % 3 = 0 AND m.external_id LIKE 'gpu-%';
SELECT (reliability.rate(m.machine_id, 'user-' || u, (1 + (m.machine_id + u) % 5)::integer,
                         CASE WHEN u = 1 THEN 'fine, ''quoted'' and tab	and newline
second line' END, u * 2.5, 'inst-' || u)).stars
  FROM reliability.machines m, generate_series(1, 3) AS u WHERE m.external_id LIKE 'gpu-%';
SELECT (reliability.rate(1, 'user-1', 2, 'changed my mind')).stars;
INSERT INTO reliability.blacklist (machine_id, kind, reason, blocked_by, blacklisted_at, expires_at)
VALUES (2, 'manual', 'fraud', 'ops@example', '2024-02-01 12:00:00+00', NULL),
       (3, 'temporary', 'maintenance', 'ops@example', '2024-02-02 12:00:00+00', now() + interval '3 days'),
       (4, 'temporary', 'expired', 'ops@example', '2024-02-03 12:00:00+00', '2024-02-04 12:00:00+00')
ON CONFLICT (machine_id) DO UPDATE SET kind = excluded.kind, reason = excluded.reason, blocked_by = excluded.blocked_by,
       blacklisted_at = excluded.blacklisted_at, expires_at = excluded.expires_at;
-- History (SPEC §9): materialized, then the oldest raw rows compacted away. A restore must
-- bring back history and the horizon, and the rows compact() kept just before it.
SELECT reliability.refresh() >= 0;
SELECT reliability.compact('2024-02-08') > 0;
SQL

# snapshot DB FILE-PREFIX: the contents that must survive, in a stable order
snapshot() {
    local db=$1 out=$2
    q_in "$db" -c "SELECT m.* FROM reliability.machines m ORDER BY m.machine_id" > "$out.machines" &&
    q_in "$db" -c "SELECT o.* FROM reliability.observations o ORDER BY o.machine_id, o.observed_at" > "$out.observations" &&
    q_in "$db" -c "SELECT i.* FROM reliability.interruptions i ORDER BY i.machine_id, i.occurred_at, i.instance_id" > "$out.interruptions" &&
    q_in "$db" -c "SELECT r.* FROM reliability.ratings r ORDER BY r.machine_id, r.user_id" > "$out.ratings" &&
    q_in "$db" -c "SELECT b.* FROM reliability.blacklist b WHERE b.kind <> 'auto' ORDER BY b.machine_id" > "$out.blacklist" &&
    q_in "$db" -c "SELECT b.* FROM reliability.blacklist b WHERE b.kind = 'auto' ORDER BY b.machine_id" > "$out.auto_blacklist" &&
    q_in "$db" -c "SELECT s.* FROM reliability.scores s ORDER BY s.machine_id" > "$out.scores" &&
    q_in "$db" -c "SELECT s.* FROM reliability.settings s" > "$out.settings" &&
    q_in "$db" -c "SELECT m.machine_id, reliability.score(m.machine_id, '$AS_OF') FROM reliability.machines m ORDER BY 1" > "$out.score_as_of" &&
    q_in "$db" -c "SELECT s.machine_id FROM reliability.scores s ORDER BY 1" > "$out.cached_machines" &&
    q_in "$db" -c "SELECT h.machine_id, h.day, h.summary::text, h.interruptions, h.last_observed_at FROM reliability.history h ORDER BY 1, 2" > "$out.history" &&
    q_in "$db" -c "SELECT r.* FROM reliability.retention r" > "$out.retention" &&
    q_in "$db" -c "SELECT m.machine_id, d.* FROM reliability.machines m, reliability.daily_uptime(m.machine_id, 30, '$AS_OF') d ORDER BY 1, 2" > "$out.daily_uptime"
}

if ! snapshot "$SRC" "$WORK/src"; then not_ok "reading the source database failed"; finish; fi
problems=$(cache_problems "$SRC")
if [ -z "$problems" ]; then ok "source: every cached score exact"; else not_ok "source: cached scores not exact:"; echo "$problems"; fi
echo "# source: $(wc -l < "$WORK/src.machines") machines, $(wc -l < "$WORK/src.observations") observations, $(wc -l < "$WORK/src.interruptions") interruptions, $(wc -l < "$WORK/src.ratings") ratings, $(wc -l < "$WORK/src.blacklist") blacklist rows ($(q_in "$SRC" -c "SELECT string_agg(kind, ',' ORDER BY machine_id) FROM reliability.blacklist")), $(wc -l < "$WORK/src.cached_machines") cached scores"

# verify_restored DB LABEL [SRC-PREFIX]: every assertion about a restored database
verify_restored() {
    local db=$1 label=$2 src=${3:-src} t
    if ! snapshot "$db" "$WORK/$label"; then not_ok "$label: cannot read the restored database"; return; fi
    # Auto entries: the restore's own triggers compute the arriving data as of the restore
    # time and may renew an active auto entry (SPEC §5: later, never earlier); everything
    # else of the entry is the dumped one.
    if paste -d '|' "$WORK/$src.auto_blacklist" "$WORK/$label.auto_blacklist" \
        | awk -F'|' '{ if ($1 != $7 || $2 != $8 || $4 != $10 || $5 != $11 || $12 < $6) bad = bad $1 " " } END { print bad }' \
        | grep -q '[0-9]' || [ "$(wc -l < "$WORK/$src.auto_blacklist")" != "$(wc -l < "$WORK/$label.auto_blacklist")" ]; then
        not_ok "$label: auto blacklist entries differ beyond a later renewal:"; diff "$WORK/$src.auto_blacklist" "$WORK/$label.auto_blacklist" | head -10
    else
        ok "$label: auto blacklist entries as dumped ($(wc -l < "$WORK/$src.auto_blacklist"), renewed no earlier)"
    fi
    for t in machines observations interruptions ratings blacklist settings history retention daily_uptime; do
        if diff -q "$WORK/$src.$t" "$WORK/$label.$t" >/dev/null; then
            ok "$label: $t identical ($(wc -l < "$WORK/$src.$t") rows)"
        else
            not_ok "$label: $t differ (source $(wc -l < "$WORK/$src.$t") rows, restored $(wc -l < "$WORK/$label.$t")):"
            diff "$WORK/$src.$t" "$WORK/$label.$t" | head -20
        fi
    done
    # The cache itself: the dumped rows, kept as they are, whatever the settings (the
    # restore applies the dumped settings first, through reliability._settings_copy).
    # A dump without the scores data recomputes them instead (exact: checked below).
    if [ "$label" = without_scores ]; then
        :
    elif diff -q "$WORK/$src.scores" "$WORK/$label.scores" >/dev/null; then
        ok "$label: the scores cache identical ($(wc -l < "$WORK/$src.scores") rows)"
    else
        not_ok "$label: the scores cache differs:"; diff "$WORK/$src.scores" "$WORK/$label.scores" | head -10
    fi
    local n
    n=$(q_in "$db" -c "SELECT count(*) FROM reliability.settings")
    if [ "$n" = 1 ]; then ok "$label: one settings row"; else not_ok "$label: $n settings rows"; fi
    local problems
    problems=$(cache_problems "$db")
    if [ -z "$problems" ]; then
        ok "$label: every cached score exact ($(wc -l < "$WORK/$label.cached_machines") rows)"
    else
        not_ok "$label: cached scores not exact or missing:"; echo "$problems" | head -20
    fi
    # Without the dumped cache, a machine whose data was all deleted (its row stays in the
    # source) has nothing to compute a row from: only machines with data are required.
    if [ "$label" = without_scores ]; then
        :
    elif diff -q "$WORK/$src.cached_machines" "$WORK/$label.cached_machines" >/dev/null; then
        ok "$label: cached rows for the same machines as the source"
    else
        not_ok "$label: cached rows for other machines than the source:"; diff "$WORK/$src.cached_machines" "$WORK/$label.cached_machines"
    fi
    if diff -q "$WORK/$src.score_as_of" "$WORK/$label.score_as_of" >/dev/null; then
        ok "$label: reliability.score(m, '$AS_OF') identical for every machine"
    else
        not_ok "$label: reliability.score(m, '$AS_OF') differs:"; diff "$WORK/$src.score_as_of" "$WORK/$label.score_as_of" | head -20
    fi
    local new_id max_id
    [ "$(q_in "$db" -c "SELECT count(*) FROM reliability.machines")" -gt 0 ] || return
    max_id=$(q_in "$db" -c "SELECT max(machine_id) FROM reliability.machines")
    if new_id=$(q_in "$db" -c "SELECT reliability.machine('x', 'new')" 2>&1); then
        if [ "$new_id" -gt "$max_id" ] && [ "$(q_in "$db" -c "SELECT count(*) FROM reliability.machines WHERE machine_id = $new_id")" = 1 ]; then
            ok "$label: a new machine after the restore gets id $new_id (the largest before was $max_id)"
        else
            not_ok "$label: the new machine got id $new_id (the largest before was $max_id)"
        fi
        if [ "$(q_in "$db" -c "SELECT reliability.machine('x', 'new')")" = "$new_id" ]; then
            ok "$label: reliability.machine() finds the new machine again"
        else
            not_ok "$label: reliability.machine() does not find the new machine again"
        fi
    else
        not_ok "$label: reliability.machine('x', 'new') fails after the restore: $new_id"
    fi
    # the restored triggers keep working: new data for a restored machine
    if q_in "$db" -c "INSERT INTO reliability.observations VALUES (2, now() - interval '30 seconds', false)" \
            -c "SELECT (reliability.rate(3, 'after-restore', 5)).stars" >/dev/null 2>"$WORK/err"; then
        problems=$(cache_problems "$db")
        if [ -z "$problems" ]; then ok "$label: writes after the restore keep the cache exact"; else not_ok "$label: cache not exact after writes:"; echo "$problems"; fi
    else
        not_ok "$label: writing after the restore failed: $(cat "$WORK/err")"
    fi
}

# --- custom format: pg_dump -Fc, pg_restore into a fresh database ---------------------------
if pg_dump -Fc -f "$WORK/dump.custom" -d "$SRC" 2>"$WORK/dump.err"; then
    ok "pg_dump -Fc"
else
    not_ok "pg_dump -Fc failed:"; cat "$WORK/dump.err"
fi
fresh_db "$DST_CUSTOM"
if pg_restore --exit-on-error -d "$DST_CUSTOM" "$WORK/dump.custom" 2>"$WORK/restore.err"; then
    ok "pg_restore (custom format) without error"
else
    not_ok "pg_restore (custom format) failed:"; head -30 "$WORK/restore.err"
    echo "# retrying without --exit-on-error to see every error:"
    psql_admin -c "DROP DATABASE $DST_CUSTOM" -c "CREATE DATABASE $DST_CUSTOM"
    pg_restore -d "$DST_CUSTOM" "$WORK/dump.custom" 2>&1 | head -30
fi
[ -s "$WORK/restore.err" ] && { echo "# pg_restore said:"; head -20 "$WORK/restore.err"; }
verify_restored "$DST_CUSTOM" custom

# --- the same dump restored by parallel jobs (pg_restore -j): not part of the pass/fail --
# PostgreSQL itself does not order the data of extension configuration tables by their
# foreign keys in a parallel restore; what happens is reported as a note.
DST_PARALLEL=reliability_dump_parallel
fresh_db "$DST_PARALLEL"
if pg_restore -j 4 -d "$DST_PARALLEL" "$WORK/dump.custom" 2>"$WORK/restore.err"; then
    problems=$(cache_problems "$DST_PARALLEL")
    [ -z "$problems" ] && note "pg_restore -j 4 works and the cache is exact" || note "pg_restore -j 4: cache not exact: $problems"
else
    note "pg_restore -j 4 fails (a PostgreSQL limitation with foreign keys between extension configuration tables): $(grep -m1 'ERROR' "$WORK/restore.err")"
fi

# --- plain format: pg_dump | psql ---------------------------------------------------------
fresh_db "$DST_PLAIN"
if pg_dump -d "$SRC" > "$WORK/dump.sql" 2>"$WORK/dump.err" \
   && psql -X -q -v ON_ERROR_STOP=1 -d "$DST_PLAIN" -f "$WORK/dump.sql" >/dev/null 2>"$WORK/plain.err"; then
    ok "pg_dump (plain) | psql without error"
else
    not_ok "pg_dump (plain) | psql failed:"; cat "$WORK/dump.err"; head -30 "$WORK/plain.err"
    echo "# retrying without ON_ERROR_STOP to see every error:"
    psql_admin -c "DROP DATABASE $DST_PLAIN" -c "CREATE DATABASE $DST_PLAIN"
    psql -X -q -d "$DST_PLAIN" -f "$WORK/dump.sql" 2>&1 >/dev/null | head -30
fi
grep -v '^$' "$WORK/plain.err" 2>/dev/null | head -10 | sed 's/^/# psql said: /'
verify_restored "$DST_PLAIN" plain

# --- plain format with INSERT statements: pg_dump --inserts | psql ---------------------------
DST_INSERTS=reliability_dump_inserts
fresh_db "$DST_INSERTS"
if pg_dump --inserts -d "$SRC" > "$WORK/dump_inserts.sql" 2>"$WORK/dump.err" \
   && psql -X -q -v ON_ERROR_STOP=1 -d "$DST_INSERTS" -f "$WORK/dump_inserts.sql" >/dev/null 2>"$WORK/inserts.err"; then
    ok "pg_dump --inserts | psql without error"
else
    not_ok "pg_dump --inserts | psql failed:"; cat "$WORK/dump.err"; head -30 "$WORK/inserts.err"
fi
verify_restored "$DST_INSERTS" inserts

# --- a dump without the cache (--exclude-table-data=reliability.scores): the restore
# computes every score, with the dumped settings --------------------------------------------
DST_NOSCORES=reliability_dump_noscores
fresh_db "$DST_NOSCORES"
if pg_dump -Fc --exclude-table-data=reliability.scores -f "$WORK/dump_noscores.custom" -d "$SRC" 2>"$WORK/dump.err" \
   && pg_restore --exit-on-error -d "$DST_NOSCORES" "$WORK/dump_noscores.custom" 2>"$WORK/restore.err"; then
    ok "pg_dump --exclude-table-data=reliability.scores | pg_restore without error"
else
    not_ok "dump without the scores data, or its restore, failed: $(head -5 "$WORK/dump.err" "$WORK/restore.err")"
fi
verify_restored "$DST_NOSCORES" without_scores

# --- default settings: the restored cache is the dumped one, row for row ---------------------
DST_DEFAULT=reliability_dump_default
fresh_db "$DST_DEFAULT"
# (max_gap and score_window stay: the source is compacted, history was summarized with that
# max_gap, and a 30-day window at $AS_OF would reach before the horizon)
if q_in "$SRC" -c "UPDATE reliability.settings SET weight_uptime = DEFAULT,
        weight_interruption = DEFAULT, weight_rating = DEFAULT, interruption_horizon = DEFAULT,
        rating_prior_mean = DEFAULT, rating_prior_weight = DEFAULT, min_history = DEFAULT, tier_excellent = DEFAULT,
        tier_good = DEFAULT, tier_fair = DEFAULT, stale_after = DEFAULT, auto_blacklist_below = DEFAULT,
        auto_blacklist_for = DEFAULT" >/dev/null \
   && snapshot "$SRC" "$WORK/src_default" \
   && pg_dump -Fc -f "$WORK/dump_default.custom" -d "$SRC" \
   && pg_restore --exit-on-error -d "$DST_DEFAULT" "$WORK/dump_default.custom" 2>"$WORK/restore.err"; then
    ok "default settings: pg_dump -Fc | pg_restore without error"
    verify_restored "$DST_DEFAULT" default src_default
else
    not_ok "default settings: dump or restore failed: $(head -5 "$WORK/restore.err")"
fi

# --- the scores data restored before the observations (pg_restore -L with a reordered list),
# not part of the pass/fail: the restored cache is only right if the scores rows come after
# the data tables. A small database whose observations all lie inside the score window.
SMALL=reliability_dump_small
DST_ORDER=reliability_dump_reordered
fresh_db "$SMALL"
fresh_db "$DST_ORDER"
q_in "$SMALL" >/dev/null <<'SQL'
CREATE EXTENSION reliability;
SELECT reliability.machine('small', '1');
INSERT INTO reliability.observations SELECT 1, now() - k * interval '1 minute', true FROM generate_series(1, 100) AS k;
SQL
pg_dump -Fc -f "$WORK/dump_small.custom" -d "$SMALL"
pg_restore -l "$WORK/dump_small.custom" > "$WORK/list"
{ grep -v 'TABLE DATA reliability scores' "$WORK/list" | sed '/TABLE DATA reliability machines/q'
  grep 'TABLE DATA reliability scores' "$WORK/list"
  grep -v 'TABLE DATA reliability scores' "$WORK/list" | sed '1,/TABLE DATA reliability machines/d'; } > "$WORK/list.reordered"
if pg_restore --exit-on-error -L "$WORK/list.reordered" -d "$DST_ORDER" "$WORK/dump_small.custom" 2>"$WORK/restore.err"; then
    problems=$(cache_problems "$DST_ORDER")
    [ -z "$problems" ] && note "restore with the scores data before the observations: the cache is exact" \
        || note "restore with the scores data before the observations (pg_restore -L): the cache is NOT exact: $(head -1 <<<"$problems")"
else
    note "restore with the scores data first fails: $(grep -m1 'ERROR' "$WORK/restore.err")"
fi

# --- DROP EXTENSION ... CASCADE; CREATE EXTENSION -----------------------------------------
if q_in "$DST_CUSTOM" -c "DROP EXTENSION reliability CASCADE" -c "CREATE EXTENSION reliability" >/dev/null 2>"$WORK/recreate.err"; then
    state=$(q_in "$DST_CUSTOM" -c "SELECT format('%s machines, %s observations, %s scores, %s settings rows, default settings: %s',
        (SELECT count(*) FROM reliability.machines), (SELECT count(*) FROM reliability.observations),
        (SELECT count(*) FROM reliability.scores), (SELECT count(*) FROM reliability.settings),
        (SELECT s.score_window = interval '30 days' AND s.auto_blacklist_below IS NULL FROM reliability.settings s))")
    if [ "$state" = "0 machines, 0 observations, 0 scores, 1 settings rows, default settings: t" ]; then
        ok "DROP EXTENSION reliability CASCADE; CREATE EXTENSION reliability: a fresh, empty install"
    else
        not_ok "after DROP / CREATE EXTENSION: $state"
    fi
    id=$(q_in "$DST_CUSTOM" -c "SELECT reliability.machine('x', 'again')" 2>&1) \
        && q_in "$DST_CUSTOM" -c "INSERT INTO reliability.observations VALUES ($id, now() - interval '1 minute', true)" 2>&1 \
        && [ -z "$(cache_problems "$DST_CUSTOM")" ] \
        && ok "after DROP / CREATE EXTENSION: machines, observations and the cache work" \
        || not_ok "after DROP / CREATE EXTENSION: writing fails or the cache is wrong ($id)"
else
    not_ok "DROP EXTENSION reliability CASCADE; CREATE EXTENSION reliability failed: $(cat "$WORK/recreate.err")"
fi
# and in a database where other objects depend on the extension
if q_in "$SRC" -c "CREATE VIEW public.v AS SELECT machine_id, score FROM reliability.scores" \
        -c "DROP EXTENSION reliability CASCADE" -c "CREATE EXTENSION reliability" >/dev/null 2>"$WORK/recreate.err" \
   && [ "$(q_in "$SRC" -c "SELECT count(*) FROM pg_views WHERE viewname = 'v' AND schemaname = 'public'")" = 0 ]; then
    ok "DROP EXTENSION ... CASCADE drops dependent objects; CREATE EXTENSION again works"
else
    not_ok "DROP / CREATE EXTENSION with a dependent view: $(cat "$WORK/recreate.err")"
fi

for db in "$DST_CUSTOM" "$DST_PLAIN" "$DST_PARALLEL" "$DST_ORDER" "$DST_DEFAULT" "$SMALL"; do
    drop_db "$db"
done
echo "# $noted notes"
finish
