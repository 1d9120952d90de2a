// The uptime sweep of SPEC §2: observations -> covers (bounded by max_gap) -> clipped
// to a window -> online / offline / unknown time and the runs between them.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>

#include "interrupt.hpp"
#include "observation.hpp"
#include "window.hpp"

namespace reliability {

struct RunStats {
    std::int64_t count = 0;
    Micros total_us = 0;
    Micros longest_us = 0;
};

struct Availability {
    Micros window_us = 0;  // b - a after resolving unbounded sides; 0 for an empty window
    Micros online_us = 0;
    Micros offline_us = 0;
    RunStats online_runs;
    RunStats offline_runs;  // outages

    Micros covered_us() const { return online_us + offline_us; }
    Micros unknown_us() const { return window_us - covered_us(); }
    std::optional<double> uptime() const;     // online / covered, none when nothing is covered
    std::optional<double> coverage() const;   // covered / window, none for an empty window
    std::optional<double> mean_outage_seconds() const;
    std::optional<double> mean_online_seconds() const;
    std::optional<double> longest_outage_seconds() const;
};

// [a, b) of the window once the observations resolve its open sides (an open side ends where
// the observations do: at the first one, or at the end of the last cover); none when that
// leaves nothing (an empty window, an open one without observations, a >= b).
struct ResolvedWindow {
    Micros a, b;
};
std::optional<ResolvedWindow> resolve_window(const Observation* sorted, std::size_t n, const Window& window,
                                             Micros max_gap_us);

// The sweep itself: calls f(lo, hi, online) for every cover clipped to [a, b) that is not
// empty, in time order. `sorted` must be strictly increasing in time. Covers that start
// before a - max_gap end before a: one binary search skips them.
template <class F>
void for_each_clipped_cover(const Observation* sorted, std::size_t n, Micros a, Micros b, Micros max_gap_us, F&& f) {
    const Micros first_relevant = saturating_sub(a, max_gap_us);
    std::size_t i = static_cast<std::size_t>(
        std::lower_bound(sorted, sorted + n, Observation{first_relevant, false}) - sorted);
    for (; i < n && sorted[i].at < b; ++i) {
        if ((i & 0xFFFF) == 0) poll_interrupt();
        const Micros cover_end = saturating_add(sorted[i].at, max_gap_us);
        const Micros end = (i + 1 < n) ? std::min(sorted[i + 1].at, cover_end) : cover_end;
        const Micros lo = std::max(sorted[i].at, a);
        const Micros hi = std::min(end, b);
        if (hi > lo) f(lo, hi, sorted[i].online);
    }
}

// `sorted` must be strictly increasing in time; max_gap_us must be positive.
Availability measure(const Observation* sorted, std::size_t n, const Window& window, Micros max_gap_us);

inline Availability measure(const std::vector<Observation>& sorted, const Window& window, Micros max_gap_us) {
    return measure(sorted.data(), sorted.size(), window, max_gap_us);
}

// Throws InvalidParameter unless max_gap is positive (SPEC §2).
void check_max_gap(Micros max_gap_us);

}  // namespace reliability
