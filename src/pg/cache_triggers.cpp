// The SQL-facing entry points of the cache engine (cache_engine.hpp):
//   _data_changed()      AFTER INSERT/UPDATE/DELETE statement trigger of the data tables;
//   _data_truncated()    AFTER TRUNCATE statement trigger of the data tables;
//   _update_cache(...)   refresh(), rebuild() and a settings change.
// Each turns its event into one CacheRequest; the engine does the rest.
#include <algorithm>
#include <cstring>

#include "cache_engine.hpp"
#include "history_changes.hpp"
#include "transition_table.hpp"
#include "pending_inserts.hpp"
#include "pg_time.hpp"

extern "C" {
#include "fmgr.h"
#include "miscadmin.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/array.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/tuplestore.h"
}

using namespace reliability;
using namespace reliability::pg;

namespace {


// Distinct machines of a statement with their earliest fresh row: memory follows the
// machines (a hash table), not the rows.
struct MachineSet {
    struct Entry {
        int64 machine;  // the key
        TimestampTz earliest;
    };
    HTAB* table;
    explicit MachineSet(MemoryContext context) {
        HASHCTL ctl;
        std::memset(&ctl, 0, sizeof(ctl));
        ctl.keysize = sizeof(int64);
        ctl.entrysize = sizeof(Entry);
        ctl.hcxt = context;
        table = hash_create("reliability statement machines", 1024, &ctl, HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
    }
    void add(int64 machine, TimestampTz at) {
        bool found;
        auto* e = static_cast<Entry*>(hash_search(table, &machine, HASH_ENTER, &found));
        if (!found || at < e->earliest) e->earliest = at;
    }
    // Sorted machines and (if wanted) their earliest rows, palloc'd.
    int64* sorted(int* n, TimestampTz** earliest) const {
        *n = static_cast<int>(hash_get_num_entries(table));
        int64* ids = static_cast<int64*>(palloc(sizeof(int64) * Max(*n, 1)));
        HASH_SEQ_STATUS seq;
        hash_seq_init(&seq, table);
        int k = 0;
        while (auto* e = static_cast<Entry*>(hash_seq_search(&seq))) ids[k++] = e->machine;
        *n = sort_unique(ids, k);
        if (earliest != nullptr) {
            *earliest = static_cast<TimestampTz*>(palloc(sizeof(TimestampTz) * Max(*n, 1)));
            for (int i = 0; i < *n; ++i) {
                bool found;
                (*earliest)[i] = static_cast<Entry*>(hash_search(table, &ids[i], HASH_FIND, &found))->earliest;
            }
        }
        return ids;
    }
};

// FreshSource::collect over the inserted rows: a second pass over the transition table, for
// the few machines whose earliest new row lies before their cached computed_at.
void collect_from_transition_table(void* context, const int64* machines, const TimestampTz* before, int n,
                                   FreshRow* rows, int* n_out) {
    auto* table = static_cast<TransitionTable*>(context);
    int* count = static_cast<int*>(palloc0(sizeof(int) * Max(n, 1)));
    int k = 0;
    table->scan([&](int64 machine, TimestampTz at) {
        const int64* hit = std::lower_bound(machines, machines + n, machine);
        if (hit == machines + n || *hit != machine) return;
        const int i = static_cast<int>(hit - machines);
        if (at >= before[i] || count[i] > kMaxFreshPerMachine) return;
        ++count[i];
        rows[k++] = FreshRow{machine, at};
    });
    *n_out = k;
}

DataTable data_table(Relation rel) {
    const char* name = RelationGetRelationName(rel);
    if (std::strcmp(name, "observations") == 0) return DataTable::Observations;
    if (std::strcmp(name, "interruptions") == 0) return DataTable::Interruptions;
    if (std::strcmp(name, "ratings") == 0) return DataTable::Ratings;
    ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                    errmsg("reliability cache triggers belong on observations, interruptions and ratings, not \"%s\"", name)));
}

TriggerData* trigger_data(FunctionCallInfo fcinfo) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("trigger function called not by trigger manager")));
    }
    return reinterpret_cast<TriggerData*>(fcinfo->context);
}

