# Reading the README's SQL (sourced, not run): by test/integration/roles.sh and
# examples/api/tests/roles_setup.sh, so both run the README's statements as written.

# readme_section README HEADING: the lines of README's "## HEADING" section, up to the next
# "## " heading.
readme_section() {
    awk -v h="## $2" '
        on && /^## / { exit }
        on { print }
        { t = $0; sub(/[ \t\r]+$/, "", t); if (t == h) on = 1 }' "$1"
}
# readme_sql_blocks: the contents of the ```sql blocks of stdin.
readme_sql_blocks() { awk '/^```sql[ \t\r]*$/ { b = 1; next } b && /^```/ { b = 0; print ""; next } b { print }'; }
