#!/usr/bin/env bash
# Installs, from Debian 12 (bookworm) packages, whatever the build, the tests and the demo
# need and is not installed yet. Idempotent: when everything is there it does no network
# work at all. Runs as root (or through sudo when that exists).
set -euo pipefail

PACKAGES=(
    # PostgreSQL 15 server and client; the server headers with PGXS, pg_regress and
    # pg_isolation_regress; postgresql-common brings pg_virtualenv (throwaway clusters).
    postgresql-15 postgresql-client-15 postgresql-server-dev-15 postgresql-common
    # pg_cron: the scheduling of refresh() and compact() (test/integration/scheduling.sh).
    postgresql-15-cron
    # pg_partman: time partitions of observations and interruptions (test/integration/partitions.sh).
    postgresql-15-partman
    # C++ toolchain, Boost (header-only parts), CMake, GoogleTest, Google Benchmark.
    g++ make cmake libboost-dev libgtest-dev googletest libbenchmark-dev
    # clang with its runtime libraries: libFuzzer harnesses and sanitizer builds.
    clang libclang-rt-14-dev
    # what a debootstrap --variant=minbase root lacks and the steps above use
    ca-certificates locales procps
    # gdb: pg_virtualenv prints a backtrace of a crashed server's core dump with it.
    gdb
    # The reference API and dashboard (examples/api, test/integration/api.sh): FastAPI, uvicorn, SQLAlchemy 1.4 over psycopg2, pytest, httpx, headless Chromium with selenium.
    python3-fastapi python3-uvicorn python3-sqlalchemy python3-psycopg2 python3-pytest python3-httpx chromium chromium-driver python3-selenium
)
# Valgrind only for the opt-in memcheck run (VALGRIND=1 bash scripts/test.sh).
[ "${WITH_VALGRIND:-0}" = 1 ] && PACKAGES+=(valgrind)

missing=()
for pkg in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$pkg" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    as_root=()
elif command -v sudo >/dev/null 2>&1; then
    as_root=(sudo)
else
    echo "install-deps: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}" </dev/null
echo "install-deps: done"