// The machines of the whole table's cache, sorted.
int64* all_cached_machines(int* n) {
    if (SPI_connect() != SPI_OK_CONNECT) elog(ERROR, "reliability: SPI_connect failed");
    const int rc = SPI_execute("SELECT machine_id FROM reliability.scores ORDER BY 1", true, 0);
    if (rc != SPI_OK_SELECT) elog(ERROR, "reliability: listing cached rows failed: %s", SPI_result_code_string(rc));
    *n = static_cast<int>(SPI_processed);
    int64* ids = static_cast<int64*>(SPI_palloc(sizeof(int64) * Max(*n, 1)));  // survives SPI_finish
    for (int i = 0; i < *n; ++i) {
        bool isnull;
        ids[i] = DatumGetInt64(SPI_getbinval(SPI_tuptable->vals[i], SPI_tuptable->tupdesc, 1, &isnull));
    }
    SPI_finish();
    return ids;
}

}  // namespace

extern "C" {

// AFTER INSERT OR UPDATE OR DELETE ... FOR EACH STATEMENT on observations, interruptions and
// ratings, with transition tables. One statement, one ordered pass over its cached rows: a
// statement may fire several of these (INSERT ... ON CONFLICT DO UPDATE, MERGE, writable
// CTEs); all but the last hand their machines over to the last (pending_inserts.hpp).
PG_FUNCTION_INFO_V1(reliability_data_changed);
Datum reliability_data_changed(PG_FUNCTION_ARGS) {
    TriggerData* trigger = trigger_data(fcinfo);
    if (!TRIGGER_FIRED_AFTER(trigger->tg_event) || !TRIGGER_FIRED_FOR_STATEMENT(trigger->tg_event)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("reliability._data_changed() must fire AFTER ... FOR EACH STATEMENT")));
    }
    const DataTable table = data_table(trigger->tg_relation);
    const bool inserted = TRIGGER_FIRED_BY_INSERT(trigger->tg_event);
    const bool deleted = TRIGGER_FIRED_BY_DELETE(trigger->tg_event);
    const bool fresh_rows = inserted && table == DataTable::Observations;

    MachineSet machines(CurrentMemoryContext);
    TransitionTable* new_rows = nullptr;
    if (trigger->tg_newtable != nullptr) {
        new_rows = new (palloc(sizeof(TransitionTable))) TransitionTable(trigger->tg_newtable, trigger->tg_relation, fresh_rows ? "observed_at" : nullptr);
        new_rows->scan([&](int64 m, TimestampTz at) { machines.add(m, at); });
    }
    if (trigger->tg_oldtable != nullptr) {
        TransitionTable old_rows(trigger->tg_oldtable, trigger->tg_relation, nullptr);
        old_rows.scan([&](int64 m, TimestampTz at) { machines.add(m, at); });
        old_rows.release();
    }
    int n = 0;
    TimestampTz* earliest = nullptr;
    int64* ids = machines.sorted(&n, fresh_rows ? &earliest : nullptr);
    hash_destroy(machines.table);

    int64* handed = nullptr;
    int n_handed = 0;
    if (!end_statement(ids, n, &handed, &n_handed)) {  // a later trigger of the statement does it
        // History (SPEC §9): this trigger's rows are checked against the horizon now, and the
        // days they reach are recomputed by the last trigger, once it holds the machines.
        HistoryHorizon horizon;
        int n_ranges = 0;
        if (table != DataTable::Ratings && read_history_horizon(&horizon)) {
            HistoryRange* ranges = history_ranges(trigger, table, horizon, &n_ranges);
            note_history_ranges(ranges, n_ranges);
        }
        if (new_rows != nullptr) new_rows->release();
        return PointerGetDatum(nullptr);
    }

    // The statement's machines and those handed over (in full), in one ordered pass.
    int64* all = static_cast<int64*>(palloc(sizeof(int64) * Max(n + n_handed, 1)));
    std::memcpy(all, ids, sizeof(int64) * n);
    if (n_handed > 0) std::memcpy(all + n, handed, sizeof(int64) * n_handed);
    const int n_all = n_handed > 0 ? sort_unique(all, n + n_handed) : n;
    const int n_full = sort_unique(handed, n_handed);

    CacheRequest request;
    request.machine_ids = all;
    request.n_machines = n_all;
    request.as_of = GetCurrentTransactionStartTimestamp();  // now()
    // Changed or deleted observations: their machines' windows are read again in full.
    request.mode = table == DataTable::Observations && !inserted ? CacheMode::Full : CacheMode::Slide;
    request.ratings_changed = table == DataTable::Ratings;
    request.create_missing = !deleted || n_handed > 0;
    request.full_ids = handed;
    request.n_full_ids = n_full;
    if (fresh_rows) {
        if (n_handed > 0) {  // earliest must be parallel to machine_ids
            TimestampTz* parallel = static_cast<TimestampTz*>(palloc(sizeof(TimestampTz) * Max(n_all, 1)));
            for (int i = 0; i < n_all; ++i) {
                const int64* at = std::lower_bound(ids, ids + n, all[i]);
                parallel[i] = at != ids + n && *at == all[i] ? earliest[at - ids] : DT_NOEND;
            }
            earliest = parallel;
        }
        request.fresh.earliest = earliest;
        request.fresh.collect = collect_from_transition_table;
        request.fresh.context = new_rows;
    }
    // History (SPEC §9), with the horizon the engine read once it held the machines: a
    // refresh() or compact() that moved it meanwhile has committed (they lock every cached
    // row first), so these rows are refused or their days recomputed with the horizon in
    // force. A refused row aborts the statement: nothing is written.
    HistoryHorizon horizon;
    request.horizon = &horizon;
    update_cache(request);
    if (new_rows != nullptr) new_rows->release();

    int n_ranges = 0;
    HistoryRange* ranges = nullptr;
    if (!horizon.read) (void)read_history_horizon(&horizon);  // the engine had no machine to lock
    if (table != DataTable::Ratings && horizon.in_use()) {
        ranges = history_ranges(trigger, table, horizon, &n_ranges);
    }
    int n_handed_ranges = 0;
    HistoryRange* handed_ranges = take_history_ranges(&n_handed_ranges);
    if (n_handed_ranges > 0) {
        auto* merged = static_cast<HistoryRange*>(palloc(sizeof(HistoryRange) * (n_ranges + n_handed_ranges)));
        if (n_ranges > 0) std::memcpy(merged, ranges, sizeof(HistoryRange) * n_ranges);
        std::memcpy(merged + n_ranges, handed_ranges, sizeof(HistoryRange) * n_handed_ranges);
        ranges = merged;
        n_ranges += n_handed_ranges;
    }
    update_history(ranges, n_ranges);
    return PointerGetDatum(nullptr);
}

