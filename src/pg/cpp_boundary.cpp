#include "cpp_boundary.hpp"

#include <cstring>

#include "interrupt.hpp"

extern "C" {
#include "miscadmin.h"
#include "utils/memutils.h"
}

namespace reliability::pg {

namespace {

void set_message(CapturedError& out, const char* text) noexcept {
    std::strncpy(out.message, text, sizeof(out.message) - 1);
    out.message[sizeof(out.message) - 1] = '\0';
}

int sqlstate_of(ErrorKind kind) noexcept {
    switch (kind) {
        case ErrorKind::InvalidParameter: return ERRCODE_INVALID_PARAMETER_VALUE;
        case ErrorKind::OutOfRange: return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
        case ErrorKind::DatetimeOutOfRange: return ERRCODE_DATETIME_VALUE_OUT_OF_RANGE;
        case ErrorKind::DuplicateValue: return ERRCODE_INVALID_PARAMETER_VALUE;
        case ErrorKind::CorruptState: return ERRCODE_INVALID_BINARY_REPRESENTATION;
        case ErrorKind::InvalidText: return ERRCODE_INVALID_TEXT_REPRESENTATION;
        case ErrorKind::Cancelled: return ERRCODE_QUERY_CANCELED;
    }
    return ERRCODE_INTERNAL_ERROR;
}

bool cancel_pending() { return InterruptPending && (QueryCancelPending || ProcDiePending); }

}  // namespace

void capture(CapturedError& out, const reliability::Error& e) noexcept {
    out.failed = true;
    out.cancelled = e.kind() == ErrorKind::Cancelled;
    out.sqlstate = sqlstate_of(e.kind());
    set_message(out, e.what());
    // The usual cause: an aggregate over several machines' rows in one group.
    if (e.kind() == ErrorKind::DuplicateValue)
        out.hint = "One group must hold one machine's observations: is a GROUP BY machine_id (or PARTITION BY machine_id) missing?";
}

void capture(CapturedError& out, const std::exception& e) noexcept {
    out.failed = true;
    out.sqlstate = ERRCODE_INTERNAL_ERROR;
    set_message(out, e.what());
}

void capture_unknown(CapturedError& out) noexcept {
    out.failed = true;
    out.sqlstate = ERRCODE_INTERNAL_ERROR;
    set_message(out, "unknown C++ exception");
}

void capture_out_of_memory(CapturedError& out) noexcept {
    out.failed = true;
    out.sqlstate = ERRCODE_OUT_OF_MEMORY;
    set_message(out, "out of memory");
}

void raise(const CapturedError& error) {
    if (error.cancelled) {
        CHECK_FOR_INTERRUPTS();  // raises the real cancel / timeout / terminate error
        ereport(ERROR, (errcode(ERRCODE_QUERY_CANCELED), errmsg("canceling statement due to user request")));
    }
    if (error.sqlstate == ERRCODE_INTERNAL_ERROR) {
        ereport(ERROR, (errcode(error.sqlstate), errmsg("reliability: internal error: %s", error.message)));
    }
    ereport(ERROR, (errcode(error.sqlstate), errmsg("%s", error.message),
                    error.hint != nullptr ? errhint("%s", error.hint) : 0));
    pg_unreachable();
}

void* pg_alloc_nothrow(std::size_t size) {
    if (!AllocHugeSizeIsValid(size)) throw std::bad_alloc();
    void* p = MemoryContextAllocExtended(CurrentMemoryContext, size, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

void install_interrupt_poll() { reliability::set_interrupt_poll(&cancel_pending); }

}  // namespace reliability::pg
