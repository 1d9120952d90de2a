// sliding_window.hpp: moving a cached window forward must give exactly what a full
// recomputation over the new window gives (SPEC §5: the cache equals score() exactly).
// The reference is measure() over all rows and the new window (itself checked by hand in
// availability_test.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <vector>

#include "availability.hpp"
#include "sliding_window.hpp"
#include "test_support.hpp"

namespace reliability {
namespace {

using namespace reliability::testing;

std::vector<Observation> rows_in(const std::vector<Observation>& sorted, Micros from, Micros to) {
    std::vector<Observation> out;
    for (const Observation& o : sorted) {
        if (o.at >= from && o.at < to) out.push_back(o);
    }
    return out;
}

TEST(CoveredBetween, HandComputed) {
    // g = 10 s; on@0, off@10, on@30: covers [0,10) on, [10,20) off, [30,40) on.
    // [5, 35): online 5 + 5 = 10 s, offline 10 s.
    const std::vector<Observation> v{on(0), off(10 * kSec), on(30 * kSec)};
    const WindowTotals t = covered_between(v.data(), v.size(), 5 * kSec, 35 * kSec, 10 * kSec);
    EXPECT_EQ(t.online_us, 10 * kSec);
    EXPECT_EQ(t.offline_us, 10 * kSec);
    const WindowTotals none = covered_between(v.data(), v.size(), 35 * kSec, 35 * kSec, 10 * kSec);
    EXPECT_EQ(none.online_us, 0);
    EXPECT_EQ(none.offline_us, 0);
}

TEST(PlanSlide, HandComputed) {
    // a1 = 100, b1 = 200, a2 = 120, b2 = 230, no fresh rows, g = 15: c = b1 = 200.
    auto p = plan_slide(100, 200, 120, 230, std::nullopt, 15);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->head_from, 85);
    EXPECT_EQ(p->head_to, 120);
    EXPECT_EQ(p->tail_start, 200);
    EXPECT_EQ(p->tail_from, 185);
    EXPECT_EQ(p->tail_to, 230);
    // a fresh row at 150 (inside the old window): c = 150.
    p = plan_slide(100, 200, 120, 230, Micros{150}, 15);
    ASSERT_TRUE(p.has_value());
    EXPECT_EQ(p->tail_start, 150);
    EXPECT_EQ(p->tail_from, 135);
    // a fresh row before a2, a window that jumped past b1, or one moving backwards: no slide.
    EXPECT_FALSE(plan_slide(100, 200, 120, 230, Micros{110}, 15).has_value());
    EXPECT_FALSE(plan_slide(100, 200, 250, 350, std::nullopt, 15).has_value());
    EXPECT_FALSE(plan_slide(100, 200, 90, 230, std::nullopt, 15).has_value());
    EXPECT_FALSE(plan_slide(100, 200, 120, 190, std::nullopt, 15).has_value());
    // c exactly at a2 is fine.
    EXPECT_TRUE(plan_slide(100, 200, 120, 230, Micros{120}, 15).has_value());
}

TEST(Slide, EqualsFullRecomputation) {
    Lcg rng(777);
    int slid = 0;
    for (int trial = 0; trial < 3000; ++trial) {
        // A coarse grid (10 s steps, g = 25 s) so that edges often coincide with rows and cover ends.
        const Micros g = 25 * kSec;
        std::set<Micros> used;
        std::vector<Observation> old_rows;
        for (int i = 0; i < 40; ++i) {
            const Micros t = static_cast<Micros>(rng.below(60)) * 10 * kSec;
            if (used.insert(t).second) old_rows.push_back(Observation{t, rng.below(3) != 0});
        }
        std::sort(old_rows.begin(), old_rows.end());

        const Micros a1 = static_cast<Micros>(rng.below(20)) * 10 * kSec;
        const Micros b1 = a1 + static_cast<Micros>(1 + rng.below(30)) * 10 * kSec;
        const Micros a2 = a1 + static_cast<Micros>(rng.below(15)) * 10 * kSec;
        const Micros b2 = b1 + static_cast<Micros>(rng.below(15)) * 10 * kSec;

        // Fresh rows: at or after some point, possibly inside the old window (late arrivals).
        const Micros fresh_from = a1 + static_cast<Micros>(rng.below(60)) * 10 * kSec;
        std::vector<Micros> fresh;
        std::vector<Observation> all = old_rows;
        const int n_fresh = static_cast<int>(rng.below(5));
        for (int i = 0; i < n_fresh; ++i) {
            const Micros t = fresh_from + static_cast<Micros>(rng.below(20)) * 10 * kSec;
            if (used.insert(t).second) {
                fresh.push_back(t);
                all.push_back(Observation{t, rng.below(2) == 0});
            }
        }
        std::sort(fresh.begin(), fresh.end());
        std::sort(all.begin(), all.end());

        const Availability cached = measure(old_rows, Window::bounded(a1, b1), g);
        const std::optional<Micros> earliest = fresh.empty() ? std::nullopt : std::optional<Micros>(fresh.front());
        const auto plan = plan_slide(a1, b1, a2, b2, earliest, g);
        const Micros c = earliest ? std::min(b1, *earliest) : b1;
        ASSERT_EQ(plan.has_value(), c >= a2) << "trial " << trial;  // a2 >= a1 and b2 >= b1 by construction
        if (!plan) continue;

        const std::vector<Observation> head = rows_in(all, plan->head_from, plan->head_to);
        const std::vector<Observation> tail = rows_in(all, plan->tail_from, plan->tail_to);
        const std::optional<WindowTotals> got = slide(*plan, WindowTotals{cached.online_us, cached.offline_us}, head, tail, fresh);

        const Availability full = measure(all, Window::bounded(a2, b2), g);
        ASSERT_TRUE(got.has_value()) << "trial " << trial;
        ASSERT_EQ(got->online_us, full.online_us) << "trial " << trial;
        ASSERT_EQ(got->offline_us, full.offline_us) << "trial " << trial;
        ++slid;
    }
    EXPECT_GT(slid, 1000);  // the comparison really ran, many times
}

}  // namespace
}  // namespace reliability
