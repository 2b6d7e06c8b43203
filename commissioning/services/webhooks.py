"""Webhooks: adding, changing and deleting partner organisations' subscriptions, and the fan-out that turns new
audit events into signed messages.

A subscription belongs to one organisation and receives the audit events of the strategies that organisation leads
or is party to (the same events as the API's events feed), optionally only some transitions. `fan_out` runs every
minute (the beat's `commissioning.publish_webhooks`): for each active subscription it writes one outbox message per
new event and moves the subscription's cursor (`last_event_id`) on, in one transaction, so a run repeated or
interrupted writes nothing twice. The outbox then POSTs each message, signed, retrying with backoff
(`workflows.webhook_delivery`). An event therefore reaches a receiver a minute or so after the change: events are
fanned out once older than `WEBHOOK_SETTLE_SECONDS`, so that an event written by a transaction that commits late is
not passed over.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Max, Min
from django.utils import timezone

from workflows.exceptions import InvalidInput, NotPermitted
from workflows.models import AuditEvent, OutboxChannel, OutboxMessage, OutboxState
from workflows.outbox import enqueue
from workflows.webhook_delivery import InvalidWebhookURL, check_url

from ..api.serializers import EventSerializer
from ..models import Organisation, Strategy, User, WebhookSubscription
from ..selectors import organisations_of
from ..selectors.webhooks import message_prefix, strategies_visible_to_organisation

# The transitions that appear in the audit trail of a strategy; a subscription may ask for any of them.
EVENT_TYPES = (
    "create",
    "update",
    "submit",
    "withdraw",
    "reopen",
    "approve",
    "reject",
    "open_call_in",
    "pass_gate",
    "close_call_in",
    "call_in",
    "refer_back",
    "decide",
    "begin_plan",
    "begin_do",
    "begin_review",
    "recommission",
    "decommission",
    "publish_forward_plan_notice",
    "agree_urgency_exemption",
    "supersede",
    "cancel",
    "complete",
)
SECRET_MIN_LENGTH = 32
SECRET_MAX_LENGTH = 128
SECRET_PATTERN = re.compile(rf"[\x21-\x7e]{{{SECRET_MIN_LENGTH},{SECRET_MAX_LENGTH}}}")
URL_MAX_LENGTH = 500
TEMPLATE = "webhook"


# --------------------------------------------------------------------------------------------------------------
# Services
# --------------------------------------------------------------------------------------------------------------


def generate_secret() -> str:
    return f"whsec_{secrets.token_urlsafe(32)}"


def _url_problem(url: str) -> str | None:
    if len(url) > URL_MAX_LENGTH:
        return f"The URL must be at most {URL_MAX_LENGTH} characters."
    try:
        check_url(url)
    except InvalidWebhookURL as exc:
        return str(exc)
    return None


def _secret_problem(secret: str) -> str | None:
    if not SECRET_PATTERN.fullmatch(secret):
        return (
            f"The secret must be {SECRET_MIN_LENGTH} to {SECRET_MAX_LENGTH} characters: letters, digits and "
            "punctuation, without spaces."
        )
    return None


def _event_types_problem(event_types: Iterable[str]) -> str | None:
    unknown = [name for name in event_types if name not in EVENT_TYPES]
    if unknown:
        return f"Unknown event type(s): {', '.join(map(str, unknown))}. Known: {', '.join(EVENT_TYPES)}."
    return None


def _latest_event_id() -> int:
    return AuditEvent.objects.aggregate(latest=Max("pk"))["latest"] or 0


def _organisation_for(actor: User, organisation_id: int | None) -> int:
    mine = set(organisations_of(actor).values_list("organisation_id", flat=True))
    if not mine:
        raise NotPermitted("You hold no role at any organisation, so you cannot add a webhook.")
    if organisation_id is not None:
        if organisation_id not in mine:
            raise InvalidInput({"organisation": "You hold no role at that organisation."})
        return organisation_id
    if len(mine) > 1:
        raise InvalidInput(
            {"organisation": "You hold roles at several organisations: give the id of the one this webhook is for."}
        )
    return next(iter(mine))


def _locked_subscription(actor: User, subscription_id: int) -> WebhookSubscription:
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription_id)
    if not organisations_of(actor).filter(organisation_id=subscription.organisation_id).exists():
        raise NotPermitted("Only people at the webhook's organisation can change it.")
    return subscription


def subscription_create(
    *,
    actor: User,
    url: str,
    secret: str | None = None,
    event_types: list[str] | None = None,
    organisation_id: int | None = None,
    active: bool = True,
) -> WebhookSubscription:
    """Add a webhook for one of the actor's organisations. It receives events from now on; with no secret given, one
    is generated (the caller shows it once). Sends nothing."""
    event_types = list(dict.fromkeys(event_types or []))
    errors = {
        field: problem
        for field, problem in (
            ("url", _url_problem(url)),
            ("secret", None if secret is None else _secret_problem(secret)),
            ("event_types", _event_types_problem(event_types)),
        )
        if problem
    }
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        organisation = _organisation_for(actor, organisation_id)
        # One create at a time per organisation, so the limit holds.
        Organisation.objects.select_for_update().filter(pk=organisation).first()
        existing = WebhookSubscription.objects.filter(organisation_id=organisation).count()
        if existing >= settings.WEBHOOK_MAX_PER_ORGANISATION:
            raise InvalidInput(
                {
                    "organisation": f"An organisation may have at most {settings.WEBHOOK_MAX_PER_ORGANISATION} "
                    "webhooks; delete one first."
                }
            )
        return WebhookSubscription.objects.create(
            organisation_id=organisation,
            url=url,
            secret=secret or generate_secret(),
            event_types=event_types,
            active=active,
            last_event_id=_latest_event_id(),
            created_by=actor,
        )


def subscription_update(
    *,
    actor: User,
    subscription_id: int,
    url: str | None = None,
    secret: str | None = None,
    event_types: list[str] | None = None,
    active: bool | None = None,
) -> WebhookSubscription:
    """Change a webhook's URL, secret, event types or whether it is active (None: unchanged).

    Messages not yet sent go to the new URL, signed with the new secret. Pausing stops new events being queued (those
    already queued are still sent); a webhook made active again carries on from that moment: events while it was
    paused are not sent (the events feed has them)."""
    errors = {
        field: problem
        for field, problem in (
            ("url", None if url is None else _url_problem(url)),
            ("secret", None if secret is None else _secret_problem(secret)),
            ("event_types", None if event_types is None else _event_types_problem(event_types)),
        )
        if problem
    }
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        subscription = _locked_subscription(actor, subscription_id)
        if url is not None and url != subscription.url:
            subscription.url = url
            OutboxMessage.objects.filter(
                channel=OutboxChannel.WEBHOOK,
                state=OutboxState.PENDING,
                dedup_key__startswith=message_prefix(subscription.pk),
            ).update(address=url)
        if secret is not None:
            subscription.secret = secret
        if event_types is not None:
            subscription.event_types = list(dict.fromkeys(event_types))
        if active is not None and active != subscription.active:
            subscription.active = active
            if active:
                subscription.last_event_id = max(subscription.last_event_id, _latest_event_id())
        subscription.save()
        return subscription


def subscription_delete(*, actor: User, subscription_id: int) -> None:
    """Delete a webhook and its messages not yet sent; what was sent, or given up on, stays in the outbox."""
    with transaction.atomic():
        subscription = _locked_subscription(actor, subscription_id)
        OutboxMessage.objects.filter(
            channel=OutboxChannel.WEBHOOK,
            state=OutboxState.PENDING,
            dedup_key__startswith=message_prefix(subscription.pk),
        ).delete()
        subscription.delete()


# --------------------------------------------------------------------------------------------------------------
# Fan-out
# --------------------------------------------------------------------------------------------------------------


@dataclass
class FanOutReport:
    subscriptions: int = 0
    messages: int = 0


def _horizon() -> int:
    """The last audit event id to fan out now: events younger than the settling time, and any after them, wait."""
    cutoff = timezone.now() - dt.timedelta(seconds=settings.WEBHOOK_SETTLE_SECONDS)
    first_young = AuditEvent.objects.filter(occurred_at__gt=cutoff).aggregate(first=Min("pk"))["first"]
    return first_young - 1 if first_young is not None else _latest_event_id()


def event_payload(event: AuditEvent, reference: str | None, subscription_id: int) -> dict:
    """The JSON a receiver gets: the events feed's shape, with `type` (the transition) and the subscription's id."""
    data = dict(EventSerializer(event, context={"references": {event.subject_id: reference}}).data)
    return {"id": data["id"], "type": event.transition, **data, "subscription": subscription_id}


def fan_out(*, limit: int | None = None) -> FanOutReport:
    """Write an outbox message for every new event each active subscription should get (at most `limit` per
    subscription per run; the rest next run), and move each subscription's cursor on. Idempotent."""
    limit = limit or settings.WEBHOOK_FAN_OUT_BATCH
    horizon = _horizon()
    report = FanOutReport()
    waiting = list(
        WebhookSubscription.objects.filter(active=True, last_event_id__lt=horizon)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for subscription_id in waiting:
        written = _fan_out_to(subscription_id, horizon=horizon, limit=limit)
        if written is not None:
            report.subscriptions += 1
            report.messages += written
    return report


def _fan_out_to(subscription_id: int, *, horizon: int, limit: int) -> int | None:
    """One subscription's new events, in one transaction with its row locked; None when another run has it."""
    strategy_type = ContentType.objects.get_for_model(Strategy)
    with transaction.atomic():
        subscription = (
            WebhookSubscription.objects.select_for_update(skip_locked=True)
            .filter(pk=subscription_id, active=True, last_event_id__lt=horizon)
            .first()
        )
        if subscription is None:
            return None
        events = AuditEvent.objects.filter(
            pk__gt=subscription.last_event_id,
            pk__lte=horizon,
            subject_type=strategy_type,
            subject_id__in=strategies_visible_to_organisation(subscription.organisation_id).values("pk"),
        )
        if subscription.event_types:
            events = events.filter(transition__in=subscription.event_types)
        events = list(events.select_related("actor", "on_behalf_of", "object_type").order_by("pk")[:limit])
        references = dict(
            Strategy.objects.filter(pk__in={event.subject_id for event in events}).values_list("pk", "reference")
        )
        now = timezone.now()
        rows = [
            OutboxMessage(
                dedup_key=f"{message_prefix(subscription.pk)}{event.pk}",
                channel=OutboxChannel.WEBHOOK,
                address=subscription.url,
                template=TEMPLATE,
                context=event_payload(event, references.get(event.subject_id), subscription.pk),
                subject_type_id=strategy_type.pk,
                subject_id=event.subject_id,
                created_at=now,
                next_attempt_at=now,
            )
            for event in events
        ]
        written = enqueue(rows)
        subscription.last_event_id = events[-1].pk if len(events) == limit else horizon
        subscription.save(update_fields=["last_event_id"])
        return len(written)
