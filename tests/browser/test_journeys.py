"""End-to-end journeys in a real browser, each asserting what the person sees. Every page visited passes an axe
check (no serious or critical violations) and loads no asset that fails."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone

from commissioning import services
from tests.browser.conftest import sign_in
from tests.factories import build_world, complete_evidence, make_strategy

pytestmark = pytest.mark.django_db(transaction=True)


def accessible(page) -> None:
    results = Axe().run(page)
    serious = [(v["id"], v["help"]) for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    assert serious == [], f"{page.url}: {serious}"
    assert page.broken == [], page.broken


def test_an_officer_creates_a_strategy_completes_the_analyse_evidence_and_submits_the_gate(page):
    world = build_world()
    sign_in(page, "officer")
    page.goto("/strategies/")
    accessible(page)
    page.get_by_role("button", name="Create a strategy").click()
    accessible(page)
    page.get_by_role("button", name="Create strategy").click()  # nothing filled in
    assert page.get_by_role("heading", name="There is a problem").is_visible()
    assert page.get_by_role("link", name="Enter a title").first.is_visible()
    accessible(page)
    page.get_by_label("Reference").fill("MCC-CAR-001")
    page.get_by_label("Title").fill("Adult carers support")
    page.get_by_label("Service area").select_option(label="Adult social care")
    page.get_by_label("Lead organisation").select_option(label="Midshire County Council")
    page.get_by_label("Lead officer").select_option(label=str(world.officer))
    page.get_by_label("Annual value (£)").fill("40000")
    page.get_by_label("Total contract value (£)").fill("40000")
    page.get_by_label("No", exact=True).check()
    page.get_by_label("Partner 1: organisation").select_option(label="Midshire Integrated Care Board")
    page.get_by_label("Partner 1: kind of partner").select_option(label="Co-commissioner")
    page.get_by_role("button", name="Create strategy").click()
    assert page.get_by_role("heading", name="Adult carers support").is_visible()
    accessible(page)

    titles = [link.inner_text() for link in page.locator(".govuk-task-list__link").all()]
    assert titles[0] == "Needs assessment"
    for title in titles:
        page.get_by_role("link", name=title, exact=True).click()
        page.get_by_label("Complete", exact=True).check()
        page.get_by_label("The evidence").fill(f"{title}: agreed with partners.")
        page.get_by_role("button", name="Save evidence").click()
    accessible(page)
    assert page.locator(".govuk-task-list__status").filter(has_text="Complete").count() == len(titles)

    page.get_by_role("button", name="Submit for sign-off").click()
    assert page.get_by_text("Submitted for sign-off").first.is_visible()
    for seat in ("Finance officer, Midshire County Council", "Partner signatory, Midshire Integrated Care Board"):
        assert page.get_by_text(seat).first.is_visible()
    accessible(page)


def test_a_visitor_reads_the_forward_plan_without_signing_in(page):
    world = build_world()
    strategy = make_strategy(world, reference="MCC-HOM-001", title="Home care", value="2400000")
    complete_evidence(strategy, world.officer)
    services.forward_plan_publish(
        actor=world.officer, strategy_id=strategy.pk, decision_date=timezone.localdate() + dt.timedelta(days=40)
    )
    page.goto("/forward-plan/")
    assert page.get_by_role("heading", level=1).inner_text().strip() != ""
    assert page.get_by_text("Home care").first.is_visible()
    assert page.get_by_text("MCC-HOM-001").first.is_visible()
    assert "/accounts/login/" not in page.url
    accessible(page)


def submitted(world, **kwargs):
    strategy = make_strategy(world, **kwargs)
    complete_evidence(strategy, world.officer)
    return strategy, services.gate_submit(actor=world.officer, strategy_id=strategy.pk)


def open_first_seat_in_queue(page):
    page.goto("/")
    accessible(page)
    page.get_by_role("link", name="Review and decide").first.click()
    assert page.get_by_role("heading", name="What was submitted").is_visible()
    accessible(page)


def test_finance_approves_from_their_queue(page):
    world = build_world()
    _strategy, gate = submitted(world, reference="MCC-FIN-001")
    sign_in(page, "finance")
    open_first_seat_in_queue(page)
    assert page.get_by_text(gate.snapshot_hash).first.is_visible()
    page.get_by_label("Approve", exact=True).check()
    page.get_by_role("button", name="Record decision").click()
    assert page.locator(".govuk-notification-banner--success").is_visible()
    accessible(page)
    assert gate.current_seats().get(role="finance").state == "approved"


def key_decision_waiting_for_the_member(world):
    strategy = make_strategy(world, reference="MCC-KEY-001", title="Home care", value="600000")
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="Provider failure")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    signers = {
        "commissioning_manager": world.manager,
        "finance": world.finance,
        "partner_signatory": world.icb_signatory,
    }
    for seat in gate.current_seats().exclude(role="executive_member"):
        services.seat_decide(actor=signers[seat.role], seat_id=seat.pk, outcome="approve")
    return strategy, gate


def fill_record_of_decision(page):
    page.get_by_label("Decision", exact=True).fill("Agree the home care strategy.")
    page.get_by_label("Reasons for the decision").fill("It meets assessed need within budget.")
    page.get_by_label("Alternatives considered and rejected").fill("Do nothing: rejected, unmet need.")
    page.get_by_label("Conflicts of interest declared").fill("None")


def test_an_elected_member_approves_a_key_decision_with_conditions_and_a_record_of_decision(page):
    world = build_world()
    strategy, _gate = key_decision_waiting_for_the_member(world)
    sign_in(page, "member")
    page.goto("/")
    assert page.locator(".govuk-tag").filter(has_text="Key decision").first.is_visible()
    open_first_seat_in_queue(page)
    page.get_by_label("Approve with conditions").check()
    page.get_by_label("Condition 1", exact=True).fill("Report mobilisation progress to the portfolio holder")
    page.get_by_label("Who owns condition 1").select_option(index=1)
    due = timezone.localdate() + dt.timedelta(days=60)
    due_date = page.get_by_role("group", name="Condition 1: due date")
    due_date.get_by_label("Day").fill(str(due.day))
    due_date.get_by_label("Month").fill(str(due.month))
    due_date.get_by_label("Year").fill(str(due.year))
    page.get_by_role("button", name="Record decision").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()  # the record of decision is missing
    accessible(page)
    fill_record_of_decision(page)
    page.get_by_label("Approve with conditions").check()
    page.get_by_role("button", name="Record decision").click()
    assert page.locator(".govuk-notification-banner--success").is_visible()
    page.goto(f"/strategies/{strategy.reference}/")
    assert page.get_by_text("Report mobilisation progress to the portfolio holder").first.is_visible()
    assert page.get_by_text("In call-in window").first.is_visible()
    accessible(page)
    page.goto("/decisions/")
    assert page.get_by_text("Agree the home care strategy.").first.is_visible()
    accessible(page)


def test_a_scrutiny_member_calls_a_decision_in(page):
    from workflows.services import RecordSpec

    world = build_world()
    _strategy, gate = key_decision_waiting_for_the_member(world)
    services.seat_decide(
        actor=world.member,
        seat_id=gate.current_seats().get(role="executive_member").pk,
        outcome="approve",
        record=RecordSpec("Agree", "Sound", "None viable", "None"),
    )
    sign_in(page, "scrutiny")
    page.goto("/")
    accessible(page)
    page.get_by_role("link", name="Call in").first.click()
    accessible(page)
    page.get_by_label("Why are you calling this decision in?").fill("The consultation with carers was too short.")
    page.get_by_role("button", name="Call in the decision").click()
    assert page.locator(".govuk-notification-banner--success").is_visible()
    gate.refresh_from_db()
    assert gate.state == "called_in"


def test_a_deputy_decides_on_behalf_of_the_member(page):
    world = build_world()
    _strategy, gate = key_decision_waiting_for_the_member(world)
    services.delegation_create(
        actor=world.member,
        principal=world.member,
        deputy=world.officer2,
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + dt.timedelta(days=7),
        reason="Annual leave",
    )
    sign_in(page, "officer2")
    page.goto("/")
    assert page.get_by_text(f"as deputy for {world.member}").first.is_visible()
    open_first_seat_in_queue(page)
    assert page.get_by_text(f"You are deciding on behalf of {world.member}").first.is_visible()
    page.get_by_label("Approve", exact=True).check()
    fill_record_of_decision(page)
    page.get_by_role("button", name="Record decision").click()
    assert page.locator(".govuk-notification-banner--success").is_visible()
    decision = gate.decisions.get(seat__role="executive_member")
    assert (decision.actor, decision.on_behalf_of) == (world.officer2, world.member)


def test_a_partner_signatory_rejects_with_reasons_and_the_officer_resubmits(page):
    world = build_world()
    strategy, gate = submitted(world, reference="MCC-PAR-001")
    sign_in(page, "icb_signatory")
    open_first_seat_in_queue(page)
    page.get_by_label("Reject").check()
    page.get_by_role("button", name="Record decision").click()
    assert page.get_by_role("heading", name="There is a problem").is_visible()  # reasons are required
    page.get_by_label("Reject").check()
    page.get_by_label("Reasons", exact=True).fill("The ICB's contribution is not in the budget.")
    page.get_by_role("button", name="Record decision").click()
    assert page.locator(".govuk-notification-banner--success").is_visible()

    page.goto("/accounts/login/")
    page.context.clear_cookies()
    sign_in(page, "officer")
    page.goto(f"/strategies/{strategy.reference}/")
    assert page.get_by_text("The ICB's contribution is not in the budget.").first.is_visible()
    accessible(page)
    page.get_by_role("button", name="Submit for sign-off").click()
    assert page.get_by_text("Submitted for sign-off").first.is_visible()
    gate.refresh_from_db()
    assert (gate.state, gate.round) == ("submitted", 2)
