#!/usr/bin/env bash
# The body of test/benchmarks/bench_api.sh, run inside pg_virtualenv (PGHOST etc. set).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
PYTHON=${PYTHON:-/usr/bin/python3}
source "$root/examples/api/tests/roles_setup.sh"
q() { psql -X -q -At -v ON_ERROR_STOP=1 -d bench "$@"; }
createdb bench
q -c "CREATE EXTENSION reliability"
api_roles_setup bench "$root/README.md" >&2
start=$SECONDS
q -v machines="$BENCH_FLEET" -f "$root/examples/api/tests/fleet.sql"
q -c "SELECT reliability.refresh()" >/dev/null   # materializes reliability.history, as a scheduled refresh() does
q -c "VACUUM (ANALYZE)"
export BENCH_SETUP="fleet.sql with machines=$BENCH_FLEET through the triggers, refresh(), VACUUM (ANALYZE): $((SECONDS - start)) s; $(q -c "SELECT count(*) || ' observations, ' || (SELECT count(*) FROM reliability.history) || ' history rows' FROM reliability.observations")"
cd "$root/examples/api"
PYTHONPATH="$root/examples/api" PYTHONDONTWRITEBYTECODE=1 "$PYTHON" "$here/bench_api.py"
