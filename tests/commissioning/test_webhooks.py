"""Webhooks: subscriptions through the API, fan-out of audit events, and signed delivery with retries and a log,
sent to a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import time_machine
from django.test import override_settings
from django.utils import timezone
from django_celery_beat.models import PeriodicTask
from rest_framework.test import APIClient

from commissioning import services
from commissioning.models import Role, WebhookSubscription
from commissioning.services import webhooks
from commissioning.tasks import publish_webhooks
from tests.clients import token_client
from tests.factories import RoleAssignmentFactory, complete_evidence, make_strategy, person
from workflows import outbox
from workflows.models import DeliveryAttempt, OutboxChannel, OutboxMessage, OutboxState
from workflows.webhook_delivery import Target, _post, is_public_address

pytestmark = pytest.mark.django_db

SECRET = "s3cret-for-tests-0123456789abcdefghij"


# The receiver's check, exactly as the README shows it to partners.
def verify_webhook(secret: str, body: bytes, timestamp: str, signature: str, tolerance: int = 300) -> bool:
    """True when the request really came from the commissioning service and is recent.

    body is the raw request body (bytes, before parsing it as JSON); timestamp and signature are the
    X-Webhook-Timestamp and X-Webhook-Signature headers.
    """
    if not timestamp.isdigit() or abs(time.time() - int(timestamp)) > tolerance:
        return False  # too old or from the future: perhaps a replay
    expected = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(signature, f"v1={expected}")


# --------------------------------------------------------------------------------------------------------------
# A real HTTP receiver
# --------------------------------------------------------------------------------------------------------------


class Receiver:
    """Records every request; answers 500 to the first `failures` of them, then 200."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.failures = 0
        self.lock = threading.Lock()
        self.url = ""

    def payloads(self) -> list[dict]:
        return [json.loads(request["body"]) for request in self.requests]


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        receiver: Receiver = self.server.receiver
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        with receiver.lock:
            receiver.requests.append({"path": self.path, "headers": self.headers, "body": body})
            failing = receiver.failures > 0
            if failing:
                receiver.failures -= 1
        answer = b"receiver is down" if failing else b"ok"
        self.send_response(500 if failing else 200)
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    server.receiver = Receiver()
    server.receiver.url = f"http://127.0.0.1:{server.server_address[1]}/hooks/commissioning"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server.receiver
    server.shutdown()
    server.server_close()
    thread.join()


# --------------------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------------------


def subscribe(client, url, **body) -> dict:
    response = client.post("/api/v1/webhooks/", {"url": url, **body}, format="json")
    assert response.status_code == 201, response.content
    return response.json()


def submit_gate(w, strategy) -> None:
    complete_evidence(strategy, w.officer)
    services.gate_submit(actor=w.officer, strategy_id=strategy.pk)


def webhook_messages():
    return OutboxMessage.objects.filter(channel=OutboxChannel.WEBHOOK).order_by("pk")


@pytest.fixture
def strategies(world):
    """Strategy A has the ICB as a partner; strategy B has only the district council."""
    a = make_strategy(world, reference="MCC-A")
    b = make_strategy(world, reference="MCC-B", partners=[services.PartnerSpec(world.district.pk, "consultee")])
    return world, a, b


# --------------------------------------------------------------------------------------------------------------
# Subscriptions through the API
# --------------------------------------------------------------------------------------------------------------


