"""The staff access log (issue 20): every logged action, with who, when, from where (behind the
trusted proxies) and what; superusers read, filter and export it; it is append-only; retention."""

import csv
import io
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.access_log import Action, record_access
from accounts.models import AccessEvent
from accounts.roles import EDITORS
from cases.models import Category
from tests.factories import (
    AllegedVictimFactory,
    IncidentFactory,
    SourceFactory,
    SourceFileFactory,
)
from tests.html_forms import form_data

pytestmark = pytest.mark.django_db
CSV = (
    "external_id,title,occurred_from,category\n"
    f"x-1,Imported,2024-11-01,{Category.POW_EXECUTION.value}\n"
)
PROXY = {"REMOTE_ADDR": "10.0.0.1", "HTTP_X_FORWARDED_FOR": "192.0.2.9, 203.0.113.5"}


@pytest.fixture(autouse=True)
def behind_one_proxy(settings):
    settings.TRUSTED_PROXIES = 1


def only_event(action) -> AccessEvent:
    [event] = AccessEvent.objects.filter(action=action)
    return event


def test_viewing_withheld_names_in_the_admin_is_logged(client, researcher):
    incident = IncidentFactory(title="Popasna")
    AllegedVictimFactory(incident=incident, name="Withheld Person", identity_public=False)
    client.force_login(researcher)
    before = timezone.now()
    page = client.get(reverse("admin:cases_incident_change", args=[incident.pk]), **PROXY)
    assert page.status_code == 200
    event = only_event(Action.WITHHELD_NAME_VIEWED)
    assert (event.user, event.username, event.address) == (researcher, "rita", "203.0.113.5")
    assert (event.object_id, event.object_repr) == (str(incident.pk), str(incident))
    assert event.at >= before
    assert event.detail == {"withheld_names": 1}
    assert "Withheld Person" not in str(event.detail) + event.path


def test_an_incident_without_withheld_names_logs_nothing(client, researcher):
    incident = IncidentFactory()
    AllegedVictimFactory(incident=incident, name="")
    client.force_login(researcher)
    client.get(reverse("admin:cases_incident_change", args=[incident.pk]))
    assert not AccessEvent.objects.exists()


def test_downloading_a_restricted_file_is_logged(client, editor):
    restricted = SourceFileFactory(source=SourceFactory(), is_restricted=True)
    client.force_login(editor)
    response = client.get(reverse("files:download", args=[restricted.pk]), **PROXY)
    assert response.status_code == 200
    b"".join(response.streaming_content)
    event = only_event(Action.RESTRICTED_FILE_DOWNLOADED)
    assert (event.user, event.address, event.object_id) == (
        editor,
        "203.0.113.5",
        str(restricted.pk),
    )
    assert event.detail["sha256"] == restricted.sha256


def test_a_public_file_or_a_readers_attempt_is_not_logged(client, editor):
    incident = IncidentFactory(published=True)
    source = SourceFactory()
    incident.sources.add(source)
    public_file = SourceFileFactory(source=source)
    restricted = SourceFileFactory(source=source, is_restricted=True)
    assert client.get(reverse("files:download", args=[restricted.pk])).status_code == 404
    client.force_login(editor)
    response = client.get(reverse("files:download", args=[public_file.pk]))
    b"".join(response.streaming_content)
    assert not AccessEvent.objects.exists()


@pytest.mark.parametrize(
    "name",
    [
        "exchange:incident_export_csv",
        "exchange:incident_export_json",
        "exchange:incident_export_geojson",
    ],
)
def test_staff_exports_are_logged_readers_are_not(client, editor, name):
    IncidentFactory(published=True)
    b"".join(client.get(reverse(name), {"oblast": "luhansk"}).streaming_content)
    assert not AccessEvent.objects.exists()
    client.force_login(editor)
    b"".join(client.get(reverse(name), {"oblast": "luhansk"}, **PROXY).streaming_content)
    event = only_event(Action.EXPORT)
    assert (event.user, event.address) == (editor, "203.0.113.5")
    assert event.detail["oblast"] == "luhansk"


def test_an_import_in_the_admin_is_logged(client, researcher, settings, tmp_path):
    settings.IMPORT_UPLOAD_DIR = tmp_path
    client.force_login(researcher)
    url = reverse("admin:cases_incident_import")
    data = CSV
    preview = client.post(
        url, {"file": SimpleUploadedFile("rows.csv", data.encode()), "mapping": "native"}
    )
    assert not AccessEvent.objects.exists()  # a preview writes nothing
    token = form_data(preview.content.decode(), "confirm-form")["token"]
    assert client.post(url, {"token": token}, **PROXY).status_code == 302
    event = only_event(Action.IMPORT)
    assert (event.user, event.address, event.detail["file"]) == (
        researcher,
        "203.0.113.5",
        "rows.csv",
    )


