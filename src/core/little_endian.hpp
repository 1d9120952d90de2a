// Fixed little-endian 64-bit fields for the core's binary forms (the aggregate state, the
// uptime summary), so a value serialized on one server reads the same on another.
// (Byte by byte; the compiler merges these into single loads and stores.)
#pragma once

#include <cstdint>

namespace reliability {

inline unsigned char* put_u64(unsigned char* out, std::uint64_t v) {
    for (int i = 0; i < 8; ++i) out[i] = static_cast<unsigned char>((v >> (8 * i)) & 0xFF);
    return out + 8;
}

inline std::uint64_t get_u64(const unsigned char* p) {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= static_cast<std::uint64_t>(p[i]) << (8 * i);
    return v;
}

}  // namespace reliability
