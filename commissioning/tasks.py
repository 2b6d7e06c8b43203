"""Celery tasks of the domain: thin wrappers that call one sweep each and return its summary."""

from celery import shared_task

from . import sweeps
from .services import webhooks


@shared_task(name="commissioning.close_call_in_windows")
def close_call_in_windows() -> str:
    return str(sweeps.close_call_in_windows())


@shared_task(name="commissioning.announce_decision_dates")
def announce_decision_dates() -> str:
    return str(sweeps.announce_decision_dates())


@shared_task(name="commissioning.run_review_cycles")
def run_review_cycles() -> str:
    return str(sweeps.run_review_cycles())


@shared_task(name="commissioning.flag_stalled_strategies")
def flag_stalled_strategies() -> str:
    return str(sweeps.flag_stalled_strategies())


@shared_task(name="commissioning.send_weekly_digests")
def send_weekly_digests() -> str:
    return str(sweeps.send_weekly_digests())


@shared_task(name="commissioning.publish_webhooks")
def publish_webhooks() -> str:
    """Every minute: turn new audit events into webhook messages in the outbox, which delivers them."""
    return str(webhooks.fan_out())
