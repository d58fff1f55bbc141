"""Behind proxies, the login lockout and the API throttle key on the client's own address."""

import json
import subprocess
import sys

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.throttling import AnonRateThrottle

from tests.test_hardening import ROOT, production_env

pytestmark = pytest.mark.django_db

PROXY = "10.0.0.1"  # our TLS proxy: every request reaches the app from here
ADDRESS_A = "203.0.113.5"
ADDRESS_B = "198.51.100.7"


def sign_in(client, password, *, forwarded, remote=PROXY):
    return client.post(
        "/admin/login/",
        {"username": "eddie", "password": password, "next": "/admin/"},
        REMOTE_ADDR=remote,
        HTTP_X_FORWARDED_FOR=forwarded,
    )


def test_behind_one_proxy_a_lockout_binds_the_attackers_address_only(settings, editor):
    settings.TRUSTED_PROXIES = 1
    attacker = Client()
    for attempt in range(1, 6):
        # The attacker forges an entry; the proxy appends the address it really saw.
        response = sign_in(attacker, "wrong guess", forwarded=f"192.0.2.{attempt}, {ADDRESS_A}")
        assert response.status_code == (429 if attempt == 5 else 200)
    # From A, even the right password is refused until the cool-off has passed.
    assert sign_in(attacker, "correct horse battery", forwarded=ADDRESS_A).status_code == 429

    # Eddie, through the same proxy from his own address, signs in.
    eddie = Client()
    response = sign_in(eddie, "correct horse battery", forwarded=ADDRESS_B)
    assert response.status_code == 302
    # The password step passed; the admin then asks for his second factor (issue 20).
    assert eddie.get("/admin/")["Location"].startswith(reverse("accounts:two_factor_setup"))


def test_without_trusted_proxies_a_forged_header_does_not_reset_the_count(settings, editor):
    settings.TRUSTED_PROXIES = 0
    attacker = Client()
    codes = [
        sign_in(attacker, "wrong", forwarded=f"192.0.2.{n}", remote=ADDRESS_A).status_code
        for n in range(1, 7)
    ]
    assert codes == [200, 200, 200, 200, 429, 429]
    # Eddie connects directly from elsewhere and is not locked out.
    response = sign_in(Client(), "correct horse battery", forwarded=ADDRESS_A, remote=ADDRESS_B)
    assert response.status_code == 302


@pytest.fixture
def three_a_minute(monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "THROTTLE_RATES", {"anon": "3/min"})
    cache.clear()
    yield
    cache.clear()


def api(client, *, forwarded, remote=PROXY):
    return client.get("/api/v1/incidents/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)


def test_without_trusted_proxies_varying_the_header_does_not_evade_the_throttle(
    settings, client, three_a_minute
):
    settings.TRUSTED_PROXIES = 0
    codes = [api(client, forwarded=f"192.0.2.{n}", remote=ADDRESS_A).status_code for n in range(6)]
    assert codes == [200, 200, 200, 429, 429, 429]


def test_behind_one_proxy_each_client_has_its_own_allowance(settings, client, three_a_minute):
    settings.TRUSTED_PROXIES = 1
    # A forges different leftmost entries; the proxy's entry (rightmost) stays A.
    codes_a = [api(client, forwarded=f"192.0.2.{n}, {ADDRESS_A}").status_code for n in range(4)]
    assert codes_a == [200, 200, 200, 429]
    assert api(client, forwarded=ADDRESS_B).status_code == 200


def test_behind_two_proxies_the_second_entry_from_the_right_is_the_client(
    settings, client, three_a_minute
):
    settings.TRUSTED_PROXIES = 2
    # The outer proxy appended A; the inner proxy appended the outer one's address.
    codes = [
        api(client, forwarded=f"192.0.2.{n}, {ADDRESS_A}, 10.0.0.2").status_code for n in range(4)
    ]
    assert codes == [200, 200, 200, 429]
    assert api(client, forwarded=f"{ADDRESS_B}, 10.0.0.2").status_code == 200


def _settings_in_production(**env):
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "from rest_framework.settings import api_settings as a; "
        "print(json.dumps([s.TRUSTED_PROXIES, a.NUM_PROXIES, s.AXES_CLIENT_IP_CALLABLE]))"
    )
    return subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env=production_env(**env),
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_one_setting_reaches_the_lockout_and_the_throttle():
    result = _settings_in_production(TRUSTED_PROXIES="2")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [2, 2, "config.proxies.client_address"]
    default = _settings_in_production()
    assert json.loads(default.stdout)[:2] == [0, 0]


def test_a_negative_number_of_proxies_is_refused():
    result = _settings_in_production(TRUSTED_PROXIES="-1")
    assert result.returncode != 0
    assert "TRUSTED_PROXIES must be 0 or more" in result.stderr
