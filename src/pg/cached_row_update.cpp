// New versions of locked cached rows, written in place (see cached_row_update.hpp).
#include "cached_row_update.hpp"

extern "C" {
#include "access/sysattr.h"
#include "access/tableam.h"
#include "catalog/pg_trigger.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/fmgroids.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
}

namespace reliability::pg {

bool can_update_in_place(Relation rel) {
    const TriggerDesc* triggers = rel->trigdesc;
    if (triggers == nullptr) return true;
    for (int i = 0; i < triggers->numtriggers; ++i) {
        const Trigger& t = triggers->triggers[i];
        if (t.tgenabled == TRIGGER_DISABLED) continue;
        if (!TRIGGER_FOR_UPDATE(t.tgtype)) continue;
        if (t.tgisinternal && t.tgfoid == F_RI_FKEY_CHECK_UPD) continue;  // fires only on a new key
        return false;
    }
    return true;
}

void update_in_place(Relation rel, const ItemPointerData* tids, HeapTuple* rows, int n) {
    EState* estate = CreateExecutorState();
    RangeTblEntry* rte = makeNode(RangeTblEntry);
    rte->rtekind = RTE_RELATION;
    rte->relid = RelationGetRelid(rel);
    rte->relkind = rel->rd_rel->relkind;
    rte->rellockmode = RowExclusiveLock;
    // Every column but machine_id, as the SQL UPDATE sets them: the indexes' "unchanged" hint
    // (bottom-up deletion) then says what it would say there.
    for (int att = 2; att <= RelationGetDescr(rel)->natts; ++att)
        rte->updatedCols = bms_add_member(rte->updatedCols, att - FirstLowInvalidHeapAttributeNumber);
    ExecInitRangeTable(estate, list_make1(rte));
    ResultRelInfo* target = makeNode(ResultRelInfo);
    InitResultRelInfo(target, rel, 1, nullptr, 0);
    estate->es_output_cid = GetCurrentCommandId(true);
    ExecOpenIndices(target, false);
    TupleTableSlot* slot = ExecInitExtraTupleSlot(estate, RelationGetDescr(rel), &TTSOpsHeapTuple);
    Snapshot snapshot = GetActiveSnapshot();
    for (int i = 0; i < n; ++i) {
        CHECK_FOR_INTERRUPTS();
        ResetPerTupleExprContext(estate);
        ExecStoreHeapTuple(rows[i], slot, false);
        ExecConstraints(target, slot, estate);
        bool update_indexes = false;
        ItemPointerData tid = tids[i];
        simple_table_tuple_update(rel, &tid, slot, snapshot, &update_indexes);
        if (update_indexes && target->ri_NumIndices > 0) {
            List* recheck = ExecInsertIndexTuples(target, slot, estate, true, false, nullptr, NIL);
            list_free(recheck);
        }
    }
    ExecCloseIndices(target);
    ExecResetTupleTable(estate->es_tupleTable, false);
    FreeExecutorState(estate);
}

}  // namespace reliability::pg
