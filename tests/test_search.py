"""Search finds exactly what the incident page shows, after any write, on either database.

Every write here is a plain ORM write with no explicit refresh: on PostgreSQL the triggers keep
the stored vector true, on SQLite the fallback reads the same fields live. Each check asks the
list page, the API and the CSV export, and compares with what the incident's page shows. Words
are invented so that stemming (PostgreSQL) and substring matching (SQLite) agree on them.
"""

import csv
import io
import re

import pytest
from django.db import connection

from cases.models import AllegedVictim, Claim, ClaimEvidence, Incident
from cases.search import install_sql
from sources.models import OfficialStatement, Source
from tests.factories import (
    AllegedVictimFactory,
    ClaimEvidenceFactory,
    ClaimFactory,
    IncidentFactory,
    OfficialStatementFactory,
    SourceFactory,
    SourceFileFactory,
)

pytestmark = pytest.mark.django_db


def found(client, word: str) -> set[str]:
    """Slugs of the incidents a reader finds by ``word``; the three ways in must agree."""
    html = client.get("/en/incidents/", {"q": word}).content.decode()
    on_list = set(re.findall(r'<h3><a href="/en/incidents/([^/"]+)/"', html))
    api = client.get("/api/v1/incidents/", {"q": word, "page_size": 100}).json()
    in_api = {item["slug"] for item in api["results"]}
    export = client.get("/incidents/export.csv", {"q": word})
    text = b"".join(export.streaming_content).decode()
    in_csv = {row["slug"] for row in csv.DictReader(io.StringIO(text))}
    assert on_list == in_api == in_csv, (word, on_list, in_api, in_csv)
    return on_list


def shows(client, incident: Incident, word: str) -> bool:
    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200
    return word.lower() in page.content.decode().lower()


def assert_true_search(client, word: str, *incidents: Incident, expect: set[Incident]):
    """``word`` finds the ``expect`` incidents among ``incidents``, and each page agrees."""
    slugs = found(client, word)
    for incident in incidents:
        assert (incident.slug in slugs) == (incident in expect), (word, incident.slug)
        assert shows(client, incident, word) == (incident in expect), (word, incident.slug)


@pytest.fixture
def incident(db):
    return IncidentFactory(published=True, title="Execution near the river")


@pytest.fixture
def other(db):
    return IncidentFactory(published=True, title="Shelling of the depot")


def test_claims_created_edited_and_deleted(client, incident, other):
    claim = ClaimFactory(incident=incident, text="Troops shot a quorvanth", claimant="Ombudsman")
    assert_true_search(client, "quorvanth", incident, other, expect={incident})

    claim.text = "Troops shot a drelmisk"
    claim.claimant = "Halvendor monitoring mission"
    claim.save()
    assert_true_search(client, "quorvanth", incident, other, expect=set())
    assert_true_search(client, "drelmisk", incident, other, expect={incident})
    assert_true_search(client, "halvendor", incident, other, expect={incident})

    claim.delete()
    assert_true_search(client, "drelmisk", incident, other, expect=set())
    assert_true_search(client, "halvendor", incident, other, expect=set())


def test_a_moved_claim_is_found_only_where_it_now_is(client, incident, other):
    claim = ClaimFactory(incident=incident, text="An order to kill a zandrovel")
    assert_true_search(client, "zandrovel", incident, other, expect={incident})

    claim.incident = other
    claim.save()
    assert_true_search(client, "zandrovel", incident, other, expect={other})


def test_bulk_writes_and_queryset_updates_keep_search_true(client, incident, other):
    # The importer writes in bulk; queryset updates and deletes skip save() and signals.
    Claim.objects.bulk_create(
        [Claim(incident=incident, text="Orders to kill a vestrigal"), Claim(incident=other)]
    )
    assert_true_search(client, "vestrigal", incident, other, expect={incident})

    Claim.objects.filter(incident=incident).update(incident=other)
    assert_true_search(client, "vestrigal", incident, other, expect={other})

    Incident.objects.filter(pk=incident.pk).update(description="Seen from a pelmorach hill.")
    assert_true_search(client, "pelmorach", incident, other, expect={incident})

    Claim.objects.filter(incident=other).delete()
    assert_true_search(client, "vestrigal", incident, other, expect=set())


def test_the_incidents_own_descriptive_fields(client, incident, other):
    incident.summary = "A summary naming the ulbrecht crossing."
    incident.description = "A description naming the quessaly farm."
    incident.place_name = "Korvanets"
    incident.perpetrator = "Brigade of the tarnwold"
    incident.save()
    for word in ("ulbrecht", "quessaly", "korvanets", "tarnwold"):
        assert_true_search(client, word, incident, other, expect={incident})

    incident.description = ""
    incident.save()
    assert_true_search(client, "quessaly", incident, other, expect=set())


