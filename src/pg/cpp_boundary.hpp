// The one place where C++ meets PostgreSQL error handling.
//
// PostgreSQL reports errors with longjmp, which skips C++ destructors; C++ reports them
// with exceptions, which PostgreSQL cannot catch. So every SQL-callable function runs its
// C++ work through guarded(): the body may throw anything, nothing escapes it, and the
// PostgreSQL error is raised only after the catch block has ended and every C++ object of
// the body is destroyed. Inside a body, call no PostgreSQL function that can ereport();
// use pg_alloc_nothrow() for memory the result needs.
#pragma once

#include <cstddef>
#include <exception>
#include <new>
#include <type_traits>

#include "error.hpp"

extern "C" {
#include "postgres.h"
}

namespace reliability::pg {

// Plain data only: it outlives the catch block, and longjmp may skip its scope.
struct CapturedError {
    bool failed = false;
    int sqlstate = 0;
    bool cancelled = false;
    char message[512] = {0};
    const char* hint = nullptr;  // a static string, or none
};

void capture(CapturedError& out, const reliability::Error& e) noexcept;
void capture(CapturedError& out, const std::exception& e) noexcept;
void capture_unknown(CapturedError& out) noexcept;
void capture_out_of_memory(CapturedError& out) noexcept;

// Raises the captured error as a PostgreSQL ERROR (or processes a pending cancel).
[[noreturn]] void raise(const CapturedError& error);

// palloc in CurrentMemoryContext that throws std::bad_alloc instead of ereport()ing.
void* pg_alloc_nothrow(std::size_t size);

// Runs body() and returns its result (if any); see the rule above.
template <typename Body>
auto guarded(Body&& body) -> decltype(body()) {
    using Result = decltype(body());
    CapturedError error;
    std::conditional_t<std::is_void_v<Result>, char, Result> result{};
    try {
        if constexpr (std::is_void_v<Result>) {
            body();
        } else {
            result = body();
        }
    } catch (const reliability::Error& e) {
        capture(error, e);
    } catch (const std::bad_alloc&) {
        capture_out_of_memory(error);
    } catch (const std::exception& e) {
        capture(error, e);
    } catch (...) {
        capture_unknown(error);
    }
    if (error.failed) raise(error);
    if constexpr (!std::is_void_v<Result>) return result;
}

// Installs the core's interrupt poll (called from _PG_init).
void install_interrupt_poll();

}  // namespace reliability::pg
