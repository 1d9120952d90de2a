#!/usr/bin/env bash
# Benchmark of compact() on time partitions (issue 10): one day of MACHINES machines x
# one-minute rows (10,000: 14.4 M observations) compacted from daily partitions made by
# pg_partman, from the unpartitioned table (the DEFAULT partition only), and deleted by a
# plain DELETE from a trigger-less copy, in the same run. Also the disk taken per raw
# observation. One command, a throwaway cluster, Markdown on stdout:
#
#   make install && bash test/benchmarks/bench_compact.sh    # about 10 minutes on 2 cores
#
# Knobs: MACHINES (10000), REPORT (also write the report here).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export BENCH_MACHINES=${MACHINES:-10000}
export BENCH_REPORT=${REPORT:-}
for ext in reliability pg_partman; do
    if [ ! -f "$(pg_config --sharedir)/extension/$ext.control" ]; then
        echo "bench_compact: $ext is not installed (make install; scripts/install-deps.sh)" >&2
        exit 1
    fi
done
exec pg_virtualenv -t -v 15 \
    -o 'shared_buffers=2GB' -o 'work_mem=64MB' -o 'maintenance_work_mem=1GB' -o 'jit=off' \
    -o 'fsync=off' -o 'synchronous_commit=off' -o 'full_page_writes=off' -o 'max_wal_size=16GB' \
    -o 'autovacuum=off' -o 'checkpoint_timeout=1h' \
    "$here/bench_compact_run.sh"
