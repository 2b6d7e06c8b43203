"""`python -m benchmarks sweeps` (`make bench-sweeps`): how the seat reminder sweep copes with 50,000 open seats,
10,000 of them due.

A benchmark, not a test: it seeds the seats, runs `workflows.sweeps.seat_reminders` for a fixed working day, and
prints the reminders created, the seconds, the SQL queries (per batch, by kind) and the peak memory; then runs the
sweep again, which must create nothing. It exits non-zero when a check fails: peak memory under 300 MB, and queries
that grow with batches, not rows. `make bench-sweeps` runs it against PostgreSQL.

It writes and deletes tens of thousands of rows, so it runs only against a database whose name contains "bench"
(`--i-know` overrides that). Everything it seeds is named `bench-…`/`BENCH-…` and deleted at the end (keep it with
`--keep`; the next run clears it first).

The modules: `command` (the command line), `seed` (the seats, in bulk), `measure` (queries, time and memory of one
run of the sweep), `report` (the printed table and the checks).
"""
