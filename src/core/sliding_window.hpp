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

#include "observation.hpp"

namespace reliability {

struct WindowTotals {
    Micros online_us = 0;
    Micros offline_us = 0;
};

// Covered online/offline time within [from, to) of the given rows, which must include every
// observation in [from - max_gap, to) and be sorted without duplicates.
WindowTotals covered_between(const Observation* rows, std::size_t n, Micros from, Micros to, Micros max_gap_us);

struct SlideInput {
    WindowTotals cached;  // over [a1, b1), computed before the `fresh` rows existed
    Micros a1 = 0, b1 = 0, a2 = 0, b2 = 0;
    Micros max_gap_us = 0;
    Micros tail_start = 0;                     // c = min(b1, earliest fresh row)
    const Observation* head = nullptr;         // every row in [a1 - max_gap, a2), sorted
    std::size_t head_n = 0;
    const Observation* tail = nullptr;         // every row (old and fresh) in [c - max_gap, b2), sorted
    std::size_t tail_n = 0;
    const Micros* fresh = nullptr;             // times of the rows added since `cached`, sorted
    std::size_t fresh_n = 0;
};

// Where the two ends of the window must be read for a slide, or nullopt when the slide
// does not apply (the window jumped past its old end, or a fresh row lies before a2).
struct SlideRanges {
    Micros head_from, head_to;  // [a1 - max_gap, a2)
    Micros tail_from, tail_to;  // [c - max_gap, b2)
    Micros tail_start;          // c
};
std::optional<SlideRanges> plan_slide(Micros a1, Micros b1, Micros a2, Micros b2, std::optional<Micros> earliest_fresh,
                                      Micros max_gap_us);

// The totals over [a2, b2); nullopt if they would be inconsistent (then recompute in full).
std::optional<WindowTotals> slide(const SlideInput& in);

}  // namespace reliability
