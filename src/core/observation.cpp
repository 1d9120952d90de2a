#include "observation.hpp"

#include <algorithm>
#include <string>

#include "error.hpp"
#include "interrupt.hpp"
#include "time.hpp"

namespace reliability {

void sort_and_check(Observation* first, Observation* last) {
    poll_interrupt();
    // Rows usually arrive in time order, and a window aggregate calls us again after adding
    // a few rows to an already sorted state: sort only the unsorted tail, then merge.
    Observation* tail = std::is_sorted_until(first, last);
    if (tail != last) {
        std::sort(tail, last);
        std::inplace_merge(first, tail, last);
    }
    poll_interrupt();
    Observation* dup = std::adjacent_find(first, last,
                                  [](const Observation& x, const Observation& y) { return x.at == y.at; });
    if (dup != last) {
        throw Error(ErrorKind::DuplicateValue, "duplicate observation time " + format_utc(dup->at) + " in one group");
    }
}

}  // namespace reliability
