// libFuzzer harness for the uptime sweep of SPEC §2: arbitrary observations (any int64 time,
// duplicates allowed), arbitrary windows (empty, open sides, extremes) and max_gap (also
// <= 0) through ObservationSet / sort_and_check / measure.
//
// Checked on every input:
//  - the only exception is reliability::Error, of exactly the kind the input calls for
//    (DuplicateValue, InvalidParameter for max_gap <= 0, OutOfRange for a window longer
//    than int64 microseconds) and thrown exactly when the input calls for it;
//  - online + offline = covered <= window, unknown >= 0, the window length is the resolved b - a;
//  - uptime / coverage lie in [0, 1] when present and are present exactly when defined;
//  - run statistics are consistent (outages == 0 <=> no mean / longest outage, run totals
//    equal the state totals, longest <= covered, ...);
//  - merging two halves (directly, in either order, and through serialize/deserialize)
//    measures the same as the whole;
//  - when the resolved window is short, every field equals a brute-force oracle that decides
//    the state of each microsecond of the window independently.
//
// Input layout (read front to back, zeros when exhausted):
//   mode byte: bits 0-2 window kind, bit 3 "small" mode (times = base + int16 offsets),
//              bit 4 max_gap stored in the set (else only passed to measure),
//              bit 5 also merge into a parameterless set, bit 6 install a cancelling interrupt poll
//   split byte: where the observations are cut in two for the merge check
//   small mode: base time, lower offset (i16), upper offset (i16), max_gap (i16),
//               then per observation: online byte, offset (i16)
//   generic:    lower time, upper time, max_gap time, then per observation: online byte, time
#include <algorithm>
#include <cstdint>
#include <exception>
#include <optional>
#include <string>
#include <vector>

#include "availability.hpp"
#include "fuzz_common.hpp"
#include "interrupt.hpp"
#include "observation.hpp"
#include "observation_set.hpp"

using reliability::Availability;
using reliability::ErrorKind;
using reliability::Micros;
using reliability::Observation;
using reliability::ObservationSet;
using reliability::Window;

