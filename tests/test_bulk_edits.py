"""Bulk edits in the admin (issue 19): preview writes nothing, apply goes through the services
one incident at a time, the report says what happened to each."""

import pytest
from django.urls import reverse

from cases.models import Correction, Incident, Oblast
from sources.models import Source
from tests.factories import IncidentFactory

pytestmark = pytest.mark.django_db


def bulk(client, action: str, incidents, step: str | None, **fields):
    data = {"action": action, "_selected_action": [i.pk for i in incidents], **fields}
    if step:
        data["bulk_step"] = step
    return client.post(reverse("admin:cases_incident_changelist"), data)


def state(*incidents):
    return [
        Incident.objects.values_list(
            "category", "oblast", "oblast_derived", "status", "version"
        ).get(pk=i.pk)
        for i in incidents
    ]


def test_set_category_previews_then_changes_drafts_only(client, researcher):
    drafts = [IncidentFactory(category="other"), IncidentFactory(category="other")]
    public = IncidentFactory(published=True, category="other")
    client.force_login(researcher)
    before = state(*drafts, public)

    form = bulk(client, "bulk_set_category", [*drafts, public], None)
    preview = bulk(client, "bulk_set_category", [*drafts, public], "preview", value="torture")

    assert form.status_code == preview.status_code == 200
    assert state(*drafts, public) == before
    text = preview.content.decode()
    assert "2 to change, 0 already so, 1 left alone" in text
    assert "not a draft: correct it on its own page" in text

    report = bulk(client, "bulk_set_category", [*drafts, public], "apply", value="torture")

    assert "Done: 2 changed, 0 already so, 1 left alone." in report.content.decode()
    assert [s[0] for s in state(*drafts, public)] == ["torture", "torture", "other"]
    assert Incident.objects.get(pk=public.pk).version == before[2][4]
    assert drafts[0].history.first().history_user == researcher


def test_set_oblast_marks_it_chosen_not_derived(client, researcher):
    derived = IncidentFactory(oblast=Oblast.KHERSON, oblast_derived=True)
    client.force_login(researcher)

    bulk(client, "bulk_set_oblast", [derived], "apply", value=Oblast.MYKOLAIV)

    assert state(derived)[0][1:3] == (Oblast.MYKOLAIV, False)


def test_submit_many_drafts_for_review(client, researcher):
    drafts = [IncidentFactory(), IncidentFactory()]
    in_review = IncidentFactory(status=Incident.Status.IN_REVIEW)
    client.force_login(researcher)

    report = bulk(client, "bulk_submit", [*drafts, in_review], "apply", note="Batch from CIR")

    assert "Done: 2 changed, 1 already so, 0 left alone." in report.content.decode()
    assert {s[3] for s in state(*drafts, in_review)} == {"in_review"}


def test_cite_a_source_for_many_incidents_public_ones_by_editors_with_a_reason(
    client, researcher, editor
):
    draft = IncidentFactory()
    public = IncidentFactory(published=True)
    url = "https://t.me/channel/42"
    client.force_login(researcher)

    report = bulk(client, "bulk_add_source", [draft, public], "apply", url=url, kind="other")

    assert "1 changed, 0 already so, 1 left alone" in report.content.decode()
    source = Source.objects.get(url=url)
    assert list(source.incidents.all()) == [draft]

    client.force_login(editor)
    no_reason = bulk(client, "bulk_add_source", [draft, public], "apply", url=url, kind="other")
    assert "public: give a reason" in no_reason.content.decode()
    bulk(
        client,
        "bulk_add_source",
        [draft, public],
        "apply",
        url=url,
        kind="other",
        correction_reason="The channel posted the video.",
    )
    assert set(source.incidents.all()) == {draft, public}
    assert Source.objects.filter(url=url).count() == 1
    assert Correction.objects.get(incident=public).reason == "The channel posted the video."


def test_a_bad_form_writes_nothing(client, researcher):
    draft = IncidentFactory(category="other")
    client.force_login(researcher)
    before = state(draft)

    response = bulk(client, "bulk_set_category", [draft], "apply", value="genocide")

    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert state(draft) == before
