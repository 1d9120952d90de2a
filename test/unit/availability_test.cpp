// SPEC §2: the availability sweep reliability::measure().
//
// Notation in the comments: times in seconds unless marked µs; cover_i = [t_i, min(t_{i+1}, t_i + g))
// with g = max_gap; W = [a, b). Every expected number is worked out by hand from that rule.
#include <gtest/gtest.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "availability.hpp"
#include "test_support.hpp"

namespace reliability {
namespace {

using namespace reliability::testing;

// ---------------------------------------------------------------------------------------------
// Gaps and contiguity
// ---------------------------------------------------------------------------------------------

TEST(Availability, GapExactlyMaxGapIsContiguousOneRun) {
    // g = 10 s; t = 0, 10, 20 all online; W = [0, 30).
    // cover_1 = [0, min(10, 10)) = [0,10), cover_2 = [10,20), cover_3 = [20,30): touching, one run.
    const std::vector<Observation> obs{on(0), on(10 * kSec), on(20 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 30 * kSec), 10 * kSec);
    EXPECT_EQ(r.window_us, 30 * kSec);
    EXPECT_EQ(r.online_us, 30 * kSec);
    EXPECT_EQ(r.offline_us, 0);
    EXPECT_EQ(r.covered_us(), 30 * kSec);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_EQ(r.uptime(), 1.0);
    EXPECT_EQ(r.coverage(), 1.0);
    EXPECT_EQ(r.online_runs.count, 1);
    EXPECT_EQ(r.online_runs.longest_us, 30 * kSec);
    EXPECT_EQ(r.mean_online_seconds(), 30.0);
    EXPECT_EQ(r.offline_runs.count, 0);
    EXPECT_EQ(r.mean_outage_seconds(), std::nullopt);
    EXPECT_EQ(r.longest_outage_seconds(), std::nullopt);
}

TEST(Availability, GapOneMicrosecondOverMaxGapSplitsRuns) {
    // g = 10 s; t = 0 and 10 s + 1 µs, both online; W = [0, 30 s).
    // cover_1 = [0, min(10s+1µs, 10s)) = [0, 10 s); cover_2 = [10s+1µs, 20s+1µs).
    // online = 10 s + 10 s = 20 s; unknown = 30 s - 20 s = 10 s (incl. the 1 µs hole).
    // The 1 µs of unknown time ends the first run: two online runs of 10 s each.
    const std::vector<Observation> obs{on(0), on(10 * kSec + 1)};
    const Availability r = measure(obs, Window::bounded(0, 30 * kSec), 10 * kSec);
    EXPECT_EQ(r.online_us, 20 * kSec);
    EXPECT_EQ(r.offline_us, 0);
    EXPECT_EQ(r.unknown_us(), 10 * kSec);
    EXPECT_EQ(r.uptime(), 1.0);
    EXPECT_DOUBLE_EQ(*r.coverage(), 20.0 / 30.0);
    EXPECT_EQ(r.online_runs.count, 2);
    EXPECT_EQ(r.online_runs.longest_us, 10 * kSec);
    EXPECT_EQ(r.mean_online_seconds(), 10.0);
}

TEST(Availability, GapOverMaxGapBetweenOfflineObservationsSplitsOutages) {
    // g = 10 s; offline at 0 and 15; W = [0, 25).
    // cover_1 = [0, min(15, 10)) = [0,10); cover_2 = [15, 25). Unknown [10,15) between them.
    // Two outages of 10 s each; unknown 5 s; uptime = 0 / 20 = 0.
    const std::vector<Observation> obs{off(0), off(15 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 25 * kSec), 10 * kSec);
    EXPECT_EQ(r.offline_us, 20 * kSec);
    EXPECT_EQ(r.unknown_us(), 5 * kSec);
    EXPECT_EQ(r.uptime(), 0.0);
    EXPECT_EQ(r.offline_runs.count, 2);
    EXPECT_EQ(r.longest_outage_seconds(), 10.0);
    EXPECT_EQ(r.mean_outage_seconds(), 10.0);
    EXPECT_EQ(r.online_runs.count, 0);
    EXPECT_EQ(r.mean_online_seconds(), std::nullopt);
}

TEST(Availability, StateChangeEndsARunEvenWhenContiguous) {
    // g = 10 s; on@0, off@10, on@20; W = [0, 30).
    // covers [0,10) on, [10,20) off, [20,30) on: 3 runs although all contiguous.
    const std::vector<Observation> obs{on(0), off(10 * kSec), on(20 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 30 * kSec), 10 * kSec);
    EXPECT_EQ(r.online_us, 20 * kSec);
    EXPECT_EQ(r.offline_us, 10 * kSec);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_DOUBLE_EQ(*r.uptime(), 2.0 / 3.0);
    EXPECT_EQ(r.online_runs.count, 2);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.longest_outage_seconds(), 10.0);
    EXPECT_EQ(r.mean_outage_seconds(), 10.0);
    EXPECT_EQ(r.mean_online_seconds(), 10.0);
}

TEST(Availability, NextObservationCutsCoverBeforeMaxGap) {
    // g = 60 s; on@0, off@20; W = [0, 100).
    // cover_1 = [0, min(20, 60)) = [0,20) on; cover_2 = [20, 80) off; unknown [80,100) = 20 s.
    const std::vector<Observation> obs{on(0), off(20 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 100 * kSec), 60 * kSec);
    EXPECT_EQ(r.online_us, 20 * kSec);
    EXPECT_EQ(r.offline_us, 60 * kSec);
    EXPECT_EQ(r.unknown_us(), 20 * kSec);
    EXPECT_DOUBLE_EQ(*r.uptime(), 0.25);
    EXPECT_DOUBLE_EQ(*r.coverage(), 0.8);
}

// ---------------------------------------------------------------------------------------------
// Runs, MTTR, MTBF
// ---------------------------------------------------------------------------------------------

TEST(Availability, RunsOutagesMttrMtbf) {
    // g = 10 s; W = [0, 85).
    //   on@0  -> [0,10)  on
    //   on@10 -> [10,20) on      } online run [0,20)  = 20 s
    //   off@20 -> [20,30) off
    //   off@30 -> [30,40) off    } outage [20,40)     = 20 s
    //   on@40 -> [40,50) on      (next is 65 > 50: unknown [50,65))   online run 10 s
    //   on@65 -> [65,75) on      online run 10 s (unknown before it ends the previous one)
    //   off@75 -> [75,85) off    outage 10 s
    // online = 40, offline = 30, covered = 70, window = 85, unknown = 15.
    // online_runs = 3, MTBF = 40/3; outages = 2, longest = 20, MTTR = 15.
    const std::vector<Observation> obs{on(0),        on(10 * kSec), off(20 * kSec), off(30 * kSec),
                                       on(40 * kSec), on(65 * kSec), off(75 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 85 * kSec), 10 * kSec);
    EXPECT_EQ(r.window_us, 85 * kSec);
    EXPECT_EQ(r.online_us, 40 * kSec);
    EXPECT_EQ(r.offline_us, 30 * kSec);
    EXPECT_EQ(r.covered_us(), 70 * kSec);
    EXPECT_EQ(r.unknown_us(), 15 * kSec);
    EXPECT_DOUBLE_EQ(*r.uptime(), 40.0 / 70.0);
    EXPECT_DOUBLE_EQ(*r.coverage(), 70.0 / 85.0);
    EXPECT_EQ(r.online_runs.count, 3);
    EXPECT_EQ(r.online_runs.longest_us, 20 * kSec);
    EXPECT_DOUBLE_EQ(*r.mean_online_seconds(), 40.0 / 3.0);
    EXPECT_EQ(r.offline_runs.count, 2);
    EXPECT_EQ(r.longest_outage_seconds(), 20.0);
    EXPECT_EQ(r.mean_outage_seconds(), 15.0);
}

TEST(Availability, RunsCutByWindowEdgesCountWithClippedLength) {
    // g = 10 s; on@0, off@10, on@20; W = [5, 25).
    // cover_1 [0,10) ∩ W = [5,10)  on  5 s   (run cut by a)
    // cover_2 [10,20)              off 10 s
    // cover_3 [20,30) ∩ W = [20,25) on 5 s   (run cut by b)
    // online = 10, offline = 10, coverage 1, online_runs 2 (mean 5), one outage of 10.
    const std::vector<Observation> obs{on(0), off(10 * kSec), on(20 * kSec)};
    const Availability r = measure(obs, Window::bounded(5 * kSec, 25 * kSec), 10 * kSec);
    EXPECT_EQ(r.window_us, 20 * kSec);
    EXPECT_EQ(r.online_us, 10 * kSec);
    EXPECT_EQ(r.offline_us, 10 * kSec);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_EQ(r.uptime(), 0.5);
    EXPECT_EQ(r.coverage(), 1.0);
    EXPECT_EQ(r.online_runs.count, 2);
    EXPECT_EQ(r.online_runs.longest_us, 5 * kSec);
    EXPECT_EQ(r.mean_online_seconds(), 5.0);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.longest_outage_seconds(), 10.0);
}

