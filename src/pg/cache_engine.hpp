// The cache engine: the one path by which reliability.scores changes (SPEC §5).
//
//   lock  → the data tables (ACCESS SHARE), the settings copy (ROW SHARE) when rows may be
//           created or are read unlocked, missing rows (placeholders) for all machines
//           first; in a locked chunk, its rows FOR UPDATE in machine order;
//   read  → the cached rows and their hints (reliability._head_bounds), then only what the
//           core's plan asks for (src/core/cache_update.hpp);
//   compute → reliability::update_row(), pure C++;
//   write → each row in place over the version read, in machine order (cached_row_update.hpp;
//           one SQL UPDATE per chunk instead when a user's trigger watches the cache), then
//           the hints that changed, then the auto-blacklist.
//
// Chunks are read without row locks when the rows can be written in place, in READ
// COMMITTED (a row lock is a WAL record per machine): the write then takes each row's lock,
// in machine order, and stops at a row another transaction changed since it was read; from
// that machine on the chunk goes again, locked first (docs/ARCHITECTURE.md, section 3).
//
// Machines go through in chunks of at most kChunkMachines, so memory follows the chunk, never
// the statement; chunks go in machine order, so the locks of every writer are taken in one
// order and no two single statements deadlock. Uses no C++ object with a destructor across
// PostgreSQL calls: everything is palloc'd in a per-chunk memory context.
#pragma once

#include "cache_update.hpp"

extern "C" {
#include "postgres.h"
#include "access/tupdesc.h"
#include "utils/array.h"
#include "datatype/timestamp.h"
#include "utils/tuplestore.h"
}

namespace reliability::pg {

constexpr int kChunkMachines = 4096;
constexpr const char* kNotifyChannel = "reliability";  // SPEC §11's notifications
constexpr int kMaxFreshPerMachine = 16;  // more late rows than this: recompute the machine in full

enum class CacheMode { Slide, Full, Truncated };

struct HistoryHorizon;  // history_changes.hpp

// One fresh observation of a statement: its machine and time.
struct FreshRow {
    int64 machine;
    TimestampTz at;
};

// Sorts by (machine, at).
void sort_fresh(FreshRow* rows, int n);

// A statement's fresh observations: the engine asks, after locking a chunk, for those of
// the given machines that lie before their cached computed_at (the only ones a slide needs).
struct FreshSource {
    // Earliest fresh row per machine of the request (parallel to machine_ids), or nullptr:
    // a machine whose earliest row is not before its computed_at needs no collect().
    const TimestampTz* earliest = nullptr;
    // Writes to out the rows of `machines` (sorted) before before[i], in any order, at most
    // kMaxFreshPerMachine + 1 per machine. May ereport().
    void (*collect)(void* context, const int64* machines, const TimestampTz* before, int n, FreshRow* out,
                    int* n_out) = nullptr;
    void* context = nullptr;
};

struct CacheRequest {
    const int64* machine_ids = nullptr;  // sorted, distinct
    int n_machines = 0;
    TimestampTz as_of = 0;
    CacheMode mode = CacheMode::Slide;
    DataTable truncated = DataTable::Observations;  // CacheMode::Truncated
    bool ratings_changed = false;
    bool create_missing = false;         // insert placeholder rows for machines without one
    const int64* full_ids = nullptr;     // sorted: these in full whatever the mode
    int n_full_ids = 0;
    FreshSource fresh;
    // Receives the history horizon (SPEC §9) the engine reads after its first locks, when
    // set: the caller's history work then needs no second read.
    HistoryHorizon* horizon = nullptr;
    // Emit the rows into this tuplestore (reliability.scores' shape) instead of writing them:
    // the 0.1.0 and 0.2.0 SQL's _recompute functions, served by this module.
    Tuplestorestate* emit_to = nullptr;
    TupleDesc emit_desc = nullptr;
};

// Runs the request; returns the number of cached rows written (or emitted). May ereport().
int64 update_cache(const CacheRequest& request);

// Sorts and removes duplicates in place; returns the new count.
int sort_unique(int64* ids, int n);

// The non-NULL values of a bigint[], sorted and distinct (palloc'd).
int64* sorted_int8_values(ArrayType* array, int* n);

}  // namespace reliability::pg
