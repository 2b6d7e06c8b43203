"""Show the outbox's backlog, how old it is (and the last errors), or deliver what is due now."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from workflows.models import OutboxChannel, OutboxMessage, OutboxState
from workflows.outbox import age_in_words, backlog, backlog_age, deliver_due


class Command(BaseCommand):
    help = (
        "Show the outbox backlog: messages waiting, due now, failed and sent, how long the oldest has waited, "
        "and the latest errors."
    )

    def add_arguments(self, parser):
        parser.add_argument("--deliver", action="store_true", help="deliver the messages that are due now")
        parser.add_argument("--errors", type=int, default=10, help="how many recent errors to list (default 10)")

    def handle(self, *args, deliver=False, errors=10, **options):
        if deliver:
            self.stdout.write(f"Delivered: {vars(deliver_due())}")
        for label, count in backlog().items():
            self.stdout.write(f"{label:>8}: {count}")
        self.write_age()
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

    def write_age(self):
        """`oldest waiting: written 2026-05-04 09:12, 2 hours ago (e-mail: 2 hours; in-app: 3 minutes)`, and the
        same for the message due longest (`due since`); `none` when nothing waits."""
        now = timezone.now()
        age = backlog_age(now)

        def when(moment):
            return f"{timezone.localtime(moment):%Y-%m-%d %H:%M}, {age_in_words(moment, now)} ago"

        waiting = "none"
        if age.oldest_waiting is not None:
            channels = "; ".join(
                f"{OutboxChannel(channel).label.lower()}: {age_in_words(since, now)}"
                for channel, since in sorted(age.waiting_by_channel.items(), key=lambda item: item[1])
            )
            waiting = f"written {when(age.oldest_waiting)} ({channels})"
        self.stdout.write(f"oldest waiting: {waiting}")
        due = "none" if age.oldest_due is None else f"due since {when(age.oldest_due)}"
        self.stdout.write(f"oldest due now: {due}")
