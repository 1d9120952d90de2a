#!/usr/bin/env bash
# Benchmark of the score cache and its triggers (issue 3). One command:
#
#   bash test/benchmarks/bench_scores.sh
#
# builds and installs the extension (under the shared build lock), starts its own
# throwaway PostgreSQL 15 cluster on port 55503 (pg_virtualenv -t; dropped at the end),
# loads the data sets, measures, prints a Markdown report and writes it into
# docs/BENCHMARKS.md as the section "Scores and triggers (issue 3)" (between the
# bench_scores markers; other sections of the file are left as they are).
#
# Measured (each timed value is the median of RUNS >= 5 runs, after a warm-up run):
#  (1) one INSERT of a whole poll cycle (one row for each of FLEET machines that already
#      have HISTORY observations) with the score triggers, vs the same INSERT into an
#      identical table without them; a pg_stat_statements breakdown of the trigger's
#      inner statements and auto_explain plans of the slow ones;
#  (2) one-row inserts with pgbench -c 2 -j 2, median latency with and without triggers;
#  (3) the top 50 of BIG machines from reliability.machine_reliability, with its plan;
#  (4) reliability.score() of a machine with LONG_ROWS one-minute observations;
#  (5) reliability.refresh() and reliability.rebuild() for the FLEET machines;
# with the plain-SQL way (lead() window functions) and the executor's floor (a bare
# count(*) or index scan over the same rows) where meaningful.
#
# Knobs (environment): FLEET (20000), HISTORY (576 = 2 days every 5 min), BIG (100000),
# LONG_ROWS (43200), RUNS (7), PGBENCH_SECONDS (6 per round), PGBENCH_ROUNDS (5),
# TOP50_TIMEOUT_MS (10000: statement_timeout of each top-50 run; a cancelled run counts as that),
# BENCH_PORT (55503), BUILD (1: make install first), WRITE_DOC (1: update
# docs/BENCHMARKS.md), BENCH_OUT (directory for the raw outputs; default a new /tmp dir),
# BENCH_DESTDIR (benchmark a build that is not installed: a `make install DESTDIR=X/debian/NAME`
# tree, given as X/debian/NAME; the cluster then finds the extension there through
# pg_virtualenv -p NAME, i.e. extension_destdir, and BUILD is ignored), BENCH_NOTE (a
# sentence for the report, e.g. what that build is), REPORT_ONLY (1: measure nothing, only
# render the report again from the raw outputs in BENCH_OUT).
# Needs pg_virtualenv (postgresql-common), pgbench, and the contrib modules
# pg_stat_statements and auto_explain (postgresql-15). Runs as root or not.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
export LANG=C.UTF-8 LC_ALL=C.UTF-8 PAGER=cat PSQL_PAGER=cat
export FLEET=${FLEET:-20000} HISTORY=${HISTORY:-576} BIG=${BIG:-100000} LONG_ROWS=${LONG_ROWS:-43200}
export RUNS=${RUNS:-7} PGBENCH_SECONDS=${PGBENCH_SECONDS:-6} PGBENCH_ROUNDS=${PGBENCH_ROUNDS:-5}
export REPORT_ONLY=${REPORT_ONLY:-0}
export BENCH_PORT=${BENCH_PORT:-55503} BUILD=${BUILD:-1} WRITE_DOC=${WRITE_DOC:-1} TOP50_TIMEOUT_MS=${TOP50_TIMEOUT_MS:-10000}

