// reliability.periods(machine_id, during) (SPEC §11): the machine's online / offline / unknown
// timeline within `during` (default: the last score_window before now()). The rows that speak
// for the window are read through a cursor into one palloc'd array (memory follows the
// machine), the core's timeline() merges their covers, and each period becomes a row.
#include "cache_statements.hpp"
#include "cpp_boundary.hpp"
#include "history_changes.hpp"
#include "pg_time.hpp"
#include "timeline.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/memutils.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

using namespace reliability;
using namespace reliability::pg;

namespace {

// max_gap, score_window, the compaction horizon, and whether the machine exists; one row.
const char* const kContext =
    "SELECT st.max_gap, st.score_window, ret.compacted_before, "
    "       EXISTS (SELECT FROM reliability.machines m WHERE m.machine_id OPERATOR(pg_catalog.=) $1) "
    "  FROM (SELECT s.max_gap, s.score_window FROM reliability.settings s LIMIT 1) st "
    "  LEFT JOIN (SELECT r.compacted_before FROM reliability.retention r LIMIT 1) ret ON true";
// The rows from $2 (max_gap before the window, or -infinity) to the first at or after $3
// (the window's end, or infinity) included: it ends the cover before it.
const char* const kRows =
    "(SELECT o.observed_at, o.online FROM reliability.observations o "
    "  WHERE o.machine_id OPERATOR(pg_catalog.=) $1 "
    "    AND o.observed_at OPERATOR(pg_catalog.>=) $2 AND o.observed_at OPERATOR(pg_catalog.<) $3 "
    "  ORDER BY o.observed_at) "
    "UNION ALL "
    "(SELECT o.observed_at, o.online FROM reliability.observations o "
    "  WHERE o.machine_id OPERATOR(pg_catalog.=) $1 AND o.observed_at OPERATOR(pg_catalog.>=) $3 "
    "  ORDER BY o.observed_at LIMIT 1)";

SPIPlanPtr plan(int which) {
    static SPIPlanPtr plans[2] = {nullptr, nullptr};
    static const Oid context_types[1] = {INT8OID};
    static const Oid rows_types[3] = {INT8OID, TIMESTAMPTZOID, TIMESTAMPTZOID};
    if (plans[which] == nullptr) {
        plans[which] = which == 0 ? prepare_kept(kContext, 1, context_types, "periods()")
                                  : prepare_kept(kRows, 3, rows_types, "periods()");
    }
    return plans[which];
}

const char* state_name(PeriodState s) {
    switch (s) {
        case PeriodState::Online: return "online";
        case PeriodState::Offline: return "offline";
        case PeriodState::Unknown: return "unknown";
    }
    return "unknown";
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(reliability_periods);
Datum reliability_periods(PG_FUNCTION_ARGS) {
    InitMaterializedSRF(fcinfo, MAT_SRF_USE_EXPECTED_DESC);
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    if (PG_ARGISNULL(0)) return Datum(0);  // no such machine
    const Datum machine = PG_GETARG_DATUM(0);
    const RangeType* during = PG_ARGISNULL(1) ? nullptr : PG_GETARG_RANGE_P(1);

    MemoryContext caller = CurrentMemoryContext;  // SPI_finish() frees what SPI's context holds
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    Datum args[3] = {machine, 0, 0};
    int rc = SPI_execute_plan(plan(0), args, nullptr, true, 0);
    if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "reliability: the settings row is missing");
    bool isnull = false;
    HeapTuple ctx = SPI_tuptable->vals[0];
    TupleDesc ctx_desc = SPI_tuptable->tupdesc;
    const Micros max_gap_us = interval_length(DatumGetIntervalP(SPI_getbinval(ctx, ctx_desc, 1, &isnull)));
    const Micros window_us = interval_length(DatumGetIntervalP(SPI_getbinval(ctx, ctx_desc, 2, &isnull)));
    Datum horizon = SPI_getbinval(ctx, ctx_desc, 3, &isnull);
    const bool compacted = !isnull;
    const int32 compacted_before = compacted ? DatumGetDateADT(horizon) : 0;
    const bool exists = DatumGetBool(SPI_getbinval(ctx, ctx_desc, 4, &isnull));
    SPI_freetuptable(SPI_tuptable);

    Window window;
    if (during == nullptr) {
        const TimestampTz now = GetCurrentTransactionStartTimestamp();
        window = Window::bounded(guarded([&] { return checked_sub(now, window_us); }), now);
    } else {
        window = range_to_window(during);
    }
    // Rows before the compaction horizon are gone (SPEC §9): a window reaching there is refused.
    if (compacted && !window.empty) {
        require_after_horizon(window.lower ? *window.lower : DT_NOBEGIN, compacted_before, "the start of during");
    }
    if (!exists || window.empty) {
        SPI_finish();
        return Datum(0);
    }

    args[1] = TimestampTzGetDatum(window.lower ? guarded([&] { return saturating_sub(*window.lower, max_gap_us); })
                                               : DT_NOBEGIN);
    args[2] = TimestampTzGetDatum(window.upper ? *window.upper : DT_NOEND);
    Portal portal = SPI_cursor_open(nullptr, plan(1), args, nullptr, true);
    std::size_t n = 0, capacity = 1024;
    Observation* rows = static_cast<Observation*>(palloc(sizeof(Observation) * capacity));
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        SPI_cursor_fetch(portal, true, 10000);
        if (SPI_processed == 0) break;
        if (n + SPI_processed > capacity) {
            while (n + SPI_processed > capacity) capacity *= 2;
            rows = static_cast<Observation*>(repalloc_huge(rows, sizeof(Observation) * capacity));
        }
        for (uint64 k = 0; k < SPI_processed; ++k) {
            HeapTuple t = SPI_tuptable->vals[k];
            rows[n].at = DatumGetTimestampTz(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull));
            rows[n].online = DatumGetBool(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull));
            ++n;
        }
        SPI_freetuptable(SPI_tuptable);
    }
    SPI_cursor_close(portal);

    Period* periods = static_cast<Period*>(
        MemoryContextAllocExtended(caller, sizeof(Period) * timeline_capacity(n), MCXT_ALLOC_HUGE));
    const std::size_t count = guarded([&] { return timeline(rows, n, window, max_gap_us, periods); });
    pfree(rows);
    SPI_finish();
    for (std::size_t k = 0; k < count; ++k) {
        Datum values[3] = {CStringGetTextDatum(state_name(periods[k].state)), TimestampTzGetDatum(periods[k].from),
                           TimestampTzGetDatum(periods[k].to)};
        bool nulls[3] = {false, false, false};
        tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
    }
    return Datum(0);
}

}  // extern "C"
