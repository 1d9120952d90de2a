#!/usr/bin/env bash
# Scheduling refresh() and compact() with pg_cron (Debian's postgresql-15-cron), as the README
# shows (SPEC §9; issue 10): the test loads pg_cron into its cluster (shared_preload_libraries,
# then a restart), schedules both jobs every minute, waits until pg_cron has run each of them
# successfully, and checks their effect: history materialized up to today, raw rows before
# the horizon gone, results unchanged.
TEST=scheduling DB=reliability_cron
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
trap cleanup_work EXIT

if [ ! -f "$(pg_config --pkglibdir)/pg_cron.so" ]; then
    not_ok "pg_cron is not installed (scripts/install-deps.sh installs postgresql-15-cron)"
    finish
fi

# --- pg_cron in this cluster: preloaded, jobs in $DB, run by background workers ---------------
DATADIR=$(psql_admin -At -c "SHOW data_directory")
CONFIG_FILE=$(psql_admin -At -c "SHOW config_file")
read -r CL_VERSION CL_NAME _ < <(pg_lsclusters -h 2>/dev/null | awk -v p="${PGPORT:-5432}" '$3 == p { print $1, $2, $7 }')
OWNER=$(stat -c %U "$DATADIR")
restart() {
    if [ -n "${CL_NAME:-}" ] && pg_ctlcluster "$CL_VERSION" "$CL_NAME" restart >"$WORK/ctl.out" 2>&1; then :
    else as_user "$OWNER" "$PG_BINDIR/pg_ctl" -D "$DATADIR" -o "-c config_file=$CONFIG_FILE" -l "$WORK/server.log" -w restart >>"$WORK/ctl.out" 2>&1 || return 1
    fi
    local i
    for i in $(seq 1 100); do psql_admin -c "SELECT 1" >/dev/null 2>&1 && return 0; sleep 0.2; done
    return 1
}
fresh_db "$DB" || { not_ok "cannot create $DB"; finish; }
# pg_cron keeps its jobs in the postgres database (cron.database_name's default) and runs
# them in ours with cron.schedule_in_database, as the README shows.
# (cron.use_background_workers exists once pg_cron is loaded: a second restart sets it)
psql_admin -c "ALTER SYSTEM SET shared_preload_libraries = 'pg_cron'" >/dev/null
if restart && psql_admin -c "ALTER SYSTEM SET cron.use_background_workers = on" >/dev/null && restart \
   && [ "$(psql_admin -At -c 'SHOW cron.use_background_workers')" = on ]; then
    ok "server restarted with pg_cron preloaded"
else
    not_ok "could not restart the server with pg_cron: $(tail -5 "$WORK/ctl.out")"; finish
fi

# --- a fleet with 45 days of data up to now ----------------------------------------------------
q >/dev/null <<'SQL' || { not_ok "loading the fleet failed"; finish; }
SET client_min_messages = warning;
CREATE EXTENSION reliability;
SELECT reliability.machine('cron', 'm' || k) FROM generate_series(1, 20) k;
INSERT INTO reliability.observations
SELECT m.machine_id, date_trunc('minute', now()) - g * interval '10 minutes', (g + m.machine_id) % 17 <> 0
  FROM reliability.machines m, generate_series(1, 45 * 144) g;
INSERT INTO reliability.interruptions (machine_id, occurred_at)
SELECT m.machine_id, now() - g * interval '37 hours' FROM reliability.machines m, generate_series(1, 25) g;
CREATE TABLE public.before AS
SELECT m.machine_id, t.as_of, reliability.score(m.machine_id, t.as_of)::text AS score,
       (SELECT string_agg(d::text, ';') FROM reliability.daily_uptime(m.machine_id, 5, t.as_of) d) AS daily
  FROM reliability.machines m, (SELECT date_trunc('hour', now()) AS as_of) t;
SQL
ok "20 machines with 45 days of 10-minute observations"

# --- examples/time_partitions.sql: pg_partman's time partitions and the production jobs ----------
horizon=$(q -c "SELECT (now() AT TIME ZONE 'UTC')::date - 40")
cron() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres "$@"; }
cron -c "CREATE EXTENSION IF NOT EXISTS pg_cron" >/dev/null
example=$(sed "s/'brokerdb'/'$DB'/g" "$(dirname "${BASH_SOURCE[0]}")/../../examples/time_partitions.sql")
if out=$(q <<<"$example" 2>&1) \
   && [ "$(cron -c "SELECT count(*) FROM cron.job WHERE database = '$DB' AND jobname IN ('partman-maintenance', 'reliability-refresh', 'reliability-compact')")" = 3 ] \
   && [ "$(q -c "SELECT count(*) FROM reliability._time_partitions('reliability.observations')")" -ge 7 ]; then
    ok "examples/time_partitions.sql runs: daily partitions a week ahead, three jobs scheduled"
