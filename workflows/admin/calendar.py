"""The closure-day calendar: administrators add and edit the days beyond weekends and bank holidays (audited)."""

from __future__ import annotations

from django.contrib import admin

from ..models import NonWorkingDay
from .audited import AuditedAdminMixin


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(AuditedAdminMixin, admin.ModelAdmin):
    list_display = ("date", "name")
    search_fields = ("name",)
    ordering = ("date",)
