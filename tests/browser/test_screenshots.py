"""Full-page screenshots of every public page at desktop and phone widths, for people to look at.

They are written to ``screenshots/`` at the repository root (ignored by git) on every run.
"""

from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import DESKTOP, PHONE, public_pages

pytestmark = pytest.mark.browser


def test_screenshots_of_public_pages(page: Page, live_server, demo, screenshots: Path) -> None:
    written = []
    for width_name, viewport in (("1280", DESKTOP), ("375", PHONE)):
        page.set_viewport_size(viewport)
        for name, path in public_pages():
            response = page.goto(f"{live_server.url}{path}")
            assert response is not None and response.status == 200, path
            target = screenshots / f"{name}-{width_name}.png"
            page.screenshot(path=target, full_page=True)
            written.append(target)
    assert all(path.stat().st_size > 0 for path in written)
