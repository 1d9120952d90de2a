#!/usr/bin/env bash
# Differential test against an independent implementation of SPEC.md written from its text alone
# (test/integration/spec_oracle.py, pure Python with exact integer microseconds): §2/§3
# availability() and uptime() over bounded, unbounded, infinite, empty, inverted and point windows,
# explicit max_gap, NULL arguments and parallel plans; §8 summarize()/rollup() against them; §4
# score() at many as_of (default now(), 1900 and 9999, around DST changes of the session time
# zone), compute_score(), tier() and every cached row of reliability.scores; §6 daily_uptime(),
# sparkline() and report()'s score and history; §11 periods(); a few errors. Field by field:
# seconds exactly, ratios within 1e-12 relative. Each seed makes a random fleet plus edge cases
# and checks it in three phases: as inserted, after refresh() materialized history and late
# writes, after a settings change (UPDATE, or INSERT for odd seeds).
#   bash scripts/in-cluster.sh ./test/integration/spec_oracle.sh
#   SEEDS="1 2 3" MACHINES=36 KEEP_DB=1 VERBOSE=1 bash scripts/in-cluster.sh ./test/integration/spec_oracle.sh
# One line per seed, then "spec_oracle: N passed, M failed"; exits 1 on a mismatch.
TEST=spec_oracle
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/oracle_lib.sh"
SEEDS=${SEEDS:-"1 2 3 4 5 6 7"}   # seed S: settings profile S % 7 then S + 1, time zone S % 4
MACHINES=${MACHINES:-36}
ORACLE_NOTES='^spec_oracle: seed [0-9]+: (phase|[0-9]+ machines|largest|comparisons by kind)'

for seed in $SEEDS; do
    run_oracle_seed spec_oracle "$seed" 300 --machines "$MACHINES"
done
DB=reliability_spec_oracle
finish
