#include "time.hpp"

namespace reliability {

namespace {
constexpr std::int64_t kSecondsPerDay = 86'400;
constexpr std::int64_t kSecondsPerMonth = 30 * kSecondsPerDay;
constexpr std::int64_t kSecondsPerYear = 31'557'600;  // 365.25 days

Micros checked_mul(std::int64_t a, std::int64_t b) {
    Micros r;
    if (__builtin_mul_overflow(a, b, &r)) throw Error(ErrorKind::OutOfRange, "interval out of range");
    return r;
}
}  // namespace

Micros interval_micros(std::int64_t time_us, std::int32_t days, std::int32_t months) {
    const std::int64_t years = months / 12;
    const std::int64_t rest_months = months % 12;
    Micros total = time_us;
    for (Micros part : {checked_mul(days, kSecondsPerDay * kMicrosPerSecond),
                        checked_mul(years, kSecondsPerYear * kMicrosPerSecond),
                        checked_mul(rest_months, kSecondsPerMonth * kMicrosPerSecond)}) {
        if (__builtin_add_overflow(total, part, &total)) throw Error(ErrorKind::OutOfRange, "interval out of range");
    }
    return total;
}

}  // namespace reliability
