// The cache engine's statements (see cache_statements.hpp).
#include "cache_statements.hpp"

#include <cstring>

#include "score_row.hpp"

extern "C" {
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/pg_type.h"
#include "lib/stringinfo.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
}

namespace reliability::pg {

namespace {

// Reads what a recompute keeps of a chunk's cached rows, in machine order; kLockRows locks them too.
#define RELIABILITY_CACHED_ROWS_QUERY                                                                  \
    "SELECT machine_id, computed_at, online_seconds, offline_seconds, rating_count, rating_mean, "      \
    "       rating_component, last_observed_at, interruptions, ctid, tier "                            \
    "FROM reliability.scores WHERE machine_id OPERATOR(pg_catalog.=) ANY ($1) ORDER BY machine_id"
const char* const kReadRows = RELIABILITY_CACHED_ROWS_QUERY;
const char* const kLockRows = RELIABILITY_CACHED_ROWS_QUERY " FOR UPDATE";
#undef RELIABILITY_CACHED_ROWS_QUERY

// Machines without a cached row (one probe of the primary key each).
const char* const kMissing =
    "SELECT u.id FROM pg_catalog.unnest($1) AS u(id) "
    "WHERE NOT EXISTS (SELECT FROM reliability.scores s WHERE s.machine_id OPERATOR(pg_catalog.=) u.id)";

// Placeholders (computed_at = -infinity skips the restore trigger) for those that still
// exist, in machine order.
const char* const kInsertPlaceholders =
    "INSERT INTO reliability.scores (machine_id, tier, computed_at) "
    "SELECT m.machine_id, 'new'::pg_catalog.text, '-infinity'::pg_catalog.timestamptz FROM reliability.machines m "
    "WHERE m.machine_id OPERATOR(pg_catalog.=) ANY ($1) ORDER BY 1 ON CONFLICT (machine_id) DO NOTHING";

// Each range's observations with (where asked) the last one before it: only the last row
// before a range can reach into it, so a poll every minute reads two rows per range, not the
// fifteen of a max_gap. The LATERAL join runs as a nested loop over the ranges, each giving its earlier
// row, then its rows in index order: (range, time) order without a sort of the whole chunk
// (a full recompute reads every window). The reader checks that order and falls back to
// the same query with ORDER BY if a plan ever breaks it.
#define RELIABILITY_OBSERVATIONS_QUERY                                                                        \
    "SELECT r.i, o.observed_at, o.online "                                                                    \
    "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4), " \
    "                pg_catalog.unnest($5)) AS r(i, m, lo, hi, with_before) "                                 \
    "CROSS JOIN LATERAL ("                                                                                    \
    "  (SELECT p.observed_at, p.online FROM reliability.observations p "                                      \
    "    WHERE r.with_before AND p.machine_id OPERATOR(pg_catalog.=) r.m "                                    \
    "      AND p.observed_at OPERATOR(pg_catalog.<) r.lo "                                                    \
    "    ORDER BY p.observed_at DESC LIMIT 1) "                                                               \
    "  UNION ALL "                                                                                            \
    "  (SELECT q.observed_at, q.online FROM reliability.observations q "                                      \
    "    WHERE q.machine_id OPERATOR(pg_catalog.=) r.m AND q.observed_at OPERATOR(pg_catalog.>=) r.lo "        \
    "      AND q.observed_at OPERATOR(pg_catalog.<) r.hi ORDER BY q.observed_at)) AS o"
const char* const kObservations = RELIABILITY_OBSERVATIONS_QUERY;
const char* const kObservationsSorted = RELIABILITY_OBSERVATIONS_QUERY " ORDER BY r.i, o.observed_at";
#undef RELIABILITY_OBSERVATIONS_QUERY

// The interruptions of a chunk's machines in the union of their windows, counted per machine
// by the engine: one scan of each time partition, not one probe per machine and partition.
const char* const kInterruptions =
    "SELECT x.machine_id, x.occurred_at FROM reliability.interruptions x "
    "WHERE x.machine_id OPERATOR(pg_catalog.=) ANY ($1) "
    "  AND x.occurred_at OPERATOR(pg_catalog.>=) $2 AND x.occurred_at OPERATOR(pg_catalog.<) $3";

const char* const kRatings =
    "SELECT r.i, pg_catalog.count(x.stars), COALESCE(pg_catalog.sum(x.stars), 0)::pg_catalog.int8 "
    "FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2), pg_catalog.unnest($3), pg_catalog.unnest($4)) "
    "     AS r(i, m, lo, hi) "
    "LEFT JOIN reliability.ratings x ON x.machine_id OPERATOR(pg_catalog.=) r.m GROUP BY r.i";

const char* const kHintsRead =
    "SELECT h.machine_id, h.unobserved_until FROM reliability._head_bounds h "
    "WHERE h.machine_id OPERATOR(pg_catalog.=) ANY ($1)";
const char* const kHintsDelete =
    "DELETE FROM reliability._head_bounds h WHERE h.machine_id OPERATOR(pg_catalog.=) ANY ($1)";
const char* const kHintsWrite =
    "INSERT INTO reliability._head_bounds AS h (machine_id, unobserved_until) "
    "SELECT * FROM ROWS FROM (pg_catalog.unnest($1), pg_catalog.unnest($2)) ORDER BY 1 "
    "ON CONFLICT (machine_id) DO UPDATE SET unobserved_until = excluded.unobserved_until";

const char* const kAutoBlacklist = "SELECT reliability._auto_blacklist($1)";

struct Statements {
    Oid scores_relid = InvalidOid;
    Oid hints_relid = InvalidOid;
    Oid scores_type = InvalidOid;
    char* write_sql = nullptr;  // in TopMemoryContext
    SPIPlanPtr plans[kStatementCount] = {};
};
Statements g_statements;

// The UPDATE that writes a chunk when its rows cannot be written in place (a user's trigger
// on the cache, cached_row_update.hpp): every column of reliability.scores but machine_id, from
// the same column of the rows in $1 (reliability.scores[]), each into the row version at its
// ctid in $2: the version the chunk locked (FOR UPDATE), found without an index probe.
char* write_statement(TupleDesc desc) {
    StringInfoData set, from;
    initStringInfo(&set);
    initStringInfo(&from);
    for (int i = 1; i < desc->natts; ++i) {
        const char* name = quote_identifier(NameStr(TupleDescAttr(desc, i)->attname));
        appendStringInfo(&set, "%s%s", i > 1 ? ", " : "", name);
        appendStringInfo(&from, "%su.%s", i > 1 ? ", " : "", name);
    }
    return psprintf("UPDATE reliability.scores s SET (%s) = (%s) "
                    "FROM ROWS FROM (pg_catalog.unnest($2), pg_catalog.unnest($1)) AS u(row_tid) "
                    "WHERE s.ctid OPERATOR(pg_catalog.=) u.row_tid",
                    set.data, from.data);
}

// The scores row is machine_id, the fields of reliability.score, computed_at.
void check_scores_shape(TupleDesc desc) {
    bool ok = desc->natts == kScoreColumns + 2;
    for (int i = 0; ok && i < desc->natts; ++i) ok = !TupleDescAttr(desc, i)->attisdropped;
    ok = ok && std::strcmp(NameStr(TupleDescAttr(desc, 0)->attname), "machine_id") == 0 &&
         std::strcmp(NameStr(TupleDescAttr(desc, desc->natts - 1)->attname), "computed_at") == 0;
    if (!ok) {
        ereport(ERROR, (errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
                        errmsg("reliability.scores does not have the columns this module writes"),
                        errhint("Update the extension: ALTER EXTENSION reliability UPDATE.")));
    }
}

void expect(int rc, int expected, const char* what) {
    if (rc != expected) elog(ERROR, "reliability: %s failed: %s", what, SPI_result_code_string(rc));
}

}  // namespace

Oid extension_relid(const char* name) {
    Oid relid = get_relname_relid(name, get_namespace_oid("reliability", false));
    if (!OidIsValid(relid)) elog(ERROR, "reliability: table reliability.%s is missing", name);
    return relid;
}

// Forgets the statements when reliability.scores is a new table (e.g. after DROP and
// CREATE EXTENSION in the same session); the caller is connected to SPI.
void check_statements() {
    const Oid relid = extension_relid("scores");
    if (relid == g_statements.scores_relid) return;
    for (SPIPlanPtr& p : g_statements.plans) {
        if (p != nullptr) SPI_freeplan(p);
        p = nullptr;
    }
    if (g_statements.write_sql != nullptr) pfree(g_statements.write_sql);
    g_statements.write_sql = nullptr;
    Relation rel = table_open(relid, AccessShareLock);
    TupleDesc desc = RelationGetDescr(rel);
    check_scores_shape(desc);
    const Oid type = rel->rd_rel->reltype;
    MemoryContext old = MemoryContextSwitchTo(TopMemoryContext);
    char* write_sql = write_statement(desc);
    MemoryContextSwitchTo(old);
    table_close(rel, NoLock);
    g_statements.write_sql = write_sql;
    g_statements.scores_type = type;
    g_statements.scores_relid = relid;
}

bool check_hints() {
    const Oid relid = get_relname_relid("_head_bounds", get_namespace_oid("reliability", false));
    if (relid != g_statements.hints_relid) {
        for (Statement s : {kHintsReadStatement, kHintsDeleteStatement, kHintsWriteStatement}) {
            if (g_statements.plans[s] != nullptr) SPI_freeplan(g_statements.plans[s]);
            g_statements.plans[s] = nullptr;
        }
        g_statements.hints_relid = relid;
    }
    return OidIsValid(relid);
}

SPIPlanPtr plan(Statement which) {
    SPIPlanPtr& p = g_statements.plans[which];
    if (p != nullptr) return p;
    static const Oid ids[1] = {INT8ARRAYOID};
    static const Oid ranges[4] = {INT4ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID};
    static const Oid ids_and_span[3] = {INT8ARRAYOID, TIMESTAMPTZOID, TIMESTAMPTZOID};
    static const Oid ids_and_times[2] = {INT8ARRAYOID, TIMESTAMPTZARRAYOID};
    static const Oid observation_ranges[5] = {INT4ARRAYOID, INT8ARRAYOID, TIMESTAMPTZARRAYOID, TIMESTAMPTZARRAYOID,
                                              BOOLARRAYOID};
    const char* sql = nullptr;
    int nargs = 1;
    const Oid* types = ids;
    Oid write_args[2];
    switch (which) {
        case kLockRowsStatement: sql = kLockRows; break;
        case kReadRowsStatement: sql = kReadRows; break;
        case kMissingStatement: sql = kMissing; break;
        case kInsertPlaceholdersStatement: sql = kInsertPlaceholders; break;
        case kObservationsStatement: sql = kObservations; nargs = 5; types = observation_ranges; break;
        case kObservationsSortedStatement: sql = kObservationsSorted; nargs = 5; types = observation_ranges; break;
        case kInterruptionsStatement: sql = kInterruptions; nargs = 3; types = ids_and_span; break;
        case kRatingsStatement: sql = kRatings; nargs = 4; types = ranges; break;
        case kAutoBlacklistStatement: sql = kAutoBlacklist; break;
        case kHintsReadStatement: sql = kHintsRead; break;
        case kHintsDeleteStatement: sql = kHintsDelete; break;
        case kHintsWriteStatement: sql = kHintsWrite; nargs = 2; types = ids_and_times; break;
        case kWriteStatement:
            sql = g_statements.write_sql;
            write_args[0] = get_array_type(g_statements.scores_type);
            write_args[1] = TIDARRAYOID;
            types = write_args;
            nargs = 2;
            break;
        case kStatementCount: break;
    }
    p = prepare_kept(sql, nargs, types, "a cache statement");
    return p;
}

// Generic plans: a custom plan per call (the default while arrays of every size arrive)
// would plan each statement again every time; the generic ones (nested loops over the
// arrays, index scans) suit one machine as well as a whole poll cycle.
SPIPlanPtr prepare_kept(const char* sql, int nargs, const Oid* types, const char* what) {
    SPIPlanPtr prepared = SPI_prepare_cursor(sql, nargs, const_cast<Oid*>(types), CURSOR_OPT_GENERIC_PLAN);
    if (prepared == nullptr) elog(ERROR, "reliability: preparing %s failed: %s", what, SPI_result_code_string(SPI_result));
    if (SPI_keepplan(prepared) != 0) elog(ERROR, "reliability: keeping %s failed", what);
    return prepared;
}



Datum int8_array(const int64* v, int n, Oid type) {
    Datum* d = static_cast<Datum*>(palloc(sizeof(Datum) * Max(n, 1)));
    for (int i = 0; i < n; ++i) d[i] = Int64GetDatum(v[i]);
    return PointerGetDatum(construct_array(d, n, type, 8, FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

uint64 run(SPIPlanPtr plan, Datum* args, int expected, const char* what) {
    MemoryContext mine = CurrentMemoryContext;
    const int rc = SPI_execute_plan(plan, args, nullptr, false, 0);
    MemoryContextSwitchTo(mine);
    expect(rc, expected, what);
    return SPI_processed;
}

Ranges::Ranges(int capacity)
    : idx(static_cast<int32*>(palloc(sizeof(int32) * Max(capacity, 1)))),
      machine(static_cast<int64*>(palloc(sizeof(int64) * Max(capacity, 1)))),
      lo(static_cast<TimestampTz*>(palloc(sizeof(TimestampTz) * Max(capacity, 1)))),
      hi(static_cast<TimestampTz*>(palloc(sizeof(TimestampTz) * Max(capacity, 1)))),
      with_before(static_cast<bool*>(palloc(sizeof(bool) * Max(capacity, 1)))) {}

void Ranges::add(int32 i, int64 m, TimestampTz from, TimestampTz to, bool before) {
    idx[n] = i;
    machine[n] = m;
    lo[n] = from;
    hi[n] = to;
    with_before[n] = before;
    ++n;
}

void Ranges::params(Datum* out) const {
    Datum* a = static_cast<Datum*>(palloc(sizeof(Datum) * Max(n, 1)));
    for (int k = 0; k < n; ++k) a[k] = Int32GetDatum(idx[k]);
    out[0] = PointerGetDatum(construct_array(a, n, INT4OID, 4, true, TYPALIGN_INT));
    out[1] = int8_array(machine, n);
    out[2] = int8_array(lo, n, TIMESTAMPTZOID);
    out[3] = int8_array(hi, n, TIMESTAMPTZOID);
}

Datum Ranges::before_param() const {
    Datum* a = static_cast<Datum*>(palloc(sizeof(Datum) * Max(n, 1)));
    for (int k = 0; k < n; ++k) a[k] = BoolGetDatum(with_before[k]);
    return PointerGetDatum(construct_array(a, n, BOOLOID, 1, true, TYPALIGN_CHAR));
}

Oid cached_scores_relid() { return g_statements.scores_relid; }
Oid cached_scores_type() { return g_statements.scores_type; }

}  // namespace reliability::pg
