"""Procurement in the Do stage as Open Contracting Data Standard releases: a release package per strategy, public,
validated with libcoveocds against the OCDS 1.1.5 release package schema (offline: see tests/ocds/README.md)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from commissioning import ocds, services
from commissioning.models import EvidenceStatus
from tests.factories import make_strategy, pass_gate, signer_of
from tests.ocds import validate

pytestmark = pytest.mark.django_db

PREFIX = "ocds-t3st01"


def complete_do_evidence(strategy, officer, *, links=True):
    for item in strategy.evidence.filter(cycle=strategy.cycle, stage="do").select_related("template"):
        services.evidence_update(
            actor=officer,
            evidence_id=item.pk,
            status=EvidenceStatus.COMPLETE,
            content=f"{item.title}: done.",
            link=f"https://www.example.gov.uk/papers/{item.template.code}.pdf" if links else "",
        )


def strategy_in_do(world, *, reference="MCC-PRO", award=True):
    """Analyse and Plan passed (the Plan gate agreeing outsourcing), in Do; the Do gate passed when `award`."""
    strategy = make_strategy(world, reference=reference, value="90000", summary="Short breaks for carers.")
    for _stage in ("analyse", "plan"):
        pass_gate(world, strategy)
        services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    complete_do_evidence(strategy, world.officer)
    if award:
        gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
        for seat in gate.current_seats().order_by("pk"):
            services.seat_decide(actor=signer_of(world, seat), seat_id=seat.pk, outcome="approve")
    strategy.refresh_from_db()
    return strategy


@override_settings(OCDS_OCID_PREFIX=PREFIX)
def test_an_awarded_procurement_is_a_valid_release_package_with_planning_tender_award_and_contract(
    client, world, tmp_path
):
    strategy = strategy_in_do(world)
    response = client.get(reverse("open-data-ocds", args=[strategy.reference]))  # no one signed in
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    package = response.json()
    report = validate(package, tmp_path)
    assert report["validation_errors"] == []
    assert report["additional_closed_codelist_values"] == {}
    releases = package["releases"]
    assert [release["tag"] for release in releases] == [["planning"], ["tender"], ["award"], ["contract"]]
    assert {release["ocid"] for release in releases} == {f"{PREFIX}-MCC-PRO-1"}
    assert len({release["id"] for release in releases}) == 4
    award = releases[2]["awards"][0]
    assert award["value"] == {"amount": 90000.0, "currency": "GBP"}
    assert award["documents"][0]["url"] == "https://www.example.gov.uk/papers/award-record.pdf"
    assert releases[0]["planning"]["budget"]["amount"]["amount"] == 90000.0
    assert releases[3]["contracts"][0]["status"] == "active"
    assert releases[0]["buyer"] == {"id": "MCC", "name": "Midshire County Council"}
    assert package["uri"].endswith(f"/open-data/ocds/{strategy.reference}.json")


@override_settings(OCDS_OCID_PREFIX=PREFIX)
def test_a_procurement_not_yet_awarded_has_its_planning_and_tender_releases(client, world, tmp_path):
    strategy = strategy_in_do(world, reference="MCC-TEN", award=False)
    package = client.get(reverse("open-data-ocds", args=[strategy.reference])).json()
    assert validate(package, tmp_path)["validation_errors"] == []
    assert [release["tag"] for release in package["releases"]] == [["planning"], ["tender"]]
    assert package["releases"][1]["tender"]["status"] == "active"


def test_a_strategy_not_procured_publishes_no_package(client, world):
    strategy = make_strategy(world, reference="MCC-EARLY")
    assert client.get(reverse("open-data-ocds", args=[strategy.reference])).status_code == 404
    assert client.get(reverse("open-data-ocds", args=["MCC-NONE"])).status_code == 404


def test_a_strategy_delivered_in_house_publishes_no_package(client, world):
    strategy = make_strategy(world, reference="MCC-INH")
    pass_gate(world, strategy)
    services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    strategy.refresh_from_db()
    for item in strategy.evidence.filter(cycle=1, stage="plan"):
        services.evidence_update(actor=world.officer, evidence_id=item.pk, status="complete", content="done")
    services.strategy_update(actor=world.officer, strategy_id=strategy.pk, delivery_channel="in_house")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    for seat in gate.current_seats().order_by("pk"):
        services.seat_decide(actor=signer_of(world, seat), seat_id=seat.pk, outcome="approve")
    services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    assert client.get(reverse("open-data-ocds", args=[strategy.reference])).status_code == 404


def test_the_open_data_page_and_the_strategy_page_link_to_the_package(client, world):
    strategy = strategy_in_do(world)
    url = reverse("open-data-ocds", args=[strategy.reference])
    assert url in client.get(reverse("open-data")).text
    client.force_login(world.officer)
    assert url in client.get(reverse("strategy-detail", args=[strategy.reference])).text


def test_a_contract_ended_by_the_next_cycle_has_a_termination_release(tmp_path):
    """The mapping as a plain function: a cycle left for the next one ends its contract."""
    start = timezone.make_aware(dt.datetime(2026, 1, 5, 10))
    buyer = ocds.Party("MCC", "Midshire County Council", ("buyer", "procuringEntity"))
    process = ocds.ProcurementCycle(
        cycle=1,
        planned_at=start,
        planned_value=Decimal("120000.00"),
        tender_at=start + dt.timedelta(days=30),
        awarded_at=start + dt.timedelta(days=90),
        awarded_value=Decimal("118500.00"),
        ended_at=start + dt.timedelta(days=800),
    )
    procurement = ocds.Procurement("MCC-X", "Carers", "", buyer, (buyer,), start, (process,))
    package = ocds.release_package(
        procurement,
        prefix=PREFIX,
        uri="https://x.example/p.json",
        licence="https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/",
        publication_policy="https://x.example/open-data/",
    )
    assert validate(package, tmp_path)["validation_errors"] == []
    last = package["releases"][-1]
    assert last["tag"] == ["contractTermination"] and last["contracts"][0]["status"] == "terminated"
    assert package["releases"][2]["awards"][0]["value"]["amount"] == 118500.0


def test_the_validator_really_checks_the_schema(tmp_path):
    """A package without its releases' ocids is refused: the offline schema is in use."""
    package = {
        "uri": "https://x.example/p.json",
        "version": "1.1",
        "publishedDate": "2026-01-05T10:00:00+00:00",
        "publisher": {"name": "Midshire County Council"},
        "releases": [{"id": "1", "date": "2026-01-05T10:00:00+00:00", "tag": ["planning"], "initiationType": "tender"}],
    }
    errors = validate(package, tmp_path)["validation_errors"]
    assert any("ocid" in error["description"] for error in errors)
