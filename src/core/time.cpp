#include "time.hpp"

#include <cmath>

namespace reliability {

namespace {
constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kSecondsPerMonth = 30 * kSecondsPerDay;
constexpr std::int64_t kSecondsPerYear = 31'557'600;  // 365.25 days
}  // namespace

Micros interval_micros(std::int64_t time_us, std::int32_t days, std::int32_t months) {
    // Summed in 128 bits (no part can overflow there), checked once: a part may leave int64
    // while the whole length still fits, e.g. 9223372036854775807 us, -147321217 days,
    // 247 months (found by test/fuzz/fuzz_score).
    __extension__ typedef __int128 Wide;
    const std::int64_t years = months / 12;
    const std::int64_t rest_months = months % 12;
    const Wide total = Wide{time_us} + Wide{days} * (kSecondsPerDay * kMicrosPerSecond) +
                       Wide{years} * (kSecondsPerYear * kMicrosPerSecond) +
                       Wide{rest_months} * (kSecondsPerMonth * kMicrosPerSecond);
    // 22008, as PostgreSQL reports an interval that overflows.
    if (total < kMinMicros || total > kMaxMicros) throw Error(ErrorKind::DatetimeOutOfRange, "interval out of range");
    return static_cast<Micros>(total);
}

Micros micros_from_seconds(double seconds) {
    const double scaled = seconds * 1e6;
    if (!(scaled > -9.2e18 && scaled < 9.2e18)) throw Error(ErrorKind::OutOfRange, "seconds out of range");
    const Micros nearest = std::llround(scaled);
    for (const Micros candidate : {nearest, nearest - 1, nearest + 1}) {
        if (to_seconds(candidate) == seconds) return candidate;
    }
    return nearest;  // not a value to_seconds() made: the nearest microsecond
}

}  // namespace reliability
