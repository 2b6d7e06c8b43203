"""Benchmark data: a realistic, deterministic commissioning world of any size, written in bulk.

`generate(scale)` fills an empty, migrated database. At scale 1 it writes exactly 200 organisations, 5,000
strategies, 50,000 gate seats and 500,000 audit events, and what goes with them: people and their roles,
partners, gates, evidence, stage periods, snapshots, decisions, records of decision, actions and a few
delegations. Other scales multiply those four numbers (`Targets.for_scale`). The same seed gives the same data
(dates are relative to the day it runs).

The shape follows the real rules, so that a benchmark on it means something:

- Organisations come in regions of twenty: a county council, four district councils, an integrated care board
  (ICB), two NHS trusts, a public health partnership, voluntary-sector bodies and providers. The councils lead
  strategies; the others are partners. Region 0's county council (the "benchmark council") is a large one: it
  leads about one strategy in eight. Region 0's ICB (the "benchmark partner") is party to a few hundred
  strategies at scale 1, as pooled-budget contributor, co-commissioner or consultee.
- Strategies are spread over stages, cycles and gate states (open, submitted, passed, in and after a call-in
  window, rejected, withdrawn). Each stage reached has its gate, evidence checklist and stage period; earlier
  gates passed. Seats come from the gate policies in the database (`GatePolicy`/`SeatRule`, as an administrator
  left them) at the strategy's value, partners and key-decision status, exactly as `services.seat_specs_for` makes
  them. Decided seats have their `Decision`s (and records of decision, and actions for conditions); the executive
  member decides last, so submitted key decisions wait in the elected members' queues. Some gates were rejected
  and resubmitted (their earlier rounds' seats rejected or cancelled).
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

Speed: everything is planned in memory with ids chosen up front, then written table by table, with PostgreSQL's
COPY (through psycopg) or, on other databases, `bulk_create`. Services and the state machines' transition methods
are bypassed: state fields are given to the constructor (or to COPY). Passwords are hashed once.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import random
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.contrib.contenttypes.models import ContentType
from django.core.management.color import no_style
from django.db import connection, models, transaction
from django.db.models import Max
from django.utils import timezone
from knox.models import AuthToken

from commissioning import selectors
from commissioning.models import (
    CYCLE_STAGES,
    DeliveryChannel,
    Evidence,
    EvidenceStatus,
    EvidenceTemplate,
    GatePolicy,
    Organisation,
    OrganisationKind,
    PartnerKind,
    Recommendation,
    Role,
    RoleAssignment,
    SeatParty,
    ServiceArea,
    Stage,
    StagePeriod,
    Strategy,
    StrategyPartner,
    User,
)
from workflows.calendar import WorkingCalendar
from workflows.models import (
    Action,
    ActionState,
    AuditEvent,
    Decision,
    DecisionOutcome,
    Delegation,
    Gate,
    GateSnapshot,
    GateState,
    RecordOfDecision,
    Seat,
    SeatState,
)
from workflows.services import content_hash

BENCH_PASSWORD = "bench-password-2026"  # noqa: S105 - published: benchmark accounts only
DEFAULT_SEED = 2026
USER_PREFIX = "bench-"
MEMBER_USERNAME = "bench-member"
OFFICER_USERNAME = "bench-officer"
PARTNER_USERNAME = "bench-partner"

# At scale 1. The member's queue is a floor: strategies of the benchmark council are put forward until it is met.
PER_SCALE = {"organisations": 200, "strategies": 5_000, "seats": 50_000, "audit_events": 500_000, "member_queue": 250}
MIN_ORGANISATIONS = 6  # a county council, an ICB, a district council, a trust, a voluntary body and a provider
MIN_STRATEGIES = 10
REGION_SIZE = 20
ROLES_SINCE = dt.date(2015, 4, 1)  # before any benchmark history


class BenchDataError(Exception):
    """The database is not one bench_data can fill, or the targets cannot be met."""


# --------------------------------------------------------------------------------------------------------------
# What to build
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Targets:
    """How many rows of the headline tables to write, and the least number of seats waiting for `bench-member`."""

    organisations: int
    strategies: int
    seats: int
    audit_events: int
    member_queue: int

    @classmethod
    def for_scale(cls, scale: float) -> Targets:
        """Scale 1: 200 / 5,000 / 50,000 / 500,000; 0.1: 20 / 500 / 5,000 / 50,000. Tiny scales keep a floor
        (6 organisations, 10 strategies, 10 seats and 100 events per strategy)."""
        if not (isinstance(scale, int | float) and math.isfinite(scale) and 0 < scale <= 100):
            raise BenchDataError(f"The scale must be a number above 0 and at most 100, not {scale!r}.")
        strategies = max(MIN_STRATEGIES, round(PER_SCALE["strategies"] * scale))
        return cls(
            organisations=max(MIN_ORGANISATIONS, round(PER_SCALE["organisations"] * scale)),
            strategies=strategies,
            seats=max(round(PER_SCALE["seats"] * scale), 10 * strategies),
            audit_events=max(round(PER_SCALE["audit_events"] * scale), 100 * strategies),
            member_queue=max(3, round(PER_SCALE["member_queue"] * scale)),
        )


@dataclass
class BenchData:
    """What was generated, and the well-known actors and secrets a benchmark needs."""

    scale: float | None
    seed: int
    database_vendor: str
    database_name: str
    generated_at: str
    password: str
    member_username: str
    member_password: str
    member_id: int
    officer_username: str
    officer_password: str
    officer_id: int
    partner_username: str
    partner_password: str
    partner_organisation_id: int
    partner_organisation_code: str
    partner_organisation_name: str
    partner_service_account: str
    api_token: str
    council_organisation_id: int
    council_organisation_code: str
    council_organisation_name: str
    actors: dict[str, str]  # every well-known username (same password) and what they hold
    member_waiting_seats: int
    officer_led_strategies: int
    partner_visible_strategies: int
    imported_strategies: int
    targets: dict[str, int]
    counts: dict[str, int]
    seconds: dict[str, float]

    def as_dict(self) -> dict:
        return asdict(self)


# --------------------------------------------------------------------------------------------------------------
# Vocabulary
# --------------------------------------------------------------------------------------------------------------

K = OrganisationKind
KIND_TEMPLATE = [  # one region of twenty, in the order a small database takes them
    K.COUNTY_COUNCIL, K.ICB, K.DISTRICT_COUNCIL, K.NHS_TRUST, K.VOLUNTARY_SECTOR, K.PROVIDER, K.DISTRICT_COUNCIL,
    K.VOLUNTARY_SECTOR, K.PUBLIC_HEALTH, K.DISTRICT_COUNCIL, K.NHS_TRUST, K.VOLUNTARY_SECTOR, K.PROVIDER,
    K.DISTRICT_COUNCIL, K.VOLUNTARY_SECTOR, K.PROVIDER, K.VOLUNTARY_SECTOR, K.PROVIDER, K.VOLUNTARY_SECTOR,
    K.VOLUNTARY_SECTOR,
]  # fmt: skip
KIND_CODES = {
    K.COUNTY_COUNCIL: "CC",
    K.DISTRICT_COUNCIL: "DC",
    K.ICB: "ICB",
    K.NHS_TRUST: "NT",
    K.PUBLIC_HEALTH: "PH",
    K.VOLUNTARY_SECTOR: "VS",
    K.PROVIDER: "PR",
}
ORGANISATION_NAMES = {
    K.COUNTY_COUNCIL: ["{r} County Council"],
    K.DISTRICT_COUNCIL: [
        "{r} North District Council",
        "{r} South District Council",
        "{r} East District Council",
        "{r} West District Council",
    ],
    K.ICB: ["{r} Integrated Care Board"],
    K.NHS_TRUST: ["{r} Community Health NHS Trust", "{r} Hospitals NHS Foundation Trust"],
    K.PUBLIC_HEALTH: ["{r} Public Health Partnership"],
    K.VOLUNTARY_SECTOR: [
        "{r} Voluntary Action",
        "{r} Carers Network",
        "Age Concern {r}",
        "{r} Mind",
        "{r} Citizens Advice",
        "{r} Community Foundation",
        "{r} Youth Trust",
    ],
    K.PROVIDER: ["{r} Care Services Ltd", "{r} Homecare Ltd", "{r} Supported Living CIC", "{r} Facilities Ltd"],
}
REGION_NAMES = [
    "Benchshire", "Northmere", "Eastwold", "Westvale", "Southdown", "Highmoor", "Lowfield", "Brackenshire",
    "Ashvale", "Kestrelshire", "Thornbury", "Marshland", "Fenwold", "Oakhurst", "Rivermead", "Stonebridge",
    "Greywater", "Hollowdale", "Ravensmoor", "Silverdale",
]  # fmt: skip
LEAD_KINDS = (K.COUNTY_COUNCIL, K.DISTRICT_COUNCIL)

# People per organisation: role -> how many hold it. Every organisation has a partner signatory (a council can be
# a pooled-budget contributor to another's strategy).
COUNCIL_PEOPLE = {
    Role.COMMISSIONING_OFFICER: 6,
    Role.COMMISSIONING_MANAGER: 2,
    Role.FINANCE: 2,
    Role.LEGAL: 1,
    Role.PROCUREMENT: 1,
    Role.EXECUTIVE_MEMBER: 4,
    Role.SCRUTINY_MEMBER: 3,
    Role.SCRUTINY_CHAIR: 1,
    Role.PARTNER_SIGNATORY: 1,
}
DISTRICT_PEOPLE = COUNCIL_PEOPLE | {
    Role.COMMISSIONING_OFFICER: 2,
    Role.COMMISSIONING_MANAGER: 1,
    Role.FINANCE: 1,
    Role.EXECUTIVE_MEMBER: 2,
    Role.SCRUTINY_MEMBER: 1,
}
BENCH_COUNCIL_PEOPLE = COUNCIL_PEOPLE | {Role.COMMISSIONING_OFFICER: 10, Role.EXECUTIVE_MEMBER: 6}
PARTNER_PEOPLE = {Role.PARTNER_SIGNATORY: 2, Role.PARTNER_VIEWER: 1}
ICB_PEOPLE = {Role.PARTNER_SIGNATORY: 3, Role.PARTNER_VIEWER: 2}
ROLE_USERNAMES = {
    Role.COMMISSIONING_OFFICER: "officer",
    Role.COMMISSIONING_MANAGER: "manager",
    Role.FINANCE: "finance",
    Role.LEGAL: "legal",
    Role.PROCUREMENT: "procurement",
    Role.EXECUTIVE_MEMBER: "member",
    Role.SCRUTINY_MEMBER: "scrutiny",
    Role.SCRUTINY_CHAIR: "chair",
    Role.PARTNER_SIGNATORY: "signatory",
    Role.PARTNER_VIEWER: "viewer",
}
JOB_TITLES = {
    Role.COMMISSIONING_OFFICER: "Commissioning Officer",
    Role.COMMISSIONING_MANAGER: "Head of Commissioning",
    Role.FINANCE: "Finance Business Partner",
    Role.LEGAL: "Senior Solicitor, Contracts",
    Role.PROCUREMENT: "Category Manager, Procurement",
    Role.EXECUTIVE_MEMBER: "Councillor, Executive Member",
    Role.SCRUTINY_MEMBER: "Councillor, Overview and Scrutiny Committee",
    Role.SCRUTINY_CHAIR: "Councillor, Chair of Overview and Scrutiny",
    Role.PARTNER_SIGNATORY: "Director of Partnerships",
    Role.PARTNER_VIEWER: "Contracts Analyst",
}
FIRST_NAMES = [
    "Priya", "Tom", "Helen", "David", "Sarah", "Gareth", "Margaret", "James", "Aisha", "Robert", "Fiona", "Liam",
    "Karen", "Daniel", "Mark", "Emma", "Joanne", "Sam", "Olivia", "Mohammed", "Grace", "Owen", "Ruth", "Imran",
    "Chloe", "Peter", "Hannah", "Sean", "Bethan", "Marcus",
]  # fmt: skip
LAST_NAMES = [
    "Shah", "Hughes", "Carter", "Okafor", "Whitfield", "Lloyd", "Ellis", "Porter", "Rahman", "Fenwick", "Grant",
    "Baker", "Osei", "Moss", "Bennett", "Walsh", "Price", "Clarke", "Patel", "Evans", "Murphy", "Nowak", "Khan",
    "Taylor", "Jones", "Williams", "Ahmed", "Reid", "Campbell", "Morgan",
]  # fmt: skip

A = ServiceArea
HEALTH_AREAS = {A.ADULT_SOCIAL_CARE, A.CHILDREN_AND_FAMILIES, A.PUBLIC_HEALTH, A.MENTAL_HEALTH}
AREA_CODES = {
    A.ADULT_SOCIAL_CARE: "ASC",
    A.CHILDREN_AND_FAMILIES: "CF",
    A.PUBLIC_HEALTH: "PH",
    A.MENTAL_HEALTH: "MH",
    A.HOUSING: "HOU",
    A.HIGHWAYS: "HWY",
    A.ENVIRONMENT: "ENV",
    A.COMMUNITIES: "COM",
    A.CORPORATE: "CORP",
}
COUNTY_AREAS = {
    A.ADULT_SOCIAL_CARE: 22,
    A.CHILDREN_AND_FAMILIES: 14,
    A.PUBLIC_HEALTH: 10,
    A.MENTAL_HEALTH: 8,
    A.HOUSING: 6,
    A.HIGHWAYS: 12,
    A.ENVIRONMENT: 10,
    A.COMMUNITIES: 10,
    A.CORPORATE: 8,
}
DISTRICT_AREAS = {A.HOUSING: 35, A.ENVIRONMENT: 35, A.COMMUNITIES: 20, A.CORPORATE: 10}
TITLES = {
    A.ADULT_SOCIAL_CARE: [
        "Home care", "Adult carers support", "Reablement", "Extra care housing support",
        "Learning disability day services", "Residential and nursing care", "Advocacy services",
        "Telecare and assistive technology", "Direct payments support", "Supported living", "Shared lives",
        "Community equipment",
    ],
    A.CHILDREN_AND_FAMILIES: [
        "Children's residential care", "Foster care", "Short breaks for disabled children", "Family support",
        "Youth services", "Special educational needs transport", "Family hubs", "Care leavers accommodation",
    ],
    A.PUBLIC_HEALTH: [
        "Public health nursing 0–19", "Substance misuse treatment", "Sexual health services", "Stop smoking services",
        "NHS health checks", "Weight management", "Falls prevention",
    ],
    A.MENTAL_HEALTH: [
        "Community mental health", "Crisis support", "Suicide prevention", "Perinatal mental health",
        "Mental health supported housing", "Talking therapies",
    ],
    A.HOUSING: [
        "Homelessness prevention", "Domestic abuse safe accommodation", "Disabled facilities grants",
        "Housing related support", "Temporary accommodation", "Rough sleeping outreach",
    ],
    A.HIGHWAYS: [
        "Highways maintenance", "Street lighting", "Winter gritting", "Home to school transport",
        "Bus service support", "Bridges and structures",
    ],
    A.ENVIRONMENT: [
        "Waste collection", "Waste disposal", "Household recycling centres", "Grounds maintenance",
        "Flood risk management", "Street cleansing",
    ],
    A.COMMUNITIES: [
        "Library services", "Domestic abuse support", "Community safety", "Leisure centres",
        "Voluntary sector infrastructure", "Welfare advice",
    ],
    A.CORPORATE: [
        "ICT managed services", "Facilities management", "Payroll services", "Insurance", "Legal services framework",
        "Energy supply",
    ],
}  # fmt: skip

STAGE_WEIGHTS = {Stage.ANALYSE: 28, Stage.PLAN: 22, Stage.DO: 32, Stage.REVIEW: 12, Stage.CLOSED: 6}
CYCLE_WEIGHTS = {1: 80, 2: 15, 3: 5}
G = GateState
GATE_STATE_WEIGHTS = {
    G.OPEN: 42, G.SUBMITTED: 33, G.PASSED: 7, G.CALL_IN: 4, G.CALLED_IN: 1, G.REJECTED: 8, G.WITHDRAWN: 5,
}  # fmt: skip
DO_GATE_STATE_WEIGHTS = {  # Do lasts long: its gate (award or implementation) is mostly still open
    G.OPEN: 60, G.SUBMITTED: 22, G.PASSED: 6, G.CALL_IN: 3, G.CALLED_IN: 1, G.REJECTED: 5, G.WITHDRAWN: 3,
}  # fmt: skip
RESUBMITTED_SHARE = 0.08  # gates with an earlier, rejected round
WORK_DAYS = {Stage.ANALYSE: (30, 120), Stage.PLAN: (30, 100), Stage.DO: (60, 330), Stage.REVIEW: (20, 80)}
ADVANCE_NAMES = {
    (Stage.ANALYSE, Stage.PLAN): "begin_plan",
    (Stage.PLAN, Stage.DO): "begin_do",
    (Stage.DO, Stage.REVIEW): "begin_review",
    (Stage.REVIEW, Stage.ANALYSE): "recommission",
    (Stage.REVIEW, Stage.CLOSED): "decommission",
}
REJECTION_REASONS = [
    "The budget does not show how the pooled contributions are split; please add the section 75 schedule.",
    "The needs assessment predates the latest census data; refresh it before this is agreed.",
    "The risk register has no mitigation for provider failure.",
    "The procurement route does not meet the Procurement Act 2023 notice requirements.",
    "The outcomes framework has no service-user level measures.",
]
CONDITIONS = [
    "Report mobilisation progress to the commissioning board within three months.",
    "Agree the data-sharing agreement with partners before contract start.",
    "Add a break clause at the end of year two.",
    "Publish the equality impact assessment alongside the decision.",
]
WITHDRAW_REASONS = [
    "Withdrawn to add the revised financial envelope.",
    "Withdrawn while the market engagement is repeated.",
    "Withdrawn at the partner's request to align with their board cycle.",
]
CALL_IN_REASONS = [
    "The consultation with service users was too short.",
    "The decision does not consider the impact on rural communities.",
]
UPDATED_FIELDS = ["summary", "annual_value", "total_contract_value", "next_review_date", "title"]

EMPTY: dict = {}  # shared by every audit row without data; never changed


# --------------------------------------------------------------------------------------------------------------
# The plan: organisations, people, strategies and their gates, in memory
# --------------------------------------------------------------------------------------------------------------


@dataclass(slots=True, eq=False)
class Org:
    id: int
    region: int
    kind: str
    code: str
    name: str
    revenue: Decimal | None = None
    capital: Decimal | None = None
    call_in_days: int = 5
    holders: dict[str, list[int]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Spec:
    """A seat a gate policy asks for, as `services.seat_specs_for` merges them."""

    role: str
    org: Org
    label: str
    required: int
    due_days: int
    record: bool


@dataclass(slots=True, eq=False)
class GatePlan:
    cycle: int
    stage: str
    key: bool
    specs: list[Spec]
    state: str = GateState.PASSED
    extra_rounds: list[int] = field(default_factory=list)  # seats of each earlier, rejected round

    def seat_count(self) -> int:
        return 0 if self.state == GateState.OPEN else len(self.specs) + sum(self.extra_rounds)


@dataclass(slots=True, eq=False)
class StrategyPlan:
    id: int
    reference: str
    title: str
    summary: str
    area: str
    lead: Org
    officer: int
    annual: Decimal
    years: int
    capital: Decimal
    pooled: bool
    partners: list[tuple[Org, str]]
    stage: str  # the current stage; CLOSED after decommissioning
    cycle: int
    gates: list[GatePlan]
    imported: bool = False

    @property
    def total(self) -> Decimal:
        return self.annual * self.years

    @property
    def current(self) -> GatePlan:
        return self.gates[-1]

    def seat_count(self) -> int:
        return sum(g.seat_count() for g in self.gates)


@dataclass(slots=True)
class GateTimes:
    entered: dt.datetime
    submits: list[dt.datetime]  # one per round, oldest first
    anchor: dt.datetime | None  # when the last round ended: passed, approved, rejected or withdrawn
    advance: dt.datetime | None  # when the strategy moved on from this stage


class Policies:
    """The gate policies in the database, applied in memory (the same rules as `services.seat_specs_for`)."""

    def __init__(self) -> None:
        self.by_stage: dict[str, tuple[bool, list]] = {}
        for policy in GatePolicy.objects.prefetch_related("rules"):
            rules = sorted(policy.rules.all(), key=lambda r: (r.position, r.pk))
            self.by_stage[policy.stage] = (policy.key_decisions_apply, rules)
        if not self.by_stage:
            raise BenchDataError("No gate policies in the database: run `manage.py migrate` first (it loads them).")

    def roles_by_party(self) -> tuple[set[str], set[str]]:
        lead, partner = set(), set()
        for _apply, rules in self.by_stage.values():
            for rule in rules:
                (lead if rule.party == SeatParty.LEAD else partner).add(rule.role)
        return lead, partner

    def is_key(self, stage: str, lead: Org, total: Decimal, capital: Decimal) -> bool:
        applies, _rules = self.by_stage.get(stage, (False, []))
        if not applies:
            return False
        return (lead.revenue is not None and total >= lead.revenue) or (
            lead.capital is not None and capital >= lead.capital
        )

    def specs(self, stage: str, plan: StrategyPlan, key: bool) -> list[Spec]:
        _applies, rules = self.by_stage.get(stage, (False, []))
        partners = sorted(plan.partners, key=lambda p: p[0].name)
        parties = {
            SeatParty.LEAD: [plan.lead],
            SeatParty.EACH_PARTNER: [org for org, _kind in partners],
            SeatParty.EACH_POOLED_BUDGET_PARTNER: [
                org for org, kind in partners if kind == PartnerKind.POOLED_BUDGET_CONTRIBUTOR
            ],
            SeatParty.EACH_CO_COMMISSIONER: [org for org, kind in partners if kind == PartnerKind.CO_COMMISSIONER],
        }
        merged: dict[tuple[str, int], list] = {}
        for rule in rules:
            if not rule.applies(value=plan.total, key_decision=key):
                continue
            for org in parties[rule.party]:
                spec = merged.setdefault((rule.role, org.id), [org, 0, 0, False])
                spec[1] = max(spec[1], rule.required_approvals)
                spec[2] = max(spec[2], rule.due_working_days)
                spec[3] = spec[3] or rule.requires_record_of_decision
        specs = []
        for (role, _org_id), (org, required, due_days, record) in merged.items():
            role_label = Role(role).label
            label = f"{role_label}, {org.name}"
            if required > 1:
                label = f"{required} {role_label.lower()}s, {org.name}"
            specs.append(Spec(role, org, label, required, due_days, record))
        return specs


class Ids:
    """Primary keys chosen before writing: each table continues from its largest id."""

    def __init__(self) -> None:
        self.next_ids: dict[type[models.Model], int] = {}

    def next(self, model: type[models.Model]) -> int:
        if model not in self.next_ids:
            self.next_ids[model] = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value


# --------------------------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------------------------

COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    User: (
        "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
        "is_active", "date_joined", "job_title",
    ),
    Organisation: (
        "id", "name", "code", "kind", "escalation_contact_id", "key_decision_revenue_threshold",
        "key_decision_capital_threshold", "call_in_working_days",
    ),
    RoleAssignment: ("id", "person_id", "organisation_id", "role", "starts_on", "ends_on"),
    Delegation: (
        "id", "principal_id", "deputy_id", "starts_on", "ends_on", "reason", "created_by_id", "created_at",
        "revoked_at",
    ),
    Gate: (
        "id", "subject_type_id", "subject_id", "stage", "cycle", "title", "state", "version", "round", "snapshot_hash",
        "submitted_at", "submitted_by_id", "decided_at", "passed_at", "key_decision", "notice_published_on",
        "intended_decision_date", "decision_not_before", "urgency_reason", "urgency_agreed_by_id", "urgency_agreed_at",
        "call_in_working_days", "call_in_ends_at", "called_in_at", "called_in_by_id", "call_in_reason", "created_at",
        "updated_at",
    ),
    Strategy: (
        "id", "reference", "title", "summary", "service_area", "lead_organisation_id", "lead_officer_id",
        "annual_value", "total_contract_value", "capital_value", "pooled_budget", "stage", "cycle", "stage_entered_at",
        "delivery_channel", "recommendation", "next_review_date", "review_cadence_months", "current_gate_id",
        "version", "created_at", "updated_at",
    ),
    StrategyPartner: ("id", "strategy_id", "organisation_id", "kind"),
    StagePeriod: ("id", "strategy_id", "cycle", "stage", "entered_at", "left_at"),
    Evidence: (
        "id", "strategy_id", "cycle", "stage", "template_id", "title", "required", "position", "status", "content",
        "link", "completed_by_id", "completed_at", "updated_at",
    ),
    GateSnapshot: ("id", "gate_id", "round", "content", "content_hash", "created_at", "created_by_id"),
    Seat: (
        "id", "gate_id", "round", "role", "organisation_id", "person_id", "label", "required_approvals",
        "requires_record_of_decision", "state", "due_on", "decided_at", "created_at",
    ),
    Decision: (
        "id", "seat_id", "gate_id", "actor_id", "on_behalf_of_id", "principal_id", "outcome", "reasons",
        "snapshot_hash", "decided_at",
    ),
    RecordOfDecision: (
        "id", "decision_id", "decision_text", "reasons", "alternatives_considered", "conflicts_of_interest",
        "dispensations",
    ),
    Action: (
        "id", "gate_id", "decision_id", "description", "owner_id", "due_on", "state", "completed_at", "created_at",
    ),
    AuditEvent: (
        "id", "occurred_at", "actor_id", "on_behalf_of_id", "object_type_id", "object_id", "object_repr",
        "subject_type_id", "subject_id", "transition", "from_state", "to_state", "reason", "snapshot_hash", "data",
    ),
}  # fmt: skip
TABLE_KEYS = {
    User: "people",
    Organisation: "organisations",
    RoleAssignment: "role_assignments",
    Delegation: "delegations",
    Gate: "gates",
    Strategy: "strategies",
    StrategyPartner: "strategy_partners",
    StagePeriod: "stage_periods",
    Evidence: "evidence",
    GateSnapshot: "gate_snapshots",
    Seat: "seats",
    Decision: "decisions",
    RecordOfDecision: "records_of_decision",
    Action: "actions",
    AuditEvent: "audit_events",
}
WRITE_ORDER = [
    User,
    Organisation,
    RoleAssignment,
    Delegation,
    Gate,
    Strategy,
    StrategyPartner,
    StagePeriod,
    Evidence,
    GateSnapshot,
    Seat,
    Decision,
    RecordOfDecision,
    Action,
    AuditEvent,
]


def check_columns() -> None:
    """Every column of every table written is given a value: a model change must be reflected here."""
    for model, columns in COLUMNS.items():
        expected = {f.attname for f in model._meta.concrete_fields}
        if set(columns) != expected:
            raise BenchDataError(
                f"commissioning/benchmarks/data.py is out of date for {model.__name__}: it writes "
                f"{sorted(set(columns) - expected)} that do not exist and misses {sorted(expected - set(columns))}."
            )


class Writer:
    """Writes rows (tuples in `COLUMNS` order) with COPY on PostgreSQL, bulk_create elsewhere; times each table."""

    BATCH = 5000

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.postgres = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def write(self, model: type[models.Model], rows: Iterable[tuple]) -> int:
        columns = COLUMNS[model]
        json_at = [i for i, name in enumerate(columns) if isinstance(model._meta.get_field(name), models.JSONField)]
        started = time.perf_counter()
        written = 0
        if self.postgres:
            quote = connection.ops.quote_name
            names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
            sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i], ensure_ascii=False, separators=(",", ":"))
                    copy.write_row(row)
                    written += 1
        else:
            batch = []
            for row in rows:
                batch.append(model(**dict(zip(columns, row, strict=True))))
                if len(batch) == self.BATCH:
                    model._default_manager.bulk_create(batch)
                    written += len(batch)
                    batch = []
            if batch:
                model._default_manager.bulk_create(batch)
                written += len(batch)
        seconds = time.perf_counter() - started
        label = TABLE_KEYS[model]
        self.counts[label] = written
        self.seconds[label] = round(seconds, 2)
        rate = f"{written / seconds:,.0f} rows/s" if seconds > 0 and written else ""
        self.log(f"  {label:<20} {written:>9,} rows {seconds:7.2f} s  {rate}")
        return written


# --------------------------------------------------------------------------------------------------------------
# The generator
# --------------------------------------------------------------------------------------------------------------


def days(n: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(n * 86400))


def pick(rng: random.Random, weights: dict):
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class Generator:
    def __init__(self, targets: Targets, *, seed: int, log: Callable[[str], None]) -> None:
        self.t = targets
        self.seed = seed
        self.rng = random.Random(seed)  # noqa: S311 - benchmark data, not secrets
        self.log = log
        self.now = timezone.now().replace(microsecond=0)
        self.today = timezone.localdate(self.now)
        self.calendar = WorkingCalendar()
        self._working_days: dict[tuple[dt.date, int], dt.date] = {}
        self.ids = Ids()
        self.policies = Policies()
        self.templates = {
            stage: list(
                EvidenceTemplate.objects.filter(stage=stage, active=True)
                .order_by("position", "pk")
                .values_list("pk", "code", "title", "required", "position")
            )
            for stage in CYCLE_STAGES
        }
        self.ct = {
            model: ContentType.objects.get_for_model(model).pk
            for model in (Strategy, Gate, Seat, Decision, Evidence, Action, Delegation)
        }
        self.rows: dict[type[models.Model], list[tuple]] = defaultdict(list)
        self.events: list[tuple] = []
        self.seq = 0
        self.names: dict[int, str] = {}  # user id -> full name (str(user))
        self.orgs: list[Org] = []
        self.regions: list[dict[str, list[Org]]] = []
        self.plans: list[StrategyPlan] = []
        self.windows: list[tuple] = []  # (start, end, strategy, officer, evidence items) where edits happen
        self.strategy_rows: dict[int, list] = {}
        self.strategy_events: Counter = Counter()
        self.strategy_last: dict[int, dt.datetime] = {}
        self.imported = 0
        self.actors: dict[str, str] = {}  # well-known username -> role

    # Helpers ---------------------------------------------------------------------------------------------------

    def working_days_after(self, day: dt.date, n: int) -> dt.date:
        key = (day, n)
        if key not in self._working_days:
            self._working_days[key] = self.calendar.add_working_days(day, n)
        return self._working_days[key]

    def local_date(self, moment: dt.datetime) -> dt.date:
        return timezone.localtime(moment).date()

    def between(self, start: dt.datetime, end: dt.datetime) -> dt.datetime:
        span = max((end - start).total_seconds(), 0)
        return start + dt.timedelta(seconds=round(self.rng.random() * span))

    def spaced(self, start: dt.datetime, end: dt.datetime, n: int) -> list[dt.datetime]:
        return sorted(self.between(start, end) for _ in range(n))

    def event(
        self,
        at: dt.datetime,
        object_type: int,
        object_id: int,
        object_repr: str,
        transition: str,
        *,
        strategy: int | None,
        actor: int | None,
        on_behalf_of: int | None = None,
        from_state: str = "",
        to_state: str = "",
        reason: str = "",
        snapshot_hash: str = "",
        data: dict = EMPTY,
    ) -> None:
        self.seq += 1
        self.events.append(
            (
                at,
                self.seq,
                actor,
                on_behalf_of,
                object_type,
                object_id,
                object_repr[:300],
                strategy,
                transition,
                from_state,
                to_state,
                reason,
                snapshot_hash,
                data,
            )
        )
        if strategy is not None:
            self.strategy_events[strategy] += 1
            if at > self.strategy_last.get(strategy, at - days(1)):
                self.strategy_last[strategy] = at

    # Organisations and people ------------------------------------------------------------------------------------

    def plan_organisations(self) -> None:
        count = self.t.organisations
        n_regions = max(1, round(count / REGION_SIZE))
        self.regions = [defaultdict(list) for _ in range(n_regions)]
        taken = Counter()
        for index in range(count):
            region, position = index % n_regions, index // n_regions
            kind = KIND_TEMPLATE[position % len(KIND_TEMPLATE)]
            taken[(region, kind)] += 1
            n = taken[(region, kind)]
            names = ORGANISATION_NAMES[kind]
            region_name = REGION_NAMES[region % len(REGION_NAMES)] + (
                f" {region // len(REGION_NAMES) + 1}" if region >= len(REGION_NAMES) else ""
            )
            name = names[(n - 1) % len(names)].format(r=region_name)
            if n > len(names):
                name = f"{name} {n}"
            single = kind in (K.COUNTY_COUNCIL, K.ICB, K.PUBLIC_HEALTH) and n == 1
            code = f"R{region:02d}{KIND_CODES[kind]}{'' if single else n}"
            org = Org(id=self.ids.next(Organisation), region=region, kind=kind, code=code, name=name)
            if kind == K.COUNTY_COUNCIL:
                org.revenue, org.capital = Decimal(500_000), Decimal(1_000_000)
            elif kind == K.DISTRICT_COUNCIL:
                org.revenue, org.capital = Decimal(250_000), Decimal(500_000)
            self.orgs.append(org)
            self.regions[region][kind].append(org)
        self.council = self.orgs[0]
        self.partner = self.regions[0][K.ICB][0]
        if self.council.kind != K.COUNTY_COUNCIL or not self.regions[0][K.ICB]:
            raise BenchDataError("The benchmark needs a county council and an ICB in region 0.")

    def plan_people(self) -> None:
        rng = self.rng
        password = make_password(BENCH_PASSWORD)  # hashed once: every benchmark account shares it
        lead_roles, partner_roles = self.policies.roles_by_party()
        joined = self.now - days(3650)
        for org in self.orgs:
            if org is self.council:
                wanted = dict(BENCH_COUNCIL_PEOPLE)
            elif org.kind == K.COUNTY_COUNCIL:
                wanted = dict(COUNCIL_PEOPLE)
            elif org.kind == K.DISTRICT_COUNCIL:
                wanted = dict(DISTRICT_PEOPLE)
            elif org.kind == K.ICB:
                wanted = dict(ICB_PEOPLE)
            else:
                wanted = dict(PARTNER_PEOPLE)
            # Whatever role the policies ask of a party, someone holds it (two officers: one submits, one signs).
            for role in partner_roles | (lead_roles if org.kind in LEAD_KINDS else set()):
                wanted[role] = max(wanted.get(role, 0), 2 if role == Role.COMMISSIONING_OFFICER else 1)
            for role, how_many in wanted.items():
                holders = org.holders.setdefault(role, [])
                for n in range(1, how_many + 1):
                    user_id = self.ids.next(User)
                    username = f"{USER_PREFIX}{org.code.lower()}-{ROLE_USERNAMES[role]}{n}"
                    if org is self.council and n == 1:
                        username = f"{USER_PREFIX}{ROLE_USERNAMES[role]}"  # bench-member, bench-officer, ...
                    elif org is self.partner and n == 1 and role == Role.PARTNER_SIGNATORY:
                        username = PARTNER_USERNAME
                    elif org is self.partner and n == 1 and role == Role.PARTNER_VIEWER:
                        username = f"{PARTNER_USERNAME}-viewer"
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    self.names[user_id] = f"{first} {last}"
                    self.rows[User].append(
                        (
                            user_id,
                            password,
                            None,
                            False,
                            username,
                            first,
                            last,
                            f"{username}@bench.example.org",
                            False,
                            True,
                            joined,
                            f"{JOB_TITLES[role]}, {org.name}"[:200],
                        )
                    )
                    self.rows[RoleAssignment].append(
                        (self.ids.next(RoleAssignment), user_id, org.id, role, ROLES_SINCE, None)
                    )
                    holders.append(user_id)
                    if (org is self.council or org is self.partner) and n == 1:
                        self.actors[username] = f"{Role(role).label}, {org.name}"
        for org in self.orgs:
            contacts = org.holders.get(Role.COMMISSIONING_MANAGER) or org.holders.get(Role.PARTNER_SIGNATORY) or [None]
            contact = contacts[0]
            self.rows[Organisation].append(
                (org.id, org.name, org.code, org.kind, contact, org.revenue, org.capital, org.call_in_days)
            )
        self.plan_delegations()

    def plan_delegations(self) -> None:
        """At each lead council the first finance officer is away, with a manager as deputy; some earlier
        delegations have ended."""
        for org in self.orgs:
            finance = org.holders.get(Role.FINANCE, [])
            managers = org.holders.get(Role.COMMISSIONING_MANAGER, [])
            if org.kind not in LEAD_KINDS or not finance or not managers:
                continue
            for start, length in ((-3, 14), (-200, 10)):
                starts = self.today + dt.timedelta(days=start + self.rng.randint(-2, 2))
                ends = starts + dt.timedelta(days=length)
                created = timezone.make_aware(dt.datetime.combine(starts - dt.timedelta(days=1), dt.time(9, 30)))
                delegation_id = self.ids.next(Delegation)
                reason = "Annual leave"
                self.rows[Delegation].append(
                    (delegation_id, finance[0], managers[0], starts, ends, reason, finance[0], created, None)
                )
                self.event(
                    created,
                    self.ct[Delegation],
                    delegation_id,
                    f"Delegation #{delegation_id}: {self.names[finance[0]]} to {self.names[managers[0]]}, "
                    f"{starts} to {ends}",
                    "delegate",
                    strategy=None,
                    actor=finance[0],
                    reason=reason,
                    data={"deputy": managers[0], "starts_on": starts.isoformat(), "ends_on": ends.isoformat()},
                )

    # Strategies ---------------------------------------------------------------------------------------------------

    def plan_strategies(self) -> None:
        rng = self.rng
        leads = [org for org in self.orgs if org.kind in LEAD_KINDS]
        weights = [16 if org is self.council else 8 if org.kind == K.COUNTY_COUNCIL else 1 for org in leads]
        sequence: Counter = Counter()
        for _ in range(self.t.strategies):
            lead = rng.choices(leads, weights=weights)[0]
            area = pick(rng, COUNTY_AREAS if lead.kind == K.COUNTY_COUNCIL else DISTRICT_AREAS)
            sequence[(lead.code, area)] += 1
            reference = f"{lead.code}-{AREA_CODES[area]}-{sequence[(lead.code, area)]:04d}"
            title = rng.choice(TITLES[area])
            high = 6_000_000 if lead.kind == K.COUNTY_COUNCIL else 1_500_000
            annual = Decimal(round(math.exp(rng.uniform(math.log(12_000), math.log(high))) / 500) * 500)
            years = rng.choice([1, 2, 3, 3, 3, 4, 5, 5, 7])
            capital = Decimal(0)
            if rng.random() < (0.4 if area in (A.HIGHWAYS, A.ENVIRONMENT, A.HOUSING) else 0.05):
                capital = Decimal(round(math.exp(rng.uniform(math.log(200_000), math.log(8_000_000))) / 1000) * 1000)
            partners, pooled = self.choose_partners(lead, area)
            officers = lead.holders[Role.COMMISSIONING_OFFICER]
            officer_weights = [3 if lead is self.council and n == 0 else 1 for n in range(len(officers))]
            officer = rng.choices(officers, weights=officer_weights)[0]
            stage = pick(rng, STAGE_WEIGHTS)
            cycle = pick(rng, CYCLE_WEIGHTS)
            region_name = lead.name.replace(" County Council", "").replace(" District Council", "")
            summary = f"{title} across {region_name}, commissioned by {lead.name}" + (
                f" with {partners[0][0].name}." if partners else "."
            )
            plan = StrategyPlan(
                id=self.ids.next(Strategy),
                reference=reference,
                title=title,
                summary=summary,
                area=area,
                lead=lead,
                officer=officer,
                annual=annual,
                years=years,
                capital=capital,
                pooled=pooled,
                partners=partners,
                stage=stage,
                cycle=cycle,
                gates=[],
            )
            self.plan_gates(plan)
            self.plans.append(plan)

    def choose_partners(self, lead: Org, area: str) -> tuple[list[tuple[Org, str]], bool]:
        rng = self.rng
        region = self.regions[lead.region]
        icb = (region[K.ICB] or [None])[0]
        county = (region[K.COUNTY_COUNCIL] or [None])[0]
        trusts = region[K.NHS_TRUST]
        districts = [org for org in region[K.DISTRICT_COUNCIL] if org is not lead]
        others = region[K.VOLUNTARY_SECTOR] + region[K.PROVIDER] + region[K.PUBLIC_HEALTH]
        health = area in HEALTH_AREAS
        chosen: dict[int, tuple[Org, str]] = {}

        def add(org: Org | None, kind: str) -> None:
            if org is not None and org is not lead and org.id not in chosen:
                chosen[org.id] = (org, kind)

        pooled = rng.random() < (0.35 if health else 0.12)
        if pooled:
            if health and icb and rng.random() < 0.85:
                add(icb, PartnerKind.POOLED_BUDGET_CONTRIBUTOR)
            elif districts or trusts:
                add(rng.choice(districts or trusts), PartnerKind.POOLED_BUDGET_CONTRIBUTOR)
            if (trusts or districts) and rng.random() < 0.3:
                add(rng.choice(trusts + districts), PartnerKind.POOLED_BUDGET_CONTRIBUTOR)
            pooled = any(kind == PartnerKind.POOLED_BUDGET_CONTRIBUTOR for _org, kind in chosen.values())
        roll = rng.random()
        if health and roll < 0.45:
            add(icb, PartnerKind.CO_COMMISSIONER)
        elif roll < (0.75 if health else 0.15):
            add(icb, PartnerKind.CONSULTEE)
        if lead.kind == K.COUNTY_COUNCIL and districts and rng.random() < 0.2:
            add(rng.choice(districts), PartnerKind.CO_COMMISSIONER)
        if lead.kind == K.DISTRICT_COUNCIL and rng.random() < 0.3:
            add(county, PartnerKind.CO_COMMISSIONER)
        if health and trusts and rng.random() < 0.25:
            add(rng.choice(trusts), PartnerKind.CONSULTEE)
        for _ in range(rng.choice([0, 1, 1, 2, 2, 3])):
            if others:
                add(rng.choice(others), PartnerKind.CONSULTEE)
        return list(chosen.values()), pooled

    def plan_gates(self, plan: StrategyPlan) -> None:
        """The gates the strategy has reached: every earlier one passed, the current one in some state."""
        rng = self.rng
        reached = []
        for cycle in range(1, plan.cycle + 1):
            for stage in CYCLE_STAGES:
                reached.append((cycle, stage))
                if cycle == plan.cycle and stage == plan.stage:
                    break
        gates = [GatePlan(cycle, stage, False, []) for cycle, stage in reached]
        current = gates[-1]
        if plan.stage != Stage.CLOSED:
            current.state = pick(rng, DO_GATE_STATE_WEIGHTS if plan.stage == Stage.DO else GATE_STATE_WEIGHTS)
        plan.gates = gates
        self.refresh_specs(plan)
        if not current.key and current.state in (GateState.CALL_IN, GateState.CALLED_IN):
            current.state = GateState.SUBMITTED  # only a key decision has a call-in window
        for gate in gates:
            if gate.state != GateState.OPEN and rng.random() < RESUBMITTED_SHARE:
                gate.extra_rounds.append(len(gate.specs))

    def refresh_specs(self, plan: StrategyPlan) -> None:
        for gate in plan.gates:
            gate.key = self.policies.is_key(gate.stage, plan.lead, plan.total, plan.capital)
            gate.specs = self.policies.specs(gate.stage, plan, gate.key)
            gate.extra_rounds = [min(size, len(gate.specs)) for size in gate.extra_rounds]

    def ensure_member_queue(self) -> None:
        """Put strategies of the benchmark council forward to its executive members until `bench-member` has
        at least `targets.member_queue` seats waiting (a backlog the sign-off queue must cope with)."""
        rng = self.rng

        def waiting(plan: StrategyPlan) -> bool:
            gate = plan.current
            return gate.state == GateState.SUBMITTED and any(s.role == Role.EXECUTIVE_MEMBER for s in gate.specs)

        ours = [p for p in self.plans if p.lead is self.council and p.stage != Stage.CLOSED]
        count = sum(1 for p in ours if waiting(p))
        candidates = [p for p in ours if not waiting(p) and p.current.state in (GateState.SUBMITTED, GateState.OPEN)]
        rng.shuffle(candidates)
        candidates.sort(key=lambda p: p.current.state != GateState.SUBMITTED)  # already submitted ones first
        for plan in candidates:
            if count >= self.t.member_queue:
                break
            if plan.total < Decimal(500_000):
                plan.annual = Decimal(math.ceil(Decimal(600_000) / plan.years / 500) * 500)
            plan.current.state = GateState.SUBMITTED
            self.refresh_specs(plan)
            if waiting(plan):
                count += 1
        if count < self.t.member_queue:
            self.log(f"  note: only {count} seats could be put in the member's queue (wanted {self.t.member_queue})")

    def balance_seats(self) -> None:
        """Make the seat count exact: import strategies (drop their earlier gates) while there are too many, then
        give gates earlier, rejected rounds until there are enough."""
        rng = self.rng
        target = self.t.seats
        total = sum(p.seat_count() for p in self.plans)
        with_history = [p for p in self.plans if len(p.gates) > 1]
        rng.shuffle(with_history)
        while (total > target or target - total == 1) and with_history:
            plan = with_history.pop()
            before = plan.seat_count()
            plan.gates = [plan.current]
            plan.imported = True
            total += plan.seat_count() - before
            self.imported += 1
        if total > target:
            raise BenchDataError(
                f"{self.t.strategies:,} strategies need at least {total:,} seats in their current gates; "
                f"{target:,} is too few."
            )
        eligible = [g for p in self.plans for g in p.gates if g.state != GateState.OPEN and len(g.specs) >= 2]
        if total < target and not eligible:
            raise BenchDataError("No gate has been submitted, so no seats can be added.")
        attempts = 0
        while total < target:
            attempts += 1
            if attempts > 10 * target + 1000:
                raise BenchDataError(f"Could not make exactly {target:,} seats (stuck at {total:,}).")
            missing = target - total
            if missing == 1:  # an earlier round that had one seat fewer than the gate has now gets it back
                grown = next(
                    (g for g in eligible if any(size < len(g.specs) for size in g.extra_rounds)),
                    None,
                )
                if grown is None:
                    raise BenchDataError(f"Could not make exactly {target:,} seats (one short).")
                at = next(i for i, size in enumerate(grown.extra_rounds) if size < len(grown.specs))
                grown.extra_rounds[at] += 1
                total += 1
                continue
            gate = rng.choice(eligible)
            n = len(gate.specs)
            size = missing if missing <= n else (n if missing - n != 1 else n - 1)
            if size < 2:
                continue
            gate.extra_rounds.append(size)
            total += size

    # Timing -----------------------------------------------------------------------------------------------------

    def schedule(self, plan: StrategyPlan) -> tuple[list[GateTimes], dt.datetime | None]:
        """When each gate's stage was entered, submitted (each round) and finished, worked backwards from now."""
        rng, now = self.rng, self.now
        closed_at = now - days(rng.uniform(5, 400)) if plan.stage == Stage.CLOSED else None
        end = closed_at
        times: list[GateTimes] = []
        for gate in reversed(plan.gates):
            anchor = final_submit = None
            span = (rng.uniform(32, 55) if gate.key else rng.uniform(8, 40)) if gate.state != GateState.OPEN else 0
            if end is not None:  # a passed gate the strategy has moved on from
                anchor = end - days(rng.uniform(0.05, 3))
                final_submit = anchor - days(span)
            elif gate.state == GateState.SUBMITTED:
                final_submit = now - days(0.3 + 40 * rng.random() ** 2)  # about 40% of waiting seats overdue
            elif gate.state == GateState.PASSED:
                anchor = now - days(rng.uniform(0.05, 10))
                final_submit = anchor - days(span)
            elif gate.state == GateState.CALL_IN:
                anchor = now - days(rng.uniform(0.05, 3))
                final_submit = anchor - days(rng.uniform(30, 50))
            elif gate.state == GateState.CALLED_IN:
                anchor = now - days(rng.uniform(3, 6))
                final_submit = anchor - days(rng.uniform(30, 50))
            elif gate.state in (GateState.REJECTED, GateState.WITHDRAWN):
                anchor = now - days(rng.uniform(0.5, 30))
                final_submit = anchor - days(rng.uniform(2, 15))
            low, high = WORK_DAYS[gate.stage]
            if final_submit is None:
                submits = []
                entered = now - days(rng.uniform(2, high))
            else:
                submits = [final_submit]
                for _ in gate.extra_rounds:
                    submits.insert(0, submits[0] - days(rng.uniform(12, 35)))
                entered = submits[0] - days(rng.uniform(low, high))
            times.append(GateTimes(entered, submits, anchor, end))
            end = entered
        times.reverse()
        return times, closed_at

    # Rows and events -----------------------------------------------------------------------------------------------

    def build_strategy(self, plan: StrategyPlan) -> None:
        rng = self.rng
        times, closed_at = self.schedule(plan)
        sid = plan.id
        officer = plan.officer
        strategy_repr = f"{plan.reference}: {plan.title}"
        created_at = times[0].entered
        self.event(
            created_at,
            self.ct[Strategy],
            sid,
            strategy_repr,
            "create",
            strategy=sid,
            actor=officer,
            to_state=plan.gates[0].stage,
            data={"reference": plan.reference, **({"imported": True} if plan.imported else {})},
        )
        for org, kind in plan.partners:
            self.rows[StrategyPartner].append((self.ids.next(StrategyPartner), sid, org.id, kind))

        cycle_evidence: dict[int, list[dict]] = defaultdict(list)
        previous: tuple[GatePlan, str] | None = None
        delivery_channel = recommendation = ""
        next_review_date = None
        gate_id = None
        for index, (gate, when) in enumerate(zip(plan.gates, times, strict=True)):
            entered = when.entered + dt.timedelta(seconds=1) if index == 0 else when.entered
            if previous is not None:
                before, before_hash = previous
                name = ADVANCE_NAMES[(before.stage, gate.stage)]
                system = name == "begin_review" and rng.random() < 0.5  # the review-cycle sweep moved it
                self.event(
                    entered,
                    self.ct[Strategy],
                    sid,
                    strategy_repr,
                    name,
                    strategy=sid,
                    actor=None if system else officer,
                    from_state=before.stage,
                    to_state=gate.stage,
                    snapshot_hash=before_hash,
                )
            if gate.stage == Stage.ANALYSE:
                recommendation = ""
                next_review_date = None
            if gate.stage == Stage.DO:
                next_review_date = self.local_date(entered) + dt.timedelta(days=365)
            is_last = index == len(plan.gates) - 1
            left_at = when.advance
            self.rows[StagePeriod].append((self.ids.next(StagePeriod), sid, gate.cycle, gate.stage, entered, left_at))
            gate_id, gate_hash, channel, recommended = self.build_gate(
                plan, gate, when, entered, cycle_evidence[gate.cycle], is_last=is_last
            )
            delivery_channel = channel or delivery_channel
            recommendation = recommended or recommendation
            previous = (gate, gate_hash)
        if closed_at is not None:
            before, before_hash = previous
            self.event(
                closed_at,
                self.ct[Strategy],
                sid,
                strategy_repr,
                "decommission",
                strategy=sid,
                actor=officer,
                from_state=Stage.REVIEW,
                to_state=Stage.CLOSED,
                snapshot_hash=before_hash,
            )
        stage_entered_at = closed_at or times[-1].entered
        self.strategy_rows[sid] = [
            sid,
            plan.reference,
            plan.title,
            plan.summary,
            plan.area,
            plan.lead.id,
            officer,
            plan.annual,
            plan.total,
            plan.capital,
            plan.pooled,
            plan.stage,
            plan.cycle,
            stage_entered_at,
            delivery_channel,
            recommendation,
            next_review_date,
            3,
            gate_id,
            None,  # version, once every event is known
            created_at,
            None,  # updated_at, likewise
        ]

    def build_gate(
        self,
        plan: StrategyPlan,
        gate: GatePlan,
        when: GateTimes,
        entered: dt.datetime,
        cycle_evidence: list[dict],
        *,
        is_last: bool,
    ) -> tuple[int, str, str, str]:
        """The gate, its evidence, snapshots, seats, decisions and their events. Returns the gate's id, its
        snapshot hash, and the delivery channel and recommendation it settled (or "")."""
        rng, now = self.rng, self.now
        sid, officer = plan.id, plan.officer
        gate_id = self.ids.next(Gate)
        stage_label = Stage(gate.stage).label
        title = f"{stage_label} gate, cycle {gate.cycle}: {plan.title}"[:300]
        gate_ct = self.ct[Gate]
        version = 1
        state = gate.state

        def gate_repr(state_now: str) -> str:
            return f"Gate #{gate_id}: {title} ({GateState(state_now).label})"

        def gate_event(at, transition, from_state, to_state, actor, **extra) -> None:
            nonlocal version
            version += 1
            self.event(
                at,
                gate_ct,
                gate_id,
                gate_repr(to_state or from_state or GateState.OPEN),
                transition,
                strategy=sid,
                actor=actor,
                from_state=from_state,
                to_state=to_state,
                **extra,
            )

        gate_event(entered + dt.timedelta(seconds=1), "create", "", GateState.OPEN, officer)
        version = 1  # creating is not a change

        # Evidence: complete before the first submission; partly done while the gate is still open.
        work_end = when.submits[0] if when.submits else now
        evidence_items = []
        for template_id, code, template_title, required, position in self.templates[gate.stage]:
            evidence_id = self.ids.next(Evidence)
            item_repr = f"{plan.reference} cycle {gate.cycle} {stage_label}: {template_title}"
            if when.submits:
                status = EvidenceStatus.COMPLETE if required or rng.random() < 0.7 else EvidenceStatus.IN_PROGRESS
            else:
                status = rng.choices(
                    [EvidenceStatus.COMPLETE, EvidenceStatus.IN_PROGRESS, EvidenceStatus.NOT_STARTED], [4, 3, 3]
                )[0]
            completed_at = None
            updated_at = entered
            if status != EvidenceStatus.NOT_STARTED:
                updated_at = self.between(entered, work_end - dt.timedelta(seconds=60))
                self.event(
                    updated_at,
                    self.ct[Evidence],
                    evidence_id,
                    item_repr,
                    "update",
                    strategy=sid,
                    actor=officer,
                    from_state=EvidenceStatus.IN_PROGRESS if rng.random() < 0.5 else EvidenceStatus.NOT_STARTED,
                    to_state=status,
                )
                if status == EvidenceStatus.COMPLETE:
                    completed_at = updated_at
            content = (
                f"{template_title} for {plan.title}, cycle {gate.cycle}: agreed at the commissioning board."
                if status == EvidenceStatus.COMPLETE
                else f"{template_title}: drafting."
                if status == EvidenceStatus.IN_PROGRESS
                else ""
            )
            self.rows[Evidence].append(
                (
                    evidence_id,
                    sid,
                    gate.cycle,
                    gate.stage,
                    template_id,
                    template_title,
                    required,
                    position,
                    status,
                    content,
                    "",
                    officer if completed_at else None,
                    completed_at,
                    updated_at,
                )
            )
            evidence_items.append((evidence_id, item_repr))
            cycle_evidence.append(
                {
                    "stage": gate.stage,
                    "code": code,
                    "title": template_title,
                    "required": required,
                    "status": status,
                    "content": content,
                    "link": "",
                    "completed_by": self.names[officer] if completed_at else None,
                    "completed_at": completed_at.isoformat() if completed_at else None,
                }
            )
        self.windows.append((entered, work_end, sid, officer, evidence_items))

        channel = rng.choice(list(DeliveryChannel.values)[:4]) if gate.stage == Stage.PLAN and when.submits else ""
        recommended = ""
        if gate.stage == Stage.REVIEW and when.submits:
            if plan.stage == Stage.CLOSED and is_last:
                recommended = Recommendation.DECOMMISSION
            elif is_last:
                recommended = rng.choice(list(Recommendation.values))
            else:
                recommended = rng.choice([Recommendation.RECOMMISSION, Recommendation.VARY])

        # Key decisions: a forward-plan notice before the decision.
        notice = intended = not_before = None
        if gate.key and when.submits:
            notice_at = when.submits[-1] - days(rng.uniform(0, 10))
            if when.anchor is not None and state not in (GateState.REJECTED, GateState.WITHDRAWN):
                approval = when.anchor - days(12) if state == GateState.PASSED else when.anchor
                notice_at = min(notice_at, approval - days(30))
            notice_at = max(notice_at, entered + dt.timedelta(minutes=5))
            notice = self.local_date(notice_at)
            not_before = notice + dt.timedelta(days=29)
            intended = not_before + dt.timedelta(days=rng.randint(0, 14))
            gate_event(
                notice_at,
                "publish_forward_plan_notice",
                "",
                "",
                officer,
                data={"notice_published_on": notice.isoformat(), "intended_decision_date": intended.isoformat()},
            )

        snapshot_hash = ""
        submitted_at = decided_at = passed_at = call_in_ends_at = called_in_at = None
        called_in_by = None
        call_in_reason = ""
        rounds = len(when.submits)
        for round_no, submit_at in enumerate(when.submits, start=1):
            final = round_no == rounds
            if round_no > 1:
                reason = "Revised and resubmitted"
                gate_event(submit_at, "reopen", GateState.REJECTED, GateState.OPEN, officer, reason=reason)
            content = self.snapshot(plan, gate, cycle_evidence, round_no, channel, recommended)
            snapshot_hash = content_hash(content)
            self.rows[GateSnapshot].append(
                (self.ids.next(GateSnapshot), gate_id, round_no, content, snapshot_hash, submit_at, officer)
            )
            gate_event(
                submit_at + dt.timedelta(seconds=1),
                "submit",
                GateState.OPEN,
                GateState.SUBMITTED,
                officer,
                snapshot_hash=snapshot_hash,
            )
            submitted_at = submit_at
            specs = gate.specs if final else gate.specs[: gate.extra_rounds[round_no - 1]]
            outcome = state if final else GateState.REJECTED
            if outcome == GateState.PASSED and gate.key:
                end = when.anchor - days(12)
            elif final and when.anchor is not None:  # passed, in or after the call-in window, rejected, withdrawn
                end = when.anchor
            elif final:
                end = now - dt.timedelta(minutes=5)
            else:
                end = min(when.submits[round_no] - days(1), submit_at + days(rng.uniform(2, 10)))
            version, last_at, last_actor = self.build_round(
                plan, gate, gate_id, round_no, specs, outcome, submit_at, end, snapshot_hash, not_before, version,
                gate_event,
            )  # fmt: skip
            if outcome == GateState.REJECTED:
                decided_at = last_at
            elif outcome == GateState.WITHDRAWN:
                gate_event(
                    last_at,
                    "withdraw",
                    GateState.SUBMITTED,
                    GateState.WITHDRAWN,
                    officer,
                    reason=rng.choice(WITHDRAW_REASONS),
                    snapshot_hash=snapshot_hash,
                )
            elif outcome in (GateState.PASSED, GateState.CALL_IN, GateState.CALLED_IN):
                decided_at = last_at
                common = {"snapshot_hash": snapshot_hash}
                gate_event(last_at, "approve", GateState.SUBMITTED, GateState.APPROVED, last_actor, **common)
                if gate.key:
                    last_day = self.working_days_after(self.local_date(last_at), plan.lead.call_in_days)
                    call_in_ends_at = timezone.make_aware(
                        dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time.min)
                    )
                    gate_event(last_at, "open_call_in", GateState.APPROVED, GateState.CALL_IN, last_actor, **common)
                    if outcome == GateState.PASSED:
                        passed_at = min(call_in_ends_at + days(rng.uniform(0.001, 0.05)), when.anchor)
                        gate_event(
                            passed_at,
                            "close_call_in",
                            GateState.CALL_IN,
                            GateState.PASSED,
                            None,
                            reason="Call-in window closed without a call-in",
                            **common,
                        )
                    elif outcome == GateState.CALLED_IN:
                        called_in_at = min(last_at + days(rng.uniform(0.5, 2.5)), now - days(0.1))
                        called_in_by = rng.choice(plan.lead.holders[Role.SCRUTINY_MEMBER])
                        call_in_reason = rng.choice(CALL_IN_REASONS)
                        gate_event(
                            called_in_at,
                            "call_in",
                            GateState.CALL_IN,
                            GateState.CALLED_IN,
                            called_in_by,
                            reason=call_in_reason,
                            **common,
                        )
                else:
                    passed_at = last_at
                    gate_event(last_at, "pass_gate", GateState.APPROVED, GateState.PASSED, last_actor, **common)

        updated_at = max([entered, *[t for t in (submitted_at, decided_at, passed_at, called_in_at) if t]])
        self.rows[Gate].append(
            (
                gate_id,
                self.ct[Strategy],
                sid,
                gate.stage,
                gate.cycle,
                title,
                state,
                version,
                rounds,
                snapshot_hash,
                submitted_at,
                officer if submitted_at else None,
                decided_at,
                passed_at,
                gate.key and bool(when.submits),
                notice,
                intended,
                not_before,
                "",
                None,
                None,
                plan.lead.call_in_days,
                call_in_ends_at,
                called_in_at,
                called_in_by,
                call_in_reason,
                entered,
                updated_at,
            )
        )
        return gate_id, snapshot_hash, channel, recommended

    def build_round(
        self,
        plan: StrategyPlan,
        gate: GatePlan,
        gate_id: int,
        round_no: int,
        specs: list[Spec],
        outcome: str,
        start: dt.datetime,
        end: dt.datetime,
        snapshot_hash: str,
        not_before: dt.date | None,
        version: int,
        gate_event: Callable,
    ) -> tuple[int, dt.datetime, int]:
        """One submission's seats: which are decided, how, and when. Returns the gate's version, the time of
        the round's last change and who made it."""
        rng = self.rng
        officer = plan.officer
        submit_day = self.local_date(start)
        executive = [s for s in specs if s.role == Role.EXECUTIVE_MEMBER]
        others = [s for s in specs if s.role != Role.EXECUTIVE_MEMBER]
        if outcome in (GateState.PASSED, GateState.CALL_IN, GateState.CALLED_IN):
            approving = others + executive  # the executive member decides last
            rejecting = None
        elif outcome == GateState.SUBMITTED:
            limit = len(others) if executive else len(others) - 1
            approving = others[: rng.randint(0, max(limit, 0))]
            rejecting = None
        elif outcome == GateState.WITHDRAWN:
            approving = others[: rng.randint(0, max(len(others) - 1, 0))]
            rejecting = None
        else:  # rejected: some approve, then one rejects; the rest are cancelled
            pool = others or specs
            rejecting = rng.choice(pool)
            approving = [s for s in pool if s is not rejecting and rng.random() < 0.4]
        deciding = [*approving, *([rejecting] if rejecting else [])]
        moments = dict(zip(map(id, deciding), self.spaced(start + days(0.02), end, len(deciding)), strict=True))
        if executive and not_before is not None:
            earliest = timezone.make_aware(dt.datetime.combine(not_before, dt.time(10)))
            for spec in executive:
                if id(spec) in moments and moments[id(spec)] < earliest:
                    moments[id(spec)] = min(max(earliest, start), end)
        if approving and outcome in (GateState.PASSED, GateState.CALL_IN, GateState.CALLED_IN):
            moments[id(approving[-1])] = end  # the last approval approves the gate
        last_at, last_actor = end, officer
        cancelled_at, rejection_reasons = end, ""
        rows = []
        for spec in specs:
            seat_id = self.ids.next(Seat)
            due_on = self.working_days_after(submit_day, spec.due_days)
            if spec.record and not_before is not None and not_before > due_on:
                due_on = not_before
            seat_state, decided = SeatState.PENDING, None
            if id(spec) in moments:
                at = moments[id(spec)]
                reject = spec is rejecting
                seat_outcome = (
                    DecisionOutcome.REJECT
                    if reject
                    else DecisionOutcome.APPROVE_WITH_CONDITIONS
                    if rng.random() < 0.08
                    else DecisionOutcome.APPROVE
                )
                actor, reasons = self.decide(
                    plan, gate_id, seat_id, spec, at, seat_outcome, snapshot_hash, Stage(gate.stage).label
                )
                version += 1
                seat_state = SeatState.REJECTED if reject else SeatState.APPROVED
                decided = at
                transition = "reject" if reject else "approve"
                self.event(
                    at + dt.timedelta(seconds=1),
                    self.ct[Seat],
                    seat_id,
                    f"Seat #{seat_id}: {spec.label} on gate #{gate_id} ({SeatState(seat_state).label})",
                    transition,
                    strategy=plan.id,
                    actor=actor,
                    from_state=SeatState.PENDING,
                    to_state=seat_state,
                    reason=reasons if reject else "",
                    snapshot_hash=snapshot_hash,
                )
                if at >= last_at or spec is rejecting:
                    last_at, last_actor = at, actor
                if reject:
                    cancelled_at, rejection_reasons = at, reasons
            elif outcome in (GateState.REJECTED, GateState.WITHDRAWN):
                seat_state = SeatState.CANCELLED
            rows.append(
                (
                    seat_id,
                    gate_id,
                    round_no,
                    spec.role,
                    spec.org.id,
                    None,
                    spec.label,
                    spec.required,
                    spec.record,
                    seat_state,
                    due_on,
                    decided,
                    start,
                )
            )
        if outcome == GateState.REJECTED or outcome == GateState.WITHDRAWN:
            at = cancelled_at if outcome == GateState.REJECTED else end
            actor = last_actor if outcome == GateState.REJECTED else officer
            reason = "Another seat rejected the gate" if outcome == GateState.REJECTED else "Gate withdrawn"
            for row in rows:
                if row[9] == SeatState.CANCELLED:
                    self.event(
                        at + dt.timedelta(seconds=2),
                        self.ct[Seat],
                        row[0],
                        f"Seat #{row[0]}: {row[6]} on gate #{gate_id} (Not needed (gate closed))",
                        "cancel",
                        strategy=plan.id,
                        actor=actor,
                        from_state=SeatState.PENDING,
                        to_state=SeatState.CANCELLED,
                        reason=reason,
                    )
            if outcome == GateState.REJECTED:
                gate_event(
                    at + dt.timedelta(seconds=3),
                    "reject",
                    GateState.SUBMITTED,
                    GateState.REJECTED,
                    actor,
                    reason=rejection_reasons,
                    snapshot_hash=snapshot_hash,
                )
                last_at = at + dt.timedelta(seconds=3)
            else:
                last_at = end
        self.rows[Seat].extend(rows)
        return version, last_at, last_actor

    def decide(
        self,
        plan: StrategyPlan,
        gate_id: int,
        seat_id: int,
        spec: Spec,
        at: dt.datetime,
        outcome: str,
        snapshot_hash: str,
        stage_label: str,
    ) -> tuple[int, str]:
        """The seat's decisions (a panel needs several holders), with records and actions. Returns the last actor
        and the reasons given."""
        rng = self.rng
        candidates = [u for u in spec.org.holders.get(spec.role, []) if u != plan.officer]
        if not candidates:
            raise BenchDataError(f"Nobody but the submitter holds {spec.label}; cannot decide it.")
        deciders = rng.sample(candidates, min(max(spec.required, 1), len(candidates)))
        reasons = ""
        if outcome == DecisionOutcome.REJECT:
            reasons = rng.choice(REJECTION_REASONS)
        elif outcome == DecisionOutcome.APPROVE_WITH_CONDITIONS:
            reasons = "Approved subject to the conditions recorded."
        for n, actor in enumerate(deciders):
            when = at - dt.timedelta(minutes=len(deciders) - 1 - n)
            decision_id = self.ids.next(Decision)
            self.rows[Decision].append(
                (decision_id, seat_id, gate_id, actor, None, actor, outcome, reasons, snapshot_hash, when)
            )
            self.event(
                when,
                self.ct[Decision],
                decision_id,
                f"Decision #{decision_id}: {DecisionOutcome(outcome).label} on seat #{seat_id}",
                "decide",
                strategy=plan.id,
                actor=actor,
                to_state=outcome,
                reason=reasons,
                snapshot_hash=snapshot_hash,
                data={"seat": seat_id, "seat_label": spec.label},
            )
            if spec.record and outcome != DecisionOutcome.REJECT:
                self.rows[RecordOfDecision].append(
                    (
                        self.ids.next(RecordOfDecision),
                        decision_id,
                        f"To agree the {stage_label} gate of {plan.title} ({plan.reference}) as submitted.",
                        f"The evidence is complete and robust; the total contract value of £{plan.total:,.0f} is "
                        "within the medium-term financial plan.",
                        "Do nothing: rejected, as the council would not meet its duties. Delay a year: rejected, as "
                        "the current arrangements end.",
                        "None declared.",
                        "",
                    )
                )
            if outcome == DecisionOutcome.APPROVE_WITH_CONDITIONS:
                self.add_action(plan, gate_id, decision_id, actor, when)
        return deciders[-1], reasons

    def add_action(self, plan: StrategyPlan, gate_id: int, decision_id: int, actor: int, at: dt.datetime) -> None:
        rng = self.rng
        action_id = self.ids.next(Action)
        description = rng.choice(CONDITIONS)
        due_on = self.local_date(at) + dt.timedelta(days=rng.randint(20, 120))
        state, completed_at = ActionState.OPEN, None
        action_repr = f"Action #{action_id}: {description[:60]} (due {due_on:%d %b %Y})"
        self.event(
            at + dt.timedelta(seconds=2),
            self.ct[Action],
            action_id,
            action_repr,
            "create",
            strategy=plan.id,
            actor=actor,
            to_state=ActionState.OPEN,
        )
        if due_on < self.today and rng.random() < 0.8:
            state = ActionState.DONE
            done_by = timezone.make_aware(dt.datetime.combine(due_on, dt.time(16)))
            completed_at = self.between(at + days(1), min(done_by, self.now - days(0.1)))
            self.event(
                completed_at,
                self.ct[Action],
                action_id,
                action_repr,
                "complete",
                strategy=plan.id,
                actor=plan.officer,
                from_state=ActionState.OPEN,
                to_state=ActionState.DONE,
            )
        self.rows[Action].append(
            (action_id, gate_id, decision_id, description, plan.officer, due_on, state, completed_at, at)
        )

    def snapshot(
        self,
        plan: StrategyPlan,
        gate: GatePlan,
        cycle_evidence: list[dict],
        round_no: int,
        channel: str,
        recommended: str,
    ) -> dict:
        """What `services.strategy_snapshot` freezes: the strategy and its evidence for the cycle."""
        summary = plan.summary if round_no == 1 else f"{plan.summary} Revised after sign-off (submission {round_no})."
        return {
            "strategy": {
                "reference": plan.reference,
                "title": plan.title,
                "summary": summary,
                "service_area": plan.area,
                "lead_organisation": plan.lead.name,
                "lead_officer": self.names[plan.officer],
                "annual_value": f"{plan.annual:.2f}",
                "total_contract_value": f"{plan.total:.2f}",
                "capital_value": f"{plan.capital:.2f}",
                "pooled_budget": plan.pooled,
                "delivery_channel": channel,
                "recommendation": recommended,
                "next_review_date": None,
                "partners": [
                    {"organisation": org.name, "organisation_id": org.id, "kind": kind}
                    for org, kind in sorted(plan.partners, key=lambda p: p[0].name)
                ],
            },
            "stage": gate.stage,
            "cycle": gate.cycle,
            "evidence": list(cycle_evidence),
        }

    def build(self) -> None:
        for plan in self.plans:
            self.build_strategy(plan)

    def fill_audit_trail(self) -> None:
        """Evidence and strategy edits during each stage's working time, up to the exact number of events."""
        rng = self.rng
        missing = self.t.audit_events - len(self.events)
        if missing < 0:
            raise BenchDataError(
                f"This shape needs at least {len(self.events):,} audit events; {self.t.audit_events:,} is too few."
            )
        if missing == 0:
            return
        weights = []
        total = 0.0
        for start, end, *_rest in self.windows:
            total += max((end - start).total_seconds() / 86400, 1.0)
            weights.append(total)
        for start, end, sid, officer, items in rng.choices(self.windows, cum_weights=weights, k=missing):
            at = self.between(start + dt.timedelta(seconds=30), end - dt.timedelta(seconds=30))
            if items and rng.random() < 0.8:
                evidence_id, item_repr = rng.choice(items)
                self.event(
                    at,
                    self.ct[Evidence],
                    evidence_id,
                    item_repr,
                    "update",
                    strategy=sid,
                    actor=officer,
                    from_state=EvidenceStatus.IN_PROGRESS,
                    to_state=EvidenceStatus.IN_PROGRESS,
                )
            else:
                plan_row = self.strategy_rows[sid]
                changed = rng.choice(UPDATED_FIELDS)
                self.event(
                    at,
                    self.ct[Strategy],
                    sid,
                    f"{plan_row[1]}: {plan_row[2]}",
                    "update",
                    strategy=sid,
                    actor=officer,
                    data={"changes": {changed: {"from": "(earlier draft)", "to": "(revised)"}}},
                )

    def finish_strategies(self) -> None:
        for sid, row in self.strategy_rows.items():
            row[19] = 1 + self.strategy_events[sid]
            row[21] = self.strategy_last.get(sid, row[20])
            self.rows[Strategy].append(tuple(row))

    def audit_rows(self) -> Iterable[tuple]:
        """The events in time order, numbered. Not a generator itself: the first id is read from the database
        now, before a COPY holds the connection (a query during COPY would wait for ever)."""
        self.events.sort(key=lambda e: (e[0], e[1]))
        return self._numbered(self.ids.next(AuditEvent))

    def _numbered(self, first: int) -> Iterable[tuple]:
        strategy_type = self.ct[Strategy]
        for n, e in enumerate(self.events):
            at, _seq, actor, on_behalf_of, object_type, object_id, object_repr, strategy, *rest = e
            yield (
                first + n,
                at,
                actor,
                on_behalf_of,
                object_type,
                object_id,
                object_repr,
                strategy_type if strategy is not None else None,
                strategy,
                *rest,
            )


