"""Form fields the pages share: an amount in pounds, and the GOV.UK date input (day, month and year boxes)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError


class MoneyField(forms.DecimalField):
    """An amount in pounds: '£250,000' and '250000.50' both read as numbers."""

    def __init__(self, **kwargs) -> None:
        kwargs.setdefault("min_value", Decimal(0))
        kwargs.setdefault("max_digits", 14)
        kwargs.setdefault("decimal_places", 2)
        kwargs.setdefault(
            "error_messages",
            {
                "required": "Enter an amount in pounds, for example 250000",
                "invalid": "Enter an amount in pounds, for example 250000",
                "min_value": "The amount cannot be negative",
                "max_digits": "The amount is too large",
                "max_whole_digits": "The amount is too large",
                "max_decimal_places": "Give the amount to the nearest penny",
            },
        )
        super().__init__(**kwargs)
        self.widget = forms.TextInput(attrs={"inputmode": "decimal", "spellcheck": "false"})

    def to_python(self, value):
        if isinstance(value, str):
            value = value.replace(",", "").replace("£", "").strip()
        return super().to_python(value)


class DatePartsWidget(forms.MultiWidget):
    """The GOV.UK date input: day, month and year boxes named `<name>_day`, `<name>_month`, `<name>_year`."""

    def __init__(self, attrs=None) -> None:
        super().__init__({"day": forms.TextInput(), "month": forms.TextInput(), "year": forms.TextInput()}, attrs)

    def decompress(self, value):
        if isinstance(value, dt.date):
            return [str(value.day), str(value.month), str(value.year)]
        return ["", "", ""]


class DatePartsField(forms.Field):
    """A date typed as day, month and year, with the GOV.UK error messages for each way it can be wrong."""

    widget = DatePartsWidget

    def __init__(self, *, what: str = "date", **kwargs) -> None:
        self.what = what
        kwargs.setdefault("error_messages", {"required": f"Enter the {what}"})
        super().__init__(**kwargs)

    def to_python(self, value):
        if isinstance(value, dt.date) or value is None:
            return value
        day, month, year = ((part or "").strip() for part in value)
        if not (day or month or year):
            return None
        missing = [name for name, part in (("day", day), ("month", month), ("year", year)) if not part]
        if missing:
            raise ValidationError(f"The {self.what} must include a {' and '.join(missing)}")
        try:
            if len(year) != 4:
                raise ValueError
            return dt.date(int(year), int(month), int(day))
        except ValueError:
            raise ValidationError(f"The {self.what} must be a real date, for example 27 3 2026") from None


def date_parts(form: forms.Form, name: str) -> dict[str, str]:
    """What the day, month and year boxes of a date field show."""
    bound = form[name]
    if form.is_bound:
        day, month, year = bound.field.widget.value_from_datadict(form.data, form.files, form.add_prefix(name))
    else:
        day, month, year = bound.field.widget.decompress(bound.value())
    return {"day": day or "", "month": month or "", "year": year or ""}


class DateValuesMixin:
    """`form.date_values.<name>.day` (and month, year) for the GOV.UK date inputs of the form."""

    date_fields: tuple[str, ...] = ("next_review_date",)

    @property
    def date_values(self) -> dict[str, dict[str, str]]:
        return {name: date_parts(self, name) for name in self.date_fields if name in self.fields}
