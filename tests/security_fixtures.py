"""Test helpers for two-factor sign-in (issue 20).

Staff who must give a second factor reach nothing but the second-factor pages until they have.
Tests that are not about signing in log staff in with ``client.force_login`` as before: the
``client`` fixture here is a ``SecondFactorClient``, whose ``force_login`` (and ``login``) also
marks the session verified, as django-otp does after a right code. Tests of the second step
itself use ``SecondFactorClient(verified=False)`` or ``client.verified = False``.
"""

import hashlib
import hmac
import struct
import time

import pytest
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

TEST_DEVICE_NAME = "tests: verified session"


def mark_verified(client: Client, user) -> None:
    """Record in ``client``'s session that ``user`` gave a second factor."""
    device = StaticDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = StaticDevice.objects.create(user=user, name=TEST_DEVICE_NAME, confirmed=True)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()


class SecondFactorClient(Client):
    """django's test client whose sign-ins count as two-factor sign-ins (unless told not to)."""

    def __init__(self, *args, verified: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        self.verified = verified

    def force_login(self, user, backend=None):
        super().force_login(user, backend)
        if self.verified:
            mark_verified(self, user)

    def login(self, **credentials):
        signed_in = super().login(**credentials)
        if signed_in and self.verified:
            from django.contrib.auth import get_user_model

            username = credentials.get(get_user_model().USERNAME_FIELD)
            mark_verified(self, get_user_model()._default_manager.get_by_natural_key(username))
        return signed_in


@pytest.fixture
def client() -> SecondFactorClient:
    """pytest-django's ``client``, with verified staff sign-ins (see the module docstring)."""
    return SecondFactorClient()


def totp_code(key_hex: str, *, at: float | None = None, step: int = 30, digits: int = 6) -> str:
    """The RFC 6238 code an authenticator app shows for ``key_hex``: computed here, not by
    django-otp, so the tests check the server against the standard."""
    counter = int((time.time() if at is None else at) // step)
    mac = hmac.new(bytes.fromhex(key_hex), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = mac[-1] & 0x0F
    number = struct.unpack(">I", mac[offset : offset + 4])[0] & 0x7FFFFFFF
    return str(number % 10**digits).zfill(digits)


def enrol_authenticator(user) -> TOTPDevice:
    """Give ``user`` a confirmed authenticator app (as if they had enrolled) and return it."""
    return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)
