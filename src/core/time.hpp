// Time in the core is int64 microseconds, the same unit as PostgreSQL's timestamptz,
// so every sum is exact; conversion to seconds happens once, at the edge.
#pragma once

#include <cstdint>
#include <limits>
#include <string>

#include "error.hpp"

namespace reliability {

using Micros = std::int64_t;

constexpr Micros kMicrosPerSecond = 1'000'000;
constexpr Micros kMaxMicros = std::numeric_limits<Micros>::max();
constexpr Micros kMinMicros = std::numeric_limits<Micros>::min();

// The double nearest to us / 10^6 (ties to even), as extract(epoch FROM interval) gives it.
// Below 2^53 us (285 years) both operands are exact, so the one division rounds correctly;
// above, (double)us would round first, so to_seconds_wide() rounds once, exactly.
double to_seconds_wide(Micros us);
inline double to_seconds(Micros us) {
    constexpr Micros kExactMicros = Micros{1} << 53;
    if (us > -kExactMicros && us < kExactMicros) return static_cast<double>(us) / 1e6;
    return to_seconds_wide(us);
}

// The microseconds that to_seconds() turned into `seconds`, exactly: below 2^53 us (285
// years, beyond every length the settings allow) distinct microseconds give distinct
// doubles, so of the integers next to seconds * 1e6 exactly one maps back to `seconds`.
// (Rounding seconds * 1e6 alone misses by one for many values above 136 years.)
Micros micros_from_seconds(double seconds);

// a + b, clamped to the int64 range (cover ends near the end of time saturate).
inline Micros saturating_add(Micros a, Micros b) {
    Micros r;
    if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kMaxMicros : kMinMicros;
    return r;
}

inline Micros saturating_sub(Micros a, Micros b) {
    Micros r;
    if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? kMaxMicros : kMinMicros;
    return r;
}

// a + b, or an OutOfRange error: used where a wrong answer would be worse than none.
inline Micros checked_add(Micros a, Micros b) {
    Micros r;
    if (__builtin_add_overflow(a, b, &r)) throw Error(ErrorKind::OutOfRange, "time arithmetic out of range");
    return r;
}

inline Micros checked_sub(Micros a, Micros b) {
    Micros r;
    if (__builtin_sub_overflow(a, b, &r)) throw Error(ErrorKind::OutOfRange, "time arithmetic out of range");
    return r;
}

// The fixed length of a PostgreSQL interval, as extract(epoch FROM interval) defines it:
// a day is 86,400 s, a month 30 days, a year (12 months) 365.25 days.
// Throws DatetimeOutOfRange (22008, as PostgreSQL for an interval) when the length does not fit in int64 microseconds.
Micros interval_micros(std::int64_t time_us, std::int32_t days, std::int32_t months);

// t as PostgreSQL prints a timestamptz in UTC (ISO, e.g. "2024-05-01 00:10:00.5+00"), for
// error messages; "infinity" / "-infinity" at the ends of the range.
std::string format_utc(Micros t);

}  // namespace reliability
