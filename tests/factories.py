"""Factories for every model, and `build_world`: organisations and people in every role."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import factory
from django.utils import timezone

from commissioning import services
from commissioning.models import (
    EvidenceStatus,
    Organisation,
    OrganisationKind,
    PartnerKind,
    Role,
    RoleAssignment,
    ServiceArea,
    Strategy,
    User,
)
from workflows.models import Delegation, NonWorkingDay


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"person{n}")
    first_name = factory.Faker("first_name", locale="en_GB")
    last_name = factory.Faker("last_name", locale="en_GB")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.org")
    password = factory.django.Password("correct horse battery staple")


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


def person(username: str, organisation: Organisation, *roles: str) -> User:
    user = UserFactory(username=username)
    for role in roles:
        RoleAssignmentFactory(person=user, organisation=organisation, role=role)
    return user


def build_world() -> SimpleNamespace:
    county = OrganisationFactory(
        name="Midshire County Council",
        code="MCC",
        kind=OrganisationKind.COUNTY_COUNCIL,
        key_decision_revenue_threshold=Decimal("500000"),
        key_decision_capital_threshold=Decimal("1000000"),
    )
    icb = OrganisationFactory(name="Midshire Integrated Care Board", code="ICB", kind=OrganisationKind.ICB)
    district = OrganisationFactory(
        name="Riverside District Council", code="RDC", kind=OrganisationKind.DISTRICT_COUNCIL
    )
    w = SimpleNamespace(county=county, icb=icb, district=district)
    w.officer = person("officer", county, Role.COMMISSIONING_OFFICER)
    w.officer2 = person("officer2", county, Role.COMMISSIONING_OFFICER)
    w.manager = person("manager", county, Role.COMMISSIONING_MANAGER)
    w.finance = person("finance", county, Role.FINANCE)
    w.legal = person("legal", county, Role.LEGAL)
    w.procurement = person("procurement", county, Role.PROCUREMENT)
    w.member = person("member", county, Role.EXECUTIVE_MEMBER)
    w.scrutiny = person("scrutiny", county, Role.SCRUTINY_MEMBER)
    w.chair = person("chair", county, Role.SCRUTINY_CHAIR)
    w.icb_signatory = person("icb_signatory", icb, Role.PARTNER_SIGNATORY)
    w.district_signatory = person("district_signatory", district, Role.PARTNER_SIGNATORY)
    w.outsider = person("outsider", icb, Role.PARTNER_VIEWER)
    county.escalation_contact = w.manager
    county.save()
    return w


def make_strategy(w, *, value="50000", reference=None, pooled=False, partners=None, capital="0", **extra) -> Strategy:
    reference = reference or f"MCC-{Strategy.objects.count() + 1:03d}"
    if partners is None:
        partners = [services.PartnerSpec(w.icb.pk, PartnerKind.CO_COMMISSIONER)]
        if pooled:
            partners.append(services.PartnerSpec(w.district.pk, PartnerKind.POOLED_BUDGET_CONTRIBUTOR))
    return services.strategy_create(
        actor=w.officer,
        reference=reference,
        title=extra.pop("title", "Adult carers support"),
        service_area=ServiceArea.ADULT_SOCIAL_CARE,
        lead_organisation=w.county,
        lead_officer=w.officer,
        annual_value=Decimal(value),
        total_contract_value=Decimal(value),
        capital_value=Decimal(capital),
        pooled_budget=pooled,
        partners=partners,
        **extra,
    )


def complete_evidence(strategy: Strategy, actor) -> None:
    strategy.refresh_from_db()
    for item in strategy.evidence.filter(cycle=strategy.cycle, stage=strategy.stage):
        services.evidence_update(
            actor=actor, evidence_id=item.pk, status=EvidenceStatus.COMPLETE, content=f"{item.title}: done."
        )
    if strategy.stage == "plan":
        services.strategy_update(actor=actor, strategy_id=strategy.pk, delivery_channel="outsourcing")
    if strategy.stage == "review" and not strategy.recommendation:
        services.strategy_update(actor=actor, strategy_id=strategy.pk, recommendation="recommission")
