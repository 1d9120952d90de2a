#!/usr/bin/env bash
# The body of test/benchmarks/bench_uptime.sh, run inside pg_virtualenv (PGHOST etc. are set).
set -euo pipefail

machines=${BENCH_MACHINES:-1000}
days=${BENCH_DAYS:-30}
runs=${BENCH_RUNS:-5}
report=${BENCH_REPORT:-}
work=$(mktemp -d -t bench_uptime.XXXXXX)
trap 'rm -rf "$work"' EXIT

psql_q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
log() { echo "bench_uptime: $*" >&2; }

start="2024-01-01 00:00:00+00"
# Constants, as a user writes them (an expression such as now() - interval '28 days' is
# evaluated once per row, the same for every query below).
win_lo="timestamptz '$(date -u -d "${start%+00} UTC + 1 day" '+%Y-%m-%d %H:%M:%S+00')'"
win_hi="timestamptz '$(date -u -d "${start%+00} UTC + $((days - 1)) days" '+%Y-%m-%d %H:%M:%S+00')'"
window="tstzrange($win_lo, $win_hi)"
gap="interval '15 min'"

# ---------------------------------------------------------------------------------------
# Data: $machines machines x $days days x one observation every 5 minutes, in time order
# (as a monitor inserts its poll cycles). Machine m is offline for (m % 20) + 1 polls out of
# every 1000 (an outage of 5..100 min every ~3.5 days); 4 consecutive polls out of every
# 2000 are missing (a 25 min gap: 10 min unknown with max_gap 15 min).
# ---------------------------------------------------------------------------------------
log "loading $machines machines x $days days ..."
t0=$(date +%s)
psql_q <<SQL
CREATE EXTENSION reliability;
CREATE EXTENSION pg_prewarm;
CREATE SCHEMA bench;
CREATE TABLE bench.obs (machine_id bigint NOT NULL, observed_at timestamptz NOT NULL, online boolean NOT NULL);
INSERT INTO bench.obs
SELECT m, timestamptz '$start' + i * interval '5 min' + (m % 60) * interval '1 s',
       (i + m * 37) % 1000 >= (m % 20) + 1
FROM generate_series(0, $days * 288 - 1) i, generate_series(1, $machines) m
WHERE (i + m * 13) % 2000 >= 4;
-- The primary key of reliability.observations; it lets the plain-SQL query read each
-- machine's observations in time order without a sort.
ALTER TABLE bench.obs ADD PRIMARY KEY (machine_id, observed_at);
VACUUM (ANALYZE, FREEZE) bench.obs;
CHECKPOINT;
-- CPU time (user + system, in clock ticks) this backend has used so far.
CREATE FUNCTION bench.cpu_ticks() RETURNS bigint LANGUAGE sql AS \$\$
    SELECT f[12]::bigint + f[13]::bigint
    FROM (SELECT string_to_array(split_part(pg_read_file('/proc/' || pg_backend_pid() || '/stat'), ') ', 2), ' ') AS f) s
\$\$;
SQL
log "loaded in $(( $(date +%s) - t0 )) s"
rows=$(psql -X -Atc "SELECT count(*) FROM bench.obs")
table_bytes=$(psql -X -Atc "SELECT pg_table_size('bench.obs')")
table_size=$(psql -X -Atc "SELECT pg_size_pretty(pg_table_size('bench.obs'))")
offline_rows=$(psql -X -Atc "SELECT count(*) FROM bench.obs WHERE NOT online")

# Warm the cache: the table and its index in shared_buffers, and one pass of each scan.
psql_q -Atc "SELECT pg_prewarm('bench.obs'), pg_prewarm('bench.obs_pkey')" >/dev/null

# ---------------------------------------------------------------------------------------
# The queries.
# ---------------------------------------------------------------------------------------
q_floor="SELECT machine_id, count(*), count(*) FILTER (WHERE online), max(observed_at)
FROM bench.obs GROUP BY machine_id"

q_ext="SELECT machine_id, reliability.availability(observed_at, online, $window, $gap)
FROM bench.obs GROUP BY machine_id"

