#!/usr/bin/env bash
# Second differential test against SPEC.md implemented again from its text alone
# (test/integration/spec_oracle_rules.py, pure Python): the rule-like parts that spec_oracle.sh does not
# cover, checked after every committed statement (each in its own transaction, T = its now()):
# §5 auto-blacklist (pre-existing manual, temporary and auto rows, active and expired; refresh(),
# a refresh ahead of now(), a threshold equal to a cached score), §10 deploy attempts rule (inserts,
# updates, moves, deletes, ties, future stamps, window bounds; five settings profiles), §11
# notifications (a second connection LISTENs; tier and blacklisted/unblacklisted events with their
# payloads), §6 report() (deploys, blacklist, stale, identity), §1 view machine_reliability
# (blacklisted, stale at the bounds of stale_after, score columns), §11 observe() (repeats, a resent
# cycle, 22023/22004 with nothing written) and §9 compaction (results unchanged, refusals).
#   bash scripts/in-cluster.sh ./test/integration/spec_oracle_rules.sh
#   SEEDS="1 2" KEEP_DB=1 VERBOSE=1 bash scripts/in-cluster.sh ./test/integration/spec_oracle_rules.sh
# One line per seed, then "spec_oracle_rules: N passed, M failed"; exits 1 on a mismatch.
TEST=spec_oracle_rules
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
source "$(dirname "${BASH_SOURCE[0]}")/oracle_lib.sh"
SEEDS=${SEEDS:-"1 2 3 4 5 6"}   # seed S: auto-blacklist profile S % 3, time zone S % 4, deploy profiles in an order of its own
ORACLE_NOTES='^(AMBIGUOUS|spec_oracle_rules: seed [0-9]+: time zone)'

for seed in $SEEDS; do
    run_oracle_seed spec_oracle_rules "$seed" 120
done
DB=reliability_spec_oracle_rules
finish
