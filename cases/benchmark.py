"""The benchmark behind ``make bench`` (``manage.py run_benchmark``).

It starts the production stack (gunicorn, DEBUG off, WhiteNoise for static files) on a free
loopback port, drives each case over real HTTP with concurrent clients, and writes the figures
into ``docs/benchmarks.md`` between two markers, leaving the hand-written analysis around them.

Every latency is compared with ``/health/`` measured in the same run: one trivial query through
the whole stack is the floor of what this machine can do, so the ratio says how much work a page
adds, whatever the hardware. SQL query counts come from running each request once in-process
under ``CaptureQueriesContext``: production responses never carry them.

The load driver is a small thread pool over ``http.client`` (no extra dependency). It shares the
two cores with the server, so absolute requests per second are a lower bound; the ratios are
what the targets are about.
"""

import datetime as dt
import http.client
import math
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from django.db import connection
from django.db.models import Count
from django.test import Client
from django.test.utils import CaptureQueriesContext, override_settings

from cases.models import AllegedVictim, Claim, Incident
from sources.models import OfficialStatement, Source

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
    optional: bool = False  # built on another branch: skipped when the URL answers 404
    note: str = ""


@dataclass
class Result:
    case: Case
    available: bool = True
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    queries: int | None = None
    alone_ms: float = math.nan  # one request in-process, no concurrent load
    statuses: dict[int, int] = field(default_factory=dict)

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, p: float) -> float:
        """Latency in milliseconds at percentile ``p`` (nearest rank)."""
        ordered = sorted(self.latencies)
        if not ordered:
            return math.nan
        rank = max(1, math.ceil(p / 100 * len(ordered)))
        return ordered[rank - 1] * 1000


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


# --- the server ---------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def gunicorn(*, port: int, workers: int, log: Path) -> Iterator[subprocess.Popen]:
    """Run gunicorn for the duration of the block and stop it afterwards, whatever happens.

    Started in its own session so that a Ctrl-C reaches this process (which then stops the
    server) and the whole process group can be signalled at once.
    """
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "config.wsgi:application",
        f"--workers={workers}",
        f"--bind=127.0.0.1:{port}",
        # The full CSV export of 100,000 incidents must not be cut off by the default 30 s.
        "--timeout=120",
    ]
    # Plain HTTP on loopback: production's HTTPS redirect would answer every request with a 301.
    # The anonymous API throttle would turn the concurrent benchmark into 429s.
    environment = {**os.environ, "SECURE_SSL_REDIRECT": "0", "API_ANON_RATE": "1000000/min"}
    with log.open("w") as log_file:
        process = subprocess.Popen(
            command,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env=environment,
        )
    previous = signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        _wait_until_up(port, process)
        yield process
    finally:
        signal.signal(signal.SIGTERM, previous)
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


def _raise_keyboard_interrupt(signum, frame):
    raise KeyboardInterrupt


