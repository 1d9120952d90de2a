// Type reliability.uptime_summary (SPEC §8): text and binary I/O, and the accessors
// availability(summary), uptime(summary) and during(summary).
//
// The stored value is the core's canonical binary form; the text form is the core's
// to_text(): times in microseconds since 2000-01-01 00:00 UTC (timestamptz's own epoch), so
// it does not depend on TimeZone or DateStyle and round-trips exactly (pg_dump, COPY).
#include "uptime_summary_type.hpp"

#include <cstring>
#include <string>

#include "aggregate_support.hpp"
#include "cpp_boundary.hpp"
#include "pg_time.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "libpq/pqformat.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"
}

using reliability::Availability;
using reliability::ErrorKind;
using reliability::UptimeSummary;
using namespace reliability::pg;

namespace reliability::pg {

UptimeSummary summary_from_datum(Datum value) {
    struct varlena* raw = PG_DETOAST_DATUM_PACKED(value);
    return guarded([&] { return reliability::deserialize(VARDATA_ANY(raw), VARSIZE_ANY_EXHDR(raw)); });
}

Datum summary_to_datum(const UptimeSummary& summary) {
    auto* out = static_cast<struct varlena*>(palloc(VARHDRSZ + reliability::kSummaryBytes));
    SET_VARSIZE(out, VARHDRSZ + reliability::kSummaryBytes);
    reliability::serialize_into(summary, VARDATA(out));
    return PointerGetDatum(out);
}

}  // namespace reliability::pg

namespace {

// The core accepts any int64 bounds; a summary's window must also be a tstzrange of finite
// timestamps, as summarize() makes it.
void require_timestamp_bounds(const UptimeSummary& s, int sqlstate) {
    if (!IS_VALID_TIMESTAMP(s.lower) || !IS_VALID_TIMESTAMP(s.upper)) {
        ereport(ERROR, (errcode(sqlstate),
                        errmsg("invalid uptime summary: window bounds outside the range of timestamptz")));
    }
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(reliability_uptime_summary_in);
Datum reliability_uptime_summary_in(PG_FUNCTION_ARGS) {
    const char* text = PG_GETARG_CSTRING(0);
    UptimeSummary s = guarded([&] {
        try {
            return reliability::from_text(text);
        } catch (const reliability::Error& e) {
            if (e.kind() != ErrorKind::InvalidParameter) throw;
            throw reliability::Error(ErrorKind::InvalidText, e.what());  // malformed or inconsistent: 22P02
        }
    });
    require_timestamp_bounds(s, ERRCODE_INVALID_TEXT_REPRESENTATION);
    PG_RETURN_DATUM(summary_to_datum(s));
}

PG_FUNCTION_INFO_V1(reliability_uptime_summary_out);
Datum reliability_uptime_summary_out(PG_FUNCTION_ARGS) {
    UptimeSummary s = summary_from_datum(PG_GETARG_DATUM(0));
    char* out = guarded([&] {
        const std::string text = reliability::to_text(s);
        auto* result = static_cast<char*>(pg_alloc_nothrow(text.size() + 1));
        std::memcpy(result, text.c_str(), text.size() + 1);
        return result;
    });
    PG_RETURN_CSTRING(out);
}

PG_FUNCTION_INFO_V1(reliability_uptime_summary_recv);
Datum reliability_uptime_summary_recv(PG_FUNCTION_ARGS) {
    StringInfo buf = reinterpret_cast<StringInfo>(PG_GETARG_POINTER(0));
    const int len = buf->len - buf->cursor;
    const char* bytes = pq_getmsgbytes(buf, len);
    UptimeSummary s = guarded([&] { return reliability::deserialize(bytes, static_cast<std::size_t>(len)); });
    require_timestamp_bounds(s, ERRCODE_INVALID_BINARY_REPRESENTATION);
    PG_RETURN_DATUM(summary_to_datum(s));
}

PG_FUNCTION_INFO_V1(reliability_uptime_summary_send);
Datum reliability_uptime_summary_send(PG_FUNCTION_ARGS) {
    UptimeSummary s = summary_from_datum(PG_GETARG_DATUM(0));
    char bytes[reliability::kSummaryBytes];
    reliability::serialize_into(s, bytes);
    StringInfoData buf;
    pq_begintypsend(&buf);
    pq_sendbytes(&buf, bytes, sizeof(bytes));
    PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}

PG_FUNCTION_INFO_V1(reliability_availability);
Datum reliability_availability(PG_FUNCTION_ARGS) {
    const Availability a = reliability::to_availability(summary_from_datum(PG_GETARG_DATUM(0)));
    PG_RETURN_DATUM(availability_datum(fcinfo, a));
}

PG_FUNCTION_INFO_V1(reliability_uptime);
Datum reliability_uptime(PG_FUNCTION_ARGS) {
    const std::optional<double> uptime = reliability::to_availability(summary_from_datum(PG_GETARG_DATUM(0))).uptime();
    if (!uptime) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*uptime);
}

PG_FUNCTION_INFO_V1(reliability_during);
Datum reliability_during(PG_FUNCTION_ARGS) {
    const UptimeSummary s = summary_from_datum(PG_GETARG_DATUM(0));
    TypeCacheEntry* typcache = lookup_type_cache(TSTZRANGEOID, TYPECACHE_RANGE_INFO);
    RangeBound lower{};
    lower.val = TimestampTzGetDatum(s.lower);
    lower.inclusive = true;
    lower.lower = true;
    RangeBound upper{};
    upper.val = TimestampTzGetDatum(s.upper);
    upper.inclusive = false;
    upper.lower = false;
    PG_RETURN_RANGE_P(make_range(typcache, &lower, &upper, false));
}

// _empty_summary(lower timestamptz, upper timestamptz, max_gap interval): the summary of a
// window [lower, upper) in which nothing is covered (a day of reliability.history without
// observations, or a part of a score window without any), so that rollup() sees no hole.
PG_FUNCTION_INFO_V1(reliability_empty_summary);
Datum reliability_empty_summary(PG_FUNCTION_ARGS) {
    UptimeSummary s;
    s.lower = PG_GETARG_TIMESTAMPTZ(0);
    s.upper = PG_GETARG_TIMESTAMPTZ(1);
    require_finite(s.lower, "lower");
    require_finite(s.upper, "upper");
    s.max_gap_us = positive_interval_length(PG_GETARG_INTERVAL_P(2), "max_gap");
    if (s.lower >= s.upper) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("an uptime summary's window needs lower < upper")));
    }
    PG_RETURN_DATUM(summary_to_datum(s));
}

}  // extern "C"
