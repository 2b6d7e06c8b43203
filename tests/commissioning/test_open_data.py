"""Open data: the forward plan (with the 2012 Regulations' notice fields) and the records of decision as Atom (parsed
with feedparser), JSON and CSV, with stable ids and links, readable without signing in."""

import csv
import datetime as dt
import io
from decimal import Decimal

import feedparser
import pytest
import time_machine
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from commissioning import services
from tests.factories import complete_evidence, make_strategy
from workflows.models import AuditEvent, SeatState
from workflows.services import RecordSpec

pytestmark = pytest.mark.django_db

MONDAY = timezone.make_aware(dt.datetime(2026, 11, 2, 9, 0))
REPRESENTATIONS = "Write to Democratic Services, County Hall, by 5pm five working days before the decision."
RECORD = RecordSpec("Agree the strategy.", "It meets need.", "Do nothing: rejected.", "None declared.", "")


def noticed(world, *, reference="MCC-KEY", **words):
    """A key decision (£600k) on the forward plan, published on MONDAY for 1 December 2026."""
    world.county.representations_text = REPRESENTATIONS
    world.county.save()
    strategy = make_strategy(world, reference=reference, value="600000")
    complete_evidence(strategy, world.officer)
    with time_machine.travel(MONDAY, tick=False):
        gate = services.forward_plan_publish(
            actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 12, 1), **words
        )
    return strategy, gate


def taken(world, reference="MCC-TAKEN"):
    """A key decision taken (urgent, so no notice period): its record of decision is published."""
    strategy = make_strategy(world, reference=reference, value="600000")
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Provider failure")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().exclude(role="executive_member"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    member_seat = gate.current_seats().get(role="executive_member")
    return services.seat_decide(actor=world.member, seat_id=member_seat.pk, outcome="approve", record=RECORD)


def test_publishing_a_notice_records_the_matter_the_decision_maker_and_the_documents(world):
    _strategy, gate = noticed(
        world,
        matter="Whether to commission carers' support for three years.",
        decision_maker="Councillor Margaret Ellis, Executive Member for Adult Care",
        documents="Needs assessment\n\n  Commissioning strategy document  ",
    )
    assert gate.notice_matter == "Whether to commission carers' support for three years."
    assert gate.notice_decision_maker == "Councillor Margaret Ellis, Executive Member for Adult Care"
    assert gate.notice_documents == "Needs assessment\nCommissioning strategy document"
    event = AuditEvent.objects.filter(transition="publish_forward_plan_notice").get()
    assert event.data["decision_maker"] == gate.notice_decision_maker


def test_a_notice_left_to_the_service_names_the_gate_the_executive_member_and_the_evidence(world):
    strategy, gate = noticed(world)
    assert gate.notice_matter.startswith(f"Analyse gate of {strategy.title} ({strategy.reference}), cycle 1")
    assert gate.notice_decision_maker == "Executive member, Midshire County Council"
    assert gate.notice_documents.splitlines()[0] == "Needs assessment"


def test_the_forward_plan_page_shows_every_notice_field(client, world):
    noticed(world, decision_maker="Councillor Margaret Ellis")
    page = client.get(reverse("forward-plan")).text
    for text in ("Matter to be decided", "Councillor Margaret Ellis", "1 December 2026", "Needs assessment"):
        assert text in page, text
    assert "Write to Democratic Services, County Hall" in page
    assert reverse("forward-plan-atom") in page and reverse("forward-plan-json") in page


