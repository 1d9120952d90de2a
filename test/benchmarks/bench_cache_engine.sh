#!/usr/bin/env bash
# Benchmark of the cache engine: the figures of issue 9. One command:
#
#   bash test/benchmarks/bench_cache_engine.sh        # or: bash test/benchmarks/run.sh cache
#
# builds and installs the extension (scripts/lib.sh build_and_install_extension, under the
# shared build lock), starts its own throwaway PostgreSQL 15 cluster (pg_virtualenv -t, on a
# free port; dropped at the end), measures, prints a Markdown report and writes it into
# docs/BENCHMARKS.md between the markers <!-- bench_cache_engine:begin --> and
# <!-- bench_cache_engine:end --> (appended at the end of the file the first time; the rest
# of the file is left as it is). About 35 minutes on 2 cores with the defaults.
#
# Measured (timed figures: the median of RUNS runs after a warm-up, each run measured in the
# same run as its baseline, with and without triggers alternating which goes first):
#  (1) poll cycle: one INSERT of FLEET rows (one per machine; every machine has HISTORY rows
#      already) into reliability.observations with the triggers, vs the same INSERT into
#      bench.obs_plain, a trigger-less twin (same columns, CHECK, primary key, foreign key to
#      machines, same rows, partitioned by time with a DEFAULT partition as observations is):
#      ratio, goal <= 3x;
#  (2) one-row INSERTs, pgbench -c 2 -j 2, RUNS rounds of PGBENCH_SECONDS per table: median
#      latency with and without the triggers, and the added latency, goal <= 0.7 ms;
#  (3) WAL bytes per polled row, with and without the triggers (pg_current_wal_insert_lsn()
#      around each of WAL_CYCLES poll cycles of WAL_MACHINES machines; a CHECKPOINT before
#      each batch, so the first cycle of a batch pays the full-page images), WAL_BATCHES
#      batches, each followed by a VACUUM of reliability.scores (what autovacuum would do);
#      the share of HOT updates of reliability.scores (pg_stat_user_tables) and the size of
#      its heap and indexes after each step; pg_waldump --stats of batch 1: goal WAL <= 2x
#      trigger-less, index size bounded;
#  (4) peak memory of one backend, each statement in a fresh connection: VmHWM from
#      /proc/<pid>/status at the end of the statement (it includes the shared buffers the
#      backend touched) and RssAnon / RssShmem sampled every SAMPLE_MS ms during it:
#      (a) a restore-like COPY reliability.observations FROM file of COPY_MACHINES x
#          COPY_ROWS rows (default 10 M), vs the same COPY into a trigger-less twin with the
#          foreign key to machines and into one without it (COPY_RUNS runs each, every run in
#          a fresh database made from one template): goal <= 256 MB and <= 2x plain COPY;
#      (b) reliability.rebuild() and (c) a settings change (UPDATE reliability.settings SET
#          weight_uptime = 0.5, weight_interruption = 0.3, alternating with the defaults 0.4 /
#          0.4 so every run is a change) over BIG_MACHINES x BIG_DAYS days of 5-minute rows
#          (default 10,000 x 30 = 86.4 M rows, loaded with the triggers disabled, then one
#          rebuild() to fill the cache); (d) a LATE_ROWS-row INSERT of rows stamped LATE_DAYS
#          days ago into that fleet (one row for each of LATE_ROWS machines; and, as (d2), all
#          rows for one machine; both also timed as later statements of one warm session);
#          a fresh session's SELECT 1 as the baseline;
#  (5) the times of (b) and (c).
# After (1)-(3), (4a) and (4b)-(c) a sample of cached rows is compared with
# reliability.score(machine_id, computed_at) (bench_cache_engine_check.sql).
#
# Knobs (environment): RUNS (5), COPY_RUNS (3: a 10 M-row COPY takes minutes; 3 runs of each
# of the three COPYs keep the default run under ~45 minutes), SCALE (1: multiplies
# BIG_MACHINES and COPY_MACHINES, e.g. SCALE=0.1 for a quick run), FLEET (20000),
# HISTORY (576 = 2 days), WAL_MACHINES (10000), WAL_CYCLES (20), WAL_BATCHES (3), PGBENCH_SECONDS (6),
# BIG_MACHINES (10000 x SCALE), BIG_DAYS (30), COPY_MACHINES (10000 x SCALE), COPY_ROWS
# (1000 per machine), LATE_ROWS (150), LATE_DAYS (40), SHARED_BUFFERS (512MB), SAMPLE_MS (50),
# BENCH_PORT (a free port), BUILD (1: build and install first), WRITE_DOC (1: update
# docs/BENCHMARKS.md), BENCH_OUT (directory for the raw outputs; default a new /tmp dir),
# REPORT_ONLY (1: measure nothing, render the report again from BENCH_OUT).
# Before starting, the free space of the cluster's file system is checked; when the big fleet
# does not fit, BIG_MACHINES is lowered to what fits and the report says so.
# Needs pg_virtualenv (postgresql-common), pgbench and pg_waldump (postgresql-15). Reads
# /proc/<backend pid>/status, so it runs as root or as the user the cluster runs as.
set -euo pipefail

# --------------------------------------------------- memory sampler (run from psql's \!)
# bench_cache_engine.sh --sample DIR: DIR/pid holds a backend's pid. Writes DIR/before (its
# status now), then DIR/ready; samples until DIR/stop exists or the backend is gone; writes
# DIR/result and DIR/done. Bash builtins only in the loop (one sleep a sample).
if [ "${1:-}" = --sample ]; then
    d=$2
    pid=$(tr -cd '0-9' <"$d/pid")
    interval=$(awk -v ms="${SAMPLE_MS:-50}" 'BEGIN { printf "%.3f", ms / 1000 }')
    hwm=0 rss=0 anon=0 shmem=0
    read_status() {
        local k v rest
        hwm=0 rss=0 anon=0 shmem=0
        while read -r k v rest; do
            case $k in
                VmHWM:) hwm=$v ;; VmRSS:) rss=$v ;; RssAnon:) anon=$v ;; RssShmem:) shmem=$v ;;
            esac
        done <"/proc/$pid/status"
    }
    read_status
    echo "$hwm $rss $anon $shmem" >"$d/before"
    peak_anon=$anon peak_shmem=$shmem peak_rss=$rss n=0
    : >"$d/ready"
    while [ ! -e "$d/stop" ] && [ -e "/proc/$pid/status" ]; do
        read_status 2>/dev/null || break
        if [ "$anon" -gt "$peak_anon" ]; then peak_anon=$anon; fi
        if [ "$shmem" -gt "$peak_shmem" ]; then peak_shmem=$shmem; fi
        if [ "$rss" -gt "$peak_rss" ]; then peak_rss=$rss; fi
        n=$((n + 1))
        sleep "$interval"
    done
    if read_status 2>/dev/null; then
        if [ "$anon" -gt "$peak_anon" ]; then peak_anon=$anon; fi
        if [ "$shmem" -gt "$peak_shmem" ]; then peak_shmem=$shmem; fi
        if [ "$rss" -gt "$peak_rss" ]; then peak_rss=$rss; fi
        echo "$hwm $rss $anon $shmem $peak_anon $peak_shmem $peak_rss $n" >"$d/result"
    fi
    : >"$d/done"
    exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