def _wait_until_up(port: int, process: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError("gunicorn exited at start-up; see its log.")
        try:
            if fetch(port, "/health/")[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer /health/ within {timeout:.0f} s.")


def worker_pids(master: int) -> list[int]:
    pids = []
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            text = status.read_text()
        except OSError:
            continue
        if re.search(rf"^PPid:\s+{master}$", text, re.MULTILINE):
            pids.append(int(status.parent.name))
    return sorted(pids)


def peak_rss_kb(pids: list[int]) -> int:
    """The largest peak resident set (VmHWM) among ``pids``, in kB."""
    peaks = [0]
    for pid in pids:
        try:
            text = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        match = re.search(r"^VmHWM:\s+(\d+) kB", text, re.MULTILINE)
        if match:
            peaks.append(int(match.group(1)))
    return max(peaks)


# --- the load driver ----------------------------------------------------------------------------


def fetch(port: int, url: str, timeout: float = 120) -> tuple[int, int]:
    """GET ``url``; return (status, body length). A new connection each time, as gunicorn's sync
    workers close it after every response."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", url, headers={"Host": "127.0.0.1"})
        response = conn.getresponse()
        body = response.read()
        return response.status, len(body)
    finally:
        conn.close()


def drive(
    *, port: int, case: Case, concurrency: int, requests: int, seconds: float, warmup: int
) -> Result:
    """Send ``requests`` GETs from ``concurrency`` clients, or stop after ``seconds``."""
    result = Result(case=case)
    for _ in range(warmup):
        fetch(port, case.url)
    lock = threading.Lock()
    remaining = [requests]
    deadline = time.monotonic() + seconds

    def client() -> None:
        while True:
            with lock:
                if remaining[0] <= 0 or time.monotonic() > deadline:
                    return
                remaining[0] -= 1
            started = time.perf_counter()
            try:
                status, _ = fetch(port, case.url)
            except OSError:
                status = 0
            elapsed = time.perf_counter() - started
            with lock:
                result.latencies.append(elapsed)
                result.statuses[status] = result.statuses.get(status, 0) + 1
                if not 200 <= status < 400:
                    result.errors += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        for future in [pool.submit(client) for _ in range(concurrency)]:
            future.result()
    result.seconds = time.perf_counter() - started
    result.requests = len(result.latencies)
    return result


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
        Source.objects.visible_to(None)
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
    port = free_port()
    log(f"gunicorn on 127.0.0.1:{port} with {options.workers} workers")
    # Not under STATIC_ROOT: WhiteNoise would serve it.
    server_log = Path(tempfile.gettempdir()) / "bench-gunicorn.log"
    results: list[Result] = []
    with gunicorn(port=port, workers=options.workers, log=server_log) as server:
        for case in cases:
            status, _ = fetch(port, case.url)
            if status == 404 and case.optional:
                log(f"  {case.name:<28} not available in this build")
                results.append(Result(case=case, available=False))
                continue
            result = drive(
                port=port,
                case=case,
                concurrency=options.concurrency,
                requests=options.requests,
                seconds=options.seconds,
                warmup=options.warmup,
            )
            _, result.queries, result.alone_ms = count_queries(case.url)
            results.append(result)
            log(
                f"  {case.name:<28} {result.rps:7.1f} req/s  p50 {result.percentile(50):7.1f} ms"
                f"  p95 {result.percentile(95):7.1f} ms  {result.queries} queries"
                f"  alone {result.alone_ms:6.1f} ms"
                f"  errors {result.errors}"
            )
        export = measure_export(port, server.pid, options, log=log)
    return results, export, {"machine": machine(), "sizes": sizes}


def measure_export(port: int, master: int, options: Options, *, log) -> ExportResult:
    export = ExportResult(url="/incidents/export.csv")
    status, _ = fetch(port, export.url)
    export.status = status
    if status == 404:
        export.available = False
        log(f"  {'CSV export':<28} not available in this build")
        return export
    workers = worker_pids(master)
    export.peak_before_kb = peak_rss_kb(workers)
    rows = 0
    for _ in range(options.export_runs):
        started = time.perf_counter()
        rows, size, status = _download_rows(port, export.url)
        export.runs.append(time.perf_counter() - started)
    export.rows, export.bytes, export.status = rows, size, status
    export.peak_after_kb = peak_rss_kb(workers)
    export.queries = count_queries(export.url)[1]
    log(
        f"  {'CSV export':<28} {rows:,} rows in {min(export.runs):.1f} s, "
        f"worker peak {export.peak_after_kb / 1024:.0f} MiB"
    )
    return export


def _download_rows(port: int, url: str) -> tuple[int, int, int]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", url, headers={"Host": "127.0.0.1"})
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
        f"{options.concurrency} concurrent clients on the same machine, {options.warmup} warm-up "
        f"requests, then up to {options.requests} requests or {options.seconds:g} s per case. "
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
