"""Issue 19: what the importer lost or damaged on real exports, each on a small self-written file
in the shape of the real one (tests/fixtures/cir_eight_shapes.csv: the CIR Monitor's columns)."""

import codecs
import importlib
import json
import re
import unicodedata
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from cases.models import Claim, DatePrecision, Incident, Oblast
from cases.oblasts import oblast_at, oblast_from_name
from cases.services import incident_update
from exchange.importing.admin_views import PREVIEW_ROWS
from exchange.importing.mapping import load_mapping
from exchange.importing.validation import archived_original, split_urls, strip_punctuation
from exchange.importing.writer import Action, import_incidents
from sources.models import Source
from tests.factories import EditorFactory, IncidentFactory, ResearcherFactory

FIXTURES = Path(__file__).parent / "fixtures"
MAPPINGS = Path(settings.BASE_DIR) / "docs" / "mappings"
CIR = load_mapping((MAPPINGS / "cir_monitor.json").read_bytes())
WAYBACK = (
    "https://web.archive.org/web/20220305123456/https://twitter.com/a/status/1500000000000000001"
)


def shapes() -> bytes:
    return (FIXTURES / "cir_eight_shapes.csv").read_bytes()


def run(data: bytes, **kwargs):
    return import_incidents(data=data, mapping=CIR, skip_invalid=True, **kwargs)


def snapshot() -> tuple[int, ...]:
    return (
        Incident.objects.count(),
        Incident.history.count(),
        Source.objects.count(),
        Source.history.count(),
        Source.incidents.through.objects.count(),
        Claim.objects.count(),
    )


# 1. Archive links stay whole -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        (WAYBACK, [WAYBACK]),
        (
            "https://archive.ph/20220401000000/https://t.me/c/5",
            ["https://archive.ph/20220401000000/https://t.me/c/5"],
        ),
        ("https://t.me/b/2https://t.me/b/3", ["https://t.me/b/2", "https://t.me/b/3"]),
        (
            "https://example.org/?u=https://t.me/x/1",
            ["https://example.org/?u=https://t.me/x/1"],
        ),
    ],
)
def test_a_url_that_contains_another_stays_whole(cell, expected):
    assert split_urls(cell) == expected


def test_archive_links_become_the_archived_copy_of_the_original():
    assert archived_original(WAYBACK) == "https://twitter.com/a/status/1500000000000000001"
    assert archived_original("https://archive.ph/20220401000000/https://t.me/c/5") == (
        "https://t.me/c/5"
    )
    assert archived_original("https://twitter.com/a/status/1") is None


@pytest.mark.django_db
def test_import_keeps_the_wayback_link_beside_the_original():
    run(shapes())

    tweet = Source.objects.get(url="https://twitter.com/a/status/1500000000000000001")
    assert tweet.archive_url == WAYBACK
    telegram = Source.objects.get(url="https://t.me/c/5")
    assert telegram.archive_url == "https://archive.ph/20220401000000/https://t.me/c/5"
    assert not Source.objects.filter(url__contains="archive.org/web/20220305123456/").exclude(
        pk=tweet.pk
    )
    assert not Source.objects.filter(url__startswith="https://web.archive.org").exists()


@pytest.mark.django_db
def test_an_existing_draft_source_gets_the_archived_copy_from_a_later_file():
    native = (
        "external_id,title,occurred_from,category,source_urls\n"
        "n1,Shelling,2022-03-05,other,https://twitter.com/a/status/1500000000000000001\n"
    )
    import_incidents(data=native.encode())
    assert Source.objects.get().archive_url == ""

    import_incidents(
        data=native.replace(
            "https://twitter", WAYBACK.split("https://twitter")[0] + "https://twitter"
        ).encode()
    )

    assert Source.objects.get().archive_url == WAYBACK


# 2. Trailing punctuation -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        (
            "https://twitter.com/b/status/1500000000063616,",
            "https://twitter.com/b/status/1500000000063616",
        ),
        (
            "(https://en.wikipedia.org/wiki/Kherson_(city)).",
            "https://en.wikipedia.org/wiki/Kherson_(city)",
        ),
        ("«https://t.me/x/1»;", "https://t.me/x/1"),
        ("https://t.me/x/1?", "https://t.me/x/1"),
    ],
)
def test_punctuation_around_a_url_is_not_part_of_it(token, expected):
    assert strip_punctuation(token) == expected


