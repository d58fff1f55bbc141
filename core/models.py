"""Base models every app may build on. No concrete models here: ``core`` has no tables."""

from django.db import models

from core.text import CheckedTextModel


class AppendOnlyQuerySet(models.QuerySet):
    """Audit records are written once: bulk updates and deletes through the ORM are refused."""

    def update(self, **kwargs):
        raise PermissionError(f"{self.model.__name__} records are append-only.")

    def delete(self):
        raise PermissionError(f"{self.model.__name__} records are append-only.")


class AppendOnlyModel(CheckedTextModel):
    """A record written once, by a service: saving it again or deleting it is refused."""

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise PermissionError(f"{type(self).__name__} records are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise PermissionError(f"{type(self).__name__} records are append-only.")
