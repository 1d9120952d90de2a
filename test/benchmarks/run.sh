#!/usr/bin/env bash
# Every benchmark, one command (not part of scripts/test.sh: benchmarks measure, tests check):
#
#   bash test/benchmarks/run.sh            # all eleven, about 92 minutes on 2 cores
#   bash test/benchmarks/run.sh core       # only the named ones: core, uptime, scores, cache, history, compact, observe, list, api, shards, wal
#
#   core    Google Benchmark micro-benchmarks of the pure C++ core (core_bench.cpp)
#   uptime  the uptime aggregates against the plain-SQL way and the count(*) floor
#           (bench_uptime.sh; prints its Markdown table)
#   scores  the score cache and its triggers (bench_scores.sh; writes its section of
#           docs/BENCHMARKS.md)
#   cache   the cache engine, issue 9's figures: poll cycle, one-row inserts, WAL per row,
#           peak backend memory of a restore-like COPY, rebuild() and a settings change over
#           86 M rows (bench_cache_engine.sh, about 35 minutes; writes its section of
#           docs/BENCHMARKS.md)
#   history history and compaction, issue 10's figures: score(m), the dashboard, 28-day
#           availability from history against the raw floor, storage, compact()
#           (bench_history.sh, about 5 minutes; prints its Markdown)
#   compact compact() of one day of 10,000 machines x one-minute rows (14.4 M) on daily
#           partitions, unpartitioned, and a DELETE from a trigger-less copy; disk per raw
#           observation (bench_compact.sh, about 12 minutes; prints its Markdown)
#   observe a poll cycle of 20,000 rows through observe() against the plain INSERT, and the
#           same cycle resent (bench_observe.sh, about 2 minutes; prints its Markdown)
#   list    the ranked list at 100,000 machines: ranked() against the indexed form, the
#           README's former query and the executor's floor (bench_list.sh, about 2 minutes)
#   api     every endpoint of the reference API (examples/api) on 2,000 machines, through
#           HTTP and the statement alone (bench_api.sh, about 2 minutes)
#   shards  a coordinator over 2 shard servers on this machine against a single database
#           (SPEC §12): fleet-wide availability pushed to the shards, a 100,000-row poll cycle
#           at batch_size 1000 and 10000, the list and report() (bench_shards.sh, about 3 minutes)
#   wal     WAL a polled row while windows fill: with the triggers and the score index, the
#           trigger-less twin, and with the score index dropped (bench_wal_index.sh, about 4 minutes)
# Results, with the figures of the last run and how to read them: docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
which=${*:-core uptime scores cache history compact observe list api shards wal}
for b in $which; do
    echo "=== benchmark: $b"
    case $b in
        core)
            cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DRELIABILITY_BENCHMARKS=ON >/dev/null
            cmake --build build -j"$JOBS" --target core_bench >/dev/null
            build/core_bench --benchmark_repetitions=5 --benchmark_report_aggregates_only=true ;;
        uptime)
            build_and_install_extension >/dev/null
            bash test/benchmarks/bench_uptime.sh ;;
        scores)
            bash test/benchmarks/bench_scores.sh ;;
        cache)
            bash test/benchmarks/bench_cache_engine.sh ;;
        history)
            build_and_install_extension >/dev/null
            bash test/benchmarks/bench_history.sh ;;
        compact)
            build_and_install_extension >/dev/null
            bash test/benchmarks/bench_compact.sh ;;
        observe)
            build_and_install_extension >/dev/null
            bash test/benchmarks/bench_observe.sh ;;
        list)
            build_and_install_extension >/dev/null
            bash test/benchmarks/bench_list.sh ;;
        api)
            build_and_install_extension >/dev/null
            bash test/benchmarks/bench_api.sh ;;
        shards)
            build_and_install_extension >/dev/null
            bash test/benchmarks/bench_shards.sh ;;
        wal)
            build_and_install_extension >/dev/null
            bash test/benchmarks/bench_wal_index.sh ;;
        *) echo "unknown benchmark: $b (core, uptime, scores, cache, history, compact, observe, list, api, shards, wal)" >&2; exit 2 ;;
    esac
done
