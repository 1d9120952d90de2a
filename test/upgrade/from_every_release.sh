#!/usr/bin/env bash
# Runs compare_install.sh from every released version of the extension to the default one:
# CREATE EXTENSION reliability VERSION 'X', a fleet with data, ALTER EXTENSION UPDATE,
# then the data, the exactness of every cached score and the catalog footprint are compared
# with a fresh install. The released versions are the install scripts installed next to
# the default one (sql/reliability--X.sql, shipped as released). Needs a cluster
# (scripts/in-cluster.sh). Ends with "upgrade: N passed, M failed".
set -uo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
export PAGER=cat PSQL_PAGER=cat
versions=$(psql -X -At -d "${PGDATABASE:-postgres}" -c "
    SELECT v.version FROM pg_available_extension_versions v JOIN pg_available_extensions e USING (name)
     WHERE v.name = 'reliability' AND v.version <> e.default_version ORDER BY string_to_array(v.version, '.')::int[]")
passed=0
failed=0
[ -n "$versions" ] || { echo "upgrade: no released version is installed besides the default one"; failed=1; }
for v in $versions; do
    echo "--- from $v"
    if bash "$HERE/compare_install.sh" "$v"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "upgrade: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
