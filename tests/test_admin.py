"""The Django admin: every page opens, records kept by the services are read-only, delegations go through the
service, and lists do not query per row."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django import forms
from django.apps import apps as django_apps
from django.contrib import admin
from django.contrib.auth.models import Group, Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from django_fsm import FSMFieldMixin

from commissioning import services
from commissioning.management.commands.api_token import service_account
from commissioning.models import EvidenceTemplate, GatePolicy, OutcomeMeasure, Strategy
from commissioning.services import calendar_feeds, webhooks
from commissioning.statements import defaults as statements_defaults
from tests.factories import NonWorkingDayFactory, UserFactory, complete_evidence, make_strategy, person
from workflows import services as engine
from workflows.models import (
    Action,
    AuditEvent,
    Decision,
    Delegation,
    Gate,
    GateSnapshot,
    GateState,
    RecordOfDecision,
    Seat,
)
from workflows.outbox import deliver_due

# --------------------------------------------------------------------------------------------------------------
# Set-up
# --------------------------------------------------------------------------------------------------------------


def sign_in_rows(w, n: int) -> None:
    """A provider with a mapping, an owned domain, a password switch, a linked identity and a mapped role."""
    from commissioning.identity.models import (
        ClaimRoleMapping,
        EmailDomain,
        ExternalIdentity,
        IdentityProvider,
        MappedRole,
        SignInPolicy,
    )
    from commissioning.models import Organisation, RoleAssignment

    organisation = Organisation.objects.create(name=f"Sign-in organisation {n}", code=f"SIGN{n}", kind="icb")
    provider = IdentityProvider.objects.create(
        organisation=organisation,
        slug=f"provider-{n}",
        name=f"Provider {n}",
        issuer=f"https://login.example/{n}/v2.0",
        client_id=f"client-{n}",
    )
    mapping = ClaimRoleMapping.objects.create(provider=provider, value=f"Role.{n}", role="partner_viewer")
    EmailDomain.objects.create(organisation=organisation, domain=f"org{n}.example.gov.uk")
    SignInPolicy.objects.create(organisation=organisation, password_sign_in=False)
    someone = person(f"signed-in-{n}", organisation)
    ExternalIdentity.objects.create(person=someone, provider=provider, issuer=provider.issuer, subject=f"sub-{n}")
    assignment = RoleAssignment.objects.create(person=someone, organisation=organisation, role="partner_viewer")
    MappedRole.objects.create(assignment=assignment, mapping=mapping)


def submit_with_a_conditional_approval(w, **strategy_kwargs) -> SimpleNamespace:
    """A strategy whose Analyse gate is submitted and whose finance seat approved it with a condition."""
    strategy = make_strategy(w, **strategy_kwargs)
    complete_evidence(strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    seat = gate.current_seats().get(role="finance")
    decision = services.seat_decide(
        actor=w.finance,
        seat_id=seat.pk,
        outcome="approve_with_conditions",
        conditions=[
            engine.ConditionSpec(
                description="Confirm the pooled-budget contributions in writing.",
                owner_id=w.officer.pk,
                due_on=timezone.localdate() + dt.timedelta(days=10),
            )
        ],
    )
    return SimpleNamespace(strategy=strategy, gate=gate, seat=seat, decision=decision)


@pytest.fixture
def data(world):
    """At least one row of every model the admin shows."""
    w = world
    made = submit_with_a_conditional_approval(w)
    # A record of decision belongs to a key decision; the page only needs a row to show.
    RecordOfDecision.objects.create(
        decision=made.decision,
        decision_text="Agree the strategy.",
        reasons="The needs assessment supports it.",
        alternatives_considered="Do nothing: rejected.",
        conflicts_of_interest="None.",
    )
    services.delegation_create(
        actor=w.member,
        principal=w.member,
        deputy=w.manager,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=7),
        reason="Annual leave",
    )
    NonWorkingDayFactory()
    OutcomeMeasure.objects.create(
        strategy=made.strategy, code="carers-supported", name="Carers supported", unit="people"
    )
    Group.objects.create(name="Administrators")
    webhooks.subscription_create(actor=service_account(w.icb), url="https://partner.example/hooks", secret="s" * 32)
    calendar_feeds.calendar_feed_of(person=w.officer)
    sign_in_rows(w, 0)
    statements_defaults.load(django_apps)  # the statements' row (a data migration's, unless a flush removed it)
    deliver_due()  # in-app notifications for what happened above
    return SimpleNamespace(w=w, **vars(made))


def admin_url(model, view: str, *args) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_request(rf, user):
    request = rf.get("/admin/")
    request.user = user
    return request


def registered():
    """This project's admin pages (third-party apps such as django-celery-beat bring their own)."""
    ours = {"commissioning", "workflows", "identity", "statements"}
    items = [(m, a) for m, a in admin.site._registry.items() if m._meta.app_label in ours]
    return sorted(items, key=lambda item: item[0]._meta.label)


