"""Polling that costs almost nothing and is never wrong: every change a partner can see changes its ETag, a change
it cannot see does not; 304s and 200s agree; the early 304 checks as much as DRF does; the cached representation
is the serialised one."""

from __future__ import annotations

import datetime as dt

import orjson
import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from benchmarks.world import pass_gate, signer_of
from commissioning import services, sweeps
from commissioning.api import serializers as s
from commissioning.api import strategy_cache
from commissioning.management.commands.api_token import service_account
from commissioning.models import Organisation, OutcomeMeasure, PartnerKind, Stage, Strategy
from commissioning.selectors import strategies_for_api
from commissioning.services import measures
from tests.clients import token_client
from tests.factories import OrganisationFactory, complete_evidence, make_strategy
from workflows.models import GateState, SeatState
from workflows.services import RecordSpec

pytestmark = pytest.mark.django_db

LIST = "/api/v1/strategies/"
RECORD = RecordSpec(
    decision_text="Approve.",
    reasons="Within budget.",
    alternatives_considered="None viable.",
    conflicts_of_interest="None.",
)


def etag_of(client, path=LIST) -> str:
    response = client.get(path)
    assert response.status_code == 200
    return response["ETag"]


def still_unchanged(client, etag, path=LIST) -> bool:
    return client.get(path, HTTP_IF_NONE_MATCH=etag).status_code == 304


# --------------------------------------------------------------------------------------------------------------
# Every change the ICB can see: each case prepares (not watched), then makes one change (watched).
# --------------------------------------------------------------------------------------------------------------


def key_decision_in_call_in(w, strategy):
    """A key decision (600,000) taken by every seat: its call-in window is open."""
    complete_evidence(strategy, w.officer)
    services.urgency_exemption_agree(actor=w.chair, strategy_id=strategy.pk, reason="Provider failure")
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    for seat in gate.current_seats().order_by("pk"):
        record = RECORD if seat.requires_record_of_decision else None
        services.seat_decide(actor=signer_of(w, seat), seat_id=seat.pk, outcome="approve", record=record)
    gate.refresh_from_db()
    assert gate.state == GateState.CALL_IN
    return gate


def case_update(w, strategy):
    return lambda: services.strategy_update(actor=w.officer, strategy_id=strategy.pk, summary="Revised")


def case_partner_added(w, strategy):
    partners = [
        services.PartnerSpec(w.icb.pk, PartnerKind.CO_COMMISSIONER),
        services.PartnerSpec(w.district.pk, PartnerKind.CONSULTEE),
    ]
    return lambda: services.strategy_update(actor=w.officer, strategy_id=strategy.pk, partners=partners)


def case_icb_removed_as_partner(w, strategy):
    partners = [services.PartnerSpec(w.district.pk, PartnerKind.CONSULTEE)]
    return lambda: services.strategy_update(actor=w.officer, strategy_id=strategy.pk, partners=partners)


def case_evidence(w, strategy):
    item = strategy.evidence.first()
    return lambda: services.evidence_update(actor=w.officer, evidence_id=item.pk, status="in_progress", content="x")


def case_submit(w, strategy):
    complete_evidence(strategy, w.officer)
    return lambda: services.gate_submit(actor=w.officer, strategy_id=strategy.pk)


def case_withdraw(w, strategy):
    complete_evidence(strategy, w.officer)
    services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    return lambda: services.gate_withdraw(actor=w.officer, strategy_id=strategy.pk, reason="Rethink")


