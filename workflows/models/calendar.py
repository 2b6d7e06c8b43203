"""The working-day calendar's closure days (beyond weekends and England and Wales bank holidays)."""

from __future__ import annotations

from django.db import models


class NonWorkingDay(models.Model):
    """A closure day beyond weekends and England and Wales bank holidays (for example a council closure)."""

    date = models.DateField(unique=True)
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return f"{self.date:%d %B %Y}: {self.name}"
