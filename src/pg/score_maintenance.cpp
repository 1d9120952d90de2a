// reliability._recompute(): the new cached score rows for a batch of machines, computed
// incrementally where the cache allows it (SPEC §5). Called by reliability._apply()
// (src/sql/50_scores.sql), which has inserted any missing rows of reliability.scores; this
// function locks the batch's rows FOR UPDATE in machine order, then reads the settings and
// the machines' data with SPI, and returns the rows for _apply() to write.
//
// Per machine, with cached window [a1, b1) and new window [a2, b2), b2 = max(as_of, b1):
//  - slide: read only the rows near the window's two ends (core sliding_window.hpp);
//  - full: read the whole window, when there is no usable cache, the caller asks for it,
//    or a fresh row lies before a2.
#include <algorithm>
#include <cstring>

#include "cpp_boundary.hpp"
#include "pending_inserts.hpp"
#include "pg_time.hpp"
#include "score_row.hpp"
#include "settings.hpp"
#include "sliding_window.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "access/htup_details.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "catalog/namespace.h"
#include "nodes/makefuncs.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

using namespace reliability;
using namespace reliability::pg;

namespace {

// One machine of the batch. Plain data: it lives in palloc'd arrays across SPI calls.
struct MachineWork {
    int64 machine_id;
    bool has_cache;          // a usable cached row (finite computed_at)
    TimestampTz b1;          // cached computed_at
    Micros cached_online_us, cached_offline_us;
    int64 cached_rating_count;
    bool cached_mean_null;
    double cached_mean, cached_component;
    bool cached_last_null;
    TimestampTz cached_last;
    int fresh_begin, fresh_end;  // this machine's slice of the fresh times
    TimestampTz a2, b2;
    bool full;
    SlidePlan plan;  // when sliding
    int64 interruptions;
    int64 rating_count, rating_sum;
    bool last_null;
    TimestampTz last;
};

void spi_check(int rc, int expected, const char* what) {
    if (rc != expected) elog(ERROR, "reliability: %s failed: %s", what, SPI_result_code_string(rc));
}

Datum int8_array(const int64* v, int n) {
    Datum* d = static_cast<Datum*>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
    for (int i = 0; i < n; ++i) d[i] = Int64GetDatum(v[i]);
    return PointerGetDatum(construct_array(d, n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum tstz_array(const TimestampTz* v, int n) {
    Datum* d = static_cast<Datum*>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
    for (int i = 0; i < n; ++i) d[i] = TimestampTzGetDatum(v[i]);
    return PointerGetDatum(construct_array(d, n, TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

Datum int4_array(const int32* v, int n) {
    Datum* d = static_cast<Datum*>(palloc(sizeof(Datum) * (n > 0 ? n : 1)));
    for (int i = 0; i < n; ++i) d[i] = Int32GetDatum(v[i]);
    return PointerGetDatum(construct_array(d, n, INT4OID, 4, true, TYPALIGN_INT));
}

// Runs a query over parallel arrays (index, machine, lo, hi) and returns its tuples.
void run_ranges(const char* sql, const int32* idx, const int64* machine, const TimestampTz* lo,
                const TimestampTz* hi, int n) {
    Oid types[4] = {INT4ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID};
    Datum values[4] = {int4_array(idx, n), int8_array(machine, n), tstz_array(lo, n), tstz_array(hi, n)};
    spi_check(SPI_execute_with_args(sql, 4, types, values, nullptr, false, 0), SPI_OK_SELECT, "reading a batch");
}

// The observations of each range, ordered for streaming (a machine's ranges are
// consecutive indexes).
const char* const kFetchObservationsOrdered =
    "SELECT r.i, o.observed_at, o.online "
    "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) AS r(i, m, lo, hi) "
    "JOIN reliability.observations o ON o.machine_id OPERATOR(pg_catalog.=) r.m "
    "AND o.observed_at OPERATOR(pg_catalog.>=) r.lo AND o.observed_at OPERATOR(pg_catalog.<) r.hi "
    "ORDER BY r.i, o.observed_at";
constexpr long kFetchBatch = 10000;  // rows per cursor fetch

const char* const kCountInterruptions =
    "SELECT r.i, (SELECT pg_catalog.count(*) FROM reliability.interruptions x "
    "              WHERE x.machine_id OPERATOR(pg_catalog.=) r.m AND x.occurred_at OPERATOR(pg_catalog.>=) r.lo "
    "                AND x.occurred_at OPERATOR(pg_catalog.<) r.hi) "
    "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) AS r(i, m, lo, hi)";

const char* const kLastObserved =
    "SELECT r.i, (SELECT pg_catalog.max(o.observed_at) FROM reliability.observations o "
    "              WHERE o.machine_id OPERATOR(pg_catalog.=) r.m AND o.observed_at OPERATOR(pg_catalog.<) r.hi) "
    "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) AS r(i, m, lo, hi)";

const char* const kRatings =
    "SELECT r.i, pg_catalog.count(x.stars), COALESCE(pg_catalog.sum(x.stars), 0)::bigint "
    "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) AS r(i, m, lo, hi) "
    "LEFT JOIN reliability.ratings x ON x.machine_id OPERATOR(pg_catalog.=) r.m GROUP BY r.i";

// Locks the cached rows in machine order and reads what a recompute keeps of them (the
// interruptions count only a TRUNCATE uses).
const char* const kCache =
    "SELECT machine_id, computed_at, online_seconds, offline_seconds, rating_count, rating_mean, "
    "       rating_component, last_observed_at, interruptions "
    "FROM reliability.scores WHERE machine_id OPERATOR(pg_catalog.=) ANY($1) ORDER BY machine_id FOR UPDATE";

int64 get_int8(HeapTuple t, int col, bool* isnull) {
    Datum d = SPI_getbinval(t, SPI_tuptable->tupdesc, col, isnull);
    return *isnull ? 0 : DatumGetInt64(d);
}

double get_float8(HeapTuple t, int col, bool* isnull) {
    Datum d = SPI_getbinval(t, SPI_tuptable->tupdesc, col, isnull);
    return *isnull ? 0.0 : DatumGetFloat8(d);
}

TimestampTz get_tstz(HeapTuple t, int col, bool* isnull) {
    Datum d = SPI_getbinval(t, SPI_tuptable->tupdesc, col, isnull);
    return *isnull ? 0 : DatumGetTimestampTz(d);
}


// Every table lock a cache writer needs, taken before its first row lock on
// reliability.scores, so no two single statements can deadlock over the order of the two:
// a TRUNCATE (ACCESS EXCLUSIVE, then the cache rows) against a trigger that held a cache row
// and then wanted to read the truncated table did. (_lock_cache, which every SQL caller
// runs first, takes them already; this keeps the rule where the rows are locked.)
void lock_tables_before_rows() {
    static const char* const kReadTables[] = {"observations", "interruptions", "ratings"};
    for (const char* table : kReadTables) {
        (void)RangeVarGetRelid(makeRangeVar(const_cast<char*>("reliability"), const_cast<char*>(table), -1),
                               AccessShareLock, false);
    }
}

// One pass over a batch. Machines whose slide turns out inconsistent with the cache are
// returned in `retry` (they are then recomputed in full by a second pass).
void recompute_batch(ReturnSetInfo* rsinfo, const Datum* ids, int n_ids, const Datum* fresh_m,
                     const Micros* fresh_times, int n_fresh, TimestampTz as_of, bool force_full, bool ratings_changed,
                     const int64* full_ids, int n_full_ids, int64* retry, int* n_retry) {
    MemoryContext outer = CurrentMemoryContext;
    *n_retry = 0;
    lock_tables_before_rows();
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    // Our own arrays must outlive SPI_finish(), which frees what palloc() gives while
    // connected: they come from the caller's context.
    auto alloc = [outer](std::size_t size) { return MemoryContextAllocZero(outer, size > 0 ? size : 1); };
    // Lock the cache rows in machine order (concurrent batches cannot deadlock) and read
    // them. Every later query takes a new snapshot, so in READ COMMITTED it sees all that
    // the writers we waited for committed.
    {
        int64* id_values = static_cast<int64*>(alloc(sizeof(int64) * (n_ids > 0 ? n_ids : 1)));
        for (int i = 0; i < n_ids; ++i) id_values[i] = DatumGetInt64(ids[i]);
        Oid types[1] = {INT8ARRAYOID};
        Datum values[1] = {int8_array(id_values, n_ids)};
        spi_check(SPI_execute_with_args(kCache, 1, types, values, nullptr, false, 0), SPI_OK_SELECT, "reading scores");
    }
    const int n = static_cast<int>(SPI_processed);
    SPITupleTable* cache = SPI_tuptable;
    const ScoreParameters params = load_settings();  // after the locks: see the latest settings
    SPI_tuptable = cache;
    MachineWork* work = static_cast<MachineWork*>(MemoryContextAllocZero(outer, sizeof(MachineWork) * (n > 0 ? n : 1)));
    int fresh_pos = 0;
    for (int i = 0; i < n; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        MachineWork& w = work[i];
        bool isnull;
        w.machine_id = get_int8(t, 1, &isnull);
        w.b1 = get_tstz(t, 2, &isnull);
        w.has_cache = !isnull && !TIMESTAMP_NOT_FINITE(w.b1);
        w.cached_online_us = seconds_to_micros(get_float8(t, 3, &isnull));
        w.cached_offline_us = seconds_to_micros(get_float8(t, 4, &isnull));
        w.cached_rating_count = get_int8(t, 5, &isnull);
        w.cached_mean = get_float8(t, 6, &w.cached_mean_null);
        w.cached_component = get_float8(t, 7, &isnull);
        w.cached_last = get_tstz(t, 8, &w.cached_last_null);
        while (fresh_pos < n_fresh && DatumGetInt64(fresh_m[fresh_pos]) < w.machine_id) ++fresh_pos;
        w.fresh_begin = fresh_pos;
        while (fresh_pos < n_fresh && DatumGetInt64(fresh_m[fresh_pos]) == w.machine_id) ++fresh_pos;
        w.fresh_end = fresh_pos;
    }

    // Plan each machine: the new window, and slide or full.
    guarded([&] {
        for (int i = 0; i < n; ++i) {
            MachineWork& w = work[i];
            w.b2 = w.has_cache ? std::max(as_of, w.b1) : as_of;
            w.a2 = checked_sub(w.b2, params.score_window_us);
            w.full = force_full || !w.has_cache || std::binary_search(full_ids, full_ids + n_full_ids, w.machine_id);
            if (!w.full) {
                std::optional<Micros> earliest;
                if (w.fresh_end > w.fresh_begin) earliest = fresh_times[w.fresh_begin];
                auto plan = plan_slide(checked_sub(w.b1, params.score_window_us), w.b1, w.a2, w.b2, earliest,
                                       params.max_gap_us);
                if (plan) w.plan = *plan;
                else w.full = true;
            }
        }
    });

    // The ranges of observations each plan needs: two for a slide (head, tail), one for full.
    int n_ranges = 0;
    int32* r_idx = static_cast<int32*>(alloc(sizeof(int32) * 2 * (n > 0 ? n : 1)));
    int64* r_machine = static_cast<int64*>(alloc(sizeof(int64) * 2 * (n > 0 ? n : 1)));
    TimestampTz* r_lo = static_cast<TimestampTz*>(alloc(sizeof(TimestampTz) * 2 * (n > 0 ? n : 1)));
    TimestampTz* r_hi = static_cast<TimestampTz*>(alloc(sizeof(TimestampTz) * 2 * (n > 0 ? n : 1)));
    int* machine_of_range = static_cast<int*>(alloc(sizeof(int) * 2 * (n > 0 ? n : 1)));
    auto add_range = [&](int i, TimestampTz lo, TimestampTz hi) {
        r_idx[n_ranges] = n_ranges;
        r_machine[n_ranges] = work[i].machine_id;
        r_lo[n_ranges] = lo;
        r_hi[n_ranges] = hi;
        machine_of_range[n_ranges] = i;
        return n_ranges++;
    };
    int* range_of_head = static_cast<int*>(alloc(sizeof(int) * (n > 0 ? n : 1)));
    int* range_of_tail = static_cast<int*>(alloc(sizeof(int) * (n > 0 ? n : 1)));
    for (int i = 0; i < n; ++i) {
        MachineWork& w = work[i];
        if (w.full) {
            range_of_head[i] = add_range(i, saturating_sub(w.a2, params.max_gap_us), w.b2);
            range_of_tail[i] = -1;
        } else {
            range_of_head[i] = add_range(i, w.plan.head_from, w.plan.head_to);
            range_of_tail[i] = add_range(i, w.plan.tail_from, w.plan.tail_to);
        }
    }

    // Interruptions in each new window, and (when needed) ratings and the last observation:
    // a few values per machine.
    {
        int32* idx = static_cast<int32*>(alloc(sizeof(int32) * (n > 0 ? n : 1)));
        int64* m = static_cast<int64*>(alloc(sizeof(int64) * (n > 0 ? n : 1)));
        TimestampTz* lo = static_cast<TimestampTz*>(alloc(sizeof(TimestampTz) * (n > 0 ? n : 1)));
        TimestampTz* hi = static_cast<TimestampTz*>(alloc(sizeof(TimestampTz) * (n > 0 ? n : 1)));
        for (int i = 0; i < n; ++i) {
            idx[i] = i;
            m[i] = work[i].machine_id;
            lo[i] = work[i].a2;
            hi[i] = work[i].b2;
        }
        run_ranges(kCountInterruptions, idx, m, lo, hi, n);
        for (uint64 k = 0; k < SPI_processed; ++k) {
            bool isnull;
            HeapTuple t = SPI_tuptable->vals[k];
            int i = DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull));
            work[i].interruptions = get_int8(t, 2, &isnull);
        }
        SPI_freetuptable(SPI_tuptable);

        bool any_full = false;
        for (int i = 0; i < n; ++i) any_full = any_full || work[i].full;
        if (any_full || ratings_changed) {
            run_ranges(kRatings, idx, m, lo, hi, n);
            for (uint64 k = 0; k < SPI_processed; ++k) {
                bool isnull;
                HeapTuple t = SPI_tuptable->vals[k];
                int i = DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull));
                work[i].rating_count = get_int8(t, 2, &isnull);
                work[i].rating_sum = get_int8(t, 3, &isnull);
            }
            SPI_freetuptable(SPI_tuptable);
        }

        // The latest observation before b2 of a machine recomputed in full (one index probe;
        // a slide takes it from its tail, or keeps the cached one).
        int n_lookup = 0;
        for (int i = 0; i < n; ++i) {
            if (!work[i].full) continue;
            idx[n_lookup] = i;
            m[n_lookup] = work[i].machine_id;
            lo[n_lookup] = hi[n_lookup] = work[i].b2;
            ++n_lookup;
        }
        if (n_lookup > 0) {
            run_ranges(kLastObserved, idx, m, lo, hi, n_lookup);
            for (uint64 k = 0; k < SPI_processed; ++k) {
                HeapTuple t = SPI_tuptable->vals[k];
                bool isnull;
                int i = DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull));
                work[i].last = get_tstz(t, 2, &work[i].last_null);
            }
            SPI_freetuptable(SPI_tuptable);
        }
    }

    // Compute one machine from its rows and emit its reliability.scores row (or note it for
    // a full recompute when its slide is inconsistent with the cache).
    TupleDesc desc = rsinfo->setDesc;
    auto finish_machine = [&](int i, const std::vector<Observation>& head, const std::vector<Observation>& tail) {
        MachineWork& w = work[i];
        if (!w.full) {
            if (!tail.empty()) {
                w.last_null = false;
                w.last = tail.back().at;
            } else {
                w.last_null = w.cached_last_null;
                w.last = w.cached_last;
            }
        }
        std::optional<ScoreSnapshot> computed = guarded([&] {
            WindowTotals totals;
            if (w.full) {
                totals = covered_between(head.data(), head.size(), w.a2, w.b2, params.max_gap_us);
            } else {
                const Span<Micros> fresh(fresh_times + w.fresh_begin, static_cast<std::size_t>(w.fresh_end - w.fresh_begin));
                std::optional<WindowTotals> slid =
                    slide(w.plan, WindowTotals{w.cached_online_us, w.cached_offline_us}, head, tail, fresh);
                if (!slid) return std::optional<ScoreSnapshot>();  // recompute this machine in full
                totals = *slid;
            }
            RatingPart rating;
            if (w.full || ratings_changed) {
                rating = rating_part(w.rating_count, w.rating_sum, params);
            } else {
                rating.count = w.cached_rating_count;
                if (!w.cached_mean_null) {
                    rating.mean = w.cached_mean;
                    rating.component = w.cached_component;
                }
            }
            return std::optional<ScoreSnapshot>(
                snapshot(totals.online_us, totals.offline_us, params.score_window_us, w.interruptions, rating, params));
        });
        if (!computed) {
            retry[(*n_retry)++] = w.machine_id;
            return;
        }
        Datum values[kScoreColumns + 2];
        bool nulls[kScoreColumns + 2];
        values[0] = Int64GetDatum(w.machine_id);
        nulls[0] = false;
        std::optional<TimestampTz> last;
        if (!w.last_null) last = w.last;
        score_values(*computed, last, w.b2, values + 1, nulls + 1);
        values[kScoreColumns + 1] = TimestampTzGetDatum(w.b2);
        nulls[kScoreColumns + 1] = false;
        tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
    };

    // Stream the observations, ordered by range and time, through a cursor: memory holds one
    // machine's rows at a time (its window, or the two ends of a slide), never the batch's.
    {
        Oid types[4] = {INT4ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID};
        Datum values[4] = {int4_array(r_idx, n_ranges), int8_array(r_machine, n_ranges), tstz_array(r_lo, n_ranges),
                           tstz_array(r_hi, n_ranges)};
        SPIPlanPtr plan = SPI_prepare_cursor(kFetchObservationsOrdered, 4, types, CURSOR_OPT_NO_SCROLL);
        if (plan == nullptr) elog(ERROR, "reliability: preparing the observation cursor failed");
        Portal portal = SPI_cursor_open(nullptr, plan, values, nullptr, false);
        // head/tail: the current machine's rows; C++ objects, so every PostgreSQL call below
        // that can ereport() happens while they hold no memory we could leak (cleared first).
        int current = -1;  // index of the machine whose rows are being collected
        std::vector<Observation>* head = guarded([&] { return new std::vector<Observation>(); });
        std::vector<Observation>* tail = guarded([&] { return new std::vector<Observation>(); });  // may leak head on OOM only
        auto flush_until = [&](int upto) {  // finish every machine before `upto`
            for (int i = current < 0 ? 0 : current; i < upto; ++i) {
                if (i != current) {
                    head->clear();
                    tail->clear();
                }
                finish_machine(i, *head, *tail);
            }
            head->clear();
            tail->clear();
        };
        PG_TRY();
        {
            for (;;) {
                CHECK_FOR_INTERRUPTS();
                SPI_cursor_fetch(portal, true, kFetchBatch);
                const uint64 got = SPI_processed;
                if (got == 0) break;
                for (uint64 k = 0; k < got; ++k) {
                    HeapTuple t = SPI_tuptable->vals[k];
                    bool isnull;
                    const int range = DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull));
                    const int i = machine_of_range[range];
                    if (i != current) {
                        flush_until(i);
                        current = i;
                    }
                    Observation o{get_tstz(t, 2, &isnull),
                                  static_cast<bool>(DatumGetBool(SPI_getbinval(t, SPI_tuptable->tupdesc, 3, &isnull)))};
                    std::vector<Observation>* into = range == range_of_tail[i] ? tail : head;
                    if (into->size() == into->capacity()) guarded([&] { into->reserve(into->size() * 2 + 64); });
                    into->push_back(o);
                }
                SPI_freetuptable(SPI_tuptable);
            }
            flush_until(n);
        }
        PG_CATCH();
        {
            delete head;
            delete tail;
            PG_RE_THROW();
        }
        PG_END_TRY();
        delete head;
        delete tail;
        SPI_cursor_close(portal);
    }
    SPI_finish();
}

}  // namespace

