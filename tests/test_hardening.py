"""Hardened settings, friendly error pages, the database-outage 503 and login throttling."""

import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest
from django.db import OperationalError
from django.db.backends.utils import CursorWrapper
from django.test import Client, override_settings
from django.urls import path

from tests.factories import IncidentFactory, UserFactory

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def production_env(**extra: str) -> dict[str, str]:
    """The environment of a production deployment: no DEBUG, a real key, a named host."""
    environment = {
        key: value
        for key, value in os.environ.items()
        # DJANGO_ALLOW_ASYNC_UNSAFE is set for the browser tests, never in a deployment.
        if not key.startswith(
            ("SECRET_KEY", "DEBUG", "SECURE_", "ALLOWED_HOSTS", "DJANGO_ALLOW_ASYNC_UNSAFE")
        )
    }
    environment.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DEBUG="0",
        SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="tracker.example.org",
        # issue 17: the transparency log's signing key (ledger.E001 without it).
        LEDGER_SIGNING_KEY=base64.b64encode(secrets.token_bytes(32)).decode(),
        **extra,
    )
    return environment


def test_check_deploy_with_production_settings_prints_no_warning():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


PRINT_SECURITY = (
    "import django, json; django.setup(); from django.conf import settings as s; "
    "print(json.dumps([s.SECURE_SSL_REDIRECT, s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, "
    "s.SESSION_COOKIE_HTTPONLY, s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, "
    "s.SECURE_HSTS_PRELOAD, s.SECURE_REFERRER_POLICY, s.X_FRAME_OPTIONS, "
    "s.SECURE_CONTENT_TYPE_NOSNIFF, s.SECURE_PROXY_SSL_HEADER]))"
)