if [ -z "${BENCH_SCORES_IN_CLUSTER:-}" ]; then
    # ---------------------------------------------------------------- outside the cluster
    if [ "$RUNS" -lt 5 ]; then echo "bench_scores: RUNS must be >= 5" >&2; exit 1; fi
    if [ $((FLEET % 2)) -ne 0 ] || [ "$BIG" -le "$FLEET" ]; then
        echo "bench_scores: FLEET must be even and BIG larger than FLEET" >&2; exit 1
    fi
    if [ "$REPORT_ONLY" = 1 ] && [ ! -f "${BENCH_OUT:-/nonexistent}/timings.tsv" ]; then
        echo "bench_scores: REPORT_ONLY=1 needs BENCH_OUT with the raw outputs of a run" >&2; exit 1
    fi
    if [ "$REPORT_ONLY" = 1 ]; then BUILD=0; fi
    venv_package=()
    if [ -n "${BENCH_DESTDIR:-}" ]; then
        case $BENCH_DESTDIR in
            */debian/*) ;;
            *) echo "bench_scores: BENCH_DESTDIR must look like X/debian/NAME" >&2; exit 1 ;;
        esac
        venv_package=(-p "$(basename "$BENCH_DESTDIR")")
        cd "$(dirname "$(dirname "$BENCH_DESTDIR")")"
        BUILD=0
    fi
    if [ "$BUILD" = 1 ]; then
        echo "== building and installing the extension (flock /tmp/reliability.build.lock)"
        build_log=$(mktemp -t bench_scores_build.XXXXXX)
        if ! flock /tmp/reliability.build.lock make -C "$repo" -j2 install >"$build_log" 2>&1; then
            cat "$build_log"; echo "bench_scores: build failed" >&2; exit 1
        fi
        rm -f "$build_log"
    fi
    export BENCH_OUT=${BENCH_OUT:-$(mktemp -d -t bench_scores.XXXXXX)}
    mkdir -p "$BENCH_OUT"
    chmod 755 "$BENCH_OUT"
    if [ "$REPORT_ONLY" != 1 ]; then
        {
            echo "started	$(date -u '+%Y-%m-%d %H:%M UTC')"
            echo "cpu	$(nproc) cores ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1))"
            echo "memory	$(awk '/^MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo)"
            echo "load_before	$(cut -d' ' -f1-3 /proc/loadavg)"
            if [ -n "${BENCH_DESTDIR:-}" ]; then
                echo "git	the build in $BENCH_DESTDIR (not this checkout)"
            else
                echo "git	commit $(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo '?')$(git -C "$repo" diff --quiet HEAD -- src 2>/dev/null || echo ' + uncommitted changes in src/')"
            fi
            echo "note	${BENCH_NOTE:-}"
        } >"$BENCH_OUT/info.tsv"
    fi
    echo "== raw outputs in $BENCH_OUT"
    # pg_virtualenv takes the port from PGPORT (its -p option names a Debian package).
    # fsync=off is pg_virtualenv's own setting for throwaway clusters; wal_level=minimal only
    # lets the bulk loads into tables created in the same transaction skip the WAL.
    BENCH_SCORES_IN_CLUSTER=1 PGPORT=$BENCH_PORT exec pg_virtualenv -t -v 15 "${venv_package[@]}" \
        -o 'shared_buffers=2GB' -o 'work_mem=64MB' -o 'jit=off' \
        -o 'max_wal_size=8GB' -o 'checkpoint_timeout=30min' -o 'wal_level=minimal' -o 'max_wal_senders=0' \
        -o 'shared_preload_libraries=pg_stat_statements' -o 'pg_stat_statements.track=none' \
        -o 'pg_stat_statements.max=10000' \
        bash "$here/bench_scores.sh" "$@"
fi

# -------------------------------------------------------------------- inside the cluster
out=$BENCH_OUT
timings=$out/timings.tsv
t_start=$(date +%s)
psql_q() { psql -X -q -v ON_ERROR_STOP=1 -P pager=off "$@"; }

# Runs a psql script with \timing on; every "\echo @@ key run" line tags the next
# statement's time, which goes to timings.tsv as "key<TAB>run<TAB>ms". Tagged statements
# cancelled by statement_timeout (in a script run with -v ON_ERROR_STOP=0) are listed in
# timeouts.tsv as "key<TAB>run".
run_timed() {
    local name=$1 script=$2
    shift 2
    { echo '\timing on'; cat "$script"; } >"$out/$name.sql"
    if ! psql_q -v fleet="$FLEET" -v history="$HISTORY" -v big="$BIG" -v long_rows="$LONG_ROWS" \
            "$@" -f "$out/$name.sql" >"$out/$name.out" 2>"$out/$name.err"; then
        cat "$out/$name.out" "$out/$name.err" >&2
        echo "bench_scores: $name failed" >&2
        exit 1
    fi
    awk '/^@@ / { key = $2; run = $3; next }
         /^Time: / { if (key != "") { print key "\t" run "\t" $2; key = "" } }' "$out/$name.out" >>"$timings"
    # psql names the script line of a cancelled statement; the line before it is its tag.
    sed -n 's/^psql:[^:]*:\([0-9]*\): ERROR:  canceling statement due to statement timeout.*/\1/p' "$out/$name.err" |
        while read -r line; do
            sed -n "$((line - 1))s/^\\\\echo @@ \([^ ]*\) \([0-9]*\)$/\1\t\2/p" "$out/$name.sql"
        done >>"$out/timeouts.tsv"
}
# The plan node with the largest self time: its actual time x loops minus that of the
# nodes directly under it (its children, InitPlans and SubPlans).
hot_node() {
    awk 'function attach(k, d,   p) {   # pops to the parent of a node at depth d, records it
            while (sp > 0 && depth[stack[sp]] >= d) sp--
            p = sp > 0 ? stack[sp] : 0
            if (p && pseudo[p]) p = parent[p]   # a SubPlan/InitPlan header: its owner
            parent[k] = p; depth[k] = d; stack[++sp] = k
         }
         /^ *(InitPlan|SubPlan) [0-9]+/ {
            k++; pseudo[k] = 1; match($0, /^ */); attach(k, RLENGTH); next
         }
         /actual time=/ {
            match($0, /actual time=[0-9.]+\.\.[0-9.]+ rows=[0-9]+ loops=[0-9]+/)
            n = split(substr($0, RSTART, RLENGTH), g, "[= ]")   # actual time A..B rows R loops L
            split(g[3], tt, "[.][.]")
            k++; loops[k] = g[n]; total[k] = tt[2] * g[n]
            line = $0; sub(/^[ ]*(->)?[ ]*/, "", line); sub(/[ ]*[(]cost=.*/, "", line); text[k] = line
            match($0, /^ */); attach(k, RLENGTH)
            if (parent[k]) child[parent[k]] += total[k]
         }
         END {
            for (i = 1; i <= k; i++) if (!pseudo[i]) { self = total[i] - child[i]; if (self > best) { best = self; pick = i } }
            if (pick) printf "`%s` (%.0f ms of its own over %d loop%s)", text[pick], best, loops[pick], loops[pick] == 1 ? "" : "s"
         }' "$1"
}
note() { printf '%s\t%s\n' "$1" "$2" >>"$out/info.tsv"; }
elapsed() { echo "$(( $(date +%s) - t_start )) s"; }

