"""Every change an administrator makes in the admin is on the audit trail, in the admin's transaction, with the
changed fields' values before and after: people (never a password's hash), role assignments (inline on a person or
an organisation, and on their own page), organisations and their thresholds, evidence templates, gate policies and
seat rules, closure days, identity providers and their mappings, e-mail domains, the statements' text and
permission groups. Deleting is audited too, cascades included. A strategy's history is unchanged by any of it."""

from __future__ import annotations

import datetime as dt

import pytest
from django import forms
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import timezone

from commissioning.identity.models import ClaimRoleMapping, EmailDomain, IdentityProvider
from commissioning.models import EvidenceTemplate, GatePolicy, Organisation, RoleAssignment, Strategy, User
from commissioning.statements import defaults as statements_defaults
from commissioning.statements.models import PrivacySection, ServiceStatements
from commissioning.web.strategy_page import history_of
from tests.factories import NonWorkingDayFactory, make_strategy, person
from tests.test_admin import admin_url, form_data, formset_data
from workflows.models import AuditEvent, NonWorkingDay
from workflows.trail import verify_trail

pytestmark = pytest.mark.django_db


def events_on(obj, transition=None) -> list[AuditEvent]:
    found = AuditEvent.objects.filter(object_type=ContentType.objects.get_for_model(obj), object_id=obj.pk)
    if transition:
        found = found.filter(transition=transition)
    return list(found.order_by("pk"))


def change_page_post(client, obj) -> tuple[str, dict, list]:
    """The change page of `obj` as a browser would post it back unchanged, and its inline formsets."""
    url = admin_url(obj, "change", obj.pk)
    page = client.get(url).context
    form = page["adminform"].form
    post = form_data(form)
    for name, field in form.fields.items():
        if isinstance(field, forms.SplitDateTimeField):  # two boxes: date and time, to the microsecond as stored
            value = getattr(obj, name)
            value = None if value is None else timezone.localtime(value)
            post.pop(form.add_prefix(name), None)
            post[f"{form.add_prefix(name)}_0"] = "" if value is None else f"{value:%Y-%m-%d}"
            post[f"{form.add_prefix(name)}_1"] = "" if value is None else f"{value:%H:%M:%S.%f}"
    formsets = [inline.formset for inline in page["inline_admin_formsets"]]
    for formset in formsets:
        post.update(formset_data(formset))
    return url, post, formsets


def posted(client, url, post):
    response = client.post(url, post)
    assert response.status_code == 302, getattr(response, "context", None) and response.context.get("errors")
    return response


def the_one(obj, transition):
    [event] = events_on(obj, transition)
    return event


def test_an_organisations_thresholds_and_call_in_days_changed_in_the_admin_are_audited(admin_client, admin_user, world):
    county = world.county
    strategy = make_strategy(world)
    history_before = list(history_of(strategy).values_list("pk", flat=True))
    url, post, _ = change_page_post(admin_client, county)
    before_revenue = post["key_decision_revenue_threshold"]
    post.update({"key_decision_revenue_threshold": "250000", "call_in_working_days": "7"})

    posted(admin_client, url, post)

    event = the_one(county, "admin_change")
    assert (event.actor, event.subject_type.model, event.subject_id) == (admin_user, "organisation", county.pk)
    assert event.data["changes"] == {
        "key_decision_revenue_threshold": {"from": before_revenue, "to": "250000.00"},
        "call_in_working_days": {"from": 5, "to": 7},
    }
    assert event.reason == "Changed in the admin: key_decision_revenue_threshold, call_in_working_days."
    assert list(history_of(strategy).values_list("pk", flat=True)) == history_before, "a strategy's history is its own"
    assert Strategy.objects.get(pk=strategy.pk).version == strategy.version
    assert verify_trail().ok


def test_saving_a_page_unchanged_writes_no_event(admin_client, world):
    url, post, _ = change_page_post(admin_client, world.county)
    posted(admin_client, url, post)
    assert events_on(world.county) == []


