// Shared helpers for the core unit tests: readable time constants and a field-by-field
// comparison of two Availability results. Expected values are always computed by hand
// (in comments) or by an independent reference written in the test, never by the code
// under test.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <optional>

#include "availability.hpp"
#include "error.hpp"

namespace reliability::testing {

constexpr Micros kUs = 1;
constexpr Micros kSec = 1'000'000;
constexpr Micros kMin = 60 * kSec;
constexpr Micros kHour = 60 * kMin;
constexpr Micros kDay = 24 * kHour;

inline Observation on(Micros at) { return Observation{at, true}; }
inline Observation off(Micros at) { return Observation{at, false}; }

// Asserts that `fn` throws reliability::Error of exactly `kind`.
template <typename Fn>
::testing::AssertionResult ThrowsKind(Fn&& fn, ErrorKind kind) {
    try {
        fn();
    } catch (const Error& e) {
        if (e.kind() == kind) return ::testing::AssertionSuccess();
        return ::testing::AssertionFailure()
               << "threw reliability::Error of kind " << static_cast<int>(e.kind()) << " (" << e.what()
               << "), expected kind " << static_cast<int>(kind);
    } catch (const std::exception& e) {
        return ::testing::AssertionFailure() << "threw a non-reliability exception: " << e.what();
    }
    return ::testing::AssertionFailure() << "did not throw";
}

// Every field, including the derived ones, of two results must be identical.
inline void ExpectSameAvailability(const Availability& x, const Availability& y) {
    EXPECT_EQ(x.window_us, y.window_us);
    EXPECT_EQ(x.online_us, y.online_us);
    EXPECT_EQ(x.offline_us, y.offline_us);
    EXPECT_EQ(x.online_runs.count, y.online_runs.count);
    EXPECT_EQ(x.online_runs.total_us, y.online_runs.total_us);
    EXPECT_EQ(x.online_runs.longest_us, y.online_runs.longest_us);
    EXPECT_EQ(x.offline_runs.count, y.offline_runs.count);
    EXPECT_EQ(x.offline_runs.total_us, y.offline_runs.total_us);
    EXPECT_EQ(x.offline_runs.longest_us, y.offline_runs.longest_us);
    EXPECT_EQ(x.uptime(), y.uptime());
    EXPECT_EQ(x.coverage(), y.coverage());
    EXPECT_EQ(x.mean_outage_seconds(), y.mean_outage_seconds());
    EXPECT_EQ(x.mean_online_seconds(), y.mean_online_seconds());
    EXPECT_EQ(x.longest_outage_seconds(), y.longest_outage_seconds());
}

// The result of an empty window (SPEC §2): zero seconds, no runs, NULL ratios.
inline void ExpectEmptyResult(const Availability& r) {
    EXPECT_EQ(r.window_us, 0);
    EXPECT_EQ(r.online_us, 0);
    EXPECT_EQ(r.offline_us, 0);
    EXPECT_EQ(r.covered_us(), 0);
    EXPECT_EQ(r.unknown_us(), 0);
    EXPECT_EQ(r.online_runs.count, 0);
    EXPECT_EQ(r.offline_runs.count, 0);
    EXPECT_EQ(r.uptime(), std::nullopt);
    EXPECT_EQ(r.coverage(), std::nullopt);
    EXPECT_EQ(r.longest_outage_seconds(), std::nullopt);
    EXPECT_EQ(r.mean_outage_seconds(), std::nullopt);
    EXPECT_EQ(r.mean_online_seconds(), std::nullopt);
}

// A deterministic 64-bit LCG (Knuth MMIX constants), so large tests are reproducible.
struct Lcg {
    std::uint64_t state;
    explicit Lcg(std::uint64_t seed) : state(seed) {}
    std::uint64_t next() {
        state = state * 6364136223846793005ULL + 1442695040888963407ULL;
        return state >> 17;  // drop the weak low bits
    }
    std::uint64_t below(std::uint64_t n) { return next() % n; }
};

}  // namespace reliability::testing