def form_data(form) -> dict:
    """What a browser would post for `form` as it was rendered."""
    data = {}
    for name, field in form.fields.items():
        value = form[name].value()
        key = form.add_prefix(name)
        if isinstance(field, forms.BooleanField):
            if value:
                data[key] = "on"
        elif isinstance(value, list | tuple):
            data[key] = [str(item) for item in value]
        else:
            data[key] = "" if value is None else str(value)
    return data


def formset_data(formset) -> dict:
    data = form_data(formset.management_form)
    for form in formset.forms:
        data.update(form_data(form))
    return data


# --------------------------------------------------------------------------------------------------------------
# Every page opens
# --------------------------------------------------------------------------------------------------------------


def test_every_registered_model_has_a_changelist_and_change_page_that_open(admin_client, admin_user, rf, data):
    request = admin_request(rf, admin_user)
    for model, model_admin in registered():
        obj = model._default_manager.order_by("pk").first()
        assert obj is not None, f"the test data has no {model._meta.label}"
        response = admin_client.get(admin_url(model, "changelist"))
        assert response.status_code == 200, model._meta.label
        response = admin_client.get(admin_url(model, "change", obj.pk))
        assert response.status_code == 200, model._meta.label
        response = admin_client.get(admin_url(model, "add"))
        assert response.status_code == (200 if model_admin.has_add_permission(request) else 403), model._meta.label


def test_every_model_admin_sets_an_explicit_ordering():
    for model, model_admin in registered():
        assert model_admin.ordering, f"{model._meta.label} admin has no ordering"


def test_no_changelist_makes_more_queries_when_it_has_more_rows(admin_client, data):
    w = data.w

    def count_queries() -> dict[str, int]:
        counts = {}
        for model, _model_admin in registered():
            with CaptureQueriesContext(connection) as queries:
                response = admin_client.get(admin_url(model, "changelist"))
            assert response.status_code == 200
            counts[model._meta.label] = len(queries)
        return counts

    before = count_queries()
    for n in range(3):
        submit_with_a_conditional_approval(w, reference=f"MCC-MORE-{n}", title=f"More strategy {n}")
        deputy = person(f"deputy{n}", w.district, "partner_viewer")
        services.delegation_create(
            actor=w.chair,
            principal=w.chair,
            deputy=deputy,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + dt.timedelta(days=3),
        )
        NonWorkingDayFactory(date=dt.date(2027, 1, 4 + n), name=f"Closure {n}")
        Group.objects.create(name=f"Group {n}")
        sign_in_rows(w, n + 1)
    for decision in Decision.objects.filter(record__isnull=True):
        RecordOfDecision.objects.create(
            decision=decision,
            decision_text="Agree.",
            reasons="Sound.",
            alternatives_considered="None.",
            conflicts_of_interest="None.",
        )
    assert before == count_queries()


