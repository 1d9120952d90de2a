// Micro-benchmarks of the pure C++ core: the SPEC §2 sweep, sorting/duplicate check, and the
// aggregate state (add, serialize, deserialize).
//
//   build/core_bench --benchmark_min_time=0.1     (or: bash test/benchmarks/run.sh core)
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

#include "availability.hpp"
#include "observation.hpp"
#include "observation_set.hpp"

namespace {

using reliability::Micros;
using reliability::Observation;
using reliability::ObservationSet;
using reliability::Window;

constexpr Micros kSec = 1'000'000;
constexpr Micros kMaxGap = 15 * 60 * kSec;  // SPEC §4 default
constexpr std::int64_t kThirtyDays = 30 * 24 * 12;  // 8,640 polls at 5 min

struct Lcg {
    std::uint64_t state;
    std::uint64_t next() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return state >> 17;
    }
};

// A 5-minute poll with ±1 s jitter, ~3% offline, and a hole (> max_gap) every ~200 polls.
std::vector<Observation> make_polls(std::int64_t n, std::uint64_t seed = 7) {
    Lcg rng{seed};
    std::vector<Observation> v;
    v.reserve(static_cast<std::size_t>(n));
    Micros t = 1'700'000'000LL * kSec;
    for (std::int64_t i = 0; i < n; ++i) {
        v.push_back(Observation{t, rng.next() % 100 >= 3});
        Micros step = 300 * kSec + static_cast<Micros>(rng.next() % (2 * kSec)) - kSec;
        if (rng.next() % 200 == 0) step += 3600 * kSec;
        t += step;
    }
    return v;
}

Window inner_window(const std::vector<Observation>& v) {
    // Cut both ends inside a cover, as a score window usually does.
    return Window::bounded(v.front().at + 123 * kSec, v.back().at + 77 * kSec);
}

void BM_Measure(benchmark::State& state) {
    const std::vector<Observation> v = make_polls(state.range(0));
    const Window w = inner_window(v);
    for (auto _ : state) {
        reliability::Availability r = reliability::measure(v, w, kMaxGap);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_Measure)->Arg(kThirtyDays)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

void BM_MeasureUnbounded(benchmark::State& state) {
    const std::vector<Observation> v = make_polls(state.range(0));
    for (auto _ : state) {
        reliability::Availability r = reliability::measure(v, Window::unbounded(), kMaxGap);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_MeasureUnbounded)->Arg(kThirtyDays)->Unit(benchmark::kMicrosecond);

// A 1-day window at the end of a long history: the binary search skips the rest.
void BM_MeasureLastDayOfLongHistory(benchmark::State& state) {
    const std::vector<Observation> v = make_polls(state.range(0));
    const Window w = Window::bounded(v.back().at - 86'400 * kSec, v.back().at);
    for (auto _ : state) {
        reliability::Availability r = reliability::measure(v, w, kMaxGap);
        benchmark::DoNotOptimize(r);
    }
}
BENCHMARK(BM_MeasureLastDayOfLongHistory)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

void BM_SortAndCheckSorted(benchmark::State& state) {
    const std::vector<Observation> sorted = make_polls(state.range(0));
    std::vector<Observation> work;
    for (auto _ : state) {
        state.PauseTiming();
        work = sorted;
        state.ResumeTiming();
        reliability::sort_and_check(work);
        benchmark::DoNotOptimize(work.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SortAndCheckSorted)->Arg(kThirtyDays)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

void BM_SortAndCheckShuffled(benchmark::State& state) {
    std::vector<Observation> shuffled = make_polls(state.range(0));
    Lcg rng{99};
    for (std::size_t i = shuffled.size() - 1; i > 0; --i) std::swap(shuffled[i], shuffled[rng.next() % (i + 1)]);
    std::vector<Observation> work;
    for (auto _ : state) {
        state.PauseTiming();
        work = shuffled;
        state.ResumeTiming();
        reliability::sort_and_check(work);
        benchmark::DoNotOptimize(work.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_SortAndCheckShuffled)->Arg(kThirtyDays)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

ObservationSet make_set(const std::vector<Observation>& v) {
    ObservationSet s;
    s.set_parameters(inner_window(v), kMaxGap);
    for (const Observation& o : v) s.add(o.at, o.online);
    return s;
}

void BM_ObservationSetSerialize(benchmark::State& state) {
    const ObservationSet s = make_set(make_polls(state.range(0)));
    for (auto _ : state) {
        std::string bytes = s.serialize();
        benchmark::DoNotOptimize(bytes.data());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(s.serialize().size()));
}
BENCHMARK(BM_ObservationSetSerialize)->Arg(kThirtyDays)->Unit(benchmark::kMicrosecond);

void BM_ObservationSetDeserialize(benchmark::State& state) {
    const std::string bytes = make_set(make_polls(state.range(0))).serialize();
    for (auto _ : state) {
        ObservationSet s = ObservationSet::deserialize(bytes.data(), bytes.size());
        benchmark::DoNotOptimize(s);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
    state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(bytes.size()));
}
BENCHMARK(BM_ObservationSetDeserialize)->Arg(kThirtyDays)->Unit(benchmark::kMicrosecond);

// The aggregate's transition function: one add() per row into a fresh state.
void BM_ObservationSetAdd(benchmark::State& state) {
    const std::vector<Observation> v = make_polls(state.range(0));
    for (auto _ : state) {
        ObservationSet s;
        s.set_parameters(Window::unbounded(), kMaxGap);
        for (const Observation& o : v) s.add(o.at, o.online);
        benchmark::DoNotOptimize(s.size());
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ObservationSetAdd)->Arg(kThirtyDays)->Arg(1'000'000)->Unit(benchmark::kMicrosecond);

// The whole final function of the aggregate: sort/check + sweep, from an unsorted state.
void BM_ObservationSetMeasureShuffled(benchmark::State& state) {
    std::vector<Observation> v = make_polls(state.range(0));
    const Window w = inner_window(v);
    Lcg rng{5};
    for (std::size_t i = v.size() - 1; i > 0; --i) std::swap(v[i], v[rng.next() % (i + 1)]);
    for (auto _ : state) {
        state.PauseTiming();
        ObservationSet s;
        s.set_parameters(w, kMaxGap);
        for (const Observation& o : v) s.add(o.at, o.online);
        state.ResumeTiming();
        reliability::Availability r = s.measure(kMaxGap);
        benchmark::DoNotOptimize(r);
    }
    state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_ObservationSetMeasureShuffled)->Arg(kThirtyDays)->Unit(benchmark::kMicrosecond);

}  // namespace
