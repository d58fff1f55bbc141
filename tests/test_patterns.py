"""Issue 14: readers see the pattern — the map, the timeline, official figures, the overview."""

import csv
import datetime as dt
import gzip
import io
import json
import re

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from cases.models import Incident
from config.settings import _tile_origin
from tests.factories import (
    ClaimFactory,
    IncidentFactory,
    OfficialStatementFactory,
    ReportedFigureFactory,
)

pytestmark = pytest.mark.django_db

D = dt.date


def map_data(client, **filters) -> list[list]:
    """The map's points as rows [lat, lon, precision index, slug] (the data comes as columns)."""
    response = client.get(reverse("cases:incident_map_data"), filters)
    assert response.status_code == 200
    data = json.loads(response.content)
    columns = (data["lat"], data["lon"], data["precision"], data["slug"])
    return [list(row) for row in zip(*columns, strict=True)]


# --- the map --------------------------------------------------------------------------------


def test_map_data_holds_public_incidents_with_coordinates_only(client):
    shown = IncidentFactory(published=True, latitude="48.633300", longitude="38.383300")
    retracted = IncidentFactory(retracted=True, latitude="47.5", longitude="35.8")
    IncidentFactory(latitude="50.1", longitude="30.1", title="Draft with coordinates")
    IncidentFactory(status=Incident.Status.IN_REVIEW, latitude="50.2", longitude="30.2")
    IncidentFactory(published=True, title="No coordinates")
    slugs = {point[3] for point in map_data(client)}
    assert slugs == {shown.slug, retracted.slug}


def test_map_data_follows_the_list_filters(client):
    luhansk = IncidentFactory(published=True, oblast="luhansk", latitude="48.6", longitude="38.4")
    IncidentFactory(published=True, oblast="kharkiv", latitude="49.9", longitude="36.2")
    assert [p[3] for p in map_data(client, oblast="luhansk")] == [luhansk.slug]
    # An invalid filter value is ignored, as on the list.
    assert len(map_data(client, oblast="atlantis")) == 2


def test_map_points_carry_the_stated_precision(client):
    IncidentFactory(
        published=True, latitude="48.6333", longitude="38.3833", location_precision="exact"
    )
    IncidentFactory(published=True, latitude="47.5", longitude="35.8", location_precision="oblast")
    precisions = json.loads(client.get(reverse("cases:incident_map_data")).content)["precisions"]
    by_precision = {precisions[p[2]]: p[:2] for p in map_data(client)}
    assert by_precision == {"exact": [48.6333, 38.3833], "oblast": [47.5, 35.8]}


def test_map_data_leaves_titles_out_and_says_where_a_chosen_incident_is(client):
    incident = IncidentFactory(
        published=True, title="Shelling of the bakery", latitude="48.6", longitude="38.4"
    )
    data = json.loads(client.get(reverse("cases:incident_map_data")).content)
    # 100,000 titles would be most of the bytes: a popup fetches its one title when opened.
    assert "Shelling of the bakery" not in json.dumps(data, ensure_ascii=False)
    assert data["url"].replace("SLUG", data["slug"][0]) == incident.get_absolute_url()
    html = client.get(reverse("cases:incident_map")).content.decode()
    api = re.search(r'data-detail-api="([^"]+)"', html).group(1).replace("SLUG", incident.slug)
    assert json.loads(client.get(api).content)["title"] == "Shelling of the bakery"


def test_map_page_says_how_precision_is_drawn_and_counts_unlocated(client):
    IncidentFactory(published=True, latitude="48.6", longitude="38.4")
    IncidentFactory(published=True)
    html = client.get(reverse("cases:incident_map")).content.decode()
    assert "1 incident on the map" in html
    assert "1 more without coordinates" in html
    assert "a circle of 100 km radius" in html
    assert "a point" in html
    # Without JavaScript the reader is sent to the list and the GeoJSON.
    assert "The map needs JavaScript" in html
    assert reverse("exchange:incident_export_geojson") in html


def test_map_data_is_compressed_for_clients_that_accept_it(client):
    for n in range(50):
        IncidentFactory(published=True, latitude=f"48.{n:04d}", longitude="38.4")
    plain = client.get(reverse("cases:incident_map_data"))
    packed = client.get(reverse("cases:incident_map_data"), HTTP_ACCEPT_ENCODING="gzip")
    assert packed["Content-Encoding"] == "gzip"
    assert len(packed.content) < len(plain.content) / 3
    assert json.loads(gzip.decompress(packed.content)) == json.loads(plain.content)


