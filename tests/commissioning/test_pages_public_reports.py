"""Public forward plan and records of decision, the reports (tables, charts, CSV) and the iCalendar feed."""

import csv
import datetime as dt
import io
import re
from html import escape

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from commissioning import services
from commissioning.models import CalendarFeed, StagePeriod, Strategy
from commissioning.selectors.reports import percentile
from tests.factories import DelegationFactory, complete_evidence, make_strategy, person
from workflows.models import Action, Gate, GateState, SeatState
from workflows.services import ConditionSpec, RecordSpec

pytestmark = pytest.mark.django_db

MONDAY = dt.datetime(2026, 11, 2, 9, 0)
RECORD = RecordSpec(
    decision_text="Approve the commissioning strategy for adult carers support.",
    reasons="Meets the needs assessment within budget.",
    alternatives_considered="Do nothing (rejected: unmet need); in-house only (rejected: cost).",
    conflicts_of_interest="None declared.",
    dispensations="None granted.",
)


def at(moment):
    return time_machine.travel(timezone.make_aware(moment), tick=False)


def signer(world, seat):
    return {
        "commissioning_officer": world.officer2,
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory if seat.organisation_id == world.icb.pk else world.district_signatory,
        "executive_member": world.member,
    }[seat.role]


def approve_officer_seats(world, gate):
    for seat in gate.current_seats().filter(state=SeatState.PENDING).exclude(role="executive_member"):
        services.seat_decide(actor=signer(world, seat), seat_id=seat.pk, outcome="approve")


def key_decision_on_forward_plan(world, **kwargs):
    """A key decision (£600k) with a forward-plan notice published on MONDAY for 1 December 2026, submitted."""
    strategy = make_strategy(world, value="600000", **kwargs)
    complete_evidence(strategy, world.officer)
    with at(MONDAY):
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2026, 12, 1))
        gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    return strategy, gate


def take_key_decision(world, gate, *, actor=None):
    """Officers approve, then the executive member (or `actor`, their deputy) takes the decision on 2 December."""
    with at(MONDAY):
        approve_officer_seats(world, gate)
    with at(dt.datetime(2026, 12, 2, 10, 0)):
        seat = gate.current_seats().get(role="executive_member")
        return services.seat_decide(actor=actor or world.member, seat_id=seat.pk, outcome="approve", record=RECORD)


def submitted(world, **kwargs):
    strategy = make_strategy(world, **kwargs)
    complete_evidence(strategy, world.officer)
    return strategy, services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


# --------------------------------------------------------------------------------------------------------------
# Forward plan and records of decision
# --------------------------------------------------------------------------------------------------------------


def test_the_forward_plan_is_public_and_lists_key_decisions_with_a_notice_but_not_other_gates(client, world):
    key_decision_on_forward_plan(world, reference="MCC-KEY", title="Adult carers support")
    with at(MONDAY):
        submitted(world, reference="MCC-SMALL", title="Highways verges")  # £50k: not a key decision
    make_strategy(world, value="600000", reference="MCC-NONOTICE", title="Day opportunities")  # key, no notice yet
    response = client.get(reverse("forward-plan"))
    assert response.status_code == 200
    page = response.text
    assert 'href="/strategies/MCC-KEY/"' in page
    assert "Adult carers support" in page
    assert "Midshire County Council" in page
    assert "2 November 2026" in page  # notice published
    assert "1 December 2026" in page  # intended and earliest decision date
    assert "Executive member, Midshire County Council" in page
    assert "MCC-SMALL" not in page
    assert "MCC-NONOTICE" not in page
    assert "done." not in page  # no evidence on public pages


def test_a_published_notice_is_on_the_forward_plan_before_the_gate_is_submitted(client, world):
    strategy = make_strategy(world, value="600000", reference="MCC-EARLY")
    with at(MONDAY):
        services.forward_plan_publish(actor=world.officer, strategy_id=strategy.pk, decision_date=dt.date(2027, 1, 5))
    page = client.get(reverse("forward-plan")).text
    assert "MCC-EARLY" in page
    assert "5 January 2027" in page
    assert "Being prepared" in page


