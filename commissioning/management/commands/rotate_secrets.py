"""Re-encrypt every stored webhook secret under the first of SECRETS_ENCRYPTION_KEYS (after a new key was put
first), or, with --check, say how many are under which key without changing anything."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commissioning import secrets_at_rest
from commissioning.models import WebhookSubscription


class Command(BaseCommand):
    help = (
        "Re-encrypt the stored webhook secrets under the first key of SECRETS_ENCRYPTION_KEYS, so the older keys can "
        "then be removed. --check only reports."
    )

    def add_arguments(self, parser):
        parser.add_argument("--check", action="store_true", help="report only: how many to rotate, any unreadable")

    def handle(self, *args, check=False, **options):
        rotated = current = 0
        unreadable: list[int] = []
        with transaction.atomic():
            rows = WebhookSubscription.objects.select_for_update().order_by("pk").only("pk", "secret_encrypted")
            for subscription in rows:
                token = subscription.secret_encrypted
                if secrets_at_rest.under_first_key(token):
                    current += 1
                    continue
                try:
                    new = secrets_at_rest.rotated(token)
                except secrets_at_rest.SecretUnreadable:
                    unreadable.append(subscription.pk)
                    continue
                rotated += 1
                if not check:
                    WebhookSubscription.objects.filter(pk=subscription.pk).update(secret_encrypted=new)
        verb = "to rotate" if check else "rotated"
        self.stdout.write(f"Webhook secrets: {current} already under the first key, {rotated} {verb}.")
        if unreadable:
            listed = ", ".join(f"#{pk}" for pk in unreadable)
            raise CommandError(
                f"{len(unreadable)} webhook secret(s) cannot be decrypted with any key ({listed}): put back the key "
                "they were encrypted with (after the new one) and run this again, or have the partner set a new secret."
            )
        if not check and rotated:
            self.stdout.write("Every secret is now under the first key: the other keys may be removed.")
