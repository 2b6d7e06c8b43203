"""Admin for the domain. Administrators configure organisations, people and roles, evidence templates and gate
policies here. Strategies are created and changed only through the services (pages and API): the admin shows
them read-only.

The admin classes live in modules by model family; importing this package registers them all:

- `display`: how money and stages are shown and ordered
- `people`: people, organisations and role assignments
- `policies`: evidence templates, and gate policies with their seat rules
- `partners`: webhook subscriptions and calendar feeds, without their secrets
- `strategies`: strategies (read-only)
- `outcomes`: outcome measures (added through the same service as the strategy page) and their figures
"""

from .display import money, stage_order

# Registered in the order they were declared when this was one module.
# isort: off
from .people import (
    OrganisationAdmin,
    OrganisationRoleInline,
    PersonAdmin,
    PersonRoleInline,
    RoleAssignmentAdmin,
)
from .partners import CalendarFeedAdmin, WebhookSubscriptionAdmin
from .policies import EvidenceTemplateAdmin, GatePolicyAdmin, SeatRuleInline
from .strategies import (
    EvidenceInline,
    StrategyAdmin,
    StrategyPartnerInline,
)
from .outcomes import MeasureAdmin, MeasureFigureInline
# isort: on

__all__ = [
    "CalendarFeedAdmin",
    "EvidenceInline",
    "EvidenceTemplateAdmin",
    "GatePolicyAdmin",
    "MeasureAdmin",
    "MeasureFigureInline",
    "OrganisationAdmin",
    "OrganisationRoleInline",
    "PersonAdmin",
    "PersonRoleInline",
    "RoleAssignmentAdmin",
    "SeatRuleInline",
    "StrategyAdmin",
    "StrategyPartnerInline",
    "WebhookSubscriptionAdmin",
    "money",
    "stage_order",
]
