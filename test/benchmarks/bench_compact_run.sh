#!/usr/bin/env bash
# The body of test/benchmarks/bench_compact.sh, run inside pg_virtualenv (PGHOST etc. set).
# Each compaction runs once (it changes the data), timed in the server.
set -euo pipefail
machines=${BENCH_MACHINES:-10000}
report=${BENCH_REPORT:-}
log() { echo "bench_compact: $*" >&2; }

# The compacted day is the day before yesterday (UTC): with score_window = 1 day the latest
# allowed compact() is compact(yesterday), which deletes that day but its last max_gap.
day=$(date -u -d '2 days ago' '+%Y-%m-%d')
before=$(date -u -d 'yesterday' '+%Y-%m-%d')
LOAD=$(cat <<SQL
SET client_min_messages = warning;
UPDATE reliability.settings SET score_window = '1 day', max_gap = '15 min';
INSERT INTO reliability.machines (provider, external_id)
SELECT 'prov-' || (g % 5), 'm' || g FROM generate_series(1, $machines) g;
-- Poll cycles in time order, loaded without the triggers (as a restore with
-- session_replication_role = replica would); rebuild() then makes the cache.
SET session_replication_role = replica;
INSERT INTO reliability.observations
SELECT m, timestamptz '$day 00:00+00' + i * interval '1 min', (i + m * 37) % 1000 >= (m % 20) + 1
  FROM generate_series(0, 1439) i, generate_series(1, $machines) m;
INSERT INTO reliability.interruptions (machine_id, occurred_at)
SELECT m, timestamptz '$day 00:00+00' + (m * 7) % 1440 * interval '1 min' FROM generate_series(1, $machines) m;
RESET session_replication_role;
SELECT reliability.rebuild() >= 0;
SELECT reliability.refresh() IS NOT NULL;
CHECKPOINT;
SQL
)
PARTED=bench_parted PLAIN=bench_plain
for db in $PARTED $PLAIN; do createdb "$db"; psql -X -q -d "$db" -c "CREATE EXTENSION reliability"; done
psql -X -q -v ON_ERROR_STOP=1 -d $PARTED >/dev/null <<SQL
SET client_min_messages = warning;
CREATE SCHEMA partman; CREATE EXTENSION pg_partman SCHEMA partman;
SELECT reliability.partition_by_time();
SET TimeZone = 'UTC';
SELECT partman.create_partition_time('reliability.' || t, ARRAY[timestamptz '$day', timestamptz '$before', date_trunc('day', now())])
  FROM (VALUES ('observations'), ('interruptions')) v(t);
SQL
for db in $PARTED $PLAIN; do
    log "loading $machines machines x 1440 one-minute rows into $db"
    t0=$(date +%s)
    psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null <<<"$LOAD"
    psql -X -q -d "$db" -c "VACUUM (ANALYZE) reliability.observations, reliability.interruptions"
    log "loaded in $(( $(date +%s) - t0 )) s"
done
rows=$(psql -X -At -d $PLAIN -c "SELECT count(*) FROM reliability.observations")
doomed=$(psql -X -At -d $PLAIN -c "SELECT count(*) FROM reliability.observations WHERE observed_at < timestamptz '$before 00:00+00' - interval '15 min'")
# Disk per raw observation: the unpartitioned table, the day's partition as loaded, and the
# same partition once its index is rebuilt (a closed day's partition can be, its pages full).
per_obs() { psql -X -At -d "$1" -c "SELECT round(sum(pg_total_relation_size(relid))::numeric / $rows, 1) FROM pg_partition_tree('reliability.observations') WHERE isleaf"; }
plain_bytes=$(per_obs $PLAIN)
parted_bytes=$(per_obs $PARTED)
part=$(psql -X -At -d $PARTED -c "SELECT partition FROM reliability._time_partitions('reliability.observations') WHERE lower_bound = timestamptz '$day 00:00+00'")
psql -X -q -d $PARTED -c "REINDEX TABLE $part"
reindexed_bytes=$(per_obs $PARTED)
heap_bytes=$(psql -X -At -d $PARTED -c "SELECT round(pg_relation_size('$part')::numeric / $rows, 1)")

