"""Two-factor sign-in (issue 20): who must give a second factor, enrolment with a QR code,
the second step with an app code or a backup code, throttling, and recovery by a superuser."""

import re

import pytest
from django.contrib import admin
from django.test import override_settings
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import AccessEvent
from tests.security_fixtures import SecondFactorClient, enrol_authenticator, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "correct horse battery"


def sign_in_with_password(user, **extra) -> SecondFactorClient:
    """A browser that typed the right password on the admin's login page, nothing more."""
    browser = SecondFactorClient(verified=False)
    response = browser.post(
        reverse("admin:login"),
        {"username": user.username, "password": PASSWORD, "next": reverse("admin:index")},
        **extra,
    )
    assert response.status_code == 302
    return browser


def setup_url(next_url):
    return f"{reverse('accounts:two_factor_setup')}?next={next_url.replace('/', '%2F')}"


@pytest.mark.parametrize("who", ["editor", "superuser"])
def test_editors_and_superusers_cannot_reach_the_admin_with_a_password_alone(request, who):
    browser = sign_in_with_password(request.getfixturevalue(who))
    for url in [reverse("admin:index"), reverse("admin:cases_incident_changelist")]:
        response = browser.get(url)
        assert response.status_code == 302
        assert response["Location"] == setup_url(url)
    review = browser.get(reverse("review:review_queue"))
    assert review["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_a_researcher_needs_no_second_factor_unless_the_setting_asks(researcher, settings):
    browser = sign_in_with_password(researcher)
    assert browser.get(reverse("admin:index")).status_code == 200
    settings.TWO_FACTOR_FOR_RESEARCHERS = True
    response = sign_in_with_password(researcher).get(reverse("admin:index"))
    assert response["Location"] == setup_url(reverse("admin:index"))


def test_enrolment_with_the_qr_code_then_the_admin_opens(editor):
    browser = sign_in_with_password(editor)
    page = browser.get(reverse("accounts:two_factor_setup"))
    html = page.content.decode()
    assert page.status_code == 200
    assert "<svg" in html and "QR code for your authenticator app" in html
    device = TOTPDevice.objects.get(user=editor, confirmed=False)
    # The typed key is the device's secret in base32 (what the QR code carries too).
    assert re.search(r'class="typed-key">([A-Z2-7 ]+)<', html)

    wrong = browser.post(reverse("accounts:two_factor_setup"), {"code": "000000"})
    assert wrong.status_code == 400
    assert "That code is not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=editor, confirmed=True).exists()

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = browser.post(
        reverse("accounts:two_factor_setup"),
        {"code": totp_code(device.key), "next": reverse("admin:index")},
    )
    assert done.status_code == 200
    codes = re.findall(r"<li><code>([0-9a-f]{10})</code></li>", done.content.decode())
    assert len(codes) == 10
    assert TOTPDevice.objects.get(user=editor).confirmed
    assert StaticToken.objects.filter(device__user=editor).count() == 10
    assert browser.get(reverse("admin:index")).status_code == 200
    event = AccessEvent.objects.get(action=AccessEvent.Action.TWO_FACTOR_ENROLLED)
    assert (event.user, event.object_repr) == (editor, str(editor))


def test_the_second_step_takes_an_app_code_and_returns_to_next(editor):
    device = enrol_authenticator(editor)
    browser = sign_in_with_password(editor)
    target = reverse("admin:cases_incident_changelist")
    response = browser.get(target)
    verify_url = reverse("accounts:two_factor_verify")
    assert response["Location"].startswith(verify_url)

    wrong = browser.post(verify_url, {"code": "123456", "next": target})
    assert wrong.status_code == 400
    assert browser.get(target).status_code == 302

    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.save()
    right = browser.post(verify_url, {"code": totp_code(device.key), "next": target})
    assert right["Location"] == target
    assert browser.get(target).status_code == 200


def test_a_backup_code_works_once(editor):
    enrol_authenticator(editor)
    backup = StaticDevice.objects.create(user=editor, name="Backup codes")
    StaticToken.objects.create(device=backup, token="a1b2c3d4e5")
    verify_url = reverse("accounts:two_factor_verify")
    first = sign_in_with_password(editor)
    assert first.post(verify_url, {"code": "A1B2 C3D4 E5"}).status_code == 302
    assert first.get(reverse("admin:index")).status_code == 200
    second = sign_in_with_password(editor)
    assert second.post(verify_url, {"code": "a1b2c3d4e5"}).status_code == 400
    assert second.get(reverse("admin:index")).status_code == 302


def test_wrong_codes_are_throttled_even_before_a_right_one(editor):
    device = enrol_authenticator(editor)
    browser = sign_in_with_password(editor)
    verify_url = reverse("accounts:two_factor_verify")
    browser.post(verify_url, {"code": "000000"})
    # Right after a failure the device refuses even the right code for a while.
    response = browser.post(verify_url, {"code": totp_code(device.key)})
    assert response.status_code == 400
    assert "Too many wrong codes" in response.content.decode()
    assert browser.get(reverse("admin:index")).status_code == 302


def test_password_lockout_still_applies_to_the_first_step(editor, settings):
    settings.AXES_FAILURE_LIMIT = 3
    browser = SecondFactorClient(verified=False)
    for _ in range(3):
        browser.post(reverse("admin:login"), {"username": "eddie", "password": "nope"})
    locked = browser.post(reverse("admin:login"), {"username": "eddie", "password": PASSWORD})
    assert locked.status_code == 429


def test_next_must_stay_on_this_site(editor):
    device = enrol_authenticator(editor)
    browser = sign_in_with_password(editor)
    response = browser.post(
        reverse("accounts:two_factor_verify"),
        {"code": totp_code(device.key), "next": "https://evil.example/admin/"},
    )
    assert response["Location"] == reverse("admin:index")


def test_a_password_alone_cannot_enrol_a_new_app(editor):
    enrol_authenticator(editor)
    browser = sign_in_with_password(editor)
    response = browser.get(reverse("accounts:two_factor_setup"))
    assert response["Location"].startswith(reverse("accounts:two_factor_verify"))
    assert TOTPDevice.objects.filter(user=editor).count() == 1


def test_new_backup_codes_replace_the_old_ones_and_are_logged(client, editor):
    enrol_authenticator(editor)
    old = StaticDevice.objects.create(user=editor, name="Backup codes")
    StaticToken.objects.create(device=old, token="0000000000")
    client.force_login(editor)
    response = client.post(reverse("accounts:two_factor_backup_codes"))
    assert response.status_code == 200
    assert not StaticToken.objects.filter(token="0000000000").exists()
    assert StaticToken.objects.filter(device__user=editor).count() == 10
    assert AccessEvent.objects.filter(action="2fa_backup_codes", user=editor).exists()


def test_superuser_resets_a_lost_second_factor_with_a_reason(client, superuser, editor):
    enrol_authenticator(editor)
    editors_browser = SecondFactorClient()
    editors_browser.force_login(editor)
    assert editors_browser.get(reverse("admin:index")).status_code == 200
    client.force_login(superuser)
    url = reverse("admin:accounts_user_security", args=[editor.pk])

    refused = client.post(url, {"action": "reset", "reset-reason": " "})
    assert refused.status_code == 400
    assert TOTPDevice.objects.filter(user=editor).exists()

    response = client.post(url, {"action": "reset", "reset-reason": "Phone stolen; called her."})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=editor).exists()
    event = AccessEvent.objects.get(action=AccessEvent.Action.TWO_FACTOR_RESET)
    assert event.user == superuser
    assert event.object_id == str(editor.pk)
    assert event.detail["reason"] == "Phone stolen; called her."
    # The editor's open session ended; at the next sign-in they enrol again.
    assert editors_browser.get(reverse("admin:index"))["Location"].startswith(
        reverse("admin:login")
    )
    again = sign_in_with_password(editor).get(reverse("admin:index"))
    assert again["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_only_superusers_open_a_persons_security_page(client, editor, researcher):
    url = reverse("admin:accounts_user_security", args=[researcher.pk])
    client.force_login(editor)
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "sign_out"}).status_code == 403
    assert not AccessEvent.objects.exists()


def test_django_otp_device_pages_are_not_in_the_admin():
    assert not admin.site.is_registered(TOTPDevice)
    assert not admin.site.is_registered(StaticDevice)


@override_settings(TWO_FACTOR_FOR_RESEARCHERS=False)
def test_the_enrolment_page_keeps_the_strict_content_security_policy(editor):
    browser = sign_in_with_password(editor)
    response = browser.get(reverse("accounts:two_factor_setup"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert " style=" not in response.content.decode()
    assert "<script>" not in response.content.decode()
