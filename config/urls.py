from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import JsonResponse
from django.urls import include, path
from django.views.defaults import page_not_found

from commissioning import views
from commissioning.web.forms import SignInForm

admin.site.site_header = "Commissioning cycle administration"
admin.site.site_title = "Commissioning cycle"

urlpatterns = [
    path("", views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True, authentication_form=SignInForm),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("commissioning.api.urls")),
    path("", include("commissioning.web.urls")),
]


if settings.BENCHMARK_BASELINE:
    # `make bench`'s yardstick: a bare view with a fixed JSON body, through the same middleware, server and settings.
    def baseline(request):
        return JsonResponse({"status": "ok", "detail": "A fixed body, for measuring the stack itself."})

    urlpatterns.append(path("bench/baseline/", baseline, name="bench-baseline"))


def handler404(request, exception=None):
    """problem+json for the API's unknown addresses; Django's page for the rest."""
    if request.path.startswith("/api/"):
        from commissioning.api.errors import PROBLEM, problem_body

        body = problem_body(404, "There is nothing at this address in the API.", "not_found")
        return JsonResponse(body, status=404, content_type=PROBLEM)
    return page_not_found(request, exception)


handler500 = "config.errors.handler500"