if [ "$REPORT_ONLY" != 1 ]; then  # the measurements; REPORT_ONLY=1 only re-renders BENCH_OUT
: >"$timings"
: >"$out/timeouts.tsv"
psql_q -Atc "SELECT 'postgres	' || split_part(version(), ' ', 2)" >>"$out/info.tsv"

echo "== [$(elapsed)] loading the fleet: $FLEET machines x $HISTORY observations (triggers off), then rebuild()"
run_timed setup "$here/bench_scores_setup.sql"
grep -v '^Time:' "$out/setup.out" | sed 's/^/   /' | tail -n 12

# ------------------------------------------------------------------- (1) the poll cycle
echo "== [$(elapsed)] (1) poll cycle: one INSERT of $FLEET rows, with triggers vs without, $RUNS runs"
poll_trigger="INSERT INTO reliability.observations (machine_id, observed_at, online) SELECT m, now(), random() < 0.97 FROM generate_series(1, :fleet) m;"
poll_plain="INSERT INTO bench.observations_plain (machine_id, observed_at, online) SELECT m, now(), random() < 0.97 FROM generate_series(1, :fleet) m;"
{
    echo "-- warm-up"
    echo "$poll_trigger"
    echo "$poll_plain"
    for i in $(seq 1 "$RUNS"); do
        # alternate which goes first, so drift (autovacuum, checkpoints) hits both alike
        if [ $((i % 2)) -eq 1 ]; then
            printf '\\echo @@ poll_trigger %s\n%s\n\\echo @@ poll_plain %s\n%s\n' "$i" "$poll_trigger" "$i" "$poll_plain"
        else
            printf '\\echo @@ poll_plain %s\n%s\n\\echo @@ poll_trigger %s\n%s\n' "$i" "$poll_plain" "$i" "$poll_trigger"
        fi
    done
} >"$out/poll_script.sql"
run_timed poll "$out/poll_script.sql"

