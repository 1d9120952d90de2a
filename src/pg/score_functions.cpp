// reliability.compute_score, reliability.tier and the assembly of reliability.score().
#include <cmath>

#include "cpp_boundary.hpp"
#include "pg_time.hpp"
#include "score_row.hpp"
#include "settings.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "access/htup_details.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
}

using namespace reliability;
using namespace reliability::pg;

namespace {

double field_float(HeapTupleHeader row, const char* name, bool* isnull) {
    Datum d = GetAttributeByName(row, name, isnull);
    return *isnull ? 0.0 : DatumGetFloat8(d);
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(reliability_compute_score);
Datum reliability_compute_score(PG_FUNCTION_ARGS) {
    ScoreParameters p = settings_from_row(PG_GETARG_HEAPTUPLEHEADER(0));
    ScoreInputs in;
    in.uptime = PG_GETARG_FLOAT8(1);
    in.interruptions = PG_GETARG_INT64(2);
    in.online_seconds = PG_GETARG_FLOAT8(3);
    in.rating_count = PG_GETARG_INT64(4);
    in.rating_sum = PG_GETARG_INT64(5);
    std::optional<double> score = guarded([&] {
        validate(in);
        return compute(in, p).score;
    });
    if (!score) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*score);
}

PG_FUNCTION_INFO_V1(reliability_tier);
Datum reliability_tier(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    ScoreParameters p = settings_from_row(PG_GETARG_HEAPTUPLEHEADER(0));
    std::optional<double> score;
    if (!PG_ARGISNULL(1)) score = PG_GETARG_FLOAT8(1);
    const double covered = PG_ARGISNULL(2) ? 0.0 : PG_GETARG_FLOAT8(2);
    if (score && std::isnan(*score)) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("score must be a number")));
    }
    Tier t = guarded([&] { return tier_of(score, std::isnan(covered) ? 0.0 : covered, p); });
    PG_RETURN_TEXT_P(cstring_to_text(tier_name(t)));
}

PG_FUNCTION_INFO_V1(reliability_finite);
Datum reliability_finite(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    TimestampTz ts = PG_GETARG_TIMESTAMPTZ(0);
    if (TIMESTAMP_NOT_FINITE(ts)) {
        const char* what = PG_ARGISNULL(1) ? "timestamp" : text_to_cstring(PG_GETARG_TEXT_PP(1));
        ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("%s must be finite", what)));
    }
    PG_RETURN_TIMESTAMPTZ(ts);
}

// _make_score(settings, measured availability, interruptions, rating_count, rating_sum,
//             last_observed_at, as_of): the score over [as_of - score_window, as_of).
PG_FUNCTION_INFO_V1(reliability_make_score);
Datum reliability_make_score(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(6)) PG_RETURN_NULL();
    ScoreParameters p = settings_from_row(PG_GETARG_HEAPTUPLEHEADER(0));
    TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(6);
    require_finite(as_of, "as_of");

    Micros online_us = 0, offline_us = 0;
    if (!PG_ARGISNULL(1)) {
        HeapTupleHeader measured = PG_GETARG_HEAPTUPLEHEADER(1);
        bool isnull = false;
        online_us = seconds_to_micros(field_float(measured, "online_seconds", &isnull));
        offline_us = seconds_to_micros(field_float(measured, "offline_seconds", &isnull));
    }
    const int64 k = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2);
    const int64 r = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3);
    const int64 sum = PG_ARGISNULL(4) ? 0 : PG_GETARG_INT64(4);
    std::optional<TimestampTz> last;
    if (!PG_ARGISNULL(5)) last = PG_GETARG_TIMESTAMPTZ(5);

    ScoreSnapshot s = guarded([&] {
        return snapshot(online_us, offline_us, p.score_window_us, k, rating_part(r, sum, p), p);
    });

    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("reliability._make_score must return a composite")));
    }
    desc = BlessTupleDesc(desc);
    Datum values[kScoreColumns];
    bool nulls[kScoreColumns];
    score_values(s, last, as_of, values, nulls);
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(desc, values, nulls)));
}

}  // extern "C"
