"""`make bench`'s yardsticks: `/bench/baseline/`, a bare view with a fixed JSON body through the same middleware,
server and settings as the product, and `/bench/peer/strategies/` (see `peer`). `config/urls.py` includes this only
when `BENCHMARK_BASELINE` is on, which `make bench` sets for the gunicorn it starts from a checkout; the production
image has no benchmarks package."""

from django.http import JsonResponse
from django.urls import include, path


def baseline(request):
    return JsonResponse({"status": "ok", "detail": "A fixed body, for measuring the stack itself."})


urlpatterns = [
    path("baseline/", baseline, name="bench-baseline"),
    path("peer/", include("benchmarks.peer")),  # the same list and detail as a typical Django team builds them
]