TEST(Availability, OutageCutByBothWindowEdges) {
    // g = 100 s; off@0 only; W = [30, 50) lies inside cover [0,100): one outage of 20 s.
    const std::vector<Observation> obs{off(0)};
    const Availability r = measure(obs, Window::bounded(30 * kSec, 50 * kSec), 100 * kSec);
    EXPECT_EQ(r.offline_us, 20 * kSec);
    EXPECT_EQ(r.online_us, 0);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_EQ(r.uptime(), 0.0);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.longest_outage_seconds(), 20.0);
    EXPECT_EQ(r.mean_outage_seconds(), 20.0);
}

// ---------------------------------------------------------------------------------------------
// Window edges, observations outside the window
// ---------------------------------------------------------------------------------------------

TEST(Availability, ObservationsBeforeWindowCountOnlyThroughTheirCover) {
    // g = 60 s; on@-1000 (cover [-1000,-940), far before W), off@0, on@100; W = [30, 200).
    // cover(off@0) = [0, 60) ∩ W = [30,60): 30 s offline.
    // cover(on@100) = [100,160): 60 s online.
    // window 170, covered 90, unknown 80.
    const std::vector<Observation> obs{on(-1000 * kSec), off(0), on(100 * kSec)};
    const Availability r = measure(obs, Window::bounded(30 * kSec, 200 * kSec), 60 * kSec);
    EXPECT_EQ(r.window_us, 170 * kSec);
    EXPECT_EQ(r.online_us, 60 * kSec);
    EXPECT_EQ(r.offline_us, 30 * kSec);
    EXPECT_EQ(r.unknown_us(), 80 * kSec);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.longest_outage_seconds(), 30.0);
    EXPECT_EQ(r.online_runs.count, 1);
    EXPECT_EQ(r.mean_online_seconds(), 60.0);
}