def case_one_seat_approved(w, strategy):
    complete_evidence(strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    seat = gate.current_seats().get(role="finance")
    return lambda: services.seat_decide(actor=w.finance, seat_id=seat.pk, outcome="approve")


def case_rejected(w, strategy):
    complete_evidence(strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=strategy.pk)
    seat = gate.current_seats().get(role="partner_signatory")
    return lambda: services.seat_decide(actor=w.icb_signatory, seat_id=seat.pk, outcome="reject", reasons="No")


def case_forward_plan(w, strategy):
    complete_evidence(strategy, w.officer)
    date = timezone.localdate() + dt.timedelta(days=60)
    return lambda: services.forward_plan_publish(actor=w.officer, strategy_id=strategy.pk, decision_date=date)


def case_urgency(w, strategy):
    return lambda: services.urgency_exemption_agree(actor=w.chair, strategy_id=strategy.pk, reason="Urgent")


def case_call_in(w, strategy):
    key_decision_in_call_in(w, strategy)
    return lambda: services.decision_call_in(actor=w.scrutiny, strategy_id=strategy.pk, reason="Too quick")


def case_refer_back(w, strategy):
    key_decision_in_call_in(w, strategy)
    services.decision_call_in(actor=w.scrutiny, strategy_id=strategy.pk, reason="Too quick")
    return lambda: services.decision_refer_back(actor=w.chair, strategy_id=strategy.pk, reason="Consult again")


def case_call_in_window_closes(w, strategy):
    gate = key_decision_in_call_in(w, strategy)

    def close():
        with time_machine.travel(gate.call_in_ends_at + dt.timedelta(minutes=1), tick=False):
            assert sweeps.close_call_in_windows().reminders == 1

    return close


def case_advance(w, strategy):
    pass_gate(w, strategy)
    return lambda: services.strategy_advance(actor=w.officer, strategy_id=strategy.pk)


def strategy_in_do(w, strategy):
    for _ in range(2):  # Analyse, then Plan
        pass_gate(w, strategy)
        services.strategy_advance(actor=w.officer, strategy_id=strategy.pk)
    strategy.refresh_from_db()
    assert strategy.stage == Stage.DO
    return strategy


def case_review_cycle_moves_it_into_review(w, strategy):
    strategy_in_do(w, strategy)
    review_on = timezone.localdate() + dt.timedelta(days=3)
    services.strategy_update(actor=w.officer, strategy_id=strategy.pk, next_review_date=review_on)
    pass_gate(w, strategy)

    def review():
        with time_machine.travel(timezone.now() + dt.timedelta(days=4), tick=False):
            sweeps.run_review_cycles()
        assert Strategy.objects.get(pk=strategy.pk).stage == Stage.REVIEW

    return review


def case_measure(w, strategy):
    return lambda: measures.measure_create(
        actor=w.officer, strategy_id=strategy.pk, code="carers", name="Carers supported", unit="people"
    )


def case_figure(w, strategy):
    measures.measure_create(
        actor=w.officer,
        strategy_id=strategy.pk,
        code="carers",
        name="Carers supported",
        unit="people",
        period=OutcomeMeasure.Period.YEAR,
    )
    strategy_in_do(w, strategy)
    return lambda: measures.figure_submit(
        actor=service_account(w.icb), strategy_id=strategy.pk, measure_code="carers", period="2025", value=10
    )


def case_created(w, strategy):
    return lambda: make_strategy(w, reference="MCC-NEW")


def admin_rename(w, organisation):
    admin = w.person("admin-person", w.county)
    admin.is_staff = admin.is_superuser = True
    admin.save()
    browser = APIClient()
    browser.force_login(admin)

    def rename():
        response = browser.post(
            f"/admin/commissioning/organisation/{organisation.pk}/change/",
            {
                "name": f"{organisation.name} (renamed)",
                "code": organisation.code,
                "kind": organisation.kind,
                "call_in_working_days": 5,
                "key_decision_revenue_threshold": organisation.key_decision_revenue_threshold or "",
                "key_decision_capital_threshold": organisation.key_decision_capital_threshold or "",
                "role_assignments-TOTAL_FORMS": 0,
                "role_assignments-INITIAL_FORMS": 0,
            },
        )
        assert response.status_code == 302, response.content[:3000]
        assert Organisation.objects.get(pk=organisation.pk).name.endswith("(renamed)")

    return rename


def case_admin_renames_the_lead(w, strategy):
    return admin_rename(w, w.county)


def case_admin_renames_a_fellow_partner(w, strategy):
    services.strategy_update(
        actor=w.officer,
        strategy_id=strategy.pk,
        partners=[
            services.PartnerSpec(w.icb.pk, PartnerKind.CO_COMMISSIONER),
            services.PartnerSpec(w.district.pk, PartnerKind.CONSULTEE),
        ],
    )
    return admin_rename(w, w.district)


CASES = [
    case_update,
    case_partner_added,
    case_icb_removed_as_partner,
    case_evidence,
    case_submit,
    case_withdraw,
    case_one_seat_approved,
    case_rejected,
    case_forward_plan,
    case_urgency,
    case_call_in,
    case_refer_back,
    case_call_in_window_closes,
    case_advance,
    case_review_cycle_moves_it_into_review,
    case_measure,
    case_figure,
    case_created,
    case_admin_renames_the_lead,
    case_admin_renames_a_fellow_partner,
]


@pytest.mark.parametrize("case", CASES, ids=[case.__name__.removeprefix("case_") for case in CASES])
def test_every_change_a_partner_can_see_changes_its_etag(world, case):
    value = "600000" if case in (case_forward_plan, case_urgency, case_call_in, case_refer_back,
                                 case_call_in_window_closes) else "50000"  # fmt: skip
    strategy = make_strategy(world, reference="MCC-WATCHED", value=value)
    change = case(world, strategy)
    client = token_client(world.icb)
    list_etag = etag_of(client)
    detail = f"{LIST}MCC-WATCHED/"
    detail_etag = client.get(detail)["ETag"]
    assert still_unchanged(client, list_etag)

    change()

    assert not still_unchanged(client, list_etag), "the list's ETag did not change"
    if case not in (case_created, case_icb_removed_as_partner, case_measure, case_figure):
        assert not still_unchanged(client, detail_etag, detail), "the strategy's ETag did not change"


def test_changes_the_partner_cannot_see_leave_its_etag_alone(world):
    theirs = make_strategy(
        world, reference="MCC-THEIRS", partners=[services.PartnerSpec(world.district.pk, "consultee")]
    )
    make_strategy(world, reference="MCC-OURS")
    elsewhere = OrganisationFactory(name="Elsewhere Council", code="ELS")
    client = token_client(world.icb)
    etag = etag_of(client)

    services.strategy_update(actor=world.officer, strategy_id=theirs.pk, summary="Only the district sees this")
    pass_gate(world, theirs)
    services.strategy_advance(actor=world.officer, strategy_id=theirs.pk)
    admin_rename(world, elsewhere)()  # shown on no strategy at all

    assert still_unchanged(client, etag)


# --------------------------------------------------------------------------------------------------------------
# 304s and 200s, the early path and the DRF path
# --------------------------------------------------------------------------------------------------------------


def test_a_304_and_a_200_carry_the_same_validators_on_either_path(world):
    make_strategy(world, reference="MCC-ONE")
    token = token_client(world.icb)
    session = APIClient()
    session.force_login(world.icb_signatory)
    for client in (token, session):  # a token poll is answered early; a session's goes through DRF
        for path in (LIST, f"{LIST}MCC-ONE/"):
            full = client.get(path)
            again = client.get(path, HTTP_IF_NONE_MATCH=full["ETag"])
            by_date = client.get(path, HTTP_IF_MODIFIED_SINCE=full["Last-Modified"])
            assert (full.status_code, again.status_code, by_date.status_code) == (200, 304, 304)
            for answer in (again, by_date):
                assert answer["ETag"] == full["ETag"]
                assert answer["Last-Modified"] == full["Last-Modified"]
                assert answer["Cache-Control"] == full["Cache-Control"] == "private, no-cache"
                assert not answer.content
    # The list's validators are per person: the same state, a different caller, another ETag.
    assert token.get(LIST)["ETag"] != session.get(LIST)["ETag"]


def test_an_unchanged_token_poll_is_answered_after_one_query(world):
    make_strategy(world, reference="MCC-ONE")
    client = token_client(world.icb)
    etag = etag_of(client)  # the token is now kept in the cache
    with CaptureQueriesContext(connection) as queries:
        assert client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 304
    assert len(queries) == 1, [q["sql"] for q in queries.captured_queries]
    assert "audiencecounter" in queries.captured_queries[0]["sql"]


def test_the_early_answer_still_refuses_what_drf_refuses(world):
    make_strategy(world, reference="MCC-ONE")
    client = token_client(world.icb)
    etag = etag_of(client)
    stranger = token_client(OrganisationFactory(name="Elsewhere", code="ELS"))
    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Token cce_not-a-token")
    assert wrong.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 401
    assert APIClient().get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 401
    assert stranger.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 200  # its own list, not the ICB's ETag
    assert stranger.get(f"{LIST}MCC-ONE/", HTTP_IF_NONE_MATCH='"strategy-1-v1"').status_code == 404


def test_the_early_answer_counts_against_the_rate_limit_once(world, settings):
    make_strategy(world, reference="MCC-ONE")
    cache.clear()
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"api": "4/minute"}}
    try:
        client = token_client(world.icb)
        etag = etag_of(client)
        statuses = [client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code for _ in range(4)]
    finally:
        cache.clear()
    assert statuses == [304, 304, 304, 429]  # the first 200 was the first of four


