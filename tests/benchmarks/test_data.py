"""`python -m benchmarks data` builds what a benchmark needs: the counts of its scale, in a realistic shape, and
well-known actors that really work: the partner's token lists that partner's strategies (and only those) and reads
the events feed, and the elected member signs in with the published password and finds a queue of waiting seats."""

import json
import re
from collections import Counter

import pytest
from django.core.management import CommandError
from django.db import transaction
from rest_framework.test import APIClient

from benchmarks.cli import run
from benchmarks.data.targets import BENCH_PASSWORD, Targets
from commissioning import selectors
from commissioning.models import PartnerKind, Role, RoleAssignment, Stage, Strategy, StrategyPartner, User
from workflows.models import AuditEvent, Decision, Gate, GateState, Seat, SeatState

SCALE = 0.01  # 50 strategies, 500 seats, 5,000 audit events


@pytest.fixture(scope="module")
def bench(django_db_setup, django_db_blocker, tmp_path_factory):
    """Generate once for the module (a few seconds) and roll it back afterwards; yields the JSON it wrote."""
    output = tmp_path_factory.mktemp("bench") / "bench.json"
    with django_db_blocker.unblock(), transaction.atomic():
        run(["data", "--scale", str(SCALE), "--output", str(output), "--seed", "7"], out=[].append)
        yield json.loads(output.read_text())
        transaction.set_rollback(True)


pytestmark = pytest.mark.django_db


def token_client(bench) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {bench['api_token']}")
    return client


def sizes(targets: Targets) -> tuple[int, int, int, int]:
    return targets.organisations, targets.strategies, targets.seats, targets.audit_events


def test_scale_one_and_a_tenth_are_the_published_sizes():
    assert sizes(Targets.for_scale(1)) == (200, 5_000, 50_000, 500_000)
    assert sizes(Targets.for_scale(0.1)) == (20, 500, 5_000, 50_000)


def test_the_counts_match_the_scale(bench):
    targets = Targets.for_scale(SCALE)
    assert bench["targets"]["strategies"] == targets.strategies == 50
    assert Strategy.objects.count() == targets.strategies
    assert Seat.objects.count() == targets.seats == 500
    assert AuditEvent.objects.count() == targets.audit_events == 5_000
    assert bench["counts"]["organisations"] == targets.organisations
    assert bench["counts"]["strategies"] == targets.strategies
    assert bench["counts"]["seats"] == targets.seats
    assert bench["counts"]["audit_events"] == targets.audit_events


def test_the_strategies_are_spread_over_stages_and_gate_states(bench):
    assert {Stage.ANALYSE, Stage.PLAN, Stage.DO, Stage.REVIEW} <= set(Strategy.objects.values_list("stage", flat=True))
    states = Counter(Strategy.objects.values_list("current_gate__state", flat=True))
    assert states[GateState.OPEN] and states[GateState.SUBMITTED] and states[GateState.PASSED]
    assert (
        Gate.objects.filter(state=GateState.PASSED).count()
        > Strategy.objects.filter(current_gate__state=GateState.PASSED).count()
    ), "earlier gates have passed"
    assert Decision.objects.exists()
    assert Seat.objects.filter(state=SeatState.PENDING, gate__state=GateState.SUBMITTED).exists()


def test_pooled_budgets_have_contributors_whose_signatories_hold_seats(bench):
    pooled = StrategyPartner.objects.filter(kind=PartnerKind.POOLED_BUDGET_CONTRIBUTOR, strategy__pooled_budget=True)
    assert pooled.exists()
    assert (
        not Strategy.objects.filter(pooled_budget=True)
        .exclude(partner_links__kind=PartnerKind.POOLED_BUDGET_CONTRIBUTOR)
        .exists()
    )
    assert Seat.objects.filter(role=Role.PARTNER_SIGNATORY).exists()


def test_every_seat_is_a_role_someone_holds_at_its_organisation(bench):
    held = set(RoleAssignment.objects.values_list("role", "organisation_id"))
    assert set(Seat.objects.values_list("role", "organisation_id")) <= held


def test_the_partner_token_lists_that_partners_strategies_only(bench):
    partner = bench["partner_organisation_id"]
    expected = set(
        Strategy.objects.filter(partner_links__organisation_id=partner).values_list("reference", flat=True)
    ) | set(Strategy.objects.filter(lead_organisation_id=partner).values_list("reference", flat=True))
    assert expected, "the benchmark partner is party to strategies"
    client = token_client(bench)
    seen, url = [], "/api/v1/strategies/?page_size=100"
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        seen += [item["reference"] for item in body["results"]]
        url = body["next"]
    assert len(seen) == len(set(seen))
    assert set(seen) == expected
    assert bench["partner_visible_strategies"] == len(expected)
    stranger = Strategy.objects.exclude(reference__in=expected).values_list("reference", flat=True).first()
    assert client.get(f"/api/v1/strategies/{stranger}/").status_code == 404


def test_the_events_feed_has_the_partners_events(bench):
    response = token_client(bench).get("/api/v1/events/?limit=500")
    assert response.status_code == 200
    body = response.json()
    assert body["results"]
    visible = set(
        Strategy.objects.filter(partner_links__organisation_id=bench["partner_organisation_id"]).values_list(
            "reference", flat=True
        )
    )
    assert {event["strategy"] for event in body["results"]} <= visible
    ids = [event["id"] for event in body["results"]]
    assert ids == sorted(ids)
    occurred = [event["occurred_at"] for event in body["results"]]
    assert occurred == sorted(occurred), "events are numbered in time order"


def test_the_member_signs_in_and_finds_waiting_seats_in_the_queue(bench, client):
    assert bench["member_password"] == BENCH_PASSWORD
    response = client.post("/accounts/login/", {"username": bench["member_username"], "password": BENCH_PASSWORD})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    waiting = int(re.search(r'id="queue-waiting">(\d+)<', page).group(1))
    member = User.objects.get(username=bench["member_username"])
    assert waiting == selectors.seats_awaiting(member).count() == bench["member_waiting_seats"]
    assert waiting >= Targets.for_scale(SCALE).member_queue
    assert page.count('href="/seats/') >= waiting


def test_the_officer_and_partner_accounts_work(bench, client):
    officer = User.objects.get(username=bench["officer_username"])
    assert officer.check_password(BENCH_PASSWORD)
    assert Strategy.objects.filter(lead_officer=officer).count() == bench["officer_led_strategies"] > 0
    partner = User.objects.get(username=bench["partner_username"])
    assert partner.roles.filter(organisation_id=bench["partner_organisation_id"]).exists()


def test_it_refuses_a_database_that_has_strategies(bench):
    with pytest.raises(CommandError, match="only fills an empty database"):
        run(["data", "--scale", "0.002"], out=[].append)


def test_the_generated_trail_is_chained_by_the_products_own_hashes_and_verifies(bench):
    from workflows.models import AuditChain
    from workflows.trail import GENERAL_CHAIN, verify_trail

    report = verify_trail(batch_size=1000)
    assert report.ok, report.breaks[:3]
    assert report.events == AuditEvent.objects.count() == bench["counts"]["audit_events"]
    strategy_chains = AuditChain.objects.filter(key__startswith="commissioning.strategy:").count()
    assert strategy_chains == Strategy.objects.count()
    assert set(AuditChain.objects.exclude(key__startswith="commissioning.strategy:").values_list("key", flat=True)) <= {
        GENERAL_CHAIN
    }
