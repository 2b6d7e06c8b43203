"""Factories for every model, and the shared world (`build_world`: organisations and people in every role,
`person`, `make_strategy`, `complete_evidence`), which lives in `benchmarks.world` because the drills and the
benchmarks build it too."""

from __future__ import annotations

import datetime as dt

import factory
from django.utils import timezone

from benchmarks.world import PASSWORD, build_world, complete_evidence, make_strategy, pass_gate, person, signer_of
from commissioning.models import Organisation, OrganisationKind, Role, RoleAssignment, User
from workflows.models import Delegation, NonWorkingDay

__all__ = [
    "DelegationFactory",
    "NonWorkingDayFactory",
    "OrganisationFactory",
    "RoleAssignmentFactory",
    "UserFactory",
    "build_world",
    "complete_evidence",
    "make_strategy",
    "pass_gate",
    "person",
    "signer_of",
]


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password(PASSWORD)


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")
    code = factory.Sequence(lambda n: f"ORG{n}")
    kind = OrganisationKind.COUNTY_COUNCIL


class RoleAssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    person = factory.SubFactory(UserFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = Role.COMMISSIONING_OFFICER
    starts_on = dt.date(2020, 1, 1)


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    principal = factory.SubFactory(UserFactory)
    deputy = factory.SubFactory(UserFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    created_by = factory.SelfAttribute("principal")


class NonWorkingDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NonWorkingDay

    date = dt.date(2026, 12, 24)
    name = "Council closure day"
