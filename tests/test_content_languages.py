"""Content in more than one language (issue 15): the original marked, the reader's language shown,
search in either language, translations of public records changed only as corrections."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.urls import reverse
from django.utils import translation

from cases import services
from cases.models import Correction, Incident
from cases.search import search_incidents
from tests.factories import ClaimFactory, IncidentFactory


@pytest.fixture(autouse=True)
def _english_after_each_test():
    yield
    translation.deactivate()


def page(client, incident, language: str) -> str:
    with translation.override(language):
        url = incident.get_absolute_url()
    return client.get(url).content.decode()


@pytest.mark.django_db
def test_a_reader_gets_their_language_and_is_told_it_is_a_translation(client):
    incident = IncidentFactory(
        published=True,
        title="Execution of prisoners near Popasna",
        title_uk="Страта полонених біля Попасної",
        summary="Six soldiers.",
        summary_uk="Шестеро військових.",
    )
    ClaimFactory(incident=incident, text="The order was given.", text_uk="Наказ було віддано.")

    ukrainian = page(client, incident, "uk")
    assert '<h1 id="incident-title" lang="uk">Страта полонених біля Попасної</h1>' in ukrainian
    assert "Перекладено з англійської" in ukrainian
    # The original stays one click away, marked as English for screen readers and translators.
    assert '<div lang="en"><p>Execution of prisoners near Popasna</p>' in ukrainian
    assert 'lang="uk">Наказ було віддано.</p>' in ukrainian
    # The claim's citation quotes what the reader read, in the reader's language.
    assert "“Наказ було віддано.” (" in ukrainian
    assert "“Страта полонених біля Попасної”, версія" in ukrainian

    english = page(client, incident, "en")
    assert '<h1 id="incident-title" lang="en">Execution of prisoners near Popasna</h1>' in english
    assert "Translated from" not in english and "Original in" not in english


@pytest.mark.django_db
def test_a_russian_original_without_a_translation_is_shown_as_the_original(client):
    incident = IncidentFactory(
        published=True,
        original_language="ru",
        title="Приказ: командира взять, остальных уничтожить",
        title_en="Order: seize the commander, kill the rest",
    )
    ukrainian = page(client, incident, "uk")
    assert 'lang="ru">Приказ: командира взять, остальных уничтожить</h1>' in ukrainian
    assert "Оригінал російською" in ukrainian
    english = page(client, incident, "en")
    assert 'lang="en">Order: seize the commander, kill the rest</h1>' in english
    assert "Translated from Russian" in english


@pytest.mark.django_db
def test_the_list_shows_titles_in_the_readers_language(client):
    IncidentFactory(published=True, title="Shelling of a school", title_uk="Обстріл школи")
    with translation.override("uk"):
        html = client.get(reverse("cases:incident_list")).content.decode()
    assert "Обстріл школи" in html and "Shelling of a school" not in html


@pytest.mark.django_db
def test_a_translation_in_the_originals_own_language_is_refused():
    incident = IncidentFactory.build(original_language="uk", title="Обстріл", title_uk="Обстріл")
    with pytest.raises(ValidationError):
        incident.full_clean(exclude=["created_by", "updated_by"])


@pytest.mark.django_db
def test_search_finds_an_incident_by_a_word_of_either_language(client):
    incident = IncidentFactory(
        published=True,
        title="Execution of prisoners of war",
        title_uk="Страта військовополонених",
    )
    claim_only = IncidentFactory(published=True, title="Another incident")
    ClaimFactory(incident=claim_only, text="Shots were fired.", text_uk="Лунали постріли.")
    public = Incident.objects.public()
    assert list(search_incidents(public, "військовополонених")) == [incident]
    assert list(search_incidents(public, "prisoners")) == [incident]
    assert list(search_incidents(public, "постріли")) == [claim_only]
    # Through the page, in either interface language.
    with translation.override("en"):
        url = reverse("cases:incident_list") + "?q=військовополонених"
    assert "Execution of prisoners of war" in client.get(url).content.decode()


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="stemming is PostgreSQL's")
def test_on_postgresql_another_form_of_a_ukrainian_word_finds_it():
    incident = IncidentFactory(published=True, title="Torture", title_uk="Страта в Попасній")
    assert list(search_incidents(Incident.objects.all(), "страти")) == [incident]


@pytest.mark.django_db
def test_a_translation_of_a_public_incident_is_a_correction_by_an_editor(researcher, editor):
    incident = IncidentFactory(published=True, title="Shelling", title_uk="")
    with pytest.raises(PermissionDenied):
        services.incident_update(incident=incident, by=researcher, data={"title_uk": "Обстріл"})
    incident.refresh_from_db()
    assert incident.title_uk == ""

    with pytest.raises(ValidationError):  # an editor too must say why readers see a change
        services.incident_update(incident=incident, by=editor, data={"title_uk": "Обстріл"})

    services.incident_update(
        incident=incident, by=editor, data={"title_uk": "Обстріл"}, reason="Ukrainian title."
    )
    incident.refresh_from_db()
    assert incident.title_uk == "Обстріл"
    correction = Correction.objects.get(incident=incident)
    assert correction.reason == "Ukrainian title."
    assert "Обстріл" in str(correction.changes)


@pytest.mark.django_db
def test_a_draft_takes_translations_from_a_researcher(researcher):
    incident = IncidentFactory(title="Shelling")
    services.incident_update(
        incident=incident, by=researcher, data={"title_uk": "Обстріл", "original_language": "en"}
    )
    incident.refresh_from_db()
    assert incident.title_uk == "Обстріл"


@pytest.mark.django_db
def test_the_api_keeps_codes_and_labels_them_in_the_language_asked_for(client):
    incident = IncidentFactory(published=True, title="Shelling", title_uk="Обстріл")
    ClaimFactory(incident=incident)
    url = reverse("incident-detail", kwargs={"slug": incident.slug})
    english = client.get(url).json()
    ukrainian = client.get(url + "?lang=uk").json()
    by_header = client.get(url, HTTP_ACCEPT_LANGUAGE="uk").json()
    for data in (english, ukrainian, by_header):
        assert data["oblast"] == "luhansk" and data["category"] == "pow_execution"
        assert data["original_language"] == "en" and data["title_uk"] == "Обстріл"
        assert data["claims"][0]["status"] == "unverified"
    assert english["labels"]["oblast"] == "Luhansk Oblast"
    assert ukrainian["labels"]["oblast"] == "Луганська область"
    assert by_header["labels"]["category"].startswith("Страта або вбивство військовополонених")
    assert ukrainian["claims"][0]["labels"]["status"] == "Неперевірене"
    assert ukrainian["permalink"].endswith(f"/uk/incidents/{incident.slug}/")
