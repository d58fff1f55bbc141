"""The benchmark behind ``make bench`` (``manage.py run_benchmark`` under ``tools.settings``).

It starts the production stack (gunicorn, DEBUG off, WhiteNoise for static files) on a free
loopback port, drives each case over real HTTP with concurrent Locust users, and writes the
figures into ``docs/benchmarks.md`` between two markers, leaving the hand-written analysis
around them.

Every latency is compared with ``/health/`` measured in the same run: one trivial query through
the whole stack is the floor of what this machine can do, so the ratio says how much work a page
adds, whatever the hardware. SQL query counts come from running each request once in-process
under ``CaptureQueriesContext``: production responses never carry them.

Locust shares the machine's cores with the server, so absolute requests per second are a lower
bound; the ratios are what the targets are about.
"""

import datetime as dt
import http.client
import math
import os
import platform
import re
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from cases.models import AllegedVictim, Claim, Incident
from sources.models import OfficialStatement, Source
from tools import server
from tools.driver import LocustRun, Sample
from tools.stats import percentile

PAGE_SIZE = 25
BEGIN = "<!-- bench:begin (written by `make bench`; edit outside these markers) -->"
END = "<!-- bench:end -->"


@dataclass
class Case:
    """One thing to measure: a URL and its target."""

    name: str
    url: str
    # ("ratio", x): p50 at most x times the /health/ p50; ("ms", x): p50 under x milliseconds.
    target: tuple[str, float] | None = None
    optional: bool = False  # skipped when the URL answers 404 (a build without that page)
    note: str = ""


@dataclass
class Result:
    case: Case
    available: bool = True
    samples: list[Sample] = field(default_factory=list)
    queries: int | None = None
    alone_ms: float = math.nan  # one request in-process, no concurrent load

    @property
    def requests(self) -> int:
        return len(self.samples)

    @property
    def errors(self) -> int:
        return sum(1 for s in self.samples if not 200 <= s.status < 400)

    @property
    def rps(self) -> float:
        """Requests over the span from the first one sent to the last one answered."""
        if not self.samples:
            return 0.0
        span = max(s.end for s in self.samples) - min(s.start for s in self.samples)
        return self.requests / span if span else 0.0

    def percentile(self, p: float) -> float:
        """Latency in milliseconds at percentile ``p``."""
        return percentile([s.ms for s in self.samples], p)


@dataclass
class ExportResult:
    url: str
    available: bool = True
    runs: list[float] = field(default_factory=list)
    rows: int = 0
    bytes: int = 0
    status: int = 0
    queries: int | None = None
    peak_before_kb: int = 0
    peak_after_kb: int = 0


# --- measuring -------------------------------------------------------------------------------


def count_queries(url: str) -> tuple[int, int, float]:
    """Run ``url`` in this process; return (status, SQL queries, milliseconds of one request).

    The time is of a second, unobserved run with no concurrent load: the server's own cost of
    the page, which the p50 under load multiplies by queueing (clients ÷ workers).
    """
    client = Client(headers={"host": "127.0.0.1"})
    # Uncached: the queries and time of actually building the page (a cache hit costs none).
    with (
        override_settings(PUBLIC_PAGE_CACHE_SECONDS=0),
        CaptureQueriesContext(connection) as queries,
    ):
        response = client.get(url, secure=True)
        if response.streaming:
            for _ in response.streaming_content:
                pass
    # Counted now: the next request's request_started signal empties the query log.
    count = len(queries)
    started = time.perf_counter()
    with override_settings(PUBLIC_PAGE_CACHE_SECONDS=0):
        again = client.get(url, secure=True)
    if again.streaming:
        for _ in again.streaming_content:
            pass
    return response.status_code, count, (time.perf_counter() - started) * 1000


# --- what to measure ----------------------------------------------------------------------------


def pick_cases() -> list[Case]:
    """The benchmark's cases, with real slugs and ids from the data in the database."""
    public = Incident.objects.public()
    by_claims = public.annotate(n=Count("claims")).order_by("-n", "pk")
    heavy = by_claims.first()
    typical = (
        public.filter(pk__in=Claim.objects.values("incident_id"))
        .annotate(n=Count("claims"))
        .filter(n=5)
        .order_by("pk")
        .first()
    ) or by_claims.last()
    source = (
        Source.objects.public()
        .filter(incidents=typical)
        .annotate(n=Count("incidents"))
        .order_by("-n", "pk")
        .first()
    )
    pages = max(1, math.ceil(public.count() / PAGE_SIZE))
    deep = min(2000, pages)
    return [
        Case("health", "/health/", note="the floor: one SELECT 1"),
        Case("list", "/incidents/", ("ratio", 3)),
        Case(
            "list, 3 filters",
            "/incidents/?oblast=donetsk&category=pow_execution&status=verified",
            ("ratio", 3),
        ),
        Case("full-text search", "/incidents/?q=Popasna", ("ratio", 5), note="a place name"),
        Case(
            f"list page {deep:,}",
            f"/incidents/?page={deep}",
            ("ratio", 5),
            note="" if deep == 2000 else f"only {pages:,} pages at this size",
        ),
        Case("incident page (typical)", typical.get_absolute_url(), ("ratio", 3)),
        Case(
            f"incident page ({heavy.n} claims)",
            heavy.get_absolute_url(),
            ("ms", 150),
        ),
        Case("source page", source.get_absolute_url() if source else "/sources/0/", ("ratio", 3)),
        Case("API list", "/api/v1/incidents/", ("ratio", 3), optional=True),
    ]


