import os

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings

from tests.factories import EditorFactory, ResearcherFactory, SuperuserFactory, UserFactory

# issue 20: the `client` fixture whose staff sign-ins count as two-factor sign-ins.
# issue 22: `s3_bucket`, a bucket on a real S3 API (moto's server mode) on loopback.
pytest_plugins = ["tests.security_fixtures", "tests.s3_fixtures"]


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a fresh folder per test, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture(autouse=True)
def fresh_cache():
    """Each test starts with an empty cache: tests roll back instead of committing, so the
    after-commit invalidation that keeps cached pages and counts true never runs between them."""
    from django.core.cache import cache

    cache.clear()


@pytest.fixture
def researcher(db):
    return ResearcherFactory(username="rita", first_name="Rita", last_name="Researcher")


@pytest.fixture
def editor(db):
    return EditorFactory(username="eddie", first_name="Eddie", last_name="Editor")


@pytest.fixture
def superuser(db):
    return SuperuserFactory(username="ada")


@pytest.fixture
def reader(db):
    """A signed-in account with no role: sees what anonymous readers see."""
    return UserFactory(username="reader")


@pytest.fixture
def client_for(client):
    """Log the test client in as ``user`` (or stay anonymous with None) and return it."""

    def login(user):
        client.logout()
        if user is not None:
            client.force_login(user)
        return client

    return login


# --- Hypothesis profiles ------------------------------------------------------------------------
# "ci" (the default) runs a few hundred examples across tests/test_fuzz.py, derandomized so a
# run is reproducible; `make fuzz` selects "fuzz" (10,000 examples per test, random seeds, the
# example database kept in .hypothesis/ so failures are replayed). The database-backed fixtures
# are function-scoped on purpose: every example of a test shares one test transaction, and the
# tests compare table counts around each example themselves.
_FUZZ_HEALTH = [HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
hypothesis_settings.register_profile(
    "ci",
    max_examples=50,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=_FUZZ_HEALTH,
)
hypothesis_settings.register_profile(
    "fuzz", max_examples=10_000, deadline=None, suppress_health_check=_FUZZ_HEALTH
)
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))