echo "== [$(elapsed)] (1) breakdown: pg_stat_statements (track = all) and auto_explain of one more poll insert"
cat >"$out/poll_breakdown_script.sql" <<EOF
SELECT pg_stat_statements_reset() \\g /dev/null
SET pg_stat_statements.track = 'all';
\\echo @@ poll_trigger_tracked 1
$poll_trigger
SET pg_stat_statements.track = 'none';
\\pset format unaligned
\\pset tuples_only on
\\o $out/poll_breakdown.md
SELECT format('| %s | %s | %s | %s | \`%s\` |', round(total_exec_time::numeric, 1), calls, rows,
              round(mean_exec_time::numeric, 3),
              left(regexp_replace(replace(query, '|', '\\|'), '\\s+', ' ', 'g'), 230)
              || CASE WHEN length(regexp_replace(query, '\\s+', ' ', 'g')) > 230 THEN ' …' ELSE '' END)
  FROM pg_stat_statements
 WHERE query !~* 'pg_stat_statements|^SET '
 ORDER BY total_exec_time DESC LIMIT 12;
\\o
EOF
run_timed poll_breakdown "$out/poll_breakdown_script.sql"
cat >"$out/poll_explain.sql" <<EOF
LOAD 'auto_explain';
SET auto_explain.log_min_duration = '20ms';
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_timing = on;
SET auto_explain.log_nested_statements = on;
SET client_min_messages = log;
$poll_trigger
EOF
psql_q -v fleet="$FLEET" -f "$out/poll_explain.sql" >/dev/null 2>"$out/poll_auto_explain.txt" || {
    cat "$out/poll_auto_explain.txt" >&2; exit 1; }

# ------------------------------------------------------------- (2) one-row inserts, pgbench
echo "== [$(elapsed)] (2) pgbench -c 2 -j 2: one-row inserts, $PGBENCH_ROUNDS rounds of ${PGBENCH_SECONDS}s per table"
pgb_run() {  # label round seconds script: appends "label round median_ms tps transactions" to pgbench.tsv
    local label=$1 round=$2 seconds=$3 script=$4 dir="$out/pgbench/$1_$2"
    mkdir -p "$dir"
    (cd "$dir" && pgbench -n -c 2 -j 2 -T "$seconds" -D fleet="$FLEET" -f "$here/bench_scores_pgbench_$script.sql" \
        -l --log-prefix=lat >"$dir/stdout" 2>&1) || { cat "$dir/stdout" >&2; echo "bench_scores: pgbench failed" >&2; exit 1; }
    local n median tps
    n=$(cat "$dir"/lat.* | wc -l)
    median=$(cat "$dir"/lat.* | awk '{print $3}' | sort -n | awk -v n="$n" 'NR == int((n + 1) / 2) { print $1 / 1000 }')
    tps=$(sed -n 's/^tps = \([0-9.]*\) .*/\1/p' "$dir/stdout" | tail -1)
    printf '%s\t%s\t%s\t%s\t%s\n' "$label" "$round" "$median" "$tps" "$n" >>"$out/pgbench.tsv"
}
: >"$out/pgbench.tsv"
pgb_run trigger 0 2 trigger; pgb_run plain 0 2 plain   # warm-up
for r in $(seq 1 "$PGBENCH_ROUNDS"); do
    if [ $((r % 2)) -eq 1 ]; then
        pgb_run trigger "$r" "$PGBENCH_SECONDS" trigger; pgb_run plain "$r" "$PGBENCH_SECONDS" plain
    else
        pgb_run plain "$r" "$PGBENCH_SECONDS" plain; pgb_run trigger "$r" "$PGBENCH_SECONDS" trigger
    fi
done
# One more round with pg_stat_statements tracking the trigger's inner statements.
psql_q -c 'SELECT pg_stat_statements_reset()' >/dev/null
PGOPTIONS='-c pg_stat_statements.track=all -c pg_stat_statements.track_planning=on' pgb_run trigger_tracked 0 3 trigger
psql_q -At -c "
SELECT format('| %s | %s | %s | %s | \`%s\` |', round(mean_exec_time::numeric, 3), round(mean_plan_time::numeric, 3), calls,
              round(total_exec_time::numeric, 1),
              left(regexp_replace(replace(query, '|', '\\|'), '\\s+', ' ', 'g'), 230)
              || CASE WHEN length(regexp_replace(query, '\\s+', ' ', 'g')) > 230 THEN ' …' ELSE '' END)
  FROM pg_stat_statements
 WHERE query !~* 'pg_stat_statements|^SET |^BEGIN|^END|^select 1'
 ORDER BY total_exec_time DESC LIMIT 12" >"$out/pgbench_breakdown.md"

