"""Show the outbox's backlog (and the last errors), or deliver what is due now."""

from django.core.management.base import BaseCommand

from workflows.models import OutboxMessage, OutboxState
from workflows.outbox import backlog, deliver_due


class Command(BaseCommand):
    help = "Show the outbox backlog: messages waiting, due now, failed and sent, with the latest errors."

    def add_arguments(self, parser):
        parser.add_argument("--deliver", action="store_true", help="deliver the messages that are due now")
        parser.add_argument("--errors", type=int, default=10, help="how many recent errors to list (default 10)")

    def handle(self, *args, deliver=False, errors=10, **options):
        if deliver:
            self.stdout.write(f"Delivered: {vars(deliver_due())}")
        for label, count in backlog().items():
            self.stdout.write(f"{label:>8}: {count}")
        failing = (
            OutboxMessage.objects.exclude(last_error="")
            .exclude(state=OutboxState.SENT)
            .order_by("-next_attempt_at")[:errors]
        )
        for message in failing:
            state = f"{message.get_state_display().lower()}, {message.attempts} attempts"
            when = f"next {message.next_attempt_at:%Y-%m-%d %H:%M}"
            target = message.address or f"person {message.recipient_id}"
            self.stdout.write(f"#{message.pk} {message.template} to {target} ({state}, {when}): {message.last_error}")
