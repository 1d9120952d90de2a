#!/usr/bin/env bash
# The body of test/benchmarks/bench_wal_index.sh, run inside pg_virtualenv (PGHOST etc. set).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/lib.sh"
machines=$BENCH_MACHINES history=$BENCH_HISTORY cycles=$BENCH_CYCLES
q() { psql -X -q -v ON_ERROR_STOP=1 -d fleet "$@"; }
createdb fleet
# bench_cache_engine_fleet.sql: the fleet (triggers off while loading, then rebuild()) and
# bench.obs_plain, the twin with the same columns, keys, foreign key and rows.
q -v fleet="$machines" -v history="$history" -f "$here/bench_cache_engine_fleet.sql" >/dev/null

datadir=$(q -At -c 'SHOW data_directory')
out=$(mktemp -d)
batch() {  # label table: one CHECKPOINT, then the cycles; prints "label cycle bytes" lines
    local label=$1 table=$2 k
    {
        echo 'CHECKPOINT;'
        echo 'SELECT pg_current_wal_insert_lsn() AS b0 \gset'
        for k in $(seq 1 "$cycles"); do
            echo 'SELECT pg_current_wal_insert_lsn() AS l0 \gset'
            echo "INSERT INTO $table (machine_id, observed_at, online) SELECT m, now(), random() < 0.97 FROM generate_series(1, $machines) m;"
            echo "SELECT '$label', $k, pg_wal_lsn_diff(pg_current_wal_insert_lsn(), :'l0')::bigint;"
        done
        echo "SELECT 'LSN', :'b0', pg_current_wal_insert_lsn();"
        echo 'SELECT pg_stat_force_next_flush() \g /dev/null'
    } | q -At -F ' ' >"$out/$label"
    grep -v '^LSN' "$out/$label"
    local l0 l1
    read -r _ l0 l1 < <(grep '^LSN' "$out/$label")
    # Where the bytes go, full-page images left out: "type records bytes" a polled row.
    "$PG_BINDIR/pg_waldump" --stats=record -p "$datadir/pg_wal" -s "$l0" -e "$l1" 2>/dev/null |
        awk -v rows=$((machines * cycles)) '{ gsub(/\([^)]*\)/, "") } $1 ~ /\// && $2 ~ /^[0-9]+$/ { printf "%s %.2f %.0f\n", $1, $2 / rows, $3 / rows }' >"$out/$label.types"
}
hot() {  # updates of reliability.scores so far, and how many were HOT
    q -At -F ' ' -c "SELECT n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables WHERE relid = 'reliability.scores'::regclass"
}
read -r u0 h0 < <(hot)
batch indexed reliability.observations >>"$out/cycles"
read -r u1 h1 < <(hot)
batch twin bench.obs_plain >>"$out/cycles"
q -c 'VACUUM reliability.scores' -c 'DROP INDEX reliability.scores_score_idx'
batch unindexed reliability.observations >>"$out/cycles"
read -r u2 h2 < <(hot)
# bench_cache_engine_check.sql, every machine: each cached row against score(machine_id, computed_at), field for field.
wrong=$(q -v label=after -v every=1 -f "$here/bench_cache_engine_check.sql" | awk '$1 == "@@@" { print $5 " of " $4 }')
median() {  # label: median bytes a row of cycles 2..N (no full-page images)
    awk -v l="$1" -v n="$machines" '$1 == l && $2 > 1 { print $3 / n }' "$out/cycles" | med
}
all() {  # label: bytes a row over every cycle (the first pays the full-page images)
    awk -v l="$1" -v n="$machines" '$1 == l { s += $3; c++ } END { printf "%.0f", s / (c * n) }' "$out/cycles"
}
ti=$(median indexed) tp=$(median twin) tu=$(median unindexed)
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
pct() { awk -v h="$1" -v u="$2" 'BEGIN { printf "%.1f", (u > 0 ? 100 * h / u : 0) }'; }
cat <<MD
$machines machines with $history rows each (5 minutes apart: windows still filling), $cycles poll cycles of
$machines rows a batch, each batch after a CHECKPOINT; WAL bytes from \`pg_current_wal_insert_lsn()\` around each
INSERT (commit included). Order: with the triggers and \`scores_score_idx\`, the trigger-less twin, then (after a
\`VACUUM\`) with the triggers and the index dropped.

| batch | median cycle 2–$cycles, bytes a row (no full-page images) | vs the twin | all $cycles cycles, bytes a row | HOT updates of \`scores\` |
|---|---:|---:|---:|---:|
| triggers, score indexed | $(printf '%.0f' "$ti") | $(ratio "$ti" "$tp")× | $(all indexed) | $(pct $((h1 - h0)) $((u1 - u0))) % |
| trigger-less twin | $(printf '%.0f' "$tp") | 1.00× | $(all twin) | – |
| triggers, score index dropped | $(printf '%.0f' "$tu") | $(ratio "$tu" "$tp")× | $(all unindexed) | $(pct $((h2 - h1)) $((u2 - u1))) % |

Cached rows that differ from \`score(machine_id, computed_at)\` in any field afterwards: $wrong checked.

Where the bytes go, a polled row over all $cycles cycles of each batch (\`pg_waldump --stats=record\`, record sizes
without the full-page images; types under 0.02 records a row left out):

| record type | score indexed: records | bytes | twin: records | bytes | index dropped: records | bytes |
|---|---:|---:|---:|---:|---:|---:|
$(join -a1 -a2 -e 0 -o auto <(join -a1 -a2 -e 0 -o auto <(sort "$out/indexed.types") <(sort "$out/twin.types")) <(sort "$out/unindexed.types") |
    awk '$2 >= 0.02 || $4 >= 0.02 || $6 >= 0.02 { printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7 }')
MD
rm -rf "$out"