@pytest.mark.django_db
def test_imported_sources_carry_no_stray_punctuation():
    run(shapes())

    urls = set(Source.objects.values_list("url", flat=True))
    assert "https://twitter.com/b/status/1500000000063616" in urls
    assert "https://en.wikipedia.org/wiki/Kherson_(city)" in urls
    assert {"https://t.me/f/9", "https://t.me/f/10"} <= urls
    assert not [url for url in urls if re.search(r"[,.;:!?)]$", url) and "(" not in url]


# 3. Line endings and encodings are not edits ---------------------------------------------------


def crlf(data: bytes) -> bytes:
    return data.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def nfd(data: bytes) -> bytes:
    return unicodedata.normalize("NFD", data.decode()).encode()


@pytest.mark.django_db
@pytest.mark.parametrize(
    "variant",
    [crlf, lambda d: codecs.BOM_UTF16_LE + d.decode().encode("utf-16-le"), nfd],
    ids=["crlf", "utf16", "nfd"],
)
def test_the_same_content_saved_another_way_changes_nothing(variant):
    run(shapes())
    before = snapshot()

    result = run(variant(shapes()))

    assert result.counts[Action.UNCHANGED] == 4
    assert result.counts[Action.UPDATE] == result.counts[Action.CREATE] == 0
    assert snapshot() == before


@pytest.mark.django_db
def test_a_claim_re_imported_with_crlf_or_typed_with_crlf_is_not_added_twice():
    native = (
        "external_id,title,occurred_from,category,claim,description\n"
        'n1,Shelling,2022-03-05,other,"Two civilians\nwere killed.","Line one\nline two"\n'
    )
    import_incidents(data=native.encode())
    claim = Claim.objects.get()
    assert claim.text == "Two civilians\nwere killed."
    Claim.objects.filter(pk=claim.pk).update(text="Two civilians\r\nwere killed.")  # the admin's

    result = import_incidents(data=crlf(native.encode()))

    assert result.counts[Action.UNCHANGED] == 1
    assert Claim.objects.count() == 1


# 4. Locked rows write nothing ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_row_for_an_incident_in_review_writes_nothing_at_all():
    run(shapes())
    Incident.objects.filter(external_id="cir:UW9001").update(status=Incident.Status.IN_REVIEW)
    before = snapshot()
    changed = shapes().replace(
        b"https://twitter.com/b/status/1500000000063616,",
        b"https://t.me/new/1 https://web.archive.org/web/2022/https://t.me/new/2",
    )

    result = run(changed)

    assert [o.action for o in result.outcomes if o.external_id == "cir:UW9001"] == [Action.LOCKED]
    assert snapshot() == before
    assert not Source.objects.filter(url__startswith="https://t.me/new/").exists()
    assert not Source.objects.filter(incidents=None).exists()  # no orphan source anywhere


# 5. Unknown dates ------------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unknown_date_is_kept_as_unknown():
    result = run(shapes())

    assert "cir:UW9003" in {o.external_id for o in result.outcomes}
    incident = Incident.objects.get(external_id="cir:UW9003")
    assert incident.occurred_from is None
    assert incident.date_precision == DatePrecision.UNKNOWN
    assert incident.date_display == "Date unknown"


@pytest.mark.django_db
@pytest.mark.parametrize("word", ["unknown", "Date unknown", "невідомо", "неизвестно"])
def test_unknown_date_words(word):
    native = f"external_id,title,occurred_from,category\nn1,POW video,{word},pow_execution\n"
    result = import_incidents(data=native.encode())
    assert not result.errors
    assert Incident.objects.get().date_precision == DatePrecision.UNKNOWN


