#pragma once

#include <vector>

#include "time.hpp"

namespace reliability {

struct Observation {
    Micros at;
    bool online;
};

inline bool operator<(const Observation& x, const Observation& y) { return x.at < y.at; }

// Sorts by time and rejects two observations at the same instant (SPEC §3).
void sort_and_check(Observation* first, Observation* last);
inline void sort_and_check(std::vector<Observation>& observations) {
    sort_and_check(observations.data(), observations.data() + observations.size());
}

}  // namespace reliability
