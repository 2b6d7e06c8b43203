"""The pages. Each area keeps its own module and url list; this one joins them."""

from django.urls import include, path

urlpatterns = [
    path("", include("commissioning.web.strategy_urls")),
    path("", include("commissioning.web.signoff_urls")),
    path("", include("commissioning.web.public_urls")),
]
