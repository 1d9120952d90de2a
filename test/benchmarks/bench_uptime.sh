#!/usr/bin/env bash
# Benchmark of the uptime aggregate (issue 2): one command, a throwaway PostgreSQL 15
# cluster, results as a Markdown table on stdout (copy them into docs/BENCHMARKS.md).
#
#   make install            # (serialize with other developers: flock /tmp/reliability.build.lock ...)
#   test/benchmarks/bench_uptime.sh
#
# Knobs (environment): MACHINES (1000), DAYS (30), RUNS (5 timed runs per query, after one
# warm-up run), REPORT (also write the Markdown report to this file).
# Needs pg_virtualenv (postgresql-common) and the installed extension; runs as root or not.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
export BENCH_MACHINES=${MACHINES:-1000}
export BENCH_DAYS=${DAYS:-30}
export BENCH_RUNS=${RUNS:-5}
export BENCH_REPORT=${REPORT:-}

if [ ! -f "$(pg_config --sharedir)/extension/reliability.control" ]; then
    echo "bench_uptime: the reliability extension is not installed (make install first)" >&2
    exit 1
fi

# -t: a private temporary cluster even as root, so concurrent pg_virtualenv runs do not clash.
# fsync etc. are off only to load the data faster; they do not affect the read-only queries.
exec pg_virtualenv -t -v 15 \
    -o 'shared_buffers=2GB' -o 'work_mem=256MB' -o 'max_parallel_workers_per_gather=2' -o 'jit=off' \
    -o 'fsync=off' -o 'synchronous_commit=off' -o 'full_page_writes=off' -o 'max_wal_size=8GB' \
    -o 'autovacuum=off' -o 'checkpoint_timeout=1h' \
    "$here/bench_uptime_run.sh"
