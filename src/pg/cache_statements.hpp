// The cache engine's statements (cache_engine.cpp): their text, prepared once per backend
// (SPI_keepplan, generic plans) and again when the extension's tables are new objects
// (e.g. after DROP and CREATE EXTENSION in the same session), and the arrays they take.
#pragma once

extern "C" {
#include "postgres.h"
#include "executor/spi.h"
}

namespace reliability::pg {

enum Statement {
    kLockRowsStatement,            // lock a chunk's cached rows in machine order, read them (and their ctid)
    kReadRowsStatement,            // the same without the locks (the engine's optimistic chunks)
    kMissingStatement,             // machines without a cached row
    kInsertPlaceholdersStatement,  // placeholder rows, in machine order
    kObservationsStatement,        // each range's rows in (range, time) order, no sort
    kObservationsSortedStatement,  // the same, sorted (the fallback)
    kInterruptionsStatement,       // interruptions in each machine's window
    kRatingsStatement,             // ratings (count, sum) of each machine
    kAutoBlacklistStatement,       // reliability._auto_blacklist(ids)
    kWriteStatement,               // the chunk's UPDATE, by ctid
    kHintsReadStatement,           // the chunk's reliability._head_bounds rows
    kHintsDeleteStatement,         // hints that no longer hold, or no longer help
    kHintsWriteStatement,          // new or moved hints (upsert)
    kStatementCount
};

// Forgets the prepared statements when reliability.scores is a new table; checks its columns.
// The caller is connected to SPI.
void check_statements();
// The statement, prepared on first use (the 0.1.0 script, still served, has no _auto_blacklist()).
SPIPlanPtr plan(Statement which);
// Runs a kept statement and returns SPI_processed; ERROR unless SPI returns `expected`.
// Leaves CurrentMemoryContext as it found it (SPI would leave its procedure context).
uint64 run(SPIPlanPtr plan, Datum* args, int expected, const char* what);

Oid extension_relid(const char* name);  // reliability.<name>, ERROR if missing
Oid cached_scores_relid();              // as of the last check_statements()
Oid cached_scores_type();               // its row type
// Whether reliability._head_bounds exists (not before 0.6.0: the module serves older scripts
// too, which keep no hints); forgets its statements when it is a new table.
bool check_hints();

// A statement prepared with a generic plan and kept for the backend's life; `what` names it
// in the error when preparing fails. (Every kept statement of the module is made here.)
SPIPlanPtr prepare_kept(const char* sql, int nargs, const Oid* types, const char* what);

// An int8[] (or, with type TIMESTAMPTZOID, a timestamptz[]) in the current context.
Datum int8_array(const int64* v, int n, Oid type = INT8OID);

// The parallel arrays (index, machine, lo, hi[, with_before]) of a range statement.
struct Ranges {
    int32* idx;
    int64* machine;
    TimestampTz* lo;
    TimestampTz* hi;
    bool* with_before;
    int n = 0;
    explicit Ranges(int capacity);
    void add(int32 i, int64 m, TimestampTz from, TimestampTz to, bool before = false);
    void params(Datum* out) const;  // $1..$4
    Datum before_param() const;     // $5 of the observations statement
};

}  // namespace reliability::pg
