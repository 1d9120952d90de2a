#include "timeline.hpp"

#include <algorithm>

#include "availability.hpp"
#include "interrupt.hpp"

namespace reliability {

std::size_t timeline(const Observation* obs, std::size_t n, const Window& window, Micros max_gap_us, Period* out) {
    check_max_gap(max_gap_us);
    if (window.empty) return 0;
    if (n == 0 && (!window.lower || !window.upper)) return 0;  // unbounded, nothing to anchor it
    const Micros a = window.lower ? *window.lower : obs[0].at;
    const Micros b = window.upper ? *window.upper : saturating_add(obs[n - 1].at, max_gap_us);
    if (a >= b) return 0;

    std::size_t count = 0;
    auto append = [&](PeriodState state, Micros from, Micros to) {
        if (count > 0 && out[count - 1].state == state && out[count - 1].to == from) {
            out[count - 1].to = to;  // contiguous and in the same state: one stretch
        } else {
            out[count++] = Period{state, from, to};
        }
    };
    Micros reached = a;  // the window is accounted for up to here
    const Micros first_relevant = saturating_sub(a, max_gap_us);
    std::size_t i = static_cast<std::size_t>(std::lower_bound(obs, obs + n, Observation{first_relevant, false}) - obs);
    for (; i < n && obs[i].at < b; ++i) {
        if ((i & 0xFFFF) == 0) poll_interrupt();
        const Micros cover_end = saturating_add(obs[i].at, max_gap_us);
        const Micros end = (i + 1 < n) ? std::min(obs[i + 1].at, cover_end) : cover_end;
        const Micros lo = std::max(obs[i].at, a);
        const Micros hi = std::min(end, b);
        if (hi <= lo) continue;
        if (lo > reached) append(PeriodState::Unknown, reached, lo);
        append(obs[i].online ? PeriodState::Online : PeriodState::Offline, lo, hi);
        reached = hi;
    }
    if (reached < b) append(PeriodState::Unknown, reached, b);
    return count;
}

}  // namespace reliability
