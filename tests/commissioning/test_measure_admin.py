"""Outcome measures in the admin: added through the same service as on the strategy page (its checks, its audit
event and the version bump), its refusals shown as form errors; changed with an audit of the values before and
after in the strategy's history; figures shown read-only, with their corrections."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from commissioning import services
from commissioning.models import OutcomeMeasure, Strategy
from commissioning.services import measures
from tests.factories import UserFactory, complete_evidence, make_strategy
from workflows.models import AuditEvent

pytestmark = pytest.mark.django_db

ADD_URL = reverse("admin:commissioning_outcomemeasure_add")


def change_url(measure) -> str:
    return reverse("admin:commissioning_outcomemeasure_change", args=[measure.pk])


def version_of(strategy: Strategy) -> int:
    return Strategy.objects.values_list("version", flat=True).get(pk=strategy.pk)


@pytest.fixture
def strategy(world):
    return make_strategy(world, reference="MCC-A")


def form(strategy, **overrides) -> dict:
    return {
        "strategy": strategy.pk,
        "code": "carers-supported",
        "name": "Carers supported",
        "level": "service",
        "unit": "people",
        "period": "financial_year",
        "target": "120",
        "higher_is_better": "on",
        **overrides,
    }


def with_inlines(page, data: dict) -> dict:
    """`data` with the management forms of the page's (read-only) inlines, as a browser posts them."""
    for inline in page.context["inline_admin_formsets"]:
        management = inline.formset.management_form
        data.update({management.add_prefix(name): management[name].value() for name in management.fields})
    return data


def test_an_administrator_adds_a_measure_through_the_service(admin_client, admin_user, strategy):
    before = version_of(strategy)

    response = admin_client.post(ADD_URL, form(strategy))

    assert response.status_code == 302, response.context["adminform"].form.errors
    measure = OutcomeMeasure.objects.get()
    assert (measure.strategy, measure.code, measure.period, measure.target) == (
        strategy,
        "carers-supported",
        "financial_year",
        Decimal("120.00"),
    )
    event = AuditEvent.objects.get(transition="add_measure")
    assert (event.actor, event.subject_id, event.object_id) == (admin_user, strategy.pk, measure.pk)
    assert not AuditEvent.objects.filter(transition="admin_add").exists()  # audited once, by the service
    assert version_of(strategy) == before + 1
    assert response["Location"] == reverse("admin:commissioning_outcomemeasure_changelist")


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"name": "   "}, "name", "This field is required."),
        ({"code": "bad code!"}, "code", "Enter a valid “slug”"),
        ({"period": "weekly"}, "period", "Select a valid choice"),
        ({"target": "1.234"}, "target", "Ensure that there are no more than 2 decimal places."),
    ],
)
def test_bad_input_is_a_form_error_and_creates_nothing(admin_client, strategy, overrides, field, message):
    response = admin_client.post(ADD_URL, form(strategy, **overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field]), errors
    assert not OutcomeMeasure.objects.exists()
    assert not AuditEvent.objects.filter(transition="add_measure").exists()


def test_a_code_the_strategy_has_is_the_services_error_on_the_code(admin_client, world, strategy):
    measures.measure_create(actor=world.officer, strategy_id=strategy.pk, code="carers-supported", name="X", unit="u")
    version = version_of(strategy)

    response = admin_client.post(ADD_URL, form(strategy))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "MCC-A already has a measure with code carers-supported." in " ".join(errors["code"])
    assert OutcomeMeasure.objects.count() == 1
    assert version_of(strategy) == version


def test_a_strategy_under_sign_off_is_the_services_refusal_on_the_strategy_not_a_500(admin_client, world, strategy):
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)

    response = admin_client.post(ADD_URL, form(strategy))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "Withdraw the gate to make changes" in " ".join(errors["strategy"])
    assert not OutcomeMeasure.objects.exists()


def test_staff_without_the_permission_to_add_measures_cannot(client, strategy):
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.set(Permission.objects.filter(codename__in=["view_outcomemeasure"]))
    client.force_login(staff)
    assert client.get(ADD_URL).status_code == 403
    assert client.post(ADD_URL, form(strategy)).status_code == 403
    assert not OutcomeMeasure.objects.exists()