def production_values(**extra: str) -> list:
    import json

    result = subprocess.run(
        [sys.executable, "-c", PRINT_SECURITY],
        cwd=ROOT,
        env=production_env(**extra),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_production_settings_values():
    assert production_values() == [
        True,
        True,
        True,
        True,
        31536000,
        True,
        True,
        "same-origin",
        "DENY",
        True,
        None,
    ]


def test_proxy_header_and_redirect_are_configurable():
    values = production_values(
        SECURE_SSL_REDIRECT="0",
        SECURE_HSTS_PRELOAD="0",
        SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO,https",
    )
    assert values[0] is False and values[6] is False
    assert values[10] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_bad_proxy_header_is_rejected():
    result = subprocess.run(
        [sys.executable, "-c", PRINT_SECURITY],
        cwd=ROOT,
        env=production_env(SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0 and "SECURE_PROXY_SSL_HEADER must be" in result.stderr


# --- headers -------------------------------------------------------------------------------------


def test_security_headers_on_public_pages(client):
    response = client.get("/en/")
    csp = response["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_session_cookie_is_secure_and_http_only(client, settings):
    user = UserFactory(is_staff=True)
    response = client.post(
        "/admin/login/",
        {"username": user.username, "password": "correct horse battery", "next": "/admin/"},
        REMOTE_ADDR="10.0.0.9",
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]


TEMPLATE_DIRS = [ROOT / "templates"]


def inline_code(html: str) -> list[str]:
    """Inline <script> with code, style="" attributes and on*="" handlers the CSP would block.

    Data blocks (JSON-LD, json_script) are never executed and the CSP does not apply to them.
    """
    import re

    data_block = r"type=\"application/(?:ld\+)?json\""
    found = re.findall(rf"<script(?![^>]*\bsrc=)(?![^>]*{data_block})[^>]*>\s*\S", html)
    found += re.findall(r"\sstyle=\"", html)
    found += re.findall(r"\son[a-z]+=\"", html)
    return found


def test_our_templates_have_no_inline_script_or_style():
    for template in (ROOT / "templates").rglob("*.html"):
        assert inline_code(template.read_text()) == [], template


def test_admin_pages_render_without_inline_code(client_for, superuser):
    """The admin (nested inlines, autocomplete, history) needs nothing the CSP refuses."""
    from tests.factories import ClaimFactory

    client = client_for(superuser)
    claim = ClaimFactory(incident=IncidentFactory(published=True))
    for url in [
        "/admin/",
        "/admin/cases/incident/",
        "/admin/cases/incident/add/",
        f"/admin/cases/incident/{claim.incident.pk}/change/",
        "/admin/cases/incident/import/",
        "/admin/sources/source/add/",
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert inline_code(response.content.decode()) == [], url


# --- error pages ---------------------------------------------------------------------------------


def boom(request):
    raise RuntimeError("SECRET-STACK-DETAIL in a view")


def db_gone(request):
    raise OperationalError("server closed the connection unexpectedly")


urlpatterns = [
    path("boom/", boom),
    path("db-gone/", db_gone),
]


def test_404_page_is_friendly(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "Page not found" in html and "Browse the published incidents" in html
    assert "Traceback" not in html


def test_403_page_is_friendly(client_for, reader):
    response = client_for(reader).get("/en/review/")
    assert response.status_code == 403
    assert "You are not allowed to do this" in response.content.decode()


def test_400_page_is_friendly(client):
    response = client.get("/en/", HTTP_HOST="evil.example.com")
    assert response.status_code == 400
    assert "We could not understand that request" in response.content.decode()


@override_settings(ROOT_URLCONF="tests.test_hardening")
def test_500_page_shows_no_trace():
    client = Client(raise_request_exception=False)
    response = client.get("/boom/")
    assert response.status_code == 500
    html = response.content.decode()
    assert "Something went wrong on our side" in html
    assert "SECRET-STACK-DETAIL" not in html and "Traceback" not in html


@override_settings(ROOT_URLCONF="tests.test_hardening")
def test_database_error_in_a_view_is_a_503_with_retry_after(caplog):
    response = Client().get("/db-gone/")
    assert response.status_code == 503
    assert response["Retry-After"] == "5"
    html = response.content.decode()
    assert "briefly unavailable" in html and "server closed" not in html
    assert "Database unavailable" in caplog.text


def test_database_outage_gives_503_and_the_site_recovers(client_for, editor):
    """Every query fails as when PostgreSQL restarts; once it answers again, pages are back."""
    incident = IncidentFactory(published=True, title="Back again")
    gone = OperationalError("could not connect to server: Connection refused")
    for user in (None, editor):
        client = client_for(user)
        with mock.patch.object(CursorWrapper, "execute", side_effect=gone):
            for url in ("/en/", "/en/incidents/", incident.get_absolute_url()):
                response = client.get(url)
                assert response.status_code == 503, url
                assert response["Retry-After"]
                assert "could not connect" not in response.content.decode()
        assert "Back again" in client.get("/en/incidents/").content.decode()


def test_database_outage_outside_a_view_is_a_503():
    """The session is loaded and saved by middleware; a failure there is also a 503."""
    client = Client(raise_request_exception=False)
    client.cookies["sessionid"] = "x" * 32
    gone = OperationalError("terminating connection due to administrator command")
    with mock.patch.object(CursorWrapper, "execute", side_effect=gone):
        response = client.get("/admin/")
    assert response.status_code == 503


# --- login throttling ----------------------------------------------------------------------------


def test_login_locks_after_five_failures_even_with_the_right_password(client):
    user = UserFactory(username="target", is_staff=True)
    for attempt in range(1, 6):
        response = client.post(
            "/admin/login/",
            {"username": "target", "password": "wrong guess"},
            REMOTE_ADDR="1.2.3.4",
        )
        # The login form again with its error; the fifth failure locks.
        assert response.status_code == (429 if attempt == 5 else 200)
    response = client.post(
        "/admin/login/",
        {"username": "target", "password": "correct horse battery"},
        REMOTE_ADDR="1.2.3.4",
    )
    assert response.status_code == 429
    html = response.content.decode()
    assert "Sign-in temporarily locked" in html and "5 failed sign-ins" in html
    assert "_auth_user_id" not in client.session
    # Another address may still sign in as the same user (no remote lock-out of colleagues).
    other = Client()
    response = other.post(
        "/admin/login/",
        {"username": user.username, "password": "correct horse battery", "next": "/admin/"},
        REMOTE_ADDR="5.6.7.8",
    )
    assert response.status_code == 302


def test_success_before_the_limit_resets_the_count(client):
    UserFactory(username="forgetful", is_staff=True)
    for _ in range(4):
        client.post("/admin/login/", {"username": "forgetful", "password": "no"})
    ok = client.post(
        "/admin/login/", {"username": "forgetful", "password": "correct horse battery"}
    )
    assert ok.status_code == 302
    client.logout()
    for _ in range(4):
        client.post("/admin/login/", {"username": "forgetful", "password": "no"})
    ok = client.post(
        "/admin/login/", {"username": "forgetful", "password": "correct horse battery"}
    )
    assert ok.status_code == 302