self=$here/$(basename "${BASH_SOURCE[0]}")
export LANG=C.UTF-8 LC_ALL=C.UTF-8 PAGER=cat PSQL_PAGER=cat
export RUNS=${RUNS:-5} COPY_RUNS=${COPY_RUNS:-3} SCALE=${SCALE:-1}
export FLEET=${FLEET:-20000} HISTORY=${HISTORY:-576} WAL_MACHINES=${WAL_MACHINES:-10000} WAL_CYCLES=${WAL_CYCLES:-20}
export WAL_BATCHES=${WAL_BATCHES:-3} STEADY_WINDOW=${STEADY_WINDOW:-1 day}
export PGBENCH_SECONDS=${PGBENCH_SECONDS:-6}
scaled() { awk -v n="$1" -v s="$SCALE" 'BEGIN { v = int(n * s + 0.5); print (v < 1 ? 1 : v) }'; }
export BIG_MACHINES=${BIG_MACHINES:-$(scaled 10000)} BIG_DAYS=${BIG_DAYS:-30}
export COPY_MACHINES=${COPY_MACHINES:-$(scaled 10000)} COPY_ROWS=${COPY_ROWS:-1000}
export LATE_ROWS=${LATE_ROWS:-150} LATE_DAYS=${LATE_DAYS:-40}
export SHARED_BUFFERS=${SHARED_BUFFERS:-512MB} SAMPLE_MS=${SAMPLE_MS:-50}
export BUILD=${BUILD:-1} WRITE_DOC=${WRITE_DOC:-1} REPORT_ONLY=${REPORT_ONLY:-0}
export PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/15/bin}
# The cluster's settings: shared_buffers fixed (VmHWM counts the shared buffers a backend
# touches), work_mem left at its default; jit off (a JIT compile of the big statements would
# add LLVM's memory and compile time to the extension's); autovacuum off, the benchmark runs
# VACUUM itself at fixed points, so no background work lands in a measurement; checkpoints
# only where the benchmark asks for them (max_wal_size, checkpoint_timeout).
cluster_opts=(-o "shared_buffers=$SHARED_BUFFERS" -o 'jit=off' -o 'autovacuum=off'
              -o 'max_wal_size=8GB' -o 'checkpoint_timeout=30min')

if [ -z "${BENCH_CACHE_ENGINE_IN_CLUSTER:-}" ] && [ "$REPORT_ONLY" != 1 ]; then
    # ------------------------------------------------------------ outside the cluster
    for v in RUNS COPY_RUNS FLEET HISTORY WAL_MACHINES WAL_CYCLES WAL_BATCHES PGBENCH_SECONDS BIG_MACHINES BIG_DAYS \
             COPY_MACHINES COPY_ROWS LATE_ROWS LATE_DAYS SAMPLE_MS; do
        if ! [[ ${!v} =~ ^[1-9][0-9]*$ ]]; then echo "bench_cache_engine: $v must be a positive integer" >&2; exit 2; fi
    done
    if [ "$RUNS" -lt 3 ] || [ "$WAL_CYCLES" -lt 2 ] || [ "$WAL_MACHINES" -gt "$FLEET" ] || [ $((FLEET % 2)) -ne 0 ]; then
        echo "bench_cache_engine: need RUNS >= 3, WAL_CYCLES >= 2, WAL_MACHINES <= FLEET, FLEET even" >&2; exit 2
    fi
    source "$repo/scripts/lib.sh"   # cd's to the repository; build lock, free port
    export BENCH_OUT=${BENCH_OUT:-$(mktemp -d -t bench_cache_engine.XXXXXX)}
    mkdir -p "$BENCH_OUT"
    chmod 755 "$BENCH_OUT"
    echo "== raw outputs in $BENCH_OUT"
    if [ "$BUILD" = 1 ]; then
        echo "== building and installing the extension (build_and_install_extension, flock /tmp/reliability.build.lock)"
        if ! build_and_install_extension >"$BENCH_OUT/build.log" 2>&1; then
            tail -n 40 "$BENCH_OUT/build.log"; echo "bench_cache_engine: build failed" >&2; exit 1
        fi
    fi
    # Disk: pg_virtualenv -t puts the cluster under $TMPDIR. Estimate what the run needs at its
    # peak (big fleet ~95 bytes a row for heap + primary key, the WAL up to max_wal_size, one
    # restore database with three tables of COPY rows, the COPY file) and shrink the big fleet
    # when it does not fit.
    tmp_fs=${TMPDIR:-/tmp}
    avail_kb=$(df -Pk "$tmp_fs" | awk 'NR == 2 { print $4 }')
    need_kb() {  # big_machines
        awk -v bm="$1" -v bd="$BIG_DAYS" -v cm="$COPY_MACHINES" -v cr="$COPY_ROWS" -v f="$FLEET" -v h="$HISTORY" 'BEGIN {
            big = bm * bd * 288 * 95; copy = cm * cr * (3 * 95 + 40); fleet = f * h * 2 * 95
            print int((big + copy + 8 * 2^30 + 2 * 2^30) / 1024) }'
    }
    export BIG_NOTE=""
    if [ "$(need_kb "$BIG_MACHINES")" -gt "$avail_kb" ]; then
        wanted=$BIG_MACHINES
        while [ "$BIG_MACHINES" -gt 100 ] && [ "$(need_kb "$BIG_MACHINES")" -gt "$avail_kb" ]; do
            BIG_MACHINES=$((BIG_MACHINES * 9 / 10))
        done
        BIG_NOTE="the full fleet of $wanted machines did not fit the $((avail_kb / 1048576)) GiB free in $tmp_fs; ran $BIG_MACHINES machines"
        echo "== $BIG_NOTE"
    fi
    {
        echo "started	$(date -u '+%Y-%m-%d %H:%M UTC')"
        echo "cpu	$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))"
        echo "memory	$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
        echo "load_before	$(cut -d' ' -f1-3 /proc/loadavg)"
        echo "disk	$(for p in /tmp /var; do df -Ph "$p" | awk -v p="$p" 'NR == 2 { print $6 "\t" p "\t" $4 "\t" $2 }'; done |
            awk -F'\t' '{ paths[$1] = paths[$1] (paths[$1] == "" ? "" : " and ") $2; free[$1] = $3; size[$1] = $4; if (!($1 in seen)) order[++n] = $1; seen[$1] = 1 }
                 END { for (i = 1; i <= n; i++) printf "%s%s (on %s): %s free of %s", (i > 1 ? "; " : ""), paths[order[i]], order[i], free[order[i]], size[order[i]] }')"
        echo "git	commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" --no-optional-locks diff --quiet HEAD -- src sql reliability.control 2>/dev/null || echo ' + uncommitted changes in src/ or sql/')"
        echo "big_note	$BIG_NOTE"
    } >"$BENCH_OUT/info.tsv"
    port=${BENCH_PORT:-$(pick_free_port)}
    echo "== cluster on port $port: pg_virtualenv -t -v 15 ${cluster_opts[*]}"
    BENCH_CACHE_ENGINE_IN_CLUSTER=1 BIG_MACHINES=$BIG_MACHINES PGPORT=$port \
        exec pg_virtualenv -t -v 15 "${cluster_opts[@]}" bash "$self" "$@"
fi

out=${BENCH_OUT:?BENCH_OUT is not set}
timings=$out/timings.tsv
t_start=$(date +%s)
elapsed() { echo "$(( $(date +%s) - t_start )) s"; }
note() { printf '%s\t%s\n' "$1" "$2" >>"$out/info.tsv"; }
info() { awk -F'\t' -v k="$1" '$1 == k { v = $2 } END { print v }' "$out/info.tsv"; }
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -P pager=off "$@"; }

if [ "$REPORT_ONLY" != 1 ]; then  # ------------------------------- the measurements
: >"$timings"
: >"$out/mem.tsv"
: >"$out/checks.tsv"
: >"$out/wal.tsv"
: >"$out/scores_state.tsv"
: >"$out/pgbench.tsv"
note postgres "$(psql_q -At -c 'SHOW server_version')"
note settings "$(psql_q -At -c "SELECT string_agg(name || ' = ' || current_setting(name), ', ' ORDER BY name)
    FROM unnest(ARRAY['shared_buffers', 'work_mem', 'maintenance_work_mem', 'jit', 'autovacuum', 'max_wal_size',
                      'checkpoint_timeout', 'wal_level', 'full_page_writes', 'wal_compression', 'fsync',
                      'synchronous_commit']) AS name")"
datadir=$(psql_q -At -c 'SHOW data_directory')

