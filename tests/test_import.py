"""The CSV importer: native format, errors by row and column, all-or-nothing, idempotent
re-import, source de-duplication, mappings, the command and the admin page."""

import datetime as dt
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.utils import timezone

from cases.models import Claim, Incident
from exchange.importing.mapping import MappingError, load_mapping, parse_mapping
from exchange.importing.validation import split_urls
from exchange.importing.writer import Action, import_incidents
from sources.models import Source
from sources.normalise import normalise_url
from tests.factories import IncidentFactory, SourceFactory

FIXTURES = Path(__file__).parent / "fixtures"
CIR_MAPPING = Path(settings.BASE_DIR) / "docs" / "mappings" / "cir_monitor.json"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def csv_bytes(*lines: str) -> bytes:
    return ("\n".join(lines) + "\n").encode()


HEADER = "external_id,title,occurred_from,category,source_urls"


def counts() -> tuple[int, ...]:
    return (
        Incident.objects.count(),
        Incident.history.count(),
        Source.objects.count(),
        Source.history.count(),
        Source.incidents.through.objects.count(),
        Claim.objects.count(),
        Claim.history.count(),
    )


# --- URL normalisation ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("HTTPS://Example.org/a/?utm_source=x#frag", "https://example.org/a"),
        ("https://example.org/a", "https://example.org/a"),
        ("https://example.org:443/a/", "https://example.org/a"),
        ("https://x.com/a?b=1&fbclid=2&gclid=3&utm_medium=y&c=3", "https://x.com/a?b=1&c=3"),
        ("https://t.me/x/1?single", "https://t.me/x/1?single"),
        ("https://example.org/CaseMatters/", "https://example.org/CaseMatters"),
        ("", ""),
    ],
)
def test_normalise_url(url, expected):
    assert normalise_url(url) == expected


def test_split_urls_accepts_whitespace_pipes_and_glued_pairs():
    assert split_urls("https://a.org/1  https://b.org/2|https://c.org/3\nhttps://d.org/4") == [
        "https://a.org/1",
        "https://b.org/2",
        "https://c.org/3",
        "https://d.org/4",
    ]
    assert split_urls("https://t.me/c/3https://t.me/c/4") == [
        "https://t.me/c/3",
        "https://t.me/c/4",
    ]


# --- native format ----------------------------------------------------------------------------


@pytest.mark.django_db
def test_native_happy_path(researcher):
    result = import_incidents(data=fixture("native_ok.csv"), by=researcher, filename="ok.csv")

    assert result.written and not result.errors
    assert result.counts[Action.CREATE] == 3
    popasna = Incident.objects.get(external_id="t:1")
    assert popasna.status == Incident.Status.DRAFT
    assert popasna.title == "Execution of surrendering soldiers near Popasna"
    assert popasna.occurred_from == dt.date(2022, 4, 20)
    assert popasna.oblast == "luhansk"
    assert popasna.latitude == Decimal("48.633000")
    assert (popasna.victims_min, popasna.victims_max) == (6, 6)
    assert popasna.created_by == researcher
    assert popasna.slug.endswith("-t1")
    # The two spellings of https://example.org/a are one source.
    assert [s.url for s in popasna.sources.all()] == ["https://example.org/a"]
    claim = popasna.claims.get()
    assert claim.status == Claim.Status.UNVERIFIED
    assert claim.claimant == "HUR"
    # "2022-03" is a month; oblast and category may be given by their labels.
    school = Incident.objects.get(external_id="t:2")
    assert (school.occurred_from, school.date_precision) == (dt.date(2022, 3, 1), "month")
    assert school.oblast == "kharkiv"
    assert school.sources.count() == 2
    assert Source.objects.get(url="https://t.me/channel/5").kind == Source.Kind.SOCIAL_MEDIA
    bucha = Incident.objects.get(external_id="t:3")
    assert bucha.category == "civilian_killing"
    assert bucha.occurred_to == dt.date(2022, 3, 31)
    # Audit: every created record has a history row naming the importer and the file.
    record = popasna.history.get()
    assert record.history_user == researcher
    assert "ok.csv" in record.history_change_reason


