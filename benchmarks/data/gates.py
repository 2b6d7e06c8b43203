"""Building one gate of a strategy: its evidence, its forward-plan notice if it is a key decision, each round's
snapshot, and what happened after the last round's seats were decided (approved, call-in, passed, rejected,
withdrawn), with the audit events the services would have written."""

from __future__ import annotations

import datetime as dt

from django.conf import settings

from commissioning import rules
from commissioning.models import DeliveryChannel, Evidence, EvidenceStatus, Recommendation, Role, Stage, Strategy
from workflows.calendar import earliest_date_after_clear_days
from workflows.models import Gate, GateSnapshot, GateState
from workflows.services import call_in_window_end

from .plan import GatePlan, GateTimes, Standing, StrategyPlan, days, evidence_item, snapshot
from .targets import BenchDataError
from .vocabulary import CALL_IN_REASONS, WITHDRAW_REASONS


class GateBuilder:
    """The `Generator`'s gates (a mixin: the state lives in `Generator.__init__`)."""

    def call_in_end(self, approved_on: dt.date, working_days: int) -> dt.datetime:
        """When a call-in window opened on that day ends: the product's `call_in_window_end`, on the generator's
        remembering calendar, asked once a day."""
        key = (approved_on, working_days)
        if key not in self.call_in_ends:
            self.call_in_ends[key] = call_in_window_end(approved_on, working_days, calendar=self.policies.calendar)
        return self.call_in_ends[key]

    def build_gate(
        self,
        plan: StrategyPlan,
        gate: GatePlan,
        when: GateTimes,
        entered: dt.datetime,
        cycle_evidence: list[dict],
        standing: Standing,
        *,
        is_last: bool,
    ) -> tuple[int, str]:
        """The gate, its evidence, snapshots, seats, decisions and their events; the delivery channel or the
        recommendation it settles goes into `standing`. Returns the gate's id and its snapshot hash."""
        rng, now = self.rng, self.now
        sid, officer = plan.id, plan.officer
        gate_id = self.ids.next(Gate)
        stage_label = Stage(gate.stage).label
        title = rules.gate_title(stage_label, gate.cycle, plan.title)
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
                evidence_item(
                    stage=gate.stage,
                    code=code,
                    title=template_title,
                    required=required,
                    status=status,
                    content=content,
                    completed_by=self.names[officer] if completed_at else None,
                    completed_at=completed_at,
                )
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
        standing.delivery_channel = channel or standing.delivery_channel
        standing.recommendation = recommended or standing.recommendation

        # Key decisions: a forward-plan notice before the decision.
        notice = intended = not_before = None
        if gate.key and when.submits:
            notice_at = when.submits[-1] - days(rng.uniform(0, 10))
            if when.anchor is not None and state not in (GateState.REJECTED, GateState.WITHDRAWN):
                approval = when.anchor - days(12) if state == GateState.PASSED else when.anchor
                notice_at = min(notice_at, approval - days(30))
            notice_at = max(notice_at, entered + dt.timedelta(minutes=5))
            notice_at = min(notice_at, when.submits[0] - dt.timedelta(minutes=1))  # published while the gate is open
            notice = self.local_date(notice_at)
            not_before = earliest_date_after_clear_days(notice, settings.FORWARD_PLAN_CLEAR_DAYS)
            intended = not_before + dt.timedelta(days=rng.randint(0, 14))
            gate_event(
                notice_at,
                "publish_forward_plan_notice",
                GateState.OPEN,
                GateState.OPEN,  # the notice moves no state (Gate.publish_forward_plan_notice)
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
            # The strategy as it stood: an earlier, rejected round's summary was revised before the next.
            summary = plan.summary if final else f"{plan.summary} (As first put for sign-off, before revision.)"
            content, snapshot_hash = snapshot(
                plan,
                stage=gate.stage,
                cycle=gate.cycle,
                summary=summary,
                lead_officer=self.names[officer],
                delivery_channel=standing.delivery_channel,
                recommendation=standing.recommendation,
                next_review_date=standing.next_review_date,
                evidence=cycle_evidence,
            )
            self.rows[GateSnapshot].append(
                (self.ids.next(GateSnapshot), gate_id, round_no, content, snapshot_hash, submit_at, officer, "")
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
            specs = self.policies.specs(
                gate.stage, plan, gate.key, today=self.local_date(submit_at), decision_not_before=not_before
            )
            if len(specs) != len(gate.specs):
                raise BenchDataError(f"{plan.reference}: the {gate.stage} gate's seats changed between plan and build")
            if not final:
                specs = specs[: gate.extra_rounds[round_no - 1]]
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
                    call_in_ends_at = self.call_in_end(self.local_date(last_at), plan.lead.call_in_days)
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
                *("", "", "", "", None, None),  # the notice's words and an exemption from call-in: not generated
            )
        )
        return gate_id, snapshot_hash
