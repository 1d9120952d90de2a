// The cache engine (see cache_engine.hpp): lock → read → compute (core) → write, chunk by chunk.
#include "cache_engine.hpp"
#include "history_changes.hpp"

#include <algorithm>
#include <cstring>
#include <new>
#include <string_view>

#include "cache_statements.hpp"
#include "cached_row_update.hpp"
#include "cpp_boundary.hpp"
#include "pending_inserts.hpp"
#include "score_row.hpp"
#include "settings.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "executor/spi.h"
#include "storage/lmgr.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace reliability::pg {

int sort_unique(int64* ids, int n) {
    return guarded([&] {
        std::sort(ids, ids + n);
        return static_cast<int>(std::unique(ids, ids + n) - ids);
    });
}

int64* sorted_int8_values(ArrayType* array, int* n) {
    Datum* values;
    bool* nulls;
    int count;
    deconstruct_array(array, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &values, &nulls, &count);
    int64* out = static_cast<int64*>(palloc(sizeof(int64) * Max(count, 1)));
    int kept = 0;
    for (int i = 0; i < count; ++i)
        if (!nulls[i]) out[kept++] = DatumGetInt64(values[i]);
    *n = sort_unique(out, kept);
    return out;
}

void sort_fresh(FreshRow* rows, int n) {
    guarded([&] {
        std::sort(rows, rows + n, [](const FreshRow& x, const FreshRow& y) {
            return x.machine != y.machine ? x.machine < y.machine : x.at < y.at;
        });
    });
}

