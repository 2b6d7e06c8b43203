"""Forms of the strategy pages. They check the shape of what was typed; the services check the rules and their
field errors are shown against these forms' fields (`add_service_errors`)."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings

from commissioning.models import (
    DeliveryChannel,
    EvidenceStatus,
    Organisation,
    PartnerKind,
    Recommendation,
    ServiceArea,
    User,
)
from commissioning.selectors import officer_organisations, officers_at
from workflows.exceptions import InvalidInput

from .fields import DatePartsField, DateValuesMixin, MoneyField
from .forms import GovukFormMixin

PARTNER_ROWS = 4
YES_NO = [("yes", "Yes"), ("no", "No")]


def _blank(choices, label: str):
    return [("", label), *choices]


class StrategyFieldsMixin(DateValuesMixin):
    """What a strategy's create and edit forms share: dates, yes/no and the value check."""

    def clean_pooled_budget(self) -> bool:
        return self.cleaned_data["pooled_budget"] == "yes"

    def clean(self):
        cleaned = super().clean()
        annual, total = cleaned.get("annual_value"), cleaned.get("total_contract_value")
        if annual is not None and total is not None and total < annual:
            self.add_error("total_contract_value", "The total contract value cannot be less than the annual value")
        return cleaned


class ScopedForm(forms.Form):
    """Calls `scope_fields()` right after the fields exist, before GovukFormMixin looks at the errors (which
    validates the form): choices that depend on the person or strategy must be in place by then."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.scope_fields()

    def scope_fields(self) -> None:
        pass


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return obj.get_full_name() or obj.username


class StrategyCreateForm(StrategyFieldsMixin, GovukFormMixin, ScopedForm):
    reference = forms.CharField(
        label="Reference",
        max_length=40,
        help_text="Letters, digits, full stops, hyphens and underscores, for example MCC-ASC-001.",
        error_messages={"required": "Enter a reference, for example MCC-ASC-001"},
    )
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter a title"})
    summary = forms.CharField(label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    service_area = forms.ChoiceField(
        label="Service area",
        choices=_blank(ServiceArea.choices, "Choose a service area"),
        error_messages={"required": "Choose a service area", "invalid_choice": "Choose a service area from the list"},
    )
    lead_organisation = forms.ModelChoiceField(
        label="Lead organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choose the lead organisation",
        error_messages={
            "required": "Choose the lead organisation",
            "invalid_choice": "Choose one of your organisations",
        },
    )
    lead_officer = PersonChoiceField(
        label="Lead officer",
        queryset=User.objects.none(),
        empty_label="Choose the lead officer",
        help_text="A commissioning officer or manager at the lead organisation.",
        error_messages={"required": "Choose the lead officer", "invalid_choice": "Choose an officer from the list"},
    )
    annual_value = MoneyField(label="Annual value (£)", help_text="What the service costs each year.")
    total_contract_value = MoneyField(
        label="Total contract value (£)",
        help_text="Over the whole contract. This decides which sign-offs the gates need.",
    )
    capital_value = MoneyField(label="Capital value (£)", initial=Decimal(0))
    pooled_budget = forms.ChoiceField(
        label="Does this strategy have a pooled budget?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        initial="no",
        help_text="A pooled budget needs at least one partner who is a pooled-budget contributor.",
        error_messages={"required": "Say whether this strategy has a pooled budget"},
    )
    next_review_date = DatePartsField(
        label="Next review date", what="next review date", required=False, help_text="For example, 27 3 2027."
    )

    def __init__(self, *args, user, **kwargs) -> None:
        self.user = user
        super().__init__(*args, **kwargs)

    def scope_fields(self) -> None:
        organisations = officer_organisations(self.user)
        self.fields["lead_organisation"].queryset = organisations
        self.fields["lead_officer"].queryset = officers_at(organisations)
        if not self.is_bound:
            self.initial.setdefault("lead_officer", self.user.pk)
            only = list(organisations[:2])
            if len(only) == 1:
                self.initial.setdefault("lead_organisation", only[0].pk)

    @property
    def partner_rows(self) -> list[tuple[int, forms.BoundField, forms.BoundField]]:
        return [
            (row, self[f"partner_{row}_organisation"], self[f"partner_{row}_kind"])
            for row in range(1, PARTNER_ROWS + 1)
        ]

    def clean(self):
        cleaned = super().clean()
        for row in range(1, PARTNER_ROWS + 1):
            organisation = cleaned.get(f"partner_{row}_organisation")
            kind = cleaned.get(f"partner_{row}_kind")
            if organisation and not kind and f"partner_{row}_kind" not in self.errors:
                self.add_error(f"partner_{row}_kind", f"Choose the kind of partner {organisation} is")
            if kind and not organisation and f"partner_{row}_organisation" not in self.errors:
                self.add_error(f"partner_{row}_organisation", "Choose the partner organisation")
        return cleaned

    def partner_specs(self):
        """The filled partner rows, in order, and which row each came from (service errors name 1, 2, …)."""
        from commissioning.services import PartnerSpec

        specs, rows = [], []
        for row in range(1, PARTNER_ROWS + 1):
            organisation = self.cleaned_data.get(f"partner_{row}_organisation")
            if organisation:
                specs.append(
                    PartnerSpec(organisation_id=organisation.pk, kind=self.cleaned_data[f"partner_{row}_kind"])
                )
                rows.append(row)
        return specs, rows

    def add_create_errors(self, error: InvalidInput, partner_rows: list[int]) -> None:
        """Service errors against the fields: `partners[2].kind` is the second filled partner row."""
        mapped = {}
        for field, message in error.errors.items():
            if field.startswith("partners[") and "]." in field:
                index, attribute = field[len("partners[") :].split("].", 1)
                try:
                    row = partner_rows[int(index) - 1]
                except (ValueError, IndexError):
                    row = 1
                mapped[f"partner_{row}_{attribute}"] = message
            elif field == "partners":
                mapped["partner_1_kind"] = message
            else:
                mapped[field] = message
        self.add_service_errors(InvalidInput(mapped))


for _row in range(1, PARTNER_ROWS + 1):
    StrategyCreateForm.base_fields[f"partner_{_row}_organisation"] = forms.ModelChoiceField(
        label=f"Partner {_row}: organisation",
        queryset=Organisation.objects.order_by("name"),
        required=False,
        empty_label="No partner",
        error_messages={"invalid_choice": "Choose an organisation from the list"},
    )
    StrategyCreateForm.base_fields[f"partner_{_row}_kind"] = forms.ChoiceField(
        label=f"Partner {_row}: kind of partner",
        choices=_blank(PartnerKind.choices, "Choose the kind of partner"),
        required=False,
    )


class StrategyEditForm(StrategyFieldsMixin, GovukFormMixin, ScopedForm):
    version = forms.IntegerField(widget=forms.HiddenInput)
    title = forms.CharField(label="Title", max_length=200, error_messages={"required": "Enter a title"})
    summary = forms.CharField(label="Summary", required=False, widget=forms.Textarea(attrs={"rows": 5}))
    service_area = forms.ChoiceField(
        label="Service area",
        choices=_blank(ServiceArea.choices, "Choose a service area"),
        error_messages={"required": "Choose a service area", "invalid_choice": "Choose a service area from the list"},
    )
    lead_officer = PersonChoiceField(
        label="Lead officer",
        queryset=User.objects.none(),
        empty_label="Choose the lead officer",
        help_text="A commissioning officer or manager at the lead organisation.",
        error_messages={"required": "Choose the lead officer", "invalid_choice": "Choose an officer from the list"},
    )
    annual_value = MoneyField(label="Annual value (£)")
    total_contract_value = MoneyField(
        label="Total contract value (£)", help_text="Over the whole contract. This decides which sign-offs are needed."
    )
    capital_value = MoneyField(label="Capital value (£)")
    pooled_budget = forms.ChoiceField(
        label="Does this strategy have a pooled budget?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        help_text="A pooled budget needs at least one partner who is a pooled-budget contributor.",
        error_messages={"required": "Say whether this strategy has a pooled budget"},
    )
    delivery_channel = forms.ChoiceField(
        label="Delivery channel (right source)",
        required=False,
        choices=_blank(DeliveryChannel.choices, "Not decided yet"),
        help_text="The Plan gate needs this decision.",
    )
    recommendation = forms.ChoiceField(
        label="Review recommendation",
        required=False,
        choices=_blank(Recommendation.choices, "Not decided yet"),
        help_text="The Review gate needs this: recommission, vary or decommission.",
    )
    next_review_date = DatePartsField(
        label="Next review date", what="next review date", required=False, help_text="For example, 27 3 2027."
    )

    def __init__(self, *args, strategy, **kwargs) -> None:
        # The strategy as it is now; a bound form shows what was typed instead.
        kwargs.setdefault(
            "initial",
            {
                "version": strategy.version,
                "title": strategy.title,
                "summary": strategy.summary,
                "service_area": strategy.service_area,
                "lead_officer": strategy.lead_officer_id,
                "annual_value": strategy.annual_value,
                "total_contract_value": strategy.total_contract_value,
                "capital_value": strategy.capital_value,
                "pooled_budget": "yes" if strategy.pooled_budget else "no",
                "delivery_channel": strategy.delivery_channel,
                "recommendation": strategy.recommendation,
                "next_review_date": strategy.next_review_date,
            },
        )
        self.strategy = strategy
        super().__init__(*args, **kwargs)

    def scope_fields(self) -> None:
        self.fields["lead_officer"].queryset = officers_at(
            Organisation.objects.filter(pk=self.strategy.lead_organisation_id)
        )

    def changes(self) -> dict:
        return {name: value for name, value in self.cleaned_data.items() if name != "version"}


class EvidenceForm(GovukFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    status = forms.ChoiceField(
        label="Status",
        choices=EvidenceStatus.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose not started, in progress or complete"},
    )
    content = forms.CharField(
        label="The evidence",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="What was found or decided, or a summary of the document you link to.",
    )
    link = forms.CharField(
        label="Link to a document (optional)",
        required=False,
        max_length=500,
        help_text="A full web address starting https://",
        error_messages={"max_length": "The web address must be 500 characters or fewer"},
    )


class WithdrawForm(GovukFormMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
    reason = forms.CharField(
        label="Why are you withdrawing the gate?",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Pending sign-offs are cancelled; you can change the strategy and submit it again.",
        error_messages={"required": "Say why the gate is being withdrawn"},
    )


class ForwardPlanForm(DateValuesMixin, GovukFormMixin, forms.Form):
    """The forward-plan notice: the 2012 Regulations' matter, decision-maker, date and documents (how to make
    representations is the lead organisation's, set in the admin)."""

    date_fields = ("decision_date",)
    matter = forms.CharField(
        label="Matter to be decided",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What the decision is about, in words the public will read.",
    )
    decision_maker = forms.CharField(
        label="Decision-maker",
        required=False,
        max_length=300,
        help_text="The name and title of the person who will take the decision (or the body and its members).",
    )
    decision_date = DatePartsField(
        label="Intended decision date",
        what="intended decision date",
        help_text=f"At least {settings.FORWARD_PLAN_CLEAR_DAYS} clear days after today, for example 27 3 2027.",
    )
    documents = forms.CharField(
        label="Documents submitted to the decision-maker",
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text="One a line. Published as the list of papers the decision will be taken on.",
    )


def parse_version(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