else
    not_ok "examples/time_partitions.sql failed: $out"
fi

# --- the README's jobs, every minute here (the same job names: pg_cron replaces them) ----------
cron -c "CREATE EXTENSION IF NOT EXISTS pg_cron" \
     -c "SELECT cron.schedule_in_database('reliability-refresh', '* * * * *', 'SELECT reliability.refresh()', '$DB')" \
     -c "SELECT cron.schedule_in_database('reliability-compact', '* * * * *', \$\$SELECT reliability.compact((now() AT TIME ZONE 'UTC')::date - 40)\$\$, '$DB')" >/dev/null \
  && ok "jobs scheduled with cron.schedule_in_database" || { not_ok "cron.schedule_in_database failed"; finish; }

# pg_cron starts jobs at the top of each minute: wait for a successful run of both.
deadline=$((SECONDS + 150))
while [ $SECONDS -lt $deadline ]; do
    done_jobs=$(cron -c "SELECT count(DISTINCT j.jobname) FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                          WHERE d.status = 'succeeded' AND j.jobname IN ('reliability-refresh', 'reliability-compact')")
    [ "$done_jobs" = 2 ] && break
    sleep 2
done
runs=$(cron -c "SELECT string_agg(j.jobname || ': ' || d.status || coalesce(' ' || d.return_message, ''), '; ' ORDER BY d.start_time) FROM cron.job_run_details d JOIN cron.job j USING (jobid)")
if [ "${done_jobs:-0}" = 2 ]; then ok "pg_cron ran both jobs ($runs)"; else not_ok "pg_cron did not run both jobs within 150 s: ${runs:-no run}"; finish; fi

# --- their effect ----------------------------------------------------------------------------
# The days the jobs' last runs saw (a run that crosses midnight UTC moves them by one).
refreshed=$(cron -c "SELECT (max(d.start_time) AT TIME ZONE 'UTC')::date FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                      WHERE d.status = 'succeeded' AND j.jobname = 'reliability-refresh'")
horizon=$(cron -c "SELECT (max(d.start_time) AT TIME ZONE 'UTC')::date - 40 FROM cron.job_run_details d JOIN cron.job j USING (jobid)
                    WHERE d.status = 'succeeded' AND j.jobname = 'reliability-compact'")
state=$(q -c "SELECT materialized_before >= date '$refreshed', compacted_before = date '$horizon' FROM reliability.retention")
[ "$state" = "t|t" ] && ok "history materialized up to $refreshed (the refresh job's day), compacted before $horizon" \
    || not_ok "retention after the jobs: $(q -c 'SELECT * FROM reliability.retention') (refresh ran on $refreshed, compact for $horizon)"
left=$(q -c "SELECT count(*) FROM reliability.observations WHERE observed_at < reliability.sub_fixed(date '$horizon'::timestamp AT TIME ZONE 'UTC', (SELECT max_gap FROM reliability.settings))")
[ "$left" = 0 ] && ok "no raw observation left before the horizon (minus max_gap)" || not_ok "$left observations before the horizon"
days=$(q -c "SELECT count(DISTINCT day) FROM reliability.history")
[ "${days:-0}" -ge 44 ] && ok "history holds $days days" || not_ok "history holds ${days:-0} days"
changed=$(q -c "SELECT count(*) FROM public.before b JOIN reliability.machines m USING (machine_id)
                 WHERE b.score IS DISTINCT FROM reliability.score(m.machine_id, b.as_of)::text
                    OR b.daily IS DISTINCT FROM (SELECT string_agg(d::text, ';') FROM reliability.daily_uptime(m.machine_id, 5, b.as_of) d)")
[ "$changed" = 0 ] && ok "scores and daily uptime unchanged by the jobs" || not_ok "$changed machines' results changed"
problems=$(cache_problems)
check "every cached score exact after the jobs" "$problems"

cron -c "SELECT cron.unschedule('reliability-refresh'), cron.unschedule('reliability-compact')" >/dev/null
psql_admin -c "ALTER SYSTEM RESET shared_preload_libraries" -c "ALTER SYSTEM RESET cron.use_background_workers" >/dev/null
finish
