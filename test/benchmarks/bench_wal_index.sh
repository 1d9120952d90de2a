#!/usr/bin/env bash
# What the exact score index costs in WAL while windows fill (issue 9's one open figure):
# the same poll cycles as bench_cache_engine.sh's (3), into reliability.observations with the
# triggers and the score index, into the trigger-less twin, and with the triggers but
# scores_score_idx dropped, in one throwaway PostgreSQL 15 cluster; Markdown on stdout
# (copied into docs/BENCHMARKS.md).
#
#   make install && bash test/benchmarks/bench_wal_index.sh    # about 4 minutes on 2 cores
#
# Knobs (environment): MACHINES (10000), HISTORY (576 rows a machine, 5 minutes apart: 2
# days in a 30-day window, so every poll changes every score), CYCLES (20 poll cycles a batch).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
export BENCH_MACHINES=${MACHINES:-10000} BENCH_HISTORY=${HISTORY:-576} BENCH_CYCLES=${CYCLES:-20}
if [ ! -f "$(pg_config --sharedir)/extension/reliability.control" ]; then
    echo "bench_wal_index: the reliability extension is not installed (make install first)" >&2
    exit 1
fi
# bench_cache_engine.sh's cluster: no autovacuum, no checkpoint but the batches' own.
PGPORT=$(pick_free_port) exec pg_virtualenv -t -v 15 \
    -o 'shared_buffers=512MB' -o 'jit=off' -o 'autovacuum=off' -o 'max_wal_size=8GB' -o 'checkpoint_timeout=30min' \
    "$here/bench_wal_index_run.sh"