def test_an_urgent_key_decision_shows_its_exemption_reason(client, world):
    strategy = make_strategy(world, value="600000", reference="MCC-URGENT")
    services.urgency_exemption_agree(
        actor=world.chair, strategy_id=strategy.pk, reason="Provider has gone into administration"
    )
    page = client.get(reverse("forward-plan")).text
    assert "MCC-URGENT" in page
    assert "Provider has gone into administration" in page


def test_the_forward_plan_is_ordered_by_intended_decision_date(client, world):
    later = make_strategy(world, value="600000", reference="MCC-LATER")
    sooner = make_strategy(world, value="600000", reference="MCC-SOONER")
    with at(MONDAY):
        services.forward_plan_publish(actor=world.officer, strategy_id=later.pk, decision_date=dt.date(2027, 2, 1))
        services.forward_plan_publish(actor=world.officer, strategy_id=sooner.pk, decision_date=dt.date(2026, 12, 7))
    page = client.get(reverse("forward-plan")).text
    assert page.index("MCC-SOONER") < page.index("MCC-LATER")


def test_a_taken_decision_leaves_the_forward_plan_and_its_record_is_published(client, world):
    strategy, gate = key_decision_on_forward_plan(world, reference="MCC-KEY")
    before = client.get(reverse("records-of-decision")).text
    main = before[before.index("<main") : before.index("</main>")]
    assert "/decisions/" not in main  # no record links yet (the navigation links to the list itself)
    decision = take_key_decision(world, gate)
    gate.refresh_from_db()
    assert gate.state == GateState.CALL_IN
    assert "MCC-KEY" not in client.get(reverse("forward-plan")).text
    listing = client.get(reverse("records-of-decision"))
    assert listing.status_code == 200
    assert reverse("record-of-decision", args=[decision.pk]) in listing.text
    assert "Open for call-in" in listing.text
    record = client.get(reverse("record-of-decision", args=[decision.pk]))
    assert record.status_code == 200
    for text in ["Approve the commissioning strategy", "Meets the needs assessment", "Do nothing (rejected"]:
        assert text in record.text
    assert "None declared." in record.text
    assert "None granted." in record.text
    assert str(world.member) in record.text
    assert decision.snapshot_hash in record.text
    assert f"{timezone.localtime(gate.call_in_ends_at):%-d %B %Y}" in record.text
    assert "done." not in record.text  # the evidence stays private
    with at(dt.datetime(2026, 12, 20, 10, 0)):
        services.call_in_window_close(strategy_id=strategy.pk)
    assert "In effect" in client.get(reverse("records-of-decision")).text
    assert "MCC-KEY" not in client.get(reverse("forward-plan")).text


def test_a_deputys_decision_shows_on_whose_behalf_it_was_taken(client, world):
    _, gate = key_decision_on_forward_plan(world)
    deputy = person("deputy_member", world.county)
    DelegationFactory(
        principal=world.member, deputy=deputy, starts_on=dt.date(2026, 12, 1), ends_on=dt.date(2026, 12, 31)
    )
    decision = take_key_decision(world, gate, actor=deputy)
    page = client.get(reverse("record-of-decision", args=[decision.pk])).text
    assert escape(f"Taken by {deputy} on behalf of {world.member}") in page  # names such as O'Neill are escaped


def test_only_published_records_have_a_page(client, world):
    _, gate = key_decision_on_forward_plan(world)
    with at(MONDAY):
        approve_officer_seats(world, gate)
    finance_decision = gate.current_seats().get(role="finance").decisions.get()
    assert client.get(reverse("record-of-decision", args=[finance_decision.pk])).status_code == 404
    assert client.get(reverse("record-of-decision", args=[999999])).status_code == 404


# --------------------------------------------------------------------------------------------------------------
# Reports
# --------------------------------------------------------------------------------------------------------------


