// Which machines' cached scores were recomputed while an INSERT into observations was
// still waiting for its statement trigger. Such a recomputation already counted the
// inserted rows, so that trigger must recompute those machines in full instead of sliding
// their windows (INSERT ... ON CONFLICT DO UPDATE and MERGE fire the UPDATE trigger first).
#pragma once

extern "C" {
#include "postgres.h"
}

namespace reliability::pg {

bool insert_pending();
// Remembers machines recomputed while an insert is pending (no-op otherwise).
void note_recomputed(const int64* machine_ids, int n);

}  // namespace reliability::pg
