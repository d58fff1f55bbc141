"""Issue 14 in a real browser: the map, the small map, the timeline and the figures."""

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PHONE

pytestmark = pytest.mark.browser

POPASNA = "popasna-2022-04-intercepted-order-to-kill-prisoners"


@pytest.fixture
def local_only(page: Page, live_server) -> list[str]:
    """Refuse (and record) every request to another host: no tile from the internet."""
    outside: list[str] = []

    def route(route):
        url = route.request.url
        if url.startswith(live_server.url) or url.startswith("data:"):
            route.continue_()
        else:
            outside.append(url)
            route.abort()

    page.route("**/*", route)
    return outside


def test_map_shows_both_demo_incidents_and_links_to_them(
    page: Page, live_server, demo, local_only
) -> None:
    page.goto(f"{live_server.url}/en/incidents/map/")
    expect(page.locator("#incident-map")).to_have_attribute("data-ready", "2")
    expect(page.get_by_text("2 incidents on the map")).to_be_visible()
    # Each incident is a named button at its place (Popasna at settlement precision: a 5 km
    # circle is drawn around it); the title is fetched when its popup opens.
    popasna = page.get_by_role("button", name="popasna 2022 04 intercepted order")
    expect(page.get_by_role("button", name="zaporizhzhia 2024 11 execution")).to_be_visible()
    popasna.click()
    link = page.locator(".leaflet-popup").get_by_role(
        "link", name="Intercepted order to kill Ukrainian prisoners of war, Popasna area"
    )
    expect(link).to_be_visible()
    link.click()
    page.wait_for_url(f"**/incidents/{POPASNA}/")
    assert local_only == []


def test_map_markers_work_from_the_keyboard(page: Page, live_server, demo, local_only) -> None:
    page.goto(f"{live_server.url}/uk/incidents/map/")
    expect(page.locator("#incident-map")).to_have_attribute("data-ready", "2")
    page.get_by_role("button", name="popasna 2022 04 intercepted order").focus()
    page.keyboard.press("Enter")
    # In Ukrainian the popup gives the Ukrainian title.
    link = page.locator(".leaflet-popup").get_by_role(
        "link", name="Перехоплений наказ убити українських військовополонених"
    )
    expect(link).to_be_visible()
    assert local_only == []


def test_map_clusters_incidents_and_zooms_into_a_cluster(
    page: Page, live_server, demo, local_only
) -> None:
    from tests.factories import IncidentFactory

    # Forty more public incidents around Popasna: far too many to draw one by one at first.
    editor = IncidentFactory._meta.model.objects.get(slug=POPASNA).published_by
    for n in range(40):
        IncidentFactory(
            published=True,
            published_by=editor,
            slug=f"popasna-neighbour-{n}",
            latitude=Decimal("48.6") + Decimal(n) / 1000,
            longitude=Decimal("38.3833"),
            location_precision="exact",
        )
    page.goto(f"{live_server.url}/en/incidents/map/")
    container = page.locator("#incident-map")
    expect(container).to_have_attribute("data-ready", "42")
    groups = page.get_by_role("button", name=re.compile(r"A group of incidents: \d+"))
    expect(groups.first).to_be_visible()
    expect(page.get_by_role("button", name="popasna neighbour 7")).to_have_count(0)
    # Choosing a group zooms in on it; again and again until each incident is its own button.
    for _ in range(12):
        if not groups.count():
            break
        zoom = container.get_attribute("data-zoom")
        groups.first.click()
        expect(container).not_to_have_attribute("data-zoom", zoom)
    # The group chosen each time is the first one drawn, so which incidents end up on their own
    # depends on how the groups split: any of the forty will do.
    alone = page.get_by_role("button", name=re.compile(r"^popasna neighbour \d+$"))
    expect(alone.first).to_be_visible()
    # From the keyboard: zoom out, choose a group with Enter, and the focus lands on a marker of
    # the zoomed-in view (not back at the top of the page).
    page.goto(f"{live_server.url}/en/incidents/map/")
    expect(container).to_have_attribute("data-ready", "42")
    zoom = container.get_attribute("data-zoom")
    groups.first.focus()
    page.keyboard.press("Enter")
    expect(container).not_to_have_attribute("data-zoom", zoom)
    expect(page.locator("#incident-map .leaflet-marker-icon:focus")).to_have_count(1)
    assert local_only == []


