"""Issue 22: public reads from a real streaming replica; staff, writes and writers on the primary.

The fixture makes a second PostgreSQL cluster on this machine (tools/pgreplica.py:
pg_basebackup of the primary at DATABASE_URL's host, then pg_ctl on a port of
REPLICA_TEST_PORTS) and serves the site from gunicorn with DATABASE_REPLICA_URLS naming it, on a
database of its own (``<DATABASE_URL's name>_replica_<xdist worker>``) created and migrated on
the primary first. Pausing the replica's replay (``pg_wal_replay_pause()``) makes the lag case
visible: an anonymous reader may see the previous version, staff never do.

Skipped without PostgreSQL (DATABASE_URL: CI's SQLite pass), and without pg_basebackup/pg_ctl
or a primary that allows replication, except under CI, where those fail: CI has them in
/usr/lib/postgresql/15/bin and `.ci/run` allows replication connections from 127.0.0.1.
"""

import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dj_database_url
import pytest
import requests
from django.conf import settings

from tools.pgreplica import Replica, create_database, drop_database, postgres_bin
from tools.server import free_port_in, port_range

PRIMARY_URL = os.environ.get("DATABASE_URL", "")
PIN_SECONDS = 2


def _skip_or_fail(reason: str):
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the replica tests: {reason}")
    pytest.skip(reason)


SETUP = """
import datetime as dt
from django.contrib.auth.models import Group
from accounts.models import User
from cases.models import Claim, Incident
rita = User.objects.create_user("rita", password="replica-test-pass", is_staff=True)
rita.groups.add(Group.objects.get(name="Researchers"))
User.objects.create_user("ed", password="x", is_staff=True, is_superuser=True)
incident = Incident.objects.create(
    title="Replicated incident", slug="replicated", occurred_from=dt.date(2024, 1, 1),
    category="torture", status="published", published_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    published_by=User.objects.get(username="ed"),
)
Claim.objects.create(incident=incident, text="Prisoners were shot.", claimant="A witness")
from tests.factories import SourceFileFactory
released = SourceFileFactory(is_restricted=False, content=b"A witness's video, released.")
released.source.incidents.add(incident)
"""

# An editor restricts the released file (a witness asked), through the service.
RESTRICT = """
from accounts.models import User
from sources import services
from sources.models import SourceFile
services.source_file_update(
    source_file=SourceFile.objects.get(), by=User.objects.get(username="ed"),
    is_restricted=True, is_graphic=False, notes="", reason="The witness asked us to.",
)
"""

# An editor's decision through the service, in a process of its own (as a second server would).
DECIDE = """
from accounts.models import User
from cases import services
from cases.models import Claim
services.claim_change_status(
    claim=Claim.objects.get(), status="verified", rationale="Geolocated footage.",
    methods=["geolocation"], by=User.objects.get(username="ed"),
)
"""