TEST(Availability, ObservationWhoseCoverEndsExactlyAtWindowStartContributesNothing) {
    // g = 30 s; on@0 covers [0,30); W = [30, 60): nothing reaches in, all unknown.
    const std::vector<Observation> obs{on(0)};
    const Availability r = measure(obs, Window::bounded(30 * kSec, 60 * kSec), 30 * kSec);
    EXPECT_EQ(r.window_us, 30 * kSec);
    EXPECT_EQ(r.covered_us(), 0);
    EXPECT_EQ(r.unknown_us(), 30 * kSec);
    EXPECT_EQ(r.uptime(), std::nullopt);
    EXPECT_EQ(r.coverage(), 0.0);
    EXPECT_EQ(r.online_runs.count, 0);
    EXPECT_EQ(r.mean_online_seconds(), std::nullopt);
}

TEST(Availability, ObservationBeforeWindowCutByAnotherBeforeWindow) {
    // g = 100 s; on@0, off@10 (both before W = [50, 150)).
    // cover(on@0) = [0,10) does not reach W; cover(off@10) = [10,110) ∩ W = [50,110): 60 s off.
    const std::vector<Observation> obs{on(0), off(10 * kSec)};
    const Availability r = measure(obs, Window::bounded(50 * kSec, 150 * kSec), 100 * kSec);
    EXPECT_EQ(r.online_us, 0);
    EXPECT_EQ(r.offline_us, 60 * kSec);
    EXPECT_EQ(r.unknown_us(), 40 * kSec);
    EXPECT_EQ(r.online_runs.count, 0);
    EXPECT_EQ(r.offline_runs.count, 1);
}

