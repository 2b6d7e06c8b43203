"""Officer decisions (the Openness of Local Government Bodies Regulations 2014, reg 7): a gate decided by officers
alone, at or above the lead organisation's threshold, needs a decision record from the deciding officer, published
beside the executive records of decision once the gate passes."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from commissioning import rules, services
from tests.factories import complete_evidence, make_strategy, signer_of
from workflows.exceptions import InvalidInput
from workflows.services import RecordSpec, SeatSpec

pytestmark = pytest.mark.django_db

RECORD = RecordSpec(
    decision_text="Award the carers' breaks contract for three years.",
    reasons="The best value of three bids.",
    alternatives_considered="In-house breaks: rejected, no capacity.",
    conflicts_of_interest="Councillor Porter declared a family interest in one bidder.",
    dispensations="None needed: Councillor Porter took no part.",
)


def spec(role, organisation_id=1):
    return SeatSpec(role=role, organisation_id=organisation_id, label=role, due_on=dt.date(2026, 12, 1))


@pytest.mark.parametrize(
    ("key", "threshold", "value", "roles", "applies"),
    [
        (False, Decimal(100_000), Decimal(100_000), ["commissioning_manager", "finance"], True),
        (False, Decimal(100_000), Decimal(99_999), ["commissioning_officer", "finance"], False),
        (False, None, Decimal(900_000), ["commissioning_manager"], False),
        (True, Decimal(100_000), Decimal(600_000), ["commissioning_manager"], False),
        (False, Decimal(100_000), Decimal(600_000), ["commissioning_manager", "executive_member"], False),
    ],
)
def test_an_officer_decision_is_a_gate_without_an_executive_member_at_or_above_the_threshold(
    key, threshold, value, roles, applies
):
    seats = [spec(role) for role in roles]
    assert (
        rules.officer_decision_applies(key_decision=key, threshold=threshold, total_contract_value=value, seats=seats)
        is applies
    )


def test_the_most_senior_commissioning_seat_of_the_lead_organisation_records_it():
    seats = [
        spec("finance"),
        spec("commissioning_officer"),
        spec("commissioning_manager"),
        spec("commissioning_manager", 2),
    ]
    marked = rules.with_officer_decision_record(seats, lead_organisation_id=1)
    assert [seat.requires_record_of_decision for seat in marked] == [False, False, True, False]
    assert rules.decision_record_kind("commissioning_manager") == "officer"
    assert rules.decision_record_kind("executive_member") == "executive"


def officer_decision(world, *, threshold="100000", value="200000", reference="MCC-OFF"):
    if threshold is not None:
        world.county.officer_decision_threshold = Decimal(threshold)
        world.county.save()
    strategy = make_strategy(world, reference=reference, value=value)
    complete_evidence(strategy, world.officer)
    return strategy, services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def test_submitting_asks_the_deciding_officer_for_the_record(world):
    _strategy, gate = officer_decision(world)
    assert list(gate.current_seats().filter(requires_record_of_decision=True).values_list("role", flat=True)) == [
        "commissioning_manager"
    ]


def test_without_a_threshold_no_officer_seat_records_a_decision(world):
    _strategy, gate = officer_decision(world, threshold=None)
    assert not gate.current_seats().filter(requires_record_of_decision=True).exists()


def test_the_deciding_officer_cannot_approve_without_the_record(world):
    _strategy, gate = officer_decision(world)
    seat = gate.current_seats().get(role="commissioning_manager")
    with pytest.raises(InvalidInput) as refused:
        services.seat_decide(actor=world.manager, seat_id=seat.pk, outcome="approve")
    assert set(refused.value.errors) >= {"record.decision_text", "record.alternatives_considered"}


def test_the_sign_off_form_calls_it_an_officer_decision_record(client, world):
    _strategy, gate = officer_decision(world)
    client.force_login(world.manager)
    page = client.get(reverse("seat-signoff", args=[gate.current_seats().get(role="commissioning_manager").pk])).text
    assert "Officer decision record" in page and "regulation 7" in page


def test_the_record_is_published_beside_the_executive_records_once_the_gate_passes(client, world):
    _strategy, gate = officer_decision(world)
    seat = gate.current_seats().get(role="commissioning_manager")
    services.seat_decide(actor=world.manager, seat_id=seat.pk, outcome="approve", record=RECORD)
    assert client.get(reverse("decisions-json")).json()["items"] == []  # not yet taken: finance has not signed
    decision = seat.decisions.get()
    for other in gate.current_seats().exclude(pk=seat.pk).order_by("pk"):
        services.seat_decide(actor=signer_of(world, other), seat_id=other.pk, outcome="approve")
    listing = client.get(reverse("records-of-decision")).text
    officer_section = listing[listing.index('id="officer"') :]
    assert reverse("record-of-decision", args=[decision.pk]) in officer_section
    record = client.get(reverse("record-of-decision", args=[decision.pk])).text
    for text in ("Officer decision record", "regulation 7", "In-house breaks: rejected, no capacity.", "took no part"):
        assert text in record, text
    [item] = client.get(reverse("decisions-json")).json()["items"]
    assert item["kind"] == "officer" and item["key_decision"] is False
    assert item["dispensations_granted"] == "None needed: Councillor Porter took no part."
    assert item["date"] == decision.decided_at.isoformat()