def test_the_forward_plan_atom_feed_parses_with_feedparser_with_stable_ids_and_links(client, world):
    _strategy, gate = noticed(world)
    response = client.get(reverse("forward-plan-atom"))
    assert response.status_code == 200 and response["Content-Type"].startswith("application/atom+xml")
    feed = feedparser.parse(response.content)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    [entry] = feed.entries
    assert entry.id == f"tag:commissioning.localhost,2026:notice/{gate.pk}"
    assert entry.link == f"http://testserver/forward-plan/#notice-{gate.pk}"
    assert "MCC-KEY" in entry.title
    assert "Decision-maker: Executive member, Midshire County Council" in entry.summary
    assert "How to make representations: Write to Democratic Services" in entry.summary
    with time_machine.travel(MONDAY + dt.timedelta(days=1), tick=False):  # published again: the same entry
        services.forward_plan_publish(
            actor=world.officer, strategy_id=gate.subject_id, decision_date=dt.date(2026, 12, 8)
        )
    again = feedparser.parse(client.get(reverse("forward-plan-atom")).content)
    assert [e.id for e in again.entries] == [entry.id]


def test_the_forward_plan_as_json_and_csv(client, world):
    _strategy, gate = noticed(world)
    body = client.get(reverse("forward-plan-json")).json()
    [item] = body["items"]
    assert item["id"] == f"tag:commissioning.localhost,2026:notice/{gate.pk}"
    assert item["decision_maker"] == "Executive member, Midshire County Council"
    assert item["intended_decision_date"] == "2026-12-01" and item["notice_published_on"] == "2026-11-02"
    assert item["documents"][0] == "Needs assessment"
    assert item["how_to_make_representations"] == REPRESENTATIONS
    assert item["strategy"] == {"reference": "MCC-KEY", "title": "Adult carers support"}
    response = client.get(reverse("forward-plan-csv"))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    [row] = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert row["id"] == item["id"] and row["strategy_reference"] == "MCC-KEY"
    assert row["how_to_make_representations"] == REPRESENTATIONS


@override_settings(OPEN_DATA_TAG_AUTHORITY="commissioning.midshire.gov.uk,2026")
def test_the_records_of_decision_as_atom_json_and_csv_without_signing_in(client, world):
    decision = taken(world)
    feed = feedparser.parse(client.get(reverse("decisions-atom")).content)
    assert not feed.bozo
    [entry] = feed.entries
    assert entry.id == f"tag:commissioning.midshire.gov.uk,2026:decision/{decision.pk}"
    assert entry.link == f"http://testserver/decisions/{decision.pk}/"
    assert {tag.term for tag in entry.tags} == {"executive decision", "key decision"}
    assert "Alternatives considered and rejected: Do nothing: rejected." in entry.summary
    [item] = client.get(reverse("decisions-json")).json()["items"]
    assert (item["kind"], item["decision"], item["snapshot_hash"]) == (
        "executive",
        "Agree the strategy.",
        decision.snapshot_hash,
    )
    assert item["conflicts_of_interest_declared"] == "None declared."
    [row] = list(csv.DictReader(io.StringIO(client.get(reverse("decisions-csv")).content.decode())))
    assert row["id"] == entry.id and row["decided_by"] == str(world.member)


def test_the_open_data_page_lists_every_download(client, world):
    page = client.get(reverse("open-data")).text
    for name in ("forward-plan-atom", "forward-plan-json", "forward-plan-csv", "decisions-atom", "decisions-json"):
        assert reverse(name) in page
    assert reverse("open-data") in client.get(reverse("records-of-decision")).text


def test_a_record_from_a_round_that_was_then_rejected_is_never_published(client, world):
    """The manager approved (with an officer decision record), finance rejected: no decision was taken."""
    world.county.officer_decision_threshold = Decimal("100000")
    world.county.save()
    strategy = make_strategy(world, reference="MCC-OFF", value="200000")
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    manager_seat = gate.current_seats().get(role="commissioning_manager")
    services.seat_decide(actor=world.manager, seat_id=manager_seat.pk, outcome="approve", record=RECORD)
    finance = gate.current_seats().get(role="finance")
    services.seat_decide(actor=world.finance, seat_id=finance.pk, outcome="reject", reasons="Not affordable")
    assert manager_seat.decisions.get().record is not None
    assert client.get(reverse("decisions-json")).json()["items"] == []
    assert gate.current_seats().filter(state=SeatState.CANCELLED).exists()