# Runs a psql script with \timing on; every "\echo @@ key run" line tags the next
# statement's time, which goes to timings.tsv as "key<TAB>run<TAB>ms".
run_timed() {  # name script psql-args...
    local name=$1 script=$2
    shift 2
    { echo '\timing on'; cat "$script"; } >"$out/$name.sql"
    if ! psql_q "$@" -f "$out/$name.sql" >"$out/$name.out" 2>"$out/$name.err"; then
        tail -n 30 "$out/$name.out" "$out/$name.err" >&2
        echo "bench_cache_engine: $name failed" >&2
        exit 1
    fi
    awk '/^@@ / { key = $2; run = $3; next }
         /^Time: / { if (key != "") { print key "\t" run "\t" $2; key = "" } }' "$out/$name.out" >>"$timings"
}
# One statement in a fresh connection, its backend's memory sampled (see --sample above):
# appends "label run ms hwm_before rss_before anon_before shmem_before hwm rss anon shmem
# peak_anon peak_shmem peak_rss samples" (kB) to mem.tsv.
mem_measure() {  # label run db sql
    local label=$1 run=$2 db=$3 sql=$4 d="$out/mem/$1_$2" ms
    rm -rf "$d"; mkdir -p "$d"
    psql_q -d "$db" -c 'SELECT 1' >/dev/null   # the database's relcache init file exists before the measured session
    cat >"$d/script.sql" <<EOF
\\set ON_ERROR_STOP on
\\pset tuples_only on
\\pset format unaligned
\\o $d/pid
SELECT pg_backend_pid();
\\o
\\! bash $self --sample $d >$d/sampler.log 2>&1 &
\\! i=0; while [ ! -e $d/ready ] && [ \$i -lt 1000 ]; do sleep 0.01; i=\$((i + 1)); done
\\timing on
$sql
\\timing off
\\! touch $d/stop; i=0; while [ ! -e $d/done ] && [ \$i -lt 1000 ]; do sleep 0.01; i=\$((i + 1)); done
EOF
    if ! psql_q -d "$db" -f "$d/script.sql" >"$d/out" 2>"$d/err"; then
        touch "$d/stop"; cat "$d/out" "$d/err" >&2; echo "bench_cache_engine: $label run $run failed" >&2; exit 1
    fi
    ms=$(awk '/^Time: / { print $2 }' "$d/out" | tail -1)
    if [ ! -s "$d/result" ] || [ -z "$ms" ]; then
        echo "bench_cache_engine: no memory samples or time for $label run $run" >&2; cat "$d/out" "$d/err" "$d/sampler.log" >&2; exit 1
    fi
    echo "$label $run $ms $(cat "$d/before") $(cat "$d/result")" | tr ' ' '\t' >>"$out/mem.tsv"
}
check_cache() {  # label db every
    psql_q -d "$2" -v label="$1" -v every="$3" -f "$here/bench_cache_engine_check.sql" |
        sed -n 's/^@@@ check //p' | tr ' ' '\t' >>"$out/checks.tsv"
}
scores_state() {  # db tag: sizes of reliability.scores and its indexes, update counters
    psql_q -d "$1" -At -F $'\t' -c "SELECT '$2', pg_relation_size('reliability.scores'),
            (SELECT string_agg(c.relname || '=' || pg_relation_size(c.oid), ',' ORDER BY c.relname)
               FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid WHERE i.indrelid = 'reliability.scores'::regclass),
            pg_indexes_size('reliability.scores'), n_tup_upd, n_tup_hot_upd, n_live_tup, n_dead_tup
       FROM pg_stat_user_tables WHERE relid = 'reliability.scores'::regclass" >>"$out/scores_state.tsv"
}

# ================================================== (1)-(3): the 20,000-machine fleet
echo "== [$(elapsed)] fleet: $FLEET machines x $HISTORY observations (triggers disabled), twin table, rebuild()"
psql_q -c 'CREATE DATABASE fleet'
run_timed fleet_setup "$here/bench_cache_engine_fleet.sql" -d fleet -v fleet="$FLEET" -v history="$HISTORY"
grep -v '^Time:' "$out/fleet_setup.out" | tail -n 4 | sed 's/^/   /'
note fleet_rows "$(psql_q -d fleet -At -c 'SELECT count(*) FROM reliability.observations')"

# ---------------------------------------------------------------- (3) WAL per polled row
echo "== [$(elapsed)] (3) WAL: $WAL_BATCHES batches of $WAL_CYCLES poll cycles of $WAL_MACHINES machines, with and without triggers"
wal_batch() {  # label(trigger|plain) batch
    local label=$1 batch=$2 table f
    if [ "$label" = trigger ]; then table=reliability.observations; else table=bench.obs_plain; fi
    f=$out/wal_${label}_$batch.sql
    {
        echo '\set ON_ERROR_STOP on'
        echo 'CHECKPOINT;'
        echo 'SELECT pg_current_wal_insert_lsn() AS batch_l0 \gset'
        for k in $(seq 1 "$WAL_CYCLES"); do
            echo 'SELECT pg_current_wal_insert_lsn() AS l0 \gset'
            echo "INSERT INTO $table (machine_id, observed_at, online) SELECT m, now(), random() < 0.97 FROM generate_series(1, $WAL_MACHINES) m;"
            echo "SELECT '$label', '$batch', $k, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'l0')::bigint;"
        done
        echo "SELECT 'LSN', :'batch_l0', pg_current_wal_insert_lsn();"
        echo 'SELECT pg_stat_force_next_flush() \g /dev/null'
    } >"$f"
    psql_q -d fleet -At -F $'\t' -f "$f" >"$out/wal_${label}_$batch.out"
    grep -v '^LSN' "$out/wal_${label}_$batch.out" >>"$out/wal.tsv"
    local l0 l1
    read -r l0 l1 < <(awk -F'\t' '$1 == "LSN" { print $2, $3 }' "$out/wal_${label}_$batch.out")
    if [ "$batch" = 1 ]; then
        "$PG_BINDIR/pg_waldump" --stats=record -p "$datadir/pg_wal" -s "$l0" -e "$l1" \
            >"$out/waldump_${label}_1.txt" 2>&1 || echo "(pg_waldump failed)" >>"$out/waldump_${label}_1.txt"
    fi
}
scores_state fleet before
for b in $(seq 1 "$WAL_BATCHES"); do
    wal_batch trigger "$b"
    scores_state fleet "after_$b"
    wal_batch plain "$b"
    psql_q -d fleet -c 'VACUUM reliability.scores'
    scores_state fleet "vacuumed_$b"
done
# (3b) Steady state: every machine's window full (score_window shorter than the fleet's
# history), as after a machine's first score_window on a real fleet: a poll then changes a
# machine's score only when the new row's state differs from the one leaving the window.
psql_q -d fleet -c "UPDATE reliability.settings SET score_window = '$STEADY_WINDOW'" -c 'VACUUM reliability.scores'
scores_state fleet before_steady
wal_batch trigger steady
scores_state fleet after_steady
wal_batch plain steady
psql_q -d fleet -c "UPDATE reliability.settings SET score_window = '30 days'" -c 'VACUUM reliability.scores'
check_cache after_wal_cycles fleet 97
psql_q -d fleet -c 'VACUUM (ANALYZE) reliability.observations, bench.obs_plain, reliability.scores'

# ------------------------------------------------------------------- (1) the poll cycle
echo "== [$(elapsed)] (1) poll cycle: one INSERT of $FLEET rows, with triggers vs without, warm-up + $RUNS runs"
poll_trigger="INSERT INTO reliability.observations (machine_id, observed_at, online) SELECT m, now(), random() < 0.97 FROM generate_series(1, $FLEET) m;"
poll_plain="INSERT INTO bench.obs_plain (machine_id, observed_at, online) SELECT m, now(), random() < 0.97 FROM generate_series(1, $FLEET) m;"
{
    echo "$poll_trigger"
    echo "$poll_plain"
    for i in $(seq 1 "$RUNS"); do
        if [ $((i % 2)) -eq 1 ]; then
            printf '\\echo @@ poll_trigger %s\n%s\n\\echo @@ poll_plain %s\n%s\n' "$i" "$poll_trigger" "$i" "$poll_plain"
        else
            printf '\\echo @@ poll_plain %s\n%s\n\\echo @@ poll_trigger %s\n%s\n' "$i" "$poll_plain" "$i" "$poll_trigger"
        fi
    done
} >"$out/poll_script.sql"
run_timed poll "$out/poll_script.sql" -d fleet
check_cache after_poll_cycles fleet 97