def test_money_is_shown_in_pounds_with_thousands_separators(admin_client, data):
    response = admin_client.get(admin_url(data.w.county, "changelist"))
    assert "£500,000" in response.content.decode()
    assert "£1,000,000" in response.content.decode()
    response = admin_client.get(admin_url(Strategy, "changelist"))
    assert "£50,000" in response.content.decode()


# --------------------------------------------------------------------------------------------------------------
# Records kept by the services are read-only
# --------------------------------------------------------------------------------------------------------------

READ_ONLY_MODELS = [Strategy, Gate, Seat, Decision, RecordOfDecision, GateSnapshot, Action, AuditEvent]


@pytest.mark.parametrize("model", READ_ONLY_MODELS, ids=lambda m: m.__name__)
def test_records_kept_by_the_services_cannot_be_added_changed_or_deleted_in_the_admin(
    admin_client, admin_user, rf, data, model
):
    obj = model._default_manager.order_by("pk").first()
    model_admin = admin.site._registry[model]
    request = admin_request(rf, admin_user)

    assert admin_client.get(admin_url(model, "add")).status_code == 403
    assert admin_client.get(admin_url(model, "delete", obj.pk)).status_code == 403
    assert admin_client.post(admin_url(model, "change", obj.pk), {}).status_code == 403
    assert "delete_selected" not in model_admin.get_actions(request)
    form_class = model_admin.get_form(request, obj, change=True)
    assert form_class.base_fields == {}


def test_every_state_field_is_read_only_and_absent_from_every_admin_form(admin_user, rf, data):
    request = admin_request(rf, admin_user)
    checked = 0
    for model, model_admin in registered():
        for field in model._meta.concrete_fields:
            if not isinstance(field, FSMFieldMixin):
                continue
            obj = model._default_manager.order_by("pk").first()
            assert field.name in model_admin.get_readonly_fields(request, obj), model._meta.label
            assert field.name not in model_admin.get_form(request, obj, change=True).base_fields
            checked += 1
    assert checked >= 4  # strategy stage, gate, seat and action states


def test_posting_a_new_state_to_a_gate_changes_nothing(admin_client, data):
    gate = data.gate
    url = admin_url(Gate, "change", gate.pk)
    response = admin_client.get(url)
    assert "state" not in response.context["adminform"].form.fields

    response = admin_client.post(url, {"state": GateState.PASSED, "title": "Changed"})

    assert response.status_code == 403
    gate.refresh_from_db()
    assert gate.state == GateState.SUBMITTED
    assert gate.title != "Changed"


def test_the_strategy_page_shows_its_partners_and_evidence_read_only(admin_client, data):
    response = admin_client.get(admin_url(Strategy, "change", data.strategy.pk))
    page = response.content.decode()
    assert "Midshire Integrated Care Board" in page
    assert "Needs assessment" in page
    for inline in response.context["inline_admin_formsets"]:
        assert not inline.has_add_permission
        assert not inline.has_change_permission
        assert not inline.has_delete_permission


# --------------------------------------------------------------------------------------------------------------
# Delegations
# --------------------------------------------------------------------------------------------------------------


def delegation_form(w, **overrides) -> dict:
    today = timezone.localdate()
    return {
        "principal": w.member.pk,
        "deputy": w.manager.pk,
        "starts_on": today.isoformat(),
        "ends_on": (today + dt.timedelta(days=5)).isoformat(),
        "reason": "Conference",
        **overrides,
    }


