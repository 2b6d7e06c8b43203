"""Admin for the domain. Administrators configure organisations, people and roles, evidence templates and gate
policies here. Strategies are created and changed only through the services (pages and API): the admin shows
them read-only.

The admin classes live in modules by model family; importing this package registers them all:

- `display`: how money and stages are shown and ordered
- `people`: people, organisations and role assignments
- `policies`: evidence templates, and gate policies with their seat rules
- `strategies`: strategies, and their outcome measures and performance figures (read-only)
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
from .policies import EvidenceTemplateAdmin, GatePolicyAdmin, SeatRuleInline
from .strategies import (
    EvidenceInline,
    OutcomeMeasureAdmin,
    PerformanceFigureInline,
    StrategyAdmin,
    StrategyPartnerInline,
)
# isort: on

__all__ = [
    "EvidenceInline",
    "EvidenceTemplateAdmin",
    "GatePolicyAdmin",
    "OrganisationAdmin",
    "OrganisationRoleInline",
    "OutcomeMeasureAdmin",
    "PerformanceFigureInline",
    "PersonAdmin",
    "PersonRoleInline",
    "RoleAssignmentAdmin",
    "SeatRuleInline",
    "StrategyAdmin",
    "StrategyPartnerInline",
    "money",
    "stage_order",
]