# --------------------------------------------------------------------------------------------------------------
# Tokens kept in the cache: expiry and revocation
# --------------------------------------------------------------------------------------------------------------


def test_a_kept_token_is_refused_once_it_expires(world):
    make_strategy(world, reference="MCC-ONE")
    _, secret = AuthToken.objects.create(user=service_account(world.icb), expiry=dt.timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {secret}")
    etag = etag_of(client)
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=59), tick=False):
        assert client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 304
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=61), tick=False):
        assert client.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 401
        assert client.get(LIST).status_code == 401


def test_a_revoked_token_and_a_deactivated_person_are_refused_on_the_next_request(
    world, django_capture_on_commit_callbacks
):
    make_strategy(world, reference="MCC-ONE")
    account = service_account(world.icb)
    _, first = AuthToken.objects.create(user=account)
    _, second = AuthToken.objects.create(user=account)
    one, two = APIClient(), APIClient()
    one.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    two.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    etag = etag_of(one)
    assert etag_of(two) == etag  # both kept in the cache now

    with django_capture_on_commit_callbacks(execute=True):  # takes effect when the deletion commits
        AuthToken.objects.filter(token_key=first[:15]).delete()
    assert one.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 401
    assert two.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 304

    with django_capture_on_commit_callbacks(execute=True):
        account.is_active = False
        account.save()
    assert two.get(LIST, HTTP_IF_NONE_MATCH=etag).status_code == 401


