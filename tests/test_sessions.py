"""Session control (issue 20): one's own sessions, signing out elsewhere, a superuser signing a
person out everywhere, suspension (read-only or no access) without deleting, idle expiry."""

import time

import pytest
from django.contrib.sessions.models import Session
from django.urls import reverse

from accounts.middleware import LAST_ACTIVE_KEY
from accounts.models import AccessEvent, StaffSession, User
from tests.factories import IncidentFactory
from tests.security_fixtures import SecondFactorClient

pytestmark = pytest.mark.django_db


def signed_in(user, **extra) -> SecondFactorClient:
    browser = SecondFactorClient(**extra)
    browser.force_login(user)
    return browser


def is_signed_in(browser) -> bool:
    return browser.get(reverse("admin:index")).status_code == 200


def test_own_sessions_are_listed_and_the_others_signed_out(editor, settings):
    settings.TRUSTED_PROXIES = 1
    laptop = signed_in(editor)
    phone = signed_in(editor)
    laptop.get(
        reverse("admin:index"),
        HTTP_USER_AGENT="Laptop browser",
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="203.0.113.5",
    )
    phone.get(reverse("admin:index"), HTTP_USER_AGENT="Phone browser")
    page = laptop.get(reverse("accounts:sessions")).content.decode()
    assert "Laptop browser" in page and "Phone browser" in page and "203.0.113.5" in page

    response = laptop.post(
        reverse("accounts:sessions"), REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.5"
    )
    assert response.status_code == 302
    assert not is_signed_in(phone)
    # This browser stays signed in, second factor included.
    assert is_signed_in(laptop)
    assert list(StaffSession.objects.values_list("session_key", flat=True)) == [
        laptop.session.session_key
    ]
    event = AccessEvent.objects.get(action=AccessEvent.Action.SIGNED_OUT_OTHERS)
    assert (event.user, event.address) == (editor, "203.0.113.5")


def test_a_superuser_signs_a_person_out_everywhere(client, superuser, editor):
    browsers = [signed_in(editor), signed_in(editor)]
    assert all(is_signed_in(b) for b in browsers)
    client.force_login(superuser)
    response = client.post(
        reverse("admin:accounts_user_security", args=[editor.pk]),
        {"action": "sign_out"},
        REMOTE_ADDR="198.51.100.7",
    )
    assert response.status_code == 302
    for browser in browsers:
        response = browser.get(reverse("admin:index"))
        assert response["Location"].startswith(reverse("admin:login"))
    assert not StaffSession.objects.filter(user=editor).exists()
    event = AccessEvent.objects.get(action=AccessEvent.Action.SIGNED_OUT_EVERYWHERE)
    assert (event.user, event.object_id, event.address) == (
        superuser,
        str(editor.pk),
        "198.51.100.7",
    )
    # The superuser's own session is untouched.
    assert is_signed_in(client)


def suspend(client, person, access, reason="Left the organisation."):
    return client.post(
        reverse("admin:accounts_user_security", args=[person.pk]),
        {"action": "suspend", "suspend-access": access, "suspend-reason": reason},
    )


def test_read_only_suspension_keeps_viewing_and_refuses_writing(client, superuser, editor):
    incident = IncidentFactory()
    client.force_login(superuser)
    assert suspend(client, editor, "read_only").status_code == 302
    editor.refresh_from_db()
    assert editor.access == User.Access.READ_ONLY
    assert editor.has_perm("cases.view_incident")
    assert not editor.has_perm("cases.change_incident")
    assert not editor.has_perm("cases.publish_incident")

    browser = signed_in(editor)
    assert (
        browser.get(reverse("admin:cases_incident_change", args=[incident.pk])).status_code == 200
    )
    assert browser.get(reverse("admin:cases_incident_add")).status_code == 403
    event = AccessEvent.objects.get(action=AccessEvent.Action.SUSPENDED)
    assert event.detail == {"access": "read_only", "reason": "Left the organisation."}

    client.post(reverse("admin:accounts_user_security", args=[editor.pk]), {"action": "restore"})
    editor.refresh_from_db()
    assert editor.access == User.Access.FULL and editor.has_perm("cases.change_incident")
    assert AccessEvent.objects.filter(action=AccessEvent.Action.RESTORED).exists()


def test_no_access_ends_open_sessions_and_refuses_sign_in(client, superuser, researcher):
    browser = signed_in(researcher)
    assert is_signed_in(browser)
    client.force_login(superuser)
    assert suspend(client, researcher, "no_access").status_code == 302
    assert browser.get(reverse("admin:index"))["Location"].startswith(reverse("admin:login"))
    again = SecondFactorClient()
    response = again.post(
        reverse("admin:login"), {"username": "rita", "password": "correct horse battery"}
    )
    assert response.status_code == 200  # the login form again
    assert "_auth_user_id" not in again.session
    # Nothing was deleted.
    assert User.objects.filter(pk=researcher.pk, is_active=True).exists()


def test_a_suspension_needs_a_reason_and_not_oneself(client, superuser, editor):
    client.force_login(superuser)
    assert suspend(client, editor, "no_access", reason="").status_code == 400
    response = suspend(client, superuser, "read_only")
    assert "You cannot suspend your own account" in response.content.decode()
    assert set(User.objects.values_list("access", flat=True)) == {"full"}
    assert not AccessEvent.objects.exists()


def test_idle_sessions_expire(editor, settings):
    settings.SESSION_IDLE_MINUTES = 30
    browser = signed_in(editor)
    assert is_signed_in(browser)
    session = browser.session
    session[LAST_ACTIVE_KEY] = int(time.time()) - 29 * 60
    session.save()
    assert is_signed_in(browser)
    session = browser.session
    session[LAST_ACTIVE_KEY] = int(time.time()) - 31 * 60
    session.save()
    response = browser.get(reverse("admin:index"))
    assert response["Location"].startswith(reverse("admin:login"))
    assert not Session.objects.filter(session_key=session.session_key).exists()


def test_query_budget_of_a_signed_in_page(client, editor, django_assert_max_num_queries):
    client.force_login(editor)
    client.get(reverse("accounts:two_factor"))  # the first request writes the sessions row
    # session, user, the verifying device, groups (role check for the page), the app, the
    # backup codes
    with django_assert_max_num_queries(6):
        assert client.get(reverse("accounts:two_factor")).status_code == 200
