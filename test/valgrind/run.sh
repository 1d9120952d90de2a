#!/usr/bin/env bash
# Runs the extension's pg_regress suite (test/regress/) and, by default, its isolation
# specs (test/isolation/) against a throwaway PostgreSQL 15 whose postmaster and every
# backend run under Valgrind memcheck, then scans the Valgrind logs for errors in frames of
# the extension.
#
#   test/valgrind/run.sh                          # build + install, both suites
#   VALGRIND_SUITES=regress test/valgrind/run.sh  # only pg_regress
#   VALGRIND_NO_INSTALL=1 test/valgrind/run.sh    # use the reliability.so already installed
#   VALGRIND_KEEP=1 test/valgrind/run.sh          # keep the work directory (logs, results)
#
# Suppressions: test/valgrind/postgresql-15.supp is PostgreSQL's own src/tools/valgrind.supp
# (not installed by Debian's packages; taken from `apt-get source postgresql-15`), and
# test/valgrind/extra.supp holds the false positives of a PostgreSQL that was not built with
# USE_VALGRIND (Debian's). Such a build does not tell Valgrind about palloc's memory
# contexts, so memcheck sees palloc'd chunks only as parts of big malloc'd blocks: it still
# catches every error in the extension's C++ heap (new/delete, std::vector, ...) and every
# use of an uninitialised value, but not an overrun of a palloc'd chunk into its neighbour.
# Findings are errors whose stack has a frame in the extension (reliability.so, a
# reliability:: function or one of its .cpp files); the others are counted and reported
# as PostgreSQL's own.
#
# Needs root (to run PostgreSQL as the postgres user) or to be run as a non-root user
# that may run PostgreSQL itself. Ends with "valgrind: N passed, N failed" and exits
# non-zero when a suite failed or an error was found in the extension's frames.
set -uo pipefail

cd "$(dirname "$0")/../.."
REPO=$(pwd)
PGBIN=${PG_BINDIR:-$("${PG_CONFIG:-pg_config}" --bindir)}   # scripts/lib.sh exports PG_BINDIR
PGXS_SRC=$(dirname "$(dirname "$("$PGBIN/pg_config" --pgxs)")")  # .../lib/pgxs/src
SUITES=${VALGRIND_SUITES:-regress isolation}
SUITE_TIMEOUT=${VALGRIND_SUITE_TIMEOUT:-5400}
START_TIMEOUT=${VALGRIND_START_TIMEOUT:-600}
export LANG=C.UTF-8 LC_ALL=C.UTF-8 PGTZ=UTC

command -v valgrind >/dev/null || { echo "valgrind: not installed (apt-get install valgrind)" >&2; exit 2; }

if [ "$(id -u)" -eq 0 ]; then
    AS_PG=(runuser -u postgres --)
else
    AS_PG=()
fi

# A free port below the ephemeral range (scripts/lib.sh's pick_free_port).
PORT=${VALGRIND_PORT:-$(bash -c 'source "$1/scripts/lib.sh" >/dev/null && pick_free_port' _ "$REPO")}

if [ "${VALGRIND_NO_INSTALL:-0}" != 1 ]; then
    echo "valgrind: building and installing the extension"
    if ! flock /tmp/reliability.build.lock make -C "$REPO" -j2 install PG_CONFIG="$PGBIN/pg_config" \
            >/tmp/reliability-valgrind-install.log 2>&1; then
        tail -30 /tmp/reliability-valgrind-install.log >&2
        echo "valgrind: 0 passed, 1 failed (build/install)"
        exit 1
    fi
fi

