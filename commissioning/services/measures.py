"""Outcome measures and the performance figures partners return for them.

Officers of the lead organisation add a strategy's measures (`measure_create`); while the strategy is in Do or
Review, people and service accounts of the lead organisation or of a partner return one figure per measure and
period (`figure_submit`), and the organisation that returned a figure may correct it, with a reason
(`figure_correct`: the earlier value is kept in a `PerformanceFigureCorrection`). Each locks the strategy, bumps its
version (what a partner's poll compares) and writes an audit row whose subject is the strategy, so the change shows
in its history and the events feed.

Periods are calendar periods, `YYYY-MM` (a month), `YYYY-Qn` (Q1 is January to March) and `YYYY` (a year), or
financial-year ones as councils write them: `YYYY/YY` (April to March, e.g. 2026/27) and `YYYY/YY Qn` (Q1 is April
to June, Q4 January to March, e.g. 2026/27 Q1). Variants such as `2026-27`, `2026/27-Q1` and `2026/27 q1` are
accepted and stored in that one form (`periods`). A figure is kept with the day its period begins, which orders
them. What is checked before anything changes is in `measure_checks`.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_slug
from django.db import IntegrityError, transaction
from django.utils import timezone

from workflows.exceptions import Conflict, InvalidInput, NotPermitted
from workflows.transitions import audit, check_version

from ..models import OutcomeMeasure, PerformanceFigure, PerformanceFigureCorrection, Strategy, can_manage_strategy
from .common import ensure_content_editable, locked_strategy, record_strategy_change
from .measure_checks import (
    FIGURE_FIELDS,
    FIGURE_STAGES,
    FigureAlreadyReturned,
    FigureNotFound,
    MeasureNotFound,
    StrategyNotFound,
    ensure_figures_accepted,
    holds_role_at,
    measure_of,
    party_organisation,
    visible_strategy_id,
)
from .measure_checks import decimal_input as _decimal
from .measure_checks import existing_figure as _existing_figure  # looked up here, so a test can stand in for it
from .measure_checks import text_input as _text
from .periods import (
    EARLIEST_YEAR,
    PERIOD_FORMATS,
    PERIOD_PATTERNS,
    Period,
    PeriodFormat,
    financial_year_label,
    parse_period,
    period_start,
)

__all__ = [
    "EARLIEST_YEAR",
    "FIGURE_STAGES",
    "PERIOD_FORMATS",
    "PERIOD_PATTERNS",
    "FigureAlreadyReturned",
    "FigureNotFound",
    "MeasureNotFound",
    "Period",
    "PeriodFormat",
    "StrategyNotFound",
    "figure_correct",
    "figure_submit",
    "financial_year_label",
    "may_define_measures",
    "measure_create",
    "parse_period",
    "period_start",
]

# --------------------------------------------------------------------------------------------------------------
# Measures
# --------------------------------------------------------------------------------------------------------------


def may_define_measures(strategy: Strategy, actor) -> bool:
    """The strategy's officers (its lead officer, or a commissioning officer or manager at its lead organisation), or
    an administrator allowed to add outcome measures in the admin."""
    if actor is None or not actor.is_authenticated or not actor.is_active:
        return False
    if actor.is_staff and actor.has_perm("commissioning.add_outcomemeasure"):
        return True
    return can_manage_strategy(strategy, actor)


def require_measure_definer(strategy: Strategy, actor) -> None:
    if not may_define_measures(strategy, actor):
        raise NotPermitted(
            f"Only the lead officer, or a commissioning officer or manager at {strategy.lead_organisation}, can "
            "add outcome measures to this strategy."
        )


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
        errors["period"] = "Choose monthly, quarterly or yearly, by calendar or financial year."
    clean_target = None
    if target is not None and target != "":
        clean_target = _decimal(errors, "target", target, what="the target")
    if not isinstance(higher_is_better, bool):
        errors["higher_is_better"] = "Say whether a higher figure is better (true or false)."
    if errors:
        raise InvalidInput(errors)
    with transaction.atomic():
        strategy = locked_strategy(strategy_id)
        require_measure_definer(strategy, actor)
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


def _already_returned(measure: OutcomeMeasure, period: str, existing: PerformanceFigure | None) -> Conflict:
    if existing is None:
        return FigureAlreadyReturned(
            f"A figure for {measure.code} {period} was returned at the same moment. Reload the measures to see it."
        )
    when = timezone.localtime(existing.submitted_at)
    return FigureAlreadyReturned(
        f"A figure for {measure.code} {period} was already returned: {existing.value} by {existing.organisation} "
        f"on {when:%-d %B %Y}. A returned figure is not replaced: correct it, giving the reason.",
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
    pk = visible_strategy_id(actor, strategy_reference=strategy_reference, strategy_id=strategy_id)
    errors: dict[str, str] = {}
    amount = _decimal(errors, "value", value, what="the figure")
    note = _text(errors, "note", note, max_length=500)
    with transaction.atomic():
        strategy = locked_strategy(pk)
        organisation = party_organisation(strategy, actor)
        if organisation is None:
            raise NotPermitted(
                f"Only people at {strategy.lead_organisation} or at a partner organisation of {strategy.reference} "
                "can return its figures."
            )
        ensure_figures_accepted(strategy, "Figures are accepted")
        measure = measure_of(strategy, measure_code)
        clean_period = starts_on = None
        try:
            clean_period, starts_on = period_start(measure.period, period)
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
                    starts_on=starts_on,
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


def figure_correct(
    *,
    actor,
    strategy_reference: str | None = None,
    strategy_id: int | None = None,
    measure_code: str,
    period,
    value,
    reason,
    note: str | None = None,
    expected_version: int | None = None,
) -> PerformanceFigureCorrection:
    """Correct a figure already returned for one period of one of the strategy's measures, giving the reason, while
    the strategy is in Do or Review. `note` replaces the figure's note (None keeps it); `expected_version` is the
    strategy's version as the caller last saw it (a stale one is refused).

    The person must see the strategy (else StrategyNotFound) and hold a role at the organisation that returned the
    figure, as returning it needed. The earlier value and note are kept in a `PerformanceFigureCorrection`; the
    figure takes the new ones. Audited on the strategy as `correct_figure` (data: from, to, reason); bumps the
    strategy's version. Sends nothing."""
    pk = visible_strategy_id(actor, strategy_reference=strategy_reference, strategy_id=strategy_id)
    errors: dict[str, str] = {}
    amount = _decimal(errors, "value", value, what="the figure")
    if note is not None:
        note = _text(errors, "note", note, max_length=500)
    reason = _text(
        errors,
        "reason",
        reason,
        max_length=1000,
        required="Give the reason for the correction, for example the provider's revised return.",
    )
    with transaction.atomic():
        strategy = locked_strategy(pk)
        if party_organisation(strategy, actor) is None:
            raise NotPermitted(
                f"Only people at {strategy.lead_organisation} or at a partner organisation of {strategy.reference} "
                "can correct its figures."
            )
        check_version(strategy, expected_version)
        ensure_figures_accepted(strategy, "Figures can be corrected")
        measure = measure_of(strategy, measure_code)
        clean_period = None
        try:
            clean_period, _ = parse_period(measure.period, period)
        except ValueError as exc:
            errors["period"] = str(exc)
        if errors:
            raise InvalidInput({field: errors[field] for field in FIGURE_FIELDS if field in errors})
        figure = _existing_figure(measure, clean_period)
        if figure is None:
            raise FigureNotFound(
                f"No figure for {measure.code} {clean_period} has been returned, so there is nothing to correct. "
                "Return it instead."
            )
        if not holds_role_at(actor, figure.organisation_id):
            raise NotPermitted(
                f"Only people at {figure.organisation}, which returned it, can correct the figure for {measure.code} "
                f"{clean_period}."
            )
        new_note = figure.note if note is None else note
        if amount == figure.value and new_note == figure.note:
            raise InvalidInput(
                {"value": f"The figure for {clean_period} is {figure.value} already: give the corrected figure."}
            )
        correction = PerformanceFigureCorrection.objects.create(
            figure=figure,
            previous_value=figure.value,
            previous_note=figure.note,
            value=amount,
            note=new_note,
            reason=reason,
            organisation=figure.organisation,
            corrected_by=actor,
        )
        previous_value = figure.value
        figure.value, figure.note = amount, new_note
        figure.save(update_fields=["value", "note"])
        figure.audit_subject = strategy  # the row lives in the strategy's history and the events feed
        data = {
            "measure": measure.code,
            "period": clean_period,
            "from": str(previous_value),
            "to": str(amount),
            "reason": reason,
            "organisation": figure.organisation.code,
            "correction": correction.pk,
        }
        if new_note != correction.previous_note:
            data["note"] = {"from": correction.previous_note, "to": new_note}
        audit(figure, transition="correct_figure", actor=actor, reason=reason, data=data)
        record_strategy_change(strategy)
    return correction