# --------------------------------------------------------------------------------------------------------------
# The entry points
# --------------------------------------------------------------------------------------------------------------


def check_empty() -> None:
    """Refuse a database that already has strategies or benchmark rows: bench_data only fills an empty one."""
    strategies = Strategy.objects.count()
    clashes = User.objects.filter(username__startswith=USER_PREFIX).count()
    if strategies or clashes:
        found = ", ".join(
            part
            for part in (
                f"{strategies:,} strategies" if strategies else "",
                f"{clashes:,} people named {USER_PREFIX}…" if clashes else "",
            )
            if part
        )
        raise BenchDataError(
            f"This database ({connection.vendor} {connection.settings_dict['NAME']!r}) already has {found}. "
            "bench_data only fills an empty database, and the audit trail it writes is append-only (it cannot be "
            "deleted), so it never clears one: create a fresh database and migrate it, for example\n"
            "  psql -h 127.0.0.1 -U postgres -c 'CREATE DATABASE commissioning_bench'\n"
            "  DATABASE_URL=postgres://postgres:postgres@127.0.0.1:5432/commissioning_bench "
            "python manage.py migrate\n"
            "and run bench_data there."
        )


def generate(
    scale: float | None = 1.0,
    *,
    seed: int = DEFAULT_SEED,
    targets: Targets | None = None,
    log: Callable[[str], None] | None = None,
) -> BenchData:
    """Fill an empty, migrated database with benchmark data at `scale` (or exact `targets`) in one transaction, and
    return the well-known actors, a fresh API token for the benchmark partner, and the counts."""
    log = log or (lambda line: None)
    if targets is None:
        targets = Targets.for_scale(scale)
    else:
        scale = None
    if targets.organisations < MIN_ORGANISATIONS or targets.strategies < 1:
        raise BenchDataError(f"Need at least {MIN_ORGANISATIONS} organisations and one strategy.")
    check_columns()
    started = time.perf_counter()
    phases: dict[str, float] = {}

    def done(phase: str, since: float, detail: str = "") -> float:
        now = time.perf_counter()
        phases[phase] = round(now - since, 2)
        log(f"  {phase:<20} {detail:>14} {now - since:7.2f} s")
        return now

    with transaction.atomic():
        check_empty()
        log(
            f"Generating on {connection.vendor} {connection.settings_dict['NAME']!r} (seed {seed}): "
            f"{targets.organisations:,} organisations, {targets.strategies:,} strategies, {targets.seats:,} seats, "
            f"{targets.audit_events:,} audit events"
        )
        step = time.perf_counter()
        gen = Generator(targets, seed=seed, log=log)
        gen.plan_organisations()
        gen.plan_people()
        gen.plan_strategies()
        gen.ensure_member_queue()
        gen.balance_seats()
        step = done("plan", step, f"{gen.imported:,} imported")
        gen.build()
        gen.fill_audit_trail()
        gen.finish_strategies()
        step = done("build rows", step, f"{sum(len(r) for r in gen.rows.values()) + len(gen.events):,} rows")
        audit_rows = gen.audit_rows()
        step = done("order audit trail", step)
        writer = Writer(log)
        for model in WRITE_ORDER:
            writer.write(model, audit_rows if model is AuditEvent else gen.rows.pop(model, []))
        gen.events = []
        step = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in connection.ops.sequence_reset_sql(no_style(), WRITE_ORDER):
                cursor.execute(sql)
            if connection.vendor == "postgresql":
                cursor.execute("ANALYZE")  # fresh statistics, as autovacuum would give a real database
        step = done("sequences, ANALYZE", step)

        from commissioning.management.commands.api_token import service_account

        partner_org = Organisation.objects.get(pk=gen.partner.id)
        account = service_account(partner_org)
        _, token = AuthToken.objects.create(user=account)
        member = User.objects.get(username=MEMBER_USERNAME)
        officer = User.objects.get(username=OFFICER_USERNAME)
        waiting = selectors.seats_awaiting(member).count()
        visible = selectors.strategies_visible_to(account).count()
        led = Strategy.objects.filter(lead_officer=officer).count()
        counts = {key: model._default_manager.count() for model, key in TABLE_KEYS.items()}
        counts["api_tokens"] = AuthToken.objects.filter(user=account).count()
        step = done("token and counts", step)
    done("commit", step, "(deferred FKs)" if connection.vendor == "postgresql" else "")
    seconds = {**phases, **writer.seconds, "total": round(time.perf_counter() - started, 2)}
    council = gen.council
    return BenchData(
        scale=scale,
        seed=seed,
        database_vendor=connection.vendor,
        database_name=str(connection.settings_dict["NAME"]),
        generated_at=gen.now.isoformat(),
        password=BENCH_PASSWORD,
        member_username=MEMBER_USERNAME,
        member_password=BENCH_PASSWORD,
        member_id=member.pk,
        officer_username=OFFICER_USERNAME,
        officer_password=BENCH_PASSWORD,
        officer_id=officer.pk,
        partner_username=PARTNER_USERNAME,
        partner_password=BENCH_PASSWORD,
        partner_organisation_id=partner_org.pk,
        partner_organisation_code=partner_org.code,
        partner_organisation_name=partner_org.name,
        partner_service_account=account.username,
        api_token=token,
        council_organisation_id=council.id,
        council_organisation_code=council.code,
        council_organisation_name=council.name,
        actors=dict(sorted(gen.actors.items())),
        member_waiting_seats=waiting,
        officer_led_strategies=led,
        partner_visible_strategies=visible,
        imported_strategies=gen.imported,
        targets=asdict(targets),
        counts=counts,
        seconds=seconds,
    )
