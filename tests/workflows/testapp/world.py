"""Building a world for the engine's tests without the domain: organisations of whatever model
`WORKFLOWS_ORGANISATION_MODEL` names (every required field filled from a label), people of `get_user_model()`, the
roles they hold (`Membership`), and factories for the engine's own rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import factory
from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone
from django.utils.text import slugify

from workflows.calendar import WorkingCalendar
from workflows.directory import get_directory
from workflows.models import Delegation, NonWorkingDay
from workflows.services import SeatSpec

from .models import EscalationContact, Membership, Proposal


def organisation_model() -> type[models.Model]:
    return apps.get_model(settings.WORKFLOWS_ORGANISATION_MODEL)


def _value_from_label(field: models.Field, label: str):
    if field.is_relation:
        raise TypeError(f"organisation(): give {field.name} (a required relation) yourself")
    if field.choices:
        return field.choices[0][0]
    if isinstance(field, models.EmailField):
        return f"{slugify(label)}@example.org"
    if isinstance(field, models.SlugField):
        return slugify(label)[: field.max_length]
    if isinstance(field, models.CharField | models.TextField):
        return label[: field.max_length] if field.max_length else label
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DecimalField):
        return Decimal(0)
    if isinstance(field, models.IntegerField):
        return 1
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return timezone.localdate()
    raise TypeError(f"organisation(): cannot make a value for {field.name} ({type(field).__name__})")


def organisation(label: str, **values) -> models.Model:
    """An organisation named `label`: each required field without a default is made from the label."""
    model = organisation_model()
    for field in model._meta.concrete_fields:
        if field.name in values or field.attname in values or field.primary_key:
            continue
        if (
            field.null
            or field.has_default()
            or getattr(field, "auto_now", False)
            or getattr(field, "auto_now_add", False)
        ):
            continue
        values[field.name] = _value_from_label(field, label)
    return model.objects.create(**values)


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = settings.WORKFLOWS_ORGANISATION_MODEL

    label = factory.Sequence(lambda n: f"Organisation {n}")

    @classmethod
    def _create(cls, model_class, *args, label: str, **kwargs):
        return organisation(label, **kwargs)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    person = factory.SubFactory(PersonFactory)
    organisation = factory.SubFactory(OrganisationFactory)
    role = "officer"
    starts_on = dt.date(2020, 1, 1)


class EscalationContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EscalationContact

    organisation = factory.SubFactory(OrganisationFactory)
    person = factory.SubFactory(PersonFactory)


class ProposalFactory(factory.django.DjangoModelFactory):
    """A bare proposal, with no gate (`services.proposal_create` makes one with its gate)."""

    class Meta:
        model = Proposal

    title = factory.Sequence(lambda n: f"Proposal {n}")


class DelegationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Delegation

    principal = factory.SubFactory(PersonFactory)
    deputy = factory.SubFactory(PersonFactory)
    starts_on = factory.LazyFunction(timezone.localdate)
    ends_on = factory.LazyFunction(lambda: timezone.localdate() + dt.timedelta(days=14))
    created_by = factory.SelfAttribute("principal")


class NonWorkingDayFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = NonWorkingDay

    date = dt.date(2026, 12, 24)
    name = "Council closure day"


def person(username: str, organisation=None, *roles: str, **fields):
    """A person, holding each of `roles` at `organisation` since 2020."""
    user = PersonFactory(username=username, **fields)
    for role in roles:
        MembershipFactory(person=user, organisation=organisation, role=role)
    return user


def build_world() -> SimpleNamespace:
    """A county council that decides and an ICB that co-signs, and their people. The county's overdue sign-offs
    go to its manager; the ICB names no escalation contact."""
    county = organisation("Midshire County Council")
    icb = organisation("Midshire Integrated Care Board")
    w = SimpleNamespace(county=county, icb=icb)
    w.officer = person("officer", county, "officer")
    w.officer2 = person("officer2", county, "officer")
    w.manager = person("manager", county, "manager")
    w.finance = person("finance", county, "finance")
    w.member = person("member", county, "executive_member")
    w.scrutiny = person("scrutiny", county, "scrutiny_member")
    w.chair = person("chair", county, "scrutiny_chair")
    w.icb_signatory = person("icb_signatory", icb, "partner_signatory")
    w.outsider = person("outsider", icb, "viewer")
    EscalationContactFactory(organisation=county, person=w.manager)
    return w


def seat(role: str, organisation, *, due_on: dt.date | None = None, **options) -> SeatSpec:
    """A seat for `role` at `organisation`, due 10 working days from today unless told."""
    due_on = due_on or WorkingCalendar().add_working_days(timezone.localdate(), 10)
    label = f"{get_directory().role_label(role)}, {organisation}"
    return SeatSpec(role=role, organisation_id=organisation.pk, label=label, due_on=due_on, **options)


def ordinary_seats(w, **options) -> list[SeatSpec]:
    """Three seats: an officer and finance at the county, the ICB's signatory."""
    return [
        seat("officer", w.county, **options),
        seat("finance", w.county, **options),
        seat("partner_signatory", w.icb, **options),
    ]


def key_decision_seats(w, **options) -> list[SeatSpec]:
    """Four seats: the county's manager and finance, the ICB's signatory, and the executive member, whose decision
    needs a record of decision."""
    return [
        seat("manager", w.county, **options),
        seat("finance", w.county, **options),
        seat("partner_signatory", w.icb, **options),
        seat("executive_member", w.county, requires_record_of_decision=True, **options),
    ]
