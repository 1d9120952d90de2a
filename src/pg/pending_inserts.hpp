// INSERT statements on the data tables that have begun (their BEFORE statement trigger ran)
// and not yet reached their AFTER statement trigger, per subtransaction. While one is
// pending, other cache work of the same statement is handed to it: INSERT ... ON CONFLICT DO
// UPDATE and MERGE fire their UPDATE and DELETE statement triggers first, and a statement
// must lock its cached rows in one ordered pass (src/sql/50_scores.sql). Machines recomputed
// meanwhile by anything else are noted too: the insert, whose rows they already counted,
// then recomputes them in full instead of sliding their windows.
#pragma once

extern "C" {
#include "postgres.h"
}

namespace reliability::pg {

bool insert_pending();
// Ends the calling AFTER statement trigger's statement. False while another statement trigger
// is still to come: the machines are noted for it. True when this trigger recomputes:
// *handed (palloc'd) gets the machines handed to it, to recompute in full.
bool end_statement(const int64* machine_ids, int n, int64** handed, int* n_handed);
// Notes machines for the pending insert to recompute in full (no-op when none is pending).
void note_recomputed(const int64* machine_ids, int n);

// Days first..last (DateADT) of one machine's history that a statement's rows changed.
struct HistoryRange {
    int64 machine;
    int32 first, last;
};
// A trigger that hands its machines over hands their history ranges over too (they are
// recomputed after the last trigger locked every machine); the last one takes them.
void note_history_ranges(const HistoryRange* ranges, int n);
HistoryRange* take_history_ranges(int* n);  // palloc'd

}  // namespace reliability::pg
