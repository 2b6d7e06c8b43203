"""Issue, list and revoke API tokens: for partner organisations' service accounts, or (--person) for one person,
whose token acts as them (the seats they may decide, the strategies they may see)."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from knox.models import AuthToken

from commissioning.models import Organisation, Role, RoleAssignment, User
from commissioning.services import tokens as personal_tokens
from workflows.exceptions import WorkflowError


def service_account(organisation: Organisation) -> User:
    """The organisation's one service account: a partner viewer there, who cannot sign in to the pages."""
    user, created = User.objects.get_or_create(
        username=f"svc-{organisation.code.lower()}",
        defaults={"first_name": organisation.name, "last_name": "(system)", "job_title": "API service account"},
    )
    if created:
        user.set_unusable_password()
        user.save()
    RoleAssignment.objects.get_or_create(person=user, organisation=organisation, role=Role.PARTNER_VIEWER)
    return user


class Command(BaseCommand):
    help = (
        "Issue a token for an organisation's API service account (printed once; only its hash is kept), "
        "or list or revoke them; --person USERNAME issues a token acting as that person. "
        "Example: manage.py api_token MICB --days 90"
    )

    def add_arguments(self, parser):
        parser.add_argument("organisation", nargs="?", help="the organisation's code")
        parser.add_argument(
            "--days", type=int, default=None, help="days until it expires (default: API_TOKEN_TTL_DAYS)"
        )
        parser.add_argument(
            "--person", metavar="USERNAME", help="issue a personal token for this person instead (acts as them)"
        )
        parser.add_argument("--list", action="store_true", help="list the organisation's tokens (never the secrets)")
        parser.add_argument("--revoke-all", action="store_true", help="revoke every token of the organisation")
        parser.add_argument("--purge-expired", action="store_true", help="delete every expired token")

    def handle(self, *args, organisation=None, days=None, list=False, revoke_all=False, purge_expired=False, **opts):
        if purge_expired:
            count, _ = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
            self.stdout.write(f"Deleted {count} expired token(s).")
            return
        if opts.get("person"):
            self.personal(opts["person"], organisation=organisation, days=days, list=list, revoke_all=revoke_all)
            return
        if not organisation:
            raise CommandError("Name the organisation by its code, e.g. `manage.py api_token MICB`.")
        org = Organisation.objects.filter(code__iexact=organisation).first()
        if org is None:
            codes = ", ".join(Organisation.objects.order_by("code").values_list("code", flat=True))
            raise CommandError(f"No organisation with code {organisation!r}. Known codes: {codes or 'none'}.")
        if days is not None and days < 1:
            raise CommandError("--days must be at least 1.")
        with transaction.atomic():
            user = service_account(org)
            tokens = AuthToken.objects.filter(user=user).order_by("created")
            if list:
                for token in tokens:
                    self.stdout.write(
                        f"{token.token_key}…  created {token.created:%Y-%m-%d}, expires {token.expiry:%Y-%m-%d}"
                    )
                return
            if revoke_all:
                count, _ = tokens.delete()
                self.stdout.write(f"Revoked {count} token(s) of {org}.")
                return
            _, secret = AuthToken.objects.create(user=user, **({"expiry": dt.timedelta(days=days)} if days else {}))
        self.stdout.write(f"Token for {org} (service account {user.username}); it is shown only now:\n\n{secret}\n")
        self.stdout.write("Send it as:  Authorization: Token <token>")

    def personal(self, username: str, *, organisation, days, list: bool, revoke_all: bool) -> None:
        if organisation:
            raise CommandError("Give either an organisation's code or --person, not both.")
        person = User.objects.filter(username=username).first()
        if person is None:
            raise CommandError(f"No person with username {username!r}.")
        tokens = AuthToken.objects.filter(user=person).order_by("created")
        if list:
            for token in tokens:
                self.stdout.write(
                    f"{token.token_key}…  created {token.created:%Y-%m-%d}, expires {token.expiry:%Y-%m-%d}"
                )
            return
        if revoke_all:
            for token in tokens:
                personal_tokens.personal_token_revoke(actor=person, token_key=token.token_key)
            self.stdout.write(f"Revoked {len(tokens)} token(s) of {person.username}.")
            return
        try:
            _, secret = personal_tokens.personal_token_issue(
                actor=person, days=days or personal_tokens.max_days(), via="manage.py api_token --person"
            )
        except WorkflowError as error:
            raise CommandError(error.message) from error
        self.stdout.write(f"Token for {person.get_full_name() or person.username}; it is shown only now:\n\n{secret}\n")
        self.stdout.write("It acts as them. Send it as:  Authorization: Token <token>")