# ------------------------------------------------------------- (2) one-row inserts, pgbench
echo "== [$(elapsed)] (2) pgbench -c 2 -j 2: one-row inserts, $RUNS rounds of ${PGBENCH_SECONDS}s per table"
pgb_run() {  # label round seconds: appends "label round median_ms tps transactions" to pgbench.tsv
    local label=$1 round=$2 seconds=$3 dir="$out/pgbench/$1_$2" n median tps
    mkdir -p "$dir"
    psql_q -d fleet -c 'VACUUM reliability.scores'   # what autovacuum would do between rounds
    (cd "$dir" && pgbench -n -c 2 -j 2 -T "$seconds" -D fleet="$FLEET" -f "$here/bench_cache_engine_pgbench_$label.sql" \
        -l --log-prefix=lat fleet >"$dir/stdout" 2>&1) || { cat "$dir/stdout" >&2; echo "bench_cache_engine: pgbench failed" >&2; exit 1; }
    n=$(cat "$dir"/lat.* | wc -l)
    median=$(cat "$dir"/lat.* | awk '{ print $3 }' | sort -n | awk -v n="$n" 'NR == int((n + 1) / 2) { print $1 / 1000 }')
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$dir/stdout" | tail -1)
    printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$round" "$median" "$tps" "$n" >>"$out/pgbench.tsv"
}
pgb_run trigger 0 2; pgb_run plain 0 2   # warm-up
for r in $(seq 1 "$RUNS"); do
    if [ $((r % 2)) -eq 1 ]; then
        pgb_run trigger "$r" "$PGBENCH_SECONDS"; pgb_run plain "$r" "$PGBENCH_SECONDS"
    else
        pgb_run plain "$r" "$PGBENCH_SECONDS"; pgb_run trigger "$r" "$PGBENCH_SECONDS"
    fi
done
check_cache after_pgbench fleet 97
psql_q -c 'DROP DATABASE fleet'

# ============================================== (4)(a): a restore-like COPY of N rows
copy_n=$((COPY_MACHINES * COPY_ROWS))
echo "== [$(elapsed)] (4a) COPY of $copy_n rows ($COPY_MACHINES machines x $COPY_ROWS): triggers / FK only / no FK, $COPY_RUNS runs each"
mkdir -p "$out/copydata"
chmod 777 "$out/copydata"
csv=$out/copydata/observations.copy
psql_q -c 'CREATE DATABASE restore_tpl'
run_timed restore_setup "$here/bench_cache_engine_restore.sql" -d restore_tpl \
    -v copy_machines="$COPY_MACHINES" -v copy_rows="$COPY_ROWS" -v csv="$csv"
note copy_file "$(du -h "$csv" | cut -f1)"
cat "$csv" >/dev/null   # in the page cache for every run alike
for r in $(seq 1 "$COPY_RUNS"); do
    case $((r % 3)) in   # rotate which goes first
        1) order="trigger fk nofk" ;; 2) order="fk nofk trigger" ;; 0) order="nofk trigger fk" ;;
    esac
    for v in $order; do
        case $v in
            trigger) target=reliability.observations ;; fk) target=bench.obs_fk ;; nofk) target=bench.obs_nofk ;;
        esac
        psql_q -c 'CREATE DATABASE restore_run TEMPLATE restore_tpl'
        echo "   [$(elapsed)] run $r: COPY $target"
        mem_measure "copy_$v" "$r" restore_run "COPY $target FROM '$csv';"
        if [ "$v" = trigger ] && [ "$r" = 1 ]; then
            check_cache after_restore_copy restore_run $(( COPY_MACHINES > 200 ? COPY_MACHINES / 100 : 1 ))
        fi
        psql_q -c 'DROP DATABASE restore_run'
    done
done
psql_q -c 'DROP DATABASE restore_tpl'
rm -f "$csv"

# ==================================== (4)(b)-(d), (5): the big fleet, BIG_DAYS of 5-min rows
big_rows=$((BIG_DAYS * 288))
echo "== [$(elapsed)] big fleet: $BIG_MACHINES machines x $big_rows rows ($((BIG_MACHINES * big_rows)) rows), triggers disabled; VACUUM; rebuild()"
psql_q -c 'CREATE DATABASE big'
run_timed big_setup "$here/bench_cache_engine_big.sql" -d big -v big_machines="$BIG_MACHINES" -v big_rows="$big_rows"
grep -v '^Time:' "$out/big_setup.out" | tail -n 3 | sed 's/^/   /'
note big_rows "$(psql_q -d big -At -c 'SELECT count(*) FROM reliability.observations')"
note big_size "$(psql_q -d big -At -c "SELECT pg_size_pretty(pg_table_size('reliability.observations')) || ' heap + ' || pg_size_pretty(pg_indexes_size('reliability.observations')) || ' primary key'")"
note big_rows_per_machine "$(psql_q -d big -At -c "SELECT count(*) FROM reliability.observations WHERE machine_id = 1")"

echo "== [$(elapsed)] (4b)/(5) reliability.rebuild(), $RUNS runs, each in a fresh connection (the setup's rebuild was the warm-up)"
for r in $(seq 1 "$RUNS"); do
    mem_measure rebuild "$r" big 'SELECT reliability.rebuild();'
    echo "   [$(elapsed)] rebuild run $r: $(awk -F'\t' -v r="$r" '$1 == "rebuild" && $2 == r { print $3 " ms" }' "$out/mem.tsv")"
done
echo "== [$(elapsed)] (4c)/(5) settings change, warm-up + $RUNS runs, each in a fresh connection"
settings_to_new='UPDATE reliability.settings SET weight_uptime = 0.5, weight_interruption = 0.3;'
settings_to_default='UPDATE reliability.settings SET weight_uptime = 0.4, weight_interruption = 0.4;'
mem_measure settings_warmup 0 big "$settings_to_new"
for r in $(seq 1 "$RUNS"); do
    if [ $((r % 2)) -eq 1 ]; then sql=$settings_to_default; else sql=$settings_to_new; fi
    mem_measure settings "$r" big "$sql"
    echo "   [$(elapsed)] settings run $r: $(awk -F'\t' -v r="$r" '$1 == "settings" && $2 == r { print $3 " ms" }' "$out/mem.tsv")"
done
check_cache after_rebuild_and_settings big $(( BIG_MACHINES > 200 ? BIG_MACHINES / 100 : 1 ))
note big_weights "$(psql_q -d big -At -c "SELECT weight_uptime || ' / ' || weight_interruption FROM reliability.settings")"

echo "== [$(elapsed)] (4d) $LATE_ROWS-row INSERTs stamped $LATE_DAYS days ago; fresh-session baseline"
late_step=$(( BIG_MACHINES / LATE_ROWS > 0 ? BIG_MACHINES / LATE_ROWS : 1 ))
late_sql() {  # run: one row for each of LATE_ROWS machines (spread over the fleet)
    echo "INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT 1 + (i * $late_step) % $BIG_MACHINES,
       date_trunc('second', now()) - interval '$LATE_DAYS days' + $1 * interval '1 second' + (i * $late_step / $BIG_MACHINES) * interval '1 minute',
       true
  FROM generate_series(0, $LATE_ROWS - 1) i;"
}
late_one_sql() {  # run: LATE_ROWS rows of one machine
    echo "INSERT INTO reliability.observations (machine_id, observed_at, online)
SELECT $(( ($1 % BIG_MACHINES) + 1 )), date_trunc('second', now()) - interval '$LATE_DAYS days' + $1 * interval '1 second' + i * interval '1 minute' + interval '30 seconds', i % 10 <> 0
  FROM generate_series(0, $LATE_ROWS - 1) i;"
}
mem_measure late 0 big "$(late_sql 0)"   # warm-up
mem_measure late_one 0 big "$(late_one_sql 0)"
for r in $(seq 1 "$RUNS"); do
    mem_measure late "$r" big "$(late_sql "$r")"
    mem_measure late_one "$r" big "$(late_one_sql "$r")"
    mem_measure baseline "$r" big 'SELECT 1;'
done
# The same INSERTs in one warm session (after one of each), without a fresh session's first-call
# costs (catalog caches, PL/pgSQL compilation, SPI plans).
{
    late_sql 100; late_one_sql 100
    for r in $(seq 1 "$RUNS"); do
        printf '\\echo @@ late_warm %s\n%s\n' "$r" "$(late_sql $((100 + r)))"
        printf '\\echo @@ late_one_warm %s\n%s\n' "$r" "$(late_one_sql $((100 + r)))"
    done
} >"$out/late_warm_script.sql"
run_timed late_warm "$out/late_warm_script.sql" -d big
check_cache after_late_inserts big $(( BIG_MACHINES > 200 ? BIG_MACHINES / 100 : 1 ))
psql_q -c 'DROP DATABASE big'

note load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
note duration "$(elapsed)"
fi  # REPORT_ONLY

