#!/usr/bin/env bash
# Builds the core and its GoogleTest suite with AddressSanitizer + UndefinedBehaviorSanitizer
# (the RELIABILITY_SANITIZE option of CMakeLists.txt) and runs it with ctest. Any ASan or
# UBSan report aborts the test that caused it, so ctest fails.
#
#   test/sanitize/run.sh                 # g++ (the default compiler), build dir build-asan
#   CXX=clang++ SANITIZE_BUILD_DIR=build-asan-clang test/sanitize/run.sh
#
# Ends with ctest's own summary and a line "sanitize: N passed, N failed".
set -uo pipefail

cd "$(dirname "$0")/../.."
BUILD=${SANITIZE_BUILD_DIR:-build-asan}
JOBS=${JOBS:-2}

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if ! cmake -S . -B "$BUILD" -DCMAKE_BUILD_TYPE=Debug -DRELIABILITY_SANITIZE=ON -DRELIABILITY_BENCHMARKS=OFF; then
    echo "sanitize: 0 passed, 1 failed (configure)"
    exit 1
fi
if ! cmake --build "$BUILD" -j"$JOBS"; then
    echo "sanitize: 0 passed, 1 failed (build)"
    exit 1
fi
log="$BUILD/ctest.log"
ctest --test-dir "$BUILD" --output-on-failure -j"$JOBS" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
# ctest: "100% tests passed, 0 tests failed out of 57"
total=$(sed -n 's/.*tests failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
bad=$(sed -n 's/.*, \([0-9]*\) tests failed out of.*/\1/p' "$log" | tail -1)
if [ -n "$total" ] && [ -n "$bad" ]; then
    echo "sanitize: $((total - bad)) passed, $bad failed"
else
    echo "sanitize: 0 passed, 1 failed (no ctest summary)"
    rc=1
fi
exit "$rc"
