#include "pg_time.hpp"

#include "cpp_boundary.hpp"
#include "time.hpp"

extern "C" {
#include "utils/typcache.h"
}

namespace reliability::pg {

Micros interval_length(const Interval* interval) {
    return guarded([&] { return reliability::interval_micros(interval->time, interval->day, interval->month); });
}

Micros positive_interval_length(const Interval* interval, const char* what) {
    Micros us = interval_length(interval);
    if (us <= 0) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s must be a positive interval", what)));
    }
    return us;
}

Window range_to_window(const RangeType* range) {
    TypeCacheEntry* typcache = lookup_type_cache(RangeTypeGetOid(range), TYPECACHE_RANGE_INFO);
    RangeBound lower, upper;
    bool empty = false;
    range_deserialize(typcache, range, &lower, &upper, &empty);
    if (empty) return Window::nothing();

    Window w;
    if (!lower.infinite) {
        TimestampTz v = DatumGetTimestampTz(lower.val);
        if (v == DT_NOEND) return Window::nothing();  // starts at infinity
        if (v != DT_NOBEGIN) w.lower = v;
    }
    if (!upper.infinite) {
        TimestampTz v = DatumGetTimestampTz(upper.val);
        if (v == DT_NOBEGIN) return Window::nothing();  // ends at -infinity
        if (v != DT_NOEND) w.upper = v;
    }
    return w;
}

void require_finite(TimestampTz t, const char* what) {
    if (TIMESTAMP_NOT_FINITE(t)) {
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("%s must be finite", what)));
    }
}

TimestampTz required_time(FunctionCallInfo fcinfo, int arg, const char* what) {
    if (PG_ARGISNULL(arg)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s must not be NULL", what)));
    const TimestampTz t = PG_GETARG_TIMESTAMPTZ(arg);
    require_finite(t, what);
    return t;
}

}  // namespace reliability::pg
