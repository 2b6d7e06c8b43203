"""Outcome measures and the performance figures partners return for them.

Officers of the lead organisation add a strategy's measures (`measure_create`); while the strategy is in Do or
Review, people and service accounts of the lead organisation or of a partner return one figure per measure and
period (`figure_submit`). Both lock the strategy, bump its version (what a partner's poll compares) and write an
audit row whose subject is the strategy, so the change shows in its history and the events feed.

Periods are calendar periods: `YYYY-MM` (a month), `YYYY-Qn` (Q1 is January to March) and `YYYY` (a year).
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone

from workflows.exceptions import Conflict, InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from workflows.transitions import audit

from .. import selectors
from ..models import (
    Organisation,
    OutcomeMeasure,
    PerformanceFigure,
    RoleAssignment,
    Stage,
    Strategy,
    active_on,
)
from .common import ensure_content_editable, locked_strategy, record_strategy_change, require_manager_of

FIGURE_LIMIT = Decimal("999999999999.99")  # what a DecimalField(max_digits=14, decimal_places=2) holds
PENNY = Decimal("0.01")
FIGURE_STAGES = (Stage.DO, Stage.REVIEW)
FIGURE_FIELDS = ("period", "value", "note")  # the order errors are reported in
EARLIEST_YEAR = 2001  # periods must fall after 2000
NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)")

Period = OutcomeMeasure.Period
PERIOD_FORMATS: dict[str, tuple[re.Pattern, str]] = {
    Period.MONTH: (re.compile(r"([0-9]{4})-(0[1-9]|1[0-2])"), "YYYY-MM, for example 2025-04"),
    Period.QUARTER: (re.compile(r"([0-9]{4})-[Qq]([1-4])"), "YYYY-Qn, for example 2025-Q1"),
    Period.YEAR: (re.compile(r"([0-9]{4})"), "YYYY, for example 2025"),
}
PERIOD_PATTERNS = {Period.MONTH: "YYYY-MM", Period.QUARTER: "YYYY-Qn", Period.YEAR: "YYYY"}


class StrategyNotFound(NotFound):
    """No such strategy, or not one the person may see: the API answers 404 and never says which."""


class MeasureNotFound(NotFound):
    """The strategy has no measure with this code; `measures` lists the codes it has."""

    code = "measure_not_found"


class FigureAlreadyReturned(Conflict):
    """A figure for this measure and period has already been returned; `existing` describes it."""

    code = "figure_already_returned"


# --------------------------------------------------------------------------------------------------------------
# Checking input
# --------------------------------------------------------------------------------------------------------------


def _decimal(errors: dict[str, str], field: str, value, *, what: str) -> Decimal | None:
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


def _encodable(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from JSON such as "\ud800"
        return False
    return True


def _text(errors: dict[str, str], field: str, value, *, max_length: int, required: str | None = None) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = "Enter text."
        return ""
    text = value.strip()
    if "\x00" in text or not _encodable(text):
        errors[field] = "Remove the characters that cannot be stored (a null character or a broken one)."
    elif required and not text:
        errors[field] = required
    elif len(text) > max_length:
        errors[field] = f"This must be {max_length} characters or fewer."
    return text


def period_start(period_kind: str, period) -> tuple[str, dt.date]:
    """The period normalised (`2025-q1` becomes `2025-Q1`) and the day it starts; ValueError says what is wrong."""
    pattern, example = PERIOD_FORMATS[period_kind]
    match = pattern.fullmatch(period.strip()) if isinstance(period, str) else None
    if match is None:
        how_often = Period(period_kind).label.split(" ")[0].lower()
        raise ValueError(f"This measure is {how_often}: enter the period as {example}.")
    year = int(match.group(1))
    if period_kind == Period.MONTH:
        start, text = dt.date(year, int(match.group(2)), 1), f"{year:04d}-{match.group(2)}"
    elif period_kind == Period.QUARTER:
        quarter = int(match.group(2))
        start, text = dt.date(year, 3 * quarter - 2, 1), f"{year:04d}-Q{quarter}"
    else:
        start, text = dt.date(year, 1, 1), f"{year:04d}"
    if year < EARLIEST_YEAR:
        raise ValueError(f"The period must be in {EARLIEST_YEAR} or later.")
    if start > timezone.localdate():
        raise ValueError(f"{text} has not started yet: figures can be returned only for periods that have begun.")
    return text, start


# --------------------------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------------------------


def measure_create(
    *,
    actor,
    strategy_id: int,
    code: str,
    name: str,
    level: str = OutcomeMeasure.Level.SERVICE,
    unit: str,
    period: str = Period.QUARTER,
    target=None,
    higher_is_better: bool = True,
) -> OutcomeMeasure:
    """Add an outcome measure to a strategy (officers of the lead organisation; not while its gate is under
    sign-off). Audited on the strategy as `add_measure`; bumps the strategy's version. Sends nothing."""
    errors: dict[str, str] = {}
    code = _text(errors, "code", code, max_length=60, required="Enter a short code, for example carers-supported.")
    if code and "code" not in errors:
        try:
            validate_slug(code)
        except ValidationError:
            errors["code"] = "Use only letters, numbers, hyphens and underscores, for example carers-supported."
    name = _text(errors, "name", name, max_length=200, required="Enter the measure's name.")
    unit = _text(errors, "unit", unit, max_length=40, required="Enter the unit, for example people, %, days or £.")
    if level not in OutcomeMeasure.Level.values:
        errors["level"] = "Choose population (system) level or service (service-user) level."
    if period not in Period.values:
        errors["period"] = "Choose monthly, quarterly or yearly."
    clean_target = None
    if target is not None and target != "":
        clean_target = _decimal(errors, "target", target, what="the target")
    if not isinstance(higher_is_better, bool):
        errors["higher_is_better"] = "Say whether a higher figure is better (true or false)."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        require_manager_of(strategy, actor, "add outcome measures to this strategy")
        ensure_content_editable(strategy)
        if strategy.outcome_measures.filter(code=code).exists():
            raise InvalidInput({"code": f"{strategy.reference} already has a measure with code {code}."})
        try:
            with transaction.atomic():
                measure = OutcomeMeasure.objects.create(
                    strategy=strategy,
                    code=code,
                    name=name,
                    level=level,
                    unit=unit,
                    period=period,
                    target=clean_target,
                    higher_is_better=higher_is_better,
                )
        except IntegrityError as exc:
            raise InvalidInput({"code": f"{strategy.reference} already has a measure with code {code}."}) from exc
        measure.audit_subject = strategy  # the row lives in the strategy's history
        audit(
            measure,
            transition="add_measure",
            actor=actor,
            data={
                "code": code,
                "name": name,
                "level": level,
                "unit": unit,
                "period": period,
                "target": None if clean_target is None else str(clean_target),
                "higher_is_better": higher_is_better,
            },
        )
        record_strategy_change(strategy)
    return measure


