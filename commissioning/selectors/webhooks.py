"""Webhooks as their organisations see them: an organisation's subscriptions, each one's deliveries, and the
signing secret of a message (the engine's secret resolver, `WORKFLOWS_WEBHOOK_SECRET_RESOLVER`)."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet

from workflows.models import DeliveryAttempt, OutboxChannel, OutboxMessage

from .. import secrets_at_rest
from ..models import Strategy, StrategyPartner, WebhookSubscription
from .people import organisations_of


def strategies_visible_to_organisation(organisation_id: int) -> QuerySet[Strategy]:
    """Strategies the organisation leads or is party to: what its people and service account see in the API."""
    party = StrategyPartner.objects.filter(strategy=OuterRef("pk"), organisation_id=organisation_id)
    return Strategy.objects.filter(Q(lead_organisation_id=organisation_id) | Exists(party))


def subscriptions_of(user) -> QuerySet[WebhookSubscription]:
    """The webhooks of the organisations where `user` holds a role today."""
    return WebhookSubscription.objects.filter(organisation_id__in=organisations_of(user)).select_related(
        "organisation", "created_by"
    )


def message_prefix(subscription_id: int) -> str:
    return f"webhook:{subscription_id}:"


def deliveries_of(subscription_id: int) -> QuerySet[OutboxMessage]:
    """The subscription's outbox messages with their attempts (oldest attempt first); the caller orders them."""
    attempts = DeliveryAttempt.objects.order_by("attempted_at", "pk")
    return OutboxMessage.objects.filter(
        channel=OutboxChannel.WEBHOOK, dedup_key__startswith=message_prefix(subscription_id)
    ).prefetch_related(Prefetch("attempts_log", queryset=attempts))


def secret_for_message(message: OutboxMessage) -> str:
    """The signing secret of the subscription a webhook message is for (the engine's secret resolver)."""
    subscription_id = message.context.get("subscription")
    stored = WebhookSubscription.objects.filter(pk=subscription_id).values_list("secret_encrypted", flat=True).first()
    if stored is None:
        raise LookupError(f"Webhook #{subscription_id} no longer exists.")
    return secrets_at_rest.decrypt(stored)
