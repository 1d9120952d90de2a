// reliability.daily_uptime(machine_id, days, as_of) (SPEC §6, §9): one row per UTC day, the
// whole days that history holds from one history row each, the day of as_of and days not
// materialized from the raw rows, one day at a time (memory follows one machine-day). Three
// kept SPI plans and the core's sweep, instead of a PL/pgSQL loop over per-day subqueries:
// a dashboard calls it once per listed machine (through sparkline()).
#include "aggregate_support.hpp"
#include "cache_statements.hpp"
#include "cpp_boundary.hpp"
#include "history_changes.hpp"
#include "pg_time.hpp"
#include "uptime_summary_type.hpp"

#include <algorithm>

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

using namespace reliability;
using namespace reliability::pg;

namespace {

constexpr int kMaxDays = 3660;

// The settings' max_gap, the history horizon, and whether the machine exists; one row.
const char* const kContext =
    "SELECT st.max_gap, ret.materialized_before, ret.compacted_before, "
    "       EXISTS (SELECT FROM reliability.machines m WHERE m.machine_id OPERATOR(pg_catalog.=) $1) "
    "  FROM (SELECT s.max_gap FROM reliability.settings s LIMIT 1) st "
    "  LEFT JOIN (SELECT r.materialized_before, r.compacted_before FROM reliability.retention r LIMIT 1) ret ON true";
// Whole days [$2, $3) from history: one index range.
const char* const kHistory =
    "SELECT h.day, h.summary, h.interruptions FROM reliability.history h "
    " WHERE h.machine_id OPERATOR(pg_catalog.=) $1 AND h.day OPERATOR(pg_catalog.>=) $2 AND h.day OPERATOR(pg_catalog.<) $3 "
    " ORDER BY h.day";
// The rows that speak for [$2, $3): from max_gap ($4) before it, in time order.
const char* const kRows =
    "SELECT o.observed_at, o.online FROM reliability.observations o "
    " WHERE o.machine_id OPERATOR(pg_catalog.=) $1 "
    "   AND o.observed_at OPERATOR(pg_catalog.>=) reliability.sub_fixed($2, $4) AND o.observed_at OPERATOR(pg_catalog.<) $3 "
    " ORDER BY o.observed_at";
// Interruptions per UTC day in [$2, $3).
const char* const kInterruptions =
    "SELECT reliability._utc_day(i.occurred_at), pg_catalog.count(*) FROM reliability.interruptions i "
    " WHERE i.machine_id OPERATOR(pg_catalog.=) $1 "
    "   AND i.occurred_at OPERATOR(pg_catalog.>=) $2 AND i.occurred_at OPERATOR(pg_catalog.<) $3 "
    " GROUP BY 1 ORDER BY 1";

SPIPlanPtr plan(int which) {
    static SPIPlanPtr plans[4] = {nullptr, nullptr, nullptr, nullptr};
    static const Oid context_types[1] = {INT8OID};
    static const Oid history_types[3] = {INT8OID, DATEOID, DATEOID};
    static const Oid rows_types[4] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID, INTERVALOID};
    static const Oid interruption_types[3] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
    if (plans[which] == nullptr) {
        switch (which) {
            case 0: plans[0] = prepare_kept(kContext, 1, context_types, "daily_uptime()"); break;
            case 1: plans[1] = prepare_kept(kHistory, 3, history_types, "daily_uptime()"); break;
            case 2: plans[2] = prepare_kept(kRows, 4, rows_types, "daily_uptime()"); break;
            default: plans[3] = prepare_kept(kInterruptions, 3, interruption_types, "daily_uptime()"); break;
        }
    }
    return plans[which];
}

void run(int which, Datum* args, const char* nulls) {
    int rc = SPI_execute_plan(plan(which), args, nulls, true, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "reliability: a query of daily_uptime() failed: %s", SPI_result_code_string(rc));
}

// One output row: what the day's availability says (NULL availability: nothing covered).
struct DayRow {
    double online_seconds = 0;
    double offline_seconds = 0;
    std::optional<double> uptime;
    double coverage = 0;
    int64 interruptions = 0;
};

DayRow from_availability(const Availability& a) {
    DayRow r;
    r.online_seconds = to_seconds(a.online_us);
    r.offline_seconds = to_seconds(a.offline_us);
    r.uptime = a.uptime();
    r.coverage = a.coverage().value_or(0.0);
    return r;
}

void put(Tuplestorestate* store, TupleDesc desc, DateADT day, const DayRow& r) {
    Datum values[6] = {DateADTGetDatum(day), Float8GetDatum(r.online_seconds), Float8GetDatum(r.offline_seconds),
                       Float8GetDatum(r.uptime.value_or(0.0)), Float8GetDatum(r.coverage), Int64GetDatum(r.interruptions)};
    bool nulls[6] = {false, false, false, !r.uptime.has_value(), false, false};
    tuplestore_putvalues(store, desc, values, nulls);
}

// The day's raw rows, read into palloc'd memory, swept by the core.
DayRow measure_raw_day(Datum machine, TimestampTz lo, TimestampTz hi, Datum max_gap, Micros max_gap_us) {
    Datum args[4] = {machine, TimestampTzGetDatum(lo), TimestampTzGetDatum(hi), max_gap};
    run(2, args, nullptr);
    const uint64 n = SPI_processed;
    if (n == 0) return DayRow{};
    Observation* rows = static_cast<Observation*>(palloc(sizeof(Observation) * n));
    for (uint64 i = 0; i < n; ++i) {
        bool isnull = false;
        rows[i].at = DatumGetTimestampTz(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
        rows[i].online = DatumGetBool(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 2, &isnull));
    }
    SPI_freetuptable(SPI_tuptable);
    const Window w = lo < hi ? Window::bounded(lo, hi) : Window::nothing();  // tstzrange(lo, lo) is empty
    const Availability a = guarded([&] { return measure(rows, static_cast<std::size_t>(n), w, max_gap_us); });
    pfree(rows);
    return from_availability(a);
}