# Plain SQL, seconds only: each observation's cover ends at the next observation or after
# max_gap; clip it to the window and sum by state.
q_sql_seconds="SELECT machine_id,
       coalesce(sum(extract(epoch FROM hi - lo)) FILTER (WHERE online), 0) AS online_seconds,
       coalesce(sum(extract(epoch FROM hi - lo)) FILTER (WHERE NOT online), 0) AS offline_seconds
FROM (SELECT machine_id, online, greatest(observed_at, $win_lo) AS lo,
             least(observed_at + $gap, lead(observed_at) OVER (PARTITION BY machine_id ORDER BY observed_at), $win_hi) AS hi
      FROM bench.obs) c
WHERE hi > lo
GROUP BY machine_id"

# Plain SQL, everything reliability.availability() gives: the clipped covers, then runs
# (a run starts where the previous cover does not end at this one's start, or the state
# changes), then per-run lengths, then per-machine sums, counts, max and means.
q_sql_full="WITH covers AS (
    SELECT machine_id, online, greatest(observed_at, $win_lo) AS lo,
           least(observed_at + $gap, lead(observed_at) OVER (PARTITION BY machine_id ORDER BY observed_at), $win_hi) AS hi
    FROM bench.obs
), flagged AS (
    SELECT machine_id, online, lo, hi,
           CASE WHEN lag(hi) OVER w = lo AND lag(online) OVER w = online THEN 0 ELSE 1 END AS new_run
    FROM covers WHERE hi > lo
    WINDOW w AS (PARTITION BY machine_id ORDER BY lo)
), numbered AS (
    SELECT machine_id, online, lo, hi, sum(new_run) OVER (PARTITION BY machine_id ORDER BY lo) AS run
    FROM flagged
), runs AS (
    SELECT machine_id, bool_and(online) AS online, extract(epoch FROM max(hi) - min(lo)) AS len
    FROM numbered GROUP BY machine_id, run
)
SELECT machine_id,
       coalesce(sum(len) FILTER (WHERE online), 0)::float8 AS online_seconds,
       coalesce(sum(len) FILTER (WHERE NOT online), 0)::float8 AS offline_seconds,
       count(*) FILTER (WHERE online) AS online_runs,
       count(*) FILTER (WHERE NOT online) AS outages,
       max(len) FILTER (WHERE NOT online)::float8 AS longest_outage_seconds,
       avg(len) FILTER (WHERE NOT online)::float8 AS mean_outage_seconds,
       avg(len) FILTER (WHERE online)::float8 AS mean_online_seconds
FROM runs GROUP BY machine_id"

serial="SET max_parallel_workers_per_gather = 0;"
parallel="SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0;"

# ---------------------------------------------------------------------------------------
# Timing: psql \timing, one warm-up run then $runs timed runs; the median is reported.
# Also the backend's own CPU time per run (/proc/<pid>/stat): on a shared machine it is
# less disturbed by other processes than the wall time (for parallel plans it leaves out
# the workers, so it is reported for serial plans only).
# ---------------------------------------------------------------------------------------
tick_ms=$((1000 / $(getconf CLK_TCK)))
declare -A median cpu plan
median_of() { sort -n | awk '{a[NR] = $1} END {m = (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2; printf "%.0f", m}'; }
time_query() {  # key settings query
    local key=$1 settings=$2 query=$3 f="$work/$1.sql"
    {
        echo "$settings"
        echo "\\o /dev/null"
        echo "$query;"          # warm-up
        for ((r = 0; r < runs; r++)); do
            echo "\\o"
            echo "SELECT bench.cpu_ticks() AS ticks0 \\gset"
            echo "\\o /dev/null"
            echo "\\timing on"
            echo "$query;"
            echo "\\timing off"
            echo "\\o"
            echo "SELECT 'CPU ' || (bench.cpu_ticks() - :ticks0) * $tick_ms;"
        done
    } >"$f"
    local out times cpus
    out=$(psql -X -q -At -v ON_ERROR_STOP=1 -f "$f")
    times=$(echo "$out" | sed -n 's/^Time: \([0-9.]*\) ms.*/\1/p')
    cpus=$(echo "$out" | sed -n 's/^CPU \([0-9]*\)$/\1/p')
    median[$key]=$(echo "$times" | median_of)
    cpu[$key]=$(echo "$cpus" | median_of)
    plan[$key]=$(psql -X -At -v ON_ERROR_STOP=1 -c "$settings" -c "EXPLAIN (COSTS OFF) $query" | grep -v '^SET$' |
                 grep -E 'Aggregate|Gather|Scan|Sort|WindowAgg|Workers' | sed 's/^ *//; s/ *->  //' | paste -sd '<' | sed 's/</ < /g')
    log "$key: wall $(echo $times | tr ' ' ',') ms, median ${median[$key]}; backend CPU $(echo $cpus | tr ' ' ',') ms, median ${cpu[$key]}"
}

