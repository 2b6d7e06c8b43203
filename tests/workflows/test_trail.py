"""The tamper-evident trail: every audit event is chained by hashes to the one before it on its subject's chain, and
`verify_audit` finds any change made to the table behind the services' back: a changed column, a deleted row (in
the middle or at the end), a rewritten link, rows swapped. The tampering is done with raw SQL; on PostgreSQL the
append-only trigger is switched off first, as someone with the database's owner rights could.

The subjects are the engine's test app's proposals (tests/workflows/testapp); what the domain writes is checked in
tests/commissioning (the admin's changes, the public proofs).
"""

import datetime as dt
import io
import itertools
from contextlib import contextmanager

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from tests.workflows.testapp.models import Proposal
from tests.workflows.testapp.services import proposal_create, proposal_decide, proposal_submit
from tests.workflows.testapp.world import key_decision_seats, ordinary_seats
from workflows.models import AuditChain, AuditEvent
from workflows.services import RecordSpec, delegation_create
from workflows.trail import GENERAL_CHAIN, GENESIS, chain_key, link_hash, verify_trail
from workflows.trail.hashing import CONTENT_COLUMNS, content_of_row

pytestmark = pytest.mark.django_db

TABLE = "workflows_auditevent"


@contextmanager
def behind_the_services_back():
    """A cursor that can change the audit table: on PostgreSQL the append-only trigger is off until the block ends
    (pending foreign-key checks are run first: ALTER TABLE refuses a table that has some)."""
    postgres = connection.vendor == "postgresql"
    with transaction.atomic(), connection.cursor() as cursor:
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_append_only")
        yield cursor
        if postgres:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_append_only")


def a_proposal_through_sign_off(world, title="Adult carers support"):
    proposal = proposal_create(actor=world.officer, title=title)
    gate = proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))
    signers = {"officer": world.officer2, "finance": world.finance, "partner_signatory": world.icb_signatory}
    for seat in gate.current_seats():
        proposal_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    return proposal


def chain_of(proposal) -> list[AuditEvent]:
    key = chain_key(Proposal._meta.label_lower, proposal.pk)
    return list(AuditEvent.objects.filter(chain__key=key).order_by("chain_position"))


def proposal_events(world):
    """Two proposals' histories and a delegation (on the general chain), interleaved."""
    first = a_proposal_through_sign_off(world)
    second = proposal_create(actor=world.officer, title="Highways maintenance")
    delegation_create(
        actor=world.manager,
        principal=world.manager,
        deputy=world.officer,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=2),
    )
    proposal_submit(actor=world.officer, proposal_id=second.pk, seats=ordinary_seats(world))
    return first, second


def test_each_event_is_chained_to_the_one_before_it_on_its_subjects_chain(world):
    first, second = proposal_events(world)
    events = chain_of(first)
    assert len(events) > 5
    assert [e.chain_position for e in events] == list(range(1, len(events) + 1))
    assert [e.pk for e in events] == sorted(e.pk for e in events), "ids follow the chain"
    assert events[0].previous_hash == GENESIS
    key = events[0].chain.key
    for before, event in itertools.pairwise(events):
        own = link_hash(
            chain=key,
            position=before.chain_position,
            previous_hash=before.previous_hash,
            content_hash=before.content_hash,
        )
        assert event.previous_hash == own
    head = AuditChain.objects.get(key=key)
    last = events[-1]
    assert head.length == len(events)
    assert head.head_hash == link_hash(
        chain=key, position=last.chain_position, previous_hash=last.previous_hash, content_hash=last.content_hash
    )
    assert {e.chain.key for e in chain_of(second)} == {f"workflows_testapp.proposal:{second.pk}"}


def test_an_event_without_a_subject_goes_on_the_general_chain(world):
    proposal_events(world)
    [delegate] = AuditEvent.objects.filter(transition="delegate")
    assert delegate.chain.key == GENERAL_CHAIN
    assert (delegate.chain.subject_type_id, delegate.chain.subject_id) == (None, None)


def test_the_content_hash_is_what_the_stored_row_gives(world):
    proposal_events(world)
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    from workflows.canonical import content_hash

    for row in AuditEvent.objects.values_list("content_hash", *CONTENT_COLUMNS):
        assert row[0] == content_hash(content_of_row(row[1:], labels))


def test_an_intact_trail_verifies_and_the_command_prints_its_figures(world):
    proposal_events(world)
    out = io.StringIO()
    call_command("verify_audit", "--batch-size", "3", stdout=out)
    text = out.getvalue()
    events, chains = AuditEvent.objects.count(), AuditChain.objects.count()
    assert f"Checked {events:,} events on {chains:,} chains in " in text
    assert "peak memory" in text and " MB" in text and "batches of up to 3" in text
    assert "The audit trail is intact" in text


def verify_breaks():
    report = verify_trail(batch_size=4)
    return report.breaks


CHANGED_TO = {
    "reason": "Rewritten afterwards",
    "to_state": "rejected",
    "snapshot_hash": "0000",
    "object_repr": "Something else",
    "data": '{"seat": 1}',
    "actor_id": None,
}