def test_a_partner_adds_a_webhook_and_sees_the_generated_secret_only_once(world):
    client = token_client(world.icb)
    created = subscribe(client, "https://partner.example/hooks", event_types=["submit", "decide"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) >= 32
    assert created["organisation"]["code"] == "ICB"
    assert created["event_types"] == ["submit", "decide"]
    assert created["links"]["deliveries"] == f"/api/v1/webhooks/{created['id']}/deliveries/"
    assert WebhookSubscription.objects.get(pk=created["id"]).secret == created["secret"]
    detail = client.get(f"/api/v1/webhooks/{created['id']}/")
    listing = client.get("/api/v1/webhooks/")
    assert detail.status_code == listing.status_code == 200
    assert "secret" not in detail.json()
    assert [item["id"] for item in listing.json()["results"]] == [created["id"]]
    assert created["secret"] not in detail.content.decode() + listing.content.decode()


def test_a_secret_the_partner_chooses_is_kept(world):
    created = subscribe(token_client(world.icb), "https://partner.example/hooks", secret=SECRET)
    assert created["secret"] == SECRET
    assert WebhookSubscription.objects.get(pk=created["id"]).secret == SECRET


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "not a url"}, "url"),
        ({"url": "ftp://partner.example/hooks"}, "url"),
        ({"url": "https://user:pass@partner.example/hooks"}, "url"),
        ({"url": "https://partner.example/hooks", "secret": "too-short"}, "secret"),
        ({"url": "https://partner.example/hooks", "secret": "has spaces " * 4}, "secret"),
        ({"url": "https://partner.example/hooks", "event_types": ["submit", "explode"]}, "event_types"),
        ({"url": "https://partner.example/hooks", "event_types": "submit"}, "event_types"),
        ({"secret": SECRET}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(world, body, field):
    response = token_client(world.icb).post("/api/v1/webhooks/", body, format="json")
    assert response.status_code == 400
    assert response["Content-Type"] == "application/problem+json"
    assert field in response.json()["errors"]
    assert not WebhookSubscription.objects.exists()


def test_an_unknown_event_type_is_named_with_the_known_ones(world):
    response = token_client(world.icb).post(
        "/api/v1/webhooks/", {"url": "https://partner.example/h", "event_types": ["explode"]}, format="json"
    )
    message = response.json()["errors"]["event_types"]
    assert "explode" in message and "submit" in message


@override_settings(WEBHOOK_ALLOW_HTTP=False)
def test_plain_http_is_refused_unless_allowed(world):
    response = token_client(world.icb).post("/api/v1/webhooks/", {"url": "http://partner.example/h"}, format="json")
    assert response.status_code == 400
    assert "https" in response.json()["errors"]["url"]


@override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
@pytest.mark.parametrize(
    "url",
    [
        "https://127.0.0.1/hooks",
        "https://localhost:8443/hooks",
        "https://10.1.2.3/hooks",
        "https://192.168.0.10/hooks",
        "https://169.254.169.254/latest/meta-data",
        "https://[::1]/hooks",
        "https://[::ffff:127.0.0.1]/hooks",
        "https://0.0.0.0/hooks",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused_unless_allowed(world, url):
    response = token_client(world.icb).post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 400
    assert "address" in response.json()["errors"]["url"]


@override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False)
def test_a_public_address_is_accepted_when_private_ones_are_not(world):
    subscribe(token_client(world.icb), "https://93.184.216.34/hooks")


@override_settings(WEBHOOK_MAX_PER_ORGANISATION=2)
def test_an_organisation_has_a_limited_number_of_webhooks(world):
    client = token_client(world.icb)
    subscribe(client, "https://partner.example/one")
    subscribe(client, "https://partner.example/two")
    response = client.post("/api/v1/webhooks/", {"url": "https://partner.example/three"}, format="json")
    assert response.status_code == 400
    assert "at most 2" in response.json()["errors"]["organisation"]
    subscribe(token_client(world.district), "https://district.example/one")


def test_someone_with_roles_at_several_organisations_must_say_which(world):
    both = person("both", world.icb, Role.PARTNER_VIEWER)
    RoleAssignmentFactory(person=both, organisation=world.district, role=Role.PARTNER_SIGNATORY)
    client = APIClient()
    client.force_login(both)
    url = "https://partner.example/hooks"
    unnamed = client.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert unnamed.status_code == 400
    assert "organisation" in unnamed.json()["errors"]
    not_theirs = client.post("/api/v1/webhooks/", {"url": url, "organisation": world.county.pk}, format="json")
    assert not_theirs.status_code == 400
    assert "organisation" in not_theirs.json()["errors"]
    assert subscribe(client, url, organisation=world.district.pk)["organisation"]["code"] == "RDC"


def test_someone_with_no_role_anywhere_cannot_add_a_webhook(world):
    client = APIClient()
    client.force_login(person("nobody", world.icb))
    response = client.post("/api/v1/webhooks/", {"url": "https://partner.example/h"}, format="json")
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"active": False}),
        ("delete", "", None),
        ("get", "deliveries/", None),
    ],
)
def test_another_organisations_webhook_is_a_404(world, method, suffix, body):
    created = subscribe(token_client(world.icb), "https://partner.example/hooks", secret=SECRET)
    district = token_client(world.district)
    response = getattr(district, method)(f"/api/v1/webhooks/{created['id']}/{suffix}", body, format="json")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    assert "partner.example" not in response.content.decode()
    assert district.get("/api/v1/webhooks/").json()["results"] == []
    subscription = WebhookSubscription.objects.get(pk=created["id"])
    assert subscription.active
    assert getattr(token_client(world.icb), method)(f"/api/v1/webhooks/{created['id']}/{suffix}").status_code in (
        200,
        204,
    )