log "timing ($runs runs each) ..."
time_query floor_serial "$serial" "$q_floor"
time_query ext_serial "$serial" "$q_ext"
time_query sql_seconds_serial "$serial" "$q_sql_seconds"
time_query sql_full_serial "$serial" "$q_sql_full"
time_query floor_parallel "$parallel" "$q_floor"
time_query ext_parallel "$parallel" "$q_ext"

# ---------------------------------------------------------------------------------------
# Correctness: the plain-SQL results equal the extension's on this data.
# ---------------------------------------------------------------------------------------
check=$(psql -X -At -q -v ON_ERROR_STOP=1 <<SQL
$serial
WITH ext AS ($q_ext), s AS ($q_sql_seconds), f AS ($q_sql_full)
SELECT count(*) || ' machines, ' ||
       count(*) FILTER (WHERE (e.availability).online_seconds IS DISTINCT FROM s.online_seconds::float8
                          OR (e.availability).offline_seconds IS DISTINCT FROM s.offline_seconds::float8) ||
       ' mismatches in online/offline seconds (seconds-only SQL), ' ||
       count(*) FILTER (WHERE (e.availability).online_seconds IS DISTINCT FROM f.online_seconds
                          OR (e.availability).offline_seconds IS DISTINCT FROM f.offline_seconds
                          OR (e.availability).online_runs IS DISTINCT FROM f.online_runs
                          OR (e.availability).outages IS DISTINCT FROM f.outages
                          OR (e.availability).longest_outage_seconds IS DISTINCT FROM f.longest_outage_seconds
                          OR abs((e.availability).mean_outage_seconds - f.mean_outage_seconds) > 1e-6
                          OR abs((e.availability).mean_online_seconds - f.mean_online_seconds) > 1e-6) ||
       ' mismatches in seconds/runs/outages/longest/MTTR/MTBF (full SQL); totals: ' ||
       sum((e.availability).online_seconds)::bigint || ' s online, ' ||
       sum((e.availability).offline_seconds)::bigint || ' s offline, ' ||
       sum((e.availability).unknown_seconds)::bigint || ' s unknown, ' ||
       sum((e.availability).outages) || ' outages'
FROM ext e FULL JOIN s USING (machine_id) FULL JOIN f USING (machine_id);
SQL
)
log "check: $check"

# ---------------------------------------------------------------------------------------
# Memory: peak RSS (VmHWM) of a fresh backend that runs the query once, serial. Both
# queries read the same shared buffers, so the difference is the aggregate state.
# ---------------------------------------------------------------------------------------
hwm_kb() {  # settings query
    psql -X -At -v ON_ERROR_STOP=1 <<SQL | tail -1
$1
\\o /dev/null
$2;
\\o
SELECT (regexp_match(pg_read_file('/proc/' || pg_backend_pid() || '/status'), 'VmHWM:\s+(\d+) kB'))[1];
SQL
}
hwm_floor=$(hwm_kb "$serial" "$q_floor")
hwm_ext=$(hwm_kb "$serial" "$q_ext")
hwm_ext_parallel=$(hwm_kb "$parallel" "$q_ext")
bytes_per_obs=$(awk -v a="$hwm_ext" -v b="$hwm_floor" -v n="$rows" 'BEGIN {printf "%.1f", (a - b) * 1024 / n}')
log "VmHWM: floor $hwm_floor kB, extension $hwm_ext kB (leader with 2 workers: $hwm_ext_parallel kB)"

