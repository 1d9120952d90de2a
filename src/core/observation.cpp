#include "observation.hpp"

#include <algorithm>
#include <string>

#include "error.hpp"
#include "interrupt.hpp"

namespace reliability {

void sort_and_check(std::vector<Observation>& observations) {
    poll_interrupt();
    // Rows usually arrive in time order, and a window aggregate calls us again after adding
    // a few rows to an already sorted state: sort only the unsorted tail, then merge.
    auto tail = std::is_sorted_until(observations.begin(), observations.end());
    if (tail != observations.end()) {
        std::sort(tail, observations.end());
        std::inplace_merge(observations.begin(), tail, observations.end());
    }
    poll_interrupt();
    auto dup = std::adjacent_find(observations.begin(), observations.end(),
                                  [](const Observation& x, const Observation& y) { return x.at == y.at; });
    if (dup != observations.end()) {
        throw Error(ErrorKind::DuplicateValue, "duplicate observation time in one group");
    }
}

}  // namespace reliability
