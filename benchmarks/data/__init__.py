"""Benchmark data: a realistic, deterministic commissioning world of any size, written in bulk.

`generator.generate(scale)` (`python -m benchmarks data --scale S`) fills an empty, migrated database. At scale 1
it writes exactly 200 organisations, 5,000 strategies, 50,000 gate seats and 500,000 audit events, and what goes
with them: people and their roles, partners, gates, evidence, stage periods, snapshots, decisions, records of
decision, actions and a few delegations. Other scales multiply those four numbers (`Targets.for_scale`). The same
seed gives the same data (dates are relative to the day it runs).

The shape follows the real rules, so that a benchmark on it means something:

- Organisations come in regions of twenty: a county council, four district councils, an integrated care board
  (ICB), two NHS trusts, a public health partnership, voluntary-sector bodies and providers. The councils lead
  strategies; the others are partners. Region 0's county council (the "benchmark council") is a large one: it
  leads about one strategy in eight. Region 0's ICB (the "benchmark partner") is party to a few hundred
  strategies at scale 1, as pooled-budget contributor, co-commissioner or consultee.
- Strategies are spread over stages, cycles and gate states (open, submitted, passed, in and after a call-in
  window, rejected, withdrawn). Each stage reached has its gate, evidence checklist and stage period; earlier
  gates passed. Seats come from the gate policies in the database (`GatePolicy`/`SeatRule`, as an administrator
  left them) at the strategy's value, partners and key-decision status, through the product's own rules
  (`commissioning.rules`, as `services.seat_specs_for` applies them: see `plan.py`). Decided seats have their
  `Decision`s (and records of decision, and actions for conditions); the executive member decides last, so
  submitted key decisions wait in the elected members' queues. Some gates were rejected and resubmitted (their
  earlier rounds' seats rejected or cancelled).
- To hit the seat count exactly, some strategies are "imported": they were brought into the system at the
  stage they had reached, without the earlier gates (as when a council starts using it), and a few more gates get
  an earlier rejected round. Audit events are those the services would have written for all of the above, plus
  evidence and strategy edits spread over each stage's working time up to the exact count. Events are numbered
  in time order, as a live system numbers them.

Well-known actors (password `BENCH_PASSWORD`): `bench-member` (an executive member of the benchmark council, with
a few hundred waiting seats at scale 1), `bench-officer` (a commissioning officer there who leads a share of its
strategies), `bench-partner` (a signatory of the benchmark partner) and the partner's API service account with a
fresh token. The first holder of every other role at the benchmark council is `bench-<role>` (`bench-finance`,
`bench-scrutiny`, ...).

One source of truth: the values that follow a rule of the product (whether a gate is a key decision, its seats,
their labels and due dates, what a snapshot freezes and its hash, the gate's title, the forward plan's earliest
decision date, the end of a call-in window) are computed by the product's own functions, on the plan's values.
Every frozen gate's snapshot is the strategy as it stands (an earlier, rejected round's summary differs: it was
revised before the next).

Speed: everything is planned in memory with ids chosen up front, then written table by table, with PostgreSQL's
COPY (through psycopg) or, on other databases, `bulk_create`. Services and the state machines' transition methods
are bypassed: state fields are given to the constructor (or to COPY). Passwords are hashed once.

The modules, in the order they run: `targets` (what to build, what is returned), `vocabulary` (names and
proportions), `plan` (the plan's shapes and the product's rules applied to them), `people` and `strategies`
(planning), `history`, `gates` and `seats` (building rows and events), `writer` (COPY), `generator` (the state, and
`generate`), `command` (`python -m benchmarks data`).
"""
