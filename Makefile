# PGXS build of the reliability extension.
#   module:  the pure C++ core (src/core) and the PostgreSQL layer (src/pg), one shared library
#   scripts: sql/ holds exactly what PostgreSQL installs. The install script of the current
#            version is assembled from src/sql/*.sql (name order); the install scripts of
#            released versions and every upgrade script are committed there as shipped.
#   tests:   pg_regress (test/regress) and pg_isolation_regress (test/isolation)
EXTENSION    = reliability
EXTVERSION   = $(shell sed -n "s/^default_version = '\(.*\)'/\1/p" $(EXTENSION).control)
MODULE_big   = reliability
OBJS         = $(patsubst %.cpp,%.o,$(sort $(wildcard src/core/*.cpp) $(wildcard src/pg/*.cpp)))
SQL_PARTS    = $(sort $(wildcard src/sql/*.sql))
DATA_built   = sql/$(EXTENSION)--$(EXTVERSION).sql
DATA         = $(filter-out $(DATA_built),$(wildcard sql/$(EXTENSION)--*.sql))

REGRESS      = $(patsubst test/regress/sql/%.sql,%,$(sort $(wildcard test/regress/sql/*.sql)))
REGRESS_OPTS = --inputdir=test/regress --outputdir=test/regress --load-extension=$(EXTENSION)
ISOLATION    = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --outputdir=test/isolation/output --load-extension=$(EXTENSION)

PG_CPPFLAGS  = -Isrc/core -Isrc/pg
PG_CXXFLAGS  = -std=c++17 -Wall -Wextra -Wno-register -Wno-unused-parameter -Wno-missing-field-initializers -fno-omit-frame-pointer
# Header dependencies (-MMD): a changed header rebuilds every object that includes it.
PG_CXXFLAGS += -MMD -MP
SHLIB_LINK   = -lstdc++
EXTRA_CLEAN  = $(OBJS:.o=.d) test/regress/results test/regress/regression.diffs test/regress/regression.out test/isolation/output

# No LLVM bitcode: the JIT gains nothing here and it would need a matching clang.
override with_llvm = no

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)
-include $(OBJS:.o=.d)

$(DATA_built): $(SQL_PARTS) $(EXTENSION).control
	cat $(SQL_PARTS) > $@
