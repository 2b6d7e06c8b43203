"""Forms of the sign-off pages: the decision on a seat, call-in and refer-back, and naming a deputy.

Dates are GOV.UK date inputs: three fields (`<prefix>_day`, `_month`, `_year`); an error about the date is attached
to the day field, so the error summary links to the first box.
"""

from __future__ import annotations

import copy
import datetime as dt

from django import forms
from django.utils import timezone

from workflows.models import Decision, DecisionOutcome
from workflows.services import ConditionSpec, RecordSpec

from .forms import GovukFormMixin

MAX_CONDITIONS = 5
DATE_PART_CLASSES = {"day": "govuk-input--width-2", "month": "govuk-input--width-2", "year": "govuk-input--width-4"}


def date_fields(prefix: str, label: str) -> dict[str, forms.Field]:
    """The three boxes of a GOV.UK date input; `label` names the date in the error summary."""
    return {
        f"{prefix}_{part}": forms.CharField(
            label=label if part == "day" else f"{label} ({part})",
            required=False,
            max_length=4,
            widget=forms.TextInput(attrs={"inputmode": "numeric"}),
        )
        for part in ("day", "month", "year")
    }


def clean_date(form: forms.Form, prefix: str, label: str, *, required: bool) -> dt.date | None:
    """The date the three boxes give, or None with an error on the day box."""
    parts = [(form.cleaned_data.get(f"{prefix}_{part}") or "").strip() for part in ("day", "month", "year")]
    if not any(parts):
        if required:
            form.add_error(f"{prefix}_day", f"Enter {label[0].lower()}{label[1:]}")
        return None
    names = ("day", "month", "year")
    missing = [name for name, value in zip(names, parts, strict=True) if not value]
    if missing:
        form.add_error(f"{prefix}_day", f"{label} must include a {' and a '.join(missing)}")
        return None
    try:
        day, month, year = (int(value) for value in parts)
        if year < 1000:
            raise ValueError
        return dt.date(year, month, day)
    except ValueError:
        form.add_error(f"{prefix}_day", f"{label} must be a real date")
        return None


def date_group(form: forms.Form, prefix: str, legend: str, hint: str = "For example, 27 3 2027") -> dict:
    """What the date-input template needs: the legend, the three bound fields and the errors."""
    return {
        "id": f"id_{prefix}_day",
        "prefix": prefix,
        "legend": legend,
        "hint": hint,
        "errors": form.errors.get(f"{prefix}_day", []) if form.is_bound else [],
        "parts": [
            {"name": part.capitalize(), "field": form[f"{prefix}_{part}"], "width": DATE_PART_CLASSES[part]}
            for part in ("day", "month", "year")
        ],
    }


def service_field(key: str) -> str | None:
    """The form field a service's error key belongs to: `conditions[2].owner` → `condition_2_owner`."""
    if key.startswith("conditions[") and "]." in key:
        number, part = key[len("conditions[") :].split("].", 1)
        return f"condition_{number}_due_day" if part == "due_on" else f"condition_{number}_{part}"
    if key == "conditions":
        return "condition_1_description"
    if key.startswith("record."):
        return "record_" + key[len("record.") :]
    if key in ("starts_on", "ends_on", "decision_date"):
        return f"{key}_day"
    return key


DJANGO_DEFAULT_MESSAGES = ("Ensure this value", "This field", "Select a valid", "Enter a whole number")


