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
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings
from django.urls import reverse

from cases.models import AllegedVictim, Claim, Incident
from public.cache import invalidate_everything
from sources.models import OfficialStatement, Source
from tools import mixed, server
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
    # One client, page cache off: what a reader gets when the cache cannot help.
    cold: list[Sample] = field(default_factory=list)

    def cold_p50(self) -> float:
        return percentile([s.ms for s in self.cold], 50)

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
    name: str = "CSV export"
    # Lines that are not rows: CSV's header; JSON's opening and closing lines.
    extra_lines: int = 1
    target: int = 20_000
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
    api_detail = f"/api/v1/incidents/{typical.slug}/"
    # Pages live under the language prefix (/en/); the API and the exports do not.
    home, listing = reverse("cases:home"), reverse("cases:incident_list")
    # The targets of issue 21, on the *cold* p50 (one client, page cache off) ÷ /health/'s.
    return [
        Case("health", "/health/", note="the floor: one SELECT 1"),
        Case("home", home, ("ratio", 5)),
        Case("list", listing, ("ratio", 5)),
        Case(
            "list, 3 filters",
            f"{listing}?oblast=donetsk&category=pow_execution&status=verified",
            ("ratio", 5),
        ),
        Case("full-text search", f"{listing}?q=Popasna", ("ratio", 8), note="a place name"),
        Case(
            f"list page {deep:,}",
            f"{listing}?page={deep}",
            ("ratio", 8),
            note="" if deep == 2000 else f"only {pages:,} pages at this size",
        ),
        Case("incident page (typical)", typical.get_absolute_url(), ("ratio", 5)),
        Case(
            f"incident page ({heavy.n} claims)",
            heavy.get_absolute_url(),
            ("ms", 150),
        ),
        Case(
            "source page",
            source.get_absolute_url() if source else reverse("sources:source_detail", args=[0]),
            ("ratio", 5),
        ),
        Case("API detail", api_detail, ("ratio", 5), optional=True),
        Case("API list", "/api/v1/incidents/", ("ratio", 8), optional=True),
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
    cold_requests: int = 20
    cold_seconds: float = 20.0
    mixed_users: int = 16
    mixed_seconds: float = 60.0
    mixed_draws: int = 40_000
    prewarm: int = 200


def run(options: Options, *, log) -> tuple[list[Result], list[ExportResult], dict, object]:
    cases = pick_cases()
    sizes = data_sizes()
    info = {"machine": machine(), "sizes": sizes}
    port = server.free_port(int(os.environ.get("BENCH_PORT", "0")))
    log(f"gunicorn on {server.HOST}:{port} with {options.workers} workers")
    # Not under STATIC_ROOT: WhiteNoise would serve it.
    server_log = Path(tempfile.gettempdir()) / "bench-gunicorn.log"
    results: list[Result] = []
    log("cold: one client, page cache off")
    with server.gunicorn(
        port=port, workers=options.workers, log=server_log, env={"PUBLIC_PAGE_CACHE_SECONDS": "0"}
    ):
        for case in cases:
            result = Result(case=case)
            results.append(result)
            if case.optional and server.get(port, case.url) == 404:
                result.available = False
                log(f"  {case.name:<28} not available in this build")
                continue
            result.cold = LocustRun(
                port=port,
                urls=[case.url],
                users=1,
                seconds=options.cold_seconds,
                max_requests=options.cold_requests,
                warmup=2,
            ).wait()
            log(f"  {case.name:<28} cold p50 {result.cold_p50():7.1f} ms")
    log(f"warm: page cache on, {options.concurrency} clients")
    with server.gunicorn(port=port, workers=options.workers, log=server_log) as master:
        for result in results:
            case = result.case
            if not result.available:
                continue
            result.samples = LocustRun(
                port=port,
                urls=[case.url],
                users=options.concurrency,
                seconds=options.seconds,
                max_requests=options.requests,
                warmup=options.warmup,
            ).wait()
            _, result.queries, result.alone_ms = count_queries(case.url)
            log(
                f"  {case.name:<28} {result.rps:7.1f} req/s  p50 {result.percentile(50):7.1f} ms"
                f"  p95 {result.percentile(95):7.1f} ms  {result.queries} queries"
                f"  alone {result.alone_ms:6.1f} ms"
                f"  errors {result.errors}"
            )
        exports = [
            measure_export(port, master, options, export, log=log)
            for export in (
                ExportResult(url="/incidents/export.csv"),
                ExportResult(
                    url="/incidents/export.json", name="JSON export", extra_lines=2, target=10_000
                ),
                ExportResult(
                    url="/incidents/export.geojson",
                    name="GeoJSON export",
                    extra_lines=2,
                    target=10_000,
                ),
            )
        ]
        outcome = run_mixed(port, options, log=log)
    return results, exports, info, outcome


def run_mixed(port: int, options: Options, *, log) -> mixed.MixedResult:
    """Readers over random pages (Zipf) while a writer saves drafts and re-assesses claims."""
    urls = mixed.population(draws=options.mixed_draws)
    outcome = mixed.MixedResult(seconds=options.mixed_seconds, users=options.mixed_users)
    log(f"mixed: {options.mixed_users} readers over {len(set(urls)):,} addresses")
    outcome.health = LocustRun(
        port=port, urls=["/health/"], users=options.mixed_users, seconds=10, warmup=20
    ).wait()
    # Start from an empty page cache, then warm the most read addresses as a running site has.
    invalidate_everything()
    for url, _ in Counter(urls).most_common(options.prewarm):
        server.get(port, url)
    outcome.prewarmed = min(options.prewarm, len(set(urls)))
    outcome.writer = mixed.Writer()
    outcome.writer.start()
    try:
        outcome.samples = LocustRun(
            port=port,
            urls=urls,
            users=options.mixed_users,
            seconds=options.mixed_seconds,
            stride=max(1, len(urls) // options.mixed_users),
        ).wait()
    finally:
        outcome.writer.stop()
    hits, total = outcome.hit_rates().get("all", (0, 0))
    log(
        f"  {outcome.rps:.1f} req/s (/health/ {outcome.health_rps:.1f}), hit rate "
        f"{hits / total if total else 0:.0%}, {outcome.writer.drafts_saved} drafts saved, "
        f"{outcome.writer.claims_decided} claims re-assessed, errors {outcome.errors}"
    )
    return outcome


def measure_export(
    port: int, master: int, options: Options, export: ExportResult, *, log
) -> ExportResult:
    export.status = server.get(port, export.url, timeout=600)
    if export.status == 404:
        export.available = False
        log(f"  {export.name:<28} not available in this build")
        return export
    workers = server.worker_pids(master)
    export.peak_before_kb = server.peak_rss_kb(workers)
    rows = 0
    for _ in range(options.export_runs):
        started = time.perf_counter()
        rows, size, status = _download_rows(port, export.url, extra_lines=export.extra_lines)
        export.runs.append(time.perf_counter() - started)
    export.rows, export.bytes, export.status = rows, size, status
    export.peak_after_kb = server.peak_rss_kb(workers)
    export.queries = count_queries(export.url)[1]
    log(
        f"  {export.name:<28} {rows:,} rows in {min(export.runs):.1f} s, "
        f"worker peak {export.peak_after_kb / 1024:.0f} MiB"
    )
    return export


def _download_rows(port: int, url: str, *, extra_lines: int = 1) -> tuple[int, int, int]:
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
        return max(0, lines - extra_lines), size, response.status
    finally:
        conn.close()


# --- the report ---------------------------------------------------------------------------------


def verdict(result: Result, health_p50: float) -> tuple[str, str]:
    """(ratio text, target verdict) for one case, on its cold p50."""
    p50 = result.cold_p50()
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
    errors = sum(1 for s in result.cold if not 200 <= s.status < 400)
    if value <= allowed and not errors:
        return ratio, f"{label}: met"
    if errors:
        return ratio, f"{label}: missed ({errors} errors)"
    return ratio, f"{label}: **missed**, {value / allowed:.1f}× the limit"


def render(
    results: list[Result], exports: list[ExportResult], info: dict, options: Options, outcome
) -> str:
    health = next(r for r in results if r.case.name == "health")
    cold_health, warm_health = health.cold_p50(), health.percentile(50)
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
        f"Stack: gunicorn, {options.workers} sync workers, DEBUG off, WhiteNoise, the page "
        "cache in the configured cache (Redis when REDIS_URL is set). "
        f"*Cold*: a server with the page cache off, one Locust user, 2 warm-up requests then up "
        f"to {options.cold_requests} requests or {options.cold_seconds:g} s per case (fragment "
        "caches, such as the list's filter form, stay on). *Warm*: the page cache on, "
        f"{options.concurrency} users, {options.warmup} warm-up requests, then up to "
        f"{options.requests} requests or {options.seconds:g} s per case: the same address again "
        "and again, so nearly all hits. Percentiles by nearest rank. *alone*: one request "
        "in-process, page cache off (queries counted the same way). Targets (issue 21) apply "
        "to the cold p50 ÷ the cold /health/ p50."
    )
    lines += [
        "",
        "| Case | URL | cold p50 ms | cold ÷ /health/ | Target (cold) | warm req/s | warm p50 ms "
        "| warm p95 ms | warm ÷ /health/ | SQL queries | alone ms |",
        "|---|---|---:|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        case = result.case
        name = f"{case.name} ({case.note})" if case.note else case.name
        if not result.available:
            lines.append(f"| {name} | `{case.url}` |" + " – |" * 9)
            continue
        ratio, target = verdict(result, cold_health)
        warm = result.percentile(50)
        warm_ratio = f"{warm / warm_health:.1f}×" if warm_health else "–"
        errors = f" **{result.errors} errors**" if result.errors else ""
        lines.append(
            f"| {name} | `{case.url}` | {result.cold_p50():.1f} | {ratio} | {target} | "
            f"{result.rps:.1f} | {warm:.1f} | {result.percentile(95):.1f} | {warm_ratio}{errors} "
            f"| {result.queries} | {result.alone_ms:.1f} |"
        )
    lines.append("")
    for export in exports:
        if not export.available:
            lines.append(f"- {export.name} (`{export.url}`): not available in this build.")
            continue
        best = min(export.runs)
        rate = export.rows / best if best else 0
        peak = export.peak_after_kb / 1024
        met = "met" if rate >= export.target else "**missed**"
        lines.append(
            f"- {export.name} (`{export.url}`, HTTP {export.status}): {export.rows:,} rows, "
            f"{export.bytes / 1024**2:.1f} MiB in {best:.2f} s (best of {len(export.runs)}) = "
            f"{rate:,.0f} rows/s (target ≥ {export.target:,}: {met}); worker peak RSS (VmHWM) "
            f"{peak:.0f} MiB, {export.peak_before_kb / 1024:.0f} MiB before "
            f"(target < 250 MB: {'met' if peak * 1.048576 < 250 else '**missed**'}); "
            f"{export.queries} SQL queries."
        )
    errors = sum(r.errors for r in results)
    lines += ["", f"Error responses in the warm cases: {errors}."]
    if outcome is not None:
        lines += ["", *render_mixed(outcome, options)]
    return "\n".join(lines)


def render_mixed(outcome, options: Options) -> list[str]:
    samples, health = outcome.samples, outcome.health
    p = {q: percentile([s.ms for s in samples], q) for q in (50, 95, 99)}
    health_p95 = percentile([s.ms for s in health], 95)
    rates = outcome.hit_rates()
    hits, total = rates.get("all", (0, 0))
    hit_rate = hits / total if total else 0.0
    share = outcome.rps / outcome.health_rps if outcome.health_rps else 0.0
    p95_ratio = p[95] / health_p95 if health_p95 else math.nan
    writer = outcome.writer
    writer_errors = f"; writer errors: {'; '.join(writer.errors)}" if writer.errors else ""

    def met(ok: bool) -> str:
        return "met" if ok else "**missed**"

    by_kind = ", ".join(
        f"{kind} {h / n:.0%} of {n:,}"
        for kind, (h, n) in sorted(rates.items(), key=lambda item: -item[1][1])
        if kind != "all"
    )
    return [
        "### Mixed run",
        "",
        f"{outcome.users} Locust users for {outcome.seconds:g} s over {options.mixed_draws:,} "
        f"addresses drawn with a Zipf skew (s = 1.1) from every public incident, public sources, "
        f"list pages and filter combinations, searches, the home page and the API "
        f"({', '.join(f'{k} {v}%' for k, v in mixed.MIX.items())}); each user starts at its "
        f"own place in the list. The page cache was emptied, then the {outcome.prewarmed} most "
        f"read addresses requested once. Meanwhile a writer saved a draft every "
        f"{writer.draft_every:g} s ({writer.drafts_saved} saves) and an editor re-assessed a "
        f"public claim every {writer.claim_every:g} s ({writer.claims_decided} decisions), "
        f"through the services{writer_errors}. /health/ measured with the same "
        f"{outcome.users} users just before.",
        "",
        "| | value | target |",
        "|---|---:|---|",
        f"| throughput | {outcome.rps:.1f} req/s = {share:.0%} of /health/'s "
        f"{outcome.health_rps:.1f} req/s | ≥ 25%: {met(share >= 0.25)} |",
        f"| readers p50 / p95 / p99 | {p[50]:.0f} / {p[95]:.0f} / {p[99]:.0f} ms | |",
        f"| p95 ÷ /health/ p95 ({health_p95:.0f} ms) | {p95_ratio:.1f}× | ≤ 10×: "
        f"{met(p95_ratio <= 10)} |",
        f"| page cache hit rate | {hit_rate:.0%} of {total:,} requests | ≥ 80%: "
        f"{met(hit_rate >= 0.8)} |",
        f"| errors | {outcome.errors} | 0: {met(outcome.errors == 0)} |",
        "",
        f"Hit rate by kind of page: {by_kind}.",
    ]


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