@pytest.fixture(scope="module")
def replicated_site():
    """(site URL, replica) — gunicorn reading anonymous GETs from a streaming replica."""
    primary = dj_database_url.parse(PRIMARY_URL) if PRIMARY_URL else {}
    if primary.get("ENGINE") != "django.db.backends.postgresql":
        # Not a failure under CI either: CI's second pass runs the suite on SQLite.
        pytest.skip("needs DATABASE_URL on PostgreSQL (the primary to replicate)")
    if postgres_bin() is None:
        _skip_or_fail("pg_basebackup and pg_ctl not found (apt-get install postgresql, or PG_BIN)")
    host, port = primary["HOST"] or "127.0.0.1", int(primary["PORT"] or 5432)
    name = f"{primary['NAME']}_replica_{os.environ.get('PYTEST_XDIST_WORKER', 'main')}"
    work = Path(tempfile.mkdtemp(prefix="replica-test-"))
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.replica_settings",
        "DATABASE_URL": f"postgres://{primary['USER'] or 'postgres'}@{host}:{port}/{name}",
        "CACHE_LOCATION": str(work / "cache"),
        "CACHE_KEY_PREFIX": f"replica-test-{name}",
        "MEDIA_ROOT": str(work / "media"),
        "DATABASE_REPLICA_PIN_SECONDS": str(PIN_SECONDS),
    }
    env.pop("REDIS_URL", None)  # the file cache in `work`, shared by the server and the writer
    create_database(name, host=host, port=port)
    replica = Replica(
        directory=Path(tempfile.mkdtemp(prefix="replica-data-")),
        port=free_port_in(port_range("REPLICA_TEST_PORTS", "5440-5449")),
        primary_host=host,
        primary_port=port,
    )
    server = None
    try:
        _manage(env, "migrate", "--no-input")
        _manage(env, "shell", "-c", SETUP)
        try:
            replica.start()
        except subprocess.CalledProcessError as error:
            _skip_or_fail(f"pg_basebackup/pg_ctl failed: {error.stderr.strip()[-300:]}")
        replica.wait_for_database(name)
        replica.wait_caught_up()
        env["DATABASE_REPLICA_URLS"] = f"postgres://postgres@127.0.0.1:{replica.port}/{name}"
        http_port = free_port_in(port_range("REPLICA_TEST_HTTP_PORTS", "8150-8199"))
        with (work / "gunicorn.log").open("w") as log:
            server = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "config.wsgi:application",
                    "--workers=1",
                    "--threads=2",
                    f"--bind=127.0.0.1:{http_port}",
                ],  # fmt: skip
                cwd=settings.BASE_DIR,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        url = f"http://127.0.0.1:{http_port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{url}/health/", timeout=5)
                break
            except requests.ConnectionError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError((work / "gunicorn.log").read_text()[-2000:]) from None
                time.sleep(0.3)
        yield url, replica, env
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=30)
        replica.stop()
        drop_database(name, host=host, port=port)
        subprocess.run(["rm", "-rf", str(work)], check=False)


def _manage(env, *args):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )


def _page(session: requests.Session, url: str, query: str) -> str:
    # A query string of its own per look: each is a new page-cache key, built from the database.
    response = session.get(f"{url}/en/incidents/replicated/?look={query}", timeout=30)
    assert response.status_code == 200
    return response.text


def _sign_in(url: str) -> requests.Session:
    staff = requests.Session()
    form = staff.get(f"{url}/admin/login/", timeout=30)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
    answer = staff.post(
        f"{url}/admin/login/?next=/admin/",
        data={
            "username": "rita",
            "password": "replica-test-pass",
            "csrfmiddlewaretoken": token,
            "next": "/admin/",
        },
        headers={"Referer": f"{url}/admin/login/"},
        timeout=30,
    )
    assert answer.url == f"{url}/admin/", "the researcher could not sign in"
    assert "sessionid" in staff.cookies
    return staff


def test_readers_read_the_replica_staff_the_primary_and_lag_is_bounded(replicated_site):
    url, replica, env = replicated_site
    reader = requests.Session()
    staff = _sign_in(url)
    assert "Geolocated footage." not in _page(reader, url, "before")

    replica.pause()
    try:
        _manage(env, "shell", "-c", DECIDE)
        # Right after a change readers can see, readers read the primary too, so the page the
        # cache keeps now is the new one (not the replica's old copy for 300 s).
        assert "Geolocated footage." in _page(reader, url, "at-once")
        assert "Geolocated footage." in _page(staff, url, "at-once-staff")
        time.sleep(PIN_SECONDS + 0.5)
        # The replica is still replaying nothing: a reader's new page is built from it and shows
        # the previous version (the lag case) — proof that readers' reads go to the replica.
        assert "Geolocated footage." not in _page(reader, url, "lagging")
        # Staff read the primary: they see the decision at once, whatever the replica's lag.
        assert "Geolocated footage." in _page(staff, url, "lagging-staff")
        # A reader's browser that just wrote (any POST) reads the primary for a while.
        writer = requests.Session()
        form = writer.get(f"{url}/admin/login/", timeout=30)
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text).group(1)
        writer.post(
            f"{url}/admin/login/",
            data={"username": "nobody", "password": "wrong", "csrfmiddlewaretoken": token},
            headers={"Referer": f"{url}/admin/login/"},
            timeout=30,
        )
        assert "primary_reads" in writer.cookies
        assert "Geolocated footage." in _page(writer, url, "after-a-post")
        # A client with an API token (any Authorization header) reads the primary.
        tokened = requests.Session()
        tokened.headers["Authorization"] = "Bearer some-token"
        assert "Geolocated footage." in _page(tokened, url, "with-a-token")
    finally:
        replica.resume()
    replica.wait_caught_up()
    assert "Geolocated footage." in _page(reader, url, "caught-up")


