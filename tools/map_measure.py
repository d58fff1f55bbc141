"""Measure the incident map in Chromium: data sent (compressed) and time to first paint.

Usage (against a running server, e.g. ``python -m tools.server`` or gunicorn as in
docs/benchmarks.md, "The incident map at 100,000 public incidents"):

    .venv/bin/python tools/map_measure.py http://127.0.0.1:8201 --runs 3

For each run, a fresh headless Chromium (Debian's, /usr/bin/chromium) loads ``/incidents/map/``
and reports: first contentful paint; when the map data arrived (response end of
``map.json``); the bytes of ``map.json`` on the wire (gzip) and decoded; when the map was
interactive (``data-ready`` on the container: every point indexed and the first view's
markers drawn, each a button); and how long choosing the first cluster took to draw the
zoomed-in view (``data-zoom`` changes). Tiles are blocked (the server's MAP_TILE_URL may point
at the internet; a tile is no part of what we send). ``/health/`` is timed in the same run, to
compare against on a loaded machine.
"""

import argparse
import gzip
import json
import statistics
import sys
import time
import urllib.request

from playwright.sync_api import sync_playwright

CHROMIUM = "/usr/bin/chromium"


def wire_size(base: str) -> tuple[int, int]:
    """(gzip bytes, plain bytes) of map.json, as a browser asking for gzip receives it."""
    request = urllib.request.Request(
        base + "/incidents/map.json", headers={"Accept-Encoding": "gzip"}
    )
    with urllib.request.urlopen(request, timeout=300) as response:  # noqa: S310 (loopback)
        packed = response.read()
        encoding = response.headers.get("Content-Encoding", "")
    plain = gzip.decompress(packed) if encoding == "gzip" else packed
    return len(packed), len(plain)


def one_run(browser, base: str, timeout_s: float) -> dict:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    origin = base.rstrip("/")
    page.route(
        "**/*",
        lambda route: route.continue_() if route.request.url.startswith(origin) else route.abort(),
    )
    started = time.monotonic()
    page.goto(origin + "/incidents/map/", wait_until="load")
    # (A locator, not wait_for_function: the site's CSP forbids eval, rightly.)
    page.locator("#incident-map[data-ready]").wait_for(state="attached", timeout=timeout_s * 1000)
    ready_s = time.monotonic() - started
    zoom_s = None
    cluster = page.locator(".map-cluster").first
    if cluster.count():
        zoom = page.locator("#incident-map").get_attribute("data-zoom")
        clicked = time.monotonic()
        cluster.click()
        page.locator(f"#incident-map:not([data-zoom='{zoom}'])").wait_for(state="attached")
        zoom_s = round(time.monotonic() - clicked, 2)
    timing = page.evaluate(
        """() => {
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          const data = performance.getEntriesByType('resource')
            .find(e => e.name.includes('/incidents/map.json'));
          return {
            fcp_ms: fcp ? fcp.startTime : null,
            data_end_ms: data ? data.responseEnd : null,
            data_transfer: data ? data.transferSize : null,
            data_encoded: data ? data.encodedBodySize : null,
            data_decoded: data ? data.decodedBodySize : null,
            points: Number(document.getElementById('incident-map').dataset.ready),
          };
        }"""
    )
    context.close()
    return {**timing, "ready_s": round(ready_s, 2), "cluster_zoom_s": zoom_s}


def health_s(base: str, times: int = 5) -> float:
    """Median seconds for /health/ (the yardstick on a shared, loaded machine)."""
    spent = []
    for _ in range(times):
        started = time.monotonic()
        with urllib.request.urlopen(base + "/health/", timeout=60) as response:  # noqa: S310
            response.read()
        spent.append(time.monotonic() - started)
    return statistics.median(spent)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("base", help="the server, e.g. http://127.0.0.1:8201")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--timeout", type=float, default=180, help="seconds per run")
    args = parser.parse_args()
    base = args.base.rstrip("/")
    packed, plain = wire_size(base)
    print(f"map.json: {packed:,} bytes gzip, {plain:,} bytes uncompressed")
    runs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        for number in range(1, args.runs + 1):
            run = one_run(browser, base, args.timeout)
            runs.append(run)
            print(f"run {number}: " + json.dumps(run))
        browser.close()
    print(f"median /health/: {health_s(base):.3f} s")
    for key in ("fcp_ms", "data_end_ms", "ready_s", "cluster_zoom_s"):
        values = [r[key] for r in runs if r[key] is not None]
        if values:
            print(f"median {key}: {statistics.median(values):.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
