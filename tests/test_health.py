import pytest
from django.db import OperationalError, connection


@pytest.mark.django_db
def test_health_answers_ok_with_one_query(client, django_assert_num_queries):
    # SELECT 1, and nothing for the session or the user
    with django_assert_num_queries(1):
        response = client.get("/health/")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert response["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response


@pytest.mark.django_db
def test_health_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", unreachable)
    response = client.get("/health/")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable"}
    assert response["Cache-Control"] == "no-store"


@pytest.mark.django_db
def test_health_refuses_writes(client):
    assert client.post("/health/").status_code == 405


def test_health_answers_plain_http_probes_when_https_is_enforced(db, client, settings):
    settings.SECURE_SSL_REDIRECT = True  # as in production; the exemption is config's own
    assert client.get("/health/").status_code == 200
    assert client.get("/en/incidents/").status_code == 301
