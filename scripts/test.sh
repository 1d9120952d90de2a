#!/usr/bin/env bash
# Installs what is missing, builds everything and runs every test suite:
#   GoogleTest unit tests of the C++ core (ctest), the same under ASan+UBSan,
#   pg_regress and pg_isolation_regress against a throwaway PostgreSQL 15,
#   every executable test/integration/*.sh against its own throwaway cluster,
#   the fuzz harnesses (test/fuzz/run.sh), and with VALGRIND=1 the regression suites
#   under Valgrind (test/valgrind/run.sh).
# Ends with one line "N passed, N failed" (one count per step) and exits non-zero when
# anything failed.
# No `set -e`: every step runs and is counted; a failing step never ends the run silently.
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"

# A hung suite must not eat CI's time: each server suite is stopped after this long.
SUITE_TIMEOUT=${SUITE_TIMEOUT:-900}

passed=0
failed=0
failures=()

# step NAME COMMAND...: run one step, count it, never stop the run.
step() {
    local name=$1
    shift
    local start=$SECONDS
    echo
    echo "=== $name"
    if "$@"; then
        passed=$((passed + 1))
        echo "=== PASS: $name ($((SECONDS - start)) s)"
        return 0
    else
        failed=$((failed + 1))
        failures+=("$name")
        echo "=== FAIL: $name ($((SECONDS - start)) s)"
        return 1
    fi
}

summary() {
    echo
    if [ ${#failures[@]} -gt 0 ]; then
        echo "Failed steps:"
        printf '  - %s\n' "${failures[@]}"
    fi
    echo "${passed} passed, ${failed} failed"
    [ "$failed" -eq 0 ]
}

# --- the steps -----------------------------------------------------------------------------

unit_tests() {
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo &&
        cmake --build build -j"$JOBS" &&
        ctest --test-dir build --output-on-failure -j"$JOBS"
}

sanitizer_unit_tests() {
    # No benchmarks here: they are not tests and would only double the build time.
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    bash -c 'cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=Debug -DRELIABILITY_SANITIZE=ON \
                 -DRELIABILITY_BENCHMARKS=OFF &&
             cmake --build build-sanitize -j"$1" &&
             ctest --test-dir build-sanitize --output-on-failure -j"$1"' sanitize "$JOBS"
}

show_regress_diffs() {
    local f
    for f in regression.diffs output_iso/regression.diffs; do
        if [ -s "$f" ]; then
            echo "----- $f -----"
            cat "$f"
        fi
    done
}

regress_tests() {
    rm -f regression.diffs regression.out
    timeout --kill-after=30 "$SUITE_TIMEOUT" bash scripts/in-cluster.sh make installcheck ISOLATION= PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config ||
        { show_regress_diffs; return 1; }
}

isolation_tests() {
    rm -rf output_iso
    timeout --kill-after=30 "$SUITE_TIMEOUT" bash scripts/in-cluster.sh make installcheck REGRESS= PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config ||
        { show_regress_diffs; return 1; }
}

integration_test() {
    # Each script gets a cluster of its own: one test's settings or crash cannot leak into
    # the next. The script sees the server through PGHOST/PGPORT/PGUSER/PGPASSWORD.
    timeout --kill-after=30 "$SUITE_TIMEOUT" bash scripts/in-cluster.sh "$1"
}

# --- the run -------------------------------------------------------------------------------

echo "reliability: full test run in $REPO_ROOT"
run_start=$SECONDS

if ! step "install dependencies" env WITH_VALGRIND="${VALGRIND:-0}" bash scripts/install-deps.sh; then
    summary
    exit 1
fi

step "core unit tests (GoogleTest via ctest)" unit_tests

if [ -f test/sanitize/run.sh ]; then
    step "core unit tests under ASan+UBSan (test/sanitize/run.sh)" bash test/sanitize/run.sh
elif grep -q RELIABILITY_SANITIZE CMakeLists.txt; then
    step "core unit tests under ASan+UBSan (ctest)" sanitizer_unit_tests
fi

if step "build and install the extension (PGXS)" build_and_install_extension; then
    if compgen -G 'sql/*.sql' >/dev/null; then
        step "pg_regress (make installcheck)" regress_tests
    fi
    if compgen -G 'test/isolation/specs/*.spec' >/dev/null; then
        step "pg_isolation_regress (make installcheck)" isolation_tests
    fi
    # Every executable test/integration/*.sh is a test; a non-executable one is taken for
    # a helper that the tests source.
    for t in test/integration/*.sh; do
        [ -f "$t" ] || continue
        if [ -x "$t" ]; then
            step "integration: $t" integration_test "./$t"
        else
            echo "(not run, not executable: $t)"
        fi
    done
else
    echo "the extension did not build or install: skipping every test that needs a server"
fi

if [ -f test/fuzz/run.sh ]; then
    step "fuzz harnesses (test/fuzz/run.sh)" bash test/fuzz/run.sh
fi

# The extension under Valgrind memcheck takes long: only on request (VALGRIND=1).
if [ "${VALGRIND:-0}" = 1 ] && [ -f test/valgrind/run.sh ]; then
    step "regression suites under Valgrind (test/valgrind/run.sh)" bash test/valgrind/run.sh
fi

echo
echo "total time: $((SECONDS - run_start)) s"
summary
