#!/usr/bin/env bash
# Benchmark of shards (SPEC §12): the same fleet in one database (plain CREATE EXTENSION) and
# in a coordinator over 2 shard servers (scripts/shard-cluster.sh: postgres_fdw foreign
# partitions, reliability.distribute()), all on this machine. Measures the whole fleet's
# per-machine 28-day availability (pushed to the shards?) and its count(*) floor, a poll cycle
# of CYCLE rows through the coordinator at the servers' batch_size 1000 and 10000, the top-50
# list (ranked() and the view) and one machine's report(), each against the single database;
# Markdown on stdout (copied into docs/BENCHMARKS.md).
#
#   make install && bash test/benchmarks/bench_shards.sh      # about 2.5 minutes on 2 cores
#   bash scripts/in-cluster.sh test/benchmarks/bench_shards.sh  # the same (it runs itself so)
#   bash test/benchmarks/run.sh shards
#
# One throwaway cluster (scripts/in-cluster.sh) holds the single database and the coordinator;
# the 2 shard servers live in a temporary directory, removed at exit. jit and autovacuum are
# off on every server (the benchmark runs VACUUM itself after the load).
#
# Knobs (environment): FLEET (1000 machines), DAYS (14 days of rows), STEP (15 minutes between
# a machine's rows), CYCLE (100000 rows a poll cycle), RUNS (5 runs of the fleet-wide reads,
# 3 poll cycles per case, 11 runs of the list and report(); medians, each after a warm-up).
set -euo pipefail
self="$(cd "$(dirname "$0")" && pwd)/$(basename "$0")"
here=$(dirname "$self")
repo=$(cd "$here/../.." && pwd)
if [ -z "${PGSYSCONFDIR:-}" ] || [ -z "${PGVERSION:-}" ]; then
    # Not inside pg_virtualenv yet: run in a throwaway cluster.
    if [ ! -f "$(pg_config --sharedir)/extension/reliability.control" ]; then
        echo "bench_shards: the reliability extension is not installed (make install first)" >&2
        exit 1
    fi
    exec bash "$repo/scripts/in-cluster.sh" "$self"
