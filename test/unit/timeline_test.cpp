// timeline.hpp (SPEC §11 periods()): hand-computed timelines, then the law that ties it to
// §2: on any data and window the periods tile the resolved window, alternate in state, and
// their online / offline / unknown lengths and the number of online and offline stretches
// are measure()'s totals and run counts.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "availability.hpp"
#include "test_support.hpp"
#include "timeline.hpp"

namespace reliability {
namespace {

using namespace reliability::testing;

std::vector<Period> periods(const std::vector<Observation>& rows, const Window& w, Micros gap = 15 * kMin) {
    std::vector<Period> out(timeline_capacity(rows.size()));
    out.resize(timeline(rows.data(), rows.size(), w, gap, out.data()));
    return out;
}

void expect_period(const Period& p, PeriodState state, Micros from, Micros to) {
    EXPECT_EQ(p.state, state);
    EXPECT_EQ(p.from, from);
    EXPECT_EQ(p.to, to);
}

TEST(Timeline, StatesGapsAndWindowEdges) {
    // on at 0 and 10 min (one stretch), off at 20, a gap after 35 (max_gap 15), on at 50
    const std::vector<Observation> rows{on(0), on(10 * kMin), off(20 * kMin), on(50 * kMin)};
    auto p = periods(rows, Window::bounded(5 * kMin, 60 * kMin));
    ASSERT_EQ(p.size(), 4u);
    expect_period(p[0], PeriodState::Online, 5 * kMin, 20 * kMin);
    expect_period(p[1], PeriodState::Offline, 20 * kMin, 35 * kMin);
    expect_period(p[2], PeriodState::Unknown, 35 * kMin, 50 * kMin);
    expect_period(p[3], PeriodState::Online, 50 * kMin, 60 * kMin);
    // before the first observation is unknown; unbounded sides end where the data does
    p = periods(rows, Window::bounded(-10 * kMin, 10 * kMin));
    ASSERT_EQ(p.size(), 2u);
    expect_period(p[0], PeriodState::Unknown, -10 * kMin, 0);
    expect_period(p[1], PeriodState::Online, 0, 10 * kMin);
    p = periods(rows, Window::unbounded());
    ASSERT_EQ(p.size(), 4u);
    EXPECT_EQ(p.front().from, 0);
    EXPECT_EQ(p.back().to, 65 * kMin);
}

TEST(Timeline, EmptyAndDataless) {
    const std::vector<Observation> none;
    EXPECT_TRUE(periods(none, Window::unbounded()).empty());
    EXPECT_TRUE(periods(none, Window::nothing()).empty());
    EXPECT_TRUE(periods({on(0)}, Window::bounded(kHour, kHour)).empty());
    auto p = periods(none, Window::bounded(0, kHour));
    ASSERT_EQ(p.size(), 1u);
    expect_period(p[0], PeriodState::Unknown, 0, kHour);
    // a row at or after b only ends the cover before it
    p = periods({off(0), on(10 * kMin)}, Window::bounded(0, 10 * kMin));
    ASSERT_EQ(p.size(), 1u);
    expect_period(p[0], PeriodState::Offline, 0, 10 * kMin);
}

TEST(Timeline, AgreesWithMeasureOnRandomData) {
    std::mt19937 rng(5);
    for (int round = 0; round < 500; ++round) {
        std::vector<Observation> rows;
        Micros t = static_cast<Micros>(rng() % 1000) * kSec;
        const int n = static_cast<int>(rng() % 40);
        for (int i = 0; i < n; ++i) {
            rows.push_back(Observation{t, rng() % 3 != 0});
            t += static_cast<Micros>(1 + rng() % 1800) * kSec + static_cast<Micros>(rng() % 7);
        }
        const Micros gap = static_cast<Micros>(1 + rng() % 20) * kMin;
        Window w = Window::bounded(static_cast<Micros>(rng() % 20000) * kSec, static_cast<Micros>(rng() % 40000) * kSec);
        if (round % 7 == 0) w.lower.reset();
        if (round % 11 == 0) w.upper.reset();
        const auto p = periods(rows, w, gap);
        const Availability a = measure(rows, w, gap);
        Micros online = 0, offline = 0, unknown = 0;
        std::int64_t online_runs = 0, offline_runs = 0;
        for (std::size_t k = 0; k < p.size(); ++k) {
            ASSERT_LT(p[k].from, p[k].to);
            if (k > 0) {
                EXPECT_EQ(p[k].from, p[k - 1].to);
                EXPECT_NE(p[k].state, p[k - 1].state);
            }
            const Micros len = p[k].to - p[k].from;
            switch (p[k].state) {
                case PeriodState::Online: online += len; ++online_runs; break;
                case PeriodState::Offline: offline += len; ++offline_runs; break;
                case PeriodState::Unknown: unknown += len; break;
            }
        }
        EXPECT_EQ(online, a.online_us);
        EXPECT_EQ(offline, a.offline_us);
        EXPECT_EQ(unknown, a.unknown_us());
        EXPECT_EQ(online_runs, a.online_runs.count);
        EXPECT_EQ(offline_runs, a.offline_runs.count);
        if (!p.empty()) {
            EXPECT_EQ(p.back().to - p.front().from, a.window_us);
        }
    }
}

}  // namespace
}  // namespace reliability
