"""Every page's address, grouped by the module that serves it."""

from django.urls import path

from . import calendar, delegations, home, notifications, public, reports, scrutiny, signoff, statements, strategies
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
    # sign-off and scrutiny
    path("seats/<int:seat_id>/", signoff.seat_signoff, name="seat-signoff"),
    path("strategies/<str:reference>/call-in/", scrutiny.decision_call_in, name="decision-call-in"),
    path("strategies/<str:reference>/refer-back/", scrutiny.decision_refer_back, name="decision-refer-back"),
    # deputies and notifications
    path("delegations/", delegations.delegations, name="delegations"),
    path("delegations/<int:delegation_id>/revoke/", delegations.delegation_revoke, name="delegation-revoke"),
    path("notifications/", notifications.notifications, name="notifications"),
    path("notifications/read/", notifications.notifications_read, name="notifications-read"),
    # the public, reports and the calendar feed
    path("forward-plan/", public.forward_plan_page, name="forward-plan"),
    path("decisions/", public.records_of_decision, name="records-of-decision"),
    path("decisions/<int:decision_id>/", public.record_of_decision, name="record-of-decision"),
    path("reports/", reports.reports, name="reports"),
    path("reports/<slug:name>.csv", reports.report_csv, name="report-csv"),
    path("calendar/", calendar.calendar, name="calendar"),
    path("calendar/<slug:token>.ics", calendar.calendar_feed, name="calendar-feed"),
    # the statements every public service publishes, linked from every page's footer
    path("accessibility/", statements.accessibility_statement, name="accessibility"),
    path("privacy/", statements.privacy_notice, name="privacy"),
    path("cookies/", statements.cookies, name="cookies"),
]
