"""Base models every app may build on. No concrete models here: ``core`` has no tables."""

from django.db import models

from core.text import CheckedTextModel


def may_preview(user, model) -> bool:
    """Whether ``user`` may see ``model``'s records that readers cannot: active staff with the
    model's view permission. The one staff check of every ``visible_to``."""
    opts = model._meta
    return (
        user is not None
        and user.is_active
        and user.has_perm(f"{opts.app_label}.view_{opts.model_name}")
    )


class PublicQuerySet(models.QuerySet):
    """A queryset with a public gate: ``public()`` is what any reader may see.

    Lists, feeds, sitemaps, exports and the API read ``public()``. ``visible_to(user)`` is for
    detail pages only, where staff preview what is not public yet behind a banner.
    """

    def public(self):
        raise NotImplementedError

    def visible_to(self, user):
        """On a detail page: everything for staff who may view the model, else ``public()``."""
        if may_preview(user, self.model):
            return self.all()
        return self.public()


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
