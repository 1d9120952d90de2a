"""Reference API and dashboard for the reliability extension (examples/api/README.md)."""
