"""`manage.py seed_demo`: load a fictional county, its partners, people in every role and 17 strategies.

Every change of state goes through `commissioning.services`, so the demo has the same audit trail, snapshots and
seats as real use. History is made by moving the clock (time-machine): a gate submitted "30 days ago" really was.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from commissioning import services
from commissioning.models import (
    DeliveryChannel,
    EvidenceStatus,
    Organisation,
    OrganisationKind,
    PartnerKind,
    Recommendation,
    Role,
    RoleAssignment,
    ServiceArea,
    Stage,
    Strategy,
    User,
)
from workflows.models import Decision, DecisionOutcome, Gate, Seat, SeatState
from workflows.services import ConditionSpec, RecordSpec

DEMO_PASSWORD = "demo-password-2026"  # noqa: S105 - published in the help text: demo accounts only
ADMIN_URL = "http://127.0.0.1:8000/admin/"
SIGN_IN_URL = "http://127.0.0.1:8000/accounts/login/"
COUNTY = "MCC"
ROLES_SINCE = dt.date(2022, 4, 1)  # before any demo history, so every role is held on every day it needs
REVIEW_AFTER_DAYS = 365  # a strategy entering Do is reviewed a year later
K = 1_000

# --------------------------------------------------------------------------------------------------------------
# Organisations and people
# --------------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrganisationRow:
    code: str
    name: str
    kind: str


ORGANISATIONS = [
    OrganisationRow(COUNTY, "Midshire County Council", OrganisationKind.COUNTY_COUNCIL),
    OrganisationRow("MICB", "Midshire Integrated Care Board", OrganisationKind.ICB),
    OrganisationRow("MCHT", "Midshire Community Health NHS Trust", OrganisationKind.NHS_TRUST),
    OrganisationRow("RDC", "Riverside District Council", OrganisationKind.DISTRICT_COUNCIL),
    OrganisationRow("MVA", "Midshire Voluntary Action", OrganisationKind.VOLUNTARY_SECTOR),
]


@dataclass(frozen=True)
class PersonRow:
    username: str
    first_name: str
    last_name: str
    job_title: str
    organisation: str
    roles: tuple[str, ...]


PEOPLE = [
    PersonRow("officer", "Priya", "Shah", "Commissioning Officer", COUNTY, (Role.COMMISSIONING_OFFICER,)),
    PersonRow("officer2", "Tom", "Hughes", "Senior Commissioning Officer", COUNTY, (Role.COMMISSIONING_OFFICER,)),
    PersonRow("manager", "Helen", "Carter", "Head of Commissioning", COUNTY, (Role.COMMISSIONING_MANAGER,)),
    PersonRow("finance", "David", "Okafor", "Finance Business Partner", COUNTY, (Role.FINANCE,)),
    PersonRow("legal", "Sarah", "Whitfield", "Senior Solicitor, Contracts", COUNTY, (Role.LEGAL,)),
    PersonRow("procurement", "Gareth", "Lloyd", "Category Manager, Procurement", COUNTY, (Role.PROCUREMENT,)),
    PersonRow(
        "member",
        "Margaret",
        "Ellis",
        "Councillor, Executive Member for Adult Care, Health and Children's Services",
        COUNTY,
        (Role.EXECUTIVE_MEMBER,),
    ),
    PersonRow(
        "member2",
        "James",
        "Porter",
        "Councillor, Executive Member for Highways, Environment and Communities",
        COUNTY,
        (Role.EXECUTIVE_MEMBER,),
    ),
    PersonRow(
        "scrutiny", "Aisha", "Rahman", "Councillor, Overview and Scrutiny Committee", COUNTY, (Role.SCRUTINY_MEMBER,)
    ),
    PersonRow(
        "chair", "Robert", "Fenwick", "Councillor, Chair of Overview and Scrutiny", COUNTY, (Role.SCRUTINY_CHAIR,)
    ),
    PersonRow(
        "icb-signatory", "Fiona", "Grant", "Director of Strategic Commissioning", "MICB", (Role.PARTNER_SIGNATORY,)
    ),
    PersonRow("icb-viewer", "Liam", "Baker", "Contracts Analyst", "MICB", (Role.PARTNER_VIEWER,)),
    PersonRow("trust-signatory", "Karen", "Osei", "Director of Partnerships", "MCHT", (Role.PARTNER_SIGNATORY,)),
    PersonRow("trust-viewer", "Daniel", "Moss", "Business Intelligence Lead", "MCHT", (Role.PARTNER_VIEWER,)),
    PersonRow(
        "district-signatory", "Mark", "Bennett", "Head of Housing and Environment", "RDC", (Role.PARTNER_SIGNATORY,)
    ),
    PersonRow("district-viewer", "Emma", "Walsh", "Partnerships Officer", "RDC", (Role.PARTNER_VIEWER,)),
    PersonRow("vcs-signatory", "Joanne", "Price", "Chief Executive", "MVA", (Role.PARTNER_SIGNATORY,)),
    PersonRow("vcs-viewer", "Sam", "Clarke", "Policy and Engagement Officer", "MVA", (Role.PARTNER_VIEWER,)),
]
ADMIN = PersonRow("admin", "Site", "Administrator", "System administrator", "", ())

ESCALATION_CONTACTS = {
    COUNTY: "manager",
    "MICB": "icb-signatory",
    "MCHT": "trust-signatory",
    "RDC": "district-signatory",
    "MVA": "vcs-signatory",
}

# Which executive member holds the portfolio a strategy's key decisions go to.
PORTFOLIO_HOLDER = {
    ServiceArea.ADULT_SOCIAL_CARE: "member",
    ServiceArea.CHILDREN_AND_FAMILIES: "member",
    ServiceArea.PUBLIC_HEALTH: "member",
    ServiceArea.MENTAL_HEALTH: "member",
}
OTHER_PORTFOLIO_HOLDER = "member2"

# --------------------------------------------------------------------------------------------------------------
# Strategies: what each is; the scenario registered under its reference says where it has got to.
# --------------------------------------------------------------------------------------------------------------

CO = PartnerKind.CO_COMMISSIONER
POOLED = PartnerKind.POOLED_BUDGET_CONTRIBUTOR
CONSULTEE = PartnerKind.CONSULTEE


@dataclass(frozen=True)
class StrategyRow:
    reference: str
    title: str
    service_area: str
    annual_value: int
    years: int
    summary: str
    partners: tuple[tuple[str, str], ...] = ()
    capital_value: int = 0
    pooled_budget: bool = False
    lead: str = "officer"
    delivery_channel: str = DeliveryChannel.OUTSOURCING

    @property
    def total_contract_value(self) -> int:
        return self.annual_value * self.years


STRATEGIES = [
    StrategyRow(
        "MCC-ASC-001", "Adult carers support", ServiceArea.ADULT_SOCIAL_CARE, 180 * K, 3,
        "Information, advice, breaks and emotional support for unpaid carers, jointly commissioned with the ICB.",
        partners=(("MICB", CO), ("MVA", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-HWY-002", "Highways maintenance", ServiceArea.HIGHWAYS, 2_400 * K, 5,
        "Reactive and planned maintenance of 4,800 km of county roads, footways and drainage.",
        partners=(("RDC", CONSULTEE),), capital_value=3_000 * K, lead="officer2",
    ),
    StrategyRow(
        "MCC-MH-003", "Community mental health", ServiceArea.MENTAL_HEALTH, 700 * K, 3,
        "Community mental health support under a section 75 pooled budget with the ICB and the community trust.",
        partners=(("MICB", POOLED), ("MCHT", POOLED)), pooled_budget=True,
        delivery_channel=DeliveryChannel.PARTNERSHIP,
    ),
    StrategyRow(
        "MCC-COM-004", "Domestic abuse support", ServiceArea.COMMUNITIES, 120 * K, 3,
        "Safe accommodation and community outreach for victims of domestic abuse and their children.",
        partners=(("RDC", CO), ("MVA", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-ASC-005", "Home care", ServiceArea.ADULT_SOCIAL_CARE, 8_000 * K, 3,
        "Care and support at home for around 2,400 adults, funded partly through the Better Care Fund.",
        partners=(("MICB", POOLED),), pooled_budget=True,
    ),
    StrategyRow(
        "MCC-HOU-006", "Extra care housing", ServiceArea.HOUSING, 300 * K, 5,
        "Two extra care schemes with 24-hour on-site care, built with district and Homes England capital.",
        partners=(("RDC", CO),), capital_value=4_500 * K, lead="officer2",
        delivery_channel=DeliveryChannel.PARTNERSHIP,
    ),
    StrategyRow(
        "MCC-PH-007", "Public health nursing 0–19", ServiceArea.PUBLIC_HEALTH, 3_200 * K, 3,
        "Health visiting and school nursing for 140,000 children and young people.",
        partners=(("MICB", CONSULTEE), ("MCHT", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-PH-008", "Substance misuse treatment", ServiceArea.PUBLIC_HEALTH, 1_400 * K, 3,
        "Drug and alcohol treatment and recovery services for adults and young people.",
        partners=(("MICB", CONSULTEE), ("MCHT", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-HOU-009", "Homelessness prevention", ServiceArea.HOUSING, 150 * K, 3,
        "Early help to keep people in their homes, pooled with Riverside District Council's homelessness grant.",
        partners=(("RDC", POOLED),), pooled_budget=True,
    ),
    StrategyRow(
        "MCC-ENV-010", "Waste collection", ServiceArea.ENVIRONMENT, 3_600 * K, 5,
        "Kerbside collection and recycling, commissioned jointly with the district as collection authority.",
        partners=(("RDC", CO),), capital_value=2_500 * K, lead="officer2",
    ),
    StrategyRow(
        "MCC-COM-011", "Library services", ServiceArea.COMMUNITIES, 700 * K, 4,
        "Twelve libraries and a mobile service, with community-run libraries supported by volunteers.",
        partners=(("MVA", CONSULTEE),), lead="officer2", delivery_channel=DeliveryChannel.IN_HOUSE,
    ),
    StrategyRow(
        "MCC-ASC-012", "Learning disability day services", ServiceArea.ADULT_SOCIAL_CARE, 500 * K, 3,
        "Day opportunities, work skills and community activities for adults with learning disabilities.",
        partners=(("MCHT", CONSULTEE), ("MVA", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-ASC-013", "Reablement", ServiceArea.ADULT_SOCIAL_CARE, 140 * K, 3,
        "Short-term support to regain independence after a hospital stay, funded through the Better Care Fund.",
        partners=(("MICB", POOLED), ("MCHT", CONSULTEE)), pooled_budget=True,
        delivery_channel=DeliveryChannel.IN_HOUSE,
    ),
    StrategyRow(
        "MCC-CF-014", "Children's residential care", ServiceArea.CHILDREN_AND_FAMILIES, 2_500 * K, 3,
        "Residential placements for looked-after children, with joint health funding for complex needs.",
        partners=(("MICB", CO),),
    ),
    StrategyRow(
        "MCC-PH-015", "Sexual health services", ServiceArea.PUBLIC_HEALTH, 800 * K, 3,
        "Open-access contraception, testing and treatment for sexually transmitted infections.",
        partners=(("MICB", CO), ("MCHT", CONSULTEE)),
    ),
    StrategyRow(
        "MCC-ASC-016", "Advocacy services", ServiceArea.ADULT_SOCIAL_CARE, 31_500, 3,
        "Statutory advocacy under the Care Act and the Mental Capacity Act, and general advocacy.",
        partners=(("MVA", CONSULTEE),), lead="officer2",
    ),
    StrategyRow(
        "MCC-ASC-017", "Telecare", ServiceArea.ADULT_SOCIAL_CARE, 28 * K, 3,
        "Analogue pendant alarms and monitoring, switched off at the digital phone-line switchover.",
        partners=(("MICB", CONSULTEE),),
    ),
]  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# The demo: people, organisations and a clock that can be set back
# --------------------------------------------------------------------------------------------------------------


class Demo:
    """Builds the demo through the services. `day` arguments count from today: -30 is thirty days ago."""

    def __init__(self) -> None:
        self.today = timezone.localdate()
        self.orgs: dict[str, Organisation] = {}
        self.people: dict[str, User] = {}
        self._latest: dict[dt.date, dt.datetime] = {}  # the last moment used on each day

    # Time ------------------------------------------------------------------------------------------------------

    def date(self, day: int) -> dt.date:
        return self.today + dt.timedelta(days=day)

    def day_of(self, date: dt.date) -> int:
        return (date - self.today).days

    @contextlib.contextmanager
    def at(self, day: int) -> Iterator[None]:
        """Run the block at 10:00 on `day` (later if something already happened then); today runs in real time."""
        if day > 0:
            raise ValueError(f"The demo cannot record things in the future (day {day}).")
        if day == 0:
            yield
            return
        try:
            import time_machine  # a dev dependency, so imported only when the demo is loaded
        except ImportError as exc:
            raise CommandError("seed_demo needs the time-machine package: install the dev dependencies.") from exc

        date = self.date(day)
        moment = timezone.make_aware(dt.datetime.combine(date, dt.time(10)))
        if date in self._latest:
            moment = self._latest[date] + dt.timedelta(minutes=5)
        self._latest[date] = moment
        with time_machine.travel(moment, tick=False):
            yield

    # Organisations and people ------------------------------------------------------------------------------------

    def create_organisations_and_people(self) -> None:
        for row in ORGANISATIONS:
            self.orgs[row.code] = Organisation.objects.create(code=row.code, name=row.name, kind=row.kind)
        taken = set(User.objects.filter(username__in=[p.username for p in PEOPLE]).values_list("username", flat=True))
        if taken:
            raise CommandError(f"These usernames are already in use, so the demo cannot load: {', '.join(taken)}.")
        password = make_password(DEMO_PASSWORD)  # hashed once: every demo account shares it
        for row in PEOPLE:
            person = User.objects.create(
                username=row.username,
                first_name=row.first_name,
                last_name=row.last_name,
                job_title=row.job_title,
                email=f"{row.username}@example.org",
                password=password,
            )
            for role in row.roles:
                RoleAssignment.objects.create(
                    person=person, organisation=self.orgs[row.organisation], role=role, starts_on=ROLES_SINCE
                )
            self.people[row.username] = person
        if not User.objects.filter(username=ADMIN.username).exists():
            User.objects.create(
                username=ADMIN.username,
                first_name=ADMIN.first_name,
                last_name=ADMIN.last_name,
                job_title=ADMIN.job_title,
                email="admin@example.org",
                password=password,
                is_staff=True,
                is_superuser=True,
            )
        for code, username in ESCALATION_CONTACTS.items():
            self.orgs[code].escalation_contact = self.people[username]
            self.orgs[code].save()
        county = self.orgs[COUNTY]
        county.key_decision_revenue_threshold = Decimal(500 * K)
        county.key_decision_capital_threshold = Decimal(1_000 * K)
        county.save()

    def person(self, username: str) -> User:
        return self.people[username]

    def signer(self, seat: Seat, gate: Gate, strategy: Strategy) -> User:
        """Who signs a seat in the demo: the portfolio holder, the partner's signatory, or any other holder of the
        role than the person who submitted the gate."""
        holders = [
            row.username
            for row in PEOPLE
            if seat.role in row.roles and self.orgs[row.organisation].pk == seat.organisation_id
        ]
        if seat.role == Role.EXECUTIVE_MEMBER:
            holder = PORTFOLIO_HOLDER.get(strategy.service_area, OTHER_PORTFOLIO_HOLDER)
            holders.sort(key=lambda username: username != holder)
        for username in holders:
            if self.people[username].pk != gate.submitted_by_id:
                return self.people[username]
        raise CommandError(f"No demo person can sign {seat.label} on {strategy.reference}.")

    # Strategies ---------------------------------------------------------------------------------------------------

    def create(self, row: StrategyRow, day: int) -> Strategy:
        lead = self.person(row.lead)
        with self.at(day):
            return services.strategy_create(
                actor=lead,
                reference=row.reference,
                title=row.title,
                summary=row.summary,
                service_area=row.service_area,
                lead_organisation=self.orgs[COUNTY],
                lead_officer=lead,
                annual_value=Decimal(row.annual_value),
                total_contract_value=Decimal(row.total_contract_value),
                capital_value=Decimal(row.capital_value),
                pooled_budget=row.pooled_budget,
                partners=[services.PartnerSpec(self.orgs[code].pk, kind) for code, kind in row.partners],
            )

    def work_on_evidence(self, strategy: Strategy, day: int, *, complete: int | None = None) -> None:
        """Complete the current stage's evidence (only the first `complete` items, the next one in progress)."""
        strategy.refresh_from_db()
        items = list(strategy.evidence.filter(cycle=strategy.cycle, stage=strategy.stage).order_by("position", "pk"))
        done = len(items) if complete is None else complete
        with self.at(day):
            for index, item in enumerate(items[: done + 1]):
                status = EvidenceStatus.COMPLETE if index < done else EvidenceStatus.IN_PROGRESS
                services.evidence_update(
                    actor=strategy.lead_officer,
                    evidence_id=item.pk,
                    status=status,
                    content=f"{item.title} for {strategy.title}, cycle {strategy.cycle}"
                    + (": agreed at the commissioning board." if status == EvidenceStatus.COMPLETE else ": drafting."),
                )

    def update(self, strategy: Strategy, day: int, **changes) -> None:
        with self.at(day):
            services.strategy_update(actor=strategy.lead_officer, strategy_id=strategy.pk, **changes)

    def publish_notice(self, strategy: Strategy, day: int, *, decision_day: int) -> None:
        with self.at(day):
            services.forward_plan_publish(
                actor=strategy.lead_officer, strategy_id=strategy.pk, decision_date=self.date(decision_day)
            )

    def submit(
        self, strategy: Strategy, day: int, *, recommendation: str = Recommendation.RECOMMISSION, row: StrategyRow
    ) -> Gate:
        """Finish the stage's evidence and submit its gate; a key decision is put on the forward plan first
        (decision 30 days on) unless it already has a notice or an urgency exemption."""
        self.work_on_evidence(strategy, day)
        strategy.refresh_from_db()
        if strategy.stage == Stage.PLAN and not strategy.delivery_channel:
            self.update(strategy, day, delivery_channel=row.delivery_channel)
        if strategy.stage == Stage.REVIEW and not strategy.recommendation:
            self.update(strategy, day, recommendation=recommendation)
        gate = strategy.current_gate
        needs_notice = gate.notice_published_on is None and gate.urgency_agreed_at is None
        if needs_notice and services.is_key_decision(strategy):
            self.publish_notice(strategy, day, decision_day=day + 30)
        with self.at(day):
            return services.gate_submit(actor=strategy.lead_officer, strategy_id=strategy.pk)

    def decide(
        self,
        strategy: Strategy,
        day: int,
        *,
        only: Iterable[str] | None = None,
        skip: Iterable[str] = (),
        outcome: str = DecisionOutcome.APPROVE,
        reasons: str = "",
        conditions: Iterable[ConditionSpec] = (),
        deputies: dict[str, str] | None = None,
    ) -> list[Decision]:
        """Decide the current gate's pending seats (those of the roles in `only`, not in `skip`). `deputies` maps a
        role to the username of the deputy who decides it under a delegation."""
        strategy.refresh_from_db()
        gate = strategy.current_gate
        seats = gate.current_seats().filter(state=SeatState.PENDING).exclude(role__in=list(skip)).order_by("pk")
        if only is not None:
            seats = seats.filter(role__in=list(only))
        decisions = []
        with self.at(day):
            for seat in seats:
                deputy = (deputies or {}).get(seat.role)
                decisions.append(
                    services.seat_decide(
                        actor=self.person(deputy) if deputy else self.signer(seat, gate, strategy),
                        seat_id=seat.pk,
                        outcome=outcome,
                        reasons=reasons,
                        conditions=list(conditions),
                        record=record_of_decision(strategy) if seat.requires_record_of_decision else None,
                    )
                )
        return decisions

    def close_call_in(self, strategy: Strategy, day: int) -> None:
        with self.at(day):
            if not services.call_in_window_close(strategy_id=strategy.pk):
                raise CommandError(f"The call-in window of {strategy.reference} had not closed on day {day}.")

    def advance(self, strategy: Strategy, day: int) -> None:
        """Move to the next stage. Entering Do sets the review date; a new cycle starts without one."""
        with self.at(day):
            services.strategy_advance(actor=strategy.lead_officer, strategy_id=strategy.pk)
        strategy.refresh_from_db()
        if strategy.stage == Stage.DO:
            self.update(strategy, day, next_review_date=self.date(day + REVIEW_AFTER_DAYS))
        elif strategy.stage == Stage.ANALYSE and strategy.next_review_date:
            self.update(strategy, day, next_review_date=None)

    def begin_review(self, strategy: Strategy) -> int:
        """Move a strategy in Do into Review on its review date; returns that day."""
        strategy.refresh_from_db()
        day = self.day_of(strategy.next_review_date)
        self.advance(strategy, day)
        return day

    def pass_gate(
        self, strategy: Strategy, day: int, *, row: StrategyRow, recommendation: str = Recommendation.RECOMMISSION
    ) -> int:
        """Submit the current gate on `day` and have every seat approve it; a key decision waits for its notice
        period and call-in window. Returns the day the gate passed."""
        gate = self.submit(strategy, day, row=row, recommendation=recommendation)
        self.decide(strategy, day + 3, skip=[Role.EXECUTIVE_MEMBER])
        decided = max(day + 3, self.day_of(gate.decision_not_before) if gate.decision_not_before else day)
        self.decide(strategy, decided, only=[Role.EXECUTIVE_MEMBER])
        if not gate.key_decision:
            return decided
        self.close_call_in(strategy, decided + 14)  # five working days, even over Christmas
        return decided + 14

    def pass_and_advance(self, strategy: Strategy, day: int, *, row: StrategyRow, **kwargs) -> int:
        passed = self.pass_gate(strategy, day, row=row, **kwargs)
        self.advance(strategy, passed)
        return passed