namespace {

using i128 = __int128;

constexpr i128 kOracleMaxWindow = 1 << 14;

struct Input {
    Window window;
    Micros max_gap = 0;
    bool gap_in_set = false;
    bool merge_parameterless = false;
    bool cancel = false;
    std::size_t split = 0;
    std::vector<Observation> observations;  // input order, unsorted, duplicates possible
};

Input parse(const std::uint8_t* data, std::size_t size) {
    fuzz::Reader r(data, size);
    Input in;
    const std::uint8_t mode = r.u8();
    const std::uint8_t split = r.u8();
    const bool small = (mode & 0x08) != 0;
    in.gap_in_set = (mode & 0x10) != 0;
    in.merge_parameterless = (mode & 0x20) != 0;
    in.cancel = (mode & 0x40) != 0;

    Micros lower, upper, base = 0;
    if (small) {
        base = r.time();
        lower = fuzz::wrap_add(base, r.i16());
        upper = fuzz::wrap_add(base, r.i16());
        in.max_gap = r.i16();
    } else {
        lower = r.time();
        upper = r.time();
        in.max_gap = r.time();
    }
    switch (mode & 0x07) {
        case 0: in.window = Window::nothing(); break;
        case 1: in.window = Window{false, lower, std::nullopt}; break;
        case 2: in.window = Window{false, std::nullopt, upper}; break;
        case 3: in.window = Window::unbounded(); break;
        case 4: in.window = Window{true, lower, upper}; break;  // empty wins over bounds
        default: in.window = Window::bounded(lower, upper); break;
    }
    while (!r.empty()) {
        const bool online = (r.u8() & 1) != 0;
        const Micros at = small ? fuzz::wrap_add(base, r.i16()) : r.time();
        in.observations.push_back(Observation{at, online});
    }
    in.split = in.observations.empty() ? 0 : split % (in.observations.size() + 1);
    return in;
}

// What measure() must do with this input, worked out independently of the implementation.
struct Expected {
    std::optional<ErrorKind> error;
    Micros a = 0, b = 0;  // the resolved window, when window_us > 0
    Micros window_us = 0;
};

Expected expect(const Input& in, const std::vector<Observation>& sorted) {
    Expected e;
    bool duplicate = false;
    for (std::size_t i = 1; i < sorted.size(); ++i) duplicate |= sorted[i - 1].at == sorted[i].at;
    if (in.gap_in_set && in.max_gap <= 0) { e.error = ErrorKind::InvalidParameter; return e; }
    if (duplicate) { e.error = ErrorKind::DuplicateValue; return e; }
    if (in.max_gap <= 0) { e.error = ErrorKind::InvalidParameter; return e; }
    const Window& w = in.window;
    if (w.empty) return e;
    if (sorted.empty() && (!w.lower || !w.upper)) return e;
    const i128 a = w.lower ? *w.lower : sorted.front().at;
    i128 b = w.upper ? i128(*w.upper) : i128(sorted.back().at) + in.max_gap;
    b = std::min<i128>(b, reliability::kMaxMicros);  // the last cover saturates at the end of time
    if (a >= b) return e;
    if (b - a > reliability::kMaxMicros) { e.error = ErrorKind::OutOfRange; return e; }
    e.a = static_cast<Micros>(a);
    e.b = static_cast<Micros>(b);
    e.window_us = static_cast<Micros>(b - a);
    return e;
}

// Outcome of one measurement: the error kind, or the result.
struct Outcome {
    std::optional<ErrorKind> error;
    Availability result;
};

bool same(const reliability::RunStats& x, const reliability::RunStats& y) {
    return x.count == y.count && x.total_us == y.total_us && x.longest_us == y.longest_us;
}

bool same(const Outcome& x, const Outcome& y) {
    if (x.error || y.error) return x.error == y.error;
    const Availability& p = x.result;
    const Availability& q = y.result;
    return p.window_us == q.window_us && p.online_us == q.online_us && p.offline_us == q.offline_us &&
           same(p.online_runs, q.online_runs) && same(p.offline_runs, q.offline_runs);
}

ObservationSet make_set(const Input& in, std::size_t from, std::size_t to, std::optional<ErrorKind>& error) {
    ObservationSet set;
    ErrorKind kind{};
    const std::optional<Micros> gap = in.gap_in_set ? std::optional<Micros>(in.max_gap) : std::nullopt;
    if (!fuzz::run([&] { set.set_parameters(in.window, gap); }, kind)) {
        error = kind;
        return set;
    }
    FUZZ_CHECK(set.has_parameters() && set.window() == in.window && set.max_gap() == gap);
    // Setting the same parameters again is allowed.
    FUZZ_CHECK(fuzz::run([&] { set.set_parameters(in.window, gap); }, kind));
    for (std::size_t i = from; i < to; ++i) set.add(in.observations[i].at, in.observations[i].online);
    FUZZ_CHECK(set.size() == to - from);
    return set;
}

Outcome measure_set(ObservationSet& set, Micros max_gap) {
    Outcome o;
    ErrorKind kind{};
    if (!fuzz::run([&] { o.result = set.measure(max_gap); }, kind)) o.error = kind;
    return o;
}

ObservationSet round_trip(const ObservationSet& set) {
    const std::string bytes = set.serialize();
    ObservationSet copy = ObservationSet::deserialize(bytes.data(), bytes.size());  // must not throw
    FUZZ_CHECK(copy.serialize() == bytes);
    FUZZ_CHECK(copy.size() == set.size() && copy.window() == set.window() && copy.max_gap() == set.max_gap());
    return copy;
}

void check_invariants(const Availability& r, const Expected& e, std::size_t n) {
    FUZZ_CHECK(r.window_us == e.window_us);
    FUZZ_CHECK(r.window_us >= 0);
    FUZZ_CHECK(r.online_us >= 0 && r.offline_us >= 0);
    FUZZ_CHECK(i128(r.online_us) + r.offline_us == r.covered_us());
    FUZZ_CHECK(r.covered_us() <= r.window_us);
    FUZZ_CHECK(r.unknown_us() >= 0);
    FUZZ_CHECK(r.unknown_us() + r.covered_us() == r.window_us);

    const auto up = r.uptime();
    FUZZ_CHECK(up.has_value() == (r.covered_us() > 0));
    if (up) FUZZ_CHECK(*up >= 0.0 && *up <= 1.0);
    const auto cov = r.coverage();
    FUZZ_CHECK(cov.has_value() == (r.window_us > 0));
    if (cov) FUZZ_CHECK(*cov >= 0.0 && *cov <= 1.0);

    // Every covered microsecond lies in exactly one run of its state; runs have positive length.
    for (const auto* s : {&r.online_runs, &r.offline_runs}) {
        FUZZ_CHECK(s->count >= 0);
        FUZZ_CHECK(static_cast<std::size_t>(s->count) <= n);
        FUZZ_CHECK((s->count == 0) == (s->total_us == 0));
        FUZZ_CHECK(s->longest_us >= 0 && s->longest_us <= s->total_us);
        if (s->count > 0) FUZZ_CHECK(i128(s->longest_us) * s->count >= s->total_us && s->longest_us > 0);
    }
    FUZZ_CHECK(r.online_runs.total_us == r.online_us);
    FUZZ_CHECK(r.offline_runs.total_us == r.offline_us);
    // Runs alternate with gaps or with each other: their counts differ by at most... anything,
    // (unknown time separates runs of the same state), but each needs an observation.
    FUZZ_CHECK(static_cast<std::size_t>(r.online_runs.count + r.offline_runs.count) <= n);

    const auto mean_out = r.mean_outage_seconds();
    const auto longest_out = r.longest_outage_seconds();
    const auto mean_on = r.mean_online_seconds();
    FUZZ_CHECK((r.offline_runs.count == 0) == !mean_out.has_value());
    FUZZ_CHECK((r.offline_runs.count == 0) == !longest_out.has_value());
    FUZZ_CHECK((r.online_runs.count == 0) == !mean_on.has_value());
    FUZZ_CHECK(r.offline_runs.longest_us <= r.covered_us());
    if (longest_out) {
        FUZZ_CHECK(*longest_out > 0.0 && *longest_out <= reliability::to_seconds(r.covered_us()));
        FUZZ_CHECK(*mean_out > 0.0 && *mean_out <= *longest_out * (1 + 1e-12));
    }
    if (mean_on) {
        FUZZ_CHECK(*mean_on > 0.0 && *mean_on <= reliability::to_seconds(r.online_runs.longest_us) * (1 + 1e-12));
    }
}

// Brute force: the state of every microsecond of [a, b) on its own (SPEC §2: the instant t is
// covered by the last observation at or before it, if t is less than max_gap after it).
void check_oracle(const Availability& r, const Expected& e, const std::vector<Observation>& sorted, Micros gap) {
    if (e.window_us <= 0 || e.window_us > kOracleMaxWindow) return;
    Micros online = 0, offline = 0;
    reliability::RunStats runs[2];  // [offline, online]
    bool in_run = false, run_state = false;
    Micros run_len = 0;
    auto close = [&] {
        if (!in_run) return;
        auto& s = runs[run_state ? 1 : 0];
        s.count += 1;
        s.total_us += run_len;
        s.longest_us = std::max(s.longest_us, run_len);
        in_run = false;
    };
    for (Micros t = e.a; t < e.b; ++t) {
        auto it = std::upper_bound(sorted.begin(), sorted.end(), t,
                                   [](Micros x, const Observation& o) { return x < o.at; });
        const bool covered = it != sorted.begin() && i128(t) < i128(std::prev(it)->at) + gap;
        if (!covered) { close(); continue; }
        const bool state = std::prev(it)->online;
        (state ? online : offline) += 1;
        if (in_run && run_state == state) {
            run_len += 1;
        } else {
            close();
            in_run = true;
            run_state = state;
            run_len = 1;
        }
    }
    close();
    FUZZ_CHECK(r.online_us == online);
    FUZZ_CHECK(r.offline_us == offline);
    FUZZ_CHECK(same(r.online_runs, runs[1]));
    FUZZ_CHECK(same(r.offline_runs, runs[0]));
}

bool g_cancel_now = false;
bool cancel_poll() { return g_cancel_now; }

void fuzz_one(const std::uint8_t* data, std::size_t size) {
    const Input in = parse(data, size);
    const std::size_t n = in.observations.size();

    std::vector<Observation> sorted = in.observations;
    std::stable_sort(sorted.begin(), sorted.end());

    // sort_and_check on its own: throws DuplicateValue exactly when two times are equal.
    {
        std::vector<Observation> v = in.observations;
        bool duplicate = false;
        for (std::size_t i = 1; i < sorted.size(); ++i) duplicate |= sorted[i - 1].at == sorted[i].at;
        ErrorKind kind{};
        const bool ok = fuzz::run([&] { reliability::sort_and_check(v); }, kind);
        FUZZ_CHECK(ok == !duplicate);
        if (!ok) FUZZ_CHECK(kind == ErrorKind::DuplicateValue);
        if (ok) {
            for (std::size_t i = 0; i < n; ++i) FUZZ_CHECK(v[i].at == sorted[i].at && v[i].online == sorted[i].online);
        }
    }
    // check_max_gap on its own.
    {
        ErrorKind kind{};
        const bool ok = fuzz::run([&] { reliability::check_max_gap(in.max_gap); }, kind);
        FUZZ_CHECK(ok == (in.max_gap > 0));
        if (!ok) FUZZ_CHECK(kind == ErrorKind::InvalidParameter);
    }

    const Expected e = expect(in, sorted);

    // The whole group.
    std::optional<ErrorKind> set_error;
    ObservationSet whole = make_set(in, 0, n, set_error);
    Outcome whole_outcome;
    if (set_error) {
        whole_outcome.error = set_error;
    } else {
        (void)round_trip(whole);  // unsorted, maybe with duplicates: must still round-trip
        whole_outcome = measure_set(whole, in.max_gap);
    }
    FUZZ_CHECK(whole_outcome.error == e.error);
    if (whole_outcome.error) {
        // A max_gap that is not positive is reported as InvalidParameter, whatever else is wrong.
        if (in.max_gap <= 0 && in.gap_in_set) FUZZ_CHECK(*whole_outcome.error == ErrorKind::InvalidParameter);
    } else {
        check_invariants(whole_outcome.result, e, n);
        check_oracle(whole_outcome.result, e, sorted, in.max_gap);
        // The free function on the sorted observations gives the same; so does measuring again.
        Outcome direct;
        direct.result = reliability::measure(sorted, in.window, in.max_gap);
        FUZZ_CHECK(same(direct, whole_outcome));
        FUZZ_CHECK(same(measure_set(whole, in.max_gap), whole_outcome));
    }
    if (set_error) return;  // the halves fail the same way when they are built

    // Merge: two halves, either order, directly and through serialize/deserialize.
    std::optional<ErrorKind> unused;
    ObservationSet left = make_set(in, 0, in.split, unused);
    ObservationSet right = make_set(in, in.split, n, unused);
    {
        ObservationSet m = left;
        m.merge(right);
        FUZZ_CHECK(m.size() == n);
        FUZZ_CHECK(same(measure_set(m, in.max_gap), whole_outcome));
    }
    {
        ObservationSet m = right;
        m.merge(left);
        FUZZ_CHECK(same(measure_set(m, in.max_gap), whole_outcome));
    }
    {
        ObservationSet m = round_trip(left);
        m.merge(round_trip(right));
        FUZZ_CHECK(same(measure_set(m, in.max_gap), whole_outcome));
    }
    {
        // Each half in time order (as parallel workers usually produce them): merge() then
        // merges the two sorted runs in place; either order measures the same as the whole.
        std::vector<Observation> lo(in.observations.begin(), in.observations.begin() + static_cast<std::ptrdiff_t>(in.split));
        std::vector<Observation> hi(in.observations.begin() + static_cast<std::ptrdiff_t>(in.split), in.observations.end());
        std::stable_sort(lo.begin(), lo.end());
        std::stable_sort(hi.begin(), hi.end());
        Input sorted_in = in;
        sorted_in.observations = lo;
        sorted_in.observations.insert(sorted_in.observations.end(), hi.begin(), hi.end());
        ObservationSet a = make_set(sorted_in, 0, in.split, unused);
        ObservationSet b = make_set(sorted_in, in.split, n, unused);
        ObservationSet ab = a;
        ab.merge(b);
        FUZZ_CHECK(ab.size() == n);
        FUZZ_CHECK(same(measure_set(ab, in.max_gap), whole_outcome));
        ObservationSet ba = b;
        ba.merge(a);
        FUZZ_CHECK(same(measure_set(ba, in.max_gap), whole_outcome));
    }
    {
        // The aggregate's per-row path: try_add(), falling back to add() when the storage is
        // full, builds the same state as add() alone; serialize_into() writes serialize()'s bytes.
        ObservationSet t;
        t.set_parameters(in.window, in.gap_in_set ? std::optional<Micros>(in.max_gap) : std::nullopt);
        for (const Observation& o : in.observations) {
            if (!t.try_add(o.at, o.online)) t.add(o.at, o.online);
        }
        ObservationSet plain = make_set(in, 0, n, unused);
        const std::string bytes = plain.serialize();
        FUZZ_CHECK(t.serialize() == bytes);
        FUZZ_CHECK(t.serialized_size() == bytes.size());
        std::string into(t.serialized_size(), '\x55');
        t.serialize_into(&into[0]);
        FUZZ_CHECK(into == bytes);
    }
    if (in.merge_parameterless) {
        // A state that never saw a row (no parameters) is the identity of merge, on both sides.
        ObservationSet empty;
        ObservationSet m = round_trip(empty);
        FUZZ_CHECK(!m.has_parameters());
        m.merge(left);
        m.merge(ObservationSet{});
        m.merge(right);
        FUZZ_CHECK(same(measure_set(m, in.max_gap), whole_outcome));
    }
    {
        // Merging sets whose parameters differ is an InvalidParameter error.
        ObservationSet other;
        Window w = in.window;
        w.empty = !w.empty;
        ErrorKind kind{};
        other.set_parameters(w, left.max_gap());
        ObservationSet m = left;
        FUZZ_CHECK(!fuzz::run([&] { m.merge(other); }, kind));
        FUZZ_CHECK(kind == ErrorKind::InvalidParameter);
    }
    if (in.cancel) {
        // A host that asks to stop gets Cancelled, nothing else.
        ObservationSet m = left;
        g_cancel_now = true;
        reliability::set_interrupt_poll(&cancel_poll);
        const Outcome o = measure_set(m, in.max_gap);
        reliability::set_interrupt_poll(nullptr);
        g_cancel_now = false;
        FUZZ_CHECK(o.error == ErrorKind::Cancelled);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    return fuzz::one_input([&] {
        fuzz_one(data, size);
    });
}
