// SPEC §8: the uptime summary, its exact combination, and its text and binary forms.
//
// Expected values are worked out by hand (cover_i = [t_i, min(t_{i+1}, t_i + g)), W = [a, b),
// times in seconds unless marked µs), or come from measure() (tested in availability_test)
// and from a brute-force timeline that decides the state of every microsecond on its own.
#include <gtest/gtest.h>

#include <algorithm>
#include <ostream>
#include <string>
#include <vector>

#include "availability.hpp"
#include "test_support.hpp"
#include "uptime_summary.hpp"

namespace reliability {

// Readable failures (found by ADL from gtest's printers).
static void PrintTo(const UptimeSummary& s, std::ostream* os) { *os << to_text(s); }
static void PrintTo(const EdgeRun& e, std::ostream* os) {
    *os << (e.length_us == 0 ? "none" : (e.online ? "on:" : "off:") + std::to_string(e.length_us));
}

namespace {

using namespace reliability::testing;

UptimeSummary summary(const std::vector<Observation>& obs, Micros a, Micros b, Micros g) {
    return summarize(obs, Window::bounded(a, b), g);
}

void ExpectRuns(const RunStats& r, std::int64_t count, Micros total, Micros longest) {
    EXPECT_EQ(r.count, count);
    EXPECT_EQ(r.total_us, total);
    EXPECT_EQ(r.longest_us, longest);
}

constexpr EdgeRun kNone{};
EdgeRun on_run(Micros length) { return EdgeRun{length, true}; }
EdgeRun off_run(Micros length) { return EdgeRun{length, false}; }

// ---------------------------------------------------------------------------------------------
// Hand-computed summaries and combinations
// ---------------------------------------------------------------------------------------------

// g = 10 s; on@0, on@10, off@20, on@40; covers [0,10) on, [10,20) on, [20,30) off, [40,50) on;
// unknown [30,40) and [50,60).
const std::vector<Observation> kExample{on(0), on(10 * kSec), off(20 * kSec), on(40 * kSec)};
constexpr Micros kGap = 10 * kSec;

TEST(UptimeSummary, HandComputedWindow) {
    // W = [0,60): online runs [0,20) and [40,50): 2 runs, 30 s, longest 20; one outage of 10 s.
    // The run [0,20) starts at a (head); unknown time ends the window (no tail).
    const UptimeSummary s = summary(kExample, 0, 60 * kSec, kGap);
    EXPECT_EQ(s.lower, 0);
    EXPECT_EQ(s.upper, 60 * kSec);
    EXPECT_EQ(s.max_gap_us, kGap);
    ExpectRuns(s.online_runs, 2, 30 * kSec, 20 * kSec);
    ExpectRuns(s.offline_runs, 1, 10 * kSec, 10 * kSec);
    EXPECT_EQ(s.head, on_run(20 * kSec));
    EXPECT_EQ(s.tail, kNone);
    ExpectSameAvailability(to_availability(s), measure(kExample, Window::bounded(0, 60 * kSec), kGap));
}

TEST(UptimeSummary, WindowInsideOneRunIsHeadAndTail) {
    // W = [3,17) lies inside the online run [0,20): one run of 14 s, whole window.
    const UptimeSummary s = summary(kExample, 3 * kSec, 17 * kSec, kGap);
    ExpectRuns(s.online_runs, 1, 14 * kSec, 14 * kSec);
    ExpectRuns(s.offline_runs, 0, 0, 0);
    EXPECT_EQ(s.head, on_run(14 * kSec));
    EXPECT_EQ(s.tail, on_run(14 * kSec));
}

TEST(UptimeSummary, RowBeforeTheWindowReachesIn) {
    // g = 10; on@-5, off@3; W = [0,20): [-5,3) on clipped to [0,3), [3,13) off, unknown [13,20).
    const std::vector<Observation> obs{on(-5 * kSec), off(3 * kSec)};
    const UptimeSummary s = summary(obs, 0, 20 * kSec, kGap);
    ExpectRuns(s.online_runs, 1, 3 * kSec, 3 * kSec);
    ExpectRuns(s.offline_runs, 1, 10 * kSec, 10 * kSec);
    EXPECT_EQ(s.head, on_run(3 * kSec));
    EXPECT_EQ(s.tail, kNone);
}

TEST(UptimeSummary, RowAfterTheWindowEndsTheTail) {
    // g = 10; off@0, on@4; W = [0,3): the cover of off@0 is [0,4), clipped to [0,3): whole.
    // Without on@4 it would be [0,10): same clip. Over [0,6): [0,4) off, [4,6) on.
    const std::vector<Observation> obs{off(0), on(4 * kSec)};
    EXPECT_EQ(summary(obs, 0, 3 * kSec, kGap).tail, off_run(3 * kSec));
    const UptimeSummary s = summary(obs, 0, 6 * kSec, kGap);
    EXPECT_EQ(s.head, off_run(4 * kSec));
    EXPECT_EQ(s.tail, on_run(2 * kSec));
}

TEST(UptimeSummary, WindowWithoutRows) {
    // Nothing covers [100,200): all unknown, no runs, no edge runs.
    const UptimeSummary s = summary(kExample, 100 * kSec, 200 * kSec, kGap);
    ExpectRuns(s.online_runs, 0, 0, 0);
    ExpectRuns(s.offline_runs, 0, 0, 0);
    EXPECT_EQ(s.head, kNone);
    EXPECT_EQ(s.tail, kNone);
    const UptimeSummary none = summarize(nullptr, 0, Window::bounded(0, 5), 1);
    EXPECT_EQ(to_availability(none).window_us, 5);
    EXPECT_EQ(none.head, kNone);
}

TEST(UptimeSummary, CombineAtAStateChange) {
    // [0,20): the online run [0,20), whole. [20,60): outage [20,30) (head), run [40,50).
    // At 20 the state changes: two runs. Online 2 runs / 30 s / longest 20, as over [0,60).
    const UptimeSummary a = summary(kExample, 0, 20 * kSec, kGap);
    const UptimeSummary b = summary(kExample, 20 * kSec, 60 * kSec, kGap);
    EXPECT_EQ(a.head, on_run(20 * kSec));
    EXPECT_EQ(a.tail, on_run(20 * kSec));
    EXPECT_EQ(b.head, off_run(10 * kSec));
    EXPECT_EQ(b.tail, kNone);
    const UptimeSummary c = combine(a, b);
    EXPECT_EQ(c.lower, 0);
    EXPECT_EQ(c.upper, 60 * kSec);
    ExpectRuns(c.online_runs, 2, 30 * kSec, 20 * kSec);
    ExpectRuns(c.offline_runs, 1, 10 * kSec, 10 * kSec);
    EXPECT_EQ(c.head, on_run(20 * kSec));
    EXPECT_EQ(c.tail, kNone);
}

TEST(UptimeSummary, CombineInsideARunJoinsIt) {
    // Cut at 15, inside the online run [0,20): [0,15) is one run of 15 (whole); [15,60) has
    // online runs [15,20) (head, 5) and [40,50): 2 runs, 15 s, longest 10.
    // Combined: 15 + 5 = 20 is one run: online 1 + 2 - 1 = 2 runs, 30 s, longest 20; head 20.
    const UptimeSummary a = summary(kExample, 0, 15 * kSec, kGap);
    const UptimeSummary b = summary(kExample, 15 * kSec, 60 * kSec, kGap);
    ExpectRuns(b.online_runs, 2, 15 * kSec, 10 * kSec);
    EXPECT_EQ(b.head, on_run(5 * kSec));
    const UptimeSummary c = combine(a, b);
    ExpectRuns(c.online_runs, 2, 30 * kSec, 20 * kSec);
    ExpectRuns(c.offline_runs, 1, 10 * kSec, 10 * kSec);
    EXPECT_EQ(c.head, on_run(20 * kSec));
    EXPECT_EQ(c, summary(kExample, 0, 60 * kSec, kGap));
}

TEST(UptimeSummary, CombineWhereACoverEndsOrInUnknownTime) {
    // Cut at 30, where the outage [20,30) ends and unknown time starts: a's tail is off:10,
    // b starts unknown (no head), nothing joins. Cut at 35, inside unknown time: neither side.
    for (const Micros cut : {30 * kSec, 35 * kSec}) {
        const UptimeSummary a = summary(kExample, 0, cut, kGap);
        const UptimeSummary b = summary(kExample, cut, 60 * kSec, kGap);
        EXPECT_EQ(a.tail, cut == 30 * kSec ? off_run(10 * kSec) : kNone);
        EXPECT_EQ(b.head, kNone);
        const UptimeSummary c = combine(a, b);
        ExpectRuns(c.online_runs, 2, 30 * kSec, 20 * kSec);
        ExpectRuns(c.offline_runs, 1, 10 * kSec, 10 * kSec);
    }
}

TEST(UptimeSummary, RunThroughThreeWindows) {
    // g = 10; off@0, off@10, off@20, on@30; W = [0,40): outage [0,30), online [30,40).
    // Tiles [0,12) (off, whole), [12,18) (off, whole), [18,40) (head off [18,30) = 12, tail on 10).
    // Combined: one outage of 12 + 6 + 12 = 30 s; head off:30, tail on:10.
    const std::vector<Observation> obs{off(0), off(10 * kSec), off(20 * kSec), on(30 * kSec)};
    std::vector<UptimeSummary> parts{summary(obs, 18 * kSec, 40 * kSec, kGap), summary(obs, 0, 12 * kSec, kGap),
                                     summary(obs, 12 * kSec, 18 * kSec, kGap)};
    EXPECT_EQ(parts[0].head, off_run(12 * kSec));
    EXPECT_EQ(parts[0].tail, on_run(10 * kSec));
    EXPECT_EQ(parts[2].head, off_run(6 * kSec));
    const UptimeSummary r = *rollup(parts);
    EXPECT_EQ(r.lower, 0);
    EXPECT_EQ(r.upper, 40 * kSec);
    ExpectRuns(r.offline_runs, 1, 30 * kSec, 30 * kSec);
    ExpectRuns(r.online_runs, 1, 10 * kSec, 10 * kSec);
    EXPECT_EQ(r.head, off_run(30 * kSec));
    EXPECT_EQ(r.tail, on_run(10 * kSec));
}

TEST(UptimeSummary, WholeRangeOneRunAcrossManyWindows) {
    // g = 10; online every 10 s from 0 to 100; W = [0,110): one run of 110 s.
    std::vector<Observation> obs;
    for (int i = 0; i <= 10; ++i) obs.push_back(on(i * 10 * kSec));
    std::vector<UptimeSummary> parts;
    const std::vector<Micros> cuts{0, 5 * kSec, 25 * kSec, 50 * kSec, 105 * kSec, 110 * kSec};
    for (std::size_t i = 0; i + 1 < cuts.size(); ++i) parts.push_back(summary(obs, cuts[i], cuts[i + 1], kGap));
    const UptimeSummary r = *rollup(parts);
    ExpectRuns(r.online_runs, 1, 110 * kSec, 110 * kSec);
    EXPECT_EQ(r.head, on_run(110 * kSec));
    EXPECT_EQ(r.tail, on_run(110 * kSec));
}

TEST(UptimeSummary, NearTheEndOfTime) {
    // g = 100 µs; on@(max - 10 µs): its cover saturates at max. W = [max - 20, max) cut at max - 5:
    // [max-10, max-5) and [max-5, max) join into one run of 10 µs.
    const std::vector<Observation> obs{on(kMaxMicros - 10)};
    const UptimeSummary a = summary(obs, kMaxMicros - 20, kMaxMicros - 5, 100);
    const UptimeSummary b = summary(obs, kMaxMicros - 5, kMaxMicros, 100);
    const UptimeSummary c = combine(a, b);
    ExpectRuns(c.online_runs, 1, 10, 10);
    EXPECT_EQ(c.head, kNone);
    EXPECT_EQ(c.tail, on_run(10));
    ExpectSameAvailability(to_availability(c), measure(obs, Window::bounded(kMaxMicros - 20, kMaxMicros), 100));
}

// ---------------------------------------------------------------------------------------------
// Errors of summarize, combine and rollup
// ---------------------------------------------------------------------------------------------

TEST(UptimeSummary, SummarizeNeedsABoundedNonEmptyWindowAndPositiveGap) {
    for (const Window& w : {Window::nothing(), Window::unbounded(), Window{false, 0, std::nullopt},
                            Window{false, std::nullopt, 10}, Window::bounded(5, 5), Window::bounded(6, 5)}) {
        EXPECT_TRUE(ThrowsKind([&] { summarize(kExample, w, kGap); }, ErrorKind::InvalidParameter));
    }
    EXPECT_TRUE(ThrowsKind([&] { summary(kExample, 0, 10, 0); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { summary(kExample, kMinMicros, kMaxMicros, 1); }, ErrorKind::OutOfRange));
}

TEST(UptimeSummary, CombineRejectsNonAdjacentAndDifferentGap) {
    const UptimeSummary a = summary(kExample, 0, 20 * kSec, kGap);
    const UptimeSummary b = summary(kExample, 20 * kSec, 60 * kSec, kGap);
    EXPECT_TRUE(ThrowsKind([&] { combine(b, a); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { combine(a, a); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { combine(a, summary(kExample, 25 * kSec, 60 * kSec, kGap)); },
                           ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { combine(a, summary(kExample, 20 * kSec, 60 * kSec, kGap + 1)); },
                           ErrorKind::InvalidParameter));
}

TEST(UptimeSummary, CombineBeyondInt64IsOutOfRangeLikeMeasure) {
    // [min+1, 0) is exactly max µs long; with [0, 10) the range no longer fits in int64.
    const UptimeSummary a = summarize(nullptr, 0, Window::bounded(kMinMicros + 1, 0), 1);
    const UptimeSummary b = summarize(nullptr, 0, Window::bounded(0, 10), 1);
    EXPECT_TRUE(ThrowsKind([&] { combine(a, b); }, ErrorKind::OutOfRange));
    EXPECT_TRUE(
        ThrowsKind([&] { measure(nullptr, 0, Window::bounded(kMinMicros + 1, 10), 1); }, ErrorKind::OutOfRange));
}

TEST(UptimeSummary, RollupRejectsOverlapHoleAndDifferentGap) {
    const UptimeSummary a = summary(kExample, 0, 20 * kSec, kGap);
    const UptimeSummary b = summary(kExample, 20 * kSec, 60 * kSec, kGap);
    const UptimeSummary overlapping = summary(kExample, 15 * kSec, 60 * kSec, kGap);
    const UptimeSummary after_hole = summary(kExample, 25 * kSec, 60 * kSec, kGap);
    const UptimeSummary other_gap = summary(kExample, 20 * kSec, 60 * kSec, kGap + 1);
    for (const std::vector<UptimeSummary>& bad :
         {std::vector<UptimeSummary>{a, overlapping}, {overlapping, a}, {a, after_hole}, {after_hole, a},
          {a, other_gap}, {other_gap, a}, {a, b, a}, {b, b}, {a, b, summary(kExample, 0, 60 * kSec, kGap)}}) {
        EXPECT_TRUE(ThrowsKind([&] { rollup(bad); }, ErrorKind::InvalidParameter));
    }
    EXPECT_EQ(rollup(std::vector<UptimeSummary>{}), std::nullopt);
    EXPECT_EQ(rollup(std::vector<UptimeSummary>{b}), b);
    EXPECT_EQ(rollup(std::vector<UptimeSummary>{b, a}), combine(a, b));
}

// ---------------------------------------------------------------------------------------------
// The law, on random observations and random tilings
// ---------------------------------------------------------------------------------------------

// The state of every microsecond of [a, b) straight from SPEC §2: -1 unknown, 0 off, 1 on.
// Only the latest observation at or before x can cover x (the next one ends its cover).
std::vector<int> timeline(const std::vector<Observation>& obs, Micros a, Micros b, Micros g) {
    std::vector<int> states;
    std::size_t next = 0;
    for (Micros x = a; x < b; ++x) {
        while (next < obs.size() && obs[next].at <= x) ++next;
        const bool covered = next > 0 && x < obs[next - 1].at + g;
        states.push_back(covered ? (obs[next - 1].online ? 1 : 0) : -1);
    }
    return states;
}

template <typename It>
EdgeRun edge_of(It first, It last) {
    if (first == last || *first < 0) return EdgeRun{};
    const int state = *first;
    return EdgeRun{static_cast<Micros>(std::find_if(first, last, [&](int s) { return s != state; }) - first),
                   state == 1};
}

void ExpectEdges(const UptimeSummary& s, const std::vector<Observation>& obs, Micros a, Micros b, Micros g) {
    const std::vector<int> t = timeline(obs, a, b, g);
    EXPECT_EQ(s.head, edge_of(t.begin(), t.end()));
    EXPECT_EQ(s.tail, edge_of(t.rbegin(), t.rend()));
}

void ExpectRoundTrips(const UptimeSummary& s) {
    EXPECT_EQ(from_text(to_text(s)), s);
    const std::string bytes = serialize(s);
    ASSERT_EQ(bytes.size(), kSummaryBytes);
    EXPECT_EQ(deserialize(bytes.data(), bytes.size()), s);
}

struct Scenario {
    std::vector<Observation> obs;
    Micros gap, a, b;
};

// Up to 40 rows around a range of up to 300 µs: dense or sparse, runs of one state, rows
// before the range whose cover reaches in and rows after it.
Scenario random_scenario(Lcg& rng) {
    Scenario s;
    const Micros gaps[] = {1, 2, 3, 5, 8, 13, 40};
    s.gap = gaps[rng.below(7)];
    s.a = static_cast<Micros>(rng.below(1000)) - 500;
    s.b = s.a + 1 + static_cast<Micros>(rng.below(300));
    const Micros spread = 1 + static_cast<Micros>(rng.below(static_cast<std::uint64_t>(3 * s.gap + 2)));
    Micros t = s.a - static_cast<Micros>(rng.below(static_cast<std::uint64_t>(2 * s.gap + 2)));
    bool online = rng.below(2) == 0;
    const std::size_t n = rng.below(41);
    for (std::size_t i = 0; i < n && t < s.b + 2 * s.gap; ++i) {
        if (rng.below(4) == 0) online = !online;
        s.obs.push_back(Observation{t, online});
        t += 1 + static_cast<Micros>(rng.below(static_cast<std::uint64_t>(spread)));
    }
    return s;
}

// 0..9 cuts inside (a, b): at random, on an observation, or where a cover ends.
std::vector<Micros> random_cuts(Lcg& rng, const Scenario& s) {
    std::vector<Micros> cuts{s.a, s.b};
    const std::size_t k = rng.below(10);
    for (std::size_t i = 0; i < k; ++i) {
        Micros c = s.a + static_cast<Micros>(rng.below(static_cast<std::uint64_t>(s.b - s.a)));
        if (!s.obs.empty() && rng.below(2) == 0) {
            c = s.obs[rng.below(s.obs.size())].at + (rng.below(2) == 0 ? 0 : s.gap);
        }
        if (c > s.a && c < s.b) cuts.push_back(c);
    }
    std::sort(cuts.begin(), cuts.end());
    cuts.erase(std::unique(cuts.begin(), cuts.end()), cuts.end());
    return cuts;
}

TEST(UptimeSummaryLaw, RollupOfAnyTilingEqualsMeasureOfTheWholeRange) {
    Lcg rng(20261206);
    for (int iteration = 0; iteration < 20000; ++iteration) {
        const Scenario s = random_scenario(rng);
        const std::vector<Micros> cuts = random_cuts(rng, s);
        SCOPED_TRACE(::testing::Message() << "iteration " << iteration << ", " << cuts.size() - 1 << " windows");
        std::vector<UptimeSummary> parts;
        for (std::size_t i = 0; i + 1 < cuts.size(); ++i) {
            const UptimeSummary p = summary(s.obs, cuts[i], cuts[i + 1], s.gap);
            ExpectSameAvailability(to_availability(p), measure(s.obs, Window::bounded(cuts[i], cuts[i + 1]), s.gap));
            ExpectEdges(p, s.obs, cuts[i], cuts[i + 1], s.gap);
            ExpectRoundTrips(p);
            parts.push_back(p);
        }
        const Availability expected = measure(s.obs, Window::bounded(s.a, s.b), s.gap);

        // In any input order.
        std::vector<UptimeSummary> shuffled = parts;
        for (std::size_t i = shuffled.size(); i > 1; --i) std::swap(shuffled[i - 1], shuffled[rng.below(i)]);
        const UptimeSummary r = *rollup(shuffled);
        EXPECT_EQ(r.lower, s.a);
        EXPECT_EQ(r.upper, s.b);
        ExpectSameAvailability(to_availability(r), expected);
        ExpectEdges(r, s.obs, s.a, s.b, s.gap);
        ExpectRoundTrips(r);

        // In any grouping: combine random neighbours until one is left.
        while (parts.size() > 1) {
            const std::size_t i = rng.below(parts.size() - 1);
            parts[i] = combine(parts[i], parts[i + 1]);
            parts.erase(parts.begin() + static_cast<std::ptrdiff_t>(i) + 1);
        }
        ExpectSameAvailability(to_availability(parts[0]), expected);
        EXPECT_EQ(parts[0], r);
        if (::testing::Test::HasFailure()) break;
    }
}

TEST(UptimeSummaryLaw, DaysOfRealisticDataRollUpToTheMonth) {
    // 30 days of a poll every ~5 min (15 min max_gap), with outages and silences, cut into UTC days.
    Lcg rng(7);
    const Micros start = 820'540'800LL * kSec;  // 2026-01-01 in PostgreSQL's epoch (2000-01-01)
    std::vector<Observation> obs;
    bool online = true;
    for (Micros t = start - 10 * kMin; t < start + 30 * kDay + kHour;
         t += static_cast<Micros>(rng.below(12 * kMin)) + 1) {
        if (rng.below(50) == 0) online = !online;
        if (rng.below(200) == 0) t += static_cast<Micros>(rng.below(3 * kHour));  // a silence
        obs.push_back(Observation{t, online});
    }
    std::vector<UptimeSummary> days;
    for (int d = 29; d >= 0; --d) days.push_back(summary(obs, start + d * kDay, start + (d + 1) * kDay, 15 * kMin));
    const UptimeSummary month = *rollup(days);
    ExpectSameAvailability(to_availability(month), measure(obs, Window::bounded(start, start + 30 * kDay), 15 * kMin));
    EXPECT_EQ(month, summary(obs, start, start + 30 * kDay, 15 * kMin));
}

// ---------------------------------------------------------------------------------------------
// Text and binary forms
// ---------------------------------------------------------------------------------------------

TEST(UptimeSummaryText, HandWrittenForm) {
    const UptimeSummary s = summary(kExample, 0, 60 * kSec, kGap);
    const std::string text = "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)";
    EXPECT_EQ(to_text(s), text);
    EXPECT_EQ(from_text(text), s);
    const std::string negative = "(v1,-20000000,-5000000,10000000,0,0,0,1,15000000,15000000,off:15000000,off:15000000)";
    const UptimeSummary n = from_text(negative);
    EXPECT_EQ(n.lower, -20 * kSec);
    EXPECT_EQ(n.head, off_run(15 * kSec));
    EXPECT_EQ(to_text(n), negative);
}

TEST(UptimeSummaryText, RejectsMalformedText) {
    const std::string good = "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)";
    ASSERT_NO_THROW(from_text(good));
    const std::vector<std::string> bad{
        "",
        "(",
        "(v1)",
        "v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none",
        " " + good,
        good + " ",
        good + ")",
        good + std::string(1, '\0'),
        "(v2,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(V1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(v1, 0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(v1,+0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(v1,-0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(v1,00,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(v1,0,060000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(v1,0,9223372036854775808,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(v1,0,6e7,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none)",
        "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000)",
        "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:20000000,none,none)",
        "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,on:20000000,none)",
        "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,up:20000000,none)",
        "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:,none)",
        "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on:0,none)",
        "(v1,0,60000000,10000000,2,30000000,20000000,1,10000000,10000000,on 20000000,none)",
        "(v1;0;60000000;10000000;2;30000000;20000000;1;10000000;10000000;on:20000000;none)",
    };
    for (const std::string& text : bad) {
        EXPECT_TRUE(ThrowsKind([&] { from_text(text); }, ErrorKind::InvalidParameter)) << text;
    }
}

TEST(UptimeSummaryBinary, FixedLittleEndianLayout) {
    const UptimeSummary s = summary(kExample, 0, 60 * kSec, kGap);
    const std::string bytes = serialize(s);
    ASSERT_EQ(bytes.size(), 90u);
    EXPECT_EQ(bytes[0], 1);  // version
    EXPECT_EQ(bytes[1], 1);  // head online, tail offline (none)
    // upper = 60,000,000 = 0x03938700, little-endian at offset 2 + 8.
    EXPECT_EQ(bytes.substr(10, 8), std::string("\x00\x87\x93\x03\x00\x00\x00\x00", 8));
    // head length 20,000,000 = 0x01312D00 at offset 2 + 9 * 8; tail length 0 after it.
    EXPECT_EQ(bytes.substr(74, 8), std::string("\x00\x2D\x31\x01\x00\x00\x00\x00", 8));
    EXPECT_EQ(bytes.substr(82, 8), std::string(8, '\0'));
}

TEST(UptimeSummaryBinary, RejectsMalformedBytes) {
    const std::string good = serialize(summary(kExample, 0, 60 * kSec, kGap));
    auto rejected = [](const std::string& bytes) {
        return ThrowsKind([&] { deserialize(bytes.data(), bytes.size()); }, ErrorKind::CorruptState);
    };
    EXPECT_TRUE(rejected(""));
    EXPECT_TRUE(rejected(good.substr(0, 89)));
    EXPECT_TRUE(rejected(good + '\0'));
    std::string v = good;
    v[0] = 2;
    EXPECT_TRUE(rejected(v));
    v = good;
    v[0] = 0;
    EXPECT_TRUE(rejected(v));
    v = good;
    v[1] = 4;  // unknown flag
    EXPECT_TRUE(rejected(v));
    v = good;
    v[1] = 3;  // tail online, but there is no tail
    EXPECT_TRUE(rejected(v));
}

// Values that parse but that no observations could give; each is rejected in both forms.
TEST(UptimeSummaryValidation, RejectsInconsistentSummaries) {
    const UptimeSummary good = summary(kExample, 0, 60 * kSec, kGap);  // on 2/30/20, off 1/10/10, head on:20
    ASSERT_NO_THROW(validate(good, ErrorKind::InvalidParameter));
    std::vector<UptimeSummary> bad(22, good);
    bad[0].upper = bad[0].lower;                                          // empty window
    bad[1].lower = 70 * kSec;                                             // inverted window
    bad[2].lower = kMinMicros;                                            // window longer than int64
    bad[3].max_gap_us = 0;
    bad[4].max_gap_us = -kGap;
    bad[5].online_runs.total_us = -30 * kSec;                             // negative total
    bad[6].offline_runs.count = -1;                                       // negative count
    bad[7].online_runs.longest_us = 31 * kSec;                            // longest > total
    bad[8].offline_runs.count = 0;                                        // no run, yet 10 s offline
    bad[9].online_runs.count = 40 * kSec;                                 // more runs than microseconds
    bad[10].online_runs.longest_us = 10 * kSec;                           // 2 runs of at most 10 make 30?
    bad[11].online_runs = RunStats{2, 55 * kSec, 35 * kSec};              // 55 + 10 covered > 60
    bad[12].head = on_run(61 * kSec);                                     // edge run longer than the window
    bad[13].head = on_run(-1);
    bad[14].tail = on_run(60 * kSec);                                     // whole-window tail but no such head
    bad[15].online_runs.longest_us = 25 * kSec;                           // head 20 + one more of 10: never 25
    bad[16].head = on_run(60 * kSec);                                     // whole-window head but no tail
    bad[17].tail = off_run(45 * kSec);                                    // head 20 + tail 45 > 60
    bad[18].head = off_run(20 * kSec);                                    // outage of 20 > longest outage 10
    bad[19].online_runs.count = 1;                                        // head 20 is one run: 30 s needs 2
    bad[20].tail = on_run(15 * kSec);                                     // head 20 + tail 15 > 30 s online
    bad[21].upper = 25 * kSec;                                            // 40 s covered in 25
    for (std::size_t i = 0; i < bad.size(); ++i) {
        SCOPED_TRACE(::testing::Message() << "bad[" << i << "] = " << to_text(bad[i]));
        EXPECT_TRUE(ThrowsKind([&] { validate(bad[i], ErrorKind::InvalidParameter); }, ErrorKind::InvalidParameter));
        EXPECT_TRUE(ThrowsKind([&] { from_text(to_text(bad[i])); }, ErrorKind::InvalidParameter));
        const std::string bytes = serialize(bad[i]);
        EXPECT_TRUE(ThrowsKind([&] { deserialize(bytes.data(), bytes.size()); }, ErrorKind::CorruptState));
    }
    // No tail, yet a state: the text form cannot even say it (on:0 is malformed text).
    UptimeSummary stateful_none = good;
    stateful_none.tail = EdgeRun{0, true};
    EXPECT_TRUE(ThrowsKind([&] { validate(stateful_none, ErrorKind::CorruptState); }, ErrorKind::CorruptState));
}

TEST(UptimeSummaryValidation, AcceptsExtremesThatDataCanGive) {
    // The longest window int64 allows, one offline run over all of it.
    UptimeSummary s;
    s.lower = kMinMicros;
    s.upper = -1;
    s.max_gap_us = kMaxMicros;
    s.offline_runs = RunStats{1, kMaxMicros, kMaxMicros};
    s.head = s.tail = off_run(kMaxMicros);
    ExpectRoundTrips(s);
    // Head and tail of one state, 1 µs apart.
    const std::vector<Observation> obs{on(0), on(3)};
    const UptimeSummary t = summary(obs, 0, 5, 2);  // [0,2) on, unknown [2,3), [3,5) on
    EXPECT_EQ(t.head, on_run(2));
    EXPECT_EQ(t.tail, on_run(2));
    ExpectRoundTrips(t);
}

}  // namespace
}  // namespace reliability
