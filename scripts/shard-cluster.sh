#!/usr/bin/env bash
# A cluster of clusters on one machine (SPEC §12), for tests and benchmarks: N shard servers,
# each a PostgreSQL 15 cluster of its own in DIR (unix socket only, trust for local
# connections), each with a database `shard` holding the extension; and a coordinator
# database in the server the environment points at (PGHOST, PGPORT: e.g. the cluster of
# scripts/in-cluster.sh), with a postgres_fdw server per shard and reliability.distribute().
#
#   scripts/shard-cluster.sh up DIR [N]          start N (default 2) shard servers in DIR
#   scripts/shard-cluster.sh coordinator DIR DB  make DB (new) the coordinator over DIR's shards
#   scripts/shard-cluster.sh stop DIR K          stop shard K (1-based); start DIR K starts it again
#   scripts/shard-cluster.sh down DIR            stop every shard server and remove DIR
#   scripts/shard-cluster.sh psql DIR K [ARGS]   psql into shard K's database
#
# The shard servers run as the postgres user when called as root. DIR/ports lists their ports.
# RELIABILITY_VERSION=X (up, coordinator): create the extension at version X, not the default.
set -euo pipefail
caller_dir=$PWD
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh" >/dev/null   # (cd's to the repository)
absolute() { case $1 in /*) echo "$1" ;; *) echo "$caller_dir/$1" ;; esac; }

run_as_owner() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
shard_port() { sed -n "${2}p" "$1/ports"; }
shard_psql() {
    local dir=$1 k=$2
    shift 2
    psql -X -q -v ON_ERROR_STOP=1 -h "$dir" -p "$(shard_port "$dir" "$k")" -U postgres -d shard "$@"
}
start_one() {
    local dir=$1 k=$2
    run_as_owner "$PG_BINDIR/pg_ctl" -D "$dir/shard$k" -l "$dir/shard$k.log" -w -t 60 \
        -o "-p $(shard_port "$dir" "$k") -k $dir -c listen_addresses=''" start >/dev/null
}
stop_one() {
    run_as_owner "$PG_BINDIR/pg_ctl" -D "$1/shard$2" -m fast -w -t 60 stop >/dev/null
}

version_clause=${RELIABILITY_VERSION:+" VERSION '$RELIABILITY_VERSION'"}
cmd=${1:-}
[ $# -ge 2 ] && set -- "$1" "$(absolute "$2")" "${@:3}"
case "$cmd" in
up)
    dir=$2 n=${3:-2}
    mkdir -p "$dir"
    [ "$(id -u)" = 0 ] && chown postgres "$dir"
    : >"$dir/ports"
    [ "$(id -u)" = 0 ] && chown postgres "$dir/ports"
    for k in $(seq 1 "$n"); do
        port=$(pick_free_port)
        echo "$port" >>"$dir/ports"
        run_as_owner "$PG_BINDIR/initdb" -D "$dir/shard$k" -U postgres -A trust --no-sync >/dev/null
        # The shard's settings for this test bed: small, and fsync off (a throwaway cluster).
        run_as_owner bash -c "printf '%s\n' 'fsync = off' 'max_connections = 40' 'shared_buffers = 64MB' >>'$dir/shard$k/postgresql.conf'"
        start_one "$dir" "$k"
        psql -X -q -h "$dir" -p "$port" -U postgres -d postgres -c 'CREATE DATABASE shard' >/dev/null
        shard_psql "$dir" "$k" -c 'SET client_min_messages = warning' -c "CREATE EXTENSION reliability$version_clause" >/dev/null
    done
    echo "shard-cluster: $n shard servers in $dir on ports $(paste -sd, "$dir/ports")"
    ;;
coordinator)
    dir=$2 db=$3
    psql -X -q -v ON_ERROR_STOP=1 -d postgres -c "SET client_min_messages = warning" \
        -c "DROP DATABASE IF EXISTS $db" -c "CREATE DATABASE $db" >/dev/null
    {
        echo "SET client_min_messages = warning;"
        echo "CREATE EXTENSION reliability$version_clause;"
        echo "CREATE EXTENSION postgres_fdw;"
        servers=()
        k=0
        while read -r port; do
            k=$((k + 1))
            echo "CREATE SERVER shard_$k FOREIGN DATA WRAPPER postgres_fdw OPTIONS (host '$dir', port '$port', dbname 'shard');"
            echo "CREATE USER MAPPING FOR PUBLIC SERVER shard_$k OPTIONS (user 'postgres');"
            servers+=("'shard_$k'")
        done <"$dir/ports"
        echo "SELECT reliability.distribute(ARRAY[$(IFS=,; echo "${servers[*]}")]);"
    } | psql -X -q -v ON_ERROR_STOP=1 -d "$db" >/dev/null
    echo "shard-cluster: database $db is the coordinator over $(wc -l <"$dir/ports") shards"
    ;;
stop) stop_one "$2" "$3" ;;
start) start_one "$2" "$3" ;;
psql)
    dir=$2 k=$3
    shift 3
    shard_psql "$dir" "$k" "$@"
    ;;
down)
    dir=$2
    if [ -r "$dir/ports" ]; then
        for k in $(seq 1 "$(wc -l <"$dir/ports")"); do
            [ -f "$dir/shard$k/postmaster.pid" ] && stop_one "$dir" "$k" || true
        done
    fi
    rm -rf "$dir"
    ;;
*)
    sed -n '2,14p' "$0"
    exit 2
    ;;
esac
