# Shared by the SQL benchmarks' scripts (sourced, not run).

# The median of the numbers on stdin (the mean of the middle two for an even count; nothing
# for none).
med() { sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) print ""; else if (NR % 2) print a[(NR + 1) / 2]; else print (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }

# labelled_timings PSQL_ARGS...: runs a psql script (with \timing on) whose timed statements
# each follow a line "\echo @@ LABEL"; prints "LABEL<tab>milliseconds", one line a statement.
labelled_timings() {
    psql -X -q -v ON_ERROR_STOP=1 "$@" 2>&1 |
        awk '/^@@/ { label = $2; next } /^Time:/ && label != "" { print label "\t" $2; label = "" }'
}
