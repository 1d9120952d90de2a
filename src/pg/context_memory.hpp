// A std::pmr::memory_resource that allocates in a PostgreSQL memory context, for C++
// containers that live in one (the aggregate state): their memory is then accounted to that
// context (work_mem, hash aggregation spilling, MemoryContextStats) and freed with it.
// Never ereports: a failed or oversized allocation throws std::bad_alloc, which guarded()
// turns into PostgreSQL's "out of memory" after the C++ frames have unwound.
#pragma once

#include <memory_resource>

extern "C" {
#include "postgres.h"
#include "utils/memutils.h"
}

namespace reliability::pg {

class ContextMemory final : public std::pmr::memory_resource {
public:
    explicit ContextMemory(MemoryContext context) noexcept : context_(context) {}

private:
    void* do_allocate(std::size_t bytes, std::size_t alignment) override;
    void do_deallocate(void* p, std::size_t bytes, std::size_t alignment) override;
    bool do_is_equal(const std::pmr::memory_resource& other) const noexcept override { return this == &other; }

    MemoryContext context_;
};

}  // namespace reliability::pg
