"""The transparency log (issue 17): the Merkle tree, the hooks in the services, the endpoints."""

import base64
import hashlib
import json

import pytest
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse

from cases import services
from ledger import merkle
from ledger.models import LogEntry, TreeHead
from sources import services as source_services
from tests.factories import ClaimFactory, IncidentFactory, SourceFactory

pytestmark = pytest.mark.django_db

RATIONALE = "Geolocated to 47.51, 35.84; shadows match mid-morning."


# --- the tree -----------------------------------------------------------------------------------


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 7, 8, 9, 16, 17, 31])
def test_proofs_verify_and_frontier_matches_full_root(n):
    leaves = [merkle.leaf_hash(str(i).encode()) for i in range(n)]
    frontier = []
    for leaf in leaves:
        frontier = merkle.frontier_append(frontier, leaf)
    root = merkle.root(leaves)
    assert merkle.frontier_root(frontier) == root
    for i in range(n):
        proof = merkle.inclusion_proof(i, leaves)
        assert merkle.verify_inclusion(i, n, leaves[i], proof, root)
        assert not merkle.verify_inclusion(i, n, merkle.leaf_hash(b"other"), proof, root)
    for m in range(1, n + 1):
        proof = merkle.consistency_proof(m, leaves)
        first_root = merkle.root(leaves[:m])
        assert merkle.verify_consistency(m, n, proof, first_root, root)
        if m < n:
            # A rewritten old leaf: the old root no longer follows from the proof.
            rewritten = merkle.root([merkle.leaf_hash(b"x"), *leaves[1:m]])
            assert not merkle.verify_consistency(m, n, proof, rewritten, root)


def test_rfc6962_known_root():
    # The empty tree and a one-leaf tree as RFC 6962 defines them.
    assert merkle.root([]).hex() == hashlib.sha256(b"").hexdigest()
    assert merkle.leaf_hash(b"").hex() == hashlib.sha256(b"\x00").hexdigest()


# --- the hooks in the services ------------------------------------------------------------------


def payloads():
    return [json.loads(e.payload) for e in LogEntry.objects.order_by("index")]


@pytest.fixture
def published(editor, researcher):
    """A draft whose claim was assessed, then published through the services."""
    incident = IncidentFactory()
    claim = ClaimFactory(incident=incident)
    services.claim_change_status(
        claim=claim, status="verified", rationale=RATIONALE, methods=["geolocation"], by=editor
    )
    assert LogEntry.objects.count() == 0  # a draft's history is not public yet
    services.incident_transition(incident=incident, action="publish", by=editor)
    return incident, claim


def test_publishing_logs_the_earlier_status_changes_then_the_publication(published, editor):
    incident, claim = published
    kinds = [(p["kind"], p.get("action")) for p in payloads()]
    assert kinds == [("claim_status", None), ("publication", "publish")]
    first = payloads()[0]
    assert first == {
        "v": 1,
        "subject": f"claimstatuschange:{claim.status_changes.get().pk}",
        "kind": "claim_status",
        "incident": incident.pk,
        "claim": claim.pk,
        "from": "unverified",
        "to": "verified",
        "rationale": RATIONALE,
        "methods": ["geolocation"],
        "at": first["at"],
    }
    # No staff names in the log.
    assert editor.username not in json.dumps(payloads())


def test_changes_on_a_public_incident_are_logged_as_they_happen(published, editor):
    incident, claim = published
    services.claim_change_status(
        claim=claim,
        status="disputed",
        rationale="A second video contradicts the time of day.",
        methods=["chronolocation"],
        by=editor,
    )
    services.incident_update(
        incident=incident, by=editor, data={"summary": "A corrected summary."}, reason="Typo."
    )
    services.incident_transition(
        incident=incident, action="retract", by=editor, note="The footage was staged."
    )
    kinds = [p["kind"] for p in payloads()]
    assert kinds == ["claim_status", "publication", "claim_status", "correction", "publication"]
    assert payloads()[-1]["note"] == "The footage was staged."
    assert payloads()[3]["reason"] == "Typo."
    # One tree head per size, each signed by the log's key over RFC 6962's TreeHeadSignature.
    assert list(TreeHead.objects.values_list("tree_size", flat=True)) == [1, 2, 3, 4, 5]