# ---------------------------------------------------------------------------------------
# Report.
# ---------------------------------------------------------------------------------------
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
cpu=$(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)
mem=$(awk '/MemTotal/ {printf "%.0f GB", $2 / 1048576}' /proc/meminfo)
out=$(cat <<MD
Machine: $(nproc) cores ($cpu), $mem RAM; $(psql -X -Atc "SELECT split_part(version(), ' on ', 1)");
shared_buffers=2GB, work_mem=256MB, jit=off; the table and its index prewarmed.

Data: \`bench.obs(machine_id bigint, observed_at timestamptz, online boolean)\`, primary key
(machine_id, observed_at); $machines machines x $days days, one observation every 5 min:
$rows rows ($offline_rows offline), $table_size. Window: one $((days - 2))-day \`tstzrange\`,
max_gap 15 min, all machines grouped (\`GROUP BY machine_id\`, $machines groups).
Median of $runs runs after a warm-up run (psql \`\\timing\`; backend CPU time from \`/proc/<pid>/stat\`).

| query | plan | wall median (ms) | backend CPU median (ms) |
|---|---|---:|---:|
| (a) floor: \`count(*)\`, \`count(*) FILTER (WHERE online)\`, \`max(observed_at)\`, serial | ${plan[floor_serial]} | ${median[floor_serial]} | ${cpu[floor_serial]} |
| (b) \`reliability.availability(observed_at, online, window, '15 min')\`, serial | ${plan[ext_serial]} | ${median[ext_serial]} | ${cpu[ext_serial]} |
| (c1) plain SQL, \`lead()\` + clipped covers, online/offline seconds only, serial | ${plan[sql_seconds_serial]} | ${median[sql_seconds_serial]} | ${cpu[sql_seconds_serial]} |
| (c2) plain SQL, seconds + runs/outages/longest/MTTR/MTBF, serial | ${plan[sql_full_serial]} | ${median[sql_full_serial]} | ${cpu[sql_full_serial]} |
| (a) floor, 2 parallel workers | ${plan[floor_parallel]} | ${median[floor_parallel]} | (leader only) |
| (d) (b) with 2 parallel workers | ${plan[ext_parallel]} | ${median[ext_parallel]} | (leader only) |

| ratio | wall | backend CPU | target |
|---|---:|---:|---|
| (b) / (a): extension vs floor, serial | $(ratio "${median[ext_serial]}" "${median[floor_serial]}")x | $(ratio "${cpu[ext_serial]}" "${cpu[floor_serial]}")x | <= 2x |
| (c1) / (b): plain SQL (seconds only) vs extension | $(ratio "${median[sql_seconds_serial]}" "${median[ext_serial]}")x | $(ratio "${cpu[sql_seconds_serial]}" "${cpu[ext_serial]}")x | >= 5x |
| (c2) / (b): plain SQL (all fields) vs extension | $(ratio "${median[sql_full_serial]}" "${median[ext_serial]}")x | $(ratio "${cpu[sql_full_serial]}" "${cpu[ext_serial]}")x | >= 5x |
| (d): (b) serial / (b) with 2 workers | $(ratio "${median[ext_serial]}" "${median[ext_parallel]}")x | | |
| floor serial / floor with 2 workers | $(ratio "${median[floor_serial]}" "${median[floor_parallel]}")x | | |

Load average during the run (1, 5, 15 min) at the end: $(cut -d' ' -f1-3 /proc/loadavg).

Check: $check.

Memory (e): peak RSS of the backend (VmHWM) running the query once, serial: floor $hwm_floor kB,
extension $hwm_ext kB: $(( (hwm_ext - hwm_floor) / 1024 )) MB more for $rows observations =
$bytes_per_obs bytes per observation (leader with 2 workers: $hwm_ext_parallel kB).
MD
)
echo "$out"
if [ -n "$report" ]; then echo "$out" >"$report"; fi