namespace {

// ---------------------------------------------------------------------------------------
// One chunk.

struct Machine {  // trivially destructible: lives in palloc'd arrays
    int64 id;
    ItemPointerData tid;  // the version of its cached row that was read (and locked, in a locked chunk)
    CachedRow cached;
    UpdatePlan plan;
    bool force_full;
    int fresh_begin, fresh_end;  // slice of the chunk's fresh times
    std::int64_t interruptions;
    bool ratings_read;
    std::int64_t rating_count, rating_sum;
    bool retry;       // slide inconsistent: read again in full
    bool has_result;
    UpdatedRow result;
};

struct Chunk {
    const CacheRequest* request;
    const ScoreParameters* params;
    Machine* machines;
    int n;
    int64* fresh_machine;  // the chunk's fresh rows, sorted
    TimestampTz* fresh_at;
    int n_fresh;
    std::optional<Micros> raw_from;  // after a compaction (plan_update)
    bool hints;                      // reliability._head_bounds is kept (0.6.0 on, not emitting)
    bool locked;                     // rows read FOR UPDATE (else read unlocked: cache_engine.hpp)
};

bool get_bool(HeapTuple t, TupleDesc d, int col, bool* isnull) {
    Datum v = SPI_getbinval(t, d, col, isnull);
    return !*isnull && DatumGetBool(v);
}
int64 get_int8(HeapTuple t, TupleDesc d, int col, bool* isnull) {
    Datum v = SPI_getbinval(t, d, col, isnull);
    return *isnull ? 0 : DatumGetInt64(v);
}
double get_float8(HeapTuple t, TupleDesc d, int col, bool* isnull) {
    Datum v = SPI_getbinval(t, d, col, isnull);
    return *isnull ? 0.0 : DatumGetFloat8(v);
}

// The chunk's machine with this id (the chunk is in id order), or nullptr.
Machine* find_machine(Chunk& c, int64 id) {
    Machine* m = std::lower_bound(c.machines, c.machines + c.n, id, [](const Machine& x, int64 v) { return x.id < v; });
    return m != c.machines + c.n && m->id == id ? m : nullptr;
}

// Reads the chunk's rows, locking them in a locked chunk (machines without a row are
// dropped); returns the int8[] of ids it read them with.
Datum read_cached_rows(Chunk& c, const int64* ids, int n_ids) {
    Datum arg[1] = {int8_array(ids, n_ids)};
    const int n = static_cast<int>(run(plan(c.locked ? kLockRowsStatement : kReadRowsStatement), arg, SPI_OK_SELECT,
                                       c.locked ? "locking cached rows" : "reading cached rows"));
    c.machines = static_cast<Machine*>(palloc(sizeof(Machine) * Max(n, 1)));
    c.n = n;
    TupleDesc d = SPI_tuptable->tupdesc;
    for (int i = 0; i < n; ++i) {
        HeapTuple t = SPI_tuptable->vals[i];
        Machine& m = *new (&c.machines[i]) Machine{};
        bool isnull, mean_null;
        m.id = get_int8(t, d, 1, &isnull);
        Datum computed_at = SPI_getbinval(t, d, 2, &isnull);
        if (!isnull && !TIMESTAMP_NOT_FINITE(DatumGetTimestampTz(computed_at)))
            m.cached.computed_at = DatumGetTimestampTz(computed_at);
        m.cached.totals.online_us = seconds_to_micros(get_float8(t, d, 3, &isnull));
        m.cached.totals.offline_us = seconds_to_micros(get_float8(t, d, 4, &isnull));
        m.cached.rating.count = get_int8(t, d, 5, &isnull);
        const double mean = get_float8(t, d, 6, &mean_null);
        const double component = get_float8(t, d, 7, &isnull);
        if (!mean_null) {
            m.cached.rating.mean = mean;
            m.cached.rating.component = component;
        }
        Datum last = SPI_getbinval(t, d, 8, &isnull);
        if (!isnull) m.cached.last_observed = DatumGetTimestampTz(last);
        m.cached.interruptions = get_int8(t, d, 9, &isnull);
        m.tid = *reinterpret_cast<ItemPointer>(DatumGetPointer(SPI_getbinval(t, d, 10, &isnull)));
        // The tier text read in place (no output function, no copy: this runs for every polled row).
        Datum tier = SPI_getbinval(t, d, 11, &isnull);
        if (!isnull) {
            const text* name = DatumGetTextPP(tier);
            m.cached.tier = tier_from_name(std::string_view(VARDATA_ANY(name), VARSIZE_ANY_EXHDR(name)));
        }
    }
    SPI_freetuptable(SPI_tuptable);
    return arg[0];
}

// The chunk's hints (after its rows: a hint is written only with its row, under the row's
// lock); `ids` is the array the rows were read with.
void read_hints(Chunk& c, Datum ids) {
    Datum arg[1] = {ids};
    const uint64 n = run(plan(kHintsReadStatement), arg, SPI_OK_SELECT, "reading the cache hints");
    for (uint64 k = 0; k < n; ++k) {
        bool isnull;
        HeapTuple t = SPI_tuptable->vals[k];
        const int64 id = get_int8(t, SPI_tuptable->tupdesc, 1, &isnull);
        const TimestampTz until = DatumGetTimestampTz(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull));
        if (Machine* m = find_machine(c, id)) m->cached.unobserved_until = until;
    }
    SPI_freetuptable(SPI_tuptable);
}