@pytest.mark.django_db
def test_every_error_is_reported_with_row_and_column():
    result = import_incidents(data=fixture("native_errors.csv"))

    reported = {(e.row, e.column) for e in result.errors}
    messages = [str(e) for e in result.errors]
    assert reported == {
        (3, "occurred_from"),
        (4, "latitude"),
        (5, "category"),
        (6, "oblast"),
        (7, "title"),
        (8, "external_id"),
        (9, "external_id"),
        (10, "source_urls"),
        (11, "victims_max"),
        (12, "occurred_to"),
    }
    assert "row 3, column occurred_from: not a date: '2022-13-45' (use YYYY-MM-DD)" in messages
    assert "row 4, column latitude: 95 is out of range (-90 to 90)" in messages
    assert "row 5, column category: unknown category 'genocide'" in messages
    assert "row 6, column oblast: unknown oblast 'Atlantis'" in messages
    assert "row 7, column title: a value is required" in messages
    assert "row 8, column external_id: duplicate id 'e:dup' in the file (also row 9)" in messages
    assert "row 10, column source_urls: not a URL: 'not-a-url'" in messages
    # A failed run writes nothing, not even the valid first row.
    assert not result.written
    assert counts() == (0, 0, 0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_skip_invalid_imports_the_valid_rows_only():
    result = import_incidents(data=fixture("native_errors.csv"), skip_invalid=True)

    assert result.written
    assert list(Incident.objects.values_list("external_id", flat=True)) == ["e:1"]
    assert len({e.row for e in result.errors}) == 10


@pytest.mark.django_db
def test_dry_run_writes_nothing():
    result = import_incidents(data=fixture("native_ok.csv"), dry_run=True)

    assert result.counts[Action.CREATE] == 3
    assert result.sources_created == 3
    assert not result.written
    assert counts() == (0, 0, 0, 0, 0, 0, 0)


@pytest.mark.django_db
def test_missing_required_column_is_a_file_error():
    from exchange.importing.reader import FileError

    with pytest.raises(FileError, match="required column.*category"):
        import_incidents(data=csv_bytes("external_id,title,occurred_from", "x:1,T,2022-01-01"))


@pytest.mark.django_db
def test_future_date_is_an_error():
    result = import_incidents(
        data=csv_bytes(HEADER, "f:1,Tomorrow,2999-01-01,torture,"), skip_invalid=True
    )
    today = timezone.localdate()
    assert [str(e) for e in result.errors] == [
        f"row 2, column occurred_from: 2999-01-01 is after {today}; a typo in the year?"
    ]


# --- re-import --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reimport_of_an_unchanged_file_changes_nothing(researcher):
    import_incidents(data=fixture("native_ok.csv"), by=researcher)
    before = counts()
    versions = dict(Incident.objects.values_list("external_id", "version"))

    result = import_incidents(data=fixture("native_ok.csv"), by=researcher)

    assert result.counts == {Action.UNCHANGED: 3}
    assert counts() == before
    assert dict(Incident.objects.values_list("external_id", "version")) == versions


@pytest.mark.django_db
def test_reimport_updates_drafts_and_adds_sources(researcher):
    import_incidents(data=csv_bytes(HEADER, "r:1,Old title,2022-01-01,torture,https://a.org/1"))
    incident = Incident.objects.get()

    result = import_incidents(
        data=csv_bytes(HEADER, "r:1,New title,2022-01-01,torture,https://a.org/1 https://b.org/2"),
        by=researcher,
    )

    assert result.counts == {Action.UPDATE: 1}
    incident.refresh_from_db()
    assert incident.title == "New title"
    assert incident.version == 2
    assert incident.updated_by == researcher
    assert Incident.objects.count() == 1
    assert incident.sources.count() == 2
    assert incident.history.count() == 2
    assert incident.history.first().history_user == researcher


@pytest.mark.django_db
def test_published_incidents_are_not_overwritten():
    IncidentFactory(published=True, external_id="p:1", title="Published title")

    result = import_incidents(data=csv_bytes(HEADER, "p:1,Changed title,2022-01-01,torture,"))

    assert result.written and not result.errors
    assert result.counts == {Action.LOCKED: 1}
    assert "p:1 is not a draft" in str(result.warnings[0])
    assert Incident.objects.get().title == "Published title"


# --- sources ----------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sources_are_deduplicated_by_normalised_url():
    existing = SourceFactory(url="https://example.org/a")
    data = csv_bytes(
        HEADER,
        "s:1,One,2022-01-01,torture,HTTPS://Example.org/a/?utm_source=x#frag",
        "s:2,Two,2022-01-02,torture,https://example.org/a|https://example.org/b?fbclid=1",
        "s:3,Three,2022-01-03,torture,https://example.org/b/",
    )

    result = import_incidents(data=data)

    assert result.sources_created == 1
    assert Source.objects.count() == 2
    assert set(existing.incidents.values_list("external_id", flat=True)) == {"s:1", "s:2"}
    new = Source.objects.exclude(pk=existing.pk).get()
    assert new.url == "https://example.org/b?fbclid=1"  # the first spelling met is kept
    assert set(new.incidents.values_list("external_id", flat=True)) == {"s:2", "s:3"}


# --- mappings ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_cir_mapping_on_a_cir_like_file():
    mapping = load_mapping(CIR_MAPPING.read_bytes())

    result = import_incidents(data=fixture("cir_like.csv"), mapping=mapping, skip_invalid=True)

    assert {str(e) for e in result.errors} == {
        "row 4, column entry: duplicate id 'cir:UW0003' in the file (also row 5)",
        "row 5, column entry: duplicate id 'cir:UW0003' in the file (also row 4)",
        "row 6, column entry: a value is required",
        "row 7, column date: a date is required (or 'unknown' when no source gives one)",
        "row 8, column date: 2024-02-24 is after 2022-11-25; a typo in the year?",
    }
    assert [str(w) for w in result.warnings] == [
        "row 4, column link: not a URL, ignored: 'Access can be requested'",
    ]
    kharkiv = Incident.objects.get(external_id="cir:UW0001")
    assert kharkiv.title == "01/03/2022 Shelling of a residential block"
    assert kharkiv.summary == "Residential block hit"
    assert kharkiv.oblast == "kharkiv"
    assert kharkiv.category == "attack_civilian_objects"
    assert kharkiv.location_precision == "approximate"
    assert kharkiv.status == Incident.Status.DRAFT
    assert "Arms/munition: 9M55K" in kharkiv.description
    assert "District: Kharkivskyi" in kharkiv.description
    assert sorted(kharkiv.sources.values_list("url", flat=True)) == [
        "https://t.me/b/2",
        "https://t.me/b/3",
        "https://twitter.com/a/status/1?utm_source=x",
    ]
    bucha = Incident.objects.get(external_id="cir:UW0002")
    assert bucha.title == "Civilian Casualty — Bucha"  # built from the template
    assert bucha.oblast == "kyiv_oblast"
    assert bucha.category == "civilian_killing"
    # GRAPHIC marks the row's sources graphic, the shared tweet included.
    assert set(bucha.sources.values_list("url", "is_graphic")) == {
        ("https://twitter.com/a/status/1?utm_source=x", True),
        ("https://example.org/news", True),
    }
    assert Source.objects.get(url="https://t.me/b/2").is_graphic is False

    again = import_incidents(data=fixture("cir_like.csv"), mapping=mapping, skip_invalid=True)
    assert again.counts == {Action.UNCHANGED: 2}


def test_mapping_errors_are_explained():
    with pytest.raises(MappingError, match="not native column"):
        parse_mapping({"fields": {"headline": "title"}})
    with pytest.raises(MappingError, match="unknown key"):
        parse_mapping({"fields": {"title": {"colum": "x"}}})
    with pytest.raises(MappingError, match="bad regex"):
        parse_mapping({"fields": {"category": {"column": "x", "patterns": [["(", "other"]]}}})
    with pytest.raises(MappingError, match="Not valid JSON"):
        load_mapping("{")


@pytest.mark.django_db
def test_mapping_constants_values_and_defaults():
    mapping = parse_mapping(
        {
            "name": "other tracker",
            "fields": {
                "external_id": {"column": "ID", "prefix": "ot:"},
                "title": "Headline",
                "occurred_from": "When",
                "category": {"column": "Type", "values": {"POW killing": "pow_execution"}},
                "oblast": {"column": "Region", "values": {"Zaporizhia": "zaporizhzhia"}},
                "date_precision": {"constant": "approximate"},
                "country": {"column": "Country", "default": "Ukraine"},
            },
            "date_formats": ["%d/%m/%Y"],
        }
    )
    data = csv_bytes(
        "ID,Headline,When,Type,Region,Country", "7,Shot,15/11/2024,pow killing,ZAPORIZHIA,"
    )

    result = import_incidents(data=data, mapping=mapping)

    assert not result.errors
    incident = Incident.objects.get(external_id="ot:7")
    assert incident.occurred_from == dt.date(2024, 11, 15)
    assert (incident.category, incident.oblast) == ("pow_execution", "zaporizhzhia")
    assert (incident.date_precision, incident.country) == ("approximate", "Ukraine")


# --- permissions and the command --------------------------------------------------------------


@pytest.mark.django_db
def test_import_needs_permission(reader):
    with pytest.raises(PermissionDenied):
        import_incidents(data=fixture("native_ok.csv"), by=reader)


@pytest.mark.django_db
def test_command_reports_errors_and_exits_non_zero(researcher):
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit) as exit_info:
        call_command(
            "import_incidents", str(FIXTURES / "native_errors.csv"), stdout=out, stderr=err
        )
    assert exit_info.value.code == 1
    assert "error: row 4, column latitude: 95 is out of range (-90 to 90)" in err.getvalue()
    assert "Nothing was written" in out.getvalue()
    assert Incident.objects.count() == 0


