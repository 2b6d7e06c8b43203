from django.shortcuts import render
from django.utils import timezone

from . import selectors


def home(request):
    """What the service is; for a signed-in person, their roles, the seats waiting for them and their strategies."""
    context = {}
    if request.user.is_authenticated:
        context = {
            "roles": selectors.roles_of(request.user),
            "seats": selectors.seats_awaiting(request.user)[:50],
            "strategies": selectors.strategies_led_by(request.user),
            "today": timezone.localdate(),
        }
    return render(request, "home.html", context)
