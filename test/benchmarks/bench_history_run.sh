#!/usr/bin/env bash
# The body of test/benchmarks/bench_history.sh, run inside pg_virtualenv (PGHOST etc. set).
# Every time is the median of $runs runs measured inside the server (clock_timestamp()
# around the statement in a PL/pgSQL loop), so client round trips do not count.
set -euo pipefail
machines=${BENCH_MACHINES:-1000}
minute_machines=${BENCH_MINUTE_MACHINES:-20}
days=${BENCH_DAYS:-30}
runs=${BENCH_RUNS:-7}
report=${BENCH_REPORT:-}
psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
val() { psql -X -At -v ON_ERROR_STOP=1 -c "$1"; }
log() { echo "bench_history: $*" >&2; }

# The data ends now, as a live monitor's does: refresh(now()) materializes every day before
# today, and today's rows stay raw (score() reads them, and the first partial day, raw).
end=$(date -u '+%Y-%m-%d %H:%M:00+00')
today=$(date -u '+%Y-%m-%d')
log "loading $machines machines x $days days of 5-minute rows and $minute_machines x $days days of 1-minute rows"
t0=$(date +%s)
psql_q <<SQL
CREATE EXTENSION reliability;
CREATE SCHEMA bench;
-- Median of $runs runs of a statement, in milliseconds, measured in the server.
CREATE FUNCTION bench.ms(statement text) RETURNS double precision LANGUAGE plpgsql AS \$\$
DECLARE t timestamptz; times double precision[] := '{}'; i int;
BEGIN
    EXECUTE statement;  -- warm-up
    FOR i IN 1..$runs LOOP
        t := clock_timestamp();
        EXECUTE statement;
        times := times || extract(epoch FROM clock_timestamp() - t) * 1000;
    END LOOP;
    RETURN (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(times) x);
END \$\$;
-- One run of a statement, in milliseconds (for what changes the data).
CREATE FUNCTION bench.once(statement text) RETURNS double precision LANGUAGE plpgsql AS \$\$
DECLARE t timestamptz := clock_timestamp();
BEGIN
    EXECUTE statement;
    RETURN extract(epoch FROM clock_timestamp() - t) * 1000;
END \$\$;
INSERT INTO reliability.machines (provider, external_id)
SELECT CASE WHEN g <= $machines THEN 'prov-' || (g % 5) ELSE 'minute' END, 'm' || g
  FROM generate_series(1, $machines + $minute_machines) g;
-- Loaded without the triggers (as a restore with session_replication_role = replica would),
-- then rebuild() makes the cache and refresh() the history, as after such a restore.
SET session_replication_role = replica;
INSERT INTO reliability.observations
SELECT m, timestamptz '$end' - interval '$days days' + i * interval '5 min' + (m % 60) * interval '1 s',
       (i + m * 37) % 1000 >= (m % 20) + 1
  FROM generate_series(0, $days * 288 - 1) i, generate_series(1, $machines) m
 WHERE (i + m * 13) % 2000 >= 4;
INSERT INTO reliability.observations
SELECT m, timestamptz '$end' - interval '$days days' + i * interval '1 min', (i + m * 7) % 997 >= 3
  FROM generate_series(0, $days * 1440 - 1) i, generate_series($machines + 1, $machines + $minute_machines) m;
INSERT INTO reliability.interruptions (machine_id, occurred_at)
SELECT m, timestamptz '$end' - interval '$days days' + (m * 7 + k * 3301) % ($days * 1440) * interval '1 min'
  FROM generate_series(1, $machines + $minute_machines) m, generate_series(1, 5) k;
RESET session_replication_role;
SELECT reliability.rebuild() >= 0;
VACUUM (ANALYZE) reliability.observations, reliability.interruptions, reliability.scores, reliability.machines;
SQL
log "loaded in $(( $(date +%s) - t0 )) s"
t0=$(date +%s)
refresh_ms=$(val "SELECT bench.once('SELECT reliability.refresh()')")
psql_q -c "VACUUM (ANALYZE) reliability.history"
log "history materialized in $(( $(date +%s) - t0 )) s"

