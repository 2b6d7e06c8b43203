"""Webhook signing secrets at rest: encrypted with keys from the environment, rotated without a partner noticing,
never shown in the admin, and refused loudly (never signed with the wrong thing) when no key opens them."""

from __future__ import annotations

from importlib import import_module

import pytest
from cryptography.fernet import Fernet
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test import override_settings
from django.urls import reverse

from commissioning import secrets_at_rest
from commissioning.models import CalendarFeed, WebhookSubscription
from commissioning.services import calendar_feeds, webhooks
from tests.clients import token_client
from tests.commissioning.test_webhooks import (
    SECRET,
    submit_gate,
    subscribe,
    verify_webhook,
    webhook_messages,
)
from tests.commissioning.test_webhooks import receiver as webhook_receiver
from tests.factories import make_strategy
from workflows import outbox
from workflows.models import AuditEvent, DeliveryAttempt, OutboxState

pytestmark = pytest.mark.django_db

receiver = webhook_receiver  # the fixture: a real HTTP receiver on 127.0.0.1
OLD, NEW, STRANGER = (Fernet.generate_key().decode() for _ in range(3))


def stored_column(subscription_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT secret_encrypted FROM commissioning_webhooksubscription WHERE id = %s", [subscription_id]
        )
        return cursor.fetchone()[0]


def delivered_and_verified(world, receiver, created) -> bool:
    strategy = make_strategy(world, reference=f"MCC-S{len(receiver.requests)}")
    submit_gate(world, strategy)
    webhooks.fan_out()
    outbox.deliver_due()
    request = receiver.requests[-1]
    headers = request["headers"]
    return verify_webhook(
        created["secret"], request["body"], headers["X-Webhook-Timestamp"], headers["X-Webhook-Signature"]
    )


def test_the_database_holds_only_ciphertext_and_the_partner_still_verifies_every_message(world, receiver):
    created = subscribe(token_client(world.icb), receiver.url, secret=SECRET)
    column = stored_column(created["id"])
    assert SECRET not in column
    assert column.startswith("gAAAAA")  # a Fernet token
    assert delivered_and_verified(world, receiver, created)


def test_a_new_key_put_first_then_rotate_secrets_then_the_old_key_removed(world, receiver, capsys):
    with override_settings(SECRETS_ENCRYPTION_KEYS=[OLD]):
        created = subscribe(token_client(world.icb), receiver.url, secret=SECRET)
    under_old = stored_column(created["id"])

    with override_settings(SECRETS_ENCRYPTION_KEYS=[NEW, OLD]):
        assert delivered_and_verified(world, receiver, created)  # readable under either key meanwhile
        call_command("rotate_secrets", "--check")
        assert "0 already under the first key, 1 to rotate" in capsys.readouterr().out
        assert stored_column(created["id"]) == under_old  # --check changes nothing
        call_command("rotate_secrets")
        assert "1 rotated" in capsys.readouterr().out
        assert stored_column(created["id"]) != under_old
        call_command("rotate_secrets")
        assert "1 already under the first key, 0 rotated" in capsys.readouterr().out

    with override_settings(SECRETS_ENCRYPTION_KEYS=[NEW]):  # the old key gone
        assert WebhookSubscription.objects.get(pk=created["id"]).secret == SECRET
        assert delivered_and_verified(world, receiver, created)


def test_a_secret_no_key_opens_is_never_guessed_at(world, receiver):
    with override_settings(SECRETS_ENCRYPTION_KEYS=[OLD]):
        created = subscribe(token_client(world.icb), receiver.url, secret=SECRET)
    with override_settings(SECRETS_ENCRYPTION_KEYS=[STRANGER]):
        with pytest.raises(
            CommandError, match=rf"1 webhook secret\(s\) cannot be decrypted with any key \(#{created['id']}\)"
        ):
            call_command("rotate_secrets")
        strategy = make_strategy(world, reference="MCC-LOST")
        submit_gate(world, strategy)
        webhooks.fan_out()
        outbox.deliver_due()
    assert receiver.requests == []  # nothing sent, not even signed with the ciphertext
    attempt = DeliveryAttempt.objects.latest("pk")
    assert "cannot be decrypted with any of SECRETS_ENCRYPTION_KEYS" in attempt.error
    assert set(webhook_messages().values_list("state", flat=True)) == {OutboxState.PENDING}  # retried later


def test_production_refuses_a_key_that_is_not_a_fernet_key():
    from tests.test_operations import GOOD, production_start

    result = production_start(**(GOOD | {"SECRETS_ENCRYPTION_KEYS": f"{OLD},not-a-key"}))
    assert result.returncode != 0
    assert "SECRETS_ENCRYPTION_KEYS: key 2 is not a Fernet key" in result.stderr


def test_the_admin_shows_a_webhook_without_its_secret_and_pausing_it_is_audited(client, world, admin_user):
    created = subscribe(token_client(world.icb), "https://partner.example/hooks", secret=SECRET)
    client.force_login(admin_user)
    url = reverse("admin:commissioning_webhooksubscription_change", args=[created["id"]])
    page = client.get(url).content.decode()
    assert "Set, encrypted at rest" in page
    assert SECRET not in page and stored_column(created["id"]) not in page
    assert client.get(reverse("admin:commissioning_webhooksubscription_add")).status_code == 403

    response = client.post(url, {"active": ""})
    assert response.status_code == 302, response.content.decode()
    assert WebhookSubscription.objects.get(pk=created["id"]).active is False
    event = AuditEvent.objects.get(transition="admin_change", object_id=created["id"])
    assert event.data["changes"] == {"active": {"from": True, "to": False}}
    assert event.actor == admin_user
    assert SECRET not in str(event.data)


def test_the_admin_shows_calendar_feeds_without_their_address_and_deleting_one_stops_it(client, world, admin_user):
    feed = calendar_feeds.calendar_feed_of(person=world.officer)
    assert client.get(reverse("calendar-feed", args=[feed.token])).status_code == 200
    client.force_login(admin_user)
    page = client.get(reverse("admin:commissioning_calendarfeed_change", args=[feed.pk])).content.decode()
    assert feed.token not in page
    assert "only its owner sees it" in page

    deleted = client.post(reverse("admin:commissioning_calendarfeed_delete", args=[feed.pk]), {"post": "yes"})
    assert deleted.status_code == 302
    assert not CalendarFeed.objects.filter(pk=feed.pk).exists()
    client.logout()
    assert client.get(reverse("calendar-feed", args=[feed.token])).status_code == 404
    event = AuditEvent.objects.get(transition="admin_delete", object_id=feed.pk)
    assert feed.token not in str(event.data)


@pytest.mark.django_db(transaction=True)
def test_upgrading_encrypts_the_secrets_stored_before(world):
    migration = import_module("commissioning.migrations.0014_webhook_secrets_encrypted").Migration
    before = [dependency for dependency in migration.dependencies if dependency[0] == "commissioning"]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    try:
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO commissioning_webhooksubscription (organisation_id, url, secret, event_types, active,"
                " last_event_id, created_by_id, created_at) VALUES (%s, %s, %s, %s, %s, 0, %s, CURRENT_TIMESTAMP)",
                [world.icb.pk, "https://partner.example/hooks", SECRET, "[]", True, world.officer.pk],
            )
    finally:
        MigrationExecutor(connection).migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    subscription = WebhookSubscription.objects.get(url="https://partner.example/hooks")
    assert SECRET not in stored_column(subscription.pk)
    assert subscription.secret == SECRET
    assert secrets_at_rest.under_first_key(subscription.secret_encrypted)
