// A machine's timeline (SPEC §11, periods()): the covers of §2 clipped to a window, merged
// into maximal stretches of one state, with the time no cover reaches as unknown.
#pragma once

#include <cstddef>

#include "observation.hpp"
#include "window.hpp"

namespace reliability {

enum class PeriodState { Online, Offline, Unknown };

struct Period {
    PeriodState state;
    Micros from, to;  // [from, to), from < to
};

// The most periods timeline() writes for n observations: each cover and the gap before it,
// and the gap after the last.
inline std::size_t timeline_capacity(std::size_t n) { return 2 * n + 1; }

// Writes the periods of [a, b) oldest first into out (room for timeline_capacity(n)) and
// returns how many: consecutive periods differ in state and together cover the window
// exactly, resolved as measure() resolves it (an unbounded side ends at the first observation
// or at the end of the last cover); none for an empty window. `sorted` must be strictly
// increasing in time and hold every row from max_gap before a on, and the first row at or
// after b (it ends the cover before it); max_gap_us must be positive.
std::size_t timeline(const Observation* sorted, std::size_t n, const Window& window, Micros max_gap_us, Period* out);

}  // namespace reliability