// The statement's fresh rows before each machine's computed_at (late rows: a slide needs
// their times); machines with too many are recomputed in full.
void collect_fresh(Chunk& c) {
    c.n_fresh = 0;
    const FreshSource& src = c.request->fresh;
    if (src.collect == nullptr) return;
    int n_late = 0;
    int64* late = static_cast<int64*>(palloc(sizeof(int64) * Max(c.n, 1)));
    TimestampTz* before = static_cast<TimestampTz*>(palloc(sizeof(TimestampTz) * Max(c.n, 1)));
    const int64* all = c.request->machine_ids;
    for (int i = 0; i < c.n; ++i) {
        Machine& m = c.machines[i];
        if (!m.cached.computed_at || m.force_full) continue;  // computed in full anyway
        if (src.earliest != nullptr) {
            const int64* at = std::lower_bound(all, all + c.request->n_machines, m.id);
            if (at == all + c.request->n_machines || *at != m.id) continue;
            if (src.earliest[at - all] >= *m.cached.computed_at) continue;
        }
        late[n_late] = m.id;
        before[n_late] = *m.cached.computed_at;
        ++n_late;
    }
    if (n_late == 0) return;
    const int capacity = n_late * (kMaxFreshPerMachine + 1);
    FreshRow* rows = static_cast<FreshRow*>(palloc(sizeof(FreshRow) * capacity));
    src.collect(src.context, late, before, n_late, rows, &c.n_fresh);
    sort_fresh(rows, c.n_fresh);
    c.fresh_machine = static_cast<int64*>(palloc(sizeof(int64) * Max(c.n_fresh, 1)));
    c.fresh_at = static_cast<TimestampTz*>(palloc(sizeof(TimestampTz) * Max(c.n_fresh, 1)));
    for (int i = 0; i < c.n_fresh; ++i) {
        c.fresh_machine[i] = rows[i].machine;
        c.fresh_at[i] = rows[i].at;
    }
    int k = 0;
    for (int i = 0; i < c.n; ++i) {
        Machine& m = c.machines[i];
        while (k < c.n_fresh && c.fresh_machine[k] < m.id) ++k;
        m.fresh_begin = k;
        while (k < c.n_fresh && c.fresh_machine[k] == m.id) ++k;
        m.fresh_end = k;
        if (m.fresh_end - m.fresh_begin > kMaxFreshPerMachine) m.force_full = true;
    }
}

void plan_machines(Chunk& c, const bool* selected) {
    const CacheRequest& r = *c.request;
    guarded([&] {
        for (int i = 0; i < c.n; ++i) {
            if (!selected[i]) continue;
            Machine& m = c.machines[i];
            if (m.retry) m.force_full = true;
            std::optional<Micros> earliest;
            if (m.fresh_end > m.fresh_begin) earliest = c.fresh_at[m.fresh_begin];
            m.plan = plan_update(m.cached, r.as_of, earliest, m.force_full, *c.params, c.raw_from);
        }
    });
}

// Reads the interruptions (always: the window moved) and, where needed, the ratings.
void read_counts(Chunk& c, const bool* selected) {
    Ranges ranges(c.n);
    int64* ids = static_cast<int64*>(palloc(sizeof(int64) * Max(c.n, 1)));
    TimestampTz from = DT_NOEND, to = DT_NOBEGIN;
    for (int i = 0; i < c.n; ++i) {
        if (!selected[i]) continue;
        Machine& m = c.machines[i];
        ranges.add(i, m.id, m.plan.a2, m.plan.b2);
        ids[ranges.n - 1] = m.id;
        from = Min(from, m.plan.a2);
        to = Max(to, m.plan.b2);
        m.interruptions = 0;
    }
    if (ranges.n == 0) return;
    // Every interruption of these machines in [from, to), through a cursor (memory follows
    // the batch), counted in its machine's window (the chunk's machines are in id order).
    Datum args[4] = {int8_array(ids, ranges.n), TimestampTzGetDatum(from), TimestampTzGetDatum(to), 0};
    MemoryContext mine = CurrentMemoryContext;
    Portal portal = SPI_cursor_open(nullptr, plan(kInterruptionsStatement), args, nullptr, false);
    MemoryContextSwitchTo(mine);
    for (;;) {
        CHECK_FOR_INTERRUPTS();
        SPI_cursor_fetch(portal, true, 10000);
        MemoryContextSwitchTo(mine);
        if (SPI_processed == 0) break;
        for (uint64 k = 0; k < SPI_processed; ++k) {
            bool isnull;
            HeapTuple t = SPI_tuptable->vals[k];
            const int64 id = get_int8(t, SPI_tuptable->tupdesc, 1, &isnull);
            const TimestampTz at = DatumGetTimestampTz(SPI_getbinval(t, SPI_tuptable->tupdesc, 2, &isnull));
            Machine* m = find_machine(c, id);
            if (m == nullptr || !selected[m - c.machines]) continue;
            if (at >= m->plan.a2 && at < m->plan.b2) ++m->interruptions;
        }
        SPI_freetuptable(SPI_tuptable);
    }
    SPI_cursor_close(portal);
    MemoryContextSwitchTo(mine);

    Ranges rated(c.n);
    for (int k = 0; k < ranges.n; ++k) {
        const Machine& m = c.machines[ranges.idx[k]];
        if (c.request->ratings_changed || m.plan.full) rated.add(ranges.idx[k], m.id, m.plan.a2, m.plan.b2);
    }
    if (rated.n == 0) return;
    rated.params(args);
    const uint64 n_rated = run(plan(kRatingsStatement), args, SPI_OK_SELECT, "reading ratings");
    for (uint64 k = 0; k < n_rated; ++k) {
        bool isnull;
        HeapTuple t = SPI_tuptable->vals[k];
        Machine& m = c.machines[DatumGetInt32(SPI_getbinval(t, SPI_tuptable->tupdesc, 1, &isnull))];
        m.ratings_read = true;
        m.rating_count = get_int8(t, SPI_tuptable->tupdesc, 2, &isnull);
        m.rating_sum = get_int8(t, SPI_tuptable->tupdesc, 3, &isnull);
    }
    SPI_freetuptable(SPI_tuptable);
}

