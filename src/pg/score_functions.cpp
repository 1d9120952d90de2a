// reliability.compute_score, reliability.tier and reliability.score().
#include <cmath>

#include "cache_statements.hpp"
#include "cpp_boundary.hpp"
#include "history_changes.hpp"
#include "pg_time.hpp"
#include "score_row.hpp"
#include "settings.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/timestamp.h"
}

using namespace reliability;
using namespace reliability::pg;

namespace {

double field_float(HeapTupleHeader row, const char* name, bool* isnull) {
    Datum d = GetAttributeByName(row, name, isnull);
    return *isnull ? 0.0 : DatumGetFloat8(d);
}

// What reliability.score() measures of one machine over [as_of - score_window, as_of).
struct Measured {
    Micros online_us = 0;
    Micros offline_us = 0;
    int64 interruptions = 0;
    int64 rating_count = 0;
    int64 rating_sum = 0;
    std::optional<TimestampTz> last_observed_at;
};

void read_availability(HeapTupleHeader measured, Measured& m) {
    bool isnull = false;
    m.online_us = seconds_to_micros(field_float(measured, "online_seconds", &isnull));
    m.offline_us = seconds_to_micros(field_float(measured, "offline_seconds", &isnull));
}

// The reliability.score row (a composite Datum of the function's result type).
Datum score_datum(FunctionCallInfo fcinfo, const ScoreParameters& p, const Measured& m, TimestampTz as_of) {
    ScoreSnapshot s = guarded([&] {
        return snapshot(m.online_us, m.offline_us, p.score_window_us, m.interruptions,
                        rating_part(m.rating_count, m.rating_sum, p), p);
    });
    TupleDesc desc;
    if (get_call_result_type(fcinfo, nullptr, &desc) != TYPEFUNC_COMPOSITE) {
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("reliability.score must return a composite")));
    }
    desc = BlessTupleDesc(desc);
    Datum values[kScoreColumns];
    bool nulls[kScoreColumns];
    score_values(s, m.last_observed_at, as_of, values, nulls);
    return HeapTupleGetDatum(heap_form_tuple(desc, values, nulls));
}

// What reliability.score() reads, with the caller's rights (SPI runs as the current user):
// the settings row, the availability of the window, the interruptions in it, the ratings
// and the latest observation before as_of; no row for a machine that does not exist.
// Qualified names and operators only (SPEC §7). The 0.3.0 SQL (no history) reads raw rows only.
#define RELIABILITY_RATINGS_AND_MACHINE                                                                  \
    " CROSS JOIN LATERAL (SELECT pg_catalog.count(*) AS n, "                                             \
    "                            COALESCE(pg_catalog.sum(x.stars), 0::pg_catalog.int8) AS total "        \
    "                       FROM reliability.ratings x WHERE x.machine_id OPERATOR(pg_catalog.=) $1) r " \
    " WHERE EXISTS (SELECT FROM reliability.machines m WHERE m.machine_id OPERATOR(pg_catalog.=) $1)"

// The window [w.lo, w.hi) read from raw rows: its availability, its interruptions, and the
// latest observation before w.hi.
#define RELIABILITY_RAW_AVAILABILITY                                                                   \
    "(SELECT reliability.availability(o.observed_at, o.online, w.win, st.max_gap) "                     \
    "   FROM reliability.observations o "                                                               \
    "  WHERE o.machine_id OPERATOR(pg_catalog.=) $1 "                                                   \
    "    AND o.observed_at OPERATOR(pg_catalog.>=) reliability.sub_fixed(w.lo, st.max_gap) "            \
    "    AND o.observed_at OPERATOR(pg_catalog.<) w.hi)"
#define RELIABILITY_RAW_INTERRUPTIONS                                                                  \
    "(SELECT pg_catalog.count(*) FROM reliability.interruptions i "                                     \
    "  WHERE i.machine_id OPERATOR(pg_catalog.=) $1 "                                                   \
    "    AND i.occurred_at OPERATOR(pg_catalog.>=) w.lo AND i.occurred_at OPERATOR(pg_catalog.<) w.hi)"
#define RELIABILITY_RAW_LAST_OBSERVED                                                                  \
    "(SELECT pg_catalog.max(o.observed_at) FROM reliability.observations o "                            \
    "  WHERE o.machine_id OPERATOR(pg_catalog.=) $1 AND o.observed_at OPERATOR(pg_catalog.<) w.hi)"