def record_of_decision(strategy: Strategy) -> RecordSpec:
    stage = strategy.get_stage_display()
    return RecordSpec(
        decision_text=f"To agree the {stage} gate of {strategy.title} ({strategy.reference}), cycle "
        f"{strategy.cycle}, as submitted.",
        reasons=f"The {stage.lower()} evidence is complete and robust; the total contract value of "
        f"£{strategy.total_contract_value:,.0f} is within the medium-term financial plan.",
        alternatives_considered="Do nothing: rejected, as the council would not meet its duties. Delay a year: "
        "rejected, as the current arrangements end.",
        conflicts_of_interest="None declared.",
    )


# --------------------------------------------------------------------------------------------------------------
# Scenarios: one per strategy, named for what a visitor sees
# --------------------------------------------------------------------------------------------------------------

Scenario = Callable[[Demo, StrategyRow], None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(reference: str) -> Callable[[Scenario], Scenario]:
    def register(func: Scenario) -> Scenario:
        SCENARIOS[reference] = func
        return func

    return register


@scenario("MCC-ASC-001")
def key_decision_in_call_in_window(demo: Demo, row: StrategyRow) -> None:
    """Analyse: the executive member agreed the strategy yesterday; scrutiny can still call it in."""
    strategy = demo.create(row, -70)
    demo.submit(strategy, -35, row=row)
    demo.decide(strategy, -32, skip=[Role.EXECUTIVE_MEMBER])
    demo.decide(strategy, -1, only=[Role.EXECUTIVE_MEMBER])


@scenario("MCC-HWY-002")
def key_decision_called_in(demo: Demo, row: StrategyRow) -> None:
    """Plan: a scrutiny member called in the executive member's decision today."""
    strategy = demo.create(row, -200)
    demo.pass_and_advance(strategy, -180, row=row)
    demo.submit(strategy, -40, row=row)
    demo.decide(strategy, -37, skip=[Role.EXECUTIVE_MEMBER])
    demo.decide(strategy, -3, only=[Role.EXECUTIVE_MEMBER])
    services.decision_call_in(
        actor=demo.person("scrutiny"),
        strategy_id=strategy.pk,
        reason="A single five-year contract was not scrutinised at committee; members ask the executive to "
        "consider separate lots so that local firms can bid.",
    )


@scenario("MCC-MH-003")
def pooled_budget_in_do(demo: Demo, row: StrategyRow) -> None:
    """Do: a section 75 pooled budget; both NHS partners signed each gate; the award is being prepared."""
    strategy = demo.create(row, -150)
    day = demo.pass_and_advance(strategy, -140, row=row)
    demo.pass_and_advance(strategy, day + 6, row=row)
    demo.work_on_evidence(strategy, -10, complete=2)


@scenario("MCC-COM-004")
def gate_rejected_with_reasons(demo: Demo, row: StrategyRow) -> None:
    """Analyse: finance rejected the gate; the officer must correct the baseline and resubmit."""
    strategy = demo.create(row, -60)
    demo.submit(strategy, -14, row=row)
    demo.decide(strategy, -12, only=[Role.PARTNER_SIGNATORY])
    demo.decide(strategy, -11, only=[Role.COMMISSIONING_MANAGER])
    demo.decide(
        strategy,
        -10,
        only=[Role.FINANCE],
        outcome=DecisionOutcome.REJECT,
        reasons="The resources baseline leaves out Riverside District Council's £45,000 contribution to refuge "
        "accommodation and counts the Home Office grant twice. Correct the baseline and show each partner's share.",
    )


@scenario("MCC-ASC-005")
def approved_with_conditions(demo: Demo, row: StrategyRow) -> None:
    """Plan: the Analyse gate was approved with two conditions, now open actions for the lead and finance."""
    strategy = demo.create(row, -150)
    demo.submit(strategy, -120, row=row)
    demo.decide(strategy, -117, skip=[Role.EXECUTIVE_MEMBER])
    demo.decide(
        strategy,
        -88,
        only=[Role.EXECUTIVE_MEMBER],
        outcome=DecisionOutcome.APPROVE_WITH_CONDITIONS,
        reasons="Approved, provided rural capacity and the fair cost of care are settled before procurement.",
        conditions=[
            ConditionSpec(
                "Publish a market position statement for home care, including rural rounds, before the tender opens.",
                demo.person(row.lead).pk,
                demo.date(21),
            ),
            ConditionSpec(
                "Report the fair cost of care exercise and the proposed hourly rate to the executive member.",
                demo.person("finance").pk,
                demo.date(45),
            ),
        ],
    )
    demo.close_call_in(strategy, -74)
    demo.advance(strategy, -74)
    demo.work_on_evidence(strategy, -20, complete=2)


@scenario("MCC-HOU-006")
def urgent_key_decision(demo: Demo, row: StrategyRow) -> None:
    """Plan: the Analyse decision was taken under an urgency exemption agreed by the scrutiny chair."""
    strategy = demo.create(row, -75)
    with demo.at(-60):
        services.urgency_exemption_agree(
            actor=demo.person("chair"),
            strategy_id=strategy.pk,
            reason="Homes England's capital grant offer lapses unless the council confirms its commissioning "
            "intentions within 21 days; a 28-day forward-plan notice would miss it.",
        )
    day = demo.pass_gate(strategy, -60, row=row)
    demo.advance(strategy, day)
    demo.work_on_evidence(strategy, -10, complete=1)


@scenario("MCC-PH-007")
def key_decision_awaiting_member(demo: Demo, row: StrategyRow) -> None:
    """Plan: submitted; legal and finance have signed, procurement and the executive member have not yet."""
    strategy = demo.create(row, -220)
    demo.pass_and_advance(strategy, -200, row=row)
    demo.submit(strategy, -12, row=row)
    demo.decide(strategy, -10, only=[Role.COMMISSIONING_MANAGER, Role.FINANCE, Role.LEGAL])


@scenario("MCC-PH-008")
def review_submitted(demo: Demo, row: StrategyRow) -> None:
    """Review: a year into the contract, the recommendation to recommission is out for sign-off."""
    strategy = demo.create(row, -560)
    demo.pass_and_advance(strategy, -540, row=row)
    demo.pass_and_advance(strategy, -480, row=row)
    demo.pass_gate(strategy, -420, row=row)
    demo.begin_review(strategy)
    demo.submit(strategy, -5, row=row)
    demo.decide(strategy, -2, only=[Role.COMMISSIONING_MANAGER])


@scenario("MCC-HOU-009")
def overdue_seat(demo: Demo, row: StrategyRow) -> None:
    """Analyse: submitted 30 days ago; finance has still not signed, long past the due date."""
    strategy = demo.create(row, -50)
    demo.submit(strategy, -30, row=row)
    demo.decide(strategy, -27, only=[Role.COMMISSIONING_MANAGER])
    demo.decide(strategy, -25, only=[Role.PARTNER_SIGNATORY])


@scenario("MCC-ENV-010")
def in_delivery(demo: Demo, row: StrategyRow) -> None:
    """Do: the contract was awarded and the Do gate passed; the service runs until its review date."""
    strategy = demo.create(row, -330)
    demo.pass_and_advance(strategy, -320, row=row)
    demo.pass_and_advance(strategy, -260, row=row)
    demo.pass_gate(strategy, -200, row=row)


@scenario("MCC-COM-011")
def second_cycle(demo: Demo, row: StrategyRow) -> None:
    """Analyse, cycle 2: the first cycle's review recommended varying the service, so round it goes again."""
    strategy = demo.create(row, -620)
    demo.pass_and_advance(strategy, -600, row=row)
    demo.pass_and_advance(strategy, -540, row=row)
    demo.pass_gate(strategy, -480, row=row)
    demo.begin_review(strategy)
    demo.pass_and_advance(strategy, -120, row=row, recommendation=Recommendation.VARY)
    demo.work_on_evidence(strategy, -20, complete=2)


@scenario("MCC-ASC-012")
def gate_withdrawn(demo: Demo, row: StrategyRow) -> None:
    """Analyse: withdrawn after submission so that carers' views can be added to the engagement record."""
    strategy = demo.create(row, -90)
    demo.submit(strategy, -12, row=row)
    demo.decide(strategy, -10, only=[Role.COMMISSIONING_MANAGER])
    with demo.at(-5):
        services.gate_withdraw(
            actor=strategy.lead_officer,
            strategy_id=strategy.pk,
            reason="Carers at the Riverside day centre asked for another engagement session before the strategy "
            "is agreed; their views will be added to the engagement record.",
        )
    engagement = strategy.evidence.get(cycle=1, stage=Stage.ANALYSE, template__code="engagement-record")
    with demo.at(-4):
        services.evidence_update(
            actor=strategy.lead_officer,
            evidence_id=engagement.pk,
            status=EvidenceStatus.IN_PROGRESS,
            content="Second carers' session booked at the Riverside day centre.",
        )


@scenario("MCC-ASC-013")
def decided_by_deputy(demo: Demo, row: StrategyRow) -> None:
    """Do: the head of commissioning was on leave, so her deputy signed the Plan gate on her behalf."""
    strategy = demo.create(row, -120)
    demo.pass_and_advance(strategy, -100, row=row)
    demo.submit(strategy, -10, row=row)
    manager = demo.person("manager")
    with demo.at(-9):
        services.delegation_create(
            actor=manager,
            principal=manager,
            deputy=demo.person("officer2"),
            starts_on=demo.date(-9),
            ends_on=demo.date(12),
            reason="Annual leave",
        )
    demo.decide(strategy, -6, deputies={Role.COMMISSIONING_MANAGER: "officer2"})
    demo.advance(strategy, -2)
    demo.work_on_evidence(strategy, -1, complete=1)


@scenario("MCC-CF-014")
def do_gate_in_member_queue(demo: Demo, row: StrategyRow) -> None:
    """Do: the award is in the executive member's sign-off queue, waiting for the forward-plan notice to run."""
    strategy = demo.create(row, -260)
    demo.pass_and_advance(strategy, -240, row=row)
    demo.pass_and_advance(strategy, -180, row=row)
    demo.submit(strategy, -20, row=row)
    demo.decide(strategy, -17, skip=[Role.EXECUTIVE_MEMBER])


@scenario("MCC-PH-015")
def new_strategy_on_forward_plan(demo: Demo, row: StrategyRow) -> None:
    """Analyse: evidence under way, and the key decision already on the public forward plan."""
    strategy = demo.create(row, -20)
    demo.work_on_evidence(strategy, -10, complete=2)
    demo.publish_notice(strategy, -3, decision_day=40)


@scenario("MCC-ASC-016")
def small_strategy_under_review(demo: Demo, row: StrategyRow) -> None:
    """Review: a contract below £100,000 (officer sign-off), now at its annual review."""
    strategy = demo.create(row, -470)
    demo.pass_and_advance(strategy, -450, row=row)
    demo.pass_and_advance(strategy, -430, row=row)
    demo.pass_gate(strategy, -410, row=row)
    demo.begin_review(strategy)
    demo.work_on_evidence(strategy, -30, complete=3)


@scenario("MCC-ASC-017")
def decommissioned(demo: Demo, row: StrategyRow) -> None:
    """Closed: the review recommended decommissioning the analogue service at the digital switchover."""
    strategy = demo.create(row, -420)
    demo.pass_and_advance(strategy, -400, row=row)
    demo.pass_and_advance(strategy, -380, row=row)
    demo.pass_gate(strategy, -360, row=row)
    demo.begin_review(strategy)
    demo.pass_and_advance(strategy, -10, row=row, recommendation=Recommendation.DECOMMISSION)


# --------------------------------------------------------------------------------------------------------------
# The command
# --------------------------------------------------------------------------------------------------------------


def accounts_table() -> list[str]:
    """The demo accounts, one line each: username, name, roles and organisation."""
    usernames = [ADMIN.username] + [row.username for row in PEOPLE]
    people = {p.username: p for p in User.objects.filter(username__in=usernames)}
    assignments: dict[int, list[RoleAssignment]] = {}
    for assignment in RoleAssignment.objects.filter(person__in=people.values()).select_related("organisation"):
        assignments.setdefault(assignment.person_id, []).append(assignment)
    rows = [("Username", "Name", "Role", "Organisation")]
    for username in usernames:
        person = people.get(username)
        if person is None:
            continue
        held = sorted(assignments.get(person.pk, []), key=lambda a: (a.organisation.name, a.role))
        roles = ", ".join(a.get_role_display() for a in held) or ("Administrator" if person.is_superuser else "")
        organisations = ", ".join(dict.fromkeys(a.organisation.name for a in held)) or "(all, through the admin site)"
        rows.append((username, person.get_full_name(), roles, organisations))
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return lines


class Command(BaseCommand):
    help = (
        "Load demonstration data: Midshire County Council, its partners, people in every role and 17 "
        f"commissioning strategies spread over every stage and gate state. Every demo account's password is "
        f"{DEMO_PASSWORD!r}; the administrator is 'admin'. Running it again does nothing."
    )

    def handle(self, *args, **options) -> None:
        if Organisation.objects.filter(code=COUNTY).exists():
            self.stdout.write("Demo data already loaded.")
        else:
            if set(SCENARIOS) != {row.reference for row in STRATEGIES}:
                raise CommandError("Every demo strategy needs exactly one scenario.")
            with transaction.atomic():
                demo = Demo()
                demo.create_organisations_and_people()
                for row in STRATEGIES:
                    SCENARIOS[row.reference](demo, row)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {len(ORGANISATIONS)} organisations, {len(PEOPLE) + 1} people and "
                    f"{len(STRATEGIES)} strategies."
                )
            )
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (every password: {DEMO_PASSWORD})")
        self.stdout.write("")
        for line in accounts_table():
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Sign in as any of them at {SIGN_IN_URL}; the admin site is {ADMIN_URL} (admin only).")