def test_reports_need_a_signed_in_person_with_a_role(client, world):
    response = client.get(reverse("reports"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
    csv_response = client.get(reverse("report-csv", args=["overdue"]))
    assert csv_response.status_code == 302
    client.force_login(person("nobody", world.county))  # no role
    assert client.get(reverse("reports")).status_code == 403


def test_an_unknown_report_is_not_found(client, world):
    client.force_login(world.manager)
    assert client.get(reverse("report-csv", args=["salaries"])).status_code == 404


def strategies_in_stages(world):
    """Three in Analyse, one in Plan (its Analyse gate really passed), one in Do."""
    for n in range(3):
        make_strategy(world, reference=f"MCC-A{n}")
    strategy, gate = submitted(world, reference="MCC-P")
    approve_officer_seats(world, gate)
    services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
    do = make_strategy(world, reference="MCC-D")
    Strategy.objects.filter(pk=do.pk).update(stage="do")


def table_rows(html, caption):
    """The rows of the GOV.UK table with this caption, as lists of cell texts."""
    table = html.split(caption, 1)[1].split("</table>", 1)[0]
    rows = re.findall(r"<tr class=\"govuk-table__row\">(.*?)</tr>", table, re.S)
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S) for row in rows]
    return [[re.sub(r"<[^>]+>", "", cell).strip() for cell in row] for row in cells]


def test_strategies_by_stage_counts_each_stage_in_the_table_the_chart_and_the_csv(client, world):
    strategies_in_stages(world)
    client.force_login(world.manager)
    page = client.get(reverse("reports")).text
    assert table_rows(page, "Strategies by stage</caption>")[1:] == [
        ["Analyse", "3"],
        ["Plan", "1"],
        ["Do", "1"],
        ["Review", "0"],
        ["Closed", "0"],
    ]
    svg = page.split("<svg", 1)[1].split("</svg>", 1)[0]
    assert 'role="img"' in svg
    assert '<title id="chart-by-stage-title">Strategies by stage</title>' in svg
    assert "<desc" in svg
    assert "Analyse 3; Plan 1; Do 1; Review 0; Closed 0" in svg
    labels = re.findall(r"<text[^>]*>([^<]*)</text>", svg)
    assert labels[:10] == ["Analyse", "3", "Plan", "1", "Do", "1", "Review", "0", "Closed", "0"]
    assert "<script" not in page
    assert "style=" not in page

    with at(dt.datetime(2026, 11, 10, 12, 0)):
        response = client.get(reverse("report-csv", args=["strategies-by-stage"]))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="strategies-by-stage-2026-11-10.csv"'
    assert list(csv.reader(io.StringIO(response.content.decode()))) == [
        ["Stage", "Strategies"],
        ["Analyse", "3"],
        ["Plan", "1"],
        ["Do", "1"],
        ["Review", "0"],
        ["Closed", "0"],
    ]


def test_a_partner_sees_figures_only_for_strategies_its_organisation_is_party_to(client, world):
    make_strategy(world, reference="MCC-WITH-ICB")
    make_strategy(world, reference="MCC-ALONE", partners=[])
    client.force_login(world.icb_signatory)
    page = client.get(reverse("reports")).text
    assert table_rows(page, "Strategies by stage</caption>")[1] == ["Analyse", "1"]


def test_the_nearest_rank_percentile():
    assert percentile([1, 2, 3, 10], 90) == 10
    assert percentile(list(range(1, 11)), 90) == 9
    assert percentile([5], 90) == 5
    assert percentile([], 90) is None


NOW = dt.datetime(2026, 11, 10, 12, 0)


