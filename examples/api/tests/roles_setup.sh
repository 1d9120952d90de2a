# Shared by test/integration/api.sh and test/benchmarks/bench_api.sh (sourced, not run).
# api_roles_setup DB README: in database DB (with the extension), as the superuser that PG*
# names, runs the ```sql blocks of README's "## Roles" section as written (as
# test/integration/roles.sh does), adds what the API needs beyond them, gives the login roles
# passwords (pg_virtualenv's clusters ask for one over localhost) and exports the API's DSNs:
#   RELIABILITY_API_DSN               user api
#   RELIABILITY_OPERATOR_DSN          user api_operator, a LOGIN member of operator
#   RELIABILITY_MONITOR_DSN           user monitor
#   RELIABILITY_INSTANCE_MANAGER_DSN  user instance_manager
# and RELIABILITY_ADMIN_DSN (the superuser, for the tests' checks). Prints a line for each grant
# it had to add (through `note` when the caller has one). Returns non-zero on failure.

_api_note() { if declare -F note >/dev/null; then note "$*"; else echo "note: $*"; fi; }
_api_psql() { psql -X -q -At -v ON_ERROR_STOP=1 -d "$API_DB" "$@"; }

# readme_section, readme_sql_blocks: read the README as roles.sh does.
source "$(dirname "${BASH_SOURCE[0]}")/../../../test/integration/readme.sh"

api_roles_setup() {
    API_DB=$1
    local readme=$2 roles_sql role pw
    roles_sql=$(readme_section "$readme" Roles | readme_sql_blocks)
    if [ -z "$(tr -d '[:space:]' <<<"$roles_sql")" ]; then
        echo "api_roles_setup: no sql block in the Roles section of $readme" >&2
        return 1
    fi
    _api_psql <<<"$roles_sql" || { echo "api_roles_setup: README's Roles SQL failed" >&2; return 1; }
    _api_psql -c "CREATE ROLE api_operator LOGIN IN ROLE operator" || return 1

    # What the API uses and README's Roles block may not grant (yet).
    if [ "$(_api_psql -c "SELECT has_function_privilege('monitor',
            'reliability.observe(text[], text[], timestamptz[], boolean[])', 'EXECUTE')")" != t ]; then
        _api_note "README's Roles SQL does not grant monitor EXECUTE on observe(): granted here"
        _api_psql -c "GRANT EXECUTE ON FUNCTION reliability.observe(text[], text[], timestamptz[], boolean[]) TO monitor" || return 1
    fi
    if [ -z "$(_api_psql -c "SELECT to_regclass('reliability.deploy_attempts')")" ]; then
        _api_note "the installed extension has no reliability.deploy_attempts (SPEC §10) yet"
    elif [ "$(_api_psql -c "SELECT has_table_privilege('instance_manager', 'reliability.deploy_attempts', 'SELECT, INSERT')")" != t ]; then
        _api_note "README's Roles SQL does not grant instance_manager SELECT, INSERT on deploy_attempts: granted here"
        _api_psql -c "GRANT SELECT, INSERT ON reliability.deploy_attempts TO instance_manager" || return 1
    fi
    # report() reads deploy_attempts (its key "deploys", SPEC §10) with the caller's rights.
    if [ -n "$(_api_psql -c "SELECT to_regclass('reliability.deploy_attempts')")" ] &&
        [ "$(_api_psql -c "SELECT has_table_privilege('api', 'reliability.deploy_attempts', 'SELECT')")" != t ]; then
        _api_note "README's Roles SQL does not grant api SELECT on deploy_attempts, which report() reads: granted here"
        _api_psql -c "GRANT SELECT ON reliability.deploy_attempts TO api" || return 1
    fi

    local base="host=${PGHOST:-localhost} port=${PGPORT:-5432} dbname=$API_DB"
    for role in api api_operator monitor instance_manager; do
        pw=$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')
        _api_psql -c "ALTER ROLE $role PASSWORD '$pw'" || return 1
        case $role in
            api) export RELIABILITY_API_DSN="$base user=$role password=$pw" ;;
            api_operator) export RELIABILITY_OPERATOR_DSN="$base user=$role password=$pw" ;;
            monitor) export RELIABILITY_MONITOR_DSN="$base user=$role password=$pw" ;;
            instance_manager) export RELIABILITY_INSTANCE_MANAGER_DSN="$base user=$role password=$pw" ;;
        esac
    done
    export RELIABILITY_ADMIN_DSN="$base user=${PGUSER:-postgres}${PGPASSWORD:+ password=$PGPASSWORD}"
}
