"""`manage.py seed_demo`: load a fictional county, its partners, people in every role and 17 strategies.

Every change of state goes through `commissioning.services`, so the demo has the same audit trail, snapshots and
seats as real use. History is made by moving the clock (time-machine): a gate submitted "30 days ago" really was.
The data and the code that builds it are in `commissioning.demo`; this command runs it once and prints the accounts.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from commissioning.demo.build import Demo, accounts_table
from commissioning.demo.organisations import COUNTY, ORGANISATIONS
from commissioning.demo.people import DEMO_PASSWORD, PEOPLE
from commissioning.demo.scenarios import SCENARIOS
from commissioning.demo.strategies import STRATEGIES
from commissioning.models import Organisation

ADMIN_URL = "http://127.0.0.1:8000/admin/"
SIGN_IN_URL = "http://127.0.0.1:8000/accounts/login/"


class Command(BaseCommand):
    help = (
        "Load demonstration data: Midshire County Council, its partners, people in every role and 17 "
        f"commissioning strategies spread over every stage and gate state. Every demo account's password is "
        f"{DEMO_PASSWORD!r}; the administrator is 'admin'. Running it again does nothing."
    )

    def handle(self, *args, **options) -> None:
        if Organisation.objects.filter(code=COUNTY).exists():
            self.stdout.write("Demo data already loaded.")
        else:
            if set(SCENARIOS) != {row.reference for row in STRATEGIES}:
                raise CommandError("Every demo strategy needs exactly one scenario.")
            with transaction.atomic():
                demo = Demo()
                demo.create_organisations_and_people()
                for row in STRATEGIES:
                    SCENARIOS[row.reference](demo, row)
            self.stdout.write(
                self.style.SUCCESS(
                    f"Demo data loaded: {len(ORGANISATIONS)} organisations, {len(PEOPLE) + 1} people and "
                    f"{len(STRATEGIES)} strategies."
                )
            )
        self.stdout.write("")
        self.stdout.write(f"Demo accounts (every password: {DEMO_PASSWORD})")
        self.stdout.write("")
        for line in accounts_table():
            self.stdout.write(line)
        self.stdout.write("")
        self.stdout.write(f"Sign in as any of them at {SIGN_IN_URL}; the admin site is {ADMIN_URL} (admin only).")
