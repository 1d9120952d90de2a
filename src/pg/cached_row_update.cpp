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

int update_in_place(Relation rel, const ItemPointerData* tids, HeapTuple* rows, int n) {
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
    const CommandId cid = GetCurrentCommandId(true);
    int i = 0;
    for (; i < n; ++i) {
        CHECK_FOR_INTERRUPTS();
        ResetPerTupleExprContext(estate);
        ExecStoreHeapTuple(rows[i], slot, false);
        ExecConstraints(target, slot, estate);
        bool update_indexes = false;
        ItemPointerData tid = tids[i];
        TM_FailureData failure;
        LockTupleMode lock_mode;
        // simple_table_tuple_update()'s call, with its answer to a concurrent change kept.
        const TM_Result result = table_tuple_update(rel, &tid, slot, cid, snapshot, InvalidSnapshot, true, &failure,
                                                    &lock_mode, &update_indexes);
        if (result == TM_Updated || result == TM_Deleted) break;
        if (result == TM_SelfModified) elog(ERROR, "reliability: cached row already updated by this command");
        if (result != TM_Ok) elog(ERROR, "reliability: unrecognized result %d updating a cached row", static_cast<int>(result));
        if (update_indexes && target->ri_NumIndices > 0) {
            List* recheck = ExecInsertIndexTuples(target, slot, estate, true, false, nullptr, NIL);
            list_free(recheck);
        }
    }
    ExecCloseIndices(target);
    ExecResetTupleTable(estate->es_tupleTable, false);
    FreeExecutorState(estate);
    return i;  // the rows written
}

}  // namespace reliability::pg