// A growable palloc'd array of one machine's rows at one end of its window.
struct RowBuffer {
    Observation* rows = nullptr;
    int n = 0, cap = 0;
    void push(Observation o) {
        if (n == cap) {
            cap = Max(64, cap * 2);
            rows = static_cast<Observation*>(rows == nullptr ? palloc(sizeof(Observation) * cap)
                                                             : repalloc(rows, sizeof(Observation) * cap));
        }
        rows[n++] = o;
    }
};

void compute_machine(Chunk& c, Machine& m, const RowBuffer& old_end, const RowBuffer& new_end) {
    MachineData data;
    data.old_end = Span<Observation>(old_end.rows, static_cast<std::size_t>(old_end.n));
    data.new_end = Span<Observation>(new_end.rows, static_cast<std::size_t>(new_end.n));
    data.fresh = Span<Micros>(c.fresh_at + m.fresh_begin, static_cast<std::size_t>(m.fresh_end - m.fresh_begin));
    data.interruptions = m.interruptions;
    if (m.ratings_read) {
        data.rating_count = m.rating_count;
        data.rating_sum = m.rating_sum;
    }
    std::optional<UpdatedRow> row = guarded([&] { return update_row(m.plan, m.cached, data, *c.params); });
    if (!row) {
        m.retry = true;
        return;
    }
    m.result = *row;
    m.has_result = true;
}