# auto_explain of one single-row insert with the triggers: every nested statement's plan.
cat >"$out/single_explain.sql" <<EOF
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_timing = on;
SET auto_explain.log_nested_statements = on;
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES (2, now(), true);
SET client_min_messages = log;
INSERT INTO reliability.observations (machine_id, observed_at, online) VALUES (4, now(), true);
EOF
psql_q -f "$out/single_explain.sql" >/dev/null 2>"$out/single_auto_explain.txt" || {
    cat "$out/single_auto_explain.txt" >&2; exit 1; }

# ------------------------------------------------------------ (5) refresh() and rebuild()
echo "== [$(elapsed)] (5) refresh() and rebuild() of the $FLEET-machine fleet, $RUNS runs each"
plain_fleet="SELECT count(*), sum(online_s), sum(offline_s) FROM (
  SELECT machine_id, sum(s) FILTER (WHERE online) AS online_s, sum(s) FILTER (WHERE NOT online) AS offline_s
    FROM (SELECT o.machine_id, o.online,
                 date_part('epoch', LEAST(lead(o.observed_at, 1, 'infinity') OVER (PARTITION BY o.machine_id ORDER BY o.observed_at),
                                          o.observed_at + interval '15 minutes', w.hi) - GREATEST(o.observed_at, w.lo)) AS s
            FROM reliability.observations o, (SELECT now() - interval '720 hours' AS lo, now() AS hi) w
           WHERE o.machine_id BETWEEN 1 AND :fleet
             AND o.observed_at >= w.lo - interval '15 minutes' AND o.observed_at < w.hi) x
   WHERE s > 0 GROUP BY machine_id) y \\g /dev/null"
floor_fleet="SELECT count(*) FROM reliability.observations o
 WHERE o.machine_id BETWEEN 1 AND :fleet AND o.observed_at >= now() - interval '720 hours 15 minutes' AND o.observed_at < now() \\g /dev/null"
{
    echo "SELECT reliability.refresh(now() + interval '1 minute') AS warmup_refresh;"
    for i in $(seq 1 "$RUNS"); do
        printf '\\echo @@ refresh %s\nSELECT reliability.refresh(now() + %s * interval '"'"'5 minutes'"'"') AS refreshed;\n' "$i" "$i"
    done
    for i in $(seq 1 "$RUNS"); do
        printf '\\echo @@ rebuild %s\nSELECT reliability.rebuild() AS rebuilt;\n' "$i"
    done
    for i in $(seq 1 "$RUNS"); do
        printf '\\echo @@ fleet_plain_sql %s\n%s\n\\echo @@ fleet_floor %s\n%s\n' "$i" "$plain_fleet" "$i" "$floor_fleet"
    done
} >"$out/maintenance_script.sql"
run_timed maintenance "$out/maintenance_script.sql"