@pytest.mark.parametrize("column", [*CHANGED_TO, "occurred_at"])
def test_a_column_changed_with_raw_sql_is_found_as_changed_content(world, column):
    first, _ = proposal_events(world)
    target = chain_of(first)[3]
    assert target.actor_id is not None
    value = target.occurred_at - dt.timedelta(hours=1) if column == "occurred_at" else CHANGED_TO[column]
    with behind_the_services_back() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET {column} = %s WHERE id = %s", [value, target.pk])
    breaks = verify_breaks()
    assert [(b.kind, b.event_id, b.position) for b in breaks] == [("content changed", target.pk, 4)], breaks
    assert str(breaks[0]).startswith(
        f"content changed: event #{target.pk} (chain workflows_testapp.proposal:{first.pk}, "
    )


def test_a_deleted_event_is_found_as_missing_at_the_next_one(world):
    first, _ = proposal_events(world)
    events = chain_of(first)
    with behind_the_services_back() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[2].pk])
    [found] = verify_breaks()
    assert (found.kind, found.event_id, found.position) == ("missing event", events[3].pk, 4)
    assert f"position 3 after event #{events[1].pk} is not in the trail" in found.detail


def test_a_deleted_last_event_is_found_against_the_chains_head(world):
    first, _ = proposal_events(world)
    events = chain_of(first)
    with behind_the_services_back() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} WHERE id = %s", [events[-1].pk])
    [found] = verify_breaks()
    assert (found.kind, found.event_id) == ("missing event", None)
    assert f"the chain's head says {len(events)} events, the trail ends at position {len(events) - 1}" in found.detail


def test_an_edit_with_its_content_hash_recomputed_breaks_the_next_link(world):
    first, _ = proposal_events(world)
    events = chain_of(first)
    target = events[1]
    labels = {ct.pk: f"{ct.app_label}.{ct.model}" for ct in ContentType.objects.all()}
    from workflows.canonical import content_hash

    with behind_the_services_back() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET reason = %s WHERE id = %s", ["Rewritten", target.pk])
    row = AuditEvent.objects.filter(pk=target.pk).values_list(*CONTENT_COLUMNS).get()
    with behind_the_services_back() as cursor:
        cursor.execute(
            f"UPDATE {TABLE} SET content_hash = %s WHERE id = %s",
            [content_hash(content_of_row(row, labels)), target.pk],
        )
    [found] = verify_breaks()
    assert (found.kind, found.event_id, found.position) == ("link broken", events[2].pk, 3)


def test_two_events_swapped_are_found_out_of_order(world):
    first, _ = proposal_events(world)
    a, b = chain_of(first)[1:3]
    with behind_the_services_back() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET chain_position = 0 WHERE id = %s", [a.pk])
        cursor.execute(f"UPDATE {TABLE} SET chain_position = %s WHERE id = %s", [a.chain_position, b.pk])
        cursor.execute(f"UPDATE {TABLE} SET chain_position = %s WHERE id = %s", [b.chain_position, a.pk])
    kinds = [found.kind for found in verify_breaks()]
    assert kinds[0] == "missing event" and "out of order" in kinds


def test_verify_audit_exits_non_zero_naming_the_first_break(world):
    first, _ = proposal_events(world)
    target = chain_of(first)[2]
    with behind_the_services_back() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET reason = 'x' WHERE id = %s", [target.pk])
    out = io.StringIO()
    with pytest.raises(CommandError, match=rf"1 break, the first at event #{target.pk}\."):
        call_command("verify_audit", stdout=out)
    assert f"First break: content changed: event #{target.pk}" in out.getvalue()


@pytest.mark.postgresql
def test_on_postgresql_a_row_altered_after_disable_trigger_is_found_and_the_trigger_still_refuses(world):
    first, _ = proposal_events(world)
    target = chain_of(first)[1]
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {TABLE} DISABLE TRIGGER {TABLE}_append_only")
        cursor.execute(f"UPDATE {TABLE} SET to_state = 'approved', reason = 'no reason' WHERE id = %s", [target.pk])
        cursor.execute(f"ALTER TABLE {TABLE} ENABLE TRIGGER {TABLE}_append_only")
    [found] = verify_breaks()
    assert (found.kind, found.event_id) == ("content changed", target.pk)
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {TABLE} SET reason = 'again' WHERE id = %s", [target.pk])


def test_a_record_of_decisions_text_is_on_its_decisions_event(world):
    from workflows.models import Decision, RecordOfDecision
    from workflows.trail import record_hash

    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    gate = proposal_submit(
        actor=world.officer, proposal_id=proposal.pk, seats=key_decision_seats(world), key_decision=True
    )
    seat = gate.current_seats().get(role="executive_member")
    proposal_decide(
        actor=world.member, seat_id=seat.pk, outcome="approve", record=RecordSpec(" Agree ", "Sound", "None", "None")
    )
    record = RecordOfDecision.objects.get(decision__seat=seat)
    event = AuditEvent.objects.get(
        object_type=ContentType.objects.get_for_model(Decision), object_id=record.decision_id, transition="decide"
    )
    assert event.data["record_hash"] == record_hash(
        decision_text="Agree", reasons="Sound", alternatives_considered="None", conflicts_of_interest="None",
        dispensations="",
    )  # fmt: skip