// Streams the selected machines' observations through a cursor, one machine at a time in
// memory, computing each as soon as its rows are complete. False (nothing computed) if the
// rows of the unsorted query came out of (range, time) order.
bool read_rows_and_compute(Chunk& c, const bool* selected, bool sorted) {
    Ranges ranges(2 * c.n);
    int* machine_of = static_cast<int*>(palloc(sizeof(int) * Max(2 * c.n, 1)));
    bool* is_new_end = static_cast<bool*>(palloc(sizeof(bool) * Max(2 * c.n, 1)));
    for (int i = 0; i < c.n; ++i) {
        if (!selected[i]) continue;
        const UpdatePlan& p = c.machines[i].plan;
        if (!p.full && !p.old_end_empty) {
            machine_of[ranges.n] = i;
            is_new_end[ranges.n] = false;
            ranges.add(ranges.n, c.machines[i].id, p.old_end.from, p.old_end.to, p.old_end.with_last_before);
        }
        machine_of[ranges.n] = i;
        is_new_end[ranges.n] = true;
        ranges.add(ranges.n, c.machines[i].id, p.new_end.from, p.new_end.to, p.new_end.with_last_before);
    }
    RowBuffer old_end, new_end;
    int current = -1;  // the machine whose rows are being collected
    auto finish_until = [&](int upto) {  // computes every selected machine before `upto`
        for (int i = current < 0 ? 0 : current; i < upto; ++i) {
            if (!selected[i]) continue;
            if (i != current) old_end.n = new_end.n = 0;
            compute_machine(c, c.machines[i], old_end, new_end);
        }
        old_end.n = new_end.n = 0;
    };
    Datum args[5];
    ranges.params(args);
    args[4] = ranges.before_param();
    MemoryContext mine = CurrentMemoryContext;
    Portal portal = SPI_cursor_open(nullptr, plan(sorted ? kObservationsSortedStatement : kObservationsStatement), args,
                                    nullptr, false);
    MemoryContextSwitchTo(mine);
    int last_range = -1;
    TimestampTz last_at = DT_NOBEGIN;
    bool in_order = true;
    while (in_order) {
        CHECK_FOR_INTERRUPTS();
        SPI_cursor_fetch(portal, true, 10000);
        MemoryContextSwitchTo(mine);
        if (SPI_processed == 0) break;
        TupleDesc d = SPI_tuptable->tupdesc;
        for (uint64 k = 0; k < SPI_processed; ++k) {
            HeapTuple t = SPI_tuptable->vals[k];
            bool isnull;
            const int range = DatumGetInt32(SPI_getbinval(t, d, 1, &isnull));
            const Observation o{DatumGetTimestampTz(SPI_getbinval(t, d, 2, &isnull)), get_bool(t, d, 3, &isnull)};
            if (range < last_range || (range == last_range && o.at <= last_at)) {
                in_order = false;
                break;
            }
            last_range = range;
            last_at = o.at;
            const int i = machine_of[range];
            if (i != current) {
                finish_until(i);
                current = i;
            }
            (is_new_end[range] ? new_end : old_end).push(o);
        }
        SPI_freetuptable(SPI_tuptable);
    }
    SPI_cursor_close(portal);
    MemoryContextSwitchTo(mine);
    if (!in_order) {  // forget what was computed; the caller reads again, sorted
        for (int i = 0; i < c.n; ++i) {
            if (!selected[i]) continue;
            c.machines[i].has_result = false;
            c.machines[i].retry = false;
        }
        return false;
    }
    finish_until(c.n);
    return true;
}

void compute_truncated(Chunk& c) {
    for (int i = 0; i < c.n; ++i) {
        Machine& m = c.machines[i];
        std::optional<UpdatedRow> row = guarded([&] { return after_truncate(m.cached, c.request->truncated, *c.params); });
        if (row) {
            m.result = *row;
            m.has_result = true;
        }
    }
}

// The row's 17 values: machine_id, the fields of reliability.score, computed_at.
void row_values(const Machine& m, Datum* values, bool* nulls) {
    values[0] = Int64GetDatum(m.id);
    nulls[0] = false;
    score_values(m.result.score, m.result.last_observed, m.result.computed_at, values + 1, nulls + 1);
    values[kScoreColumns + 1] = TimestampTzGetDatum(m.result.computed_at);
    nulls[kScoreColumns + 1] = false;
}

// The hints that changed with the rows just written: moved or new ones upserted, the others
// deleted (most polls change none: a young machine's stays its first observation).
void write_hints(const Chunk& c) {
    int64* moved = static_cast<int64*>(palloc(sizeof(int64) * Max(c.n, 1)));
    TimestampTz* until = static_cast<TimestampTz*>(palloc(sizeof(TimestampTz) * Max(c.n, 1)));
    int64* dropped = static_cast<int64*>(palloc(sizeof(int64) * Max(c.n, 1)));
    int n_moved = 0, n_dropped = 0;
    for (int i = 0; i < c.n; ++i) {
        const Machine& m = c.machines[i];
        if (!m.has_result || m.result.unobserved_until == m.cached.unobserved_until) continue;
        if (m.result.unobserved_until) {
            moved[n_moved] = m.id;
            until[n_moved++] = *m.result.unobserved_until;
        } else {
            dropped[n_dropped++] = m.id;
        }
    }
    if (n_dropped > 0) {
        Datum arg[1] = {int8_array(dropped, n_dropped)};
        run(plan(kHintsDeleteStatement), arg, SPI_OK_DELETE, "deleting cache hints");
    }
    if (n_moved > 0) {
        Datum args[2] = {int8_array(moved, n_moved), int8_array(until, n_moved, TIMESTAMPTZOID)};
        run(plan(kHintsWriteStatement), args, SPI_OK_INSERT, "writing cache hints");
    }
}

