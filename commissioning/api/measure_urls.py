from django.urls import path

from .measures import FigureCreateView, MeasureListView

# The `reference` converter (letters, digits, . _ -) is registered by `commissioning.api.urls`, which includes this.
# A measure's code is any text: one the strategy does not have is a 400 naming `measure` and listing the codes.
REFERENCE = "<reference:reference>"

urlpatterns = [
    path(f"strategies/{REFERENCE}/measures/", MeasureListView.as_view(), name="strategy-measures"),
    path(
        f"strategies/{REFERENCE}/measures/<str:code>/figures/",
        FigureCreateView.as_view(),
        name="strategy-measure-figures",
    ),
]