@pytest.mark.django_db
def test_command_with_shipped_mapping_dry_run_and_user(researcher):
    out, err = StringIO(), StringIO()
    with pytest.raises(SystemExit):
        call_command(
            "import_incidents",
            str(FIXTURES / "cir_like.csv"),
            "--mapping=cir_monitor",
            "--dry-run",
            "--user=rita",
            stdout=out,
            stderr=err,
        )
    assert "2 to create" in out.getvalue()
    assert "Dry run: nothing was written" in out.getvalue()
    assert Incident.objects.count() == 0

    call_command(
        "import_incidents", str(FIXTURES / "native_ok.csv"), "--user=rita", stdout=out, stderr=err
    )
    assert Incident.objects.filter(created_by=researcher).count() == 3


# --- the admin page ---------------------------------------------------------------------------


IMPORT_URL = "/admin/cases/incident/import/"


@pytest.fixture
def upload_dir(tmp_path, settings):
    settings.IMPORT_UPLOAD_DIR = str(tmp_path / "uploads")
    return tmp_path / "uploads"


def upload(name: str, content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type="text/csv")


@pytest.mark.django_db
def test_admin_preview_then_confirm_as_researcher(client_for, researcher, upload_dir):
    client = client_for(researcher)
    changelist = client.get("/admin/cases/incident/")
    assert IMPORT_URL in changelist.content.decode()
    assert client.get(IMPORT_URL).status_code == 200

    preview = client.post(
        IMPORT_URL, {"file": upload("ok.csv", fixture("native_ok.csv")), "mapping": "native"}
    )

    assert preview.status_code == 200
    page = preview.content.decode()
    assert "3 to create" in page
    assert "Execution of surrendering soldiers near Popasna" in page
    assert Incident.objects.count() == 0  # the preview writes nothing
    assert len(list(upload_dir.glob("*.csv"))) == 1
    token = client.session["incident_import"]["token"]

    done = client.post(IMPORT_URL, {"token": token})

    assert done.status_code == 302
    assert Incident.objects.filter(created_by=researcher, status="draft").count() == 3
    assert Incident.history.filter(history_user=researcher).count() == 3
    assert list(upload_dir.glob("*.csv")) == []
    assert "incident_import" not in client.session
    # The token is single-use.
    again = client.post(IMPORT_URL, {"token": token})
    assert again.status_code == 302 and again.url == IMPORT_URL
    assert Incident.objects.count() == 3