# ------------------------------------------------------------------ (3) the ranked list
echo "== [$(elapsed)] (3) growing the fleet to $BIG machines (triggers on), then the top-50 query"
run_timed ranking_setup "$here/bench_scores_ranking_setup.sql"
grep -v '^Time:' "$out/ranking_setup.out" | sed 's/^/   /' | tail -n 4
# The list as the README writes it (the order of scores_score_idx), and, for reference, with
# plain ORDER BY score DESC (NULLS FIRST: no index has that order since 0.3.0, so it sorts).
top50="SELECT * FROM reliability.machine_reliability WHERE NOT blacklisted AND score >= 70 ORDER BY score DESC NULLS LAST LIMIT 50"
top50_nl="SELECT * FROM reliability.machine_reliability WHERE NOT blacklisted AND score >= 70 ORDER BY score DESC LIMIT 50"
top50_floor="SELECT machine_id, score FROM reliability.scores WHERE score >= 70 ORDER BY score DESC NULLS LAST LIMIT 50"
# A slow plan must not eat the time budget: each run is cancelled after TOP50_TIMEOUT_MS.
{
    echo "SET statement_timeout = $TOP50_TIMEOUT_MS;"
    echo "PREPARE top50_prepared AS $top50;"
    echo "$top50 \\g /dev/null"
    echo "EXECUTE top50_prepared \\g /dev/null"
    echo "$top50_nl \\g /dev/null"
    echo "$top50_floor \\g /dev/null"
    for i in $(seq 1 "$RUNS"); do
        printf '\\echo @@ top50 %s\n%s \\g /dev/null\n' "$i" "$top50"
        printf '\\echo @@ top50_prepared %s\nEXECUTE top50_prepared \\g /dev/null\n' "$i"
        printf '\\echo @@ top50_nulls_last %s\n%s \\g /dev/null\n' "$i" "$top50_nl"
        printf '\\echo @@ top50_floor %s\n%s \\g /dev/null\n' "$i" "$top50_floor"
    done
} >"$out/top50_script.sql"
run_timed top50 "$out/top50_script.sql" -v ON_ERROR_STOP=0
# The plans; when the query is too slow to run to the end, the plan without ANALYZE and an
# EXPLAIN ANALYZE of the same query with LIMIT 1 (what one result row costs).
explain_top50() {  # query file
    if psql_q -At -c "SET statement_timeout = $((TOP50_TIMEOUT_MS * 2))" -c "EXPLAIN (ANALYZE, BUFFERS) $1" >"$2" 2>/dev/null; then
        return 0
    fi
    {
        echo "-- EXPLAIN (ANALYZE) did not finish within $((TOP50_TIMEOUT_MS * 2)) ms; the plan without ANALYZE:"
        psql_q -At -c "EXPLAIN $1"
        echo
        echo "-- EXPLAIN (ANALYZE, BUFFERS) of the same query with LIMIT 1 instead of LIMIT 50:"
        psql_q -At -c "EXPLAIN (ANALYZE, BUFFERS) ${1% LIMIT 50} LIMIT 1"
    } >"$2"
}
explain_top50 "$top50" "$out/top50_plan.txt"
explain_top50 "$top50_nl" "$out/top50_nulls_last_plan.txt"
# How many actively blacklisted machines scored at least as high as the 50th result.
psql_q -At -c "
WITH best AS (SELECT s.score FROM reliability.scores s
               WHERE s.score >= 70 AND NOT EXISTS (SELECT FROM reliability.blacklist b WHERE b.machine_id = s.machine_id
                                                      AND (b.expires_at IS NULL OR now() < b.expires_at))
               ORDER BY s.score DESC NULLS LAST LIMIT 50)
SELECT count(*) FROM reliability.blacklist b JOIN reliability.scores s USING (machine_id)
 WHERE (b.expires_at IS NULL OR now() < b.expires_at) AND s.score >= (SELECT min(score) FROM best)" >"$out/top50_blacklisted.txt"

# ---------------------------------------------------- (4) score() of a long-history machine
echo "== [$(elapsed)] (4) reliability.score() over $LONG_ROWS one-minute observations"
run_timed long_setup "$here/bench_scores_long_setup.sql"
long=$(sed -n 's/^@@@ long_machine //p' "$out/long_setup.out")
note long_machine "$long"
score_q="SELECT * FROM reliability.score($long) \\g /dev/null"
plain_q="SELECT sum(s) FILTER (WHERE online) AS online_seconds, sum(s) FILTER (WHERE NOT online) AS offline_seconds
  FROM (SELECT o.online,
               date_part('epoch', LEAST(lead(o.observed_at, 1, 'infinity') OVER (ORDER BY o.observed_at),
                                        o.observed_at + interval '15 minutes', w.hi) - GREATEST(o.observed_at, w.lo)) AS s
          FROM reliability.observations o, (SELECT now() - interval '720 hours' AS lo, now() AS hi) w
         WHERE o.machine_id = $long AND o.observed_at >= w.lo - interval '15 minutes' AND o.observed_at < w.hi) x
 WHERE s > 0"
floor_q="SELECT count(*) FROM reliability.observations o
 WHERE o.machine_id = $long AND o.observed_at >= now() - interval '720 hours 15 minutes' AND o.observed_at < now()"
{
    echo "$score_q"; echo "$plain_q \\g /dev/null"; echo "$floor_q \\g /dev/null"
    for i in $(seq 1 "$RUNS"); do
        printf '\\echo @@ score_long %s\n%s\n' "$i" "$score_q"
        printf '\\echo @@ score_long_plain_sql %s\n%s \\g /dev/null\n' "$i" "$plain_q"
        printf '\\echo @@ score_long_floor %s\n%s \\g /dev/null\n' "$i" "$floor_q"
    done
} >"$out/score_script.sql"
run_timed score "$out/score_script.sql"
# The plain-SQL result must be the same seconds as score()'s (one statement, one now()).
psql_q -At -c "SELECT (abs(p.online_seconds - (s).online_seconds) < 1e-6 AND abs(p.offline_seconds - (s).offline_seconds) < 1e-6)::text
                       || ' (' || (s).online_seconds || ' s online, ' || (s).offline_seconds || ' s offline)'
                 FROM (SELECT reliability.score($long) AS s) q, ($plain_q) p" >"$out/score_plain_agrees.txt"
