"""1. races: fifty decisions at once on a gate's last open seat, and fifty moves at once of one strategy."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Callable

from benchmarks.world import complete_evidence, make_strategy, pass_gate, signer_of

from .clients import Browser, Reply, api_headers, counted, csrf_token, fire_together, hidden, outcome
from .context import Context, DrillError, audit_count, error_lines, seed_world
from .results import DrillResult

RACERS = 50


def drill_races(context: Context, result: DrillResult) -> None:
    from knox.models import AuthToken

    from commissioning import services
    from commissioning.models import Role, Stage, StagePeriod, Strategy
    from workflows.models import AuditEvent, Decision, Gate, GateState, SeatState

    result.done = (
        f"{RACERS} decisions at once on a gate's last open seat (API, 5 signatories' tokens, If-Match), then {RACERS} "
        f"more with the fresh version; {RACERS} moves at once of one strategy (page button, 2 officers)"
    )
    context.redis()
    context.say("seeding: a gate with one seat left (the ICB's), a strategy whose gate has passed")
    w = seed_world()
    seat_strategy = make_strategy(w, reference="DRILL-SEAT", title="Home care")
    complete_evidence(seat_strategy, w.officer)
    gate = services.gate_submit(actor=w.officer, strategy_id=seat_strategy.pk)
    last = None
    for seat in gate.current_seats().order_by("pk"):
        if seat.role == Role.PARTNER_SIGNATORY:
            last = seat
        else:
            services.seat_decide(actor=signer_of(w, seat), seat_id=seat.pk, outcome="approve")
    if last is None:
        raise DrillError("the gate has no partner signatory's seat")
    signatories = [w.icb_signatory] + [
        w.person(f"icb_signatory{i}", w.icb, Role.PARTNER_SIGNATORY) for i in (2, 3, 4, 5)
    ]
    tokens = [AuthToken.objects.create(user=person)[1] for person in signatories]
    advance_strategy = make_strategy(w, reference="DRILL-ADVANCE", title="Short breaks")
    pass_gate(w, advance_strategy)

    web = context.web()
    api = Browser(context.web_port)

    # --- the seat: every signatory read the queue and holds the same gate version
    queue = api.get("/api/v1/seats/", headers=api_headers(tokens[0]))
    if queue.status != 200:
        raise DrillError(f"GET /api/v1/seats/ answered {queue.status}: {queue.text[:300]}")
    listed = next((s for s in json.loads(queue.text) if s["id"] == last.pk), None)
    if listed is None:
        raise DrillError("the last open seat is not in the signatory's queue")
    version = listed["gate_version"]
    path = f"/api/v1/seats/{last.pk}/decision/"

    def decide(token: str, gate_version: int) -> Callable[[], Reply]:
        headers = api_headers(token, **{"If-Match": f'"{gate_version}"', "Idempotency-Key": str(uuid.uuid4())})
        return lambda: api.request("POST", path, body={"outcome": "approve"}, headers=headers, keep_cookies=False)

    context.say(f'{RACERS} decisions on seat {last.pk} at once, If-Match "{version}"')
    replies = fire_together([decide(tokens[i % len(tokens)], version) for i in range(RACERS)])
    seat_outcomes = [outcome(r) for r in replies]
    loser_codes = Counter(
        json.loads(r.text).get("code", "?") for r in replies if isinstance(r, Reply) and r.status in (409, 412)
    )
    gate.refresh_from_db()
    context.say(f"answers: {counted(seat_outcomes)}; refusals by code: {dict(loser_codes)}")
    late = fire_together([decide(tokens[i % len(tokens)], gate.version) for i in range(RACERS)])
    late_outcomes = [outcome(r) for r in late]
    context.say(f'{RACERS} more with the fresh version "{gate.version}": {counted(late_outcomes)}')

    last.refresh_from_db()
    decisions = Decision.objects.filter(seat=last).count()
    decide_events = AuditEvent.objects.filter(transition="decide", data__seat=last.pk).count()
    approvals = {name: audit_count(gate, name) for name in ("approve", "pass_gate")}
    seat_approved_events = audit_count(last, "approve")
    # --- the strategy: two officers each have the page open at the same version
    officer = Browser(context.web_port, name="officer").sign_in("officer")
    manager = Browser(context.web_port, name="manager").sign_in("manager")
    forms = []
    for browser in (officer, manager):
        page = browser.get(f"/strategies/{advance_strategy.reference}/")
        if "Move to Plan" not in page.text:
            raise DrillError(f"{browser.name} is not offered 'Move to Plan' on the strategy page")
        forms.append((browser, {"csrfmiddlewaretoken": csrf_token(page.text), "version": hidden(page.text, "version")}))
    advance_path = f"/strategies/{advance_strategy.reference}/advance/"

    def advance(browser: Browser, form: dict) -> Callable[[], Reply]:
        return lambda: browser.post(advance_path, form, keep_cookies=False)

    context.say(f"{RACERS} moves of {advance_strategy.reference} at once, version {forms[0][1]['version']}")
    moves = fire_together([advance(*forms[i % 2]) for i in range(RACERS)])
    move_outcomes = [outcome(r) for r in moves]
    refusals_explained = sum(
        1 for r in moves if isinstance(r, Reply) and r.status in (409, 412) and "There is a problem" in r.text
    )
    context.say(f"answers: {counted(move_outcomes)}")
    advance_strategy.refresh_from_db()
    strategy_type_moves = audit_count(advance_strategy, "begin_plan", subject=True)
    plan_gates = Gate.objects.filter(subject_id=advance_strategy.pk, stage=Stage.PLAN).count()
    plan_periods = StagePeriod.objects.filter(strategy=advance_strategy, stage=Stage.PLAN).count()

    result.figures = {
        "seat: answers": dict(Counter(seat_outcomes)),
        "seat: refusals by problem code": dict(loser_codes),
        "seat: late answers (fresh If-Match)": dict(Counter(late_outcomes)),
        "seat: decisions recorded": decisions,
        "seat: 'decide' audit events": decide_events,
        "seat: 'approve' audit events of the seat": seat_approved_events,
        "gate: 'approve' and 'pass_gate' audit events": approvals,
        "gate: state": gate.state,
        "strategy: answers": dict(Counter(move_outcomes)),
        "strategy: 409/412 pages with the error summary": refusals_explained,
        "strategy: stage, cycle": f"{advance_strategy.stage}, {advance_strategy.cycle}",
        "strategy: 'begin_plan' audit events": strategy_type_moves,
        "strategy: Plan gates, Plan stage periods": f"{plan_gates}, {plan_periods}",
    }
    wins = seat_outcomes.count("201")
    refused = sum(seat_outcomes.count(code) for code in ("409", "412"))
    result.check(wins == 1, f"exactly one decision accepted (got {wins})")
    result.check(refused == RACERS - 1, f"every other decision refused with 409/412 ({counted(seat_outcomes)})")
    result.check(late_outcomes.count("409") == RACERS, f"late decisions all 409 ({counted(late_outcomes)})")
    result.check(decisions == 1, f"one decision row for the seat (got {decisions})")
    result.check(decide_events == 1, f"one 'decide' audit event for the seat (got {decide_events})")
    result.check(seat_approved_events == 1, f"the seat approved once (got {seat_approved_events})")
    result.check(approvals == {"approve": 1, "pass_gate": 1}, f"the gate approved and passed once ({approvals})")
    result.check(last.state == SeatState.APPROVED and gate.state == GateState.PASSED, "seat approved, gate passed")
    moved = move_outcomes.count("302")
    result.check(moved == 1, f"exactly one move accepted (got {moved})")
    refused_moves = sum(move_outcomes.count(code) for code in ("409", "412"))
    result.check(
        refused_moves == RACERS - 1,
        f"every other move refused with 409, or 412 for a version gone stale while waiting ({counted(move_outcomes)})",
    )
    result.check(refusals_explained == refused_moves, "every refusal page carries the error summary")
    result.check(
        (advance_strategy.stage, advance_strategy.cycle) == (Stage.PLAN, 1), "the strategy moved one stage, to Plan"
    )
    result.check(strategy_type_moves == 1, f"one stage change in the audit trail (got {strategy_type_moves})")
    result.check((plan_gates, plan_periods) == (1, 1), "one Plan gate and one Plan stage period")
    server_errors = [o for o in seat_outcomes + late_outcomes + move_outcomes if not o.isdigit() or o >= "500"]
    result.check(not server_errors, f"no 5xx or dropped connection ({counted(server_errors)})")
    if server_errors:
        result.notes += error_lines(web)
    if Strategy.objects.filter(pk=advance_strategy.pk, stage=Stage.PLAN).exists() and wins == moved == 1:
        result.lost = "nothing: one decision and one move, each recorded once"
    else:
        result.lost = "the audit trail or the states are not what one winner each would leave (see failures)"
    result.headline = (
        f"seat: {counted(seat_outcomes)} (late: {counted(late_outcomes)}), {decisions} decision, "
        f"{decide_events} decide event; advance: {counted(move_outcomes)}, {strategy_type_moves} stage change, "
        f"now {advance_strategy.get_stage_display()}"
    )