def test_map_page_is_linked_from_the_list_with_its_filters(client):
    html = client.get(reverse("cases:incident_list"), {"oblast": "luhansk"}).content.decode()
    assert f'href="{reverse("cases:incident_map")}?oblast=luhansk"' in html


def test_incident_page_has_a_small_map_only_with_coordinates(client):
    located = IncidentFactory(
        published=True, latitude="47.5", longitude="35.8", location_precision="oblast"
    )
    html = client.get(located.get_absolute_url()).content.decode()
    assert 'data-map="single"' in html
    assert 'data-radius="100000"' in html
    assert "leaflet.js" in html
    bare = IncidentFactory(published=True)
    html = client.get(bare.get_absolute_url()).content.decode()
    assert 'data-map="single"' not in html
    assert "leaflet.js" not in html


def test_csp_allows_images_from_the_tile_host_and_no_other(client):
    policy = client.get(reverse("cases:incident_map"))["Content-Security-Policy"]
    img_src = next(d for d in policy.split(";") if d.strip().startswith("img-src")).split()[1:]
    # The tests' tiles are a data: URL, so no other host at all.
    assert img_src == ["'self'", "data:"]


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://tile.openstreetmap.org/{z}/{x}/{y}.png", "https://tile.openstreetmap.org"),
        ("https://{s}.tiles.example.org/a/{z}/{x}/{y}.png", "https://*.tiles.example.org"),
        ("http://127.0.0.1:8201/{z}/{x}/{y}.png", "http://127.0.0.1:8201"),
        ("data:image/png;base64,AAAA", "data:"),
    ],
)
def test_tile_origin_is_exactly_the_tile_host(url, origin):
    assert _tile_origin(url) == origin


# --- the timeline ---------------------------------------------------------------------------


def timeline_table(html: str) -> list[list[str]]:
    """The data table under the chart, as rows of cell texts."""
    table = re.search(r'<details class="chart-table">.*?</details>', html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)
    return [
        [
            re.sub(r"<[^>]+>", "", c).strip()
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S)
        ]
        for r in rows
    ]


def test_timeline_counts_public_incidents_per_month_by_category(client):
    IncidentFactory.create_batch(2, published=True, occurred_from=D(2024, 1, 5))
    IncidentFactory(published=True, occurred_from=D(2024, 3, 9), category="torture")
    IncidentFactory(occurred_from=D(2024, 1, 7))  # a draft: never counted
    IncidentFactory(published=True, occurred_from=D(2024, 1, 7), oblast="kharkiv")
    html = client.get(reverse("cases:incident_timeline"), {"oblast": "luhansk"}).content.decode()
    assert "3 incidents, by the month they began" in html
    header, *rows = timeline_table(html)
    assert header[0] == "Month" and header[-1] == "Total"
    # The empty month in between is drawn as an empty month, not skipped.
    assert [(r[0], r[-1]) for r in rows] == [
        ("January 2024", "2"),
        ("February 2024", "0"),
        ("March 2024", "1"),
    ]
    assert html.count("<rect") == 2


def test_timeline_bar_links_to_the_list_for_that_month_and_category(client):
    IncidentFactory.create_batch(2, published=True, occurred_from=D(2024, 1, 5))
    IncidentFactory(published=True, occurred_from=D(2024, 1, 20), category="torture")
    html = client.get(reverse("cases:incident_timeline")).content.decode()
    hrefs = re.findall(r'<a href="([^"]+)" aria-label="January 2024: 2 ', html)
    assert len(hrefs) == 1
    href = hrefs[0].replace("&amp;", "&")
    assert "date_from=2024-01-01" in href and "date_to=2024-01-31" in href
    assert "category=pow_execution" in href
    listing = client.get(href).content.decode()
    assert "2 incidents" in listing


def test_timeline_by_strongest_claim_status(client):
    mixed = IncidentFactory(published=True, occurred_from=D(2024, 1, 5))
    ClaimFactory(incident=mixed, status="unverified")
    ClaimFactory(incident=mixed, status="verified", rationale="Geolocated.")
    disputed = IncidentFactory(published=True, occurred_from=D(2024, 1, 6))
    ClaimFactory(incident=disputed, status="disputed", rationale="Denied with proof.")
    IncidentFactory(published=True, occurred_from=D(2024, 1, 7))  # no claims
    html = client.get(reverse("cases:incident_timeline"), {"stack": "status"}).content.decode()
    header, *rows = timeline_table(html)
    assert header == ["Month", "Verified", "Disputed", "No claims yet", "Total"]
    assert rows == [["January 2024", "1", "1", "1", "3"]]