// SPEC §11: a written row whose tier moved is announced on channel "reliability",
// delivered at commit (Async_Notify is what pg_notify() calls).
void notify_tier_moves(const Chunk& c) {
    for (int i = 0; i < c.n; ++i) {
        const Machine& m = c.machines[i];
        if (!m.has_result || !tier_moved(m.cached, m.result)) continue;
        char* payload = psprintf("{\"machine_id\": " INT64_FORMAT ", \"event\": \"tier\", \"old\": \"%s\", \"new\": \"%s\"}",
                                 m.id, tier_name(*m.cached.tier), tier_name(m.result.score.tier));
        Async_Notify(kNotifyChannel, payload);
        pfree(payload);
    }
}

// Writes the chunk's results and returns how many; *stopped_at is the index of the first
// machine of an unlocked chunk whose row another transaction changed since it was read
// (that machine and the later ones are left unwritten, for a locked chunk), else c.n.
int64 write_chunk(Chunk& c, int* stopped_at) {
    const CacheRequest& r = *c.request;
    Datum values[kScoreColumns + 2];
    bool nulls[kScoreColumns + 2];
    int n = 0;
    *stopped_at = c.n;
    if (r.emit_to != nullptr) {
        for (int i = 0; i < c.n; ++i) {
            if (!c.machines[i].has_result) continue;
            row_values(c.machines[i], values, nulls);
            tuplestore_putvalues(r.emit_to, r.emit_desc, values, nulls);
            ++n;
        }
        return n;
    }
    Relation rel = table_open(cached_scores_relid(), RowExclusiveLock);  // as an UPDATE would
    TupleDesc desc = RelationGetDescr(rel);
    HeapTuple* rows = static_cast<HeapTuple*>(palloc(sizeof(HeapTuple) * Max(c.n, 1)));
    ItemPointerData* tids = static_cast<ItemPointerData*>(palloc(sizeof(ItemPointerData) * Max(c.n, 1)));
    int64* written = static_cast<int64*>(palloc(sizeof(int64) * Max(c.n, 1)));
    int* machine_of = static_cast<int*>(palloc(sizeof(int) * Max(c.n, 1)));
    for (int i = 0; i < c.n; ++i) {
        if (!c.machines[i].has_result) continue;
        row_values(c.machines[i], values, nulls);
        rows[n] = heap_form_tuple(desc, values, nulls);
        tids[n] = c.machines[i].tid;
        machine_of[n] = i;
        written[n++] = c.machines[i].id;
    }
    if (n > 0 && can_update_in_place(rel)) {
        const int done = update_in_place(rel, tids, rows, n);
        table_close(rel, NoLock);
        if (done < n) {
            if (c.locked) elog(ERROR, "reliability: a locked cached row changed under its lock");
            *stopped_at = machine_of[done];
            for (int i = *stopped_at; i < c.n; ++i) c.machines[i].has_result = false;
            n = done;
        }
    } else {
        table_close(rel, NoLock);
        if (n == 0) return 0;
        // Only a locked chunk gets here: the engine reads unlocked only where it writes in place.
        if (!c.locked) elog(ERROR, "reliability: an unlocked chunk cannot be written by an SQL UPDATE");
        Datum* row_datums = static_cast<Datum*>(palloc(sizeof(Datum) * n));
        Datum* tid_datums = static_cast<Datum*>(palloc(sizeof(Datum) * n));
        for (int k = 0; k < n; ++k) {
            row_datums[k] = HeapTupleGetDatum(rows[k]);
            tid_datums[k] = PointerGetDatum(&tids[k]);
        }
        Datum args[2] = {PointerGetDatum(construct_array(row_datums, n, cached_scores_type(), -1, false, TYPALIGN_DOUBLE)),
                         PointerGetDatum(construct_array(tid_datums, n, TIDOID, sizeof(ItemPointerData), false, TYPALIGN_SHORT))};
        const uint64 updated = run(plan(kWriteStatement), args, SPI_OK_UPDATE, "writing cached rows");
        // Every row is locked by this transaction, so each version is still the one at its ctid.
        if (updated != static_cast<uint64>(n))
            elog(ERROR, "reliability: wrote %llu of %d locked cached rows", static_cast<unsigned long long>(updated), n);
    }
    if (c.hints) write_hints(c);
    notify_tier_moves(c);
    if (c.params->auto_blacklist_below) {
        Datum ids[1] = {int8_array(written, n)};
        run(plan(kAutoBlacklistStatement), ids, SPI_OK_SELECT, "applying the auto-blacklist");
    }
    return n;
}

