"""Personal API tokens: a partner signatory issues one on the tokens page (shown once, expiring), decides a seat
through the API with it and no browser session, sees it listed and revokes it; an administrator issues one from the
command line. A person sees and revokes only their own."""

from __future__ import annotations

import re

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from commissioning import services
from commissioning.services import tokens
from tests.factories import complete_evidence, make_strategy
from workflows.models import AuditEvent, Decision

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r'id="token-secret">(cce_\w+)<')


def issue_on_the_page(client, days: int = 30):
    response = client.post(reverse("api-tokens"), {"days": str(days)})
    assert response.status_code == 200
    return response


def api_with(secret: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    return client


def test_a_signatory_issues_a_token_on_the_page_and_decides_a_seat_with_it_without_a_session(client, world):
    strategy = make_strategy(world, reference="MCC-A")
    complete_evidence(strategy, world.officer)
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    client.force_login(world.icb_signatory)

    page = issue_on_the_page(client, days=30)
    secret = TOKEN.search(page.content.decode()).group(1)
    assert "shown only once" in page.content.decode()
    assert page["Cache-Control"] == "no-store"
    token = AuthToken.objects.get(user=world.icb_signatory)
    assert secret.startswith(token.token_key)
    assert (token.expiry - timezone.now()).days in (29, 30)

    api = api_with(secret)  # no session: only the token
    queue = api.get("/api/v1/seats/").json()
    assert [item["strategy"] for item in queue] == ["MCC-A"]
    seat_id = queue[0]["id"]
    decided = api.post(
        f"/api/v1/seats/{seat_id}/decision/",
        {"outcome": "approve"},
        format="json",
        HTTP_IF_MATCH=f'"{gate.version}"',
        HTTP_IDEMPOTENCY_KEY="first-try",
    )
    assert decided.status_code == 201, decided.json()
    assert Decision.objects.get(seat_id=seat_id).actor == world.icb_signatory

    again = client.get(reverse("api-tokens")).content.decode()
    assert secret not in again  # shown once only
    assert f"{token.token_key}…" in again


def test_revoking_on_the_page_stops_the_token_at_once(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.icb_signatory)
    secret = TOKEN.search(issue_on_the_page(client).content.decode()).group(1)
    api = api_with(secret)
    assert api.get("/api/v1/strategies/").status_code == 200
    key = AuthToken.objects.get(user=world.icb_signatory).token_key

    with django_capture_on_commit_callbacks(execute=True):  # the revocation reaches the token cache after commit
        revoked = client.post(reverse("api-token-revoke", args=[key]), follow=True)
    assert "has been revoked" in revoked.content.decode()
    assert "You hold no API tokens." in revoked.content.decode()
    assert api.get("/api/v1/strategies/").status_code == 401
    assert list(AuditEvent.objects.filter(object_id=world.icb_signatory.pk).values_list("transition", flat=True)) == [
        "issue_api_token",
        "revoke_api_token",
    ]


def test_nobody_sees_or_revokes_another_persons_token(client, world):
    _, secret = tokens.personal_token_issue(actor=world.icb_signatory, days=7)
    key = AuthToken.objects.get(user=world.icb_signatory).token_key
    client.force_login(world.district_signatory)
    assert key not in client.get(reverse("api-tokens")).content.decode()
    assert client.post(reverse("api-token-revoke", args=[key])).status_code == 404
    assert api_with(secret).get("/api/v1/strategies/").status_code == 200


def test_a_length_not_offered_is_refused_and_issues_nothing(client, world):
    client.force_login(world.icb_signatory)
    for days in ("", "0", "366", "many"):
        page = client.post(reverse("api-tokens"), {"days": days}).content.decode()
        assert "There is a problem" in page, days
    assert not AuthToken.objects.exists()


def test_at_most_five_tokens_at_once(client, world):
    for _ in range(tokens.MAX_PERSONAL_TOKENS):
        tokens.personal_token_issue(actor=world.icb_signatory, days=7)
    client.force_login(world.icb_signatory)
    page = issue_on_the_page(client).content.decode()
    assert "revoke one first" in page
    assert 'id="token-secret"' not in page
    assert AuthToken.objects.filter(user=world.icb_signatory).count() == tokens.MAX_PERSONAL_TOKENS


def test_someone_with_no_role_cannot_have_one(world):
    from commissioning.models import User
    from workflows.exceptions import NotPermitted

    nobody = User.objects.create_user("nobody", password="x" * 20)
    with pytest.raises(NotPermitted, match="hold a role"):
        tokens.personal_token_issue(actor=nobody, days=7)


def test_an_administrator_issues_lists_and_revokes_a_persons_token_from_the_command_line(
    world, capsys, django_capture_on_commit_callbacks
):
    call_command("api_token", "--person", "icb_signatory", "--days", "14")
    secret = re.search(r"cce_\w+", capsys.readouterr().out).group(0)
    assert api_with(secret).get("/api/v1/seats/").status_code == 200
    token = AuthToken.objects.get(user=world.icb_signatory)
    assert (token.expiry - timezone.now()).days in (13, 14)
    assert AuditEvent.objects.get(transition="issue_api_token").data["via"] == "manage.py api_token --person"

    call_command("api_token", "--person", "icb_signatory", "--list")
    assert token.token_key in capsys.readouterr().out
    with django_capture_on_commit_callbacks(execute=True):
        call_command("api_token", "--person", "icb_signatory", "--revoke-all")
    assert "Revoked 1 token(s)" in capsys.readouterr().out
    assert api_with(secret).get("/api/v1/seats/").status_code == 401

    with pytest.raises(CommandError, match="No person"):
        call_command("api_token", "--person", "nobody-here")
    with pytest.raises(CommandError, match="1 to"):
        call_command("api_token", "--person", "icb_signatory", "--days", "9999")
