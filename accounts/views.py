"""Staff account pages: two-factor enrolment and verification, and the sessions list.

They look like the admin (they extend its base template) and need no JavaScript.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.sessions.models import Session
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp import verify_token
from django_otp.plugins.otp_static.models import StaticDevice

from accounts import services, two_factor
from accounts.access_log import Action, record_access
from accounts.forms import CodeForm
from accounts.models import StaffSession


def _next_url(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        wanted, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return wanted
    return reverse("admin:index")


def _page(request, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    context = {
        "site_header": settings.SITE_NAME,
        "has_permission": request.user.is_staff,
        "next": _next_url(request),
        **context,
    }
    return render(request, template, context, status=status)


@login_required
def status(request: HttpRequest) -> HttpResponse:
    """What protects this account, and new backup codes on request."""
    user = request.user
    return _page(
        request,
        "accounts/two_factor.html",
        {
            "title": _("Two-factor sign-in"),
            "authenticator": two_factor.authenticator(user),
            "backup_codes_left": two_factor.backup_codes_left(user),
            "required": two_factor.requires_second_factor(user),
        },
    )


@login_required
@require_POST
def backup_codes(request: HttpRequest) -> HttpResponse:
    """Replace the backup codes (a verified session only: the gate ensures that)."""
    user = request.user
    if two_factor.authenticator(user) is None:
        return redirect("accounts:two_factor_setup")
    with transaction.atomic():
        codes = two_factor.new_backup_codes(user)
        record_access(request=request, action=Action.TWO_FACTOR_BACKUP_CODES, obj=user)
    return _page(
        request,
        "accounts/backup_codes.html",
        {"title": _("Your new backup codes"), "codes": codes},
    )


@login_required
@require_http_methods(["GET", "POST"])
def setup(request: HttpRequest) -> HttpResponse:
    """Enrol an authenticator app: scan the QR code (or type the key), confirm with a code."""
    user = request.user
    if two_factor.has_enrolled(user) and not two_factor.is_verified(user):
        # Replacing an app needs the old one first: a password alone must not enrol a new one.
        verify_url = reverse("accounts:two_factor_verify")
        return redirect(f"{verify_url}?next={reverse('accounts:two_factor_setup')}")
    device = two_factor.pending_authenticator(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if verify_token(user, device.persistent_id, form.cleaned_data["code"]) is not None:
            with transaction.atomic():
                device.refresh_from_db()
                two_factor.confirm_authenticator(device)
                codes = two_factor.new_backup_codes(user)
                otp_login(request, device)
                record_access(request=request, action=Action.TWO_FACTOR_ENROLLED, obj=user)
            return _page(
                request,
                "accounts/backup_codes.html",
                {"title": _("Two-factor sign-in is on"), "codes": codes, "enrolled": True},
            )
        form.add_error(
            "code",
            _("That code is not right. Check the time on your phone and type the newest code."),
        )
    return _page(
        request,
        "accounts/setup.html",
        {
            "title": _("Set up two-factor sign-in"),
            "form": form,
            "qr_svg": two_factor.provisioning_svg(device),
            "typed_key": two_factor.typed_key(device),
            "required": two_factor.requires_second_factor(user),
        },
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """The second step of signing in: a code from the app, or a backup code."""
    user = request.user
    if not two_factor.has_enrolled(user):
        setup_url = reverse("accounts:two_factor_setup")
        return redirect(f"{setup_url}?{urlencode({'next': _next_url(request)})}")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        code = form.cleaned_data["code"]
        # Six digits are the app's; anything else can only be a backup code.
        if code.isdigit() and len(code) == 6:
            device = two_factor.authenticator(user)
        else:
            device = StaticDevice.objects.filter(user=user, confirmed=True).first()
        if device is not None and not device.verify_is_allowed()[0]:
            form.add_error(
                "code", _("Too many wrong codes. Wait a little, then type the newest code.")
            )
        elif device is not None and verify_token(user, device.persistent_id, code) is not None:
            otp_login(request, device)
            return redirect(_next_url(request))
        else:
            form.add_error("code", _("That code is not right."))
    return _page(
        request,
        "accounts/verify.html",
        {"title": _("Enter your second factor"), "form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def sessions(request: HttpRequest) -> HttpResponse:
    """The signed-in person's sessions, and signing out of all the others."""
    user = request.user
    if request.method == "POST":
        ended = services.sign_out_other_sessions(request=request)
        messages.success(
            request, _("Signed out of every other session (%(n)d listed).") % {"n": ended}
        )
        return redirect("accounts:sessions")
    rows = list(StaffSession.objects.filter(user=user))
    live = set(
        Session.objects.filter(
            session_key__in=[row.session_key for row in rows], expire_date__gt=timezone.now()
        ).values_list("session_key", flat=True)
    )
    # Rows of sessions that ended (signed out, expired) are tidied away when their owner looks.
    StaffSession.objects.filter(pk__in=[r.pk for r in rows if r.session_key not in live]).delete()
    return _page(
        request,
        "accounts/sessions.html",
        {
            "title": _("Your sessions"),
            "rows": [row for row in rows if row.session_key in live],
            "current_key": request.session.session_key,
        },
    )
