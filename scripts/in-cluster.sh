#!/usr/bin/env bash
# Runs one command, in the caller's directory, against a throwaway PostgreSQL 15 cluster
# (pg_virtualenv): the command sees the server through PGHOST, PGPORT, PGUSER,
# PGPASSWORD and PGDATABASE, and the cluster is dropped when it ends.
#   bash scripts/in-cluster.sh psql -c 'CREATE EXTENSION reliability'
set -euo pipefail
caller_dir=$PWD
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
cd "$caller_dir"
exec_in_throwaway_cluster "$@"
