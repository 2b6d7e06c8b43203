"""Planning the organisations (regions of twenty), their people and roles, and a few delegations."""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.utils import timezone

from commissioning.models import Organisation, Role, RoleAssignment, User
from workflows.models import Delegation

from .plan import Org, days
from .targets import (
    BENCH_PASSWORD,
    PARTNER_USERNAME,
    REGION_SIZE,
    ROLES_SINCE,
    USER_PREFIX,
    BenchDataError,
)
from .vocabulary import (
    BENCH_COUNCIL_PEOPLE,
    COUNCIL_PEOPLE,
    DISTRICT_PEOPLE,
    FIRST_NAMES,
    ICB_PEOPLE,
    JOB_TITLES,
    KIND_CODES,
    KIND_TEMPLATE,
    LAST_NAMES,
    LEAD_KINDS,
    ORGANISATION_NAMES,
    PARTNER_PEOPLE,
    REGION_NAMES,
    ROLE_USERNAMES,
    K,
)


class PeoplePlanner:
    """The `Generator`'s organisations and people (a mixin: the state lives in `Generator.__init__`)."""

    def plan_organisations(self) -> None:
        count = self.t.organisations
        n_regions = max(1, round(count / REGION_SIZE))
        self.regions = [defaultdict(list) for _ in range(n_regions)]
        taken = Counter()
        for index in range(count):
            region, position = index % n_regions, index // n_regions
            kind = KIND_TEMPLATE[position % len(KIND_TEMPLATE)]
            taken[(region, kind)] += 1
            n = taken[(region, kind)]
            names = ORGANISATION_NAMES[kind]
            region_name = REGION_NAMES[region % len(REGION_NAMES)] + (
                f" {region // len(REGION_NAMES) + 1}" if region >= len(REGION_NAMES) else ""
            )
            name = names[(n - 1) % len(names)].format(r=region_name)
            if n > len(names):
                name = f"{name} {n}"
            single = kind in (K.COUNTY_COUNCIL, K.ICB, K.PUBLIC_HEALTH) and n == 1
            code = f"R{region:02d}{KIND_CODES[kind]}{'' if single else n}"
            org = Org(id=self.ids.next(Organisation), region=region, kind=kind, code=code, name=name)
            if kind == K.COUNTY_COUNCIL:
                org.revenue, org.capital = Decimal(500_000), Decimal(1_000_000)
            elif kind == K.DISTRICT_COUNCIL:
                org.revenue, org.capital = Decimal(250_000), Decimal(500_000)
            self.orgs.append(org)
            self.orgs_by_id[org.id] = org
            self.regions[region][kind].append(org)
        self.council = self.orgs[0]
        self.partner = self.regions[0][K.ICB][0]
        if self.council.kind != K.COUNTY_COUNCIL or not self.regions[0][K.ICB]:
            raise BenchDataError("The benchmark needs a county council and an ICB in region 0.")

    def plan_people(self) -> None:
        rng = self.rng
        password = make_password(BENCH_PASSWORD)  # hashed once: every benchmark account shares it
        lead_roles, partner_roles = self.policies.roles_by_party()
        joined = self.now - days(3650)
        for org in self.orgs:
            if org is self.council:
                wanted = dict(BENCH_COUNCIL_PEOPLE)
            elif org.kind == K.COUNTY_COUNCIL:
                wanted = dict(COUNCIL_PEOPLE)
            elif org.kind == K.DISTRICT_COUNCIL:
                wanted = dict(DISTRICT_PEOPLE)
            elif org.kind == K.ICB:
                wanted = dict(ICB_PEOPLE)
            else:
                wanted = dict(PARTNER_PEOPLE)
            # Whatever role the policies ask of a party, someone holds it (two officers: one submits, one signs).
            for role in partner_roles | (lead_roles if org.kind in LEAD_KINDS else set()):
                wanted[role] = max(wanted.get(role, 0), 2 if role == Role.COMMISSIONING_OFFICER else 1)
            for role, how_many in wanted.items():
                holders = org.holders.setdefault(role, [])
                for n in range(1, how_many + 1):
                    user_id = self.ids.next(User)
                    username = f"{USER_PREFIX}{org.code.lower()}-{ROLE_USERNAMES[role]}{n}"
                    if org is self.council and n == 1:
                        username = f"{USER_PREFIX}{ROLE_USERNAMES[role]}"  # bench-member, bench-officer, ...
                    elif org is self.partner and n == 1 and role == Role.PARTNER_SIGNATORY:
                        username = PARTNER_USERNAME
                    elif org is self.partner and n == 1 and role == Role.PARTNER_VIEWER:
                        username = f"{PARTNER_USERNAME}-viewer"
                    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    self.names[user_id] = f"{first} {last}"
                    self.rows[User].append(
                        (
                            user_id,
                            password,
                            None,
                            False,
                            username,
                            first,
                            last,
                            f"{username}@bench.example.org",
                            False,
                            True,
                            joined,
                            f"{JOB_TITLES[role]}, {org.name}"[:200],
                        )
                    )
                    self.rows[RoleAssignment].append(
                        (self.ids.next(RoleAssignment), user_id, org.id, role, ROLES_SINCE, None)
                    )
                    holders.append(user_id)
                    if (org is self.council or org is self.partner) and n == 1:
                        self.actors[username] = f"{Role(role).label}, {org.name}"
        for org in self.orgs:
            contacts = org.holders.get(Role.COMMISSIONING_MANAGER) or org.holders.get(Role.PARTNER_SIGNATORY) or [None]
            contact = contacts[0]
            # no exemption from call-in, officer decision records or representations text
            self.rows[Organisation].append(
                (
                    org.id,
                    org.name,
                    org.code,
                    org.kind,
                    contact,
                    org.revenue,
                    org.capital,
                    org.call_in_days,
                    False,
                    None,
                    "",
                )
            )
        self.plan_delegations()

    def plan_delegations(self) -> None:
        """At each lead council the first finance officer is away, with a manager as deputy; some earlier
        delegations have ended."""
        for org in self.orgs:
            finance = org.holders.get(Role.FINANCE, [])
            managers = org.holders.get(Role.COMMISSIONING_MANAGER, [])
            if org.kind not in LEAD_KINDS or not finance or not managers:
                continue
            for start, length in ((-3, 14), (-200, 10)):
                starts = self.today + dt.timedelta(days=start + self.rng.randint(-2, 2))
                ends = starts + dt.timedelta(days=length)
                created = timezone.make_aware(dt.datetime.combine(starts - dt.timedelta(days=1), dt.time(9, 30)))
                delegation_id = self.ids.next(Delegation)
                reason = "Annual leave"
                self.rows[Delegation].append(
                    (delegation_id, finance[0], managers[0], starts, ends, reason, finance[0], created, None)
                )
                self.event(
                    created,
                    self.ct[Delegation],
                    delegation_id,
                    f"Delegation #{delegation_id}: {self.names[finance[0]]} to {self.names[managers[0]]}, "
                    f"{starts} to {ends}",
                    "delegate",
                    strategy=None,
                    actor=finance[0],
                    reason=reason,
                    data={"deputy": managers[0], "starts_on": starts.isoformat(), "ends_on": ends.isoformat()},
                )
