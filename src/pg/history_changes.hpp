// What a statement on observations or interruptions does to reliability.history (SPEC §9):
// its rows before compacted_before are refused, and the days its rows reach (an observation
// covers at most max_gap from its time on) that history holds are recomputed from the raw
// tables, once the cache engine has locked the statement's machines.
#pragma once

#include <optional>

#include "cache_update.hpp"
#include "pending_inserts.hpp"

extern "C" {
#include "postgres.h"
#include "commands/trigger.h"
}

namespace reliability::pg {

// The retention row and max_gap, read once per statement (one kept plan).
struct HistoryHorizon {
    bool materialized = false;  // materialized_before is set
    int32 materialized_before = 0;  // DateADT
    bool compacted = false;
    int32 compacted_before = 0;
    int64 max_gap_us = 0;
    bool read = false;  // filled by read_history_horizon()

    bool in_use() const { return materialized || compacted; }
    // compacted_before - max_gap: raw rows from it on are all there (plan_update()).
    std::optional<int64> raw_from() const;
};

// Whether the installed SQL has history (0.4.0 on); older SQL runs on this module without.
bool history_installed();

// UTC days as DateADT (days since 2000-01-01): the day of a time, a day's first microsecond,
// and a day as date_out writes it.
int32 day_of(TimestampTz t);
TimestampTz day_start(int32 day);
const char* day_text(int32 day);

// False when history is not in use (nothing materialized, nothing compacted).
bool read_history_horizon(HistoryHorizon* out);

// Scans the statement's transition tables: ERROR 22023 for a row before compacted_before of
// a machine that still exists (deleting a machine stays allowed); returns the history day
// ranges the rows reach, one per machine (palloc'd).
HistoryRange* history_ranges(TriggerData* trigger, DataTable table, const HistoryHorizon& horizon, int* n);

// ERROR 22023 naming the horizon: `what` (= at) reaches before compacted_before.
void require_after_horizon(TimestampTz at, int32 compacted_before, const char* what);

// Recomputes those ranges (merged per machine) from the raw tables.
void update_history(HistoryRange* ranges, int n);

}  // namespace reliability::pg
