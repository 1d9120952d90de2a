#include "history_changes.hpp"

#include "cache_statements.hpp"
#include "pg_time.hpp"
#include "transition_table.hpp"

#include <algorithm>
#include <cstring>

extern "C" {
#include "fmgr.h"
#include "miscadmin.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/date.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
}

namespace reliability::pg {

namespace {

const char* const kHorizon =
    "SELECT r.materialized_before, r.compacted_before, "
    "       st.max_gap "
    "  FROM reliability.retention r CROSS JOIN reliability.settings st";

const char* const kMachinesThatExist =
    "SELECT m.machine_id FROM reliability.machines m "
    " WHERE m.machine_id OPERATOR(pg_catalog.=) ANY ($1) ORDER BY 1 LIMIT 1";

const char* const kUpdate = "SELECT reliability._history_update($1, $2, $3)";

SPIPlanPtr kept_plan(SPIPlanPtr* slot, const char* sql, int nargs, const Oid* types) {
    if (*slot == nullptr) *slot = prepare_kept(sql, nargs, types, "a history statement");
    return *slot;
}

struct Entry {
    int64 machine;  // key
    int32 first, last;
    bool refused;   // has a row before compacted_before
};


ArrayType* date_array(const int32* v, int n) {
    Datum* d = static_cast<Datum*>(palloc(sizeof(Datum) * Max(n, 1)));
    for (int i = 0; i < n; ++i) d[i] = DateADTGetDatum(v[i]);
    return construct_array(d, n, DATEOID, 4, true, TYPALIGN_INT);
}

}  // namespace

int32 day_of(TimestampTz t) {  // floor division: days before 2000-01-01 are negative
    int64 d = t / USECS_PER_DAY;
    if (t % USECS_PER_DAY < 0) --d;
    return static_cast<int32>(d);
}

TimestampTz day_start(int32 day) { return static_cast<TimestampTz>(day) * USECS_PER_DAY; }

const char* day_text(int32 day) { return DatumGetCString(DirectFunctionCall1(date_out, DateADTGetDatum(day))); }

bool history_installed() {
    // The 0.3.0 and older SQL (before ALTER EXTENSION UPDATE) has no history: this module
    // serves it without one.
    const Oid schema = get_namespace_oid("reliability", true);
    return OidIsValid(schema) && OidIsValid(get_relname_relid("retention", schema));
}

bool read_history_horizon(HistoryHorizon* out) {
    static SPIPlanPtr plan = nullptr;
    *out = HistoryHorizon{};
    out->read = true;
    if (!history_installed()) return false;
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    // Not read-only: a new snapshot, taken after the caller's locks (a horizon moved by a
    // refresh() or compact() that the caller waited for is seen).
    const int rc = SPI_execute_plan(kept_plan(&plan, kHorizon, 0, nullptr), nullptr, nullptr, false, 1);
    if (rc != SPI_OK_SELECT || SPI_processed != 1) elog(ERROR, "reliability: reading reliability.retention failed");
    HeapTuple t = SPI_tuptable->vals[0];
    TupleDesc d = SPI_tuptable->tupdesc;
    bool isnull = false;
    Datum v = SPI_getbinval(t, d, 1, &isnull);
    out->materialized = !isnull;
    if (!isnull) out->materialized_before = DatumGetDateADT(v);
    v = SPI_getbinval(t, d, 2, &isnull);
    out->compacted = !isnull;
    if (!isnull) out->compacted_before = DatumGetDateADT(v);
    v = SPI_getbinval(t, d, 3, &isnull);
    out->max_gap_us = interval_length(DatumGetIntervalP(v));
    SPI_finish();
    return out->in_use();
}

HistoryRange* history_ranges(TriggerData* trigger, DataTable table, const HistoryHorizon& h, int* n) {
    *n = 0;
    Relation rel = trigger->tg_relation;
    const TimestampTz horizon = h.compacted ? day_start(h.compacted_before) : DT_NOBEGIN;
    const int64 reach = table == DataTable::Observations ? h.max_gap_us : 1;  // a row reaches [t, t + reach)

    HASHCTL ctl;
    std::memset(&ctl, 0, sizeof(ctl));
    ctl.keysize = sizeof(int64);
    ctl.entrysize = sizeof(Entry);
    ctl.hcxt = CurrentMemoryContext;
    HTAB* machines = hash_create("reliability history ranges", 256, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    bool any_refused = false;

    const char* time_column = table == DataTable::Observations ? "observed_at" : "occurred_at";
    for (Tuplestorestate* store : {trigger->tg_oldtable, trigger->tg_newtable}) {
        if (store == nullptr) continue;
        TransitionTable rows(store, rel, time_column);
        rows.scan([&](int64 machine, TimestampTz at) {
            const bool refused = at < horizon;
            int32 first = day_of(at);
            int32 last = day_of(at > PG_INT64_MAX - reach ? PG_INT64_MAX : at + reach - 1);
            if (h.compacted) first = Max(first, h.compacted_before);
            last = h.materialized ? Min(last, h.materialized_before - 1) : first - 1;
            if (!refused && first > last) return;
            bool found;
            auto* e = static_cast<Entry*>(hash_search(machines, &machine, HASH_ENTER, &found));
            if (!found) {
                e->first = first;
                e->last = last;
                e->refused = false;
            } else if (first <= last) {
                if (e->first > e->last) {
                    e->first = first;
                    e->last = last;
                } else {
                    e->first = Min(e->first, first);
                    e->last = Max(e->last, last);
                }
            }
            e->refused = e->refused || refused;
            any_refused = any_refused || refused;
        });
        rows.release();
    }

    const int count = static_cast<int>(hash_get_num_entries(machines));
    auto* ranges = static_cast<HistoryRange*>(palloc(sizeof(HistoryRange) * Max(count, 1)));
    int64* refused_ids = static_cast<int64*>(palloc(sizeof(int64) * Max(count, 1)));
    int n_refused = 0;
    HASH_SEQ_STATUS seq;
    hash_seq_init(&seq, machines);
    while (auto* e = static_cast<Entry*>(hash_seq_search(&seq))) {
        if (e->refused) refused_ids[n_refused++] = e->machine;
        if (e->first <= e->last) ranges[(*n)++] = HistoryRange{e->machine, e->first, e->last};
    }
    hash_destroy(machines);

    if (any_refused) {  // rows of deleted machines (ON DELETE CASCADE) may go
        static SPIPlanPtr plan = nullptr;
        Oid types[1] = {INT8ARRAYOID};
        Datum args[1] = {int8_array(refused_ids, n_refused)};
        if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
        // Not read-only: a new snapshot, which sees the machine deleted by the statement that cascaded here.
        const int rc = SPI_execute_plan(kept_plan(&plan, kMachinesThatExist, 1, types), args, nullptr, false, 1);
        if (rc != SPI_OK_SELECT) elog(ERROR, "reliability: checking machines failed");
        int64 machine = 0;
        const bool exists = SPI_processed > 0;
        if (exists) {
            bool isnull;
            machine = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1, &isnull));
        }
        SPI_finish();
        if (exists) {
            const char* horizon_text = day_text(h.compacted_before);
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("cannot change rows of reliability.%s before the compaction horizon %s",
                                   RelationGetRelationName(rel), horizon_text),
                            errdetail("Machine %lld has such a row; compact() replaced those days by reliability.history.",
                                      static_cast<long long>(machine))));
        }
    }
    return ranges;
}

