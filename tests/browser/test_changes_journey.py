"""Changes between rounds, in a real browser: an elected member rejects a key decision with reasons; the officer
changes a field and a piece of evidence and resubmits with a note; the member opens the seat again and sees, before
deciding, their reasons, what was done about them and the difference, with both hashes. Every page passes axe."""

import pytest

from commissioning import services
from tests.browser.conftest import sign_in
from tests.browser.test_journeys import accessible, open_first_seat_in_queue
from tests.factories import complete_evidence, make_strategy
from workflows.models import GateSnapshot

pytestmark = pytest.mark.django_db(transaction=True)

REASONS = "The market analysis leaves out the two voluntary-sector providers of carers' breaks."


def key_decision_waiting_for_the_member(world):
    strategy = make_strategy(world, reference="MCC-RND-001", title="Carers breaks", value="600000")
    complete_evidence(strategy, world.officer)
    services.urgency_exemption_agree(actor=world.chair, strategy_id=strategy.pk, reason="The current contract ends")
    gate = services.gate_submit(actor=world.officer, strategy_id=strategy.pk)
    return strategy, gate


def test_a_member_rejects_the_officer_revises_and_resubmits_and_the_member_sees_the_difference(page):
    from tests.factories import build_world

    world = build_world()
    strategy, gate = key_decision_waiting_for_the_member(world)
    first_hash = gate.snapshot_hash

    sign_in(page, "member")
    open_first_seat_in_queue(page)
    page.get_by_role("radio", name="Reject").check()
    page.get_by_label("Reasons", exact=True).fill(REASONS)
    page.get_by_role("button", name="Record decision").click()
    assert page.locator(".govuk-notification-banner--success").is_visible()

    page.context.clear_cookies()
    sign_in(page, "officer")
    page.goto(f"/strategies/{strategy.reference}/")
    assert page.get_by_text(REASONS).first.is_visible()
    page.get_by_role("link", name="Change the strategy").click()
    page.get_by_label("Summary").fill("Breaks for carers across the county, with voluntary-sector providers.")
    page.get_by_role("button", name="Save changes").click()
    page.get_by_role("link", name="Market analysis / position statement", exact=True).click()
    page.get_by_label("The evidence").fill(
        "Market analysis / position statement: done.\n\nTwo voluntary-sector providers offer carers' breaks: "
        "Midshire Carers' Trust and Riverside Crossroads."
    )
    page.get_by_role("button", name="Save evidence").click()
    assert page.get_by_role("heading", name="What you have changed since it was sent back").is_visible()
    accessible(page)
    page.get_by_label("What did you change, and why? (optional)").fill(
        "The market analysis now names both voluntary-sector providers, and the summary says they can bid."
    )
    page.get_by_role("button", name="Submit for sign-off").click()
    assert page.get_by_text("Submitted for sign-off").first.is_visible()
    gate.refresh_from_db()
    second_hash = GateSnapshot.objects.get(gate=gate, round=2).content_hash
    assert gate.round == 2 and second_hash != first_hash

    page.context.clear_cookies()
    sign_in(page, "member")
    open_first_seat_in_queue(page)
    assert page.get_by_role("heading", name="What changed since you last decided").is_visible()
    assert page.get_by_role("heading", name="You rejected submission 1").is_visible()
    assert page.get_by_text(REASONS).first.is_visible()
    assert page.get_by_text("The market analysis now names both voluntary-sector providers").first.is_visible()
    assert page.get_by_text(first_hash).first.is_visible() and page.get_by_text(second_hash).first.is_visible()
    changes = page.locator("#changes ~ table").first
    assert changes.get_by_text("Summary").is_visible()
    assert page.get_by_text("Midshire Carers' Trust and Riverside Crossroads.").first.is_visible()
    assert page.get_by_role("heading", name="Evidence: Market analysis / position statement").is_visible()
    # Before deciding: the difference is above the decision form.
    changes_top = page.locator("#changes").bounding_box()["y"]
    form_top = page.get_by_role("button", name="Record decision").bounding_box()["y"]
    assert changes_top < form_top
    accessible(page)
