"""Changes between rounds: what changed since the snapshot each decider last saw, on the sign-off page, the strategy
page and the API, with both hashes; a member who rejected sees first their reasons and what was done about them."""

import pytest
from django.urls import reverse
from django.utils.html import escape

from commissioning import services
from commissioning.changes import paragraph_diff, snapshot_changes
from commissioning.models import EvidenceStatus
from commissioning.selectors.changes import changes_for_seat, changes_on_gate
from tests.clients import token_client
from tests.factories import OrganisationFactory, complete_evidence, make_strategy, person
from workflows.models import GateSnapshot

pytestmark = pytest.mark.django_db

REASONS = "The resources baseline leaves out the district's £45,000 contribution."
NOTE = "The baseline now shows each partner's share, the district's £45,000 included."


def snapshot(**facts):
    evidence = facts.pop("evidence", [])
    return {
        "strategy": {"title": "Carers", "summary": "", **facts},
        "stage": "analyse",
        "cycle": 1,
        "evidence": evidence,
    }


def item(code, **fields):
    return {"code": code, "title": code.title(), "status": "complete", "content": "", "link": "", **fields}


# --------------------------------------------------------------------------------------------------------------
# The comparison itself: a plain function of two snapshots' content
# --------------------------------------------------------------------------------------------------------------


def test_a_changed_fact_has_its_value_before_and_after_as_stored_and_as_read():
    changes = snapshot_changes(snapshot(total_contract_value="100000.00"), snapshot(total_contract_value="145000.00"))
    [change] = changes["facts"]
    assert (change["field"], change["label"]) == ("total_contract_value", "Total contract value")
    assert (change["before"], change["after"]) == ("100000.00", "145000.00")
    assert (change["before_text"], change["after_text"]) == ("£100,000.00", "£145,000.00")
    assert changes["count"] == 1 and changes["evidence"] == []


def test_evidence_is_matched_by_its_code_as_added_removed_or_edited():
    before = snapshot(evidence=[item("baseline", content="Old figures"), item("market")])
    after = snapshot(evidence=[item("baseline", content="New figures"), item("engagement", content="Carers said")])
    changes = {(c["change"], c["code"]): c for c in snapshot_changes(before, after)["evidence"]}
    assert set(changes) == {("edited", "baseline"), ("added", "engagement"), ("removed", "market")}
    [edit] = changes[("edited", "baseline")]["fields"]
    assert (edit["label"], edit["before_text"], edit["after_text"]) == ("Content", "Old figures", "New figures")


def test_long_text_is_compared_paragraph_by_paragraph():
    before = "Needs are rising.\n\nThe budget is £100,000.\n\nProviders are few."
    after = "Needs are rising.\n\nThe budget is £145,000.\n\nProviders are few.\n\nCarers were asked twice."
    assert paragraph_diff(before, after) == [
        {"change": "kept", "text": "Needs are rising."},
        {"change": "removed", "text": "The budget is £100,000."},
        {"change": "added", "text": "The budget is £145,000."},
        {"change": "kept", "text": "Providers are few."},
        {"change": "added", "text": "Carers were asked twice."},
    ]
    [change] = snapshot_changes(
        snapshot(evidence=[item("a", content=before)]), snapshot(evidence=[item("a", content=after)])
    )["evidence"]
    assert change["fields"][0]["paragraphs"] == paragraph_diff(before, after)


def test_the_same_content_has_no_changes():
    content = snapshot(summary="A", evidence=[item("a")])
    assert snapshot_changes(content, content) == {"facts": [], "evidence": [], "count": 0}


# --------------------------------------------------------------------------------------------------------------
# A gate rejected, revised and resubmitted
# --------------------------------------------------------------------------------------------------------------


def finance_seat(gate):
    return gate.current_seats().get(role="finance")


def rejected_and_resubmitted(world, *, note=NOTE):
    """Finance rejects submission 1; the officer changes the summary and the baseline evidence and resubmits."""
    strategy = make_strategy(world, reference="MCC-RES")
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    first = finance_seat(gate)
    services.seat_decide(actor=world.finance, seat_id=first.pk, outcome="reject", reasons=REASONS)
    baseline = strategy.evidence.get(cycle=1, stage="analyse", template__code="resources-baseline")
    services.evidence_update(
        actor=world.officer,
        evidence_id=baseline.pk,
        status=EvidenceStatus.COMPLETE,
        content="Resources and current spend baseline: done.\n\nThe district contributes £45,000 a year.",
    )
    services.strategy_update(actor=world.officer, strategy_id=strategy.pk, summary="Now with the district's share.")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk, note=note)
    return strategy, gate, first, finance_seat(gate)


def test_the_member_who_rejected_is_shown_their_reasons_the_note_and_what_changed(world):
    _strategy, gate, first, second = rejected_and_resubmitted(world)
    comparison = changes_for_seat(second, world.finance)
    old, new = GateSnapshot.objects.get(gate=gate, round=1), GateSnapshot.objects.get(gate=gate, round=2)
    assert (comparison.before.content_hash, comparison.after.content_hash) == (old.content_hash, new.content_hash)
    assert comparison.yours.reasons == REASONS and comparison.decided.seat_id == first.pk
    assert comparison.note == NOTE
    assert [c["field"] for c in comparison.changes["facts"]] == ["summary"]
    assert [(c["change"], c["code"]) for c in comparison.changes["evidence"]] == [("edited", "resources-baseline")]


