#include "observation.hpp"

#include <algorithm>
#include <string>

#include "error.hpp"
#include "interrupt.hpp"

namespace reliability {

void sort_and_check(std::vector<Observation>& observations) {
    // Rows usually arrive in index order; checking first skips the sort.
    poll_interrupt();
    if (!std::is_sorted(observations.begin(), observations.end())) {
        std::sort(observations.begin(), observations.end());
    }
    poll_interrupt();
    auto dup = std::adjacent_find(observations.begin(), observations.end(),
                                  [](const Observation& x, const Observation& y) { return x.at == y.at; });
    if (dup != observations.end()) {
        throw Error(ErrorKind::DuplicateValue, "duplicate observation time in one group");
    }
}

}  // namespace reliability
