"""A person's in-app notifications, newest first, and marking them read."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from commissioning import selectors
from workflows import services as engine
from workflows.models import Notification

NOTIFICATIONS_PER_PAGE = 50


@login_required
def notifications(request):
    """The person's in-app notifications, newest first, 50 a page."""
    queryset = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-pk")
    page = Paginator(queryset, NOTIFICATIONS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "unread": selectors.unread_notification_count(request.user)}
    return render(request, "signoff/notifications.html", context)


@login_required
@require_POST
def notifications_read(request):
    """Mark all the person's notifications read, or the one named by `notification`."""
    raw = request.POST.get("notification", "").strip()
    notification_id = None
    if raw:
        if not raw.isdigit() or not Notification.objects.filter(pk=int(raw), recipient=request.user).exists():
            raise Http404("No such notification.")
        notification_id = int(raw)
    changed = engine.notifications_mark_read(user=request.user, notification_id=notification_id)
    if notification_id is not None:
        messages.success(request, "Notification marked as read.")
    else:
        messages.success(request, f"{changed} notification{'' if changed == 1 else 's'} marked as read.")
    return redirect("notifications")