extern "C" {

// _recompute_truncated(machine_ids bigint[], truncated text) RETURNS SETOF reliability.scores:
// the cached rows after a TRUNCATE of observations, interruptions or ratings, each as of its
// own computed_at and from the cached row alone: the truncated table's part is now empty and
// every other part of the score is already in the row (the window's online and offline time,
// its interruptions, the rating component). No data table is read, so two TRUNCATEs, each
// holding its table in ACCESS EXCLUSIVE mode, never wait for each other's table.
PG_FUNCTION_INFO_V1(reliability_recompute_truncated);
Datum reliability_recompute_truncated(PG_FUNCTION_ARGS) {
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    if (PG_ARGISNULL(0) || PG_ARGISNULL(1)) PG_RETURN_NULL();
    char* truncated = text_to_cstring(PG_GETARG_TEXT_PP(1));
    const bool no_observations = std::strcmp(truncated, "observations") == 0;
    const bool no_interruptions = std::strcmp(truncated, "interruptions") == 0;
    const bool no_ratings = std::strcmp(truncated, "ratings") == 0;
    if (!no_observations && !no_interruptions && !no_ratings) {
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("unknown table \"%s\"", truncated)));
    }
    InitMaterializedSRF(fcinfo, 0);
    TupleDesc desc = rsinfo->setDesc;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    Oid types[1] = {INT8ARRAYOID};
    Datum args[1] = {PG_GETARG_DATUM(0)};
    spi_check(SPI_execute_with_args(kCache, 1, types, args, nullptr, false, 0), SPI_OK_SELECT, "reading scores");
    SPITupleTable* cache = SPI_tuptable;
    const uint64 n = SPI_processed;
    const ScoreParameters params = load_settings();  // after the locks: see the latest settings
    SPI_tuptable = cache;
    for (uint64 k = 0; k < n; ++k) {
        CHECK_FOR_INTERRUPTS();
        HeapTuple t = cache->vals[k];
        bool isnull, last_null;
        const int64 machine_id = get_int8(t, 1, &isnull);
        const TimestampTz computed_at = get_tstz(t, 2, &isnull);
        if (isnull || TIMESTAMP_NOT_FINITE(computed_at)) continue;  // a placeholder: its writer computes it
        const Micros online_us = no_observations ? 0 : seconds_to_micros(get_float8(t, 3, &isnull));
        const Micros offline_us = no_observations ? 0 : seconds_to_micros(get_float8(t, 4, &isnull));
        RatingPart rating;
        bool mean_null;
        rating.count = get_int8(t, 5, &isnull);
        const double mean = get_float8(t, 6, &mean_null);
        const double component = get_float8(t, 7, &isnull);
        if (!mean_null) {
            rating.mean = mean;
            rating.component = component;
        }
        TimestampTz last = get_tstz(t, 8, &last_null);
        const int64 interruptions = no_interruptions ? 0 : get_int8(t, 9, &isnull);
        ScoreSnapshot snap = guarded([&] {
            const RatingPart r = no_ratings ? rating_part(0, 0, params) : rating;
            return snapshot(online_us, offline_us, params.score_window_us, interruptions, r, params);
        });
        std::optional<TimestampTz> last_observed;
        if (!no_observations && !last_null) last_observed = last;
        Datum values[kScoreColumns + 2];
        bool nulls[kScoreColumns + 2];
        values[0] = Int64GetDatum(machine_id);
        nulls[0] = false;
        score_values(snap, last_observed, computed_at, values + 1, nulls + 1);
        values[kScoreColumns + 1] = TimestampTzGetDatum(computed_at);
        nulls[kScoreColumns + 1] = false;
        tuplestore_putvalues(rsinfo->setResult, desc, values, nulls);
    }
    SPI_finish();
    return (Datum)0;
}

