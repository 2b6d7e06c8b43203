"""Building each strategy's history from its plan: when each stage was entered and each gate submitted and decided
(worked backwards from now), the strategy's row and its stage changes, and the audit trail filled to its exact
count with evidence and strategy edits, in time order."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.contrib.contenttypes.models import ContentType

from commissioning.models import Evidence, EvidenceStatus, Stage, StagePeriod, Strategy, StrategyPartner
from workflows.models import AuditChain, AuditEvent, GateState
from workflows.trail.hashing import Sealer, chain_key, event_content, stored_json

from .plan import GatePlan, GateTimes, Standing, StrategyPlan, days
from .targets import BenchDataError
from .vocabulary import ADVANCE_NAMES, UPDATED_FIELDS, WORK_DAYS


class HistoryBuilder:
    """The `Generator`'s timeline and audit trail (a mixin: the state lives in `Generator.__init__`)."""

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
        standing = Standing()
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
            if gate.stage == Stage.ANALYSE:  # as `Strategy.recommission` leaves it
                standing.recommendation = ""
                standing.next_review_date = None
            if gate.stage == Stage.DO:
                standing.next_review_date = self.local_date(entered) + dt.timedelta(days=365)
            is_last = index == len(plan.gates) - 1
            left_at = when.advance
            self.rows[StagePeriod].append((self.ids.next(StagePeriod), sid, gate.cycle, gate.stage, entered, left_at))
            gate_id, gate_hash = self.build_gate(
                plan, gate, when, entered, cycle_evidence[gate.cycle], standing, is_last=is_last
            )
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
            standing.delivery_channel,
            standing.recommendation,
            standing.next_review_date,
            3,
            gate_id,
            None,  # version, once every event is known
            created_at,
            None,  # updated_at, likewise
        ]

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
        """The events in time order, numbered and chained. Not a generator itself: the first ids and the content
        types' names are read from the database now, before a COPY holds the connection (a query during COPY would
        wait for ever)."""
        self.events.sort(key=lambda e: (e[0], e[1]))
        types = ContentType.objects.in_bulk(set(self.ct.values()))
        labels = {pk: f"{ct.app_label}.{ct.model}" for pk, ct in types.items()}
        return self._numbered(self.ids.next(AuditEvent), self.ids.next(AuditChain), labels)

    def _numbered(self, first: int, first_chain: int, labels: dict[int, str]) -> Iterable[tuple]:
        """Each event with its place on its strategy's chain (or the general chain) and its hashes, sealed by the
        product's own functions (`workflows.trail.hashing`) in id order, as the live trail and `verify_audit` read
        them; then, the events written, the chains' heads (`self.rows[AuditChain]`)."""
        strategy_type = self.ct[Strategy]
        sealer = Sealer()
        chains: dict[str, tuple[int, int | None]] = {}  # chain key -> (chain id, strategy)
        for n, e in enumerate(self.events):
            at, _seq, actor, on_behalf_of, object_type, object_id, object_repr, strategy, *rest = e
            transition, from_state, to_state, reason, snapshot_hash, data = rest
            subject_type = None if strategy is None else labels[strategy_type]
            key = chain_key(subject_type, strategy)
            content = event_content(
                occurred_at=at,
                actor_id=actor,
                on_behalf_of_id=on_behalf_of,
                object_type=labels[object_type],
                object_id=object_id,
                object_repr=object_repr,
                subject_type=subject_type,
                subject_id=strategy,
                transition=transition,
                from_state=from_state,
                to_state=to_state,
                reason=reason,
                snapshot_hash=snapshot_hash,
                data=stored_json(data),
            )
            sealed = sealer.seal(content, key)
            if key not in chains:
                chains[key] = (first_chain + len(chains), strategy)
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
                chains[key][0],
                sealed.position,
                sealed.previous_hash,
                sealed.content_hash,
            )
        for key, (chain_id, strategy) in chains.items():
            head = sealer.heads[key]
            subject_type = strategy_type if strategy is not None else None
            self.rows[AuditChain].append((chain_id, key, subject_type, strategy, head.position, head.hash, self.now))
