#include "context_memory.hpp"

#include <new>

namespace reliability::pg {

void* ContextMemory::do_allocate(std::size_t bytes, std::size_t alignment) {
    // palloc's chunks are MAXALIGNed; the checks keep every ereport path out of reach.
    if (alignment > MAXIMUM_ALIGNOF || bytes == 0 || !AllocHugeSizeIsValid(bytes)) throw std::bad_alloc();
    void* p = MemoryContextAllocExtended(context_, bytes, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
    if (p == nullptr) throw std::bad_alloc();
    return p;
}

void ContextMemory::do_deallocate(void* p, std::size_t, std::size_t) { pfree(p); }

}  // namespace reliability::pg
