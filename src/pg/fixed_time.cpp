// reliability.add_fixed / sub_fixed: timestamptz +/- the fixed length of an interval.
#include "cpp_boundary.hpp"
#include "pg_time.hpp"

extern "C" {
#include "fmgr.h"
#include "utils/timestamp.h"
}

using namespace reliability::pg;

namespace {

Datum shift(FunctionCallInfo fcinfo, int sign) {
    TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
    const Interval* length = PG_GETARG_INTERVAL_P(1);
    if (TIMESTAMP_NOT_FINITE(ts)) PG_RETURN_TIMESTAMPTZ(ts);  // infinity +/- a length is still infinity
    reliability::Micros us = interval_length(length);
    TimestampTz result = guarded([&] {
        return sign > 0 ? reliability::checked_add(ts, us) : reliability::checked_sub(ts, us);
    });
    if (!IS_VALID_TIMESTAMP(result)) {
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("timestamp out of range")));
    }
    PG_RETURN_TIMESTAMPTZ(result);
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(reliability_add_fixed);
Datum reliability_add_fixed(PG_FUNCTION_ARGS) { return shift(fcinfo, +1); }

PG_FUNCTION_INFO_V1(reliability_sub_fixed);
Datum reliability_sub_fixed(PG_FUNCTION_ARGS) { return shift(fcinfo, -1); }

// _sub_fixed_or_infinity(ts, length): ts minus the length, or -infinity when that is before
// the first timestamp (a lower bound for "rows from max_gap before ts on" near the start of time).
PG_FUNCTION_INFO_V1(reliability_sub_fixed_or_infinity);
Datum reliability_sub_fixed_or_infinity(PG_FUNCTION_ARGS) {
    TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
    if (TIMESTAMP_NOT_FINITE(ts)) PG_RETURN_TIMESTAMPTZ(ts);
    const reliability::Micros us = interval_length(PG_GETARG_INTERVAL_P(1));
    if (us > 0 && ts - MIN_TIMESTAMP < us) PG_RETURN_TIMESTAMPTZ(DT_NOBEGIN);
    return shift(fcinfo, -1);
}

}  // extern "C"
