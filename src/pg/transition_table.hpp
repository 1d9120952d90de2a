// One side of a statement's transition table (a data table's old or new rows), read from C
// with no SPI and no copy: the cache triggers and the history (history_changes.cpp) scan it.
#pragma once

extern "C" {
#include "postgres.h"
#include "miscadmin.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "executor/tuptable.h"
#include "utils/rel.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"
}

namespace reliability::pg {

struct TransitionTable {
    Tuplestorestate* store;
    TupleTableSlot* slot;
    int machine_col;  // attribute numbers
    int time_col;     // the time column asked for, else 0

    // time_column: "observed_at", "occurred_at" or nullptr (machines only).
    TransitionTable(Tuplestorestate* s, Relation rel, const char* time_column)
        : store(s), slot(MakeSingleTupleTableSlot(RelationGetDescr(rel), &TTSOpsMinimalTuple)),
          machine_col(SPI_fnumber(RelationGetDescr(rel), "machine_id")),
          time_col(time_column != nullptr ? SPI_fnumber(RelationGetDescr(rel), time_column) : 0) {
        if (machine_col <= 0 || (time_column != nullptr && time_col <= 0)) {
            elog(ERROR, "reliability: unexpected columns of a data table");
        }
        // Our own read pointer: other readers of the same transition table keep theirs.
        const int pointer = tuplestore_alloc_read_pointer(store, EXEC_FLAG_REWIND);
        tuplestore_select_read_pointer(store, pointer);
    }
    // Unpins the table's row type (the slot holds a reference to it).
    void release() { ExecDropSingleTupleTableSlot(slot); }
    // Calls visit(machine, time) for every row (time 0 without a time column).
    template <typename Visit>
    void scan(Visit&& visit) {
        tuplestore_rescan(store);
        uint64 k = 0;
        while (tuplestore_gettupleslot(store, true, false, slot)) {
            if ((++k & 0xFFFF) == 0) CHECK_FOR_INTERRUPTS();
            bool isnull;
            const int64 machine = DatumGetInt64(slot_getattr(slot, machine_col, &isnull));
            TimestampTz at = 0;
            if (time_col > 0) at = DatumGetTimestampTz(slot_getattr(slot, time_col, &isnull));
            visit(machine, at);
        }
    }
};

}  // namespace reliability::pg
