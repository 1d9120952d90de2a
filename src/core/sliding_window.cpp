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

std::optional<SlidePlan> plan_slide(Micros a1, Micros b1, Micros a2, Micros b2, std::optional<Micros> earliest_fresh,
                                    Micros max_gap_us) {
    if (a2 < a1 || b2 < b1) return std::nullopt;
    const Micros c = earliest_fresh ? std::min(b1, *earliest_fresh) : b1;
    if (c < a2) return std::nullopt;  // the head and the changed tail would overlap
    return SlidePlan{a1, b1, a2, b2, max_gap_us, saturating_sub(a1, max_gap_us), a2, saturating_sub(c, max_gap_us), b2, c};
}

std::optional<WindowTotals> slide(const SlidePlan& plan, const WindowTotals& cached, Span<Observation> head,
                                  Span<Observation> tail, Span<Micros> fresh) {
    // The rows that existed when `cached` was computed: the tail minus the fresh ones.
    std::vector<Observation> tail_old;
    tail_old.reserve(tail.size);
    std::size_t j = 0;
    for (std::size_t i = 0; i < tail.size; ++i) {
        while (j < fresh.size && fresh.data[j] < tail.data[i].at) ++j;
        if (j < fresh.size && fresh.data[j] == tail.data[i].at) continue;
        tail_old.push_back(tail.data[i]);
    }

    const Micros gap = plan.max_gap_us;
    const WindowTotals gone = covered_between(head.data, head.size, plan.a1, plan.a2, gap);
    const WindowTotals old_tail = covered_between(tail_old.data(), tail_old.size(), plan.tail_start, plan.b1, gap);
    const WindowTotals new_tail = covered_between(tail.data, tail.size, plan.tail_start, plan.b2, gap);

    WindowTotals out;
    out.online_us = cached.online_us - gone.online_us - old_tail.online_us + new_tail.online_us;
    out.offline_us = cached.offline_us - gone.offline_us - old_tail.offline_us + new_tail.offline_us;
    const Micros length = plan.b2 - plan.a2;
    if (out.online_us < 0 || out.offline_us < 0 || out.online_us > length - out.offline_us) return std::nullopt;
    return out;
}

}  // namespace reliability
