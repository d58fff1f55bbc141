"""The load-test command guards the database it fills and restarts."""

import pytest
from django.core.management import CommandError, call_command

from tools.management.commands import loadtest


@pytest.mark.django_db
def test_loadtest_refuses_any_database_but_a_local_one_named_for_it():
    # The test database is never named for the load test: the command must refuse before any
    # work (the instance is passed: the tools app is installed only under tools.settings).
    with pytest.raises(CommandError, match="PostgreSQL|Refusing"):
        call_command(loadtest.Command(), "--no-restart", "--duration", "1")
