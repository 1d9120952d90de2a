#!/usr/bin/env bash
# Installs what is missing, builds and installs the extension, then shows it at work on a
# throwaway PostgreSQL 15 with a sample fleet of 300 machines and 30 days of monitoring:
# the ranked list with tiers and sparklines, and one machine's full report.
# The cluster is dropped at the end; nothing else on the machine is touched.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

echo "== installing what is missing"
bash scripts/install-deps.sh

echo "== building and installing the extension"
build_log=$(mktemp -t reliability-build.XXXXXX)
if ! build_and_install_extension >"$build_log" 2>&1; then
    cat "$build_log"
    echo "demo: the extension did not build (log above)" >&2
    exit 1
fi
rm -f "$build_log"

echo "== starting a throwaway PostgreSQL $PG_VERSION and running examples/demo.sql"
in_throwaway_cluster psql -X -q -v ON_ERROR_STOP=1 -P pager=off -f examples/demo.sql
