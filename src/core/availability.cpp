#include "availability.hpp"

#include <algorithm>

#include "interrupt.hpp"

#include <boost/accumulators/accumulators.hpp>
#include <boost/accumulators/statistics/count.hpp>
#include <boost/accumulators/statistics/max.hpp>
#include <boost/accumulators/statistics/stats.hpp>
#include <boost/accumulators/statistics/sum.hpp>

namespace reliability {

namespace acc = boost::accumulators;

namespace {

// Run lengths are exact integers; the mean is taken once, at the end, from the exact sum.
using RunAccumulator = acc::accumulator_set<Micros, acc::stats<acc::tag::count, acc::tag::sum, acc::tag::max>>;

RunStats to_stats(const RunAccumulator& a) {
    RunStats s;
    s.count = static_cast<std::int64_t>(acc::count(a));
    if (s.count > 0) {
        s.total_us = acc::sum(a);
        s.longest_us = acc::max(a);
    }
    return s;
}

std::optional<double> ratio(Micros num, Micros den) {
    if (den <= 0) return std::nullopt;
    return static_cast<double>(num) / static_cast<double>(den);
}

std::optional<double> mean_seconds(const RunStats& s) {
    if (s.count == 0) return std::nullopt;
    return static_cast<double>(s.total_us) / (static_cast<double>(s.count) * 1e6);
}

}  // namespace

std::optional<double> Availability::uptime() const { return ratio(online_us, covered_us()); }
std::optional<double> Availability::coverage() const { return ratio(covered_us(), window_us); }
std::optional<double> Availability::mean_outage_seconds() const { return mean_seconds(offline_runs); }
std::optional<double> Availability::mean_online_seconds() const { return mean_seconds(online_runs); }
std::optional<double> Availability::longest_outage_seconds() const {
    if (offline_runs.count == 0) return std::nullopt;
    return to_seconds(offline_runs.longest_us);
}

void check_max_gap(Micros max_gap_us) {
    if (max_gap_us <= 0) throw Error(ErrorKind::InvalidParameter, "max_gap must be positive");
}

std::optional<ResolvedWindow> resolve_window(const Observation* obs, std::size_t n, const Window& window,
                                             Micros max_gap_us) {
    if (window.empty) return std::nullopt;
    if (n == 0 && (!window.lower || !window.upper)) return std::nullopt;  // unbounded, nothing to anchor it
    const Micros a = window.lower ? *window.lower : obs[0].at;
    const Micros b = window.upper ? *window.upper : saturating_add(obs[n - 1].at, max_gap_us);
    if (a >= b) return std::nullopt;
    return ResolvedWindow{a, b};
}

Availability measure(const Observation* obs, std::size_t n, const Window& window, Micros max_gap_us) {
    check_max_gap(max_gap_us);
    Availability out;
    const std::optional<ResolvedWindow> w = resolve_window(obs, n, window, max_gap_us);
    if (!w) return out;
    const Micros a = w->a, b = w->b;
    out.window_us = checked_sub(b, a);

    RunAccumulator online_runs, offline_runs;
    bool in_run = false;
    bool run_state = false;
    Micros run_start = 0, run_end = 0;
    auto close_run = [&] {
        if (!in_run) return;
        (run_state ? online_runs : offline_runs)(run_end - run_start);
        in_run = false;
    };
    for_each_clipped_cover(obs, n, a, b, max_gap_us, [&](Micros lo, Micros hi, bool online) {
        (online ? out.online_us : out.offline_us) += hi - lo;
        if (in_run && run_state == online && run_end == lo) {
            run_end = hi;  // contiguous and in the same state: the run goes on
        } else {
            close_run();
            in_run = true;
            run_state = online;
            run_start = lo;
            run_end = hi;
        }
    });
    close_run();
    out.online_runs = to_stats(online_runs);
    out.offline_runs = to_stats(offline_runs);
    return out;
}

}  // namespace reliability