std::optional<int64> HistoryHorizon::raw_from() const {
    if (!compacted) return std::nullopt;
    return day_start(compacted_before) - max_gap_us;
}

void require_after_horizon(TimestampTz at, int32 compacted_before, const char* what) {
    if (at >= day_start(compacted_before)) return;
    const char* horizon = day_text(compacted_before);
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                    errmsg("%s is before the compaction horizon %s", what, horizon),
                    errdetail("compact() deleted the raw rows before reliability.compacted_before() = %s.", horizon)));
}

void update_history(HistoryRange* ranges, int n) {
    if (n <= 0) return;
    std::sort(ranges, ranges + n, [](const HistoryRange& a, const HistoryRange& b) { return a.machine < b.machine; });
    int64* ids = static_cast<int64*>(palloc(sizeof(int64) * n));
    int32* firsts = static_cast<int32*>(palloc(sizeof(int32) * n));
    int32* lasts = static_cast<int32*>(palloc(sizeof(int32) * n));
    int k = 0;
    for (int i = 0; i < n; ++i) {
        if (k > 0 && ids[k - 1] == ranges[i].machine) {  // the union's hull: a few extra days at most
            firsts[k - 1] = Min(firsts[k - 1], ranges[i].first);
            lasts[k - 1] = Max(lasts[k - 1], ranges[i].last);
            continue;
        }
        ids[k] = ranges[i].machine;
        firsts[k] = ranges[i].first;
        lasts[k] = ranges[i].last;
        ++k;
    }
    static SPIPlanPtr plan = nullptr;
    Oid types[3] = {INT8ARRAYOID, DATEARRAYOID, DATEARRAYOID};
    Datum args[3] = {int8_array(ids, k), PointerGetDatum(date_array(firsts, k)),
                     PointerGetDatum(date_array(lasts, k))};
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    const int rc = SPI_execute_plan(kept_plan(&plan, kUpdate, 3, types), args, nullptr, false, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "reliability: updating reliability.history failed: %s", SPI_result_code_string(rc));
    SPI_finish();
}

}  // namespace reliability::pg
