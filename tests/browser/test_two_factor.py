"""Two-factor sign-in in a real browser (issue 20): an editor enrols from the QR page with a code
computed in the test (RFC 6238), then signs in with password and code; without the code, or with a
wrong one, the admin stays closed. Screenshots of the enrolment page at 1280 and 375 px."""

import base64

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import DEMO_PASSWORD, PHONE
from tests.browser.test_accessibility import axe_violations
from tests.security_fixtures import totp_code

pytestmark = pytest.mark.browser


def password_step(page: Page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/admin/login/?next=/admin/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_editor_enrols_with_the_qr_page_then_reaches_the_admin(
    page: Page, live_server, demo, screenshots
) -> None:
    password_step(page, live_server, "editor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.locator(".qr-code svg")).to_be_visible()
    assert not (report := axe_violations(page)), report
    page.screenshot(path=screenshots / "two-factor-setup-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots / "two-factor-setup-375.png", full_page=True)
    assert not (report := axe_violations(page)), report

    # What a person types into their app: the key shown under the QR code.
    typed = page.locator(".typed-key").inner_text().replace(" ", "")
    key = base64.b32decode(typed + "=" * (-len(typed) % 8)).hex()
    page.get_by_label("Type the 6-digit code the app shows").fill(totp_code(key))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Two-factor sign-in is on")
    expect(page.locator(".backup-codes li")).to_have_count(10)
    page.get_by_role("link", name="Continue").click()
    expect(page).to_have_url(f"{live_server.url}/admin/")


def test_enrolled_editor_needs_the_right_code(page: Page, live_server, demo) -> None:
    from accounts.models import User
    from tests.security_fixtures import enrol_authenticator

    device = enrol_authenticator(User.objects.get(username="editor"))
    password_step(page, live_server, "editor")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your second factor")
    # Without the code the admin stays closed.
    page.goto(f"{live_server.url}/admin/cases/incident/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your second factor")
    page.get_by_label("Code").fill("000000" if totp_code(device.key) != "000000" else "111111")
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".errorlist")).to_contain_text("not right")
    # django-otp delays the next try after a wrong code (1 s, doubling).
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    page.get_by_label("Code").fill(totp_code(device.key))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(f"{live_server.url}/admin/cases/incident/")
