// The summary aggregates of SPEC §8: reliability.summarize(...) and reliability.rollup(summary).
//
// summarize shares the transition, combine, serialize and deserialize functions of the
// uptime aggregates (src/pg/uptime_aggregate.cpp, state: a core ObservationSet); only its
// final function is here. rollup keeps, in the aggregate memory context, the disjoint ranges
// its input tiles so far in a map by start, each already combined into one summary:
// adjacent inputs are combined at once (input in time order, or in reverse, keeps one
// entry), inputs that are not adjacent yet (any order, a parallel worker's part) wait until
// the range between them arrives. Overlap or different max_gap fail when they arrive, a hole
// at the end.
#include <algorithm>
#include <cstdint>
#include <iterator>
#include <map>
#include <memory_resource>
#include <new>

#include "aggregate_support.hpp"
#include "context_memory.hpp"
#include "cpp_boundary.hpp"
#include "uptime_state.hpp"
#include "uptime_summary_type.hpp"

extern "C" {
#include "fmgr.h"
#include "utils/timestamp.h"
}

using reliability::Error;
using reliability::ErrorKind;
using reliability::Micros;
using reliability::UptimeSummary;
using namespace reliability::pg;

namespace {

// ---- rollup -------------------------------------------------------------------------------

struct RollupState {
    explicit RollupState(MemoryContext ctx) : memory(ctx), parts(&memory) {}
    ContextMemory memory;  // declared before `parts`: outlives it
    // Keyed by lower: disjoint, no two adjacent, all of one max_gap.
    std::pmr::map<Micros, UptimeSummary> parts;
    MemoryContextCallback on_reset;

    void add(const UptimeSummary& s);
};

void RollupState::add(const UptimeSummary& s) {
    if (!parts.empty() && parts.begin()->second.max_gap_us != s.max_gap_us) {
        throw Error(ErrorKind::InvalidParameter, "summaries with different max_gap do not combine");
    }
    const auto next = parts.upper_bound(s.lower);
    const auto prev = next == parts.begin() ? parts.end() : std::prev(next);
    if ((prev != parts.end() && prev->second.upper > s.lower) || (next != parts.end() && next->first < s.upper)) {
        throw Error(ErrorKind::InvalidParameter, "the windows of the summaries overlap");
    }
    const bool joins_prev = prev != parts.end() && prev->second.upper == s.lower;
    const bool joins_next = next != parts.end() && next->first == s.upper;
    if (joins_prev) {
        prev->second = reliability::combine(prev->second, s);
        if (joins_next) {
            prev->second = reliability::combine(prev->second, next->second);
            parts.erase(next);
        }
    } else if (joins_next) {  // the entry now starts at s.lower: same node, new key
        auto node = parts.extract(next);
        node.mapped() = reliability::combine(s, node.mapped());
        node.key() = s.lower;
        parts.insert(std::move(node));
    } else {
        parts.emplace_hint(next, s.lower, s);
    }
}

void destroy_rollup(void* arg) { static_cast<RollupState*>(arg)->~RollupState(); }

RollupState* new_rollup(MemoryContext ctx) {
    void* memory = MemoryContextAlloc(ctx, sizeof(RollupState));
    auto* state = guarded([&] { return new (memory) RollupState(ctx); });
    state->on_reset.func = destroy_rollup;
    state->on_reset.arg = state;
    MemoryContextRegisterResetCallback(ctx, &state->on_reset);
    return state;
}

RollupState* rollup_arg(FunctionCallInfo fcinfo, int n) {
    return PG_ARGISNULL(n) ? nullptr : reinterpret_cast<RollupState*>(PG_GETARG_POINTER(n));
}

}  // namespace

