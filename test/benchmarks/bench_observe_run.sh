#!/usr/bin/env bash
# The body of test/benchmarks/bench_observe.sh, run inside pg_virtualenv (PGHOST etc. set).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fleet=$BENCH_FLEET history=$BENCH_HISTORY runs=$BENCH_RUNS
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
createdb fleet
q -d fleet >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION reliability;
INSERT INTO reliability.machines (provider, external_id)
SELECT 'prov-' || (g % 5), 'gpu-' || g FROM generate_series(1, $fleet) g;
SET session_replication_role = replica;
INSERT INTO reliability.observations
SELECT m.machine_id, now() - (i + 1) * interval '5 minutes', (i + m.machine_id) % 31 <> 0
  FROM reliability.machines m, generate_series(0, $history - 1) i;
RESET session_replication_role;
SELECT reliability.rebuild();
VACUUM (ANALYZE) reliability.observations, reliability.scores, reliability.machines;
SQL
# Each statement a poll cycle at its own now(): every row is new.
plain="INSERT INTO reliability.observations (machine_id, observed_at, online) SELECT * FROM unnest((SELECT array_agg(machine_id ORDER BY machine_id) FROM reliability.machines), (SELECT array_fill(now(), ARRAY[$fleet])), (SELECT array_agg(machine_id % 29 <> 0) FROM reliability.machines));"
observe="SELECT reliability.observe(array_agg(provider ORDER BY machine_id), array_agg(external_id ORDER BY machine_id), array_fill(now(), ARRAY[count(*)::int]), array_agg(machine_id % 29 <> 0 ORDER BY machine_id)) FROM reliability.machines;"
# The same cycle resent: observe() finds every row stored and inserts none.
resend="SELECT reliability.observe(array_agg(m.provider ORDER BY m.machine_id), array_agg(m.external_id ORDER BY m.machine_id), array_agg(s.last_observed_at ORDER BY m.machine_id), array_agg(true)) FROM reliability.machines m JOIN reliability.scores s USING (machine_id);"
{
    echo '\timing on'
    echo "$plain"; echo "$observe"
    for i in $(seq 1 "$runs"); do
        if [ $((i % 2)) -eq 1 ]; then printf '\\echo @@ plain\n%s\n\\echo @@ observe\n%s\n' "$plain" "$observe"
        else printf '\\echo @@ observe\n%s\n\\echo @@ plain\n%s\n' "$observe" "$plain"; fi
        printf '\\echo @@ resend\n%s\n' "$resend"
    done
} >/tmp/bench_observe.$$.sql
labelled_timings -d fleet -f /tmp/bench_observe.$$.sql >/tmp/bench_observe.$$.tsv
rm -f /tmp/bench_observe.$$.sql
p=$(awk -F'\t' '$1 == "plain" { print $2 }' /tmp/bench_observe.$$.tsv | med)
o=$(awk -F'\t' '$1 == "observe" { print $2 }' /tmp/bench_observe.$$.tsv | med)
r=$(awk -F'\t' '$1 == "resend" { print $2 }' /tmp/bench_observe.$$.tsv | med)
exact=$(q -At -d fleet -c "SELECT count(*) FROM reliability.scores s WHERE to_jsonb(s) - 'machine_id' - 'computed_at' IS DISTINCT FROM to_jsonb(reliability.score(s.machine_id, s.computed_at))")
rm -f /tmp/bench_observe.$$.tsv
echo "Fleet: $fleet machines with $history rows each, cache built; PostgreSQL $(q -At -d fleet -c 'SHOW server_version'); medians of $runs runs (psql \\timing, alternating, after a warm-up)."
echo
echo "| poll cycle of $fleet rows, through the cache's triggers | median | ratio to the plain INSERT |"
echo "|---|---:|---:|"
echo "| plain \`INSERT … SELECT * FROM unnest(machine_id[], observed_at[], online[])\` | $p ms | 1.00× |"
echo "| \`observe(provider[], external_id[], observed_at[], online[])\` | $o ms | $(awk -v a="$o" -v b="$p" 'BEGIN { printf "%.2f×", a / b }') |"
echo "| the same cycle resent to \`observe()\` (every row already stored: inserts none) | $r ms | $(awk -v a="$r" -v b="$p" 'BEGIN { printf "%.2f×", a / b }') |"
echo
echo "Cached rows that differ from \`score()\` afterwards: $exact."