// AFTER TRUNCATE ... FOR EACH STATEMENT on the data tables: every cached row from the row
// alone, as of its computed_at. No data table is read (see after_truncate()), so TRUNCATEs
// of two tables, each holding its own table exclusively, never wait for each other.
PG_FUNCTION_INFO_V1(reliability_data_truncated);
Datum reliability_data_truncated(PG_FUNCTION_ARGS) {
    TriggerData* trigger = trigger_data(fcinfo);
    if (!TRIGGER_FIRED_BY_TRUNCATE(trigger->tg_event)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("reliability._data_truncated() must fire AFTER TRUNCATE")));
    }
    CacheRequest request;
    request.machine_ids = all_cached_machines(&request.n_machines);
    request.as_of = GetCurrentTransactionStartTimestamp();
    request.mode = CacheMode::Truncated;
    request.truncated = data_table(trigger->tg_relation);
    update_cache(request);
    return PointerGetDatum(nullptr);
}

// _update_cache(machine_ids bigint[], as_of timestamptz, in_full boolean, create_missing boolean)
// RETURNS bigint: moves the given machines' cached rows to max(as_of, computed_at), sliding
// them (in_full: reading every window again, ratings included); create_missing adds rows for
// machines that have none. Returns the number of rows written.
PG_FUNCTION_INFO_V1(reliability_update_cache);
Datum reliability_update_cache(PG_FUNCTION_ARGS) {
    for (int i = 0; i < 4; ++i) {
        if (PG_ARGISNULL(i)) ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("arguments must not be NULL")));
    }
    const TimestampTz as_of = PG_GETARG_TIMESTAMPTZ(1);
    require_finite(as_of, "as_of");
    CacheRequest request;
    request.machine_ids = sorted_int8_values(PG_GETARG_ARRAYTYPE_P(0), &request.n_machines);
    request.as_of = as_of;
    request.mode = PG_GETARG_BOOL(2) ? CacheMode::Full : CacheMode::Slide;
    request.ratings_changed = PG_GETARG_BOOL(2);
    request.create_missing = PG_GETARG_BOOL(3);
    PG_RETURN_INT64(update_cache(request));
}

}  // extern "C"
