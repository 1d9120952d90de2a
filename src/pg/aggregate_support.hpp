// What the aggregates of SPEC §3 and §8 share: the check that a support function runs as
// part of an aggregate, and the reliability.availability composite they return.
#pragma once

#include "availability.hpp"

extern "C" {
#include "postgres.h"
#include "fmgr.h"
}

namespace reliability::pg {

// The aggregate's memory context; ERROR (0A000) when not called as part of an aggregate.
MemoryContext aggregate_context(FunctionCallInfo fcinfo, const char* name);

// The reliability.availability row of `a`, for a function declared to return it.
Datum availability_datum(FunctionCallInfo fcinfo, const Availability& a);

}  // namespace reliability::pg
