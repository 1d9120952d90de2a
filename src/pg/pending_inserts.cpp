#include "pending_inserts.hpp"

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
int g_pending = 0;           // INSERT statements whose BEFORE trigger ran, AFTER not yet
int64* g_marked = nullptr;   // machines recomputed meanwhile (in TopTransactionContext)
int g_marked_n = 0, g_marked_cap = 0;
bool g_callback_registered = false;

void reset() {
    g_pending = 0;
    g_marked = nullptr;  // its memory goes with TopTransactionContext
    g_marked_n = g_marked_cap = 0;
}

void xact_callback(XactEvent event, void*) {
    if (event == XACT_EVENT_COMMIT || event == XACT_EVENT_ABORT || event == XACT_EVENT_PARALLEL_COMMIT ||
        event == XACT_EVENT_PARALLEL_ABORT || event == XACT_EVENT_PREPARE) {
        reset();
    }
}

}  // namespace

bool insert_pending() { return g_pending > 0; }

void note_recomputed(const int64* machine_ids, int n) {
    if (g_pending <= 0 || n <= 0) return;
    if (g_marked_n + n > g_marked_cap) {
        int cap = Max(64, Max(g_marked_cap * 2, g_marked_n + n));
        int64* grown = static_cast<int64*>(MemoryContextAlloc(TopTransactionContext, sizeof(int64) * cap));
        if (g_marked_n > 0) std::memcpy(grown, g_marked, sizeof(int64) * g_marked_n);
        g_marked = grown;
        g_marked_cap = cap;
    }
    std::memcpy(g_marked + g_marked_n, machine_ids, sizeof(int64) * n);
    g_marked_n += n;
}

}  // namespace reliability::pg

using namespace reliability::pg;

extern "C" {

// BEFORE INSERT FOR EACH STATEMENT on reliability.observations.
PG_FUNCTION_INFO_V1(reliability_observations_insert_begins);
Datum reliability_observations_insert_begins(PG_FUNCTION_ARGS) {
    if (!CALLED_AS_TRIGGER(fcinfo)) {
        ereport(ERROR, (errcode(ERRCODE_E_R_I_E_TRIGGER_PROTOCOL_VIOLATED),
                        errmsg("trigger function called not by trigger manager")));
    }
    if (!g_callback_registered) {
        RegisterXactCallback(xact_callback, nullptr);
        g_callback_registered = true;
    }
    ++g_pending;
    return PointerGetDatum(nullptr);
}

// _insert_ends() RETURNS bigint[]: called first by the AFTER INSERT statement trigger;
// returns the machines recomputed since the insert began (to recompute in full).
PG_FUNCTION_INFO_V1(reliability_insert_ends);
Datum reliability_insert_ends(PG_FUNCTION_ARGS) {
    if (g_pending > 0) --g_pending;
    Datum* values = static_cast<Datum*>(palloc(sizeof(Datum) * Max(1, g_marked_n)));
    for (int i = 0; i < g_marked_n; ++i) values[i] = Int64GetDatum(g_marked[i]);
    ArrayType* result = construct_array(values, g_marked_n, INT8OID, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE);
    if (g_pending == 0) {
        g_marked_n = 0;  // no insert waits any more: nothing to remember
    }
    PG_RETURN_ARRAYTYPE_P(result);
}

}  // extern "C"
