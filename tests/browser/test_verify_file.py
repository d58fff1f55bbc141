"""A reader chooses a file on /verify-file/; the browser hashes it (Web Crypto) and the page
says whether we hold exactly that file. The file itself never leaves the reader's machine."""

import hashlib
import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

CONTENT = b"Transcript of the intercepted radio traffic, Popasna, April 2022.\n"


def test_choosing_a_file_finds_the_match(page: Page, live_server, demo, tmp_path: Path) -> None:
    from cases.models import Incident
    from tests.factories import SourceFileFactory

    incident = Incident.objects.published().order_by("pk").first()
    source = incident.sources.order_by("pk").first()
    kept = SourceFileFactory(source=source, content=CONTENT, original_name="intercept.txt")

    # The reader's copy, under another name: only the content counts.
    copy = tmp_path / "my-copy.txt"
    copy.write_bytes(CONTENT)
    other = tmp_path / "edited.txt"
    other.write_bytes(CONTENT + b" ")

    # Web Crypto only exists in secure contexts; http://localhost is one, so the chooser
    # shows (it stays hidden where the browser cannot hash).
    page.goto(f"{live_server.url}/verify-file/")
    assert page.evaluate("window.isSecureContext")
    chooser = page.get_by_label("File to check")
    expect(chooser).to_be_visible()

    chooser.set_input_files(copy)
    page.wait_for_url(re.compile(rf"\?sha256={kept.sha256}#verify-result$"))
    result = page.locator("#verify-result")
    expect(result.get_by_role("heading", name="We hold this exact file")).to_be_visible()
    expect(result).to_contain_text(kept.sha256)
    expect(result).to_contain_text("intercept.txt")
    expect(result.get_by_role("link", name=incident.title)).to_be_visible()

    # A single changed byte is a different file.
    page.get_by_label("File to check").set_input_files(other)
    edited_hash = hashlib.sha256(other.read_bytes()).hexdigest()
    page.wait_for_url(re.compile(rf"\?sha256={edited_hash}#verify-result$"))
    expect(page.locator("#verify-result").get_by_role("heading", name="Not found")).to_be_visible()