cat >"$out/score_explain.sql" <<EOF
LOAD 'auto_explain';
SET auto_explain.log_min_duration = 0;
SET auto_explain.log_analyze = on;
SET auto_explain.log_buffers = on;
SET auto_explain.log_timing = on;
SET auto_explain.log_nested_statements = on;
SELECT * FROM reliability.score($long) \\g /dev/null
SET client_min_messages = log;
SELECT * FROM reliability.score($long) \\g /dev/null
EOF
psql_q -f "$out/score_explain.sql" >/dev/null 2>"$out/score_auto_explain.txt" || { cat "$out/score_auto_explain.txt" >&2; exit 1; }

note load_after "$(cut -d' ' -f1-3 /proc/loadavg)"
note duration "$(elapsed)"

fi  # REPORT_ONLY

# ------------------------------------------------------------------------------ report
echo "== [$(elapsed)] report"
printf '\\copy t FROM %s\n\\copy pgb FROM %s\n\\copy timeouts FROM %s\n' \
    "'$out/timings.tsv'" "'$out/pgbench.tsv'" "'$out/timeouts.tsv'" >"$out/load.sql"
yes_no() { if grep -q "$1" "$2"; then echo yes; else echo no; fi; }
info() { awk -F'\t' -v k="$1" '$1 == k { print $2 }' "$out/info.tsv"; }
{
    echo "## Scores and triggers (issue 3)"
    echo
    echo "Command: \`bash test/benchmarks/bench_scores.sh\` (builds and installs the extension, then runs everything"
    echo "in its own throwaway cluster, dropped at the end: \`PGPORT=$BENCH_PORT pg_virtualenv -t -v 15"
    echo "-o shared_buffers=2GB -o work_mem=64MB -o jit=off -o max_wal_size=8GB -o checkpoint_timeout=30min\`, plus"
    echo "\`wal_level=minimal\` (only so that the bulk loads skip the WAL) and pg_stat_statements preloaded with"
    echo "\`track = none\` except in the breakdown runs; pg_virtualenv itself sets \`fsync = off\`, so commits cost"
    echo "less than on a real server). Knobs: FLEET=$FLEET HISTORY=$HISTORY BIG=$BIG LONG_ROWS=$LONG_ROWS"
    echo "RUNS=$RUNS PGBENCH_SECONDS=$PGBENCH_SECONDS PGBENCH_ROUNDS=$PGBENCH_ROUNDS TOP50_TIMEOUT_MS=$TOP50_TIMEOUT_MS;"
    echo "the whole run took $(info duration)."
    echo
    echo "Run $(info started) on $(info cpu), $(info memory) RAM, PostgreSQL $(info postgres); extension: $(info git)."
    echo "The machine is shared with other developers' builds, tests and benchmarks (load average"
    echo "$(info load_before) before, $(info load_after) after): the numbers are noisy, the medians less so."
    echo "Times are wall-clock as psql (\\timing) or pgbench see them, commit included; each timed value"
    echo "is the median of $RUNS runs after a warm-up run (pgbench: the median of the per-round median latencies)."
    if [ -n "$(info note)" ]; then echo; echo "**Note:** $(info note)"; fi
    echo
    psql_q -At -v out="$out" -v runs="$RUNS" -v fleet="$FLEET" -v history="$HISTORY" -v big="$BIG" \
        -v long_rows="$LONG_ROWS" -v pgb_seconds="$PGBENCH_SECONDS" -v pgb_rounds="$PGBENCH_ROUNDS" \
        -v top50_idx="$(yes_no "scores_score\(d\)\?_idx" "$out/top50_plan.txt")" \
        -v top50nl_idx="$(yes_no "scores_score\(d\)\?_idx" "$out/top50_nulls_last_plan.txt")" \
        -v plain_agrees="$(cat "$out/score_plain_agrees.txt")" -v skipped="$(cat "$out/top50_blacklisted.txt")" \
        -v top50_hot="$(hot_node "$out/top50_plan.txt")" -v timeout_ms="$TOP50_TIMEOUT_MS" \
        -v top50_planning="$(sed -n 's/^Planning Time: \([0-9.]*\) ms$/\1/p' "$out/top50_plan.txt" | head -1)" \
        -f "$here/bench_scores_report.sql"
    echo
    echo "### (1) Where the poll-cycle trigger spends its time"
    echo
    echo "pg_stat_statements (\`track = all\`) over one more poll INSERT of $FLEET rows; times are inclusive (a"
    echo "statement's time contains the statements it runs: the INSERT contains the trigger function, which"
    echo "runs the cache engine's statements through SPI). The runs are"
    echo "seconds apart, not 5 minutes: every earlier poll of the benchmark lies within \`max_gap\` of the window's"
    echo "end, so the slide's fetch reads about $((RUNS + 4)) rows per machine where a 5-minute poll cycle would read about 5."
    echo
    echo "| total ms | calls | rows | mean ms | statement |"
    echo "|---:|---:|---:|---:|---|"
    cat "$out/poll_breakdown.md"
    echo
    echo "<details><summary>auto_explain (ANALYZE, BUFFERS, nested statements, ≥ 20 ms) of that poll INSERT</summary>"
    echo
    echo '```'
    sed -e 's/^\(LOG\|DETAIL\|CONTEXT\|STATEMENT\):  */\1: /' "$out/poll_auto_explain.txt"
    echo '```'
    echo "</details>"
    echo
    echo "### (2) Per-statement means of the one-row trigger (pg_stat_statements, one extra 3 s pgbench round)"
    echo
    echo "Execution times are inclusive, as in (1); planning is counted separately (\`track_planning = on\`)."
    echo
    echo "| mean exec ms | mean plan ms | calls | total exec ms | statement |"
    echo "|---:|---:|---:|---:|---|"
    cat "$out/pgbench_breakdown.md"
    echo
    echo "<details><summary>auto_explain (ANALYZE, BUFFERS, nested statements) of one single-row INSERT with the triggers</summary>"
    echo
    echo '```'
    sed -e 's/^\(LOG\|DETAIL\|CONTEXT\|STATEMENT\):  */\1: /' "$out/single_auto_explain.txt"
    echo '```'
    echo "</details>"
    echo
    echo "### (3) Plan of the top-50 query"
    echo
    echo '```'
    cat "$out/top50_plan.txt"
    echo '```'
    if ! grep -q "scores_score\(d\)\?_idx" "$out/top50_plan.txt"; then
        echo
        echo "The same query with plain \`ORDER BY score DESC\`:"
        echo
        echo '```'
        cat "$out/top50_nulls_last_plan.txt"
        echo '```'
    fi
    echo
    echo "<details><summary>(4) auto_explain (ANALYZE, BUFFERS, nested) of one reliability.score() call</summary>"
    echo
    echo '```'
    sed -e 's/^\(LOG\|DETAIL\|CONTEXT\|STATEMENT\):  */\1: /' "$out/score_auto_explain.txt"
    echo '```'
    echo "</details>"
} >"$out/section.md" 2>"$out/report.err" || { cat "$out/report.err" >&2; exit 1; }
cat "$out/section.md"

if [ "$WRITE_DOC" = 1 ]; then
    doc=$repo/docs/BENCHMARKS.md
    begin='<!-- bench_scores:begin (written by test/benchmarks/bench_scores.sh) -->'
    end='<!-- bench_scores:end -->'
    [ -f "$doc" ] || printf '# Benchmarks\n\n' >"$doc"
    tmp=$(mktemp)
    if grep -qF "$begin" "$doc"; then
        awk -v b="$begin" -v e="$end" -v f="$out/section.md" '
            $0 == b { print; while ((getline line < f) > 0) print line; skip = 1; next }
            $0 == e { skip = 0 }
            !skip' "$doc" >"$tmp"
    else
        { cat "$doc"; [ -z "$(tail -c1 "$doc")" ] || echo; echo; echo "$begin"; cat "$out/section.md"; echo "$end"; } >"$tmp"
    fi
    cat "$tmp" >"$doc"
    rm -f "$tmp"
    echo "== wrote the section \"Scores and triggers (issue 3)\" of $doc"
fi
echo "== done in $(elapsed); raw outputs in $out"