// The settings copy (0.2.0 on), or InvalidOid.
Oid settings_copy_relid() { return get_relname_relid("_settings_copy", get_namespace_oid("reliability", false)); }

// Whether reliability.scores can be written in place, its table lock taken with `mode`.
bool scores_writable_in_place(LOCKMODE mode) {
    Relation rel = table_open(cached_scores_relid(), mode);
    const bool in_place = can_update_in_place(rel);
    table_close(rel, NoLock);
    return in_place;
}

// Whether this call may read its cached rows without locking them (cache_engine.hpp): it
// writes them in place, in READ COMMITTED (where a changed row is recomputed under its lock
// rather than failed), and every writer that holds the others off (a settings change,
// refresh(), compact(): _history_lock_writers) takes the settings copy in EXCLUSIVE mode,
// which the engine's ROW SHARE lock then waits for. Asked again once the table locks are held.
bool may_read_unlocked(const CacheRequest& r, Oid settings_copy) {
    if (r.emit_to != nullptr || r.mode == CacheMode::Truncated || IsolationUsesXactSnapshot()) return false;
    return OidIsValid(settings_copy) && scores_writable_in_place(AccessShareLock);
}

// Every table lock a writer needs, before its first row lock on reliability.scores: a
// TRUNCATE (ACCESS EXCLUSIVE, then the cached rows) then waits for it instead of holding a
// table it needs. `settings_copy`: the copy to hold settings changes off with, or InvalidOid.
void lock_tables(Oid settings_copy) {
    // A settings change takes the copy in EXCLUSIVE mode before it lists the rows to
    // recompute, so a machine's first row is either listed or computed with the new
    // settings; an unlocked reader keeps the settings and the history horizon it read.
    if (OidIsValid(settings_copy)) LockRelationOid(settings_copy, RowShareLock);
    for (const char* table : {"observations", "interruptions", "ratings"}) LockRelationOid(extension_relid(table), AccessShareLock);
}

// Placeholder rows for every machine of the request that has none, before any row is
// locked: a writer waits for another's uncommitted placeholder only while it holds no
// existing row, so the two kinds of waits cannot form a cycle.
void create_missing_rows(const CacheRequest& r) {
    Datum arg[1] = {int8_array(r.machine_ids, r.n_machines)};
    const int n = static_cast<int>(run(plan(kMissingStatement), arg, SPI_OK_SELECT, "finding missing cached rows"));
    if (n == 0) {
        SPI_freetuptable(SPI_tuptable);
        return;
    }
    int64* missing = static_cast<int64*>(palloc(sizeof(int64) * n));
    for (int i = 0; i < n; ++i) {
        bool isnull;
        missing[i] = get_int8(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull);
    }
    SPI_freetuptable(SPI_tuptable);
    arg[0] = int8_array(missing, n);
    run(plan(kInsertPlaceholdersStatement), arg, SPI_OK_INSERT, "creating cached rows");
}

}  // namespace

