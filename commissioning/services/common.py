"""What every service of the domain does first and last: lock the strategy (and refuse a stale version), check the
person may manage it and that its content may change, and record that it changed (its version is what a partner's
poll compares). Lock order, everywhere: strategy, then gate, then seat."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal, InvalidOperation

from django.db import connection
from django.utils import timezone

from workflows.exceptions import ContentFrozen, InvalidInput, NotPermitted
from workflows.models import GateState
from workflows.transitions import check_version, lock, record_change

from ..models import AudienceCounter, Stage, Strategy, can_manage_strategy
from ..selectors import audiences_of

MAX_MONEY = Decimal("999999999999.99")


def require_manager_of(strategy: Strategy, actor, doing: str) -> None:
    if not can_manage_strategy(strategy, actor):
        raise NotPermitted(
            f"Only the lead officer, or a commissioning officer or manager at {strategy.lead_organisation}, can "
            f"{doing}."
        )


def record_strategy_change(strategy: Strategy, *fields: str, also_shown_to: Iterable[int] = ()) -> None:
    """Record that something about the locked strategy changed (saving `fields` with it): its version goes up, and
    so does the change counter of every organisation it is shown to (and of `also_shown_to`: those it was shown to
    until this change)."""
    record_change(strategy, *fields)
    tell_audiences(audiences_of([strategy.pk]) | set(also_shown_to))


def tell_audiences(organisation_ids: Iterable[int]) -> None:
    """Add one to the change counter of each organisation (creating it at 1), in the caller's transaction. The rows
    are locked in id order, so two writers never wait for each other in a circle."""
    ids = sorted(set(organisation_ids))
    if not ids:
        return
    table = connection.ops.quote_name(AudienceCounter._meta.db_table)
    rows = ", ".join(["(%s, 1, %s)"] * len(ids))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (organisation_id, changes, changed_at) VALUES {rows} "  # noqa: S608 (no input)
            f"ON CONFLICT (organisation_id) DO UPDATE SET changes = {table}.changes + 1, "
            "changed_at = excluded.changed_at",
            [value for organisation_id in ids for value in (organisation_id, now)],
        )


def locked_strategy(strategy_id: int, expected_version: int | None = None) -> Strategy:
    try:
        strategy = lock(Strategy, strategy_id)
    except Strategy.DoesNotExist as exc:
        raise InvalidInput({"strategy": "No such strategy."}) from exc
    check_version(strategy, expected_version)
    return strategy


def ensure_content_editable(strategy: Strategy) -> None:
    if strategy.stage == Stage.CLOSED:
        raise ContentFrozen("This strategy is closed: it was decommissioned and can no longer change.")
    if strategy.content_frozen:
        raise ContentFrozen(
            f"The {strategy.get_stage_display()} gate is '{strategy.current_gate.get_state_display().lower()}', so "
            "what was submitted cannot change. Withdraw the gate to make changes"
            + (" (only possible while it is submitted)." if strategy.current_gate.state != GateState.SUBMITTED else ".")
        )


def money(errors: dict[str, str], field: str, value) -> Decimal | None:
    if value is None or value == "":
        errors[field] = "Enter an amount in pounds, for example 250000."
        return None
    try:
        amount = Decimal(str(value).replace(",", "").replace("£", "").strip())
    except (InvalidOperation, ValueError):
        errors[field] = "Enter an amount in pounds, for example 250000."
        return None
    if not amount.is_finite():
        errors[field] = "Enter an amount in pounds, for example 250000."
        return None
    if amount < 0:
        errors[field] = "The amount cannot be negative."
    elif amount > MAX_MONEY:
        errors[field] = "The amount is too large."
    elif amount != amount.quantize(Decimal("0.01")):
        errors[field] = "Give the amount to the nearest penny."
    return amount
