"""Submitting a gate: evidence required, a frozen snapshot with its hash, and content locked while under sign-off."""

import hashlib

import pytest

from commissioning import services
from commissioning.models import EvidenceStatus
from tests.factories import complete_evidence, make_strategy
from workflows.exceptions import ContentFrozen, GateNotReady, InvalidInput, NotPermitted
from workflows.models import Decision, GateSnapshot, GateState, SeatState
from workflows.services import canonical_json

pytestmark = pytest.mark.django_db


def test_submission_is_refused_with_the_missing_evidence_named(world):
    strategy = make_strategy(world)
    first = strategy.evidence.order_by("position").first()
    services.evidence_update(actor=world.officer, evidence_id=first.pk, status="complete", content="Done.")
    with pytest.raises(GateNotReady) as refused:
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    assert refused.value.missing == [
        "Resources and current spend baseline",
        "Market analysis / position statement",
        "Stakeholder and service-user engagement record",
        "Commissioning strategy document",
    ]
    assert "Needs assessment" not in refused.value.message
    strategy.refresh_from_db()
    assert strategy.current_gate.state == GateState.OPEN
    assert not strategy.current_gate.seats.exists()


def test_plan_gate_needs_the_right_source_decision(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    for seat in gate.current_seats():
        signer = {"commissioning_officer": world.officer2, "finance": world.finance}.get(seat.role, world.icb_signatory)
        services.seat_decide(actor=signer, seat_id=seat.pk, outcome="approve")
    strategy = services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    for item in strategy.evidence.filter(stage="plan"):
        services.evidence_update(actor=world.officer, evidence_id=item.pk, status="complete", content="x")
    with pytest.raises(GateNotReady) as refused:
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    assert refused.value.missing == ["the delivery-channel (right source) decision"]


def test_submitting_freezes_a_snapshot_and_decisions_record_its_hash(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    snapshot = GateSnapshot.objects.get(gate=gate, round=1)
    assert snapshot.content["strategy"]["title"] == "Adult carers support"
    assert {item["status"] for item in snapshot.content["evidence"]} == {"complete"}
    assert snapshot.content_hash == hashlib.sha256(canonical_json(snapshot.content).encode()).hexdigest()
    assert gate.snapshot_hash == snapshot.content_hash
    seat = gate.current_seats().get(role="finance")
    decision = services.seat_decide(actor=world.finance, seat_id=seat.pk, outcome="approve")
    assert decision.snapshot_hash == snapshot.content_hash


def test_content_cannot_change_while_the_gate_is_submitted(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    item = strategy.evidence.first()
    with pytest.raises(ContentFrozen) as frozen:
        services.evidence_update(actor=world.officer, evidence_id=item.pk, status="complete", content="Changed!")
    assert "Withdraw the gate" in frozen.value.message
    with pytest.raises(ContentFrozen):
        services.strategy_update(actor=world.officer, strategy_id=strategy.pk, title="Something else")
    item.refresh_from_db()
    strategy.refresh_from_db()
    assert item.content != "Changed!"
    assert strategy.title == "Adult carers support"


def test_the_snapshot_itself_cannot_be_changed(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    snapshot = gate.snapshots.get()
    snapshot.content = {"strategy": "tampered"}
    with pytest.raises(TypeError):
        snapshot.save()
    with pytest.raises(TypeError):
        GateSnapshot.objects.filter(pk=snapshot.pk).update(content={})
    with pytest.raises(TypeError):
        GateSnapshot.objects.filter(pk=snapshot.pk).delete()


def test_withdraw_edit_and_resubmit_gives_a_new_snapshot_and_new_seats(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    first_hash = gate.snapshot_hash
    with pytest.raises(InvalidInput):
        services.gate_withdraw(actor=world.officer, strategy_id=strategy.pk, reason="  ")
    services.gate_withdraw(actor=world.officer, strategy_id=strategy.pk, reason="Finance asked for new figures")
    gate.refresh_from_db()
    assert gate.state == GateState.WITHDRAWN
    assert set(gate.seats.values_list("state", flat=True)) == {SeatState.CANCELLED}
    services.strategy_update(
        actor=world.officer, strategy_id=strategy.pk, annual_value="60000", total_contract_value="60000"
    )
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    assert (gate.state, gate.round) == (GateState.SUBMITTED, 2)
    assert gate.snapshot_hash != first_hash
    assert gate.current_seats().filter(state=SeatState.PENDING).count() == gate.current_seats().count()


def test_after_a_rejection_the_officer_revises_and_resubmits(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    seat = gate.current_seats().get(role="partner_signatory")
    services.seat_decide(actor=world.icb_signatory, seat_id=seat.pk, outcome="reject", reasons="No ICB funding shown")
    gate.refresh_from_db()
    assert gate.state == GateState.REJECTED
    item = strategy.evidence.get(template__code="resources-baseline")
    services.evidence_update(actor=world.officer, evidence_id=item.pk, status="complete", content="ICB: £20k")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    assert gate.state == GateState.SUBMITTED
    assert gate.round == 2
    assert Decision.objects.filter(gate=gate).count() == 1  # the rejection stays on record


def test_only_officers_of_the_lead_organisation_may_submit(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    for person in (world.finance, world.icb_signatory, world.member):
        with pytest.raises(NotPermitted):
            services.gate_submit(actor=person, strategy_id=strategy.pk)


def test_evidence_updates_are_validated_and_change_nothing_when_bad(world):
    strategy = make_strategy(world)
    item = strategy.evidence.first()
    with pytest.raises(InvalidInput) as bad:
        services.evidence_update(actor=world.officer, evidence_id=item.pk, status="finished", link="not a url")
    assert set(bad.value.errors) == {"status", "link"}
    with pytest.raises(InvalidInput) as empty:
        services.evidence_update(actor=world.officer, evidence_id=item.pk, status=EvidenceStatus.COMPLETE)
    assert "content" in empty.value.errors
    item.refresh_from_db()
    assert item.status == EvidenceStatus.NOT_STARTED


def test_strategy_fields_are_validated(world):
    with pytest.raises(InvalidInput) as bad:
        services.strategy_create(
            actor=world.officer,
            reference="",
            title="",
            service_area="space",
            lead_organisation=world.county,
            lead_officer=world.finance,
            annual_value="-5",
            total_contract_value="lots",
            pooled_budget=True,
            partners=[services.PartnerSpec(world.county.pk, "consultee")],
        )
    assert set(bad.value.errors) >= {
        "reference",
        "title",
        "service_area",
        "lead_officer",
        "annual_value",
        "total_contract_value",
        "partners[1].organisation",
        "partners",
    }