TEST(Availability, ObservationsAtOrAfterWindowEndOnlyEndThePreviousCover) {
    // g = 100 s; on@0, off@60, on@100 (= b), off@150 (> b); W = [0, 100).
    // cover(on@0) = [0,60) on 60; cover(off@60) = [60, min(100,160)) = [60,100) off 40.
    // on@100 and off@150 add nothing: their covers start at or after b.
    const std::vector<Observation> obs{on(0), off(60 * kSec), on(100 * kSec), off(150 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 100 * kSec), 100 * kSec);
    EXPECT_EQ(r.online_us, 60 * kSec);
    EXPECT_EQ(r.offline_us, 40 * kSec);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_EQ(r.online_runs.count, 1);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.longest_outage_seconds(), 40.0);

    // Observation just after b cutting the cover of the one before b:
    // on@0 with g = 100 and off@70, W = [0, 50): cover(on@0) = [0,70) ∩ W = [0,50) = 50 s online.
    const std::vector<Observation> obs2{on(0), off(70 * kSec)};
    const Availability r2 = measure(obs2, Window::bounded(0, 50 * kSec), 100 * kSec);
    EXPECT_EQ(r2.online_us, 50 * kSec);
    EXPECT_EQ(r2.offline_us, 0);
    EXPECT_EQ(r2.offline_runs.count, 0);

    // Observation after b cutting the previous cover short *inside* W:
    // on@0, g = 100, off@30, W = [0, 20): cover(on@0) = [0,30) ∩ W = [0,20) -> 20 s online.
    // on@0, off@10, W = [0, 20): cover(on@0) = [0,10), cover(off@10) = [10,110) ∩ W = [10,20).
    const std::vector<Observation> obs3{on(0), off(10 * kSec)};
    const Availability r3 = measure(obs3, Window::bounded(0, 20 * kSec), 100 * kSec);
    EXPECT_EQ(r3.online_us, 10 * kSec);
    EXPECT_EQ(r3.offline_us, 10 * kSec);
}

TEST(Availability, ObservationExactlyAtWindowStartCounts) {
    // g = 10 s; off@100 with W = [100, 105): [100,110) ∩ W = 5 s offline.
    const std::vector<Observation> obs{on(90 * kSec), off(100 * kSec)};
    const Availability r = measure(obs, Window::bounded(100 * kSec, 105 * kSec), 10 * kSec);
    EXPECT_EQ(r.offline_us, 5 * kSec);
    EXPECT_EQ(r.online_us, 0);  // cover(on@90) = [90,100) ends exactly at a
    EXPECT_EQ(r.online_runs.count, 0);
    EXPECT_EQ(r.offline_runs.count, 1);
}

// ---------------------------------------------------------------------------------------------
// Unbounded sides
// ---------------------------------------------------------------------------------------------

// Shared data: g = 60 s; on@100, off@130. cover = [100,130) on, [130,190) off.
const std::vector<Observation> kTwo{on(100 * kSec), off(130 * kSec)};

TEST(Availability, UnboundedLowerStartsAtFirstObservation) {
    // W = [t_1, 200) = [100, 200): window 100, online 30, offline 60, unknown 10.
    const Availability r = measure(kTwo, Window{false, std::nullopt, 200 * kSec}, 60 * kSec);
    EXPECT_EQ(r.window_us, 100 * kSec);
    EXPECT_EQ(r.online_us, 30 * kSec);
    EXPECT_EQ(r.offline_us, 60 * kSec);
    EXPECT_EQ(r.unknown_us(), 10 * kSec);
    EXPECT_DOUBLE_EQ(*r.coverage(), 0.9);
    EXPECT_DOUBLE_EQ(*r.uptime(), 30.0 / 90.0);
}

TEST(Availability, UnboundedUpperEndsAtEndOfLastCover) {
    // W = [0, t_n + g) = [0, 190): window 190, online 30, offline 60, unknown 100.
    const Availability r = measure(kTwo, Window{false, 0, std::nullopt}, 60 * kSec);
    EXPECT_EQ(r.window_us, 190 * kSec);
    EXPECT_EQ(r.online_us, 30 * kSec);
    EXPECT_EQ(r.offline_us, 60 * kSec);
    EXPECT_EQ(r.unknown_us(), 100 * kSec);
    EXPECT_DOUBLE_EQ(*r.coverage(), 90.0 / 190.0);
}

TEST(Availability, UnboundedBothSides) {
    // W = [100, 190): window 90, fully covered.
    const Availability r = measure(kTwo, Window::unbounded(), 60 * kSec);
    EXPECT_EQ(r.window_us, 90 * kSec);
    EXPECT_EQ(r.online_us, 30 * kSec);
    EXPECT_EQ(r.offline_us, 60 * kSec);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_EQ(r.coverage(), 1.0);
    EXPECT_EQ(r.online_runs.count, 1);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.longest_outage_seconds(), 60.0);
}