log "trigger-less copy"
psql -X -q -d $PLAIN -c "CREATE TABLE public.obs_copy AS SELECT * FROM reliability.observations" \
    -c "ALTER TABLE public.obs_copy ADD PRIMARY KEY (machine_id, observed_at)" -c "VACUUM (ANALYZE) public.obs_copy"
# One run each (each changes the data), timed in the server, after a checkpoint.
for db in $PARTED $PLAIN; do
    psql -X -q -d "$db" -c "CREATE FUNCTION public.bench_once(statement text, OUT result text, OUT ms numeric) LANGUAGE plpgsql AS \$\$
        DECLARE t timestamptz := clock_timestamp(); n bigint;
        BEGIN
            IF statement ILIKE 'select%' THEN EXECUTE statement INTO result;
            ELSE EXECUTE statement; GET DIAGNOSTICS n = ROW_COUNT; result := n; END IF;
            ms := round(extract(epoch FROM clock_timestamp() - t) * 1000);
        END \$\$"
done
once() { psql -X -q -At -F ' ' -d "$1" -c "CHECKPOINT" -c "SELECT coalesce(result, '-'), ms FROM public.bench_once(\$q\$$2\$q\$)"; }
log "timing the DELETE from the trigger-less copy"
read -r deleted delete_ms < <(once $PLAIN "DELETE FROM public.obs_copy WHERE observed_at < timestamptz '$before 00:00+00' - interval '15 min'")
log "timing compact() on the unpartitioned table"
read -r plain_n plain_ms < <(once $PLAIN "SELECT reliability.compact('$before')::text")
log "timing compact() on daily partitions"
parts_before=$(psql -X -At -d $PARTED -c "SELECT count(*) FROM pg_partition_tree('reliability.observations') WHERE isleaf")
read -r parted_n parted_ms < <(once $PARTED "SELECT reliability.compact('$before')::text")
parts_after=$(psql -X -At -d $PARTED -c "SELECT count(*) FROM pg_partition_tree('reliability.observations') WHERE isleaf")
[ "$deleted" = "$doomed" ] || { log "the DELETE deleted $deleted rows, not $doomed"; exit 1; }
[ "$plain_n" = "$parted_n" ] || { log "compact() counts differ: $plain_n unpartitioned, $parted_n partitioned"; exit 1; }

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a / b }'; }
out=$(cat <<MD
Data: $machines machines x one day ($day) of one-minute rows ($rows observations, loaded as
poll cycles in time order), and one interruption per machine. \`compact('$before')\` deletes
the observations before \`$before 00:00 - max_gap\` ($doomed rows) and that day's interruptions:
$parted_n rows in all, the same count on both tables. One run each, timed in the server after a checkpoint.

| what | time | ratio to the DELETE | goal |
|---|---|---|---|
| \`DELETE\` of the $doomed observations from a trigger-less copy | $delete_ms ms | 1 | |
| \`compact()\`, unpartitioned (rows deleted from the DEFAULT partition) | $plain_ms ms | $(ratio "$plain_ms" "$delete_ms") | |
| \`compact()\`, daily partitions (the day's partition emptied, its last max_gap kept) | $parted_ms ms | $(ratio "$parted_ms" "$delete_ms") | ≤ 0.1 |

(leaf partitions of observations: $parts_before before, $parts_after after)

| disk per raw observation (table + indexes) | bytes |
|---|---|
| unpartitioned table, as loaded | $plain_bytes |
| the day's partition, as loaded | $parted_bytes |
| the day's partition after \`REINDEX\` (a closed day's index packed) | $reindexed_bytes (heap alone: $heap_bytes) |
MD
)
echo "$out"
[ -z "$report" ] || echo "$out" > "$report"