WORK=$(mktemp -d /tmp/reliability-valgrind.XXXXXX)
chmod 755 "$WORK"
cp test/valgrind/*.supp "$WORK/"
[ ${#AS_PG[@]} -gt 0 ] && chown postgres: "$WORK"
echo "valgrind: work directory $WORK, port $PORT"

server_pid=
stop_server() {
    if [ -n "$server_pid" ] && kill -0 "$server_pid" 2>/dev/null; then
        "${AS_PG[@]}" "$PGBIN/pg_ctl" -D "$WORK/data" stop -m fast -t 900 >>"$WORK/pg_ctl.log" 2>&1 ||
            kill "$server_pid" 2>/dev/null
        wait "$server_pid" 2>/dev/null
    fi
    server_pid=
}
trap 'stop_server' EXIT
trap 'stop_server; exit 130' INT TERM

start=$(date +%s)
if ! "${AS_PG[@]}" "$PGBIN/initdb" -D "$WORK/data" -U postgres -A trust --no-sync -E UTF8 --locale=C.UTF-8 \
        >"$WORK/initdb.log" 2>&1; then
    cat "$WORK/initdb.log" >&2
    echo "valgrind: 0 passed, 1 failed (initdb)"
    exit 1
fi
cat >>"$WORK/data/postgresql.conf" <<EOF
listen_addresses = ''
unix_socket_directories = '$WORK'
port = $PORT
fsync = off
synchronous_commit = off
autovacuum = off
max_connections = 30
lc_messages = 'C'
timezone = 'UTC'
# JIT-compiled expressions are opaque to memcheck, and loading llvmjit.so trips the known
# false positive of ld.so's strncmp; the extension has no bitcode anyway.
jit = off
EOF

# The postmaster forks its backends without exec: they inherit memcheck; --trace-children
# also follows anything it execs. One log per process.
"${AS_PG[@]}" valgrind --quiet --trace-children=yes --track-origins=yes --read-var-info=yes \
    --leak-check=no --error-limit=no --num-callers=40 \
    --suppressions="$WORK/postgresql-15.supp" --suppressions="$WORK/extra.supp" \
    --log-file="$WORK/valgrind.%p.log" \
    "$PGBIN/postgres" -D "$WORK/data" -p "$PORT" -k "$WORK" >"$WORK/server.log" 2>&1 &
server_pid=$!

waited=0
until "$PGBIN/pg_isready" -q -h "$WORK" -p "$PORT"; do
    if ! kill -0 "$server_pid" 2>/dev/null || [ $waited -ge "$START_TIMEOUT" ]; then
        tail -30 "$WORK/server.log" >&2
        echo "valgrind: 0 passed, 1 failed (server did not start)"
        exit 1
    fi
    sleep 2
    waited=$((waited + 2))
done
echo "valgrind: server up under valgrind after ${waited}s"

export PGHOST=$WORK PGPORT=$PORT PGUSER=postgres
passed=0
failed=0
run_suite() {
    local name=$1
    shift
    local t0=$(date +%s)
    echo "valgrind: running $name"
    if timeout --kill-after=30 "$SUITE_TIMEOUT" "$@" >"$WORK/$name.log" 2>&1; then
        passed=$((passed + 1))
        echo "valgrind: $name passed in $(( $(date +%s) - t0 ))s"
    else
        failed=$((failed + 1))
        echo "valgrind: $name FAILED after $(( $(date +%s) - t0 ))s" >&2
        tail -30 "$WORK/$name.log" >&2
        [ -s "$WORK/$name/regression.diffs" ] && head -100 "$WORK/$name/regression.diffs" >&2
    fi
    grep -E '^(ok|not ok|test |     [a-z_]+ +\.\.\.)|tests? (passed|failed)|All [0-9]+ tests passed' "$WORK/$name.log" | tail -40
}

for suite in $SUITES; do
    case $suite in
        regress)
            tests=$(for f in test/regress/sql/*.sql; do [ -e "$f" ] && basename "$f" .sql; done)
            [ -n "$tests" ] || { echo "valgrind: no test/regress/sql/*.sql, skipping regress"; continue; }
            # shellcheck disable=SC2086
            run_suite regress "$PGXS_SRC/test/regress/pg_regress" --inputdir="$REPO/test/regress" --outputdir="$WORK/regress" \
                --bindir="$PGBIN" --host="$WORK" --port="$PORT" --user=postgres \
                --load-extension=reliability --dbname=contrib_regression $tests
            ;;
        isolation)
            specs=$(for f in test/isolation/specs/*.spec; do [ -e "$f" ] && basename "$f" .spec; done)
            [ -n "$specs" ] || { echo "valgrind: no isolation specs, skipping"; continue; }
            # shellcheck disable=SC2086
            run_suite isolation "$PGXS_SRC/test/isolation/pg_isolation_regress" \
                --inputdir="$REPO/test/isolation" --outputdir="$WORK/isolation" \
                --bindir="$PGBIN" --host="$WORK" --port="$PORT" --user=postgres \
                --load-extension=reliability --dbname=isolation_regression $specs
            ;;
        *) echo "valgrind: unknown suite $suite" >&2; failed=$((failed + 1)) ;;
    esac
done

stop_server
elapsed=$(( $(date +%s) - start ))

# Split every log into error records (a record ends at a line that is only "==pid== ") and
# classify them: ours when any line of the record (the error's stack, the block's allocation
# stack or the origin of an uninitialised value) is in the extension.
awk '
    function flush() {
        if (rec != "" && first ~ /Invalid (read|write|free)|uninitialised|definitely lost|Mismatched free|Source and destination overlap|Argument .* of function .* has a fishy|invalid file descriptor/) {
            total++
            kind = first; sub(/^==[0-9]+== /, "", kind); sub(/ of size [0-9]+/, "", kind)
            kinds[kind]++
            if (rec ~ /reliability|\.[ch]pp:[0-9]+\)/) { ours++; print rec > ours_file }
            else print rec > theirs_file
        }
        rec = ""; first = ""
    }
    FNR == 1 { flush() }
    /^--[0-9]+--/ { next }   # valgrind notes (e.g. DWARF warnings), not error records
    /^==[0-9]+== *$/ { flush(); next }
    { if (rec == "") first = $0; rec = rec $0 "\n" }
    END {
        flush()
        printf "valgrind: %d error record(s) in %d log(s); %d with a frame in the extension\n", total, ARGC - 1, ours
        for (k in kinds) printf "valgrind:   %5d  %s\n", kinds[k], k
    }
' ours_file="$WORK/findings-reliability.txt" theirs_file="$WORK/findings-postgresql.txt" \
    /dev/null "$WORK"/valgrind.*.log | tee "$WORK/summary.txt"
touch "$WORK/findings-reliability.txt" "$WORK/findings-postgresql.txt"

if [ -s "$WORK/findings-reliability.txt" ]; then
    failed=$((failed + 1))
    echo "valgrind: errors in the extension's frames (first 200 lines of $WORK/findings-reliability.txt):" >&2
    head -200 "$WORK/findings-reliability.txt" >&2
    keep=1
else
    passed=$((passed + 1))
fi
echo "valgrind: runtime ${elapsed}s (initdb, start under valgrind, suites: $SUITES, stop)"
if [ "${VALGRIND_KEEP:-0}" = 1 ] || [ "${keep:-0}" = 1 ] || [ $failed -gt 0 ]; then
    echo "valgrind: kept $WORK"
else
    rm -rf "$WORK"
fi
echo "valgrind: $passed passed, $failed failed"
[ $failed -eq 0 ]
