"""The demo's scenarios: one per strategy, named for what a visitor sees. Each says, through `Demo`, what has
happened to its strategy so far.
"""

from __future__ import annotations

from collections.abc import Callable

from commissioning import services
from commissioning.models import EvidenceStatus, Recommendation, Role, Stage
from workflows.models import DecisionOutcome
from workflows.services import ConditionSpec

from .build import Demo
from .strategies import StrategyRow

Scenario = Callable[[Demo, StrategyRow], None]
SCENARIOS: dict[str, Scenario] = {}


def scenario(reference: str) -> Callable[[Scenario], Scenario]:
    def register(func: Scenario) -> Scenario:
        SCENARIOS[reference] = func
        return func

    return register


@scenario("MCC-ASC-001")
def key_decision_in_call_in_window(demo: Demo, row: StrategyRow) -> None:
    """Analyse: the executive member agreed the strategy yesterday; scrutiny can still call it in."""
    strategy = demo.create(row, -70)
    demo.submit(strategy, -35, row=row)
    demo.decide(strategy, -32, skip=[Role.EXECUTIVE_MEMBER])
    demo.decide(strategy, -1, only=[Role.EXECUTIVE_MEMBER])


@scenario("MCC-HWY-002")
def key_decision_called_in(demo: Demo, row: StrategyRow) -> None:
    """Plan: a scrutiny member called in the executive member's decision today."""
    strategy = demo.create(row, -200)
    demo.pass_and_advance(strategy, -180, row=row)
    demo.submit(strategy, -40, row=row)
    demo.decide(strategy, -37, skip=[Role.EXECUTIVE_MEMBER])
    demo.decide(strategy, -3, only=[Role.EXECUTIVE_MEMBER])
    services.decision_call_in(
        actor=demo.person("scrutiny"),
        strategy_id=strategy.pk,
        reason="A single five-year contract was not scrutinised at committee; members ask the executive to "
        "consider separate lots so that local firms can bid.",
    )


@scenario("MCC-MH-003")
def pooled_budget_in_do(demo: Demo, row: StrategyRow) -> None:
    """Do: a section 75 pooled budget; both NHS partners signed each gate; the award is being prepared."""
    strategy = demo.create(row, -150)
    day = demo.pass_and_advance(strategy, -140, row=row)
    demo.pass_and_advance(strategy, day + 6, row=row)
    demo.work_on_evidence(strategy, -10, complete=2)


@scenario("MCC-COM-004")
def gate_rejected_with_reasons(demo: Demo, row: StrategyRow) -> None:
    """Analyse: finance rejected the gate; the officer must correct the baseline and resubmit."""
    strategy = demo.create(row, -60)
    demo.submit(strategy, -14, row=row)
    demo.decide(strategy, -12, only=[Role.PARTNER_SIGNATORY])
    demo.decide(strategy, -11, only=[Role.COMMISSIONING_MANAGER])
    demo.decide(
        strategy,
        -10,
        only=[Role.FINANCE],
        outcome=DecisionOutcome.REJECT,
        reasons="The resources baseline leaves out Riverside District Council's £45,000 contribution to refuge "
        "accommodation and counts the Home Office grant twice. Correct the baseline and show each partner's share.",
    )


@scenario("MCC-ASC-005")
def approved_with_conditions(demo: Demo, row: StrategyRow) -> None:
    """Plan: the Analyse gate was approved with two conditions, now open actions for the lead and finance."""
    strategy = demo.create(row, -150)
    demo.submit(strategy, -120, row=row)
    demo.decide(strategy, -117, skip=[Role.EXECUTIVE_MEMBER])
    demo.decide(
        strategy,
        -88,
        only=[Role.EXECUTIVE_MEMBER],
        outcome=DecisionOutcome.APPROVE_WITH_CONDITIONS,
        reasons="Approved, provided rural capacity and the fair cost of care are settled before procurement.",
        conditions=[
            ConditionSpec(
                "Publish a market position statement for home care, including rural rounds, before the tender opens.",
                demo.person(row.lead).pk,
                demo.date(21),
            ),
            ConditionSpec(
                "Report the fair cost of care exercise and the proposed hourly rate to the executive member.",
                demo.person("finance").pk,
                demo.date(45),
            ),
        ],
    )
    demo.close_call_in(strategy, -74)
    demo.advance(strategy, -74)
    demo.work_on_evidence(strategy, -20, complete=2)