def test_people_of_the_organisation_manage_the_service_accounts_webhooks(world):
    created = subscribe(token_client(world.icb), "https://partner.example/hooks")
    client = APIClient()
    client.force_login(world.icb_signatory)
    assert client.get(f"/api/v1/webhooks/{created['id']}/").status_code == 200


def test_a_webhook_is_changed_without_its_secret_being_shown(world):
    client = token_client(world.icb)
    created = subscribe(client, "https://partner.example/hooks", secret=SECRET)
    new_secret = "another-secret-0123456789abcdefghijklmnop"
    response = client.patch(
        f"/api/v1/webhooks/{created['id']}/",
        {"url": "https://partner.example/v2", "event_types": ["approve"], "secret": new_secret},
        format="json",
    )
    assert response.status_code == 200
    body = response.json()
    assert (body["url"], body["event_types"], body["active"]) == ("https://partner.example/v2", ["approve"], True)
    assert "secret" not in body
    assert WebhookSubscription.objects.get(pk=created["id"]).secret == new_secret
    bad = client.patch(f"/api/v1/webhooks/{created['id']}/", {"url": "gopher://x"}, format="json")
    assert bad.status_code == 400
    assert "url" in bad.json()["errors"]


# --------------------------------------------------------------------------------------------------------------
# Fan-out and delivery
# --------------------------------------------------------------------------------------------------------------


def test_a_gate_submission_is_delivered_signed_to_the_partners_receiver(strategies, receiver):
    w, a, _b = strategies
    created = subscribe(token_client(w.icb), receiver.url)
    submit_gate(w, a)
    report = webhooks.fan_out()
    assert report.messages == webhook_messages().count() > 0
    outbox.deliver_due()
    assert set(webhook_messages().values_list("state", flat=True)) == {OutboxState.SENT}

    assert len(receiver.requests) == report.messages
    for request in receiver.requests:
        headers = request["headers"]
        assert request["path"] == "/hooks/commissioning"
        assert headers["Content-Type"] == "application/json"
        assert headers["User-Agent"] == "commissioning-webhooks/1"
        assert verify_webhook(
            created["secret"], request["body"], headers["X-Webhook-Timestamp"], headers["X-Webhook-Signature"]
        )
        assert not verify_webhook(
            SECRET, request["body"], headers["X-Webhook-Timestamp"], headers["X-Webhook-Signature"]
        )
        assert not verify_webhook(
            created["secret"], request["body"] + b" ", headers["X-Webhook-Timestamp"], headers["X-Webhook-Signature"]
        )
    submitted = next(p for p in receiver.payloads() if p["type"] == "submit")
    assert submitted["strategy"] == "MCC-A"
    assert submitted["transition"] == "submit"
    assert (submitted["object_type"], submitted["from_state"], submitted["to_state"]) == ("gate", "open", "submitted")
    assert len(submitted["snapshot_hash"]) == 64
    assert submitted["subscription"] == created["id"]
    assert {p["strategy"] for p in receiver.payloads()} == {"MCC-A"}
    ids = [request["headers"]["X-Webhook-Id"] for request in receiver.requests]
    assert ids == [f"webhook:{created['id']}:{p['id']}" for p in receiver.payloads()]
    assert len(set(ids)) == len(ids)


def test_the_body_has_the_same_event_as_the_events_feed(strategies, receiver):
    w, a, _b = strategies
    client = token_client(w.icb)
    subscribe(client, receiver.url, event_types=["submit"])
    after = max(e["id"] for e in client.get("/api/v1/events/?limit=500").json()["results"])
    submit_gate(w, a)
    webhooks.fan_out()
    outbox.deliver_due()
    [delivered] = receiver.payloads()
    feed = client.get(f"/api/v1/events/?after={after}&limit=500").json()["results"]
    [same] = [event for event in feed if event["id"] == delivered["id"]]
    assert {key: delivered[key] for key in same} == same