# --------------------------------------------------------------------------------------------------------------
# The cached representation is the serialised one
# --------------------------------------------------------------------------------------------------------------


def test_the_cached_representation_of_every_demonstration_strategy_is_what_the_serializer_gives():
    from django.core.management import call_command

    call_command("seed_demo", verbosity=0)
    cache.clear()
    superuser = service_account(Organisation.objects.order_by("pk").first())
    superuser.is_superuser = True
    rows = list(Strategy.objects.order_by("pk").values_list("pk", "version", "updated_at"))
    built = strategy_cache.strategies_json(superuser, rows)  # built, then kept
    kept = strategy_cache.strategies_json(superuser, rows)  # from the cache

    serialised = {strategy.pk: dict(s.StrategySerializer(strategy).data) for strategy in strategies_for_api(superuser)}
    assert len(rows) >= 17
    for (pk, _version, _at), fresh, cached in zip(rows, built, kept, strict=True):
        assert orjson.loads(fresh) == orjson.loads(cached) == orjson.loads(orjson.dumps(serialised[pk])), pk
    assert {pk for pk, *_ in rows} == set(serialised)
    states = {item["current_gate"]["state"] for item in map(orjson.loads, kept) if item["current_gate"]}
    assert {GateState.OPEN, GateState.SUBMITTED, GateState.PASSED, GateState.CALL_IN} <= states
    assert any(seat["state"] == SeatState.APPROVED for item in map(orjson.loads, kept) for seat in
               (item["current_gate"] or {}).get("seats", []))  # fmt: skip


# --------------------------------------------------------------------------------------------------------------
# The polls' SQL says what the ORM selectors say
# --------------------------------------------------------------------------------------------------------------


def test_the_polls_sql_sees_exactly_what_the_orm_selectors_see(world):
    from commissioning import selectors
    from commissioning.models import RoleAssignment

    make_strategy(world, reference="MCC-A")
    make_strategy(world, reference="MCC-B", partners=[services.PartnerSpec(world.district.pk, "consultee")])
    make_strategy(world, reference="MCC-C", pooled=True)
    former = world.person("former", world.icb, "partner_signatory")
    RoleAssignment.objects.filter(person=former).update(
        starts_on=dt.date(2020, 1, 1), ends_on=timezone.localdate() - dt.timedelta(days=1)
    )
    future = world.person("future", world.district, "partner_viewer")
    RoleAssignment.objects.filter(person=future).update(starts_on=timezone.localdate() + dt.timedelta(days=1))
    admin = world.person("admin-person", world.county)
    admin.is_superuser = True
    admin.save()
    people = [world.officer, world.icb_signatory, world.district_signatory, world.outsider, former, future, admin]
    for person in people:
        for strategy in Strategy.objects.all():
            orm = (
                selectors.strategies_visible_to(person)
                .filter(pk=strategy.pk)
                .values_list("pk", "version", "updated_at")
            )
            assert selectors.visible_strategy_version(person, strategy.reference) == (orm.first()), person
        expected = {pk for pk in selectors.strategies_visible_to(person).values_list("pk", flat=True)}
        from workflows.models import AuditEvent

        orm_events = list(
            AuditEvent.objects.filter(subject_type__model="strategy", subject_id__in=expected).order_by("pk")
        )
        rows = selectors.events_after(person, 0, 10_000)
        assert [row[0] for row in rows] == [event.pk for event in orm_events], person
        references = dict(Strategy.objects.values_list("pk", "reference"))
        serialised = s.EventSerializer(orm_events, many=True, context={"references": references}).data
        assert [s.event_data(*row) for row in rows] == [dict(item) for item in serialised]
    assert selectors.visible_strategy_version(world.outsider, "MCC-B") is None
    assert selectors.visible_strategy_version(world.icb_signatory, "MCC\x00A") is None


def test_an_unchanged_list_page_is_sent_again_from_the_cache(world):
    for n in range(5):
        make_strategy(world, reference=f"MCC-{n}")
    client = token_client(world.icb)
    first = client.get(f"{LIST}?page_size=3")
    with CaptureQueriesContext(connection) as queries:
        again = client.get(f"{LIST}?page_size=3")
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert len(queries) == 1  # the change counters: the token and the page come from the cache
    services.strategy_update(actor=world.officer, strategy_id=Strategy.objects.get(reference="MCC-0").pk, summary="New")
    changed = client.get(f"{LIST}?page_size=3")
    assert changed["ETag"] != first["ETag"]
    assert changed.json()["results"][0]["summary"] == "New"
