"""The independent verifier (tools/verify_log.py, issue 17) against the site's public endpoints:
an honest log passes and grows consistently; a history row or a log row altered directly in the
database fails; so does a log that lost its tail or a key that changed.

The verifier talks to the site through the Django test client here (its ``Site`` with ``get``
answered by the client); docs/verify.md shows it run over HTTP against the running demo.
"""

import io
import json

import pytest
from django.db import connection

from cases import services
from tests.factories import ClaimFactory, IncidentFactory
from tools import verify_log

pytestmark = pytest.mark.django_db


class ClientSite(verify_log.Site):
    def __init__(self, client):
        super().__init__("/")
        self.client = client

    def get(self, path):
        response = self.client.get("/" + path.lstrip("/"))
        try:
            return response.status_code, response.json()
        except ValueError:
            return response.status_code, None


def run(client, state: dict, **kwargs):
    out = io.StringIO()
    site = ClientSite(client)
    result = verify_log.check(
        verify_log.download(site), state=state, public_key=None, site=site, out=out, **kwargs
    )
    return result, out.getvalue()


@pytest.fixture
def history(editor):
    """A published incident whose claim was verified, then disputed, then a correction."""
    incident = IncidentFactory()
    claim = ClaimFactory(incident=incident)
    services.claim_change_status(
        claim=claim, status="verified", rationale="Geolocated.", methods=["geolocation"], by=editor
    )
    services.incident_transition(incident=incident, action="publish", by=editor, notify=False)
    services.claim_change_status(
        claim=claim, status="disputed", rationale="A denial.", methods=["other"], by=editor
    )
    services.incident_update(
        incident=incident, by=editor, data={"summary": "Corrected."}, reason="Typo."
    )
    return incident, claim


def test_an_honest_log_passes_and_grows_consistently(client, history, editor):
    incident, claim = history
    state, out = run(client, {})
    assert state["failures"] == 0, out
    assert "every entry is included: 4 inclusion proofs verify" in out
    assert "history of 1 public incidents matches the log" in out
    services.incident_transition(incident=incident, action="retract", by=editor, note="Staged.")
    state, out = run(client, state)
    assert state["failures"] == 0, out
    assert "consistent with the head of 4 entries seen last time" in out


def test_a_rewritten_history_row_fails(client, history):
    _, claim = history
    state, _ = run(client, {})
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_claimstatuschange SET rationale = %s WHERE claim_id = %s",
            ["We always said so.", claim.pk],
        )
    result, out = run(client, state)
    assert result["failures"] >= 1
    assert "was rewritten after it was logged" in out


def test_a_deleted_history_row_fails(client, history):
    incident, _ = history
    state, _ = run(client, {})
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM cases_correction WHERE incident_id = %s", [incident.pk])
    result, out = run(client, state)
    assert "is gone from its history" in out and result["failures"] >= 1


def test_an_altered_log_row_fails(client, history):
    state, _ = run(client, {})
    with connection.cursor() as cursor:
        cursor.execute(
            """UPDATE ledger_logentry SET payload = REPLACE(payload, 'Geolocated.', 'Invented.')
            WHERE "index" = 0"""
        )
    result, out = run(client, state)
    assert "do not make the signed root" in out
    assert result["failures"] >= 1


def test_a_log_that_lost_its_tail_fails(client, history):
    """Deleting the newest entry (and its head) is caught against the head accepted last time."""
    state, _ = run(client, {})
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM ledger_treehead WHERE tree_size = 4")
        cursor.execute('DELETE FROM ledger_logentry WHERE "index" = 3')
        cursor.execute("UPDATE ledger_logstate SET size = 3")
    result, out = run(client, state)
    assert "the log shrank from 4 to 3 entries" in out


def test_a_new_key_fails(client, history, settings):
    """Re-signing with another key (as a rewrite of the whole log would need) fails the pin."""
    from ledger import signing

    state, _ = run(client, {})
    signing.private_key.cache_clear()
    settings.LEDGER_SIGNING_KEY = signing.new_key()
    try:
        services.incident_transition(
            incident=history[0],
            action="retract",
            by=history[0].published_by,
            note="Staged.",
        )
        result, out = run(client, state)
    finally:
        signing.private_key.cache_clear()
    assert "different public key" in out and result["failures"] >= 1


def test_command_line_offline_copy_and_exit_codes(client, history, tmp_path):
    saved = tmp_path / "log.json"
    saved.write_text(json.dumps(verify_log.download(ClientSite(client))))
    state = tmp_path / "state.json"
    out = io.StringIO()
    assert verify_log.main(["--log", str(saved), "--state", str(state)], out=out) == 0
    assert json.loads(state.read_text())["tree_size"] == 4
    log = json.loads(saved.read_text())
    log["entries"][1]["entry"] = log["entries"][1]["entry"].replace("publish", "retract")
    saved.write_text(json.dumps(log))
    assert verify_log.main(["--log", str(saved), "--state", str(state)], out=out) == 1
    assert verify_log.main(["--log", str(tmp_path / "missing.json")], out=out) == 2