const char* const kScoreInputsRaw =
    "SELECT ROW(st.*)::reliability.settings, " RELIABILITY_RAW_AVAILABILITY ", " RELIABILITY_RAW_INTERRUPTIONS ", "
    "       r.n, r.total, " RELIABILITY_RAW_LAST_OBSERVED ", NULL::pg_catalog.date "
    "  FROM (SELECT s.* FROM reliability.settings s LIMIT 1) st "
    " CROSS JOIN LATERAL (SELECT x.lo, x.hi, pg_catalog.tstzrange(x.lo, x.hi) AS win "
    "                       FROM (SELECT reliability.sub_fixed($2, st.score_window) AS lo, $2 AS hi) x) w "
    RELIABILITY_RATINGS_AND_MACHINE;

// With history (SPEC §9): the window [lo, hi) is read as raw rows for its partial days at
// either end and for days not materialized yet, and as one history row per whole day
// [d1, d2) that history holds (an empty summary for a day without a row: it had nothing).
// rollup() of those tiles gives exactly the availability of the raw rows over the window.
#define RELIABILITY_RAW_PIECE(FROM, TO, RANGE)                                                               \
    "SELECT COALESCE(reliability.summarize(o.observed_at, o.online, " RANGE ", st.max_gap), "                 \
    "                reliability._empty_summary(" FROM ", " TO ", st.max_gap)) "                             \
    "  FROM reliability.observations o "                                                                     \
    " WHERE o.machine_id OPERATOR(pg_catalog.=) $1 "                                                         \
    "   AND o.observed_at OPERATOR(pg_catalog.>=) reliability.sub_fixed(" FROM ", st.max_gap) "              \
    "   AND o.observed_at OPERATOR(pg_catalog.<) " TO " HAVING " FROM " OPERATOR(pg_catalog.<) " TO