@pytest.mark.django_db
def test_an_empty_date_is_still_an_error_unless_the_precision_says_unknown():
    rows = "external_id,title,occurred_from,date_precision,category\n"
    result = import_incidents(data=(rows + "n1,A,,,other\n").encode())
    assert [str(e) for e in result.errors] == [
        "row 2, column occurred_from: a date is required (or 'unknown' when no source gives one)"
    ]
    result = import_incidents(
        data=(rows + "n1,A,,unknown,other\nn2,B,2022-01-01,unknown,other\n").encode()
    )
    assert [str(e) for e in result.errors] == [
        "row 3, column date_precision: 'unknown' with a date: leave the date empty or say unknown"
    ]


@pytest.mark.django_db
def test_undated_incidents_leave_date_filters_unless_asked_for(client):
    dated = IncidentFactory(published=True, title="Dated shelling")
    undated = IncidentFactory(
        published=True, title="Undated video", occurred_from=None, date_precision="unknown"
    )
    url = reverse("cases:incident_list")

    plain = client.get(url).content.decode()
    assert dated.title in plain and undated.title in plain
    assert plain.index(dated.title) < plain.index(undated.title)  # undated last
    oldest = client.get(url, {"sort": "oldest"}).content.decode()
    assert oldest.index(dated.title) < oldest.index(undated.title)
    filtered = client.get(url, {"date_from": "2020-01-01"}).content.decode()
    assert dated.title in filtered and undated.title not in filtered
    asked = client.get(url, {"date_from": "2020-01-01", "undated": "on"}).content.decode()
    assert dated.title in asked and undated.title in asked
    assert "Include incidents whose date is unknown" in plain
    assert "Date unknown" in plain


@pytest.mark.django_db
def test_a_date_and_unknown_precision_do_not_go_together_in_the_model():
    from django.core.exceptions import ValidationError

    incident = IncidentFactory.build(occurred_from=None, date_precision="day")
    with pytest.raises(ValidationError) as error:
        incident.full_clean(exclude=["created_by", "updated_by"])
    assert "occurred_from" in error.value.message_dict


# 6. Oblasts ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "oblast"),
    [
        ("Odessa", Oblast.ODESA),
        ("Sums'ka Oblast", Oblast.SUMY),
        ("Zaporozhye", Oblast.ZAPORIZHZHIA),
        ("Kyiv", Oblast.KYIV_CITY),
        ("Kiev", Oblast.KYIV_CITY),
        ("Mykolayiv", Oblast.MYKOLAIV),
        ("Donets'k", Oblast.DONETSK),
        ("Kyiv Oblast", Oblast.KYIV_OBLAST),
        ("Київська область", Oblast.KYIV_OBLAST),
        ("Харьковская область", Oblast.KHARKIV),
        ("Donetsk Oblast", Oblast.DONETSK),
        ("Atlantis", None),
    ],
)
def test_oblast_spellings(name, oblast):
    assert oblast_from_name(name) == oblast


@pytest.mark.parametrize(
    ("lat", "lon", "oblast"),
    [
        (49.99, 36.23, Oblast.KHARKIV),
        (46.64, 32.61, Oblast.KHERSON),
        (50.45, 30.52, Oblast.KYIV_CITY),
        (50.60, 36.60, Oblast.OUTSIDE_UKRAINE),  # Belgorod
        (44.0, 34.0, ""),  # the Black Sea: no place near
    ],
)
def test_oblast_at_coordinates(lat, lon, oblast):
    assert oblast_at(lat, lon) == oblast


@pytest.mark.django_db
def test_oblasts_derived_from_coordinates_are_marked_and_a_researcher_overrides_them():
    run(shapes())
    kherson = Incident.objects.get(external_id="cir:UW9002")
    assert (kherson.oblast, kherson.oblast_derived) == (Oblast.KHERSON, True)
    odesa = Incident.objects.get(external_id="cir:UW9005")
    assert (odesa.oblast, odesa.oblast_derived) == (Oblast.ODESA, False)
    assert Incident.objects.get(external_id="cir:UW9003").oblast == Oblast.ZAPORIZHZHIA

    incident_update(incident=kherson, by=ResearcherFactory(), data={"oblast": Oblast.MYKOLAIV})
    kherson.refresh_from_db()
    assert (kherson.oblast, kherson.oblast_derived) == (Oblast.MYKOLAIV, False)
    result = run(shapes())
    kherson.refresh_from_db()
    assert (kherson.oblast, kherson.oblast_derived) == (Oblast.MYKOLAIV, False)
    assert [o.action for o in result.outcomes if o.external_id == "cir:UW9002"] == [
        Action.UNCHANGED
    ]


