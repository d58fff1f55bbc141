"""Least privilege on sensitive fields (issue 20): withheld names and internal notes are masked in
the admin's victims list unless the person holds accounts.view_withheld_identities."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse

from accounts.models import AccessEvent
from cases.models import Incident
from tests.factories import AllegedVictimFactory, IncidentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def victims():
    incident = IncidentFactory(title="Popasna")
    return (
        AllegedVictimFactory(incident=incident, name="Hidden Person", notes="Brother's phone 0501"),
        AllegedVictimFactory(
            incident=incident, name="Public Person", identity_public=True, identity_reason="Consent"
        ),
    )


def page(client, user, url, **params):
    client.force_login(user)
    response = client.get(url, params)
    assert response.status_code == 200
    return response.content.decode()


def test_researchers_see_withheld_names_masked(client, researcher, victims):
    hidden, public = victims
    html = page(client, researcher, reverse("admin:cases_allegedvictim_changelist"))
    assert "Hidden Person" not in html and "[withheld]" in html and "Public Person" in html
    detail = page(client, researcher, reverse("admin:cases_allegedvictim_change", args=[hidden.pk]))
    assert "Hidden Person" not in detail and "0501" not in detail
    # Searching by the name does not reveal whom it matches.
    found = page(client, researcher, reverse("admin:cases_allegedvictim_changelist"), q="Hidden")
    assert "0 alleged victims" in found or "0 results" in found
    assert not AccessEvent.objects.exists()


def test_editors_see_names_and_the_access_log_says_so(client, editor, victims):
    hidden, _public = victims
    html = page(client, editor, reverse("admin:cases_allegedvictim_changelist"))
    assert "Hidden Person" in html
    detail = page(client, editor, reverse("admin:cases_allegedvictim_change", args=[hidden.pk]))
    assert "Brother&#x27;s phone 0501" in detail
    assert AccessEvent.objects.filter(action="withheld_name_viewed", user=editor).count() == 2


def test_a_researcher_can_be_given_the_permission(client, researcher, victims):
    researcher.user_permissions.add(Permission.objects.get(codename="view_withheld_identities"))
    html = page(client, researcher, reverse("admin:cases_allegedvictim_changelist"))
    assert "Hidden Person" in html


def test_an_editor_still_deletes_a_draft_incident_with_its_victims(client, editor, victims):
    incident = victims[0].incident
    client.force_login(editor)
    confirm = client.get(reverse("admin:cases_incident_delete", args=[incident.pk]))
    assert "Hidden Person" not in confirm.content.decode()
    response = client.post(
        reverse("admin:cases_incident_delete", args=[incident.pk]), {"post": "yes"}
    )
    assert response.status_code == 302
    assert not Incident.objects.filter(pk=incident.pk).exists()
