// time.hpp: interval -> fixed length (SPEC §2: a day is 86,400 s, a month 30 days, a year
// 365.25 days, as extract(epoch FROM interval) gives), saturating and checked arithmetic;
// interrupt.hpp: cooperative cancel of long loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <vector>

#include "availability.hpp"
#include "interrupt.hpp"
#include "observation.hpp"
#include "test_support.hpp"
#include "time.hpp"

namespace reliability {
namespace {

using namespace reliability::testing;

constexpr std::int32_t kI32Max = std::numeric_limits<std::int32_t>::max();
constexpr std::int32_t kI32Min = std::numeric_limits<std::int32_t>::min();

// interval_micros(time_us, days, months)

TEST(IntervalMicros, PlainTimePart) {
    EXPECT_EQ(interval_micros(0, 0, 0), 0);
    EXPECT_EQ(interval_micros(1, 0, 0), 1);
    EXPECT_EQ(interval_micros(1'500'000, 0, 0), 1'500'000);  // '1.5 seconds'
    EXPECT_EQ(interval_micros(15LL * 60 * 1'000'000, 0, 0), 900'000'000);  // '15 minutes'
    EXPECT_EQ(interval_micros(-3'600'000'000LL, 0, 0), -3'600'000'000LL);  // '-1 hour'
}

TEST(IntervalMicros, DayIs86400Seconds) {
    EXPECT_EQ(interval_micros(0, 1, 0), 86'400'000'000LL);
    EXPECT_EQ(interval_micros(0, 30, 0), 2'592'000'000'000LL);  // '30 days' = 2,592,000 s
    EXPECT_EQ(interval_micros(0, 7, 0), 604'800'000'000LL);     // '7 days'  =   604,800 s
}

TEST(IntervalMicros, MonthIs30Days) {
    EXPECT_EQ(interval_micros(0, 0, 1), 2'592'000'000'000LL);    // 30 * 86,400 s
    EXPECT_EQ(interval_micros(0, 0, 6), 15'552'000'000'000LL);   // 180 days
    EXPECT_EQ(interval_micros(0, 0, 11), 28'512'000'000'000LL);  // 330 days
}

TEST(IntervalMicros, TwelveMonthsIs365AndAQuarterDays) {
    // 365.25 * 86,400 = 31,557,600 s (not 360 days = 31,104,000 s)
    EXPECT_EQ(interval_micros(0, 0, 12), 31'557'600'000'000LL);
    // '1 year 1 month' = 31,557,600 + 2,592,000 = 34,149,600 s
    EXPECT_EQ(interval_micros(0, 0, 13), 34'149'600'000'000LL);
    // '2 years' = 63,115,200 s
    EXPECT_EQ(interval_micros(0, 0, 24), 63'115'200'000'000LL);
    // '1 year 6 months' = 31,557,600 + 15,552,000 = 47,109,600 s
    EXPECT_EQ(interval_micros(0, 0, 18), 47'109'600'000'000LL);
}

TEST(IntervalMicros, MixedAndNegativeParts) {
    // '1 mon -2 days 03:00:00' = 2,592,000 - 172,800 + 10,800 = 2,430,000 s
    EXPECT_EQ(interval_micros(3 * 3'600'000'000LL, -2, 1), 2'430'000'000'000LL);
    // '-1 year -1 month' = -34,149,600 s (months/12 truncates toward zero, like PostgreSQL)
    EXPECT_EQ(interval_micros(0, 0, -13), -34'149'600'000'000LL);
    // '1 day -24:00:00' = 0
    EXPECT_EQ(interval_micros(-86'400'000'000LL, 1, 0), 0);
    // '-1 day +00:00:00.000001' = -86,399.999999 s
    EXPECT_EQ(interval_micros(1, -1, 0), -86'399'999'999LL);
    // '6 months' and '180 days' have the same fixed length
    EXPECT_EQ(interval_micros(0, 0, 6), interval_micros(0, 180, 0));
}

TEST(IntervalMicros, LargestThatFitsAndOverflow) {
    // 106,751,991 days = 9,223,372,022,400,000,000 µs; INT64_MAX - that = 14,454,775,807 µs.
    EXPECT_EQ(interval_micros(14'454'775'807LL, 106'751'991, 0), kMaxMicros);
    EXPECT_TRUE(ThrowsKind([] { interval_micros(14'454'775'808LL, 106'751'991, 0); }, ErrorKind::DatetimeOutOfRange));
    EXPECT_EQ(interval_micros(-14'454'775'808LL, -106'751'991, 0), kMinMicros);
    EXPECT_TRUE(ThrowsKind([] { interval_micros(-14'454'775'809LL, -106'751'991, 0); }, ErrorKind::DatetimeOutOfRange));
    // the parts alone do not fit
    EXPECT_TRUE(ThrowsKind([] { interval_micros(0, kI32Max, 0); }, ErrorKind::DatetimeOutOfRange));
    EXPECT_TRUE(ThrowsKind([] { interval_micros(0, kI32Min, 0); }, ErrorKind::DatetimeOutOfRange));
    EXPECT_TRUE(ThrowsKind([] { interval_micros(0, 0, kI32Max); }, ErrorKind::DatetimeOutOfRange));
    EXPECT_TRUE(ThrowsKind([] { interval_micros(0, 0, kI32Min); }, ErrorKind::DatetimeOutOfRange));
    // fits on its own, but the sum overflows
    EXPECT_TRUE(ThrowsKind([] { interval_micros(kMaxMicros, 1, 0); }, ErrorKind::DatetimeOutOfRange));
    EXPECT_TRUE(ThrowsKind([] { interval_micros(kMaxMicros, 0, 1); }, ErrorKind::DatetimeOutOfRange));
    EXPECT_TRUE(ThrowsKind([] { interval_micros(kMinMicros, -1, 0); }, ErrorKind::DatetimeOutOfRange));
    // but opposite signs cancel
    EXPECT_EQ(interval_micros(kMaxMicros, -1, 0), kMaxMicros - 86'400'000'000LL);
    EXPECT_EQ(interval_micros(kMaxMicros, 0, 0), kMaxMicros);
}

// Saturating and checked arithmetic

TEST(TimeArithmetic, SaturatingAdd) {
    EXPECT_EQ(saturating_add(1, 2), 3);
    EXPECT_EQ(saturating_add(-5, 3), -2);
    EXPECT_EQ(saturating_add(kMaxMicros, 0), kMaxMicros);
    EXPECT_EQ(saturating_add(kMaxMicros, 1), kMaxMicros);
    EXPECT_EQ(saturating_add(kMaxMicros - 10, 1000), kMaxMicros);
    EXPECT_EQ(saturating_add(kMaxMicros, kMaxMicros), kMaxMicros);
    EXPECT_EQ(saturating_add(kMinMicros, -1), kMinMicros);
    EXPECT_EQ(saturating_add(kMinMicros, kMinMicros), kMinMicros);
    EXPECT_EQ(saturating_add(kMaxMicros, kMinMicros), -1);
    EXPECT_EQ(saturating_add(kMaxMicros - 1, 1), kMaxMicros);
}

TEST(TimeArithmetic, SaturatingSub) {
    EXPECT_EQ(saturating_sub(5, 7), -2);
    EXPECT_EQ(saturating_sub(kMinMicros, 1), kMinMicros);
    EXPECT_EQ(saturating_sub(kMinMicros + 1, 1), kMinMicros);
    EXPECT_EQ(saturating_sub(kMaxMicros, -1), kMaxMicros);
    EXPECT_EQ(saturating_sub(0, kMinMicros), kMaxMicros);  // -MIN does not fit
    EXPECT_EQ(saturating_sub(-1, kMinMicros), kMaxMicros);  // exactly MAX
    EXPECT_EQ(saturating_sub(kMaxMicros, kMaxMicros), 0);
}

TEST(TimeArithmetic, CheckedAddSub) {
    EXPECT_EQ(checked_add(kMaxMicros, -1), kMaxMicros - 1);
    EXPECT_EQ(checked_add(kMaxMicros - 1, 1), kMaxMicros);
    EXPECT_EQ(checked_sub(kMinMicros + 1, 1), kMinMicros);
    EXPECT_EQ(checked_sub(-1, kMinMicros), kMaxMicros);
    EXPECT_TRUE(ThrowsKind([] { checked_add(kMaxMicros, 1); }, ErrorKind::OutOfRange));
    EXPECT_TRUE(ThrowsKind([] { checked_add(kMinMicros, -1); }, ErrorKind::OutOfRange));
    EXPECT_TRUE(ThrowsKind([] { checked_sub(kMinMicros, 1); }, ErrorKind::OutOfRange));
    EXPECT_TRUE(ThrowsKind([] { checked_sub(0, kMinMicros); }, ErrorKind::OutOfRange));
    EXPECT_TRUE(ThrowsKind([] { checked_sub(kMaxMicros, kMinMicros); }, ErrorKind::OutOfRange));
}

TEST(TimeArithmetic, ToSeconds) {
    EXPECT_EQ(to_seconds(0), 0.0);
    EXPECT_EQ(to_seconds(1'500'000), 1.5);
    EXPECT_EQ(to_seconds(-250'000), -0.25);
    EXPECT_EQ(to_seconds(1), 1e-6);
    EXPECT_EQ(to_seconds(86'400'000'000LL), 86400.0);
}

// The exact decimal us / 10^6, read by strtod (correctly rounded, ties to even).
double decimal_seconds(Micros us) {
    const bool negative = us < 0;
    const auto magnitude = negative ? 0 - static_cast<std::uint64_t>(us) : static_cast<std::uint64_t>(us);
    char text[64];
    std::snprintf(text, sizeof text, "%s%llu.%06llu", negative ? "-" : "",
                  static_cast<unsigned long long>(magnitude / 1'000'000), static_cast<unsigned long long>(magnitude % 1'000'000));
    return std::strtod(text, nullptr);
}

// Beyond 2^53 us (285 years) (double)us rounds before the division: the seconds must still
// be the double nearest the exact quotient, as extract(epoch FROM interval) gives.
TEST(TimeArithmetic, ToSecondsRoundsOnceBeyond285Years) {
    // 2300-01-01 00:00:00.000001 minus 1900-01-01, less 36525 days: 9467020800.000001 s.
    EXPECT_EQ(to_seconds(9'467'020'800'000'001LL), 9467020800.000002);
    EXPECT_NE(to_seconds(9'467'020'800'000'001LL), static_cast<double>(9'467'020'800'000'001LL) / 1e6);
    for (const Micros us : {Micros{1} << 53, (Micros{1} << 53) + 1, -(Micros{1} << 53), kMaxMicros, kMinMicros,
                            kMinMicros + 1, Micros{9'223'372'036'854'775'807LL / 3}})
        EXPECT_EQ(to_seconds(us), decimal_seconds(us)) << "us = " << us;
    std::uint64_t state = 0x9E3779B97F4A7C15ULL;  // splitmix64: a fixed sequence
    for (int i = 0; i < 200'000; ++i) {
        state += 0x9E3779B97F4A7C15ULL;
        std::uint64_t z = state;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
        z ^= z >> 31;
        const auto us = static_cast<Micros>(z >> (i % 12));  // every magnitude from 2^51 to 2^63, both signs
        ASSERT_EQ(to_seconds(us), decimal_seconds(us)) << "us = " << us;
    }
}

// Cooperative cancel

class InterruptTest : public ::testing::Test {
protected:
    void TearDown() override { set_interrupt_poll(nullptr); }
    static bool always() { return true; }
    static bool never() { return false; }
};

TEST_F(InterruptTest, NoPollInstalledNeverThrows) {
    set_interrupt_poll(nullptr);
    EXPECT_NO_THROW(poll_interrupt());
}

TEST_F(InterruptTest, PollReturningFalseNeverThrows) {
    set_interrupt_poll(&never);
    EXPECT_NO_THROW(poll_interrupt());
    std::vector<Observation> v{on(2), on(1)};
    EXPECT_NO_THROW(sort_and_check(v));
    EXPECT_NO_THROW(measure(v, Window::unbounded(), 10));
}

TEST_F(InterruptTest, PendingCancelThrowsCancelledFromLongLoops) {
    set_interrupt_poll(&always);
    EXPECT_TRUE(ThrowsKind([] { poll_interrupt(); }, ErrorKind::Cancelled));
    std::vector<Observation> v;
    for (Micros t = 200'000; t > 0; --t) v.push_back(on(t * 10));
    EXPECT_TRUE(ThrowsKind([&] { sort_and_check(v); }, ErrorKind::Cancelled));
    set_interrupt_poll(nullptr);
    sort_and_check(v);
    set_interrupt_poll(&always);
    EXPECT_TRUE(ThrowsKind([&] { measure(v, Window::unbounded(), 15); }, ErrorKind::Cancelled));
}

// Cancel arriving in the middle of a sweep (after the first polls passed).
int g_polls_until_cancel = 0;
bool cancel_later() { return --g_polls_until_cancel < 0; }

TEST_F(InterruptTest, CancelArrivingMidSweep) {
    std::vector<Observation> v;
    for (Micros t = 0; t < 300'000; ++t) v.push_back(on(t * 10));
    g_polls_until_cancel = 2;  // the first two polls pass, a later one cancels
    set_interrupt_poll(&cancel_later);
    EXPECT_TRUE(ThrowsKind([&] { measure(v, Window::unbounded(), 15); }, ErrorKind::Cancelled));
}

// micros_from_seconds(to_seconds(us)) == us for every length the settings allow (100
// years) and beyond: at 140 years (exact up to 2^53 us, 285 years), rounding seconds * 1e6 alone misses by a
// microsecond for about a quarter of the values (checked on the same samples, so
// this test would catch a return to it), while the exact inverse still round-trips.
Micros xorshift_below(std::uint64_t& state, Micros bound) {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<Micros>(state % static_cast<std::uint64_t>(bound));
}

TEST(MicrosFromSeconds, RoundTripsEveryMicrosecondOfAllowedLengths) {
    const Micros year = 31'557'600LL * 1'000'000;
    std::uint64_t state = 0x9E3779B97F4A7C15ULL;  // fixed: reproducible
    for (int i = 0; i < 1'000'000; ++i) {
        const Micros us = xorshift_below(state, 100 * year + 1);
        ASSERT_EQ(micros_from_seconds(to_seconds(us)), us) << "us = " << us;
    }
    EXPECT_EQ(micros_from_seconds(0.0), 0);
    EXPECT_EQ(micros_from_seconds(-1.5), -1'500'000);
}

TEST(MicrosFromSeconds, ExactWhereNaiveRoundingMisses) {
    const Micros year = 31'557'600LL * 1'000'000;
    std::uint64_t state = 0x2545F4914F6CDD1DULL;
    for (const Micros length : {140 * year, 141 * year}) {
        int naive_misses = 0;
        for (int i = 0; i < 100'000; ++i) {
            const Micros us = length - xorshift_below(state, year);
            const double seconds = to_seconds(us);
            ASSERT_EQ(micros_from_seconds(seconds), us) << "us = " << us;
            if (std::llround(seconds * 1e6) != us) ++naive_misses;
        }
        EXPECT_GT(naive_misses, 1000) << "at " << length / year << " years";
    }
}

// As PostgreSQL prints timestamptz in UTC; the expected strings are psql's own output of
// SET TimeZone = 'UTC'; SELECT timestamptz '...'.
TEST(FormatUtc, PrintsAsPostgreSQLDoes) {
    EXPECT_EQ(format_utc(0), "2000-01-01 00:00:00+00");
    EXPECT_EQ(format_utc(-1), "1999-12-31 23:59:59.999999+00");
    EXPECT_EQ(format_utc(500'000), "2000-01-01 00:00:00.5+00");
    // 2024-02-29 12:34:56 UTC: 8825 days after 2000-01-01, a leap day
    EXPECT_EQ(format_utc((8825LL * 86'400 + 12 * 3600 + 34 * 60 + 56) * 1'000'000), "2024-02-29 12:34:56+00");
    // 1970-01-01 is 10957 days before 2000-01-01; 2100-03-01 follows a non-leap February
    EXPECT_EQ(format_utc(-10957LL * 86'400 * 1'000'000), "1970-01-01 00:00:00+00");
    EXPECT_EQ(format_utc(36584LL * 86'400 * 1'000'000), "2100-03-01 00:00:00+00");
    EXPECT_EQ(format_utc(kMaxMicros), "infinity");
    EXPECT_EQ(format_utc(kMinMicros), "-infinity");
}
}  // namespace
}  // namespace reliability