# ================================================================================ report
echo "== [$(elapsed)] report"
# Numbers: median (test/benchmarks/lib.sh) / min / max of a list on stdin.
source "$here/lib.sh"
mn() { sort -g | head -1; }
mx() { sort -g | tail -1; }
tv() { awk -F'\t' -v k="$1" '$1 == k { print $3 }' "$timings"; }              # times of a key
memcol() { awk -F'\t' -v k="$1" -v c="$2" '$1 == k && $2 != 0 { print $c }' "$out/mem.tsv"; }  # a mem.tsv column
ms() {  # format milliseconds
    awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else if (v >= 10000) printf "%.1f s\n", v / 1000;
                           else if (v >= 100) printf "%.0f ms\n", v; else if (v >= 10) printf "%.1f ms\n", v; else printf "%.3f ms\n", v }'
}
mb() { awk -v v="$1" 'BEGIN { if (v == "") print "n/a"; else printf "%.1f MB\n", v / 1024 }'; }   # kB -> MB
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (a == "" || b == "" || b == 0) print "n/a"; else printf "%.2f×\n", a / b }'; }
le() { awk -v a="$1" -v b="$2" 'BEGIN { exit !(a != "" && b != "" && a + 0 <= b + 0) }'; }
verdict() { if le "$1" "$2"; then echo pass; else echo "**not met**"; fi; }
# Per-run pairs: the ratio / difference of two keys of timings.tsv, run by run.
pair() {  # op keyA keyB
    awk -F'\t' -v op="$1" -v a="$2" -v b="$3" '$1 == a { x[$2] = $3 } $1 == b { y[$2] = $3 }
        END { for (r in x) if (r in y && y[r] > 0) print (op == "ratio" ? x[r] / y[r] : x[r] - y[r]) }' "$timings"
}

n_copy=$(( COPY_MACHINES * COPY_ROWS ))
{
echo "## Cache engine (issue 9)"
echo
echo "Command: \`bash test/benchmarks/bench_cache_engine.sh\` (or \`bash test/benchmarks/run.sh cache\`). It builds"
echo "and installs the extension (\`scripts/lib.sh\`'s \`build_and_install_extension\`, under the shared build lock),"
echo "then measures in its own throwaway cluster, dropped at the end: \`pg_virtualenv -t -v 15 ${cluster_opts[*]}\`."
echo "In effect: $(info settings) (\`fsync = off\` is pg_virtualenv's own setting for throwaway"
echo "clusters, so commits cost less than on a real server). Autovacuum is off so that no background work lands in a"
echo "measurement: the benchmark runs \`VACUUM\` itself where autovacuum would (named below). Knobs: RUNS=$RUNS"
echo "COPY_RUNS=$COPY_RUNS SCALE=$SCALE FLEET=$FLEET HISTORY=$HISTORY WAL_MACHINES=$WAL_MACHINES WAL_CYCLES=$WAL_CYCLES WAL_BATCHES=$WAL_BATCHES"
echo "PGBENCH_SECONDS=$PGBENCH_SECONDS BIG_MACHINES=$BIG_MACHINES BIG_DAYS=$BIG_DAYS COPY_MACHINES=$COPY_MACHINES"
echo "COPY_ROWS=$COPY_ROWS LATE_ROWS=$LATE_ROWS LATE_DAYS=$LATE_DAYS SAMPLE_MS=$SAMPLE_MS; the whole run took $(info duration | awk '{ printf "%.0f min", $1 / 60 }')."
if [ -n "$(info big_note)" ]; then echo; echo "**Scaled down:** $(info big_note)."; fi
echo
echo "Run $(info started) on $(info cpu), $(info memory) RAM, PostgreSQL $(info postgres); extension: $(info git);"
echo "disk: $(info disk). The machine is shared with other developers' builds and tests (load average"
echo "$(info load_before) before, $(info load_after) after). Times are wall-clock as psql (\`\\timing\`) or pgbench see"
echo "them, commit included; each is the median of the runs named in its row, after a warm-up run, measured in the same"
echo "run as its baseline (with and without triggers alternate which goes first). MB = 2^20 bytes."
echo

# ---------------------------------------------------------------- goals at a glance
poll_ratio=$(pair ratio poll_trigger poll_plain | med)
p_trig=$(awk -F'\t' '$1 == "trigger" && $2 != 0 { print $3 }' "$out/pgbench.tsv" | med)
p_plain=$(awk -F'\t' '$1 == "plain" && $2 != 0 { print $3 }' "$out/pgbench.tsv" | med)
p_added=$(awk -F'\t' '$2 != 0 { if ($1 == "trigger") t[$2] = $3; else if ($1 == "plain") p[$2] = $3 }
                     END { for (r in t) if (r in p) print t[r] - p[r] }' "$out/pgbench.tsv" | med)
walsum() {  # label batch(number or "all") first|rest|all -> bytes
    awk -F'\t' -v l="$1" -v b="$2" -v w="$3" '$1 == l && ($2 == b || (b == "all" && $2 != "steady")) && (w == "all" || (w == "first" && $3 == 1) || (w == "rest" && $3 > 1)) { s += $4 }
        END { print s + 0 }' "$out/wal.tsv"
}
walrows() {  # batch(number or "all") first|rest|all -> rows
    local nb=1; [ "$1" = all ] && nb=$WAL_BATCHES
    case $2 in first) echo $((WAL_MACHINES * nb)) ;; rest) echo $((WAL_MACHINES * (WAL_CYCLES - 1) * nb)) ;; all) echo $((WAL_MACHINES * WAL_CYCLES * nb)) ;; esac
}
walmed() {  # label batch(number or "all") -> median bytes per row of one cycle, cycles 2..N
    awk -F'\t' -v l="$1" -v b="$2" -v n="$WAL_MACHINES" '$1 == l && ($2 == b || (b == "all" && $2 != "steady")) && $3 > 1 { print $4 / n }' "$out/wal.tsv" | med |
        awk '{ printf "%.0f", $1 }'
}
per_row() { awk -v b="$1" -v r="$2" 'BEGIN { printf "%.0f", b / r }'; }
wal_t_all=$(per_row "$(walsum trigger all all)" "$(walrows all all)")
wal_p_all=$(per_row "$(walsum plain all all)" "$(walrows all all)")
wal_t_med=$(walmed trigger all)
wal_p_med=$(walmed plain all)
state() { awk -F'\t' -v t="$1" -v c="$2" '$1 == t { print $c }' "$out/scores_state.tsv"; }
idx_growth() {  # batch -> bytes the indexes of reliability.scores grew during it
    local prev=before; [ "$1" -gt 1 ] && prev=vacuumed_$(( $1 - 1 ))
    echo $(( $(state "after_$1" 4) - $(state "$prev" 4) ))
}
idx_growths=$(for b in $(seq 1 "$WAL_BATCHES"); do printf '%s+%s (batch %s)' "${sep:-}" "$(mb $(( $(idx_growth "$b") / 1024 )))" "$b"; sep=", "; done)
copy_anon_t=$(memcol copy_trigger 12 | med); copy_anon_fk=$(memcol copy_fk 12 | med); copy_anon_nofk=$(memcol copy_nofk 12 | med)
copy_hwm_t=$(memcol copy_trigger 8 | med); copy_hwm_fk=$(memcol copy_fk 8 | med);
copy_ms_t=$(memcol copy_trigger 3 | med); copy_ms_fk=$(memcol copy_fk 3 | med); copy_ms_nofk=$(memcol copy_nofk 3 | med)
echo "### Goals"
echo
echo "| item | goal | measured | result |"
echo "|---|---|---|---|"
echo "| (1) poll cycle of $FLEET rows, with / without triggers | ≤ 3× | $(ratio "$(tv poll_trigger | med)" "$(tv poll_plain | med)") (per-run median $(awk -v v="$poll_ratio" 'BEGIN { printf "%.2f×", v }')) | $(verdict "$poll_ratio" 3) |"
echo "| (2) one-row INSERT, latency added by the triggers (pgbench -c 2) | ≤ 0.7 ms | $(ms "$p_added") | $(verdict "$p_added" 0.7) |"
echo "| (3) WAL per polled row, with / without triggers, all $((WAL_BATCHES * WAL_CYCLES)) cycles (a CHECKPOINT every $WAL_CYCLES) | ≤ 2× | $(ratio "$wal_t_all" "$wal_p_all") ($wal_t_all vs $wal_p_all bytes) | $(verdict "$(awk -v a="$wal_t_all" -v b="$wal_p_all" 'BEGIN { print a / b }')" 2) |"
echo "| (3) the same, median cycle without full-page images (cycles 2–$WAL_CYCLES of each batch) | ≤ 2× | $(ratio "$wal_t_med" "$wal_p_med") ($wal_t_med vs $wal_p_med bytes) | $(verdict "$(awk -v a="$wal_t_med" -v b="$wal_p_med" 'BEGIN { print a / b }')" 2) |"
wal_t_steady=$(walmed trigger steady); wal_p_steady=$(walmed plain steady)
echo "| (3) the same in the steady state (every window full: \`score_window = '$STEADY_WINDOW'\` over $HISTORY rows of 5 minutes), median cycle | ≤ 2× | $(ratio "$wal_t_steady" "$wal_p_steady") ($wal_t_steady vs $wal_p_steady bytes) | $(verdict "$(awk -v a="$wal_t_steady" -v b="$wal_p_steady" 'BEGIN { print a / b }')" 2) |"
echo "| (3) growth of the indexes of \`reliability.scores\`, batches of $WAL_CYCLES cycles, a VACUUM after each | bounded | $idx_growths | $(if [ "$(idx_growth "$WAL_BATCHES")" -le $(( $(idx_growth 1) / 2 )) ]; then echo "levels off"; else echo "**keeps growing**"; fi) |"
echo "| (4a) COPY of $n_copy rows with triggers: peak private memory (RssAnon) | ≤ 256 MB | $(mb "$copy_anon_t") | $(verdict "$copy_anon_t" 262144) |"
echo "| (4a) the same: peak RSS (VmHWM, shared buffers included) | ≤ 256 MB | $(mb "$copy_hwm_t") | $(verdict "$copy_hwm_t" 262144) |"
echo "| (4a) RssAnon, with triggers / plain COPY with the foreign key | ≤ 2× | $(ratio "$copy_anon_t" "$copy_anon_fk") | $(verdict "$(awk -v a="$copy_anon_t" -v b="$copy_anon_fk" 'BEGIN { print a / b }')" 2) |"
echo "| (4a) VmHWM, with triggers / plain COPY with the foreign key | ≤ 2× | $(ratio "$copy_hwm_t" "$copy_hwm_fk") | $(verdict "$(awk -v a="$copy_hwm_t" -v b="$copy_hwm_fk" 'BEGIN { print a / b }')" 2) |"
echo "| (4a) time, with triggers / plain COPY with the foreign key (SPEC §1: every data table references \`machines\`) | ≤ 2× | $(ratio "$copy_ms_t" "$copy_ms_fk") | $(verdict "$(awk -v a="$copy_ms_t" -v b="$copy_ms_fk" 'BEGIN { print a / b }')" 2) |"
echo "| (4a) RssAnon, with triggers / plain COPY without the foreign key | (for reference) | $(ratio "$copy_anon_t" "$copy_anon_nofk") | |"
echo "| (4a) time, with triggers / plain COPY without the foreign key | (for reference) | $(ratio "$copy_ms_t" "$copy_ms_nofk") | |"
echo
echo "Cache exactness, same run (a sample of cached rows against \`reliability.score(machine_id, computed_at)\`, every field):"
awk -F'\t' '{ printf "%s%s: %d checked, %d mismatched (%d cached rows)", sep, $1, $2, $3, $4; sep = "; " } END { print "." }' "$out/checks.tsv"
echo

