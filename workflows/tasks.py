"""Celery tasks of the engine: thin wrappers that call one service each and return a summary."""

from celery import shared_task

from . import outbox, sweeps


@shared_task(name="workflows.deliver_outbox", bind=True)
def deliver_outbox(self) -> dict:
    """Send a batch of the outbox messages that are due (after a change commits, and every minute as the outbox
    sweep); while a backlog remains behind the batch, queue one follow-up at once (`follow_up`: whether it was)."""
    report, backlog_remains = outbox.deliver_batch()
    summary = dict(vars(report))
    if backlog_remains:
        summary["follow_up"] = outbox.queue_follow_up(self)
    return summary


@shared_task(name="workflows.sweep_seat_reminders")
def sweep_seat_reminders() -> str:
    return str(sweeps.seat_reminders())


@shared_task(name="workflows.sweep_action_reminders")
def sweep_action_reminders() -> str:
    return str(sweeps.action_reminders())