def test_a_file_restricted_during_replica_lag_is_refused_at_once(replicated_site):
    """Who may download a file is decided on the primary: a file restricted a moment ago is
    never handed out from a replica that has not replayed the restriction."""
    url, replica, env = replicated_site
    reader = requests.Session()
    found = _manage(
        env,
        "shell",
        "-c",
        "from sources.models import SourceFile; print(SourceFile.objects.get().pk)",
    )
    pk = found.stdout.decode().split()[-1]  # after what the shell says it imported
    released = reader.get(f"{url}/files/{pk}/download/", timeout=30)
    assert released.status_code == 200, (released.status_code, released.url)
    replica.pause()
    try:
        _manage(env, "shell", "-c", RESTRICT)
        time.sleep(PIN_SECONDS + 0.5)  # past the pin that follows any change readers can see
        # The replica still says "released"; the download is refused all the same.
        assert reader.get(f"{url}/files/{pk}/download/", timeout=30).status_code == 404
    finally:
        replica.resume()
    replica.wait_caught_up()
    assert reader.get(f"{url}/files/{pk}/download/", timeout=30).status_code == 404


# --- the settings ------------------------------------------------------------------------------

SHOW_DATABASES = (
    "import django; django.setup(); from django.conf import settings; "
    "print({alias: (db['PORT'], db['TEST'].get('MIRROR')) for alias, db in "
    "settings.DATABASES.items()}); print(getattr(settings, 'DATABASE_ROUTERS', [])); "
    "print([m for m in settings.MIDDLEWARE if 'Replica' in m or 'sessions' in m])"
)


def _settings(**env):
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings", DEBUG="1")
    return subprocess.run(
        [sys.executable, "-c", SHOW_DATABASES],
        cwd=settings.BASE_DIR,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_each_replica_url_becomes_an_alias_whose_test_database_is_the_primarys():
    result = _settings(
        DATABASE_URL="postgres://u@db:5432/tracker",
        DATABASE_REPLICA_URLS="postgres://u@replica-a:5433/tracker, postgres://u@replica-b/tracker",
    )
    assert result.returncode == 0, result.stderr
    aliases, routers, middleware = result.stdout.splitlines()
    assert aliases == (
        "{'default': (5432, None), 'replica1': (5433, 'default'), 'replica2': ('', 'default')}"
    )
    assert routers == "['core.replicas.ReplicaRouter']"
    # Decided before the session is read.
    assert middleware == (
        "['core.replicas.ReplicaReadsMiddleware', 'django.contrib.sessions.middleware."
        "SessionMiddleware']"
    )


def test_without_replicas_nothing_is_routed():
    result = _settings(DATABASE_URL="postgres://u@db:5432/tracker")
    assert result.returncode == 0, result.stderr
    aliases, routers, middleware = result.stdout.splitlines()
    assert (aliases, routers) == ("{'default': (5432, None)}", "[]")
    assert "Replica" not in middleware


def test_a_bad_replica_url_is_refused_with_a_clear_message():
    result = _settings(
        DATABASE_URL="postgres://u@db:5432/tracker",
        DATABASE_REPLICA_URLS="postgres://u@replica/t,not-a-url",
    )
    assert result.returncode != 0
    assert "DATABASE_REPLICA_URLS: replica 2 is not a database URL" in result.stderr


def test_a_replica_on_another_engine_is_refused():
    result = _settings(
        DATABASE_URL="postgres://u@db:5432/tracker", DATABASE_REPLICA_URLS="sqlite:////tmp/x.db"
    )
    assert result.returncode != 0
    assert "must use the primary's database engine" in result.stderr
