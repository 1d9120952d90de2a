// reliability.uptime_summary values (SPEC §8): a varlena whose payload is the core's
// 90-byte binary form (uptime_summary.hpp), validated whenever it is read.
#pragma once

#include "uptime_summary.hpp"

extern "C" {
#include "postgres.h"
}

namespace reliability::pg {

// The summary a reliability.uptime_summary Datum holds; ERROR 22P03 if it does not parse.
UptimeSummary summary_from_datum(Datum value);

// A new reliability.uptime_summary Datum, palloc'd in CurrentMemoryContext.
Datum summary_to_datum(const UptimeSummary& summary);

}  // namespace reliability::pg