# ---------------------------------------------------------------- (1) and (2)
echo "### (1) Poll cycle and (2) one-row inserts"
echo
echo "Fleet: $FLEET machines with $HISTORY observations each (every 5 minutes up to the load; $(info fleet_rows) rows),"
echo "cache filled by \`rebuild()\`; \`bench.obs_plain\` is \`reliability.observations\`' trigger-less twin (\`LIKE … INCLUDING ALL\`:"
echo "the same columns, CHECK and primary key, partitioned by time with a DEFAULT partition as it is, plus the same foreign key to \`machines\`) holding the same rows. The poll"
echo "cycle is \`INSERT … SELECT m, now(), random() < 0.97 FROM generate_series(1, $FLEET) m\`; runs are seconds apart,"
echo "after the WAL batches of (3). pgbench: \`-c 2 -j 2 -T $PGBENCH_SECONDS\`, a random machine per insert, \`VACUUM reliability.scores\`"
echo "before every round; the latency of a round is the median of its transactions."
echo
echo "| # | measurement | median | min | max | runs |"
echo "|---|---|---:|---:|---:|---:|"
for k in poll_trigger poll_plain; do
    label="one INSERT of $FLEET rows **with** the triggers"; [ "$k" = poll_plain ] && label="the same INSERT into the trigger-less twin"
    echo "| 1 | $label | $(ms "$(tv $k | med)") | $(ms "$(tv $k | mn)") | $(ms "$(tv $k | mx)") | $(tv $k | wc -l) |"
done
echo "| 1 | ratio with / without (run by run) | $(awk -v v="$poll_ratio" 'BEGIN { printf "%.2f×", v }') | $(pair ratio poll_trigger poll_plain | mn | awk '{ printf "%.2f×", $1 }') | $(pair ratio poll_trigger poll_plain | mx | awk '{ printf "%.2f×", $1 }') | $(pair ratio poll_trigger poll_plain | wc -l) |"
echo "| 1 | trigger work per polled row | $(pair diff poll_trigger poll_plain | med | awk -v n="$FLEET" '{ printf "%.1f µs", $1 * 1000 / n }') | | | |"
pg() { awk -F'\t' -v l="$1" -v c="$2" '$1 == l && $2 != 0 { print $c }' "$out/pgbench.tsv"; }
echo "| 2 | one-row INSERT **with** the triggers: median latency of a round | $(ms "$p_trig") | $(ms "$(pg trigger 3 | mn)") | $(ms "$(pg trigger 3 | mx)") | $(pg trigger 3 | wc -l) |"
echo "| 2 | the same into the trigger-less twin | $(ms "$p_plain") | $(ms "$(pg plain 3 | mn)") | $(ms "$(pg plain 3 | mx)") | $(pg plain 3 | wc -l) |"
echo "| 2 | latency added by the triggers (round by round) | $(ms "$p_added") | | | |"
echo "| 2 | transactions per second, with / without (2 clients) | $(pg trigger 4 | med | awk '{ printf "%.0f", $1 }') / $(pg plain 4 | med | awk '{ printf "%.0f", $1 }') | | | |"
echo

# ---------------------------------------------------------------- (3) WAL
echo "### (3) WAL per polled row, HOT updates and the size of \`reliability.scores\`"
echo
echo "Each batch is $WAL_CYCLES poll cycles of $WAL_MACHINES machines (machines 1–$WAL_MACHINES of the fleet, \`now()\`"
echo "stamps), one statement and one transaction each, after a \`CHECKPOINT\`: the first cycle of a batch writes the"
echo "full-page image of every page it touches first, as the first cycle after each checkpoint does on a real server"
echo "(with the default \`checkpoint_timeout\` of 5 minutes and a 5-minute poll, that is every cycle). WAL bytes are"
echo "\`pg_current_wal_insert_lsn()\` differences around each INSERT (commit record included), divided by its rows."
echo "Order: triggers 1, twin 1, \`VACUUM reliability.scores\`, triggers 2, twin 2, \`VACUUM\`, … Every machine of the"
echo "synthetic fleet has the same number of rows, so their primary-key leaf pages fill up and split in the same cycle:"
echo "that cycle writes several times the WAL of the others, in both tables (amortized in \"all cycles\"; the median"
echo "cycle leaves it out)."
echo
echo "| batch | WAL bytes per row | with triggers | trigger-less twin | ratio |"
echo "|---|---|---:|---:|---:|"
for b in $(seq 1 "$WAL_BATCHES") all steady; do
    bl=$b; [ "$b" = all ] && bl="all $WAL_BATCHES"; [ "$b" = steady ] && bl="steady state"
    for w in all first med; do
        case $w in
            all) wl="all $WAL_CYCLES cycles"; [ "$b" = all ] && wl="all $((WAL_BATCHES * WAL_CYCLES)) cycles" ;;
            first) wl="cycle 1 (after the CHECKPOINT)" ;;
            med) wl="median cycle of 2–$WAL_CYCLES" ;;
        esac
        if [ "$w" = med ]; then
            t=$(walmed trigger "$b"); p=$(walmed plain "$b")
        else
            t=$(per_row "$(walsum trigger "$b" $w)" "$(walrows "$b" $w)"); p=$(per_row "$(walsum plain "$b" $w)" "$(walrows "$b" $w)")
        fi
        echo "| $bl | $wl | $t | $p | $(ratio "$t" "$p") |"
    done