def test_a_refused_change_logs_nothing(published, editor):
    _, claim = published
    before = LogEntry.objects.count()
    with pytest.raises(Exception):  # noqa: B017 - a rationale is required
        services.claim_change_status(
            claim=claim, status="false", rationale="", methods=[], by=editor
        )
    assert LogEntry.objects.count() == before


def test_released_file_of_a_public_source_is_logged_restricted_is_not(published, editor):
    incident, _ = published
    source = SourceFactory()
    incident.sources.add(source)
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
    restricted = source_services.source_file_add(
        source=source, uploaded=SimpleUploadedFile("secret-name.png", png), by=editor
    )
    assert not LogEntry.objects.filter(subject=f"sourcefile:{restricted.pk}").exists()
    source_services.source_file_update(
        source_file=restricted, by=editor, is_restricted=False, is_graphic=False, notes=""
    )
    entry = json.loads(LogEntry.objects.get(subject=f"sourcefile:{restricted.pk}").payload)
    assert entry["sha256"] == hashlib.sha256(png).hexdigest()
    assert "secret-name" not in json.dumps(entry)


def test_log_rows_are_append_only(published):
    entry = LogEntry.objects.first()
    with pytest.raises(PermissionError):
        LogEntry.objects.filter(pk=entry.pk).update(payload="{}")
    with pytest.raises(PermissionError):
        LogEntry.objects.all().delete()


# --- the endpoints ------------------------------------------------------------------------------


def get_json(client, name, **query):
    response = client.get(reverse(f"ledger:{name}"), query)
    assert response.status_code == 200, response.content
    return response.json()


def test_tree_head_is_signed_and_proofs_check_out(client, published, editor):
    incident, claim = published
    first_head = get_json(client, "tree_head")
    services.incident_update(
        incident=incident, by=editor, data={"summary": "A corrected summary."}, reason="Typo."
    )
    head = get_json(client, "tree_head")
    assert (first_head["tree_size"], head["tree_size"]) == (2, 3)
    key = Ed25519PublicKey.from_public_bytes(base64.b64decode(head["public_key"]))
    root = bytes.fromhex(head["root_hash"])
    message = bytes.fromhex(head["signed_message_hex"])
    key.verify(base64.b64decode(head["tree_head_signature"]), message)
    assert message[-32:] == root and int.from_bytes(message[10:18], "big") == 3
    with pytest.raises(InvalidSignature):
        key.verify(base64.b64decode(head["tree_head_signature"]), message[:-1] + b"\x00")

    for index in range(3):
        entry = client.get(reverse("ledger:entry_json", args=[index])).json()
        leaf = merkle.leaf_hash(entry["entry"].encode())
        proof = get_json(client, "inclusion", index=index, tree_size=3)
        path = [bytes.fromhex(h) for h in proof["audit_path"]]
        assert merkle.verify_inclusion(index, 3, leaf, path, root)
    proof = get_json(client, "consistency", first=2, second=3)
    assert merkle.verify_consistency(
        2,
        3,
        [bytes.fromhex(h) for h in proof["consistency"]],
        bytes.fromhex(first_head["root_hash"]),
        root,
    )
    old = get_json(client, "tree_head", tree_size=2)
    assert old["root_hash"] == first_head["root_hash"]
    listed = get_json(client, "entries", start=1)
    assert [e["index"] for e in listed["entries"]] == [1, 2]


def test_empty_log_has_a_signed_head_of_size_zero(client):
    head = get_json(client, "tree_head")
    assert head["tree_size"] == 0
    assert head["root_hash"] == hashlib.sha256(b"").hexdigest()
    assert TreeHead.objects.count() == 0  # signed on the fly, nothing written


@pytest.mark.parametrize(
    ("name", "query", "message"),
    [
        ("inclusion", {}, "index"),
        ("inclusion", {"index": "x"}, "whole number"),
        ("inclusion", {"index": "9"}, "no entry 9"),
        ("inclusion", {"index": "0", "tree_size": "99"}, "no entry"),
        ("consistency", {"first": "3", "second": "1"}, "at most"),
        ("consistency", {"first": "-1"}, "whole number"),
        ("tree_head", {"tree_size": "1e3"}, "whole number"),
        ("tree_head", {"tree_size": "²"}, "whole number"),
        ("inclusion", {"index": "١"}, "whole number"),
        ("entries", {"start": "5", "end": "1"}, "smaller"),
    ],
)
def test_bad_queries_get_400_with_the_reason(client, published, name, query, message):
    response = client.get(reverse(f"ledger:{name}"), query)
    assert response.status_code == 400
    assert message in response.json()["error"]


