"""Webhooks in the API: an organisation's subscriptions (list, add, change, delete) and each one's delivery log.

People and service accounts of an organisation manage its webhooks; another organisation's webhook is a 404. The
secret is shown once, in the answer to the request that created the webhook, and never again.
"""

from __future__ import annotations

from django.core.exceptions import ObjectDoesNotExist
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from workflows.models import OutboxMessage, OutboxState

from ..models import WebhookSubscription
from ..selectors.webhooks import deliveries_of, subscriptions_of
from ..services import webhooks
from .pagination import ApiCursorPagination
from .serializers import MAX_ID, OrganisationRefSerializer
from .strict import StrictBooleanField, StrictCharField, StrictInputSerializer, StrictIntegerField, StrictURLField
from .views import BAD_QUERY, PROBLEM_RESPONSES

# --------------------------------------------------------------------------------------------------------------
# Serializers
# --------------------------------------------------------------------------------------------------------------

EVENT_TYPES_HELP = "Transitions to send, from the audit trail's names; empty or left out: every event."
SECRET_HELP = (
    f"The shared secret for the HMAC-SHA256 signature, {webhooks.SECRET_MIN_LENGTH} to "
    f"{webhooks.SECRET_MAX_LENGTH} characters without spaces."
)


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": list(webhooks.EVENT_TYPES)}})
class EventTypesField(serializers.ListField):
    child = serializers.CharField(max_length=60)


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": list(webhooks.EVENT_TYPES)}})
class EventTypesInputField(serializers.ListField):
    """A JSON list of strings; anything else (a string, a number, a list of numbers) is refused."""

    child = StrictCharField(max_length=60)


class WebhookLinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    deliveries = serializers.CharField()


class WebhookSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    organisation = OrganisationRefSerializer()
    url = serializers.URLField()
    event_types = EventTypesField(help_text=EVENT_TYPES_HELP)
    active = serializers.BooleanField()
    created_at = serializers.DateTimeField()
    created_by = serializers.CharField()
    links = serializers.SerializerMethodField()

    @extend_schema_field(WebhookLinksSerializer)
    def get_links(self, subscription: WebhookSubscription) -> dict:
        return {
            "self": reverse("api:webhook-detail", args=[subscription.pk]),
            "deliveries": reverse("api:webhook-deliveries", args=[subscription.pk]),
        }


class WebhookCreatedSerializer(WebhookSerializer):
    secret = serializers.CharField(help_text="The signing secret. Keep it now: it is never shown again.")


class WebhookCreateSerializer(StrictInputSerializer):
    url = StrictURLField(
        max_length=webhooks.URL_MAX_LENGTH, help_text="Where to POST events: https, at a public address."
    )
    secret = StrictCharField(
        required=False,
        min_length=webhooks.SECRET_MIN_LENGTH,
        max_length=webhooks.SECRET_MAX_LENGTH,
        trim_whitespace=False,
        help_text=f"{SECRET_HELP} Leave it out to have one generated and returned once.",
    )
    event_types = EventTypesInputField(
        required=False, max_length=len(webhooks.EVENT_TYPES) * 2, help_text=EVENT_TYPES_HELP
    )
    organisation = StrictIntegerField(
        required=False,
        min_value=1,
        max_value=MAX_ID,
        help_text="The id of the organisation the webhook is for: needed only if you hold roles at several.",
    )
    active = StrictBooleanField(required=False, default=True)


class WebhookUpdateSerializer(StrictInputSerializer):
    url = StrictURLField(max_length=webhooks.URL_MAX_LENGTH, required=False)
    secret = StrictCharField(
        required=False,
        min_length=webhooks.SECRET_MIN_LENGTH,
        max_length=webhooks.SECRET_MAX_LENGTH,
        trim_whitespace=False,
        help_text=f"A new secret: {SECRET_HELP} Messages not yet sent are signed with it.",
    )
    event_types = EventTypesInputField(
        required=False, max_length=len(webhooks.EVENT_TYPES) * 2, help_text=EVENT_TYPES_HELP
    )
    active = StrictBooleanField(
        required=False, help_text="False pauses the webhook; made active again, it carries on from that moment."
    )


class DeliveryAttemptSerializer(serializers.Serializer):
    attempted_at = serializers.DateTimeField()
    status_code = serializers.IntegerField(allow_null=True, help_text="The receiver's HTTP status; empty if none.")
    error = serializers.CharField(help_text="Why the attempt failed; empty when it succeeded.")
    duration_ms = serializers.IntegerField()


class DeliverySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    webhook_id = serializers.CharField(source="dedup_key", help_text="Sent as X-Webhook-Id, the same on every attempt.")
    event = serializers.IntegerField(source="context.id", help_text="The audit event's id, as in the events feed.")
    type = serializers.CharField(source="context.type")
    strategy = serializers.CharField(source="context.strategy", allow_null=True)
    state = serializers.ChoiceField(choices=OutboxState.choices)
    attempts = serializers.IntegerField(help_text="How many times it has been sent.")
    next_attempt_at = serializers.SerializerMethodField(help_text="When it will be tried next, while pending.")
    last_error = serializers.CharField()
    created_at = serializers.DateTimeField()
    sent_at = serializers.DateTimeField(allow_null=True)
    attempt_log = serializers.SerializerMethodField(help_text="Every attempt, oldest first.")
    payload = serializers.SerializerMethodField(help_text="The JSON body that is POSTed.")

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_next_attempt_at(self, message: OutboxMessage):
        if message.state != OutboxState.PENDING:
            return None
        return serializers.DateTimeField().to_representation(message.next_attempt_at)

    @extend_schema_field(DeliveryAttemptSerializer(many=True))
    def get_attempt_log(self, message: OutboxMessage) -> list[dict]:
        return DeliveryAttemptSerializer(message.attempts_log.all(), many=True).data

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, message: OutboxMessage) -> dict:
        return {key: value for key, value in message.context.items() if not key.startswith("_")}


