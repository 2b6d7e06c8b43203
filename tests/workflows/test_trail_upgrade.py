"""Upgrading a live database: the migration that brings in the hash chains chains every audit event written before
it, in id order and in batches, so that `verify_audit` passes straight after; on PostgreSQL the append-only trigger
refuses changes again once it has run."""

from importlib import import_module

import pytest
from django.db import DatabaseError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from tests.workflows.testapp.services import proposal_create, proposal_submit
from tests.workflows.testapp.world import ordinary_seats
from workflows.models import AuditChain, AuditEvent
from workflows.trail import published_heads, verify_trail

pytestmark = pytest.mark.django_db(transaction=True)

CHAINING = "0008_audit_hash_chain"


def migrate(targets) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(targets)


def before_chaining() -> list[tuple[str, str]]:
    migration = import_module(f"workflows.migrations.{CHAINING}").Migration
    return [dependency for dependency in migration.dependencies if dependency[0] == "workflows"]


def test_upgrading_chains_the_events_written_before_and_gives_the_same_hashes_as_the_live_trail(world):
    for n in range(3):
        proposal = proposal_create(actor=world.officer, title=f"Proposal {n}")
        proposal_submit(actor=world.officer, proposal_id=proposal.pk, seats=ordinary_seats(world))
    live = published_heads()
    events = AuditEvent.objects.count()
    migrate(before_chaining())  # the trail as the release before wrote it: no chains, no hashes
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM workflows_auditevent")
            assert cursor.fetchone()[0] == events
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    report = verify_trail(batch_size=7)
    assert report.ok, report.breaks
    assert report.events == events and report.chains == AuditChain.objects.count() == 3
    upgraded = published_heads()
    assert upgraded["chains"] == live["chains"], "the migration seals each event exactly as the live trail did"
    assert upgraded["root"] == live["root"]


@pytest.mark.postgresql
def test_after_upgrading_postgresql_still_refuses_to_change_the_trail(world):
    proposal_create(actor=world.officer, title="Adult carers support")
    migrate(before_chaining())
    migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert verify_trail().ok
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE workflows_auditevent SET reason = 'x'")
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM workflows_auditevent")
