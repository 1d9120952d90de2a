#include "timeline.hpp"

#include "availability.hpp"

namespace reliability {

std::size_t timeline(const Observation* obs, std::size_t n, const Window& window, Micros max_gap_us, Period* out) {
    check_max_gap(max_gap_us);
    const std::optional<ResolvedWindow> w = resolve_window(obs, n, window, max_gap_us);
    if (!w) return 0;
    const Micros a = w->a, b = w->b;

    std::size_t count = 0;
    auto append = [&](PeriodState state, Micros from, Micros to) {
        if (count > 0 && out[count - 1].state == state && out[count - 1].to == from) {
            out[count - 1].to = to;  // contiguous and in the same state: one stretch
        } else {
            out[count++] = Period{state, from, to};
        }
    };
    Micros reached = a;  // the window is accounted for up to here
    for_each_clipped_cover(obs, n, a, b, max_gap_us, [&](Micros lo, Micros hi, bool online) {
        if (lo > reached) append(PeriodState::Unknown, reached, lo);
        append(online ? PeriodState::Online : PeriodState::Offline, lo, hi);
        reached = hi;
    });
    if (reached < b) append(PeriodState::Unknown, reached, b);
    return count;
}

}  // namespace reliability