def test_adding_a_delegation_in_the_admin_creates_it_through_the_service_and_audits_it(admin_client, admin_user, world):
    response = admin_client.post(admin_url(Delegation, "add"), delegation_form(world))

    assert response.status_code == 302
    delegation = Delegation.objects.get()
    assert (delegation.principal, delegation.deputy, delegation.created_by) == (world.member, world.manager, admin_user)
    event = AuditEvent.objects.get(transition="delegate")
    assert event.object_id == delegation.pk
    assert event.actor == admin_user
    assert event.on_behalf_of == world.member
    assert event.reason == "Conference"


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"ends_on": "2020-01-01", "starts_on": "2020-01-05"}, "ends_on", "on or after the first day"),
        ({"ends_on": "2020-01-01", "starts_on": "2019-12-01"}, "ends_on", "today or later"),
        ({"deputy": "member"}, "deputy", "own deputy"),
    ],
    ids=["ends-before-it-starts", "ends-in-the-past", "to-themselves"],
)
def test_an_invalid_delegation_shows_the_services_error_on_its_field_and_creates_nothing(
    admin_client, world, overrides, field, message
):
    if overrides.get("deputy") == "member":
        overrides = {**overrides, "deputy": world.member.pk}

    response = admin_client.post(admin_url(Delegation, "add"), delegation_form(world, **overrides))

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in " ".join(errors[field])
    assert not Delegation.objects.exists()
    assert not AuditEvent.objects.filter(transition="delegate").exists()


def test_a_staff_member_who_is_not_a_superuser_cannot_delegate_for_someone_else(client, world):
    staff = UserFactory(username="staff", is_staff=True)
    staff.user_permissions.set(
        Permission.objects.filter(codename__in=["add_delegation", "view_delegation", "view_user"])
    )
    client.force_login(staff)

    response = client.post(admin_url(Delegation, "add"), delegation_form(world))

    assert response.status_code == 200
    assert "Only the person delegating" in " ".join(response.context["adminform"].form.errors["principal"])
    assert not Delegation.objects.exists()


def test_an_existing_delegation_cannot_be_edited_or_deleted(admin_client, data):
    delegation = Delegation.objects.get()
    url = admin_url(Delegation, "change", delegation.pk)
    assert admin_client.get(url).status_code == 200
    response = admin_client.post(url, delegation_form(data.w, reason="Changed"))
    assert response.status_code == 403
    assert admin_client.get(admin_url(Delegation, "delete", delegation.pk)).status_code == 403
    delegation.refresh_from_db()
    assert delegation.reason == "Annual leave"


def test_the_revoke_action_revokes_the_selected_delegations_through_the_service(admin_client, admin_user, data):
    delegation = Delegation.objects.get()

    response = admin_client.post(
        admin_url(Delegation, "changelist"), {"action": "revoke", "_selected_action": [delegation.pk]}
    )

    assert response.status_code == 302
    delegation.refresh_from_db()
    assert delegation.revoked_at is not None
    assert AuditEvent.objects.filter(transition="revoke", object_id=delegation.pk, actor=admin_user).exists()


# --------------------------------------------------------------------------------------------------------------
# Configuration pages save what they should
# --------------------------------------------------------------------------------------------------------------


def test_evidence_templates_can_be_reordered_and_switched_off_from_the_list(admin_client, data):
    url = admin_url(EvidenceTemplate, "changelist")
    formset = admin_client.get(url).context["cl"].formset
    post = formset_data(formset)
    first = formset.forms[0].instance
    post[formset.forms[0].add_prefix("position")] = "42"
    post.pop(formset.forms[0].add_prefix("active"), None)

    response = admin_client.post(url, {**post, "_save": "Save"})

    assert response.status_code == 302
    first.refresh_from_db()
    assert (first.position, first.active) == (42, False)


def test_the_evidence_template_list_follows_the_cycle_not_the_alphabet(admin_client, data):
    response = admin_client.get(admin_url(EvidenceTemplate, "changelist"))
    stages = [template.stage for template in response.context["cl"].result_list]
    assert stages == sorted(stages, key=["analyse", "plan", "do", "review"].index)


