"""Default evidence and gate policies (DESIGN.md §2–3), loaded by a data migration; administrators change them."""

from decimal import Decimal

EVIDENCE = {
    "analyse": [
        ("needs-assessment", "Needs assessment", "Who needs the service, how many, where, and what outcomes matter."),
        ("resources-baseline", "Resources and current spend baseline", "What is spent now, by whom, on what."),
        ("market-analysis", "Market analysis / position statement", "Providers, capacity, prices and gaps."),
        ("engagement-record", "Stakeholder and service-user engagement record", "Who was asked and what they said."),
        ("strategy-document", "Commissioning strategy document", "The strategy itself: a robust, credible case."),
    ],
    "plan": [
        (
            "outcomes-framework",
            "Outcomes framework",
            "Population/system-level and service/service-user-level outcomes.",
        ),
        ("requirements-specification", "Requirements specification", "What the service must do."),
        (
            "delivery-options-appraisal",
            "Delivery-channel options appraisal and right-source decision",
            "In-house, insourcing, partnership, outsourcing or decommission, and why.",
        ),
        ("budget-plan", "Budget and financial plan", "Funding, contributions and the affordability envelope."),
        ("risk-register", "Risk register", "Risks, owners and mitigations."),
        ("consultation-plan", "Consultation plan", "Who will be consulted, how and when."),
    ],
    "do": [
        ("procurement-route", "Procurement route or service-redesign plan", "How the service will be secured."),
        ("award-record", "Contract award or implementation record", "What was awarded or implemented, to whom."),
        ("mobilisation-plan", "Mobilisation plan", "How the service starts safely."),
        ("contract-management-plan", "Contract-management plan", "How performance will be managed."),
    ],
    "review": [
        ("population-outcomes-review", "Population/system-level outcomes review", "Did outcomes move?"),
        ("service-outcomes-review", "Service/service-user-level outcomes review", "Did the service deliver?"),
        ("value-for-money", "Value for money", "Cost, quality and benefit compared."),
        ("service-user-feedback", "Service-user feedback", "What people using the service said."),
        ("recommendation", "Recommendation: recommission, vary or decommission", "What should happen next, and why."),
    ],
}

POLICY_NAMES = {
    "analyse": "Analyse gate: agreeing the commissioning strategy",
    "plan": "Plan gate: agreeing outcomes, specification and delivery channel",
    "do": "Do gate: agreeing award or implementation",
    "review": "Review gate: agreeing what the next cycle does",
}

K100 = Decimal("100000")
K500 = Decimal("500000")

# (stages, role, party, min_value, below_value, key_decision_scope, required_approvals, due_days, record)
SEAT_RULES = [
    ("analyse plan do review", "commissioning_officer", "lead", None, K100, "any", 1, 10, False),
    ("analyse plan do review", "commissioning_manager", "lead", K100, None, "any", 1, 10, False),
    ("analyse plan do review", "finance", "lead", None, None, "any", 1, 10, False),
    ("plan do", "legal", "lead", K100, None, "any", 1, 10, False),
    ("plan do", "procurement", "lead", K100, None, "any", 1, 10, False),
    ("analyse plan do review", "executive_member", "lead", K500, None, "any", 1, 15, True),
    ("analyse plan do review", "executive_member", "lead", None, None, "key_only", 1, 15, True),
    ("analyse plan do review", "partner_signatory", "each_pooled_budget_partner", None, None, "any", 1, 10, False),
    ("analyse review", "partner_signatory", "each_co_commissioner", None, None, "any", 1, 10, False),
]


def load(apps) -> None:
    """Create the default evidence templates and gate policies where missing (`apps`: a migration's registry)."""
    evidence_template = apps.get_model("commissioning", "EvidenceTemplate")
    gate_policy = apps.get_model("commissioning", "GatePolicy")
    seat_rule = apps.get_model("commissioning", "SeatRule")
    for stage, items in EVIDENCE.items():
        for position, (code, title, guidance) in enumerate(items, start=1):
            evidence_template.objects.get_or_create(
                stage=stage, code=code, defaults={"title": title, "guidance": guidance, "position": position}
            )
    for stage, name in POLICY_NAMES.items():
        policy, created = gate_policy.objects.get_or_create(stage=stage, defaults={"name": name})
        if not created:
            continue
        for position, (stages, role, party, low, high, scope, n, days, record) in enumerate(SEAT_RULES, start=1):
            if stage in stages.split():
                seat_rule.objects.create(
                    policy=policy,
                    role=role,
                    party=party,
                    min_value=low,
                    below_value=high,
                    key_decision_scope=scope,
                    required_approvals=n,
                    due_working_days=days,
                    requires_record_of_decision=record,
                    position=position,
                )
