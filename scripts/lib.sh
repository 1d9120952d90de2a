# Shared by scripts/test.sh and scripts/demo.sh (sourced, not run).

# Run from the repository root whatever the caller's directory.
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$REPO_ROOT"

# One locale everywhere, so the throwaway clusters are UTF-8 (sparklines are UTF-8
# characters) and messages and sort orders do not depend on the caller's environment.
export LANG=C.UTF-8 LC_ALL=C.UTF-8
unset LANGUAGE
export DEBIAN_FRONTEND=noninteractive
export PAGER=cat PSQL_PAGER=cat

JOBS=${JOBS:-2}
# The one place that names the PostgreSQL installation: every script, Makefile call and
# test takes its pg_config and binaries from here (exported, so the tests that a script
# starts see them too).
export PG_VERSION=15
export PG_CONFIG=${PG_CONFIG:-/usr/lib/postgresql/$PG_VERSION/bin/pg_config}
export PG_BINDIR=${PG_BINDIR:-/usr/lib/postgresql/$PG_VERSION/bin}

# Several checkouts on one machine share one PostgreSQL installation: take a lock around
# building and installing the extension so that two runs never interleave.
with_build_lock() {
    if command -v flock >/dev/null 2>&1; then
        flock /tmp/reliability.build.lock "$@"
    else
        "$@"
    fi
}

# Build the extension (PGXS) and install it into the PostgreSQL 15 installation.
build_and_install_extension() {
    with_build_lock bash -c '
        set -e
        make -j"$1" PG_CONFIG="$PG_CONFIG"
        if [ "$(id -u)" -eq 0 ]; then
            make install PG_CONFIG="$PG_CONFIG"
        else
            sudo make install PG_CONFIG="$PG_CONFIG"
        fi' build "$JOBS"
}

# Run a command against a throwaway PostgreSQL 15 cluster. pg_virtualenv creates the
# cluster, sets PGHOST/PGPORT/PGUSER/PGPASSWORD/PGDATABASE for the command and drops the
# cluster afterwards; -t keeps the cluster in a temporary directory even as root (as root
# the server still runs as the postgres user), so concurrent runs never collide.
# The cluster gets a random free port (pg_virtualenv passes PGPORT to pg_createcluster):
# its own choice, the first free port from 5432 on, races with other clusters being
# created at the same moment on a shared machine.
in_throwaway_cluster() {
    PGPORT=$(pick_free_port) pg_virtualenv -t -v "$PG_VERSION" "$@"
}
exec_in_throwaway_cluster() {
    PGPORT=$(pick_free_port) exec pg_virtualenv -t -v "$PG_VERSION" "$@"
}

pick_free_port() {
    # Below the kernel's ephemeral range: a client connection's local port there could take
    # the port between this check and the server's bind ("Address already in use").
    local port i low=32768 span
    read -r low _ </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
    span=$(( low > 21000 ? low - 20000 : 30000 ))
    for i in $(seq 1 100); do
        port=$((20000 + RANDOM % span))
        [ -e "/var/run/postgresql/.s.PGSQL.$port" ] && continue
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && continue
        echo "$port"
        return 0
    done
    echo 5432
}