def test_a_persons_details_and_a_role_added_inline_are_audited_with_the_person_as_parent(admin_client, world):
    officer = world.officer
    url, post, [roles] = change_page_post(admin_client, officer)
    new = roles.total_form_count()
    post.update(
        {
            "job_title": "Lead Commissioning Officer",
            f"{roles.prefix}-TOTAL_FORMS": str(new + 1),
            f"{roles.prefix}-{new}-organisation": str(world.icb.pk),
            f"{roles.prefix}-{new}-role": "partner_viewer",
            f"{roles.prefix}-{new}-starts_on": "2026-01-01",
        }
    )

    posted(admin_client, url, post)

    changed = the_one(officer, "admin_change")
    assert changed.data["changes"] == {"job_title": {"from": officer.job_title, "to": "Lead Commissioning Officer"}}
    role = RoleAssignment.objects.get(person=officer, organisation=world.icb)
    added = the_one(role, "admin_add")
    assert added.data["changes"]["role"] == {"from": None, "to": "partner_viewer"}
    assert added.data["changes"]["organisation"] == {"from": None, "to": f"{world.icb} (#{world.icb.pk})"}
    assert added.data["parent"] == {"model": "commissioning.user", "id": officer.pk, "name": str(officer)}
    assert changed.pk < added.pk


def test_a_role_ended_and_one_deleted_inline_on_an_organisation_are_audited(admin_client, world):
    url, post, [roles] = change_page_post(admin_client, world.county)
    forms = {form.instance.person_id: form for form in roles.forms if form.instance.pk}
    ending, deleting = forms[world.finance.pk], forms[world.legal.pk]
    ended, deleted = ending.instance, deleting.instance
    post[ending.add_prefix("ends_on")] = "2026-12-31"
    post[deleting.add_prefix("DELETE")] = "on"

    posted(admin_client, url, post)

    change = the_one(ended, "admin_change")
    assert change.data["changes"] == {"ends_on": {"from": None, "to": "2026-12-31"}}
    assert change.data["parent"]["model"] == "commissioning.organisation"
    assert not RoleAssignment.objects.filter(pk=deleted.pk).exists()
    gone = the_one(deleted, "admin_delete")
    assert gone.data["changes"]["person"] == {"from": f"{world.legal} (#{world.legal.pk})", "to": None}
    assert gone.object_repr == str(deleted)


def test_a_role_assignment_changed_on_its_own_page_is_audited(admin_client, world):
    role = RoleAssignment.objects.get(person=world.manager)
    url, post, _ = change_page_post(admin_client, role)
    post["role"] = "finance"
    posted(admin_client, url, post)
    assert the_one(role, "admin_change").data["changes"] == {"role": {"from": "commissioning_manager", "to": "finance"}}


def test_a_password_set_in_the_admin_is_recorded_as_changed_never_its_hash(admin_client, admin_user, world):
    url = reverse_password(world.officer)
    old_hash = world.officer.password
    posted(
        admin_client,
        url,
        {
            "usable_password": "true",
            "password1": "another-long-passphrase-27",
            "password2": "another-long-passphrase-27",
        },
    )
    world.officer.refresh_from_db()
    event = the_one(world.officer, "admin_change")
    assert event.actor == admin_user
    assert event.data == {"changes": {"password": {"changed": True}}}
    text = f"{event.data}{event.reason}{event.object_repr}"
    assert old_hash not in text and world.officer.password not in text
    assert "usable password" in event.reason


def reverse_password(user) -> str:
    return reverse("admin:auth_user_password_change", args=[user.pk])


