#!/usr/bin/env bash
# Benchmark of the reference API (examples/api, issue 11): the median latency of every
# endpoint on a FLEET-machine fleet (examples/api/tests/fleet.sql: 30 days of observations
# every 15 minutes, interruptions, ratings, every tier), served by uvicorn as README's roles,
# against a throwaway PostgreSQL 15 cluster. For each endpoint: its statement run through the
# API's own Database (SQLAlchemy 1.4 + psycopg2: pool checkout, transaction, fetch) and the
# whole HTTP request (httpx, keep-alive, one client at a time); RUNS runs of REQUESTS requests
# each after a warm-up, the median of the runs' medians. Markdown on stdout (docs/BENCHMARKS.md).
#
#   make install && bash test/benchmarks/bench_api.sh      # about 3 minutes on 2 cores
#
# Knobs (environment): FLEET (2000 machines), RUNS (5), REQUESTS (40 per endpoint and run;
# a poll cycle through observe(), the whole fleet at once, a quarter of that).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
export BENCH_FLEET=${FLEET:-2000} BENCH_RUNS=${RUNS:-5} BENCH_REQUESTS=${REQUESTS:-40}
if [ ! -f "$(pg_config --sharedir)/extension/reliability.control" ]; then
    echo "bench_api: the reliability extension is not installed (make install first)" >&2
    exit 1
fi
PGPORT=$(pick_free_port) exec pg_virtualenv -t -v 15 \
    -o 'shared_buffers=256MB' -o 'jit=off' -o 'max_wal_size=4GB' -o 'checkpoint_timeout=30min' \
    "$here/bench_api_run.sh"