extern "C" {

PG_FUNCTION_INFO_V1(reliability_summarize_final);
Datum reliability_summarize_final(PG_FUNCTION_ARGS) {
    (void)aggregate_context(fcinfo, "reliability.summarize");
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    const UptimeSummary s = summarize_state(fcinfo, PG_GETARG_POINTER(0));
    PG_RETURN_DATUM(summary_to_datum(s));
}

PG_FUNCTION_INFO_V1(reliability_rollup_trans);
Datum reliability_rollup_trans(PG_FUNCTION_ARGS) {
    RollupState* state = rollup_arg(fcinfo, 0);
    if (PG_ARGISNULL(1)) {  // behave like a strict transition function: skip the row
        if (state == nullptr) PG_RETURN_NULL();
        PG_RETURN_POINTER(state);
    }
    const UptimeSummary s = summary_from_datum(PG_GETARG_DATUM(1));
    if (state == nullptr) state = new_rollup(aggregate_context(fcinfo, "reliability rollup transition function"));
    guarded([&] { state->add(s); });
    PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(reliability_rollup_combine);
Datum reliability_rollup_combine(PG_FUNCTION_ARGS) {
    MemoryContext ctx = aggregate_context(fcinfo, "reliability rollup combine function");
    RollupState* left = rollup_arg(fcinfo, 0);
    RollupState* right = rollup_arg(fcinfo, 1);
    if (right == nullptr) {
        if (left == nullptr) PG_RETURN_NULL();
        PG_RETURN_POINTER(left);
    }
    if (left == nullptr) left = new_rollup(ctx);
    guarded([&] {
        for (const auto& part : right->parts) left->add(part.second);
    });
    PG_RETURN_POINTER(left);
}

PG_FUNCTION_INFO_V1(reliability_rollup_serialize);
Datum reliability_rollup_serialize(PG_FUNCTION_ARGS) {
    (void)aggregate_context(fcinfo, "reliability rollup serialize function");
    const RollupState* state = reinterpret_cast<RollupState*>(PG_GETARG_POINTER(0));
    bytea* out = guarded([&] {
        const std::size_t size = reliability::kSummaryBytes * state->parts.size();
        auto* result = static_cast<bytea*>(pg_alloc_nothrow(VARHDRSZ + size));
        SET_VARSIZE(result, VARHDRSZ + size);
        char* p = VARDATA(result);
        for (const auto& part : state->parts) {
            reliability::serialize_into(part.second, p);
            p += reliability::kSummaryBytes;
        }
        return result;
    });
    PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(reliability_rollup_deserialize);
Datum reliability_rollup_deserialize(PG_FUNCTION_ARGS) {
    MemoryContext ctx = aggregate_context(fcinfo, "reliability rollup deserialize function");
    bytea* bytes = PG_GETARG_BYTEA_PP(0);
    RollupState* state = new_rollup(ctx);
    guarded([&] {
        const char* p = VARDATA_ANY(bytes);
        const std::size_t len = VARSIZE_ANY_EXHDR(bytes);
        if (len % reliability::kSummaryBytes != 0) {
            throw Error(ErrorKind::CorruptState, "invalid serialized rollup state: length is not a multiple of a summary");
        }
        for (std::size_t at = 0; at < len; at += reliability::kSummaryBytes) {
            state->add(reliability::deserialize(p + at, reliability::kSummaryBytes));
        }
    });
    PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(reliability_rollup_final);
Datum reliability_rollup_final(PG_FUNCTION_ARGS) {
    (void)aggregate_context(fcinfo, "reliability.rollup");
    const RollupState* state = rollup_arg(fcinfo, 0);
    if (state == nullptr || state->parts.empty()) PG_RETURN_NULL();
    if (state->parts.size() > 1) {
        const auto first = state->parts.begin();
        char* from = pstrdup(timestamptz_to_str(first->second.upper));
        char* to = pstrdup(timestamptz_to_str(std::next(first)->first));
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("the windows of the summaries leave a hole"),
                        errdetail("No summary covers [%s, %s).", from, to)));
    }
    PG_RETURN_DATUM(summary_to_datum(state->parts.begin()->second));
}

}  // extern "C"