done
echo
hot() {  # from to
    awk -F'\t' -v f="$1" -v t="$2" '$1 == f { u0 = $5; h0 = $6 } $1 == t { u1 = $5; h1 = $6 }
        END { u = u1 - u0; h = h1 - h0; if (u > 0) printf "%d of %d updates HOT (%.1f %%)", h, u, 100 * h / u; else print "no updates" }' "$out/scores_state.tsv"
}
echo "HOT updates of \`reliability.scores\` (\`pg_stat_user_tables\`): $(for b in $(seq 1 "$WAL_BATCHES"); do
    prev=before; [ "$b" -gt 1 ] && prev=vacuumed_$((b - 1)); printf '%sbatch %s: %s' "${hsep:-}" "$b" "$(hot "$prev" "after_$b")"; hsep="; "; done); steady state: $(hot before_steady after_steady)."
echo
echo "| \`reliability.scores\` | heap | all indexes | per index | dead tuples |"
echo "|---|---:|---:|---|---:|"
for t in before $(for b in $(seq 1 "$WAL_BATCHES"); do echo "after_$b vacuumed_$b"; done); do
    case $t in
        before) tl="before (after rebuild() and VACUUM)" ;; after_*) tl="after batch ${t#after_}" ;; vacuumed_*) tl="after VACUUM" ;;
    esac
    awk -F'\t' -v t="$t" -v tl="$tl" '$1 == t {
        n = split($3, parts, ","); s = ""
        for (i = 1; i <= n; i++) { split(parts[i], kv, "="); s = s (i > 1 ? ", " : "") sprintf("%s %.1f MB", kv[1], kv[2] / 1048576) }
        printf "| %s | %.1f MB | %.1f MB | %s | %d |\n", tl, $2 / 1048576, $4 / 1048576, s, $8 }' "$out/scores_state.tsv"
done
echo
echo "Where the WAL goes: records and bytes per polled row by record type in batch 1 (\`pg_waldump --stats=record\`, all"
echo "$WAL_CYCLES cycles, full-page images included; types under 0.02 records and 10 bytes a row left out):"
echo
echo "| record type | with triggers: records / row | bytes / row | twin: records / row | bytes / row |"
echo "|---|---:|---:|---:|---:|"
awk -v rows="$((WAL_MACHINES * WAL_CYCLES))" '
    FNR == 1 { f++ }
    $1 ~ /^[A-Za-z0-9]+\/[A-Za-z0-9_+]+$/ && $2 ~ /^[0-9]+$/ {
        t = $1; if (!(t in seen)) { seen[t] = 1; order[++n] = t }
        c = NF; while (c > 0 && $c !~ /^[0-9]+$/) c--   # the last number: combined size (the last field is "(pct)")
        while (c > 0 && $c !~ /^[0-9]+$/) c--
        recs[f, t] = $2; bytes[f, t] = $(c)
    }
    END { for (i = 1; i <= n; i++) { t = order[i]
            for (k = 1; k <= 2; k++) { tr[k] += recs[k, t]; tb[k] += bytes[k, t] }
            if (recs[1, t] / rows < 0.02 && recs[2, t] / rows < 0.02 && bytes[1, t] / rows < 10 && bytes[2, t] / rows < 10) continue
            printf "| %s | %.2f | %.0f | %.2f | %.0f |\n", t, recs[1, t] / rows, bytes[1, t] / rows, recs[2, t] / rows, bytes[2, t] / rows }
          printf "| all | %.2f | %.0f | %.2f | %.0f |\n", tr[1] / rows, tb[1] / rows, tr[2] / rows, tb[2] / rows }
' "$out/waldump_trigger_1.txt" "$out/waldump_plain_1.txt"
echo
for l in trigger plain; do
    lt="with the triggers"; [ "$l" = plain ] && lt="into the trigger-less twin"
    echo "<details><summary>pg_waldump --stats=record of batch 1, $lt</summary>"
    echo
    echo '```'
    sed 's/[[:space:]]*$//' "$out/waldump_${l}_1.txt"
    echo '```'
    echo "</details>"
    echo
done

# ---------------------------------------------------------------- (4) memory, (5) times
echo "### (4) Peak memory of one backend and (5) times"
echo
echo "Each statement runs in a fresh connection (psql; the database was connected to once before, so its relcache"
echo "file exists). VmHWM is the backend's peak resident set at the end of the statement, read from"
echo "\`/proc/<pid>/status\`: it counts every shared buffer the backend touched (up to shared_buffers = $SHARED_BUFFERS)"
echo "as well as its private memory. RssAnon (private memory: palloc, malloc, the C++ heap) and RssShmem (shared"
echo "buffers touched) are sampled every $SAMPLE_MS ms during the statement; their peaks are the largest samples"
echo "(the end of the statement included), so a peak shorter than a sample can be missed. Each figure is the median"
echo "over the runs (rows (4a): $COPY_RUNS runs each, every run in a fresh database made from one template, no warm-up;"
echo "the others: $RUNS runs after a warm-up)."
echo
echo "(4a): the file is $(info copy_file) in COPY's text format, $n_copy rows ($COPY_MACHINES machines × $COPY_ROWS rows every"
echo "5 minutes up to now, in time order: one poll cycle after another, the heap order that a restore reads), read by"
echo "\`COPY … FROM '<file>'\` into an empty table (no cached rows yet) of a database holding the $COPY_MACHINES machines."
echo "The twins are \`LIKE reliability.observations INCLUDING ALL\`, one with the foreign key to \`machines\` (PostgreSQL"
echo "queues one after-trigger event per row for it, checked at the end of the statement), one without."
echo "(4b)–(d): $(info big_rows) observations ($BIG_MACHINES machines × $(info big_rows_per_machine) rows, $BIG_DAYS days every 5"
echo "minutes up to the load; $(info big_size)), loaded with the extension's triggers disabled (\`ALTER TABLE … DISABLE"
echo "TRIGGER USER\`, and \`session_replication_role = replica\` to skip the per-row foreign-key check), then \`VACUUM (ANALYZE)\`"
echo "and one \`rebuild()\` (the warm-up of (b)). (c) alternates \`weight_uptime = 0.5, weight_interruption = 0.3\` with the"
echo "defaults 0.4 / 0.4, so every run is a change. (d): one row for each of $LATE_ROWS machines spread over the fleet,"
echo "stamped $LATE_DAYS days ago (before the score window); (d2): $LATE_ROWS rows of one machine, stamped $LATE_DAYS days ago."
echo
echo "| # | statement | time | VmHWM | peak RssAnon | peak RssShmem | RssAnon before | runs |"
echo "|---|---|---:|---:|---:|---:|---:|---:|"
memrow() {  # num label key
    echo "| $1 | $2 | $(ms "$(memcol "$3" 3 | med)") | $(mb "$(memcol "$3" 8 | med)") | $(mb "$(memcol "$3" 12 | med)") | $(mb "$(memcol "$3" 13 | med)") | $(mb "$(memcol "$3" 6 | med)") | $(memcol "$3" 3 | wc -l) |"
}
memrow 4a "\`COPY reliability.observations\` ($n_copy rows) **with** the triggers" copy_trigger
memrow 4a "the same COPY into the twin **with** the foreign key" copy_fk
memrow 4a "the same COPY into the twin without the foreign key" copy_nofk
memrow "4b, 5" "\`SELECT reliability.rebuild()\` ($BIG_MACHINES machines)" rebuild
memrow "4c, 5" "settings change (\`UPDATE reliability.settings SET weight_uptime …, weight_interruption …\`)" settings
memrow 4d "INSERT of $LATE_ROWS rows stamped $LATE_DAYS days ago, one each for $LATE_ROWS machines" late
memrow 4d2 "INSERT of $LATE_ROWS rows stamped $LATE_DAYS days ago, all of one machine" late_one
memrow base "a fresh session's \`SELECT 1\` (the baseline)" baseline
echo "| 4d | (d) again, as a later statement of one session (no first-call costs) | $(ms "$(tv late_warm | med)") | | | | | $(tv late_warm | wc -l) |"
echo "| 4d2 | (d2) again, as a later statement of one session | $(ms "$(tv late_one_warm | med)") | | | | | $(tv late_one_warm | wc -l) |"
echo
rb_ms=$(memcol rebuild 3 | med); st_ms=$(memcol settings 3 | med)
base_anon=$(memcol baseline 12 | med)
echo "| statement | per machine | per observation | private memory above a fresh session (peak RssAnon − baseline) |"
echo "|---|---:|---:|---:|"
for k in rebuild settings; do
    kms=$(memcol $k 3 | med)
    kl="\`rebuild()\`"; [ "$k" = settings ] && kl="settings change"
    echo "| $kl | $(awk -v v="$kms" -v n="$BIG_MACHINES" 'BEGIN { printf "%.1f ms", v / n }') | $(awk -v v="$kms" -v n="$(info big_rows)" 'BEGIN { printf "%.0f ns", v * 1e6 / n }') | $(mb "$(awk -v a="$(memcol $k 12 | med)" -v b="$base_anon" 'BEGIN { print a - b }')") ($(awk -v a="$(memcol $k 12 | med)" -v b="$base_anon" -v n="$BIG_MACHINES" 'BEGIN { printf "%.0f bytes per machine", (a - b) * 1024 / n }')) |"
