"""`make loadtest`: the production stack under load, with PostgreSQL restarted mid-run.

Starts gunicorn (2 workers, DEBUG off) on 127.0.0.1 against a local PostgreSQL database named for
the load test (created, migrated and filled with the demo data and the benchmark's generated
incidents if needed), sends ``--clients`` concurrent Locust users over the public pages (and
``/api/v1/`` when it exists) for ``--duration`` seconds, and once during the run stops
PostgreSQL, waits ``--outage`` seconds and
starts it again. It reports errors and latencies, the 503s during the outage, the time from the
database being back to the first successful page, and whether a claim-status write made by a
separate process across the restart is whole (every change has its audit record, no half
writes). The figures go to docs/reliability.md; the command fails if a criterion is not met.

Only ever talks to 127.0.0.1. ``--no-restart`` leaves PostgreSQL alone (for a quick check on a
shared server).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from tools import server
from tools.driver import LocustRun, Sample
from tools.stats import percentile

WRITER_CLAIM_SLUG = "loadtest-writer"
# Pages that answer without touching the database; they do not show whether the site recovered.
DB_FREE = {"/about/verification/", "/verify-file/"}
RECOVERY_LIMIT_SECONDS = 5.0


@dataclass
class Restart:
    stop_begin: float | None = None
    down: float | None = None
    up: float | None = None
    log: list[str] = field(default_factory=list)


class Command(BaseCommand):
    help = "Load-test the production stack and restart PostgreSQL once mid-run."

    def add_arguments(self, parser):
        parser.add_argument("--duration", type=float, default=60.0)
        parser.add_argument("--clients", type=int, default=64)
        parser.add_argument("--workers", type=int, default=2)
        parser.add_argument("--port", type=int, default=0, help="default: a free port")
        parser.add_argument("--incidents", type=int, default=300, help="generated incidents")
        parser.add_argument("--restart-at", type=float, default=None, help="default: 1/3 in")
        parser.add_argument("--outage", type=float, default=3.0, help="seconds PostgreSQL is down")
        parser.add_argument("--no-restart", action="store_true", help="leave PostgreSQL alone")
        parser.add_argument(
            "--cluster", default="", help="pg_ctlcluster 'VERSION NAME' (default: the only one)"
        )
        parser.add_argument("--report", default=str(settings.BASE_DIR / "docs" / "reliability.md"))
        # Internal: run as the separate writer process until this file exists (see _writer).
        parser.add_argument("--writer-stop-file", default=None, help=argparse.SUPPRESS)

    # --- entry -------------------------------------------------------------------------------

    def handle(self, *args, **options):
        if options["writer_stop_file"] is not None:
            return self._writer(stop_file=Path(options["writer_stop_file"]))
        self._check_target()
        try:
            options["port"] = server.free_port(options["port"])
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        self._prepare(options["incidents"])
        self.workdir = Path(tempfile.mkdtemp(prefix="loadtest-"))
        log = self.workdir / "gunicorn.log"
        try:
            with server.gunicorn(port=options["port"], workers=options["workers"], log=log):
                urls = self._urls(options["port"])
                result = self._run(urls, options)
        except RuntimeError as error:
            raise CommandError(str(error)) from None
        self._report(result, options)

    def _check_target(self) -> None:
        db = settings.DATABASES["default"]
        if db["ENGINE"] != "django.db.backends.postgresql":
            raise CommandError("The load test runs against PostgreSQL: set DATABASE_URL.")
        # Named for the load test ("loadtest", "toolsload"), never a test run's own database
        # (Django names those test_<name>), and only on this machine.
        named_for_it = "load" in db["NAME"] and not db["NAME"].startswith("test_")
        if not named_for_it or db.get("HOST") not in ("127.0.0.1", "localhost", ""):
            raise CommandError(
                "Refusing: the load test fills and restarts the database; it must be a local "
                f"database named for it ('loadtest'), not {db['NAME']!r} on {db.get('HOST')!r}."
            )
        if settings.DEBUG:
            raise CommandError("Run with DEBUG=0: the point is the production configuration.")

    # --- preparation -------------------------------------------------------------------------

    def _prepare(self, n_incidents: int) -> None:
        import psycopg2

        db = settings.DATABASES["default"]
        params = {
            k: v
            for k, v in {
                "host": db.get("HOST"),
                "port": db.get("PORT"),
                "user": db.get("USER"),
                "password": db.get("PASSWORD"),
            }.items()
            if v
        }
        admin = psycopg2.connect(dbname="postgres", **params)
        admin.autocommit = True
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [db["NAME"]])
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{db["NAME"]}"')
        admin.close()
        call_command("migrate", interactive=False, verbosity=0)
        call_command("collectstatic", interactive=False, verbosity=0)
        call_command("load_demo", password=os.environ.get("DEMO_PASSWORD", "demo-password-2024"))
        self._generate(n_incidents)
        connection.close()

    def _generate(self, n: int) -> None:
        """The benchmark's synthetic incidents (the demo set alone is too small to load)."""
        from accounts.models import User
        from cases.models import Category, Claim, Incident
        from tools.data import generate

        have = Incident.objects.filter(slug__startswith="bench-").count()
        if have < n:
            generate(incidents=n - have, heavy=0, log=self.stdout.write)
        # The claim the writer process changes across the restart.
        editor = User.objects.get(username="editor")
        writer_incident, _ = Incident.objects.get_or_create(
            slug=WRITER_CLAIM_SLUG,
            defaults={
                "title": "Load-test writer incident",
                "occurred_from": timezone.now().date(),
                "category": Category.OTHER,
                "created_by": editor,
                "updated_by": editor,
            },
        )
        Claim.objects.get_or_create(incident=writer_incident, defaults={"text": "Writer claim"})

    def _urls(self, port: int) -> list[str]:
        from cases.models import Incident
        from sources.models import OfficialStatement, Source

        slugs = list(
            Incident.objects.published().order_by("pk").values_list("slug", flat=True)[:50]
        )
        sources = list(Source.objects.public().values_list("pk", flat=True)[:10])
        statements = list(OfficialStatement.objects.public().values_list("pk", flat=True))
        connection.close()
        urls = [
            "/",
            "/incidents/",
            "/incidents/?page=2",
            "/incidents/?oblast=luhansk",
            "/incidents/?category=pow_execution&sort=oldest",
            "/incidents/?q=prisoners",
            "/about/verification/",
            "/verify-file/",
            *[f"/incidents/{slug}/" for slug in slugs],
            *[f"/sources/{pk}/" for pk in sources],
            *[f"/statements/{pk}/" for pk in statements[:10]],
        ]
        # Included when this build has the API.
        for api_url in ("/api/v1/incidents/", "/api/v1/schema/"):
            if server.get(port, api_url) != 404:
                urls.append(api_url)
        return urls

    # --- the run -----------------------------------------------------------------------------

    def _run(self, urls: list[str], options) -> dict:
        duration = options["duration"]
        restart_at = options["restart_at"] if options["restart_at"] is not None else duration / 3
        restart = Restart()
        stop_file = self.workdir / "writer.stop"
        # The writer changes a claim's status throughout the run, so some change is in flight
        # when PostgreSQL stops.
        writer = self._spawn_writer(stop_file)
        # Wall-clock times throughout: Locust stamps its samples with the epoch.
        t0 = time.time()
        load = LocustRun(
            port=options["port"], urls=urls, users=options["clients"], seconds=duration
        )
        if not options["no_restart"]:
            time.sleep(max(0.0, t0 + restart_at - time.time()))
            self._restart_postgres(options, restart)
        samples = load.wait(timeout=duration + 300)
        stop_file.touch()
        writer_output = writer.communicate(timeout=120)[0]
        writer_output = "\n".join(
            line for line in writer_output.splitlines() if not line.startswith("AXES")
        )
        return {
            "samples": samples,
            "t0": t0,
            "duration": duration,
            "restart": restart,
            "urls": urls,
            "writer": writer_output,
        }

    def _cluster(self, option: str) -> list[str]:
        if option:
            return option.split()
        clusters = subprocess.run(["pg_lsclusters", "-h"], capture_output=True, text=True)
        lines = [line.split()[:2] for line in clusters.stdout.splitlines() if line.strip()]
        if len(lines) != 1:
            raise CommandError("Several PostgreSQL clusters: say which with --cluster 'VER NAME'.")
        return lines[0]

    def _restart_postgres(self, options, restart: Restart) -> None:
        if shutil.which("pg_ctlcluster") is None:
            raise CommandError("pg_ctlcluster not found; run with --no-restart.")
        version, name = self._cluster(options["cluster"])
        ctl = ["pg_ctlcluster", "--skip-systemctl-redirect", version, name]
        restart.stop_begin = time.time()
        stopped = subprocess.run([*ctl, "stop", "-m", "fast"], capture_output=True, text=True)
        restart.down = time.time()
        restart.log.append(f"stop: rc={stopped.returncode} {stopped.stderr.strip()}")
        time.sleep(options["outage"])
        started = subprocess.run([*ctl, "start"], capture_output=True, text=True)
        restart.up = time.time()
        restart.log.append(f"start: rc={started.returncode} {started.stderr.strip()}")
        if started.returncode != 0:
            raise CommandError(f"PostgreSQL did not start again: {started.stderr}")

    def _spawn_writer(self, stop_file: Path) -> subprocess.Popen:
        return subprocess.Popen(
            # Under the same settings (tools.settings), which is what makes `loadtest` a command.
            [sys.executable, "manage.py", "loadtest", "--writer-stop-file", str(stop_file)],
            cwd=settings.BASE_DIR,
            env=os.environ.copy(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def _writer(self, stop_file: Path) -> None:
        """Change one claim's status again and again through the service, across the restart.

        Each change is the claim row, its history row and its audit record in one transaction;
        a database that goes away mid-change must leave all three or none.
        """
        from django.db import InterfaceError, OperationalError

        from accounts.models import User
        from cases.models import Claim
        from cases.services import claim_change_status

        committed = failed = 0
        deadline = time.monotonic() + 600  # should the parent die without saying stop
        while not stop_file.exists() and time.monotonic() < deadline:
            try:
                editor = User.objects.get(username="editor")
                claim = Claim.objects.get(incident__slug=WRITER_CLAIM_SLUG)
                status = "disputed" if claim.status == "verified" else "verified"
                claim_change_status(
                    claim=claim,
                    status=status,
                    rationale=f"Load-test write at {time.time():.3f}",
                    methods=["other"],
                    by=editor,
                )
                committed += 1
            except (OperationalError, InterfaceError):
                failed += 1
                connection.close()
                time.sleep(0.1)
            time.sleep(0.02)
        self.stdout.write(f"writer: {committed} committed, {failed} failed")

    # --- results -----------------------------------------------------------------------------

    def _check_writes(self) -> tuple[bool, str]:
        from cases.models import Claim, ClaimStatusChange

        connection.close()  # the server restarted since this process last spoke to it
        claim = Claim.objects.get(incident__slug=WRITER_CLAIM_SLUG)
        changes = ClaimStatusChange.objects.filter(claim=claim)
        history = claim.history.exclude(history_type="+").count()
        latest = changes.order_by("-changed_at", "-pk").first()
        whole = claim.version - 1 == changes.count() == history and (
            latest is None
            or (latest.to_status, latest.rationale) == (claim.status, claim.rationale)
        )
        detail = (
            f"claim version {claim.version}, {changes.count()} audit records, "
            f"{history} history changes; latest audit matches claim: "
            f"{latest is None or latest.to_status == claim.status}"
        )
        return whole, detail

    def _report(self, result: dict, options) -> None:
        samples: list[Sample] = result["samples"]
        restart: Restart = result["restart"]
        total = len(samples)
        ok = [s for s in samples if s.status == 200]
        latencies = [s.ms for s in ok]
        recovery = None
        window_end = None
        if restart.up is not None:
            # The first database page answered after PostgreSQL is back. Not "started after":
            # with 64 clients on 2 workers a request waits seconds in gunicorn's queue before a
            # worker takes it, and that wait is load, not recovery.
            back = [s.end for s in ok if s.url not in DB_FREE and s.end >= restart.up]
            if back:
                recovery = min(back) - restart.up
                window_end = min(back)
        in_window = (
            (lambda s: restart.stop_begin <= s.end and s.start <= window_end)
            if restart.stop_begin is not None and window_end is not None
            else (lambda s: False)
        )
        outage_503 = [s for s in samples if s.status == 503 and in_window(s)]
        errors = [s for s in samples if s.status != 200 and not (s.status == 503 and in_window(s))]
        writes_whole, writes_detail = self._check_writes()
        statuses: dict[int, int] = {}
        for s in samples:
            statuses[s.status] = statuses.get(s.status, 0) + 1
        restarted = restart.up is not None
        passed = (
            not errors
            and writes_whole
            and (not restarted or (recovery is not None and recovery <= RECOVERY_LIMIT_SECONDS))
        )
        figures = {
            "requests": total,
            "rate": total / result["duration"],
            "p50": percentile(latencies, 50),
            "p95": percentile(latencies, 95),
            "p99": percentile(latencies, 99),
            "mean": statistics.fmean(latencies) if latencies else float("nan"),
        }
        lines = [
            f"- Run: {timezone.now():%Y-%m-%d %H:%M} UTC, {options['clients']} Locust users, "
            f"{result['duration']:.0f} s, gunicorn {options['workers']} workers, DEBUG off, "
            f"PostgreSQL database `{settings.DATABASES['default']['NAME']}`, "
            f"load average at start {' '.join(f'{x:.2f}' for x in os.getloadavg())}, "
            f"{len(result['urls'])} URLs "
            f"({'with' if any('/api/' in u for u in result['urls']) else 'without'} /api/v1/).",
            f"- Requests: {figures['requests']} ({figures['rate']:.1f} req/s); statuses: "
            + ", ".join(f"{k or 'connection failed'}: {v}" for k, v in sorted(statuses.items())),
            f"- Latency of 200s (ms): p50 {figures['p50']:.0f}, p95 {figures['p95']:.0f}, "
            f"p99 {figures['p99']:.0f}, mean {figures['mean']:.0f}.",
        ]
        if restarted:
            lines += [
                f"- PostgreSQL restart at {restart.stop_begin - result['t0']:.1f} s: stop took "
                f"{restart.down - restart.stop_begin:.2f} s, down {options['outage']:.0f} s, start "
                f"took {restart.up - restart.down:.2f} s.",
                f"- 503 pages during the outage: {len(outage_503)}.",
                "- Database back → first 200 from a database page: "
                + (f"{recovery:.2f} s" if recovery is not None else "never")
                + f" (limit {RECOVERY_LIMIT_SECONDS:.0f} s).",
            ]
        else:
            lines.append("- PostgreSQL was not restarted in this run (--no-restart).")
        lines += [
            f"- Errors other than 503 during the outage: {len(errors)}"
            + (
                " — first: "
                + "; ".join(
                    f"{s.url} {s.status or s.error} at {s.start - result['t0']:.1f} s"
                    for s in errors[:5]
                )
                if errors
                else ""
            ),
            f"- Write across the restart: {result['writer'].strip() or 'no output'}; "
            f"{writes_detail} → {'whole' if writes_whole else 'HALF-DONE'}.",
            f"- Result: {'PASS' if passed else 'FAIL'}.",
        ]
        self.stdout.write("\n".join(lines))
        self._write_report(Path(options["report"]), lines, options)
        if not passed:
            raise CommandError("The load test failed; see the figures above.")

    def _write_report(self, path: Path, lines: list[str], options) -> None:
        command = "make loadtest" + (
            f' LOADTEST_ARGS="--no-restart --duration {options["duration"]:.0f}"'
            if options["no_restart"]
            else ""
        )
        marker = "## Latest figures"
        head = path.read_text().split(marker)[0] if path.exists() else ""
        path.write_text(
            head.rstrip() + f"\n\n{marker}\n\n`{command}`\n\n" + "\n".join(lines) + "\n"
        )