const char* const kScoreInputsHistory =
    "SELECT ROW(st.*)::reliability.settings, "
    "       CASE WHEN w.d1 OPERATOR(pg_catalog.<) w.d2 THEN reliability.availability(( "
    "         SELECT reliability.rollup(p.s) FROM ( "
    "           " RELIABILITY_RAW_PIECE("w.lo", "w.h1", "w.head") " UNION ALL "
    "           SELECT COALESCE(h.summary, reliability._empty_summary(reliability._day_start(g.day), "
    "                           reliability._day_start(g.day OPERATOR(pg_catalog.+) 1), st.max_gap)) "
    "             FROM (SELECT w.d1 OPERATOR(pg_catalog.+) k AS day "
    "                     FROM pg_catalog.generate_series(0, (w.d2 OPERATOR(pg_catalog.-) w.d1) OPERATOR(pg_catalog.-) 1) AS k) g "
    "             LEFT JOIN (SELECT y.day, y.summary FROM reliability.history y "  // one index range
    "                         WHERE y.machine_id OPERATOR(pg_catalog.=) $1 AND y.day OPERATOR(pg_catalog.>=) w.d1 "
    "                           AND y.day OPERATOR(pg_catalog.<) w.d2) h ON h.day OPERATOR(pg_catalog.=) g.day "
    "           UNION ALL " RELIABILITY_RAW_PIECE("w.h2", "w.hi", "w.tail") ") AS p(s))) "
    "       ELSE " RELIABILITY_RAW_AVAILABILITY " END, "
    "       CASE WHEN w.d1 OPERATOR(pg_catalog.<) w.d2 THEN "
    "         (SELECT pg_catalog.count(*) FROM reliability.interruptions i "
    "           WHERE i.machine_id OPERATOR(pg_catalog.=) $1 "
    "             AND ((i.occurred_at OPERATOR(pg_catalog.>=) w.lo AND i.occurred_at OPERATOR(pg_catalog.<) w.h1) "
    "               OR (i.occurred_at OPERATOR(pg_catalog.>=) w.h2 AND i.occurred_at OPERATOR(pg_catalog.<) w.hi))) "
    "         OPERATOR(pg_catalog.+) (SELECT COALESCE(pg_catalog.sum(h.interruptions), 0)::pg_catalog.int8 "
    "                                   FROM reliability.history h WHERE h.machine_id OPERATOR(pg_catalog.=) $1 "
    "                                    AND h.day OPERATOR(pg_catalog.>=) w.d1 AND h.day OPERATOR(pg_catalog.<) w.d2) "
    "       ELSE " RELIABILITY_RAW_INTERRUPTIONS " END, "
    "       r.n, r.total, "
    // Raw rows are newer than every compacted day: history only when no raw row is left.
    "       COALESCE(" RELIABILITY_RAW_LAST_OBSERVED ", "
    "                (SELECT h.last_observed_at FROM reliability.history h "
    "                  WHERE h.machine_id OPERATOR(pg_catalog.=) $1 AND h.day OPERATOR(pg_catalog.<) reliability._utc_day(w.hi) "
    "                    AND h.last_observed_at IS NOT NULL ORDER BY h.day DESC LIMIT 1)), "
    "       ret.compacted_before "
    // One row each (LIMIT 1): the planner's estimate for these never-analyzed one-row tables
    // made the generic plan look so costly that JIT compiled it on every call.
    "  FROM (SELECT s.* FROM reliability.settings s LIMIT 1) st "
    " CROSS JOIN (SELECT r.* FROM reliability.retention r LIMIT 1) ret "
    " CROSS JOIN LATERAL (SELECT reliability.sub_fixed($2, st.score_window) AS lo, $2 AS hi) x "
    " CROSS JOIN LATERAL (SELECT CASE WHEN reliability._day_start(reliability._utc_day(x.lo)) OPERATOR(pg_catalog.<) x.lo "
    "                                 THEN reliability._utc_day(x.lo) OPERATOR(pg_catalog.+) 1 "
    "                                 ELSE reliability._utc_day(x.lo) END AS d1, "
    "                            LEAST(reliability._utc_day(x.hi), "
    "                                  COALESCE(ret.materialized_before, '-infinity'::pg_catalog.date)) AS d2) d "
    " CROSS JOIN LATERAL (SELECT x.lo, x.hi, d.d1, d.d2, "
    "                            CASE WHEN d.d1 OPERATOR(pg_catalog.<) d.d2 THEN reliability._day_start(d.d1) END AS h1, "
    "                            CASE WHEN d.d1 OPERATOR(pg_catalog.<) d.d2 THEN reliability._day_start(d.d2) END AS h2) h "
    // The partial days' windows, built once (not once per row of the aggregates).
    " CROSS JOIN LATERAL (SELECT h.lo, h.hi, h.d1, h.d2, h.h1, h.h2, "
    "                            CASE WHEN h.lo OPERATOR(pg_catalog.<) h.h1 THEN pg_catalog.tstzrange(h.lo, h.h1) END AS head, "
    "                            CASE WHEN h.h2 OPERATOR(pg_catalog.<) h.hi THEN pg_catalog.tstzrange(h.h2, h.hi) END AS tail, "
    "                            pg_catalog.tstzrange(h.lo, h.hi) AS win "
    "                       OFFSET 0) w "
    RELIABILITY_RATINGS_AND_MACHINE;
#undef RELIABILITY_RAW_PIECE
#undef RELIABILITY_RAW_LAST_OBSERVED
#undef RELIABILITY_RAW_INTERRUPTIONS
#undef RELIABILITY_RAW_AVAILABILITY
#undef RELIABILITY_RATINGS_AND_MACHINE

// Prepared once per backend; the plan cache revalidates it after DDL, and the privileges
// of the tables are checked on every execution, as the current user.
SPIPlanPtr score_inputs_plan(bool with_history) {
    static SPIPlanPtr plans[2] = {nullptr, nullptr};
    SPIPlanPtr& plan = plans[with_history ? 1 : 0];
    // A generic plan: the query is large, planning it for each call cost more than running it.
    static const Oid types[2] = {INT8OID, TIMESTAMPTZOID};
    if (plan == nullptr) plan = prepare_kept(with_history ? kScoreInputsHistory : kScoreInputsRaw, 2, types, "score()");
    return plan;
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
    const char* what = PG_ARGISNULL(1) ? "timestamp" : text_to_cstring(PG_GETARG_TEXT_PP(1));
    PG_RETURN_TIMESTAMPTZ(required_time(fcinfo, 0, what));
}

