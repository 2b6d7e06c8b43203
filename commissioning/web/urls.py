"""Every page's address, grouped by the module that serves it."""

from django.urls import path

from . import (
    calendar,
    delegations,
    home,
    measures,
    notifications,
    open_data,
    public,
    public_trail,
    reports,
    scrutiny,
    signoff,
    statements,
    strategies,
    tokens,
    urgency,
)
from . import strategy_actions as actions

urlpatterns = [
    path("", home.home, name="home"),
    # strategies
    path("strategies/", strategies.strategy_list, name="strategy-list"),
    path("strategies/new/", strategies.strategy_create, name="strategy-create"),
    path("strategies/<str:reference>/", strategies.strategy_detail, name="strategy-detail"),
    path("strategies/<str:reference>/history/", strategies.strategy_history, name="strategy-history"),
    path("strategies/<str:reference>/edit/", strategies.strategy_edit, name="strategy-edit"),
    path("strategies/<str:reference>/evidence/<int:evidence_id>/", strategies.evidence_edit, name="evidence-edit"),
    path("strategies/<str:reference>/submit/", actions.strategy_submit, name="strategy-submit"),
    path("strategies/<str:reference>/withdraw/", actions.strategy_withdraw, name="strategy-withdraw"),
    path("strategies/<str:reference>/advance/", actions.strategy_advance, name="strategy-advance"),
    path("strategies/<str:reference>/forward-plan/", actions.strategy_forward_plan, name="strategy-forward-plan"),
    path("strategies/<str:reference>/measures/new/", measures.measure_create, name="measure-create"),
    path("strategies/<str:reference>/figures/correct/", measures.figure_correct, name="figure-correct"),
    # sign-off and scrutiny
    path("seats/<int:seat_id>/", signoff.seat_signoff, name="seat-signoff"),
    path("strategies/<str:reference>/call-in/", scrutiny.decision_call_in, name="decision-call-in"),
    path("strategies/<str:reference>/refer-back/", scrutiny.decision_refer_back, name="decision-refer-back"),
    path("strategies/<str:reference>/call-in-exemption/", urgency.call_in_exemption, name="call-in-exemption"),
    # deputies and notifications
    path("delegations/", delegations.delegations, name="delegations"),
    path("delegations/<int:delegation_id>/revoke/", delegations.delegation_revoke, name="delegation-revoke"),
    path("api-tokens/", tokens.api_tokens, name="api-tokens"),
    path("api-tokens/<str:token_key>/revoke/", tokens.api_token_revoke, name="api-token-revoke"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
    # the public, reports and the calendar feed
    path("forward-plan/", public.forward_plan_page, name="forward-plan"),
    path("decisions/", public.records_of_decision, name="records-of-decision"),
    path("decisions/<int:decision_id>/", public.record_of_decision, name="record-of-decision"),
    # the audit trail's published chain heads, and each record's proof against them
    path("decisions/chain/", public_trail.chain_page, name="audit-chain"),
    path("decisions/chain.json", public_trail.chain_json, name="audit-chain-json"),
    path("decisions/<int:decision_id>/proof.json", public_trail.record_proof_json, name="record-of-decision-proof"),
    # open data: the same, as Atom, JSON and CSV, and procurement as OCDS release packages
    path("open-data/", open_data.open_data, name="open-data"),
    path("forward-plan.atom", open_data.ForwardPlanFeed(), name="forward-plan-atom"),
    path("forward-plan.json", open_data.forward_plan_json, name="forward-plan-json"),
    path("forward-plan.csv", open_data.forward_plan_csv, name="forward-plan-csv"),
    path("decisions.atom", open_data.DecisionsFeed(), name="decisions-atom"),
    path("decisions.json", open_data.decisions_json, name="decisions-json"),
    path("decisions.csv", open_data.decisions_csv, name="decisions-csv"),
    path("open-data/ocds/<str:reference>.json", open_data.ocds_package, name="open-data-ocds"),
    path("reports/", reports.reports, name="reports"),
    path("reports/<slug:name>.csv", reports.report_csv, name="report-csv"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/<slug:token>.ics", calendar.calendar_feed, name="calendar-feed"),
    # the statements every public service publishes, linked from every page's footer
    path("accessibility/", statements.accessibility_statement, name="accessibility"),
    path("privacy/", statements.privacy_notice, name="privacy"),
    path("cookies/", statements.cookies, name="cookies"),
]