@pytest.mark.django_db
def test_admin_preview_shows_errors_and_confirm_needs_skip_invalid(
    client_for, researcher, upload_dir
):
    client = client_for(researcher)
    preview = client.post(
        IMPORT_URL,
        {"file": upload("cir.csv", fixture("cir_like.csv")), "mapping": "cir_monitor"},
    )
    page = preview.content.decode()
    assert "row 8, column date: 2024-02-24 is after 2022-11-25; a typo in the year?" in page
    assert 'name="skip_invalid"' in page
    token = client.session["incident_import"]["token"]

    refused = client.post(IMPORT_URL, {"token": token})
    assert refused.status_code == 400
    assert Incident.objects.count() == 0

    done = client.post(IMPORT_URL, {"token": token, "skip_invalid": "on"})
    assert done.status_code == 302
    assert set(Incident.objects.values_list("external_id", flat=True)) == {
        "cir:UW0001",
        "cir:UW0002",
    }


@pytest.mark.django_db
def test_admin_uploaded_mapping_and_bad_mapping(client_for, researcher, upload_dir):
    client = client_for(researcher)
    bad = client.post(
        IMPORT_URL,
        {
            "file": upload("x.csv", b"ID\n1\n"),
            "mapping": "upload",
            "mapping_file": upload("m.json", b'{"fields": {"headline": "x"}}'),
        },
    )
    assert bad.status_code == 200
    assert "not native column" in bad.content.decode()
    assert "incident_import" not in client.session

    good = client.post(
        IMPORT_URL,
        {
            "file": upload("x.csv", b"ID,T,D,C\n1,Title,2022-01-01,torture\n"),
            "mapping": "upload",
            "mapping_file": upload(
                "m.json",
                b'{"fields": {"external_id": "ID", "title": "T", "occurred_from": "D",'
                b' "category": "C"}}',
            ),
        },
    )
    assert "1 to create" in good.content.decode()