def test_an_import_from_the_command_line_is_logged(researcher, tmp_path):
    path = tmp_path / "rows.csv"
    path.write_text(CSV)
    call_command("import_incidents", str(path), "--user", "rita", stdout=io.StringIO())
    event = only_event(Action.IMPORT)
    assert (event.user, event.address, event.detail["file"]) == (researcher, "", "rows.csv")


def test_api_token_use_is_recorded_through_the_one_function(editor):
    """The token API is another branch's: it calls record_access once per token request."""
    request = RequestFactory().get("/api/v1/incidents/", **PROXY)
    request.user = editor
    record_access(request=request, action=Action.API_TOKEN, detail={"token": "abc1…"})
    event = only_event(Action.API_TOKEN)
    assert (event.user, event.address, event.path) == (editor, "203.0.113.5", "/api/v1/incidents/")


def test_role_and_permission_changes_are_logged(client, superuser, researcher):
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[researcher.pk])
    data = form_data(client.get(url).content.decode(), "user_form")
    data["user_permissions"] = []  # a multiple select with nothing chosen sends nothing
    data["groups"] = [str(Group.objects.get(name=EDITORS).pk)]
    assert client.post(url, data, **PROXY).status_code == 302
    event = only_event(Action.ROLE_CHANGED)
    assert (event.user, event.object_id, event.address) == (
        superuser,
        str(researcher.pk),
        "203.0.113.5",
    )
    assert event.detail == {"groups": [EDITORS]}

    group = Group.objects.get(name=EDITORS)
    url = reverse("admin:auth_group_change", args=[group.pk])
    data = form_data(client.get(url).content.decode(), "group_form")
    data["permissions"] = data["permissions"][:-1]
    assert client.post(url, data).status_code == 302
    assert AccessEvent.objects.filter(action=Action.ROLE_CHANGED, object_repr=EDITORS).exists()


def test_a_save_that_changes_no_role_logs_nothing(client, superuser, researcher):
    client.force_login(superuser)
    url = reverse("admin:accounts_user_change", args=[researcher.pk])
    data = form_data(client.get(url).content.decode(), "user_form")
    data["user_permissions"] = []  # a multiple select with nothing chosen sends nothing
    data["first_name"] = "Rita-Maria"
    assert client.post(url, data).status_code == 302
    assert not AccessEvent.objects.exists()


def test_superusers_filter_and_export_the_log_as_csv(client, superuser, editor):
    record_access(action=Action.EXPORT, user=editor, detail={"format": "csv"})
    record_access(action=Action.IMPORT, user=editor)
    client.force_login(superuser)
    listing = client.get(
        reverse("admin:accounts_accessevent_changelist"), {"action__exact": "import"}
    )
    assert listing.status_code == 200
    assert listing.context["cl"].result_count == 1
    ids = [str(pk) for pk in AccessEvent.objects.values_list("pk", flat=True)]
    response = client.post(
        reverse("admin:accounts_accessevent_changelist"),
        {"action": "export_csv", "_selected_action": ids},
    )
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert [row["action"] for row in rows] == ["export", "import"]
    assert rows[0]["username"] == "eddie"
    assert only_event(Action.LOG_EXPORTED).detail == {"rows": 2}


def test_the_log_is_append_only():
    event = record_access(action=Action.EXPORT)
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AccessEvent.objects.all().delete()
    with pytest.raises(PermissionError):
        AccessEvent.objects.update(username="x")


def test_the_admin_offers_no_delete_even_to_superusers(client, superuser):
    event = record_access(action=Action.EXPORT)
    client.force_login(superuser)
    assert (
        client.get(reverse("admin:accounts_accessevent_delete", args=[event.pk])).status_code == 403
    )
    response = client.post(
        reverse("admin:accounts_accessevent_changelist"),
        {"action": "delete_selected", "_selected_action": [event.pk], "post": "yes"},
    )
    assert response.status_code in (200, 302)
    assert AccessEvent.objects.filter(pk=event.pk).exists()


def test_retention_prunes_old_entries_and_says_so(settings):
    settings.ACCESS_LOG_RETENTION_DAYS = 30
    old = AccessEvent.objects.create(action=Action.EXPORT, at=timezone.now() - timedelta(days=31))
    recent = AccessEvent.objects.create(
        action=Action.EXPORT, at=timezone.now() - timedelta(days=29)
    )
    out = io.StringIO()
    call_command("prune_access_log", "--dry-run", stdout=out)
    assert "1 entries" in out.getvalue() and AccessEvent.objects.filter(pk=old.pk).exists()
    call_command("prune_access_log", stdout=io.StringIO())
    assert not AccessEvent.objects.filter(pk=old.pk).exists()
    assert AccessEvent.objects.filter(pk=recent.pk).exists()
    assert only_event(Action.LOG_PRUNED).detail["deleted"] == 1
