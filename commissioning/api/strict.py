"""Strict input for every write of the API: text must be text, numbers numbers, true and false JSON booleans, and a
field the operation does not take is refused by name (a misspelt `evnt_types` must not subscribe a partner to every
event). DRF's own fields coerce (12345 becomes "12345", "1" becomes True) and drop unknown keys silently."""

from __future__ import annotations

from rest_framework import serializers


class StrictInputSerializer(serializers.Serializer):
    """A request body whose unknown fields are a 400 naming each of them (nested bodies too)."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                known = ", ".join(self.fields)
                raise serializers.ValidationError(
                    {name: f"This field is not one this operation takes (it takes: {known})." for name in unknown}
                )
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    default_error_messages = {"invalid": "Not a valid string: enter text (a JSON string), not a number, true or false."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictURLField(serializers.URLField):
    default_error_messages = {"invalid": "Enter a web address (a JSON string), such as https://example.org/hooks."}

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    default_error_messages = {"invalid": "Enter a whole number (a JSON number), not text or true or false."}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    default_error_messages = {"invalid": "Enter true or false (a JSON boolean)."}

    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid")
        return data
