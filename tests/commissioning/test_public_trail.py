"""Anyone can check a published record of decision against the audit trail's published heads, without trusting the
service: the record's page shows the hash of the event that recorded the decision and offers its proof; the proof
checks out with nothing but hashlib and json, following the published instructions (`check_proof` below is written
from the README, not from the product's code); a record or an event changed in the database no longer checks out."""

from __future__ import annotations

import hashlib
import json

import pytest
from django.db import connection, transaction
from django.urls import reverse

from tests.commissioning.test_pages_public_reports import key_decision_on_forward_plan, take_key_decision
from workflows.models import AuditChain

pytestmark = pytest.mark.django_db


def sha256_of(value) -> str:
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def check_proof(proof: dict, heads: dict) -> list[str]:
    """What is wrong with a proof, as a member of the public would check it (an empty list: it checks out)."""
    problems = []
    if sha256_of(proof["record"]) != proof["record_hash"]:
        problems.append("the record's hash is not its text's")
    event = proof["event"]
    if event["content"]["data"].get("record_hash") != sha256_of(proof["record"]):
        problems.append("the event does not carry this record's hash")
    if sha256_of(event["content"]) != event["content_hash"]:
        problems.append("the event's content does not give its content hash")

    def link(position, previous, own):
        return sha256_of(
            {
                "version": 1,
                "chain": event["chain"],
                "position": position,
                "previous_hash": previous,
                "content_hash": own,
            }
        )

    current = link(event["position"], event["previous_hash"], event["content_hash"])
    if current != event["event_hash"]:
        problems.append("the event's hash is wrong")
    position = event["position"]
    for step in proof["path"]:
        if step["previous_hash"] != current or step["position"] != position + 1:
            problems.append(f"the path breaks at position {step['position']}")
        position, current = step["position"], link(step["position"], step["previous_hash"], step["content_hash"])
    published = {key: (length, head) for key, length, head in heads["chains"]}
    if published.get(event["chain"]) != (position, current):
        problems.append("the path does not end at the published head")
    if sha256_of({"version": 1, "chains": heads["chains"]}) != heads["root"]:
        problems.append("the published root is not the heads' hash")
    return problems


@pytest.fixture
def published(client, world):
    _, gate = key_decision_on_forward_plan(world, reference="MCC-KEY")
    return take_key_decision(world, gate)


def proof_and_heads(client, decision):
    proof = client.get(reverse("record-of-decision-proof", args=[decision.pk]))
    heads = client.get(reverse("audit-chain-json"))
    assert (proof.status_code, heads.status_code) == (200, 200)
    return proof.json(), heads.json()


def test_a_record_of_decisions_page_shows_its_events_hash_and_links_to_its_proof_and_the_heads(client, published):
    proof, _ = proof_and_heads(client, published)
    page = client.get(reverse("record-of-decision", args=[published.pk])).text
    assert proof["event"]["event_hash"] in page
    assert reverse("record-of-decision-proof", args=[published.pk]) in page
    assert reverse("audit-chain") in page
    assert f"chain commissioning.strategy:{published.gate.subject_id}), which covers this record's text" in page


def test_the_proof_checks_out_with_nothing_but_hashlib_and_the_published_instructions(client, published):
    proof, heads = proof_and_heads(client, published)
    assert check_proof(proof, heads) == []
    assert proof["checks"] == {
        "record_matches_its_event": True,
        "event_content_matches_its_hash": True,
        "each_step_links_to_the_one_before": True,
    }
    assert proof["event"]["content"]["transition"] == "decide"
    assert "reason" not in proof["event"]["content"], "only the reason's hash is published"


def test_the_proof_still_checks_out_after_the_strategys_chain_goes_on(client, world, published):
    from commissioning import services

    before, _ = proof_and_heads(client, published)
    services.decision_call_in(actor=world.scrutiny, strategy_id=published.gate.subject_id, reason="Consult more")
    proof, heads = proof_and_heads(client, published)
    assert len(proof["path"]) == len(before["path"]) + 1
    assert proof["path"][: len(before["path"])] == before["path"], "a head kept earlier is on the path"
    assert check_proof(proof, heads) == []


def test_a_record_changed_in_the_database_no_longer_checks_out(client, published):
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(
                "ALTER TABLE workflows_recordofdecision DISABLE TRIGGER workflows_recordofdecision_append_only"
            )
        cursor.execute("UPDATE workflows_recordofdecision SET reasons = 'Something else entirely'")
        if connection.vendor == "postgresql":
            cursor.execute(
                "ALTER TABLE workflows_recordofdecision ENABLE TRIGGER workflows_recordofdecision_append_only"
            )
    proof, heads = proof_and_heads(client, published)
    assert check_proof(proof, heads) == ["the event does not carry this record's hash"]
    assert proof["checks"]["record_matches_its_event"] is False


def test_an_event_changed_in_the_database_no_longer_checks_out_against_a_head_kept_before(client, published):
    _, kept = proof_and_heads(client, published)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE workflows_auditevent DISABLE TRIGGER workflows_auditevent_append_only")
        cursor.execute("UPDATE workflows_auditevent SET to_state = 'reject' WHERE transition = 'decide'")
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE workflows_auditevent ENABLE TRIGGER workflows_auditevent_append_only")
    proof, _ = proof_and_heads(client, published)
    assert "the event's content does not give its content hash" in check_proof(proof, kept)


def test_the_published_heads_list_every_chain_with_their_root(client, published):
    heads = client.get(reverse("audit-chain-json")).json()
    assert heads["chains_count"] == AuditChain.objects.count() == len(heads["chains"])
    assert [key for key, _length, _head in heads["chains"]] == sorted(AuditChain.objects.values_list("key", flat=True))
    assert heads["root"] == sha256_of({"version": 1, "chains": heads["chains"]})
    page = client.get(reverse("audit-chain"))
    assert page.status_code == 200
    assert heads["root"] in page.text
    assert reverse("audit-chain-json") in page.text


def test_only_a_published_record_has_a_proof(client, world):
    _, gate = key_decision_on_forward_plan(world)
    finance = gate.current_seats().get(role="finance")
    from commissioning import services

    decision = services.seat_decide(actor=world.finance, seat_id=finance.pk, outcome="approve")
    assert client.get(reverse("record-of-decision-proof", args=[decision.pk])).status_code == 404
    assert client.get(reverse("record-of-decision-proof", args=[999999])).status_code == 404