def test_a_strategy_the_organisation_is_not_party_to_sends_it_nothing(strategies, receiver):
    w, _a, b = strategies
    icb = subscribe(token_client(w.icb), receiver.url)
    district = subscribe(token_client(w.district), receiver.url)
    submit_gate(w, b)
    webhooks.fan_out()
    outbox.deliver_due()
    assert receiver.requests
    assert {p["subscription"] for p in receiver.payloads()} == {district["id"]}
    assert {p["strategy"] for p in receiver.payloads()} == {"MCC-B"}
    assert not webhook_messages().filter(dedup_key__startswith=f"webhook:{icb['id']}:").exists()


def test_a_new_webhook_gets_only_events_from_then_on(strategies, receiver):
    w, a, _b = strategies
    services.strategy_update(actor=w.officer, strategy_id=a.pk, summary="Before the webhook")
    subscribe(token_client(w.icb), receiver.url)
    assert webhooks.fan_out().messages == 0


def test_the_event_types_filter_sends_only_those_transitions(strategies, receiver):
    w, a, _b = strategies
    client = token_client(w.icb)
    only_submit = subscribe(client, receiver.url, event_types=["submit"])
    everything = subscribe(client, receiver.url)
    submit_gate(w, a)
    webhooks.fan_out()
    outbox.deliver_due()
    by_subscription: dict[int, list[str]] = {}
    for payload in receiver.payloads():
        by_subscription.setdefault(payload["subscription"], []).append(payload["type"])
    assert by_subscription[only_submit["id"]] == ["submit"]
    assert "submit" in by_subscription[everything["id"]]
    assert "update" in by_subscription[everything["id"]]  # the evidence completed before submission


def test_fanning_out_twice_writes_nothing_twice(strategies, receiver):
    w, a, _b = strategies
    created = subscribe(token_client(w.icb), receiver.url)
    start = WebhookSubscription.objects.get(pk=created["id"]).last_event_id
    submit_gate(w, a)
    first = webhooks.fan_out()
    assert first.messages > 0
    assert webhooks.fan_out().messages == 0
    WebhookSubscription.objects.filter(pk=created["id"]).update(last_event_id=start)  # the cursor lost: keys still hold
    assert webhooks.fan_out().messages == 0
    assert webhook_messages().count() == first.messages
    outbox.deliver_due()
    assert len(receiver.requests) == first.messages


def test_a_run_sends_at_most_the_batch_and_the_next_run_carries_on(strategies, receiver):
    w, a, _b = strategies
    subscribe(token_client(w.icb), receiver.url, event_types=["update"])
    for n in range(5):
        services.strategy_update(actor=w.officer, strategy_id=a.pk, summary=f"Change {n}")
    assert webhooks.fan_out(limit=2).messages == 2
    assert webhooks.fan_out(limit=2).messages == 2
    assert webhooks.fan_out(limit=2).messages == 1
    assert webhooks.fan_out(limit=2).messages == 0
    events = [m.context["id"] for m in webhook_messages()]
    assert events == sorted(events) and len(set(events)) == 5


@override_settings(WEBHOOK_SETTLE_SECONDS=30)
def test_events_wait_to_settle_so_a_late_commit_is_not_passed_over(strategies, receiver):
    w, a, _b = strategies
    subscribe(token_client(w.icb), receiver.url, event_types=["update"])
    services.strategy_update(actor=w.officer, strategy_id=a.pk, summary="Changed")
    assert webhooks.fan_out().messages == 0
    with time_machine.travel(timezone.now() + dt.timedelta(seconds=31)):
        assert webhooks.fan_out().messages == 1


def test_a_paused_webhook_gets_nothing_and_resumes_from_the_moment_it_is_active_again(strategies, receiver):
    w, a, _b = strategies
    client = token_client(w.icb)
    created = subscribe(client, receiver.url, event_types=["update"])
    client.patch(f"/api/v1/webhooks/{created['id']}/", {"active": False}, format="json")
    services.strategy_update(actor=w.officer, strategy_id=a.pk, summary="While paused")
    assert webhooks.fan_out().messages == 0
    client.patch(f"/api/v1/webhooks/{created['id']}/", {"active": True}, format="json")
    assert webhooks.fan_out().messages == 0
    services.strategy_update(actor=w.officer, strategy_id=a.pk, summary="After")
    assert webhooks.fan_out().messages == 1