def test_time_in_stage_gives_median_and_90th_percentile_of_finished_stages_and_waits_at_gates(client, world):
    base = timezone.make_aware(dt.datetime(2026, 1, 5, 9, 0))
    strategies = [make_strategy(world, reference=f"MCC-T{n}") for n in range(5)]
    for strategy, length in zip(strategies, [1, 2, 3, 10], strict=False):
        StagePeriod.objects.filter(strategy=strategy, stage="analyse").update(
            entered_at=base, left_at=base + dt.timedelta(days=length)
        )
    StagePeriod.objects.filter(strategy=strategies[4]).update(
        entered_at=timezone.make_aware(NOW) - dt.timedelta(days=6), left_at=None
    )
    # Gates: one approved after 2 days, one rejected after 6, one still waiting (3 days so far).
    for strategy in strategies[:3]:
        complete_evidence(strategy, world.officer)
        services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    approve_officer_seats(world, Gate.objects.get(pk=strategies[0].current_gate_id))
    rejected_seat = Gate.objects.get(pk=strategies[1].current_gate_id).current_seats().get(role="finance")
    services.seat_decide(actor=world.finance, seat_id=rejected_seat.pk, outcome="reject", reasons="Over budget")
    for strategy, waited in [(strategies[0], 2), (strategies[1], 6)]:
        Gate.objects.filter(pk=strategy.current_gate_id).update(
            submitted_at=base, decided_at=base + dt.timedelta(days=waited)
        )
    Gate.objects.filter(pk=strategies[2].current_gate_id).update(
        submitted_at=timezone.make_aware(NOW) - dt.timedelta(days=3)
    )
    client.force_login(world.manager)
    with at(NOW):
        page = client.get(reverse("reports")).text
        response = client.get(reverse("report-csv", args=["time-in-stage"]))
    in_stage = table_rows(page, "Time spent in each stage (days)</caption>")
    at_gate = table_rows(page, "Waiting at each stage&#x27;s gate for a decision (days)</caption>")
    assert in_stage[1] == ["Analyse", "4", "2.5", "10.0", "1", "6.0"]
    assert at_gate[1] == ["Analyse", "2", "4.0", "6.0", "1", "3.0"]
    assert in_stage[2] == ["Plan", "0", "no data–", "no data–", "0", "no data–"]
    assert "nearest-rank" in page
    chart = page.split('<title id="chart-time-in-stage-title">', 1)[1].split("</svg>", 1)[0]
    assert "Analyse 2.5 days (from 4)" in chart
    assert re.findall(r"<text[^>]*>([^<]*)</text>", chart)[:2] == ["Analyse", "2.5"]
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][:4] == ["Stage", "Finished stage periods", "Median days in stage", "90th percentile days in stage"]
    assert rows[1] == ["Analyse", "4", "2.5", "10.0", "1", "6.0", "2", "4.0", "6.0", "1", "3.0"]
    assert rows[2] == ["Plan", "0", "", "", "0", "", "0", "", "", "0", ""]


def test_overdue_seats_and_actions_are_counted_by_organisation(client, world):
    with at(MONDAY):
        _, gate = submitted(world, reference="MCC-LATE")  # seats: officer and finance (county), ICB signatory
        services.seat_decide(
            actor=world.finance,
            seat_id=gate.current_seats().get(role="finance").pk,
            outcome="approve_with_conditions",
            conditions=[ConditionSpec("Confirm the budget line", world.officer.pk, dt.date(2026, 11, 20))],
        )
        _, other = submitted(world, reference="MCC-ONTIME")
        Action.objects.create(
            gate=other, description="Owner with no role", owner=person("freelancer", world.county),
            due_on=dt.date(2026, 11, 6),
        )  # fmt: skip
    client.force_login(world.manager)
    with at(dt.datetime(2026, 11, 16, 9, 0)):  # seats due 16 November (10 working days) are not overdue yet
        page = client.get(reverse("reports")).text
        assert table_rows(page, "Overdue seats and actions by organisation</caption>")[1:] == [
            ["No organisation (owner holds no role today)", "0", "1", "1"]
        ]
    with at(dt.datetime(2026, 11, 23, 9, 0)):
        page = client.get(reverse("reports")).text
        response = client.get(reverse("report-csv", args=["overdue"]))
    assert table_rows(page, "Overdue seats and actions by organisation</caption>")[1:] == [
        ["Midshire County Council", "3", "1", "4"],
        ["Midshire Integrated Care Board", "2", "0", "2"],
        ["No organisation (owner holds no role today)", "0", "1", "1"],
    ]
    assert "4 (3 seats, 1 action)" in page
    assert response["Content-Disposition"] == 'attachment; filename="overdue-2026-11-23.csv"'
    assert list(csv.reader(io.StringIO(response.content.decode())))[1] == ["Midshire County Council", "3", "1", "4"]


