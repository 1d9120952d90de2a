// One machine's cached score row moved to a new moment (SPEC §5), as pure computation: the
// cache engine (src/pg/cache_engine.cpp) reads what plan_update() asks for, then calls
// update_row(). Nothing here knows where the rows come from.
#pragma once

#include <cstdint>
#include <optional>

#include "observation.hpp"
#include "score.hpp"
#include "sliding_window.hpp"

namespace reliability {

// What the engine keeps of a machine's cached row.
struct CachedRow {
    std::optional<Micros> computed_at;  // none: a placeholder (no usable cache)
    WindowTotals totals;                // online/offline time of [computed_at - window, computed_at)
    RatingPart rating;
    std::optional<Micros> last_observed;
    std::int64_t interruptions = 0;
    std::optional<Tier> tier;  // the cached tier (a placeholder's is not a computed one)
    // A hint kept beside the row (reliability._head_bounds): no observation of the machine lies
    // in [computed_at - score_window - max_gap, unobserved_until), so a slide whose old end
    // ends by then has nothing to read there. None: unknown.
    std::optional<Micros> unobserved_until;
};

// The cached row's new values: reliability.score(machine, computed_at), field for field.
struct UpdatedRow;
// Whether writing `next` over `cached` moves the machine's tier from one value to another
// (SPEC §11's notification; a placeholder, the machine's first cached row, moves nothing).
bool tier_moved(const CachedRow& cached, const UpdatedRow& next);

struct UpdatedRow {
    ScoreSnapshot score;
    std::optional<Micros> last_observed;
    Micros computed_at = 0;
    // The hint for the new window, kept only while it can spare a later slide a read (it lies
    // after the new window's start); none otherwise.
    std::optional<Micros> unobserved_until;
};

// A range of one machine's observations to read: those in [from, to) and, if asked, the
// last one before `from` (the only earlier row whose cover can reach into the range).
struct ObservationRange {
    Micros from = 0, to = 0;
    bool with_last_before = true;
};

// How one machine's window [a2, b2) is computed: slid from the cache (the rows of two short
// ranges) or in full (the rows of one range covering the window).
struct UpdatePlan {
    Micros a2 = 0, b2 = 0;
    bool full = true;
    SlidePlan slide{};               // when !full
    ObservationRange old_end, new_end;  // full: new_end covers the window, old_end is empty
    bool old_end_empty = false;         // the hint proves old_end has no row: not read
    std::optional<Micros> raw_from;     // rows before it were compacted (SPEC §9)
};

// b2 = max(as_of, computed_at); slide unless the caller asks for full, there is no usable
// cache, or the fresh rows (inserted by the statement before computed_at) forbid it. A
// slide's new end starts at the cached last observation when it lies before the fresh rows:
// it is the last row before them (the cache is exact), so one forward read gives it.
// After a compaction, raw_from is the earliest time whose rows are all still there
// (compacted_before - max_gap): a slide whose old end reaches before it is made in full, and a
// full recompute that finds no row keeps a cached last observation older than raw_from
// (compacted rows cannot change any more, so it is still the last one).
UpdatePlan plan_update(const CachedRow& cached, Micros as_of, std::optional<Micros> earliest_fresh, bool force_full,
                       const ScoreParameters& p, std::optional<Micros> raw_from = std::nullopt);

// What the engine read for one machine.
struct MachineData {
    Span<Observation> old_end;  // rows of plan.old_end, sorted (empty when full)
    Span<Observation> new_end;  // rows of plan.new_end, sorted: its last row is the last before b2
    Span<Micros> fresh;         // times of the statement's rows before computed_at, sorted
    std::int64_t interruptions = 0;          // in [a2, b2)
    std::optional<std::int64_t> rating_count, rating_sum;  // read when ratings changed or full
};

// The new row, or none when the slide turns out inconsistent with the cache (the caller then
// reads the machine again in full).
std::optional<UpdatedRow> update_row(const UpdatePlan& plan, const CachedRow& cached, const MachineData& data,
                                     const ScoreParameters& p);

// The row after a TRUNCATE of one data table, from the cached row alone, as of its own
// computed_at: the truncated table's part is empty, every other part is in the row.
enum class DataTable { Observations, Interruptions, Ratings };
std::optional<UpdatedRow> after_truncate(const CachedRow& cached, DataTable truncated, const ScoreParameters& p);

}  // namespace reliability
