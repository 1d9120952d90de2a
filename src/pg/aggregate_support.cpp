#include "aggregate_support.hpp"

extern "C" {
#include "funcapi.h"
#include "access/htup_details.h"
}

namespace reliability::pg {

namespace {
Datum float_or_null(std::optional<double> v, bool* isnull) {
    *isnull = !v.has_value();
    return v ? Float8GetDatum(*v) : Datum(0);
}
}  // namespace

MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* name) {
    MemoryContext ctx;
    if (!AggCheckCallContext(fcinfo, &ctx)) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("%s called in non-aggregate context", name)));
    }
    return ctx;
}

Datum availability_datum(FunctionCallInfo fcinfo, const Availability& a) {
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("reliability.availability must return a composite")));
    }
    desc = BlessTupleDesc(desc);
    Datum values[11];
    bool nulls[11] = {false};
    values[0] = Float8GetDatum(to_seconds(a.online_us));
    values[1] = Float8GetDatum(to_seconds(a.offline_us));
    values[2] = Float8GetDatum(to_seconds(a.unknown_us()));
    values[3] = Float8GetDatum(to_seconds(a.covered_us()));
    values[4] = float_or_null(a.uptime(), &nulls[4]);
    values[5] = float_or_null(a.coverage(), &nulls[5]);
    values[6] = Int64GetDatum(a.online_runs.count);
    values[7] = Int64GetDatum(a.offline_runs.count);
    values[8] = float_or_null(a.longest_outage_seconds(), &nulls[8]);
    values[9] = float_or_null(a.mean_outage_seconds(), &nulls[9]);
    values[10] = float_or_null(a.mean_online_seconds(), &nulls[10]);
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

}  // namespace reliability::pg