done
for k in copy_trigger copy_fk copy_nofk; do
    kms=$(memcol $k 3 | med)
    case $k in copy_trigger) kl="COPY with the triggers" ;; copy_fk) kl="COPY into the twin with the foreign key" ;; copy_nofk) kl="COPY into the twin without it" ;; esac
    echo "| $kl | | $(awk -v v="$kms" -v n="$n_copy" 'BEGIN { printf "%.2f µs", v * 1000 / n }') | $(mb "$(awk -v a="$(memcol $k 12 | med)" -v b="$base_anon" 'BEGIN { print a - b }')") ($(awk -v a="$(memcol $k 12 | med)" -v b="$base_anon" -v n="$n_copy" 'BEGIN { printf "%.1f bytes per row", (a - b) * 1024 / n }')) |"
done
echo
echo "Setup, one run each: $(awk -F'\t' '
    BEGIN { n["setup_fleet_load"] = "fleet load (triggers disabled)"; n["setup_fleet_plain_copy"] = "its twin filled";
            n["setup_fleet_rebuild"] = "fleet rebuild() from an empty cache"; n["setup_copy_file"] = "COPY file written";
            n["setup_big_load"] = "big fleet load (triggers disabled)"; n["setup_big_vacuum"] = "its VACUUM (ANALYZE)";
            n["setup_big_rebuild"] = "big fleet rebuild() from an empty cache" }
    $1 in n { v = $3; printf "%s%s %s", sep, n[$1], (v >= 10000 ? sprintf("%.1f s", v / 1000) : sprintf("%.0f ms", v)); sep = "; " }
    END { print "." }' "$timings")"
echo
echo "Interpretation (computed from the figures above):"
echo
n_idx=$(awk -F'\t' '$1 == "before" { print split($3, x, ",") }' "$out/scores_state.tsv")
hot_pct() {  # from to -> percent of the updates between the two states that were HOT
    awk -F'\t' -v f="$1" -v t="$2" '$1 == f { u0 = $5; h0 = $6 } $1 == t { u1 = $5; h1 = $6 } END { if (u1 > u0) printf "%.1f", 100 * (h1 - h0) / (u1 - u0); else print "n/a" }' "$out/scores_state.tsv"
}
hot_all=$(hot_pct before "after_$WAL_BATCHES")
hot_steady=$(hot_pct before_steady after_steady)
echo "- (1) The triggers make the $FLEET-row poll INSERT $(awk -v v="$poll_ratio" 'BEGIN { printf "%.2f×", v }') as slow (run by run; goal ≤ 3×): $(pair diff poll_trigger poll_plain | med | awk -v n="$FLEET" '{ printf "%.1f µs", $1 * 1000 / n }') of trigger work per polled row."
echo "- (2) A one-row INSERT takes $(ms "$p_trig") with the triggers and $(ms "$p_plain") without: the triggers add $(ms "$p_added") (goal ≤ 0.7 ms)."
echo "- (3) Over all cycles, checkpoints included, the triggers write $(ratio "$wal_t_all" "$wal_p_all") the WAL of the twin; in a cycle without full-page images $(ratio "$wal_t_med" "$wal_p_med") ($wal_t_med vs $wal_p_med bytes a row). In batches 1–$WAL_BATCHES every window is still filling (2 days of rows in a 30-day window), so every poll changes every score: $hot_all % of the updates of \`reliability.scores\` were HOT, because an update that changes \`score\` cannot be HOT while \`score\` is indexed; each writes a new heap tuple (on the same page: fillfactor 50) and an entry in each of the $n_idx indexes (see the WAL records above). In the steady state, where a poll changes a score only when the new row's state differs from the one leaving the window, $hot_steady % were HOT and the triggers write $(ratio "$wal_t_steady" "$wal_p_steady") the twin's WAL ($wal_t_steady vs $wal_p_steady bytes a row)."
echo "- (4) VmHWM is mostly shared buffers: the COPY with the triggers peaks at $(mb "$copy_hwm_t") of which $(mb "$(memcol copy_trigger 13 | med)") are shared buffers (RssShmem), with shared_buffers = $SHARED_BUFFERS; any statement that reads more than that reaches VmHWM ≥ shared_buffers, so the private memory (RssAnon) is the figure to hold against a memory goal."
echo "- (4a) COPY times: with the triggers $(ms "$copy_ms_t"), into the twin with the foreign key $(ms "$copy_ms_fk") ($(ratio "$copy_ms_t" "$copy_ms_fk")), without it $(ms "$copy_ms_nofk") ($(ratio "$copy_ms_t" "$copy_ms_nofk")). Private memory: $(mb "$copy_anon_t") with the triggers, $(mb "$copy_anon_fk") for the foreign key alone, $(mb "$copy_anon_nofk") without it: the foreign key's after-trigger queue accounts for $(mb "$(awk -v a="$copy_anon_fk" -v b="$copy_anon_nofk" 'BEGIN { print a - b }')"), the extension's triggers for $(mb "$(awk -v a="$copy_anon_t" -v b="$copy_anon_fk" 'BEGIN { print a - b }')") more."
echo "- (4b)/(4c) \`rebuild()\` takes $(ms "$rb_ms") and a settings change $(ms "$st_ms") for $BIG_MACHINES machines and $(info big_rows) rows; their private memory stays within $(mb "$(memcol rebuild 12 | med)") and $(mb "$(memcol settings 12 | med)") (a fresh session: $(mb "$base_anon"))."
echo "- (4d) a $LATE_ROWS-row INSERT stamped $LATE_DAYS days ago takes $(ms "$(memcol late 3 | med)") in a fresh session ($(ms "$(tv late_warm | med)") in a warm one) spread over $LATE_ROWS machines, and $(ms "$(memcol late_one 3 | med)") ($(ms "$(tv late_one_warm | med)") warm) for one machine; its private memory peaks at $(mb "$(memcol late 12 | med)") and $(mb "$(memcol late_one 12 | med)")."
} >"$out/section.md" 2>"$out/report.err" || { cat "$out/report.err" >&2; exit 1; }
cat "$out/section.md"

if [ "$WRITE_DOC" = 1 ]; then
    doc=$repo/docs/BENCHMARKS.md
    begin='<!-- bench_cache_engine:begin -->'
    end='<!-- bench_cache_engine:end -->'
    [ -f "$doc" ] || printf '# Benchmarks\n\n' >"$doc"
    tmp=$(mktemp)
    if grep -qxF "$begin" "$doc" && grep -qxF "$end" "$doc"; then
        awk -v b="$begin" -v e="$end" -v f="$out/section.md" '
            $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
            $0 == e { skip = 0 }
            !skip' "$doc" >"$tmp"
    else
        { cat "$doc"; [ -z "$(tail -c1 "$doc")" ] || echo; echo; echo "$begin"; cat "$out/section.md"; echo "$end"; } >"$tmp"
    fi
    cat "$tmp" >"$doc"
    rm -f "$tmp"
    echo "== wrote the section \"Cache engine (issue 9)\" of docs/BENCHMARKS.md"
fi
echo "== done in $(elapsed); raw outputs in $out"