TEST(Availability, UnboundedBothSidesWithInnerGap) {
    // g = 10 s; on@0, on@50 -> covers [0,10), [50,60); W = [0, 60): window 60, online 20, unknown 40.
    const std::vector<Observation> obs{on(0), on(50 * kSec)};
    const Availability r = measure(obs, Window::unbounded(), 10 * kSec);
    EXPECT_EQ(r.window_us, 60 * kSec);
    EXPECT_EQ(r.online_us, 20 * kSec);
    EXPECT_EQ(r.unknown_us(), 40 * kSec);
    EXPECT_EQ(r.online_runs.count, 2);
}

TEST(Availability, LowerBoundAfterEndOfLastCoverWithUnboundedUpperIsEmpty) {
    // W = [500, t_n + g) = [500, 190): inverted, so empty.
    ExpectEmptyResult(measure(kTwo, Window{false, 500 * kSec, std::nullopt}, 60 * kSec));
    // W = [190, 190): empty as well.
    ExpectEmptyResult(measure(kTwo, Window{false, 190 * kSec, std::nullopt}, 60 * kSec));
}

TEST(Availability, UpperBoundBeforeFirstObservationWithUnboundedLowerIsEmpty) {
    // W = [t_1, 50) = [100, 50): inverted.
    ExpectEmptyResult(measure(kTwo, Window{false, std::nullopt, 50 * kSec}, 60 * kSec));
}

// ---------------------------------------------------------------------------------------------
// Empty windows and degenerate inputs
// ---------------------------------------------------------------------------------------------

TEST(Availability, ExplicitEmptyWindow) {
    ExpectEmptyResult(measure(kTwo, Window::nothing(), 60 * kSec));
    // An "empty" flag wins even if bounds are present.
    ExpectEmptyResult(measure(kTwo, Window{true, 0, 1000 * kSec}, 60 * kSec));
}

TEST(Availability, InvertedAndZeroLengthWindows) {
    ExpectEmptyResult(measure(kTwo, Window::bounded(200 * kSec, 100 * kSec), 60 * kSec));
    ExpectEmptyResult(measure(kTwo, Window::bounded(120 * kSec, 120 * kSec), 60 * kSec));
}

TEST(Availability, UnboundedWindowWithoutObservations) {
    const std::vector<Observation> none;
    ExpectEmptyResult(measure(none, Window::unbounded(), 60 * kSec));
    ExpectEmptyResult(measure(none, Window{false, 0, std::nullopt}, 60 * kSec));
    ExpectEmptyResult(measure(none, Window{false, std::nullopt, 100 * kSec}, 60 * kSec));
    ExpectEmptyResult(measure(nullptr, 0, Window::unbounded(), 60 * kSec));
}

TEST(Availability, BoundedWindowWithoutObservationsIsAllUnknown) {
    // W = [0, 100): window 100, covered 0, unknown 100, uptime NULL, coverage 0.
    const std::vector<Observation> none;
    const Availability r = measure(none, Window::bounded(0, 100 * kSec), 60 * kSec);
    EXPECT_EQ(r.window_us, 100 * kSec);
    EXPECT_EQ(r.covered_us(), 0);
    EXPECT_EQ(r.unknown_us(), 100 * kSec);
    EXPECT_EQ(r.uptime(), std::nullopt);
    EXPECT_EQ(r.coverage(), 0.0);
    EXPECT_EQ(r.online_runs.count, 0);
    EXPECT_EQ(r.offline_runs.count, 0);
    EXPECT_EQ(r.mean_online_seconds(), std::nullopt);
    EXPECT_EQ(r.mean_outage_seconds(), std::nullopt);
    EXPECT_EQ(r.longest_outage_seconds(), std::nullopt);
}

TEST(Availability, OneObservation) {
    // g = 60 s; off@10; W = [0, 100): cover [10,70): offline 60, unknown 40.
    const std::vector<Observation> obs{off(10 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 100 * kSec), 60 * kSec);
    EXPECT_EQ(r.window_us, 100 * kSec);
    EXPECT_EQ(r.online_us, 0);
    EXPECT_EQ(r.offline_us, 60 * kSec);
    EXPECT_EQ(r.unknown_us(), 40 * kSec);
    EXPECT_EQ(r.uptime(), 0.0);
    EXPECT_DOUBLE_EQ(*r.coverage(), 0.6);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.longest_outage_seconds(), 60.0);
    EXPECT_EQ(r.mean_outage_seconds(), 60.0);
    EXPECT_EQ(r.online_runs.count, 0);
    EXPECT_EQ(r.mean_online_seconds(), std::nullopt);

    // Unbounded: W = [10, 70), exactly the cover.
    const Availability u = measure(obs, Window::unbounded(), 60 * kSec);
    EXPECT_EQ(u.window_us, 60 * kSec);
    EXPECT_EQ(u.offline_us, 60 * kSec);
    EXPECT_EQ(u.coverage(), 1.0);
}

