"""What changed between two snapshots of a gate: a plain function of their content (`GateSnapshot.content`, made by
`rules.strategy_snapshot_content`), so the sign-off page, the strategy page and the API all say the same thing.

`snapshot_changes(before, after)` returns plain JSON: each of the strategy's facts that changed, with its value
before and after (as stored, and as people read it), and each piece of evidence added, removed or edited (by its
template code), with the fields of it that changed. Long text (a summary, an evidence's content) is also compared
paragraph by paragraph (`paragraph_diff`, difflib), so a reader sees which paragraphs were added, removed or kept.
Nothing here reads or writes the database.
"""

from __future__ import annotations

import difflib
from collections.abc import Sequence

from .models import DeliveryChannel, EvidenceStatus, PartnerKind, Recommendation, ServiceArea

# The strategy's facts in the order people read them, with their labels.
FACTS = (
    ("title", "Title"),
    ("summary", "Summary"),
    ("service_area", "Service area"),
    ("lead_organisation", "Lead organisation"),
    ("lead_officer", "Lead officer"),
    ("annual_value", "Annual value"),
    ("total_contract_value", "Total contract value"),
    ("capital_value", "Capital value"),
    ("pooled_budget", "Pooled budget"),
    ("delivery_channel", "Delivery channel (right source)"),
    ("recommendation", "Recommendation"),
    ("next_review_date", "Next review date"),
    ("partners", "Partners"),
)
EVIDENCE_FIELDS = (
    ("title", "Title"),
    ("status", "Status"),
    ("content", "Content"),
    ("link", "Link"),
    ("required", "Required"),
    ("completed_by", "Completed by"),
)
CHOICES = {
    "service_area": ServiceArea,
    "delivery_channel": DeliveryChannel,
    "recommendation": Recommendation,
    "status": EvidenceStatus,
}
MONEY = {"annual_value", "total_contract_value", "capital_value"}
LONG_TEXT = {"summary", "content"}


def readable(field: str, value) -> str:
    """A stored value as people read it: choices by their label, money in pounds, yes or no, 'None' for empty."""
    if value in (None, "", []):
        return "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if field in CHOICES:
        try:
            return CHOICES[field](value).label
        except ValueError:
            return str(value)
    if field in MONEY:
        try:
            return f"£{float(value):,.2f}"
        except (TypeError, ValueError):
            return str(value)
    if field == "partners":
        return "; ".join(_partner_text(partner) for partner in value)
    return str(value)


def _partner_text(partner: dict) -> str:
    try:
        kind = PartnerKind(partner.get("kind")).label
    except ValueError:
        kind = str(partner.get("kind"))
    return f"{partner.get('organisation')} ({kind})"


def paragraphs(text: str) -> list[str]:
    """Text split into paragraphs: at blank lines, or at each line when it has no blank lines."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return []
    blocks = [block.strip() for block in text.split("\n\n")]
    if len(blocks) == 1:
        blocks = [line.strip() for line in text.split("\n")]
    return [block for block in blocks if block]


def paragraph_diff(before: str, after: str) -> list[dict]:
    """The paragraphs of `after` against `before`, in order: each {"change": "kept" | "removed" | "added", "text"}
    (a paragraph rewritten is the old one removed, then the new one added)."""
    old, new = paragraphs(before), paragraphs(after)
    result: list[dict] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(a=old, b=new, autojunk=False).get_opcodes():
        if op == "equal":
            result += [{"change": "kept", "text": text} for text in old[i1:i2]]
            continue
        result += [{"change": "removed", "text": text} for text in old[i1:i2]]
        result += [{"change": "added", "text": text} for text in new[j1:j2]]
    return result


def _field_change(field: str, label: str, before, after) -> dict:
    change = {
        "field": field,
        "label": label,
        "before": before,
        "after": after,
        "before_text": readable(field, before),
        "after_text": readable(field, after),
        "paragraphs": None,
    }
    texts = isinstance(before, str | None) and isinstance(after, str | None)
    if field in LONG_TEXT and texts and max(len(paragraphs(before or "")), len(paragraphs(after or ""))) > 1:
        change["paragraphs"] = paragraph_diff(before or "", after or "")
    return change


def _compare(fields: Sequence[tuple[str, str]], before: dict, after: dict) -> list[dict]:
    return [
        _field_change(field, label, before.get(field), after.get(field))
        for field, label in fields
        if before.get(field) != after.get(field)
    ]


def _by_code(evidence: Sequence[dict]) -> dict[str, dict]:
    return {item.get("code") or f"#{index}": item for index, item in enumerate(evidence)}


def snapshot_changes(before: dict, after: dict) -> dict:
    """What changed from snapshot content `before` to `after`: {"facts": [...], "evidence": [...], "count": n}.

    A fact's change: {field, label, before, after, before_text, after_text, paragraphs}. An evidence change:
    {change: "added" | "removed" | "edited", code, title, fields: [field changes]}; an added or removed item's
    fields compare it with nothing."""
    facts = _compare(FACTS, before.get("strategy") or {}, after.get("strategy") or {})
    for field, label in (("stage", "Stage"), ("cycle", "Cycle")):
        if before.get(field) != after.get(field):
            facts.append(_field_change(field, label, before.get(field), after.get(field)))
    old, new = _by_code(before.get("evidence") or []), _by_code(after.get("evidence") or [])
    evidence = []
    for code, item in new.items():
        if code not in old:
            evidence.append(
                {
                    "change": "added",
                    "code": code,
                    "title": item.get("title"),
                    "fields": _compare(EVIDENCE_FIELDS, {}, item),
                }
            )
        elif fields := _compare(EVIDENCE_FIELDS, old[code], item):
            evidence.append({"change": "edited", "code": code, "title": item.get("title"), "fields": fields})
    for code, item in old.items():
        if code not in new:
            evidence.append(
                {
                    "change": "removed",
                    "code": code,
                    "title": item.get("title"),
                    "fields": _compare(EVIDENCE_FIELDS, item, {}),
                }
            )
    return {"facts": facts, "evidence": evidence, "count": len(facts) + len(evidence)}