// _recompute(machine_ids bigint[], fresh_machine bigint[], fresh_at timestamptz[],
//            as_of timestamptz, full boolean, ratings_changed boolean) RETURNS SETOF reliability.scores
// machine_ids sorted and distinct; (fresh_machine, fresh_at) sorted: the observations the
// calling statement inserted.
PG_FUNCTION_INFO_V1(reliability_recompute);
Datum reliability_recompute(PG_FUNCTION_ARGS) {
    ReturnSetInfo* rsinfo = reinterpret_cast<ReturnSetInfo*>(fcinfo->resultinfo);
    if (PG_ARGISNULL(0) || PG_ARGISNULL(3)) PG_RETURN_NULL();
    const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(3);
    require_finite(as_of, "as_of");
    const bool force_full = !PG_ARGISNULL(4) && PG_GETARG_BOOL(4);
    const bool ratings_changed = !PG_ARGISNULL(5) && PG_GETARG_BOOL(5);

    InitMaterializedSRF(fcinfo, 0);

    Datum* ids;
    int n_ids;
    deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ids, nullptr, &n_ids);
    Datum* fresh_m = nullptr;
    Datum* fresh_t = nullptr;
    int n_fresh = 0, n_fresh_t = 0;
    if (!PG_ARGISNULL(1) && !PG_ARGISNULL(2)) {
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(1), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &fresh_m, nullptr, &n_fresh);
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(2), TIMESTAMPTZOID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &fresh_t, nullptr, &n_fresh_t);
        if (n_fresh != n_fresh_t) elog(ERROR, "reliability: fresh arrays differ in length");
    }
    // The fresh rows, sorted by (machine, time).
    struct Fresh {
        int64 machine;
        TimestampTz at;
    };
    Fresh* fresh = static_cast<Fresh*>(palloc(sizeof(Fresh) * (n_fresh > 0 ? n_fresh : 1)));
    for (int i = 0; i < n_fresh; ++i) fresh[i] = Fresh{DatumGetInt64(fresh_m[i]), DatumGetTimestampTz(fresh_t[i])};
    guarded([&] {
        std::sort(fresh, fresh + n_fresh, [](const Fresh& x, const Fresh& y) {
            return x.machine != y.machine ? x.machine < y.machine : x.at < y.at;
        });
    });
    Micros* fresh_times = static_cast<Micros*>(palloc(sizeof(Micros) * (n_fresh > 0 ? n_fresh : 1)));
    for (int i = 0; i < n_fresh; ++i) {
        fresh_m[i] = Int64GetDatum(fresh[i].machine);
        fresh_times[i] = fresh[i].at;
    }

    // Machines to recompute in full whatever their cache (see pending_inserts.hpp), sorted.
    int n_full_ids = 0;
    int64* full_ids = static_cast<int64*>(palloc(sizeof(int64)));
    if (PG_NARGS() > 6 && !PG_ARGISNULL(6)) {
        Datum* d;
        bool* dnulls;
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(6), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &d, &dnulls, &n_full_ids);
        full_ids = static_cast<int64*>(palloc(sizeof(int64) * (n_full_ids > 0 ? n_full_ids : 1)));
        int kept = 0;
        for (int i = 0; i < n_full_ids; ++i)
            if (!dnulls[i]) full_ids[kept++] = DatumGetInt64(d[i]);
        n_full_ids = kept;
        std::sort(full_ids, full_ids + n_full_ids);
    }

    int64* retry = static_cast<int64*>(palloc(sizeof(int64) * (n_ids > 0 ? n_ids : 1)));
    int n_retry = 0;
    recompute_batch(rsinfo, ids, n_ids, fresh_m, fresh_times, n_fresh, as_of, force_full, ratings_changed, full_ids,
                    n_full_ids, retry, &n_retry);
    if (n_retry > 0) {
        Datum* again = static_cast<Datum*>(palloc(sizeof(Datum) * n_retry));
        for (int i = 0; i < n_retry; ++i) again[i] = Int64GetDatum(retry[i]);
        int n_again = 0;
        recompute_batch(rsinfo, again, n_retry, nullptr, nullptr, 0, as_of, true, true, nullptr, 0, retry, &n_again);
    }

    // An INSERT still waiting for its trigger must not slide these machines later.
    if (insert_pending()) {
        int64* done = static_cast<int64*>(palloc(sizeof(int64) * (n_ids > 0 ? n_ids : 1)));
        for (int i = 0; i < n_ids; ++i) done[i] = DatumGetInt64(ids[i]);
        note_recomputed(done, n_ids);
    }
    return (Datum)0;
}

}  // extern "C"