@pytest.mark.django_db
@pytest.mark.parametrize("who", [None, "reader"])
def test_admin_import_refused_for_anonymous_and_readers(client_for, who, reader, upload_dir):
    client = client_for(reader if who else None)
    for response in (
        client.get(IMPORT_URL),
        client.post(IMPORT_URL, {"file": upload("ok.csv", fixture("native_ok.csv"))}),
    ):
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")
    assert Incident.objects.count() == 0
    assert not upload_dir.exists() or list(upload_dir.glob("*.csv")) == []


@pytest.mark.django_db
def test_admin_import_refused_without_add_permission(client_for, upload_dir):
    from tests.factories import UserFactory

    staff = UserFactory(is_staff=True)
    assert client_for(staff).get(IMPORT_URL).status_code == 403


@pytest.mark.django_db
def test_editor_may_import(client_for, editor, upload_dir):
    client = client_for(editor)
    assert client.get(IMPORT_URL).status_code == 200


@pytest.mark.django_db
def test_queries_do_not_grow_with_rows():
    """Bulk reads and writes only: 4 rows and 20 rows cost the same number of queries.

    (Above ~25 rows SQLite splits the history inserts into batches of 999 parameters.)
    """

    def data(n: int, offset: int) -> bytes:
        rows = [
            f"q:{offset + i},Title {i},2022-01-01,torture,https://q.org/{offset + i} https://q.org/s"
            for i in range(n)
        ]
        return csv_bytes(HEADER, *rows)

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from tests.factories import ResearcherFactory

    researcher = ResearcherFactory()  # the acting user is set on every row it writes
    import_incidents(data=data(1, 500), by=researcher)  # loads the user's permission cache
    with CaptureQueriesContext(connection) as small:
        import_incidents(data=data(4, 0), by=researcher)
    with CaptureQueriesContext(connection) as large:
        import_incidents(data=data(20, 100), by=researcher)
    assert len(large.captured_queries) == len(small.captured_queries)


def test_import_never_marks_a_publicly_cited_source_graphic(researcher):
    from tests.factories import IncidentFactory, SourceFactory

    published = IncidentFactory(published=True, external_id="ext-public")
    cited = SourceFactory(
        url="https://example.org/cited", normalised_url="https://example.org/cited"
    )
    published.sources.add(cited)
    quiet = SourceFactory(
        url="https://example.org/quiet", normalised_url="https://example.org/quiet"
    )
    data = csv_bytes(
        HEADER + ",sources_graphic",
        "ext-new,A new draft,2024-03-01,torture,https://example.org/cited https://example.org/quiet,yes",
        "ext-public,Rewritten,2024-03-01,torture,https://example.org/cited,yes",
    )
    import_incidents(data=data, by=researcher)
    cited.refresh_from_db()
    quiet.refresh_from_db()
    # Readers see the cited source: only an editor changes it, in the open.
    assert cited.is_graphic is False
    assert quiet.is_graphic is True