obs_rows=$(val "SELECT count(*) FROM reliability.observations")
# (observations is partitioned: its bytes are those of its partitions)
obs_bytes=$(val "SELECT sum(pg_total_relation_size(relid)) FROM pg_partition_tree('reliability.observations') WHERE isleaf")
hist_rows=$(val "SELECT count(*) FROM reliability.history")
hist_bytes=$(val "SELECT pg_total_relation_size('reliability.history')")

# 1. score(m) of a machine with 30 days of one-minute rows against count(*) over those rows.
m1=$((machines + 1))
score_hist=$(val "SELECT bench.ms('SELECT reliability.score($m1)')")
count_rows=$(val "SELECT bench.ms('SELECT count(*) FROM reliability.observations o WHERE o.machine_id = $m1 AND o.observed_at >= now() - interval ''$days days''')")
psql_q -c "UPDATE reliability.retention SET materialized_before = NULL"
score_raw=$(val "SELECT bench.ms('SELECT reliability.score($m1)')")
psql_q -c "UPDATE reliability.retention SET materialized_before = (now() AT TIME ZONE 'UTC')::date"
rows_m1=$(val "SELECT count(*) FROM reliability.observations WHERE machine_id = $m1 AND observed_at >= now() - interval '$days days'")

# 2. The dashboard page: top 50 by score, a 30-day sparkline each, against a count(*) of those
# machines' 30 days of rows, machine by machine through the index.
top50="SELECT r.machine_id FROM reliability.machine_reliability r WHERE r.provider <> ''minute'' ORDER BY r.score DESC NULLS LAST LIMIT 50"
dash_hist=$(val "SELECT bench.ms('SELECT t.machine_id, reliability.sparkline(t.machine_id, 30) FROM ($top50) t')")
dash_count=$(val "SELECT bench.ms('SELECT t.machine_id, (SELECT count(*) FROM reliability.observations o WHERE o.machine_id = t.machine_id AND o.observed_at >= now() - interval ''30 days'') FROM ($top50) t')")
psql_q -c "UPDATE reliability.retention SET materialized_before = NULL"
dash_raw=$(val "SELECT bench.ms('SELECT t.machine_id, reliability.sparkline(t.machine_id, 30) FROM ($top50) t')")
psql_q -c "UPDATE reliability.retention SET materialized_before = (now() AT TIME ZONE 'UTC')::date"

# 3. Per-machine 28-day availability of the 5-minute fleet: from history against the raw floor.
d0=$(date -u -d "$today - 28 days" '+%Y-%m-%d')
avail_hist=$(val "SELECT bench.ms('SELECT h.machine_id, reliability.availability(reliability.rollup(h.summary)), sum(h.interruptions) FROM reliability.history h WHERE h.machine_id <= $machines AND h.day >= date ''$d0'' GROUP BY h.machine_id')")
avail_floor=$(val "SELECT bench.ms('SELECT o.machine_id, count(*), count(*) FILTER (WHERE o.online), max(o.observed_at) FROM reliability.observations o WHERE o.machine_id <= $machines AND o.observed_at >= timestamptz ''$d0 00:00+00'' AND o.observed_at < timestamptz ''$today 00:00+00'' GROUP BY o.machine_id')")
avail_raw=$(val "SELECT bench.ms('SELECT o.machine_id, reliability.availability(o.observed_at, o.online, tstzrange(''$d0 00:00+00'', ''$today 00:00+00''), interval ''15 min'') FROM reliability.observations o WHERE o.machine_id <= $machines AND o.observed_at >= timestamptz ''$d0 00:00+00'' - interval ''15 min'' AND o.observed_at < timestamptz ''$today 00:00+00'' GROUP BY o.machine_id')")

