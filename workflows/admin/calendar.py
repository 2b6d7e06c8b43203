"""The closure-day calendar: administrators add and edit the days beyond weekends and bank holidays."""

from __future__ import annotations

from django.contrib import admin

from ..models import NonWorkingDay


@admin.register(NonWorkingDay)
class NonWorkingDayAdmin(admin.ModelAdmin):
    list_display = ("date", "name")
    search_fields = ("name",)
    ordering = ("date",)