TEST(Availability, AllOffline) {
    // g = 60 s; off@0, off@30, off@100; W = [0, 200).
    // covers [0,30), [30,90), [100,160): offline 150; outages [0,90) = 90 s and [100,160) = 60 s.
    // longest 90, MTTR 75; uptime 0 (covered > 0), MTBF NULL.
    const std::vector<Observation> obs{off(0), off(30 * kSec), off(100 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 200 * kSec), 60 * kSec);
    EXPECT_EQ(r.online_us, 0);
    EXPECT_EQ(r.offline_us, 150 * kSec);
    EXPECT_EQ(r.unknown_us(), 50 * kSec);
    EXPECT_EQ(r.uptime(), 0.0);
    EXPECT_DOUBLE_EQ(*r.coverage(), 0.75);
    EXPECT_EQ(r.offline_runs.count, 2);
    EXPECT_EQ(r.longest_outage_seconds(), 90.0);
    EXPECT_EQ(r.mean_outage_seconds(), 75.0);
    EXPECT_EQ(r.online_runs.count, 0);
    EXPECT_EQ(r.mean_online_seconds(), std::nullopt);
}

TEST(Availability, AllOnlineSimple) {
    // g = 60 s; on@0, on@30, on@100; W = [0, 200): online 150, 2 online runs (90 and 60), no outage.
    const std::vector<Observation> obs{on(0), on(30 * kSec), on(100 * kSec)};
    const Availability r = measure(obs, Window::bounded(0, 200 * kSec), 60 * kSec);
    EXPECT_EQ(r.online_us, 150 * kSec);
    EXPECT_EQ(r.offline_us, 0);
    EXPECT_EQ(r.uptime(), 1.0);
    EXPECT_EQ(r.online_runs.count, 2);
    EXPECT_EQ(r.online_runs.longest_us, 90 * kSec);
    EXPECT_EQ(r.mean_online_seconds(), 75.0);
    EXPECT_EQ(r.offline_runs.count, 0);
    EXPECT_EQ(r.longest_outage_seconds(), std::nullopt);
    EXPECT_EQ(r.mean_outage_seconds(), std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Heartbeat equivalence (SPEC §3): all online == union of [t_i, t_i + g) within W
// ---------------------------------------------------------------------------------------------

struct Span {
    Micros lo, hi;
};

// Independent brute force: clip every heartbeat interval to W, sort, merge overlapping or
// touching ones. Returns the merged spans (the maximal stretches of liveness).
std::vector<Span> heartbeat_union(const std::vector<Micros>& beats, Micros g, Micros a, Micros b) {
    std::vector<Span> spans;
    for (Micros t : beats) {
        Span s{std::max(t, a), std::min(t + g, b)};
        if (s.lo < s.hi) spans.push_back(s);
    }
    std::sort(spans.begin(), spans.end(), [](const Span& x, const Span& y) { return x.lo < y.lo; });
    std::vector<Span> merged;
    for (const Span& s : spans) {
        if (!merged.empty() && s.lo <= merged.back().hi) {
            merged.back().hi = std::max(merged.back().hi, s.hi);
        } else {
            merged.push_back(s);
        }
    }
    return merged;
}

TEST(Availability, AllOnlineEqualsHeartbeatUnion) {
    Lcg rng(20240611);
    for (int trial = 0; trial < 200; ++trial) {
        const Micros g = 1 + static_cast<Micros>(rng.below(120)) * kSec + static_cast<Micros>(rng.below(1000));
        std::vector<Micros> beats;
        Micros t = static_cast<Micros>(rng.below(1000 * kSec)) - 500 * kSec;
        const int n = 1 + static_cast<int>(rng.below(300));
        for (int i = 0; i < n; ++i) {
            beats.push_back(t);
            // steps from 1 µs to ~3 g, so some gaps are shorter, equal or longer than g
            const std::uint64_t kind = rng.below(4);
            Micros step = kind == 0 ? g : static_cast<Micros>(1 + rng.below(static_cast<std::uint64_t>(3 * g)));
            t += step;
        }
        std::vector<Observation> obs;
        for (Micros b : beats) obs.push_back(on(b));

        const Micros first = beats.front();
        const Micros last_end = beats.back() + g;
        const Micros span = last_end - first;
        // a window starting somewhere before/inside, ending inside/after the data
        const Micros a = first - span / 4 + static_cast<Micros>(rng.below(static_cast<std::uint64_t>(span / 2 + 1)));
        const Micros b = a + 1 + static_cast<Micros>(rng.below(static_cast<std::uint64_t>(span + 1)));

        struct Case {
            Window w;
            Micros a, b;
        };
        const Case cases[] = {
            {Window::bounded(a, b), a, b},
            {Window::unbounded(), first, last_end},
            {Window{false, std::nullopt, b}, first, b},
            {Window{false, a, std::nullopt}, a, last_end},
        };
        for (const Case& c : cases) {
            if (c.a >= c.b) continue;
            const std::vector<Span> merged = heartbeat_union(beats, g, c.a, c.b);
            Micros total = 0, longest = 0;
            for (const Span& s : merged) {
                total += s.hi - s.lo;
                longest = std::max(longest, s.hi - s.lo);
            }
            const Availability r = measure(obs, c.w, g);
            ASSERT_EQ(r.window_us, c.b - c.a) << "trial " << trial;
            ASSERT_EQ(r.online_us, total) << "trial " << trial;
            ASSERT_EQ(r.offline_us, 0);
            ASSERT_EQ(r.online_runs.count, static_cast<std::int64_t>(merged.size())) << "trial " << trial;
            ASSERT_EQ(r.online_runs.total_us, total);
            ASSERT_EQ(r.online_runs.longest_us, longest);
            ASSERT_EQ(r.offline_runs.count, 0);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Microsecond exactness
// ---------------------------------------------------------------------------------------------

TEST(Availability, MicrosecondBoundaries) {
    // g = 1 µs; on@0, off@1µs, on@2µs; W = [0, 3 µs).
    // covers [0,1) on, [1,2) off, [2,3) on: online 2 µs, offline 1 µs, 2 online runs, 1 outage.
    const std::vector<Observation> obs{on(0), off(1), on(2)};
    const Availability r = measure(obs, Window::bounded(0, 3), 1 * kUs);
    EXPECT_EQ(r.window_us, 3);
    EXPECT_EQ(r.online_us, 2);
    EXPECT_EQ(r.offline_us, 1);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_EQ(r.online_runs.count, 2);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.longest_outage_seconds(), 1e-6);
    EXPECT_EQ(r.mean_outage_seconds(), 1e-6);
    EXPECT_EQ(r.mean_online_seconds(), 1e-6);
    EXPECT_DOUBLE_EQ(*r.uptime(), 2.0 / 3.0);

    // W = [1 µs, 2 µs): exactly the offline cover.
    const Availability m = measure(obs, Window::bounded(1, 2), 1);
    EXPECT_EQ(m.window_us, 1);
    EXPECT_EQ(m.offline_us, 1);
    EXPECT_EQ(m.online_us, 0);
    EXPECT_EQ(m.online_runs.count, 0);
    EXPECT_EQ(m.offline_runs.count, 1);
}

TEST(Availability, OneMicrosecondWindowInsideACover) {
    // g = 1 h; on@0; W = [1800 s, 1800 s + 1 µs): 1 µs online.
    const std::vector<Observation> obs{on(0)};
    const Availability r = measure(obs, Window::bounded(1800 * kSec, 1800 * kSec + 1), kHour);
    EXPECT_EQ(r.window_us, 1);
    EXPECT_EQ(r.online_us, 1);
    EXPECT_EQ(r.uptime(), 1.0);
    EXPECT_EQ(r.coverage(), 1.0);
    EXPECT_EQ(r.online_runs.count, 1);
}

TEST(Availability, CoverEndsOneMicrosecondBeforeNextObservation) {
    // g = 10 s; on@0, on@(10 s + 1 µs); W = [9 s, 11 s).
    // [9, 10) on (1 s), hole [10 s, 10 s + 1 µs), [10 s + 1 µs, 11 s) on (1 s - 1 µs).
    const std::vector<Observation> obs{on(0), on(10 * kSec + 1)};
    const Availability r = measure(obs, Window::bounded(9 * kSec, 11 * kSec), 10 * kSec);
    EXPECT_EQ(r.online_us, 2 * kSec - 1);
    EXPECT_EQ(r.unknown_us(), 1);
    EXPECT_EQ(r.online_runs.count, 2);
    EXPECT_EQ(r.online_runs.longest_us, 1 * kSec);
}

TEST(Availability, SecondsAreExactMicrosecondSums) {
    // 1 µs offline out of a day: offline_seconds = 1e-6 exactly as one double division.
    // g = 1 day; off@0, on@1µs; W = [0, 1 day).
    const std::vector<Observation> obs{off(0), on(1)};
    const Availability r = measure(obs, Window::bounded(0, kDay), kDay);
    EXPECT_EQ(r.offline_us, 1);
    EXPECT_EQ(r.online_us, kDay - 1);
    EXPECT_EQ(to_seconds(r.online_us), 86399.999999);
    EXPECT_EQ(*r.uptime(), 86399999999.0 / 86400000000.0);
}

// ---------------------------------------------------------------------------------------------
// Extremes and parameter errors
// ---------------------------------------------------------------------------------------------

TEST(Availability, SaturatesNearInt64Max) {
    // on@(MAX - 10 µs) with g = 1000 µs: t + g does not fit, the cover end saturates at MAX.
    // Unbounded window: W = [MAX - 10, MAX): 10 µs, all online.
    const std::vector<Observation> obs{on(kMaxMicros - 10)};
    Availability r;
    ASSERT_NO_THROW(r = measure(obs, Window::unbounded(), 1000));
    EXPECT_EQ(r.window_us, 10);
    EXPECT_EQ(r.online_us, 10);
    EXPECT_EQ(r.unknown_us(), 0);

    // Bounded window [MAX - 100, MAX): 90 µs unknown, 10 µs online.
    ASSERT_NO_THROW(r = measure(obs, Window::bounded(kMaxMicros - 100, kMaxMicros), 1000));
    EXPECT_EQ(r.window_us, 100);
    EXPECT_EQ(r.online_us, 10);
    EXPECT_EQ(r.unknown_us(), 90);

    // max_gap = MAX itself: on@0, off@100 s; unbounded W = [0, sat(100 s + MAX)) = [0, MAX).
    // online [0, 100 s) = 100 s; offline [100 s, MAX) = MAX - 100 s; covered = MAX exactly.
    const std::vector<Observation> obs2{on(0), off(100 * kSec)};
    ASSERT_NO_THROW(r = measure(obs2, Window::unbounded(), kMaxMicros));
    EXPECT_EQ(r.window_us, kMaxMicros);
    EXPECT_EQ(r.online_us, 100 * kSec);
    EXPECT_EQ(r.offline_us, kMaxMicros - 100 * kSec);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_EQ(r.offline_runs.count, 1);
    EXPECT_EQ(r.offline_runs.longest_us, kMaxMicros - 100 * kSec);
}

TEST(Availability, NearInt64MinDoesNotCrash) {
    // on@MIN with g = 50 µs, W = [MIN, MIN + 100): a - g saturates; 50 µs online.
    const std::vector<Observation> obs{on(kMinMicros)};
    Availability r;
    ASSERT_NO_THROW(r = measure(obs, Window::bounded(kMinMicros, kMinMicros + 100), 50));
    EXPECT_EQ(r.window_us, 100);
    EXPECT_EQ(r.online_us, 50);
    EXPECT_EQ(r.unknown_us(), 50);
}

TEST(Availability, WindowLengthThatDoesNotFitInInt64IsOutOfRange) {
    // W = [MIN, MAX) has length 2^64 - 1 µs: not representable, so an error rather than a wrong value.
    const std::vector<Observation> obs{on(0)};
    EXPECT_TRUE(ThrowsKind([&] { measure(obs, Window::bounded(kMinMicros, kMaxMicros), kSec); },
                           ErrorKind::OutOfRange));
}

TEST(Availability, NonPositiveMaxGapIsInvalidParameter) {
    const std::vector<Observation> obs{on(0)};
    const std::vector<Observation> none;
    for (Micros g : {Micros{0}, Micros{-1}, kMinMicros}) {
        EXPECT_TRUE(ThrowsKind([&] { measure(obs, Window::bounded(0, kSec), g); }, ErrorKind::InvalidParameter))
            << g;
        // rejected even when nothing would be measured
        EXPECT_TRUE(ThrowsKind([&] { measure(none, Window::nothing(), g); }, ErrorKind::InvalidParameter)) << g;
        EXPECT_TRUE(ThrowsKind([&] { check_max_gap(g); }, ErrorKind::InvalidParameter)) << g;
    }
    EXPECT_NO_THROW(check_max_gap(1));
}

}  // namespace
}  // namespace reliability
