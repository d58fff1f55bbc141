from django.contrib.auth.models import AbstractUser
from django.utils.translation import gettext_lazy as _


class User(AbstractUser):
    """A person who signs in: a researcher, an editor or an administrator.

    Readers need no account. Roles are Django groups (see ``accounts.roles``); this model exists
    from the first migration so that fields can be added later without a painful swap.
    """

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]

    def __str__(self):
        return self.get_full_name() or self.username
