"""Writing the planned rows: ids chosen before writing (`Ids`), the columns of every table written (`COLUMNS`,
checked against the models), and COPY on PostgreSQL or bulk_create elsewhere (`Writer`)."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable

from django.db import connection, models
from django.db.models import Max

from commissioning.models import (
    Evidence,
    Organisation,
    RoleAssignment,
    StagePeriod,
    Strategy,
    StrategyPartner,
    User,
)
from workflows.models import (
    Action,
    AuditChain,
    AuditEvent,
    Decision,
    Delegation,
    Gate,
    GateSnapshot,
    RecordOfDecision,
    Seat,
)

from .targets import BenchDataError


class Ids:
    """Primary keys chosen before writing: each table continues from its largest id."""

    def __init__(self) -> None:
        self.next_ids: dict[type[models.Model], int] = {}

    def next(self, model: type[models.Model]) -> int:
        if model not in self.next_ids:
            self.next_ids[model] = (model._default_manager.aggregate(top=Max("pk"))["top"] or 0) + 1
        value = self.next_ids[model]
        self.next_ids[model] = value + 1
        return value


COLUMNS: dict[type[models.Model], tuple[str, ...]] = {
    User: (
        "id", "password", "last_login", "is_superuser", "username", "first_name", "last_name", "email", "is_staff",
        "is_active", "date_joined", "job_title",
    ),
    Organisation: (
        "id", "name", "code", "kind", "escalation_contact_id", "key_decision_revenue_threshold",
        "key_decision_capital_threshold", "call_in_working_days", "urgent_decisions_may_skip_call_in",
        "officer_decision_threshold", "representations_text",
    ),
    RoleAssignment: ("id", "person_id", "organisation_id", "role", "starts_on", "ends_on"),
    Delegation: (
        "id", "principal_id", "deputy_id", "starts_on", "ends_on", "reason", "created_by_id", "created_at",
        "revoked_at",
    ),
    Gate: (
        "id", "subject_type_id", "subject_id", "stage", "cycle", "title", "state", "version", "round", "snapshot_hash",
        "submitted_at", "submitted_by_id", "decided_at", "passed_at", "key_decision", "notice_published_on",
        "intended_decision_date", "decision_not_before", "urgency_reason", "urgency_agreed_by_id", "urgency_agreed_at",
        "call_in_working_days", "call_in_ends_at", "called_in_at", "called_in_by_id", "call_in_reason", "created_at",
        "updated_at", "notice_matter", "notice_decision_maker", "notice_documents", "call_in_exemption_reason",
        "call_in_exemption_agreed_by_id", "call_in_exemption_agreed_at",
    ),
    Strategy: (
        "id", "reference", "title", "summary", "service_area", "lead_organisation_id", "lead_officer_id",
        "annual_value", "total_contract_value", "capital_value", "pooled_budget", "stage", "cycle", "stage_entered_at",
        "delivery_channel", "recommendation", "next_review_date", "review_cadence_months", "current_gate_id",
        "version", "created_at", "updated_at",
    ),
    StrategyPartner: ("id", "strategy_id", "organisation_id", "kind"),
    StagePeriod: ("id", "strategy_id", "cycle", "stage", "entered_at", "left_at"),
    Evidence: (
        "id", "strategy_id", "cycle", "stage", "template_id", "title", "required", "position", "status", "content",
        "link", "completed_by_id", "completed_at", "updated_at",
    ),
    GateSnapshot: ("id", "gate_id", "round", "content", "content_hash", "created_at", "created_by_id", "note"),
    Seat: (
        "id", "gate_id", "round", "role", "organisation_id", "person_id", "label", "required_approvals",
        "requires_record_of_decision", "state", "due_on", "decided_at", "created_at",
    ),
    Decision: (
        "id", "seat_id", "gate_id", "actor_id", "on_behalf_of_id", "principal_id", "outcome", "reasons",
        "snapshot_hash", "decided_at",
    ),
    RecordOfDecision: (
        "id", "decision_id", "decision_text", "reasons", "alternatives_considered", "conflicts_of_interest",
        "dispensations",
    ),
    Action: (
        "id", "gate_id", "decision_id", "description", "owner_id", "due_on", "state", "completed_at", "created_at",
    ),
    AuditEvent: (
        "id", "occurred_at", "actor_id", "on_behalf_of_id", "object_type_id", "object_id", "object_repr",
        "subject_type_id", "subject_id", "transition", "from_state", "to_state", "reason", "snapshot_hash", "data",
        "chain_id", "chain_position", "previous_hash", "content_hash",
    ),
    AuditChain: ("id", "key", "subject_type_id", "subject_id", "length", "head_hash", "updated_at"),
}  # fmt: skip
TABLE_KEYS = {
    User: "people",
    Organisation: "organisations",
    RoleAssignment: "role_assignments",
    Delegation: "delegations",
    Gate: "gates",
    Strategy: "strategies",
    StrategyPartner: "strategy_partners",
    StagePeriod: "stage_periods",
    Evidence: "evidence",
    GateSnapshot: "gate_snapshots",
    Seat: "seats",
    Decision: "decisions",
    RecordOfDecision: "records_of_decision",
    Action: "actions",
    AuditEvent: "audit_events",
    AuditChain: "audit_chains",
}
WRITE_ORDER = [
    User,
    Organisation,
    RoleAssignment,
    Delegation,
    Gate,
    Strategy,
    StrategyPartner,
    StagePeriod,
    Evidence,
    GateSnapshot,
    Seat,
    Decision,
    RecordOfDecision,
    Action,
    AuditEvent,
    AuditChain,  # after the events: their chains' heads are known once every event is sealed
]


def check_columns() -> None:
    """Every column of every table written is given a value: a model change must be reflected here."""
    for model, columns in COLUMNS.items():
        expected = {f.attname for f in model._meta.concrete_fields}
        if set(columns) != expected:
            raise BenchDataError(
                f"benchmarks/data/writer.py is out of date for {model.__name__}: it writes "
                f"{sorted(set(columns) - expected)} that do not exist and misses {sorted(expected - set(columns))}."
            )


class Writer:
    """Writes rows (tuples in `COLUMNS` order) with COPY on PostgreSQL, bulk_create elsewhere; times each table."""

    BATCH = 5000

    def __init__(self, log: Callable[[str], None]) -> None:
        self.log = log
        self.postgres = connection.vendor == "postgresql"
        self.counts: dict[str, int] = {}
        self.seconds: dict[str, float] = {}

    def write(self, model: type[models.Model], rows: Iterable[tuple]) -> int:
        columns = COLUMNS[model]
        json_at = [i for i, name in enumerate(columns) if isinstance(model._meta.get_field(name), models.JSONField)]
        started = time.perf_counter()
        written = 0
        if self.postgres:
            quote = connection.ops.quote_name
            names = ", ".join(quote(model._meta.get_field(name).column) for name in columns)
            sql = f"COPY {quote(model._meta.db_table)} ({names}) FROM STDIN"
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    if json_at:
                        row = list(row)
                        for i in json_at:
                            row[i] = json.dumps(row[i], ensure_ascii=False, separators=(",", ":"))
                    copy.write_row(row)
                    written += 1
        else:
            batch = []
            for row in rows:
                batch.append(model(**dict(zip(columns, row, strict=True))))
                if len(batch) == self.BATCH:
                    model._default_manager.bulk_create(batch)
                    written += len(batch)
                    batch = []
            if batch:
                model._default_manager.bulk_create(batch)
                written += len(batch)
        seconds = time.perf_counter() - started
        label = TABLE_KEYS[model]
        self.counts[label] = written
        self.seconds[label] = round(seconds, 2)
        rate = f"{written / seconds:,.0f} rows/s" if seconds > 0 and written else ""
        self.log(f"  {label:<20} {written:>9,} rows {seconds:7.2f} s  {rate}")
        return written
