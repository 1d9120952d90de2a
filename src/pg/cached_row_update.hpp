// The cache engine's write: new versions of locked reliability.scores rows, in place.
//
// A poll rewrites every polled machine's row, and as an SQL UPDATE (an array of rows joined
// to an array of ctids) that cost more than all of the engine's reads together: unnesting the
// composite rows, a TID scan re-opened per row (each asking the kernel for the table's size),
// a projection. Here each row goes straight to the table AM and to the indexes, as logical
// replication's apply worker does (ExecSimpleRelationUpdate), with the same effects on the
// table, its indexes and the WAL.
#pragma once

extern "C" {
#include "postgres.h"
#include "access/htup.h"
#include "storage/itemptr.h"
#include "utils/relcache.h"
}

namespace reliability::pg {

// Whether rows of `rel` can be written in place: no trigger would fire on an UPDATE that keeps
// machine_id (the foreign key's own check fires only when the key changes). Anything else (a
// user's trigger on the cache) makes the engine use an SQL UPDATE, which fires it.
bool can_update_in_place(Relation rel);

// Replaces the row version at tids[i] with rows[i], in order, keeping every index current,
// and returns how many it wrote. A version locked by this transaction is always written. An
// unlocked one (the engine's read without a lock, cache_engine.hpp) may have been updated or
// deleted by another transaction since it was read: the call waits for that one as an UPDATE
// would, then stops there without writing it or any later row (the caller recomputes them under
// their locks, in order). May ereport().
int update_in_place(Relation rel, const ItemPointerData* tids, HeapTuple* rows, int n);

}  // namespace reliability::pg