def test_a_seat_rule_with_an_empty_value_range_is_a_form_error_not_a_crash(admin_client, data):
    policy = GatePolicy.objects.get(stage="analyse")
    url = admin_url(GatePolicy, "change", policy.pk)
    page = admin_client.get(url).context
    post = form_data(page["adminform"].form)
    rules = page["inline_admin_formsets"][0].formset
    post.update(formset_data(rules))
    post[rules.forms[0].add_prefix("min_value")] = "200000"
    post[rules.forms[0].add_prefix("below_value")] = "100000"

    response = admin_client.post(url, post)

    assert response.status_code == 200
    formset = response.context["inline_admin_formsets"][0].formset
    assert formset.total_error_count() == 1
    assert "must be more than" in str(formset.errors)
    assert not policy.rules.filter(min_value=200000).exists()


# --------------------------------------------------------------------------------------------------------------
# Access
# --------------------------------------------------------------------------------------------------------------


def test_a_person_who_is_not_staff_is_sent_to_the_login_page(client, data):
    client.force_login(data.w.officer)
    for url in ("/admin/", admin_url(Strategy, "changelist"), admin_url(Delegation, "add")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_person_can_be_added_with_a_job_title_and_a_role(admin_client, world):
    from commissioning.models import RoleAssignment, User

    url = admin_url(User, "add")
    page = admin_client.get(url).context
    roles = page["inline_admin_formsets"][0].formset
    post = {
        **formset_data(roles),
        "username": "newofficer",
        "usable_password": "true",
        "password1": "a-long-enough-passphrase-2026",
        "password2": "a-long-enough-passphrase-2026",
        "first_name": "Nia",
        "last_name": "Evans",
        "job_title": "Senior Commissioning Officer",
        f"{roles.prefix}-TOTAL_FORMS": "1",
        f"{roles.prefix}-0-organisation": str(world.county.pk),
        f"{roles.prefix}-0-role": "commissioning_officer",
        f"{roles.prefix}-0-starts_on": "2026-01-01",
    }

    response = admin_client.post(url, post)

    assert response.status_code == 302, response.context["adminform"].form.errors
    person_added = User.objects.get(username="newofficer")
    assert person_added.job_title == "Senior Commissioning Officer"
    assert RoleAssignment.objects.filter(person=person_added, organisation=world.county).count() == 1


def test_giving_someone_a_role_they_already_hold_is_a_form_error_not_a_crash(admin_client, world):
    from commissioning.models import RoleAssignment

    url = admin_url(world.county, "change", world.county.pk)
    page = admin_client.get(url).context
    roles = page["inline_admin_formsets"][0].formset
    post = {**form_data(page["adminform"].form), **formset_data(roles)}
    new = roles.total_form_count()
    post.update(
        {
            f"{roles.prefix}-TOTAL_FORMS": str(new + 1),
            f"{roles.prefix}-{new}-person": str(world.finance.pk),
            f"{roles.prefix}-{new}-role": "finance",
            f"{roles.prefix}-{new}-starts_on": "2026-01-01",
        }
    )
    before = RoleAssignment.objects.count()

    response = admin_client.post(url, post)

    assert response.status_code == 200
    assert "must be unique" in str(response.context["inline_admin_formsets"][0].formset.non_form_errors())
    assert RoleAssignment.objects.count() == before


@pytest.mark.parametrize(
    ("model", "query", "expected"),
    [
        (Seat, {"role": "finance"}, 1),
        (Delegation, {"status": "active"}, 1),
        (Delegation, {"status": "revoked"}, 0),
        (AuditEvent, {"transition": "delegate"}, 1),
        (AuditEvent, {"q": "Delegation #"}, 1),
        (Strategy, {"stage": "analyse", "q": "MCC-001"}, 1),
        (Strategy, {"stage": "plan"}, 0),
    ],
)
def test_list_filters_and_searches_narrow_the_list(admin_client, data, model, query, expected):
    response = admin_client.get(admin_url(model, "changelist"), query)
    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == expected
