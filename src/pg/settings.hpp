// Reading the one row of reliability.settings into the core's parameters.
#pragma once

#include "score.hpp"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
#include "access/htup.h"
}

namespace reliability::pg {

// Reads reliability.settings with SPI (ERROR if the row is missing). May ereport().
// latest: with a new snapshot (a cache writer, after its locks) rather than the caller's.
ScoreParameters load_settings(bool latest = false);

// The parameters from a reliability.settings row value (a composite Datum).
ScoreParameters settings_from_row(HeapTupleHeader row);

// max_gap from settings, read once per query and cached in flinfo->fn_extra.
Micros settings_max_gap_cached(FunctionCallInfo fcinfo);

}  // namespace reliability::pg
