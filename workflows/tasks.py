"""Celery tasks of the engine: thin wrappers that call one service each and return a summary."""

from celery import shared_task

from . import outbox, sweeps


@shared_task(name="workflows.deliver_outbox")
def deliver_outbox() -> dict:
    """Send the outbox messages that are due (after a change commits, and every minute as the outbox sweep)."""
    return vars(outbox.deliver_due())


@shared_task(name="workflows.sweep_seat_reminders")
def sweep_seat_reminders() -> str:
    return str(sweeps.seat_reminders())


@shared_task(name="workflows.sweep_action_reminders")
def sweep_action_reminders() -> str:
    return str(sweeps.action_reminders())