def test_someone_who_did_not_decide_before_is_shown_the_changes_since_the_round_before(world):
    _strategy, gate, _first, _second = rejected_and_resubmitted(world)
    partner_seat = gate.current_seats().get(role="partner_signatory")
    comparison = changes_for_seat(partner_seat, world.icb_signatory)
    assert comparison.before.round == 1 and comparison.decided is None and comparison.yours is None
    assert [d.reasons for d in comparison.rejections] == [REASONS]


def test_a_first_submission_has_nothing_to_compare(world):
    strategy = make_strategy(world)
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    assert changes_for_seat(finance_seat(gate), world.finance) is None
    assert changes_on_gate(gate) is None


def test_the_sign_off_page_shows_the_rejecters_reasons_then_the_difference_with_both_hashes_before_the_form(
    client, world
):
    _strategy, gate, _first, second = rejected_and_resubmitted(world)
    client.force_login(world.finance)
    page = client.get(reverse("seat-signoff", args=[second.pk])).text
    old = GateSnapshot.objects.get(gate=gate, round=1).content_hash
    new = GateSnapshot.objects.get(gate=gate, round=2).content_hash
    for text in ("You rejected submission 1", REASONS, NOTE, old, new, "Now with the district's share."):
        assert escape(text) in page, text
    assert "Added paragraph: </span>The district contributes £45,000 a year." in page
    assert page.index("You rejected submission 1") < page.index("What was submitted") < page.index("Record decision")


def test_the_strategy_page_compares_the_content_being_revised_with_the_last_submission(client, world):
    strategy = make_strategy(world, reference="MCC-REV")
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    services.seat_decide(actor=world.finance, seat_id=finance_seat(gate).pk, outcome="reject", reasons=REASONS)
    services.strategy_update(actor=world.officer, strategy_id=strategy.pk, title="Carers support, revised")
    client.force_login(world.officer)
    page = client.get(reverse("strategy-detail", args=[strategy.reference])).text
    assert "What you have changed since it was sent back" in page
    assert "Not submitted yet" in page and gate.snapshot_hash in page
    assert "Carers support, revised" in page and escape(REASONS) in page
    assert 'name="note"' in page  # the resubmission's covering note


def test_the_strategy_page_shows_what_changed_in_the_latest_submission(client, world):
    strategy, _gate, _first, _second = rejected_and_resubmitted(world)
    client.force_login(world.manager)
    page = client.get(reverse("strategy-detail", args=[strategy.reference])).text
    assert "What changed since the last submission" in page and escape(NOTE) in page


# --------------------------------------------------------------------------------------------------------------
# The API
# --------------------------------------------------------------------------------------------------------------


def test_the_api_gives_the_changes_since_the_submission_before_with_both_hashes(world):
    strategy, gate, _first, _second = rejected_and_resubmitted(world)
    response = token_client(world.icb).get(f"/api/v1/strategies/{strategy.reference}/changes/")
    assert response.status_code == 200
    body = response.json()
    old = GateSnapshot.objects.get(gate=gate, round=1).content_hash
    assert (body["since"]["snapshot_hash"], body["latest"]["snapshot_hash"]) == (old, gate.snapshot_hash)
    assert body["note"] == NOTE and body["rejections"][0]["reasons"] == REASONS
    assert body["changes"]["count"] == 2
    assert body["changes"]["facts"][0]["after"] == "Now with the district's share."


def test_the_api_compares_with_the_hash_a_decision_was_made_on(world):
    strategy, _gate, first, _second = rejected_and_resubmitted(world)
    decided_on = first.decisions.get().snapshot_hash
    response = token_client(world.icb).get(f"/api/v1/strategies/{strategy.reference}/changes/?since={decided_on}")
    assert response.status_code == 200 and response.json()["since"]["snapshot_hash"] == decided_on


def test_the_api_names_since_when_it_is_not_a_hash_of_the_strategy(world):
    strategy, _gate, _first, _second = rejected_and_resubmitted(world)
    client = token_client(world.icb)
    for since in ("not-a-hash", "0" * 64):
        response = client.get(f"/api/v1/strategies/{strategy.reference}/changes/?since={since}")
        assert response.status_code == 400
        assert response["Content-Type"] == "application/problem+json"
        assert "since" in response.json()["errors"]


def test_a_first_submission_has_no_since_and_no_changes(world):
    strategy = make_strategy(world, reference="MCC-ONE")
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    body = token_client(world.icb).get(f"/api/v1/strategies/{strategy.reference}/changes/").json()
    assert body["since"] is None and body["changes"]["count"] == 0


def test_a_gate_never_submitted_is_a_404(world):
    strategy = make_strategy(world, reference="MCC-NEW")
    response = token_client(world.icb).get(f"/api/v1/strategies/{strategy.reference}/changes/")
    assert response.status_code == 404 and response["Content-Type"] == "application/problem+json"


def test_another_organisation_gets_404(world):
    strategy, _gate, _first, _second = rejected_and_resubmitted(world)
    other = OrganisationFactory(name="Faraway Borough Council", code="FBC")
    person("stranger", other, "partner_signatory")
    response = token_client(other).get(f"/api/v1/strategies/{strategy.reference}/changes/")
    assert response.status_code == 404
    assert strategy.reference not in response.json()["detail"] or "that you can see" in response.json()["detail"]
