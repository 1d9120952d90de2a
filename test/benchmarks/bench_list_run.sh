#!/usr/bin/env bash
# The body of test/benchmarks/bench_list.sh, run inside pg_virtualenv (PGHOST etc. set).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
fleet=$BENCH_FLEET runs=$BENCH_RUNS
q() { psql -X -q -v ON_ERROR_STOP=1 "$@"; }
createdb fleet
# 99% of the machines observed every 10 minutes for a day (online shares spread so scores
# spread; min_history 12 hours), 1% registered without data; a rating on every seventh; 2% blacklisted.
q -d fleet >/dev/null <<SQL
SET client_min_messages = warning;
CREATE EXTENSION reliability;
INSERT INTO reliability.machines (provider, external_id)
SELECT 'prov-' || (g % 5), 'gpu-' || g FROM generate_series(1, $fleet) g;
SET session_replication_role = replica;
INSERT INTO reliability.observations
SELECT m.machine_id, now() - (i + 1) * interval '10 minutes', (i * 7 + m.machine_id) % 100 >= m.machine_id % 97
  FROM reliability.machines m, generate_series(0, 143) i WHERE m.machine_id % 100 <> 0;
INSERT INTO reliability.ratings (machine_id, user_id, stars)
SELECT m.machine_id, 'u', 1 + m.machine_id % 5 FROM reliability.machines m WHERE m.machine_id % 7 = 0;
RESET session_replication_role;
-- a day of history is enough for a tier other than new, so the tiers follow the scores
UPDATE reliability.settings SET min_history = interval '12 hours';
SELECT reliability.rebuild();
INSERT INTO reliability.blacklist (machine_id, kind, reason)
SELECT m.machine_id, 'manual', 'bench' FROM reliability.machines m WHERE m.machine_id % 50 = 3;
VACUUM (ANALYZE) reliability.observations, reliability.scores, reliability.machines, reliability.blacklist;
SQL
cols="machine_id, provider, external_id, score, tier, uptime, interruptions, rating_mean, stale"
declare -A sql=(
    [floor]="SELECT machine_id, score FROM reliability.scores ORDER BY score DESC NULLS LAST LIMIT 50;"
    [indexed]="SELECT $cols FROM reliability.machine_reliability WHERE NOT blacklisted AND score >= 50 ORDER BY score DESC NULLS LAST LIMIT 50;"
    [ranked]="SELECT $cols FROM reliability.ranked(50);"
    [ranked_fresh]="SELECT $cols FROM reliability.ranked(50, NULL, false);"
    [ranked_tiers]="SELECT $cols FROM reliability.ranked(50, '{good,fair}');"
    [ranked_short]="SELECT $cols FROM reliability.ranked(99.5);"
    [former]="SELECT $cols FROM reliability.machine_reliability WHERE NOT blacklisted AND (score >= 50 OR score IS NULL) ORDER BY score DESC NULLS LAST LIMIT 50;"
)
order=(floor indexed ranked ranked_fresh ranked_tiers ranked_short former)
{
    echo '\timing on'
    for k in "${order[@]}"; do echo "${sql[$k]}"; done
    for i in $(seq 1 "$runs"); do
        for k in "${order[@]}"; do printf '\\echo @@ %s\n%s\n' "$k" "${sql[$k]}"; done
    done
} >/tmp/bench_list.$$.sql
labelled_timings -d fleet -f /tmp/bench_list.$$.sql >/tmp/bench_list.$$.tsv
rm -f /tmp/bench_list.$$.sql
declare -A m
for k in "${order[@]}"; do m[$k]=$(awk -F'\t' -v k="$k" '$1 == k { print $2 }' /tmp/bench_list.$$.tsv | med); done
rm -f /tmp/bench_list.$$.tsv
# The ranked list is the indexed one's rows, when enough machines score at least 50.
same=$(q -At -d fleet -c "SELECT ARRAY(SELECT machine_id FROM reliability.ranked(50)) = ARRAY(SELECT machine_id FROM reliability.machine_reliability WHERE NOT blacklisted AND score >= 50 ORDER BY score DESC NULLS LAST, machine_id LIMIT 50)")
short=$(q -At -d fleet -c "SELECT count(*) FILTER (WHERE score IS NOT NULL) || ' scored + ' || count(*) FILTER (WHERE score IS NULL) || ' unscored' FROM reliability.ranked(99.5)")
ratio() { awk -v a="$1" -v b="${m[indexed]}" 'BEGIN { printf "%.2f×", a / b }'; }
echo "Fleet: $fleet machines (1% without data, 2% blacklisted), a day of 10-minute rows each, cache built; PostgreSQL $(q -At -d fleet -c 'SHOW server_version'); medians of $runs runs (psql \\timing, interleaved, after a warm-up)."
echo
echo "| the list, 50 rows | median | ratio to the indexed form |"
echo "|---|---:|---:|"
echo "| executor's floor: 50 rows off the score index (\`scores ORDER BY score DESC NULLS LAST LIMIT 50\`) | ${m[floor]} ms | $(ratio "${m[floor]}") |"
echo "| indexed form, unscored machines left out (\`view WHERE NOT blacklisted AND score >= 50 ORDER BY score DESC NULLS LAST\`) | ${m[indexed]} ms | 1.00× |"
echo "| \`reliability.ranked(50)\`: the same rows, unscored ones last when the page is short | ${m[ranked]} ms | $(ratio "${m[ranked]}") |"
echo "| \`ranked(50, NULL, false)\`: stale machines left out | ${m[ranked_fresh]} ms | $(ratio "${m[ranked_fresh]}") |"
echo "| \`ranked(50, '{good,fair}')\`: two tiers | ${m[ranked_tiers]} ms | $(ratio "${m[ranked_tiers]}") |"
echo "| \`ranked(99.5)\`: a short page ($short), the unscored part runs | ${m[ranked_short]} ms | $(ratio "${m[ranked_short]}") |"
echo "| the README's former query (\`score >= 50 OR score IS NULL … NULLS LAST\`) | ${m[former]} ms | $(ratio "${m[former]}") |"
echo
echo "ranked(50) lists exactly the indexed form's rows: $same."