def data_sizes() -> dict[str, int]:
    return {
        "incidents": Incident.objects.count(),
        "public incidents": Incident.objects.public().count(),
        "claims": Claim.objects.count(),
        "sources": Source.objects.count(),
        "incident–source links": Source.incidents.through.objects.count(),
        "victims": AllegedVictim.objects.count(),
        "statements": OfficialStatement.objects.count(),
    }


def machine() -> dict[str, str]:
    cpu = "unknown"
    try:
        match = re.search(r"^model name\s*:\s*(.+)$", Path("/proc/cpuinfo").read_text(), re.M)
        cpu = match.group(1) if match else cpu
    except OSError:
        pass
    memory = "unknown"
    try:
        match = re.search(r"^MemTotal:\s+(\d+) kB", Path("/proc/meminfo").read_text(), re.M)
        memory = f"{int(match.group(1)) / 1024**2:.1f} GiB" if match else memory
    except OSError:
        pass
    database = connection.vendor
    if database == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            database = f"PostgreSQL {cursor.fetchone()[0]}"
    return {
        "cores": str(os.cpu_count()),
        "memory": memory,
        "CPU": cpu,
        "OS": platform.platform(terse=True),
        "Python": platform.python_version(),
        "database": database,
        # The machine may be shared: a busy one inflates every figure (the ratios less so).
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --- running it ---------------------------------------------------------------------------------


@dataclass
class Options:
    concurrency: int = 8
    requests: int = 400
    seconds: float = 15.0
    warmup: int = 10
    workers: int = 2
    export_runs: int = 2


def run(options: Options, *, log) -> tuple[list[Result], ExportResult, dict]:
    cases = pick_cases()
    sizes = data_sizes()
    info = {"machine": machine(), "sizes": sizes}
    port = server.free_port()
    log(f"gunicorn on {server.HOST}:{port} with {options.workers} workers")
    # Not under STATIC_ROOT: WhiteNoise would serve it.
    server_log = Path(tempfile.gettempdir()) / "bench-gunicorn.log"
    results: list[Result] = []
    with server.gunicorn(port=port, workers=options.workers, log=server_log) as master:
        for case in cases:
            if case.optional and server.get(port, case.url) == 404:
                log(f"  {case.name:<28} not available in this build")
                results.append(Result(case=case, available=False))
                continue
            samples = LocustRun(
                port=port,
                urls=[case.url],
                users=options.concurrency,
                seconds=options.seconds,
                max_requests=options.requests,
                warmup=options.warmup,
            ).wait()
            result = Result(case=case, samples=samples)
            _, result.queries, result.alone_ms = count_queries(case.url)
            results.append(result)
            log(
                f"  {case.name:<28} {result.rps:7.1f} req/s  p50 {result.percentile(50):7.1f} ms"
                f"  p95 {result.percentile(95):7.1f} ms  {result.queries} queries"
                f"  alone {result.alone_ms:6.1f} ms"
                f"  errors {result.errors}"
            )
        export = measure_export(port, master, options, log=log)
    return results, export, info


def measure_export(port: int, master: int, options: Options, *, log) -> ExportResult:
    export = ExportResult(url="/incidents/export.csv")
    export.status = server.get(port, export.url, timeout=600)
    if export.status == 404:
        export.available = False
        log(f"  {'CSV export':<28} not available in this build")
        return export
    workers = server.worker_pids(master)
    export.peak_before_kb = server.peak_rss_kb(workers)
    rows = 0
    for _ in range(options.export_runs):
        started = time.perf_counter()
        rows, size, status = _download_rows(port, export.url)
        export.runs.append(time.perf_counter() - started)
    export.rows, export.bytes, export.status = rows, size, status
    export.peak_after_kb = server.peak_rss_kb(workers)
    export.queries = count_queries(export.url)[1]
    log(
        f"  {'CSV export':<28} {rows:,} rows in {min(export.runs):.1f} s, "
        f"worker peak {export.peak_after_kb / 1024:.0f} MiB"
    )
    return export


def _download_rows(port: int, url: str) -> tuple[int, int, int]:
    """Download ``url`` once, counting lines as they stream in (the export is one request to
    time, not load)."""
    conn = http.client.HTTPConnection(server.HOST, port, timeout=600)
    try:
        conn.request("GET", url, headers={"Host": server.HOST})
        response = conn.getresponse()
        lines = size = 0
        while chunk := response.read(1 << 16):
            lines += chunk.count(b"\n")
            size += len(chunk)
        # Rows minus the header; multi-line quoted fields would inflate this (none are expected).
        return max(0, lines - 1), size, response.status
    finally:
        conn.close()


# --- the report ---------------------------------------------------------------------------------


def verdict(result: Result, health_p50: float) -> tuple[str, str]:
    """(ratio text, target verdict) for one case."""
    p50 = result.percentile(50)
    ratio = f"{p50 / health_p50:.1f}×" if health_p50 else "–"
    target = result.case.target
    if target is None:
        return ratio, ""
    kind, limit = target
    if kind == "ratio":
        value, allowed = p50 / health_p50, limit
        label = f"≤ {limit:g}×"
    else:
        value, allowed = p50, limit
        label = f"< {limit:g} ms"
    ok = value <= allowed and result.errors == 0
    if ok:
        return ratio, f"{label}: met"
    if result.errors:
        return ratio, f"{label}: missed ({result.errors} errors)"
    return ratio, f"{label}: **missed**, {value / allowed:.1f}× the limit"


def render(results: list[Result], export: ExportResult, info: dict, options: Options) -> str:
    health = next(r for r in results if r.case.name == "health")
    health_p50 = health.percentile(50)
    now = dt.datetime.now(tz=dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [f"Run {now}.", ""]
    lines.append(
        "Machine: " + "; ".join(f"{key} {value}" for key, value in info["machine"].items()) + "."
    )
    lines.append("")
    lines.append(
        "Data: " + "; ".join(f"{value:,} {key}" for key, value in info["sizes"].items()) + "."
    )
    lines.append("")
    lines.append(
        f"Stack: gunicorn, {options.workers} sync workers, DEBUG off, WhiteNoise; "
        f"{options.concurrency} concurrent Locust users on the same machine, {options.warmup} "
        f"warm-up requests, then up to {options.requests} requests or {options.seconds:g} s per "
        "case; percentiles by nearest rank over every measured request. "
        "*alone*: one request in-process with no other load and the page cache off (the "
        "page's own server time, queries counted the same way; "
        "the p50 under load adds queueing, about clients ÷ workers times that)."
    )
    lines += [
        "",
        "| Case | URL | req/s | p50 ms | p95 ms | SQL queries | alone ms | p50 ÷ /health/ p50 "
        "| Target |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for result in results:
        case = result.case
        name = f"{case.name} ({case.note})" if case.note else case.name
        if not result.available:
            lines.append(
                f"| {name} | `{case.url}` | – | – | – | – | – | – | not available in this build |"
            )
            continue
        ratio, target = verdict(result, health_p50)
        errors = f" **{result.errors} errors**" if result.errors else ""
        lines.append(
            f"| {name} | `{case.url}` | {result.rps:.1f} | {result.percentile(50):.1f} | "
            f"{result.percentile(95):.1f} | {result.queries} | {result.alone_ms:.1f} | {ratio} | "
            f"{target}{errors} |"
        )
    lines.append("")
    if not export.available:
        lines.append(
            f"CSV export (`{export.url}`): not available in this build (the URL answers 404)."
        )
    else:
        best = min(export.runs)
        rate = export.rows / best if best else 0
        peak = export.peak_after_kb / 1024
        lines.append(
            f"CSV export (`{export.url}`, HTTP {export.status}): {export.rows:,} rows, "
            f"{export.bytes / 1024**2:.1f} MiB in {best:.2f} s (best of {len(export.runs)}) = "
            f"{rate:,.0f} rows/s (target ≥ 20,000: {'met' if rate >= 20_000 else 'missed'}); "
            f"worker peak RSS (VmHWM) {peak:.0f} MiB, {export.peak_before_kb / 1024:.0f} MiB "
            f"before the export (target < 250 MB: {'met' if peak * 1.048576 < 250 else 'missed'}); "
            f"{export.queries} SQL queries."
        )
    errors = sum(r.errors for r in results)
    lines += ["", f"Error responses in all cases: {errors}."]
    return "\n".join(lines)


def write_report(path: Path, body: str) -> None:
    """Replace the text between the markers; keep everything written around them."""
    if path.exists() and BEGIN in path.read_text():
        text = path.read_text()
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1] if END in rest else "\n"
    else:
        head = "# Benchmarks\n\nMeasured by `make bench` (see the README).\n\n"
        tail = "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{head}{BEGIN}\n{body}\n{END}{tail}")
