#!/usr/bin/env bash
# Builds the libFuzzer harnesses of the core (clang, ASan + UBSan) and runs each one for a
# fixed time, one after the other, with the seed corpus of test/fuzz/corpus/<name>.
#
#   test/fuzz/run.sh                      # 20 s per fuzzer
#   FUZZ_SECONDS=300 test/fuzz/run.sh     # longer
#   test/fuzz/run.sh fuzz_sweep           # only the named fuzzer(s)
#
# Each fuzzer keeps what it learns in build-fuzz/corpus/<name> (the seed directory is only
# read), writes a crashing input to build-fuzz/artifacts/<name>/ and its log to
# build-fuzz/logs/<name>.log. Exits non-zero when any fuzzer crashed (a violated invariant,
# an exception other than reliability::Error, an ASan / UBSan report, a leak or a timeout).
# Reproduce a crash with: build-fuzz/<name> build-fuzz/artifacts/<name>/crash-...
set -uo pipefail

cd "$(dirname "$0")/../.."
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
BUILD=${FUZZ_BUILD_DIR:-build-fuzz}
FUZZERS=("$@")
[ ${#FUZZERS[@]} -eq 0 ] && FUZZERS=(fuzz_sweep fuzz_score fuzz_deserialize fuzz_slide fuzz_summary)

if ! command -v clang++ >/dev/null; then
    echo "fuzz: clang++ not found (apt-get install clang)" >&2
    exit 2
fi
mkdir -p "$BUILD/logs"
if ! CXX=clang++ cmake -S . -B "$BUILD" -DRELIABILITY_FUZZ=ON -DRELIABILITY_BENCHMARKS=OFF \
        >"$BUILD/logs/configure.log" 2>&1; then
    cat "$BUILD/logs/configure.log" >&2
    echo "fuzz: configure failed" >&2
    exit 2
fi
if ! cmake --build "$BUILD" -j2 --target "${FUZZERS[@]}" >"$BUILD/logs/build.log" 2>&1; then
    tail -50 "$BUILD/logs/build.log" >&2
    echo "fuzz: build failed" >&2
    exit 2
fi

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

passed=0
failed=0
for f in "${FUZZERS[@]}"; do
    corpus="$BUILD/corpus/$f"
    artifacts="$BUILD/artifacts/$f/"
    log="$BUILD/logs/$f.log"
    mkdir -p "$corpus" "$artifacts"
    start=$(date +%s)
    # One process at a time (-jobs/-workers stay at 1): the machine is shared.
    "$BUILD/$f" -max_total_time="$FUZZ_SECONDS" -timeout=30 -rss_limit_mb=2048 -max_len=4096 \
        -use_value_profile=1 -print_final_stats=1 -artifact_prefix="$artifacts" \
        "$corpus" "test/fuzz/corpus/$f" >"$log" 2>&1
    rc=$?
    elapsed=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    last=$(grep -E '^#[0-9]+' "$log" | tail -1)
    cov=$(sed -n 's/.* cov: \([0-9]*\) ft: \([0-9]*\) corp: \([0-9]*\).*/cov \1, ft \2, corpus \3/p' <<<"$last")
    if [ $rc -eq 0 ]; then
        passed=$((passed + 1))
        echo "fuzz: $f ok: ${execs:-?} execs in ${elapsed}s, ${cov:-?}"
    else
        failed=$((failed + 1))
        echo "fuzz: $f FAILED (exit $rc) after ${elapsed}s; log $log; artifacts:" >&2
        ls "$artifacts" >&2
        grep -m1 -E 'FUZZ_CHECK failed|ERROR: |runtime error|exception escaped|unexpected reliability' "$log" >&2
        tail -40 "$log" >&2
    fi
done
echo "fuzz: $passed passed, $failed failed"
[ $failed -eq 0 ]