const char* text_of(PGFunction out, Datum value) { return DatumGetCString(DirectFunctionCall1(out, value)); }

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(reliability_daily_uptime);
Datum reliability_daily_uptime(PG_FUNCTION_ARGS) {
    // Bad arguments are errors whatever the machine (SPEC §7), in this order.
    if (PG_ARGISNULL(1) || PG_GETARG_INT32(1) < 1 || PG_GETARG_INT32(1) > kMaxDays) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("days must be between 1 and %d, not %s", kMaxDays,
                               PG_ARGISNULL(1) ? "<NULL>" : text_of(int4out, PG_GETARG_DATUM(1)))));
    }
    const int32 days = PG_GETARG_INT32(1);
    const TimestampTz as_of = required_time(fcinfo, 2, "as_of");
    const DateADT last_day = day_of(as_of);
    const DateADT first_day = last_day - (days - 1);
    if (!IS_VALID_DATE(first_day)) ereport(ERROR, (errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE), errmsg("date out of range")));

    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    const Datum machine = PG_ARGISNULL(0) ? Datum(0) : PG_GETARG_DATUM(0);
    const char machine_null[4] = {PG_ARGISNULL(0) ? 'n' : ' ', ' ', ' ', ' '};

    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    Datum args[4] = {machine, 0, 0, 0};
    run(0, args, machine_null);
    if (SPI_processed != 1) elog(ERROR, "reliability: the settings row is missing");
    bool isnull = false;
    HeapTuple ctx = SPI_tuptable->vals[0];
    TupleDesc ctx_desc = SPI_tuptable->tupdesc;
    Interval* gap = DatumGetIntervalP(SPI_getbinval(ctx, ctx_desc, 1, &isnull));
    const Datum max_gap = IntervalPGetDatum(gap);
    const Micros max_gap_us = interval_length(gap);
    Datum v = SPI_getbinval(ctx, ctx_desc, 2, &isnull);
    const bool materialized = !isnull;
    const DateADT materialized_before = materialized ? DatumGetDateADT(v) : 0;
    v = SPI_getbinval(ctx, ctx_desc, 3, &isnull);
    // (the message names as_of's value, so it is only written out for the error)
    if (!isnull && as_of < day_start(DatumGetDateADT(v))) {
        require_after_horizon(as_of, DatumGetDateADT(v), psprintf("as_of %s", text_of(timestamptz_out, TimestampTzGetDatum(as_of))));
    }
    const bool exists = DatumGetBool(SPI_getbinval(ctx, ctx_desc, 4, &isnull));
    if (!exists) {
        SPI_finish();
        return Datum(0);
    }

    // Whole days from history: [first_day, whole_end).
    const DateADT whole_end = materialized ? std::max(first_day, std::min(last_day, materialized_before)) : first_day;
    SPITupleTable* history = nullptr;
    uint64 history_rows = 0;
    if (first_day < whole_end) {
        args[1] = DateADTGetDatum(first_day);
        args[2] = DateADTGetDatum(whole_end);
        run(1, args, nullptr);
        history = SPI_tuptable;
        history_rows = SPI_processed;
    }
    // Interruptions of the raw days: [whole_end, as_of).
    SPITupleTable* interruptions = nullptr;
    uint64 interruption_rows = 0;
    args[1] = TimestampTzGetDatum(day_start(whole_end));
    args[2] = TimestampTzGetDatum(as_of);
    if (day_start(whole_end) < as_of) {
        run(3, args, nullptr);
        interruptions = SPI_tuptable;
        interruption_rows = SPI_processed;
    }

    uint64 h = 0;
    uint64 k = 0;
    for (DateADT day = first_day; day <= last_day; ++day) {
        CHECK_FOR_INTERRUPTS();
        DayRow row;
        if (day < whole_end) {
            // A day without a history row had nothing (SPEC §9).
            while (h < history_rows && DatumGetDateADT(SPI_getbinval(history->vals[h], history->tupdesc, 1, &isnull)) < day) ++h;
            if (h < history_rows && DatumGetDateADT(SPI_getbinval(history->vals[h], history->tupdesc, 1, &isnull)) == day) {
                Datum summary = SPI_getbinval(history->vals[h], history->tupdesc, 2, &isnull);
                const UptimeSummary s = summary_from_datum(summary);
                row = from_availability(guarded([&] { return to_availability(s); }));
                row.interruptions = DatumGetInt64(SPI_getbinval(history->vals[h], history->tupdesc, 3, &isnull));
            }
        } else {
            const TimestampTz lo = day_start(day);
            const TimestampTz hi = day < last_day ? day_start(day + 1) : as_of;  // the last day ends at as_of
            row = measure_raw_day(machine, lo, hi, max_gap, max_gap_us);
            while (k < interruption_rows && DatumGetDateADT(SPI_getbinval(interruptions->vals[k], interruptions->tupdesc, 1, &isnull)) < day) ++k;
            if (k < interruption_rows && DatumGetDateADT(SPI_getbinval(interruptions->vals[k], interruptions->tupdesc, 1, &isnull)) == day) {
                row.interruptions = DatumGetInt64(SPI_getbinval(interruptions->vals[k], interruptions->tupdesc, 2, &isnull));
            }
        }
        put(rsinfo->setResult, rsinfo->setDesc, day, row);
    }
    SPI_finish();
    return Datum(0);
}

}  // extern "C"