def test_unknown_tree_size_and_entry_are_404(client, published):
    assert client.get(reverse("ledger:tree_head"), {"tree_size": 7}).status_code == 404
    assert client.get(reverse("ledger:entry_json", args=[7])).status_code == 404
    assert client.get(reverse("ledger:entry", args=[7])).status_code == 404


def test_a_damaged_log_answers_503_not_500(client, published):
    with connection.cursor() as cursor:
        cursor.execute('DELETE FROM ledger_logentry WHERE "index" = 0')
    response = client.get(reverse("ledger:inclusion"), {"index": 1})
    assert response.status_code == 503
    assert "damaged" in response.json()["error"]


def test_posts_are_refused(client):
    for name in ("tree_head", "entries", "inclusion", "consistency", "overview"):
        assert client.post(reverse(f"ledger:{name}")).status_code == 405


# --- pages ----------------------------------------------------------------------------------------


def test_incident_history_links_each_item_to_its_log_entry(client, published):
    incident, _ = published
    page = client.get(incident.get_absolute_url()).content.decode()
    for entry in LogEntry.objects.filter(scope=f"incident:{incident.pk}"):
        assert reverse("ledger:entry", args=[entry.index]) in page
    assert "log #0" in page and "log #1" in page


def test_entry_page_shows_the_entry_and_its_proof(client, published):
    entry = LogEntry.objects.get(index=1)
    page = client.get(reverse("ledger:entry", args=[1])).content.decode()
    assert entry.leaf_hash in page
    assert reverse("ledger:inclusion") in page


def test_overview_explains_how_to_check(client, published):
    page = client.get(reverse("ledger:overview")).content.decode()
    assert "verify_log.py" in page
    assert "BEGIN PUBLIC KEY" in page
    assert reverse("ledger:entry", args=[1]) in page


def test_history_json_matches_the_log_until_a_row_is_rewritten(client, published):
    incident, claim = published
    url = reverse("history:incident_history_json", args=[incident.pk])
    items = client.get(url).json()["entries"]
    assert len(items) == 2
    for item in items:
        assert LogEntry.objects.get(index=item["log_index"]).payload == item["entry"]
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE cases_claimstatuschange SET rationale = %s WHERE claim_id = %s",
            ["Rewritten.", claim.pk],
        )
    items = client.get(url).json()["entries"]
    rewritten = next(i for i in items if i["subject"].startswith("claimstatuschange:"))
    assert LogEntry.objects.get(index=rewritten["log_index"]).payload != rewritten["entry"]


def test_history_json_of_a_draft_is_404(client):
    draft = IncidentFactory()
    url = reverse("history:incident_history_json", args=[draft.pk])
    assert client.get(url).status_code == 404


def test_deploy_check_refuses_a_missing_signing_key(settings):
    from ledger.checks import signing_key_configured

    settings.LEDGER_SIGNING_KEY = ""
    assert [e.id for e in signing_key_configured(None)] == ["ledger.E001"]
    settings.LEDGER_SIGNING_KEY = "a-key"
    assert signing_key_configured(None) == []


def test_backfill_logs_history_recorded_before_the_log_once(editor):
    from django.core.management import call_command

    from tests.factories import ClaimStatusChangeFactory, PublicationEventFactory

    incident = IncidentFactory(published=True)
    claim = ClaimFactory(incident=incident)
    ClaimStatusChangeFactory(claim=claim)
    PublicationEventFactory(incident=incident, action="publish")
    IncidentFactory()  # a draft: nothing of it is logged
    assert LogEntry.objects.count() == 0
    call_command("backfill_log")
    assert sorted(p["kind"] for p in payloads()) == ["claim_status", "publication"]
    call_command("backfill_log")
    assert LogEntry.objects.count() == 2


def test_an_append_costs_the_same_queries_however_long_the_log(django_assert_max_num_queries):
    from ledger import log

    for i in range(40):
        log.append(subject=f"test:{i}", scope="test", payload={"kind": "test", "n": i})
    # savepoint, lock the state row, is the subject logged, insert the entry, save the state,
    # insert the head, release the savepoint
    with django_assert_max_num_queries(7):
        log.append(subject="test:last", scope="test", payload={"kind": "test"})
    assert LogEntry.objects.count() == 41
