// Helpers shared by the libFuzzer harnesses of the core (test/fuzz/*.cpp).
//
// Inputs are read front to back by a tiny Reader (not FuzzedDataProvider, which reads
// integers from the end), so that seed_corpus.cpp can write structured seeds in the same
// layout. An exhausted Reader yields zeros, so every byte string is a valid input.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <limits>
#include <string>

#include "error.hpp"
#include "time.hpp"

// A violated invariant: print it and abort, which libFuzzer reports as a crash.
#define FUZZ_CHECK(cond)                                                                     \
    do {                                                                                     \
        if (!(cond)) {                                                                       \
            std::fprintf(stderr, "FUZZ_CHECK failed: %s at %s:%d\n", #cond, __FILE__, __LINE__); \
            std::abort();                                                                    \
        }                                                                                    \
    } while (0)

namespace fuzz {

using reliability::Micros;

class Reader {
public:
    Reader(const std::uint8_t* data, std::size_t size) : p_(data), end_(data + size) {}

    bool empty() const { return p_ >= end_; }
    std::size_t remaining() const { return static_cast<std::size_t>(end_ - p_); }

    std::uint8_t u8() { return empty() ? 0 : *p_++; }

    std::uint64_t u64() {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(u8()) << (8 * i);
        return v;
    }
    std::int64_t i64() { return static_cast<std::int64_t>(u64()); }
    std::int16_t i16() {
        const std::uint16_t lo = u8();
        const std::uint16_t hi = u8();
        return static_cast<std::int16_t>(static_cast<std::uint16_t>(lo | (hi << 8)));
    }

    // An int64 time, biased towards the values that break arithmetic.
    Micros time() {
        switch (u8() % 8) {
            case 0: return reliability::kMinMicros;
            case 1: return reliability::kMaxMicros;
            case 2: return 0;
            case 3: return reliability::kMinMicros + static_cast<Micros>(u8());
            case 4: return reliability::kMaxMicros - static_cast<Micros>(u8());
            case 5: return static_cast<Micros>(i16());
            default: return i64();
        }
    }

    // A double, biased towards the values that break arithmetic.
    double real() {
        switch (u8() % 16) {
            case 0: return 0.0;
            case 1: return -0.0;
            case 2: return 1.0;
            case 3: return std::numeric_limits<double>::quiet_NaN();
            case 4: return std::numeric_limits<double>::infinity();
            case 5: return -std::numeric_limits<double>::infinity();
            case 6: return std::numeric_limits<double>::max();
            case 7: return std::numeric_limits<double>::denorm_min();
            case 8: return std::numeric_limits<double>::min();
            case 9: return std::numeric_limits<double>::epsilon();
            case 10: return static_cast<double>(u8()) / 255.0;           // [0, 1]
            case 11: return static_cast<double>(u8()) * 100.0 / 255.0;   // [0, 100]
            case 12: return 1.0 + static_cast<double>(u8()) * 4.0 / 255.0;  // [1, 5]
            case 13: return static_cast<double>(i16());
            default: {
                const std::uint64_t bits = u64();
                double d;
                std::memcpy(&d, &bits, sizeof d);
                return d;
            }
        }
    }

private:
    const std::uint8_t* p_;
    const std::uint8_t* end_;
};

// Wrapping addition without UB: fuzz inputs may add small offsets to extreme bases.
inline Micros wrap_add(Micros a, Micros b) {
    return static_cast<Micros>(static_cast<std::uint64_t>(a) + static_cast<std::uint64_t>(b));
}

// Runs f; returns true if it returned normally, false if it threw reliability::Error (whose kind
// is stored). Any other exception escapes and libFuzzer reports it as a crash ("deadly signal"
// from std::terminate), which is what we want: only reliability::Error may be thrown.
template <typename F>
bool run(F&& f, reliability::ErrorKind& kind) {
    try {
        f();
        return true;
    } catch (const reliability::Error& e) {
        kind = e.kind();
        return false;
    }
}

// One input of a harness: any exception that escapes it is a finding. Each harness's
// LLVMFuzzerTestOneInput is `return fuzz::one_input([&] { ... });`.
template <typename F>
int one_input(F&& body) {
    try {
        body();
    } catch (const reliability::Error& e) {
        std::fprintf(stderr, "unexpected reliability::Error (kind %d): %s\n", static_cast<int>(e.kind()), e.what());
        std::abort();
    } catch (const std::exception& e) {
        std::fprintf(stderr, "non-reliability exception escaped: %s\n", e.what());
        std::abort();
    }
    return 0;
}

}  // namespace fuzz
