// The shared library's entry point.
#include "cpp_boundary.hpp"

extern "C" {
#include "fmgr.h"

PG_MODULE_MAGIC;

void _PG_init(void);
void _PG_init(void) { reliability::pg::install_interrupt_poll(); }
}
