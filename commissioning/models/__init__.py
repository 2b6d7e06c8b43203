"""The commissioning domain: organisations, people and roles, strategies and their stage machine, evidence,
and the gate policies that decide who signs off each stage.

The models live in modules by what they hold; import them from here (`from commissioning.models import Strategy`):

- `people`: people, organisations and role assignments
- `strategies`: strategies, their stage machine, partners, stage periods and evidence
- `policies`: gate policies and their seat rules
- `outcomes`: performance reviews, outcome measures and performance figures
- `partners`: webhook subscriptions and calendar feeds
- `audiences`: a change counter per organisation, for cheap polling
"""

# Imported in the order the models were declared when this was one module: the app registry (and so
# `apps.get_models()` and the content types a fresh database gets) lists them in that order.
# isort: off
from .people import (
    OFFICER_ROLES,
    SCRUTINY_ROLES,
    Organisation,
    OrganisationKind,
    Role,
    RoleAssignment,
    User,
    active_on,
)
from .strategies import (
    ADVANCE_FROM,
    CYCLE_STAGES,
    DeliveryChannel,
    Evidence,
    EvidenceStatus,
    EvidenceTemplate,
    PartnerKind,
    Recommendation,
    ServiceArea,
    Stage,
    StagePeriod,
    Strategy,
    StrategyPartner,
    can_manage_strategy,
)
from .policies import GatePolicy, KeyDecisionScope, SeatParty, SeatRule
from .outcomes import OutcomeMeasure, PerformanceFigure, PerformanceFigureCorrection, PerformanceReview
from .partners import CalendarFeed, WebhookSubscription
from .audiences import AudienceCounter
# isort: on

# Migration 0009 names the feed token's default `commissioning.models._new_calendar_token`: keep it importable here.
from .partners import _new_calendar_token  # noqa: F401

__all__ = [
    "ADVANCE_FROM",
    "CYCLE_STAGES",
    "OFFICER_ROLES",
    "SCRUTINY_ROLES",
    "AudienceCounter",
    "CalendarFeed",
    "DeliveryChannel",
    "Evidence",
    "EvidenceStatus",
    "EvidenceTemplate",
    "GatePolicy",
    "KeyDecisionScope",
    "Organisation",
    "OrganisationKind",
    "OutcomeMeasure",
    "PartnerKind",
    "PerformanceFigure",
    "PerformanceFigureCorrection",
    "PerformanceReview",
    "Recommendation",
    "Role",
    "RoleAssignment",
    "SeatParty",
    "SeatRule",
    "ServiceArea",
    "Stage",
    "StagePeriod",
    "Strategy",
    "StrategyPartner",
    "User",
    "WebhookSubscription",
    "active_on",
    "can_manage_strategy",
]