def test_map_follows_the_filters(page: Page, live_server, demo, local_only) -> None:
    page.goto(f"{live_server.url}/incidents/map/?oblast=luhansk")
    expect(page.locator("#incident-map")).to_have_attribute("data-ready", "1")
    page.get_by_label("Oblast").select_option("zaporizhzhia")
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/incidents/map/?*oblast=zaporizhzhia*")
    expect(page.locator("#incident-map")).to_have_attribute("data-ready", "1")
    assert local_only == []


def test_incident_page_on_a_phone_shows_overview_and_small_map_before_the_first_claim(
    page: Page, live_server, demo, local_only
) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/incidents/{POPASNA}/")
    expect(page.locator("#incident-small-map")).to_have_attribute("data-ready", "1")
    overview = page.locator(".overview").bounding_box()
    first_claim = page.locator(".claim").first.bounding_box()
    assert overview["y"] + overview["height"] <= first_claim["y"]
    expect(page.locator(".overview").get_by_role("link", name="Claims")).to_be_visible()
    assert local_only == []


def test_timeline_bars_link_to_the_list(page: Page, live_server, demo) -> None:
    page.goto(f"{live_server.url}/incidents/timeline/")
    bars = page.locator(".timeline-chart a")
    expect(bars).to_have_count(2)
    page.locator("summary", has_text="The same numbers as a table").click()
    expect(page.get_by_role("table", name="Incidents per month")).to_be_visible()
    bars.first.click()
    page.wait_for_url("**/incidents/?*date_from=2022-04-01*")
    expect(page.get_by_role("heading", name="1 incident")).to_be_visible()


def test_figures_page_charts_the_prosecutors_series(page: Page, live_server, demo) -> None:
    page.goto(f"{live_server.url}/figures/")
    series = page.locator(".figure-series")
    expect(series).to_have_count(2)
    # 2022, 2023, 2024 and 2025 to 5 May: four bars per series, each linked to the statement.
    expect(series.first.locator("svg a")).to_have_count(4)
    expect(series.first.get_by_role("table", name="Reported figures by period")).to_be_visible()
    page.set_viewport_size(PHONE)
    # On a phone the period is still there, in every row.
    expect(series.first.locator("tbody th[data-label=Period]").first).to_be_visible()


@pytest.mark.parametrize(
    "path",
    [
        "/en/incidents/map/",
        "/en/incidents/timeline/",
        "/en/figures/",
        "/en/incidents/",
        # The incident page with its small map, a claim citation ending in a long permalink and
        # the victims' table; in Ukrainian the statuses are long words.
        f"/en/incidents/{POPASNA}/",
        f"/uk/incidents/{POPASNA}/",
        "/uk/incidents/",
        "/uk/incidents/map/",
        "/uk/figures/",
        "/api/v1/docs/",
        "/en/verify-file/",
        "/uk/verify-file/",
    ],
)
def test_no_new_page_scrolls_sideways_on_a_phone(page: Page, live_server, demo, path) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}{path}")
    if "map" in path or path.endswith(f"{POPASNA}/"):
        # Wait for the map's tiles and shapes: the tile pane is wider than the screen.
        expect(page.locator("[data-map]")).to_have_attribute("data-ready", re.compile(r"\d"))
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], (path, width)


def test_filters_collapse_behind_a_button_on_a_phone(page: Page, live_server, demo) -> None:
    page.set_viewport_size(PHONE)
    page.goto(f"{live_server.url}/incidents/")
    form = page.get_by_role("search", name="Filter incidents")
    expect(form).to_be_hidden()
    # The result count and the first result are on the first screen.
    count = page.get_by_role("heading", name="2 incidents").bounding_box()
    first = page.locator(".incident-list li").first.bounding_box()
    assert count["y"] < PHONE["height"] and first["y"] < PHONE["height"]
    page.locator("summary", has_text="Filters").click()
    expect(form.get_by_label("Oblast")).to_be_visible()
    # On a wide screen the form is simply there.
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{live_server.url}/incidents/")
    expect(form.get_by_label("Oblast")).to_be_visible()


def test_dossier_link_gives_a_pdf(page: Page, live_server, demo) -> None:
    page.goto(f"{live_server.url}/incidents/{POPASNA}/")
    link = page.get_by_role("link", name="The whole record as a PDF dossier")
    response = page.request.get(live_server.url + link.get_attribute("href"))
    assert response.ok
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF")
