// The window W = [a, b) of SPEC §2, before observations resolve its unbounded sides.
#pragma once

#include <optional>

#include "time.hpp"

namespace reliability {

struct Window {
    bool empty = false;           // an empty range, or one that starts at infinity / ends at -infinity
    std::optional<Micros> lower;  // nullopt: unbounded (or -infinity): starts at the first observation
    std::optional<Micros> upper;  // nullopt: unbounded (or infinity): ends at the end of the last cover

    static Window bounded(Micros a, Micros b) { return Window{false, a, b}; }
    static Window unbounded() { return Window{}; }
    static Window nothing() { return Window{true, std::nullopt, std::nullopt}; }

    bool operator==(const Window& o) const {
        return empty == o.empty && lower == o.lower && upper == o.upper;
    }
    bool operator!=(const Window& o) const { return !(*this == o); }
};

}  // namespace reliability
