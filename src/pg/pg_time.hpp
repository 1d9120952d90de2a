// Conversions between PostgreSQL time types and the core's microseconds and windows.
// These use no C++ object with a destructor, so they may ereport().
#pragma once

#include "window.hpp"

extern "C" {
#include "postgres.h"
#include "datatype/timestamp.h"
#include "fmgr.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
}

namespace reliability::pg {

// The fixed length of an interval (SPEC §2); ERROR 22008 when it does not fit.
Micros interval_length(const Interval* interval);

// Same, and ERROR 22023 unless positive; `what` names the parameter in the message.
Micros positive_interval_length(const Interval* interval, const char* what);

// A tstzrange as a window: bounds' inclusivity is ignored, infinities become open sides.
Window range_to_window(const RangeType* range);

// ERROR 22008 unless the timestamp is finite; `what` names it in the message.
void require_finite(TimestampTz t, const char* what);

// Argument `arg` of a non-strict function as a finite timestamp: ERROR 22004 when it is NULL
// (one rule for every as_of: never a NULL result that reads as "no such machine"), 22008
// when it is not finite.
TimestampTz required_time(FunctionCallInfo fcinfo, int arg, const char* what);

}  // namespace reliability::pg