def test_staff_with_the_permission_add_through_the_service_too(client, strategy):
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["add_outcomemeasure", "view_outcomemeasure", "view_strategy"])
    )
    client.force_login(staff)
    response = client.post(ADD_URL, form(strategy))
    assert response.status_code == 302
    assert AuditEvent.objects.get(transition="add_measure").actor == staff


def test_a_change_is_audited_before_and_after_in_the_strategys_history_and_bumps_its_version(
    admin_client, admin_user, world, strategy
):
    measure = measures.measure_create(
        actor=world.officer, strategy_id=strategy.pk, code="carers-supported", name="Carers", unit="people", target=100
    )
    before = version_of(strategy)
    page = admin_client.get(change_url(measure))
    assert set(page.context["adminform"].form.fields) == {
        "name",
        "level",
        "unit",
        "period",
        "target",
        "higher_is_better",
    }  # the strategy and the code are read-only

    response = admin_client.post(
        change_url(measure),
        with_inlines(
            page,
            {"name": "Carers supported", "level": "service", "unit": "people", "period": "quarter", "target": "150"},
        ),
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    measure.refresh_from_db()
    assert (measure.name, measure.target, measure.higher_is_better) == ("Carers supported", Decimal(150), False)
    event = AuditEvent.objects.get(transition="admin_change")
    assert event.actor == admin_user
    assert (event.subject_type.model, event.subject_id) == ("strategy", strategy.pk)
    assert event.data["changes"]["target"] == {"from": "100.00", "to": "150.00"}
    assert event.data["changes"]["name"] == {"from": "Carers", "to": "Carers supported"}
    assert version_of(strategy) == before + 1


def test_a_measure_with_figures_keeps_its_period_and_cannot_be_deleted(admin_client, world, strategy):
    measure = measures.measure_create(
        actor=world.officer, strategy_id=strategy.pk, code="carers-supported", name="Carers", unit="people"
    )
    Strategy.objects.filter(pk=strategy.pk).update(stage="do")
    measures.figure_submit(
        actor=world.icb_signatory, strategy_id=strategy.pk, measure_code="carers-supported", period="2025-Q1", value=9
    )

    page = admin_client.get(change_url(measure))

    assert "period" not in page.context["adminform"].form.fields
    assert "2025-Q1" in page.content.decode()
    delete = reverse("admin:commissioning_outcomemeasure_delete", args=[measure.pk])
    assert admin_client.get(delete).status_code == 403
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert OutcomeMeasure.objects.filter(pk=measure.pk).exists()


def test_a_measure_without_figures_can_be_deleted_audited_in_the_strategys_history(admin_client, world, strategy):
    measure = measures.measure_create(
        actor=world.officer, strategy_id=strategy.pk, code="carers-supported", name="Carers", unit="people"
    )
    before = version_of(strategy)
    delete = reverse("admin:commissioning_outcomemeasure_delete", args=[measure.pk])

    response = admin_client.post(delete, {"post": "yes"})

    assert response.status_code == 302
    assert not OutcomeMeasure.objects.exists()
    event = AuditEvent.objects.get(transition="admin_delete")
    assert (event.subject_type.model, event.subject_id) == ("strategy", strategy.pk)
    assert version_of(strategy) == before + 1


def test_a_change_while_the_gate_is_under_sign_off_is_refused_on_the_form(admin_client, world, strategy):
    measure = measures.measure_create(
        actor=world.officer, strategy_id=strategy.pk, code="carers-supported", name="Carers", unit="people"
    )
    complete_evidence(strategy, world.officer)
    services.gate_submit(actor=world.officer, strategy_id=strategy.pk)

    page = admin_client.get(change_url(measure))
    response = admin_client.post(
        change_url(measure),
        with_inlines(page, {"name": "Renamed", "level": "service", "unit": "people", "period": "quarter"}),
    )

    assert response.status_code == 200
    assert "Withdraw the gate to make changes" in str(response.context["adminform"].form.non_field_errors())
    measure.refresh_from_db()
    assert measure.name == "Carers"
    assert not AuditEvent.objects.filter(transition="admin_change").exists()