def test_the_beat_runs_the_fan_out_every_minute(strategies, receiver):
    task = PeriodicTask.objects.get(task="commissioning.publish_webhooks")
    assert (task.crontab.minute, task.crontab.hour, task.enabled) == ("*", "*", True)
    w, a, _b = strategies
    subscribe(token_client(w.icb), receiver.url, event_types=["update"])
    services.strategy_update(actor=w.officer, strategy_id=a.pk, summary="Changed")
    assert publish_webhooks.delay().get() == "FanOutReport(subscriptions=1, messages=1)"


# --------------------------------------------------------------------------------------------------------------
# Retries and the delivery log
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_a_failing_receiver_is_retried_with_backoff_and_the_log_shows_every_attempt(receiver):
    """Committed for real: the attempts of failed deliveries must survive their delivery's transaction."""
    from tests.factories import build_world

    w = build_world()
    a = make_strategy(w, reference="MCC-A")
    client = token_client(w.icb)
    created = subscribe(client, receiver.url, event_types=["submit"])
    receiver.failures = 2
    submit_gate(w, a)
    webhooks.fan_out()  # once it commits, the outbox is asked to deliver (at once here, as Celery is eager)
    outbox.deliver_due()  # (and, were it not, now): the receiver fails
    [message] = webhook_messages()
    message.refresh_from_db()
    first_retry_at = message.next_attempt_at
    assert (message.state, message.attempts) == (OutboxState.PENDING, 1)
    assert "HTTP 500" in message.last_error
    assert outbox.deliver_due().retried == 0  # not due yet
    with time_machine.travel(first_retry_at + dt.timedelta(seconds=1)):
        assert outbox.deliver_due().retried == 1
        message.refresh_from_db()
        second_retry_at = message.next_attempt_at
    with time_machine.travel(second_retry_at + dt.timedelta(seconds=1)):
        assert outbox.deliver_due().sent == 1

    attempts = list(DeliveryAttempt.objects.filter(message=message).order_by("attempted_at"))
    assert [attempt.status_code for attempt in attempts] == [500, 500, 200]
    gaps = [later.attempted_at - earlier.attempted_at for earlier, later in itertools.pairwise(attempts)]
    assert dt.timedelta(seconds=30) <= gaps[0] < dt.timedelta(seconds=60) <= gaps[1]  # exponential backoff
    assert len(receiver.requests) == 3
    assert len({request["headers"]["X-Webhook-Id"] for request in receiver.requests}) == 1
    assert len({request["body"] for request in receiver.requests}) == 1

    log = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/")
    assert log.status_code == 200
    [delivery] = log.json()["results"]
    assert (delivery["state"], delivery["attempts"], delivery["type"], delivery["strategy"]) == (
        "sent",
        3,
        "submit",
        "MCC-A",
    )
    assert delivery["last_error"] == ""
    assert delivery["next_attempt_at"] is None
    assert delivery["webhook_id"] == receiver.requests[0]["headers"]["X-Webhook-Id"]
    assert [row["status_code"] for row in delivery["attempt_log"]] == [500, 500, 200]
    assert "receiver is down" in delivery["attempt_log"][0]["error"]
    assert delivery["attempt_log"][2]["error"] == ""
    assert all(row["duration_ms"] >= 0 for row in delivery["attempt_log"])
    assert delivery["payload"]["subscription"] == created["id"]


def test_an_unreachable_receiver_is_recorded_and_retried(strategies):
    w, a, _b = strategies
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    subscribe(token_client(w.icb), f"http://127.0.0.1:{port}/hooks", event_types=["submit"])
    submit_gate(w, a)
    webhooks.fan_out()
    assert outbox.deliver_due().retried == 1
    [message] = webhook_messages()
    [attempt] = message.attempts_log.all()
    assert attempt.status_code is None
    assert "ConnectionRefusedError" in attempt.error
    assert message.state == OutboxState.PENDING and message.next_attempt_at > timezone.now()


def test_the_address_is_checked_again_when_sending(strategies, receiver):
    w, a, _b = strategies
    subscribe(token_client(w.icb), receiver.url, event_types=["submit"])
    submit_gate(w, a)
    webhooks.fan_out()
    with override_settings(WEBHOOK_ALLOW_PRIVATE_ADDRESSES=False):
        assert outbox.deliver_due().retried == 1
    assert receiver.requests == []
    [message] = webhook_messages()
    assert "127.0.0.1" in message.attempts_log.get().error
    assert "private" in message.last_error


