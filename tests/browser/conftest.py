"""Browser tests: pytest-playwright drives Debian's Chromium against pytest-django's live server.

Playwright cannot download its own browser on these machines, so every test here launches
``/usr/bin/chromium``. Without it the tests are skipped, with the reason in the summary.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.security_fixtures import totp_code

# Playwright's sync API runs an event loop in the test thread; Django then refuses ORM calls
# from that thread (SynchronousOnlyOperation) unless told it is safe, which it is here: the
# ORM is only used by the test itself, never from inside a coroutine.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_MISSING = "Chromium not installed: apt-get install chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "screenshots"
DEMO_PASSWORD = "browser-tests-password"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 375, "height": 812}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Skip every browser test, with the reason, on a machine without Chromium."""
    if CHROMIUM.exists():
        return
    skip = pytest.mark.skip(reason=CHROMIUM_MISSING)
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)


def pytest_terminal_summary(terminalreporter, exitstatus: int, config: pytest.Config) -> None:
    """Say at the end of the run, not only per test, that the browser tests did not run."""
    if not CHROMIUM.exists():
        terminalreporter.write_line(f"Browser tests were skipped: {CHROMIUM_MISSING}", yellow=True)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    # Without the networking flags Chromium keeps calling hosts it cannot reach (component
    # updates, sync, QUIC probes), which slows every launch; the sandbox needs user namespaces
    # that containers do not give.
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-quic",
        ],
    }


@pytest.fixture(scope="session")
def base_url(live_server) -> str:
    """The live server, so ``page.goto("/incidents/")`` works.

    Also replaces pytest-playwright's own fallback fixture, a session-scoped method that pytest
    9 warns about (and the suite turns warnings into errors).
    """
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "viewport": DESKTOP, "locale": "en-GB"}


@pytest.fixture
def page(page: Page) -> Page:
    """Playwright's page with a shorter patience: a local server answers in milliseconds, and a
    broken step should fail in seconds, not after Playwright's default 30 s."""
    page.set_default_timeout(10_000)
    expect.set_options(timeout=10_000)
    return page


@pytest.fixture
def demo(transactional_db, live_server) -> dict[str, int]:
    """The demo data set (users researcher/editor/admin and two published incidents).

    The live server reads the database from another thread, so the data must be committed:
    ``transactional_db`` empties the tables after each test, groups included, which is why
    the roles are synced again first.
    """
    from accounts.roles import sync_roles
    from exchange.demo import load_demo

    sync_roles()
    return load_demo(password=DEMO_PASSWORD)


def second_factor_for(username: str):
    """issue 20: an enrolled authenticator app for users who must give a second factor."""
    from accounts.models import User
    from accounts.two_factor import authenticator, requires_second_factor
    from tests.security_fixtures import enrol_authenticator

    user = User.objects.get(username=username)
    if not requires_second_factor(user):
        return None
    device = authenticator(user) or enrol_authenticator(user)
    # A code is accepted once: a second sign-in within 30 seconds needs the counter reset.
    device.last_t = -1
    device.throttling_failure_count = 0
    device.save()
    return device


@pytest.fixture
def login(live_server) -> Callable[[Page, str], None]:
    """Sign ``page`` in through the admin's login form as one of the demo users."""

    def sign_in(page: Page, username: str) -> None:
        two_factor_device = second_factor_for(username)
        page.goto(f"{live_server.url}/admin/login/?next=/admin/")
        page.get_by_label("Username").fill(username)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        # issue 20: editors and superusers then type a code from their app (computed here).
        if two_factor_device is not None:
            page.get_by_label("Code").fill(totp_code(two_factor_device.key))
            page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{live_server.url}/admin/")

    return sign_in


@pytest.fixture(scope="session")
def screenshots() -> Iterator[Path]:
    """The folder (ignored by git) where the tests leave full-page screenshots for people."""
    SCREENSHOTS.mkdir(exist_ok=True)
    yield SCREENSHOTS


def public_pages() -> list[tuple[str, str]]:
    """(name, path) of every public page the scans and screenshots cover, from the demo data."""
    from django.utils import translation

    from cases.models import Incident

    incident = Incident.objects.published().order_by("pk").first()
    source = incident.sources.order_by("pk").first()
    with translation.override("uk"):  # issue 15: the pages in Ukrainian too
        incident_uk = incident.get_absolute_url()
    return [
        ("home", "/en/"),
        ("incident-list", "/en/incidents/"),
        ("incident-list-filtered", "/en/incidents/?oblast=zaporizhzhia&status=verified"),
        ("incident", incident.get_absolute_url()),
        ("source", source.get_absolute_url()),
        ("about-verification", "/en/about/verification/"),
        ("verify-file", "/en/verify-file/"),
        ("home-uk", "/uk/"),
        ("incident-list-uk", "/uk/incidents/?oblast=zaporizhzhia"),
        ("incident-uk", incident_uk),
        # issue 14: the map, the timeline (both stacks) and the official figures
        ("incident-map", "/en/incidents/map/"),
        ("incident-timeline", "/en/incidents/timeline/"),
        ("incident-timeline-status", "/en/incidents/timeline/?stack=status"),
        ("figures", "/en/figures/"),
        ("api-docs", "/api/v1/docs/"),  # the descriptions rendered from markdown
        # issue 18: legal provisions and the list filtered by one
        ("law", "/en/law/"),
        ("law-provision", "/en/law/rs-8-2-b-vi/"),
        ("incident-list-provision", "/en/incidents/?provision=rs-8-2-b-xii&element_gap=1"),
    ]


@pytest.fixture
def playwright_request(playwright) -> Iterator:
    """An HTTP client without a browser page, for fetching pages as they are served."""
    context = playwright.request.new_context()
    yield context
    context.dispose()
