"""The strategy pages."""

from django.urls import path

from . import strategies

urlpatterns = [
    path("strategies/", strategies.strategy_list, name="strategy-list"),
    path("strategies/new/", strategies.strategy_create, name="strategy-create"),
    path("strategies/<str:reference>/", strategies.strategy_detail, name="strategy-detail"),
    path("strategies/<str:reference>/history/", strategies.strategy_history, name="strategy-history"),
    path("strategies/<str:reference>/edit/", strategies.strategy_edit, name="strategy-edit"),
    path("strategies/<str:reference>/evidence/<int:evidence_id>/", strategies.evidence_edit, name="evidence-edit"),
    path("strategies/<str:reference>/submit/", strategies.strategy_submit, name="strategy-submit"),
    path("strategies/<str:reference>/withdraw/", strategies.strategy_withdraw, name="strategy-withdraw"),
    path("strategies/<str:reference>/advance/", strategies.strategy_advance, name="strategy-advance"),
    path("strategies/<str:reference>/forward-plan/", strategies.strategy_forward_plan, name="strategy-forward-plan"),
]
