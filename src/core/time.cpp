#include "time.hpp"

#include <cmath>
#include <cstdio>

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

double to_seconds_wide(Micros us) {
    __extension__ typedef __int128 Wide;
    // A first guess within an ulp of the quotient, then of it and its two neighbours the one
    // nearest us / 10^6, compared exactly: c = m * 2^e with |c| >= 2^53 / 10^6 has e >= -20,
    // so c * 10^6 * 2^-e and us * 2^-e are integers that fit in 128 bits.
    const double guess = static_cast<double>(static_cast<long double>(us) / 1e6L);
    double best = guess;
    Wide best_error = -1;
    for (const double c : {std::nextafter(guess, -HUGE_VAL), guess, std::nextafter(guess, HUGE_VAL)}) {
        int exponent;
        const double fraction = std::frexp(c, &exponent);  // c = fraction * 2^exponent, |fraction| in [0.5, 1)
        const auto mantissa = static_cast<std::int64_t>(std::ldexp(fraction, 53));
        const int shift = 53 - exponent;  // c = mantissa * 2^-shift
        if (shift < 0 || shift > 40) continue;  // not near any int64 / 10^6
        Wide error = Wide{mantissa} * kMicrosPerSecond - Wide{us} * (Wide{1} << shift);
        if (error < 0) error = -error;
        const bool even = (mantissa & 1) == 0;
        if (best_error < 0 || error < best_error || (error == best_error && even)) {
            best = c;
            best_error = error;
        }
    }
    return best;
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

std::string format_utc(Micros t) {
    if (t == kMaxMicros) return "infinity";
    if (t == kMinMicros) return "-infinity";
    constexpr Micros kMicrosPerDay = kSecondsPerDay * kMicrosPerSecond;
    Micros days = t / kMicrosPerDay, rest = t % kMicrosPerDay;
    if (rest < 0) {
        rest += kMicrosPerDay;
        --days;
    }
    // Days since 2000-01-01 to a civil date (H. Hinnant's days_from_civil, inverted).
    const std::int64_t z = days + 10957 + 719468;
    const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const std::int64_t doe = z - era * 146097;
    const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const std::int64_t mp = (5 * doy + 2) / 153;
    const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
    const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
    const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
    const Micros seconds = rest / kMicrosPerSecond, fraction = rest % kMicrosPerSecond;
    char buf[64];
    int len = std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld", static_cast<long long>(year),
                            static_cast<long long>(month), static_cast<long long>(day),
                            static_cast<long long>(seconds / 3600), static_cast<long long>(seconds / 60 % 60),
                            static_cast<long long>(seconds % 60));
    if (fraction != 0) {
        len += std::snprintf(buf + len, sizeof buf - static_cast<std::size_t>(len), ".%06lld", static_cast<long long>(fraction));
        while (buf[len - 1] == '0') buf[--len] = '\0';  // PostgreSQL drops trailing zeros
    }
    return std::string(buf, static_cast<std::size_t>(len)) + "+00";
}

}  // namespace reliability
