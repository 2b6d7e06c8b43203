"""What a key decision's forward-plan notice says when the officer publishing it leaves a part of it to the service
(the Local Authorities (Executive Arrangements) (Meetings and Access to Information) (England) Regulations 2012,
reg 9: the matter, the decision-maker, the date, the documents submitted, and how to make representations)."""

from __future__ import annotations

from ..models import EvidenceStatus, Role, Strategy


def notice_defaults(strategy: Strategy) -> dict[str, str]:
    """What a forward-plan notice says when the officer leaves it to the service: the matter (the gate of the
    strategy, and its summary), the decision-maker (the lead organisation's executive member, whom the default
    policies give key decisions to) and the documents (the titles of the stage's evidence, one a line)."""
    matter = f"{strategy.get_stage_display()} gate of {strategy.title} ({strategy.reference}), cycle {strategy.cycle}"
    if strategy.summary.strip():
        matter += f": {strategy.summary.strip()}"
    documents = strategy.evidence.filter(cycle=strategy.cycle, stage=strategy.stage).exclude(
        status=EvidenceStatus.NOT_STARTED, required=False
    )
    return {
        "matter": matter,
        "decision_maker": f"{Role.EXECUTIVE_MEMBER.label}, {strategy.lead_organisation}",
        "documents": "\n".join(documents.order_by("position", "pk").values_list("title", flat=True)),
    }