def test_a_changed_url_and_secret_apply_to_messages_not_yet_sent(strategies, receiver):
    w, a, _b = strategies
    client = token_client(w.icb)
    created = subscribe(client, "http://127.0.0.1:9/nowhere", event_types=["submit"], secret=SECRET)
    submit_gate(w, a)
    webhooks.fan_out()
    new_secret = "rotated-secret-0123456789abcdefghijklmnop"
    client.patch(f"/api/v1/webhooks/{created['id']}/", {"url": receiver.url, "secret": new_secret}, format="json")
    outbox.deliver_due()
    assert webhook_messages().get().state == OutboxState.SENT
    [request] = receiver.requests
    headers = request["headers"]
    assert verify_webhook(new_secret, request["body"], headers["X-Webhook-Timestamp"], headers["X-Webhook-Signature"])


def test_deleting_a_webhook_drops_its_messages_not_yet_sent(strategies, receiver):
    w, a, _b = strategies
    client = token_client(w.icb)
    created = subscribe(client, receiver.url, event_types=["submit"])
    submit_gate(w, a)
    webhooks.fan_out()
    assert client.delete(f"/api/v1/webhooks/{created['id']}/").status_code == 204
    assert not WebhookSubscription.objects.filter(pk=created["id"]).exists()
    assert not webhook_messages().exists()
    outbox.deliver_due()
    assert receiver.requests == []


def test_the_delivery_log_is_newest_first_and_pages_with_a_cursor(strategies, receiver):
    w, a, _b = strategies
    client = token_client(w.icb)
    created = subscribe(client, receiver.url, event_types=["update"])
    for n in range(3):
        services.strategy_update(actor=w.officer, strategy_id=a.pk, summary=f"Change {n}")
    webhooks.fan_out()
    outbox.deliver_due()
    url = f"/api/v1/webhooks/{created['id']}/deliveries/"
    first = client.get(url, {"page_size": 2}).json()
    second = client.get(first["next"]).json()
    events = [item["event"] for item in first["results"] + second["results"]]
    assert events == sorted(events, reverse=True) and len(events) == 3
    assert second["next"] is None


@pytest.mark.parametrize("changes", [2, 8])
def test_the_delivery_log_takes_the_same_queries_however_long_it_is(
    strategies, receiver, changes, django_assert_max_num_queries
):
    w, a, _b = strategies
    client = token_client(w.icb)
    created = subscribe(client, receiver.url, event_types=["update"])
    receiver.failures = 1
    for n in range(changes):
        services.strategy_update(actor=w.officer, strategy_id=a.pk, summary=f"Change {n}")
    webhooks.fan_out()
    outbox.deliver_due()
    with django_assert_max_num_queries(6):
        response = client.get(f"/api/v1/webhooks/{created['id']}/deliveries/")
    assert len(response.json()["results"]) == changes


# --------------------------------------------------------------------------------------------------------------
# The sender's safeguards
# --------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("address", "public"),
    [
        ("93.184.216.34", True),
        ("2606:2800:220:1:248:1893:25c8:1946", True),
        ("127.0.0.1", False),
        ("10.0.0.1", False),
        ("172.16.5.4", False),
        ("192.168.1.1", False),
        ("100.64.0.1", False),
        ("169.254.169.254", False),
        ("0.0.0.0", False),
        ("224.0.0.1", False),
        ("::1", False),
        ("fe80::1%eth0", False),
        ("fd00::1", False),
        ("::ffff:10.0.0.1", False),
    ],
)
def test_only_public_unicast_addresses_count_as_public(address, public):
    assert is_public_address(address) is public


def test_the_connection_goes_to_the_checked_address_without_a_second_look_up(receiver):
    port = int(receiver.url.rsplit(":", 1)[1].split("/", 1)[0])
    target = Target("http", "receiver.invalid", port, "/pinned", ("127.0.0.1",))
    assert _post(target, b"{}", {"Content-Type": "application/json"}, timeout=5) == (200, "ok")
    [request] = receiver.requests
    assert (request["path"], request["headers"]["Host"]) == ("/pinned", f"receiver.invalid:{port}")


def test_an_https_webhook_really_speaks_tls(strategies, receiver):
    w, a, _b = strategies
    subscribe(token_client(w.icb), receiver.url.replace("http://", "https://"), event_types=["submit"])
    submit_gate(w, a)
    webhooks.fan_out()
    outbox.deliver_due()
    assert receiver.requests == []  # the plain-HTTP receiver never saw a request it could read
    [message] = webhook_messages()
    assert message.state == OutboxState.PENDING
    assert "SSL" in message.attempts_log.get().error
