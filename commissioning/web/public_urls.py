"""Public pages (no sign-in), the reports and the iCalendar feed of a person's deadlines."""

from django.urls import path

from . import public, reports

urlpatterns = [
    path("forward-plan/", public.forward_plan_page, name="forward-plan"),
    path("decisions/", public.records_of_decision, name="records-of-decision"),
    path("decisions/<int:decision_id>/", public.record_of_decision, name="record-of-decision"),
    path("reports/", reports.reports, name="reports"),
    path("reports/<slug:name>.csv", reports.report_csv, name="report-csv"),
    path("calendar/", reports.calendar, name="calendar"),
    path("calendar/<slug:token>.ics", reports.calendar_feed, name="calendar-feed"),
]