def test_timeline_without_incidents_says_so(client):
    html = client.get(reverse("cases:incident_timeline")).content.decode()
    assert "No incident matches these filters." in html
    assert "<svg" not in html


def test_timeline_is_linked_from_the_list_and_the_map(client):
    for name in ("cases:incident_list", "cases:incident_map"):
        html = client.get(reverse(name), {"category": "torture"}).content.decode()
        assert f'href="{reverse("cases:incident_timeline")}?category=torture"' in html


# --- official figures against documented incidents ----------------------------------------


@pytest.fixture
def prosecutor_series(db):
    """The Prosecutor General's yearly counts and their total, about one public incident."""
    incident = IncidentFactory(
        published=True, occurred_from=D(2024, 11, 1), victims_min=2, victims_max=6
    )
    IncidentFactory(published=True, occurred_from=D(2022, 4, 20))  # no victim number
    IncidentFactory(published=True, occurred_from=D(2024, 3, 1), category="torture")
    IncidentFactory(occurred_from=D(2024, 5, 1))  # a draft: never counted
    statement = OfficialStatementFactory()
    statement.incidents.add(incident)
    for start, end, value in [
        (D(2022, 1, 1), D(2022, 12, 31), 8),
        (D(2023, 1, 1), D(2023, 12, 31), 8),
        (D(2024, 1, 1), D(2024, 12, 31), 39),
        (D(2025, 1, 1), D(2025, 5, 5), 20),
        (D(2022, 2, 24), D(2025, 5, 5), 75),
    ]:
        ReportedFigureFactory(
            statement=statement,
            metric="criminal cases opened",
            value=value,
            period_start=start,
            period_end=end,
            as_of=D(2025, 5, 5),
        )
    return statement


