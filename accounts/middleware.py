"""Staff sessions: the second-factor gate, suspension, idle expiry and the sessions list.

Runs after django-otp's OTPMiddleware (which tells whether this session gave a second factor).
A person who must give a second factor and has not yet, in this session, reaches only the
second-factor pages, the login and logout pages and /health/: everything else redirects there,
the admin, the review queue and staff previews of drafts on public pages alike.
"""

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from accounts import two_factor
from accounts.models import StaffSession, User
from config.proxies import client_address
from core.errors import DATABASE_DOWN, database_unavailable

# Views an unverified session may open (namespace:name, or name for the root namespace).
OPEN_BEFORE_SECOND_FACTOR = {
    "accounts:two_factor_verify",
    "accounts:two_factor_setup",
    "admin:login",
    "admin:logout",
    "admin:jsi18n",
    "health",
}
LAST_ACTIVE_KEY = "_staff_last_active"
# The session's "last active" (and its StaffSession row) is written at most this often.
TOUCH_EVERY_SECONDS = 60


class StaffSessionMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self._before_view(request)
        except DATABASE_DOWN:
            # The first thing to read the database on a request is often this middleware
            # (loading the user): an outage gets the same 503 page as one inside a view.
            return database_unavailable(request)
        return response or self.get_response(request)

    def _before_view(self, request: HttpRequest) -> HttpResponse | None:
        user = request.user
        if user.is_authenticated:
            if user.access == User.Access.NO_ACCESS:
                logout(request)
                return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
            now = int(time.time())
            last_active = request.session.get(LAST_ACTIVE_KEY)
            if last_active is not None and now - last_active > settings.SESSION_IDLE_MINUTES * 60:
                logout(request)
                messages.info(request, _("You were signed out after a while without activity."))
                return redirect_to_login(request.get_full_path(), reverse(settings.LOGIN_URL))
            if last_active is None or now - last_active >= TOUCH_EVERY_SECONDS:
                request.session[LAST_ACTIVE_KEY] = now
                self._touch(request)
        return None

    @staticmethod
    def _touch(request: HttpRequest) -> None:
        if not request.session.session_key:
            request.session.save()
        StaffSession.objects.update_or_create(
            session_key=request.session.session_key,
            defaults={
                "user": request.user,
                "address": client_address(request)[:45],
                "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300],
                "last_active_at": timezone.now(),
            },
        )

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or two_factor.is_verified(user):
            return None
        if request.resolver_match.view_name in OPEN_BEFORE_SECOND_FACTOR:
            return None
        if not two_factor.requires_second_factor(user):
            return None
        step = (
            "accounts:two_factor_verify"
            if two_factor.has_enrolled(user)
            else "accounts:two_factor_setup"
        )
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
