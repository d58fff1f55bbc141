"""The load-test command guards the database it fills and restarts."""

import pytest
from django.core.management import CommandError, call_command


@pytest.mark.django_db
def test_loadtest_refuses_any_database_but_the_local_loadtest_one():
    # The test database is never called "loadtest": the command must refuse before any work.
    with pytest.raises(CommandError, match="PostgreSQL|Refusing"):
        call_command("loadtest", "--no-restart", "--duration", "1")
