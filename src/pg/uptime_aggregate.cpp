// reliability.uptime(...) and reliability.availability(...): parallel aggregates whose
// internal state is a core ObservationSet living in the aggregate memory context.
#include <cstring>
#include <new>

#include "aggregate_support.hpp"
#include "context_memory.hpp"
#include "cpp_boundary.hpp"
#include "observation_set.hpp"
#include "pg_time.hpp"
#include "settings.hpp"
#include "uptime_state.hpp"

extern "C" {
#include "fmgr.h"
#include "funcapi.h"
#include "access/htup_details.h"
#include "utils/timestamp.h"
}

using reliability::Availability;
using reliability::Micros;
using reliability::ObservationSet;
using reliability::Window;
using namespace reliability::pg;

namespace {

// The aggregate's state. Constructed with placement new in the aggregate context, and so
// are its observations (through `memory`); the context's reset callback runs the destructor.
struct UptimeState {
    explicit UptimeState(MemoryContext ctx) : memory(ctx), set(&memory) {}
    ContextMemory memory;  // declared before `set`: outlives it
    ObservationSet set;
    MemoryContextCallback on_reset;
    // The last `during` and `max_gap` seen, byte for byte, so equal rows skip parsing.
    char last_range[64];
    std::size_t last_range_len = 0;
    Interval last_gap{};
    bool have_gap_bytes = false;
};

void destroy_state(void* arg) { static_cast<UptimeState*>(arg)->~UptimeState(); }

UptimeState* new_state(MemoryContext ctx) {
    void* memory = MemoryContextAlloc(ctx, sizeof(UptimeState));
    auto* state = guarded([&] { return new (memory) UptimeState(ctx); });
    state->on_reset.func = destroy_state;
    state->on_reset.arg = state;
    MemoryContextRegisterResetCallback(ctx, &state->on_reset);
    return state;
}

// Records this row's window and max_gap (absent for the 3-argument form) in the state.
void set_parameters(UptimeState* state, FunctionCallInfo fcinfo, bool with_gap) {
    struct varlena* raw = reinterpret_cast<struct varlena*>(PG_GETARG_POINTER(3));
    const bool plain = !VARATT_IS_EXTENDED(raw) || VARATT_IS_SHORT(raw);
    const std::size_t len = plain ? VARSIZE_ANY(raw) : 0;
    const bool same_range = plain && state->set.has_parameters() && len == state->last_range_len &&
                            std::memcmp(raw, state->last_range, len) == 0;
    const Interval* gap = with_gap ? PG_GETARG_INTERVAL_P(4) : nullptr;
    const bool same_gap = !with_gap || (state->have_gap_bytes && std::memcmp(gap, &state->last_gap, sizeof(Interval)) == 0);
    if (same_range && same_gap) return;

    Window window = range_to_window(PG_GETARG_RANGE_P(3));
    std::optional<Micros> gap_us;
    if (with_gap) gap_us = positive_interval_length(gap, "max_gap");
    guarded([&] {
        state->set.set_parameters(window, gap_us);
    });
    if (plain && len <= sizeof(state->last_range)) {
        std::memcpy(state->last_range, raw, len);
        state->last_range_len = len;
    } else {
        state->last_range_len = 0;
    }
    if (with_gap) {
        state->last_gap = *gap;
        state->have_gap_bytes = true;
    }
}

Datum transition(FunctionCallInfo fcinfo, bool with_gap) {
    auto* state = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<UptimeState*>(PG_GETARG_POINTER(0));
    const int last_arg = with_gap ? 4 : 3;
    for (int i = 1; i <= last_arg; ++i) {
        if (PG_ARGISNULL(i)) {  // behave like a strict transition function: skip the row
            if (state == nullptr) PG_RETURN_NULL();
            PG_RETURN_POINTER(state);
        }
    }
    TimestampTz at = PG_GETARG_TIMESTAMPTZ(1);
    require_finite(at, "observed_at");
    const bool online = PG_GETARG_BOOL(2);

    // The aggregate context is looked up once, for the group's first row: a state can only
    // reach this function from the aggregate machinery (its type is internal).
    if (state == nullptr) state = new_state(aggregate_context(fcinfo, "reliability uptime transition function"));
    set_parameters(state, fcinfo, with_gap);
    // Per row, only when the vector must grow does the append need guarded() (which sets up
    // a CapturedError each call: a measurable share of the per-row cost otherwise).
    if (!state->set.try_add(at, online)) {
        guarded([&] {
            state->set.add(at, online);
        });
    }
    PG_RETURN_POINTER(state);
}

Availability measure_state(FunctionCallInfo fcinfo, UptimeState* state) {
    Micros gap = state->set.max_gap() ? *state->set.max_gap() : settings_max_gap_cached(fcinfo);
    return guarded([&] { return state->set.measure(gap); });
}

}  // namespace

