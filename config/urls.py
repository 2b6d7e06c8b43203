from django.conf import settings
from django.contrib import admin
from django.urls import include, path
from django.views.defaults import page_not_found

from config.problems import problem_response

admin.site.site_header = "Commissioning cycle administration"
admin.site.site_title = "Commissioning cycle"

urlpatterns = [
    path("accounts/", include("commissioning.identity.urls")),  # sign-in page, single sign-on, sign-out
    path("admin/", admin.site.urls),
    path("api/v1/", include("commissioning.api.urls")),
    path("", include("commissioning.web.urls")),
]


if settings.BENCHMARK_BASELINE:
    # `make bench` only, from a checkout: its yardstick /bench/baseline/ lives with the benchmarks (benchmarks/urls.py),
    # named by string so that the product never imports them; the production image has no benchmarks package.
    urlpatterns.append(path("bench/", include("benchmarks.urls")))


def handler404(request, exception=None):
    """problem+json for the API's unknown addresses; Django's page for the rest."""
    if request.path.startswith("/api/"):
        return problem_response(404, "There is nothing at this address in the API.", "not_found")
    return page_not_found(request, exception)


handler500 = "config.errors.handler500"