fi
source "$here/lib.sh"
export LANG=C.UTF-8 LC_ALL=C.UTF-8 PAGER=cat PSQL_PAGER=cat
fleet=${FLEET:-1000} days=${DAYS:-14} step=${STEP:-15} cycle=${CYCLE:-100000}
reads=${RUNS:-5} cycles=3 point_runs=11
per_machine=$((days * 24 * 60 / step))
per_cycle=$(( (cycle + fleet - 1) / fleet ))   # rows per machine in a poll cycle
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
val() { psql -X -At -v ON_ERROR_STOP=1 "$@"; }
log() { echo "bench_shards: $*" >&2; }
shard_cluster() { bash "$repo/scripts/shard-cluster.sh" "$@"; }
# The throwaway cluster's settings for every server: no JIT, no autovacuum.
settings=(-c "ALTER SYSTEM SET jit = off" -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()")
started=$(date +%s)
load_start=$(cut -d' ' -f1 /proc/loadavg)

dir=$(mktemp -d -t bench_shards.XXXXXX)
trap 'shard_cluster down "$dir" || true' EXIT
shard_cluster up "$dir" 2 >&2
for k in 1 2; do shard_cluster psql "$dir" "$k" "${settings[@]}" >/dev/null; done
q -d postgres "${settings[@]}" >/dev/null
createdb single
q -d single -c 'SET client_min_messages = warning' -c 'CREATE EXTENSION reliability'
shard_cluster coordinator "$dir" coord >&2

# The data ends 8 hours before the start (rounded to the minute), and the poll cycles fill
# the following hours at 30-second steps, so every row is new and no machine goes stale.
t=$(date -u '+%Y-%m-%d %H:%M:00+00')
end="('$t'::timestamptz - interval '8 hours')"
window="[$(date -u -d "$t - 28 days" '+%Y-%m-%d %H:%M:00+00'),$t)"
# One day of rows a statement, oldest first; a machine's share of online rows is 80-100 %.
online="((extract(epoch FROM o.t)::bigint / 60 * 7 + m.machine_id) % 100 >= m.machine_id % 20)"
load_sql() {
    echo "SET client_min_messages = warning;"
    echo "SELECT count(reliability.machine('prov-' || (g % 5), 'gpu-' || g)) FROM generate_series(1, $fleet) g;"
    for d in $(seq $((days - 1)) -1 0); do
        echo "INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.machine_id, o.t, $online
  FROM generate_series($end - interval '$d days' - interval '1 day' + interval '$step minutes', $end - interval '$d days', interval '$step minutes') o(t),
       reliability.machines m;"
    done
    echo "INSERT INTO reliability.interruptions (machine_id, occurred_at, reason)
SELECT m.machine_id, $end - (m.machine_id % 13) * interval '1 day' - interval '1 hour', 'bench'
  FROM reliability.machines m WHERE m.machine_id % 4 = 0;"
    echo "SELECT count(reliability.rate(m.machine_id, 'user-' || m.machine_id, (1 + m.machine_id % 5)::int)) FROM reliability.machines m WHERE m.machine_id % 7 = 0;"
    echo "INSERT INTO reliability.blacklist (machine_id, kind, reason)
SELECT m.machine_id, 'manual', 'bench' FROM reliability.machines m WHERE m.machine_id % 50 = 3;"
    # The daily job: history materialized.
    echo "SELECT reliability.refresh();"
}
declare -A load_s
for db in single coord; do
    log "loading $fleet machines x $days days of $step-minute rows into $db"
    t0=$(date +%s.%N)
    load_sql | q -d "$db" >/dev/null
    load_s[$db]=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
done
q -d single -c 'VACUUM (ANALYZE)'
q -d coord -c 'ANALYZE reliability.machines, reliability.settings'
for k in 1 2; do shard_cluster psql "$dir" "$k" -c 'VACUUM (ANALYZE)'; done
rows=$(val -d coord -c 'SELECT count(*) FROM reliability.observations')
rows_single=$(val -d single -c 'SELECT count(*) FROM reliability.observations')
per_shard=$(for k in 1 2; do shard_cluster psql "$dir" "$k" -At -c 'SELECT count(*) FROM reliability.observations'; done | paste -sd/)

# (2) and (4): reads, each database in one session (the coordinator keeps its connections to
# the servers), a warm-up first.
avail="SELECT machine_id, reliability.availability(observed_at, online, '$window'::tstzrange) FROM reliability.observations GROUP BY machine_id;"
floor="SELECT machine_id, count(*) FROM reliability.observations GROUP BY machine_id;"
ranked="SELECT * FROM reliability.ranked(max_rows => 50);"
view="SELECT machine_id, score FROM reliability.machine_reliability ORDER BY score DESC NULLS LAST LIMIT 50;"
m_id=$((fleet / 2))
report="SELECT reliability.report($m_id);"
reads_sql() {
    echo '\timing on'
    echo '\o /dev/null'
    printf '%s\n' "$avail" "$floor" "$ranked" "$view" "$report"
    for i in $(seq 1 "$reads"); do
        printf '\\echo @@ avail\n%s\n\\echo @@ floor\n%s\n' "$avail" "$floor"
    done
    for i in $(seq 1 "$point_runs"); do
        printf '\\echo @@ ranked\n%s\n\\echo @@ view\n%s\n\\echo @@ report\n%s\n' "$ranked" "$view" "$report"
    done
}
declare -A m
for db in single coord; do
    log "reads on $db"
    reads_sql >"$dir/reads.sql"
    labelled_timings -d "$db" -f "$dir/reads.sql" >"$dir/$db.tsv"
    for k in avail floor ranked view report; do
        m[$db.$k]=$(awk -F'\t' -v k="$k" '$1 == k { print $2 }' "$dir/$db.tsv" | med)
    done
done
plan=$(val -d coord -c "EXPLAIN (VERBOSE, COSTS OFF) $avail")
pushed=$(grep -c 'Remote SQL: .*reliability\.availability(' <<<"$plan" || true)
async=$(grep -c 'Async Foreign Scan' <<<"$plan" || true)
floor_plan=$(val -d coord -c "EXPLAIN (VERBOSE, COSTS OFF) $floor")
floor_pushed=$(grep -c 'Remote SQL: .*count(\*).*GROUP BY' <<<"$floor_plan" || true)
single_plan=$(val -d single -c "EXPLAIN (COSTS OFF) $avail")
single_workers=$(sed -n 's/.*Workers Planned: \([0-9]*\).*/\1/p' <<<"$single_plan" | head -1)
# Same answers on both?
digest() { val -d "$1" -c "SELECT md5(string_agg(x::text, ',' ORDER BY x::text)) FROM ($2) x"; }
same_avail=$([ "$(digest single "${avail%;}")" = "$(digest coord "${avail%;}")" ] && echo yes || echo no)
same_ranked=$([ "$(digest single "SELECT machine_id, score, tier FROM reliability.ranked(max_rows => 50)")" = \
                "$(digest coord "SELECT machine_id, score, tier FROM reliability.ranked(max_rows => 50)")" ] && echo yes || echo no)
same_report=$([ "$(val -d single -c "SELECT reliability.report($m_id, '$t') - 'as_of'")" = \
                "$(val -d coord -c "SELECT reliability.report($m_id, '$t') - 'as_of'")" ] && echo yes || echo no)
# What one call asks of the shards: log_statement = all on both for one call in a new session
# (after the timings). Prints "cursors fetches scans": the remote cursors it opens, the
# FETCHes, and its scans of observations with no machine_id condition (fleet-wide reads).
remote_calls() {
    local k n1 n2
    for k in 1 2; do shard_cluster psql "$dir" "$k" -c "ALTER SYSTEM SET log_statement = 'all'" -c "SELECT pg_reload_conf()" >/dev/null; done
    sleep 1
    n1=$(wc -l <"$dir/shard1.log") n2=$(wc -l <"$dir/shard2.log")
    q -d coord -c "$1" >/dev/null
    sleep 1
    { tail -n +$((n1 + 1)) "$dir/shard1.log"; tail -n +$((n2 + 1)) "$dir/shard2.log"; } >"$dir/remote.log"
    for k in 1 2; do shard_cluster psql "$dir" "$k" -c "ALTER SYSTEM RESET log_statement" -c "SELECT pg_reload_conf()" >/dev/null; done
    awk '/DECLARE c[0-9]+ CURSOR/ { cursors++; declared = 1; next }
         declared && /FROM reliability\.observations/ && !/machine_id = / { scans++ }
         declared && match($0, /FROM reliability\.[a-z_]+/) { t = substr($0, RSTART + 17, RLENGTH - 17); by[t]++ }
         { declared = 0 }
         /statement: FETCH/ { fetches++ }
         END { for (t in by) tables = tables (tables == "" ? "" : ";") t "×" by[t]
               print cursors + 0, fetches + 0, scans + 0, (tables == "" ? "-" : tables) }' "$dir/remote.log"
}
read -r report_cursors report_fetches report_scans report_tables <<<"$(remote_calls "$report")"
read -r ranked_cursors ranked_fetches _ _ <<<"$(remote_calls "$ranked")"
read -r view_cursors view_fetches _ _ <<<"$(remote_calls "$view")"
recent=$(val -d coord -c "SELECT count(*) FROM reliability.observations WHERE observed_at >= now() - (SELECT stale_after FROM reliability.settings) AND observed_at <= now()")

# (3) Poll cycles of $cycle rows (per_cycle new 30-second steps for every machine); cycle c
# of a database takes its own timestamps. The single database: a warm-up cycle, then $cycles
# timed ones. The coordinator, in one session: a warm-up cycle at each batch_size, then the
# two batch sizes alternating, $cycles timed cycles each; after each ALTER SERVER (which
# makes postgres_fdw reconnect) an untimed read opens the connections again.
poll_cycle() {   # C: the INSERT of cycle C
    echo "INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT m.machine_id, o.t, $online
  FROM generate_series($end + interval '30 seconds' * ($1 * $per_cycle + 1), $end + interval '30 seconds' * ($1 * $per_cycle + $per_cycle), interval '30 seconds') o(t),
       reliability.machines m
 LIMIT $cycle;"
}
set_batch() {   # N
    echo "ALTER SERVER shard_1 OPTIONS (SET batch_size '$1');"
    echo "ALTER SERVER shard_2 OPTIONS (SET batch_size '$1');"
    echo "SELECT count(*) FROM reliability.blacklist;"
}
log "poll cycles of $cycle rows"
{
    echo '\timing on'
    poll_cycle 0
    for i in $(seq 1 "$cycles"); do echo '\echo @@ single'; poll_cycle "$i"; done
} >"$dir/poll_single.sql"
{
    echo '\timing on'
    c=0
    for size in 1000 10000; do set_batch "$size"; poll_cycle $c; c=$((c + 1)); done
    for i in $(seq 1 "$cycles"); do
        for size in 1000 10000; do set_batch "$size"; echo "\\echo @@ batch$size"; poll_cycle $c; c=$((c + 1)); done
    done
    set_batch 1000
} >"$dir/poll_coord.sql"
labelled_timings -d single -f "$dir/poll_single.sql" >"$dir/poll.tsv"
labelled_timings -d coord -f "$dir/poll_coord.sql" >>"$dir/poll.tsv"
for k in single batch1000 batch10000; do
    m[poll.$k]=$(awk -F'\t' -v k="$k" '$1 == k { print $2 }' "$dir/poll.tsv" | med)
done
# Where a cycle's time goes: one more cycle at each batch_size with the shards logging every
# statement's duration; the time they spent executing the batches (INSERT … VALUES of up to
# batch_size rows, their triggers included) against the cycle's time on the coordinator.
declare -A shard_ms cycle_ms
for size in 1000 10000; do
    for k in 1 2; do shard_cluster psql "$dir" "$k" -c "ALTER SYSTEM SET log_min_duration_statement = 0" -c "SELECT pg_reload_conf()" >/dev/null; done
    sleep 1
    lines=("$(wc -l <"$dir/shard1.log")" "$(wc -l <"$dir/shard2.log")")
    { echo '\timing on'; set_batch "$size"; echo '\echo @@ cycle'; poll_cycle $c; } >"$dir/poll_logged.sql"
    c=$((c + 1))
    cycle_ms[$size]=$(labelled_timings -d coord -f "$dir/poll_logged.sql" | cut -f2)
    sleep 1
    shard_ms[$size]=$(for k in 1 2; do
        tail -n +$((lines[k - 1] + 1)) "$dir/shard$k.log" |
            awk '/duration: .* (execute|bind|parse) pgsql_fdw_prep_[0-9]+: INSERT/ { for (i = 1; i < NF; i++) if ($i == "duration:") s += $(i + 1) }
                 END { printf "%.0f\n", s }'
    done | paste -sd+)
    for k in 1 2; do shard_cluster psql "$dir" "$k" -c "ALTER SYSTEM RESET log_min_duration_statement" -c "SELECT pg_reload_conf()" >/dev/null; done
done
q -d coord -c "ALTER SERVER shard_1 OPTIONS (SET batch_size '1000')" -c "ALTER SERVER shard_2 OPTIONS (SET batch_size '1000')"
total_single=$(val -d single -c 'SELECT count(*) FROM reliability.observations')
total_coord=$(val -d coord -c 'SELECT count(*) FROM reliability.observations')
exact=$(for k in 1 2; do shard_cluster psql "$dir" "$k" -At -c "SELECT count(*) FROM reliability.scores s WHERE to_jsonb(s) - 'machine_id' - 'computed_at' IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at))"; done | awk '{ n += $1 } END { print n }')

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f×", a / b }'; }
row() {   # LABEL SINGLE COORD
    echo "| $1 | $2 ms | $3 ms | $(ratio "$3" "$2") |"
}
yn() { [ "$1" -gt 0 ] && echo "yes ($1 of 2 scans)" || echo no; }
load_end=$(cut -d' ' -f1 /proc/loadavg)
echo "Fleet: $fleet machines x $days days of $step-minute rows ($per_machine a machine: $rows_single observations in the single database, $rows through the coordinator, $per_shard on the shards), interruptions on a quarter, ratings on a seventh, 2% blacklisted, history materialized by \`refresh()\`; loaded through the triggers as one \`INSERT … SELECT\` a day (single database ${load_s[single]} s, coordinator ${load_s[coord]} s, machines registered with \`reliability.machine()\`). PostgreSQL $(val -d single -c 'SHOW server_version'), $(nproc) cores, every server on them (load average $load_start at the start, $load_end at the end: other work on the machine shows there); jit and autovacuum off. Medians (psql \\timing, after a warm-up): $reads runs of the fleet-wide reads, $cycles poll cycles a case, $point_runs runs of the list and \`report()\`."
echo
echo "| measure | single database | coordinator, 2 shards | ratio |"
echo "|---|---:|---:|---:|"
row "28-day availability per machine, whole fleet (\`availability(observed_at, online, '[…)'::tstzrange) … GROUP BY machine_id\`)" "${m[single.avail]}" "${m[coord.avail]}"
row "executor's floor: \`count(*) … GROUP BY machine_id\`" "${m[single.floor]}" "${m[coord.floor]}"
row "poll cycle of $cycle rows (\`INSERT … SELECT\`), servers' batch_size 1000" "${m[poll.single]}" "${m[poll.batch1000]}"
row "the same, batch_size 10000" "${m[poll.single]}" "${m[poll.batch10000]}"
row "\`ranked(max_rows => 50)\`" "${m[single.ranked]}" "${m[coord.ranked]}"
row "\`machine_reliability ORDER BY score DESC NULLS LAST LIMIT 50\`" "${m[single.view]}" "${m[coord.view]}"
row "\`report(m)\`, one machine" "${m[single.report]}" "${m[coord.report]}"
echo
echo "EXPLAIN VERBOSE of the availability query on the coordinator: \`reliability.availability(\` in \`Remote SQL\`: $(yn "$pushed"); \`Async Foreign Scan\`: $(yn "$async"). The floor's \`count(*) … GROUP BY\` in \`Remote SQL\`: $(yn "$floor_pushed"). The single database's plan: ${single_workers:-0} parallel workers planned."
echo
echo "What one call sends to the shards (log_statement on both, one call in a new session): \`ranked(max_rows => 50)\` $ranked_cursors remote cursors, $ranked_fetches FETCHes; the view's top 50 $view_cursors cursors, $view_fetches FETCHes; \`report(m)\` $report_cursors cursors (by table: ${report_tables//;/, }), $report_fetches FETCHes, of which $report_scans scan(s) of observations with no \`machine_id\` condition (every observation of the last \`stale_after\` on a shard: $recent rows on the two at that time)."
echo
echo "Where a poll cycle's time goes (one more cycle at each batch_size, the shards logging every statement's duration): at batch_size 1000 the cycle took ${cycle_ms[1000]} ms on the coordinator, of which the shards spent ${shard_ms[1000]} ms (shard 1 + shard 2) executing the batches, triggers included; at 10000, ${cycle_ms[10000]} ms and ${shard_ms[10000]} ms. The coordinator waits for each batch, so the rest is its own work: the SELECT, routing, converting each row to text parameters and the round trips."
echo
echo "Same answers: availability of every machine: $same_avail; the ranked list: $same_ranked; \`report($m_id)\` (as of the same time): $same_report. After the poll cycles: $total_single observations in the single database, $total_coord through the coordinator; cached rows on the shards that differ from \`score()\`: $exact."
log "done in $(( $(date +%s) - started )) s"