def test_a_person_added_in_the_admin_has_their_password_recorded_only_as_set(admin_client, world):
    url = admin_url(User, "add")
    roles = admin_client.get(url).context["inline_admin_formsets"][0].formset
    post = {
        **formset_data(roles),
        "username": "newofficer",
        "usable_password": "true",
        "password1": "a-long-enough-passphrase-2026",
        "password2": "a-long-enough-passphrase-2026",
        "first_name": "Nia",
        "last_name": "Evans",
        "job_title": "Senior Commissioning Officer",
    }
    posted(admin_client, url, post)
    added = User.objects.get(username="newofficer")
    event = the_one(added, "admin_add")
    assert event.data["changes"]["password"] == {"changed": True}
    assert event.data["changes"]["username"] == {"from": None, "to": "newofficer"}
    assert added.password not in str(event.data)


def test_evidence_templates_changed_from_the_list_are_audited(admin_client, world):
    url = admin_url(EvidenceTemplate, "changelist")
    formset = admin_client.get(url).context["cl"].formset
    post = formset_data(formset)
    first = formset.forms[0].instance
    post[formset.forms[0].add_prefix("position")] = "42"
    post.pop(formset.forms[0].add_prefix("active"), None)

    posted(admin_client, url, {**post, "_save": "Save"})

    changes = the_one(first, "admin_change").data["changes"]
    assert changes == {"position": {"from": first.position, "to": 42}, "active": {"from": True, "to": False}}


def test_a_gate_policy_and_its_seat_rule_changed_together_are_audited(admin_client, world):
    policy = GatePolicy.objects.get(stage="analyse")
    url, post, [rules] = change_page_post(admin_client, policy)
    rule = rules.forms[0].instance
    post["name"] = "Analyse gate (revised)"
    post[rules.forms[0].add_prefix("due_working_days")] = str(rule.due_working_days + 3)

    posted(admin_client, url, post)

    assert the_one(policy, "admin_change").data["changes"] == {
        "name": {"from": policy.name, "to": "Analyse gate (revised)"}
    }
    rule_event = the_one(rule, "admin_change")
    assert rule_event.data["changes"] == {
        "due_working_days": {"from": rule.due_working_days, "to": rule.due_working_days + 3}
    }
    assert rule_event.data["parent"]["id"] == policy.pk


def test_a_closure_day_added_changed_and_deleted_is_audited_each_time(admin_client, world):
    posted(admin_client, admin_url(NonWorkingDay, "add"), {"date": "2027-01-04", "name": "Office move"})
    day = NonWorkingDay.objects.get(date=dt.date(2027, 1, 4))
    assert the_one(day, "admin_add").data["changes"] == {
        "date": {"from": None, "to": "2027-01-04"},
        "name": {"from": None, "to": "Office move"},
    }
    posted(admin_client, admin_url(NonWorkingDay, "change", day.pk), {"date": "2027-01-04", "name": "Office moved"})
    assert the_one(day, "admin_change").data["changes"] == {"name": {"from": "Office move", "to": "Office moved"}}
    day_id = day.pk
    posted(admin_client, admin_url(NonWorkingDay, "delete", day.pk), {"post": "yes"})
    assert not NonWorkingDay.objects.filter(pk=day_id).exists()
    deleted = AuditEvent.objects.get(transition="admin_delete", object_id=day_id)
    assert deleted.data["changes"]["name"] == {"from": "Office moved", "to": None}


def test_deleting_from_the_list_with_the_delete_action_is_audited(admin_client, world):
    days = [NonWorkingDayFactory(date=dt.date(2027, 2, n), name=f"Closure {n}") for n in (1, 2)]
    response = admin_client.post(
        admin_url(NonWorkingDay, "changelist"),
        {"action": "delete_selected", "_selected_action": [d.pk for d in days], "post": "yes"},
    )
    assert response.status_code == 302
    deleted = AuditEvent.objects.filter(transition="admin_delete").order_by("object_id")
    assert [e.object_id for e in deleted] == [d.pk for d in days]


