// What the uptime aggregates' transition state (uptime_aggregate.cpp) offers the other
// final functions over the same state: reliability.summarize's (SPEC §8).
#pragma once

#include "uptime_summary.hpp"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

namespace reliability::pg {

// The group's summary: its rows sorted, duplicates refused, max_gap from settings when the
// rows gave none. `state` is the aggregate's internal state (not NULL). May ereport().
UptimeSummary summarize_state(FunctionCallInfo fcinfo, void* state);

}  // namespace reliability::pg