@scenario("MCC-HOU-006")
def urgent_key_decision(demo: Demo, row: StrategyRow) -> None:
    """Plan: the Analyse decision was taken under an urgency exemption agreed by the scrutiny chair, who also agreed
    it was exempt from call-in: it took effect the day it was taken."""
    strategy = demo.create(row, -75)
    with demo.at(-60):
        services.urgency_exemption_agree(
            actor=demo.person("chair"),
            strategy_id=strategy.pk,
            reason="Homes England's capital grant offer lapses unless the council confirms its commissioning "
            "intentions within 21 days; a 28-day forward-plan notice would miss it.",
        )
        services.call_in_exemption_agree(
            actor=demo.person("chair"),
            strategy_id=strategy.pk,
            reason="The grant confirmation is due within 21 days: a five-working-day call-in window after the "
            "decision would lose the council £4.5 million of capital for 120 extra care homes.",
        )
    day = demo.pass_gate(strategy, -60, row=row)
    demo.advance(strategy, day)
    demo.work_on_evidence(strategy, -10, complete=1)


@scenario("MCC-PH-007")
def key_decision_awaiting_member(demo: Demo, row: StrategyRow) -> None:
    """Plan: procurement rejected the first submission; the officer revised the specification and the risk register
    and resubmitted. Legal and finance have signed again; procurement (who sees its reasons and what changed) and
    the executive member have not yet."""
    strategy = demo.create(row, -220)
    demo.pass_and_advance(strategy, -200, row=row)
    demo.submit(strategy, -30, row=row)
    demo.decide(strategy, -28, only=[Role.COMMISSIONING_MANAGER, Role.FINANCE, Role.LEGAL])
    demo.decide(
        strategy,
        -27,
        only=[Role.PROCUREMENT],
        outcome=DecisionOutcome.REJECT,
        reasons="A single three-year contract for the whole county shuts out the two local NHS providers. Split "
        "the specification into a north and a south lot, and add the risk of a failed mobilisation on 1 April.",
    )
    revise_and_resubmit(demo, strategy)
    demo.decide(strategy, -10, only=[Role.COMMISSIONING_MANAGER, Role.FINANCE, Role.LEGAL])


def revise_and_resubmit(demo: Demo, strategy) -> None:
    """The officer answers procurement's reasons: the specification in two lots, a new risk, and resubmits."""
    evidence = {item.template.code: item for item in strategy.evidence.filter(cycle=1, stage=Stage.PLAN)}
    specification = evidence["requirements-specification"]
    with demo.at(-20):
        services.evidence_update(
            actor=strategy.lead_officer,
            evidence_id=specification.pk,
            status=EvidenceStatus.COMPLETE,
            content=f"{specification.content}\n\nLot 1: the north of the county (health visiting and school "
            "nursing from the Ashby and Brampton hubs).\n\nLot 2: the south of the county (the Castleford, Denby "
            "and Elmstead hubs). A provider may bid for one lot or both.",
        )
        risks = evidence["risk-register"]
        services.evidence_update(
            actor=strategy.lead_officer,
            evidence_id=risks.pk,
            status=EvidenceStatus.COMPLETE,
            content=f"{risks.content}\n\nNew risk: mobilisation is not complete by 1 April. Owner: the commissioning "
            "manager. Mitigation: a three-month extension of the current contract is agreed in principle.",
        )
    demo.update(
        strategy,
        -20,
        summary=f"{strategy.summary} Procured in two lots, north and south, so that local providers can bid.",
    )
    with demo.at(-12):
        services.gate_submit(
            actor=strategy.lead_officer,
            strategy_id=strategy.pk,
            note="The specification is now in two lots, north and south, so that each local NHS provider can bid "
            "for one or both; the risk register has the risk of a late mobilisation, with its mitigation.",
        )


@scenario("MCC-PH-008")
def review_submitted(demo: Demo, row: StrategyRow) -> None:
    """Review: a year into the contract, the recommendation to recommission is out for sign-off."""
    strategy = demo.create(row, -560)
    demo.pass_and_advance(strategy, -540, row=row)
    demo.pass_and_advance(strategy, -480, row=row)
    demo.pass_gate(strategy, -420, row=row)
    demo.begin_review(strategy)
    demo.submit(strategy, -5, row=row)
    demo.decide(strategy, -2, only=[Role.COMMISSIONING_MANAGER])


@scenario("MCC-HOU-009")
def overdue_seat(demo: Demo, row: StrategyRow) -> None:
    """Analyse: submitted 30 days ago; finance has still not signed, long past the due date."""
    strategy = demo.create(row, -50)
    demo.submit(strategy, -30, row=row)
    demo.decide(strategy, -27, only=[Role.COMMISSIONING_MANAGER])
    demo.decide(strategy, -25, only=[Role.PARTNER_SIGNATORY])


