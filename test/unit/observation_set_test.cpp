// sort_and_check and ObservationSet (the aggregate state): ordering, duplicates, merge
// (parallel combine), parameters, and the serialized form.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "observation.hpp"
#include "observation_set.hpp"
#include "test_support.hpp"

namespace reliability {
namespace {

using namespace reliability::testing;

// The example of availability_test RunsOutagesMttrMtbf: g = 10 s, W = [0, 85 s).
// online 40 s, offline 30 s, 3 online runs (longest 20 s), 2 outages (longest 20 s, MTTR 15 s).
std::vector<Observation> example_sorted() {
    return {on(0), on(10 * kSec), off(20 * kSec), off(30 * kSec), on(40 * kSec), on(65 * kSec), off(75 * kSec)};
}
const Window kExampleWindow = Window::bounded(0, 85 * kSec);
constexpr Micros kExampleGap = 10 * kSec;

void ExpectExampleResult(const Availability& r) {
    EXPECT_EQ(r.window_us, 85 * kSec);
    EXPECT_EQ(r.online_us, 40 * kSec);
    EXPECT_EQ(r.offline_us, 30 * kSec);
    EXPECT_EQ(r.unknown_us(), 15 * kSec);
    EXPECT_EQ(r.online_runs.count, 3);
    EXPECT_EQ(r.online_runs.longest_us, 20 * kSec);
    EXPECT_EQ(r.offline_runs.count, 2);
    EXPECT_EQ(r.longest_outage_seconds(), 20.0);
    EXPECT_EQ(r.mean_outage_seconds(), 15.0);
}

// ---------------------------------------------------------------------------------------------
// sort_and_check
// ---------------------------------------------------------------------------------------------

TEST(SortAndCheck, SortsByTimeKeepingEachState) {
    std::vector<Observation> v{off(30), on(10), off(-5), on(20)};
    sort_and_check(v);
    ASSERT_EQ(v.size(), 4u);
    EXPECT_EQ(v[0].at, -5);
    EXPECT_FALSE(v[0].online);
    EXPECT_EQ(v[1].at, 10);
    EXPECT_TRUE(v[1].online);
    EXPECT_EQ(v[2].at, 20);
    EXPECT_TRUE(v[2].online);
    EXPECT_EQ(v[3].at, 30);
    EXPECT_FALSE(v[3].online);
}

TEST(SortAndCheck, UnsortedInputGivesSameResultAsSorted) {
    std::vector<Observation> shuffled = example_sorted();
    std::reverse(shuffled.begin(), shuffled.end());
    std::swap(shuffled[1], shuffled[4]);
    sort_and_check(shuffled);
    ExpectExampleResult(measure(shuffled, kExampleWindow, kExampleGap));

    std::vector<Observation> sorted = example_sorted();
    sort_and_check(sorted);  // already sorted: unchanged
    ExpectExampleResult(measure(sorted, kExampleWindow, kExampleGap));
}

TEST(SortAndCheck, EmptyAndSingleAreFine) {
    std::vector<Observation> none;
    EXPECT_NO_THROW(sort_and_check(none));
    std::vector<Observation> one{on(7)};
    EXPECT_NO_THROW(sort_and_check(one));
    EXPECT_EQ(one[0].at, 7);
}

TEST(SortAndCheck, DuplicateTimestampsThrowDuplicateValue) {
    std::vector<Observation> adjacent{on(1), on(2), off(2), on(3)};
    EXPECT_TRUE(ThrowsKind([&] { sort_and_check(adjacent); }, ErrorKind::DuplicateValue));
    // Duplicates only adjacent after sorting; same state on both is still a duplicate.
    std::vector<Observation> apart{on(30), on(10), on(20), on(30)};
    EXPECT_TRUE(ThrowsKind([&] { sort_and_check(apart); }, ErrorKind::DuplicateValue));
    // 1 µs apart is not a duplicate.
    std::vector<Observation> near{on(31), on(30)};
    EXPECT_NO_THROW(sort_and_check(near));
    // The message names the time (the likely cause, a missing GROUP BY, is the SQL layer's hint).
    try {
        sort_and_check(apart);
        ADD_FAILURE() << "no error for a duplicate time";
    } catch (const Error& e) {
        EXPECT_STREQ(e.what(), "duplicate observation time 2000-01-01 00:00:00.00003+00 in one group");
    }
}

// ---------------------------------------------------------------------------------------------
// ObservationSet: parameters, add, measure
// ---------------------------------------------------------------------------------------------

ObservationSet make_set(const std::vector<Observation>& rows, const Window& w, std::optional<Micros> gap) {
    ObservationSet s;
    s.set_parameters(w, gap);
    for (const Observation& o : rows) s.add(o.at, o.online);
    return s;
}

TEST(ObservationSet, AddInAnyOrderThenMeasure) {
    std::vector<Observation> rows = example_sorted();
    std::rotate(rows.begin(), rows.begin() + 3, rows.end());
    ObservationSet s = make_set(rows, kExampleWindow, kExampleGap);
    EXPECT_EQ(s.size(), 7u);
    EXPECT_TRUE(s.has_parameters());
    ExpectExampleResult(s.measure(kExampleGap));
}

TEST(ObservationSet, DuplicateInSetThrowsOnMeasure) {
    ObservationSet s = make_set({on(5), off(1), on(5)}, Window::bounded(0, 10), 3);
    EXPECT_TRUE(ThrowsKind([&] { s.measure(3); }, ErrorKind::DuplicateValue));
}

TEST(ObservationSet, SetParametersTwiceWithSameValuesIsFine) {
    ObservationSet s;
    EXPECT_FALSE(s.has_parameters());
    s.set_parameters(Window::bounded(0, 100), 10);
    EXPECT_NO_THROW(s.set_parameters(Window::bounded(0, 100), 10));
    EXPECT_EQ(s.window(), Window::bounded(0, 100));
    EXPECT_EQ(s.max_gap(), std::optional<Micros>(10));

    ObservationSet t;
    t.set_parameters(Window::unbounded(), std::nullopt);
    EXPECT_NO_THROW(t.set_parameters(Window::unbounded(), std::nullopt));
    EXPECT_EQ(t.max_gap(), std::nullopt);
}

TEST(ObservationSet, SetParametersWithDifferentValuesThrows) {
    ObservationSet s;
    s.set_parameters(Window::bounded(0, 100), 10);
    EXPECT_TRUE(ThrowsKind([&] { s.set_parameters(Window::bounded(0, 101), 10); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { s.set_parameters(Window::bounded(0, 100), 11); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(
        ThrowsKind([&] { s.set_parameters(Window::bounded(0, 100), std::nullopt); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { s.set_parameters(Window::nothing(), 10); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { s.set_parameters(Window{false, 0, std::nullopt}, 10); },
                           ErrorKind::InvalidParameter));
    // the first parameters stay
    EXPECT_EQ(s.window(), Window::bounded(0, 100));
    EXPECT_EQ(s.max_gap(), std::optional<Micros>(10));
}

TEST(ObservationSet, NonPositiveMaxGapInParametersThrows) {
    ObservationSet s;
    EXPECT_TRUE(ThrowsKind([&] { s.set_parameters(Window::bounded(0, 100), 0); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { s.set_parameters(Window::bounded(0, 100), -5); }, ErrorKind::InvalidParameter));
    EXPECT_FALSE(s.has_parameters());
}

// ---------------------------------------------------------------------------------------------
// merge (parallel combine)
// ---------------------------------------------------------------------------------------------

TEST(ObservationSet, MergeOfTwoSetsEqualsOneSetWithAllRows) {
    const std::vector<Observation> all = example_sorted();
    // Interleaved split, as two parallel workers would see it.
    std::vector<Observation> left, right;
    for (std::size_t i = 0; i < all.size(); ++i) (i % 2 == 0 ? left : right).push_back(all[i]);

    ObservationSet x = make_set(left, kExampleWindow, kExampleGap);
    ObservationSet y = make_set(right, kExampleWindow, kExampleGap);
    x.merge(y);
    EXPECT_EQ(x.size(), all.size());
    ExpectExampleResult(x.measure(kExampleGap));

    // The other order gives the same.
    ObservationSet x2 = make_set(left, kExampleWindow, kExampleGap);
    ObservationSet y2 = make_set(right, kExampleWindow, kExampleGap);
    y2.merge(x2);
    ExpectExampleResult(y2.measure(kExampleGap));
}

TEST(ObservationSet, MergeIntoFreshStateAdoptsParameters) {
    // PostgreSQL's combine starts from an empty state.
    ObservationSet fresh;
    ObservationSet part = make_set(example_sorted(), kExampleWindow, kExampleGap);
    fresh.merge(part);
    EXPECT_TRUE(fresh.has_parameters());
    EXPECT_EQ(fresh.window(), kExampleWindow);
    EXPECT_EQ(fresh.max_gap(), std::optional<Micros>(kExampleGap));
    ExpectExampleResult(fresh.measure(kExampleGap));
}

TEST(ObservationSet, MergeOfEmptyStateChangesNothing) {
    ObservationSet s = make_set(example_sorted(), kExampleWindow, kExampleGap);
    ObservationSet empty;
    s.merge(empty);
    EXPECT_EQ(s.size(), 7u);
    ExpectExampleResult(s.measure(kExampleGap));
}

TEST(ObservationSet, MergeWithDifferentParametersThrows) {
    ObservationSet x = make_set({on(0)}, Window::bounded(0, 100), 10);
    ObservationSet other_window = make_set({on(50)}, Window::bounded(0, 200), 10);
    ObservationSet other_gap = make_set({on(50)}, Window::bounded(0, 100), 20);
    ObservationSet no_gap = make_set({on(50)}, Window::bounded(0, 100), std::nullopt);
    EXPECT_TRUE(ThrowsKind([&] { x.merge(other_window); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { x.merge(other_gap); }, ErrorKind::InvalidParameter));
    EXPECT_TRUE(ThrowsKind([&] { x.merge(no_gap); }, ErrorKind::InvalidParameter));
    EXPECT_EQ(x.size(), 1u);  // nothing appended by a failed merge
}

TEST(ObservationSet, MergeWithDuplicateAcrossPartsThrowsOnMeasure) {
    ObservationSet x = make_set({on(0), on(10)}, Window::bounded(0, 100), 10);
    ObservationSet y = make_set({off(10)}, Window::bounded(0, 100), 10);
    x.merge(y);
    EXPECT_TRUE(ThrowsKind([&] { x.measure(10); }, ErrorKind::DuplicateValue));
}

// ---------------------------------------------------------------------------------------------
// serialize / deserialize
// ---------------------------------------------------------------------------------------------

// Layout (observation_set.hpp: header, then 9 bytes per observation), little-endian:
//   [0] version = 1, [1] flags, [2..10) lower, [10..18) upper, [18..26) max_gap, [26..34) count,
//   then per observation 8 bytes time + 1 byte online (0/1).
constexpr std::size_t kHeader = 34;
constexpr std::size_t kPerObservation = 9;

ObservationSet round_trip(const ObservationSet& s) {
    const std::string bytes = s.serialize();
    EXPECT_EQ(bytes.size(), kHeader + kPerObservation * s.size());
    return ObservationSet::deserialize(bytes.data(), bytes.size());
}

void put_u64_le(std::string& bytes, std::size_t offset, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) bytes[offset + i] = static_cast<char>((v >> (8 * i)) & 0xFF);
}

TEST(ObservationSetSerialize, RoundTripGivesSameResults) {
    std::vector<Observation> rows = example_sorted();
    std::reverse(rows.begin(), rows.end());  // unsorted state survives as well
    ObservationSet s = make_set(rows, kExampleWindow, kExampleGap);
    ObservationSet back = round_trip(s);
    EXPECT_TRUE(back.has_parameters());
    EXPECT_EQ(back.window(), kExampleWindow);
    EXPECT_EQ(back.max_gap(), std::optional<Micros>(kExampleGap));
    EXPECT_EQ(back.size(), 7u);
    ExpectExampleResult(back.measure(kExampleGap));
    ExpectSameAvailability(back.measure(kExampleGap), s.measure(kExampleGap));
}

TEST(ObservationSetSerialize, RoundTripOfEveryWindowShape) {
    // Negative and extreme timestamps exercise the two's-complement encoding.
    const std::vector<Observation> rows{on(kMinMicros + 1), off(-1), on(0), off(kMaxMicros - 1)};
    const Window shapes[] = {
        Window::bounded(-100 * kSec, 100 * kSec),
        Window::unbounded(),
        Window{false, -7, std::nullopt},
        Window{false, std::nullopt, kMaxMicros},
        Window::nothing(),
    };
    for (const Window& w : shapes) {
        for (std::optional<Micros> gap : {std::optional<Micros>(kSec), std::optional<Micros>()}) {
            ObservationSet s = make_set(rows, w, gap);
            ObservationSet back = round_trip(s);
            EXPECT_TRUE(back.has_parameters());
            EXPECT_EQ(back.window(), w);
            EXPECT_EQ(back.max_gap(), gap);
            EXPECT_EQ(back.size(), rows.size());
            // and a second round trip is byte-identical
            EXPECT_EQ(back.serialize(), s.serialize());
        }
    }
}

TEST(ObservationSetSerialize, RoundTripPreservesEveryObservation) {
    // Measure with a window W = [0, 100 s), g = 10 s:
    // on@5 -> [5,15) on; off@15 -> [15,25) off; off@-3 -> [-3, 5) ∩ W = [0,5) off.
    // online 10, offline 15, 2 outages ([0,5) and [15,25)), 1 online run.
    ObservationSet s = make_set({on(5 * kSec), off(15 * kSec), off(-3 * kSec)}, Window::bounded(0, 100 * kSec),
                                10 * kSec);
    ObservationSet back = round_trip(s);
    const Availability r = back.measure(10 * kSec);
    EXPECT_EQ(r.online_us, 10 * kSec);
    EXPECT_EQ(r.offline_us, 15 * kSec);
    EXPECT_EQ(r.offline_runs.count, 2);
    EXPECT_EQ(r.online_runs.count, 1);
}

TEST(ObservationSetSerialize, EmptySetRoundTrips) {
    ObservationSet empty;
    const std::string bytes = empty.serialize();
    EXPECT_EQ(bytes.size(), kHeader);
    ObservationSet back = ObservationSet::deserialize(bytes.data(), bytes.size());
    EXPECT_FALSE(back.has_parameters());
    EXPECT_EQ(back.size(), 0u);

    // With parameters but no observation.
    ObservationSet params_only;
    params_only.set_parameters(Window::bounded(0, 10 * kSec), 5 * kSec);
    ObservationSet back2 = round_trip(params_only);
    EXPECT_TRUE(back2.has_parameters());
    EXPECT_EQ(back2.size(), 0u);
    const Availability r = back2.measure(5 * kSec);  // W = [0,10 s), nothing observed
    EXPECT_EQ(r.window_us, 10 * kSec);
    EXPECT_EQ(r.unknown_us(), 10 * kSec);
    EXPECT_EQ(r.uptime(), std::nullopt);
}

TEST(ObservationSetSerialize, HeaderLayoutIsFixed) {
    ObservationSet s = make_set({on(0x0102030405060708LL)}, Window::bounded(1, 2), 3);
    const std::string b = s.serialize();
    ASSERT_EQ(b.size(), kHeader + kPerObservation);
    EXPECT_EQ(static_cast<unsigned char>(b[0]), 1u);  // version
    // little-endian count = 1 at [26..34)
    EXPECT_EQ(static_cast<unsigned char>(b[26]), 1u);
    for (std::size_t i = 27; i < 34; ++i) EXPECT_EQ(b[i], 0) << i;
    // time little-endian then the online byte
    EXPECT_EQ(static_cast<unsigned char>(b[34]), 0x08u);
    EXPECT_EQ(static_cast<unsigned char>(b[41]), 0x01u);
    EXPECT_EQ(static_cast<unsigned char>(b[42]), 1u);
}

class DeserializeRejects : public ::testing::Test {
protected:
    void SetUp() override {
        ObservationSet s = make_set({on(0), off(10 * kSec)}, Window::bounded(1 * kSec, 100 * kSec), 10 * kSec);
        good = s.serialize();
        ASSERT_EQ(good.size(), kHeader + 2 * kPerObservation);
        ASSERT_NO_THROW(ObservationSet::deserialize(good.data(), good.size()));
    }
    static ::testing::AssertionResult Corrupt(const std::string& bytes) {
        return ThrowsKind([&] { ObservationSet::deserialize(bytes.data(), bytes.size()); }, ErrorKind::CorruptState);
    }
    std::string good;
};

TEST_F(DeserializeRejects, TruncatedBytes) {
    for (std::size_t len = 0; len < good.size(); ++len) {
        EXPECT_TRUE(Corrupt(good.substr(0, len))) << "length " << len;
    }
    EXPECT_TRUE(ThrowsKind([] { ObservationSet::deserialize(nullptr, 0); }, ErrorKind::CorruptState));
}

TEST_F(DeserializeRejects, WrongVersion) {
    for (int v : {0, 2, 255}) {
        std::string b = good;
        b[0] = static_cast<char>(v);
        EXPECT_TRUE(Corrupt(b)) << int(v);
    }
}

TEST_F(DeserializeRejects, UnknownFlags) {
    for (int bit : {0x20, 0x40, 0x80}) {
        std::string b = good;
        b[1] = static_cast<char>(static_cast<unsigned char>(b[1]) | bit);
        EXPECT_TRUE(Corrupt(b)) << int(bit);
    }
}

TEST_F(DeserializeRejects, LengthMismatch) {
    std::string longer = good + '\0';
    EXPECT_TRUE(Corrupt(longer));
    std::string extra_obs = good + std::string(kPerObservation, '\0');  // count still says 2
    EXPECT_TRUE(Corrupt(extra_obs));
    std::string count_too_big = good;
    put_u64_le(count_too_big, 26, 3);
    EXPECT_TRUE(Corrupt(count_too_big));
    std::string count_too_small = good;
    put_u64_le(count_too_small, 26, 1);
    EXPECT_TRUE(Corrupt(count_too_small));
    std::string count_huge = good;  // n * 9 would overflow size_t
    put_u64_le(count_huge, 26, ~std::uint64_t{0});
    EXPECT_TRUE(Corrupt(count_huge));
    std::string count_sign = good;  // 2^63: would be negative as a signed count
    put_u64_le(count_sign, 26, std::uint64_t{1} << 63);
    EXPECT_TRUE(Corrupt(count_sign));
}

TEST_F(DeserializeRejects, OnlineByteNotBoolean) {
    for (int v : {2, 0x80, 0xFF}) {
        std::string b = good;
        b[kHeader + kPerObservation + 8] = static_cast<char>(v);  // second observation's state
        EXPECT_TRUE(Corrupt(b)) << int(v);
    }
}

TEST_F(DeserializeRejects, NonPositiveMaxGap) {
    for (std::uint64_t gap : {std::uint64_t{0}, static_cast<std::uint64_t>(-1), std::uint64_t{1} << 63}) {
        std::string b = good;
        put_u64_le(b, 18, gap);
        EXPECT_TRUE(Corrupt(b)) << gap;
    }
}

TEST_F(DeserializeRejects, ObservationsWithoutParameters) {
    std::string b = good;
    b[1] = 0;  // no flag at all, but 2 observations follow
    EXPECT_TRUE(Corrupt(b));
    // The same with the (now absent) window and max_gap fields zeroed, as serialize() writes them.
    put_u64_le(b, 2, 0);
    put_u64_le(b, 10, 0);
    put_u64_le(b, 18, 0);
    EXPECT_TRUE(Corrupt(b));

    // Flags other than "has parameters" without it.
    std::string header(kHeader, '\0');
    header[0] = 1;
    header[1] = static_cast<char>(1u << 2);  // "has lower" alone
    EXPECT_TRUE(Corrupt(header));
    header[1] = 0;
    EXPECT_NO_THROW(ObservationSet::deserialize(header.data(), header.size()));  // the plain empty state
}

TEST_F(DeserializeRejects, AbsentFieldNotZero) {
    // A bounded window with max_gap: clear each "has" flag but leave its field set.
    for (std::uint8_t flag : {std::uint8_t{1u << 2}, std::uint8_t{1u << 3}, std::uint8_t{1u << 4}}) {
        std::string b = good;
        ASSERT_NE(static_cast<unsigned char>(b[1]) & flag, 0);
        b[1] = static_cast<char>(static_cast<unsigned char>(b[1]) & ~flag);
        EXPECT_TRUE(Corrupt(b)) << int(flag);
    }
}

// ---------------------------------------------------------------------------------------------
// 10^6 observations against an independent O(n) reference
// ---------------------------------------------------------------------------------------------

struct Reference {
    Micros online = 0, offline = 0;
    std::int64_t online_runs = 0, offline_runs = 0;
    Micros longest_offline = 0, longest_online = 0;
};

// Straight from SPEC §2: for each observation, its cover, clipped to [a, b), added to its state;
// then a second pass over the clipped pieces that starts a new run whenever a piece does not
// continue the previous one (hole or state change).
Reference reference(const std::vector<Observation>& v, Micros g, Micros a, Micros b) {
    struct Piece {
        Micros lo, hi;
        bool online;
    };
    std::vector<Piece> pieces;
    Reference r;
    for (std::size_t i = 0; i < v.size(); ++i) {
        Micros end = v[i].at + g;
        if (i + 1 < v.size() && v[i + 1].at < end) end = v[i + 1].at;
        const Micros lo = v[i].at > a ? v[i].at : a;
        const Micros hi = end < b ? end : b;
        if (lo >= hi) continue;
        (v[i].online ? r.online : r.offline) += hi - lo;
        pieces.push_back({lo, hi, v[i].online});
    }
    Micros run_len = 0;
    for (std::size_t k = 0; k < pieces.size(); ++k) {
        const bool continues = k > 0 && pieces[k - 1].hi == pieces[k].lo && pieces[k - 1].online == pieces[k].online;
        if (!continues) {
            if (k > 0) {
                Micros& longest = pieces[k - 1].online ? r.longest_online : r.longest_offline;
                longest = std::max(longest, run_len);
            }
            (pieces[k].online ? r.online_runs : r.offline_runs) += 1;
            run_len = 0;
        }
        run_len += pieces[k].hi - pieces[k].lo;
    }
    if (!pieces.empty()) {
        Micros& longest = pieces.back().online ? r.longest_online : r.longest_offline;
        longest = std::max(longest, run_len);
    }
    return r;
}

TEST(ObservationSetLarge, MillionObservationsMatchReference) {
    constexpr std::size_t kN = 1'000'000;
    constexpr Micros kGap = 15 * kMin;
    Lcg rng(42);
    std::vector<Observation> v;
    v.reserve(kN);
    Micros t = -3 * kDay;
    for (std::size_t i = 0; i < kN; ++i) {
        const std::uint64_t s = rng.below(100);
        const bool online = s < 85 || (s < 95 && !v.empty() && v.back().online);
        v.push_back(Observation{t, online});
        const std::uint64_t step_kind = rng.below(50);
        Micros step;
        if (step_kind == 0) step = kGap + 1 + static_cast<Micros>(rng.below(3 * kHour));  // a hole
        else if (step_kind == 1) step = kGap;                                             // exactly max_gap
        else if (step_kind == 2) step = 1 + static_cast<Micros>(rng.below(1000));         // µs apart
        else step = 5 * kMin + static_cast<Micros>(rng.below(2 * kSec)) - kSec;            // 5 min ± 1 s
        t += step;
    }
    const Micros a = v[1234].at + 123;
    const Micros b = v[kN - 4321].at + 77;
    const Reference ref = reference(v, kGap, a, b);
    ASSERT_GT(ref.online_runs, 1000);
    ASSERT_GT(ref.offline_runs, 1000);

    // Sorted input straight into measure().
    const Availability r = measure(v, Window::bounded(a, b), kGap);
    EXPECT_EQ(r.window_us, b - a);
    EXPECT_EQ(r.online_us, ref.online);
    EXPECT_EQ(r.offline_us, ref.offline);
    EXPECT_EQ(r.covered_us(), ref.online + ref.offline);
    EXPECT_EQ(r.online_runs.count, ref.online_runs);
    EXPECT_EQ(r.offline_runs.count, ref.offline_runs);
    EXPECT_EQ(r.online_runs.total_us, ref.online);
    EXPECT_EQ(r.offline_runs.total_us, ref.offline);
    EXPECT_EQ(r.online_runs.longest_us, ref.longest_online);
    EXPECT_EQ(r.offline_runs.longest_us, ref.longest_offline);

    // Unbounded window: [t_1, t_n + g).
    const Reference ref_all = reference(v, kGap, v.front().at, v.back().at + kGap);
    const Availability all = measure(v, Window::unbounded(), kGap);
    EXPECT_EQ(all.window_us, v.back().at + kGap - v.front().at);
    EXPECT_EQ(all.online_us, ref_all.online);
    EXPECT_EQ(all.offline_us, ref_all.offline);
    EXPECT_EQ(all.online_runs.count, ref_all.online_runs);
    EXPECT_EQ(all.offline_runs.count, ref_all.offline_runs);

    // Shuffled, split over two states, merged, serialized and back: same result.
    std::vector<Observation> shuffled = v;
    for (std::size_t i = shuffled.size() - 1; i > 0; --i) std::swap(shuffled[i], shuffled[rng.below(i + 1)]);
    ObservationSet x, y;
    x.set_parameters(Window::bounded(a, b), kGap);
    y.set_parameters(Window::bounded(a, b), kGap);
    for (std::size_t i = 0; i < shuffled.size(); ++i) {
        (i < shuffled.size() / 3 ? x : y).add(shuffled[i].at, shuffled[i].online);
    }
    const std::string bytes = y.serialize();
    x.merge(ObservationSet::deserialize(bytes.data(), bytes.size()));
    ASSERT_EQ(x.size(), kN);
    ExpectSameAvailability(x.measure(kGap), r);
}

}  // namespace
}  // namespace reliability
