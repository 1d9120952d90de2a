#include "pending_inserts.hpp"

#include "cache_statements.hpp"

#include <cstring>

extern "C" {
#include "fmgr.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "commands/trigger.h"
#include "utils/array.h"
#include "utils/memutils.h"
}

namespace reliability::pg {

namespace {

// Per backend, for the current transaction only (reset at its end, see xact_callback).
// One entry per statement trigger pair on a data table whose BEFORE statement trigger ran and
// whose AFTER one has not: the subtransaction it runs in, so that a statement that fails
// inside a savepoint (its AFTER trigger never runs) is forgotten when that savepoint rolls back.
SubTransactionId* g_pending = nullptr;  // a stack, in TopTransactionContext
int g_pending_n = 0, g_pending_cap = 0;
int64* g_marked = nullptr;   // machines recomputed meanwhile (in TopTransactionContext)
int g_marked_n = 0, g_marked_cap = 0;
HistoryRange* g_ranges = nullptr;  // history day ranges of the pending statement's rows
int g_ranges_n = 0, g_ranges_cap = 0;
bool g_callbacks_registered = false;

void reset() {
    g_pending = nullptr;  // the memory goes with TopTransactionContext
    g_pending_n = g_pending_cap = 0;
    g_marked = nullptr;
    g_marked_n = g_marked_cap = 0;
    g_ranges = nullptr;
    g_ranges_n = g_ranges_cap = 0;
}

void xact_callback(XactEvent event, void*) {
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
        event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
        reset();
    }
}

void subxact_callback(SubXactEvent event, SubTransactionId my_subid, SubTransactionId parent_subid, void*) {
    if (event == SUBXACT_EVENT_ABORT_SUB) {
        // Inserts begun in the aborted subtransaction (or in its children, already
        // aborted or merged into it) will never reach their AFTER trigger.
        while (g_pending_n > 0 && g_pending[g_pending_n - 1] == my_subid) --g_pending_n;
        if (g_pending_n == 0) g_marked_n = g_ranges_n = 0;
    } else if (event == SUBXACT_EVENT_COMMIT_SUB) {
        for (int i = 0; i < g_pending_n; ++i) {
            if (g_pending[i] == my_subid) g_pending[i] = parent_subid;
        }
    }
}

// Appends n values to a list that lives in TopTransactionContext, growing it by doubling.
template <typename T>
void append_for_transaction(T** list, int* count, int* cap, const T* values, int n) {
    if (n <= 0) return;
    if (*count + n > *cap) {
        const int grown_cap = Max(64, Max(*cap * 2, *count + n));
        auto* grown = static_cast<T*>(MemoryContextAlloc(TopTransactionContext, sizeof(T) * grown_cap));
        if (*count > 0) std::memcpy(grown, *list, sizeof(T) * *count);
        *list = grown;
        *cap = grown_cap;
    }
    std::memcpy(*list + *count, values, sizeof(T) * n);
    *count += n;
}

void push_pending(SubTransactionId subid) {
    append_for_transaction(&g_pending, &g_pending_n, &g_pending_cap, &subid, 1);
}


// The machines noted for the pending statement, as a bigint[]; forgets them.
ArrayType* take_marked() {
    ArrayType* result = DatumGetArrayTypeP(int8_array(g_marked, g_marked_n));
    g_marked_n = 0;
    return result;
}

}  // namespace

bool insert_pending() { return g_pending_n > 0; }

void note_recomputed(const int64* machine_ids, int n) {
    if (g_pending_n <= 0) return;
    append_for_transaction(&g_marked, &g_marked_n, &g_marked_cap, machine_ids, n);
}

void note_history_ranges(const HistoryRange* ranges, int n) {
    append_for_transaction(&g_ranges, &g_ranges_n, &g_ranges_cap, ranges, n);
}

HistoryRange* take_history_ranges(int* n) {
    *n = g_ranges_n;
    auto* out = static_cast<HistoryRange*>(palloc(sizeof(HistoryRange) * Max(1, g_ranges_n)));
    if (g_ranges_n > 0) std::memcpy(out, g_ranges, sizeof(HistoryRange) * g_ranges_n);
    g_ranges_n = 0;
    return out;
}

bool end_statement(const int64* machine_ids, int n, int64** handed, int* n_handed) {
    if (g_pending_n > 0) --g_pending_n;
    if (g_pending_n > 0) {
        note_recomputed(machine_ids, n);
        return false;
    }
    *handed = static_cast<int64*>(palloc(sizeof(int64) * Max(1, g_marked_n)));
    if (g_marked_n > 0) std::memcpy(*handed, g_marked, sizeof(int64) * g_marked_n);
    *n_handed = g_marked_n;
    g_marked_n = 0;
    return true;
}

}  // namespace reliability::pg

using namespace reliability::pg;

extern "C" {

// BEFORE INSERT OR UPDATE OR DELETE FOR EACH STATEMENT on observations, interruptions and
// ratings (0.1.0: BEFORE INSERT on observations).
PG_FUNCTION_INFO_V1(reliability_observations_insert_begins);
Datum reliability_observations_insert_begins(PG_FUNCTION_ARGS) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("trigger function called not by trigger manager")));
    }
    if (!g_callbacks_registered) {
        RegisterXactCallback(xact_callback, nullptr);
        RegisterSubXactCallback(subxact_callback, nullptr);
        g_callbacks_registered = true;
    }
    push_pending(GetCurrentSubTransactionId());
    return PointerGetDatum(nullptr);
}

// _hand_over(machine_ids bigint[]) RETURNS bigint[]: called by every AFTER statement trigger
// of the data tables. It ends the trigger's own pending statement. While another one of the
// same statement (or of an outer one) is still to reach its AFTER trigger, it keeps the
// machines for that one and returns NULL: the caller does nothing. The last one gets every
// machine handed to it (and those recomputed meanwhile), to recompute in full together with
// its own in one ordered pass: a statement that fires several triggers (INSERT ... ON
// CONFLICT DO UPDATE, MERGE, data-modifying CTEs) so never locks its cached rows in two
// passes, which could deadlock with another statement.
PG_FUNCTION_INFO_V1(reliability_hand_over);
Datum reliability_hand_over(PG_FUNCTION_ARGS) {
    int64* values = nullptr;
    int kept = 0;
    if (!PG_ARGISNULL(0)) {
        Datum* ids;
        bool* nulls;
        int n;
        deconstruct_array(PG_GETARG_ARRAYTYPE_P(0), INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &ids, &nulls, &n);
        values = static_cast<int64*>(palloc(sizeof(int64) * Max(1, n)));
        for (int i = 0; i < n; ++i)
            if (!nulls[i]) values[kept++] = DatumGetInt64(ids[i]);
    }
    int64* handed;
    int n_handed;
    if (!end_statement(values, kept, &handed, &n_handed)) PG_RETURN_NULL();
    PG_RETURN_DATUM(int8_array(handed, n_handed));
}

// _insert_ends() RETURNS bigint[]: 0.1.0's form of the above, for its install script (this
// module still serves it): ends the latest pending statement, returns the machines noted.
PG_FUNCTION_INFO_V1(reliability_insert_ends);
Datum reliability_insert_ends(PG_FUNCTION_ARGS) {
    if (g_pending_n > 0) --g_pending_n;
    if (g_pending_n == 0) PG_RETURN_ARRAYTYPE_P(take_marked());  // no statement waits any more
    const int kept = g_marked_n;  // 0.1.0 kept them for an outer pending insert
    ArrayType* result = take_marked();
    g_marked_n = kept;
    PG_RETURN_ARRAYTYPE_P(result);
}

}  // extern "C"