# 7. Coordinate errors say what is wrong --------------------------------------------------------


@pytest.mark.django_db
def test_an_out_of_range_coordinate_reports_only_the_range():
    result = run(shapes())
    assert [str(e) for e in result.errors] == [
        "row 5, column lat: 95.5 is out of range (-90 to 90)"
    ]
    assert not Incident.objects.filter(external_id="cir:UW9004").exists()


# 8. Docs and formats ---------------------------------------------------------------------------


def test_docs_name_only_functions_that_exist():
    text = (Path(settings.BASE_DIR) / "docs" / "import.md").read_text()
    names = set(re.findall(r"`((?:cases|exchange|sources)(?:\.\w+)+)`", text))
    assert "sources.normalise.normalise_url" in names
    for name in names:
        module, _, attr = name.rpartition(".")
        try:
            assert hasattr(importlib.import_module(module), attr), name
        except ModuleNotFoundError:
            importlib.import_module(name)


def test_docs_state_the_preview_limit():
    text = (Path(settings.BASE_DIR) / "docs" / "import.md").read_text()
    assert f"first {PREVIEW_ROWS} rows" in text


@pytest.mark.django_db
def test_csv_export_offers_a_byte_order_mark_for_spreadsheets(client):
    IncidentFactory(published=True)
    url = reverse("exchange:incident_export_csv")
    assert not client.get(url).getvalue().startswith(codecs.BOM_UTF8)
    assert client.get(url, {"bom": "1"}).getvalue().startswith(codecs.BOM_UTF8)


@pytest.mark.django_db
def test_json_export_carries_each_sources_graphic_flag(client):
    incident = IncidentFactory(published=True)
    source = Source.objects.create(kind="video", title="Clip", is_graphic=True)
    source.incidents.add(incident)
    data = json.loads(client.get(reverse("exchange:incident_export_json")).getvalue())
    assert data["incidents"][0]["sources"][0]["is_graphic"] is True


@pytest.mark.django_db
def test_an_editor_can_still_publish_an_undated_incident_page(client):
    incident = IncidentFactory(
        published=True, occurred_from=None, date_precision="unknown", title="Undated"
    )
    client.force_login(EditorFactory())
    page = client.get(incident.get_absolute_url())
    assert page.status_code == 200
    assert "Date unknown" in page.content.decode()


# A second tracker's format -----------------------------------------------------------------------


@pytest.mark.django_db
def test_viina_mapping_imports_its_shape():
    mapping = load_mapping((MAPPINGS / "viina.json").read_bytes())

    result = import_incidents(data=(FIXTURES / "viina_like.csv").read_bytes(), mapping=mapping)

    assert not result.errors
    assert result.counts[Action.CREATE] == 6
    oblasts = dict(Incident.objects.values_list("external_id", "oblast"))
    assert oblasts == {
        "viina:900001": Oblast.CHERNIHIV,
        "viina:900002": Oblast.KYIV_OBLAST,
        "viina:900003": Oblast.KYIV_CITY,
        "viina:900004": Oblast.KHERSON,
        "viina:900005": Oblast.MYKOLAIV,
        "viina:900006": Oblast.ZAPORIZHZHIA,
    }
    assert Incident.objects.get(external_id="viina:900004").oblast_derived
    first = Incident.objects.get(external_id="viina:900001")
    assert first.title == "STRATEGIC_AIRBASE — Nizhyn"
    assert str(first.occurred_from) == "2022-03-01"
    assert first.summary == "Вибух на аеродромі"
    assert first.sources.get().url == "https://example.org/news/1.html"


@pytest.mark.django_db
def test_the_undated_switch_is_strict_in_the_api(client):
    IncidentFactory(published=True, occurred_from=None, date_precision="unknown")
    url = reverse("incident-list")
    assert client.get(url, {"date_from": "2020-01-01", "undated": "true"}).json()["count"] == 1
    assert client.get(url, {"date_from": "2020-01-01"}).json()["count"] == 0
    assert client.get(url, {"undated": "maybe"}).status_code == 400
