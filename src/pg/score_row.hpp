// Turning a core ScoreSnapshot into a reliability.score row (and a reliability.scores row).
#pragma once

#include <optional>

#include "score.hpp"

extern "C" {
#include "postgres.h"
#include "access/htup.h"
#include "access/tupdesc.h"
#include "datatype/timestamp.h"
}

namespace reliability::pg {

constexpr int kScoreColumns = 15;  // the fields of the reliability.score type

// Fills values/nulls[0..kScoreColumns) in the column order of reliability.score.
void score_values(const ScoreSnapshot& s, std::optional<TimestampTz> last_observed_at, TimestampTz as_of,
                  Datum* values, bool* nulls);

// Microseconds back from double seconds that were produced as us / 1e6 (exact below 2^53 us, 285 years).
Micros seconds_to_micros(double seconds);

}  // namespace reliability::pg
