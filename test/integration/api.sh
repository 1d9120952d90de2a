#!/usr/bin/env bash
# The reference API and dashboard of examples/api (issue 11) against this throwaway cluster:
# a database with the extension, README's "Roles" SQL as written (plus a LOGIN member of
# operator, and any grant the API needs that README lacks: each one reported as a NOTE), the
# sample fleet of examples/api/tests/fleet.sql, then pytest (examples/api/tests) with the API
# served by uvicorn as each role:
#   - every endpoint, and bad input answered with a 4xx carrying the SQLSTATE and PostgreSQL's
#     message (22xxx 400, check violations 422, an unknown machine 404, ...);
#   - 20 concurrent raters on the same machines (with poll cycles): one rating per user, the
#     last, and the cache exact afterwards (cache_problems);
#   - the dashboard in headless Chromium (selenium + chromium-driver): the list with its tier
#     badges, a machine's charts, a rating submitted through its form stored in the database.
# One line per pytest test, then lib.sh's exactness check over the whole cache.
#   bash scripts/in-cluster.sh ./test/integration/api.sh
#   SCREENSHOT=$PWD/docs/dashboard.png bash scripts/in-cluster.sh ./test/integration/api.sh   # renew the screenshot
TEST=api
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
API_DIR=$ROOT/examples/api
PYTHON=${PYTHON:-/usr/bin/python3}   # Debian's, with Debian's packages (not a virtualenv's)
source "$API_DIR/tests/roles_setup.sh"

# --- what the API needs ------------------------------------------------------------------
missing=$("$PYTHON" -c '
import importlib.util
print(" ".join(m for m in ("fastapi", "uvicorn", "sqlalchemy", "psycopg2", "pytest", "httpx", "selenium")
               if importlib.util.find_spec(m) is None))' 2>&1)
if [ -n "$missing" ]; then not_ok "$PYTHON lacks: $missing (bash scripts/install-deps.sh)"; finish; fi
versions=$("$PYTHON" -c 'import fastapi, sqlalchemy, psycopg2; print(f"FastAPI {fastapi.__version__}, SQLAlchemy {sqlalchemy.__version__}, psycopg2 {psycopg2.__version__.split()[0]}")')
case $versions in
    *"SQLAlchemy 1.4."*) ok "Python modules: $versions" ;;
    *) not_ok "the API is written for SQLAlchemy 1.4: $versions" ;;
esac

# --- the database: extension, README's roles, the sample fleet -----------------------------
drop_db "$DB"
for r in api_operator monitor instance_manager api operator reliability_scheduler; do
    psql_admin -c "SET client_min_messages = warning" -c "DROP ROLE IF EXISTS $r" >/dev/null 2>&1
done
fresh_db "$DB" && q -c "CREATE EXTENSION reliability" || { not_ok "creating $DB with the extension failed"; finish; }
if api_roles_setup "$DB" "$ROOT/README.md" 2>"$WORK/roles.err"; then   # its NOTEs: grants README lacks
    ok "README's Roles SQL, a LOGIN member of operator (api_operator) and passwords for the API's roles"
else
    not_ok "setting up the roles failed: $(cat "$WORK/roles.err")"; finish
fi
if out=$(q -f "$API_DIR/tests/fleet.sql" 2>&1); then
    ok "the sample fleet: $(q -c "SELECT count(*) || ' machines, ' || (SELECT count(*) FROM reliability.observations) || ' observations' FROM reliability.machines")"
else
    not_ok "loading examples/api/tests/fleet.sql failed: $out"; finish
fi

# --- pytest --------------------------------------------------------------------------------
export CACHE_PROBLEMS_SQL SCREENSHOT=${SCREENSHOT:-$WORK/dashboard.png} API_SERVER_LOG=$WORK/server.log
(cd "$API_DIR" && PYTHONDONTWRITEBYTECODE=1 timeout --kill-after=10 300 "$PYTHON" -m pytest -q -rs \
    --junitxml="$WORK/junit.xml" tests/test_dashboard.py tests/test_api.py tests/test_concurrency.py) >"$WORK/pytest.out" 2>&1
rc=$?
results=$("$PYTHON" - "$WORK/junit.xml" <<'PY' 2>&1
import sys, xml.etree.ElementTree as ET
for case in ET.parse(sys.argv[1]).iter("testcase"):
    name = f'{case.get("classname").split(".")[-1]}::{case.get("name")} ({float(case.get("time")):.2f} s)'
    bad = case.find("failure") if case.find("failure") is not None else case.find("error")
    skipped = case.find("skipped")
    if bad is not None:
        print(f"FAIL\t{name}\t{(bad.get('message') or '').splitlines()[0][:300] if bad.get('message') else ''}")
    elif skipped is not None:
        print(f"SKIP\t{name}\t{skipped.get('message')}")
    else:
        print(f"OK\t{name}\t")
PY
)
while IFS=$'\t' read -r verdict name message; do
    case $verdict in
        OK) ok "pytest $name" ;;
        SKIP) note "pytest $name skipped: $message" ;;
        FAIL) not_ok "pytest $name: $message" ;;
        *) [ -n "$verdict" ] && not_ok "reading pytest's results: $verdict $name" ;;
    esac
done <<<"$results"
if [ "$rc" -ne 0 ]; then
    not_ok "pytest exited with $rc; its output (last lines):"
    tail -60 "$WORK/pytest.out" | sed 's/^/        /'
    echo "        --- the API server's log (last lines) ---"
    tail -30 "$API_SERVER_LOG" 2>/dev/null | sed 's/^/        /'
else
    ok "pytest: $(tail -1 "$WORK/pytest.out" | tr -d '=' | sed 's/^ *//')"
fi
[ -s "$SCREENSHOT" ] && ok "the dashboard's screenshot: $SCREENSHOT ($(stat -c %s "$SCREENSHOT") bytes)"

p=$(cache_problems 2>&1) || p="cache_problems failed: $p"
check "the cache is exact after all the API's writes ($(q -c 'SELECT count(*) FROM reliability.scores') cached rows)" "$p"
finish
