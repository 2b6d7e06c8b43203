from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path, register_converter
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView
from rest_framework.response import Response

from . import changes, measures, seats, views, webhooks
from .polling import fast_poll

app_name = "api"


class ReferenceConverter:
    """A strategy reference: letters, digits, dots, hyphens and underscores (anything else cannot be one)."""

    regex = "[A-Za-z0-9][A-Za-z0-9._-]{0,39}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(ReferenceConverter, "reference")
REFERENCE = "<reference:reference>"

# The API documentation runs Swagger UI and Redoc, served from here, with no inline script (Swagger UI's set-up
# script is a separate file); both set styles from their script, which the policy allows on these two pages only.
DOCS_POLICY = csp_update({"style-src": [UNSAFE_INLINE], "worker-src": ["blob:"]})


class SchemaView(SpectacularAPIView):
    """The OpenAPI schema, generated once per process (it takes seconds, and only a new release changes it)."""

    _generated: dict = {}

    def _get_schema_response(self, request):
        version = self.api_version or request.version or self._get_version_parameter(request)
        if version not in self._generated:
            generator = self.generator_class(urlconf=self.urlconf, api_version=version, patterns=self.patterns)
            self._generated[version] = generator.get_schema(request=request, public=self.serve_public)
        disposition = f'inline; filename="{self._get_filename(request, version)}"'
        return Response(data=self._generated[version], headers={"Content-Disposition": disposition})


urlpatterns = [
    # An unchanged token poll of these two is answered 304 before DRF's dispatch (see api.polling).
    path("strategies/", fast_poll(views.StrategyListView.as_view(), kind="list"), name="strategy-list"),
    path(
        f"strategies/{REFERENCE}/",
        fast_poll(views.StrategyDetailView.as_view(), kind="strategy"),
        name="strategy-detail",
    ),
    path(f"strategies/{REFERENCE}/history/", views.StrategyHistoryView.as_view(), name="strategy-history"),
    path(f"strategies/{REFERENCE}/decisions/", views.StrategyDecisionsView.as_view(), name="strategy-decisions"),
    path(f"strategies/{REFERENCE}/changes/", changes.StrategyChangesView.as_view(), name="strategy-changes"),
    path("events/", views.EventFeedView.as_view(), name="events"),
    path("seats/", seats.SeatQueueView.as_view(), name="seat-queue"),
    path("seats/<int:seat_id>/decision/", seats.SeatDecisionView.as_view(), name="seat-decision"),
    # A measure's code is any text: one the strategy does not have is a 400 naming `measure` and listing the codes.
    path(f"strategies/{REFERENCE}/measures/", measures.MeasureListView.as_view(), name="strategy-measures"),
    path(
        f"strategies/{REFERENCE}/measures/<str:code>/figures/",
        measures.FigureCreateView.as_view(),
        name="strategy-measure-figures",
    ),
    path(
        f"strategies/{REFERENCE}/measures/<str:code>/corrections/",
        measures.FigureCorrectionView.as_view(),
        name="strategy-measure-corrections",
    ),
    path("webhooks/", webhooks.WebhookListView.as_view(), name="webhook-list"),
    path("webhooks/<int:pk>/", webhooks.WebhookDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/deliveries/", webhooks.WebhookDeliveriesView.as_view(), name="webhook-deliveries"),
    path("schema/", SchemaView.as_view(api_version="v1"), name="schema"),
    path("docs/", DOCS_POLICY(SpectacularSwaggerSplitView.as_view(url_name="api:schema")), name="docs"),
    path("redoc/", DOCS_POLICY(SpectacularRedocView.as_view(url_name="api:schema")), name="redoc"),
]