def test_deleting_a_person_audits_their_role_assignments_deleted_with_them(admin_client, world):
    leaver = person("leaver", world.county, "commissioning_officer")
    role = leaver.roles.get()
    posted(admin_client, admin_url(User, "delete", leaver.pk), {"post": "yes"})
    gone = AuditEvent.objects.get(transition="admin_delete", object_id=leaver.pk, object_repr=str(leaver))
    assert gone.data["changes"]["username"] == {"from": "leaver", "to": None}
    assert "password" not in gone.data["changes"]
    cascaded = AuditEvent.objects.get(transition="admin_delete", object_id=role.pk, object_repr=str(role))
    assert cascaded.reason == f"Deleted in the admin with {leaver} (#{leaver.pk})."


def test_an_identity_provider_and_a_mapping_added_inline_are_audited(admin_client, world, monkeypatch):
    monkeypatch.setenv("OIDC_SECRET_AUDIT", "not-recorded")
    provider = IdentityProvider.objects.create(
        organisation=world.icb,
        slug="icb",
        name="ICB",
        issuer="https://login.example/icb/v2.0",
        client_id="client-1",
        client_secret_env="OIDC_SECRET_AUDIT",
    )
    url, post, [mappings] = change_page_post(admin_client, provider)
    post.update(
        {
            "client_id": "client-2",
            f"{mappings.prefix}-TOTAL_FORMS": "1",
            f"{mappings.prefix}-0-claim": "roles",
            f"{mappings.prefix}-0-value": "Commissioning.Viewer",
            f"{mappings.prefix}-0-role": "partner_viewer",
        }
    )
    posted(admin_client, url, post)
    assert the_one(provider, "admin_change").data["changes"] == {"client_id": {"from": "client-1", "to": "client-2"}}
    mapping = ClaimRoleMapping.objects.get(provider=provider)
    assert the_one(mapping, "admin_add").data["changes"]["value"] == {"from": None, "to": "Commissioning.Viewer"}
    assert "not-recorded" not in str(AuditEvent.objects.values_list("data", flat=True))
    posted(admin_client, admin_url(EmailDomain, "add"), {"organisation": world.icb.pk, "domain": "icb.example.nhs.uk"})
    domain = EmailDomain.objects.get(domain="icb.example.nhs.uk")
    assert the_one(domain, "admin_add").data["changes"]["domain"] == {"from": None, "to": "icb.example.nhs.uk"}


def test_the_statements_and_a_privacy_section_edited_are_audited(admin_client, world):
    from django.apps import apps

    statements_defaults.load(apps)
    statements = ServiceStatements.objects.order_by("pk").first()
    url, post, [sections] = change_page_post(admin_client, statements)
    section = sections.forms[0].instance
    post["operator"] = "Midshire County Council (revised)"
    post[sections.forms[0].add_prefix("body")] = "We keep what we need and no more."

    posted(admin_client, url, post)

    assert the_one(statements, "admin_change").data["changes"]["operator"]["to"] == "Midshire County Council (revised)"
    body = the_one(PrivacySection.objects.get(pk=section.pk), "admin_change").data["changes"]["body"]
    assert body == {"from": section.body, "to": "We keep what we need and no more."}


def test_a_permission_groups_permissions_changed_are_audited_as_lists(admin_client, world):
    group = Group.objects.create(name="Helpdesk")
    permission = Permission.objects.get(codename="view_strategy")
    url, post, _ = change_page_post(admin_client, group)
    post["permissions"] = [str(permission.pk)]
    posted(admin_client, url, post)
    assert the_one(group, "admin_change").data["changes"] == {
        "permissions": {"from": [], "to": [f"{permission} (#{permission.pk})"]}
    }


def test_every_admin_change_keeps_the_trail_verifiable(admin_client, world):
    url, post, _ = change_page_post(admin_client, world.district)
    post["name"] = "Riverside Borough Council"
    posted(admin_client, url, post)
    assert Organisation.objects.get(pk=world.district.pk).name == "Riverside Borough Council"
    assert verify_trail().ok
