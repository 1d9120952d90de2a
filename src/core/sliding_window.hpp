// Moving a machine's score window forward without rescanning it (SPEC §5).
//
// A cached window [a1, b1) holds exact online/offline microseconds. When the window moves
// to [a2, b2) and new observations arrived (all at or after c = min(b1, earliest new)),
// the new totals are
//     cached - f_old([a1, a2)) - f_old([c, b1)) + f_new([c, b2))
// where f(I) is the covered time of the observations inside I. Only the rows near the two
// ends of the window are needed: those in [a1 - max_gap, a2) and in [c - max_gap, b2),
// since a cover is never longer than max_gap.
#pragma once

#include <cstddef>
#include <optional>
#include <vector>

#include "observation.hpp"

namespace reliability {

struct WindowTotals {
    Micros online_us = 0;
    Micros offline_us = 0;
};

// Covered online/offline time within [from, to) of the given rows, which must include every
// observation in [from - max_gap, to) and be sorted without duplicates.
WindowTotals covered_between(const Observation* rows, std::size_t n, Micros from, Micros to, Micros max_gap_us);

// A read-only view of contiguous values (std::span is C++20).
template <typename T>
struct Span {
    const T* data = nullptr;
    std::size_t size = 0;
    Span() = default;
    Span(const T* d, std::size_t n) : data(d), size(n) {}
    Span(const std::vector<T>& v) : data(v.data()), size(v.size()) {}  // NOLINT: implicit on purpose
};

// How a cached window [a1, b1) moves to [a2, b2): where its two ends must be read.
struct SlidePlan {
    Micros a1, b1, a2, b2, max_gap_us;
    Micros head_from, head_to;  // [a1 - max_gap, a2): every row there is needed
    Micros tail_from, tail_to;  // [c - max_gap, b2)
    Micros tail_start;          // c = min(b1, earliest fresh row)
};

// The plan, or nullopt when the slide does not apply (the window moved backwards, jumped
// past its old end, or a fresh row lies before a2): then recompute in full.
std::optional<SlidePlan> plan_slide(Micros a1, Micros b1, Micros a2, Micros b2, std::optional<Micros> earliest_fresh,
                                    Micros max_gap_us);

// The totals over [a2, b2) from the cached ones over [a1, b1) (computed before the fresh
// rows existed), every row in the plan's head and tail ranges (sorted, old and fresh alike)
// and the sorted times of the fresh rows that lie before b1 (later ones cannot change the
// cached window). nullopt if they would be inconsistent (then recompute in full).
std::optional<WindowTotals> slide(const SlidePlan& plan, const WindowTotals& cached, Span<Observation> head,
                                  Span<Observation> tail, Span<Micros> fresh);

}  // namespace reliability
