"""Reads that pages, the API and the services share, always scoped to what the person may see. Each module owns its
queries' select_related/prefetch_related, so a page's query count does not grow with its rows.

- `strategies`: which strategies a person may see, and the API's view of them;
- `polling`: the same reads a partner's poll makes, as SQL written once (kept equal to `strategies` by tests);
- `queue`: a person's sign-off queue and actions falling due;
- `people`: a person's roles and organisations, deputies and condition owners they may choose, notifications;
- `reports`: the reports' figures;
- `measures`: outcome measures with their figures;
- `webhooks`: an organisation's webhooks and their deliveries.
"""

from .measures import measures_with_figures
from .people import (
    condition_owners,
    holds_any_role,
    officer_organisations,
    officers_at,
    organisation_ids_for_roles,
    organisations_of,
    personal_tokens_of,
    possible_deputies,
    roles_of,
    unread_notification_count,
)
from .polling import events_after, visible_strategy_version
from .queue import (
    QueueCounts,
    QueueRow,
    actions_due_for,
    authority_of,
    open_actions_of,
    seats_awaiting,
    signoff_queue_counts,
    signoff_queue_for,
)
from .strategies import (
    audience_changes,
    audiences_of,
    call_in_windows_for,
    current_seats_of,
    holds_role_anywhere,
    missing_evidence_counts,
    partner_strategies_for,
    rejections_of,
    strategies_for_api,
    strategies_led_by,
    strategies_visible_to,
    strategy_names,
)

__all__ = [
    "QueueCounts",
    "QueueRow",
    "actions_due_for",
    "audience_changes",
    "audiences_of",
    "authority_of",
    "call_in_windows_for",
    "condition_owners",
    "current_seats_of",
    "events_after",
    "holds_any_role",
    "holds_role_anywhere",
    "measures_with_figures",
    "missing_evidence_counts",
    "officer_organisations",
    "officers_at",
    "open_actions_of",
    "organisation_ids_for_roles",
    "organisations_of",
    "partner_strategies_for",
    "personal_tokens_of",
    "possible_deputies",
    "rejections_of",
    "roles_of",
    "seats_awaiting",
    "signoff_queue_counts",
    "signoff_queue_for",
    "strategies_for_api",
    "strategies_led_by",
    "strategies_visible_to",
    "strategy_names",
    "unread_notification_count",
    "visible_strategy_version",
]