class StandaloneErrorsMixin(GovukFormMixin):
    """Error messages here are written to stand alone, so the error summary shows them as they are; only Django's
    generic messages get the field's label in front."""

    def service_field(self, key: str) -> str:
        return service_field(key)

    @property
    def error_list(self) -> list[tuple[str, str]]:
        found = [("", str(message)) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                generic = str(message).startswith(DJANGO_DEFAULT_MESSAGES)
                found.append((f"id_{name}", f"{field.label}: {message}" if generic else str(message)))
        return found


# --------------------------------------------------------------------------------------------------------------
# The decision on a seat
# --------------------------------------------------------------------------------------------------------------

RECORD_FIELDS = (
    ("decision_text", "Decision", "What was decided, in words the public will read."),
    ("reasons", "Reasons for the decision", ""),
    ("alternatives_considered", "Alternatives considered and rejected", "Each option and why it was rejected."),
    ("conflicts_of_interest", "Conflicts of interest declared", "Write 'None' if none were declared."),
    ("dispensations", "Dispensations granted", "Optional. Any dispensation granted for a declared conflict."),
)
RECORD_REQUIRED = {
    "decision_text": "Record the decision",
    "reasons": "Record the reasons for the decision",
    "alternatives_considered": "Record the alternatives considered and rejected",
    "conflicts_of_interest": "Record any conflicts of interest declared (or 'None')",
}


def _decision_fields() -> dict[str, forms.Field]:
    fields: dict[str, forms.Field] = {
        "outcome": forms.ChoiceField(
            label="Your decision",
            choices=DecisionOutcome.choices,
            widget=forms.RadioSelect,
            error_messages={
                "required": "Choose approve, approve with conditions, or reject",
                "invalid_choice": "Choose approve, approve with conditions, or reject",
            },
        ),
        "reasons": forms.CharField(
            label="Reasons",
            required=False,
            max_length=10000,
            widget=forms.Textarea(attrs={"rows": 5}),
            help_text="Required if you reject: say what must change.",
        ),
    }
    for number in range(1, MAX_CONDITIONS + 1):
        fields[f"condition_{number}_description"] = forms.CharField(
            label=f"Condition {number}", required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
        )
        fields[f"condition_{number}_owner"] = forms.ChoiceField(
            label=f"Who owns condition {number}",
            required=False,
            choices=[],
            error_messages={"invalid_choice": "Choose the owner from the list"},
        )
        fields.update(date_fields(f"condition_{number}_due", f"The due date of condition {number}"))
    for name, label, hint in RECORD_FIELDS:
        fields[f"record_{name}"] = forms.CharField(
            label=label, required=False, max_length=10000, widget=forms.Textarea(attrs={"rows": 4}), help_text=hint
        )
    fields["gate_version"] = forms.IntegerField(
        widget=forms.HiddenInput,
        min_value=1,
        error_messages={k: "This page is out of date: reload it and decide again" for k in ("required", "invalid")},
    )
    return fields


class DecisionFormBase(StandaloneErrorsMixin, forms.Form):
    """Approve, approve with conditions (up to five, each an action with an owner and due date) or reject."""

    def __init__(self, *args, owners, record_required: bool, **kwargs) -> None:
        # The choices go on a per-form copy of the fields before the form copies them, so validation sees them.
        self.record_required = record_required
        self.conditions: list[ConditionSpec] = []
        self.record: RecordSpec | None = None
        choices = [("", "Choose a person")] + [(str(person.pk), owner_label(person)) for person in owners]
        self.base_fields = copy.deepcopy(type(self).base_fields)
        for number in range(1, MAX_CONDITIONS + 1):
            self.base_fields[f"condition_{number}_owner"].choices = choices
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        outcome = data.get("outcome")
        if outcome == DecisionOutcome.REJECT and not (data.get("reasons") or "").strip():
            self.add_error("reasons", "Give the reasons for rejecting, so the officer knows what to change")
        today = timezone.localdate()
        used = []
        for number in range(1, MAX_CONDITIONS + 1):
            prefix = f"condition_{number}"
            boxes = [
                data.get(f"{prefix}_{part}") for part in ("description", "owner", "due_day", "due_month", "due_year")
            ]
            if not any((value or "").strip() for value in boxes):
                continue
            used.append(number)
            if outcome and outcome != DecisionOutcome.APPROVE_WITH_CONDITIONS:
                continue
            description = (data.get(f"{prefix}_description") or "").strip()
            if not description:
                self.add_error(f"{prefix}_description", f"Say what condition {number} requires")
            owner = data.get(f"{prefix}_owner")
            if not owner:
                self.add_error(f"{prefix}_owner", f"Choose who owns condition {number}")
            due_on = clean_date(self, f"{prefix}_due", f"The due date of condition {number}", required=True)
            if due_on is not None and due_on < today:
                self.add_error(f"{prefix}_due_day", f"The due date of condition {number} must be today or later")
            if description and owner and due_on:
                self.conditions.append(ConditionSpec(description=description, owner_id=int(owner), due_on=due_on))
        if outcome == DecisionOutcome.APPROVE_WITH_CONDITIONS and not used:
            self.add_error("condition_1_description", "Add at least one condition, or choose approve")
        elif used and outcome in (DecisionOutcome.APPROVE, DecisionOutcome.REJECT):
            self.add_error(
                f"condition_{used[0]}_description",
                "Conditions go only with 'approve with conditions': choose it, or clear the conditions",
            )
        if self.record_required and outcome in Decision.APPROVING:
            for name, message in RECORD_REQUIRED.items():
                if not (data.get(f"record_{name}") or "").strip():
                    self.add_error(f"record_{name}", message)
            self.record = RecordSpec(**{name: data.get(f"record_{name}") or "" for name, _, _ in RECORD_FIELDS})
        return data

    @property
    def condition_rows(self) -> list[dict]:
        return [
            {
                "number": number,
                "description": self[f"condition_{number}_description"],
                "owner": self[f"condition_{number}_owner"],
                "due": date_group(self, f"condition_{number}_due", f"Condition {number}: due date"),
            }
            for number in range(1, MAX_CONDITIONS + 1)
        ]

    @property
    def record_fields(self) -> list:
        return [self[f"record_{name}"] for name, _, _ in RECORD_FIELDS]


DecisionForm = type("DecisionForm", (DecisionFormBase,), _decision_fields())


def owner_label(person) -> str:
    title = f" ({person.job_title})" if getattr(person, "job_title", "") else ""
    return f"{person}{title}"


# --------------------------------------------------------------------------------------------------------------
# Call-in and refer-back
# --------------------------------------------------------------------------------------------------------------


class ReasonForm(StandaloneErrorsMixin, forms.Form):
    reason = forms.CharField(
        label="Reasons",
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={"required": "Give the reasons"},
    )

    def __init__(self, *args, label: str, hint: str = "", required_message: str = "Give the reasons", **kwargs):
        self.base_fields = copy.deepcopy(type(self).base_fields)
        field = self.base_fields["reason"]
        field.label, field.help_text = label, hint
        field.error_messages["required"] = required_message
        super().__init__(*args, **kwargs)


# --------------------------------------------------------------------------------------------------------------
# Delegations
# --------------------------------------------------------------------------------------------------------------


class DelegationFormBase(StandaloneErrorsMixin, forms.Form):
    """Name a deputy who may decide the person's seats from one day to another."""

    deputy = forms.ChoiceField(
        label="Deputy",
        choices=[],
        help_text="Someone with an active account at one of your organisations.",
        error_messages={"required": "Choose a deputy", "invalid_choice": "Choose a deputy from the list"},
    )
    reason = forms.CharField(
        label="Reason",
        required=False,
        max_length=300,
        help_text="Optional. For example, annual leave.",
        error_messages={"max_length": "The reason must be 300 characters or fewer"},
    )

    def __init__(self, *args, deputies, **kwargs) -> None:
        # The choices go on a per-form copy of the fields before the form copies them, so validation sees them.
        self.deputies = {str(person.pk): person for person in deputies}
        self.base_fields = copy.deepcopy(type(self).base_fields)
        self.base_fields["deputy"].choices = [("", "Choose a person")] + [
            (pk, owner_label(person)) for pk, person in self.deputies.items()
        ]
        super().__init__(*args, **kwargs)

    def clean(self):
        data = super().clean()
        starts_on = clean_date(self, "starts_on", "The first day", required=True)
        ends_on = clean_date(self, "ends_on", "The last day", required=True)
        today = timezone.localdate()
        if starts_on and ends_on and ends_on < starts_on:
            self.add_error("ends_on_day", "The last day must be on or after the first day")
        elif ends_on and ends_on < today:
            self.add_error("ends_on_day", "The last day must be today or later")
        data["starts_on"], data["ends_on"] = starts_on, ends_on
        data["deputy_person"] = self.deputies.get(data.get("deputy") or "")
        return data

    @property
    def date_groups(self) -> list[dict]:
        return [
            date_group(self, "starts_on", "First day", "For example, 27 3 2027"),
            date_group(self, "ends_on", "Last day", "The deputy can decide your seats up to and including this day."),
        ]


DelegationForm = type(
    "DelegationForm",
    (DelegationFormBase,),
    {
        **date_fields("starts_on", "The first day"),
        **date_fields("ends_on", "The last day"),
        "field_order": ["deputy", *date_fields("starts_on", "-"), *date_fields("ends_on", "-"), "reason"],
    },
)
