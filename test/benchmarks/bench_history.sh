#!/usr/bin/env bash
# Benchmark of history and compaction (issue 10, SPEC §9): one command, a throwaway
# PostgreSQL 15 cluster, results as Markdown on stdout (copied into docs/BENCHMARKS.md).
#
#   make install && bash test/benchmarks/bench_history.sh     # about 5 minutes on 2 cores
#
# Knobs (environment): MACHINES (1000: the uptime benchmark's fleet, 5-minute rows for
# DAYS = 30 days), MINUTE_MACHINES (20 machines with one-minute rows for score()),
# RUNS (7 timed runs per measure; the median is reported), REPORT (also write the report here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_MACHINES=${MACHINES:-1000}
export BENCH_MINUTE_MACHINES=${MINUTE_MACHINES:-20}
export BENCH_DAYS=${DAYS:-30}
export BENCH_RUNS=${RUNS:-7}
export BENCH_REPORT=${REPORT:-}
if [ ! -f "$(pg_config --sharedir)/extension/reliability.control" ]; then
    echo "bench_history: the reliability extension is not installed (make install first)" >&2
    exit 1
fi
exec pg_virtualenv -t -v 15 \
    -o 'shared_buffers=2GB' -o 'work_mem=64MB' -o 'jit=off' -o 'max_parallel_workers_per_gather=0' \
    -o 'fsync=off' -o 'synchronous_commit=off' -o 'full_page_writes=off' -o 'max_wal_size=8GB' \
    -o 'autovacuum=off' -o 'checkpoint_timeout=1h' \
    "$here/bench_history_run.sh"