# --------------------------------------------------------------------------------------------------------------
# Views
# --------------------------------------------------------------------------------------------------------------

ID_PARAMETER = OpenApiParameter("id", OpenApiTypes.INT, OpenApiParameter.PATH, description="The webhook's id.")
NOT_FOUND = OpenApiResponse(description="No such webhook, or not your organisation's (problem+json).")
BAD_REQUEST = OpenApiResponse(description="The body is invalid (problem+json names each field).")


class WebhookCursorPagination(ApiCursorPagination):
    ordering = ("id",)


class DeliveryCursorPagination(ApiCursorPagination):
    ordering = ("-id",)


def _visible(request, pk: int) -> WebhookSubscription:
    subscription = subscriptions_of(request.user).filter(pk=pk).first()
    if subscription is None:
        raise exceptions.NotFound(f"No webhook {pk} of your organisation.")
    return subscription


@extend_schema(tags=["webhooks"])
class WebhookListView(APIView):
    """Your organisation's webhooks."""

    pagination_class = WebhookCursorPagination

    @extend_schema(
        operation_id="webhooks_list",
        responses={200: WebhookSerializer(many=True), 400: BAD_QUERY, **PROBLEM_RESPONSES},
    )
    def get(self, request):
        """The webhooks of the organisations where you hold a role, oldest first. Secrets are never shown."""
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(subscriptions_of(request.user), request, view=self)
        return paginator.get_paginated_response(WebhookSerializer(page, many=True).data)

    @extend_schema(
        operation_id="webhooks_create",
        request=WebhookCreateSerializer,
        responses={
            201: WebhookCreatedSerializer,
            400: BAD_REQUEST,
            403: OpenApiResponse(description="You hold no role at any organisation (problem+json)."),
            **PROBLEM_RESPONSES,
        },
    )
    def post(self, request):
        """Add a webhook. It receives the events of your organisation's strategies from now on, signed with the
        secret; the answer is the only time the secret is shown."""
        body = WebhookCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        subscription = webhooks.subscription_create(
            actor=request.user,
            url=data["url"],
            secret=data.get("secret"),
            event_types=data.get("event_types"),
            organisation_id=data.get("organisation"),
            active=data["active"],
        )
        subscription = subscriptions_of(request.user).get(pk=subscription.pk)
        return Response(WebhookCreatedSerializer(subscription).data, status=201)


@extend_schema(tags=["webhooks"], parameters=[ID_PARAMETER])
class WebhookDetailView(APIView):
    @extend_schema(
        operation_id="webhooks_retrieve", responses={200: WebhookSerializer, 404: NOT_FOUND, **PROBLEM_RESPONSES}
    )
    def get(self, request, pk: int):
        """One webhook (without its secret)."""
        return Response(WebhookSerializer(_visible(request, pk)).data)

    @extend_schema(
        operation_id="webhooks_partial_update",
        request=WebhookUpdateSerializer,
        responses={200: WebhookSerializer, 400: BAD_REQUEST, 404: NOT_FOUND, **PROBLEM_RESPONSES},
    )
    def patch(self, request, pk: int):
        """Change the URL, secret, event types or whether the webhook is active; fields left out stay as they are."""
        _visible(request, pk)
        body = WebhookUpdateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            webhooks.subscription_update(actor=request.user, subscription_id=pk, **body.validated_data)
        except ObjectDoesNotExist as exc:
            raise exceptions.NotFound(f"No webhook {pk} of your organisation.") from exc
        return Response(WebhookSerializer(_visible(request, pk)).data)

    @extend_schema(
        operation_id="webhooks_destroy",
        responses={204: OpenApiResponse(description="Deleted."), 404: NOT_FOUND, **PROBLEM_RESPONSES},
    )
    def delete(self, request, pk: int):
        """Delete the webhook; messages not yet sent are dropped."""
        _visible(request, pk)
        try:
            webhooks.subscription_delete(actor=request.user, subscription_id=pk)
        except ObjectDoesNotExist as exc:
            raise exceptions.NotFound(f"No webhook {pk} of your organisation.") from exc
        return Response(status=204)


@extend_schema(tags=["webhooks"], parameters=[ID_PARAMETER])
class WebhookDeliveriesView(APIView):
    pagination_class = DeliveryCursorPagination

    @extend_schema(
        operation_id="webhooks_deliveries",
        responses={200: DeliverySerializer(many=True), 400: BAD_QUERY, 404: NOT_FOUND, **PROBLEM_RESPONSES},
    )
    def get(self, request, pk: int):
        """The delivery log: every message sent or to be sent to this webhook, newest first, each with its attempts
        (the receiver's status code or the error, and how long it took). Follow `next` for older ones."""
        subscription = _visible(request, pk)
        paginator = self.pagination_class()
        page = paginator.paginate_queryset(deliveries_of(subscription.pk), request, view=self)
        return paginator.get_paginated_response(DeliverySerializer(page, many=True).data)
