"""The strategy pages: the list, creating a strategy, its page and history, editing it and its evidence. A strategy
the person may not see is a 404 that does not say whether it exists."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render

from commissioning import selectors, services
from commissioning.models import OFFICER_ROLES, Evidence, Stage, can_manage_strategy
from workflows.exceptions import InvalidInput, WorkflowError

from .errors import refusal_status
from .strategy_forms import EvidenceForm, StrategyCreateForm, StrategyEditForm
from .strategy_page import GATE_TAGS, history_of, render_detail, visible_strategy

HISTORY_PER_PAGE = 100


@login_required
def strategy_list(request):
    strategies = list(
        selectors.strategies_visible_to(request.user)
        .select_related("lead_organisation", "current_gate")
        .order_by("reference")
    )
    groups = []
    for value, label in Stage.choices:
        in_stage = [s for s in strategies if s.stage == value]
        for strategy in in_stage:
            strategy.gate_tag_class = GATE_TAGS.get(strategy.current_gate.state, "") if strategy.current_gate else ""
        if in_stage:
            groups.append({"stage": value, "label": label, "strategies": in_stage})
    return render(
        request,
        "strategies/list.html",
        {"groups": groups, "can_create": selectors.holds_role_anywhere(request.user, OFFICER_ROLES)},
    )


@login_required
def strategy_create(request):
    if not selectors.officer_organisations(request.user).exists():
        return render(request, "strategies/cannot_create.html", status=403)
    form = StrategyCreateForm(request.POST or None, user=request.user)
    status = 200
    if request.method == "POST" and form.is_valid():
        partners, rows = form.partner_specs()
        data = form.cleaned_data
        try:
            strategy = services.strategy_create(
                actor=request.user,
                reference=data["reference"],
                title=data["title"],
                summary=data["summary"],
                service_area=data["service_area"],
                lead_organisation=data["lead_organisation"],
                lead_officer=data["lead_officer"],
                annual_value=data["annual_value"],
                total_contract_value=data["total_contract_value"],
                capital_value=data["capital_value"],
                pooled_budget=data["pooled_budget"],
                next_review_date=data["next_review_date"],
                partners=partners,
            )
        except InvalidInput as error:
            form.add_create_errors(error, rows)
        except WorkflowError as error:
            form.add_error(None, error.message)
            status = refusal_status(error)
        else:
            messages.success(request, f"Strategy {strategy.reference} created. Its Analyse gate is open.")
            return redirect("strategy-detail", reference=strategy.reference)
    return render(request, "strategies/create.html", {"form": form}, status=status)


@login_required
def strategy_detail(request, reference: str):
    return render_detail(request, visible_strategy(request.user, reference))


@login_required
def strategy_history(request, reference: str):
    strategy = visible_strategy(request.user, reference)
    page = Paginator(history_of(strategy), HISTORY_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "strategies/history.html", {"strategy": strategy, "page": page})


@login_required
def strategy_edit(request, reference: str):
    strategy = visible_strategy(request.user, reference)
    if not can_manage_strategy(strategy, request.user):
        refusal = (
            f"Only the lead officer, or a commissioning officer or manager at {strategy.lead_organisation}, can "
            "change this strategy."
        )
        return render(request, "strategies/edit.html", {"strategy": strategy, "refusal": refusal}, status=403)
    form = StrategyEditForm(request.POST or None, strategy=strategy)
    refusal = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            services.strategy_update(
                actor=request.user,
                strategy_id=strategy.pk,
                expected_version=form.cleaned_data["version"],
                **form.changes(),
            )
        except InvalidInput as error:
            form.add_service_errors(error)
        except WorkflowError as error:
            form.add_error(None, error.message)
            status = refusal_status(error)
        else:
            messages.success(request, f"Strategy {strategy.reference} saved.")
            return redirect("strategy-detail", reference=strategy.reference)
    elif request.method == "GET":
        try:
            services.ensure_content_editable(strategy)
        except WorkflowError as error:
            refusal = error.message
    context = {"strategy": strategy, "form": form, "refusal": refusal}
    return render(request, "strategies/edit.html", context, status=status)


@login_required
def evidence_edit(request, reference: str, evidence_id: int):
    strategy = visible_strategy(request.user, reference)
    evidence = get_object_or_404(Evidence.objects.select_related("template"), pk=evidence_id, strategy=strategy)
    can_manage = can_manage_strategy(strategy, request.user)
    status = 200
    if request.method == "POST":
        form = EvidenceForm(request.POST)
        if form.is_valid():
            try:
                services.evidence_update(
                    actor=request.user,
                    evidence_id=evidence.pk,
                    status=form.cleaned_data["status"],
                    content=form.cleaned_data["content"],
                    link=form.cleaned_data["link"],
                    expected_version=form.cleaned_data["version"],
                )
            except InvalidInput as error:
                form.add_service_errors(error)
            except WorkflowError as error:
                form.add_error(None, error.message)
                status = refusal_status(error)
            else:
                messages.success(request, f"‘{evidence.title}’ saved.")
                return redirect("strategy-detail", reference=strategy.reference)
    else:
        form = EvidenceForm(
            initial={
                "version": strategy.version,
                "status": evidence.status,
                "content": evidence.content,
                "link": evidence.link,
            }
        )
    current = (evidence.cycle, evidence.stage) == (strategy.cycle, strategy.stage)
    editable = can_manage and current and strategy.stage != Stage.CLOSED and not strategy.content_frozen
    return render(
        request,
        "strategies/evidence.html",
        {"strategy": strategy, "evidence": evidence, "form": form, "editable": editable, "current": current},
        status=status,
    )
