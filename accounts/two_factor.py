"""Two-factor sign-in with django-otp: who must give a second factor, and the devices.

An authenticator app (TOTP, RFC 6238) is the second factor; ten single-use backup codes
(django-otp's static device) get a person in when the phone is lost. Wrong codes are throttled
per device by django-otp (a delay that doubles with each failure). See
docs/decisions/0013-two-factor-with-django-otp.md.
"""

import secrets

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user, user_has_device
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.roles import EDITORS, RESEARCHERS

BACKUP_CODE_COUNT = 10
APP_DEVICE_NAME = "Authenticator app"
BACKUP_DEVICE_NAME = "Backup codes"


def requires_second_factor(user) -> bool:
    """Superusers and Editors always; Researchers when TWO_FACTOR_FOR_RESEARCHERS is on; anyone
    who enrolled an app. Cached on the user object for the request."""
    if not user.is_authenticated:
        return False
    cached = getattr(user, "_requires_second_factor", None)
    if cached is None:
        roles = {EDITORS, RESEARCHERS} if settings.TWO_FACTOR_FOR_RESEARCHERS else {EDITORS}
        cached = (
            user.is_superuser
            or user.groups.filter(name__in=roles).exists()
            or user_has_device(user, confirmed=True)
        )
        user._requires_second_factor = cached
    return cached


def is_verified(user) -> bool:
    """Whether this session gave a second factor (set by django-otp's OTPMiddleware)."""
    return bool(getattr(user, "is_verified", lambda: False)())


def has_enrolled(user) -> bool:
    return user_has_device(user, confirmed=True)


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_authenticator(user) -> TOTPDevice:
    """The not-yet-confirmed app being enrolled (one per person; reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=APP_DEVICE_NAME, confirmed=False)
    return device


def provisioning_svg(device: TOTPDevice) -> str:
    """The otpauth:// address as a QR code: inline SVG, drawn on the server (no script, no
    style attribute, so the Content-Security-Policy stays as strict)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(
        scale=5, title="QR code for your authenticator app", dark="#000", light="#fff"
    )


def typed_key(device: TOTPDevice) -> str:
    """The secret in base32, in groups of four, for people who cannot scan the code."""
    from base64 import b32encode

    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i : i + 4] for i in range(0, len(key), 4))


@transaction.atomic
def new_backup_codes(user) -> list[str]:
    """Replace this person's backup codes with ten new ones; return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(
        user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = [secrets.token_hex(5) for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def backup_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def confirm_authenticator(device: TOTPDevice) -> None:
    """Make ``device`` the person's one app: older apps and other pending ones are removed."""
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])


def remove_all_devices(user) -> int:
    removed = 0
    for device in devices_for_user(user, confirmed=None):
        device.delete()
        removed += 1
    return removed
