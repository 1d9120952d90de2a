#include "score_row.hpp"

#include "cpp_boundary.hpp"

#include <cmath>

extern "C" {
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

namespace reliability::pg {

namespace {
Datum optional_float(std::optional<double> v, bool* isnull) {
    *isnull = !v.has_value();
    return v ? Float8GetDatum(*v) : Datum(0);
}
}  // namespace

void score_values(const ScoreSnapshot& s, std::optional<TimestampTz> last_observed_at, TimestampTz as_of,
                  Datum* values, bool* nulls) {
    for (int i = 0; i < kScoreColumns; ++i) nulls[i] = false;
    values[0] = optional_float(s.score, &nulls[0]);
    values[1] = CStringGetTextDatum(tier_name(s.tier));
    values[2] = optional_float(s.uptime, &nulls[2]);
    values[3] = optional_float(s.uptime, &nulls[3]);
    values[4] = Float8GetDatum(s.interruption);
    values[5] = optional_float(s.rating.component, &nulls[5]);
    values[6] = Float8GetDatum(to_seconds(s.online_us));
    values[7] = Float8GetDatum(to_seconds(s.offline_us));
    values[8] = Float8GetDatum(to_seconds(s.covered_us()));
    values[9] = optional_float(s.coverage(), &nulls[9]);
    values[10] = Int64GetDatum(s.interruptions);
    values[11] = Int64GetDatum(s.rating.count);
    values[12] = optional_float(s.rating.mean, &nulls[12]);
    nulls[13] = !last_observed_at.has_value();
    values[13] = last_observed_at ? TimestampTzGetDatum(*last_observed_at) : Datum(0);
    values[14] = TimestampTzGetDatum(as_of);
}

Micros seconds_to_micros(double seconds) {
    return guarded([&] { return reliability::micros_from_seconds(seconds); });
}

}  // namespace reliability::pg
