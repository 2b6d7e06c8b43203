"""The domain's notifications reach people through a real Celery worker, on a real Redis, by a real SMTP server.

What the outbox and the worker guarantee (after commit, across a broker outage, a worker killed mid-task) is the
engine's, tested in tests/workflows/test_celery_worker.py. Here: submitting a strategy's gate asks its seat holders
to sign off, by e-mail and in-app, delivered by the worker. The processes come from tests/workflows/conftest.py.
"""

from __future__ import annotations

import shutil

import pytest

from commissioning import services
from tests.factories import build_world, complete_evidence, make_strategy
from tests.workflows import conftest as processes
from tests.workflows.conftest import assert_every_message_delivered_exactly_once
from workflows.models import Notification, OutboxMessage

pytestmark = [
    pytest.mark.postgresql,
    pytest.mark.celery,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("deliveries_in_this_process"),
    pytest.mark.skipif(
        shutil.which("redis-server") is None,
        reason="needs redis-server on PATH (apt-get install redis-server; .ci/run installs it)",
    ),
]

DELIVER = "workflows.deliver_outbox"

# The engine's process fixtures, made usable here (and nothing else of its conftest: not its directory or world).
redis_server = processes.redis_server
broker = processes.broker
smtp_server = processes.smtp_server
start_worker = processes.start_worker
published_tasks = processes.published_tasks
deliveries_in_this_process = processes.deliveries_in_this_process


def submitted_strategy(w, *, reference: str, title: str):
    strategy = make_strategy(w, reference=reference, title=title)
    complete_evidence(strategy, w.officer)
    return strategy


def test_a_submitted_gate_is_announced_to_its_seat_holders_by_the_worker_by_email_and_in_app(
    start_worker, smtp_server, published_tasks
):
    mailbox, _ = smtp_server
    w = build_world()
    strategy = submitted_strategy(w, reference="MCC-001", title="Adult carers support")
    worker = start_worker()
    assert not OutboxMessage.objects.exists()
    published_tasks.clear()

    services.gate_submit(actor=w.officer, strategy_id=strategy.pk)

    assert [name for name, _ in published_tasks] == [DELIVER], "the commit should ask a worker to deliver, once"
    assert worker.wait_for_task(published_tasks[0][1]) == {"sent": 6, "retried": 0, "failed": 0}
    seat_holders = {w.officer2, w.finance, w.icb_signatory}  # the officer submitted, so is not asked to sign off
    assert {r.recipients for r in mailbox.snapshot()} == {(p.email,) for p in seat_holders}
    assert all(r.subject.startswith("Sign-off needed: ") for r in mailbox.snapshot())
    assert set(Notification.objects.values_list("recipient", flat=True)) == {p.pk for p in seat_holders}
    assert_every_message_delivered_exactly_once(mailbox)