int64 update_cache(const CacheRequest& r) {
    if (r.n_machines == 0) return 0;
    MemoryContext caller = CurrentMemoryContext;
    MemoryContext chunk_context =
        AllocSetContextCreate(caller, "reliability cache chunk", ALLOCSET_DEFAULT_SIZES);
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    MemoryContext spi_context = MemoryContextSwitchTo(chunk_context);
    check_statements();
    const Oid settings_copy = r.mode == CacheMode::Truncated ? InvalidOid : settings_copy_relid();  // looked up once
    const bool creates_rows = r.create_missing && r.emit_to == nullptr;
    bool unlocked = may_read_unlocked(r, settings_copy);
    if (r.mode != CacheMode::Truncated) lock_tables(creates_rows || unlocked ? settings_copy : InvalidOid);
    // The lock an UPDATE takes: no trigger on the cache comes or goes until the transaction ends.
    if (unlocked) unlocked = scores_writable_in_place(RowExclusiveLock);
    if (creates_rows) create_missing_rows(r);

    const bool hints = r.emit_to == nullptr && check_hints();
    ScoreParameters params;
    std::optional<Micros> raw_from;
    bool have_params = false;
    int64 written = 0;
    bool lock_next = false;  // the last chunk stopped at a row changed since it was read
    for (int start = 0; start < r.n_machines;) {
        MemoryContextReset(chunk_context);
        const int end = Min(r.n_machines, start + kChunkMachines);
        Chunk c{&r, &params, nullptr, 0, nullptr, nullptr, 0, std::nullopt, hints, !unlocked || lock_next};
        lock_next = false;
        const Datum ids = read_cached_rows(c, r.machine_ids + start, end - start);
        if (hints) read_hints(c, ids);
        if (!have_params) {  // after the first locks (or the ROW SHARE lock): the settings in force for these rows
            params = load_settings(true);
            // After the locks, as the settings: a refresh() or compact() we waited for is seen.
            HistoryHorizon local;
            HistoryHorizon& horizon = r.horizon != nullptr ? *r.horizon : local;
            (void)read_history_horizon(&horizon);
            raw_from = horizon.raw_from();
            have_params = true;
        }
        c.raw_from = raw_from;
        if (r.mode == CacheMode::Truncated) {
            compute_truncated(c);
        } else {
            for (int i = 0; i < c.n; ++i) {
                Machine& m = c.machines[i];
                m.force_full = r.mode == CacheMode::Full || std::binary_search(r.full_ids, r.full_ids + r.n_full_ids, m.id);
            }
            collect_fresh(c);
            bool* selected = static_cast<bool*>(palloc(sizeof(bool) * Max(c.n, 1)));
            for (int i = 0; i < c.n; ++i) selected[i] = true;
            for (int pass = 0; pass < 2; ++pass) {  // the second pass: slides found inconsistent, in full
                plan_machines(c, selected);
                read_counts(c, selected);
                if (!read_rows_and_compute(c, selected, false)) (void)read_rows_and_compute(c, selected, true);
                bool again = false;
                for (int i = 0; i < c.n; ++i) {
                    selected[i] = c.machines[i].retry && !c.machines[i].has_result;
                    again = again || selected[i];
                }
                if (!again) break;
            }
        }
        int stopped_at;
        written += write_chunk(c, &stopped_at);
        // An INSERT still waiting for its trigger must not slide these machines later.
        if (insert_pending()) {
            int64* done = static_cast<int64*>(palloc(sizeof(int64) * Max(stopped_at, 1)));
            for (int i = 0; i < stopped_at; ++i) done[i] = c.machines[i].id;
            note_recomputed(done, stopped_at);
        }
        if (stopped_at < c.n) {  // from that machine on, again, under locks taken in machine order
            start = static_cast<int>(std::lower_bound(r.machine_ids + start, r.machine_ids + end, c.machines[stopped_at].id) -
                                     r.machine_ids);
            lock_next = true;
        } else {
            start = end;
        }
    }
    MemoryContextSwitchTo(spi_context);
    SPI_finish();
    MemoryContextDelete(chunk_context);
    return written;
}

}  // namespace reliability::pg
