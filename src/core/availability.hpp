// The uptime sweep of SPEC §2: observations -> covers (bounded by max_gap) -> clipped
// to a window -> online / offline / unknown time and the runs between them.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>

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

// `sorted` must be strictly increasing in time; max_gap_us must be positive.
Availability measure(const Observation* sorted, std::size_t n, const Window& window, Micros max_gap_us);

inline Availability measure(const std::vector<Observation>& sorted, const Window& window, Micros max_gap_us) {
    return measure(sorted.data(), sorted.size(), window, max_gap_us);
}

// Throws InvalidParameter unless max_gap is positive (SPEC §2).
void check_max_gap(Micros max_gap_us);

}  // namespace reliability
