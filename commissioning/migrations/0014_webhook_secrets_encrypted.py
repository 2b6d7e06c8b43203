"""Webhook signing secrets encrypted at rest: each stored secret is encrypted under the first of
SECRETS_ENCRYPTION_KEYS (commissioning.secrets_at_rest), then the plain column is dropped. Reversible: going back
decrypts them into the plain column again."""

from django.db import migrations, models


def encrypt_secrets(apps, schema_editor):
    from commissioning import secrets_at_rest

    WebhookSubscription = apps.get_model("commissioning", "WebhookSubscription")
    for subscription in WebhookSubscription.objects.only("pk", "secret").order_by("pk").iterator():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            secret_encrypted=secrets_at_rest.encrypt(subscription.secret)
        )


def decrypt_secrets(apps, schema_editor):
    from commissioning import secrets_at_rest

    WebhookSubscription = apps.get_model("commissioning", "WebhookSubscription")
    for subscription in WebhookSubscription.objects.only("pk", "secret_encrypted").order_by("pk").iterator():
        WebhookSubscription.objects.filter(pk=subscription.pk).update(
            secret=secrets_at_rest.decrypt(subscription.secret_encrypted)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("commissioning", "0013_financial_year_figures_and_corrections"),
    ]

    operations = [
        migrations.AddField(
            model_name="webhooksubscription",
            name="secret_encrypted",
            field=models.TextField(
                default="",
                editable=False,
                help_text="The HMAC-SHA256 signing secret, encrypted (commissioning.secrets_at_rest).",
            ),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret",
            field=models.CharField(blank=True, default="", max_length=128),
        ),
        migrations.RunPython(encrypt_secrets, decrypt_secrets, elidable=False),
        migrations.RemoveField(model_name="webhooksubscription", name="secret"),
    ]
