"""schemathesis against our own OpenAPI schema: no server error, no response that breaks it."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from config.wsgi import application

schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", application)


@pytest.fixture(autouse=True)
def keep_test_connection():
    """schemathesis calls the WSGI app directly; like Django's test client, stop the app from
    closing the test's connection (and its open transaction) at the end of each request."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture(autouse=True)
def demo_data(db):
    from exchange.demo import load_demo

    load_demo(password="schemathesis-demo")


@pytest.mark.django_db
@schema.parametrize()
@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_api_conforms_to_its_schema(case):
    # not_a_server_error, status codes, content types, headers and response bodies per schema.
    case.call_and_validate()
