"""Personal API tokens: a person who may decide seats (a partner's signatory, say) issues tokens of their own for
their systems, lists them and revokes them, with no administrator and no browser session needed afterwards. Each
token is hashed at rest (knox), shown once, and expires; issuing and revoking are audited on the person."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from workflows.exceptions import InvalidInput, NotFound, NotPermitted
from workflows.transitions import audit

from ..models import RoleAssignment, User, active_on

MAX_PERSONAL_TOKENS = 5


def max_days() -> int:
    return int(settings.REST_KNOX["TOKEN_TTL"].days)


def personal_token_issue(*, actor: User, days: int, via: str = "tokens page") -> tuple[AuthToken, str]:
    """A new token for `actor` itself, expiring in `days` (1 to API_TOKEN_TTL_DAYS). Returns the row and the token,
    which is never shown again. At most MAX_PERSONAL_TOKENS unexpired tokens at once. Audited (with `via`, how it
    was asked for); sends nothing."""
    if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= max_days():
        raise InvalidInput({"days": f"Choose how many days the token lasts: 1 to {max_days()}."})
    if not actor.is_active or not RoleAssignment.objects.filter(person=actor).filter(active_on(timezone.localdate())):
        raise NotPermitted("Only people who hold a role at an organisation can have API tokens.")
    with transaction.atomic():
        User.objects.select_for_update().filter(pk=actor.pk).first()  # one issue at a time, so the limit holds
        current = AuthToken.objects.filter(user=actor, expiry__gt=timezone.now()).count()
        if current >= MAX_PERSONAL_TOKENS:
            raise InvalidInput(
                {"days": f"You have {current} tokens already, the most one person may hold: revoke one first."}
            )
        token, secret = AuthToken.objects.create(user=actor, expiry=dt.timedelta(days=days))
        audit(
            actor,
            transition="issue_api_token",
            actor=actor,
            data={"token": token.token_key, "expires": token.expiry.isoformat(), "via": via},
        )
    return token, secret


def personal_token_revoke(*, actor: User, token_key: str) -> None:
    """Revoke one of `actor`'s own tokens (by its key, the first characters shown on the tokens page): refused by
    every web server from the next request. Audited. Another person's token is not found."""
    with transaction.atomic():
        tokens = AuthToken.objects.filter(user=actor, token_key=token_key)
        if not tokens.exists():
            raise NotFound("You have no token with that key.")
        tokens.delete()
        audit(actor, transition="revoke_api_token", actor=actor, data={"token": token_key})
