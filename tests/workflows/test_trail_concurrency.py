"""The hash chains under real concurrency, on PostgreSQL with real threads (each its own connection): many
transactions appending to one chain at once never fork or break it, and appends to different chains do not wait
for each other (only a chain's own head row is locked, until its transaction ends)."""

import datetime as dt
import threading
import time

import pytest
from django.db import connection, transaction
from django.utils import timezone

from tests.workflows.testapp.models import Proposal
from tests.workflows.testapp.services import proposal_create
from workflows.models import AuditChain, AuditEvent
from workflows.services import delegation_create
from workflows.trail import GENERAL_CHAIN, verify_trail
from workflows.transitions import audit, lock

pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def together(*calls):
    """Start every call at the same moment in its own thread; return (result or exception, seconds) for each."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            started = time.perf_counter()
            outcome = call()
            results[index] = (outcome, time.perf_counter() - started)
        except Exception as exc:  # the result of the race
            results[index] = (exc, 0.0)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def notes(proposal_id: int, count: int, actor, *, hold: float = 0.0, lock_subject: bool = False):
    def call():
        for n in range(count):
            with transaction.atomic():
                proposal = lock(Proposal, proposal_id) if lock_subject else Proposal.objects.get(pk=proposal_id)
                audit(proposal, transition=f"note_{n}", actor=actor)
                if hold:
                    time.sleep(hold)
        return count

    return call


def test_many_transactions_appending_to_one_chain_at_once_make_one_unbroken_chain(world):
    proposal = proposal_create(actor=world.officer, title="Adult carers support")
    other = proposal_create(actor=world.officer, title="Highways maintenance")
    people = [world.officer, world.officer2, world.manager, world.finance, world.member, world.scrutiny]

    def delegating():
        for n in range(5):
            delegation_create(
                actor=world.chair,
                principal=world.chair,
                deputy=world.manager,
                starts_on=timezone.localdate() + dt.timedelta(days=n),
                ends_on=timezone.localdate() + dt.timedelta(days=n + 1),
            )
        return 5

    calls = [notes(proposal.pk, 15, person) for person in people]  # without the subject's lock: the head row's
    calls += [notes(other.pk, 10, world.chair, lock_subject=True), delegating, delegating]
    results = together(*calls)
    assert not [r for r, _ in results if isinstance(r, Exception)], results

    report = verify_trail(batch_size=50)
    assert report.ok, report.breaks
    chain = AuditChain.objects.get(key=f"{Proposal._meta.label_lower}:{proposal.pk}")
    rows = list(AuditEvent.objects.filter(chain=chain).order_by("pk").values_list("chain_position", flat=True))
    assert rows == list(range(1, 2 + 6 * 15 + 1)), "one event per position, in id order (create, gate, 90 notes)"
    assert chain.length == len(rows)
    assert AuditChain.objects.get(key=GENERAL_CHAIN).length == 10


def test_an_append_waits_only_for_a_transaction_holding_the_same_chain(world):
    busy = proposal_create(actor=world.officer, title="Adult carers support")
    free = proposal_create(actor=world.officer, title="Highways maintenance")

    def after(delay: float, call):
        def timed():
            time.sleep(delay)  # `holding` has its chain's row by then
            started = time.perf_counter()
            call()
            return time.perf_counter() - started

        return timed

    holding = after(0.0, notes(busy.pk, 1, world.officer, hold=2.0))
    same_chain = after(0.5, notes(busy.pk, 1, world.manager))
    other_chain = after(0.5, notes(free.pk, 1, world.finance))
    (held, _), (waited, _), (free_seconds, _) = together(holding, same_chain, other_chain)
    assert held >= 2.0
    assert waited >= 1.0, "an append to the same chain waits for the holder to commit (about 1.5 s here)"
    assert free_seconds < 1.0, "an append to another chain does not wait"
    assert verify_trail().ok
