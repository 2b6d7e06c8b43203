"""The building blocks of the engine's models: guards that explain themselves, and append-only tables."""

from __future__ import annotations

from django.db import models


def guard(message: str):
    """Mark a transition condition with the sentence that explains it when it fails."""

    def decorate(func):
        func.message = message
        return func

    return decorate


class AppendOnlyQuerySet(models.QuerySet):
    """Rows of an append-only table can be added and read, never updated or deleted."""

    def update(self, **kwargs):
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be updated.")

    def delete(self):
        raise TypeError(f"{self.model.__name__} rows are append-only and cannot be deleted.")


class AppendOnlyModel(models.Model):
    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise TypeError(f"{type(self).__name__} rows are append-only and cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{type(self).__name__} rows are append-only and cannot be deleted.")