def test_the_reports_page_costs_the_same_queries_with_more_data(client, world):
    def add(n, offset):
        for i in range(n):
            strategy, gate = submitted(world, reference=f"MCC-Q{offset + i}")
            approve_officer_seats(world, gate)
            services.strategy_advance(actor=world.officer, strategy_id=strategy.pk)
            Action.objects.create(gate=gate, description="Do it", owner=world.officer, due_on=dt.date(2020, 1, 1))

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("reports")).status_code == 200
        return len(queries)

    client.force_login(world.manager)
    add(1, 0)
    small = count()
    add(6, 10)
    assert count() == small


# --------------------------------------------------------------------------------------------------------------
# iCalendar feed
# --------------------------------------------------------------------------------------------------------------


def test_the_calendar_page_needs_sign_in_and_shows_the_absolute_feed_address(client, world):
    assert client.get(reverse("calendar")).status_code == 302
    client.force_login(world.finance)
    page = client.get(reverse("calendar")).text
    feed = CalendarFeed.objects.get(person=world.finance)
    assert len(feed.token) >= 43
    assert f"http://testserver/calendar/{feed.token}.ics" in page
    assert "Reset the link" in page


def test_the_feed_lists_the_persons_seats_and_actions_as_all_day_events(client, world):
    with at(MONDAY):
        _, gate = submitted(world, reference="MCC-CAL", title="Carers breaks")
        services.seat_decide(
            actor=world.officer2,
            seat_id=gate.current_seats().get(role="commissioning_officer").pk,
            outcome="approve_with_conditions",
            conditions=[ConditionSpec("Publish the engagement record", world.finance.pk, dt.date(2026, 12, 4))],
        )
    seat = gate.current_seats().get(role="finance")
    action = Action.objects.get(owner=world.finance)
    feed = CalendarFeed.objects.create(person=world.finance)
    response = client.get(reverse("calendar-feed", args=[feed.token]))  # no sign-in: the token is the secret
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(response.content)
    events = {str(event["UID"]): event for event in calendar.walk("VEVENT")}
    assert set(events) == {f"seat-{seat.pk}@commissioning", f"action-{action.pk}@commissioning"}
    seat_event = events[f"seat-{seat.pk}@commissioning"]
    assert seat_event.decoded("DTSTART") == seat.due_on  # a date: an all-day event
    assert seat_event.decoded("DTEND") == seat.due_on + dt.timedelta(days=1)
    assert str(seat_event["SUMMARY"]).startswith("Sign-off due: Analyse gate")
    assert "Finance officer" in str(seat_event["DESCRIPTION"])
    assert "http://testserver/strategies/MCC-CAL/" in str(seat_event["DESCRIPTION"])
    action_event = events[f"action-{action.pk}@commissioning"]
    assert action_event.decoded("DTSTART") == dt.date(2026, 12, 4)
    assert str(action_event["SUMMARY"]) == "Action due: Publish the engagement record"
    again = Calendar.from_ical(client.get(reverse("calendar-feed", args=[feed.token])).content)
    assert {str(e["UID"]) for e in again.walk("VEVENT")} == set(events)  # stable identifiers


def test_resetting_the_link_makes_the_old_feed_address_404(client, world):
    client.force_login(world.finance)
    client.get(reverse("calendar"))
    old = CalendarFeed.objects.get(person=world.finance).token
    client.logout()
    assert client.get(reverse("calendar-feed", args=[old])).status_code == 200
    client.force_login(world.finance)
    response = client.post(reverse("calendar"))
    assert response.status_code == 302
    new = CalendarFeed.objects.get(person=world.finance).token
    assert new != old
    client.logout()
    assert client.get(reverse("calendar-feed", args=[old])).status_code == 404
    assert client.get(reverse("calendar-feed", args=[new])).status_code == 200
    assert client.get(reverse("calendar-feed", args=["not-a-real-token"])).status_code == 404
