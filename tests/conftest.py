import pytest

from tests.factories import EditorFactory, ResearcherFactory, SuperuserFactory, UserFactory


@pytest.fixture(autouse=True)
def media_root(settings, tmp_path):
    """Uploaded files go to a fresh folder per test, never into the project."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


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
