"""Read-only building blocks for records that only the services write (the commissioning admin uses them too)."""

from __future__ import annotations

import json

from django.contrib import admin
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html


def model_field_names(model) -> list[str]:
    """Every field a person would read on the change page, in declaration order (not the automatic id)."""
    opts = model._meta
    return [f.name for f in opts.concrete_fields if not f.auto_created] + [f.name for f in opts.many_to_many]


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record that only the services write: administrators can look, never add, change or delete.

    Without change permission Django renders every field read-only and refuses a POST to the change page (403).
    """

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        declared = list(self.readonly_fields)
        return declared + [name for name in model_field_names(self.model) if name not in declared]


class ReadOnlyInline(admin.TabularInline):
    """Rows shown beside their parent, never edited there."""

    extra = 0
    max_num = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_readonly_fields(self, request, obj=None):
        declared = list(self.readonly_fields)
        return declared + [name for name in model_field_names(self.model) if name not in declared]


def pretty_json(value) -> str:
    return format_html(
        '<pre style="white-space: pre-wrap">{}</pre>', json.dumps(value, indent=2, sort_keys=True, default=str)
    )


def content_type_link(content_type, object_id, text=None) -> str:
    """A link to the admin page of the row (content type, id) without loading the row."""
    if content_type is None or object_id is None:
        return "-"
    label = text or f"{content_type.name} #{object_id}"
    try:
        url = reverse(f"admin:{content_type.app_label}_{content_type.model}_change", args=[object_id])
    except NoReverseMatch:
        return label
    return format_html('<a href="{}">{}</a>', url, label)


def short_hash(value: str) -> str:
    return value[:12] if value else "-"
