"""Builds the demo through the services, with a clock that can be set back, and lists the demo accounts."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Iterable, Iterator
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.core.management.base import CommandError
from django.utils import timezone

from commissioning import services
from commissioning.models import (
    EvidenceStatus,
    Organisation,
    Recommendation,
    Role,
    RoleAssignment,
    Stage,
    Strategy,
    User,
)
from workflows.models import Decision, DecisionOutcome, Gate, GateState, Seat, SeatState
from workflows.services import ConditionSpec, RecordSpec

from .organisations import COUNTY, ESCALATION_CONTACTS, ORGANISATIONS
from .people import ADMIN, DEMO_PASSWORD, OTHER_PORTFOLIO_HOLDER, PEOPLE, PORTFOLIO_HOLDER, ROLES_SINCE
from .strategies import K, StrategyRow

REVIEW_AFTER_DAYS = 365  # a strategy entering Do is reviewed a year later
REPRESENTATIONS = (
    "Anyone may make representations about a key decision to Democratic Services, Midshire County Council, County "
    "Hall, Midshire MD1 1AA (democratic.services@example.org), at least 5 working days before the intended decision "
    "date. Copies of the documents listed, except any that are exempt, are available from the same address; other "
    "documents relevant to the matter may be submitted to the decision-maker."
)


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
        county.officer_decision_threshold = Decimal(100 * K)
        county.urgent_decisions_may_skip_call_in = True
        county.representations_text = REPRESENTATIONS
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
        items = list(
            strategy.evidence.filter(cycle=strategy.cycle, stage=strategy.stage)
            .select_related("template")
            .order_by("position", "pk")
        )
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
                    link=published_paper(strategy, item) if status == EvidenceStatus.COMPLETE else "",
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
        gate.refresh_from_db()
        if gate.state == GateState.PASSED:  # not a key decision, or one exempt from call-in
            return decided
        self.close_call_in(strategy, decided + 14)  # five working days, even over Christmas
        return decided + 14

    def pass_and_advance(self, strategy: Strategy, day: int, *, row: StrategyRow, **kwargs) -> int:
        passed = self.pass_gate(strategy, day, row=row, **kwargs)
        self.advance(strategy, passed)
        return passed


def published_paper(strategy: Strategy, item) -> str:
    """Where the council publishes a Do-stage paper (procurement route, award, mobilisation, contract management),
    which its OCDS release package links to; other stages' papers stay internal."""
    if item.stage != Stage.DO:
        return ""
    return f"https://www.example.org/midshire/papers/{strategy.reference.lower()}/{strategy.cycle}/{item.template.code}"


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