def figure_rows(html: str, caption: str) -> list[list[str]]:
    table = re.search(rf"<caption>{caption}</caption>.*?</table>", html, re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    cells = [re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", r, re.S) for r in rows]
    return [[" ".join(re.sub(r"<[^>]+>", "", c).split()) for c in row] for row in cells]


def test_figures_page_charts_the_series_beside_documented_incidents(client, prosecutor_series):
    html = client.get(reverse("cases:figures")).content.decode()
    assert "Prosecutor General&#x27;s Office of Ukraine: criminal cases opened" in html
    assert "Why the numbers differ" in html
    parts = figure_rows(html, "Reported figures by period")
    assert parts == [
        ["2022", "8", "5 May 2025", "1", "0 (1 incident with no number)"],
        ["2023", "8", "5 May 2025", "0", "0"],
        ["2024", "39", "5 May 2025", "1", "2–6"],
        ["1 Jan 2025 – 5 May 2025", "20", "5 May 2025", "0", "0"],
    ]
    # The total is told apart, not drawn beside the parts it sums.
    totals = figure_rows(html, r"Totals \(periods that contain the ones above\)")
    assert totals == [
        ["24 Feb 2022 – 5 May 2025", "75", "5 May 2025", "2", "2–6 (1 incident with no number)"]
    ]
    # One bar per part, each linking to the statement.
    bars = re.findall(
        rf'<a href="{prosecutor_series.get_absolute_url()}" aria-label="[^"]*reported', html
    )
    assert len(bars) == 4


def test_figures_of_statements_readers_cannot_see_are_absent(client):
    draft = IncidentFactory(title="Draft only")
    hidden = OfficialStatementFactory(organisation="Hidden organisation")
    hidden.incidents.add(draft)
    ReportedFigureFactory(statement=hidden, metric="SENTINEL-HIDDEN-METRIC", value=4242)
    for url in (reverse("cases:figures"), reverse("cases:figures_csv"), reverse("cases:home")):
        body = client.get(url).content.decode()
        assert "SENTINEL-HIDDEN-METRIC" not in body and "4242" not in body, url


def test_series_csv_has_every_figure_with_the_comparison(client, prosecutor_series):
    response = client.get(reverse("cases:figures_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == 5
    total = next(r for r in rows if r["is_total"] == "yes")
    assert (total["value"], total["documented_incidents"]) == ("75", "2")
    assert (total["alleged_victims_min"], total["alleged_victims_max"]) == ("2", "6")
    assert total["compared_category"] == "pow_execution"
    assert total["statement_url"].endswith(prosecutor_series.get_absolute_url())


def test_series_csv_neutralises_formulas(client):
    incident = IncidentFactory(published=True)
    statement = OfficialStatementFactory(organisation="=HYPERLINK(1)")
    statement.incidents.add(incident)
    ReportedFigureFactory(statement=statement, metric="@SUM(A1)")
    rows = list(csv.reader(io.StringIO(client.get(reverse("cases:figures_csv")).content.decode())))
    assert rows[1][:2] == ["'=HYPERLINK(1)", "'@SUM(A1)"]


def test_home_page_quotes_the_total_and_links_to_figures(client, prosecutor_series):
    html = client.get(reverse("cases:home")).content.decode()
    assert "<strong>75</strong> criminal cases opened" in html
    assert f'href="{reverse("cases:figures")}"' in html


def test_incident_page_figures_keep_the_period_on_phones(client, prosecutor_series):
    incident = prosecutor_series.incidents.get()
    html = client.get(incident.get_absolute_url()).content.decode()
    assert 'data-label="Period">1 Jan 2022 – 31 Dec 2022' in html
    css = (settings.BASE_DIR / "static" / "css" / "site.css").read_text()
    assert "nth-child(3) { display: none" not in css


# --- the incident page's overview --------------------------------------------------------


def test_overview_comes_before_the_first_claim_with_tally_victims_and_contents(client):
    from tests.factories import AllegedVictimFactory

    incident = IncidentFactory(published=True)
    ClaimFactory(incident=incident, status="verified", rationale="Geolocated.")
    ClaimFactory.create_batch(2, incident=incident)
    AllegedVictimFactory(incident=incident, count=6, status="hors_de_combat", fate="killed")
    AllegedVictimFactory(
        incident=incident, name="SENTINEL-NAME-IN-OVERVIEW", status="pow", fate="detained"
    )
    html = client.get(incident.get_absolute_url()).content.decode()
    overview = html.index('id="overview-heading"')
    assert overview < html.index('class="claim"')
    block = html[overview : html.index('id="claims-heading"')]
    assert "1 verified" in block and "2 unverified" in block
    assert "<strong>7</strong>" in block  # 6 in a group + 1, counted by size
    assert "SENTINEL-NAME-IN-OVERVIEW" not in block  # numbers only, never names
    for anchor in ("claims-heading", "victims-heading", "statements-heading", "sources-heading"):
        assert f'href="#{anchor}"' in block


def test_each_claim_has_a_visible_permalink_and_its_statements_figures(client):
    incident = IncidentFactory(published=True)
    statement = OfficialStatementFactory()
    statement.incidents.add(incident)
    ReportedFigureFactory(statement=statement, metric="prisoners of war executed", value=268)
    claim = ClaimFactory(incident=incident, statement=statement)
    html = client.get(incident.get_absolute_url()).content.decode()
    article = html[html.index(f'id="claim-{claim.pk}"') :]
    article = article[: article.index("</article>")]
    assert f'<a href="#claim-{claim.pk}">Link to this claim</a>' in article
    assert "<strong>268</strong> prisoners of war executed" in article


def test_incident_page_stays_within_its_query_budget_with_the_overview(
    client, django_assert_max_num_queries
):
    incident = IncidentFactory(published=True, latitude="47.5", longitude="35.8")
    statement = OfficialStatementFactory()
    statement.incidents.add(incident)
    ReportedFigureFactory(statement=statement)
    ClaimFactory(incident=incident, statement=statement)
    with django_assert_max_num_queries(12):
        assert client.get(incident.get_absolute_url()).status_code == 200


def test_citation_gives_version_access_date_and_a_form_per_claim(client):
    incident = IncidentFactory(published=True)
    claim = ClaimFactory(incident=incident, text="The order was given by radio.")
    html = client.get(incident.get_absolute_url()).content.decode()
    citation = html[html.index('id="cite-heading"') :]
    assert f"version {incident.version}" in citation
    assert f"Accessed {timezone.localdate():%-d %B %Y}" in citation
    assert "print.css" in html
    article = html[html.index(f'id="claim-{claim.pk}"') :]
    article = article[: article.index("</article>")]
    assert "Cite this claim:" in article and "The order was given by radio." in article
    assert f"{incident.get_absolute_url()}#claim-{claim.pk}" in article


# --- filter counts ---------------------------------------------------------------------------


def option(html: str, name: str, value: str) -> str:
    select = re.search(rf'<select name="{name}".*?</select>', html, re.S).group(0)
    return re.search(rf'<option value="{value}"[^>]*>[^<]*</option>', select).group(0)


def test_each_option_counts_incidents_under_the_other_filters(client):
    luhansk = IncidentFactory(published=True, oblast="luhansk", category="pow_execution")
    ClaimFactory(incident=luhansk, status="verified", rationale="Geolocated.")
    IncidentFactory(published=True, oblast="luhansk", category="torture")
    IncidentFactory(published=True, oblast="kharkiv", category="torture")
    IncidentFactory(oblast="kherson", category="torture")  # a draft: never counted
    html = client.get(reverse("cases:incident_list"), {"category": "torture"}).content.decode()
    # Oblast counts under category=torture; the category's own counts ignore the category.
    assert "Luhansk Oblast (1)" in option(html, "oblast", "luhansk")
    assert "Kharkiv Oblast (1)" in option(html, "oblast", "kharkiv")
    assert "(0)" in option(html, "oblast", "kherson")
    assert "data-empty" in option(html, "oblast", "kherson")
    assert "(2)" in option(html, "category", "torture")
    assert "(1)" in option(html, "category", "pow_execution")
    assert "data-empty" not in option(html, "category", "pow_execution")
    assert "(0)" in option(html, "status", "verified")  # no torture incident has one
    html = client.get(reverse("cases:incident_list")).content.decode()
    assert "(1)" in option(html, "status", "verified")


# --- the PDF dossier -------------------------------------------------------------------------


def test_dossier_is_a_pdf_gated_like_the_page(client):
    incident = IncidentFactory(published=True)
    ClaimFactory(incident=incident, text="The order was given by radio.")
    response = client.get(reverse("cases:incident_dossier", kwargs={"slug": incident.slug}))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    html = client.get(incident.get_absolute_url()).content.decode()
    assert reverse("cases:incident_dossier", kwargs={"slug": incident.slug}) in html
    draft = IncidentFactory()
    url = reverse("cases:incident_dossier", kwargs={"slug": draft.slug})
    assert client.get(url).status_code == 404


def test_dossier_holds_claims_history_and_only_public_file_hashes(client):
    from public.dossier import dossier_html
    from public.selectors import incident_for_page
    from tests.factories import (
        AllegedVictimFactory,
        ClaimEvidenceFactory,
        SourceFactory,
        SourceFileFactory,
    )

    incident = IncidentFactory(published=True)
    claim = ClaimFactory(incident=incident, status="verified", rationale="Geolocated footage.")
    source = SourceFactory()
    incident.sources.add(source)
    ClaimEvidenceFactory(claim=claim, source=source)
    shown = SourceFileFactory(source=source)
    hidden = SourceFileFactory(source=source, is_restricted=True)
    AllegedVictimFactory(incident=incident, name="SENTINEL-WITHHELD-IN-DOSSIER")
    html = dossier_html(incident_for_page(slug=incident.slug, user=None))
    assert "Geolocated footage." in html and "Verified" in html
    assert shown.sha256 in html and hidden.sha256 not in html
    assert "SENTINEL-WITHHELD-IN-DOSSIER" not in html
    assert "Name withheld" in html


def test_dossier_pdf_has_bookmarks_and_a_contents_list_with_pages(client):
    from weasyprint import HTML

    from public.dossier import dossier_html
    from public.selectors import incident_for_page

    incident = IncidentFactory(published=True, title="Shelling of the bakery")
    ClaimFactory(
        incident=incident,
        status="verified",
        rationale="Geolocated.",
        text="The bakery was hit at noon.",
    )
    ClaimFactory(incident=incident, text="Nobody was inside.")
    html = dossier_html(incident_for_page(slug=incident.slug, user=None))
    # A reader's outline pane: the incident, its sections, each claim with its status.
    outline = HTML(string=html).render().make_bookmark_tree()
    (title, _, sections, _), *_ = outline
    assert title == "Shelling of the bakery"
    labels = [section[0] for section in sections]
    assert labels[0] == "Claims and their verification status"
    assert {"Alleged victims", "Official statements and figures", "Sources", "History"} <= set(
        labels
    )
    claims = [claim[0] for claim in sections[0][2]]
    assert "Verified: The bakery was hit at noon." in claims
    assert "Unverified: Nobody was inside." in claims
    # The contents list links each section (WeasyPrint adds the page numbers).
    assert re.search(r'<a href="#claims">Claims and their verification status</a>', html)
    assert 'href="#history"' in html and 'id="history"' in html
