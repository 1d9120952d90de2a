#!/usr/bin/env bash
# Benchmark of the ranked list (issue 11): reliability.ranked() against the indexed form the
# issue names (score >= $1 ORDER BY score DESC over the view, which leaves the unscored
# machines out), the README's former list query (score >= $1 OR score IS NULL ... NULLS LAST,
# which cannot walk the index) and the executor's floor (50 rows off the score index), in one
# throwaway PostgreSQL 15 cluster; Markdown on stdout (copied into docs/BENCHMARKS.md).
#
#   make install && bash test/benchmarks/bench_list.sh     # about 2 minutes on 2 cores
#
# Knobs (environment): FLEET (100000 machines), RUNS (31 timed runs of each query, interleaved,
# after a warm-up).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../../scripts/lib.sh"
export BENCH_FLEET=${FLEET:-100000} BENCH_RUNS=${RUNS:-31}
if [ ! -f "$(pg_config --sharedir)/extension/reliability.control" ]; then
    echo "bench_list: the reliability extension is not installed (make install first)" >&2
    exit 1
fi
PGPORT=$(pick_free_port) exec pg_virtualenv -t -v 15 \
    -o 'shared_buffers=512MB' -o 'jit=off' -o 'autovacuum=off' -o 'max_wal_size=8GB' \
    "$here/bench_list_run.sh"
