"""A person's own API tokens: issue one (shown once), see their keys and expiry dates, revoke one."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from commissioning import selectors
from commissioning.services import tokens
from workflows.exceptions import InvalidInput, NotFound, WorkflowError

from .errors import refusal_status
from .forms import GovukFormMixin


class TokenForm(GovukFormMixin, forms.Form):
    days = forms.TypedChoiceField(
        label="How long should it last?",
        coerce=int,
        widget=forms.RadioSelect,
        help_text="It stops working then; you can revoke it sooner.",
        error_messages={"required": "Choose how long the token lasts", "invalid_choice": "Choose one of the lengths"},
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        lengths = sorted({days for days in (7, 30, 90, tokens.max_days()) if days <= tokens.max_days()})
        self.fields["days"].choices = [(days, f"{days} days") for days in lengths]
        self.fields["days"].initial = lengths[-1] if lengths[-1] <= 30 else 30


def _page(request, form, *, issued=None, status: int = 200):
    now = timezone.now()
    rows = [
        {"token": token, "expired": token.expiry is not None and token.expiry <= now}
        for token in selectors.personal_tokens_of(request.user)
    ]
    context = {"form": form, "rows": rows, "issued": issued, "errors": form.error_list if form.is_bound else []}
    return render(request, "tokens/index.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def api_tokens(request):
    """The person's tokens and a form to issue one; the new token is on the answer to the POST, and only there."""
    if request.method == "GET":
        return _page(request, TokenForm())
    form = TokenForm(request.POST)
    if not form.is_valid():
        return _page(request, form)
    try:
        token, secret = tokens.personal_token_issue(actor=request.user, days=form.cleaned_data["days"])
    except InvalidInput as error:
        form.add_service_errors(error)
        return _page(request, form)
    except WorkflowError as error:
        form.add_error(None, error.message)
        return _page(request, form, status=refusal_status(error))
    response = _page(request, TokenForm(), issued={"token": token, "secret": secret})
    response["Cache-Control"] = "no-store"  # the page holds the token
    return response


@login_required
@require_POST
def api_token_revoke(request, token_key: str):
    try:
        tokens.personal_token_revoke(actor=request.user, token_key=token_key)
    except NotFound as error:
        raise Http404(error.message) from error
    messages.success(request, f"The token {token_key}… has been revoked. It no longer works.")
    return redirect("api-tokens")
