"""`python -m benchmarks bench` (`make bench`): the service's speed at two data sizes, against the production
configuration.

For each size (0.1x and 1x of `benchmarks.data`: 1x is 200 organisations, 5,000 strategies, 50,000 seats and
500,000 audit rows) a PostgreSQL database of its own (`commissioning_bench_0_1x`, `commissioning_bench_1x` on the
server at BENCH_DATABASE_URL) is created, migrated and filled by `python -m benchmarks data`, or reused when the
data it holds was generated at the same scale with the same seed. gunicorn serves it as production does
(config/gunicorn.conf.py, `config.settings.production`, Redis for the cache and the rate limits) on 127.0.0.1, and
wrk (Debian's package) loads each scenario for a bounded time after a short warm-up:

- `baseline`: a bare Django view with a fixed JSON body through the same middleware, server and settings: the
  practical limit of this stack on this machine. It runs before the first scenario, between each two and after the
  last; each scenario is compared with the mean of the two baseline runs either side of it.
- `poll-304`: a partner's unchanged poll of its strategies (`If-None-Match` with the current ETag: 304).
- `list-100`: a partner's full list page of 100 strategies (200).
- `events-none`, `events-100`: the events feed with nothing new, and with exactly 100 new events.
- `member-queue`: an elected member's start page with their sign-off queue (signed in with a session cookie).

Every request says `X-Forwarded-Proto: https` (the TLS-terminating proxy) and `Host: 127.0.0.1:<port>`. Each
scenario's answer is checked before it is loaded (a 304 is a 304, the page has 100 strategies, the feed has exactly
100 events, the queue lists seats), and a run with non-2xx/3xx answers or socket errors is a failure, not a figure.
SQL queries per request are counted in a separate process with the same settings and database: Django's test
client sends the same headers twice and the second (warm) request's queries are counted.

Where it departs from production, and why: the API's rate limit is set so high that it never refuses (it still runs,
so its Redis round trips are measured), the application logs at WARNING (gunicorn's access log still goes to the
service's log file), and gunicorn's worker recycling is off unless `--recycle` (see `Bench.env`).

The machines this runs on are noisy, so every speed figure is read as a ratio to the baseline measured in the same
run. The report (a table per size, the 1x/0.1x comparison and the targets) is printed and written as JSON to
var/bench/ (git-ignored), with the machine and the settings used.

The modules: `command` (the command line), `run` (the run, `Bench`), `database` (each size's data), `probe` (the
query counter, in a process of its own), `scenarios` (what each requests and what a right answer is), `wrk` (its
command line and report), `report` (ratios, targets and the printed table), `machine` (what it ran on). The
baseline view is `benchmarks/urls.py`, served only with `BENCHMARK_BASELINE=true`.
"""
