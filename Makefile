# PGXS build of the reliability extension: the pure C++ core (src/core) and the
# PostgreSQL layer (src/pg) linked into one module; the install script is assembled
# from src/sql/*.sql in name order.
EXTENSION    = reliability
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)
MODULE_big   = reliability
OBJS         = $(patsubst %.cpp,%.o,$(sort $(wildcard src/core/*.cpp) $(wildcard src/pg/*.cpp)))
DATA_built   = $(EXTENSION)--$(EXTVERSION).sql
SQL_PARTS    = $(sort $(wildcard src/sql/*.sql))

REGRESS      = $(patsubst sql/%.sql,%,$(sort $(wildcard sql/*.sql)))
REGRESS_OPTS = --load-extension=$(EXTENSION)
ISOLATION    = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)

PG_CPPFLAGS  = -Isrc/core -Isrc/pg
PG_CXXFLAGS  = -std=c++17 -Wall -Wextra -Wno-register -Wno-unused-parameter -Wno-missing-field-initializers -fno-omit-frame-pointer
SHLIB_LINK   = -lstdc++
EXTRA_CLEAN  = $(DATA_built)

# No LLVM bitcode: the JIT gains nothing here and it would need a matching clang.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(SQL_PARTS) $(EXTENSION).control
	cat $(SQL_PARTS) > $@