namespace reliability::pg {

UptimeSummary summarize_state(FunctionCallInfo fcinfo, void* state) {
    auto* s = static_cast<UptimeState*>(state);
    const Micros gap = s->set.max_gap() ? *s->set.max_gap() : settings_max_gap_cached(fcinfo);
    return guarded([&] { return s->set.summarize(gap); });
}

}  // namespace reliability::pg

extern "C" {

PG_FUNCTION_INFO_V1(reliability_uptime_trans);
Datum reliability_uptime_trans(PG_FUNCTION_ARGS) { return transition(fcinfo, false); }

PG_FUNCTION_INFO_V1(reliability_uptime_trans_gap);
Datum reliability_uptime_trans_gap(PG_FUNCTION_ARGS) { return transition(fcinfo, true); }

PG_FUNCTION_INFO_V1(reliability_uptime_combine);
Datum reliability_uptime_combine(PG_FUNCTION_ARGS) {
    MemoryContext ctx = aggregate_context(fcinfo, "reliability uptime combine function");
    auto* left = PG_ARGISNULL(0) ? nullptr : reinterpret_cast<UptimeState*>(PG_GETARG_POINTER(0));
    auto* right = PG_ARGISNULL(1) ? nullptr : reinterpret_cast<UptimeState*>(PG_GETARG_POINTER(1));
    if (right == nullptr) {
        if (left == nullptr) PG_RETURN_NULL();
        PG_RETURN_POINTER(left);
    }
    if (left == nullptr) left = new_state(ctx);
    guarded([&] {
        left->set.merge(right->set);
    });
    PG_RETURN_POINTER(left);
}

PG_FUNCTION_INFO_V1(reliability_uptime_serialize);
Datum reliability_uptime_serialize(PG_FUNCTION_ARGS) {
    (void)aggregate_context(fcinfo, "reliability uptime serialize function");
    auto* state = reinterpret_cast<UptimeState*>(PG_GETARG_POINTER(0));
    bytea* out = guarded([&] {
        const std::size_t size = state->set.serialized_size();
        auto* result = static_cast<bytea*>(pg_alloc_nothrow(VARHDRSZ + size));
        SET_VARSIZE(result, VARHDRSZ + size);
        state->set.serialize_into(VARDATA(result));
        return result;
    });
    PG_RETURN_BYTEA_P(out);
}

PG_FUNCTION_INFO_V1(reliability_uptime_deserialize);
Datum reliability_uptime_deserialize(PG_FUNCTION_ARGS) {
    MemoryContext ctx = aggregate_context(fcinfo, "reliability uptime deserialize function");
    bytea* bytes = PG_GETARG_BYTEA_PP(0);
    UptimeState* state = new_state(ctx);
    guarded([&] {
        state->set = ObservationSet::deserialize(VARDATA_ANY(bytes), VARSIZE_ANY_EXHDR(bytes), &state->memory);
    });
    PG_RETURN_POINTER(state);
}

PG_FUNCTION_INFO_V1(reliability_uptime_final);
Datum reliability_uptime_final(PG_FUNCTION_ARGS) {
    (void)aggregate_context(fcinfo, "reliability.uptime");
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    Availability a = measure_state(fcinfo, reinterpret_cast<UptimeState*>(PG_GETARG_POINTER(0)));
    std::optional<double> uptime = a.uptime();
    if (!uptime) PG_RETURN_NULL();
    PG_RETURN_FLOAT8(*uptime);
}

PG_FUNCTION_INFO_V1(reliability_availability_final);
Datum reliability_availability_final(PG_FUNCTION_ARGS) {
    (void)aggregate_context(fcinfo, "reliability.availability");
    if (PG_ARGISNULL(0)) PG_RETURN_NULL();
    Availability a = measure_state(fcinfo, reinterpret_cast<UptimeState*>(PG_GETARG_POINTER(0)));
    PG_RETURN_DATUM(availability_datum(fcinfo, a));
}

}  // extern "C"