def test_source_links_and_source_edits(client, incident, other):
    source = SourceFactory(title="Footage from the brandwick road", publisher="Meridova Daily")
    assert_true_search(client, "brandwick", incident, other, expect=set())

    incident.sources.add(source)
    assert_true_search(client, "brandwick", incident, other, expect={incident})
    assert_true_search(client, "meridova", incident, other, expect={incident})

    source.title = "Footage from the carrowmede road"
    source.save()
    assert_true_search(client, "brandwick", incident, other, expect=set())
    assert_true_search(client, "carrowmede", incident, other, expect={incident})

    incident.sources.remove(source)
    assert_true_search(client, "carrowmede", incident, other, expect=set())
    assert_true_search(client, "meridova", incident, other, expect=set())


def test_a_deleted_source_is_no_longer_found(client, incident, other):
    source = SourceFactory(title="Report by the feldspire group")
    source.incidents.add(incident, other)
    assert_true_search(client, "feldspire", incident, other, expect={incident, other})

    source.delete()
    assert_true_search(client, "feldspire", incident, other, expect=set())


def test_sources_cited_as_evidence(client, incident, other):
    claim = ClaimFactory(incident=incident)
    source = SourceFactory(title="Intercept of the grennock radio net", publisher="Sentry")
    evidence = ClaimEvidenceFactory(claim=claim, source=source, note="Voice matches a ystrel.")
    assert_true_search(client, "grennock", incident, other, expect={incident})
    assert_true_search(client, "ystrel", incident, other, expect={incident})

    Source.objects.filter(pk=source.pk).update(publisher="Orlavine Institute")
    assert_true_search(client, "orlavine", incident, other, expect={incident})

    ClaimEvidence.objects.filter(pk=evidence.pk).delete()
    assert_true_search(client, "grennock", incident, other, expect=set())
    assert_true_search(client, "orlavine", incident, other, expect=set())


def test_statement_links_and_statement_edits(client, incident, other):
    statement = OfficialStatementFactory(
        speaker="Ivo Strathmere",
        speaker_role="Head of the kelvandor department",
        organisation="Office of the pridmoor prosecutor",
        quote="Ми розслідуємо",
        translation="We are investigating the wexholm case.",
    )
    statement.incidents.add(incident)
    for word in ("strathmere", "kelvandor", "pridmoor", "wexholm", "розслідуємо"):
        assert_true_search(client, word, incident, other, expect={incident})

    statement.quote = "The talvering unit is responsible."
    statement.translation = ""
    statement.save()
    assert_true_search(client, "talvering", incident, other, expect={incident})
    assert_true_search(client, "wexholm", incident, other, expect=set())

    OfficialStatement.incidents.through.objects.filter(officialstatement=statement).update(
        incident=other
    )
    assert_true_search(client, "talvering", incident, other, expect={other})

    statement.incidents.clear()
    assert_true_search(client, "strathmere", incident, other, expect=set())


def test_a_withheld_name_and_internal_notes_are_never_found(client, incident, other):
    victim = AllegedVictimFactory(incident=incident, name="Orestin Vallamy", notes="Kin: brisolde")
    source = SourceFactory(title="A source", notes="Informant jemmerick, do not publish")
    source.incidents.add(incident)
    statement = OfficialStatementFactory(notes="Off the record: corvastine")
    statement.incidents.add(incident)
    SourceFileFactory(source=source, notes="Stored at the pellitor office")
    for word in ("vallamy", "brisolde", "jemmerick", "corvastine", "pellitor"):
        assert_true_search(client, word, incident, other, expect=set())

    # Publication allowed: the name is on the page, so search finds it; withheld again, gone.
    victim.identity_public = True
    victim.identity_reason = "Family consent."
    victim.save()
    assert_true_search(client, "vallamy", incident, other, expect={incident})
    AllegedVictim.objects.filter(pk=victim.pk).update(identity_public=False)
    assert_true_search(client, "vallamy", incident, other, expect=set())
    assert_true_search(client, "brisolde", incident, other, expect=set())


def test_drafts_are_never_found(client, incident):
    draft = IncidentFactory(title="Draft about the hollowmere camp")
    ClaimFactory(incident=draft, text="The hollowmere camp")
    assert found(client, "hollowmere") == set()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="ranking is PostgreSQL-only")
def test_a_title_match_ranks_above_a_cited_source(client):
    cited = IncidentFactory(published=True, title="Shelling of a market")
    cited.sources.add(SourceFactory(title="Satellite view of the ashcombe quarry"))
    titled = IncidentFactory(published=True, title="Attack at the ashcombe quarry")
    html = client.get("/en/incidents/", {"q": "ashcombe"}).content.decode()
    slugs = re.findall(r'<h3><a href="/en/incidents/([^/"]+)/">', html)
    assert slugs == [titled.slug, cited.slug]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the triggers are PostgreSQL-only")
def test_the_installed_document_follows_the_searched_fields():
    """A change to cases.search.SEARCHED ships with a migration that installs it; otherwise
    PostgreSQL would search the old fields while SQLite searches the new ones."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_get_functiondef('cases_incident_search_document(cases_incident)'"
            "::regprocedure)"
        )
        [installed] = cursor.fetchone()
    expected = install_sql()[0]
    body = re.search(r"\$body\$(.*)\$body\$", expected, re.S).group(1)
    assert body in installed, "SEARCHED changed: add a migration running search.install_sql()"
