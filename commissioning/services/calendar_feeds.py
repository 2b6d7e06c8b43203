"""A person's secret iCalendar feed address: made when they first ask for it, replaced when they reset it (so the
old address stops working at once)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone

from ..models import CalendarFeed, _new_calendar_token


def calendar_feed_of(*, person) -> CalendarFeed:
    """The person's feed, made now if they have none."""
    feed, _ = CalendarFeed.objects.get_or_create(person=person)
    return feed


def calendar_feed_reset(*, person) -> CalendarFeed:
    """Give the person's feed a new secret token; the old address answers 404 from now on."""
    with transaction.atomic():
        feed, _ = CalendarFeed.objects.select_for_update().get_or_create(person=person)
        feed.token = _new_calendar_token()
        feed.created_at = timezone.now()
        feed.save(update_fields=["token", "created_at"])
    return feed
