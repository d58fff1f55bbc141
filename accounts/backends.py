from django.contrib.auth import backends


class ModelBackend(backends.ModelBackend):
    """Django's backend, refusing accounts suspended with "no access" (sign-in and sessions)."""

    def user_can_authenticate(self, user):
        return super().user_can_authenticate(user) and getattr(user, "access", "") != "no_access"