// _make_score(settings, measured availability, interruptions, rating_count, rating_sum,
//             last_observed_at, as_of): the score over [as_of - score_window, as_of).
// 0.1.0's score() called it; since 0.2.0 score() measures and assembles in one C function
// (below), and _make_score, which trusts its inputs, is not executable by PUBLIC.
PG_FUNCTION_INFO_V1(reliability_make_score);
Datum reliability_make_score(PG_FUNCTION_ARGS) {
    if (PG_ARGISNULL(0) || PG_ARGISNULL(6)) PG_RETURN_NULL();
    ScoreParameters p = settings_from_row(PG_GETARG_HEAPTUPLEHEADER(0));
    TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(6);
    require_finite(as_of, "as_of");

    Measured m;
    if (!PG_ARGISNULL(1)) read_availability(PG_GETARG_HEAPTUPLEHEADER(1), m);
    m.interruptions = PG_ARGISNULL(2) ? 0 : PG_GETARG_INT64(2);
    m.rating_count = PG_ARGISNULL(3) ? 0 : PG_GETARG_INT64(3);
    m.rating_sum = PG_ARGISNULL(4) ? 0 : PG_GETARG_INT64(4);
    if (!PG_ARGISNULL(5)) m.last_observed_at = PG_GETARG_TIMESTAMPTZ(5);
    PG_RETURN_DATUM(score_datum(fcinfo, p, m, as_of));
}

// reliability.score(machine_id bigint, as_of timestamptz): the exact score from the tables
// (SPEC §4), NULL for a machine that does not exist or a NULL argument; an infinite as_of
// is 22008. It runs with the caller's rights: SPI reads the tables as the current user, so
// a role needs SELECT on what it reads, exactly as the SQL function of 0.1.0 did.
PG_FUNCTION_INFO_V1(reliability_score);
Datum reliability_score(PG_FUNCTION_ARGS) {
    // A NULL or unknown machine gives NULL, a NULL as_of an error (as in every function).
    const TimestampTz as_of = required_time(fcinfo, 1, "as_of");
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();

    Datum args[2] = {PG_GETARG_DATUM(0), TimestampTzGetDatum(as_of)};
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    int rc = SPI_execute_plan(score_inputs_plan(history_installed()), args, nullptr, true, 1);
    if (rc != SPI_OK_SELECT) elog(ERROR, "reliability: reading the inputs of score() failed: %s", SPI_result_code_string(rc));
    if (SPI_processed == 0) {
        SPI_finish();
        PG_RETURN_NULL();
    }
    // Everything is read out of the SPI tuple before SPI_finish() frees it.
    HeapTuple t = SPI_tuptable->vals[0];
    TupleDesc d = SPI_tuptable->tupdesc;
    bool isnull = false;
    Datum settings = SPI_getbinval(t, d, 1, &isnull);
    if (isnull) elog(ERROR, "reliability: the settings row is NULL");
    ScoreParameters p = settings_from_row(DatumGetHeapTupleHeader(settings));
    Measured m;
    Datum measured = SPI_getbinval(t, d, 2, &isnull);
    if (!isnull) read_availability(DatumGetHeapTupleHeader(measured), m);
    Datum v = SPI_getbinval(t, d, 3, &isnull);
    m.interruptions = isnull ? 0 : DatumGetInt64(v);
    v = SPI_getbinval(t, d, 4, &isnull);
    m.rating_count = isnull ? 0 : DatumGetInt64(v);
    v = SPI_getbinval(t, d, 5, &isnull);
    m.rating_sum = isnull ? 0 : DatumGetInt64(v);
    v = SPI_getbinval(t, d, 6, &isnull);
    if (!isnull) m.last_observed_at = DatumGetTimestampTz(v);
    v = SPI_getbinval(t, d, 7, &isnull);
    const bool compacted = !isnull;
    const DateADT compacted_before = compacted ? DatumGetDateADT(v) : 0;
    SPI_finish();
    // After a compaction a window reaching before the horizon has lost raw rows (SPEC §9).
    if (compacted) require_after_horizon(as_of - p.score_window_us, compacted_before, "as_of - score_window");
    PG_RETURN_DATUM(score_datum(fcinfo, p, m, as_of));
}

}  // extern "C"