# --------------------------------------------------------------------------------------------------------------
# Figures
# --------------------------------------------------------------------------------------------------------------


def _visible_strategy_id(actor, *, strategy_reference: str | None, strategy_id: int | None) -> int:
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


def _party_organisation(strategy: Strategy, actor) -> Organisation | None:
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


def _existing_figure(measure: OutcomeMeasure, period: str) -> PerformanceFigure | None:
    return (
        PerformanceFigure.objects.filter(measure=measure, period=period)
        .select_related("organisation", "submitted_by")
        .first()
    )


def _already_returned(measure: OutcomeMeasure, period: str, existing: PerformanceFigure | None) -> Conflict:
    if existing is None:
        return FigureAlreadyReturned(
            f"A figure for {measure.code} {period} was returned at the same moment. Reload the measures to see it."
        )
    when = timezone.localtime(existing.submitted_at)
    return FigureAlreadyReturned(
        f"A figure for {measure.code} {period} was already returned: {existing.value} by {existing.organisation} "
        f"on {when:%-d %B %Y}. A returned figure cannot be replaced here.",
        existing={
            "id": existing.pk,
            "measure": measure.code,
            "period": existing.period,
            "value": str(existing.value),
            "organisation": existing.organisation.name,
            "submitted_at": existing.submitted_at.isoformat(),
        },
    )


def figure_submit(
    *,
    actor,
    strategy_reference: str | None = None,
    strategy_id: int | None = None,
    measure_code: str,
    period,
    value,
    note: str = "",
) -> PerformanceFigure:
    """Record one figure for one period of one of the strategy's measures, while the strategy is in Do or Review.

    The person must see the strategy (else StrategyNotFound) and hold a role at its lead organisation or a partner
    (a partner's service account does); the figure is recorded for that organisation. Audited on the strategy as
    `return_figure`; bumps the strategy's version. Sends nothing."""
    pk = _visible_strategy_id(actor, strategy_reference=strategy_reference, strategy_id=strategy_id)
    errors: dict[str, str] = {}
    amount = _decimal(errors, "value", value, what="the figure")
    note = _text(errors, "note", note, max_length=500)
    with transaction.atomic():
        strategy = locked_strategy(pk)
        organisation = _party_organisation(strategy, actor)
        if organisation is None:
            raise NotPermitted(
                f"Only people at {strategy.lead_organisation} or at a partner organisation of {strategy.reference} "
                "can return its figures."
            )
        if strategy.stage not in FIGURE_STAGES:
            raise TransitionNotAllowed(
                f"Figures are accepted only while a strategy is in Do or Review; {strategy.reference} is in "
                f"{strategy.get_stage_display()}.",
                state=strategy.stage,
                allowed=[],
                missing=["the strategy to be in Do or Review"],
            )
        measures = {m.code: m for m in strategy.outcome_measures.order_by("code")}
        measure = measures.get(measure_code) if isinstance(measure_code, str) else None
        if measure is None:
            known = ", ".join(measures) if measures else "none yet"
            raise MeasureNotFound(
                f"{strategy.reference} has no measure '{measure_code}'. Its measures: {known}.", measures=list(measures)
            )
        clean_period = None
        try:
            clean_period, _ = period_start(measure.period, period)
        except ValueError as exc:
            errors["period"] = str(exc)
        if errors:
            raise InvalidInput({field: errors[field] for field in FIGURE_FIELDS if field in errors})
        existing = _existing_figure(measure, clean_period)
        if existing is not None:
            raise _already_returned(measure, clean_period, existing)
        try:
            with transaction.atomic():
                figure = PerformanceFigure.objects.create(
                    measure=measure,
                    period=clean_period,
                    value=amount,
                    note=note,
                    organisation=organisation,
                    submitted_by=actor,
                )
        except IntegrityError as exc:  # another request returned it between the check and the insert
            raise _already_returned(
                measure, clean_period, PerformanceFigure.objects.filter(measure=measure, period=clean_period).first()
            ) from exc
        figure.audit_subject = strategy  # the row lives in the strategy's history and the events feed
        audit(
            figure,
            transition="return_figure",
            actor=actor,
            data={
                "measure": measure.code,
                "period": clean_period,
                "value": str(amount),
                "organisation": organisation.code,
            },
        )
        record_strategy_change(strategy)
    return figure
