"""In-app notifications: a person marks theirs read."""

from __future__ import annotations

from django.utils import timezone

from ..models import Notification


def notifications_mark_read(*, user, notification_id: int | None = None) -> int:
    """Mark the person's unread notifications (or just the one given, if it is theirs) read; how many changed."""
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_id is not None:
        unread = unread.filter(pk=notification_id)
    return unread.update(read_at=timezone.now())
