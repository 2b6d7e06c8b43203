"""A person's deadlines as an iCalendar feed at a secret address, and the page that shows (and resets) it."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods
from icalendar import Calendar, Event

from commissioning import selectors
from commissioning.models import CalendarFeed
from commissioning.services import calendar_feeds


@login_required
@require_http_methods(["GET", "POST"])
def calendar(request):
    """The person's secret feed address; POST replaces the token, so the old address stops working."""
    if request.method == "POST":
        calendar_feeds.calendar_feed_reset(person=request.user)
        messages.success(request, "Your calendar link has been reset. The old link no longer works.")
        return redirect("calendar")
    feed = calendar_feeds.calendar_feed_of(person=request.user)
    url = request.build_absolute_uri(reverse("calendar-feed", args=[feed.token]))
    return render(request, "reports/calendar.html", {"feed": feed, "feed_url": url})


def deadlines_calendar(person, *, base_url: str) -> Calendar:
    """A VCALENDAR with one all-day event per pending seat the person may decide and per open action they own."""
    seats = list(selectors.seats_awaiting(person))
    actions = list(selectors.open_actions_of(person))
    strategies = selectors.strategy_names({item.gate.subject_id for item in [*seats, *actions]})
    calendar = Calendar()
    calendar.add("prodid", "-//Commissioning cycle//Deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Commissioning deadlines: {person}")
    calendar.add("x-published-ttl", dt.timedelta(hours=1))
    stamp = timezone.now().replace(microsecond=0)

    def event(uid: str, due_on: dt.date, summary: str, description: str, subject_id: int) -> Event:
        item = Event()
        item.add("uid", uid)
        item.add("dtstamp", stamp)
        item.add("dtstart", due_on)
        item.add("dtend", due_on + dt.timedelta(days=1))
        item.add("summary", summary)
        reference = strategies.get(subject_id)
        if reference:
            url = f"{base_url}/strategies/{reference[0]}/"
            item.add("description", f"{description}\n\nStrategy {reference[0]}: {reference[1]}\n{url}")
            item.add("url", url)
        else:
            item.add("description", description)
        item.add("transp", "TRANSPARENT")
        return item

    for seat in seats:
        calendar.add_component(
            event(
                f"seat-{seat.pk}@commissioning",
                seat.due_on,
                f"Sign-off due: {seat.gate.title}",
                f"Your sign-off is needed as {seat.label} by {seat.due_on:%-d %B %Y}.",
                seat.gate.subject_id,
            )
        )
    for action in actions:
        short = action.description if len(action.description) <= 80 else action.description[:79] + "…"
        calendar.add_component(
            event(
                f"action-{action.pk}@commissioning",
                action.due_on,
                f"Action due: {short}",
                f"Due by {action.due_on:%-d %B %Y}: {action.description}\n\nGate: {action.gate.title}",
                action.gate.subject_id,
            )
        )
    return calendar


@require_GET
def calendar_feed(request, token: str):
    feed = get_object_or_404(CalendarFeed.objects.select_related("person"), token=token, person__is_active=True)
    base_url = request.build_absolute_uri("/").rstrip("/")
    body = deadlines_calendar(feed.person, base_url=base_url).to_ical()
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="commissioning-deadlines.ics"'
    response["Cache-Control"] = "private, max-age=0, no-cache"
    response["X-Robots-Tag"] = "noindex"
    return response
