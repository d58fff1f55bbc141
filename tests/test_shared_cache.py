"""Issue 21: two application servers on one Redis never serve a stale page after a write.

Runs only when REDIS_URL names a Redis server (CI's and the README's production setup). Two
gunicorn servers share one SQLite file and one Redis database under a key prefix of their own
(removed after); a write committed by a third process (the services, as the review queue calls
them) must show on the next answer of both servers, and a draft's save must leave both servers'
cached pages in place.
"""

import http.client
import os
import secrets
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.urls import reverse

from tools.server import free_port_in, port_range

REDIS_URL = os.environ.get("REDIS_URL", "")
pytestmark = pytest.mark.skipif(not REDIS_URL, reason="needs REDIS_URL (a Redis server)")

SETUP = """
import datetime as dt
from cases.models import Incident, Claim
from accounts.models import User
editor = User.objects.create_user("ed", password="x", is_staff=True)
Incident.objects.create(
    title="Shared incident", slug="shared", occurred_from=dt.date(2024, 1, 1),
    category="torture", status="published", published_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    published_by=editor,
)
Incident.objects.create(
    title="A draft", slug="draft", occurred_from=dt.date(2024, 1, 1), category="torture"
)
Claim.objects.create(incident=Incident.objects.get(slug="shared"), text="Said.", claimant="X")
"""

DECIDE = """
from django.contrib.auth.models import Permission
from accounts.models import User
from cases import services
from cases.models import Claim
editor = User.objects.get(username="ed")
editor.is_superuser = True
editor.save()
services.claim_change_status(
    claim=Claim.objects.get(), status="verified", rationale="Geolocated footage.",
    methods=["geolocation"], by=editor,
)
"""

PUBLISH_DRAFT = """
from accounts.models import User
from cases import services
from cases.models import Incident
editor = User.objects.get(username="ed")
editor.is_superuser = True
editor.save()
draft = Incident.objects.get(slug="draft")
services.incident_transition(incident=draft, action="publish", by=editor)
"""

DRAFT_SAVE = """
from cases.models import Incident
draft = Incident.objects.get(slug="draft")
draft.title = "A draft, retitled"
draft.save()
"""


# Loopback ports these servers may take on a shared machine: SHARED_CACHE_PORTS="first-last".
PORTS = port_range("SHARED_CACHE_PORTS", "8150-8199")


def _get(port: int, path: str) -> tuple[str, str]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        return response.getheader("X-Page-Cache") or "", response.read().decode()
    finally:
        conn.close()


@pytest.fixture
def environment(tmp_path):
    prefix = f"test-shared-{secrets.token_hex(4)}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.shared_cache_settings",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'shared.sqlite3'}",
        "CACHE_KEY_PREFIX": prefix,
        "REDIS_URL": REDIS_URL,
    }
    yield env
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def _manage(env, *args):
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )


@pytest.fixture
def two_servers(environment, tmp_path):
    _manage(environment, "migrate", "--no-input")
    _manage(environment, "shell", "-c", SETUP)
    ports, processes = [], []
    for name in ("a", "b"):
        # The first server may not be listening yet: never hand out its port twice.
        after = ports[-1] if ports else 0
        port = free_port_in([p for p in PORTS if p > after])
        with (tmp_path / f"{name}.log").open("w") as log:
            processes.append(
                subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "config.wsgi:application",
                        "--workers=1",
                        f"--bind=127.0.0.1:{port}",
                    ],  # fmt: skip
                    cwd=settings.BASE_DIR,
                    env=environment,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )
        ports.append(port)
    try:
        for port in ports:
            deadline = time.monotonic() + 60
            while True:
                try:
                    _get(port, "/health/")
                    break
                except OSError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
        yield ports
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=30)


def test_a_write_invalidates_the_pages_of_both_servers(environment, two_servers):
    a, b = two_servers
    page = reverse("cases:incident_detail", kwargs={"slug": "shared"})
    assert _get(a, page)[0] == "miss"
    # Server B uses the page server A cached: one cache.
    assert _get(b, page)[0] == "hit"
    _manage(environment, "shell", "-c", DRAFT_SAVE)
    assert _get(a, page)[0] == "hit" and _get(b, page)[0] == "hit"
    _manage(environment, "shell", "-c", DECIDE)
    header, html = _get(b, page)
    assert header == "miss" and "Geolocated footage." in html
    assert _get(a, page)[0] == "hit"
    assert "Geolocated footage." in _get(a, page)[1]


def test_a_publication_on_one_server_shows_on_the_others_list(environment, two_servers):
    a, b = two_servers
    listing = reverse("cases:incident_list")
    assert "A draft" not in _get(b, listing)[1]
    _manage(environment, "shell", "-c", PUBLISH_DRAFT)
    header, html = _get(b, listing)
    assert header == "miss" and "A draft" in html
    assert "A draft" in _get(a, listing)[1]
