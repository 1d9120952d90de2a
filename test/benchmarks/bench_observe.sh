#!/usr/bin/env bash
# Benchmark of observe() (issue 11, SPEC §11): a poll cycle of FLEET rows through observe(),
# keyed by the provider's ids, against the plain INSERT by machine_id that the README shows,
# both through the cache's triggers, in one throwaway PostgreSQL 15 cluster; Markdown on
# stdout (copied into docs/BENCHMARKS.md).
#
#   make install && bash test/benchmarks/bench_observe.sh     # about 2 minutes on 2 cores
#
# Knobs (environment): FLEET (20000 machines), HISTORY (576 rows of 5 minutes each before the
# cycles), RUNS (5 timed runs of each, alternating which goes first, after a warm-up).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
export BENCH_FLEET=${FLEET:-20000} BENCH_HISTORY=${HISTORY:-576} BENCH_RUNS=${RUNS:-5}
if [ ! -f "$(pg_config --sharedir)/extension/reliability.control" ]; then
    echo "bench_observe: the reliability extension is not installed (make install first)" >&2
    exit 1
fi
PGPORT=$(pick_free_port) exec pg_virtualenv -t -v 15 \
    -o 'shared_buffers=512MB' -o 'jit=off' -o 'autovacuum=off' -o 'max_wal_size=8GB' -o 'checkpoint_timeout=30min' \
    "$here/bench_observe_run.sh"