@scenario("MCC-ENV-010")
def in_delivery(demo: Demo, row: StrategyRow) -> None:
    """Do: the contract was awarded and the Do gate passed; the service runs until its review date."""
    strategy = demo.create(row, -330)
    demo.pass_and_advance(strategy, -320, row=row)
    demo.pass_and_advance(strategy, -260, row=row)
    demo.pass_gate(strategy, -200, row=row)


@scenario("MCC-COM-011")
def second_cycle(demo: Demo, row: StrategyRow) -> None:
    """Analyse, cycle 2: the first cycle's review recommended varying the service, so round it goes again."""
    strategy = demo.create(row, -620)
    demo.pass_and_advance(strategy, -600, row=row)
    demo.pass_and_advance(strategy, -540, row=row)
    demo.pass_gate(strategy, -480, row=row)
    demo.begin_review(strategy)
    demo.pass_and_advance(strategy, -120, row=row, recommendation=Recommendation.VARY)
    demo.work_on_evidence(strategy, -20, complete=2)


@scenario("MCC-ASC-012")
def gate_withdrawn(demo: Demo, row: StrategyRow) -> None:
    """Analyse: withdrawn after submission so that carers' views can be added to the engagement record."""
    strategy = demo.create(row, -90)
    demo.submit(strategy, -12, row=row)
    demo.decide(strategy, -10, only=[Role.COMMISSIONING_MANAGER])
    with demo.at(-5):
        services.gate_withdraw(
            actor=strategy.lead_officer,
            strategy_id=strategy.pk,
            reason="Carers at the Riverside day centre asked for another engagement session before the strategy "
            "is agreed; their views will be added to the engagement record.",
        )
    engagement = strategy.evidence.get(cycle=1, stage=Stage.ANALYSE, template__code="engagement-record")
    with demo.at(-4):
        services.evidence_update(
            actor=strategy.lead_officer,
            evidence_id=engagement.pk,
            status=EvidenceStatus.IN_PROGRESS,
            content="Second carers' session booked at the Riverside day centre.",
        )


@scenario("MCC-ASC-013")
def decided_by_deputy(demo: Demo, row: StrategyRow) -> None:
    """Do: the head of commissioning was on leave, so her deputy signed the Plan gate on her behalf."""
    strategy = demo.create(row, -120)
    demo.pass_and_advance(strategy, -100, row=row)
    demo.submit(strategy, -10, row=row)
    manager = demo.person("manager")
    with demo.at(-9):
        services.delegation_create(
            actor=manager,
            principal=manager,
            deputy=demo.person("officer2"),
            starts_on=demo.date(-9),
            ends_on=demo.date(12),
            reason="Annual leave",
        )
    demo.decide(strategy, -6, deputies={Role.COMMISSIONING_MANAGER: "officer2"})
    demo.advance(strategy, -2)
    demo.work_on_evidence(strategy, -1, complete=1)


@scenario("MCC-CF-014")
def do_gate_in_member_queue(demo: Demo, row: StrategyRow) -> None:
    """Do: the award is in the executive member's sign-off queue, waiting for the forward-plan notice to run."""
    strategy = demo.create(row, -260)
    demo.pass_and_advance(strategy, -240, row=row)
    demo.pass_and_advance(strategy, -180, row=row)
    demo.submit(strategy, -20, row=row)
    demo.decide(strategy, -17, skip=[Role.EXECUTIVE_MEMBER])


@scenario("MCC-PH-015")
def new_strategy_on_forward_plan(demo: Demo, row: StrategyRow) -> None:
    """Analyse: evidence under way, and the key decision already on the public forward plan."""
    strategy = demo.create(row, -20)
    demo.work_on_evidence(strategy, -10, complete=2)
    demo.publish_notice(strategy, -3, decision_day=40)


@scenario("MCC-ASC-016")
def small_strategy_under_review(demo: Demo, row: StrategyRow) -> None:
    """Review: a contract below £100,000 (officer sign-off), now at its annual review."""
    strategy = demo.create(row, -470)
    demo.pass_and_advance(strategy, -450, row=row)
    demo.pass_and_advance(strategy, -430, row=row)
    demo.pass_gate(strategy, -410, row=row)
    demo.begin_review(strategy)
    demo.work_on_evidence(strategy, -30, complete=3)


@scenario("MCC-ASC-017")
def decommissioned(demo: Demo, row: StrategyRow) -> None:
    """Closed: the review recommended decommissioning the analogue service at the digital switchover."""
    strategy = demo.create(row, -420)
    demo.pass_and_advance(strategy, -400, row=row)
    demo.pass_and_advance(strategy, -380, row=row)
    demo.pass_gate(strategy, -360, row=row)
    demo.begin_review(strategy)
    demo.pass_and_advance(strategy, -10, row=row, recommendation=Recommendation.DECOMMISSION)
