// _recompute() and _recompute_truncated() of the 0.1.0 and 0.2.0 install scripts. A database
// keeps running its old SQL with this module until ALTER EXTENSION reliability UPDATE, so
// both stay, served by the same engine: they emit the rows their SQL caller writes.
#include <algorithm>
#include <cstring>

#include "cache_engine.hpp"
#include "pg_time.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "utils/array.h"
#include "utils/builtins.h"
}

using namespace reliability;
using namespace reliability::pg;

namespace {

struct FreshArrays {
    const FreshRow* rows;  // sorted by (machine, at)
    int n;
};

void collect_from_arrays(void* context, const int64* machines, const TimestampTz* before, int n, FreshRow* out,
                         int* n_out) {
    const auto* fresh = static_cast<const FreshArrays*>(context);
    int k = 0;
    for (int i = 0; i < n; ++i) {
        const FreshRow* row = std::lower_bound(fresh->rows, fresh->rows + fresh->n, machines[i],
                                               [](const FreshRow& r, int64 m) { return r.machine < m; });
        for (int taken = 0; row != fresh->rows + fresh->n && row->machine == machines[i] && row->at < before[i] &&
                            taken <= kMaxFreshPerMachine;
             ++row, ++taken) {
            out[k++] = *row;
        }
    }
    *n_out = k;
}

}  // namespace

extern "C" {

// _recompute(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[], as_of
// timestamptz, in_full boolean, ratings_changed boolean, full_ids bigint[]) RETURNS SETOF
// reliability.scores: the new rows of machines whose rows the caller locked.
PG_FUNCTION_INFO_V1(reliability_recompute);
Datum reliability_recompute(PG_FUNCTION_ARGS) {
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    if (PG_ARGISNULL(0) || PG_ARGISNULL(3)) PG_RETURN_NULL();
    const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(3);
    require_finite(as_of, "as_of");
    InitMaterializedSRF(fcinfo, 0);

    CacheRequest request;
    request.machine_ids = sorted_int8_values(PG_GETARG_ARRAYTYPE_P(0), &request.n_machines);
    request.as_of = as_of;
    request.mode = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4) ? CacheMode::Full : CacheMode::Slide;
    request.ratings_changed = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);
    if (PG_NARGS() > 6 && !PG_ARGISNULL(6)) request.full_ids = sorted_int8_values(PG_GETARG_ARRAYTYPE_P(6), &request.n_full_ids);

    FreshArrays* fresh = static_cast<FreshArrays*>(palloc0(sizeof(FreshArrays)));
    if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2)) {
        Datum *m, *t;
        int n_m, n_t;
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &m, nullptr, &n_m);
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &t, nullptr, &n_t);
        if (n_m != n_t) elog(ERROR, "reliability: fresh arrays differ in length");
        FreshRow* rows = static_cast<FreshRow*>(palloc(sizeof(FreshRow) * Max(n_m, 1)));
        for (int i = 0; i < n_m; ++i) rows[i] = FreshRow{DatumGetInt64(m[i]), DatumGetTimestampTz(t[i])};
        sort_fresh(rows, n_m);
        fresh->rows = rows;
        fresh->n = n_m;
    }
    request.fresh.collect = collect_from_arrays;
    request.fresh.context = fresh;
    request.emit_to = rsinfo->setResult;
    request.emit_desc = rsinfo->setDesc;
    update_cache(request);
    return (Datum)0;
}

// _recompute_truncated(machine_ids bigint[], truncated text) RETURNS SETOF reliability.scores.
PG_FUNCTION_INFO_V1(reliability_recompute_truncated);
Datum reliability_recompute_truncated(PG_FUNCTION_ARGS) {
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_NULL();
    const char* truncated = text_to_cstring(PG_GETARG_TEXT_PP(1));
    CacheRequest request;
    if (std::strcmp(truncated, "observations") == 0) request.truncated = DataTable::Observations;
    else if (std::strcmp(truncated, "interruptions") == 0) request.truncated = DataTable::Interruptions;
    else if (std::strcmp(truncated, "ratings") == 0) request.truncated = DataTable::Ratings;
    else ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown table \"%s\"", truncated)));
    InitMaterializedSRF(fcinfo, 0);
    request.machine_ids = sorted_int8_values(PG_GETARG_ARRAYTYPE_P(0), &request.n_machines);
    request.as_of = GetCurrentTransactionStartTimestamp();
    request.mode = CacheMode::Truncated;
    request.emit_to = rsinfo->setResult;
    request.emit_desc = rsinfo->setDesc;
    update_cache(request);
    return (Datum)0;
}

}  // extern "C"
