#include "sliding_window.hpp"

#include <algorithm>
#include <vector>

#include "availability.hpp"

namespace reliability {

WindowTotals covered_between(const Observation* rows, std::size_t n, Micros from, Micros to, Micros max_gap_us) {
    if (from >= to) return {};
    Availability a = measure(rows, n, Window::bounded(from, to), max_gap_us);
    return WindowTotals{a.online_us, a.offline_us};
}

std::optional<SlideRanges> plan_slide(Micros a1, Micros b1, Micros a2, Micros b2, std::optional<Micros> earliest_fresh,
                                      Micros max_gap_us) {
    if (a2 < a1 || b2 < b1) return std::nullopt;
    const Micros c = earliest_fresh ? std::min(b1, *earliest_fresh) : b1;
    if (c < a2) return std::nullopt;  // the head and the changed tail would overlap
    return SlideRanges{saturating_sub(a1, max_gap_us), a2, saturating_sub(c, max_gap_us), b2, c};
}

std::optional<WindowTotals> slide(const SlideInput& in) {
    // The rows that existed when `cached` was computed: the tail minus the fresh ones.
    std::vector<Observation> tail_old;
    tail_old.reserve(in.tail_n);
    std::size_t j = 0;
    for (std::size_t i = 0; i < in.tail_n; ++i) {
        while (j < in.fresh_n && in.fresh[j] < in.tail[i].at) ++j;
        if (j < in.fresh_n && in.fresh[j] == in.tail[i].at) continue;
        tail_old.push_back(in.tail[i]);
    }

    const WindowTotals head = covered_between(in.head, in.head_n, in.a1, in.a2, in.max_gap_us);
    const WindowTotals old_tail = covered_between(tail_old.data(), tail_old.size(), in.tail_start, in.b1, in.max_gap_us);
    const WindowTotals new_tail = covered_between(in.tail, in.tail_n, in.tail_start, in.b2, in.max_gap_us);

    WindowTotals out;
    out.online_us = in.cached.online_us - head.online_us - old_tail.online_us + new_tail.online_us;
    out.offline_us = in.cached.offline_us - head.offline_us - old_tail.offline_us + new_tail.offline_us;
    const Micros length = in.b2 - in.a2;
    if (out.online_us < 0 || out.offline_us < 0 || out.online_us > length - out.offline_us) return std::nullopt;
    return out;
}

}  // namespace reliability
