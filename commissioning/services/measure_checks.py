"""What the services of outcome measures check before they change anything: that numbers are numbers and text is
text, that the person may see the strategy and is party to it, that the strategy takes figures now, and which
measure and figure are meant. Each refusal is a domain exception with the status the API answers."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils import timezone

from workflows.exceptions import Conflict, NotFound, TransitionNotAllowed

from .. import selectors
from ..models import Organisation, OutcomeMeasure, PerformanceFigure, RoleAssignment, Stage, Strategy, active_on

FIGURE_LIMIT = Decimal("999999999999.99")  # what a DecimalField(max_digits=14, decimal_places=2) holds
PENNY = Decimal("0.01")
FIGURE_STAGES = (Stage.DO, Stage.REVIEW)
FIGURE_FIELDS = ("period", "value", "note", "reason")  # the order errors are reported in
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")


class StrategyNotFound(NotFound):
    """No such strategy, or not one the person may see: the API answers 404 and never says which."""


class MeasureNotFound(NotFound):
    """The strategy has no measure with this code; `measures` lists the codes it has."""

    code = "measure_not_found"


class FigureAlreadyReturned(Conflict):
    """A figure for this measure and period has already been returned; `existing` describes it."""

    code = "figure_already_returned"


class FigureNotFound(NotFound):
    """No figure has been returned for this measure and period, so there is nothing to correct."""

    code = "figure_not_found"


# --------------------------------------------------------------------------------------------------------------
# Input
# --------------------------------------------------------------------------------------------------------------


def decimal_input(errors: dict[str, str], field: str, value, *, what: str) -> Decimal | None:
    """A finite number with at most two decimal places within ±999,999,999,999.99; numbers or numeric strings."""
    example = f"Enter {what} as a number, for example 42 or 97.5."
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal | str):
        errors[field] = example
        return None
    if isinstance(value, str):
        text = value.strip()
        if len(text) > 40 or not NUMBER.fullmatch(text):
            errors[field] = example
            return None
    else:
        text = str(value)
    try:
        amount = Decimal(text)
    except (InvalidOperation, ValueError):
        errors[field] = example
        return None
    if not amount.is_finite():
        errors[field] = example
        return None
    if abs(amount) > FIGURE_LIMIT:
        errors[field] = f"{what.capitalize()} must be between -999,999,999,999.99 and 999,999,999,999.99."
        return None
    rounded = amount.quantize(PENNY)
    if rounded != amount:
        errors[field] = f"Give {what} to at most 2 decimal places."
        return None
    return rounded + 0  # + 0 turns -0.00 into 0.00


def encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON such as "\ud800"
        return False
    return True


def text_input(errors: dict[str, str], field: str, value, *, max_length: int, required: str | None = None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = "Enter text."
        return ""
    text = value.strip()
    if "\x00" in text or not encodable(text):
        errors[field] = "Remove the characters that cannot be stored (a null character or a broken one)."
    elif required and not text:
        errors[field] = required
    elif len(text) > max_length:
        errors[field] = f"This must be {max_length} characters or fewer."
    return text


# --------------------------------------------------------------------------------------------------------------
# The strategy, the party, the measure and the figure
# --------------------------------------------------------------------------------------------------------------


def visible_strategy_id(actor, *, strategy_reference: str | None, strategy_id: int | None) -> int:
    if (strategy_reference is None) == (strategy_id is None):
        raise TypeError("Pass either strategy_reference or strategy_id.")
    named = f"No strategy {strategy_reference} that you can see." if strategy_reference else "No such strategy."
    if actor is None or not actor.is_authenticated:
        raise StrategyNotFound(named)
    if strategy_reference is not None and (not isinstance(strategy_reference, str) or "\x00" in strategy_reference):
        raise StrategyNotFound(named)  # PostgreSQL cannot even compare text with a NUL in it
    visible = selectors.strategies_visible_to(actor)
    if strategy_reference is not None:
        visible = visible.filter(reference=strategy_reference)
    else:
        visible = visible.filter(pk=strategy_id)
    pk = visible.values_list("pk", flat=True).first()
    if pk is None:
        raise StrategyNotFound(named)
    return pk


def party_organisation(strategy: Strategy, actor) -> Organisation | None:
    """The organisation the person returns figures for: a partner of the strategy where they hold a role (the first
    by name), else the lead organisation if they hold one there; None if they hold no role at either."""
    if not actor.is_active:
        return None
    party_ids = [strategy.lead_organisation_id, *strategy.partner_links.values_list("organisation_id", flat=True)]
    held = (
        RoleAssignment.objects.filter(person=actor, organisation_id__in=party_ids)
        .filter(active_on(timezone.localdate()))
        .values("organisation_id")
    )
    organisations = list(Organisation.objects.filter(pk__in=held).order_by("name"))
    partners = [o for o in organisations if o.pk != strategy.lead_organisation_id]
    return (partners or organisations or [None])[0]


def existing_figure(measure: OutcomeMeasure, period: str) -> PerformanceFigure | None:
    return (
        PerformanceFigure.objects.filter(measure=measure, period=period)
        .select_related("organisation", "submitted_by")
        .first()
    )


def holds_role_at(actor, organisation_id: int) -> bool:
    return (
        actor.is_active
        and RoleAssignment.objects.filter(person=actor, organisation_id=organisation_id)
        .filter(active_on(timezone.localdate()))
        .exists()
    )


def ensure_figures_accepted(strategy: Strategy, doing: str) -> None:
    if strategy.stage not in FIGURE_STAGES:
        raise TransitionNotAllowed(
            f"{doing} only while a strategy is in Do or Review; {strategy.reference} is in "
            f"{strategy.get_stage_display()}.",
            state=strategy.stage,
            allowed=[],
            missing=["the strategy to be in Do or Review"],
        )


def measure_of(strategy: Strategy, measure_code) -> OutcomeMeasure:
    measures = {m.code: m for m in strategy.outcome_measures.order_by("code")}
    measure = measures.get(measure_code) if isinstance(measure_code, str) else None
    if measure is None:
        known = ", ".join(measures) if measures else "none yet"
        raise MeasureNotFound(
            f"{strategy.reference} has no measure '{measure_code}'. Its measures: {known}.", measures=list(measures)
        )
    return measure
