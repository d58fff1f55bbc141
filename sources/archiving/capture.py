"""Capture one URL: the page and its directly embedded media into a WACZ (and, with Chromium,
a full-page screenshot and a PDF — sources.archiving.browser)."""

import html
import re
import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sources.archiving.fetch import FetchError, Hop, Limits, fetch
from sources.archiving.media import embedded_media
from sources.archiving.wacz import build_wacz

ARCHIVER = "case-tracker archiver"
_TITLE = re.compile(rb"<title[^>]*>(.*?)</title>", re.I | re.S)


@dataclass
class Artifact:
    name: str
    data: bytes
    mime_type: str
    tool: str  # what made it, with its version


@dataclass
class Capture:
    url: str
    final_url: str
    status: int
    title: str
    started_at: float
    artifacts: list[Artifact] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def page_failure(hop: Hop) -> FetchError:
    passing = hop.status >= 500 or hop.status in (408, 425, 429)
    return FetchError(f"http_{hop.status}", f"{hop.status} {hop.reason}".strip(), passing=passing)


def capture_url(url: str, limits: Limits, *, browser=None) -> Capture:
    """Fetch ``url`` and package it. Raises FetchError when the page itself cannot be had
    (a media file that fails is noted, not fatal). ``browser`` is a callable
    ``(url, limits, allowed_hosts) -> (list[Artifact], list[str] notes)``, or None."""
    started = time.time()
    deadline = time.monotonic() + limits.timeout
    hops = fetch(url, limits, deadline=deadline)
    page = hops[-1]
    if page.status >= 400:
        raise page_failure(page)
    title_match = _TITLE.search(page.body[:200_000])
    title = (
        html.unescape(title_match.group(1).decode("utf-8", "replace")).strip()[:300]
        if (title_match)
        else ""
    )
    capture = Capture(
        url=url, final_url=page.url, status=page.status, title=title, started_at=started
    )
    media_hops = []
    budget = limits.max_bytes - sum(len(hop.body) for hop in hops)
    if page.content_type in ("text/html", "application/xhtml+xml", ""):
        for media_url in embedded_media(page.body, page.url):
            if budget <= 0:
                capture.notes.append(f"Not kept (size limit reached): {media_url}")
                continue
            media_limits = Limits(**{**limits.__dict__, "max_bytes": budget, "max_redirects": 2})
            try:
                got = fetch(media_url, media_limits, deadline=deadline)
            except FetchError as error:
                capture.notes.append(f"Not kept: {media_url} ({error})")
                continue
            if got[-1].status >= 400:
                capture.notes.append(f"Not kept: {media_url} ({got[-1].status})")
            media_hops.extend(got)
            budget -= sum(len(hop.body) for hop in got)
    software = f"{ARCHIVER} (warcio {_warcio_version()})"
    wacz = build_wacz(hops + media_hops, page_url=page.url, title=title, software=software)
    capture.artifacts.append(
        Artifact(name="capture.wacz", data=wacz, mime_type="application/wacz", tool=software)
    )
    if browser is None:
        capture.notes.append("Chromium is not installed: no screenshot or PDF; the WACZ is kept.")
    else:
        fetched = hops + media_hops
        pins = {urlsplit(h.url).hostname: h.address for h in fetched}
        netlocs = {_netloc(h.url) for h in fetched}
        artifacts, notes = browser(page.url, limits, pins, netlocs)
        capture.artifacts.extend(artifacts)
        capture.notes.extend(notes)
    return capture


def _netloc(url: str) -> str:
    # Host names only: Chromium's proxy bypass list does not match an IP literal with a port.
    host = urlsplit(url).hostname or ""
    return f"[{host}]" if ":" in host else host


def _warcio_version() -> str:
    from importlib.metadata import version

    return version("warcio")
