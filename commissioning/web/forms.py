"""GOV.UK Design System markup for Django forms: each widget gets the GOV.UK class (and its error modifier), and
errors are listed for the error summary with links to their fields."""

from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm

from workflows.exceptions import InvalidInput

WIDGET_CLASSES = {
    forms.Textarea: "govuk-textarea",
    forms.Select: "govuk-select",
    forms.CheckboxInput: "govuk-checkboxes__input",
    forms.RadioSelect: "govuk-radios__input",
    forms.DateInput: "govuk-input govuk-input--width-10",
    forms.NumberInput: "govuk-input govuk-input--width-10",
}


class GovukFormMixin:
    """Add GOV.UK classes and aria-describedby to every widget; `error_list` feeds the error summary."""

    def __getitem__(self, name):
        # Applied when a field is rendered, after validation and after any field a subclass adds or changes.
        self._apply_govuk_classes()
        return super().__getitem__(name)

    def _apply_govuk_classes(self) -> None:
        errors = self.errors if self.is_bound else {}
        for name, field in self.fields.items():
            widget = field.widget
            css = next((c for kind, c in WIDGET_CLASSES.items() if isinstance(widget, kind)), "govuk-input")
            if name in errors:
                css += " " + css.split()[0] + "--error"
            widget.attrs["class"] = css
            described = [f"id_{name}-hint"] if field.help_text else []
            if name in errors:
                described.append(f"id_{name}-error")
            if described:
                widget.attrs["aria-describedby"] = " ".join(described)
            else:
                widget.attrs.pop("aria-describedby", None)

    @property
    def error_list(self) -> list[tuple[str, str]]:
        """(field id, message) pairs for the error summary, in field order; form-wide errors have no id."""
        found = [("", str(message)) for message in self.non_field_errors()]
        for name, field in self.fields.items():
            for message in self.errors.get(name, []):
                found.append(
                    (f"id_{name}", f"{message}" if str(field.label) in message else f"{field.label}: {message}")
                )
        return found

    def service_field(self, key: str) -> str:
        """The form field a service's error key belongs to; forms whose fields are named differently override it."""
        return key

    def add_service_errors(self, error: InvalidInput) -> None:
        """Show a service's field errors against the form's fields (others go to the top of the form)."""
        for key, message in error.errors.items():
            field = self.service_field(key)
            self.add_error(field if field in self.fields else None, message)


class SignInForm(GovukFormMixin, AuthenticationForm):
    pass
