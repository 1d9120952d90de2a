#!/usr/bin/env bash
# Every benchmark, one command (not part of scripts/test.sh: benchmarks measure, tests check):
#
#   bash test/benchmarks/run.sh            # all three, about 30 minutes on 2 cores
#   bash test/benchmarks/run.sh core       # only the named ones: core, uptime, scores
#
#   core    Google Benchmark micro-benchmarks of the pure C++ core (core_bench.cpp)
#   uptime  the uptime aggregates against the plain-SQL way and the count(*) floor
#           (bench_uptime.sh; prints its Markdown table)
#   scores  the score cache and its triggers (bench_scores.sh; writes its section of
#           docs/BENCHMARKS.md)
# Results, with the figures of the last run and how to read them: docs/BENCHMARKS.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../../scripts/lib.sh"
which=${*:-core uptime scores}
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
        *) echo "unknown benchmark: $b (core, uptime, scores)" >&2; exit 2 ;;
    esac
done
