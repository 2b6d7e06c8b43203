"""Building one submission's seats: which are decided, by whom, how and when (the executive member last), their
decisions, records of decision and conditions' actions, and the seats cancelled when a gate is rejected or
withdrawn."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from django.utils import timezone

from commissioning.models import Role, Stage
from workflows.models import (
    Action,
    ActionState,
    Decision,
    DecisionOutcome,
    GateState,
    RecordOfDecision,
    Seat,
    SeatState,
)
from workflows.services import SeatSpec
from workflows.trail.hashing import record_hash

from .plan import GatePlan, StrategyPlan, days
from .targets import BenchDataError
from .vocabulary import CONDITIONS, REJECTION_REASONS


class SeatBuilder:
    """The `Generator`'s seats and decisions (a mixin: the state lives in `Generator.__init__`)."""

    def build_round(
        self,
        plan: StrategyPlan,
        gate: GatePlan,
        gate_id: int,
        round_no: int,
        specs: list[SeatSpec],
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
                    spec.organisation_id,
                    None,
                    spec.label,
                    spec.required_approvals,
                    spec.requires_record_of_decision,
                    seat_state,
                    spec.due_on,
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
        spec: SeatSpec,
        at: dt.datetime,
        outcome: str,
        snapshot_hash: str,
        stage_label: str,
    ) -> tuple[int, str]:
        """The seat's decisions (a panel needs several holders), with records and actions. Returns the last actor
        and the reasons given."""
        rng = self.rng
        holders = self.orgs_by_id[spec.organisation_id].holders
        candidates = [u for u in holders.get(spec.role, []) if u != plan.officer]
        if not candidates:
            raise BenchDataError(f"Nobody but the submitter holds {spec.label}; cannot decide it.")
        deciders = rng.sample(candidates, min(max(spec.required_approvals, 1), len(candidates)))
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
            record = None
            if spec.requires_record_of_decision and outcome != DecisionOutcome.REJECT:
                record = {
                    "decision_text": f"To agree the {stage_label} gate of {plan.title} ({plan.reference}) as "
                    "submitted.",
                    "reasons": f"The evidence is complete and robust; the total contract value of £{plan.total:,.0f} "
                    "is within the medium-term financial plan.",
                    "alternatives_considered": "Do nothing: rejected, as the council would not meet its duties. "
                    "Delay a year: rejected, as the current arrangements end.",
                    "conflicts_of_interest": "None declared.",
                    "dispensations": "",
                }
                self.rows[RecordOfDecision].append((self.ids.next(RecordOfDecision), decision_id, *record.values()))
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
                # the record's hash, as `workflows.services.seat_decide` puts it on the trail
                data={
                    "seat": seat_id,
                    "seat_label": spec.label,
                    **({"record_hash": record_hash(**record)} if record else {}),
                },
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
