"""Sign-off, call-in, delegations and notifications."""

from django.urls import path

from . import signoff

urlpatterns = [
    path("seats/<int:seat_id>/", signoff.seat_signoff, name="seat-signoff"),
    path("strategies/<str:reference>/call-in/", signoff.decision_call_in, name="decision-call-in"),
    path("strategies/<str:reference>/refer-back/", signoff.decision_refer_back, name="decision-refer-back"),
    path("delegations/", signoff.delegations, name="delegations"),
    path("delegations/<int:delegation_id>/revoke/", signoff.delegation_revoke, name="delegation-revoke"),
    path("notifications/", signoff.notifications, name="notifications"),
    path("notifications/read/", signoff.notifications_read, name="notifications-read"),
]
