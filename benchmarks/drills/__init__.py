"""Resilience drills (`python -m benchmarks drills`, `make drills`): the production configuration under races, a Redis
outage, a worker killed mid-sweep, a PostgreSQL restart and schemathesis, each printing what was done and what was
lost.

- `races`: 50 requests at once deciding the last open seat of a gate (the API, five signatories' tokens, `If-Match`
  the gate's version), then 50 more with the fresh version; then 50 at once moving one strategy on (the page's
  button, two officers' sessions). Passes when exactly one of each succeeds and every other answer is a refusal
  (409, or 412 for an `If-Match` that went stale while the request waited for the lock), with no 5xx; one decision,
  one `decide` event, the gate approved and passed once; one stage change, the strategy one stage on.
- `redis-outage`: gate submissions and seat decisions through the pages, a few a second, while Redis is stopped for
  `--redis-outage-seconds` (a worker and the beat running). Passes when no change is refused and, once the beat's
  outbox sweep has run, every outbox message is sent, every e-mail received once (by Message-ID) and every in-app
  message has one notification.
- `worker-kill`: the seat reminder sweep over thousands of due seats, its worker SIGKILLed (whole process group)
  between batches, a new worker started. Passes when the batches committed before the kill are whole and the killed
  one left nothing; Redis hands the killed task to the new worker, which finishes it; every reminder exists once,
  every message is sent and every e-mail received once.
- `postgres-restart`: partners' systems poll `GET /api/v1/strategies/` (with and without `If-None-Match`) while
  PostgreSQL is stopped (`pg_ctl stop -m fast`) for 5 seconds and started again. Passes when every poll while it is
  down gets 503 with `Retry-After`, none a 500 or a dropped connection, and polls succeed again within seconds,
  served by the same gunicorn master.
- `schemathesis`: schemathesis over every operation of `/api/v1/schema/` with a partner's token,
  `--schemathesis-examples` cases an operation. Passes when no response is a server error and every one conforms to
  the schema (status codes, content types, headers, bodies).

How it runs
-----------
`python -m benchmarks drills` (what `make drills` runs, with the local settings) is the conductor (`conductor.py`)
and never opens a database connection of its own. It makes a temporary folder (`/tmp/commissioning-drills-*`, whose
parents the postgres user can traverse), starts a PostgreSQL cluster there on a spare port (`stack.PostgresServer`),
migrates one template database with the production settings (`manage.py migrate`, which also writes the beat's
schedule) and collects the static files once. For each drill it clones the template (`CREATE DATABASE ... TEMPLATE`,
a fraction of a second), chooses spare ports for Redis, gunicorn and SMTP, and starts itself again as
`python -m benchmarks drills --inside NAME` with the production environment (`stack.production_env`) pointing at
that drill's database.

That child is an ordinary Django process with the production settings, the same `DATABASE_URL`, `REDIS_URL`,
`EMAIL_PORT` and `SITE_URL` as the servers it starts. It seeds through the real services with the world the tests
use too (`benchmarks.world`), counts rows with the ORM, and runs a Redis of its own, an aiosmtpd server that records
each message's Message-ID, gunicorn, Celery workers and the beat as the drill needs them (`stack`), stopping every
one before it exits. Its commits ask the drill's broker for delivery, as the web servers' do. It writes
`result.json` in its folder; the conductor prints the table and writes the JSON report to
`var/drills/drills-<UTC time>.json` and `var/drills/latest.json`. A fresh database and fresh servers for each
drill, so drills cannot disturb each other or anything else on the machine. The folder is removed at the end,
unless `--keep` is given or a drill failed: then the conductor prints where each drill's logs are.

What the drills change from production, and why
-----------------------------------------------
- `API_THROTTLE_RATE=1000000/minute` and `API_AUTH_FAILURE_LIMIT=1000000`: the pollers and schemathesis send far
  more requests from one token and one address than the limits allow, and schemathesis sends wrong tokens on
  purpose (its `ignored_auth` check); with production's limits they would measure the 429s, not the API.
- `worker-kill`: `CELERY_VISIBILITY_TIMEOUT=20` (production: 900), so Redis hands the killed worker's task to the
  new worker within the drill rather than after 15 minutes; the outbox sweep runs every 5 seconds instead of every
  minute (one run delivers at most 500 messages, and the sweep writes thousands); and the worker runs one task at a
  time (`--concurrency=1`), so the kill lands in the sweep and not between an e-mail's acceptance by the SMTP
  server and its commit, the one window in which the outbox documents a repeat (same Message-ID).
- `redis-outage` keeps production's schedule (the outbox sweep every minute). It times the outage so that the beat's
  minute falls in its middle (so the beat tries, and fails, to send while Redis is down), which can add up to a
  minute of waiting before the changes start. Its figures say how long after Redis returned the messages that had
  waited were delivered, and how many were sent by tasks the later changes asked for and how many by the beat's
  outbox sweep.
- gunicorn runs `WEB_CONCURRENCY=4` workers of one thread each (production's default is 2 × cores + 1, at most 8).

The modules
-----------
`command` (the command line), `conductor` (the conductor and `run_inside`), `catalogue` (the drills, in order),
`results` (a drill's result, the table and the report), `context` (a drill's folder, servers and world), `clients`
(HTTP as a browser or a partner's system), `mail` (the SMTP recorder and the exactly-once checks), and one module
per drill: `races`, `redis_outage`, `worker_kill`, `postgres_restart`, `schemathesis`.
"""
