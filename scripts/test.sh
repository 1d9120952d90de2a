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

show_regress_diffs() {
    local f
    for f in test/regress/regression.diffs test/isolation/output/regression.diffs; do
        if [ -s "$f" ]; then
            echo "----- $f -----"
            cat "$f"
        fi
    done
}

regress_tests() {
    rm -f test/regress/regression.diffs test/regress/regression.out
    timeout --kill-after=30 "$SUITE_TIMEOUT" bash scripts/in-cluster.sh make installcheck ISOLATION= PG_CONFIG="$PG_CONFIG" ||
        { show_regress_diffs; return 1; }
}

isolation_tests() {
    rm -rf test/isolation/output
    timeout --kill-after=30 "$SUITE_TIMEOUT" bash scripts/in-cluster.sh make installcheck REGRESS= PG_CONFIG="$PG_CONFIG" ||
        { show_regress_diffs; return 1; }
}

# A released script is never edited (users have it installed); the module keeps every C
# symbol that any script in sql/ references; an update from every released version gives
# exactly a fresh install, with data (test/upgrade/compare_install.sh, one per version).
release_checks() {
    sha256sum --check --strict test/upgrade/released.sha256 &&
        bash test/upgrade/check_symbols.sh
}

upgrade_from_every_release() {
    timeout --kill-after=30 "$SUITE_TIMEOUT" bash scripts/in-cluster.sh bash test/upgrade/from_every_release.sh
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

step "core unit tests under ASan+UBSan (test/sanitize/run.sh)" bash test/sanitize/run.sh

if step "build and install the extension (PGXS)" build_and_install_extension; then
    step "pg_regress (make installcheck, test/regress)" regress_tests
    step "pg_isolation_regress (make installcheck, test/isolation)" isolation_tests
    step "released scripts unchanged, every C symbol they name exported" release_checks
    step "ALTER EXTENSION UPDATE from every released version = fresh install, with data" upgrade_from_every_release
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

step "fuzz harnesses (test/fuzz/run.sh)" bash test/fuzz/run.sh

# The extension under Valgrind memcheck takes long: only on request (VALGRIND=1).
if [ "${VALGRIND:-0}" = 1 ]; then
    step "regression suites under Valgrind (test/valgrind/run.sh)" bash test/valgrind/run.sh
fi

echo
echo "total time: $((SECONDS - run_start)) s"
summary