# 4. Fleet analytics: 30-day uptime per provider.
prov_hist_sql="SELECT m.provider, sum((a).online_seconds) / nullif(sum((a).covered_seconds), 0) FROM (SELECT h.machine_id, reliability.availability(reliability.rollup(h.summary)) AS a FROM reliability.history h WHERE h.day >= date ''$today'' - $days GROUP BY h.machine_id) x JOIN reliability.machines m USING (machine_id) GROUP BY m.provider"
prov_raw_sql="SELECT m.provider, sum((a).online_seconds) / nullif(sum((a).covered_seconds), 0) FROM (SELECT o.machine_id, reliability.availability(o.observed_at, o.online, tstzrange(timestamptz ''$today 00:00+00'' - interval ''$days days'', ''$today 00:00+00''), interval ''15 min'') AS a FROM reliability.observations o WHERE o.observed_at < timestamptz ''$today 00:00+00'' GROUP BY o.machine_id) x JOIN reliability.machines m USING (machine_id) GROUP BY m.provider"
prov_hist=$(val "SELECT bench.ms('$prov_hist_sql')")
prov_raw=$(val "SELECT bench.ms('$prov_raw_sql')")
# Peak memory of each: a fresh backend runs it once, then reads its own /proc/self/status:
# VmHWM (peak resident set) less RssShmem (the shared buffers it touched), in MB.
peak_mb() { psql -X -At -v ON_ERROR_STOP=1 -c "SELECT bench.once('$1')" \
    -c "SELECT ((regexp_match(s, 'VmHWM:\s+(\d+)'))[1]::bigint - (regexp_match(s, 'RssShmem:\s+(\d+)'))[1]::bigint) / 1024
          FROM pg_read_file('/proc/self/status') s" | tail -1; }
prov_hist_mb=$(peak_mb "$prov_hist_sql")
prov_raw_mb=$(peak_mb "$prov_raw_sql")

# 5. compact() of the oldest day (unpartitioned tables) against a DELETE of the same rows
# from a trigger-less copy.
cut=$(date -u -d "$today - $((days - 1)) days" '+%Y-%m-%d')
psql_q <<SQL
CREATE TABLE bench.obs_copy AS SELECT * FROM reliability.observations;
ALTER TABLE bench.obs_copy ADD PRIMARY KEY (machine_id, observed_at);
VACUUM (ANALYZE) bench.obs_copy;
UPDATE reliability.settings SET score_window = '7 days';
SQL
compact_rows=$(val "SELECT count(*) FROM reliability.observations WHERE observed_at < timestamptz '$cut 00:00+00' - interval '15 min'")
compact_ms=$(val "SELECT bench.once(\$\$SELECT reliability.compact('$cut')\$\$)")
delete_ms=$(val "SELECT bench.once(\$\$DELETE FROM bench.obs_copy WHERE observed_at < timestamptz '$cut 00:00+00' - interval '15 min'\$\$)")

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
out=$(cat <<MD
Data: $machines machines x $days days of 5-minute rows and $minute_machines machines x $days days of
one-minute rows ($obs_rows observations), history materialized by \`refresh()\` in ${refresh_ms%.*} ms.
Medians of $runs runs, measured in the server.

| measure | with history | raw rows | floor (count) | ratio (history / floor) | goal |
|---|---|---|---|---|---|
| \`score(m)\`, 30 days of one-minute rows ($rows_m1 rows) | $score_hist ms | $score_raw ms | $count_rows ms | $(ratio "$score_hist" "$count_rows") | ≤ 0.3 |
| dashboard: top 50 with a 30-day sparkline each | $dash_hist ms | $dash_raw ms | $dash_count ms | $(ratio "$dash_hist" "$dash_count") | ≤ 0.3 |
| 28-day availability per machine, $machines machines | $avail_hist ms | $avail_raw ms | $avail_floor ms | $(ratio "$avail_hist" "$avail_floor") (floor is $(ratio "$avail_floor" "$avail_hist")× slower) | floor ≥ 10× slower |
| 30-day uptime per provider (whole days), whole fleet | $prov_hist ms, peak $prov_hist_mb MB | $prov_raw ms, peak $prov_raw_mb MB | | | |

| storage | rows | bytes (table + indexes) | per row |
|---|---|---|---|
| history (one row per machine-day) | $hist_rows | $hist_bytes | $((hist_bytes / hist_rows)) B per machine-day |
| observations | $obs_rows | $obs_bytes | $((obs_bytes / obs_rows)) B per observation |

Compaction of the oldest day (unpartitioned tables, score_window set to 7 days first):
\`compact()\` deleted $compact_rows observations (and that day's interruptions) in ${compact_ms%.*} ms; a
\`DELETE\` of the same observations from a trigger-less copy took ${delete_ms%.*} ms.
MD
)
echo "$out"
[ -z "$report" ] || echo "$out" > "$report"
